//! Pietura's central server: the library behind the `pietura-server` binary.
//!
//! [`router`] is pure; [`serve`] runs it on a listener until a shutdown future completes, and
//! is what both the binary and the tests call.

pub mod admin;
pub mod api;
pub mod audit;
pub mod audit_checkpoint;
pub mod authorship;
pub mod backup;
pub mod cases;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod devices;
pub mod eaddress;
pub mod environment;
#[doc(hidden)]
pub mod fuzzing;
pub mod institutions;
pub mod limits;
pub mod login;
pub mod open_data;
pub mod releases;
pub mod signatures;
pub mod store;
pub mod submissions;
pub mod testing;
pub mod training;
pub mod uploads;

use std::{future::Future, net::TcpListener, path::Path, time::Duration};

pub use api::{AppState, router};

/// TLS certificate and key files for HTTPS.
#[derive(Debug, Clone)]
pub struct TlsFiles<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("could not load the TLS certificate or key: {0}")]
    Tls(String),
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves the API on `listener` until `shutdown` completes, then gives in-flight requests up to
/// `grace` to finish and returns: shutdown cannot hang on a stuck client.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    tls: Option<TlsFiles<'_>>,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    listener.set_nonblocking(true)?;
    let handle = axum_server::Handle::new();
    let watcher = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!(grace_secs = grace.as_secs(), "shutting down");
        watcher.graceful_shutdown(Some(grace));
    });
    let limits = state.limits;
    let capped = limits::CappedAcceptor::new(axum_server::accept::DefaultAcceptor, &limits);
    // Peer addresses feed the enrollment throttle.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    match tls {
        Some(files) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(files.cert, files.key)
                .await
                .map_err(|e| ServeError::Tls(format!("{} / {}: {e}", files.cert.display(), files.key.display())))?;
            let mut server =
                axum_server::from_tcp_rustls(listener, config).map(|tls| tls.acceptor(capped)).handle(handle);
            with_timeouts(server.http_builder(), &limits);
            server.serve(app).await?;
        }
        None => {
            let mut server = axum_server::from_tcp(listener).acceptor(capped).handle(handle);
            with_timeouts(server.http_builder(), &limits);
            server.serve(app).await?;
        }
    }
    Ok(())
}

/// hyper's header timeout (it needs a timer to take effect at all) and HTTP/2 keep-alive pings,
/// so a silent peer is found out.
fn with_timeouts(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &limits::ServeLimits,
) {
    use hyper_util::rt::TokioTimer;
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_read_timeout))
        .keep_alive_timeout(limits.header_read_timeout);
}
