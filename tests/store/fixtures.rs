//! Small builders shared by the store tests.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use dailyq::bank::{BankQuestion, content_hash};
use dailyq::domain::question::{Category, Difficulty, Question, QuestionSlug};
use dailyq::domain::{ChannelId, GuildId};
use dailyq::store::{NewRound, Store};
use std::path::PathBuf;

pub const GUILD: GuildId = GuildId(900_000_000_000_000_001);
pub const CHANNEL: ChannelId = ChannelId(900_000_000_000_000_010);

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-10T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn question(slug: &str, category: &str, difficulty: Difficulty, answer: &str) -> BankQuestion {
    let question = Question {
        slug: QuestionSlug::parse(slug).unwrap(),
        category: Category::parse(category).unwrap(),
        difficulty,
        tags: vec!["tag".into()],
        prompt: format!("Prompt of {slug}?"),
        answer: answer.into(),
        hints: vec![],
        follow_ups: vec!["And then?".into()],
        sources: vec![],
        follows: None,
    };
    let content_hash = content_hash(&question);
    BankQuestion {
        question,
        file: PathBuf::from("test.toml"),
        line: 1,
        content_hash,
        distinct_from: Vec::new(),
    }
}

/// A guild with a three-question bank; returns the question keys.
pub async fn seeded(store: &Store) -> Vec<i64> {
    store.ensure_guild(GUILD, t0()).await.unwrap();
    let bank = vec![
        question("q-one", "databases", Difficulty::Easy, "one"),
        question("q-two", "databases", Difficulty::Hard, "two"),
        question("q-three", "caching", Difficulty::Easy, "three"),
    ];
    store.sync_bank(&bank, t0()).await.unwrap();
    let mut keys = Vec::new();
    for q in &bank {
        keys.push(
            store
                .shipped_question_key(&q.question.slug)
                .await
                .unwrap()
                .unwrap()
                .0,
        );
    }
    keys
}

pub fn new_round(question_id: i64, day: u32) -> NewRound {
    let opens_at = t0() + Duration::days(i64::from(day) - 10);
    NewRound {
        kind: dailyq::domain::round::RoundKind::Daily,
        remind_at: None,
        answers_close_at: None,
        queued: None,
        guild_id: GUILD,
        channel_id: CHANNEL,
        question_id,
        scheduled_date: NaiveDate::from_ymd_opt(2026, 6, day).unwrap(),
        opens_at,
        closes_at: opens_at + Duration::hours(23),
    }
}
