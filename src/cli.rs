//! The command line: `dailyq [run]`, `dailyq migrate`, `dailyq questions check [DIR]`,
//! `dailyq export --guild ID --what …`.

use crate::bank;
use crate::config::Config;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// dailyq: a daily interview question for your Discord server.
#[derive(Debug, Parser)]
#[command(name = "dailyq", version, about)]
pub struct Cli {
    /// What to do (default: run the bot).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the bot (the default).
    Run,
    /// Apply database migrations and exit.
    Migrate,
    /// Write a guild's scores, answers or rounds as CSV (to stdout, or to --out).
    Export {
        /// The guild (server) id.
        #[arg(long)]
        guild: u64,
        /// scores, answers or rounds.
        #[arg(long)]
        what: String,
        /// week, month or all (default all); periods are in the guild's time zone.
        #[arg(long, default_value = "all")]
        period: String,
        /// Only this channel id.
        #[arg(long)]
        channel: Option<u64>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Work with question files.
    Questions {
        /// What to do with them.
        #[command(subcommand)]
        command: QuestionsCommand,
    },
}

/// `dailyq questions …`
#[derive(Debug, Subcommand)]
pub enum QuestionsCommand {
    /// Check question files and list every problem (exit status 1 if there is any).
    Check {
        /// Folder of question files (default: QUESTIONS_DIR, else `questions`).
        dir: Option<PathBuf>,
    },
}

/// Runs a parsed command line and returns the process exit code.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Run) {
        Command::Questions {
            command: QuestionsCommand::Check { dir },
        } => {
            // Only QUESTIONS_DIR matters here: a question author needs no token or database.
            let dir = dir
                .or_else(|| {
                    std::env::var_os("QUESTIONS_DIR")
                        .filter(|d| !d.is_empty())
                        .map(PathBuf::from)
                })
                .unwrap_or_else(|| PathBuf::from("questions"));
            Ok(check_questions(&dir))
        }
        Command::Migrate => {
            // Only DATABASE_URL matters here: migrating needs no token and no Discord settings.
            let database_url = crate::config::database_url_from_lookup(|name| std::env::var(name).ok())?;
            let store = Store::connect(&database_url)
                .await
                .with_context(|| format!("cannot open the database at {}", redact_url(&database_url)))?;
            store.migrate().await.context("migrations failed")?;
            println!("Database at {} is up to date.", redact_url(&database_url));
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            guild,
            what,
            period,
            channel,
            out,
        } => {
            // Only DATABASE_URL matters here, like `migrate`.
            let kind = crate::export::ExportKind::parse(&what).map_err(anyhow::Error::msg)?;
            let period = match period.trim().to_ascii_lowercase().as_str() {
                "week" => crate::domain::leaderboard::Period::Week,
                "month" => crate::domain::leaderboard::Period::Month,
                "all" => crate::domain::leaderboard::Period::AllTime,
                other => anyhow::bail!("--period {other:?} is not a period; use week, month or all"),
            };
            let database_url = crate::config::database_url_from_lookup(|name| std::env::var(name).ok())?;
            let store = Store::connect(&database_url)
                .await
                .with_context(|| format!("cannot open the database at {}", redact_url(&database_url)))?;
            store.migrate().await.context("migrations failed")?;
            let table = crate::export::table(
                &store,
                crate::domain::GuildId(guild),
                kind,
                period,
                channel.map(crate::domain::ChannelId),
                chrono::Utc::now(),
            )
            .await?;
            let bytes = crate::export::to_csv(&table);
            match out {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
            }
            eprintln!("{} rows of {}.", table.rows.len(), kind.as_str());
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            let config = Config::from_env()?;
            crate::discord::run(config).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks a question folder, printing a summary or every problem.
pub fn check_questions(dir: &std::path::Path) -> ExitCode {
    match bank::load_dir(dir) {
        Ok(questions) => {
            let mut by_category = std::collections::BTreeMap::<String, usize>::new();
            for q in &questions {
                *by_category.entry(q.question.category.to_string()).or_default() += 1;
            }
            println!("{}: {} questions, all valid.", dir.display(), questions.len());
            for (category, n) in by_category {
                println!("  {category}: {n}");
            }
            // Likely duplicates are warnings: the bank still loads.
            for warning in bank::near_duplicate_warnings(&questions) {
                eprintln!("{warning}");
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::FAILURE
        }
    }
}

/// A database URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://bot:hunter2@db/dailyq"),
            "postgres://bot:***@db/dailyq"
        );
        assert_eq!(redact_url("sqlite://dailyq.db"), "sqlite://dailyq.db");
    }
}
