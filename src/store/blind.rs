//! Blind rounds: sealed answers until the answer deadline, then their published order and
//! messages, each published one recorded as the member's answer in the same transaction.

use super::{Result, Store, corrupt, from_ms, ms, sf, unsf};
use crate::domain::blind::SealedAnswer;
use crate::domain::{GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What became of a sealed answer sent through the modal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// The member's first answer to the round.
    New,
    /// It replaced the member's earlier answer.
    Changed,
    /// The round no longer takes answers (publishing began, or it is closed): nothing written.
    Closed,
}

fn sealed_from_row(row: &AnyRow) -> Result<SealedAnswer> {
    Ok(SealedAnswer {
        round_id: row.try_get(0)?,
        member: UserId(unsf(row.try_get(1)?)),
        content: row.try_get(2)?,
        submitted_at: from_ms("sealed_answers", row.try_get(3)?)?,
        edited_at: row
            .try_get::<Option<i64>, _>(4)?
            .map(|v| from_ms("sealed_answers", v))
            .transpose()?,
        position: row
            .try_get::<Option<i64>, _>(5)?
            .map(u32::try_from)
            .transpose()
            .map_err(corrupt("sealed_answers"))?,
        message_id: row.try_get::<Option<i64>, _>(6)?.map(|v| MessageId(unsf(v))),
    })
}

impl Store {
    /// Keeps `member`'s sealed answer to a blind round (or replaces it), sent at `at` by
    /// Discord's clock, only while the round is open and publishing has not begun; both are
    /// checked in the writing transaction, so an answer never slips in beside a publish.
    #[tracing::instrument(skip(self, content))]
    pub async fn seal_answer(
        &self,
        round_id: i64,
        guild: GuildId,
        member: UserId,
        content: &str,
        at: DateTime<Utc>,
    ) -> Result<Sealed> {
        let mut tx = self.begin_write().await?;
        let open = sqlx::query(
            "SELECT 1 FROM rounds WHERE id = $1 AND state = 'open' AND publish_attempts = 0
               AND answers_close_at IS NOT NULL AND answers_close_at > $2",
        )
        .bind(round_id)
        .bind(ms(at))
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !open {
            return Ok(Sealed::Closed);
        }
        let changed = sqlx::query(
            "UPDATE sealed_answers SET content = $3, edited_at = $4 WHERE round_id = $1 AND member_id = $2",
        )
        .bind(round_id)
        .bind(sf(member.0))
        .bind(content)
        .bind(ms(at))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !changed {
            sqlx::query(
                "INSERT INTO sealed_answers (round_id, member_id, guild_id, content, submitted_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(round_id)
            .bind(sf(member.0))
            .bind(sf(guild.0))
            .bind(content)
            .bind(ms(at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(if changed { Sealed::Changed } else { Sealed::New })
    }

    /// A member's sealed answer to a round, if any.
    #[tracing::instrument(skip(self))]
    pub async fn sealed_answer(&self, round_id: i64, member: UserId) -> Result<Option<SealedAnswer>> {
        let row = sqlx::query(
            "SELECT round_id, member_id, content, submitted_at, edited_at, position, message_id
             FROM sealed_answers WHERE round_id = $1 AND member_id = $2",
        )
        .bind(round_id)
        .bind(sf(member.0))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(sealed_from_row).transpose()
    }

    /// Every sealed answer of a round, in published order once it is drawn (by member before).
    #[tracing::instrument(skip(self))]
    pub async fn sealed_answers(&self, round_id: i64) -> Result<Vec<SealedAnswer>> {
        let rows = sqlx::query(
            "SELECT round_id, member_id, content, submitted_at, edited_at, position, message_id
             FROM sealed_answers WHERE round_id = $1 ORDER BY position, member_id",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(sealed_from_row).collect()
    }

    /// How many members sent a sealed answer to a round.
    #[tracing::instrument(skip(self))]
    pub async fn sealed_answer_count(&self, round_id: i64) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM sealed_answers WHERE round_id = $1")
            .bind(round_id)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Seals a blind round (no answer is taken after this) and counts a publishing attempt.
    /// Returns how many attempts came before this one.
    #[tracing::instrument(skip(self))]
    pub async fn begin_publish(&self, round_id: i64) -> Result<u32> {
        let row = sqlx::query(
            "UPDATE rounds SET publish_attempts = publish_attempts + 1 WHERE id = $1 RETURNING publish_attempts",
        )
        .bind(round_id)
        .fetch_one(self.writer()?)
        .await?;
        Ok(u32::try_from(row.try_get::<i64, _>(0)? - 1).unwrap_or(0))
    }

    /// Gives a round's sealed answers their published places (1-based, `order` lists the
    /// members), unless they have them already: a retry keeps the first order.
    #[tracing::instrument(skip(self, order))]
    pub async fn order_sealed_answers(&self, round_id: i64, order: &[UserId]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (i, member) in order.iter().enumerate() {
            sqlx::query(
                "UPDATE sealed_answers SET position = $3 WHERE round_id = $1 AND member_id = $2 AND position IS NULL",
            )
            .bind(round_id)
            .bind(sf(member.0))
            .bind(i as i64 + 1)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that `message` published `answer`: the sealed answer keeps the message, and the
    /// message becomes the member's answer to the round (dated by the first submission), in one
    /// transaction. Idempotent.
    #[tracing::instrument(skip(self, answer), fields(round = answer.round_id))]
    pub async fn record_published_answer(&self, answer: &SealedAnswer, message: MessageId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE sealed_answers SET message_id = $3 WHERE round_id = $1 AND member_id = $2 AND message_id IS NULL",
        )
        .bind(answer.round_id)
        .bind(sf(answer.member.0))
        .bind(sf(message.0))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO answers (message_id, round_id, author_id, content, created_at, edited_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(sf(message.0))
        .bind(answer.round_id)
        .bind(sf(answer.member.0))
        .bind(&answer.content)
        .bind(ms(answer.submitted_at))
        .bind(answer.edited_at.map(ms))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks a blind round's answers all published (its vote phase is on).
    #[tracing::instrument(skip(self))]
    pub async fn finish_publish(&self, round_id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE rounds SET published_at = $2 WHERE id = $1 AND published_at IS NULL")
            .bind(round_id)
            .bind(ms(now))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }
}
