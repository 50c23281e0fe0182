//! The store suite: every test runs on SQLite and on PostgreSQL, each on a fresh database.

#[path = "../common/mod.rs"]
mod common;

mod blind;
mod concurrency;
mod corrections;
mod fairness;
mod fixtures;
mod pairing;
mod plans;
mod practice;
mod questions;
mod rounds;
mod schedules;
mod sessions;
mod shards;
mod standings;
mod upgrade;
