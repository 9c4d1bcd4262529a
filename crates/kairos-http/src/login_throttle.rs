//! Brute-force brakes on password sign-in (checklist F05): at most 5 failed sign-ins per
//! client address in 5 minutes and 10 per account in 15 minutes. The account key is the
//! organisation and e-mail as typed, so an address that does not exist is throttled exactly
//! like one that does (F06), and a guesser spreading attempts over many addresses still meets
//! the account's limit.
//!
//! While a key is throttled every attempt is refused before the password is looked at — a
//! right password too — so throttling cannot be used as an oracle. A success clears the
//! account's failures, not the address's (one valid account must not launder guesses at
//! others). The counts live in this instance's memory, bounded; several instances behind a
//! balancer each count their own share.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures per client address, and the window they are counted in.
pub const PER_ADDRESS: (u32, Duration) = (5, Duration::from_secs(5 * 60));
/// Failures per account, and the window they are counted in.
pub const PER_ACCOUNT: (u32, Duration) = (10, Duration::from_secs(15 * 60));
/// How many keys each table holds before expired ones are swept and, if still full, the
/// oldest dropped.
const MAX_KEYS: usize = 100_000;

/// One key's failures in its current window.
#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Fixed-window failure counts for one kind of key.
struct Table<K> {
    limit: u32,
    window: Duration,
    entries: HashMap<K, Window>,
}

impl<K: Eq + Hash + Clone> Table<K> {
    fn new((limit, window): (u32, Duration)) -> Self {
        Self {
            limit,
            window,
            entries: HashMap::new(),
        }
    }

    /// How long `key` stays refused, if it is.
    fn blocked(&self, key: &K, now: Instant) -> Option<Duration> {
        let w = self.entries.get(key)?;
        let ends = w.started + self.window;
        (w.failures >= self.limit && ends > now).then(|| ends - now)
    }

    fn fail(&mut self, key: K, now: Instant) {
        if self.entries.len() >= MAX_KEYS && !self.entries.contains_key(&key) {
            self.make_room(now);
        }
        let window = self.window;
        let w = self.entries.entry(key).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now.duration_since(w.started) >= window {
            *w = Window {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    fn forget(&mut self, key: &K) {
        self.entries.remove(key);
    }

    fn make_room(&mut self, now: Instant) {
        let window = self.window;
        self.entries
            .retain(|_, w| now.duration_since(w.started) < window);
        if self.entries.len() >= MAX_KEYS {
            let mut starts: Vec<Instant> = self.entries.values().map(|w| w.started).collect();
            starts.sort_unstable();
            let cut = starts[starts.len() / 2];
            self.entries.retain(|_, w| w.started > cut);
        }
    }
}

/// The sign-in brakes of one instance.
pub struct LoginThrottle {
    tables: Mutex<(Table<IpAddr>, Table<String>)>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            tables: Mutex::new((Table::new(PER_ADDRESS), Table::new(PER_ACCOUNT))),
        }
    }
}

/// The address key of a secret-guessing attempt: unknown addresses count as one.
fn client_key(ip: Option<IpAddr>) -> IpAddr {
    ip.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// The account key: organisation and e-mail as typed, trimmed and lower-cased.
fn account(tenant: &str, email: &str) -> String {
    format!(
        "{}\n{}",
        tenant.trim().to_lowercase(),
        email.trim().to_lowercase()
    )
}

impl LoginThrottle {
    /// How long sign-in stays refused for this address or account, if it is (the longer of
    /// the two).
    pub fn blocked(&self, ip: Option<IpAddr>, tenant: &str, email: &str) -> Option<Duration> {
        self.blocked_at(ip, tenant, email, Instant::now())
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, ip: Option<IpAddr>, tenant: &str, email: &str) {
        self.failed_at(ip, tenant, email, Instant::now());
    }

    /// Clears the account's failures after a successful sign-in.
    pub fn succeeded(&self, tenant: &str, email: &str) {
        if let Ok(mut t) = self.tables.lock() {
            t.1.forget(&account(tenant, email));
        }
    }

    /// How long attempts from this client address stay refused, if they do — for
    /// secrets that name no account (an invitation link): only the address is counted, so
    /// guessing links and guessing passwords share one budget per address.
    /// Clients whose address is unknown share one budget.
    pub fn client_blocked(&self, ip: Option<IpAddr>) -> Option<Duration> {
        let t = self.tables.lock().ok()?;
        t.0.blocked(&client_key(ip), Instant::now())
    }

    /// Counts a failed attempt from this client address alone (see [`Self::client_blocked`]).
    pub fn client_failed(&self, ip: Option<IpAddr>) {
        if let Ok(mut t) = self.tables.lock() {
            t.0.fail(client_key(ip), Instant::now());
        }
    }

    fn blocked_at(
        &self,
        ip: Option<IpAddr>,
        tenant: &str,
        email: &str,
        now: Instant,
    ) -> Option<Duration> {
        let t = self.tables.lock().ok()?;
        let by_ip = ip.and_then(|ip| t.0.blocked(&ip, now));
        let by_account = t.1.blocked(&account(tenant, email), now);
        by_ip.max(by_account)
    }

    fn failed_at(&self, ip: Option<IpAddr>, tenant: &str, email: &str, now: Instant) {
        if let Ok(mut t) = self.tables.lock() {
            if let Some(ip) = ip {
                t.0.fail(ip, now);
            }
            t.1.fail(account(tenant, email), now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> Option<IpAddr> {
        Some(IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n)))
    }

    #[test]
    fn five_failures_from_one_address_block_it_for_the_window_f05() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..5 {
            assert!(
                t.blocked_at(ip(1), "acme", &format!("u{i}@x"), now)
                    .is_none()
            );
            t.failed_at(ip(1), "acme", &format!("u{i}@x"), now);
        }
        let wait = t.blocked_at(ip(1), "acme", "other@x", now).unwrap();
        assert_eq!(wait, PER_ADDRESS.1);
        // Another address is not affected; the window's end frees this one.
        assert!(t.blocked_at(ip(2), "acme", "other@x", now).is_none());
        assert!(
            t.blocked_at(ip(1), "acme", "other@x", now + PER_ADDRESS.1)
                .is_none()
        );
    }

    #[test]
    fn one_attempt_each_from_many_addresses_meets_the_account_limit_f05() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..10 {
            assert!(
                t.blocked_at(ip(i), "acme", "Agent@Acme.example", now)
                    .is_none()
            );
            t.failed_at(ip(i), "acme", "Agent@Acme.example", now);
        }
        // Same account however it is typed, from a fresh address, for 15 minutes.
        let later = now + Duration::from_secs(60);
        let wait = t.blocked_at(ip(999), " ACME ", "agent@acme.example ", later);
        assert_eq!(wait, Some(PER_ACCOUNT.1 - Duration::from_secs(60)));
        assert!(
            t.blocked_at(ip(999), "acme", "else@acme.example", later)
                .is_none()
        );
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed_at(ip(1), "acme", "a@x", now);
        }
        t.succeeded("acme", "a@x");
        t.failed_at(ip(1), "acme", "b@x", now);
        assert!(t.blocked_at(ip(1), "acme", "c@x", now).is_some());
        assert!(t.blocked_at(ip(2), "acme", "a@x", now).is_none());
    }

    #[test]
    fn unknown_and_known_accounts_are_throttled_alike_f06() {
        // The throttle never sees whether an account exists: same counts, same answer.
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..10 {
            t.failed_at(ip(i), "acme", "exists@x", now);
            t.failed_at(ip(100 + i), "acme", "missing@x", now);
        }
        assert_eq!(
            t.blocked_at(ip(500), "acme", "exists@x", now),
            t.blocked_at(ip(501), "acme", "missing@x", now)
        );
    }

    #[test]
    fn the_tables_stay_bounded() {
        let mut table = Table::new(PER_ADDRESS);
        let now = Instant::now();
        for i in 0..(MAX_KEYS as u32 + 10) {
            table.fail(i, now + Duration::from_millis(u64::from(i)));
        }
        assert!(table.entries.len() <= MAX_KEYS);
        // The newest keys survive the cut.
        assert!(table.entries.contains_key(&(MAX_KEYS as u32 + 9)));
    }
}
