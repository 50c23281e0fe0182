//! `/questions`: a server's own questions — add and edit through a form, retire, preview, list —
//! for editors (Manage Server, or the server's question editor role, checked on the server for
//! every command and every form submitted).

use super::admin::SourceChoice;
use super::{Context, Error, autocomplete_category, category_option, guild, user_error};
use crate::bank::import::{FileFormat, ImportPlan, MAX_IMPORT_BYTES, parse_any, plan_import, to_toml};
use crate::discord::{Data, render};
use crate::domain::question::{
    LIKELY_DUPLICATE, Question, QuestionDraft, normalized_prompt, prompt_similarity, split_commas,
};
use crate::domain::rotation::QuestionSource;
use crate::domain::{GuildId, RoleId, UserId};
use poise::serenity_prelude as serenity;

/// Your server's own questions (editors)
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "edit", "retire", "show", "list", "import", "export"),
    subcommand_required
)]
pub async fn questions(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Whether a member may edit the server's questions: Manage Server, or the editor role.
pub fn is_editor(
    permissions: Option<serenity::Permissions>,
    roles: &[serenity::RoleId],
    editor: Option<RoleId>,
) -> bool {
    permissions.is_some_and(|p| p.manage_guild() || p.administrator())
        || editor.is_some_and(|r| roles.iter().any(|m| m.get() == r.0))
}

/// Refuses members who may not edit the server's questions, whatever the client showed them.
async fn require_editor(ctx: Context<'_>) -> Result<GuildId, Error> {
    let guild = guild(ctx)?;
    let settings = ctx
        .data()
        .store
        .ensure_guild(guild, ctx.data().clock.now())
        .await?;
    let member = ctx
        .author_member()
        .await
        .ok_or_else(|| user_error("This command works only inside a server."))?;
    if is_editor(member.permissions, &member.roles, settings.question_editor_role) {
        Ok(guild)
    } else {
        Err(user_error(render::not_an_editor(settings.question_editor_role)))
    }
}

/// Add a question of this server's own (opens a form)
#[poise::command(slash_command, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "The id of the question this one goes deeper into (a series)"] follows: Option<String>,
) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    let follows = series_base(ctx, guild, follows).await?;
    super::open_modal(ctx, render::question_form(None, follows.as_ref())).await
}

/// The series a command names: `None` (not named), `Some(None)` (`none`: no series), or the id
/// of a question this server knows.
async fn series_base(
    ctx: Context<'_>,
    guild: GuildId,
    follows: Option<String>,
) -> Result<Option<Option<String>>, Error> {
    let Some(id) = follows.map(|f| f.trim().to_owned()) else {
        return Ok(None);
    };
    if id.eq_ignore_ascii_case("none") {
        return Ok(Some(None));
    }
    match ctx.data().store.guild_question(guild, &id).await? {
        Some(q) => Ok(Some(Some(q.question.slug.to_string()))),
        None => Err(user_error(render::unknown_question(&id))),
    }
}

/// Change one of this server's own questions (opens a form)
#[poise::command(slash_command, guild_only)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "The question's id, for example own-3"] id: String,
    #[description = "The id of the question it goes deeper into, or none"] follows: Option<String>,
) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    let follows = series_base(ctx, guild, follows).await?;
    let found = ctx.data().store.guild_question(guild, &id).await?;
    match found {
        Some(q) if q.own => {
            super::open_modal(ctx, render::question_form(Some(&q.question), follows.as_ref())).await
        }
        Some(_) => Err(user_error(render::shipped_not_editable(&id))),
        None => Err(user_error(render::unknown_question(&id))),
    }
}

/// Retire one of this server's own questions (it is never asked again; past rounds keep it)
#[poise::command(slash_command, guild_only)]
pub async fn retire(
    ctx: Context<'_>,
    #[description = "The question's id, for example own-3"] id: String,
) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    let data = ctx.data();
    let found = data.store.guild_question(guild, &id).await?;
    let text = match found {
        Some(q) if q.own && !q.retired => {
            data.store
                .retire_own_question(guild, &q.question.slug, data.clock.now())
                .await?;
            render::question_retired(&q.question)
        }
        Some(q) if q.own => render::question_already_retired(&q.question),
        Some(_) => return Err(user_error(render::shipped_not_editable(&id))),
        None => return Err(user_error(render::unknown_question(&id))),
    };
    super::say_private(ctx, text).await
}

/// Preview a question and its reference answer (only you see it)
#[poise::command(slash_command, guild_only)]
pub async fn show(ctx: Context<'_>, #[description = "The question's id"] id: String) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    let Some(q) = ctx.data().store.guild_question(guild, &id).await? else {
        return Err(user_error(render::unknown_question(&id)));
    };
    let reply = render::question_preview(&q)
        .into_iter()
        .fold(poise::CreateReply::default().ephemeral(true), |r, e| r.embed(e));
    ctx.send(reply).await?;
    Ok(())
}

/// How many questions a page of `/questions list` shows.
const LIST_PAGE: u64 = 15;

/// Page through the questions a channel can draw from (only you see it)
#[poise::command(slash_command, guild_only)]
pub async fn list(
    ctx: Context<'_>,
    #[description = "Only this category"]
    #[autocomplete = "autocomplete_category"]
    category: Option<String>,
    #[description = "The shipped bank, this server's questions, or both (default: this server's)"]
    source: Option<SourceChoice>,
    #[description = "Page (default 1)"]
    #[min = 1]
    #[max = 1000]
    page: Option<u32>,
) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    let data = ctx.data();
    let category = category_option(data, guild, category).await?;
    let source = source.map_or(QuestionSource::Server, QuestionSource::from);
    let page = u64::from(page.unwrap_or(1).max(1));
    let (total, rows) = data
        .store
        .question_page(
            guild,
            source,
            category.as_ref(),
            (page - 1) * LIST_PAGE,
            LIST_PAGE,
        )
        .await?;
    let pages = total.div_ceil(LIST_PAGE).max(1);
    ctx.send(
        poise::CreateReply::default()
            .embed(render::question_list(
                source,
                category.as_ref(),
                &rows,
                page,
                pages,
                total,
            ))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Import questions from a TOML (the shipped format) or CSV file: a preview first, then confirm
#[poise::command(slash_command, guild_only)]
pub async fn import(
    ctx: Context<'_>,
    #[description = "A .toml file in the shipped format, or a .csv with a header row (up to 500 questions)"]
    file: serenity::Attachment,
) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let Some(format) = FileFormat::of(&file.filename) else {
        return Err(user_error(render::import_wrong_type(&file.filename)));
    };
    if file.size as usize > MAX_IMPORT_BYTES {
        return Err(user_error(render::import_too_large(file.size as usize)));
    }
    let bytes = match file.download().await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = ?e, "could not download an imported file");
            return Err(user_error(render::IMPORT_UNREADABLE));
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| user_error(render::IMPORT_NOT_UTF8))?;
    let plan = check_import(data, guild, &file.filename, format, &text).await?;
    let id = data
        .store
        .stage_import(
            guild,
            UserId(ctx.author().id.get()),
            &file.filename,
            &text,
            data.clock.now(),
        )
        .await?;
    ctx.send(
        poise::CreateReply::default()
            .embed(render::import_preview(&file.filename, &plan))
            .components(render::import_buttons(id))
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Reads and checks a question file against the guild's questions as they are now; every
/// problem, with its line and field, is a user error.
async fn check_import(
    data: &Data,
    guild: GuildId,
    file_name: &str,
    format: FileFormat,
    text: &str,
) -> Result<ImportPlan, Error> {
    let (questions, mut errors) = parse_any(std::path::Path::new(file_name), format, text);
    let own = data.store.own_prompts(guild).await?;
    let shipped = data.store.shipped_ids().await?;
    // Every problem at once: the questions that parsed are checked against the server too.
    match plan_import(questions, &own, &shipped) {
        Ok(plan) if errors.is_empty() => return Ok(plan),
        Ok(_) => {}
        Err(more) => errors.extend(more),
    }
    errors.sort_by_key(|e| e.line);
    Err(user_error(render::import_problems(&errors)))
}

/// Export this server's questions as a TOML file in the shipped format
#[poise::command(slash_command, guild_only)]
pub async fn export(ctx: Context<'_>) -> Result<(), Error> {
    let guild = require_editor(ctx).await?;
    let questions = ctx.data().store.own_questions(guild).await?;
    if questions.is_empty() {
        return Err(user_error(
            "This server has no question of its own yet. Add one with `/questions add`.",
        ));
    }
    let file = serenity::CreateAttachment::bytes(to_toml(&questions).into_bytes(), render::EXPORT_FILE);
    ctx.send(
        poise::CreateReply::default()
            .content(render::exported(questions.len()))
            .attachment(file)
            .ephemeral(true),
    )
    .await?;
    Ok(())
}

/// Answers a press on an import's Confirm or Cancel: only its importer, still an editor, may
/// press; the file is checked again against the server's questions as they are now, then
/// imported once, in one transaction.
pub async fn import_click(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some((id, confirm)) = render::parse_import_button(&press.data.custom_id) else {
        return Ok(());
    };
    let private = |text: String| {
        serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content(render::truncate(&text, 2000))
                .ephemeral(true),
        )
    };
    let guild = press.guild_id.map(|g| GuildId(g.get()));
    let staged = data
        .store
        .staged_import(id)
        .await?
        .filter(|s| Some(s.guild) == guild);
    let Some(staged) = staged else {
        press
            .create_response(&ctx.http, private(render::IMPORT_GONE.to_owned()))
            .await?;
        return Ok(());
    };
    if staged.member.0 != press.user.id.get() {
        press
            .create_response(&ctx.http, private(render::import_not_yours(staged.member)))
            .await?;
        return Ok(());
    }
    let settings = data.store.ensure_guild(staged.guild, data.clock.now()).await?;
    let still_editor = press
        .member
        .as_ref()
        .is_some_and(|m| is_editor(m.permissions, &m.roles, settings.question_editor_role));
    let text = if staged.outcome.is_some() {
        render::IMPORT_DONE_ALREADY.to_owned()
    } else if !still_editor {
        render::not_an_editor(settings.question_editor_role)
    } else if !confirm {
        data.store.cancel_import(id, data.clock.now()).await?;
        render::IMPORT_CANCELLED.to_owned()
    } else {
        let format = FileFormat::of(&staged.file_name).unwrap_or(FileFormat::Toml);
        match check_import(data, staged.guild, &staged.file_name, format, &staged.body).await {
            Err(e) => match e.downcast::<super::UserError>() {
                Ok(sentence) => sentence.0,
                Err(e) => return Err(e),
            },
            Ok(plan) => {
                let all: Vec<Question> = plan.added.iter().chain(&plan.updated).cloned().collect();
                let applied = data
                    .store
                    .apply_import(id, staged.guild, &all, staged.member, data.clock.now())
                    .await?;
                if applied {
                    render::imported(plan.added.len(), plan.updated.len())
                } else {
                    render::IMPORT_DONE_ALREADY.to_owned()
                }
            }
        }
    };
    press
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::UpdateMessage(
                serenity::CreateInteractionResponseMessage::new()
                    .content(render::truncate(&text, 2000))
                    .embeds(Vec::new())
                    .components(Vec::new()),
            ),
        )
        .await?;
    Ok(())
}

/// What a submitted question form asks for, and the series it sets: `Some(None)` clears it.
struct FormKind {
    edit: Option<String>,
    follows: Option<Option<String>>,
}

/// Reads a form's custom id: `dq:q:form` (add) or `dq:q:form:{id}` (edit), each with `>{base}`
/// when the command named the question it follows (`>-`: none).
fn form_kind(custom_id: &str) -> Option<FormKind> {
    let rest = custom_id.strip_prefix(render::QUESTION_FORM)?;
    let (rest, follows) = match rest.split_once('>') {
        Some((r, "-")) => (r, Some(None)),
        Some((r, f)) => (r, Some(Some(f.to_owned()))),
        None => (rest, None),
    };
    let edit = match rest {
        "" => None,
        r => Some(r.strip_prefix(':')?.to_owned()),
    };
    Some(FormKind { edit, follows })
}

/// Handles a submitted question form: checks the member again, checks every field like the
/// question files, refuses a prompt the server already has, and adds or updates the question in
/// one write. The member gets a private sentence either way.
pub async fn form_submitted(
    ctx: &serenity::Context,
    data: &Data,
    submit: &serenity::ModalInteraction,
) -> Result<(), Error> {
    let Some(kind) = form_kind(&submit.data.custom_id) else {
        return Ok(());
    };
    let text = match handle_form(data, submit, kind).await {
        Ok(text) => text,
        Err(e) => match e.downcast::<super::UserError>() {
            Ok(sentence) => sentence.0,
            Err(e) => return Err(e),
        },
    };
    submit
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(render::truncate(&text, 2000))
                    .ephemeral(true),
            ),
        )
        .await?;
    Ok(())
}

async fn handle_form(
    data: &Data,
    submit: &serenity::ModalInteraction,
    kind: FormKind,
) -> Result<String, Error> {
    let guild = GuildId(
        submit
            .guild_id
            .ok_or_else(|| user_error("This form works only inside a server."))?
            .get(),
    );
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    let member = submit.member.as_ref();
    let allowed = member.is_some_and(|m| is_editor(m.permissions, &m.roles, settings.question_editor_role));
    if !allowed {
        return Err(user_error(render::not_an_editor(settings.question_editor_role)));
    }
    let existing = match &kind.edit {
        None => None,
        Some(id) => match data.store.guild_question(guild, id).await? {
            Some(q) if q.own => Some(q.question),
            _ => return Err(user_error(render::unknown_question(id))),
        },
    };
    let draft = QuestionDraft {
        // A new question gets its id when it is stored.
        id: existing
            .as_ref()
            .map_or_else(|| "own-0".to_owned(), |q| q.slug.to_string()),
        category: crate::discord::modal_value(submit, render::FORM_CATEGORY).to_owned(),
        difficulty: crate::discord::modal_value(submit, render::FORM_DIFFICULTY).to_owned(),
        tags: split_commas(crate::discord::modal_value(submit, render::FORM_TAGS)),
        prompt: crate::discord::modal_value(submit, render::FORM_PROMPT).to_owned(),
        answer: crate::discord::modal_value(submit, render::FORM_ANSWER).to_owned(),
        hints: existing.as_ref().map(|q| q.hints.clone()).unwrap_or_default(),
        follow_ups: existing
            .as_ref()
            .map(|q| q.follow_ups.clone())
            .unwrap_or_default(),
        sources: existing.as_ref().map(|q| q.sources.clone()).unwrap_or_default(),
        follows: match &kind.follows {
            Some(f) => f.clone().unwrap_or_default(),
            None => existing
                .as_ref()
                .and_then(|q| q.follows.as_ref())
                .map(|f| f.to_string())
                .unwrap_or_default(),
        },
    };
    let question = draft
        .check()
        .map_err(|problems| user_error(render::form_problems(&problems)))?;
    if let Some(base) = &question.follows
        && data.store.guild_question(guild, base.as_str()).await?.is_none()
    {
        return Err(user_error(render::unknown_question(base.as_str())));
    }
    let others: Vec<_> = data
        .store
        .own_prompts(guild)
        .await?
        .into_iter()
        .filter(|(slug, _)| existing.as_ref().is_none_or(|q| &q.slug != slug))
        .collect();
    let same = normalized_prompt(&question.prompt);
    if let Some((slug, _)) = others.iter().find(|(_, p)| normalized_prompt(p) == same) {
        return Err(user_error(render::duplicate_prompt(slug)));
    }
    let similar = others
        .iter()
        .find(|(_, p)| prompt_similarity(p, &question.prompt) >= LIKELY_DUPLICATE)
        .map(|(slug, _)| slug.clone());
    let author = UserId(submit.user.id.get());
    let saved: Question = match existing {
        None => {
            let (_, slug) = data
                .store
                .add_own_question(guild, &question, author, None, now)
                .await?;
            Question { slug, ..question }
        }
        Some(_) => {
            data.store.update_own_question(guild, &question, now).await?;
            question
        }
    };
    Ok(render::question_saved(
        &saved,
        kind.edit.is_none(),
        similar.as_ref(),
    ))
}
