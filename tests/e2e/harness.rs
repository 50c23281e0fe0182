//! Starts the real dailyq bot (serenity + poise, ratelimiter on, TLS to a fake discord.com) on a
//! fresh database, with a clock the test moves.

use chrono::{DateTime, Duration, TimeZone, Utc};
use dailyq::clock::{Clock, ManualClock};
use dailyq::discord::{Data, SchedulerOptions, build_client};
use dailyq::store::Store;
use fake_discord::{FakeConfig, FakeDiscord, FakeMessage, Member, Opt};
use poise::serenity_prelude as serenity;
use std::sync::Arc;

use crate::common::TestDb;

/// How long any single wait may take before a test fails.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// The public base URL the bot under test gives its web pages (`/dailyq web on` answers with it).
pub const PUBLIC_URL: &str = "https://dailyq.test/";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// The bot, the fake Discord, the database and the clock of one test.
pub struct App {
    pub fake: FakeDiscord,
    pub clock: ManualClock,
    pub store: Store,
    db: Option<TestDb>,
    bot: Option<RunningBot>,
    message_content: bool,
    /// Whether the next (re)started bot runs its scheduler.
    scheduler: bool,
}

struct RunningBot {
    data: Data,
    shards: Arc<serenity::ShardManager>,
    task: tokio::task::JoinHandle<Result<(), serenity::Error>>,
}

/// A fixed start: Wednesday 2026-06-10 06:00 UTC.
pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 10, 6, 0, 0).unwrap()
}

impl App {
    /// Starts everything and waits until the bot is connected and its commands are registered.
    /// `None` when the backend is PostgreSQL and no server is configured.
    pub async fn start(backend: Backend) -> Option<App> {
        App::start_with(backend, FakeConfig::default()).await
    }

    /// Like [`App::start`] with a custom fake configuration.
    pub async fn start_with(backend: Backend, config: FakeConfig) -> Option<App> {
        App::start_configured(backend, config, true).await
    }

    /// Like [`App::start`], choosing whether the bot asks for MESSAGE_CONTENT. The fake takes
    /// "now" from the test's clock, so snowflakes and timestamps follow [`App::set_clock`].
    pub async fn start_configured(
        backend: Backend,
        config: FakeConfig,
        message_content: bool,
    ) -> Option<App> {
        crate::logs::init();
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await?,
        };
        let questions =
            dailyq::bank::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions"))
                .expect("shipped bank");
        db.store
            .sync_bank(&questions, start_instant())
            .await
            .expect("sync bank");
        let clock = ManualClock::new(start_instant());
        let source = clock.clone();
        let fake = FakeDiscord::start(config.with_time_source(move || source.now())).await;
        let store = db.store.clone();
        let mut app = App {
            fake,
            clock,
            store,
            db: Some(db),
            bot: None,
            message_content,
            scheduler: true,
        };
        app.start_bot().await;
        Some(app)
    }

    /// Starts (or restarts) the bot process on the same database and clock.
    pub async fn start_bot(&mut self) {
        let http = serenity::HttpBuilder::new(self.fake.bot_token())
            .client(self.fake.production_client())
            .build();
        let data = Data::new(
            self.store.clone(),
            Arc::new(self.clock.clone()),
            self.message_content,
        )
        .with_public_url(Some(PUBLIC_URL));
        let options = SchedulerOptions {
            max_sleep: std::time::Duration::from_millis(100),
            // Retries in real time, quickly: tests move the business clock themselves.
            backoff: dailyq::domain::retry::Backoff {
                base: std::time::Duration::from_millis(20),
                cap: std::time::Duration::from_millis(500),
            },
            ..Default::default()
        };
        // A restart must reach a *new* READY before the test goes on, or members could speak
        // while no session of the new process listens.
        let identified = self.fake.gateway().stats().identifies;
        if !self.scheduler {
            // The scheduler loop ends before its first tick.
            data.stop_background();
        }
        let mut client = build_client(http, data.clone(), options).await.expect("client");
        let shards = client.shard_manager.clone();
        let task = tokio::spawn(async move { client.start().await });
        self.bot = Some(RunningBot { data, shards, task });
        self.fake.gateway().wait_ready(WAIT).await.expect("bot ready");
        self.fake
            .wait_until(
                |f| (f.gateway().stats().identifies > identified).then_some(()),
                WAIT,
            )
            .await
            .expect("a new session");
        self.fake
            .wait_for_command("dailyq", WAIT)
            .await
            .expect("commands registered");
    }

    /// Restarts the bot with (`true`) or without its scheduler: without it, nothing but gateway
    /// events touches the database, and a deadline passes without a reveal.
    pub async fn restart_with_scheduler(&mut self, scheduler: bool) {
        self.stop_bot().await;
        self.scheduler = scheduler;
        self.start_bot().await;
    }

    /// What the running bot's handlers share (its vote queue, event counter, open threads).
    pub fn bot_data(&self) -> &Data {
        &self.bot.as_ref().expect("a running bot").data
    }

    /// [`scheduler_settled`] for the running bot.
    pub async fn settle(&self) {
        scheduler_settled(self.bot_data()).await;
    }

    /// Stops the bot as a crash would leave things: no goodbye, state only in the database.
    pub async fn stop_bot(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.data.stop_background();
            bot.shards.shutdown_all().await;
            bot.task.abort();
            let _ = bot.task.await;
        }
    }

    /// Stops everything and drops a PostgreSQL test database.
    pub async fn finish(mut self) {
        self.stop_bot().await;
        if let Some(db) = self.db.take() {
            db.finish().await;
        }
    }

    /// The URL of this test's database.
    pub fn db_url(&self) -> &str {
        self.db.as_ref().expect("database").url()
    }

    /// A channel id by name (`general`, `dailyq`).
    pub fn channel(&self, name: &str) -> u64 {
        self.fake.channel(name)
    }

    /// A scripted member by name (`owner`, `admin`, `moderator`, `alice`, `bob`, `carol`).
    pub fn member(&self, name: &str) -> Member {
        self.fake.member(name)
    }

    /// Runs `/dailyq <sub> …` as `who` in `channel` and returns the bot's final reply text.
    pub async fn dailyq(&self, who: &str, channel: u64, sub: &str, options: Vec<Opt>) -> FakeMessage {
        let interaction = self
            .member(who)
            .slash(channel, "dailyq", vec![fake_discord::sub(sub, options)]);
        interaction.wait_message(WAIT).await.expect("a reply to /dailyq")
    }

    /// REST access as the bot has it, for simulating half-done work.
    pub fn discord_http(&self) -> serenity::Http {
        serenity::HttpBuilder::new(self.fake.bot_token())
            .client(self.fake.production_client())
            .build()
    }

    /// Moves the clock to `at` (the scheduler notices within 100 ms).
    pub fn set_clock(&self, at: DateTime<Utc>) {
        self.clock.set(at);
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// Polls `check` until it returns `Some`, or fails the test after [`WAIT`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until `data`'s scheduler has run a whole tick that began after this call and found
/// nothing due and nothing in flight: from then on, what the scheduler did not do by the clock as
/// it is now, it will not do. Tests wait for this, not for a while, before saying that something
/// did not happen.
pub async fn scheduler_settled(data: &Data) {
    let from = data.metrics.idle_ticks();
    eventually("the scheduler to have nothing left to do", || async {
        (data.metrics.idle_ticks() >= from + 2).then_some(())
    })
    .await;
}

/// Sets up `channel` to post at `time` UTC with a two-hour answer window; returns the reply.
pub async fn set_up_daily(app: &App, channel: u64, time: &str) -> String {
    set_up_daily_with(app, channel, time, vec![]).await
}

/// Like [`set_up_daily`], with more `/dailyq setup` options.
pub async fn set_up_daily_with(app: &App, channel: u64, time: &str, more: Vec<fake_discord::Opt>) -> String {
    let mut options = vec![
        fake_discord::opt("channel", channel),
        fake_discord::opt("time", time),
        fake_discord::opt("timezone", "UTC"),
        fake_discord::opt("answer_window", "2h"),
    ];
    options.extend(more);
    let reply = app.dailyq("admin", channel, "setup", options).await;
    let text = reply.text();
    assert!(text.contains("Set up") || text.contains("Updated"), "{text}");
    text
}

/// Waits for the bot's question post in `channel` and its thread; returns (message, thread).
pub async fn wait_for_post(app: &App, channel: u64, number: u64) -> (u64, u64) {
    let title = format!("Question #{number} ");
    let post = app
        .fake
        .wait_for_bot_message(channel, |m| m.text().contains(&title), WAIT)
        .await
        .expect("the question post");
    let thread = app
        .fake
        .wait_for_thread(channel, |t| t.id == post.id, WAIT)
        .await
        .expect("the answer thread");
    // A post is finished once its thread is recorded (answers then count live).
    let store = app.store.clone();
    eventually("the answer thread recorded", || {
        let store = store.clone();
        async move {
            store
                .round_by_thread(dailyq::domain::ChannelId(thread.id))
                .await
                .ok()
                .flatten()
                .map(|_| ())
        }
    })
    .await;
    (post.id, thread.id)
}

/// Whether the bot has put its ⬆️ on a message (it does on every counted answer).
pub fn bot_reacted(app: &App, message: u64) -> bool {
    let bot = app.fake.bot_user_id();
    app.fake
        .reactions(message)
        .iter()
        .any(|r| r.emoji == "⬆️" && r.users.contains(&bot))
}

/// Waits until the bot has put its ⬆️ on a message.
pub async fn wait_bot_reacted(app: &App, message: u64) {
    eventually("the bot's ⬆️ on an answer", || {
        let reacted = bot_reacted(app, message);
        async move { reacted.then_some(()) }
    })
    .await;
}

/// A member posts an answer and waits until the bot has acknowledged it with ⬆️.
pub async fn answer(app: &App, who: &str, thread: u64, text: &str) -> u64 {
    let id = app.member(who).say(thread, text);
    wait_bot_reacted(app, id).await;
    id
}

/// A member upvotes an answer and waits until the bot has recorded the vote, so a test that
/// moves the clock next does not race the reaction event.
pub async fn upvote(app: &App, who: &str, thread: u64, answer: u64) {
    let store = app.store.clone();
    let voter = dailyq::domain::UserId(app.member(who).id);
    app.member(who).react(thread, answer, "⬆️");
    eventually("the upvote recorded", || {
        let store = store.clone();
        async move {
            let votes = store
                .answer_voters(dailyq::domain::MessageId(answer))
                .await
                .ok()?;
            votes.contains(&voter).then_some(())
        }
    })
    .await;
}

/// Waits until the round of `thread` is closed (revealed and scored) and returns it.
pub async fn closed_round(app: &App, thread: u64) -> dailyq::domain::round::Round {
    let store = app.store.clone();
    eventually("the round closed", || {
        let store = store.clone();
        async move {
            store
                .round_by_thread(dailyq::domain::ChannelId(thread))
                .await
                .ok()?
                .filter(|r| r.state == dailyq::domain::round::RoundState::Closed)
        }
    })
    .await
}

/// The points a member got in a round's ledger lines.
pub fn points_of(awards: &[(dailyq::domain::UserId, String, i64)], member: u64) -> i64 {
    awards
        .iter()
        .filter(|(m, _, _)| m.0 == member)
        .map(|(_, _, p)| p)
        .sum()
}

/// The bot's question posts in `channel`.
pub fn question_posts(app: &App, channel: u64) -> usize {
    app.fake
        .messages(channel)
        .iter()
        .filter(|m| m.by_bot && m.text().starts_with("Question #") && m.text().contains("How to play"))
        .count()
}

/// Exactly one question post, one thread, one reference answer and one summary.
pub fn assert_posted_and_revealed_once(app: &App, channel: u64, post: u64, thread: u64) {
    assert_eq!(question_posts(app, channel), 1, "question posts");
    assert_eq!(app.fake.threads(channel).len(), 1, "threads");
    let reveals = app
        .fake
        .messages(thread)
        .iter()
        .filter(|m| m.by_bot && m.text().contains("Reference answer"))
        .count();
    assert_eq!(reveals, 1, "reference answers");
    let summaries = app
        .fake
        .messages(channel)
        .iter()
        .filter(|m| m.reply_to == Some(post))
        .count();
    assert_eq!(summaries, 1, "summaries");
}

/// What a reveal that crashed half-way leaves behind, with the bot stopped: the round of `thread`
/// moved to revealing. Returns it with its question, for posting what the attempt had posted.
pub async fn reveal_interrupted(
    app: &App,
    thread: u64,
) -> (dailyq::domain::round::Round, dailyq::domain::question::Question) {
    let store = &app.store;
    let round = store
        .round_by_thread(dailyq::domain::ChannelId(thread))
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .transition_round(
                round.id,
                dailyq::domain::round::RoundState::Open,
                dailyq::domain::round::RoundState::Revealing
            )
            .await
            .unwrap()
    );
    let question = store.question(round.question_id).await.unwrap();
    (round, question)
}
