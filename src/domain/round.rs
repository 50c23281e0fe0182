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
    /// Members with this role may start practice sessions (besides Manage Server).
    pub practice_role: Option<RoleId>,
    /// Whether practice points also count on the daily leaderboard.
    pub practice_on_daily: bool,
    /// How long its seasons last.
    pub season_kind: super::seasons::SeasonKind,
    /// Where season recaps are posted (no recap without one).
    pub recap_channel: Option<ChannelId>,
    /// The role that moves to each season's winners.
    pub champion_role: Option<RoleId>,
    /// Members with this role may add and edit the server's own questions (besides Manage
    /// Server).
    pub question_editor_role: Option<RoleId>,
    /// Where member suggestions wait for review (no suggestions without one).
    pub suggestion_channel: Option<ChannelId>,
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
    /// How long before each deadline opted-in members are reminded, if at all.
    pub remind_before: Option<chrono::Duration>,
    /// Which questions it draws from.
    pub source: super::rotation::QuestionSource,
    /// A blind schedule's vote phase: its answers are sealed until the end of the answer window,
    /// then published and voted on for this long before the reveal. `None`: answers are posted
    /// in the thread and voted on as they come.
    pub blind: Option<chrono::Duration>,
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

/// How long after a blind round's answer deadline its answers are published: an answer sent a
/// moment before the deadline may reach the bot a moment after it, and still counts.
pub const PUBLISH_GRACE: chrono::Duration = chrono::Duration::seconds(5);

/// What kind of round this is. Every kind runs on the same engine (claim → post → answers →
/// votes → reveal → score); the differences are the data below, not separate code paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundKind {
    /// A channel's scheduled daily question: one per channel and local date.
    Daily,
    /// Question `seq` (1-based) of a live practice session.
    Practice {
        /// The session's key.
        session: i64,
        /// Its place in the session.
        seq: u32,
    },
}

impl RoundKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundKind::Daily => "daily",
            RoundKind::Practice { .. } => "practice",
        }
    }

    /// The round's key within its channel: the local date for a daily round (one a day), the
    /// session and place for a practice question. Claiming the same slot twice claims nothing.
    pub fn slot(self, date: NaiveDate) -> String {
        match self {
            RoundKind::Daily => date.to_string(),
            RoundKind::Practice { session, seq } => format!("practice:{session}:{seq}"),
        }
    }

    /// Reads a kind back from its stored name and slot.
    pub fn parse(kind: &str, slot: &str, session: Option<i64>) -> Result<RoundKind, String> {
        match (kind, session) {
            ("daily", _) => Ok(RoundKind::Daily),
            ("practice", Some(session)) => {
                let seq = slot
                    .rsplit(':')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| {
                        format!("practice slot {} has no place", super::text::quote_input(slot))
                    })?;
                Ok(RoundKind::Practice { session, seq })
            }
            _ => Err(format!(
                "unknown round kind {} (or a practice round without a session)",
                super::text::quote_input(kind)
            )),
        }
    }

    /// The leaderboard its points go to.
    pub fn board(self) -> super::leaderboard::Board {
        match self {
            RoundKind::Daily => super::leaderboard::Board::Daily,
            RoundKind::Practice { .. } => super::leaderboard::Board::Practice,
        }
    }

    /// Whether answering it extends a member's streak (a streak is a run of a channel's daily
    /// rounds; practice questions neither extend nor break it).
    pub fn keeps_streaks(self) -> bool {
        matches!(self, RoundKind::Daily)
    }

    /// The session a practice question belongs to.
    pub fn session(self) -> Option<i64> {
        match self {
            RoundKind::Daily => None,
            RoundKind::Practice { session, .. } => Some(session),
        }
    }

    /// Discord's message nonce for the question post (at most 25 characters), the same in every
    /// process that tries the same post, so a retried post is not duplicated.
    pub fn post_nonce(self, channel: ChannelId, date: NaiveDate) -> String {
        match self {
            // "dq" + 6 date digits + at most 16 hex digits = 24 characters.
            RoundKind::Daily => format!("dq{}{:x}", date.format("%y%m%d"), channel.0),
            // "dp" + at most 16 hex digits + "." + at most 2 digits (a session asks ≤ 20).
            RoundKind::Practice { session, seq } => format!("dp{session:x}.{seq}"),
        }
    }
}

/// One question asked in one channel: a channel's daily question on one local date, or one
/// question of a practice session.
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
    /// What kind of round it is.
    pub kind: RoundKind,
    /// 1, 2, 3 … per channel and kind.
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
    /// When its reminder is due, if its schedule reminds.
    pub remind_at: Option<DateTime<Utc>>,
    /// A blind round's answer deadline (its answers are sealed until then, then published and
    /// voted on until `closes_at`); `None` for a round answered in its thread.
    pub answers_close_at: Option<DateTime<Utc>>,
    /// When a blind round's answers were all published.
    pub published_at: Option<DateTime<Utc>>,
    /// How many times publishing a blind round's answers was attempted. The first attempt seals
    /// the round: no answer is taken after it.
    pub publish_attempts: u32,
}

impl Round {
    /// Whether the round takes answers and votes made at `at` (Discord's time of the message, or
    /// the bot's clock for a reaction): only while open and before the deadline.
    pub fn accepts_at(&self, at: DateTime<Utc>) -> bool {
        self.state == RoundState::Open && at < self.closes_at
    }

    /// Whether answers are sealed until an answer deadline and then published by the bot (a
    /// blind round), rather than written in the thread.
    pub fn is_blind(&self) -> bool {
        self.answers_close_at.is_some()
    }

    /// Whether members answer by writing in the thread. In a blind round they answer through
    /// the bot, and thread messages are discussion, never answers.
    pub fn answers_in_thread(&self) -> bool {
        !self.is_blind()
    }

    /// When answers stop being taken: the answer deadline of a blind round, else the deadline.
    pub fn answer_deadline(&self) -> DateTime<Utc> {
        self.answers_close_at.unwrap_or(self.closes_at)
    }

    /// Whether a blind round takes a sealed answer sent at `at` (Discord's time of the
    /// interaction): while open, before its answer deadline, and before publishing began.
    pub fn takes_sealed_answer_at(&self, at: DateTime<Utc>) -> bool {
        self.is_blind()
            && self.state == RoundState::Open
            && self.publish_attempts == 0
            && at < self.answer_deadline()
    }

    /// Whether a blind round's answers are due to be published at `now`: its answer deadline
    /// passed by [`PUBLISH_GRACE`] and they are not all published yet.
    pub fn publish_due(&self, now: DateTime<Utc>) -> bool {
        self.published_at.is_none()
            && matches!(self.state, RoundState::Open | RoundState::Revealing)
            && self.answers_close_at.is_some_and(|at| at + PUBLISH_GRACE <= now)
    }

    /// Whether a claimed round that never made it onto Discord is skipped at `now` instead of
    /// posted: its answer window is over, so members could not take part.
    pub fn missed_its_window(&self, now: DateTime<Utc>) -> bool {
        self.state == RoundState::Pending && self.closes_at <= now
    }

    /// How long its thread stays visible without activity, in minutes: the shortest of
    /// Discord's auto-archive durations (1 h, 1 day, 3 days, 1 week) that covers its window.
    pub fn archive_after_minutes(&self) -> u32 {
        let window = (self.closes_at - self.opens_at).num_minutes();
        [60, 1440, 4320]
            .into_iter()
            .find(|m| window <= i64::from(*m))
            .unwrap_or(10080)
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
            kind: RoundKind::Daily,
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
            remind_at: None,
            answers_close_at: None,
            published_at: None,
            publish_attempts: 0,
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
    fn a_thread_stays_open_at_least_as_long_as_its_answer_window() {
        let r = Round::example();
        let with = |minutes| Round {
            closes_at: r.opens_at + Duration::minutes(minutes),
            ..r.clone()
        };
        assert_eq!(with(10).archive_after_minutes(), 60);
        assert_eq!(with(60).archive_after_minutes(), 60);
        assert_eq!(with(61).archive_after_minutes(), 1440);
        assert_eq!(with(1441).archive_after_minutes(), 4320);
        assert_eq!(with(4321).archive_after_minutes(), 10080);
    }

    #[test]
    fn post_nonces_fit_discord_and_differ_by_channel_date_and_session() {
        let d1 = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 6, 11).unwrap();
        let (c1, c2) = (
            ChannelId(1_234_567_890_123_456_789),
            ChannelId(1_234_567_890_123_456_788),
        );
        let a = RoundKind::Daily.post_nonce(c1, d1);
        assert!(a.len() <= 25, "{a}");
        assert_eq!(a, RoundKind::Daily.post_nonce(c1, d1));
        assert_ne!(a, RoundKind::Daily.post_nonce(c1, d2));
        assert_ne!(a, RoundKind::Daily.post_nonce(c2, d1));
        let p = |session, seq| RoundKind::Practice { session, seq }.post_nonce(c1, d1);
        assert!(p(i64::MAX, 20).len() <= 25, "{}", p(i64::MAX, 20));
        assert_ne!(p(1, 2), p(1, 3));
        assert_ne!(p(1, 12), p(11, 2));
        assert_ne!(p(1, 1), a);
    }

    #[test]
    fn a_kind_reads_back_from_its_name_and_slot() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
        for kind in [RoundKind::Daily, RoundKind::Practice { session: 7, seq: 3 }] {
            assert_eq!(
                RoundKind::parse(kind.as_str(), &kind.slot(day), kind.session()),
                Ok(kind)
            );
        }
        assert!(RoundKind::parse("practice", "2026-06-10", None).is_err());
        assert!(RoundKind::parse("blind", "x", None).is_err());
    }

    #[test]
    fn only_daily_rounds_keep_streaks_and_practice_points_go_to_their_own_board() {
        use crate::domain::leaderboard::Board;
        let practice = RoundKind::Practice { session: 1, seq: 1 };
        assert!(RoundKind::Daily.keeps_streaks());
        assert!(!practice.keeps_streaks());
        assert_eq!(RoundKind::Daily.board(), Board::Daily);
        assert_eq!(practice.board(), Board::Practice);
    }

    #[test]
    fn a_blind_round_takes_sealed_answers_until_its_answer_deadline_or_publishing_begins() {
        let open = round(RoundState::Open);
        assert!(!open.is_blind() && open.answers_in_thread());
        assert!(!open.takes_sealed_answer_at(open.opens_at), "not blind");
        let deadline = open.opens_at + Duration::hours(1);
        let blind = Round {
            answers_close_at: Some(deadline),
            ..open
        };
        assert!(blind.is_blind() && !blind.answers_in_thread());
        assert_eq!(blind.answer_deadline(), deadline);
        assert!(blind.takes_sealed_answer_at(deadline - Duration::milliseconds(1)));
        assert!(!blind.takes_sealed_answer_at(deadline));
        let sealed = Round {
            publish_attempts: 1,
            ..blind.clone()
        };
        assert!(!sealed.takes_sealed_answer_at(blind.opens_at));
        assert!(!blind.publish_due(deadline));
        assert!(blind.publish_due(deadline + PUBLISH_GRACE));
        let published = Round {
            published_at: Some(deadline + PUBLISH_GRACE),
            ..blind
        };
        assert!(!published.publish_due(deadline + Duration::hours(1)));
    }

    #[test]
    fn answers_count_only_while_open_and_before_the_deadline() {
        let r = round(RoundState::Open);
        assert!(r.accepts_at(r.closes_at - Duration::milliseconds(1)));
        assert!(!r.accepts_at(r.closes_at));
        assert!(!round(RoundState::Revealing).accepts_at(r.opens_at));
    }
}
