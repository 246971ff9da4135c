//! What one client may hold of the server: a connection among at most `max_connections`, and
//! only for as long as it keeps talking. A client that connects and says nothing, sends its
//! headers a byte at a time, or dribbles a body (slowloris) is cut off, so it cannot hold
//! connections, memory or a database transaction for ever.

use std::{
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum_server::accept::Accept;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    sync::{OwnedSemaphorePermit, Semaphore},
};

/// The server's limits on clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Open connections at once; more are closed as they arrive.
    pub max_connections: usize,
    /// From the connection (or the end of the previous request) to the request's last header
    /// line; also the most a new connection may wait before its first byte.
    pub header_read_timeout: Duration,
    /// From the headers to the response: a body dribbled slower than this gets 408.
    pub request_timeout: Duration,
    /// The longest pause between two pieces of a request body.
    pub body_idle_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            // A 10 MB attachment at 1 Mbit/s takes 80 s.
            request_timeout: Duration::from_secs(120),
            body_idle_timeout: Duration::from_secs(20),
        }
    }
}

/// Accepts a connection only while fewer than the limit are open, and only once its first byte
/// arrives in time (hyper's own header timeout starts after it has chosen HTTP/1 or HTTP/2,
/// which needs that byte); the permit is held until the connection closes.
#[derive(Debug, Clone)]
pub struct CappedAcceptor<A> {
    inner: A,
    permits: Arc<Semaphore>,
    first_byte: Duration,
}

impl<A> CappedAcceptor<A> {
    pub fn new(inner: A, limits: &ServeLimits) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(limits.max_connections)),
            first_byte: limits.header_read_timeout,
        }
    }
}

impl<A, S> Accept<TcpStream, S> for CappedAcceptor<A>
where
    A: Accept<TcpStream, S> + Clone + Send + 'static,
    A::Future: Send,
    S: Send + 'static,
{
    type Stream = Permitted<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let permit = self.permits.clone().try_acquire_owned();
        let (inner, first_byte) = (self.inner.clone(), self.first_byte);
        Box::pin(async move {
            let Ok(permit) = permit else {
                tracing::warn!("connection refused: too many open connections");
                return Err(io::Error::other("too many open connections"));
            };
            let mut byte = [0u8; 1];
            match tokio::time::timeout(first_byte, stream.peek(&mut byte)).await {
                Ok(Ok(n)) if n > 0 => {}
                Ok(Ok(_)) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
                Ok(Err(error)) => return Err(error),
                Err(_) => {
                    tracing::debug!("connection closed: nothing sent in time");
                    return Err(io::Error::from(io::ErrorKind::TimedOut));
                }
            }
            let (stream, service) = inner.accept(stream, service).await?;
            Ok((Permitted { inner: stream, _permit: permit }, service))
        })
    }
}

/// A connection holding its place among the open ones until it is dropped.
pub struct Permitted<T> {
    inner: T,
    _permit: OwnedSemaphorePermit,
}

impl<T: AsyncRead + Unpin> AsyncRead for Permitted<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Permitted<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
