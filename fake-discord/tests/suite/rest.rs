//! REST semantics and Discord's validation, answered with Discord's statuses and codes.

use std::time::Duration;

use fake_discord::{FakeConfig, FakeDiscord, Interaction, Permissions, intents, opt};
use serde_json::{Value, json};

use crate::helpers::{RawGateway, api, fake_config, start_fake};

async fn post(fake: &FakeDiscord, channel: u64, body: Value) -> (u16, Value) {
    api(fake, "POST", &format!("/channels/{channel}/messages"), Some(body)).await
}

async fn bot_message(fake: &FakeDiscord, channel: u64, content: &str) -> u64 {
    let (status, msg) = post(fake, channel, json!({ "content": content })).await;
    assert_eq!(status, 200, "{msg}");
    msg["id"].as_str().unwrap().parse().unwrap()
}

async fn thread_on(fake: &FakeDiscord, channel: u64, message: u64) -> u64 {
    let path = format!("/channels/{channel}/messages/{message}/threads");
    let (status, thread) = api(fake, "POST", &path, Some(json!({ "name": "answers" }))).await;
    assert_eq!(status, 201, "{thread}");
    thread["id"].as_str().unwrap().parse().unwrap()
}

fn code(body: &Value) -> u64 {
    body["code"].as_u64().unwrap_or(u64::MAX)
}

/// Registers `/ping` and runs it as alice, with no bot connected.
async fn ping_interaction(fake: &FakeDiscord) -> Interaction {
    let path = format!(
        "/applications/{}/guilds/{}/commands",
        fake.application_id(),
        fake.guild_id()
    );
    let command = json!([{ "name": "ping", "description": "Ping", "options": [
        { "type": 3, "name": "text", "description": "Text" }
    ] }]);
    let (status, _) = api(fake, "PUT", &path, Some(command)).await;
    assert_eq!(status, 200);
    fake.member("alice")
        .slash(fake.channel("general"), "ping", vec![opt("text", "x")])
}

async fn respond(fake: &FakeDiscord, interaction: &Interaction, body: Value) -> (u16, Value) {
    let path = format!("/interactions/{}/{}/callback", interaction.id, interaction.token);
    api(fake, "POST", &path, Some(body)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_endpoint_answers_the_fakes_websocket_url() {
    let fake = start_fake().await;
    let (status, body) = api(&fake, "GET", "/gateway", None).await;
    assert_eq!(
        (status, body["url"].as_str()),
        (200, Some(fake.gateway_url().as_str()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_without_the_bot_token_is_unauthorized() {
    let fake = start_fake().await;
    let url = format!("{}/api/v10/users/@me", fake.proxy_base());
    let response = fake.plain_client().get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn content_over_2000_characters_is_rejected_as_an_invalid_form_body() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let (status, body) = post(&fake, general, json!({ "content": "x".repeat(2001) })).await;
    assert_eq!((status, code(&body)), (400, 50035));
    assert_eq!(
        body["errors"]["content"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );
    let (status, _) = post(&fake, general, json!({ "content": "x".repeat(2000) })).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_message_is_rejected_with_50006() {
    let fake = start_fake().await;
    let (status, body) = post(&fake, fake.channel("general"), json!({ "content": "" })).await;
    assert_eq!((status, code(&body)), (400, 50006));
}

#[tokio::test(flavor = "multi_thread")]
async fn embed_limits_are_enforced_field_by_field_and_in_total() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let cases = [
        (
            json!([{ "title": "t".repeat(257) }]),
            "/errors/embeds/0/title/_errors/0/code",
        ),
        (
            json!([{ "description": "d".repeat(4097) }]),
            "/errors/embeds/0/description/_errors/0/code",
        ),
        (
            json!([{ "fields": [{ "name": "n", "value": "v".repeat(1025) }] }]),
            "/errors/embeds/0/fields/0/value/_errors/0/code",
        ),
        (
            json!([{ "footer": { "text": "f".repeat(2049) } }]),
            "/errors/embeds/0/footer/text/_errors/0/code",
        ),
        (
            json!([{ "author": { "name": "a".repeat(257) } }]),
            "/errors/embeds/0/author/name/_errors/0/code",
        ),
        (
            json!(vec![json!({ "title": "t" }); 11]),
            "/errors/embeds/_errors/0/code",
        ),
        (
            json!([{ "fields": vec![json!({ "name": "n", "value": "v" }); 26] }]),
            "/errors/embeds/0/fields/_errors/0/code",
        ),
        (
            json!([{ "description": "d".repeat(4000) }, { "description": "d".repeat(2001) }]),
            "/errors/embeds/_errors/0/code",
        ),
    ];
    for (embeds, pointer) in cases {
        let (status, body) = post(&fake, general, json!({ "embeds": embeds })).await;
        assert_eq!((status, code(&body)), (400, 50035), "{body}");
        assert!(body.pointer(pointer).is_some(), "{pointer} missing in {body}");
    }
    let fine = json!([{ "title": "t".repeat(256), "description": "d".repeat(4096),
                         "fields": [{ "name": "n", "value": "v".repeat(1024) }] }]);
    assert_eq!(post(&fake, general, json!({ "embeds": fine })).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_id_must_have_1_to_100_characters() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let button = |id: &str| {
        json!({ "components": [{ "type": 1, "components": [
        { "type": 2, "style": 1, "label": "Go", "custom_id": id }
    ] }] })
    };
    let (status, body) = post(&fake, general, button(&"c".repeat(101))).await;
    assert_eq!((status, code(&body)), (400, 50035));
    assert_eq!(post(&fake, general, button("")).await.0, 400);
    assert_eq!(post(&fake, general, button(&"c".repeat(100))).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_nonce_with_enforce_nonce_returns_the_first_message_instead_of_a_duplicate() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let body = json!({ "content": "daily", "nonce": "q-2024-06-01", "enforce_nonce": true });
    let (_, first) = post(&fake, general, body.clone()).await;
    let (status, second) = post(&fake, general, body).await;
    assert_eq!(status, 200);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(fake.messages(general).len(), 1);
    let without = json!({ "content": "daily", "nonce": "q-2024-06-01" });
    post(&fake, general, without).await;
    assert_eq!(
        fake.messages(general).len(),
        2,
        "without enforce_nonce a nonce does not dedupe"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_thread_from_one_message_is_rejected_with_160004() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let message = bot_message(&fake, general, "question").await;
    let thread = thread_on(&fake, general, message).await;
    assert_eq!(thread, message, "a thread from a message takes the message's id");
    let path = format!("/channels/{general}/messages/{message}/threads");
    let (status, body) = api(&fake, "POST", &path, Some(json!({ "name": "again" }))).await;
    assert_eq!((status, code(&body)), (400, 160004));
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_archive_duration_must_be_one_of_discords_four_values() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let message = bot_message(&fake, general, "question").await;
    let path = format!("/channels/{general}/messages/{message}/threads");
    let body = json!({ "name": "answers", "auto_archive_duration": 120 });
    let (status, body) = api(&fake, "POST", &path, Some(body)).await;
    assert_eq!((status, code(&body)), (400, 50035));
    let body = json!({ "name": "answers", "auto_archive_duration": 10080 });
    assert_eq!(api(&fake, "POST", &path, Some(body)).await.0, 201);
    assert_eq!(fake.thread(message).unwrap().auto_archive_duration, 10080);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archived_thread_refuses_reactions_and_edits_with_50083() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let question = bot_message(&fake, general, "question").await;
    let thread = thread_on(&fake, general, question).await;
    let answer = bot_message(&fake, thread, "answer").await;
    let alice = fake.member("alice");
    let reply = alice.say(thread, "mine");
    let (status, _) = api(
        &fake,
        "PATCH",
        &format!("/channels/{thread}"),
        Some(json!({ "archived": true })),
    )
    .await;
    assert_eq!(status, 200);
    assert!(fake.thread(thread).unwrap().archived);
    let react = format!("/channels/{thread}/messages/{answer}/reactions/%E2%AC%86%EF%B8%8F/@me");
    let (status, body) = api(&fake, "PUT", &react, None).await;
    assert_eq!((status, code(&body)), (400, 50083));
    let edit = format!("/channels/{thread}/messages/{answer}");
    let (status, body) = api(&fake, "PATCH", &edit, Some(json!({ "content": "changed" }))).await;
    assert_eq!((status, code(&body)), (400, 50083));
    assert_eq!(alice.try_react(thread, reply, "⬆️").unwrap_err().code, 50083);
    assert_eq!(alice.try_edit(thread, reply, "edited").unwrap_err().code, 50083);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_thread_refuses_members_messages_but_not_the_bots_who_can_manage_threads() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let question = bot_message(&fake, general, "question").await;
    let thread = thread_on(&fake, general, question).await;
    let body = json!({ "locked": true });
    assert_eq!(
        api(&fake, "PATCH", &format!("/channels/{thread}"), Some(body))
            .await
            .0,
        200
    );
    assert!(fake.thread(thread).unwrap().locked);
    assert_eq!(
        fake.member("alice")
            .try_say(thread, "let me in")
            .unwrap_err()
            .code,
        50083
    );
    assert_eq!(post(&fake, thread, json!({ "content": "summary" })).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn taking_a_permission_away_from_the_bot_makes_that_action_fail_with_50013() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let question = bot_message(&fake, general, "question").await;
    let without =
        Permissions::BOT_DEFAULT & !(Permissions::CREATE_PUBLIC_THREADS | Permissions::ADD_REACTIONS);
    fake.set_bot_permissions(general, without);
    let path = format!("/channels/{general}/messages/{question}/threads");
    let (status, body) = api(&fake, "POST", &path, Some(json!({ "name": "answers" }))).await;
    assert_eq!((status, code(&body)), (403, 50013));
    let react = format!("/channels/{general}/messages/{question}/reactions/%F0%9F%91%8D/@me");
    let (status, body) = api(&fake, "PUT", &react, None).await;
    assert_eq!((status, code(&body)), (403, 50013));
    fake.member("alice").react(general, question, "👍");
    assert_eq!(
        api(&fake, "PUT", &react, None).await.0,
        204,
        "an existing reaction needs no ADD_REACTIONS"
    );
    fake.set_bot_permissions(general, Permissions::NONE);
    let (status, body) = post(&fake, general, json!({ "content": "hello?" })).await;
    assert_eq!((status, code(&body)), (403, 50001));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_messages_and_channels_answer_10008_and_10003() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let (status, body) = api(&fake, "GET", &format!("/channels/{general}/messages/42"), None).await;
    assert_eq!((status, code(&body)), (404, 10008));
    let (status, body) = api(&fake, "GET", "/channels/42", None).await;
    assert_eq!((status, code(&body)), (404, 10003));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_reactions_pages_users_by_id_with_limit_and_after() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let question = bot_message(&fake, general, "question").await;
    let names = ["owner", "admin", "moderator", "alice", "bob", "carol"];
    for name in names {
        fake.member(name).react(general, question, "⬆️");
    }
    let base = format!("/channels/{general}/messages/{question}/reactions/%E2%AC%86%EF%B8%8F");
    let (_, first) = api(&fake, "GET", &format!("{base}?&limit=4"), None).await;
    let first: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(first.len(), 4);
    let (_, rest) = api(&fake, "GET", &format!("{base}?limit=4&after={}", first[3]), None).await;
    assert_eq!(rest.as_array().unwrap().len(), 2);
    let (status, body) = api(&fake, "GET", &format!("{base}?limit=101"), None).await;
    assert_eq!((status, code(&body)), (400, 50035));
    assert_eq!(fake.message(question).unwrap().reactors("⬆️").len(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_read_back_carry_each_reactions_count_and_whether_the_bot_is_among_them() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let answer = fake.member("alice").say(general, "an answer");
    let plain = fake.member("bob").say(general, "no reactions");
    for name in ["bob", "carol"] {
        fake.member(name).react(general, answer, "⬆️");
    }
    let path = format!("/channels/{general}/messages/{answer}/reactions/%E2%AC%86%EF%B8%8F/@me");
    assert_eq!(api(&fake, "PUT", &path, None).await.0, 204);
    fake.member("carol").react(general, answer, "🎉");

    let (status, page) = api(
        &fake,
        "GET",
        &format!("/channels/{general}/messages?limit=100"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let page: Vec<serenity::all::Message> = serde_json::from_value(page).expect("serenity's Message");
    let read = page.iter().find(|m| m.id.get() == answer).unwrap();
    let upvote = read
        .reactions
        .iter()
        .find(|r| r.reaction_type.unicode_eq("⬆️"))
        .expect("the ⬆️ reaction");
    assert_eq!(
        (upvote.count, upvote.count_details.normal, upvote.me),
        (3, 3, true)
    );
    let party = read
        .reactions
        .iter()
        .find(|r| r.reaction_type.unicode_eq("🎉"))
        .unwrap();
    assert_eq!((party.count, party.me), (1, false));
    let untouched = page.iter().find(|m| m.id.get() == plain).unwrap();
    assert!(untouched.reactions.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_response_to_one_interaction_is_rejected_with_40060() {
    let fake = start_fake().await;
    let interaction = ping_interaction(&fake).await;
    let reply = json!({ "type": 4, "data": { "content": "pong", "flags": 64 } });
    assert_eq!(respond(&fake, &interaction, reply.clone()).await.0, 204);
    let (status, body) = respond(&fake, &interaction, reply).await;
    assert_eq!((status, code(&body)), (400, 40060));
    let response = interaction.response().unwrap();
    assert!(response.ephemeral);
    assert_eq!(response.text(), "pong");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_response_after_the_deadline_is_rejected_as_an_unknown_interaction() {
    let config = FakeConfig {
        interaction_deadline: Duration::from_millis(50),
        ..fake_config()
    };
    let fake = FakeDiscord::start(config).await;
    let interaction = ping_interaction(&fake).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, body) = respond(&fake, &interaction, json!({ "type": 5 })).await;
    assert_eq!((status, code(&body)), (404, 10062));
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_ups_and_original_edits_go_through_the_interaction_webhook() {
    let fake = start_fake().await;
    let interaction = ping_interaction(&fake).await;
    let app = fake.application_id();
    let token = interaction.token.clone();
    let (status, body) = api(
        &fake,
        "POST",
        &format!("/webhooks/{app}/{token}"),
        Some(json!({ "content": "early" })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (404, 10015),
        "no follow-up before the first response"
    );
    assert_eq!(respond(&fake, &interaction, json!({ "type": 5 })).await.0, 204);
    assert!(interaction.response().unwrap().message.unwrap().is_loading());
    let original = format!("/webhooks/{app}/{token}/messages/@original");
    let (status, body) = api(&fake, "PATCH", &original, Some(json!({ "content": "ready" }))).await;
    assert_eq!((status, body["content"].as_str()), (200, Some("ready")));
    let followup = json!({ "content": "secret", "flags": 64 });
    let (status, _) = api(&fake, "POST", &format!("/webhooks/{app}/{token}"), Some(followup)).await;
    assert_eq!(status, 200);
    let followups = interaction.followups();
    assert_eq!(followups.len(), 1);
    assert!(followups[0].is_ephemeral());
    assert_eq!(api(&fake, "GET", &original, None).await.1["content"], "ready");
}

#[tokio::test(flavor = "multi_thread")]
async fn interactions_carry_the_members_channel_permissions_and_the_apps() {
    let fake = start_fake().await;
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    let path = format!("/applications/{}/commands", fake.application_id());
    api(
        &fake,
        "PUT",
        &path,
        Some(json!([{ "name": "who", "description": "Who" }])),
    )
    .await;
    let general = fake.channel("general");
    fake.set_bot_permissions(general, Permissions::EVERYONE_DEFAULT);
    fake.member("alice").slash(general, "who", vec![]);
    fake.member("admin").slash(general, "who", vec![]);
    let perms = |frame: &Value, pointer: &str| -> u64 {
        frame["d"]
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap()
            .parse()
            .unwrap()
    };
    let alice = gw.recv_dispatch("INTERACTION_CREATE").await;
    let alice_perms = Permissions(perms(&alice, "/member/permissions"));
    assert!(alice_perms.contains(Permissions::SEND_MESSAGES));
    assert!(!alice_perms.contains(Permissions::MANAGE_GUILD));
    assert_eq!(
        Permissions(perms(&alice, "/app_permissions")),
        Permissions::EVERYONE_DEFAULT
    );
    let admin = gw.recv_dispatch("INTERACTION_CREATE").await;
    assert_eq!(
        Permissions(perms(&admin, "/member/permissions")),
        Permissions::ALL
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_removed_from_the_guild_gets_guild_delete_and_no_access_until_it_is_back() {
    let fake = start_fake().await;
    let channel = fake.channel("general");
    let (mut gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    gw.recv_dispatch("GUILD_CREATE").await;

    fake.remove_bot_from_guild();
    let deleted = gw.recv_dispatch("GUILD_DELETE").await;
    assert_eq!(deleted["d"]["id"], fake.guild_id().to_string());
    assert!(deleted["d"].get("unavailable").is_none(), "{deleted}");
    let (status, body) = post(&fake, channel, json!({ "content": "still here?" })).await;
    assert_eq!((status, code(&body)), (403, 50001), "{body}");
    let (_, ready) = RawGateway::identify(&fake, intents::GUILDS).await;
    assert_eq!(ready["d"]["guilds"], json!([]), "READY no longer lists it");

    fake.add_bot_to_guild();
    gw.recv_dispatch("GUILD_CREATE").await;
    bot_message(&fake, channel, "back").await;
}
