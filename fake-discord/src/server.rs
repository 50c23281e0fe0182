//! One loopback port serving plain HTTP, WebSocket and HTTPS: the first byte of a connection
//! tells a TLS handshake (0x16) from plain HTTP.

use std::sync::Arc;

use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::{any, get};
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
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
        .route("/attachments/{*file}", get(crate::attachments::cdn))
        .route("/ephemeral-attachments/{*file}", get(crate::attachments::cdn))
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
    let kill = ConnectionKill::default();
    let app = app.layer(Extension(kill.clone()));
    if first[0] == TLS_HANDSHAKE {
        let Ok(stream) = tls.accept(stream).await else {
            return;
        };
        serve_http(TokioIo::new(stream), app, &kill).await;
    } else {
        serve_http(TokioIo::new(stream), app, &kill).await;
    }
}

/// Serves HTTP/1 (and upgrades) on one connection until it ends or a handler kills it; killing
/// drops the connection future, so the socket closes without an answer.
async fn serve_http<I>(io: I, app: Router, kill: &ConnectionKill)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(app);
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .with_upgrades();
    tokio::select! {
        _ = connection => {}
        () = kill.0.notified() => {}
    }
}

/// Lets a request handler end its own TCP connection without answering, as when the client
/// process is gone. Every request carries its connection's one as an extension.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Closes the connection the request came on; its pending answer is never written.
    pub(crate) fn fire(&self) {
        self.0.notify_one();
    }
}
