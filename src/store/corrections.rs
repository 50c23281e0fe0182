//! Admin corrections: points adjustments and disqualified answers, written as ledger lines (the
//! ledger only grows) with the admin, the reason and the interaction that made them, and added to
//! the standings in the same transaction.

use super::{Result, Store, StoreError, from_ms, ms, sf, unsf};
use crate::domain::leaderboard::{Board, Standing};
use crate::domain::round::Round;
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// An admin's correction, as `/dailyq points-log` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Whose points changed.
    pub member: UserId,
    /// By how much.
    pub points: i64,
    /// Who made it.
    pub admin: UserId,
    /// Why.
    pub reason: String,
    /// When (an adjustment) or the round's opening (a disqualification's correction).
    pub at: DateTime<Utc>,
    /// The round a disqualification corrected; `None` for an adjustment.
    pub round_id: Option<i64>,
}

impl Store {
    /// Adds `points` (negative to take away) to a member's guild standing, as an adjustment line
    /// dated `now`. `source` (the interaction's id) makes a retry write nothing. Returns whether
    /// this call wrote it.
    #[tracing::instrument(skip(self))]
    #[allow(clippy::too_many_arguments)]
    pub async fn adjust_points(
        &self,
        guild: GuildId,
        member: UserId,
        points: i64,
        admin: UserId,
        reason: &str,
        source: u64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO score_ledger (guild_id, channel_id, member_id, round_id, kind, points, awarded_at, board,
                 admin_id, reason, source_id)
             VALUES ($1, 0, $2, NULL, 'adjustment', $3, $4, 'daily', $5, $6, $7)
             ON CONFLICT (source_id, member_id) WHERE source_id IS NOT NULL DO NOTHING",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(points)
        .bind(ms(now))
        .bind(sf(admin.0))
        .bind(reason)
        .bind(sf(source))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            let change = Standing {
                member,
                points,
                answers: 0,
            };
            super::standings::apply_round(&mut tx, guild, ChannelId(0), now, &[Board::Daily], &[change])
                .await?;
        }
        tx.commit().await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Disqualifies an answer: withdrawn with its votes, and never restored by an edit or the
    /// reveal. For a round already revealed, `changes` (what removing it changes in each
    /// member's points, from `domain::scoring::award_changes`) are written as correction lines
    /// dated by the round's opening. Returns `false` (and writes nothing) when the answer was
    /// already disqualified.
    #[tracing::instrument(skip(self, changes))]
    #[allow(clippy::too_many_arguments)]
    pub async fn disqualify_answer(
        &self,
        round: &Round,
        message: MessageId,
        changes: &[Standing],
        admin: UserId,
        reason: &str,
        source: u64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        // Streaks may be recomputed below: the channel's closers wait (PostgreSQL).
        self.lock_channel(&mut tx, round.channel_id).await?;
        let marked = sqlx::query(
            "UPDATE answers SET disqualified_at = $2, withdrawn_at = COALESCE(withdrawn_at, $2)
             WHERE message_id = $1 AND round_id = $3 AND disqualified_at IS NULL",
        )
        .bind(sf(message.0))
        .bind(ms(now))
        .bind(round.id)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for table in ["votes", "late_votes"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE answer_message_id = $1"
            )))
            .bind(sf(message.0))
            .execute(&mut *tx)
            .await?;
        }
        if !changes.is_empty() {
            let board = round.kind.board();
            let boards = super::rounds::boards_of(&mut tx, round).await?;
            let mut written = Vec::new();
            for c in changes {
                let inserted = sqlx::query(
                    "INSERT INTO score_ledger (guild_id, channel_id, member_id, round_id, kind, points, awarded_at,
                         board, also_daily, admin_id, reason, source_id, answers_delta)
                     VALUES ($1, $2, $3, $4, 'correction', $5, $6, $7, $8, $9, $10, $11, $12)
                     ON CONFLICT (source_id, member_id) WHERE source_id IS NOT NULL DO NOTHING",
                )
                .bind(sf(round.guild_id.0))
                .bind(sf(round.channel_id.0))
                .bind(sf(c.member.0))
                .bind(round.id)
                .bind(c.points)
                .bind(ms(round.opens_at))
                .bind(board.as_str())
                .bind(i64::from(boards.contains(&Board::Daily) && board != Board::Daily))
                .bind(sf(admin.0))
                .bind(reason)
                .bind(sf(source))
                .bind(c.answers)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 1 {
                    written.push(c.clone());
                }
            }
            super::standings::apply_round(
                &mut tx,
                round.guild_id,
                round.channel_id,
                round.opens_at,
                boards,
                &written,
            )
            .await?;
            // A revealed daily round that no longer counts as answered can break a streak.
            if round.kind.keeps_streaks() && written.iter().any(|c| c.answers != 0) {
                super::rounds::recompute_channel_streaks(&mut tx, round).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The guild's corrections, newest first (at most `limit`), optionally of one member.
    #[tracing::instrument(skip(self))]
    pub async fn points_log(
        &self,
        guild: GuildId,
        member: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<Correction>> {
        let rows = sqlx::query(
            "SELECT member_id, points, admin_id, reason, awarded_at, round_id FROM score_ledger
             WHERE guild_id = $1 AND kind IN ('adjustment', 'correction') AND ($2 = 0 OR member_id = $2)
             ORDER BY id DESC LIMIT $3",
        )
        .bind(sf(guild.0))
        .bind(member.map_or(0, |m| sf(m.0)))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Correction {
                    member: UserId(unsf(r.try_get(0)?)),
                    points: r.try_get(1)?,
                    admin: UserId(unsf(r.try_get::<Option<i64>, _>(2)?.ok_or(
                        StoreError::Corrupt {
                            table: "score_ledger",
                            problem: "a correction without its admin".to_owned(),
                        },
                    )?)),
                    reason: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                    at: from_ms("score_ledger", r.try_get(4)?)?,
                    round_id: r.try_get(5)?,
                })
            })
            .collect()
    }
}
