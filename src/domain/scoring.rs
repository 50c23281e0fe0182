//! Points for a round, computed once at the reveal and written to the ledger.

use super::ids::{MessageId, UserId};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// How many points each kind of contribution earns in a guild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoringWeights {
    /// For answering at all (once per round, however many messages).
    pub answer: i64,
    /// For each distinct member who upvoted any of one's answers.
    pub per_voter: i64,
    /// For writing the most-voted answer (each tied author gets it).
    pub top_answer: i64,
}

impl Default for ScoringWeights {
    fn default() -> Self {
        ScoringWeights {
            answer: 2,
            per_voter: 1,
            top_answer: 3,
        }
    }
}

impl ScoringWeights {
    /// Largest weight an admin may set; keeps sums far from overflow and leaderboards sane.
    pub const MAX: i64 = 100;

    /// Builds weights, each between 0 and 100.
    pub fn new(answer: i64, per_voter: i64, top_answer: i64) -> Result<Self, String> {
        for (name, v) in [
            ("answer", answer),
            ("per_voter", per_voter),
            ("top_answer", top_answer),
        ] {
            if !(0..=Self::MAX).contains(&v) {
                return Err(format!(
                    "the {name} weight must be between 0 and {}, not {v}",
                    Self::MAX
                ));
            }
        }
        Ok(ScoringWeights {
            answer,
            per_voter,
            top_answer,
        })
    }
}

/// What a ledger line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AwardKind {
    /// Answered the round.
    Answer,
    /// Received upvotes from distinct members.
    Votes,
    /// Wrote the most-voted answer.
    TopAnswer,
}

impl AwardKind {
    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            AwardKind::Answer => "answer",
            AwardKind::Votes => "votes",
            AwardKind::TopAnswer => "top_answer",
        }
    }
}

impl fmt::Display for AwardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AwardKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "answer" => Ok(AwardKind::Answer),
            "votes" => Ok(AwardKind::Votes),
            "top_answer" => Ok(AwardKind::TopAnswer),
            _ => Err(format!("unknown award kind {}", super::text::quote_input(s))),
        }
    }
}

/// One answer as counted at the reveal (withdrawn answers are left out by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedAnswer {
    /// The answer's message.
    pub message: MessageId,
    /// Its author.
    pub author: UserId,
    /// Members whose upvote counts (no self-votes, no bots).
    pub voters: BTreeSet<UserId>,
}

/// One line of the score ledger.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Award {
    /// Who earns it.
    pub member: UserId,
    /// What for.
    pub kind: AwardKind,
    /// How much.
    pub points: i64,
}

/// Computes every award of a round. Zero-point awards are left out, except the answer award:
/// the ledger's answer lines also count the rounds a member answered.
pub fn score_round(answers: &[CountedAnswer], weights: ScoringWeights) -> Vec<Award> {
    let mut voters_by_author: BTreeMap<UserId, BTreeSet<UserId>> = BTreeMap::new();
    for a in answers {
        voters_by_author
            .entry(a.author)
            .or_default()
            .extend(a.voters.iter().filter(|v| **v != a.author));
    }
    let mut awards = Vec::new();
    for (author, voters) in &voters_by_author {
        awards.push(Award {
            member: *author,
            kind: AwardKind::Answer,
            points: weights.answer,
        });
        awards.push(Award {
            member: *author,
            kind: AwardKind::Votes,
            points: weights.per_voter * voters.len() as i64,
        });
    }
    for author in top_authors(answers) {
        awards.push(Award {
            member: author,
            kind: AwardKind::TopAnswer,
            points: weights.top_answer,
        });
    }
    awards.retain(|a| a.points != 0 || a.kind == AwardKind::Answer);
    awards.sort();
    awards
}

/// Authors of the answer(s) with the most votes; empty when no answer has a vote.
pub fn top_authors(answers: &[CountedAnswer]) -> BTreeSet<UserId> {
    let votes = |a: &CountedAnswer| a.voters.iter().filter(|v| **v != a.author).count();
    let best = answers.iter().map(votes).max().unwrap_or(0);
    if best == 0 {
        return BTreeSet::new();
    }
    answers
        .iter()
        .filter(|a| votes(a) == best)
        .map(|a| a.author)
        .collect()
}

/// What removing answers changes in a round's points: for each member, their points under
/// `after` less their points under `before` (both scored with the same weights), and whether they
/// gained or lost the round as answered (+1, -1); members with no change left out, in member
/// order. A disqualification after the reveal writes these as correction lines, so the ledger
/// only ever grows.
pub fn award_changes(before: &[Award], after: &[Award]) -> Vec<super::leaderboard::Standing> {
    let mut totals: std::collections::BTreeMap<UserId, (i64, i64)> = std::collections::BTreeMap::new();
    for (awards, sign) in [(after, 1), (before, -1)] {
        for a in awards {
            let t = totals.entry(a.member).or_default();
            t.0 += sign * a.points;
            if a.kind == AwardKind::Answer {
                t.1 += sign;
            }
        }
    }
    totals
        .into_iter()
        .filter(|(_, (p, n))| *p != 0 || *n != 0)
        .map(|(member, (points, answers))| super::leaderboard::Standing {
            member,
            points,
            answers,
        })
        .collect()
}

/// Whether an admin's points adjustment is acceptable: not zero, at most 1,000 either way.
pub fn check_adjustment(points: i64) -> Result<i64, String> {
    if points == 0 {
        Err("An adjustment of 0 points changes nothing; give a positive or negative number.".to_owned())
    } else if points.unsigned_abs() > 1000 {
        Err(format!(
            "An adjustment is at most 1000 points either way; {points} is out of range."
        ))
    } else {
        Ok(points)
    }
}

/// The `n` most-upvoted answers for the summary: most votes first, the earlier message first
/// among equals; answers without a vote are not listed.
pub fn top_answers(answers: &[CountedAnswer], n: usize) -> Vec<&CountedAnswer> {
    let mut ranked: Vec<&CountedAnswer> = answers.iter().filter(|a| !a.voters.is_empty()).collect();
    ranked.sort_by(|a, b| {
        b.voters
            .len()
            .cmp(&a.voters.len())
            .then(a.message.cmp(&b.message))
    });
    ranked.truncate(n);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disqualifying_the_top_answer_takes_its_points_and_may_crown_another() {
        let w = ScoringWeights::default();
        let all = [answer(10, 1, &[2, 3]), answer(11, 2, &[1])];
        let without = [answer(11, 2, &[1])];
        let changes: Vec<(u64, i64, i64)> = award_changes(&score_round(&all, w), &score_round(&without, w))
            .iter()
            .map(|s| (s.member.0, s.points, s.answers))
            .collect();
        // Member 1 loses answering (2), two voters (2), the top answer (3) and the round;
        // member 2 becomes the top answer (+3).
        assert_eq!(changes, vec![(1, -7, -1), (2, 3, 0)]);
        assert!(award_changes(&score_round(&all, w), &score_round(&all, w)).is_empty());
    }

    #[test]
    fn an_adjustment_is_non_zero_and_bounded() {
        assert_eq!(check_adjustment(-5), Ok(-5));
        assert_eq!(check_adjustment(1000), Ok(1000));
        assert!(check_adjustment(0).is_err());
        assert!(check_adjustment(1001).unwrap_err().contains("1001"));
        assert!(check_adjustment(i64::MIN).is_err());
    }

    #[test]
    fn top_answers_rank_by_votes_then_by_who_answered_first() {
        let answers = [
            answer(10, 1, &[]),
            answer(11, 2, &[1]),
            answer(12, 3, &[1, 2]),
            answer(9, 4, &[3]),
            answer(13, 5, &[1]),
        ];
        let top: Vec<u64> = top_answers(&answers, 3).iter().map(|a| a.message.0).collect();
        assert_eq!(top, vec![12, 9, 11]);
    }

    fn answer(msg: u64, author: u64, voters: &[u64]) -> CountedAnswer {
        CountedAnswer {
            message: MessageId(msg),
            author: UserId(author),
            voters: voters.iter().map(|v| UserId(*v)).collect(),
        }
    }

    fn points_of(awards: &[Award], member: u64) -> i64 {
        awards
            .iter()
            .filter(|a| a.member == UserId(member))
            .map(|a| a.points)
            .sum()
    }

    #[test]
    fn default_weights_give_two_for_answering_one_per_voter_and_three_for_the_top_answer() {
        let awards = score_round(
            &[answer(10, 1, &[2, 3]), answer(11, 2, &[1]), answer(12, 3, &[])],
            ScoringWeights::default(),
        );
        assert_eq!(points_of(&awards, 1), 2 + 2 + 3);
        assert_eq!(points_of(&awards, 2), 2 + 1);
        assert_eq!(points_of(&awards, 3), 2);
    }

    #[test]
    fn splitting_an_answer_into_several_messages_earns_nothing_extra() {
        let split = score_round(
            &[answer(10, 1, &[2, 3]), answer(11, 1, &[2, 3]), answer(12, 1, &[])],
            ScoringWeights::default(),
        );
        let single = score_round(&[answer(10, 1, &[2, 3])], ScoringWeights::default());
        assert_eq!(points_of(&split, 1), points_of(&single, 1));
        assert_eq!(points_of(&single, 1), 2 + 2 + 3);
    }

    #[test]
    fn every_tied_author_gets_the_top_answer_bonus() {
        let awards = score_round(
            &[answer(10, 1, &[3]), answer(11, 2, &[3])],
            ScoringWeights::default(),
        );
        let tops: Vec<_> = awards
            .iter()
            .filter(|a| a.kind == AwardKind::TopAnswer)
            .map(|a| a.member)
            .collect();
        assert_eq!(tops, vec![UserId(1), UserId(2)]);
    }

    #[test]
    fn nobody_gets_the_top_bonus_when_no_answer_has_votes() {
        let awards = score_round(
            &[answer(10, 1, &[]), answer(11, 2, &[])],
            ScoringWeights::default(),
        );
        assert!(awards.iter().all(|a| a.kind == AwardKind::Answer));
    }

    #[test]
    fn self_votes_are_ignored_even_if_the_caller_passes_them() {
        let awards = score_round(&[answer(10, 1, &[1])], ScoringWeights::default());
        assert_eq!(points_of(&awards, 1), 2);
    }

    #[test]
    fn guild_weights_change_the_points_and_zero_weights_write_no_line_but_answers_are_still_recorded() {
        let w = ScoringWeights::new(5, 0, 10).unwrap();
        let awards = score_round(&[answer(10, 1, &[2])], w);
        assert_eq!(points_of(&awards, 1), 15);
        assert!(awards.iter().all(|a| a.kind != AwardKind::Votes));
        let no_answer_points = score_round(&[answer(10, 1, &[])], ScoringWeights::new(0, 1, 1).unwrap());
        assert_eq!(
            no_answer_points,
            vec![Award {
                member: UserId(1),
                kind: AwardKind::Answer,
                points: 0
            }]
        );
        assert!(ScoringWeights::new(-1, 1, 1).is_err());
        assert!(ScoringWeights::new(1, 1, 101).is_err());
    }
}
