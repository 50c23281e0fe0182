//! Practice sessions: one running per channel, practice rounds numbered apart from the daily
//! question, practice points on their own board (and on the daily one only when asked), no
//! effect on streaks, and a session's progress and results.

use super::fixtures::{CHANNEL, GUILD, new_round, seeded, t0};
use chrono::Duration;
use dailyq::domain::leaderboard::{Board, Period};
use dailyq::domain::practice::SessionPlan;
use dailyq::domain::rotation::QuestionFilter;
use dailyq::domain::round::{Round, RoundKind, RoundState};
use dailyq::domain::schedule::Timezone;
use dailyq::domain::scoring::{CountedAnswer, ScoringWeights, score_round};
use dailyq::domain::{ChannelId, MessageId, UserId};
use dailyq::store::{NewRound, Store};
use std::collections::BTreeSet;

const ALICE: UserId = UserId(21);
const BOB: UserId = UserId(22);
const OTHER: ChannelId = ChannelId(900_000_000_000_000_011);

fn plan(questions: u32) -> SessionPlan {
    SessionPlan {
        questions,
        minutes: 10,
    }
}

fn practice_round(question: i64, session: i64, seq: u32) -> NewRound {
    NewRound {
        kind: RoundKind::Practice { session, seq },
        ..new_round(question, 10)
    }
}

/// Posts, answers (Alice, upvoted by Bob) and closes a claimed round.
async fn play(store: &Store, round: &Round, message: u64) {
    store
        .mark_round_posted(round.id, MessageId(message))
        .await
        .unwrap();
    store
        .set_round_thread(round.id, ChannelId(message))
        .await
        .unwrap();
    store
        .record_answer(
            round.id,
            MessageId(message + 1),
            ALICE,
            Some("an answer"),
            round.opens_at,
        )
        .await
        .unwrap();
    store
        .replace_votes(MessageId(message + 1), &BTreeSet::from([BOB]), round.opens_at)
        .await
        .unwrap();
    let awards = score_round(
        &[CountedAnswer {
            message: MessageId(message + 1),
            author: ALICE,
            voters: BTreeSet::from([BOB]),
        }],
        ScoringWeights::default(),
    );
    let round = store.round(round.id).await.unwrap();
    assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
}

async fn points(store: &Store, board: Board) -> Option<i64> {
    let bucket = board.bucket(Period::AllTime, Timezone::utc(), t0());
    let page = store
        .leaderboard_page(GUILD, None, &bucket, 0, 10, ALICE)
        .await
        .unwrap();
    page.me.map(|r| r.standing.points)
}

async fn practice_rounds_keep_their_own_numbers_board_and_no_streaks(store: &Store) {
    let keys = seeded(store).await;
    store.ensure_guild(GUILD, t0()).await.unwrap();
    let session = store
        .start_session(
            GUILD,
            CHANNEL,
            ALICE,
            &QuestionFilter::default(),
            dailyq::domain::rotation::QuestionSource::Both,
            plan(3),
            t0(),
        )
        .await
        .unwrap()
        .expect("a new session");
    assert!(
        store
            .start_session(
                GUILD,
                CHANNEL,
                BOB,
                &QuestionFilter::default(),
                dailyq::domain::rotation::QuestionSource::Both,
                plan(2),
                t0()
            )
            .await
            .unwrap()
            .is_none(),
        "one running session per channel"
    );
    let elsewhere = store
        .start_session(
            GUILD,
            OTHER,
            BOB,
            &QuestionFilter::default(),
            dailyq::domain::rotation::QuestionSource::Both,
            plan(2),
            t0(),
        )
        .await
        .unwrap();
    assert!(elsewhere.is_some(), "another channel may run its own");

    let daily = store
        .claim_round(&new_round(keys[0], 10), t0())
        .await
        .unwrap()
        .unwrap();
    let p1 = store
        .claim_round(&practice_round(keys[1], session.id, 1), t0())
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .claim_round(&practice_round(keys[1], session.id, 1), t0())
            .await
            .unwrap()
            .is_none(),
        "a practice question is claimed once"
    );
    assert_eq!((daily.number, p1.number), (1, 1), "numbered per kind");
    assert_eq!(
        p1.kind,
        RoundKind::Practice {
            session: session.id,
            seq: 1
        }
    );
    assert_ne!(daily.nonce, p1.nonce);

    let progress = store.sessions_to_advance().await.unwrap();
    let mine = progress.iter().find(|p| p.session.id == session.id).unwrap();
    assert_eq!((mine.asked, mine.unfinished), (1, true));
    assert_eq!(
        store
            .session_current_round(session.id)
            .await
            .unwrap()
            .map(|r| r.id),
        Some(p1.id)
    );

    play(store, &daily, 100).await;
    play(store, &p1, 200).await;
    // 2 for answering + 1 for Bob's upvote + 3 for the top answer, on each board once.
    assert_eq!(points(store, Board::Daily).await, Some(6));
    assert_eq!(points(store, Board::Practice).await, Some(6));
    let (streak, latest) = store.streak(CHANNEL, ALICE).await.unwrap();
    assert_eq!(
        (streak.current, latest),
        (1, 1),
        "practice neither extends nor breaks a streak"
    );

    // The next daily round is #2, not #3, and the streak goes on across the practice question.
    let mut next = new_round(keys[2], 11);
    next.opens_at += Duration::days(1);
    let daily2 = store.claim_round(&next, t0()).await.unwrap().unwrap();
    assert_eq!(daily2.number, 2);
    play(store, &daily2, 300).await;
    assert_eq!(store.streak(CHANNEL, ALICE).await.unwrap().0.current, 2);

    // Practice counts on the daily board only once an admin turns that on.
    store
        .set_practice_settings(GUILD, None, true, t0())
        .await
        .unwrap();
    let p2 = store
        .claim_round(&practice_round(keys[0], session.id, 2), t0())
        .await
        .unwrap()
        .unwrap();
    play(store, &p2, 400).await;
    assert_eq!(points(store, Board::Daily).await, Some(18));
    assert_eq!(points(store, Board::Practice).await, Some(12));
    // A rebuild from the ledger (a time-zone change) puts every line where it was counted.
    store
        .set_guild_timezone(GUILD, Timezone::parse("Asia/Tokyo").unwrap(), t0())
        .await
        .unwrap();
    assert_eq!(points(store, Board::Daily).await, Some(18));
    assert_eq!(points(store, Board::Practice).await, Some(12));

    // Stop after two: the plan drops to the questions asked, and the session finishes once.
    assert!(store.stop_session(session.id).await.unwrap());
    let progress = store.sessions_to_advance().await.unwrap();
    let mine = progress.iter().find(|p| p.session.id == session.id).unwrap();
    assert_eq!(
        (mine.session.plan.questions, mine.asked, mine.unfinished),
        (2, 2, false)
    );
    let (table, answers) = store.session_results(session.id).await.unwrap();
    assert_eq!(table.len(), 1);
    assert_eq!(
        (table[0].member, table[0].points, table[0].answers),
        (ALICE, 12, 2)
    );
    assert_eq!(answers.len(), 2);
    assert!(answers.iter().all(|a| a.votes == 1 && a.author == ALICE));
    assert!(
        store
            .finish_session(session.id, Some(MessageId(999)), t0())
            .await
            .unwrap()
    );
    assert!(!store.finish_session(session.id, None, t0()).await.unwrap());
    let done = store.session(session.id).await.unwrap();
    assert!(done.finished);
    assert_eq!(done.scoreboard_message_id, Some(MessageId(999)));
    assert!(store.running_session(CHANNEL).await.unwrap().is_none());
    assert!(
        store
            .start_session(
                GUILD,
                CHANNEL,
                BOB,
                &QuestionFilter::default(),
                dailyq::domain::rotation::QuestionSource::Both,
                plan(1),
                t0()
            )
            .await
            .unwrap()
            .is_some(),
        "a finished session frees the channel"
    );
    assert_eq!(store.round(p2.id).await.unwrap().state, RoundState::Closed);
}

crate::on_both_backends!(practice_rounds_keep_their_own_numbers_board_and_no_streaks);
