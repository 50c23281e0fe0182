//! Guild settings.

use super::{Result, Store, StoreError, corrupt, ms, sf, unsf};
use crate::domain::round::GuildSettings;
use crate::domain::schedule::Timezone;
use crate::domain::scoring::ScoringWeights;
use crate::domain::seasons::SeasonKind;
use crate::domain::{ChannelId, GuildId, RoleId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What the database knew of a guild the bot is in (see [`Store::record_guilds_present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuildArrival {
    /// Never seen before: its settings were just created.
    New,
    /// Marked left: the bot was added back.
    Back,
    /// Already recorded as present.
    Present,
}

fn settings_from_row(row: &AnyRow) -> Result<GuildSettings> {
    let weights =
        ScoringWeights::new(row.try_get(2)?, row.try_get(3)?, row.try_get(4)?).map_err(corrupt("guilds"))?;
    let min: i64 = row.try_get(5)?;
    Ok(GuildSettings {
        guild_id: GuildId(unsf(row.try_get(0)?)),
        timezone: Timezone::parse(&row.try_get::<String, _>(1)?).map_err(corrupt("guilds"))?,
        weights,
        min_answer_chars: u32::try_from(min).map_err(corrupt("guilds"))?,
        rotation_seed: unsf(row.try_get(6)?),
        standings_current: row.try_get::<i64, _>(7)? == 1,
        practice_role: row.try_get::<Option<i64>, _>(8)?.map(|r| RoleId(unsf(r))),
        practice_on_daily: row.try_get::<i64, _>(9)? != 0,
        season_kind: {
            let kind: String = row.try_get(10)?;
            SeasonKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                table: "guilds",
                problem: format!("unknown season kind {kind:?}"),
            })?
        },
        recap_channel: row.try_get::<Option<i64>, _>(11)?.map(|c| ChannelId(unsf(c))),
        champion_role: row.try_get::<Option<i64>, _>(12)?.map(|r| RoleId(unsf(r))),
        question_editor_role: row.try_get::<Option<i64>, _>(13)?.map(|r| RoleId(unsf(r))),
        suggestion_channel: row.try_get::<Option<i64>, _>(14)?.map(|c| ChannelId(unsf(c))),
    })
}

impl Store {
    /// The guild's settings, creating them (with a fresh secret rotation seed) on first use.
    /// Reads first, so the hot paths (every answer) do not take a write lock.
    #[tracing::instrument(skip(self))]
    pub async fn ensure_guild(&self, guild: GuildId, now: DateTime<Utc>) -> Result<GuildSettings> {
        if let Some(settings) = self.guild_settings(guild).await? {
            return Ok(settings);
        }
        let seed: u64 = rand::random();
        sqlx::query(
            "INSERT INTO guilds (guild_id, rotation_seed, joined_at, updated_at, standings_tz) VALUES ($1, $2, $3, $3, 'UTC')
             ON CONFLICT (guild_id) DO NOTHING",
        )
        .bind(sf(guild.0))
        .bind(sf(seed))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        self.guild_settings(guild)
            .await?
            .ok_or(StoreError::NotFound("guild"))
    }

    /// Records that the bot is in each of `guilds` (GUILD_CREATEs taken together), in one
    /// transaction, and says for each whether the database had never seen it, had it marked left,
    /// or already had it present. New guilds get their settings (with a fresh rotation seed);
    /// each guild's name (for the web page) is kept when it changed.
    #[tracing::instrument(skip_all, fields(guilds = guilds.len()))]
    pub async fn record_guilds_present(
        &self,
        guilds: &[(GuildId, &str)],
        now: DateTime<Utc>,
    ) -> Result<Vec<(GuildId, GuildArrival)>> {
        let mut tx = self.begin_write().await?;
        let mut arrivals = Vec::with_capacity(guilds.len());
        for &(guild, name) in guilds {
            let row = sqlx::query("SELECT left_at, name FROM guilds WHERE guild_id = $1")
                .bind(sf(guild.0))
                .fetch_optional(&mut *tx)
                .await?;
            let arrival = match row {
                None => {
                    sqlx::query(
                        "INSERT INTO guilds (guild_id, rotation_seed, joined_at, updated_at, standings_tz, name) VALUES ($1, $2, $3, $3, 'UTC', $4)
                         ON CONFLICT (guild_id) DO NOTHING",
                    )
                    .bind(sf(guild.0))
                    .bind(sf(rand::random::<u64>()))
                    .bind(ms(now))
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                    GuildArrival::New
                }
                Some(r) => {
                    let back = r.try_get::<Option<i64>, _>(0)?.is_some();
                    // The name is kept for the web page; written only when it changed.
                    if back || r.try_get::<Option<String>, _>(1)?.as_deref() != Some(name) {
                        sqlx::query("UPDATE guilds SET left_at = NULL, name = $2 WHERE guild_id = $1")
                            .bind(sf(guild.0))
                            .bind(name)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if back {
                        GuildArrival::Back
                    } else {
                        GuildArrival::Present
                    }
                }
            };
            arrivals.push((guild, arrival));
        }
        tx.commit().await?;
        Ok(arrivals)
    }

    /// The guild's settings, if the bot has seen the guild.
    #[tracing::instrument(skip(self))]
    pub async fn guild_settings(&self, guild: GuildId) -> Result<Option<GuildSettings>> {
        let sql = "SELECT guild_id, timezone, points_answer, points_per_voter, points_top_answer, min_answer_chars, rotation_seed,
                          CASE WHEN standings_tz = timezone THEN 1 ELSE 0 END, practice_role_id, practice_on_daily,
                          season_kind, recap_channel_id, champion_role_id, question_editor_role,
                          suggestion_channel_id
                   FROM guilds WHERE guild_id = $1";
        let row = sqlx::query(sql)
            .bind(sf(guild.0))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(settings_from_row).transpose()
    }

    /// Changes the scoring weights.
    #[tracing::instrument(skip(self))]
    pub async fn set_weights(&self, guild: GuildId, w: ScoringWeights, now: DateTime<Utc>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE guilds SET points_answer = $2, points_per_voter = $3, points_top_answer = $4, updated_at = $5
             WHERE guild_id = $1",
        )
        .bind(sf(guild.0))
        .bind(w.answer)
        .bind(w.per_voter)
        .bind(w.top_answer)
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("guild"));
        }
        Ok(())
    }

    /// Changes the guild's time zone (leaderboard periods, default for new schedules). Week and
    /// month standings are rebuilt in the new zone in the same transaction.
    #[tracing::instrument(skip(self))]
    pub async fn set_guild_timezone(&self, guild: GuildId, tz: Timezone, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE guilds SET timezone = $2, updated_at = $3 WHERE guild_id = $1 AND timezone <> $2",
        )
        .bind(sf(guild.0))
        .bind(tz.name())
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 1 {
            super::standings::rebuild(&mut tx, guild, tz).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets who may start practice sessions besides Manage Server (`None`: only Manage Server)
    /// and whether practice points also count on the daily board (from the next question on).
    #[tracing::instrument(skip(self))]
    pub async fn set_practice_settings(
        &self,
        guild: GuildId,
        role: Option<RoleId>,
        on_daily: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE guilds SET practice_role_id = $2, practice_on_daily = $3, updated_at = $4 WHERE guild_id = $1",
        )
        .bind(sf(guild.0))
        .bind(role.map(|r| sf(r.0)))
        .bind(i64::from(on_daily))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("guild"));
        }
        Ok(())
    }

    /// Names (or, with `None`, clears) the role whose members may edit the server's questions
    /// besides Manage Server.
    #[tracing::instrument(skip(self))]
    pub async fn set_question_editor_role(
        &self,
        guild: GuildId,
        role: Option<RoleId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done =
            sqlx::query("UPDATE guilds SET question_editor_role = $2, updated_at = $3 WHERE guild_id = $1")
                .bind(sf(guild.0))
                .bind(role.map(|r| sf(r.0)))
                .bind(ms(now))
                .execute(self.writer()?)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("guild"));
        }
        Ok(())
    }

    /// Sets (or, with `None`, turns off) the channel where suggestions wait for review.
    #[tracing::instrument(skip(self))]
    pub async fn set_suggestion_channel(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE guilds SET suggestion_channel_id = $2, updated_at = $3 WHERE guild_id = $1")
            .bind(sf(guild.0))
            .bind(channel.map(|c| sf(c.0)))
            .bind(ms(now))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// Changes the minimum answer length.
    #[tracing::instrument(skip(self))]
    pub async fn set_min_answer_chars(&self, guild: GuildId, chars: u32, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE guilds SET min_answer_chars = $2, updated_at = $3 WHERE guild_id = $1")
            .bind(sf(guild.0))
            .bind(i64::from(chars))
            .bind(ms(now))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// Records that the bot left the guild. Its data is kept.
    #[tracing::instrument(skip(self))]
    pub async fn mark_guild_left(&self, guild: GuildId, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE guilds SET left_at = $2 WHERE guild_id = $1")
            .bind(sf(guild.0))
            .bind(ms(now))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// Guilds the bot is in, as far as the database knows.
    #[tracing::instrument(skip(self))]
    pub async fn present_guilds(&self) -> Result<Vec<GuildId>> {
        let rows = sqlx::query("SELECT guild_id FROM guilds WHERE left_at IS NULL")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(GuildId(unsf(r.try_get(0)?)))).collect()
    }

    /// Whether the bot was removed from the guild (and has not come back).
    #[tracing::instrument(skip(self))]
    pub async fn guild_left(&self, guild: GuildId) -> Result<bool> {
        let row = sqlx::query("SELECT left_at FROM guilds WHERE guild_id = $1")
            .bind(sf(guild.0))
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<Option<i64>, _>(0)?.is_some(),
            None => false,
        })
    }
}
