//! Practice sessions: a run of practice rounds in a channel, asked back to back on the round
//! engine, then a scoreboard. The scheduler moves every running session on from the database
//! (`Store::sessions_to_advance`), so a restart resumes a session where it was: an open question
//! keeps its deadline, a claimed one is posted once, and the scoreboard is posted once.

use super::render;
use super::rounds::{self, RoundRequest, StartOutcome};
use super::{Data, Discord};
use crate::domain::MessageId;
use crate::domain::practice::{PracticeSession, SessionStep, best_answer, next_step, session_table};
use crate::domain::round::RoundKind;
use crate::store::SessionProgress;
use poise::serenity_prelude as serenity;

/// Whether the scheduler has something to do for this session now.
pub fn has_work(progress: &SessionProgress) -> bool {
    step(progress) != SessionStep::Wait
}

fn step(progress: &SessionProgress) -> SessionStep {
    next_step(
        progress.session.plan.questions,
        progress.asked,
        progress.unfinished,
    )
}

/// Moves a session on: asks its next question, or posts its scoreboard and ends it. Safe to
/// repeat after any failure or crash.
pub async fn advance(discord: &Discord, data: &Data, progress: &SessionProgress) -> anyhow::Result<()> {
    let session = &progress.session;
    match step(progress) {
        SessionStep::Wait => Ok(()),
        SessionStep::Ask(seq) => ask(discord, data, session, seq).await,
        SessionStep::Finish => finish(discord, data, session).await,
    }
}

async fn ask(discord: &Discord, data: &Data, session: &PracticeSession, seq: u32) -> anyhow::Result<()> {
    let now = data.clock.now();
    let settings = data.store.ensure_guild(session.guild_id, now).await?;
    let request = RoundRequest {
        guild_id: session.guild_id,
        channel_id: session.channel_id,
        kind: RoundKind::Practice {
            session: session.id,
            seq,
        },
        date: settings.timezone.local_date(now),
        closes_at: now + session.plan.window(),
        filter: session.filter.clone(),
        ping_role: None,
        remind_before: None,
        // Practice questions are answered in their threads.
        answers_close_at: None,
        source: session.source,
    };
    match rounds::start(discord, data, &request).await? {
        StartOutcome::Posted(_) | StartOutcome::AlreadyExists(_) => Ok(()),
        StartOutcome::NoQuestion => {
            tracing::warn!(
                session = session.id,
                "no question matches the session's filter; ending it early"
            );
            data.store.stop_session(session.id).await?;
            data.wake.notify_one();
            Ok(())
        }
    }
}

/// Posts the scoreboard (once: a retry first looks for an earlier post by its footer marker)
/// and ends the session.
async fn finish(discord: &Discord, data: &Data, session: &PracticeSession) -> anyhow::Result<()> {
    let now = data.clock.now();
    let channel = serenity::ChannelId::new(session.channel_id.0);
    let marker = render::session_marker(session.id);
    let earlier = match session.scoreboard_message_id {
        Some(m) => Some(m),
        None if session.finish_attempts > 0 => {
            rounds::find_own_message(discord, channel, session.started_at, &marker).await?
        }
        None => None,
    };
    let posted = match earlier {
        Some(m) => Some(m),
        None => {
            let (rows, answers) = data.store.session_results(session.id).await?;
            let table = session_table(rows);
            let embed = render::scoreboard_embed(session, &table, best_answer(&answers));
            let post = serenity::CreateMessage::new()
                .embed(embed)
                .nonce(serenity::Nonce::String(format!("dpf{:x}", session.id)))
                .enforce_nonce(true)
                .allowed_mentions(serenity::CreateAllowedMentions::new());
            data.store.note_finish_attempt(session.id).await?;
            match discord
                .call("messages", channel.send_message(discord.paced().await, post))
                .await
            {
                Ok(m) => Some(MessageId(m.id.get())),
                Err(e) if rounds::is_permanent(&e) => {
                    tracing::error!(error = ?e, session = session.id, channel = %session.channel_id, "cannot post the session's scoreboard; ending the session without it");
                    None
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e)
                        .context(format!("posting the scoreboard of session {}", session.id)));
                }
            }
        }
    };
    if data.store.finish_session(session.id, posted, now).await? {
        tracing::info!(session = session.id, channel = %session.channel_id, "practice session finished");
    }
    Ok(())
}
