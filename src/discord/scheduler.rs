//! The scheduler: due posts and reveals come from the database on every tick, so a restart, a
//! second process or a lost timer never loses or repeats one.
//!
//! Each tick turns what is due into jobs, one task per channel, run side by side (a bounded
//! number at once, and a bounded number per guild): a channel whose reveal hangs or keeps failing
//! never delays another channel, and a guild whose requests hang never holds more than its share
//! of the slots, so it never delays another guild. Channels start in turns across guilds, so a
//! guild with a thousand due channels does not make a small guild wait behind all of them.
//! Every REST request waits for its turn under the global limit ([`super::pace`]).
//! A failing job is retried with capped exponential backoff and jitter, per job, so nothing
//! spins; the backoff is pacing only (kept in memory), every state change is still guarded in
//! the database.

use super::rounds::{self, StartOutcome};
use super::sessions;
use super::{Data, Discord};
use crate::domain::retry::Backoff;
use crate::domain::round::{ChannelSchedule, Round, RoundKind};
use crate::domain::{ChannelId, GuildId};
use crate::store::SessionProgress;
use rand::Rng;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How the scheduler paces itself.
#[derive(Debug, Clone, Copy)]
pub struct SchedulerOptions {
    /// Longest sleep between two ticks (the next due instant is usually sooner).
    pub max_sleep: Duration,
    /// Retry spacing of a failing post or reveal.
    pub backoff: Backoff,
    /// Channels worked on at once.
    pub parallel_channels: usize,
    /// Channels of one guild worked on at once (below `parallel_channels`, so a guild whose
    /// requests hang leaves slots to the others).
    pub per_guild_channels: usize,
    /// Shortest time between two ticks. Every finished job wakes the scheduler; during a
    /// fan-out of a thousand channels, ticking on each wake would re-read a thousand due rows a
    /// thousand times.
    pub min_tick_gap: Duration,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        SchedulerOptions {
            max_sleep: Duration::from_secs(30),
            backoff: Backoff {
                base: Duration::from_secs(2),
                cap: Duration::from_secs(300),
            },
            parallel_channels: 32,
            per_guild_channels: 16,
            min_tick_gap: Duration::from_millis(100),
        }
    }
}

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Job {
    /// Reveal a round past its deadline (or publish a blind round's answers first).
    Reveal(i64),
    /// Finish posting a claimed round (a crash or failure left it half done).
    Publish(i64),
    /// Make a schedule's due post.
    Post(ChannelId),
    /// Ask a practice session's next question, or post its scoreboard.
    Session(i64),
    /// Make a guild's due mock-interview pairing, or finish one.
    Pairing(GuildId),
    /// Post a round's reminder.
    Remind(i64),
    /// Recap a guild's finished season.
    Season(GuildId),
}

/// What a job needs, loaded by the tick.
#[derive(Debug, Clone)]
enum Work {
    Reveal(Round),
    Publish(Round),
    Post(ChannelSchedule),
    Session(SessionProgress),
    Pairing(GuildId),
    Remind(Round),
    Season(GuildId),
}

impl Work {
    fn guild(&self) -> GuildId {
        match self {
            Work::Reveal(r) | Work::Publish(r) | Work::Remind(r) => r.guild_id,
            Work::Post(s) => s.guild_id,
            Work::Session(p) => p.session.guild_id,
            Work::Pairing(g) | Work::Season(g) => *g,
        }
    }

    fn job(&self) -> Job {
        match self {
            Work::Reveal(r) => Job::Reveal(r.id),
            Work::Publish(r) => Job::Publish(r.id),
            Work::Post(s) => Job::Post(s.channel_id),
            Work::Session(p) => Job::Session(p.session.id),
            Work::Pairing(g) => Job::Pairing(*g),
            Work::Remind(r) => Job::Remind(r.id),
            Work::Season(g) => Job::Season(*g),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failing {
    failures: u32,
    retry_at: Instant,
}

/// The scheduler's memory between ticks: which channels are being worked on and which jobs are
/// waiting out a backoff.
#[derive(Debug, Default)]
struct Pace {
    busy: HashSet<ChannelId>,
    failing: HashMap<Job, Failing>,
    /// Each guild's share of the slots (dropped when no task holds it).
    guilds: HashMap<GuildId, Arc<tokio::sync::Semaphore>>,
}

/// Runs ticks until the bot stops. In-flight jobs are dropped when it returns.
pub async fn run(discord: Discord, data: Data, options: SchedulerOptions) {
    let pace = Arc::new(Mutex::new(Pace::default()));
    let limit = Arc::new(tokio::sync::Semaphore::new(options.parallel_channels.max(1)));
    let mut jobs = tokio::task::JoinSet::new();
    while !data.is_stopping() {
        let ticked = Instant::now();
        let quiet = tick(&discord, &data, &pace, &limit, options, &mut jobs).await;
        // Reap finished tasks so the set does not grow.
        while jobs.try_join_next().is_some() {}
        if quiet && jobs.is_empty() {
            data.metrics.idle_tick();
        }
        let sleep = next_sleep(&data, &pace, options).await;
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = data.wake.notified() => {}
        }
        // Wakes that come together (jobs finishing one after another) make one tick.
        tokio::time::sleep_until(ticked + options.min_tick_gap).await;
    }
    jobs.abort_all();
}

async fn next_sleep(data: &Data, pace: &Mutex<Pace>, options: SchedulerOptions) -> Duration {
    let now = data.clock.now();
    let next_post = data.store.earliest_next_post_after(now).await.ok().flatten();
    let next_reveal = data.store.earliest_reveal_after(now).await.ok().flatten();
    let next_pairing = data.store.earliest_pairing_after(now).await.ok().flatten();
    let next_reminder = data.store.earliest_reminder_after(now).await.ok().flatten();
    let next_recap = data.store.earliest_recap_after(now).await.ok().flatten();
    let next_publish = data.store.earliest_publish_after(now).await.ok().flatten();
    let due = [
        next_post,
        next_reveal,
        next_pairing,
        next_reminder,
        next_recap,
        next_publish,
    ]
    .into_iter()
    .flatten()
    .min()
    .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO));
    let retry = {
        let pace = lock(pace);
        pace.failing
            .values()
            .map(|f| f.retry_at.saturating_duration_since(Instant::now()))
            .min()
    };
    [due, retry]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(options.max_sleep)
        .min(options.max_sleep)
}

/// Reads what is due and starts a task for every channel that has work, is not already being
/// worked on and is not waiting out a backoff; says whether nothing at all was due (and every
/// read answered). Within a channel, reveals come first (so its old
/// round closes before its new one opens), then recovery of half-done posts, then the due post,
/// then a practice session's next step.
async fn tick(
    discord: &Discord,
    data: &Data,
    pace: &Arc<Mutex<Pace>>,
    limit: &Arc<tokio::sync::Semaphore>,
    options: SchedulerOptions,
    jobs: &mut tokio::task::JoinSet<()>,
) -> bool {
    let now = data.clock.now();
    data.metrics.tick();
    let mut read_failed = false;
    let mut by_channel: BTreeMap<ChannelId, Vec<Work>> = BTreeMap::new();
    for r in due(data.store.due_reveals(now).await, "due reveals", &mut read_failed) {
        by_channel.entry(r.channel_id).or_default().push(Work::Reveal(r));
    }
    // A blind round whose answers are due to be published moves on through the same job as its
    // reveal (`rounds::reveal` publishes first), once per tick.
    for r in due(
        data.store.due_publishes(now).await,
        "due publishes",
        &mut read_failed,
    ) {
        let work = by_channel.entry(r.channel_id).or_default();
        if !work.iter().any(|w| w.job() == Job::Reveal(r.id)) {
            work.push(Work::Reveal(r));
        }
    }
    let half_done = async {
        let mut rounds = data.store.pending_rounds().await?;
        rounds.extend(data.store.open_rounds_without_thread().await?);
        anyhow::Ok(rounds)
    };
    for r in due(half_done.await, "half-done rounds", &mut read_failed) {
        by_channel.entry(r.channel_id).or_default().push(Work::Publish(r));
    }
    for s in due(
        data.store.due_schedules(now).await,
        "due schedules",
        &mut read_failed,
    ) {
        by_channel.entry(s.channel_id).or_default().push(Work::Post(s));
    }
    // Practice sessions last: a session's question revealed in this pass is seen by the next
    // tick (every finished job wakes the scheduler), which asks the next one.
    for p in due(
        data.store.sessions_to_advance().await,
        "practice sessions",
        &mut read_failed,
    )
    .into_iter()
    .filter(sessions::has_work)
    {
        by_channel
            .entry(p.session.channel_id)
            .or_default()
            .push(Work::Session(p));
    }
    for r in due(
        data.store.due_reminders(now).await,
        "due reminders",
        &mut read_failed,
    ) {
        by_channel.entry(r.channel_id).or_default().push(Work::Remind(r));
    }
    for (guild, channel) in due(
        data.store.season_work(now).await,
        "season recaps",
        &mut read_failed,
    ) {
        by_channel.entry(channel).or_default().push(Work::Season(guild));
    }
    for (guild, channel) in due(
        data.store.pairing_work(now).await,
        "mock-interview pairings",
        &mut read_failed,
    ) {
        by_channel.entry(channel).or_default().push(Work::Pairing(guild));
    }

    let quiet = !read_failed && by_channel.is_empty();
    let ready = Instant::now();
    {
        // Forget the backoff of work that is no longer due (done elsewhere, or gone).
        let due: HashSet<Job> = by_channel.values().flatten().map(Work::job).collect();
        lock(pace).failing.retain(|job, _| due.contains(job));
    }
    let mut ready_work = Vec::new();
    for (channel, work) in by_channel {
        let mut p = lock(pace);
        if p.busy.contains(&channel) {
            continue;
        }
        let work: Vec<Work> = work
            .into_iter()
            .filter(|w| p.failing.get(&w.job()).is_none_or(|f| f.retry_at <= ready))
            .collect();
        let Some(guild) = work.first().map(Work::guild) else {
            continue;
        };
        p.busy.insert(channel);
        ready_work.push((guild, (channel, work)));
    }
    let guild_limits = {
        let mut p = lock(pace);
        p.guilds.retain(|_, s| Arc::strong_count(s) > 1);
        let mut limits = HashMap::new();
        for (guild, _) in &ready_work {
            let per_guild = options.per_guild_channels.max(1);
            let s = p
                .guilds
                .entry(*guild)
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(per_guild)));
            limits.insert(*guild, s.clone());
        }
        limits
    };
    for (guild, (channel, work)) in in_turns_by_guild(ready_work) {
        let guild_limit = guild_limits[&guild].clone();
        let (discord, data, pace, limit) = (discord.clone(), data.clone(), pace.clone(), limit.clone());
        jobs.spawn(async move {
            // Frees the channel however the task ends (even by a panic or an abort).
            let busy = Busy {
                pace: pace.clone(),
                channel,
            };
            // The guild's share first, so a guild whose requests hang waits on its own share
            // without holding the others' slots.
            let _guild_permit = guild_limit.acquire_owned().await;
            let _permit = limit.acquire_owned().await;
            for w in work {
                if data.is_stopping() {
                    break;
                }
                let job = w.job();
                let result = perform(&discord, &data, w).await;
                let mut p = lock(&pace);
                match result {
                    Ok(()) => {
                        p.failing.remove(&job);
                    }
                    Err(e) => {
                        let failures = p.failing.get(&job).map_or(0, |f| f.failures) + 1;
                        let jitter = rand::rng().random_range(0.5..=1.0);
                        let wait = options.backoff.delay(failures, jitter);
                        tracing::error!(error = ?e, ?job, failures, retry_in = ?wait, "scheduled work failed; will retry");
                        p.failing.insert(
                            job,
                            Failing {
                                failures,
                                retry_at: Instant::now() + wait,
                            },
                        );
                    }
                }
            }
            // Look again: the channel may have more work, and the next sleep may be shorter.
            drop(busy);
            data.wake.notify_one();
        });
    }
    quiet
}

/// What a read of due work returned; nothing after a failed read, which is logged and noted in
/// `failed` (a tick with a failed read cannot say that nothing was due).
fn due<T: Default, E: std::fmt::Debug>(read: Result<T, E>, what: &str, failed: &mut bool) -> T {
    read.unwrap_or_else(|e| {
        *failed = true;
        tracing::error!(error = ?e, "cannot read {what}; will retry");
        T::default()
    })
}

/// Orders work in turns across guilds: the first channel of each guild, then the second of each,
/// and so on (guilds in the order they first appear), so no guild waits behind another's backlog.
fn in_turns_by_guild<T>(items: Vec<(GuildId, T)>) -> Vec<(GuildId, T)> {
    let mut queues: Vec<(GuildId, std::collections::VecDeque<T>)> = Vec::new();
    let mut index: HashMap<GuildId, usize> = HashMap::new();
    for (guild, item) in items {
        let i = *index.entry(guild).or_insert_with(|| {
            queues.push((guild, std::collections::VecDeque::new()));
            queues.len() - 1
        });
        queues[i].1.push_back(item);
    }
    let mut out = Vec::new();
    while !queues.is_empty() {
        for (guild, q) in &mut queues {
            if let Some(item) = q.pop_front() {
                out.push((*guild, item));
            }
        }
        queues.retain(|(_, q)| !q.is_empty());
    }
    out
}

/// The scheduler's memory; a panic elsewhere never makes it unusable.
fn lock(pace: &Mutex<Pace>) -> std::sync::MutexGuard<'_, Pace> {
    pace.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Marks a channel as worked on until dropped.
struct Busy {
    pace: Arc<Mutex<Pace>>,
    channel: ChannelId,
}

impl Drop for Busy {
    fn drop(&mut self) {
        lock(&self.pace).busy.remove(&self.channel);
    }
}

async fn perform(discord: &Discord, data: &Data, work: Work) -> anyhow::Result<()> {
    let now = data.clock.now();
    let seconds = |due: chrono::DateTime<chrono::Utc>| (now - due).num_milliseconds() as f64 / 1000.0;
    let round_job = matches!(work, Work::Reveal(_) | Work::Publish(_) | Work::Post(_));
    match &work {
        // A blind round is due first at its answer deadline (to publish), then at its reveal.
        Work::Reveal(round) => {
            let due = if round.published_at.is_none() {
                round.answer_deadline()
            } else {
                round.closes_at
            };
            data.metrics.lag("reveal", seconds(due));
        }
        Work::Post(schedule) => data.metrics.lag("post", seconds(schedule.next_post_at)),
        _ => {}
    }
    let result = perform_work(discord, data, work).await;
    if result.is_err() && round_job {
        data.metrics.round("failed");
    }
    result
}

async fn perform_work(discord: &Discord, data: &Data, work: Work) -> anyhow::Result<()> {
    match work {
        Work::Reveal(round) => rounds::advance(discord, data, &round).await,
        Work::Publish(round) => {
            // Only the daily question mentions the schedule's role.
            let ping = match round.kind {
                RoundKind::Daily => data
                    .store
                    .schedule(round.channel_id)
                    .await?
                    .and_then(|s| s.ping_role),
                RoundKind::Practice { .. } => None,
            };
            rounds::publish(discord, data, &round, ping).await
        }
        Work::Post(schedule) => post_due(discord, data, &schedule).await,
        Work::Session(progress) => sessions::advance(discord, data, &progress).await,
        Work::Pairing(guild) => super::pairing::run(discord, data, guild).await,
        Work::Remind(round) => super::reminders::remind(discord, data, &round).await,
        Work::Season(guild) => super::seasons::run(discord, data, guild).await,
    }
}

/// Makes a schedule's due post and moves the schedule on, but only once the day's round is
/// claimed or decisively skipped: a failure before the claim (the database, say) leaves the
/// schedule where it is, so the post is retried instead of lost.
async fn post_due(discord: &Discord, data: &Data, schedule: &ChannelSchedule) -> anyhow::Result<()> {
    let now = data.clock.now();
    let next = schedule.post_time.next_after(now);
    let advance = || async {
        data.store
            .advance_schedule(schedule.channel_id, schedule.next_post_at, next.at)
            .await
    };
    let Some(post) = schedule.due_post(now) else {
        tracing::warn!(
            channel = %schedule.channel_id,
            due = %schedule.next_post_at,
            "a scheduled post was missed beyond its answer window (the bot was down); skipping it"
        );
        advance().await?;
        return Ok(());
    };
    match rounds::start_round(discord, data, schedule, Some(post)).await {
        Ok(StartOutcome::Posted(_) | StartOutcome::AlreadyExists(_)) => {}
        Ok(StartOutcome::NoQuestion) => {
            tracing::error!(channel = %schedule.channel_id, "no question matches this channel's category and difficulty filter; skipping today's post");
        }
        Err(e) => {
            // Claimed: the round is recovered (or skipped) from the database; the day is safe.
            if data
                .store
                .round_on(schedule.channel_id, post.date)
                .await?
                .is_some()
            {
                advance().await?;
            }
            return Err(e.context(format!("scheduled post in channel {}", schedule.channel_id)));
        }
    }
    advance().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_starts_in_turns_across_guilds_keeping_each_guilds_order() {
        let (big, small, other) = (GuildId(1), GuildId(2), GuildId(3));
        let items = vec![
            (big, "b1"),
            (big, "b2"),
            (big, "b3"),
            (small, "s1"),
            (big, "b4"),
            (other, "o1"),
            (small, "s2"),
        ];
        let order: Vec<&str> = in_turns_by_guild(items).into_iter().map(|(_, i)| i).collect();
        assert_eq!(order, ["b1", "s1", "o1", "b2", "s2", "b3", "b4"]);
    }
}
