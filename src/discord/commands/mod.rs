//! Slash commands, the checks they share, and the central error handler.

mod admin;
mod board;

use super::{Data, Error};
use crate::domain::GuildId;
use poise::serenity_prelude as serenity;

pub use board::leaderboard_page;

/// The poise context of dailyq's commands.
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// An error whose message is a sentence for the user (shown ephemerally, not logged as a failure).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Shorthand for a user-facing error.
pub fn user_error(message: impl Into<String>) -> Error {
    UserError(message.into()).into()
}

/// Every command dailyq registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![admin::dailyq(), board::leaderboard(), board::stats(), help()]
}

/// The guild a command runs in (every dailyq command is guild-only).
pub fn guild(ctx: Context<'_>) -> Result<GuildId, Error> {
    ctx.guild_id()
        .map(|g| GuildId(g.get()))
        .ok_or_else(|| user_error("This command works only inside a server."))
}

/// Refuses members without Manage Server, whatever the client showed them.
pub async fn require_admin(ctx: Context<'_>) -> Result<(), Error> {
    let member = ctx
        .author_member()
        .await
        .ok_or_else(|| user_error("This command works only inside a server."))?;
    let allowed = member
        .permissions
        .is_some_and(|p| p.manage_guild() || p.administrator());
    if allowed {
        Ok(())
    } else {
        Err(user_error(
            "Only members with the Manage Server permission can change dailyq's settings.",
        ))
    }
}

/// Checks that a channel argument belongs to this guild.
pub fn same_guild(ctx: Context<'_>, channel: &serenity::GuildChannel) -> Result<(), Error> {
    if Some(channel.guild_id) != ctx.guild_id() {
        return Err(user_error(format!(
            "<#{}> is not a channel of this server.",
            channel.id
        )));
    }
    Ok(())
}

/// Replies with an ephemeral text.
pub async fn say_private(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    ctx.send(poise::CreateReply::default().content(text).ephemeral(true))
        .await?;
    Ok(())
}

/// What dailyq does and how to start
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    say_private(ctx, HELP_TEXT).await
}

/// The text of `/help`.
pub const HELP_TEXT: &str = "**dailyq** posts an interview question every day in the channels a server chooses, \
opens a thread for answers, lets members upvote each other's answers with ⬆️, and reveals the \
reference answer at the deadline.\n\n\
**Members:** answer in the question's thread; upvote strong answers (not your own) with ⬆️. \
Points: answering, each member who upvoted you, and the most-upvoted answer. \
`/leaderboard` shows the standings, `/stats` your record and streak.\n\
**Admins (Manage Server):** `/dailyq setup` picks a channel, time, time zone and days; \
`/dailyq status`, `post`, `reveal`, `pause`, `resume`, `remove`, `scoring`, and `check` (permission diagnostics).";

/// Shows users a sentence; logs everything else with its chain.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let text = match error.downcast_ref::<UserError>() {
                Some(user) => user.0.clone(),
                None => {
                    tracing::error!(command = %ctx.command().qualified_name, error = ?error, "command failed");
                    "Something went wrong on my side; it has been logged. Please try again later.".to_owned()
                }
            };
            if let Err(e) = say_private(ctx, text).await {
                tracing::warn!(error = ?e, "could not tell the user about an error");
            }
        }
        poise::FrameworkError::ArgumentParse {
            error, input, ctx, ..
        } => {
            let what = input
                .map(|i| format!(" {}", crate::domain::text::quote_input(&i)))
                .unwrap_or_default();
            let text =
                format!("I could not read the argument{what}: {error}. Check the option and try again.");
            if let Err(e) = say_private(ctx, text).await {
                tracing::warn!(error = ?e, "could not tell the user about a bad argument");
            }
        }
        poise::FrameworkError::MissingUserPermissions { ctx, .. } => {
            let _ = say_private(
                ctx,
                "Only members with the Manage Server permission can use this command.",
            )
            .await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = ?e, "error while handling an error");
            }
        }
    }
}

/// Autocomplete for IANA time zones.
pub async fn autocomplete_timezone(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = crate::domain::schedule::Timezone::search(partial, 25)
        .into_iter()
        .map(|name| serenity::AutocompleteChoice::new(name, name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Autocomplete for categories of the guild's question bank.
pub async fn autocomplete_category(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let Some(guild) = ctx.guild_id() else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let categories = ctx
        .data()
        .store
        .categories(GuildId(guild.get()))
        .await
        .unwrap_or_default();
    let needle = partial.to_ascii_lowercase();
    let categories = categories
        .into_iter()
        .filter(|c| c.as_str().contains(&needle) || c.title().to_ascii_lowercase().contains(&needle))
        .take(25)
        .map(|c| serenity::AutocompleteChoice::new(c.title(), c.as_str().to_owned()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(categories)
}
