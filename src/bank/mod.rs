//! The question bank: TOML files in `questions/` (format in `questions/README.md`).
//!
//! The loader reads every file, checks every question, and reports *all* problems with file,
//! line and field, so an author fixes a whole file in one pass. Besides each field's own rules,
//! a question must fit Discord once rendered: its post and its reveal are sized by
//! [`crate::domain::limits`] for the worst round, and a message that could break a Discord limit
//! is reported on the field to shorten.

pub mod import;

use crate::domain::limits;
use crate::domain::question::{
    Category, Difficulty, EMPTY_ENTRY, MAX_ANSWER_CHARS, MAX_HINT_CHARS, MAX_LINE_CHARS, MAX_PROMPT_CHARS,
    Question, QuestionSlug, check_text, entry_too_long, is_valid_tag, too_many_entries,
};
use crate::domain::text::{quote_input, shorten};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One problem in a question file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the problem is the file itself, e.g. unreadable).
    pub line: usize,
    /// The field at fault (`id`, `prompt`, …), or `-` for the file's syntax.
    pub field: String,
    /// What is wrong, as a sentence.
    pub message: String,
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.field,
            self.message
        )
    }
}

/// All problems found in a bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BankErrors(pub Vec<BankError>);

impl fmt::Display for BankErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the question bank has {} problem(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// A question as loaded from a file, with where it came from and a hash of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankQuestion {
    /// The question.
    pub question: Question,
    /// File it was read from.
    pub file: PathBuf,
    /// Line of its `[[question]]` header.
    pub line: usize,
    /// SHA-256 of every field, hex: the sync updates a question only when this changes.
    pub content_hash: String,
    /// Ids this question is known not to duplicate (silences their near-duplicate warning).
    pub distinct_from: Vec<QuestionSlug>,
}

/// Two questions of a bank that likely ask the same thing (a warning, not an error).
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicate {
    /// One of them.
    pub first: QuestionSlug,
    /// Where it is.
    pub first_at: String,
    /// The other.
    pub second: QuestionSlug,
    /// Where it is.
    pub second_at: String,
    /// How alike they are (see [`crate::domain::question::near_duplicates`]).
    pub score: f64,
}

impl fmt::Display for NearDuplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "warning: `{}` ({}) and `{}` ({}) look like the same question (similarity {:.2}): retire one, \
             link them as a series with `follows`, or add the other's id to `distinct_from`",
            self.first, self.first_at, self.second, self.second_at, self.score
        )
    }
}

/// The likely duplicates of a bank, except pairs linked as a series (`follows`) or declared
/// distinct (`distinct_from`, on either side).
pub fn near_duplicate_warnings(bank: &[BankQuestion]) -> Vec<NearDuplicate> {
    let items: Vec<(&str, &[String])> = bank
        .iter()
        .map(|q| (q.question.prompt.as_str(), q.question.tags.as_slice()))
        .collect();
    let linked = |a: &BankQuestion, b: &BankQuestion| {
        a.question.follows.as_ref() == Some(&b.question.slug) || a.distinct_from.contains(&b.question.slug)
    };
    crate::domain::question::near_duplicates(&items)
        .into_iter()
        .filter(|(i, j, _)| !linked(&bank[*i], &bank[*j]) && !linked(&bank[*j], &bank[*i]))
        .map(|(i, j, score)| NearDuplicate {
            first: bank[i].question.slug.clone(),
            first_at: format!("{}:{}", bank[i].file.display(), bank[i].line),
            second: bank[j].question.slug.clone(),
            second_at: format!("{}:{}", bank[j].file.display(), bank[j].line),
            score,
        })
        .collect()
}

/// The longest message a TOML syntax error keeps (the parser's own wording, normally short).
const MAX_MESSAGE_CHARS: usize = 200;
/// The longest field name an error carries (an unknown key is quoted shortened).
const MAX_FIELD_CHARS: usize = 40;

/// A key as the `field` of an error: shortened, on one line.
fn field_name(key: &str) -> String {
    let one_line: String = key
        .chars()
        .take(MAX_FIELD_CHARS + 1)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.trim().is_empty() {
        return "\"\"".to_owned();
    }
    shorten(&one_line, MAX_FIELD_CHARS)
}

const FIELDS: [&str; 11] = [
    "id",
    "category",
    "difficulty",
    "tags",
    "prompt",
    "answer",
    "hints",
    "follow_ups",
    "sources",
    "follows",
    "distinct_from",
];

/// Loads every `*.toml` file below `dir`, sorted by path. Errors if any file has any problem.
pub fn load_dir(dir: &Path) -> Result<Vec<BankQuestion>, BankErrors> {
    let mut files = Vec::new();
    collect_toml_files(dir, &mut files).map_err(|e| {
        BankErrors(vec![BankError {
            file: dir.to_path_buf(),
            line: 0,
            field: "-".into(),
            message: format!("cannot read the question folder: {e}"),
        }])
    })?;
    files.sort();
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => {
                let (qs, errs) = parse_file(file, &text);
                questions.extend(qs);
                errors.extend(errs);
            }
            Err(e) => errors.push(BankError {
                file: file.clone(),
                line: 0,
                field: "-".into(),
                message: format!("cannot read the file: {e}"),
            }),
        }
    }
    if files.is_empty() {
        errors.push(BankError {
            file: dir.to_path_buf(),
            line: 0,
            field: "-".into(),
            message: "holds no .toml question files".into(),
        });
    }
    let mut first_seen: HashMap<&str, &BankQuestion> = HashMap::new();
    for q in &questions {
        if let Some(prev) = first_seen.insert(q.question.slug.as_str(), q) {
            errors.push(BankError {
                file: q.file.clone(),
                line: q.line,
                field: "id".into(),
                message: format!(
                    "id `{}` is already used at {}:{}; ids must be unique across all files",
                    q.question.slug,
                    prev.file.display(),
                    prev.line
                ),
            });
            first_seen.insert(prev.question.slug.as_str(), prev);
        }
    }
    // A series names a question of the same bank.
    for q in &questions {
        if let Some(base) = &q.question.follows
            && !first_seen.contains_key(base.as_str())
        {
            errors.push(BankError {
                file: q.file.clone(),
                line: q.line,
                field: "follows".into(),
                message: format!("`{base}` is not an id of the bank; a series follows one of its questions"),
            });
        }
    }
    if errors.is_empty() {
        Ok(questions)
    } else {
        Err(BankErrors(errors))
    }
}

fn collect_toml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses one file's text; returns the valid questions and the problems found.
pub fn parse_file(file: &Path, text: &str) -> (Vec<BankQuestion>, Vec<BankError>) {
    let lines = LineIndex::new(text);
    let mut errors = Vec::new();
    let err = |line: usize, field: &str, message: String| BankError {
        file: file.to_path_buf(),
        line,
        field: field.to_owned(),
        message,
    };
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            errors.push(err(
                line,
                "-",
                format!(
                    "TOML syntax error: {}",
                    shorten(e.message().trim(), MAX_MESSAGE_CHARS)
                ),
            ));
        }
        return (Vec::new(), errors);
    }
    let mut tables = None;
    for (key, value) in root.get_ref().iter() {
        let line = lines.line(key.span().start);
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("question", DeValue::Array(items)) => tables = Some(items),
            ("question", _) => errors.push(err(
                line,
                "question",
                "must be written as [[question]] tables".into(),
            )),
            (other, _) => errors.push(err(
                line,
                &field_name(other),
                format!(
                    "unknown top-level key {}; questions go in [[question]] tables",
                    quote_input(other)
                ),
            )),
        }
    }
    let Some(items) = tables else {
        if errors.is_empty() {
            errors.push(err(1, "question", "the file has no [[question]] tables".into()));
        }
        return (Vec::new(), errors);
    };
    let mut questions = Vec::new();
    for item in items.iter() {
        let header_line = lines.line(item.span().start);
        match item.get_ref() {
            DeValue::Table(table) => {
                let mut reader = FieldReader {
                    table,
                    lines: &lines,
                    header_line,
                    errors: Vec::new(),
                };
                let q = reader.question();
                let distinct_from = reader.distinct_from();
                errors.extend(
                    reader
                        .errors
                        .into_iter()
                        .map(|(line, field, message)| err(line, &field, message)),
                );
                if let Some(question) = q {
                    let content_hash = content_hash(&question);
                    questions.push(BankQuestion {
                        question,
                        file: file.to_path_buf(),
                        line: header_line,
                        content_hash,
                        distinct_from,
                    });
                }
            }
            _ => errors.push(err(
                header_line,
                "question",
                "each question must be a table".into(),
            )),
        }
    }
    (questions, errors)
}

struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

struct FieldReader<'a, 'i> {
    table: &'a DeTable<'i>,
    lines: &'a LineIndex,
    header_line: usize,
    errors: Vec<(usize, String, String)>,
}

impl<'a, 'i> FieldReader<'a, 'i> {
    fn find(&self, name: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == name)
            .map(|(_, v)| v)
    }

    fn fail(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.errors.push((line, field.to_owned(), message.into()));
    }

    fn line_of(&self, v: &Spanned<DeValue<'i>>) -> usize {
        self.lines.line(v.span().start)
    }

    fn string(&mut self, name: &str, required: bool) -> Option<(String, usize)> {
        let Some(v) = self.find(name) else {
            if required {
                let line = self.header_line;
                self.fail(line, name, format!("is missing; every question needs `{name}`"));
            }
            return None;
        };
        let line = self.line_of(v);
        match v.get_ref().as_str() {
            Some(s) => Some((s.trim().to_owned(), line)),
            None => {
                self.fail(
                    line,
                    name,
                    format!("must be a string, not {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    fn text(&mut self, name: &str, max: usize) -> Option<String> {
        let (s, line) = self.string(name, true)?;
        check_text(&s, max).map_err(|m| self.fail(line, name, m)).ok()
    }

    fn list(
        &mut self,
        name: &str,
        required: bool,
        max_items: usize,
        max_chars: usize,
    ) -> Option<Vec<String>> {
        let Some(v) = self.find(name) else {
            if required {
                let line = self.header_line;
                self.fail(line, name, format!("is missing; every question needs `{name}`"));
                return None;
            }
            return Some(Vec::new());
        };
        let line = self.line_of(v);
        let Some(items) = v.get_ref().as_array() else {
            self.fail(
                line,
                name,
                format!("must be a list of strings, not {}", v.get_ref().type_str()),
            );
            return None;
        };
        if items.len() > max_items {
            self.fail(line, name, too_many_entries(items.len(), max_items));
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for item in items.iter() {
            let item_line = self.line_of(item);
            match item.get_ref().as_str().map(str::trim) {
                Some("") => {
                    self.fail(item_line, name, EMPTY_ENTRY);
                    ok = false;
                }
                Some(s) if s.chars().count() > max_chars => {
                    self.fail(item_line, name, entry_too_long(max_chars));
                    ok = false;
                }
                Some(s) => out.push(s.to_owned()),
                None => {
                    self.fail(
                        item_line,
                        name,
                        format!("must hold strings, not {}", item.get_ref().type_str()),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// The ids listed in `distinct_from` (bad ones are reported).
    fn distinct_from(&mut self) -> Vec<QuestionSlug> {
        let Some(list) = self.list("distinct_from", false, 20, 64) else {
            return Vec::new();
        };
        let line = self
            .find("distinct_from")
            .map(|v| self.line_of(v))
            .unwrap_or(self.header_line);
        let mut out = Vec::new();
        for id in list {
            match QuestionSlug::parse(&id) {
                Ok(slug) => out.push(slug),
                Err(m) => self.fail(line, "distinct_from", m),
            }
        }
        out
    }

    fn question(&mut self) -> Option<Question> {
        let unknown: Vec<(usize, String)> = self
            .table
            .iter()
            .filter(|(k, _)| !FIELDS.contains(&k.get_ref().as_ref()))
            .map(|(k, _)| (self.lines.line(k.span().start), k.get_ref().to_string()))
            .collect();
        for (line, key) in unknown {
            self.fail(
                line,
                &field_name(&key),
                format!(
                    "unknown field {}; allowed fields are {}",
                    quote_input(&key),
                    FIELDS.join(", ")
                ),
            );
        }
        let slug = self
            .string("id", true)
            .and_then(|(s, line)| QuestionSlug::parse(&s).map_err(|m| self.fail(line, "id", m)).ok());
        let category = self.string("category", true).and_then(|(s, line)| {
            Category::parse(&s)
                .map_err(|m| self.fail(line, "category", m))
                .ok()
        });
        let difficulty = self.string("difficulty", true).and_then(|(s, line)| {
            s.parse::<Difficulty>()
                .map_err(|m| self.fail(line, "difficulty", m))
                .ok()
        });
        let tags = self.list("tags", true, 10, 40);
        let tags = tags.and_then(|tags| {
            let line = self
                .find("tags")
                .map(|v| self.line_of(v))
                .unwrap_or(self.header_line);
            if tags.is_empty() {
                self.fail(line, "tags", "needs at least one tag");
                return None;
            }
            match tags.iter().find(|t| !is_valid_tag(t)) {
                Some(bad) => {
                    self.fail(
                        line,
                        "tags",
                        format!("{} is not a tag: use lowercase a-z, 0-9 and -", quote_input(bad)),
                    );
                    None
                }
                None => Some(tags),
            }
        });
        let prompt = self.text("prompt", MAX_PROMPT_CHARS);
        let answer = self.text("answer", MAX_ANSWER_CHARS);
        let hints = self.list("hints", false, 5, MAX_HINT_CHARS);
        let follow_ups = self.list("follow_ups", false, 5, MAX_LINE_CHARS);
        let sources = self.list("sources", false, 10, MAX_LINE_CHARS);
        let follows = match self.string("follows", false) {
            None => Some(None),
            Some((s, line)) => {
                let id = slug.as_ref().map_or(String::new(), |s| s.to_string());
                crate::domain::question::check_follows(&s, &id)
                    .map_err(|m| self.fail(line, "follows", m))
                    .ok()
            }
        };
        let question = Question {
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
        };
        // Each field fits on its own; now the messages it becomes must fit Discord too.
        let problems = limits::size_problems(&question);
        for p in &problems {
            let line = self
                .find(p.field)
                .map(|v| self.line_of(v))
                .unwrap_or(self.header_line);
            self.fail(line, p.field, p.message.clone());
        }
        problems.is_empty().then_some(question)
    }
}

/// A stable hash of everything a question says.
pub fn content_hash(q: &Question) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(q.slug.as_str());
    field(q.category.as_str());
    field(q.difficulty.as_str());
    field(&q.prompt);
    field(&q.answer);
    for list in [&q.tags, &q.hints, &q.follow_ups, &q.sources] {
        field(&list.len().to_string());
        for item in list {
            field(item);
        }
    }
    // Only a series adds to the hash, so questions without one keep their earlier hashes.
    if let Some(base) = &q.follows {
        field("follows");
        field(base.as_str());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[question]]
id = "db-acid"
category = "databases"
difficulty = "easy"
tags = ["acid"]
prompt = "What is ACID?"
answer = """
- **Atomicity**: all or nothing.
"""
follow_ups = ["Which isolation level is the default?"]

[[question]]
id = "db-index"
category = "databases"
difficulty = "medium"
tags = ["database-indexing"]
prompt = "When does an index hurt?"
answer = "When writes dominate."
"#;

    fn parse(text: &str) -> (Vec<BankQuestion>, Vec<BankError>) {
        parse_file(Path::new("bank.toml"), text)
    }

    #[test]
    fn a_valid_file_loads_every_question_with_its_line() {
        let (qs, errs) = parse(GOOD);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].question.slug.as_str(), "db-acid");
        assert_eq!(qs[0].question.answer, "- **Atomicity**: all or nothing.");
        assert_eq!(qs[0].line, 2);
        assert_eq!(qs[1].line, 13);
        assert_eq!(qs[1].question.difficulty, Difficulty::Medium);
    }

    #[test]
    fn every_problem_is_reported_with_file_line_and_field() {
        let text = r#"[[question]]
id = "Bad Id"
category = "databases"
difficulty = "extreme"
tags = ["ok"]
prompt = "fine"
answer = "fine"
colour = "blue"

[[question]]
id = "second"
category = "databases"
difficulty = "easy"
tags = ["ok"]
answer = "no prompt here"
"#;
        let (qs, errs) = parse(text);
        assert!(qs.is_empty());
        let found: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert!(found.contains(&(2, "id")), "{errs:?}");
        assert!(found.contains(&(4, "difficulty")), "{errs:?}");
        assert!(found.contains(&(8, "colour")), "{errs:?}");
        assert!(found.contains(&(10, "prompt")), "{errs:?}");
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].to_string().starts_with("bank.toml:"), "{}", errs[0]);
    }

    #[test]
    fn text_too_long_for_an_embed_is_refused() {
        let text = format!(
            "[[question]]\nid = \"long\"\ncategory = \"x\"\ndifficulty = \"easy\"\ntags = [\"t\"]\nprompt = \"{}\"\nanswer = \"{}\"\n",
            "p".repeat(1001),
            "a".repeat(4001)
        );
        let (_, errs) = parse(&text);
        let fields: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(fields, vec![(6, "prompt"), (7, "answer")]);
    }

    fn sized(answer: usize, follow_ups: &[usize], sources: &[usize]) -> String {
        let list = |lengths: &[usize], c: &str| {
            let items: Vec<String> = lengths.iter().map(|&n| format!("\"{}\"", c.repeat(n))).collect();
            format!("[{}]", items.join(", "))
        };
        format!(
            "[[question]]\nid = \"sized\"\ncategory = \"x\"\ndifficulty = \"easy\"\ntags = [\"t\"]\n\
             prompt = \"p\"\nanswer = \"{}\"\nfollow_ups = {}\nsources = {}\n",
            "a".repeat(answer),
            list(follow_ups, "f"),
            list(sources, "s")
        )
    }

    #[test]
    fn a_list_longer_than_one_embed_field_is_refused_on_its_line() {
        // Three entries of 300 characters fit a field (908); four do not (1211).
        let (qs, errs) = parse(&sized(100, &[300; 3], &[300; 3]));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(qs.len(), 1);
        let (qs, errs) = parse(&sized(100, &[300; 4], &[300; 4]));
        assert!(qs.is_empty());
        let found: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(found, vec![(8, "follow_ups"), (9, "sources")], "{errs:?}");
        assert!(
            errs[0].to_string().starts_with(
                "bank.toml:8: follow_ups: makes the reveal's \"Follow-ups to discuss\" field up to 1211 \
                 characters long; Discord allows 1024"
            ),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn an_answer_that_overflows_the_reveal_with_its_lists_is_refused_on_the_answer_line() {
        // A 4,000-character answer fits with 908 characters of follow-ups and 953 of sources
        // (with 139 of title, field names and footer: 6,000); 17 more characters of sources pass
        // Discord's 6,000 characters per message.
        let (_, errs) = parse(&sized(4_000, &[300; 3], &[300, 300, 300, 42]));
        assert!(errs.is_empty(), "{errs:?}");
        let (qs, errs) = parse(&sized(4_000, &[300; 3], &[300, 300, 300, 59]));
        assert!(qs.is_empty());
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].line, errs[0].field.as_str()), (7, "answer"));
        assert!(
            errs[0]
                .message
                .contains("Discord allows 6000: shorten it by 17 characters"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let (_, errs) = parse("[[question]]\nid = \"x\nprompt = 3\n");
        assert!(!errs.is_empty());
        assert_eq!(errs[0].field, "-");
        assert_eq!(errs[0].line, 2, "{errs:?}");
    }

    #[test]
    fn duplicate_ids_across_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), GOOD).unwrap();
        std::fs::write(dir.path().join("b.toml"), GOOD).unwrap();
        let errs = load_dir(dir.path()).unwrap_err().0;
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs.iter().all(|e| e.field == "id" && e.file.ends_with("b.toml")));
        assert!(errs[0].message.contains("a.toml"), "{}", errs[0].message);
    }

    #[test]
    fn the_content_hash_changes_with_any_field() {
        let (qs, _) = parse(GOOD);
        let mut changed = qs[0].question.clone();
        changed.follow_ups.push("another".into());
        assert_ne!(content_hash(&changed), qs[0].content_hash);
        assert_eq!(content_hash(&qs[0].question), qs[0].content_hash);
    }
}
