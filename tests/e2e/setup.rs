//! `/dailyq setup` and friends: who may, what is validated, what is written.

use crate::harness::{App, WAIT, eventually, start_instant};
use chrono::Duration;
use dailyq::domain::ChannelId;
use fake_discord::{focused, opt, sub};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

async fn inputs_of_thousands_of_characters_get_a_short_sentence_and_write_nothing(app: &mut App) {
    let channel = app.channel("dailyq");
    // Discord lets string options hold 6,000 characters; the fake passes on even more.
    let cases = [
        (
            [
                setup_options(channel, "09:30", "UTC"),
                vec![opt("category", "c".repeat(5_000))],
            ]
            .concat(),
            "is not a category",
        ),
        (
            setup_options(channel, "09:30", &"Europe/".repeat(1_250)),
            "is not a known time zone",
        ),
    ];
    for (options, expected) in cases {
        let reply = app.dailyq("admin", channel, "setup", options).await;
        assert!(reply.is_ephemeral());
        let text = reply.text();
        assert!(text.contains(expected), "expected `{expected}` in: {text}");
        assert!(
            text.chars().count() < 2_000,
            "{} characters",
            text.chars().count()
        );
    }
    assert!(app.store.schedule(ChannelId(channel)).await.unwrap().is_none());
}

async fn a_thread_is_refused_as_a_channel_argument_and_nothing_is_written(app: &mut App) {
    let general = app.channel("general");
    let alice = app.member("alice");
    let message = alice.say(general, "Anyone up for a mock interview?");
    let thread = alice
        .try_start_thread(general, message, "mock interviews")
        .expect("a member opens a thread");
    // The client offers only text and announcement channels; a modified client can send any.
    let reply = app
        .dailyq("admin", general, "setup", setup_options(thread, "09:30", "UTC"))
        .await;
    assert!(reply.is_ephemeral());
    let text = reply.text();
    assert!(
        text.contains(&format!("<#{thread}> is a thread"))
            && text.contains("needs a text or announcement channel"),
        "{text}"
    );
    assert!(app.store.schedule(ChannelId(thread)).await.unwrap().is_none());
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    assert!(app.store.guild_schedules(guild).await.unwrap().is_empty());
    for sub in ["post", "reveal", "pause", "resume", "remove", "check"] {
        let reply = app
            .dailyq("admin", general, sub, vec![opt("channel", thread)])
            .await;
        assert!(reply.is_ephemeral());
        assert!(reply.text().contains("is a thread"), "{sub}: {}", reply.text());
    }
    assert!(app.store.unfinished_rounds(guild).await.unwrap().is_empty());
}

crate::e2e_on_both_backends!(
    a_thread_is_refused_as_a_channel_argument_and_nothing_is_written,
    inputs_of_thousands_of_characters_get_a_short_sentence_and_write_nothing,
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
    // Only once: a new session's GUILD_CREATE is not a new join. The name stored for the guild
    // (read here through its web page's token) is changed first, so its return shows the
    // GUILD_CREATE went through the presence writer.
    app.store
        .record_guilds_present(&[(guild, "an older name")], start_instant())
        .await
        .unwrap();
    let token = dailyq::domain::web::WebToken::from_bytes([7; 16]);
    app.store
        .set_web_token(guild, Some(&token), start_instant())
        .await
        .unwrap();
    let identifies = app.fake.gateway().stats().identifies;
    app.fake.gateway().invalidate_session(false);
    let (store, token) = (app.store.clone(), &token);
    eventually("the new session's GUILD_CREATE recorded", || {
        let store = store.clone();
        async move {
            let (_, name) = store.guild_by_web_token(token).await.ok()??;
            (name.as_deref() == Some("Interview Prep")).then_some(())
        }
    })
    .await;
    assert_eq!(app.fake.gateway().stats().identifies, identifies + 1);
    let hints = app
        .fake
        .messages(general)
        .iter()
        .filter(|m| m.by_bot && m.text().contains("Thanks for adding"))
        .count();
    assert_eq!(hints, 1);
    app.finish().await;
}

/// A Discord-compatible REST proxy in front of the fake (what `DISCORD_PROXY_URL` names) that
/// answers 503 to `POST /channels/{failing}/messages` while `down` is set, and forwards
/// everything else.
async fn proxy_failing_posts_in(
    fake: &fake_discord::FakeDiscord,
    failing: u64,
    down: Arc<AtomicBool>,
) -> String {
    use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
    use axum::response::IntoResponse;
    let client = fake.plain_client();
    let base = fake.proxy_base();
    let blocked = format!("/api/v10/channels/{failing}/messages");
    let forward = move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
        let (client, base, blocked, down) = (client.clone(), base.clone(), blocked.clone(), down.clone());
        async move {
            if method == Method::POST && uri.path() == blocked && down.load(Ordering::SeqCst) {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"message": "503: Service Unavailable", "code": 0}"#,
                )
                    .into_response();
            }
            let mut headers = headers;
            headers.remove(header::HOST);
            headers.remove(header::CONTENT_LENGTH);
            let answer = client
                .request(method, format!("{base}{uri}"))
                .headers(headers)
                .body(body)
                .send()
                .await
                .expect("the fake answers");
            let status = answer.status();
            let mut headers = answer.headers().clone();
            headers.remove(header::CONTENT_LENGTH);
            headers.remove(header::TRANSFER_ENCODING);
            headers.remove(header::CONNECTION);
            let body = answer.bytes().await.expect("the fake's body");
            (status, headers, body).into_response()
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().fallback(forward))
            .await
            .unwrap();
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_discord_does_not_answer_says_so_without_sending_the_admin_to_check() {
    crate::logs::init();
    let db = crate::common::TestDb::sqlite().await;
    let questions =
        dailyq::bank::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap();
    db.store.sync_bank(&questions, chrono::Utc::now()).await.unwrap();
    let fake = fake_discord::FakeDiscord::start(fake_discord::FakeConfig::default()).await;
    let channel = fake.channel("dailyq");
    let down = Arc::new(AtomicBool::new(false));
    let proxy = proxy_failing_posts_in(&fake, channel, down.clone()).await;
    let token = fake.bot_token();
    let config = dailyq::config::Config::from_lookup(|name| match name {
        "DISCORD_PROXY_URL" => Some(proxy.clone()),
        "DISCORD_TOKEN" => Some(token.clone()),
        _ => None,
    })
    .unwrap();
    let http = dailyq::discord::http_client(&config, config.require_token().unwrap());
    let data = dailyq::discord::Data::new(db.store.clone(), Arc::new(dailyq::clock::SystemClock), true);
    let options = dailyq::discord::SchedulerOptions {
        max_sleep: std::time::Duration::from_millis(100),
        ..Default::default()
    };
    let mut client = dailyq::discord::build_client(http, data.clone(), options)
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    fake.gateway().wait_ready(WAIT).await.expect("ready");
    fake.wait_for_command("dailyq", WAIT).await.unwrap();
    let admin = fake.member("admin");
    let run = |sub_name: &str, options| admin.slash(channel, "dailyq", vec![sub(sub_name, options)]);
    let set_up = run("setup", setup_options(channel, "09:30", "UTC"))
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(set_up.text().contains("Set up"), "{}", set_up.text());

    down.store(true, Ordering::SeqCst);
    let reply = run("post", vec![]).wait_message(WAIT).await.unwrap();
    let text = reply.text();
    assert!(reply.is_ephemeral());
    assert!(text.contains("Discord did not answer"), "{text}");
    assert!(!text.contains("/dailyq check"), "{text}");

    // As promised, the next ticks post the claimed round once Discord answers again.
    down.store(false, Ordering::SeqCst);
    fake.wait_for_bot_message(channel, |m| m.text().starts_with("Question #"), WAIT)
        .await
        .expect("the round is posted after all");

    data.stop_background();
    shards.shutdown_all().await;
    task.abort();
    db.finish().await;
}
