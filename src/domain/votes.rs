//! Who may vote on what, and when.

use super::ids::UserId;
use chrono::{DateTime, Utc};

/// Why a reaction does not count as a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteRejection {
    /// Members cannot vote for their own answers.
    SelfVote,
    /// Bots (including dailyq itself) never vote.
    Bot,
    /// The round has been revealed, or its deadline has passed.
    RoundClosed,
    /// The answer was withdrawn (its message deleted).
    AnswerWithdrawn,
}

/// The facts a vote is judged on.
#[derive(Debug, Clone, Copy)]
pub struct VoteAttempt {
    /// Who reacted.
    pub voter: UserId,
    /// Whether the voter is a bot account.
    pub voter_is_bot: bool,
    /// Who wrote the answer.
    pub answer_author: UserId,
    /// Whether the answer was withdrawn.
    pub answer_withdrawn: bool,
    /// Whether the round is still open (not revealed).
    pub round_open: bool,
    /// The round's deadline.
    pub closes_at: DateTime<Utc>,
    /// When the reaction happened.
    pub at: DateTime<Utc>,
}

/// How long after the deadline a reaction event may still arrive for a reaction made in time
/// (gateway latency). Only an upvote seen later than this is remembered as late.
pub const LATE_VOTE_GRACE: chrono::Duration = chrono::Duration::seconds(5);

/// Whether an upvote seen at `at` certainly came after the deadline, so the reveal, which reads
/// Discord's time-less reaction lists, must leave it out.
pub fn seen_late(at: DateTime<Utc>, closes_at: DateTime<Utc>) -> bool {
    at >= closes_at + LATE_VOTE_GRACE
}

/// Decides whether a reaction counts. One vote per member per answer is the store's unique key.
pub fn judge_vote(v: &VoteAttempt) -> Result<(), VoteRejection> {
    if v.voter_is_bot {
        return Err(VoteRejection::Bot);
    }
    if v.voter == v.answer_author {
        return Err(VoteRejection::SelfVote);
    }
    if !v.round_open || v.at >= v.closes_at {
        return Err(VoteRejection::RoundClosed);
    }
    if v.answer_withdrawn {
        return Err(VoteRejection::AnswerWithdrawn);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn attempt() -> VoteAttempt {
        let now = Utc::now();
        VoteAttempt {
            voter: UserId(1),
            voter_is_bot: false,
            answer_author: UserId(2),
            answer_withdrawn: false,
            round_open: true,
            closes_at: now + Duration::hours(1),
            at: now,
        }
    }

    #[test]
    fn a_member_may_upvote_someone_elses_answer_while_the_round_is_open() {
        assert_eq!(judge_vote(&attempt()), Ok(()));
    }

    #[test]
    fn self_votes_do_not_count() {
        let v = VoteAttempt {
            voter: UserId(2),
            ..attempt()
        };
        assert_eq!(judge_vote(&v), Err(VoteRejection::SelfVote));
    }

    #[test]
    fn bots_never_vote() {
        let v = VoteAttempt {
            voter_is_bot: true,
            ..attempt()
        };
        assert_eq!(judge_vote(&v), Err(VoteRejection::Bot));
    }

    #[test]
    fn votes_after_the_reveal_or_the_deadline_do_not_count() {
        let closed = VoteAttempt {
            round_open: false,
            ..attempt()
        };
        assert_eq!(judge_vote(&closed), Err(VoteRejection::RoundClosed));
        let a = attempt();
        let late = VoteAttempt { at: a.closes_at, ..a };
        assert_eq!(judge_vote(&late), Err(VoteRejection::RoundClosed));
    }

    #[test]
    fn only_upvotes_seen_well_after_the_deadline_are_late() {
        let a = attempt();
        assert!(!seen_late(a.closes_at, a.closes_at));
        assert!(!seen_late(a.closes_at + Duration::seconds(4), a.closes_at));
        assert!(seen_late(a.closes_at + Duration::seconds(5), a.closes_at));
    }

    #[test]
    fn withdrawn_answers_take_no_votes() {
        let v = VoteAttempt {
            answer_withdrawn: true,
            ..attempt()
        };
        assert_eq!(judge_vote(&v), Err(VoteRejection::AnswerWithdrawn));
    }
}
