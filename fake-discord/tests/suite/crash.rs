//! Crash injection: the fake answers N more REST requests, then holds every later one
//! unapplied and unanswered, as if the bot died right after the N-th response.

use fake_discord::{FakeDiscord, RestRecord, opt};
use serde_json::{Value, json};

use crate::helpers::{Path, Seen, WAIT, api, default_intents, start_bot, start_fake, start_ready, try_api};

fn spawn_request(
    fake: &FakeDiscord,
    method: &'static str,
    path: String,
    body: Option<Value>,
) -> tokio::task::JoinHandle<Result<(u16, Value), reqwest::Error>> {
    let (base, token) = (fake.proxy_base(), fake.bot_token());
    tokio::spawn(async move {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client
            .request(method, format!("{base}/api/v10{path}"))
            .header("authorization", format!("Bot {token}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    })
}

fn contents(fake: &FakeDiscord, channel: u64) -> Vec<String> {
    fake.messages(channel).into_iter().map(|m| m.content).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hold_after_n_answers_n_requests_then_holds_every_later_one_without_applying_it() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let path = format!("/channels/{general}/messages");
    fake.faults().hold_after(2);
    assert!(fake.faults().is_holding());
    for content in ["one", "two"] {
        let (status, _) = api(&fake, "POST", &path, Some(json!({ "content": content }))).await;
        assert_eq!(status, 200);
    }
    let third = spawn_request(&fake, "POST", path.clone(), Some(json!({ "content": "three" })));
    let crash = fake.faults().wait_until_holding(WAIT).await.expect("third held");
    assert_eq!(crash.describe(), format!("POST /api/v10{path}"));
    assert_eq!(crash.body["content"], "three");
    let fourth = spawn_request(&fake, "GET", "/users/@me".to_owned(), None);
    let held = fake.faults().wait_for_held(2, WAIT).await.expect("fourth held");
    assert_eq!(held[1].describe(), "GET /api/v10/users/@me");
    assert_eq!(fake.faults().held_count(), 2);
    assert_eq!(
        contents(&fake, general),
        ["one", "two"],
        "a held request is not applied"
    );
    assert!(!third.is_finished() && !fourth.is_finished(), "and not answered");

    let records = fake.rest_records();
    let answered: Vec<u16> = records.iter().filter(|r| !r.held).map(|r| r.status).collect();
    assert_eq!(answered, [200, 200]);
    let held: Vec<&RestRecord> = records.iter().filter(|r| r.held).collect();
    assert_eq!(held.len(), 2);
    assert!(held.iter().all(|r| r.status == 0 && r.response.is_null()));

    assert_eq!(fake.faults().release_held(), 2);
    let third = third.await.unwrap();
    assert!(
        third.is_err(),
        "released means the connection closes unanswered: {third:?}"
    );
    assert!(fourth.await.unwrap().is_err());
    assert_eq!(
        contents(&fake, general),
        ["one", "two"],
        "released is not applied either"
    );
    assert!(!fake.faults().is_holding() && fake.faults().held_count() == 0);
    let (status, _) = api(&fake, "POST", &path, Some(json!({ "content": "after" }))).await;
    assert_eq!(status, 200, "holding stopped with the release");
    assert_eq!(contents(&fake, general), ["one", "two", "after"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn hold_path_holds_only_the_requests_of_its_path_until_released() {
    let fake = start_fake().await;
    let (slow, other) = (fake.channel("general"), fake.channel("dailyq"));
    fake.faults().hold_path(&format!("/channels/{slow}/"));
    assert!(fake.faults().is_holding());
    let held = spawn_request(
        &fake,
        "POST",
        format!("/channels/{slow}/messages"),
        Some(json!({ "content": "stuck" })),
    );
    let crash = fake.faults().wait_until_holding(WAIT).await.expect("held");
    assert_eq!(
        crash.describe(),
        format!("POST /api/v10/channels/{slow}/messages")
    );
    // Every other request is answered while that one hangs.
    let path = format!("/channels/{other}/messages");
    let (status, _) = api(&fake, "POST", &path, Some(json!({ "content": "goes through" }))).await;
    assert_eq!(status, 200);
    assert_eq!(contents(&fake, other), ["goes through"]);
    assert!(contents(&fake, slow).is_empty() && !held.is_finished());

    assert_eq!(fake.faults().release_held(), 1);
    assert!(held.await.unwrap().is_err(), "ended unanswered");
    assert!(!fake.faults().is_holding());
    let (status, _) = api(
        &fake,
        "POST",
        &format!("/channels/{slow}/messages"),
        Some(json!({ "content": "after" })),
    )
    .await;
    assert_eq!(status, 200, "released: the path answers again");
}

#[tokio::test(flavor = "multi_thread")]
async fn interaction_callbacks_and_follow_ups_count_like_any_request_but_members_acts_do_not() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let commands = format!(
        "/applications/{}/guilds/{}/commands",
        fake.application_id(),
        fake.guild_id()
    );
    let ping = json!([{ "name": "ping", "description": "Ping" }]);
    assert_eq!(api(&fake, "PUT", &commands, Some(ping)).await.0, 200);
    fake.faults().hold_after(1);
    let alice = fake.member("alice");
    let interaction = alice.slash(general, "ping", vec![]);
    let said = alice.say(general, "members are not REST requests");
    alice.react(general, said, "👍");
    let callback = format!("/interactions/{}/{}/callback", interaction.id, interaction.token);
    let (status, _) = try_api(&fake, "POST", &callback, Some(json!({ "type": 5 })))
        .await
        .expect("the one request let through is answered");
    assert_eq!(status, 204);
    let followup = format!("/webhooks/{}/{}", fake.application_id(), interaction.token);
    let sent = spawn_request(
        &fake,
        "POST",
        followup.clone(),
        Some(json!({ "content": "late" })),
    );
    fake.wait_until(|f| (f.faults().held_count() == 1).then_some(()), WAIT)
        .await
        .expect("a hold wakes wait_until too");
    let crash = fake
        .faults()
        .wait_until_holding(WAIT)
        .await
        .expect("follow-up held");
    assert_eq!(crash.describe(), format!("POST /api/v10{followup}"));
    assert!(interaction.followups().is_empty());
    assert_eq!(fake.reactions(said).len(), 1);

    fake.faults().clear();
    assert!(sent.await.unwrap().is_err());
    assert!(
        interaction.followups().is_empty(),
        "clear ends held requests unapplied"
    );
    assert_eq!(fake.faults().held_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_that_crashes_before_its_callback_is_answered_leaves_no_response_and_a_restarted_bot_works() {
    let (fake, bot) = start_ready(Path::Production).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    fake.faults().hold_after(0);
    let ping = alice.slash(general, "ping", vec![opt("text", "lost")]);
    let crash = fake
        .faults()
        .wait_until_holding(WAIT)
        .await
        .expect("callback held");
    assert_eq!(
        crash.describe(),
        format!("POST /api/v10/interactions/{}/{}/callback", ping.id, ping.token)
    );
    assert!(ping.response().is_none());
    bot.stop().await.expect("the crashed bot stops");
    assert_eq!(fake.faults().release_held(), 1);
    assert!(ping.response().is_none(), "never applied");
    let crash_points: Vec<String> = fake
        .rest_records()
        .iter()
        .filter(|r| r.held)
        .map(RestRecord::describe)
        .collect();
    assert_eq!(crash_points, [crash.describe()]);

    let mut restarted = start_bot(&fake, Path::Production, default_intents()).await;
    restarted.wait_seen(|s| *s == Seen::Ready).await;
    let again = alice.slash(general, "ping", vec![opt("text", "again")]);
    assert_eq!(
        again.wait_response(WAIT).await.expect("answered").text(),
        "pong again"
    );
    restarted.stop().await.expect("stops");
}
