//! What happens when the bot (over REST) or a scripted member acts: checks in Discord's order,
//! the change to the world, and the gateway events Discord would send.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::attachments::Upload;
use crate::config::intents;
use crate::error::{ApiError, FieldError};
use crate::permissions::Permissions;
use crate::state::{
    ChannelRec, CommandRec, Emoji, FLAG_EPHEMERAL, FLAG_LOADING, InteractionRec, MessageOrigin, MessageRec,
    PUBLIC_THREAD, ReactionRec, ThreadMeta, World,
};
use crate::validate;

/// How long `enforce_nonce` remembers a nonce.
const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// How long an interaction token accepts follow-ups and edits.
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Interaction callback types.
pub(crate) mod callback {
    pub(crate) const PONG: u8 = 1;
    pub(crate) const MESSAGE: u8 = 4;
    pub(crate) const DEFERRED_MESSAGE: u8 = 5;
    pub(crate) const DEFERRED_UPDATE: u8 = 6;
    pub(crate) const UPDATE_MESSAGE: u8 = 7;
    pub(crate) const AUTOCOMPLETE: u8 = 8;
    pub(crate) const MODAL: u8 = 9;
}

/// Interaction types.
pub(crate) mod kind {
    pub(crate) const COMMAND: u8 = 2;
    pub(crate) const COMPONENT: u8 = 3;
    pub(crate) const AUTOCOMPLETE: u8 = 4;
    pub(crate) const MODAL_SUBMIT: u8 = 5;
}

/// Parses `<@id>`, `<@!id>`, `<@&id>` and `@everyone` out of message content.
fn mentions(content: &str) -> (Vec<u64>, Vec<u64>, bool) {
    let (mut users, mut roles) = (Vec::new(), Vec::new());
    for piece in content.split('<').skip(1) {
        let Some((inner, _)) = piece.split_once('>') else {
            continue;
        };
        if let Some(rest) = inner.strip_prefix("@&") {
            roles.extend(rest.parse::<u64>().ok());
        } else if let Some(rest) = inner.strip_prefix('@') {
            users.extend(rest.trim_start_matches('!').parse::<u64>().ok());
        }
    }
    users.dedup();
    roles.dedup();
    (
        users,
        roles,
        content.contains("@everyone") || content.contains("@here"),
    )
}

impl World {
    pub(crate) fn channel(&self, id: u64) -> Result<&ChannelRec, ApiError> {
        self.channels.get(&id).ok_or_else(ApiError::unknown_channel)
    }

    /// VIEW_CHANNEL (50001 when missing) and then `needed` (50013 when missing).
    pub(crate) fn require(&self, user: u64, channel: u64, needed: Permissions) -> Result<(), ApiError> {
        let perms = self.channel_permissions(user, channel);
        if !perms.contains(Permissions::VIEW_CHANNEL) {
            return Err(ApiError::missing_access());
        }
        if !perms.contains(needed) {
            return Err(ApiError::missing_permissions());
        }
        Ok(())
    }

    pub(crate) fn message_in(&self, channel: u64, id: u64) -> Result<&MessageRec, ApiError> {
        self.channel(channel)?;
        self.messages
            .get(&id)
            .filter(|m| m.channel_id == channel && m.flags & FLAG_EPHEMERAL == 0)
            .ok_or_else(ApiError::unknown_message)
    }

    fn is_archived(&self, channel: u64) -> bool {
        self.channels
            .get(&channel)
            .and_then(|c| c.thread.as_ref())
            .is_some_and(|t| t.archived)
    }

    fn is_locked(&self, channel: u64) -> bool {
        self.channels
            .get(&channel)
            .and_then(|c| c.thread.as_ref())
            .is_some_and(|t| t.locked)
    }

    /// Whether MESSAGE_CONTENT guards this message from the bot.
    pub(crate) fn content_private(&self, msg: &MessageRec) -> bool {
        msg.author_id != self.bot_id && !msg.mentions.contains(&self.bot_id)
    }

    /// A message as the bot reads it over REST, with content hidden unless the application
    /// was granted MESSAGE_CONTENT.
    pub(crate) fn message_for_bot(&self, msg: &MessageRec) -> Value {
        let mut value = self.message_json(msg, false);
        if self.granted_intents & intents::MESSAGE_CONTENT == 0 && self.content_private(msg) {
            crate::gateway::strip_content(&mut value);
        }
        value
    }

    fn emit_message(&mut self, t: &'static str, id: u64) {
        let Some(msg) = self.messages.get(&id) else { return };
        if msg.flags & FLAG_EPHEMERAL != 0 {
            return;
        }
        let private = self.content_private(msg);
        let d = self.message_json(msg, true);
        self.emit(t, d, intents::GUILD_MESSAGES, private);
    }

    fn insert_message(&mut self, mut msg: MessageRec) -> u64 {
        let id = msg.id;
        let (users, roles, everyone) = mentions(&msg.content);
        msg.mentions = users.into_iter().filter(|u| self.users.contains_key(u)).collect();
        msg.mention_roles = roles.into_iter().filter(|r| self.roles.contains_key(r)).collect();
        msg.mention_everyone = everyone
            && self
                .channel_permissions(msg.author_id, msg.channel_id)
                .contains(Permissions::MENTION_EVERYONE);
        // Posting in a thread joins it, from the message's own time.
        let joined = crate::ids::timestamp_of(id);
        if let Some(channel) = self.channels.get_mut(&msg.channel_id) {
            channel.last_message_id = Some(id);
            if channel.is_thread() {
                channel.message_count += 1;
                channel.thread_members.entry(msg.author_id).or_insert(joined);
            }
        }
        self.messages.insert(id, msg);
        self.emit_message("MESSAGE_CREATE", id);
        id
    }

    fn new_message(&self, id: u64, channel: u64, author: u64, body: &Value) -> MessageRec {
        MessageRec {
            id,
            channel_id: channel,
            author_id: author,
            content: body["content"].as_str().unwrap_or_default().to_owned(),
            embeds: body["embeds"].as_array().cloned().unwrap_or_default(),
            components: body["components"].as_array().cloned().unwrap_or_default(),
            flags: body["flags"].as_u64().unwrap_or(0) & (4 | 4096),
            kind: 0,
            edited_timestamp: None,
            nonce: body.get("nonce").filter(|n| !n.is_null()).cloned(),
            tts: body["tts"].as_bool().unwrap_or(false),
            mentions: Vec::new(),
            mention_roles: Vec::new(),
            mention_everyone: false,
            reactions: Vec::new(),
            thread_id: None,
            webhook_id: None,
            origin: None,
            reference: None,
            pinned: false,
            attachments: Vec::new(),
        }
    }

    /// Create Message without files; see [`World::create_message_with`].
    pub(crate) fn create_message(
        &mut self,
        author: u64,
        channel_id: u64,
        body: &Value,
    ) -> Result<(u64, bool), ApiError> {
        self.create_message_with(author, channel_id, body, &[])
    }

    /// Create Message, as the bot over REST or a member in the client, with the files of a
    /// multipart request (they need ATTACH_FILES). Returns the message id and whether it is
    /// new (false when `enforce_nonce` found an earlier one).
    pub(crate) fn create_message_with(
        &mut self,
        author: u64,
        channel_id: u64,
        body: &Value,
        uploads: &[Upload],
    ) -> Result<(u64, bool), ApiError> {
        let channel = self.channel(channel_id)?;
        let mut needed = if channel.is_thread() {
            Permissions::SEND_MESSAGES_IN_THREADS
        } else {
            Permissions::SEND_MESSAGES
        };
        if !uploads.is_empty() {
            needed = needed | Permissions::ATTACH_FILES;
        }
        self.require(author, channel_id, needed)?;
        let manager = self
            .channel_permissions(author, channel_id)
            .contains(Permissions::MANAGE_THREADS);
        if self.is_locked(channel_id) && !manager {
            return Err(ApiError::thread_archived());
        }
        validate::message(body)?;
        if !validate::has_payload(body) && uploads.is_empty() {
            return Err(ApiError::empty_message());
        }
        self.check_uploads(uploads, 0)?;
        let nonce_key = body.get("nonce").and_then(|n| match n {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if body["enforce_nonce"].as_bool() == Some(true)
            && let Some(key) = &nonce_key
            && let Some((id, at)) = self.nonces.get(&(author, key.clone()))
            && at.elapsed() < NONCE_WINDOW
            && self.messages.contains_key(id)
        {
            return Ok((*id, false));
        }
        let reference = match body["message_reference"]["message_id"].as_str() {
            Some(id) => {
                let id = id.parse::<u64>().unwrap_or(0);
                if self.message_in(channel_id, id).is_err() {
                    return Err(ApiError::invalid_form(&[FieldError::new(
                        "message_reference",
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )]));
                }
                Some(id)
            }
            None => None,
        };
        if self.is_archived(channel_id) {
            self.set_archived(channel_id, false);
        }
        let id = self.ids.next();
        let mut msg = self.new_message(id, channel_id, author, body);
        msg.attachments = self.store_uploads(channel_id, body, uploads);
        if reference.is_some() {
            msg.kind = 19;
            msg.reference = reference;
        }
        if let Some(key) = nonce_key {
            self.nonces.insert((author, key), (id, Instant::now()));
        }
        Ok((self.insert_message(msg), true))
    }

    fn set_archived(&mut self, channel_id: u64, archived: bool) {
        if let Some(meta) = self.channels.get_mut(&channel_id).and_then(|c| c.thread.as_mut()) {
            meta.archived = archived;
            meta.archive_timestamp = self.ids.now_iso();
        }
        if let Some(channel) = self.channels.get(&channel_id) {
            let d = self.channel_json(channel);
            self.emit("THREAD_UPDATE", d, intents::GUILDS, false);
        }
    }

    /// Edit Message: only the author may edit; archived threads refuse.
    pub(crate) fn edit_message(
        &mut self,
        actor: u64,
        channel_id: u64,
        id: u64,
        body: &Value,
        uploads: &[Upload],
    ) -> Result<(), ApiError> {
        let msg = self.message_in(channel_id, id)?;
        if msg.author_id != actor {
            return Err(ApiError::cannot_edit_others());
        }
        let needed = if uploads.is_empty() {
            Permissions::NONE
        } else {
            Permissions::ATTACH_FILES
        };
        self.require(actor, channel_id, needed)?;
        if self.is_archived(channel_id) {
            return Err(ApiError::thread_archived());
        }
        validate::message(body)?;
        self.check_uploads(uploads, self.kept_attachments(id, body).len())?;
        self.apply_edit(id, body, uploads);
        Ok(())
    }

    /// Applies an edit whose limits were checked; `attachments` in the body (which existing
    /// files to keep) and new files change the message's files.
    fn apply_edit(&mut self, id: u64, body: &Value, uploads: &[Upload]) {
        let Some(channel) = self.messages.get(&id).map(|m| m.channel_id) else {
            return;
        };
        let mut files = self.kept_attachments(id, body);
        files.extend(self.store_uploads(channel, body, uploads));
        let Some(msg) = self.messages.get_mut(&id) else {
            return;
        };
        msg.attachments = files;
        if let Some(content) = body.get("content") {
            msg.content = content.as_str().unwrap_or_default().to_owned();
        }
        if let Some(embeds) = body.get("embeds") {
            msg.embeds = embeds.as_array().cloned().unwrap_or_default();
        }
        if let Some(components) = body.get("components") {
            msg.components = components.as_array().cloned().unwrap_or_default();
        }
        if let Some(flags) = body["flags"].as_u64() {
            msg.flags = (msg.flags & !4) | (flags & 4);
        }
        msg.flags &= !FLAG_LOADING;
        msg.edited_timestamp = Some(self.ids.now_iso());
        let content = msg.content.clone();
        let (users, roles, _) = mentions(&content);
        let users = users.into_iter().filter(|u| self.users.contains_key(u)).collect();
        let roles = roles.into_iter().filter(|r| self.roles.contains_key(r)).collect();
        if let Some(msg) = self.messages.get_mut(&id) {
            msg.mentions = users;
            msg.mention_roles = roles;
        }
        self.emit_message("MESSAGE_UPDATE", id);
    }

    /// Delete Message: the author, or anyone with MANAGE_MESSAGES.
    pub(crate) fn delete_message(&mut self, actor: u64, channel_id: u64, id: u64) -> Result<(), ApiError> {
        let msg = self.message_in(channel_id, id)?;
        if msg.author_id != actor {
            self.require(actor, channel_id, Permissions::MANAGE_MESSAGES)?;
        }
        self.remove_message(id);
        Ok(())
    }

    fn remove_message(&mut self, id: u64) {
        let Some(msg) = self.messages.remove(&id) else {
            return;
        };
        if msg.flags & FLAG_EPHEMERAL == 0 {
            let d = json!({
                "id": id.to_string(),
                "channel_id": msg.channel_id.to_string(),
                "guild_id": self.guild_of(msg.channel_id).to_string(),
            });
            self.emit("MESSAGE_DELETE", d, intents::GUILD_MESSAGES, false);
        }
    }

    /// Create Reaction: a new emoji needs ADD_REACTIONS; archived threads refuse.
    pub(crate) fn add_reaction(
        &mut self,
        actor: u64,
        channel_id: u64,
        id: u64,
        emoji: &Emoji,
    ) -> Result<(), ApiError> {
        let msg = self.message_in(channel_id, id)?;
        if emoji.id.is_some() || emoji.name.is_ascii() || emoji.name.is_empty() {
            return Err(ApiError::unknown_emoji());
        }
        let existing = msg.reactions.iter().find(|r| r.emoji == *emoji);
        let needed = if existing.is_some() {
            Permissions::READ_MESSAGE_HISTORY
        } else {
            Permissions::READ_MESSAGE_HISTORY | Permissions::ADD_REACTIONS
        };
        self.require(actor, channel_id, needed)?;
        if self.is_archived(channel_id) || self.is_locked(channel_id) {
            return Err(ApiError::thread_archived());
        }
        if existing.is_some_and(|r| r.users.contains(&actor)) {
            return Ok(());
        }
        let author = msg.author_id;
        let msg = self.messages.get_mut(&id).expect("checked above");
        match msg.reactions.iter_mut().find(|r| r.emoji == *emoji) {
            Some(r) => r.users.push(actor),
            None => msg.reactions.push(ReactionRec {
                emoji: emoji.clone(),
                users: vec![actor],
            }),
        }
        let d = json!({
            "user_id": actor.to_string(),
            "channel_id": channel_id.to_string(),
            "message_id": id.to_string(),
            "guild_id": self.guild_of(channel_id).to_string(),
            "member": self.member_json(actor, true),
            "emoji": emoji.json(),
            "message_author_id": author.to_string(),
            "burst": false,
            "burst_colors": [],
            "type": 0,
        });
        self.emit("MESSAGE_REACTION_ADD", d, intents::GUILD_MESSAGE_REACTIONS, false);
        Ok(())
    }

    /// Delete Own Reaction / Delete User Reaction (the latter needs MANAGE_MESSAGES).
    pub(crate) fn remove_reaction(
        &mut self,
        actor: u64,
        target: u64,
        channel_id: u64,
        id: u64,
        emoji: &Emoji,
    ) -> Result<(), ApiError> {
        self.message_in(channel_id, id)?;
        let needed = if actor == target {
            Permissions::NONE
        } else {
            Permissions::MANAGE_MESSAGES
        };
        self.require(actor, channel_id, needed)?;
        if self.is_archived(channel_id) || self.is_locked(channel_id) {
            return Err(ApiError::thread_archived());
        }
        let msg = self.messages.get_mut(&id).expect("checked above");
        let Some(reaction) = msg.reactions.iter_mut().find(|r| r.emoji == *emoji) else {
            return Ok(());
        };
        let before = reaction.users.len();
        reaction.users.retain(|u| *u != target);
        if reaction.users.len() == before {
            return Ok(());
        }
        msg.reactions.retain(|r| !r.users.is_empty());
        let d = json!({
            "user_id": target.to_string(),
            "channel_id": channel_id.to_string(),
            "message_id": id.to_string(),
            "guild_id": self.guild_of(channel_id).to_string(),
            "emoji": emoji.json(),
            "burst": false,
            "type": 0,
        });
        self.emit(
            "MESSAGE_REACTION_REMOVE",
            d,
            intents::GUILD_MESSAGE_REACTIONS,
            false,
        );
        Ok(())
    }

    /// Delete All Reactions (MANAGE_MESSAGES).
    pub(crate) fn clear_reactions(&mut self, actor: u64, channel_id: u64, id: u64) -> Result<(), ApiError> {
        self.message_in(channel_id, id)?;
        self.require(actor, channel_id, Permissions::MANAGE_MESSAGES)?;
        if let Some(msg) = self.messages.get_mut(&id) {
            msg.reactions.clear();
        }
        let d = json!({
            "channel_id": channel_id.to_string(),
            "message_id": id.to_string(),
            "guild_id": self.guild_of(channel_id).to_string(),
        });
        self.emit(
            "MESSAGE_REACTION_REMOVE_ALL",
            d,
            intents::GUILD_MESSAGE_REACTIONS,
            false,
        );
        Ok(())
    }

    /// Get Reactions: users ordered by id, `after` exclusive, `limit` 1–100 (default 25).
    pub(crate) fn reaction_users(
        &self,
        actor: u64,
        channel_id: u64,
        id: u64,
        emoji: &Emoji,
        after: u64,
        limit: Option<u64>,
    ) -> Result<Vec<Value>, ApiError> {
        let msg = self.message_in(channel_id, id)?;
        self.require(actor, channel_id, Permissions::READ_MESSAGE_HISTORY)?;
        let limit = limit.unwrap_or(25);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid_form(&[FieldError::new(
                "limit",
                "NUMBER_TYPE_MAX",
                "Int value should be less than or equal to 100.",
            )]));
        }
        let mut users: Vec<u64> = msg
            .reactions
            .iter()
            .find(|r| r.emoji == *emoji)
            .map(|r| r.users.clone())
            .unwrap_or_default();
        users.sort_unstable();
        Ok(users
            .into_iter()
            .filter(|u| *u > after)
            .take(usize::try_from(limit).unwrap_or(100))
            .map(|u| self.user_json(u))
            .collect())
    }

    fn thread_from(&mut self, id: u64, parent: u64, owner: u64, kind: u8, body: &Value) -> u64 {
        let now = self.ids.now_iso();
        let duration = body["auto_archive_duration"].as_u64().unwrap_or(4320);
        self.channels.insert(
            id,
            ChannelRec {
                id,
                guild_id: self.guild_of(parent),
                kind,
                name: body["name"].as_str().unwrap_or_default().to_owned(),
                position: 0,
                topic: None,
                parent_id: Some(parent),
                owner_id: Some(owner),
                overwrites: Vec::new(),
                last_message_id: None,
                message_count: 0,
                thread: Some(ThreadMeta {
                    archived: false,
                    locked: false,
                    auto_archive_duration: u32::try_from(duration).unwrap_or(4320),
                    archive_timestamp: now.clone(),
                    create_timestamp: now.clone(),
                }),
                // Discord adds whoever starts a thread to it, so a private thread's creator
                // sees it without MANAGE_THREADS.
                thread_members: BTreeMap::from([(owner, now)]),
            },
        );
        let mut d = self.channel_json(&self.channels[&id]);
        d["newly_created"] = json!(true);
        self.emit("THREAD_CREATE", d, intents::GUILDS, false);
        id
    }

    /// Start Thread from Message: the thread takes the message's id.
    pub(crate) fn start_thread_from_message(
        &mut self,
        actor: u64,
        channel_id: u64,
        id: u64,
        body: &Value,
    ) -> Result<u64, ApiError> {
        let channel = self.channel(channel_id)?;
        if channel.is_thread() {
            return Err(ApiError::wrong_channel_type());
        }
        let msg = self.message_in(channel_id, id)?;
        let has_thread = msg.thread_id.is_some();
        self.require(actor, channel_id, Permissions::CREATE_PUBLIC_THREADS)?;
        validate::thread(body, true)?;
        if has_thread || self.channels.contains_key(&id) {
            return Err(ApiError::thread_already_created());
        }
        if let Some(msg) = self.messages.get_mut(&id) {
            msg.thread_id = Some(id);
        }
        Ok(self.thread_from(id, channel_id, actor, PUBLIC_THREAD, body))
    }

    /// Start Thread without Message (public or private, `type` 11 or 12).
    pub(crate) fn start_thread(
        &mut self,
        actor: u64,
        channel_id: u64,
        body: &Value,
    ) -> Result<u64, ApiError> {
        let channel = self.channel(channel_id)?;
        if channel.is_thread() {
            return Err(ApiError::wrong_channel_type());
        }
        let kind = u8::try_from(body["type"].as_u64().unwrap_or(12)).unwrap_or(12);
        let needed = if kind == PUBLIC_THREAD {
            Permissions::CREATE_PUBLIC_THREADS
        } else {
            Permissions::CREATE_PRIVATE_THREADS
        };
        self.require(actor, channel_id, needed)?;
        validate::thread(body, true)?;
        let id = self.ids.next();
        Ok(self.thread_from(id, channel_id, actor, kind, body))
    }

    /// The thread `thread_id`, or 10003 when unknown and 50024 when it is no thread.
    fn thread_channel(&self, thread_id: u64) -> Result<&ChannelRec, ApiError> {
        let channel = self.channel(thread_id)?;
        if channel.is_thread() {
            Ok(channel)
        } else {
            Err(ApiError::wrong_channel_type())
        }
    }

    /// Add Thread Member: the actor must be able to send messages in the thread (seeing a
    /// private thread already means being in it or managing threads), the thread must be
    /// open and `user` a member of the guild. Adding someone already in it changes nothing.
    pub(crate) fn add_thread_member(
        &mut self,
        actor: u64,
        thread_id: u64,
        user: u64,
    ) -> Result<(), ApiError> {
        self.thread_channel(thread_id)?;
        self.require(actor, thread_id, Permissions::SEND_MESSAGES_IN_THREADS)?;
        let manager = self
            .channel_permissions(actor, thread_id)
            .contains(Permissions::MANAGE_THREADS);
        if self.is_archived(thread_id) || (self.is_locked(thread_id) && !manager) {
            return Err(ApiError::thread_archived());
        }
        if !self.members.contains_key(&user) {
            return Err(ApiError::unknown_member());
        }
        let now = self.ids.now_iso();
        let c = self.channels.get_mut(&thread_id).expect("checked above");
        if c.thread_members.contains_key(&user) {
            return Ok(());
        }
        c.thread_members.insert(user, now);
        self.emit_thread_members(thread_id, Some(user), None);
        Ok(())
    }

    /// Remove Thread Member: needs MANAGE_THREADS, or being the creator of a private thread;
    /// the thread must not be archived. Removing someone not in it changes nothing.
    pub(crate) fn remove_thread_member(
        &mut self,
        actor: u64,
        thread_id: u64,
        user: u64,
    ) -> Result<(), ApiError> {
        let thread = self.thread_channel(thread_id)?;
        let creator = thread.is_private_thread() && thread.owner_id == Some(actor);
        self.require(actor, thread_id, Permissions::NONE)?;
        let manager = self
            .channel_permissions(actor, thread_id)
            .contains(Permissions::MANAGE_THREADS);
        if !(manager || creator) {
            return Err(ApiError::missing_permissions());
        }
        if self.is_archived(thread_id) {
            return Err(ApiError::thread_archived());
        }
        let c = self.channels.get_mut(&thread_id).expect("checked above");
        if c.thread_members.remove(&user).is_some() {
            self.emit_thread_members(thread_id, None, Some(user));
        }
        Ok(())
    }

    /// List Thread Members: thread member objects by user id, `after` exclusive, `limit`
    /// 1–100 (default 100). Discord only lists them to applications granted GUILD_MEMBERS.
    pub(crate) fn list_thread_members(
        &self,
        actor: u64,
        thread_id: u64,
        with_member: bool,
        after: u64,
        limit: Option<u64>,
    ) -> Result<Vec<Value>, ApiError> {
        let thread = self.thread_channel(thread_id)?;
        self.require(actor, thread_id, Permissions::NONE)?;
        if self.granted_intents & intents::GUILD_MEMBERS == 0 {
            return Err(ApiError::missing_access());
        }
        let limit = limit.unwrap_or(100);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid_form(&[FieldError::new(
                "limit",
                "NUMBER_TYPE_MAX",
                "Int value should be less than or equal to 100.",
            )]));
        }
        Ok(thread
            .thread_members
            .keys()
            .filter(|u| **u > after)
            .take(usize::try_from(limit).unwrap_or(100))
            .map(|u| self.thread_member_json(thread_id, *u, with_member))
            .collect())
    }

    /// Get Thread Member: 10007 Unknown Member when `user` is not in the thread.
    pub(crate) fn get_thread_member(
        &self,
        actor: u64,
        thread_id: u64,
        user: u64,
        with_member: bool,
    ) -> Result<Value, ApiError> {
        let thread = self.thread_channel(thread_id)?;
        self.require(actor, thread_id, Permissions::NONE)?;
        if !thread.thread_members.contains_key(&user) {
            return Err(ApiError::unknown_member());
        }
        Ok(self.thread_member_json(thread_id, user, with_member))
    }

    /// THREAD_MEMBERS_UPDATE: to sessions with GUILD_MEMBERS, and to those with only GUILDS
    /// when the bot itself was added or removed, as Discord does.
    fn emit_thread_members(&mut self, thread_id: u64, added: Option<u64>, removed: Option<u64>) {
        let Some(thread) = self.channels.get(&thread_id) else {
            return;
        };
        let d = json!({
            "id": thread_id.to_string(),
            "guild_id": thread.guild_id.to_string(),
            "member_count": thread.thread_members.len().min(50),
            "added_members": added
                .map(|u| self.thread_member_json(thread_id, u, true))
                .into_iter()
                .collect::<Vec<_>>(),
            "removed_member_ids": removed.map(|u| u.to_string()).into_iter().collect::<Vec<_>>(),
        });
        let about_bot = added.or(removed) == Some(self.bot_id);
        let intent = if about_bot {
            intents::GUILD_MEMBERS | intents::GUILDS
        } else {
            intents::GUILD_MEMBERS
        };
        self.emit("THREAD_MEMBERS_UPDATE", d, intent, false);
    }

    /// Modify Channel: archive, lock, rename threads; rename and re-permission channels.
    pub(crate) fn edit_channel(&mut self, actor: u64, channel_id: u64, body: &Value) -> Result<(), ApiError> {
        let channel = self.channel(channel_id)?.clone();
        let perms = self.channel_permissions(actor, channel_id);
        if !perms.contains(Permissions::VIEW_CHANNEL) {
            return Err(ApiError::missing_access());
        }
        let Some(meta) = channel.thread.clone() else {
            if !perms.contains(Permissions::MANAGE_CHANNELS) {
                return Err(ApiError::missing_permissions());
            }
            if let Some(name) = body.get("name") {
                validate::thread(&json!({ "name": name }), true)?;
            }
            let c = self.channels.get_mut(&channel_id).expect("checked above");
            if let Some(name) = body["name"].as_str() {
                c.name = name.to_owned();
            }
            if let Some(topic) = body.get("topic") {
                c.topic = topic.as_str().map(str::to_owned);
            }
            if let Some(overwrites) = body["permission_overwrites"].as_array() {
                c.overwrites = overwrites.iter().filter_map(parse_overwrite).collect();
            }
            let d = self.channel_json(&self.channels[&channel_id]);
            self.emit("CHANNEL_UPDATE", d, intents::GUILDS, false);
            return Ok(());
        };
        validate::thread(body, false)?;
        let manager = perms.contains(Permissions::MANAGE_THREADS);
        let owner = channel.owner_id == Some(actor);
        let unarchive = body["archived"].as_bool() == Some(false);
        if meta.archived && !unarchive {
            return Err(ApiError::thread_archived());
        }
        if body.get("locked").is_some() && !manager {
            return Err(ApiError::missing_permissions());
        }
        if unarchive && meta.locked && !manager {
            return Err(ApiError::thread_archived());
        }
        let other_changes = body
            .as_object()
            .is_some_and(|o| o.keys().any(|k| k != "archived" && k != "locked"));
        let archiving = body["archived"].as_bool() == Some(true);
        if (archiving || other_changes) && !(manager || owner) {
            return Err(ApiError::missing_permissions());
        }
        let c = self.channels.get_mut(&channel_id).expect("checked above");
        let meta = c.thread.as_mut().expect("thread checked above");
        if let Some(archived) = body["archived"].as_bool() {
            if archived != meta.archived {
                meta.archive_timestamp = self.ids.now_iso();
            }
            meta.archived = archived;
        }
        if let Some(locked) = body["locked"].as_bool() {
            meta.locked = locked;
        }
        if let Some(duration) = body["auto_archive_duration"].as_u64() {
            meta.auto_archive_duration = u32::try_from(duration).unwrap_or(4320);
        }
        if let Some(name) = body["name"].as_str() {
            c.name = name.to_owned();
        }
        let d = self.channel_json(&self.channels[&channel_id]);
        self.emit("THREAD_UPDATE", d, intents::GUILDS, false);
        Ok(())
    }

    /// The position of a member's highest role (0, `@everyone`'s, when they have none).
    pub(crate) fn highest_role_position(&self, user: u64) -> u16 {
        self.members
            .get(&user)
            .into_iter()
            .flat_map(|m| m.roles.iter())
            .filter_map(|r| self.roles.get(r))
            .map(|r| r.position)
            .max()
            .unwrap_or(0)
    }

    /// Add Guild Member Role (`add`) or Remove Guild Member Role, as Discord checks them: the
    /// member (10007) and the role (10011; `@everyone` is none a member can be given) must
    /// exist; the actor needs MANAGE_ROLES, and the role must be below the actor's highest
    /// role — ADMINISTRATOR does not lift that, only the owner is above it — and must not be
    /// managed by an integration (all 403, 50013). Giving a role the member has, or taking one
    /// they lack, changes nothing; a change sends GUILD_MEMBER_UPDATE to sessions with
    /// GUILD_MEMBERS.
    pub(crate) fn change_member_role(
        &mut self,
        actor: u64,
        guild: u64,
        user: u64,
        role: u64,
        add: bool,
    ) -> Result<(), ApiError> {
        if actor == self.bot_id && !self.bot_in_guild {
            return Err(ApiError::missing_access());
        }
        if !self.members.contains_key(&user) {
            return Err(ApiError::unknown_member());
        }
        let target = self
            .roles
            .get(&role)
            .filter(|r| r.id != self.guild_id)
            .ok_or_else(ApiError::unknown_role)?;
        let owner = actor == self.owner_id;
        let can_manage = self.base_permissions(actor).contains(Permissions::MANAGE_ROLES);
        let below = target.position < self.highest_role_position(actor);
        if target.managed || !(owner || (can_manage && below)) {
            return Err(ApiError::missing_permissions());
        }
        let member = self.members.get_mut(&user).expect("checked above");
        let has = member.roles.contains(&role);
        if add == has {
            return Ok(());
        }
        if add {
            member.roles.push(role);
        } else {
            member.roles.retain(|r| *r != role);
        }
        let mut d = self.member_json(user, true);
        d["guild_id"] = json!(guild.to_string());
        self.emit("GUILD_MEMBER_UPDATE", d, intents::GUILD_MEMBERS, false);
        Ok(())
    }

    /// Sets a member overwrite so that `user` has exactly `perms` in a channel.
    pub(crate) fn set_member_overwrite(&mut self, channel_id: u64, user: u64, perms: Permissions) {
        let Some(c) = self.channels.get_mut(&channel_id) else {
            return;
        };
        c.overwrites.retain(|o| !(o.kind == 1 && o.id == user));
        c.overwrites.push(crate::permissions::Overwrite {
            id: user,
            kind: 1,
            allow: perms,
            deny: !perms,
        });
        let d = self.channel_json(&self.channels[&channel_id]);
        self.emit("CHANNEL_UPDATE", d, intents::GUILDS, false);
    }

    // ---------------------------------------------------------------- commands

    fn command_json(&self, cmd: &CommandRec) -> Value {
        let mut value = cmd.body.clone();
        let defaults = json!({
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": null,
            "nsfw": false,
            "integration_types": [0],
            "contexts": null,
        });
        for (key, default) in defaults.as_object().expect("literal object") {
            if value.get(key).is_none() {
                value[key] = default.clone();
            }
        }
        value["id"] = json!(cmd.id.to_string());
        value["application_id"] = json!(self.app_id.to_string());
        value["version"] = json!(cmd.id.to_string());
        match cmd.guild_id {
            Some(g) => value["guild_id"] = json!(g.to_string()),
            None => {
                if value.get("dm_permission").is_none() {
                    value["dm_permission"] = json!(true);
                }
            }
        }
        value
    }

    fn check_scope(&self, app: u64, guild: Option<u64>) -> Result<(), ApiError> {
        if app != self.app_id {
            return Err(ApiError::missing_access());
        }
        if guild.is_some_and(|g| !self.guilds.contains(&g)) {
            return Err(ApiError::missing_access());
        }
        Ok(())
    }

    /// Bulk Overwrite: keeps the id of a command whose name stays.
    pub(crate) fn overwrite_commands(
        &mut self,
        app: u64,
        guild: Option<u64>,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.check_scope(app, guild)?;
        let list = body.as_array().ok_or_else(ApiError::bad_json)?;
        for (i, cmd) in list.iter().enumerate() {
            validate::command(cmd, &format!("{i}."))?;
        }
        let mut kept = Vec::new();
        for cmd in list {
            let name = cmd["name"].as_str().unwrap_or_default();
            let id = self
                .commands
                .values()
                .find(|c| c.guild_id == guild && c.name() == name)
                .map_or_else(|| self.ids.next(), |c| c.id);
            kept.push(CommandRec {
                id,
                guild_id: guild,
                body: cmd.clone(),
            });
        }
        self.commands.retain(|_, c| c.guild_id != guild);
        for cmd in &kept {
            self.commands.insert(cmd.id, cmd.clone());
        }
        Ok(kept.iter().map(|c| self.command_json(c)).collect())
    }

    /// Create Command: upserts by name; the bool says whether it was new.
    pub(crate) fn create_command(
        &mut self,
        app: u64,
        guild: Option<u64>,
        body: &Value,
    ) -> Result<(Value, bool), ApiError> {
        self.check_scope(app, guild)?;
        validate::command(body, "")?;
        let name = body["name"].as_str().unwrap_or_default();
        let existing = self
            .commands
            .values()
            .find(|c| c.guild_id == guild && c.name() == name)
            .map(|c| c.id);
        let id = existing.unwrap_or_else(|| self.ids.next());
        let cmd = CommandRec {
            id,
            guild_id: guild,
            body: body.clone(),
        };
        let json = self.command_json(&cmd);
        self.commands.insert(id, cmd);
        Ok((json, existing.is_none()))
    }

    pub(crate) fn list_commands(&self, app: u64, guild: Option<u64>) -> Result<Value, ApiError> {
        self.check_scope(app, guild)?;
        Ok(self
            .commands
            .values()
            .filter(|c| c.guild_id == guild)
            .map(|c| self.command_json(c))
            .collect())
    }

    pub(crate) fn get_command(&self, app: u64, guild: Option<u64>, id: u64) -> Result<Value, ApiError> {
        self.check_scope(app, guild)?;
        self.commands
            .get(&id)
            .filter(|c| c.guild_id == guild)
            .map(|c| self.command_json(c))
            .ok_or_else(ApiError::unknown_command)
    }

    pub(crate) fn edit_command(
        &mut self,
        app: u64,
        guild: Option<u64>,
        id: u64,
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.check_scope(app, guild)?;
        let cmd = self
            .commands
            .get_mut(&id)
            .filter(|c| c.guild_id == guild)
            .ok_or_else(ApiError::unknown_command)?;
        if let (Some(target), Some(patch)) = (cmd.body.as_object_mut(), body.as_object()) {
            for (k, v) in patch {
                target.insert(k.clone(), v.clone());
            }
        }
        let cmd = cmd.clone();
        Ok(self.command_json(&cmd))
    }

    pub(crate) fn delete_command(&mut self, app: u64, guild: Option<u64>, id: u64) -> Result<(), ApiError> {
        self.check_scope(app, guild)?;
        match self.commands.get(&id) {
            Some(c) if c.guild_id == guild => {
                self.commands.remove(&id);
                Ok(())
            }
            _ => Err(ApiError::unknown_command()),
        }
    }

    // ---------------------------------------------------------------- interactions

    /// Records a new interaction and sends INTERACTION_CREATE; returns its id and token.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_interaction(
        &mut self,
        kind: u8,
        user: u64,
        channel_id: u64,
        data: Value,
        name: String,
        source_message: Option<u64>,
        triggering: Option<u64>,
    ) -> (u64, String) {
        let id = self.ids.next();
        let token = format!("aW50ZXJhY3Rpb246{id}:{:x}", self.ids.next());
        let mut member = self.member_json(user, true);
        member["permissions"] = json!(self.channel_permissions(user, channel_id).to_api_string());
        let mut d = json!({
            "id": id.to_string(),
            "application_id": self.app_id.to_string(),
            "type": kind,
            "data": data,
            "guild_id": self.guild_of(channel_id).to_string(),
            "channel": self.partial_channel_json(channel_id),
            "channel_id": channel_id.to_string(),
            "member": member,
            "token": token,
            "version": 1,
            "app_permissions":
                self.channel_permissions(self.bot_id, channel_id).to_api_string(),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": { "0": self.guild_of(channel_id).to_string() },
            "context": 0,
            "attachment_size_limit": self.upload_limit,
        });
        if let Some(source) = source_message.and_then(|m| self.messages.get(&m)) {
            d["message"] = self.message_json(source, false);
        }
        self.interactions.insert(
            id,
            InteractionRec {
                id,
                token: token.clone(),
                kind,
                user_id: user,
                channel_id,
                created: Instant::now(),
                name,
                source_message,
                triggering,
                callback: None,
                original_message: None,
                followups: Vec::new(),
            },
        );
        self.tokens.insert(token.clone(), id);
        self.emit("INTERACTION_CREATE", d, 0, false);
        (id, token)
    }

    fn interaction_message(
        &mut self,
        interaction: u64,
        body: &Value,
        loading: bool,
        uploads: &[Upload],
    ) -> u64 {
        let i = &self.interactions[&interaction];
        let channel = i.channel_id;
        let command = i.kind == kind::COMMAND || i.kind == kind::AUTOCOMPLETE;
        let id = self.ids.next();
        let mut msg = self.new_message(id, channel, self.bot_id, body);
        msg.attachments = self.store_uploads(channel, body, uploads);
        msg.flags = body["flags"].as_u64().unwrap_or(0) & (4 | 4096 | FLAG_EPHEMERAL);
        if loading {
            msg.flags |= FLAG_LOADING;
        }
        msg.kind = if command { 20 } else { 0 };
        msg.webhook_id = Some(self.app_id);
        msg.origin = Some(MessageOrigin {
            interaction_id: interaction,
        });
        self.insert_message(msg)
    }

    /// Create Interaction Response.
    pub(crate) fn interaction_callback(
        &mut self,
        id: u64,
        token: &str,
        body: &Value,
        uploads: &[Upload],
    ) -> Result<(), ApiError> {
        let i = self
            .interactions
            .get(&id)
            .filter(|i| i.token == token)
            .ok_or_else(ApiError::unknown_interaction)?;
        if i.callback.is_some() {
            return Err(ApiError::already_acknowledged());
        }
        if i.created.elapsed() > self.interaction_deadline {
            return Err(ApiError::unknown_interaction());
        }
        let response_type = body["type"]
            .as_u64()
            .and_then(|t| u8::try_from(t).ok())
            .ok_or_else(ApiError::bad_json)?;
        let data = body.get("data").cloned().unwrap_or(Value::Null);
        let from_message = i.source_message.is_some();
        let allowed = match i.kind {
            kind::AUTOCOMPLETE => response_type == callback::AUTOCOMPLETE,
            kind::COMPONENT => response_type != callback::AUTOCOMPLETE,
            kind::MODAL_SUBMIT => response_type != callback::AUTOCOMPLETE && response_type != callback::MODAL,
            _ => matches!(
                response_type,
                callback::MESSAGE | callback::DEFERRED_MESSAGE | callback::MODAL
            ),
        };
        let needs_message = matches!(
            response_type,
            callback::DEFERRED_UPDATE | callback::UPDATE_MESSAGE
        );
        if !allowed || (needs_message && !from_message) || response_type == callback::PONG {
            return Err(ApiError::invalid_form(&[FieldError::new(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                "Interaction response type is invalid for this interaction",
            )]));
        }
        let data_or_empty = if data.is_null() { json!({}) } else { data.clone() };
        let source = i.source_message;
        match response_type {
            callback::MESSAGE => {
                validate::message(&data_or_empty)?;
                if !validate::has_payload(&data_or_empty) && uploads.is_empty() {
                    return Err(ApiError::empty_message());
                }
                self.check_uploads(uploads, 0)?;
            }
            callback::UPDATE_MESSAGE => {
                validate::message(&data_or_empty)?;
                let kept = source.map_or(0, |m| self.kept_attachments(m, &data_or_empty).len());
                self.check_uploads(uploads, kept)?;
            }
            callback::AUTOCOMPLETE => validate::choices(&data_or_empty)?,
            callback::MODAL => validate::modal(&data_or_empty)?,
            _ => {}
        }
        let original = match response_type {
            callback::MESSAGE => Some(self.interaction_message(id, &data_or_empty, false, uploads)),
            callback::DEFERRED_MESSAGE => Some(self.interaction_message(id, &data_or_empty, true, &[])),
            callback::UPDATE_MESSAGE => {
                if let Some(source) = source {
                    self.apply_edit(source, &data_or_empty, uploads);
                }
                source
            }
            callback::DEFERRED_UPDATE => source,
            _ => None,
        };
        let i = self.interactions.get_mut(&id).expect("checked above");
        i.callback = Some((response_type, data));
        i.original_message = original;
        Ok(())
    }

    fn interaction_by_token(&self, app: u64, token: &str) -> Result<&InteractionRec, ApiError> {
        if app != self.app_id {
            return Err(ApiError::unknown_webhook());
        }
        let i = self
            .tokens
            .get(token)
            .and_then(|id| self.interactions.get(id))
            .ok_or_else(ApiError::unknown_webhook)?;
        if i.created.elapsed() > TOKEN_LIFETIME {
            return Err(ApiError::invalid_webhook_token());
        }
        Ok(i)
    }

    /// Create Followup Message; after a deferred response the first one fills the
    /// "thinking" message instead.
    pub(crate) fn followup(
        &mut self,
        app: u64,
        token: &str,
        body: &Value,
        uploads: &[Upload],
    ) -> Result<Value, ApiError> {
        let i = self.interaction_by_token(app, token)?;
        if i.callback.is_none() {
            return Err(ApiError::unknown_webhook());
        }
        validate::message(body)?;
        if !validate::has_payload(body) && uploads.is_empty() {
            return Err(ApiError::empty_message());
        }
        let id = i.id;
        let loading = i
            .original_message
            .filter(|m| self.messages.get(m).is_some_and(|m| m.flags & FLAG_LOADING != 0));
        let kept = loading.map_or(0, |m| self.kept_attachments(m, body).len());
        self.check_uploads(uploads, kept)?;
        let msg_id = match loading {
            Some(original) => {
                self.apply_edit(original, body, uploads);
                original
            }
            None => {
                let msg = self.interaction_message(id, body, false, uploads);
                if let Some(i) = self.interactions.get_mut(&id) {
                    i.followups.push(msg);
                }
                msg
            }
        };
        Ok(self.message_json(&self.messages[&msg_id], false))
    }

    fn webhook_message_id(&self, app: u64, token: &str, which: &str) -> Result<u64, ApiError> {
        let i = self.interaction_by_token(app, token)?;
        let id = if which == "@original" {
            i.original_message
        } else {
            which
                .parse::<u64>()
                .ok()
                .filter(|m| i.followups.contains(m) || i.original_message == Some(*m))
        };
        id.filter(|m| self.messages.contains_key(m))
            .ok_or_else(ApiError::unknown_message)
    }

    pub(crate) fn webhook_get(&self, app: u64, token: &str, which: &str) -> Result<Value, ApiError> {
        let id = self.webhook_message_id(app, token, which)?;
        Ok(self.message_json(&self.messages[&id], false))
    }

    pub(crate) fn webhook_edit(
        &mut self,
        app: u64,
        token: &str,
        which: &str,
        body: &Value,
        uploads: &[Upload],
    ) -> Result<Value, ApiError> {
        let id = self.webhook_message_id(app, token, which)?;
        let channel = self.messages[&id].channel_id;
        if self.is_archived(channel) {
            return Err(ApiError::thread_archived());
        }
        validate::message(body)?;
        self.check_uploads(uploads, self.kept_attachments(id, body).len())?;
        self.apply_edit(id, body, uploads);
        Ok(self.message_json(&self.messages[&id], false))
    }

    pub(crate) fn webhook_delete(&mut self, app: u64, token: &str, which: &str) -> Result<(), ApiError> {
        let id = self.webhook_message_id(app, token, which)?;
        self.remove_message(id);
        Ok(())
    }
}

fn parse_overwrite(v: &Value) -> Option<crate::permissions::Overwrite> {
    let num = |k: &str| match &v[k] {
        Value::String(s) => s.parse::<u64>().ok(),
        other => other.as_u64(),
    };
    Some(crate::permissions::Overwrite {
        id: num("id")?,
        kind: u8::try_from(v["type"].as_u64()?).ok()?,
        allow: Permissions(num("allow").unwrap_or(0)),
        deny: Permissions(num("deny").unwrap_or(0)),
    })
}
