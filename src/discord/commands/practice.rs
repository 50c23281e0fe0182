//! `/practice solo`: a question for one member, with its hints and reference answer on demand
//! and a review queue of their own.

use super::admin::DifficultyChoice;
use super::{Context, autocomplete_category, category_option, guild};
use crate::discord::render::{self, SoloAction};
use crate::discord::{Data, Error};
use crate::domain::practice::{SelfMark, pick_solo};
use crate::domain::question::{Difficulty, Question};
use crate::domain::rotation::QuestionFilter;
use crate::domain::{GuildId, UserId};
use crate::store::StoreError;
use poise::serenity_prelude as serenity;

/// Practise on your own
#[poise::command(slash_command, guild_only, subcommands("solo"))]
pub async fn practice(_ctx: Context<'_>) -> Result<(), Error> {
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
