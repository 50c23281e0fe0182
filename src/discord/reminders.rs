//! Reminders: once per round, a message in its thread before the deadline that pings only the
//! members who opted in and have not answered yet, with the streak each would keep. Posted once
//! across crashes like every other post (attempt counter, nonce, footer marker).

use super::render;
use super::rounds::{find_own_message, is_permanent};
use super::{Data, Discord, Error};
use crate::domain::round::Round;
use crate::domain::{GuildId, UserId};
use poise::serenity_prelude as serenity;

/// Posts a round's due reminder, once. A reminder whose deadline has passed (the bot was down)
/// or whose round has no thread is dropped.
pub async fn remind(discord: &Discord, data: &Data, round: &Round) -> anyhow::Result<()> {
    let now = data.clock.now();
    let Some(thread) = round.thread_id.filter(|_| now < round.answer_deadline()) else {
        data.store.finish_reminder(round.id).await?;
        return Ok(());
    };
    let channel = serenity::ChannelId::new(thread.0);
    let before = data.store.begin_reminder(round.id).await?;
    let marker = render::reminder_marker(round);
    let earlier = if before > 0 {
        find_own_message(discord, channel, round.opens_at, &marker).await?
    } else {
        None
    };
    if earlier.is_none() {
        let answers = if round.is_blind() {
            data.store.sealed_answer_count(round.id).await? as usize
        } else {
            data.store.round_answers(round.id).await?.len()
        };
        let targets = data.store.reminder_targets(round).await?;
        let (mentions, embed) = render::reminder(round, answers, &targets);
        let post = serenity::CreateMessage::new()
            .content(mentions)
            .embed(embed)
            // Only the opted-in members: never @everyone or a role.
            .allowed_mentions(
                serenity::CreateAllowedMentions::new()
                    .users(targets.iter().map(|(m, _)| serenity::UserId::new(m.0))),
            )
            .nonce(serenity::Nonce::String(format!("dqr{:x}", round.id)))
            .enforce_nonce(true);
        match discord
            .call("messages", channel.send_message(discord.paced().await, post))
            .await
        {
            Ok(_) => tracing::info!(round = round.id, pinged = targets.len(), "reminder posted"),
            Err(e) if is_permanent(&e) => {
                tracing::error!(error = ?e, round = round.id, "cannot post the reminder; skipping it");
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("posting round {}'s reminder", round.id)));
            }
        }
    }
    data.store.finish_reminder(round.id).await?;
    Ok(())
}

/// Answers a press on *Remind me*: turns the presser's reminders in that channel on or off.
pub async fn toggle(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(round_id) = render::parse_remind_button(&press.data.custom_id) else {
        return Ok(());
    };
    let guild = press.guild_id.map(|g| GuildId(g.get()));
    let round = match data.store.round(round_id).await {
        Ok(r) if Some(r.guild_id) == guild => Some(r),
        Ok(_) | Err(crate::store::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let text = match round {
        Some(round) => {
            let on = data
                .store
                .toggle_reminders(
                    round.guild_id,
                    round.channel_id,
                    UserId(press.user.id.get()),
                    data.clock.now(),
                )
                .await?;
            render::reminders_toggled(on, round.channel_id)
        }
        None => render::REMIND_GONE.to_owned(),
    };
    press
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(text)
                    .ephemeral(true),
            ),
        )
        .await?;
    Ok(())
}
