//! All SQL of dailyq. One [`Store`] over a pool; one file per aggregate adds methods to it.
//!
//! Every query is one dialect-neutral text served to SQLite and PostgreSQL alike through sqlx's
//! `Any` driver: `$n` placeholders, `ON CONFLICT`, `RETURNING`. The `Any` driver carries only
//! integers, floats, text and blobs, so instants are unix milliseconds, Discord snowflakes are
//! u64 stored bit-for-bit as i64, flags are 0/1, and lists are JSON text. Conversions live here
//! and rows never leave this module: methods return domain types.

mod answers;
mod blind;
mod corrections;
mod export;
mod guilds;
mod pairing;
mod practice;
mod questions;
mod queue;
mod reminders;
mod rounds;
mod schedules;
mod scores;
mod seasons;
mod standings;
mod streaks;
mod suggestions;
mod votes;
mod web;

pub use blind::Sealed;
pub use corrections::Correction;
pub use export::Table;
pub use guilds::GuildArrival;
pub use pairing::PendingPairing;
pub use practice::SessionProgress;
pub use questions::{GuildQuestion, StagedImport, SyncReport};
pub use queue::Queued;
pub use rounds::NewRound;
pub use seasons::SeasonSettings;
pub use votes::MAX_VOTE_BATCH;

use crate::domain::shards::ShardRange;
use crate::domain::{ChannelId, GuildId};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (the zero-setup default).
    Sqlite,
    /// A PostgreSQL server (for several bot processes).
    Postgres,
}

/// Anything that went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed a query.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row held a value the domain does not accept (a bug or a hand-edited database).
    #[error("corrupt row in {table}: {problem}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        problem: String,
    },
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A write refused by [`Store::crash_writes_after`]: the process counts as dead.
    #[error("writes are stopped (a crash simulated by a test)")]
    WritesStopped,
}

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database: a pool plus the knowledge of which backend it is.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Writes still allowed before every later one fails (fault injection); negative: no limit.
    write_budget: Arc<AtomicI64>,
    /// Writes refused since the budget ran out.
    refused_writes: Arc<AtomicU64>,
    /// Where the first refused write was made.
    first_refused: Arc<std::sync::Mutex<Option<String>>>,
    /// The shards whose guilds the due queries return (see [`Store::owning`]).
    shards: ShardRange,
    /// Database accesses (a query, a write or a transaction begun), for tests that prove a
    /// path costs none.
    accesses: Arc<AtomicU64>,
}

impl Store {
    /// Connects to `url` (`sqlite://…` creates the file when missing; `postgres://…`).
    ///
    /// SQLite connections use WAL, foreign keys and a busy timeout; write transactions start
    /// with `BEGIN IMMEDIATE` (see [`Store::begin_write`]) so concurrent writers wait instead of
    /// failing with "database is locked".
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(30));
        let options = match backend {
            Backend::Sqlite => options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options.connect(&url).await?;
        Ok(Store {
            pool,
            backend,
            write_budget: Arc::new(AtomicI64::new(-1)),
            refused_writes: Arc::new(AtomicU64::new(0)),
            first_refused: Arc::new(std::sync::Mutex::new(None)),
            shards: ShardRange::ALL,
            accesses: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The same database seen by a process that runs only `shards`: every query for scheduled
    /// work (due posts, due reveals, half-done rounds, the next wake-up) returns only guilds of
    /// those shards, by Discord's rule `(guild_id >> 22) % N`. Everything else is unchanged.
    pub fn owning(&self, shards: ShardRange) -> Store {
        Store {
            shards,
            ..self.clone()
        }
    }

    /// The shards whose scheduled work this store returns.
    pub fn shards(&self) -> ShardRange {
        self.shards
    }

    /// The shard filter's values, bound as `(N, A, B)` to a
    /// `((guild_id >> 22) % N) BETWEEN A AND B` clause. Guild ids are below 2^63, so the
    /// stored i64 is non-negative and the shift means the same on both backends.
    pub(crate) fn shard_binds(&self) -> (i64, i64, i64) {
        let s = self.shards;
        (i64::from(s.total()), i64::from(s.first()), i64::from(s.last()))
    }

    /// Connects and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations of this backend.
    #[tracing::instrument(skip_all)]
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers a trivial query (for readiness).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(self.pool()).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front, so it
    /// waits for other writers (busy timeout) instead of failing when it upgrades.
    #[track_caller]
    pub(crate) fn begin_write(&self) -> impl Future<Output = Result<Transaction<'static, Any>>> + Send + '_ {
        // Checked here, not in the future, so a refused write names its caller.
        let step = self.write_step();
        async move {
            step?;
            Ok(match self.backend {
                Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => self.pool.begin().await?,
            })
        }
    }

    /// Runs a shard-filtered "what is due" query: `sql` binds `$1` to `now` and `$2`..`$4` to
    /// this store's shard range, and returns (guild, channel) rows, one per guild.
    pub(crate) async fn guild_work(
        &self,
        sql: &'static str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(GuildId, ChannelId)>> {
        let (n, a, b) = self.shard_binds();
        let rows = sqlx::query(sql)
            .bind(ms(now))
            .bind(n)
            .bind(a)
            .bind(b)
            .fetch_all(self.pool())
            .await?;
        let mut out = rows
            .iter()
            .map(|r| Ok((GuildId(unsf(r.try_get(0)?)), ChannelId(unsf(r.try_get(1)?)))))
            .collect::<Result<Vec<_>>>()?;
        out.sort();
        out.dedup_by_key(|(g, _)| *g);
        Ok(out)
    }

    /// Runs a shard-filtered "when is the next one" query: `sql` selects one nullable instant,
    /// binding `$1` to `now` and `$2`..`$4` to this store's shard range.
    pub(crate) async fn earliest_after(
        &self,
        sql: &'static str,
        table: &'static str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let (n, a, b) = self.shard_binds();
        let row = sqlx::query(sql)
            .bind(ms(now))
            .bind(n)
            .bind(a)
            .bind(b)
            .fetch_one(self.pool())
            .await?;
        row.try_get::<Option<i64>, _>(0)?
            .map(|v| from_ms(table, v))
            .transpose()
    }

    /// Counts an attempt at a step that posts on Discord (`sql` adds one to the row's counter),
    /// before it is made: a retry with the counter above zero looks for what an earlier attempt
    /// posted before it could record it.
    pub(crate) async fn count_attempt(&self, sql: &'static str, id: i64) -> Result<()> {
        sqlx::query(sql).bind(id).execute(self.writer()?).await?;
        Ok(())
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        self.accesses.fetch_add(1, Ordering::Relaxed);
        &self.pool
    }

    /// How many database accesses this store and its clones have made (each query, write or
    /// transaction begun through it counts once).
    pub fn accesses(&self) -> u64 {
        self.accesses.load(Ordering::Relaxed)
    }

    /// The pool, for one write that is a step of its own (counted by [`Store::crash_writes_after`]).
    #[track_caller]
    pub(crate) fn writer(&self) -> Result<&AnyPool> {
        self.write_step()?;
        Ok(&self.pool)
    }

    #[track_caller]
    fn write_step(&self) -> Result<()> {
        self.accesses.fetch_add(1, Ordering::Relaxed);
        let allowed = self
            .write_budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| match b {
                b if b < 0 => Some(b),
                0 => None,
                b => Some(b - 1),
            })
            .is_ok();
        if allowed {
            Ok(())
        } else {
            if self.refused_writes.fetch_add(1, Ordering::SeqCst) == 0 {
                let at = std::panic::Location::caller();
                *self
                    .first_refused
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(format!("{}:{}", at.file(), at.line()));
            }
            Err(StoreError::WritesStopped)
        }
    }

    /// Fault injection for crash tests: lets the next `n` write steps (a statement or a
    /// transaction) through, then refuses every later one on this store and its clones, as if the
    /// process had died right after the `n`-th. [`Store::heal_writes`] ends it.
    pub fn crash_writes_after(&self, n: u32) {
        self.refused_writes.store(0, Ordering::SeqCst);
        *self
            .first_refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.write_budget.store(i64::from(n), Ordering::SeqCst);
    }

    /// Ends [`Store::crash_writes_after`].
    pub fn heal_writes(&self) {
        self.write_budget.store(-1, Ordering::SeqCst);
    }

    /// Writes refused since [`Store::crash_writes_after`] ran out.
    pub fn refused_writes(&self) -> u64 {
        self.refused_writes.load(Ordering::SeqCst)
    }

    /// Where in the store the first refused write was made (`file:line`).
    pub fn first_refused_write(&self) -> Option<String> {
        self.first_refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A snowflake as stored (bit-for-bit).
pub(crate) fn sf(id: u64) -> i64 {
    id as i64
}

/// A stored snowflake back to u64.
pub(crate) fn unsf(v: i64) -> u64 {
    v as u64
}

/// An instant as stored.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored instant back to a `DateTime`.
pub(crate) fn from_ms(table: &'static str, v: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_millis_opt(v)
        .single()
        .ok_or_else(|| StoreError::Corrupt {
            table,
            problem: format!("{v} is not an instant"),
        })
}

/// Turns a domain parse error into a store error naming the table.
pub(crate) fn corrupt<T>(table: &'static str) -> impl FnOnce(T) -> StoreError
where
    T: std::fmt::Display,
{
    move |e| StoreError::Corrupt {
        table,
        problem: e.to_string(),
    }
}

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` rows of `width` parameters.
pub(crate) fn value_rows(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", r * width + c + 1));
        }
        out.push(')');
    }
    out
}
