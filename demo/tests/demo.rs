//! The demo runs a whole round and prints it.

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
    ] {
        assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
    }
}
