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
