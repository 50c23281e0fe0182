//! End to end: the real bot against the fake Discord, on SQLite and PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod answers;
mod binary;
mod blind;
mod browser;
mod corrections;
mod crash;
mod export;
mod fairness;
mod harness;
mod http;
mod ingest;
mod logs;
mod pairing;
mod practice;
mod proxy;
mod questions;
mod queue;
mod recovery;
mod reminders;
mod round;
mod seasons;
mod sessions;
mod setup;
mod shards;
mod suggestions;
mod web;

/// Generates, for each named `async fn(&mut App)`, one test per backend.
#[macro_export]
macro_rules! e2e_on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let mut app = $crate::harness::App::start($crate::harness::Backend::Sqlite).await.unwrap();
                    super::$name(&mut app).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(mut app) = $crate::harness::App::start($crate::harness::Backend::Postgres).await else { return };
                    super::$name(&mut app).await;
                    app.finish().await;
                }
            )*
        }
    };
}
