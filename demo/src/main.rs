//! `cargo run -p dailyq-demo`: the real dailyq bot against the fake Discord on loopback, with
//! simulated members, running one whole round and printing what members would see. No token,
//! no network: everything stays on 127.0.0.1, and the database is a temporary SQLite file.
//!
//! `-- --serve [ADDR]` (default 127.0.0.1:8080) also serves the bot's HTTP endpoints there and,
//! after the rounds, turns the web leaderboard on and keeps it up until Ctrl-C, so a person can
//! open the page.

use anyhow::{Context as _, anyhow};
use chrono::{Duration, TimeZone, Utc};
use dailyq::clock::{Clock, ManualClock};
use dailyq::discord::{Data, SchedulerOptions, build_client, prepare_store};
use fake_discord::{FakeConfig, FakeDiscord, FakeMessage, opt, sub};
use poise::serenity_prelude as serenity;
use std::sync::Arc;
use std::time::Duration as StdDuration;

const WAIT: StdDuration = StdDuration::from_secs(15);

fn pause() -> StdDuration {
    if std::env::args().any(|a| a == "--fast") {
        StdDuration::from_millis(100)
    } else {
        StdDuration::from_secs(4)
    }
}

/// Turns ids into names the way a Discord client would show them.
struct Names(Vec<(String, String)>);

impl Names {
    fn show(&self, place: &str, m: &FakeMessage) {
        let who = if m.by_bot {
            format!("{} [bot]", m.author_name)
        } else {
            m.author_name.clone()
        };
        println!("\n{place} · {who}:");
        let mut text = m.text();
        for (raw, name) in &self.0 {
            text = text.replace(raw, name);
        }
        for line in text.lines() {
            println!("  │ {line}");
        }
    }
}

/// `--serve [ADDR]`: where to serve the web pages, if asked.
fn serve_addr() -> anyhow::Result<Option<std::net::SocketAddr>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == "--serve") else {
        return Ok(None);
    };
    let addr = args
        .get(at + 1)
        .filter(|a| !a.starts_with("--"))
        .map_or("127.0.0.1:8080", String::as_str);
    addr.parse()
        .map(Some)
        .map_err(|_| anyhow!("--serve {addr}: not an address to listen on, such as 127.0.0.1:8080"))
}

fn narrate(text: &str) {
    println!("\n── {text}");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let serve = serve_addr()?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let questions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../questions");
    let store = prepare_store(&url, &questions).await?;
    let start = Utc
        .with_ymd_and_hms(2026, 6, 10, 8, 59, 0)
        .single()
        .context("start instant")?;
    let clock = ManualClock::new(start);
    let source = clock.clone();
    let fake = FakeDiscord::start(FakeConfig::default().with_time_source(move || source.now())).await;

    println!(
        "dailyq demo: the real bot against a fake Discord at {}",
        fake.proxy_base()
    );
    println!(
        "Server \"Interview Prep\" with members admin, alice, bob and carol; simulated time starts {start}."
    );

    let http = serenity::HttpBuilder::new(fake.bot_token())
        .client(fake.production_client())
        .build();
    let public_url = serve.map(|addr| format!("http://{addr}/"));
    let data = Data::new(store.clone(), Arc::new(clock.clone()), true).with_public_url(public_url.as_deref());
    if let Some(addr) = serve {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("--serve: cannot listen on {addr}"))?;
        tokio::spawn(dailyq::http::serve(
            listener,
            data.clone(),
            std::future::pending(),
        ));
    }
    let options = SchedulerOptions {
        max_sleep: StdDuration::from_millis(100),
        ..Default::default()
    };
    let mut client = build_client(http, data.clone(), options).await?;
    let shards = client.shard_manager.clone();
    let bot = tokio::spawn(async move { client.start().await });
    fake.gateway()
        .wait_ready(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    fake.wait_for_command("dailyq", WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    narrate("the bot is connected and has registered its slash commands");

    let channel = fake.channel("dailyq");
    let (admin, alice, bob, carol) = (
        fake.member("admin"),
        fake.member("alice"),
        fake.member("bob"),
        fake.member("carol"),
    );
    let mut names = Names(vec![(format!("<#{channel}>"), "#dailyq".to_owned())]);
    for m in [&admin, &alice, &bob, &carol] {
        names.0.push((format!("<@{}>", m.id), format!("@{}", m.name)));
    }

    narrate(
        "admin runs /dailyq setup channel:#dailyq time:09:00 timezone:UTC answer_window:1h category:databases",
    );
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
                    opt("answer_window", "1h"),
                    opt("category", "databases"),
                ],
            )],
        )
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#dailyq (only admin sees this)", &reply);
    tokio::time::sleep(pause()).await;

    narrate("the clock reaches 09:00: the bot posts the question and opens a thread");
    clock.set(start + Duration::minutes(1));
    let post = fake
        .wait_for_bot_message(channel, |m| m.text().starts_with("Question #"), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#dailyq", &post);
    let thread = fake
        .wait_for_thread(channel, |t| t.id == post.id, WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names
        .0
        .push((format!("<#{}>", thread.id), "the thread".to_owned()));
    let in_thread = "#dailyq › thread".to_owned();
    println!("\n(the bot opened the thread \"{}\")", thread.name);
    // The instructions are in the question itself; the round is open once its thread is recorded.
    let deadline = tokio::time::Instant::now() + WAIT;
    let round = loop {
        if let Some(round) = store
            .round_by_thread(dailyq::domain::ChannelId(thread.id))
            .await?
        {
            break round;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the bot did not record the thread"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    tokio::time::sleep(pause()).await;

    narrate("members answer in the thread (the bot adds ⬆️ to each answer)");
    // The simulated members studied: alice and bob paraphrase parts of the reference answer.
    let question = store.question(round.question_id).await?;
    let points: Vec<String> = question
        .answer
        .lines()
        .filter(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim_start().trim_start_matches("- ").replace("**", ""))
        .collect();
    let say = |n: usize, fallback: &str| points.get(n).cloned().unwrap_or_else(|| fallback.to_owned());
    let answers = [
        (
            &alice,
            format!("My take: {}", say(0, "start from the core trade-off.")),
        ),
        (
            &bob,
            format!("I'd add: {}", say(1, "measure before changing anything.")),
        ),
        (
            &carol,
            "Not sure, but I think it depends on the workload.".to_owned(),
        ),
    ];
    let mut ids = Vec::new();
    for (member, text) in answers {
        let id = member.say(thread.id, &text);
        ids.push(id);
        if let Some(m) = fake.message(id) {
            names.show(&in_thread, &m);
        }
    }
    tokio::time::sleep(pause()).await;

    narrate("votes: bob and carol upvote alice; alice upvotes bob; alice upvotes herself (never counts)");
    bob.react(thread.id, ids[0], "⬆️");
    carol.react(thread.id, ids[0], "⬆️");
    alice.react(thread.id, ids[1], "⬆️");
    alice.react(thread.id, ids[0], "⬆️");
    tokio::time::sleep(pause()).await;

    narrate("the clock reaches 10:00: the bot reveals the reference answer, counts votes and scores");
    clock.set(start + Duration::minutes(61));
    let reveal = fake
        .wait_for_bot_message(thread.id, |m| m.text().contains("Reference answer"), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show(&in_thread, &reveal);
    let summary = fake
        .wait_for_bot_message(channel, |m| m.reply_to == Some(post.id), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#dailyq", &summary);
    let locked = fake
        .wait_for_thread(channel, |t| t.id == thread.id && t.locked, WAIT)
        .await
        .is_ok();
    narrate(if locked {
        "the thread is now locked and archived"
    } else {
        "the thread is still open"
    });
    tokio::time::sleep(pause()).await;

    narrate("alice runs /leaderboard");
    let board = alice
        .slash(channel, "leaderboard", vec![])
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#dailyq", &board);
    narrate("alice runs /stats");
    let stats = alice
        .slash(channel, "stats", vec![])
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#dailyq", &stats);

    narrate("bob has an interview on Friday: he runs /practice solo (only he sees it)");
    let solo = bob
        .slash(channel, "practice", vec![sub("solo", vec![])])
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#dailyq (only bob)", &solo);
    for (code, what) in [("h", "Hint"), ("a", "Show answer"), ("r", "Review later")] {
        let Some(button) = solo
            .custom_ids()
            .into_iter()
            .find(|id| id.starts_with(&format!("dq:solo:{code}:")))
        else {
            continue;
        };
        narrate(&format!("bob presses {what}"));
        let response = bob
            .click(channel, solo.id, &button)
            .wait_response(WAIT)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        if let Some(m) = &response.message {
            names.show("#dailyq (only bob)", m);
        }
    }

    narrate("18:00, the study group meets in #general: admin runs /practice start questions:2 minutes:5");
    let general = fake.channel("general");
    names.0.push((format!("<#{general}>"), "#general".to_owned()));
    clock.set(start + Duration::hours(9) + Duration::minutes(1));
    let started = admin
        .slash(
            general,
            "practice",
            vec![sub("start", vec![opt("questions", 2), opt("minutes", 5)])],
        )
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general", &started);
    let mut question_threads = Vec::new();
    for seq in 1..=2u32 {
        let title = format!("Practice question {seq} ·");
        let post = fake
            .wait_for_bot_message(general, |m| m.text().starts_with(&title), WAIT)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        names.show("#general", &post);
        let thread = fake
            .wait_for_thread(general, |t| t.id == post.id, WAIT)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        let place = format!("#general › practice thread {seq}");
        let deadline = tokio::time::Instant::now() + WAIT;
        while store
            .round_by_thread(dailyq::domain::ChannelId(thread.id))
            .await?
            .and_then(|r| r.thread_id)
            .is_none()
        {
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the bot did not record the practice thread"
            );
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
        question_threads.push(thread.id);
        if seq == 1 {
            narrate("alice and carol answer; bob upvotes carol");
            let a = alice.say(
                thread.id,
                "I would start from the access pattern and pick the simplest structure that serves it.",
            );
            let c = carol.say(
                thread.id,
                "Measure first: find the slow path, then change one thing at a time.",
            );
            for id in [a, c] {
                if let Some(m) = fake.message(id) {
                    names.show(&place, &m);
                }
            }
            tokio::time::sleep(pause()).await;
            bob.react(thread.id, c, "⬆️");
            tokio::time::sleep(pause()).await;
            narrate("five minutes pass: the bot reveals the reference answer and asks the next question");
            clock.set(start + Duration::hours(9) + Duration::minutes(7));
            let reveal = fake
                .wait_for_bot_message(thread.id, |m| m.text().contains("Reference answer"), WAIT)
                .await
                .map_err(|e| anyhow!("{e:?}"))?;
            names.show(&place, &reveal);
        } else {
            let a = alice.say(
                thread.id,
                "Name the trade-off first, then the failure mode it protects against.",
            );
            if let Some(m) = fake.message(a) {
                names.show(&place, &m);
            }
            tokio::time::sleep(pause()).await;
            narrate("the group has to leave: admin runs /practice stop");
            let stopped = admin
                .slash(general, "practice", vec![sub("stop", vec![])])
                .wait_message(WAIT)
                .await
                .map_err(|e| anyhow!("{e:?}"))?;
            names.show("#general (only admin)", &stopped);
        }
    }
    let scoreboard = fake
        .wait_for_bot_message(general, |m| m.text().contains("Practice session over"), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general", &scoreboard);
    narrate("carol runs /leaderboard board:practice (practice points have their own board)");
    let practice_board = carol
        .slash(general, "leaderboard", vec![opt("board", 1)])
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general", &practice_board);

    blind_round(&fake, &clock, start, &names).await?;

    if serve.is_some() {
        narrate("admin runs /dailyq web on");
        let on = admin
            .slash(channel, "dailyq", vec![sub("web", vec![sub("on", vec![])])])
            .wait_message(WAIT)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        names.show("#dailyq (only admin)", &on);
        let link = on
            .text()
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .map(str::to_owned)
            .context("the reply has the page's link")?;
        // Listen for Ctrl-C before saying so: a signal sent as soon as the link is read must
        // stop the demo, not kill it.
        let interrupted = interrupted()?;
        println!("\nWeb leaderboard: {link}\nOpen it in a browser; Ctrl-C stops the demo.");
        interrupted.await;
    }

    data.stop_background();
    shards.shutdown_all().await;
    let _ = bot.await;
    store.close().await;
    Ok(())
}

/// A future that completes at Ctrl-C (SIGINT), listening from the moment this returns.
#[cfg(unix)]
fn interrupted() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listen for Ctrl-C")?;
    Ok(async move {
        interrupt.recv().await;
    })
}

#[cfg(not(unix))]
fn interrupted() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// A blind evening question in #general: answers sent privately, published together at the
/// deadline, then voted on and revealed.
async fn blind_round(
    fake: &FakeDiscord,
    clock: &ManualClock,
    start: chrono::DateTime<Utc>,
    names: &Names,
) -> anyhow::Result<()> {
    let general = fake.channel("general");
    let (admin, alice, bob, carol) = (
        fake.member("admin"),
        fake.member("alice"),
        fake.member("bob"),
        fake.member("carol"),
    );
    narrate(
        "admin makes #general's evening question blind: /dailyq setup channel:#general time:20:00 \
         timezone:UTC answer_window:1h blind:true vote_window:30m",
    );
    let reply = admin
        .slash(
            general,
            "dailyq",
            vec![sub(
                "setup",
                vec![
                    opt("channel", general),
                    opt("time", "20:00"),
                    opt("timezone", "UTC"),
                    opt("answer_window", "1h"),
                    opt("blind", true),
                    opt("vote_window", "30m"),
                ],
            )],
        )
        .wait_message(WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general (only admin sees this)", &reply);
    tokio::time::sleep(pause()).await;

    narrate("20:00: the blind question is posted; its thread stays locked while answers are sealed");
    clock.set(start + Duration::hours(11) + Duration::minutes(1));
    let post = fake
        .wait_for_bot_message(general, |m| m.text().contains("Blind round"), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general", &post);
    let thread = fake
        .wait_for_thread(general, |t| t.id == post.id, WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    let button = post
        .custom_ids()
        .into_iter()
        .find(|id| id.starts_with("dq:answer:"))
        .context("the Answer button")?;
    for (member, text) in [
        (
            &alice,
            "Start from what must never break, pick the simplest design that guarantees it, then \
             name what it costs.",
        ),
        (
            &bob,
            "Describe the happy path, then what fails under load and how you would notice.",
        ),
        (
            &carol,
            "Compare two options with one concrete example each, and say when you would switch.",
        ),
    ] {
        narrate(&format!(
            "{} presses Answer and writes in the form only they see",
            member.name
        ));
        let press = member.click(general, post.id, &button);
        press.wait_response(WAIT).await.map_err(|e| anyhow!("{e:?}"))?;
        let saved = member
            .submit_opened_modal(&press, &[("answer", text)])
            .wait_message(WAIT)
            .await
            .map_err(|e| anyhow!("{e:?}"))?;
        names.show(&format!("#general (only {} sees this)", member.name), &saved);
    }
    let counted = fake
        .wait_for_bot_message(
            general,
            |m| m.id == post.id && m.text().contains("3 answers so far"),
            WAIT,
        )
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general (the post now shows only a count)", &counted);
    tokio::time::sleep(pause()).await;

    narrate("21:00: the answer window ends; the bot publishes every answer in a random order");
    clock.set(start + Duration::hours(12) + Duration::minutes(1) + Duration::seconds(10));
    let place = "#general › blind thread";
    // Answers are posted in their drawn order, so the last one is "Answer 3 of 3".
    fake.wait_for_bot_message(thread.id, |m| m.content.starts_with("**Answer 3 of 3**"), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    let published: Vec<FakeMessage> = fake
        .messages(thread.id)
        .into_iter()
        .filter(|m| m.by_bot && m.content.starts_with("**Answer "))
        .collect();
    for m in &published {
        names.show(place, m);
    }
    narrate("bob and carol upvote alice's answer; alice's upvote on her own is a self-vote and is removed");
    let alices = published
        .iter()
        .find(|m| m.content.contains(&format!("<@{}>", alice.id)))
        .context("alice's published answer")?;
    for member in [&bob, &carol, &alice] {
        member.react(thread.id, alices.id, "⬆️");
    }
    tokio::time::sleep(pause()).await;

    narrate("21:30: the vote phase ends and the bot reveals the reference answer");
    clock.set(start + Duration::hours(12) + Duration::minutes(31) + Duration::seconds(10));
    let summary = fake
        .wait_for_bot_message(general, |m| m.reply_to == Some(post.id), WAIT)
        .await
        .map_err(|e| anyhow!("{e:?}"))?;
    names.show("#general", &summary);
    Ok(())
}
