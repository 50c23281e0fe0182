//! What the bot knows of its open answer threads, and the vote ingest: ⬆️ events go, in
//! gateway order, through one bounded queue to one writer task that group-commits them.
//!
//! Serenity spawns a task for every event and handler, so a handler that waits bounds nothing:
//! the tasks themselves pile up. The queue is therefore fed from inside serenity's shard runner
//! (the loop that reads the gateway socket), through a collector callback, which runs for every
//! event in order before the event is dispatched. When the queue is full the callback blocks
//! that loop (`block_in_place`), so the runner stops reading the socket and TCP flow control
//! holds the backlog on the sender's side: memory is bounded by the queue, not by the backlog.

use super::{Data, Discord, render};
use crate::clock::SharedClock;
use crate::domain::votes::{VoteEvent, plan_votes};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use crate::store::MAX_VOTE_BATCH;
use poise::serenity_prelude as serenity;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Vote events queued at most (the writer takes up to [`MAX_VOTE_BATCH`] at a time).
pub const VOTE_QUEUE: usize = 4096;

/// How often a failing batch is tried before it is given up (the reveal's reading of the
/// reaction lists still counts those votes).
const BATCH_ATTEMPTS: u32 = 5;

/// The channels where answers can arrive: threads (and question messages, whose id a thread
/// started from them takes) of rounds that are not finished. Loaded from the store at READY and
/// kept current as rounds open and close. It only spares queries: a thread missing here is
/// looked up in the store (see `events`), and the reveal reads every thread back anyway.
#[derive(Debug, Default)]
pub struct OpenThreads(RwLock<HashSet<u64>>);

impl OpenThreads {
    /// Whether `channel` is an open answer thread as far as this process knows.
    pub fn contains(&self, channel: u64) -> bool {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&channel)
    }

    /// Adds channels.
    pub fn insert(&self, channels: impl IntoIterator<Item = u64>) {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(channels);
    }

    /// Removes channels.
    pub fn remove(&self, channels: impl IntoIterator<Item = u64>) {
        let mut set = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for c in channels {
            set.remove(&c);
        }
    }

    /// Replaces everything with what the store says.
    pub fn replace(&self, channels: impl IntoIterator<Item = u64>) {
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = channels.into_iter().collect();
    }

    /// How many channels are known.
    pub fn len(&self) -> usize {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Loads the open answer threads from the store.
pub(crate) async fn load_open_threads(data: &Data) -> Result<(), crate::store::StoreError> {
    let channels = data.store.unfinished_round_threads().await?;
    data.threads.replace(channels.into_iter().map(|c| c.0));
    Ok(())
}

/// The bounded queue between the gateway and the vote writer.
pub struct VoteQueue {
    tx: mpsc::Sender<VoteEvent>,
    rx: Mutex<Option<mpsc::Receiver<VoteEvent>>>,
    /// The collector generation that is current per shard; older callbacks retire themselves.
    generations: Mutex<HashMap<u32, u64>>,
    next_generation: AtomicU64,
    /// Events the writer has finished with (written, judged out or given up).
    done: AtomicU64,
    /// Vote events a collector has seen whose handler task has not run yet, by (answer, voter,
    /// added). Entries live only between the two, so it holds about as many as tasks in flight.
    collected: Mutex<HashMap<(u64, u64, bool), u32>>,
}

impl std::fmt::Debug for VoteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoteQueue")
            .field("queued", &(VOTE_QUEUE - self.tx.capacity()))
            .field("done", &self.done.load(Ordering::Relaxed))
            .finish()
    }
}

impl Default for VoteQueue {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(VOTE_QUEUE);
        VoteQueue {
            tx,
            rx: Mutex::new(Some(rx)),
            generations: Mutex::new(HashMap::new()),
            next_generation: AtomicU64::new(1),
            done: AtomicU64::new(0),
            collected: Mutex::new(HashMap::new()),
        }
    }
}

impl VoteQueue {
    /// Vote events the writer has finished with since start (a figure for benchmarks).
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    fn mark_collected(&self, vote: &VoteEvent) {
        *self
            .collected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((vote.answer.0, vote.voter.0, vote.added))
            .or_default() += 1;
    }

    /// Whether a collector saw this event (and forgets one sighting).
    fn take_collected(&self, vote: &VoteEvent) -> bool {
        let mut seen = self
            .collected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (vote.answer.0, vote.voter.0, vote.added);
        match seen.get_mut(&key) {
            Some(n) if *n > 1 => {
                *n -= 1;
                true
            }
            Some(_) => {
                seen.remove(&key);
                true
            }
            None => false,
        }
    }

    /// Queues one event from synchronous code in the shard runner, waiting while the queue is
    /// full: the wait is the backpressure.
    fn push_blocking(&self, event: VoteEvent) {
        match self.tx.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(event)) => {
                let handle = tokio::runtime::Handle::current();
                if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                    // The runner's worker hands its other tasks over while it waits.
                    let _ = tokio::task::block_in_place(|| handle.block_on(self.tx.send(event)));
                } else {
                    // A single-threaded runtime cannot block here; queue from a task instead.
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(event).await;
                    });
                }
            }
            // The writer is gone: the bot is stopping.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

fn is_upvote(emoji: &serenity::ReactionType) -> bool {
    matches!(emoji, serenity::ReactionType::Unicode(e) if e == render::UPVOTE)
}

/// Installs the vote collector on the shard runner that delivered `ctx`'s event (call it for
/// every READY: a restarted shard has a new runner). A callback of an earlier READY of the
/// same shard retires itself, so no event is queued twice.
pub(crate) fn install_collector(ctx: &serenity::Context, data: &Data) {
    let shard = ctx.shard_id.0;
    let queue = Arc::clone(&data.votes);
    let generation = queue.next_generation.fetch_add(1, Ordering::SeqCst);
    queue
        .generations
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(shard, generation);
    let threads = Arc::clone(&data.threads);
    let clock: SharedClock = data.clock.clone();
    let cache = Arc::clone(&ctx.cache);
    let callback = move |event: &serenity::Event| -> bool {
        let (reaction, added) = match event {
            serenity::Event::ReactionAdd(e) => (&e.reaction, true),
            serenity::Event::ReactionRemove(e) => (&e.reaction, false),
            _ => return true,
        };
        let current = queue
            .generations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&shard)
            == Some(&generation);
        if !current {
            return false;
        }
        let Some(vote) = vote_event(&cache, reaction, added, clock.now()) else {
            return true;
        };
        queue.mark_collected(&vote);
        // A reaction anywhere but in an open answer thread costs nothing.
        if threads.contains(vote.channel.0) {
            queue.push_blocking(vote);
        }
        true
    };
    ctx.shard
        .add_collector(serenity::CollectorCallback(Box::new(callback)));
}

/// A reaction as a vote event, or `None` when it cannot be a vote: another emoji, no member or
/// guild, or a bot (the bot's own ⬆️ on every answer among them).
fn vote_event(
    cache: &serenity::Cache,
    reaction: &serenity::Reaction,
    added: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<VoteEvent> {
    let (Some(user), Some(guild)) = (reaction.user_id, reaction.guild_id) else {
        return None;
    };
    if !is_upvote(&reaction.emoji) {
        return None;
    }
    // A guild reaction carries its member (and so the bot flag); no user cache is needed.
    let voter_is_bot =
        user == cache.current_user().id || reaction.member.as_ref().is_some_and(|m| m.user.bot);
    if voter_is_bot {
        return None;
    }
    Some(VoteEvent {
        answer: MessageId(reaction.message_id.get()),
        channel: ChannelId(reaction.channel_id.get()),
        guild: GuildId(guild.get()),
        voter: UserId(user.get()),
        voter_is_bot,
        added,
        at,
    })
}

/// The handler's side of a ⬆️ event (serenity dispatches every event to the handlers too, in a
/// task of its own). Usually the collector has taken it already. One it did not see — sent by a
/// new shard runner before its READY handler installed the collector — is queued from here
/// (out of gateway order, which only the few events of that window can be).
pub(crate) async fn on_reaction_event(
    cache: &serenity::Cache,
    data: &Data,
    reaction: &serenity::Reaction,
    added: bool,
) -> Result<(), crate::store::StoreError> {
    let Some(vote) = vote_event(cache, reaction, added, data.clock.now()) else {
        return Ok(());
    };
    if data.votes.take_collected(&vote) {
        return Ok(());
    }
    if !data.threads.contains(vote.channel.0) {
        // Perhaps a thread the index does not hold yet (it loads at READY).
        let round = data.store.round_by_thread(vote.channel).await?;
        if !round.is_some_and(|r| r.state == crate::domain::round::RoundState::Open) {
            return Ok(());
        }
    }
    let _ = data.votes.tx.send(vote).await;
    Ok(())
}

/// Starts the vote writer (once per [`Data`]; later calls do nothing).
pub(crate) fn spawn_writer(discord: Discord, data: Data) {
    let rx = data
        .votes
        .rx
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(rx) = rx {
        tokio::spawn(write_votes(discord, data, rx));
    }
}

/// Takes whatever is queued (up to a batch) and commits it in one transaction, in order.
async fn write_votes(discord: Discord, data: Data, mut rx: mpsc::Receiver<VoteEvent>) {
    let mut batch = Vec::with_capacity(MAX_VOTE_BATCH);
    while rx.recv_many(&mut batch, MAX_VOTE_BATCH).await > 0 {
        write_batch(&discord, &data, &batch).await;
        data.votes.done.fetch_add(batch.len() as u64, Ordering::Relaxed);
        batch.clear();
    }
}

async fn write_batch(discord: &Discord, data: &Data, batch: &[VoteEvent]) {
    let mut answers: Vec<MessageId> = batch.iter().map(|e| e.answer).collect();
    answers.sort_unstable();
    answers.dedup();
    let mut wait = Duration::from_millis(50);
    for attempt in 1..=BATCH_ATTEMPTS {
        match data
            .store
            .apply_votes(&answers, |targets| plan_votes(batch, targets))
            .await
        {
            Ok(plan) => {
                data.metrics.votes(plan.insert.len() as u64);
                for (answer, channel, voter) in plan.self_votes {
                    // Tidy up when allowed to; the vote never counts either way.
                    let discord = discord.clone();
                    tokio::spawn(async move {
                        let upvote = serenity::ReactionType::Unicode(render::UPVOTE.to_owned());
                        if let Err(e) = discord
                            .call(
                                "reactions",
                                discord.paced().await.delete_reaction(
                                    serenity::ChannelId::new(channel.0),
                                    serenity::MessageId::new(answer.0),
                                    serenity::UserId::new(voter.0),
                                    &upvote,
                                ),
                            )
                            .await
                        {
                            tracing::debug!(error = ?e, "could not remove a self-vote reaction (no Manage Messages?)");
                        }
                    });
                }
                return;
            }
            Err(crate::store::StoreError::WritesStopped) => return,
            Err(e) if attempt < BATCH_ATTEMPTS => {
                tracing::warn!(error = ?e, events = batch.len(), attempt, "could not record a batch of votes; retrying");
                tokio::time::sleep(wait).await;
                wait *= 4;
            }
            Err(e) => {
                tracing::error!(error = ?e, events = batch.len(), "gave up recording a batch of votes; the reveal will read them from Discord");
            }
        }
    }
}

// A queued vote event is small, so a full queue stays under a quarter mebibyte (checked when
// compiling).
const _: () = assert!(std::mem::size_of::<VoteEvent>() <= 64);
const _: () = assert!(VOTE_QUEUE * 64 <= 256 * 1024);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_thread_index_follows_rounds_opening_and_closing() {
        let threads = OpenThreads::default();
        threads.insert([1, 2]);
        assert!(threads.contains(1) && threads.contains(2));
        threads.remove([1]);
        assert!(!threads.contains(1) && threads.contains(2));
        threads.replace([3]);
        assert_eq!((threads.len(), threads.contains(3)), (1, true));
    }
}
