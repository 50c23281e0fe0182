//! Data exports as CSV: a header row, RFC 4180 quoting (the csv crate writes it), UTF-8; split
//! into parts that each fit one Discord attachment.

use crate::domain::leaderboard::{Board, Period};
use crate::domain::{ChannelId, GuildId};
use crate::store::Table;
use chrono::{DateTime, Utc};

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Each member's points and answered rounds on a board.
    Scores,
    /// Every answer, with its round, question and upvotes.
    Answers,
    /// Every round.
    Rounds,
}

impl ExportKind {
    /// Its name in commands and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Scores => "scores",
            ExportKind::Answers => "answers",
            ExportKind::Rounds => "rounds",
        }
    }

    /// Reads a name.
    pub fn parse(s: &str) -> Result<ExportKind, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scores" => Ok(ExportKind::Scores),
            "answers" => Ok(ExportKind::Answers),
            "rounds" => Ok(ExportKind::Rounds),
            _ => Err(format!(
                "{} is not an export; use scores, answers or rounds",
                crate::domain::text::quote_input(s)
            )),
        }
    }
}

/// The rows of an export, read from the store at `now` (periods in the guild's zone; the
/// guild's standings are built first if its ledger predates them).
pub async fn table(
    store: &crate::store::Store,
    guild: GuildId,
    kind: ExportKind,
    period: Period,
    channel: Option<ChannelId>,
    now: DateTime<Utc>,
) -> crate::store::Result<Table> {
    let settings = match kind {
        ExportKind::Scores => store.settings_with_standings(guild, now).await?,
        ExportKind::Answers | ExportKind::Rounds => store.ensure_guild(guild, now).await?,
    };
    match kind {
        ExportKind::Scores => {
            let bucket = Board::Daily.bucket(period, settings.timezone, now);
            store.export_scores(guild, channel, &bucket).await
        }
        ExportKind::Answers => {
            store
                .export_answers(guild, channel, period.bounds(settings.timezone, now))
                .await
        }
        ExportKind::Rounds => {
            store
                .export_rounds(guild, channel, period.bounds(settings.timezone, now))
                .await
        }
    }
}

/// A table as one CSV file.
pub fn to_csv(table: &Table) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let written = (|| -> csv::Result<()> {
        w.write_record(&table.header)?;
        for row in &table.rows {
            w.write_record(row)?;
        }
        w.flush()?;
        Ok(())
    })();
    written.expect("writing CSV to memory cannot fail");
    w.into_inner().expect("flushed above")
}

/// A table as CSV parts of at most `max_bytes` each, every part with the header row, in row
/// order; `None` when a part would need more than `max_parts` (or one row alone is too big).
pub fn to_csv_parts(table: &Table, max_bytes: usize, max_parts: usize) -> Option<Vec<Vec<u8>>> {
    let header = to_csv(&Table {
        header: table.header.clone(),
        rows: Vec::new(),
    });
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut current = header.clone();
    let mut rows_in_current = 0;
    for row in &table.rows {
        let line = to_csv(&Table {
            header: table.header.clone(),
            rows: vec![row.clone()],
        });
        let line = &line[header.len()..];
        if header.len() + line.len() > max_bytes {
            return None;
        }
        if current.len() + line.len() > max_bytes && rows_in_current > 0 {
            parts.push(std::mem::replace(&mut current, header.clone()));
            rows_in_current = 0;
        }
        current.extend_from_slice(line);
        rows_in_current += 1;
    }
    parts.push(current);
    (parts.len() <= max_parts).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize) -> Table {
        Table {
            header: vec!["member_id", "content"],
            rows: (0..rows)
                .map(|i| vec![i.to_string(), format!("line \"{i}\", with a comma\nand a break")])
                .collect(),
        }
    }

    #[test]
    fn a_table_becomes_rfc_4180_csv_that_reads_back() {
        let bytes = to_csv(&table(2));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("member_id,content\n"), "{text}");
        assert!(
            text.contains("\"line \"\"0\"\", with a comma\nand a break\""),
            "{text}"
        );
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let back: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(back.len(), 2);
        assert_eq!(&back[1][1], "line \"1\", with a comma\nand a break");
    }

    #[test]
    fn a_large_table_splits_into_parts_with_headers_or_is_refused() {
        let t = table(100);
        let whole = to_csv(&t).len();
        let parts = to_csv_parts(&t, whole / 3, 10).unwrap();
        assert!(parts.len() >= 3 && parts.len() <= 4, "{}", parts.len());
        let mut rows = 0;
        for p in &parts {
            assert!(p.len() <= whole / 3);
            assert!(p.starts_with(b"member_id,content\n"));
            rows += csv::Reader::from_reader(p.as_slice()).records().count();
        }
        assert_eq!(rows, 100, "no row lost or repeated");
        assert_eq!(to_csv_parts(&t, whole / 3, 2), None, "too many parts");
        assert_eq!(to_csv_parts(&t, whole, 1).unwrap().len(), 1);
        assert_eq!(to_csv_parts(&t, 20, 100), None, "a row larger than a part");
        assert_eq!(ExportKind::parse(" Answers"), Ok(ExportKind::Answers));
        assert!(ExportKind::parse("votes").is_err());
    }
}
