//! A faithful fake of Discord on loopback: REST under `/api/v10`, the gateway over `ws://`,
//! and HTTPS for `discord.com` on the same port, so the real serenity/poise client runs
//! against it unchanged. Tests script guild members and assert on what the bot did.
//!
//! See `README.md` for an example.

mod attachments;
mod background;
mod config;
mod error;
mod gateway;
mod ids;
mod limits;
mod ops;
mod permissions;
mod record;
mod rest;
mod script;
mod server;
mod shared;
mod state;
mod tls;
mod validate;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

pub use config::{
    BackgroundGuilds, DEFAULT_UPLOAD_LIMIT, FakeConfig, GuildSpec, MemberSpec, RateLimitConfig, RoleSpec,
    intents,
};
pub use error::ApiError;
pub use gateway::{FloodReaction, GatewayStats};
pub use ids::TimeSource;
pub use limits::Faults;
pub use permissions::Permissions;
pub use record::{Direction, GatewayRecord, Record, RestRecord};
pub use script::{
    FakeAttachment, FakeMessage, Interaction, InteractionResponse, Member, ModalInfo, Opt, Reaction,
    ResponseKind, TextInput, TextInputStyle, ThreadInfo, Timeout, attachment, focused, opt, sub,
};

use crate::shared::Shared;

/// A running fake Discord. Dropping it stops the server and closes every connection.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    ca_pem: String,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for FakeDiscord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDiscord")
            .field("addr", &self.shared.addr)
            .finish_non_exhaustive()
    }
}

impl FakeDiscord {
    /// Starts a fake on 127.0.0.1; panics if it cannot (a test fixture has no plan B).
    pub async fn start(config: FakeConfig) -> Self {
        Self::try_start(config).await.expect("start fake Discord")
    }

    /// Starts a fake on 127.0.0.1.
    pub async fn try_start(config: FakeConfig) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let tls = tls::generate()?;
        let recorder = record::Recorder::new(config.record_file.as_deref())?;
        let mut world = state::World::new(&config, gateway::Hub::default());
        world.cdn_base = format!("http://{addr}");
        let heartbeat_ms = u64::try_from(config.heartbeat_interval.as_millis()).unwrap_or(41_250);
        let shared = Arc::new(Shared::new(
            world,
            recorder,
            limits::Limiter::new(config.rate_limits.clone()),
            Faults::new(config.seed),
            heartbeat_ms,
            addr,
        ));
        let (shutdown, stop) = watch::channel(false);
        let acceptor = TlsAcceptor::from(tls.server);
        tokio::spawn(server::run(listener, Arc::clone(&shared), acceptor, stop));
        Ok(Self {
            shared,
            ca_pem: tls.ca_pem,
            shutdown,
        })
    }

    /// The socket address everything is served on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy(..).ratelimiter_disabled(true)`.
    pub fn proxy_base(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `ws://127.0.0.1:PORT`, what `GET /api/v10/gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url.clone()
    }

    /// The bot token the fake accepts (without the `Bot ` prefix).
    pub fn bot_token(&self) -> String {
        self.shared.read(|w| w.token.clone())
    }

    /// PEM of the throwaway root certificate that signed the fake's `discord.com` certificate.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A reqwest client for serenity's production path (`HttpBuilder::client`): it resolves
    /// `discord.com` to the fake, trusts only the test root, and ignores proxy variables.
    pub fn production_client(&self) -> reqwest::Client {
        let root = reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("test root parses");
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(root)
            .resolve("discord.com", self.shared.addr)
            .no_proxy()
            .build()
            .expect("build reqwest client")
    }

    /// A plain-HTTP reqwest client that ignores proxy variables, for the proxy path
    /// (`HttpBuilder::client(..).proxy(fake.proxy_base())`) and for raw requests in tests.
    pub fn plain_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("build reqwest client")
    }

    /// The application id (equal to the bot's user id, as for current Discord apps).
    pub fn application_id(&self) -> u64 {
        self.shared.read(|w| w.app_id)
    }

    /// The bot's user id.
    pub fn bot_user_id(&self) -> u64 {
        self.shared.read(|w| w.bot_id)
    }

    /// The guild id.
    pub fn guild_id(&self) -> u64 {
        self.shared.read(|w| w.guild_id)
    }

    /// Every guild the bot is in, in creation order (the first is [`FakeDiscord::guild_id`]).
    pub fn guild_ids(&self) -> Vec<u64> {
        self.shared.read(|w| w.guilds.clone())
    }

    /// The shard Discord sends a guild's events to, for the configured shard count.
    pub fn shard_of(&self, guild: u64) -> u64 {
        self.shared.read(|w| w.shard_of(guild))
    }

    /// A text channel of `guild` by name; panics if there is none.
    pub fn channel_in(&self, guild: u64, name: &str) -> u64 {
        self.shared
            .read(|w| w.channel_in(guild, name))
            .unwrap_or_else(|| panic!("no channel named {name:?} in guild {guild}"))
    }

    /// The `[shard, total]` of every gateway session on a live connection, sorted.
    pub fn connected_shards(&self) -> Vec<[u64; 2]> {
        self.shared.read(|w| w.hub.connected_shards())
    }

    /// Creates a text channel in `guild`, as an admin would in the Discord client, and sends
    /// CHANNEL_CREATE. Returns its id.
    pub fn create_channel(&self, guild: u64, name: &str) -> u64 {
        self.shared.with_world(|w| w.create_text_channel(guild, name))
    }

    /// A text channel's id by name (in the first guild); panics if there is none.
    pub fn channel(&self, name: &str) -> u64 {
        self.shared
            .read(|w| w.channel_by_name(name))
            .unwrap_or_else(|| panic!("no channel named {name:?}"))
    }

    /// A role's id by name; panics if there is none.
    pub fn role(&self, name: &str) -> u64 {
        self.shared
            .read(|w| w.role_by_name(name))
            .unwrap_or_else(|| panic!("no role named {name:?}"))
    }

    /// The ids of the roles a member holds (besides `@everyone`), in the order they got them;
    /// empty for an unknown user.
    pub fn member_roles(&self, user: u64) -> Vec<u64> {
        self.shared
            .read(|w| w.members.get(&user).map(|m| m.roles.clone()).unwrap_or_default())
    }

    /// A role's position in the hierarchy (`@everyone` is 0; higher is more senior); panics if
    /// there is no such role.
    pub fn role_position(&self, role: u64) -> u16 {
        self.shared
            .read(|w| w.roles.get(&role).map(|r| r.position))
            .unwrap_or_else(|| panic!("no role {role}"))
    }

    /// The bot's own managed role.
    pub fn bot_role(&self) -> u64 {
        self.shared.read(|w| w.bot_role)
    }

    /// A scriptable member by username; panics if there is none.
    pub fn member(&self, name: &str) -> Member {
        let id = self
            .shared
            .read(|w| w.user_by_name(name))
            .unwrap_or_else(|| panic!("no member named {name:?}"));
        Member::new(Arc::clone(&self.shared), id, name.to_owned())
    }

    /// The guild owner.
    pub fn owner(&self) -> Member {
        let (id, name) = self
            .shared
            .read(|w| (w.owner_id, w.users[&w.owner_id].name.clone()));
        Member::new(Arc::clone(&self.shared), id, name)
    }

    /// A member's permissions in a channel, computed like Discord does.
    pub fn permissions_in(&self, user: u64, channel: u64) -> Permissions {
        self.shared.read(|w| w.channel_permissions(user, channel))
    }

    /// The bot joins the guild now (see [`FakeConfig::with_bot_not_yet_in_guild`]): sessions
    /// with the GUILDS intent get the guild's GUILD_CREATE, as when a server adds a bot.
    pub fn add_bot_to_guild(&self) {
        self.shared.with_world(|w| {
            if !w.bot_in_guild {
                w.bot_in_guild = true;
                let guild = w.guild_json(true);
                w.emit("GUILD_CREATE", guild, config::intents::GUILDS, false);
            }
        });
    }

    /// A server admin removes the bot from the guild: sessions with the GUILDS intent get a
    /// GUILD_DELETE (without `unavailable`), READY no longer lists the guild, and the bot's
    /// requests on the guild's channels get 403 Missing Access until [`FakeDiscord::add_bot_to_guild`].
    pub fn remove_bot_from_guild(&self) {
        self.shared.with_world(|w| {
            if w.bot_in_guild {
                w.bot_in_guild = false;
                let d = serde_json::json!({ "id": w.guild_id.to_string() });
                w.emit("GUILD_DELETE", d, config::intents::GUILDS, false);
            }
        });
    }

    /// Gives the bot exactly `perms` in a channel (a member overwrite; CHANNEL_UPDATE follows).
    pub fn set_bot_permissions(&self, channel: u64, perms: Permissions) {
        self.shared.with_world(|w| {
            let bot = w.bot_id;
            w.set_member_overwrite(channel, bot, perms);
        });
    }

    /// Gives a member exactly `perms` in a channel.
    pub fn set_member_permissions(&self, channel: u64, user: u64, perms: Permissions) {
        self.shared
            .with_world(|w| w.set_member_overwrite(channel, user, perms));
    }

    /// Messages in a channel or thread, oldest first (ephemeral ones included).
    pub fn messages(&self, channel: u64) -> Vec<FakeMessage> {
        self.shared.read(|w| {
            w.messages
                .values()
                .filter(|m| m.channel_id == channel)
                .map(|m| FakeMessage::from_rec(w, m))
                .collect()
        })
    }

    /// One message by id.
    pub fn message(&self, id: u64) -> Option<FakeMessage> {
        self.shared
            .read(|w| w.messages.get(&id).map(|m| FakeMessage::from_rec(w, m)))
    }

    /// Waits for a message in `channel` (existing or new) that `matches`.
    pub async fn wait_for_message(
        &self,
        channel: u64,
        mut matches: impl FnMut(&FakeMessage) -> bool,
        timeout: Duration,
    ) -> Result<FakeMessage, Timeout> {
        script::wait_for(
            &self.shared,
            |w| {
                w.messages
                    .values()
                    .filter(|m| m.channel_id == channel)
                    .map(|m| FakeMessage::from_rec(w, m))
                    .find(|m| matches(m))
            },
            timeout,
            || format!("a matching message in channel {channel}"),
        )
        .await
    }

    /// Waits for a message by the bot in `channel` that `matches`.
    pub async fn wait_for_bot_message(
        &self,
        channel: u64,
        mut matches: impl FnMut(&FakeMessage) -> bool,
        timeout: Duration,
    ) -> Result<FakeMessage, Timeout> {
        self.wait_for_message(channel, |m| m.by_bot && matches(m), timeout)
            .await
    }

    /// A thread's state.
    pub fn thread(&self, id: u64) -> Option<ThreadInfo> {
        self.shared.read(|w| script::thread_info(w, id))
    }

    /// Threads whose parent is `channel`.
    pub fn threads(&self, channel: u64) -> Vec<ThreadInfo> {
        self.shared.read(|w| {
            w.channels
                .values()
                .filter(|c| c.parent_id == Some(channel))
                .filter_map(|c| script::thread_info(w, c.id))
                .collect()
        })
    }

    /// Waits for a thread under `channel` that `matches`.
    pub async fn wait_for_thread(
        &self,
        channel: u64,
        mut matches: impl FnMut(&ThreadInfo) -> bool,
        timeout: Duration,
    ) -> Result<ThreadInfo, Timeout> {
        script::wait_for(
            &self.shared,
            |w| {
                w.channels
                    .values()
                    .filter(|c| c.parent_id == Some(channel))
                    .filter_map(|c| script::thread_info(w, c.id))
                    .find(|t| matches(t))
            },
            timeout,
            || format!("a matching thread under channel {channel}"),
        )
        .await
    }

    /// Reactions on a message.
    pub fn reactions(&self, message: u64) -> Vec<Reaction> {
        self.message(message).map(|m| m.reactions).unwrap_or_default()
    }

    /// Registered application commands as Discord returns them (global and guild).
    pub fn commands(&self) -> Vec<Value> {
        self.shared.read(|w| {
            w.commands
                .values()
                .map(|c| w.get_command(w.app_id, c.guild_id, c.id))
                .filter_map(Result::ok)
                .collect()
        })
    }

    /// Waits until a command with this name is registered.
    pub async fn wait_for_command(&self, name: &str, timeout: Duration) -> Result<(), Timeout> {
        script::wait_for(
            &self.shared,
            |w| w.commands.values().any(|c| c.name() == name).then_some(()),
            timeout,
            || format!("command /{name} to be registered"),
        )
        .await
    }

    /// Re-checks `probe` after every change of the fake until it returns `Some`.
    pub async fn wait_until<T>(
        &self,
        mut probe: impl FnMut(&FakeDiscord) -> Option<T>,
        timeout: Duration,
    ) -> Result<T, Timeout> {
        let mut changes = self.shared.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if let Some(found) = probe(self) {
                return Ok(found);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => {
                    return Err(Timeout {
                        what: "a condition on the fake".to_owned(),
                    });
                }
            }
        }
    }

    /// Fault injection switches.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Gateway controls and counters.
    pub fn gateway(&self) -> Gateway<'_> {
        Gateway { shared: &self.shared }
    }

    /// Every REST exchange and gateway frame so far.
    pub fn records(&self) -> Vec<Record> {
        self.shared.recorder.all()
    }

    /// REST exchanges so far.
    pub fn rest_records(&self) -> Vec<RestRecord> {
        self.records()
            .into_iter()
            .filter_map(|r| match r {
                Record::Rest(r) => Some(r),
                Record::Gateway(_) => None,
            })
            .collect()
    }

    /// Gateway frames so far.
    pub fn gateway_records(&self) -> Vec<GatewayRecord> {
        self.records()
            .into_iter()
            .filter_map(|r| match r {
                Record::Gateway(g) => Some(g),
                Record::Rest(_) => None,
            })
            .collect()
    }

    /// Dispatch frames (`op` 0) sent to clients, in order.
    pub fn dispatches(&self) -> Vec<Value> {
        self.gateway_records()
            .into_iter()
            .filter(|g| g.direction == Direction::Out && g.frame["op"] == 0)
            .map(|g| g.frame)
            .collect()
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.shared.read(|w| w.hub.drop_connections());
    }
}

/// Gateway controls: drop or close connections, ask for reconnects, read counters.
pub struct Gateway<'a> {
    shared: &'a Shared,
}

impl Gateway<'_> {
    /// Counters so far.
    pub fn stats(&self) -> GatewayStats {
        self.shared.read(|w| w.hub.stats)
    }

    /// Whether an identified session has a live connection.
    pub fn is_connected(&self) -> bool {
        self.shared.read(|w| w.hub.is_connected())
    }

    /// Drops every connection without a close frame (a network failure). Sessions survive for
    /// RESUME; events meanwhile are kept and replayed.
    pub fn drop_connections(&self) {
        self.shared.read(|w| w.hub.drop_connections());
    }

    /// Closes every connection with a close code (4014 and 4004 are fatal for serenity).
    pub fn close_connections(&self, code: u16, reason: &str) {
        self.shared.read(|w| w.hub.close_connections(code, reason));
    }

    /// Sends many reaction events quickly, for load tests: each is dispatched like a member's
    /// reaction (MESSAGE_REACTION_ADD with a member, or MESSAGE_REACTION_REMOVE) to the first
    /// session that receives reactions, with the next sequence number, and kept for RESUME. The
    /// events are drawn from `events` only as fast as the client reads them, so a flood of any
    /// length holds no backlog in the fake. Unlike [`Member::react`] nothing is checked and the
    /// fake's reaction lists do not change. Returns whether a session took the flood;
    /// `stats().flooded` counts the events sent.
    pub fn flood_reactions(&self, events: impl Iterator<Item = FloodReaction> + Send + 'static) -> bool {
        self.shared.read(|w| w.hub.flood(Box::new(events)))
    }

    /// Sends op 7 RECONNECT.
    pub fn request_reconnect(&self) {
        self.shared.read(|w| w.hub.request_reconnect());
    }

    /// Makes the next RESUME that succeeds send again the last `k` dispatches the client had
    /// already received (those with `s` up to the `seq` it resumes from; READY and RESUMED
    /// aside), with their original `s`, before the ones it missed — as Discord may when it
    /// resumes from an older sequence number. Later RESUMEs are normal again. Counted in
    /// [`GatewayStats::resent`].
    pub fn replay_on_resume(&self, k: usize) {
        self.shared.with_world(|w| w.hub.replay_on_resume(k));
    }

    /// From now on the fake leaves RESUME payloads unanswered (heartbeats are still
    /// acknowledged) until [`Gateway::release_resumes`]: the client is back but not yet
    /// resumed, so whatever happens meanwhile is certainly missed and replayed.
    /// `stats().held_resumes` counts the RESUMEs waiting.
    ///
    /// With it a test makes "said while the bot was away" hold whatever the scheduler does:
    /// `hold_resumes(); drop_connections(); wait_for(|s| s.held_resumes == 1)`, act, then
    /// `release_resumes()`.
    pub fn hold_resumes(&self) {
        self.shared.with_world(|w| w.hub.hold_resumes());
    }

    /// Stops holding RESUMEs and answers the held ones in order (on connections still open).
    pub fn release_resumes(&self) {
        self.shared.with_world(crate::state::World::release_resumes);
    }

    /// Sends op 9 INVALID_SESSION; when not resumable the session is forgotten and the client
    /// must IDENTIFY again.
    pub fn invalidate_session(&self, resumable: bool) {
        self.shared.with_world(|w| w.hub.invalidate_sessions(resumable));
    }

    /// Waits until the counters satisfy `done`.
    pub async fn wait_for(
        &self,
        mut done: impl FnMut(&GatewayStats) -> bool,
        timeout: Duration,
    ) -> Result<GatewayStats, Timeout> {
        script::wait_for(
            self.shared,
            |w| Some(w.hub.stats).filter(|s| done(s)),
            timeout,
            || "gateway counters".to_owned(),
        )
        .await
    }

    /// Waits until a client has identified and is connected.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), Timeout> {
        script::wait_for(
            self.shared,
            |w| (w.hub.has_session() && w.hub.is_connected()).then_some(()),
            timeout,
            || "a client to identify".to_owned(),
        )
        .await
    }
}
