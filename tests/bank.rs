//! The shipped question bank keeps its promises: size, breadth, balance and seed topics.

use dailyq::bank::{BankQuestion, load_dir};
use dailyq::domain::question::Difficulty;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

fn shipped() -> Vec<BankQuestion> {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_bank_has_at_least_250_questions_in_at_least_10_categories() {
    let bank = shipped();
    let categories: HashSet<_> = bank.iter().map(|q| q.question.category.clone()).collect();
    assert!(bank.len() >= 250, "only {} questions", bank.len());
    assert!(categories.len() >= 10, "only {} categories", categories.len());
}

#[test]
fn every_category_is_close_to_35_45_20_percent_easy_medium_hard() {
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for q in shipped() {
        let i = Difficulty::ALL
            .iter()
            .position(|d| *d == q.question.difficulty)
            .unwrap();
        counts.entry(q.question.category.to_string()).or_default()[i] += 1;
    }
    for (category, [easy, medium, hard]) in counts {
        let total = (easy + medium + hard) as f64;
        let share = |n: usize| n as f64 / total * 100.0;
        assert!(
            (25.0..=45.0).contains(&share(easy)),
            "{category}: {easy} easy of {total}"
        );
        assert!(
            (35.0..=55.0).contains(&share(medium)),
            "{category}: {medium} medium of {total}"
        );
        assert!(
            (12.0..=28.0).contains(&share(hard)),
            "{category}: {hard} hard of {total}"
        );
    }
}

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
