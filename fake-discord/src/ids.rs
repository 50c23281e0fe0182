//! Snowflake ids and ISO 8601 timestamps, as Discord makes them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds from the Unix epoch to the Discord epoch (2015-01-01T00:00:00Z).
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Hands out strictly increasing snowflakes whose timestamp part is the current time, so
/// serenity's `created_at()` reads a sensible instant.
#[derive(Debug, Default)]
pub(crate) struct Snowflakes {
    last: AtomicU64,
}

impl Snowflakes {
    pub(crate) fn next(&self) -> u64 {
        let now = (unix_millis() - DISCORD_EPOCH_MS) << 22;
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = now.max(last + 1);
            match self
                .last
                .compare_exchange(last, candidate, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return candidate,
                Err(seen) => last = seen,
            }
        }
    }
}

fn unix_millis() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// The creation instant encoded in a snowflake, as Discord formats timestamps.
pub(crate) fn timestamp_of(id: u64) -> String {
    let millis = (id >> 22) + DISCORD_EPOCH_MS;
    let at =
        DateTime::<Utc>::from_timestamp_millis(i64::try_from(millis).unwrap_or(i64::MAX)).unwrap_or_default();
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The current instant, formatted like Discord's timestamps.
pub(crate) fn now_iso() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Seconds since the Unix epoch as a float, for `X-RateLimit-Reset`.
pub(crate) fn unix_seconds_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}
