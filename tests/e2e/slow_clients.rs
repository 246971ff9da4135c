//! Slow and silent clients against the real server binary (issue 12, item 3): a connection that
//! says nothing, headers sent a byte at a time, a body dribbled, and more connections than the
//! cap are all cut off; a well-behaved client is served throughout. The limits are set low
//! through the environment so the test takes seconds.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use tests::{bin_dir, free_port, processes::ServerProcess};

/// Reads until the server closes the connection (or `within` passes); answers what it sent and
/// how long that took.
fn read_to_close(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let started = Instant::now();
    stream.set_read_timeout(Some(within)).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
        if started.elapsed() > within {
            break;
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

/// Writes `bytes` one at a time, `every` apart, until the server stops taking them; answers how
/// long the server let it go on.
fn dribble(stream: &mut TcpStream, bytes: &[u8], every: Duration) -> Duration {
    let started = Instant::now();
    for byte in bytes {
        if stream.write_all(std::slice::from_ref(byte)).is_err() {
            break;
        }
        std::thread::sleep(every);
        // The server's answer (408) or its closing shows on a read; writes may still be
        // buffered after it closed.
        stream.set_nonblocking(true).unwrap();
        let mut probe = [0u8; 512];
        let still_open = matches!(stream.read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        stream.set_nonblocking(false).unwrap();
        if !still_open {
            break;
        }
    }
    started.elapsed()
}

fn healthy(address: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else { return false };
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").unwrap();
    read_to_close(&mut stream, Duration::from_secs(5)).0.starts_with("HTTP/1.1 200")
}

#[test]
fn slow_and_silent_clients_are_cut_off_and_connections_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let server = ServerProcess::start_with(&bin_dir(), &db, free_port(), |command| {
        command
            .env("PIETURA_MAX_CONNECTIONS", "4")
            .env("PIETURA_HEADER_READ_TIMEOUT_SECS", "1")
            .env("PIETURA_REQUEST_TIMEOUT_SECS", "2")
            .env("PIETURA_BODY_IDLE_TIMEOUT_SECS", "1");
    })
    .unwrap();
    let address = server.url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert!(healthy(&address));

    // Connected, then silent: closed after the header timeout, not held.
    let mut silent = TcpStream::connect(&address).unwrap();
    let (_, waited) = read_to_close(&mut silent, Duration::from_secs(10));
    assert!(waited < Duration::from_secs(4), "a silent connection was held for {waited:?}");

    // Headers a byte every 200 ms (a request line and headers of 200 bytes would take 40 s).
    let mut slow_headers = TcpStream::connect(&address).unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: {}\r\n\r\n", "a".repeat(160));
    let held = dribble(&mut slow_headers, request.as_bytes(), Duration::from_millis(200));
    assert!(held < Duration::from_secs(5), "headers dribbled for {held:?}");

    // A body dribbled: the headers at once, then a byte every 700 ms, each pause under the
    // idle limit (1 s): the request's own limit (2 s) cuts it off with 408.
    let mut slow_body = TcpStream::connect(&address).unwrap();
    slow_body
        .write_all(
            b"POST /v1/devices/enroll HTTP/1.1\r\nHost: test\r\npietura-protocol: 1\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{",
        )
        .unwrap();
    let body = vec![b' '; 399];
    let held = dribble(&mut slow_body, &body, Duration::from_millis(700));
    assert!(held < Duration::from_secs(6), "a dribbled body was taken for {held:?}");

    // Four connections hold every place: a fifth is closed at once, unanswered; when they go,
    // the server serves again.
    let mut holders: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.write_all(b"G").unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut fifth = TcpStream::connect(&address).unwrap();
    let _ = fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    let (answer, waited) = read_to_close(&mut fifth, Duration::from_secs(5));
    assert!(answer.is_empty() && waited < Duration::from_millis(900), "the fifth got {answer:?} after {waited:?}");
    for holder in &mut holders {
        let _ = holder.shutdown(std::net::Shutdown::Both);
    }
    drop(holders);
    let started = Instant::now();
    while !healthy(&address) {
        assert!(started.elapsed() < Duration::from_secs(5), "the server did not serve again");
        std::thread::sleep(Duration::from_millis(100));
    }
}
