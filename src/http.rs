//! The optional HTTP server (`DAILYQ_HTTP_ADDR`): liveness, readiness and Prometheus metrics.
//!
//! - `GET /healthz`: 200 while the process is up.
//! - `GET /readyz`: 200 only when the gateway is connected, the database answers and the
//!   scheduler ticked within its expected interval; otherwise 503 with a JSON body naming the
//!   failed checks.
//! - `GET /metrics`: the Prometheus text format (see [`crate::metrics`]).

use crate::discord::Data;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
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
