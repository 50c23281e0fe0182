//! dailyq: a Discord bot that posts a daily interview question, collects answers and votes in a
//! thread, reveals the reference answer at the deadline and keeps scores.
//!
//! Layers (see ARCHITECTURE.md): [`domain`] holds pure rules, [`store`] all SQL, [`bank`] the
//! question files, [`discord`] the serenity/poise wiring; [`cli`] and [`config`] are the edges.

pub mod bank;
pub mod cli;
pub mod clock;
pub mod config;
pub mod discord;
pub mod domain;
pub mod export;
pub mod http;
pub mod metrics;
pub mod store;
pub mod telemetry;
pub mod web;
