//! Logging: `RUST_LOG` filters (default `warn,dailyq=info`).

use crate::config::ConfigError;
use tracing_subscriber::EnvFilter;

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
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
