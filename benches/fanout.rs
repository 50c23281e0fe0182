//! Fan-out: 1,000 channels due in the same minute, then their 1,000 rounds due to reveal
//! together, every REST request 50 ms slower (a round trip to Discord), through the real bot
//! against the fake Discord (which enforces Discord's global limit of 50 requests per second).
//!
//! `cargo bench --bench fanout` prints, for the posts and for the reveals, when the last channel
//! was done, the floor that Discord's global limit allows for the requests that work needs, the
//! ratio (the target is 1.15 at most), requests per channel and the 429s met; for the reveals
//! also how many ⬆️ reaction lists were read. Nothing here asserts a speed.

use chrono::{TimeZone, Utc};
use dailyq::clock::ManualClock;
use dailyq::discord::{Data, SchedulerOptions, build_client};
use dailyq::domain::round::ChannelSchedule;
use dailyq::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
use dailyq::domain::{ChannelId, GuildId, MessageId, UserId};
use dailyq::store::Store;
use fake_discord::{FakeConfig, FakeDiscord, RestRecord};
use poise::serenity_prelude as serenity;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHANNELS: usize = 1000;
const LATENCY: Duration = Duration::from_millis(50);
/// Discord's global limit.
const GLOBAL_PER_SECOND: f64 = 50.0;
/// The fewest requests a post needs: the question (with its instructions) and its thread.
const POST_REQUESTS: f64 = 2.0;
/// The fewest requests a reveal needs: lock the thread, read it (one page per 100 messages),
/// the reference answer, the summary, archive the thread.
const REVEAL_REQUESTS: f64 = 5.0;
/// The target: within 1.15 × the floor.
const TARGET_RATIO: f64 = 1.15;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let start = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    let clock = ManualClock::new(start);
    let source = clock.clone();
    let mut config = FakeConfig::default().with_time_source(move || dailyq::clock::Clock::now(&source));
    for i in 0..CHANNELS {
        config = config.with_channel(&format!("c{i}"));
    }
    let fake = FakeDiscord::start(config).await;

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fanout.db").display());
    let store = Store::open(&url).await.unwrap();
    let bank =
        dailyq::bank::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap();
    store.sync_bank(&bank, start).await.unwrap();
    let guild = GuildId(fake.guild_id());
    store.ensure_guild(guild, start).await.unwrap();
    let post_time = PostTime {
        time: LocalTime::parse("09:30").unwrap(),
        timezone: Timezone::utc(),
        weekdays: Weekdays::parse("daily").unwrap(),
    };
    let window = AnswerWindow::default_window();
    let channels: Vec<u64> = (0..CHANNELS).map(|i| fake.channel(&format!("c{i}"))).collect();
    for &channel in &channels {
        let schedule = ChannelSchedule {
            channel_id: ChannelId(channel),
            guild_id: guild,
            post_time,
            filter: Default::default(),
            answer_window: window,
            ping_role: None,
            remind_before: None,
            blind: None,
            source: dailyq::domain::rotation::QuestionSource::Both,
            paused: false,
            next_post_at: post_time.next_after(start).at,
            created_by: UserId(1),
        };
        store.upsert_schedule(&schedule, start).await.unwrap();
    }

    let http = serenity::HttpBuilder::new(fake.bot_token())
        .client(fake.production_client())
        .build();
    let data = Data::new(store.clone(), Arc::new(clock.clone()), true);
    let options = SchedulerOptions {
        max_sleep: Duration::from_millis(100),
        ..SchedulerOptions::default()
    };
    println!(
        "fan-out: {} channels at once ({} per guild), REST paced at {}/s",
        options.parallel_channels,
        options.per_guild_channels,
        data.rest.rate()
    );
    let mut client = build_client(http, data.clone(), options).await.unwrap();
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    fake.gateway().wait_ready(Duration::from_secs(30)).await.unwrap();
    fake.wait_for_command("dailyq", Duration::from_secs(30))
        .await
        .unwrap();
    fake.faults().set_delay(LATENCY);

    // Posts: the clock reaches 09:30 for every channel at once.
    let posted_at = post_time.next_after(start);
    let before = fake.rest_records().len();
    clock.set(posted_at.at);
    data.wake.notify_one();
    let began = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = dailyq::clock::Clock::now(&clock);
        let waiting = store.due_schedules(now).await.unwrap().len()
            + store.pending_rounds().await.unwrap().len()
            + store.open_rounds_without_thread().await.unwrap().len();
        if waiting == 0 {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(600),
            "{waiting} channels still not posted after 10 minutes"
        );
    }
    let took = began.elapsed().as_secs_f64();
    let posts = fake.rest_records()[before..].to_vec();
    let mut threads = Vec::new();
    for &channel in &channels {
        let round = store.round_on(ChannelId(channel), posted_at.date).await.unwrap();
        threads.push(round.and_then(|r| r.thread_id).expect("every channel posted").0);
    }
    report("posts", "question + thread", took, &posts, POST_REQUESTS);

    // Answers: one per round, with the bot's ⬆️ and two upvotes, all seen live.
    let (alice, bob, carol) = (fake.member("alice"), fake.member("bob"), fake.member("carol"));
    let answers: Vec<(u64, u64)> = threads
        .iter()
        .map(|&t| {
            (
                t,
                alice.say(t, "An answer long enough to count as one, about indexes."),
            )
        })
        .collect();
    let bot = fake.bot_user_id();
    wait_for("the bot's ⬆️ on every answer", || {
        answers.iter().all(|&(_, a)| {
            fake.reactions(a)
                .iter()
                .any(|r| r.emoji == "⬆️" && r.users.contains(&bot))
        })
    })
    .await;
    for &(t, a) in &answers {
        bob.react(t, a, "⬆️");
        carol.react(t, a, "⬆️");
    }
    let mut unseen: Vec<u64> = answers.iter().map(|&(_, a)| a).collect();
    let waited = Instant::now();
    while !unseen.is_empty() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut left = Vec::new();
        for a in unseen {
            if store.vote_count(MessageId(a)).await.unwrap() < 2 {
                left.push(a);
            }
        }
        unseen = left;
        assert!(waited.elapsed() < Duration::from_secs(300), "votes not recorded");
    }

    // Reveals: every deadline passes at once.
    let before = fake.rest_records().len();
    clock.set(posted_at.at + window.duration() + chrono::Duration::minutes(1));
    data.wake.notify_one();
    let began = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = dailyq::clock::Clock::now(&clock);
        let waiting = store.due_reveals(now).await.unwrap().len();
        if waiting == 0 {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(600),
            "{waiting} rounds still not revealed after 10 minutes"
        );
    }
    let took = began.elapsed().as_secs_f64();
    let reveals = fake.rest_records()[before..].to_vec();
    report(
        "reveals",
        "lock, read, reference answer, summary, archive",
        took,
        &reveals,
        REVEAL_REQUESTS,
    );
    let lists = reveals
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/reactions/"))
        .count();
    println!(
        "reveals: {lists} ⬆️ reaction lists read for {} answers ({:.3} per answer; every count matched what was recorded live)",
        answers.len(),
        lists as f64 / answers.len() as f64
    );

    data.stop_background();
    shards.shutdown_all().await;
    task.abort();
}

/// Prints the figure, the floor Discord's global limit allows, the ratio against the target,
/// and the requests made.
fn report(what: &str, minimal: &str, took: f64, records: &[RestRecord], per_channel: f64) {
    let requests = records.len();
    let refused = records.iter().filter(|r| r.status == 429).count();
    let floor = CHANNELS as f64 * per_channel / GLOBAL_PER_SECOND;
    println!(
        "{what}: {CHANNELS} channels done in {took:.1} s with {} ms per request; floor {floor:.0} s \
         ({per_channel} requests per channel at 50/s: {minimal}); ratio {:.3} (target ≤ {TARGET_RATIO})",
        LATENCY.as_millis(),
        took / floor
    );
    println!(
        "{what}: {requests} REST requests, {:.2} per channel (the floor is {per_channel}), of which {refused} answered 429",
        requests as f64 / CHANNELS as f64
    );
}

/// Polls `done` (cheap, in memory) until it holds.
async fn wait_for(what: &str, done: impl Fn() -> bool) {
    let began = Instant::now();
    while !done() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            began.elapsed() < Duration::from_secs(300),
            "timed out waiting for {what}"
        );
    }
}
