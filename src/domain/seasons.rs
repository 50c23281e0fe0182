//! Seasons: a guild's competition periods (monthly by default, or weekly, or off), read in its
//! time zone, and when a finished season's recap is due.

use super::leaderboard::Period;
use super::schedule::Timezone;
use chrono::{DateTime, Duration, Utc};
use std::fmt;

/// How long a guild's seasons last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeasonKind {
    /// Calendar months.
    #[default]
    Monthly,
    /// Weeks starting Monday.
    Weekly,
    /// No seasons: no season leaderboard, no recap.
    Off,
}

impl SeasonKind {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            SeasonKind::Monthly => "monthly",
            SeasonKind::Weekly => "weekly",
            SeasonKind::Off => "off",
        }
    }

    /// Parses [`SeasonKind::as_str`].
    pub fn parse(s: &str) -> Option<SeasonKind> {
        match s {
            "monthly" => Some(SeasonKind::Monthly),
            "weekly" => Some(SeasonKind::Weekly),
            "off" => Some(SeasonKind::Off),
            _ => None,
        }
    }

    /// The leaderboard period a season is (its standings are that period's bucket).
    pub fn period(self) -> Option<Period> {
        match self {
            SeasonKind::Monthly => Some(Period::Month),
            SeasonKind::Weekly => Some(Period::Week),
            SeasonKind::Off => None,
        }
    }

    /// The season containing `at`: its start and end, in `tz`.
    pub fn bounds(self, tz: Timezone, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.period()?.bounds(tz, at)
    }
}

impl fmt::Display for SeasonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The finished season whose recap is due at `now`, if any: the season that starts where the
/// last recap left off (`recapped_until`), once it has ended. A bot that was down for several
/// seasons recaps them one after another, oldest first.
pub fn recap_due(
    kind: SeasonKind,
    tz: Timezone,
    recapped_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (start, end) = kind.bounds(tz, recapped_until)?;
    // A zone change can leave `recapped_until` inside a season: recap from there to its end.
    let start = start.max(recapped_until);
    (end <= now && start < end).then_some((start, end))
}

/// Where recaps start when a guild turns them on at `now`: the current season's start, so the
/// first recap is the current season's and past seasons are not recapped.
pub fn recaps_start(kind: SeasonKind, tz: Timezone, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    kind.bounds(tz, now).map(|(start, _)| start)
}

/// A season's number shown to members, and the text that names it ("Season 3 · June 2026").
pub fn season_label(number: u32, kind: SeasonKind, tz: Timezone, start: DateTime<Utc>) -> String {
    let day = tz.local_date(start + Duration::hours(12));
    match kind {
        SeasonKind::Weekly => format!("Season {number} · week of {}", day.format("%-d %B %Y")),
        _ => format!("Season {number} · {}", day.format("%B %Y")),
    }
}

/// A finished season, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Season {
    /// The guild.
    pub guild_id: super::ids::GuildId,
    /// 1, 2, 3 … per guild.
    pub number: u32,
    /// Monthly or weekly.
    pub kind: SeasonKind,
    /// Its first instant.
    pub starts_at: DateTime<Utc>,
    /// Its end (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Its standings bucket.
    pub bucket: String,
    /// Where its recap goes.
    pub channel_id: super::ids::ChannelId,
    /// How many times posting the recap was attempted.
    pub recap_attempts: u32,
    /// Who got the champion role.
    pub champions: Vec<super::ids::UserId>,
}

/// What a season's recap shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeasonRecap {
    /// The top of the season's board (up to 3), ranked.
    pub top: Vec<super::leaderboard::Ranked>,
    /// The most-upvoted answer of the season: author, message, thread, votes.
    pub best: Option<super::practice::SessionAnswer>,
    /// The longest streak still alive at the end: member and length.
    pub longest_streak: Option<(super::ids::UserId, u32)>,
    /// Members who answered each revealed round of the season, in order.
    pub per_round: Vec<u64>,
    /// Distinct members who answered in the season.
    pub participants: u64,
}

impl SeasonRecap {
    /// The season's winners: everyone tied at the top with points above zero.
    pub fn winners(&self) -> Vec<super::ids::UserId> {
        self.top
            .iter()
            .filter(|r| r.rank == 1 && r.standing.points > 0)
            .map(|r| r.standing.member)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_recap_is_due_once_the_season_after_the_last_recap_has_ended() {
        let tz = Timezone::parse("Europe/Berlin").unwrap();
        // June 2026 in Berlin starts 2026-05-31 22:00 UTC and ends 2026-06-30 22:00 UTC.
        let june = utc("2026-05-31T22:00:00Z");
        assert_eq!(
            recaps_start(SeasonKind::Monthly, tz, utc("2026-06-10T12:00:00Z")),
            Some(june)
        );
        assert_eq!(
            recap_due(SeasonKind::Monthly, tz, june, utc("2026-06-30T21:59:59Z")),
            None
        );
        assert_eq!(
            recap_due(SeasonKind::Monthly, tz, june, utc("2026-06-30T22:00:00Z")),
            Some((june, utc("2026-06-30T22:00:00Z")))
        );
        // Down for two months: June first, then July.
        let july = utc("2026-06-30T22:00:00Z");
        assert_eq!(
            recap_due(SeasonKind::Monthly, tz, june, utc("2026-08-15T00:00:00Z")).map(|s| s.1),
            Some(july)
        );
        assert_eq!(
            recap_due(SeasonKind::Monthly, tz, july, utc("2026-08-15T00:00:00Z")).map(|s| s.1),
            Some(utc("2026-07-31T22:00:00Z"))
        );
        assert_eq!(
            recap_due(SeasonKind::Off, tz, june, utc("2027-01-01T00:00:00Z")),
            None
        );
    }

    #[test]
    fn weekly_seasons_run_monday_to_monday_and_names_read_well() {
        let tz = Timezone::utc();
        let (start, end) = SeasonKind::Weekly
            .bounds(tz, utc("2026-06-10T12:00:00Z"))
            .unwrap();
        assert_eq!(
            (start, end),
            (utc("2026-06-08T00:00:00Z"), utc("2026-06-15T00:00:00Z"))
        );
        assert_eq!(
            season_label(2, SeasonKind::Weekly, tz, start),
            "Season 2 · week of 8 June 2026"
        );
        let (june, _) = SeasonKind::Monthly.bounds(tz, start).unwrap();
        assert_eq!(
            season_label(1, SeasonKind::Monthly, tz, june),
            "Season 1 · June 2026"
        );
        for k in [SeasonKind::Monthly, SeasonKind::Weekly, SeasonKind::Off] {
            assert_eq!(SeasonKind::parse(k.as_str()), Some(k));
        }
    }
}
