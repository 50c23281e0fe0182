//! The fake's world: users, the guild, channels, threads, messages, reactions, commands and
//! interactions, and how each renders as the JSON object Discord sends.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::config::FakeConfig;
use crate::gateway::Hub;
use crate::ids::{Snowflakes, timestamp_of};
use crate::permissions::{self, Overwrite, Permissions};

/// Text channel type.
pub(crate) const GUILD_TEXT: u8 = 0;
/// Public thread type.
pub(crate) const PUBLIC_THREAD: u8 = 11;
/// Private thread type.
pub(crate) const PRIVATE_THREAD: u8 = 12;

/// Message flag: only the interaction's user sees it.
pub(crate) const FLAG_EPHEMERAL: u64 = 1 << 6;
/// Message flag: a deferred interaction response still "thinking".
pub(crate) const FLAG_LOADING: u64 = 1 << 7;

#[derive(Clone, Debug)]
pub(crate) struct UserRec {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) bot: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct RoleRec {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) permissions: Permissions,
    pub(crate) position: u16,
    pub(crate) managed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct MemberRec {
    pub(crate) roles: Vec<u64>,
    pub(crate) joined_at: String,
}

#[derive(Clone, Debug)]
pub(crate) struct ThreadMeta {
    pub(crate) archived: bool,
    pub(crate) locked: bool,
    pub(crate) auto_archive_duration: u32,
    pub(crate) archive_timestamp: String,
    pub(crate) create_timestamp: String,
}

#[derive(Clone, Debug)]
pub(crate) struct ChannelRec {
    pub(crate) id: u64,
    /// The guild the channel (or the thread's parent) belongs to.
    pub(crate) guild_id: u64,
    pub(crate) kind: u8,
    pub(crate) name: String,
    pub(crate) position: u16,
    pub(crate) topic: Option<String>,
    pub(crate) parent_id: Option<u64>,
    pub(crate) owner_id: Option<u64>,
    pub(crate) overwrites: Vec<Overwrite>,
    pub(crate) last_message_id: Option<u64>,
    pub(crate) message_count: u32,
    pub(crate) thread: Option<ThreadMeta>,
    /// Members of a thread: user id to the ISO 8601 time they joined.
    pub(crate) thread_members: BTreeMap<u64, String>,
}

impl ChannelRec {
    /// A text channel of `guild` with no topic, overwrites or messages yet.
    pub(crate) fn text(id: u64, guild_id: u64, name: String, position: u16) -> Self {
        ChannelRec {
            id,
            guild_id,
            kind: GUILD_TEXT,
            name,
            position,
            topic: None,
            parent_id: None,
            owner_id: None,
            overwrites: Vec::new(),
            last_message_id: None,
            message_count: 0,
            thread: None,
            thread_members: BTreeMap::new(),
        }
    }

    pub(crate) fn is_thread(&self) -> bool {
        self.thread.is_some()
    }

    /// A private thread (type 12): only its members and those who manage threads see it.
    pub(crate) fn is_private_thread(&self) -> bool {
        self.thread.is_some() && self.kind == PRIVATE_THREAD
    }
}

/// A reaction emoji: unicode (`id` none) or custom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Emoji {
    pub(crate) id: Option<u64>,
    pub(crate) name: String,
}

impl Emoji {
    /// Parses the path form: `⬆️` or `name:id`.
    pub(crate) fn parse(text: &str) -> Self {
        match text.rsplit_once(':') {
            Some((name, id)) if id.parse::<u64>().is_ok() => Self {
                id: id.parse().ok(),
                name: name.trim_start_matches("a:").to_owned(),
            },
            _ => Self {
                id: None,
                name: text.to_owned(),
            },
        }
    }

    pub(crate) fn key(&self) -> String {
        match self.id {
            Some(id) => format!("{}:{id}", self.name),
            None => self.name.clone(),
        }
    }

    pub(crate) fn json(&self) -> Value {
        json!({ "id": self.id.map(|i| i.to_string()), "name": self.name })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ReactionRec {
    pub(crate) emoji: Emoji,
    pub(crate) users: Vec<u64>,
}

/// Who made a message through an interaction, for `interaction_metadata`.
#[derive(Clone, Debug)]
pub(crate) struct MessageOrigin {
    pub(crate) interaction_id: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct MessageRec {
    pub(crate) id: u64,
    pub(crate) channel_id: u64,
    pub(crate) author_id: u64,
    pub(crate) content: String,
    pub(crate) embeds: Vec<Value>,
    pub(crate) components: Vec<Value>,
    pub(crate) flags: u64,
    pub(crate) kind: u8,
    pub(crate) edited_timestamp: Option<String>,
    pub(crate) nonce: Option<Value>,
    pub(crate) tts: bool,
    pub(crate) mentions: Vec<u64>,
    pub(crate) mention_roles: Vec<u64>,
    pub(crate) mention_everyone: bool,
    pub(crate) reactions: Vec<ReactionRec>,
    pub(crate) thread_id: Option<u64>,
    pub(crate) webhook_id: Option<u64>,
    pub(crate) origin: Option<MessageOrigin>,
    pub(crate) reference: Option<u64>,
    pub(crate) pinned: bool,
    /// Ids of its files in [`World::attachments`], in order.
    pub(crate) attachments: Vec<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct CommandRec {
    pub(crate) id: u64,
    pub(crate) guild_id: Option<u64>,
    pub(crate) body: Value,
}

impl CommandRec {
    pub(crate) fn name(&self) -> &str {
        self.body["name"].as_str().unwrap_or_default()
    }
}

/// One response the bot gave to an interaction, in order.
#[derive(Clone, Debug)]
pub(crate) struct InteractionRec {
    pub(crate) id: u64,
    pub(crate) token: String,
    pub(crate) kind: u8,
    pub(crate) user_id: u64,
    pub(crate) channel_id: u64,
    pub(crate) created: Instant,
    pub(crate) name: String,
    pub(crate) source_message: Option<u64>,
    pub(crate) triggering: Option<u64>,
    pub(crate) callback: Option<(u8, Value)>,
    pub(crate) original_message: Option<u64>,
    pub(crate) followups: Vec<u64>,
}

/// Everything the fake knows, behind one lock so that a change and the events it causes are
/// ordered the same way for every observer.
pub(crate) struct World {
    pub(crate) ids: Snowflakes,
    pub(crate) token: String,
    pub(crate) bot_id: u64,
    pub(crate) app_id: u64,
    pub(crate) guild_id: u64,
    /// Every guild the bot is in, the first (`guild_id`) included, in creation order.
    pub(crate) guilds: Vec<u64>,
    /// Recommended shard count (`GET /gateway/bot`); guild `k` is on shard `k % shards`.
    pub(crate) shards: u64,
    pub(crate) guild_name: String,
    pub(crate) owner_id: u64,
    pub(crate) bot_role: u64,
    pub(crate) users: BTreeMap<u64, UserRec>,
    pub(crate) roles: BTreeMap<u64, RoleRec>,
    pub(crate) members: BTreeMap<u64, MemberRec>,
    pub(crate) channels: BTreeMap<u64, ChannelRec>,
    pub(crate) messages: BTreeMap<u64, MessageRec>,
    pub(crate) commands: BTreeMap<u64, CommandRec>,
    pub(crate) interactions: HashMap<u64, InteractionRec>,
    pub(crate) tokens: HashMap<String, u64>,
    pub(crate) nonces: HashMap<(u64, String), (u64, Instant)>,
    pub(crate) granted_intents: u64,
    pub(crate) bot_in_guild: bool,
    pub(crate) interaction_deadline: Duration,
    pub(crate) created_at: String,
    /// Further guilds the bot is in, sent in READY and GUILD_CREATE only.
    pub(crate) background: Vec<crate::background::BackgroundGuild>,
    /// Every file uploaded (messages, slash command options), by attachment id, with its bytes.
    pub(crate) attachments: BTreeMap<u64, crate::attachments::AttachmentRec>,
    /// `http://127.0.0.1:PORT`, where attachment URLs point (set once the port is bound).
    pub(crate) cdn_base: String,
    /// The most bytes the files of one message may add up to.
    pub(crate) upload_limit: usize,
    pub(crate) hub: Hub,
}

impl World {
    pub(crate) fn new(config: &FakeConfig, hub: Hub) -> Self {
        let ids = Snowflakes::new(config.time_source.clone());
        let shards = u64::from(config.shards.max(1));
        let guild_id = ids.next_on_shard(0, shards);
        let bot_id = ids.next();
        let mut world = Self {
            token: format!("fake.{bot_id}.token"),
            bot_id,
            app_id: bot_id,
            guild_id,
            guilds: vec![guild_id],
            shards,
            guild_name: config.guild.name.clone(),
            owner_id: 0,
            bot_role: 0,
            users: BTreeMap::new(),
            roles: BTreeMap::new(),
            members: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            commands: BTreeMap::new(),
            interactions: HashMap::new(),
            tokens: HashMap::new(),
            nonces: HashMap::new(),
            granted_intents: config.granted_intents,
            bot_in_guild: config.bot_in_guild,
            interaction_deadline: config.interaction_deadline,
            created_at: timestamp_of(guild_id),
            background: Vec::new(),
            attachments: BTreeMap::new(),
            cdn_base: String::new(),
            upload_limit: config.upload_limit,
            hub,
            ids,
        };
        world.hub.bot_id = bot_id;
        world.roles.insert(
            guild_id,
            RoleRec {
                id: guild_id,
                name: "@everyone".to_owned(),
                permissions: config.guild.everyone,
                position: 0,
                managed: false,
            },
        );
        // Spec roles lowest first from position 1; the bot's managed role on top, or directly
        // below the role `bot_role_below` names.
        let bot_slot = match &config.bot_role_below {
            Some(name) => config
                .guild
                .roles
                .iter()
                .position(|r| r.name == *name)
                .unwrap_or_else(|| panic!("with_bot_role_below: the guild has no role named {name:?}")),
            None => config.guild.roles.len(),
        };
        let position = |slot: usize| u16::try_from(slot + 1).unwrap_or(u16::MAX);
        for (i, spec) in config.guild.roles.iter().enumerate() {
            let id = world.ids.next();
            let role = RoleRec {
                id,
                name: spec.name.clone(),
                permissions: spec.permissions,
                position: position(if i < bot_slot { i } else { i + 1 }),
                managed: false,
            };
            world.roles.insert(id, role);
        }
        let bot_role = world.ids.next();
        world.roles.insert(
            bot_role,
            RoleRec {
                id: bot_role,
                name: config.bot_name.clone(),
                permissions: config.bot_permissions,
                position: position(bot_slot),
                managed: true,
            },
        );
        world.bot_role = bot_role;
        world.add_user(bot_id, &config.bot_name, true, vec![bot_role]);
        let owner_id = world.ids.next();
        world.add_user(owner_id, &config.guild.owner, false, Vec::new());
        world.owner_id = owner_id;
        for spec in &config.guild.members {
            let roles = spec.roles.iter().filter_map(|r| world.role_by_name(r)).collect();
            let id = world.ids.next();
            world.add_user(id, &spec.name, false, roles);
        }
        // More guilds: the same members and roles, channels of the same names, each guild on the
        // next shard in turn.
        for k in 1..config.guilds.max(1) {
            let id = world.ids.next_on_shard(k as u64 % shards, shards);
            world.guilds.push(id);
        }
        for (guild, (i, name)) in world
            .guilds
            .clone()
            .into_iter()
            .flat_map(|g| config.guild.channels.iter().enumerate().map(move |c| (g, c)))
        {
            let id = world.ids.next();
            world.channels.insert(
                id,
                ChannelRec::text(id, guild, name.clone(), u16::try_from(i).unwrap_or(u16::MAX)),
            );
        }
        world.background =
            crate::background::BackgroundGuild::make_all(&config.background_guilds, &world.ids);
        world
    }

    /// A text channel an admin creates in `guild` while the bot runs: it is added after the
    /// guild's other channels and CHANNEL_CREATE goes to the guild's shard.
    pub(crate) fn create_text_channel(&mut self, guild: u64, name: &str) -> u64 {
        let id = self.ids.next();
        let position = self
            .channels
            .values()
            .filter(|c| c.guild_id == guild && !c.is_thread())
            .map(|c| c.position.saturating_add(1))
            .max()
            .unwrap_or(0);
        self.channels
            .insert(id, ChannelRec::text(id, guild, name.to_owned(), position));
        let d = self.channel_json(&self.channels[&id]);
        self.emit("CHANNEL_CREATE", d, crate::intents::GUILDS, false);
        id
    }

    fn add_user(&mut self, id: u64, name: &str, bot: bool, roles: Vec<u64>) {
        self.users.insert(
            id,
            UserRec {
                id,
                name: name.to_owned(),
                bot,
            },
        );
        self.members.insert(
            id,
            MemberRec {
                roles,
                joined_at: timestamp_of(id),
            },
        );
    }

    pub(crate) fn role_by_name(&self, name: &str) -> Option<u64> {
        self.roles.values().find(|r| r.name == name).map(|r| r.id)
    }

    pub(crate) fn user_by_name(&self, name: &str) -> Option<u64> {
        self.users.values().find(|u| u.name == name).map(|u| u.id)
    }

    /// The guild of a channel or thread (the first guild for an unknown one).
    pub(crate) fn guild_of(&self, channel_id: u64) -> u64 {
        self.channels
            .get(&channel_id)
            .map_or(self.guild_id, |c| c.guild_id)
    }

    /// The shard Discord sends `guild`'s events to.
    pub(crate) fn shard_of(&self, guild: u64) -> u64 {
        (guild >> 22) % self.shards
    }

    /// A text channel of `guild` by name.
    pub(crate) fn channel_in(&self, guild: u64, name: &str) -> Option<u64> {
        self.channels
            .values()
            .find(|c| c.guild_id == guild && c.name == name && !c.is_thread())
            .map(|c| c.id)
    }

    pub(crate) fn channel_by_name(&self, name: &str) -> Option<u64> {
        self.channels
            .values()
            .find(|c| c.name == name && !c.is_thread())
            .map(|c| c.id)
    }

    /// Guild-wide permissions of a member (roles only).
    pub(crate) fn base_permissions(&self, user_id: u64) -> Permissions {
        if user_id == self.owner_id {
            return Permissions::ALL;
        }
        let Some(member) = self.members.get(&user_id) else {
            return Permissions::NONE;
        };
        let mut perms = self
            .roles
            .get(&self.guild_id)
            .map(|r| r.permissions)
            .unwrap_or_default();
        for role in member.roles.iter().filter_map(|r| self.roles.get(r)) {
            perms = perms | role.permissions;
        }
        if perms.contains(Permissions::ADMINISTRATOR) {
            Permissions::ALL
        } else {
            perms
        }
    }

    /// A member's permissions in a channel; threads use their parent's overwrites.
    pub(crate) fn channel_permissions(&self, user_id: u64, channel_id: u64) -> Permissions {
        // A bot removed from the guild sees none of its channels (403 Missing Access).
        if user_id == self.bot_id && !self.bot_in_guild {
            return Permissions::NONE;
        }
        if user_id == self.owner_id {
            return Permissions::ALL;
        }
        let Some(member) = self.members.get(&user_id) else {
            return Permissions::NONE;
        };
        let Some(target) = self.channels.get(&channel_id) else {
            return Permissions::NONE;
        };
        let channel = target
            .parent_id
            .and_then(|p| self.channels.get(&p))
            .unwrap_or(target);
        let perms = permissions::compute(
            self.base_permissions(user_id),
            channel.guild_id,
            &member.roles,
            user_id,
            &channel.overwrites,
        );
        // A private thread is hidden from everyone who is neither in it nor allowed to manage
        // threads (ADMINISTRATOR implies that): Discord answers them 403 Missing Access.
        if target.is_private_thread()
            && !target.thread_members.contains_key(&user_id)
            && !perms.contains(Permissions::MANAGE_THREADS)
        {
            return Permissions::NONE;
        }
        perms
    }

    /// A thread member object; `with_member` adds the guild member, as List Thread Members
    /// with `with_member=true` and THREAD_MEMBERS_UPDATE do.
    pub(crate) fn thread_member_json(&self, thread: u64, user: u64, with_member: bool) -> Value {
        let joined = self
            .channels
            .get(&thread)
            .and_then(|c| c.thread_members.get(&user))
            .cloned()
            .unwrap_or_default();
        let mut value = json!({
            "id": thread.to_string(),
            "user_id": user.to_string(),
            "join_timestamp": joined,
            "flags": 0,
        });
        if with_member && self.members.contains_key(&user) {
            value["member"] = self.member_json(user, true);
        }
        value
    }

    // ---------------------------------------------------------------- rendering

    pub(crate) fn user_json(&self, id: u64) -> Value {
        let (name, bot) = self
            .users
            .get(&id)
            .map_or(("unknown", false), |u| (u.name.as_str(), u.bot));
        json!({
            "id": id.to_string(),
            "username": name,
            "discriminator": "0",
            "global_name": if bot { Value::Null } else { Value::from(name) },
            "avatar": null,
            "bot": bot,
            "system": false,
            "public_flags": 0,
            "flags": 0,
            "banner": null,
            "accent_color": null,
        })
    }

    /// A guild member object; `with_user` adds the nested user like Discord does outside
    /// MESSAGE_CREATE.
    pub(crate) fn member_json(&self, id: u64, with_user: bool) -> Value {
        let member = self.members.get(&id);
        let mut value = json!({
            "nick": null,
            "avatar": null,
            "banner": null,
            "roles": member.map(|m| m.roles.iter().map(u64::to_string).collect::<Vec<_>>())
                .unwrap_or_default(),
            "joined_at": member.map(|m| m.joined_at.clone()),
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        });
        if with_user {
            value["user"] = self.user_json(id);
        }
        value
    }

    pub(crate) fn role_json(&self, role: &RoleRec) -> Value {
        json!({
            "id": role.id.to_string(),
            "name": role.name,
            "color": 0,
            "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": role.position,
            "permissions": role.permissions.to_api_string(),
            "managed": role.managed,
            "mentionable": false,
            "flags": 0,
            "tags": if role.managed { json!({ "bot_id": self.bot_id.to_string() }) } else { json!({}) },
        })
    }

    pub(crate) fn channel_json(&self, channel: &ChannelRec) -> Value {
        let mut value = json!({
            "id": channel.id.to_string(),
            "type": channel.kind,
            "guild_id": channel.guild_id.to_string(),
            "name": channel.name,
            "last_message_id": channel.last_message_id.map(|m| m.to_string()),
            "rate_limit_per_user": 0,
            "flags": 0,
            "nsfw": false,
        });
        if let Some(meta) = &channel.thread {
            value["parent_id"] = json!(channel.parent_id.map(|p| p.to_string()));
            value["owner_id"] = json!(channel.owner_id.map(|o| o.to_string()));
            value["message_count"] = json!(channel.message_count);
            value["total_message_sent"] = json!(channel.message_count);
            value["member_count"] = json!(channel.thread_members.len().min(50));
            value["thread_metadata"] = json!({
                "archived": meta.archived,
                "auto_archive_duration": meta.auto_archive_duration,
                "archive_timestamp": meta.archive_timestamp,
                "locked": meta.locked,
                "invitable": channel.kind == PRIVATE_THREAD,
                "create_timestamp": meta.create_timestamp,
            });
        } else {
            value["position"] = json!(channel.position);
            value["topic"] = json!(channel.topic);
            value["parent_id"] = Value::Null;
            value["permission_overwrites"] = channel
                .overwrites
                .iter()
                .map(|o| {
                    json!({
                        "id": o.id.to_string(),
                        "type": o.kind,
                        "allow": o.allow.to_api_string(),
                        "deny": o.deny.to_api_string(),
                    })
                })
                .collect();
        }
        value
    }

    /// A message object; `gateway` adds `guild_id` and `member` as Discord's events do.
    pub(crate) fn message_json(&self, msg: &MessageRec, gateway: bool) -> Value {
        let (embeds, attachments) = self.rendered_files(&msg.attachments, &msg.embeds);
        let mut value = json!({
            "id": msg.id.to_string(),
            "channel_id": msg.channel_id.to_string(),
            "author": self.user_json(msg.author_id),
            "content": msg.content,
            "timestamp": timestamp_of(msg.id),
            "edited_timestamp": msg.edited_timestamp,
            "tts": msg.tts,
            "mention_everyone": msg.mention_everyone,
            "mentions": msg.mentions.iter().map(|u| self.user_json(*u)).collect::<Vec<_>>(),
            "mention_roles": msg.mention_roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "attachments": attachments,
            "embeds": embeds,
            "components": msg.components,
            "pinned": msg.pinned,
            "type": msg.kind,
            "flags": msg.flags,
        });
        if let Some(nonce) = &msg.nonce {
            value["nonce"] = nonce.clone();
        }
        if let Some(webhook) = msg.webhook_id {
            value["webhook_id"] = json!(webhook.to_string());
            value["application_id"] = json!(self.app_id.to_string());
        }
        if !msg.reactions.is_empty() {
            value["reactions"] = msg
                .reactions
                .iter()
                .map(|r| {
                    json!({
                        "count": r.users.len(),
                        "count_details": { "burst": 0, "normal": r.users.len() },
                        "me": r.users.contains(&self.bot_id),
                        "me_burst": false,
                        "burst_colors": [],
                        "emoji": r.emoji.json(),
                    })
                })
                .collect();
        }
        if let Some(thread) = msg.thread_id.and_then(|t| self.channels.get(&t)) {
            value["thread"] = self.channel_json(thread);
        }
        if let Some(reference) = msg.reference {
            value["message_reference"] = json!({
                "type": 0,
                "message_id": reference.to_string(),
                "channel_id": msg.channel_id.to_string(),
                "guild_id": self.guild_of(msg.channel_id).to_string(),
            });
            value["referenced_message"] = match self.messages.get(&reference) {
                Some(parent) if parent.reference.is_none() => self.message_json(parent, false),
                _ => Value::Null,
            };
        }
        if let Some(origin) = &msg.origin {
            if let Some(metadata) = self.interaction_metadata(origin.interaction_id) {
                value["interaction_metadata"] = metadata;
            }
            if let Some(i) = self.interactions.get(&origin.interaction_id) {
                value["interaction"] = json!({
                    "id": i.id.to_string(),
                    "type": i.kind,
                    "name": i.name,
                    "user": self.user_json(i.user_id),
                });
            }
        }
        if gateway {
            value["guild_id"] = json!(self.guild_of(msg.channel_id).to_string());
            if self.members.contains_key(&msg.author_id) && msg.webhook_id.is_none() {
                value["member"] = self.member_json(msg.author_id, false);
            }
        }
        value
    }

    fn interaction_metadata(&self, id: u64) -> Option<Value> {
        let i = self.interactions.get(&id)?;
        let mut value = json!({
            "id": i.id.to_string(),
            "type": i.kind,
            "user": self.user_json(i.user_id),
            "authorizing_integration_owners": { "0": self.guild_of(i.channel_id).to_string() },
            "original_response_message_id": i.original_message.map(|m| m.to_string()),
        });
        match i.kind {
            2 => value["name"] = json!(i.name),
            3 => {
                value["interacted_message_id"] = json!(i.source_message.unwrap_or_default().to_string());
            }
            5 => {
                let triggering = i.triggering.and_then(|t| self.interaction_metadata(t));
                value["triggering_interaction_metadata"] = triggering?;
            }
            _ => {}
        }
        Some(value)
    }

    /// The first guild as GUILD_CREATE carries it (`full`), or as `GET /guilds/{id}` answers.
    pub(crate) fn guild_json(&self, full: bool) -> Value {
        self.guild_json_of(self.guild_id, full)
    }

    /// A guild as GUILD_CREATE carries it (`full`), or as `GET /guilds/{id}` answers. Guilds
    /// after the first share its members and roles (their `@everyone` has their own id).
    pub(crate) fn guild_json_of(&self, guild: u64, full: bool) -> Value {
        let k = self.guilds.iter().position(|g| *g == guild).unwrap_or(0);
        let name = if k == 0 {
            self.guild_name.clone()
        } else {
            format!("{} {}", self.guild_name, k + 1)
        };
        let roles: Vec<Value> = self
            .roles
            .values()
            .map(|r| {
                let mut role = self.role_json(r);
                if r.id == self.guild_id {
                    role["id"] = json!(guild.to_string());
                }
                role
            })
            .collect();
        let mut value = json!({
            "id": guild.to_string(),
            "name": name,
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": self.owner_id.to_string(),
            "afk_channel_id": null,
            "afk_timeout": 300,
            "widget_enabled": false,
            "widget_channel_id": null,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": roles,
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": self.channels.values().find(|c| c.guild_id == guild).map(|c| c.id.to_string()),
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_presences": null,
            "max_members": 500000,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": null,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
            "incidents_data": null,
        });
        if full {
            value["joined_at"] = json!(self.created_at);
            value["large"] = json!(false);
            value["unavailable"] = json!(false);
            value["member_count"] = json!(self.members.len());
            value["voice_states"] = json!([]);
            value["members"] = self
                .members
                .keys()
                .map(|id| self.member_json(*id, true))
                .collect();
            value["channels"] = self
                .channels
                .values()
                .filter(|c| c.guild_id == guild && !c.is_thread())
                .map(|c| self.channel_json(c))
                .collect();
            value["threads"] = self
                .channels
                .values()
                .filter(|c| c.guild_id == guild && c.thread.as_ref().is_some_and(|t| !t.archived))
                .map(|c| self.channel_json(c))
                .collect();
            value["presences"] = json!([]);
            value["stage_instances"] = json!([]);
            value["guild_scheduled_events"] = json!([]);
            value["soundboard_sounds"] = json!([]);
        }
        value
    }

    pub(crate) fn current_user_json(&self) -> Value {
        let mut user = self.user_json(self.bot_id);
        user["verified"] = json!(true);
        user["mfa_enabled"] = json!(false);
        user["email"] = Value::Null;
        user["locale"] = json!("en-US");
        user
    }

    pub(crate) fn application_json(&self) -> Value {
        json!({
            "id": self.app_id.to_string(),
            "name": self.users.get(&self.bot_id).map(|u| u.name.clone()),
            "icon": null,
            "description": "",
            "bot_public": false,
            "bot_require_code_grant": false,
            "owner": self.user_json(self.owner_id),
            "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
            "team": null,
            "flags": self.application_flags(),
            "bot": self.user_json(self.bot_id),
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
            "tags": [],
            "approximate_guild_count": 1,
        })
    }

    /// Application flags telling which privileged intents the portal enabled.
    pub(crate) fn application_flags(&self) -> u64 {
        use crate::config::intents;
        let mut flags = 0;
        if self.granted_intents & intents::GUILD_PRESENCES != 0 {
            flags |= 1 << 12;
        }
        if self.granted_intents & intents::GUILD_MEMBERS != 0 {
            flags |= 1 << 14;
        }
        if self.granted_intents & intents::MESSAGE_CONTENT != 0 {
            flags |= 1 << 18;
        }
        flags
    }

    /// The partial channel an interaction carries.
    pub(crate) fn partial_channel_json(&self, channel_id: u64) -> Value {
        match self.channels.get(&channel_id) {
            Some(c) => {
                let mut v = self.channel_json(c);
                v["permissions"] = json!(self.channel_permissions(self.bot_id, channel_id).to_api_string());
                v
            }
            None => Value::Null,
        }
    }
}
