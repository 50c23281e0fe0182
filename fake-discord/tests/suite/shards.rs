//! Several shards: `GET /gateway/bot` recommends the configured count, IDENTIFY takes
//! `[shard, total]`, and each guild's READY entry, GUILD_CREATE and events go only to the
//! session of its shard.

use fake_discord::{FakeDiscord, intents};
use serde_json::{Value, json};

use crate::helpers::{RawGateway, api, fake_config};

const ALL: u64 =
    intents::GUILDS | intents::GUILD_MESSAGES | intents::GUILD_MESSAGE_REACTIONS | intents::MESSAGE_CONTENT;

async fn four_guilds_on_two_shards() -> FakeDiscord {
    FakeDiscord::start(fake_config().with_guilds(4).with_shards(2)).await
}

/// HELLO, IDENTIFY as `[shard, total]`, READY.
async fn identify_shard(fake: &FakeDiscord, shard: [u64; 2]) -> (RawGateway, Value) {
    let mut gw = RawGateway::connect(fake).await;
    assert_eq!(gw.recv().await["op"], 10);
    gw.send(json!({
        "op": 2,
        "d": { "token": format!("Bot {}", fake.bot_token()), "intents": ALL, "shard": shard,
               "properties": { "os": "linux", "browser": "test", "device": "test" } },
    }))
    .await;
    let ready = gw.recv().await;
    (gw, ready)
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_recommends_the_configured_shard_count_and_guilds_spread_over_the_shards() {
    let fake = four_guilds_on_two_shards().await;
    let (status, body) = api(&fake, "GET", "/gateway/bot", None).await;
    assert_eq!((status, body["shards"].as_u64()), (200, Some(2)));
    let guilds = fake.guild_ids();
    assert_eq!(guilds.len(), 4);
    let shards: Vec<u64> = guilds.iter().map(|g| (g >> 22) % 2).collect();
    assert_eq!(shards, vec![0, 1, 0, 1], "Discord's rule, guild k on shard k % 2");
    assert!(guilds.iter().all(|g| fake.shard_of(*g) == (g >> 22) % 2));
    // Each guild has its own channels of the same names.
    let general: Vec<u64> = guilds.iter().map(|g| fake.channel_in(*g, "general")).collect();
    assert_eq!(general[0], fake.channel("general"));
    assert_eq!(general.iter().collect::<std::collections::BTreeSet<_>>().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_session_gets_only_its_shards_guilds_and_their_events() {
    let fake = four_guilds_on_two_shards().await;
    let guilds = fake.guild_ids();
    let (mut zero, ready0) = identify_shard(&fake, [0, 2]).await;
    let (mut one, ready1) = identify_shard(&fake, [1, 2]).await;
    assert_eq!(ready0["d"]["shard"], json!([0, 2]));
    assert_eq!(ids(&ready0["d"]["guilds"]), vec![guilds[0], guilds[2]]);
    assert_eq!(ids(&ready1["d"]["guilds"]), vec![guilds[1], guilds[3]]);
    assert_eq!(fake.connected_shards(), vec![[0, 2], [1, 2]]);
    for (gw, mine) in [
        (&mut zero, [guilds[0], guilds[2]]),
        (&mut one, [guilds[1], guilds[3]]),
    ] {
        for g in mine {
            let created = gw.recv_dispatch("GUILD_CREATE").await;
            assert_eq!(created["d"]["id"], g.to_string());
            let channels = created["d"]["channels"].as_array().unwrap();
            assert!(
                channels
                    .iter()
                    .all(|c| c["guild_id"].as_str().and_then(|s| s.parse().ok()) == Some(g))
            );
        }
    }

    // A message and a reaction in guild 1 (shard 1), then a message in guild 2 (shard 0).
    let alice = fake.member("alice");
    let in_one = fake.channel_in(guilds[1], "general");
    let m = alice.say(in_one, "to shard one");
    fake.member("bob").react(in_one, m, "⬆️");
    alice.say(fake.channel_in(guilds[2], "general"), "to shard zero");
    let first = zero.recv_dispatch("MESSAGE_CREATE").await;
    assert_eq!(
        (first["d"]["content"].as_str(), first["d"]["guild_id"].as_str()),
        (Some("to shard zero"), Some(guilds[2].to_string().as_str())),
        "shard 0 never saw guild 1's message"
    );
    let seen = one.recv_dispatch("MESSAGE_CREATE").await;
    assert_eq!(seen["d"]["content"], "to shard one");
    let reaction = one.recv_dispatch("MESSAGE_REACTION_ADD").await;
    assert_eq!(reaction["d"]["guild_id"], guilds[1].to_string());

    // An interaction goes to the shard of the guild it was made in.
    let path = format!("/applications/{}/commands", fake.application_id());
    let command = json!([{ "name": "help", "description": "Help", "type": 1 }]);
    assert_eq!(api(&fake, "PUT", &path, Some(command)).await.0, 200);
    let _ = alice.slash(fake.channel_in(guilds[3], "general"), "help", vec![]);
    let interaction = one.recv_dispatch("INTERACTION_CREATE").await;
    assert_eq!(interaction["d"]["guild_id"], guilds[3].to_string());
    assert_eq!(interaction["d"]["channel"]["guild_id"], guilds[3].to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identify_with_an_impossible_shard_is_closed_with_4010() {
    let fake = four_guilds_on_two_shards().await;
    for shard in [json!([2, 2]), json!([0]), json!("zero")] {
        let mut gw = RawGateway::connect(&fake).await;
        gw.recv().await;
        gw.send(json!({
            "op": 2,
            "d": { "token": format!("Bot {}", fake.bot_token()), "intents": ALL, "shard": shard,
                   "properties": { "os": "linux", "browser": "test", "device": "test" } },
        }))
        .await;
        assert_eq!(gw.recv().await["close"], 4010, "{shard}");
    }
}
