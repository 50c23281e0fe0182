//! The gateway: sessions with sequence numbers and a replay buffer, connections, intents.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::config::intents;
use crate::record::Direction;
use crate::shared::Shared;

/// Dispatches kept per session for RESUME.
const REPLAY_BUFFER: usize = 10_000;

/// What a connection task is told to do.
pub(crate) enum ConnCmd {
    /// Send this frame.
    Frame(Value),
    /// Close with a close frame.
    Close(u16, String),
    /// Drop the TCP connection without a close frame.
    Drop,
    /// Send these reaction events as fast as the client reads them (see [`FloodReaction`]).
    Flood(FloodEvents),
}

/// One ⬆️-style reaction event of a flood: `user` adds (or removes) `emoji` on `message` in
/// `channel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodReaction {
    /// Who reacts (need not be a scripted member).
    pub user: u64,
    /// The channel or thread of the message.
    pub channel: u64,
    /// The reacted-to message.
    pub message: u64,
    /// Added (`true`) or removed.
    pub added: bool,
}

/// The events of a flood, produced lazily so a flood of millions costs no memory.
pub(crate) type FloodEvents = Box<dyn Iterator<Item = FloodReaction> + Send>;

impl std::fmt::Debug for ConnCmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnCmd::Frame(v) => f.debug_tuple("Frame").field(v).finish(),
            ConnCmd::Close(c, r) => f.debug_tuple("Close").field(c).field(r).finish(),
            ConnCmd::Drop => f.write_str("Drop"),
            ConnCmd::Flood(_) => f.write_str("Flood"),
        }
    }
}

struct Session {
    intents: u64,
    /// `[shard, total]` from IDENTIFY: the session gets only the events of guilds with
    /// `(guild_id >> 22) % total == shard`.
    shard: [u64; 2],
    seq: u64,
    buffer: VecDeque<(u64, Value)>,
    conn: Option<u64>,
}

struct Conn {
    tx: mpsc::UnboundedSender<ConnCmd>,
    session: Option<String>,
}

/// Counters tests wait on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GatewayStats {
    /// WebSocket connections accepted.
    pub connections: u64,
    /// Connections open now.
    pub open_connections: u64,
    /// IDENTIFY payloads answered with READY.
    pub identifies: u64,
    /// RESUME payloads answered with RESUMED.
    pub resumes: u64,
    /// RESUME payloads refused with INVALID_SESSION.
    pub failed_resumes: u64,
    /// Heartbeats received.
    pub heartbeats: u64,
    /// Dispatches replayed on RESUME.
    pub replayed: u64,
    /// Already delivered dispatches sent again on RESUME (see `replay_on_resume`).
    pub resent: u64,
    /// RESUME payloads waiting now for `release_resumes` (see `hold_resumes`).
    pub held_resumes: u64,
    /// Connections closed for asking for privileged intents that were not granted.
    pub disallowed_intents: u64,
    /// Reaction events of floods sent (see `Gateway::flood_reactions`).
    pub flooded: u64,
}

/// One dispatch before it is fitted to each session's intents.
pub(crate) struct Dispatch {
    pub(crate) t: &'static str,
    pub(crate) d: Value,
    /// Intent a session needs to receive it; 0 for always.
    pub(crate) intent: u64,
    /// Whether message content in `d` is hidden from sessions without MESSAGE_CONTENT.
    pub(crate) private_content: bool,
}

/// All sessions and live connections.
#[derive(Default)]
pub(crate) struct Hub {
    sessions: HashMap<String, Session>,
    conns: HashMap<u64, Conn>,
    next_conn: u64,
    /// How many already delivered dispatches the next RESUME sends again.
    resend_on_resume: usize,
    /// Whether RESUME payloads wait for `release_resumes` instead of being answered.
    hold_resumes: bool,
    /// Held RESUME payloads with their connection, in arrival order.
    held_resumes: Vec<(u64, Value)>,
    /// The bot's user id: the one member a GUILD_CREATE keeps without GUILD_PRESENCES.
    pub(crate) bot_id: u64,
    pub(crate) stats: GatewayStats,
}

/// Blanks what MESSAGE_CONTENT guards in a message object.
pub(crate) fn strip_content(message: &mut Value) {
    message["content"] = json!("");
    message["embeds"] = json!([]);
    message["attachments"] = json!([]);
    message["components"] = json!([]);
}

/// Discord sends a GUILD_CREATE's members and presences only to sessions with GUILD_PRESENCES
/// (and under 75,000 members); the others get the bot's own member and members in voice
/// channels, of which the fake has none. `member_count` still counts everyone.
fn fit_guild_create(intents: u64, bot_id: u64, guild: &mut Value) {
    if intents & intents::GUILD_PRESENCES != 0 {
        return;
    }
    let me = bot_id.to_string();
    if let Some(members) = guild["members"].as_array_mut() {
        members.retain(|m| m["user"]["id"].as_str() == Some(me.as_str()));
    }
    guild["presences"] = json!([]);
}

impl Hub {
    fn register(&mut self, tx: mpsc::UnboundedSender<ConnCmd>) -> u64 {
        self.next_conn += 1;
        self.stats.connections += 1;
        self.stats.open_connections += 1;
        self.conns.insert(self.next_conn, Conn { tx, session: None });
        self.next_conn
    }

    fn unregister(&mut self, conn: u64) {
        self.held_resumes.retain(|(c, _)| *c != conn);
        self.stats.held_resumes = self.held_resumes.len() as u64;
        if let Some(c) = self.conns.remove(&conn) {
            self.stats.open_connections -= 1;
            if let Some(session) = c.session.and_then(|s| self.sessions.get_mut(&s))
                && session.conn == Some(conn)
            {
                session.conn = None;
            }
        }
    }

    fn send(&self, conn: u64, cmd: ConnCmd) {
        if let Some(c) = self.conns.get(&conn) {
            // A closed receiver means the connection is already going away.
            let _ = c.tx.send(cmd);
        }
    }

    /// Whether any session has identified.
    pub(crate) fn has_session(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// Whether a session is attached to a live connection.
    pub(crate) fn is_connected(&self) -> bool {
        self.sessions.values().any(|s| s.conn.is_some())
    }

    /// The `[shard, total]` of every session attached to a live connection, sorted.
    pub(crate) fn connected_shards(&self) -> Vec<[u64; 2]> {
        let mut shards: Vec<[u64; 2]> = self
            .sessions
            .values()
            .filter(|s| s.conn.is_some_and(|c| self.conns.contains_key(&c)))
            .map(|s| s.shard)
            .collect();
        shards.sort_unstable();
        shards
    }

    /// Sends a dispatch to every session whose intents ask for it and whose shard the event's
    /// guild is on, buffering it for RESUME.
    pub(crate) fn dispatch(&mut self, event: &Dispatch) {
        let conns = &self.conns;
        let guild = guild_of_dispatch(event.t, &event.d);
        for session in self.sessions.values_mut() {
            if event.intent != 0 && session.intents & event.intent == 0 {
                continue;
            }
            if guild.is_some_and(|g| !on_shard(g, session.shard)) {
                continue;
            }
            let mut d = event.d.clone();
            if event.private_content && session.intents & intents::MESSAGE_CONTENT == 0 {
                strip_content(&mut d);
            }
            push_frame(session, conns, self.bot_id, event.t, d);
        }
    }

    fn drop_all(&self, cmd: impl Fn() -> ConnCmd) {
        for conn in self.conns.values() {
            let _ = conn.tx.send(cmd());
        }
    }

    /// Drops every connection without a close frame.
    pub(crate) fn drop_connections(&self) {
        self.drop_all(|| ConnCmd::Drop);
    }

    /// Closes every connection with a close code.
    pub(crate) fn close_connections(&self, code: u16, reason: &str) {
        self.drop_all(|| ConnCmd::Close(code, reason.to_owned()));
    }

    /// Sends op 7 RECONNECT to every connection.
    pub(crate) fn request_reconnect(&self) {
        self.drop_all(|| ConnCmd::Frame(json!({ "op": 7, "d": null })));
    }

    /// Makes the next RESUME send again the last `k` dispatches the client had already
    /// received (READY and RESUMED aside), with their original `s`, before what it missed.
    pub(crate) fn replay_on_resume(&mut self, k: usize) {
        self.resend_on_resume = k;
    }

    /// From now on, RESUME payloads wait unanswered until [`World::release_resumes`].
    pub(crate) fn hold_resumes(&mut self) {
        self.hold_resumes = true;
    }

    /// Hands a flood to the connection of the first identified session that receives reaction
    /// events; returns whether there was one.
    pub(crate) fn flood(&self, events: FloodEvents) -> bool {
        let target = self
            .sessions
            .values()
            .filter(|s| s.intents & intents::GUILD_MESSAGE_REACTIONS != 0)
            .find_map(|s| s.conn.and_then(|c| self.conns.get(&c)));
        match target {
            Some(conn) => conn.tx.send(ConnCmd::Flood(events)).is_ok(),
            None => false,
        }
    }

    /// Sends op 9 INVALID_SESSION; a non-resumable one forgets the sessions.
    pub(crate) fn invalidate_sessions(&mut self, resumable: bool) {
        self.drop_all(|| ConnCmd::Frame(json!({ "op": 9, "d": resumable })));
        if !resumable {
            self.sessions.clear();
            for conn in self.conns.values_mut() {
                conn.session = None;
            }
        }
    }
}

/// The guild a dispatch is about: `guild_id`, or `id` for the GUILD_* events about the guild.
fn guild_of_dispatch(t: &str, d: &Value) -> Option<u64> {
    let field = match t {
        "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" => &d["id"],
        _ => &d["guild_id"],
    };
    field.as_str().and_then(|g| g.parse().ok())
}

/// Discord's rule: a guild's events go to shard `(guild_id >> 22) % total`.
fn on_shard(guild: u64, [shard, total]: [u64; 2]) -> bool {
    (guild >> 22) % total.max(1) == shard
}

fn push_frame(session: &mut Session, conns: &HashMap<u64, Conn>, bot_id: u64, t: &str, mut d: Value) {
    if t == "GUILD_CREATE" {
        fit_guild_create(session.intents, bot_id, &mut d);
    }
    session.seq += 1;
    let frame = json!({ "op": 0, "t": t, "s": session.seq, "d": d });
    if session.buffer.len() == REPLAY_BUFFER {
        session.buffer.pop_front();
    }
    session.buffer.push_back((session.seq, frame.clone()));
    if let Some(conn) = session.conn.and_then(|c| conns.get(&c)) {
        let _ = conn.tx.send(ConnCmd::Frame(frame));
    }
}

/// Runs one WebSocket connection until it closes or the fake drops it.
pub(crate) async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = shared.with_world(|w| w.hub.register(tx.clone()));
    let hello = json!({
        "op": 10,
        "d": { "heartbeat_interval": shared.heartbeat_ms },
    });
    let _ = tx.send(ConnCmd::Frame(hello));
    let mut flood: Option<FloodEvents> = None;
    loop {
        tokio::select! {
            // Commands and the client's frames first; a flood only fills the gaps, one awaited
            // send at a time, so the client's reading speed paces it (TCP flow control).
            biased;
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    shared.recorder.gateway(conn, Direction::In, frame.clone());
                    handle_frame(&shared, conn, &frame);
                }
                Some(Ok(Message::Binary(_))) => {
                    let _ = tx.send(ConnCmd::Close(4002, "Decode error".to_owned()));
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            command = rx.recv() => match command {
                Some(ConnCmd::Frame(frame)) => {
                    if frame["op"] == 0 && shared.faults.draw_gateway_drop() {
                        tracing::debug!(conn, "fault injection drops the gateway connection");
                        break;
                    }
                    shared.recorder.gateway(conn, Direction::Out, frame.clone());
                    if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Some(ConnCmd::Close(code, reason)) => {
                    shared.recorder.gateway(
                        conn,
                        Direction::Out,
                        json!({ "close": code, "reason": reason }),
                    );
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                Some(ConnCmd::Flood(events)) => flood = Some(events),
                Some(ConnCmd::Drop) | None => break,
            },
            () = std::future::ready(()), if flood.is_some() => {
                let next = flood.as_mut().and_then(Iterator::next);
                let frame = next.and_then(|r| shared.with_world_quietly(|w| w.flood_frame(conn, &r)));
                match frame {
                    // Not recorded: a flood of millions would fill the recorder.
                    Some(frame) => {
                        if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                            break;
                        }
                    }
                    None => flood = None,
                }
            }
        }
    }
    drop(socket);
    shared.with_world(|w| w.hub.unregister(conn));
}

fn handle_frame(shared: &Shared, conn: u64, frame: &Value) {
    shared.with_world(|world| {
        let op = frame["op"].as_u64();
        match op {
            Some(1) => {
                world.hub.stats.heartbeats += 1;
                world.hub.send(conn, ConnCmd::Frame(json!({ "op": 11 })));
            }
            Some(2) => identify(world, conn, &frame["d"], &shared.ws_url),
            Some(6) if world.hub.hold_resumes => {
                world.hub.held_resumes.push((conn, frame["d"].clone()));
                world.hub.stats.held_resumes = world.hub.held_resumes.len() as u64;
            }
            Some(6) => resume(world, conn, &frame["d"]),
            Some(3 | 4) => {}
            Some(8) => {
                let members: Vec<Value> = world
                    .members
                    .keys()
                    .map(|id| world.member_json(*id, true))
                    .collect();
                let d = json!({
                    "guild_id": world.guild_id.to_string(),
                    "members": members,
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "nonce": frame["d"]["nonce"],
                });
                world.dispatch_to_conn(conn, "GUILD_MEMBERS_CHUNK", d);
            }
            _ if frame.is_null() => {
                world
                    .hub
                    .send(conn, ConnCmd::Close(4002, "Decode error".to_owned()));
            }
            _ => world
                .hub
                .send(conn, ConnCmd::Close(4001, "Unknown opcode".to_owned())),
        }
    });
}

fn identify(world: &mut crate::state::World, conn: u64, d: &Value, ws_url: &str) {
    let hub = &mut world.hub;
    if hub.conns.get(&conn).is_some_and(|c| c.session.is_some()) {
        hub.send(conn, ConnCmd::Close(4005, "Already authenticated".to_owned()));
        return;
    }
    let token = d["token"].as_str().unwrap_or_default();
    if token.trim_start_matches("Bot ") != world.token {
        hub.send(conn, ConnCmd::Close(4004, "Authentication failed".to_owned()));
        return;
    }
    let Some(requested) = d["intents"].as_u64() else {
        hub.send(conn, ConnCmd::Close(4013, "Invalid intent(s)".to_owned()));
        return;
    };
    if requested & intents::PRIVILEGED & !world.granted_intents != 0 {
        hub.stats.disallowed_intents += 1;
        hub.send(conn, ConnCmd::Close(4014, "Disallowed intent(s)".to_owned()));
        return;
    }
    let shard = match d.get("shard") {
        None | Some(Value::Null) => [0, 1],
        Some(s) => match (s[0].as_u64(), s[1].as_u64(), s.as_array().map(Vec::len)) {
            (Some(id), Some(total), Some(2)) if id < total => [id, total],
            _ => {
                hub.send(conn, ConnCmd::Close(4010, "Invalid shard".to_owned()));
                return;
            }
        },
    };
    let session_id = format!("{:032x}", world.ids.next());
    hub.sessions.insert(
        session_id.clone(),
        Session {
            intents: requested,
            shard,
            seq: 0,
            buffer: VecDeque::new(),
            conn: Some(conn),
        },
    );
    if let Some(c) = hub.conns.get_mut(&conn) {
        c.session = Some(session_id.clone());
    }
    hub.stats.identifies += 1;
    let guilds: Vec<u64> = if world.bot_in_guild {
        world
            .guilds
            .iter()
            .copied()
            .filter(|g| on_shard(*g, shard))
            .collect()
    } else {
        Vec::new()
    };
    let ready = json!({
        "v": 10,
        "user": world.current_user_json(),
        "guilds": guilds
            .iter()
            .copied()
            .chain(world.background.iter().map(|g| g.id).filter(|g| on_shard(*g, shard)))
            .map(|id| json!({ "id": id.to_string(), "unavailable": true }))
            .collect::<Vec<_>>(),
        "session_id": session_id,
        "resume_gateway_url": ws_url,
        "shard": shard,
        "application": { "id": world.app_id.to_string(), "flags": world.application_flags() },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["fake"],
        "user_settings": {},
    });
    world.dispatch_to_conn(conn, "READY", ready);
    if requested & intents::GUILDS != 0 {
        for g in guilds {
            let guild = world.guild_json_of(g, true);
            world.dispatch_to_conn(conn, "GUILD_CREATE", guild);
        }
    }
    if requested & intents::GUILDS != 0 {
        for index in 0..world.background.len() {
            if !on_shard(world.background[index].id, shard) {
                continue;
            }
            let guild = world.background_guild_json(&world.background[index], index);
            world.dispatch_to_conn(conn, "GUILD_CREATE", guild);
        }
    }
}

fn resume(world: &mut crate::state::World, conn: u64, d: &Value) {
    let hub = &mut world.hub;
    let session_id = d["session_id"].as_str().unwrap_or_default().to_owned();
    let token = d["token"].as_str().unwrap_or_default();
    let seq = d["seq"].as_u64().unwrap_or(0);
    let known = hub.sessions.contains_key(&session_id);
    if !known || token.trim_start_matches("Bot ") != world.token {
        hub.stats.failed_resumes += 1;
        hub.send(conn, ConnCmd::Frame(json!({ "op": 9, "d": false })));
        return;
    }
    let session = hub.sessions.get_mut(&session_id).expect("checked above");
    if let Some(old) = session.conn.replace(conn)
        && old != conn
        && let Some(c) = hub.conns.get(&old)
    {
        let _ = c.tx.send(ConnCmd::Drop);
    }
    if let Some(c) = hub.conns.get_mut(&conn) {
        c.session = Some(session_id.clone());
    }
    let session = hub.sessions.get_mut(&session_id).expect("checked above");
    let resend = std::mem::take(&mut hub.resend_on_resume);
    let mut again: Vec<Value> = session
        .buffer
        .iter()
        .filter(|(s, f)| *s <= seq && !matches!(f["t"].as_str(), Some("READY" | "RESUMED")))
        .rev()
        .take(resend)
        .map(|(_, f)| f.clone())
        .collect();
    again.reverse();
    let missed: Vec<Value> = session
        .buffer
        .iter()
        .filter(|(s, _)| *s > seq)
        .map(|(_, f)| f.clone())
        .collect();
    hub.stats.resent += again.len() as u64;
    hub.stats.replayed += missed.len() as u64;
    hub.stats.resumes += 1;
    if let Some(c) = hub.conns.get(&conn) {
        for frame in again.into_iter().chain(missed) {
            let _ = c.tx.send(ConnCmd::Frame(frame));
        }
    }
    world.dispatch_to_conn(conn, "RESUMED", json!({}));
}

impl crate::state::World {
    /// Stops holding RESUMEs and answers the held ones, in order, on connections still open.
    pub(crate) fn release_resumes(&mut self) {
        self.hub.hold_resumes = false;
        self.hub.stats.held_resumes = 0;
        for (conn, d) in std::mem::take(&mut self.hub.held_resumes) {
            if self.hub.conns.contains_key(&conn) {
                resume(self, conn, &d);
            }
        }
    }

    /// Sends a dispatch only to the session of one connection (READY, RESUMED, chunks).
    pub(crate) fn dispatch_to_conn(&mut self, conn: u64, t: &'static str, d: Value) {
        let hub = &mut self.hub;
        let Some(session_id) = hub.conns.get(&conn).and_then(|c| c.session.clone()) else {
            return;
        };
        if let Some(session) = hub.sessions.get_mut(&session_id) {
            push_frame(session, &hub.conns, hub.bot_id, t, d);
        }
    }

    /// The next frame of a flood on `conn`: sequenced and kept for RESUME like any dispatch,
    /// but returned for the connection task to send itself. `None` when the connection has no
    /// session any more.
    pub(crate) fn flood_frame(&mut self, conn: u64, r: &FloodReaction) -> Option<Value> {
        let emoji = json!({ "id": null, "name": "⬆️" });
        let d = if r.added {
            json!({
                "user_id": r.user.to_string(),
                "channel_id": r.channel.to_string(),
                "message_id": r.message.to_string(),
                "guild_id": self.guild_id.to_string(),
                "member": self.member_json(r.user, true),
                "emoji": emoji,
                "burst": false,
                "burst_colors": [],
                "type": 0,
            })
        } else {
            json!({
                "user_id": r.user.to_string(),
                "channel_id": r.channel.to_string(),
                "message_id": r.message.to_string(),
                "guild_id": self.guild_id.to_string(),
                "emoji": emoji,
                "burst": false,
                "type": 0,
            })
        };
        let t = if r.added {
            "MESSAGE_REACTION_ADD"
        } else {
            "MESSAGE_REACTION_REMOVE"
        };
        let hub = &mut self.hub;
        let session_id = hub.conns.get(&conn).and_then(|c| c.session.clone())?;
        let session = hub.sessions.get_mut(&session_id)?;
        session.seq += 1;
        let frame = json!({ "op": 0, "t": t, "s": session.seq, "d": d });
        if session.buffer.len() == REPLAY_BUFFER {
            session.buffer.pop_front();
        }
        session.buffer.push_back((session.seq, frame.clone()));
        hub.stats.flooded += 1;
        Some(frame)
    }

    /// Sends an event to every session that asked for it.
    pub(crate) fn emit(&mut self, t: &'static str, d: Value, intent: u64, private_content: bool) {
        self.hub.dispatch(&Dispatch {
            t,
            d,
            intent,
            private_content,
        });
    }
}
