//! Snowflakes and timestamps follow the time source a test sets, as a bot with a manual clock
//! needs when it judges messages by their snowflake's instant.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use fake_discord::FakeDiscord;
use poise::serenity_prelude as serenity;
use serde_json::json;

use crate::helpers::{api, fake_config};

/// A clock the test sets, shared with the fake.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    fn at(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap() = to;
    }
}

async fn start_at(clock: &TestClock) -> FakeDiscord {
    let source = clock.clone();
    FakeDiscord::start(fake_config().with_time_source(move || source.now())).await
}

fn created_at(id: u64) -> DateTime<Utc> {
    *serenity::MessageId::new(id).created_at()
}

fn parse(timestamp: &serde_json::Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(timestamp.as_str().expect("a timestamp"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_messages_snowflake_and_timestamps_follow_the_configured_time_source() {
    let start = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    let clock = TestClock::at(start);
    let fake = start_at(&clock).await;
    let general = fake.channel("general");
    assert_eq!(
        created_at(fake.guild_id()),
        start,
        "ids made at start use the source too"
    );

    let early = fake.member("alice").say(general, "before the deadline");
    assert_eq!(created_at(early), start);

    let later = start + Duration::hours(2) + Duration::milliseconds(1);
    clock.set(later);
    let late = fake.member("bob").say(general, "one millisecond after");
    assert_eq!(created_at(late), later);

    let (status, message) = api(
        &fake,
        "GET",
        &format!("/channels/{general}/messages/{late}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(parse(&message["timestamp"]), later);

    let edited_at = later + Duration::minutes(5);
    clock.set(edited_at);
    fake.member("alice").edit(general, early, "edited");
    let (_, message) = api(
        &fake,
        "GET",
        &format!("/channels/{general}/messages/{early}"),
        None,
    )
    .await;
    assert_eq!(parse(&message["timestamp"]), start, "creation time stays");
    assert_eq!(parse(&message["edited_timestamp"]), edited_at);

    let path = format!("/channels/{general}/messages/{late}/threads");
    let (status, thread) = api(&fake, "POST", &path, Some(json!({ "name": "answers" }))).await;
    assert_eq!(status, 201, "{thread}");
    assert_eq!(parse(&thread["thread_metadata"]["create_timestamp"]), edited_at);
}

#[tokio::test(flavor = "multi_thread")]
async fn snowflakes_stay_strictly_increasing_when_the_time_source_stands_still_or_goes_back() {
    let start = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    let clock = TestClock::at(start);
    let fake = start_at(&clock).await;
    let general = fake.channel("general");
    let alice = fake.member("alice");
    let mut ids: Vec<u64> = (0..50)
        .map(|i| alice.say(general, &format!("still {i}")))
        .collect();
    assert!(
        ids.iter().all(|id| created_at(*id) == start),
        "the clock did not move"
    );

    clock.set(start - Duration::hours(1));
    ids.extend((0..5).map(|i| alice.say(general, &format!("back {i}"))));
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    clock.set(start + Duration::seconds(1));
    let forward = alice.say(general, "forward again");
    assert_eq!(created_at(forward), start + Duration::seconds(1));
    assert!(forward > *ids.last().unwrap());
}
