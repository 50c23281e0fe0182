//! Every parser of user input is total: on any string it returns a value or a short sentence,
//! and never panics or overflows. Command options come from Discord (up to 6,000 characters per
//! string option) and question files from authors, so neither is trusted.

use dailyq::bank::{BankError, parse_file};
use dailyq::domain::leaderboard::Period;
use dailyq::domain::question::{Category, Difficulty, QuestionSlug};
use dailyq::domain::round::RoundState;
use dailyq::domain::schedule::{AnswerWindow, LocalTime, Timezone, Weekdays};
use dailyq::domain::scoring::AwardKind;
use dailyq::domain::text::MAX_QUOTE_CHARS;
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::{Path, PathBuf};

/// An error a member reads must fit a reply many times over and stay one sentence.
const MAX_ERROR_CHARS: usize = 300;

fn assert_short_sentence(input: &str, err: &str) -> Result<(), TestCaseError> {
    let chars = err.chars().count();
    prop_assert!(!err.trim().is_empty(), "empty error for {input:?}");
    prop_assert!(
        chars < MAX_ERROR_CHARS,
        "{chars}-character error for a {}-character input: {err}",
        input.chars().count()
    );
    prop_assert!(!err.contains('\n'), "multi-line error: {err:?}");
    Ok(())
}

fn total<T>(input: &str, result: Result<T, String>) -> Result<Option<T>, TestCaseError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) => assert_short_sentence(input, &e).map(|_| None),
    }
}

/// What a member could type into a string option, biased towards what the parsers look at.
fn user_input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,200}",
        // The alphabet the schedule parsers care about.
        "[0-9dhmDHM:+\\-., ;e]{0,40}",
        // Huge numbers, with and without units.
        "[+\\-]?[0-9]{1,40}[dhm]?",
        "([0-9]{1,25}[dhm]){1,4}",
        "[0-9]{1,25}:[0-9]{1,25}",
        "((mon|tue|wed|thu|fri|sat|sun|daily|weekdays|funday|MONDAY)[ ,;]{0,2}){0,12}",
        // Near misses of valid values.
        prop::sample::select(vec![
            "09:30",
            "9:05",
            "23:59",
            "Europe/Berlin",
            "utc",
            "23h",
            "1h30m",
            "6d",
            "10m",
            "week",
            "all-time",
            "easy",
            "HARD",
            "databases",
            "db-acid",
            "open",
            "top_answer",
        ])
        .prop_flat_map(|s| (Just(s.to_owned()), any::<Index>(), "\\PC{0,3}"))
        .prop_map(|(s, at, noise)| {
            let cut = s
                .char_indices()
                .map(|(i, _)| i)
                .chain([s.len()])
                .nth(at.index(s.chars().count() + 1))
                .unwrap_or(s.len());
            format!("{}{noise}{}", &s[..cut], &s[cut..])
        }),
        // Discord's longest string option: 6,000 characters.
        (any::<char>(), 5_000..=6_000usize).prop_map(|(c, n)| c.to_string().repeat(n)),
        prop::collection::vec(any::<char>(), 5_900..=6_000).prop_map(|v| v.into_iter().collect()),
        "[0-9]{5000,6000}",
    ]
}

proptest! {
    #[test]
    fn local_time_parse_is_total_and_an_accepted_time_round_trips(s in user_input()) {
        if let Some(t) = total(&s, LocalTime::parse(&s))? {
            prop_assert_eq!(LocalTime::parse(&t.to_string()), Ok(t));
            prop_assert!(t.minutes_since_midnight() < 24 * 60);
        }
    }

    #[test]
    fn timezone_parse_and_search_are_total(s in user_input()) {
        if let Some(tz) = total(&s, Timezone::parse(&s))? {
            prop_assert_eq!(Timezone::parse(tz.name()), Ok(tz));
        }
        prop_assert!(Timezone::search(&s, 25).len() <= 25);
    }

    #[test]
    fn weekdays_parse_is_total_and_never_yields_an_empty_set(s in user_input()) {
        if let Some(days) = total(&s, Weekdays::parse(&s))? {
            prop_assert!(days.bits() != 0 && days.bits() <= 0b111_1111);
        }
    }

    #[test]
    fn answer_window_parse_is_total_and_stays_between_ten_minutes_and_six_days(s in user_input()) {
        if let Some(w) = total(&s, AnswerWindow::parse(&s))? {
            prop_assert!(w.duration() >= AnswerWindow::MIN && w.duration() <= AnswerWindow::MAX);
            prop_assert_eq!(AnswerWindow::parse(&w.to_string()), Ok(w));
        }
    }

    #[test]
    fn period_difficulty_category_and_id_parsers_are_total(s in user_input()) {
        total(&s, s.parse::<Period>())?;
        total(&s, s.parse::<Difficulty>())?;
        if let Some(c) = total(&s, Category::parse(&s))? {
            prop_assert!(c.title().chars().count() <= 40);
        }
        total(&s, QuestionSlug::parse(&s))?;
    }

    #[test]
    fn stored_name_parsers_are_total(s in user_input()) {
        total(&s, s.parse::<RoundState>())?;
        total(&s, s.parse::<AwardKind>())?;
    }
}

fn refused(result: Result<AnswerWindow, String>) -> String {
    let err = result.expect_err("should be refused");
    assert!(err.chars().count() < MAX_ERROR_CHARS, "{err}");
    err
}

#[test]
fn a_window_of_999999999999999_days_is_refused_instead_of_panicking() {
    let err = refused(AnswerWindow::parse("999999999999999d"));
    assert!(err.contains("out of range"), "{err}");
}

#[test]
fn windows_too_large_for_any_clock_are_out_of_range() {
    for s in [
        "99999999999h",
        "9223372036854775807",
        "9223372036854775808",
        "9223372036854775807m",
        "9223372036854775807d",
        "153722867280913m",
        "6d1m",
        "1d9223372036854775807m",
        &"9".repeat(6_000),
    ] {
        let err = refused(AnswerWindow::parse(s));
        assert!(err.contains("out of range"), "{s}: {err}");
    }
}

#[test]
fn negative_windows_are_refused_as_negative() {
    for s in ["-5m", "-5", "-1d", " -10m", "-9223372036854775808"] {
        let err = refused(AnswerWindow::parse(s));
        assert!(err.contains("cannot be negative"), "{s}: {err}");
    }
}

#[test]
fn exponents_fractions_signs_and_foreign_digits_are_not_durations() {
    for s in [
        "1e9m", "1.5h", "0x10m", "½h", "٣٠m", "+-5m", "h", "m30", "30x", "1h30", "1h1h",
    ] {
        let err = refused(AnswerWindow::parse(s));
        assert!(err.contains("is not a duration"), "{s}: {err}");
    }
    assert_eq!(AnswerWindow::parse("2d 3h 15m").unwrap().to_string(), "2d3h15m");
}

#[test]
fn signed_or_spaced_numbers_are_not_times_of_day() {
    for s in [
        "+9:05",
        "9:+5",
        "-1:00",
        "09: 30",
        " 9 :30",
        "١٢:٠٠",
        "99999999999:00",
    ] {
        let err = LocalTime::parse(s).expect_err(s);
        assert!(err.contains("is not a time"), "{s}: {err}");
    }
}

#[test]
fn every_error_quotes_at_most_100_characters_of_a_6000_character_option() {
    let long = "Ж".repeat(6_000);
    let errors = [
        LocalTime::parse(&long).unwrap_err(),
        Timezone::parse(&long).unwrap_err(),
        Weekdays::parse(&long).unwrap_err(),
        AnswerWindow::parse(&long).unwrap_err(),
        long.parse::<Period>().unwrap_err(),
        long.parse::<Difficulty>().unwrap_err(),
        Category::parse(&long).unwrap_err(),
        QuestionSlug::parse(&long).unwrap_err(),
        long.parse::<RoundState>().unwrap_err(),
        long.parse::<AwardKind>().unwrap_err(),
    ];
    for err in errors {
        let quoted = err.chars().filter(|&c| c == 'Ж').count();
        assert!(quoted < MAX_QUOTE_CHARS, "{err}");
        assert!(err.contains("…`"), "the cut is not marked: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// The question-file loader.

fn questions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
}

fn shipped_files() -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(questions_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    files
}

/// Parses and checks the loader's promise: questions, or errors naming this file, a line of
/// it, a field, and a short sentence.
fn load_checked(text: &str) -> Result<(), TestCaseError> {
    let file = Path::new("questions/mutated.toml");
    let (questions, errors) = parse_file(file, text);
    let last_line = text.split('\n').count();
    for BankError {
        file: f,
        line,
        field,
        message,
    } in &errors
    {
        prop_assert_eq!(f.as_path(), file);
        prop_assert!(
            (1..=last_line).contains(line),
            "line {} of {}: {}",
            line,
            last_line,
            message
        );
        prop_assert!(
            !field.is_empty() && field.chars().count() <= 40,
            "field {field:?}"
        );
        prop_assert!(!field.contains('\n'), "field {field:?}");
        assert_short_sentence(text, message)?;
    }
    for q in &questions {
        prop_assert!((1..=last_line).contains(&q.line));
        prop_assert!(!q.question.prompt.is_empty() && !q.question.answer.is_empty());
    }
    Ok(())
}

/// A small TOML-ish vocabulary, so arbitrary text often gets past the syntax check.
fn tomlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("[[question]]\n".to_owned()),
        Just("[question]\n".to_owned()),
        prop::sample::select(vec![
            "id",
            "category",
            "difficulty",
            "tags",
            "prompt",
            "answer",
            "hints",
            "follow_ups",
            "sources",
            "question",
            "colour",
            "\"\"",
        ])
        .prop_map(|k| format!("{k} = ")),
        "\"[^\"\\\\\n]{0,30}\"".prop_map(|s| s),
        Just("\"\"\"\n".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(", ".to_owned()),
        Just("\n".to_owned()),
        Just("# comment\n".to_owned()),
        "[+\\-]?[0-9]{1,30}(\\.[0-9]{1,5})?",
        Just("true".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        "\\PC{0,10}",
    ];
    prop::collection::vec(token, 0..120).prop_map(|t| t.concat())
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, String),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    ReplaceLine(Index, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1..200usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<Index>(),
            prop_oneof![any::<String>(), tomlish(), "[\\[\\]\"'=\n#{},]{1,5}"]
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), tomlish()).prop_map(|(i, s)| Mutation::ReplaceLine(i, s)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let at = |i: &Index| boundaries[i.index(boundaries.len())];
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    match m {
        Mutation::Delete(i, n) => {
            let start = i.index(boundaries.len());
            let end = boundaries[(start + n).min(boundaries.len() - 1)];
            format!("{}{}", &text[..boundaries[start]], &text[end..])
        }
        Mutation::Insert(i, s) => {
            let at = at(i);
            format!("{}{s}{}", &text[..at], &text[at..])
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let n = i.index(lines.len());
            lines.insert(n, lines[n]);
            lines.concat()
        }
        Mutation::SwapLines(a, b) if !lines.is_empty() => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            lines.concat()
        }
        Mutation::ReplaceLine(i, s) if !lines.is_empty() => {
            let n = i.index(lines.len());
            let replacement = format!("{s}\n");
            lines[n] = &replacement;
            lines.concat()
        }
        _ => text.to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_is_total_on_arbitrary_text(text in prop_oneof![any::<String>(), "\\PC{0,2000}", tomlish()]) {
        load_checked(&text)?;
    }

    #[test]
    fn the_loader_is_total_on_mutations_of_a_shipped_file(
        file in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let files = shipped_files();
        let (_, text) = &files[file.index(files.len())];
        let mutated = mutations.iter().fold(text.clone(), |t, m| apply(&t, m));
        load_checked(&mutated)?;
    }
}

#[test]
fn deeply_nested_values_are_a_syntax_error_not_a_stack_overflow() {
    for open in ["[", "{a=", "[{a="] {
        let text = format!("[[question]]\nid = {}\n", open.repeat(100_000));
        let (questions, errors) = parse_file(Path::new("deep.toml"), &text);
        assert!(questions.is_empty());
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| e.message.chars().count() < MAX_ERROR_CHARS));
    }
}

#[test]
fn unknown_keys_of_any_length_are_reported_shortened() {
    let key = "k".repeat(6_000);
    let text = format!("{key} = 1\n[[question]]\nid = \"abc\"\n{key} = 2\n\"\" = 3\n\"a\\nb\" = 4\n");
    let (_, errors) = parse_file(Path::new("keys.toml"), &text);
    let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    let short_key = format!("{}…", "k".repeat(39));
    assert!(found.contains(&(1, short_key.as_str())), "{found:?}");
    assert!(found.contains(&(4, short_key.as_str())), "{found:?}");
    assert!(found.contains(&(5, "\"\"")), "{found:?}");
    assert!(found.contains(&(6, "a b")), "{found:?}");
    for e in &errors {
        assert!(e.to_string().chars().count() < MAX_ERROR_CHARS, "{e}");
    }
}

#[test]
fn a_huge_id_or_category_is_quoted_shortened() {
    let text = format!(
        "[[question]]\nid = \"{}\"\ncategory = \"{}\"\ndifficulty = \"{}\"\ntags = [\"{}\"]\nprompt = \"p\"\nanswer = \"a\"\n",
        "I".repeat(6_000),
        "C".repeat(6_000),
        "D".repeat(6_000),
        "T".repeat(6_000)
    );
    let (_, errors) = parse_file(Path::new("huge.toml"), &text);
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["id", "category", "difficulty", "tags"], "{errors:?}");
    for e in &errors {
        assert!(e.message.chars().count() < MAX_ERROR_CHARS, "{e}");
    }
}

/// Custom ids arrive from Discord on every button press, so a forged one is just another string.
fn custom_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "dq:lb:[0-9]{0,25}:(week|month|all|year|)?:[0-9-]{0,25}:[0-9]{0,25}(:[0-9]{0,5})?",
        (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(o, c, p)| format!("dq:lb:{o}:all:{c}:{p}")),
    ]
}

proptest! {
    #[test]
    fn leaderboard_button_ids_are_decoded_totally_and_round_trip(id in custom_id()) {
        use dailyq::discord::render::{leaderboard_button_id, parse_leaderboard_button};
        if let Some(b) = parse_leaderboard_button(&id) {
            prop_assert!(b.owner.0 != 0);
            let again = leaderboard_button_id(b);
            prop_assert_eq!(parse_leaderboard_button(&again), Some(b));
            prop_assert!(again.len() <= 100);
        }
    }
}

fn hint_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "dq:hint:[0-9+-]{0,25}(:[0-9]{0,5})?",
        any::<i64>().prop_map(|r| format!("dq:hint:{r}")),
    ]
}

proptest! {
    #[test]
    fn hint_button_ids_are_decoded_totally_and_round_trip(id in hint_id()) {
        use dailyq::discord::render::{hint_button_id, parse_hint_button};
        if let Some(round) = parse_hint_button(&id) {
            prop_assert!(round > 0);
            let again = hint_button_id(round);
            prop_assert_eq!(parse_hint_button(&again), Some(round));
            prop_assert!(again.len() <= 100);
        }
    }
}

fn solo_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "dq:solo:[hangrx]?:[0-9]{0,21}:[0-9-]{0,20}:[a-z:-]{0,12}:(easy|medium|hard|-|x)?(:[0-9]{0,3})?",
        (any::<u64>(), any::<i64>()).prop_map(|(o, q)| format!("dq:solo:n:{o}:{q}:databases:hard")),
    ]
}

proptest! {
    #[test]
    fn solo_button_ids_are_decoded_totally_and_round_trip(id in solo_id()) {
        use dailyq::discord::render::{parse_solo_button, solo_button_id};
        if let Some(b) = parse_solo_button(&id) {
            prop_assert!(b.owner.0 != 0 && b.question > 0);
            let again = solo_button_id(&b);
            prop_assert_eq!(parse_solo_button(&again), Some(b));
            prop_assert!(again.len() <= 100, "{}", again);
        }
    }
}

fn pair_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "dq:pair:[krz]?:[0-9+-]{0,21}(:[cdmx]{0,2}(:[0-9-]{0,4})?)?(:[0-9]{0,3})?",
        (any::<i64>(), 0u8..8).prop_map(|(p, s)| format!("dq:pair:r:{p}:d:{s}")),
    ]
}

proptest! {
    #[test]
    fn pair_button_ids_are_decoded_totally_and_round_trip(id in pair_id()) {
        use dailyq::discord::render::{PairButton, pair_button_id, parse_pair_button};
        if let Some(b) = parse_pair_button(&id) {
            match b {
                PairButton::Packet(p) => prop_assert!(p > 0),
                PairButton::Rate(p, _, s) => prop_assert!(p > 0 && (1..=5).contains(&s)),
            }
            let again = pair_button_id(b);
            prop_assert_eq!(parse_pair_button(&again), Some(b));
            prop_assert!(again.len() <= 100);
        }
    }

    #[test]
    fn message_links_are_parsed_totally(link in prop_oneof![
        any::<String>(),
        "https://(ptb\\.|canary\\.)?discord(app)?\\.com/channels/[0-9@me]{0,22}/[0-9]{0,22}/[0-9]{0,22}(/[0-9]{0,3})?",
    ]) {
        if let Ok((g, c, m)) = dailyq::domain::ids::parse_message_link(&link) {
            prop_assert!(g.0 > 0 && c.0 > 0 && m.0 > 0);
            let again = format!("https://discord.com/channels/{g}/{c}/{m}");
            prop_assert_eq!(dailyq::domain::ids::parse_message_link(&again), Ok((g, c, m)));
        }
    }
}

proptest! {
    #[test]
    fn reminder_parse_is_total_and_stays_inside_the_window(s in user_input(), window in 10i64..8640) {
        use dailyq::domain::schedule::{AnswerWindow, parse_reminder};
        let window = AnswerWindow::new(chrono::Duration::minutes(window)).unwrap();
        if let Ok(d) = parse_reminder(&s, window) {
            prop_assert!(d >= chrono::Duration::minutes(5));
            prop_assert!(d <= window.duration() - chrono::Duration::minutes(5));
        }
    }

    #[test]
    fn remind_button_ids_are_decoded_totally(id in prop_oneof![any::<String>(), "dq:remind:[0-9+-]{0,22}(:[0-9]{0,3})?"]) {
        use dailyq::discord::render::{parse_remind_button, remind_button_id};
        if let Some(round) = parse_remind_button(&id) {
            prop_assert!(round > 0);
            prop_assert_eq!(parse_remind_button(&remind_button_id(round)), Some(round));
        }
    }
}

proptest! {
    #[test]
    fn vote_window_parse_is_total_and_stays_between_ten_minutes_and_a_day(s in user_input()) {
        use dailyq::domain::schedule::parse_vote_window;
        if let Ok(d) = parse_vote_window(&s) {
            prop_assert!(d >= chrono::Duration::minutes(10) && d <= chrono::Duration::days(1));
        }
    }

    #[test]
    fn answer_button_ids_are_decoded_totally(id in prop_oneof![any::<String>(), "dq:answer:[0-9+-]{0,22}(:[0-9]{0,3})?"]) {
        use dailyq::discord::render::{answer_button_id, parse_answer_button};
        if let Some(round) = parse_answer_button(&id) {
            prop_assert!(round > 0);
            prop_assert_eq!(parse_answer_button(&answer_button_id(round)), Some(round));
        }
    }

    #[test]
    fn a_sealed_answer_check_never_panics_and_keeps_only_what_fits(s in any::<String>(), min in 0u32..5000) {
        use dailyq::domain::blind::{MAX_ANSWER_CHARS, check_sealed_answer};
        if let Ok(kept) = check_sealed_answer(&s, min) {
            let n = kept.chars().count();
            prop_assert!((1..=MAX_ANSWER_CHARS).contains(&n) && n >= min as usize);
            prop_assert_eq!(kept.as_str(), s.trim());
        }
    }
}

proptest! {
    #[test]
    fn suggestion_and_import_ids_are_decoded_totally(id in prop_oneof![any::<String>(), "dq:(sg|q:imp):[a-z]{0,3}:[0-9+-]{0,22}(:[a-z]{0,2})?"]) {
        use dailyq::discord::render::{
            import_button_id, parse_import_button, parse_suggestion_button, parse_suggestion_form,
        };
        if let Some((_, n)) = parse_suggestion_button(&id) {
            prop_assert!(n > 0);
        }
        if let Some((_, n)) = parse_suggestion_form(&id) {
            prop_assert!(n > 0);
        }
        if let Some((n, confirm)) = parse_import_button(&id) {
            prop_assert!(n > 0);
            prop_assert_eq!(parse_import_button(&import_button_id(n, confirm)), Some((n, confirm)));
        }
    }

    #[test]
    fn csv_question_files_never_panic_and_name_a_line(text in any::<String>()) {
        let (questions, errors) = dailyq::bank::import::parse_csv(std::path::Path::new("x.csv"), &text);
        prop_assert!(!(questions.is_empty() && errors.is_empty()));
        for e in &errors {
            prop_assert!(!e.field.is_empty());
        }
    }

    #[test]
    fn suggestion_checks_never_panic(prompt in any::<String>(), answer in any::<String>(), category in any::<String>()) {
        let _ = dailyq::domain::suggestions::check_suggestion(&prompt, &answer, &category);
    }

    #[test]
    fn web_tokens_and_periods_parse_totally(s in prop_oneof![any::<String>(), "[0-9a-fA-F]{30,34}"]) {
        if let Some(token) = dailyq::domain::web::WebToken::parse(&s) {
            prop_assert_eq!(token.as_str(), s.as_str());
            prop_assert_eq!(s.len(), 32);
        }
        let _ = dailyq::domain::web::WebPeriod::parse(&s);
    }

    #[test]
    fn markdown_for_the_web_never_panics_and_never_lets_markup_or_script_links_through(
        text in prop_oneof![
            any::<String>(),
            "([*_`~\\[\\]()<>!#-]|<script>|<img src=x>|javascript:|\n| |[a-z]){0,80}",
        ]
    ) {
        let html = dailyq::web::markdown::to_html(&text);
        let lower = html.to_lowercase();
        prop_assert!(!lower.contains("<script"), "{}", html);
        prop_assert!(!lower.contains("<img"), "{}", html);
        prop_assert!(!lower.contains("href=\"javascript"), "{}", html);
    }
}
