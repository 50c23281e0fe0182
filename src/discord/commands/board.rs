//! `/leaderboard` (with ◀ ▶ paging buttons) and `/stats`.

use super::{Context, guild};
use crate::discord::render;
use crate::discord::{Data, Error};
use crate::domain::leaderboard::{Board, Period};
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
    /// The current season (monthly or weekly, as the server set it).
    #[name = "season"]
    Season,
}

/// Which leaderboard.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum BoardChoice {
    /// The daily questions.
    #[name = "daily"]
    Daily,
    /// Practice sessions.
    #[name = "practice"]
    Practice,
}

impl From<BoardChoice> for Board {
    fn from(b: BoardChoice) -> Self {
        match b {
            BoardChoice::Daily => Board::Daily,
            BoardChoice::Practice => Board::Practice,
        }
    }
}

impl From<PeriodChoice> for Period {
    fn from(p: PeriodChoice) -> Self {
        match p {
            PeriodChoice::Week => Period::Week,
            PeriodChoice::Month => Period::Month,
            PeriodChoice::All => Period::AllTime,
            PeriodChoice::Season => Period::Month,
        }
    }
}

/// The standings bucket of `board` for `period` now, in the guild's zone, and whether `defer`
/// was called.
/// Builds the guild's standings first if its ledger predates them, after `defer` (that can take
/// longer than Discord's 3 s); every other call reads kept standings and answers at once.
async fn current_bucket<F, Fut>(
    data: &Data,
    guild: GuildId,
    board: Board,
    period: Period,
    defer: F,
) -> Result<(String, bool), Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    let deferred = !settings.standings_current;
    if deferred {
        defer().await?;
        data.store.build_standings(guild).await?;
    }
    Ok((board.bucket(period, settings.timezone, now), deferred))
}

/// Top members by points, with your own rank
#[poise::command(slash_command, guild_only)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "week, month or all (default: all)"] period: Option<PeriodChoice>,
    #[description = "Only this channel's rounds (default: the whole server)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::GuildChannel>,
    #[description = "daily or practice (default: daily)"] board: Option<BoardChoice>,
    #[description = "A finished season, by number (see its recap)"]
    #[min = 1]
    season: Option<i64>,
) -> Result<(), Error> {
    let guild = guild(ctx)?;
    if let Some(c) = &channel {
        super::same_guild(ctx, c)?;
    }
    let kind = board.map(Board::from).unwrap_or_default();
    if let Some(n) = season {
        return past_season(ctx, guild, n, kind, channel).await;
    }
    let period = match period {
        Some(PeriodChoice::Season) => {
            let settings = ctx
                .data()
                .store
                .ensure_guild(guild, ctx.data().clock.now())
                .await?;
            settings
                .season_kind
                .period()
                .ok_or_else(|| super::user_error(render::SEASONS_OFF))?
        }
        other => other.map(Period::from).unwrap_or_default(),
    };
    let channel = channel.map(|c| ChannelId(c.id.get()));
    let me = UserId(ctx.author().id.get());
    let (bucket, _) = current_bucket(ctx.data(), guild, kind, period, || async {
        ctx.defer().await?;
        Ok(())
    })
    .await?;
    let board = ctx
        .data()
        .store
        .leaderboard_page(guild, channel, &bucket, 0, render::LEADERBOARD_PAGE as u64, me)
        .await?;
    let at = render::LeaderboardButton {
        owner: me,
        period,
        channel,
        page: 0,
        board: kind,
        season: None,
    };
    let reply = poise::CreateReply::default()
        .embed(render::leaderboard_embed(kind, period, channel, &board))
        .components(render::leaderboard_buttons(at, board.total as usize))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.send(reply).await?;
    Ok(())
}

/// The board of a finished season (its top page; seasons past are read, not paged).
async fn past_season(
    ctx: Context<'_>,
    guild: GuildId,
    number: i64,
    kind: Board,
    channel: Option<serenity::GuildChannel>,
) -> Result<(), Error> {
    let data = ctx.data();
    let found = match u32::try_from(number) {
        Ok(n) => data.store.season(guild, n).await?,
        Err(_) => None,
    };
    let Some(season) = found else {
        return Err(super::user_error(render::no_such_season(number)));
    };
    let bucket = season_bucket(&season, kind);
    let channel = channel.map(|c| ChannelId(c.id.get()));
    let me = UserId(ctx.author().id.get());
    let board = data
        .store
        .leaderboard_page(guild, channel, &bucket, 0, render::LEADERBOARD_PAGE as u64, me)
        .await?;
    let title = season_title(data, guild, &season).await?;
    let at = render::LeaderboardButton {
        owner: me,
        period: Period::AllTime,
        channel,
        page: 0,
        board: kind,
        season: Some(season.number),
    };
    ctx.send(
        poise::CreateReply::default()
            .embed(render::leaderboard_embed(kind, Period::AllTime, channel, &board).title(title))
            .components(render::leaderboard_buttons(at, board.total as usize))
            .allowed_mentions(serenity::CreateAllowedMentions::new()),
    )
    .await?;
    Ok(())
}

/// A finished season's board name ("Season 3 · June 2026").
async fn season_title(
    data: &Data,
    guild: GuildId,
    season: &crate::domain::seasons::Season,
) -> Result<String, Error> {
    let tz = data.store.ensure_guild(guild, data.clock.now()).await?.timezone;
    Ok(crate::domain::seasons::season_label(
        season.number,
        season.kind,
        tz,
        season.starts_at,
    ))
}

/// The standings bucket of a finished season's board of `kind`.
fn season_bucket(season: &crate::domain::seasons::Season, kind: Board) -> String {
    match kind {
        Board::Daily => season.bucket.clone(),
        Board::Practice => format!("practice:{}", season.bucket),
    }
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
    let guild = GuildId(guild.get());
    let owner = asked.owner == me;
    // A finished season's board: its own bucket and name.
    let season = match asked.season {
        Some(n) => match data.store.season(guild, n).await? {
            Some(season) => Some(season),
            None => {
                let gone = serenity::CreateInteractionResponse::Message(
                    serenity::CreateInteractionResponseMessage::new()
                        .content(render::no_such_season(i64::from(n)))
                        .ephemeral(true),
                );
                click.create_response(&ctx.http, gone).await?;
                return Ok(());
            }
        },
        None => None,
    };
    let (bucket, deferred) = current_bucket(data, guild, asked.board, asked.period, || async {
        let defer = if owner {
            serenity::CreateInteractionResponse::Acknowledge
        } else {
            serenity::CreateInteractionResponse::Defer(
                serenity::CreateInteractionResponseMessage::new().ephemeral(true),
            )
        };
        click.create_response(&ctx.http, defer).await?;
        Ok(())
    })
    .await?;
    let bucket = season.as_ref().map_or(bucket, |s| season_bucket(s, asked.board));
    let page = asked.page as u64;
    let board = data
        .store
        .leaderboard_page(
            guild,
            asked.channel,
            &bucket,
            page,
            render::LEADERBOARD_PAGE as u64,
            me,
        )
        .await?;
    let mine = render::LeaderboardButton {
        owner: me,
        page: board.page as usize,
        ..asked
    };
    let mut embed = render::leaderboard_embed(asked.board, asked.period, asked.channel, &board);
    if let Some(season) = &season {
        embed = embed.title(season_title(data, guild, season).await?);
    }
    let buttons = render::leaderboard_buttons(mine, board.total as usize);
    if deferred {
        let edit = serenity::EditInteractionResponse::new()
            .embed(embed)
            .components(buttons)
            .allowed_mentions(serenity::CreateAllowedMentions::new());
        click.edit_response(&ctx.http, edit).await?;
        return Ok(());
    }
    let response = if owner {
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
    let (bucket, _) = current_bucket(data, guild, Board::Daily, Period::AllTime, || async {
        ctx.defer().await?;
        Ok(())
    })
    .await?;
    let mine = data.store.member_standing(guild, None, &bucket, who).await?;
    let mut stats = data.store.member_stats(guild, who).await?;
    stats.practised_solo = data.store.solo_practised_per_category(guild, who).await?;
    let streaks = data.store.member_streaks(guild, who).await?;
    let embed = render::stats_embed(
        who,
        guild,
        mine.as_ref().map_or(0, |r| r.standing.points),
        mine.as_ref().map(|r| r.rank),
        &stats,
        &streaks,
    );
    ctx.send(
        poise::CreateReply::default()
            .embed(embed)
            .allowed_mentions(serenity::CreateAllowedMentions::new()),
    )
    .await?;
    // Mock-interview ratings are never shown publicly per person: only to the member, privately.
    if who == UserId(ctx.author().id.get()) {
        let ratings = data.store.ratings_received(guild, who).await?;
        if !ratings.is_empty() {
            ctx.send(
                poise::CreateReply::default()
                    .embed(render::ratings_embed(&ratings))
                    .ephemeral(true),
            )
            .await?;
        }
    }
    Ok(())
}
