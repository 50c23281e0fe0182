//! A minimal serenity + poise bot run against the fake, and raw REST/gateway clients.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_discord::{FakeConfig, FakeDiscord};
use futures_util::{SinkExt, StreamExt};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use serenity::{
    CreateActionRow, CreateButton, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateModal, FullEvent, GatewayIntents, Http, HttpBuilder,
    InputTextStyle,
};
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(5);

type Error = Box<dyn std::error::Error + Send + Sync>;
type Context<'a> = poise::Context<'a, Data, Error>;

/// Events the test bot saw, for assertions.
#[derive(Clone, Debug, PartialEq)]
pub enum Seen {
    Ready,
    Resumed,
    Message { content: String, author: u64 },
    ReactionAdd { emoji: String, user: u64 },
    ReactionRemove { emoji: String, user: u64 },
    ThreadCreate { id: u64 },
    ThreadUpdate { id: u64, archived: bool },
}

pub struct Data {
    seen: mpsc::UnboundedSender<Seen>,
    errors: Arc<Mutex<Vec<String>>>,
}

/// Echo the text back.
#[poise::command(slash_command)]
async fn ping(ctx: Context<'_>, #[description = "Text to echo"] text: Option<String>) -> Result<(), Error> {
    ctx.say(format!("pong {}", text.unwrap_or_default())).await?;
    Ok(())
}

async fn complete_time(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = ["09:00", "12:30", "18:00"]
        .into_iter()
        .filter(|t| t.starts_with(partial))
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Configure the daily question.
#[poise::command(slash_command, subcommands("setup"))]
async fn dailyq(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Set channel and time; a server-side permission check answers non-managers.
#[poise::command(slash_command, ephemeral)]
async fn setup(
    ctx: Context<'_>,
    #[description = "Where to post"] channel: serenity::GuildChannel,
    #[description = "When to post"]
    #[autocomplete = "complete_time"]
    time: String,
) -> Result<(), Error> {
    let allowed = match ctx {
        poise::Context::Application(a) => a
            .interaction
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .is_some_and(|p| p.manage_guild()),
        poise::Context::Prefix(_) => false,
    };
    if allowed {
        ctx.say(format!("posting in #{} at {time}", channel.name)).await?;
    } else {
        ctx.say("you need Manage Server").await?;
    }
    Ok(())
}

/// Show a paged board.
#[poise::command(slash_command)]
async fn board(ctx: Context<'_>) -> Result<(), Error> {
    let buttons = CreateActionRow::Buttons(vec![
        CreateButton::new("board:prev").label("◀"),
        CreateButton::new("board:next").label("▶"),
    ]);
    ctx.send(
        poise::CreateReply::default()
            .content("page 1")
            .components(vec![buttons]),
    )
    .await?;
    Ok(())
}

/// Ask for feedback in a modal.
#[poise::command(slash_command)]
async fn feedback(ctx: Context<'_>) -> Result<(), Error> {
    if let poise::Context::Application(a) = ctx {
        let input = CreateInputText::new(InputTextStyle::Short, "Answer", "answer");
        let modal =
            CreateModal::new("feedback", "Feedback").components(vec![CreateActionRow::InputText(input)]);
        a.interaction
            .create_response(ctx, CreateInteractionResponse::Modal(modal))
            .await?;
    }
    Ok(())
}

/// Think first, then answer.
#[poise::command(slash_command)]
async fn slow(ctx: Context<'_>) -> Result<(), Error> {
    ctx.defer().await?;
    ctx.say("done thinking").await?;
    Ok(())
}

async fn on_event(ctx: &serenity::Context, event: &FullEvent, data: &Data) -> Result<(), Error> {
    let seen = match event {
        FullEvent::Ready { .. } => Some(Seen::Ready),
        FullEvent::Resume { .. } => Some(Seen::Resumed),
        FullEvent::Message { new_message } => Some(Seen::Message {
            content: new_message.content.clone(),
            author: new_message.author.id.get(),
        }),
        FullEvent::ReactionAdd { add_reaction } => Some(Seen::ReactionAdd {
            emoji: add_reaction.emoji.to_string(),
            user: add_reaction.user_id.map_or(0, |u| u.get()),
        }),
        FullEvent::ReactionRemove { removed_reaction } => Some(Seen::ReactionRemove {
            emoji: removed_reaction.emoji.to_string(),
            user: removed_reaction.user_id.map_or(0, |u| u.get()),
        }),
        FullEvent::ThreadCreate { thread } => Some(Seen::ThreadCreate { id: thread.id.get() }),
        FullEvent::ThreadUpdate { new, .. } => Some(Seen::ThreadUpdate {
            id: new.id.get(),
            archived: new.thread_metadata.is_some_and(|m| m.archived),
        }),
        FullEvent::InteractionCreate { interaction } => {
            if let Some(component) = interaction.as_message_component() {
                let page = if component.data.custom_id == "board:next" {
                    2
                } else {
                    1
                };
                let update = CreateInteractionResponseMessage::new().content(format!("page {page}"));
                component
                    .create_response(ctx, CreateInteractionResponse::UpdateMessage(update))
                    .await?;
            } else if let Some(modal) = interaction.as_modal_submit() {
                let answer = modal
                    .data
                    .components
                    .iter()
                    .flat_map(|row| row.components.iter())
                    .find_map(|c| match c {
                        serenity::ActionRowComponent::InputText(t) => t.value.clone(),
                        _ => None,
                    })
                    .unwrap_or_default();
                let reply = CreateInteractionResponseMessage::new()
                    .content(format!("thanks: {answer}"))
                    .ephemeral(true);
                modal
                    .create_response(ctx, CreateInteractionResponse::Message(reply))
                    .await?;
            }
            None
        }
        _ => None,
    };
    if let Some(seen) = seen {
        let _ = data.seen.send(seen);
    }
    Ok(())
}

/// Which HTTP path the bot uses.
#[derive(Clone, Copy, Debug)]
pub enum Path {
    /// `HttpBuilder::proxy` with the ratelimiter off.
    Proxy,
    /// `https://discord.com` through the fake's certificate, ratelimiter on.
    Production,
}

pub fn http(fake: &FakeDiscord, path: Path) -> Http {
    match path {
        Path::Proxy => HttpBuilder::new(fake.bot_token())
            .client(fake.plain_client())
            .proxy(fake.proxy_base())
            .ratelimiter_disabled(true)
            .build(),
        Path::Production => HttpBuilder::new(fake.bot_token())
            .client(fake.production_client())
            .build(),
    }
}

/// A running test bot.
pub struct Bot {
    pub http: Arc<Http>,
    pub shards: Arc<serenity::ShardManager>,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    pub errors: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<Result<(), serenity::Error>>,
}

impl Bot {
    /// Waits for an event the bot saw that `matches`, skipping others.
    pub async fn wait_seen(&mut self, matches: impl FnMut(&Seen) -> bool) -> Seen {
        self.wait_seen_within(WAIT, matches).await
    }

    /// Like [`Bot::wait_seen`] with its own timeout.
    pub async fn wait_seen_within(
        &mut self,
        timeout: Duration,
        mut matches: impl FnMut(&Seen) -> bool,
    ) -> Seen {
        tokio::time::timeout(timeout, async {
            loop {
                let seen = self.seen.recv().await.expect("bot stopped");
                if matches(&seen) {
                    return seen;
                }
            }
        })
        .await
        .expect("bot did not see the event in time")
    }

    /// Waits until every one of `expected` was seen, in any order: serenity runs each
    /// handler as its own task, so events reach the handler unordered.
    pub async fn wait_seen_all(&mut self, mut expected: Vec<Seen>) {
        tokio::time::timeout(WAIT, async {
            while !expected.is_empty() {
                let seen = self.seen.recv().await.expect("bot stopped");
                expected.retain(|e| *e != seen);
            }
        })
        .await
        .unwrap_or_else(|_| panic!("bot did not see {expected:?} in time"));
    }

    /// Waits for `client.start()` to return on its own.
    pub async fn finish(self) -> Result<(), serenity::Error> {
        self.task.await.expect("client task")
    }

    /// Stops the shards and waits for `client.start()` to return.
    pub async fn stop(self) -> Result<(), serenity::Error> {
        self.shards.shutdown_all().await;
        self.task.await.expect("client task")
    }
}

pub fn default_intents() -> GatewayIntents {
    GatewayIntents::non_privileged() | GatewayIntents::MESSAGE_CONTENT
}

/// Starts the test bot and returns once the client task runs (not yet ready).
pub async fn start_bot(fake: &FakeDiscord, path: Path, intents: GatewayIntents) -> Bot {
    let (tx, seen) = mpsc::unbounded_channel();
    let errors = Arc::new(Mutex::new(Vec::new()));
    let guild = serenity::GuildId::new(fake.guild_id());
    let errors_in = Arc::clone(&errors);
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![ping(), dailyq(), board(), feedback(), slow()],
            event_handler: |framework, event| {
                Box::pin(on_event(framework.serenity_context, event, framework.user_data))
            },
            on_error: |error| {
                Box::pin(async move {
                    if let Some(ctx) = error.ctx() {
                        ctx.data()
                            .errors
                            .lock()
                            .expect("errors lock")
                            .push(error.to_string());
                    }
                })
            },
            ..Default::default()
        })
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_in_guild(ctx, &framework.options().commands, guild).await?;
                Ok(Data {
                    seen: tx,
                    errors: errors_in,
                })
            })
        })
        .build();
    let mut client = serenity::ClientBuilder::new_with_http(http(fake, path), intents)
        .framework(framework)
        .await
        .expect("build client");
    let http = Arc::clone(&client.http);
    let shards = Arc::clone(&client.shard_manager);
    let task = tokio::spawn(async move { client.start().await });
    Bot {
        http,
        shards,
        seen,
        errors,
        task,
    }
}

/// A fake with a 1 s heartbeat, so heartbeats show up within a test.
pub async fn start_fake() -> FakeDiscord {
    FakeDiscord::start(fake_config()).await
}

pub fn fake_config() -> FakeConfig {
    FakeConfig {
        heartbeat_interval: Duration::from_secs(1),
        ..FakeConfig::default()
    }
}

/// A fake for tests that make serenity reconnect: Discord's own 41.25 s heartbeat, so no beat
/// falls due while a connection is replaced. With 1 s beats, a heartbeat whose ACK was lost
/// with the dropped socket, or comes late on a busy machine, makes serenity give the session
/// up at its next beat and IDENTIFY again through its 5 s shard queue: the test would then
/// depend on timing luck.
pub fn reconnect_config() -> FakeConfig {
    FakeConfig::default()
}

/// Starts the fake and the bot and waits until the bot registered its commands.
pub async fn start_ready(path: Path) -> (FakeDiscord, Bot) {
    start_ready_with(path, fake_config()).await
}

/// [`start_ready`] on a fake made for reconnect tests (see [`reconnect_config`]).
pub async fn start_ready_to_reconnect(path: Path) -> (FakeDiscord, Bot) {
    start_ready_with(path, reconnect_config()).await
}

/// Like [`start_ready`] with a fake configured by `config`.
pub async fn start_ready_with(path: Path, config: FakeConfig) -> (FakeDiscord, Bot) {
    let fake = FakeDiscord::start(config).await;
    let mut bot = start_bot(&fake, path, default_intents()).await;
    bot.wait_seen(|s| *s == Seen::Ready).await;
    fake.wait_for_command("ping", WAIT)
        .await
        .expect("commands registered");
    (fake, bot)
}

/// A raw REST call as the bot; returns status and JSON body (`null` when empty).
pub async fn api(fake: &FakeDiscord, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    try_api(fake, method, path, body)
        .await
        .expect("request reaches the fake")
}

/// Like [`api`], but a connection that ends without an answer is an error, not a panic.
pub async fn try_api(
    fake: &FakeDiscord,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<(u16, Value), reqwest::Error> {
    let client = fake.plain_client();
    let url = format!("{}/api/v10{path}", fake.proxy_base());
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client
        .request(method, url)
        .header("authorization", format!("Bot {}", fake.bot_token()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json")
    };
    Ok((status, value))
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A hand-driven gateway connection.
pub struct RawGateway {
    socket: Socket,
}

impl RawGateway {
    pub async fn connect(fake: &FakeDiscord) -> Self {
        let url = format!("{}/?v=10&encoding=json", fake.gateway_url());
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect gateway");
        Self { socket }
    }

    pub async fn send(&mut self, frame: Value) {
        let text = frame.to_string();
        self.socket
            .send(tokio_tungstenite::tungstenite::Message::Text(text))
            .await
            .expect("send");
    }

    /// The next frame; a close arrives as `{"close": code}`.
    pub async fn recv(&mut self) -> Value {
        let message = tokio::time::timeout(WAIT, self.socket.next())
            .await
            .expect("frame in time")
            .expect("socket open")
            .expect("frame");
        match message {
            tokio_tungstenite::tungstenite::Message::Text(t) => serde_json::from_str(&t).expect("json frame"),
            tokio_tungstenite::tungstenite::Message::Close(frame) => {
                json!({ "close": frame.map(|f| u16::from(f.code)) })
            }
            other => panic!("unexpected frame {other:?}"),
        }
    }

    /// The next frame with this op, skipping others.
    pub async fn recv_op(&mut self, op: u64) -> Value {
        loop {
            let frame = self.recv().await;
            if frame["op"] == op {
                return frame;
            }
        }
    }

    /// The next dispatch of type `t`, skipping others.
    pub async fn recv_dispatch(&mut self, t: &str) -> Value {
        loop {
            let frame = self.recv().await;
            if frame["op"] == 0 && frame["t"] == t {
                return frame;
            }
        }
    }

    /// HELLO, IDENTIFY with `intents`, and READY; returns the READY frame.
    pub async fn identify(fake: &FakeDiscord, intents: u64) -> (Self, Value) {
        let mut gw = Self::connect(fake).await;
        let hello = gw.recv().await;
        assert_eq!(hello["op"], 10);
        gw.send(json!({
            "op": 2,
            "d": { "token": format!("Bot {}", fake.bot_token()), "intents": intents,
                   "properties": { "os": "linux", "browser": "test", "device": "test" } },
        }))
        .await;
        let ready = gw.recv().await;
        (gw, ready)
    }
}

/// Registers guild commands (a bulk overwrite) as the bot.
pub async fn register_commands(fake: &FakeDiscord, commands: Value) {
    let path = format!(
        "/applications/{}/guilds/{}/commands",
        fake.application_id(),
        fake.guild_id()
    );
    let (status, body) = api(fake, "PUT", &path, Some(commands)).await;
    assert_eq!(status, 200, "{body}");
}

/// Answers an interaction with a raw callback body; returns status and JSON body.
pub async fn respond(
    fake: &FakeDiscord,
    interaction: &fake_discord::Interaction,
    body: Value,
) -> (u16, Value) {
    let path = format!("/interactions/{}/{}/callback", interaction.id, interaction.token);
    api(fake, "POST", &path, Some(body)).await
}

/// The interaction of an INTERACTION_CREATE frame, as serenity reads it.
pub fn interaction_of(frame: &Value) -> serenity::Interaction {
    match serde_json::from_value::<serenity::GatewayEvent>(frame.clone()) {
        Ok(serenity::GatewayEvent::Dispatch(_, serenity::Event::InteractionCreate(e))) => e.interaction,
        other => panic!("not an INTERACTION_CREATE for serenity: {other:?}\n{frame:#}"),
    }
}

/// HTTP status and Discord's JSON error code of a failed serenity request.
pub fn discord_error(error: &serenity::Error) -> (u16, isize) {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            (response.status_code.as_u16(), response.error.code)
        }
        other => panic!("not an error answered by Discord: {other:?}"),
    }
}

/// The code of a Discord error body (`u64::MAX` when there is none).
pub fn code(body: &Value) -> u64 {
    body["code"].as_u64().unwrap_or(u64::MAX)
}
