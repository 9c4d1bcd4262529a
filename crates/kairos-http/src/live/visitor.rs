//! Visitor tokens: what the chat widget holds for an anonymous visitor. A token names the
//! tenant and a random device id and is signed with the server's `visitor` key (HMAC-SHA256,
//! verified over its full length in constant time), so nobody can mint one for another
//! device; the device id becomes the visitor's `device` identity once they write.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use kairos_core::ids::TenantId;
use sha2::Sha256;
use uuid::Uuid;

/// How long a visitor token stays valid: the widget keeps it, so a returning visitor resumes
/// their conversation for about half a year.
pub(crate) const VISITOR_TOKEN_DAYS: i64 = 180;
/// The name of the signing key in the store.
pub(crate) const KEY_NAME: &str = "visitor-token";
const PREFIX: &str = "v1";

/// A verified visitor token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Visitor {
    /// The tenant whose widget issued it.
    pub tenant_id: TenantId,
    /// The visitor's device id.
    pub device: Uuid,
    /// Unix seconds when it was issued.
    pub issued: i64,
}

/// HMAC-SHA256 of `payload` under `key`.
pub(crate) fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(payload.as_bytes());
    mac
}

/// Signs a token for `visitor`.
pub(crate) fn sign(key: &[u8], visitor: &Visitor) -> String {
    let payload = format!(
        "{PREFIX}.{}.{}.{}",
        visitor.tenant_id.0.simple(),
        visitor.device.simple(),
        visitor.issued
    );
    let tag = URL_SAFE_NO_PAD.encode(mac(key, &payload).finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// Verifies a token: the signature over its whole payload, and its age at `now` (Unix
/// seconds). Anything malformed, forged, truncated or expired is `None`.
pub(crate) fn verify(key: &[u8], token: &str, now: i64) -> Option<Visitor> {
    if token.len() > 200 {
        return None;
    }
    let (payload, tag) = token.rsplit_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    // `verify_slice` compares in constant time and refuses a tag of any other length.
    mac(key, payload).verify_slice(&tag).ok()?;
    let mut parts = payload.split('.');
    let (prefix, tenant, device, issued) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if prefix != PREFIX || parts.next().is_some() {
        return None;
    }
    let visitor = Visitor {
        tenant_id: TenantId(Uuid::try_parse(tenant).ok()?),
        device: Uuid::try_parse(device).ok()?,
        issued: issued.parse().ok()?,
    };
    let age = now - visitor.issued;
    (-300..VISITOR_TOKEN_DAYS * 86_400)
        .contains(&age)
        .then_some(visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor() -> Visitor {
        Visitor {
            tenant_id: TenantId(Uuid::now_v7()),
            device: Uuid::new_v4(),
            issued: 1_000_000,
        }
    }

    #[test]
    fn a_signed_token_verifies_and_names_its_tenant_and_device() {
        let v = visitor();
        let token = sign(b"k", &v);
        assert_eq!(verify(b"k", &token, 1_000_100), Some(v));
    }

    #[test]
    fn forged_truncated_expired_or_foreign_tokens_are_refused() {
        let v = visitor();
        let token = sign(b"k", &v);
        assert_eq!(verify(b"other key", &token, 1_000_100), None);
        assert_eq!(
            verify(b"k", &token[..token.len() - 2], 1_000_100),
            None,
            "truncated tag"
        );
        let (payload, _) = token.rsplit_once('.').unwrap();
        assert_eq!(
            verify(b"k", &format!("{payload}."), 1_000_100),
            None,
            "empty tag"
        );
        let other = Visitor {
            device: Uuid::new_v4(),
            ..v
        };
        let other_tag = sign(b"k", &other).rsplit_once('.').unwrap().1.to_owned();
        assert_eq!(
            verify(b"k", &format!("{payload}.{other_tag}"), 1_000_100),
            None,
            "another token's tag"
        );
        let expired = 1_000_000 + VISITOR_TOKEN_DAYS * 86_400;
        assert_eq!(verify(b"k", &token, expired), None);
        assert_eq!(verify(b"k", "garbage", 0), None);
        assert_eq!(verify(b"k", &"a.".repeat(200), 0), None);
    }
}
