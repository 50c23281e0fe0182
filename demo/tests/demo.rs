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
