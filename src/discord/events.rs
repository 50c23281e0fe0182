//! Gateway events that are not commands: answers, votes, leaderboard buttons, joining guilds.

use super::rounds::accepting;
use super::{Data, Discord, Error, commands, render};
use crate::domain::votes::{VoteAttempt, VoteRejection, judge_vote};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use poise::serenity_prelude as serenity;

/// Dispatches one gateway event.
pub async fn handle(ctx: &serenity::Context, event: &serenity::FullEvent, data: &Data) -> Result<(), Error> {
    let discord = Discord {
        http: ctx.http.clone(),
        cache: ctx.cache.clone(),
    };
    match event {
        serenity::FullEvent::GuildCreate { guild, is_new } => {
            data.store
                .mark_guild_joined(GuildId(guild.id.get()), data.clock.now())
                .await?;
            if *is_new == Some(true) {
                greet(&discord, guild).await;
            }
        }
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            // The bot was removed: keep the guild's data, remember when it left.
            data.store
                .mark_guild_left(GuildId(incomplete.id.get()), data.clock.now())
                .await?;
        }
        serenity::FullEvent::Message { new_message } => on_message(&discord, data, new_message).await?,
        serenity::FullEvent::MessageUpdate { event, .. } => {
            let Some(content) = &event.content else {
                return Ok(());
            };
            let message = MessageId(event.id.get());
            if let Some(answer) = data.store.answer(message).await? {
                let round = data.store.round(answer.round_id).await?;
                if accepting(&round, data.clock.now()) {
                    let text = data.message_content.then_some(content.as_str());
                    data.store.edit_answer(message, text, data.clock.now()).await?;
                }
            }
        }
        serenity::FullEvent::MessageDelete {
            deleted_message_id, ..
        } => {
            let message = MessageId(deleted_message_id.get());
            if let Some(answer) = data.store.answer(message).await? {
                let round = data.store.round(answer.round_id).await?;
                if accepting(&round, data.clock.now()) {
                    data.store.withdraw_answer(message, data.clock.now()).await?;
                }
            }
        }
        serenity::FullEvent::ReactionAdd { add_reaction } => {
            on_reaction(&discord, data, add_reaction, true).await?
        }
        serenity::FullEvent::ReactionRemove { removed_reaction } => {
            on_reaction(&discord, data, removed_reaction, false).await?
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } if render::parse_leaderboard_button(&click.data.custom_id).is_some() => {
            commands::leaderboard_page(ctx, data, click).await?;
        }
        _ => {}
    }
    Ok(())
}

async fn on_message(discord: &Discord, data: &Data, message: &serenity::Message) -> Result<(), Error> {
    if message.author.bot || message.guild_id.is_none() {
        return Ok(());
    }
    let Some(round) = data
        .store
        .round_by_thread(ChannelId(message.channel_id.get()))
        .await?
    else {
        return Ok(());
    };
    let now = data.clock.now();
    if !accepting(&round, now) {
        return Ok(());
    }
    let settings = data.store.ensure_guild(round.guild_id, now).await?;
    let content = data.message_content.then_some(message.content.as_str());
    if let Some(text) = content {
        let length = text.trim().chars().count();
        if settings.min_answer_chars > 0 && length < settings.min_answer_chars as usize {
            let note = format!(
                "This answer is {length} characters long; answers need at least {} to count. Edit it or post a longer one.",
                settings.min_answer_chars
            );
            let reply = serenity::CreateMessage::new()
                .content(note)
                .reference_message(message)
                .allowed_mentions(serenity::CreateAllowedMentions::new());
            message.channel_id.send_message(&discord.http, reply).await?;
            return Ok(());
        }
    }
    let recorded = data
        .store
        .record_answer(
            round.id,
            MessageId(message.id.get()),
            UserId(message.author.id.get()),
            content,
            now,
        )
        .await?;
    if recorded {
        let upvote = serenity::ReactionType::Unicode(render::UPVOTE.to_owned());
        if let Err(e) = message.react(&discord.http, upvote).await {
            tracing::warn!(error = ?e, round = round.id, "could not add the upvote reaction to an answer");
        }
    }
    Ok(())
}

async fn on_reaction(
    discord: &Discord,
    data: &Data,
    reaction: &serenity::Reaction,
    added: bool,
) -> Result<(), Error> {
    if !matches!(&reaction.emoji, serenity::ReactionType::Unicode(e) if e == render::UPVOTE) {
        return Ok(());
    }
    let Some(user) = reaction.user_id else {
        return Ok(());
    };
    let message = MessageId(reaction.message_id.get());
    let Some(answer) = data.store.answer(message).await? else {
        return Ok(());
    };
    let round = data.store.round(answer.round_id).await?;
    let now = data.clock.now();
    let voter = UserId(user.get());
    if !added {
        if accepting(&round, now) {
            data.store.remove_vote(message, voter).await?;
        }
        return Ok(());
    }
    let voter_is_bot = user == discord.cache.current_user().id
        || reaction.member.as_ref().is_some_and(|m| m.user.bot)
        || discord.cache.user(user).is_some_and(|u| u.bot);
    let attempt = VoteAttempt {
        voter,
        voter_is_bot,
        answer_author: answer.author_id,
        answer_withdrawn: answer.withdrawn_at.is_some(),
        round_open: round.state == crate::domain::round::RoundState::Open,
        closes_at: round.closes_at,
        at: now,
    };
    match judge_vote(&attempt) {
        Ok(()) => {
            data.store.add_vote(message, voter, now).await?;
        }
        Err(VoteRejection::SelfVote) => {
            // Tidy up when allowed to; the vote never counts either way.
            if let Err(e) = reaction.delete(&discord.http).await {
                tracing::debug!(error = ?e, "could not remove a self-vote reaction (no Manage Messages?)");
            }
        }
        Err(_) => {}
    }
    Ok(())
}

async fn greet(discord: &Discord, guild: &serenity::Guild) {
    let text = "Thanks for adding **dailyq**! An admin can start a daily interview question with \
                `/dailyq setup` in the channel of your choice (time, time zone and days). `/help` explains the rest.";
    let mut targets: Vec<serenity::ChannelId> = guild.system_channel_id.into_iter().collect();
    let mut text_channels: Vec<&serenity::GuildChannel> = guild
        .channels
        .values()
        .filter(|c| c.kind == serenity::ChannelType::Text)
        .collect();
    text_channels.sort_by_key(|c| (c.position, c.id));
    targets.extend(text_channels.iter().map(|c| c.id));
    for channel in targets {
        if channel.say(&discord.http, text).await.is_ok() {
            return;
        }
    }
    tracing::info!(guild = %guild.id, "joined a guild but found no channel to greet in");
}
