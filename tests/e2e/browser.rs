//! A real browser opens the web leaderboard of a guild that played rounds through the fake
//! Discord: Debian's Chromium, headless, driven through chromedriver (WebDriver) by fantoccini.
//!
//! CI installs `chromium` and `chromium-driver` and sets `DAILYQ_REQUIRE_BROWSER=1`, so there the
//! test cannot skip. Elsewhere, without chromedriver, it says so and passes (like the
//! PostgreSQL tests without `DAILYQ_TEST_POSTGRES_URL`). Screenshots are kept under
//! `target/browser/` as CI artefacts.

use crate::harness::{App, Backend};
use crate::http::serve;
use crate::web::{TRICKY, config, page_path, play_two_rounds, web};
use fantoccini::{ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::Stdio;

const WEBDRIVER_ENTER: &str = "\u{E007}";

/// The chromedriver to use: `CHROMEDRIVER`, else Debian's.
fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("DAILYQ_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "DAILYQ_REQUIRE_BROWSER=1 but there is no {}: install Debian's chromium and chromium-driver (see .ci/run)",
        path.display()
    );
    eprintln!(
        "skipping the browser test: no {} (apt-get install chromium chromium-driver)",
        path.display()
    );
    None
}

/// The letters and digits of a text, in order.
fn letters(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Whether `short` is `long` with some characters left out.
fn is_subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

/// Where screenshots go: `target/browser/`.
fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running chromedriver, killed when dropped.
struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A chromedriver on a free port and its URL, once it answers.
async fn start_chromedriver(path: &PathBuf) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Driver(
        std::process::Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let url = format!("http://127.0.0.1:{port}");
    crate::harness::eventually("chromedriver answers", || {
        let status = format!("{url}/status");
        async move {
            let r = reqwest::get(&status).await.ok()?;
            let body = r.text().await.ok()?;
            body.contains("\"ready\":true").then_some(())
        }
    })
    .await;
    (child, url)
}

fn capabilities() -> serde_json::Map<String, serde_json::Value> {
    let chrome = serde_json::json!({
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-extensions",
            "--no-first-run",
            // Nothing leaves the machine: Discord's CDN (the avatars) fails at once.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            // A phone's width.
            "--window-size=412,915",
        ],
    });
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".to_owned(), chrome);
    caps
}

async fn a_browser_shows_names_points_and_order_and_toggles_a_reference_answer(app: &mut App, label: &str) {
    let shot = |name: &str| artefacts().join(format!("{name}-{label}.png"));
    let Some(driver) = chromedriver() else {
        return;
    };
    let channel = play_two_rounds(app).await;
    let base = serve(app.bot_data().clone()).await;
    let path = page_path(&web(app, "admin", channel, "on").await);
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    let newest = app.store.recent_rounds(guild, 1).await.unwrap().remove(0);

    let (_chromedriver, url) = start_chromedriver(&driver).await;
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let browser = ClientBuilder::new(connector)
        .capabilities(capabilities())
        .connect(&url)
        .await
        .expect("a Chromium session");
    let result = async {
        browser.goto(&format!("{base}{path}")).await?;
        assert_eq!(
            browser.find(Locator::Css("h1")).await?.text().await?,
            "Interview Prep"
        );
        // The board, as rendered: names (the tricky one shown as text, not markup), points, order.
        let mut rows = Vec::new();
        for row in browser.find_all(Locator::Css("table.board tbody tr")).await? {
            rows.push((
                row.find(Locator::Css(".rank")).await?.text().await?,
                row.find(Locator::Css(".name")).await?.text().await?,
                row.find(Locator::Css(".points")).await?.text().await?,
            ));
        }
        let row =
            |rank: &str, name: &str, points: &str| (rank.to_owned(), name.to_owned(), points.to_owned());
        assert_eq!(
            rows,
            vec![
                row("1", "alice", "9"),
                row("2", TRICKY, "3"),
                row("3", "bob", "2")
            ]
        );
        assert!(
            browser.find_all(Locator::Css("table.board b")).await?.is_empty(),
            "a name is never markup"
        );
        // The newest round's reference answer is hidden until its toggle is clicked.
        let details = browser.find(Locator::Css("details.reference")).await?;
        let answer = details.find(Locator::Css(".answer")).await?;
        assert!(!answer.is_displayed().await?, "hidden before the toggle");
        browser
            .screenshot()
            .await
            .map(|png| std::fs::write(shot("leaderboard"), png))?
            .unwrap();
        details.find(Locator::Css("summary")).await?.click().await?;
        assert_eq!(details.prop("open").await?.as_deref(), Some("true"));
        assert!(answer.is_displayed().await?, "shown after the toggle");
        // What shows is the reference answer, rendered: its letters and digits in order, less
        // only what Markdown turns into markup (list numbers, link targets).
        let shown = letters(&answer.text().await?);
        let source = letters(&newest.answer);
        assert!(
            is_subsequence(&shown, &source) && shown.len() * 10 >= source.len() * 8,
            "shown {shown}\nsource {source}"
        );
        // The keyboard opens the next one too.
        let all = browser.find_all(Locator::Css("details.reference")).await?;
        let second = &all[1];
        second
            .find(Locator::Css("summary"))
            .await?
            .send_keys(WEBDRIVER_ENTER)
            .await?;
        assert_eq!(second.prop("open").await?.as_deref(), Some("true"));
        browser
            .screenshot()
            .await
            .map(|png| std::fs::write(shot("leaderboard-open"), png))?
            .unwrap();

        // A member page from the board's link: the chart is drawn.
        browser
            .find(Locator::Css("table.board tbody tr .member a"))
            .await?
            .click()
            .await?;
        let title = browser.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(title.trim(), "alice");
        let chart = browser.find(Locator::Css("figure.chart svg")).await?;
        assert!(chart.is_displayed().await?);
        assert!(
            !browser
                .find_all(Locator::Css("figure.chart svg circle"))
                .await?
                .is_empty()
        );
        browser
            .screenshot()
            .await
            .map(|png| std::fs::write(shot("member"), png))?
            .unwrap();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    browser.close().await.expect("the session closes");
    result.expect("the browser steps");
    let png = std::fs::read(shot("leaderboard")).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a screenshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_browser_shows_names_points_and_order_and_toggles_a_reference_answer() {
    let mut app = App::start_with(Backend::Sqlite, config()).await.unwrap();
    a_browser_shows_names_points_and_order_and_toggles_a_reference_answer(&mut app, "sqlite").await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_browser_shows_names_points_and_order_and_toggles_a_reference_answer() {
    let Some(mut app) = App::start_with(Backend::Postgres, config()).await else {
        return;
    };
    a_browser_shows_names_points_and_order_and_toggles_a_reference_answer(&mut app, "postgres").await;
    app.finish().await;
}
