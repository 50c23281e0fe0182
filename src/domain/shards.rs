//! Discord sharding: which shard a guild belongs to, and which shards one process runs.
//!
//! Discord sends a guild's events to shard `(guild_id >> 22) % shard_count`. Several dailyq
//! processes on one PostgreSQL each run a disjoint range of shards and do scheduled work only for
//! the guilds of their own shards.

use super::GuildId;
use std::fmt;

/// The shard Discord assigns `guild` to when the bot runs `total` shards.
pub fn shard_of(guild: GuildId, total: u32) -> u32 {
    // The remainder is below `total`, so it fits.
    ((guild.0 >> 22) % u64::from(total.max(1))) as u32
}

/// The shards one process runs: `first..=last` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShardRange {
    first: u32,
    last: u32,
    total: u32,
}

impl ShardRange {
    /// Every shard: one process does all the work, however many shards it connects.
    pub const ALL: ShardRange = ShardRange {
        first: 0,
        last: 0,
        total: 1,
    };

    /// Shards `first..=last` of `total`; `None` unless `first <= last < total`.
    pub fn new(first: u32, last: u32, total: u32) -> Option<ShardRange> {
        (first <= last && last < total).then_some(ShardRange { first, last, total })
    }

    /// Parses `A-B/N` (or `A/N` for one shard).
    pub fn parse(text: &str) -> Result<ShardRange, String> {
        let expected = "expected auto or a shard range A-B/N such as 0-1/4 (shards 0 to 1 of 4)";
        let (range, total) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a shard range: {expected}"))?;
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let number = |s: &str| s.trim().parse::<u32>().ok();
        let (Some(first), Some(last), Some(total)) = (number(first), number(last), number(total)) else {
            return Err(format!("`{text}` is not a shard range: {expected}"));
        };
        if total == 0 {
            return Err(format!(
                "`{text}` has no shards: the count after / must be at least 1"
            ));
        }
        ShardRange::new(first, last, total).ok_or_else(|| {
            format!(
                "`{text}` is not a shard range of {total}: it needs A <= B < {total} (shards count from 0)"
            )
        })
    }

    /// The first shard.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// The last shard (included).
    pub fn last(&self) -> u32 {
        self.last
    }

    /// How many shards the bot runs across all processes.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Whether this is every shard (the single-process case).
    pub fn is_all(&self) -> bool {
        self.first == 0 && self.last + 1 == self.total
    }

    /// Whether this process owns `guild`'s scheduled work.
    pub fn owns(&self, guild: GuildId) -> bool {
        (self.first..=self.last).contains(&shard_of(guild, self.total))
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}/{}", self.first, self.last, self.total)
    }
}

/// What `DAILYQ_SHARDS` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardPlan {
    /// Discord's recommended shard count, all in this process.
    Auto,
    /// Only these shards, in this process.
    Range(ShardRange),
}

impl ShardPlan {
    /// Parses `auto` or `A-B/N`.
    pub fn parse(text: &str) -> Result<ShardPlan, String> {
        if text.trim().eq_ignore_ascii_case("auto") {
            Ok(ShardPlan::Auto)
        } else {
            ShardRange::parse(text.trim()).map(ShardPlan::Range)
        }
    }

    /// The guilds whose scheduled work this process does.
    pub fn owned(&self) -> ShardRange {
        match self {
            ShardPlan::Auto => ShardRange::ALL,
            ShardPlan::Range(r) => *r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guild id created at `millis` after the Discord epoch.
    fn guild_at(millis: u64) -> GuildId {
        GuildId((millis << 22) | 0x1_2345)
    }

    #[test]
    fn a_guild_belongs_to_the_shard_of_its_timestamp_bits_modulo_the_count() {
        // 197038439483310086 >> 22 = 46977624770.
        assert_eq!(shard_of(GuildId(197_038_439_483_310_086), 1000), 770);
        assert_eq!(shard_of(guild_at(9), 4), 1);
        assert_eq!(shard_of(guild_at(10), 4), 2);
        assert_eq!(shard_of(guild_at(10), 1), 0);
        // The low 22 bits (worker, process, increment) never move a guild.
        assert_eq!(
            shard_of(GuildId(9 << 22), 4),
            shard_of(GuildId((9 << 22) | 0x3f_ffff), 4)
        );
    }

    #[test]
    fn the_largest_guild_id_stored_as_i64_still_gets_a_shard() {
        let g = GuildId(i64::MAX as u64);
        assert!(shard_of(g, 16) < 16);
        assert_eq!(shard_of(g, 0), 0, "a zero count counts as one shard");
    }

    #[test]
    fn a_range_owns_exactly_the_guilds_of_its_shards() {
        let r = ShardRange::parse("2-3/4").unwrap();
        let owned: Vec<u64> = (0..8).filter(|m| r.owns(guild_at(*m))).collect();
        assert_eq!(owned, vec![2, 3, 6, 7]);
        let other = ShardRange::parse("0-1/4").unwrap();
        assert!((0..64).all(|m| r.owns(guild_at(m)) != other.owns(guild_at(m))));
        assert!((0..64).all(|m| ShardRange::ALL.owns(guild_at(m))));
    }

    #[test]
    fn shard_ranges_parse_and_print_as_a_dash_b_slash_n() {
        let r = ShardRange::parse("0-1/4").unwrap();
        assert_eq!((r.first(), r.last(), r.total()), (0, 1, 4));
        assert_eq!(r.to_string(), "0-1/4");
        assert_eq!(ShardRange::parse("3/4").unwrap().to_string(), "3-3/4");
        assert!(ShardRange::parse("0-3/4").unwrap().is_all());
        assert!(!r.is_all());
        assert!(ShardRange::ALL.is_all());
    }

    #[test]
    fn malformed_or_impossible_shard_ranges_are_refused_with_a_sentence() {
        for bad in ["", "1-2", "a-b/4", "2-1/4", "0-4/4", "0-0/0", "-1-2/4", "1-2/4/8"] {
            let err = ShardRange::parse(bad).unwrap_err();
            assert!(err.contains('`') && !err.contains('\n'), "{bad}: {err}");
        }
    }

    #[test]
    fn the_plan_is_auto_or_a_range() {
        assert_eq!(ShardPlan::parse("auto"), Ok(ShardPlan::Auto));
        assert_eq!(ShardPlan::parse(" AUTO "), Ok(ShardPlan::Auto));
        assert_eq!(ShardPlan::Auto.owned(), ShardRange::ALL);
        let plan = ShardPlan::parse("2-3/4").unwrap();
        assert_eq!(plan.owned().to_string(), "2-3/4");
        assert!(ShardPlan::parse("some").is_err());
    }
}
