//! Vote ingest: ⬆️ reaction events through the fake gateway into the real bot (serenity + poise,
//! the shard runner, the bounded vote queue, the group-committing writer, SQLite).
//!
//! `cargo bench --bench ingest` prints two cases, asserting only exact counts:
//! 1. 20,000 upvotes: votes per second, against this machine's raw SQLite single-row insert
//!    rate measured here with the `sqlite3` CLI (WAL, `synchronous = NORMAL` as the bot uses,
//!    one autocommitted `INSERT` per row into the same `votes` table), and the ratio.
//! 2. Backlogs of 100,000 and 1,000,000 upvotes sent as fast as the bot reads them, each in a
//!    child process: the exact count, and how much the resident set (the bot, the fake Discord
//!    and SQLite together) grows during the flood. Memory bounded by backpressure grows the same
//!    for both; a task or a queued event per reaction would grow ten times more for the larger.

use chrono::{Duration as Days, TimeZone, Utc};
use dailyq::clock::ManualClock;
use dailyq::discord::{Data, SchedulerOptions, build_client};
use dailyq::domain::{ChannelId, GuildId, MessageId, UserId};
use dailyq::store::{NewRound, Store};
use fake_discord::{FakeConfig, FakeDiscord, FloodReaction};
use poise::serenity_prelude as serenity;
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Upvotes of the first case.
const VOTES: u64 = 20_000;
/// Answers they are spread over (VOTES / ANSWERS voters each).
const ANSWERS: u64 = 100;
/// Upvotes of the backlog case: 1,000 answers × 1,000 voters.
const BACKLOG: u64 = 1_000_000;
const BACKLOG_ANSWERS: u64 = 1_000;
/// Set in the child process that runs one backlog case (its value: the number of upvotes).
const BACKLOG_CHILD: &str = "DAILYQ_INGEST_BACKLOG";

/// Where ids of synthetic answers and voters start (above every id the fake hands out).
const ANSWER_BASE: u64 = 9_000_000_000_000_000;
const VOTER_BASE: u64 = 8_000_000_000_000_000;

struct Bot {
    data: Data,
    shards: Arc<serenity::ShardManager>,
    task: tokio::task::JoinHandle<Result<(), serenity::Error>>,
}

/// A database with one open round in `thread` whose `answers` answers are by distinct members.
async fn prepared_store(
    dir: &std::path::Path,
    name: &str,
    fake: &FakeDiscord,
    thread: u64,
    answers: u64,
) -> Store {
    let start = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    let url = format!("sqlite://{}", dir.join(name).display());
    let store = Store::open(&url).await.unwrap();
    let bank =
        dailyq::bank::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap();
    store.sync_bank(&bank, start).await.unwrap();
    let guild = GuildId(fake.guild_id());
    store.ensure_guild(guild, start).await.unwrap();
    let round = store
        .claim_round(
            &NewRound {
                kind: dailyq::domain::round::RoundKind::Daily,
                remind_at: None,
                answers_close_at: None,
                queued: None,
                guild_id: guild,
                channel_id: ChannelId(fake.channel("dailyq")),
                question_id: 1,
                scheduled_date: start.date_naive(),
                opens_at: start,
                closes_at: start + Days::days(1),
            },
            start,
        )
        .await
        .unwrap()
        .unwrap();
    store
        .mark_round_posted(round.id, MessageId(thread))
        .await
        .unwrap();
    store.set_round_thread(round.id, ChannelId(thread)).await.unwrap();
    for a in 0..answers {
        store
            .record_answer(
                round.id,
                MessageId(ANSWER_BASE + a),
                UserId(ANSWER_BASE + a),
                Some("an answer"),
                start,
            )
            .await
            .unwrap();
    }
    store
}

async fn start_bot(fake: &FakeDiscord, store: &Store) -> Bot {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 6, 10, 10, 0, 0).unwrap());
    let http = serenity::HttpBuilder::new(fake.bot_token())
        .client(fake.production_client())
        .build();
    let data = Data::new(store.clone(), Arc::new(clock), true);
    let mut client = build_client(http, data.clone(), SchedulerOptions::default())
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    fake.gateway().wait_ready(Duration::from_secs(30)).await.unwrap();
    fake.wait_for_command("dailyq", Duration::from_secs(30))
        .await
        .unwrap();
    Bot { data, shards, task }
}

async fn stop_bot(bot: Bot) {
    bot.data.stop_background();
    bot.shards.shutdown_all().await;
    bot.task.abort();
}

/// `answers` × `per_answer` upvotes, voter-major so consecutive events hit different answers.
fn upvotes(thread: u64, answers: u64, per_answer: u64) -> impl Iterator<Item = FloodReaction> + Send {
    (0..per_answer).flat_map(move |v| {
        (0..answers).map(move |a| FloodReaction {
            user: VOTER_BASE + v,
            channel: thread,
            message: ANSWER_BASE + a,
            added: true,
        })
    })
}

async fn stored_votes(store: &Store, answers: u64) -> u64 {
    let mut total = 0;
    for a in 0..answers {
        total += store.vote_count(MessageId(ANSWER_BASE + a)).await.unwrap();
    }
    total
}

/// Waits until the bot's vote writer has finished `n` events (or fails after 10 minutes).
async fn wait_written(bot: &Bot, n: u64, what: &str, mut sample: impl FnMut()) -> f64 {
    let began = Instant::now();
    while bot.data.votes.done() < n {
        sample();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            began.elapsed() < Duration::from_secs(600),
            "{what}: only {} of {n} events written in 10 minutes",
            bot.data.votes.done()
        );
    }
    began.elapsed().as_secs_f64()
}

/// Raw single-row insert rate of this machine's SQLite, with the `sqlite3` CLI.
fn raw_sqlite_insert_rate(dir: &std::path::Path, rows: u64) -> f64 {
    let db = dir.join("raw.db");
    let mut script = String::from(
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n\
         CREATE TABLE votes (answer_message_id INTEGER NOT NULL, voter_id INTEGER NOT NULL, \
         created_at INTEGER NOT NULL, PRIMARY KEY (answer_message_id, voter_id));\n\
         CREATE INDEX votes_voter ON votes (voter_id);\n.timer off\n",
    );
    let run = |script: &str| {
        let mut child = std::process::Command::new("sqlite3")
            .arg(&db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the sqlite3 CLI (apt install sqlite3)");
        child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    };
    run(&script);
    script.clear();
    script.push_str("PRAGMA synchronous = NORMAL;\n");
    for i in 0..rows {
        script.push_str(&format!(
            "INSERT INTO votes VALUES ({}, {}, 1781082000000);\n",
            ANSWER_BASE + i % ANSWERS,
            VOTER_BASE + i / ANSWERS
        ));
    }
    let began = Instant::now();
    run(&script);
    rows as f64 / began.elapsed().as_secs_f64()
}

/// This process's resident set now and at its peak since the last reset, in MiB.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Ok(total) = std::env::var(BACKLOG_CHILD) {
        backlog(total.parse().expect("a count of upvotes")).await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();

    // Case 1: 20,000 upvotes.
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let thread = ANSWER_BASE - 1;
    let store = prepared_store(dir.path(), "ingest.db", &fake, thread, ANSWERS).await;
    let bot = start_bot(&fake, &store).await;
    assert!(
        fake.gateway()
            .flood_reactions(upvotes(thread, ANSWERS, VOTES / ANSWERS))
    );
    let took = wait_written(&bot, VOTES, "20,000 upvotes", || {}).await;
    let stored = stored_votes(&store, ANSWERS).await;
    assert_eq!(stored, VOTES, "every upvote stored exactly once");
    stop_bot(bot).await;
    let rate = VOTES as f64 / took;
    let raw = raw_sqlite_insert_rate(dir.path(), VOTES);
    println!(
        "ingest: {VOTES} upvotes through the gateway stored exactly ({stored}) in {took:.2} s: {rate:.0} votes/s; \
         raw SQLite single-row inserts (sqlite3 CLI, WAL, synchronous=NORMAL): {raw:.0}/s; ratio {:.2} (target ≥ 0.5)",
        rate / raw
    );

    // Case 2: backlogs of 100,000 and 1,000,000 upvotes, each in a process of its own so that
    // neither inherits the other's heap.
    let small = backlog_in_child(BACKLOG / 10);
    let large = backlog_in_child(BACKLOG);
    println!(
        "ingest backlog: peak RSS growth during the flood {:.1} MiB at {BACKLOG} upvotes; limit {:.1} MiB \
         (1.5 × the growth at {} upvotes, {:.1} MiB: memory bounded by the queue, not by the backlog); ratio {:.2}",
        large,
        small * 1.5,
        BACKLOG / 10,
        small,
        large / (small * 1.5)
    );
}

/// Runs the backlog case for `total` upvotes in a child process (this benchmark again) and
/// returns its peak RSS growth in MiB; the child's report is printed as it comes.
fn backlog_in_child(total: u64) -> f64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(BACKLOG_CHILD, total.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run the backlog case");
    assert!(out.status.success(), "the backlog case of {total} failed");
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("growth "))
        .and_then(|g| g.trim().parse().ok())
        .expect("the backlog case prints its growth")
}

/// The backlog case itself: `total` upvotes over `BACKLOG_ANSWERS` answers sent as fast as the
/// bot reads them; prints the time, the count and the peak resident set.
async fn backlog(total: u64) {
    let dir = tempfile::tempdir().unwrap();
    let thread = ANSWER_BASE - 1;
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let store = prepared_store(dir.path(), "backlog.db", &fake, thread, BACKLOG_ANSWERS).await;
    let bot = start_bot(&fake, &store).await;
    let (before, _) = rss_mib();
    // Resets VmHWM, so the peak below is the flood's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    assert!(
        fake.gateway()
            .flood_reactions(upvotes(thread, BACKLOG_ANSWERS, total / BACKLOG_ANSWERS))
    );
    let mut queued_max = 0u64;
    let took = wait_written(&bot, total, "the backlog", || {
        let sent = fake.gateway().stats().flooded;
        queued_max = queued_max.max(sent.saturating_sub(bot.data.votes.done()));
    })
    .await;
    let (_, peak) = rss_mib();
    let stored = stored_votes(&store, BACKLOG_ANSWERS).await;
    assert_eq!(stored, total, "every upvote of the backlog stored exactly once");
    stop_bot(bot).await;
    println!(
        "ingest backlog: {total} upvotes sent as fast as the bot reads stored exactly ({stored}) in {took:.1} s \
         ({:.0} votes/s); most sent but not yet written at once: {queued_max}; \
         peak RSS {peak:.1} MiB (bot, fake Discord and SQLite in one process; {before:.1} MiB before the flood)",
        total as f64 / took
    );
    println!("growth {:.1}", peak - before);
}
