//! A whole round: post, thread, answers, votes, reveal, scores, leaderboard and stats.

use crate::harness::{
    App, WAIT, answer, assert_posted_and_revealed_once, closed_round, eventually, points_of, set_up_daily,
    start_instant, wait_for_post,
};
use chrono::Duration;
use dailyq::domain::scoring::{Award, AwardKind};
use dailyq::domain::{ChannelId, MessageId, UserId};
use fake_discord::opt;

async fn a_round_runs_from_post_to_reveal_and_scores_once(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    assert!(
        app.fake
            .messages(channel)
            .iter()
            .all(|m| !m.by_bot || m.is_ephemeral()),
        "nothing posted early"
    );

    // The clock reaches 09:30 UTC: the question is posted with its thread.
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    // The question carries the instructions; the thread starts empty (a post is two requests).
    let text = app.fake.message(post).unwrap().text();
    assert!(
        text.contains("How to play") && text.contains("Edits count until the reveal") && text.contains("<t:"),
        "{text}"
    );
    assert!(
        app.fake.messages(thread).iter().all(|m| !m.by_bot),
        "nothing posted in the thread"
    );

    let (alice, bob, carol) = (app.member("alice"), app.member("bob"), app.member("carol"));
    let a = answer(
        app,
        "alice",
        thread,
        "An index trades write cost and space for faster reads.",
    )
    .await;
    let b = answer(
        app,
        "bob",
        thread,
        "B-trees keep keys sorted so range scans are cheap.",
    )
    .await;
    let c = answer(
        app,
        "carol",
        thread,
        "Composite indexes follow the leftmost-prefix rule.",
    )
    .await;

    let store = app.store.clone();
    let votes_on = |m: u64, n: u64| {
        let store = store.clone();
        async move { (store.vote_count(MessageId(m)).await.ok()? == n).then_some(()) }
    };
    bob.react(thread, a, "⬆️");
    carol.react(thread, a, "⬆️");
    alice.react(thread, b, "⬆️");
    alice.react(thread, a, "⬆️"); // a self-vote: never counts, and the bot tidies it away
    carol.react(thread, b, "⬆️");
    // Serenity handles events concurrently, so an add and its removal can be processed in either
    // order; the reveal reconciles with Discord. Here the removal follows the recorded add.
    eventually("carol's vote on bob recorded", || votes_on(b, 2)).await;
    carol.unreact(thread, b, "⬆️");
    eventually("votes recorded", || {
        let store = store.clone();
        async move {
            let (va, vb) = (
                store.vote_count(MessageId(a)).await.ok()?,
                store.vote_count(MessageId(b)).await.ok()?,
            );
            (va == 2 && vb == 1).then_some(())
        }
    })
    .await;
    let fake = &app.fake;
    eventually("the self-vote reaction removed", || {
        let gone = !fake.reactions(a).iter().any(|r| r.users.contains(&alice.id));
        async move { gone.then_some(()) }
    })
    .await;

    // The deadline passes: the reveal posts the answer and the summary, locks the thread.
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let reveal = app
        .fake
        .wait_for_bot_message(thread, |m| m.text().contains("Reference answer"), WAIT)
        .await
        .unwrap();
    assert!(
        reveal.text().contains("Follow-ups to discuss"),
        "{}",
        reveal.text()
    );
    let summary = app
        .fake
        .wait_for_bot_message(channel, |m| m.reply_to == Some(post), WAIT)
        .await
        .expect("the summary replies to the question");
    let summary_text = summary.text();
    assert!(summary_text.contains("3 members answered"), "{summary_text}");
    assert!(
        summary_text.contains(&format!("<@{}> — 2 ⬆️", alice.id)),
        "{summary_text}"
    );
    assert!(summary_text.contains(&format!("/{thread}/{a}")), "{summary_text}");
    let t = app
        .fake
        .wait_for_thread(channel, |t| t.id == thread && t.archived && t.locked, WAIT)
        .await;
    assert!(t.is_ok(), "thread locked and archived");

    let round = closed_round(app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    let total = |u: u64| points_of(&awards, u);
    assert_eq!(
        (total(alice.id), total(bob.id), total(carol.id)),
        (7, 3, 2),
        "{awards:?}"
    );
    assert_eq!(awards.len(), 6, "answer×3, votes×2, top×1: {awards:?}");

    // Nothing more happens on later ticks: exactly one reveal and one summary.
    app.advance(Duration::minutes(5));
    app.settle().await;
    assert_posted_and_revealed_once(app, channel, post, thread);
    assert_eq!(app.store.round_awards(round.id).await.unwrap(), awards);

    // Reactions after the reveal change nothing (the thread is archived, and the round closed).
    let _ = bob.try_react(thread, c, "⬆️");
    assert_eq!(app.store.vote_count(MessageId(c)).await.unwrap(), 0);

    // The leaderboard and stats show it.
    let board = alice
        .slash(channel, "leaderboard", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    let board_text = board.text();
    let first_line = board_text
        .lines()
        .find(|l| l.contains("`# 1`"))
        .unwrap_or_default();
    assert!(
        first_line.contains(&format!("<@{}>", alice.id)) && first_line.contains("**7** pts"),
        "{board_text}"
    );
    assert!(board_text.contains("You: #1 with 7 pts"), "{board_text}");
    assert_eq!(board.custom_ids().len(), 2, "◀ ▶ buttons");
    let week = bob
        .slash(channel, "leaderboard", vec![opt("period", 0)])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(week.text().contains("You: #2 with 3 pts"), "{}", week.text());

    let stats = carol
        .slash(channel, "stats", vec![opt("member", alice.id)])
        .wait_message(WAIT)
        .await
        .unwrap();
    let stats_text = stats.text();
    assert!(stats_text.contains("Points: 7"), "{stats_text}");
    assert!(stats_text.contains("Rank: #1"), "{stats_text}");
    assert!(stats_text.contains("Upvotes received: 2"), "{stats_text}");
    assert!(stats_text.contains("Streak: 1 (best 1)"), "{stats_text}");
    assert!(
        stats_text.contains(&format!("/{thread}/{a}")),
        "best answer jump link: {stats_text}"
    );
}

/// Twelve members with 1 to 12 points (written through the store): two pages of ten. Returns
/// the channel.
async fn twelve_members_with_points(app: &App) -> u64 {
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    let channel = app.channel("dailyq");
    let now = start_instant();
    app.store.ensure_guild(guild, now).await.unwrap();
    let question = app
        .store
        .rotation_candidates(guild, dailyq::domain::rotation::QuestionSource::Both)
        .await
        .unwrap()[0]
        .key;
    let new = dailyq::store::NewRound {
        kind: dailyq::domain::round::RoundKind::Daily,
        remind_at: None,
        answers_close_at: None,
        queued: None,
        guild_id: guild,
        channel_id: ChannelId(channel),
        question_id: question,
        scheduled_date: now.date_naive(),
        opens_at: now,
        closes_at: now + Duration::hours(1),
    };
    let round = app.store.claim_round(&new, now).await.unwrap().unwrap();
    app.store.mark_round_posted(round.id, MessageId(1)).await.unwrap();
    let awards: Vec<Award> = (1..=12u64)
        .map(|i| Award {
            member: UserId(1000 + i),
            kind: AwardKind::Answer,
            points: i as i64,
        })
        .collect();
    assert!(app.store.close_round(&round, &awards, now).await.unwrap());
    channel
}

async fn leaderboard_buttons_page_through_the_standings(app: &mut App) {
    let channel = twelve_members_with_points(app).await;
    let alice = app.member("alice");
    let board = alice
        .slash(channel, "leaderboard", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(board.text().contains("Page 1 of 2"), "{}", board.text());
    assert!(
        board.text().contains("<@1012>") && !board.text().contains("<@1001>"),
        "{}",
        board.text()
    );
    let next = board.custom_ids()[1].clone();
    let click = alice
        .click(channel, board.id, &next)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert_eq!(click.kind, fake_discord::ResponseKind::UpdateMessage);
    let page_two = app.fake.message(board.id).unwrap().text();
    assert!(page_two.contains("Page 2 of 2"), "{page_two}");
    assert!(
        page_two.contains("`#11` <@1002>") && page_two.contains("`#12` <@1001>"),
        "{page_two}"
    );

    // Bob presses ◀ on Alice's board: he gets his own ephemeral view; hers does not move.
    let back = app.fake.message(board.id).unwrap().custom_ids()[0].clone();
    let bobs = app
        .member("bob")
        .click(channel, board.id, &back)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert_eq!(bobs.kind, fake_discord::ResponseKind::Message);
    assert!(bobs.ephemeral, "another member's click answers privately");
    assert!(bobs.text().contains("Page 1 of 2"), "{}", bobs.text());
    assert!(
        bobs.text().contains("You are not on this board yet"),
        "Bob's view shows Bob's rank: {}",
        bobs.text()
    );
    let hers = app.fake.message(board.id).unwrap().text();
    assert_eq!(hers, page_two, "Alice's board is unchanged");
    // Bob's own buttons page his view, not Alice's.
    let bobs_message = bobs.message.expect("Bob's board");
    assert!(
        bobs_message
            .custom_ids()
            .iter()
            .all(|id| id.starts_with(&format!("dq:lb:{}:", app.member("bob").id))),
        "{:?}",
        bobs_message.custom_ids()
    );
}

async fn admins_can_post_and_reveal_on_demand_and_see_the_status(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    // 06:00 UTC: an admin posts now instead of waiting for 09:30.
    let posted = app.dailyq("admin", channel, "post", vec![]).await;
    assert!(posted.is_ephemeral());
    assert!(posted.text().contains("Posted question #1"), "{}", posted.text());
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let again = app.dailyq("admin", channel, "post", vec![]).await;
    assert!(again.text().contains("already posted"), "{}", again.text());

    let status = app.dailyq("moderator", channel, "status", vec![]).await;
    let status_text = status.text();
    assert!(status_text.contains("09:30 UTC (daily)"), "{status_text}");
    assert!(
        status_text.contains(&format!("Question #1 in <#{thread}>: reveal <t:")),
        "{status_text}"
    );

    answer(app, "alice", thread, "An answer before the early reveal.").await;
    let revealed = app.dailyq("admin", channel, "reveal", vec![]).await;
    assert!(
        revealed.text().contains("Revealed question #1"),
        "{}",
        revealed.text()
    );
    app.fake
        .wait_for_bot_message(channel, |m| m.reply_to == Some(post), WAIT)
        .await
        .expect("the summary");
    let round = closed_round(app, thread).await;
    assert_eq!(
        points_of(
            &app.store.round_awards(round.id).await.unwrap(),
            app.member("alice").id
        ),
        2
    );
    let nothing = app.dailyq("admin", channel, "reveal", vec![]).await;
    assert!(nothing.text().contains("No round is open"), "{}", nothing.text());

    // The 09:30 post of the same day is the one already made: nothing new.
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(31));
    app.settle().await;
    let posts = app
        .fake
        .messages(channel)
        .iter()
        .filter(|m| m.by_bot && m.text().contains("How to play"))
        .count();
    assert_eq!(posts, 1);
    // The channel leaderboard counts this channel's rounds only.
    let board = app
        .member("alice")
        .slash(
            channel,
            "leaderboard",
            vec![opt("channel", app.channel("general"))],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(board.text().contains("No points yet"), "{}", board.text());
}

/// Standings as a database from before kept standings has them: none, built in no zone.
async fn forget_standings(app: &App) {
    crate::common::execute(app.db_url(), "DELETE FROM standings").await;
    crate::common::execute(app.db_url(), "UPDATE guilds SET standings_tz = NULL").await;
}

async fn a_server_from_before_kept_standings_gets_its_board_built_behind_a_deferred_reply(app: &mut App) {
    let channel = twelve_members_with_points(app).await;
    forget_standings(app).await;
    let alice = app.member("alice");
    let asked = alice.slash(channel, "leaderboard", vec![]);
    let board = asked.wait_message(WAIT).await.unwrap();
    assert_eq!(
        asked.response().unwrap().kind,
        fake_discord::ResponseKind::DeferredMessage,
        "building standings may take longer than Discord's 3 s, so the reply is deferred"
    );
    assert!(
        board.text().contains("Page 1 of 2") && board.text().contains("`# 1` <@1012>"),
        "{}",
        board.text()
    );
    // Built once: the next command answers at once.
    let again = alice.slash(channel, "leaderboard", vec![]);
    again.wait_message(WAIT).await.unwrap();
    assert_eq!(
        again.response().unwrap().kind,
        fake_discord::ResponseKind::Message
    );

    // A page button pressed while standings are missing is acknowledged first, then the board
    // is edited in place.
    forget_standings(app).await;
    let next = board.custom_ids()[1].clone();
    let click = alice.click(channel, board.id, &next);
    assert_eq!(
        click.wait_response(WAIT).await.unwrap().kind,
        fake_discord::ResponseKind::DeferredUpdate
    );
    let page_two = eventually("the board's page 2", || async {
        let text = app.fake.message(board.id).unwrap().text();
        text.contains("Page 2 of 2").then_some(text)
    })
    .await;
    assert!(page_two.contains("`#12` <@1001>"), "{page_two}");
}

async fn the_hint_button_shows_the_hints_only_to_whoever_presses_it(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    // Whichever question the rotation picks has two hints (the shipped bank has some without).
    crate::common::execute(
        app.db_url(),
        r#"UPDATE questions SET hints = '["Think about what the index stores.","Range scans."]'"#,
    )
    .await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, _thread) = wait_for_post(app, channel, 1).await;
    let question = app.fake.message(post).unwrap();
    let hint = question.custom_ids();
    assert_eq!(hint.len(), 1, "one Hint button: {hint:?}");

    let alices = app
        .member("alice")
        .click(channel, post, &hint[0])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert_eq!(alices.kind, fake_discord::ResponseKind::Message);
    assert!(alices.ephemeral, "hints are shown only to who asked");
    let text = alices.text();
    assert!(
        text.contains("Hints for question #1")
            && text.contains("**1.** Think about what the index stores.")
            && text.contains("**2.** Range scans."),
        "{text}"
    );
    let bobs = app
        .member("bob")
        .click(channel, post, &hint[0])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        bobs.ephemeral && bobs.text().contains("Range scans."),
        "{}",
        bobs.text()
    );
    assert_eq!(
        app.fake.message(post).unwrap().text(),
        question.text(),
        "the post itself never changes"
    );
}

crate::e2e_on_both_backends!(
    the_hint_button_shows_the_hints_only_to_whoever_presses_it,
    a_round_runs_from_post_to_reveal_and_scores_once,
    leaderboard_buttons_page_through_the_standings,
    a_server_from_before_kept_standings_gets_its_board_built_behind_a_deferred_reply,
    admins_can_post_and_reveal_on_demand_and_see_the_status,
);
