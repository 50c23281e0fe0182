//! Logging: `RUST_LOG` filters (default `warn,dailyq=info`). Besides the log, a layer of its
//! own reads sqlx's per-statement events (target `sqlx::query`, whatever `RUST_LOG` says) into
//! the database latency histogram of [`crate::metrics`].

use crate::config::ConfigError;
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The filter used when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "warn,dailyq=info";

/// Parses a `RUST_LOG` value; `None` or blank gives the default filter.
pub fn filter(value: Option<&str>) -> Result<EnvFilter, ConfigError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(EnvFilter::new(DEFAULT_FILTER)),
        Some(v) => EnvFilter::try_new(v).map_err(|e| ConfigError {
            variable: "RUST_LOG",
            problem: format!("`{v}` is not a log filter ({e}): use for example info or warn,dailyq=debug"),
        }),
    }
}

/// Installs the global subscriber once; later calls do nothing.
pub fn init() -> Result<(), ConfigError> {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref())?;
    // Logs go to stderr; colours only when a person is watching.
    let log = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(filter);
    let _ = tracing_subscriber::registry()
        .with(log)
        .with(query_latency())
        .try_init();
    Ok(())
}

/// The layer that times database statements: sqlx's `sqlx::query` events, which it emits at
/// DEBUG for each statement with its summary and `elapsed_secs`.
pub fn query_latency<S>() -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    QueryLatency.with_filter(Targets::new().with_target("sqlx::query", LevelFilter::DEBUG))
}

struct QueryLatency;

impl<S: tracing::Subscriber> Layer<S> for QueryLatency {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut statement = StatementVisit::default();
        event.record(&mut statement);
        if let Some(seconds) = statement.seconds {
            crate::metrics::observe_query(statement.kind.unwrap_or("other"), seconds);
        }
    }
}

#[derive(Default)]
struct StatementVisit {
    kind: Option<&'static str>,
    seconds: Option<f64>,
}

impl Visit for StatementVisit {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = Some(value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            self.kind = Some(crate::metrics::statement_label(value));
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlx_statement_events_feed_the_latency_histogram_and_other_events_do_not() {
        let count = |statement: &str| {
            let text = crate::metrics::Metrics::new().render();
            let series = format!("dailyq_db_query_seconds_count{{statement=\"{statement}\"}} ");
            text.lines()
                .find_map(|l| l.strip_prefix(series.as_str()))
                .map_or(0, |v| v.parse::<u64>().unwrap())
        };
        let before = count("delete");
        let subscriber = tracing_subscriber::registry().with(query_latency());
        tracing::subscriber::with_default(subscriber, || {
            // The shape of sqlx's own event (sqlx-core's QueryLogger).
            let summary = "DELETE FROM votes …".to_owned();
            tracing::debug!(target: "sqlx::query", summary, rows_affected = 1u64, elapsed_secs = 0.004);
            tracing::debug!(target: "dailyq", summary = "DELETE", elapsed_secs = 9.0);
        });
        assert_eq!(count("delete"), before + 1);
    }

    #[test]
    fn an_invalid_log_filter_is_named_and_a_missing_one_uses_the_default() {
        assert_eq!(
            filter(None).unwrap().to_string(),
            EnvFilter::new(DEFAULT_FILTER).to_string()
        );
        assert_eq!(
            filter(Some("  ")).unwrap().to_string(),
            EnvFilter::new(DEFAULT_FILTER).to_string()
        );
        assert!(filter(Some("warn,dailyq=debug")).is_ok());
        let err = filter(Some("dailyq=loud")).unwrap_err();
        assert_eq!(err.variable, "RUST_LOG");
    }
}
