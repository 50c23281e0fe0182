//! Reminders: a schedule reminds before the deadline; the reminder, posted once in the thread,
//! pings only the members who pressed Remind me and have not answered, with their streak.

use crate::harness::{App, WAIT, answer, closed_round, start_instant, wait_for_post};
use chrono::Duration;
use fake_discord::{FakeMessage, opt};

async fn press_remind(app: &App, who: &str, channel: u64, post: u64) -> String {
    let button = app
        .fake
        .message(post)
        .unwrap()
        .custom_ids()
        .into_iter()
        .find(|id| id.starts_with("dq:remind:"))
        .expect("a Remind me button");
    let reply = app
        .member(who)
        .click(channel, post, &button)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(reply.ephemeral, "{}", reply.text());
    reply.text()
}

async fn wait_for_reminder(app: &App, thread: u64) -> FakeMessage {
    app.fake
        .wait_for_bot_message(thread, |m| m.text().contains("⏰ Reminder"), WAIT)
        .await
        .expect("the reminder")
}

async fn a_reminder_pings_only_opted_in_members_who_have_not_answered_with_their_streak(app: &mut App) {
    let channel = app.channel("dailyq");
    let bad = app
        .dailyq(
            "admin",
            channel,
            "setup",
            vec![
                opt("channel", channel),
                opt("time", "09:30"),
                opt("timezone", "UTC"),
                opt("answer_window", "2h"),
                opt("remind_before", "3h"),
            ],
        )
        .await;
    assert!(
        bad.text().contains("does not fit a 2h answer window"),
        "{}",
        bad.text()
    );
    assert!(
        app.store
            .schedule(dailyq::domain::ChannelId(channel))
            .await
            .unwrap()
            .is_none()
    );
    let set = app
        .dailyq(
            "admin",
            channel,
            "setup",
            vec![
                opt("channel", channel),
                opt("time", "09:30"),
                opt("timezone", "UTC"),
                opt("answer_window", "2h"),
                opt("remind_before", "1h"),
            ],
        )
        .await;
    assert!(set.text().contains("Set up"), "{}", set.text());

    // Day 1: Bob and Carol opt in, Alice opts in and out; Bob and Carol answer.
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    assert!(
        press_remind(app, "bob", channel, post)
            .await
            .contains("I'll remind you")
    );
    press_remind(app, "carol", channel, post).await;
    press_remind(app, "alice", channel, post).await;
    assert!(
        press_remind(app, "alice", channel, post)
            .await
            .contains("No more reminders")
    );
    answer(
        app,
        "bob",
        thread,
        "Use a bloom filter in front of the expensive lookup.",
    )
    .await;
    answer(app, "carol", thread, "Cache negative results with a short TTL.").await;
    app.advance(Duration::hours(1));
    let first = wait_for_reminder(app, thread).await;
    let (alice, bob, carol) = (
        app.member("alice").id,
        app.member("bob").id,
        app.member("carol").id,
    );
    assert!(
        first.content.is_empty(),
        "everyone opted in has answered: {:?}",
        first.content
    );
    assert!(first.text().contains("2 answers so far"), "{}", first.text());
    app.advance(Duration::hours(1));
    closed_round(app, thread).await;

    // Day 2: only Carol answers before the reminder; Bob is pinged with his streak at stake.
    app.set_clock(start_instant() + Duration::days(1) + Duration::hours(3) + Duration::minutes(30));
    let (_, thread2) = wait_for_post(app, channel, 2).await;
    answer(
        app,
        "carol",
        thread2,
        "Shard by tenant, then by time within a tenant.",
    )
    .await;
    app.advance(Duration::hours(1));
    let second = wait_for_reminder(app, thread2).await;
    assert_eq!(
        second.content,
        format!("<@{bob}>"),
        "only Bob: opted in and not answered"
    );
    let text = second.text();
    assert!(
        text.contains(&format!("<@{bob}>: answer to keep your 1-day streak")),
        "{text}"
    );
    assert!(
        !text.contains(&format!("<@{carol}>")) && !text.contains(&format!("<@{alice}>")),
        "{text}"
    );
    assert!(!text.contains("@everyone") && !text.contains("@here"), "{text}");
    assert!(text.contains("1 answer so far"), "{text}");

    // Posted once, even after a restart before the deadline.
    app.stop_bot().await;
    app.advance(Duration::minutes(10));
    app.start_bot().await;
    app.advance(Duration::minutes(50));
    closed_round(app, thread2).await;
    let reminders = app
        .fake
        .messages(thread2)
        .iter()
        .filter(|m| m.by_bot && m.text().contains("⏰ Reminder"))
        .count();
    assert_eq!(reminders, 1);
}

crate::e2e_on_both_backends!(a_reminder_pings_only_opted_in_members_who_have_not_answered_with_their_streak);
