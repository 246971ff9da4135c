//! Slows down guessing and flooding: after too many events (failed enrollment codes, failed
//! logins, login challenges) from one address or device within a window, it must wait.
//! Enrollment codes have 40 bits and expire in hours, so this turns a remote brute force from
//! unlikely into hopeless.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::store::{Store, StoreError};

/// Failed attempts allowed per address within [`WINDOW_MINUTES`].
pub const MAX_FAILURES: u32 = 10;
pub const WINDOW_MINUTES: i64 = 15;

/// At most `max` events per key within `window`, counted in the database: every server over it
/// holds back the same keys (behind a load balancer a guesser cannot multiply its attempts by
/// the number of instances).
#[derive(Debug, Clone)]
pub struct Throttle {
    /// What is limited (the database keeps each throttle's attempts apart by it).
    scope: &'static str,
    max: u32,
    window: Duration,
}

/// An attempt [`Throttle::acquire`] counted, to be given back if it turns out well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Attempt(i64);

impl Throttle {
    /// At least one event per window: a limit of none would lock everyone out for good.
    pub fn new(scope: &'static str, max: u32, window: Duration) -> Self {
        Self { scope, max: max.max(1), window }
    }

    /// Wrong enrollment codes per client address.
    pub fn enrollment_failures() -> Self {
        Self::new("enrollment", MAX_FAILURES, Duration::minutes(WINDOW_MINUTES))
    }

    /// Failed card logins per device.
    pub fn login_failures() -> Self {
        Self::new("login", MAX_FAILURES, Duration::minutes(WINDOW_MINUTES))
    }

    /// Card logins and signatures begun per device.
    pub fn login_challenges(per_5_minutes: u32) -> Self {
        Self::new("challenge", per_5_minutes, Duration::minutes(5))
    }

    /// Checks and counts an attempt of `key` in one step (racing attempts, through any server,
    /// cannot all pass the check before any is counted). `Ok(Err(wait))` when over the limit
    /// (not counted); an attempt that turns out well is given back with [`Throttle::forgive`].
    pub async fn acquire(
        &self,
        store: &dyn Store,
        key: &impl std::fmt::Display,
        now: DateTime<Utc>,
    ) -> Result<Result<Attempt, Duration>, StoreError> {
        Ok(match store.take_attempt(self.scope, &key.to_string(), now, self.max, self.window).await? {
            Ok(id) => Ok(Attempt(id)),
            Err(free_at) => Err(free_at - now),
        })
    }

    /// Gives back an attempt (it succeeded). Failing to only costs the key one attempt of its
    /// window, so it is logged, not passed on: the request itself went well.
    pub async fn forgive(&self, store: &dyn Store, attempt: Attempt) {
        if let Err(error) = store.give_back_attempt(attempt.0).await {
            tracing::warn!(scope = self.scope, %error, "an attempt that went well could not be given back");
        }
    }

    /// Whether a refusal of `key` now is the first in this window (to be audited once, not once
    /// per request of a flood), through whichever server.
    pub async fn first_refusal(
        &self,
        store: &dyn Store,
        key: &impl std::fmt::Display,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        store.first_refusal(self.scope, &key.to_string(), now, self.window).await
    }
}

/// The client's address: the peer's, or, when the peer is a trusted reverse proxy, the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Behind a proxy every request
/// comes from the proxy's address, so without this one guesser would hold back every
/// enrollment in the country; from any other peer the header is a claim and is ignored.
pub fn client_address(peer: IpAddr, headers: &axum::http::HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    // Proxies append: the right-most entries are the nearest hops.
    let mut forwarded: Vec<IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else { return peer };
        for entry in value.split(',') {
            match entry.trim().parse::<IpAddr>() {
                Ok(address) => forwarded.push(address),
                // A hop we cannot read: nothing left of it can be believed.
                Err(_) => forwarded.clear(),
            }
        }
    }
    forwarded.into_iter().rev().find(|address| !trusted_proxies.contains(address)).unwrap_or(peer)
}

/// The key a client's address is throttled by: an IPv6 client holds a whole /64 (changing the
/// rest is free), so the /64 counts as one; an IPv4-mapped IPv6 address is its IPv4 address.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> axum::http::HeaderMap {
        let mut headers = axum::http::HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_client_address_is_believed_from_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // From a client directly: its header is a claim, ignored.
        assert_eq!(client_address(ip("198.51.100.7"), &forwarded(&["203.0.113.5"]), &proxies), ip("198.51.100.7"));
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&["203.0.113.5"]), &[]), ip("10.0.0.1"));
        // Through the proxy: the address it saw, not what the client put in front of it.
        let spoofed = forwarded(&["192.0.2.99, 203.0.113.5"]);
        assert_eq!(client_address(ip("10.0.0.1"), &spoofed, &proxies), ip("203.0.113.5"));
        // Through two proxies, in one header or two.
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&["203.0.113.5, 10.0.0.2"]), &proxies), ip("203.0.113.5"));
        assert_eq!(
            client_address(ip("10.0.0.1"), &forwarded(&["203.0.113.5", "10.0.0.2"]), &proxies),
            ip("203.0.113.5")
        );
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&["2001:db8::1"]), &proxies), ip("2001:db8::1"));
        // Nothing forwarded, or nothing readable after the last good hop: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&[]), &proxies), ip("10.0.0.1"));
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&["203.0.113.5, unknown"]), &proxies), ip("10.0.0.1"));
        assert_eq!(client_address(ip("10.0.0.1"), &forwarded(&["10.0.0.2"]), &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
        assert_eq!(client_key("192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
