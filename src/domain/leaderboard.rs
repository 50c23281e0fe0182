//! Leaderboard periods, read in the guild's time zone, and ranking.

use super::ids::UserId;
use super::schedule::Timezone;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::fmt;
use std::str::FromStr;

/// The span a leaderboard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    /// This week, starting Monday 00:00 local time.
    Week,
    /// This calendar month.
    Month,
    /// Everything.
    #[default]
    AllTime,
}

impl Period {
    /// The name used in commands and button ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::AllTime => "all",
        }
    }

    /// Start (inclusive) and end (exclusive) of the period containing `now`; `None` for all time.
    pub fn bounds(self, tz: Timezone, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let today = tz.local_date(now);
        let (start, end): (NaiveDate, NaiveDate) = match self {
            Period::AllTime => return None,
            Period::Week => {
                let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                (monday, monday + Duration::days(7))
            }
            Period::Month => {
                let first = today.with_day(1).expect("day 1 exists");
                let next = if first.month() == 12 {
                    NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
                }
                .expect("first of a month exists");
                (first, next)
            }
        };
        let midnight = |d: NaiveDate| tz.resolve(d.and_hms_opt(0, 0, 0).expect("midnight"));
        Some((midnight(start), midnight(end)))
    }
}

/// The periods whose standings are kept up to date as points are awarded.
pub const KEPT_PERIODS: [Period; 3] = [Period::AllTime, Period::Week, Period::Month];

/// Which leaderboard points go to: the daily questions' board, or the practice sessions' own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Board {
    /// Daily questions (and practice too, when the guild counts practice on it).
    #[default]
    Daily,
    /// Practice sessions.
    Practice,
}

impl Board {
    /// The name used in commands, button ids and the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Board::Daily => "daily",
            Board::Practice => "practice",
        }
    }

    /// Parses [`Board::as_str`].
    pub fn parse(s: &str) -> Option<Board> {
        match s {
            "daily" => Some(Board::Daily),
            "practice" => Some(Board::Practice),
            _ => None,
        }
    }

    /// The standings bucket of this board that holds points dated `at` in `period`: the
    /// period's own bucket for the daily board, the same prefixed with `practice:` for practice.
    pub fn bucket(self, period: Period, tz: Timezone, at: DateTime<Utc>) -> String {
        match self {
            Board::Daily => period.bucket(tz, at),
            Board::Practice => format!("practice:{}", period.bucket(tz, at)),
        }
    }

    /// The boards a line of this board is added to: practice lines also count on the daily
    /// board when the guild asked for it.
    pub fn counted_on(self, practice_on_daily: bool) -> &'static [Board] {
        match (self, practice_on_daily) {
            (Board::Daily, _) => &[Board::Daily],
            (Board::Practice, false) => &[Board::Practice],
            (Board::Practice, true) => &[Board::Practice, Board::Daily],
        }
    }
}

impl Period {
    /// The key of the standings bucket that holds points dated `at` in this period, read in
    /// `tz`: `all`, `week:2026-06-08` (its Monday) or `month:2026-06`. The leaderboard of the
    /// period containing `now` reads the bucket `self.bucket(tz, now)`.
    pub fn bucket(self, tz: Timezone, at: DateTime<Utc>) -> String {
        let day = tz.local_date(at);
        match self {
            Period::AllTime => "all".to_owned(),
            Period::Week => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                format!("week:{}", monday.format("%Y-%m-%d"))
            }
            Period::Month => format!("month:{}", day.format("%Y-%m")),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Period::Week => "this week",
            Period::Month => "this month",
            Period::AllTime => "all time",
        })
    }
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "all" | "all-time" | "alltime" => Ok(Period::AllTime),
            _ => Err(format!(
                "{} is not a period: use week, month or all",
                super::text::quote_input(s)
            )),
        }
    }
}

/// One member's totals in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The member.
    pub member: UserId,
    /// Points in the period.
    pub points: i64,
    /// Rounds answered in the period.
    pub answers: i64,
}

/// What `/stats` shows about a member (besides points, rank and streaks).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberStats {
    /// Rounds answered.
    pub answers: i64,
    /// Upvotes received on answers that still count.
    pub votes_received: i64,
    /// The member's most-upvoted answer: (answer message, its thread, votes).
    pub best_answer: Option<(super::ids::MessageId, super::ids::ChannelId, i64)>,
    /// Rounds answered per category, most first.
    pub per_category: Vec<(String, i64)>,
    /// Questions practised alone (`/practice solo`) per category, most first.
    pub practised_solo: Vec<(String, i64)>,
}

/// Sums a round's awards per member, the change each member's standings get from them.
/// `answers` counts answer awards (one per answered round).
pub fn standing_changes(awards: &[super::scoring::Award]) -> Vec<Standing> {
    let mut by_member: std::collections::BTreeMap<UserId, (i64, i64)> = Default::default();
    for a in awards {
        let entry = by_member.entry(a.member).or_default();
        entry.0 += a.points;
        if a.kind == super::scoring::AwardKind::Answer {
            entry.1 += 1;
        }
    }
    by_member
        .into_iter()
        .map(|(member, (points, answers))| Standing {
            member,
            points,
            answers,
        })
        .collect()
}

/// One page of a leaderboard as read from the kept standings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardPage {
    /// The page shown (0-based): the one asked for, or the last when the board is shorter.
    pub page: u64,
    /// The page's rows, ranked.
    pub rows: Vec<Ranked>,
    /// How many members the whole board has.
    pub total: u64,
    /// The asking member's own row, when they are on the board.
    pub me: Option<Ranked>,
}

/// How many members of a board have each points total, highest first: what a page needs to
/// know where it starts, how long the board is and how many are ahead of a member, in one read
/// of a row per distinct total instead of a walk over every member.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PointsHistogram {
    /// (points, members with exactly that many), points descending; counts may be 0.
    counts: Vec<(i64, u64)>,
}

impl PointsHistogram {
    /// A histogram from (points, members) pairs in any order; pairs with the same points add up.
    pub fn new(mut counts: Vec<(i64, u64)>) -> Self {
        counts.sort_by_key(|c| std::cmp::Reverse(c.0));
        counts.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        Self { counts }
    }

    /// Members on the board.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// Members with more than `points`.
    pub fn ahead_of(&self, points: i64) -> u64 {
        self.counts
            .iter()
            .take_while(|(p, _)| *p > points)
            .map(|(_, n)| n)
            .sum()
    }

    /// Where the member at 0-based position `offset` in board order stands: the points total
    /// of that position and how many members are ahead of every member with it. `None` past
    /// the end of the board.
    pub fn locate(&self, offset: u64) -> Option<(i64, u64)> {
        let mut ahead = 0;
        for &(points, n) in &self.counts {
            if ahead + n > offset {
                return Some((points, ahead));
            }
            ahead += n;
        }
        None
    }
}

/// One answer of a member as `/stats` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerTally {
    /// The answer message.
    pub message: super::ids::MessageId,
    /// Its round.
    pub round_id: i64,
    /// The round's thread, when it has one (answers are linked through it).
    pub thread: Option<super::ids::ChannelId>,
    /// The question's category.
    pub category: String,
    /// ⬆️ votes the answer holds.
    pub votes: i64,
}

impl MemberStats {
    /// Sums a member's answers that still count: upvotes received, the most-upvoted answer
    /// (the earliest message among equals; none without a vote or a thread), and answered
    /// rounds per category (most first, then by name).
    pub fn from_answers(answers: i64, tallies: &[AnswerTally]) -> Self {
        let votes_received = tallies.iter().map(|t| t.votes).sum();
        let best_answer = tallies
            .iter()
            .filter(|t| t.votes > 0)
            .filter_map(|t| t.thread.map(|thread| (t.message, thread, t.votes)))
            .min_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut rounds: std::collections::BTreeMap<&str, std::collections::BTreeSet<i64>> =
            Default::default();
        for t in tallies {
            rounds.entry(&t.category).or_default().insert(t.round_id);
        }
        let mut per_category: Vec<(String, i64)> = rounds
            .into_iter()
            .map(|(c, r)| (c.to_owned(), r.len() as i64))
            .collect();
        per_category.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Self {
            answers,
            votes_received,
            best_answer,
            per_category,
            practised_solo: Vec::new(),
        }
    }
}

/// Ranks one page of standings already in board order (points, then answers, then member),
/// given `ahead`: how many members have more points than the page's first row. Members with
/// equal points share a rank, across page boundaries too.
pub fn rank_page(offset: u64, ahead: u64, rows: Vec<Standing>) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = Vec::with_capacity(rows.len());
    for (i, s) in rows.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.standing.points == s.points => prev.rank,
            Some(_) => (offset + i as u64 + 1) as u32,
            None => (ahead + 1) as u32,
        };
        out.push(Ranked { rank, standing: s });
    }
    out
}

/// A standing with its rank; members with equal points share a rank (1, 2, 2, 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// 1-based competition rank.
    pub rank: u32,
    /// The standing.
    pub standing: Standing,
}

/// Sorts by points (then answers, then member id for a stable order) and assigns ranks.
pub fn rank(mut standings: Vec<Standing>) -> Vec<Ranked> {
    standings.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then(b.answers.cmp(&a.answers))
            .then(a.member.cmp(&b.member))
    });
    let mut out: Vec<Ranked> = Vec::with_capacity(standings.len());
    for (i, s) in standings.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.standing.points == s.points => prev.rank,
            _ => i as u32 + 1,
        };
        out.push(Ranked { rank, standing: s });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_week_starts_on_monday_at_local_midnight() {
        let tz = Timezone::parse("America/New_York").unwrap();
        // Wednesday 2026-06-10 12:00 New York.
        let (start, end) = Period::Week.bounds(tz, utc("2026-06-10T16:00:00Z")).unwrap();
        assert_eq!(start, utc("2026-06-08T04:00:00Z"));
        assert_eq!(end, utc("2026-06-15T04:00:00Z"));
    }

    #[test]
    fn the_week_is_read_in_the_guild_zone_not_in_utc() {
        // Monday 2026-06-15 01:00 in Tokyo is still Sunday in UTC.
        let tz = Timezone::parse("Asia/Tokyo").unwrap();
        let (start, _) = Period::Week.bounds(tz, utc("2026-06-14T16:00:00Z")).unwrap();
        assert_eq!(start, utc("2026-06-14T15:00:00Z"));
    }

    #[test]
    fn a_month_runs_from_the_first_to_the_first_across_a_dst_change() {
        let tz = Timezone::parse("Europe/Berlin").unwrap();
        let (start, end) = Period::Month.bounds(tz, utc("2026-03-15T12:00:00Z")).unwrap();
        assert_eq!(start, utc("2026-02-28T23:00:00Z"));
        assert_eq!(end, utc("2026-03-31T22:00:00Z"));
        let (_, dec_end) = Period::Month.bounds(tz, utc("2026-12-15T12:00:00Z")).unwrap();
        assert_eq!(dec_end, utc("2026-12-31T23:00:00Z"));
    }

    #[test]
    fn all_time_has_no_bounds() {
        assert_eq!(Period::AllTime.bounds(Timezone::utc(), Utc::now()), None);
    }

    #[test]
    fn equal_points_share_a_rank() {
        let s = |m, p, a| Standing {
            member: UserId(m),
            points: p,
            answers: a,
        };
        let ranked = rank(vec![s(1, 5, 1), s(2, 9, 3), s(3, 5, 2), s(4, 1, 1)]);
        let ranks: Vec<(u64, u32)> = ranked.iter().map(|r| (r.standing.member.0, r.rank)).collect();
        assert_eq!(ranks, vec![(2, 1), (3, 2), (1, 2), (4, 4)]);
    }

    #[test]
    fn buckets_are_named_by_the_local_monday_and_month() {
        let tz = Timezone::parse("Asia/Tokyo").unwrap();
        // Sunday 2026-06-14 23:30 UTC is Monday 2026-06-15 08:30 in Tokyo.
        let at = utc("2026-06-14T23:30:00Z");
        assert_eq!(Period::Week.bucket(tz, at), "week:2026-06-15");
        assert_eq!(Period::Week.bucket(Timezone::utc(), at), "week:2026-06-08");
        assert_eq!(
            Period::Month.bucket(tz, utc("2026-06-30T20:00:00Z")),
            "month:2026-07"
        );
        assert_eq!(Period::AllTime.bucket(tz, at), "all");
    }

    #[test]
    fn practice_buckets_never_share_a_key_with_the_daily_board() {
        let tz = Timezone::utc();
        let at = utc("2026-06-14T23:30:00Z");
        for period in KEPT_PERIODS {
            let daily = Board::Daily.bucket(period, tz, at);
            let practice = Board::Practice.bucket(period, tz, at);
            assert_eq!(daily, period.bucket(tz, at));
            assert_ne!(daily, practice);
            assert!(practice.ends_with(&daily));
        }
        assert_eq!(Board::Practice.counted_on(false), [Board::Practice]);
        assert_eq!(Board::Practice.counted_on(true), [Board::Practice, Board::Daily]);
        assert_eq!(Board::Daily.counted_on(true), [Board::Daily]);
        for b in [Board::Daily, Board::Practice] {
            assert_eq!(Board::parse(b.as_str()), Some(b));
        }
    }

    #[test]
    fn a_bucket_holds_exactly_the_instants_inside_its_period_bounds() {
        let tz = Timezone::parse("Europe/Berlin").unwrap();
        let now = utc("2026-03-29T12:00:00Z");
        for period in [Period::Week, Period::Month] {
            let (start, end) = period.bounds(tz, now).unwrap();
            let key = period.bucket(tz, now);
            assert_eq!(period.bucket(tz, start), key);
            assert_eq!(period.bucket(tz, end - Duration::milliseconds(1)), key);
            assert_ne!(period.bucket(tz, end), key);
            assert_ne!(period.bucket(tz, start - Duration::milliseconds(1)), key);
        }
    }

    #[test]
    fn standing_changes_sum_points_and_count_answered_rounds() {
        use crate::domain::scoring::{Award, AwardKind};
        let award = |m, kind, points| Award {
            member: UserId(m),
            kind,
            points,
        };
        let changes = standing_changes(&[
            award(2, AwardKind::Answer, 2),
            award(2, AwardKind::Votes, 3),
            award(1, AwardKind::Votes, 1),
            award(2, AwardKind::TopAnswer, 3),
        ]);
        let s = |m, points, answers| Standing {
            member: UserId(m),
            points,
            answers,
        };
        assert_eq!(changes, vec![s(1, 1, 0), s(2, 8, 1)]);
    }

    #[test]
    fn a_page_ranks_like_the_whole_board_even_when_a_tie_crosses_its_start() {
        let s = |m, p, a| Standing {
            member: UserId(m),
            points: p,
            answers: a,
        };
        let board = vec![
            s(1, 9, 1),
            s(2, 5, 3),
            s(3, 5, 2),
            s(4, 5, 1),
            s(5, 4, 1),
            s(6, 1, 1),
        ];
        let whole = rank(board.clone());
        for (offset, size) in [(0, 2), (2, 2), (3, 3), (4, 2), (5, 1)] {
            let rows: Vec<Standing> = board[offset..offset + size].to_vec();
            let ahead = board.iter().filter(|b| b.points > rows[0].points).count() as u64;
            let page = rank_page(offset as u64, ahead, rows);
            assert_eq!(page, whole[offset..offset + size].to_vec(), "page at {offset}");
        }
    }

    #[test]
    fn periods_parse_from_command_names() {
        assert_eq!("week".parse::<Period>(), Ok(Period::Week));
        assert_eq!("all".parse::<Period>(), Ok(Period::AllTime));
        assert!("year".parse::<Period>().is_err());
    }

    #[test]
    fn the_histogram_places_every_position_of_a_board_and_counts_those_ahead() {
        // Points of a board in order: 9, 7, 7, 7, 3, 0 (a total of 5 members had 5 once, now 0).
        let h = PointsHistogram::new(vec![(7, 2), (0, 1), (3, 1), (9, 1), (7, 1), (5, 0)]);
        assert_eq!(h.total(), 6);
        let places: Vec<_> = (0..7).map(|i| h.locate(i)).collect();
        assert_eq!(
            places,
            vec![
                Some((9, 0)),
                Some((7, 1)),
                Some((7, 1)),
                Some((7, 1)),
                Some((3, 4)),
                Some((0, 5)),
                None
            ]
        );
        assert_eq!(h.ahead_of(10), 0);
        assert_eq!(h.ahead_of(7), 1);
        assert_eq!(h.ahead_of(5), 4);
        assert_eq!(h.ahead_of(-1), 6);
    }

    proptest::proptest! {
        #[test]
        fn the_histogram_agrees_with_sorting_the_board(points in proptest::collection::vec(-5i64..20, 0..60)) {
            let mut counts: Vec<(i64, u64)> = points.iter().map(|p| (*p, 1)).collect();
            counts.push((100, 0));
            let h = PointsHistogram::new(counts);
            let mut sorted = points.clone();
            sorted.sort_by(|a, b| b.cmp(a));
            proptest::prop_assert_eq!(h.total(), sorted.len() as u64);
            for (i, p) in sorted.iter().enumerate() {
                let ahead = sorted.iter().filter(|q| *q > p).count() as u64;
                proptest::prop_assert_eq!(h.locate(i as u64), Some((*p, ahead)));
                proptest::prop_assert_eq!(h.ahead_of(*p), ahead);
            }
            proptest::prop_assert_eq!(h.locate(sorted.len() as u64), None);
        }
    }

    #[test]
    fn stats_sum_votes_pick_the_earliest_best_answer_and_count_rounds_per_category() {
        use crate::domain::{ChannelId, MessageId};
        let tally = |message, round_id, thread: Option<u64>, category: &str, votes| AnswerTally {
            message: MessageId(message),
            round_id,
            thread: thread.map(ChannelId),
            category: category.to_owned(),
            votes,
        };
        let stats = MemberStats::from_answers(
            4,
            &[
                tally(50, 1, Some(500), "db", 3),
                tally(40, 2, Some(400), "os", 3),
                // Two answers in one round count as one round of the category.
                tally(41, 2, Some(400), "os", 0),
                // The most votes, but its round has no thread to link to.
                tally(30, 3, None, "db", 9),
                tally(20, 4, Some(200), "algo", 0),
            ],
        );
        assert_eq!(stats.answers, 4);
        assert_eq!(stats.votes_received, 15);
        assert_eq!(stats.best_answer, Some((MessageId(40), ChannelId(400), 3)));
        assert_eq!(
            stats.per_category,
            vec![("db".to_owned(), 2), ("algo".to_owned(), 1), ("os".to_owned(), 1)]
        );
        assert_eq!(
            MemberStats::from_answers(0, &[tally(1, 1, Some(1), "db", 0)]).best_answer,
            None
        );
    }
}
