//! What members see: embeds, texts and component ids. Pure functions of domain values.

use crate::domain::RoleId;
use crate::domain::leaderboard::{Board, BoardPage, MemberStats, Period, Standing};
use crate::domain::pairing::{Pair, PoolEntry, Rubric, RubricAverage, SCORES};
use crate::domain::practice::{PracticeSession, SessionAnswer};
use crate::domain::question::{Difficulty, Question};
use crate::domain::round::{ChannelSchedule, Round, RoundKind, RoundState};
use crate::domain::streaks::Streak;
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

/// The emoji members vote with.
pub const UPVOTE: &str = "⬆️";
/// Rows per leaderboard page.
pub const LEADERBOARD_PAGE: usize = 10;
/// Discord's limit on an embed description.
const DESCRIPTION_LIMIT: usize = 4096;

/// `<t:…:style>`: a timestamp every member sees in their own zone.
pub fn timestamp(at: DateTime<Utc>, style: char) -> String {
    format!("<t:{}:{style}>", at.timestamp(), style = style)
}

/// A link that jumps to a message.
pub fn jump_link(guild: GuildId, channel: ChannelId, message: MessageId) -> String {
    format!("https://discord.com/channels/{guild}/{channel}/{message}")
}

fn colour(d: Difficulty) -> serenity::Colour {
    match d {
        Difficulty::Easy => serenity::Colour::new(0x57F287),
        Difficulty::Medium => serenity::Colour::new(0xFEE75C),
        Difficulty::Hard => serenity::Colour::new(0xED4245),
    }
}

/// How members name a round: "question #12" for a channel's daily question, "practice
/// question 2" for the second question of a practice session.
pub fn round_name(round: &Round) -> String {
    match round.kind {
        RoundKind::Daily => format!("question #{}", round.number),
        RoundKind::Practice { seq, .. } => format!("practice question {seq}"),
    }
}

/// [`round_name`] starting with a capital.
fn round_title(round: &Round) -> String {
    let name = round_name(round);
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The footer that marks a question message as a round's post (found again after a crash).
pub fn round_marker(round: &Round) -> String {
    format!("dailyq · round {}", round.id)
}

/// The footer that marks the reveal's reference answer (found again after a crash).
pub fn reveal_marker(round: &Round) -> String {
    format!("dailyq · reference answer · round {}", round.id)
}

/// The footer that marks the reveal's summary (found again after a crash).
pub fn summary_marker(round: &Round) -> String {
    format!("dailyq · summary · round {}", round.id)
}

/// Whether a footer text carries `marker` (at its end, after any "part i of n").
pub fn has_marker(footer: &str, marker: &str) -> bool {
    footer == marker || footer.ends_with(&format!(" · {marker}"))
}

/// The question post, with everything members need to take part (the answer thread itself
/// carries no instructions message, so a post costs two requests: this message and its thread).
/// A blind round's post explains its phases and shows `sealed`, the answers sent so far.
pub fn question_embed(
    round: &Round,
    q: &Question,
    min_answer_chars: u32,
    sealed: u64,
) -> serenity::CreateEmbed {
    let min = if min_answer_chars > 0 {
        format!(" Answers need at least {min_answer_chars} characters.")
    } else {
        String::new()
    };
    let how = match round.answers_close_at {
        None => format!(
            "Answer in the thread below, in one message or several.{min} Upvote the answers you \
             find strong with {UPVOTE} (not your own). Edits count until the reveal; deleting a \
             message withdraws it. The reference answer is revealed {} ({}).",
            timestamp(round.closes_at, 'R'),
            timestamp(round.closes_at, 'f')
        ),
        Some(answers_close) => format!(
            "🙈 **Blind round.** Press **Answer** to send yours privately (up to {} characters; \
             press again to change it).{min} Nobody sees an answer before {} ({}): then every \
             answer is posted in the thread with its author, in a random order. Vote with {UPVOTE} \
             (not your own) until the reference answer is revealed {} ({}). Messages in the \
             thread are discussion, not answers.",
            crate::domain::blind::MAX_ANSWER_CHARS,
            timestamp(answers_close, 'R'),
            timestamp(answers_close, 'f'),
            timestamp(round.closes_at, 'R'),
            timestamp(round.closes_at, 'f')
        ),
    };
    let mut embed = serenity::CreateEmbed::new()
        .title(format!(
            "{} · {} · {}",
            round_title(round),
            q.category.title(),
            q.difficulty
        ))
        .description(q.prompt.clone())
        .field("How to play", how, false)
        .colour(colour(q.difficulty))
        .footer(serenity::CreateEmbedFooter::new(round_marker(round)));
    if round.is_blind() {
        let phase = if round.published_at.is_some() {
            format!(
                "{} — published in the thread; voting is open",
                plural(sealed, "answer")
            )
        } else {
            format!("{} so far", plural(sealed, "answer"))
        };
        embed = embed.field("Answers", phase, true);
    }
    embed
}

/// "1 answer", "3 answers".
fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Custom id of the Answer button on a blind round's post, and of the modal it opens:
/// `dq:answer:{round id}`.
pub fn answer_button_id(round_id: i64) -> String {
    format!("dq:answer:{round_id}")
}

/// Parses an Answer button (or modal) id; anything else is `None`.
pub fn parse_answer_button(id: &str) -> Option<i64> {
    let round: i64 = id.strip_prefix("dq:answer:")?.parse().ok()?;
    (round > 0).then_some(round)
}

/// The custom id of the answer's text input in the modal.
pub const ANSWER_INPUT: &str = "answer";

/// The modal a member writes a blind round's answer in, prefilled with their earlier answer.
pub fn answer_modal(round: &Round, earlier: Option<&str>, min_answer_chars: u32) -> serenity::CreateModal {
    let max = crate::domain::blind::MAX_ANSWER_CHARS as u16;
    let mut input = serenity::CreateInputText::new(
        serenity::InputTextStyle::Paragraph,
        "Your answer (hidden until the deadline)",
        ANSWER_INPUT,
    )
    .max_length(max)
    .required(true)
    .placeholder("Core idea, an example, the pitfalls…");
    if min_answer_chars > 0 {
        input = input.min_length(min_answer_chars.min(u32::from(max)) as u16);
    }
    if let Some(text) = earlier {
        input = input.value(text);
    }
    serenity::CreateModal::new(
        answer_button_id(round.id),
        truncate(&format!("Your answer · {}", round_title(round)), 45),
    )
    .components(vec![serenity::CreateActionRow::InputText(input)])
}

/// The reply to a saved sealed answer.
pub fn sealed_answer_saved(round: &Round, changed: bool) -> String {
    let deadline = round.answer_deadline();
    format!(
        "✅ {} to {} is saved. Nobody sees it until {} ({}), when every answer is posted in the \
         thread. Press **Answer** again to change it before then.",
        if changed { "Your new answer" } else { "Your answer" },
        round_name(round),
        timestamp(deadline, 'R'),
        timestamp(deadline, 't'),
    )
}

/// The reply to an Answer press or an answer sent when the round no longer takes answers.
pub fn answers_closed(round: &Round) -> String {
    let name = round_name(round);
    if !round.is_blind() {
        return format!("Answer {name} in its thread: it takes no answers through this button.");
    }
    match round.state {
        RoundState::Closed | RoundState::Skipped => {
            format!(
                "{} is over: its reference answer is in the thread. Nothing was saved.",
                round_title(round)
            )
        }
        _ => format!(
            "Answers to {name} closed {} ({}); nothing was saved. They are published in the thread: \
             vote there with {UPVOTE} until the reveal {}.",
            timestamp(round.answer_deadline(), 'R'),
            timestamp(round.answer_deadline(), 't'),
            timestamp(round.closes_at, 'R'),
        ),
    }
}

/// The reply to an Answer press or a modal whose round this server does not have.
pub const ANSWER_GONE: &str = "This question is not one of this server's rounds. Nothing was saved.";

/// The custom id of the question form: `dq:q:form` to add, `dq:q:form:{id}` to edit.
pub const QUESTION_FORM: &str = "dq:q:form";
/// The form's text inputs.
pub const FORM_PROMPT: &str = "prompt";
/// The form's answer input.
pub const FORM_ANSWER: &str = "answer";
/// The form's category input.
pub const FORM_CATEGORY: &str = "category";
/// The form's difficulty input.
pub const FORM_DIFFICULTY: &str = "difficulty";
/// The form's tags input.
pub const FORM_TAGS: &str = "tags";

/// The form that adds a question (`None`) or edits one, prefilled; `follows` is the series the
/// command named (`Some(None)`: none).
pub fn question_form(q: Option<&Question>, follows: Option<&Option<String>>) -> serenity::CreateModal {
    use crate::domain::question::{MAX_ANSWER_CHARS, MAX_PROMPT_CHARS};
    let input = |style, label: &str, id: &str, max: usize, value: Option<String>, hint: &str| {
        let mut i = serenity::CreateInputText::new(style, label, id)
            .max_length(max as u16)
            .required(true)
            .placeholder(hint);
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            i = i.value(v);
        }
        serenity::CreateActionRow::InputText(i)
    };
    let (mut custom_id, title) = match q {
        None => (QUESTION_FORM.to_owned(), "Add a question".to_owned()),
        Some(q) => (
            format!("{QUESTION_FORM}:{}", q.slug),
            truncate(&format!("Edit {}", q.slug), 45),
        ),
    };
    // The series a command named travels with the form (ids are at most 64 characters).
    match follows {
        Some(Some(base)) => custom_id.push_str(&format!(">{base}")),
        Some(None) => custom_id.push_str(">-"),
        None => {}
    }
    serenity::CreateModal::new(custom_id, title).components(vec![
        input(
            serenity::InputTextStyle::Paragraph,
            "Prompt",
            FORM_PROMPT,
            MAX_PROMPT_CHARS,
            q.map(|q| q.prompt.clone()),
            "The question as members see it (Markdown)",
        ),
        input(
            serenity::InputTextStyle::Paragraph,
            "Reference answer",
            FORM_ANSWER,
            MAX_ANSWER_CHARS,
            q.map(|q| q.answer.clone()),
            "Revealed at the deadline (Markdown)",
        ),
        input(
            serenity::InputTextStyle::Short,
            "Category",
            FORM_CATEGORY,
            40,
            q.map(|q| q.category.to_string()),
            "A slug, for example onboarding or databases",
        ),
        input(
            serenity::InputTextStyle::Short,
            "Difficulty",
            FORM_DIFFICULTY,
            6,
            q.map(|q| q.difficulty.to_string()),
            "easy, medium or hard",
        ),
        input(
            serenity::InputTextStyle::Short,
            "Tags",
            FORM_TAGS,
            400,
            q.map(|q| q.tags.join(", ")),
            "Comma-separated, for example deploys, ci",
        ),
    ])
}

/// The refusal for a member who may not edit the server's questions.
pub fn not_an_editor(role: Option<RoleId>) -> String {
    match role {
        Some(r) => format!("Only members with Manage Server or <@&{r}> can manage this server's questions."),
        None => "Only members with Manage Server can manage this server's questions (an admin can name an \
                 editor role with `/dailyq question-editors`)."
            .to_owned(),
    }
}

/// The reply to an id the server does not have (another server's ids are unknown too).
pub fn unknown_question(id: &str) -> String {
    format!(
        "This server has no question with the id {}. `/questions list` shows the ids.",
        crate::domain::text::quote_input(id)
    )
}

/// The refusal to edit or retire a shipped question.
pub fn shipped_not_editable(id: &str) -> String {
    format!(
        "{} is a question of the shipped bank: only this server's own questions can be changed. \
         A channel can leave the shipped bank out with `/dailyq setup … source:`.",
        crate::domain::text::quote_input(id)
    )
}

/// The reply to a form with bad fields.
pub fn form_problems(problems: &[crate::domain::question::FieldProblem]) -> String {
    let mut text = String::from("Nothing was saved:\n");
    for p in problems {
        text.push_str(&format!("- {p}\n"));
    }
    text
}

/// The refusal of a prompt the server already has.
pub fn duplicate_prompt(existing: &crate::domain::question::QuestionSlug) -> String {
    format!(
        "Nothing was saved: `prompt` is the same as **{existing}**'s. Edit that one with `/questions edit id:{existing}`."
    )
}

/// The reply to a saved question.
pub fn question_saved(
    q: &Question,
    added: bool,
    similar: Option<&crate::domain::question::QuestionSlug>,
) -> String {
    let mut text = if added {
        format!(
            "✅ Added **{}** ({}, {}). Channels whose source includes this server's questions can draw it \
             (`/dailyq setup … source:`).",
            q.slug,
            q.category.title(),
            q.difficulty
        )
    } else {
        format!(
            "✅ Saved **{}** ({}, {}).",
            q.slug,
            q.category.title(),
            q.difficulty
        )
    };
    if let Some(other) = similar {
        text.push_str(&format!(
            "\n⚠️ Its prompt is much like **{other}**'s; retire one if they are the same question."
        ));
    }
    text
}

/// The reply to a retired question.
pub fn question_retired(q: &Question) -> String {
    format!(
        "**{}** is retired: it will not be asked again, and past rounds keep it.",
        q.slug
    )
}

/// The reply to retiring a question twice.
pub fn question_already_retired(q: &Question) -> String {
    format!("**{}** was already retired.", q.slug)
}

/// A question and its reference answer, for an editor's eyes only.
pub fn question_preview(q: &crate::store::GuildQuestion) -> Vec<serenity::CreateEmbed> {
    let origin = match (q.own, q.retired) {
        (true, false) => "this server's question",
        (true, true) => "this server's question (retired)",
        (false, false) => "shipped bank",
        (false, true) => "shipped bank (retired)",
    };
    let question = &q.question;
    let mut head = serenity::CreateEmbed::new()
        .title(truncate(
            &format!(
                "{} · {} · {}",
                question.slug,
                question.category.title(),
                question.difficulty
            ),
            256,
        ))
        .description(question.prompt.clone())
        .field("Source", origin, true)
        .field("Tags", truncate(&question.tags.join(", "), 1024), true)
        .colour(colour(question.difficulty));
    if let Some(m) = q.suggested_by {
        head = head.field("Suggested by", format!("<@{m}>"), true);
    }
    let answer = serenity::CreateEmbed::new()
        .title("Reference answer")
        .description(question.answer.clone());
    vec![head, answer]
}

/// One page of `/questions list`.
pub fn question_list(
    source: crate::domain::rotation::QuestionSource,
    category: Option<&crate::domain::question::Category>,
    rows: &[crate::store::GuildQuestion],
    page: u64,
    pages: u64,
    total: u64,
) -> serenity::CreateEmbed {
    use crate::domain::rotation::QuestionSource;
    let what = match source {
        QuestionSource::Server => "This server's questions",
        QuestionSource::Shipped => "The shipped bank",
        QuestionSource::Both => "The shipped bank and this server's questions",
    };
    let title = match category {
        Some(c) => format!("{what} · {}", c.title()),
        None => what.to_owned(),
    };
    let lines: Vec<String> = rows
        .iter()
        .map(|q| {
            let prompt = q.question.prompt.split_whitespace().collect::<Vec<_>>().join(" ");
            format!(
                "`{}` · {} · {} — {}",
                q.question.slug,
                q.question.category,
                q.question.difficulty,
                truncate(&prompt, 140)
            )
        })
        .collect();
    let body = if lines.is_empty() {
        match source {
            QuestionSource::Server => {
                "No question of this server's own yet. Add one with `/questions add`.".to_owned()
            }
            _ => "No question matches.".to_owned(),
        }
    } else {
        lines.join("\n")
    };
    serenity::CreateEmbed::new()
        .title(title)
        .description(truncate(&body, DESCRIPTION_LIMIT))
        .footer(serenity::CreateEmbedFooter::new(format!(
            "page {page} of {pages} · {total} question{}",
            if total == 1 { "" } else { "s" }
        )))
}

/// The name of an export's file.
pub const EXPORT_FILE: &str = "questions.toml";

/// The reply carrying an export.
pub fn exported(n: usize) -> String {
    format!(
        "This server's {n} question{} in the shipped TOML format. Keep the file in git, check it with \
         `dailyq questions check`, and bring changes back with `/questions import`.",
        if n == 1 { "" } else { "s" }
    )
}

/// The refusal of a file that is neither TOML nor CSV.
pub fn import_wrong_type(name: &str) -> String {
    format!(
        "{} is neither a .toml nor a .csv file. Nothing was imported.",
        crate::domain::text::quote_input(name)
    )
}

/// The refusal of a file over the size limit.
pub fn import_too_large(bytes: usize) -> String {
    format!(
        "The file is {} KiB; an import reads at most {} KiB (about 500 questions). Split it. Nothing was imported.",
        bytes.div_ceil(1024),
        crate::bank::import::MAX_IMPORT_BYTES / 1024
    )
}

/// The reply when the file could not be downloaded.
pub const IMPORT_UNREADABLE: &str =
    "I could not download the file from Discord; try again in a moment. Nothing was imported.";
/// The refusal of a file that is not UTF-8 text.
pub const IMPORT_NOT_UTF8: &str =
    "The file is not UTF-8 text. Save it as UTF-8 and try again. Nothing was imported.";
/// The reply to a press on an import that is not this server's, or gone.
pub const IMPORT_GONE: &str = "This import is not one of this server's. Nothing was imported.";
/// The reply to a press on an import already confirmed or cancelled.
pub const IMPORT_DONE_ALREADY: &str = "This import is already done (confirmed or cancelled).";
/// The reply to Cancel.
pub const IMPORT_CANCELLED: &str = "Import cancelled. Nothing was imported.";

/// The refusal of a press by someone other than the importer.
pub fn import_not_yours(importer: UserId) -> String {
    format!("Only <@{importer}>, who uploaded this file, can confirm or cancel its import.")
}

/// Every problem of an imported file, with line and field (as many as fit one message).
pub fn import_problems(errors: &[crate::bank::BankError]) -> String {
    let mut text = format!(
        "The file has {} problem{}; nothing was imported:\n",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    let mut shown = 0;
    for e in errors {
        let line = format!("- line {}, `{}`: {}\n", e.line, e.field, e.message);
        if text.chars().count() + line.chars().count() > 1900 {
            break;
        }
        text.push_str(&line);
        shown += 1;
    }
    if shown < errors.len() {
        text.push_str(&format!("…and {} more.", errors.len() - shown));
    }
    text
}

/// The preview of a clean import: how many questions of each category and difficulty, new and
/// replaced.
pub fn import_preview(file: &str, plan: &crate::bank::import::ImportPlan) -> serenity::CreateEmbed {
    let lines: Vec<String> = plan
        .counts
        .iter()
        .map(|((c, d), n)| format!("{} · {d}: {n}", c.title()))
        .collect();
    serenity::CreateEmbed::new()
        .title(truncate(&format!("Import {file}?"), 256))
        .description(truncate(
            &format!(
                "{} new question{}, {} replacing this server's questions of the same id.\n\n{}",
                plan.added.len(),
                if plan.added.len() == 1 { "" } else { "s" },
                plan.updated.len(),
                lines.join("\n")
            ),
            DESCRIPTION_LIMIT,
        ))
        .footer(serenity::CreateEmbedFooter::new(
            "Nothing is written until you confirm; the file is checked again then.",
        ))
}

/// Custom id of an import's buttons: `dq:q:imp:{import}:y` (confirm) or `:n` (cancel).
pub fn import_button_id(import: i64, confirm: bool) -> String {
    format!("dq:q:imp:{import}:{}", if confirm { "y" } else { "n" })
}

/// Parses an import button id into the import and whether it confirms.
pub fn parse_import_button(id: &str) -> Option<(i64, bool)> {
    let (import, action) = id.strip_prefix("dq:q:imp:")?.split_once(':')?;
    let import: i64 = import.parse().ok().filter(|i| *i > 0)?;
    match action {
        "y" => Some((import, true)),
        "n" => Some((import, false)),
        _ => None,
    }
}

/// Confirm and Cancel under an import's preview.
pub fn import_buttons(import: i64) -> Vec<serenity::CreateActionRow> {
    vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(import_button_id(import, true))
            .label("Import")
            .style(serenity::ButtonStyle::Success),
        serenity::CreateButton::new(import_button_id(import, false))
            .label("Cancel")
            .style(serenity::ButtonStyle::Secondary),
    ])]
}

/// The reply to a confirmed import.
pub fn imported(added: usize, updated: usize) -> String {
    format!("✅ Imported: {added} new, {updated} replaced. `/questions list` shows them.")
}

/// The reply carrying an export.
pub fn exported_csv(
    kind: crate::export::ExportKind,
    period: Period,
    channel: Option<ChannelId>,
    rows: usize,
    files: usize,
) -> String {
    let scope = channel.map_or_else(|| "the whole server".to_owned(), |c| format!("<#{c}>"));
    let period = match period {
        Period::Week => "this week",
        Period::Month => "this month",
        Period::AllTime => "all time",
    };
    let split = if files > 1 {
        format!(", in {files} files (each with the header row)")
    } else {
        String::new()
    };
    format!(
        "{} of {scope}, {period}: {rows} row{}{split}. CSV with a header row, UTF-8; member ids are Discord user ids.",
        match kind {
            crate::export::ExportKind::Scores => "Scores",
            crate::export::ExportKind::Answers => "Answers",
            crate::export::ExportKind::Rounds => "Rounds",
        },
        if rows == 1 { "" } else { "s" }
    )
}

/// The reply when an export does not fit the files one message can carry.
pub fn export_too_large(kind: crate::export::ExportKind, period: Period) -> String {
    let narrower = match period {
        Period::AllTime => "`period:month` or `period:week`",
        Period::Month => "`period:week`",
        Period::Week => "one channel at a time (`channel:`)",
    };
    format!(
        "The {} export is larger than ten 8 MiB files. Narrow it with {narrower}, or use \
         `dailyq export` on the server.",
        kind.as_str()
    )
}

/// A channel's queue, in order.
pub fn queue_list(channel: ChannelId, queue: &[crate::store::Queued]) -> String {
    if queue.is_empty() {
        return format!("The queue of <#{channel}> is empty: its questions come from rotation.");
    }
    let mut text = format!("Next in <#{channel}>, before rotation:\n");
    for (i, q) in queue.iter().enumerate() {
        let prompt = q.prompt.split_whitespace().collect::<Vec<_>>().join(" ");
        text.push_str(&format!("{}. `{}` — {}\n", i + 1, q.slug, truncate(&prompt, 120)));
    }
    truncate(&text, 2000)
}

/// The custom id of the `/suggest` form.
pub const SUGGESTION_FORM: &str = "dq:sg:new";
/// The rejection form's reason input.
pub const FORM_REASON: &str = "reason";

/// The `/suggest` form: prompt, an optional answer, category.
pub fn suggestion_form() -> serenity::CreateModal {
    use crate::domain::question::{MAX_ANSWER_CHARS, MAX_PROMPT_CHARS};
    let text = |style, label: &str, id: &str, max: usize, required: bool, hint: &str| {
        serenity::CreateActionRow::InputText(
            serenity::CreateInputText::new(style, label, id)
                .max_length(max as u16)
                .required(required)
                .placeholder(hint),
        )
    };
    serenity::CreateModal::new(SUGGESTION_FORM, "Suggest a question").components(vec![
        text(
            serenity::InputTextStyle::Paragraph,
            "Question",
            FORM_PROMPT,
            MAX_PROMPT_CHARS,
            true,
            "For example, one you were asked in an interview",
        ),
        text(
            serenity::InputTextStyle::Paragraph,
            "Answer (optional)",
            FORM_ANSWER,
            MAX_ANSWER_CHARS,
            false,
            "What a strong answer says",
        ),
        text(
            serenity::InputTextStyle::Short,
            "Category",
            FORM_CATEGORY,
            40,
            true,
            "For example databases, system-design or onboarding",
        ),
    ])
}

/// The reply when the server takes no suggestions.
pub const SUGGESTIONS_OFF: &str =
    "This server takes no question suggestions yet; an admin can turn them on with `/dailyq suggestions`.";
/// The reply to a suggestion kept for review.
pub const SUGGESTION_SENT: &str = "Thanks! Your suggestion is waiting for the editors' review; you will be told \
     what they decide here, or by DM.";
/// The reply to a press on a suggestion already decided.
pub const SUGGESTION_DECIDED: &str = "This suggestion was already decided.";
/// The reply to a press on a suggestion of another server, or gone.
pub const SUGGESTION_GONE: &str = "This suggestion is not one of this server's.";
/// The reply to Approve on a suggestion without an answer.
pub const SUGGESTION_NEEDS_ANSWER: &str =
    "This suggestion has no answer yet: use **Edit & approve** to write the reference answer.";

/// The reply to a suggestion with bad fields.
pub fn suggestion_problems(problems: &[String]) -> String {
    let mut text = String::from("Nothing was sent:\n");
    for p in problems {
        text.push_str(&format!("- {p}\n"));
    }
    text
}

/// The reply when the review channel refused the suggestion.
pub fn suggestion_not_posted(review: ChannelId) -> String {
    format!(
        "I could not post your suggestion in the review channel <#{review}> (an admin can run \
         `/dailyq check` there). Nothing was saved; please try again later."
    )
}

/// A suggestion as editors review it, with a warning when it looks like an existing question.
pub fn suggestion_review(
    s: &crate::domain::suggestions::Suggestion,
    duplicate: Option<&(String, f64)>,
) -> serenity::CreateEmbed {
    let mut embed = serenity::CreateEmbed::new()
        .title(format!("Suggestion #{} · {}", s.id, s.category.title()))
        .description(s.prompt.clone())
        .field(
            "Suggested answer",
            s.answer
                .as_deref()
                .map_or_else(|| "(none given)".to_owned(), |a| truncate(a, 1024)),
            false,
        )
        .field("Suggested by", format!("<@{}>", s.member), true);
    if let Some((label, similarity)) = duplicate {
        embed = embed.field(
            "⚠️ Likely duplicate",
            format!("{:.0}% alike: {label}", similarity * 100.0),
            true,
        );
    }
    embed.footer(serenity::CreateEmbedFooter::new(format!(
        "dailyq · suggestion {}",
        s.id
    )))
}

/// What a review button or form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionAction {
    /// Approve as it is.
    Approve,
    /// Edit, then approve.
    Edit,
    /// Reject with a reason.
    Reject,
}

/// The review buttons: `dq:sg:a:{id}`, `dq:sg:e:{id}`, `dq:sg:r:{id}`.
pub fn suggestion_buttons(id: i64) -> Vec<serenity::CreateActionRow> {
    vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(format!("dq:sg:a:{id}"))
            .label("Approve")
            .style(serenity::ButtonStyle::Success),
        serenity::CreateButton::new(format!("dq:sg:e:{id}"))
            .label("Edit & approve")
            .style(serenity::ButtonStyle::Primary),
        serenity::CreateButton::new(format!("dq:sg:r:{id}"))
            .label("Reject")
            .style(serenity::ButtonStyle::Danger),
    ])]
}

fn parse_suggestion_id(rest: &str) -> Option<i64> {
    rest.parse().ok().filter(|i: &i64| *i > 0)
}

/// Parses a review button id.
pub fn parse_suggestion_button(id: &str) -> Option<(SuggestionAction, i64)> {
    let rest = id.strip_prefix("dq:sg:")?;
    let (action, id) = rest.split_once(':')?;
    let action = match action {
        "a" => SuggestionAction::Approve,
        "e" => SuggestionAction::Edit,
        "r" => SuggestionAction::Reject,
        _ => return None,
    };
    Some((action, parse_suggestion_id(id)?))
}

/// Parses a review form's id: `dq:sg:f:{id}` (edit & approve) or `dq:sg:rr:{id}` (reject).
pub fn parse_suggestion_form(id: &str) -> Option<(SuggestionAction, i64)> {
    let rest = id.strip_prefix("dq:sg:")?;
    let (action, id) = rest.split_once(':')?;
    let action = match action {
        "f" => SuggestionAction::Edit,
        "rr" => SuggestionAction::Reject,
        _ => return None,
    };
    Some((action, parse_suggestion_id(id)?))
}

/// The question form, filled in from a suggestion, for Edit & approve.
pub fn suggestion_edit_form(
    id: i64,
    draft: &crate::domain::question::QuestionDraft,
) -> serenity::CreateModal {
    use crate::domain::question::{MAX_ANSWER_CHARS, MAX_PROMPT_CHARS};
    let input = |style, label: &str, field: &str, max: usize, value: &str| {
        let mut i = serenity::CreateInputText::new(style, label, field)
            .max_length(max as u16)
            .required(true);
        if !value.is_empty() {
            i = i.value(value);
        }
        serenity::CreateActionRow::InputText(i)
    };
    serenity::CreateModal::new(format!("dq:sg:f:{id}"), format!("Approve suggestion #{id}")).components(vec![
        input(
            serenity::InputTextStyle::Paragraph,
            "Prompt",
            FORM_PROMPT,
            MAX_PROMPT_CHARS,
            &draft.prompt,
        ),
        input(
            serenity::InputTextStyle::Paragraph,
            "Reference answer",
            FORM_ANSWER,
            MAX_ANSWER_CHARS,
            &draft.answer,
        ),
        input(
            serenity::InputTextStyle::Short,
            "Category",
            FORM_CATEGORY,
            40,
            &draft.category,
        ),
        input(
            serenity::InputTextStyle::Short,
            "Difficulty",
            FORM_DIFFICULTY,
            6,
            &draft.difficulty,
        ),
        input(
            serenity::InputTextStyle::Short,
            "Tags",
            FORM_TAGS,
            400,
            &draft.tags.join(", "),
        ),
    ])
}

/// The form asking why a suggestion is rejected.
pub fn rejection_form(id: i64) -> serenity::CreateModal {
    serenity::CreateModal::new(format!("dq:sg:rr:{id}"), format!("Reject suggestion #{id}")).components(vec![
        serenity::CreateActionRow::InputText(
            serenity::CreateInputText::new(
                serenity::InputTextStyle::Paragraph,
                "Reason (the member sees it)",
                FORM_REASON,
            )
            .max_length(crate::domain::suggestions::MAX_REASON_CHARS as u16)
            .required(true),
        ),
    ])
}

/// The review message once approved.
pub fn suggestion_approved(
    s: &crate::domain::suggestions::Suggestion,
    editor: UserId,
    slug: &crate::domain::question::QuestionSlug,
) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(format!("✅ Suggestion #{} approved as {slug}", s.id))
        .description(s.prompt.clone())
        .field("Suggested by", format!("<@{}>", s.member), true)
        .field("Approved by", format!("<@{editor}>"), true)
        .footer(serenity::CreateEmbedFooter::new(format!(
            "dailyq · suggestion {}",
            s.id
        )))
}

/// The review message once rejected.
pub fn suggestion_rejected(
    s: &crate::domain::suggestions::Suggestion,
    editor: UserId,
    reason: &str,
) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(format!("❌ Suggestion #{} rejected", s.id))
        .description(s.prompt.clone())
        .field("Reason", truncate(reason, 1024), false)
        .field("Suggested by", format!("<@{}>", s.member), true)
        .field("Rejected by", format!("<@{editor}>"), true)
        .footer(serenity::CreateEmbedFooter::new(format!(
            "dailyq · suggestion {}",
            s.id
        )))
}

/// The credit on a question a member suggested, in its post.
pub fn suggested_by(member: UserId) -> String {
    format!("💡 suggested by <@{member}>")
}

/// What the member is told of an approval.
pub fn told_approved(slug: &crate::domain::question::QuestionSlug) -> String {
    format!(
        "🎉 Your suggestion was approved: it is now this server's question **{slug}**, credited to you when it is asked."
    )
}

/// What the member is told of a rejection.
pub fn told_rejected(s: &crate::domain::suggestions::Suggestion, reason: &str) -> String {
    format!(
        "Your suggestion #{} was not taken. The editors' reason: {}",
        s.id,
        truncate(reason, 1500)
    )
}

/// Why a schedule cannot be set up: nothing in its source passes its filter.
pub fn no_question_for(source: crate::domain::rotation::QuestionSource) -> String {
    use crate::domain::rotation::QuestionSource;
    match source {
        QuestionSource::Server => "This server has no question of its own that matches that category and \
             difficulty; add some with `/questions add`, or choose another source."
            .to_owned(),
        _ => "No question in the bank matches that category and difficulty; widen the filter.".to_owned(),
    }
}

/// The footer that marks a blind round's published answer at `position` (found again after a
/// crash).
pub fn published_marker(round: &Round, position: u32) -> String {
    format!("dailyq · answer {position} · round {}", round.id)
}

/// Reads the position back from a published answer's footer, for `round`.
pub fn parse_published_marker(footer: &str, round: &Round) -> Option<u32> {
    let rest = footer.strip_prefix("dailyq · answer ")?;
    let (position, round_part) = rest.split_once(" · round ")?;
    (round_part == round.id.to_string())
        .then(|| position.parse().ok())
        .flatten()
}

/// A blind round's published answer: who wrote it in the content (no ping), the text in the
/// embed, its place in the footer.
pub fn published_answer(
    round: &Round,
    position: u32,
    total: usize,
    author: UserId,
    text: &str,
) -> (String, serenity::CreateEmbed) {
    let content = format!("**Answer {position} of {total}** · by <@{author}>");
    let embed = serenity::CreateEmbed::new()
        .description(truncate(text, DESCRIPTION_LIMIT))
        .footer(serenity::CreateEmbedFooter::new(published_marker(
            round, position,
        )));
    (content, embed)
}

/// Custom id of the Hint button on a question post: `dq:hint:{round id}`.
pub fn hint_button_id(round_id: i64) -> String {
    format!("dq:hint:{round_id}")
}

/// Parses a Hint button id; anything else (or a forged, malformed one) is `None`.
pub fn parse_hint_button(id: &str) -> Option<i64> {
    let round: i64 = id.strip_prefix("dq:hint:")?.parse().ok()?;
    (round > 0).then_some(round)
}

/// The buttons under a question post: *Answer*, while a blind round takes answers; *Hint*,
/// when the question has hints; and *Remind me*, when the round has a reminder.
pub fn question_buttons(round: &Round, q: &Question) -> Vec<serenity::CreateActionRow> {
    let mut buttons = Vec::new();
    if round.is_blind() && round.published_at.is_none() {
        buttons.push(
            serenity::CreateButton::new(answer_button_id(round.id))
                .label("Answer")
                .emoji('✍')
                .style(serenity::ButtonStyle::Primary),
        );
    }
    if !q.hints.is_empty() {
        buttons.push(
            serenity::CreateButton::new(hint_button_id(round.id))
                .label("Hint")
                .emoji('💡')
                .style(serenity::ButtonStyle::Secondary),
        );
    }
    if round.remind_at.is_some() {
        buttons.push(
            serenity::CreateButton::new(remind_button_id(round.id))
                .label("Remind me")
                .emoji('🔔')
                .style(serenity::ButtonStyle::Secondary),
        );
    }
    if buttons.is_empty() {
        Vec::new()
    } else {
        vec![serenity::CreateActionRow::Buttons(buttons)]
    }
}

/// Custom id of the Remind me button on a question post: `dq:remind:{round id}`.
pub fn remind_button_id(round_id: i64) -> String {
    format!("dq:remind:{round_id}")
}

/// Parses a Remind me button id; anything else is `None`.
pub fn parse_remind_button(id: &str) -> Option<i64> {
    let round: i64 = id.strip_prefix("dq:remind:")?.parse().ok()?;
    (round > 0).then_some(round)
}

/// The reply to a Remind me press whose round this server does not have.
pub const REMIND_GONE: &str =
    "This question is not one of this server's rounds, so I have nothing to remind you of.";

/// The reply to a Remind me press.
pub fn reminders_toggled(on: bool, channel: ChannelId) -> String {
    if on {
        format!(
            "I'll remind you in the thread before each deadline in <#{channel}>, unless you have \
             already answered. Press **Remind me** again to stop."
        )
    } else {
        format!("No more reminders in <#{channel}>. Press **Remind me** again to get them back.")
    }
}

/// The footer that marks a round's reminder (found again after a crash).
pub fn reminder_marker(round: &Round) -> String {
    format!("dailyq · reminder · round {}", round.id)
}

/// A round's reminder: its mentions (only the opted-in members who have not answered), and an
/// embed with the deadline, the answers so far and each streak at stake.
pub fn reminder(
    round: &Round,
    answers: usize,
    targets: &[(UserId, Option<u32>)],
) -> (String, serenity::CreateEmbed) {
    let mentions = targets
        .iter()
        .map(|(m, _)| format!("<@{m}>"))
        .collect::<Vec<_>>()
        .join(" ");
    let deadline = round.answer_deadline();
    let mut lines = vec![if round.is_blind() {
        format!(
            "Answers close {} ({}): press **Answer** on the question. {answers} answer{} so far.",
            timestamp(deadline, 'R'),
            timestamp(deadline, 't'),
            if answers == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "The reference answer is revealed {} ({}). {answers} answer{} so far.",
            timestamp(deadline, 'R'),
            timestamp(deadline, 't'),
            if answers == 1 { "" } else { "s" }
        )
    }];
    for (member, streak) in targets {
        if let Some(days) = streak {
            lines.push(format!("<@{member}>: answer to keep your {days}-day streak 🔥"));
        }
    }
    let embed = serenity::CreateEmbed::new()
        .title(format!("⏰ Reminder · {}", round_name(round)))
        .description(truncate(&lines.join("\n"), DESCRIPTION_LIMIT))
        .footer(serenity::CreateEmbedFooter::new(reminder_marker(round)));
    (truncate(&mentions, 2000), embed)
}

/// The hints of a round's question, shown only to the member who pressed *Hint*.
pub fn hints_embed(round: &Round, q: &Question) -> serenity::CreateEmbed {
    let text = if q.hints.is_empty() {
        "This question has no hints.".to_owned()
    } else {
        numbered(&q.hints)
    };
    serenity::CreateEmbed::new()
        .title(format!("Hints for {}", round_name(round)))
        .description(truncate(&text, DESCRIPTION_LIMIT))
        .colour(colour(q.difficulty))
        .footer(serenity::CreateEmbedFooter::new(
            "Only you can see this. Answer in the thread when you are ready.",
        ))
}

/// The reply to a Hint button whose round this server does not have.
pub const HINT_GONE: &str = "This question is not one of this server's rounds, so I have no hints to show.";

/// The message the bot posts once when it joins a server.
pub const GREETING: &str = "Thanks for adding **dailyq**! An admin can start a daily interview question with \
                            `/dailyq setup` in the channel of your choice (time, time zone and days). `/help` explains the rest.";

/// What a solo-practice button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoloAction {
    /// Show the question's hints.
    Hint,
    /// Show the reference answer.
    Answer,
    /// Another question with the same filter.
    Another,
    /// The member knew it.
    GotIt,
    /// Back in the review queue.
    ReviewLater,
}

impl SoloAction {
    const CODES: [(SoloAction, &'static str); 5] = [
        (SoloAction::Hint, "h"),
        (SoloAction::Answer, "a"),
        (SoloAction::Another, "n"),
        (SoloAction::GotIt, "g"),
        (SoloAction::ReviewLater, "r"),
    ];

    fn code(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("?", |(_, c)| c)
    }
}

/// A solo-practice button: what it does, whose practice it is, the question shown, and the
/// filter *Another* keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoloButton {
    /// What it does.
    pub action: SoloAction,
    /// The member practising (nobody else may press it).
    pub owner: UserId,
    /// The question on screen.
    pub question: i64,
    /// The filter of `/practice solo`.
    pub filter: crate::domain::rotation::QuestionFilter,
}

/// Custom id of a solo-practice button:
/// `dq:solo:{action}:{owner}:{question}:{category or -}:{difficulty or -}`.
pub fn solo_button_id(b: &SoloButton) -> String {
    format!(
        "dq:solo:{}:{}:{}:{}:{}",
        b.action.code(),
        b.owner,
        b.question,
        b.filter.category.as_ref().map_or("-", |c| c.as_str()),
        b.filter.difficulty.map_or("-", |d| d.as_str()),
    )
}

/// Parses a solo-practice button id; anything else (or a forged, malformed one) is `None`.
pub fn parse_solo_button(id: &str) -> Option<SoloButton> {
    let mut parts = id.strip_prefix("dq:solo:")?.split(':');
    let code = parts.next()?;
    let action = SoloAction::CODES.iter().find(|(_, c)| *c == code)?.0;
    let owner: u64 = parts.next()?.parse().ok()?;
    let question: i64 = parts.next()?.parse().ok()?;
    let category = match parts.next()? {
        "-" => None,
        c => Some(crate::domain::question::Category::parse(c).ok()?),
    };
    let difficulty = match parts.next()? {
        "-" => None,
        d => Some(d.parse().ok()?),
    };
    if parts.next().is_some() || owner == 0 || question <= 0 {
        return None;
    }
    Some(SoloButton {
        action,
        owner: UserId(owner),
        question,
        filter: crate::domain::rotation::QuestionFilter { category, difficulty },
    })
}

/// A question for solo practice, seen only by the member; `note` says what their last mark did.
pub fn solo_embed(q: &Question, note: Option<&str>) -> serenity::CreateEmbed {
    let mut embed = serenity::CreateEmbed::new()
        .title(format!("Practice · {} · {}", q.category.title(), q.difficulty))
        .description(q.prompt.clone())
        .colour(colour(q.difficulty))
        .footer(serenity::CreateEmbedFooter::new(
            "Only you see this. Think it through (or write it down), then check the reference answer \
             and mark how it went: questions to review come back after 1, 3, 7 and 21 days.",
        ));
    if let Some(note) = note {
        embed = embed.field("Marked", note, false);
    }
    embed
}

/// The buttons under a solo-practice question.
pub fn solo_buttons(
    owner: UserId,
    question: i64,
    q: &Question,
    filter: &crate::domain::rotation::QuestionFilter,
) -> Vec<serenity::CreateActionRow> {
    let button = |action, label: &str, style| {
        serenity::CreateButton::new(solo_button_id(&SoloButton {
            action,
            owner,
            question,
            filter: filter.clone(),
        }))
        .label(label)
        .style(style)
    };
    let mut first = Vec::new();
    if !q.hints.is_empty() {
        first.push(button(SoloAction::Hint, "Hint", serenity::ButtonStyle::Secondary));
    }
    first.push(button(
        SoloAction::Answer,
        "Show answer",
        serenity::ButtonStyle::Primary,
    ));
    first.push(button(
        SoloAction::Another,
        "Another",
        serenity::ButtonStyle::Secondary,
    ));
    vec![
        serenity::CreateActionRow::Buttons(first),
        serenity::CreateActionRow::Buttons(vec![
            button(SoloAction::GotIt, "Got it", serenity::ButtonStyle::Success),
            button(
                SoloAction::ReviewLater,
                "Review later",
                serenity::ButtonStyle::Danger,
            ),
        ]),
    ]
}

/// The hints of a solo-practice question.
pub fn solo_hints_embed(q: &Question) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title("Hints")
        .description(truncate(&numbered(&q.hints), DESCRIPTION_LIMIT))
        .colour(colour(q.difficulty))
}

/// The reference answer of a solo-practice question (the bank keeps it within one embed).
pub fn solo_answer_embed(q: &Question) -> serenity::CreateEmbed {
    let mut embed = serenity::CreateEmbed::new()
        .title("Reference answer")
        .description(truncate(&q.answer, DESCRIPTION_LIMIT))
        .colour(colour(q.difficulty));
    if !q.follow_ups.is_empty() {
        embed = embed.field("Follow-ups to think about", bullets(&q.follow_ups), false);
    }
    embed
}

/// What a member's mark did, for the practice message.
pub fn solo_mark_note(review: Option<crate::domain::practice::Review>) -> String {
    match review {
        Some(r) => format!(
            "Review later: it comes back first when you practise, from {}.",
            timestamp(r.due, 'D')
        ),
        None => "Got it: it leaves your review queue.".to_owned(),
    }
}

/// The reply when no question matches a solo-practice filter.
pub const SOLO_NONE: &str = "No question in the bank matches that category and difficulty; widen the filter.";

/// The reply to a solo-practice button pressed by someone else.
pub const SOLO_NOT_YOURS: &str =
    "This practice question is someone else's; start your own with `/practice solo`.";

/// The reply to a solo-practice button whose question is gone from the bank.
pub const SOLO_GONE: &str =
    "That question was retired from the bank; press Another or run `/practice solo` again.";

/// `- first\n- second`, cut to an embed field's 1,024 characters.
fn bullets(items: &[String]) -> String {
    let text = items
        .iter()
        .map(|f| format!("- {f}"))
        .collect::<Vec<_>>()
        .join("\n");
    truncate(&text, 1024)
}

/// `**1.** first\n**2.** second`.
fn numbered(items: &[String]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, h)| format!("**{}.** {h}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The answer thread's name (Discord allows 100 characters).
pub fn thread_name(round: &Round, q: &Question) -> String {
    let first_line = q
        .prompt
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("Question")
        .trim();
    let label = match round.kind {
        RoundKind::Daily => format!("#{}", round.number),
        RoundKind::Practice { seq, .. } => format!("Practice {seq}"),
    };
    let name = format!("{label} · {}", first_line.replace(['*', '`', '_'], ""));
    truncate(&name, 100)
}

/// The reply to an answer shorter than the guild's minimum.
pub fn too_short_note(length: usize, min: u32) -> String {
    format!(
        "This answer is {length} characters long; answers need at least {min} to count. Edit it or post a longer one."
    )
}

/// The reference answer, split across embeds when it is long.
pub fn reveal_embeds(round: &Round, q: &Question) -> Vec<serenity::CreateEmbed> {
    let chunks = split_text(&q.answer, DESCRIPTION_LIMIT);
    let total = chunks.len();
    let mut embeds: Vec<serenity::CreateEmbed> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut e = serenity::CreateEmbed::new()
                .description(chunk)
                .colour(colour(q.difficulty));
            if i == 0 {
                e = e.title(format!("Reference answer · {}", round_name(round)));
            }
            let footer = match (total > 1, i + 1 == total) {
                (false, _) => reveal_marker(round),
                (true, true) => format!("part {} of {total} · {}", i + 1, reveal_marker(round)),
                (true, false) => format!("part {} of {total}", i + 1),
            };
            e.footer(serenity::CreateEmbedFooter::new(footer))
        })
        .collect();
    if let Some(last) = embeds.pop() {
        let mut last = last;
        if !q.follow_ups.is_empty() {
            last = last.field("Follow-ups to discuss", bullets(&q.follow_ups), false);
        }
        if !q.sources.is_empty() {
            let text = q
                .sources
                .iter()
                .map(|f| format!("- {f}"))
                .collect::<Vec<_>>()
                .join("\n");
            last = last.field("Further reading", truncate(&text, 1024), false);
        }
        embeds.push(last);
    }
    embeds
}

/// One answer as the summary lists it.
#[derive(Debug, Clone)]
pub struct TopAnswer {
    /// Its author.
    pub author: UserId,
    /// Its message.
    pub message: MessageId,
    /// Counted upvotes.
    pub votes: usize,
}

/// The reply to the question message after the reveal.
pub fn summary_embed(
    round: &Round,
    thread: ChannelId,
    top: &[TopAnswer],
    participants: usize,
) -> serenity::CreateEmbed {
    let mut lines = Vec::new();
    for (i, a) in top.iter().enumerate() {
        let medal = ["🥇", "🥈", "🥉"].get(i).copied().unwrap_or("•");
        lines.push(format!(
            "{medal} <@{}> — {} {UPVOTE} — [jump to answer]({})",
            a.author,
            a.votes,
            jump_link(round.guild_id, thread, a.message)
        ));
    }
    let body = if participants == 0 {
        "Nobody answered this time. The reference answer is in the thread.".to_owned()
    } else {
        format!(
            "{participants} member{} answered.\n\n{}",
            if participants == 1 { "" } else { "s" },
            if lines.is_empty() {
                "No answer got an upvote.".to_owned()
            } else {
                lines.join("\n")
            }
        )
    };
    serenity::CreateEmbed::new()
        .title(format!("{} revealed", round_title(round)))
        .description(body)
        .field("Reference answer", format!("In the thread: <#{thread}>"), false)
        .footer(serenity::CreateEmbedFooter::new(summary_marker(round)))
}

/// The footer that marks a practice session's scoreboard (found again after a crash).
pub fn session_marker(session: i64) -> String {
    format!("dailyq · practice session {session}")
}

/// The public reply to `/practice start`: what the session is and how to take part.
pub fn session_started(session: &PracticeSession) -> String {
    let plan = session.plan;
    let filter = match (&session.filter.category, session.filter.difficulty) {
        (None, None) => String::new(),
        (Some(c), None) => format!(" from {}", c.title()),
        (None, Some(d)) => format!(", {d} only"),
        (Some(c), Some(d)) => format!(" from {} ({d})", c.title()),
    };
    format!(
        "**Practice session** started by <@{}>: {} question{}{filter}, {} minutes each, one after \
         another. Each question gets its own thread: answer there and upvote strong answers with \
         {UPVOTE}. The reference answer comes after each question and a scoreboard at the end. \
         Practice points go to the practice leaderboard (`/leaderboard board:practice`). \
         `/practice next` moves on early, `/practice stop` ends the session.",
        session.started_by,
        plan.questions,
        if plan.questions == 1 { "" } else { "s" },
        plan.minutes,
    )
}

/// The scoreboard posted when a session ends.
pub fn scoreboard_embed(
    session: &PracticeSession,
    table: &[Standing],
    best: Option<&SessionAnswer>,
) -> serenity::CreateEmbed {
    let lines: Vec<String> = table
        .iter()
        .take(LEADERBOARD_PAGE)
        .enumerate()
        .map(|(i, r)| {
            let place = ["🥇", "🥈", "🥉"]
                .get(i)
                .map_or_else(|| format!("**{}.**", i + 1), |m| (*m).to_owned());
            format!(
                "{place} <@{}> — **{}** point{} · {} answer{}",
                r.member,
                r.points,
                if r.points == 1 { "" } else { "s" },
                r.answers,
                if r.answers == 1 { "" } else { "s" },
            )
        })
        .collect();
    let body = if lines.is_empty() {
        "Nobody answered this session.".to_owned()
    } else {
        let more = table.len().saturating_sub(LEADERBOARD_PAGE);
        let tail = if more > 0 {
            format!("\n…and {more} more.")
        } else {
            String::new()
        };
        format!("{}{tail}", lines.join("\n"))
    };
    let mut embed = serenity::CreateEmbed::new()
        .title("Practice session over")
        .description(truncate(&body, DESCRIPTION_LIMIT))
        .colour(serenity::Colour::new(0x5865F2))
        .footer(serenity::CreateEmbedFooter::new(session_marker(session.id)));
    if let Some(b) = best {
        embed = embed.field(
            "Best answer of the session",
            format!(
                "<@{}> — {} {UPVOTE} — [jump to answer]({})",
                b.author,
                b.votes,
                jump_link(session.guild_id, b.thread, b.message)
            ),
            false,
        );
    }
    embed
}

/// The reply to `/practice start` where a session is already running.
pub const SESSION_RUNNING: &str = "A practice session is already running in this channel. Its starter or an admin can end it with `/practice stop`.";
/// The reply to `/practice next` or `/practice stop` where no session runs.
pub const NO_SESSION: &str = "No practice session is running in this channel.";
/// The reply to `/practice next` or `/practice stop` by someone who may not steer the session.
pub const SESSION_NOT_YOURS: &str =
    "Only the member who started this session, or a member with Manage Server, can skip or stop it.";
/// The reply to `/practice next` while the question is still being posted.
pub const SESSION_BETWEEN: &str = "The next question is on its way; try again in a moment.";

/// The refusal for a member who may not start sessions.
pub fn may_not_start(role: Option<RoleId>) -> String {
    match role {
        Some(role) => format!(
            "Only members with the <@&{role}> role or the Manage Server permission can start a practice session."
        ),
        None => "Only members with the Manage Server permission can start a practice session here; an admin can let a role start them with `/dailyq practice-role`.".to_owned(),
    }
}

/// The refusal of `period:season` when seasons are off.
pub const SEASONS_OFF: &str = "Seasons are off on this server; an admin turns them on with `/dailyq season`.";

/// The refusal of a season number that does not exist.
pub fn no_such_season(number: i64) -> String {
    format!("There is no finished season {number} yet. Each recap names its season's number.")
}

/// The reply when the guild's row is missing (it is created on first use, so only a race).
pub const GUILD_UNKNOWN: &str = "I don't know this server yet; try again in a moment.";

/// The refusal of points for a bot.
pub const NO_POINTS_FOR_BOTS: &str = "Bots don't take part, so they have no points to adjust.";
/// The refusal of a correction without a reason.
pub const REASON_NEEDED: &str = "Give a reason; members see it in `/dailyq points-log`.";
/// The refusal of a reason over 200 characters.
pub const REASON_TOO_LONG: &str = "Keep the reason under 200 characters.";
/// The refusal of a message link from another server.
pub const LINK_OF_ANOTHER_SERVER: &str = "That message is not in this server.";
/// The refusal of a message that is not a recorded answer.
pub const NOT_AN_ANSWER: &str =
    "That message is not an answer dailyq recorded (only messages in a question's thread are answers).";
/// The refusal of a second disqualification.
pub const ALREADY_DISQUALIFIED: &str = "That answer is already disqualified.";

/// The reply to `/dailyq points`.
pub fn points_adjusted(member: UserId, points: i64, reason: &str) -> String {
    format!(
        "{} <@{member}> {} point{} ({}). It shows in `/dailyq points-log` and on the leaderboards.",
        if points > 0 { "Gave" } else { "Took from" },
        points.unsigned_abs(),
        if points.unsigned_abs() == 1 { "" } else { "s" },
        truncate(reason, 200)
    )
}

/// The reply to `/dailyq disqualify`.
pub fn disqualified(author: UserId, round: &Round, changes: &[Standing]) -> String {
    if round.state != crate::domain::round::RoundState::Closed {
        return format!(
            "Disqualified <@{author}>'s answer to {}: it no longer counts, and the reveal leaves it out.",
            round_name(round)
        );
    }
    let lines: Vec<String> = changes
        .iter()
        .map(|c| format!("- <@{}>: {:+} points", c.member, c.points))
        .collect();
    format!(
        "Disqualified <@{author}>'s answer to {} (already revealed). Points corrected in the ledger:\n{}",
        round_name(round),
        if lines.is_empty() {
            "- no change".to_owned()
        } else {
            lines.join("\n")
        }
    )
}

/// `/dailyq points-log`.
pub fn points_log(log: &[crate::store::Correction]) -> String {
    if log.is_empty() {
        return "No points adjustments or disqualifications yet.".to_owned();
    }
    let lines: Vec<String> = log
        .iter()
        .map(|c| {
            let what = match c.round_id {
                None => "adjustment".to_owned(),
                Some(r) => format!("disqualification (round {r})"),
            };
            format!(
                "{} <@{}> {:+} · {what} by <@{}>: {}",
                timestamp(c.at, 'd'),
                c.member,
                c.points,
                c.admin,
                truncate(&c.reason, 120)
            )
        })
        .collect();
    truncate(&lines.join("\n"), 1_900)
}

/// The reply to `/pair leave`.
pub const POOL_LEFT: &str = "You left the mock-interview pool; `/pair join` puts you back.";
/// The reply to `/pair leave` from someone not in the pool.
pub const NOT_IN_POOL: &str = "You are not in the mock-interview pool.";
/// The refusal of more than five topics.
pub const TOO_MANY_TOPICS: &str = "Pick at most 5 topics.";

/// The refusal of a topic the bank does not have.
pub fn unknown_topic(word: &str, known: &[crate::domain::question::Category]) -> String {
    format!(
        "{} is not a category of the question bank; the categories are: {}.",
        crate::domain::text::quote_input(word),
        known.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
    )
}

/// The refusal of `/practice start` where the bot lacks permissions (one line per permission).
pub fn session_lacks_permissions(channel: ChannelId, missing: &[String]) -> String {
    format!(
        "I cannot run a practice session in <#{channel}>; I am missing:\n{}",
        missing.join("\n")
    )
}

/// The refusal of a role argument from another server.
pub const ROLE_OF_ANOTHER_SERVER: &str = "That role belongs to another server.";
/// The refusal of `/dailyq practice-role` given both a role and `clear`.
pub const ROLE_OR_CLEAR: &str = "Pick a role or clear it, not both in the same command.";

/// The reply to `/dailyq practice-role`.
pub fn practice_settings(changed: bool, role: Option<RoleId>, on_daily: bool) -> String {
    let head = if changed {
        "Practice settings updated."
    } else {
        "Practice settings:"
    };
    let who = match role {
        Some(r) => format!("members with <@&{r}> and members with Manage Server"),
        None => "members with Manage Server".to_owned(),
    };
    let board = if on_daily {
        "practice points count on the practice leaderboard **and** the daily one (from the next practice question on)"
    } else {
        "practice points count only on the practice leaderboard (`/leaderboard board:practice`)"
    };
    format!("{head}\n- who may start a session: {who}\n- {board}")
}

/// The reply to `/practice next`.
pub fn session_skipped(round: &Round) -> String {
    format!("Revealed {} early; the next question follows.", round_name(round))
}

/// The reply to `/practice stop`.
pub fn session_stopping(current: Option<&Round>) -> String {
    match current {
        Some(r) => format!(
            "Stopping the session: revealed {}; the scoreboard follows.",
            round_name(r)
        ),
        None => "Stopping the session; the scoreboard follows.".to_owned(),
    }
}

/// A pair's private thread name, which also marks it (a retry adopts a thread an earlier
/// attempt opened but could not record).
pub fn pair_thread_name(pair: i64) -> String {
    format!("Mock interview · pair {pair}")
}

/// The footer that marks a pair's intro message.
pub fn pair_marker(pair: i64) -> String {
    format!("dailyq · pair {pair}")
}

/// The footer that marks a pairing's announcement.
pub fn pairing_marker(pairing: i64) -> String {
    format!("dailyq · pairing {pairing}")
}

/// A button under a pair's intro message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairButton {
    /// Show the presser's interviewer packet.
    Packet(i64),
    /// Rate the partner on a rubric.
    Rate(i64, Rubric, u8),
}

/// Custom id of a pair button: `dq:pair:k:{pair}` or `dq:pair:r:{pair}:{rubric code}:{score}`.
pub fn pair_button_id(b: PairButton) -> String {
    match b {
        PairButton::Packet(pair) => format!("dq:pair:k:{pair}"),
        PairButton::Rate(pair, rubric, score) => format!("dq:pair:r:{pair}:{}:{score}", rubric.code()),
    }
}

/// Parses a pair button id; anything else (or a forged, malformed one) is `None`.
pub fn parse_pair_button(id: &str) -> Option<PairButton> {
    let mut parts = id.strip_prefix("dq:pair:")?.split(':');
    let kind = parts.next()?;
    let pair: i64 = parts.next()?.parse().ok().filter(|p| *p > 0)?;
    let button = match kind {
        "k" => PairButton::Packet(pair),
        "r" => {
            let rubric = Rubric::from_code(parts.next()?)?;
            let score: u8 = parts.next()?.parse().ok().filter(|s| SCORES.contains(s))?;
            PairButton::Rate(pair, rubric, score)
        }
        _ => return None,
    };
    parts.next().is_none().then_some(button)
}

/// The first message in a pair's thread: who interviews whom, the packet button, and the
/// rating buttons.
pub fn pair_intro(pair: &Pair) -> (String, serenity::CreateEmbed, Vec<serenity::CreateActionRow>) {
    let content = format!("<@{}> <@{}>", pair.a, pair.b);
    let embed = serenity::CreateEmbed::new()
        .title("Your mock interview")
        .description(format!(
            "You two are paired for a mock interview. Pick a time that suits you both.\n\n\
             **First half:** <@{a}> interviews <@{b}>.\n**Second half:** roles swap: <@{b}> \
             interviews <@{a}>.\n\nPress **My interviewer packet** for the question you ask, \
             its reference answer, hints and follow-ups (only you see it). Afterwards, rate your \
             partner on each line below, 1 (weak) to 5 (strong). Ratings are private: your \
             partner sees only their averages, in their own `/stats`.",
            a = pair.a,
            b = pair.b
        ))
        .colour(serenity::Colour::new(0x5865F2))
        .footer(serenity::CreateEmbedFooter::new(pair_marker(pair.id)));
    let mut rows = vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(pair_button_id(PairButton::Packet(pair.id)))
            .label("My interviewer packet")
            .emoji('📋')
            .style(serenity::ButtonStyle::Primary),
    ])];
    for rubric in Rubric::ALL {
        rows.push(serenity::CreateActionRow::Buttons(
            SCORES
                .map(|score| {
                    serenity::CreateButton::new(pair_button_id(PairButton::Rate(pair.id, rubric, score)))
                        .label(format!("{} {score}", rubric.title()))
                        .style(serenity::ButtonStyle::Secondary)
                })
                .collect(),
        ));
    }
    (content, embed, rows)
}

/// A member's interviewer packet: the question they ask their partner, then its reference
/// answer (shortened to keep the message within Discord's 6,000 characters of embeds).
pub fn packet_embeds(q: &Question, partner: UserId, first_half: bool) -> Vec<serenity::CreateEmbed> {
    let when = if first_half { "first half" } else { "second half" };
    let mut ask = serenity::CreateEmbed::new()
        .title(format!(
            "Your interviewer packet · {} · {}",
            q.category.title(),
            q.difficulty
        ))
        .description(truncate(
            &format!("In the {when}, ask <@{partner}>:\n\n{}", q.prompt),
            1_500,
        ))
        .colour(colour(q.difficulty));
    if !q.hints.is_empty() {
        ask = ask.field(
            "Hints to give if they are stuck",
            truncate(&numbered(&q.hints), 1024),
            false,
        );
    }
    if !q.follow_ups.is_empty() {
        ask = ask.field("Follow-ups to ask", bullets(&q.follow_ups), false);
    }
    let answer = serenity::CreateEmbed::new()
        .title("Reference answer (for you, the interviewer)")
        .description(truncate(&q.answer, 2_000))
        .colour(colour(q.difficulty))
        .footer(serenity::CreateEmbedFooter::new("Only you can see this."));
    vec![ask, answer]
}

/// The reply to a rating.
pub fn rated(partner: UserId, rubric: Rubric, score: u8) -> String {
    format!(
        "Saved: {} {score}/5 for <@{partner}>. Press another number on that line to change it; \
         your partner sees only their averages.",
        rubric.title()
    )
}

/// The reply to a pair button pressed by someone outside the pair.
pub fn pair_not_yours(pair: &Pair) -> String {
    format!(
        "This mock interview is between <@{}> and <@{}>; only they can use its buttons. `/pair join` puts you in the next pairing.",
        pair.a, pair.b
    )
}

/// The reply to a pair button whose pair this server does not have.
pub const PAIR_GONE: &str = "This mock interview is not one of this server's pairs.";

/// The announcement of a pairing in its channel.
pub fn pairing_announcement(pairing: i64, pairs: &[Pair], waiting: Option<UserId>) -> serenity::CreateEmbed {
    let mut lines: Vec<String> = pairs
        .iter()
        .map(|p| match p.thread_id {
            Some(t) => format!("- <@{}> & <@{}> in <#{t}>", p.a, p.b),
            None => format!("- <@{}> & <@{}>", p.a, p.b),
        })
        .collect();
    if lines.is_empty() {
        lines.push("Not enough members joined this time. `/pair join` to be in the next one!".to_owned());
    }
    if let Some(w) = waiting {
        lines.push(format!(
            "\n<@{w}>: an odd number joined, so you wait this time; you are first in line next time."
        ));
    }
    serenity::CreateEmbed::new()
        .title("Mock interviews are paired")
        .description(truncate(&lines.join("\n"), DESCRIPTION_LIMIT))
        .colour(serenity::Colour::new(0x5865F2))
        .footer(serenity::CreateEmbedFooter::new(pairing_marker(pairing)))
}

/// The reply to `/pair join`.
pub fn pool_joined(entry: &PoolEntry, next: Option<DateTime<Utc>>) -> String {
    let level = entry.level.map(|l| format!(" as **{l}**")).unwrap_or_default();
    let topics = if entry.topics.is_empty() {
        "any topic".to_owned()
    } else {
        entry
            .topics
            .iter()
            .map(|t| t.title().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let when = match next {
        Some(at) => format!(
            "The next pairing is {} ({}): you'll get a private thread with your partner.",
            timestamp(at, 'F'),
            timestamp(at, 'R')
        ),
        None => "No pairing time is set yet; an admin sets one with `/dailyq pairing`.".to_owned(),
    };
    format!(
        "You're in the mock-interview pool{level}, for questions on {topics}. {when} `/pair leave` takes you out."
    )
}

/// The reply to `/dailyq pairing`.
pub fn pairing_set(settings: &crate::domain::pairing::PairingSettings) -> String {
    format!(
        "Mock-interview pairing: {} {} ({}) in <#{}>; next {} ({}). Members join with `/pair join`.",
        settings.time.time,
        settings.time.timezone,
        settings.time.weekdays,
        settings.channel_id,
        timestamp(settings.next_at, 'F'),
        timestamp(settings.next_at, 'R')
    )
}

/// The mock-interview ratings a member received, shown only to them.
pub fn ratings_embed(ratings: &[RubricAverage]) -> serenity::CreateEmbed {
    let lines: Vec<String> = ratings
        .iter()
        .map(|r| {
            format!(
                "**{}**: {:.1} / 5 ({} rating{})",
                r.rubric.title(),
                r.average,
                r.count,
                if r.count == 1 { "" } else { "s" }
            )
        })
        .collect();
    serenity::CreateEmbed::new()
        .title("Your mock-interview ratings")
        .description(lines.join("\n"))
        .footer(serenity::CreateEmbedFooter::new("Only you can see this."))
}

/// The file name of a recap's participation chart.
pub const CHART_FILE: &str = "participation.png";

/// The footer that marks a season's recap (found again after a crash).
pub fn season_marker(number: u32) -> String {
    format!("dailyq · season {number} recap")
}

/// Said in the recap when the champion role could not be moved.
pub const CHAMPION_ROLE_REFUSED: &str = "I could not move the champion role: I need **Manage Roles**, and my own role must be above the champion role in the server's role list. `/dailyq check` shows it.";

/// What `/dailyq check` says about the champion role, if anything is wrong.
pub fn champion_role_check(role: RoleId, can_manage: bool, above: bool) -> Option<String> {
    match (can_manage, above) {
        (true, true) => None,
        (false, _) => Some(format!(
            "⚠️ I cannot move the champion role <@&{role}>: I am missing **Manage Roles**."
        )),
        (true, false) => Some(format!(
            "⚠️ I cannot move the champion role <@&{role}>: my own role must be above it in Server Settings → Roles."
        )),
    }
}

/// What `/dailyq check` says when the champion role was deleted.
pub fn champion_role_gone(role: RoleId) -> String {
    format!(
        "⚠️ The champion role ({role}) no longer exists; set another with `/dailyq season champion_role:`."
    )
}

/// A season's recap.
pub fn recap_embed(
    season: &crate::domain::seasons::Season,
    tz: crate::domain::schedule::Timezone,
    recap: &crate::domain::seasons::SeasonRecap,
    role: Option<RoleId>,
    role_problem: Option<&str>,
) -> serenity::CreateEmbed {
    let label = crate::domain::seasons::season_label(season.number, season.kind, tz, season.starts_at);
    let podium: Vec<String> = recap
        .top
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, r)| {
            let medal = ["🥇", "🥈", "🥉"][i];
            format!("{medal} <@{}> — **{}** pts", r.standing.member, r.standing.points)
        })
        .collect();
    let rounds = recap.per_round.len();
    let mut embed = serenity::CreateEmbed::new()
        .title(format!("🏆 {label} is over"))
        .description(if podium.is_empty() {
            "Nobody scored this season.".to_owned()
        } else {
            podium.join("\n")
        })
        .field(
            "Rounds and members",
            format!(
                "{rounds} round{} · {} member{} answered",
                if rounds == 1 { "" } else { "s" },
                recap.participants,
                if recap.participants == 1 { "" } else { "s" }
            ),
            true,
        )
        .colour(serenity::Colour::new(0xF1C40F))
        .image(format!("attachment://{CHART_FILE}"))
        .footer(serenity::CreateEmbedFooter::new(format!(
            "Answers per round, oldest first · {}",
            season_marker(season.number)
        )));
    if let Some(b) = &recap.best {
        embed = embed.field(
            "Most upvoted answer",
            format!(
                "<@{}> — {} {UPVOTE} — [jump to answer]({})",
                b.author,
                b.votes,
                jump_link(season.guild_id, b.thread, b.message)
            ),
            false,
        );
    }
    if let Some((member, days)) = recap.longest_streak {
        embed = embed.field(
            "Longest active streak",
            format!("<@{member}> — {days} rounds 🔥"),
            true,
        );
    }
    let winners = recap.winners();
    match (role, role_problem) {
        (Some(_), Some(problem)) => embed = embed.field("Champion role", problem, false),
        (Some(role), None) if !winners.is_empty() => {
            let names: Vec<String> = winners.iter().map(|w| format!("<@{w}>")).collect();
            embed = embed.field(
                "Champion role",
                format!("<@&{role}> goes to {}", names.join(", ")),
                false,
            );
        }
        _ => {}
    }
    embed
}

/// The reply to `/dailyq season`.
pub fn season_settings(
    kind: crate::domain::seasons::SeasonKind,
    recap_channel: Option<ChannelId>,
    role: Option<RoleId>,
    next_recap: Option<DateTime<Utc>>,
) -> String {
    use crate::domain::seasons::SeasonKind;
    if kind == SeasonKind::Off {
        return "Seasons are off: the leaderboards run on without a season board or recaps.".to_owned();
    }
    let recap = match (recap_channel, next_recap) {
        (Some(c), Some(at)) => format!("recaps in <#{c}>, the next {}", timestamp(at, 'F')),
        _ => "no recap channel yet (`recap_channel:` to post recaps)".to_owned(),
    };
    let role = role
        .map(|r| format!("; the champion role <@&{r}> moves to each season's winners"))
        .unwrap_or_default();
    format!("Seasons are **{kind}**: {recap}{role}. `/leaderboard period:season` shows the current one.")
}

/// A schedule line for `/dailyq status` and `/dailyq setup`.
pub fn schedule_line(s: &ChannelSchedule) -> String {
    let filter = match (&s.filter.category, s.filter.difficulty) {
        (None, None) => String::new(),
        (Some(c), None) => format!(", {}", c.title()),
        (None, Some(d)) => format!(", {d} only"),
        (Some(c), Some(d)) => format!(", {} ({d})", c.title()),
    };
    let filter = match s.source {
        crate::domain::rotation::QuestionSource::Both => filter,
        crate::domain::rotation::QuestionSource::Shipped => format!("{filter}, from the shipped bank"),
        crate::domain::rotation::QuestionSource::Server => format!("{filter}, from this server's questions"),
    };
    let state = if s.paused {
        "**paused**".to_owned()
    } else {
        format!(
            "next post {} ({})",
            timestamp(s.next_post_at, 'F'),
            timestamp(s.next_post_at, 'R')
        )
    };
    let blind = s.blind.map_or(String::new(), |votes| {
        format!(
            " (blind: sealed until then, then {} of votes)",
            crate::domain::schedule::humanize(votes)
        )
    });
    format!(
        "<#{}>: {} {} ({}){filter}, answers open for {}{blind}; {state}",
        s.channel_id, s.post_time.time, s.post_time.timezone, s.post_time.weekdays, s.answer_window
    )
}

/// The leaderboard page.
pub fn leaderboard_embed(
    kind: Board,
    period: Period,
    channel: Option<ChannelId>,
    board: &BoardPage,
) -> serenity::CreateEmbed {
    let pages = board.total.div_ceil(LEADERBOARD_PAGE as u64).max(1);
    let rows: Vec<String> = board
        .rows
        .iter()
        .map(|r| {
            format!(
                "`#{:>2}` <@{}> — **{}** pts · {} answer{}",
                r.rank,
                r.standing.member,
                r.standing.points,
                r.standing.answers,
                if r.standing.answers == 1 { "" } else { "s" }
            )
        })
        .collect();
    let scope = channel.map(|c| format!(" in <#{c}>")).unwrap_or_default();
    let body = if rows.is_empty() {
        match kind {
            Board::Daily => {
                format!("No points yet{scope} for {period}. Answer today's question to get on the board!")
            }
            Board::Practice => format!(
                "No practice points yet{scope} for {period}. Join a practice session (`/practice start`) to get on this board!"
            ),
        }
    } else {
        rows.join("\n")
    };
    let you = match &board.me {
        Some(r) => format!("You: #{} with {} pts", r.rank, r.standing.points),
        None => "You are not on this board yet".to_owned(),
    };
    serenity::CreateEmbed::new()
        .title(match kind {
            Board::Daily => format!("Leaderboard · {period}"),
            Board::Practice => format!("Practice leaderboard · {period}"),
        })
        .description(format!(
            "{}{body}",
            if scope.is_empty() {
                String::new()
            } else {
                format!("Channel:{scope}\n\n")
            }
        ))
        .footer(serenity::CreateEmbedFooter::new(format!(
            "Page {} of {pages} · {you}",
            board.page + 1
        )))
}

/// What a leaderboard ◀ ▶ button asks for, and whose view it pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaderboardButton {
    /// The member the board belongs to: only their clicks page it; anyone else gets their own.
    pub owner: UserId,
    /// The period shown.
    pub period: Period,
    /// The channel filter.
    pub channel: Option<ChannelId>,
    /// The page asked for (0-based).
    pub page: usize,
    /// The daily board or the practice board.
    pub board: Board,
    /// A finished season's board, by number, instead of `period`'s.
    pub season: Option<u32>,
}

/// Custom id of a leaderboard page button: `dq:lb:{owner}:{period}:{channel or 0}:{page}`,
/// then `:practice` for the practice board and `:s{n}` for finished season n (daily buttons keep
/// the form they always had, so
/// boards posted before practice existed still page).
pub fn leaderboard_button_id(b: LeaderboardButton) -> String {
    let board = match b.board {
        Board::Daily => String::new(),
        other => format!(":{}", other.as_str()),
    };
    let season = b.season.map(|n| format!(":s{n}")).unwrap_or_default();
    format!(
        "dq:lb:{}:{}:{}:{}{board}{season}",
        b.owner,
        b.period.as_str(),
        b.channel.map_or(0, |c| c.0),
        b.page
    )
}

/// Parses a leaderboard button id; anything else (or a forged, malformed one) is `None`.
pub fn parse_leaderboard_button(id: &str) -> Option<LeaderboardButton> {
    let mut parts = id.strip_prefix("dq:lb:")?.split(':');
    let owner: u64 = parts.next()?.parse().ok()?;
    let period = parts.next()?.parse().ok()?;
    let channel: u64 = parts.next()?.parse().ok()?;
    let page: usize = parts.next()?.parse().ok()?;
    let mut next = parts.next();
    let board = match next {
        Some(b) if !b.starts_with('s') => {
            next = parts.next();
            Board::parse(b).filter(|b| *b != Board::Daily)?
        }
        _ => Board::Daily,
    };
    let season = match next {
        None => None,
        Some(s) => Some(s.strip_prefix('s')?.parse::<u32>().ok().filter(|n| *n > 0)?),
    };
    if parts.next().is_some() || owner == 0 {
        return None;
    }
    Some(LeaderboardButton {
        owner: UserId(owner),
        period,
        channel: (channel != 0).then_some(ChannelId(channel)),
        page,
        board,
        season,
    })
}

/// ◀ ▶ buttons for the page `at` of a board with `total_rows` rows.
pub fn leaderboard_buttons(at: LeaderboardButton, total_rows: usize) -> Vec<serenity::CreateActionRow> {
    let pages = total_rows.div_ceil(LEADERBOARD_PAGE).max(1);
    let page = at.page.min(pages - 1);
    let to = |page| leaderboard_button_id(LeaderboardButton { page, ..at });
    vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(to(page.saturating_sub(1)))
            .label("◀")
            .style(serenity::ButtonStyle::Secondary)
            .disabled(page == 0),
        serenity::CreateButton::new(to(page + 1))
            .label("▶")
            .style(serenity::ButtonStyle::Secondary)
            .disabled(page + 1 >= pages),
    ])]
}

/// `/stats` for one member.
pub fn stats_embed(
    member: UserId,
    guild: GuildId,
    points: i64,
    rank: Option<u32>,
    stats: &MemberStats,
    streaks: &[(ChannelId, Streak, u64)],
) -> serenity::CreateEmbed {
    let current = streaks
        .iter()
        .map(|(_, s, latest)| s.current_as_of(*latest))
        .max()
        .unwrap_or(0);
    let best = streaks.iter().map(|(_, s, _)| s.best).max().unwrap_or(0);
    let best_answer = match stats.best_answer {
        Some((msg, thread, votes)) => format!("[{votes} {UPVOTE}]({})", jump_link(guild, thread, msg)),
        None => "none yet".to_owned(),
    };
    let categories = per_category_text(&stats.per_category);
    let embed = serenity::CreateEmbed::new()
        .title("Stats")
        .description(format!("<@{member}>"))
        .field("Points", points.to_string(), true)
        .field("Rank", rank.map_or("—".to_owned(), |r| format!("#{r}")), true)
        .field("Answers", stats.answers.to_string(), true)
        .field("Upvotes received", stats.votes_received.to_string(), true)
        .field("Streak", format!("{current} (best {best})"), true)
        .field("Best answer", best_answer, true)
        .field("Answers per category", categories, false);
    if stats.practised_solo.is_empty() {
        embed
    } else {
        embed.field(
            "Practised alone, per category",
            per_category_text(&stats.practised_solo),
            false,
        )
    }
}

/// `Databases: 3` lines, or "none yet".
fn per_category_text(counts: &[(String, i64)]) -> String {
    if counts.is_empty() {
        return "none yet".to_owned();
    }
    let text = counts
        .iter()
        .map(|(c, n)| {
            let title = crate::domain::question::Category::parse(c)
                .map(|c| c.title())
                .unwrap_or(c.clone());
            format!("{title}: {n}")
        })
        .collect::<Vec<_>>()
        .join("\n");
    truncate(&text, 1024)
}

/// Cuts text to `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Splits text into pieces of at most `max` characters, at line breaks where possible.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if current.chars().count() + line.chars().count() > max && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if line.chars().count() > max {
            let chars: Vec<char> = line.chars().collect();
            for chunk in chars.chunks(max) {
                pieces.push(chunk.iter().collect());
            }
        } else {
            current.push_str(line);
        }
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(current);
    }
    pieces.into_iter().map(|p| p.trim_end().to_owned()).collect()
}

/// `/dailyq web` on a bot whose operator serves no web pages.
pub const WEB_UNSERVED: &str = "This bot does not serve web pages: its operator has to set `DAILYQ_HTTP_ADDR` (and `DAILYQ_PUBLIC_URL` when it sits behind a proxy) first.";

/// `/dailyq web rotate` while the page is off.
pub const WEB_OFF_NOTHING_TO_ROTATE: &str =
    "The web leaderboard is off, so there is no link to replace: turn it on with `/dailyq web on`.";

/// `/dailyq web on`: the page's link.
pub fn web_on(url: &str, already: bool) -> String {
    let head = if already {
        "The web leaderboard is already on."
    } else {
        "The web leaderboard is on."
    };
    format!(
        "{head} Its link: {url}\nAnyone with the link can see the leaderboard, members' names and pictures, and the last revealed rounds. `/dailyq web rotate` replaces the link; `/dailyq web off` turns the page off."
    )
}

/// `/dailyq web off`.
pub fn web_off(was_on: bool) -> String {
    if was_on {
        "The web leaderboard is off: its link now shows \"Not found\". `/dailyq web on` gives a new link."
            .to_owned()
    } else {
        "The web leaderboard was already off.".to_owned()
    }
}

/// `/dailyq web rotate`: the new link.
pub fn web_rotated(url: &str) -> String {
    format!("The web leaderboard has a new link: {url}\nThe old link now shows \"Not found\".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaderboard_button_ids_round_trip_and_fit_discord() {
        let b = LeaderboardButton {
            owner: UserId(u64::MAX),
            period: Period::Month,
            channel: Some(ChannelId(u64::MAX)),
            page: usize::MAX,
            board: Board::Practice,
            season: Some(u32::MAX),
        };
        let id = leaderboard_button_id(b);
        assert!(id.len() <= 100, "{id}");
        assert_eq!(parse_leaderboard_button(&id), Some(b));
        let all = LeaderboardButton {
            channel: None,
            board: Board::Daily,
            season: None,
            ..b
        };
        let season = LeaderboardButton {
            season: Some(3),
            ..all
        };
        assert_eq!(
            leaderboard_button_id(season),
            format!("{}:s3", leaderboard_button_id(all))
        );
        assert_eq!(
            parse_leaderboard_button(&leaderboard_button_id(season)),
            Some(season)
        );
        for forged in [
            "dq:lb:5:all:0:0:s0",
            "dq:lb:5:all:0:0:sx",
            "dq:lb:5:all:0:0:s3:practice",
        ] {
            assert_eq!(parse_leaderboard_button(forged), None, "{forged}");
        }
        assert_eq!(parse_leaderboard_button(&leaderboard_button_id(all)), Some(all));
    }

    #[test]
    fn daily_leaderboard_buttons_keep_their_old_form_and_a_daily_suffix_is_refused() {
        let old = "dq:lb:5:week:0:2";
        let b = parse_leaderboard_button(old).expect("a button posted before practice boards");
        assert_eq!(b.board, Board::Daily);
        assert_eq!(leaderboard_button_id(b), old);
        assert_eq!(parse_leaderboard_button("dq:lb:5:week:0:2:daily"), None);
        assert_eq!(parse_leaderboard_button("dq:lb:5:week:0:2:blind"), None);
    }

    #[test]
    fn the_champion_role_check_names_what_is_missing() {
        let role = RoleId(7);
        assert_eq!(champion_role_check(role, true, true), None);
        assert!(
            champion_role_check(role, false, true)
                .unwrap()
                .contains("Manage Roles")
        );
        assert!(
            champion_role_check(role, true, false)
                .unwrap()
                .contains("must be above it")
        );
    }

    #[test]
    fn pair_button_ids_round_trip_and_forged_ones_are_refused() {
        for b in [
            PairButton::Packet(i64::MAX),
            PairButton::Rate(7, Rubric::Depth, 5),
            PairButton::Rate(7, Rubric::Communication, 1),
        ] {
            let id = pair_button_id(b);
            assert!(id.len() <= 100, "{id}");
            assert_eq!(parse_pair_button(&id), Some(b));
        }
        for forged in [
            "dq:pair:r:7:c:6",
            "dq:pair:r:7:c:0",
            "dq:pair:r:7:x:3",
            "dq:pair:k:0",
            "dq:pair:k:-4",
            "dq:pair:k:7:extra",
            "dq:pair:z:7",
            "dq:pair:",
        ] {
            assert_eq!(parse_pair_button(forged), None, "{forged}");
        }
    }

    #[test]
    fn the_longest_solo_button_id_fits_discord_and_round_trips() {
        let b = SoloButton {
            action: SoloAction::ReviewLater,
            owner: UserId(u64::MAX),
            question: i64::MAX,
            filter: crate::domain::rotation::QuestionFilter {
                category: Some(crate::domain::question::Category::parse(&"x".repeat(40)).unwrap()),
                difficulty: Some(crate::domain::question::Difficulty::Medium),
            },
        };
        let id = solo_button_id(&b);
        assert!(id.len() <= 100, "{} characters: {id}", id.len());
        assert_eq!(parse_solo_button(&id), Some(b));
        assert_eq!(parse_solo_button("dq:solo:n:5:0:-:-"), None, "no question 0");
        assert_eq!(parse_solo_button("dq:solo:z:5:3:-:-"), None, "no action z");
    }

    #[test]
    fn hint_button_ids_name_a_round_and_refuse_anything_else() {
        assert_eq!(parse_hint_button(&hint_button_id(42)), Some(42));
        for id in [
            "dq:hint:",
            "dq:hint:0",
            "dq:hint:-4",
            "dq:hint:4:2",
            "dq:hint:+4x",
            "hint:4",
            "dq:lb:4",
        ] {
            assert_eq!(parse_hint_button(id), None, "{id}");
        }
    }

    #[test]
    fn forged_or_old_leaderboard_button_ids_are_refused() {
        for id in [
            "dq:lb:all:0:1",
            "dq:lb:0:all:0:1",
            "dq:lb:5:all:0:1:9",
            "dq:lb:5:year:0:1",
            "dq:lb:5:all:-3:1",
            "dq:lb:5:all:0:99999999999999999999999",
            "lb:5:all:0:1",
            "",
        ] {
            assert_eq!(parse_leaderboard_button(id), None, "{id}");
        }
    }

    #[test]
    fn long_answers_split_at_line_breaks_within_the_embed_limit() {
        let text = (0..300)
            .map(|i| format!("- point number {i} of a long answer"))
            .collect::<Vec<_>>()
            .join("\n");
        let parts = split_text(&text, 4096);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= 4096));
        assert_eq!(parts.join("\n"), text);
    }

    #[test]
    fn a_single_overlong_line_is_cut_into_pieces() {
        let parts = split_text(&"x".repeat(9000), 4096);
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![4096, 4096, 808]
        );
    }

    #[test]
    fn thread_names_fit_discords_100_characters() {
        let q = Question {
            slug: crate::domain::question::QuestionSlug::parse("abc").unwrap(),
            category: crate::domain::question::Category::parse("x").unwrap(),
            difficulty: Difficulty::Easy,
            tags: vec![],
            prompt: format!("**{}**", "word ".repeat(60)),
            answer: "a".into(),
            hints: vec![],
            follow_ups: vec![],
            sources: vec![],
            follows: None,
        };
        let round = Round {
            id: 1,
            guild_id: GuildId(1),
            channel_id: ChannelId(1),
            kind: RoundKind::Daily,
            question_id: 1,
            number: 7,
            scheduled_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            state: crate::domain::round::RoundState::Open,
            nonce: "n".into(),
            message_id: None,
            thread_id: None,
            opens_at: Utc::now(),
            closes_at: Utc::now(),
            answer_message_id: None,
            summary_message_id: None,
            revealed_at: None,
            post_attempts: 0,
            reveal_attempts: 0,
            remind_at: None,
            answers_close_at: None,
            published_at: None,
            publish_attempts: 0,
        };
        let name = thread_name(&round, &q);
        assert!(name.chars().count() <= 100);
        assert!(name.starts_with("#7 · word"));
        let other = Round {
            id: 2,
            ..round.clone()
        };
        let footer = published_marker(&round, 12);
        assert_eq!(parse_published_marker(&footer, &round), Some(12));
        assert_eq!(
            parse_published_marker(&footer, &other),
            None,
            "another round's answer"
        );
        assert_eq!(
            parse_published_marker("dailyq · answer x · round 1", &round),
            None
        );
        assert_eq!(parse_answer_button(&answer_button_id(77)), Some(77));
        for forged in ["dq:answer:0", "dq:answer:-3", "dq:answer:", "dq:answer:7:x"] {
            assert_eq!(parse_answer_button(forged), None, "{forged}");
        }
    }
}
