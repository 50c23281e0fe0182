//! The web leaderboard: server-rendered pages of a guild that opted in with `/dailyq web on`.
//!
//! - `GET /g/{token}?period=week|month|season|all&page=N`: the server's name, its board (the
//!   same standings reads as `/leaderboard`), paged, and the last revealed rounds with the
//!   reference answer behind a native `<details>` toggle.
//! - `GET /g/{token}/m/{member}`: a member's points over time (an SVG chart), answers per
//!   category and streaks.
//! - `GET /static/dailyq.css`.
//!
//! Anything else, a malformed or unknown token, a guild that turned its page off or that the bot
//! left, an unknown member or period: the same 404, which says nothing about why. Templates are
//! minijinja's (HTML auto-escaped by file name); the chart is drawn by plotters' SVG backend.

mod chart;
pub mod markdown;

use crate::domain::leaderboard::{Board, Ranked};
use crate::domain::web::{self as rules, MemberLook, WebPeriod, WebToken};
use crate::domain::{GuildId, UserId};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Members per page of the web board.
pub const PAGE_SIZE: u64 = 25;
/// Revealed rounds listed under the board.
pub const ROUNDS_SHOWN: i64 = 5;
/// The stylesheet, served at `/static/dailyq.css`.
pub const STYLESHEET: &str = include_str!("dailyq.css");

fn templates() -> &'static minijinja::Environment<'static> {
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("board.html", include_str!("templates/board.html")),
            ("member.html", include_str!("templates/member.html")),
            ("not_found.html", include_str!("templates/not_found.html")),
        ] {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("the template {name} does not parse: {e}"));
        }
        env
    })
}

/// Why a page could not be drawn (a 500; a page that does not exist is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The database failed.
    #[error("the database failed")]
    Store(#[from] StoreError),
    /// A template failed to render.
    #[error("a template failed to render")]
    Template(#[from] minijinja::Error),
}

/// The 404 page (the same for every reason).
pub fn not_found_page() -> String {
    templates()
        .get_template("not_found.html")
        .and_then(|t| t.render(minijinja::context! {}))
        .unwrap_or_else(|_| "Not found".to_owned())
}

/// Where pages live under the public base URL (its path, without a trailing `/`).
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// `""`, or `/dailyq` when the bot is served under a path.
    pub prefix: String,
}

impl Site {
    /// The site of a public base URL (`https://example.org/dailyq/` → prefix `/dailyq`).
    pub fn from_base(base: Option<&str>) -> Site {
        let prefix = base
            .and_then(|b| url::Url::parse(b).ok())
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        Site { prefix }
    }

    fn board(&self, token: &WebToken, period: WebPeriod, page: u64) -> String {
        let mut href = format!("{}/g/{}", self.prefix, token.as_str());
        let mut sep = '?';
        if period != WebPeriod::All {
            href.push_str(&format!("?period={}", period.as_str()));
            sep = '&';
        }
        if page > 1 {
            href.push_str(&format!("{sep}page={page}"));
        }
        href
    }

    fn member(&self, token: &WebToken, member: UserId) -> String {
        format!("{}/g/{}/m/{}", self.prefix, token.as_str(), member.0)
    }
}

#[derive(Serialize)]
struct Tab {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Row {
    rank: u32,
    name: String,
    initial: String,
    avatar: String,
    href: String,
    points: i64,
    answers: i64,
}

#[derive(Serialize)]
struct TopView {
    name: String,
    href: String,
    votes: i64,
    /// The answer as HTML (from Markdown).
    text: Option<String>,
}

#[derive(Serialize)]
struct RoundView {
    number: u64,
    date: String,
    date_label: String,
    category: String,
    difficulty: String,
    /// The question as HTML (from Markdown).
    prompt: String,
    /// The reference answer as HTML (from Markdown).
    answer: String,
    top: Vec<TopView>,
}

/// The guild a token opens, its name, and its settings; none when the page is not on.
async fn open(store: &Store, token: &str) -> Result<Option<(WebToken, GuildId, String)>, WebError> {
    let Some(token) = WebToken::parse(token) else {
        return Ok(None);
    };
    let Some((guild, name)) = store.guild_by_web_token(&token).await? else {
        return Ok(None);
    };
    let name = name.unwrap_or_else(|| "This server".to_owned());
    Ok(Some((token, guild, name)))
}

/// The first letter of a name, shown in place of an avatar the browser could not load.
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().collect())
}

fn name_of(looks: &HashMap<UserId, MemberLook>, member: UserId) -> (String, String) {
    match looks.get(&member) {
        Some(look) => (
            look.name.clone(),
            rules::avatar_url(member, look.avatar.as_deref()),
        ),
        None => (rules::unknown_name(member), rules::avatar_url(member, None)),
    }
}

/// The board page of the guild `token` opens, or `None` (a 404).
pub async fn board_page(
    store: &Store,
    site: &Site,
    now: DateTime<Utc>,
    token: &str,
    period: Option<&str>,
    page: Option<&str>,
) -> Result<Option<String>, WebError> {
    let Some((token, guild, guild_name)) = open(store, token).await? else {
        return Ok(None);
    };
    let Some(asked) = period.map_or(Some(WebPeriod::All), WebPeriod::parse) else {
        return Ok(None);
    };
    // Pages are 1-based in the URL; anything that is not a page number is the first page.
    let page = page.and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let settings = store.settings_with_standings(guild, now).await?;
    let season = settings.season_kind.period();
    let Some(period) = asked.period(season) else {
        return Ok(None);
    };
    let bucket = Board::Daily.bucket(period, settings.timezone, now);
    // The same read as `/leaderboard` (no asking member: nobody is signed in).
    let board = store
        .leaderboard_page(guild, None, &bucket, page - 1, PAGE_SIZE, UserId(0))
        .await?;
    let rounds = store.recent_rounds(guild, ROUNDS_SHOWN).await?;
    let mut members: Vec<UserId> = board.rows.iter().map(|r: &Ranked| r.standing.member).collect();
    members.extend(rounds.iter().flat_map(|r| r.top.iter().map(|a| a.member)));
    members.sort_unstable();
    members.dedup();
    let looks = store.member_looks(guild, &members).await?;

    let tabs: Vec<Tab> = WebPeriod::ALL
        .into_iter()
        .filter(|p| p.period(season).is_some())
        .map(|p| Tab {
            label: p.label(),
            href: site.board(&token, p, 1),
            current: p == asked,
        })
        .collect();
    let rows: Vec<Row> = board
        .rows
        .iter()
        .map(|r| {
            let (name, avatar) = name_of(&looks, r.standing.member);
            Row {
                rank: r.rank,
                initial: initial(&name),
                name,
                avatar,
                href: site.member(&token, r.standing.member),
                points: r.standing.points,
                answers: r.standing.answers,
            }
        })
        .collect();
    let pages = board.total.div_ceil(PAGE_SIZE).max(1);
    let shown = board.page + 1;
    let rounds: Vec<RoundView> = rounds
        .into_iter()
        .map(|r| RoundView {
            number: r.number,
            date: r.date.format("%Y-%m-%d").to_string(),
            date_label: r.date.format("%a %-d %B %Y").to_string(),
            category: r.category,
            difficulty: r.difficulty,
            prompt: markdown::to_html(&r.prompt),
            answer: markdown::to_html(&r.answer),
            top: r
                .top
                .into_iter()
                .map(|a| TopView {
                    name: name_of(&looks, a.member).0,
                    href: site.member(&token, a.member),
                    votes: a.votes,
                    text: a.text.as_deref().map(markdown::to_html),
                })
                .collect(),
        })
        .collect();
    let html = templates()
        .get_template("board.html")?
        .render(minijinja::context! {
            prefix => site.prefix,
            guild_name => guild_name,
            board_href => site.board(&token, WebPeriod::All, 1),
            tabs => tabs,
            period_label => asked.label(),
            rows => rows,
            total => board.total,
            page => shown,
            pages => pages,
            prev_href => (shown > 1).then(|| site.board(&token, asked, shown - 1)),
            next_href => (shown < pages).then(|| site.board(&token, asked, shown + 1)),
            rounds => rounds,
        })?;
    Ok(Some(html))
}

#[derive(Serialize)]
struct CategoryView {
    name: String,
    count: i64,
}

/// A member's page in the guild `token` opens, or `None` (a 404: no such page, or a member
/// with no points and no answers there).
pub async fn member_page(
    store: &Store,
    site: &Site,
    now: DateTime<Utc>,
    token: &str,
    member: &str,
) -> Result<Option<String>, WebError> {
    let Some((token, guild, guild_name)) = open(store, token).await? else {
        return Ok(None);
    };
    let Some(member) = member.parse::<u64>().ok().filter(|m| *m > 0).map(UserId) else {
        return Ok(None);
    };
    let settings = store.settings_with_standings(guild, now).await?;
    let bucket = Board::Daily.bucket(
        crate::domain::leaderboard::Period::AllTime,
        settings.timezone,
        now,
    );
    // One read of the board gives both the member's rank and how many are ranked.
    let board = store.leaderboard_page(guild, None, &bucket, 0, 1, member).await?;
    let (standing, ranked) = (board.me, board.total);
    let stats = store.member_stats(guild, member).await?;
    if standing.is_none() && stats.answers == 0 && stats.per_category.is_empty() {
        return Ok(None);
    }
    let looks = store.member_looks(guild, &[member]).await?;
    let (name, avatar) = name_of(&looks, member);
    let streaks = store.member_streaks(guild, member).await?;
    let streak = streaks
        .iter()
        .map(|(_, s, latest)| s.current_as_of(*latest))
        .max()
        .unwrap_or(0);
    let best_streak = streaks.iter().map(|(_, s, _)| s.best).max().unwrap_or(0);
    let lines = store
        .member_points(guild, member, settings.practice_on_daily)
        .await?;
    let series = rules::points_over_time(settings.timezone, &lines);
    let chart = chart::points_svg(&series);
    let chart_caption = match (series.first(), series.last()) {
        (Some((first, _)), Some((last, total))) => format!(
            "Running total of points, from {} to {}: {total} point{} in all.",
            first.format("%-d %B %Y"),
            last.format("%-d %B %Y"),
            if *total == 1 { "" } else { "s" }
        ),
        _ => String::new(),
    };
    let categories: Vec<CategoryView> = stats
        .per_category
        .iter()
        .map(|(name, count)| CategoryView {
            name: name.clone(),
            count: *count,
        })
        .collect();
    let html = templates()
        .get_template("member.html")?
        .render(minijinja::context! {
            prefix => site.prefix,
            guild_name => guild_name,
            board_href => site.board(&token, WebPeriod::All, 1),
            name => name,
            avatar => avatar,
            points => standing.as_ref().map_or(0, |s| s.standing.points),
            rank => standing.as_ref().map(|s| s.rank),
            ranked => ranked,
            answers => stats.answers,
            votes => stats.votes_received,
            streak => streak,
            best_streak => best_streak,
            chart => chart,
            chart_caption => chart_caption,
            categories => categories,
        })?;
    Ok(Some(html))
}
