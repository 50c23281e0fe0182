//! Votes: one per member per answer (the primary key), whatever the order of events.

use super::{Result, Store, ms, sf, unsf};
use crate::domain::{MessageId, UserId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

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
