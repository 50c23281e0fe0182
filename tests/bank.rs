//! The shipped question bank keeps its promises: size, breadth, balance and seed topics.

use dailyq::bank::{BankQuestion, load_dir};
use dailyq::domain::question::Difficulty;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

fn shipped() -> Vec<BankQuestion> {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_bank_has_at_least_420_questions_in_at_least_15_categories_a_quarter_of_them_hard() {
    let bank = shipped();
    let categories: HashSet<_> = bank.iter().map(|q| q.question.category.clone()).collect();
    assert!(bank.len() >= 420, "only {} questions", bank.len());
    assert!(categories.len() >= 15, "only {} categories", categories.len());
    let hard = bank
        .iter()
        .filter(|q| q.question.difficulty == Difficulty::Hard)
        .count();
    assert!(
        hard * 4 >= bank.len(),
        "only {hard} hard questions of {}",
        bank.len()
    );
    for category in ["architecture", "testing", "data-systems", "observability"] {
        assert!(
            categories.iter().any(|c| c.as_str() == category),
            "no `{category}` category"
        );
    }
}

#[test]
fn every_category_has_every_level_and_none_dominates() {
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for q in shipped() {
        let i = Difficulty::ALL
            .iter()
            .position(|d| *d == q.question.difficulty)
            .unwrap();
        counts.entry(q.question.category.to_string()).or_default()[i] += 1;
    }
    for (category, levels) in counts {
        let total: usize = levels.iter().sum();
        for (n, level) in levels.iter().zip(["easy", "medium", "hard"]) {
            let share = *n as f64 / total as f64 * 100.0;
            assert!(
                (15.0..=55.0).contains(&share),
                "{category}: {n} {level} of {total}"
            );
        }
    }
}

#[test]
fn every_question_cites_a_source() {
    let missing: Vec<String> = shipped()
        .into_iter()
        .filter(|q| q.question.sources.is_empty())
        .map(|q| q.question.slug.to_string())
        .collect();
    assert!(missing.is_empty(), "no source: {missing:?}");
}

#[test]
fn the_bank_has_no_unsilenced_near_duplicates() {
    let warnings: Vec<String> = dailyq::bank::near_duplicate_warnings(&shipped())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(warnings.is_empty(), "{}", warnings.join("\n"));
}

#[test]
fn retired_near_duplicates_stay_out_and_series_point_inside_the_bank() {
    let bank = shipped();
    let ids: HashSet<String> = bank.iter().map(|q| q.question.slug.to_string()).collect();
    // Of each pair a reviewer found, at most one is live unless they are linked as a series.
    for (a, b) in REVIEWED_PAIRS {
        if ids.contains(*a) && ids.contains(*b) {
            let linked = bank.iter().any(|q| {
                let follows = q.question.follows.as_ref().map(|f| f.as_str());
                (q.question.slug.as_str() == *a && follows == Some(*b))
                    || (q.question.slug.as_str() == *b && follows == Some(*a))
            });
            assert!(linked, "{a} and {b} are both live and not a series");
        }
        assert!(ids.contains(*a) || ids.contains(*b), "both {a} and {b} retired");
    }
}

/// The near-duplicate pairs of the bank's second-edition review.
const REVIEWED_PAIRS: &[(&str, &str)] = &[
    ("be-sessions-vs-tokens", "sec-sessions-vs-tokens"),
    ("be-jwt-pitfalls", "sec-jwt-pitfalls"),
    ("be-stateless-services", "sd-stateless-services"),
    ("db-sql-vs-nosql", "sd-sql-vs-nosql-choice"),
    (
        "conc-optimistic-vs-pessimistic-locking",
        "db-optimistic-vs-pessimistic-locking",
    ),
    ("conc-priority-inversion", "os-priority-inversion"),
    (
        "be-retry-storm-cascading-failure",
        "ops-cascading-failures-retry-storms",
    ),
    ("algo-lru-cache-design", "cache-lru-implementation"),
    ("be-distributed-rate-limiter", "sd-rate-limiter-service"),
    ("db-partitioning-vs-sharding", "sd-choosing-shard-key"),
    ("sd-slo-sli-sla", "ops-sli-slo-error-budget"),
    ("cache-cdn-basics", "sd-cdn-basics"),
    ("net-load-balancer-l4-vs-l7", "sd-load-balancer-basics"),
    ("be-graceful-shutdown", "ops-k8s-graceful-shutdown-zero-downtime"),
    ("be-file-uploads", "sd-file-upload-service"),
];

#[test]
fn every_seed_topic_is_covered_by_a_tagged_question() {
    let tags: HashSet<String> = shipped().into_iter().flat_map(|q| q.question.tags).collect();
    for topic in [
        "authn-vs-authz",
        "acid",
        "n-plus-one",
        "rest-api-design",
        "database-indexing",
        "caching-strategies",
        "database-migrations",
        "message-queues",
        "horizontal-vertical-scaling",
        "rate-limiting",
    ] {
        assert!(tags.contains(topic), "no question is tagged `{topic}`");
    }
}

#[test]
fn every_reference_answer_fits_one_embed_and_has_follow_ups() {
    for q in shipped() {
        let q = &q.question;
        let chars = q.answer.chars().count();
        assert!(chars <= 1_500, "{}: answer is {chars} characters", q.slug);
        assert!(
            (1..=3).contains(&q.follow_ups.len()),
            "{}: {} follow-ups",
            q.slug,
            q.follow_ups.len()
        );
        for line in q.answer.lines() {
            let l = line.trim_start();
            assert!(
                !l.starts_with('#'),
                "{}: headings do not render in embeds",
                q.slug
            );
            assert!(!l.starts_with('|'), "{}: tables do not render in embeds", q.slug);
        }
    }
}

/// The text of an HTML fragment: tags dropped, the entities pulldown-cmark writes decoded.
fn html_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn letters(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[test]
fn every_prompt_and_reference_answer_keeps_its_text_on_the_web_page() {
    for q in shipped() {
        let q = &q.question;
        for (what, source) in [("prompt", &q.prompt), ("answer", &q.answer)] {
            let shown = letters(&html_text(&dailyq::web::markdown::to_html(source)));
            let source = letters(source);
            // Markdown only removes (list numbers, link targets, markup): the letters shown are
            // the source's, in order, and nearly all of them.
            let mut rest = source.chars();
            assert!(
                shown.chars().all(|c| rest.any(|s| s == c)) && shown.len() * 10 >= source.len() * 8,
                "{} {what}: shown {shown}\nsource {source}",
                q.slug
            );
        }
    }
}
