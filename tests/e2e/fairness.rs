//! Fairness end to end: the deadline is Discord's timestamp, the thread is locked before anything
//! is counted, edits are judged again, and a reveal that crashed half-way repeats nothing.

use crate::harness::{
    App, WAIT, answer, assert_posted_and_revealed_once, closed_round, eventually, points_of,
    reveal_interrupted, set_up_daily, start_instant, upvote, wait_bot_reacted, wait_for_post,
};
use chrono::Duration;
use dailyq::domain::{ChannelId, MessageId, UserId};
use fake_discord::opt;
use poise::serenity_prelude as serenity;

/// 09:30 UTC: the round's post; it closes at 11:30.
fn post_time() -> chrono::DateTime<chrono::Utc> {
    start_instant() + Duration::hours(3) + Duration::minutes(30)
}

async fn an_answer_written_after_the_deadline_while_the_bot_was_down_earns_nothing(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(post_time());
    let (post, thread) = wait_for_post(app, channel, 1).await;
    app.set_clock(post_time() + Duration::minutes(30));
    let a = answer(app, "alice", thread, "Alice answers at ten, in time.").await;

    app.stop_bot().await;
    // The deadline passes while the bot is down; Bob answers late and Carol upvotes him.
    app.set_clock(post_time() + Duration::hours(2) + Duration::minutes(15));
    let late = app.member("bob").say(thread, "Bob answers at 11:45, too late.");
    app.member("carol").react(thread, late, "⬆️");
    let requests_before = app.fake.rest_records().len();
    app.start_bot().await;

    let round = closed_round(app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    assert_eq!(points_of(&awards, app.member("bob").id), 0, "{awards:?}");
    assert_eq!(points_of(&awards, app.member("alice").id), 2, "{awards:?}");
    assert!(app.store.answer(MessageId(late)).await.unwrap().is_none());
    // The answer keeps Discord's time, not the time the bot recorded it.
    let alice = app.store.answer(MessageId(a)).await.unwrap().unwrap();
    assert_eq!(alice.created_at, post_time() + Duration::minutes(30));
    assert_posted_and_revealed_once(app, channel, post, thread);

    // The reveal locked the thread before it read a single message of it.
    let records = app.fake.rest_records()[requests_before..].to_vec();
    let thread_path = format!("/api/v10/channels/{thread}");
    let lock = records
        .iter()
        .position(|r| r.method == "PATCH" && r.path == thread_path && r.body["locked"] == true)
        .expect("the thread is locked");
    let first_read = records
        .iter()
        .position(|r| r.method == "GET" && r.path == format!("{thread_path}/messages"))
        .expect("the thread is read");
    assert!(lock < first_read, "lock at {lock}, first read at {first_read}");
}

async fn edits_before_the_deadline_are_judged_again_against_the_minimum_length(app: &mut App) {
    let channel = app.channel("dailyq");
    let set = app
        .dailyq("admin", channel, "scoring", vec![opt("min_answer_length", 20)])
        .await;
    assert!(set.text().contains("**20**"), "{}", set.text());
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(post_time());
    let (_, thread) = wait_for_post(app, channel, 1).await;

    // Alice's long answer is edited down to a dot: it stops counting.
    let a = answer(app, "alice", thread, "A long enough first answer from Alice.").await;
    upvote(app, "bob", thread, a).await;
    app.member("alice").edit(thread, a, ".");
    let store = app.store.clone();
    eventually("Alice's answer withdrawn", || {
        let store = store.clone();
        async move {
            store
                .answer(MessageId(a))
                .await
                .ok()
                .flatten()
                .filter(|x| x.withdrawn_at.is_some())
        }
    })
    .await;

    // Bob's short message is edited up: it starts counting and gets its ⬆️.
    let b = app.member("bob").say(thread, "short");
    app.fake
        .wait_for_bot_message(thread, |m| m.reply_to == Some(b), WAIT)
        .await
        .expect("the minimum-length note");
    app.member("bob")
        .edit(thread, b, "Now a long enough answer from Bob.");
    wait_bot_reacted(app, b).await;
    upvote(app, "carol", thread, b).await;

    app.set_clock(post_time() + Duration::hours(2));
    let round = closed_round(app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    assert_eq!(points_of(&awards, app.member("alice").id), 0, "{awards:?}");
    assert_eq!(points_of(&awards, app.member("bob").id), 2 + 1 + 3, "{awards:?}");
}

async fn a_thread_created_but_not_recorded_is_still_locked_read_and_answered_in(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(post_time());
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(app, "alice", thread, "Alice's answer in the unrecorded thread.").await;
    upvote(app, "bob", thread, a).await;
    app.stop_bot().await;

    // As if the process had crashed right after Discord created the thread.
    let round = app
        .store
        .round_by_thread(ChannelId(thread))
        .await
        .unwrap()
        .unwrap();
    forget_thread(app, round.id).await;
    assert_eq!(app.store.round(round.id).await.unwrap().thread_id, None);

    app.set_clock(post_time() + Duration::hours(2) + Duration::minutes(1));
    app.start_bot().await;
    let round = closed_round(app, post).await;
    assert_eq!(round.thread_id, Some(ChannelId(thread)), "the thread is adopted");
    let awards = app.store.round_awards(round.id).await.unwrap();
    assert_eq!(points_of(&awards, app.member("alice").id), 2 + 1 + 3);
    assert_posted_and_revealed_once(app, channel, post, thread);
    let info = app.fake.thread(thread).unwrap();
    assert!(info.locked && info.archived, "{info:?}");
}

async fn a_reveal_crashed_after_posting_finds_its_messages_even_after_the_nonce_expired(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(post_time());
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(app, "alice", thread, "Alice's answer before the crash.").await;
    upvote(app, "bob", thread, a).await;
    app.stop_bot().await;

    // A reveal attempt posted the reference answer and the summary, then the process died
    // before recording either, and stayed down past Discord's nonce memory (sent without one).
    let store = app.store.clone();
    let (round, question) = reveal_interrupted(app, thread).await;
    store.note_reveal_attempt(round.id).await.unwrap();
    // The attempt ran after the deadline.
    app.set_clock(post_time() + Duration::hours(2) + Duration::minutes(1));
    let http = app.discord_http();
    serenity::ChannelId::new(thread)
        .send_message(
            &http,
            serenity::CreateMessage::new().embeds(dailyq::discord::render::reveal_embeds(&round, &question)),
        )
        .await
        .unwrap();
    let summary = dailyq::discord::render::summary_embed(&round, ChannelId(thread), &[], 1);
    serenity::ChannelId::new(channel)
        .send_message(
            &http,
            serenity::CreateMessage::new()
                .embed(summary)
                .reference_message((serenity::ChannelId::new(channel), serenity::MessageId::new(post))),
        )
        .await
        .unwrap();

    app.set_clock(post_time() + Duration::hours(2) + Duration::minutes(10));
    app.start_bot().await;
    let round = closed_round(app, thread).await;
    assert_posted_and_revealed_once(app, channel, post, thread);
    assert!(round.answer_message_id.is_some() && round.summary_message_id.is_some());
    let awards = store.round_awards(round.id).await.unwrap();
    assert_eq!(points_of(&awards, app.member("alice").id), 2 + 1 + 3);
    assert_eq!(points_of(&awards, UserId(app.member("bob").id).0), 0);
}

/// Erases a round's recorded thread, straight in the database.
async fn forget_thread(app: &App, round: i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(app.db_url()).await.unwrap();
    sqlx::query("UPDATE rounds SET thread_id = NULL WHERE id = $1")
        .bind(round)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

async fn a_server_that_removed_the_bot_costs_nothing_until_it_is_back(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    app.fake.remove_bot_from_guild();
    let store = app.store.clone();
    eventually("the guild marked left", || {
        let store = store.clone();
        async move { store.guild_left(guild).await.ok()?.then_some(()) }
    })
    .await;
    let before = app.fake.rest_records().len();
    app.set_clock(post_time() + Duration::minutes(5));
    // Let the scheduler see the due post and do all it will do with it.
    app.settle().await;
    let while_away = app.fake.rest_records()[before..].to_vec();
    assert!(
        while_away.iter().all(|r| !r.path.contains(&channel.to_string())),
        "requests while removed: {while_away:?}"
    );

    // Removed while the bot was offline: READY no longer lists the guild.
    app.stop_bot().await;
    app.store
        .record_guilds_present(&[(guild, "Interview Prep")], post_time())
        .await
        .unwrap();
    app.start_bot().await;
    eventually("the guild marked left from READY", || {
        let store = store.clone();
        async move { store.guild_left(guild).await.ok()?.then_some(()) }
    })
    .await;

    // Back: the schedule wakes and makes the post it still owes (inside its answer window).
    app.fake.add_bot_to_guild();
    let (post, thread) = wait_for_post(app, channel, 1).await;
    assert!(post > 0 && thread == post);
    assert!(!app.store.guild_left(guild).await.unwrap());
}

/// Waits until the bot is connected again after a gateway fault (a resume or a new session).
async fn reconnected(app: &App, before: fake_discord::GatewayStats) {
    app.fake
        .wait_until(
            |f| {
                let now = f.gateway().stats();
                (f.gateway().is_connected()
                    && (now.resumes > before.resumes || now.identifies > before.identifies))
                    .then_some(())
            },
            WAIT,
        )
        .await
        .expect("the bot reconnects");
}

/// A named gateway fault the test applies.
type GatewayFault = (&'static str, fn(&App));

async fn gateway_faults_and_replayed_events_change_no_count(app: &mut App) {
    let channel = app.channel("dailyq");
    let set = app
        .dailyq("admin", channel, "scoring", vec![opt("min_answer_length", 10)])
        .await;
    assert!(set.text().contains("**10**"), "{}", set.text());
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(post_time());
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let short = app.member("carol").say(thread, "hmm");
    app.fake
        .wait_for_bot_message(thread, |m| m.reply_to == Some(short), WAIT)
        .await
        .expect("the minimum-length note");
    let a = answer(app, "alice", thread, "Alice's answer about write-ahead logs.").await;
    let b = answer(app, "bob", thread, "Bob's answer about write-ahead logs.").await;
    upvote(app, "carol", thread, a).await;

    // Each fault, with the last dispatches sent again where Discord may do so (on RESUME).
    let faults: [GatewayFault; 4] = [
        ("a dropped socket", |app| app.fake.gateway().drop_connections()),
        ("op 7 RECONNECT", |app| app.fake.gateway().request_reconnect()),
        ("a resumable invalid session", |app| {
            app.fake.gateway().invalidate_session(true)
        }),
        ("a new session", |app| {
            app.fake.gateway().invalidate_session(false)
        }),
    ];
    for (i, (what, fault)) in faults.into_iter().enumerate() {
        let before = app.fake.gateway().stats();
        app.fake.gateway().replay_on_resume(12);
        fault(app);
        reconnected(app, before).await;
        // A live change after the fault, to know events flow again.
        let (voter, target) = [("bob", a), ("alice", b), ("moderator", a), ("admin", b)][i];
        upvote(app, voter, thread, target).await;
        let notes = app
            .fake
            .messages(thread)
            .iter()
            .filter(|m| m.reply_to == Some(short))
            .count();
        assert_eq!(notes, 1, "after {what}: one note");
        let answers = app
            .store
            .round_answers(app.store.answer(MessageId(a)).await.unwrap().unwrap().round_id);
        assert_eq!(answers.await.unwrap().len(), 2, "after {what}: two answers");
    }
    let resent = app.fake.gateway().stats().resent;
    assert!(resent > 0, "some dispatches were delivered twice");
    assert_eq!(app.store.vote_count(MessageId(a)).await.unwrap(), 3);
    assert_eq!(app.store.vote_count(MessageId(b)).await.unwrap(), 2);

    app.set_clock(post_time() + Duration::hours(2));
    let round = closed_round(app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    assert_eq!(
        points_of(&awards, app.member("alice").id),
        2 + 3 + 3,
        "{awards:?}"
    );
    assert_eq!(points_of(&awards, app.member("bob").id), 2 + 2, "{awards:?}");
    assert_eq!(points_of(&awards, app.member("carol").id), 0, "{awards:?}");
    assert_posted_and_revealed_once(app, channel, post, thread);
}

crate::e2e_on_both_backends!(
    an_answer_written_after_the_deadline_while_the_bot_was_down_earns_nothing,
    edits_before_the_deadline_are_judged_again_against_the_minimum_length,
    a_thread_created_but_not_recorded_is_still_locked_read_and_answered_in,
    a_reveal_crashed_after_posting_finds_its_messages_even_after_the_nonce_expired,
    a_server_that_removed_the_bot_costs_nothing_until_it_is_back,
    gateway_faults_and_replayed_events_change_no_count,
);
