//! Rounds: claimed once per channel and local date, posted, revealed once.

use super::{Backend, Result, Store, StoreError, corrupt, from_ms, ms, sf, unsf};
use crate::domain::leaderboard::Board;
use crate::domain::leaderboard::standing_changes;
use crate::domain::round::{PUBLISH_GRACE, Round, RoundKind, RoundState};
use crate::domain::scoring::{Award, AwardKind};
use crate::domain::streaks::{Streak, recompute};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// The columns [`round_from_row`] reads, in order, then `$rest`.
macro_rules! select_rounds {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, r.guild_id, r.channel_id, r.question_id, r.round_number, r.scheduled_date, r.state, ",
            "r.nonce, r.message_id, r.thread_id, r.opens_at, r.closes_at, r.revealed_at, ",
            "r.answer_message_id, r.summary_message_id, r.post_attempts, r.reveal_attempts, r.kind, r.slot, ",
            "r.session_id, r.remind_at, r.answers_close_at, r.published_at, r.publish_attempts FROM rounds r ",
            $rest
        )
    };
}

fn round_from_row(row: &AnyRow) -> Result<Round> {
    let number: i64 = row.try_get(4)?;
    let date: String = row.try_get(5)?;
    let kind: String = row.try_get(17)?;
    let slot: String = row.try_get(18)?;
    let session: Option<i64> = row.try_get(19)?;
    Ok(Round {
        kind: RoundKind::parse(&kind, &slot, session).map_err(corrupt("rounds"))?,
        id: row.try_get(0)?,
        guild_id: GuildId(unsf(row.try_get(1)?)),
        channel_id: ChannelId(unsf(row.try_get(2)?)),
        question_id: row.try_get(3)?,
        number: u64::try_from(number).map_err(corrupt("rounds"))?,
        scheduled_date: date.parse::<NaiveDate>().map_err(corrupt("rounds"))?,
        state: row.try_get::<String, _>(6)?.parse().map_err(corrupt("rounds"))?,
        nonce: row.try_get(7)?,
        message_id: row.try_get::<Option<i64>, _>(8)?.map(|v| MessageId(unsf(v))),
        thread_id: row.try_get::<Option<i64>, _>(9)?.map(|v| ChannelId(unsf(v))),
        opens_at: from_ms("rounds", row.try_get(10)?)?,
        closes_at: from_ms("rounds", row.try_get(11)?)?,
        revealed_at: row
            .try_get::<Option<i64>, _>(12)?
            .map(|v| from_ms("rounds", v))
            .transpose()?,
        answer_message_id: row.try_get::<Option<i64>, _>(13)?.map(|v| MessageId(unsf(v))),
        summary_message_id: row.try_get::<Option<i64>, _>(14)?.map(|v| MessageId(unsf(v))),
        post_attempts: u32::try_from(row.try_get::<i64, _>(15)?).map_err(corrupt("rounds"))?,
        reveal_attempts: u32::try_from(row.try_get::<i64, _>(16)?).map_err(corrupt("rounds"))?,
        remind_at: row
            .try_get::<Option<i64>, _>(20)?
            .map(|v| from_ms("rounds", v))
            .transpose()?,
        answers_close_at: row
            .try_get::<Option<i64>, _>(21)?
            .map(|v| from_ms("rounds", v))
            .transpose()?,
        published_at: row
            .try_get::<Option<i64>, _>(22)?
            .map(|v| from_ms("rounds", v))
            .transpose()?,
        publish_attempts: u32::try_from(row.try_get::<i64, _>(23)?).map_err(corrupt("rounds"))?,
    })
}

/// What is needed to claim a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRound {
    /// The guild.
    pub guild_id: GuildId,
    /// The channel.
    pub channel_id: ChannelId,
    /// A daily round, or which question of which practice session.
    pub kind: RoundKind,
    /// The question's database key.
    pub question_id: i64,
    /// The local date the round belongs to.
    pub scheduled_date: NaiveDate,
    /// When answers open (the post time).
    pub opens_at: DateTime<Utc>,
    /// When it is revealed.
    pub closes_at: DateTime<Utc>,
    /// When opted-in members are reminded, if at all.
    pub remind_at: Option<DateTime<Utc>>,
    /// A blind round's answer deadline (`closes_at` is then the end of its vote phase).
    pub answers_close_at: Option<DateTime<Utc>>,
    /// The queue entry the question comes from, removed when the round is claimed.
    pub queued: Option<i64>,
}

impl Store {
    /// Claims the round of `new.channel_id` in its slot (a daily round's date, a practice
    /// question's session and place). Returns it when this call created it, `None` when it
    /// already existed (another process or an earlier attempt claimed it).
    #[tracing::instrument(skip(self))]
    pub async fn claim_round(&self, new: &NewRound, now: DateTime<Utc>) -> Result<Option<Round>> {
        let mut tx = self.begin_write().await?;
        // Two processes claiming two slots of one channel would compute the same round number;
        // the channel lock makes the second wait and read the first one's row.
        self.lock_channel(&mut tx, new.channel_id).await?;
        let row = sqlx::query(
            "INSERT INTO rounds (guild_id, channel_id, question_id, kind, session_id, round_number, slot,
                 scheduled_date, state, nonce, opens_at, closes_at, created_at, remind_at, answers_close_at)
             SELECT $1, $2, $3, $9, $10, COALESCE(MAX(round_number), 0) + 1, $11, $4, 'pending', $5, $6, $7, $8, $12, $13
             FROM rounds WHERE channel_id = $2 AND kind = $9
             ON CONFLICT (channel_id, slot) DO NOTHING
             RETURNING id",
        )
        .bind(sf(new.guild_id.0))
        .bind(sf(new.channel_id.0))
        .bind(new.question_id)
        .bind(new.scheduled_date.to_string())
        .bind(new.kind.post_nonce(new.channel_id, new.scheduled_date))
        .bind(ms(new.opens_at))
        .bind(ms(new.closes_at))
        .bind(ms(now))
        .bind(new.kind.as_str())
        .bind(new.kind.session())
        .bind(new.kind.slot(new.scheduled_date))
        .bind(new.remind_at.map(ms))
        .bind(new.answers_close_at.map(ms))
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some(_), Some(entry)) = (&row, new.queued) {
            sqlx::query("DELETE FROM question_queue WHERE id = $1")
                .bind(entry)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        match row {
            Some(row) => Ok(Some(self.round(row.try_get(0)?).await?)),
            None => Ok(None),
        }
    }

    /// A round by key.
    #[tracing::instrument(skip(self))]
    pub async fn round(&self, id: i64) -> Result<Round> {
        let row = sqlx::query(select_rounds!("WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        round_from_row(&row.ok_or(StoreError::NotFound("round"))?)
    }

    /// The daily round of a channel on a local date.
    #[tracing::instrument(skip(self))]
    pub async fn round_on(&self, channel: ChannelId, date: NaiveDate) -> Result<Option<Round>> {
        self.round_in_slot(channel, RoundKind::Daily.slot(date)).await
    }

    /// The round of a channel in a slot ([`RoundKind::slot`]).
    #[tracing::instrument(skip(self))]
    pub async fn round_in_slot(&self, channel: ChannelId, slot: String) -> Result<Option<Round>> {
        let row = sqlx::query(select_rounds!("WHERE r.channel_id = $1 AND r.slot = $2"))
            .bind(sf(channel.0))
            .bind(slot)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(round_from_row).transpose()
    }

    /// The round whose answer thread is `thread`. A thread started from a message has that
    /// message's id, so a thread whose id is not recorded yet is found by its question message.
    #[tracing::instrument(skip(self))]
    pub async fn round_by_thread(&self, thread: ChannelId) -> Result<Option<Round>> {
        let row = sqlx::query(select_rounds!("WHERE r.thread_id = $1 OR r.message_id = $1"))
            .bind(sf(thread.0))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(round_from_row).transpose()
    }

    /// A guild's rounds that are not finished (pending, open or revealing), by deadline.
    #[tracing::instrument(skip(self))]
    pub async fn unfinished_rounds(&self, guild: GuildId) -> Result<Vec<Round>> {
        let rows = sqlx::query(select_rounds!(
            "WHERE r.guild_id = $1 AND r.state IN ('pending', 'open', 'revealing') ORDER BY r.closes_at, r.id"
        ))
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// Rounds of any guild of this store's shards still pending (claimed but not known to be
    /// posted), for recovery.
    #[tracing::instrument(skip(self))]
    pub async fn pending_rounds(&self) -> Result<Vec<Round>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(select_rounds!(
            "WHERE r.state = 'pending' AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = r.guild_id AND g.left_at IS NOT NULL)
             AND ((r.guild_id >> 22) % $1) BETWEEN $2 AND $3 ORDER BY r.opens_at, r.id"
        ))
        .bind(n)
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// Open or revealing rounds of this store's shards whose deadline is at or before `now`,
    /// except those another reveal holds an unexpired lease on.
    #[tracing::instrument(skip(self))]
    pub async fn due_reveals(&self, now: DateTime<Utc>) -> Result<Vec<Round>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(select_rounds!(
            "WHERE r.state IN ('open', 'revealing') AND r.closes_at <= $1 AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = r.guild_id AND g.left_at IS NOT NULL)
             AND (r.reveal_lease_until IS NULL OR r.reveal_lease_until <= $1)
             AND ((r.guild_id >> 22) % $2) BETWEEN $3 AND $4 ORDER BY r.closes_at, r.id"
        ))
        .bind(ms(now))
        .bind(n)
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// The earliest deadline after `now` of an open round of this store's shards, so the
    /// scheduler knows how long to sleep.
    #[tracing::instrument(skip(self))]
    pub async fn earliest_reveal_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        self.earliest_after(
            "SELECT MIN(r.closes_at) FROM rounds r WHERE r.state IN ('open', 'revealing') AND r.closes_at > $1
             AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = r.guild_id AND g.left_at IS NOT NULL)
             AND ((r.guild_id >> 22) % $2) BETWEEN $3 AND $4",
            "rounds",
            now,
        )
        .await
    }

    /// Blind rounds of this store's shards whose answers are due to be published at `now` (see
    /// `Round::publish_due`), except those another process holds an unexpired lease on.
    #[tracing::instrument(skip(self))]
    pub async fn due_publishes(&self, now: DateTime<Utc>) -> Result<Vec<Round>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(select_rounds!(
            "WHERE r.answers_close_at IS NOT NULL AND r.published_at IS NULL AND r.answers_close_at <= $1
             AND r.state IN ('open', 'revealing')
             AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = r.guild_id AND g.left_at IS NOT NULL)
             AND (r.reveal_lease_until IS NULL OR r.reveal_lease_until <= $5)
             AND ((r.guild_id >> 22) % $2) BETWEEN $3 AND $4 ORDER BY r.answers_close_at, r.id"
        ))
        .bind(ms(now - PUBLISH_GRACE))
        .bind(n)
        .bind(a)
        .bind(b)
        .bind(ms(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// When the next blind round of this store's shards is due to be published after `now`.
    #[tracing::instrument(skip(self))]
    pub async fn earliest_publish_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let at = self
            .earliest_after(
                "SELECT MIN(r.answers_close_at) FROM rounds r
                 WHERE r.answers_close_at IS NOT NULL AND r.published_at IS NULL AND r.answers_close_at > $1
                 AND r.state IN ('open', 'revealing')
                 AND ((r.guild_id >> 22) % $2) BETWEEN $3 AND $4",
                "rounds",
                now - PUBLISH_GRACE,
            )
            .await?;
        Ok(at.map(|at| at + PUBLISH_GRACE))
    }

    /// Open rounds of this store's shards whose reminder is due at `now` and not posted yet.
    #[tracing::instrument(skip(self))]
    pub async fn due_reminders(&self, now: DateTime<Utc>) -> Result<Vec<Round>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(select_rounds!(
            "WHERE r.reminded = 0 AND r.remind_at <= $1 AND r.state = 'open'
             AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = r.guild_id AND g.left_at IS NOT NULL)
             AND ((r.guild_id >> 22) % $2) BETWEEN $3 AND $4 ORDER BY r.remind_at, r.id"
        ))
        .bind(ms(now))
        .bind(n)
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// The earliest reminder after `now` of this store's shards, so the scheduler knows how long
    /// to sleep.
    #[tracing::instrument(skip(self))]
    pub async fn earliest_reminder_after(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        self.earliest_after(
            "SELECT MIN(r.remind_at) FROM rounds r WHERE r.reminded = 0 AND r.remind_at > $1 AND r.state IN ('pending', 'open')
             AND ((r.guild_id >> 22) % $2) BETWEEN $3 AND $4",
            "rounds",
            now,
        )
        .await
    }

    /// Records the question message of a pending round and opens it. Idempotent.
    #[tracing::instrument(skip(self))]
    pub async fn mark_round_posted(&self, id: i64, message: MessageId) -> Result<()> {
        sqlx::query(
            "UPDATE rounds SET message_id = $2, state = CASE WHEN state = 'pending' THEN 'open' ELSE state END
             WHERE id = $1",
        )
        .bind(id)
        .bind(sf(message.0))
        .execute(self.writer()?)
        .await?;
        Ok(())
    }

    /// The channels where answers of unfinished rounds (pending, open or revealing) can arrive:
    /// each one's thread and question message (a thread started from a message has its id).
    #[tracing::instrument(skip(self))]
    pub async fn unfinished_round_threads(&self) -> Result<Vec<ChannelId>> {
        let rows = sqlx::query(
            "SELECT thread_id, message_id FROM rounds WHERE state IN ('pending', 'open', 'revealing')",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len() * 2);
        for row in rows {
            for i in 0..2 {
                if let Some(id) = row.try_get::<Option<i64>, _>(i)? {
                    out.push(ChannelId(unsf(id)));
                }
            }
        }
        Ok(out)
    }

    /// Records the answer thread of a round. Idempotent.
    #[tracing::instrument(skip(self))]
    pub async fn set_round_thread(&self, id: i64, thread: ChannelId) -> Result<()> {
        self.set_round_snowflake("UPDATE rounds SET thread_id = $2 WHERE id = $1", id, thread.0)
            .await
    }

    async fn set_round_snowflake(&self, sql: &'static str, id: i64, value: u64) -> Result<()> {
        sqlx::query(sql)
            .bind(id)
            .bind(sf(value))
            .execute(self.writer()?)
            .await?;
        Ok(())
    }

    /// Moves a round from `from` to `to`; returns whether this call made the change.
    #[tracing::instrument(skip(self))]
    pub async fn transition_round(&self, id: i64, from: RoundState, to: RoundState) -> Result<bool> {
        let done = sqlx::query("UPDATE rounds SET state = $3 WHERE id = $1 AND state = $2")
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Closes a revealing round and writes its awards and streaks, all in one transaction.
    /// Returns `false` (and writes nothing) when the round was already closed.
    ///
    /// Points are dated by the round's opening, not by the reveal: a Sunday round revealed on
    /// Monday after downtime counts in its own week and month. The channel is locked for the
    /// transaction, so two processes closing two rounds of one channel cannot lose a streak
    /// update; a round closed after a newer one recomputes the channel's streaks from the ledger.
    #[tracing::instrument(skip(self, awards))]
    pub async fn close_round(&self, round: &Round, awards: &[Award], now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        self.lock_channel(&mut tx, round.channel_id).await?;
        let done = sqlx::query(
            "UPDATE rounds SET state = 'closed', revealed_at = $2, reveal_owner = NULL, reveal_lease_until = NULL
             WHERE id = $1 AND state IN ('open', 'revealing')",
        )
        .bind(round.id)
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // Practice points go to the practice board, and to the daily board too when the guild
        // asked for it (recorded on each line, so a rebuild puts them where they were counted).
        let board = round.kind.board();
        let boards = boards_of(&mut tx, round).await?;
        let mut written = Vec::with_capacity(awards.len());
        for a in awards {
            let inserted = sqlx::query(
                "INSERT INTO score_ledger (guild_id, channel_id, member_id, round_id, kind, points, awarded_at,
                     board, also_daily)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (round_id, member_id, kind) WHERE kind IN ('answer', 'votes', 'top_answer') DO NOTHING",
            )
            .bind(sf(round.guild_id.0))
            .bind(sf(round.channel_id.0))
            .bind(sf(a.member.0))
            .bind(round.id)
            .bind(a.kind.as_str())
            .bind(a.points)
            .bind(ms(round.opens_at))
            .bind(board.as_str())
            .bind(i64::from(boards.contains(&Board::Daily) && board != Board::Daily))
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                written.push(a.clone());
            }
        }
        super::standings::apply_round(
            &mut tx,
            round.guild_id,
            round.channel_id,
            round.opens_at,
            boards,
            &standing_changes(&written),
        )
        .await?;
        if !round.kind.keeps_streaks() {
            tx.commit().await?;
            return Ok(true);
        }
        let newer_closed: i64 = sqlx::query(
            "SELECT COUNT(*) FROM rounds WHERE channel_id = $1 AND kind = 'daily' AND state = 'closed' AND round_number > $2",
        )
        .bind(sf(round.channel_id.0))
        .bind(round.number as i64)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if newer_closed > 0 {
            recompute_channel_streaks(&mut tx, round).await?;
        } else {
            extend_streaks(&mut tx, round, awards).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Serializes writers of one channel's rounds until the transaction ends. SQLite needs
    /// nothing: `BEGIN IMMEDIATE` already holds the database's single write lock.
    pub(super) async fn lock_channel(
        &self,
        tx: &mut Transaction<'static, Any>,
        channel: ChannelId,
    ) -> Result<()> {
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(sf(channel.0))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Records the reveal's reference-answer message.
    #[tracing::instrument(skip(self))]
    pub async fn set_reveal_answer_message(&self, id: i64, message: MessageId) -> Result<()> {
        self.set_round_snowflake(
            "UPDATE rounds SET answer_message_id = $2 WHERE id = $1",
            id,
            message.0,
        )
        .await
    }

    /// Records the reveal's summary message.
    #[tracing::instrument(skip(self))]
    pub async fn set_reveal_summary_message(&self, id: i64, message: MessageId) -> Result<()> {
        self.set_round_snowflake(
            "UPDATE rounds SET summary_message_id = $2 WHERE id = $1",
            id,
            message.0,
        )
        .await
    }

    /// Brings an open round's deadline forward to `now` (an admin's `/dailyq reveal`); a blind
    /// round's answer deadline too, so its answers are published and revealed at once.
    #[tracing::instrument(skip(self))]
    pub async fn reveal_now(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE rounds SET closes_at = $2,
                 answers_close_at = CASE WHEN answers_close_at > $2 THEN $2 ELSE answers_close_at END
             WHERE id = $1 AND state = 'open' AND closes_at > $2",
        )
        .bind(id)
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The question of a practice session that is not revealed yet (pending, open or being
    /// revealed), if any.
    #[tracing::instrument(skip(self))]
    pub async fn session_current_round(&self, session: i64) -> Result<Option<Round>> {
        let row = sqlx::query(select_rounds!(
            "WHERE r.session_id = $1 AND r.state IN ('pending', 'open', 'revealing') ORDER BY r.id DESC LIMIT 1"
        ))
        .bind(session)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(round_from_row).transpose()
    }

    /// The newest unfinished daily round of a channel.
    #[tracing::instrument(skip(self))]
    pub async fn current_round(&self, channel: ChannelId) -> Result<Option<Round>> {
        let row = sqlx::query(select_rounds!(
            "WHERE r.channel_id = $1 AND r.kind = 'daily' AND r.state IN ('pending', 'open', 'revealing') ORDER BY r.id DESC LIMIT 1"
        ))
        .bind(sf(channel.0))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(round_from_row).transpose()
    }

    /// Open rounds of this store's shards whose thread is not recorded yet (a crash between post
    /// and thread).
    #[tracing::instrument(skip(self))]
    pub async fn open_rounds_without_thread(&self) -> Result<Vec<Round>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(select_rounds!(
            "WHERE r.state = 'open' AND r.thread_id IS NULL AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = r.guild_id AND g.left_at IS NOT NULL)
             AND ((r.guild_id >> 22) % $1) BETWEEN $2 AND $3 ORDER BY r.id"
        ))
        .bind(n)
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// Counts an attempt to post a round's question, before it is made.
    #[tracing::instrument(skip(self))]
    pub async fn note_post_attempt(&self, id: i64) -> Result<()> {
        self.count_attempt(
            "UPDATE rounds SET post_attempts = post_attempts + 1 WHERE id = $1",
            id,
        )
        .await
    }

    /// Counts an attempt to reveal a round, before it is made.
    #[tracing::instrument(skip(self))]
    pub async fn note_reveal_attempt(&self, id: i64) -> Result<()> {
        self.count_attempt(
            "UPDATE rounds SET reveal_attempts = reveal_attempts + 1 WHERE id = $1",
            id,
        )
        .await
    }

    /// Takes (or renews) the lease on a revealing round, or on an open blind round whose answers
    /// are not published yet (its publish), for `owner` until `until`: only when
    /// nobody holds it, `owner` already does, or the holder's lease expired by `now` (its process
    /// died). Two processes therefore never reconcile the same round at once. Returns whether
    /// `owner` holds the lease now.
    #[tracing::instrument(skip(self))]
    pub async fn take_reveal_lease(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE rounds SET reveal_owner = $2, reveal_lease_until = $4
             WHERE id = $1
               AND (state = 'revealing' OR (state = 'open' AND answers_close_at IS NOT NULL AND published_at IS NULL))
               AND (reveal_owner IS NULL OR reveal_owner = $2 OR reveal_lease_until IS NULL OR reveal_lease_until <= $3)",
        )
        .bind(id)
        .bind(owner)
        .bind(ms(now))
        .bind(ms(until))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives up `owner`'s lease on a round (its reveal failed and will be retried), so the round
    /// is due again at once.
    #[tracing::instrument(skip(self))]
    pub async fn release_reveal_lease(&self, id: i64, owner: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE rounds SET reveal_owner = NULL, reveal_lease_until = NULL WHERE id = $1 AND reveal_owner = $2",
        )
        .bind(id)
        .bind(owner)
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Frees the reveal leases that earlier processes of the same shard range (owners
    /// `"{prefix}…"` other than `me`) left behind when they died, so a restarted or replacement
    /// process resumes their reveals at once instead of waiting for the leases to expire. Only
    /// one process runs a shard range at a time. Returns how many were freed.
    #[tracing::instrument(skip(self))]
    pub async fn reclaim_reveal_leases(&self, prefix: &str, me: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE rounds SET reveal_owner = NULL, reveal_lease_until = NULL
             WHERE state IN ('open', 'revealing') AND reveal_owner <> $2 AND reveal_owner LIKE $1",
        )
        // Owner names hold digits and `-/:` only, never a LIKE wildcard.
        .bind(format!("{prefix}%"))
        .bind(me)
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected())
    }

    /// Who holds the reveal lease on a round, and until when.
    #[tracing::instrument(skip(self))]
    pub async fn reveal_lease(&self, id: i64) -> Result<Option<(String, DateTime<Utc>)>> {
        let row = sqlx::query("SELECT reveal_owner, reveal_lease_until FROM rounds WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("round"))?;
        match (
            row.try_get::<Option<String>, _>(0)?,
            row.try_get::<Option<i64>, _>(1)?,
        ) {
            (Some(owner), Some(until)) => Ok(Some((owner, from_ms("rounds", until)?))),
            _ => Ok(None),
        }
    }

    /// Marks a round that will never be posted.
    #[tracing::instrument(skip(self))]
    pub async fn skip_round(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE rounds SET state = 'skipped' WHERE id = $1 AND state = 'pending'")
            .bind(id)
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// The boards a round's ledger lines count on: its own (daily or practice), and the daily board
/// too for a practice round of a guild that counts practice there. Read inside the writing
/// transaction, and recorded on each line (`board`, `also_daily`) so a rebuild agrees.
pub(super) async fn boards_of(tx: &mut Transaction<'static, Any>, round: &Round) -> Result<&'static [Board]> {
    let practice_on_daily: i64 = sqlx::query("SELECT practice_on_daily FROM guilds WHERE guild_id = $1")
        .bind(sf(round.guild_id.0))
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(0);
    Ok(round.kind.board().counted_on(practice_on_daily != 0))
}

/// Streaks after the newest revealed round of a channel: each answering member's run grows by one.
async fn extend_streaks(tx: &mut Transaction<'static, Any>, round: &Round, awards: &[Award]) -> Result<()> {
    let previous: Option<i64> = sqlx::query(
        "SELECT MAX(round_number) FROM rounds WHERE channel_id = $1 AND kind = 'daily' AND state = 'closed' AND round_number < $2",
    )
    .bind(sf(round.channel_id.0))
    .bind(round.number as i64)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let previous = previous.unwrap_or(0) as u64;
    let answered: BTreeSet<_> = awards
        .iter()
        .filter(|a| a.kind == AwardKind::Answer)
        .map(|a| a.member)
        .collect();
    for member in answered {
        let row = sqlx::query(
            "SELECT current, best, last_round FROM streaks WHERE channel_id = $1 AND member_id = $2",
        )
        .bind(sf(round.channel_id.0))
        .bind(sf(member.0))
        .fetch_optional(&mut **tx)
        .await?;
        let before = match row {
            Some(r) => Streak {
                current: r.try_get::<i64, _>(0)? as u32,
                best: r.try_get::<i64, _>(1)? as u32,
                last_round: r.try_get::<i64, _>(2)? as u64,
            },
            None => Streak::default(),
        };
        write_streak(tx, round, member, before.after_answering(round.number, previous)).await?;
    }
    Ok(())
}

/// Every streak of the round's channel from scratch, from the revealed rounds and the ledger's
/// answer lines less corrections (a round revealed after a newer one can join or break runs of
/// any member; a disqualified answer can break one).
pub(super) async fn recompute_channel_streaks(
    tx: &mut Transaction<'static, Any>,
    round: &Round,
) -> Result<()> {
    let closed: Vec<u64> = sqlx::query(
        "SELECT round_number FROM rounds WHERE channel_id = $1 AND kind = 'daily' AND state = 'closed'",
    )
    .bind(sf(round.channel_id.0))
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>(0).map(|n| n as u64))
    .collect::<std::result::Result<_, _>>()?;
    // A member answered a round when its answer line is not cancelled by a correction (a
    // disqualified answer after the reveal).
    let rows = sqlx::query(
        "SELECT l.member_id, r.round_number FROM score_ledger l JOIN rounds r ON r.id = l.round_id
         WHERE r.channel_id = $1 AND r.kind = 'daily' AND r.state = 'closed' AND l.kind IN ('answer', 'correction')
         GROUP BY l.member_id, r.round_number
         HAVING SUM(CASE WHEN l.kind = 'answer' THEN 1 ELSE 0 END) + SUM(l.answers_delta) > 0",
    )
    .bind(sf(round.channel_id.0))
    .fetch_all(&mut **tx)
    .await?;
    let mut answered: BTreeMap<UserId, BTreeSet<u64>> = BTreeMap::new();
    for r in &rows {
        answered
            .entry(UserId(unsf(r.try_get(0)?)))
            .or_default()
            .insert(r.try_get::<i64, _>(1)? as u64);
    }
    sqlx::query("DELETE FROM streaks WHERE channel_id = $1")
        .bind(sf(round.channel_id.0))
        .execute(&mut **tx)
        .await?;
    for (member, streak) in recompute(&closed, &answered) {
        write_streak(tx, round, member, streak).await?;
    }
    Ok(())
}

async fn write_streak(
    tx: &mut Transaction<'static, Any>,
    round: &Round,
    member: UserId,
    s: Streak,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO streaks (channel_id, member_id, guild_id, current, best, last_round)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (channel_id, member_id) DO UPDATE SET
             current = excluded.current, best = excluded.best, last_round = excluded.last_round",
    )
    .bind(sf(round.channel_id.0))
    .bind(sf(member.0))
    .bind(sf(round.guild_id.0))
    .bind(i64::from(s.current))
    .bind(i64::from(s.best))
    .bind(s.last_round as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
