//! A loopback hop that holds a server's answers back on demand: a slow network, for the tests
//! of what a kiosk or desk does while an answer is out (the kiosk's screen tests and its real
//! window).

use std::sync::Arc;

/// A loopback hop between a kiosk and its server that can hold the server's answers back, as a
/// slow network does: requests go through at once, answers wait while [`SlowNetwork::hold`]s.
pub struct SlowNetwork {
    listener: std::net::TcpListener,
    holding: Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
}

impl SlowNetwork {
    pub fn new() -> Self {
        Self {
            listener: std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            holding: Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new())),
        }
    }

    /// Forwards every connection to `server_url` (`http://host:port`); answers this hop's URL.
    pub fn lead_to(&self, server_url: &str) -> String {
        let upstream = server_url.strip_prefix("http://").expect("a plain HTTP test server").to_owned();
        let listener = self.listener.try_clone().unwrap();
        let holding = self.holding.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let (Ok(client), Ok(server)) = (client, std::net::TcpStream::connect(&upstream)) else { continue };
                let (mut to_server, mut from_client) = (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_client, &mut to_server);
                    let _ = to_server.shutdown(std::net::Shutdown::Write);
                });
                let holding = holding.clone();
                std::thread::spawn(move || forward_unless_held(server, client, &holding));
            }
        });
        format!("http://{}", self.listener.local_addr().unwrap())
    }

    /// From now on the server's answers wait (requests still go through).
    pub fn hold(&self) {
        *self.holding.0.lock().unwrap() = true;
    }

    /// The answers held go on, and later ones are not held.
    pub fn release(&self) {
        *self.holding.0.lock().unwrap() = false;
        self.holding.1.notify_all();
    }
}

/// Copies the server's answer to the client, each piece waiting while answers are held.
fn forward_unless_held(
    mut server: std::net::TcpStream,
    mut client: std::net::TcpStream,
    holding: &(std::sync::Mutex<bool>, std::sync::Condvar),
) {
    use std::io::{Read, Write};
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(read @ 1..) = server.read(&mut buffer) {
        drop(holding.1.wait_while(holding.0.lock().unwrap(), |held| *held).unwrap());
        if client.write_all(&buffer[..read]).is_err() {
            return;
        }
    }
    let _ = client.shutdown(std::net::Shutdown::Write);
}

impl Default for SlowNetwork {
    fn default() -> Self {
        Self::new()
    }
}
