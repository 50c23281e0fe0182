//! Questions: the shipped bank synced by id, and what rotation draws from.

use super::{Result, Store, StoreError, corrupt, ms, sf, unsf};
use crate::bank::{BankQuestion, content_hash};
use crate::domain::question::{Category, Difficulty, Question, QuestionSlug};
use crate::domain::rotation::QuestionSource;
use crate::domain::rotation::{Candidate, Series};
use crate::domain::{GuildId, UserId};
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

/// A rotation candidate from `(id, slug, category, difficulty, times[, series])` columns; the
/// series column is -2 for a question that follows none, -1 when its base was never asked, else
/// the rounds since its base was first asked.
pub(super) fn candidate_from_row(row: &AnyRow) -> Result<Candidate<i64>> {
    let times: i64 = row.try_get(4)?;
    let series = if row.len() > 5 {
        match row.try_get::<i64, _>(5)? {
            -2 => Series::Standalone,
            n if n < 0 => Series::BaseNotAsked,
            n => Series::BaseAsked {
                rounds_ago: u32::try_from(n).unwrap_or(u32::MAX),
            },
        }
    } else {
        Series::Standalone
    };
    Ok(Candidate {
        series,
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
        follows: row
            .try_get::<Option<String>, _>(offset + 9)?
            .map(|f| QuestionSlug::parse(&f))
            .transpose()
            .map_err(corrupt("questions"))?,
    })
}

/// An uploaded question file waiting for its importer's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedImport {
    /// Its key (in the buttons' custom ids).
    pub id: i64,
    /// The guild it is for.
    pub guild: GuildId,
    /// Who uploaded it (the only one who may confirm or cancel it).
    pub member: UserId,
    /// The file's name (its format).
    pub file_name: String,
    /// The file's text.
    pub body: String,
    /// `imported` or `cancelled` once done.
    pub outcome: Option<String>,
}

/// A question as a guild sees it: shipped or its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildQuestion {
    /// Its database key.
    pub key: i64,
    /// Whether it is the guild's own (else shipped).
    pub own: bool,
    /// Whether it is retired (never drawn again; past rounds keep it).
    pub retired: bool,
    /// The member whose suggestion it was.
    pub suggested_by: Option<UserId>,
    /// The question.
    pub question: Question,
}

fn guild_question_from_row(row: &AnyRow) -> Result<GuildQuestion> {
    Ok(GuildQuestion {
        key: row.try_get(0)?,
        own: row.try_get::<i64, _>(1)? != 0,
        retired: row.try_get::<i64, _>(2)? != 0,
        suggested_by: row.try_get::<Option<i64>, _>(3)?.map(|m| UserId(unsf(m))),
        question: question_from_row(row, 4)?,
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
                    upsert_question(&mut tx, GuildId(0), q, None, None, now).await?;
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
        let sql = "SELECT q.slug, q.category, q.difficulty, q.prompt, q.answer, q.tags, q.hints, q.follow_ups, q.sources, q.follows
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

    /// Every live question of `source` the guild can be asked (the shipped bank, its own, or
    /// both), with how often the guild was asked each one. Rotation picks from this.
    #[tracing::instrument(skip(self))]
    pub async fn rotation_candidates(
        &self,
        guild: GuildId,
        source: QuestionSource,
    ) -> Result<Vec<Candidate<i64>>> {
        let rows = sqlx::query(
            "SELECT q.id, q.slug, q.category, q.difficulty,
                    (SELECT COUNT(*) FROM rounds r
                      WHERE r.guild_id = $1 AND r.question_id = q.id AND r.state <> 'skipped'),
                    CASE WHEN q.follows IS NULL THEN -2
                         WHEN NOT EXISTS (SELECT 1 FROM rounds r JOIN questions b ON b.id = r.question_id
                                          WHERE r.guild_id = $1 AND r.state <> 'skipped'
                                            AND b.slug = q.follows AND b.owner_guild_id IN (0, $1)) THEN -1
                         ELSE (SELECT COUNT(*) FROM rounds later
                                WHERE later.guild_id = $1 AND later.state <> 'skipped'
                                  AND later.id > (SELECT MIN(r.id) FROM rounds r JOIN questions b ON b.id = r.question_id
                                                  WHERE r.guild_id = $1 AND r.state <> 'skipped'
                                                    AND b.slug = q.follows AND b.owner_guild_id IN (0, $1)))
                    END
             FROM questions q
             WHERE q.retired = 0 AND q.owner_guild_id IN ($2, $3)",
        )
        .bind(sf(guild.0))
        .bind(if source.includes(false) { 0 } else { sf(guild.0) })
        .bind(if source.includes(true) { sf(guild.0) } else { 0 })
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(candidate_from_row).collect()
    }

    /// A question the guild may see by its id: its own, else a shipped one (never another
    /// guild's), with whether it is the guild's own and whether it is retired.
    #[tracing::instrument(skip(self))]
    pub async fn guild_question(&self, guild: GuildId, slug: &str) -> Result<Option<GuildQuestion>> {
        let row = sqlx::query(
            "SELECT q.id, q.owner_guild_id, q.retired, q.suggested_by, q.slug, q.category, q.difficulty, q.prompt,
                    q.answer, q.tags, q.hints, q.follow_ups, q.sources, q.follows
             FROM questions q WHERE q.slug = $2 AND q.owner_guild_id IN (0, $1)
             ORDER BY q.owner_guild_id DESC LIMIT 1",
        )
        .bind(sf(guild.0))
        .bind(slug.trim())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(guild_question_from_row).transpose()
    }

    /// The live prompts of the guild's own questions, for duplicate checks.
    #[tracing::instrument(skip(self))]
    pub async fn own_prompts(&self, guild: GuildId) -> Result<Vec<(QuestionSlug, String)>> {
        let rows = sqlx::query(
            "SELECT slug, prompt FROM questions WHERE owner_guild_id = $1 AND retired = 0 ORDER BY id",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    QuestionSlug::parse(&r.try_get::<String, _>(0)?).map_err(corrupt("questions"))?,
                    r.try_get(1)?,
                ))
            })
            .collect()
    }

    /// Adds a question of the guild's own under the next free id `own-N` (the slug of `q` is
    /// ignored), by `author`, credited to `suggested_by` if a member suggested it. Returns its
    /// key and id.
    #[tracing::instrument(skip(self, q))]
    pub async fn add_own_question(
        &self,
        guild: GuildId,
        q: &Question,
        author: UserId,
        suggested_by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<(i64, QuestionSlug)> {
        let mut tx = self.begin_write().await?;
        let added = insert_own_question(&mut tx, guild, q, author, suggested_by, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Replaces the content of one of the guild's own questions (found by `q.slug`); past rounds
    /// show the new text. Returns whether it exists.
    #[tracing::instrument(skip(self, q))]
    pub async fn update_own_question(
        &self,
        guild: GuildId,
        q: &Question,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE questions SET category = $3, difficulty = $4, prompt = $5, answer = $6, tags = $7,
                 hints = $8, follow_ups = $9, sources = $10, content_hash = $11, updated_at = $12, follows = $13
             WHERE owner_guild_id = $1 AND slug = $2",
        )
        .bind(sf(guild.0))
        .bind(q.slug.as_str())
        .bind(q.category.as_str())
        .bind(q.difficulty.as_str())
        .bind(&q.prompt)
        .bind(&q.answer)
        .bind(list(&q.tags))
        .bind(list(&q.hints))
        .bind(list(&q.follow_ups))
        .bind(list(&q.sources))
        .bind(content_hash(q))
        .bind(ms(now))
        .bind(q.follows.as_ref().map(|f| f.as_str().to_owned()))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Retires one of the guild's own questions: it is never drawn again, and past rounds keep
    /// it. Returns whether a live question was retired.
    #[tracing::instrument(skip(self))]
    pub async fn retire_own_question(
        &self,
        guild: GuildId,
        slug: &QuestionSlug,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE questions SET retired = 1, updated_at = $3 WHERE owner_guild_id = $1 AND slug = $2 AND retired = 0",
        )
        .bind(sf(guild.0))
        .bind(slug.as_str())
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The ids of the shipped bank (retired ones too): a server's question never takes one.
    #[tracing::instrument(skip(self))]
    pub async fn shipped_ids(&self) -> Result<HashSet<String>> {
        let rows = sqlx::query("SELECT slug FROM questions WHERE owner_guild_id = 0")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<String, _>(0)?)).collect()
    }

    /// The guild's own live questions, by id: what an export writes.
    #[tracing::instrument(skip(self))]
    pub async fn own_questions(&self, guild: GuildId) -> Result<Vec<Question>> {
        let rows = sqlx::query(
            "SELECT q.slug, q.category, q.difficulty, q.prompt, q.answer, q.tags, q.hints, q.follow_ups, q.sources, q.follows
             FROM questions q WHERE q.owner_guild_id = $1 AND q.retired = 0 ORDER BY q.slug",
        )
        .bind(sf(guild.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| question_from_row(r, 0)).collect()
    }

    /// Keeps an uploaded question file until its importer confirms or cancels it.
    #[tracing::instrument(skip(self, body))]
    pub async fn stage_import(
        &self,
        guild: GuildId,
        member: UserId,
        file_name: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO question_imports (guild_id, member_id, file_name, body, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(sf(guild.0))
        .bind(sf(member.0))
        .bind(file_name)
        .bind(body)
        .bind(ms(now))
        .fetch_one(self.writer()?)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// A staged import: its guild, importer, file name, text and outcome once done.
    #[tracing::instrument(skip(self))]
    pub async fn staged_import(&self, id: i64) -> Result<Option<StagedImport>> {
        let row = sqlx::query(
            "SELECT guild_id, member_id, file_name, body, outcome FROM question_imports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(StagedImport {
                id,
                guild: GuildId(unsf(r.try_get(0)?)),
                member: UserId(unsf(r.try_get(1)?)),
                file_name: r.try_get(2)?,
                body: r.try_get(3)?,
                outcome: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Cancels a staged import, unless it is done. Returns whether it was cancelled now.
    #[tracing::instrument(skip(self))]
    pub async fn cancel_import(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE question_imports SET done_at = $2, outcome = 'cancelled' WHERE id = $1 AND done_at IS NULL",
        )
        .bind(id)
        .bind(ms(now))
        .execute(self.writer()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Applies a staged import, once, in one transaction: every question is added under its id
    /// (one the guild had retired comes back) or replaces the guild's question of that id.
    /// Returns whether this call applied it (`false`: it was already done).
    #[tracing::instrument(skip(self, questions))]
    pub async fn apply_import(
        &self,
        id: i64,
        guild: GuildId,
        questions: &[Question],
        author: UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE question_imports SET done_at = $3, outcome = 'imported' WHERE id = $1 AND guild_id = $2 AND done_at IS NULL",
        )
        .bind(id)
        .bind(sf(guild.0))
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        for q in questions {
            upsert_question(&mut tx, guild, q, Some(author), None, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// One page of the live questions a channel of the guild can draw from `source`, optionally
    /// of one category, ordered by origin (own first), category and id; with the total.
    #[tracing::instrument(skip(self))]
    pub async fn question_page(
        &self,
        guild: GuildId,
        source: QuestionSource,
        category: Option<&Category>,
        offset: u64,
        limit: u64,
    ) -> Result<(u64, Vec<GuildQuestion>)> {
        let (a, b) = (
            if source.includes(false) { 0 } else { sf(guild.0) },
            if source.includes(true) { sf(guild.0) } else { 0 },
        );
        let category = category.map(|c| c.as_str().to_owned());
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) FROM questions q WHERE q.retired = 0 AND q.owner_guild_id IN ($1, $2)
               AND ($3 IS NULL OR q.category = $3)",
        )
        .bind(a)
        .bind(b)
        .bind(category.clone())
        .fetch_one(self.pool())
        .await?
        .try_get(0)?;
        let rows = sqlx::query(
            "SELECT q.id, q.owner_guild_id, q.retired, q.suggested_by, q.slug, q.category, q.difficulty, q.prompt,
                    q.answer, q.tags, q.hints, q.follow_ups, q.sources, q.follows
             FROM questions q WHERE q.retired = 0 AND q.owner_guild_id IN ($1, $2)
               AND ($3 IS NULL OR q.category = $3)
             ORDER BY CASE WHEN q.owner_guild_id = 0 THEN 1 ELSE 0 END, q.category, q.slug
             LIMIT $4 OFFSET $5",
        )
        .bind(a)
        .bind(b)
        .bind(category)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(self.pool())
        .await?;
        let page = rows
            .iter()
            .map(guild_question_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok((u64::try_from(total).unwrap_or(0), page))
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

/// Inserts a question of the guild's own under the next free id `own-N` (never one the shipped
/// bank uses), inside the caller's transaction.
pub(super) async fn insert_own_question(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    guild: GuildId,
    q: &Question,
    author: UserId,
    suggested_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<(i64, QuestionSlug)> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM questions WHERE owner_guild_id = $1")
        .bind(sf(guild.0))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    let mut n = count + 1;
    loop {
        let slug = QuestionSlug::parse(&format!("own-{n}")).map_err(corrupt("questions"))?;
        // Ids are unique per owner; an own id never shadows a shipped one either.
        let taken = sqlx::query("SELECT 1 FROM questions WHERE slug = $1 AND owner_guild_id IN (0, $2)")
            .bind(slug.as_str())
            .bind(sf(guild.0))
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        if taken {
            n += 1;
            continue;
        }
        let stored = Question {
            slug: slug.clone(),
            ..q.clone()
        };
        let key = upsert_question(tx, guild, &stored, Some(author), suggested_by, now).await?;
        return Ok((key, slug));
    }
}

/// Writes a question of `owner` (0: the shipped bank) under its id, inside the caller's
/// transaction: inserted with its author and suggester, or, when the owner has that id already,
/// its content replaced (and brought back if it was retired; author and suggester are kept).
/// Returns its key.
async fn upsert_question(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    owner: GuildId,
    q: &Question,
    created_by: Option<UserId>,
    suggested_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO questions (owner_guild_id, slug, category, difficulty, prompt, answer, tags, hints,
             follow_ups, sources, content_hash, retired, created_at, updated_at, created_by, suggested_by, follows)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12, $13, $14, $15)
         ON CONFLICT (owner_guild_id, slug) DO UPDATE SET
             category = excluded.category, difficulty = excluded.difficulty,
             prompt = excluded.prompt, answer = excluded.answer, tags = excluded.tags,
             hints = excluded.hints, follow_ups = excluded.follow_ups,
             sources = excluded.sources, content_hash = excluded.content_hash,
             follows = excluded.follows, retired = 0, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(sf(owner.0))
    .bind(q.slug.as_str())
    .bind(q.category.as_str())
    .bind(q.difficulty.as_str())
    .bind(&q.prompt)
    .bind(&q.answer)
    .bind(list(&q.tags))
    .bind(list(&q.hints))
    .bind(list(&q.follow_ups))
    .bind(list(&q.sources))
    .bind(content_hash(q))
    .bind(ms(now))
    .bind(created_by.map(|m| sf(m.0)))
    .bind(suggested_by.map(|m| sf(m.0)))
    .bind(q.follows.as_ref().map(|f| f.as_str().to_owned()))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get(0)?)
}
