//! Private threads and thread membership: who is in a thread, who may add or remove members,
//! and who sees a private thread at all.

use fake_discord::{FakeDiscord, Permissions, intents};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use serenity::{ChannelId, ChannelType, CreateThread, Event, GatewayEvent, UserId};

use crate::helpers::{Path, RawGateway, api, http, start_fake};

fn code(body: &Value) -> u64 {
    body["code"].as_u64().unwrap_or(u64::MAX)
}

fn id_of(value: &Value) -> u64 {
    value["id"].as_str().unwrap().parse().unwrap()
}

/// The bot starts a thread without a message: private (type 12) or public (type 11).
async fn start_thread(fake: &FakeDiscord, parent: u64, kind: u8) -> u64 {
    let body = json!({ "name": "mock interview", "type": kind });
    let (status, thread) = api(fake, "POST", &format!("/channels/{parent}/threads"), Some(body)).await;
    assert_eq!(status, 201, "{thread}");
    assert_eq!(thread["type"], kind);
    id_of(&thread)
}

async fn add_member(fake: &FakeDiscord, thread: u64, user: u64) -> (u16, Value) {
    api(
        fake,
        "PUT",
        &format!("/channels/{thread}/thread-members/{user}"),
        None,
    )
    .await
}

async fn remove_member(fake: &FakeDiscord, thread: u64, user: u64) -> (u16, Value) {
    api(
        fake,
        "DELETE",
        &format!("/channels/{thread}/thread-members/{user}"),
        None,
    )
    .await
}

fn sorted(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids
}

fn thread_members_update(frame: Value) -> serenity::ThreadMembersUpdateEvent {
    match serde_json::from_value::<GatewayEvent>(frame.clone()) {
        Ok(GatewayEvent::Dispatch(_, Event::ThreadMembersUpdate(e))) => e,
        other => panic!("not a THREAD_MEMBERS_UPDATE for serenity: {other:?}\n{frame:#}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_thread_is_open_to_the_members_the_bot_added_and_to_thread_managers_only() {
    let fake = start_fake().await;
    let http = http(&fake, Path::Proxy);
    let general = fake.channel("general");
    let (alice, bob, admin, moderator) = (
        fake.member("alice"),
        fake.member("bob"),
        fake.member("admin"),
        fake.member("moderator"),
    );
    let thread = ChannelId::new(general)
        .create_thread(
            &http,
            CreateThread::new("mock interview").kind(ChannelType::PrivateThread),
        )
        .await
        .expect("private thread");
    assert_eq!(thread.kind, ChannelType::PrivateThread);
    let id = thread.id.get();
    let info = fake.thread(id).expect("thread");
    assert!(info.private);
    assert_eq!(
        info.members,
        vec![fake.bot_user_id()],
        "the creator joins its thread"
    );

    thread
        .id
        .add_thread_member(&http, UserId::new(alice.id))
        .await
        .expect("add alice");
    assert_eq!(
        fake.thread(id).unwrap().members,
        sorted(vec![fake.bot_user_id(), alice.id])
    );
    let hello = alice.say(id, "ready when you are");

    let refused = bob.try_say(id, "can I join?").unwrap_err();
    assert_eq!((refused.status, refused.code), (403, 50001), "{refused}");
    assert_eq!(bob.try_react(id, hello, "👍").unwrap_err().code, 50001);
    assert_eq!(fake.permissions_in(bob.id, id), Permissions::NONE);
    assert!(
        fake.permissions_in(bob.id, general)
            .contains(Permissions::SEND_MESSAGES_IN_THREADS),
        "bob is only kept out of the private thread, not its channel"
    );

    admin.say(id, "administrators see every thread");
    moderator.say(id, "so does MANAGE_THREADS");
    let info = fake.thread(id).unwrap();
    assert!(!info.members.contains(&bob.id), "{info:?}");
    assert_eq!(
        fake.messages(id).iter().map(|m| m.author_id).collect::<Vec<_>>(),
        vec![alice.id, admin.id, moderator.id]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_thread_needs_no_invitation() {
    let fake = start_fake().await;
    let thread = start_thread(&fake, fake.channel("general"), 11).await;
    let info = fake.thread(thread).unwrap();
    assert!(!info.private);
    let bob = fake.member("bob");
    bob.say(thread, "anyone can talk here");
    assert!(
        fake.thread(thread).unwrap().members.contains(&bob.id),
        "posting joins a thread"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_needs_a_guild_member_a_thread_and_one_that_is_not_archived() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let thread = start_thread(&fake, general, 12).await;

    let (status, body) = add_member(&fake, thread, 42).await;
    assert_eq!((status, code(&body)), (404, 10007), "{body}");
    let (status, body) = add_member(&fake, general, alice.id).await;
    assert_eq!((status, code(&body)), (400, 50024), "{body}");
    let (status, body) = add_member(&fake, 42, alice.id).await;
    assert_eq!((status, code(&body)), (404, 10003), "{body}");

    let archive = Some(json!({ "archived": true }));
    assert_eq!(
        api(&fake, "PATCH", &format!("/channels/{thread}"), archive)
            .await
            .0,
        200
    );
    let (status, body) = add_member(&fake, thread, alice.id).await;
    assert_eq!((status, code(&body)), (400, 50083), "{body}");
    assert_eq!(fake.thread(thread).unwrap().members, vec![fake.bot_user_id()]);
    assert_eq!(alice.try_say(thread, "hello?").unwrap_err().code, 50001);
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_member_twice_keeps_one_and_removing_them_shuts_them_out() {
    let fake = start_fake().await;
    let http = http(&fake, Path::Proxy);
    let alice = fake.member("alice");
    let bot = fake.bot_user_id();
    let thread = start_thread(&fake, fake.channel("general"), 12).await;
    assert_eq!(add_member(&fake, thread, alice.id).await.0, 204);
    assert_eq!(add_member(&fake, thread, alice.id).await.0, 204);
    assert_eq!(fake.thread(thread).unwrap().members, sorted(vec![bot, alice.id]));

    let members = ChannelId::new(thread)
        .get_thread_members(&http)
        .await
        .expect("list thread members");
    let listed: Vec<(u64, u64)> = members.iter().map(|m| (m.id.get(), m.user_id.get())).collect();
    assert_eq!(
        listed,
        sorted(vec![bot, alice.id])
            .into_iter()
            .map(|u| (thread, u))
            .collect::<Vec<_>>()
    );
    let one = ChannelId::new(thread)
        .get_thread_member(&http, UserId::new(alice.id), true)
        .await
        .expect("alice's thread member");
    assert_eq!(one.member.map(|m| m.user.id.get()), Some(alice.id));
    let answer = alice.say(thread, "my answer");

    assert_eq!(remove_member(&fake, thread, alice.id).await.0, 204);
    assert_eq!(fake.thread(thread).unwrap().members, vec![bot]);
    let refused = alice.try_say(thread, "still here?").unwrap_err();
    assert_eq!((refused.status, refused.code), (403, 50001), "{refused}");
    assert_eq!(alice.try_react(thread, answer, "👍").unwrap_err().code, 50001);
    let (status, body) = api(
        &fake,
        "GET",
        &format!("/channels/{thread}/thread-members/{}", alice.id),
        None,
    )
    .await;
    assert_eq!((status, code(&body)), (404, 10007), "{body}");
    assert_eq!(
        remove_member(&fake, thread, alice.id).await.0,
        204,
        "removing someone not in the thread changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn adding_needs_the_bot_to_be_able_to_post_in_the_thread() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let thread = start_thread(&fake, general, 12).await;
    fake.set_bot_permissions(
        general,
        Permissions::BOT_DEFAULT & !Permissions::SEND_MESSAGES_IN_THREADS,
    );
    let (status, body) = add_member(&fake, thread, alice.id).await;
    assert_eq!((status, code(&body)), (403, 50013), "{body}");

    // Without MANAGE_THREADS, a private thread the bot left is out of its sight: it can
    // neither add anyone nor join again.
    fake.set_bot_permissions(general, Permissions::BOT_DEFAULT & !Permissions::MANAGE_THREADS);
    assert_eq!(
        add_member(&fake, thread, alice.id).await.0,
        204,
        "as a member it may"
    );
    let own = format!("/channels/{thread}/thread-members/@me");
    assert_eq!(api(&fake, "DELETE", &own, None).await.0, 204);
    let (status, body) = add_member(&fake, thread, fake.member("bob").id).await;
    assert_eq!((status, code(&body)), (403, 50001), "{body}");
    let (status, body) = api(&fake, "PUT", &own, None).await;
    assert_eq!(
        (status, code(&body)),
        (403, 50001),
        "no way back in uninvited: {body}"
    );
    assert_eq!(
        fake.thread(thread).unwrap().members,
        vec![alice.id],
        "the bot left and bob was not added"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_needs_manage_threads_unless_the_bot_started_the_private_thread() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    fake.set_bot_permissions(general, Permissions::BOT_DEFAULT & !Permissions::MANAGE_THREADS);
    let private = start_thread(&fake, general, 12).await;
    let public = start_thread(&fake, general, 11).await;
    assert_eq!(add_member(&fake, private, alice.id).await.0, 204);
    alice.say(public, "joined by posting");

    assert_eq!(remove_member(&fake, private, alice.id).await.0, 204);
    let (status, body) = remove_member(&fake, public, alice.id).await;
    assert_eq!((status, code(&body)), (403, 50013), "{body}");
    assert!(!fake.thread(private).unwrap().members.contains(&alice.id));
    assert!(fake.thread(public).unwrap().members.contains(&alice.id));

    fake.set_bot_permissions(general, Permissions::BOT_DEFAULT);
    assert_eq!(remove_member(&fake, public, alice.id).await.0, 204);
    assert!(!fake.thread(public).unwrap().members.contains(&alice.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn thread_members_update_goes_to_sessions_with_guild_members_or_about_the_bot_itself() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let (alice, bot) = (fake.member("alice"), fake.bot_user_id());
    let (mut members_gw, _) = RawGateway::identify(&fake, intents::GUILDS | intents::GUILD_MEMBERS).await;
    let (mut guilds_gw, _) = RawGateway::identify(&fake, intents::GUILDS).await;
    let thread = start_thread(&fake, general, 12).await;

    assert_eq!(add_member(&fake, thread, alice.id).await.0, 204);
    let added = thread_members_update(members_gw.recv_dispatch("THREAD_MEMBERS_UPDATE").await);
    assert_eq!((added.id.get(), added.guild_id.get()), (thread, fake.guild_id()));
    assert_eq!(added.member_count, 2);
    assert!(added.removed_member_ids.is_empty());
    let member = &added.added_members[0];
    assert_eq!(
        (added.added_members.len(), member.user_id.get(), member.id.get()),
        (1, alice.id, thread)
    );
    assert_eq!(member.member.as_ref().map(|m| m.user.id.get()), Some(alice.id));

    assert_eq!(remove_member(&fake, thread, alice.id).await.0, 204);
    let removed = thread_members_update(members_gw.recv_dispatch("THREAD_MEMBERS_UPDATE").await);
    assert_eq!(removed.removed_member_ids, vec![UserId::new(alice.id)]);
    assert_eq!(removed.member_count, 1);
    assert!(removed.added_members.is_empty());

    // Without GUILD_MEMBERS only changes to the bot's own membership arrive.
    let leave = format!("/channels/{thread}/thread-members/@me");
    assert_eq!(api(&fake, "DELETE", &leave, None).await.0, 204);
    assert_eq!(add_member(&fake, thread, bot).await.0, 204);
    let first = thread_members_update(guilds_gw.recv_dispatch("THREAD_MEMBERS_UPDATE").await);
    assert_eq!(
        first
            .added_members
            .iter()
            .map(|m| m.user_id.get())
            .collect::<Vec<_>>(),
        vec![bot],
        "alice's changes reached a session without GUILD_MEMBERS"
    );
    assert!(first.removed_member_ids.is_empty());
}
