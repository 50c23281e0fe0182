//! `DISCORD_PROXY_URL`: the bot's REST goes to an operator's Discord-compatible proxy with
//! serenity's ratelimiter off, and the gateway URL comes from that proxy.

use crate::harness::WAIT;
use dailyq::clock::SystemClock;
use dailyq::config::Config;
use dailyq::discord::{Data, SchedulerOptions, build_client, http_client};
use fake_discord::{FakeConfig, FakeDiscord};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_runs_through_a_discord_proxy_url_with_its_ratelimiter_off() {
    crate::logs::init();
    let db = crate::common::TestDb::sqlite().await;
    let fake = FakeDiscord::start(FakeConfig::default()).await;
    let (proxy, token) = (fake.proxy_base(), fake.bot_token());
    let config = Config::from_lookup(|name| match name {
        "DISCORD_PROXY_URL" => Some(proxy.clone()),
        "DISCORD_TOKEN" => Some(token.clone()),
        _ => None,
    })
    .unwrap();
    let http = http_client(&config, config.require_token().unwrap());
    let data = Data::new(db.store.clone(), Arc::new(SystemClock), true);
    let mut client = build_client(http, data.clone(), SchedulerOptions::default())
        .await
        .unwrap();
    let shards = client.shard_manager.clone();
    let task = tokio::spawn(async move { client.start().await });
    fake.gateway()
        .wait_ready(WAIT)
        .await
        .expect("ready through the proxy's gateway URL");
    fake.wait_for_command("help", WAIT).await.unwrap();

    let reply = fake
        .member("alice")
        .slash(fake.channel("general"), "help", vec![])
        .wait_message(WAIT)
        .await
        .unwrap();
    assert!(reply.text().contains("/dailyq setup"));
    let rest = fake.rest_records();
    assert!(
        rest.iter().any(|r| r.path.starts_with("/api/v10/applications/")),
        "commands registered via the proxy"
    );
    assert!(rest.iter().all(|r| r.status != 429), "no rate limit hit");

    data.stop_background();
    shards.shutdown_all().await;
    task.abort();
    db.finish().await;
}
