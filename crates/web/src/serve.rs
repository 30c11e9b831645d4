//! Serving connections. `axum::serve` keeps every socket as long as the client likes, so EMSS
//! serves them with hyper's HTTP/1.1 connection builder instead: a client must send its request
//! head within `header_read_timeout` (which also closes a keep-alive connection left idle that
//! long), a connection with no traffic either way for `idle_timeout` is closed, at most
//! `max_connections` sockets are open at once — new ones wait in the listen queue and one log line
//! says so —, and a request head larger than [`MAX_HEADER_BYTES`] is answered 431. HTTP/1.1 only:
//! TLS ends at the reverse proxy, which speaks HTTP/1.1 to EMSS, and cleartext HTTP/2 would only
//! add a way around the head timeout. On shutdown no new connection is taken and those open
//! finish their requests.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;
use tower::Service;

/// The largest request head (request line and headers) taken: larger ones are answered 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Limits on connections, all configurable (see the README's configuration table).
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// Time a client has to send a complete request head, and the longest a kept-alive connection
    /// may wait for its next request.
    pub header_read_timeout: Duration,
    /// A connection with neither reading nor writing for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the connections open finish
/// their requests. The client address reaches handlers as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    settings: &ServeSettings,
) -> std::io::Result<()> {
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        // A head still arriving may not fill more memory than this before it is refused.
        .max_buf_size(4 * MAX_HEADER_BYTES);
    let slots = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    let mut at_limit = false;
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if !at_limit {
                    tracing::warn!(
                        max_connections = settings.max_connections,
                        "connection limit reached: new connections wait until one closes"
                    );
                    at_limit = true;
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        if at_limit {
            tracing::info!("connections below the limit again");
            at_limit = false;
        }
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before it was taken: wait a
                    // moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = match make_service.call(remote).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let mut io = TimeoutStream::new(stream);
        io.set_read_timeout(Some(settings.idle_timeout));
        io.set_write_timeout(Some(settings.idle_timeout));
        let io = TokioIo::new(Box::pin(io));
        let connection = builder.serve_connection(io, TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %remote, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
