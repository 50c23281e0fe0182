//! Pacing of the bot's own REST requests under Discord's global limit (50 requests per second
//! per bot, interaction responses exempt).
//!
//! Serenity keeps Discord's per-route buckets and waits out a 429, but it learns of the global
//! limit only by hitting it: a thousand channels posting at once would spend a quarter of their
//! requests on 429s. Scheduled work (posts and reveals) and the bot's own reactions therefore
//! await one shared token bucket (`governor`'s GCRA) before each request, at a steady rate a
//! little under the limit, with no burst, so the requests that reach Discord are evenly spaced.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;

/// A shared pace for REST requests; clones share it.
#[derive(Clone)]
pub struct RestPace {
    limiter: Arc<DefaultDirectRateLimiter>,
    per_second: NonZeroU32,
    metrics: Arc<crate::metrics::Metrics>,
}

impl RestPace {
    /// The default rate: a little under Discord's 50 per second, leaving room for what the bot
    /// sends unpaced (command responses are exempt from the limit anyway).
    pub const DEFAULT_PER_SECOND: u32 = crate::config::DEFAULT_REST_PER_SECOND;

    /// At most `per_second` requests a second (at least one), evenly spaced.
    pub fn per_second(per_second: u32) -> Self {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(per_second).allow_burst(NonZeroU32::MIN);
        RestPace {
            limiter: Arc::new(RateLimiter::direct(quota)),
            per_second,
            metrics: Arc::default(),
        }
    }

    /// The same pace, counting requests in `metrics`.
    pub fn counted_in(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Where requests are counted.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// Waits for the next request's turn.
    pub async fn ready(&self) {
        self.limiter.until_ready().await;
    }

    /// The configured rate.
    pub fn rate(&self) -> u32 {
        self.per_second.get()
    }
}

impl Default for RestPace {
    fn default() -> Self {
        RestPace::per_second(Self::DEFAULT_PER_SECOND)
    }
}

impl fmt::Debug for RestPace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RestPace({}/s)", self.per_second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn requests_past_the_first_wait_for_their_turn() {
        // 20/s: the 1st request goes at once, the 5th no earlier than 4 × 50 ms later.
        let pace = RestPace::per_second(20);
        let began = Instant::now();
        for _ in 0..5 {
            pace.ready().await;
        }
        assert!(
            began.elapsed() >= Duration::from_millis(190),
            "{:?}",
            began.elapsed()
        );
    }

    #[test]
    fn a_zero_rate_means_one_a_second() {
        assert_eq!(RestPace::per_second(0).rate(), 1);
    }
}
