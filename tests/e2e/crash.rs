//! Crash at every step: a whole round, with the bot killed right after its N-th REST request
//! (Discord applied and answered it; the bot never heard back), for every N the round makes,
//! and separately right after its N-th database write step, then restarted on the same
//! database. Every run must end with one question, one thread, one reference answer, one summary
//! and exactly the expected points.

use crate::harness::{
    App, Backend, WAIT, assert_posted_and_revealed_once, bot_reacted, points_of, set_up_daily, start_instant,
};
use chrono::Duration;
use dailyq::domain::round::{Round, RoundState};
use dailyq::domain::{ChannelId, MessageId, UserId};
use fake_discord::RestRecord;
use std::future::Future;
use std::pin::Pin;

/// Where the bot dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Right after its N-th REST request was applied and answered.
    Rest,
    /// Right after its N-th database write step (a statement or a transaction).
    Database,
}

/// What one run of the round did.
enum Run {
    /// The bot was killed; here is where (the request it never heard back from, or the write).
    Crashed(String),
    /// The round made fewer than N steps: no crash point is left.
    Finished,
}

/// A condition on the app, checked while waiting.
type Probe<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Forces a closure into the higher-ranked shape a [`Probe`] needs.
fn probe<F>(f: F) -> F
where
    F: for<'a> Fn(&'a App) -> Probe<'a>,
{
    f
}

/// Waits until `done` holds. If the fake holds a request first (the crash point), kills the bot,
/// lets the held requests fail unapplied, restarts the bot on the same database, and goes on
/// waiting — or, with `redone_later: false`, stops waiting because the lost work is redone later
/// (the reveal reads the thread and the reactions anyway).
async fn wait<F>(app: &mut App, crash: &mut Crash, what: &str, done: F, redone_later: bool)
where
    F: for<'a> Fn(&'a App) -> Probe<'a>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if done(app).await {
            return;
        }
        if crash.at.is_none() {
            let point = match crash.fault {
                Fault::Rest => app
                    .fake
                    .faults()
                    .held_requests()
                    .first()
                    .map(RestRecord::describe),
                Fault::Database => (app.store.refused_writes() > 0).then(|| {
                    let at = app.store.first_refused_write().unwrap_or_default();
                    format!("write step {} of the round ({at})", crash.n + 1)
                }),
            };
            if let Some(point) = point {
                app.stop_bot().await;
                app.fake.faults().release_held();
                app.store.heal_writes();
                app.start_bot().await;
                crash.at = Some(point);
                if !redone_later {
                    return;
                }
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what} (crash: {:?})",
            crash.at
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The crash a run is set up for, and where it happened.
struct Crash {
    fault: Fault,
    n: usize,
    at: Option<String>,
}

async fn round_of(app: &App, channel: u64) -> Option<Round> {
    let date = start_instant().date_naive();
    app.store.round_on(ChannelId(channel), date).await.ok().flatten()
}

async fn one_round_crashing_after(app: &mut App, fault: Fault, n: usize) -> (Run, u64, u64) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    let (alice, bob, carol) = (app.member("alice"), app.member("bob"), app.member("carol"));
    match fault {
        Fault::Rest => app.fake.faults().hold_after(n),
        Fault::Database => app.store.crash_writes_after(u32::try_from(n).expect("a small n")),
    }
    let mut crash = Crash { fault, n, at: None };

    // Post: question and thread (a crash there is finished by recovery).
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let posted = probe(move |app| {
        Box::pin(async move {
            round_of(app, channel)
                .await
                .is_some_and(|r| r.message_id.is_some() && r.thread_id.is_some())
        })
    });
    wait(app, &mut crash, "the round posted", posted, true).await;
    let round = round_of(app, channel).await.expect("round");
    let thread = round.thread_id.expect("thread").0;
    let post = round.message_id.expect("question").0;

    // Answers: the bot records each and offers its ⬆️.
    let a = alice.say(
        thread,
        "Alice's answer: an index is a sorted copy of some columns.",
    );
    let acked = probe(move |app| Box::pin(async move { bot_reacted(app, a) }));
    wait(app, &mut crash, "the ⬆️ on Alice's answer", acked, false).await;
    let b = bob.say(thread, "Bob's answer: it trades write cost for read speed.");
    let acked = probe(move |app| Box::pin(async move { bot_reacted(app, b) }));
    wait(app, &mut crash, "the ⬆️ on Bob's answer", acked, false).await;

    // Votes: the bot makes no request for them.
    carol.react(thread, a, "⬆️");
    bob.react(thread, a, "⬆️");
    alice.react(thread, b, "⬆️");
    // Votes on an answer the bot never recorded live (a crash lost it) are read at the reveal.
    let voted = probe(move |app| {
        Box::pin(async move {
            let seen = |m: u64, n: u64| async move {
                let store = &app.store;
                store.answer(MessageId(m)).await.ok().flatten().is_none()
                    || store.vote_count(MessageId(m)).await.ok() == Some(n)
            };
            seen(a, 2).await && seen(b, 1).await
        })
    });
    wait(app, &mut crash, "the votes recorded", voted, false).await;

    // Reveal.
    app.set_clock(start_instant() + Duration::hours(5) + Duration::minutes(30));
    let closed = probe(move |app| {
        Box::pin(async move {
            round_of(app, channel)
                .await
                .is_some_and(|r| r.state == RoundState::Closed)
        })
    });
    wait(app, &mut crash, "the round closed", closed, true).await;

    let run = match crash.at {
        Some(point) => Run::Crashed(point),
        None => Run::Finished,
    };
    (run, post, thread)
}

async fn check_round(app: &App, post: u64, thread: u64) {
    let channel = app.channel("dailyq");
    assert_posted_and_revealed_once(app, channel, post, thread);
    // In the thread the bot posts only the reference answer (the instructions are in the question).
    let in_thread = app.fake.messages(thread).iter().filter(|m| m.by_bot).count();
    assert_eq!(in_thread, 1, "bot messages in the thread");
    let round = round_of(app, channel).await.unwrap();
    let awards = app.store.round_awards(round.id).await.unwrap();
    let of = |who: &str| points_of(&awards, UserId(app.member(who).id).0);
    assert_eq!(of("alice"), 2 + 2 + 3, "{awards:?}");
    assert_eq!(of("bob"), 2 + 1, "{awards:?}");
    assert_eq!(of("carol"), 0, "{awards:?}");
}

async fn crash_at_every_step_of_a_round(backend: Backend, fault: Fault) {
    let mut tried = Vec::new();
    for n in 0.. {
        let Some(mut app) = App::start(backend).await else {
            return;
        };
        let (run, post, thread) = one_round_crashing_after(&mut app, fault, n).await;
        check_round(&app, post, thread).await;
        app.finish().await;
        match run {
            Run::Crashed(point) => tried.push(point),
            Run::Finished => break,
        }
    }
    println!(
        "{backend:?}, {fault:?}: crashed at each of {} points of a round, one run each:\n  {}",
        tried.len(),
        tried.join("\n  ")
    );
    // A round makes at least nine requests (question, thread, two ⬆️, lock, a read of the
    // thread, reference answer, summary, archive; no reaction list, since every ⬆️ count matches
    // what was recorded live) and more write steps (claim, posted, thread, answers, votes, reveal
    // attempts, reconciliation, messages, close).
    assert!(tried.len() >= 9, "only {} crash points: {tried:?}", tried.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_any_request_of_a_round_repeats_nothing_and_loses_nothing_on_sqlite() {
    crash_at_every_step_of_a_round(Backend::Sqlite, Fault::Rest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_any_request_of_a_round_repeats_nothing_and_loses_nothing_on_postgres() {
    crash_at_every_step_of_a_round(Backend::Postgres, Fault::Rest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_any_database_step_of_a_round_repeats_nothing_and_loses_nothing_on_sqlite() {
    crash_at_every_step_of_a_round(Backend::Sqlite, Fault::Database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_any_database_step_of_a_round_repeats_nothing_and_loses_nothing_on_postgres() {
    crash_at_every_step_of_a_round(Backend::Postgres, Fault::Database).await;
}
