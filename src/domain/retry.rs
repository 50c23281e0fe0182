//! Retry pacing: capped exponential backoff with jitter, so a step that keeps failing is retried
//! less and less often, never in a tight loop, and many failing steps do not retry in lockstep.

use std::time::Duration;

/// How retries of one failing step are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
}

impl Backoff {
    /// The wait after `failures` consecutive failures (1 = the first), scaled by `jitter`, a
    /// random factor the caller draws from `[0.5, 1.0]` ("equal jitter": never less than half).
    pub fn delay(self, failures: u32, jitter: f64) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let raw = self.base.saturating_mul(1u32 << exponent).min(self.cap);
        raw.mul_f64(jitter.clamp(0.5, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(300),
    };

    #[test]
    fn each_failure_doubles_the_wait_up_to_the_cap() {
        let waits: Vec<u64> = (1..=10).map(|n| B.delay(n, 1.0).as_secs()).collect();
        assert_eq!(waits, vec![2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    }

    #[test]
    fn jitter_spreads_waits_between_half_and_all_of_the_step() {
        assert_eq!(B.delay(3, 0.5), Duration::from_secs(4));
        assert_eq!(B.delay(3, 0.0), Duration::from_secs(4), "clamped to half");
        assert_eq!(B.delay(3, 7.0), Duration::from_secs(8), "clamped to all");
    }

    #[test]
    fn endless_failures_never_overflow() {
        assert_eq!(B.delay(u32::MAX, 1.0), B.cap);
        assert_eq!(B.delay(0, 1.0), B.base);
    }
}
