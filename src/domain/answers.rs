//! What counts as an answer: the deadline rule, the minimum length, and which messages are
//! answers at all.
//!
//! The deadline is judged by Discord's own timestamp of the message (its snowflake), never by when
//! the bot happened to see it: an answer written while the bot was down counts if it was written
//! in time, and one written after the deadline never counts, however early the bot reads it.

use chrono::{DateTime, Utc};

/// The facts an answer is judged on.
#[derive(Debug, Clone, Copy)]
pub struct AnswerCandidate<'a> {
    /// Whether the author is a bot account (dailyq included).
    pub author_is_bot: bool,
    /// Whether Discord says it is an ordinary member message (a plain message or a reply), as
    /// opposed to a pin notice, a thread-member notice or another system message.
    pub ordinary: bool,
    /// The text, when the bot may read message content (`None`: the length is not checked).
    pub content: Option<&'a str>,
    /// Discord's timestamp of the message (its snowflake).
    pub written_at: DateTime<Utc>,
    /// The round's deadline.
    pub closes_at: DateTime<Utc>,
    /// The guild's minimum length in characters (0: any length).
    pub min_chars: u32,
}

/// Why a message is not an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerRejection {
    /// Bots never answer.
    Bot,
    /// A system message (pins, thread notices …), not something a member wrote.
    NotAMemberMessage,
    /// Written at or after the deadline.
    Late,
    /// Shorter than the guild's minimum.
    TooShort {
        /// Its length in characters (trimmed).
        length: usize,
        /// The minimum.
        min: u32,
    },
}

/// Decides whether a message counts as an answer.
pub fn judge_answer(a: &AnswerCandidate<'_>) -> Result<(), AnswerRejection> {
    if a.author_is_bot {
        return Err(AnswerRejection::Bot);
    }
    if !a.ordinary {
        return Err(AnswerRejection::NotAMemberMessage);
    }
    if a.written_at >= a.closes_at {
        return Err(AnswerRejection::Late);
    }
    if let Some(text) = a.content {
        let length = answer_length(text);
        if a.min_chars > 0 && length < a.min_chars as usize {
            return Err(AnswerRejection::TooShort {
                length,
                min: a.min_chars,
            });
        }
    }
    Ok(())
}

/// The length the minimum is checked against: characters, surrounding blanks ignored.
pub fn answer_length(text: &str) -> usize {
    text.trim().chars().count()
}

/// Which text to judge for a message read back at the reveal. An edit made at or after the
/// deadline must not change the verdict, so when Discord says the message was edited after the
/// deadline, the text the bot recorded before the deadline is judged instead (when it has one).
pub fn text_as_of_deadline<'a>(
    current: Option<&'a str>,
    edited_at: Option<DateTime<Utc>>,
    closes_at: DateTime<Utc>,
    recorded: Option<&'a str>,
) -> Option<&'a str> {
    match (edited_at, recorded) {
        (Some(edited), Some(before)) if edited >= closes_at => Some(before),
        _ => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn candidate() -> AnswerCandidate<'static> {
        let closes_at = Utc.with_ymd_and_hms(2026, 6, 10, 11, 30, 0).unwrap();
        AnswerCandidate {
            author_is_bot: false,
            ordinary: true,
            content: Some("An index is a sorted copy of some columns."),
            written_at: closes_at - Duration::minutes(5),
            closes_at,
            min_chars: 10,
        }
    }

    #[test]
    fn a_member_message_written_before_the_deadline_counts() {
        assert_eq!(judge_answer(&candidate()), Ok(()));
    }

    #[test]
    fn a_message_written_at_or_after_the_deadline_never_counts() {
        let c = candidate();
        let at = AnswerCandidate {
            written_at: c.closes_at,
            ..c
        };
        assert_eq!(judge_answer(&at), Err(AnswerRejection::Late));
        let later = AnswerCandidate {
            written_at: c.closes_at + Duration::hours(3),
            ..c
        };
        assert_eq!(judge_answer(&later), Err(AnswerRejection::Late));
    }

    #[test]
    fn bots_and_system_messages_are_not_answers() {
        let bot = AnswerCandidate {
            author_is_bot: true,
            ..candidate()
        };
        assert_eq!(judge_answer(&bot), Err(AnswerRejection::Bot));
        let pin = AnswerCandidate {
            ordinary: false,
            ..candidate()
        };
        assert_eq!(judge_answer(&pin), Err(AnswerRejection::NotAMemberMessage));
    }

    #[test]
    fn answers_shorter_than_the_minimum_do_not_count_and_blanks_are_not_characters() {
        let short = AnswerCandidate {
            content: Some("  .      "),
            ..candidate()
        };
        assert_eq!(
            judge_answer(&short),
            Err(AnswerRejection::TooShort { length: 1, min: 10 })
        );
        let unread = AnswerCandidate {
            content: None,
            ..candidate()
        };
        assert_eq!(
            judge_answer(&unread),
            Ok(()),
            "without MESSAGE_CONTENT the length is unknown"
        );
        let any = AnswerCandidate {
            min_chars: 0,
            ..short
        };
        assert_eq!(judge_answer(&any), Ok(()));
    }

    #[test]
    fn an_edit_after_the_deadline_is_judged_on_the_text_recorded_before_it() {
        let closes = candidate().closes_at;
        let late_edit = Some(closes + Duration::minutes(1));
        assert_eq!(
            text_as_of_deadline(Some("."), late_edit, closes, Some("a long answer")),
            Some("a long answer")
        );
        let early_edit = Some(closes - Duration::minutes(1));
        assert_eq!(
            text_as_of_deadline(Some("."), early_edit, closes, Some("a long answer")),
            Some(".")
        );
        assert_eq!(text_as_of_deadline(Some("."), late_edit, closes, None), Some("."));
    }
}
