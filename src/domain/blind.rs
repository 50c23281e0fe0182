//! Blind rounds: members send their answers privately (a modal) until the answer deadline; then
//! the bot publishes them all at once, each attributed to its author, in an order that posting
//! early cannot influence; then members vote; then the usual reveal and scoring.

use super::answers::answer_length;
use super::ids::{MessageId, UserId};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The longest sealed answer, in characters: a modal's paragraph input holds at most 4,000, and
/// a published answer is an embed description (at most 4,096).
pub const MAX_ANSWER_CHARS: usize = 4000;

/// A member's sealed answer to a blind round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedAnswer {
    /// The round.
    pub round_id: i64,
    /// Its author.
    pub member: UserId,
    /// The text (trimmed).
    pub content: String,
    /// Discord's time of the first submission.
    pub submitted_at: DateTime<Utc>,
    /// When it was last changed, if ever.
    pub edited_at: Option<DateTime<Utc>>,
    /// Its place in the published order (1-based), once the order is drawn.
    pub position: Option<u32>,
    /// The bot's message that published it, once posted.
    pub message_id: Option<MessageId>,
}

/// Checks a sealed answer's text: not blank, at most [`MAX_ANSWER_CHARS`], at least the guild's
/// minimum. Returns the text to keep (trimmed), or a sentence for the member.
pub fn check_sealed_answer(text: &str, min_chars: u32) -> Result<String, String> {
    let trimmed = text.trim();
    let length = answer_length(trimmed);
    if length == 0 {
        return Err("Your answer is empty, so nothing was saved.".to_owned());
    }
    if length > MAX_ANSWER_CHARS {
        return Err(format!(
            "Your answer is {length} characters long; the most is {MAX_ANSWER_CHARS}. Nothing was saved."
        ));
    }
    if min_chars > 0 && length < min_chars as usize {
        return Err(format!(
            "Your answer is {length} characters long; this server asks for at least {min_chars}. \
             Nothing was saved."
        ));
    }
    Ok(trimmed.to_owned())
}

/// The order in which a blind round's answers are published: a keyed shuffle of the authors by
/// the guild's secret seed and the round, so it is the same on every retry and in every
/// process, unrelated to when each answer was sent, and not guessable by members.
pub fn publish_order(seed: u64, round: i64, members: &[UserId]) -> Vec<UserId> {
    let key = |m: &UserId| {
        let mut h = Sha256::new();
        h.update(seed.to_le_bytes());
        h.update(round.to_le_bytes());
        h.update(m.0.to_le_bytes());
        <[u8; 32]>::from(h.finalize())
    };
    let mut order = members.to_vec();
    order.sort_by_cached_key(|m| (key(m), *m));
    order.dedup();
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_answer_is_trimmed_and_refused_when_blank_too_long_or_too_short() {
        assert_eq!(check_sealed_answer("  a queue  ", 0), Ok("a queue".to_owned()));
        assert!(check_sealed_answer(" \n ", 0).unwrap_err().contains("empty"));
        let long = "é".repeat(MAX_ANSWER_CHARS + 1);
        assert!(
            check_sealed_answer(&long, 0)
                .unwrap_err()
                .contains("the most is 4000")
        );
        assert!(check_sealed_answer(&"é".repeat(MAX_ANSWER_CHARS), 0).is_ok());
        let short = check_sealed_answer("short", 20).unwrap_err();
        assert!(
            short.contains("at least 20") && short.contains("5 characters"),
            "{short}"
        );
    }

    #[test]
    fn the_publish_order_is_a_reproducible_shuffle_unrelated_to_the_order_of_sending() {
        let members: Vec<UserId> = (1..=40).map(UserId).collect();
        let order = publish_order(7, 3, &members);
        assert_eq!(order, publish_order(7, 3, &members), "the same on a retry");
        let mut reversed = members.clone();
        reversed.reverse();
        assert_eq!(
            order,
            publish_order(7, 3, &reversed),
            "sending order does not matter"
        );
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, members, "everyone once");
        assert_ne!(order, members, "not the order of sending");
        assert_ne!(
            order,
            publish_order(7, 4, &members),
            "another round, another order"
        );
        assert_ne!(
            order,
            publish_order(8, 3, &members),
            "another seed, another order"
        );
    }
}
