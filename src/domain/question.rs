//! Questions: what a round asks and what it reveals.

use super::text::quote_input;
use std::fmt;
use std::str::FromStr;

/// How hard a question is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Difficulty {
    /// Warm-up questions.
    Easy,
    /// The common interview level.
    Medium,
    /// Design trade-offs and subtle failure modes.
    Hard,
}

impl Difficulty {
    /// All difficulties, easiest first.
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    /// The lowercase name used in files, the database and commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
}

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Difficulty {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "easy" => Ok(Difficulty::Easy),
            "medium" => Ok(Difficulty::Medium),
            "hard" => Ok(Difficulty::Hard),
            _ => Err(format!(
                "{} is not a difficulty; use easy, medium or hard",
                quote_input(s)
            )),
        }
    }
}

/// Checks a slug: lowercase ASCII letters, digits and `-`, not starting or ending with `-`.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The stable identifier of a question, e.g. `db-acid-basics`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuestionSlug(String);

impl QuestionSlug {
    /// Parses an id: 3–64 characters of `a-z`, `0-9` and `-`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if !(3..=64).contains(&s.len()) || !is_slug(s) {
            return Err(format!(
                "{} is not a valid id: use 3 to 64 characters of a-z, 0-9 and -",
                quote_input(s)
            ));
        }
        Ok(QuestionSlug(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QuestionSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A category slug such as `databases`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Category(String);

impl Category {
    /// Parses a category: 1–40 characters of `a-z`, `0-9` and `-`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() > 40 || !is_slug(s) {
            return Err(format!(
                "{} is not a valid category: use up to 40 characters of a-z, 0-9 and -",
                quote_input(s)
            ));
        }
        Ok(Category(s.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A human title: known categories get their proper name, others are title-cased.
    pub fn title(&self) -> String {
        let known = match self.0.as_str() {
            "backend" => Some("Backend & APIs"),
            "databases" => Some("Databases"),
            "caching" => Some("Caching"),
            "distributed-systems" => Some("Distributed systems"),
            "system-design" => Some("System design"),
            "concurrency" => Some("Concurrency"),
            "networking" => Some("Networking & protocols"),
            "security" => Some("Security"),
            "algorithms" => Some("Algorithms & data structures"),
            "operating-systems" => Some("Operating systems"),
            "cloud-devops" => Some("Cloud & DevOps"),
            "behavioral" => Some("Behavioral"),
            _ => None,
        };
        match known {
            Some(t) => t.to_owned(),
            None => {
                let mut out = self.0.replace('-', " ");
                if let Some(first) = out.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                out
            }
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks that a tag is a lowercase slug.
pub fn is_valid_tag(tag: &str) -> bool {
    tag.len() <= 40 && is_slug(tag)
}

/// A question with its reference answer, as the bank defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable id, unique within its scope (the shipped bank or one guild).
    pub slug: QuestionSlug,
    /// The question's category.
    pub category: Category,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// Lowercase tags.
    pub tags: Vec<String>,
    /// The question as members see it (Discord Markdown).
    pub prompt: String,
    /// The reference answer revealed at the deadline (Discord Markdown).
    pub answer: String,
    /// Optional nudges.
    pub hints: Vec<String>,
    /// Questions to discuss after the reveal.
    pub follow_ups: Vec<String>,
    /// References for further reading.
    pub sources: Vec<String>,
}

/// Longest prompt that fits the question embed next to its other fields.
pub const MAX_PROMPT_CHARS: usize = 1_000;
/// Longest reference answer: one embed description (Discord allows 4,096). The whole reveal,
/// with follow-ups and sources, must also fit a message ([`super::limits::size_problems`]).
pub const MAX_ANSWER_CHARS: usize = 4_000;
/// Longest hint.
pub const MAX_HINT_CHARS: usize = 200;
/// Longest follow-up or source line.
pub const MAX_LINE_CHARS: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difficulty_parses_its_three_names_and_rejects_others() {
        assert_eq!("Easy".parse::<Difficulty>(), Ok(Difficulty::Easy));
        assert_eq!("hard".parse::<Difficulty>(), Ok(Difficulty::Hard));
        assert!("extreme".parse::<Difficulty>().is_err());
    }

    #[test]
    fn question_ids_are_lowercase_slugs_of_3_to_64_chars() {
        assert!(QuestionSlug::parse("db-acid-basics").is_ok());
        assert!(QuestionSlug::parse("ab").is_err());
        assert!(QuestionSlug::parse("Has-Upper").is_err());
        assert!(QuestionSlug::parse("-leading").is_err());
        assert!(QuestionSlug::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn categories_have_readable_titles() {
        assert_eq!(Category::parse("cloud-devops").unwrap().title(), "Cloud & DevOps");
        assert_eq!(Category::parse("game-dev").unwrap().title(), "Game dev");
    }
}
