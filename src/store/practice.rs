//! Solo practice: what each member practised and their review queue.

use super::{Result, Store, from_ms, ms, sf};
use crate::domain::practice::{Review, SelfMark, next_review};
use crate::domain::rotation::Candidate;
use crate::domain::{GuildId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Store {
    /// The live questions a member of `guild` can practise, each with how many times it was
    /// shown to them (as `times_asked`, for [`crate::domain::practice::pick_solo`]).
    #[tracing::instrument(skip(self))]
    pub async fn solo_candidates(&self, guild: GuildId, member: UserId) -> Result<Vec<Candidate<i64>>> {
        let rows = sqlx::query(
            "SELECT q.id, q.slug, q.category, q.difficulty, COALESCE(p.shown, 0)
             FROM questions q
             LEFT JOIN solo_practice p ON p.question_id = q.id AND p.guild_id = $1 AND p.member_id = $2
             WHERE q.retired = 0 AND q.owner_guild_id IN (0, $1)",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(super::questions::candidate_from_row).collect()
    }

    /// The member's queued questions due by `now`, the longest overdue first.
    #[tracing::instrument(skip(self))]
    pub async fn due_reviews(&self, guild: GuildId, member: UserId, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT question_id FROM solo_practice
             WHERE guild_id = $1 AND member_id = $2 AND review_due IS NOT NULL AND review_due <= $3
             ORDER BY review_due, question_id",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(ms(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Records that `question` was shown to the member for solo practice.
    #[tracing::instrument(skip(self))]
    pub async fn record_solo_shown(
        &self,
        guild: GuildId,
        member: UserId,
        question: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO solo_practice (guild_id, member_id, question_id, shown, last_shown_at)
             VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (guild_id, member_id, question_id) DO UPDATE
             SET shown = solo_practice.shown + 1, last_shown_at = excluded.last_shown_at",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(question)
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// Applies the member's own mark to `question` and returns its new place in their review
    /// queue (`None`: not queued). Read and write happen in one transaction.
    #[tracing::instrument(skip(self))]
    pub async fn mark_solo(
        &self,
        guild: GuildId,
        member: UserId,
        question: i64,
        mark: SelfMark,
        now: DateTime<Utc>,
    ) -> Result<Option<Review>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT review_step, review_due FROM solo_practice
             WHERE guild_id = $1 AND member_id = $2 AND question_id = $3",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(question)
        .fetch_optional(&mut *tx)
        .await?;
        let current = match row {
            Some(r) => match (r.try_get::<Option<i64>, _>(0)?, r.try_get::<Option<i64>, _>(1)?) {
                (Some(step), Some(due)) => Some(Review {
                    step: usize::try_from(step).map_err(|_| super::StoreError::Corrupt {
                        table: "solo_practice",
                        problem: format!("review step {step}"),
                    })?,
                    due: from_ms("solo_practice", due)?,
                }),
                _ => None,
            },
            None => None,
        };
        let next = next_review(current, mark, now);
        sqlx::query(
            "INSERT INTO solo_practice (guild_id, member_id, question_id, shown, last_shown_at, review_step, review_due)
             VALUES ($1, $2, $3, 0, $4, $5, $6)
             ON CONFLICT (guild_id, member_id, question_id) DO UPDATE
             SET review_step = excluded.review_step, review_due = excluded.review_due",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(question)
        .bind(ms(now))
        .bind(next.map(|r| r.step as i64))
        .bind(next.map(|r| ms(r.due)))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// How many questions of each category the member practised alone, most first.
    #[tracing::instrument(skip(self))]
    pub async fn solo_practised_per_category(
        &self,
        guild: GuildId,
        member: UserId,
    ) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT q.category, CAST(COUNT(*) AS BIGINT) AS n FROM solo_practice p
             JOIN questions q ON q.id = p.question_id
             WHERE p.guild_id = $1 AND p.member_id = $2 AND p.shown > 0
             GROUP BY q.category
             ORDER BY n DESC, q.category",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect()
    }
}
