//! Practice sessions: questions back to back in a channel, each with its thread, answers, votes
//! and reveal, then a scoreboard; skipping, stopping, a restart in the middle, and who may
//! steer a session.

use crate::harness::{App, Backend, WAIT, answer, closed_round, eventually, upvote};
use chrono::Duration;
use dailyq::clock::Clock as _;
use dailyq::domain::ChannelId;
use dailyq::domain::leaderboard::{Board, Period};
use dailyq::domain::round::RoundKind;
use dailyq::domain::schedule::Timezone;
use fake_discord::{FakeConfig, FakeMessage, RoleSpec, opt, sub};

/// Runs `/practice <what> …` as `who` in `channel` and returns the reply.
async fn practice(
    app: &App,
    who: &str,
    channel: u64,
    what: &str,
    options: Vec<fake_discord::Opt>,
) -> FakeMessage {
    app.member(who)
        .slash(channel, "practice", vec![sub(what, options)])
        .wait_message(WAIT)
        .await
        .expect("a reply to /practice")
}

/// Waits for practice question `seq` in `channel` and its recorded thread: (post, thread).
async fn wait_for_question(app: &App, channel: u64, seq: u32) -> (u64, u64) {
    let title = format!("Practice question {seq} ·");
    let post = app
        .fake
        .wait_for_bot_message(channel, |m| m.text().starts_with(&title), WAIT)
        .await
        .expect("the practice question");
    let thread = app
        .fake
        .wait_for_thread(channel, |t| t.id == post.id, WAIT)
        .await
        .expect("its thread");
    let store = app.store.clone();
    eventually("the thread recorded", || {
        let store = store.clone();
        async move {
            store
                .round_by_thread(ChannelId(thread.id))
                .await
                .ok()
                .flatten()
                .filter(|r| r.thread_id.is_some())
                .map(|_| ())
        }
    })
    .await;
    (post.id, thread.id)
}

/// The bot's question posts in `channel` whose title starts with `prefix` (not the summaries
/// that reply to them).
fn count_posts(app: &App, channel: u64, prefix: &str) -> usize {
    app.fake
        .messages(channel)
        .iter()
        .filter(|m| m.by_bot && m.text().starts_with(prefix) && m.text().contains("How to play"))
        .count()
}

async fn wait_for_scoreboard(app: &App, channel: u64) -> FakeMessage {
    app.fake
        .wait_for_bot_message(channel, |m| m.text().contains("Practice session over"), WAIT)
        .await
        .expect("the scoreboard")
}

/// Waits until no session runs in `channel` (the scoreboard is recorded).
async fn session_finished(app: &App, channel: u64) {
    let store = app.store.clone();
    eventually("the session finished", || {
        let store = store.clone();
        async move {
            store
                .running_session(ChannelId(channel))
                .await
                .ok()?
                .is_none()
                .then_some(())
        }
    })
    .await;
}

async fn practice_points(app: &App, board: Board, who: &str) -> Option<i64> {
    let bucket = board.bucket(Period::AllTime, Timezone::utc(), app.clock.now());
    app.store
        .leaderboard_page(
            dailyq::domain::GuildId(app.fake.guild_id()),
            None,
            &bucket,
            0,
            10,
            dailyq::domain::UserId(app.member(who).id),
        )
        .await
        .unwrap()
        .me
        .map(|r| r.standing.points)
}

async fn a_three_question_session_runs_with_answers_votes_reveals_and_a_scoreboard(app: &mut App) {
    let channel = app.channel("dailyq");
    let started = practice(
        app,
        "admin",
        channel,
        "start",
        vec![opt("questions", 3), opt("minutes", 5)],
    )
    .await;
    assert!(!started.is_ephemeral(), "the start is announced to the channel");
    assert!(
        started.text().contains("Practice session") && started.text().contains("3 questions, 5 minutes each"),
        "{}",
        started.text()
    );

    // Question 1: Alice and Bob answer, Carol upvotes Alice; the deadline reveals it.
    let (_, t1) = wait_for_question(app, channel, 1).await;
    let a1 = answer(app, "alice", t1, "Use a hash map keyed by id for O(1) lookups.").await;
    answer(app, "bob", t1, "Sort first, then binary search each lookup.").await;
    upvote(app, "carol", t1, a1).await;
    app.advance(Duration::minutes(5));
    let r1 = closed_round(app, t1).await;
    assert!(matches!(r1.kind, RoundKind::Practice { seq: 1, .. }));
    assert_eq!(
        app.fake
            .messages(t1)
            .iter()
            .filter(|m| m.by_bot && m.text().contains("Reference answer · practice question 1"))
            .count(),
        1
    );

    // Question 2 follows at once; the admin skips ahead before its deadline.
    let (_, t2) = wait_for_question(app, channel, 2).await;
    let b2 = answer(
        app,
        "bob",
        t2,
        "A write-ahead log makes the change durable before it applies.",
    )
    .await;
    upvote(app, "alice", t2, b2).await;
    let skipped = practice(app, "admin", channel, "next", vec![]).await;
    assert!(skipped.is_ephemeral());
    assert!(
        skipped.text().contains("Revealed practice question 2 early"),
        "{}",
        skipped.text()
    );
    closed_round(app, t2).await;

    // Question 3: nobody answers; its deadline ends the session with the scoreboard.
    let (_, t3) = wait_for_question(app, channel, 3).await;
    app.advance(Duration::minutes(5));
    closed_round(app, t3).await;
    let board = wait_for_scoreboard(app, channel).await;
    let text = board.text();
    let (alice, bob) = (app.member("alice").id, app.member("bob").id);
    // Alice: 2 + 1 + 3 (top answer) in Q1; Bob: 2 in Q1, 2 + 1 + 3 in Q2.
    assert!(
        text.contains(&format!("<@{bob}> — **8** points · 2 answers")),
        "{text}"
    );
    assert!(
        text.contains(&format!("<@{alice}> — **6** points · 1 answer")),
        "{text}"
    );
    assert!(
        text.find(&format!("<@{bob}>")) < text.find(&format!("<@{alice}>")),
        "most points first: {text}"
    );
    assert!(text.contains("Best answer of the session"), "{text}");

    // Exactly once each: three questions, three threads, one scoreboard, no fourth question.
    assert_eq!(count_posts(app, channel, "Practice question"), 3);
    assert_eq!(app.fake.threads(channel).len(), 3);
    assert_eq!(
        app.fake
            .messages(channel)
            .iter()
            .filter(|m| m.by_bot && m.text().contains("Practice session over"))
            .count(),
        1
    );
    // Practice points are on the practice board only.
    assert_eq!(practice_points(app, Board::Practice, "bob").await, Some(8));
    assert_eq!(practice_points(app, Board::Daily, "bob").await, None);
    let shown = app
        .member("bob")
        .slash(channel, "leaderboard", vec![opt("board", 1)])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(
        shown.text().contains("Practice leaderboard")
            && shown.text().contains(&format!("<@{bob}> — **8** pts")),
        "{}",
        shown.text()
    );
    // The channel is free for the next session.
    session_finished(app, channel).await;
    let again = practice(app, "admin", channel, "start", vec![opt("questions", 1)]).await;
    assert!(again.text().contains("Practice session"), "{}", again.text());
}

async fn a_session_stopped_mid_way_reveals_its_question_and_posts_the_scoreboard(app: &mut App) {
    let channel = app.channel("dailyq");
    practice(app, "admin", channel, "start", vec![opt("questions", 5)]).await;
    let (_, t1) = wait_for_question(app, channel, 1).await;
    answer(
        app,
        "alice",
        t1,
        "Idempotency keys let a retried request change nothing.",
    )
    .await;
    let stopped = practice(app, "admin", channel, "stop", vec![]).await;
    assert!(stopped.is_ephemeral());
    assert!(
        stopped.text().contains("Stopping the session"),
        "{}",
        stopped.text()
    );
    closed_round(app, t1).await;
    let board = wait_for_scoreboard(app, channel).await;
    assert!(
        board
            .text()
            .contains(&format!("<@{}> — **2** points", app.member("alice").id)),
        "{}",
        board.text()
    );
    assert_eq!(
        count_posts(app, channel, "Practice question"),
        1,
        "nothing after the stop"
    );
    session_finished(app, channel).await;
    let none = practice(app, "admin", channel, "stop", vec![]).await;
    assert!(
        none.text().contains("No practice session is running"),
        "{}",
        none.text()
    );
}

async fn a_session_resumes_after_a_restart_with_its_deadlines_and_posts_nothing_twice(app: &mut App) {
    let channel = app.channel("dailyq");
    practice(
        app,
        "admin",
        channel,
        "start",
        vec![opt("questions", 2), opt("minutes", 10)],
    )
    .await;
    let (_, t1) = wait_for_question(app, channel, 1).await;
    answer(
        app,
        "alice",
        t1,
        "Backpressure bounds the queue instead of the memory.",
    )
    .await;
    let before = app.store.round_by_thread(ChannelId(t1)).await.unwrap().unwrap();

    // The bot dies mid-question and comes back before the deadline: same round, same deadline.
    app.stop_bot().await;
    app.advance(Duration::minutes(4));
    app.start_bot().await;
    let after = app.store.round_by_thread(ChannelId(t1)).await.unwrap().unwrap();
    assert_eq!((after.id, after.closes_at), (before.id, before.closes_at));
    // An answer while the bot is back still counts.
    answer(app, "bob", t1, "Load shedding drops work early rather than late.").await;

    // It dies again and comes back after the deadline: the question is revealed once, the next
    // one follows, and the session ends after it.
    app.stop_bot().await;
    app.advance(Duration::minutes(7));
    app.start_bot().await;
    closed_round(app, t1).await;
    let (_, t2) = wait_for_question(app, channel, 2).await;
    app.advance(Duration::minutes(10));
    closed_round(app, t2).await;
    wait_for_scoreboard(app, channel).await;
    session_finished(app, channel).await;
    // A further restart finds nothing to do twice.
    app.restart_with_scheduler(true).await;
    assert_eq!(count_posts(app, channel, "Practice question"), 2);
    assert_eq!(
        app.fake
            .messages(t1)
            .iter()
            .filter(|m| m.by_bot && m.text().contains("Reference answer"))
            .count(),
        1
    );
    let board = wait_for_scoreboard(app, channel).await;
    assert!(
        board
            .text()
            .contains(&format!("<@{}> — **2** points", app.member("bob").id)),
        "{}",
        board.text()
    );
    assert_eq!(
        app.fake
            .messages(channel)
            .iter()
            .filter(|m| m.by_bot && m.text().contains("Practice session over"))
            .count(),
        1
    );
}

async fn bad_practice_arguments_and_presses_by_others_get_a_sentence_and_change_nothing(app: &mut App) {
    let channel = app.channel("dailyq");
    for (options, expected) in [
        (vec![opt("questions", 21)], "between 1 and 20 questions"),
        (vec![opt("minutes", 1)], "between 2 and 60 minutes"),
        (vec![opt("category", "astrology")], "is not a category"),
    ] {
        let reply = practice(app, "admin", channel, "start", options).await;
        assert!(reply.is_ephemeral(), "{}", reply.text());
        assert!(reply.text().contains(expected), "{}", reply.text());
    }
    // Alice holds no role that may start one.
    let refused = practice(app, "alice", channel, "start", vec![]).await;
    assert!(refused.is_ephemeral());
    assert!(refused.text().contains("Manage Server"), "{}", refused.text());
    let none = practice(app, "alice", channel, "next", vec![]).await;
    assert!(
        none.text().contains("No practice session is running"),
        "{}",
        none.text()
    );
    assert!(
        app.store
            .running_session(ChannelId(channel))
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
    assert_eq!(count_posts(app, channel, "Practice question"), 0);

    // A session needs the bot's permissions in the channel.
    let general = app.channel("general");
    app.fake.set_bot_permissions(
        general,
        fake_discord::Permissions::VIEW_CHANNEL | fake_discord::Permissions::SEND_MESSAGES,
    );
    let lacking = practice(app, "admin", general, "start", vec![]).await;
    assert!(
        lacking.text().contains("I am missing") && lacking.text().contains("Create Public Threads"),
        "{}",
        lacking.text()
    );

    practice(app, "admin", channel, "start", vec![opt("questions", 2)]).await;
    wait_for_question(app, channel, 1).await;
    let twice = practice(app, "moderator", channel, "start", vec![]).await;
    assert!(twice.text().contains("already running"), "{}", twice.text());
    for what in ["next", "stop"] {
        let other = practice(app, "bob", channel, what, vec![]).await;
        assert!(other.is_ephemeral());
        assert!(
            other.text().contains("Only the member who started this session"),
            "{}",
            other.text()
        );
    }
    assert!(
        app.store
            .running_session(ChannelId(channel))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(count_posts(app, channel, "Practice question"), 1);
}

crate::e2e_on_both_backends!(
    a_three_question_session_runs_with_answers_votes_reveals_and_a_scoreboard,
    a_session_stopped_mid_way_reveals_its_question_and_posts_the_scoreboard,
    a_session_resumes_after_a_restart_with_its_deadlines_and_posts_nothing_twice,
    bad_practice_arguments_and_presses_by_others_get_a_sentence_and_change_nothing,
);

/// A fake guild with a "Study Lead" role that grants no permission, held by `lead`.
fn with_study_leads() -> FakeConfig {
    let mut config = FakeConfig::default();
    config.guild.roles.push(RoleSpec {
        name: "Study Lead".to_owned(),
        permissions: fake_discord::Permissions::NONE,
    });
    config.with_member("lead", &["Study Lead"])
}

async fn members_with_the_practice_role_may_start_and_steer_their_own_session(backend: Backend) {
    let Some(app) = App::start_with(backend, with_study_leads()).await else {
        return;
    };
    let channel = app.channel("dailyq");
    let refused = practice(&app, "lead", channel, "start", vec![]).await;
    assert!(refused.text().contains("Manage Server"), "{}", refused.text());
    let role = app.fake.role("Study Lead");
    let set = app
        .dailyq("admin", channel, "practice-role", vec![opt("role", role)])
        .await;
    assert!(set.text().contains(&format!("<@&{role}>")), "{}", set.text());
    // The client hides /dailyq from her; a forged call is refused on the server side.
    let refused = app
        .member("lead")
        .slash_overridden(
            channel,
            "dailyq",
            vec![sub("practice-role", vec![opt("clear", true)])],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(refused.text().contains("Manage Server"), "{}", refused.text());

    let started = practice(&app, "lead", channel, "start", vec![opt("questions", 2)]).await;
    assert!(started.text().contains("Practice session"), "{}", started.text());
    wait_for_question(&app, channel, 1).await;
    let stopped = practice(&app, "lead", channel, "stop", vec![]).await;
    assert!(
        stopped.text().contains("Stopping the session"),
        "{}",
        stopped.text()
    );
    wait_for_scoreboard(&app, channel).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_members_with_the_practice_role_may_start_and_steer_their_own_session() {
    members_with_the_practice_role_may_start_and_steer_their_own_session(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_members_with_the_practice_role_may_start_and_steer_their_own_session() {
    members_with_the_practice_role_may_start_and_steer_their_own_session(Backend::Postgres).await;
}
