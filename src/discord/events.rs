//! Gateway events that are not commands.

use super::{Data, Error};
use crate::domain::GuildId;
use poise::serenity_prelude as serenity;

/// Dispatches one gateway event.
pub async fn handle(_ctx: &serenity::Context, event: &serenity::FullEvent, data: &Data) -> Result<(), Error> {
    match event {
        serenity::FullEvent::GuildCreate { guild, .. } => {
            data.store
                .ensure_guild(GuildId(guild.id.get()), chrono::Utc::now())
                .await?;
        }
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            // The bot was removed: keep the guild's data, remember when it left.
            data.store
                .mark_guild_left(GuildId(incomplete.id.get()), chrono::Utc::now())
                .await?;
        }
        _ => {}
    }
    Ok(())
}
