//! Records of REST exchanges and gateway frames, in memory and as JSON Lines.

use std::time::{SystemTime, UNIX_EPOCH};

use fake_discord::{Direction, FakeConfig, FakeDiscord, Record, intents};
use serde_json::{Value, json};

use crate::helpers::{RawGateway, api, fake_config};

#[tokio::test(flavor = "multi_thread")]
async fn records_hold_each_rest_request_with_body_and_status_and_each_frame_both_ways() {
    let fake = FakeDiscord::start(fake_config()).await;
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS | intents::GUILD_MESSAGES).await;
    gw.send(json!({ "op": 1, "d": 2 })).await;
    assert_eq!(gw.recv_op(11).await["op"], 11);
    let general = fake.channel("general");
    let path = format!("/channels/{general}/messages");
    api(
        &fake,
        "POST",
        &format!("{path}?x=1"),
        Some(json!({ "content": "recorded" })),
    )
    .await;
    let (status, _) = api(&fake, "POST", &path, Some(json!({ "content": "" }))).await;
    assert_eq!(status, 400);
    gw.recv_dispatch("MESSAGE_CREATE").await;
    let rest = fake.rest_records();
    let sent = rest
        .iter()
        .find(|r| r.body["content"] == "recorded")
        .expect("request recorded");
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", format!("/api/v10{path}").as_str())
    );
    assert_eq!((sent.query.as_str(), sent.status), ("x=1", 200));
    assert_eq!(sent.response["content"], "recorded");
    assert!(
        rest.iter()
            .any(|r| r.status == 400 && r.response["code"] == 50006)
    );
    let frames = fake.gateway_records();
    let op = |d: Direction, op: u64| frames.iter().any(|g| g.direction == d && g.frame["op"] == op);
    assert!(op(Direction::Out, 10) && op(Direction::In, 2) && op(Direction::Out, 0));
    assert!(op(Direction::In, 1) && op(Direction::Out, 11));
    assert!(fake.dispatches().iter().any(|d| d["t"] == "MESSAGE_CREATE"));
}

#[tokio::test(flavor = "multi_thread")]
async fn records_are_appended_as_json_lines_to_the_named_file() {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let file = std::env::temp_dir().join(format!("fake-discord-records-{nanos}.jsonl"));
    let config = FakeConfig {
        record_file: Some(file.clone()),
        ..fake_config()
    };
    let fake = FakeDiscord::start(config).await;
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    gw.recv_op(0).await;
    api(&fake, "GET", "/users/@me", None).await;
    let in_memory = fake.records().len();
    let text = std::fs::read_to_string(&file).expect("record file written");
    std::fs::remove_file(&file).expect("clean up");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), in_memory);
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "rest" && l["path"] == "/api/v10/users/@me")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "gateway" && l["direction"] == "in")
    );
    assert!(matches!(fake.records().last(), Some(Record::Rest(_))));
}
