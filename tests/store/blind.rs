//! Blind rounds in the store: sealed answers only while the answer phase lasts and before
//! publishing began, an order drawn once, and each published answer recorded once as the
//! member's answer.

use super::fixtures::*;
use chrono::Duration;
use dailyq::domain::round::Round;
use dailyq::domain::{MessageId, UserId};
use dailyq::store::{Sealed, Store};

async fn blind_round(store: &Store) -> Round {
    let keys = seeded(store).await;
    let mut new = new_round(keys[0], 1);
    new.answers_close_at = Some(new.opens_at + Duration::hours(2));
    new.closes_at = new.opens_at + Duration::hours(3);
    let round = store.claim_round(&new, new.opens_at).await.unwrap().unwrap();
    store.mark_round_posted(round.id, MessageId(10)).await.unwrap();
    store.round(round.id).await.unwrap()
}

async fn sealed_answers_are_kept_changed_and_refused_once_the_phase_ends(store: &Store) {
    let round = blind_round(store).await;
    let deadline = round.answers_close_at.unwrap();
    let (alice, bob, carol) = (UserId(1), UserId(2), UserId(3));
    let early = round.opens_at + Duration::minutes(1);
    assert_eq!(
        store
            .seal_answer(round.id, GUILD, alice, "first", early)
            .await
            .unwrap(),
        Sealed::New
    );
    assert_eq!(
        store
            .seal_answer(round.id, GUILD, alice, "second", early + Duration::minutes(1))
            .await
            .unwrap(),
        Sealed::Changed
    );
    let kept = store.sealed_answer(round.id, alice).await.unwrap().unwrap();
    assert_eq!(kept.content, "second");
    assert_eq!(kept.submitted_at, early, "dated by the first submission");
    assert_eq!(kept.edited_at, Some(early + Duration::minutes(1)));
    assert_eq!(
        store
            .seal_answer(round.id, GUILD, bob, "late", deadline)
            .await
            .unwrap(),
        Sealed::Closed,
        "at the deadline"
    );
    store
        .seal_answer(round.id, GUILD, bob, "bob's", early)
        .await
        .unwrap();
    assert_eq!(store.sealed_answer_count(round.id).await.unwrap(), 2);

    // Publishing seals the round: an answer dated before the deadline but arriving after the
    // first attempt is refused, and nothing is written.
    assert_eq!(store.begin_publish(round.id).await.unwrap(), 0);
    assert_eq!(
        store
            .seal_answer(round.id, GUILD, carol, "in time?", early)
            .await
            .unwrap(),
        Sealed::Closed
    );
    assert_eq!(
        store
            .seal_answer(round.id, GUILD, alice, "third", early)
            .await
            .unwrap(),
        Sealed::Closed
    );
    assert!(store.sealed_answer(round.id, carol).await.unwrap().is_none());
    assert_eq!(
        store
            .sealed_answer(round.id, alice)
            .await
            .unwrap()
            .unwrap()
            .content,
        "second"
    );
    assert_eq!(
        store.begin_publish(round.id).await.unwrap(),
        1,
        "a retry knows it is one"
    );
}

async fn the_order_is_drawn_once_and_each_published_answer_is_recorded_once(store: &Store) {
    let round = blind_round(store).await;
    let at = round.opens_at + Duration::minutes(1);
    for m in 1..=3 {
        store
            .seal_answer(round.id, GUILD, UserId(m), &format!("answer {m}"), at)
            .await
            .unwrap();
    }
    store.begin_publish(round.id).await.unwrap();
    store
        .order_sealed_answers(round.id, &[UserId(3), UserId(1), UserId(2)])
        .await
        .unwrap();
    // A second draw (a retry) changes nothing.
    store
        .order_sealed_answers(round.id, &[UserId(1), UserId(2), UserId(3)])
        .await
        .unwrap();
    let sealed = store.sealed_answers(round.id).await.unwrap();
    let order: Vec<(u64, Option<u32>)> = sealed.iter().map(|a| (a.member.0, a.position)).collect();
    assert_eq!(order, vec![(3, Some(1)), (1, Some(2)), (2, Some(3))]);

    let first = &sealed[0];
    store
        .record_published_answer(first, MessageId(500))
        .await
        .unwrap();
    store
        .record_published_answer(first, MessageId(500))
        .await
        .unwrap();
    let answers = store.round_answers(round.id).await.unwrap();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].author_id, UserId(3), "the member, not the bot");
    assert_eq!(answers[0].content.as_deref(), Some("answer 3"));
    assert_eq!(answers[0].created_at, at);
    assert_eq!(
        store.sealed_answers(round.id).await.unwrap()[0].message_id,
        Some(MessageId(500))
    );
    // Due to publish only from the deadline plus the grace, and no longer once published.
    let deadline = round.answers_close_at.unwrap();
    assert!(store.due_publishes(deadline).await.unwrap().is_empty());
    let due = store
        .due_publishes(deadline + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), vec![round.id]);
    assert_eq!(
        store.earliest_publish_after(round.opens_at).await.unwrap(),
        Some(deadline + Duration::seconds(5))
    );
    // Its publish is leased like a reveal (an open daily round cannot be leased).
    let until = deadline + Duration::minutes(2);
    assert!(
        store
            .take_reveal_lease(round.id, "0-0/1:aaaa", deadline, until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_reveal_lease(round.id, "0-0/1:bbbb", deadline, until)
            .await
            .unwrap()
    );
    assert!(
        store
            .due_publishes(deadline + Duration::seconds(5))
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    assert!(store.release_reveal_lease(round.id, "0-0/1:aaaa").await.unwrap());
    store
        .finish_publish(round.id, deadline + Duration::seconds(6))
        .await
        .unwrap();
    assert!(
        !store
            .take_reveal_lease(round.id, "0-0/1:aaaa", deadline, until)
            .await
            .unwrap(),
        "nothing left to publish"
    );
    assert!(
        store
            .due_publishes(deadline + Duration::hours(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.earliest_publish_after(round.opens_at).await.unwrap(), None);
}

crate::on_both_backends!(
    sealed_answers_are_kept_changed_and_refused_once_the_phase_ends,
    the_order_is_drawn_once_and_each_published_answer_is_recorded_once,
);
