//! The score ledger and the leaderboards read from it.

use super::{Result, Store, ms, sf, unsf};
use crate::domain::leaderboard::{AnswerTally, MemberStats, Standing};
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

    /// A member's answer statistics in a guild: answered rounds from the kept all-time
    /// standing, and one pass over the member's answers (each with its ⬆️ count from the
    /// votes' primary key) for upvotes, best answer and categories.
    #[tracing::instrument(skip(self))]
    pub async fn member_stats(&self, guild: GuildId, member: UserId) -> Result<MemberStats> {
        let answers: i64 = sqlx::query(
            "SELECT answers FROM standings
             WHERE guild_id = $1 AND channel_id = 0 AND bucket = 'all' AND member_id = $2",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_optional(self.pool())
        .await?
        .map(|row| row.try_get(0))
        .transpose()?
        .unwrap_or(0);
        let rows = sqlx::query(
            "SELECT a.message_id, r.id, r.thread_id, q.category,
                    (SELECT COUNT(*) FROM votes v WHERE v.answer_message_id = a.message_id)
             FROM answers a
             JOIN rounds r ON r.id = a.round_id
             JOIN questions q ON q.id = r.question_id
             WHERE a.author_id = $2 AND a.withdrawn_at IS NULL AND r.guild_id = $1",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_all(self.pool())
        .await?;
        let tallies = rows
            .iter()
            .map(|r| {
                Ok(AnswerTally {
                    message: MessageId(unsf(r.try_get(0)?)),
                    round_id: r.try_get(1)?,
                    thread: r.try_get::<Option<i64>, _>(2)?.map(|t| ChannelId(unsf(t))),
                    category: r.try_get(3)?,
                    votes: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MemberStats::from_answers(answers, &tallies))
    }
}
