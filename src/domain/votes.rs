//! Who may vote on what, and when.

use super::ids::{ChannelId, GuildId, MessageId, UserId};
use super::round::RoundState;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

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

/// One ⬆️ reaction added or removed, as the gateway delivered it (events are planned in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteEvent {
    /// The reacted-to message (an answer, if the store knows it).
    pub answer: MessageId,
    /// Its channel (the answer thread).
    pub channel: ChannelId,
    /// The guild the event came from.
    pub guild: GuildId,
    /// Who reacted.
    pub voter: UserId,
    /// Whether the voter is a bot account (dailyq included).
    pub voter_is_bot: bool,
    /// Added (`true`) or removed.
    pub added: bool,
    /// When the bot saw it.
    pub at: DateTime<Utc>,
}

/// What the store holds about a voted-on answer and its round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteTarget {
    /// Who wrote the answer.
    pub author: UserId,
    /// Whether the answer was withdrawn.
    pub withdrawn: bool,
    /// The round's guild.
    pub guild: GuildId,
    /// The round's state.
    pub round_state: RoundState,
    /// The round's deadline.
    pub closes_at: DateTime<Utc>,
}

/// The writes a batch of vote events comes to, equal to applying the events one by one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VotePlan {
    /// Votes to delete first (removed, or removed then added again within the batch).
    pub delete: Vec<(MessageId, UserId)>,
    /// Votes to insert after the deletes (insert-once by the (answer, voter) key).
    pub insert: Vec<(MessageId, UserId, DateTime<Utc>)>,
    /// Upvotes seen late, to remember (insert-once).
    pub late: Vec<(MessageId, UserId, DateTime<Utc>)>,
    /// Self-votes, whose reaction the bot may tidy away: (answer, its channel, voter).
    pub self_votes: Vec<(MessageId, ChannelId, UserId)>,
}

/// Judges each event with the vote rules, in order, and folds what each (answer, voter) pair
/// comes to. A pair's last counted event decides; a removal earlier in the batch also deletes,
/// so a vote removed and cast again is stored afresh, as one-by-one application would.
/// Events on messages the store does not know as answers, or of another guild, are dropped.
pub fn plan_votes(events: &[VoteEvent], targets: &HashMap<MessageId, VoteTarget>) -> VotePlan {
    #[derive(Default)]
    struct Pair {
        removed: bool,
        last_add: Option<Option<DateTime<Utc>>>,
    }
    let mut pairs: HashMap<(MessageId, UserId), Pair> = HashMap::new();
    let mut order: Vec<(MessageId, UserId)> = Vec::new();
    let mut plan = VotePlan::default();
    for e in events {
        let Some(t) = targets.get(&e.answer) else {
            continue;
        };
        if t.guild != e.guild {
            continue;
        }
        let key = (e.answer, e.voter);
        if !e.added {
            if t.round_state == RoundState::Open && e.at < t.closes_at {
                let pair = pairs.entry(key).or_insert_with(|| {
                    order.push(key);
                    Pair::default()
                });
                pair.removed = true;
                pair.last_add = Some(None);
            }
            continue;
        }
        let attempt = VoteAttempt {
            voter: e.voter,
            voter_is_bot: e.voter_is_bot,
            answer_author: t.author,
            answer_withdrawn: t.withdrawn,
            round_open: t.round_state == RoundState::Open,
            closes_at: t.closes_at,
            at: e.at,
        };
        match judge_vote(&attempt) {
            Ok(()) => {
                let pair = pairs.entry(key).or_insert_with(|| {
                    order.push(key);
                    Pair::default()
                });
                // A second add of a present vote changes nothing (the first time stays).
                if !matches!(pair.last_add, Some(Some(_))) {
                    pair.last_add = Some(Some(e.at));
                }
            }
            Err(VoteRejection::SelfVote) => plan.self_votes.push((e.answer, e.channel, e.voter)),
            Err(VoteRejection::RoundClosed)
                if matches!(t.round_state, RoundState::Open | RoundState::Revealing)
                    && seen_late(e.at, t.closes_at) =>
            {
                plan.late.push((e.answer, e.voter, e.at));
            }
            Err(_) => {}
        }
    }
    for key in order {
        let pair = &pairs[&key];
        match pair.last_add {
            Some(Some(at)) => {
                if pair.removed {
                    plan.delete.push(key);
                }
                plan.insert.push((key.0, key.1, at));
            }
            Some(None) => plan.delete.push(key),
            None => {}
        }
    }
    plan
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

    fn event(voter: u64, added: bool, at: DateTime<Utc>) -> VoteEvent {
        VoteEvent {
            answer: MessageId(10),
            channel: ChannelId(9),
            guild: GuildId(1),
            voter: UserId(voter),
            voter_is_bot: false,
            added,
            at,
        }
    }

    fn targets(state: RoundState, closes_at: DateTime<Utc>) -> HashMap<MessageId, VoteTarget> {
        HashMap::from([(
            MessageId(10),
            VoteTarget {
                author: UserId(2),
                withdrawn: false,
                guild: GuildId(1),
                round_state: state,
                closes_at,
            },
        )])
    }

    #[test]
    fn a_batch_comes_to_what_its_events_do_one_by_one() {
        let now = Utc::now();
        let t = targets(RoundState::Open, now + Duration::hours(1));
        let events = [
            event(3, true, now),
            event(4, true, now),
            event(4, false, now),
            event(5, false, now),
            event(5, true, now),
            event(6, true, now),
            event(6, true, now + Duration::seconds(1)),
        ];
        let plan = plan_votes(&events, &t);
        let a = MessageId(10);
        assert_eq!(
            plan.insert,
            vec![(a, UserId(3), now), (a, UserId(5), now), (a, UserId(6), now)]
        );
        assert_eq!(plan.delete, vec![(a, UserId(4)), (a, UserId(5))]);
        assert!(plan.late.is_empty() && plan.self_votes.is_empty());
    }

    #[test]
    fn a_batch_keeps_the_rules_self_votes_bots_other_guilds_and_unknown_messages() {
        let now = Utc::now();
        let t = targets(RoundState::Open, now + Duration::hours(1));
        let bot = VoteEvent {
            voter_is_bot: true,
            ..event(3, true, now)
        };
        let elsewhere = VoteEvent {
            guild: GuildId(7),
            ..event(4, true, now)
        };
        let unknown = VoteEvent {
            answer: MessageId(11),
            ..event(5, true, now)
        };
        let plan = plan_votes(&[event(2, true, now), bot, elsewhere, unknown], &t);
        assert_eq!(plan.self_votes, vec![(MessageId(10), ChannelId(9), UserId(2))]);
        assert!(plan.insert.is_empty() && plan.delete.is_empty() && plan.late.is_empty());
    }

    #[test]
    fn after_the_deadline_upvotes_are_remembered_late_and_removals_change_nothing() {
        let now = Utc::now();
        let t = targets(RoundState::Revealing, now - Duration::minutes(1));
        let plan = plan_votes(&[event(3, true, now), event(4, false, now)], &t);
        assert_eq!(plan.late, vec![(MessageId(10), UserId(3), now)]);
        assert!(plan.insert.is_empty() && plan.delete.is_empty());
    }
}
