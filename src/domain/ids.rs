//! Discord identifiers as plain newtypes, so the domain and the store never depend on serenity.

use std::fmt;

macro_rules! snowflake {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw snowflake value.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

snowflake!(
    /// A Discord server.
    GuildId,
    /// A text channel or a thread.
    ChannelId,
    /// A Discord user (member or bot).
    UserId,
    /// A message.
    MessageId,
    /// A role.
    RoleId,
);

/// Milliseconds from the Unix epoch to the Discord epoch (2015-01-01T00:00:00Z).
pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The instant Discord encoded in a snowflake: its own timestamp of a message, a thread or a
/// channel, which no client can forge or delay.
pub fn snowflake_time(id: u64) -> chrono::DateTime<chrono::Utc> {
    let millis = i64::try_from(id >> 22).unwrap_or(i64::MAX / 2) + DISCORD_EPOCH_MS;
    chrono::DateTime::from_timestamp_millis(millis).unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// The smallest snowflake made at or after `at` (for "messages after this instant" queries).
pub fn snowflake_at(at: chrono::DateTime<chrono::Utc>) -> u64 {
    let since = at.timestamp_millis().saturating_sub(DISCORD_EPOCH_MS).max(0);
    u64::try_from(since).unwrap_or(0) << 22
}

/// A message link as Discord's "Copy Message Link" gives it
/// (`https://discord.com/channels/{guild}/{channel}/{message}`, also from `ptb.`/`canary.` or
/// the old `discordapp.com`): its guild, channel and message. The error is a sentence.
pub fn parse_message_link(link: &str) -> Result<(GuildId, ChannelId, MessageId), String> {
    let bad = || {
        format!(
            "{} is not a message link; use **Copy Message Link** on the answer.",
            super::text::quote_input(link)
        )
    };
    let rest = link.trim().strip_prefix("https://").ok_or_else(bad)?;
    let (host, path) = rest.split_once('/').ok_or_else(bad)?;
    let known = [
        "discord.com",
        "ptb.discord.com",
        "canary.discord.com",
        "discordapp.com",
    ];
    if !known.contains(&host) {
        return Err(bad());
    }
    let mut parts = path.strip_prefix("channels/").ok_or_else(bad)?.split('/');
    let mut id = || -> Option<u64> { parts.next()?.parse().ok().filter(|v| *v > 0) };
    let (guild, channel, message) = (id(), id(), id());
    match (guild, channel, message, parts.next()) {
        (Some(g), Some(c), Some(m), None) => Ok((GuildId(g), ChannelId(c), MessageId(m))),
        _ => Err(bad()),
    }
}

impl MessageId {
    /// When Discord created the message.
    pub fn created_at(self) -> chrono::DateTime<chrono::Utc> {
        snowflake_time(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_snowflake_tells_when_discord_made_it() {
        // An id from Discord's documentation: 175928847299117063 → 2016-04-30 11:18:25.796 UTC.
        assert_eq!(
            MessageId(175_928_847_299_117_063).created_at(),
            Utc.with_ymd_and_hms(2016, 4, 30, 11, 18, 25).unwrap() + chrono::Duration::milliseconds(796)
        );
    }

    #[test]
    fn the_snowflake_of_an_instant_is_the_first_made_at_it() {
        let at = Utc.with_ymd_and_hms(2026, 6, 10, 9, 30, 0).unwrap();
        assert_eq!(snowflake_time(snowflake_at(at)), at);
        assert_eq!(
            snowflake_time(snowflake_at(at) - 1),
            at - chrono::Duration::milliseconds(1)
        );
    }

    #[test]
    fn any_snowflake_converts_without_panicking() {
        for id in [0, 1, u64::MAX, u64::MAX >> 1, 1 << 63] {
            let _ = snowflake_time(id);
        }
        let _ = snowflake_at(chrono::DateTime::<Utc>::MIN_UTC);
        let _ = snowflake_at(chrono::DateTime::<Utc>::MAX_UTC);
    }
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn message_links_from_every_client_parse_and_anything_else_is_a_sentence() {
        let want = Ok((GuildId(1), ChannelId(2), MessageId(3)));
        for link in [
            "https://discord.com/channels/1/2/3",
            " https://ptb.discord.com/channels/1/2/3 ",
            "https://canary.discord.com/channels/1/2/3",
            "https://discordapp.com/channels/1/2/3",
        ] {
            assert_eq!(parse_message_link(link), want, "{link}");
        }
        for bad in [
            "",
            "https://discord.com/channels/1/2",
            "https://discord.com/channels/1/2/3/4",
            "https://evil.example/channels/1/2/3",
            "http://discord.com/channels/1/2/3",
            "https://discord.com/channels/@me/2/3",
            "https://discord.com/channels/1/2/0",
            "https://discord.com/channels/1/2/99999999999999999999999",
        ] {
            let e = parse_message_link(bad).unwrap_err();
            assert!(e.contains("Copy Message Link"), "{bad}: {e}");
        }
    }
}
