//! The MQTT source: an MQTT 5 session kept by the broker (clean start off, a session expiry)
//! so messages published while Kairos is away wait for it; QoS 1 with manual acks, each
//! acknowledged only after the sink answered for good.
//!
//! The broker is told our Maximum Packet Size, so it drops bigger messages instead of
//! redelivering forever a packet this client cannot read; payloads between the configured
//! limit and that size are refused here and counted.
//!
//! A broker may send more than our Receive Maximum (Mosquitto 2.0.11 does once the first
//! acknowledgement has come back). Then the worker's queue fills and the event loop waits for
//! room, reading nothing more (TCP pushes back, memory stays bounded); so the worker never
//! waits for the event loop: acknowledgements go through [`Acks`], which hands them to the
//! client only while its request queue has room and keeps the rest, in order, for the event
//! loop to pass on after each poll.

use crate::config::{MqttConfig, MqttSubscription, parse_mqtt_url};
use crate::payload::{is_tenant_name, parse_payload};
use crate::{Backoff, ContextSink, Outcome, Verdict, count, offer, pause, shown, stopped};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Filter, Packet, Publish, RetainForwardRule};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use rumqttc::{TlsConfiguration, Transport};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const SOURCE: &str = "mqtt";
/// Unacknowledged QoS 1 messages the broker may have in flight to us.
const RECEIVE_MAX: u16 = 16;
/// Room for the topic and properties on top of the payload limit.
const PACKET_SLACK: usize = 16 * 1024;

/// Acknowledgements not yet handed to the client, in the order their messages came (PUBACKs
/// go out in that order, MQTT-4.6.0-2). `client.ack` would wait for room in the event loop's
/// request queue, and the event loop may itself be waiting for the worker: never wait here.
#[derive(Clone, Default)]
struct Acks(Arc<Mutex<VecDeque<Publish>>>);

impl Acks {
    fn queue(&self) -> MutexGuard<'_, VecDeque<Publish>> {
        // Nothing is left half-done under this lock, so a poisoned one is still sound.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Acknowledges `p` now if nothing is waiting before it and the client has room, else
    /// keeps it (without its payload) for [`Acks::flush`].
    fn ack(&self, client: &AsyncClient, mut p: Publish) {
        let mut queue = self.queue();
        if queue.is_empty() && client.try_ack(&p).is_ok() {
            return;
        }
        p.payload = Default::default();
        queue.push_back(p);
    }

    /// Hands waiting acknowledgements to the client while it has room; `true` if none wait.
    fn flush(&self, client: &AsyncClient) -> bool {
        let mut queue = self.queue();
        while let Some(p) = queue.front() {
            if client.try_ack(p).is_err() {
                return false;
            }
            queue.pop_front();
        }
        true
    }
}

/// The tenant of a message on `topic`: the first subscription whose filter matches names it,
/// by its fixed `tenant` or by the topic level at the filter's `+`. An error says why not.
pub fn tenant_of_topic(subscriptions: &[MqttSubscription], topic: &str) -> Result<String, String> {
    for s in subscriptions {
        let Some(plus) = matches(&s.topic, topic) else {
            continue;
        };
        let tenant = match &s.tenant {
            Some(t) => t.as_str(),
            None => plus.first().copied().unwrap_or_default(),
        };
        return if is_tenant_name(tenant) {
            Ok(tenant.to_owned())
        } else {
            Err(format!(
                "topic level {} does not name a tenant",
                shown(tenant)
            ))
        };
    }
    Err("no subscription matches the topic".into())
}

/// The levels `topic` puts at the `+` of `filter`, if it matches (MQTT 5 §4.7).
fn matches<'t>(filter: &str, topic: &'t str) -> Option<Vec<&'t str>> {
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return None;
    }
    let mut plus = Vec::new();
    let mut levels = topic.split('/');
    for f in filter.split('/') {
        match (f, levels.next()) {
            ("#", _) => return Some(plus),
            ("+", Some(l)) => plus.push(l),
            (f, Some(l)) if f == l => {}
            _ => return None,
        }
    }
    levels.next().is_none().then_some(plus)
}

/// TLS trusting the CAs in `ca_file`, or the public (Mozilla) roots.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let shown = path.display();
            let pem = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("{shown}: {e}"))?;
                roots.add(cert).map_err(|e| format!("{shown}: {e}"))?;
            }
            if roots.is_empty() {
                return Err(format!("{shown}: no PEM certificate in it"));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

pub(crate) async fn run(
    cfg: MqttConfig,
    sink: Arc<dyn ContextSink>,
    mut stop: watch::Receiver<bool>,
) {
    let url = match parse_mqtt_url(&cfg.url) {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "MQTT source not started");
            return;
        }
    };
    let mut options = MqttOptions::new(cfg.client_id.clone(), url.host.clone(), url.port);
    options
        .set_clean_start(false)
        .set_session_expiry_interval(Some(cfg.session_expiry_secs))
        .set_manual_acks(true)
        .set_receive_maximum(Some(RECEIVE_MAX))
        .set_max_packet_size(Some(
            u32::try_from(cfg.max_payload_bytes + PACKET_SLACK).unwrap_or(u32::MAX),
        ))
        .set_keep_alive(Duration::from_secs(30))
        .set_connection_timeout(10);
    if let Some(user) = &url.username {
        options.set_credentials(user.clone(), url.password.clone().unwrap_or_default());
    }
    if url.tls {
        match tls_config(cfg.ca_file.as_deref()) {
            Ok(tls) => {
                options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
                    Arc::new(tls),
                )));
            }
            Err(e) => {
                tracing::error!(error = %e, "MQTT source not started: TLS");
                return;
            }
        }
    }
    let (client, mut eventloop) = AsyncClient::new(options, 64);
    // Room for the QoS 1 messages in flight twice over (a reconnect redelivers those still
    // queued here), so with a broker that keeps to our Receive Maximum handing one over never
    // waits; with one that does not, waiting here is the backpressure (see the module doc).
    let (tx, rx) = mpsc::channel::<Publish>(usize::from(RECEIVE_MAX) * 4);
    let acks = Acks::default();
    let worker = tokio::spawn(work(
        rx,
        client.clone(),
        acks.clone(),
        sink,
        cfg.subscriptions.clone(),
        cfg.max_payload_bytes,
        stop.clone(),
    ));
    let filters: Vec<Filter> = cfg
        .subscriptions
        .iter()
        .map(|s| Filter {
            retain_forward_rule: RetainForwardRule::OnNewSubscribe,
            ..Filter::new(s.topic.clone(), QoS::AtLeastOnce)
        })
        .collect();
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
    tracing::info!(broker = ?url, client_id = %cfg.client_id, "MQTT source starting");
    loop {
        let event = tokio::select! {
            () = stopped(&mut stop) => break,
            e = eventloop.poll() => e,
        };
        // Each poll took a request (or a packet) off the client's queues: pass on what waits.
        acks.flush(&client);
        match event {
            Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                tracing::info!(
                    session_present = ack.session_present,
                    "MQTT source connected"
                );
                backoff.reset();
                // Subscribing again is harmless with a kept session and picks up filters
                // added to the configuration since.
                let (c, f) = (client.clone(), filters.clone());
                tokio::spawn(async move {
                    if let Err(e) = c.subscribe_many(f).await {
                        tracing::warn!(error = %e, "MQTT subscribe not sent");
                    }
                });
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                let refused = ack
                    .return_codes
                    .iter()
                    .filter(|c| {
                        !matches!(
                            c,
                            rumqttc::v5::mqttbytes::v5::SubscribeReasonCode::Success(_)
                        )
                    })
                    .count();
                if refused > 0 {
                    tracing::error!(refused, "MQTT broker refused topic filters");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                if p.qos == QoS::AtMostOnce {
                    // At most once: drop rather than stall the connection (keep-alive, acks),
                    // leaving room for QoS 1 messages the broker counts against RECEIVE_MAX.
                    if tx.capacity() <= 2 * usize::from(RECEIVE_MAX) || tx.try_send(p).is_err() {
                        count(SOURCE, Outcome::Dropped);
                    }
                } else if tx.send(p).await.is_err() {
                    break;
                }
            }
            Ok(Event::Incoming(Packet::Disconnect(d))) => {
                tracing::warn!(reason = ?d.reason_code, "MQTT broker disconnected us");
            }
            Ok(_) => {}
            Err(e) => {
                let wait = backoff.next();
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "MQTT connection lost");
                if !pause(&mut stop, wait).await {
                    break;
                }
            }
        }
    }
    // Let the worker finish the message in hand, then send the acks before disconnecting.
    drop(tx);
    let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let mut disconnecting = false;
        loop {
            if acks.flush(&client) && !disconnecting {
                disconnecting = client.try_disconnect().is_ok();
            }
            match eventloop.poll().await {
                Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    tracing::info!("MQTT source stopped");
}

/// Takes messages one by one (in order), acknowledging each once the sink answered for good.
async fn work(
    mut rx: mpsc::Receiver<Publish>,
    client: AsyncClient,
    acks: Acks,
    sink: Arc<dyn ContextSink>,
    subscriptions: Vec<MqttSubscription>,
    max_payload: usize,
    mut stop: watch::Receiver<bool>,
) {
    let mut retry = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    loop {
        let p = tokio::select! {
            () = stopped(&mut stop) => return,
            p = rx.recv() => match p { Some(p) => p, None => return },
        };
        let topic = String::from_utf8_lossy(&p.topic);
        let prepared = tenant_of_topic(&subscriptions, &topic).and_then(|tenant| {
            parse_payload(&p.payload, max_payload)
                .map(|events| (tenant, events))
                .map_err(|e| e.to_string())
        });
        match prepared {
            Err(why) => {
                count(SOURCE, Outcome::Invalid);
                tracing::warn!(topic = %shown(&topic), bytes = p.payload.len(), reason = %why, "MQTT message refused");
            }
            Ok((tenant, events)) => {
                retry.reset();
                while let Verdict::Later =
                    offer(SOURCE, sink.as_ref(), &tenant, events.clone()).await
                {
                    if !pause(&mut stop, retry.next()).await {
                        // Unacknowledged: the broker redelivers it in the next session.
                        return;
                    }
                }
            }
        }
        acks.ack(&client, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(topic: &str, tenant: Option<&str>) -> MqttSubscription {
        MqttSubscription {
            topic: topic.into(),
            tenant: tenant.map(str::to_owned),
        }
    }

    #[test]
    fn topics_name_tenants() {
        let subs = [
            sub("kairos/+/context", None),
            sub("site/hall-a/#", Some("acme")),
        ];
        assert_eq!(
            tenant_of_topic(&subs, "kairos/globex/context").unwrap(),
            "globex"
        );
        assert_eq!(tenant_of_topic(&subs, "site/hall-a/ap/7").unwrap(), "acme");
        assert_eq!(tenant_of_topic(&subs, "site/hall-a").unwrap(), "acme");
        for bad in [
            "kairos/Globex/context",
            "kairos//context",
            "kairos/a b/context",
            "kairos/../context",
            "kairos/globex/context/extra",
            "other/topic",
        ] {
            assert!(tenant_of_topic(&subs, bad).is_err(), "{bad}");
        }
        assert!(matches("+/x", "$SYS/x").is_none());
    }
}
