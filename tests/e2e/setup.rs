//! `/dailyq setup` and friends: who may, what is validated, what is written.

use crate::harness::{App, WAIT, start_instant};
use chrono::Duration;
use dailyq::domain::ChannelId;
use fake_discord::{focused, opt, sub};

fn setup_options(channel: u64, time: &str, timezone: &str) -> Vec<fake_discord::Opt> {
    vec![
        opt("channel", channel),
        opt("time", time),
        opt("timezone", timezone),
    ]
}

async fn an_admin_sets_up_a_channel_and_sees_the_next_post(app: &mut App) {
    let channel = app.channel("dailyq");
    let reply = app
        .dailyq(
            "admin",
            app.channel("general"),
            "setup",
            setup_options(channel, "09:30", "Europe/Berlin"),
        )
        .await;
    assert!(reply.is_ephemeral());
    let text = reply.text();
    assert!(text.contains("Set up the daily question"), "{text}");
    // 09:30 in Berlin (CEST) on 2026-06-10 is 07:30 UTC.
    let next = start_instant() + Duration::hours(1) + Duration::minutes(30);
    assert!(text.contains(&format!("<t:{}:F>", next.timestamp())), "{text}");
    let schedule = app
        .store
        .schedule(ChannelId(channel))
        .await
        .unwrap()
        .expect("schedule written");
    assert_eq!(schedule.next_post_at, next);
    assert_eq!(schedule.post_time.timezone.name(), "Europe/Berlin");

    // Running it again updates, it does not duplicate.
    let again = app
        .dailyq(
            "moderator",
            channel,
            "setup",
            vec![
                opt("channel", channel),
                opt("time", "18:00"),
                opt("timezone", "UTC"),
                opt("days", "weekdays"),
            ],
        )
        .await;
    assert!(
        again.text().contains("Updated the daily question"),
        "{}",
        again.text()
    );
    let guild = app.store.guild_schedules(schedule.guild_id).await.unwrap();
    assert_eq!(guild.len(), 1);
    assert_eq!(guild[0].post_time.time.to_string(), "18:00");
}

async fn a_member_without_manage_server_is_refused_and_nothing_is_written(app: &mut App) {
    let channel = app.channel("dailyq");
    // Discord hides /dailyq from members without Manage Server…
    let registered = app
        .fake
        .commands()
        .into_iter()
        .find(|c| c["name"] == "dailyq")
        .unwrap();
    assert_eq!(registered["default_member_permissions"], "32", "{registered}");
    // …but a server can override that in its Integrations settings, so the bot checks itself.
    let alice = app.member("alice");
    for (sub, options) in [
        ("setup", setup_options(channel, "09:30", "UTC")),
        ("status", vec![]),
        ("post", vec![]),
    ] {
        let reply = alice
            .slash_overridden(channel, "dailyq", vec![fake_discord::sub(sub, options)])
            .wait_message(WAIT)
            .await
            .unwrap();
        assert!(reply.is_ephemeral());
        assert!(reply.text().contains("Manage Server"), "{sub}: {}", reply.text());
    }
    assert!(app.store.schedule(ChannelId(channel)).await.unwrap().is_none());
    assert!(
        app.fake
            .messages(channel)
            .iter()
            .all(|m| !m.by_bot || m.is_ephemeral())
    );
}

async fn bad_arguments_get_a_sentence_and_write_nothing(app: &mut App) {
    let channel = app.channel("dailyq");
    let cases = [
        (
            setup_options(channel, "09:30", "Mars/Olympus"),
            "is not a known time zone",
        ),
        (setup_options(channel, "25:00", "UTC"), "is not a time"),
        (
            [
                setup_options(channel, "09:30", "UTC"),
                vec![opt("answer_window", "5m")],
            ]
            .concat(),
            "out of range",
        ),
        (
            [
                setup_options(channel, "09:30", "UTC"),
                vec![opt("days", "funday")],
            ]
            .concat(),
            "is not a day",
        ),
        (
            [
                setup_options(channel, "09:30", "UTC"),
                vec![opt("category", "astrology")],
            ]
            .concat(),
            "is not a category",
        ),
    ];
    for (options, expected) in cases {
        let reply = app.dailyq("admin", channel, "setup", options).await;
        assert!(reply.is_ephemeral());
        assert!(
            reply.text().contains(expected),
            "expected `{expected}` in: {}",
            reply.text()
        );
    }
    assert!(app.store.schedule(ChannelId(channel)).await.unwrap().is_none());
}

async fn timezone_and_category_autocomplete_offer_real_values(app: &mut App) {
    let channel = app.channel("dailyq");
    let zones = app
        .member("admin")
        .autocomplete(
            channel,
            "dailyq",
            vec![sub(
                "setup",
                vec![
                    opt("channel", channel),
                    opt("time", "09:00"),
                    focused("timezone", "new_y"),
                ],
            )],
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        zones.iter().any(|c| c["value"] == "America/New_York"),
        "{zones:?}"
    );
    let categories = app
        .member("admin")
        .autocomplete(
            channel,
            "dailyq",
            vec![sub(
                "setup",
                vec![
                    opt("channel", channel),
                    opt("time", "09:00"),
                    opt("timezone", "UTC"),
                    focused("category", "data"),
                ],
            )],
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        categories.iter().any(|c| c["value"] == "databases"),
        "{categories:?}"
    );
}

async fn pause_resume_remove_and_scoring_change_the_settings(app: &mut App) {
    let channel = app.channel("dailyq");
    app.dailyq("admin", channel, "setup", setup_options(channel, "09:30", "UTC"))
        .await;
    let paused = app.dailyq("admin", channel, "pause", vec![]).await;
    assert!(paused.text().contains("Paused"), "{}", paused.text());
    assert!(
        app.store
            .schedule(ChannelId(channel))
            .await
            .unwrap()
            .unwrap()
            .paused
    );
    let resumed = app.dailyq("admin", channel, "resume", vec![]).await;
    assert!(resumed.text().contains("Resumed"), "{}", resumed.text());
    assert!(
        !app.store
            .schedule(ChannelId(channel))
            .await
            .unwrap()
            .unwrap()
            .paused
    );

    let shown = app.dailyq("admin", channel, "scoring", vec![]).await;
    assert!(
        shown.text().contains("answering a round: **2**"),
        "{}",
        shown.text()
    );
    let set = app
        .dailyq(
            "admin",
            channel,
            "scoring",
            vec![opt("top_answer", 5), opt("min_answer_length", 20)],
        )
        .await;
    assert!(
        set.text().contains("the most-upvoted answer: **5**"),
        "{}",
        set.text()
    );
    let guild = app
        .store
        .schedule(ChannelId(channel))
        .await
        .unwrap()
        .unwrap()
        .guild_id;
    let settings = app.store.guild_settings(guild).await.unwrap().unwrap();
    assert_eq!((settings.weights.top_answer, settings.min_answer_chars), (5, 20));

    let removed = app.dailyq("admin", channel, "remove", vec![]).await;
    assert!(removed.text().contains("Removed"), "{}", removed.text());
    assert!(app.store.schedule(ChannelId(channel)).await.unwrap().is_none());
    let status = app.dailyq("admin", channel, "status", vec![]).await;
    assert!(
        status.text().contains("No daily question is set up"),
        "{}",
        status.text()
    );
}

async fn help_explains_how_to_start(app: &mut App) {
    let reply = app
        .member("alice")
        .slash(app.channel("general"), "help", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(reply.text().contains("/dailyq setup"), "{}", reply.text());
}

crate::e2e_on_both_backends!(
    an_admin_sets_up_a_channel_and_sees_the_next_post,
    a_member_without_manage_server_is_refused_and_nothing_is_written,
    bad_arguments_get_a_sentence_and_write_nothing,
    timezone_and_category_autocomplete_offer_real_values,
    pause_resume_remove_and_scoring_change_the_settings,
    help_explains_how_to_start,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_a_server_posts_a_short_hint_how_to_start() {
    let config = fake_discord::FakeConfig::default().with_bot_not_yet_in_guild();
    let app = App::start_with(crate::harness::Backend::Sqlite, config)
        .await
        .unwrap();
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    assert!(app.store.guild_settings(guild).await.unwrap().is_none());
    app.fake.add_bot_to_guild();
    let general = app.channel("general");
    let hint = app
        .fake
        .wait_for_bot_message(general, |m| m.text().contains("/dailyq setup"), WAIT)
        .await
        .expect("a hint in the first channel the bot can write in");
    assert!(hint.text().contains("Thanks for adding"), "{}", hint.text());
    assert!(
        app.store.guild_settings(guild).await.unwrap().is_some(),
        "the guild is recorded"
    );
    // Only once: a reconnect's GUILD_CREATE is not a new join.
    app.fake.gateway().drop_connections();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let hints = app
        .fake
        .messages(general)
        .iter()
        .filter(|m| m.by_bot && m.text().contains("Thanks for adding"))
        .count();
    assert_eq!(hints, 1);
    app.finish().await;
}
