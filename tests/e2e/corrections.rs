//! Admin corrections: a points adjustment and disqualifications before and after the reveal,
//! each a ledger line with its admin and reason, reflected in the leaderboard.

use crate::harness::{App, WAIT, answer, closed_round, set_up_daily, start_instant, upvote, wait_for_post};
use chrono::Duration;
use dailyq::domain::leaderboard::{Board, Period};
use dailyq::domain::schedule::Timezone;
use dailyq::domain::{GuildId, UserId};
use fake_discord::{opt, sub};

async fn board_points(app: &App, who: &str) -> Option<(i64, i64)> {
    let bucket = Board::Daily.bucket(Period::AllTime, Timezone::utc(), start_instant());
    app.store
        .leaderboard_page(
            GuildId(app.fake.guild_id()),
            None,
            &bucket,
            0,
            10,
            UserId(app.member(who).id),
        )
        .await
        .unwrap()
        .me
        .map(|r| (r.standing.points, r.standing.answers))
}

async fn adjustments_and_disqualifications_are_ledger_lines_the_leaderboard_reflects(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(
        app,
        "alice",
        thread,
        "Hash the key, then probe linearly on collisions.",
    )
    .await;
    let b = answer(
        app,
        "bob",
        thread,
        "Copied from the first page of search results.",
    )
    .await;
    upvote(app, "carol", thread, a).await;
    let link = |m: u64| {
        format!(
            "https://discord.com/channels/{}/{thread}/{m}",
            app.fake.guild_id()
        )
    };

    // Before the reveal: Bob's answer stops counting, and an edit does not bring it back (live or
    // when the reveal reads the thread again).
    let reply = app
        .dailyq(
            "admin",
            channel,
            "disqualify",
            vec![opt("message_link", link(b)), opt("reason", "copied")],
        )
        .await;
    assert!(
        reply.text().contains("the reveal leaves it out"),
        "{}",
        reply.text()
    );
    app.member("bob").edit(
        thread,
        b,
        "Copied from the first page of search results, now longer.",
    );
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;
    assert_eq!(
        board_points(app, "alice").await,
        Some((6, 1)),
        "answer 2 + one voter 1 + top 3"
    );
    assert_eq!(
        board_points(app, "bob").await,
        None,
        "a disqualified answer earns nothing"
    );

    // An adjustment: bob gets 5 points, with the admin and the reason in the log.
    let given = app
        .dailyq(
            "admin",
            channel,
            "points",
            vec![
                opt("member", app.member("bob").id),
                opt("points", 5),
                opt("reason", "ran the study session"),
            ],
        )
        .await;
    assert!(
        given.text().contains("Gave") && given.text().contains("5 points"),
        "{}",
        given.text()
    );
    assert_eq!(board_points(app, "bob").await, Some((5, 0)));

    // After the reveal: Alice's answer is disqualified and her points corrected in the ledger.
    let after = app
        .dailyq(
            "admin",
            channel,
            "disqualify",
            vec![opt("message_link", link(a)), opt("reason", "plagiarised")],
        )
        .await;
    assert!(
        after.text().contains("already revealed") && after.text().contains("-6 points"),
        "{}",
        after.text()
    );
    assert_eq!(board_points(app, "alice").await, Some((0, 0)));
    let again = app
        .dailyq(
            "admin",
            channel,
            "disqualify",
            vec![opt("message_link", link(a)), opt("reason", "twice")],
        )
        .await;
    assert!(again.text().contains("already disqualified"), "{}", again.text());
    assert_eq!(
        board_points(app, "alice").await,
        Some((0, 0)),
        "nothing written twice"
    );

    let log = app.dailyq("admin", channel, "points-log", vec![]).await;
    let text = log.text();
    let (alice, bob) = (app.member("alice").id, app.member("bob").id);
    assert!(
        text.contains(&format!("<@{alice}> -6 · disqualification")),
        "{text}"
    );
    assert!(text.contains(&format!("<@{bob}> +5 · adjustment")), "{text}");
    assert!(
        text.contains("plagiarised") && text.contains("ran the study session"),
        "{text}"
    );
    assert!(
        text.find("plagiarised") < text.find("ran the study session"),
        "newest first: {text}"
    );

    // The standings rebuilt from the ledger (a time-zone change) agree.
    app.store
        .set_guild_timezone(
            GuildId(app.fake.guild_id()),
            Timezone::parse("Asia/Tokyo").unwrap(),
            dailyq::clock::Clock::now(&app.clock),
        )
        .await
        .unwrap();
    assert_eq!(board_points(app, "alice").await, Some((0, 0)));
    assert_eq!(board_points(app, "bob").await, Some((5, 0)));

    // Bad input: a sentence, nothing written.
    for (options, expected) in [
        (
            vec![opt("member", bob), opt("points", 0), opt("reason", "x")],
            "changes nothing",
        ),
        (
            vec![opt("member", bob), opt("points", 3), opt("reason", "   ")],
            "Give a reason",
        ),
    ] {
        let reply = app.dailyq("admin", channel, "points", options).await;
        assert!(
            reply.is_ephemeral() && reply.text().contains(expected),
            "{}",
            reply.text()
        );
    }
    for (link, expected) in [
        ("not a link".to_owned(), "Copy Message Link"),
        (
            format!("https://discord.com/channels/1/{thread}/{a}"),
            "not in this server",
        ),
        (
            format!(
                "https://discord.com/channels/{}/{channel}/{channel}",
                app.fake.guild_id()
            ),
            "not an answer",
        ),
    ] {
        let reply = app
            .dailyq(
                "admin",
                channel,
                "disqualify",
                vec![opt("message_link", link), opt("reason", "r")],
            )
            .await;
        assert!(reply.text().contains(expected), "{}", reply.text());
    }
    let forged = app
        .member("carol")
        .slash_overridden(
            channel,
            "dailyq",
            vec![sub(
                "points",
                vec![
                    opt("member", app.member("carol").id),
                    opt("points", 100),
                    opt("reason", "me"),
                ],
            )],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(forged.text().contains("Manage Server"), "{}", forged.text());
    assert_eq!(board_points(app, "bob").await, Some((5, 0)));
    assert_eq!(
        board_points(app, "carol").await,
        None,
        "a forged call writes nothing"
    );
    assert_eq!(
        app.store
            .points_log(GuildId(app.fake.guild_id()), None, 20)
            .await
            .unwrap()
            .len(),
        2
    );
}

crate::e2e_on_both_backends!(adjustments_and_disqualifications_are_ledger_lines_the_leaderboard_reflects);
