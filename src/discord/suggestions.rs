//! Member suggestions on Discord: the `/suggest` form, the review message with its buttons for
//! editors (Approve, Edit & approve, Reject with a reason), and telling the member the outcome.
//!
//! Every decision is taken once in the store (a conditional update from `pending`); a press by
//! someone who may not edit questions is refused on the server.

use super::commands::is_editor;
use super::{Data, Error, render};
use crate::domain::ids::snowflake_time;
use crate::domain::question::{Question, QuestionDraft};
use crate::domain::suggestions::{
    MAX_REASON_CHARS, Suggestion, check_suggestion, likely_duplicate, may_suggest,
};
use crate::domain::{GuildId, MessageId, UserId};
use poise::serenity_prelude as serenity;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long Discord lets the bot follow up on an interaction (15 minutes), less a margin.
const FOLLOW_UP_FOR: Duration = Duration::from_secs(14 * 60);

/// The interaction tokens of recent suggestions, so the member can be told the outcome in the
/// same place while Discord still allows it (a DM otherwise). Kept in memory only: a token is a
/// short-lived credential, and after a restart the DM does the job.
#[derive(Debug, Default)]
pub struct Suggesters(Mutex<HashMap<i64, (String, Instant)>>);

impl Suggesters {
    fn remember(&self, id: i64, token: String) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, at)| at.elapsed() < FOLLOW_UP_FOR);
        map.insert(id, (token, Instant::now()));
    }

    fn take(&self, id: i64) -> Option<String> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&id)
            .filter(|(_, at)| at.elapsed() < FOLLOW_UP_FOR)
            .map(|(token, _)| token)
    }
}

fn private(text: impl Into<String>) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::Message(
        serenity::CreateInteractionResponseMessage::new()
            .content(render::truncate(&text.into(), 2000))
            .ephemeral(true),
    )
}

/// Why a member may not suggest at `at` (suggestions off, too many waiting, too soon).
async fn refusal(
    data: &Data,
    guild: GuildId,
    member: UserId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, Error> {
    let settings = data.store.ensure_guild(guild, data.clock.now()).await?;
    if settings.suggestion_channel.is_none() {
        return Ok(Some(render::SUGGESTIONS_OFF.to_owned()));
    }
    let (pending, last) = data.store.suggestion_limits(guild, member).await?;
    Ok(may_suggest(pending, last, at).err())
}

/// `/suggest`: the form, when the member may suggest now.
pub async fn open_form(ctx: super::commands::Context<'_>) -> Result<(), Error> {
    let guild = super::commands::guild(ctx)?;
    let at = snowflake_time(ctx.id());
    if let Some(why) = refusal(ctx.data(), guild, UserId(ctx.author().id.get()), at).await? {
        return Err(super::commands::user_error(why));
    }
    super::commands::open_modal(ctx, render::suggestion_form()).await
}

/// A submitted suggestion: checked again, kept, and posted for review.
pub async fn submitted(
    ctx: &serenity::Context,
    data: &Data,
    submit: &serenity::ModalInteraction,
) -> Result<(), Error> {
    let Some(guild) = submit.guild_id.map(|g| GuildId(g.get())) else {
        return Ok(());
    };
    let member = UserId(submit.user.id.get());
    let at = snowflake_time(submit.id.get());
    if let Some(why) = refusal(data, guild, member, at).await? {
        submit.create_response(&ctx.http, private(why)).await?;
        return Ok(());
    }
    let checked = check_suggestion(
        super::modal_value(submit, render::FORM_PROMPT),
        super::modal_value(submit, render::FORM_ANSWER),
        super::modal_value(submit, render::FORM_CATEGORY),
    );
    let (prompt, answer, category) = match checked {
        Ok(ok) => ok,
        Err(problems) => {
            submit
                .create_response(&ctx.http, private(render::suggestion_problems(&problems)))
                .await?;
            return Ok(());
        }
    };
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    let Some(review) = settings.suggestion_channel else {
        submit
            .create_response(&ctx.http, private(render::SUGGESTIONS_OFF))
            .await?;
        return Ok(());
    };
    let existing = data.store.prompts_to_compare(guild).await?;
    let duplicate = likely_duplicate(&prompt, &existing).map(|(label, s)| (label.to_owned(), s));
    let Some(id) = data
        .store
        .add_suggestion(guild, member, &prompt, answer.as_deref(), &category, review, at)
        .await?
    else {
        let (pending, last) = data.store.suggestion_limits(guild, member).await?;
        let why = may_suggest(pending, last, at).err().unwrap_or_default();
        submit.create_response(&ctx.http, private(why)).await?;
        return Ok(());
    };
    let suggestion = Suggestion {
        id,
        member,
        prompt,
        answer,
        category,
        state: crate::domain::suggestions::SuggestionState::Pending,
        created_at: at,
        review_message: None,
        reason: None,
    };
    let post = serenity::CreateMessage::new()
        .embed(render::suggestion_review(&suggestion, duplicate.as_ref()))
        .components(render::suggestion_buttons(id))
        .allowed_mentions(serenity::CreateAllowedMentions::new())
        .nonce(serenity::Nonce::String(format!("dqg{id:x}")))
        .enforce_nonce(true);
    let sent = serenity::ChannelId::new(review.0)
        .send_message(&ctx.http, post)
        .await;
    let reply = match sent {
        Ok(m) => {
            data.store
                .set_suggestion_message(id, MessageId(m.id.get()))
                .await?;
            data.suggesters.remember(id, submit.token.clone());
            render::SUGGESTION_SENT.to_owned()
        }
        Err(e) => {
            tracing::warn!(error = ?e, suggestion = id, "could not post a suggestion for review");
            data.store.drop_suggestion(id).await?;
            render::suggestion_not_posted(review)
        }
    };
    submit.create_response(&ctx.http, private(reply)).await?;
    Ok(())
}

/// The pending suggestion `id` of `guild` that `member` may review now; otherwise the sentence
/// to answer with (not an editor, decided already, not this server's).
async fn reviewable(
    data: &Data,
    guild: GuildId,
    member: Option<&serenity::Member>,
    id: i64,
) -> Result<Result<Suggestion, String>, Error> {
    let settings = data.store.ensure_guild(guild, data.clock.now()).await?;
    if !member.is_some_and(|m| is_editor(m.permissions, &m.roles, settings.question_editor_role)) {
        return Ok(Err(render::not_an_editor(settings.question_editor_role)));
    }
    Ok(match data.store.suggestion(id).await? {
        Some((g, s)) if g == guild => match s.state {
            crate::domain::suggestions::SuggestionState::Pending => Ok(s),
            _ => Err(render::SUGGESTION_DECIDED.to_owned()),
        },
        _ => Err(render::SUGGESTION_GONE.to_owned()),
    })
}

/// A press on a review button: Approve, Edit & approve (a form), Reject (a form for the reason).
pub async fn review_click(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some((action, id)) = render::parse_suggestion_button(&press.data.custom_id) else {
        return Ok(());
    };
    let Some(guild) = press.guild_id.map(|g| GuildId(g.get())) else {
        return Ok(());
    };
    let suggestion = match reviewable(data, guild, press.member.as_ref(), id).await? {
        Ok(s) => s,
        Err(why) => {
            press.create_response(&ctx.http, private(why)).await?;
            return Ok(());
        }
    };
    match action {
        render::SuggestionAction::Approve => {
            let Some(answer) = suggestion.answer.clone() else {
                press
                    .create_response(&ctx.http, private(render::SUGGESTION_NEEDS_ANSWER))
                    .await?;
                return Ok(());
            };
            let draft = draft_of(&suggestion, answer);
            let response =
                decide_approval(data, guild, &suggestion, &draft, UserId(press.user.id.get())).await?;
            press.create_response(&ctx.http, response.0).await?;
            if let Some(text) = response.1 {
                tell(ctx, data, &suggestion, text).await;
            }
        }
        render::SuggestionAction::Edit => {
            let draft = draft_of(&suggestion, suggestion.answer.clone().unwrap_or_default());
            press
                .create_response(
                    &ctx.http,
                    serenity::CreateInteractionResponse::Modal(render::suggestion_edit_form(id, &draft)),
                )
                .await?;
        }
        render::SuggestionAction::Reject => {
            press
                .create_response(
                    &ctx.http,
                    serenity::CreateInteractionResponse::Modal(render::rejection_form(id)),
                )
                .await?;
        }
    }
    Ok(())
}

/// The question a suggestion would become, before an editor changes anything.
fn draft_of(s: &Suggestion, answer: String) -> QuestionDraft {
    QuestionDraft {
        id: "own-0".to_owned(),
        category: s.category.to_string(),
        difficulty: "medium".to_owned(),
        tags: vec![s.category.to_string()],
        prompt: s.prompt.clone(),
        answer,
        ..QuestionDraft::default()
    }
}

/// Approves a suggestion as `draft` (checked like every question): the review message's update
/// and, when it was approved now, what to tell the member.
async fn decide_approval(
    data: &Data,
    guild: GuildId,
    suggestion: &Suggestion,
    draft: &QuestionDraft,
    editor: UserId,
) -> Result<(serenity::CreateInteractionResponse, Option<String>), Error> {
    let question: Question = match draft.check() {
        Ok(q) => q,
        Err(problems) => return Ok((private(render::form_problems(&problems)), None)),
    };
    let approved = data
        .store
        .approve_suggestion(suggestion.id, guild, &question, editor, data.clock.now())
        .await?;
    Ok(match approved {
        Some(slug) => (
            update(render::suggestion_approved(suggestion, editor, &slug)),
            Some(render::told_approved(&slug)),
        ),
        None => (private(render::SUGGESTION_DECIDED), None),
    })
}

fn update(embed: serenity::CreateEmbed) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::UpdateMessage(
        serenity::CreateInteractionResponseMessage::new()
            .embed(embed)
            .components(Vec::new()),
    )
}

/// A submitted Edit & approve or rejection form.
pub async fn review_form_submitted(
    ctx: &serenity::Context,
    data: &Data,
    submit: &serenity::ModalInteraction,
) -> Result<(), Error> {
    let Some((action, id)) = render::parse_suggestion_form(&submit.data.custom_id) else {
        return Ok(());
    };
    let Some(guild) = submit.guild_id.map(|g| GuildId(g.get())) else {
        return Ok(());
    };
    let suggestion = match reviewable(data, guild, submit.member.as_ref(), id).await? {
        Ok(s) => s,
        Err(why) => {
            submit.create_response(&ctx.http, private(why)).await?;
            return Ok(());
        }
    };
    let editor = UserId(submit.user.id.get());
    let (response, told) = match action {
        render::SuggestionAction::Edit => {
            let draft = QuestionDraft {
                id: "own-0".to_owned(),
                category: super::modal_value(submit, render::FORM_CATEGORY).to_owned(),
                difficulty: super::modal_value(submit, render::FORM_DIFFICULTY).to_owned(),
                tags: crate::domain::question::split_commas(super::modal_value(submit, render::FORM_TAGS)),
                prompt: super::modal_value(submit, render::FORM_PROMPT).to_owned(),
                answer: super::modal_value(submit, render::FORM_ANSWER).to_owned(),
                ..QuestionDraft::default()
            };
            decide_approval(data, guild, &suggestion, &draft, editor).await?
        }
        _ => {
            let reason = match crate::domain::question::check_text(
                super::modal_value(submit, render::FORM_REASON),
                MAX_REASON_CHARS,
            ) {
                Ok(r) => r,
                Err(m) => {
                    submit
                        .create_response(&ctx.http, private(format!("Nothing was saved: `reason` {m}")))
                        .await?;
                    return Ok(());
                }
            };
            if data
                .store
                .reject_suggestion(id, guild, &reason, editor, data.clock.now())
                .await?
            {
                (
                    update(render::suggestion_rejected(&suggestion, editor, &reason)),
                    Some(render::told_rejected(&suggestion, &reason)),
                )
            } else {
                (private(render::SUGGESTION_DECIDED), None)
            }
        }
    };
    submit.create_response(&ctx.http, response).await?;
    if let Some(text) = told {
        tell(ctx, data, &suggestion, text).await;
    }
    Ok(())
}

/// Tells the member the outcome: privately where they suggested, while Discord allows it;
/// otherwise by DM. Best effort: a member who closed their DMs is only logged.
async fn tell(ctx: &serenity::Context, data: &Data, suggestion: &Suggestion, text: String) {
    if let Some(token) = data.suggesters.take(suggestion.id) {
        let follow_up = serenity::CreateInteractionResponseFollowup::new()
            .content(text.clone())
            .ephemeral(true);
        match ctx
            .http
            .create_followup_message(&token, &follow_up, Vec::new())
            .await
        {
            Ok(_) => return,
            Err(e) => {
                tracing::info!(error = ?e, suggestion = suggestion.id, "could not follow up; trying a DM")
            }
        }
    }
    let user = serenity::UserId::new(suggestion.member.0);
    let dm = async {
        let channel = user.create_dm_channel(&ctx.http).await?;
        channel
            .send_message(&ctx.http, serenity::CreateMessage::new().content(text))
            .await
    };
    if let Err(e) = dm.await {
        tracing::info!(error = ?e, suggestion = suggestion.id, "could not tell the member the outcome of their suggestion");
    }
}
