//! Services the tests and the demo start themselves, stopped when dropped.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// A child process killed when dropped.
pub struct Service {
    name: &'static str,
    child: Child,
}

impl Service {
    pub fn spawn(name: &'static str, command: &mut Command) -> Result<Self> {
        let child = command.spawn().with_context(|| format!("could not start {name}"))?;
        Ok(Self { name, child })
    }

    /// The child's standard error, when it was piped.
    pub fn take_stderr(&mut self) -> Option<std::process::ChildStderr> {
        self.child.stderr.take()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }

    pub fn wait(&mut self) -> Result<()> {
        self.child.wait()?;
        Ok(())
    }

    pub fn stop(&mut self) {
        if self.is_running() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && self.is_running() {
                std::thread::sleep(Duration::from_millis(50));
            }
            if self.is_running() {
                eprintln!("{} did not stop; killing it", self.name);
                let _ = self.child.kill();
            }
            let _ = self.child.wait();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An X server without a screen: `Xvfb` on the first free display from :90.
pub struct Xvfb {
    pub display: String,
    _service: Service,
}

impl Xvfb {
    pub fn start() -> Result<Self> {
        for number in 90..130 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
            {
                continue;
            }
            let display = format!(":{number}");
            let service = Service::spawn(
                "Xvfb",
                Command::new("Xvfb")
                    .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                    .stderr(Stdio::null()),
            )?;
            let socket = format!("/tmp/.X11-unix/X{number}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    eprintln!("Xvfb is running on DISPLAY={display}");
                    return Ok(Self { display, _service: service });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            bail!("Xvfb did not start on {display}");
        }
        bail!("no free X display between :90 and :129")
    }
}

/// Waits until an HTTP URL answers 2xx (uses curl, which setup installs).
pub fn wait_for_http(url: &str, timeout: Duration) -> Result<Duration> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if Command::new("curl").args(["-sf", "-o", "/dev/null", url]).status().is_ok_and(|s| s.success()) {
            return Ok(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("{url} did not answer within {timeout:?}")
}

/// The PC/SC daemon with vsmartcard-vpcd's virtual readers. A running one (systemd's socket
/// activation on desktops, or an earlier start) is used as it is; otherwise `pcscd -f` is
/// started here and stopped when dropped.
pub struct Pcscd {
    _service: Option<Service>,
}

const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";

impl Pcscd {
    pub fn start() -> Result<Self> {
        if Command::new("pgrep").args(["-x", "pcscd"]).output().is_ok_and(|o| o.status.success()) {
            return Ok(Self { _service: None });
        }
        let service = Service::spawn(
            "pcscd",
            Command::new("pcscd").arg("--foreground").stdout(Stdio::null()).stderr(Stdio::null()),
        )
        .context("pcscd is needed for the card tests and the demo: `cargo xtask setup` installs it")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(PCSCD_SOCKET).exists() {
                eprintln!("pcscd is running (virtual readers from vsmartcard-vpcd)");
                return Ok(Self { _service: Some(service) });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("pcscd did not start (no {PCSCD_SOCKET}); run `pcscd -f -d` to see why")
    }
}
