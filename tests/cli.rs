//! The binary's command line, run as a user would.

mod common;

use std::process::Command;

fn dailyq() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dailyq"));
    // Start from a clean configuration: nothing from the developer's shell or .env leaks in.
    for var in [
        "DISCORD_TOKEN",
        "DATABASE_URL",
        "QUESTIONS_DIR",
        "DISCORD_PROXY_URL",
        "DAILYQ_MESSAGE_CONTENT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

#[test]
fn questions_check_accepts_the_shipped_bank() {
    let out = dailyq()
        .args([
            "questions",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/questions"),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("all valid"), "{stdout}");
}

#[test]
fn questions_check_warns_of_near_duplicates_with_both_ids_and_a_silenced_pair_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let question = |id: &str, prompt: &str, extra: &str| {
        format!(
            "[[question]]\nid = \"{id}\"\ncategory = \"security\"\ndifficulty = \"easy\"\ntags = [\"sessions\", \"tokens\"]\n\
             prompt = \"{prompt}\"\nanswer = \"a\"\nfollow_ups = [\"f?\"]\nsources = [\"s\"]\n{extra}\n"
        )
    };
    let others = [
        ("net-tcp", "How does the TCP handshake work?"),
        ("db-btree", "How does a B-tree split a page?"),
        ("os-fork", "What does fork copy, and when?"),
    ];
    let mut text = question(
        "be-sessions",
        "When would you use server-side sessions instead of signed tokens?",
        "",
    );
    text.push_str(&question(
        "sec-sessions",
        "Server-side sessions or signed tokens: which would you use, and when?",
        "",
    ));
    for (id, prompt) in others {
        text.push_str(
            &question(id, prompt, "").replace("[\"sessions\", \"tokens\"]", &format!("[\"{id}\"]")),
        );
    }
    std::fs::write(dir.path().join("bank.toml"), &text).unwrap();
    let out = dailyq()
        .args(["questions", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "a warning, not an error: {stderr}");
    assert!(
        stderr.contains("warning: `be-sessions` (") && stderr.contains("and `sec-sessions` ("),
        "{stderr}"
    );
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");

    let silenced = text.replacen(
        "sources = [\"s\"]\n\n[[question]]\nid = \"sec-sessions\"",
        "sources = [\"s\"]\ndistinct_from = [\"sec-sessions\"]\n\n[[question]]\nid = \"sec-sessions\"",
        1,
    );
    assert_ne!(silenced, text);
    std::fs::write(dir.path().join("bank.toml"), &silenced).unwrap();
    let out = dailyq()
        .args(["questions", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("warning"), "{stderr}");
}

#[test]
fn questions_check_fails_naming_file_line_and_field_of_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "[[question]]\nid = \"ok-id\"\ncategory = \"databases\"\ndifficulty = \"impossible\"\ntags = [\"x\"]\nprompt = \"p\"\n\n[[question]]\nid = \"ok-id-2\"\ncategory = \"databases\"\ndifficulty = \"easy\"\ntags = [\"x\"]\nprompt = \"p\"\nanswer = \"a\"\nanwser = \"typo\"\n",
    )
    .unwrap();
    let out = dailyq()
        .args(["questions", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.toml:4: difficulty:"), "{stderr}");
    assert!(stderr.contains("broken.toml:1: answer: is missing"), "{stderr}");
    assert!(
        stderr.contains("broken.toml:15: anwser: unknown field"),
        "{stderr}"
    );
}

#[test]
fn questions_check_refuses_a_question_too_large_for_discord_naming_the_field_to_shorten() {
    let dir = tempfile::tempdir().unwrap();
    let entries = |c: &str, n: usize| vec![format!("\"{}\"", c.repeat(300)); n].join(", ");
    std::fs::write(
        dir.path().join("big.toml"),
        format!(
            "[[question]]\nid = \"big-one\"\ncategory = \"databases\"\ndifficulty = \"easy\"\n\
             tags = [\"x\"]\nprompt = \"p\"\nanswer = \"{}\"\nfollow_ups = [{}]\nsources = [{}]\n",
            "a".repeat(4_000),
            entries("f", 4),
            entries("s", 3)
        ),
    )
    .unwrap();
    let out = dailyq()
        .args(["questions", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "big.toml:8: follow_ups: makes the reveal's \"Follow-ups to discuss\" field up to 1211"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("big.toml:7: answer: makes the reveal (answer, follow-ups and sources together)"),
        "{stderr}"
    );
}

#[test]
fn migrate_creates_a_missing_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let out = dailyq()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(db.exists());
    // A second run finds nothing to do and still succeeds.
    let again = dailyq()
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(again.status.success());
}

#[tokio::test]
async fn migrate_works_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let url = db.url().to_owned();
    let out = dailyq()
        .env("DATABASE_URL", &url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
    db.finish().await;
}

#[test]
fn run_without_a_token_stops_with_one_sentence_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dailyq()
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("x.db").display()),
        )
        .arg("run")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DISCORD_TOKEN: is not set"), "{stderr}");
}

#[test]
fn a_bad_variable_is_named_and_the_token_is_never_printed() {
    let token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789";
    let out = dailyq()
        .env("DISCORD_TOKEN", token)
        .env("DATABASE_URL", "mysql://nope")
        .arg("run")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("DATABASE_URL: must start with sqlite:"), "{all}");
    assert!(!all.contains(token) && !all.contains("GabcDE"), "{all}");
}

#[test]
fn an_invalid_log_filter_stops_start_up_naming_rust_log() {
    let out = dailyq()
        .env("RUST_LOG", "dailyq=loud")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("RUST_LOG: `dailyq=loud` is not a log filter"),
        "{stderr}"
    );
}

#[test]
fn migrate_and_questions_check_ignore_a_token_they_do_not_need() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let out = dailyq()
        .env("DISCORD_TOKEN", "x")
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(db.exists());
    let out = dailyq()
        .env("DISCORD_TOKEN", "x")
        .args([
            "questions",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/questions"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn run_with_a_malformed_token_stops_with_one_sentence_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dailyq()
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", "x")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("x.db").display()),
        )
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DISCORD_TOKEN: is not a bot token"), "{stderr}");
    assert!(!dir.path().join("x.db").exists(), "nothing was started");
}
