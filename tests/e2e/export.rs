//! Exports: `/dailyq export` answers with CSV attachments (a header row, RFC 4180 quoting,
//! UTF-8) of scores, answers and rounds; `dailyq export` writes the same from the command line.

use crate::harness::{
    App, Backend, WAIT, answer, closed_round, set_up_daily, start_instant, upvote, wait_for_post,
};
use crate::web::TRICKY;
use chrono::Duration;
use fake_discord::opt;

/// Parses a CSV file: its header and rows.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

async fn export(
    app: &App,
    channel: u64,
    what: usize,
    extra: Vec<fake_discord::Opt>,
) -> fake_discord::FakeMessage {
    let mut options = vec![opt("what", what)];
    options.extend(extra);
    app.member("admin")
        .slash(channel, "dailyq", vec![fake_discord::sub("export", options)])
        .wait_message(WAIT)
        .await
        .unwrap()
}

async fn scores_answers_and_rounds_export_as_csv_in_the_app_and_on_the_command_line(app: &mut App) {
    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, channel, 1).await;
    let tricky = "Use a \"bloom filter\", then a cache;\nit saves a lookup — ✓";
    let a = answer(app, "alice", thread, tricky).await;
    answer(app, TRICKY, thread, "Shard by tenant and by time.").await;
    upvote(app, "carol", thread, a).await;
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;

    // Members may not export.
    let refused = app
        .member("alice")
        .slash_overridden(
            channel,
            "dailyq",
            vec![fake_discord::sub("export", vec![opt("what", 0)])],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(
        refused.attachments.is_empty() && refused.text().contains("Manage Server"),
        "{}",
        refused.text()
    );

    let answers = export(app, channel, 1, vec![]).await;
    assert!(answers.is_ephemeral(), "{}", answers.text());
    assert!(answers.text().contains("2 rows"), "{}", answers.text());
    let file = &answers.attachments[0];
    assert_eq!(file.filename, "answers-all.csv");
    let (header, rows) = read_csv(&file.bytes);
    assert_eq!(header[0], "channel_id");
    let content = header.iter().position(|h| h == "content").unwrap();
    let upvotes = header.iter().position(|h| h == "upvotes").unwrap();
    let alice = app.member("alice").id.to_string();
    let row = rows.iter().find(|r| r.contains(&alice)).expect("alice's answer");
    assert_eq!(row[content], tricky, "quoting and UTF-8 survive");
    assert_eq!(row[upvotes], "1");
    let name = header.iter().position(|h| h == "member_name").unwrap();
    assert_eq!(row[name], "alice");
    let theirs = app.member(TRICKY).id.to_string();
    let row = rows.iter().find(|r| r.contains(&theirs)).expect("their answer");
    assert_eq!(
        row[name], TRICKY,
        "a name with commas, quotes and markup survives"
    );

    let scores = export(app, channel, 0, vec![opt("period", 1)]).await;
    let (header, rows) = read_csv(&scores.attachments[0].bytes);
    assert_eq!(
        header,
        ["rank", "member_id", "member_name", "points", "answered_rounds"]
    );
    assert_eq!(rows[0][1], alice, "the top answer's author first");
    assert_eq!(
        rows[0][3], "6",
        "2 for answering, 1 upvoter, 3 for the top answer"
    );
    // Parsed back, the scores are the ledger's, member by member.
    let guild = dailyq::domain::GuildId(app.fake.guild_id());
    let ledger = dailyq::domain::leaderboard::rank(app.store.standings(guild, None, None).await.unwrap());
    let from_csv: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[3].clone(), r[4].clone()))
        .collect();
    let from_ledger: Vec<(String, String, String, String)> = ledger
        .iter()
        .map(|r| {
            (
                r.rank.to_string(),
                r.standing.member.0.to_string(),
                r.standing.points.to_string(),
                r.standing.answers.to_string(),
            )
        })
        .collect();
    assert_eq!(from_csv, from_ledger);
    assert!(rows.iter().any(|r| r[2] == TRICKY), "{rows:?}");

    let rounds = export(app, channel, 2, vec![opt("channel", channel)]).await;
    let (header, rows) = read_csv(&rounds.attachments[0].bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0][header.iter().position(|h| h == "state").unwrap()],
        "closed"
    );
    assert_eq!(rows[0][header.iter().position(|h| h == "answers").unwrap()], "2");

    // The command line reads the same database and writes the same CSV.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dailyq"))
        .args([
            "export",
            "--guild",
            &app.fake.guild_id().to_string(),
            "--what",
            "answers",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.db_url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, file.bytes, "the same file as the app's");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_dailyq"))
        .args(["export", "--guild", "1", "--what", "votes"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.db_url())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an export"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_scores_answers_and_rounds_export_as_csv_in_the_app_and_on_the_command_line() {
    let mut app = App::start_with(Backend::Sqlite, crate::web::config())
        .await
        .unwrap();
    scores_answers_and_rounds_export_as_csv_in_the_app_and_on_the_command_line(&mut app).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_scores_answers_and_rounds_export_as_csv_in_the_app_and_on_the_command_line() {
    let Some(mut app) = App::start_with(Backend::Postgres, crate::web::config()).await else {
        return;
    };
    scores_answers_and_rounds_export_as_csv_in_the_app_and_on_the_command_line(&mut app).await;
    app.finish().await;
}
