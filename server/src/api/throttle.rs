//! Slows down guessing of enrollment codes: after too many failed attempts from one address,
//! that address must wait. Codes have 40 bits and expire in hours, so this turns a remote
//! brute force from unlikely into hopeless.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
};

use chrono::{DateTime, Duration, Utc};

/// Failed attempts allowed per address within [`WINDOW_MINUTES`].
pub const MAX_FAILURES: usize = 10;
pub const WINDOW_MINUTES: i64 = 15;
/// Addresses remembered at most; beyond this the quietest are forgotten first.
const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Default)]
pub struct FailureThrottle {
    failures: Mutex<HashMap<IpAddr, VecDeque<DateTime<Utc>>>>,
}

impl FailureThrottle {
    fn window() -> Duration {
        Duration::minutes(WINDOW_MINUTES)
    }

    /// `Err(wait)` while `address` has used up its failures.
    pub fn check(&self, address: IpAddr, now: DateTime<Utc>) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(times) = failures.get(&address) else { return Ok(()) };
        let recent: Vec<_> = times.iter().filter(|t| now - **t < Self::window()).collect();
        if recent.len() < MAX_FAILURES {
            return Ok(());
        }
        // Allowed again when the oldest failure that still counts leaves the window.
        let oldest_counting = recent[recent.len() - MAX_FAILURES];
        Err(*oldest_counting + Self::window() - now)
    }

    pub fn record_failure(&self, address: IpAddr, now: DateTime<Utc>) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let times = failures.entry(address).or_default();
        times.push_back(now);
        while times.front().is_some_and(|t| now - *t >= Self::window()) || times.len() > MAX_FAILURES {
            times.pop_front();
        }
        if failures.len() > MAX_ADDRESSES {
            failures.retain(|_, times| times.back().is_some_and(|t| now - *t < Self::window()));
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
