//! A channel's queue: chosen questions come next, ahead of rotation, each once; `/dailyq post
//! question:` posts a chosen one now (or next, when today's is out).

use crate::harness::{App, set_up_daily, start_instant, wait_for_post};
use chrono::Duration;
use fake_discord::{opt, sub};

async fn prompt_of(app: &App, id: &str) -> String {
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    app.store
        .guild_question(guild, id)
        .await
        .unwrap()
        .unwrap()
        .question
        .prompt
}

async fn queued_questions_come_before_rotation_and_post_takes_a_chosen_one(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    let unknown = app
        .dailyq(
            "admin",
            channel,
            "queue",
            vec![sub("add", vec![opt("id", "own-9")])],
        )
        .await;
    assert!(
        unknown.text().contains("has no question with the id"),
        "{}",
        unknown.text()
    );
    for id in ["cache-aside-pattern", "db-acid-basics"] {
        let added = app
            .dailyq("admin", channel, "queue", vec![sub("add", vec![opt("id", id)])])
            .await;
        assert!(added.text().contains("Queued"), "{}", added.text());
    }
    let listed = app
        .dailyq("admin", channel, "queue", vec![sub("list", vec![])])
        .await;
    let text = listed.text();
    assert!(
        text.find("cache-aside-pattern").unwrap() < text.find("db-acid-basics").unwrap(),
        "in order: {text}"
    );

    // Day 1 asks the first queued question, which leaves the queue.
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, _) = wait_for_post(app, channel, 1).await;
    let cdn = prompt_of(app, "cache-aside-pattern").await;
    assert!(
        app.fake.message(post).unwrap().text().contains(cdn.trim()),
        "the queued question"
    );
    let listed = app
        .dailyq("admin", channel, "queue", vec![sub("list", vec![])])
        .await;
    assert!(
        !listed.text().contains("cache-aside-pattern"),
        "{}",
        listed.text()
    );

    // Today's is out: a chosen question goes first in line for tomorrow, before the queue.
    let chosen = app
        .dailyq("admin", channel, "post", vec![opt("question", "net-tcp-vs-udp")])
        .await;
    assert!(chosen.text().contains("first in the queue"), "{}", chosen.text());
    app.set_clock(start_instant() + Duration::days(1) + Duration::hours(3) + Duration::minutes(30));
    let (post2, _) = wait_for_post(app, channel, 2).await;
    let tcp = prompt_of(app, "net-tcp-vs-udp").await;
    assert!(app.fake.message(post2).unwrap().text().contains(tcp.trim()));

    // Clearing hands the channel back to rotation.
    let cleared = app
        .dailyq("admin", channel, "queue", vec![sub("clear", vec![])])
        .await;
    assert!(cleared.text().contains("1 question"), "{}", cleared.text());
    let listed = app
        .dailyq("admin", channel, "queue", vec![sub("list", vec![])])
        .await;
    assert!(listed.text().contains("is empty"), "{}", listed.text());
}

crate::e2e_on_both_backends!(queued_questions_come_before_rotation_and_post_takes_a_chosen_one);
