//! A server's own questions: editors add and edit them through a form, preview, list and retire
//! them; every bad field is named and nothing is half-written; a channel can draw only from
//! them; another server's ids are unknown.

use crate::harness::{App, Backend, WAIT, start_instant, wait_for_post};
use chrono::Duration;
use dailyq::domain::GuildId;
use dailyq::domain::question::{Category, Difficulty, Question, QuestionSlug};
use fake_discord::{FakeConfig, InteractionResponse, Permissions, opt, sub};

async fn questions(
    app: &App,
    who: &str,
    channel: u64,
    name: &str,
    options: Vec<fake_discord::Opt>,
) -> InteractionResponse {
    app.member(who)
        .slash(channel, "questions", vec![sub(name, options)])
        .wait_response(WAIT)
        .await
        .unwrap()
}

/// Opens the add (or edit) form as `who` and submits it with `values`; returns the reply.
async fn submit_form(
    app: &App,
    who: &str,
    channel: u64,
    open: Vec<fake_discord::Opt>,
    sub_name: &str,
    values: &[(&str, &str)],
) -> String {
    let press = app
        .member(who)
        .slash(channel, "questions", vec![sub(sub_name, open)]);
    let opened = press.wait_response(WAIT).await.unwrap();
    assert!(opened.modal().is_some(), "a form, got {}", opened.text());
    let reply = app
        .member(who)
        .submit_opened_modal(&press, values)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(reply.ephemeral, "{}", reply.text());
    reply.text()
}

async fn own_prompts(app: &App) -> Vec<String> {
    app.store
        .own_prompts(GuildId(app.fake.guild_id()))
        .await
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

async fn editors_manage_the_servers_questions_and_a_channel_draws_only_from_them(app: &mut App) {
    let channel = app.channel("dailyq");
    let guild = GuildId(app.fake.guild_id());

    // Only editors: Manage Server, or the role an admin names (Erin has it, Carol not).
    let refused = questions(app, "erin", channel, "add", vec![]).await;
    assert!(
        refused.ephemeral && refused.text().contains("Only members with Manage Server"),
        "{}",
        refused.text()
    );
    let set = app
        .dailyq(
            "admin",
            channel,
            "question-editors",
            vec![opt("role", app.fake.role("Editors"))],
        )
        .await;
    assert!(set.text().contains("can add and edit"), "{}", set.text());

    let added = submit_form(
        app,
        "erin",
        channel,
        vec![],
        "add",
        &[
            ("prompt", "How do we deploy the billing service?"),
            ("answer", "Through the release pipeline, behind a feature flag."),
            ("category", "onboarding"),
            ("difficulty", "Hard"),
            ("tags", "deploys, billing"),
        ],
    )
    .await;
    assert!(added.contains("Added **own-1**"), "{added}");

    // Every bad field is named, and nothing is written.
    let bad = submit_form(
        app,
        "erin",
        channel,
        vec![],
        "add",
        &[
            ("prompt", "What is our on-call rotation?"),
            ("answer", "Weekly."),
            ("category", "Not A Slug"),
            ("difficulty", "tough"),
            ("tags", "Bad Tag"),
        ],
    )
    .await;
    assert!(bad.contains("Nothing was saved"), "{bad}");
    for field in ["`category`", "`difficulty`", "`tags`"] {
        assert!(bad.contains(field), "{field} in {bad}");
    }
    let dup = submit_form(
        app,
        "erin",
        channel,
        vec![],
        "add",
        &[
            ("prompt", "how do we DEPLOY the billing service"),
            ("answer", "Another answer."),
            ("category", "onboarding"),
            ("difficulty", "easy"),
            ("tags", "deploys"),
        ],
    )
    .await;
    assert!(dup.contains("the same as **own-1**"), "{dup}");
    assert_eq!(own_prompts(app).await.len(), 1);

    // Edit: the form opens with the question in it.
    let press = app
        .member("erin")
        .slash(channel, "questions", vec![sub("edit", vec![opt("id", "own-1")])]);
    let form = press
        .wait_response(WAIT)
        .await
        .unwrap()
        .modal()
        .expect("the edit form");
    assert_eq!(
        form.input("prompt").unwrap().value.as_deref(),
        Some("How do we deploy the billing service?")
    );
    assert_eq!(
        form.input("tags").unwrap().value.as_deref(),
        Some("deploys, billing")
    );
    let saved = app
        .member("erin")
        .submit_opened_modal(
            &press,
            &[("answer", "Through the pipeline; a canary first, then everyone.")],
        )
        .wait_response(WAIT)
        .await
        .unwrap()
        .text();
    assert!(saved.contains("Saved **own-1**"), "{saved}");
    let stored = app.store.guild_question(guild, "own-1").await.unwrap().unwrap();
    assert!(
        stored.own
            && stored
                .question
                .answer
                .starts_with("Through the pipeline; a canary")
    );
    assert_eq!(stored.question.difficulty, Difficulty::Hard);

    // Preview: editors only, privately; a shipped id is not editable.
    let shown = questions(app, "erin", channel, "show", vec![opt("id", "own-1")]).await;
    assert!(shown.ephemeral);
    assert!(shown.text().contains("a canary first"), "{}", shown.text());
    let refused = questions(app, "carol", channel, "show", vec![opt("id", "own-1")]).await;
    assert!(!refused.text().contains("canary"), "{}", refused.text());
    let shipped = questions(app, "erin", channel, "edit", vec![opt("id", "db-acid-basics")]).await;
    assert!(shipped.text().contains("shipped bank"), "{}", shipped.text());

    // Another server's question is unknown here, never shown.
    let other = GuildId(guild.0 + 1);
    app.store.ensure_guild(other, start_instant()).await.unwrap();
    let secret = Question {
        slug: QuestionSlug::parse("own-0").unwrap(),
        category: Category::parse("secrets").unwrap(),
        difficulty: Difficulty::Easy,
        tags: vec!["x".into()],
        prompt: "Another server's question".into(),
        answer: "Another server's answer".into(),
        hints: vec![],
        follow_ups: vec![],
        sources: vec![],
        follows: None,
    };
    let user = dailyq::domain::UserId(1);
    app.store
        .add_own_question(other, &secret, user, None, start_instant())
        .await
        .unwrap();
    let (_, theirs) = app
        .store
        .add_own_question(other, &secret, user, None, start_instant())
        .await
        .unwrap();
    assert_eq!(theirs.as_str(), "own-2");
    let foreign = questions(app, "erin", channel, "show", vec![opt("id", "own-2")]).await;
    assert!(
        foreign.text().contains("has no question with the id"),
        "{}",
        foreign.text()
    );
    assert!(!foreign.text().contains("Another server"), "{}", foreign.text());

    // The list shows this server's questions.
    let listed = questions(app, "erin", channel, "list", vec![]).await;
    assert!(
        listed.text().contains("own-1") && !listed.text().contains("own-2"),
        "{}",
        listed.text()
    );

    // A channel drawing only from the server's own questions asks own-1.
    let setup = crate::harness::set_up_daily_with(app, channel, "09:30", vec![opt("source", 1)]).await;
    assert!(setup.contains("from this server's questions"), "{}", setup);
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (post, _) = wait_for_post(app, channel, 1).await;
    let text = app.fake.message(post).unwrap().text();
    assert!(
        text.contains("How do we deploy the billing service?") && text.contains("Onboarding"),
        "{text}"
    );

    // Retired: never drawn again; a server-only channel then has nothing to ask.
    let retired = questions(app, "erin", channel, "retire", vec![opt("id", "own-1")]).await;
    assert!(retired.text().contains("retired"), "{}", retired.text());
    assert!(
        app.store
            .guild_question(guild, "own-1")
            .await
            .unwrap()
            .unwrap()
            .retired
    );
    let general = app.channel("general");
    let nothing = app
        .dailyq(
            "admin",
            general,
            "setup",
            vec![
                opt("channel", general),
                opt("time", "10:30"),
                opt("timezone", "UTC"),
                opt("source", 1),
            ],
        )
        .await;
    assert!(
        nothing.text().contains("no question of its own"),
        "{}",
        nothing.text()
    );
    let practice = app
        .member("admin")
        .slash(general, "practice", vec![sub("start", vec![opt("source", 1)])])
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        practice.text().contains("no question of its own"),
        "{}",
        practice.text()
    );
}

fn config() -> FakeConfig {
    FakeConfig::default()
        .with_role("Editors", Permissions::NONE)
        .with_member("erin", &["Editors"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_editors_manage_the_servers_questions_and_a_channel_draws_only_from_them() {
    let mut app = App::start_with(Backend::Sqlite, config()).await.unwrap();
    editors_manage_the_servers_questions_and_a_channel_draws_only_from_them(&mut app).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_editors_manage_the_servers_questions_and_a_channel_draws_only_from_them() {
    let Some(mut app) = App::start_with(Backend::Postgres, config()).await else {
        return;
    };
    editors_manage_the_servers_questions_and_a_channel_draws_only_from_them(&mut app).await;
    app.finish().await;
}

/// Runs `/questions import` with a file as `who`; returns the finished reply.
async fn import_file(
    app: &App,
    who: &str,
    channel: u64,
    name: &str,
    bytes: Vec<u8>,
) -> fake_discord::FakeMessage {
    app.member(who)
        .slash(
            channel,
            "questions",
            vec![sub("import", vec![fake_discord::attachment("file", name, bytes)])],
        )
        .wait_message(WAIT)
        .await
        .unwrap()
}

const BAD_TOML: &str = r#"[[question]]
id = "on-deploy"
category = "onboarding"
difficulty = "tough"
tags = ["deploys"]
prompt = "How do we deploy?"
answer = "Through the pipeline."

[[question]]
id = "db-acid-basics"
category = "onboarding"
difficulty = "easy"
tags = ["x"]
prompt = "Who is on call this week?"
answer = "The rota says."
"#;

const GOOD_CSV: &str = "id,category,difficulty,tags,prompt,answer,follow_ups\n\
on-deploy,onboarding,easy,\"deploys, ci\",How do we deploy?,\"Through the pipeline, behind a flag.\",\"What if it fails?\nWho approves?\"\n\
on-oncall,onboarding,hard,oncall,\"Who is on call, and how are they paged?\",The rota and the pager.,\n";

async fn an_import_is_checked_whole_then_confirmed_by_its_importer_and_an_export_reads_back(app: &mut App) {
    let channel = app.channel("dailyq");
    let guild = GuildId(app.fake.guild_id());

    // Every problem with its line and field; nothing written.
    let bad = import_file(app, "admin", channel, "bank.toml", BAD_TOML.into()).await;
    let text = bad.text();
    assert!(
        bad.is_ephemeral() && text.contains("nothing was imported"),
        "{text}"
    );
    assert!(text.contains("line 4, `difficulty`"), "{text}");
    assert!(
        text.contains("line 9, `id`") && text.contains("shipped question"),
        "{text}"
    );
    let wrong = import_file(app, "admin", channel, "notes.txt", b"hello".to_vec()).await;
    assert!(
        wrong.text().contains("neither a .toml nor a .csv"),
        "{}",
        wrong.text()
    );
    let huge = import_file(app, "admin", channel, "big.csv", vec![b'a'; 3 * 1024 * 1024]).await;
    assert!(huge.text().contains("at most 2048 KiB"), "{}", huge.text());
    let garbled = import_file(app, "admin", channel, "bank.csv", vec![0xff, 0xfe, 0x00]).await;
    assert!(garbled.text().contains("UTF-8"), "{}", garbled.text());
    assert!(app.store.own_questions(guild).await.unwrap().is_empty());

    // A clean file: a preview, then only its importer may confirm.
    let preview = import_file(app, "admin", channel, "onboarding.csv", GOOD_CSV.into()).await;
    assert!(preview.text().contains("2 new questions"), "{}", preview.text());
    assert!(
        preview.text().contains("Onboarding · easy: 1"),
        "{}",
        preview.text()
    );
    assert!(
        app.store.own_questions(guild).await.unwrap().is_empty(),
        "not before the confirmation"
    );
    let confirm = preview
        .custom_ids()
        .into_iter()
        .find(|id| id.ends_with(":y"))
        .expect("an Import button");
    let other = app
        .member("moderator")
        .click(channel, preview.id, &confirm)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(
        other.ephemeral && other.text().contains("who uploaded this file"),
        "{}",
        other.text()
    );
    assert!(app.store.own_questions(guild).await.unwrap().is_empty());
    let done = app
        .member("admin")
        .click(channel, preview.id, &confirm)
        .wait_response(WAIT)
        .await
        .unwrap();
    assert!(done.text().contains("Imported: 2 new"), "{}", done.text());
    let own = app.store.own_questions(guild).await.unwrap();
    assert_eq!(own.len(), 2);
    assert_eq!(own[0].follow_ups, vec!["What if it fails?", "Who approves?"]);

    // The export is the shipped format: `dailyq questions check` accepts it as it is.
    let export = app
        .member("admin")
        .slash(channel, "questions", vec![sub("export", vec![])])
        .wait_message(WAIT)
        .await
        .unwrap();
    let file = export.attachments.first().expect("the exported file");
    assert_eq!(file.filename, "questions.toml");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("questions.toml"), &file.bytes).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_dailyq"))
        .args(["questions", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let (back, errors) = dailyq::bank::parse_file(
        std::path::Path::new("questions.toml"),
        std::str::from_utf8(&file.bytes).unwrap(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(back.into_iter().map(|q| q.question).collect::<Vec<_>>(), own);

    // Importing the export again replaces the same questions, and adds nothing.
    let again = import_file(app, "admin", channel, "questions.toml", file.bytes.clone()).await;
    assert!(
        again.text().contains("0 new questions, 2 replacing"),
        "{}",
        again.text()
    );
}

async fn a_series_is_asked_in_order_a_few_rounds_apart(app: &mut App) {
    let channel = app.channel("dailyq");
    let guild = GuildId(app.fake.guild_id());
    let form = |prompt: &'static str| {
        vec![
            ("prompt", prompt),
            ("answer", "See the runbook."),
            ("category", "onboarding"),
            ("difficulty", "easy"),
            ("tags", "deploys"),
        ]
    };
    let base = submit_form(
        app,
        "admin",
        channel,
        vec![],
        "add",
        &form("What is a deploy, here?"),
    )
    .await;
    assert!(base.contains("own-1"), "{base}");
    let unknown = questions(app, "admin", channel, "add", vec![opt("follows", "own-7")]).await;
    assert!(
        unknown.text().contains("has no question with the id"),
        "{}",
        unknown.text()
    );
    let deep = submit_form(
        app,
        "admin",
        channel,
        vec![opt("follows", "own-1")],
        "add",
        &form("How do we roll a failed deploy back?"),
    )
    .await;
    assert!(deep.contains("own-2"), "{deep}");
    let stored = app.store.guild_question(guild, "own-2").await.unwrap().unwrap();
    assert_eq!(
        stored.question.follows.as_ref().map(|f| f.as_str()),
        Some("own-1")
    );

    // Only the server's two questions: the base first (the follow-up never before it), then
    // the follow-up once two rounds have passed since the base.
    crate::harness::set_up_daily_with(app, channel, "09:30", vec![opt("source", 1)]).await;
    let mut asked = Vec::new();
    for day in 0..4 {
        app.set_clock(start_instant() + Duration::days(day) + Duration::hours(3) + Duration::minutes(30));
        let (post, _) = wait_for_post(app, channel, day as u64 + 1).await;
        let text = app.fake.message(post).unwrap().text();
        asked.push(if text.contains("roll a failed deploy back") {
            "own-2"
        } else {
            "own-1"
        });
    }
    assert_eq!(asked, ["own-1", "own-1", "own-1", "own-2"]);
}

crate::e2e_on_both_backends!(
    an_import_is_checked_whole_then_confirmed_by_its_importer_and_an_export_reads_back,
    a_series_is_asked_in_order_a_few_rounds_apart,
);
