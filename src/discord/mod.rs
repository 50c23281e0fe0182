//! Discord wiring (serenity + poise): the client, commands, event handlers and rendering.
//!
//! Commands stay thin (parse → call the store and domain → render); wording lives here, rules in
//! `domain`, SQL in `store`.

pub mod blind;
pub mod chart;
mod commands;
mod events;
pub mod guilds;
pub mod ingest;
pub mod pace;
pub mod pairing;
pub mod reminders;
pub mod render;
pub mod rounds;
pub mod scheduler;
pub mod seasons;
pub mod sessions;
pub mod suggestions;

use crate::bank;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, Secret};
use crate::domain::shards::{ShardPlan, ShardRange};
use crate::store::Store;
use anyhow::Context as _;
pub use pace::RestPace;
use poise::serenity_prelude as serenity;
pub use scheduler::SchedulerOptions;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

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
    /// This process's name on reveal leases: its shard range, `:`, and a random instance id.
    pub lease_owner: Arc<str>,
    /// The pace of the bot's own REST requests, shared by the scheduler and event handlers.
    pub rest: RestPace,
    /// The open answer threads this process knows of (spares queries; the store decides).
    pub threads: Arc<ingest::OpenThreads>,
    /// The bounded queue of ⬆️ events to the vote writer.
    pub votes: Arc<ingest::VoteQueue>,
    /// The guilds this process knows and their ordinary channels (instead of serenity's cache).
    pub guilds: Arc<guilds::GuildIndex>,
    /// Joins and departures on their way to the store.
    pub presence: Arc<guilds::PresenceQueue>,
    /// The count of answers on blind rounds' posts, refreshed once at a time per round.
    pub counts: Arc<blind::LiveCounts>,
    /// Recent suggestions' interaction tokens, to tell members the outcome where they asked.
    pub suggesters: Arc<suggestions::Suggesters>,
    /// Metrics and readiness facts (served by [`crate::http`]).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The web pages' public base URL (`DAILYQ_PUBLIC_URL`), if the bot serves them.
    pub public_url: Option<Arc<str>>,
    /// Members whose look (name, avatar) was last kept as this hash, to spare unchanged writes.
    pub looks: Arc<guilds::KnownLooks>,
    /// Members' messages (MESSAGE_CREATE not by a bot) whose handler has finished, for tests
    /// that must know the bot is done with them.
    pub member_messages_handled: Arc<std::sync::atomic::AtomicU64>,
}

impl Data {
    /// Data for a bot on `store`.
    pub fn new(store: Store, clock: SharedClock, message_content: bool) -> Self {
        let lease_owner = lease_owner(store.shards());
        let metrics: Arc<crate::metrics::Metrics> = Arc::default();
        Data {
            store,
            clock,
            message_content,
            wake: Arc::new(tokio::sync::Notify::new()),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            lease_owner,
            rest: RestPace::default().counted_in(metrics.clone()),
            threads: Arc::default(),
            votes: Arc::default(),
            guilds: Arc::default(),
            presence: Arc::default(),
            counts: Arc::default(),
            suggesters: Arc::default(),
            metrics,
            public_url: None,
            looks: Arc::default(),
            member_messages_handled: Arc::default(),
        }
    }

    /// The same bot running only `shards` (of several processes): its scheduler sees only the
    /// guilds of those shards.
    pub fn with_shards(mut self, shards: ShardRange) -> Self {
        self.store = self.store.owning(shards);
        self.lease_owner = lease_owner(shards);
        self
    }

    /// What every reveal lease of this process's shard range starts with.
    pub fn lease_prefix(&self) -> String {
        format!("{}:", self.store.shards())
    }

    /// The same data with its REST requests paced at `per_second` (see [`RestPace`]).
    pub fn with_rest_rate(mut self, per_second: u32) -> Self {
        self.rest = RestPace::per_second(per_second).counted_in(self.metrics.clone());
        self
    }

    /// The same data with web pages served under `url` (`/dailyq web on` answers with it).
    pub fn with_public_url(mut self, url: Option<&str>) -> Self {
        self.public_url = url.map(Arc::from);
        self
    }

    /// Stops background work (the scheduler) after its current step.
    pub fn stop_background(&self) {
        self.metrics.gateway_down();
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Whether the bot is shutting down.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A new name for reveal leases: the shard range (so a replacement process of the same range
/// knows them) and a random instance id (so two live processes never share one).
fn lease_owner(shards: ShardRange) -> Arc<str> {
    format!("{shards}:{:016x}", rand::random::<u64>()).into()
}

/// The value of a submitted modal's text input (empty when the input is missing).
pub fn modal_value<'a>(submit: &'a serenity::ModalInteraction, input: &str) -> &'a str {
    submit
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(i) if i.custom_id == input => i.value.as_deref(),
            _ => None,
        })
        .unwrap_or("")
}

/// The REST client and cache, for code outside a command.
#[derive(Clone)]
pub struct Discord {
    /// REST.
    pub http: Arc<serenity::Http>,
    /// The gateway cache: only the bot's own user (see [`cache_settings`]).
    pub cache: Arc<serenity::Cache>,
    /// The shared pace of REST requests ([`Data::rest`]).
    pub pace: RestPace,
}

impl Discord {
    /// REST once this request's turn has come under the global limit: every scheduled request
    /// goes through here.
    pub async fn paced(&self) -> &serenity::Http {
        self.pace.ready().await;
        &self.http
    }

    /// Awaits one REST request (made on [`Discord::paced`]) of `route` class (see
    /// [`crate::metrics::ROUTE_CLASSES`]) and counts it by its outcome's status.
    pub async fn call<T>(
        &self,
        route: &'static str,
        request: impl std::future::Future<Output = serenity::Result<T>>,
    ) -> serenity::Result<T> {
        let result = request.await;
        let status = match &result {
            Ok(_) => Some(200),
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(e))) => {
                Some(e.status_code.as_u16())
            }
            Err(_) => None,
        };
        self.pace
            .metrics()
            .rest(route, crate::metrics::status_label(status));
        result
    }
}

/// What serenity tells event handlers only, not the framework: the bot's waits on Discord's
/// rate limits (for every request, interaction replies included) and the changes of a shard's
/// connection stage it reports (for readiness; serenity 0.12 reports none for a connection it
/// resumes, which is counted by the RESUMED that follows).
struct Observer(Arc<crate::metrics::Metrics>);

#[serenity::async_trait]
impl serenity::EventHandler for Observer {
    async fn ratelimit(&self, info: serenity::RatelimitInfo) {
        self.0.ratelimited(&info.path, info.global);
    }

    async fn shard_stage_update(&self, _: serenity::Context, event: serenity::ShardStageUpdateEvent) {
        self.0.shard_stage(
            event.shard_id.0,
            event.new == serenity::ConnectionStage::Connected,
        );
    }
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

/// What serenity's cache keeps: nothing but the bot's own user (always kept). No guilds,
/// channels, users or messages: a cached guild costs about 10 KiB, and dailyq reads only which
/// guilds it knows and their ordinary channels, which [`guilds::GuildIndex`] holds for about
/// 100 bytes. The rare admin command that needs permissions asks Discord.
pub fn cache_settings() -> serenity::cache::Settings {
    let mut settings = serenity::cache::Settings::default();
    settings.max_messages = 0;
    settings.cache_guilds = false;
    settings.cache_channels = false;
    settings.cache_users = false;
    settings
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
    let metrics = data.metrics.clone();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(commands::on_error(error)),
            post_command: |ctx| Box::pin(async move { commands::observe_command(ctx, "ok") }),
            event_handler: |framework, event| {
                Box::pin(async move {
                    let result = events::handle(framework.serenity_context, event, framework.user_data).await;
                    if let serenity::FullEvent::Message { new_message } = event
                        && !new_message.author.bot
                    {
                        framework
                            .user_data
                            .member_messages_handled
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    result
                })
            },
            initialize_owners: false,
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let discord = Discord {
                    http: ctx.http.clone(),
                    cache: ctx.cache.clone(),
                    pace: data.rest.clone(),
                };
                // Before any GUILD_CREATE handler runs (poise holds them until setup is done): the
                // guilds READY lists are not new joins.
                data.guilds.know(ready.guilds.iter().map(|g| g.id.get()));
                guilds::spawn_writer(discord.clone(), data.clone());
                // Votes flow from the first events of this shard on; the writer drains them.
                ingest::load_open_threads(&data).await?;
                ingest::install_collector(ctx, &data);
                ingest::spawn_writer(discord.clone(), data.clone());
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
                // Before the first tick: guilds that removed the bot while it was offline must
                // not get a post attempt.
                events::forget_guilds_left_while_away(&data, ready).await?;
                // Reveals an earlier process of this shard range left half done resume now,
                // not when its leases expire.
                let freed = data
                    .store
                    .reclaim_reveal_leases(&data.lease_prefix(), &data.lease_owner)
                    .await?;
                if freed > 0 {
                    tracing::info!(
                        freed,
                        "took over the reveals a previous process of these shards left"
                    );
                }
                tokio::spawn(scheduler::run(discord, data.clone(), scheduler));
                Ok(data)
            })
        })
        .build();
    serenity::ClientBuilder::new_with_http(http, intents)
        .cache_settings(cache_settings())
        .event_handler(Observer(metrics))
        .framework(framework)
        .await
        .context("cannot build the Discord client")
}

/// How long each start-up attempt to reach Discord may take before it counts as failed.
const REACH_ATTEMPT: Duration = Duration::from_secs(5);
/// The longest wait between two attempts to reach Discord.
const REACH_BACKOFF_CAP: Duration = Duration::from_secs(60);
/// How long the shards get to close their gateway connections after a stop signal.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(2500);
/// How long the database pool gets to close.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Starts the bot and runs until SIGTERM or Ctrl-C (SIGINT), which stop it within a few
/// seconds whatever it is doing: opening the database, waiting for Discord, or running.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Listen first: every later step can block (a database or a Discord that does not answer).
    let mut stop = StopSignal::install().context("cannot listen for SIGTERM and Ctrl-C")?;
    let token = config.require_token()?.clone();
    let Some(store) = stop
        .until(prepare_store(&config.database_url, &config.questions_dir))
        .await
        .transpose()?
    else {
        return Ok(());
    };
    let result = run_on(&config, &token, &store, &mut stop).await;
    if tokio::time::timeout(CLOSE_GRACE, store.close()).await.is_err() {
        tracing::warn!("the database did not close within {CLOSE_GRACE:?}");
    }
    result
}

async fn run_on(config: &Config, token: &Secret, store: &Store, stop: &mut StopSignal) -> anyhow::Result<()> {
    let data = Data::new(store.clone(), Arc::new(SystemClock), config.message_content)
        .with_shards(config.shards.owned())
        .with_rest_rate(config.rest_per_second)
        .with_public_url(config.public_url.as_ref().map(url::Url::as_str));
    if let Some(addr) = config.http_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("DAILYQ_HTTP_ADDR: cannot listen on {addr}"))?;
        tracing::info!(%addr, "HTTP server listening (/healthz, /readyz, /metrics, /g/… web pages)");
        let served = data.clone();
        let stopping = data.clone();
        tokio::spawn(async move {
            let stop = async move {
                while !stopping.is_stopping() {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            };
            if let Err(e) = crate::http::serve(listener, served, stop).await {
                tracing::error!(error = ?e, "the HTTP server stopped");
            }
        });
    }
    // The HTTP server is up before Discord answers, so /readyz can say the gateway is not.
    let http = http_client(config, token);
    let Some(me) = stop.until(reach_discord(&http)).await.transpose()? else {
        return Ok(());
    };
    tracing::info!(user = %me.name, "Discord accepted the token");
    let Some(client) = stop
        .until(build_client(http, data.clone(), SchedulerOptions::default()))
        .await
        .transpose()?
    else {
        return Ok(());
    };
    let mut client = client;
    let shards = client.shard_manager.clone();
    let ended = match config.shards {
        ShardPlan::Auto => stop.until(client.start_autosharded()).await,
        ShardPlan::Range(range) => {
            tracing::info!(shards = %range, "running a range of shards; scheduled work only for their guilds");
            // Serenity's range end is inclusive here (shards `first..=last`).
            stop.until(client.start_shard_range(range.first()..range.last(), range.total()))
                .await
        }
    };
    data.stop_background();
    match ended {
        Some(result) => result.context("the Discord connection failed"),
        None => {
            tokio::select! {
                closed = tokio::time::timeout(SHUTDOWN_GRACE, shards.shutdown_all()) => {
                    if closed.is_err() {
                        tracing::warn!("the gateway did not close within {SHUTDOWN_GRACE:?}; stopping anyway");
                    }
                }
                signal = stop.recv() => {
                    tracing::warn!(signal, "second stop signal: not waiting for the gateway to close");
                }
            }
            tracing::info!("stopped");
            Ok(())
        }
    }
}

/// Checks the token and the way to Discord with `GET /users/@me` before connecting, so that an
/// unreachable Discord is reported within seconds (and retried with a capped backoff) and a
/// rejected token stops start-up with a sentence naming `DISCORD_TOKEN`.
pub async fn reach_discord(http: &serenity::Http) -> anyhow::Result<serenity::CurrentUser> {
    let mut wait = Duration::from_secs(1);
    loop {
        let problem = match tokio::time::timeout(REACH_ATTEMPT, http.get_current_user()).await {
            Ok(Ok(user)) => return Ok(user),
            Ok(Err(e)) => match rounds::api_error(&e) {
                Some((401, _)) => {
                    return Err(crate::config::ConfigError {
                        variable: "DISCORD_TOKEN",
                        problem: "was rejected by Discord (401 Unauthorized): copy the current token from the Bot page of your application in the Discord developer portal".into(),
                    }
                    .into());
                }
                Some((status, code)) if (400..500).contains(&status) && status != 429 => {
                    anyhow::bail!(
                        "Discord refused the start-up check GET /users/@me with HTTP {status} (code {code}); check DISCORD_PROXY_URL if you use a proxy"
                    );
                }
                Some((status, _)) => format!("Discord answered HTTP {status}"),
                None => error_chain(&e),
            },
            Err(_) => format!("no answer within {} s", REACH_ATTEMPT.as_secs()),
        };
        tracing::warn!(
            "cannot reach Discord ({problem}); retrying in {}s",
            wait.as_secs()
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(REACH_BACKOFF_CAP);
    }
}

/// An error and its sources on one line, without repeating a message a wrapper already shows.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            if text.ends_with('.') {
                text.pop();
            }
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// SIGTERM and SIGINT (Ctrl-C), listened to from the first line of [`run`] on.
struct StopSignal {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Starts listening; from now on the signals no longer kill the process on their own.
    fn install() -> std::io::Result<StopSignal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignal {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignal {})
    }

    /// Waits for the next stop signal and returns its name.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }

    /// Runs `work` unless a stop signal comes first (then `None`, and `work` is dropped).
    async fn until<F: std::future::Future>(&mut self, work: F) -> Option<F::Output> {
        tokio::select! {
            out = work => Some(out),
            signal = self.recv() => {
                tracing::info!(signal, "shutting down");
                None
            }
        }
    }
}
