//! From raw mail to the timeline: parse, store attachments by content hash, find the thread,
//! and hand one inbound touchpoint to the store — the same path for SMTP and IMAP.
//!
//! The answer is given only after the store's commit (and the attachments' fsync), so a
//! `250` or an IMAP "imported" never precedes durability.

use crate::parse::{self, InboundMail, ParseError};
use crate::thread_token::ThreadTokens;
use kairos_core::event::Actor;
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::ids::TenantId;
use kairos_core::inbound::{InboundCommand, InboundIds};
use kairos_core::message::{Attachment, Body, Channel, MAX_ATTACHMENTS, MAX_BODY_BYTES};
use kairos_store::blobs::BlobStore;
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
}

impl Mailroom {
    /// A mailroom over `store`, keeping attachments in `blobs`.
    pub async fn new(store: Store, blobs: BlobStore) -> Result<Self, StoreError> {
        let candidate: [u8; kairos_store::keys::SIGNING_KEY_LEN] = rand_key();
        let key = store.signing_key(THREAD_KEY, candidate).await?;
        Ok(Self {
            store,
            blobs,
            tokens: ThreadTokens::new(key.to_vec()),
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

    /// Takes one raw message for `tenant`. `envelope_from` is the SMTP reverse path (`None`
    /// for the null sender, or when the mail came by IMAP).
    pub async fn ingest(
        &self,
        tenant: TenantId,
        envelope_from: Option<&str>,
        raw: Vec<u8>,
    ) -> Result<Ingested, Refusal> {
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
        metrics::counter!("kairos_mail_ingested_total").increment(1);
        Ok(Ingested {
            ids,
            created,
            automated: mail.automated || envelope_from.is_none() && mail.from.is_none(),
            sender: from.value,
        })
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

fn rand_key() -> [u8; kairos_store::keys::SIGNING_KEY_LEN] {
    let mut key = [0u8; kairos_store::keys::SIGNING_KEY_LEN];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    key
}
