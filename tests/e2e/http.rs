//! The HTTP server: liveness, readiness that follows the gateway, the database and the
//! scheduler, and Prometheus metrics whose counters move with a round.

use crate::harness::{App, closed_round, eventually, set_up_daily, start_instant, wait_for_post};
use chrono::Duration;
use dailyq::discord::Data;

/// Serves `data` on a free local port until the test ends; returns the base URL.
/// Serves `data`'s HTTP routes on a free loopback port; its base URL.
pub async fn serve(data: Data) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(dailyq::http::serve(listener, data, std::future::pending()));
    base
}

/// One GET: the status and the body.
pub async fn get(base: &str, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Every line of an OpenMetrics text body is a comment, `# EOF`, or `name{labels} value`.
fn assert_exposition(text: &str) {
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        assert!(value.parse::<f64>().is_ok(), "value of {line}");
        let name = series.split('{').next().unwrap();
        assert!(
            name.starts_with("dailyq_") && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        if let Some(labels) = series.strip_prefix(name) {
            // No high-cardinality labels: no snowflake-sized number in any label value.
            let digits = labels
                .split(|c: char| !c.is_ascii_digit())
                .map(str::len)
                .max()
                .unwrap_or(0);
            assert!(digits < 15, "an id in a label: {line}");
        }
    }
}

fn counter(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .map_or(0.0, |v| v.parse().unwrap())
}

async fn health_follows_the_gateway_and_metrics_count_a_round(app: &mut App) {
    let base = serve(app.bot_data().clone()).await;
    assert_eq!(get(&base, "/healthz").await, (200, "ok\n".to_owned()));
    eventually("ready", || {
        let base = base.clone();
        async move {
            let (status, body) = get(&base, "/readyz").await;
            (status == 200 && body.contains("\"ready\":true")).then_some(())
        }
    })
    .await;

    let channel = app.channel("dailyq");
    set_up_daily(app, channel, "09:30").await;
    app.set_clock(start_instant() + Duration::hours(3) + Duration::minutes(30));
    let (_, thread) = wait_for_post(app, channel, 1).await;
    // Every REST request is refused with a 429 while the answer comes: serenity waits and
    // retries the ⬆️, and each wait is counted; then Discord lets it through.
    app.fake.faults().set_429_rate(1.0);
    let said = app
        .member("alice")
        .say(thread, "Keep the counter in Redis and flush it.");
    let metrics = app.bot_data().metrics.clone();
    eventually("a 429 is counted", || {
        let text = metrics.render();
        async move {
            text.contains("dailyq_rest_ratelimited_total{route=\"reactions\"")
                .then_some(())
        }
    })
    .await;
    app.fake.faults().set_429_rate(0.0);
    crate::harness::wait_bot_reacted(app, said).await;
    app.advance(Duration::hours(2));
    closed_round(app, thread).await;
    let (status, text) = get(&base, "/metrics").await;
    assert_eq!(status, 200);
    assert_exposition(&text);
    assert_eq!(
        counter(&text, "dailyq_rounds_total{event=\"posted\"}"),
        1.0,
        "{text}"
    );
    assert_eq!(
        counter(&text, "dailyq_rounds_total{event=\"revealed\"}"),
        1.0,
        "{text}"
    );
    assert_eq!(counter(&text, "dailyq_answers_recorded_total"), 1.0, "{text}");
    assert_eq!(
        counter(
            &text,
            "dailyq_interactions_total{command=\"dailyq setup\",outcome=\"ok\"}"
        ),
        1.0,
        "{text}"
    );
    assert!(
        text.contains("dailyq_scheduler_lag_seconds{job=\"reveal\"}"),
        "{text}"
    );
    assert!(
        text.contains("dailyq_gateway_sessions_total{event=\"ready\"}"),
        "{text}"
    );
    // REST by route class and status: the post and the reveal (messages), the thread, the ⬆️.
    for series in [
        "dailyq_rest_requests_total{route=\"messages\",status=\"2xx\"}",
        "dailyq_rest_requests_total{route=\"threads\",status=\"2xx\"}",
        "dailyq_rest_requests_total{route=\"reactions\",status=\"2xx\"}",
    ] {
        assert!(counter(&text, series) >= 1.0, "{series}: {text}");
    }
    let waits: f64 = text
        .lines()
        .filter(|l| l.starts_with("dailyq_rest_ratelimited_total{"))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .sum();
    assert!(waits >= 1.0, "the 429s were counted: {text}");

    // A dropped connection the bot resumes: counted as a resume, not a new session; ready.
    let resumes = app.fake.gateway().stats().resumes;
    app.fake.gateway().drop_connections();
    let metrics = app.bot_data().metrics.clone();
    eventually("the resume counted", || {
        let text = metrics.render();
        async move {
            (counter(&text, "dailyq_gateway_sessions_total{event=\"resumed\"}") == 1.0).then_some(())
        }
    })
    .await;
    assert_eq!(app.fake.gateway().stats().resumes, resumes + 1);
    let (_, text) = get(&base, "/metrics").await;
    assert_eq!(
        counter(&text, "dailyq_gateway_sessions_total{event=\"ready\"}"),
        1.0,
        "a resume, not a new session: {text}"
    );
    assert_eq!(get(&base, "/readyz").await.0, 200);

    // The gateway gone: not ready, and the body says why.
    app.stop_bot().await;
    let (status, body) = get(&base, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["failed"], serde_json::json!(["gateway"]), "{body}");

    // The database closed: not ready either.
    let store = dailyq::store::Store::connect(app.db_url()).await.unwrap();
    let data = Data::new(
        store.clone(),
        std::sync::Arc::new(dailyq::clock::SystemClock),
        false,
    );
    data.metrics.gateway_session(0, "ready");
    data.metrics.tick();
    let base = serve(data).await;
    assert_eq!(get(&base, "/readyz").await.0, 200);
    store.close().await;
    let (status, body) = get(&base, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["failed"], serde_json::json!(["database"]), "{body}");
    app.start_bot().await;
}

crate::e2e_on_both_backends!(health_follows_the_gateway_and_metrics_count_a_round);
