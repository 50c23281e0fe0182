//! One loopback port serving plain HTTP, WebSocket and HTTPS: the first byte of a connection
//! tells a TLS handshake (0x16) from plain HTTP.

use std::sync::Arc;

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::any;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::shared::Shared;

const TLS_HANDSHAKE: u8 = 0x16;

async fn gateway_entry(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(16 * 1024 * 1024)
        .on_upgrade(move |socket| crate::gateway::serve(shared, socket))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", any(gateway_entry))
        .fallback(crate::rest::api)
        .with_state(shared)
}

/// Accepts connections until `shutdown` turns true.
pub(crate) async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: TlsAcceptor,
    shutdown: watch::Receiver<bool>,
) {
    let app = router(shared);
    let mut stop = shutdown.clone();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let app = app.clone();
        let tls = tls.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = serve_connection(stream, app, tls) => {}
                _ = stop.changed() => {}
            }
        });
    }
}

async fn serve_connection(stream: TcpStream, app: Router, tls: TlsAcceptor) {
    let _ = stream.set_nodelay(true);
    let mut first = [0_u8; 1];
    if stream.peek(&mut first).await.unwrap_or(0) == 0 {
        return;
    }
    let service = TowerToHyperService::new(app);
    let http = hyper::server::conn::http1::Builder::new();
    if first[0] == TLS_HANDSHAKE {
        let Ok(stream) = tls.accept(stream).await else {
            return;
        };
        let _ = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades()
            .await;
    } else {
        let _ = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades()
            .await;
    }
}
