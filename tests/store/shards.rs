//! Several processes on one database: each sees only the scheduled work of its own shards, and a
//! revealing round is leased to one process at a time.

use super::fixtures::*;
use super::schedules::schedule;
use chrono::Duration;
use dailyq::domain::round::RoundState;
use dailyq::domain::shards::{ShardRange, shard_of};
use dailyq::domain::{ChannelId, GuildId, MessageId};
use dailyq::store::{NewRound, Store};
use std::collections::BTreeSet;

/// A guild created `millis` after the Discord epoch (so on shard `millis % N`), with low bits
/// set as real ids have.
fn guild(millis: u64) -> GuildId {
    GuildId((millis << 22) | 0x2_0001)
}

/// In guild `g`: a due schedule, a claimed but unposted round, an open round without a thread
/// and an open round past its deadline, each in its own channel. Returns the guild.
async fn guild_with_every_kind_of_work(store: &Store, question: i64, g: GuildId, n: u64) -> GuildId {
    store.ensure_guild(g, t0()).await.unwrap();
    let channel = |k: u64| ChannelId(1_000_000 + n * 10 + k);
    let mut due = schedule(channel(0), -5);
    due.guild_id = g;
    store.upsert_schedule(&due, t0()).await.unwrap();
    let round = |k: u64, closes: i64| NewRound {
        kind: dailyq::domain::round::RoundKind::Daily,
        remind_at: None,
        answers_close_at: None,
        queued: None,
        guild_id: g,
        channel_id: channel(k),
        question_id: question,
        scheduled_date: t0().date_naive(),
        opens_at: t0() - Duration::hours(2),
        closes_at: t0() + Duration::minutes(closes),
    };
    store.claim_round(&round(1, 60), t0()).await.unwrap().unwrap();
    let no_thread = store.claim_round(&round(2, 60), t0()).await.unwrap().unwrap();
    store
        .mark_round_posted(no_thread.id, MessageId(5_000 + n * 10 + 2))
        .await
        .unwrap();
    let due_reveal = store.claim_round(&round(3, -1), t0()).await.unwrap().unwrap();
    store
        .mark_round_posted(due_reveal.id, MessageId(5_000 + n * 10 + 3))
        .await
        .unwrap();
    store
        .set_round_thread(due_reveal.id, ChannelId(6_000 + n))
        .await
        .unwrap();
    g
}

/// The guilds of each kind of due work `store` returns.
async fn work_seen(store: &Store) -> [BTreeSet<u64>; 4] {
    let guilds = |rounds: Vec<dailyq::domain::round::Round>| rounds.iter().map(|r| r.guild_id.0).collect();
    [
        store
            .due_schedules(t0())
            .await
            .unwrap()
            .iter()
            .map(|s| s.guild_id.0)
            .collect(),
        guilds(store.pending_rounds().await.unwrap()),
        guilds(store.open_rounds_without_thread().await.unwrap()),
        guilds(store.due_reveals(t0()).await.unwrap()),
    ]
}

async fn each_process_sees_only_the_scheduled_work_of_the_guilds_of_its_shards(store: &Store) {
    let question = seeded(store).await[0];
    let mut all = BTreeSet::new();
    // Two guilds per shard of four, and one with the largest id an i64 holds.
    for n in 0..8 {
        all.insert(
            guild_with_every_kind_of_work(store, question, guild(1_000 + n), n)
                .await
                .0,
        );
    }
    let largest = GuildId(i64::MAX as u64);
    all.insert(guild_with_every_kind_of_work(store, question, largest, 8).await.0);

    let low = ShardRange::parse("0-1/4").unwrap();
    let high = ShardRange::parse("2-3/4").unwrap();
    let seen_low = work_seen(&store.owning(low)).await;
    let seen_high = work_seen(&store.owning(high)).await;
    for (kind, (l, h)) in seen_low.iter().zip(&seen_high).enumerate() {
        let expected_low: BTreeSet<u64> = all.iter().copied().filter(|g| low.owns(GuildId(*g))).collect();
        assert_eq!(
            l, &expected_low,
            "kind {kind}: the low shards' guilds, by Discord's rule"
        );
        assert_eq!(l.len() + h.len(), all.len(), "kind {kind}: disjoint");
        assert_eq!(l | h, all, "kind {kind}: together they see every guild");
    }
    // Shard 3 of 4 holds the largest id: the database computes the same shard as the rule.
    assert_eq!(shard_of(largest, 4), 3);
    assert!(seen_high[0].contains(&largest.0) && !seen_low[0].contains(&largest.0));
    // The unscoped store (one process) sees everything.
    assert_eq!(
        work_seen(store).await,
        [all.clone(), all.clone(), all.clone(), all.clone()]
    );

    // The next wake-up comes only from the process's own guilds: the low range's schedule
    // moves far ahead, so its earliest next post is now the high range's… and vice versa.
    let lows: Vec<GuildId> = all.iter().map(|g| GuildId(*g)).filter(|g| low.owns(*g)).collect();
    for (n, g) in (0..8).map(|n| (n, guild(1_000 + n))) {
        let mut s = schedule(
            ChannelId(1_000_000 + n * 10),
            if lows.contains(&g) { 90 } else { 30 },
        );
        s.guild_id = g;
        store.upsert_schedule(&s, t0()).await.unwrap();
    }
    let mut s = schedule(ChannelId(1_000_080), 30);
    s.guild_id = largest;
    store.upsert_schedule(&s, t0()).await.unwrap();
    let next = |st: Store| async move { st.earliest_next_post_after(t0()).await.unwrap().unwrap() };
    assert_eq!(next(store.owning(low)).await, t0() + Duration::minutes(90));
    assert_eq!(next(store.owning(high)).await, t0() + Duration::minutes(30));
    let reveal = |st: Store| async move { st.earliest_reveal_after(t0()).await.unwrap() };
    assert_eq!(
        reveal(store.owning(low)).await,
        Some(t0() + Duration::minutes(60))
    );
}

/// A round past its deadline, moved to `revealing`.
async fn a_revealing_round(store: &Store) -> i64 {
    let question = seeded(store).await[0];
    let mut new = new_round(question, 9);
    new.closes_at = t0() - Duration::minutes(1);
    let round = store.claim_round(&new, t0()).await.unwrap().unwrap();
    store.mark_round_posted(round.id, MessageId(77)).await.unwrap();
    assert!(
        store
            .transition_round(round.id, RoundState::Open, RoundState::Revealing)
            .await
            .unwrap()
    );
    round.id
}

async fn a_revealing_round_is_leased_to_one_process_until_its_lease_expires(store: &Store) {
    let id = a_revealing_round(store).await;
    let (a, b) = ("0-3/4:aaaa", "0-3/4:bbbb");
    let until = t0() + Duration::minutes(2);
    assert!(store.take_reveal_lease(id, a, t0(), until).await.unwrap());
    assert!(
        !store.take_reveal_lease(id, b, t0(), until).await.unwrap(),
        "a second process cannot reconcile it at the same time"
    );
    assert_eq!(store.reveal_lease(id).await.unwrap(), Some((a.to_owned(), until)));
    assert!(
        store.due_reveals(t0()).await.unwrap().is_empty(),
        "a leased round is not due elsewhere"
    );
    // The holder renews.
    let later = t0() + Duration::minutes(1);
    assert!(
        store
            .take_reveal_lease(id, a, later, later + Duration::minutes(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_reveal_lease(id, b, t0() + Duration::minutes(2), until)
            .await
            .unwrap()
    );

    // The holder dies: once the lease has expired the round is due and another process takes it.
    let expired = later + Duration::minutes(2);
    assert_eq!(store.due_reveals(expired).await.unwrap().len(), 1);
    assert!(
        store
            .take_reveal_lease(id, b, expired, expired + Duration::minutes(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_reveal_lease(id, a, expired, expired + Duration::minutes(2))
            .await
            .unwrap(),
        "the old holder lost it and knows"
    );

    // Closing the round ends the lease, and a closed round cannot be leased.
    let round = store.round(id).await.unwrap();
    assert!(store.close_round(&round, &[], expired).await.unwrap());
    assert_eq!(store.reveal_lease(id).await.unwrap(), None);
    assert!(
        !store
            .take_reveal_lease(id, a, expired, expired + Duration::minutes(2))
            .await
            .unwrap()
    );
}

async fn only_the_holder_releases_a_lease_and_an_open_round_cannot_be_leased(store: &Store) {
    let id = a_revealing_round(store).await;
    let until = t0() + Duration::minutes(2);
    assert!(
        store
            .take_reveal_lease(id, "0-0/1:aaaa", t0(), until)
            .await
            .unwrap()
    );
    assert!(!store.release_reveal_lease(id, "0-0/1:bbbb").await.unwrap());
    assert!(store.release_reveal_lease(id, "0-0/1:aaaa").await.unwrap());
    assert_eq!(store.reveal_lease(id).await.unwrap(), None);
    assert_eq!(
        store.due_reveals(t0()).await.unwrap().len(),
        1,
        "due again at once"
    );

    let question = seeded(store).await[1];
    let open = store
        .claim_round(&new_round(question, 10), t0())
        .await
        .unwrap()
        .unwrap();
    store.mark_round_posted(open.id, MessageId(78)).await.unwrap();
    assert!(
        !store
            .take_reveal_lease(open.id, "0-0/1:aaaa", t0(), until)
            .await
            .unwrap()
    );
}

async fn a_replacement_of_the_same_shard_range_takes_over_the_dead_processes_leases_at_once(store: &Store) {
    let id = a_revealing_round(store).await;
    let until = t0() + Duration::minutes(2);
    assert!(
        store
            .take_reveal_lease(id, "0-1/4:dead", t0(), until)
            .await
            .unwrap()
    );
    // Another range's process, or one whose range only starts alike, frees nothing.
    assert_eq!(
        store.reclaim_reveal_leases("2-3/4:", "2-3/4:new1").await.unwrap(),
        0
    );
    assert_eq!(
        store
            .reclaim_reveal_leases("0-1/40:", "0-1/40:new1")
            .await
            .unwrap(),
        0
    );
    // The holder itself keeps its lease.
    assert_eq!(
        store.reclaim_reveal_leases("0-1/4:", "0-1/4:dead").await.unwrap(),
        0
    );
    assert!(store.reveal_lease(id).await.unwrap().is_some());
    // Its replacement frees it and takes the round long before the lease would expire.
    assert_eq!(
        store.reclaim_reveal_leases("0-1/4:", "0-1/4:new2").await.unwrap(),
        1
    );
    assert_eq!(store.due_reveals(t0()).await.unwrap().len(), 1);
    assert!(
        store
            .take_reveal_lease(id, "0-1/4:new2", t0(), until)
            .await
            .unwrap()
    );
}

crate::on_both_backends!(
    each_process_sees_only_the_scheduled_work_of_the_guilds_of_its_shards,
    a_revealing_round_is_leased_to_one_process_until_its_lease_expires,
    only_the_holder_releases_a_lease_and_an_open_round_cannot_be_leased,
    a_replacement_of_the_same_shard_range_takes_over_the_dead_processes_leases_at_once,
);
