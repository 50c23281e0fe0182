//! Mock-interview pairing on Discord: at a guild's pairing time the pool is matched (once: the
//! pairing is claimed per guild and due instant), each pair gets a private thread with its
//! intro (packet and rating buttons), and the pairing is announced in its channel. Every step is
//! recorded as it succeeds and repeated from the database after a failure or crash, like a
//! round's: a retry adopts a thread or message an earlier attempt made but could not record.

use super::render::{self, PairButton};
use super::rounds::{api_error, find_own_message, is_permanent};
use super::{Data, Discord, Error};
use crate::domain::pairing::{Pair, PairingSettings, plan_pairing};
use crate::domain::{ChannelId, GuildId, MessageId, UserId};
use crate::store::PendingPairing;
use poise::serenity_prelude as serenity;

const MISSING_PERMISSIONS: isize = 50013;

/// Does a guild's pairing work: claims a due pairing, opens its pairs' threads, announces it.
pub async fn run(discord: &Discord, data: &Data, guild: GuildId) -> anyhow::Result<()> {
    let now = data.clock.now();
    if let Some(settings) = data.store.pairing_settings(guild).await?
        && settings.next_at <= now
    {
        claim(data, &settings).await?;
    }
    for pair in data.store.pending_pairs(guild).await? {
        open_pair(discord, data, &pair).await?;
    }
    for pairing in data.store.pairings_to_announce(guild).await? {
        announce(discord, data, &pairing).await?;
    }
    Ok(())
}

async fn claim(data: &Data, settings: &PairingSettings) -> anyhow::Result<()> {
    let now = data.clock.now();
    let guild = data.store.ensure_guild(settings.guild_id, now).await?;
    let candidates = data
        .store
        .rotation_candidates(settings.guild_id, crate::domain::rotation::QuestionSource::Both)
        .await?;
    // A pairing missed while the bot was down happens now, once; the next one is the first
    // occurrence after now.
    let next = settings.time.next_after(now).at;
    let claimed = data
        .store
        .claim_pairing(settings, next, now, |pool, recent| {
            plan_pairing(pool, recent, &candidates, guild.rotation_seed)
        })
        .await?;
    if let Some(id) = claimed {
        tracing::info!(guild = %settings.guild_id, pairing = id, "mock-interview pairing made");
    }
    Ok(())
}

/// Opens a pair's private thread, adds both members, and posts the intro.
async fn open_pair(discord: &Discord, data: &Data, pair: &Pair) -> anyhow::Result<()> {
    let thread = match pair.thread_id {
        Some(t) => t,
        None => match create_thread(discord, data, pair).await? {
            Some(t) => t,
            None => {
                data.store.finish_pair(pair.id, None).await?;
                return Ok(());
            }
        },
    };
    let channel = serenity::ChannelId::new(thread.0);
    for member in [pair.a, pair.b] {
        if let Err(e) = discord
            .call(
                "threads",
                channel.add_thread_member(discord.paced().await, serenity::UserId::new(member.0)),
            )
            .await
        {
            if !is_permanent(&e) {
                return Err(
                    anyhow::Error::new(e).context(format!("adding a member to pair {}'s thread", pair.id))
                );
            }
            // A member who left the server: the other still gets the thread.
            tracing::warn!(error = ?e, pair = pair.id, member = %member, "cannot add a member to the pair's thread");
        }
    }
    let marker = render::pair_marker(pair.id);
    let earlier = if pair.thread_attempts > 1 {
        find_own_message(
            discord,
            channel,
            data.clock.now() - chrono::Duration::days(7),
            &marker,
        )
        .await?
    } else {
        None
    };
    let intro = match earlier {
        Some(m) => Some(m),
        None => {
            let (content, embed, buttons) = render::pair_intro(pair);
            let post = serenity::CreateMessage::new()
                .content(content)
                .embed(embed)
                .components(buttons)
                .allowed_mentions(
                    serenity::CreateAllowedMentions::new()
                        .users([serenity::UserId::new(pair.a.0), serenity::UserId::new(pair.b.0)]),
                )
                .nonce(serenity::Nonce::String(format!("dqp{:x}", pair.id)))
                .enforce_nonce(true);
            data.store.note_pair_attempt(pair.id).await?;
            match discord
                .call("messages", channel.send_message(discord.paced().await, post))
                .await
            {
                Ok(m) => Some(MessageId(m.id.get())),
                Err(e) if is_permanent(&e) => {
                    tracing::error!(error = ?e, pair = pair.id, "cannot post in the pair's thread; giving up on it");
                    None
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!("posting pair {}'s intro", pair.id)));
                }
            }
        }
    };
    data.store.finish_pair(pair.id, intro).await?;
    tracing::info!(pair = pair.id, thread = %thread, "mock-interview pair ready");
    Ok(())
}

/// The pair's private thread: one an earlier attempt opened (found by its name among the guild's
/// active threads), or a new one. `None` when Discord refuses for good (a missing permission).
async fn create_thread(discord: &Discord, data: &Data, pair: &Pair) -> anyhow::Result<Option<ChannelId>> {
    let name = render::pair_thread_name(pair.id);
    let parent = serenity::ChannelId::new(pair.channel_id.0);
    if pair.thread_attempts > 0 {
        let active = discord
            .call(
                "threads",
                serenity::GuildId::new(pair.guild_id.0).get_active_threads(discord.paced().await),
            )
            .await?;
        if let Some(t) = active
            .threads
            .iter()
            .find(|t| t.parent_id == Some(parent) && t.name == name)
        {
            let thread = ChannelId(t.id.get());
            data.store.set_pair_thread(pair.id, thread).await?;
            return Ok(Some(thread));
        }
    }
    data.store.note_pair_attempt(pair.id).await?;
    let builder = serenity::CreateThread::new(name)
        .kind(serenity::ChannelType::PrivateThread)
        .invitable(false)
        .auto_archive_duration(serenity::AutoArchiveDuration::OneWeek);
    match discord
        .call("threads", parent.create_thread(discord.paced().await, builder))
        .await
    {
        Ok(t) => {
            let thread = ChannelId(t.id.get());
            data.store.set_pair_thread(pair.id, thread).await?;
            Ok(Some(thread))
        }
        Err(e) if is_permanent(&e) => {
            if api_error(&e).is_some_and(|(_, c)| c == MISSING_PERMISSIONS) {
                tracing::error!(pair = pair.id, channel = %pair.channel_id, "cannot open a private thread for a mock-interview pair: the bot needs Create Private Threads in the pairing channel");
            } else {
                tracing::error!(error = ?e, pair = pair.id, "cannot open a private thread for a mock-interview pair");
            }
            Ok(None)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("opening pair {}'s thread", pair.id))),
    }
}

/// Announces a pairing in its channel, once.
async fn announce(discord: &Discord, data: &Data, pairing: &PendingPairing) -> anyhow::Result<()> {
    let channel = serenity::ChannelId::new(pairing.channel_id.0);
    let marker = render::pairing_marker(pairing.id);
    let earlier = if pairing.attempts > 0 {
        find_own_message(discord, channel, pairing.due_at, &marker).await?
    } else {
        None
    };
    let posted = match earlier {
        Some(m) => Some(m),
        None => {
            let pairs = data.store.pairing_pairs(pairing.id).await?;
            let mentions = pairing.waiting.map(|w| serenity::UserId::new(w.0));
            let post = serenity::CreateMessage::new()
                .embed(render::pairing_announcement(pairing.id, &pairs, pairing.waiting))
                .content(pairing.waiting.map(|w| format!("<@{w}>")).unwrap_or_default())
                .allowed_mentions(serenity::CreateAllowedMentions::new().users(mentions))
                .nonce(serenity::Nonce::String(format!("dqm{:x}", pairing.id)))
                .enforce_nonce(true);
            data.store.note_announce_attempt(pairing.id).await?;
            match discord
                .call("messages", channel.send_message(discord.paced().await, post))
                .await
            {
                Ok(m) => Some(MessageId(m.id.get())),
                Err(e) if is_permanent(&e) => {
                    tracing::error!(error = ?e, pairing = pairing.id, "cannot announce the pairing; the pairs have their threads");
                    None
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!("announcing pairing {}", pairing.id)));
                }
            }
        }
    };
    data.store.finish_pairing(pairing.id, posted).await?;
    Ok(())
}

/// Answers a press on a pair's packet or rating buttons: only the two members of the pair may
/// press them, and what they see is private.
pub async fn click(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(button) = render::parse_pair_button(&press.data.custom_id) else {
        return Ok(());
    };
    let private = |text: String| {
        serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content(text)
                .ephemeral(true)
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        )
    };
    let id = match button {
        PairButton::Packet(id) | PairButton::Rate(id, _, _) => id,
    };
    let guild = press.guild_id.map(|g| GuildId(g.get()));
    let pair = data.store.pair(id).await?.filter(|p| Some(p.guild_id) == guild);
    let Some(pair) = pair else {
        press
            .create_response(&ctx.http, private(render::PAIR_GONE.to_owned()))
            .await?;
        return Ok(());
    };
    let me = UserId(press.user.id.get());
    let Some(partner) = pair.partner_of(me) else {
        press
            .create_response(&ctx.http, private(render::pair_not_yours(&pair)))
            .await?;
        return Ok(());
    };
    let response = match button {
        PairButton::Packet(_) => {
            let question = pair.question_asked_by(me).expect("a member of the pair");
            let question = data.store.question(question).await?;
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .embeds(render::packet_embeds(&question, partner, me == pair.a))
                    .ephemeral(true)
                    .allowed_mentions(serenity::CreateAllowedMentions::new()),
            )
        }
        PairButton::Rate(_, rubric, score) => {
            data.store
                .rate_partner(&pair, me, rubric, score, data.clock.now())
                .await?;
            private(render::rated(partner, rubric, score))
        }
    };
    press.create_response(&ctx.http, response).await?;
    Ok(())
}
