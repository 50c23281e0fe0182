//! Seasons: a monthly season ends with a recap posted once (even across a restart at the
//! boundary), with its podium, counts and chart, and its board stays readable by number.

use crate::harness::{
    App, Backend, WAIT, answer, closed_round, set_up_daily, start_instant, upvote, wait_for_post,
};
use chrono::{Duration, TimeZone, Utc};
use fake_discord::{FakeConfig, Permissions, opt};

fn recaps(app: &App, channel: u64) -> usize {
    app.fake
        .messages(channel)
        .iter()
        .filter(|m| m.by_bot && m.text().contains("Season 1 · June 2026 is over"))
        .count()
}

async fn a_season_ends_with_one_recap_even_across_a_restart_at_the_boundary(app: &mut App) {
    let (daily, general) = (app.channel("dailyq"), app.channel("general"));
    let set = app
        .dailyq(
            "admin",
            general,
            "season",
            vec![opt("kind", 0), opt("recap_channel", general)],
        )
        .await;
    assert!(
        set.text().contains("Seasons are **monthly**") && set.text().contains("recaps in"),
        "{}",
        set.text()
    );
    set_up_daily(app, daily, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, daily, 1).await;
    let a = answer(
        app,
        "alice",
        thread,
        "Consistent hashing moves only K/n keys when a node joins.",
    )
    .await;
    answer(
        app,
        "bob",
        thread,
        "Rendezvous hashing is simpler and as balanced.",
    )
    .await;
    upvote(app, "carol", thread, a).await;
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;

    // The bot is down across the end of June and comes back on July 1st.
    app.stop_bot().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 30).unwrap());
    app.start_bot().await;
    let recap = app
        .fake
        .wait_for_bot_message(general, |m| m.text().contains("is over"), WAIT)
        .await
        .expect("the recap");
    let text = recap.text();
    let (alice, bob) = (app.member("alice").id, app.member("bob").id);
    assert!(text.contains("Season 1 · June 2026 is over"), "{text}");
    assert!(text.contains(&format!("🥇 <@{alice}> — **6** pts")), "{text}");
    assert!(text.contains(&format!("🥈 <@{bob}> — **2** pts")), "{text}");
    assert!(text.contains("1 round · 2 members answered"), "{text}");
    assert!(
        text.contains("Most upvoted answer") && text.contains(&format!("<@{alice}> — 1 ⬆️")),
        "{text}"
    );
    assert!(text.contains("Longest active streak"), "{text}");
    // The chart is a PNG attached to the recap and shown in its embed.
    let chart = recap
        .attachments
        .iter()
        .find(|a| a.filename == "participation.png")
        .expect("the chart");
    assert!(chart.in_embed, "{:?}", chart.url);
    assert!(chart.bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        recap.embeds[0]["image"]["url"]
            .as_str()
            .unwrap_or_default()
            .ends_with("participation.png")
    );

    // A restart right after finds nothing more to post.
    app.restart_with_scheduler(true).await;
    app.advance(Duration::minutes(1));
    let store = app.store.clone();
    crate::harness::eventually("the season recorded as recapped", || {
        let store = store.clone();
        let guild = dailyq::domain::GuildId(app.fake.guild_id());
        async move { store.pending_seasons(guild).await.ok()?.is_empty().then_some(()) }
    })
    .await;
    assert_eq!(recaps(app, general), 1);

    // Season 1's board by number; the current season has nothing yet.
    let past = app
        .member("bob")
        .slash(general, "leaderboard", vec![opt("season", 1)])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(
        past.text().contains("Season 1 · June 2026")
            && past.text().contains(&format!("<@{alice}> — **6** pts")),
        "{}",
        past.text()
    );
    // Its ◀ ▶ page the same season's board.
    assert!(
        !past.custom_ids().is_empty() && past.custom_ids().iter().all(|id| id.ends_with(":s1")),
        "{:?}",
        past.custom_ids()
    );
    let now = app
        .member("bob")
        .slash(general, "leaderboard", vec![opt("period", 3)])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(now.text().contains("No points yet"), "{}", now.text());
    let missing = app
        .member("bob")
        .slash(general, "leaderboard", vec![opt("season", 7)])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(
        missing.is_ephemeral() && missing.text().contains("no finished season 7"),
        "{}",
        missing.text()
    );
}

crate::e2e_on_both_backends!(a_season_ends_with_one_recap_even_across_a_restart_at_the_boundary);

/// One daily round on `(month, day)` 2026 at 09:30 UTC: `winner` answers and gets an upvote,
/// `other` answers.
async fn play_day(app: &App, channel: u64, number: u64, (month, day): (u32, u32), winner: &str, other: &str) {
    app.set_clock(Utc.with_ymd_and_hms(2026, month, day, 9, 30, 0).unwrap());
    let (_, thread) = wait_for_post(app, channel, number).await;
    let w = answer(
        app,
        winner,
        thread,
        "A careful answer with the trade-offs spelled out.",
    )
    .await;
    answer(app, other, thread, "A shorter answer.").await;
    upvote(app, "carol", thread, w).await;
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;
}

async fn the_champion_role_moves_to_each_seasons_winner(backend: Backend) {
    let mut config = FakeConfig::default().with_role("Champion", Permissions::NONE);
    config.bot_permissions = config.bot_permissions | Permissions::MANAGE_ROLES;
    let Some(app) = App::start_with(backend, config).await else {
        return;
    };
    let (daily, general) = (app.channel("dailyq"), app.channel("general"));
    let role = app.fake.role("Champion");
    let set = app
        .dailyq(
            "admin",
            general,
            "season",
            vec![opt("recap_channel", general), opt("champion_role", role)],
        )
        .await;
    assert!(set.text().contains(&format!("<@&{role}>")), "{}", set.text());
    set_up_daily(&app, daily, "09:30").await;
    let (alice, bob) = (app.member("alice").id, app.member("bob").id);

    play_day(&app, daily, 1, (6, 10), "alice", "bob").await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 30).unwrap());
    let june = app
        .fake
        .wait_for_bot_message(general, |m| m.text().contains("Season 1"), WAIT)
        .await
        .expect("June's recap");
    assert!(
        june.text().contains(&format!("<@&{role}> goes to <@{alice}>")),
        "{}",
        june.text()
    );
    assert!(app.fake.member_roles(alice).contains(&role));

    // July: Bob wins; the role moves from Alice to him.
    play_day(&app, daily, 2, (7, 1), "bob", "alice").await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 8, 1, 0, 0, 30).unwrap());
    app.fake
        .wait_for_bot_message(general, |m| m.text().contains("Season 2"), WAIT)
        .await
        .expect("July's recap");
    assert!(app.fake.member_roles(bob).contains(&role));
    assert!(
        !app.fake.member_roles(alice).contains(&role),
        "taken back from last season's champion"
    );
    app.finish().await;
}

async fn a_champion_role_above_the_bots_is_reported_in_the_recap_and_by_check(backend: Backend) {
    let mut config = FakeConfig::default()
        .with_role("Champion", Permissions::NONE)
        .with_bot_role_below("Champion");
    config.bot_permissions = config.bot_permissions | Permissions::MANAGE_ROLES;
    let Some(app) = App::start_with(backend, config).await else {
        return;
    };
    let (daily, general) = (app.channel("dailyq"), app.channel("general"));
    let role = app.fake.role("Champion");
    app.dailyq(
        "admin",
        general,
        "season",
        vec![opt("recap_channel", general), opt("champion_role", role)],
    )
    .await;
    let check = app.dailyq("admin", general, "check", vec![]).await;
    assert!(check.text().contains("must be above it"), "{}", check.text());
    set_up_daily(&app, daily, "09:30").await;
    play_day(&app, daily, 1, (6, 10), "alice", "bob").await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 30).unwrap());
    let recap = app
        .fake
        .wait_for_bot_message(general, |m| m.text().contains("Season 1"), WAIT)
        .await
        .expect("the recap, even without the role");
    assert!(
        recap.text().contains("I could not move the champion role"),
        "{}",
        recap.text()
    );
    assert!(!app.fake.member_roles(app.member("alice").id).contains(&role));
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_the_champion_role_moves_to_each_seasons_winner() {
    the_champion_role_moves_to_each_seasons_winner(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_champion_role_moves_to_each_seasons_winner() {
    the_champion_role_moves_to_each_seasons_winner(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_champion_role_above_the_bots_is_reported_in_the_recap_and_by_check() {
    a_champion_role_above_the_bots_is_reported_in_the_recap_and_by_check(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_champion_role_above_the_bots_is_reported_in_the_recap_and_by_check() {
    a_champion_role_above_the_bots_is_reported_in_the_recap_and_by_check(Backend::Postgres).await;
}
