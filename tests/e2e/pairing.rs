//! Mock-interview pairing: members join a pool, the pairing time pairs them (two pairs and one
//! told to wait, of five), each pair gets a private thread with interviewer packets and rating
//! buttons, and ratings reach only the rated member's own /stats.

use crate::harness::{App, WAIT, start_instant};
use chrono::Duration;
use dailyq::domain::pairing::Rubric;
use dailyq::domain::{GuildId, UserId};
use fake_discord::{FakeMessage, opt, sub};

async fn pair(
    app: &App,
    who: &str,
    channel: u64,
    what: &str,
    options: Vec<fake_discord::Opt>,
) -> FakeMessage {
    app.member(who)
        .slash(channel, "pair", vec![sub(what, options)])
        .wait_message(WAIT)
        .await
        .expect("a reply to /pair")
}

async fn five_members_make_two_pairs_and_one_waits_with_private_packets_and_ratings(app: &mut App) {
    let channel = app.channel("general");
    let joined = pair(
        app,
        "alice",
        channel,
        "join",
        vec![opt("level", 1), opt("topics", "databases, Caching")],
    )
    .await;
    assert!(joined.is_ephemeral());
    assert!(
        joined.text().contains("as **mid**") && joined.text().contains("Databases, Caching"),
        "{}",
        joined.text()
    );
    assert!(
        joined.text().contains("No pairing time is set yet"),
        "{}",
        joined.text()
    );
    let bad = pair(app, "bob", channel, "join", vec![opt("topics", "astrology")]).await;
    assert!(bad.text().contains("is not a category"), "{}", bad.text());
    let guild = GuildId(app.fake.guild_id());
    assert_eq!(
        app.store.pair_pool(guild).await.unwrap().len(),
        1,
        "a refused join writes nothing"
    );
    for who in ["bob", "carol", "moderator", "admin"] {
        app.advance(Duration::seconds(1));
        let level = if who == "bob" {
            vec![opt("level", 1)]
        } else {
            vec![]
        };
        pair(app, who, channel, "join", level).await;
    }

    let set = app
        .dailyq(
            "admin",
            channel,
            "pairing",
            vec![
                opt("channel", channel),
                opt("time", "18:00"),
                opt("timezone", "UTC"),
                opt("days", "wed"),
            ],
        )
        .await;
    assert!(
        set.text().contains("Mock-interview pairing: 18:00"),
        "{}",
        set.text()
    );

    // 18:00 on Wednesday: two pairs, one waits (the last to join), announced once.
    app.set_clock(start_instant() + Duration::hours(12) + Duration::minutes(1));
    let announcement = app
        .fake
        .wait_for_bot_message(channel, |m| m.text().contains("Mock interviews are paired"), WAIT)
        .await
        .expect("the pairing announcement");
    let admin = app.member("admin").id;
    assert!(
        announcement
            .text()
            .contains(&format!("<@{admin}>: an odd number joined")),
        "{}",
        announcement.text()
    );
    let pool = app.store.pair_pool(guild).await.unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!((pool[0].member, pool[0].waiting), (UserId(admin), true));

    let threads = app.fake.threads(channel);
    assert_eq!(threads.len(), 2, "{threads:?}");
    let bot = app.fake.bot_user_id();
    let mut pairs = Vec::new();
    for t in &threads {
        assert!(t.private, "{t:?}");
        let humans: Vec<u64> = t.members.iter().copied().filter(|m| *m != bot).collect();
        assert_eq!(humans.len(), 2, "{t:?}");
        assert!(!humans.contains(&admin));
        let intro = app
            .fake
            .wait_for_bot_message(t.id, |m| m.text().contains("Your mock interview"), WAIT)
            .await
            .expect("the pair's intro");
        pairs.push((t.id, humans, intro));
    }
    // Alice (mid) and Bob (mid): the same level is matched first.
    let (alice, bob) = (app.member("alice").id, app.member("bob").id);
    let (thread, members, intro) = pairs
        .iter()
        .find(|(_, m, _)| m.contains(&alice))
        .expect("alice's pair");
    assert!(members.contains(&bob), "{members:?}");
    // Someone outside the pair cannot see the thread, let alone press its buttons.
    assert!(app.member("carol").try_say(*thread, "hello?").is_err());
    let ids = intro.custom_ids();
    assert_eq!(ids.len(), 16, "packet + 3 rubrics × 5 scores: {ids:?}");

    let forged = app
        .member("carol")
        .click(*thread, intro.id, &ids[0])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        forged.ephemeral && forged.text().contains("only they can use"),
        "{}",
        forged.text()
    );

    let packet = app
        .member("alice")
        .click(*thread, intro.id, &ids[0])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(packet.ephemeral, "{}", packet.text());
    assert!(
        packet.text().contains("Your interviewer packet") && packet.text().contains("Reference answer"),
        "{}",
        packet.text()
    );
    assert!(
        packet.text().contains(&format!("first half, ask <@{bob}>")),
        "{}",
        packet.text()
    );

    // Alice rates Bob; a second press on a line changes her score.
    let rate = |rubric: Rubric, score: u8| {
        ids.iter()
            .find(|id| id.ends_with(&format!(":{}:{score}", rubric.code())))
            .unwrap()
            .clone()
    };
    for (rubric, score) in [(Rubric::Clarity, 4), (Rubric::Depth, 5), (Rubric::Clarity, 3)] {
        let saved = app
            .member("alice")
            .click(*thread, intro.id, &rate(rubric, score))
            .wait_response(WAIT)
            .await
            .unwrap();
        assert!(
            saved.ephemeral && saved.text().contains("Saved"),
            "{}",
            saved.text()
        );
    }

    // Bob sees his averages privately; his public /stats, and Alice's view of it, never show them.
    let stats = app.member("bob").slash(channel, "stats", vec![]);
    let public = stats.wait_message(WAIT).await.unwrap();
    assert!(!public.is_ephemeral());
    assert!(!public.text().contains("rating"), "{}", public.text());
    let private = stats.wait_followups(1, WAIT).await.unwrap();
    assert!(private[0].is_ephemeral());
    let text = private[0].text();
    assert!(text.contains("**Clarity**: 3.0 / 5 (1 rating)"), "{text}");
    assert!(text.contains("**Depth**: 5.0 / 5 (1 rating)"), "{text}");
    assert!(!text.contains("Communication"), "{text}");
    let seen_by_alice = app
        .member("alice")
        .slash(channel, "stats", vec![opt("member", bob)])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(
        !seen_by_alice.text().contains("rating"),
        "{}",
        seen_by_alice.text()
    );

    // Next week the one who waited is paired first, and last week's partners are not repeated.
    for who in ["alice", "bob", "carol"] {
        app.advance(Duration::seconds(1));
        pair(app, who, channel, "join", vec![]).await;
    }
    app.set_clock(start_instant() + Duration::days(7) + Duration::hours(12) + Duration::minutes(1));
    app.fake
        .wait_for_bot_message(
            channel,
            |m| m.text().contains("Mock interviews are paired") && m.id != announcement.id,
            WAIT,
        )
        .await
        .expect("the second pairing");
    let pool = app.store.pair_pool(guild).await.unwrap();
    assert_eq!(pool.len(), 0, "four members, two pairs: {pool:?}");
    let second: Vec<Vec<u64>> = app
        .fake
        .threads(channel)
        .iter()
        .filter(|t| !threads.iter().any(|old| old.id == t.id))
        .map(|t| t.members.iter().copied().filter(|m| *m != bot).collect())
        .collect();
    assert_eq!(second.len(), 2);
    assert!(
        !second.iter().any(|m| m.contains(&alice) && m.contains(&bob)),
        "alice and bob were paired last time: {second:?}"
    );
    assert!(
        second.iter().any(|m| m.contains(&admin)),
        "the one who waited is paired"
    );
}

crate::e2e_on_both_backends!(five_members_make_two_pairs_and_one_waits_with_private_packets_and_ratings);
