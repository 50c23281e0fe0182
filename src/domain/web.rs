//! The rules of the web leaderboard: its tokens, its periods, how members are named and
//! pictured off Discord, and the points-over-time series of a member page.

use super::ids::UserId;
use super::leaderboard::Period;
use super::schedule::Timezone;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

/// How many hex digits a page token has (128 random bits).
pub const TOKEN_LEN: usize = 32;

/// A guild page's unguessable token: 32 lowercase hex digits from 16 random bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WebToken(String);

impl WebToken {
    /// The token of 16 random bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> WebToken {
        WebToken(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A token as it appears in a URL; anything but 32 lowercase hex digits is none (and is
    /// answered 404 without a database read).
    pub fn parse(s: &str) -> Option<WebToken> {
        (s.len() == TOKEN_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| WebToken(s.to_owned()))
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// The token is a capability: it is not printed by accident in logs.
impl fmt::Debug for WebToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebToken(…)")
    }
}

/// The page's address under the public base URL (`https://dailyq.example.org/`).
pub fn page_url(base: &str, token: &WebToken) -> String {
    format!("{}/g/{}", base.trim_end_matches('/'), token.as_str())
}

/// The board a web page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebPeriod {
    /// This week.
    Week,
    /// This month.
    Month,
    /// The current season (when the guild runs seasons).
    Season,
    /// All time.
    #[default]
    All,
}

impl WebPeriod {
    /// Every period, in the order of the page's tabs.
    pub const ALL: [WebPeriod; 4] = [
        WebPeriod::Week,
        WebPeriod::Month,
        WebPeriod::Season,
        WebPeriod::All,
    ];

    /// The query value (`?period=week`).
    pub fn as_str(self) -> &'static str {
        match self {
            WebPeriod::Week => "week",
            WebPeriod::Month => "month",
            WebPeriod::Season => "season",
            WebPeriod::All => "all",
        }
    }

    /// Parses [`WebPeriod::as_str`]; anything else is none.
    pub fn parse(s: &str) -> Option<WebPeriod> {
        WebPeriod::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            WebPeriod::Week => "This week",
            WebPeriod::Month => "This month",
            WebPeriod::Season => "This season",
            WebPeriod::All => "All time",
        }
    }

    /// The standings period read for it; a season is read as its own period (a monthly season
    /// is this month's board), `None` when the guild runs no seasons.
    pub fn period(self, season: Option<Period>) -> Option<Period> {
        match self {
            WebPeriod::Week => Some(Period::Week),
            WebPeriod::Month => Some(Period::Month),
            WebPeriod::Season => season,
            WebPeriod::All => Some(Period::AllTime),
        }
    }
}

/// How a member is shown: the guild nickname, else the global display name, else the
/// username, with control characters and surrounding blanks removed and capped at 64
/// characters. `None` when nothing printable is left.
pub fn display_name(nick: Option<&str>, global_name: Option<&str>, username: &str) -> Option<String> {
    [nick, global_name, Some(username)]
        .into_iter()
        .flatten()
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(64)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .find(|n| !n.is_empty())
}

/// The name of a member the bot never saw answer (their name was not kept).
pub fn unknown_name(member: UserId) -> String {
    format!("Member …{:04}", member.0 % 10_000)
}

/// Whether `hash` looks like a Discord image hash (hex, optionally `a_` for animated): the only
/// thing put into an avatar URL.
fn is_image_hash(hash: &str) -> bool {
    let hex = hash.strip_prefix("a_").unwrap_or(hash);
    (16..=64).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The avatar's CDN URL, fetched by the browser: the member's own avatar, or Discord's default
/// avatar for their id (`(id >> 22) % 6`, the rule for accounts without a discriminator).
pub fn avatar_url(member: UserId, hash: Option<&str>) -> String {
    match hash.filter(|h| is_image_hash(h)) {
        Some(hash) => format!(
            "https://cdn.discordapp.com/avatars/{}/{hash}.png?size=64",
            member.0
        ),
        None => format!(
            "https://cdn.discordapp.com/embed/avatars/{}.png",
            (member.0 >> 22) % 6
        ),
    }
}

/// How a member looks on the page: the name and avatar hash kept when they last answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLook {
    /// Their display name then.
    pub name: String,
    /// Their avatar's image hash, if they had one.
    pub avatar: Option<String>,
}

/// A revealed round as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRound {
    /// The round's id.
    pub id: i64,
    /// Its number in its channel.
    pub number: u64,
    /// The local date it was scheduled for.
    pub date: NaiveDate,
    /// The question's category.
    pub category: String,
    /// The question's difficulty.
    pub difficulty: String,
    /// The question.
    pub prompt: String,
    /// The reference answer.
    pub answer: String,
    /// Its most upvoted answers that count, most first.
    pub top: Vec<TopAnswer>,
}

/// One of a round's top answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopAnswer {
    /// Its author.
    pub member: UserId,
    /// Its ⬆️ count.
    pub votes: i64,
    /// Its text, when the bot reads message content (sealed answers always have it).
    pub text: Option<String>,
}

/// A member's running total of points per local day: one point per day that had points, in
/// date order, each the total so far.
pub fn points_over_time(tz: Timezone, lines: &[(DateTime<Utc>, i64)]) -> Vec<(NaiveDate, i64)> {
    let mut per_day = std::collections::BTreeMap::<NaiveDate, i64>::new();
    for (at, points) in lines {
        *per_day.entry(tz.local_date(*at)).or_default() += points;
    }
    let mut total = 0;
    per_day
        .into_iter()
        .map(|(day, points)| {
            total += points;
            (day, total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tokens_are_32_hex_digits_and_nothing_else_parses() {
        let t = WebToken::from_bytes([0xab; 16]);
        assert_eq!(t.as_str(), "ab".repeat(16));
        assert_eq!(WebToken::parse(t.as_str()), Some(t.clone()));
        for bad in [
            "",
            "AB".repeat(16).as_str(),
            &"ab".repeat(17),
            "../../etc/passwd",
            "zz",
        ] {
            assert_eq!(WebToken::parse(bad), None, "{bad}");
        }
        assert_eq!(format!("{t:?}"), "WebToken(…)");
        assert_eq!(
            page_url("https://q.example.org/", &t),
            format!("https://q.example.org/g/{}", t.as_str())
        );
    }

    #[test]
    fn periods_parse_their_own_names_and_a_season_needs_seasons() {
        for p in WebPeriod::ALL {
            assert_eq!(WebPeriod::parse(p.as_str()), Some(p));
        }
        assert_eq!(WebPeriod::parse("year"), None);
        assert_eq!(WebPeriod::Season.period(None), None);
        assert_eq!(WebPeriod::Season.period(Some(Period::Week)), Some(Period::Week));
        assert_eq!(WebPeriod::All.period(None), Some(Period::AllTime));
    }

    #[test]
    fn the_nickname_wins_then_the_global_name_then_the_username() {
        assert_eq!(
            display_name(Some("Ace"), Some("Alice"), "alice").as_deref(),
            Some("Ace")
        );
        assert_eq!(
            display_name(None, Some("Alice"), "alice").as_deref(),
            Some("Alice")
        );
        assert_eq!(
            display_name(Some(" \u{7} "), None, "alice").as_deref(),
            Some("alice")
        );
        assert_eq!(display_name(None, None, "\n"), None);
        assert_eq!(display_name(None, None, &"x".repeat(100)).unwrap().len(), 64);
        assert_eq!(unknown_name(UserId(1_234_567)), "Member …4567");
    }

    #[test]
    fn avatars_use_the_cdn_and_only_a_hash_goes_into_the_url() {
        let id = UserId(80_351_110_224_678_912);
        assert_eq!(
            avatar_url(id, Some("8342729096ea3675442027381ff50dfe")),
            "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png?size=64"
        );
        let default = format!(
            "https://cdn.discordapp.com/embed/avatars/{}.png",
            (id.0 >> 22) % 6
        );
        assert_eq!(avatar_url(id, None), default);
        assert_eq!(avatar_url(id, Some("x/../../evil")), default);
    }

    #[test]
    fn points_add_up_per_local_day() {
        let tz = Timezone::parse("Europe/Paris").unwrap();
        let at = |d, h| Utc.with_ymd_and_hms(2026, 6, d, h, 0, 0).unwrap();
        // 23:30 UTC on the 1st is already the 2nd in Paris.
        let lines = [(at(2, 10), 3), (at(1, 23), 2), (at(5, 9), 1), (at(1, 8), 4)];
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        assert_eq!(
            points_over_time(tz, &lines),
            vec![(day(1), 4), (day(2), 9), (day(5), 10)]
        );
        assert!(points_over_time(tz, &[]).is_empty());
    }
}
