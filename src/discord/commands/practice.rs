//! `/practice start|next|stop`: a live session of questions in a channel, run on the round
//! engine by the scheduler (see `discord::sessions`); `/practice solo`: a question for one
//! member, with its hints and reference answer on demand and a review queue of their own.

use super::admin::DifficultyChoice;
use super::admin::{discord, missing_permissions};
use super::{Context, autocomplete_category, category_option, guild, say_private, user_error};
use crate::discord::render::{self, SoloAction};
use crate::discord::rounds;
use crate::discord::{Data, Error};
use crate::domain::practice::{PracticeSession, SessionPlan, may_steer};
use crate::domain::practice::{SelfMark, pick_solo};
use crate::domain::question::{Difficulty, Question};
use crate::domain::rotation::QuestionFilter;
use crate::domain::round::{Round, RoundState};
use crate::domain::{ChannelId, RoleId};
use crate::domain::{GuildId, UserId};
use crate::store::StoreError;
use poise::serenity_prelude as serenity;

/// Practise together in a channel, or on your own
#[poise::command(slash_command, guild_only, subcommands("start", "next", "stop", "solo"))]
pub async fn practice(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Start a practice session here: questions back to back, each with its thread and reveal
#[poise::command(slash_command, guild_only)]
pub async fn start(
    ctx: Context<'_>,
    #[description = "Only questions of this category (default: all)"]
    #[autocomplete = "autocomplete_category"]
    category: Option<String>,
    #[description = "Only questions of this difficulty (default: all)"] difficulty: Option<DifficultyChoice>,
    #[description = "How many questions, 1 to 20 (default: 5)"]
    #[min = 1]
    #[max = 20]
    questions: Option<i64>,
    #[description = "Minutes per question, 2 to 60 (default: 10)"]
    #[min = 2]
    #[max = 60]
    minutes: Option<i64>,
    #[description = "Draw from the shipped bank, this server's questions, or both (default: both)"]
    source: Option<super::admin::SourceChoice>,
) -> Result<(), Error> {
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    // Every argument is checked before anything is written.
    let plan = SessionPlan::new(questions, minutes).map_err(user_error)?;
    let filter = QuestionFilter {
        category: category_option(data, guild, category).await?,
        difficulty: difficulty.map(Difficulty::from),
    };
    let settings = data.store.ensure_guild(guild, now).await?;
    if !may_start(ctx, settings.practice_role).await {
        return Err(user_error(render::may_not_start(settings.practice_role)));
    }
    let channel = session_channel(ctx)?;
    let missing = missing_permissions(ctx, channel).await?;
    if !missing.is_empty() {
        return Err(user_error(render::session_lacks_permissions(channel, &missing)));
    }
    let source = source.map_or_else(Default::default, crate::domain::rotation::QuestionSource::from);
    let candidates = data.store.rotation_candidates(guild, source).await?;
    if crate::domain::rotation::pick_next(&candidates, &filter, settings.rotation_seed).is_none() {
        return Err(user_error(render::no_question_for(source)));
    }
    let me = UserId(ctx.author().id.get());
    let Some(session) = data
        .store
        .start_session(guild, channel, me, &filter, source, plan, now)
        .await?
    else {
        return Err(user_error(render::SESSION_RUNNING));
    };
    tracing::info!(session = session.id, channel = %channel, "practice session started");
    ctx.send(
        poise::CreateReply::default()
            .content(render::session_started(&session))
            .allowed_mentions(serenity::CreateAllowedMentions::new()),
    )
    .await?;
    // The scheduler asks the first question (and every next one), so a restart resumes it.
    data.wake.notify_one();
    Ok(())
}

/// Reveal the session's current question now and go on to the next
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn next(ctx: Context<'_>) -> Result<(), Error> {
    let (session, current) = steered_session(ctx).await?;
    let Some(round) = current.filter(|r| r.state != RoundState::Pending) else {
        return Err(user_error(render::SESSION_BETWEEN));
    };
    ctx.defer_ephemeral().await?;
    reveal_early(ctx, &round).await?;
    tracing::info!(
        session = session.id,
        round = round.id,
        "practice question skipped"
    );
    say_private(ctx, render::session_skipped(&round)).await
}

/// End the session: reveal the current question and post the scoreboard
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn stop(ctx: Context<'_>) -> Result<(), Error> {
    let (session, current) = steered_session(ctx).await?;
    ctx.defer_ephemeral().await?;
    // The plan drops to the questions asked so far; the scheduler posts the scoreboard once
    // the current one is revealed.
    ctx.data().store.stop_session(session.id).await?;
    let revealed = match current {
        Some(round) if round.state != RoundState::Pending => {
            reveal_early(ctx, &round).await?;
            Some(round)
        }
        _ => None,
    };
    ctx.data().wake.notify_one();
    tracing::info!(session = session.id, "practice session stopped");
    say_private(ctx, render::session_stopping(revealed.as_ref())).await
}

/// Whether the caller may start a session: Manage Server, or the guild's practice role.
async fn may_start(ctx: Context<'_>, role: Option<RoleId>) -> bool {
    let Some(member) = ctx.author_member().await else {
        return false;
    };
    let admin = member
        .permissions
        .is_some_and(|p| p.manage_guild() || p.administrator());
    admin || role.is_some_and(|r| member.roles.iter().any(|m| m.get() == r.0))
}

/// The channel a session runs in: this one, if it is a text or announcement channel.
fn session_channel(ctx: Context<'_>) -> Result<ChannelId, Error> {
    let channel = ctx.channel_id().get();
    if let poise::Context::Application(app) = ctx
        && let Some(c) = &app.interaction.channel
        && let Some(refusal) = super::unusable_kind(channel, c.kind)
    {
        return Err(user_error(refusal));
    }
    Ok(ChannelId(channel))
}

/// The session running in this channel and its unrevealed question, if the caller may steer it.
async fn steered_session(ctx: Context<'_>) -> Result<(PracticeSession, Option<Round>), Error> {
    let guild = guild(ctx)?;
    let data = ctx.data();
    let session = data
        .store
        .running_session(ChannelId(ctx.channel_id().get()))
        .await?
        .filter(|s| s.guild_id == guild)
        .ok_or_else(|| user_error(render::NO_SESSION))?;
    let me = UserId(ctx.author().id.get());
    let admin = super::require_admin(ctx).await.is_ok();
    if !may_steer(&session, me, admin) {
        return Err(user_error(render::SESSION_NOT_YOURS));
    }
    let current = data.store.session_current_round(session.id).await?;
    Ok((session, current))
}

/// Brings a question's deadline to this command (by Discord's clock) and reveals it.
async fn reveal_early(ctx: Context<'_>, round: &Round) -> Result<(), Error> {
    let data = ctx.data();
    let at = crate::domain::ids::snowflake_time(ctx.id()).max(data.clock.now())
        + chrono::Duration::milliseconds(1);
    data.store.reveal_now(round.id, at).await?;
    let round = data.store.round(round.id).await?;
    rounds::reveal(&discord(ctx), data, &round).await?;
    Ok(())
}

/// A question just for you: hints and the reference answer on demand, and a review queue
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn solo(
    ctx: Context<'_>,
    #[description = "Only questions of this category (default: all)"]
    #[autocomplete = "autocomplete_category"]
    category: Option<String>,
    #[description = "Only questions of this difficulty (default: all)"] difficulty: Option<DifficultyChoice>,
) -> Result<(), Error> {
    let guild = guild(ctx)?;
    let data = ctx.data();
    let filter = QuestionFilter {
        category: category_option(data, guild, category).await?,
        difficulty: difficulty.map(Difficulty::from),
    };
    let me = UserId(ctx.author().id.get());
    let Some((id, question)) = next_question(data, guild, me, &filter).await? else {
        return Err(super::user_error(render::SOLO_NONE));
    };
    let reply = poise::CreateReply::default()
        .embed(render::solo_embed(&question, None))
        .components(render::solo_buttons(me, id, &question, &filter))
        .ephemeral(true);
    ctx.send(reply).await?;
    Ok(())
}

/// The member's next practice question (a due review first), recorded as shown.
async fn next_question(
    data: &Data,
    guild: GuildId,
    member: UserId,
    filter: &QuestionFilter,
) -> Result<Option<(i64, Question)>, Error> {
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    let due = data.store.due_reviews(guild, member, now).await?;
    let candidates = data.store.solo_candidates(guild, member).await?;
    let Some(id) = pick_solo(&due, &candidates, filter, settings.rotation_seed ^ member.0) else {
        return Ok(None);
    };
    data.store.record_solo_shown(guild, member, id, now).await?;
    Ok(Some((id, data.store.question(id).await?)))
}

/// Answers a press on a solo-practice button. Only the member practising may press; hints and
/// the answer open as private messages under it, a mark or *Another* updates it in place.
pub async fn solo_click(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(asked) = render::parse_solo_button(&click.data.custom_id) else {
        return Ok(());
    };
    let Some(guild) = click.guild_id.map(|g| GuildId(g.get())) else {
        return Ok(());
    };
    let me = UserId(click.user.id.get());
    let private = |text: &str| {
        serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content(text)
                .ephemeral(true),
        )
    };
    if asked.owner != me {
        click
            .create_response(&ctx.http, private(render::SOLO_NOT_YOURS))
            .await?;
        return Ok(());
    }
    let question = match data.store.question(asked.question).await {
        Ok(q) => q,
        Err(StoreError::NotFound(_)) => {
            click
                .create_response(&ctx.http, private(render::SOLO_GONE))
                .await?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let now = data.clock.now();
    let shown = |embed| {
        serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .embed(embed)
                .ephemeral(true),
        )
    };
    let update = |id: i64, q: &Question, note: Option<String>| {
        serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .embed(render::solo_embed(q, note.as_deref()))
                .components(render::solo_buttons(me, id, q, &asked.filter)),
        )
    };
    let response = match asked.action {
        SoloAction::Hint => shown(render::solo_hints_embed(&question)),
        SoloAction::Answer => shown(render::solo_answer_embed(&question)),
        SoloAction::GotIt | SoloAction::ReviewLater => {
            let mark = if asked.action == SoloAction::GotIt {
                SelfMark::GotIt
            } else {
                SelfMark::ReviewLater
            };
            let review = data.store.mark_solo(guild, me, asked.question, mark, now).await?;
            update(asked.question, &question, Some(render::solo_mark_note(review)))
        }
        SoloAction::Another => match next_question(data, guild, me, &asked.filter).await? {
            Some((id, next)) => update(id, &next, None),
            None => private(render::SOLO_NONE),
        },
    };
    click.create_response(&ctx.http, response).await?;
    Ok(())
}
