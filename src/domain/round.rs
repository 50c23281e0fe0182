//! Rounds, schedules and guild settings as the rest of the bot sees them.

use super::ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
use super::rotation::QuestionFilter;
use super::schedule::{AnswerWindow, PostTime, ScheduledPost, Timezone};
use super::scoring::ScoringWeights;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;
use std::str::FromStr;

/// A guild's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildSettings {
    /// The guild.
    pub guild_id: GuildId,
    /// Zone for leaderboard periods and as the default for new schedules.
    pub timezone: Timezone,
    /// Points per contribution.
    pub weights: ScoringWeights,
    /// Answers shorter than this (in characters) do not count; 0 accepts any length.
    pub min_answer_chars: u32,
    /// Secret seed of the question order; never shown to members.
    pub rotation_seed: u64,
    /// Whether the leaderboard standings are built in the guild's time zone. Only a guild whose
    /// ledger predates kept standings lacks them, until its first leaderboard or reveal builds
    /// them.
    pub standings_current: bool,
}

/// A channel's daily-question schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSchedule {
    /// The channel questions are posted in.
    pub channel_id: ChannelId,
    /// Its guild.
    pub guild_id: GuildId,
    /// When to post.
    pub post_time: PostTime,
    /// Which questions to draw.
    pub filter: QuestionFilter,
    /// How long rounds stay open.
    pub answer_window: AnswerWindow,
    /// A role to mention with each post.
    pub ping_role: Option<RoleId>,
    /// A paused schedule posts nothing (open rounds are still revealed).
    pub paused: bool,
    /// The next post instant, kept in the database so any process can find due posts.
    pub next_post_at: DateTime<Utc>,
    /// The admin who set it up.
    pub created_by: UserId,
}

impl ChannelSchedule {
    /// What a due schedule should do at `now`: the post it owes (the latest occurrence, late but
    /// still inside its answer window, keeping its original deadline), or `None` when that post
    /// was missed beyond its window (the bot was down) and is skipped.
    pub fn due_post(&self, now: DateTime<Utc>) -> Option<ScheduledPost> {
        self.post_time
            .latest_at_or_before(now)
            .filter(|post| now < post.at + self.answer_window.duration())
    }
}

/// Where a round is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundState {
    /// Claimed in the database; the post may or may not have reached Discord yet.
    Pending,
    /// Posted and accepting answers and votes.
    Open,
    /// Past its deadline: no new answers or votes count; the reveal is under way.
    Revealing,
    /// Revealed and scored.
    Closed,
    /// Never posted (missed beyond its answer window, or failed for good).
    Skipped,
}

impl RoundState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Pending => "pending",
            RoundState::Open => "open",
            RoundState::Revealing => "revealing",
            RoundState::Closed => "closed",
            RoundState::Skipped => "skipped",
        }
    }
}

impl fmt::Display for RoundState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RoundState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(RoundState::Pending),
            "open" => Ok(RoundState::Open),
            "revealing" => Ok(RoundState::Revealing),
            "closed" => Ok(RoundState::Closed),
            "skipped" => Ok(RoundState::Skipped),
            _ => Err(format!("unknown round state {}", super::text::quote_input(s))),
        }
    }
}

/// One question asked in one channel on one local date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    /// Database key.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// The channel the question is posted in (or where the question message is).
    pub channel_id: ChannelId,
    /// The question's database key.
    pub question_id: i64,
    /// 1, 2, 3 … per channel.
    pub number: u64,
    /// The local date this round belongs to.
    pub scheduled_date: NaiveDate,
    /// Where it is in its life.
    pub state: RoundState,
    /// Sent as Discord's message nonce so a retried post is not duplicated.
    pub nonce: String,
    /// The question message, once posted.
    pub message_id: Option<MessageId>,
    /// The answer thread, once created.
    pub thread_id: Option<ChannelId>,
    /// When answers open.
    pub opens_at: DateTime<Utc>,
    /// When the round is revealed.
    pub closes_at: DateTime<Utc>,
    /// The reveal's reference-answer message, once posted.
    pub answer_message_id: Option<MessageId>,
    /// The reveal's summary message, once posted.
    pub summary_message_id: Option<MessageId>,
    /// When it was revealed.
    pub revealed_at: Option<DateTime<Utc>>,
    /// How many times posting the question was attempted (a retry looks for an earlier post).
    pub post_attempts: u32,
    /// How many times the reveal was attempted (a retry looks for earlier reveal messages).
    pub reveal_attempts: u32,
}

impl Round {
    /// Whether the round takes answers and votes made at `at` (Discord's time of the message, or
    /// the bot's clock for a reaction): only while open and before the deadline.
    pub fn accepts_at(&self, at: DateTime<Utc>) -> bool {
        self.state == RoundState::Open && at < self.closes_at
    }

    /// Whether a claimed round that never made it onto Discord is skipped at `now` instead of
    /// posted: its answer window is over, so members could not take part.
    pub fn missed_its_window(&self, now: DateTime<Utc>) -> bool {
        self.state == RoundState::Pending && self.closes_at <= now
    }

    /// An open round of guild 1, posted 2026-06-10 09:30 UTC with two hours to answer, for
    /// unit tests.
    #[cfg(test)]
    pub(crate) fn example() -> Round {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 6, 10, 9, 30, 0).unwrap();
        Round {
            id: 1,
            guild_id: GuildId(1),
            channel_id: ChannelId(2),
            question_id: 3,
            number: 1,
            scheduled_date: at.date_naive(),
            state: RoundState::Open,
            nonce: "n".into(),
            message_id: Some(MessageId(4)),
            thread_id: Some(ChannelId(4)),
            opens_at: at,
            closes_at: at + chrono::Duration::hours(2),
            answer_message_id: None,
            summary_message_id: None,
            revealed_at: None,
            post_attempts: 0,
            reveal_attempts: 0,
        }
    }
}

/// An answer in a round's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer's message (its key).
    pub message_id: MessageId,
    /// The round it answers.
    pub round_id: i64,
    /// Its author.
    pub author_id: UserId,
    /// The text, when the bot may read message content.
    pub content: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted (a withdrawn answer earns nothing).
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod round_rules {
    use super::*;
    use chrono::Duration;

    fn round(state: RoundState) -> Round {
        Round {
            state,
            ..Round::example()
        }
    }

    #[test]
    fn a_pending_round_is_skipped_only_once_its_window_is_over() {
        let r = round(RoundState::Pending);
        assert!(!r.missed_its_window(r.closes_at - Duration::seconds(1)));
        assert!(r.missed_its_window(r.closes_at));
        assert!(!round(RoundState::Open).missed_its_window(r.closes_at + Duration::days(1)));
    }

    #[test]
    fn answers_count_only_while_open_and_before_the_deadline() {
        let r = round(RoundState::Open);
        assert!(r.accepts_at(r.closes_at - Duration::milliseconds(1)));
        assert!(!r.accepts_at(r.closes_at));
        assert!(!round(RoundState::Revealing).accepts_at(r.opens_at));
    }
}
