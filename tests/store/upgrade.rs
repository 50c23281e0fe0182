//! Upgrading a database made before practice sessions and admin corrections: SQLite rebuilds
//! `rounds` and `score_ledger` (it cannot drop a UNIQUE constraint or relax NOT NULL), so every
//! daily round, its ledger lines, and what hangs off them, must come through intact.

use chrono::NaiveDate;
use dailyq::domain::round::{RoundKind, RoundState};
use dailyq::domain::{ChannelId, GuildId, MessageId, UserId};
use dailyq::store::{NewRound, Store};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::str::FromStr;

/// The last migration before practice sessions.
const BEFORE_SESSIONS: i64 = 20261203000000;

#[tokio::test]
async fn a_database_from_before_practice_sessions_keeps_its_rounds_answers_votes_and_points() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let old = sqlx::migrate::Migrator::new(migrations).await.unwrap();
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new().connect_with(options).await.unwrap();
    old.run_to(BEFORE_SESSIONS, &pool).await.unwrap();
    for sql in [
        "INSERT INTO guilds (guild_id, rotation_seed, joined_at, updated_at, standings_tz) VALUES (1, 7, 0, 0, 'UTC')",
        "INSERT INTO questions (id, slug, category, difficulty, prompt, answer, content_hash, created_at, updated_at)
         VALUES (5, 'q', 'databases', 'easy', 'Why?', 'Because.', 'h', 0, 0)",
        "INSERT INTO rounds (id, guild_id, channel_id, question_id, round_number, scheduled_date, state, nonce,
             message_id, thread_id, opens_at, closes_at, revealed_at, created_at, post_attempts, reveal_attempts)
         VALUES (3, 1, 2, 5, 1, '2026-06-10', 'closed', 'dq26061002', 40, 40, 1000, 2000, 2500, 900, 1, 1)",
        "INSERT INTO answers (message_id, round_id, author_id, content, created_at) VALUES (41, 3, 9, 'an answer', 1100)",
        "INSERT INTO votes (answer_message_id, voter_id, created_at) VALUES (41, 8, 1200)",
        "INSERT INTO score_ledger (guild_id, channel_id, member_id, round_id, kind, points, awarded_at)
         VALUES (1, 2, 9, 3, 'answer', 2, 1000)",
        "INSERT INTO streaks (channel_id, member_id, guild_id, current, best, last_round) VALUES (2, 9, 1, 1, 1, 1)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = Store::open(&url).await.expect("the upgrade applies");
    let day = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
    let round = store
        .round_on(ChannelId(2), day)
        .await
        .unwrap()
        .expect("the old round");
    assert_eq!(round.id, 3);
    assert_eq!(round.kind, RoundKind::Daily);
    assert_eq!((round.number, round.state), (1, RoundState::Closed));
    assert_eq!(round.message_id, Some(MessageId(40)));
    assert_eq!((round.post_attempts, round.reveal_attempts), (1, 1));
    let answers = store.round_answers(round.id).await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].author_id, UserId(9));
    assert_eq!(
        store.answer_voters(MessageId(41)).await.unwrap(),
        [UserId(8)].into_iter().collect()
    );
    assert_eq!(
        store.round_awards(round.id).await.unwrap(),
        vec![(UserId(9), "answer".to_owned(), 2)],
        "the ledger, rebuilt for corrections, keeps its lines"
    );
    let (streak, latest) = store.streak(ChannelId(2), UserId(9)).await.unwrap();
    assert_eq!((streak.current, latest), (1, 1));

    // New rounds number on: the next daily round is #2, the first practice question #1.
    let next = |kind, date| NewRound {
        kind,
        guild_id: GuildId(1),
        channel_id: ChannelId(2),
        question_id: 5,
        scheduled_date: date,
        opens_at: round.closes_at,
        closes_at: round.closes_at + chrono::Duration::hours(1),
        remind_at: None,
        answers_close_at: None,
        queued: None,
    };
    let tomorrow = day.succ_opt().unwrap();
    let daily = store
        .claim_round(&next(RoundKind::Daily, tomorrow), round.closes_at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(daily.number, 2);
    assert!(
        store
            .claim_round(&next(RoundKind::Daily, day), round.closes_at)
            .await
            .unwrap()
            .is_none(),
        "the old round still holds its date"
    );

    // Foreign keys still point at the rebuilt table and are enforced again.
    let pool = SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::from_str(&url).unwrap().foreign_keys(true))
        .await
        .unwrap();
    let broken = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "{} broken references", broken.len());
    let orphan = sqlx::query(
        "INSERT INTO answers (message_id, round_id, author_id, created_at) VALUES (99, 12345, 1, 0)",
    )
    .execute(&pool)
    .await;
    assert!(orphan.is_err(), "answers must still reference rounds");
    let kinds: Vec<String> = sqlx::query("SELECT kind FROM rounds ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(kinds, ["daily", "daily"]);
    let orphan_line = sqlx::query(
        "INSERT INTO score_ledger (guild_id, channel_id, member_id, round_id, kind, points, awarded_at) VALUES (1, 2, 9, 999, 'answer', 1, 0)",
    )
    .execute(&pool)
    .await;
    assert!(orphan_line.is_err(), "ledger lines must still reference rounds");
    pool.close().await;
    store.close().await;
}
