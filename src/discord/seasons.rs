//! Seasons on Discord: when a season ends, claim it once, move the champion role to its
//! winners, and post its recap (with a participation chart) once, across crashes.

use super::render;
use super::rounds::{find_own_message, is_permanent};
use super::{Data, Discord};
use crate::domain::round::GuildSettings;
use crate::domain::seasons::{Season, recap_due};
use crate::domain::{GuildId, MessageId, RoleId, UserId};
use poise::serenity_prelude as serenity;

/// A guild's season work: claims a due recap, then posts every claimed one.
pub async fn run(discord: &Discord, data: &Data, guild: GuildId) -> anyhow::Result<()> {
    let now = data.clock.now();
    let settings = data.store.ensure_guild(guild, now).await?;
    if let Some(seasons) = data.store.season_settings(guild).await?
        && let (Some(channel), Some(until)) = (seasons.recap_channel, seasons.recapped_until)
        && let Some((start, end)) = recap_due(seasons.kind, settings.timezone, until, now)
        && let Some(period) = seasons.kind.period()
    {
        let bucket = period.bucket(settings.timezone, start);
        let next_at = seasons.kind.bounds(settings.timezone, end).map(|(_, e)| e);
        if let Some(s) = data
            .store
            .claim_season(
                guild,
                seasons.kind,
                (start, end),
                until,
                &bucket,
                channel,
                next_at,
                now,
            )
            .await?
        {
            tracing::info!(guild = %guild, season = s.number, "season ended");
        }
    }
    for season in data.store.pending_seasons(guild).await? {
        recap(discord, data, &season, &settings).await?;
    }
    Ok(())
}

/// Moves the champion role and posts the recap of a claimed season.
async fn recap(
    discord: &Discord,
    data: &Data,
    season: &Season,
    settings: &GuildSettings,
) -> anyhow::Result<()> {
    let guild = season.guild_id;
    let role = settings.champion_role;
    let summary = data.store.season_recap(season).await?;
    let winners = summary.winners();
    let role_problem = match role {
        Some(role) => move_champion_role(discord, data, season, role, &winners).await?,
        None => None,
    };
    let channel = serenity::ChannelId::new(season.channel_id.0);
    let marker = render::season_marker(season.number);
    let before = data.store.begin_recap(guild, season.number).await?;
    let earlier = if before > 0 {
        find_own_message(discord, channel, season.ends_at, &marker).await?
    } else {
        None
    };
    let posted = match earlier {
        Some(m) => Some(m),
        None => {
            let png = super::chart::participation_png(&summary.per_round)?;
            let embed =
                render::recap_embed(season, settings.timezone, &summary, role, role_problem.as_deref());
            let post = serenity::CreateMessage::new()
                .embed(embed)
                .add_file(serenity::CreateAttachment::bytes(png, render::CHART_FILE))
                .allowed_mentions(serenity::CreateAllowedMentions::new())
                .nonce(serenity::Nonce::String(format!(
                    "dqy{:x}{}",
                    guild.0 % 0xffff_ffff,
                    season.number
                )))
                .enforce_nonce(true);
            match discord
                .call("messages", channel.send_message(discord.paced().await, post))
                .await
            {
                Ok(m) => Some(MessageId(m.id.get())),
                Err(e) if is_permanent(&e) => {
                    tracing::error!(error = ?e, guild = %guild, season = season.number, "cannot post the season recap (check the recap channel's permissions)");
                    None
                }
                Err(e) => {
                    return Err(
                        anyhow::Error::new(e).context(format!("posting season {}'s recap", season.number))
                    );
                }
            }
        }
    };
    data.store
        .finish_season(guild, season.number, posted, &winners)
        .await?;
    Ok(())
}

/// Takes the champion role from last season's champions and gives it to this season's
/// winners. Returns what went wrong, for the recap to say, when Discord refuses for good
/// (the bot lacks Manage Roles, or its role is not above the champion role).
async fn move_champion_role(
    discord: &Discord,
    data: &Data,
    season: &Season,
    role: RoleId,
    winners: &[UserId],
) -> anyhow::Result<Option<String>> {
    let guild = serenity::GuildId::new(season.guild_id.0);
    let role_id = serenity::RoleId::new(role.0);
    let previous = data
        .store
        .previous_champions(season.guild_id, season.number)
        .await?;
    let reason = Some("dailyq: season champion");
    for member in previous.iter().filter(|m| !winners.contains(m)) {
        let done = discord
            .call(
                "members",
                discord.paced().await.remove_member_role(
                    guild,
                    serenity::UserId::new(member.0),
                    role_id,
                    reason,
                ),
            )
            .await;
        if let Err(e) = done {
            if is_permanent(&e) {
                tracing::error!(error = ?e, guild = %guild, role = %role, "cannot take the champion role back");
                return Ok(Some(render::CHAMPION_ROLE_REFUSED.to_owned()));
            }
            return Err(anyhow::Error::new(e).context("taking the champion role back"));
        }
    }
    for member in winners {
        let done = discord
            .call(
                "members",
                discord.paced().await.add_member_role(
                    guild,
                    serenity::UserId::new(member.0),
                    role_id,
                    reason,
                ),
            )
            .await;
        if let Err(e) = done {
            if is_permanent(&e) {
                tracing::error!(error = ?e, guild = %guild, role = %role, "cannot give the champion role");
                return Ok(Some(render::CHAMPION_ROLE_REFUSED.to_owned()));
            }
            return Err(anyhow::Error::new(e).context("giving the champion role"));
        }
    }
    Ok(None)
}
