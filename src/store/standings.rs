//! Leaderboard standings: each member's points and answered rounds per board (the whole guild or
//! one channel) and period bucket, kept up to date in the transaction that writes the score
//! ledger. A leaderboard page reads its rows from an index in board order and ranks the first by
//! counting the members ahead of it, so a call costs the page size plus a log of the board, never
//! a pass over the ledger.

use super::{Result, Store, StoreError, corrupt, sf, unsf};
use crate::domain::leaderboard::{BoardPage, KEPT_PERIODS, Ranked, Standing, rank_page};
use crate::domain::schedule::Timezone;
use crate::domain::{ChannelId, GuildId, UserId};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// Rows per multi-row upsert (7 parameters each, far below either backend's limit).
const UPSERT_CHUNK: usize = 200;

/// The board a query reads: channel 0 is the whole guild.
fn board_channel(channel: Option<ChannelId>) -> i64 {
    channel.map_or(0, |c| sf(c.0))
}

/// One standings row to add to: (channel or 0, bucket, member) → (points, answers).
type Deltas = HashMap<(i64, String, UserId), (i64, i64)>;

/// Adds `changes`, dated `at`, to every kept bucket of the guild board and of `channel`'s board.
fn add_changes(
    deltas: &mut Deltas,
    tz: Timezone,
    channel: ChannelId,
    at: DateTime<Utc>,
    changes: &[Standing],
) {
    for period in KEPT_PERIODS {
        let bucket = period.bucket(tz, at);
        for board in [0, sf(channel.0)] {
            for s in changes {
                let entry = deltas.entry((board, bucket.clone(), s.member)).or_default();
                entry.0 += s.points;
                entry.1 += s.answers;
            }
        }
    }
}

/// Writes `deltas` into the guild's standings, adding to rows that exist.
async fn upsert(tx: &mut Transaction<'static, Any>, guild: GuildId, deltas: Deltas) -> Result<()> {
    let rows: Vec<_> = deltas.into_iter().collect();
    for chunk in rows.chunks(UPSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO standings (guild_id, channel_id, bucket, member_id, points, answers) VALUES ",
        );
        for i in 0..chunk.len() {
            let p = i * 5;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, ${}, ${}, ${}, ${}, ${})",
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            ));
        }
        sql.push_str(
            " ON CONFLICT (guild_id, channel_id, bucket, member_id) DO UPDATE
              SET points = standings.points + excluded.points, answers = standings.answers + excluded.answers",
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(sf(guild.0));
        for ((channel, bucket, member), (points, answers)) in chunk {
            query = query
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
    changes: &[Standing],
) -> Result<()> {
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
    add_changes(&mut deltas, tz, channel, opened, changes);
    upsert(tx, guild, deltas).await
}

/// Replaces the guild's standings with sums of its ledger, bucketed in `tz`, and records `tz`
/// as the zone they were built in.
pub(super) async fn rebuild(tx: &mut Transaction<'static, Any>, guild: GuildId, tz: Timezone) -> Result<()> {
    sqlx::query("DELETE FROM standings WHERE guild_id = $1")
        .bind(sf(guild.0))
        .execute(&mut **tx)
        .await?;
    // Ledger lines are dated by their round's opening, so one group per round and member.
    let rows = sqlx::query(
        "SELECT channel_id, member_id, awarded_at, CAST(SUM(points) AS BIGINT),
                CAST(SUM(CASE WHEN kind = 'answer' THEN 1 ELSE 0 END) AS BIGINT)
         FROM score_ledger WHERE guild_id = $1
         GROUP BY channel_id, member_id, awarded_at",
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
        add_changes(&mut deltas, tz, channel, at, std::slice::from_ref(&change));
    }
    upsert(tx, guild, deltas).await?;
    sqlx::query("UPDATE guilds SET standings_tz = $2 WHERE guild_id = $1")
        .bind(sf(guild.0))
        .bind(tz.name())
        .execute(&mut **tx)
        .await?;
    Ok(())
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

    /// One page of a board (`bucket` from [`crate::domain::leaderboard::Period::bucket`]) with
    /// its ranks, the board's size, and `me`'s own row.
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
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) FROM standings WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let total = total as u64;
        let page_size = page_size.max(1);
        let page = page.min(total.saturating_sub(1) / page_size);
        let offset = page * page_size;
        let rows = sqlx::query(
            "SELECT member_id, points, answers FROM standings
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3
             ORDER BY points DESC, answers DESC, member_id
             LIMIT $4 OFFSET $5",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .bind(i64::try_from(page_size).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(standing_from)
        .collect::<Result<Vec<_>>>()?;
        let ahead = match rows.first() {
            Some(first) => self.count_ahead(guild, board, bucket, first.points).await?,
            None => 0,
        };
        let rows = rank_page(offset, ahead, rows);
        let me = match rows.iter().find(|r| r.standing.member == me) {
            Some(mine) => Some(mine.clone()),
            None => self.member_standing(guild, channel, bucket, me).await?,
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
        let row = sqlx::query(
            "SELECT member_id, points, answers FROM standings
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND member_id = $4",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .bind(sf(member.0))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let standing = standing_from(&row)?;
        let ahead = self.count_ahead(guild, board, bucket, standing.points).await?;
        Ok(Some(Ranked {
            rank: u32::try_from(ahead + 1).unwrap_or(u32::MAX),
            standing,
        }))
    }

    async fn count_ahead(&self, guild: GuildId, board: i64, bucket: &str, points: i64) -> Result<u64> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM standings
             WHERE guild_id = $1 AND channel_id = $2 AND bucket = $3 AND points > $4",
        )
        .bind(sf(guild.0))
        .bind(board)
        .bind(bucket)
        .bind(points)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        Ok(n as u64)
    }
}
