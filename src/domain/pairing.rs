//! Mock-interview pairing: who is matched with whom, which question each side asks, and the
//! rubric partners rate each other on.

use super::ids::UserId;
use super::question::{Category, Difficulty};
use super::rotation::{Candidate, QuestionFilter, pick_next};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::fmt;

/// How experienced a member says they are; partners of the same level are matched when possible,
/// and each is asked questions of the matching difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Early career.
    Junior,
    /// A few years in.
    Mid,
    /// Senior and above.
    Senior,
}

impl Level {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Junior => "junior",
            Level::Mid => "mid",
            Level::Senior => "senior",
        }
    }

    /// Parses [`Level::as_str`].
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "junior" => Some(Level::Junior),
            "mid" => Some(Level::Mid),
            "senior" => Some(Level::Senior),
            _ => None,
        }
    }

    /// The difficulty of the questions a member of this level is asked.
    pub fn difficulty(self) -> Difficulty {
        match self {
            Level::Junior => Difficulty::Easy,
            Level::Mid => Difficulty::Medium,
            Level::Senior => Difficulty::Hard,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member waiting in a guild's pairing pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolEntry {
    /// The member.
    pub member: UserId,
    /// Their level, if they gave one.
    pub level: Option<Level>,
    /// The topics they want to be asked about (empty: anything).
    pub topics: Vec<Category>,
    /// When they joined the pool.
    pub joined_at: DateTime<Utc>,
    /// Whether they were the odd one out last time (first in line now).
    pub waiting: bool,
}

/// Who is paired with whom, and who waits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matching {
    /// The pairs, each in pool order (the first interviews first).
    pub pairs: Vec<(UserId, UserId)>,
    /// The odd one out, told so and kept first in line.
    pub waiting: Option<UserId>,
}

/// A pair as a set, for "were they paired last time?".
pub fn pair_key(a: UserId, b: UserId) -> (UserId, UserId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Matches a pool: with an odd count, the last to join of those who did not wait last time waits
/// (so a member who waited is never left out twice in a row while anyone else is there, even at
/// the cost of meeting last time's partner again). The others choose in turn, those who waited
/// last time first, then in the order they joined: each picks, among those not yet matched, the
/// partner who was not their partner last time (`recent`), then of the same level, then sharing
/// the most topics, then who joined first.
pub fn match_pool(pool: &[PoolEntry], recent: &BTreeSet<(UserId, UserId)>) -> Matching {
    let mut order: Vec<&PoolEntry> = pool.iter().collect();
    order.sort_by(|a, b| {
        b.waiting
            .cmp(&a.waiting)
            .then(a.joined_at.cmp(&b.joined_at))
            .then(a.member.cmp(&b.member))
    });
    let mut seen = BTreeSet::new();
    order.retain(|e| seen.insert(e.member));
    let mut matching = Matching::default();
    if order.len() % 2 == 1 {
        let last = order.len() - 1;
        let at = order.iter().rposition(|e| !e.waiting).unwrap_or(last);
        matching.waiting = Some(order.remove(at).member);
    }
    let mut taken = vec![false; order.len()];
    for i in 0..order.len() {
        if taken[i] {
            continue;
        }
        taken[i] = true;
        let me = order[i];
        let partner = (i + 1..order.len()).filter(|j| !taken[*j]).max_by_key(|j| {
            let other = order[*j];
            let fresh = !recent.contains(&pair_key(me.member, other.member));
            let same_level = me.level.is_some() && me.level == other.level;
            let shared = me.topics.iter().filter(|t| other.topics.contains(t)).count();
            // Earlier in the order wins ties: max_by_key keeps the last maximum.
            (fresh, same_level, shared, std::cmp::Reverse(*j))
        });
        match partner {
            Some(j) => {
                taken[j] = true;
                matching.pairs.push((me.member, order[j].member));
            }
            None => matching.waiting = Some(me.member),
        }
    }
    matching
}

/// The question an interviewer asks `interviewee`: one of their topics (any topic when they gave
/// none, or none of theirs is in the bank) at their level's difficulty (any difficulty when none
/// is left), in the guild's rotation order, least asked first.
pub fn pick_question<K: Clone>(candidates: &[Candidate<K>], interviewee: &PoolEntry, seed: u64) -> Option<K> {
    let on_topic: Vec<Candidate<K>> = candidates
        .iter()
        .filter(|c| interviewee.topics.is_empty() || interviewee.topics.contains(&c.category))
        .cloned()
        .collect();
    let pool = if on_topic.is_empty() {
        candidates
    } else {
        &on_topic[..]
    };
    let seed = seed ^ interviewee.member.0;
    let at_level = interviewee.level.map(|l| QuestionFilter {
        category: None,
        difficulty: Some(l.difficulty()),
    });
    at_level
        .and_then(|f| pick_next(pool, &f, seed))
        .or_else(|| pick_next(pool, &QuestionFilter::default(), seed))
}

/// A guild's pairing time and channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingSettings {
    /// The guild.
    pub guild_id: super::ids::GuildId,
    /// Where pairs' private threads are opened and the pairing is announced.
    pub channel_id: super::ids::ChannelId,
    /// When pairing happens (local time, zone, weekdays).
    pub time: super::schedule::PostTime,
    /// The next pairing instant.
    pub next_at: DateTime<Utc>,
}

/// What a pairing decided, before it is written: each pair with the question each side asks,
/// and who waits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PairingPlan {
    /// (interviewer first, partner, question `a` asks `b`, question `b` asks `a`).
    pub pairs: Vec<PlannedPair>,
    /// The odd one out.
    pub waiting: Option<UserId>,
}

/// One planned pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPair {
    /// Interviews first.
    pub a: UserId,
    /// Interviews second.
    pub b: UserId,
    /// The question `a` asks `b`.
    pub question_for_b: i64,
    /// The question `b` asks `a`.
    pub question_for_a: i64,
}

/// Plans a pairing: the matching, and a question for each side from the guild's bank
/// (`candidates`). A pair for which the bank has no question at all is left out (both stay in the
/// pool).
pub fn plan_pairing(
    pool: &[PoolEntry],
    recent: &BTreeSet<(UserId, UserId)>,
    candidates: &[Candidate<i64>],
    seed: u64,
) -> PairingPlan {
    let matching = match_pool(pool, recent);
    let entry = |m: UserId| pool.iter().find(|e| e.member == m);
    let pairs = matching
        .pairs
        .iter()
        .filter_map(|(a, b)| {
            let (ea, eb) = (entry(*a)?, entry(*b)?);
            Some(PlannedPair {
                a: *a,
                b: *b,
                question_for_b: pick_question(candidates, eb, seed)?,
                question_for_a: pick_question(candidates, ea, seed)?,
            })
        })
        .collect();
    PairingPlan {
        pairs,
        waiting: matching.waiting,
    }
}

/// Two members paired for a mock interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// Database key.
    pub id: i64,
    /// The pairing it came from.
    pub pairing_id: i64,
    /// The guild.
    pub guild_id: super::ids::GuildId,
    /// The pairing channel (the private thread's parent).
    pub channel_id: super::ids::ChannelId,
    /// Interviews first.
    pub a: UserId,
    /// Interviews second.
    pub b: UserId,
    /// The question `a` asks `b`.
    pub question_for_b: i64,
    /// The question `b` asks `a`.
    pub question_for_a: i64,
    /// Their private thread, once opened.
    pub thread_id: Option<super::ids::ChannelId>,
    /// The thread's first message (packets and rating buttons), once posted.
    pub intro_message_id: Option<super::ids::MessageId>,
    /// How many times opening the thread was attempted (a retry looks for an earlier one).
    pub thread_attempts: u32,
}

impl Pair {
    /// The partner of `member`, if `member` is one of the pair.
    pub fn partner_of(&self, member: UserId) -> Option<UserId> {
        if member == self.a {
            Some(self.b)
        } else if member == self.b {
            Some(self.a)
        } else {
            None
        }
    }

    /// The question `member` asks their partner.
    pub fn question_asked_by(&self, member: UserId) -> Option<i64> {
        if member == self.a {
            Some(self.question_for_b)
        } else if member == self.b {
            Some(self.question_for_a)
        } else {
            None
        }
    }
}

/// What partners rate each other on, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rubric {
    /// Was the answer easy to follow?
    Clarity,
    /// Did it go beyond the surface?
    Depth,
    /// Did they listen, ask, explain their thinking?
    Communication,
}

impl Rubric {
    /// Every rubric, in the order shown.
    pub const ALL: [Rubric; 3] = [Rubric::Clarity, Rubric::Depth, Rubric::Communication];

    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Rubric::Clarity => "clarity",
            Rubric::Depth => "depth",
            Rubric::Communication => "communication",
        }
    }

    /// Parses [`Rubric::as_str`].
    pub fn parse(s: &str) -> Option<Rubric> {
        Rubric::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// One letter, for button ids.
    pub fn code(self) -> char {
        match self {
            Rubric::Clarity => 'c',
            Rubric::Depth => 'd',
            Rubric::Communication => 'm',
        }
    }

    /// Parses [`Rubric::code`].
    pub fn from_code(c: &str) -> Option<Rubric> {
        Rubric::ALL.into_iter().find(|r| r.code().to_string() == c)
    }

    /// How members read it.
    pub fn title(self) -> &'static str {
        match self {
            Rubric::Clarity => "Clarity",
            Rubric::Depth => "Depth",
            Rubric::Communication => "Communication",
        }
    }
}

/// The scores a rating may give.
pub const SCORES: std::ops::RangeInclusive<u8> = 1..=5;

/// The ratings a member received on one rubric: their average and how many.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RubricAverage {
    /// The rubric.
    pub rubric: Rubric,
    /// Mean score, 1 to 5.
    pub average: f64,
    /// How many ratings.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::question::QuestionSlug;
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + minute * 60, 0).unwrap()
    }

    fn entry(member: u64, level: Option<Level>, topics: &[&str], minute: i64, waiting: bool) -> PoolEntry {
        PoolEntry {
            member: UserId(member),
            level,
            topics: topics.iter().map(|t| Category::parse(t).unwrap()).collect(),
            joined_at: at(minute),
            waiting,
        }
    }

    #[test]
    fn five_members_make_two_pairs_and_the_last_one_waits() {
        let pool: Vec<PoolEntry> = (1..=5).map(|m| entry(m, None, &[], m as i64, false)).collect();
        let m = match_pool(&pool, &BTreeSet::new());
        assert_eq!(m.pairs, vec![(UserId(1), UserId(2)), (UserId(3), UserId(4))]);
        assert_eq!(m.waiting, Some(UserId(5)));
    }

    #[test]
    fn a_member_listed_twice_is_matched_once() {
        let pool = vec![
            entry(1, None, &[], 0, false),
            entry(2, None, &[], 1, false),
            entry(1, None, &[], 2, true),
        ];
        let m = match_pool(&pool, &BTreeSet::new());
        assert_eq!(m.pairs, vec![(UserId(1), UserId(2))]);
        assert_eq!(m.waiting, None);
    }

    #[test]
    fn whoever_waited_last_time_is_paired_first() {
        let mut pool: Vec<PoolEntry> = (1..=5).map(|m| entry(m, None, &[], m as i64, false)).collect();
        pool[4].waiting = true;
        let m = match_pool(&pool, &BTreeSet::new());
        assert_eq!(m.pairs[0], (UserId(5), UserId(1)));
        assert_ne!(m.waiting, Some(UserId(5)));
    }

    #[test]
    fn last_time_s_partners_are_avoided_and_levels_and_topics_preferred() {
        let pool = vec![
            entry(1, Some(Level::Mid), &["databases"], 1, false),
            entry(2, Some(Level::Mid), &["databases"], 2, false),
            entry(3, Some(Level::Senior), &["caching"], 3, false),
            entry(4, Some(Level::Mid), &["caching"], 4, false),
        ];
        // Without history 1 takes 2 (same level, shared topic).
        assert_eq!(
            match_pool(&pool, &BTreeSet::new()).pairs[0],
            (UserId(1), UserId(2))
        );
        // Paired last time: 1 takes 4 (same level) instead.
        let recent = BTreeSet::from([pair_key(UserId(2), UserId(1))]);
        let m = match_pool(&pool, &recent);
        assert_eq!(m.pairs, vec![(UserId(1), UserId(4)), (UserId(2), UserId(3))]);
        // A repeat is still better than nobody.
        let two = &pool[..2];
        assert_eq!(match_pool(two, &recent).pairs, vec![(UserId(1), UserId(2))]);
    }

    fn candidate(key: u32, category: &str, difficulty: Difficulty) -> Candidate<u32> {
        Candidate {
            key,
            slug: QuestionSlug::parse(&format!("q-{key}")).unwrap(),
            category: Category::parse(category).unwrap(),
            difficulty,
            times_asked: 0,
            series: Default::default(),
        }
    }

    #[test]
    fn a_packet_question_follows_the_interviewees_topics_and_level_when_it_can() {
        let bank = vec![
            candidate(1, "databases", Difficulty::Easy),
            candidate(2, "databases", Difficulty::Hard),
            candidate(3, "caching", Difficulty::Hard),
        ];
        let senior_db = entry(7, Some(Level::Senior), &["databases"], 0, false);
        assert_eq!(pick_question(&bank, &senior_db, 1), Some(2));
        let junior_caching = entry(7, Some(Level::Junior), &["caching"], 0, false);
        assert_eq!(
            pick_question(&bank, &junior_caching, 1),
            Some(3),
            "no easy caching: any difficulty"
        );
        let unknown_topic = entry(7, Some(Level::Junior), &["networking"], 0, false);
        assert_eq!(
            pick_question(&bank, &unknown_topic, 1),
            Some(1),
            "no networking: any topic"
        );
        assert_eq!(pick_question::<u32>(&[], &senior_db, 1), None);
    }

    #[test]
    fn each_side_asks_the_question_picked_for_their_partner() {
        let keyed = |key: i64, c: Candidate<u32>| Candidate {
            key,
            slug: c.slug,
            category: c.category,
            difficulty: c.difficulty,
            times_asked: c.times_asked,
            series: c.series,
        };
        let bank = vec![
            keyed(10, candidate(1, "databases", Difficulty::Easy)),
            keyed(20, candidate(2, "caching", Difficulty::Easy)),
        ];
        let pool = vec![
            entry(1, None, &["databases"], 1, false),
            entry(2, None, &["caching"], 2, false),
            entry(3, None, &[], 3, false),
        ];
        let plan = plan_pairing(&pool, &BTreeSet::new(), &bank, 5);
        assert_eq!(plan.waiting, Some(UserId(3)));
        assert_eq!(plan.pairs.len(), 1);
        let p = &plan.pairs[0];
        assert_eq!((p.a, p.b), (UserId(1), UserId(2)));
        assert_eq!((p.question_for_b, p.question_for_a), (20, 10));
        let pair = Pair {
            id: 1,
            pairing_id: 1,
            guild_id: crate::domain::GuildId(1),
            channel_id: crate::domain::ChannelId(1),
            a: p.a,
            b: p.b,
            question_for_b: p.question_for_b,
            question_for_a: p.question_for_a,
            thread_id: None,
            intro_message_id: None,
            thread_attempts: 0,
        };
        assert_eq!(pair.question_asked_by(UserId(1)), Some(20));
        assert_eq!(pair.question_asked_by(UserId(2)), Some(10));
        assert_eq!(pair.partner_of(UserId(2)), Some(UserId(1)));
        assert_eq!(pair.partner_of(UserId(3)), None);
        assert_eq!(pair.question_asked_by(UserId(3)), None);
        assert!(plan_pairing(&pool, &BTreeSet::new(), &[], 5).pairs.is_empty());
    }

    #[test]
    fn rubrics_and_levels_round_trip_their_names_and_codes() {
        for r in Rubric::ALL {
            assert_eq!(Rubric::parse(r.as_str()), Some(r));
            assert_eq!(Rubric::from_code(&r.code().to_string()), Some(r));
        }
        for l in [Level::Junior, Level::Mid, Level::Senior] {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Rubric::parse("charm"), None);
    }

    #[test]
    fn a_member_who_waited_does_not_wait_again_even_if_that_repeats_last_times_pair() {
        // Found by the property below: two who waited, last time's partners, and one newcomer.
        let pool = [
            entry(24, None, &[], 0, true),
            entry(1, None, &[], 0, false),
            entry(37, None, &[], 0, true),
        ];
        let recent = BTreeSet::from([pair_key(UserId(37), UserId(24))]);
        let m = match_pool(&pool, &recent);
        assert_eq!(m.waiting, Some(UserId(1)));
        assert_eq!(m.pairs, vec![(UserId(24), UserId(37))]);
    }

    proptest! {
        #[test]
        fn everyone_in_the_pool_is_paired_once_or_waits(
            members in proptest::collection::vec((1u64..40, any::<bool>(), 0i64..50), 0..25),
            recent in proptest::collection::vec((1u64..40, 1u64..40), 0..20),
        ) {
            // The store keeps one entry per member.
            let mut ids = BTreeSet::new();
            let pool: Vec<PoolEntry> = members
                .iter()
                .filter(|(m, _, _)| ids.insert(*m))
                .map(|(m, waiting, minute)| entry(*m, None, &[], *minute, *waiting))
                .collect();
            let recent: BTreeSet<_> = recent.iter().map(|(a, b)| pair_key(UserId(*a), UserId(*b))).collect();
            let m = match_pool(&pool, &recent);
            let distinct: BTreeSet<UserId> = pool.iter().map(|e| e.member).collect();
            let mut seen = BTreeSet::new();
            for (a, b) in &m.pairs {
                prop_assert!(a != b);
                prop_assert!(seen.insert(*a) && seen.insert(*b));
            }
            if let Some(w) = m.waiting {
                prop_assert!(seen.insert(w));
            }
            prop_assert_eq!(&seen, &distinct);
            prop_assert_eq!(m.waiting.is_some(), distinct.len() % 2 == 1);
            // A member who waited last time waits again only if everyone else did too.
            if let Some(w) = m.waiting
                && distinct.len() > 1
                && pool.iter().any(|e| e.member == w && e.waiting)
            {
                prop_assert!(pool.iter().all(|e| e.waiting));
            }
        }
    }
}
