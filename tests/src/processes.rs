//! Child processes that are stopped (SIGTERM, then SIGKILL) when dropped.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// A running child process, stopped when dropped.
pub struct Process {
    name: String,
    child: Child,
}

impl Process {
    pub fn spawn(name: &str, command: &mut Command) -> Result<Self> {
        let child = command.spawn().with_context(|| format!("starting {name}"))?;
        Ok(Self { name: name.to_owned(), child })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, and SIGKILL if it has not exited within `grace`. Returns how long it took.
    pub fn stop(&mut self, grace: Duration) -> Duration {
        let started = Instant::now();
        if self.child.try_wait().ok().flatten().is_some() {
            return Duration::ZERO;
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        while started.elapsed() < grace {
            if self.child.try_wait().ok().flatten().is_some() {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("{} did not stop within {grace:?}; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
        started.elapsed()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

/// The real `pietura-server` on a given port over an SQLite file.
pub struct ServerProcess {
    pub url: String,
    process: Process,
}

pub fn server_command(bin_dir: &Path, database: &Path, port: u16) -> Command {
    let mut command = Command::new(bin_dir.join("pietura-server"));
    command
        .env("PIETURA_DATABASE_URL", database)
        .env("PIETURA_LISTEN", format!("127.0.0.1:{port}"))
        .env("PIETURA_SHUTDOWN_TIMEOUT_SECS", "2")
        .env_remove("PIETURA_CONFIG");
    command
}

impl ServerProcess {
    /// Starts the server and waits until it says where it listens.
    pub fn start(bin_dir: &Path, database: &Path, port: u16) -> Result<Self> {
        Self::start_with(bin_dir, database, port, |_| {})
    }

    /// [`ServerProcess::start`] with more settings (environment or arguments) from `configure`.
    pub fn start_with(
        bin_dir: &Path,
        database: &Path,
        port: u16,
        configure: impl FnOnce(&mut Command),
    ) -> Result<Self> {
        let mut command = server_command(bin_dir, database, port);
        // The eID settings written beside the database (demo_server_with_desk), unless the
        // test names its own configuration.
        let beside = database.with_file_name("pietura.toml");
        if beside.exists() {
            command.env("PIETURA_CONFIG", beside);
        }
        configure(&mut command);
        command.arg("serve").stdout(Stdio::piped()).stderr(e2e_log("pietura-server", port));
        let mut process = Process::spawn("pietura-server", &mut command)?;
        let stdout = process.child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("pietura-server listening on ") else {
            bail!("the server did not start: {line:?}");
        };
        Ok(Self { url: url.to_owned(), process })
    }

    pub fn stop(&mut self) -> Duration {
        self.process.stop(Duration::from_secs(10))
    }

    /// The server's process id, for reading its memory.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}

/// Runs a `pietura-server` operator command and returns its standard output.
pub fn server_cli(bin_dir: &Path, database: &Path, args: &[&str]) -> Result<String> {
    let output = server_command(bin_dir, database, 0).args(args).output()?;
    if !output.status.success() {
        bail!("pietura-server {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Where a process of the end-to-end tests writes its log: with PIETURA_E2E_LOG_DIR (set by
/// `cargo xtask test`) a file there (`<name>-<test process>-<port>.log`), so the test's own output
/// shows its failure rather than pages of log, and the suite searches the files for personal
/// codes; without it, the test's output.
pub fn e2e_log(name: &str, port: u16) -> Stdio {
    let Some(dir) = std::env::var_os("PIETURA_E2E_LOG_DIR") else { return Stdio::inherit() };
    let dir = std::path::PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}-{}-{port}.log", std::process::id()));
    match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        Ok(file) => file.into(),
        Err(_) => Stdio::inherit(),
    }
}

/// Waits until `check` returns true, polling every 100 ms, or fails naming `what`.
pub fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> Result<bool>) -> Result<Duration> {
    let started = Instant::now();
    loop {
        match check() {
            Ok(true) => return Ok(started.elapsed()),
            Ok(false) => {}
            Err(e) if started.elapsed() >= timeout => return Err(e.context(format!("waiting for {what}"))),
            Err(_) => {}
        }
        if started.elapsed() >= timeout {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The `pietura-virtual-card` binary with a card inserted into a vpcd reader slot, driven
/// through its standard input (remove, insert). Stopped when dropped.
pub struct VirtualCardProcess {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    events: std::sync::mpsc::Receiver<String>,
}

impl VirtualCardProcess {
    /// Inserts the card in `card_file` into the vpcd slot at `vpcd` (e.g. 127.0.0.1:35963).
    pub fn insert(bin_dir: &Path, card_file: &Path, vpcd: &str) -> Result<Self> {
        let mut child = Command::new(bin_dir.join("pietura-virtual-card"))
            .args(["insert", "--vpcd", vpcd])
            .arg(card_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("pietura-virtual-card is built with the workspace (cargo build --workspace --bins)")?;
        let stdin = child.stdin.take().context("stdin")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (sender, events) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let card = Self { child, stdin, events };
        card.expect("inserted")?;
        Ok(card)
    }

    fn expect(&self, event: &str) -> Result<()> {
        let line = self.events.recv_timeout(Duration::from_secs(25)).with_context(|| {
            format!("the virtual card did not say {event:?}: is pcscd running with vsmartcard-vpcd?")
        })?;
        anyhow::ensure!(line == event, "the virtual card said {line:?}, expected {event:?}");
        Ok(())
    }

    fn send(&mut self, command: &str) -> Result<()> {
        use std::io::Write;
        writeln!(self.stdin, "{command}")?;
        self.stdin.flush()?;
        Ok(())
    }

    /// Takes the card out of the reader.
    pub fn remove(&mut self) -> Result<()> {
        self.send("remove")?;
        self.expect("removed")
    }

    /// Puts it back.
    pub fn reinsert(&mut self) -> Result<()> {
        self.send("insert")?;
        self.expect("inserted")
    }
}

impl Drop for VirtualCardProcess {
    fn drop(&mut self) {
        let _ = self.send("quit");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server database for the end-to-end tests: the centre "Rīgas VPVKAC", the demo catalogue,
/// one desk "G1" waiting for enrollment, eID login with a test CA and the clerk
/// [`crate::DEMO_CLERK`] granted there. Returns the database path and the desk's code.
pub fn demo_server_with_desk(bin_dir: &Path, dir: &Path) -> Result<(std::path::PathBuf, String)> {
    let db = dir.join("server.db");
    let code = demo_server_on(bin_dir, dir, &db)?;
    Ok((db, code))
}

/// [`demo_server_with_desk`] on the database `database` (an SQLite path, or a PostgreSQL URL
/// given as a path: the server reads either from `PIETURA_DATABASE_URL`); the eID settings are
/// in DIR/pietura.toml. Returns the desk's enrollment code.
pub fn demo_server_on(bin_dir: &Path, dir: &Path, database: &Path) -> Result<String> {
    let mut scenario = crate::scenario::Scenario::in_dir(dir);
    (scenario.bin, scenario.db) = (bin_dir.to_owned(), database.to_owned());
    scenario.centre("Rīgas VPVKAC", "Rīga")?.demo_catalogue()?;
    let code = scenario.device("Rīgas VPVKAC", "desk", "G1")?;
    // eID login with a test CA, and the clerk's card: what the desk pushes must prove its author.
    scenario.clerk_card()?;
    scenario.grant(crate::DEMO_CLERK, "clerk", "Rīgas VPVKAC")?;
    Ok(code)
}
