//! Authentication: bearer tokens and staff sessions, and the [`Principal`] every handler
//! receives.
//!
//! Tokens are 256 random bits, shown once, stored only as SHA-256 (a fast hash is right for
//! high-entropy secrets; passwords get argon2id). Each token is bound to one tenant and one
//! role.

use crate::AppState;
use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kairos_core::event::Actor;
use kairos_core::ids::{CustomerId, PartyId, TenantId};
use kairos_core::party::Role;
use kairos_store::TokenRecord;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Prefix that makes Kairos tokens recognisable to secret scanners.
pub const TOKEN_PREFIX: &str = "kairos_";

/// A new random secret with its prefix, and the SHA-256 to store.
pub fn new_secret(prefix: &str) -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// A new API token: `(token shown once, hash to store)`.
pub fn new_token() -> (String, Vec<u8>) {
    new_secret(TOKEN_PREFIX)
}

/// SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes). CPU-heavy: call
/// it off the async workers.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ApiError::internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("argon2: {e}")))
}

/// Checks a password against a stored argon2id hash. CPU-heavy.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Validates a new password: 12–1024 characters (length beats composition rules, NIST 800-63B).
pub fn check_password_policy(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if !(12..=1024).contains(&n) {
        return Err(ApiError::invalid("password", "12–1024 characters"));
    }
    Ok(())
}

/// How the caller authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer …`; the scope for idempotency keys is the token.
    Token(kairos_core::ids::TokenId),
    /// A session cookie; state-changing requests must echo the CSRF token.
    Session {
        /// SHA-256 of the session secret.
        hash: Vec<u8>,
        /// The session's CSRF token.
        csrf: String,
    },
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The one tenant it may act in.
    pub tenant_id: TenantId,
    /// The one role it acts with.
    pub role: Role,
    /// The staff party, if any.
    pub party_id: Option<PartyId>,
    /// The customer, for customer-role callers.
    pub customer_id: Option<CustomerId>,
    /// How it authenticated.
    pub via: Via,
}

impl Principal {
    /// Refuses (403) unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Refuses (403) unless the caller is staff (admin or agent).
    pub fn require_staff(&self) -> Result<(), ApiError> {
        self.require(&[Role::Admin, Role::Agent])
    }

    /// The actor recorded on events this caller causes.
    pub fn actor(&self) -> Actor {
        match (self.role, self.customer_id) {
            (Role::Customer, Some(id)) => Actor::Customer { id },
            (role, _) => Actor::Party {
                id: self.party_id,
                role,
            },
        }
    }

    /// The scope idempotency keys live in: one token or one staff party.
    pub fn idempotency_scope(&self) -> String {
        match &self.via {
            Via::Token(id) => format!("token:{id}"),
            Via::Session { .. } => format!(
                "party:{}",
                self.party_id.map(|p| p.to_string()).unwrap_or_default()
            ),
        }
    }
}

/// How long a token look-up is trusted without asking the store again.
const CACHE_TTL: Duration = Duration::from_secs(10);
/// Entries kept before the cache is emptied (bounds memory under token spraying).
const CACHE_MAX: usize = 10_000;

/// A small cache of token look-ups by hash, so hot clients cost no database read.
#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<Vec<u8>, (TokenRecord, Instant)>>,
}

impl TokenCache {
    fn get(&self, hash: &[u8]) -> Option<TokenRecord> {
        let entries = self.entries.read().ok()?;
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(r, _)| r.clone())
    }

    fn put(&self, hash: Vec<u8>, record: TokenRecord) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CACHE_MAX {
                entries.clear();
            }
            entries.insert(hash, (record, Instant::now()));
        }
    }
}

/// Name of the session cookie (`__Host-` binds it to this origin, HTTPS only: F09).
pub(crate) fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-kairos_session"
    } else {
        "kairos_session"
    }
}

/// Resolves the caller of an API token (from a header or a socket's `auth` frame).
pub(crate) async fn principal_for_token(
    state: &AppState,
    token: &str,
) -> Result<Principal, ApiError> {
    if token.is_empty() || token.len() > 256 {
        return Err(ApiError::unauthenticated());
    }
    let hash = hash_secret(token);
    let record = match state.tokens.get(&hash) {
        Some(r) => r,
        None => {
            let r = state
                .store
                .token_by_hash(&hash)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            state.tokens.put(hash, r.clone());
            r
        }
    };
    Ok(Principal {
        tenant_id: record.tenant_id,
        role: record.role,
        party_id: record.party_id,
        customer_id: record.customer_id,
        via: Via::Token(record.id),
    })
}

/// Resolves the caller from `Authorization: Bearer` or the session cookie.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &http::HeaderMap,
    method: &http::Method,
) -> Result<Principal, ApiError> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::unauthenticated())?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(ApiError::unauthenticated)?;
        return principal_for_token(state, token).await;
    }
    let cookie_name = session_cookie_name(state.secure_cookies);
    let secret = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == cookie_name)
        .map(|(_, v)| v.to_owned())
        .ok_or_else(ApiError::unauthenticated)?;
    let hash = hash_secret(&secret);
    let session = state
        .store
        .session_by_hash(&hash)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    // Cookies ride along on cross-site requests; a state-changing request must prove it
    // came from our own page by echoing the session's CSRF token (F08, B05).
    if !method.is_safe() {
        let echoed = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !crate::security::constant_time_eq(echoed.as_bytes(), session.csrf_token.as_bytes()) {
            return Err(ApiError::csrf());
        }
    }
    Ok(Principal {
        tenant_id: session.tenant_id,
        role: session.role,
        party_id: Some(session.party_id),
        customer_id: None,
        via: Via::Session {
            hash,
            csrf: session.csrf_token,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() >= TOKEN_PREFIX.len() + 43);
        assert_ne!(a, b);
        assert_eq!(hash_secret(&a), ha);
    }

    /// Checklist F01: the stored hash is not a password.
    #[test]
    fn passwords_verify_and_the_hash_is_not_a_password() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapl", &hash));
        assert!(!verify_password(&hash, &hash));
    }
}
