//! Practice: live sessions in a channel (how many questions, for how long, what comes next)
//! and solo practice (which question a member practises next, and when a question they marked
//! "review later" comes back: a small spaced-repetition queue, again after 1, 3, 7 and 21 days).

use super::ids::{ChannelId, GuildId, UserId};
use super::leaderboard::Standing;
use super::rotation::{Candidate, QuestionFilter, pick_next};
use chrono::{DateTime, Duration, Utc};
use std::ops::RangeInclusive;

/// How many questions a session may ask.
pub const SESSION_QUESTIONS: RangeInclusive<u32> = 1..=20;
/// Questions in a session when the starter does not say.
pub const DEFAULT_SESSION_QUESTIONS: u32 = 5;
/// How many minutes each question of a session may stay open.
pub const SESSION_MINUTES: RangeInclusive<u32> = 2..=60;
/// Minutes per question when the starter does not say.
pub const DEFAULT_SESSION_MINUTES: u32 = 10;

/// What a starter asked for: how many questions, each open how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPlan {
    /// Questions to ask, back to back.
    pub questions: u32,
    /// Minutes each question stays open.
    pub minutes: u32,
}

impl SessionPlan {
    /// Checks the starter's numbers (defaults where absent); the error is the sentence they read.
    pub fn new(questions: Option<i64>, minutes: Option<i64>) -> Result<SessionPlan, String> {
        let within = |v: Option<i64>, range: &RangeInclusive<u32>, default: u32, what: &str| match v {
            None => Ok(default),
            Some(n) if n >= i64::from(*range.start()) && n <= i64::from(*range.end()) => Ok(n as u32),
            Some(n) => Err(format!(
                "A session has between {} and {} {what}; {n} is out of range.",
                range.start(),
                range.end()
            )),
        };
        Ok(SessionPlan {
            questions: within(
                questions,
                &SESSION_QUESTIONS,
                DEFAULT_SESSION_QUESTIONS,
                "questions",
            )?,
            minutes: within(
                minutes,
                &SESSION_MINUTES,
                DEFAULT_SESSION_MINUTES,
                "minutes per question",
            )?,
        })
    }

    /// How long each question stays open.
    pub fn window(self) -> Duration {
        Duration::minutes(i64::from(self.minutes))
    }
}

/// A live practice session in a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeSession {
    /// Database key.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// The channel its questions are posted in.
    pub channel_id: ChannelId,
    /// Who started it (may skip and stop it, like an admin).
    pub started_by: UserId,
    /// Which questions it draws.
    pub filter: QuestionFilter,
    /// From the shipped bank, the server's own questions, or both.
    pub source: super::rotation::QuestionSource,
    /// Its plan; `questions` drops to the number asked so far when it is stopped.
    pub plan: SessionPlan,
    /// Whether its scoreboard is posted.
    pub finished: bool,
    /// The scoreboard message, once posted.
    pub scoreboard_message_id: Option<super::ids::MessageId>,
    /// How many times posting the scoreboard was attempted (a retry looks for an earlier post).
    pub finish_attempts: u32,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// What a running session does next, given how many questions it has claimed and whether one
/// of them is still unfinished (not yet revealed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStep {
    /// A question is still open (or being revealed): wait for it.
    Wait,
    /// Ask question `n` (1-based) now.
    Ask(u32),
    /// Every question is revealed: post the scoreboard and end.
    Finish,
}

/// The next step of a session that planned `planned` questions and has claimed `asked`.
pub fn next_step(planned: u32, asked: u32, unfinished: bool) -> SessionStep {
    if unfinished {
        SessionStep::Wait
    } else if asked < planned {
        SessionStep::Ask(asked + 1)
    } else {
        SessionStep::Finish
    }
}

/// Who may skip or stop a session: whoever started it, or an admin.
pub fn may_steer(session: &PracticeSession, member: UserId, is_admin: bool) -> bool {
    is_admin || session.started_by == member
}

/// An answer given during a session, for its scoreboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAnswer {
    /// Its author.
    pub author: UserId,
    /// Its message.
    pub message: super::ids::MessageId,
    /// The thread it is in.
    pub thread: ChannelId,
    /// Its counted ⬆️ votes.
    pub votes: u64,
}

/// The best answer of a session: the most upvoted, the earlier among equals; none without a vote.
pub fn best_answer(answers: &[SessionAnswer]) -> Option<&SessionAnswer> {
    answers
        .iter()
        .filter(|a| a.votes > 0)
        .min_by(|a, b| b.votes.cmp(&a.votes).then(a.message.cmp(&b.message)))
}

/// A session's final table: most points first, then most answers, then the member id (the same
/// order as every leaderboard).
pub fn session_table(mut rows: Vec<Standing>) -> Vec<Standing> {
    rows.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then(b.answers.cmp(&a.answers))
            .then(a.member.cmp(&b.member))
    });
    rows
}

/// Days until a question in the review queue comes back, by step.
pub const REVIEW_INTERVAL_DAYS: [i64; 4] = [1, 3, 7, 21];

/// How a member rated their own go at a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfMark {
    /// They knew it.
    GotIt,
    /// They want it back soon.
    ReviewLater,
}

/// A question's place in a member's review queue: its step and when it is due again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review {
    /// 0-based index into [`REVIEW_INTERVAL_DAYS`].
    pub step: usize,
    /// When it comes back first.
    pub due: DateTime<Utc>,
}

/// The queue entry after `mark`, given the current one (`None`: not queued). "Review later"
/// (re)starts the queue at one day; "got it" moves a queued question to the next, longer
/// interval and drops it after the last; "got it" on a question that is not queued queues
/// nothing.
pub fn next_review(current: Option<Review>, mark: SelfMark, now: DateTime<Utc>) -> Option<Review> {
    let step = match (mark, current) {
        (SelfMark::ReviewLater, _) => 0,
        (SelfMark::GotIt, None) => return None,
        (SelfMark::GotIt, Some(r)) => r.step + 1,
    };
    REVIEW_INTERVAL_DAYS.get(step).map(|days| Review {
        step,
        due: now + Duration::days(*days),
    })
}

/// The question a member practises next: the first of their due reviews (in due order) that
/// passes the filter, else, among the questions they practised the fewest times
/// (`times_asked` counts their own practice), the first in an order of their own (`seed`).
pub fn pick_solo<K: Clone + PartialEq>(
    due: &[K],
    candidates: &[Candidate<K>],
    filter: &QuestionFilter,
    seed: u64,
) -> Option<K> {
    let passes = |key: &K| {
        candidates
            .iter()
            .any(|c| &c.key == key && filter.accepts(&c.category, c.difficulty))
    };
    due.iter()
        .find(|k| passes(k))
        .cloned()
        .or_else(|| pick_next(candidates, filter, seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::question::{Category, Difficulty, QuestionSlug};

    #[test]
    fn a_session_defaults_to_five_questions_of_ten_minutes_and_refuses_numbers_out_of_range() {
        assert_eq!(
            SessionPlan::new(None, None),
            Ok(SessionPlan {
                questions: 5,
                minutes: 10
            })
        );
        assert_eq!(
            SessionPlan::new(Some(1), Some(60)),
            Ok(SessionPlan {
                questions: 1,
                minutes: 60
            })
        );
        assert_eq!(
            SessionPlan::new(Some(20), Some(2)),
            Ok(SessionPlan {
                questions: 20,
                minutes: 2
            })
        );
        let too_many = SessionPlan::new(Some(21), None).unwrap_err();
        assert!(
            too_many.contains("between 1 and 20 questions") && too_many.contains("21"),
            "{too_many}"
        );
        assert!(SessionPlan::new(Some(0), None).is_err());
        assert!(SessionPlan::new(Some(-3), None).is_err());
        let short = SessionPlan::new(None, Some(1)).unwrap_err();
        assert!(short.contains("between 2 and 60 minutes"), "{short}");
        assert!(SessionPlan::new(None, Some(i64::MAX)).is_err());
    }

    #[test]
    fn a_session_asks_its_questions_one_after_another_then_finishes() {
        assert_eq!(next_step(3, 0, false), SessionStep::Ask(1));
        assert_eq!(next_step(3, 1, true), SessionStep::Wait);
        assert_eq!(next_step(3, 1, false), SessionStep::Ask(2));
        assert_eq!(next_step(3, 3, true), SessionStep::Wait);
        assert_eq!(next_step(3, 3, false), SessionStep::Finish);
        // Stopped after two: the plan drops to two.
        assert_eq!(next_step(2, 2, false), SessionStep::Finish);
        assert_eq!(next_step(0, 0, false), SessionStep::Finish);
    }

    #[test]
    fn only_the_starter_or_an_admin_steers_a_session() {
        let session = PracticeSession {
            id: 1,
            guild_id: GuildId(1),
            channel_id: ChannelId(2),
            started_by: UserId(3),
            filter: QuestionFilter::default(),
            source: crate::domain::rotation::QuestionSource::Both,
            plan: SessionPlan {
                questions: 3,
                minutes: 5,
            },
            finished: false,
            scoreboard_message_id: None,
            finish_attempts: 0,
            started_at: t(0),
        };
        assert!(may_steer(&session, UserId(3), false));
        assert!(may_steer(&session, UserId(4), true));
        assert!(!may_steer(&session, UserId(4), false));
    }

    #[test]
    fn the_best_answer_of_a_session_is_the_most_upvoted_and_the_earliest_among_equals() {
        let a = |message, votes| SessionAnswer {
            author: UserId(1),
            message: super::super::ids::MessageId(message),
            thread: ChannelId(9),
            votes,
        };
        assert_eq!(
            best_answer(&[a(5, 1), a(3, 2), a(4, 2)]).map(|b| b.message.0),
            Some(3)
        );
        assert_eq!(best_answer(&[a(5, 0)]), None);
        assert_eq!(best_answer(&[]), None);
    }

    #[test]
    fn the_session_table_ranks_points_then_answers_then_member() {
        let s = |member, points, answers| Standing {
            member: UserId(member),
            points,
            answers,
        };
        let table = session_table(vec![s(5, 3, 1), s(2, 7, 2), s(9, 7, 3), s(1, 3, 1)]);
        let order: Vec<u64> = table.iter().map(|r| r.member.0).collect();
        assert_eq!(order, vec![9, 2, 1, 5]);
    }

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap() + Duration::days(days)
    }

    #[test]
    fn review_later_comes_back_after_1_3_7_and_21_days_then_leaves_the_queue() {
        let mut at = t(0);
        let mut review = next_review(None, SelfMark::ReviewLater, at);
        assert_eq!(review, Some(Review { step: 0, due: t(1) }));
        let mut gaps = Vec::new();
        while let Some(r) = review {
            at = r.due;
            review = next_review(Some(r), SelfMark::GotIt, at);
            if let Some(next) = review {
                gaps.push((next.due - at).num_days());
            }
        }
        assert_eq!(gaps, vec![3, 7, 21]);
    }

    #[test]
    fn review_later_again_restarts_at_one_day_and_got_it_alone_queues_nothing() {
        let deep = Review { step: 3, due: t(0) };
        assert_eq!(
            next_review(Some(deep), SelfMark::ReviewLater, t(5)),
            Some(Review { step: 0, due: t(6) })
        );
        assert_eq!(next_review(None, SelfMark::GotIt, t(5)), None);
    }

    fn candidate(key: i64, category: &str, practised: u32) -> Candidate<i64> {
        Candidate {
            key,
            slug: QuestionSlug::parse(&format!("q-{key}")).unwrap(),
            category: Category::parse(category).unwrap(),
            difficulty: Difficulty::Easy,
            times_asked: practised,
            series: Default::default(),
        }
    }

    #[test]
    fn a_due_review_that_passes_the_filter_comes_first_else_the_least_practised() {
        let candidates = vec![
            candidate(1, "db", 2),
            candidate(2, "os", 1),
            candidate(3, "db", 0),
        ];
        let db = QuestionFilter {
            category: Some(Category::parse("db").unwrap()),
            difficulty: None,
        };
        assert_eq!(
            pick_solo(&[2, 1], &candidates, &QuestionFilter::default(), 7),
            Some(2)
        );
        assert_eq!(
            pick_solo(&[2, 1], &candidates, &db, 7),
            Some(1),
            "os is filtered out"
        );
        assert_eq!(
            pick_solo(&[], &candidates, &db, 7),
            Some(3),
            "never practised first"
        );
        assert_eq!(
            pick_solo(&[9], &candidates, &QuestionFilter::default(), 7),
            Some(3),
            "a retired review"
        );
        let none = QuestionFilter {
            category: Some(Category::parse("net").unwrap()),
            difficulty: None,
        };
        assert_eq!(pick_solo(&[1], &candidates, &none, 7), None);
    }
}
