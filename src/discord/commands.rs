//! Slash commands and the central error handler.

use super::{Context, Data, Error};

/// Every command dailyq registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![help()]
}

/// What dailyq does and how to start
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    ctx.send(poise::CreateReply::default().content(HELP_TEXT).ephemeral(true))
        .await?;
    Ok(())
}

/// The text of `/help`.
pub const HELP_TEXT: &str = "**dailyq** posts an interview question every day in the channels you choose, \
opens a thread for answers, lets members upvote each other's answers with ⬆️, and reveals the \
reference answer at the deadline. Answers and upvotes earn points, streaks and a place on the \
leaderboard.\n\n\
**Start:** an admin runs `/dailyq setup` in a channel with the time and time zone of the daily post.";

/// Shows users a sentence; logs everything else with its chain.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, error = ?error, "command failed");
            let reply = poise::CreateReply::default()
                .content(
                    "Something went wrong on my side; the error has been logged. Please try again later.",
                )
                .ephemeral(true);
            if let Err(e) = ctx.send(reply).await {
                tracing::warn!(error = ?e, "could not tell the user about an error");
            }
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = ?e, "error while handling an error");
            }
        }
    }
}
