//! Mock-interview pairing in the store: a pairing is claimed once per guild and due instant,
//! takes the paired members out of the pool and marks who waits; ratings average per rubric.

use super::fixtures::{CHANNEL, GUILD, seeded, t0};
use chrono::Duration;
use dailyq::domain::pairing::{PairingSettings, PoolEntry, Rubric, plan_pairing};
use dailyq::domain::schedule::{LocalTime, PostTime, Timezone, Weekdays};
use dailyq::domain::{GuildId, UserId};
use dailyq::store::Store;

fn entry(member: u64, minute: i64) -> PoolEntry {
    PoolEntry {
        member: UserId(member),
        level: None,
        topics: Vec::new(),
        joined_at: t0() + Duration::minutes(minute),
        waiting: false,
    }
}

async fn a_pairing_is_made_once_and_leaves_only_the_odd_member_waiting(store: &Store) {
    seeded(store).await;
    store.ensure_guild(GUILD, t0()).await.unwrap();
    let time = PostTime {
        time: LocalTime::parse("18:00").unwrap(),
        timezone: Timezone::utc(),
        weekdays: Weekdays::parse("mon").unwrap(),
    };
    let settings = PairingSettings {
        guild_id: GUILD,
        channel_id: CHANNEL,
        time,
        next_at: t0(),
    };
    store.set_pairing(&settings, t0()).await.unwrap();
    for (m, minute) in [(1, 0), (2, 1), (3, 2)] {
        store.join_pool(GUILD, &entry(m, minute)).await.unwrap();
    }
    // Joining again changes the entry but keeps the place in line.
    store.join_pool(GUILD, &entry(1, 50)).await.unwrap();
    assert_eq!(store.pair_pool(GUILD).await.unwrap().len(), 3);
    let candidates = store
        .rotation_candidates(GUILD, dailyq::domain::rotation::QuestionSource::Both)
        .await
        .unwrap();
    let next = t0() + Duration::days(7);
    let plan = |pool: &[PoolEntry], recent: &std::collections::BTreeSet<_>| {
        plan_pairing(pool, recent, &candidates, 1)
    };
    let first = store.claim_pairing(&settings, next, t0(), plan).await.unwrap();
    assert!(first.is_some());
    assert!(
        store
            .claim_pairing(&settings, next, t0(), plan)
            .await
            .unwrap()
            .is_none(),
        "the same pairing is made once"
    );
    let pairs = store.pairing_pairs(first.unwrap()).await.unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        (pairs[0].a, pairs[0].b),
        (UserId(1), UserId(2)),
        "first come, first paired"
    );
    let pool = store.pair_pool(GUILD).await.unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!((pool[0].member, pool[0].waiting), (UserId(3), true));
    assert_eq!(
        store.pairing_settings(GUILD).await.unwrap().unwrap().next_at,
        next
    );
    assert!(
        store
            .pairing_work(t0())
            .await
            .unwrap()
            .iter()
            .any(|(g, _)| *g == GUILD),
        "threads to open"
    );
    assert_eq!(store.pending_pairs(GUILD).await.unwrap().len(), 1);

    // Ratings: upserted per rubric, averaged per rated member, and only a pair's members rate.
    let pair = &pairs[0];
    assert!(
        store
            .rate_partner(pair, UserId(1), Rubric::Clarity, 2, t0())
            .await
            .unwrap()
    );
    assert!(
        store
            .rate_partner(pair, UserId(1), Rubric::Clarity, 4, t0())
            .await
            .unwrap()
    );
    assert!(
        store
            .rate_partner(pair, UserId(1), Rubric::Depth, 3, t0())
            .await
            .unwrap()
    );
    assert!(
        !store
            .rate_partner(pair, UserId(3), Rubric::Depth, 1, t0())
            .await
            .unwrap()
    );
    let got = store.ratings_received(GUILD, UserId(2)).await.unwrap();
    let by: Vec<(Rubric, f64, u64)> = got.iter().map(|r| (r.rubric, r.average, r.count)).collect();
    assert_eq!(by, vec![(Rubric::Clarity, 4.0, 1), (Rubric::Depth, 3.0, 1)]);
    assert!(store.ratings_received(GUILD, UserId(1)).await.unwrap().is_empty());
    assert!(
        store
            .ratings_received(GuildId(5), UserId(2))
            .await
            .unwrap()
            .is_empty()
    );

    // Set up on Discord: nothing pending any more.
    store
        .finish_pair(pair.id, Some(dailyq::domain::MessageId(9)))
        .await
        .unwrap();
    assert!(store.pending_pairs(GUILD).await.unwrap().is_empty());
    let pending = store.pairings_to_announce(GUILD).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].waiting, Some(UserId(3)));
    store.finish_pairing(pending[0].id, None).await.unwrap();
    assert!(store.pairing_work(t0()).await.unwrap().is_empty());
    assert!(store.leave_pool(GUILD, UserId(3)).await.unwrap());
    assert!(!store.leave_pool(GUILD, UserId(3)).await.unwrap());
}

crate::on_both_backends!(a_pairing_is_made_once_and_leaves_only_the_odd_member_waiting);
