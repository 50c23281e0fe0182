//! The round engine: the life of every kind of round on Discord, claim → post → thread →
//! answers and votes (see `events`) → reveal → score. The daily schedule and practice sessions
//! both come here; what differs between kinds is data (`RoundKind`, `RoundRequest`): the slot,
//! the timings, the board its points go to, whether it keeps streaks, and the wording `render`
//! picks for it.
//!
//! Every step is recorded in the store right after it succeeds, and every step can be repeated:
//! every message the bot posts for a round carries a footer marker and a nonce, and a retry
//! (an attempt counter above zero) first looks on Discord for what an earlier attempt posted; a
//! thread that already exists is adopted, and closing the round commits points only once.
//!
//! The reveal locks the thread first, then counts only what Discord timestamps before the
//! deadline (see `domain::answers`).

use super::render;
use super::{Data, Discord};
use crate::domain::answers::{AnswerCandidate, judge_answer, text_as_of_deadline};
use crate::domain::ids::snowflake_at;
use crate::domain::question::Question;
use crate::domain::rotation::QuestionFilter;
use crate::domain::rotation::pick_next;
use crate::domain::round::{ChannelSchedule, Round, RoundKind, RoundState};
use crate::domain::schedule::ScheduledPost;
use crate::domain::scoring::{CountedAnswer, score_round, top_answers};
use crate::domain::votes::{ShownUpvotes, reaction_list_needed};
use crate::domain::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::store::NewRound;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use std::collections::{BTreeMap, BTreeSet};

/// What happened when a round was started.
#[derive(Debug)]
pub enum StartOutcome {
    /// A new round was claimed and posted.
    Posted(Round),
    /// The channel's round for that date already exists.
    AlreadyExists(Round),
    /// No question passes the channel's filter.
    NoQuestion,
}

/// A Discord API error's HTTP status and JSON code, when the error is one.
pub fn api_error(e: &serenity::Error) -> Option<(u16, isize)> {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            Some((r.status_code.as_u16(), r.error.code))
        }
        _ => None,
    }
}

/// Whether retrying cannot help (missing permission, unknown channel or message…).
pub(super) fn is_permanent(e: &serenity::Error) -> bool {
    matches!(api_error(e), Some((400..=404, _)))
}

const MISSING_PERMISSIONS: isize = 50013;
const UNKNOWN_MESSAGE: isize = 10008;
const THREAD_ALREADY_EXISTS: isize = 160_004;
/// How many pages of 100 messages a retry reads when it looks for its own earlier post.
const SEARCH_PAGES: usize = 5;

/// Everything that makes one round differ from another, before it is claimed.
#[derive(Debug, Clone)]
pub struct RoundRequest {
    /// The guild.
    pub guild_id: GuildId,
    /// The channel the question is posted in.
    pub channel_id: ChannelId,
    /// Daily, or which question of which practice session (its slot in the channel).
    pub kind: RoundKind,
    /// The local date it belongs to.
    pub date: chrono::NaiveDate,
    /// Its deadline.
    pub closes_at: DateTime<Utc>,
    /// Which questions it may draw.
    pub filter: QuestionFilter,
    /// A role to mention with the post.
    pub ping_role: Option<RoleId>,
    /// How long before the (answer) deadline opted-in members are reminded, if at all.
    pub remind_before: Option<chrono::Duration>,
    /// A blind round's answer deadline (`closes_at` is then the end of its vote phase).
    pub answers_close_at: Option<DateTime<Utc>>,
    /// Which questions it may draw: the shipped bank, the server's own, or both.
    pub source: crate::domain::rotation::QuestionSource,
}

/// Claims and posts the daily round of `schedule` for `post` (a scheduled post), or for today's
/// local date with the deadline counted from now when `post` is `None` (an admin's
/// `/dailyq post`).
pub async fn start_round(
    discord: &Discord,
    data: &Data,
    schedule: &ChannelSchedule,
    post: Option<ScheduledPost>,
) -> anyhow::Result<StartOutcome> {
    let now = data.clock.now();
    let (date, answers_close) = match post {
        Some(p) => (p.date, p.at + schedule.answer_window.duration()),
        None => (
            schedule.post_time.timezone.local_date(now),
            now + schedule.answer_window.duration(),
        ),
    };
    // A blind schedule's answers are sealed until the end of the answer window, then voted on.
    let (closes_at, answers_close_at) = match schedule.blind {
        Some(votes) => (answers_close + votes, Some(answers_close)),
        None => (answers_close, None),
    };
    let request = RoundRequest {
        guild_id: schedule.guild_id,
        channel_id: schedule.channel_id,
        kind: RoundKind::Daily,
        date,
        closes_at,
        filter: schedule.filter.clone(),
        ping_role: schedule.ping_role,
        remind_before: schedule.remind_before,
        answers_close_at,
        source: schedule.source,
    };
    start(discord, data, &request).await
}

/// Claims the round `request` describes (once: a second process or a retry finds it claimed),
/// draws its question from the guild's rotation, and posts it with its thread.
pub async fn start(discord: &Discord, data: &Data, request: &RoundRequest) -> anyhow::Result<StartOutcome> {
    let now = data.clock.now();
    let slot = request.kind.slot(request.date);
    if let Some(existing) = data.store.round_in_slot(request.channel_id, slot.clone()).await? {
        return Ok(StartOutcome::AlreadyExists(existing));
    }
    let settings = data.store.ensure_guild(request.guild_id, now).await?;
    // A channel's queue comes before rotation (daily questions only: a practice session draws
    // from its own filter).
    let queued = match request.kind {
        RoundKind::Daily => data.store.queue(request.channel_id).await?.into_iter().next(),
        RoundKind::Practice { .. } => None,
    };
    let question_id = match &queued {
        Some(entry) => entry.question,
        None => {
            let candidates = data
                .store
                .rotation_candidates(request.guild_id, request.source)
                .await?;
            let Some(question_id) = pick_next(&candidates, &request.filter, settings.rotation_seed) else {
                return Ok(StartOutcome::NoQuestion);
            };
            question_id
        }
    };
    let new = NewRound {
        guild_id: request.guild_id,
        channel_id: request.channel_id,
        kind: request.kind,
        question_id,
        scheduled_date: request.date,
        opens_at: now,
        closes_at: request.closes_at,
        // A reminder only while there is still time to answer after it.
        remind_at: request
            .remind_before
            .map(|d| request.answers_close_at.unwrap_or(request.closes_at) - d)
            .filter(|at| *at > now),
        answers_close_at: request.answers_close_at,
        queued: queued.map(|q| q.id),
    };
    let Some(round) = data.store.claim_round(&new, now).await? else {
        let existing = data
            .store
            .round_in_slot(request.channel_id, slot)
            .await?
            .context("claimed round vanished")?;
        return Ok(StartOutcome::AlreadyExists(existing));
    };
    tracing::info!(round = round.id, channel = %round.channel_id, kind = round.kind.as_str(), slot = %slot, "round claimed");
    publish(discord, data, &round, request.ping_role).await?;
    data.metrics.round("posted");
    Ok(StartOutcome::Posted(data.store.round(round.id).await?))
}

/// Brings a claimed round onto Discord: the question message, then its thread. Safe to call
/// again after any failure or crash.
pub async fn publish(
    discord: &Discord,
    data: &Data,
    round: &Round,
    ping_role: Option<RoleId>,
) -> anyhow::Result<()> {
    let now = data.clock.now();
    if round.missed_its_window(now) {
        data.store.skip_round(round.id).await?;
        data.metrics.round("skipped");
        tracing::warn!(round = round.id, channel = %round.channel_id, "round skipped: its answer window passed before it could be posted");
        return Ok(());
    }
    let question = data.store.question(round.question_id).await?;
    let settings = data.store.ensure_guild(round.guild_id, now).await?;
    let channel = serenity::ChannelId::new(round.channel_id.0);
    let message_id = match round.message_id {
        Some(m) => m,
        None => {
            // Only a retry can have posted already; a first attempt costs no search.
            let earlier = if round.post_attempts > 0 {
                let marker = render::round_marker(round);
                let since = round.opens_at - chrono::Duration::minutes(5);
                find_own_message(discord, channel, since, &marker).await?
            } else {
                None
            };
            let message = match earlier {
                Some(m) => m,
                None => {
                    let mut post = serenity::CreateMessage::new()
                        .embed(render::question_embed(
                            round,
                            &question,
                            settings.min_answer_chars,
                            0,
                        ))
                        .components(render::question_buttons(round, &question))
                        .nonce(serenity::Nonce::String(round.nonce.clone()))
                        .enforce_nonce(true);
                    // The role is pinged; a member who suggested the question is credited, not pinged.
                    let credit = data.store.question_suggested_by(round.question_id).await?;
                    let content: Vec<String> = ping_role
                        .map(|role| format!("<@&{role}>"))
                        .into_iter()
                        .chain(credit.map(render::suggested_by))
                        .collect();
                    if !content.is_empty() {
                        post = post.content(content.join(" · ")).allowed_mentions(
                            serenity::CreateAllowedMentions::new()
                                .roles(ping_role.map(|r| serenity::RoleId::new(r.0))),
                        );
                    }
                    data.store.note_post_attempt(round.id).await?;
                    match discord
                        .call("messages", channel.send_message(discord.paced().await, post))
                        .await
                    {
                        Ok(m) => MessageId(m.id.get()),
                        Err(e) => return Err(post_failed(data, round, e).await),
                    }
                }
            };
            data.store.mark_round_posted(round.id, message).await?;
            // The thread will take the question's id: answers there are expected from now on.
            data.threads.insert([message.0]);
            tracing::info!(round = round.id, channel = %round.channel_id, message = %message, "question posted");
            message
        }
    };
    if round.thread_id.is_none() {
        let round = data.store.round(round.id).await?;
        let thread = open_thread(discord, data, &round, &question, message_id).await?;
        if round.is_blind() {
            // Nothing is written in a blind round's thread before its answers are published, so
            // nobody can post an answer there for others to copy.
            lock_thread(discord, &round, thread, false).await;
        }
    }
    Ok(())
}

/// Looks in `channel`, from `since` on, for a message of this bot whose embed footer carries
/// `marker` (something an earlier attempt posted before it could record it). Reads at most
/// [`SEARCH_PAGES`] pages; a permanent refusal (no access, unknown channel) finds nothing.
pub(super) async fn find_own_message(
    discord: &Discord,
    channel: serenity::ChannelId,
    since: DateTime<Utc>,
    marker: &str,
) -> anyhow::Result<Option<MessageId>> {
    let me = discord.cache.current_user().id;
    let mut after = serenity::MessageId::new(snowflake_at(since).max(1));
    for _ in 0..SEARCH_PAGES {
        let page = match discord
            .call(
                "messages",
                channel.messages(
                    discord.paced().await,
                    serenity::GetMessages::new().after(after).limit(100),
                ),
            )
            .await
        {
            Ok(page) => page,
            Err(e) if is_permanent(&e) => return Ok(None),
            Err(e) => return Err(anyhow::Error::new(e).context("looking for an earlier post")),
        };
        if let Some(found) = page.iter().find(|m| m.author.id == me && carries(m, marker)) {
            return Ok(Some(MessageId(found.id.get())));
        }
        match page.iter().map(|m| m.id).max() {
            Some(last) if page.len() == 100 => after = last,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// Whether a message has an embed whose footer carries `marker`.
pub(super) fn carries(m: &serenity::Message, marker: &str) -> bool {
    m.embeds.iter().any(|e| {
        e.footer
            .as_ref()
            .is_some_and(|f| render::has_marker(&f.text, marker))
    })
}

async fn post_failed(data: &Data, round: &Round, e: serenity::Error) -> anyhow::Error {
    if api_error(&e).is_some_and(|(_, code)| code == MISSING_PERMISSIONS) {
        tracing::error!(
            round = round.id,
            channel = %round.channel_id,
            "cannot post the daily question: the bot is missing a permission in this channel; run /dailyq check there"
        );
    }
    if is_permanent(&e)
        && let Err(skip) = data.store.skip_round(round.id).await
    {
        tracing::error!(error = ?skip, round = round.id, "could not mark the round skipped");
    }
    anyhow::Error::new(e).context(format!(
        "posting round {} in channel {}",
        round.id, round.channel_id
    ))
}

fn archive_duration(round: &Round) -> serenity::AutoArchiveDuration {
    match round.archive_after_minutes() {
        60 => serenity::AutoArchiveDuration::OneHour,
        1440 => serenity::AutoArchiveDuration::OneDay,
        4320 => serenity::AutoArchiveDuration::ThreeDays,
        _ => serenity::AutoArchiveDuration::OneWeek,
    }
}

async fn open_thread(
    discord: &Discord,
    data: &Data,
    round: &Round,
    question: &Question,
    message: MessageId,
) -> anyhow::Result<ChannelId> {
    let channel = serenity::ChannelId::new(round.channel_id.0);
    let builder = serenity::CreateThread::new(render::thread_name(round, question))
        .auto_archive_duration(archive_duration(round));
    let thread = match discord
        .call(
            "threads",
            channel.create_thread_from_message(
                discord.paced().await,
                serenity::MessageId::new(message.0),
                builder,
            ),
        )
        .await
    {
        Ok(t) => ChannelId(t.id.get()),
        // An earlier attempt created it and crashed before recording it: a thread started from
        // a message has the message's id.
        Err(e) if api_error(&e).is_some_and(|(_, c)| c == THREAD_ALREADY_EXISTS) => ChannelId(message.0),
        Err(e) => {
            if api_error(&e).is_some_and(|(_, c)| c == MISSING_PERMISSIONS) {
                tracing::error!(
                    round = round.id,
                    channel = %round.channel_id,
                    "cannot open the answer thread: the bot is missing Create Public Threads here; run /dailyq check"
                );
            }
            return Err(anyhow::Error::new(e).context(format!("opening the thread of round {}", round.id)));
        }
    };
    data.store.set_round_thread(round.id, thread).await?;
    data.threads.insert([thread.0]);
    tracing::info!(round = round.id, thread = %thread, "answer thread opened");
    Ok(thread)
}

/// Sends `post` to the first of `targets` that accepts it. A permanent refusal everywhere is
/// logged loudly and yields `None` (the round is still scored); a transient failure is an error,
/// so the reveal is retried.
async fn send_first(
    discord: &Discord,
    round: &Round,
    targets: &[serenity::ChannelId],
    post: serenity::CreateMessage,
    what: &str,
) -> anyhow::Result<Option<MessageId>> {
    for target in targets {
        match discord
            .call(
                "messages",
                target.send_message(discord.paced().await, post.clone()),
            )
            .await
        {
            Ok(m) => return Ok(Some(MessageId(m.id.get()))),
            Err(e) if is_permanent(&e) => {
                tracing::error!(error = ?e, round = round.id, channel = %target, "cannot post {what} here");
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("posting {what} of round {}", round.id)));
            }
        }
    }
    tracing::error!(round = round.id, channel = %round.channel_id, "{what} could not be posted anywhere; scoring the round anyway");
    Ok(None)
}

/// What a read of the whole thread found besides answers.
#[derive(Debug, Default)]
struct ThreadScan {
    /// A reference answer an earlier reveal attempt posted in the thread.
    reference: Option<MessageId>,
    /// The ⬆️ reactions each message shows.
    upvotes: BTreeMap<MessageId, ShownUpvotes>,
}

/// The ⬆️ reactions a message object shows (its `reactions` carry counts).
fn shown_upvotes(m: &serenity::Message) -> ShownUpvotes {
    m.reactions
        .iter()
        .find(|r| matches!(&r.reaction_type, serenity::ReactionType::Unicode(e) if e == render::UPVOTE))
        .map_or_else(ShownUpvotes::default, |r| ShownUpvotes {
            count: r.count_details.normal,
            by_bot_itself: r.me,
        })
}

/// Makes the recorded answers of a round what the thread shows: every ordinary member message
/// Discord timestamps before the deadline, long enough, counts (recorded if the bot missed it,
/// restored if it had been edited up to length); recorded answers that no longer qualify (edited
/// down, deleted, late) are withdrawn. An edit made after the deadline does not change the
/// verdict: the text recorded before it is judged.
async fn reconcile_answers(
    discord: &Discord,
    data: &Data,
    round: &Round,
    thread: ChannelId,
    min_answer_chars: u32,
) -> anyhow::Result<ThreadScan> {
    let channel = serenity::ChannelId::new(thread.0);
    let me = discord.cache.current_user().id;
    let reference_marker = render::reveal_marker(round);
    let recorded = data.store.round_answers_all(round.id).await?;
    let mut seen = BTreeSet::new();
    let mut scan = ThreadScan::default();
    let now = data.clock.now();
    // Messages in a thread have ids above the thread's own id.
    let mut after = serenity::MessageId::new(thread.0);
    loop {
        let page = discord
            .call(
                "messages",
                channel.messages(
                    discord.paced().await,
                    serenity::GetMessages::new().after(after).limit(100),
                ),
            )
            .await?;
        for m in &page {
            if m.author.id == me && carries(m, &reference_marker) {
                scan.reference = Some(MessageId(m.id.get()));
            }
            let message = MessageId(m.id.get());
            scan.upvotes.insert(message, shown_upvotes(m));
            let before = recorded.get(&message);
            if !round.answers_in_thread() {
                // A blind round's answers are the bot's published messages: nothing in the
                // thread becomes an answer, and a published one counts while it is there.
                if before.is_some() {
                    seen.insert(message);
                }
                continue;
            }
            let content = data.message_content.then_some(m.content.as_str());
            let judged_text = text_as_of_deadline(
                content,
                m.edited_timestamp.map(|t| *t),
                round.closes_at,
                before.and_then(|a| a.content.as_deref()),
            );
            let verdict = judge_answer(&AnswerCandidate {
                author_is_bot: m.author.bot,
                ordinary: is_ordinary(m.kind),
                content: judged_text,
                written_at: message.created_at(),
                closes_at: round.closes_at,
                min_chars: min_answer_chars,
            });
            if verdict.is_err() && before.is_none() {
                continue;
            }
            seen.insert(message);
            match (verdict, before) {
                (Ok(()), None) => {
                    let author = UserId(m.author.id.get());
                    if data
                        .store
                        .record_answer(round.id, message, author, judged_text, message.created_at())
                        .await?
                    {
                        tracing::info!(round = round.id, message = %m.id, "recorded an answer the bot had missed");
                    }
                }
                (Ok(()), Some(a)) if a.withdrawn_at.is_some() => {
                    data.store.restore_answer(message, judged_text, now).await?;
                }
                (Ok(()), Some(a)) if judged_text.is_some() && a.content.as_deref() != judged_text => {
                    data.store.edit_answer(message, judged_text, now).await?;
                }
                (Ok(()), Some(_)) => {}
                (Err(why), Some(a)) if a.withdrawn_at.is_none() => {
                    tracing::info!(round = round.id, message = %m.id, reason = ?why, "an answer no longer counts");
                    data.store.withdraw_answer(message, now).await?;
                }
                (Err(_), _) => {}
            }
        }
        match page.iter().map(|m| m.id).max() {
            Some(last) if page.len() == 100 => after = last,
            _ => break,
        }
    }
    // Recorded answers the thread no longer shows were deleted while the bot was away.
    for (message, a) in &recorded {
        if a.withdrawn_at.is_none() && !seen.contains(message) {
            data.store.withdraw_answer(*message, now).await?;
        }
    }
    Ok(scan)
}

/// Whether Discord's message type is something a member wrote (a message or a reply), not a
/// system notice.
pub fn is_ordinary(kind: serenity::MessageType) -> bool {
    matches!(
        kind,
        serenity::MessageType::Regular | serenity::MessageType::InlineReply
    )
}

/// Reads the ⬆️ reactions of an answer from Discord (all pages): who counts as a voter.
async fn reaction_voters(
    discord: &Discord,
    thread: ChannelId,
    answer: MessageId,
    author: UserId,
) -> Result<BTreeSet<UserId>, serenity::Error> {
    let mut voters = BTreeSet::new();
    let mut after: Option<serenity::UserId> = None;
    loop {
        let page = discord
            .call(
                "reactions",
                serenity::ChannelId::new(thread.0).reaction_users(
                    discord.paced().await,
                    serenity::MessageId::new(answer.0),
                    serenity::ReactionType::Unicode(render::UPVOTE.to_owned()),
                    Some(100),
                    after,
                ),
            )
            .await?;
        let full = page.len() == 100;
        after = page.last().map(|u| u.id);
        voters.extend(
            page.iter()
                .filter(|u| !u.bot && u.id.get() != author.0)
                .map(|u| UserId(u.id.get())),
        );
        if !full {
            return Ok(voters);
        }
    }
}

/// The round's answer thread: the recorded one, or the thread Discord started from the question
/// message (it has the message's id) when a crash came between creating and recording it.
pub(super) async fn answer_thread(
    discord: &Discord,
    data: &Data,
    round: &Round,
) -> anyhow::Result<Option<ChannelId>> {
    if let Some(thread) = round.thread_id {
        return Ok(Some(thread));
    }
    let Some(message) = round.message_id else {
        return Ok(None);
    };
    match discord
        .call(
            "channels",
            serenity::ChannelId::new(message.0).to_channel(discord.paced().await),
        )
        .await
    {
        Ok(serenity::Channel::Guild(c)) if c.thread_metadata.is_some() => {
            let thread = ChannelId(c.id.get());
            data.store.set_round_thread(round.id, thread).await?;
            tracing::info!(round = round.id, thread = %thread, "adopted an answer thread that was created but not recorded");
            Ok(Some(thread))
        }
        Ok(_) => Ok(None),
        Err(e) if is_permanent(&e) => Ok(None),
        Err(e) => Err(anyhow::Error::new(e).context(format!("looking for the thread of round {}", round.id))),
    }
}

/// Locks (and, at the end, archives) the answer thread. Locking comes first in a reveal, so
/// nothing lands between the deadline and the counting; without Manage Threads it cannot, and
/// the deadline rule alone keeps late answers out.
async fn lock_thread(discord: &Discord, round: &Round, thread: ChannelId, archive: bool) {
    let edit = serenity::EditThread::new().locked(true).archived(archive);
    if let Err(e) = discord
        .call(
            "threads",
            serenity::ChannelId::new(thread.0).edit_thread(discord.paced().await, edit),
        )
        .await
    {
        tracing::warn!(error = ?e, round = round.id, archive, "could not lock the answer thread");
    }
}

/// Moves a round on when the scheduler finds its next phase due: a blind round's answers are
/// published at its answer deadline (its vote phase then runs to its deadline), and a round
/// whose deadline has passed is revealed.
pub async fn advance(discord: &Discord, data: &Data, round: &Round) -> anyhow::Result<()> {
    if round.is_blind() && round.published_at.is_none() {
        super::blind::publish_answers(discord, data, round).await?;
        if data.clock.now() < round.closes_at {
            return Ok(());
        }
        return reveal(discord, data, &data.store.round(round.id).await?).await;
    }
    reveal(discord, data, round).await
}

/// Reveals a round (the scheduler's, at its deadline, or an admin's): lock the thread, reconcile
/// answers and votes with Discord, post the reference answer and the summary, archive the
/// thread, and award points once. Safe to repeat after a crash at any step.
pub async fn reveal(discord: &Discord, data: &Data, round: &Round) -> anyhow::Result<()> {
    let now = data.clock.now();
    // A blind round's sealed answers are published before anything is revealed (a reveal
    // overdue after downtime, or an admin's, publishes and reveals at once).
    if round.is_blind()
        && round.published_at.is_none()
        && matches!(round.state, RoundState::Open | RoundState::Revealing)
    {
        super::blind::publish_answers(discord, data, round).await?;
    }
    if round.state == RoundState::Open {
        data.store
            .transition_round(round.id, RoundState::Open, RoundState::Revealing)
            .await?;
    }
    let round = data.store.round(round.id).await?;
    if round.state != RoundState::Revealing {
        return Ok(());
    }
    if !data
        .store
        .take_reveal_lease(round.id, &data.lease_owner, now, now + REVEAL_LEASE)
        .await?
    {
        tracing::info!(
            round = round.id,
            "another process is revealing this round; leaving it to it"
        );
        return Ok(());
    }
    let round_id = round.id;
    let result = reveal_leased(discord, data, round).await;
    if result.is_err() {
        // Due again at once for the retry (ours, after the backoff), not after the lease expires.
        if let Err(e) = data.store.release_reveal_lease(round_id, &data.lease_owner).await {
            tracing::warn!(error = ?e, round = round_id, "could not release the reveal lease; it expires on its own");
        }
    }
    result
}

/// How long a reveal may work before another process may take the round over; renewed before
/// each step that posts.
pub(super) const REVEAL_LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// Renews this process's lease on a round it is revealing, or stops the reveal if it lost it.
async fn renew_reveal_lease(data: &Data, round: &Round) -> anyhow::Result<()> {
    let now = data.clock.now();
    let held = data
        .store
        .take_reveal_lease(round.id, &data.lease_owner, now, now + REVEAL_LEASE)
        .await?;
    anyhow::ensure!(
        held,
        "lost the reveal lease of round {} to another process",
        round.id
    );
    Ok(())
}

/// The reveal itself, under this process's lease.
async fn reveal_leased(discord: &Discord, data: &Data, round: Round) -> anyhow::Result<()> {
    let now = data.clock.now();
    // A retry looks for the messages an earlier attempt may have posted before recording them.
    let retry = round.reveal_attempts > 0;
    data.store.note_reveal_attempt(round.id).await?;
    let question = data.store.question(round.question_id).await?;
    let settings = data.store.ensure_guild(round.guild_id, now).await?;
    let thread = answer_thread(discord, data, &round).await?;

    // Reconcile with Discord, the source of truth: answers posted and votes cast while the bot
    // was down (or whose events were lost) count, if Discord dates them before the deadline. A
    // transient failure retries the reveal later.
    let mut scan = ThreadScan::default();
    if let Some(thread) = thread {
        lock_thread(discord, &round, thread, false).await;
        match reconcile_answers(discord, data, &round, thread, settings.min_answer_chars).await {
            Ok(found) => scan = found,
            Err(e) => {
                if !e.downcast_ref::<serenity::Error>().is_some_and(is_permanent) {
                    return Err(e.context(format!("reading the answers of round {}", round.id)));
                }
                tracing::error!(error = ?e, round = round.id, "cannot read the thread; scoring the answers seen live");
            }
        }
        // Only answers whose ⬆️ count differs from what was recorded live need their list read
        // (about one request per hundred answers instead of one per answer).
        let live = data.store.round_votes(round.id).await?;
        let late = data.store.round_late_votes(round.id).await?;
        for answer in data.store.round_answers(round.id).await? {
            let recorded = live.get(&answer.message_id).map_or(0, |v| v.len() as u64);
            let late = late.get(&answer.message_id).copied().unwrap_or(0);
            let shown = scan.upvotes.get(&answer.message_id).copied();
            if !reaction_list_needed(shown, recorded, late) {
                continue;
            }
            match reaction_voters(discord, thread, answer.message_id, answer.author_id).await {
                Ok(voters) => data.store.replace_votes(answer.message_id, &voters, now).await?,
                Err(e) if api_error(&e).is_some_and(|(_, c)| c == UNKNOWN_MESSAGE) => {
                    data.store.withdraw_answer(answer.message_id, now).await?;
                }
                Err(e) if is_permanent(&e) => {
                    tracing::error!(error = ?e, round = round.id, "cannot read reactions (Read Message History?); using the votes seen live");
                }
                Err(e) => {
                    return Err(
                        anyhow::Error::new(e).context(format!("reading the votes of round {}", round.id))
                    );
                }
            }
        }
    }
    let answers = data.store.round_answers(round.id).await?;
    let votes = data.store.round_votes(round.id).await?;
    let counted: Vec<CountedAnswer> = answers
        .iter()
        .map(|a| CountedAnswer {
            message: a.message_id,
            author: a.author_id,
            voters: votes.get(&a.message_id).cloned().unwrap_or_default(),
        })
        .collect();
    let awards = score_round(&counted, settings.weights);
    // Reading a big thread takes a while: make sure the round is still ours before posting.
    renew_reveal_lease(data, &round).await?;

    let channel = serenity::ChannelId::new(round.channel_id.0);
    if round.answer_message_id.is_none() {
        let marker = render::reveal_marker(&round);
        let earlier = match (scan.reference, retry) {
            (Some(m), _) => Some(m),
            // In the channel, where it goes when the thread is gone.
            (None, true) => find_own_message(discord, channel, round.closes_at, &marker).await?,
            (None, false) => None,
        };
        let posted = match earlier {
            Some(m) => Some(m),
            None => {
                let post = serenity::CreateMessage::new()
                    .embeds(render::reveal_embeds(&round, &question))
                    .nonce(serenity::Nonce::String(format!("dqa{}", round.id)))
                    .enforce_nonce(true);
                // In the thread; in the channel if the thread is gone.
                let mut targets = thread
                    .map(|t| serenity::ChannelId::new(t.0))
                    .into_iter()
                    .collect::<Vec<_>>();
                targets.push(channel);
                send_first(discord, &round, &targets, post, "the reference answer").await?
            }
        };
        if let Some(m) = posted {
            data.store.set_reveal_answer_message(round.id, m).await?;
        }
    }
    if round.summary_message_id.is_none() {
        let marker = render::summary_marker(&round);
        let earlier = if retry {
            find_own_message(discord, channel, round.closes_at, &marker).await?
        } else {
            None
        };
        let sent = match earlier {
            Some(m) => Some(m),
            None => post_summary(discord, &round, thread, &counted).await?,
        };
        if let Some(m) = sent {
            data.store.set_reveal_summary_message(round.id, m).await?;
        }
    }
    if let Some(thread) = thread {
        lock_thread(discord, &round, thread, true).await;
    }
    let closed = data.store.close_round(&round, &awards, now).await?;
    data.threads.remove(
        thread
            .into_iter()
            .chain(round.message_id.map(|m| ChannelId(m.0)))
            .map(|c| c.0),
    );
    if closed {
        data.metrics.round("revealed");
        tracing::info!(
            round = round.id,
            awards = awards.len(),
            "round revealed and scored"
        );
    }
    Ok(())
}

/// Posts the summary (top answers) as a reply to the question, or as a plain message if the
/// question was deleted.
async fn post_summary(
    discord: &Discord,
    round: &Round,
    thread: Option<ChannelId>,
    counted: &[CountedAnswer],
) -> anyhow::Result<Option<MessageId>> {
    let channel = serenity::ChannelId::new(round.channel_id.0);
    let top: Vec<render::TopAnswer> = top_answers(counted, 3)
        .into_iter()
        .map(|a| render::TopAnswer {
            author: a.author,
            message: a.message,
            votes: a.voters.len(),
        })
        .collect();
    let participants = counted.iter().map(|a| a.author).collect::<BTreeSet<_>>().len();
    let embed = render::summary_embed(round, thread.unwrap_or(round.channel_id), &top, participants);
    let post = serenity::CreateMessage::new()
        .embed(embed)
        .nonce(serenity::Nonce::String(format!("dqs{}", round.id)))
        .enforce_nonce(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    let reply = round.message_id.map(|q| {
        post.clone()
            .reference_message((channel, serenity::MessageId::new(q.0)))
    });
    match reply {
        Some(reply) => match discord
            .call("messages", channel.send_message(discord.paced().await, reply))
            .await
        {
            Ok(m) => Ok(Some(MessageId(m.id.get()))),
            Err(e) if is_permanent(&e) => send_first(discord, round, &[channel], post, "the summary").await,
            Err(e) => Err(anyhow::Error::new(e).context("posting the summary")),
        },
        None => send_first(discord, round, &[channel], post, "the summary").await,
    }
}
