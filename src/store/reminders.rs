//! Reminders: who opted in per channel, who of them still has to answer a round (with the
//! streak they would lose), and the round's reminder posted once.

use super::{Result, Store, ms, sf, unsf};
use crate::domain::round::Round;
use crate::domain::{ChannelId, GuildId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

impl Store {
    /// Turns a member's reminders in a channel on, or off when they were on. Returns whether
    /// they are on now.
    #[tracing::instrument(skip(self))]
    pub async fn toggle_reminders(
        &self,
        guild: GuildId,
        channel: ChannelId,
        member: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM reminder_subscriptions WHERE channel_id = $1 AND member_id = $2")
                .bind(sf(channel.0))
                .bind(sf(member.0))
                .execute(&mut *tx)
                .await?;
        if removed.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO reminder_subscriptions (channel_id, member_id, guild_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(sf(channel.0))
            .bind(sf(member.0))
            .bind(sf(guild.0))
            .bind(ms(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(removed.rows_affected() == 0)
    }

    /// The members to remind of a round: opted in to its channel and without an answer that
    /// counts yet, each with the streak they would keep by answering (their run is alive when
    /// their last answered round is the channel's latest revealed one).
    #[tracing::instrument(skip(self))]
    pub async fn reminder_targets(&self, round: &Round) -> Result<Vec<(UserId, Option<u32>)>> {
        let rows = sqlx::query(
            "SELECT s.member_id,
                    CASE WHEN k.last_round = (SELECT MAX(r.round_number) FROM rounds r
                                              WHERE r.channel_id = s.channel_id AND r.kind = 'daily' AND r.state = 'closed')
                         THEN k.current ELSE 0 END
             FROM reminder_subscriptions s
             LEFT JOIN streaks k ON k.channel_id = s.channel_id AND k.member_id = s.member_id
             WHERE s.channel_id = $1
               AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.round_id = $2 AND a.author_id = s.member_id AND a.withdrawn_at IS NULL)
               AND NOT EXISTS (SELECT 1 FROM sealed_answers b WHERE b.round_id = $2 AND b.member_id = s.member_id)
             ORDER BY s.member_id",
        )
        .bind(sf(round.channel_id.0))
        .bind(round.id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let streak: Option<i64> = r.try_get(1)?;
                Ok((
                    UserId(unsf(r.try_get(0)?)),
                    streak.filter(|s| *s > 0).map(|s| s as u32),
                ))
            })
            .collect()
    }

    /// Counts an attempt to post a round's reminder and returns how many were made before.
    #[tracing::instrument(skip(self))]
    pub async fn begin_reminder(&self, id: i64) -> Result<u32> {
        let row = sqlx::query(
            "UPDATE rounds SET reminder_attempts = reminder_attempts + 1 WHERE id = $1 RETURNING reminder_attempts",
        )
        .bind(id)
        .fetch_one(self.writer()?)
        .await?;
        Ok(row.try_get::<i64, _>(0)?.saturating_sub(1) as u32)
    }

    /// Marks a round's reminder as done (posted, or skipped for good).
    #[tracing::instrument(skip(self))]
    pub async fn finish_reminder(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE rounds SET reminded = 1 WHERE id = $1")
            .bind(id)
            .execute(self.writer()?)
            .await?;
        Ok(())
    }
}
