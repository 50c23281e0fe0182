//! Kept leaderboard standings: always equal to what the ledger sums to, for every board, period
//! and page, whatever order rounds close in and whatever the guild's time zone.

use super::fixtures::{CHANNEL, GUILD, new_round, seeded, t0};
use chrono::{DateTime, Duration, Utc};
use dailyq::domain::leaderboard::{Period, Ranked, rank};
use dailyq::domain::schedule::Timezone;
use dailyq::domain::scoring::{CountedAnswer, ScoringWeights, score_round};
use dailyq::domain::{ChannelId, MessageId, UserId};
use dailyq::store::Store;
use std::collections::BTreeSet;

const OTHER: ChannelId = ChannelId(900_000_000_000_000_077);
const PAGE: u64 = 3;

/// Closes `rounds` rounds spread over two channels and several weeks and months, in a shuffled
/// order, each with a varying set of answerers and voters.
async fn play(store: &Store, rounds: u32) {
    let keys = seeded(store).await;
    let mut order: Vec<u32> = (1..=rounds).collect();
    // A fixed shuffle: later rounds close before earlier ones, as after an outage.
    order.sort_by_key(|d| (d * 7919) % 31);
    for day in order {
        let mut nr = new_round(keys[(day % 3) as usize], 1);
        nr.opens_at = t0() + Duration::days(i64::from(day) * 4) - Duration::hours(10);
        nr.closes_at = nr.opens_at + Duration::hours(23);
        nr.scheduled_date = nr.opens_at.date_naive();
        if day % 2 == 0 {
            nr.channel_id = OTHER;
        }
        let round = store.claim_round(&nr, t0()).await.unwrap().unwrap();
        store
            .mark_round_posted(round.id, MessageId(10_000 + u64::from(day)))
            .await
            .unwrap();
        let answers: Vec<CountedAnswer> = (1..=8u64)
            .filter(|m| (m + u64::from(day)) % 3 != 0)
            .map(|m| CountedAnswer {
                message: MessageId(100_000 + u64::from(day) * 100 + m),
                author: UserId(m),
                voters: (1..=8u64)
                    .filter(|v| *v != m && (v * m + u64::from(day)) % 4 == 0)
                    .map(UserId)
                    .collect::<BTreeSet<_>>(),
            })
            .collect();
        let awards = score_round(&answers, ScoringWeights::default());
        let round = store.round(round.id).await.unwrap();
        assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
    }
}

/// Every page of a board read from kept standings, joined: it must equal ranking the ledger.
async fn whole_board(
    store: &Store,
    channel: Option<ChannelId>,
    bucket: &str,
    me: UserId,
) -> (Vec<Ranked>, Option<Ranked>) {
    let mut rows = Vec::new();
    let mut page = 0;
    let mut mine;
    loop {
        let board = store
            .leaderboard_page(GUILD, channel, bucket, page, PAGE, me)
            .await
            .unwrap();
        assert_eq!(board.page, page.min(board.total.saturating_sub(1) / PAGE));
        mine = board.me.clone();
        rows.extend(board.rows);
        page += 1;
        if page * PAGE >= board.total {
            assert_eq!(rows.len() as u64, board.total);
            break;
        }
    }
    (rows, mine)
}

async fn assert_standings_match_the_ledger(store: &Store, tz: Timezone, instants: &[DateTime<Utc>]) {
    for &now in instants {
        for period in [Period::AllTime, Period::Week, Period::Month] {
            for channel in [None, Some(CHANNEL), Some(OTHER)] {
                let expected = rank(
                    store
                        .standings(GUILD, period.bounds(tz, now), channel)
                        .await
                        .unwrap(),
                );
                let me = UserId(5);
                let (rows, mine) = whole_board(store, channel, &period.bucket(tz, now), me).await;
                assert_eq!(rows, expected, "{period} at {now} in {channel:?}");
                assert_eq!(
                    mine,
                    expected.iter().find(|r| r.standing.member == me).cloned(),
                    "own row, {period} at {now} in {channel:?}"
                );
                for want in &expected {
                    let got = store
                        .member_standing(GUILD, channel, &period.bucket(tz, now), want.standing.member)
                        .await
                        .unwrap();
                    assert_eq!(
                        got.as_ref(),
                        Some(want),
                        "member_standing, {period} at {now} in {channel:?}"
                    );
                }
            }
        }
    }
}

fn sample_instants() -> Vec<DateTime<Utc>> {
    (0..12).map(|w| t0() + Duration::days(w * 9)).collect()
}

async fn kept_standings_equal_the_ledger_on_every_board_period_and_page(store: &Store) {
    play(store, 24).await;
    assert_standings_match_the_ledger(store, Timezone::utc(), &sample_instants()).await;
}

async fn a_time_zone_change_rebuilds_weeks_and_months_in_the_new_zone(store: &Store) {
    play(store, 24).await;
    let tokyo = Timezone::parse("Asia/Tokyo").unwrap();
    store.set_guild_timezone(GUILD, tokyo, t0()).await.unwrap();
    assert!(store.ensure_guild(GUILD, t0()).await.unwrap().standings_current);
    assert_standings_match_the_ledger(store, tokyo, &sample_instants()).await;
    // Rounds closed after the change land in the new zone's buckets too.
    let keys = seeded(store).await;
    let mut nr = new_round(keys[0], 1);
    nr.opens_at = t0() + Duration::days(200);
    nr.closes_at = nr.opens_at + Duration::hours(1);
    nr.scheduled_date = nr.opens_at.date_naive();
    let round = store.claim_round(&nr, t0()).await.unwrap().unwrap();
    store.mark_round_posted(round.id, MessageId(77)).await.unwrap();
    let round = store.round(round.id).await.unwrap();
    let awards = score_round(
        &[CountedAnswer {
            message: MessageId(78),
            author: UserId(5),
            voters: BTreeSet::new(),
        }],
        ScoringWeights::default(),
    );
    assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
    assert_standings_match_the_ledger(store, tokyo, &[nr.opens_at]).await;
}

async fn a_page_past_the_end_shows_the_last_page_and_an_empty_board_shows_none(store: &Store) {
    play(store, 6).await;
    let board = store
        .leaderboard_page(GUILD, None, "all", 1_000, PAGE, UserId(1))
        .await
        .unwrap();
    assert_eq!(board.page, (board.total - 1) / PAGE);
    assert!(!board.rows.is_empty());
    let empty = store
        .leaderboard_page(GUILD, None, "week:1999-01-04", 3, PAGE, UserId(1))
        .await
        .unwrap();
    assert_eq!(
        (empty.page, empty.total, empty.rows.len(), empty.me),
        (0, 0, 0, None)
    );
}

/// Rounds of eight channels of one guild close at the same time, the same members scoring in
/// each: the guild board's histogram must come out as if they had closed one by one.
async fn standings_stay_exact_when_several_channels_close_their_rounds_at_once(store: &Store) {
    let keys = seeded(store).await;
    let mut rounds = Vec::new();
    for k in 0..8u64 {
        let mut nr = new_round(keys[(k % 3) as usize], 1);
        nr.channel_id = ChannelId(CHANNEL.0 + 100 + k);
        let round = store.claim_round(&nr, t0()).await.unwrap().unwrap();
        store
            .mark_round_posted(round.id, MessageId(20_000 + k))
            .await
            .unwrap();
        let answers: Vec<CountedAnswer> = (1..=6u64)
            .map(|m| CountedAnswer {
                message: MessageId(200_000 + k * 100 + m),
                author: UserId(m),
                voters: (1..=6u64)
                    .filter(|v| *v != m && (v + m + k) % 3 == 0)
                    .map(UserId)
                    .collect(),
            })
            .collect();
        let awards = score_round(&answers, ScoringWeights::default());
        rounds.push((store.round(round.id).await.unwrap(), awards));
    }
    let tasks: Vec<_> = rounds
        .into_iter()
        .map(|(round, awards)| {
            let store = store.clone();
            tokio::spawn(async move { store.close_round(&round, &awards, round.closes_at).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap());
    }
    assert_standings_match_the_ledger(store, Timezone::utc(), &[t0()]).await;
}

crate::on_both_backends!(
    standings_stay_exact_when_several_channels_close_their_rounds_at_once,
    kept_standings_equal_the_ledger_on_every_board_period_and_page,
    a_time_zone_change_rebuilds_weeks_and_months_in_the_new_zone,
    a_page_past_the_end_shows_the_last_page_and_an_empty_board_shows_none,
);

/// A database whose ledger was written before standings existed: no standings, no zone.
async fn forget_standings(url: &str) {
    crate::common::execute(url, "DELETE FROM standings").await;
    crate::common::execute(url, "UPDATE guilds SET standings_tz = NULL").await;
}

async fn standings_are_built_once_for_a_ledger_that_predates_them(db: &crate::common::TestDb) {
    let store = &db.store;
    play(store, 12).await;
    forget_standings(db.url()).await;
    assert!(!store.ensure_guild(GUILD, t0()).await.unwrap().standings_current);
    store.build_standings(GUILD).await.unwrap();
    assert!(store.ensure_guild(GUILD, t0()).await.unwrap().standings_current);
    assert_standings_match_the_ledger(store, Timezone::utc(), &sample_instants()).await;

    // A reveal on a guild without standings builds them, its own points included.
    forget_standings(db.url()).await;
    let keys = seeded(store).await;
    let mut nr = new_round(keys[1], 1);
    nr.opens_at = t0() + Duration::days(300);
    nr.closes_at = nr.opens_at + Duration::hours(1);
    nr.scheduled_date = nr.opens_at.date_naive();
    let round = store.claim_round(&nr, t0()).await.unwrap().unwrap();
    store.mark_round_posted(round.id, MessageId(91)).await.unwrap();
    let round = store.round(round.id).await.unwrap();
    let awards = score_round(
        &[CountedAnswer {
            message: MessageId(92),
            author: UserId(3),
            voters: BTreeSet::new(),
        }],
        ScoringWeights::default(),
    );
    assert!(store.close_round(&round, &awards, round.closes_at).await.unwrap());
    assert!(store.ensure_guild(GUILD, t0()).await.unwrap().standings_current);
    let mut instants = sample_instants();
    instants.push(nr.opens_at);
    assert_standings_match_the_ledger(store, Timezone::utc(), &instants).await;
}

mod legacy {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite_standings_are_built_once_for_a_ledger_that_predates_them() {
        let db = crate::common::TestDb::sqlite().await;
        super::standings_are_built_once_for_a_ledger_that_predates_them(&db).await;
        db.finish().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres_standings_are_built_once_for_a_ledger_that_predates_them() {
        let Some(db) = crate::common::TestDb::postgres().await else {
            return;
        };
        super::standings_are_built_once_for_a_ledger_that_predates_them(&db).await;
        db.finish().await;
    }
}
