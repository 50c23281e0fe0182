//! The gateway driven by hand: sequence numbers, heartbeats, resume, intents.

use fake_discord::{BackgroundGuilds, FakeDiscord, intents};
use poise::serenity_prelude as serenity;
use serde_json::json;

use crate::helpers::{
    Path, RawGateway, Seen, WAIT, default_intents, fake_config, reconnect_config, start_bot, start_fake,
};

const MESSAGES: u64 = intents::GUILDS | intents::GUILD_MESSAGES;

#[tokio::test(flavor = "multi_thread")]
async fn identify_is_answered_with_ready_then_guild_create_and_every_dispatch_has_the_next_sequence() {
    let fake = start_fake().await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES | intents::MESSAGE_CONTENT).await;
    assert_eq!(ready["t"], "READY");
    assert_eq!(ready["s"], 1);
    assert_eq!(ready["d"]["application"]["id"], fake.application_id().to_string());
    let guild = gw.recv().await;
    assert_eq!(
        (guild["t"].as_str(), guild["s"].as_u64()),
        (Some("GUILD_CREATE"), Some(2))
    );
    let alice = fake.member("alice");
    alice.say(fake.channel("general"), "one");
    alice.say(fake.channel("general"), "two");
    let first = gw.recv_dispatch("MESSAGE_CREATE").await;
    let second = gw.recv_dispatch("MESSAGE_CREATE").await;
    assert_eq!((first["s"].as_u64(), second["s"].as_u64()), (Some(3), Some(4)));
    assert_eq!(second["d"]["content"], "two");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_heartbeat_is_acknowledged_with_op_11() {
    let fake = start_fake().await;
    let mut gw = RawGateway::connect(&fake).await;
    let hello = gw.recv().await;
    assert_eq!(hello["d"]["heartbeat_interval"], 1000);
    gw.send(json!({ "op": 1, "d": null })).await;
    assert_eq!(gw.recv().await["op"], 11);
    assert_eq!(fake.gateway().stats().heartbeats, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_replays_only_the_events_after_the_given_sequence_and_ends_with_resumed() {
    let fake = start_fake().await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES | intents::MESSAGE_CONTENT).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    gw.recv_dispatch("GUILD_CREATE").await;
    drop(gw);
    fake.gateway()
        .wait_for(|s| s.open_connections == 0, WAIT)
        .await
        .expect("closed");
    let bob = fake.member("bob");
    bob.say(fake.channel("general"), "missed one");
    bob.say(fake.channel("general"), "missed two");
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv().await;
    gw.send(json!({
        "op": 6,
        "d": { "token": format!("Bot {}", fake.bot_token()), "session_id": session, "seq": 2 },
    }))
    .await;
    let replayed: Vec<_> = [gw.recv().await, gw.recv().await, gw.recv().await].into();
    assert_eq!(replayed[0]["d"]["content"], "missed one");
    assert_eq!(replayed[1]["d"]["content"], "missed two");
    assert_eq!(
        (replayed[2]["t"].as_str(), replayed[2]["s"].as_u64()),
        (Some("RESUMED"), Some(5))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resuming_an_unknown_session_is_answered_with_a_non_resumable_invalid_session() {
    let fake = start_fake().await;
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv().await;
    gw.send(json!({
        "op": 6,
        "d": { "token": format!("Bot {}", fake.bot_token()), "session_id": "nope", "seq": 3 },
    }))
    .await;
    assert_eq!(gw.recv().await, json!({ "op": 9, "d": false }));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_resumable_invalid_session_forgets_the_session_so_a_new_identify_is_needed() {
    let fake = start_fake().await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    fake.gateway().invalidate_session(false);
    loop {
        let frame = gw.recv().await;
        if frame["op"] == 9 {
            assert_eq!(frame["d"], false);
            break;
        }
    }
    let mut again = RawGateway::connect(&fake).await;
    again.recv().await;
    again
        .send(json!({
            "op": 6,
            "d": { "token": format!("Bot {}", fake.bot_token()), "session_id": session, "seq": 1 },
        }))
        .await;
    assert_eq!(again.recv().await["op"], 9);
    let (_, ready) = RawGateway::identify(&fake, MESSAGES).await;
    assert_eq!(ready["t"], "READY");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_message_content_other_members_content_arrives_empty_unless_the_bot_is_mentioned() {
    let fake = start_fake().await;
    let (mut gw, _) = RawGateway::identify(&fake, MESSAGES).await;
    let alice = fake.member("alice");
    let general = fake.channel("general");
    alice.say(general, "secret");
    assert_eq!(gw.recv_dispatch("MESSAGE_CREATE").await["d"]["content"], "");
    let mention = format!("<@{}> hello", fake.bot_user_id());
    alice.say(general, &mention);
    assert_eq!(gw.recv_dispatch("MESSAGE_CREATE").await["d"]["content"], mention);
    assert_eq!(
        fake.messages(general)[0].content,
        "secret",
        "the fake itself keeps the content"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reaction_events_are_sent_only_with_the_guild_message_reactions_intent() {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let (mut without, _) = RawGateway::identify(&fake, MESSAGES).await;
    let (mut with, _) = RawGateway::identify(&fake, MESSAGES | intents::GUILD_MESSAGE_REACTIONS).await;
    let carol = fake.member("carol");
    let msg = carol.say(general, "react to me");
    carol.react(general, msg, "👍");
    carol.say(general, "after the reaction");
    let next = |frame: serde_json::Value| frame["t"].as_str().unwrap_or_default().to_owned();
    without.recv_dispatch("MESSAGE_CREATE").await;
    let mut after = Vec::new();
    while after.last().map(String::as_str) != Some("MESSAGE_CREATE") {
        after.push(next(without.recv().await));
    }
    assert!(!after.contains(&"MESSAGE_REACTION_ADD".to_owned()), "{after:?}");
    let reaction = with.recv_dispatch("MESSAGE_REACTION_ADD").await;
    assert_eq!(reaction["d"]["emoji"]["name"], "👍");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identify_with_a_wrong_token_is_closed_with_4004() {
    let fake = start_fake().await;
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv().await;
    gw.send(json!({ "op": 2, "d": { "token": "Bot wrong", "intents": 1 } }))
        .await;
    assert_eq!(gw.recv().await, json!({ "close": 4004 }));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_drop_fault_disconnects_the_client_which_resumes_and_gets_the_event() {
    let fake: FakeDiscord = FakeDiscord::start(reconnect_config()).await;
    let mut bot = start_bot(&fake, Path::Proxy, default_intents()).await;
    bot.wait_seen(|s| *s == Seen::Ready).await;
    // Held RESUMEs keep the session detached until the fault is off, so the replay cannot be
    // dropped again however late the test switches the fault off.
    fake.gateway().hold_resumes();
    fake.faults().set_gateway_drop_rate(1.0);
    let alice = fake.member("alice");
    alice.say(fake.channel("general"), "through the storm");
    fake.gateway()
        .wait_for(|s| s.held_resumes == 1, WAIT)
        .await
        .expect("the client was dropped and asks to resume");
    fake.faults().set_gateway_drop_rate(0.0);
    fake.gateway().release_resumes();
    let seen = bot.wait_seen(|s| matches!(s, Seen::Message { .. })).await;
    assert_eq!(
        seen,
        Seen::Message {
            content: "through the storm".to_owned(),
            author: alice.id
        }
    );
    let stats = fake.gateway().stats();
    assert_eq!((stats.identifies, stats.resumes, stats.connections), (1, 1, 2));
    bot.stop().await.expect("stops");
}

fn resume_frame(fake: &FakeDiscord, session: &str, seq: u64) -> serde_json::Value {
    json!({
        "op": 6,
        "d": { "token": format!("Bot {}", fake.bot_token()), "session_id": session, "seq": seq },
    })
}

/// Drops a raw connection and waits until the fake has seen it go.
async fn disconnect(fake: &FakeDiscord, gw: RawGateway) {
    drop(gw);
    fake.gateway()
        .wait_for(|s| s.open_connections == 0, WAIT)
        .await
        .expect("closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_on_resume_sends_the_last_delivered_dispatches_again_with_their_sequence_before_the_missed_ones()
 {
    let fake = start_fake().await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES | intents::MESSAGE_CONTENT).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    gw.recv_dispatch("GUILD_CREATE").await;
    alice.say(general, "a");
    alice.say(general, "b");
    assert_eq!(gw.recv_dispatch("MESSAGE_CREATE").await["s"], 3);
    assert_eq!(gw.recv_dispatch("MESSAGE_CREATE").await["s"], 4);
    disconnect(&fake, gw).await;
    alice.say(general, "c, missed");
    fake.gateway().replay_on_resume(2);

    let mut gw = RawGateway::connect(&fake).await;
    gw.recv_op(10).await;
    gw.send(resume_frame(&fake, &session, 4)).await;
    let frames = [gw.recv().await, gw.recv().await, gw.recv().await, gw.recv().await];
    let got: Vec<_> = frames
        .iter()
        .map(|f| {
            (
                f["s"].as_u64().unwrap(),
                f["d"]["content"].as_str().unwrap_or(f["t"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(got, [(3, "a"), (4, "b"), (5, "c, missed"), (6, "RESUMED")]);
    let stats = fake.gateway().stats();
    assert_eq!((stats.resent, stats.replayed), (2, 1));

    disconnect(&fake, gw).await;
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv_op(10).await;
    gw.send(resume_frame(&fake, &session, 6)).await;
    let resumed = gw.recv().await;
    assert_eq!(
        (resumed["t"].as_str(), resumed["s"].as_u64()),
        (Some("RESUMED"), Some(7)),
        "one RESUME only"
    );
    assert_eq!(fake.gateway().stats().resent, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_on_resume_never_sends_ready_or_resumed_again() {
    let fake = start_fake().await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    gw.recv_dispatch("GUILD_CREATE").await;
    disconnect(&fake, gw).await;
    fake.gateway().replay_on_resume(10);
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv_op(10).await;
    gw.send(resume_frame(&fake, &session, 2)).await;
    let again = gw.recv().await;
    assert_eq!(
        (again["t"].as_str(), again["s"].as_u64()),
        (Some("GUILD_CREATE"), Some(2))
    );
    let resumed = gw.recv().await;
    assert_eq!(
        (resumed["t"].as_str(), resumed["s"].as_u64()),
        (Some("RESUMED"), Some(3))
    );
    assert_eq!(fake.gateway().stats().resent, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resumable_invalid_session_keeps_the_session_so_a_resume_replays_what_was_missed() {
    let fake = start_fake().await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES | intents::MESSAGE_CONTENT).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    gw.recv_dispatch("GUILD_CREATE").await;
    fake.gateway().invalidate_session(true);
    assert_eq!(gw.recv_op(9).await, json!({ "op": 9, "d": true }));
    disconnect(&fake, gw).await;
    fake.member("bob").say(fake.channel("general"), "while invalid");
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv_op(10).await;
    gw.send(resume_frame(&fake, &session, 2)).await;
    assert_eq!(gw.recv().await["d"]["content"], "while invalid");
    assert_eq!(gw.recv().await["t"], "RESUMED");
    assert_eq!(fake.gateway().stats().identifies, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn op_7_asks_for_a_reconnect_and_a_resume_on_a_new_connection_takes_the_session_from_the_old_one() {
    let fake = start_fake().await;
    let (mut old, ready) = RawGateway::identify(&fake, MESSAGES | intents::MESSAGE_CONTENT).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    old.recv_dispatch("GUILD_CREATE").await;
    fake.gateway().request_reconnect();
    assert_eq!(old.recv_op(7).await, json!({ "op": 7, "d": null }));
    let mut new = RawGateway::connect(&fake).await;
    new.recv_op(10).await;
    new.send(resume_frame(&fake, &session, 2)).await;
    assert_eq!(new.recv().await["t"], "RESUMED");
    fake.gateway()
        .wait_for(|s| s.open_connections == 1, WAIT)
        .await
        .expect("the fake drops the old connection");
    fake.member("carol")
        .say(fake.channel("general"), "to the new one");
    assert_eq!(
        new.recv_dispatch("MESSAGE_CREATE").await["d"]["content"],
        "to the new one"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_resume_is_answered_only_on_release_while_heartbeats_are_still_acknowledged() {
    let fake = start_fake().await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES | intents::MESSAGE_CONTENT).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    gw.recv_dispatch("GUILD_CREATE").await;
    disconnect(&fake, gw).await;
    fake.gateway().hold_resumes();
    let mut gw = RawGateway::connect(&fake).await;
    gw.recv_op(10).await;
    gw.send(resume_frame(&fake, &session, 2)).await;
    fake.gateway()
        .wait_for(|s| s.held_resumes == 1, WAIT)
        .await
        .expect("resume held");
    fake.member("alice").say(fake.channel("general"), "while held");
    gw.send(json!({ "op": 1, "d": 2 })).await;
    assert_eq!(
        gw.recv().await,
        json!({ "op": 11 }),
        "nothing but the ACK before the release"
    );
    assert_eq!(fake.gateway().stats().resumes, 0);
    fake.gateway().release_resumes();
    assert_eq!(gw.recv().await["d"]["content"], "while held");
    assert_eq!(gw.recv().await["t"], "RESUMED");
    let stats = fake.gateway().stats();
    assert_eq!((stats.resumes, stats.held_resumes), (1, 0));
}

/// The user ids of a GUILD_CREATE's members.
fn member_ids(guild_create: &serde_json::Value) -> Vec<String> {
    guild_create["d"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["user"]["id"].as_str().expect("user id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn without_guild_presences_guild_create_carries_only_the_bots_own_member_but_counts_everyone() {
    let fake = start_fake().await;
    let (mut gw, _) = RawGateway::identify(&fake, MESSAGES).await;
    let guild = gw.recv_dispatch("GUILD_CREATE").await;
    assert_eq!(member_ids(&guild), vec![fake.bot_user_id().to_string()]);
    // The owner, the bot and the five scripted members.
    assert_eq!(guild["d"]["member_count"], 7);
    assert_eq!(guild["d"]["presences"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_guild_presences_guild_create_carries_every_member() {
    let fake = start_fake().await;
    let (mut gw, _) = RawGateway::identify(&fake, MESSAGES | intents::GUILD_PRESENCES).await;
    let guild = gw.recv_dispatch("GUILD_CREATE").await;
    let ids = member_ids(&guild);
    assert_eq!(ids.len(), 7);
    assert!(ids.contains(&fake.member("alice").id.to_string()));
    assert!(ids.contains(&fake.bot_user_id().to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guild_joined_later_carries_only_the_bots_own_member_without_guild_presences() {
    let fake = FakeDiscord::start(fake_config().with_bot_not_yet_in_guild()).await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES).await;
    assert_eq!(ready["d"]["guilds"], json!([]));
    fake.add_bot_to_guild();
    let guild = gw.recv_dispatch("GUILD_CREATE").await;
    assert_eq!(member_ids(&guild), vec![fake.bot_user_id().to_string()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn background_guilds_are_listed_in_ready_and_each_gets_a_guild_create_serenity_reads() {
    let guilds = BackgroundGuilds {
        count: 3,
        channels: 5,
        roles: 2,
        members: 20,
    };
    let fake = FakeDiscord::start(fake_config().with_background_guilds(guilds)).await;
    let (mut gw, ready) = RawGateway::identify(&fake, MESSAGES | intents::GUILD_PRESENCES).await;
    let listed: Vec<&str> = ready["d"]["guilds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 4, "the scripted guild and three more");
    assert_eq!(listed[0], fake.guild_id().to_string());
    gw.recv_dispatch("GUILD_CREATE").await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let frame = gw.recv_dispatch("GUILD_CREATE").await;
        let guild: serenity::Guild = serde_json::from_value(frame["d"].clone()).expect("serenity reads it");
        assert_eq!(guild.channels.len(), 5);
        assert!(guild.channels.values().all(|c| c.guild_id == guild.id));
        // @everyone, two roles and the bot's managed role.
        assert_eq!(guild.roles.len(), 4);
        assert_eq!(guild.members.len(), 21, "twenty members and the bot");
        assert!(
            guild
                .members
                .contains_key(&serenity::UserId::new(fake.bot_user_id()))
        );
        seen.push(guild.id.get().to_string());
    }
    assert_eq!(seen, listed[1..]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reaction_flood_arrives_in_order_with_the_next_sequence_numbers_as_serenity_reads_it() {
    let fake = start_fake().await;
    let (mut gw, _) = RawGateway::identify(&fake, MESSAGES | intents::GUILD_MESSAGE_REACTIONS).await;
    let last = gw.recv_dispatch("GUILD_CREATE").await["s"].as_u64().unwrap();
    let general = fake.channel("general");
    let events = (0..1000u64).map(move |i| fake_discord::FloodReaction {
        user: 10_000 + i,
        channel: general,
        message: 42,
        added: i % 3 != 2,
    });
    assert!(fake.gateway().flood_reactions(events));
    for i in 0..1000u64 {
        let frame = gw.recv().await;
        let added = i % 3 != 2;
        let t = if added {
            "MESSAGE_REACTION_ADD"
        } else {
            "MESSAGE_REACTION_REMOVE"
        };
        assert_eq!(
            (frame["t"].as_str(), frame["s"].as_u64()),
            (Some(t), Some(last + 1 + i))
        );
        let reaction: serenity::model::channel::Reaction =
            serde_json::from_value(frame["d"].clone()).expect("serenity's Reaction");
        assert_eq!(reaction.user_id.map(|u| u.get()), Some(10_000 + i));
        assert_eq!(reaction.message_id.get(), 42);
        assert_eq!(
            reaction.member.is_some(),
            added,
            "an add carries the member, as Discord's does"
        );
    }
    assert_eq!(fake.gateway().stats().flooded, 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reaction_flood_needs_a_session_that_receives_reactions() {
    let fake = start_fake().await;
    let (_gw, _) = RawGateway::identify(&fake, MESSAGES).await;
    let general = fake.channel("general");
    let one = std::iter::once(fake_discord::FloodReaction {
        user: 7,
        channel: general,
        message: 42,
        added: true,
    });
    assert!(!fake.gateway().flood_reactions(one));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_an_admin_creates_is_sent_as_channel_create_and_can_be_posted_in() {
    let fake = start_fake().await;
    let (mut gw, _ready) = RawGateway::identify(&fake, MESSAGES).await;
    let guild = gw.recv_dispatch("GUILD_CREATE").await;
    let before = guild["d"]["channels"].as_array().map_or(0, Vec::len);
    let id = fake.create_channel(fake.guild_id(), "new-room");
    let created = gw.recv_dispatch("CHANNEL_CREATE").await;
    assert_eq!(created["d"]["id"], id.to_string());
    assert_eq!(created["d"]["guild_id"], fake.guild_id().to_string());
    assert_eq!(created["d"]["type"], 0);
    assert_eq!(created["d"]["name"], "new-room");
    assert_eq!(created["d"]["position"].as_u64(), Some(before as u64));
    assert_eq!(fake.channel("new-room"), id);
    fake.member("alice").say(id, "hello there");
    let said = gw.recv_dispatch("MESSAGE_CREATE").await;
    assert_eq!(said["d"]["channel_id"], id.to_string());
}
