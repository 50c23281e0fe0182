//! Corrections in the store: a disqualification after the reveal is a ledger line, and the
//! channel's streaks follow it.

use super::fixtures::*;
use dailyq::domain::scoring::{CountedAnswer, ScoringWeights, award_changes, score_round};
use dailyq::domain::{MessageId, UserId};
use dailyq::store::Store;
use std::collections::BTreeSet;

async fn a_disqualification_after_the_reveal_breaks_the_streak_it_made(store: &Store) {
    let keys = seeded(store).await;
    let (alice, bob) = (UserId(1), UserId(2));
    for day in 1..=3u32 {
        let round = store
            .claim_round(&new_round(keys[day as usize - 1], day), t0())
            .await
            .unwrap()
            .unwrap();
        store
            .mark_round_posted(round.id, MessageId(1000 + u64::from(day)))
            .await
            .unwrap();
        let answers: Vec<CountedAnswer> = [alice, bob]
            .iter()
            .map(|a| CountedAnswer {
                message: MessageId(2000 + a.0 + 10 * u64::from(day)),
                author: *a,
                voters: BTreeSet::new(),
            })
            .collect();
        for a in &answers {
            store
                .record_answer(round.id, a.message, a.author, Some("an answer"), round.opens_at)
                .await
                .unwrap();
        }
        let awards = score_round(&answers, ScoringWeights::default());
        let round = store.round(round.id).await.unwrap();
        assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
    }
    let (streak, _) = store.streak(CHANNEL, alice).await.unwrap();
    assert_eq!((streak.current, streak.best), (3, 3));

    // Alice's answer to the middle round is disqualified after its reveal.
    let (round2, answers2) = {
        let round = store
            .round_on(CHANNEL, new_round(keys[1], 2).scheduled_date)
            .await
            .unwrap()
            .unwrap();
        let answers: Vec<CountedAnswer> = [alice, bob]
            .iter()
            .map(|a| CountedAnswer {
                message: MessageId(2000 + a.0 + 20),
                author: *a,
                voters: BTreeSet::new(),
            })
            .collect();
        (round, answers)
    };
    let before = score_round(&answers2, ScoringWeights::default());
    let after = score_round(&answers2[1..], ScoringWeights::default());
    let changes = award_changes(&before, &after);
    assert!(
        store
            .disqualify_answer(
                &round2,
                answers2[0].message,
                &changes,
                UserId(9),
                "copied",
                77,
                t0()
            )
            .await
            .unwrap()
    );
    let (streak, latest) = store.streak(CHANNEL, alice).await.unwrap();
    assert_eq!(latest, 3);
    assert_eq!(
        (streak.current, streak.best, streak.last_round),
        (1, 1, 3),
        "{streak:?}"
    );
    let (bobs, _) = store.streak(CHANNEL, bob).await.unwrap();
    assert_eq!((bobs.current, bobs.best), (3, 3), "Bob's answers all count");
}

crate::on_both_backends!(a_disqualification_after_the_reveal_breaks_the_streak_it_made);
