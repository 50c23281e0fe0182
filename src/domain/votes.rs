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

/// What the thread's message pages show of an answer's ⬆️ reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShownUpvotes {
    /// Normal (not super) ⬆️ reactions on the message.
    pub count: u64,
    /// Whether one of them is the bot's own (it offers one on every answer).
    pub by_bot_itself: bool,
}

/// Whether the reveal must read an answer's ⬆️ reaction list from Discord: only when the count
/// its message shows differs from what was recorded live (counted votes, upvotes seen arriving
/// late, and the bot's own ⬆️), or when the message was not seen at all. Any reaction the bot
/// missed or that does not count (a self-vote, another bot) makes the counts differ, so the list
/// is read exactly when live tracking cannot be trusted; a missed add and a missed removal on
/// the same answer would cancel out, which is the price of not reading every list.
pub fn reaction_list_needed(shown: Option<ShownUpvotes>, recorded_votes: u64, late_votes: u64) -> bool {
    match shown {
        None => true,
        Some(s) => s.count != recorded_votes + late_votes + u64::from(s.by_bot_itself),
    }
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

    #[test]
    fn a_reaction_list_is_read_only_when_the_shown_count_differs_from_the_live_record() {
        let shown = |count, by_bot_itself| Some(ShownUpvotes { count, by_bot_itself });
        // Two votes and the bot's own ⬆️, all seen live: no read.
        assert!(!reaction_list_needed(shown(3, true), 2, 0));
        // A late upvote still shows on Discord but was remembered: no read.
        assert!(!reaction_list_needed(shown(4, true), 2, 1));
        // No reaction at all and nothing recorded: no read.
        assert!(!reaction_list_needed(shown(0, false), 0, 0));
        // A vote cast while the bot was away, or a self-vote left in place: read.
        assert!(reaction_list_needed(shown(4, true), 2, 0));
        // A vote withdrawn while the bot was away: read.
        assert!(reaction_list_needed(shown(2, true), 2, 0));
        // The bot's own ⬆️ is missing (it could not react): the count alone decides.
        assert!(!reaction_list_needed(shown(2, false), 2, 0));
        // The message was not on the pages read: read.
        assert!(reaction_list_needed(None, 0, 0));
    }
}
