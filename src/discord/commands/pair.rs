//! `/pair join|leave`: the mock-interview pool. Pairing itself runs at the guild's pairing time
//! (`/dailyq pairing`), in `discord::pairing`.

use super::{Context, guild, say_private, user_error};
use crate::discord::{Data, Error, render};
use crate::domain::pairing::{Level, PoolEntry};
use crate::domain::question::Category;
use crate::domain::{GuildId, UserId};

/// A member's level.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum LevelChoice {
    /// Early career.
    #[name = "junior"]
    Junior,
    /// A few years in.
    #[name = "mid"]
    Mid,
    /// Senior and above.
    #[name = "senior"]
    Senior,
}

impl From<LevelChoice> for Level {
    fn from(l: LevelChoice) -> Self {
        match l {
            LevelChoice::Junior => Level::Junior,
            LevelChoice::Mid => Level::Mid,
            LevelChoice::Senior => Level::Senior,
        }
    }
}

/// Mock interviews with another member
#[poise::command(slash_command, guild_only, subcommands("join", "leave"))]
pub async fn pair(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Join the pool for the next mock-interview pairing
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn join(
    ctx: Context<'_>,
    #[description = "Your level: questions are picked for it, and partners of the same level matched first"]
    level: Option<LevelChoice>,
    #[description = "Topics you want to be asked about, comma-separated (for example databases, caching)"]
    topics: Option<String>,
) -> Result<(), Error> {
    let guild = guild(ctx)?;
    let data = ctx.data();
    let now = data.clock.now();
    data.store.ensure_guild(guild, now).await?;
    let topics = parse_topics(data, guild, topics.as_deref()).await?;
    let entry = PoolEntry {
        member: UserId(ctx.author().id.get()),
        level: level.map(Level::from),
        topics,
        joined_at: now,
        waiting: false,
    };
    data.store.join_pool(guild, &entry).await?;
    let next = data.store.pairing_settings(guild).await?.map(|s| s.next_at);
    say_private(ctx, render::pool_joined(&entry, next)).await
}

/// Leave the mock-interview pool
#[poise::command(slash_command, guild_only, ephemeral)]
pub async fn leave(ctx: Context<'_>) -> Result<(), Error> {
    let guild = guild(ctx)?;
    let left = ctx
        .data()
        .store
        .leave_pool(guild, UserId(ctx.author().id.get()))
        .await?;
    say_private(
        ctx,
        if left {
            render::POOL_LEFT
        } else {
            render::NOT_IN_POOL
        },
    )
    .await
}

/// How many topics a member may pick.
const MAX_TOPICS: usize = 5;

/// Topics as typed (`databases, caching`), each checked against the bank's categories.
async fn parse_topics(data: &Data, guild: GuildId, input: Option<&str>) -> Result<Vec<Category>, Error> {
    let Some(input) = input else {
        return Ok(Vec::new());
    };
    let known = data.store.categories(guild).await?;
    let mut topics = Vec::new();
    for word in input.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let wanted = word.to_ascii_lowercase();
        let found = known
            .iter()
            .find(|k| k.as_str() == wanted || k.title().to_ascii_lowercase() == wanted)
            .ok_or_else(|| user_error(render::unknown_topic(word, &known)))?;
        if !topics.contains(found) {
            topics.push(found.clone());
        }
    }
    if topics.len() > MAX_TOPICS {
        return Err(user_error(render::TOO_MANY_TOPICS));
    }
    Ok(topics)
}
