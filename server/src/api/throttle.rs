//! Slows down guessing and flooding: after too many events (failed enrollment codes, failed
//! logins, login challenges) from one address or device within a window, it must wait.
//! Enrollment codes have 40 bits and expire in hours, so this turns a remote brute force from
//! unlikely into hopeless.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
};

use chrono::{DateTime, Duration, Utc};

/// Failed attempts allowed per address within [`WINDOW_MINUTES`].
pub const MAX_FAILURES: usize = 10;
pub const WINDOW_MINUTES: i64 = 15;
/// Addresses remembered at most; beyond this the quietest are forgotten first.
const MAX_ADDRESSES: usize = 10_000;

/// At most `max` events per key within `window`.
#[derive(Debug)]
pub struct Throttle<K> {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<K, VecDeque<DateTime<Utc>>>>,
    /// When a key's refusal was last reported (audited): once per window.
    reported: Mutex<HashMap<K, DateTime<Utc>>>,
}

/// Failed enrollment attempts per address.
pub type FailureThrottle = Throttle<IpAddr>;

impl Default for Throttle<IpAddr> {
    fn default() -> Self {
        Self::new(MAX_FAILURES, Duration::minutes(WINDOW_MINUTES))
    }
}

impl<K: Hash + Eq + Copy> Throttle<K> {
    pub fn new(max: usize, window: Duration) -> Self {
        Self { max, window, events: Mutex::default(), reported: Mutex::default() }
    }

    /// `Err(wait)` while `key` has used up its events.
    pub fn check(&self, key: K, now: DateTime<Utc>) -> Result<(), Duration> {
        let events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.wait(events.get(&key), now)
    }

    fn wait(&self, times: Option<&VecDeque<DateTime<Utc>>>, now: DateTime<Utc>) -> Result<(), Duration> {
        let Some(times) = times else { return Ok(()) };
        let recent: Vec<_> = times.iter().filter(|t| now - **t < self.window).collect();
        if recent.len() < self.max {
            return Ok(());
        }
        // Allowed again when the oldest event that still counts leaves the window.
        let oldest_counting = recent[recent.len() - self.max];
        Err(*oldest_counting + self.window - now)
    }

    /// Checks and counts an attempt under one lock, so attempts racing each other cannot all
    /// pass the check before any is counted. `Err(wait)` when over the limit (not counted);
    /// an attempt that turns out well is given back with [`Throttle::forgive`].
    pub fn acquire(&self, key: K, now: DateTime<Utc>) -> Result<(), Duration> {
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.wait(events.get(&key), now)?;
        Self::push(&mut events, key, now, self.window, self.max);
        Ok(())
    }

    /// Whether a refusal of `key` now is the first in this window (to be audited once, not
    /// once per request of a flood).
    pub fn first_refusal(&self, key: K, now: DateTime<Utc>) -> bool {
        let mut reported = self.reported.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if reported.get(&key).is_some_and(|at| now - *at < self.window) {
            return false;
        }
        if reported.len() > MAX_ADDRESSES {
            reported.retain(|_, at| now - *at < self.window);
        }
        reported.insert(key, now);
        true
    }

    /// Gives back an attempt counted at `at` by [`Throttle::acquire`] (it succeeded).
    pub fn forgive(&self, key: K, at: DateTime<Utc>) {
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(times) = events.get_mut(&key)
            && let Some(position) = times.iter().rposition(|t| *t == at)
        {
            times.remove(position);
        }
    }

    pub fn record_failure(&self, key: K, now: DateTime<Utc>) {
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Self::push(&mut events, key, now, self.window, self.max);
    }

    fn push(
        events: &mut HashMap<K, VecDeque<DateTime<Utc>>>,
        key: K,
        now: DateTime<Utc>,
        window: Duration,
        max: usize,
    ) {
        let times = events.entry(key).or_default();
        times.push_back(now);
        while times.front().is_some_and(|t| now - *t >= window) || times.len() > max {
            times.pop_front();
        }
        if events.len() > MAX_ADDRESSES {
            events.retain(|_, times| times.back().is_some_and(|t| now - *t < window));
        }
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

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn an_address_is_held_back_after_too_many_failures_and_released_later() {
        let throttle = FailureThrottle::default();
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let neighbour: IpAddr = "192.0.2.2".parse().unwrap();
        for minute in 0..MAX_FAILURES as i64 {
            assert_eq!(throttle.check(attacker, at(minute)), Ok(()));
            throttle.record_failure(attacker, at(minute));
        }
        assert_eq!(throttle.check(attacker, at(10)), Err(Duration::minutes(5)));
        assert_eq!(throttle.check(neighbour, at(10)), Ok(()), "other addresses are not affected");
        assert_eq!(throttle.check(attacker, at(15)), Ok(()), "the first failure has left the window");
        throttle.record_failure(attacker, at(15));
        assert!(throttle.check(attacker, at(15)).is_err());
    }

    #[test]
    fn racing_attempts_cannot_pass_the_check_together() {
        let throttle = std::sync::Arc::new(FailureThrottle::default());
        let key: IpAddr = "192.0.2.9".parse().unwrap();
        // Forty attempts at the same moment from eight threads: exactly the allowed ten pass.
        let passed: usize = (0..8)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || (0..5).filter(|_| throttle.acquire(key, at(0)).is_ok()).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(passed, MAX_FAILURES);
        // One that succeeded is given back: one more may try.
        throttle.forgive(key, at(0));
        assert_eq!(throttle.acquire(key, at(0)), Ok(()));
        assert!(throttle.acquire(key, at(0)).is_err());
        // A flood of refusals is reported once per window.
        assert!(throttle.first_refusal(key, at(0)));
        assert!(!throttle.first_refusal(key, at(1)));
        assert!(throttle.first_refusal(key, at(WINDOW_MINUTES)));
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
        let throttle = FailureThrottle::default();
        for minute in 0..MAX_FAILURES as i64 {
            throttle.record_failure(client_key(a), at(minute));
        }
        assert!(throttle.check(client_key(b), at(10)).is_err(), "the same /64 is held back");
    }
}
