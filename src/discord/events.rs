//! Gateway events that are not commands: answers, votes, leaderboard buttons, joining guilds.

use super::guilds::{self, PresenceChange};
use super::rounds::is_ordinary;
use super::{Data, Discord, Error, commands, ingest, render};
use crate::domain::answers::{AnswerCandidate, AnswerRejection, judge_answer};
use crate::domain::round::{Round, RoundState};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use poise::serenity_prelude as serenity;

/// Dispatches one gateway event.
pub async fn handle(ctx: &serenity::Context, event: &serenity::FullEvent, data: &Data) -> Result<(), Error> {
    let discord = Discord {
        http: ctx.http.clone(),
        cache: ctx.cache.clone(),
        pace: data.rest.clone(),
    };
    match event {
        serenity::FullEvent::Ready { data_about_bot } => {
            data.metrics.gateway_session(ctx.shard_id.0, "ready");
            data.guilds.know(data_about_bot.guilds.iter().map(|g| g.id.get()));
            // A READY after a re-IDENTIFY comes from a new shard runner: it needs the vote
            // collector again, and open threads may have changed while the session was down.
            ingest::install_collector(ctx, data);
            ingest::load_open_threads(data).await?;
            forget_guilds_left_while_away(data, data_about_bot).await?
        }
        // The handlers only touch the index and queue the change: they return at once, so the
        // guild serenity hands them is freed while the store is busy (see `guilds`). Handlers
        // run concurrently; queuing first thing keeps the queue in gateway order in practice.
        serenity::FullEvent::GuildCreate { guild, .. } => {
            let first_sight = data
                .guilds
                .insert(guild.id.get(), guild.channels.keys().map(|c| c.get()));
            let greet = if first_sight {
                guilds::greeting_channels(guild)
            } else {
                Vec::new()
            };
            data.presence.push(PresenceChange::Joined {
                guild: GuildId(guild.id.get()),
                name: guild.name.clone(),
                greet,
            });
        }
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            data.guilds.remove(incomplete.id.get());
            data.presence.push(PresenceChange::Left {
                guild: GuildId(incomplete.id.get()),
            });
        }
        serenity::FullEvent::Resume { .. } => data.metrics.gateway_session(ctx.shard_id.0, "resumed"),
        // Stage changes reach serenity's event handlers only: see `discord::Observer`.
        serenity::FullEvent::ChannelCreate { channel } => {
            data.guilds.add_channel(channel.guild_id.get(), channel.id.get());
        }
        serenity::FullEvent::ChannelDelete { channel, .. } => {
            data.guilds
                .remove_channel(channel.guild_id.get(), channel.id.get());
        }
        serenity::FullEvent::Message { new_message } => on_message(&discord, data, new_message).await?,
        serenity::FullEvent::MessageUpdate { event, .. } => on_edit(&discord, data, event).await?,
        serenity::FullEvent::MessageDelete {
            deleted_message_id,
            guild_id,
            channel_id,
        } if may_hold_answers(data, *guild_id, *channel_id) => {
            let message = MessageId(deleted_message_id.get());
            if let Some(answer) = data.store.answer(message).await? {
                let round = data.store.round(answer.round_id).await?;
                if same_guild(&round, *guild_id) && round.accepts_at(data.clock.now()) {
                    data.store.withdraw_answer(message, data.clock.now()).await?;
                }
            }
        }
        // ⬆️ reactions are taken in gateway order from the shard runner (see `ingest`); the
        // handler only catches what no collector saw.
        serenity::FullEvent::ReactionAdd { add_reaction } => {
            ingest::on_reaction_event(&ctx.cache, data, add_reaction, true).await?
        }
        serenity::FullEvent::ReactionRemove { removed_reaction } => {
            ingest::on_reaction_event(&ctx.cache, data, removed_reaction, false).await?
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } => {
            let result = on_button(ctx, data, press).await;
            observe(
                data,
                component_name(&press.data.custom_id),
                press.id.get(),
                &result,
            );
            result?
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } if submit.data.custom_id.starts_with("dq:answer:") => {
            let result = super::blind::answer_submitted(ctx, data, submit).await;
            observe(data, "form answer", submit.id.get(), &result);
            result?
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } if submit.data.custom_id.starts_with(render::QUESTION_FORM) => {
            let result = commands::form_submitted(ctx, data, submit).await;
            observe(data, "form question", submit.id.get(), &result);
            result?
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } if submit.data.custom_id == render::SUGGESTION_FORM => {
            let result = super::suggestions::submitted(ctx, data, submit).await;
            observe(data, "form suggest", submit.id.get(), &result);
            result?
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } if submit.data.custom_id.starts_with("dq:sg:") => {
            let result = super::suggestions::review_form_submitted(ctx, data, submit).await;
            observe(data, "form review", submit.id.get(), &result);
            result?
        }
        _ => {}
    }
    Ok(())
}

/// The metrics' name of a component by its custom id (a fixed, small set: no ids).
fn component_name(custom_id: &str) -> &'static str {
    [
        ("dq:lb:", "button leaderboard"),
        ("dq:hint:", "button hint"),
        ("dq:solo:", "button solo"),
        ("dq:answer:", "button answer"),
        ("dq:remind:", "button remind"),
        ("dq:pair:", "button pair"),
        ("dq:q:imp:", "button import"),
        ("dq:sg:", "button suggestion"),
    ]
    .into_iter()
    .find(|(prefix, _)| custom_id.starts_with(prefix))
    .map_or("button other", |(_, name)| name)
}

/// Counts a handled button or form in the metrics, timed from Discord's creation of it.
fn observe(data: &Data, name: &str, interaction: u64, result: &Result<(), Error>) {
    let latency = (data.clock.now() - crate::domain::ids::snowflake_time(interaction))
        .to_std()
        .unwrap_or_default();
    let outcome = if result.is_ok() { "ok" } else { "error" };
    data.metrics.interaction(name, outcome, latency);
}

/// Routes a button press by its custom id's prefix; each handler parses (and refuses) the rest.
async fn on_button(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let id = press.data.custom_id.as_str();
    if id.starts_with("dq:lb:") {
        commands::leaderboard_page(ctx, data, press).await
    } else if id.starts_with("dq:hint:") {
        show_hints(ctx, data, press).await
    } else if id.starts_with("dq:solo:") {
        commands::solo_click(ctx, data, press).await
    } else if id.starts_with("dq:sg:") {
        super::suggestions::review_click(ctx, data, press).await
    } else if id.starts_with("dq:q:imp:") {
        commands::import_click(ctx, data, press).await
    } else if id.starts_with("dq:answer:") {
        super::blind::answer_pressed(ctx, data, press).await
    } else if id.starts_with("dq:remind:") {
        super::reminders::toggle(ctx, data, press).await
    } else if id.starts_with("dq:pair:") {
        super::pairing::click(ctx, data, press).await
    } else {
        Ok(())
    }
}

/// Answers a *Hint* press with the question's hints, privately, to whoever pressed it (any
/// member may look); a button of a round from another server shows nothing of it.
async fn show_hints(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(round_id) = render::parse_hint_button(&click.data.custom_id) else {
        return Ok(());
    };
    let round = match data.store.round(round_id).await {
        Ok(round) => Some(round),
        Err(crate::store::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let reply = serenity::CreateInteractionResponseMessage::new().ephemeral(true);
    let reply = match round.filter(|r| same_guild(r, click.guild_id)) {
        Some(round) => {
            let question = data.store.question(round.question_id).await?;
            reply.embed(render::hints_embed(&round, &question))
        }
        None => reply.content(render::HINT_GONE),
    };
    click
        .create_response(&ctx.http, serenity::CreateInteractionResponse::Message(reply))
        .await?;
    Ok(())
}

/// Whether a message event in `channel` may concern an answer: the channel is a known open
/// answer thread, or a thread (or channel) the guild index does not know as an ordinary guild
/// channel, which the store is then asked about. Messages in ordinary channels cost no query.
fn may_hold_answers(data: &Data, guild: Option<serenity::GuildId>, channel: serenity::ChannelId) -> bool {
    let Some(guild) = guild else {
        return false;
    };
    if data.threads.contains(channel.get()) {
        return true;
    }
    !data.guilds.is_ordinary(guild.get(), channel.get())
}

/// Asks the store for the round of a thread this process did not know as open (a round opened
/// by another process, or before an index reload); an unfinished one joins the index.
async fn round_of_thread(data: &Data, thread: serenity::ChannelId) -> Result<Option<Round>, Error> {
    let round = data.store.round_by_thread(ChannelId(thread.get())).await?;
    if let Some(r) = &round
        && matches!(
            r.state,
            RoundState::Pending | RoundState::Open | RoundState::Revealing
        )
        && !data.threads.contains(thread.get())
    {
        data.threads.insert([thread.get()]);
    }
    Ok(round)
}

/// Whether an event of `guild` may touch `round` (events of another guild never do).
fn same_guild(round: &Round, guild: Option<serenity::GuildId>) -> bool {
    guild.is_some_and(|g| g.get() == round.guild_id.0)
}

/// READY lists every guild of this shard the bot is in: guilds it was removed from while it was
/// offline (no GUILD_DELETE reached it) are marked left, so they cost nothing until it is back.
pub(crate) async fn forget_guilds_left_while_away(data: &Data, ready: &serenity::Ready) -> Result<(), Error> {
    let present: std::collections::BTreeSet<u64> = ready.guilds.iter().map(|g| g.id.get()).collect();
    let (shard, shards) = ready.shard.map_or((0, 1), |s| (s.id.0, s.total));
    for guild in data.store.present_guilds().await? {
        let ours = crate::domain::shards::shard_of(guild, shards) == shard;
        if ours && !present.contains(&guild.0) {
            tracing::info!(guild = %guild, "the bot was removed from this guild while offline");
            data.store.mark_guild_left(guild, data.clock.now()).await?;
        }
    }
    Ok(())
}

/// The facts of a member's thread message (bots are filtered out before) that decide whether it
/// is an answer.
fn candidate<'a>(
    data: &Data,
    round: &Round,
    message: MessageId,
    kind: serenity::MessageType,
    text: &'a str,
    min_chars: u32,
) -> AnswerCandidate<'a> {
    AnswerCandidate {
        author_is_bot: false,
        ordinary: is_ordinary(kind),
        content: data.message_content.then_some(text),
        written_at: message.created_at(),
        closes_at: round.closes_at,
        min_chars,
    }
}

async fn on_message(discord: &Discord, data: &Data, message: &serenity::Message) -> Result<(), Error> {
    if message.author.bot || !may_hold_answers(data, message.guild_id, message.channel_id) {
        return Ok(());
    }
    let Some(round) = round_of_thread(data, message.channel_id).await? else {
        return Ok(());
    };
    let id = MessageId(message.id.get());
    // Discord's own time of the message decides, not when the bot got to it.
    // In a blind round the thread is for discussion: answers come sealed through the bot.
    if !same_guild(&round, message.guild_id)
        || !round.answers_in_thread()
        || !round.accepts_at(id.created_at())
    {
        return Ok(());
    }
    let now = data.clock.now();
    let settings = data.store.ensure_guild(round.guild_id, now).await?;
    let verdict = judge_answer(&candidate(
        data,
        &round,
        id,
        message.kind,
        &message.content,
        settings.min_answer_chars,
    ));
    match verdict {
        Ok(()) => {
            let content = data.message_content.then_some(message.content.as_str());
            let author = UserId(message.author.id.get());
            if data
                .store
                .record_answer(round.id, id, author, content, id.created_at())
                .await?
            {
                data.metrics.answer();
                let nick = message.member.as_ref().and_then(|m| m.nick.as_deref());
                guilds::remember_look(data, round.guild_id, &message.author, nick).await;
                offer_upvote(discord, &round, message.channel_id, message.id).await;
            }
        }
        Err(AnswerRejection::TooShort { length, min }) => {
            // A replayed event must not repeat the note: the nonce makes Discord return the first.
            let reply = serenity::CreateMessage::new()
                .content(render::too_short_note(length, min))
                .nonce(serenity::Nonce::String(format!("dqn{:x}", message.id.get())))
                .enforce_nonce(true)
                .reference_message(message)
                .allowed_mentions(serenity::CreateAllowedMentions::new());
            discord
                .call(
                    "messages",
                    message.channel_id.send_message(discord.paced().await, reply),
                )
                .await?;
        }
        Err(_) => {}
    }
    Ok(())
}

/// Puts the bot's ⬆️ on a counted answer so members can vote with one click.
pub(super) async fn offer_upvote(
    discord: &Discord,
    round: &Round,
    channel: serenity::ChannelId,
    message: serenity::MessageId,
) {
    let upvote = serenity::ReactionType::Unicode(render::UPVOTE.to_owned());
    if let Err(e) = discord
        .call(
            "reactions",
            channel.create_reaction(discord.paced().await, message, upvote),
        )
        .await
    {
        tracing::warn!(error = ?e, round = round.id, "could not add the upvote reaction to an answer");
    }
}

/// An edit before the deadline is judged again: a long answer edited down below the minimum
/// stops counting, a short message edited up to it starts counting (and gets its ⬆️).
async fn on_edit(discord: &Discord, data: &Data, event: &serenity::MessageUpdateEvent) -> Result<(), Error> {
    let Some(content) = &event.content else {
        return Ok(());
    };
    if !may_hold_answers(data, event.guild_id, event.channel_id) {
        return Ok(());
    }
    let id = MessageId(event.id.get());
    let recorded = data.store.answer(id).await?;
    let round = match &recorded {
        Some(answer) => data.store.round(answer.round_id).await?,
        None => match round_of_thread(data, event.channel_id).await? {
            Some(round) => round,
            None => return Ok(()),
        },
    };
    let now = data.clock.now();
    let edited_at = event.edited_timestamp.map_or(now, |t| *t);
    if !same_guild(&round, event.guild_id) || !round.answers_in_thread() || !round.accepts_at(edited_at) {
        return Ok(());
    }
    let settings = data.store.ensure_guild(round.guild_id, now).await?;
    let author = match (&recorded, &event.author) {
        (Some(a), _) => a.author_id,
        (None, Some(user)) if !user.bot => UserId(user.id.get()),
        // Without its author the reveal's reading of the thread decides.
        (None, _) => return Ok(()),
    };
    let kind = event.kind.unwrap_or(serenity::MessageType::Regular);
    let verdict = judge_answer(&candidate(
        data,
        &round,
        id,
        kind,
        content,
        settings.min_answer_chars,
    ));
    let text = data.message_content.then_some(content.as_str());
    match (verdict, recorded) {
        (Ok(()), None) => {
            if data
                .store
                .record_answer(round.id, id, author, text, id.created_at())
                .await?
            {
                offer_upvote(discord, &round, event.channel_id, event.id).await;
            }
        }
        (Ok(()), Some(a)) if a.withdrawn_at.is_some() => {
            if data.store.restore_answer(id, text, edited_at).await? {
                offer_upvote(discord, &round, event.channel_id, event.id).await;
            }
        }
        (Ok(()), Some(_)) => {
            data.store.edit_answer(id, text, edited_at).await?;
        }
        (Err(_), Some(a)) if a.withdrawn_at.is_none() => {
            data.store.withdraw_answer(id, edited_at).await?;
        }
        (Err(_), _) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_of_guild(guild: u64) -> Round {
        Round {
            guild_id: GuildId(guild),
            ..Round::example()
        }
    }

    #[test]
    fn events_of_another_guild_or_of_no_guild_never_touch_a_round() {
        let round = round_of_guild(10);
        assert!(same_guild(&round, Some(serenity::GuildId::new(10))));
        assert!(!same_guild(&round, Some(serenity::GuildId::new(11))));
        assert!(!same_guild(&round, None), "a DM or an event without a guild");
    }
}

#[cfg(test)]
mod metric_names {
    use super::component_name;

    #[test]
    fn components_are_counted_under_a_few_fixed_names_never_their_ids() {
        assert_eq!(component_name("dq:answer:123456789012345678"), "button answer");
        assert_eq!(component_name("dq:q:imp:7:y"), "button import");
        assert_eq!(component_name("dq:sg:a:3"), "button suggestion");
        assert_eq!(component_name("something-else"), "button other");
    }
}
