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
}
