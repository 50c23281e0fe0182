//! Mock-interview pairing: settings, the pool, pairings claimed once per guild and due instant,
//! their pairs' progress on Discord, and ratings.

use super::{Result, Store, StoreError, corrupt, from_ms, ms, sf, unsf};
use crate::domain::pairing::{
    Level, Pair, PairingPlan, PairingSettings, PoolEntry, Rubric, RubricAverage, pair_key,
};
use crate::domain::question::Category;
use crate::domain::schedule::{LocalTime, PostTime, Timezone, Weekdays};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeSet;

const SETTINGS_COLUMNS: &str = "guild_id, channel_id, post_minute, timezone, weekdays, next_at";

fn settings_from_row(row: &AnyRow) -> Result<PairingSettings> {
    let bad = corrupt("pairing_settings");
    let minute = u16::try_from(row.try_get::<i64, _>(2)?).map_err(|e| bad(e.to_string()))?;
    let weekdays =
        u8::try_from(row.try_get::<i64, _>(4)?).map_err(|e| corrupt("pairing_settings")(e.to_string()))?;
    Ok(PairingSettings {
        guild_id: GuildId(unsf(row.try_get(0)?)),
        channel_id: ChannelId(unsf(row.try_get(1)?)),
        time: PostTime {
            time: LocalTime::from_minutes(minute).map_err(corrupt("pairing_settings"))?,
            timezone: Timezone::parse(&row.try_get::<String, _>(3)?).map_err(corrupt("pairing_settings"))?,
            weekdays: Weekdays::from_bits(weekdays).map_err(corrupt("pairing_settings"))?,
        },
        next_at: from_ms("pairing_settings", row.try_get(5)?)?,
    })
}

fn pool_from_row(row: &AnyRow) -> Result<PoolEntry> {
    let level = row
        .try_get::<Option<String>, _>(1)?
        .map(|l| Level::parse(&l).ok_or_else(|| format!("unknown level {l:?}")))
        .transpose()
        .map_err(corrupt("pair_pool"))?;
    let topics: Vec<String> = serde_json::from_str(&row.try_get::<String, _>(2)?)
        .map_err(|e| corrupt("pair_pool")(e.to_string()))?;
    let topics = topics
        .iter()
        .map(|t| Category::parse(t))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(corrupt("pair_pool"))?;
    Ok(PoolEntry {
        member: UserId(unsf(row.try_get(0)?)),
        level,
        topics,
        joined_at: from_ms("pair_pool", row.try_get(3)?)?,
        waiting: row.try_get::<i64, _>(4)? != 0,
    })
}

const PAIR_COLUMNS: &str = "p.id, p.pairing_id, p.guild_id, g.channel_id, p.member_a, p.member_b, p.question_for_b, \
     p.question_for_a, p.thread_id, p.intro_message_id, p.thread_attempts";

fn pair_from_row(row: &AnyRow) -> Result<Pair> {
    Ok(Pair {
        id: row.try_get(0)?,
        pairing_id: row.try_get(1)?,
        guild_id: GuildId(unsf(row.try_get(2)?)),
        channel_id: ChannelId(unsf(row.try_get(3)?)),
        a: UserId(unsf(row.try_get(4)?)),
        b: UserId(unsf(row.try_get(5)?)),
        question_for_b: row.try_get(6)?,
        question_for_a: row.try_get(7)?,
        thread_id: row.try_get::<Option<i64>, _>(8)?.map(|t| ChannelId(unsf(t))),
        intro_message_id: row.try_get::<Option<i64>, _>(9)?.map(|m| MessageId(unsf(m))),
        thread_attempts: u32::try_from(row.try_get::<i64, _>(10)?).map_err(corrupt("pairs"))?,
    })
}

/// A pairing whose announcement is not posted yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPairing {
    /// Its key.
    pub id: i64,
    /// Where it is announced.
    pub channel_id: ChannelId,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// Who waits.
    pub waiting: Option<UserId>,
    /// How many times posting the announcement was attempted.
    pub attempts: u32,
}

impl Store {
    /// Sets (or changes) a guild's pairing time and channel.
    #[tracing::instrument(skip(self))]
    pub async fn set_pairing(&self, settings: &PairingSettings, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO pairing_settings (guild_id, channel_id, post_minute, timezone, weekdays, next_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, post_minute = excluded.post_minute,
                 timezone = excluded.timezone, weekdays = excluded.weekdays, next_at = excluded.next_at,
                 updated_at = excluded.updated_at",
        )
        .bind(sf(settings.guild_id.0))
        .bind(sf(settings.channel_id.0))
        .bind(i64::from(settings.time.time.minutes_since_midnight()))
        .bind(settings.time.timezone.name())
        .bind(i64::from(settings.time.weekdays.bits()))
        .bind(ms(settings.next_at))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// Turns a guild's pairing off (the pool and past pairs are kept).
    #[tracing::instrument(skip(self))]
    pub async fn remove_pairing(&self, guild: GuildId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM pairing_settings WHERE guild_id = $1")
            .bind(sf(guild.0))
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A guild's pairing settings.
    #[tracing::instrument(skip(self))]
    pub async fn pairing_settings(&self, guild: GuildId) -> Result<Option<PairingSettings>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SETTINGS_COLUMNS} FROM pairing_settings WHERE guild_id = $1"
        )))
        .bind(sf(guild.0))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(settings_from_row).transpose()
    }

    /// Puts a member in the guild's pool (or changes their level and topics, keeping their place
    /// in line).
    #[tracing::instrument(skip(self))]
    pub async fn join_pool(&self, guild: GuildId, entry: &PoolEntry) -> Result<()> {
        let topics: Vec<&str> = entry.topics.iter().map(Category::as_str).collect();
        sqlx::query(
            "INSERT INTO pair_pool (guild_id, member_id, level, topics, joined_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (guild_id, member_id) DO UPDATE SET level = excluded.level, topics = excluded.topics",
        )
        .bind(sf(guild.0))
        .bind(sf(entry.member.0))
        .bind(entry.level.map(Level::as_str))
        .bind(serde_json::to_string(&topics).map_err(|e| StoreError::Corrupt {
            table: "pair_pool",
            problem: e.to_string(),
        })?)
        .bind(ms(entry.joined_at))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// Takes a member out of the pool; returns whether they were in it.
    #[tracing::instrument(skip(self))]
    pub async fn leave_pool(&self, guild: GuildId, member: UserId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM pair_pool WHERE guild_id = $1 AND member_id = $2")
            .bind(sf(guild.0))
            .bind(sf(member.0))
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The guild's pairing pool, in no particular order.
    #[tracing::instrument(skip(self))]
    pub async fn pair_pool(&self, guild: GuildId) -> Result<Vec<PoolEntry>> {
        let rows = sqlx::query(
            "SELECT member_id, level, topics, joined_at, waiting FROM pair_pool WHERE guild_id = $1",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(pool_from_row).collect()
    }

    /// Guilds of this store's shards with pairing work: a pairing due at `now`, a pair whose
    /// thread is not ready, or an announcement not posted. Each with its pairing channel.
    #[tracing::instrument(skip(self))]
    pub async fn pairing_work(&self, now: DateTime<Utc>) -> Result<Vec<(GuildId, ChannelId)>> {
        self.guild_work(
            "SELECT w.guild_id, w.channel_id FROM (
                 SELECT guild_id, channel_id FROM pairing_settings WHERE next_at <= $1
                 UNION SELECT guild_id, channel_id FROM pairings WHERE state = 'pending') w
             WHERE ((w.guild_id >> 22) % $2) BETWEEN $3 AND $4
               AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = w.guild_id AND g.left_at IS NOT NULL)",
            now,
        )
        .await
    }

    /// The earliest pairing after `now` of this store's shards, so the scheduler knows how long
    /// to sleep.
    #[tracing::instrument(skip(self))]
    pub async fn earliest_pairing_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        self.earliest_after(
            "SELECT MIN(next_at) FROM pairing_settings WHERE next_at > $1 AND ((guild_id >> 22) % $2) BETWEEN $3 AND $4",
            "pairing_settings",
            now,
        )
        .await
    }

    /// Claims the guild's pairing due at `settings.next_at`, once: in one transaction it reads
    /// the pool and last pairing's pairs, lets `plan` decide, writes the pairs, takes the paired
    /// members out of the pool, marks who waits, and moves the next pairing to `next_at`.
    /// Returns the new pairing's key, or `None` when that instant was claimed already.
    #[tracing::instrument(skip(self, plan))]
    pub async fn claim_pairing(
        &self,
        settings: &PairingSettings,
        next_at: DateTime<Utc>,
        now: DateTime<Utc>,
        plan: impl FnOnce(&[PoolEntry], &BTreeSet<(UserId, UserId)>) -> PairingPlan,
    ) -> Result<Option<i64>> {
        let guild = sf(settings.guild_id.0);
        let mut tx = self.begin_write().await?;
        if self.backend() == super::Backend::Postgres {
            // Serializes two processes pairing the same guild (the second then finds it claimed).
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(guild)
                .execute(&mut *tx)
                .await?;
        }
        let moved =
            sqlx::query("UPDATE pairing_settings SET next_at = $3 WHERE guild_id = $1 AND next_at = $2")
                .bind(guild)
                .bind(ms(settings.next_at))
                .bind(ms(next_at))
                .execute(&mut *tx)
                .await?;
        let inserted = sqlx::query(
            "INSERT INTO pairings (guild_id, channel_id, due_at, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (guild_id, due_at) DO NOTHING RETURNING id",
        )
        .bind(guild)
        .bind(sf(settings.channel_id.0))
        .bind(ms(settings.next_at))
        .bind(ms(now))
        .fetch_optional(&mut *tx)
        .await?;
        let (Some(row), 1) = (inserted, moved.rows_affected()) else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        let pool = sqlx::query(
            "SELECT member_id, level, topics, joined_at, waiting FROM pair_pool WHERE guild_id = $1",
        )
        .bind(guild)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(pool_from_row)
        .collect::<Result<Vec<_>>>()?;
        let recent = sqlx::query(
            "SELECT member_a, member_b FROM pairs WHERE pairing_id =
                 (SELECT MAX(id) FROM pairings WHERE guild_id = $1 AND id < $2)",
        )
        .bind(guild)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok(pair_key(UserId(unsf(r.try_get(0)?)), UserId(unsf(r.try_get(1)?)))))
        .collect::<Result<BTreeSet<_>>>()?;
        let decided = plan(&pool, &recent);
        for p in &decided.pairs {
            sqlx::query(
                "INSERT INTO pairs (pairing_id, guild_id, member_a, member_b, question_for_b, question_for_a, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(guild)
            .bind(sf(p.a.0))
            .bind(sf(p.b.0))
            .bind(p.question_for_b)
            .bind(p.question_for_a)
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
            for member in [p.a, p.b] {
                sqlx::query("DELETE FROM pair_pool WHERE guild_id = $1 AND member_id = $2")
                    .bind(guild)
                    .bind(sf(member.0))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if let Some(w) = decided.waiting {
            sqlx::query("UPDATE pair_pool SET waiting = 1 WHERE guild_id = $1 AND member_id = $2")
                .bind(guild)
                .bind(sf(w.0))
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE pairings SET waiting_member_id = $2 WHERE id = $1")
                .bind(id)
                .bind(sf(w.0))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A guild's pairs whose private thread and intro are not posted yet.
    #[tracing::instrument(skip(self))]
    pub async fn pending_pairs(&self, guild: GuildId) -> Result<Vec<Pair>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAIR_COLUMNS} FROM pairs p JOIN pairings g ON g.id = p.pairing_id
             WHERE p.guild_id = $1 AND p.state = 'pending' ORDER BY p.id"
        )))
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(pair_from_row).collect()
    }

    /// A pair by key.
    #[tracing::instrument(skip(self))]
    pub async fn pair(&self, id: i64) -> Result<Option<Pair>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAIR_COLUMNS} FROM pairs p JOIN pairings g ON g.id = p.pairing_id WHERE p.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(pair_from_row).transpose()
    }

    /// The pairs of a pairing.
    #[tracing::instrument(skip(self))]
    pub async fn pairing_pairs(&self, pairing: i64) -> Result<Vec<Pair>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAIR_COLUMNS} FROM pairs p JOIN pairings g ON g.id = p.pairing_id WHERE p.pairing_id = $1 ORDER BY p.id"
        )))
        .bind(pairing)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(pair_from_row).collect()
    }

    /// Counts an attempt to open a pair's thread, before it is made.
    #[tracing::instrument(skip(self))]
    pub async fn note_pair_attempt(&self, id: i64) -> Result<()> {
        self.count_attempt(
            "UPDATE pairs SET thread_attempts = thread_attempts + 1 WHERE id = $1",
            id,
        )
        .await
    }

    /// Records a pair's private thread.
    #[tracing::instrument(skip(self))]
    pub async fn set_pair_thread(&self, id: i64, thread: ChannelId) -> Result<()> {
        sqlx::query("UPDATE pairs SET thread_id = $2 WHERE id = $1")
            .bind(id)
            .bind(sf(thread.0))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// Records a pair's intro message (or none, when it failed for good) and ends its setup.
    #[tracing::instrument(skip(self))]
    pub async fn finish_pair(&self, id: i64, intro: Option<MessageId>) -> Result<()> {
        sqlx::query(
            "UPDATE pairs SET intro_message_id = $2, state = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'ready' END
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(intro.map(|m| sf(m.0)))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// A guild's pairings whose announcement is not posted yet and whose pairs are all set up.
    #[tracing::instrument(skip(self))]
    pub async fn pairings_to_announce(&self, guild: GuildId) -> Result<Vec<PendingPairing>> {
        let rows = sqlx::query(
            "SELECT g.id, g.channel_id, g.due_at, g.waiting_member_id, g.summary_attempts FROM pairings g
             WHERE g.guild_id = $1 AND g.state = 'pending'
               AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.pairing_id = g.id AND p.state = 'pending')
             ORDER BY g.id",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingPairing {
                    id: r.try_get(0)?,
                    channel_id: ChannelId(unsf(r.try_get(1)?)),
                    due_at: from_ms("pairings", r.try_get(2)?)?,
                    waiting: r.try_get::<Option<i64>, _>(3)?.map(|m| UserId(unsf(m))),
                    attempts: u32::try_from(r.try_get::<i64, _>(4)?).map_err(corrupt("pairings"))?,
                })
            })
            .collect()
    }

    /// Counts an attempt to post a pairing's announcement, before it is made.
    #[tracing::instrument(skip(self))]
    pub async fn note_announce_attempt(&self, id: i64) -> Result<()> {
        self.count_attempt(
            "UPDATE pairings SET summary_attempts = summary_attempts + 1 WHERE id = $1",
            id,
        )
        .await
    }

    /// Records a pairing's announcement (or none, when it failed for good) and ends it.
    #[tracing::instrument(skip(self))]
    pub async fn finish_pairing(&self, id: i64, message: Option<MessageId>) -> Result<()> {
        sqlx::query(
            "UPDATE pairings SET summary_message_id = $2, state = 'done' WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(message.map(|m| sf(m.0)))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// Records (or changes) `rater`'s score for their partner on one rubric.
    #[tracing::instrument(skip(self))]
    pub async fn rate_partner(
        &self,
        pair: &Pair,
        rater: UserId,
        rubric: Rubric,
        score: u8,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(rated) = pair.partner_of(rater) else {
            return Ok(false);
        };
        sqlx::query(
            "INSERT INTO pair_ratings (pair_id, rater_id, rated_id, rubric, score, rated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (pair_id, rater_id, rubric) DO UPDATE SET score = excluded.score, rated_at = excluded.rated_at",
        )
        .bind(pair.id)
        .bind(sf(rater.0))
        .bind(sf(rated.0))
        .bind(rubric.as_str())
        .bind(i64::from(score))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(true)
    }

    /// The ratings a member received in a guild: average and count per rubric.
    #[tracing::instrument(skip(self))]
    pub async fn ratings_received(&self, guild: GuildId, member: UserId) -> Result<Vec<RubricAverage>> {
        let rows = sqlx::query(
            "SELECT r.rubric, CAST(SUM(r.score) AS BIGINT), COUNT(*) FROM pair_ratings r JOIN pairs p ON p.id = r.pair_id
             WHERE r.rated_id = $2 AND p.guild_id = $1 GROUP BY r.rubric",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let rubric: String = r.try_get(0)?;
                let sum: i64 = r.try_get(1)?;
                let count: i64 = r.try_get(2)?;
                Ok(RubricAverage {
                    rubric: Rubric::parse(&rubric).ok_or_else(|| StoreError::Corrupt {
                        table: "pair_ratings",
                        problem: format!("unknown rubric {rubric:?}"),
                    })?,
                    average: sum as f64 / count.max(1) as f64,
                    count: count as u64,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|r| r.rubric);
        Ok(out)
    }
}
