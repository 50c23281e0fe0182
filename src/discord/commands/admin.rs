//! `/dailyq …`: the admin commands. Each refuses non-admins server-side (besides
//! `default_member_permissions`), validates every argument before writing anything, and answers
//! ephemerally.

use super::{
    Context, autocomplete_category, autocomplete_timezone, guild, require_admin, say_private, usable_channel,
    user_error,
};
use crate::discord::render::{self, timestamp};
use crate::discord::rounds::{self, StartOutcome};
use crate::discord::{Discord, Error};
use crate::domain::leaderboard::Period;
use crate::domain::question::Difficulty;
use crate::domain::rotation::QuestionFilter;
use crate::domain::rotation::QuestionSource;
use crate::domain::round::{ChannelSchedule, RoundState};
use crate::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
use crate::domain::scoring::ScoringWeights;
use crate::domain::web::{WebToken, page_url};
use crate::domain::{ChannelId, RoleId, UserId};
use poise::serenity_prelude as serenity;

/// A difficulty to filter on.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum DifficultyChoice {
    /// Easy.
    #[name = "easy"]
    Easy,
    /// Medium.
    #[name = "medium"]
    Medium,
    /// Hard.
    #[name = "hard"]
    Hard,
}

impl From<DifficultyChoice> for Difficulty {
    fn from(d: DifficultyChoice) -> Self {
        match d {
            DifficultyChoice::Easy => Difficulty::Easy,
            DifficultyChoice::Medium => Difficulty::Medium,
            DifficultyChoice::Hard => Difficulty::Hard,
        }
    }
}

/// Which questions a channel draws from.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum SourceChoice {
    /// The bank shipped with the bot.
    #[name = "shipped bank"]
    Shipped,
    /// This server's own questions.
    #[name = "this server's questions"]
    Server,
    /// Both.
    #[name = "both"]
    Both,
}

impl From<SourceChoice> for QuestionSource {
    fn from(s: SourceChoice) -> Self {
        match s {
            SourceChoice::Shipped => QuestionSource::Shipped,
            SourceChoice::Server => QuestionSource::Server,
            SourceChoice::Both => QuestionSource::Both,
        }
    }
}

/// Set up and run the daily question (Manage Server)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "setup",
        "status",
        "post",
        "reveal",
        "pause",
        "resume",
        "remove",
        "scoring",
        "practice_role",
        "question_editors",
        "queue",
        "export",
        "web",
        "suggestions",
        "pairing",
        "season",
        "points",
        "points_log",
        "disqualify",
        "check"
    ),
    subcommand_required
)]
pub async fn dailyq(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

pub(super) fn discord(ctx: Context<'_>) -> Discord {
    Discord {
        http: ctx.serenity_context().http.clone(),
        cache: ctx.serenity_context().cache.clone(),
        pace: ctx.data().rest.clone(),
    }
}

/// The channel argument (refused unless it is a text or announcement channel of this server), or
/// the channel the command runs in.
fn target_channel(ctx: Context<'_>, channel: Option<&serenity::GuildChannel>) -> Result<ChannelId, Error> {
    match channel {
        Some(c) => usable_channel(ctx, c),
        None => Ok(ChannelId(ctx.channel_id().get())),
    }
}

async fn existing_schedule(ctx: Context<'_>, channel: ChannelId) -> Result<ChannelSchedule, Error> {
    let guild = guild(ctx)?;
    match ctx.data().store.schedule(channel).await? {
        Some(s) if s.guild_id == guild => Ok(s),
        _ => Err(user_error(format!(
            "There is no daily question in <#{channel}>. Set one up with `/dailyq setup`."
        ))),
    }
}

/// Post a daily question in a channel at a local time
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
pub async fn setup(
    ctx: Context<'_>,
    #[description = "Channel to post the daily question in"]
    #[channel_types("Text", "News")]
    channel: serenity::GuildChannel,
    #[description = "Local time of the post, 24-hour HH:MM (for example 09:30)"] time: String,
    #[description = "IANA time zone, for example Europe/Berlin or America/New_York"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: String,
    #[description = "daily, weekdays, or a list such as mon,wed,fri (default: daily)"] days: Option<String>,
    #[description = "Only questions of this category (default: all)"]
    #[autocomplete = "autocomplete_category"]
    category: Option<String>,
    #[description = "Only questions of this difficulty (default: all)"] difficulty: Option<DifficultyChoice>,
    #[description = "How long answers stay open: 10m to 6d, for example 23h or 90m (default: 23h)"]
    answer_window: Option<String>,
    #[description = "Role to mention with each question"] ping_role: Option<serenity::Role>,
    #[description = "Remind opted-in members this long before the deadline, for example 2h"]
    remind_before: Option<String>,
    #[description = "Blind: answers stay hidden until the answer window ends, then members vote"]
    blind: Option<bool>,
    #[description = "A blind round's vote phase after its answer window: 10m to 1d (default 4h)"]
    vote_window: Option<String>,
    #[description = "Draw from the shipped bank, this server's questions, or both (default: both)"]
    source: Option<SourceChoice>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    // Validation, the database and the permission check can take more than Discord's 3 s.
    ctx.defer_ephemeral().await?;
    let guild = guild(ctx)?;
    let channel = usable_channel(ctx, &channel)?;
    let data = ctx.data();
    let time = LocalTime::parse(&time).map_err(user_error)?;
    let timezone = Timezone::parse(&timezone).map_err(user_error)?;
    let weekdays = Weekdays::parse(days.as_deref().unwrap_or("daily")).map_err(user_error)?;
    let answer_window = match answer_window {
        Some(w) => AnswerWindow::parse(&w).map_err(user_error)?,
        None => AnswerWindow::default_window(),
    };
    let remind_before = remind_before
        .map(|r| crate::domain::schedule::parse_reminder(&r, answer_window))
        .transpose()
        .map_err(user_error)?;
    let blind = match (blind, vote_window) {
        (Some(true), votes) => Some(
            votes
                .map(|v| crate::domain::schedule::parse_vote_window(&v))
                .transpose()
                .map_err(user_error)?
                .unwrap_or(crate::domain::schedule::DEFAULT_VOTE_WINDOW),
        ),
        (_, Some(_)) => {
            return Err(user_error(
                "A vote phase is only for blind rounds: add blind:True, or leave vote_window out.",
            ));
        }
        (_, None) => None,
    };
    let now = data.clock.now();
    let category = super::category_option(data, guild, category).await?;
    same_guild_role(guild, ping_role.as_ref())?;
    let post_time = PostTime {
        time,
        timezone,
        weekdays,
    };
    let filter = QuestionFilter {
        category,
        difficulty: difficulty.map(Difficulty::from),
    };
    let previous = data.store.schedule(channel).await?;
    let source = source
        .map(QuestionSource::from)
        .or(previous.as_ref().map(|p| p.source))
        .unwrap_or_default();
    let has_question = data
        .store
        .rotation_candidates(guild, source)
        .await?
        .iter()
        .any(|c| filter.accepts(&c.category, c.difficulty));
    if !has_question {
        return Err(user_error(render::no_question_for(source)));
    }
    let settings = data.store.ensure_guild(guild, now).await?;
    let schedule = ChannelSchedule {
        channel_id: channel,
        guild_id: guild,
        post_time,
        filter,
        answer_window,
        ping_role: ping_role.map(|r| RoleId(r.id.get())),
        paused: previous.as_ref().is_some_and(|p| p.paused),
        next_post_at: post_time.next_after(now).at,
        created_by: UserId(ctx.author().id.get()),
        remind_before,
        blind,
        source,
    };
    if data
        .store
        .guild_schedules(guild)
        .await?
        .iter()
        .all(|s| s.channel_id == schedule.channel_id)
        && settings.timezone != timezone
    {
        // The first channel's zone becomes the server's zone for leaderboard weeks and months.
        // Its week and month standings are rebuilt, which can take a while on a big server.
        ctx.defer_ephemeral().await?;
        data.store.set_guild_timezone(guild, timezone, now).await?;
    }
    data.store.upsert_schedule(&schedule, now).await?;
    data.wake.notify_one();
    let verb = if previous.is_some() { "Updated" } else { "Set up" };
    let mut text = format!(
        "✅ {verb} the daily question.\n{}",
        render::schedule_line(&schedule)
    );
    match missing_permissions(ctx, schedule.channel_id).await {
        Ok(missing) if !missing.is_empty() => {
            text.push_str(&format!(
                "\n\n⚠️ Before the first post, give me these in <#{}>:\n{}",
                schedule.channel_id,
                missing.join("\n")
            ));
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = ?e, "could not check permissions after setup"),
    }
    say_private(ctx, render::truncate(&text, 2000)).await
}

/// Show every schedule and every open round
#[poise::command(slash_command, guild_only)]
pub async fn status(ctx: Context<'_>) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let store = &ctx.data().store;
    let schedules = store.guild_schedules(guild).await?;
    let rounds = store.unfinished_rounds(guild).await?;
    let mut text = String::new();
    if schedules.is_empty() {
        text.push_str("No daily question is set up yet. Start with `/dailyq setup`.\n");
    } else {
        text.push_str("**Schedules**\n");
        for s in &schedules {
            text.push_str(&format!("- {}\n", render::schedule_line(s)));
        }
    }
    if !rounds.is_empty() {
        text.push_str("\n**Open rounds**\n");
        for r in &rounds {
            let place = r
                .thread_id
                .map_or(format!("<#{}>", r.channel_id), |t| format!("<#{t}>"));
            let state = match r.state {
                RoundState::Pending => "being posted".to_owned(),
                RoundState::Revealing => "being revealed".to_owned(),
                _ if r.is_blind() && r.published_at.is_none() => format!(
                    "blind: answers sealed until {}, reveal {} ({})",
                    timestamp(r.answer_deadline(), 'R'),
                    timestamp(r.closes_at, 'R'),
                    timestamp(r.closes_at, 'f')
                ),
                _ => format!(
                    "{}reveal {} ({})",
                    if r.is_blind() { "blind: voting, " } else { "" },
                    timestamp(r.closes_at, 'R'),
                    timestamp(r.closes_at, 'f')
                ),
            };
            text.push_str(&format!("- Question #{} in {place}: {state}\n", r.number));
        }
    }
    say_private(ctx, render::truncate(&text, 2000)).await
}

/// Post the next question now (the round then runs as if scheduled)
#[poise::command(slash_command, guild_only)]
pub async fn post(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
    #[description = "This question (its id), instead of the next one"] question: Option<String>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    let schedule = existing_schedule(ctx, channel).await?;
    if let Some(id) = question {
        // The chosen question goes first in the queue, which the post draws from.
        let key = queueable(ctx, &id).await?;
        ctx.data()
            .store
            .queue_question(
                schedule.guild_id,
                channel,
                key,
                UserId(ctx.author().id.get()),
                true,
                ctx.data().clock.now(),
            )
            .await?;
    }
    ctx.defer_ephemeral().await?;
    let text = match rounds::start_round(&discord(ctx), ctx.data(), &schedule, None).await {
        Ok(StartOutcome::Posted(r)) => format!(
            "Posted question #{} in <#{channel}>; the reveal is {}.",
            r.number,
            timestamp(r.closes_at, 'R')
        ),
        Ok(StartOutcome::AlreadyExists(r)) if r.state == RoundState::Skipped => format!(
            "Today's question in <#{channel}> could not be posted and was skipped; the next scheduled post will try again."
        ),
        Ok(StartOutcome::AlreadyExists(r)) => {
            format!(
                "Today's question in <#{channel}> is already posted (question #{}); anything you chose is \
                 first in the queue for the next post.",
                r.number
            )
        }
        Ok(StartOutcome::NoQuestion) => {
            "No question in the bank matches this channel's category and difficulty.".to_owned()
        }
        Err(e) => {
            tracing::error!(error = ?e, channel = %channel, "manual post failed");
            post_failure_reply(&e, channel)
        }
    };
    ctx.data().wake.notify_one();
    say_private(ctx, text).await
}

/// What to export.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ExportChoice {
    /// Points and answered rounds per member.
    #[name = "scores"]
    Scores,
    /// Every answer, with its round, question and upvotes.
    #[name = "answers"]
    Answers,
    /// Every round.
    #[name = "rounds"]
    Rounds,
}

/// The period of an export.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ExportPeriod {
    /// This week.
    #[name = "week"]
    Week,
    /// This month.
    #[name = "month"]
    Month,
    /// Everything.
    #[name = "all"]
    All,
}

/// The largest file an export attaches (Discord's smallest upload limit), and how many files one
/// message carries.
const EXPORT_FILE_BYTES: usize = 8 * 1024 * 1024;
const EXPORT_FILES: usize = 10;

/// Export scores, answers or rounds as CSV (only you see the file)
#[poise::command(slash_command, guild_only)]
pub async fn export(
    ctx: Context<'_>,
    #[description = "scores, answers or rounds"] what: ExportChoice,
    #[description = "week, month or all (default: all)"] period: Option<ExportPeriod>,
    #[description = "Only this channel (default: the whole server)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let channel = channel.as_ref().map(|c| usable_channel(ctx, c)).transpose()?;
    ctx.defer_ephemeral().await?;
    let kind = match what {
        ExportChoice::Scores => crate::export::ExportKind::Scores,
        ExportChoice::Answers => crate::export::ExportKind::Answers,
        ExportChoice::Rounds => crate::export::ExportKind::Rounds,
    };
    let period = match period {
        Some(ExportPeriod::Week) => Period::Week,
        Some(ExportPeriod::Month) => Period::Month,
        Some(ExportPeriod::All) | None => Period::AllTime,
    };
    let data = ctx.data();
    let table = crate::export::table(&data.store, guild, kind, period, channel, data.clock.now()).await?;
    let Some(parts) = crate::export::to_csv_parts(&table, EXPORT_FILE_BYTES, EXPORT_FILES) else {
        return Err(user_error(render::export_too_large(kind, period)));
    };
    let many = parts.len() > 1;
    let mut reply = poise::CreateReply::default()
        .content(render::exported_csv(
            kind,
            period,
            channel,
            table.rows.len(),
            parts.len(),
        ))
        .ephemeral(true);
    for (i, bytes) in parts.into_iter().enumerate() {
        let name = if many {
            format!("{}-{}-part{}.csv", kind.as_str(), period.as_str(), i + 1)
        } else {
            format!("{}-{}.csv", kind.as_str(), period.as_str())
        };
        reply = reply.attachment(serenity::CreateAttachment::bytes(bytes, name));
    }
    ctx.send(reply).await?;
    Ok(())
}

/// The key of a question an admin may queue: one of this server's or a shipped one, live.
async fn queueable(ctx: Context<'_>, id: &str) -> Result<i64, Error> {
    let guild = guild(ctx)?;
    match ctx.data().store.guild_question(guild, id).await? {
        Some(q) if !q.retired => Ok(q.key),
        Some(q) => Err(user_error(format!(
            "**{}** is retired; bring it back with `/questions import` or pick another.",
            q.question.slug
        ))),
        None => Err(user_error(render::unknown_question(id))),
    }
}

/// A channel's queue: questions chosen to come next, ahead of rotation
#[poise::command(
    slash_command,
    guild_only,
    subcommands("queue_add", "queue_list", "queue_clear"),
    subcommand_required
)]
pub async fn queue(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Put a question in a channel's queue (it comes before rotation)
#[poise::command(slash_command, guild_only, rename = "add")]
pub async fn queue_add(
    ctx: Context<'_>,
    #[description = "The question's id (see /questions list)"] id: String,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    let schedule = existing_schedule(ctx, channel).await?;
    let key = queueable(ctx, &id).await?;
    let data = ctx.data();
    let place = data
        .store
        .queue_question(
            schedule.guild_id,
            channel,
            key,
            UserId(ctx.author().id.get()),
            false,
            data.clock.now(),
        )
        .await?;
    say_private(
        ctx,
        format!(
            "Queued **{}** in <#{channel}>: number {place} in line, before rotation.",
            id.trim()
        ),
    )
    .await
}

/// Show a channel's queue
#[poise::command(slash_command, guild_only, rename = "list")]
pub async fn queue_list(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    existing_schedule(ctx, channel).await?;
    let queue = ctx.data().store.queue(channel).await?;
    say_private(ctx, render::queue_list(channel, &queue)).await
}

/// Empty a channel's queue (rotation takes over)
#[poise::command(slash_command, guild_only, rename = "clear")]
pub async fn queue_clear(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    existing_schedule(ctx, channel).await?;
    let removed = ctx.data().store.clear_queue(channel).await?;
    say_private(
        ctx,
        format!(
            "Cleared the queue of <#{channel}> ({removed} question{}); rotation takes over.",
            if removed == 1 { "" } else { "s" }
        ),
    )
    .await
}

/// Discord's JSON error codes that mean the bot lacks a permission or access in a channel.
const MISSING_ACCESS: isize = 50001;
const MISSING_PERMISSIONS: isize = 50013;
/// Discord's JSON error code for a channel that does not exist (any more).
const UNKNOWN_CHANNEL: isize = 10003;

/// Why a post failed, as far as an admin can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PostFailure {
    /// The bot lacks a permission or access in the channel.
    Permission,
    /// The channel no longer exists.
    UnknownChannel,
    /// Discord did not answer, or answered with a server error or a rate limit (retried).
    DiscordDown(Option<u16>),
    /// Discord refused the request for another reason.
    Refused(u16, isize),
    /// The database or the bot itself.
    OurSide,
}

impl PostFailure {
    /// Classifies an error of `rounds::start_round`, which may wrap a `serenity::Error`.
    fn of(error: &Error) -> PostFailure {
        match error.chain().find_map(|e| e.downcast_ref::<serenity::Error>()) {
            Some(e) => PostFailure::from_discord(rounds::api_error(e), matches!(e, serenity::Error::Http(_))),
            None => PostFailure::OurSide,
        }
    }

    /// From Discord's answer (HTTP status and JSON code) if there was one; `transport` when the
    /// request itself failed (no connection, no answer).
    fn from_discord(answer: Option<(u16, isize)>, transport: bool) -> PostFailure {
        match answer {
            Some((_, MISSING_PERMISSIONS | MISSING_ACCESS)) => PostFailure::Permission,
            Some((_, UNKNOWN_CHANNEL)) => PostFailure::UnknownChannel,
            Some((status, _)) if status >= 500 || status == 429 => PostFailure::DiscordDown(Some(status)),
            Some((status, code)) => PostFailure::Refused(status, code),
            None if transport => PostFailure::DiscordDown(None),
            None => PostFailure::OurSide,
        }
    }

    /// The sentence for the admin; only a permission problem sends them to `/dailyq check`.
    fn reply(self, channel: ChannelId) -> String {
        match self {
            PostFailure::Permission => format!(
                "I could not post in <#{channel}>: Discord says I lack a permission there. Run `/dailyq check` there to see which."
            ),
            PostFailure::UnknownChannel => format!(
                "I could not post in <#{channel}>: Discord says the channel no longer exists. Set up another channel with `/dailyq setup`."
            ),
            PostFailure::DiscordDown(status) => format!(
                "Discord did not answer when I posted in <#{channel}>{}; I will retry at the next tick, within a minute.",
                status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
            ),
            PostFailure::Refused(status, code) => format!(
                "Discord refused the post in <#{channel}> (HTTP {status}, code {code}); it has been logged. Please try again later."
            ),
            PostFailure::OurSide => {
                "Something went wrong on my side; it has been logged. Please try again later.".to_owned()
            }
        }
    }
}

/// What to tell an admin whose `/dailyq post` failed.
fn post_failure_reply(error: &Error, channel: ChannelId) -> String {
    PostFailure::of(error).reply(channel)
}

/// Reveal the open round now
#[poise::command(slash_command, guild_only)]
pub async fn reveal(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    let data = ctx.data();
    let round = data
        .store
        .current_round(channel)
        .await?
        .filter(|r| r.guild_id == guild(ctx).unwrap_or(r.guild_id))
        .ok_or_else(|| user_error(format!("No round is open in <#{channel}>.")))?;
    if round.state == RoundState::Pending {
        return Err(user_error(
            "That round is still being posted; try again in a minute.",
        ));
    }
    ctx.defer_ephemeral().await?;
    // The deadline becomes the moment of this command, by Discord's clock: every answer Discord
    // timestamps up to it counts (a millisecond later, so one made in the same instant does too).
    let at = crate::domain::ids::snowflake_time(ctx.id()).max(data.clock.now())
        + chrono::Duration::milliseconds(1);
    data.store.reveal_now(round.id, at).await?;
    let round = data.store.round(round.id).await?;
    rounds::reveal(&discord(ctx), data, &round).await?;
    say_private(
        ctx,
        format!("Revealed {} in <#{channel}>.", render::round_name(&round)),
    )
    .await
}

/// Pause a channel's daily question (open rounds are still revealed)
#[poise::command(slash_command, guild_only)]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    let s = existing_schedule(ctx, channel).await?;
    let now = ctx.data().clock.now();
    ctx.data()
        .store
        .set_paused(channel, true, s.next_post_at, now)
        .await?;
    say_private(
        ctx,
        format!("Paused the daily question in <#{channel}>. `/dailyq resume` starts it again."),
    )
    .await
}

/// Resume a paused daily question
#[poise::command(slash_command, guild_only)]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    let s = existing_schedule(ctx, channel).await?;
    let now = ctx.data().clock.now();
    let next = s.post_time.next_after(now).at;
    ctx.data().store.set_paused(channel, false, next, now).await?;
    ctx.data().wake.notify_one();
    say_private(
        ctx,
        format!(
            "Resumed the daily question in <#{channel}>; the next post is {}.",
            timestamp(next, 'R')
        ),
    )
    .await
}

/// Stop posting in a channel (scores and past rounds are kept)
#[poise::command(slash_command, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let channel = target_channel(ctx, channel.as_ref())?;
    existing_schedule(ctx, channel).await?;
    ctx.data().store.remove_schedule(channel).await?;
    say_private(
        ctx,
        format!(
            "Removed the daily question from <#{channel}>. Scores and past rounds are kept; an open round is still revealed."
        ),
    )
    .await
}

/// Checks that a role argument belongs to this guild (a client can send any role).
fn same_guild_role(guild: crate::domain::GuildId, role: Option<&serenity::Role>) -> Result<(), Error> {
    match role {
        Some(r) if r.guild_id.get() != guild.0 => Err(user_error(render::ROLE_OF_ANOTHER_SERVER)),
        _ => Ok(()),
    }
}

/// How long seasons last.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum SeasonChoice {
    /// Calendar months.
    #[name = "monthly"]
    Monthly,
    /// Weeks from Monday.
    #[name = "weekly"]
    Weekly,
    /// No seasons.
    #[name = "off"]
    Off,
}

/// Show or set seasons: monthly, weekly or off, the recap channel and the champion role
#[poise::command(slash_command, guild_only)]
pub async fn season(
    ctx: Context<'_>,
    #[description = "monthly (default), weekly or off"] kind: Option<SeasonChoice>,
    #[description = "Where each season's recap is posted"]
    #[channel_types("Text", "News")]
    recap_channel: Option<serenity::GuildChannel>,
    #[description = "A role that moves to each season's winners (needs Manage Roles)"] champion_role: Option<
        serenity::Role,
    >,
    #[description = "Stop moving a champion role"] clear_role: Option<bool>,
) -> Result<(), Error> {
    use crate::domain::seasons::{SeasonKind, recaps_start};
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    same_guild_role(guild, champion_role.as_ref())?;
    if champion_role.is_some() && clear_role == Some(true) {
        return Err(user_error(render::ROLE_OR_CLEAR));
    }
    let recap_channel = recap_channel.map(|c| usable_channel(ctx, &c)).transpose()?;
    let data = ctx.data();
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    let current = data
        .store
        .season_settings(guild)
        .await?
        .ok_or_else(|| user_error(render::GUILD_UNKNOWN))?;
    let kind = kind.map_or(current.kind, |k| match k {
        SeasonChoice::Monthly => SeasonKind::Monthly,
        SeasonChoice::Weekly => SeasonKind::Weekly,
        SeasonChoice::Off => SeasonKind::Off,
    });
    let channel = recap_channel.or(current.recap_channel);
    let role = match (champion_role, clear_role) {
        (Some(r), _) => Some(RoleId(r.id.get())),
        (None, Some(true)) => None,
        (None, _) => current.champion_role,
    };
    // Recaps start with the current season when they are turned on or the kind changes; past
    // seasons are not recapped.
    let restart = kind != current.kind || current.recapped_until.is_none();
    let until = match (channel, kind) {
        (Some(_), k) if k != SeasonKind::Off => {
            if restart {
                recaps_start(kind, settings.timezone, now)
            } else {
                current.recapped_until
            }
        }
        _ => None,
    };
    let next = until
        .and_then(|u| kind.bounds(settings.timezone, u))
        .map(|(_, end)| end);
    data.store
        .set_seasons(guild, kind, channel, role, until, next, now)
        .await?;
    data.wake.notify_one();
    say_private(ctx, render::season_settings(kind, channel, role, next)).await
}

/// Add or take away a member's points, with a reason (kept in the ledger)
#[poise::command(slash_command, guild_only)]
pub async fn points(
    ctx: Context<'_>,
    #[description = "Whose points"] member: serenity::User,
    #[description = "Points to add (negative to take away), -1000 to 1000"]
    #[min = -1000]
    #[max = 1000]
    points: i64,
    #[description = "Why (members can see it in /dailyq points-log)"] reason: String,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let points = crate::domain::scoring::check_adjustment(points).map_err(user_error)?;
    let reason = check_reason(&reason)?;
    if member.bot {
        return Err(user_error(render::NO_POINTS_FOR_BOTS));
    }
    let data = ctx.data();
    let now = data.clock.now();
    data.store.ensure_guild(guild, now).await?;
    let who = UserId(member.id.get());
    data.store
        .adjust_points(
            guild,
            who,
            points,
            UserId(ctx.author().id.get()),
            &reason,
            ctx.id(),
            now,
        )
        .await?;
    say_private(ctx, render::points_adjusted(who, points, &reason)).await
}

/// List the points adjustments and disqualifications, newest first
#[poise::command(slash_command, guild_only, rename = "points-log")]
pub async fn points_log(
    ctx: Context<'_>,
    #[description = "Only this member's"] member: Option<serenity::User>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let log = ctx
        .data()
        .store
        .points_log(guild, member.map(|m| UserId(m.id.get())), 20)
        .await?;
    say_private(ctx, render::points_log(&log)).await
}

/// Disqualify an answer: it stops counting, and after the reveal its points are corrected
#[poise::command(slash_command, guild_only)]
pub async fn disqualify(
    ctx: Context<'_>,
    #[description = "The answer's message link (Copy Message Link)"] message_link: String,
    #[description = "Why (kept in the ledger, shown in /dailyq points-log)"] reason: String,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let reason = check_reason(&reason)?;
    let (link_guild, _, message) =
        crate::domain::ids::parse_message_link(&message_link).map_err(user_error)?;
    if link_guild != guild {
        return Err(user_error(render::LINK_OF_ANOTHER_SERVER));
    }
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let answer = data
        .store
        .answer(message)
        .await?
        .ok_or_else(|| user_error(render::NOT_AN_ANSWER))?;
    let round = data.store.round(answer.round_id).await?;
    if round.guild_id != guild {
        return Err(user_error(render::LINK_OF_ANOTHER_SERVER));
    }
    let now = data.clock.now();
    // After the reveal, the round is scored again without the answer and the difference is
    // written as corrections; before it, the reveal simply leaves it out.
    let changes = if round.state == RoundState::Closed {
        let settings = data.store.ensure_guild(guild, now).await?;
        let answers = data.store.round_answers(round.id).await?;
        let votes = data.store.round_votes(round.id).await?;
        let counted = |skip: Option<crate::domain::MessageId>| -> Vec<crate::domain::scoring::CountedAnswer> {
            answers
                .iter()
                .filter(|a| Some(a.message_id) != skip)
                .map(|a| crate::domain::scoring::CountedAnswer {
                    message: a.message_id,
                    author: a.author_id,
                    voters: votes.get(&a.message_id).cloned().unwrap_or_default(),
                })
                .collect()
        };
        let score = |c: &[crate::domain::scoring::CountedAnswer]| {
            crate::domain::scoring::score_round(c, settings.weights)
        };
        crate::domain::scoring::award_changes(&score(&counted(None)), &score(&counted(Some(message))))
    } else {
        Vec::new()
    };
    let done = data
        .store
        .disqualify_answer(
            &round,
            message,
            &changes,
            UserId(ctx.author().id.get()),
            &reason,
            ctx.id(),
            now,
        )
        .await?;
    if !done {
        return Err(user_error(render::ALREADY_DISQUALIFIED));
    }
    tracing::info!(round = round.id, message = %message, corrections = changes.len(), "answer disqualified");
    say_private(ctx, render::disqualified(answer.author_id, &round, &changes)).await
}

/// A correction's reason: 1 to 200 characters.
fn check_reason(reason: &str) -> Result<String, Error> {
    let reason = reason.trim();
    match reason.chars().count() {
        0 => Err(user_error(render::REASON_NEEDED)),
        n if n > 200 => Err(user_error(render::REASON_TOO_LONG)),
        _ => Ok(reason.to_owned()),
    }
}

/// Set when and where members are paired for mock interviews (or turn it off)
#[poise::command(slash_command, guild_only)]
pub async fn pairing(
    ctx: Context<'_>,
    #[description = "Channel where pairs get their private threads"]
    #[channel_types("Text")]
    channel: Option<serenity::GuildChannel>,
    #[description = "Local time of the pairing, 24-hour HH:MM (for example 18:00)"] time: Option<String>,
    #[description = "IANA time zone (default: the server's)"]
    #[autocomplete = "autocomplete_timezone"]
    timezone: Option<String>,
    #[description = "Days, such as mon or mon,thu (default: mon)"] days: Option<String>,
    #[description = "Turn pairing off (the pool is kept)"] off: Option<bool>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    if off == Some(true) {
        let removed = data.store.remove_pairing(guild).await?;
        return say_private(
            ctx,
            if removed {
                "Mock-interview pairing is off. Members stay in the pool until they leave."
            } else {
                "Mock-interview pairing was not on."
            },
        )
        .await;
    }
    let (Some(channel), Some(time)) = (channel, time) else {
        return match data.store.pairing_settings(guild).await? {
            Some(s) => say_private(ctx, render::pairing_set(&s)).await,
            None => Err(user_error(
                "Give a channel and a time to set up pairing, for example `/dailyq pairing channel:#mock-interviews time:18:00 days:mon`.",
            )),
        };
    };
    let channel = usable_channel(ctx, &channel)?;
    let settings = data.store.ensure_guild(guild, now).await?;
    let time = LocalTime::parse(&time).map_err(user_error)?;
    let timezone = match timezone {
        Some(tz) => Timezone::parse(&tz).map_err(user_error)?,
        None => settings.timezone,
    };
    let weekdays = Weekdays::parse(days.as_deref().unwrap_or("mon")).map_err(user_error)?;
    let post_time = PostTime {
        time,
        timezone,
        weekdays,
    };
    let missing = missing_pairing_permissions(ctx, channel).await?;
    let pairing = crate::domain::pairing::PairingSettings {
        guild_id: guild,
        channel_id: channel,
        time: post_time,
        next_at: post_time.next_after(now).at,
    };
    data.store.set_pairing(&pairing, now).await?;
    ctx.data().wake.notify_one();
    let mut text = render::pairing_set(&pairing);
    if !missing.is_empty() {
        text.push_str(&format!(
            "\n⚠️ In <#{channel}> I am missing:\n{}",
            missing.join("\n")
        ));
    }
    say_private(ctx, text).await
}

/// What the bot lacks in a pairing channel: posting, and opening private threads and adding
/// members to them.
async fn missing_pairing_permissions(ctx: Context<'_>, channel: ChannelId) -> Result<Vec<String>, Error> {
    let permissions = bot_permissions(ctx, channel).await?;
    let needed = [
        (
            serenity::Permissions::VIEW_CHANNEL,
            "View Channel",
            "the bot cannot see the channel",
        ),
        (
            serenity::Permissions::SEND_MESSAGES,
            "Send Messages",
            "the pairing cannot be announced",
        ),
        (
            serenity::Permissions::CREATE_PRIVATE_THREADS,
            "Create Private Threads",
            "pairs get no private thread",
        ),
        (
            serenity::Permissions::SEND_MESSAGES_IN_THREADS,
            "Send Messages in Threads",
            "pairs get no packets or rating buttons",
        ),
    ];
    Ok(needed
        .iter()
        .filter(|(p, _, _)| !permissions.contains(*p))
        .map(|(_, name, why)| format!("- **{name}**: without it, {why}."))
        .collect())
}

/// The role a `[role] [clear]` pair of options leaves in place: the new one, none, or
/// `current` when neither is given; both at once, or a role of another server, is refused.
fn chosen_role(
    guild: crate::domain::GuildId,
    role: Option<serenity::Role>,
    clear: Option<bool>,
    current: Option<RoleId>,
) -> Result<Option<RoleId>, Error> {
    if role.is_some() && clear == Some(true) {
        return Err(user_error(render::ROLE_OR_CLEAR));
    }
    same_guild_role(guild, role.as_ref())?;
    Ok(match (role, clear) {
        (Some(r), _) => Some(RoleId(r.id.get())),
        (None, Some(true)) => None,
        (None, _) => current,
    })
}

/// Choose where member suggestions wait for review, or turn them off
#[poise::command(slash_command, guild_only)]
pub async fn suggestions(
    ctx: Context<'_>,
    #[description = "The channel where editors review suggestions"]
    #[channel_types("Text")]
    channel: Option<serenity::GuildChannel>,
    #[description = "Turn suggestions off (waiting ones stay in the channel)"] off: Option<bool>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    let text = match (channel, off) {
        (Some(_), Some(true)) => return Err(user_error("Give a channel or `off:true`, not both.")),
        (Some(c), _) => {
            let channel = usable_channel(ctx, &c)?;
            data.store
                .set_suggestion_channel(guild, Some(channel), now)
                .await?;
            format!(
                "Members can suggest questions with `/suggest`; editors review them in <#{channel}>. \
                 Make sure members cannot see that channel if suggestions should stay private."
            )
        }
        (None, Some(true)) => {
            data.store.set_suggestion_channel(guild, None, now).await?;
            "Suggestions are off.".to_owned()
        }
        (None, _) => match data.store.ensure_guild(guild, now).await?.suggestion_channel {
            Some(c) => format!("Suggestions wait for review in <#{c}>."),
            None => {
                "Suggestions are off. Turn them on with `/dailyq suggestions channel:#review`.".to_owned()
            }
        },
    };
    say_private(ctx, text).await
}

/// The server's web leaderboard: a page anyone with its link can open
#[poise::command(
    slash_command,
    guild_only,
    subcommands("web_on", "web_off", "web_rotate"),
    subcommand_required
)]
pub async fn web(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// A new unguessable page token (128 random bits).
fn new_web_token() -> WebToken {
    WebToken::from_bytes(rand::random())
}

/// The bot's public base URL, or the sentence saying it serves no web pages.
fn web_base(ctx: Context<'_>) -> Result<std::sync::Arc<str>, Error> {
    ctx.data()
        .public_url
        .clone()
        .ok_or_else(|| user_error(render::WEB_UNSERVED))
}

/// Turn the web leaderboard on and get its link
#[poise::command(slash_command, guild_only, rename = "on")]
pub async fn web_on(ctx: Context<'_>) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let base = web_base(ctx)?;
    let data = ctx.data();
    let (token, already) = match data.store.web_token(guild).await? {
        Some(token) => (token, true),
        None => {
            let token = new_web_token();
            data.store
                .set_web_token(guild, Some(&token), data.clock.now())
                .await?;
            (token, false)
        }
    };
    say_private(ctx, render::web_on(&page_url(&base, &token), already)).await
}

/// Turn the web leaderboard off (its link stops working)
#[poise::command(slash_command, guild_only, rename = "off")]
pub async fn web_off(ctx: Context<'_>) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let data = ctx.data();
    let was_on = data.store.web_token(guild).await?.is_some();
    if was_on {
        data.store.set_web_token(guild, None, data.clock.now()).await?;
    }
    say_private(ctx, render::web_off(was_on)).await
}

/// Replace the web leaderboard's link (the old one stops working)
#[poise::command(slash_command, guild_only, rename = "rotate")]
pub async fn web_rotate(ctx: Context<'_>) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let base = web_base(ctx)?;
    let data = ctx.data();
    if data.store.web_token(guild).await?.is_none() {
        return Err(user_error(render::WEB_OFF_NOTHING_TO_ROTATE));
    }
    let token = new_web_token();
    data.store
        .set_web_token(guild, Some(&token), data.clock.now())
        .await?;
    say_private(ctx, render::web_rotated(&page_url(&base, &token))).await
}

/// Show or set who may add and edit this server's own questions besides Manage Server
#[poise::command(slash_command, guild_only, rename = "question-editors")]
pub async fn question_editors(
    ctx: Context<'_>,
    #[description = "Members with this role may manage the server's questions"] role: Option<serenity::Role>,
    #[description = "Let only Manage Server manage them again"] clear: Option<bool>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    let current = data.store.ensure_guild(guild, now).await?;
    let new_role = chosen_role(guild, role, clear, current.question_editor_role)?;
    if new_role != current.question_editor_role {
        data.store.set_question_editor_role(guild, new_role, now).await?;
    }
    let text = match new_role {
        Some(r) => format!(
            "Members with <@&{r}> (and Manage Server) can add and edit this server's questions with `/questions`."
        ),
        None => "Only members with Manage Server can add and edit this server's questions with `/questions`."
            .to_owned(),
    };
    say_private(ctx, text).await
}

/// Show or set who may start practice sessions, and whether practice points count on the daily board
#[poise::command(slash_command, guild_only, rename = "practice-role")]
pub async fn practice_role(
    ctx: Context<'_>,
    #[description = "Members with this role may start practice sessions (besides Manage Server)"]
    role: Option<serenity::Role>,
    #[description = "Let only Manage Server start sessions again"] clear: Option<bool>,
    #[description = "Also count practice points on the daily leaderboard (default: no)"]
    count_on_daily: Option<bool>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    let current = data.store.ensure_guild(guild, now).await?;
    let new_role = chosen_role(guild, role, clear, current.practice_role)?;
    let on_daily = count_on_daily.unwrap_or(current.practice_on_daily);
    let changed = new_role != current.practice_role || on_daily != current.practice_on_daily;
    if changed {
        data.store
            .set_practice_settings(guild, new_role, on_daily, now)
            .await?;
    }
    say_private(ctx, render::practice_settings(changed, new_role, on_daily)).await
}

/// Show or set the points for answering, per upvoting member, and the top answer
#[poise::command(slash_command, guild_only)]
pub async fn scoring(
    ctx: Context<'_>,
    #[description = "Points for answering a round (0-100, default 2)"]
    #[min = 0]
    #[max = 100]
    answer: Option<i64>,
    #[description = "Points per member who upvoted one's answers (0-100, default 1)"]
    #[min = 0]
    #[max = 100]
    per_voter: Option<i64>,
    #[description = "Points for the most-upvoted answer (0-100, default 3)"]
    #[min = 0]
    #[max = 100]
    top_answer: Option<i64>,
    #[description = "Minimum answer length in characters (0-2000, default 0)"]
    #[min = 0]
    #[max = 2000]
    min_answer_length: Option<i64>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    let current = data.store.ensure_guild(guild, now).await?;
    let changed =
        answer.is_some() || per_voter.is_some() || top_answer.is_some() || min_answer_length.is_some();
    let weights = ScoringWeights::new(
        answer.unwrap_or(current.weights.answer),
        per_voter.unwrap_or(current.weights.per_voter),
        top_answer.unwrap_or(current.weights.top_answer),
    )
    .map_err(user_error)?;
    let min_chars = match min_answer_length {
        Some(n) if !(0..=2000).contains(&n) => {
            return Err(user_error(
                "The minimum answer length must be between 0 and 2000 characters.",
            ));
        }
        Some(n) => n as u32,
        None => current.min_answer_chars,
    };
    if changed {
        data.store.set_weights(guild, weights, now).await?;
        data.store.set_min_answer_chars(guild, min_chars, now).await?;
    }
    let head = if changed { "Scoring updated." } else { "Scoring:" };
    say_private(
        ctx,
        format!(
            "{head}\n- answering a round: **{}**\n- each member who upvoted your answers: **{}**\n- the most-upvoted answer: **{}**\n- minimum answer length: **{}** characters",
            weights.answer, weights.per_voter, weights.top_answer, min_chars
        ),
    )
    .await
}

/// What the bot needs in a channel, and what breaks without it.
pub const NEEDED: [(serenity::Permissions, &str, &str); 9] = [
    (
        serenity::Permissions::VIEW_CHANNEL,
        "View Channel",
        "the bot cannot see the channel at all",
    ),
    (
        serenity::Permissions::SEND_MESSAGES,
        "Send Messages",
        "the daily question cannot be posted",
    ),
    (
        serenity::Permissions::EMBED_LINKS,
        "Embed Links",
        "questions and answers cannot be shown as embeds",
    ),
    (
        serenity::Permissions::CREATE_PUBLIC_THREADS,
        "Create Public Threads",
        "no answer thread can be opened",
    ),
    (
        serenity::Permissions::SEND_MESSAGES_IN_THREADS,
        "Send Messages in Threads",
        "instructions and the reference answer cannot be posted in the thread",
    ),
    (
        serenity::Permissions::ADD_REACTIONS,
        "Add Reactions",
        "answers do not get the ⬆️ button to vote with",
    ),
    (
        serenity::Permissions::READ_MESSAGE_HISTORY,
        "Read Message History",
        "votes cannot be counted at the reveal",
    ),
    (
        serenity::Permissions::MANAGE_MESSAGES,
        "Manage Messages",
        "self-votes cannot be removed (they never count)",
    ),
    (
        serenity::Permissions::MANAGE_THREADS,
        "Manage Threads",
        "threads cannot be locked and archived at the reveal",
    ),
];

/// Check the bot's permissions in a channel
#[poise::command(slash_command, guild_only)]
pub async fn check(
    ctx: Context<'_>,
    #[description = "Channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    require_admin(ctx).await?;
    let target = target_channel(ctx, channel.as_ref())?;
    let missing = missing_permissions(ctx, target).await?;
    let mut text = if missing.is_empty() {
        format!("✅ I have every permission I need in <#{target}>.")
    } else {
        format!("⚠️ In <#{target}> I am missing:\n{}", missing.join("\n"))
    };
    let guild = guild(ctx)?;
    if let Some(role) = ctx
        .data()
        .store
        .ensure_guild(guild, ctx.data().clock.now())
        .await?
        .champion_role
        && let Some(problem) = champion_role_problem(ctx, role).await?
    {
        text.push_str(&format!("\n{problem}"));
    }
    say_private(ctx, text).await
}

/// Why the bot could not move the champion role, if it could not: it needs Manage Roles, and
/// its highest role must be above the champion role (Discord's role hierarchy).
async fn champion_role_problem(ctx: Context<'_>, role: RoleId) -> Result<Option<String>, Error> {
    let guild_id = ctx
        .guild_id()
        .ok_or_else(|| user_error("This command works only inside a server."))?;
    let me = ctx.serenity_context().cache.current_user().id;
    let member = guild_id.member(ctx, me).await?;
    let guild = guild_id.to_partial_guild(ctx).await?;
    let Some(champion) = guild.roles.get(&serenity::RoleId::new(role.0)) else {
        return Ok(Some(render::champion_role_gone(role)));
    };
    let highest = member
        .roles
        .iter()
        .filter_map(|r| guild.roles.get(r))
        .map(|r| r.position)
        .max()
        .unwrap_or(0);
    let can_manage = guild.member_permissions(&member).manage_roles();
    Ok(render::champion_role_check(
        role,
        can_manage,
        highest > champion.position,
    ))
}

/// What the bot lacks in `channel`, one line per permission with what breaks without it.
pub(super) async fn missing_permissions(ctx: Context<'_>, channel: ChannelId) -> Result<Vec<String>, Error> {
    let permissions = bot_permissions(ctx, channel).await?;
    Ok(NEEDED
        .iter()
        .filter(|(p, _, _)| !permissions.contains(*p))
        .map(|(_, name, why)| format!("- **{name}**: without it, {why}."))
        .collect())
}

async fn bot_permissions(ctx: Context<'_>, channel: ChannelId) -> Result<serenity::Permissions, Error> {
    if let poise::Context::Application(app) = ctx
        && channel.0 == ctx.channel_id().get()
        && let Some(p) = app.interaction.app_permissions
    {
        return Ok(p);
    }
    let guild_id = ctx
        .guild_id()
        .ok_or_else(|| user_error("This command works only inside a server."))?;
    // No guild cache (see `discord::cache_settings`): this rare command asks Discord for the
    // guild's roles, the channel's overwrites and the bot's member.
    let me = ctx.serenity_context().cache.current_user().id;
    let member = guild_id.member(ctx, me).await?;
    let guild = guild_id.to_partial_guild(ctx).await?;
    let cannot_see = || user_error(format!("I cannot see <#{channel}>, so I cannot post there."));
    let target = match serenity::ChannelId::new(channel.0).to_channel(ctx).await {
        Ok(serenity::Channel::Guild(c)) if c.guild_id == guild_id => c,
        Ok(_) => return Err(cannot_see()),
        Err(serenity::Error::Http(e)) if matches!(e.status_code().map(|s| s.as_u16()), Some(403 | 404)) => {
            return Err(cannot_see());
        }
        Err(e) => return Err(e.into()),
    };
    Ok(guild.user_permissions_in(&target, &member))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_permission_problem_sends_the_admin_to_check() {
        let channel = ChannelId(42);
        let cases = [
            (Some((403, MISSING_PERMISSIONS)), false, PostFailure::Permission),
            (Some((403, MISSING_ACCESS)), false, PostFailure::Permission),
            (Some((404, UNKNOWN_CHANNEL)), false, PostFailure::UnknownChannel),
            (Some((503, 0)), false, PostFailure::DiscordDown(Some(503))),
            (Some((429, 20028)), false, PostFailure::DiscordDown(Some(429))),
            (None, true, PostFailure::DiscordDown(None)),
            (Some((400, 50035)), false, PostFailure::Refused(400, 50035)),
            (None, false, PostFailure::OurSide),
        ];
        for (answer, transport, expected) in cases {
            let failure = PostFailure::from_discord(answer, transport);
            assert_eq!(failure, expected, "{answer:?}");
            let text = failure.reply(channel);
            assert_eq!(
                text.contains("/dailyq check"),
                expected == PostFailure::Permission,
                "{text}"
            );
        }
        assert!(
            PostFailure::DiscordDown(None)
                .reply(channel)
                .contains("Discord did not answer")
        );
    }

    #[test]
    fn an_error_without_discord_in_its_chain_is_ours() {
        let db = anyhow::anyhow!("database is locked").context("claiming a round");
        assert_eq!(PostFailure::of(&db), PostFailure::OurSide);
        assert!(post_failure_reply(&db, ChannelId(1)).contains("on my side"));
        let model = anyhow::Error::new(serenity::Error::Other("x")).context("posting");
        assert_eq!(PostFailure::of(&model), PostFailure::OurSide);
    }
}
