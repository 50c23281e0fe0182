//! Streaks per member per channel (written by [`Store::close_round`]).

use super::{Result, Store, sf, unsf};
use crate::domain::streaks::Streak;
use crate::domain::{ChannelId, GuildId, UserId};
use sqlx::Row;

impl Store {
    /// A member's streak in a channel, with the channel's latest revealed round number.
    #[tracing::instrument(skip(self))]
    pub async fn streak(&self, channel: ChannelId, member: UserId) -> Result<(Streak, u64)> {
        let row = sqlx::query(
            "SELECT s.current, s.best, s.last_round,
                    (SELECT COALESCE(MAX(r.round_number), 0) FROM rounds r WHERE r.channel_id = $1 AND r.kind = 'daily' AND r.state = 'closed')
             FROM streaks s WHERE s.channel_id = $1 AND s.member_id = $2",
        )
        .bind(sf(channel.0))
        .bind(sf(member.0))
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => (
                Streak {
                    current: r.try_get::<i64, _>(0)? as u32,
                    best: r.try_get::<i64, _>(1)? as u32,
                    last_round: r.try_get::<i64, _>(2)? as u64,
                },
                r.try_get::<i64, _>(3)? as u64,
            ),
            None => (Streak::default(), 0),
        })
    }

    /// A member's streaks in every channel of a guild: (channel, streak, latest revealed round).
    #[tracing::instrument(skip(self))]
    pub async fn member_streaks(
        &self,
        guild: GuildId,
        member: UserId,
    ) -> Result<Vec<(ChannelId, Streak, u64)>> {
        let rows = sqlx::query(
            "SELECT s.channel_id, s.current, s.best, s.last_round,
                    (SELECT COALESCE(MAX(r.round_number), 0) FROM rounds r
                      WHERE r.channel_id = s.channel_id AND r.kind = 'daily' AND r.state = 'closed')
             FROM streaks s WHERE s.guild_id = $1 AND s.member_id = $2 ORDER BY s.channel_id",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    ChannelId(unsf(r.try_get(0)?)),
                    Streak {
                        current: r.try_get::<i64, _>(1)? as u32,
                        best: r.try_get::<i64, _>(2)? as u32,
                        last_round: r.try_get::<i64, _>(3)? as u64,
                    },
                    r.try_get::<i64, _>(4)? as u64,
                ))
            })
            .collect()
    }
}
