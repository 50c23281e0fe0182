//! What an operator watches: Prometheus metrics (through the official `prometheus-client`
//! crate) and the facts readiness is judged on. No label carries a guild, user or channel id.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A label with one low-cardinality value (an event, a job, an outcome).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Event {
    /// Its value.
    pub event: String,
}

/// The labels of a handled interaction.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InteractionLabels {
    /// The command (`dailyq setup`, `leaderboard`…) or `button` / `form`.
    pub command: String,
    /// `ok`, `refused` (a sentence for the user) or `error`.
    pub outcome: String,
}

/// The labels of a REST request the bot made.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RestLabels {
    /// Its route class ([`ROUTE_CLASSES`]).
    pub route: String,
    /// `2xx`, the status of a refusal (`400`, `403`, `404`, `429`, other `4xx`, `5xx`), or `error`
    /// when no response came.
    pub status: String,
}

/// The labels of a wait on Discord's rate limits.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RatelimitLabels {
    /// Its route class ([`ROUTE_CLASSES`]).
    pub route: String,
    /// `global` (the bot's 50 per second) or `route` (one bucket).
    pub scope: String,
}

/// The label of a database statement kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatementLabels {
    /// `select`, `insert`, `update`, `delete`, `begin`, `commit`, … or `other`.
    pub statement: String,
}

/// Every route class a REST request is counted under.
pub const ROUTE_CLASSES: [&str; 7] = [
    "messages",
    "reactions",
    "threads",
    "channels",
    "members",
    "interactions",
    "other",
];

/// The route class of a Discord API path (`/channels/1/messages/2/reactions/…` → `reactions`):
/// ids never become labels.
pub fn route_class(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let has = |word: &str| parts.contains(&word);
    if has("interactions") || has("webhooks") {
        "interactions"
    } else if has("reactions") {
        "reactions"
    } else if has("threads") || has("thread-members") {
        "threads"
    } else if has("messages") {
        "messages"
    } else if has("members") || has("roles") {
        "members"
    } else if has("channels") {
        "channels"
    } else {
        "other"
    }
}

/// The status label of a REST outcome.
pub fn status_label(status: Option<u16>) -> &'static str {
    match status {
        None => "error",
        Some(200..=299) => "2xx",
        Some(400) => "400",
        Some(401) => "401",
        Some(403) => "403",
        Some(404) => "404",
        Some(429) => "429",
        Some(500..=599) => "5xx",
        Some(_) => "4xx",
    }
}

/// The statement label of a SQL text: its first keyword, from a fixed set.
pub fn statement_label(sql: &str) -> &'static str {
    let word = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "select", "insert", "update", "delete", "with", "begin", "commit", "rollback", "create", "alter",
        "pragma",
    ]
    .into_iter()
    .find(|k| *k == word)
    .unwrap_or("other")
}

/// The label of a scheduler job kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Job {
    /// `post` or `reveal`.
    pub job: String,
}

fn query_histogram() -> Histogram {
    // 0.1 ms to about 3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

/// Histograms of statement latency by statement kind.
type QueryFamily = Family<StatementLabels, Histogram, fn() -> Histogram>;

/// Statement latency, for the whole process: sqlx reports every statement as a tracing event
/// (see [`crate::telemetry`]), whichever store ran it.
fn query_seconds() -> &'static QueryFamily {
    static FAMILY: std::sync::OnceLock<QueryFamily> = std::sync::OnceLock::new();
    FAMILY.get_or_init(|| Family::new_with_constructor(query_histogram))
}

/// A database statement of `statement` kind ([`statement_label`]) took `seconds`.
pub fn observe_query(statement: &'static str, seconds: f64) {
    query_seconds()
        .get_or_create(&StatementLabels {
            statement: statement.to_owned(),
        })
        .observe(seconds);
}

fn latency_histogram() -> Histogram {
    // 5 ms to about 20 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

/// The bot's metrics and readiness facts, shared by every part of the process.
pub struct Metrics {
    registry: Registry,
    rounds: Family<Event, Counter>,
    answers: Counter,
    votes: Counter,
    interactions: Family<InteractionLabels, Counter>,
    interaction_seconds: Family<InteractionLabels, Histogram, fn() -> Histogram>,
    scheduler_lag: Family<Job, Gauge<f64, AtomicU64>>,
    gateway: Family<Event, Counter>,
    rest: Family<RestLabels, Counter>,
    ratelimits: Family<RatelimitLabels, Counter>,
    /// Each shard this process runs: whether its gateway connection is up.
    shards_up: std::sync::Mutex<std::collections::BTreeMap<u32, bool>>,
    started: Instant,
    /// Milliseconds since `started` of the scheduler's last tick (0: none yet).
    last_tick_ms: AtomicU64,
    /// Scheduler ticks that found nothing due and no job in flight.
    idle_ticks: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Fresh metrics, registered under the `dailyq` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("dailyq");
        let rounds = Family::<Event, Counter>::default();
        registry.register(
            "rounds",
            "Rounds by event: posted, revealed, skipped (missed their window), failed (a step failed; retried)",
            rounds.clone(),
        );
        let answers = Counter::default();
        registry.register("answers_recorded", "Answers recorded", answers.clone());
        let votes = Counter::default();
        registry.register(
            "votes_recorded",
            "Upvotes applied by the vote writer",
            votes.clone(),
        );
        let interactions = Family::<InteractionLabels, Counter>::default();
        registry.register(
            "interactions",
            "Interactions handled, by command and outcome",
            interactions.clone(),
        );
        let interaction_seconds =
            Family::<InteractionLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "interaction_seconds",
            "Time from an interaction's creation (Discord's clock) to the end of its handling",
            interaction_seconds.clone(),
        );
        let scheduler_lag = Family::<Job, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "scheduler_lag_seconds",
            "How late the last due post and reveal were handled, in seconds",
            scheduler_lag.clone(),
        );
        let gateway = Family::<Event, Counter>::default();
        registry.register(
            "gateway_sessions",
            "Gateway sessions: ready (a new session; after each shard's first, a reconnect) and resumed (a dropped connection resumed)",
            gateway.clone(),
        );
        let rest = Family::<RestLabels, Counter>::default();
        registry.register(
            "rest_requests",
            "REST requests the bot made on its own (posts, threads, reactions, reveals, roles), by route class and status; interaction replies are counted as interactions",
            rest.clone(),
        );
        let ratelimits = Family::<RatelimitLabels, Counter>::default();
        registry.register(
            "rest_ratelimited",
            "Times a REST request waited on Discord's rate limits (a 429, or a bucket known to be empty), by route class and scope",
            ratelimits.clone(),
        );
        registry.register(
            "db_query_seconds",
            "Database statement latency of the whole process, by statement kind",
            query_seconds().clone(),
        );
        Metrics {
            registry,
            rest,
            ratelimits,
            rounds,
            answers,
            votes,
            interactions,
            interaction_seconds,
            scheduler_lag,
            gateway,
            shards_up: std::sync::Mutex::default(),
            started: Instant::now(),
            last_tick_ms: AtomicU64::new(0),
            idle_ticks: AtomicU64::new(0),
        }
    }

    /// A round event: `posted`, `revealed`, `skipped` or `failed`.
    pub fn round(&self, event: &str) {
        self.rounds
            .get_or_create(&Event {
                event: event.to_owned(),
            })
            .inc();
    }

    /// An answer was recorded.
    pub fn answer(&self) {
        self.answers.inc();
    }

    /// `n` upvotes were applied.
    pub fn votes(&self, n: u64) {
        self.votes.inc_by(n);
    }

    /// An interaction was handled, with its outcome and its latency.
    pub fn interaction(&self, command: &str, outcome: &str, latency: Duration) {
        let labels = InteractionLabels {
            command: command.to_owned(),
            outcome: outcome.to_owned(),
        };
        self.interactions.get_or_create(&labels).inc();
        self.interaction_seconds
            .get_or_create(&labels)
            .observe(latency.as_secs_f64());
    }

    /// A REST request ended: its route class and status label ([`status_label`]).
    pub fn rest(&self, route: &str, status: &str) {
        self.rest
            .get_or_create(&RestLabels {
                route: route.to_owned(),
                status: status.to_owned(),
            })
            .inc();
    }

    /// A REST request waited on a rate limit on `path`.
    pub fn ratelimited(&self, path: &str, global: bool) {
        self.ratelimits
            .get_or_create(&RatelimitLabels {
                route: route_class(path).to_owned(),
                scope: if global { "global" } else { "route" }.to_owned(),
            })
            .inc();
    }

    /// How late a due job of `job` kind was handled.
    pub fn lag(&self, job: &str, seconds: f64) {
        self.scheduler_lag
            .get_or_create(&Job { job: job.to_owned() })
            .set(seconds.max(0.0));
    }

    /// A gateway session of `shard` began (`ready`) or resumed (`resumed`): it is connected.
    pub fn gateway_session(&self, shard: u32, event: &str) {
        self.gateway
            .get_or_create(&Event {
                event: event.to_owned(),
            })
            .inc();
        self.set_shard_up(shard, true);
    }

    /// A shard's connection stage changed, as serenity reports it: `up` when it is connected.
    pub fn shard_stage(&self, shard: u32, up: bool) {
        self.set_shard_up(shard, up);
    }

    fn set_shard_up(&self, shard: u32, up: bool) {
        self.shards().insert(shard, up);
    }

    fn shards(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<u32, bool>> {
        self.shards_up
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The process is stopping: no shard is connected any more.
    pub fn gateway_down(&self) {
        self.shards().values_mut().for_each(|up| *up = false);
    }

    /// Whether the gateway is connected: every shard this process has heard of is.
    pub fn gateway_up(&self) -> bool {
        let shards = self.shards();
        !shards.is_empty() && shards.values().all(|up| *up)
    }

    /// The scheduler ticked.
    pub fn tick(&self) {
        let ms = self.started.elapsed().as_millis().max(1) as u64;
        self.last_tick_ms.store(ms, Ordering::SeqCst);
    }

    /// A tick found nothing due, every read answered, and no job was in flight.
    pub fn idle_tick(&self) {
        self.idle_ticks.fetch_add(1, Ordering::SeqCst);
    }

    /// How many ticks were idle so far. Once two more than at some instant have been, a whole
    /// tick began after that instant and found the scheduler with nothing to do: what tests
    /// wait for before saying that something did *not* happen.
    pub fn idle_ticks(&self) -> u64 {
        self.idle_ticks.load(Ordering::SeqCst)
    }

    /// How long ago the scheduler last ticked, if it has.
    pub fn since_tick(&self) -> Option<Duration> {
        match self.last_tick_ms.load(Ordering::SeqCst) {
            0 => None,
            ms => Some(self.started.elapsed().saturating_sub(Duration::from_millis(ms))),
        }
    }

    /// The metrics in the Prometheus (OpenMetrics) text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("encoding metrics into a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_move_and_render_as_prometheus_text_without_ids() {
        let m = Metrics::new();
        m.round("posted");
        m.round("posted");
        m.answer();
        m.votes(3);
        m.interaction("leaderboard", "ok", Duration::from_millis(40));
        m.lag("post", 1.5);
        m.gateway_session(0, "ready");
        let text = m.render();
        assert!(text.contains("dailyq_rounds_total{event=\"posted\"} 2"), "{text}");
        assert!(text.contains("dailyq_answers_recorded_total 1"), "{text}");
        assert!(text.contains("dailyq_votes_recorded_total 3"), "{text}");
        assert!(
            text.contains("dailyq_scheduler_lag_seconds{job=\"post\"} 1.5"),
            "{text}"
        );
        assert!(
            text.contains("dailyq_interaction_seconds_count{command=\"leaderboard\",outcome=\"ok\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("dailyq_interactions_total{command=\"leaderboard\",outcome=\"ok\"} 1"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
        assert!(m.gateway_up());
    }

    #[test]
    fn the_gateway_is_up_only_while_every_shard_is() {
        let m = Metrics::new();
        m.gateway_session(0, "ready");
        m.gateway_session(1, "ready");
        assert!(m.gateway_up());
        m.shard_stage(1, false);
        assert!(!m.gateway_up(), "one shard down is not ready");
        m.gateway_session(1, "resumed");
        assert!(m.gateway_up());
        m.gateway_down();
        assert!(!m.gateway_up());
        let text = m.render();
        assert!(
            text.contains("dailyq_gateway_sessions_total{event=\"resumed\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn routes_statuses_and_statements_become_a_few_fixed_labels() {
        assert_eq!(route_class("/channels/123/messages"), "messages");
        assert_eq!(
            route_class("/channels/123/messages/456/reactions/%E2%AC%86/@me"),
            "reactions"
        );
        assert_eq!(route_class("/channels/123/messages/456/threads"), "threads");
        assert_eq!(route_class("/channels/123/thread-members/9"), "threads");
        assert_eq!(route_class("/guilds/1/members/2/roles/3"), "members");
        assert_eq!(route_class("/interactions/1/tok/callback"), "interactions");
        assert_eq!(route_class("/webhooks/1/tok/messages/@original"), "interactions");
        assert_eq!(route_class("/channels/123"), "channels");
        assert_eq!(route_class("/users/@me"), "other");
        for path in ["/channels/1/messages", "/x/2", ""] {
            assert!(ROUTE_CLASSES.contains(&route_class(path)));
        }
        assert_eq!(status_label(Some(204)), "2xx");
        assert_eq!(status_label(Some(429)), "429");
        assert_eq!(status_label(Some(418)), "4xx");
        assert_eq!(status_label(Some(502)), "5xx");
        assert_eq!(status_label(None), "error");
        assert_eq!(statement_label("  SELECT 1"), "select");
        assert_eq!(statement_label("insert into x"), "insert");
        assert_eq!(statement_label("VACUUM"), "other");
        let m = Metrics::new();
        m.rest("messages", "2xx");
        m.ratelimited("/channels/1/messages", false);
        observe_query(statement_label("SELECT 1"), 0.002);
        let text = m.render();
        assert!(
            text.contains("dailyq_rest_requests_total{route=\"messages\",status=\"2xx\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("dailyq_rest_ratelimited_total{route=\"messages\",scope=\"route\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("dailyq_db_query_seconds_count{statement=\"select\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn readiness_facts_start_unknown() {
        let m = Metrics::new();
        assert!(!m.gateway_up());
        assert_eq!(m.since_tick(), None);
        m.tick();
        assert!(m.since_tick().unwrap() < Duration::from_secs(5));
    }
}
