//! The score ledger and the leaderboards read from it.

use super::{Result, Store, ms, sf, unsf};
use crate::domain::leaderboard::{MemberStats, Standing};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Store {
    /// Every member's points and answered rounds in `[from, to)` (all time when `None`),
    /// optionally in one channel. Unsorted; rank with [`crate::domain::leaderboard::rank`].
    #[tracing::instrument(skip(self))]
    pub async fn standings(
        &self,
        guild: GuildId,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
        channel: Option<ChannelId>,
    ) -> Result<Vec<Standing>> {
        let (from, to) = period.map_or((i64::MIN, i64::MAX), |(f, t)| (ms(f), ms(t)));
        let rows = sqlx::query(
            "SELECT member_id, CAST(SUM(points) AS BIGINT),
                    CAST(SUM(CASE WHEN kind = 'answer' THEN 1 ELSE 0 END) AS BIGINT)
             FROM score_ledger
             WHERE guild_id = $1 AND awarded_at >= $2 AND awarded_at < $3 AND ($4 = 0 OR channel_id = $4)
             GROUP BY member_id",
        )
        .bind(sf(guild.0))
        .bind(from)
        .bind(to)
        .bind(channel.map_or(0, |c| sf(c.0)))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Standing {
                    member: UserId(unsf(row.try_get(0)?)),
                    points: row.try_get(1)?,
                    answers: row.try_get(2)?,
                })
            })
            .collect()
    }

    /// Ledger lines of one round: (member, kind, points), for checks and summaries.
    #[tracing::instrument(skip(self))]
    pub async fn round_awards(&self, round_id: i64) -> Result<Vec<(UserId, String, i64)>> {
        let rows = sqlx::query(
            "SELECT member_id, kind, points FROM score_ledger WHERE round_id = $1 ORDER BY member_id, kind",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((UserId(unsf(r.try_get(0)?)), r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// A member's answer statistics in a guild.
    #[tracing::instrument(skip(self))]
    pub async fn member_stats(&self, guild: GuildId, member: UserId) -> Result<MemberStats> {
        let answers: i64 = sqlx::query(
            "SELECT COUNT(*) FROM score_ledger WHERE guild_id = $1 AND member_id = $2 AND kind = 'answer'",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let votes_received: i64 = sqlx::query(
            "SELECT COUNT(*) FROM votes v
             JOIN answers a ON a.message_id = v.answer_message_id
             JOIN rounds r ON r.id = a.round_id
             WHERE r.guild_id = $1 AND a.author_id = $2 AND a.withdrawn_at IS NULL",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let best = sqlx::query(
            "SELECT a.message_id, r.thread_id, COUNT(v.voter_id) AS n FROM answers a
             JOIN rounds r ON r.id = a.round_id
             LEFT JOIN votes v ON v.answer_message_id = a.message_id
             WHERE r.guild_id = $1 AND a.author_id = $2 AND a.withdrawn_at IS NULL AND r.thread_id IS NOT NULL
             GROUP BY a.message_id, r.thread_id
             ORDER BY n DESC, a.message_id
             LIMIT 1",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_optional(self.pool())
        .await?;
        let best_answer = best
            .map(|r| -> Result<_> {
                Ok((
                    MessageId(unsf(r.try_get(0)?)),
                    ChannelId(unsf(r.try_get(1)?)),
                    r.try_get::<i64, _>(2)?,
                ))
            })
            .transpose()?
            .filter(|(_, _, n)| *n > 0);
        let rows = sqlx::query(
            "SELECT q.category, COUNT(DISTINCT r.id) AS n FROM answers a
             JOIN rounds r ON r.id = a.round_id
             JOIN questions q ON q.id = r.question_id
             WHERE r.guild_id = $1 AND a.author_id = $2 AND a.withdrawn_at IS NULL
             GROUP BY q.category
             ORDER BY n DESC, q.category",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_all(self.pool())
        .await?;
        let per_category = rows
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(MemberStats {
            answers,
            votes_received,
            best_answer,
            per_category,
        })
    }
}
