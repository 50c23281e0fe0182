//! Answers: messages in a round's thread.

use super::{Result, Store, from_ms, ms, sf, unsf};
use crate::domain::round::Answer;
use crate::domain::{MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

fn answer_from_row(row: &AnyRow) -> Result<Answer> {
    Ok(Answer {
        message_id: MessageId(unsf(row.try_get(0)?)),
        round_id: row.try_get(1)?,
        author_id: UserId(unsf(row.try_get(2)?)),
        content: row.try_get(3)?,
        created_at: from_ms("answers", row.try_get(4)?)?,
        edited_at: row
            .try_get::<Option<i64>, _>(5)?
            .map(|v| from_ms("answers", v))
            .transpose()?,
        withdrawn_at: row
            .try_get::<Option<i64>, _>(6)?
            .map(|v| from_ms("answers", v))
            .transpose()?,
    })
}

impl Store {
    /// Records an answer; a message seen twice (event replay, reconciliation) is recorded once.
    /// Returns whether this call recorded it.
    #[tracing::instrument(skip(self, content))]
    pub async fn record_answer(
        &self,
        round_id: i64,
        message: MessageId,
        author: UserId,
        content: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO answers (message_id, round_id, author_id, content, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(sf(message.0))
        .bind(round_id)
        .bind(sf(author.0))
        .bind(content)
        .bind(ms(at))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Updates an answer's text after an edit.
    #[tracing::instrument(skip(self, content))]
    pub async fn edit_answer(
        &self,
        message: MessageId,
        content: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE answers SET content = $2, edited_at = $3 WHERE message_id = $1 AND withdrawn_at IS NULL",
        )
        .bind(sf(message.0))
        .bind(content)
        .bind(ms(at))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts a withdrawn answer again (a short message edited up to the minimum length), with
    /// its new text. Returns whether this call restored it.
    #[tracing::instrument(skip(self, content))]
    pub async fn restore_answer(
        &self,
        message: MessageId,
        content: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE answers SET withdrawn_at = NULL, content = $2, edited_at = $3
             WHERE message_id = $1 AND withdrawn_at IS NOT NULL AND disqualified_at IS NULL",
        )
        .bind(sf(message.0))
        .bind(content)
        .bind(ms(at))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Withdraws a deleted answer and removes its votes, in one transaction.
    #[tracing::instrument(skip(self))]
    pub async fn withdraw_answer(&self, message: MessageId, at: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE answers SET withdrawn_at = $2 WHERE message_id = $1 AND withdrawn_at IS NULL",
        )
        .bind(sf(message.0))
        .bind(ms(at))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM votes WHERE answer_message_id = $1")
            .bind(sf(message.0))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// An answer by its message.
    #[tracing::instrument(skip(self))]
    pub async fn answer(&self, message: MessageId) -> Result<Option<Answer>> {
        let row = sqlx::query(
            "SELECT message_id, round_id, author_id, content, created_at, edited_at, withdrawn_at
             FROM answers WHERE message_id = $1",
        )
        .bind(sf(message.0))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(answer_from_row).transpose()
    }

    /// Every answer recorded for a round, withdrawn ones included, by message.
    #[tracing::instrument(skip(self))]
    pub async fn round_answers_all(
        &self,
        round_id: i64,
    ) -> Result<std::collections::BTreeMap<MessageId, Answer>> {
        let rows = sqlx::query(
            "SELECT message_id, round_id, author_id, content, created_at, edited_at, withdrawn_at
             FROM answers WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| answer_from_row(r).map(|a| (a.message_id, a)))
            .collect()
    }

    /// A round's answers that still count, oldest first.
    #[tracing::instrument(skip(self))]
    pub async fn round_answers(&self, round_id: i64) -> Result<Vec<Answer>> {
        let rows = sqlx::query(
            "SELECT message_id, round_id, author_id, content, created_at, edited_at, withdrawn_at
             FROM answers WHERE round_id = $1 AND withdrawn_at IS NULL ORDER BY created_at, message_id",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(answer_from_row).collect()
    }
}
