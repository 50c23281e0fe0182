//! Which question a channel asks next.
//!
//! A guild sees every question of a channel's filtered bank once before any repeats. Within a
//! cycle the order is a keyed hash of the guild's secret seed, the cycle number and the question
//! id: members cannot guess it, tests reproduce it with a fixed seed, and adding or retiring a
//! question does not reshuffle the rest.

use super::question::{Category, Difficulty, QuestionSlug};
use sha2::{Digest, Sha256};

/// What a channel asks for; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionFilter {
    /// Only this category.
    pub category: Option<Category>,
    /// Only this difficulty.
    pub difficulty: Option<Difficulty>,
}

/// Which questions a channel draws from: the bank shipped with the bot, the server's own
/// questions, or both. Rotation runs over the chosen pool, so each source cycles on its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum QuestionSource {
    /// Only the shipped bank.
    Shipped,
    /// Only the server's own questions.
    Server,
    /// Both (the default).
    #[default]
    Both,
}

impl QuestionSource {
    /// The name stored in the database and shown to admins.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionSource::Shipped => "shipped",
            QuestionSource::Server => "server",
            QuestionSource::Both => "both",
        }
    }

    /// Reads a stored name back.
    pub fn parse(s: &str) -> Result<QuestionSource, String> {
        match s {
            "shipped" => Ok(QuestionSource::Shipped),
            "server" => Ok(QuestionSource::Server),
            "both" => Ok(QuestionSource::Both),
            other => Err(format!(
                "{} is not a question source; use shipped, server or both",
                super::text::quote_input(other)
            )),
        }
    }

    /// Whether a question of this origin (`own`: the server's) is in the pool.
    pub fn includes(self, own: bool) -> bool {
        match self {
            QuestionSource::Shipped => !own,
            QuestionSource::Server => own,
            QuestionSource::Both => true,
        }
    }
}

/// What rotation needs to know about one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<K> {
    /// The store's key for the question.
    pub key: K,
    /// Stable id, the input to the shuffle.
    pub slug: QuestionSlug,
    /// Its category.
    pub category: Category,
    /// Its difficulty.
    pub difficulty: Difficulty,
    /// How many rounds in this guild have already asked it.
    pub times_asked: u32,
    /// Whether it follows another question in a series, and how long ago that one was asked.
    pub series: Series,
}

/// Where a question stands in a series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Series {
    /// It follows no question.
    #[default]
    Standalone,
    /// It follows a question the guild was never asked: not yet.
    BaseNotAsked,
    /// It follows a question first asked `rounds_ago` rounds of the guild ago.
    BaseAsked {
        /// Rounds of the guild claimed since its base was first asked.
        rounds_ago: u32,
    },
}

/// How many rounds come between a question and its follow-up, at least.
pub const SERIES_GAP: u32 = 2;

impl QuestionFilter {
    /// Whether a question passes the filter.
    pub fn accepts(&self, category: &Category, difficulty: Difficulty) -> bool {
        self.category.as_ref().is_none_or(|c| c == category)
            && self.difficulty.is_none_or(|d| d == difficulty)
    }
}

/// Picks the next question: among those asked the fewest times, the first in the cycle's order.
///
/// `candidates` must hold only live (not retired) questions. Returns `None` when nothing passes
/// the filter.
pub fn pick_next<K: Clone>(candidates: &[Candidate<K>], filter: &QuestionFilter, seed: u64) -> Option<K> {
    // A follow-up never comes before its base, and not until a few rounds after it.
    let ready = |c: &&Candidate<K>| match c.series {
        Series::Standalone => true,
        Series::BaseNotAsked => false,
        Series::BaseAsked { rounds_ago } => rounds_ago >= SERIES_GAP,
    };
    let eligible = candidates
        .iter()
        .filter(|c| filter.accepts(&c.category, c.difficulty))
        .filter(ready);
    // A follow-up whose time has come and that was never asked goes first (the one whose base
    // was asked longest ago first), so a series keeps together.
    let due = eligible
        .clone()
        .filter(|c| c.times_asked == 0)
        .filter_map(|c| match c.series {
            Series::BaseAsked { rounds_ago } => Some((rounds_ago, c)),
            _ => None,
        })
        .max_by(|(a, x), (b, y)| a.cmp(b).then_with(|| y.slug.cmp(&x.slug)));
    if let Some((_, c)) = due {
        return Some(c.key.clone());
    }
    let cycle = eligible.clone().map(|c| c.times_asked).min()?;
    eligible
        .filter(|c| c.times_asked == cycle)
        .min_by_key(|c| (order_key(seed, cycle, &c.slug), c.slug.clone()))
        .map(|c| c.key.clone())
}

fn order_key(seed: u64, cycle: u32, slug: &QuestionSlug) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(cycle.to_le_bytes());
    h.update(slug.as_str().as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn bank(n: usize) -> Vec<Candidate<usize>> {
        (0..n)
            .map(|i| Candidate {
                series: Series::Standalone,
                key: i,
                slug: QuestionSlug::parse(&format!("q-{i:03}")).unwrap(),
                category: Category::parse(if i % 2 == 0 { "databases" } else { "caching" }).unwrap(),
                difficulty: if i % 3 == 0 {
                    Difficulty::Hard
                } else {
                    Difficulty::Easy
                },
                times_asked: 0,
            })
            .collect()
    }

    fn run(bank: &mut [Candidate<usize>], filter: &QuestionFilter, seed: u64, rounds: usize) -> Vec<usize> {
        let mut asked = Vec::new();
        for _ in 0..rounds {
            let k = pick_next(bank, filter, seed).unwrap();
            bank[k].times_asked += 1;
            asked.push(k);
        }
        asked
    }

    #[test]
    fn no_question_repeats_until_the_filtered_bank_is_exhausted() {
        let mut b = bank(20);
        let asked = run(&mut b, &QuestionFilter::default(), 7, 40);
        let first: HashSet<_> = asked[..20].iter().collect();
        let second: HashSet<_> = asked[20..].iter().collect();
        assert_eq!(first.len(), 20);
        assert_eq!(second.len(), 20);
    }

    #[test]
    fn filters_restrict_the_category_and_difficulty() {
        let mut b = bank(30);
        let filter = QuestionFilter {
            category: Some(Category::parse("databases").unwrap()),
            difficulty: Some(Difficulty::Hard),
        };
        // Even indexes divisible by 3: 0, 6, 12, 18, 24.
        let asked = run(&mut b, &filter, 1, 5);
        let mut sorted = asked.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 6, 12, 18, 24]);
    }

    #[test]
    fn the_order_is_reproducible_for_a_seed_and_differs_between_seeds() {
        let a = run(&mut bank(20), &QuestionFilter::default(), 42, 20);
        let b = run(&mut bank(20), &QuestionFilter::default(), 42, 20);
        let c = run(&mut bank(20), &QuestionFilter::default(), 43, 20);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, (0..20).collect::<Vec<_>>(), "order must not be the file order");
    }

    #[test]
    fn a_new_question_joins_the_current_cycle_without_reshuffling_the_rest() {
        let mut b = bank(10);
        run(&mut b, &QuestionFilter::default(), 9, 4);
        let mut without = b.clone();
        let rest_without = run(&mut without, &QuestionFilter::default(), 9, 6);
        b.push(Candidate {
            series: Series::Standalone,
            key: 10,
            slug: QuestionSlug::parse("q-new").unwrap(),
            ..b[1].clone()
        });
        b[10].times_asked = 0;
        let rest_with = run(&mut b, &QuestionFilter::default(), 9, 7);
        let filtered: Vec<usize> = rest_with.into_iter().filter(|&k| k != 10).collect();
        assert_eq!(filtered, rest_without);
    }

    #[test]
    fn a_source_names_its_pool_and_reads_back() {
        for s in [
            QuestionSource::Shipped,
            QuestionSource::Server,
            QuestionSource::Both,
        ] {
            assert_eq!(QuestionSource::parse(s.as_str()), Ok(s));
        }
        assert!(QuestionSource::Server.includes(true) && !QuestionSource::Server.includes(false));
        assert!(!QuestionSource::Shipped.includes(true) && QuestionSource::Shipped.includes(false));
        assert!(QuestionSource::Both.includes(true) && QuestionSource::Both.includes(false));
        assert!(QuestionSource::parse("mine").is_err());
    }

    #[test]
    fn a_follow_up_comes_a_few_rounds_after_its_base_never_before() {
        let filter = QuestionFilter::default();
        let mut b = bank(4);
        b[3].series = Series::BaseNotAsked;
        // Until its base is asked, the follow-up is never drawn, whatever the cycle.
        let first = run(&mut b, &filter, 9, 6);
        assert!(!first.contains(&3), "{first:?}");
        for rounds_ago in 0..SERIES_GAP {
            b[3].series = Series::BaseAsked { rounds_ago };
            assert_ne!(pick_next(&b, &filter, 9), Some(3), "too soon");
        }
        // Then it comes first, even though the others were asked less.
        b[3].series = Series::BaseAsked {
            rounds_ago: SERIES_GAP,
        };
        assert_eq!(pick_next(&b, &filter, 9), Some(3));
        b[3].times_asked = 5;
        b[3].series = Series::BaseAsked {
            rounds_ago: SERIES_GAP + 5,
        };
        assert_ne!(
            pick_next(&b, &filter, 9),
            Some(3),
            "once asked, it waits its turn in rotation"
        );
    }

    #[test]
    fn an_empty_filtered_bank_yields_nothing() {
        let filter = QuestionFilter {
            category: Some(Category::parse("security").unwrap()),
            difficulty: None,
        };
        assert_eq!(pick_next(&bank(5), &filter, 0), None);
    }
}
