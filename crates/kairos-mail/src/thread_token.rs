//! Thread tokens: the Message-IDs of our outbound mail name the conversation they belong
//! to, signed, so a customer's reply (which quotes them in `In-Reply-To`/`References`)
//! threads back into that conversation — and a forged one cannot (checklist C01).
//!
//! Form: `kairos.<message uuid>.<conversation uuid>.<hex HMAC-SHA256>@<domain>`, the MAC
//! over tenant and conversation. Verification recomputes the full 64-digit MAC and compares
//! it in constant time; a missing, truncated, re-cased or foreign MAC is simply not a token.

use hmac::{Hmac, Mac};
use kairos_core::ids::{ConversationId, MessageId, TenantId};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

const PREFIX: &str = "kairos.";
const MAC_HEX: usize = 64;

/// Signs and verifies thread tokens with one tenant-independent secret.
#[derive(Clone)]
pub struct ThreadTokens {
    key: Vec<u8>,
}

impl ThreadTokens {
    /// Uses `key` (at least 32 random bytes, kept in the store).
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// The Message-ID (without brackets) for outbound message `message` in `conversation`.
    pub fn message_id(
        &self,
        tenant: TenantId,
        conversation: ConversationId,
        message: MessageId,
        domain: &str,
    ) -> String {
        format!(
            "{PREFIX}{}.{}.{}@{domain}",
            message.0.simple(),
            conversation.0.simple(),
            self.mac_hex(tenant, conversation)
        )
    }

    /// The conversation named by the first valid token among `ids` (Message-IDs from
    /// `In-Reply-To`/`References`), if any.
    pub fn conversation(&self, tenant: TenantId, ids: &[String]) -> Option<ConversationId> {
        ids.iter().find_map(|id| self.verify(tenant, id))
    }

    fn verify(&self, tenant: TenantId, id: &str) -> Option<ConversationId> {
        let local = id.split('@').next()?.strip_prefix(PREFIX)?;
        let mut fields = local.split('.');
        let _message = fields.next()?;
        let conversation = fields.next()?;
        let mac = fields.next()?;
        if fields.next().is_some() || mac.len() != MAC_HEX || conversation.len() != 32 {
            return None;
        }
        let conversation = ConversationId(Uuid::try_parse(conversation).ok()?);
        let expected = self.mac_hex(tenant, conversation);
        bool::from(expected.as_bytes().ct_eq(mac.as_bytes())).then_some(conversation)
    }

    fn mac_hex(&self, tenant: TenantId, conversation: ConversationId) -> String {
        // new_from_slice accepts any key length for HMAC; an empty key still yields a MAC.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(b"kairos-thread-v1\0");
        mac.update(tenant.0.as_bytes());
        mac.update(conversation.0.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> ThreadTokens {
        ThreadTokens::new(vec![7; 32])
    }

    #[test]
    fn a_token_names_its_conversation_in_its_tenant_only() {
        let (t, c, m) = (TenantId::new(), ConversationId::new(), MessageId::new());
        let id = tokens().message_id(t, c, m, "mail.acme.test");
        assert_eq!(tokens().conversation(t, std::slice::from_ref(&id)), Some(c));
        assert_eq!(
            tokens().conversation(TenantId::new(), std::slice::from_ref(&id)),
            None
        );
        assert_eq!(ThreadTokens::new(vec![8; 32]).conversation(t, &[id]), None);
    }

    #[test]
    fn c01_forged_truncated_empty_and_recased_macs_are_not_tokens() {
        let (t, c, m) = (TenantId::new(), ConversationId::new(), MessageId::new());
        let good = tokens().message_id(t, c, m, "d");
        let (head, mac) = good.trim_end_matches("@d").rsplit_once('.').unwrap();
        let other = tokens().message_id(t, ConversationId::new(), m, "d");
        let other_mac = other.trim_end_matches("@d").rsplit_once('.').unwrap().1;
        let forged = [
            format!("{head}@d"),
            format!("{head}.@d"),
            format!("{head}.{}@d", &mac[..32]),
            format!("{head}.{}@d", &mac[..63]),
            format!("{head}.{}@d", mac.to_uppercase()),
            format!("{head}.{}@d", "0".repeat(64)),
            format!("{head}.{other_mac}@d"),
            format!("{head}.{mac}0@d"),
            format!("{head}.{mac}.x@d"),
        ];
        for id in forged {
            assert_eq!(
                tokens().conversation(t, std::slice::from_ref(&id)),
                None,
                "{id}"
            );
        }
    }
}
