//! Channel schedules.

use super::{Result, Store, StoreError, corrupt, from_ms, ms, sf, unsf};
use crate::domain::question::{Category, Difficulty};
use crate::domain::rotation::{QuestionFilter, QuestionSource};
use crate::domain::round::ChannelSchedule;
use crate::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
use crate::domain::{ChannelId, GuildId, RoleId, UserId};
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The columns [`schedule_from_row`] reads, in order.
macro_rules! select_schedules {
    ($rest:literal) => {
        concat!(
            "SELECT channel_id, guild_id, post_minute, timezone, weekdays, category, difficulty, ",
            "answer_window_secs, ping_role_id, paused, next_post_at, created_by, remind_before_secs, vote_window_secs, source FROM schedules ",
            $rest
        )
    };
}

fn schedule_from_row(row: &AnyRow) -> Result<ChannelSchedule> {
    let bad = corrupt::<String>("schedules");
    let minute: i64 = row.try_get(2)?;
    let time = u16::try_from(minute)
        .map_err(|e| e.to_string())
        .and_then(LocalTime::from_minutes);
    let weekdays: i64 = row.try_get(4)?;
    let weekdays = u8::try_from(weekdays)
        .map_err(|e| e.to_string())
        .and_then(Weekdays::from_bits);
    let category = row
        .try_get::<Option<String>, _>(5)?
        .map(|c| Category::parse(&c))
        .transpose();
    let difficulty = row
        .try_get::<Option<String>, _>(6)?
        .map(|d| d.parse::<Difficulty>())
        .transpose();
    let window: i64 = row.try_get(7)?;
    let parsed = (|| -> std::result::Result<_, String> {
        Ok((
            PostTime {
                time: time?,
                timezone: Timezone::parse(&row.try_get::<String, _>(3).map_err(|e| e.to_string())?)?,
                weekdays: weekdays?,
            },
            QuestionFilter {
                category: category?,
                difficulty: difficulty?,
            },
            AnswerWindow::new(Duration::seconds(window))?,
        ))
    })();
    let (post_time, filter, answer_window) = parsed.map_err(bad)?;
    Ok(ChannelSchedule {
        channel_id: ChannelId(unsf(row.try_get(0)?)),
        guild_id: GuildId(unsf(row.try_get(1)?)),
        post_time,
        filter,
        answer_window,
        ping_role: row.try_get::<Option<i64>, _>(8)?.map(|r| RoleId(unsf(r))),
        paused: row.try_get::<i64, _>(9)? != 0,
        next_post_at: from_ms("schedules", row.try_get(10)?)?,
        created_by: UserId(unsf(row.try_get(11)?)),
        remind_before: row.try_get::<Option<i64>, _>(12)?.map(chrono::Duration::seconds),
        blind: row.try_get::<Option<i64>, _>(13)?.map(chrono::Duration::seconds),
        source: QuestionSource::parse(&row.try_get::<String, _>(14)?).map_err(corrupt("schedules"))?,
    })
}

impl Store {
    /// Creates or replaces a channel's schedule. The guild row must exist ([`Store::ensure_guild`]).
    #[tracing::instrument(skip_all, fields(channel = %s.channel_id))]
    pub async fn upsert_schedule(&self, s: &ChannelSchedule, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO schedules (channel_id, guild_id, post_minute, timezone, weekdays, category, difficulty,
                 answer_window_secs, ping_role_id, paused, next_post_at, created_by, created_at, updated_at,
                 remind_before_secs, vote_window_secs, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16)
             ON CONFLICT (channel_id) DO UPDATE SET
                 post_minute = excluded.post_minute, timezone = excluded.timezone,
                 weekdays = excluded.weekdays, category = excluded.category,
                 difficulty = excluded.difficulty, answer_window_secs = excluded.answer_window_secs,
                 ping_role_id = excluded.ping_role_id, paused = excluded.paused,
                 next_post_at = excluded.next_post_at, updated_at = excluded.updated_at,
                 remind_before_secs = excluded.remind_before_secs,
                 vote_window_secs = excluded.vote_window_secs, source = excluded.source
             WHERE schedules.guild_id = excluded.guild_id",
        )
        .bind(sf(s.channel_id.0))
        .bind(sf(s.guild_id.0))
        .bind(i64::from(s.post_time.time.minutes_since_midnight()))
        .bind(s.post_time.timezone.name())
        .bind(i64::from(s.post_time.weekdays.bits()))
        .bind(s.filter.category.as_ref().map(|c| c.as_str().to_owned()))
        .bind(s.filter.difficulty.map(|d| d.as_str()))
        .bind(s.answer_window.duration().num_seconds())
        .bind(s.ping_role.map(|r| sf(r.0)))
        .bind(i64::from(s.paused))
        .bind(ms(s.next_post_at))
        .bind(sf(s.created_by.0))
        .bind(ms(now))
        .bind(s.remind_before.map(|d| d.num_seconds()))
        .bind(s.blind.map(|d| d.num_seconds()))
        .bind(s.source.as_str())
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// A channel's schedule.
    #[tracing::instrument(skip(self))]
    pub async fn schedule(&self, channel: ChannelId) -> Result<Option<ChannelSchedule>> {
        let sql = select_schedules!("WHERE channel_id = $1");
        let row = sqlx::query(sql)
            .bind(sf(channel.0))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(schedule_from_row).transpose()
    }

    /// Every schedule of a guild, by next post.
    #[tracing::instrument(skip(self))]
    pub async fn guild_schedules(&self, guild: GuildId) -> Result<Vec<ChannelSchedule>> {
        let sql = select_schedules!("WHERE guild_id = $1 ORDER BY next_post_at, channel_id");
        let rows = sqlx::query(sql).bind(sf(guild.0)).fetch_all(self.pool()).await?;
        rows.iter().map(schedule_from_row).collect()
    }

    /// Unpaused schedules whose next post is at or before `now`, in guilds the bot is in, of this
    /// store's shards.
    #[tracing::instrument(skip(self))]
    pub async fn due_schedules(&self, now: DateTime<Utc>) -> Result<Vec<ChannelSchedule>> {
        let sql = select_schedules!(
            "WHERE paused = 0 AND next_post_at <= $1 AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = schedules.guild_id AND g.left_at IS NOT NULL)
             AND ((guild_id >> 22) % $2) BETWEEN $3 AND $4 ORDER BY next_post_at, channel_id"
        );
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(sql)
            .bind(ms(now))
            .bind(n)
            .bind(a)
            .bind(b)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(schedule_from_row).collect()
    }

    /// The earliest next post after `now` of any unpaused schedule in a guild the bot is in (of
    /// this store's shards), so the scheduler knows how long to sleep.
    #[tracing::instrument(skip(self))]
    pub async fn earliest_next_post_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let (n, a, b) = self.shard_binds();
        let row = sqlx::query(
            "SELECT MIN(next_post_at) FROM schedules WHERE paused = 0 AND next_post_at > $1
             AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = schedules.guild_id AND g.left_at IS NOT NULL)
             AND ((guild_id >> 22) % $2) BETWEEN $3 AND $4",
        )
        .bind(ms(now))
        .bind(n)
        .bind(a)
        .bind(b)
        .fetch_one(self.pool())
        .await?;
        row.try_get::<Option<i64>, _>(0)?
            .map(|v| from_ms("schedules", v))
            .transpose()
    }

    /// Moves a schedule's next post, only if it still is `expected` (so two processes that
    /// handled the same post do not skip one).
    #[tracing::instrument(skip(self))]
    pub async fn advance_schedule(
        &self,
        channel: ChannelId,
        expected: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE schedules SET next_post_at = $3 WHERE channel_id = $1 AND next_post_at = $2")
                .bind(sf(channel.0))
                .bind(ms(expected))
                .bind(ms(next))
                .execute(self.writer()?)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pauses or resumes a channel's posts; `next` is the next post when resuming.
    #[tracing::instrument(skip(self))]
    pub async fn set_paused(
        &self,
        channel: ChannelId,
        paused: bool,
        next: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE schedules SET paused = $2, next_post_at = $3, updated_at = $4 WHERE channel_id = $1",
        )
        .bind(sf(channel.0))
        .bind(i64::from(paused))
        .bind(ms(next))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("schedule"));
        }
        Ok(())
    }

    /// Removes a channel's schedule. Its rounds, answers and scores are kept.
    #[tracing::instrument(skip(self))]
    pub async fn remove_schedule(&self, channel: ChannelId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM schedules WHERE channel_id = $1")
            .bind(sf(channel.0))
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
