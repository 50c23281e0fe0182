//! Solo practice: which question a member practises next, and when a question they marked
//! "review later" comes back (a small spaced-repetition queue: again after 1, 3, 7 and 21 days).

use super::rotation::{Candidate, QuestionFilter, pick_next};
use chrono::{DateTime, Duration, Utc};

/// Days until a question in the review queue comes back, by step.
pub const REVIEW_INTERVAL_DAYS: [i64; 4] = [1, 3, 7, 21];

/// How a member rated their own go at a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfMark {
    /// They knew it.
    GotIt,
    /// They want it back soon.
    ReviewLater,
}

/// A question's place in a member's review queue: its step and when it is due again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Review {
    /// 0-based index into [`REVIEW_INTERVAL_DAYS`].
    pub step: usize,
    /// When it comes back first.
    pub due: DateTime<Utc>,
}

/// The queue entry after `mark`, given the current one (`None`: not queued). "Review later"
/// (re)starts the queue at one day; "got it" moves a queued question to the next, longer
/// interval and drops it after the last; "got it" on a question that is not queued queues
/// nothing.
pub fn next_review(current: Option<Review>, mark: SelfMark, now: DateTime<Utc>) -> Option<Review> {
    let step = match (mark, current) {
        (SelfMark::ReviewLater, _) => 0,
        (SelfMark::GotIt, None) => return None,
        (SelfMark::GotIt, Some(r)) => r.step + 1,
    };
    REVIEW_INTERVAL_DAYS.get(step).map(|days| Review {
        step,
        due: now + Duration::days(*days),
    })
}

/// The question a member practises next: the first of their due reviews (in due order) that
/// passes the filter, else, among the questions they practised the fewest times
/// (`times_asked` counts their own practice), the first in an order of their own (`seed`).
pub fn pick_solo<K: Clone + PartialEq>(
    due: &[K],
    candidates: &[Candidate<K>],
    filter: &QuestionFilter,
    seed: u64,
) -> Option<K> {
    let passes = |key: &K| {
        candidates
            .iter()
            .any(|c| &c.key == key && filter.accepts(&c.category, c.difficulty))
    };
    due.iter()
        .find(|k| passes(k))
        .cloned()
        .or_else(|| pick_next(candidates, filter, seed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::question::{Category, Difficulty, QuestionSlug};

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap() + Duration::days(days)
    }

    #[test]
    fn review_later_comes_back_after_1_3_7_and_21_days_then_leaves_the_queue() {
        let mut at = t(0);
        let mut review = next_review(None, SelfMark::ReviewLater, at);
        assert_eq!(review, Some(Review { step: 0, due: t(1) }));
        let mut gaps = Vec::new();
        while let Some(r) = review {
            at = r.due;
            review = next_review(Some(r), SelfMark::GotIt, at);
            if let Some(next) = review {
                gaps.push((next.due - at).num_days());
            }
        }
        assert_eq!(gaps, vec![3, 7, 21]);
    }

    #[test]
    fn review_later_again_restarts_at_one_day_and_got_it_alone_queues_nothing() {
        let deep = Review { step: 3, due: t(0) };
        assert_eq!(
            next_review(Some(deep), SelfMark::ReviewLater, t(5)),
            Some(Review { step: 0, due: t(6) })
        );
        assert_eq!(next_review(None, SelfMark::GotIt, t(5)), None);
    }

    fn candidate(key: i64, category: &str, practised: u32) -> Candidate<i64> {
        Candidate {
            key,
            slug: QuestionSlug::parse(&format!("q-{key}")).unwrap(),
            category: Category::parse(category).unwrap(),
            difficulty: Difficulty::Easy,
            times_asked: practised,
        }
    }

    #[test]
    fn a_due_review_that_passes_the_filter_comes_first_else_the_least_practised() {
        let candidates = vec![
            candidate(1, "db", 2),
            candidate(2, "os", 1),
            candidate(3, "db", 0),
        ];
        let db = QuestionFilter {
            category: Some(Category::parse("db").unwrap()),
            difficulty: None,
        };
        assert_eq!(
            pick_solo(&[2, 1], &candidates, &QuestionFilter::default(), 7),
            Some(2)
        );
        assert_eq!(
            pick_solo(&[2, 1], &candidates, &db, 7),
            Some(1),
            "os is filtered out"
        );
        assert_eq!(
            pick_solo(&[], &candidates, &db, 7),
            Some(3),
            "never practised first"
        );
        assert_eq!(
            pick_solo(&[9], &candidates, &QuestionFilter::default(), 7),
            Some(3),
            "a retired review"
        );
        let none = QuestionFilter {
            category: Some(Category::parse("net").unwrap()),
            difficulty: None,
        };
        assert_eq!(pick_solo(&[1], &candidates, &none, 7), None);
    }
}
