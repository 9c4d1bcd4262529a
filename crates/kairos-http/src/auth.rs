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

    /// Forgets every cached look-up of a token bound to `party` (its tokens were revoked).
    pub(crate) fn forget_party(&self, party: PartyId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (r, _)| r.party_id != Some(party));
        }
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
    let principal = session_principal(state, headers).await?;
    // Cookies ride along on cross-site requests; a state-changing request must prove it
    // came from our own page by echoing the session's CSRF token (F08, B05).
    if !method.is_safe() {
        let echoed = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !principal.csrf_matches(echoed) {
            return Err(ApiError::csrf());
        }
    }
    Ok(principal)
}

/// Resolves the staff session named by the session cookie. It does NOT check CSRF: a caller
/// acting on a state-changing request must compare [`Principal::csrf_matches`] itself (the
/// API does it with the `X-CSRF-Token` header, HTML forms with a field in their body).
pub async fn session_principal(
    state: &AppState,
    headers: &http::HeaderMap,
) -> Result<Principal, ApiError> {
    let cookie_name = session_cookie_name(state.secure_cookies);
    let secret = cookie(headers, cookie_name).ok_or_else(ApiError::unauthenticated)?;
    let hash = hash_secret(secret);
    let session = state
        .store
        .session_by_hash(&hash)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
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

/// The value of cookie `name` in the request's `Cookie` headers (the first one, if repeated).
pub fn cookie<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

impl Principal {
    /// Whether `echoed` is this session's CSRF token (compared in constant time). Always
    /// `false` for token callers, who need no CSRF token.
    pub fn csrf_matches(&self, echoed: &str) -> bool {
        match &self.via {
            Via::Session { csrf, .. } => {
                crate::security::constant_time_eq(echoed.as_bytes(), csrf.as_bytes())
            }
            Via::Token(_) => false,
        }
    }

    /// The session's CSRF token, for pages to put into their forms.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token(_) => None,
        }
    }
}

/// How long a session lasts.
const SESSION_HOURS: i64 = 12;

/// Signs a staff member in with tenant slug, e-mail and password, and opens a session:
/// returns the caller and the `Set-Cookie` value (HttpOnly, SameSite=Strict, `__Host-` and
/// Secure unless plain-HTTP development; F09). Wrong tenant, unknown e-mail and wrong
/// password answer alike, 401, after the same argon2 work (F06). After too many failures
/// from `client` or for this organisation and e-mail, 429 until the window ends, whatever
/// the password (F05; see [`crate::login_throttle`]).
pub async fn sign_in(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    tenant_slug: &str,
    email: &str,
    password: String,
) -> Result<(Principal, http::HeaderValue), ApiError> {
    // Bounded input before any work: a megabyte "password" must not reach argon2.
    if tenant_slug.len() > 128 || email.len() > 320 || password.len() > 4096 {
        return Err(ApiError::unauthenticated());
    }
    let throttle = &state.login_throttle;
    if let Some(wait) = throttle.blocked(client, tenant_slug, email) {
        tracing::warn!(tenant = %tenant_slug.escape_debug(), client = ?client, "sign-in throttled");
        return Err(ApiError::too_many_attempts(wait));
    }
    let tenant = state.store.tenant_by_slug(tenant_slug).await?;
    let party = match &tenant {
        Some(t) => {
            state
                .store
                .party_by_email(t.id, &email.trim().to_lowercase())
                .await?
        }
        None => None,
    };
    let stored = party.as_ref().and_then(|p| p.password_hash.clone());
    // Verify even when there is no such user, against a fixed hash, so timing does not
    // reveal which accounts exist.
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let (Some(tenant), Some(party), true) = (tenant, party, ok) else {
        tracing::info!(tenant = %tenant_slug.escape_debug(), "login failed");
        throttle.failed(client, tenant_slug, email);
        return Err(ApiError::unauthenticated());
    };
    throttle.succeeded(tenant_slug, email);
    open_session(state, tenant.id, party.id, party.role).await
}

/// Opens a session for a staff member who proved who they are (a password, an accepted
/// invitation): the caller and the `Set-Cookie` value, as [`sign_in`] returns them.
pub async fn open_session(
    state: &AppState,
    tenant: TenantId,
    party: PartyId,
    role: Role,
) -> Result<(Principal, http::HeaderValue), ApiError> {
    let (secret, hash) = new_secret("");
    let (csrf, _) = new_secret("");
    let expires_at = kairos_core::Timestamp::from_micros(
        kairos_store::now().as_micros() + SESSION_HOURS * 3600 * 1_000_000,
    );
    let session = kairos_store::SessionRecord {
        tenant_id: tenant,
        party_id: party,
        role,
        csrf_token: csrf.clone(),
        expires_at,
    };
    state.store.create_session(&hash, &session).await?;
    let principal = Principal {
        tenant_id: tenant,
        role,
        party_id: Some(party),
        customer_id: None,
        via: Via::Session { hash, csrf },
    };
    let cookie = session_cookie(state, &secret, SESSION_HOURS * 3600)?;
    Ok((principal, cookie))
}

/// Ends the caller's cookie session (and its live sockets) and returns the `Set-Cookie`
/// value that clears the cookie. Token callers are left as they are: tokens are revoked by
/// an admin, not by signing out.
pub async fn sign_out(state: &AppState, p: &Principal) -> Result<http::HeaderValue, ApiError> {
    if let Via::Session { hash, .. } = &p.via {
        state.store.delete_session(hash).await?;
        // Sockets opened with this session close now, not when they next ask (M05).
        state.hub.revoke_session(hash);
    }
    session_cookie(state, "", 0)
}

fn session_cookie(
    state: &AppState,
    secret: &str,
    max_age: i64,
) -> Result<http::HeaderValue, ApiError> {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
        session_cookie_name(state.secure_cookies),
    );
    http::HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))
}

/// An argon2id hash of a random string, verified against when the account does not exist,
/// so a miss costs as much as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_secret("").0).unwrap_or_default())
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
