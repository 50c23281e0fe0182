//! The optional HTTP server (`DAILYQ_HTTP_ADDR`): liveness, readiness and Prometheus metrics.
//!
//! - `GET /healthz`: 200 while the process is up.
//! - `GET /readyz`: 200 only when the gateway is connected, the database answers and the
//!   scheduler ticked within its expected interval; otherwise 503 with a JSON body naming the
//!   failed checks.
//! - `GET /metrics`: the Prometheus text format (see [`crate::metrics`]).
//! - `GET /g/{token}…`: the web leaderboard of a guild that turned it on (see [`crate::web`]).

use crate::discord::Data;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::time::Duration;

/// The longest the scheduler may go without a tick before the bot is not ready: it ticks at
/// least every 30 s, so twice that and a margin.
pub const TICK_DEADLINE: Duration = Duration::from_secs(75);

/// The routes, on the bot's shared data.
pub fn router(data: Data) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/g/{token}", get(board))
        .route("/g/{token}/m/{member}", get(member))
        .route("/static/dailyq.css", get(stylesheet))
        .fallback(|| async { page(Ok(None)) })
        .with_state(data)
}

/// Serves the routes on `listener` until `stop` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    data: Data,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(data))
        .with_graceful_shutdown(stop)
        .await
}

async fn readyz(State(data): State<Data>) -> impl IntoResponse {
    let gateway = data.metrics.gateway_up();
    let database = tokio::time::timeout(Duration::from_secs(2), data.store.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    let scheduler = data.metrics.since_tick().is_some_and(|d| d <= TICK_DEADLINE);
    let failed: Vec<&str> = [
        ("gateway", gateway),
        ("database", database),
        ("scheduler", scheduler),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(name, _)| name)
    .collect();
    let body = serde_json::json!({
        "ready": failed.is_empty(),
        "checks": { "gateway": gateway, "database": database, "scheduler": scheduler },
        "failed": failed,
    });
    let status = if failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics(State(data): State<Data>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        data.metrics.render(),
    )
}

/// What the web pages allow a browser to do: images from Discord's CDN, the one stylesheet,
/// nothing else (no script, no frames, no forms); and never send the page's address, which
/// holds its token, to anyone.
const PAGE_HEADERS: [(header::HeaderName, &str); 5] = [
    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; img-src https://cdn.discordapp.com; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::CACHE_CONTROL, "private, max-age=30"),
];

/// A page, the 404 page, or a 500 with its error logged.
fn page(result: Result<Option<String>, crate::web::WebError>) -> Response {
    let (status, body) = match result {
        Ok(Some(html)) => (StatusCode::OK, html),
        Ok(None) => (StatusCode::NOT_FOUND, crate::web::not_found_page()),
        Err(e) => {
            tracing::error!(error = ?e, "a web page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be drawn; the error is in the bot's log.\n".to_owned(),
            )
        }
    };
    let mut response = (status, body).into_response();
    for (name, value) in PAGE_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn board(
    State(data): State<Data>,
    Path(token): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let site = crate::web::Site::from_base(data.public_url.as_deref());
    page(
        crate::web::board_page(
            &data.store,
            &site,
            data.clock.now(),
            &token,
            query.get("period").map(String::as_str),
            query.get("page").map(String::as_str),
        )
        .await,
    )
}

async fn member(State(data): State<Data>, Path((token, member)): Path<(String, String)>) -> Response {
    let site = crate::web::Site::from_base(data.public_url.as_deref());
    page(crate::web::member_page(&data.store, &site, data.clock.now(), &token, &member).await)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        crate::web::STYLESHEET,
    )
}
