//! Member suggestions: what a suggestion holds, the limits that keep them from becoming spam,
//! and the likely duplicate an editor is warned of.

use super::ids::{MessageId, UserId};
use super::question::{
    Category, LIKELY_DUPLICATE, MAX_ANSWER_CHARS, MAX_PROMPT_CHARS, check_text, prompt_similarity,
};
use chrono::{DateTime, Duration, Utc};

/// How many suggestions of one member may wait for review at once.
pub const MAX_PENDING: u32 = 3;
/// How long a member waits between two suggestions.
pub const COOLDOWN: Duration = Duration::minutes(10);
/// The longest rejection reason.
pub const MAX_REASON_CHARS: usize = 500;

/// Where a suggestion is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionState {
    /// Waiting for an editor.
    Pending,
    /// Became one of the server's questions.
    Approved,
    /// Turned down, with a reason.
    Rejected,
}

impl SuggestionState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionState::Pending => "pending",
            SuggestionState::Approved => "approved",
            SuggestionState::Rejected => "rejected",
        }
    }

    /// Reads a stored name back.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(SuggestionState::Pending),
            "approved" => Ok(SuggestionState::Approved),
            "rejected" => Ok(SuggestionState::Rejected),
            other => Err(format!("unknown suggestion state {other:?}")),
        }
    }
}

/// A member's suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Its key.
    pub id: i64,
    /// Who suggested it.
    pub member: UserId,
    /// The question.
    pub prompt: String,
    /// A reference answer, if the member gave one.
    pub answer: Option<String>,
    /// Its category.
    pub category: Category,
    /// Where it is in its review.
    pub state: SuggestionState,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// Its message in the review channel.
    pub review_message: Option<MessageId>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// A suggestion as typed in the form, checked: prompt and category required, answer optional,
/// with the question files' limits and sentences.
pub fn check_suggestion(
    prompt: &str,
    answer: &str,
    category: &str,
) -> Result<(String, Option<String>, Category), Vec<String>> {
    let mut problems = Vec::new();
    let prompt = check_text(prompt, MAX_PROMPT_CHARS)
        .map_err(|m| problems.push(format!("`prompt` {m}")))
        .ok();
    let answer = if answer.trim().is_empty() {
        Some(None)
    } else {
        check_text(answer, MAX_ANSWER_CHARS)
            .map(Some)
            .map_err(|m| problems.push(format!("`answer` {m}")))
            .ok()
    };
    let category = Category::parse(&category.trim().to_ascii_lowercase())
        .map_err(|m| problems.push(format!("`category`: {m}")))
        .ok();
    match (prompt, answer, category) {
        (Some(p), Some(a), Some(c)) => Ok((p, a, c)),
        _ => Err(problems),
    }
}

/// Whether a member may suggest now: fewer than [`MAX_PENDING`] waiting, and the last one at
/// least [`COOLDOWN`] ago (by Discord's clock). The refusal says when they can.
pub fn may_suggest(pending: u32, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), String> {
    if pending >= MAX_PENDING {
        return Err(format!(
            "You have {pending} suggestions waiting for review already; the most is {MAX_PENDING}. \
             Suggest again once an editor has looked at them."
        ));
    }
    if let Some(last) = last
        && now < last + COOLDOWN
    {
        let again = last + COOLDOWN;
        return Err(format!(
            "You suggested a question a moment ago; you can suggest another <t:{}:R>.",
            again.timestamp()
        ));
    }
    Ok(())
}

/// The existing question most like `prompt`, when it is likely the same (see
/// [`LIKELY_DUPLICATE`]): its label and the similarity.
pub fn likely_duplicate<'a>(prompt: &str, existing: &'a [(String, String)]) -> Option<(&'a str, f64)> {
    existing
        .iter()
        .map(|(label, other)| (label.as_str(), prompt_similarity(prompt, other)))
        .filter(|(_, s)| *s >= LIKELY_DUPLICATE)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minutes)
    }

    #[test]
    fn a_suggestion_needs_a_prompt_and_a_category_and_may_leave_the_answer_out() {
        let (p, a, c) = check_suggestion(" Why? ", "", "Onboarding").unwrap();
        assert_eq!((p.as_str(), a, c.as_str()), ("Why?", None, "onboarding"));
        let errors = check_suggestion("", "x", "not a slug!").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("`prompt` is empty"));
        assert!(errors[1].starts_with("`category`"));
    }

    #[test]
    fn members_are_held_to_three_pending_and_ten_minutes_between_suggestions() {
        assert!(may_suggest(0, None, t(0)).is_ok());
        assert!(may_suggest(2, Some(t(0)), t(10)).is_ok());
        assert!(may_suggest(3, None, t(0)).unwrap_err().contains("the most is 3"));
        let wait = may_suggest(1, Some(t(0)), t(9)).unwrap_err();
        assert!(wait.contains(&format!("<t:{}:R>", t(10).timestamp())), "{wait}");
    }

    #[test]
    fn a_nearly_identical_prompt_is_flagged_and_a_different_one_is_not() {
        let existing = vec![
            ("own-1".to_owned(), "What does ACID stand for?".to_owned()),
            ("own-2".to_owned(), "How does a B-tree split a page?".to_owned()),
        ];
        assert_eq!(
            likely_duplicate("what does ACID stand for", &existing).map(|d| d.0),
            Some("own-1")
        );
        assert_eq!(likely_duplicate("Explain CAP.", &existing), None);
    }
}
