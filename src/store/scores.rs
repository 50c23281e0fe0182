//! The score ledger and the leaderboards read from it.

use super::{Result, Store, ms, sf, unsf};
use crate::domain::leaderboard::Standing;
use crate::domain::{ChannelId, GuildId, UserId};
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
}
