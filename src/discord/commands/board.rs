//! `/leaderboard` (with ◀ ▶ paging buttons) and `/stats`.

use super::{Context, guild};
use crate::discord::render;
use crate::discord::{Data, Error};
use crate::domain::leaderboard::{Period, Ranked, rank};
use crate::domain::{ChannelId, GuildId, UserId};
use poise::serenity_prelude as serenity;

/// A leaderboard period.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PeriodChoice {
    /// This week.
    #[name = "week"]
    Week,
    /// This month.
    #[name = "month"]
    Month,
    /// All time.
    #[name = "all"]
    All,
}

impl From<PeriodChoice> for Period {
    fn from(p: PeriodChoice) -> Self {
        match p {
            PeriodChoice::Week => Period::Week,
            PeriodChoice::Month => Period::Month,
            PeriodChoice::All => Period::AllTime,
        }
    }
}

async fn ranked(
    data: &Data,
    guild: GuildId,
    period: Period,
    channel: Option<ChannelId>,
) -> Result<Vec<Ranked>, Error> {
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    let standings = data
        .store
        .standings(guild, period.bounds(settings.timezone, now), channel)
        .await?;
    Ok(rank(standings))
}

/// Top members by points, with your own rank
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "week, month or all (default: all)"] period: Option<PeriodChoice>,
    #[description = "Only this channel's rounds (default: the whole server)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    let guild = guild(ctx)?;
    if let Some(c) = &channel {
        super::same_guild(ctx, c)?;
    }
    let period = period.map(Period::from).unwrap_or_default();
    let channel = channel.map(|c| ChannelId(c.id.get()));
    let ranked = ranked(ctx.data(), guild, period, channel).await?;
    let me = UserId(ctx.author().id.get());
    let at = render::LeaderboardButton {
        owner: me,
        period,
        channel,
        page: 0,
    };
    let reply = poise::CreateReply::default()
        .embed(render::leaderboard_embed(period, channel, &ranked, 0, me))
        .components(render::leaderboard_buttons(at, ranked.len()))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.send(reply).await?;
    Ok(())
}

/// Answers a ◀ ▶ click. The owner's click pages their board in place; anyone else's click
/// opens that page as their own ephemeral board (their rank in the footer, their own buttons),
/// so nobody changes what the owner sees or reads another member's rank.
pub async fn leaderboard_page(
    ctx: &serenity::Context,
    data: &Data,
    click: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(asked) = render::parse_leaderboard_button(&click.data.custom_id) else {
        return Ok(());
    };
    let Some(guild) = click.guild_id else {
        return Ok(());
    };
    let me = UserId(click.user.id.get());
    let ranked = ranked(data, GuildId(guild.get()), asked.period, asked.channel).await?;
    let mine = render::LeaderboardButton { owner: me, ..asked };
    let embed = render::leaderboard_embed(asked.period, asked.channel, &ranked, asked.page, me);
    let buttons = render::leaderboard_buttons(mine, ranked.len());
    let response = if asked.owner == me {
        serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(buttons),
        )
    } else {
        serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(buttons)
                .ephemeral(true)
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        )
    };
    click.create_response(&ctx.http, response).await?;
    Ok(())
}

/// Points, rank, answers, upvotes, best answer and streaks of a member
#[poise::command(slash_command, guild_only)]
pub async fn stats(
    ctx: Context<'_>,
    #[description = "Member (default: you)"] member: Option<serenity::User>,
) -> Result<(), Error> {
    let guild = guild(ctx)?;
    let user = member.as_ref().unwrap_or_else(|| ctx.author());
    let who = UserId(user.id.get());
    let data = ctx.data();
    let ranked = ranked(data, guild, Period::AllTime, None).await?;
    let mine = ranked.iter().find(|r| r.standing.member == who);
    let stats = data.store.member_stats(guild, who).await?;
    let streaks = data.store.member_streaks(guild, who).await?;
    let embed = render::stats_embed(
        who,
        guild,
        mine.map_or(0, |r| r.standing.points),
        mine.map(|r| r.rank),
        &stats,
        &streaks,
    );
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .allowed_mentions(serenity::CreateAllowedMentions::new()),
    )
    .await?;
    Ok(())
}
