//! Store throughput on SQLite (always) and PostgreSQL (when `DAILYQ_TEST_POSTGRES_URL` is set).
//!
//! `cargo bench --bench store` prints figures; nothing here asserts a speed.

use chrono::{Duration, TimeZone, Utc};
use dailyq::domain::leaderboard::rank;
use dailyq::domain::scoring::{Award, AwardKind};
use dailyq::domain::{ChannelId, GuildId, MessageId, UserId};
use dailyq::store::{NewRound, Store};
use std::time::Instant;

const TASKS: u64 = 20;
const VOTES_PER_TASK: u64 = 200;
const ROUNDS: u64 = 300;
const MEMBERS_PER_ROUND: u64 = 30;

async fn bench(label: &str, store: &Store) {
    let now = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    let guild = GuildId(1);
    store.ensure_guild(guild, now).await.unwrap();
    let bank =
        dailyq::bank::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap();
    let started = Instant::now();
    store.sync_bank(&bank, now).await.unwrap();
    println!(
        "{label}: sync of {} questions: {:?}",
        bank.len(),
        started.elapsed()
    );
    let question = store
        .rotation_candidates(guild, dailyq::domain::rotation::QuestionSource::Both)
        .await
        .unwrap()[0]
        .key;

    // Concurrent votes: 20 tasks adding and removing votes on 10 answers.
    let round = store
        .claim_round(
            &NewRound {
                kind: dailyq::domain::round::RoundKind::Daily,
                remind_at: None,
                answers_close_at: None,
                queued: None,
                guild_id: guild,
                channel_id: ChannelId(1),
                question_id: question,
                scheduled_date: now.date_naive(),
                opens_at: now,
                closes_at: now + Duration::hours(1),
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
    for a in 0..10 {
        store
            .record_answer(round.id, MessageId(100 + a), UserId(5000 + a), None, now)
            .await
            .unwrap();
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..VOTES_PER_TASK {
                let answer = MessageId(100 + i % 10);
                store.add_vote(answer, UserId(t + 1), now).await.unwrap();
                if i % 2 == 1 {
                    store.remove_vote(answer, UserId(t + 1)).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ops = TASKS * VOTES_PER_TASK * 3 / 2;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label}: {ops} vote writes from {TASKS} tasks in {secs:.2} s = {:.0} writes/s",
        ops as f64 / secs
    );

    // Reveals: claim, open and close rounds with 30 awards each (one transaction per close).
    let started = Instant::now();
    for r in 0..ROUNDS {
        let date = now.date_naive() + Duration::days(r as i64 + 1);
        let new = NewRound {
            kind: dailyq::domain::round::RoundKind::Daily,
            remind_at: None,
            answers_close_at: None,
            queued: None,
            guild_id: guild,
            channel_id: ChannelId(2),
            question_id: question,
            scheduled_date: date,
            opens_at: now,
            closes_at: now,
        };
        let round = store.claim_round(&new, now).await.unwrap().unwrap();
        store
            .mark_round_posted(round.id, MessageId(10_000 + r))
            .await
            .unwrap();
        let awards: Vec<Award> = (0..MEMBERS_PER_ROUND)
            .map(|m| Award {
                member: UserId(m + 1),
                kind: AwardKind::Answer,
                points: 2,
            })
            .collect();
        let round = store.round(round.id).await.unwrap();
        store
            .close_round(&round, &awards, now + Duration::days(r as i64))
            .await
            .unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label}: {ROUNDS} rounds claimed, posted and closed with {MEMBERS_PER_ROUND} awards + streaks each in {secs:.2} s = {:.1} ms/round",
        secs * 1000.0 / ROUNDS as f64
    );

    // Leaderboard over the whole ledger.
    let started = Instant::now();
    let mut size = 0;
    for _ in 0..50 {
        size = rank(store.standings(guild, None, None).await.unwrap()).len();
    }
    println!(
        "{label}: all-time leaderboard over {} ledger lines ({size} members): {:.2} ms/query",
        ROUNDS * MEMBERS_PER_ROUND,
        started.elapsed().as_secs_f64() * 1000.0 / 50.0
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    bench("sqlite", &store).await;
    store.close().await;

    if let Ok(admin) = std::env::var("DAILYQ_TEST_POSTGRES_URL") {
        use sqlx::{Connection, Executor};
        let name = format!("dailyq_bench_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        let store = Store::open(url.as_str()).await.unwrap();
        bench("postgres", &store).await;
        store.close().await;
        conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
            .await
            .unwrap();
    } else {
        println!("postgres: skipped (set DAILYQ_TEST_POSTGRES_URL to a server)");
    }
}
