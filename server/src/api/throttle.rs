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
        Self { max, window, events: Mutex::default() }
    }

    /// `Err(wait)` while `key` has used up its events.
    pub fn check(&self, key: K, now: DateTime<Utc>) -> Result<(), Duration> {
        let events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(times) = events.get(&key) else { return Ok(()) };
        let recent: Vec<_> = times.iter().filter(|t| now - **t < self.window).collect();
        if recent.len() < self.max {
            return Ok(());
        }
        // Allowed again when the oldest event that still counts leaves the window.
        let oldest_counting = recent[recent.len() - self.max];
        Err(*oldest_counting + self.window - now)
    }

    pub fn record_failure(&self, key: K, now: DateTime<Utc>) {
        let mut events = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let times = events.entry(key).or_default();
        times.push_back(now);
        while times.front().is_some_and(|t| now - *t >= self.window) || times.len() > self.max {
            times.pop_front();
        }
        if events.len() > MAX_ADDRESSES {
            events.retain(|_, times| times.back().is_some_and(|t| now - *t < self.window));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
