//! Rate limits announced like Discord's, and seeded fault injection.

use std::time::{Duration, Instant};

use fake_discord::{FakeConfig, FakeDiscord, RateLimitConfig};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use serenity::{ChannelId, CreateMessage};

use crate::helpers::{Path, api, fake_config, http};

const POST_MESSAGES: &str = "POST /channels/{channel_id}/messages";

async fn start_with_limits(limits: RateLimitConfig) -> FakeDiscord {
    FakeDiscord::start(FakeConfig {
        rate_limits: limits,
        ..fake_config()
    })
    .await
}

/// A raw POST as the bot, returning status, headers and body.
async fn post_raw(fake: &FakeDiscord, path: &str, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = fake
        .plain_client()
        .post(format!("{}/api/v10{path}", fake.proxy_base()))
        .header("authorization", format!("Bot {}", fake.bot_token()))
        .json(&body)
        .send()
        .await
        .expect("request reaches the fake");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_announces_its_limit_in_headers_and_answers_429_once_exhausted() {
    let limits = RateLimitConfig {
        overrides: vec![(POST_MESSAGES.to_owned(), 2, Duration::from_secs(60))],
        ..RateLimitConfig::default()
    };
    let fake = start_with_limits(limits).await;
    let path = format!("/channels/{}/messages", fake.channel("general"));
    let (status, first, _) = post_raw(&fake, &path, json!({ "content": "1" })).await;
    assert_eq!(status, 200);
    assert_eq!(header(&first, "x-ratelimit-limit"), "2");
    assert_eq!(header(&first, "x-ratelimit-remaining"), "1");
    assert!(!header(&first, "x-ratelimit-bucket").is_empty());
    assert!(header(&first, "x-ratelimit-reset-after").parse::<f64>().unwrap() > 0.0);
    let (_, second, _) = post_raw(&fake, &path, json!({ "content": "2" })).await;
    assert_eq!(header(&second, "x-ratelimit-remaining"), "0");
    assert_eq!(
        header(&first, "x-ratelimit-bucket"),
        header(&second, "x-ratelimit-bucket")
    );
    let (status, third, body) = post_raw(&fake, &path, json!({ "content": "3" })).await;
    assert_eq!(status, 429);
    assert_eq!(body["global"], false);
    assert!(body["retry_after"].as_f64().unwrap() > 0.0);
    assert!(header(&third, "retry-after").parse::<f64>().unwrap() > 0.0);
    assert_eq!(header(&third, "x-ratelimit-scope"), "user");
    assert_eq!(fake.messages(fake.channel("general")).len(), 2);
    let other = format!("/channels/{}/messages", fake.channel("dailyq"));
    assert_eq!(
        post_raw(&fake, &other, json!({ "content": "4" })).await.0,
        200,
        "buckets are per channel"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_global_limit_answers_429_with_global_true_but_spares_interaction_callbacks() {
    let limits = RateLimitConfig {
        global_per_second: 2,
        global_window: Duration::from_secs(60),
        ..RateLimitConfig::default()
    };
    let fake = start_with_limits(limits).await;
    let path = format!("/applications/{}/commands", fake.application_id());
    let command = json!([{ "name": "ping", "description": "Ping" }]);
    assert_eq!(api(&fake, "PUT", &path, Some(command)).await.0, 200);
    assert_eq!(api(&fake, "GET", "/users/@me", None).await.0, 200);
    let (status, body) = api(&fake, "GET", "/users/@me", None).await;
    assert_eq!((status, body["global"].as_bool()), (429, Some(true)));
    let interaction = fake
        .member("alice")
        .slash(fake.channel("general"), "ping", vec![]);
    let callback = format!("/interactions/{}/{}/callback", interaction.id, interaction.token);
    let (status, _) = api(
        &fake,
        "POST",
        &callback,
        Some(json!({ "type": 4, "data": { "content": "pong" } })),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(interaction.response().unwrap().text(), "pong");
}

#[tokio::test(flavor = "multi_thread")]
async fn serenitys_ratelimiter_waits_out_an_announced_bucket_so_no_429_is_served() {
    let limits = RateLimitConfig {
        overrides: vec![(POST_MESSAGES.to_owned(), 2, Duration::from_millis(300))],
        ..RateLimitConfig::default()
    };
    let fake = start_with_limits(limits).await;
    let http = http(&fake, Path::Production);
    let general = ChannelId::new(fake.channel("general"));
    for i in 0..5 {
        general
            .send_message(&http, CreateMessage::new().content(format!("message {i}")))
            .await
            .expect("serenity waits for the bucket to refill");
    }
    assert_eq!(fake.messages(general.get()).len(), 5);
    assert!(fake.rest_records().iter().all(|r| r.status != 429));
}

async fn statuses(seed: u64) -> Vec<u16> {
    let fake = FakeDiscord::start(FakeConfig {
        seed,
        ..fake_config()
    })
    .await;
    fake.faults().set_5xx_rate(0.3);
    fake.faults().set_429_rate(0.2);
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(api(&fake, "GET", "/users/@me", None).await.0);
    }
    statuses
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_faults_repeat_exactly_for_the_same_seed() {
    let first = statuses(7).await;
    assert_eq!(first, statuses(7).await);
    assert!(first.iter().any(|s| *s >= 500));
    assert!(first.contains(&429));
    assert!(first.contains(&200));
    assert_ne!(first, statuses(8).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_slow_response_fault_delays_every_request() {
    let fake = FakeDiscord::start(fake_config()).await;
    fake.faults().set_delay(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(api(&fake, "GET", "/users/@me", None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    fake.faults().clear();
    let (status, _) = api(&fake, "GET", "/users/@me", None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_path_fails_only_its_own_requests_until_healed() {
    let fake = FakeDiscord::start(fake_config()).await;
    let (one, two) = (fake.channel("general"), fake.channel("dailyq"));
    fake.faults().fail_path(&format!("/channels/{one}/"), 503);
    let fake = &fake;
    let post = |c: u64| async move {
        let path = format!("/channels/{c}/messages");
        api(fake, "POST", &path, Some(json!({ "content": "hi" }))).await
    };
    assert_eq!(post(one).await.0, 503);
    assert_eq!(post(two).await.0, 200);
    fake.faults().heal_path(&format!("/channels/{one}/"));
    assert_eq!(post(one).await.0, 200);
    fake.faults().fail_path("/users/@me", 500);
    assert_eq!(api(fake, "GET", "/users/@me", None).await.0, 500);
    fake.faults().clear();
    assert_eq!(api(fake, "GET", "/users/@me", None).await.0, 200);
}
