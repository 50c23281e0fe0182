//! Several `dailyq` processes on one PostgreSQL, each running a range of Discord's shards: two
//! real binaries with two shards each (`0-1/4`, `2-3/4`) and eight guilds. Every guild's round is
//! posted and revealed exactly once, by the process that owns the guild; killing one process
//! leaves the other's guilds untouched, and a replacement with the same range picks up the dead
//! one's guilds.

use crate::binary::{Bot, dailyq_run};
use crate::common::TestDb;
use chrono::{DateTime, Duration, DurationRound, Utc};
use dailyq::domain::rotation::QuestionFilter;
use dailyq::domain::round::{ChannelSchedule, Round, RoundState};
use dailyq::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
use dailyq::domain::shards::ShardRange;
use dailyq::domain::{ChannelId, GuildId, UserId};
use dailyq::store::Store;
use fake_discord::{FakeConfig, FakeDiscord};
use std::collections::BTreeSet;
use std::path::Path;

/// Long enough for a loaded machine to start a process, connect its two shards (serenity waits
/// 5 s between them) and post.
const WITHIN: std::time::Duration = std::time::Duration::from_secs(120);

/// Polls `check` until it gives a value (the database or the fake changed), or fails the test.
async fn until<T, Fut>(what: &str, mut check: impl FnMut() -> Fut) -> T
where
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A daily schedule in `channel` whose post is due now, with the post instant `at` (a whole
/// minute), so its round closes at `at + window`.
fn due_schedule(
    guild: u64,
    channel: u64,
    owner: u64,
    at: DateTime<Utc>,
    window: Duration,
) -> ChannelSchedule {
    let minutes = at
        .time()
        .signed_duration_since(chrono::NaiveTime::MIN)
        .num_minutes();
    ChannelSchedule {
        channel_id: ChannelId(channel),
        guild_id: GuildId(guild),
        post_time: PostTime {
            time: LocalTime::from_minutes(u16::try_from(minutes).unwrap()).unwrap(),
            timezone: Timezone::parse("UTC").unwrap(),
            weekdays: Weekdays::DAILY,
        },
        filter: QuestionFilter::default(),
        answer_window: AnswerWindow::new(window).unwrap(),
        ping_role: None,
        remind_before: None,
        blind: None,
        source: dailyq::domain::rotation::QuestionSource::Both,
        paused: false,
        next_post_at: at,
        created_by: UserId(owner),
    }
}

/// `dailyq run` for shards `range` on the test's PostgreSQL database.
fn process(fake: &FakeDiscord, db: &TestDb, dir: &Path, range: &str) -> Bot {
    let mut cmd = dailyq_run(dir);
    cmd.env("DISCORD_TOKEN", fake.bot_token())
        .env("DISCORD_PROXY_URL", fake.proxy_base())
        .env("DATABASE_URL", db.url())
        .env("DAILYQ_SHARDS", range);
    Bot::spawn(cmd)
}

/// The `key=` values of the log lines that contain `message`.
fn logged(output: &str, message: &str, key: &str) -> BTreeSet<u64> {
    let prefix = format!("{key}=");
    output
        .lines()
        .filter(|l| l.contains(message))
        .filter_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix(prefix.as_str())))
        .map(|v| v.parse().expect("an id"))
        .collect()
}

/// The one round of each channel in this test, whatever its state (dated today, or yesterday
/// when the test started just after midnight).
async fn rounds_of(store: &Store, channels: &[u64]) -> Vec<Option<Round>> {
    let today = Utc::now().date_naive();
    let mut rounds = Vec::new();
    for c in channels {
        let mut found = None;
        for date in [today, today - Duration::days(1)] {
            if found.is_none() {
                found = store.round_on(ChannelId(*c), date).await.unwrap();
            }
        }
        rounds.push(found);
    }
    rounds
}

/// Waits until every channel's round is in `state` (and posted with its thread); returns them.
async fn all_in_state(store: &Store, channels: &[u64], state: RoundState, what: &str) -> Vec<Round> {
    until(what, || async {
        let rounds: Option<Vec<Round>> = rounds_of(store, channels).await.into_iter().collect();
        rounds.filter(|rs| rs.iter().all(|r| r.state == state && r.thread_id.is_some()))
    })
    .await
}

/// One question (its instructions inside) and one summary in the channel, and one reference
/// answer in the thread, all by the bot.
fn assert_posted_and_revealed_once(fake: &FakeDiscord, round: &Round) {
    let by_bot = |channel: u64| fake.messages(channel).into_iter().filter(|m| m.by_bot).count();
    let channel = round.channel_id.0;
    let thread = round.thread_id.expect("a thread").0;
    assert_eq!(by_bot(channel), 2, "question and summary in {channel}");
    assert_eq!(by_bot(thread), 1, "the reference answer in {thread}");
    assert_eq!(fake.threads(channel).len(), 1, "one thread in {channel}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_with_two_shards_each_post_and_reveal_every_guild_once_and_a_replacement_resumes_a_dead_ones_guilds()
 {
    let Some(db) = TestDb::postgres().await else {
        println!("skipped: the multi-process test needs PostgreSQL (DAILYQ_TEST_POSTGRES_URL)");
        return;
    };
    let fake = FakeDiscord::start(FakeConfig::default().with_guilds(8).with_shards(4)).await;
    let low = ShardRange::parse("0-1/4").unwrap();
    let guilds = fake.guild_ids();
    let owner = fake.owner().id;
    let channel = |g: u64| fake.channel_in(g, "dailyq");
    let (low_guilds, high_guilds): (Vec<u64>, Vec<u64>) = guilds.iter().partition(|g| low.owns(GuildId(**g)));
    assert_eq!((low_guilds.len(), high_guilds.len()), (4, 4));
    let low_channels: Vec<u64> = low_guilds.iter().map(|g| channel(*g)).collect();
    let high_channels: Vec<u64> = high_guilds.iter().map(|g| channel(*g)).collect();

    // Every guild's post is due now. The low guilds' rounds close at the next whole minute
    // at least a minute away; the high guilds' in a day (their process dies before that).
    let store = &db.store;
    let questions =
        dailyq::bank::load_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/questions"))).unwrap();
    store.sync_bank(&questions, Utc::now()).await.unwrap();
    let now = Utc::now();
    let closes = (now + Duration::minutes(2))
        .duration_trunc(Duration::minutes(1))
        .unwrap();
    for (g, window) in guilds.iter().map(|g| {
        let window = if low.owns(GuildId(*g)) {
            Duration::minutes(10)
        } else {
            Duration::hours(23)
        };
        (*g, window)
    }) {
        store.ensure_guild(GuildId(g), now).await.unwrap();
        let at = if window == Duration::minutes(10) {
            closes - window
        } else {
            now.duration_trunc(Duration::minutes(1)).unwrap()
        };
        store
            .upsert_schedule(&due_schedule(g, channel(g), owner, at, window), now)
            .await
            .unwrap();
    }

    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = process(&fake, &db, dir_a.path(), "0-1/4");
    let mut b = process(&fake, &db, dir_b.path(), "2-3/4");

    // Posted: each guild once, by its own process.
    let all: Vec<u64> = low_channels.iter().chain(&high_channels).copied().collect();
    let posted = all_in_state(store, &all, RoundState::Open, "every guild's round posted").await;
    until("all four shards connected", || async {
        (fake.connected_shards() == vec![[0, 4], [1, 4], [2, 4], [3, 4]]).then_some(())
    })
    .await;
    for round in &posted {
        let questions = fake
            .messages(round.channel_id.0)
            .into_iter()
            .filter(|m| m.by_bot)
            .count();
        assert_eq!(questions, 1, "one question in {}", round.channel_id);
    }
    let set = |v: &[u64]| v.iter().copied().collect::<BTreeSet<u64>>();
    assert_eq!(
        logged(&a.output(), "round claimed", "channel"),
        set(&low_channels),
        "{}",
        a.output()
    );
    assert_eq!(
        logged(&b.output(), "round claimed", "channel"),
        set(&high_channels),
        "{}",
        b.output()
    );

    // Process B dies. Its guilds' deadlines are moved before process A's reveal: if A looked
    // at guilds beyond its shards, it would reveal them too when it wakes for its own.
    b.kill();
    until("the dead process's shards disconnected", || async {
        (fake.connected_shards() == vec![[0, 4], [1, 4]]).then_some(())
    })
    .await;
    let high_rounds: Vec<Round> = posted
        .iter()
        .filter(|r| high_channels.contains(&r.channel_id.0))
        .cloned()
        .collect();
    for r in &high_rounds {
        assert!(store.reveal_now(r.id, Utc::now()).await.unwrap());
    }
    let revealed_low = all_in_state(store, &low_channels, RoundState::Closed, "process A's reveals").await;
    assert!(Utc::now() >= closes, "A revealed at its own deadline");
    for r in rounds_of(store, &high_channels).await {
        let r = r.unwrap();
        assert_eq!(
            r.state,
            RoundState::Open,
            "B's guild {} untouched by A",
            r.guild_id
        );
        assert_eq!(r.reveal_attempts, 0);
        assert_eq!(
            fake.messages(r.thread_id.unwrap().0)
                .iter()
                .filter(|m| m.by_bot)
                .count(),
            0,
            "no reference answer in B's threads"
        );
    }
    let a_revealed = logged(&a.output(), "round revealed and scored", "round");
    assert_eq!(a_revealed, revealed_low.iter().map(|r| r.id as u64).collect());

    // A replacement with B's range starts and reveals B's overdue rounds at once.
    let dir_c = tempfile::tempdir().unwrap();
    let c = process(&fake, &db, dir_c.path(), "2-3/4");
    let revealed_high = all_in_state(
        store,
        &high_channels,
        RoundState::Closed,
        "the replacement's reveals",
    )
    .await;
    let c_revealed = logged(&c.output(), "round revealed and scored", "round");
    assert_eq!(c_revealed, revealed_high.iter().map(|r| r.id as u64).collect());
    assert!(
        logged(&c.output(), "round claimed", "channel").is_empty(),
        "nothing posted twice"
    );
    assert!(logged(&a.output(), "round revealed and scored", "round") == a_revealed);

    for round in revealed_low.iter().chain(&revealed_high) {
        assert_posted_and_revealed_once(&fake, round);
    }
    drop((a, c));
    db.finish().await;
}
