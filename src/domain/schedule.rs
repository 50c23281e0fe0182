//! When a channel's question is posted: a local time in an IANA zone on chosen weekdays.
//!
//! Posting is keyed by the *local date*, so a wall-clock time that happens twice (DST overlap)
//! posts once, and one that never happens (DST gap) posts at the first instant after the gap.

use super::text::quote_input;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

/// A wall-clock time of day, minute precision (`HH:MM`, 24 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    minutes: u16,
}

impl LocalTime {
    /// Builds a time from hours and minutes.
    pub fn new(hour: u32, minute: u32) -> Result<Self, String> {
        if hour > 23 || minute > 59 {
            return Err(format!("{hour:02}:{minute:02} is not a time of day"));
        }
        Ok(LocalTime {
            minutes: (hour * 60 + minute) as u16,
        })
    }

    /// Parses `HH:MM` (24 h; `9:05` is accepted too).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{} is not a time: use 24-hour HH:MM, for example 09:30 or 18:00",
                quote_input(s)
            )
        };
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let digits = |part: &str, len: std::ops::RangeInclusive<usize>| {
            len.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
        };
        // Only ASCII digits: `u32::from_str` would also take a sign (`+9:05`).
        if !digits(h, 1..=2) || !digits(m, 2..=2) {
            return Err(bad());
        }
        let hour: u32 = h.parse().map_err(|_| bad())?;
        let minute: u32 = m.parse().map_err(|_| bad())?;
        LocalTime::new(hour, minute).map_err(|_| bad())
    }

    /// Minutes since local midnight.
    pub fn minutes_since_midnight(self) -> u16 {
        self.minutes
    }

    /// Builds a time from minutes since midnight.
    pub fn from_minutes(minutes: u16) -> Result<Self, String> {
        LocalTime::new(u32::from(minutes / 60), u32::from(minutes % 60))
    }

    fn naive(self) -> NaiveTime {
        NaiveTime::from_hms_opt(u32::from(self.minutes / 60), u32::from(self.minutes % 60), 0)
            .expect("validated on construction")
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

/// An IANA time zone such as `Europe/Berlin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(Tz);

impl Timezone {
    /// Parses an IANA name (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, String> {
        let name = s.trim();
        Tz::from_str(name)
            .or_else(|_| {
                chrono_tz::TZ_VARIANTS
                    .iter()
                    .copied()
                    .find(|tz| tz.name().eq_ignore_ascii_case(name))
                    .ok_or(())
            })
            .map(Timezone)
            .map_err(|_| {
                format!(
                    "{} is not a known time zone: use an IANA name such as Europe/Berlin, America/New_York or UTC",
                    quote_input(name)
                )
            })
    }

    /// UTC.
    pub fn utc() -> Self {
        Timezone(Tz::UTC)
    }

    /// The canonical IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The chrono-tz zone.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// All IANA names whose lowercase form contains `fragment`, for autocomplete.
    pub fn search(fragment: &str, limit: usize) -> Vec<&'static str> {
        let needle = fragment.trim().to_ascii_lowercase().replace(' ', "_");
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|name| name.to_ascii_lowercase().contains(&needle))
            .take(limit)
            .collect()
    }

    /// The local date of an instant in this zone.
    pub fn local_date(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// The instant at which the wall clock in this zone first shows `local` or later.
    ///
    /// An ambiguous time (clocks set back) resolves to its first occurrence; a time in a gap
    /// (clocks set forward) resolves to the instant the gap ends plus the same offset into it,
    /// which is what people mean by "02:30 on the day clocks jump from 02:00 to 03:00" (03:30).
    pub fn resolve(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            LocalResult::None => {
                // Gaps are at most a few hours; step forward until the wall clock exists, then
                // carry the offset before the gap over.
                let offset_before = self
                    .0
                    .offset_from_utc_datetime(&(local - Duration::hours(24)))
                    .fix();
                (local - offset_before).and_utc()
            }
        }
    }
}

use chrono::Offset;

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

/// The days of the week on which a channel posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays {
    bits: u8,
}

impl Weekdays {
    /// Every day.
    pub const DAILY: Weekdays = Weekdays { bits: 0b111_1111 };
    /// Monday to Friday.
    pub const WEEKDAYS: Weekdays = Weekdays { bits: 0b001_1111 };

    /// Builds the set from a bitmask (bit 0 = Monday … bit 6 = Sunday).
    pub fn from_bits(bits: u8) -> Result<Self, String> {
        if bits == 0 || bits > 0b111_1111 {
            return Err(format!("{bits} is not a set of weekdays"));
        }
        Ok(Weekdays { bits })
    }

    /// The bitmask (bit 0 = Monday … bit 6 = Sunday).
    pub fn bits(self) -> u8 {
        self.bits
    }

    /// Whether the set holds `day`.
    pub fn contains(self, day: Weekday) -> bool {
        self.bits & (1 << day.num_days_from_monday()) != 0
    }

    /// Parses `daily`, `weekdays`, `weekends`, or a list like `mon,wed,fri` / `Mon Wed Fri`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let text = s.trim().to_ascii_lowercase();
        match text.as_str() {
            "" | "daily" | "every day" | "everyday" => return Ok(Weekdays::DAILY),
            "weekdays" => return Ok(Weekdays::WEEKDAYS),
            "weekends" => return Ok(Weekdays { bits: 0b110_0000 }),
            _ => {}
        }
        let mut bits = 0u8;
        for part in text.split([',', ' ', ';']).filter(|p| !p.is_empty()) {
            let day = match part {
                "mon" | "monday" => Weekday::Mon,
                "tue" | "tues" | "tuesday" => Weekday::Tue,
                "wed" | "wednesday" => Weekday::Wed,
                "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
                "fri" | "friday" => Weekday::Fri,
                "sat" | "saturday" => Weekday::Sat,
                "sun" | "sunday" => Weekday::Sun,
                other => {
                    return Err(format!(
                        "{} is not a day: use daily, weekdays, or a list such as mon,wed,fri",
                        quote_input(other)
                    ));
                }
            };
            bits |= 1 << day.num_days_from_monday();
        }
        Weekdays::from_bits(bits)
    }
}

impl fmt::Display for Weekdays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Weekdays::DAILY {
            return f.write_str("daily");
        }
        if *self == Weekdays::WEEKDAYS {
            return f.write_str("weekdays");
        }
        const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let days: Vec<&str> = (0..7)
            .filter(|i| self.bits & (1 << i) != 0)
            .map(|i| NAMES[i])
            .collect();
        f.write_str(&days.join(", "))
    }
}

/// How long a round stays open for answers and votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerWindow(Duration);

impl AnswerWindow {
    /// The shortest window: 10 minutes.
    pub const MIN: Duration = Duration::minutes(10);
    /// The longest window: 6 days.
    pub const MAX: Duration = Duration::days(6);

    /// The default window: 23 hours, so a daily round closes before the next one opens.
    pub fn default_window() -> Self {
        AnswerWindow(Duration::hours(23))
    }

    /// Builds a window, refusing values outside 10 minutes to 6 days.
    pub fn new(d: Duration) -> Result<Self, String> {
        if d < Self::MIN || d > Self::MAX {
            return Err(format!(
                "an answer window of {} is out of range: use between 10m and 6d",
                humanize(d)
            ));
        }
        Ok(AnswerWindow(d))
    }

    /// Parses `90m`, `23h`, `2d`, `1h30m` or a bare number of minutes.
    ///
    /// Total on any text: numbers are added up in checked minutes, and a window is built only
    /// once it is known to be in range, so `999999999999999d` is refused instead of overflowing.
    pub fn parse(s: &str) -> Result<Self, String> {
        let out_of_range = |why: &str| {
            format!(
                "an answer window of {} is out of range: {why}use between 10m and 6d",
                quote_input(s)
            )
        };
        match duration_minutes(s) {
            Ok(minutes) => AnswerWindow::from_minutes(minutes),
            Err(DurationError::NotADuration) => Err(not_a_duration(s)),
            Err(DurationError::Negative) => Err(out_of_range("it cannot be negative; ")),
            Err(DurationError::TooLong) => Err(out_of_range("")),
        }
    }

    /// Builds a window from minutes, checking the range before making a [`Duration`] (which
    /// panics beyond about ±1.5 × 10¹⁴ minutes).
    fn from_minutes(minutes: i64) -> Result<Self, String> {
        if !(Self::MIN.num_minutes()..=Self::MAX.num_minutes()).contains(&minutes) {
            return Err(format!(
                "an answer window of {} is out of range: use between 10m and 6d",
                humanize_minutes(minutes)
            ));
        }
        AnswerWindow::new(Duration::minutes(minutes))
    }

    /// The window as a duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl fmt::Display for AnswerWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&humanize(self.0))
    }
}

/// A duration as members write it: `1d2h`, `90m` → `1h30m`.
pub fn humanize(d: Duration) -> String {
    humanize_minutes(d.num_minutes())
}

fn humanize_minutes(minutes: i64) -> String {
    if minutes < 0 {
        return format!("-{}", humanize_minutes(minutes.checked_neg().unwrap_or(i64::MAX)));
    }
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let mut out = String::new();
    if days > 0 {
        out.push_str(&format!("{days}d"));
    }
    if hours > 0 {
        out.push_str(&format!("{hours}h"));
    }
    if mins > 0 || out.is_empty() {
        out.push_str(&format!("{mins}m"));
    }
    out
}

/// Why a duration did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DurationError {
    NotADuration,
    Negative,
    TooLong,
}

fn not_a_duration(s: &str) -> String {
    format!(
        "{} is not a duration: use for example 30m, 23h, 2d or 1h30m",
        quote_input(s)
    )
}

/// Minutes in `90m`, `23h`, `2d`, `1h30m` or a bare number of minutes; total on any text
/// (numbers are added up in checked arithmetic).
fn duration_minutes(s: &str) -> Result<i64, DurationError> {
    let text = s.trim().to_ascii_lowercase().replace(' ', "");
    if text.starts_with('-') {
        return Err(DurationError::Negative);
    }
    if text.is_empty() {
        return Err(DurationError::NotADuration);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits, so parsing fails only when the number does not fit: far too long.
        return text.parse().map_err(|_| DurationError::TooLong);
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut seen = Vec::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let per_unit: i64 = match c {
            'd' => 24 * 60,
            'h' => 60,
            'm' => 1,
            _ => return Err(DurationError::NotADuration),
        };
        if number.is_empty() || seen.contains(&c) {
            return Err(DurationError::NotADuration);
        }
        seen.push(c);
        let n: i64 = number.parse().map_err(|_| DurationError::TooLong)?;
        number.clear();
        total = n
            .checked_mul(per_unit)
            .and_then(|m| total.checked_add(m))
            .ok_or(DurationError::TooLong)?;
    }
    if !number.is_empty() {
        return Err(DurationError::NotADuration);
    }
    Ok(total)
}

/// How long before a round's deadline its reminder is posted: at least 5 minutes, and at least
/// 5 minutes after the post (shorter than the answer window).
pub fn parse_reminder(s: &str, window: AnswerWindow) -> Result<Duration, String> {
    let minutes = match duration_minutes(s) {
        Ok(m) => m,
        Err(DurationError::NotADuration) => return Err(not_a_duration(s)),
        Err(DurationError::Negative | DurationError::TooLong) => i64::MAX,
    };
    let longest = window.duration().num_minutes() - 5;
    if (5..=longest).contains(&minutes) {
        Ok(Duration::minutes(minutes))
    } else {
        Err(format!(
            "A reminder {} before the deadline does not fit a {} answer window: use between 5m and {}.",
            quote_input(s),
            window,
            humanize_minutes(longest.max(5))
        ))
    }
}

/// How long a blind round's vote phase lasts when the admin does not say: 4 hours.
pub const DEFAULT_VOTE_WINDOW: Duration = Duration::hours(4);

/// Parses a blind round's vote phase (`4h`, `90m`, `1d`): between 10 minutes and one day, so an
/// answer window of up to 6 days and its vote phase fit the longest time Discord keeps a quiet
/// thread open (one week).
pub fn parse_vote_window(s: &str) -> Result<Duration, String> {
    let minutes = match duration_minutes(s) {
        Ok(m) => m,
        Err(DurationError::NotADuration) => return Err(not_a_duration(s)),
        Err(DurationError::Negative | DurationError::TooLong) => i64::MAX,
    };
    if (10..=1440).contains(&minutes) {
        Ok(Duration::minutes(minutes))
    } else {
        Err(format!(
            "A vote phase of {} is out of range: use between 10m and 1d.",
            quote_input(s)
        ))
    }
}

/// When and where a channel posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostTime {
    /// Local wall-clock time of the post.
    pub time: LocalTime,
    /// Zone the time is read in.
    pub timezone: Timezone,
    /// Days on which to post.
    pub weekdays: Weekdays,
}

/// One scheduled post: the local date it belongs to and the instant it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledPost {
    /// The local date (the round's key together with the channel).
    pub date: NaiveDate,
    /// The instant the post is due.
    pub at: DateTime<Utc>,
}

impl PostTime {
    /// The post due on `date`, if `date` is one of the schedule's weekdays.
    pub fn on(self, date: NaiveDate) -> Option<ScheduledPost> {
        if !self.weekdays.contains(date.weekday()) {
            return None;
        }
        let at = self.timezone.resolve(date.and_time(self.time.naive()));
        Some(ScheduledPost { date, at })
    }

    /// The first post strictly after `now`.
    pub fn next_after(self, now: DateTime<Utc>) -> ScheduledPost {
        // Start a day early: a post resolved into a gap can fall on the next UTC day.
        let start = self.timezone.local_date(now) - Duration::days(1);
        (0..9)
            .filter_map(|i| self.on(start + Duration::days(i)))
            .find(|p| p.at > now)
            .expect("a non-empty weekday set has a post within 8 days")
    }

    /// The latest post at or before `now`, if any within the past 8 days.
    pub fn latest_at_or_before(self, now: DateTime<Utc>) -> Option<ScheduledPost> {
        let today = self.timezone.local_date(now) + Duration::days(1);
        (0..9)
            .filter_map(|i| self.on(today - Duration::days(i)))
            .find(|p| p.at <= now)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_vote_phase_is_between_ten_minutes_and_a_day() {
        assert_eq!(parse_vote_window("4h"), Ok(Duration::hours(4)));
        assert_eq!(parse_vote_window("10m"), Ok(Duration::minutes(10)));
        assert_eq!(parse_vote_window("1d"), Ok(Duration::days(1)));
        for bad in ["9m", "25h", "-1h", "99999999999999999999d"] {
            let e = parse_vote_window(bad).unwrap_err();
            assert!(e.contains("use between 10m and 1d"), "{bad}: {e}");
        }
        assert!(parse_vote_window("soon").unwrap_err().contains("soon"));
    }

    #[test]
    fn a_reminder_fits_inside_the_answer_window() {
        let window = AnswerWindow::parse("2h").unwrap();
        assert_eq!(parse_reminder("1h", window), Ok(Duration::hours(1)));
        assert_eq!(parse_reminder("5m", window), Ok(Duration::minutes(5)));
        assert_eq!(parse_reminder("115m", window), Ok(Duration::minutes(115)));
        for bad in ["2h", "4m", "-1h", "0", "9999999999999999999d"] {
            let e = parse_reminder(bad, window).unwrap_err();
            assert!(e.contains("between 5m and 1h55m"), "{bad}: {e}");
        }
        assert!(
            parse_reminder("soon", window)
                .unwrap_err()
                .contains("not a duration")
        );
    }

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn schedule(time: &str, tz: &str, days: &str) -> PostTime {
        PostTime {
            time: LocalTime::parse(time).unwrap(),
            timezone: Timezone::parse(tz).unwrap(),
            weekdays: Weekdays::parse(days).unwrap(),
        }
    }

    #[test]
    fn local_time_accepts_24_hour_clock_and_rejects_nonsense() {
        assert_eq!(LocalTime::parse("09:30").unwrap().to_string(), "09:30");
        assert_eq!(LocalTime::parse("9:05").unwrap().to_string(), "09:05");
        for bad in ["25:00", "12:60", "noon", "12", "12:5", ""] {
            assert!(LocalTime::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn timezones_are_iana_names_and_unknown_ones_are_refused() {
        assert_eq!(Timezone::parse("europe/berlin").unwrap().name(), "Europe/Berlin");
        let err = Timezone::parse("Mars/Olympus").unwrap_err();
        assert!(err.contains("Mars/Olympus"), "{err}");
        assert!(Timezone::search("new_y", 5).contains(&"America/New_York"));
    }

    #[test]
    fn weekdays_parse_keywords_and_lists() {
        assert_eq!(Weekdays::parse("daily").unwrap(), Weekdays::DAILY);
        assert_eq!(Weekdays::parse("Weekdays").unwrap(), Weekdays::WEEKDAYS);
        let mwf = Weekdays::parse("mon, wed,fri").unwrap();
        assert!(mwf.contains(Weekday::Wed) && !mwf.contains(Weekday::Tue));
        assert_eq!(mwf.to_string(), "Mon, Wed, Fri");
        assert!(Weekdays::parse("funday").is_err());
    }

    #[test]
    fn answer_window_is_between_ten_minutes_and_six_days() {
        assert_eq!(
            AnswerWindow::parse("23h").unwrap().duration(),
            Duration::hours(23)
        );
        assert_eq!(
            AnswerWindow::parse("1h30m").unwrap().duration(),
            Duration::minutes(90)
        );
        assert_eq!(
            AnswerWindow::parse("45").unwrap().duration(),
            Duration::minutes(45)
        );
        assert!(AnswerWindow::parse("9m").is_err());
        assert!(AnswerWindow::parse("7d").is_err());
        assert!(AnswerWindow::parse("soon").is_err());
    }

    #[test]
    fn next_post_is_today_when_the_time_has_not_passed_yet() {
        let s = schedule("09:00", "Europe/Berlin", "daily");
        let next = s.next_after(utc("2026-06-10T06:00:00Z"));
        assert_eq!(next.at, utc("2026-06-10T07:00:00Z"));
        assert_eq!(next.date.to_string(), "2026-06-10");
    }

    #[test]
    fn next_post_is_tomorrow_once_the_time_has_passed() {
        let s = schedule("09:00", "Europe/Berlin", "daily");
        let next = s.next_after(utc("2026-06-10T07:00:00Z"));
        assert_eq!(next.at, utc("2026-06-11T07:00:00Z"));
    }

    #[test]
    fn next_post_skips_days_outside_the_schedule() {
        // 2026-06-12 is a Friday; weekdays-only resumes on Monday the 15th.
        let s = schedule("18:00", "UTC", "weekdays");
        let next = s.next_after(utc("2026-06-12T19:00:00Z"));
        assert_eq!(next.at, utc("2026-06-15T18:00:00Z"));
    }

    #[test]
    fn a_post_inside_a_spring_forward_gap_happens_once_right_after_the_gap() {
        // Berlin jumps from 02:00 to 03:00 on 2026-03-29; 02:30 does not exist that day.
        let s = schedule("02:30", "Europe/Berlin", "daily");
        let next = s.next_after(utc("2026-03-28T12:00:00Z"));
        assert_eq!(next.date.to_string(), "2026-03-29");
        // 03:30 CEST == 01:30 UTC.
        assert_eq!(next.at, utc("2026-03-29T01:30:00Z"));
        let after = s.next_after(next.at);
        assert_eq!(after.date.to_string(), "2026-03-30");
        assert_eq!(after.at, utc("2026-03-30T00:30:00Z"));
    }

    #[test]
    fn a_post_inside_a_fall_back_overlap_happens_only_at_the_first_occurrence() {
        // New York repeats 01:00–02:00 on 2026-11-01.
        let s = schedule("01:30", "America/New_York", "daily");
        let first = s.next_after(utc("2026-10-31T12:00:00Z"));
        assert_eq!(first.date.to_string(), "2026-11-01");
        // First 01:30 is EDT (UTC-4).
        assert_eq!(first.at, utc("2026-11-01T05:30:00Z"));
        // Asking again at the second 01:30 (EST) must not yield the same date again.
        let again = s.next_after(utc("2026-11-01T06:30:00Z"));
        assert_eq!(again.date.to_string(), "2026-11-02");
    }

    #[test]
    fn every_local_date_yields_exactly_one_post_across_a_whole_year_of_dst_changes() {
        for tz in [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "America/Santiago",
        ] {
            for time in ["00:00", "00:30", "01:30", "02:00", "02:30", "12:00"] {
                let s = schedule(time, tz, "daily");
                let mut now = utc("2026-01-01T00:00:00Z");
                let mut dates = Vec::new();
                while now < utc("2027-01-01T00:00:00Z") {
                    let next = s.next_after(now);
                    assert!(next.at > now);
                    dates.push(next.date);
                    now = next.at;
                }
                let mut dedup = dates.clone();
                dedup.dedup();
                assert_eq!(dates, dedup, "{tz} {time} posted a date twice");
                for pair in dates.windows(2) {
                    assert_eq!(
                        pair[1] - pair[0],
                        Duration::days(1),
                        "{tz} {time} skipped {}",
                        pair[0]
                    );
                }
            }
        }
    }

    #[test]
    fn latest_post_at_or_before_finds_the_missed_one() {
        let s = schedule("09:00", "UTC", "daily");
        let missed = s.latest_at_or_before(utc("2026-06-10T10:00:00Z")).unwrap();
        assert_eq!(missed.at, utc("2026-06-10T09:00:00Z"));
        let earlier = s.latest_at_or_before(utc("2026-06-10T08:59:00Z")).unwrap();
        assert_eq!(earlier.at, utc("2026-06-09T09:00:00Z"));
    }
}
