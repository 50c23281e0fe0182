//! Events and vote ingest: messages outside answer threads cost nothing, ⬆️ events are batched
//! in gateway order with the vote rules, and the reveal still reconciles what a crash lost.

use crate::harness::{
    App, answer, closed_round, eventually, points_of, set_up_daily, start_instant, wait_for_post,
};
use chrono::Duration;
use dailyq::domain::{MessageId, UserId};
use std::sync::atomic::Ordering;

/// A posted round of `#dailyq` (09:30 UTC, two-hour window) with Alice's answer; returns
/// (thread, answer).
async fn open_round_with_an_answer(app: &mut App) -> (u64, u64) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(app, "alice", thread, "Alice's answer about indexes.").await;
    (thread, a)
}

/// Waits until the bot's vote writer has finished `n` events since start.
async fn votes_written(app: &App, n: u64) {
    let queue = app.bot_data().votes.clone();
    eventually("the vote writer to catch up", || {
        let done = queue.done();
        async move { (done >= n).then_some(()) }
    })
    .await;
}

async fn voters(app: &App, answer: u64) -> Vec<u64> {
    let mut v: Vec<u64> = app
        .store
        .answer_voters(MessageId(answer))
        .await
        .unwrap()
        .into_iter()
        .map(|u: UserId| u.0)
        .collect();
    v.sort_unstable();
    v
}

async fn ordinary_messages_outside_answer_threads_cost_no_database_query(app: &mut App) {
    let (thread, _) = open_round_with_an_answer(app).await;
    // Without the scheduler only gateway events reach the database.
    app.restart_with_scheduler(false).await;
    let handled = app.bot_data().member_messages_handled.clone();
    let handled_at_least = |n: u64| {
        let handled = handled.clone();
        async move {
            eventually("members' messages handled", || {
                let done = handled.load(Ordering::SeqCst);
                async move { (done >= n).then_some(()) }
            })
            .await;
        }
    };
    // Two members' messages after the restart, handled with a reply each (its ⬆️, a note):
    // the start-up events, sent before them, are long done too.
    answer(app, "bob", thread, "Bob's answer, after the restart.").await;
    app.member("carol").say(thread, "ok");
    handled_at_least(2).await;
    let before = app.store.accesses();
    let general = app.channel("general");
    for i in 0..20 {
        app.member("carol")
            .say(general, &format!("Just chatting, message {i}."));
    }
    handled_at_least(22).await;
    assert_eq!(
        app.store.accesses(),
        before,
        "messages in an ordinary channel made database queries"
    );
    // A channel an admin creates while the bot runs is ordinary too, once CHANNEL_CREATE is in.
    let guild = app.fake.guild_id();
    let room = app.fake.create_channel(guild, "new-room");
    let index = app.bot_data().guilds.clone();
    eventually("the new channel in the bot's guild index", || {
        let known = index.is_ordinary(guild, room);
        async move { known.then_some(()) }
    })
    .await;
    for i in 0..5 {
        app.member("carol")
            .say(room, &format!("First words in the new room, {i}."));
    }
    handled_at_least(27).await;
    assert_eq!(
        app.store.accesses(),
        before,
        "messages in a channel created after start made database queries"
    );
    // The same count does move for a message in the answer thread.
    app.member("carol").say(thread, "ok again");
    handled_at_least(28).await;
    assert!(app.store.accesses() > before, "a thread message is looked up");
}

async fn a_batch_keeps_each_members_adds_and_removes_in_gateway_order(app: &mut App) {
    let (thread, a) = open_round_with_an_answer(app).await;
    let (bob, carol) = (app.member("bob").id, app.member("carol").id);
    let done = app.bot_data().votes.done();
    // Sent back to back, so they reach the writer together: each member's last event decides.
    let events = [
        (bob, true),
        (bob, false),
        (carol, true),
        (bob, true),
        (carol, false),
        (carol, true),
        (carol, false),
    ];
    let flood = events
        .into_iter()
        .map(move |(user, added)| fake_discord::FloodReaction {
            user,
            channel: thread,
            message: a,
            added,
        });
    assert!(app.fake.gateway().flood_reactions(flood));
    votes_written(app, done + events.len() as u64).await;
    assert_eq!(voters(app, a).await, vec![bob]);
}

async fn a_self_vote_never_counts_and_a_removed_vote_stays_removed(app: &mut App) {
    let (thread, a) = open_round_with_an_answer(app).await;
    let done = app.bot_data().votes.done();
    app.member("alice").react(thread, a, "⬆️");
    app.member("bob").react(thread, a, "⬆️");
    app.member("carol").react(thread, a, "⬆️");
    app.member("bob").unreact(thread, a, "⬆️");
    votes_written(app, done + 4).await;
    assert_eq!(voters(app, a).await, vec![app.member("carol").id]);
    let alice = app.member("alice").id;
    let fake = &app.fake;
    eventually("the self-vote reaction removed", || {
        let gone = !fake.reactions(a).iter().any(|r| r.users.contains(&alice));
        async move { gone.then_some(()) }
    })
    .await;
}

async fn an_upvote_seen_after_the_deadline_is_remembered_and_left_out_of_the_reveal(app: &mut App) {
    let (thread, a) = open_round_with_an_answer(app).await;
    app.member("bob").react(thread, a, "⬆️");
    // The deadline (11:30) passes with no reveal yet: Carol's upvote is seen 10 s after it.
    app.restart_with_scheduler(false).await;
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30) + Duration::seconds(10));
    let done = app.bot_data().votes.done();
    app.member("carol").react(thread, a, "⬆️");
    votes_written(app, done + 1).await;
    app.restart_with_scheduler(true).await;
    let round = closed_round(app, thread).await;
    assert_eq!(
        voters(app, a).await,
        vec![app.member("bob").id],
        "Discord's list shows both; the late one is left out"
    );
    let awards = app.store.round_awards(round.id).await.unwrap();
    // Answering, Bob's upvote, the top answer.
    assert_eq!(
        points_of(&awards, app.member("alice").id),
        2 + 1 + 3,
        "{awards:?}"
    );
}

async fn upvotes_lost_with_a_batch_that_could_not_commit_are_counted_by_the_reveal(app: &mut App) {
    let (thread, a) = open_round_with_an_answer(app).await;
    let done = app.bot_data().votes.done();
    // The process "dies" for the database: the batch holding these votes never commits.
    app.store.crash_writes_after(0);
    app.member("bob").react(thread, a, "⬆️");
    app.member("carol").react(thread, a, "⬆️");
    votes_written(app, done + 2).await;
    assert!(voters(app, a).await.is_empty(), "nothing was stored");
    app.store.heal_writes();
    app.restart_with_scheduler(true).await;
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let round = closed_round(app, thread).await;
    let (bob, carol) = (app.member("bob").id, app.member("carol").id);
    assert_eq!(voters(app, a).await, vec![bob.min(carol), bob.max(carol)]);
    let awards = app.store.round_awards(round.id).await.unwrap();
    // Answering, two upvotes, the top answer.
    assert_eq!(
        points_of(&awards, app.member("alice").id),
        2 + 2 + 3,
        "{awards:?}"
    );
}

crate::e2e_on_both_backends!(
    ordinary_messages_outside_answer_threads_cost_no_database_query,
    a_batch_keeps_each_members_adds_and_removes_in_gateway_order,
    a_self_vote_never_counts_and_a_removed_vote_stays_removed,
    an_upvote_seen_after_the_deadline_is_remembered_and_left_out_of_the_reveal,
    upvotes_lost_with_a_batch_that_could_not_commit_are_counted_by_the_reveal,
);
