//! Faults while a device pushes its outbox (tests, not wishes): the device killed with SIGKILL
//! at random moments and started again; the server restarted at random moments. In every case
//! each case arrives exactly once: 0 lost, 0 duplicated. Timings come from a seeded generator
//! (printed), so a failure can be replayed.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use server::store::DatabaseLocation;
use tests::{
    bin_dir, free_port,
    processes::{ServerProcess, demo_server_with_desk},
};

/// A small deterministic generator: the same seed, the same faults.
struct Faults(u64);

impl Faults {
    fn millis(&mut self, low: u64, high: u64) -> Duration {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        Duration::from_millis(low + (self.0 >> 33) % (high - low))
    }
}

struct World {
    dir: tempfile::TempDir,
    db: std::path::PathBuf,
    code: String,
}

impl World {
    /// What the device last said on stderr (why it stopped, if it did).
    fn device_stderr(&self) -> std::path::PathBuf {
        self.dir.path().join("device-stderr.txt")
    }
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (db, code) = demo_server_with_desk(&bin_dir(), dir.path()).unwrap();
    std::fs::create_dir_all(dir.path().join("device")).unwrap();
    World { dir, db, code }
}

fn device(world: &World, url: &str, count: u64) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_outbox_device"))
        .arg(world.dir.path().join("device"))
        .args([url, &world.code, &count.to_string()])
        .env("PIETURA_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(world.device_stderr()).unwrap())
        .spawn()
        .unwrap()
}

/// Runs the device to the end and returns what it says it sent.
fn finish(stderr: &std::path::Path, mut child: std::process::Child, within: Duration) -> (u64, u64) {
    let said = || std::fs::read_to_string(stderr).unwrap_or_default();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(line) if line.starts_with("done") => {
                let numbers: Vec<u64> = line.split_whitespace().skip(1).map(|n| n.parse().unwrap()).collect();
                let _ = child.wait();
                return (numbers[0], numbers[1]);
            }
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait();
                panic!("the device ended without finishing ({status:?}); it said:\n{}", said());
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("the device did not finish within {within:?}; it said:\n{}", said());
            }
        }
    }
}

async fn cases_on_the_server(world: &World) -> u64 {
    let store = server::store::open(&DatabaseLocation::Sqlite(world.db.clone())).await.unwrap();
    store.case_count().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_killed_mid_push_again_and_again_delivers_every_case_once() {
    let seed = 0x5049_4554_5552_4131;
    eprintln!("fault seed {seed:#x}");
    let mut faults = Faults(seed);
    let world = world();
    let count = 600;
    let _server = ServerProcess::start(&bin_dir(), &world.db, free_port()).unwrap();
    let url = _server.url.clone();
    // Enrolled first: the faults are about pushing. (A device killed mid-enrollment has used
    // its one-time code without keeping its secret; the centre issues a new code.)
    assert_eq!(finish(&world.device_stderr(), device(&world, &url, 0), Duration::from_secs(60)), (0, 0));
    for cycle in 0..8 {
        let mut child = device(&world, &url, count);
        let after = faults.millis(30, 500);
        std::thread::sleep(after);
        // SIGKILL: no chance to tidy up, like a power cut.
        let _ = child.kill();
        let _ = child.wait();
        eprintln!("cycle {cycle}: killed after {after:?}");
    }
    let (done, poisoned) = finish(&world.device_stderr(), device(&world, &url, count), Duration::from_secs(60));
    assert_eq!((done, poisoned), (count, 0), "the device's own account");
    assert_eq!(cases_on_the_server(&world).await, count, "0 lost, 0 duplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarted_mid_push_again_and_again_receives_every_case_once() {
    let seed = 0x4341_5345_5321;
    eprintln!("fault seed {seed:#x}");
    let mut faults = Faults(seed);
    let world = world();
    let count = 1_500;
    let port = free_port();
    let bin = bin_dir();
    let mut server = ServerProcess::start(&bin, &world.db, port).unwrap();
    let url = server.url.clone();
    // Enrolled first: the faults are about pushing.
    assert_eq!(finish(&world.device_stderr(), device(&world, &url, 0), Duration::from_secs(60)), (0, 0));
    let child = device(&world, &url, count);
    for restart in 0..4 {
        let after = faults.millis(50, 400);
        std::thread::sleep(after);
        server.stop();
        let down = faults.millis(20, 300);
        std::thread::sleep(down);
        server = ServerProcess::start(&bin, &world.db, port).unwrap();
        eprintln!("restart {restart}: after {after:?}, down {down:?}");
    }
    let (done, poisoned) = finish(&world.device_stderr(), child, Duration::from_secs(90));
    assert_eq!((done, poisoned), (count, 0));
    assert_eq!(cases_on_the_server(&world).await, count, "0 lost, 0 duplicated");
}

/// A TCP proxy between a device and the server that the test can cut (every connection
/// dropped, new ones refused) and heal.
struct Proxy {
    url: String,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (cut, watching) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                if *watching.borrow() {
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let mut cut = watching.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Self { url, cut }
    }

    fn set_cut(&self, cut: bool) {
        self.cut.send_replace(cut);
    }
}

/// Many rounds with a random fault each (the device killed, the server restarted, the network
/// cut), bounded in count and time; at the end: 0 lost, 0 duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_round_after_round_lose_nothing_and_double_nothing() {
    let seed = 0x524F_554E_4453;
    eprintln!("fault seed {seed:#x}");
    let mut faults = Faults(seed);
    let world = world();
    let bin = bin_dir();
    let port = free_port();
    let mut server = ServerProcess::start(&bin, &world.db, port).unwrap();
    let proxy = Proxy::start(format!("127.0.0.1:{port}")).await;
    // Enrolled first: the faults are about pushing.
    assert_eq!(finish(&world.device_stderr(), device(&world, &proxy.url, 0), Duration::from_secs(60)), (0, 0));
    let started = Instant::now();
    let rounds = 12;
    let mut count = 0;
    for round in 0..rounds {
        count += 150;
        let child = device(&world, &proxy.url, count);
        let after = faults.millis(20, 250);
        let fault = faults.millis(0, 3).as_millis();
        tokio::time::sleep(after).await;
        let child = match fault {
            0 => {
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
                device(&world, &proxy.url, count)
            }
            1 => {
                server.stop();
                tokio::time::sleep(faults.millis(20, 200)).await;
                server = ServerProcess::start(&bin, &world.db, port).unwrap();
                child
            }
            _ => {
                proxy.set_cut(true);
                tokio::time::sleep(faults.millis(50, 400)).await;
                proxy.set_cut(false);
                child
            }
        };
        let stderr = world.device_stderr();
        let (done, poisoned) =
            tokio::task::spawn_blocking(move || finish(&stderr, child, Duration::from_secs(60))).await.unwrap();
        assert_eq!((done, poisoned), (count, 0), "round {round}: fault {fault} after {after:?}");
        assert_eq!(cases_on_the_server(&world).await, count, "round {round}: 0 lost, 0 duplicated");
    }
    eprintln!("{rounds} rounds, {count} cases, {:?}", started.elapsed());
}
