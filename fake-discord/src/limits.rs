//! Rate limits as Discord announces them, and switchable fault injection.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{oneshot, watch};

use crate::config::RateLimitConfig;
use crate::record::{Recorder, RestRecord};
use crate::script::Timeout;

/// The `X-RateLimit-*` values of one response.
#[derive(Clone, Debug)]
pub(crate) struct BucketHeaders {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    pub(crate) reset_after: f64,
    pub(crate) bucket: String,
}

/// What the limiter says about a request.
#[derive(Clone, Debug)]
pub(crate) enum Verdict {
    Allowed(Option<BucketHeaders>),
    Limited {
        headers: Option<BucketHeaders>,
        retry_after: f64,
        global: bool,
    },
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
    limit: u32,
    length: Duration,
}

impl Window {
    fn new(limit: u32, length: Duration) -> Self {
        Self {
            start: Instant::now(),
            count: 0,
            limit,
            length,
        }
    }

    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.start) >= self.length {
            self.start = now;
            self.count = 0;
        }
    }

    fn reset_after(&self, now: Instant) -> f64 {
        (self.length.saturating_sub(now.duration_since(self.start))).as_secs_f64()
    }
}

/// Fixed-window counters: one global per bot, one per (route, major parameter) bucket.
pub(crate) struct Limiter {
    config: RateLimitConfig,
    global: Window,
    buckets: HashMap<String, Window>,
}

fn bucket_hash(template: &str) -> String {
    let mut hasher = DefaultHasher::new();
    template.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

impl Limiter {
    pub(crate) fn new(config: RateLimitConfig) -> Self {
        let global = Window::new(config.global_per_second, config.global_window);
        Self {
            config,
            global,
            buckets: HashMap::new(),
        }
    }

    /// Counts a request on `template` (e.g. `POST /channels/{channel_id}/messages`) with its
    /// major parameter; `global_exempt` skips the global limit (interaction routes).
    pub(crate) fn check(&mut self, template: &str, major: &str, global_exempt: bool) -> Verdict {
        let now = Instant::now();
        let (limit, length) = self
            .config
            .overrides
            .iter()
            .find(|(t, _, _)| t == template)
            .map_or(
                (self.config.bucket_limit, self.config.bucket_window),
                |(_, l, w)| (*l, *w),
            );
        let key = format!("{template} {major}");
        let bucket = self
            .buckets
            .entry(key)
            .or_insert_with(|| Window::new(limit, length));
        bucket.roll(now);
        let headers = |b: &Window| BucketHeaders {
            limit: b.limit,
            remaining: b.limit.saturating_sub(b.count),
            reset_after: b.reset_after(now),
            bucket: bucket_hash(template),
        };
        if !global_exempt {
            self.global.roll(now);
            if self.global.count >= self.global.limit {
                return Verdict::Limited {
                    headers: None,
                    retry_after: self.global.reset_after(now),
                    global: true,
                };
            }
        }
        if bucket.count >= bucket.limit {
            return Verdict::Limited {
                headers: Some(headers(bucket)),
                retry_after: bucket.reset_after(now),
                global: false,
            };
        }
        bucket.count += 1;
        if !global_exempt {
            self.global.count += 1;
        }
        Verdict::Allowed(Some(headers(bucket)))
    }
}

#[derive(Debug)]
struct FaultState {
    rng: StdRng,
    rate_5xx: f64,
    rate_429: f64,
    retry_after: Duration,
    delay: Duration,
    gateway_drop_rate: f64,
    /// Requests still let through before every later one is held; `None` when not holding.
    hold_remaining: Option<usize>,
    /// Requests held now, each with the switch that ends it.
    held: Vec<(RestRecord, oneshot::Sender<()>)>,
    /// Path fragments whose requests always fail with the given status (an outage of one route).
    failing_paths: Vec<(String, u16)>,
    /// Path fragments whose requests are held (a channel or route that never answers).
    held_paths: Vec<String>,
}

/// Switchable faults, drawn from a seeded generator so a run repeats.
#[derive(Debug)]
pub struct Faults {
    state: Mutex<FaultState>,
    /// How many requests are held, for waiters.
    held_changed: watch::Sender<usize>,
}

/// A fault drawn for one REST request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum RestFault {
    None,
    ServerError(u16),
    TooManyRequests(f64),
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: Mutex::new(FaultState {
                rng: StdRng::seed_from_u64(seed),
                rate_5xx: 0.0,
                rate_429: 0.0,
                retry_after: Duration::from_millis(100),
                delay: Duration::ZERO,
                gateway_drop_rate: 0.0,
                hold_remaining: None,
                held: Vec::new(),
                failing_paths: Vec::new(),
                held_paths: Vec::new(),
            }),
            held_changed: watch::Sender::new(0),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FaultState) -> T) -> T {
        f(&mut self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Answers this fraction of REST requests (0.0–1.0) with 500, 502 or 503.
    pub fn set_5xx_rate(&self, rate: f64) {
        self.with(|s| s.rate_5xx = rate.clamp(0.0, 1.0));
    }

    /// Answers this fraction of REST requests with a 429 (scope `shared`).
    pub fn set_429_rate(&self, rate: f64) {
        self.with(|s| s.rate_429 = rate.clamp(0.0, 1.0));
    }

    /// The `retry_after` of injected 429s (default 100 ms).
    pub fn set_429_retry_after(&self, retry_after: Duration) {
        self.with(|s| s.retry_after = retry_after);
    }

    /// Delays every REST response by this much.
    pub fn set_delay(&self, delay: Duration) {
        self.with(|s| s.delay = delay);
    }

    /// Drops the gateway connection instead of sending this fraction of dispatches (they are
    /// kept for RESUME).
    pub fn set_gateway_drop_rate(&self, rate: f64) {
        self.with(|s| s.gateway_drop_rate = rate.clamp(0.0, 1.0));
    }

    /// Switches every fault off, and ends held requests like [`Faults::release_held`].
    pub fn clear(&self) {
        self.with(|s| {
            s.rate_5xx = 0.0;
            s.rate_429 = 0.0;
            s.delay = Duration::ZERO;
            s.gateway_drop_rate = 0.0;
            s.failing_paths.clear();
        });
        self.release_held();
    }

    /// Answers every REST request whose path (e.g. `/api/v10/channels/123/messages`) contains
    /// `fragment` with `status` (a 5xx: an outage of that route only) until [`Faults::clear`]
    /// or [`Faults::heal_path`]. Attachment downloads count too (their paths start with
    /// `/attachments/` or `/ephemeral-attachments/`): `fail_path("/attachments/", 503)` is a
    /// CDN outage.
    pub fn fail_path(&self, fragment: &str, status: u16) {
        self.with(|s| s.failing_paths.push((fragment.to_owned(), status)));
    }

    /// Ends [`Faults::fail_path`] for `fragment`.
    pub fn heal_path(&self, fragment: &str) {
        self.with(|s| s.failing_paths.retain(|(f, _)| f != fragment));
    }

    /// Crash injection: applies and answers the next `n` REST requests as usual, then holds
    /// every later one forever, neither applied nor answered, as if the client process died
    /// right after the `n`-th response.
    ///
    /// Every HTTP request to the REST API counts, in the order it reaches the fake (after its
    /// body is read), whoever sends it: interaction callbacks, webhook follow-ups and edits,
    /// `GET /gateway/bot`, and raw requests a test makes. Scripted members' acts
    /// ([`crate::Member::say`], `react`, `slash` …) are not HTTP requests: they are neither
    /// counted nor held. Each held request is recorded at once in
    /// [`crate::FakeDiscord::rest_records`] with `held: true` and status 0. Calling this again
    /// restarts the count; requests already held stay held.
    pub fn hold_after(&self, n: usize) {
        self.with(|s| s.hold_remaining = Some(n));
    }

    /// Holds every later REST request whose path contains `fragment` (e.g. one channel's id),
    /// like [`Faults::hold_after`] holds all of them: never applied, never answered, until
    /// [`Faults::release_held`] or [`Faults::clear`]. Other requests are handled as usual: a
    /// channel, a guild or a route that hangs while the rest of Discord answers.
    pub fn hold_path(&self, fragment: &str) {
        self.with(|s| s.held_paths.push(fragment.to_owned()));
    }

    /// Whether requests are being held or will be after the count runs out.
    pub fn is_holding(&self) -> bool {
        self.with(|s| s.hold_remaining.is_some() || !s.held_paths.is_empty())
    }

    /// How many requests are held now.
    pub fn held_count(&self) -> usize {
        self.with(|s| s.held.len())
    }

    /// The requests held now, in the order they were held.
    pub fn held_requests(&self) -> Vec<RestRecord> {
        self.with(|s| s.held.iter().map(|(r, _)| r.clone()).collect())
    }

    /// Waits until at least one request is held and returns the first: the request the client
    /// never got an answer to.
    pub async fn wait_until_holding(&self, timeout: Duration) -> Result<RestRecord, Timeout> {
        let mut held = self.wait_for_held(1, timeout).await?;
        Ok(held.swap_remove(0))
    }

    /// Waits until at least `count` requests are held; returns the held requests.
    pub async fn wait_for_held(&self, count: usize, timeout: Duration) -> Result<Vec<RestRecord>, Timeout> {
        let mut changes = self.held_changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            let held = self.held_requests();
            if held.len() >= count {
                return Ok(held);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => {
                    return Err(Timeout {
                        what: format!("{count} held requests (holding {})", held.len()),
                    });
                }
            }
        }
    }

    /// Stops holding and ends every held request WITHOUT applying it: the fake closes the
    /// request's TCP connection without writing an answer (the client that sent it is
    /// considered dead; a live one sees a connection error, never a status). Requests after
    /// this are handled normally. Returns how many were ended.
    pub fn release_held(&self) -> usize {
        let held = self.with(|s| {
            s.hold_remaining = None;
            s.held_paths.clear();
            std::mem::take(&mut s.held)
        });
        let ended = held.len();
        for (_, release) in held {
            // A dropped receiver means the connection is already gone.
            let _ = release.send(());
        }
        self.held_changed.send_replace(0);
        ended
    }

    /// Counts one REST request against [`Faults::hold_after`] and checks it against
    /// [`Faults::hold_path`]: `None` to handle it, or the switch that ends it once held. A held
    /// request's record is kept among the held ones and stored in `recorder` before waiters hear
    /// of it.
    pub(crate) fn admit(
        &self,
        recorder: &Recorder,
        path: &str,
        record: impl FnOnce() -> RestRecord,
    ) -> Option<oneshot::Receiver<()>> {
        let (receiver, count) = self.with(|s| {
            let by_path = s.held_paths.iter().any(|f| path.contains(f.as_str()));
            match (s.hold_remaining, by_path) {
                (None, false) => (None, None),
                (Some(remaining @ 1..), false) => {
                    s.hold_remaining = Some(remaining - 1);
                    (None, None)
                }
                (Some(0), _) | (_, true) => {
                    let (release, receiver) = oneshot::channel();
                    let mut record = record();
                    record.held = true;
                    recorder.push_rest(record.clone());
                    s.held.push((record, release));
                    (Some(receiver), Some(s.held.len()))
                }
            }
        });
        if let Some(count) = count {
            self.held_changed.send_replace(count);
        }
        receiver
    }

    pub(crate) fn delay(&self) -> Duration {
        self.with(|s| s.delay)
    }

    /// The status of a [`Faults::fail_path`] matching `path`, if any (random faults aside).
    pub(crate) fn failing_status(&self, path: &str) -> Option<u16> {
        self.with(|s| {
            s.failing_paths
                .iter()
                .find(|(f, _)| path.contains(f.as_str()))
                .map(|(_, status)| *status)
        })
    }

    pub(crate) fn draw_rest(&self, path: &str) -> RestFault {
        self.with(|s| {
            if let Some((_, status)) = s.failing_paths.iter().find(|(f, _)| path.contains(f.as_str())) {
                return RestFault::ServerError(*status);
            }
            if s.rate_5xx > 0.0 && s.rng.random_bool(s.rate_5xx) {
                let statuses = [500, 502, 503];
                return RestFault::ServerError(statuses[s.rng.random_range(0..statuses.len())]);
            }
            if s.rate_429 > 0.0 && s.rng.random_bool(s.rate_429) {
                return RestFault::TooManyRequests(s.retry_after.as_secs_f64());
            }
            RestFault::None
        })
    }

    pub(crate) fn draw_gateway_drop(&self) -> bool {
        self.with(|s| s.gateway_drop_rate > 0.0 && s.rng.random_bool(s.gateway_drop_rate))
    }
}
