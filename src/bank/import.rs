//! A server's question files: CSV next to the TOML format, the checks an import passes before
//! anything is written, and the TOML export (the shipped format, so `dailyq questions check`
//! reads it back).
//!
//! CSV: a header row naming the columns (any order) `id, category, difficulty, tags, prompt,
//! answer`, and optionally `hints, follow_ups, sources, follows`; one question per row. A list cell holds
//! one entry per line (a line break inside a quoted cell); `tags` may also be comma-separated.

use super::{BankError, BankQuestion, content_hash, parse_file};
use crate::domain::question::{
    Category, Difficulty, Question, QuestionDraft, QuestionSlug, normalized_prompt,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The most questions one import may hold.
pub const MAX_IMPORT_QUESTIONS: usize = 500;
/// The largest file an import reads, in bytes.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

/// The columns a CSV file may have, the first six required.
pub const CSV_COLUMNS: [&str; 10] = [
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
];

/// The formats an import reads, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// The shipped bank's TOML format.
    Toml,
    /// CSV with a header row.
    Csv,
}

impl FileFormat {
    /// The format of a file name (`.toml` or `.csv`, any case), if it is one.
    pub fn of(name: &str) -> Option<FileFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".toml") {
            Some(FileFormat::Toml)
        } else if lower.ends_with(".csv") {
            Some(FileFormat::Csv)
        } else {
            None
        }
    }
}

/// Reads a question file of either format; every problem has its line and field.
pub fn parse_any(file: &Path, format: FileFormat, text: &str) -> (Vec<BankQuestion>, Vec<BankError>) {
    match format {
        FileFormat::Toml => parse_file(file, text),
        FileFormat::Csv => parse_csv(file, text),
    }
}

fn list_cell(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads a CSV question file (see the module's documentation).
pub fn parse_csv(file: &Path, text: &str) -> (Vec<BankQuestion>, Vec<BankError>) {
    let err = |line: usize, field: &str, message: String| BankError {
        file: file.to_path_buf(),
        line,
        field: field.to_owned(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return (Vec::new(), vec![err(1, "-", format!("not a CSV file: {e}"))]),
    };
    let mut columns: HashMap<&str, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let name = name.trim();
        match CSV_COLUMNS.iter().find(|c| **c == name) {
            Some(c) => {
                columns.insert(c, i);
            }
            None => errors.push(err(
                1,
                &super::field_name(name),
                format!(
                    "unknown column {}; the columns are {}",
                    crate::domain::text::quote_input(name),
                    CSV_COLUMNS.join(", ")
                ),
            )),
        }
    }
    for required in &CSV_COLUMNS[..6] {
        if !columns.contains_key(required) {
            errors.push(err(
                1,
                required,
                format!("is missing from the header row; every file needs `{required}`"),
            ));
        }
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let mut questions = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(err(line, "-", format!("CSV error: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell = |name: &str| columns.get(name).and_then(|i| record.get(*i)).unwrap_or("");
        let tags = {
            let raw = cell("tags");
            if raw.contains('\n') {
                list_cell(raw)
            } else {
                crate::domain::question::split_commas(raw)
            }
        };
        let draft = QuestionDraft {
            id: cell("id").to_owned(),
            category: cell("category").to_owned(),
            difficulty: cell("difficulty").to_owned(),
            tags,
            prompt: cell("prompt").to_owned(),
            answer: cell("answer").to_owned(),
            hints: list_cell(cell("hints")),
            follow_ups: list_cell(cell("follow_ups")),
            sources: list_cell(cell("sources")),
            follows: cell("follows").to_owned(),
        };
        match draft.check() {
            Ok(question) => {
                let content_hash = content_hash(&question);
                questions.push(BankQuestion {
                    question,
                    file: file.to_path_buf(),
                    line,
                    content_hash,
                    distinct_from: Vec::new(),
                });
            }
            Err(problems) => {
                for p in problems {
                    errors.push(err(line, p.field, p.message));
                }
            }
        }
    }
    if questions.is_empty() && errors.is_empty() {
        errors.push(err(1, "-", "the file has no questions".to_owned()));
    }
    (questions, errors)
}

/// What an import would do, once every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    /// Questions with ids the server does not have yet.
    pub added: Vec<Question>,
    /// Questions replacing the server's questions of the same id.
    pub updated: Vec<Question>,
    /// How many questions of each category and difficulty the file holds.
    pub counts: BTreeMap<(Category, Difficulty), usize>,
}

/// Checks a parsed file against the server: at most [`MAX_IMPORT_QUESTIONS`], no id twice, no
/// id of the shipped bank, no prompt twice (in the file, or equal to another of the server's
/// questions). `own` is the server's questions (id and prompt, retired ones too: an import
/// brings a retired id back), `shipped` the shipped bank's ids. All or nothing: every problem
/// is listed.
pub fn plan_import(
    questions: Vec<BankQuestion>,
    own: &[(QuestionSlug, String)],
    shipped: &HashSet<String>,
) -> Result<ImportPlan, Vec<BankError>> {
    let mut errors = Vec::new();
    let err = |q: &BankQuestion, field: &str, message: String| BankError {
        file: q.file.clone(),
        line: q.line,
        field: field.to_owned(),
        message,
    };
    if let Some(first) = questions.first()
        && questions.len() > MAX_IMPORT_QUESTIONS
    {
        errors.push(BankError {
            file: first.file.clone(),
            line: 0,
            field: "-".into(),
            message: format!(
                "the file holds {} questions; an import takes at most {MAX_IMPORT_QUESTIONS}",
                questions.len()
            ),
        });
    }
    let existing: HashMap<&str, &str> = own.iter().map(|(s, p)| (s.as_str(), p.as_str())).collect();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut prompts: HashMap<String, (String, usize)> = HashMap::new();
    for (slug, prompt) in own {
        prompts.insert(normalized_prompt(prompt), (slug.to_string(), 0));
    }
    let mut plan = ImportPlan {
        added: Vec::new(),
        updated: Vec::new(),
        counts: BTreeMap::new(),
    };
    let known: HashSet<&str> = questions
        .iter()
        .map(|q| q.question.slug.as_str())
        .chain(own.iter().map(|(s, _)| s.as_str()))
        .chain(shipped.iter().map(String::as_str))
        .collect();
    for q in &questions {
        if let Some(base) = &q.question.follows
            && !known.contains(base.as_str())
        {
            errors.push(err(
                q,
                "follows",
                format!("`{base}` is neither in the file nor one of this server's or the shipped questions"),
            ));
        }
    }
    for q in &questions {
        let id = q.question.slug.as_str();
        if shipped.contains(id) {
            errors.push(err(
                q,
                "id",
                format!("`{id}` is the id of a shipped question; give this server's question another id"),
            ));
        }
        if let Some(first) = ids.insert(id.to_owned(), q.line) {
            errors.push(err(
                q,
                "id",
                format!("`{id}` is used twice in the file (first on line {first})"),
            ));
        }
        let normalized = normalized_prompt(&q.question.prompt);
        match prompts.get(&normalized) {
            Some((other, _)) if other != id => {
                let line = prompts[&normalized].1;
                let place = if line == 0 {
                    format!("this server's **{other}**")
                } else {
                    format!("`{other}` on line {line}")
                };
                errors.push(err(q, "prompt", format!("is the same as {place}'s")));
            }
            _ => {
                prompts.insert(normalized, (id.to_owned(), q.line));
            }
        }
        *plan
            .counts
            .entry((q.question.category.clone(), q.question.difficulty))
            .or_default() += 1;
        if existing.contains_key(id) {
            plan.updated.push(q.question.clone());
        } else {
            plan.added.push(q.question.clone());
        }
    }
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

#[derive(serde::Serialize)]
struct ExportFile<'a> {
    question: Vec<ExportQuestion<'a>>,
}

#[derive(serde::Serialize)]
struct ExportQuestion<'a> {
    id: &'a str,
    category: &'a str,
    difficulty: &'a str,
    tags: &'a [String],
    prompt: &'a str,
    answer: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    hints: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    follow_ups: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    sources: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    follows: Option<&'a str>,
}

/// The questions as a file in the shipped TOML format.
pub fn to_toml(questions: &[Question]) -> String {
    let file = ExportFile {
        question: questions
            .iter()
            .map(|q| ExportQuestion {
                id: q.slug.as_str(),
                category: q.category.as_str(),
                difficulty: q.difficulty.as_str(),
                tags: &q.tags,
                prompt: &q.prompt,
                answer: &q.answer,
                hints: &q.hints,
                follow_ups: &q.follow_ups,
                sources: &q.sources,
                follows: q.follows.as_ref().map(QuestionSlug::as_str),
            })
            .collect(),
    };
    toml::to_string_pretty(&file).expect("questions always serialize to TOML")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "id,category,difficulty,tags,prompt,answer,hints\n\
        on-deploy,onboarding,easy,\"deploys, ci\",How do we deploy?,Through the pipeline.,\"Think CI\nThink flags\"\n\
        on-oncall,onboarding,Hard,oncall,Who is on call?,The rota says.,\n";

    #[test]
    fn a_csv_file_reads_every_column_and_list() {
        let (qs, errors) = parse_csv(Path::new("x.csv"), CSV);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].question.tags, vec!["deploys", "ci"]);
        assert_eq!(qs[0].question.hints, vec!["Think CI", "Think flags"]);
        assert_eq!(qs[1].question.difficulty, Difficulty::Hard);
        assert_eq!(qs[1].line, 4, "the row's own line (the quoted cell spans two)");
    }

    #[test]
    fn a_bad_csv_names_line_and_field_and_an_unknown_or_missing_column() {
        let (qs, errors) = parse_csv(
            Path::new("x.csv"),
            "id,category,difficulty,tags,prompt,answer\nok-one,onboarding,tough,x,P?,A.\n",
        );
        assert!(qs.is_empty());
        assert_eq!((errors[0].line, errors[0].field.as_str()), (2, "difficulty"));
        let (_, errors) = parse_csv(Path::new("x.csv"), "id,category,colour\n");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"colour") && fields.contains(&"difficulty"),
            "{fields:?}"
        );
    }

    #[test]
    fn an_import_refuses_shipped_ids_repeated_ids_and_repeated_prompts() {
        let (qs, _) = parse_csv(Path::new("x.csv"), CSV);
        let own = vec![(QuestionSlug::parse("on-oncall").unwrap(), "Old prompt".to_owned())];
        let plan = plan_import(qs.clone(), &own, &HashSet::new()).unwrap();
        assert_eq!((plan.added.len(), plan.updated.len()), (1, 1));
        let total: usize = plan.counts.values().sum();
        assert_eq!(total, 2);

        let shipped: HashSet<String> = ["on-deploy".to_owned()].into();
        let errors = plan_import(qs.clone(), &[], &shipped).unwrap_err();
        assert_eq!(errors[0].field, "id");
        let mut twice = qs.clone();
        twice.push(BankQuestion {
            line: 9,
            ..qs[0].clone()
        });
        let errors = plan_import(twice, &[], &HashSet::new()).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.line == 9 && e.message.contains("used twice")),
            "{errors:?}"
        );
        let same = vec![(
            QuestionSlug::parse("own-1").unwrap(),
            "how do we DEPLOY".to_owned(),
        )];
        let errors = plan_import(qs, &same, &HashSet::new()).unwrap_err();
        assert!(errors[0].message.contains("own-1"), "{errors:?}");
    }

    #[test]
    fn a_series_names_a_known_question_and_survives_an_export() {
        let csv = "id,category,difficulty,tags,prompt,answer,follows\n\
            on-base,onboarding,easy,x,What is a deploy?,A release.,\n\
            on-deep,onboarding,hard,x,How is one rolled back?,With the runbook.,on-base\n\
            on-lost,onboarding,hard,x,And then?,Then more.,nowhere\n\
            on-self,onboarding,hard,x,Itself?,No.,on-self\n";
        let (qs, errors) = parse_csv(Path::new("x.csv"), csv);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].field.as_str()), (5, "follows"));
        let plan_errors = plan_import(qs.clone(), &[], &HashSet::new()).unwrap_err();
        assert_eq!(plan_errors.len(), 1);
        assert!(plan_errors[0].message.contains("nowhere") && plan_errors[0].line == 4);
        let ok: Vec<BankQuestion> = qs.into_iter().take(2).collect();
        let plan = plan_import(ok.clone(), &[], &HashSet::new()).unwrap();
        assert_eq!(
            plan.added[1].follows.as_ref().map(|f| f.as_str()),
            Some("on-base")
        );
        let text = to_toml(&plan.added);
        let (back, errors) = parse_file(Path::new("x.toml"), &text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back[1].question.follows, plan.added[1].follows);
    }

    #[test]
    fn an_export_reads_back_as_the_same_questions() {
        let (qs, _) = parse_csv(Path::new("x.csv"), CSV);
        let questions: Vec<Question> = qs.into_iter().map(|q| q.question).collect();
        let text = to_toml(&questions);
        let (back, errors) = parse_file(Path::new("x.toml"), &text);
        assert!(errors.is_empty(), "{errors:?}\n{text}");
        let back: Vec<Question> = back.into_iter().map(|q| q.question).collect();
        assert_eq!(back, questions);
    }
}
