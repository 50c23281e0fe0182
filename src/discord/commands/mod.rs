//! Slash commands, the checks they share, and the central error handler.

mod admin;
mod board;
mod pair;
mod practice;
mod questions;

use super::{Data, Error};
use crate::domain::text::shorten;
use crate::domain::{ChannelId, GuildId};
use poise::serenity_prelude as serenity;

pub use board::leaderboard_page;
pub use practice::solo_click;
pub use questions::{form_submitted, import_click, is_editor};

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

/// Answers a command with a form (a modal), as its first and only response.
pub(crate) async fn open_modal(ctx: Context<'_>, modal: serenity::CreateModal) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Err(user_error("Use the slash command: it opens a form."));
    };
    app.interaction
        .create_response(ctx.http(), serenity::CreateInteractionResponse::Modal(modal))
        .await?;
    app.has_sent_initial_response
        .store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// Suggest a question for this server (the editors review it)
#[poise::command(slash_command, guild_only)]
pub async fn suggest(ctx: Context<'_>) -> Result<(), Error> {
    super::suggestions::open_form(ctx).await
}

/// Every command dailyq registers.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        admin::dailyq(),
        board::leaderboard(),
        board::stats(),
        practice::practice(),
        pair::pair(),
        questions::questions(),
        suggest(),
        help(),
    ]
}

/// A category option as a member typed or picked it (its id or its title), checked against the
/// categories of the guild's live questions.
pub async fn category_option(
    data: &Data,
    guild: GuildId,
    input: Option<String>,
) -> Result<Option<crate::domain::question::Category>, Error> {
    let Some(input) = input else {
        return Ok(None);
    };
    let wanted = input.trim().to_ascii_lowercase();
    let found = data
        .store
        .categories(guild)
        .await?
        .into_iter()
        .find(|k| k.as_str() == wanted || k.title().to_ascii_lowercase() == wanted);
    found.map(Some).ok_or_else(|| {
        user_error(format!(
            "{} is not a category of the question bank; pick one from the list.",
            crate::domain::text::quote_input(&input)
        ))
    })
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
    match foreign_channel(
        ctx.guild_id().map(|g| g.get()),
        channel.guild_id.get(),
        channel.id.get(),
    ) {
        Some(refusal) => Err(user_error(refusal)),
        None => Ok(()),
    }
}

/// The refusal for a channel of another server than the one the command runs in.
fn foreign_channel(here: Option<u64>, channel_guild: u64, channel: u64) -> Option<String> {
    (here != Some(channel_guild)).then(|| format!("<#{channel}> is not a channel of this server."))
}

/// Why a daily question cannot live in a channel of this kind, if it cannot: only text and
/// announcement channels take a question post and its thread.
pub(super) fn unusable_kind(channel: u64, kind: serenity::ChannelType) -> Option<String> {
    use serenity::ChannelType as Kind;
    let what = match kind {
        Kind::Text | Kind::News => return None,
        Kind::PublicThread | Kind::PrivateThread | Kind::NewsThread => "a thread",
        Kind::Voice => "a voice channel",
        Kind::Stage => "a stage channel",
        Kind::Forum => "a forum",
        Kind::Category => "a category",
        Kind::Unknown(16) => "a media channel",
        _ => "not a text channel",
    };
    Some(format!(
        "<#{channel}> is {what}: the daily question needs a text or announcement channel."
    ))
}

/// A channel argument of an admin command, checked on the server side (a client can send any
/// channel whatever the option's `channel_types`): it must be a text or announcement channel of
/// this server.
pub fn usable_channel(ctx: Context<'_>, channel: &serenity::GuildChannel) -> Result<ChannelId, Error> {
    let refusal = foreign_channel(
        ctx.guild_id().map(|g| g.get()),
        channel.guild_id.get(),
        channel.id.get(),
    )
    .or_else(|| unusable_kind(channel.id.get(), channel.kind));
    match refusal {
        Some(refusal) => Err(user_error(refusal)),
        None => Ok(ChannelId(channel.id.get())),
    }
}

/// Discord refuses message content over 2,000 characters (serenity refuses to send it, and the
/// member would be left on "thinking…").
pub const REPLY_LIMIT: usize = 2000;
/// How much of a member's input a reply quotes.
pub const QUOTE_LIMIT: usize = crate::domain::text::MAX_QUOTE_CHARS;

/// A reply that Discord accepts whatever it quotes: every backtick-quoted span longer than
/// [`QUOTE_LIMIT`] is shortened, and as a last resort the whole is cut to [`REPLY_LIMIT`].
pub fn fit_reply(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * REPLY_LIMIT));
    let parts: Vec<&str> = text.split('`').collect();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts sit between two backticks; a trailing unpaired one is left as it is.
        let quoted = i % 2 == 1 && i + 1 < parts.len();
        if quoted {
            out.push_str(&shorten(part, QUOTE_LIMIT));
        } else {
            out.push_str(part);
        }
    }
    shorten(&out, REPLY_LIMIT)
}

/// Replies with an ephemeral text, cut to what Discord accepts.
pub async fn say_private(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    let text = shorten(&text.into(), REPLY_LIMIT);
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
`/leaderboard` shows the standings, `/stats` your record and streak. \
`/practice start` runs a practice session in a channel (questions back to back, a scoreboard at the end; \
`/practice next` and `/practice stop` steer it); `/practice solo` gives you a question of your own, with hints, its answer and a review queue; \
`/pair join` puts you in the next mock-interview pairing; `/suggest` proposes a question to the server's editors.\n\
**Admins (Manage Server):** `/dailyq setup` picks a channel, time, time zone and days (`blind:true` hides answers until the deadline; `source:` picks the shipped bank, this server's questions or both); \
`/questions add`, `edit`, `retire`, `show`, `list`, `import` and `export` manage this server's own questions (`question-editors` names who else may; `suggestions` picks where members' `/suggest` ideas are reviewed); \
`/dailyq status`, `post` (optionally a chosen question), `queue` (questions that come next), `reveal`, `pause`, `resume`, `remove`, `scoring`, `practice-role` (who may start sessions), `pairing` (when members are paired for mock interviews), `season` (seasons, recaps, a champion role), \
`points`, `points-log` and `disqualify` (corrections, kept in the ledger), `export` (CSV of scores, answers or rounds), and `check` (permission diagnostics).";

#[cfg(test)]
mod help_tests {
    #[test]
    fn the_help_text_fits_one_discord_message() {
        assert!(
            super::HELP_TEXT.chars().count() <= super::REPLY_LIMIT,
            "{}",
            super::HELP_TEXT.len()
        );
    }
}

/// Shows users a sentence; logs everything else with its chain.
/// Counts a finished command in the metrics, with its latency from Discord's creation of the
/// interaction.
pub fn observe_command(ctx: Context<'_>, outcome: &str) {
    let latency = (ctx.data().clock.now() - crate::domain::ids::snowflake_time(ctx.id()))
        .to_std()
        .unwrap_or_default();
    ctx.data()
        .metrics
        .interaction(&ctx.command().qualified_name, outcome, latency);
}

pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            observe_command(
                ctx,
                if error.downcast_ref::<UserError>().is_some() {
                    "refused"
                } else {
                    "error"
                },
            );
            let text = match error.downcast_ref::<UserError>() {
                Some(user) => user.0.clone(),
                None => {
                    tracing::error!(command = %ctx.command().qualified_name, error = ?error, "command failed");
                    "Something went wrong on my side; it has been logged. Please try again later.".to_owned()
                }
            };
            if let Err(e) = say_private(ctx, fit_reply(&text)).await {
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
            if let Err(e) = say_private(ctx, fit_reply(&text)).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_of_another_server_are_refused() {
        assert_eq!(foreign_channel(Some(1), 1, 7), None);
        let refusal = foreign_channel(Some(1), 2, 7).unwrap();
        assert_eq!(refusal, "<#7> is not a channel of this server.");
        assert!(
            foreign_channel(None, 2, 7).is_some(),
            "outside a server nothing is ours"
        );
    }

    #[test]
    fn only_text_and_announcement_channels_can_hold_the_daily_question() {
        use poise::serenity_prelude::ChannelType as Kind;
        assert_eq!(unusable_kind(7, Kind::Text), None);
        assert_eq!(unusable_kind(7, Kind::News), None);
        for (kind, what) in [
            (Kind::PublicThread, "a thread"),
            (Kind::PrivateThread, "a thread"),
            (Kind::NewsThread, "a thread"),
            (Kind::Voice, "a voice channel"),
            (Kind::Stage, "a stage channel"),
            (Kind::Forum, "a forum"),
            (Kind::Category, "a category"),
            (Kind::Unknown(16), "a media channel"),
            (Kind::Directory, "not a text channel"),
        ] {
            let refusal = unusable_kind(7, kind).unwrap();
            assert!(refusal.starts_with(&format!("<#7> is {what}:")), "{refusal}");
        }
    }

    #[test]
    fn replies_shorten_long_quotes_and_never_exceed_the_limit() {
        let long = "é".repeat(10_000);
        let text = fit_reply(&format!("`{long}` is not a known time zone: use `UTC`."));
        assert!(text.chars().count() < 200, "{text}");
        assert!(text.ends_with("is not a known time zone: use `UTC`."), "{text}");
        // An unpaired backtick or a long unquoted text is cut as a whole.
        for text in [format!("`{long}"), long.clone(), format!("{long}`x`{long}")] {
            assert!(fit_reply(&text).chars().count() <= REPLY_LIMIT);
        }
        assert_eq!(fit_reply("short `quote` stays"), "short `quote` stays");
    }
}
