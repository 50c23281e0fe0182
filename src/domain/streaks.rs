//! Streaks: consecutive rounds of one channel a member answered.
//!
//! A streak counts revealed rounds of a channel in order, whatever their dates and numbers: days
//! without a scheduled round, and rounds that were skipped, never break a streak.

/// A member's streak in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streak {
    /// Length of the run that ends at `last_round`.
    pub current: u32,
    /// Longest run ever.
    pub best: u32,
    /// Number of the last round the member answered (0: never).
    pub last_round: u64,
}

impl Streak {
    /// The streak after the member answered round `round`, whose channel's previous revealed
    /// round was `previous` (0: none). Applying the same round twice changes nothing, so a reveal
    /// that is retried after a crash stays correct.
    pub fn after_answering(self, round: u64, previous: u64) -> Streak {
        if round <= self.last_round {
            return self;
        }
        let current = if self.last_round == previous && previous != 0 {
            self.current + 1
        } else {
            1
        };
        Streak {
            current,
            best: self.best.max(current),
            last_round: round,
        }
    }

    /// The current streak as members see it, given the channel's latest revealed round: a run
    /// that missed a later round is over.
    pub fn current_as_of(self, latest_revealed_round: u64) -> u32 {
        if self.last_round >= latest_revealed_round {
            self.current
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_rounds_grow_the_streak() {
        let s = Streak::default()
            .after_answering(1, 0)
            .after_answering(2, 1)
            .after_answering(3, 2);
        assert_eq!((s.current, s.best), (3, 3));
    }

    #[test]
    fn a_missed_round_restarts_the_streak_but_keeps_the_best() {
        let s = Streak::default()
            .after_answering(1, 0)
            .after_answering(2, 1)
            .after_answering(4, 3);
        assert_eq!((s.current, s.best), (1, 2));
    }

    #[test]
    fn a_skipped_round_number_does_not_break_the_streak() {
        // Round 3 was never revealed (skipped after downtime): 4 follows 2.
        let s = Streak::default()
            .after_answering(1, 0)
            .after_answering(2, 1)
            .after_answering(4, 2);
        assert_eq!((s.current, s.best), (3, 3));
    }

    #[test]
    fn the_first_round_a_member_answers_starts_at_one_whatever_its_number() {
        assert_eq!(Streak::default().after_answering(7, 6).current, 1);
    }

    #[test]
    fn applying_the_same_round_twice_is_idempotent() {
        let once = Streak::default().after_answering(1, 0).after_answering(2, 1);
        assert_eq!(once.after_answering(2, 1), once);
        assert_eq!(once.after_answering(1, 0), once);
    }

    #[test]
    fn a_streak_not_extended_by_the_latest_round_shows_as_zero() {
        let s = Streak::default().after_answering(1, 0).after_answering(2, 1);
        assert_eq!(s.current_as_of(2), 2);
        assert_eq!(s.current_as_of(3), 0);
    }
}
