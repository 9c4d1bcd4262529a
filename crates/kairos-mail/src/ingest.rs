//! From raw mail to the timeline: parse, store attachments by content hash, find the thread,
//! and hand one inbound touchpoint to the store — the same path for SMTP and IMAP.
//!
//! The answer is given only after the store's commit (and the attachments' fsync), so a
//! `250` or an IMAP "imported" never precedes durability.

use crate::outbound::compose::{self, Draft};
use crate::outbound::worker;
use crate::parse::{self, InboundMail, ParseError};
use crate::thread_token::ThreadTokens;
use kairos_core::Timestamp;
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::{MessageId, TenantId};
use kairos_core::inbound::{InboundCommand, InboundIds};
use kairos_core::mail::{AUTO_REPLY_DAYS, may_auto_reply};
use kairos_core::message::{Attachment, Body, Channel, MAX_ATTACHMENTS, MAX_BODY_BYTES};
use kairos_store::blobs::BlobStore;
use kairos_store::mail::OutboxMail;
use kairos_store::{Store, StoreError};
use sha2::{Digest, Sha256};

/// The signing key's name in the store.
const THREAD_KEY: &str = "mail-thread";

/// Why a message was not taken. Permanent refusals must not be retried by the sender.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The message itself is unacceptable (5xx).
    #[error("{0}")]
    Permanent(String),
    /// Something on our side failed; try again later (4xx).
    #[error("{0}")]
    Temporary(String),
}

impl From<ParseError> for Refusal {
    fn from(e: ParseError) -> Self {
        Refusal::Permanent(e.to_string())
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => Refusal::Permanent(d.to_string()),
            other => {
                tracing::warn!(error = %other, "mail ingest: store failed");
                Refusal::Temporary("local error in processing".into())
            }
        }
    }
}

/// How a message came in.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// By SMTP, with this reverse path (`None`: the null sender `<>` of bounces).
    Smtp {
        /// The `MAIL FROM` address.
        mail_from: Option<&'a str>,
    },
    /// Fetched from an IMAP mailbox (no envelope).
    Imap,
}

/// Where a message landed.
#[derive(Clone, Debug)]
pub struct Ingested {
    /// Customer, conversation and message.
    pub ids: InboundIds,
    /// `false` when the same message had been taken before (a retransmission).
    pub created: bool,
    /// Whether it was machine-generated (no automatic answer may go to it).
    pub automated: bool,
    /// The sender's address.
    pub sender: String,
}

/// Turns mail into touchpoints for the tenants it is addressed to.
#[derive(Clone)]
pub struct Mailroom {
    store: Store,
    blobs: BlobStore,
    tokens: ThreadTokens,
    hostname: String,
}

impl Mailroom {
    /// A mailroom over `store`, keeping attachments in `blobs`; `hostname` is the domain
    /// of the Message-IDs it signs.
    pub async fn new(store: Store, blobs: BlobStore, hostname: &str) -> Result<Self, StoreError> {
        Ok(Self {
            tokens: thread_tokens(&store).await?,
            store,
            blobs,
            hostname: hostname.to_owned(),
        })
    }

    /// The thread tokens outbound mail is signed with.
    pub fn tokens(&self) -> &ThreadTokens {
        &self.tokens
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The tenant that receives mail for `address`.
    pub async fn tenant_for(&self, address: &str) -> Result<Option<TenantId>, StoreError> {
        self.store
            .mail_address_tenant(&address.to_lowercase())
            .await
    }

    /// Takes one raw message for `tenant` that came by `source`.
    pub async fn ingest(
        &self,
        tenant: TenantId,
        source: Source<'_>,
        raw: Vec<u8>,
    ) -> Result<Ingested, Refusal> {
        let (envelope_from, null_sender) = match source {
            Source::Smtp { mail_from } => (mail_from, mail_from.is_none()),
            Source::Imap => (None, false),
        };
        let (mail, raw) = tokio::task::spawn_blocking(move || (parse::parse(&raw), raw))
            .await
            .map_err(|_| Refusal::Permanent("the message could not be parsed".into()))?;
        let mail = mail?;
        let sender = mail
            .from
            .clone()
            .or_else(|| envelope_from.map(str::to_lowercase))
            .ok_or_else(|| Refusal::Permanent("no sender address (From: or MAIL FROM)".into()))?;
        let from = Identity::parse(IdentityKind::Email, &sender, None, None)
            .map_err(|_| Refusal::Permanent(format!("invalid sender address {sender:?}")))?;
        // Mail from one of our own support addresses is a loop (checklist C10).
        if self.store.mail_address_tenant(&from.value).await? == Some(tenant) {
            return Err(Refusal::Permanent(
                "mail from our own support address: loop refused".into(),
            ));
        }
        if mail.attachments.len() > MAX_ATTACHMENTS {
            return Err(Refusal::Permanent(format!(
                "more than {MAX_ATTACHMENTS} attachments"
            )));
        }
        let mut attachments = Vec::with_capacity(mail.attachments.len() + 1);
        for a in &mail.attachments {
            attachments.push(
                self.store_blob(&a.filename, &a.content_type, &a.content)
                    .await?,
            );
        }
        let (body, truncated) = body_of(&mail);
        if truncated && attachments.len() < MAX_ATTACHMENTS {
            // The timeline shows the first MiB; the whole message stays retrievable.
            attachments.push(
                self.store_blob("original.eml", "message/rfc822", &raw)
                    .await?,
            );
        }
        let cmd = InboundCommand {
            channel: Channel::Email,
            from: from.clone(),
            display_name: mail.from_name.clone(),
            subject: mail.subject.clone(),
            body,
            attachments,
            external_id: Some(dedupe_key(&from.value, &mail)),
            conversation_id: self.tokens.conversation(tenant, &mail.thread_ids),
        };
        let (ids, created) = self.store.inbound(tenant, cmd, &Actor::System).await?;
        if let Some(rfc_id) = &mail.message_id {
            // Replies then carry In-Reply-To/References the customer's mail program threads.
            self.store
                .record_mail_id(tenant, ids.conversation_id, ids.message_id, rfc_id)
                .await?;
        }
        metrics::counter!("kairos_mail_ingested_total").increment(1);
        if created {
            // The acknowledgement is a courtesy: failing to queue it never refuses the mail.
            if let Err(e) = self
                .acknowledge(tenant, &mail, &from.value, null_sender, ids)
                .await
            {
                tracing::warn!(error = %e, %tenant, "cannot queue the automatic reply");
            }
        }
        Ok(Ingested {
            ids,
            created,
            automated: mail.automated || null_sender,
            sender: from.value,
        })
    }

    /// Queues the tenant's automatic acknowledgement for a new conversation, within the
    /// rules of RFC 3834 (checklist C10): never to automated mail, the null sender or
    /// robots, at most once per sender in [`AUTO_REPLY_DAYS`] days, marked
    /// `Auto-Submitted: auto-replied`, and never repeating what the sender wrote (C09).
    async fn acknowledge(
        &self,
        tenant: TenantId,
        mail: &InboundMail,
        sender: &str,
        null_sender: bool,
        ids: InboundIds,
    ) -> Result<(), StoreError> {
        let settings = worker::settings(&self.store, tenant).await?;
        let Some(reply) = settings.auto_reply else {
            return Ok(());
        };
        if !may_auto_reply(sender, mail.automated, null_sender) {
            return Ok(());
        }
        let first = self
            .store
            .messages(tenant, ids.conversation_id, false, 0, 2)
            .await?
            .len()
            == 1;
        if !first {
            return Ok(());
        }
        let (Some(from), from_name) = worker::sender(&self.store, tenant).await? else {
            return Ok(());
        };
        let now = kairos_store::now();
        let since = Timestamp::from_micros(now.as_micros() - AUTO_REPLY_DAYS * 86_400_000_000);
        if !self
            .store
            .auto_reply_claim(tenant, sender, since, now)
            .await?
        {
            return Ok(());
        }
        let draft = Draft {
            from: from.clone(),
            from_name,
            to: sender.to_owned(),
            subject: reply.subject,
            text: reply.text,
            html: None,
            message_id: self.tokens.message_id(
                tenant,
                ids.conversation_id,
                MessageId::new(),
                &self.hostname,
            ),
            thread: mail.message_id.iter().cloned().collect(),
            automatic: true,
        };
        let Ok(raw) = compose::render(&draft) else {
            return Ok(());
        };
        let queued = OutboxMail {
            id: uuid::Uuid::now_v7(),
            tenant_id: tenant,
            message_id: None,
            mail_from: from,
            recipient: draft.to,
            raw,
            attempts: 0,
        };
        self.store.outbox_enqueue(&queued, now).await?;
        Ok(())
    }

    async fn store_blob(
        &self,
        filename: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<Attachment, Refusal> {
        let sha256 = self.blobs.put(content.to_vec()).await.map_err(|e| {
            tracing::warn!(error = %e, "mail ingest: cannot store an attachment");
            Refusal::Temporary("local error in processing".into())
        })?;
        Ok(Attachment {
            filename: filename.to_owned(),
            content_type: content_type.to_owned(),
            size: content.len() as u64,
            sha256,
        })
    }
}

/// The body as the domain accepts it: each part cut to 1 MiB (then `true`), and a
/// placeholder when the mail has no text at all (an attachment-only mail still lands).
fn body_of(mail: &InboundMail) -> (Body, bool) {
    let cut = |s: &str| -> (String, bool) {
        if s.len() <= MAX_BODY_BYTES {
            return (s.replace('\0', ""), false);
        }
        let mut end = MAX_BODY_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        (s[..end].replace('\0', ""), true)
    };
    let (text, text_cut) = cut(&mail.text);
    let (html, html_cut) = match mail.html.as_deref() {
        Some(h) => {
            let (h, c) = cut(h);
            (Some(h), c)
        }
        None => (None, false),
    };
    let body = Body::new(&text, html.as_deref())
        .or_else(|_| Body::new(&text, None))
        .or_else(|_| Body::new("(no text)", None));
    // "(no text)" is valid, so the last fallback cannot fail.
    let body = body.unwrap_or(Body {
        text: "(no text)".into(),
        html: None,
    });
    (body, text_cut || html_cut)
}

/// The de-duplication key (the message's `external_id`): the sender and Message-ID
/// together (so nobody can pre-empt another sender's mail by reusing its Message-ID), else
/// the raw bytes' hash. The same mail by SMTP and by IMAP gets the same key.
pub fn dedupe_key(sender: &str, mail: &InboundMail) -> String {
    match &mail.message_id {
        Some(id) => {
            let digest = Sha256::digest(format!("{sender}\n{id}").as_bytes());
            format!("email:{}", hex::encode(digest))
        }
        None => format!("email-raw:{}", mail.raw_sha256),
    }
}

/// The thread tokens of this installation (the key is created by the first caller and
/// shared by every instance on the same database).
pub async fn thread_tokens(store: &Store) -> Result<ThreadTokens, StoreError> {
    let key = store.signing_key(THREAD_KEY, rand_key()).await?;
    Ok(ThreadTokens::new(key.to_vec()))
}

fn rand_key() -> [u8; kairos_store::keys::SIGNING_KEY_LEN] {
    let mut key = [0u8; kairos_store::keys::SIGNING_KEY_LEN];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    key
}
