//! The relay outbound mail goes through (lettre's SMTP client): `smtp://host:port` (plain),
//! `smtp://host?tls=required` (STARTTLS), `smtps://host` (TLS from the start), credentials
//! as `smtp://user:password@host`.

use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How long one delivery attempt may take (RUSTSEC-2026-0562 / checklist L15: a relay that
/// stalls or sends endless replies must not hold the sender).
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a delivery attempt failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// Try again later (4xx, connection refused, timeout).
    #[error("{0}")]
    Transient(String),
    /// The relay refused the mail for good (5xx, bad address).
    #[error("{0}")]
    Permanent(String),
}

/// A configured relay.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Relay")
    }
}

impl Relay {
    /// A relay from its URL (see the module documentation).
    pub fn from_url(url: &str) -> Result<Self, String> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("relay URL: {e}"))?;
        Ok(Self {
            transport: builder.timeout(Some(SEND_TIMEOUT)).build(),
        })
    }

    /// Sends `raw` from `from` to `to`.
    pub async fn send(&self, from: &str, to: &str, raw: &[u8]) -> Result<(), SendError> {
        let from = from
            .parse()
            .map_err(|_| SendError::Permanent(format!("invalid sender {from:?}")))?;
        let to = to
            .parse()
            .map_err(|_| SendError::Permanent(format!("invalid recipient {to:?}")))?;
        let envelope =
            Envelope::new(Some(from), vec![to]).map_err(|e| SendError::Permanent(e.to_string()))?;
        let attempt = self.transport.send_raw(&envelope, raw);
        match tokio::time::timeout(SEND_TIMEOUT + Duration::from_secs(5), attempt).await {
            Err(_) => Err(SendError::Transient("the relay timed out".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Transient(e.to_string())),
        }
    }
}
