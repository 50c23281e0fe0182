//! Fairness in the store: points belong to the round's period, streaks do not depend on the order
//! of reveals or on concurrent closers, claims of one channel never collide, late upvotes stay
//! out, and guilds that removed the bot cost nothing.

use crate::fixtures::{CHANNEL, GUILD, new_round, seeded, t0};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use dailyq::domain::leaderboard::Period;
use dailyq::domain::round::Round;
use dailyq::domain::schedule::Timezone;
use dailyq::domain::scoring::{CountedAnswer, ScoringWeights, score_round};
use dailyq::domain::{MessageId, UserId};
use dailyq::store::{NewRound, Store};
use std::collections::BTreeSet;

/// Claims and posts a round, returning it as stored.
async fn posted(store: &Store, nr: &NewRound, message: u64) -> Round {
    let round = store.claim_round(nr, t0()).await.unwrap().unwrap();
    store
        .mark_round_posted(round.id, MessageId(message))
        .await
        .unwrap();
    store.round(round.id).await.unwrap()
}

/// Closes `round` with one answer from each of `authors`.
async fn close_with_answers(store: &Store, round: &Round, authors: &[u64], revealed: chrono::DateTime<Utc>) {
    let answers: Vec<CountedAnswer> = authors
        .iter()
        .map(|a| CountedAnswer {
            message: MessageId(round.id as u64 * 1000 + a),
            author: UserId(*a),
            voters: BTreeSet::new(),
        })
        .collect();
    let awards = score_round(&answers, ScoringWeights::default());
    assert!(store.close_round(round, &awards, revealed).await.unwrap());
}

async fn a_sunday_round_revealed_on_monday_counts_in_its_own_week(store: &Store) {
    let keys = seeded(store).await;
    // Sunday 2026-06-14 20:00 UTC, revealed Monday 2026-06-15 10:00 after downtime.
    let sunday = Utc.with_ymd_and_hms(2026, 6, 14, 20, 0, 0).unwrap();
    let nr = NewRound {
        kind: dailyq::domain::round::RoundKind::Daily,
        remind_at: None,
        answers_close_at: None,
        queued: None,
        scheduled_date: NaiveDate::from_ymd_opt(2026, 6, 14).unwrap(),
        opens_at: sunday,
        closes_at: sunday + Duration::hours(3),
        ..new_round(keys[0], 14)
    };
    let round = posted(store, &nr, 10).await;
    close_with_answers(store, &round, &[1], sunday + Duration::hours(14)).await;

    let utc = Timezone::utc();
    let sunday_week = Period::Week.bounds(utc, sunday);
    let monday_week = Period::Week.bounds(utc, sunday + Duration::hours(14));
    assert_eq!(store.standings(GUILD, sunday_week, None).await.unwrap().len(), 1);
    assert!(
        store
            .standings(GUILD, monday_week, None)
            .await
            .unwrap()
            .is_empty(),
        "points must not move to the week of the reveal"
    );
}

async fn streaks_are_the_same_whatever_the_order_of_reveals(store: &Store) {
    let keys = seeded(store).await;
    let (alice, bob) = (1u64, 2u64);
    let r1 = posted(store, &new_round(keys[0], 1), 11).await;
    let r2 = posted(store, &new_round(keys[1], 2), 12).await;
    let r3 = posted(store, &new_round(keys[2], 3), 13).await;
    // The newest round is revealed first (a manual /dailyq reveal), then the older ones.
    close_with_answers(store, &r3, &[alice, bob], t0()).await;
    close_with_answers(store, &r1, &[alice], t0()).await;
    close_with_answers(store, &r2, &[alice], t0()).await;

    let (a, latest) = store.streak(CHANNEL, UserId(alice)).await.unwrap();
    assert_eq!((a.current_as_of(latest), a.best, a.last_round), (3, 3, 3));
    let (b, latest) = store.streak(CHANNEL, UserId(bob)).await.unwrap();
    assert_eq!((b.current_as_of(latest), b.best), (1, 1));
}

async fn two_closers_of_one_channel_at_once_lose_no_streak_update(store: &Store) {
    let keys = seeded(store).await;
    // Many pairs of rounds closed concurrently, each pair answered by the same member.
    for pair in 0..6u32 {
        let a = posted(
            store,
            &new_round(keys[0], 1 + 2 * pair),
            100 + u64::from(pair) * 2,
        )
        .await;
        let b = posted(
            store,
            &new_round(keys[1], 2 + 2 * pair),
            101 + u64::from(pair) * 2,
        )
        .await;
        let (s1, s2) = (store.clone(), store.clone());
        let t1 = tokio::spawn(async move { close_with_answers(&s1, &a, &[7], t0()).await });
        let t2 = tokio::spawn(async move { close_with_answers(&s2, &b, &[7], t0()).await });
        t1.await.unwrap();
        t2.await.unwrap();
    }
    let (s, latest) = store.streak(CHANNEL, UserId(7)).await.unwrap();
    assert_eq!((s.current_as_of(latest), s.best, s.last_round), (12, 12, 12));
}

async fn two_processes_claiming_two_dates_of_one_channel_both_succeed(store: &Store) {
    let keys = seeded(store).await;
    for day in (1..=20u32).step_by(2) {
        let (s1, s2) = (store.clone(), store.clone());
        let (n1, n2) = (new_round(keys[0], day), new_round(keys[1], day + 1));
        let t1 = tokio::spawn(async move { s1.claim_round(&n1, t0()).await });
        let t2 = tokio::spawn(async move { s2.claim_round(&n2, t0()).await });
        let (c1, c2) = (t1.await.unwrap(), t2.await.unwrap());
        assert!(c1.as_ref().is_ok_and(Option::is_some), "{c1:?}");
        assert!(c2.as_ref().is_ok_and(Option::is_some), "{c2:?}");
    }
    let mut numbers = Vec::new();
    for day in 1..=20u32 {
        let date = NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        numbers.push(store.round_on(CHANNEL, date).await.unwrap().unwrap().number);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<u64>>());
}

async fn upvotes_seen_after_the_deadline_stay_out_of_the_reconciled_count(store: &Store) {
    let keys = seeded(store).await;
    let round = posted(store, &new_round(keys[0], 3), 30).await;
    let answer = MessageId(31);
    store
        .record_answer(round.id, answer, UserId(1), Some("An answer."), t0())
        .await
        .unwrap();
    store.add_vote(answer, UserId(2), t0()).await.unwrap();
    assert!(
        store
            .note_late_vote(answer, UserId(3), round.closes_at)
            .await
            .unwrap()
    );
    assert!(
        !store
            .note_late_vote(answer, UserId(3), round.closes_at)
            .await
            .unwrap()
    );
    // Discord's reaction list shows both; only the one in time counts.
    let listed: BTreeSet<UserId> = [UserId(2), UserId(3)].into();
    store
        .replace_votes(answer, &listed, round.closes_at)
        .await
        .unwrap();
    assert_eq!(store.vote_count(answer).await.unwrap(), 1);
}

async fn guilds_that_removed_the_bot_have_nothing_due_until_it_is_back(store: &Store) {
    let keys = seeded(store).await;
    let round = posted(store, &new_round(keys[0], 3), 40).await;
    let late = round.closes_at + Duration::hours(1);
    assert_eq!(store.due_reveals(late).await.unwrap().len(), 1);
    store
        .upsert_schedule(&crate::schedules::schedule(CHANNEL, -5), t0())
        .await
        .unwrap();
    assert_eq!(store.due_schedules(t0()).await.unwrap().len(), 1);

    store.mark_guild_left(GUILD, late).await.unwrap();
    assert!(store.due_reveals(late).await.unwrap().is_empty());
    assert!(store.due_schedules(t0()).await.unwrap().is_empty());
    assert_eq!(
        store
            .earliest_next_post_after(t0() - Duration::days(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .earliest_reveal_after(t0() - Duration::days(30))
            .await
            .unwrap(),
        None
    );
    assert!(store.present_guilds().await.unwrap().is_empty());
    assert!(store.guild_left(GUILD).await.unwrap());

    store
        .record_guilds_present(&[(GUILD, "Study")], late)
        .await
        .unwrap();
    assert_eq!(store.due_reveals(late).await.unwrap().len(), 1);
    assert_eq!(store.due_schedules(t0()).await.unwrap().len(), 1);
    assert!(!store.guild_left(GUILD).await.unwrap());
}

crate::on_both_backends!(
    a_sunday_round_revealed_on_monday_counts_in_its_own_week,
    streaks_are_the_same_whatever_the_order_of_reveals,
    two_closers_of_one_channel_at_once_lose_no_streak_update,
    two_processes_claiming_two_dates_of_one_channel_both_succeed,
    upvotes_seen_after_the_deadline_stay_out_of_the_reconciled_count,
    guilds_that_removed_the_bot_have_nothing_due_until_it_is_back,
);
