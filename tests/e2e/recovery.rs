//! Crashes, restarts, downtime and missing permissions.

use crate::harness::{
    App, Backend, WAIT, answer, assert_posted_and_revealed_once, closed_round, eventually, points_of,
    question_posts, scheduler_settled, set_up_daily, start_instant, wait_for_post,
};
use crate::logs;
use chrono::Duration;
use dailyq::domain::round::RoundState;
use dailyq::domain::{ChannelId, GuildId, MessageId};
use dailyq::store::NewRound;
use fake_discord::Permissions;
use poise::serenity_prelude as serenity;

async fn a_restart_mid_round_posts_nothing_twice_and_counts_votes_cast_while_down(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(app, "alice", thread, "Alice's answer about indexes.").await;
    let c = answer(app, "carol", thread, "Carol's answer about indexes.").await;

    app.stop_bot().await;
    // While the bot is down: votes and an answer it never hears about.
    app.member("bob").react(thread, c, "⬆️");
    app.member("alice").react(thread, c, "⬆️");
    let b = app
        .member("bob")
        .say(thread, "Bob's answer, posted while the bot was down.");
    app.member("carol").react(thread, b, "⬆️");
    app.advance(Duration::minutes(10));
    app.start_bot().await;
    app.settle().await;
    assert_eq!(
        question_posts(app, channel),
        1,
        "no second post after the restart"
    );
    assert_eq!(
        app.store.vote_count(MessageId(c)).await.unwrap(),
        0,
        "the bot did not see them live"
    );

    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let round = closed_round(app, thread).await;
    assert_eq!(
        app.store.vote_count(MessageId(c)).await.unwrap(),
        2,
        "reconciled from Discord's reactions"
    );
    assert_eq!(app.store.vote_count(MessageId(a)).await.unwrap(), 0);
    let awards = app.store.round_awards(round.id).await.unwrap();
    let carol = app.member("carol").id;
    assert_eq!(points_of(&awards, carol), 2 + 2 + 3, "{awards:?}");
    assert_eq!(
        points_of(&awards, app.member("bob").id),
        2 + 1,
        "the missed answer counts: {awards:?}"
    );
    assert_eq!(app.store.vote_count(MessageId(b)).await.unwrap(), 1);
    assert_eq!(question_posts(app, channel), 1);
}

async fn a_crash_between_posting_and_recording_does_not_double_post(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.stop_bot().await;

    // What a crashed process left: the round claimed, the message on Discord, nothing recorded.
    let guild = GuildId(app.fake.guild_id());
    let at = start_instant() + Duration::hours(3) + Duration::minutes(30);
    let question = app
        .store
        .rotation_candidates(guild, dailyq::domain::rotation::QuestionSource::Both)
        .await
        .unwrap()[0]
        .key;
    let new = NewRound {
        kind: dailyq::domain::round::RoundKind::Daily,
        remind_at: None,
        answers_close_at: None,
        queued: None,
        guild_id: guild,
        channel_id: ChannelId(channel),
        question_id: question,
        scheduled_date: at.date_naive(),
        opens_at: at,
        closes_at: at + Duration::hours(2),
    };
    let round = app.store.claim_round(&new, at).await.unwrap().unwrap();
    let q = app.store.question(question).await.unwrap();
    let post = serenity::CreateMessage::new()
        .embed(dailyq::discord::render::question_embed(&round, &q, 0, 0))
        .nonce(serenity::Nonce::String(round.nonce.clone()))
        .enforce_nonce(true);
    serenity::ChannelId::new(channel)
        .send_message(&app.discord_http(), post)
        .await
        .unwrap();
    assert_eq!(question_posts(app, channel), 1);

    app.set_clock(at + Duration::minutes(1));
    app.start_bot().await;
    let thread = app
        .fake
        .wait_for_thread(channel, |_| true, WAIT)
        .await
        .expect("the thread is opened on the old post");
    let store = app.store.clone();
    let recovered = eventually("the round recorded as open", || {
        let store = store.clone();
        async move {
            store
                .round(round.id)
                .await
                .ok()
                .filter(|r| r.state == RoundState::Open && r.thread_id.is_some())
        }
    })
    .await;
    assert_eq!(recovered.message_id, Some(MessageId(thread.id)));
    app.settle().await;
    assert_eq!(
        question_posts(app, channel),
        1,
        "found by its marker, not posted again"
    );
}

async fn after_downtime_overdue_reveals_happen_and_stale_posts_are_skipped(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, _) = wait_for_post(app, channel, 1).await;
    app.stop_bot().await;

    // Down for a whole day: today's reveal is overdue; tomorrow's post is past its window.
    app.set_clock(start_instant() + Duration::days(1) + Duration::hours(6));
    app.start_bot().await;
    app.fake
        .wait_for_bot_message(channel, |m| m.reply_to == Some(post), WAIT)
        .await
        .expect("the overdue reveal happens at start-up");
    let store = app.store.clone();
    let schedule = eventually("the schedule moved past the missed post", || {
        let store = store.clone();
        async move {
            store
                .schedule(ChannelId(channel))
                .await
                .ok()?
                .filter(|s| s.next_post_at > start_instant() + Duration::days(1) + Duration::hours(6))
        }
    })
    .await;
    assert_eq!(
        schedule.next_post_at,
        start_instant() + Duration::days(2) + Duration::hours(3) + Duration::minutes(30)
    );
    let posts: Vec<String> = app
        .fake
        .messages(channel)
        .iter()
        .filter(|m| m.by_bot)
        .map(|m| m.text())
        .collect();
    assert_eq!(
        question_posts(app, channel),
        1,
        "the stale post was skipped: {posts:#?}"
    );
    assert!(
        logs::has_line(&["missed", &channel.to_string()]),
        "the skip is logged"
    );
}

async fn a_late_post_inside_its_window_keeps_the_original_deadline(app: &mut App) {
    let channel = app.channel("dailyq");
    app.stop_bot().await;
    app.start_bot().await;
    set_up_daily(app, channel, "09:30").await;
    app.stop_bot().await;
    // Back at 10:30: an hour late, still inside the two-hour window.
    app.set_clock(start_instant() + Duration::hours(4) + Duration::minutes(30));
    app.start_bot().await;
    let (_, thread) = wait_for_post(app, channel, 1).await;
    let store = app.store.clone();
    let round = eventually("the thread recorded", || {
        let store = store.clone();
        async move { store.round_by_thread(ChannelId(thread)).await.ok().flatten() }
    })
    .await;
    assert_eq!(
        round.closes_at,
        start_instant() + Duration::hours(5) + Duration::minutes(30)
    );
}

async fn a_missing_permission_is_named_by_check_and_fails_the_round_loudly(app: &mut App) {
    let channel = app.channel("dailyq");
    let without_threads = Permissions(Permissions::BOT_DEFAULT.0 & !Permissions::CREATE_PUBLIC_THREADS.0);
    app.fake.set_bot_permissions(channel, without_threads);
    let check = app.dailyq("admin", channel, "check", vec![]).await;
    let text = check.text();
    assert!(
        text.contains("Create Public Threads") && text.contains("no answer thread"),
        "{text}"
    );
    assert!(
        !text.contains("Send Messages**"),
        "only what is missing is listed: {text}"
    );
    let elsewhere = app
        .dailyq(
            "admin",
            channel,
            "check",
            vec![fake_discord::opt("channel", app.channel("general"))],
        )
        .await;
    assert!(
        elsewhere.text().contains("every permission"),
        "{}",
        elsewhere.text()
    );

    let setup_text = set_up_daily(app, channel, "09:30").await;
    assert!(
        setup_text.contains("Before the first post"),
        "setup warns: {setup_text}"
    );
    assert!(setup_text.contains("Create Public Threads"), "{setup_text}");
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    app.fake
        .wait_for_bot_message(channel, |m| m.text().contains("Question #1"), WAIT)
        .await
        .unwrap();
    eventually("a loud log line", || async {
        logs::has_line(&["ERROR", "Create Public Threads", &channel.to_string()]).then_some(())
    })
    .await;
    assert!(app.fake.threads(channel).is_empty());
}

async fn a_reveal_interrupted_after_posting_the_answer_does_not_post_it_twice(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(app, "alice", thread, "Alice's answer, posted before the crash.").await;
    crate::harness::upvote(app, "bob", thread, a).await;
    app.stop_bot().await;

    // A process crashed mid-reveal: the round is revealing and the reference answer reached
    // Discord, but its id was never recorded.
    let store = app.store.clone();
    let (round, question) = crate::harness::reveal_interrupted(app, thread).await;
    let reveal = serenity::CreateMessage::new()
        .embeds(dailyq::discord::render::reveal_embeds(&round, &question))
        .nonce(serenity::Nonce::String(format!("dqa{}", round.id)))
        .enforce_nonce(true);
    serenity::ChannelId::new(thread)
        .send_message(&app.discord_http(), reveal)
        .await
        .unwrap();

    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    app.start_bot().await;
    app.fake
        .wait_for_bot_message(channel, |m| m.reply_to == Some(post), WAIT)
        .await
        .expect("the summary");
    eventually("the round closed", || {
        let store = store.clone();
        async move {
            store
                .round(round.id)
                .await
                .ok()
                .filter(|r| r.state == RoundState::Closed)
        }
    })
    .await;
    let reveals = app
        .fake
        .messages(thread)
        .iter()
        .filter(|m| m.text().contains("Reference answer"))
        .count();
    assert_eq!(
        reveals, 1,
        "the nonce made the repeated post return the first one"
    );
    let awards = store.round_awards(round.id).await.unwrap();
    assert_eq!(
        points_of(&awards, app.member("alice").id),
        2 + 1 + 3,
        "{}",
        logs::dump()
    );
}

async fn a_paused_channel_posts_nothing_new_but_still_reveals_its_open_round(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, _) = wait_for_post(app, channel, 1).await;
    let paused = app.dailyq("admin", channel, "pause", vec![]).await;
    assert!(paused.text().contains("Paused"), "{}", paused.text());

    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    app.fake
        .wait_for_bot_message(channel, |m| m.reply_to == Some(post), WAIT)
        .await
        .expect("the reveal still happens");
    app.set_clock(start_instant() + Duration::days(1) + Duration::hours(3) + Duration::minutes(31));
    app.settle().await;
    assert_eq!(question_posts(app, channel), 1, "no post while paused");
}

async fn a_deleted_question_message_still_gets_its_summary(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    answer(
        app,
        "alice",
        thread,
        "An answer that survives the deleted question.",
    )
    .await;
    app.member("admin").delete(channel, post);
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let summary = app
        .fake
        .wait_for_bot_message(channel, |m| m.text().contains("Question #1 revealed"), WAIT)
        .await
        .expect("the summary, as a plain message");
    assert!(summary.text().contains("1 member answered"), "{}", summary.text());
}

async fn two_processes_on_one_database_post_and_reveal_each_round_once(app: &mut App) {
    // A second and third "process": their own connection pools and schedulers on the same
    // database, sharing nothing in memory with the bot (not even its cache).
    let mut others = Vec::new();
    for _ in 0..2 {
        let store = dailyq::store::Store::connect(app.db_url()).await.unwrap();
        let data = dailyq::discord::Data::new(store, std::sync::Arc::new(app.clock.clone()), true);
        let discord = dailyq::discord::Discord {
            http: std::sync::Arc::new(app.discord_http()),
            cache: std::sync::Arc::new(serenity::Cache::new()),
            pace: data.rest.clone(),
        };
        let options = dailyq::discord::SchedulerOptions {
            max_sleep: std::time::Duration::from_millis(50),
            ..Default::default()
        };
        tokio::spawn(dailyq::discord::scheduler::run(discord, data.clone(), options));
        others.push(data);
    }
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    answer(app, "alice", thread, "One answer, three schedulers.").await;
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let round = closed_round(app, thread).await;
    // Every scheduler has done all it will do before they stop.
    app.settle().await;
    for data in &others {
        scheduler_settled(data).await;
    }
    for data in &others {
        data.stop_background();
    }

    assert_posted_and_revealed_once(app, channel, post, thread);
    assert_eq!(
        points_of(
            &app.store.round_awards(round.id).await.unwrap(),
            app.member("alice").id
        ),
        2
    );
}

async fn a_round_completes_exactly_once_while_discord_fails_a_fifth_of_requests(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    let (alice, bob) = (app.member("alice"), app.member("bob"));
    app.fake.faults().set_5xx_rate(0.2);
    app.fake.faults().set_429_rate(0.05);
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let a = alice.say(thread, "An answer written while Discord is flaky.");
    bob.react(thread, a, "⬆️");
    let b = bob.say(thread, "Another answer written while Discord is flaky.");
    let store = app.store.clone();
    eventually("both answers recorded", || {
        let store = store.clone();
        async move {
            (store.answer(MessageId(a)).await.ok()?.is_some()
                && store.answer(MessageId(b)).await.ok()?.is_some())
            .then_some(())
        }
    })
    .await;
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let round = closed_round(app, thread).await;
    app.fake.faults().clear();
    app.settle().await;

    assert_posted_and_revealed_once(app, channel, post, thread);
    let awards = app.store.round_awards(round.id).await.unwrap();
    assert_eq!(points_of(&awards, alice.id), 2 + 1 + 3, "{awards:?}");
    assert_eq!(points_of(&awards, bob.id), 2, "{awards:?}");
}

async fn a_post_refused_by_discord_is_skipped_and_the_admin_is_told_why(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    let cannot_send = Permissions(Permissions::BOT_DEFAULT.0 & !Permissions::SEND_MESSAGES.0);
    app.fake.set_bot_permissions(channel, cannot_send);
    let first = app
        .dailyq(
            "admin",
            app.channel("general"),
            "post",
            vec![fake_discord::opt("channel", channel)],
        )
        .await;
    assert!(
        first.text().contains("I could not post in") && first.text().contains("/dailyq check"),
        "{}",
        first.text()
    );
    let second = app
        .dailyq(
            "admin",
            app.channel("general"),
            "post",
            vec![fake_discord::opt("channel", channel)],
        )
        .await;
    assert!(second.text().contains("was skipped"), "{}", second.text());
    let guild = GuildId(app.fake.guild_id());
    assert!(
        app.store.unfinished_rounds(guild).await.unwrap().is_empty(),
        "the round is skipped, not pending"
    );
    let check = app
        .dailyq(
            "admin",
            app.channel("general"),
            "check",
            vec![fake_discord::opt("channel", channel)],
        )
        .await;
    assert!(check.text().contains("Send Messages"), "{}", check.text());
}

async fn a_channel_whose_posts_keep_failing_backs_off_and_never_holds_up_another(app: &mut App) {
    let (bad, good) = (app.channel("dailyq"), app.channel("general"));
    set_up_daily(app, bad, "09:30").await;
    set_up_daily(app, good, "09:30").await;
    let outage = format!("/channels/{bad}/");
    app.fake.faults().fail_path(&outage, 503);
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));

    // The healthy channel posts at once.
    wait_for_post(app, good, 1).await;
    // The failing one is retried with growing pauses (here 20 ms doubling to 500 ms), not in a loop.
    let attempts = eventually("eight attempts", || {
        let times: Vec<u64> = app
            .fake
            .rest_records()
            .iter()
            .filter(|r| r.path.contains(&outage))
            .map(|r| r.at_ms)
            .collect();
        async move { (times.len() >= 8).then_some(times) }
    })
    .await;
    let gap = attempts[7] - attempts[6];
    assert!(
        gap >= 150,
        "the eighth attempt came {gap} ms after the seventh: {attempts:?}"
    );

    // Discord is back: the post is made once.
    app.fake.faults().heal_path(&outage);
    wait_for_post(app, bad, 1).await;
    assert_eq!(question_posts(app, bad), 1);
    assert_eq!(question_posts(app, good), 1);
}

/// A daily schedule at `time` UTC, written straight to the database (as `/dailyq setup` would),
/// filed under `guild`.
async fn schedule_in(app: &App, guild: GuildId, channel: u64, time: &str) {
    use dailyq::domain::round::ChannelSchedule;
    use dailyq::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
    let post_time = PostTime {
        time: LocalTime::parse(time).unwrap(),
        timezone: Timezone::utc(),
        weekdays: Weekdays::parse("daily").unwrap(),
    };
    app.store.ensure_guild(guild, start_instant()).await.unwrap();
    let schedule = ChannelSchedule {
        channel_id: ChannelId(channel),
        guild_id: guild,
        post_time,
        filter: Default::default(),
        answer_window: AnswerWindow::default_window(),
        ping_role: None,
        remind_before: None,
        blind: None,
        source: dailyq::domain::rotation::QuestionSource::Both,
        paused: false,
        next_post_at: post_time.next_after(start_instant()).at,
        created_by: dailyq::domain::UserId(app.member("admin").id),
    };
    app.store
        .upsert_schedule(&schedule, start_instant())
        .await
        .unwrap();
}

/// A guild whose every request hangs (Discord never answers) holds at most its share of the
/// scheduler's slots: more of its channels than there are slots in all are due first, and
/// another guild's post still goes out.
///
/// The fake serves one guild; the scheduler knows guilds only by the ids the database files
/// schedules under, so the quiet guild's channel is filed under a second guild id.
async fn a_guild_whose_requests_hang_never_delays_another_guilds_post(backend: Backend) {
    let options = dailyq::discord::SchedulerOptions::default();
    let slow_channels = options.parallel_channels + 8;
    let mut config = fake_discord::FakeConfig::default();
    for i in 0..slow_channels {
        config = config.with_channel(&format!("slow{i}"));
    }
    let Some(app) = App::start_with(backend, config).await else {
        return;
    };
    let slow_guild = GuildId(app.fake.guild_id());
    let other_guild = GuildId(app.fake.guild_id() + 1);
    for i in 0..slow_channels {
        let channel = app.channel(&format!("slow{i}"));
        schedule_in(&app, slow_guild, channel, "09:30").await;
        app.fake.faults().hold_path(&format!("/channels/{channel}/"));
    }
    let quiet = app.channel("general");
    schedule_in(&app, other_guild, quiet, "09:31").await;

    // The slow guild's channels are due first; each task hangs on its first request.
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    app.fake
        .faults()
        .wait_for_held(options.per_guild_channels, WAIT)
        .await
        .expect("the slow guild's requests hang");
    // A minute later the other guild's channel is due, and posts.
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(31));
    wait_for_post(&app, quiet, 1).await;
    assert_eq!(question_posts(&app, quiet), 1);
    assert_eq!(
        app.fake.faults().held_count(),
        options.per_guild_channels,
        "the slow guild holds no more than its share of the slots"
    );
    app.fake.faults().clear();
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guild_whose_requests_hang_never_delays_another_guilds_post_on_sqlite() {
    a_guild_whose_requests_hang_never_delays_another_guilds_post(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guild_whose_requests_hang_never_delays_another_guilds_post_on_postgres() {
    a_guild_whose_requests_hang_never_delays_another_guilds_post(Backend::Postgres).await;
}

crate::e2e_on_both_backends!(
    a_restart_mid_round_posts_nothing_twice_and_counts_votes_cast_while_down,
    a_crash_between_posting_and_recording_does_not_double_post,
    after_downtime_overdue_reveals_happen_and_stale_posts_are_skipped,
    a_late_post_inside_its_window_keeps_the_original_deadline,
    a_missing_permission_is_named_by_check_and_fails_the_round_loudly,
    a_reveal_interrupted_after_posting_the_answer_does_not_post_it_twice,
    a_paused_channel_posts_nothing_new_but_still_reveals_its_open_round,
    a_deleted_question_message_still_gets_its_summary,
    two_processes_on_one_database_post_and_reveal_each_round_once,
    a_round_completes_exactly_once_while_discord_fails_a_fifth_of_requests,
    a_post_refused_by_discord_is_skipped_and_the_admin_is_told_why,
    a_channel_whose_posts_keep_failing_backs_off_and_never_holds_up_another,
);
