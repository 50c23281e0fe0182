//! Data exports: a guild's scores, answers and rounds as plain rows, for CSV.

use super::{Result, Store, ms, sf, unsf};
use crate::domain::{ChannelId, GuildId};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One exported table: its column names and its rows, every value as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header row.
    pub header: Vec<&'static str>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
}

fn at(v: Option<i64>) -> String {
    v.and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl Store {
    /// The standings of one board bucket (see `domain::leaderboard`), best first: member,
    /// points, answered rounds. `channel` 0 is the whole guild's board.
    #[tracing::instrument(skip(self))]
    pub async fn export_scores(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
        bucket: &str,
    ) -> Result<Table> {
        let rows = sqlx::query(
            "SELECT s.member_id, s.points, s.answers, m.name FROM standings s
             LEFT JOIN members m ON m.guild_id = s.guild_id AND m.member_id = s.member_id
             WHERE s.guild_id = $1 AND s.channel_id = $2 AND s.bucket = $3
             ORDER BY s.points DESC, s.answers DESC, s.member_id",
        )
        .bind(sf(guild.0))
        .bind(channel.map_or(0, |c| sf(c.0)))
        .bind(bucket)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            out.push(vec![
                (i + 1).to_string(),
                unsf(r.try_get(0)?).to_string(),
                r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                r.try_get::<i64, _>(1)?.to_string(),
                r.try_get::<i64, _>(2)?.to_string(),
            ]);
        }
        Ok(Table {
            header: vec!["rank", "member_id", "member_name", "points", "answered_rounds"],
            rows: out,
        })
    }

    /// Every answer of the guild's rounds opened in `[from, to)` (all time without bounds),
    /// optionally of one channel, oldest first, with its round, question and upvotes.
    #[tracing::instrument(skip(self))]
    pub async fn export_answers(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
        bounds: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Table> {
        let (from, to) = bounds.map_or((i64::MIN, i64::MAX), |(a, b)| (ms(a), ms(b)));
        let rows = sqlx::query(
            "SELECT r.channel_id, r.kind, r.round_number, r.scheduled_date, q.slug, a.author_id, a.message_id,
                    a.created_at, a.edited_at, a.withdrawn_at, a.disqualified_at,
                    (SELECT COUNT(*) FROM votes v WHERE v.answer_message_id = a.message_id), a.content, m.name
             FROM answers a JOIN rounds r ON r.id = a.round_id JOIN questions q ON q.id = r.question_id
             LEFT JOIN members m ON m.guild_id = r.guild_id AND m.member_id = a.author_id
             WHERE r.guild_id = $1 AND ($2 = 0 OR r.channel_id = $2) AND r.opens_at >= $3 AND r.opens_at < $4
             ORDER BY r.opens_at, r.id, a.created_at, a.message_id",
        )
        .bind(sf(guild.0))
        .bind(channel.map_or(0, |c| sf(c.0)))
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let counted = r.try_get::<Option<i64>, _>(9)?.is_none();
            out.push(vec![
                unsf(r.try_get(0)?).to_string(),
                r.try_get::<String, _>(1)?,
                r.try_get::<i64, _>(2)?.to_string(),
                r.try_get::<String, _>(3)?,
                r.try_get::<String, _>(4)?,
                unsf(r.try_get(5)?).to_string(),
                r.try_get::<Option<String>, _>(13)?.unwrap_or_default(),
                unsf(r.try_get(6)?).to_string(),
                at(Some(r.try_get(7)?)),
                at(r.try_get(8)?),
                if counted { "yes" } else { "no" }.to_owned(),
                if r.try_get::<Option<i64>, _>(10)?.is_some() {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
                r.try_get::<i64, _>(11)?.to_string(),
                r.try_get::<Option<String>, _>(12)?.unwrap_or_default(),
            ]);
        }
        Ok(Table {
            header: vec![
                "channel_id",
                "kind",
                "round",
                "date",
                "question",
                "member_id",
                "member_name",
                "message_id",
                "written_at",
                "edited_at",
                "counted",
                "disqualified",
                "upvotes",
                "content",
            ],
            rows: out,
        })
    }

    /// Every round of the guild opened in `[from, to)`, optionally of one channel, oldest first.
    #[tracing::instrument(skip(self))]
    pub async fn export_rounds(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
        bounds: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<Table> {
        let (from, to) = bounds.map_or((i64::MIN, i64::MAX), |(a, b)| (ms(a), ms(b)));
        let rows = sqlx::query(
            "SELECT r.channel_id, r.kind, r.round_number, r.scheduled_date, q.slug, r.state, r.opens_at, r.closes_at,
                    r.revealed_at,
                    (SELECT COUNT(*) FROM answers a WHERE a.round_id = r.id AND a.withdrawn_at IS NULL),
                    (SELECT COUNT(DISTINCT a.author_id) FROM answers a WHERE a.round_id = r.id AND a.withdrawn_at IS NULL),
                    q.prompt
             FROM rounds r JOIN questions q ON q.id = r.question_id
             WHERE r.guild_id = $1 AND ($2 = 0 OR r.channel_id = $2) AND r.opens_at >= $3 AND r.opens_at < $4
             ORDER BY r.opens_at, r.id",
        )
        .bind(sf(guild.0))
        .bind(channel.map_or(0, |c| sf(c.0)))
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(vec![
                unsf(r.try_get(0)?).to_string(),
                r.try_get::<String, _>(1)?,
                r.try_get::<i64, _>(2)?.to_string(),
                r.try_get::<String, _>(3)?,
                r.try_get::<String, _>(4)?,
                r.try_get::<String, _>(5)?,
                at(Some(r.try_get(6)?)),
                at(Some(r.try_get(7)?)),
                at(r.try_get(8)?),
                r.try_get::<i64, _>(9)?.to_string(),
                r.try_get::<i64, _>(10)?.to_string(),
                r.try_get::<String, _>(11)?.trim().to_owned(),
            ]);
        }
        Ok(Table {
            header: vec![
                "channel_id",
                "kind",
                "round",
                "date",
                "question",
                "state",
                "opened_at",
                "deadline",
                "revealed_at",
                "answers",
                "members",
                "prompt",
            ],
            rows: out,
        })
    }
}
