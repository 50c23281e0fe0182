//! Practice: live sessions (which questions they asked, what is due next, their scoreboard) and
//! solo practice (what each member practised and their review queue).

use super::{Result, Store, StoreError, corrupt, from_ms, ms, sf, unsf};
use crate::domain::leaderboard::Standing;
use crate::domain::practice::{PracticeSession, Review, SelfMark, SessionAnswer, SessionPlan, next_review};
use crate::domain::question::{Category, Difficulty};
use crate::domain::rotation::{Candidate, QuestionFilter, QuestionSource};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The columns [`session_from_row`] reads, in order.
const SESSION_COLUMNS: &str = "s.id, s.guild_id, s.channel_id, s.started_by, s.category, s.difficulty, s.planned, \
     s.minutes, s.state, s.scoreboard_message_id, s.finish_attempts, s.started_at, s.source";

fn session_from_row(row: &AnyRow) -> Result<PracticeSession> {
    let bad = corrupt("practice_sessions");
    let category = row
        .try_get::<Option<String>, _>(4)?
        .map(|c| Category::parse(&c))
        .transpose()
        .map_err(bad)?;
    let difficulty = row
        .try_get::<Option<String>, _>(5)?
        .map(|d| d.parse::<Difficulty>())
        .transpose()
        .map_err(corrupt("practice_sessions"))?;
    let count = |i: usize| -> Result<u32> {
        u32::try_from(row.try_get::<i64, _>(i)?).map_err(corrupt("practice_sessions"))
    };
    Ok(PracticeSession {
        id: row.try_get(0)?,
        guild_id: GuildId(unsf(row.try_get(1)?)),
        channel_id: ChannelId(unsf(row.try_get(2)?)),
        started_by: UserId(unsf(row.try_get(3)?)),
        filter: QuestionFilter { category, difficulty },
        source: QuestionSource::parse(&row.try_get::<String, _>(12)?)
            .map_err(corrupt("practice_sessions"))?,
        plan: SessionPlan {
            questions: count(6)?,
            minutes: count(7)?,
        },
        finished: row.try_get::<String, _>(8)? == "finished",
        scoreboard_message_id: row.try_get::<Option<i64>, _>(9)?.map(|m| MessageId(unsf(m))),
        finish_attempts: count(10)?,
        started_at: from_ms("practice_sessions", row.try_get(11)?)?,
    })
}

/// A running session and how far it got: how many questions it has claimed and
/// whether one of them is not revealed yet.
#[derive(Debug, Clone)]
pub struct SessionProgress {
    /// The session.
    pub session: PracticeSession,
    /// Questions claimed so far.
    pub asked: u32,
    /// Whether a claimed question is still pending, open or being revealed.
    pub unfinished: bool,
}

impl Store {
    /// Starts a practice session in `channel`, unless one is already running there (then
    /// `None`: one session per channel, kept by a unique index, whatever the processes).
    #[tracing::instrument(skip(self))]
    #[allow(clippy::too_many_arguments)]
    pub async fn start_session(
        &self,
        guild: GuildId,
        channel: ChannelId,
        started_by: UserId,
        filter: &QuestionFilter,
        source: QuestionSource,
        plan: SessionPlan,
        now: DateTime<Utc>,
    ) -> Result<Option<PracticeSession>> {
        let row = sqlx::query(
            "INSERT INTO practice_sessions (guild_id, channel_id, started_by, category, difficulty, planned,
                 minutes, state, started_at, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9)
             ON CONFLICT DO NOTHING
             RETURNING id",
        )
        .bind(sf(guild.0))
        .bind(sf(channel.0))
        .bind(sf(started_by.0))
        .bind(filter.category.as_ref().map(|c| c.as_str().to_owned()))
        .bind(filter.difficulty.map(|d| d.as_str()))
        .bind(i64::from(plan.questions))
        .bind(i64::from(plan.minutes))
        .bind(ms(now))
        .bind(source.as_str())
        .fetch_optional(self.writer()?)
        .await?;
        match row {
            Some(row) => Ok(Some(self.session(row.try_get(0)?).await?)),
            None => Ok(None),
        }
    }

    /// A session by key.
    #[tracing::instrument(skip(self))]
    pub async fn session(&self, id: i64) -> Result<PracticeSession> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM practice_sessions s WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound("practice session"))?;
        session_from_row(&row)
    }

    /// The session running in a channel, if any.
    #[tracing::instrument(skip(self))]
    pub async fn running_session(&self, channel: ChannelId) -> Result<Option<PracticeSession>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM practice_sessions s WHERE s.channel_id = $1 AND s.state = 'running'"
        )))
        .bind(sf(channel.0))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Running sessions of this store's shards, with how far each got (the scheduler asks the
    /// next question or posts the scoreboard of those whose questions are all revealed).
    #[tracing::instrument(skip(self))]
    pub async fn sessions_to_advance(&self) -> Result<Vec<SessionProgress>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS}, (SELECT COUNT(*) FROM rounds r WHERE r.session_id = s.id),
                    (SELECT COUNT(*) FROM rounds r WHERE r.session_id = s.id AND r.state IN ('pending', 'open', 'revealing'))
             FROM practice_sessions s
             WHERE s.state = 'running'
               AND NOT EXISTS (SELECT 1 FROM guilds g WHERE g.guild_id = s.guild_id AND g.left_at IS NOT NULL)
               AND ((s.guild_id >> 22) % $1) BETWEEN $2 AND $3
             ORDER BY s.id"
        )))
        .bind(n)
        .bind(a)
        .bind(b)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionProgress {
                    session: session_from_row(row)?,
                    asked: u32::try_from(row.try_get::<i64, _>(13)?).map_err(corrupt("rounds"))?,
                    unfinished: row.try_get::<i64, _>(14)? > 0,
                })
            })
            .collect()
    }

    /// Ends a running session after the questions it has asked so far (`/practice stop`):
    /// its plan drops to that number. Returns whether it was running.
    #[tracing::instrument(skip(self))]
    pub async fn stop_session(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE practice_sessions SET planned = (SELECT COUNT(*) FROM rounds r WHERE r.session_id = $1)
             WHERE id = $1 AND state = 'running'",
        )
        .bind(id)
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts an attempt to post a session's scoreboard, before it is made.
    #[tracing::instrument(skip(self))]
    pub async fn note_finish_attempt(&self, id: i64) -> Result<()> {
        self.count_attempt(
            "UPDATE practice_sessions SET finish_attempts = finish_attempts + 1 WHERE id = $1",
            id,
        )
        .await
    }

    /// Records a session's scoreboard (if it could be posted) and ends the session. Returns
    /// whether this call ended it.
    #[tracing::instrument(skip(self))]
    pub async fn finish_session(
        &self,
        id: i64,
        scoreboard: Option<MessageId>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE practice_sessions SET state = 'finished', scoreboard_message_id = $2, finished_at = $3
             WHERE id = $1 AND state = 'running'",
        )
        .bind(id)
        .bind(scoreboard.map(|m| sf(m.0)))
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// What each member earned in a session (from the ledger), and every answer that still
    /// counts with its thread and ⬆️ count, for the scoreboard.
    #[tracing::instrument(skip(self))]
    pub async fn session_results(&self, id: i64) -> Result<(Vec<Standing>, Vec<SessionAnswer>)> {
        let rows = sqlx::query(
            "SELECT l.member_id, CAST(SUM(l.points) AS BIGINT),
                    CAST(SUM(CASE WHEN l.kind = 'answer' THEN 1 ELSE 0 END) AS BIGINT)
             FROM score_ledger l JOIN rounds r ON r.id = l.round_id
             WHERE r.session_id = $1
             GROUP BY l.member_id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let standings = rows
            .iter()
            .map(|r| {
                Ok(Standing {
                    member: UserId(unsf(r.try_get(0)?)),
                    points: r.try_get(1)?,
                    answers: r.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(
            "SELECT a.author_id, a.message_id, r.thread_id,
                    (SELECT COUNT(*) FROM votes v WHERE v.answer_message_id = a.message_id)
             FROM answers a JOIN rounds r ON r.id = a.round_id
             WHERE r.session_id = $1 AND r.state = 'closed' AND a.withdrawn_at IS NULL AND r.thread_id IS NOT NULL",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let answers = rows
            .iter()
            .map(|r| {
                Ok(SessionAnswer {
                    author: UserId(unsf(r.try_get(0)?)),
                    message: MessageId(unsf(r.try_get(1)?)),
                    thread: ChannelId(unsf(r.try_get(2)?)),
                    votes: u64::try_from(r.try_get::<i64, _>(3)?).map_err(corrupt("votes"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((standings, answers))
    }
}

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
