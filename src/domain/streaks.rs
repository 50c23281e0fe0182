//! Streaks: consecutive rounds of one channel a member answered.
//!
//! A streak counts revealed rounds of a channel in order, whatever their dates and numbers: days
//! without a scheduled round, and rounds that were skipped, never break a streak.

use std::collections::{BTreeMap, BTreeSet};

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

/// Every member's streak in a channel computed from scratch: `closed` lists the channel's
/// revealed round numbers (any order), `answered` each member's answered rounds. Used when rounds
/// are revealed out of order (a manual reveal of a newer round first), where the incremental
/// [`Streak::after_answering`] cannot see that a run was broken or joined in the middle.
pub fn recompute<M: Ord + Copy>(
    closed: &[u64],
    answered: &BTreeMap<M, BTreeSet<u64>>,
) -> BTreeMap<M, Streak> {
    let mut order: Vec<u64> = closed.to_vec();
    order.sort_unstable();
    order.dedup();
    answered
        .iter()
        .map(|(member, rounds)| {
            let mut streak = Streak::default();
            let mut previous = 0;
            for &round in &order {
                if rounds.contains(&round) {
                    streak = streak.after_answering(round, previous);
                }
                previous = round;
            }
            (*member, streak)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(rows: &[(u64, &[u64])]) -> BTreeMap<u64, BTreeSet<u64>> {
        rows.iter()
            .map(|(m, rs)| (*m, rs.iter().copied().collect()))
            .collect()
    }

    #[test]
    fn recomputing_gives_what_in_order_reveals_give() {
        let s = recompute(&[1, 2, 3, 4], &answered(&[(7, &[1, 2, 4]), (8, &[2, 3, 4])]));
        let in_order_7 = Streak::default()
            .after_answering(1, 0)
            .after_answering(2, 1)
            .after_answering(4, 3);
        assert_eq!(s[&7], in_order_7);
        assert_eq!((s[&8].current, s[&8].best, s[&8].last_round), (3, 3, 4));
    }

    #[test]
    fn a_round_revealed_late_joins_the_runs_around_it() {
        // Rounds 1 and 3 were revealed first; round 2 (answered) is revealed last.
        assert_eq!(
            recompute(&[3, 1, 2], &answered(&[(7, &[1, 2, 3])]))[&7].current,
            3
        );
        // Round 2 revealed last and not answered: the run 1→3 is broken.
        let s = recompute(&[1, 3, 2], &answered(&[(7, &[1, 3])]));
        assert_eq!((s[&7].current, s[&7].best), (1, 1));
    }

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
