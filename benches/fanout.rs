//! Posting fan-out: 1,000 channels due in the same minute, every REST request 50 ms slower (a
//! round trip to Discord), through the real bot against the fake Discord (which enforces
//! Discord's global limit of 50 requests per second).
//!
//! `cargo bench --bench fanout` prints when the last channel had its question and thread, the
//! floor that Discord's global limit allows at two requests per channel, and the ratio; nothing
//! here asserts a speed.

use chrono::{TimeZone, Utc};
use dailyq::clock::ManualClock;
use dailyq::discord::{Data, SchedulerOptions, build_client};
use dailyq::domain::round::ChannelSchedule;
use dailyq::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
use dailyq::domain::{ChannelId, GuildId, UserId};
use dailyq::store::Store;
use fake_discord::{FakeConfig, FakeDiscord};
use poise::serenity_prelude as serenity;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHANNELS: usize = 1000;
const LATENCY: Duration = Duration::from_millis(50);
/// Discord's global limit, and the fewest requests a post needs (the question and its thread).
const GLOBAL_PER_SECOND: f64 = 50.0;
const FLOOR_REQUESTS_PER_CHANNEL: f64 = 2.0;

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
    let channels: Vec<u64> = (0..CHANNELS).map(|i| fake.channel(&format!("c{i}"))).collect();
    for &channel in &channels {
        let schedule = ChannelSchedule {
            channel_id: ChannelId(channel),
            guild_id: guild,
            post_time,
            filter: Default::default(),
            answer_window: AnswerWindow::default_window(),
            ping_role: None,
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
    let mut client = build_client(http, data.clone(), options).await.unwrap();
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    fake.gateway().wait_ready(Duration::from_secs(30)).await.unwrap();
    fake.wait_for_command("dailyq", Duration::from_secs(30))
        .await
        .unwrap();

    fake.faults().set_delay(LATENCY);
    let requests_before = fake.rest_records().len();
    clock.set(post_time.next_after(start).at);
    data.wake.notify_one();
    let began = Instant::now();
    let date = post_time.next_after(start).date;
    let mut done = 0;
    while done < CHANNELS {
        tokio::time::sleep(Duration::from_millis(250)).await;
        done = 0;
        for &channel in &channels {
            if let Some(round) = store.round_on(ChannelId(channel), date).await.unwrap()
                && round.thread_id.is_some()
            {
                done += 1;
            }
        }
        assert!(
            began.elapsed() < Duration::from_secs(600),
            "only {done} channels posted in 10 minutes"
        );
    }
    let took = began.elapsed().as_secs_f64();
    let records = fake.rest_records()[requests_before..].to_vec();
    let requests = records.len();
    let refused = records.iter().filter(|r| r.status == 429).count();
    let floor = CHANNELS as f64 * FLOOR_REQUESTS_PER_CHANNEL / GLOBAL_PER_SECOND;
    println!(
        "fan-out: {CHANNELS} channels posted (question + thread) in {took:.1} s with {} ms per request; \
         floor {floor:.0} s (2 requests per channel at 50/s); ratio {:.2}",
        LATENCY.as_millis(),
        took / floor
    );
    println!(
        "fan-out: {requests} REST requests, {:.2} per channel (the floor is 2), of which {refused} answered 429",
        requests as f64 / CHANNELS as f64
    );

    data.stop_background();
    shards.shutdown_all().await;
    task.abort();
}
