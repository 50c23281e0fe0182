//! Discord's size limits, and the worst-case size of the two messages a question becomes.
//!
//! A question is posted as one embed (`render::question_embed`) and revealed as one message of
//! embeds (`render::reveal_embeds`). Discord refuses a message that breaks any limit below, and
//! it would refuse it at the worst moment: when the round is due. So the bank refuses such a
//! question up front, with the file, line and field to shorten.
//!
//! **Why a size model instead of fixed per-field maximums.** The limits that bind are sums: all
//! embeds of a message share 6,000 characters, and a field joins several list entries. Per-field
//! maximums safe for every combination would have to assume every other field at its maximum
//! (a 4,000-character answer would leave room for only ~900 characters of follow-ups and sources
//! together, or the follow-up and source lists would have to shrink for everyone). Instead,
//! [`question_post`] and [`reveal`] compute the size of each message from the question's own
//! text plus the *worst case* of everything a round adds (the longest round number, round id,
//! timestamps, role mention and minimum-length sentence), and [`size_problems`] says which field
//! to shorten and by how much. The per-field maximums in [`super::question`] still bound each
//! field; this check bounds the sums.
//!
//! The model mirrors the templates of `discord::render` (their fixed words are spelled again
//! below). `tests/render_limits.rs` keeps the two honest: it renders every shipped question and
//! synthetic maximal ones, measures the serialized embeds the way Discord counts them, and
//! requires every measured part to be no larger than the model, and equal to it for the
//! longest round values, so a template change that the model misses fails a test.
//!
//! Discord counts characters, not bytes; here a character is a Unicode scalar value (`char`).

use super::question::{MAX_ANSWER_CHARS, Question};
use chrono::{DateTime, Utc};
use std::fmt;

/// Characters in all titles, descriptions, field names and values, footers and author names of
/// one message's embeds together.
pub const EMBED_TOTAL: usize = 6_000;
/// Characters in an embed title.
pub const EMBED_TITLE: usize = 256;
/// Characters in an embed description.
pub const EMBED_DESCRIPTION: usize = 4_096;
/// Fields in one embed.
pub const EMBED_FIELDS: usize = 25;
/// Characters in a field name.
pub const EMBED_FIELD_NAME: usize = 256;
/// Characters in a field value.
pub const EMBED_FIELD_VALUE: usize = 1_024;
/// Characters in a footer.
pub const EMBED_FOOTER: usize = 2_048;
/// Characters in an author name.
pub const EMBED_AUTHOR: usize = 256;
/// Embeds in one message.
pub const EMBEDS_PER_MESSAGE: usize = 10;
/// Characters of a message's content.
pub const MESSAGE_CONTENT: usize = 2_000;
/// Characters of a thread (channel) name.
pub const THREAD_NAME: usize = 100;

// The model renders the answer as one embed description; `render::reveal_embeds` splits only
// answers longer than a description, which the bank never accepts.
const _: () = assert!(MAX_ANSWER_CHARS <= EMBED_DESCRIPTION);

/// The size of one embed field, as Discord counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldSize {
    /// Characters of the name.
    pub name: usize,
    /// Characters of the value.
    pub value: usize,
}

/// The size of one embed, as Discord counts it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbedSize {
    /// Characters of the title.
    pub title: usize,
    /// Characters of the description.
    pub description: usize,
    /// The fields, in order.
    pub fields: Vec<FieldSize>,
    /// Characters of the footer text.
    pub footer: usize,
    /// Characters of the author name.
    pub author: usize,
}

impl EmbedSize {
    /// The characters this embed counts towards the message's 6,000.
    pub fn total(&self) -> usize {
        self.title
            + self.description
            + self.footer
            + self.author
            + self.fields.iter().map(|f| f.name + f.value).sum::<usize>()
    }
}

/// The size of one message, as Discord counts it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageSize {
    /// Characters of the content (the text outside embeds).
    pub content: usize,
    /// The embeds, in order.
    pub embeds: Vec<EmbedSize>,
}

/// Which part of a message a size belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The content.
    Content,
    /// The number of embeds.
    EmbedCount,
    /// All embeds together.
    EmbedTotal,
    /// The title of the embed at this index.
    Title(usize),
    /// The description of the embed at this index.
    Description(usize),
    /// The number of fields of the embed at this index.
    FieldCount(usize),
    /// The name of field `.1` of embed `.0`.
    FieldName(usize, usize),
    /// The value of field `.1` of embed `.0`.
    FieldValue(usize, usize),
    /// The footer of the embed at this index.
    Footer(usize),
    /// The author name of the embed at this index.
    Author(usize),
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Content => f.write_str("the message content"),
            Part::EmbedCount => f.write_str("the number of embeds"),
            Part::EmbedTotal => f.write_str("all embeds together"),
            Part::Title(e) => write!(f, "the title of embed {}", e + 1),
            Part::Description(e) => write!(f, "the description of embed {}", e + 1),
            Part::FieldCount(e) => write!(f, "the number of fields of embed {}", e + 1),
            Part::FieldName(e, i) => write!(f, "the name of field {} of embed {}", i + 1, e + 1),
            Part::FieldValue(e, i) => write!(f, "the value of field {} of embed {}", i + 1, e + 1),
            Part::Footer(e) => write!(f, "the footer of embed {}", e + 1),
            Part::Author(e) => write!(f, "the author of embed {}", e + 1),
        }
    }
}

/// One limit a message breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breach {
    /// Where.
    pub part: Part,
    /// Its size (characters, or a count for [`Part::EmbedCount`] and [`Part::FieldCount`]).
    pub size: usize,
    /// Discord's limit there.
    pub limit: usize,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}; Discord allows {}", self.part, self.size, self.limit)
    }
}

impl MessageSize {
    /// The characters all embeds count towards Discord's 6,000.
    pub fn embed_total(&self) -> usize {
        self.embeds.iter().map(EmbedSize::total).sum()
    }

    /// Every Discord limit this message breaks; empty when Discord accepts it.
    pub fn breaches(&self) -> Vec<Breach> {
        let mut out = Vec::new();
        let mut check = |part, size, limit| {
            if size > limit {
                out.push(Breach { part, size, limit });
            }
        };
        check(Part::Content, self.content, MESSAGE_CONTENT);
        check(Part::EmbedCount, self.embeds.len(), EMBEDS_PER_MESSAGE);
        check(Part::EmbedTotal, self.embed_total(), EMBED_TOTAL);
        for (e, embed) in self.embeds.iter().enumerate() {
            check(Part::Title(e), embed.title, EMBED_TITLE);
            check(Part::Description(e), embed.description, EMBED_DESCRIPTION);
            check(Part::FieldCount(e), embed.fields.len(), EMBED_FIELDS);
            for (i, field) in embed.fields.iter().enumerate() {
                check(Part::FieldName(e, i), field.name, EMBED_FIELD_NAME);
                check(Part::FieldValue(e, i), field.value, EMBED_FIELD_VALUE);
            }
            check(Part::Footer(e), embed.footer, EMBED_FOOTER);
            check(Part::Author(e), embed.author, EMBED_AUTHOR);
        }
        out
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The longest text a round number (`u64`) or round id (`i64`) prints as.
fn longest_integer() -> String {
    [u64::MAX.to_string(), i64::MIN.to_string()]
        .into_iter()
        .max_by_key(|s| s.len())
        .unwrap_or_default()
}

/// The longest `<t:…:R>` timestamp any deadline prints as.
fn longest_timestamp() -> String {
    [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC]
        .map(|t| t.timestamp().to_string())
        .into_iter()
        .max_by_key(|s| s.len())
        .unwrap_or_default()
}

/// The field the reveal lists follow-ups in (`render::reveal_embeds`).
pub const FOLLOW_UPS_FIELD: &str = "Follow-ups to discuss";
/// The field the reveal lists sources in (`render::reveal_embeds`).
pub const SOURCES_FIELD: &str = "Further reading";

/// The characters of a list as the reveal shows it: one `- entry` per line.
pub fn bullet_list_chars(entries: &[String]) -> usize {
    entries.iter().map(|e| chars(e) + 2).sum::<usize>() + entries.len().saturating_sub(1)
}

/// The largest size of `q`'s question post for any round of a kind (`blind` or not): the
/// longest round number and id, the longest deadline timestamps, a minimum-length sentence with
/// the largest number, the largest count of answers (blind), and a role mention as content.
pub fn question_post(q: &Question, blind: bool) -> MessageSize {
    let number = longest_integer();
    let ts = longest_timestamp();
    let title = format!("Question #{number} · {} · {}", q.category.title(), q.difficulty);
    let min = format!(" Answers need at least {} characters.", u32::MAX);
    let how_to_play = if blind {
        format!(
            "🙈 **Blind round.** Press **Answer** to send yours privately (up to {} characters; \
             press again to change it).{min} Nobody sees an answer before <t:{ts}:R> (<t:{ts}:f>): \
             then every answer is posted in the thread with its author, in a random order. Vote \
             with ⬆️ (not your own) until the reference answer is revealed <t:{ts}:R> (<t:{ts}:f>). \
             Messages in the thread are discussion, not answers.",
            super::blind::MAX_ANSWER_CHARS
        )
    } else {
        format!(
            "Answer in the thread below, in one message or several.{min} Upvote the answers you \
             find strong with ⬆️ (not your own). Edits count until the reveal; deleting a message \
             withdraws it. The reference answer is revealed <t:{ts}:R> (<t:{ts}:f>)."
        )
    };
    let mut fields = vec![FieldSize {
        name: chars("How to play"),
        value: chars(&how_to_play),
    }];
    if blind {
        fields.push(FieldSize {
            name: chars("Answers"),
            value: chars(&format!(
                "{} answers — published in the thread; voting is open",
                u64::MAX
            )),
        });
    }
    let footer = format!("dailyq · round {number}");
    MessageSize {
        content: chars(&format!("<@&{}>", u64::MAX)),
        embeds: vec![EmbedSize {
            title: chars(&title),
            description: chars(&q.prompt),
            fields,
            footer: chars(&footer),
            author: 0,
        }],
    }
}

/// The largest size of `q`'s reveal message for any round: the answer in one embed with the
/// follow-ups and sources as fields, under a title with the longest round number and over the
/// footer that marks it with the longest round id.
pub fn reveal(q: &Question) -> MessageSize {
    let title = format!("Reference answer · question #{}", longest_integer());
    let footer = format!("dailyq · reference answer · round {}", longest_integer());
    let mut fields = Vec::new();
    if !q.follow_ups.is_empty() {
        fields.push(FieldSize {
            name: chars(FOLLOW_UPS_FIELD),
            value: bullet_list_chars(&q.follow_ups),
        });
    }
    if !q.sources.is_empty() {
        fields.push(FieldSize {
            name: chars(SOURCES_FIELD),
            value: bullet_list_chars(&q.sources),
        });
    }
    MessageSize {
        content: 0,
        embeds: vec![EmbedSize {
            title: chars(&title),
            description: chars(&q.answer),
            fields,
            footer: chars(&footer),
            author: 0,
        }],
    }
}

/// A question field that makes a message too large, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeProblem {
    /// The field to shorten, as named in question files.
    pub field: &'static str,
    /// What is wrong, as a sentence (no file or line).
    pub message: String,
}

/// Every way `q`'s question post or reveal would break a Discord limit, each blamed on the
/// question field that has to shrink. Empty when both messages always fit.
pub fn size_problems(q: &Question) -> Vec<SizeProblem> {
    let mut out = Vec::new();
    // A blind round's post is the larger: it explains its phases and counts the answers.
    for breach in question_post(q, true).breaches() {
        let (field, what) = match breach.part {
            Part::Title(_) => ("category", "the question post's title"),
            Part::EmbedTotal => ("prompt", "the question post"),
            _ => ("prompt", "the question post's description"),
        };
        out.push(problem(field, what, breach));
    }
    for breach in reveal(q).breaches() {
        let (field, what) = match breach.part {
            Part::FieldValue(_, i) if i == 0 && !q.follow_ups.is_empty() => {
                ("follow_ups", "the reveal's \"Follow-ups to discuss\" field")
            }
            Part::FieldValue(..) => ("sources", "the reveal's \"Further reading\" field"),
            Part::EmbedTotal => ("answer", "the reveal (answer, follow-ups and sources together)"),
            _ => ("answer", "the reveal's description"),
        };
        out.push(problem(field, what, breach));
    }
    out
}

fn problem(field: &'static str, what: &str, b: Breach) -> SizeProblem {
    let over = b.size - b.limit;
    SizeProblem {
        field,
        message: format!(
            "makes {what} up to {} characters long; Discord allows {}: shorten it by {over} character{}",
            b.size,
            b.limit,
            if over == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::question::{Category, Difficulty, QuestionSlug};

    fn question(answer: usize, follow_ups: Vec<usize>, sources: Vec<usize>) -> Question {
        Question {
            slug: QuestionSlug::parse("abc").unwrap(),
            category: Category::parse("databases").unwrap(),
            difficulty: Difficulty::Medium,
            tags: vec!["t".into()],
            prompt: "p".repeat(1_000),
            answer: "a".repeat(answer),
            hints: vec![],
            follow_ups: follow_ups.into_iter().map(|n| "f".repeat(n)).collect(),
            sources: sources.into_iter().map(|n| "s".repeat(n)).collect(),
            follows: None,
        }
    }

    #[test]
    fn a_bullet_list_counts_a_dash_and_space_per_entry_and_a_line_break_between() {
        assert_eq!(bullet_list_chars(&[]), 0);
        assert_eq!(bullet_list_chars(&["ab".into()]), 4);
        assert_eq!(bullet_list_chars(&["ab".into(), "é".into()]), 4 + 1 + 3);
    }

    #[test]
    fn the_fixed_parts_of_both_messages_are_far_below_every_limit() {
        let q = question(1, vec![], vec![]);
        let post = question_post(&q, true);
        assert!(post.embeds[0].total() - 1_000 < 700, "{post:?}");
        assert!(question_post(&q, false).embed_total() < post.embed_total());
        assert!(post.content < 30);
        assert!(reveal(&q).embed_total() < 150);
        assert!(size_problems(&q).is_empty());
    }

    #[test]
    fn follow_ups_longer_than_one_field_are_blamed_on_follow_ups() {
        // 4 × (300 + 2) + 3 line breaks = 1211 > 1024.
        let problems = size_problems(&question(100, vec![300; 4], vec![10]));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "follow_ups");
        assert!(problems[0].message.contains("1211"), "{}", problems[0].message);
        assert!(
            problems[0].message.contains("by 187 characters"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn sources_longer_than_one_field_are_blamed_on_sources_with_or_without_follow_ups() {
        for follow_ups in [vec![], vec![10]] {
            let problems = size_problems(&question(100, follow_ups, vec![300; 4]));
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].field, "sources");
        }
    }

    #[test]
    fn a_long_answer_with_full_follow_ups_and_sources_overflows_the_message_total() {
        let fits = reveal(&question(1, vec![300, 300, 300, 113], vec![300, 300, 300, 113]));
        assert_eq!(fits.embeds[0].fields[0].value, 1_024);
        let room = EMBED_TOTAL - fits.embed_total() + 1;
        assert!(
            size_problems(&question(
                room,
                vec![300, 300, 300, 113],
                vec![300, 300, 300, 113]
            ))
            .is_empty()
        );
        let problems = size_problems(&question(
            room + 1,
            vec![300, 300, 300, 113],
            vec![300, 300, 300, 113],
        ));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "answer");
        assert!(problems[0].message.contains("6001"), "{}", problems[0].message);
        assert!(
            problems[0].message.contains("by 1 character"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn breaches_name_every_limit_a_message_breaks() {
        let m = MessageSize {
            content: 2_001,
            embeds: vec![
                EmbedSize {
                    title: 257,
                    description: 4_097,
                    fields: vec![
                        FieldSize {
                            name: 257,
                            value: 1_025
                        };
                        26
                    ],
                    footer: 2_049,
                    author: 257,
                };
                11
            ],
        };
        let parts: Vec<Part> = m.breaches().iter().map(|b| b.part).collect();
        for part in [
            Part::Content,
            Part::EmbedCount,
            Part::EmbedTotal,
            Part::Title(10),
            Part::Description(0),
            Part::FieldCount(3),
            Part::FieldName(0, 25),
            Part::FieldValue(2, 0),
            Part::Footer(0),
            Part::Author(0),
        ] {
            assert!(parts.contains(&part), "{part} missing");
        }
        assert!(MessageSize::default().breaches().is_empty());
    }
}
