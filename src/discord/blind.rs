//! Blind rounds on Discord: the *Answer* button and its modal, the live count on the post, and
//! publishing the sealed answers at the answer deadline. The reveal is the round engine's own
//! (`rounds::reveal`), which calls [`publish_answers`] first when a blind round is due.
//!
//! Publishing is exactly-once like every post: the first attempt seals the round in the
//! database (no answer is taken after it), the order is drawn once and stored, each answer's
//! message carries a nonce and a footer marker, a retry adopts what an earlier attempt posted,
//! and each published message becomes the member's answer in the same transaction that records
//! it.

use super::rounds::{REVEAL_LEASE, answer_thread, carries, is_permanent};
use super::{Data, Discord, Error, render};
use crate::domain::blind::{SealedAnswer, check_sealed_answer, publish_order};
use crate::domain::ids::snowflake_time;
use crate::domain::round::Round;
use crate::domain::{MessageId, UserId};
use crate::store::{Sealed, StoreError};
use poise::serenity_prelude as serenity;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The round of an Answer button or modal, if it is one of this guild's.
async fn round_of(
    data: &Data,
    round_id: i64,
    guild: Option<serenity::GuildId>,
) -> Result<Option<Round>, Error> {
    match data.store.round(round_id).await {
        Ok(r) if guild.is_some_and(|g| g.get() == r.guild_id.0) => Ok(Some(r)),
        Ok(_) | Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A private reply.
fn private(text: impl Into<String>) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::Message(
        serenity::CreateInteractionResponseMessage::new()
            .content(text)
            .ephemeral(true),
    )
}

/// Answers a press on *Answer*: the modal, prefilled with the member's earlier answer, while the
/// round takes answers (judged by Discord's time of the press); otherwise a sentence.
pub async fn answer_pressed(
    ctx: &serenity::Context,
    data: &Data,
    press: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(round_id) = render::parse_answer_button(&press.data.custom_id) else {
        return Ok(());
    };
    let reply = match round_of(data, round_id, press.guild_id).await? {
        None => Some(render::ANSWER_GONE.to_owned()),
        Some(r) if !r.takes_sealed_answer_at(snowflake_time(press.id.get())) => {
            Some(render::answers_closed(&r))
        }
        Some(_) => None,
    };
    if let Some(text) = reply {
        press.create_response(&ctx.http, private(text)).await?;
        return Ok(());
    }
    let round = data.store.round(round_id).await?;
    let member = UserId(press.user.id.get());
    let earlier = data.store.sealed_answer(round.id, member).await?;
    let settings = data.store.ensure_guild(round.guild_id, data.clock.now()).await?;
    let modal = render::answer_modal(
        &round,
        earlier.as_ref().map(|a| a.content.as_str()),
        settings.min_answer_chars,
    );
    press
        .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(modal))
        .await?;
    Ok(())
}

/// Keeps a submitted answer, sealed, if the round still takes it at Discord's time of the
/// submission and the text passes the checks; the member gets a private sentence either way,
/// and nothing is written when it is refused.
pub async fn answer_submitted(
    ctx: &serenity::Context,
    data: &Data,
    submit: &serenity::ModalInteraction,
) -> Result<(), Error> {
    let Some(round_id) = render::parse_answer_button(&submit.data.custom_id) else {
        return Ok(());
    };
    let at = snowflake_time(submit.id.get());
    let round = match round_of(data, round_id, submit.guild_id).await? {
        None => Err(render::ANSWER_GONE.to_owned()),
        Some(r) if !r.takes_sealed_answer_at(at) => Err(render::answers_closed(&r)),
        Some(r) => Ok(r),
    };
    let settings = match &round {
        Ok(r) => Some(data.store.ensure_guild(r.guild_id, data.clock.now()).await?),
        Err(_) => None,
    };
    let checked = round.and_then(|r| {
        let min = settings.map_or(0, |s| s.min_answer_chars);
        check_sealed_answer(super::modal_value(submit, render::ANSWER_INPUT), min).map(|text| (r, text))
    });
    let (round, text) = match checked {
        Ok(ok) => ok,
        Err(why) => {
            submit.create_response(&ctx.http, private(why)).await?;
            return Ok(());
        }
    };
    let member = UserId(submit.user.id.get());
    let outcome = data
        .store
        .seal_answer(round.id, round.guild_id, member, &text, at)
        .await?;
    let reply = match outcome {
        Sealed::New | Sealed::Changed => render::sealed_answer_saved(&round, outcome == Sealed::Changed),
        Sealed::Closed => render::answers_closed(&data.store.round(round.id).await?),
    };
    submit.create_response(&ctx.http, private(reply)).await?;
    if outcome != Sealed::Closed {
        let nick = submit.member.as_ref().and_then(|m| m.nick.as_deref());
        super::guilds::remember_look(data, round.guild_id, &submit.user, nick).await;
    }
    if outcome == Sealed::New {
        let discord = Discord {
            http: ctx.http.clone(),
            cache: ctx.cache.clone(),
            pace: data.rest.clone(),
        };
        let data = data.clone();
        tokio::spawn(async move { data.counts.refresh(&discord, &data, round.id).await });
    }
    Ok(())
}

/// Keeps the count of answers on blind rounds' posts current without an edit per answer: one
/// refresh runs per round at a time, and answers that arrive meanwhile make it run once more.
#[derive(Debug, Default)]
pub struct LiveCounts {
    /// Rounds being refreshed, and whether another answer came in since the refresh read.
    running: Mutex<HashMap<i64, bool>>,
}

impl LiveCounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, bool>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Edits the round's post to show its current count of answers (best effort: the count is
    /// shown for information, nothing depends on it).
    pub async fn refresh(&self, discord: &Discord, data: &Data, round_id: i64) {
        {
            let mut running = self.lock();
            if let Some(again) = running.get_mut(&round_id) {
                *again = true;
                return;
            }
            running.insert(round_id, false);
        }
        loop {
            if let Err(e) = show_count(discord, data, round_id).await {
                tracing::warn!(error = ?e, round = round_id, "could not update the count of answers on the post");
            }
            let mut running = self.lock();
            match running.get_mut(&round_id) {
                Some(again) if *again => *again = false,
                _ => {
                    running.remove(&round_id);
                    return;
                }
            }
        }
    }
}

/// Rewrites a blind round's post with its current count (and phase, and buttons).
async fn show_count(discord: &Discord, data: &Data, round_id: i64) -> anyhow::Result<()> {
    let round = data.store.round(round_id).await?;
    let Some(message) = round.message_id else {
        return Ok(());
    };
    let question = data.store.question(round.question_id).await?;
    let settings = data.store.ensure_guild(round.guild_id, data.clock.now()).await?;
    let count = data.store.sealed_answer_count(round.id).await?;
    let edit = serenity::EditMessage::new()
        .embed(render::question_embed(
            &round,
            &question,
            settings.min_answer_chars,
            count,
        ))
        .components(render::question_buttons(&round, &question));
    discord
        .call(
            "messages",
            serenity::ChannelId::new(round.channel_id.0).edit_message(
                discord.paced().await,
                serenity::MessageId::new(message.0),
                edit,
            ),
        )
        .await?;
    Ok(())
}

/// Publishes a blind round's sealed answers in its thread, each as its own message attributed
/// to its author, in the round's drawn order; then opens the thread for votes and updates the
/// post. Runs under the round's lease, like a reveal; safe to repeat after a crash at any step.
pub async fn publish_answers(discord: &Discord, data: &Data, round: &Round) -> anyhow::Result<()> {
    let now = data.clock.now();
    if !data
        .store
        .take_reveal_lease(round.id, &data.lease_owner, now, now + REVEAL_LEASE)
        .await?
    {
        tracing::info!(
            round = round.id,
            "another process is publishing this round; leaving it to it"
        );
        return Ok(());
    }
    let result = publish_leased(discord, data, round.id).await;
    if let Err(e) = data.store.release_reveal_lease(round.id, &data.lease_owner).await {
        tracing::warn!(error = ?e, round = round.id, "could not release the round's lease; it expires on its own");
    }
    result
}

async fn publish_leased(discord: &Discord, data: &Data, round_id: i64) -> anyhow::Result<()> {
    // Sealed from here on: no answer is taken once publishing began.
    let retry = data.store.begin_publish(round_id).await? > 0;
    let round = data.store.round(round_id).await?;
    if round.published_at.is_some() {
        return Ok(());
    }
    let now = data.clock.now();
    let settings = data.store.ensure_guild(round.guild_id, now).await?;
    let mut sealed = data.store.sealed_answers(round.id).await?;
    if sealed.iter().any(|a| a.position.is_none()) {
        let members: Vec<UserId> = sealed.iter().map(|a| a.member).collect();
        let order = publish_order(settings.rotation_seed, round.id, &members);
        data.store.order_sealed_answers(round.id, &order).await?;
        sealed = data.store.sealed_answers(round.id).await?;
    }
    let thread = answer_thread(discord, data, &round).await?;
    let target = serenity::ChannelId::new(thread.unwrap_or(round.channel_id).0);
    let earlier = if retry && sealed.iter().any(|a| a.message_id.is_none()) {
        published_earlier(discord, target, &round).await?
    } else {
        BTreeMap::new()
    };
    let total = sealed.len();
    if thread.is_some() {
        // The bot posts in the thread it locked for the answer phase; members vote once it is
        // open again.
        unlock_thread(discord, &round, target).await;
    }
    for answer in sealed.iter().filter(|a| a.message_id.is_none()) {
        let Some(position) = answer.position else {
            continue;
        };
        let message = match earlier.get(&position) {
            Some(m) => *m,
            None => match post_answer(discord, &round, target, answer, position, total).await? {
                Some(m) => m,
                None => continue,
            },
        };
        data.store.record_published_answer(answer, message).await?;
        data.metrics.answer();
        data.threads.insert([target.get()]);
        super::events::offer_upvote(discord, &round, target, serenity::MessageId::new(message.0)).await;
    }
    data.store.finish_publish(round.id, data.clock.now()).await?;
    tracing::info!(
        round = round.id,
        answers = total,
        "blind round's answers published; voting is open"
    );
    // The post's count, phase and buttons (best effort, like the live count).
    data.counts.refresh(discord, data, round.id).await;
    Ok(())
}

/// Posts one published answer. A permanent refusal is logged and yields `None` (the round goes
/// on without it); a transient failure is an error, so publishing is retried.
async fn post_answer(
    discord: &Discord,
    round: &Round,
    target: serenity::ChannelId,
    answer: &SealedAnswer,
    position: u32,
    total: usize,
) -> anyhow::Result<Option<MessageId>> {
    let (content, embed) = render::published_answer(round, position, total, answer.member, &answer.content);
    let post = serenity::CreateMessage::new()
        .content(content)
        .embed(embed)
        // Attributed, never pinged.
        .allowed_mentions(serenity::CreateAllowedMentions::new())
        .nonce(serenity::Nonce::String(format!("db{:x}.{position}", round.id)))
        .enforce_nonce(true);
    match discord
        .call("messages", target.send_message(discord.paced().await, post))
        .await
    {
        Ok(m) => Ok(Some(MessageId(m.id.get()))),
        Err(e) if is_permanent(&e) => {
            tracing::error!(error = ?e, round = round.id, position, "cannot publish this answer; the round goes on without it");
            Ok(None)
        }
        Err(e) => {
            Err(anyhow::Error::new(e).context(format!("publishing answer {position} of round {}", round.id)))
        }
    }
}

/// The answers an earlier attempt published (by their footer markers), by position.
async fn published_earlier(
    discord: &Discord,
    target: serenity::ChannelId,
    round: &Round,
) -> anyhow::Result<BTreeMap<u32, MessageId>> {
    let me = discord.cache.current_user().id;
    let mut found = BTreeMap::new();
    // Published answers come after the answer deadline.
    let since = round.answer_deadline() - chrono::Duration::minutes(1);
    let mut after = serenity::MessageId::new(crate::domain::ids::snowflake_at(since).max(1));
    loop {
        let page = match discord
            .call(
                "messages",
                target.messages(
                    discord.paced().await,
                    serenity::GetMessages::new().after(after).limit(100),
                ),
            )
            .await
        {
            Ok(page) => page,
            Err(e) if is_permanent(&e) => return Ok(found),
            Err(e) => return Err(anyhow::Error::new(e).context("looking for answers published earlier")),
        };
        for m in page.iter().filter(|m| m.author.id == me) {
            let position = m
                .embeds
                .iter()
                .filter_map(|e| e.footer.as_ref())
                .find_map(|f| render::parse_published_marker(&f.text, round));
            if let Some(p) = position
                && carries(m, &render::published_marker(round, p))
            {
                found.insert(p, MessageId(m.id.get()));
            }
        }
        match page.iter().map(|m| m.id).max() {
            Some(last) if page.len() == 100 => after = last,
            _ => return Ok(found),
        }
    }
}

/// Opens a blind round's thread for the vote phase (it was locked during the answer phase).
async fn unlock_thread(discord: &Discord, round: &Round, thread: serenity::ChannelId) {
    if let Err(e) = discord
        .call(
            "threads",
            thread.edit_thread(discord.paced().await, serenity::EditThread::new().locked(false)),
        )
        .await
    {
        tracing::warn!(error = ?e, round = round.id, "could not open the thread for votes");
    }
}
