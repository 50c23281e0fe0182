//! Answers in detail: edits, deletes, the minimum length, the ping role, and running without the
//! MESSAGE_CONTENT intent.

use crate::harness::{App, Backend, WAIT, answer, closed_round, eventually, start_instant, wait_for_post};
use chrono::Duration;
use dailyq::domain::{MessageId, UserId};
use fake_discord::{FakeConfig, intents, opt};

async fn post_first_round(app: &App, extra: Vec<fake_discord::Opt>) -> (u64, u64, u64) {
    let channel = app.channel("dailyq");
    let mut options = vec![
        opt("channel", channel),
        opt("time", "09:30"),
        opt("timezone", "UTC"),
        opt("answer_window", "2h"),
    ];
    options.extend(extra);
    let reply = app.dailyq("admin", channel, "setup", options).await;
    assert!(reply.text().contains("Set up"), "{}", reply.text());
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    (channel, post, thread)
}

async fn edits_update_answers_deletes_withdraw_them_and_short_answers_are_refused(app: &mut App) {
    let channel = app.channel("dailyq");
    let set = app
        .dailyq("admin", channel, "scoring", vec![opt("min_answer_length", 20)])
        .await;
    assert!(
        set.text().contains("minimum answer length: **20**"),
        "{}",
        set.text()
    );
    let (_, _, thread) = post_first_round(app, vec![]).await;

    let short = app.member("bob").say(thread, "idk");
    let note = app
        .fake
        .wait_for_bot_message(thread, |m| m.reply_to == Some(short), WAIT)
        .await
        .expect("the bot explains the minimum length");
    assert!(note.text().contains("at least 20"), "{}", note.text());
    assert!(app.store.answer(MessageId(short)).await.unwrap().is_none());

    let a = answer(
        app,
        "alice",
        thread,
        "First draft of an answer that is long enough.",
    )
    .await;
    app.member("alice").edit(
        thread,
        a,
        "Second draft, with the part about write amplification.",
    );
    let store = app.store.clone();
    eventually("the edit stored", || {
        let store = store.clone();
        async move {
            let content = store.answer(MessageId(a)).await.ok()??.content?;
            content.starts_with("Second draft").then_some(())
        }
    })
    .await;

    let c = answer(app, "carol", thread, "An answer carol will take back shortly.").await;
    app.member("bob").react(thread, c, "⬆️");
    eventually("bob's vote", || {
        let store = store.clone();
        async move { (store.vote_count(MessageId(c)).await.ok()? == 1).then_some(()) }
    })
    .await;
    app.member("carol").delete(thread, c);
    eventually("the answer withdrawn with its votes", || {
        let store = store.clone();
        async move {
            let answer = store.answer(MessageId(c)).await.ok()??;
            (answer.withdrawn_at.is_some() && store.vote_count(MessageId(c)).await.ok()? == 0).then_some(())
        }
    })
    .await;

    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let round = closed_round(app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    let members: Vec<UserId> = awards.iter().map(|(m, _, _)| *m).collect();
    assert_eq!(
        members,
        vec![UserId(app.member("alice").id)],
        "only alice's answer counts: {awards:?}"
    );
}

async fn the_question_post_mentions_the_ping_role(app: &mut App) {
    let role = app.fake.role("Moderator");
    let (_, post, _) = post_first_round(app, vec![opt("ping_role", role)]).await;
    let message = app.fake.message(post).unwrap();
    assert_eq!(message.content, format!("<@&{role}>"));
}

crate::e2e_on_both_backends!(
    edits_update_answers_deletes_withdraw_them_and_short_answers_are_refused,
    the_question_post_mentions_the_ping_role,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_message_content_intent_answers_still_count_without_their_text() {
    let config = FakeConfig::default().without_privileged_intents(intents::MESSAGE_CONTENT);
    let app = App::start_configured(Backend::Sqlite, config, false)
        .await
        .unwrap();
    let (_, _, thread) = post_first_round(&app, vec![]).await;
    let a = answer(&app, "alice", thread, "A good answer the bot cannot read.").await;
    crate::harness::upvote(&app, "bob", thread, a).await;
    let stored = app.store.answer(MessageId(a)).await.unwrap().unwrap();
    assert_eq!(stored.content, None);
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let round = closed_round(&app, thread).await;
    let points: i64 = app
        .store
        .round_awards(round.id)
        .await
        .unwrap()
        .iter()
        .map(|(_, _, p)| p)
        .sum();
    assert_eq!(points, 2 + 1 + 3);
    app.finish().await;
}
