//! Scripted guild members and the interactions they start, plus read-only views for asserts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::attachments::{AttachmentRec, Upload, guess_content_type};
use crate::error::ApiError;
use crate::ops::{callback, kind};
use crate::permissions::Permissions;
use crate::shared::Shared;
use crate::state::{Emoji, FLAG_EPHEMERAL, FLAG_LOADING, MessageRec, World};

/// A wait that ran out of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeout {
    /// What was awaited.
    pub what: String,
}

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timed out waiting for {}", self.what)
    }
}

impl std::error::Error for Timeout {}

/// Re-checks `f` after every change of the fake until it answers or `timeout` passes.
pub(crate) async fn wait_for<T>(
    shared: &Shared,
    mut f: impl FnMut(&World) -> Option<T>,
    timeout: Duration,
    what: impl FnOnce() -> String,
) -> Result<T, Timeout> {
    let mut changes = shared.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        changes.borrow_and_update();
        if let Some(found) = shared.read(&mut f) {
            return Ok(found);
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => {}
            _ => return Err(Timeout { what: what() }),
        }
    }
}

/// A reaction on a message: the emoji (`⬆️` or `name:id`) and who reacted, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reaction {
    /// Emoji as text.
    pub emoji: String,
    /// User ids in the order they reacted.
    pub users: Vec<u64>,
}

/// A message as the fake stores it (full content, whatever the bot's intents).
#[derive(Clone, Debug)]
pub struct FakeMessage {
    /// Message id.
    pub id: u64,
    /// Channel or thread id.
    pub channel_id: u64,
    /// Author's user id.
    pub author_id: u64,
    /// Author's username.
    pub author_name: String,
    /// Text content.
    pub content: String,
    /// Embeds as sent.
    pub embeds: Vec<Value>,
    /// Component rows as sent.
    pub components: Vec<Value>,
    /// Message flags (64 ephemeral, 128 loading).
    pub flags: u64,
    /// Thread started from this message.
    pub thread_id: Option<u64>,
    /// Reactions.
    pub reactions: Vec<Reaction>,
    /// Interaction this message answers.
    pub interaction_id: Option<u64>,
    /// Message this one replies to.
    pub reply_to: Option<u64>,
    /// Whether it was edited.
    pub edited: bool,
    /// Whether the bot wrote it.
    pub by_bot: bool,
    /// Its files, in order, with their bytes — those its embeds show included (see
    /// [`FakeAttachment::in_embed`]).
    pub attachments: Vec<FakeAttachment>,
}

/// A file on a message (or given to a slash command's attachment option), as uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAttachment {
    /// Attachment id.
    pub id: u64,
    /// File name.
    pub filename: String,
    /// Content type, as sent with the file or guessed from its extension.
    pub content_type: Option<String>,
    /// Description (alt text), if one was given.
    pub description: Option<String>,
    /// Size in bytes.
    pub size: usize,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Where the fake serves the bytes (`GET` without authorization), as in the attachment
    /// object's `url`.
    pub url: String,
    /// Whether an embed of the message shows it (`attachment://{filename}`): Discord then
    /// puts its URL in the embed and leaves it out of the message's `attachments`.
    pub in_embed: bool,
}

impl FakeAttachment {
    pub(crate) fn from_rec(world: &World, a: &AttachmentRec, in_embed: bool) -> Self {
        Self {
            id: a.id,
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            description: a.description.clone(),
            size: a.bytes.len(),
            bytes: a.bytes.to_vec(),
            url: format!("{}{}", world.cdn_base, a.path),
            in_embed,
        }
    }

    /// The bytes as UTF-8 text (lossy), for text files.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

impl FakeMessage {
    pub(crate) fn from_rec(world: &World, m: &MessageRec) -> Self {
        Self {
            id: m.id,
            channel_id: m.channel_id,
            author_id: m.author_id,
            author_name: world
                .users
                .get(&m.author_id)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            content: m.content.clone(),
            embeds: m.embeds.clone(),
            components: m.components.clone(),
            flags: m.flags,
            thread_id: m.thread_id,
            reactions: m
                .reactions
                .iter()
                .map(|r| Reaction {
                    emoji: r.emoji.key(),
                    users: r.users.clone(),
                })
                .collect(),
            interaction_id: m.origin.as_ref().map(|o| o.interaction_id),
            reply_to: m.reference,
            edited: m.edited_timestamp.is_some(),
            by_bot: m.author_id == world.bot_id,
            attachments: {
                let embedded = world.embedded_attachments(&m.attachments, &m.embeds);
                m.attachments
                    .iter()
                    .filter_map(|a| world.attachments.get(a))
                    .map(|a| FakeAttachment::from_rec(world, a, embedded.contains(&a.id)))
                    .collect()
            },
        }
    }

    /// Only the interaction's user sees it.
    pub fn is_ephemeral(&self) -> bool {
        self.flags & FLAG_EPHEMERAL != 0
    }

    /// A deferred response still "thinking".
    pub fn is_loading(&self) -> bool {
        self.flags & FLAG_LOADING != 0
    }

    /// Content plus every embed's author, title, description, fields and footer, one per line,
    /// for loose assertions.
    pub fn text(&self) -> String {
        let mut parts = vec![self.content.clone()];
        for embed in &self.embeds {
            for pointer in ["/author/name", "/title", "/description"] {
                if let Some(s) = embed.pointer(pointer).and_then(Value::as_str) {
                    parts.push(s.to_owned());
                }
            }
            for field in embed["fields"].as_array().into_iter().flatten() {
                parts.push(format!(
                    "{}: {}",
                    field["name"].as_str().unwrap_or_default(),
                    field["value"].as_str().unwrap_or_default()
                ));
            }
            if let Some(s) = embed.pointer("/footer/text").and_then(Value::as_str) {
                parts.push(s.to_owned());
            }
        }
        parts.retain(|p| !p.is_empty());
        parts.join("\n")
    }

    /// `custom_id`s of every component, row by row.
    pub fn custom_ids(&self) -> Vec<String> {
        self.components
            .iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["custom_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Users who reacted with `emoji`.
    pub fn reactors(&self, emoji: &str) -> Vec<u64> {
        self.reactions
            .iter()
            .find(|r| r.emoji == emoji)
            .map(|r| r.users.clone())
            .unwrap_or_default()
    }
}

/// A thread's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    /// Thread id (equals the starter message's id when started from one).
    pub id: u64,
    /// Parent channel.
    pub parent_id: u64,
    /// Thread name.
    pub name: String,
    /// Who started it.
    pub owner_id: u64,
    /// Archived.
    pub archived: bool,
    /// Locked.
    pub locked: bool,
    /// Minutes of inactivity before Discord would archive it.
    pub auto_archive_duration: u32,
    /// Messages sent in it.
    pub message_count: u32,
    /// A private thread (type 12): only its members and those who manage threads see it.
    pub private: bool,
    /// User ids of its members (whoever started it, was added, or posted in it), sorted.
    pub members: Vec<u64>,
}

pub(crate) fn thread_info(world: &World, id: u64) -> Option<ThreadInfo> {
    let c = world.channels.get(&id)?;
    let meta = c.thread.as_ref()?;
    Some(ThreadInfo {
        id,
        parent_id: c.parent_id.unwrap_or_default(),
        name: c.name.clone(),
        owner_id: c.owner_id.unwrap_or_default(),
        archived: meta.archived,
        locked: meta.locked,
        auto_archive_duration: meta.auto_archive_duration,
        message_count: c.message_count,
        private: c.is_private_thread(),
        members: c.thread_members.keys().copied().collect(),
    })
}

/// A slash-command option as a member types it.
#[derive(Clone, Debug, PartialEq)]
pub enum Opt {
    /// A value option; its type comes from the registered command.
    Value {
        /// Option name.
        name: String,
        /// Value: string, number, bool, or a user/channel/role id.
        value: Value,
    },
    /// A subcommand or subcommand group with its options.
    Sub {
        /// Subcommand (group) name.
        name: String,
        /// Nested options.
        options: Vec<Opt>,
    },
    /// The option being typed during autocomplete.
    Focused {
        /// Option name.
        name: String,
        /// What has been typed so far.
        partial: String,
    },
    /// A file picked for an attachment option (type 11).
    Attachment {
        /// Option name.
        name: String,
        /// File name.
        filename: String,
        /// The file's bytes.
        bytes: Vec<u8>,
    },
}

/// A value option.
pub fn opt(name: &str, value: impl Into<Value>) -> Opt {
    Opt::Value {
        name: name.to_owned(),
        value: value.into(),
    }
}

/// A subcommand (or subcommand group) with nested options.
pub fn sub(name: &str, options: Vec<Opt>) -> Opt {
    Opt::Sub {
        name: name.to_owned(),
        options,
    }
}

/// A file for an attachment option (type 11): the interaction carries its id as the value
/// and the attachment object in `resolved.attachments`, with a `url` the fake serves, as
/// Discord does for a file picked in the client.
pub fn attachment(name: &str, filename: &str, bytes: impl Into<Vec<u8>>) -> Opt {
    Opt::Attachment {
        name: name.to_owned(),
        filename: filename.to_owned(),
        bytes: bytes.into(),
    }
}

/// The focused option of an autocomplete request.
pub fn focused(name: &str, partial: &str) -> Opt {
    Opt::Focused {
        name: name.to_owned(),
        partial: partial.to_owned(),
    }
}

/// How the bot answered an interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// 4: a message.
    Message,
    /// 5: "thinking…", a message follows.
    DeferredMessage,
    /// 6: acknowledged a component without a message.
    DeferredUpdate,
    /// 7: edited the component's message.
    UpdateMessage,
    /// 8: autocomplete choices.
    Autocomplete,
    /// 9: opened a modal.
    Modal,
    /// Anything else.
    Other(u8),
}

impl From<u8> for ResponseKind {
    fn from(value: u8) -> Self {
        match value {
            callback::MESSAGE => Self::Message,
            callback::DEFERRED_MESSAGE => Self::DeferredMessage,
            callback::DEFERRED_UPDATE => Self::DeferredUpdate,
            callback::UPDATE_MESSAGE => Self::UpdateMessage,
            callback::AUTOCOMPLETE => Self::Autocomplete,
            callback::MODAL => Self::Modal,
            other => Self::Other(other),
        }
    }
}

/// The initial response to an interaction.
#[derive(Clone, Debug)]
pub struct InteractionResponse {
    /// Callback type.
    pub kind: ResponseKind,
    /// The callback's `data` as sent.
    pub data: Value,
    /// The message it made or updated, in its current state.
    pub message: Option<FakeMessage>,
    /// Whether the response is ephemeral.
    pub ephemeral: bool,
}

/// How a text input in a modal looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextInputStyle {
    /// 1: one line.
    Short,
    /// 2: several lines.
    Paragraph,
}

/// A text input of a modal the bot opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextInput {
    /// Its `custom_id`: the key of its value in the submission.
    pub custom_id: String,
    /// Label shown above it.
    pub label: String,
    /// Short or paragraph.
    pub style: TextInputStyle,
    /// Fewest characters the client accepts (`min_length`), if set.
    pub min_length: Option<u16>,
    /// Most characters the client accepts (`max_length`), if set.
    pub max_length: Option<u16>,
    /// Whether the client requires a value (Discord's default: yes).
    pub required: bool,
    /// Prefilled value.
    pub value: Option<String>,
    /// Placeholder shown while empty.
    pub placeholder: Option<String>,
}

/// A modal the bot opened (callback type 9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModalInfo {
    /// Its `custom_id`, sent back with the submission.
    pub custom_id: String,
    /// Title shown at the top.
    pub title: String,
    /// Its text inputs, row by row.
    pub inputs: Vec<TextInput>,
}

impl ModalInfo {
    /// Reads a modal callback's `data` (already validated).
    pub(crate) fn parse(data: &Value) -> Self {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let number = |v: &Value| v.as_u64().and_then(|n| u16::try_from(n).ok());
        let inputs = data["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .map(|input| TextInput {
                custom_id: text(&input["custom_id"]).unwrap_or_default(),
                label: text(&input["label"]).unwrap_or_default(),
                style: if input["style"].as_u64() == Some(2) {
                    TextInputStyle::Paragraph
                } else {
                    TextInputStyle::Short
                },
                min_length: number(&input["min_length"]),
                max_length: number(&input["max_length"]),
                required: input["required"].as_bool().unwrap_or(true),
                value: text(&input["value"]),
                placeholder: text(&input["placeholder"]),
            })
            .collect();
        Self {
            custom_id: text(&data["custom_id"]).unwrap_or_default(),
            title: text(&data["title"]).unwrap_or_default(),
            inputs,
        }
    }

    /// The text input with this `custom_id`.
    pub fn input(&self, custom_id: &str) -> Option<&TextInput> {
        self.inputs.iter().find(|i| i.custom_id == custom_id)
    }
}

impl InteractionResponse {
    /// The modal the bot opened, when it answered with one (callback type 9).
    pub fn modal(&self) -> Option<ModalInfo> {
        (self.kind == ResponseKind::Modal).then(|| ModalInfo::parse(&self.data))
    }

    /// Autocomplete choices (`{"name", "value"}` objects).
    pub fn choices(&self) -> Vec<Value> {
        self.data["choices"].as_array().cloned().unwrap_or_default()
    }

    /// Content and embed text of the response message.
    pub fn text(&self) -> String {
        self.message.as_ref().map(FakeMessage::text).unwrap_or_default()
    }
}

/// An interaction a scripted member started; read what the bot answered.
#[derive(Clone)]
pub struct Interaction {
    shared: Arc<Shared>,
    /// Interaction id.
    pub id: u64,
    /// Interaction token.
    pub token: String,
    /// Member who started it.
    pub user_id: u64,
    /// Channel it happened in.
    pub channel_id: u64,
}

impl std::fmt::Debug for Interaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interaction")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn response_of(world: &World, id: u64) -> Option<InteractionResponse> {
    let i = world.interactions.get(&id)?;
    let (kind, data) = i.callback.clone()?;
    let message = i
        .original_message
        .and_then(|m| world.messages.get(&m))
        .map(|m| FakeMessage::from_rec(world, m));
    let ephemeral = message.as_ref().map_or_else(
        || data["flags"].as_u64().is_some_and(|f| f & FLAG_EPHEMERAL != 0),
        FakeMessage::is_ephemeral,
    );
    Some(InteractionResponse {
        kind: kind.into(),
        data,
        message,
        ephemeral,
    })
}

impl Interaction {
    /// The initial response, if the bot gave one yet.
    pub fn response(&self) -> Option<InteractionResponse> {
        self.shared.read(|w| response_of(w, self.id))
    }

    /// Waits for the initial response.
    pub async fn wait_response(&self, timeout: Duration) -> Result<InteractionResponse, Timeout> {
        let id = self.id;
        wait_for(
            &self.shared,
            |w| response_of(w, id),
            timeout,
            || format!("a response to interaction {id}"),
        )
        .await
    }

    /// Waits until the response message exists and is no longer "thinking" (a deferred
    /// response edited or followed up).
    pub async fn wait_message(&self, timeout: Duration) -> Result<FakeMessage, Timeout> {
        let id = self.id;
        wait_for(
            &self.shared,
            |w| {
                response_of(w, id)
                    .and_then(|r| r.message)
                    .filter(|m| !m.is_loading())
            },
            timeout,
            || format!("a finished response message to interaction {id}"),
        )
        .await
    }

    /// Follow-up messages in order.
    pub fn followups(&self) -> Vec<FakeMessage> {
        self.shared.read(|w| followups_of(w, self.id))
    }

    /// Waits until at least `count` follow-ups exist.
    pub async fn wait_followups(&self, count: usize, timeout: Duration) -> Result<Vec<FakeMessage>, Timeout> {
        let id = self.id;
        wait_for(
            &self.shared,
            |w| Some(followups_of(w, id)).filter(|f| f.len() >= count),
            timeout,
            || format!("{count} follow-ups to interaction {id}"),
        )
        .await
    }
}

fn followups_of(world: &World, id: u64) -> Vec<FakeMessage> {
    world
        .interactions
        .get(&id)
        .map(|i| {
            i.followups
                .iter()
                .filter_map(|m| world.messages.get(m))
                .map(|m| FakeMessage::from_rec(world, m))
                .collect()
        })
        .unwrap_or_default()
}

/// A guild member that tests script: what they do produces Discord's gateway events.
#[derive(Clone)]
pub struct Member {
    shared: Arc<Shared>,
    /// User id.
    pub id: u64,
    /// Username.
    pub name: String,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Member")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish()
    }
}

fn expect<T>(result: Result<T, ApiError>, who: &str, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{who} could not {what}: {e}"))
}

impl Member {
    pub(crate) fn new(shared: Arc<Shared>, id: u64, name: String) -> Self {
        Self { shared, id, name }
    }

    /// `<@id>`, to mention this member in content.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.id)
    }

    /// Sends a message body (`content`, `embeds`, `message_reference`, ...).
    pub fn try_send(&self, channel: u64, body: Value) -> Result<u64, ApiError> {
        self.shared
            .with_world(|w| w.create_message(self.id, channel, &body))
            .map(|(id, _)| id)
    }

    /// Says something in a channel or thread.
    pub fn try_say(&self, channel: u64, content: &str) -> Result<u64, ApiError> {
        self.try_send(channel, json!({ "content": content }))
    }

    /// Says something; panics if Discord would refuse.
    pub fn say(&self, channel: u64, content: &str) -> u64 {
        expect(self.try_say(channel, content), &self.name, "send a message")
    }

    /// Replies to a message.
    pub fn reply(&self, channel: u64, to: u64, content: &str) -> u64 {
        let body = json!({ "content": content, "message_reference": { "message_id": to.to_string() } });
        expect(self.try_send(channel, body), &self.name, "reply")
    }

    /// Edits their own message.
    pub fn try_edit(&self, channel: u64, message: u64, content: &str) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.edit_message(self.id, channel, message, &json!({ "content": content }), &[]))
    }

    /// Edits their own message; panics if Discord would refuse.
    pub fn edit(&self, channel: u64, message: u64, content: &str) {
        expect(self.try_edit(channel, message, content), &self.name, "edit");
    }

    /// Deletes a message (their own, or any with MANAGE_MESSAGES).
    pub fn try_delete(&self, channel: u64, message: u64) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.delete_message(self.id, channel, message))
    }

    /// Deletes a message; panics if Discord would refuse.
    pub fn delete(&self, channel: u64, message: u64) {
        expect(self.try_delete(channel, message), &self.name, "delete");
    }

    /// Reacts with a unicode emoji.
    pub fn try_react(&self, channel: u64, message: u64, emoji: &str) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.add_reaction(self.id, channel, message, &Emoji::parse(emoji)))
    }

    /// Reacts; panics if Discord would refuse.
    pub fn react(&self, channel: u64, message: u64, emoji: &str) {
        expect(self.try_react(channel, message, emoji), &self.name, "react");
    }

    /// Takes their reaction back.
    pub fn try_unreact(&self, channel: u64, message: u64, emoji: &str) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.remove_reaction(self.id, self.id, channel, message, &Emoji::parse(emoji)))
    }

    /// Takes their reaction back; panics if Discord would refuse.
    pub fn unreact(&self, channel: u64, message: u64, emoji: &str) {
        expect(self.try_unreact(channel, message, emoji), &self.name, "unreact");
    }

    /// Starts a thread from a message.
    pub fn try_start_thread(&self, channel: u64, message: u64, name: &str) -> Result<u64, ApiError> {
        self.shared
            .with_world(|w| w.start_thread_from_message(self.id, channel, message, &json!({ "name": name })))
    }

    /// Edits a channel or thread as the client would (`archived`, `locked`, `name`, ...).
    pub fn try_edit_channel(&self, channel: u64, body: Value) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.edit_channel(self.id, channel, &body))
    }

    /// Runs a slash command (guild command first, then global) with options; panics if no
    /// such command is registered or the options do not fit it, as the client would not send
    /// them.
    ///
    /// Like the client, it refuses (panics) when the member lacks USE_APPLICATION_COMMANDS or
    /// the command's `default_member_permissions`: Discord would not show the command.
    pub fn slash(&self, channel: u64, name: &str, options: Vec<Opt>) -> Interaction {
        self.command_interaction(kind::COMMAND, channel, name, &options, true)
    }

    /// Runs a slash command even though its `default_member_permissions` would hide it, as
    /// when a server admin overrode the command's permissions; for testing a bot's own
    /// server-side checks.
    pub fn slash_overridden(&self, channel: u64, name: &str, options: Vec<Opt>) -> Interaction {
        self.command_interaction(kind::COMMAND, channel, name, &options, false)
    }

    /// Sends an autocomplete request (one option must be [`focused`]) and waits for the
    /// choices the bot returns.
    pub async fn autocomplete(
        &self,
        channel: u64,
        name: &str,
        options: Vec<Opt>,
        timeout: Duration,
    ) -> Result<Vec<Value>, Timeout> {
        let interaction = self.command_interaction(kind::AUTOCOMPLETE, channel, name, &options, true);
        Ok(interaction.wait_response(timeout).await?.choices())
    }

    fn command_interaction(
        &self,
        kind: u8,
        channel: u64,
        name: &str,
        options: &[Opt],
        check_permissions: bool,
    ) -> Interaction {
        let (id, token) = self.shared.with_world(|w| {
            let cmd = w
                .commands
                .values()
                .filter(|c| c.name() == name)
                .max_by_key(|c| c.guild_id.is_some())
                .unwrap_or_else(|| panic!("command /{name} is not registered"))
                .clone();
            if check_permissions {
                let has = w.channel_permissions(self.id, channel);
                let needed = match &cmd.body["default_member_permissions"] {
                    Value::String(s) if s == "0" => Permissions::ADMINISTRATOR,
                    Value::String(s) => Permissions(s.parse().unwrap_or(0)),
                    other => Permissions(other.as_u64().unwrap_or(0)),
                };
                assert!(
                    has.contains(needed | Permissions::USE_APPLICATION_COMMANDS),
                    "{} cannot see /{name} in channel {channel}: it needs permissions {} \
                     (default_member_permissions); use slash_overridden to bypass",
                    self.name,
                    needed.0
                );
            }
            let mut resolved = Resolved::default();
            let schema = cmd.body["options"].as_array().cloned().unwrap_or_default();
            let options = build_options(w, &schema, options, &mut resolved, name);
            let mut data = json!({
                "id": cmd.id.to_string(),
                "name": name,
                "type": cmd.body["type"].as_u64().unwrap_or(1),
                "options": options,
                "guild_id": w.guild_of(channel).to_string(),
            });
            if !resolved.is_empty() {
                data["resolved"] = resolved.json();
            }
            w.create_interaction(kind, self.id, channel, data, name.to_owned(), None, None)
        });
        self.interaction(id, token, channel)
    }

    fn interaction(&self, id: u64, token: String, channel_id: u64) -> Interaction {
        Interaction {
            shared: Arc::clone(&self.shared),
            id,
            token,
            user_id: self.id,
            channel_id,
        }
    }

    /// Clicks a button on a message.
    pub fn click(&self, channel: u64, message: u64, custom_id: &str) -> Interaction {
        self.component(channel, message, custom_id, None)
    }

    /// Picks values in a select menu on a message.
    pub fn select(&self, channel: u64, message: u64, custom_id: &str, values: &[&str]) -> Interaction {
        self.component(channel, message, custom_id, Some(values))
    }

    fn component(&self, channel: u64, message: u64, custom_id: &str, values: Option<&[&str]>) -> Interaction {
        let (id, token) = self.shared.with_world(|w| {
            let msg = w
                .messages
                .get(&message)
                .filter(|m| m.channel_id == channel)
                .unwrap_or_else(|| panic!("no message {message} in channel {channel}"));
            let component = msg
                .components
                .iter()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .find(|c| c["custom_id"] == custom_id)
                .unwrap_or_else(|| panic!("message {message} has no component {custom_id:?}"));
            if component["disabled"].as_bool() == Some(true) {
                panic!("component {custom_id:?} is disabled; the client cannot use it");
            }
            let mut data = json!({
                "custom_id": custom_id,
                "component_type": component["type"],
            });
            if let Some(values) = values {
                data["values"] = json!(values);
            }
            w.create_interaction(
                kind::COMPONENT,
                self.id,
                channel,
                data,
                custom_id.to_owned(),
                Some(message),
                None,
            )
        });
        self.interaction(id, token, channel)
    }

    /// Submits a modal with `custom_id` in `channel`, with text input values by `custom_id`,
    /// as the client does (an INTERACTION_CREATE of type 5, MODAL_SUBMIT).
    ///
    /// When the bot opened a modal with this `custom_id` for this member in this channel (the
    /// latest such one counts), the submission is that modal's: every text input is sent, in
    /// its order, with the value given here or else its prefilled value (or empty); the
    /// response's `interaction_metadata` names the interaction that opened it; and when that
    /// was a component on a message, the submission carries the `message` as Discord's does.
    /// Like the client, it then refuses (panics) a field the modal lacks, a value outside an
    /// input's `min_length`/`max_length`, or an empty required input. When the bot opened no
    /// such modal, the fields are sent as given, one row each (a stale or forged submission).
    pub fn submit_modal(&self, channel: u64, custom_id: &str, fields: &[(&str, &str)]) -> Interaction {
        self.modal_submission(channel, None, custom_id, fields)
    }

    /// Submits a modal opened from a component on `message`: like [`Member::submit_modal`],
    /// and the interaction carries `message` (so the bot may answer with an update of it,
    /// callback types 6 and 7); panics when `channel` has no such message.
    pub fn submit_modal_on(
        &self,
        channel: u64,
        message: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Interaction {
        self.modal_submission(channel, Some(message), custom_id, fields)
    }

    /// Submits the modal the bot opened in answer to `opened_by`, with text input values by
    /// `custom_id` (see [`Member::submit_modal`]); panics if the bot opened no modal there.
    pub fn submit_opened_modal(&self, opened_by: &Interaction, values: &[(&str, &str)]) -> Interaction {
        let (channel, message, custom_id) = self.shared.read(|w| {
            let source = &w.interactions[&opened_by.id];
            let Some((callback::MODAL, modal)) = &source.callback else {
                panic!("interaction {} was not answered with a modal", opened_by.id);
            };
            (
                source.channel_id,
                source.source_message,
                modal["custom_id"].as_str().unwrap_or_default().to_owned(),
            )
        });
        self.modal_submission(channel, message, &custom_id, values)
    }

    fn modal_submission(
        &self,
        channel: u64,
        message: Option<u64>,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Interaction {
        let (id, token) = self.shared.with_world(|w| {
            let opener = w
                .interactions
                .values()
                .filter(|i| i.user_id == self.id && i.channel_id == channel)
                .filter(|i| message.is_none() || i.source_message == message)
                .filter(|i| {
                    matches!(&i.callback, Some((callback::MODAL, data)) if data["custom_id"] == custom_id)
                })
                .max_by_key(|i| i.id);
            let (triggering, source_message, modal) = match opener {
                Some(i) => (
                    Some(i.id),
                    i.source_message,
                    i.callback.as_ref().map(|(_, data)| ModalInfo::parse(data)),
                ),
                None => (None, message, None),
            };
            if let Some(message) = source_message {
                assert!(
                    w.messages.get(&message).is_some_and(|m| m.channel_id == channel),
                    "no message {message} in channel {channel}"
                );
            }
            let rows = match &modal {
                Some(modal) => submitted_rows(modal, fields, &self.name),
                None => fields
                    .iter()
                    .map(|(id, value)| {
                        json!({ "type": 1, "components": [{ "type": 4, "custom_id": id, "value": value }] })
                    })
                    .collect(),
            };
            let data = json!({ "custom_id": custom_id, "components": rows });
            w.create_interaction(
                kind::MODAL_SUBMIT,
                self.id,
                channel,
                data,
                custom_id.to_owned(),
                source_message,
                triggering,
            )
        });
        self.interaction(id, token, channel)
    }

    /// Sends a message with files (name and bytes each), as the client uploads them; the
    /// member needs ATTACH_FILES, at most 10 files (30015) within the upload limit (40005).
    pub fn try_send_with_files(
        &self,
        channel: u64,
        mut body: Value,
        files: &[(&str, &[u8])],
    ) -> Result<u64, ApiError> {
        let uploads: Vec<Upload> = files
            .iter()
            .enumerate()
            .map(|(i, (filename, bytes))| Upload {
                index: i.to_string(),
                filename: (*filename).to_owned(),
                content_type: guess_content_type(filename),
                bytes: bytes.to_vec().into(),
            })
            .collect();
        body["attachments"] = files
            .iter()
            .enumerate()
            .map(|(i, (filename, _))| json!({ "id": i, "filename": filename }))
            .collect();
        self.shared
            .with_world(|w| w.create_message_with(self.id, channel, &body, &uploads))
            .map(|(id, _)| id)
    }

    /// Says something with one file attached.
    pub fn try_say_with_file(
        &self,
        channel: u64,
        content: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<u64, ApiError> {
        self.try_send_with_files(channel, json!({ "content": content }), &[(filename, bytes)])
    }

    /// Says something with one file attached; panics if Discord would refuse.
    pub fn say_with_file(&self, channel: u64, content: &str, filename: &str, bytes: &[u8]) -> u64 {
        expect(
            self.try_say_with_file(channel, content, filename, bytes),
            &self.name,
            "send a file",
        )
    }

    /// Gives `user` a role, as a member with MANAGE_ROLES does in the client (see the rules
    /// of `PUT /guilds/{guild}/members/{user}/roles/{role}` in the README).
    pub fn try_add_role(&self, user: u64, role: u64) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.change_member_role(self.id, w.guild_id, user, role, true))
    }

    /// Gives `user` a role; panics if Discord would refuse.
    pub fn add_role(&self, user: u64, role: u64) {
        expect(self.try_add_role(user, role), &self.name, "give a role");
    }

    /// Takes a role from `user`.
    pub fn try_remove_role(&self, user: u64, role: u64) -> Result<(), ApiError> {
        self.shared
            .with_world(|w| w.change_member_role(self.id, w.guild_id, user, role, false))
    }

    /// Takes a role from `user`; panics if Discord would refuse.
    pub fn remove_role(&self, user: u64, role: u64) {
        expect(self.try_remove_role(user, role), &self.name, "take a role");
    }
}

/// The rows of a submission of `modal`: every input in order, with the given value or its
/// prefilled one; panics on what the client would not let a member submit.
fn submitted_rows(modal: &ModalInfo, fields: &[(&str, &str)], who: &str) -> Vec<Value> {
    for (id, _) in fields {
        assert!(
            modal.input(id).is_some(),
            "modal {:?} has no text input {id:?}",
            modal.custom_id
        );
    }
    modal
        .inputs
        .iter()
        .map(|input| {
            let value = fields
                .iter()
                .find(|(id, _)| *id == input.custom_id)
                .map(|(_, v)| (*v).to_owned())
                .or_else(|| input.value.clone())
                .unwrap_or_default();
            let length = value.chars().count();
            let min = usize::from(input.min_length.unwrap_or(0));
            let max = usize::from(input.max_length.unwrap_or(4000));
            let filled_ok = length == 0 && !input.required;
            assert!(
                filled_ok || (length >= min.max(usize::from(input.required)) && length <= max),
                "{who} cannot submit {:?} = {value:?} in modal {:?}: the client needs {}{min}–{max} characters",
                input.custom_id,
                modal.custom_id,
                if input.required { "a value of " } else { "nothing or " },
            );
            json!({ "type": 1, "components": [{ "type": 4, "custom_id": input.custom_id, "value": value }] })
        })
        .collect()
}

#[derive(Default)]
struct Resolved {
    users: BTreeMap<String, Value>,
    members: BTreeMap<String, Value>,
    roles: BTreeMap<String, Value>,
    channels: BTreeMap<String, Value>,
    attachments: BTreeMap<String, Value>,
}

impl Resolved {
    fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.roles.is_empty()
            && self.channels.is_empty()
            && self.attachments.is_empty()
    }

    fn json(&self) -> Value {
        let map = |m: &BTreeMap<String, Value>| Value::Object(m.clone().into_iter().collect::<Map<_, _>>());
        let mut value = json!({});
        for (key, m) in [
            ("users", &self.users),
            ("members", &self.members),
            ("roles", &self.roles),
            ("channels", &self.channels),
            ("attachments", &self.attachments),
        ] {
            if !m.is_empty() {
                value[key] = map(m);
            }
        }
        value
    }
}

fn id_of(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.parse().unwrap_or(0),
        other => other.as_u64().unwrap_or(0),
    }
}

/// Types the options from the command's registered schema and fills `resolved`.
fn build_options(
    w: &mut World,
    schema: &[Value],
    given: &[Opt],
    resolved: &mut Resolved,
    command: &str,
) -> Vec<Value> {
    let find = |name: &str| {
        schema
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("/{command} has no option {name:?}"))
    };
    let mut out = Vec::new();
    for option in given {
        match option {
            Opt::Sub { name, options } => {
                let spec = find(name);
                let nested = spec["options"].as_array().cloned().unwrap_or_default();
                out.push(json!({
                    "name": name,
                    "type": spec["type"],
                    "options": build_options(w, &nested, options, resolved, command),
                }));
            }
            Opt::Attachment {
                name,
                filename,
                bytes,
            } => {
                let spec = find(name);
                assert_eq!(
                    spec["type"].as_u64(),
                    Some(11),
                    "/{command} {name} is no attachment option"
                );
                assert!(
                    bytes.len() <= w.upload_limit,
                    "the client does not upload {filename:?}: {} bytes is over the upload limit",
                    bytes.len()
                );
                let id = w.store_ephemeral(filename, bytes.clone().into());
                resolved
                    .attachments
                    .insert(id.to_string(), w.attachment_json(&w.attachments[&id]));
                out.push(json!({ "name": name, "type": 11, "value": id.to_string() }));
            }
            Opt::Focused { name, partial } => {
                let spec = find(name);
                out.push(json!({ "name": name, "type": spec["type"], "value": partial, "focused": true }));
            }
            Opt::Value { name, value } => {
                let spec = find(name);
                let kind = spec["type"].as_u64().unwrap_or(3);
                if let Some(choices) = spec["choices"].as_array().filter(|c| !c.is_empty()) {
                    assert!(
                        choices.iter().any(|c| c["value"] == *value),
                        "{value} is not a choice of /{command} {name}"
                    );
                }
                assert_ne!(
                    kind, 11,
                    "/{command} {name} takes a file: use attachment({name:?}, ..)"
                );
                let value = match kind {
                    3 => json!(value.as_str().map_or_else(|| value.to_string(), str::to_owned)),
                    6..=9 => {
                        let id = id_of(value);
                        resolve(w, kind, id, resolved, command, name);
                        json!(id.to_string())
                    }
                    _ => value.clone(),
                };
                out.push(json!({ "name": name, "type": kind, "value": value }));
            }
        }
    }
    let given_names: Vec<&str> = out.iter().filter_map(|o| o["name"].as_str()).collect();
    let is_leaf = schema.iter().all(|s| s["type"].as_u64().is_some_and(|t| t > 2));
    if is_leaf && !given.iter().any(|o| matches!(o, Opt::Focused { .. })) {
        for spec in schema.iter().filter(|s| s["required"] == true) {
            let name = spec["name"].as_str().unwrap_or_default();
            assert!(given_names.contains(&name), "/{command} needs option {name:?}");
        }
    }
    out
}

fn resolve(w: &World, kind: u64, id: u64, resolved: &mut Resolved, command: &str, name: &str) {
    let key = id.to_string();
    if (kind == 6 || kind == 9) && w.users.contains_key(&id) {
        resolved.users.insert(key.clone(), w.user_json(id));
        let mut member = w.member_json(id, false);
        member["permissions"] = json!(w.base_permissions(id).to_api_string());
        resolved.members.insert(key, member);
    } else if (kind == 8 || kind == 9) && w.roles.contains_key(&id) {
        resolved.roles.insert(key, w.role_json(&w.roles[&id]));
    } else if kind == 7 && w.channels.contains_key(&id) {
        let mut channel = w.partial_channel_json(id);
        channel["permissions"] = json!(w.channel_permissions(w.bot_id, id).to_api_string());
        resolved.channels.insert(key, channel);
    } else {
        panic!("/{command} {name}: {id} is not a user, role or channel of the guild");
    }
}
