//! A channel's queue of chosen questions, ahead of rotation.

use super::{Result, Store, corrupt, ms, sf};
use crate::domain::question::QuestionSlug;
use crate::domain::{ChannelId, GuildId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One queued question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The queue entry's key.
    pub id: i64,
    /// The question's database key.
    pub question: i64,
    /// Its id.
    pub slug: QuestionSlug,
    /// Its prompt.
    pub prompt: String,
}

impl Store {
    /// Queues a question in a channel: last, or first (`front`). Returns its place (1-based).
    #[tracing::instrument(skip(self))]
    pub async fn queue_question(
        &self,
        guild: GuildId,
        channel: ChannelId,
        question: i64,
        by: UserId,
        front: bool,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT COALESCE(MIN(priority), 0), COALESCE(MAX(priority), 0), COUNT(*) FROM question_queue WHERE channel_id = $1",
        )
        .bind(sf(channel.0))
        .fetch_one(&mut *tx)
        .await?;
        let (min, max, count): (i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        sqlx::query(
            "INSERT INTO question_queue (channel_id, guild_id, question_id, priority, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sf(channel.0))
        .bind(sf(guild.0))
        .bind(question)
        .bind(if front { min - 1 } else { max + 1 })
        .bind(sf(by.0))
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if front { 1 } else { count as usize + 1 })
    }

    /// A channel's queue in order (retired questions are skipped, and never posted).
    #[tracing::instrument(skip(self))]
    pub async fn queue(&self, channel: ChannelId) -> Result<Vec<Queued>> {
        let rows = sqlx::query(
            "SELECT u.id, q.id, q.slug, q.prompt FROM question_queue u JOIN questions q ON q.id = u.question_id
             WHERE u.channel_id = $1 AND q.retired = 0 ORDER BY u.priority, u.id",
        )
        .bind(sf(channel.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Queued {
                    id: r.try_get(0)?,
                    question: r.try_get(1)?,
                    slug: QuestionSlug::parse(&r.try_get::<String, _>(2)?).map_err(corrupt("questions"))?,
                    prompt: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Empties a channel's queue. Returns how many entries it held.
    #[tracing::instrument(skip(self))]
    pub async fn clear_queue(&self, channel: ChannelId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM question_queue WHERE channel_id = $1")
            .bind(sf(channel.0))
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected())
    }
}
