//! Discord wiring (serenity + poise): the client, commands, event handlers and rendering.
//!
//! Commands stay thin (parse → call the store and domain → render); wording lives here, rules in
//! `domain`, SQL in `store`.

mod commands;
mod events;
pub mod render;
pub mod rounds;
pub mod scheduler;

use crate::bank;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, Secret};
use crate::store::Store;
use anyhow::Context as _;
use poise::serenity_prelude as serenity;
pub use scheduler::SchedulerOptions;
use std::path::Path;
use std::sync::Arc;

/// What every command and event handler can reach.
#[derive(Debug, Clone)]
pub struct Data {
    /// The database.
    pub store: Store,
    /// The time source (a manual clock in tests).
    pub clock: SharedClock,
    /// Whether the bot reads message content (stores answer text).
    pub message_content: bool,
    /// Wakes the scheduler early (after a setup or a manual post, or to stop it).
    pub wake: Arc<tokio::sync::Notify>,
    /// Set when the bot shuts down; the scheduler exits.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl Data {
    /// Data for a bot on `store`.
    pub fn new(store: Store, clock: SharedClock, message_content: bool) -> Self {
        Data {
            store,
            clock,
            message_content,
            wake: Arc::new(tokio::sync::Notify::new()),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Stops background work (the scheduler) after its current step.
    pub fn stop_background(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether the bot is shutting down.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The REST client and cache, for code outside a command.
#[derive(Clone)]
pub struct Discord {
    /// REST.
    pub http: Arc<serenity::Http>,
    /// The gateway cache (the bot's own user, guilds).
    pub cache: Arc<serenity::Cache>,
}

/// Errors of commands and handlers; users see sentences, logs see chains.
pub type Error = anyhow::Error;

/// Gateway intents the bot asks for. MESSAGE_CONTENT is privileged and optional.
pub fn intents(message_content: bool) -> serenity::GatewayIntents {
    let mut intents = serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::GUILD_MESSAGE_REACTIONS;
    if message_content {
        intents |= serenity::GatewayIntents::MESSAGE_CONTENT;
    }
    intents
}

/// The REST client: straight to Discord with serenity's ratelimiter, or through an operator's
/// rate-limiting proxy (`DISCORD_PROXY_URL`) with serenity's ratelimiter off, as serenity
/// requires for proxies.
pub fn http_client(config: &Config, token: &Secret) -> serenity::Http {
    let builder = serenity::HttpBuilder::new(token.expose());
    match &config.proxy_url {
        Some(proxy) => builder
            .proxy(proxy.as_str().trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

/// Opens the database (migrating it) and syncs the shipped question bank.
pub async fn prepare_store(database_url: &str, questions_dir: &Path) -> anyhow::Result<Store> {
    let store = Store::open(database_url).await.with_context(|| {
        format!(
            "cannot open the database at {}",
            crate::cli::redact_url(database_url)
        )
    })?;
    let questions = bank::load_dir(questions_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = store
        .sync_bank(&questions, chrono::Utc::now())
        .await
        .context("cannot sync the question bank")?;
    tracing::info!(
        inserted = report.inserted,
        updated = report.updated,
        retired = report.retired,
        unchanged = report.unchanged,
        "question bank synced"
    );
    Ok(store)
}

/// Builds the serenity client with dailyq's poise framework around `http`; the scheduler starts
/// once the bot is connected.
pub async fn build_client(
    http: serenity::Http,
    data: Data,
    scheduler: SchedulerOptions,
) -> anyhow::Result<serenity::Client> {
    let intents = intents(data.message_content);
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(commands::on_error(error)),
            event_handler: |framework, event| {
                Box::pin(events::handle(
                    framework.serenity_context,
                    event,
                    framework.user_data,
                ))
            },
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                let discord = Discord {
                    http: ctx.http.clone(),
                    cache: ctx.cache.clone(),
                };
                tokio::spawn(scheduler::run(discord, data.clone(), scheduler));
                Ok(data)
            })
        })
        .build();
    serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .context("cannot build the Discord client")
}

/// Starts the bot and runs until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let token = config.require_token()?.clone();
    let store = prepare_store(&config.database_url, &config.questions_dir).await?;
    let http = http_client(&config, &token);
    let data = Data::new(store, Arc::new(SystemClock), config.message_content);
    let mut client = build_client(http, data.clone(), SchedulerOptions::default()).await?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        data.stop_background();
        shards.shutdown_all().await;
    });
    client.start().await.context("the Discord connection failed")
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
