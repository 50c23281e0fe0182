//! How a fake Discord is set up: its guild, the bot application, limits and timings.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ids::TimeSource;
use crate::permissions::Permissions;

/// Gateway intent bits, as the IDENTIFY payload carries them.
pub mod intents {
    /// Guild, channel and thread events.
    pub const GUILDS: u64 = 1 << 0;
    /// Member events; privileged.
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    /// Presence events; privileged.
    pub const GUILD_PRESENCES: u64 = 1 << 8;
    /// Message events in guilds.
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    /// Reaction events in guilds.
    pub const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    /// Message events in direct messages.
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    /// Message content of other users' messages; privileged.
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
    /// The intents Discord makes an application ask for in its portal.
    pub const PRIVILEGED: u64 = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT;
}

/// A role of the guild.
#[derive(Clone, Debug)]
pub struct RoleSpec {
    /// Role name, unique in the guild.
    pub name: String,
    /// Guild-wide permissions the role grants.
    pub permissions: Permissions,
}

/// A person in the guild that tests can script.
#[derive(Clone, Debug)]
pub struct MemberSpec {
    /// Username, unique in the guild; tests look members up by it.
    pub name: String,
    /// Names of the roles the member holds (besides `@everyone`).
    pub roles: Vec<String>,
}

/// The guild the bot is in.
#[derive(Clone, Debug)]
pub struct GuildSpec {
    /// Guild name.
    pub name: String,
    /// Username of the owner (also a scriptable member).
    pub owner: String,
    /// Permissions of `@everyone`.
    pub everyone: Permissions,
    /// Roles besides `@everyone` and the bot's managed role, lowest first: the first takes
    /// position 1 (just above `@everyone`), the next 2, and so on. The bot's managed role is
    /// above them all unless [`FakeConfig::bot_role_below`] names one of them.
    pub roles: Vec<RoleSpec>,
    /// Members besides the owner and the bot.
    pub members: Vec<MemberSpec>,
    /// Names of the text channels.
    pub channels: Vec<String>,
}

impl Default for GuildSpec {
    fn default() -> Self {
        let member = |name: &str, roles: &[&str]| MemberSpec {
            name: name.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        };
        Self {
            name: "Interview Prep".to_owned(),
            owner: "owner".to_owned(),
            everyone: Permissions::EVERYONE_DEFAULT,
            roles: vec![
                RoleSpec {
                    name: "Admin".to_owned(),
                    permissions: Permissions::ADMINISTRATOR,
                },
                RoleSpec {
                    name: "Moderator".to_owned(),
                    permissions: Permissions::MANAGE_GUILD
                        | Permissions::MANAGE_MESSAGES
                        | Permissions::MANAGE_THREADS,
                },
            ],
            members: vec![
                member("admin", &["Admin"]),
                member("moderator", &["Moderator"]),
                member("alice", &[]),
                member("bob", &[]),
                member("carol", &[]),
            ],
            channels: vec!["general".to_owned(), "dailyq".to_owned()],
        }
    }
}

/// Guilds the bot is in besides the scripted one, all alike, for measuring a bot with many
/// guilds (start-up, memory). They reach the bot in READY and GUILD_CREATE only: members cannot
/// act in them and REST does not know them.
#[derive(Clone, Copy, Debug, Default)]
pub struct BackgroundGuilds {
    /// How many.
    pub count: usize,
    /// Text channels in each.
    pub channels: usize,
    /// Roles in each besides `@everyone` and the bot's managed role.
    pub roles: usize,
    /// Members in each besides the bot (the first is the owner).
    pub members: usize,
}

/// Per-route bucket limits and the global limit, as Discord announces them in headers.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Requests per `global_window` across all routes for the bot (interaction routes
    /// exempt); Discord allows 50 per second.
    pub global_per_second: u32,
    /// Window of the global limit (Discord: one second; tests may stretch it).
    pub global_window: Duration,
    /// Requests a bucket allows per window when no override matches.
    pub bucket_limit: u32,
    /// Length of a bucket's window.
    pub bucket_window: Duration,
    /// Overrides: (`"METHOD /route/{template}"`, limit, window), e.g.
    /// `("POST /channels/{channel_id}/messages", 5, 5s)`.
    pub overrides: Vec<(String, u32, Duration)>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            global_per_second: 50,
            global_window: Duration::from_secs(1),
            bucket_limit: 10,
            bucket_window: Duration::from_secs(1),
            overrides: Vec::new(),
        }
    }
}

/// Everything a fake Discord starts from.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The guild, its roles, members and channels.
    pub guild: GuildSpec,
    /// Username of the bot user.
    pub bot_name: String,
    /// Permissions of the bot's managed role.
    pub bot_permissions: Permissions,
    /// Privileged intents enabled for the application in the (imaginary) developer portal.
    pub granted_intents: u64,
    /// Heartbeat interval announced in HELLO.
    pub heartbeat_interval: Duration,
    /// How long after creation an interaction accepts its first response (Discord: 3 s).
    pub interaction_deadline: Duration,
    /// Rate limits.
    pub rate_limits: RateLimitConfig,
    /// Seed of the fault injector's random numbers.
    pub seed: u64,
    /// JSON Lines file for records; defaults to `$FAKE_DISCORD_RECORD`.
    pub record_file: Option<PathBuf>,
    /// Whether the bot is already a member of the guild when it connects. When `false`, READY
    /// lists no guild and [`crate::FakeDiscord::add_bot_to_guild`] later sends the
    /// GUILD_CREATE of a guild the bot has just joined (serenity reports it as new).
    pub bot_in_guild: bool,
    /// Where "now" comes from for snowflakes and timestamps (default: the system clock); see
    /// [`FakeConfig::with_time_source`].
    pub time_source: TimeSource,
    /// How many guilds the bot is in (default 1); see [`FakeConfig::with_guilds`].
    pub guilds: usize,
    /// The shard count `GET /gateway/bot` recommends (default 1); see [`FakeConfig::with_shards`].
    pub shards: u32,
    /// Further guilds the bot is in (none by default); see [`BackgroundGuilds`].
    pub background_guilds: BackgroundGuilds,
    /// Where the bot's managed role sits in the role hierarchy: `None` (the default) puts it
    /// above every role of [`GuildSpec::roles`]; `Some(name)` puts it directly below the role
    /// called `name`. See [`FakeConfig::with_bot_role_below`].
    pub bot_role_below: Option<String>,
    /// The most bytes the files of one message may add up to (Discord's default: 25 MiB);
    /// more is refused with 413 (40005). Interactions announce it as `attachment_size_limit`.
    pub upload_limit: usize,
}

/// Discord's default upload limit for the files of one message: 25 MiB.
pub const DEFAULT_UPLOAD_LIMIT: usize = 25 * 1024 * 1024;

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            port: 0,
            guild: GuildSpec::default(),
            bot_name: "dailyq".to_owned(),
            bot_permissions: Permissions::BOT_DEFAULT,
            granted_intents: intents::PRIVILEGED,
            heartbeat_interval: Duration::from_millis(41_250),
            interaction_deadline: Duration::from_secs(3),
            rate_limits: RateLimitConfig::default(),
            seed: 0,
            record_file: std::env::var_os("FAKE_DISCORD_RECORD").map(PathBuf::from),
            bot_in_guild: true,
            time_source: TimeSource::system(),
            guilds: 1,
            shards: 1,
            background_guilds: BackgroundGuilds::default(),
            bot_role_below: None,
            upload_limit: DEFAULT_UPLOAD_LIMIT,
        }
    }
}

impl FakeConfig {
    /// Adds a member holding the named roles.
    pub fn with_member(mut self, name: &str, roles: &[&str]) -> Self {
        self.guild.members.push(MemberSpec {
            name: name.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        });
        self
    }

    /// Adds a role granting `permissions` guild-wide, above the roles already listed (roles
    /// take positions 1, 2, … in the order of [`GuildSpec::roles`]; `@everyone` is 0). The
    /// bot's managed role stays above it unless [`FakeConfig::with_bot_role_below`] says
    /// otherwise.
    pub fn with_role(mut self, name: &str, permissions: Permissions) -> Self {
        self.guild.roles.push(RoleSpec {
            name: name.to_owned(),
            permissions,
        });
        self
    }

    /// Puts the bot's managed role directly below the role called `name` (and above the roles
    /// listed before it), so the bot cannot give or take that role or any above it: Discord
    /// answers 403 Missing Permissions (50013). [`FakeDiscord::start`] panics when the guild
    /// has no such role.
    ///
    /// [`FakeDiscord::start`]: crate::FakeDiscord::start
    pub fn with_bot_role_below(mut self, name: &str) -> Self {
        self.bot_role_below = Some(name.to_owned());
        self
    }

    /// Sets the most bytes the files of one message may add up to (see
    /// [`FakeConfig::upload_limit`]).
    pub fn with_upload_limit(mut self, bytes: usize) -> Self {
        self.upload_limit = bytes;
        self
    }

    /// Adds a text channel.
    pub fn with_channel(mut self, name: &str) -> Self {
        self.guild.channels.push(name.to_owned());
        self
    }

    /// Leaves these privileged intents unapproved: asking for them closes the gateway with 4014.
    pub fn without_privileged_intents(mut self, bits: u64) -> Self {
        self.granted_intents &= !bits;
        self
    }

    /// The bot is not in the guild until [`crate::FakeDiscord::add_bot_to_guild`].
    pub fn with_bot_not_yet_in_guild(mut self) -> Self {
        self.bot_in_guild = false;
        self
    }

    /// The bot is in `n` guilds. Each guild after the first has the same members and roles (the
    /// same people in several servers) and channels of the same names; see
    /// [`crate::FakeDiscord::guild_ids`] and [`crate::FakeDiscord::channel_in`].
    pub fn with_guilds(mut self, n: usize) -> Self {
        self.guilds = n.max(1);
        self
    }

    /// `GET /gateway/bot` recommends `n` shards, and guild `k` (in creation order) gets an id on
    /// shard `k % n` by Discord's rule `(guild_id >> 22) % n`, so guilds spread evenly. Each
    /// session gets only its own shard's guilds in READY and their events.
    pub fn with_shards(mut self, n: u32) -> Self {
        self.shards = n.max(1);
        self
    }

    /// The bot is also in `guilds` more guilds (see [`BackgroundGuilds`]).
    pub fn with_background_guilds(mut self, guilds: BackgroundGuilds) -> Self {
        self.background_guilds = guilds;
        self
    }

    /// Sets the HELLO heartbeat interval.
    pub fn with_heartbeat_interval(mut self, interval: Duration) -> Self {
        self.heartbeat_interval = interval;
        self
    }

    /// Takes "now" from `now` instead of the system clock, for every snowflake (so its
    /// `created_at()`) and every `timestamp`, `edited_timestamp`, `archive_timestamp` and
    /// `create_timestamp` the fake makes, e.g. a test's manual clock:
    /// `config.with_time_source(move || clock.now())`.
    ///
    /// Snowflakes stay strictly increasing when the source stands still or goes back. Rate
    /// limits, the `enforce_nonce` memory, the 3 s interaction deadline and heartbeats keep
    /// real time. `now` runs with the fake's state locked: keep it quick and do not call the
    /// fake from it.
    pub fn with_time_source(mut self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.time_source = TimeSource::new(now);
        self
    }
}
