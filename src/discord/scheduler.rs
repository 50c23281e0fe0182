//! The scheduler: due posts and reveals come from the database on every tick, so a restart, a
//! second process or a lost timer never loses or repeats one.

use super::rounds::{self, StartOutcome};
use super::{Data, Discord};
use std::time::Duration;

/// How the scheduler paces itself.
#[derive(Debug, Clone, Copy)]
pub struct SchedulerOptions {
    /// Longest sleep between two ticks (the next due instant is usually sooner).
    pub max_sleep: Duration,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        SchedulerOptions {
            max_sleep: Duration::from_secs(30),
        }
    }
}

/// What one tick did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Rounds revealed.
    pub revealed: usize,
    /// Rounds posted on schedule.
    pub posted: usize,
    /// Rounds recovered (pending or without thread).
    pub recovered: usize,
    /// Scheduled posts skipped because their answer window had passed.
    pub missed: usize,
    /// Steps that failed (logged).
    pub failed: usize,
}

/// Runs ticks until the bot stops.
pub async fn run(discord: Discord, data: Data, options: SchedulerOptions) {
    while !data.is_stopping() {
        let report = tick(&discord, &data).await;
        if report != TickReport::default() {
            tracing::debug!(?report, "scheduler tick");
        }
        let sleep = next_sleep(&data, options).await;
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = data.wake.notified() => {}
        }
    }
}

async fn next_sleep(data: &Data, options: SchedulerOptions) -> Duration {
    let now = data.clock.now();
    let next_post = data.store.earliest_next_post().await.ok().flatten();
    let next_reveal = data.store.earliest_reveal().await.ok().flatten();
    [next_post, next_reveal]
        .into_iter()
        .flatten()
        .min()
        .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO))
        .unwrap_or(options.max_sleep)
        .min(options.max_sleep)
}

/// Does everything that is due now: reveals first (so a channel's old round closes before its
/// new one opens), then recovery of half-done posts, then scheduled posts.
pub async fn tick(discord: &Discord, data: &Data) -> TickReport {
    let mut report = TickReport::default();
    let now = data.clock.now();

    match data.store.due_reveals(now).await {
        Ok(rounds) => {
            for round in rounds {
                match rounds::reveal(discord, data, &round).await {
                    Ok(()) => report.revealed += 1,
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(error = ?e, round = round.id, "reveal failed; will retry");
                    }
                }
            }
        }
        Err(e) => {
            report.failed += 1;
            tracing::error!(error = ?e, "cannot read due reveals");
        }
    }

    let half_done = async {
        let mut rounds = data.store.pending_rounds().await?;
        rounds.extend(data.store.open_rounds_without_thread().await?);
        anyhow::Ok(rounds)
    };
    match half_done.await {
        Ok(rounds) => {
            for round in rounds {
                let ping = match data.store.schedule(round.channel_id).await {
                    Ok(s) => s.and_then(|s| s.ping_role),
                    Err(_) => None,
                };
                match rounds::publish(discord, data, &round, ping).await {
                    Ok(()) => report.recovered += 1,
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(error = ?e, round = round.id, "posting a claimed round failed");
                    }
                }
            }
        }
        Err(e) => {
            report.failed += 1;
            tracing::error!(error = ?e, "cannot read half-done rounds");
        }
    }

    let due = match data.store.due_schedules(now).await {
        Ok(due) => due,
        Err(e) => {
            report.failed += 1;
            tracing::error!(error = ?e, "cannot read due schedules");
            return report;
        }
    };
    for schedule in due {
        let next = schedule.post_time.next_after(now);
        let occurrence = schedule.post_time.latest_at_or_before(now);
        match occurrence {
            Some(post) if now < post.at + schedule.answer_window.duration() => {
                match rounds::start_round(discord, data, &schedule, Some(post)).await {
                    Ok(StartOutcome::Posted(_)) => report.posted += 1,
                    Ok(StartOutcome::AlreadyExists(_)) => {}
                    Ok(StartOutcome::NoQuestion) => {
                        report.failed += 1;
                        tracing::error!(channel = %schedule.channel_id, "no question matches this channel's category and difficulty filter");
                    }
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(error = ?e, channel = %schedule.channel_id, "scheduled post failed");
                    }
                }
            }
            _ => {
                report.missed += 1;
                tracing::warn!(
                    channel = %schedule.channel_id,
                    due = %schedule.next_post_at,
                    "a scheduled post was missed beyond its answer window (the bot was down); skipping it"
                );
            }
        }
        if let Err(e) = data
            .store
            .advance_schedule(schedule.channel_id, schedule.next_post_at, next.at)
            .await
        {
            report.failed += 1;
            tracing::error!(error = ?e, channel = %schedule.channel_id, "cannot advance the schedule");
        }
    }
    report
}
