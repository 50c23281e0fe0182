use super::fixtures::*;
use chrono::Duration;
use dailyq::domain::leaderboard::{Period, rank};
use dailyq::domain::round::RoundState;
use dailyq::domain::schedule::Timezone;
use dailyq::domain::scoring::{CountedAnswer, ScoringWeights, score_round};
use dailyq::domain::{ChannelId, MessageId, UserId};
use dailyq::store::Store;
use std::collections::BTreeSet;

async fn a_channel_and_date_is_claimed_once_and_rounds_are_numbered(store: &Store) {
    let keys = seeded(store).await;
    let first = store
        .claim_round(&new_round(keys[0], 1), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.number, first.state), (1, RoundState::Pending));
    assert!(first.nonce.len() <= 25);
    assert!(
        store
            .claim_round(&new_round(keys[1], 1), t0())
            .await
            .unwrap()
            .is_none()
    );
    let second = store
        .claim_round(&new_round(keys[1], 2), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.number, 2);
    assert_eq!(
        store.round_on(CHANNEL, first.scheduled_date).await.unwrap(),
        Some(first.clone())
    );

    store.mark_round_posted(first.id, MessageId(11)).await.unwrap();
    store.mark_round_posted(first.id, MessageId(11)).await.unwrap();
    store.set_round_thread(first.id, ChannelId(12)).await.unwrap();
    let posted = store.round_by_thread(ChannelId(12)).await.unwrap().unwrap();
    assert_eq!(
        (posted.state, posted.message_id),
        (RoundState::Open, Some(MessageId(11)))
    );
    assert_eq!(store.pending_rounds().await.unwrap().len(), 1);
    assert!(store.skip_round(second.id).await.unwrap());
    assert!(store.pending_rounds().await.unwrap().is_empty());
    assert_eq!(store.unfinished_rounds(GUILD).await.unwrap().len(), 1);
}

async fn answers_are_recorded_once_edited_and_withdrawn_with_their_votes(store: &Store) {
    let keys = seeded(store).await;
    let round = store
        .claim_round(&new_round(keys[0], 1), t0())
        .await
        .unwrap()
        .unwrap();
    let (msg, alice, bob) = (MessageId(100), UserId(1), UserId(2));
    assert!(
        store
            .record_answer(round.id, msg, alice, Some("first"), t0())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_answer(round.id, msg, alice, Some("dup"), t0())
            .await
            .unwrap()
    );
    assert!(store.edit_answer(msg, Some("edited"), t0()).await.unwrap());
    assert_eq!(
        store.answer(msg).await.unwrap().unwrap().content.as_deref(),
        Some("edited")
    );

    assert!(store.add_vote(msg, bob, t0()).await.unwrap());
    assert!(!store.add_vote(msg, bob, t0()).await.unwrap());
    assert_eq!(store.vote_count(msg).await.unwrap(), 1);
    assert!(store.withdraw_answer(msg, t0()).await.unwrap());
    assert_eq!(store.vote_count(msg).await.unwrap(), 0);
    assert!(store.round_answers(round.id).await.unwrap().is_empty());
    assert!(!store.edit_answer(msg, Some("too late"), t0()).await.unwrap());
    // Answers stored without content (no MESSAGE_CONTENT intent) still count.
    assert!(
        store
            .record_answer(round.id, MessageId(101), bob, None, t0())
            .await
            .unwrap()
    );
    assert_eq!(store.round_answers(round.id).await.unwrap()[0].content, None);
}

async fn reconciliation_replaces_votes_with_discords_reaction_list(store: &Store) {
    let keys = seeded(store).await;
    let round = store
        .claim_round(&new_round(keys[0], 1), t0())
        .await
        .unwrap()
        .unwrap();
    let msg = MessageId(100);
    store
        .record_answer(round.id, msg, UserId(1), None, t0())
        .await
        .unwrap();
    store.add_vote(msg, UserId(2), t0()).await.unwrap();
    store.add_vote(msg, UserId(3), t0()).await.unwrap();
    let discord: BTreeSet<UserId> = [UserId(3), UserId(4), UserId(5)].into();
    store.replace_votes(msg, &discord, t0()).await.unwrap();
    assert_eq!(
        store.round_votes(round.id).await.unwrap().get(&msg),
        Some(&discord)
    );
}

async fn a_round_that_was_never_posted_cannot_be_closed(store: &Store) {
    let keys = seeded(store).await;
    let round = store
        .claim_round(&new_round(keys[0], 1), t0())
        .await
        .unwrap()
        .unwrap();
    let awards = score_round(
        &[CountedAnswer {
            message: MessageId(1),
            author: UserId(1),
            voters: BTreeSet::new(),
        }],
        ScoringWeights::default(),
    );
    assert!(!store.close_round(&round, &awards, t0()).await.unwrap());
    assert!(store.round_awards(round.id).await.unwrap().is_empty());
}

async fn closing_a_round_awards_points_and_streaks_exactly_once(store: &Store) {
    let keys = seeded(store).await;
    let (alice, bob) = (UserId(1), UserId(2));
    for (i, who) in [vec![alice, bob], vec![alice], vec![alice, bob]]
        .into_iter()
        .enumerate()
    {
        let round = store
            .claim_round(&new_round(keys[i], i as u32 + 1), t0())
            .await
            .unwrap()
            .unwrap();
        store
            .mark_round_posted(round.id, MessageId(1000 + i as u64))
            .await
            .unwrap();
        let answers: Vec<CountedAnswer> = who
            .iter()
            .map(|a| CountedAnswer {
                message: MessageId(2000 + a.0 + 10 * i as u64),
                author: *a,
                voters: BTreeSet::new(),
            })
            .collect();
        let awards = score_round(&answers, ScoringWeights::default());
        let round = store.round(round.id).await.unwrap();
        assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
        assert!(
            !store.close_round(&round, &awards, round.closes_at).await.unwrap(),
            "second close must write nothing"
        );
    }
    let all = store.standings(GUILD, None, None).await.unwrap();
    let ranked = rank(all);
    assert_eq!(
        (
            ranked[0].standing.member,
            ranked[0].standing.points,
            ranked[0].standing.answers
        ),
        (alice, 6, 3)
    );
    assert_eq!(
        (
            ranked[1].standing.member,
            ranked[1].standing.points,
            ranked[1].standing.answers
        ),
        (bob, 4, 2)
    );

    let (a, latest) = store.streak(CHANNEL, alice).await.unwrap();
    assert_eq!((a.current_as_of(latest), a.best), (3, 3));
    let (b, latest) = store.streak(CHANNEL, bob).await.unwrap();
    assert_eq!((b.current_as_of(latest), b.best), (1, 1));
    assert_eq!(store.member_streaks(GUILD, alice).await.unwrap().len(), 1);
}

async fn standings_honour_the_period_and_the_channel(store: &Store) {
    let keys = seeded(store).await;
    let alice = UserId(1);
    // Round on June 1 (a Monday week earlier) and one on June 10.
    for (i, day) in [1u32, 10].into_iter().enumerate() {
        let mut nr = new_round(keys[i], day);
        if i == 1 {
            nr.channel_id = ChannelId(77);
        }
        let round = store.claim_round(&nr, t0()).await.unwrap().unwrap();
        store
            .mark_round_posted(round.id, MessageId(40 + i as u64))
            .await
            .unwrap();
        let awards = score_round(
            &[CountedAnswer {
                message: MessageId(50 + i as u64),
                author: alice,
                voters: BTreeSet::new(),
            }],
            ScoringWeights::default(),
        );
        assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
    }
    let now = t0() + Duration::days(1);
    let week = Period::Week.bounds(Timezone::utc(), now);
    assert_eq!(store.standings(GUILD, week, None).await.unwrap()[0].points, 2);
    let month = Period::Month.bounds(Timezone::utc(), now);
    assert_eq!(store.standings(GUILD, month, None).await.unwrap()[0].points, 4);
    assert_eq!(
        store.standings(GUILD, None, Some(CHANNEL)).await.unwrap()[0].points,
        2
    );
    assert!(
        store
            .standings(GUILD, None, Some(ChannelId(3)))
            .await
            .unwrap()
            .is_empty()
    );
}

crate::on_both_backends!(
    a_channel_and_date_is_claimed_once_and_rounds_are_numbered,
    answers_are_recorded_once_edited_and_withdrawn_with_their_votes,
    reconciliation_replaces_votes_with_discords_reaction_list,
    closing_a_round_awards_points_and_streaks_exactly_once,
    a_round_that_was_never_posted_cannot_be_closed,
    standings_honour_the_period_and_the_channel,
);
