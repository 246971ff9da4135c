//! The engine's pure core: given the last status and the outcome of an attempt, what the
//! status is now and how long to wait before the next attempt. No I/O, no clock reads.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use domain::Centre;

/// How often to talk to the server, and how to back off when it does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulePolicy {
    /// Time between successful hellos.
    pub interval: Duration,
    /// The first retry delay after a failure; it doubles with each further failure.
    pub backoff_base: Duration,
    /// The longest retry delay.
    pub backoff_max: Duration,
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }
}

/// What the user interfaces show about the link to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    /// No attempt has finished yet.
    Connecting,
    Online,
    /// The server could not be reached or failed; work goes on locally.
    Offline,
    /// The server refused this device (revoked or unknown): an operator must act.
    Unauthorised,
    /// The server speaks another protocol version: one side needs an update.
    Incompatible,
}

/// The engine's state, published on a watch channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub connection: Connection,
    pub last_success: Option<DateTime<Utc>>,
    pub next_try: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    /// Why the last attempt failed, in English for logs; UIs translate from `connection`.
    pub last_error: Option<String>,
    /// The centre the server says this device belongs to, from the last successful hello.
    pub centre: Option<Centre>,
    /// This desk's number in its centre, from the same hello.
    pub desk_number: Option<u8>,
    /// How far the offline catalogue has followed the server's feed.
    pub catalogue: CatalogueStatus,
    /// What is still to be sent, and what the server refused.
    pub outbox: OutboxStatus,
    /// Messages waiting unread in the centre's mailboxes (desks), as last heard.
    #[serde(default)]
    pub mail_unread: u64,
    /// Goes up each time syncing changed what the device shows of its own items (an outbox
    /// entry sent or refused, a case merged, a sent message's state): views showing an item's
    /// sync state read it again when this changes, so every view tells the same story.
    #[serde(default)]
    pub revision: u64,
}

/// The outbox, for the status bar: cases waiting to be sent, and refused ones a clerk must see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutboxStatus {
    pub pending: u64,
    pub poisoned: u64,
    /// Cases an institution changed that the clerk has not opened since.
    #[serde(default)]
    pub case_news: u64,
}

/// The offline catalogue's progress, for "records and bytes" while syncing and its freshness.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CatalogueStatus {
    /// The last feed position applied, and the newest the server reported.
    pub cursor: i64,
    pub head: i64,
    pub records_applied: u64,
    pub bytes_received: u64,
    /// When the device last caught up with the server: the catalogue's freshness.
    pub caught_up_at: Option<DateTime<Utc>>,
    /// A pull is running now.
    pub syncing: bool,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            connection: Connection::Connecting,
            last_success: None,
            next_try: None,
            consecutive_failures: 0,
            last_error: None,
            centre: None,
            desk_number: None,
            catalogue: CatalogueStatus::default(),
            outbox: OutboxStatus::default(),
            mail_unread: 0,
            revision: 0,
        }
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Success {
        centre: Centre,
        desk_number: Option<u8>,
    },
    /// Network failure, timeout or a server error: try again with backoff.
    Unreachable(String),
    Unauthorised(String),
    Incompatible(String),
}

/// The retry delay after `failures` consecutive failures (1 for the first), scaled by
/// `jitter` in [0, 1) to between half and all of the exponential delay, so that a thousand
/// desks coming back after an outage do not knock on the server in step.
pub fn retry_delay(policy: &SchedulePolicy, failures: u32, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    let full = policy.backoff_base.saturating_mul(1u32 << exponent).min(policy.backoff_max);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// The status after an attempt finished at `now`, and the wait before the next attempt.
pub fn after_attempt(
    previous: &SyncStatus,
    outcome: AttemptOutcome,
    now: DateTime<Utc>,
    policy: &SchedulePolicy,
    jitter: f64,
) -> (SyncStatus, Duration) {
    let (status, wait) = match outcome {
        AttemptOutcome::Success { centre, desk_number } => (
            SyncStatus {
                connection: Connection::Online,
                last_success: Some(now),
                next_try: None,
                consecutive_failures: 0,
                last_error: None,
                centre: Some(centre),
                desk_number,
                catalogue: previous.catalogue.clone(),
                outbox: previous.outbox,
                mail_unread: previous.mail_unread,
                revision: previous.revision,
            },
            policy.interval,
        ),
        AttemptOutcome::Unreachable(reason) => failed(previous, Connection::Offline, reason, policy, jitter),
        // Being refused will not fix itself quickly: wait the longest delay, not hammer.
        AttemptOutcome::Unauthorised(reason) => {
            let (status, _) = failed(previous, Connection::Unauthorised, reason, policy, jitter);
            (status, policy.backoff_max)
        }
        AttemptOutcome::Incompatible(reason) => {
            let (status, _) = failed(previous, Connection::Incompatible, reason, policy, jitter);
            (status, policy.backoff_max)
        }
    };
    let next_try = chrono::Duration::from_std(wait).ok().map(|d| now + d);
    (SyncStatus { next_try, ..status }, wait)
}

fn failed(
    previous: &SyncStatus,
    connection: Connection,
    reason: String,
    policy: &SchedulePolicy,
    jitter: f64,
) -> (SyncStatus, Duration) {
    let failures = previous.consecutive_failures.saturating_add(1);
    (
        SyncStatus {
            connection,
            last_success: previous.last_success,
            next_try: None,
            consecutive_failures: failures,
            last_error: Some(reason),
            centre: previous.centre.clone(),
            desk_number: previous.desk_number,
            catalogue: CatalogueStatus { syncing: false, ..previous.catalogue.clone() },
            outbox: previous.outbox,
            mail_unread: previous.mail_unread,
            revision: previous.revision,
        },
        retry_delay(policy, failures, jitter),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn policy() -> SchedulePolicy {
        SchedulePolicy {
            interval: Duration::from_secs(10),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }

    fn centre() -> Centre {
        Centre { id: Uuid::nil(), name: "Rīgas VPVKAC".into(), municipality: "Rīga".into(), code: "RV".into() }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_in_the_upper_half() {
        let p = policy();
        let full: Vec<u64> = (1..=8).map(|n| retry_delay(&p, n, 1.0).as_secs()).collect();
        assert_eq!(full, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(retry_delay(&p, 3, 0.0), Duration::from_secs(2));
        assert_eq!(retry_delay(&p, u32::MAX, 0.5), Duration::from_secs(45));
        // Out-of-range jitter is clamped rather than producing negative or huge delays.
        assert_eq!(retry_delay(&p, 1, -3.0), Duration::from_millis(500));
        assert_eq!(retry_delay(&p, 1, 7.0), Duration::from_secs(1));
    }

    #[test]
    fn success_goes_online_and_waits_the_interval() {
        let (status, wait) = after_attempt(
            &SyncStatus::default(),
            AttemptOutcome::Success { centre: centre(), desk_number: Some(3) },
            at(0),
            &policy(),
            0.3,
        );
        assert_eq!(status.connection, Connection::Online);
        assert_eq!(status.last_success, Some(at(0)));
        assert_eq!(status.next_try, Some(at(10)));
        assert_eq!(status.centre, Some(centre()));
        assert_eq!(wait, Duration::from_secs(10));
    }

    #[test]
    fn failures_keep_the_last_success_and_centre_and_back_off() {
        let p = policy();
        let (online, _) = after_attempt(
            &SyncStatus::default(),
            AttemptOutcome::Success { centre: centre(), desk_number: Some(3) },
            at(0),
            &p,
            0.0,
        );
        let (first, wait1) = after_attempt(&online, AttemptOutcome::Unreachable("refused".into()), at(10), &p, 1.0);
        let (second, wait2) = after_attempt(&first, AttemptOutcome::Unreachable("refused".into()), at(11), &p, 1.0);
        assert_eq!(second.connection, Connection::Offline);
        assert_eq!(second.last_success, Some(at(0)));
        assert_eq!(second.centre, Some(centre()));
        assert_eq!(second.consecutive_failures, 2);
        assert_eq!(second.last_error.as_deref(), Some("refused"));
        assert_eq!((wait1, wait2), (Duration::from_secs(1), Duration::from_secs(2)));
        let (back, _) =
            after_attempt(&second, AttemptOutcome::Success { centre: centre(), desk_number: Some(3) }, at(20), &p, 0.0);
        assert_eq!(back.consecutive_failures, 0);
        assert_eq!(back.last_error, None);
    }

    #[test]
    fn refusals_wait_the_longest_delay() {
        for outcome in [AttemptOutcome::Unauthorised("revoked".into()), AttemptOutcome::Incompatible("v2".into())] {
            let expected = match outcome {
                AttemptOutcome::Unauthorised(_) => Connection::Unauthorised,
                _ => Connection::Incompatible,
            };
            let (status, wait) = after_attempt(&SyncStatus::default(), outcome, at(0), &policy(), 0.0);
            assert_eq!(status.connection, expected);
            assert_eq!(wait, Duration::from_secs(60));
            assert_eq!(status.next_try, Some(at(60)));
        }
    }
}
