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
            "architecture" => Some("Architecture"),
            "testing" => Some("Testing"),
            "data-systems" => Some("Data systems"),
            "observability" => Some("Observability"),
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
    /// The question this one goes deeper into (a series): rotation asks it only a few rounds
    /// after that one, never before.
    pub follows: Option<QuestionSlug>,
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

/// One problem with one field of a question: the field as named in question files and forms,
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field (`prompt`, `category`, …).
    pub field: &'static str,
    /// What is wrong: either a sentence, or a predicate of the field ("is empty").
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let predicate = ["is ", "has ", "holds ", "needs ", "must "]
            .iter()
            .any(|p| self.message.starts_with(p));
        if predicate {
            write!(f, "`{}` {}", self.field, self.message)
        } else {
            write!(f, "`{}`: {}", self.field, self.message)
        }
    }
}

/// Checks a text field (trimmed): not empty, at most `max` characters. The same rule and
/// sentences for question files and forms.
pub fn check_text(s: &str, max: usize) -> Result<String, String> {
    let s = s.trim();
    let chars = s.chars().count();
    if chars == 0 {
        return Err("is empty".to_owned());
    }
    if chars > max {
        return Err(format!(
            "is {chars} characters long; the limit is {max} so it fits a Discord embed"
        ));
    }
    Ok(s.to_owned())
}

/// The sentence for a list with too many entries.
pub fn too_many_entries(n: usize, max: usize) -> String {
    format!("has {n} entries; at most {max} are allowed")
}

/// The sentence for a list with an empty entry.
pub const EMPTY_ENTRY: &str = "holds an empty entry";

/// The sentence for a list entry over `max` characters.
pub fn entry_too_long(max: usize) -> String {
    format!("has an entry over {max} characters")
}

/// Checks a list field: at most `max_items` entries, none empty, none over `max_chars`.
pub fn check_list(items: &[String], max_items: usize, max_chars: usize) -> Result<Vec<String>, String> {
    if items.len() > max_items {
        return Err(too_many_entries(items.len(), max_items));
    }
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()) {
        if item.is_empty() {
            return Err(EMPTY_ENTRY.to_owned());
        }
        if item.chars().count() > max_chars {
            return Err(entry_too_long(max_chars));
        }
        out.push(item.to_owned());
    }
    Ok(out)
}

/// Checks tags: 1 to 10, each a lowercase slug.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let tags = check_list(tags, 10, 40)?;
    if tags.is_empty() {
        return Err("needs at least one tag".to_owned());
    }
    match tags.iter().find(|t| !is_valid_tag(t)) {
        Some(bad) => Err(format!(
            "{} is not a tag: use lowercase a-z, 0-9 and -",
            quote_input(bad)
        )),
        None => Ok(tags),
    }
}

/// A question as an editor typed it (a form, a CSV row): every field as text, lists already
/// split. [`QuestionDraft::check`] applies the question files' rules, with the same sentences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionDraft {
    /// Its id.
    pub id: String,
    /// Its category slug.
    pub category: String,
    /// easy, medium or hard.
    pub difficulty: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The question.
    pub prompt: String,
    /// The reference answer.
    pub answer: String,
    /// Hints.
    pub hints: Vec<String>,
    /// Follow-up questions.
    pub follow_ups: Vec<String>,
    /// Sources.
    pub sources: Vec<String>,
    /// The id of the question this one follows in a series (empty: none).
    pub follows: String,
}

impl QuestionDraft {
    /// The draft of an existing question (to edit it).
    pub fn of(q: &Question) -> QuestionDraft {
        QuestionDraft {
            id: q.slug.to_string(),
            category: q.category.to_string(),
            difficulty: q.difficulty.to_string(),
            tags: q.tags.clone(),
            prompt: q.prompt.clone(),
            answer: q.answer.clone(),
            hints: q.hints.clone(),
            follow_ups: q.follow_ups.clone(),
            sources: q.sources.clone(),
            follows: q.follows.as_ref().map(|f| f.to_string()).unwrap_or_default(),
        }
    }

    /// The question, or every problem of every field (and of the messages it would become).
    pub fn check(&self) -> Result<Question, Vec<FieldProblem>> {
        fn keep<T>(problems: &mut Vec<FieldProblem>, field: &'static str, r: Result<T, String>) -> Option<T> {
            r.map_err(|message| problems.push(FieldProblem { field, message }))
                .ok()
        }
        let mut problems = Vec::new();
        let p = &mut problems;
        let slug = keep(p, "id", QuestionSlug::parse(self.id.trim()));
        let category = keep(p, "category", Category::parse(self.category.trim()));
        let difficulty = keep(p, "difficulty", self.difficulty.parse::<Difficulty>());
        let tags = keep(p, "tags", check_tags(&self.tags));
        let prompt = keep(p, "prompt", check_text(&self.prompt, MAX_PROMPT_CHARS));
        let answer = keep(p, "answer", check_text(&self.answer, MAX_ANSWER_CHARS));
        let hints = keep(p, "hints", check_list(&self.hints, 5, MAX_HINT_CHARS));
        let follow_ups = keep(p, "follow_ups", check_list(&self.follow_ups, 5, MAX_LINE_CHARS));
        let sources = keep(p, "sources", check_list(&self.sources, 10, MAX_LINE_CHARS));
        let follows = keep(p, "follows", check_follows(&self.follows, self.id.trim()));
        let question = (|| {
            Some(Question {
                slug: slug?,
                category: category?,
                difficulty: difficulty?,
                tags: tags?,
                prompt: prompt?,
                answer: answer?,
                hints: hints?,
                follow_ups: follow_ups?,
                sources: sources?,
                follows: follows?,
            })
        })();
        match question {
            Some(q) => {
                let size = super::limits::size_problems(&q);
                if size.is_empty() {
                    return Ok(q);
                }
                Err(size
                    .into_iter()
                    .map(|p| FieldProblem {
                        field: p.field,
                        message: p.message,
                    })
                    .collect())
            }
            None => Err(problems),
        }
    }
}

/// Checks a `follows` field: empty (no series), or the id of another question.
pub fn check_follows(follows: &str, id: &str) -> Result<Option<QuestionSlug>, String> {
    let follows = follows.trim();
    if follows.is_empty() {
        return Ok(None);
    }
    let slug = QuestionSlug::parse(follows)?;
    if slug.as_str() == id {
        return Err("names the question itself; a question follows another one".to_owned());
    }
    Ok(Some(slug))
}

/// Splits a comma-separated field ("a, b,c") into trimmed entries (none for a blank field).
pub fn split_commas(s: &str) -> Vec<String> {
    if s.trim().is_empty() {
        return Vec::new();
    }
    s.split(',').map(|t| t.trim().to_owned()).collect()
}

/// A prompt reduced to its words: lowercase letters and digits, single spaces.
pub fn normalized_prompt(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// How alike two prompts are, from 0 (no word in common) to 1 (the same words): the Jaccard
/// index of their sets of words.
pub fn prompt_similarity(a: &str, b: &str) -> f64 {
    let words = |s: &str| {
        normalized_prompt(s)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect::<std::collections::BTreeSet<String>>()
    };
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// Words that say nothing about a question's topic, left out of [`near_duplicates`].
const STOPWORDS: &[&str] = &[
    "a", "about", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "being", "between",
    "but", "by", "can", "could", "describe", "design", "did", "do", "does", "each", "else", "example",
    "examples", "explain", "for", "from", "give", "how", "i", "if", "in", "into", "is", "it", "its", "may",
    "me", "might", "more", "most", "must", "my", "no", "not", "of", "on", "one", "or", "other", "our",
    "shall", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "two", "versus", "vs", "walk", "was", "we", "were",
    "what", "when", "where", "which", "who", "whom", "why", "will", "with", "without", "would", "yes", "you",
    "your",
];

/// A question's topic words: its prompt's words (lowercase, without stop words, a plural `s`
/// dropped) and its tags, counted twice.
fn topic_words(prompt: &str, tags: &[String]) -> Vec<String> {
    let mut words: Vec<String> = normalized_prompt(prompt)
        .split(' ')
        .filter(|w| w.chars().count() > 1 && !STOPWORDS.contains(w))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.chars().count() > 2 => stem.to_owned(),
            _ => w.to_owned(),
        })
        .collect();
    for tag in tags {
        words.push(format!("tag:{tag}"));
        words.push(format!("tag:{tag}"));
    }
    words
}

/// From this score on, [`near_duplicates`] reports two questions.
pub const NEAR_DUPLICATE: f64 = 0.5;

/// Pairs of questions (by index) that likely ask the same thing, with their score: the cosine
/// of their TF-IDF vectors of topic words (prompt words and tags), weighted across `questions`
/// so that words every question uses count for little. Pairs at [`NEAR_DUPLICATE`] or above,
/// highest first.
pub fn near_duplicates(questions: &[(&str, &[String])]) -> Vec<(usize, usize, f64)> {
    use std::collections::HashMap;
    let docs: Vec<Vec<String>> = questions.iter().map(|(p, t)| topic_words(p, t)).collect();
    let mut df: HashMap<&str, f64> = HashMap::new();
    for d in &docs {
        let unique: std::collections::BTreeSet<&str> = d.iter().map(String::as_str).collect();
        for w in unique {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let n = docs.len() as f64;
    let vectors: Vec<HashMap<&str, f64>> = docs
        .iter()
        .map(|d| {
            let mut v: HashMap<&str, f64> = HashMap::new();
            for w in d {
                *v.entry(w.as_str()).or_default() += 1.0;
            }
            for (w, x) in v.iter_mut() {
                *x *= (n / df[w]).ln();
            }
            v
        })
        .collect();
    let norms: Vec<f64> = vectors
        .iter()
        .map(|v| v.values().map(|x| x * x).sum::<f64>().sqrt())
        .collect();
    let mut out = Vec::new();
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            if norms[i] == 0.0 || norms[j] == 0.0 {
                continue;
            }
            let dot: f64 = vectors[i]
                .iter()
                .filter_map(|(w, x)| vectors[j].get(w).map(|y| x * y))
                .sum();
            let score = dot / (norms[i] * norms[j]);
            if score >= NEAR_DUPLICATE {
                out.push((i, j, score));
            }
        }
    }
    out.sort_by(|a, b| b.2.total_cmp(&a.2));
    out
}

/// From this similarity on, two prompts are likely the same question.
pub const LIKELY_DUPLICATE: f64 = 0.8;

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

    fn draft() -> QuestionDraft {
        QuestionDraft {
            id: "own-1".into(),
            category: "onboarding".into(),
            difficulty: "Medium".into(),
            tags: vec!["stack".into()],
            prompt: "  How do we deploy?  ".into(),
            answer: "With the pipeline.".into(),
            ..QuestionDraft::default()
        }
    }

    #[test]
    fn a_draft_becomes_a_question_or_names_every_bad_field() {
        let q = draft().check().unwrap();
        assert_eq!(q.prompt, "How do we deploy?");
        assert_eq!(q.difficulty, Difficulty::Medium);
        assert_eq!(QuestionDraft::of(&q).check(), Ok(q));
        let bad = QuestionDraft {
            category: "Not A Slug".into(),
            difficulty: "extreme".into(),
            tags: vec![],
            prompt: "x".repeat(MAX_PROMPT_CHARS + 1),
            answer: " ".into(),
            ..draft()
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["category", "difficulty", "tags", "prompt", "answer"]);
        assert_eq!(bad[4].to_string(), "`answer` is empty");
        assert!(bad[0].to_string().starts_with("`category`: "), "{}", bad[0]);
        assert_eq!(bad[2].to_string(), "`tags` needs at least one tag");
    }

    #[test]
    fn similar_prompts_are_told_apart_from_different_ones() {
        assert_eq!(normalized_prompt("What is  ACID?"), "what is acid");
        assert_eq!(prompt_similarity("What is ACID?", "what is acid"), 1.0);
        assert!(
            prompt_similarity("What does ACID stand for?", "What does ACID stand for, really?")
                >= LIKELY_DUPLICATE
        );
        assert!(prompt_similarity("What is ACID?", "How does a B-tree split a page?") < 0.2);
        assert_eq!(split_commas(" a, b ,c"), vec!["a", "b", "c"]);
        assert!(split_commas("  ").is_empty());
    }

    #[test]
    fn near_duplicates_are_the_questions_sharing_rare_topic_words() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b, c, d) = (
            tags(&["sessions", "tokens"]),
            tags(&["sessions", "tokens"]),
            tags(&["b-tree"]),
            tags(&["tcp"]),
        );
        let qs: Vec<(&str, &[String])> = vec![
            (
                "When would you use server-side sessions instead of signed tokens?",
                &a,
            ),
            (
                "Server-side sessions or signed tokens: which would you use, and when?",
                &b,
            ),
            ("How does a B-tree split a page?", &c),
            ("How does TCP's handshake work?", &d),
        ];
        let pairs = near_duplicates(&qs);
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!((pairs[0].0, pairs[0].1), (0, 1));
        assert!(pairs[0].2 >= NEAR_DUPLICATE);
    }

    #[test]
    fn categories_have_readable_titles() {
        assert_eq!(Category::parse("cloud-devops").unwrap().title(), "Cloud & DevOps");
        assert_eq!(Category::parse("game-dev").unwrap().title(), "Game dev");
    }
}
