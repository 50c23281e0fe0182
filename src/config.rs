//! Configuration from the environment (and a `.env` file, loaded by the binary).
//!
//! Every variable is listed with its default in `.env.example`. A bad value stops start-up with
//! one sentence that names the variable and what it expects. The token is held in a [`Secret`]
//! whose `Debug` and `Display` never show it.

use crate::domain::shards::ShardPlan;
use std::fmt;
use std::path::PathBuf;

/// A value that must never reach a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it (the Discord client).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A configuration value that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong and what is expected, as a sentence fragment.
    pub problem: String,
}

/// The database URL default: a SQLite file next to where the bot runs.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://dailyq.db";

/// REST requests per second a process makes on its own unless told otherwise: a little under
/// Discord's global limit of 50.
pub const DEFAULT_REST_PER_SECOND: u32 = 48;

/// Everything the bot reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bot token (`DISCORD_TOKEN`); only `dailyq run` needs it.
    pub discord_token: Option<Secret>,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`).
    pub database_url: String,
    /// Folder of the shipped question bank (`QUESTIONS_DIR`).
    pub questions_dir: PathBuf,
    /// Whether to ask for the privileged MESSAGE_CONTENT intent (`DAILYQ_MESSAGE_CONTENT`).
    pub message_content: bool,
    /// Base URL of a Discord-compatible REST proxy (`DISCORD_PROXY_URL`).
    pub proxy_url: Option<url::Url>,
    /// Which shards this process runs (`DAILYQ_SHARDS`): all of them, or a range of several
    /// processes sharing one PostgreSQL.
    pub shards: ShardPlan,
    /// REST requests per second this process makes on its own, 1–50 (`DAILYQ_REST_PER_SECOND`).
    pub rest_per_second: u32,
    /// Where the HTTP server (health and metrics) listens (`DAILYQ_HTTP_ADDR`); none when unset.
    pub http_addr: Option<std::net::SocketAddr>,
    /// The web pages' public base URL (`DAILYQ_PUBLIC_URL`); by default `http://` and the HTTP
    /// address, when there is one.
    pub public_url: Option<url::Url>,
}

impl Config {
    /// Reads the configuration through `get`, which returns a variable's value if set.
    ///
    /// Taking a lookup function keeps tests free of process-wide environment changes.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let non_empty = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        // The token is only checked by `require_token`: `migrate` and `questions check` never
        // need it, so a stale or odd value in the environment must not stop them.
        let discord_token =
            non_empty("DISCORD_TOKEN").map(|t| Secret::new(t.trim_start_matches("Bot ").trim().to_owned()));

        let database_url = database_url_from_lookup(&get)?;

        let questions_dir = PathBuf::from(non_empty("QUESTIONS_DIR").unwrap_or_else(|| "questions".into()));

        let message_content = match non_empty("DAILYQ_MESSAGE_CONTENT").as_deref() {
            None => true,
            Some(v) => parse_bool(v).ok_or_else(|| ConfigError {
                variable: "DAILYQ_MESSAGE_CONTENT",
                problem: format!("`{v}` is not a switch: use true or false"),
            })?,
        };

        let proxy_url = match non_empty("DISCORD_PROXY_URL") {
            None => None,
            Some(v) => {
                let url = url::Url::parse(&v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"));
                Some(url.ok_or_else(|| ConfigError {
                    variable: "DISCORD_PROXY_URL",
                    problem:
                        "must be an http:// or https:// base URL, for example http://127.0.0.1:3000".into(),
                })?)
            }
        };

        let shards = match non_empty("DAILYQ_SHARDS") {
            None => ShardPlan::Auto,
            Some(v) => ShardPlan::parse(&v).map_err(|problem| ConfigError {
                variable: "DAILYQ_SHARDS",
                problem,
            })?,
        };
        // Other processes run the other shards; they can only share a PostgreSQL database.
        if let ShardPlan::Range(range) = shards
            && !range.is_all()
            && database_url.starts_with("sqlite:")
        {
            return Err(ConfigError {
                variable: "DAILYQ_SHARDS",
                problem: "a shard range is for several processes sharing one PostgreSQL: set DATABASE_URL to postgres://… or use auto".into(),
            });
        }
        // Discord's global limit is 50 per second per bot, shared by every process of it.
        let rest_per_second = match non_empty("DAILYQ_REST_PER_SECOND") {
            None => DEFAULT_REST_PER_SECOND,
            Some(v) => v.parse().ok().filter(|n| (1..=50).contains(n)).ok_or_else(|| ConfigError {
                variable: "DAILYQ_REST_PER_SECOND",
                problem: format!(
                    "`{v}` is not a rate between 1 and 50 (Discord allows 50 requests per second per bot, shared by all its processes)"
                ),
            })?,
        };

        let http_addr = match non_empty("DAILYQ_HTTP_ADDR") {
            None => None,
            Some(v) => Some(v.parse().map_err(|_| ConfigError {
                variable: "DAILYQ_HTTP_ADDR",
                problem: format!("`{v}` is not an address to listen on, such as 127.0.0.1:8080"),
            })?),
        };

        let public_url = match non_empty("DAILYQ_PUBLIC_URL") {
            None => http_addr.and_then(|addr| url::Url::parse(&format!("http://{addr}/")).ok()),
            Some(v) => Some(
                url::Url::parse(&v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.query().is_none())
                    .ok_or_else(|| ConfigError {
                        variable: "DAILYQ_PUBLIC_URL",
                        problem: format!(
                            "`{v}` is not an http:// or https:// base URL, such as https://dailyq.example.org/"
                        ),
                    })?,
            ),
        };

        Ok(Config {
            discord_token,
            database_url,
            questions_dir,
            message_content,
            proxy_url,
            shards,
            rest_per_second,
            http_addr,
            public_url,
        })
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// The token, or an error naming the variable, for commands that talk to Discord. Only
    /// `dailyq run` calls this, so only `run` fails on a missing or malformed token.
    pub fn require_token(&self) -> Result<&Secret, ConfigError> {
        let token = self.discord_token.as_ref().ok_or_else(|| ConfigError {
            variable: "DISCORD_TOKEN",
            problem: "is not set: put your bot's token in the environment or in .env (see .env.example)"
                .into(),
        })?;
        let t = token.expose();
        if t.chars().any(char::is_whitespace) || t.len() < 20 {
            return Err(ConfigError {
                variable: "DISCORD_TOKEN",
                problem: "is not a bot token: copy it from the Bot page of your application in the Discord developer portal".into(),
            });
        }
        Ok(token)
    }
}

/// `DATABASE_URL` alone (default [`DEFAULT_DATABASE_URL`]), for `dailyq migrate`, which needs
/// nothing else.
pub fn database_url_from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let database_url = get("DATABASE_URL")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        return Err(ConfigError {
            variable: "DATABASE_URL",
            problem: "must start with sqlite: (for example sqlite://dailyq.db) or postgres:// (for example postgres://user@localhost/dailyq)".into(),
        });
    }
    Ok(database_url)
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn defaults_use_a_sqlite_file_and_the_shipped_questions() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://dailyq.db");
        assert_eq!(c.questions_dir, PathBuf::from("questions"));
        assert!(c.message_content);
        assert!(c.discord_token.is_none());
        assert!(c.proxy_url.is_none());
        assert_eq!(c.shards, ShardPlan::Auto);
        assert_eq!(c.rest_per_second, 48);
    }

    #[test]
    fn a_shard_range_on_postgres_is_read_and_a_bad_one_is_one_sentence_naming_the_variable() {
        let pg = ("DATABASE_URL", "postgres://dailyq@db/dailyq");
        let c = config(&[pg, ("DAILYQ_SHARDS", "2-3/4")]).unwrap();
        assert_eq!(c.shards.owned().to_string(), "2-3/4");
        assert_eq!(
            config(&[pg, ("DAILYQ_SHARDS", "auto")]).unwrap().shards,
            ShardPlan::Auto
        );
        for bad in ["4-5/4", "two", "1-0/2", "0/0"] {
            let err = config(&[pg, ("DAILYQ_SHARDS", bad)]).unwrap_err();
            assert_eq!(err.variable, "DAILYQ_SHARDS");
            let text = err.to_string();
            assert!(
                text.starts_with("DAILYQ_SHARDS: `") && !text.contains('\n'),
                "{text}"
            );
        }
    }

    #[test]
    fn a_partial_shard_range_needs_postgres() {
        let err = config(&[("DAILYQ_SHARDS", "0-1/4")]).unwrap_err();
        assert_eq!(err.variable, "DAILYQ_SHARDS");
        assert!(err.problem.contains("PostgreSQL"), "{err}");
        // The whole range in one process is fine anywhere.
        assert!(config(&[("DAILYQ_SHARDS", "0-0/1")]).is_ok());
    }

    #[test]
    fn the_rest_rate_is_taken_between_1_and_50_and_refused_otherwise() {
        assert_eq!(
            config(&[("DAILYQ_REST_PER_SECOND", "24")])
                .unwrap()
                .rest_per_second,
            24
        );
        for bad in ["0", "51", "fast", "-3"] {
            let err = config(&[("DAILYQ_REST_PER_SECOND", bad)]).unwrap_err();
            assert_eq!(err.variable, "DAILYQ_REST_PER_SECOND", "{bad}");
        }
    }

    #[test]
    fn the_http_server_listens_only_where_told_and_a_bad_address_is_named() {
        assert_eq!(config(&[]).unwrap().http_addr, None);
        assert_eq!(
            config(&[("DAILYQ_HTTP_ADDR", "127.0.0.1:8080")])
                .unwrap()
                .http_addr,
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(
            config(&[("DAILYQ_HTTP_ADDR", "127.0.0.1:8080")])
                .unwrap()
                .public_url
                .map(String::from),
            Some("http://127.0.0.1:8080/".to_owned())
        );
        assert_eq!(
            config(&[("DAILYQ_PUBLIC_URL", "https://q.example.org/dailyq/")])
                .unwrap()
                .public_url
                .map(String::from),
            Some("https://q.example.org/dailyq/".to_owned())
        );
        let err = config(&[("DAILYQ_PUBLIC_URL", "q.example.org")]).unwrap_err();
        assert_eq!(err.variable, "DAILYQ_PUBLIC_URL");
        let err = config(&[("DAILYQ_HTTP_ADDR", "localhost")]).unwrap_err();
        assert_eq!(err.variable, "DAILYQ_HTTP_ADDR");
        assert!(err.problem.contains("127.0.0.1:8080"), "{err}");
    }

    #[test]
    fn a_missing_token_is_reported_by_name_only_when_needed() {
        let c = config(&[]).unwrap();
        let err = c.require_token().unwrap_err();
        assert_eq!(err.variable, "DISCORD_TOKEN");
        assert!(err.to_string().starts_with("DISCORD_TOKEN: is not set"));
    }

    #[test]
    fn the_token_never_appears_in_debug_output_or_errors() {
        let c = config(&[("DISCORD_TOKEN", TOKEN)]).unwrap();
        assert_eq!(c.require_token().unwrap().expose(), TOKEN);
        let shown = format!("{c:?}");
        assert!(!shown.contains(TOKEN) && !shown.contains("GabcDE"), "{shown}");
        let odd = config(&[("DISCORD_TOKEN", "short secret")]).unwrap();
        let bad = odd.require_token().unwrap_err();
        assert_eq!(bad.variable, "DISCORD_TOKEN");
        assert!(!bad.to_string().contains("short secret"));
        assert!(!format!("{odd:?}").contains("short secret"));
    }

    #[test]
    fn a_malformed_token_stops_only_what_needs_the_token() {
        // `migrate` and `questions check` read the configuration without asking for the token.
        let c = config(&[("DISCORD_TOKEN", "x"), ("DATABASE_URL", "sqlite://t.db")]).unwrap();
        assert_eq!(c.database_url, "sqlite://t.db");
        assert!(
            c.require_token()
                .unwrap_err()
                .to_string()
                .starts_with("DISCORD_TOKEN: is not a bot token")
        );
    }

    #[test]
    fn an_unsupported_database_url_names_the_variable_and_the_choices() {
        let err = config(&[("DATABASE_URL", "mysql://localhost/db")]).unwrap_err();
        assert_eq!(err.variable, "DATABASE_URL");
        assert!(err.problem.contains("sqlite:") && err.problem.contains("postgres://"));
    }

    #[test]
    fn switches_and_urls_are_validated() {
        assert!(
            !config(&[("DAILYQ_MESSAGE_CONTENT", "off")])
                .unwrap()
                .message_content
        );
        assert_eq!(
            config(&[("DAILYQ_MESSAGE_CONTENT", "maybe")])
                .unwrap_err()
                .variable,
            "DAILYQ_MESSAGE_CONTENT"
        );
        let proxied = config(&[("DISCORD_PROXY_URL", "http://127.0.0.1:3000")]).unwrap();
        assert_eq!(proxied.proxy_url.unwrap().as_str(), "http://127.0.0.1:3000/");
        assert_eq!(
            config(&[("DISCORD_PROXY_URL", "ftp://x")]).unwrap_err().variable,
            "DISCORD_PROXY_URL"
        );
    }
}
