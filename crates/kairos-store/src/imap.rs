//! IMAP mailboxes to import mail from, and how far each import has come.

use crate::{Result, Store};
use kairos_core::Timestamp;
use kairos_core::ids::TenantId;
use uuid::Uuid;

/// An IMAP mailbox Kairos imports from.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapAccount {
    /// Its id.
    pub id: Uuid,
    /// The tenant the mail belongs to.
    pub tenant_id: TenantId,
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// `tls` (implicit, port 993), `starttls` or `plain` (loopback and tests only).
    pub security: String,
    /// Login name.
    pub username: String,
    /// Password (a secret: never shown, never logged).
    pub password: String,
    /// The mailbox to import (`INBOX`).
    pub mailbox: String,
    /// The mailbox's UIDVALIDITY when `last_uid` was reached.
    pub uid_validity: Option<u32>,
    /// The highest UID imported.
    pub last_uid: u32,
    /// When it was last polled.
    pub last_polled_at: Option<Timestamp>,
    /// What went wrong last time, if anything.
    pub last_error: Option<String>,
}

impl std::fmt::Debug for ImapAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapAccount")
            .field("id", &self.id)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Adds a mailbox to import from.
    pub async fn create_imap_account(&self, account: &ImapAccount) -> Result<()> {
        let now = crate::now();
        dispatch!(self, s => s.create_imap_account(account, now).await)
    }

    /// The tenant's mailboxes (`tenant`), or every tenant's (`None`, for the importer).
    pub async fn imap_accounts(&self, tenant: Option<TenantId>) -> Result<Vec<ImapAccount>> {
        dispatch!(self, s => s.imap_accounts(tenant).await)
    }

    /// Stops importing from a mailbox; `false` if the tenant had no such mailbox.
    pub async fn delete_imap_account(&self, tenant: TenantId, id: Uuid) -> Result<bool> {
        dispatch!(self, s => s.delete_imap_account(tenant, id).await)
    }

    /// Records the position reached.
    pub async fn imap_progress(&self, id: Uuid, uid_validity: u32, last_uid: u32) -> Result<()> {
        dispatch!(self, s => s.imap_progress(id, uid_validity, last_uid).await)
    }

    /// Records a poll's end and its error, if any.
    pub async fn imap_polled(&self, id: Uuid, at: Timestamp, error: Option<&str>) -> Result<()> {
        dispatch!(self, s => s.imap_polled(id, at, error).await)
    }
}
