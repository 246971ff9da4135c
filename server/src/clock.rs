use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Where the server reads the time; tests inject a fixed or moving clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    #[allow(clippy::disallowed_methods)] // The one place the server reads the system clock.
    Arc::new(Utc::now)
}
