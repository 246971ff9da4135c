//! Pietura's central server: the library behind the `pietura-server` binary.
//!
//! [`router`] is pure; [`serve`] runs it on a listener until a shutdown future completes, and
//! is what both the binary and the tests call.

pub mod api;
pub mod audit;
pub mod cases;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod devices;
pub mod eaddress;
pub mod institutions;
pub mod login;
pub mod open_data;
pub mod store;
pub mod testing;

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
    // Peer addresses feed the enrollment throttle.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    match tls {
        Some(files) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(files.cert, files.key)
                .await
                .map_err(|e| ServeError::Tls(format!("{} / {}: {e}", files.cert.display(), files.key.display())))?;
            axum_server::from_tcp_rustls(listener, config).handle(handle).serve(app).await?;
        }
        None => axum_server::from_tcp(listener).handle(handle).serve(app).await?,
    }
    Ok(())
}
