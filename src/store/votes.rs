//! Votes: one per member per answer (the primary key), whatever the order of events.

use super::{Result, Store, corrupt, from_ms, ms, sf, unsf, value_rows};
use crate::domain::round::RoundState;
use crate::domain::votes::{VotePlan, VoteTarget};
use crate::domain::{GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
// Batch statements are built from fixed text and `$n` placeholders only; values are bound.
use sqlx::{AssertSqlSafe, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most events one [`Store::apply_votes`] call takes: it keeps every statement within both
/// backends' limit on bound parameters (3 per row).
pub const MAX_VOTE_BATCH: usize = 1000;

impl Store {
    /// Adds a vote; returns whether it is new. The caller has judged it with the vote rules.
    #[tracing::instrument(skip(self))]
    pub async fn add_vote(&self, answer: MessageId, voter: UserId, at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO votes (answer_message_id, voter_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (answer_message_id, voter_id) DO NOTHING",
        )
        .bind(sf(answer.0))
        .bind(sf(voter.0))
        .bind(ms(at))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes a vote; returns whether there was one.
    #[tracing::instrument(skip(self))]
    pub async fn remove_vote(&self, answer: MessageId, voter: UserId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM votes WHERE answer_message_id = $1 AND voter_id = $2")
            .bind(sf(answer.0))
            .bind(sf(voter.0))
            .execute(self.writer()?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Remembers an upvote the bot saw arrive at or after the round's deadline, so the reveal
    /// leaves it out even though Discord's reaction list (which has no times) still shows it.
    #[tracing::instrument(skip(self))]
    pub async fn note_late_vote(&self, answer: MessageId, voter: UserId, at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO late_votes (answer_message_id, voter_id, seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (answer_message_id, voter_id) DO NOTHING",
        )
        .bind(sf(answer.0))
        .bind(sf(voter.0))
        .bind(ms(at))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Applies a batch of vote events in one transaction (a group commit): reads what the
    /// store knows of the voted-on `answers`, lets `plan` judge the events against it (the vote
    /// rules live in `domain::votes`), then writes the plan's deletes, inserts and late upvotes
    /// with one statement each. Idempotent: inserts are insert-once by (answer, voter).
    #[tracing::instrument(skip_all, fields(answers = answers.len()))]
    pub async fn apply_votes<F>(&self, answers: &[MessageId], plan: F) -> Result<VotePlan>
    where
        F: FnOnce(&HashMap<MessageId, VoteTarget>) -> VotePlan,
    {
        assert!(
            answers.len() <= MAX_VOTE_BATCH,
            "a vote batch holds at most {MAX_VOTE_BATCH} answers"
        );
        let mut tx = self.begin_write().await?;
        let mut targets = HashMap::new();
        if !answers.is_empty() {
            let sql = format!(
                "SELECT a.message_id, a.author_id, a.withdrawn_at, r.guild_id, r.state, r.closes_at
                 FROM answers a JOIN rounds r ON r.id = a.round_id WHERE a.message_id IN ({})",
                (1..=answers.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for a in answers {
                query = query.bind(sf(a.0));
            }
            for row in query.fetch_all(&mut *tx).await? {
                let round_state: RoundState =
                    row.try_get::<String, _>(4)?.parse().map_err(corrupt("rounds"))?;
                targets.insert(
                    MessageId(unsf(row.try_get(0)?)),
                    VoteTarget {
                        author: UserId(unsf(row.try_get(1)?)),
                        withdrawn: row.try_get::<Option<i64>, _>(2)?.is_some(),
                        guild: GuildId(unsf(row.try_get(3)?)),
                        round_state,
                        closes_at: from_ms("rounds", row.try_get(5)?)?,
                    },
                );
            }
        }
        let plan = plan(&targets);
        if !plan.delete.is_empty() {
            let sql = format!(
                "DELETE FROM votes WHERE (answer_message_id, voter_id) IN (VALUES {})",
                value_rows(plan.delete.len(), 2)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (answer, voter) in &plan.delete {
                query = query.bind(sf(answer.0)).bind(sf(voter.0));
            }
            query.execute(&mut *tx).await?;
        }
        insert_vote_rows(
            &mut tx,
            "votes (answer_message_id, voter_id, created_at)",
            &plan.insert,
        )
        .await?;
        insert_vote_rows(
            &mut tx,
            "late_votes (answer_message_id, voter_id, seen_at)",
            &plan.late,
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Replaces an answer's votes with what Discord's reaction list says (reconciliation at the
    /// reveal), less the upvotes seen arriving after the deadline, in one transaction.
    #[tracing::instrument(skip(self, voters))]
    pub async fn replace_votes(
        &self,
        answer: MessageId,
        voters: &BTreeSet<UserId>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query("SELECT voter_id FROM votes WHERE answer_message_id = $1")
            .bind(sf(answer.0))
            .fetch_all(&mut *tx)
            .await?;
        let mut stored = BTreeSet::new();
        for row in rows {
            stored.insert(UserId(unsf(row.try_get(0)?)));
        }
        let late = sqlx::query("SELECT voter_id FROM late_votes WHERE answer_message_id = $1")
            .bind(sf(answer.0))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok(UserId(unsf(row.try_get(0)?))))
            .collect::<Result<BTreeSet<_>>>()?;
        let voters: BTreeSet<UserId> = voters.difference(&late).copied().collect();
        let voters = &voters;
        for gone in stored.difference(voters) {
            sqlx::query("DELETE FROM votes WHERE answer_message_id = $1 AND voter_id = $2")
                .bind(sf(answer.0))
                .bind(sf(gone.0))
                .execute(&mut *tx)
                .await?;
        }
        for new in voters.difference(&stored) {
            sqlx::query(
                "INSERT INTO votes (answer_message_id, voter_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (answer_message_id, voter_id) DO NOTHING",
            )
            .bind(sf(answer.0))
            .bind(sf(new.0))
            .bind(ms(at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who upvoted an answer.
    #[tracing::instrument(skip(self))]
    pub async fn answer_voters(&self, answer: MessageId) -> Result<BTreeSet<UserId>> {
        let rows = sqlx::query("SELECT voter_id FROM votes WHERE answer_message_id = $1")
            .bind(sf(answer.0))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(UserId(unsf(r.try_get(0)?)))).collect()
    }

    /// How many votes an answer has.
    #[tracing::instrument(skip(self))]
    pub async fn vote_count(&self, answer: MessageId) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM votes WHERE answer_message_id = $1")
            .bind(sf(answer.0))
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        Ok(n as u64)
    }

    /// The voters of every counted answer of a round, by answer.
    #[tracing::instrument(skip(self))]
    pub async fn round_votes(&self, round_id: i64) -> Result<BTreeMap<MessageId, BTreeSet<UserId>>> {
        let rows = sqlx::query(
            "SELECT v.answer_message_id, v.voter_id FROM votes v
             JOIN answers a ON a.message_id = v.answer_message_id
             WHERE a.round_id = $1 AND a.withdrawn_at IS NULL",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        let mut out: BTreeMap<MessageId, BTreeSet<UserId>> = BTreeMap::new();
        for row in rows {
            out.entry(MessageId(unsf(row.try_get(0)?)))
                .or_default()
                .insert(UserId(unsf(row.try_get(1)?)));
        }
        Ok(out)
    }

    /// How many upvotes were seen arriving late, by answer, for the answers of a round.
    #[tracing::instrument(skip(self))]
    pub async fn round_late_votes(&self, round_id: i64) -> Result<BTreeMap<MessageId, u64>> {
        let rows = sqlx::query(
            "SELECT l.answer_message_id, COUNT(*) FROM late_votes l
             JOIN answers a ON a.message_id = l.answer_message_id
             WHERE a.round_id = $1
             GROUP BY l.answer_message_id",
        )
        .bind(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let n: i64 = row.try_get(1)?;
                Ok((MessageId(unsf(row.try_get(0)?)), n as u64))
            })
            .collect()
    }
}

/// Inserts (answer, voter, instant) rows into `table` (`votes` or `late_votes` with its
/// columns), skipping pairs it already holds.
async fn insert_vote_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &str,
    rows: &[(MessageId, UserId, DateTime<Utc>)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO {table} VALUES {} ON CONFLICT (answer_message_id, voter_id) DO NOTHING",
        value_rows(rows.len(), 3)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (answer, voter, at) in rows {
        query = query.bind(sf(answer.0)).bind(sf(voter.0)).bind(ms(*at));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
