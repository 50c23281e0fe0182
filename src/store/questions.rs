//! Questions: the shipped bank synced by id, and what rotation draws from.

use super::{Result, Store, StoreError, corrupt, ms, sf};
use crate::bank::BankQuestion;
use crate::domain::GuildId;
use crate::domain::question::{Category, Difficulty, Question, QuestionSlug};
use crate::domain::rotation::Candidate;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{HashMap, HashSet};

/// What a bank sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// New ids.
    pub inserted: usize,
    /// Ids whose content changed (or that came back after being retired).
    pub updated: usize,
    /// Ids no longer in the bank.
    pub retired: usize,
    /// Ids left as they were.
    pub unchanged: usize,
}

fn list(v: &[String]) -> String {
    serde_json::to_string(v).expect("a list of strings always serializes")
}

fn unlist(s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(corrupt("questions"))
}

/// A rotation candidate from `(id, slug, category, difficulty, times)` columns.
pub(super) fn candidate_from_row(row: &AnyRow) -> Result<Candidate<i64>> {
    let times: i64 = row.try_get(4)?;
    Ok(Candidate {
        key: row.try_get(0)?,
        slug: QuestionSlug::parse(&row.try_get::<String, _>(1)?).map_err(corrupt("questions"))?,
        category: Category::parse(&row.try_get::<String, _>(2)?).map_err(corrupt("questions"))?,
        difficulty: row
            .try_get::<String, _>(3)?
            .parse()
            .map_err(corrupt("questions"))?,
        times_asked: u32::try_from(times).unwrap_or(u32::MAX),
    })
}

fn question_from_row(row: &AnyRow, offset: usize) -> Result<Question> {
    let text = |i: usize| -> Result<String> { Ok(row.try_get::<String, _>(offset + i)?) };
    Ok(Question {
        slug: QuestionSlug::parse(&text(0)?).map_err(corrupt("questions"))?,
        category: Category::parse(&text(1)?).map_err(corrupt("questions"))?,
        difficulty: text(2)?.parse::<Difficulty>().map_err(corrupt("questions"))?,
        prompt: text(3)?,
        answer: text(4)?,
        tags: unlist(&text(5)?)?,
        hints: unlist(&text(6)?)?,
        follow_ups: unlist(&text(7)?)?,
        sources: unlist(&text(8)?)?,
    })
}

impl Store {
    /// Makes the shipped bank in the database match `bank`, in one transaction: new ids are
    /// inserted, changed ones updated, missing ones retired (never deleted).
    #[tracing::instrument(skip_all, fields(questions = bank.len()))]
    pub async fn sync_bank(&self, bank: &[BankQuestion], now: DateTime<Utc>) -> Result<SyncReport> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query("SELECT slug, content_hash, retired FROM questions WHERE owner_guild_id = 0")
            .fetch_all(&mut *tx)
            .await?;
        let mut existing: HashMap<String, (String, bool)> = HashMap::new();
        for row in rows {
            let retired: i64 = row.try_get(2)?;
            existing.insert(row.try_get(0)?, (row.try_get(1)?, retired != 0));
        }
        let mut report = SyncReport::default();
        let mut seen = HashSet::new();
        for bq in bank {
            let q = &bq.question;
            seen.insert(q.slug.as_str().to_owned());
            match existing.get(q.slug.as_str()) {
                Some((hash, false)) if *hash == bq.content_hash => report.unchanged += 1,
                found => {
                    sqlx::query(
                        "INSERT INTO questions (owner_guild_id, slug, category, difficulty, prompt, answer, tags, hints,
                             follow_ups, sources, content_hash, retired, created_at, updated_at)
                         VALUES (0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11)
                         ON CONFLICT (owner_guild_id, slug) DO UPDATE SET
                             category = excluded.category, difficulty = excluded.difficulty,
                             prompt = excluded.prompt, answer = excluded.answer, tags = excluded.tags,
                             hints = excluded.hints, follow_ups = excluded.follow_ups,
                             sources = excluded.sources, content_hash = excluded.content_hash,
                             retired = 0, updated_at = excluded.updated_at",
                    )
                    .bind(q.slug.as_str())
                    .bind(q.category.as_str())
                    .bind(q.difficulty.as_str())
                    .bind(&q.prompt)
                    .bind(&q.answer)
                    .bind(list(&q.tags))
                    .bind(list(&q.hints))
                    .bind(list(&q.follow_ups))
                    .bind(list(&q.sources))
                    .bind(&bq.content_hash)
                    .bind(ms(now))
                    .execute(&mut *tx)
                    .await?;
                    if found.is_some() {
                        report.updated += 1;
                    } else {
                        report.inserted += 1;
                    }
                }
            }
        }
        for (slug, (_, retired)) in &existing {
            if !retired && !seen.contains(slug) {
                sqlx::query("UPDATE questions SET retired = 1, updated_at = $2 WHERE owner_guild_id = 0 AND slug = $1")
                    .bind(slug.as_str())
                    .bind(ms(now))
                    .execute(&mut *tx)
                    .await?;
                report.retired += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    /// A question by its database key (retired ones included: past rounds keep their question).
    #[tracing::instrument(skip(self))]
    pub async fn question(&self, id: i64) -> Result<Question> {
        let sql = "SELECT q.slug, q.category, q.difficulty, q.prompt, q.answer, q.tags, q.hints, q.follow_ups, q.sources
                   FROM questions q WHERE q.id = $1";
        let row = sqlx::query(sql).bind(id).fetch_optional(self.pool()).await?;
        question_from_row(&row.ok_or(StoreError::NotFound("question"))?, 0)
    }

    /// The database key of a shipped question by its id, retired or not.
    #[tracing::instrument(skip(self))]
    pub async fn shipped_question_key(&self, slug: &QuestionSlug) -> Result<Option<(i64, bool)>> {
        let row = sqlx::query("SELECT id, retired FROM questions WHERE owner_guild_id = 0 AND slug = $1")
            .bind(slug.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? != 0)))
            .transpose()
    }

    /// Every live question the guild can be asked (shipped + its own), with how often the guild
    /// was asked each one. Rotation picks from this.
    #[tracing::instrument(skip(self))]
    pub async fn rotation_candidates(&self, guild: GuildId) -> Result<Vec<Candidate<i64>>> {
        let rows = sqlx::query(
            "SELECT q.id, q.slug, q.category, q.difficulty,
                    (SELECT COUNT(*) FROM rounds r
                      WHERE r.guild_id = $1 AND r.question_id = q.id AND r.state <> 'skipped')
             FROM questions q
             WHERE q.retired = 0 AND q.owner_guild_id IN (0, $1)",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(candidate_from_row).collect()
    }

    /// The categories of live questions, for autocomplete.
    #[tracing::instrument(skip(self))]
    pub async fn categories(&self, guild: GuildId) -> Result<Vec<Category>> {
        let rows = sqlx::query(
            "SELECT DISTINCT category FROM questions WHERE retired = 0 AND owner_guild_id IN (0, $1) ORDER BY category",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Category::parse(&r.try_get::<String, _>(0)?).map_err(corrupt("questions")))
            .collect()
    }
}
