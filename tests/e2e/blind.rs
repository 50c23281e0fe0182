//! Blind rounds: answers sent privately through a modal (editable until the answer deadline),
//! a live count on the post, every answer published at once in the thread attributed to its
//! author, a vote phase with the usual ⬆️ rules, then the usual reveal and points — each phase
//! once, even when the bot dies in the middle of publishing.

use crate::harness::{
    App, Backend, WAIT, closed_round, eventually, points_of, start_instant, upvote, wait_for_post,
};
use chrono::Duration;
use dailyq::domain::round::Round;
use dailyq::domain::{ChannelId, MessageId, UserId};
use fake_discord::{FakeMessage, opt};

/// Sets a blind daily question up at 09:30 UTC: two hours to answer, then an hour of votes.
async fn set_up_blind(app: &App, channel: u64) {
    let reply = app
        .dailyq(
            "admin",
            channel,
            "setup",
            vec![
                opt("channel", channel),
                opt("time", "09:30"),
                opt("timezone", "UTC"),
                opt("answer_window", "2h"),
                opt("blind", true),
                opt("vote_window", "1h"),
            ],
        )
        .await;
    assert!(reply.text().contains("Set up"), "{}", reply.text());
    assert!(reply.text().contains("blind"), "{}", reply.text());
}

/// The post's Answer button id, if it has one.
fn answer_button(app: &App, post: u64) -> Option<String> {
    app.fake
        .message(post)
        .unwrap()
        .custom_ids()
        .into_iter()
        .find(|id| id.starts_with("dq:answer:"))
}

/// A member presses Answer and sends `text` through the modal it opens; returns the private reply.
async fn send_answer(app: &App, who: &str, channel: u64, post: u64, text: &str) -> String {
    let button = answer_button(app, post).expect("an Answer button");
    let press = app.member(who).click(channel, post, &button);
    let opened = press.wait_response(WAIT).await.unwrap();
    let modal = opened
        .modal()
        .unwrap_or_else(|| panic!("a modal, got {}", opened.text()));
    assert_eq!(modal.input("answer").unwrap().max_length, Some(4000));
    let reply = app
        .member(who)
        .submit_opened_modal(&press, &[("answer", text)])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(reply.ephemeral, "{}", reply.text());
    reply.text()
}

/// The bot's published answers in `thread`.
fn published(app: &App, thread: u64) -> Vec<FakeMessage> {
    app.fake
        .messages(thread)
        .into_iter()
        .filter(|m| m.by_bot && m.content.starts_with("**Answer "))
        .collect()
}

async fn round_of(app: &App, thread: u64) -> Round {
    app.store
        .round_by_thread(ChannelId(thread))
        .await
        .unwrap()
        .unwrap()
}

async fn a_blind_round_seals_answers_then_publishes_them_for_votes_and_reveals(app: &mut App) {
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
                opt("blind", true),
                opt("vote_window", "3d"),
            ],
        )
        .await;
    assert!(bad.text().contains("use between 10m and 1d"), "{}", bad.text());
    assert!(app.store.schedule(ChannelId(channel)).await.unwrap().is_none());
    set_up_blind(app, channel).await;

    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(app, channel, 1).await;
    let round = round_of(app, thread).await;
    assert_eq!(round.answers_close_at, Some(round.opens_at + Duration::hours(2)));
    assert_eq!(round.closes_at, round.opens_at + Duration::hours(3));
    assert!(app.fake.message(post).unwrap().text().contains("Blind round"));
    // Nobody can post an answer in the thread for others to copy.
    eventually("the thread locked", || {
        let locked = app.fake.thread(thread).is_some_and(|t| t.locked);
        async move { locked.then_some(()) }
    })
    .await;
    assert!(
        app.member("bob")
            .try_say(thread, "Mine: a bloom filter.")
            .is_err()
    );

    let (alice, bob, carol, dave) = (
        app.member("alice").id,
        app.member("bob").id,
        app.member("carol").id,
        app.member("moderator").id,
    );
    let first = send_answer(app, "alice", channel, post, "Use a bloom filter.").await;
    assert!(first.contains("Your answer to question #1 is saved"), "{first}");
    send_answer(
        app,
        "bob",
        channel,
        post,
        "Cache negative lookups with a short TTL.",
    )
    .await;
    send_answer(app, "carol", channel, post, "Shard the set by key hash.").await;
    // Alice changes hers: the modal opens with her answer in it.
    let button = answer_button(app, post).unwrap();
    let press = app.member("alice").click(channel, post, &button);
    let modal = press.wait_response(WAIT).await.unwrap().modal().unwrap();
    assert_eq!(
        modal.input("answer").unwrap().value.as_deref(),
        Some("Use a bloom filter.")
    );
    let changed = app
        .member("alice")
        .submit_opened_modal(&press, &[("answer", "A bloom filter in front of the database.")])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(changed.text().contains("Your new answer"), "{}", changed.text());
    // A blank answer gets a sentence and writes nothing.
    let custom_id = format!("dq:answer:{}", round.id);
    let blank = app
        .member("moderator")
        .submit_modal(channel, &custom_id, &[("answer", "   ")])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        blank.ephemeral && blank.text().contains("empty"),
        "{}",
        blank.text()
    );

    // Only a count shows: three answers (an edit is not a new one), no text anywhere.
    eventually("the live count on the post", || {
        let text = app.fake.message(post).unwrap().text();
        async move { text.contains("3 answers so far").then_some(()) }
    })
    .await;
    assert_eq!(app.store.sealed_answer_count(round.id).await.unwrap(), 3);
    for m in app
        .fake
        .messages(thread)
        .iter()
        .chain(app.fake.messages(channel).iter())
    {
        assert!(!m.text().contains("bloom"), "an answer leaked: {}", m.text());
    }

    // Past the deadline (by Discord's clock), before the bot publishes: refused, nothing written.
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30) + Duration::seconds(1));
    let late = app
        .member("moderator")
        .click(channel, post, &button)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        late.ephemeral && late.text().contains("closed"),
        "{}",
        late.text()
    );
    let late = app
        .member("moderator")
        .submit_modal(channel, &custom_id, &[("answer", "Too late, but here it is.")])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(late.text().contains("nothing was saved"), "{}", late.text());
    assert!(
        app.store
            .sealed_answer(round.id, UserId(dave))
            .await
            .unwrap()
            .is_none()
    );

    // Published: each answer its own message, attributed, pinging nobody; the thread opens.
    app.advance(Duration::seconds(5));
    let answers = eventually("three published answers", || {
        let found = published(app, thread);
        async move { (found.len() == 3).then_some(found) }
    })
    .await;
    let mut positions: Vec<String> = answers.iter().map(|m| m.content.clone()).collect();
    positions.sort();
    assert!(
        positions.iter().all(|c| c.contains(" of 3** · by <@")),
        "{positions:?}"
    );
    let by = |who: u64| {
        answers
            .iter()
            .find(|m| m.content.contains(&format!("<@{who}>")))
            .unwrap_or_else(|| panic!("{who}'s answer"))
            .clone()
    };
    let alices = by(alice);
    assert!(
        alices.text().contains("A bloom filter in front of the database."),
        "{}",
        alices.text()
    );
    assert!(
        !alices.text().contains("Use a bloom filter."),
        "the first version was replaced"
    );
    by(bob);
    by(carol);
    let round = eventually("the round published", || {
        let store = app.store.clone();
        async move {
            store
                .round(round.id)
                .await
                .ok()
                .filter(|r| r.published_at.is_some())
        }
    })
    .await;
    assert!(round.publish_attempts >= 1);
    assert!(!app.fake.thread(thread).unwrap().locked, "open for votes");
    eventually("the post without its Answer button", || {
        let done = answer_button(app, post).is_none()
            && app
                .fake
                .message(post)
                .unwrap()
                .text()
                .contains("published in the thread");
        async move { done.then_some(()) }
    })
    .await;
    for m in &answers {
        assert_eq!(
            app.store
                .answer(MessageId(m.id))
                .await
                .unwrap()
                .map(|a| a.round_id),
            Some(round.id),
            "a published answer is the member's answer"
        );
    }

    // Votes: the author is known from the round, so Alice's ⬆️ on her own published answer is a
    // self-vote; Bob and Carol count. Discussion in the thread is not an answer.
    upvote(app, "bob", thread, alices.id).await;
    upvote(app, "carol", thread, alices.id).await;
    app.member("alice").react(thread, alices.id, "⬆️");
    eventually("the self-vote removed", || {
        let reactors = app
            .fake
            .reactions(alices.id)
            .into_iter()
            .find(|r| r.emoji == "⬆️")
            .map(|r| r.users)
            .unwrap_or_default();
        async move { (!reactors.contains(&alice)).then_some(()) }
    })
    .await;
    app.member("moderator")
        .say(thread, "I think the bloom filter answer is the best one here.");

    app.set_clock(start_instant() + Duration::hours(6) + Duration::minutes(30));
    let round = closed_round(app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    assert_eq!(points_of(&awards, alice), 2 + 2 + 3, "{awards:?}");
    assert_eq!(points_of(&awards, bob), 2, "{awards:?}");
    assert_eq!(points_of(&awards, carol), 2, "{awards:?}");
    assert_eq!(
        points_of(&awards, dave),
        0,
        "discussion is not an answer: {awards:?}"
    );
    assert_eq!(published(app, thread).len(), 3, "published once");
    assert!(
        app.fake
            .messages(thread)
            .iter()
            .any(|m| m.by_bot && m.text().contains("Reference answer"))
    );
}

crate::e2e_on_both_backends!(a_blind_round_seals_answers_then_publishes_them_for_votes_and_reveals);

/// Where the bot dies during the publish.
#[derive(Debug, Clone, Copy)]
enum CrashAt {
    /// Right after its n-th REST request of the publish (Discord applied and answered it).
    Request(usize),
    /// Right after its n-th database write of the publish (a later write never lands).
    Write(u32),
}

/// Three answers sealed, then the bot dies during the publish and comes back: every answer is
/// published exactly once and counted once.
async fn publishing_survives_a_crash(backend: Backend, at: CrashAt) {
    let Some(mut app) = App::start(backend).await else {
        return;
    };
    let channel = app.channel("dailyq");
    set_up_blind(&app, channel).await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, thread) = wait_for_post(&app, channel, 1).await;
    for (who, text) in [
        ("alice", "Use a bloom filter."),
        ("bob", "Cache negative lookups."),
        ("carol", "Shard by key hash."),
    ] {
        send_answer(&app, who, channel, post, text).await;
    }
    eventually("the live count on the post", || {
        let text = app.fake.message(post).unwrap().text();
        async move { text.contains("3 answers so far").then_some(()) }
    })
    .await;
    match at {
        CrashAt::Request(n) => app.fake.faults().hold_after(n),
        CrashAt::Write(n) => app.store.crash_writes_after(n),
    }
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(31));
    let held = eventually("the crash point", || {
        let point = match at {
            CrashAt::Request(_) => app.fake.faults().held_requests().first().map(|r| r.describe()),
            CrashAt::Write(n) => (app.store.refused_writes() > 0).then(|| {
                format!(
                    "write {n} ({})",
                    app.store.first_refused_write().unwrap_or_default()
                )
            }),
        };
        async move { point }
    })
    .await;
    app.stop_bot().await;
    app.fake.faults().release_held();
    app.store.heal_writes();
    app.start_bot().await;
    let round = eventually("the round published after the restart", || {
        let store = app.store.clone();
        async move {
            let r = store.round_by_thread(ChannelId(thread)).await.ok()??;
            r.published_at.is_some().then_some(r)
        }
    })
    .await;
    let answers = published(&app, thread);
    assert_eq!(answers.len(), 3, "crash after {held}: {answers:?}");
    let recorded = app.store.round_answers(round.id).await.unwrap();
    assert_eq!(recorded.len(), 3, "crash after {held}");
    for a in &recorded {
        assert!(
            answers.iter().any(|m| m.id == a.message_id.0),
            "crash after {held}"
        );
    }
    app.set_clock(start_instant() + Duration::hours(6) + Duration::minutes(31));
    let round = closed_round(&app, thread).await;
    let awards = app.store.round_awards(round.id).await.unwrap();
    for who in ["alice", "bob", "carol"] {
        assert_eq!(
            points_of(&awards, app.member(who).id),
            2,
            "crash after {held}: {awards:?}"
        );
    }
    assert_eq!(published(&app, thread).len(), 3, "crash after {held}");
    app.finish().await;
}

/// The publish makes (in order) the thread's unlock, then per answer its post and the bot's ⬆️,
/// then the post's edit; it writes its lease, the seal, the order, then each published answer.
/// A crash after each of the first requests and writes covers every kind of step, including an
/// answer posted on Discord whose record never landed.
async fn publishing_survives_a_crash_at_every_early_step(backend: Backend) {
    for n in 1..=4 {
        publishing_survives_a_crash(backend, CrashAt::Request(n)).await;
    }
    for n in 1..=5 {
        publishing_survives_a_crash(backend, CrashAt::Write(n)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_survives_a_crash_at_every_early_step_on_sqlite() {
    publishing_survives_a_crash_at_every_early_step(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_survives_a_crash_at_every_early_step_on_postgres() {
    publishing_survives_a_crash_at_every_early_step(Backend::Postgres).await;
}
