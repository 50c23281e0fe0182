//! Seasons: settings, each finished season claimed once for its recap, and what the recap shows.

use super::{Result, Store, StoreError, corrupt, from_ms, ms, sf, unsf};
use crate::domain::practice::SessionAnswer;
use crate::domain::seasons::{Season, SeasonKind, SeasonRecap};
use crate::domain::{ChannelId, GuildId, MessageId, RoleId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

const SEASON_COLUMNS: &str =
    "guild_id, number, kind, starts_at, ends_at, bucket, channel_id, recap_attempts, champions";

fn season_from_row(row: &AnyRow) -> Result<Season> {
    let kind: String = row.try_get(2)?;
    let champions: Vec<u64> =
        serde_json::from_str(&row.try_get::<String, _>(8)?).map_err(|e| corrupt("seasons")(e.to_string()))?;
    Ok(Season {
        guild_id: GuildId(unsf(row.try_get(0)?)),
        number: u32::try_from(row.try_get::<i64, _>(1)?).map_err(corrupt("seasons"))?,
        kind: SeasonKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
            table: "seasons",
            problem: format!("unknown kind {kind:?}"),
        })?,
        starts_at: from_ms("seasons", row.try_get(3)?)?,
        ends_at: from_ms("seasons", row.try_get(4)?)?,
        bucket: row.try_get(5)?,
        channel_id: ChannelId(unsf(row.try_get(6)?)),
        recap_attempts: u32::try_from(row.try_get::<i64, _>(7)?).map_err(corrupt("seasons"))?,
        champions: champions.into_iter().map(UserId).collect(),
    })
}

/// A guild's season settings and where its recaps stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeasonSettings {
    /// How long seasons last.
    pub kind: SeasonKind,
    /// Where recaps go.
    pub recap_channel: Option<ChannelId>,
    /// The champion role.
    pub champion_role: Option<RoleId>,
    /// Where the last recap ended (or recaps started).
    pub recapped_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Changes a guild's seasons. `recapped_until` and `next_recap_at` say where recaps start
    /// and when the first is due (`None`: no recaps).
    #[tracing::instrument(skip(self))]
    #[allow(clippy::too_many_arguments)]
    pub async fn set_seasons(
        &self,
        guild: GuildId,
        kind: SeasonKind,
        recap_channel: Option<ChannelId>,
        champion_role: Option<RoleId>,
        recapped_until: Option<DateTime<Utc>>,
        next_recap_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE guilds SET season_kind = $2, recap_channel_id = $3, champion_role_id = $4, recapped_until = $5,
                 next_recap_at = $6, updated_at = $7 WHERE guild_id = $1",
        )
        .bind(sf(guild.0))
        .bind(kind.as_str())
        .bind(recap_channel.map(|c| sf(c.0)))
        .bind(champion_role.map(|r| sf(r.0)))
        .bind(recapped_until.map(ms))
        .bind(next_recap_at.map(ms))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// Where a guild's recaps stand.
    #[tracing::instrument(skip(self))]
    pub async fn season_settings(&self, guild: GuildId) -> Result<Option<SeasonSettings>> {
        let row = sqlx::query(
            "SELECT season_kind, recap_channel_id, champion_role_id, recapped_until FROM guilds WHERE guild_id = $1",
        )
        .bind(sf(guild.0))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get(0)?;
        Ok(Some(SeasonSettings {
            kind: SeasonKind::parse(&kind).unwrap_or(SeasonKind::Off),
            recap_channel: row.try_get::<Option<i64>, _>(1)?.map(|c| ChannelId(unsf(c))),
            champion_role: row.try_get::<Option<i64>, _>(2)?.map(|r| RoleId(unsf(r))),
            recapped_until: row
                .try_get::<Option<i64>, _>(3)?
                .map(|v| from_ms("guilds", v))
                .transpose()?,
        }))
    }

    /// Guilds of this store's shards with season work: a recap due at `now`, or a claimed
    /// season whose recap is not posted yet.
    #[tracing::instrument(skip(self))]
    pub async fn season_work(&self, now: DateTime<Utc>) -> Result<Vec<(GuildId, ChannelId)>> {
        self.guild_work(
            "SELECT w.guild_id, w.channel_id FROM (
                 SELECT guild_id, recap_channel_id AS channel_id FROM guilds
                  WHERE next_recap_at <= $1 AND recap_channel_id IS NOT NULL AND left_at IS NULL
                 UNION SELECT guild_id, channel_id FROM seasons WHERE state = 'pending') w
             WHERE ((w.guild_id >> 22) % $2) BETWEEN $3 AND $4",
            now,
        )
        .await
    }

    /// The earliest recap after `now` of this store's shards.
    #[tracing::instrument(skip(self))]
    pub async fn earliest_recap_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        self.earliest_after(
            "SELECT MIN(next_recap_at) FROM guilds WHERE next_recap_at > $1 AND recap_channel_id IS NOT NULL
             AND ((guild_id >> 22) % $2) BETWEEN $3 AND $4",
            "guilds",
            now,
        )
        .await
    }

    /// Claims the season `[start, end)` for its recap, once: moves the guild's recaps on to
    /// `end` (only if they stood at `start`), with the next due at `next_at`, and numbers the
    /// season. Returns it, or `None` when another process or an earlier attempt claimed it.
    #[tracing::instrument(skip(self))]
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_season(
        &self,
        guild: GuildId,
        kind: SeasonKind,
        (start, end): (DateTime<Utc>, DateTime<Utc>),
        recapped_from: DateTime<Utc>,
        bucket: &str,
        channel: ChannelId,
        next_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Season>> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE guilds SET recapped_until = $3, next_recap_at = $4 WHERE guild_id = $1 AND recapped_until = $2",
        )
        .bind(sf(guild.0))
        .bind(ms(recapped_from))
        .bind(ms(end))
        .bind(next_at.map(ms))
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO seasons (guild_id, number, kind, starts_at, ends_at, bucket, channel_id, created_at)
             SELECT $1, COALESCE(MAX(number), 0) + 1, $2, $3, $4, $5, $6, $7 FROM seasons WHERE guild_id = $1
             ON CONFLICT (guild_id, starts_at) DO NOTHING
             RETURNING {SEASON_COLUMNS}"
        )))
        .bind(sf(guild.0))
        .bind(kind.as_str())
        .bind(ms(start))
        .bind(ms(end))
        .bind(bucket)
        .bind(sf(channel.0))
        .bind(ms(now))
        .fetch_optional(&mut *tx)
        .await?;
        let season = row.as_ref().map(season_from_row).transpose()?;
        tx.commit().await?;
        Ok(season)
    }

    /// A guild's claimed seasons whose recap is not posted yet, oldest first.
    #[tracing::instrument(skip(self))]
    pub async fn pending_seasons(&self, guild: GuildId) -> Result<Vec<Season>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = $1 AND state = 'pending' ORDER BY number"
        )))
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(season_from_row).collect()
    }

    /// A guild's season by number.
    #[tracing::instrument(skip(self))]
    pub async fn season(&self, guild: GuildId, number: u32) -> Result<Option<Season>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = $1 AND number = $2"
        )))
        .bind(sf(guild.0))
        .bind(i64::from(number))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(season_from_row).transpose()
    }

    /// The champions of the guild's latest finished season before `number`.
    #[tracing::instrument(skip(self))]
    pub async fn previous_champions(&self, guild: GuildId, number: u32) -> Result<Vec<UserId>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SEASON_COLUMNS} FROM seasons WHERE guild_id = $1 AND number < $2 ORDER BY number DESC LIMIT 1"
        )))
        .bind(sf(guild.0))
        .bind(i64::from(number))
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .as_ref()
            .map(season_from_row)
            .transpose()?
            .map(|s| s.champions)
            .unwrap_or_default())
    }

    /// Counts an attempt to post a season's recap; returns how many were made before.
    #[tracing::instrument(skip(self))]
    pub async fn begin_recap(&self, guild: GuildId, number: u32) -> Result<u32> {
        let row = sqlx::query(
            "UPDATE seasons SET recap_attempts = recap_attempts + 1 WHERE guild_id = $1 AND number = $2 RETURNING recap_attempts",
        )
        .bind(sf(guild.0))
        .bind(i64::from(number))
        .fetch_one(self.writer()?)
        .await?;
        Ok(row.try_get::<i64, _>(0)?.saturating_sub(1) as u32)
    }

    /// Records a season's recap (or none, when it could not be posted for good) and champions.
    #[tracing::instrument(skip(self))]
    pub async fn finish_season(
        &self,
        guild: GuildId,
        number: u32,
        recap: Option<MessageId>,
        champions: &[UserId],
    ) -> Result<()> {
        let ids: Vec<u64> = champions.iter().map(|c| c.0).collect();
        sqlx::query(
            "UPDATE seasons SET state = 'done', recap_message_id = $3, champions = $4
             WHERE guild_id = $1 AND number = $2 AND state = 'pending'",
        )
        .bind(sf(guild.0))
        .bind(i64::from(number))
        .bind(recap.map(|m| sf(m.0)))
        .bind(serde_json::to_string(&ids).map_err(|e| corrupt("seasons")(e.to_string()))?)
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// What a season's recap shows: its top, best answer, longest live streak, and answers per
    /// revealed daily round.
    #[tracing::instrument(skip(self))]
    pub async fn season_recap(&self, season: &Season) -> Result<SeasonRecap> {
        let guild = season.guild_id;
        let page = self
            .leaderboard_page(guild, None, &season.bucket, 0, 10, UserId(0))
            .await?;
        let range = (ms(season.starts_at), ms(season.ends_at));
        let per_round = sqlx::query(
            "SELECT r.id, COUNT(DISTINCT a.author_id) FROM rounds r
             LEFT JOIN answers a ON a.round_id = r.id AND a.withdrawn_at IS NULL
             WHERE r.guild_id = $1 AND r.kind = 'daily' AND r.state = 'closed' AND r.opens_at >= $2 AND r.opens_at < $3
             GROUP BY r.id, r.opens_at ORDER BY r.opens_at, r.id",
        )
        .bind(sf(guild.0))
        .bind(range.0)
        .bind(range.1)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<i64, _>(1)? as u64))
        .collect::<Result<Vec<_>>>()?;
        let participants: i64 = sqlx::query(
            "SELECT COUNT(DISTINCT a.author_id) FROM answers a JOIN rounds r ON r.id = a.round_id
             WHERE r.guild_id = $1 AND r.kind = 'daily' AND r.state = 'closed' AND r.opens_at >= $2 AND r.opens_at < $3
               AND a.withdrawn_at IS NULL",
        )
        .bind(sf(guild.0))
        .bind(range.0)
        .bind(range.1)
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let best = sqlx::query(
            "SELECT a.author_id, a.message_id, r.thread_id,
                    (SELECT COUNT(*) FROM votes v WHERE v.answer_message_id = a.message_id) AS n
             FROM answers a JOIN rounds r ON r.id = a.round_id
             WHERE r.guild_id = $1 AND r.kind = 'daily' AND r.state = 'closed' AND r.opens_at >= $2 AND r.opens_at < $3
               AND a.withdrawn_at IS NULL AND r.thread_id IS NOT NULL
             ORDER BY n DESC, a.message_id LIMIT 1",
        )
        .bind(sf(guild.0))
        .bind(range.0)
        .bind(range.1)
        .fetch_optional(self.pool())
        .await?
        .map(|r| -> Result<SessionAnswer> {
            Ok(SessionAnswer {
                author: UserId(unsf(r.try_get(0)?)),
                message: MessageId(unsf(r.try_get(1)?)),
                thread: ChannelId(unsf(r.try_get(2)?)),
                votes: r.try_get::<i64, _>(3)? as u64,
            })
        })
        .transpose()?
        .filter(|b| b.votes > 0);
        let streak = sqlx::query(
            "SELECT s.member_id, s.current FROM streaks s
             WHERE s.guild_id = $1 AND s.current > 0 AND s.last_round =
                 (SELECT MAX(r.round_number) FROM rounds r WHERE r.channel_id = s.channel_id AND r.kind = 'daily' AND r.state = 'closed')
             ORDER BY s.current DESC, s.member_id LIMIT 1",
        )
        .bind(sf(guild.0))
        .fetch_optional(self.pool())
        .await?
        .map(|r| -> Result<(UserId, u32)> { Ok((UserId(unsf(r.try_get(0)?)), r.try_get::<i64, _>(1)? as u32)) })
        .transpose()?;
        Ok(SeasonRecap {
            top: page.rows,
            best,
            longest_streak: streak,
            per_round,
            participants: participants as u64,
        })
    }
}
