//! Leaderboard standings: each member's points and answered rounds per board (the whole guild or
//! one channel) and period bucket, kept up to date in the transaction that writes the score
//! ledger. A leaderboard page reads its rows from an index in board order and ranks the first by
//! counting the members ahead of it, so a call costs the page size plus a log of the board, never
//! a pass over the ledger.

use super::{Result, Store, StoreError, corrupt, sf, unsf, value_rows};
use crate::domain::leaderboard::{
    Board, BoardPage, KEPT_PERIODS, PointsHistogram, Ranked, Standing, rank_page,
};
use crate::domain::schedule::Timezone;
use crate::domain::{ChannelId, GuildId, UserId};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// Rows per multi-row upsert (6 parameters each, far below either backend's limit).
const UPSERT_CHUNK: usize = 200;

/// The board a query reads: channel 0 is the whole guild.
fn board_channel(channel: Option<ChannelId>) -> i64 {
    channel.map_or(0, |c| sf(c.0))
}

/// One standings row to add to: (channel or 0, bucket, member) → (points, answers).
type Deltas = HashMap<(i64, String, UserId), (i64, i64)>;

/// Adds `changes`, dated `at`, to every kept bucket of each of `boards` (daily, practice), for
/// the whole guild and for `channel` (channel 0: the whole guild only, as for an admin's
/// adjustment).
fn add_changes(
    deltas: &mut Deltas,
    tz: Timezone,
    channel: ChannelId,
    at: DateTime<Utc>,
    boards: &[Board],
    changes: &[Standing],
) {
    for period in KEPT_PERIODS {
        for kind in boards {
            let bucket = kind.bucket(period, tz, at);
            for board in std::iter::once(0).chain((channel.0 != 0).then(|| sf(channel.0))) {
                for s in changes {
                    let entry = deltas.entry((board, bucket.clone(), s.member)).or_default();
                    entry.0 += s.points;
                    entry.1 += s.answers;
                }
            }
        }
    }
}

/// Rows per `IN (…)` list when reading the standings a round changes.
const READ_CHUNK: usize = 500;

/// One histogram row to add to: (channel or 0, bucket, points) → members.
type HistogramDeltas = HashMap<(i64, String, i64), i64>;

/// How the points histogram changes when `deltas` are added to the standings as they are now:
/// a member already on a board leaves their old total for the new one; a new member joins at
/// theirs.
async fn histogram_changes(
    tx: &mut Transaction<'static, Any>,
    guild: GuildId,
    deltas: &Deltas,
) -> Result<HistogramDeltas> {
    let mut boards: HashMap<(i64, &str), Vec<UserId>> = HashMap::new();
    for (channel, bucket, member) in deltas.keys() {
        boards
            .entry((*channel, bucket.as_str()))
            .or_default()
            .push(*member);
    }
    let mut changes = HistogramDeltas::new();
    for ((channel, bucket), members) in boards {
        let mut before: HashMap<UserId, i64> = HashMap::new();
        for chunk in members.chunks(READ_CHUNK) {
            let list = (0..chunk.len())
                .map(|i| format!("${}", i + 4))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT member_id, points FROM standings
                 WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND member_id IN ({list})"
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(sf(guild.0))
                .bind(channel)
                .bind(bucket);
            for m in chunk {
                query = query.bind(sf(m.0));
            }
            for row in query.fetch_all(&mut **tx).await? {
                before.insert(UserId(unsf(row.try_get(0)?)), row.try_get(1)?);
            }
        }
        for member in members {
            let (points, _) = deltas[&(channel, bucket.to_owned(), member)];
            let old = before.get(&member).copied();
            if let Some(old) = old {
                if points == 0 {
                    continue;
                }
                *changes.entry((channel, bucket.to_owned(), old)).or_default() -= 1;
            }
            *changes
                .entry((channel, bucket.to_owned(), old.unwrap_or(0) + points))
                .or_default() += 1;
        }
    }
    changes.retain(|_, n| *n != 0);
    Ok(changes)
}

/// Adds `changes` to the guild's points histogram.
async fn upsert_histogram(
    tx: &mut Transaction<'static, Any>,
    guild: GuildId,
    changes: HistogramDeltas,
) -> Result<()> {
    let rows: Vec<_> = changes.into_iter().collect();
    for chunk in rows.chunks(UPSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO standings_points (guild_id, channel_id, bucket, points, members) VALUES {}
             ON CONFLICT (guild_id, channel_id, bucket, points) DO UPDATE
             SET members = standings_points.members + excluded.members",
            value_rows(chunk.len(), 5)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((channel, bucket, points), members) in chunk {
            query = query
                .bind(sf(guild.0))
                .bind(*channel)
                .bind(bucket.clone())
                .bind(*points)
                .bind(*members);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Writes `deltas` into the guild's standings, adding to rows that exist, and keeps the points
/// histogram in step.
async fn upsert(tx: &mut Transaction<'static, Any>, guild: GuildId, deltas: Deltas) -> Result<()> {
    let histogram = histogram_changes(tx, guild, &deltas).await?;
    upsert_rows(tx, guild, deltas).await?;
    upsert_histogram(tx, guild, histogram).await
}

/// Writes `deltas` into the guild's standings, adding to rows that exist.
async fn upsert_rows(tx: &mut Transaction<'static, Any>, guild: GuildId, deltas: Deltas) -> Result<()> {
    let rows: Vec<_> = deltas.into_iter().collect();
    for chunk in rows.chunks(UPSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO standings (guild_id, channel_id, bucket, member_id, points, answers) VALUES {}
             ON CONFLICT (guild_id, channel_id, bucket, member_id) DO UPDATE
             SET points = standings.points + excluded.points, answers = standings.answers + excluded.answers",
            value_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((channel, bucket, member), (points, answers)) in chunk {
            query = query
                .bind(sf(guild.0))
                .bind(*channel)
                .bind(bucket.clone())
                .bind(sf(member.0))
                .bind(*points)
                .bind(*answers);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds one round's standing changes, dated by the round's opening, inside the transaction that
/// writes its ledger lines. Builds the guild's standings from the ledger instead when they were
/// never built, or were built in another time zone (then the new lines are already included).
pub(super) async fn apply_round(
    tx: &mut Transaction<'static, Any>,
    guild: GuildId,
    channel: ChannelId,
    opened: DateTime<Utc>,
    boards: &[Board],
    changes: &[Standing],
) -> Result<()> {
    lock_guild_standings(tx, guild).await?;
    let row = sqlx::query("SELECT timezone, standings_tz FROM guilds WHERE guild_id = $1")
        .bind(sf(guild.0))
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("guild"))?;
    let tz: String = row.try_get(0)?;
    let built: Option<String> = row.try_get(1)?;
    let tz = Timezone::parse(&tz).map_err(corrupt("guilds"))?;
    if built.as_deref() != Some(tz.name()) {
        return rebuild(tx, guild, tz).await;
    }
    let mut deltas = Deltas::new();
    add_changes(&mut deltas, tz, channel, opened, boards, changes);
    upsert(tx, guild, deltas).await
}

/// Serializes the writers of one guild's standings until the transaction ends. The histogram
/// is changed from the points each member had before, so two rounds of the guild closing at once
/// (two channels, each under its own channel lock) must not both read the same "before". SQLite
/// needs nothing: `BEGIN IMMEDIATE` already holds the database's single write lock. The key is
/// the guild's id, a snowflake no channel lock can share.
async fn lock_guild_standings(tx: &mut Transaction<'static, Any>, guild: GuildId) -> Result<()> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(sf(guild.0))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Replaces the guild's standings with sums of its ledger, bucketed in `tz`, and records `tz`
/// as the zone they were built in.
pub(super) async fn rebuild(tx: &mut Transaction<'static, Any>, guild: GuildId, tz: Timezone) -> Result<()> {
    lock_guild_standings(tx, guild).await?;
    for table in ["standings", "standings_points"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE guild_id = $1"
        )))
        .bind(sf(guild.0))
        .execute(&mut **tx)
        .await?;
    }
    // Ledger lines are dated by their round's opening, so one group per round and member.
    let rows = sqlx::query(
        "SELECT channel_id, member_id, awarded_at, CAST(SUM(points) AS BIGINT),
                CAST(SUM(CASE WHEN kind = 'answer' THEN 1 ELSE 0 END) + SUM(answers_delta) AS BIGINT), board, also_daily
         FROM score_ledger WHERE guild_id = $1
         GROUP BY channel_id, member_id, awarded_at, board, also_daily",
    )
    .bind(sf(guild.0))
    .fetch_all(&mut **tx)
    .await?;
    let mut deltas = Deltas::new();
    for row in &rows {
        let channel = ChannelId(unsf(row.try_get(0)?));
        let at: i64 = row.try_get(2)?;
        let at = Utc
            .timestamp_millis_opt(at)
            .single()
            .ok_or_else(|| StoreError::Corrupt {
                table: "score_ledger",
                problem: format!("awarded_at {at} is not an instant"),
            })?;
        let change = Standing {
            member: UserId(unsf(row.try_get(1)?)),
            points: row.try_get(3)?,
            answers: row.try_get(4)?,
        };
        let board: String = row.try_get(5)?;
        let board = Board::parse(&board).ok_or_else(|| StoreError::Corrupt {
            table: "score_ledger",
            problem: format!("unknown board {board:?}"),
        })?;
        let also_daily = row.try_get::<i64, _>(6)? != 0;
        add_changes(
            &mut deltas,
            tz,
            channel,
            at,
            board.counted_on(also_daily),
            std::slice::from_ref(&change),
        );
    }
    upsert_rows(tx, guild, deltas).await?;
    sqlx::query(
        "INSERT INTO standings_points (guild_id, channel_id, bucket, points, members)
         SELECT guild_id, channel_id, bucket, points, COUNT(*) FROM standings WHERE guild_id = $1
         GROUP BY guild_id, channel_id, bucket, points",
    )
    .bind(sf(guild.0))
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE guilds SET standings_tz = $2 WHERE guild_id = $1")
        .bind(sf(guild.0))
        .bind(tz.name())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The rank of a member with `ahead` members ahead of them.
fn rank_after(ahead: u64) -> u32 {
    u32::try_from(ahead + 1).unwrap_or(u32::MAX)
}

fn standing_from(row: &sqlx::any::AnyRow) -> Result<Standing> {
    Ok(Standing {
        member: UserId(unsf(row.try_get(0)?)),
        points: row.try_get(1)?,
        answers: row.try_get(2)?,
    })
}

impl Store {
    /// Builds the guild's standings from its ledger in the guild's time zone, unless they
    /// already are. Only guilds whose ledger predates standings need it, once.
    #[tracing::instrument(skip(self))]
    pub async fn build_standings(&self, guild: GuildId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT timezone, standings_tz FROM guilds WHERE guild_id = $1")
            .bind(sf(guild.0))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("guild"))?;
        let tz = Timezone::parse(&row.try_get::<String, _>(0)?).map_err(corrupt("guilds"))?;
        if row.try_get::<Option<String>, _>(1)?.as_deref() != Some(tz.name()) {
            rebuild(&mut tx, guild, tz).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The guild's settings, with its standings built first if its ledger predates them (for
    /// readers that need not answer Discord within 3 s: the web page, exports).
    pub async fn settings_with_standings(
        &self,
        guild: GuildId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::round::GuildSettings> {
        let settings = self.ensure_guild(guild, now).await?;
        if !settings.standings_current {
            self.build_standings(guild).await?;
        }
        Ok(settings)
    }

    /// One page of a board (`bucket` from [`crate::domain::leaderboard::Period::bucket`]) with
    /// its ranks, the board's size, and `me`'s own row. The points histogram says which total
    /// the page starts at and how many are ahead, so the page's read seeks to that total and
    /// skips only members tied with it.
    #[tracing::instrument(skip(self))]
    pub async fn leaderboard_page(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
        bucket: &str,
        page: u64,
        page_size: u64,
        me: UserId,
    ) -> Result<BoardPage> {
        let board = board_channel(channel);
        let histogram = self.histogram(guild, board, bucket).await?;
        let total = histogram.total();
        let page_size = page_size.max(1);
        let page = page.min(total.saturating_sub(1) / page_size);
        let offset = page * page_size;
        let Some((from_points, ahead)) = histogram.locate(offset) else {
            return Ok(BoardPage {
                page,
                rows: Vec::new(),
                total,
                me: None,
            });
        };
        let rows = sqlx::query(
            "SELECT member_id, points, answers FROM standings
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND points <= $4
             ORDER BY points DESC, answers DESC, member_id
             LIMIT $5 OFFSET $6",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .bind(from_points)
        .bind(i64::try_from(page_size).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset - ahead).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(standing_from)
        .collect::<Result<Vec<_>>>()?;
        let rows = rank_page(offset, ahead, rows);
        let me = match rows.iter().find(|r| r.standing.member == me) {
            Some(mine) => Some(mine.clone()),
            None => self
                .standing_row(guild, board, bucket, me)
                .await?
                .map(|standing| Ranked {
                    rank: rank_after(histogram.ahead_of(standing.points)),
                    standing,
                }),
        };
        Ok(BoardPage {
            page,
            rows,
            total,
            me,
        })
    }

    /// A member's row on a board with their rank (1 + those with more points), if they have one.
    #[tracing::instrument(skip(self))]
    pub async fn member_standing(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
        bucket: &str,
        member: UserId,
    ) -> Result<Option<Ranked>> {
        let board = board_channel(channel);
        let Some(standing) = self.standing_row(guild, board, bucket, member).await? else {
            return Ok(None);
        };
        let ahead: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(members), 0) AS BIGINT) FROM standings_points
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND points > $4",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .bind(standing.points)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        Ok(Some(Ranked {
            rank: rank_after(ahead as u64),
            standing,
        }))
    }

    async fn standing_row(
        &self,
        guild: GuildId,
        board: i64,
        bucket: &str,
        member: UserId,
    ) -> Result<Option<Standing>> {
        sqlx::query(
            "SELECT member_id, points, answers FROM standings
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND member_id = $4",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .bind(sf(member.0))
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(standing_from)
        .transpose()
    }

    async fn histogram(&self, guild: GuildId, board: i64, bucket: &str) -> Result<PointsHistogram> {
        let rows = sqlx::query(
            "SELECT points, members FROM standings_points
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND members > 0",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .fetch_all(self.pool())
        .await?;
        let counts = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<i64, _>(0)?,
                    u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0),
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PointsHistogram::new(counts))
    }
}
