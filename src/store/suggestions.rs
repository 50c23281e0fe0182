//! Member suggestions: kept while they wait for review, decided once (an approval adds the
//! server's question in the same transaction).

use super::questions::insert_own_question;
use super::{Result, Store, corrupt, from_ms, ms, sf, unsf};
use crate::domain::question::{Category, Question, QuestionSlug};
use crate::domain::suggestions::{MAX_PENDING, Suggestion, SuggestionState};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

fn suggestion_from_row(row: &AnyRow) -> Result<(GuildId, Suggestion)> {
    Ok((
        GuildId(unsf(row.try_get(1)?)),
        Suggestion {
            id: row.try_get(0)?,
            member: UserId(unsf(row.try_get(2)?)),
            prompt: row.try_get(3)?,
            answer: row.try_get(4)?,
            category: Category::parse(&row.try_get::<String, _>(5)?).map_err(corrupt("suggestions"))?,
            state: SuggestionState::parse(&row.try_get::<String, _>(6)?).map_err(corrupt("suggestions"))?,
            created_at: from_ms("suggestions", row.try_get(7)?)?,
            review_message: row.try_get::<Option<i64>, _>(8)?.map(|m| MessageId(unsf(m))),
            reason: row.try_get(9)?,
        },
    ))
}

impl Store {
    /// How many of a member's suggestions wait for review, and when they last suggested.
    #[tracing::instrument(skip(self))]
    pub async fn suggestion_limits(
        &self,
        guild: GuildId,
        member: UserId,
    ) -> Result<(u32, Option<DateTime<Utc>>)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), MAX(created_at)
             FROM suggestions WHERE guild_id = $1 AND member_id = $2",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_one(self.pool())
        .await?;
        let pending: i64 = row.try_get(0)?;
        let last = row
            .try_get::<Option<i64>, _>(1)?
            .map(|v| from_ms("suggestions", v))
            .transpose()?;
        Ok((u32::try_from(pending).unwrap_or(u32::MAX), last))
    }

    /// Keeps a suggestion for review in `review_channel`, unless the member already has
    /// [`MAX_PENDING`] waiting (checked in the writing transaction). Returns its key.
    #[tracing::instrument(skip(self, prompt, answer))]
    #[allow(clippy::too_many_arguments)]
    pub async fn add_suggestion(
        &self,
        guild: GuildId,
        member: UserId,
        prompt: &str,
        answer: Option<&str>,
        category: &Category,
        review_channel: ChannelId,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) FROM suggestions WHERE guild_id = $1 AND member_id = $2 AND state = 'pending'",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if pending >= i64::from(MAX_PENDING) {
            tx.rollback().await?;
            return Ok(None);
        }
        let row = sqlx::query(
            "INSERT INTO suggestions (guild_id, member_id, prompt, answer, category, created_at, review_channel_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(prompt)
        .bind(answer)
        .bind(category.as_str())
        .bind(ms(now))
        .bind(sf(review_channel.0))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(row.try_get(0)?))
    }

    /// Records a suggestion's message in the review channel.
    #[tracing::instrument(skip(self))]
    pub async fn set_suggestion_message(&self, id: i64, message: MessageId) -> Result<()> {
        sqlx::query("UPDATE suggestions SET review_message_id = $2 WHERE id = $1")
            .bind(id)
            .bind(sf(message.0))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// Forgets a suggestion that never reached the review channel.
    #[tracing::instrument(skip(self))]
    pub async fn drop_suggestion(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM suggestions WHERE id = $1 AND review_message_id IS NULL")
            .bind(id)
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// A suggestion and its guild.
    #[tracing::instrument(skip(self))]
    pub async fn suggestion(&self, id: i64) -> Result<Option<(GuildId, Suggestion)>> {
        let row = sqlx::query(
            "SELECT id, guild_id, member_id, prompt, answer, category, state, created_at, review_message_id, reason
             FROM suggestions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(suggestion_from_row).transpose()
    }

    /// Prompts a suggestion may repeat: the guild's live questions and shipped ones (by id), and
    /// the suggestions waiting for review (as `suggestion N`).
    #[tracing::instrument(skip(self))]
    pub async fn prompts_to_compare(&self, guild: GuildId) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT slug, prompt FROM questions WHERE retired = 0 AND owner_guild_id IN (0, $1)
             UNION ALL
             SELECT 'suggestion ' || CAST(id AS TEXT), prompt FROM suggestions WHERE guild_id = $1 AND state = 'pending'",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Approves a pending suggestion, once: it becomes the guild's question `q` (under the next
    /// `own-N` id, crediting the member), in one transaction. `None` when it was decided already.
    #[tracing::instrument(skip(self, q))]
    pub async fn approve_suggestion(
        &self,
        id: i64,
        guild: GuildId,
        q: &Question,
        editor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<QuestionSlug>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "UPDATE suggestions SET state = 'approved', decided_at = $3, decided_by = $4
             WHERE id = $1 AND guild_id = $2 AND state = 'pending' RETURNING member_id",
        )
        .bind(id)
        .bind(sf(guild.0))
        .bind(ms(now))
        .bind(sf(editor.0))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let member = UserId(unsf(row.try_get(0)?));
        let (key, slug) = insert_own_question(&mut tx, guild, q, editor, Some(member), now).await?;
        sqlx::query("UPDATE suggestions SET question_id = $2 WHERE id = $1")
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(slug))
    }

    /// Rejects a pending suggestion with a reason, once. Returns whether this call decided it.
    #[tracing::instrument(skip(self, reason))]
    pub async fn reject_suggestion(
        &self,
        id: i64,
        guild: GuildId,
        reason: &str,
        editor: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE suggestions SET state = 'rejected', reason = $3, decided_at = $4, decided_by = $5
             WHERE id = $1 AND guild_id = $2 AND state = 'pending'",
        )
        .bind(id)
        .bind(sf(guild.0))
        .bind(reason)
        .bind(ms(now))
        .bind(sf(editor.0))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who suggested a question, if a member did.
    #[tracing::instrument(skip(self))]
    pub async fn question_suggested_by(&self, question: i64) -> Result<Option<UserId>> {
        let row = sqlx::query("SELECT suggested_by FROM questions WHERE id = $1")
            .bind(question)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<i64>, _>(0))
            .transpose()?
            .flatten()
            .map(|m| UserId(unsf(m))))
    }
}
