//! Scripted members driving the real bot, and waits on what the bot did.

use fake_discord::{FakeDiscord, ResponseKind, focused, intents, opt, sub};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage, CreateThread};

use crate::helpers::{Path, WAIT, api, fake_config, start_ready};

#[tokio::test(flavor = "multi_thread")]
async fn the_bots_server_side_check_sees_member_permissions_computed_from_roles() {
    let (fake, bot) = start_ready(Path::Proxy).await;
    let general = fake.channel("general");
    let dailyq = fake.channel("dailyq");
    let options = || {
        vec![sub(
            "setup",
            vec![opt("channel", dailyq.to_string()), opt("time", "12:30")],
        )]
    };
    let refused = fake.member("alice").slash(general, "dailyq", options());
    let refused = refused.wait_response(WAIT).await.expect("answered");
    assert_eq!(refused.text(), "you need Manage Server");
    assert!(refused.ephemeral);
    let moderator = fake.member("moderator").slash(general, "dailyq", options());
    assert_eq!(
        moderator.wait_response(WAIT).await.unwrap().text(),
        "posting in #dailyq at 12:30"
    );
    assert!(fake.messages(general).iter().all(|m| m.is_ephemeral()));
    bot.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn autocomplete_returns_the_choices_the_bot_offers_for_what_was_typed() {
    let (fake, bot) = start_ready(Path::Proxy).await;
    let general = fake.channel("general");
    let dailyq = fake.channel("dailyq");
    let options = vec![sub(
        "setup",
        vec![opt("channel", dailyq.to_string()), focused("time", "18")],
    )];
    let choices = fake
        .member("admin")
        .autocomplete(general, "dailyq", options, WAIT)
        .await
        .unwrap();
    assert_eq!(choices.len(), 1);
    assert_eq!(choices[0]["value"], "18:00");
    bot.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn clicking_a_button_lets_the_bot_update_the_message_it_is_on() {
    let (fake, bot) = start_ready(Path::Production).await;
    let general = fake.channel("general");
    let carol = fake.member("carol");
    let board = carol
        .slash(general, "board", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert_eq!(board.custom_ids(), ["board:prev", "board:next"]);
    let click = carol.click(general, board.id, "board:next");
    assert_eq!(
        click.wait_response(WAIT).await.unwrap().kind,
        ResponseKind::UpdateMessage
    );
    let updated = fake.message(board.id).unwrap();
    assert_eq!((updated.content.as_str(), updated.edited), ("page 2", true));
    bot.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bots_posts_threads_and_reactions_are_visible_to_waits_and_members() {
    let (fake, bot) = start_ready(Path::Proxy).await;
    let dailyq = fake.channel("dailyq");
    let channel = ChannelId::new(dailyq);
    let http = bot.http.clone();
    let poster = tokio::spawn(async move {
        let question = channel
            .send_message(&http, CreateMessage::new().content("Q: reverse a list"))
            .await?;
        channel
            .create_thread_from_message(&http, question.id, CreateThread::new("Answers"))
            .await
    });
    let question = fake
        .wait_for_bot_message(dailyq, |m| m.content.starts_with("Q:"), WAIT)
        .await
        .expect("question posted");
    let thread = fake
        .wait_for_thread(dailyq, |t| t.name == "Answers", WAIT)
        .await
        .unwrap();
    poster.await.unwrap().expect("bot calls succeed");
    assert_eq!(fake.message(question.id).unwrap().thread_id, Some(thread.id));
    let bob = fake.member("bob");
    let answer = bob.say(thread.id, "use reverse()");
    fake.member("alice").react(thread.id, answer, "⬆️");
    let (status, users) = api(
        &fake,
        "GET",
        &format!(
            "/channels/{}/messages/{answer}/reactions/%E2%AC%86%EF%B8%8F",
            thread.id
        ),
        None,
    )
    .await;
    assert_eq!((status, users[0]["username"].as_str()), (200, Some("alice")));
    assert_eq!(fake.reactions(answer)[0].users, [fake.member("alice").id]);
    assert_eq!(fake.thread(thread.id).unwrap().message_count, 1);
    bot.stop().await.expect("stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_reads_hide_other_members_content_when_the_app_lacks_message_content() {
    let config = fake_config().without_privileged_intents(intents::MESSAGE_CONTENT);
    let fake = FakeDiscord::start(config).await;
    let general = fake.channel("general");
    let message = fake.member("alice").say(general, "private words");
    let (_, read) = api(
        &fake,
        "GET",
        &format!("/channels/{general}/messages/{message}"),
        None,
    )
    .await;
    assert_eq!(read["content"], "");
    let (_, list) = api(&fake, "GET", &format!("/channels/{general}/messages"), None).await;
    assert_eq!(list[0]["content"], "");
    let (_, own) = api(
        &fake,
        "POST",
        &format!("/channels/{general}/messages"),
        Some(serde_json::json!({ "content": "the bot's own" })),
    )
    .await;
    assert_eq!(own["content"], "the bot's own");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_who_started_a_thread_can_archive_it_but_only_a_manager_can_lock_it() {
    let fake = FakeDiscord::start(fake_config()).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let starter = alice.say(general, "let's discuss");
    let thread = alice.try_start_thread(general, starter, "discussion").unwrap();
    assert_eq!(thread, starter);
    alice
        .try_edit_channel(thread, serde_json::json!({ "archived": true }))
        .unwrap();
    assert!(fake.thread(thread).unwrap().archived);
    let lock = serde_json::json!({ "archived": false, "locked": true });
    assert_eq!(
        fake.member("bob")
            .try_edit_channel(thread, lock.clone())
            .unwrap_err()
            .code,
        50013
    );
    fake.member("moderator").try_edit_channel(thread, lock).unwrap();
    let state = fake.thread(thread).unwrap();
    assert!(state.locked && !state.archived);
    assert_eq!(
        alice
            .try_start_thread(general, starter, "again")
            .unwrap_err()
            .code,
        160004
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn picking_values_in_a_select_menu_reaches_the_bot_as_a_component_interaction() {
    let fake = FakeDiscord::start(fake_config()).await;
    let general = fake.channel("general");
    let (mut gw, _) = crate::helpers::RawGateway::identify(&fake, intents::GUILDS).await;
    let menu = serde_json::json!({ "content": "pick", "components": [{ "type": 1, "components": [{
        "type": 3, "custom_id": "topic", "options": [
            { "label": "Graphs", "value": "graphs" }, { "label": "Trees", "value": "trees" }
        ] }] }] });
    let (status, posted) = api(
        &fake,
        "POST",
        &format!("/channels/{general}/messages"),
        Some(menu),
    )
    .await;
    assert_eq!(status, 200);
    let message: u64 = posted["id"].as_str().unwrap().parse().unwrap();
    fake.member("bob").select(general, message, "topic", &["trees"]);
    let frame = gw.recv_dispatch("INTERACTION_CREATE").await;
    let event: serenity::GatewayEvent = serde_json::from_value(frame).unwrap();
    let serenity::GatewayEvent::Dispatch(_, serenity::Event::InteractionCreate(created)) = event else {
        panic!("not an interaction");
    };
    let component = created
        .interaction
        .as_message_component()
        .expect("component")
        .clone();
    assert_eq!(component.data.custom_id, "topic");
    let serenity::ComponentInteractionDataKind::StringSelect { values } = component.data.kind else {
        panic!("not a string select");
    };
    assert_eq!(values, ["trees"]);
    assert_eq!(component.message.id.get(), message);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_request_on_the_gateway_is_answered_with_a_chunk_serenity_reads() {
    let fake = FakeDiscord::start(fake_config()).await;
    let (mut gw, _) = crate::helpers::RawGateway::identify(&fake, intents::GUILDS).await;
    gw.send(serde_json::json!({ "op": 8, "d": {
        "guild_id": fake.guild_id().to_string(), "query": "", "limit": 0, "nonce": "n1" } }))
        .await;
    let frame = gw.recv_dispatch("GUILD_MEMBERS_CHUNK").await;
    let event: serenity::GatewayEvent = serde_json::from_value(frame).unwrap();
    let serenity::GatewayEvent::Dispatch(_, serenity::Event::GuildMembersChunk(chunk)) = event else {
        panic!("not a chunk");
    };
    assert_eq!(chunk.members.len(), 7, "owner, bot and five members");
    assert_eq!(chunk.nonce.as_deref(), Some("n1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_is_hidden_from_members_lacking_its_default_member_permissions() {
    let fake = FakeDiscord::start(fake_config()).await;
    let path = format!("/applications/{}/commands", fake.application_id());
    let command = serde_json::json!([{ "name": "config", "description": "Configure",
        "default_member_permissions": fake_discord::Permissions::MANAGE_GUILD.0.to_string() }]);
    assert_eq!(api(&fake, "PUT", &path, Some(command)).await.0, 200);
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.slash(general, "config", vec![]);
    }));
    assert!(refused.is_err(), "the client does not offer the command to alice");
    assert!(alice.slash_overridden(general, "config", vec![]).id > 0);
    assert!(fake.member("moderator").slash(general, "config", vec![]).id > 0);
}
