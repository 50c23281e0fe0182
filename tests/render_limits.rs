//! What `render` builds always fits Discord's size limits, and never exceeds what the bank's size
//! check (`domain::limits`) allowed.
//!
//! Embeds are measured the way Discord counts them: serialized with serde_json (what serenity
//! sends), then the characters (not bytes) of titles, descriptions, field names and values,
//! footers and author names.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dailyq::bank::{BankError, BankQuestion, load_dir, parse_file};
use dailyq::discord::render;
use dailyq::domain::leaderboard::MemberStats;
use dailyq::domain::limits::{
    self, EMBED_FIELD_VALUE, EMBED_TOTAL, EmbedSize, FieldSize, MESSAGE_CONTENT, MessageSize, THREAD_NAME,
};
use dailyq::domain::question::{
    MAX_ANSWER_CHARS, MAX_HINT_CHARS, MAX_LINE_CHARS, MAX_PROMPT_CHARS, Question,
};
use dailyq::domain::round::{Round, RoundKind, RoundState};
use dailyq::domain::streaks::Streak;
use dailyq::domain::{ChannelId, GuildId, MessageId, UserId};
use poise::serenity_prelude as serenity;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Measuring.

fn chars(v: Option<&Value>) -> usize {
    v.and_then(Value::as_str).map_or(0, |s| s.chars().count())
}

fn measure_embed(embed: &serenity::CreateEmbed) -> EmbedSize {
    let v = serde_json::to_value(embed).expect("an embed serializes");
    EmbedSize {
        title: chars(v.get("title")),
        description: chars(v.get("description")),
        fields: v
            .get("fields")
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| FieldSize {
                        name: chars(f.get("name")),
                        value: chars(f.get("value")),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        footer: chars(v.get("footer").and_then(|f| f.get("text"))),
        author: chars(v.get("author").and_then(|a| a.get("name"))),
    }
}

fn measure(content: &str, embeds: &[serenity::CreateEmbed]) -> MessageSize {
    MessageSize {
        content: content.chars().count(),
        embeds: embeds.iter().map(measure_embed).collect(),
    }
}

fn assert_fits(what: &str, m: &MessageSize) {
    let breaches = m.breaches();
    assert!(
        breaches.is_empty(),
        "{what} breaks Discord's limits: {}",
        breaches
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
}

/// Every part of `measured` is no larger than the model's worst case, and the parts made of the
/// question's own text (descriptions, and field values when `fields_are_question_text`) are
/// exactly the model's: nothing was cut.
fn assert_within(what: &str, measured: &MessageSize, model: &MessageSize, fields_are_question_text: bool) {
    let fail =
        |part: &str| panic!("{what}: the rendered {part} exceeds the size model\n{measured:?}\n{model:?}");
    if measured.content > model.content {
        fail("content");
    }
    if measured.embeds.len() != model.embeds.len() {
        fail("number of embeds");
    }
    for (m, w) in measured.embeds.iter().zip(&model.embeds) {
        if m.title > w.title {
            fail("title");
        }
        if m.description != w.description {
            fail("description");
        }
        if m.footer > w.footer {
            fail("footer");
        }
        if m.author > w.author {
            fail("author");
        }
        if m.fields.len() != w.fields.len() {
            fail("number of fields");
        }
        for (mf, wf) in m.fields.iter().zip(&w.fields) {
            if mf.name > wf.name || mf.value > wf.value {
                fail("field");
            }
            if fields_are_question_text && mf.value != wf.value {
                fail("field (cut short)");
            }
        }
    }
    if measured.embed_total() > model.embed_total() {
        fail("total");
    }
}

// ---------------------------------------------------------------------------------------------
// Rounds, from ordinary to the longest values they can print.

fn round(number: u64, id: i64, closes_at: DateTime<Utc>) -> Round {
    Round {
        id,
        guild_id: GuildId(u64::MAX),
        channel_id: ChannelId(u64::MAX),
        question_id: i64::MAX,
        kind: RoundKind::Daily,
        remind_at: None,
        answers_close_at: None,
        published_at: None,
        publish_attempts: 0,
        number,
        scheduled_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        state: RoundState::Open,
        nonce: "n".into(),
        message_id: Some(MessageId(u64::MAX)),
        thread_id: Some(ChannelId(u64::MAX)),
        opens_at: closes_at,
        closes_at,
        answer_message_id: None,
        summary_message_id: None,
        revealed_at: None,
        post_attempts: u32::MAX,
        reveal_attempts: u32::MAX,
    }
}

/// The round whose number, id and deadline print longest: the model's worst case.
fn longest_round() -> Round {
    round(u64::MAX, i64::MIN, DateTime::<Utc>::MIN_UTC)
}

/// `r` as a blind round (answers sealed until its deadline), published or not.
fn blind(r: Round, published: bool) -> Round {
    Round {
        answers_close_at: Some(r.closes_at),
        published_at: published.then_some(r.closes_at),
        ..r
    }
}

fn rounds() -> Vec<Round> {
    let daily = vec![
        round(1, 1, Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap()),
        round(0, 0, DateTime::UNIX_EPOCH),
        round(u64::MAX, i64::MAX, DateTime::<Utc>::MAX_UTC),
        longest_round(),
    ];
    let blind_rounds: Vec<Round> = daily
        .iter()
        .flat_map(|r| [blind(r.clone(), false), blind(r.clone(), true)])
        .collect();
    daily.into_iter().chain(blind_rounds).collect()
}

/// The role mention `rounds` sends as the question post's content when a schedule pings a role.
fn role_ping() -> String {
    format!("<@&{}>", u64::MAX)
}

/// Renders a question's post and reveal for `r` and checks them against Discord and the model.
fn check_question(what: &str, q: &Question, r: &Round) {
    let post_model = limits::question_post(q, r.is_blind());
    let reveal_model = limits::reveal(q);
    for min in [0, 1, 2_000, u32::MAX] {
        for content in [String::new(), role_ping()] {
            for sealed in [0, 1, u64::MAX] {
                let post = measure(&content, &[render::question_embed(r, q, min, sealed)]);
                assert_fits(&format!("{what}: question post"), &post);
                assert_within(&format!("{what}: question post"), &post, &post_model, false);
            }
        }
    }
    let reveal = measure("", &render::reveal_embeds(r, q));
    assert_fits(&format!("{what}: reveal"), &reveal);
    assert_within(&format!("{what}: reveal"), &reveal, &reveal_model, true);
    let name = render::thread_name(r, q);
    assert!(
        (1..=THREAD_NAME).contains(&name.chars().count()),
        "{what}: thread name {name:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Questions: the shipped bank and synthetic maximal ones, both loaded through the bank.

fn shipped() -> Vec<BankQuestion> {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap_or_else(|e| panic!("{e}"))
}

#[derive(serde::Serialize)]
struct QuestionFile {
    question: Vec<QuestionToml>,
}

#[derive(serde::Serialize, Clone, Debug)]
struct QuestionToml {
    id: String,
    category: String,
    difficulty: String,
    tags: Vec<String>,
    prompt: String,
    answer: String,
    hints: Vec<String>,
    follow_ups: Vec<String>,
    sources: Vec<String>,
}

/// Loads questions through the bank, as `dailyq questions check` would.
fn load_file(questions: &[QuestionToml]) -> Result<Vec<Question>, Vec<BankError>> {
    let text = toml::to_string(&QuestionFile {
        question: questions.to_vec(),
    })
    .expect("serializes");
    let (loaded, errors) = parse_file(Path::new("synthetic.toml"), &text);
    if errors.is_empty() {
        Ok(loaded.into_iter().map(|q| q.question).collect())
    } else {
        Err(errors)
    }
}

/// [`load_file`] with the problems as `dailyq questions check` prints them.
fn load(questions: &[QuestionToml]) -> Result<Vec<Question>, String> {
    load_file(questions).map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Characters that are long in bytes or UTF-16, that JSON or Markdown escape, that combine, or
/// that `thread_name` strips.
const WORST: [char; 16] = [
    '𝔸', '🦀', '漢', 'é', '⬆', '\u{fe0f}', '\u{301}', '\u{200d}', '"', '\\', '<', '&', '*', '_', '`', '\n',
];

/// Exactly `n` characters of worst-case text. No line break in the first 150 characters (so the
/// first line outlasts a thread name) nor at the end (the bank trims).
fn worst(n: usize, offset: usize) -> String {
    let no_break = WORST.len() - 1;
    (0..n)
        .map(|i| {
            let cycle = if i < 150 || i + 1 == n {
                no_break
            } else {
                WORST.len()
            };
            WORST[(i + offset) % cycle]
        })
        .collect()
}

/// Entry lengths for a list of at most `entries` entries of at most `entry_max` characters each
/// that renders as exactly `budget` characters (`- entry` per line), using as many entries as fit.
fn fill(entries: usize, entry_max: usize, budget: usize) -> Vec<usize> {
    let n = (1..=entries)
        .rev()
        .find(|&n| budget >= 4 * n - 1)
        .expect("room for one entry");
    let mut left = budget - (3 * n - 1);
    (0..n)
        .map(|i| {
            let later = n - 1 - i;
            let take = entry_max.min(left - later);
            left -= take;
            take
        })
        .collect()
}

fn list(lengths: &[usize], offset: usize) -> Vec<String> {
    lengths
        .iter()
        .enumerate()
        .map(|(i, &n)| worst(n, offset + i))
        .collect()
}

/// A question with every field at the bank's maximum, `answer` characters of answer and lists
/// that render as `follow_ups` and `sources` characters.
fn maximal(category: &str, answer: usize, follow_ups: usize, sources: usize) -> QuestionToml {
    QuestionToml {
        id: format!("q{}", "x".repeat(62)),
        category: category.to_owned(),
        difficulty: "medium".into(),
        tags: (0..10).map(|i| format!("{i}{}", "t".repeat(39))).collect(),
        prompt: worst(MAX_PROMPT_CHARS, 0),
        answer: worst(answer, 1),
        hints: list(&[MAX_HINT_CHARS; 5], 2),
        follow_ups: if follow_ups == 0 {
            vec![]
        } else {
            list(&fill(5, MAX_LINE_CHARS, follow_ups), 3)
        },
        sources: if sources == 0 {
            vec![]
        } else {
            list(&fill(10, MAX_LINE_CHARS, sources), 4)
        },
    }
}

/// The longest answer the bank accepts next to the given lists (acceptance only shrinks as the
/// answer grows, so a binary search finds it).
fn longest_answer(category: &str, follow_ups: usize, sources: usize) -> usize {
    let accepted = |n| load(&[maximal(category, n, follow_ups, sources)]).is_ok();
    assert!(accepted(1), "even a one-character answer is refused");
    let (mut ok, mut refused) = (1, MAX_ANSWER_CHARS + 1);
    while refused - ok > 1 {
        let mid = (ok + refused) / 2;
        if accepted(mid) {
            ok = mid;
        } else {
            refused = mid;
        }
    }
    ok
}

/// A category slug of the longest length the bank accepts (40).
const LONGEST_CATEGORY: &str = "abcdefghij-abcdefghij-abcdefghij-abcdefg";

fn synthetic_maximal() -> Vec<(String, Question)> {
    let mut out = Vec::new();
    let full = EMBED_FIELD_VALUE;
    for (follow_ups, sources) in [(full, full), (full, 0), (0, full), (0, 0), (full, 100)] {
        let answer = longest_answer(LONGEST_CATEGORY, follow_ups, sources);
        let q = maximal(LONGEST_CATEGORY, answer, follow_ups, sources);
        let loaded = load(&[q]).expect("accepted");
        out.push((
            format!("maximal question (answer {answer}, follow-ups {follow_ups}, sources {sources})"),
            loaded.into_iter().next().unwrap(),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn every_shipped_question_posts_and_reveals_within_discords_limits_for_any_round() {
    let bank = shipped();
    assert!(bank.len() >= 250);
    for q in &bank {
        for r in rounds() {
            check_question(q.question.slug.as_str(), &q.question, &r);
        }
    }
}

#[test]
fn the_size_model_equals_the_rendered_size_for_the_longest_round_values() {
    // Equality, not just "within": a word added to a template and not to the model fails here.
    let r = longest_round();
    for (what, q) in shipped()
        .into_iter()
        .map(|q| (q.question.slug.to_string(), q.question))
        .chain(synthetic_maximal())
    {
        let post = measure(&role_ping(), &[render::question_embed(&r, &q, u32::MAX, 0)]);
        assert_eq!(post, limits::question_post(&q, false), "{what}: question post");
        let b = blind(r.clone(), true);
        let post = measure(
            &role_ping(),
            &[render::question_embed(&b, &q, u32::MAX, u64::MAX)],
        );
        assert_eq!(
            post,
            limits::question_post(&q, true),
            "{what}: blind question post"
        );
        let reveal = measure("", &render::reveal_embeds(&r, &q));
        assert_eq!(reveal, limits::reveal(&q), "{what}: reveal");
    }
}

#[test]
fn synthetic_maximal_questions_post_and_reveal_within_discords_limits() {
    let questions = synthetic_maximal();
    // The largest reveal the bank accepts uses Discord's whole 6,000 characters, and its lists
    // fill whole fields: the check allows everything that fits, and only that.
    let (_, fullest) = &questions[0];
    let reveal = limits::reveal(fullest);
    assert_eq!(reveal.embed_total(), EMBED_TOTAL);
    assert!(
        reveal.embeds[0]
            .fields
            .iter()
            .all(|f| f.value == EMBED_FIELD_VALUE)
    );
    for (what, q) in &questions {
        for r in rounds() {
            check_question(what, q, &r);
        }
    }
}

#[test]
fn one_character_more_than_the_maximum_is_refused_by_the_bank() {
    let full = EMBED_FIELD_VALUE;
    let answer = longest_answer(LONGEST_CATEGORY, full, full);
    let err = load(&[maximal(LONGEST_CATEGORY, answer + 1, full, full)]).unwrap_err();
    assert!(
        err.contains("synthetic.toml:") && err.contains(": answer: makes the reveal"),
        "{err}"
    );
    assert!(err.contains("shorten it by 1 character"), "{err}");
    let err = load(&[maximal(LONGEST_CATEGORY, 100, full + 1, 0)]).unwrap_err();
    assert!(err.contains(": follow_ups: makes the reveal's"), "{err}");
    let err = load(&[maximal(LONGEST_CATEGORY, 100, 0, full + 1)]).unwrap_err();
    assert!(err.contains(": sources: makes the reveal's"), "{err}");
}

#[test]
fn every_known_category_title_fits_the_question_title() {
    for category in [
        "backend",
        "databases",
        "caching",
        "distributed-systems",
        "system-design",
        "concurrency",
        "networking",
        "security",
        "algorithms",
        "operating-systems",
        "cloud-devops",
        "behavioral",
        LONGEST_CATEGORY,
    ] {
        let q = load(&[maximal(category, 100, 0, 0)]).expect("accepted").remove(0);
        check_question(category, &q, &longest_round());
    }
}

#[test]
fn the_too_short_note_fits_one_message_for_any_length_and_minimum() {
    let text = render::too_short_note(usize::MAX, u32::MAX);
    assert!(text.chars().count() <= MESSAGE_CONTENT, "{text}");
}

#[test]
fn the_summary_fits_for_the_longest_ids_and_counts() {
    let top: Vec<render::TopAnswer> = (0..3)
        .map(|_| render::TopAnswer {
            author: UserId(u64::MAX),
            message: MessageId(u64::MAX),
            votes: usize::MAX,
        })
        .collect();
    for r in rounds() {
        // `rounds` lists at most the top three answers.
        for (top, participants) in [
            (&top[..], usize::MAX),
            (&top[..0], 0),
            (&top[..0], 1),
            (&top[..1], 1),
        ] {
            let summary = measure(
                "",
                &[render::summary_embed(&r, ChannelId(u64::MAX), top, participants)],
            );
            assert_fits("summary", &summary);
        }
    }
}

#[test]
fn stats_fit_for_the_longest_numbers_and_any_number_of_categories() {
    let stats = MemberStats {
        answers: i64::MIN,
        votes_received: i64::MIN,
        best_answer: Some((MessageId(u64::MAX), ChannelId(u64::MAX), i64::MIN)),
        per_category: (0..500)
            .map(|i| (format!("{LONGEST_CATEGORY}{i}"), i64::MIN))
            .collect(),
        practised_solo: (0..500)
            .map(|i| (format!("{LONGEST_CATEGORY}{i}"), i64::MIN))
            .collect(),
    };
    let streaks: Vec<(ChannelId, Streak, u64)> = (0..50)
        .map(|_| {
            (
                ChannelId(u64::MAX),
                Streak {
                    current: u32::MAX,
                    best: u32::MAX,
                    last_round: u64::MAX,
                },
                0,
            )
        })
        .collect();
    let embed = render::stats_embed(
        UserId(u64::MAX),
        GuildId(u64::MAX),
        i64::MIN,
        Some(u32::MAX),
        &stats,
        &streaks,
    );
    assert_fits("stats", &measure("", &[embed]));
}

/// A question's text field: any characters, or worst-case ones, often at the field's maximum.
fn text(max: usize) -> impl Strategy<Value = String> {
    let len = prop_oneof![1..=max, Just(max), (max.saturating_sub(20)..=max)];
    (len, any::<usize>(), any::<bool>()).prop_flat_map(|(n, offset, arbitrary)| {
        if arbitrary {
            prop::collection::vec(any::<char>(), n)
                .prop_map(|v| v.into_iter().collect())
                .boxed()
        } else {
            Just(worst(n, offset % WORST.len())).boxed()
        }
    })
}

/// A follow-up or source list of up to `entries` entries: few long ones or many short ones, so
/// both accepted lists and lists too long for one field come up often.
fn list_of(entries: usize) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        prop::collection::vec(text(MAX_LINE_CHARS), 0..=3),
        prop::collection::vec(text(80), 0..=entries),
        prop::collection::vec(text(MAX_LINE_CHARS), 0..=entries),
    ]
}

fn question_toml() -> impl Strategy<Value = QuestionToml> {
    (
        prop_oneof![
            Just(LONGEST_CATEGORY.to_owned()),
            "[a-z0-9]{1,20}(-[a-z0-9]{1,19})?"
        ],
        prop::sample::select(vec!["easy", "medium", "hard"]),
        text(MAX_PROMPT_CHARS),
        text(MAX_ANSWER_CHARS),
        list_of(5),
        list_of(10),
    )
        .prop_map(
            |(category, difficulty, prompt, answer, follow_ups, sources)| QuestionToml {
                id: "arbitrary".into(),
                category,
                difficulty: difficulty.into(),
                tags: vec!["t".into()],
                prompt,
                answer,
                hints: vec![],
                follow_ups,
                sources,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_question_the_bank_accepts_posts_and_reveals_within_discords_limits(q in question_toml()) {
        match load_file(&[q]) {
            Ok(loaded) => {
                for r in rounds() {
                    check_question("arbitrary question", &loaded[0], &r);
                }
            }
            Err(errors) => {
                // Refused only for a text field: blank after trimming, or too large for Discord.
                for e in errors {
                    prop_assert!(
                        ["prompt", "answer", "follow_ups", "sources"].contains(&e.field.as_str()),
                        "{}",
                        e
                    );
                }
            }
        }
    }
}
