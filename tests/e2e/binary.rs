//! The `dailyq` binary itself, configured only through its environment: start-up (migrations,
//! bank sync, the check that Discord answers and accepts the token, connect), a command against
//! the fake Discord through `DISCORD_PROXY_URL`, and a clean stop on SIGTERM or Ctrl-C (SIGINT) in
//! every state: opening the database, waiting for an unreachable Discord, connected, and while a
//! round is being posted.

use crate::harness::WAIT;
use fake_discord::{FakeConfig, FakeDiscord, opt, sub};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the bot may take to exit after a stop signal (the requirement is 5 s).
const STOP_WITHIN: Duration = Duration::from_secs(5);
/// How long the bot may take to report an unreachable Discord (the requirement is 10 s).
const REPORT_WITHIN: Duration = Duration::from_secs(10);

/// A token of the right shape that no Discord accepts.
const WRONG_TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.not-the-token-of-this-bot";

/// `dailyq run` with nothing from the developer's environment but `PATH`, a SQLite file in `dir`
/// and the shipped questions.
pub(crate) fn dailyq_run(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dailyq"));
    cmd.arg("run")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("bot.db").display()),
        )
        .env("QUESTIONS_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/questions"))
        .env("RUST_LOG", "info")
        .env("NO_PROXY", "127.0.0.1,localhost");
    cmd
}

/// A running `dailyq` process whose stdout and stderr are collected as they come.
pub(crate) struct Bot {
    child: Child,
    output: Arc<Mutex<String>>,
    /// The threads reading stdout and stderr: they end at the process's end (end of file).
    readers: Vec<std::thread::JoinHandle<()>>,
    started: Instant,
}

impl Bot {
    pub(crate) fn spawn(mut cmd: Command) -> Bot {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dailyq");
        let output = Arc::new(Mutex::new(String::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        let readers = streams
            .into_iter()
            .map(|stream| {
                let output = Arc::clone(&output);
                std::thread::spawn(move || {
                    for line in BufReader::new(stream).lines().map_while(Result::ok) {
                        let mut all = output.lock().unwrap();
                        all.push_str(&line);
                        all.push('\n');
                    }
                })
            })
            .collect();
        Bot {
            child,
            output,
            readers,
            started: Instant::now(),
        }
    }

    /// Kills the process at once (SIGKILL): no shutdown, as when a machine dies.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("kill dailyq");
        self.child.wait().expect("reap dailyq");
    }

    /// Everything printed so far.
    pub(crate) fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until the output contains `needle`; returns the time since the start.
    async fn wait_for_output(&self, needle: &str, within: Duration) -> Duration {
        let deadline = Instant::now() + within;
        loop {
            if self.output().contains(needle) {
                return self.started.elapsed();
            }
            assert!(
                Instant::now() < deadline,
                "no `{needle}` within {within:?}; output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends a signal (`TERM`, `INT`) as `kill` does.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name}");
    }

    /// Waits for the process to exit; returns its status and how long that took.
    async fn wait_exit(&mut self, within: Duration) -> (ExitStatus, Duration) {
        let since = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let took = since.elapsed();
                // All it printed is read once the readers reach the end of the pipes.
                for reader in self.readers.drain(..) {
                    reader.join().expect("an output reader");
                }
                return (status, took);
            }
            assert!(
                since.elapsed() < within,
                "still running {within:?} later; output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends `signal` and asserts a clean exit (status 0) within [`STOP_WITHIN`]; returns the
    /// time from the signal to the exit.
    async fn stop_with(&mut self, signal: &str) -> Duration {
        self.signal(signal);
        let (status, took) = self.wait_exit(STOP_WITHIN).await;
        let output = self.output();
        assert!(
            status.success(),
            "exit status {status:?} after SIG{signal}\n{output}"
        );
        assert!(output.contains("shutting down"), "{output}");
        eprintln!("measured: exit {took:?} after SIG{signal}");
        took
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `dailyq run` against `fake` (its token, through its proxy) with `extra` variables, once it
/// has connected and registered its commands.
async fn connected_bot(fake: &FakeDiscord, dir: &Path, extra: &[(&str, &str)]) -> Bot {
    let mut cmd = dailyq_run(dir);
    cmd.env("DISCORD_TOKEN", fake.bot_token())
        .env("DISCORD_PROXY_URL", fake.proxy_base())
        .envs(extra.iter().copied());
    let bot = Bot::spawn(cmd);
    fake.gateway()
        .wait_ready(WAIT)
        .await
        .expect("the binary connects");
    fake.wait_for_command("dailyq", WAIT)
        .await
        .expect("and registers its commands");
    bot
}

/// A loopback port on which nothing listens: bound, read, released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_starts_from_its_environment_answers_and_stops_on_sigterm() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bot = connected_bot(&fake, dir.path(), &[]).await;
    let reply = fake
        .member("alice")
        .slash(fake.channel("general"), "help", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(reply.text().contains("/dailyq setup"));
    assert!(dir.path().join("bot.db").exists(), "the SQLite file was created");

    bot.stop_with("TERM").await;
    let logs = bot.output();
    let shipped = dailyq::bank::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/questions"
    )))
    .unwrap()
    .len();
    assert!(
        logs.contains("question bank synced") && logs.contains(&format!("inserted={shipped}")),
        "{logs}"
    );
    assert!(logs.contains("Discord accepted the token"), "{logs}");
    assert!(
        !logs.contains(&fake.bot_token()),
        "the token never reaches the logs"
    );
}

async fn unreachable_discord_is_reported_and_the_signal_stops_the_bot(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = dailyq_run(dir.path());
    cmd.env("DISCORD_TOKEN", WRONG_TOKEN)
        .env("DISCORD_PROXY_URL", format!("http://127.0.0.1:{}", closed_port()));
    let mut bot = Bot::spawn(cmd);
    let reported = bot.wait_for_output("cannot reach Discord", REPORT_WITHIN).await;
    eprintln!("measured: first unreachable-Discord line {reported:?} after start");
    let output = bot.output();
    assert!(output.contains("retrying in 1s"), "{output}");
    // The backoff grows: wait for the second attempt, then stop while the bot waits for Discord.
    bot.wait_for_output("retrying in 2s", REPORT_WITHIN).await;
    bot.stop_with(signal).await;
    assert!(
        !bot.output().contains(WRONG_TOKEN),
        "the token never reaches the logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_discord_is_reported_within_10_s_and_sigterm_stops_the_bot_within_5_s() {
    unreachable_discord_is_reported_and_the_signal_stops_the_bot("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_discord_is_reported_within_10_s_and_ctrl_c_stops_the_bot_within_5_s() {
    unreachable_discord_is_reported_and_the_signal_stops_the_bot("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_discord_rejects_stops_the_bot_with_exit_1_and_one_sentence_naming_discord_token() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = dailyq_run(dir.path());
    cmd.env("DISCORD_TOKEN", WRONG_TOKEN)
        .env("DISCORD_PROXY_URL", fake.proxy_base())
        .env("RUST_LOG", "warn");
    let mut bot = Bot::spawn(cmd);
    let (status, _) = bot.wait_exit(WAIT).await;
    let output = bot.output();
    assert_eq!(status.code(), Some(1), "{output}");
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {output}");
    assert!(
        lines[0].starts_with("error: DISCORD_TOKEN: was rejected by Discord (401 Unauthorized)"),
        "{output}"
    );
    assert!(
        !output.contains(WRONG_TOKEN) && !output.contains("GabcDE"),
        "{output}"
    );
    assert!(
        !fake.gateway().is_connected(),
        "a rejected token never opens the gateway"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_database_does_not_answer_stops_the_bot_within_5_s() {
    // A "PostgreSQL server" that accepts connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let port = silent.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = dailyq_run(dir.path());
    cmd.env("DISCORD_TOKEN", WRONG_TOKEN).env(
        "DATABASE_URL",
        format!("postgres://dailyq@127.0.0.1:{port}/dailyq"),
    );
    let mut bot = Bot::spawn(cmd);
    // Wait until the bot is connected to the database and waiting for its answer.
    let deadline = Instant::now() + WAIT;
    let _connection = loop {
        match silent.accept() {
            Ok((connection, _)) => break connection,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "the bot never connected to the database"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    bot.stop_with("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_a_round_is_being_posted_stops_the_bot_within_5_s() {
    // Every REST answer will be slow; the first response to a command may then come late.
    let fake = FakeDiscord::start(FakeConfig {
        interaction_deadline: Duration::from_secs(60),
        ..FakeConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut bot = connected_bot(&fake, dir.path(), &[]).await;
    let channel = fake.channel("dailyq");
    let admin = fake.member("admin");
    let reply = admin
        .slash(
            channel,
            "dailyq",
            vec![sub(
                "setup",
                vec![
                    opt("channel", channel),
                    opt("time", "09:00"),
                    opt("timezone", "UTC"),
                ],
            )],
        )
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(reply.text().contains("Set up"), "{}", reply.text());

    // Discord now answers every request after 3 s: the post below claims its round and then
    // waits for Discord.
    fake.faults().set_delay(Duration::from_secs(3));
    let _post = admin.slash(channel, "dailyq", vec![sub("post", vec![])]);
    let store = dailyq::store::Store::connect(&format!("sqlite://{}", dir.path().join("bot.db").display()))
        .await
        .unwrap();
    crate::harness::eventually("a round claimed and not yet posted", || {
        let store = store.clone();
        async move {
            store
                .current_round(dailyq::domain::ChannelId(channel))
                .await
                .ok()
                .flatten()
                .filter(|r| r.state == dailyq::domain::round::RoundState::Pending)
        }
    })
    .await;
    bot.stop_with("TERM").await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_health_metrics_and_the_web_page_from_its_environment() {
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let http = format!("127.0.0.1:{}", closed_port());
    let mut bot = connected_bot(
        &fake,
        dir.path(),
        &[
            ("DAILYQ_HTTP_ADDR", http.as_str()),
            ("DAILYQ_PUBLIC_URL", "https://q.example.org/"),
        ],
    )
    .await;
    let base = format!("http://{http}");
    crate::harness::eventually("ready", || {
        let url = format!("{base}/readyz");
        async move {
            let r = reqwest::get(url).await.ok()?;
            (r.status() == 200).then_some(())
        }
    })
    .await;

    let reply = fake
        .member("admin")
        .slash(
            fake.channel("general"),
            "dailyq",
            vec![sub("web", vec![sub("on", vec![])])],
        )
        .wait_message(WAIT)
        .await
        .unwrap()
        .text();
    let path = reply
        .split("https://q.example.org")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("a link under DAILYQ_PUBLIC_URL: {reply}"))
        .to_owned();
    let page = crate::harness::eventually("the page names the server", || {
        let url = format!("{base}{path}");
        async move {
            let r = reqwest::get(url).await.ok()?;
            let body = r.text().await.ok()?;
            body.contains("<h1>Interview Prep</h1>").then_some(body)
        }
    })
    .await;
    assert!(page.contains("No round has been revealed yet."), "{page}");

    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |series: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
            .map_or(0.0, |v| v.parse::<f64>().unwrap())
    };
    // sqlx's own statement events, read by the binary's tracing layer.
    assert!(
        value("dailyq_db_query_seconds_count{statement=\"select\"}") > 0.0,
        "{metrics}"
    );
    assert!(
        value("dailyq_db_query_seconds_count{statement=\"insert\"}") > 0.0,
        "{metrics}"
    );
    assert_eq!(
        value("dailyq_gateway_sessions_total{event=\"ready\"}"),
        1.0,
        "{metrics}"
    );
    assert_eq!(
        value("dailyq_interactions_total{command=\"dailyq web on\",outcome=\"ok\"}"),
        1.0,
        "{metrics}"
    );
    bot.stop_with("TERM").await;
}
