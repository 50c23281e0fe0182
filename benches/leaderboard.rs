//! Leaderboards and stats at scale: one guild with 50,000 members, 365 closed rounds, about
//! 200,000 answers, 2,000,000 votes and 400,000 ledger lines, on SQLite and (when
//! `DAILYQ_TEST_POSTGRES_URL` names a server) PostgreSQL.
//!
//! `cargo bench --bench leaderboard` prints, per backend:
//! - the one-time build of standings from that ledger (what a guild from before kept standings
//!   pays once, on its first leaderboard);
//! - the server-side time (store + render) of `/leaderboard` over every period, board and page
//!   (first, random, last) and of `/stats`, as p50/p99 against the 10 ms limit; the same for a
//!   small guild (1,000 ledger lines) in the same database, to show the cost does not follow the
//!   ledger;
//! - the web pages of the big guild (board over every period and page, member pages) as
//!   p50/p99 against the 50 ms limit;
//! - a burst of 1,000 `/leaderboard` and `/stats` commands from 120 members, 50 in flight,
//!   through the real bot against the fake Discord (which enforces Discord's 3 s interaction
//!   deadline): how many were answered, and the p99 latency against the 300 ms limit.
//!
//! Nothing here asserts a speed.

use chrono::{DateTime, Duration, TimeZone, Utc};
use dailyq::clock::ManualClock;
use dailyq::discord::{Data, SchedulerOptions, build_client, render};
use dailyq::domain::leaderboard::{Board, Period};
use dailyq::domain::scoring::{CountedAnswer, ScoringWeights, score_round};
use dailyq::domain::{ChannelId, GuildId, MessageId, UserId};
use dailyq::store::Store;
use fake_discord::{FakeConfig, FakeDiscord, opt};
use poise::serenity_prelude as serenity;
use sqlx::Executor;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

const MEMBERS: u64 = 50_000;
const REGULARS: u64 = 400;
const ROUNDS: u64 = 365;
/// Occasional members answering each round: 49,600 × ~1.9 answers ÷ 365 rounds.
const OCCASIONAL_PER_ROUND: u64 = 258;
const BOT_MEMBERS: usize = 120;
const BURST: usize = 1_000;
const IN_FLIGHT: usize = 50;
const SERVER_LIMIT_MS: f64 = 10.0;
const BURST_P99_LIMIT_MS: f64 = 300.0;
const SAMPLES: usize = 600;
const WEB_LIMIT_MS: f64 = 50.0;

/// A small deterministic generator, so every run builds the same guild.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

/// Writes rows as multi-row INSERTs of generated integers, in one transaction.
async fn insert_rows(pool: &sqlx::AnyPool, head: &str, rows: &[String]) {
    let mut tx = pool.begin().await.unwrap();
    for chunk in rows.chunks(2_000) {
        let sql = format!("{head} VALUES {}", chunk.join(","));
        tx.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The size of a seeded guild.
struct Shape {
    members: u64,
    regulars: u64,
    rounds: u64,
    occasional_per_round: u64,
    /// Base of the generated ids (rounds, messages, members), distinct per guild.
    first_id: u64,
}

struct Seeded {
    members: Vec<UserId>,
    ledger_lines: usize,
    answers: usize,
    votes: usize,
}

/// Builds a guild of `members` members (the first of them being `named`) with `rounds` closed
/// rounds in `channel`, straight into the tables, then drops its standings so that the store
/// builds them from the ledger as it would for a guild from before kept standings.
async fn seed(
    store: &Store,
    url: &str,
    guild: GuildId,
    channel: ChannelId,
    named: &[UserId],
    shape: Shape,
) -> Seeded {
    let Shape {
        members,
        regulars,
        rounds,
        occasional_per_round,
        first_id,
    } = shape;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    store.ensure_guild(guild, now()).await.unwrap();
    let question = store
        .rotation_candidates(guild, dailyq::domain::rotation::QuestionSource::Both)
        .await
        .unwrap()[0]
        .key;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ guild.0);
    let mut all: Vec<UserId> = named.to_vec();
    while (all.len() as u64) < members {
        all.push(UserId(first_id + 1_000_000 + all.len() as u64));
    }
    let regular = &all[..regulars as usize];
    let occasional = &all[regulars as usize..];
    let mut round_rows = Vec::new();
    let mut answer_rows = Vec::new();
    let mut vote_rows = Vec::new();
    let mut ledger_rows = Vec::new();
    let first_day = now() - Duration::days(rounds as i64 - 1);
    let mut message = first_id * 1_000;
    let mut cursor = 0usize;
    for r in 0..rounds {
        let id = first_id + r;
        let opens = first_day + Duration::days(r as i64) - Duration::hours(3);
        let closes = opens + Duration::hours(23);
        let date = opens.date_naive();
        round_rows.push(format!(
            "({id},{},{},{question},{},'{date}','{date}','closed','seed{id}',{},{},{},{},{},{},1,1)",
            guild.0 as i64,
            channel.0 as i64,
            r + 1,
            message,
            message + 1,
            opens.timestamp_millis(),
            closes.timestamp_millis(),
            closes.timestamp_millis(),
            opens.timestamp_millis(),
        ));
        message += 2;
        let mut answerers: Vec<UserId> = regular.iter().copied().filter(|_| rng.below(4) != 0).collect();
        for _ in 0..occasional_per_round.min(occasional.len() as u64) {
            answerers.push(occasional[cursor % occasional.len()]);
            cursor += 1;
        }
        let mut counted = Vec::with_capacity(answerers.len());
        for &author in &answerers {
            message += 1;
            let wanted = [0, 2, 5, 8, 10, 12, 15, 20][rng.below(8) as usize];
            let mut voters = BTreeSet::new();
            while voters.len() < wanted {
                let v = answerers[rng.below(answerers.len() as u64) as usize];
                if v != author {
                    voters.insert(v);
                }
            }
            let at = opens + Duration::minutes(rng.below(600) as i64);
            answer_rows.push(format!(
                "({message},{id},{},{})",
                author.0 as i64,
                at.timestamp_millis()
            ));
            for v in &voters {
                vote_rows.push(format!(
                    "({message},{},{})",
                    v.0 as i64,
                    at.timestamp_millis() + 1
                ));
            }
            counted.push(CountedAnswer {
                message: MessageId(message),
                author,
                voters,
            });
        }
        for award in score_round(&counted, ScoringWeights::default()) {
            ledger_rows.push(format!(
                "({},{},{},{id},'{}',{},{})",
                guild.0 as i64,
                channel.0 as i64,
                award.member.0 as i64,
                award.kind.as_str(),
                award.points,
                opens.timestamp_millis()
            ));
        }
    }
    insert_rows(
        &pool,
        "INSERT INTO rounds (id, guild_id, channel_id, question_id, round_number, scheduled_date, slot, state, nonce, \
         message_id, thread_id, opens_at, closes_at, revealed_at, created_at, post_attempts, reveal_attempts)",
        &round_rows,
    )
    .await;
    insert_rows(
        &pool,
        "INSERT INTO answers (message_id, round_id, author_id, created_at)",
        &answer_rows,
    )
    .await;
    insert_rows(
        &pool,
        "INSERT INTO votes (answer_message_id, voter_id, created_at)",
        &vote_rows,
    )
    .await;
    insert_rows(
        &pool,
        "INSERT INTO score_ledger (guild_id, channel_id, member_id, round_id, kind, points, awarded_at)",
        &ledger_rows,
    )
    .await;
    pool.execute(sqlx::AssertSqlSafe(format!(
        "UPDATE guilds SET standings_tz = NULL WHERE guild_id = {}",
        guild.0 as i64
    )))
    .await
    .unwrap();
    if url.starts_with("postgres") {
        pool.execute("VACUUM ANALYZE").await.unwrap();
    } else {
        pool.execute("ANALYZE").await.unwrap();
    }
    pool.close().await;
    Seeded {
        members: all,
        ledger_lines: ledger_rows.len(),
        answers: answer_rows.len(),
        votes: vote_rows.len(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn report(label: &str, what: &str, mut ms: Vec<f64>, limit: f64) {
    ms.sort_by(f64::total_cmp);
    let p99 = percentile(&ms, 0.99);
    println!(
        "{label}: {what}: p50 {:.2} ms, p99 {p99:.2} ms, max {:.2} ms over {} calls; limit {limit} ms (p99); ratio {:.2}",
        percentile(&ms, 0.5),
        ms[ms.len() - 1],
        ms.len(),
        p99 / limit
    );
}

/// Server-side cost of the commands: the store calls and the rendering the bot does.
async fn server_side(label: &str, store: &Store, guild: GuildId, channel: ChannelId, members: &[UserId]) {
    let mut rng = Rng(7);
    let periods = [Period::AllTime, Period::Week, Period::Month];
    let mut sizes = std::collections::HashMap::new();
    for period in periods {
        for board_channel in [None, Some(channel)] {
            let bucket = period.bucket(dailyq::domain::schedule::Timezone::utc(), now());
            let board = store
                .leaderboard_page(guild, board_channel, &bucket, 0, 1, members[0])
                .await
                .unwrap();
            sizes.insert((period.as_str(), board_channel), board.total);
        }
    }
    let mut boards = Vec::new();
    for i in 0..SAMPLES {
        let period = periods[i % 3];
        let board_channel = (i % 2 == 1).then_some(channel);
        let me = members[rng.below(members.len() as u64) as usize];
        // The first page, a page anywhere, and the last page.
        let pages = sizes[&(period.as_str(), board_channel)].div_ceil(render::LEADERBOARD_PAGE as u64);
        let page = match (i / 6) % 3 {
            0 => 0,
            1 => rng.below(pages.max(1)),
            _ => u64::MAX,
        };
        let started = Instant::now();
        let settings = store.ensure_guild(guild, now()).await.unwrap();
        let bucket = period.bucket(settings.timezone, now());
        let board = store
            .leaderboard_page(
                guild,
                board_channel,
                &bucket,
                page,
                render::LEADERBOARD_PAGE as u64,
                me,
            )
            .await
            .unwrap();
        let embed = render::leaderboard_embed(Board::Daily, period, board_channel, &board);
        let at = render::LeaderboardButton {
            owner: me,
            period,
            channel: board_channel,
            page: board.page as usize,
            board: Board::Daily,
            season: None,
        };
        let buttons = render::leaderboard_buttons(at, board.total as usize);
        let _ = std::hint::black_box((embed, buttons));
        boards.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report(
        label,
        "/leaderboard (every period, both boards, first/random/last page)",
        boards,
        SERVER_LIMIT_MS,
    );
    let mut stats = Vec::new();
    for _ in 0..SAMPLES / 2 {
        let who = members[rng.below(members.len() as u64) as usize];
        let started = Instant::now();
        let settings = store.ensure_guild(guild, now()).await.unwrap();
        let bucket = Period::AllTime.bucket(settings.timezone, now());
        let mine = store.member_standing(guild, None, &bucket, who).await.unwrap();
        let member_stats = store.member_stats(guild, who).await.unwrap();
        let streaks = store.member_streaks(guild, who).await.unwrap();
        let embed = render::stats_embed(
            who,
            guild,
            mine.as_ref().map_or(0, |r| r.standing.points),
            mine.as_ref().map(|r| r.rank),
            &member_stats,
            &streaks,
        );
        let _ = std::hint::black_box(embed);
        stats.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report(label, "/stats", stats, SERVER_LIMIT_MS);
}

/// Server-side cost of the web pages (store reads + template + chart), for a guild whose every
/// member has a kept name: the board over every period and page (first, random, last) and
/// member pages of random members.
async fn web_pages(label: &str, store: &Store, url: &str, guild: GuildId, members: &[UserId]) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "({},{},'Member number {i}','0123456789abcdef0123456789abcdef',0)",
                guild.0 as i64, m.0 as i64
            )
        })
        .collect();
    insert_rows(
        &pool,
        "INSERT INTO members (guild_id, member_id, name, avatar, updated_at)",
        &rows,
    )
    .await;
    pool.close().await;
    let token = dailyq::domain::web::WebToken::from_bytes([7; 16]);
    store.set_web_token(guild, Some(&token), now()).await.unwrap();
    let site = dailyq::web::Site::default();
    let mut rng = Rng(11);
    let periods = ["week", "month", "all"];
    let pages = (members.len() as u64).div_ceil(dailyq::web::PAGE_SIZE);
    let mut boards = Vec::new();
    let mut bytes = 0;
    for i in 0..SAMPLES {
        let page = match (i / 3) % 3 {
            0 => 1,
            1 => 1 + rng.below(pages),
            _ => pages,
        }
        .to_string();
        let started = Instant::now();
        let html = dailyq::web::board_page(
            store,
            &site,
            now(),
            token.as_str(),
            Some(periods[i % 3]),
            Some(&page),
        )
        .await
        .unwrap()
        .expect("a page");
        boards.push(started.elapsed().as_secs_f64() * 1000.0);
        bytes = bytes.max(html.len());
    }
    report(
        label,
        &format!(
            "web board page (week/month/all, first/random/last page; up to {} KiB)",
            bytes / 1024
        ),
        boards,
        WEB_LIMIT_MS,
    );
    let mut pages_ms = Vec::new();
    for _ in 0..SAMPLES / 2 {
        let who = members[rng.below(members.len() as u64) as usize];
        let started = Instant::now();
        let html = dailyq::web::member_page(store, &site, now(), token.as_str(), &who.0.to_string())
            .await
            .unwrap();
        pages_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        let _ = std::hint::black_box(html);
    }
    report(
        label,
        "web member page (chart of a year's points)",
        pages_ms,
        WEB_LIMIT_MS,
    );
}

/// 1,000 commands through the real bot, 50 in flight, from 120 members.
async fn burst(label: &str, fake: &FakeDiscord, store: &Store, clock: &ManualClock, names: &[String]) {
    let http = serenity::HttpBuilder::new(fake.bot_token())
        .client(fake.production_client())
        .build();
    let data = Data::new(store.clone(), Arc::new(clock.clone()), true);
    let mut client = build_client(http, data.clone(), SchedulerOptions::default())
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    fake.gateway()
        .wait_ready(std::time::Duration::from_secs(30))
        .await
        .unwrap();
    fake.wait_for_command("leaderboard", std::time::Duration::from_secs(30))
        .await
        .unwrap();
    let channel = fake.channel("general");
    // One warm-up command, so the first measured call does not pay for connecting.
    fake.member(&names[0])
        .slash(channel, "leaderboard", vec![])
        .wait_response(std::time::Duration::from_secs(30))
        .await
        .unwrap();

    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    let began = Instant::now();
    for i in 0..BURST {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let member = fake.member(&names[i % names.len()]);
        let target = fake.member(&names[(i * 7 + 3) % names.len()]).id;
        tasks.spawn(async move {
            let _permit = permit;
            let options = match i % 5 {
                0 => (vec![], "stats"),
                // Choice parameters are sent by index: 0 week, 1 month, 2 all.
                1 => (vec![opt("period", 0)], "leaderboard"),
                2 => (vec![opt("period", 1)], "leaderboard"),
                3 if i % 10 == 3 => (vec![opt("member", target.to_string())], "stats"),
                _ => (vec![], "leaderboard"),
            };
            let started = Instant::now();
            let interaction = member.slash(channel, options.1, options.0);
            let answered = interaction
                .wait_response(std::time::Duration::from_secs(5))
                .await
                .is_ok_and(|r| r.message.is_some());
            (answered, started.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let mut latencies = Vec::new();
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        let (ok, ms) = done.unwrap();
        if ok && ms <= 3_000.0 {
            answered += 1;
        }
        latencies.push(ms);
    }
    let took = began.elapsed().as_secs_f64();
    println!(
        "{label}: burst of {BURST} commands ({IN_FLIGHT} in flight, {} members) through the bot in {took:.1} s: \
         {answered}/{BURST} answered within Discord's 3 s",
        names.len()
    );
    report(
        label,
        "burst latency (send → response)",
        latencies,
        BURST_P99_LIMIT_MS,
    );
    data.stop_background();
    shards.shutdown_all().await;
    task.abort();
}

async fn bench(label: &str, url: &str) {
    let clock = ManualClock::new(now());
    let source = clock.clone();
    let mut config = FakeConfig::default().with_time_source(move || dailyq::clock::Clock::now(&source));
    let names: Vec<String> = (0..BOT_MEMBERS).map(|i| format!("m{i}")).collect();
    for name in &names {
        config = config.with_member(name, &[]);
    }
    let fake = FakeDiscord::start(config).await;
    let store = Store::open(url).await.unwrap();
    let bank =
        dailyq::bank::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap();
    store.sync_bank(&bank, now()).await.unwrap();

    let guild = GuildId(fake.guild_id());
    let channel = ChannelId(fake.channel("dailyq"));
    let named: Vec<UserId> = names.iter().map(|n| UserId(fake.member(n).id)).collect();
    let started = Instant::now();
    let big = seed(
        &store,
        url,
        guild,
        channel,
        &named,
        Shape {
            members: MEMBERS,
            regulars: REGULARS,
            rounds: ROUNDS,
            occasional_per_round: OCCASIONAL_PER_ROUND,
            first_id: 1_000,
        },
    )
    .await;
    println!(
        "{label}: seeded {} members, {ROUNDS} rounds, {} answers, {} votes, {} ledger lines in {:.1} s",
        big.members.len(),
        big.answers,
        big.votes,
        big.ledger_lines,
        started.elapsed().as_secs_f64()
    );
    let small_guild = GuildId(guild.0 + 1);
    let small = seed(
        &store,
        url,
        small_guild,
        ChannelId(channel.0 + 1),
        &[],
        Shape {
            members: 300,
            regulars: 40,
            rounds: 10,
            occasional_per_round: 40,
            first_id: 9_000_000,
        },
    )
    .await;

    let started = Instant::now();
    store.build_standings(guild).await.unwrap();
    println!(
        "{label}: one-time build of standings from {} ledger lines: {:.2} s (once per guild from before kept standings)",
        big.ledger_lines,
        started.elapsed().as_secs_f64()
    );
    store.build_standings(small_guild).await.unwrap();
    // A database that has run for a while has statistics on its standings (autovacuum analyzes
    // a table after enough writes); a one-time build has just written them all at once.
    {
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        pool.execute("ANALYZE").await.unwrap();
        pool.close().await;
    }

    server_side(
        &format!("{label}, big guild"),
        &store,
        guild,
        channel,
        &big.members,
    )
    .await;
    web_pages(&format!("{label}, big guild"), &store, url, guild, &big.members).await;
    server_side(
        &format!("{label}, small guild ({} ledger lines)", small.ledger_lines),
        &store,
        small_guild,
        ChannelId(channel.0 + 1),
        &small.members,
    )
    .await;
    burst(label, &fake, &store, &clock, &names).await;
    store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // DAILYQ_BENCH_ONLY=postgres skips SQLite; DAILYQ_BENCH_KEEP_DB=1 keeps the PostgreSQL
    // database for a look at its plans.
    let only = std::env::var("DAILYQ_BENCH_ONLY").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    if only.is_empty() || only == "sqlite" {
        let url = format!("sqlite://{}", dir.path().join("leaderboard.db").display());
        bench("sqlite", &url).await;
    }
    if only == "sqlite" {
        return;
    }

    if let Ok(admin) = std::env::var("DAILYQ_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        let name = format!("dailyq_bench_lb_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        bench("postgres", url.as_str()).await;
        if std::env::var_os("DAILYQ_BENCH_KEEP_DB").is_some() {
            println!("postgres: kept database {name}");
        } else {
            conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
                .await
                .unwrap();
        }
    } else {
        println!("postgres: skipped (set DAILYQ_TEST_POSTGRES_URL to a server)");
    }
}
