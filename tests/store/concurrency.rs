use super::fixtures::*;
use dailyq::domain::{MessageId, UserId};
use dailyq::store::Store;

const TASKS: u64 = 20;
const ANSWERS: u64 = 3;

async fn twenty_tasks_voting_at_once_end_with_exact_counts(store: &Store) {
    let keys = seeded(store).await;
    let round = store
        .claim_round(&new_round(keys[0], 1), t0())
        .await
        .unwrap()
        .unwrap();
    for a in 0..ANSWERS {
        store
            .record_answer(round.id, MessageId(500 + a), UserId(9_000 + a), None, t0())
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let voter = UserId(i + 1);
            let churner = UserId(1_000 + i);
            for round_trip in 0..3 {
                for a in 0..ANSWERS {
                    let answer = MessageId(500 + a);
                    store.add_vote(answer, voter, t0()).await.unwrap();
                    // Duplicates (a replayed event) change nothing.
                    store.add_vote(answer, voter, t0()).await.unwrap();
                    store.add_vote(answer, churner, t0()).await.unwrap();
                    store.remove_vote(answer, churner).await.unwrap();
                    if i % 4 == 0 && round_trip == 2 {
                        store.remove_vote(answer, voter).await.unwrap();
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("no task may fail");
    }
    // Voters 1..=20 minus those with i % 4 == 0 (i = 0, 4, 8, 12, 16).
    for a in 0..ANSWERS {
        assert_eq!(store.vote_count(MessageId(500 + a)).await.unwrap(), TASKS - 5);
    }
}

async fn concurrent_claims_of_the_same_round_create_it_once(store: &Store) {
    let keys = seeded(store).await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let nr = new_round(keys[0], 3);
        tasks.push(tokio::spawn(async move {
            store.claim_round(&nr, t0()).await.unwrap().is_some()
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += usize::from(t.await.unwrap());
    }
    assert_eq!(created, 1);
}

crate::on_both_backends!(
    twenty_tasks_voting_at_once_end_with_exact_counts,
    concurrent_claims_of_the_same_round_create_it_once,
);
