//! Solo practice: shown counts, the review queue and its intervals, per member and guild.

use super::fixtures::{GUILD, seeded, t0};
use chrono::Duration;
use dailyq::domain::practice::{Review, SelfMark};
use dailyq::domain::{GuildId, UserId};
use dailyq::store::Store;

const ALICE: UserId = UserId(11);
const BOB: UserId = UserId(12);

async fn shown(store: &Store, member: UserId, key: i64) -> u32 {
    store
        .solo_candidates(GUILD, member)
        .await
        .unwrap()
        .iter()
        .find(|c| c.key == key)
        .map(|c| c.times_asked)
        .unwrap()
}

async fn a_member_practice_counts_and_review_queue_are_their_own(store: &Store) {
    let keys = seeded(store).await;
    store
        .record_solo_shown(GUILD, ALICE, keys[0], t0())
        .await
        .unwrap();
    store
        .record_solo_shown(GUILD, ALICE, keys[0], t0())
        .await
        .unwrap();
    store
        .record_solo_shown(GUILD, ALICE, keys[2], t0())
        .await
        .unwrap();
    assert_eq!(shown(store, ALICE, keys[0]).await, 2);
    assert_eq!(shown(store, ALICE, keys[1]).await, 0);
    assert_eq!(shown(store, BOB, keys[0]).await, 0, "Bob has his own counts");

    // Review later: due after one day, not before; not Bob's, not another guild's.
    let queued = store
        .mark_solo(GUILD, ALICE, keys[2], SelfMark::ReviewLater, t0())
        .await
        .unwrap();
    assert_eq!(
        queued,
        Some(Review {
            step: 0,
            due: t0() + Duration::days(1)
        })
    );
    let later = t0() + Duration::hours(23);
    assert!(store.due_reviews(GUILD, ALICE, later).await.unwrap().is_empty());
    let day = t0() + Duration::days(1);
    assert_eq!(store.due_reviews(GUILD, ALICE, day).await.unwrap(), vec![keys[2]]);
    assert!(store.due_reviews(GUILD, BOB, day).await.unwrap().is_empty());
    assert!(
        store
            .due_reviews(GuildId(7), ALICE, day)
            .await
            .unwrap()
            .is_empty()
    );

    // Got it moves it to three days, then seven, then twenty-one, then out of the queue.
    let mut at = day;
    for days in [3, 7, 21] {
        let next = store
            .mark_solo(GUILD, ALICE, keys[2], SelfMark::GotIt, at)
            .await
            .unwrap()
            .expect("still queued");
        assert_eq!(next.due, at + Duration::days(days));
        at = next.due;
    }
    assert_eq!(
        store
            .mark_solo(GUILD, ALICE, keys[2], SelfMark::GotIt, at)
            .await
            .unwrap(),
        None
    );
    assert!(
        store
            .due_reviews(GUILD, ALICE, at + Duration::days(400))
            .await
            .unwrap()
            .is_empty()
    );
    // Marking keeps the shown count; a mark on a question never shown queues it all the same.
    assert_eq!(shown(store, ALICE, keys[2]).await, 1);
    store
        .mark_solo(GUILD, BOB, keys[1], SelfMark::ReviewLater, t0())
        .await
        .unwrap();
    assert_eq!(store.due_reviews(GUILD, BOB, day).await.unwrap(), vec![keys[1]]);

    // Practised per category counts questions shown, not marks.
    assert_eq!(
        store.solo_practised_per_category(GUILD, ALICE).await.unwrap(),
        vec![("caching".to_owned(), 1), ("databases".to_owned(), 1)]
    );
    assert!(
        store
            .solo_practised_per_category(GUILD, BOB)
            .await
            .unwrap()
            .is_empty()
    );
}

crate::on_both_backends!(a_member_practice_counts_and_review_queue_are_their_own);
