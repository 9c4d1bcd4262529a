//! The client's address: the TCP peer, or — when the peer is a trusted reverse proxy — the
//! nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
//!
//! Only proxies the operator names (`KAIROS_TRUSTED_PROXIES`) are believed: anyone else can
//! write any `X-Forwarded-For` they like, so without a trusted peer the header is ignored
//! and a client cannot dodge a per-address limit by inventing addresses (checklist F05).

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use http::HeaderMap;
use http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// How many `X-Forwarded-For` hops are looked at, right to left; a longer chain is a
/// client's invention past that point.
const MAX_HOPS: usize = 16;

/// The networks whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

/// A trusted-proxy entry that is neither an address nor a network.
#[derive(Debug, thiserror::Error)]
#[error("trusted proxy {0:?}: expected an IP address or a network such as 10.0.0.0/8")]
pub struct BadProxy(String);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.5`, `::1`) and networks (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, BadProxy> {
        entries
            .iter()
            .map(|e| {
                let e = e.as_ref().trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| BadProxy(e.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether no proxy is trusted (the default).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is trusted; then the right-most
    /// `X-Forwarded-For` entry that is not trusted (every proxy appends the address it saw,
    /// so entries left of an untrusted one are the client's own claims).
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut nearest = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev().take(MAX_HOPS) {
            // A hop that is not an address was not written by a proxy we trust: stop at
            // the last one that was.
            let Some(ip) = parse_hop(hop) else {
                return Some(nearest);
            };
            if !self.trusts(ip) {
                return Some(ip);
            }
            nearest = ip;
        }
        Some(nearest)
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as the IPv4 address it is, so one client has one key.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The request's client address (`None` only when the server was not given peer addresses,
/// as in in-process tests).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        Ok(Self(state.trusted_proxies.client_ip(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored_f05() {
        let none = TrustedProxies::default();
        let h = xff(&["203.0.113.9"]);
        assert_eq!(none.client_ip(ip("198.51.100.1"), &h), ip("198.51.100.1"));
    }

    #[test]
    fn an_untrusted_peer_cannot_claim_another_address_f05() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let h = xff(&["203.0.113.9"]);
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &h),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "fd00::1"]).unwrap();
        // The client forged the first entry; the edge proxy appended what it saw.
        let h = xff(&["1.1.1.1, 203.0.113.9", "10.1.1.1"]);
        assert_eq!(proxies.client_ip(ip("10.2.2.2"), &h), ip("203.0.113.9"));
        let h = xff(&["[2001:db8::7]:4711"]);
        assert_eq!(proxies.client_ip(ip("fd00::1"), &h), ip("2001:db8::7"));
    }

    #[test]
    fn garbage_and_missing_hops_fall_back_to_the_nearest_trusted_address() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let h = xff(&["not-an-address, 10.1.1.1"]);
        assert_eq!(proxies.client_ip(ip("10.2.2.2"), &h), ip("10.1.1.1"));
        assert_eq!(
            proxies.client_ip(ip("10.2.2.2"), &HeaderMap::new()),
            ip("10.2.2.2")
        );
        let long = vec!["10.9.9.9"; 40].join(",");
        assert_eq!(
            proxies.client_ip(ip("10.2.2.2"), &xff(&[&long])),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn mapped_ipv6_is_the_ipv4_client() {
        let proxies = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        let h = xff(&["::ffff:203.0.113.9"]);
        assert_eq!(
            proxies.client_ip(ip("::ffff:127.0.0.1"), &h),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn bad_entries_are_named() {
        let err = TrustedProxies::parse(&["10.0.0.0/8", "proxy.local"]).unwrap_err();
        assert!(err.to_string().contains("proxy.local"));
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
    }
}
