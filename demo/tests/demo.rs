//! The demo runs a whole round, a short practice session and a blind round, and prints them.

#[test]
fn the_demo_runs_a_whole_round_and_prints_the_transcript() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dailyq-demo"))
        .arg("--fast")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "Set up the daily question",
        "Question #1 · Databases",
        "Reference answer · question #1",
        "3 members answered",
        "🥇 @alice — 2 ⬆️",
        "@alice — **7** pts",
        "Points: 7",
        "Practice · ",
        "Review later: it comes back",
        "Practice session** started by @admin: 2 questions, 5 minutes each",
        "Practice question 1 · ",
        "Reference answer · practice question 1",
        "Practice question 2 · ",
        "Stopping the session: revealed practice question 2",
        "Practice session over",
        "🥇 @carol — **6** points · 1 answer",
        "Practice leaderboard · all time",
        "Blind round.",
        "Answers: 3 answers so far",
        "Your answer to question #1 is saved",
        "**Answer 3 of 3** · by @",
        "Question #1 revealed",
    ] {
        assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
    }
}

/// One HTTP/1.1 GET on loopback: the status line and the body.
fn get(addr: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("the demo serves");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[test]
fn the_demo_can_keep_the_web_leaderboard_up_after_its_rounds() {
    use std::io::BufRead;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dailyq-demo"))
        .args(["--fast", "--serve", &addr])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run the demo");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    // The demo prints the link, then waits for Ctrl-C: read until the link.
    let link = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("Web leaderboard: ").map(str::to_owned))
        .expect("the demo prints the page's link");
    // Keep reading what it prints after, so that its output never meets a closed pipe.
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).count());
    let path = link
        .strip_prefix(&format!("http://{addr}"))
        .unwrap_or_else(|| panic!("{link}"))
        .to_owned();
    let (status, page) = get(&addr, &path);
    assert!(status.contains("200"), "{status}\n{page}");
    for name in [
        "Interview Prep",
        "alice",
        "bob",
        "carol",
        "Show the reference answer",
    ] {
        assert!(page.contains(name), "missing {name} in {page}");
    }
    let (status, _) = get(&addr, "/healthz");
    assert!(status.contains("200"), "{status}");
    // Ctrl-C ends it.
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    rest.join().unwrap();
    assert!(status.success(), "{status}");
}
