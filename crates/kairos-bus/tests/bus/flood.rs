//! A broker that ignores our Receive Maximum and sends every queued message at once, as
//! Mosquitto 2.0.11 (Debian 12's, the one CI runs) does once the first PUBACK has come
//! back. A scripted broker on a loopback port stands in for it, so the test does not depend
//! on a broker's version.

use crate::helpers::{RecordingSink, Source, event};
use kairos_bus::{BusConfig, MqttConfig, MqttSubscription};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedReadHalf;

/// Messages sent without waiting for a single acknowledgement: far more than the source's
/// Receive Maximum (16) and its queues (64 + 64).
const FLOOD: u16 = 2000;

/// One MQTT packet: its first byte and its body.
async fn packet(r: &mut OwnedReadHalf) -> std::io::Result<(u8, Vec<u8>)> {
    let kind = r.read_u8().await?;
    let (mut len, mut shift) = (0usize, 0);
    loop {
        let b = r.read_u8().await?;
        len |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).await?;
    Ok((kind, body))
}

fn remaining_length(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let b = (n % 128) as u8;
        n /= 128;
        out.push(if n > 0 { b | 0x80 } else { b });
        if n == 0 {
            return;
        }
    }
}

/// A QoS 1 PUBLISH (MQTT 5, no properties).
fn publish(topic: &str, pkid: u16, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend((topic.len() as u16).to_be_bytes());
    body.extend(topic.as_bytes());
    body.extend(pkid.to_be_bytes());
    body.push(0);
    body.extend(payload);
    let mut out = vec![0x32];
    remaining_length(body.len(), &mut out);
    out.extend(body);
    out
}

/// Checklist H08 (a burst of location events: bounded lag, nothing lost) and G06 (bounded
/// memory whatever the peer sends): a broker that sends 2,000 QoS 1 messages without
/// waiting for acknowledgements. Every event reaches the sink, every message is
/// acknowledged in the order it came (MQTT-4.6.0-2), and the source still stops on request.
/// Before the fix the source's event loop waited for room in the worker's queue while the
/// worker waited for room in the event loop's request queue, and nothing moved again.
#[tokio::test]
async fn a_broker_that_ignores_receive_maximum_does_not_stall_the_source() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut cfg = MqttConfig::new(
        format!("mqtt://127.0.0.1:{port}"),
        vec![MqttSubscription {
            topic: "flood/+/context".into(),
            tenant: None,
        }],
    );
    cfg.client_id = "kt-flood".into();
    let sink = RecordingSink::new();
    let source = Source::start(
        BusConfig {
            mqtt: Some(cfg),
            nats: None,
        },
        sink.clone(),
    );

    let (stream, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("the source connects")
        .unwrap();
    let (mut r, mut w) = stream.into_split();
    let (kind, _) = packet(&mut r).await.unwrap();
    assert_eq!(kind, 0x10, "CONNECT first");
    // CONNACK: no session present, success, no properties.
    w.write_all(&[0x20, 0x03, 0x00, 0x00, 0x00]).await.unwrap();
    let (kind, body) = packet(&mut r).await.unwrap();
    assert_eq!(kind, 0x82, "then SUBSCRIBE");
    // SUBACK for its one filter: granted QoS 1.
    w.write_all(&[0x90, 0x04, body[0], body[1], 0x00, 0x01])
        .await
        .unwrap();

    let flood = tokio::spawn(async move {
        let mut bytes = Vec::new();
        for pkid in 1..=FLOOD {
            bytes.extend(publish(
                "flood/acme/context",
                pkid,
                event(&format!("f{pkid}")).to_string().as_bytes(),
            ));
        }
        w.write_all(&bytes).await.unwrap();
        w // kept open until the test ends
    });

    let mut acked = Vec::new();
    let read_acks = async {
        while acked.len() < usize::from(FLOOD) {
            match packet(&mut r).await.unwrap() {
                (0x40, body) => acked.push(u16::from_be_bytes([body[0], body[1]])),
                (0xc0, _) => {} // PINGREQ: nothing to say
                (kind, _) => panic!("unexpected packet {kind:#x}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_acks)
        .await
        .unwrap_or_else(|_| panic!("stalled: {} of {FLOOD} acknowledged", acked.len()));
    assert_eq!(
        acked,
        (1..=FLOOD).collect::<Vec<_>>(),
        "acknowledged in order"
    );
    let ids = sink.ok_ids();
    assert_eq!(ids.len(), usize::from(FLOOD));
    assert_eq!(ids.first().map(String::as_str), Some("f1"));
    assert_eq!(ids.last().map(String::as_str), Some("f2000"));

    let _w = flood.await.unwrap();
    source.stop().await;
}
