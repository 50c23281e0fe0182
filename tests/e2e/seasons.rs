//! Seasons: a monthly season ends with a recap posted once (even across a restart at the
//! boundary), with its podium, counts and chart, and its board stays readable by number.

use crate::harness::{App, WAIT, answer, closed_round, set_up_daily, start_instant, upvote, wait_for_post};
use chrono::{Duration, TimeZone, Utc};
use fake_discord::opt;

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
    let image = recap.embeds[0]["image"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(image, "attachment://participation.png");

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
