//! Pure rules of dailyq: no serenity, no sqlx, no clock of its own (instants are passed in).

pub mod answers;
pub mod blind;
pub mod ids;
pub mod leaderboard;
pub mod limits;
pub mod pairing;
pub mod practice;
pub mod question;
pub mod retry;
pub mod rotation;
pub mod round;
pub mod schedule;
pub mod scoring;
pub mod seasons;
pub mod shards;
pub mod streaks;
pub mod suggestions;
pub mod text;
pub mod votes;
pub mod web;

pub use ids::{ChannelId, GuildId, MessageId, RoleId, UserId};
