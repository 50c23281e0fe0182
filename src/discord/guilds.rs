//! The guilds the bot is in: a small index of its own instead of serenity's guild cache, and
//! the one task that records joins and departures in the store.
//!
//! Serenity's cache would keep a clone of every GUILD_CREATE (channels, roles, members, emojis:
//! about 10 KiB a guild). dailyq reads only two things from it: whether a guild is known to this
//! process (so a reconnect's GUILD_CREATE is not greeted as a new join) and which channels of a
//! guild are ordinary channels (messages there cost no query). [`GuildIndex`] keeps exactly that:
//! a guild id and its sorted channel ids, about 100 bytes a guild.
//!
//! Handlers of GUILD_CREATE and GUILD_DELETE only update the index and queue a
//! [`PresenceChange`]; they return at once, so the payload serenity hands them is freed while the
//! store is still busy. One writer takes the queue in order and records a burst of GUILD_CREATEs
//! (2,500 at a start) in a few transactions.

use super::{Data, Discord};
use crate::domain::web::{MemberLook, display_name};
use crate::domain::{GuildId, UserId};
use crate::store::GuildArrival;
use poise::serenity_prelude as serenity;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// How many queued changes the writer records in one transaction at most.
const PRESENCE_BATCH: usize = 512;

/// How many members' looks [`KnownLooks`] holds before it starts over (about 2 MiB).
const KNOWN_LOOKS: usize = 100_000;

/// The look (name, avatar) last kept per member, as a hash: an answer by a member who looks
/// the same as last time writes nothing. Lost on restart, which costs one write per member.
#[derive(Debug, Default)]
pub struct KnownLooks(Mutex<HashMap<(u64, u64), u64>>);

impl KnownLooks {
    /// Notes `look` for the member; whether it differs from the one noted before.
    fn note(&self, guild: u64, member: u64, look: &MemberLook) -> bool {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one((&look.name, &look.avatar));
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= KNOWN_LOOKS && !map.contains_key(&(guild, member)) {
            map.clear();
        }
        map.insert((guild, member), hash) != Some(hash)
    }

    fn forget(&self, guild: u64, member: u64) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(guild, member));
    }
}

/// Keeps how an answering member looks (nickname, else display name, else username; their
/// avatar), for the web page. A failure is logged: the answer it follows is already kept.
pub(crate) async fn remember_look(data: &Data, guild: GuildId, user: &serenity::User, nick: Option<&str>) {
    let Some(name) = display_name(nick, user.global_name.as_deref(), &user.name) else {
        return;
    };
    let look = MemberLook {
        name,
        avatar: user.avatar.map(|h| h.to_string()),
    };
    let member = UserId(user.id.get());
    if !data.looks.note(guild.0, member.0, &look) {
        return;
    }
    if let Err(e) = data
        .store
        .remember_member(guild, member, &look, data.clock.now())
        .await
    {
        data.looks.forget(guild.0, member.0);
        tracing::warn!(error = ?e, "could not keep a member's name for the web page");
    }
}

/// Guild id → the ids of its ordinary (non-thread) channels, sorted.
#[derive(Debug, Default)]
pub struct GuildIndex(Mutex<HashMap<u64, Box<[u64]>>>);

impl GuildIndex {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Box<[u64]>>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// READY lists the guilds of a shard: they are known (not new joins) before their
    /// GUILD_CREATE arrives.
    pub fn know(&self, guilds: impl IntoIterator<Item = u64>) {
        let mut map = self.map();
        for guild in guilds {
            map.entry(guild).or_default();
        }
    }

    /// A GUILD_CREATE: the guild and its channels. Returns whether this process had never heard
    /// of the guild (neither in a READY nor in an earlier GUILD_CREATE): only then can it be a
    /// new join.
    pub fn insert(&self, guild: u64, channels: impl IntoIterator<Item = u64>) -> bool {
        let mut channels: Vec<u64> = channels.into_iter().collect();
        channels.sort_unstable();
        channels.dedup();
        self.map().insert(guild, channels.into_boxed_slice()).is_none()
    }

    /// The bot left the guild (not a mere outage): a later GUILD_CREATE is a new join.
    pub fn remove(&self, guild: u64) {
        self.map().remove(&guild);
    }

    /// CHANNEL_CREATE of an ordinary channel in a known guild.
    pub fn add_channel(&self, guild: u64, channel: u64) {
        if let Some(channels) = self.map().get_mut(&guild)
            && let Err(at) = channels.binary_search(&channel)
        {
            let mut v = channels.to_vec();
            v.insert(at, channel);
            *channels = v.into_boxed_slice();
        }
    }

    /// CHANNEL_DELETE.
    pub fn remove_channel(&self, guild: u64, channel: u64) {
        if let Some(channels) = self.map().get_mut(&guild)
            && let Ok(at) = channels.binary_search(&channel)
        {
            let mut v = channels.to_vec();
            v.remove(at);
            *channels = v.into_boxed_slice();
        }
    }

    /// Whether `channel` is an ordinary channel of `guild` as far as this process knows.
    pub fn is_ordinary(&self, guild: u64, channel: u64) -> bool {
        self.map()
            .get(&guild)
            .is_some_and(|channels| channels.binary_search(&channel).is_ok())
    }

    /// How many guilds the index holds.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether the index holds no guild.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A join or departure for the store, in gateway order as far as the handlers keep it.
#[derive(Debug)]
pub enum PresenceChange {
    /// A GUILD_CREATE; `greet` holds where to say hello (in order of preference) when the guild
    /// was unknown to this process, and is empty otherwise.
    Joined {
        guild: GuildId,
        name: String,
        greet: Vec<serenity::ChannelId>,
    },
    /// A GUILD_DELETE that is not an outage: the bot was removed.
    Left { guild: GuildId },
}

/// The queue from the gateway handlers to the presence writer.
#[derive(Debug)]
pub struct PresenceQueue {
    tx: mpsc::UnboundedSender<PresenceChange>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<PresenceChange>>>,
}

impl Default for PresenceQueue {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        PresenceQueue {
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }
}

impl PresenceQueue {
    /// Queues a change (never waits: each gateway event adds at most one, of a few bytes).
    pub fn push(&self, change: PresenceChange) {
        // The receiver lives as long as the writer, which runs as long as the process.
        let _ = self.tx.send(change);
    }
}

/// Where a greeting for a newly joined guild may go: its system channel, then its text
/// channels by position.
pub fn greeting_channels(guild: &serenity::Guild) -> Vec<serenity::ChannelId> {
    let mut targets: Vec<serenity::ChannelId> = guild.system_channel_id.into_iter().collect();
    let mut text_channels: Vec<&serenity::GuildChannel> = guild
        .channels
        .values()
        .filter(|c| c.kind == serenity::ChannelType::Text)
        .collect();
    text_channels.sort_by_key(|c| (c.position, c.id));
    targets.extend(text_channels.iter().map(|c| c.id));
    targets
}

/// Starts the presence writer (once per [`Data`]; later calls do nothing).
pub(crate) fn spawn_writer(discord: Discord, data: Data) {
    let rx = data
        .presence
        .rx
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(rx) = rx {
        tokio::spawn(write_presence(discord, data, rx));
    }
}

/// Takes whatever is queued and records it in order: runs of joins in one transaction each.
async fn write_presence(discord: Discord, data: Data, mut rx: mpsc::UnboundedReceiver<PresenceChange>) {
    let mut batch = Vec::with_capacity(PRESENCE_BATCH);
    while rx.recv_many(&mut batch, PRESENCE_BATCH).await > 0 {
        let mut joined: Vec<Joined> = Vec::new();
        for change in batch.drain(..) {
            match change {
                PresenceChange::Joined { guild, name, greet } => joined.push((guild, name, greet)),
                PresenceChange::Left { guild } => {
                    record_joins(&discord, &data, std::mem::take(&mut joined)).await;
                    // Keep the guild's data, remember when it left, and spend no request on it
                    // until it is back.
                    if let Err(e) = data.store.mark_guild_left(guild, data.clock.now()).await {
                        tracing::warn!(error = ?e, %guild, "could not record that the bot left a guild");
                    }
                }
            }
        }
        record_joins(&discord, &data, joined).await;
    }
}

/// A joined guild: its id, its name, and where to greet it.
type Joined = (GuildId, String, Vec<serenity::ChannelId>);

async fn record_joins(discord: &Discord, data: &Data, joined: Vec<Joined>) {
    if joined.is_empty() {
        return;
    }
    let guilds: Vec<(GuildId, &str)> = joined.iter().map(|(g, name, _)| (*g, name.as_str())).collect();
    let arrivals = match data.store.record_guilds_present(&guilds, data.clock.now()).await {
        Ok(arrivals) => arrivals,
        Err(e) => {
            tracing::warn!(error = ?e, guilds = guilds.len(), "could not record the guilds the bot is in");
            return;
        }
    };
    let mut back = false;
    for ((guild, arrival), (_, _, greet)) in arrivals.into_iter().zip(joined) {
        if arrival == GuildArrival::Back {
            tracing::info!(%guild, "back in a guild; its schedules resume");
            back = true;
        }
        if arrival != GuildArrival::Present && !greet.is_empty() {
            let discord = discord.clone();
            tokio::spawn(async move { say_hello(&discord, guild, &greet).await });
        }
    }
    if back {
        data.wake.notify_one();
    }
}

async fn say_hello(discord: &Discord, guild: GuildId, targets: &[serenity::ChannelId]) {
    for channel in targets {
        if discord
            .call(
                "messages",
                channel.say(discord.paced().await, super::render::GREETING),
            )
            .await
            .is_ok()
        {
            return;
        }
    }
    tracing::info!(%guild, "joined a guild but found no channel to greet in");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guild_listed_in_ready_is_not_a_new_join_when_its_guild_create_arrives() {
        let index = GuildIndex::default();
        index.know([10, 11]);
        assert!(!index.insert(10, [100, 101]));
        assert!(
            index.insert(12, [120]),
            "a guild no READY listed is a first sight"
        );
        assert!(!index.insert(12, [120]), "a replayed GUILD_CREATE is not");
    }

    #[test]
    fn a_guild_the_bot_left_is_a_new_join_when_it_comes_back() {
        let index = GuildIndex::default();
        assert!(index.insert(10, [100]));
        index.remove(10);
        assert!(!index.is_ordinary(10, 100));
        assert!(index.insert(10, [100]));
    }

    #[test]
    fn only_the_channels_of_a_guild_create_or_a_channel_create_are_ordinary() {
        let index = GuildIndex::default();
        index.insert(10, [103, 101, 102]);
        assert!(index.is_ordinary(10, 101) && index.is_ordinary(10, 103));
        assert!(!index.is_ordinary(10, 104), "a thread or an unknown channel");
        assert!(!index.is_ordinary(11, 101), "a channel of another guild");
        index.add_channel(10, 104);
        assert!(index.is_ordinary(10, 104));
        index.remove_channel(10, 101);
        assert!(!index.is_ordinary(10, 101));
        index.add_channel(11, 110);
        assert!(!index.is_ordinary(11, 110), "a guild this process does not know");
        index.know([10]);
        assert!(
            index.is_ordinary(10, 102),
            "a later READY keeps what a GUILD_CREATE said"
        );
    }
}
