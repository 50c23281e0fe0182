//! The `dailyq` binary itself, configured only through its environment, against the fake
//! Discord through `DISCORD_PROXY_URL`: start-up (migrations, bank sync, connect), a command,
//! and a clean stop on SIGTERM.

use crate::harness::WAIT;
use fake_discord::{FakeConfig, FakeDiscord};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_starts_from_its_environment_answers_and_stops_on_sigterm() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let child = Command::new(env!("CARGO_BIN_EXE_dailyq"))
        .arg("run")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DISCORD_TOKEN", fake.bot_token())
        .env("DISCORD_PROXY_URL", fake.proxy_base())
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("QUESTIONS_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/questions"))
        .env("RUST_LOG", "info")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    fake.gateway()
        .wait_ready(WAIT)
        .await
        .expect("the binary connects");
    fake.wait_for_command("dailyq", WAIT)
        .await
        .expect("and registers its commands");
    let reply = fake
        .member("alice")
        .slash(fake.channel("general"), "help", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(reply.text().contains("/dailyq setup"));
    assert!(db.exists(), "the SQLite file was created");

    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "exit status {:?}\n{logs}", out.status);
    assert!(
        logs.contains("question bank synced") && logs.contains("inserted=264"),
        "{logs}"
    );
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(
        !logs.contains(&fake.bot_token()),
        "the token never reaches the logs"
    );
}
