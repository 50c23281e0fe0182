//! Test harness shared by the integration tests: a fresh database per test, on SQLite always and
//! on PostgreSQL when `DAILYQ_TEST_POSTGRES_URL` names a server.
#![allow(dead_code)]

use dailyq::store::Store;
use std::sync::atomic::{AtomicU32, Ordering};

/// Names a PostgreSQL server on which each test creates (and drops) its own database.
pub const POSTGRES_ENV: &str = "DAILYQ_TEST_POSTGRES_URL";

/// A store on a database that exists only for one test.
pub struct TestDb {
    /// The store under test.
    pub store: Store,
    postgres: Option<(String, String)>,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A migrated SQLite file in a temporary folder.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open sqlite");
        TestDb {
            store,
            postgres: None,
            url,
            _dir: Some(dir),
        }
    }

    /// A migrated PostgreSQL database created for this test, or `None` when no server is
    /// configured. In CI (`CI` set) a missing server is an error, so the suite cannot silently
    /// shrink to SQLite only.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{POSTGRES_ENV} must name a PostgreSQL server when CI is set"
            );
            eprintln!("note: {POSTGRES_ENV} is not set; skipping the PostgreSQL run of this test");
            return None;
        };
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "dailyq_t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        admin(&admin_url, &format!("CREATE DATABASE {name}")).await;
        let mut url = url::Url::parse(&admin_url).expect("postgres url");
        url.set_path(&name);
        let store = Store::open(url.as_str()).await.expect("open postgres");
        Some(TestDb {
            store,
            postgres: Some((admin_url, name)),
            url: url.to_string(),
            _dir: None,
        })
    }

    /// The database URL of this test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the store and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = &self.postgres {
            admin(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

async fn admin(admin_url: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to the PostgreSQL server");
    conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .expect(sql);
    conn.close().await.ok();
}

/// Generates, for each named `async fn(&Store)`, one test on SQLite and one on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::common::TestDb::sqlite().await;
                    super::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = $crate::common::TestDb::postgres().await else { return };
                    super::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}

/// Runs one SQL statement on a test database, to make data the bot's own code never writes
/// (a database from before a migration, say).
pub async fn execute(url: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect to the test database");
    conn.execute(sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .expect(sql);
    conn.close().await.ok();
}
