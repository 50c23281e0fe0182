//! Snowflake ids and ISO 8601 timestamps, as Discord makes them, read from the fake's time
//! source (the system clock unless a test sets one).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds from the Unix epoch to the Discord epoch (2015-01-01T00:00:00Z).
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// Where the fake reads "now" for every snowflake and every `timestamp`, `edited_timestamp`,
/// `archive_timestamp` and `create_timestamp` it makes.
///
/// Rate-limit windows, the `enforce_nonce` memory, the interaction deadline and heartbeats
/// keep using real elapsed time whatever the source says.
///
/// The source is called while the fake's state is locked: it must be quick and must not call
/// back into the fake.
#[derive(Clone)]
pub struct TimeSource(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl TimeSource {
    /// The system clock (the default).
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// A source that asks `now` each time, e.g. `TimeSource::new(move || clock.now())`.
    pub fn new(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// A source that always says `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self::new(move || at)
    }

    /// The current instant according to this source.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for TimeSource {
    fn default() -> Self {
        Self::system()
    }
}

impl From<Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>> for TimeSource {
    fn from(now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>) -> Self {
        Self(now)
    }
}

impl fmt::Debug for TimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TimeSource").field(&self.now()).finish()
    }
}

/// Hands out strictly increasing snowflakes whose timestamp part is the time source's now, so
/// serenity's `created_at()` reads the instant the test set. When the source stands still or
/// goes back, the next id is the last one plus one (its timestamp part then stays at the latest
/// instant seen).
#[derive(Debug)]
pub(crate) struct Snowflakes {
    last: AtomicU64,
    clock: TimeSource,
}

impl Snowflakes {
    pub(crate) fn new(clock: TimeSource) -> Self {
        Self {
            last: AtomicU64::new(0),
            clock,
        }
    }

    pub(crate) fn next(&self) -> u64 {
        let now = discord_millis(self.clock.now()) << 22;
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

    /// The next snowflake whose timestamp part puts it on `shard` of `total` by Discord's rule
    /// `(id >> 22) % total`, skipping ahead at most `total - 1` milliseconds.
    pub(crate) fn next_on_shard(&self, shard: u64, total: u64) -> u64 {
        loop {
            let id = self.next();
            if (id >> 22) % total.max(1) == shard {
                return id;
            }
            // On to the next millisecond, keeping ids strictly increasing.
            self.last
                .fetch_max((((id >> 22) + 1) << 22) - 1, Ordering::Relaxed);
        }
    }

    /// The time source's now, formatted like Discord's timestamps.
    pub(crate) fn now_iso(&self) -> String {
        iso(self.clock.now())
    }
}

/// Milliseconds since the Discord epoch; instants before it count as the epoch, and the 42
/// bits a snowflake holds cap it.
fn discord_millis(at: DateTime<Utc>) -> u64 {
    let millis = at.timestamp_millis().saturating_sub(DISCORD_EPOCH_MS).max(0);
    u64::try_from(millis).unwrap_or(0).min((1 << 42) - 1)
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The creation instant encoded in a snowflake, as Discord formats timestamps.
pub(crate) fn timestamp_of(id: u64) -> String {
    let millis = i64::try_from(id >> 22).unwrap_or(i64::MAX) + DISCORD_EPOCH_MS;
    iso(DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default())
}

/// Seconds since the Unix epoch as a float, for `X-RateLimit-Reset`: real time, because
/// serenity's ratelimiter compares it with the system clock.
pub(crate) fn unix_seconds_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_from_a_still_clock_increase_by_one_and_keep_its_timestamp() {
        let at = Utc.with_ymd_and_hms(2026, 6, 10, 6, 0, 0).unwrap();
        let ids = Snowflakes::new(TimeSource::fixed(at));
        let (a, b) = (ids.next(), ids.next());
        assert_eq!(b, a + 1);
        assert_eq!(timestamp_of(b), "2026-06-10T06:00:00.000000+00:00");
        assert_eq!(ids.now_iso(), "2026-06-10T06:00:00.000000+00:00");
    }

    #[test]
    fn ids_can_be_placed_on_a_shard_and_still_increase() {
        let at = Utc.with_ymd_and_hms(2026, 6, 10, 6, 0, 0).unwrap();
        let ids = Snowflakes::new(TimeSource::fixed(at));
        let mut last = 0;
        for k in 0..8 {
            let id = ids.next_on_shard(k % 4, 4);
            assert_eq!((id >> 22) % 4, k % 4);
            assert!(id > last);
            last = id;
        }
        assert!(ids.next() > last);
    }

    #[test]
    fn an_instant_before_the_discord_epoch_gives_small_but_increasing_ids() {
        let ids = Snowflakes::new(TimeSource::fixed(DateTime::<Utc>::UNIX_EPOCH));
        let (a, b) = (ids.next(), ids.next());
        assert!(a >= 1 && b > a);
    }
}
