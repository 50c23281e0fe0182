//! The real serenity + poise client against the fake, on both HTTP paths.

use std::time::Duration;

use fake_discord::{Direction, FakeDiscord, ResponseKind, opt};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage};

use crate::helpers::{
    Path, Seen, WAIT, default_intents, start_bot, start_fake, start_ready, start_ready_to_reconnect,
};

async fn ping_round_trip(fake: &FakeDiscord) {
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let interaction = alice.slash(general, "ping", vec![opt("text", "hi")]);
    let response = interaction.wait_response(WAIT).await.expect("bot answers /ping");
    assert_eq!(response.kind, ResponseKind::Message);
    assert_eq!(response.text(), "pong hi");
    assert!(!response.ephemeral);
}

#[tokio::test(flavor = "multi_thread")]
async fn serenity_client_on_the_proxy_path_reaches_ready_and_answers_a_slash_command() {
    let (fake, bot) = start_ready(Path::Proxy).await;
    ping_round_trip(&fake).await;
    assert!(bot.errors.lock().unwrap().is_empty());
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn serenity_client_on_the_production_path_reaches_ready_and_answers_a_slash_command() {
    let (fake, bot) = start_ready(Path::Production).await;
    ping_round_trip(&fake).await;
    let rest = fake.rest_records();
    assert!(
        rest.iter()
            .any(|r| r.path.ends_with("/commands") && r.method == "PUT")
    );
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_resumes_after_a_dropped_connection_and_receives_the_missed_events() {
    let (fake, mut bot) = start_ready_to_reconnect(Path::Proxy).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    // The bot is away from the drop until its RESUME is answered. Serenity comes back within
    // milliseconds on its own threads, so hold that answer: the message is then said while the
    // bot is away however the machine schedules the test.
    fake.gateway().hold_resumes();
    fake.gateway().drop_connections();
    fake.gateway()
        .wait_for(|s| s.held_resumes == 1, WAIT)
        .await
        .expect("the bot reconnects and asks to resume");
    alice.say(general, "said while the bot was away");
    fake.gateway().release_resumes();
    let missed = Seen::Message {
        content: "said while the bot was away".to_owned(),
        author: alice.id,
    };
    bot.wait_seen_all(vec![Seen::Resumed, missed]).await;
    let stats = fake.gateway().stats();
    assert_eq!(stats.identifies, 1, "a resume, not a new identify");
    assert_eq!((stats.resumes, stats.connections), (1, 2));
    assert!(stats.replayed >= 1);
    let records = fake.gateway_records();
    let resumed_on = records
        .iter()
        .find(|g| g.direction == Direction::In && g.frame["op"] == 6)
        .map(|g| g.connection);
    let message_on: Vec<u64> = records
        .iter()
        .filter(|g| g.frame["d"]["content"] == "said while the bot was away")
        .map(|g| g.connection)
        .collect();
    assert_eq!(
        message_on,
        resumed_on.into_iter().collect::<Vec<_>>(),
        "sent once, replayed after the RESUME"
    );
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_resumes_after_an_op_7_reconnect_request() {
    let (fake, mut bot) = start_ready_to_reconnect(Path::Proxy).await;
    fake.gateway().request_reconnect();
    bot.wait_seen(|s| *s == Seen::Resumed).await;
    ping_round_trip(&fake).await;
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_resumes_after_a_resumable_invalid_session() {
    let (fake, mut bot) = start_ready_to_reconnect(Path::Proxy).await;
    fake.gateway().invalidate_session(true);
    bot.wait_seen(|s| *s == Seen::Resumed).await;
    let stats = fake.gateway().stats();
    assert_eq!((stats.identifies, stats.resumes), (1, 1));
    ping_round_trip(&fake).await;
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_identifies_again_after_a_non_resumable_invalid_session() {
    let (fake, mut bot) = start_ready_to_reconnect(Path::Proxy).await;
    fake.gateway().invalidate_session(false);
    // serenity re-identifies through its shard queue, which waits 5 s after the last start.
    bot.wait_seen_within(Duration::from_secs(20), |s| *s == Seen::Ready)
        .await;
    let stats = fake.gateway().stats();
    assert_eq!((stats.identifies, stats.resumes), (2, 0));
    ping_round_trip(&fake).await;
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn serenity_receives_the_dispatches_replayed_on_resume_again_with_their_original_sequence() {
    let (fake, mut bot) = start_ready_to_reconnect(Path::Proxy).await;
    let alice = fake.member("alice");
    alice.say(fake.channel("general"), "seen twice");
    let seen = Seen::Message {
        content: "seen twice".to_owned(),
        author: alice.id,
    };
    bot.wait_seen(|s| *s == seen).await;
    fake.gateway().replay_on_resume(1);
    fake.gateway().drop_connections();
    bot.wait_seen_all(vec![Seen::Resumed, seen]).await;
    assert_eq!(fake.gateway().stats().resent, 1);
    let sent: Vec<(u64, u64)> = fake
        .gateway_records()
        .into_iter()
        .filter(|g| g.frame["t"] == "MESSAGE_CREATE" && g.frame["d"]["content"] == "seen twice")
        .map(|g| (g.connection, g.frame["s"].as_u64().unwrap()))
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_ne!(sent[0].0, sent[1].0, "once per connection");
    assert_eq!(sent[0].1, sent[1].1, "with the same sequence number");
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_injected_429_is_retried_by_serenitys_ratelimiter_and_the_message_is_sent() {
    let (fake, bot) = start_ready(Path::Production).await;
    let general = fake.channel("general");
    fake.faults().set_429_retry_after(Duration::from_millis(200));
    fake.faults().set_429_rate(1.0);
    let http = bot.http.clone();
    let send = tokio::spawn(async move {
        ChannelId::new(general)
            .send_message(&http, CreateMessage::new().content("after 429"))
            .await
    });
    fake.wait_until(
        |f| f.rest_records().iter().any(|r| r.status == 429).then_some(()),
        WAIT,
    )
    .await
    .expect("a 429 was served");
    fake.faults().set_429_rate(0.0);
    let sent = send.await.unwrap().expect("serenity retried and succeeded");
    assert_eq!(sent.content, "after 429");
    let posts: Vec<u16> = fake
        .rest_records()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&format!("/channels/{general}/messages")))
        .map(|r| r.status)
        .collect();
    assert_eq!(posts.last(), Some(&200));
    assert!(posts.contains(&429));
    assert_eq!(fake.messages(general).len(), 1);
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_privileged_intent_the_app_was_not_granted_closes_the_gateway_with_4014() {
    let fake = FakeDiscord::start(
        crate::helpers::fake_config().without_privileged_intents(fake_discord::intents::MESSAGE_CONTENT),
    )
    .await;
    let bot = start_bot(&fake, Path::Proxy, default_intents()).await;
    fake.gateway()
        .wait_for(|s| s.disallowed_intents == 1, WAIT)
        .await
        .expect("identify refused");
    let outcome = tokio::time::timeout(WAIT, bot.finish())
        .await
        .expect("client gives up");
    assert!(
        matches!(
            outcome,
            Err(serenity::Error::Gateway(
                serenity::GatewayError::DisallowedGatewayIntents
            ))
        ),
        "{outcome:?}"
    );
    assert_eq!(fake.gateway().stats().identifies, 0);
    let closes: Vec<_> = fake
        .gateway_records()
        .into_iter()
        .filter(|g| g.frame.get("close").is_some())
        .collect();
    assert_eq!(closes[0].frame["close"], 4014);
}

#[tokio::test(flavor = "multi_thread")]
async fn members_acts_reach_the_bot_as_gateway_events() {
    let (fake, mut bot) = start_ready(Path::Proxy).await;
    let general = fake.channel("general");
    let bob = fake.member("bob");
    let msg = bob.say(general, "an answer");
    bot.wait_seen(|s| matches!(s, Seen::Message { content, .. } if content == "an answer"))
        .await;
    bob.react(general, msg, "⬆️");
    let seen = bot.wait_seen(|s| matches!(s, Seen::ReactionAdd { .. })).await;
    assert_eq!(
        seen,
        Seen::ReactionAdd {
            emoji: "⬆️".to_owned(),
            user: bob.id
        }
    );
    bob.unreact(general, msg, "⬆️");
    let seen = bot.wait_seen(|s| matches!(s, Seen::ReactionRemove { .. })).await;
    assert_eq!(
        seen,
        Seen::ReactionRemove {
            emoji: "⬆️".to_owned(),
            user: bob.id
        }
    );
    bot.stop().await.expect("client stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_can_start_a_fake_and_a_bot_twice_in_one_process() {
    let fake = start_fake().await;
    let bot = start_bot(&fake, Path::Proxy, default_intents()).await;
    fake.gateway().wait_ready(WAIT).await.expect("ready");
    bot.stop().await.expect("stops");
    drop(fake);
    let (fake, bot) = start_ready(Path::Proxy).await;
    ping_round_trip(&fake).await;
    bot.stop().await.expect("stops");
}
