//! The web leaderboard: `/dailyq web on|off|rotate`, the pages a guild's link opens, and the
//! 404 everything else gets.

use crate::harness::{
    App, Backend, PUBLIC_URL, WAIT, answer, closed_round, set_up_daily, start_instant, upvote, wait_for_post,
};
use crate::http::{get, serve};
use chrono::Duration;
use fake_discord::{FakeConfig, sub};

/// A member whose display name needs escaping in HTML and quoting in CSV.
pub const TRICKY: &str = "<b>Zoë & \"Co\", Ltd</b>";

/// The fake guild with a member whose name must be escaped.
pub fn config() -> FakeConfig {
    FakeConfig::default().with_member(TRICKY, &[])
}

/// Runs `/dailyq web <action>` as `who` and returns the bot's reply.
pub async fn web(app: &App, who: &str, channel: u64, action: &str) -> String {
    let member = app.member(who);
    let command = vec![sub("web", vec![sub(action, vec![])])];
    let reply = if who == "admin" {
        member.slash(channel, "dailyq", command)
    } else {
        member.slash_overridden(channel, "dailyq", command)
    };
    reply.wait_message(WAIT).await.unwrap().text()
}

/// The guild's page token in the database.
async fn web_token(app: &App) -> Option<dailyq::domain::web::WebToken> {
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    app.store.web_token(guild).await.unwrap()
}

/// The page path (`/g/<token>`) in a reply, checked to sit under the bot's public URL.
pub fn page_path(reply: &str) -> String {
    let at = reply
        .find(PUBLIC_URL)
        .unwrap_or_else(|| panic!("no link in {reply:?}"));
    let token: String = reply[at + PUBLIC_URL.len()..]
        .strip_prefix("g/")
        .unwrap_or_else(|| panic!("no page path in {reply:?}"))
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 32, "{reply}");
    format!("/g/{token}")
}

/// Two daily rounds: alice answers both (upvoted by carol and the tricky member), bob and the
/// tricky member answer the first. Alice leads, then the tricky member and bob.
pub async fn play_two_rounds(app: &mut App) -> u64 {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, channel, 1).await;
    let a = answer(
        app,
        "alice",
        thread,
        "Hash the key, then walk the ring clockwise.",
    )
    .await;
    answer(app, "bob", thread, "Use a bigger machine until it hurts.").await;
    let z = answer(
        app,
        TRICKY,
        thread,
        "Consistent hashing with virtual nodes, say 100 each.",
    )
    .await;
    upvote(app, "carol", thread, a).await;
    upvote(app, TRICKY, thread, a).await;
    upvote(app, "carol", thread, z).await;
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;
    app.advance(Duration::days(1) - Duration::hours(2));
    let (_, thread) = wait_for_post(app, channel, 2).await;
    answer(app, "alice", thread, "A write-ahead log first, then the page.").await;
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;
    channel
}

/// The rows of the board table, as (rank, name, points), read from the HTML in order.
fn board_rows(html: &str) -> Vec<(String, String, String)> {
    let table = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let cell = |start: &str| {
                let from = row.find(start).unwrap() + start.len();
                row[from..][..row[from..].find('<').unwrap()].to_owned()
            };
            (
                cell("<td class=\"rank\">"),
                cell("<span class=\"name\">"),
                cell("<td class=\"num points\">"),
            )
        })
        .collect()
}

async fn the_web_page_needs_opt_in_and_its_link_stops_working_after_rotation_or_off(app: &mut App) {
    let channel = play_two_rounds(app).await;
    let base = serve(app.bot_data().clone()).await;
    // Not opted in: any token, well-formed or not, is the same 404.
    let made_up = format!("/g/{}", "0123456789abcdef".repeat(2));
    let (status, not_found) = get(&base, &made_up).await;
    assert_eq!(status, 404);
    assert!(not_found.contains("Not found"), "{not_found}");
    assert_eq!(get(&base, "/g/short").await.0, 404);
    assert_eq!(get(&base, "/elsewhere").await.0, 404);

    // Members may not turn it on.
    let refused = web(app, "alice", channel, "on").await;
    assert!(refused.contains("Manage Server"), "{refused}");
    assert_eq!(web_token(app).await, None);

    let on = web(app, "admin", channel, "on").await;
    let path = page_path(&on);
    let (status, html) = get(&base, &path).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<h1>Interview Prep</h1>"),
        "the server's name: {html}"
    );
    // alice: 2 + 2 (answers) + 2 voters + top answer 3 = 9; the tricky member 2 + 1 = 3; bob 2.
    let rows = board_rows(&html);
    assert_eq!(
        rows,
        vec![
            ("1".into(), "alice".into(), "9".into()),
            (
                "2".into(),
                "&lt;b&gt;Zoë &amp; &quot;Co&quot;, Ltd&lt;&#x2f;b&gt;".into(),
                "3".into()
            ),
            ("3".into(), "bob".into(), "2".into()),
        ],
        "{html}"
    );
    assert!(!html.contains(TRICKY), "a name is escaped");
    // The last rounds: newest first, the reference answer behind a toggle, the top answers.
    let second = html.find("Round 2").expect("round 2 listed");
    let first = html.find("Round 1").expect("round 1 listed");
    assert!(second < first, "newest first");
    assert!(html.contains("<details class=\"reference\">"), "{html}");
    assert!(
        html.contains("Hash the key, then walk the ring clockwise."),
        "{html}"
    );
    assert!(html.contains("2 upvotes"), "{html}");
    assert!(
        html.contains("src=\"https:&#x2f;&#x2f;cdn.discordapp.com&#x2f;embed&#x2f;avatars&#x2f;"),
        "{html}"
    );
    // Asking again gives the same link.
    assert_eq!(page_path(&web(app, "admin", channel, "on").await), path);

    // Periods and pages.
    for period in ["week", "month", "all"] {
        let (status, html) = get(&base, &format!("{path}?period={period}")).await;
        assert_eq!(status, 200, "{period}");
        assert_eq!(board_rows(&html)[0].1, "alice", "{period}");
    }
    assert_eq!(get(&base, &format!("{path}?period=decade")).await.0, 404);
    let (status, html) = get(&base, &format!("{path}?page=9")).await;
    assert_eq!(status, 200);
    assert_eq!(
        board_rows(&html).len(),
        3,
        "a page past the end shows the last one"
    );

    // A member page: chart, categories, streaks.
    let alice = app.member("alice").id;
    let (status, html) = get(&base, &format!("{path}/m/{alice}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<svg role=\"img\""), "a chart: {html}");
    assert!(html.contains("9 points in all"), "{html}");
    assert!(html.contains("<dt>Current streak</dt><dd>2</dd>"), "{html}");
    assert_eq!(get(&base, &format!("{path}/m/12345")).await.0, 404, "nobody");
    assert_eq!(get(&base, &format!("{path}/m/x")).await.0, 404);

    // Rotation: the old link is gone, the new one works.
    let rotated = web(app, "admin", channel, "rotate").await;
    let new_path = page_path(&rotated);
    assert_ne!(new_path, path);
    assert_eq!(get(&base, &path).await.0, 404);
    assert_eq!(get(&base, &format!("{path}/m/{alice}")).await.0, 404);
    assert_eq!(get(&base, &new_path).await.0, 200);

    // Off: nothing is served; rotating asks to turn it on first.
    let off = web(app, "admin", channel, "off").await;
    assert!(off.contains("is off"), "{off}");
    assert_eq!(get(&base, &new_path).await.0, 404);
    let nothing = web(app, "admin", channel, "rotate").await;
    assert!(nothing.contains("/dailyq web on"), "{nothing}");
    assert_eq!(web_token(app).await, None);
}

async fn pages_tell_browsers_to_load_only_avatars_and_never_to_send_the_link(app: &mut App) {
    let channel = play_two_rounds(app).await;
    let base = serve(app.bot_data().clone()).await;
    let path = page_path(&web(app, "admin", channel, "on").await);
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert!(header("content-type").starts_with("text/html"));
    let csp = header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("img-src https://cdn.discordapp.com"),
        "{csp}"
    );
    let (status, css) = get(&base, "/static/dailyq.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(":focus-visible"), "keyboard focus is visible");
}

macro_rules! on_both_backends {
    ($($sqlite:ident, $postgres:ident => $name:ident;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $sqlite() {
                let mut app = App::start_with(Backend::Sqlite, config()).await.unwrap();
                $name(&mut app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $postgres() {
                let Some(mut app) = App::start_with(Backend::Postgres, config()).await else {
                    return;
                };
                $name(&mut app).await;
                app.finish().await;
            }
        )*
    };
}

on_both_backends! {
    on_sqlite_the_web_page_needs_opt_in_and_its_link_stops_working_after_rotation_or_off,
    on_postgres_the_web_page_needs_opt_in_and_its_link_stops_working_after_rotation_or_off
        => the_web_page_needs_opt_in_and_its_link_stops_working_after_rotation_or_off;
    on_sqlite_pages_tell_browsers_to_load_only_avatars_and_never_to_send_the_link,
    on_postgres_pages_tell_browsers_to_load_only_avatars_and_never_to_send_the_link
        => pages_tell_browsers_to_load_only_avatars_and_never_to_send_the_link;
}
