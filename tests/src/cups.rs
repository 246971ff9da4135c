//! A private CUPS server for tests: the real `cupsd` (Debian `cups-daemon`) on a loopback port
//! with a configuration of its own in a temporary folder, and printers whose backend writes each
//! job to a file (the document, and its copies and title beside it), so a test can see what a
//! printer really received. Stopped when dropped.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail};

use crate::processes::{Process, wait_until};

/// The test backend: writes the job's document to the file its URI names (`capture:/path`), and
/// `copies=` and `title=` to `/path.job` once the document is whole.
const CAPTURE_BACKEND: &str = r#"#!/bin/sh
[ $# -eq 0 ] && exit 0
out="${DEVICE_URI#capture:}"
if [ -n "$6" ]; then cat "$6" > "$out.part"; else cat > "$out.part"; fi
mv "$out.part" "$out"
printf 'copies=%s\ntitle=%s\n' "$4" "$3" > "$out.job"
"#;

pub struct CupsServer {
    /// `127.0.0.1:port`, for `lp -h` / `lpstat -h`.
    pub address: String,
    dir: PathBuf,
    _cupsd: Process,
}

/// What a test printer received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub document: Vec<u8>,
    pub copies: u32,
    pub title: String,
}

fn user_and_group() -> (String, String) {
    let id = |flag: &str| {
        Command::new("id")
            .arg(flag)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    // cupsd runs backends as `User`: never root; as root it is Debian's `lp`, else oneself.
    if id("-u") == "0" { ("lp".into(), "lp".into()) } else { (id("-un"), id("-gn")) }
}

impl CupsServer {
    /// Starts `cupsd` in `dir` (its configuration, spool and logs) on `port`.
    pub fn start(dir: &Path, port: u16) -> Result<Self> {
        let cupsd = Path::new("/usr/sbin/cupsd");
        if !cupsd.is_file() {
            bail!("cupsd is missing: install cups-daemon and cups-client (cargo xtask setup)");
        }
        let dir = dir.to_path_buf();
        for sub in ["spool", "tmp", "cache", "state", "out", "ppd", "bin/backend", "bin/filter"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        use std::os::unix::fs::PermissionsExt;
        // The backend runs as another user: it must reach the folder and write the jobs out.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(dir.join("out"), std::fs::Permissions::from_mode(0o777))?;
        std::fs::set_permissions(dir.join("tmp"), std::fs::Permissions::from_mode(0o1777))?;
        let backend = dir.join("bin/backend/capture");
        std::fs::write(&backend, CAPTURE_BACKEND)?;
        std::fs::set_permissions(&backend, std::fs::Permissions::from_mode(0o755))?;
        // cupsd starts backends through its own helpers (cups-exec).
        let daemon = dir.join("bin/daemon");
        if !daemon.exists() {
            std::os::unix::fs::symlink("/usr/lib/cups/daemon", &daemon)?;
        }
        std::fs::write(
            dir.join("cupsd.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nLogLevel info\nWebInterface No\nBrowsing Off\nDefaultAuthType None\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
            ),
        )?;
        let (user, group) = user_and_group();
        let d = dir.display();
        std::fs::write(
            dir.join("cups-files.conf"),
            format!(
                "ServerRoot {d}\nRequestRoot {d}/spool\nTempDir {d}/tmp\nCacheDir {d}/cache\nStateDir {d}/state\n\
                 AccessLog {d}/access_log\nErrorLog {d}/error_log\nPageLog {d}/page_log\n\
                 User {user}\nGroup {group}\nServerBin {d}/bin\nDataDir /usr/share/cups\n"
            ),
        )?;
        let process = Process::spawn(
            "cupsd",
            Command::new(cupsd)
                .arg("-f")
                .arg("-c")
                .arg(dir.join("cupsd.conf"))
                .arg("-s")
                .arg(dir.join("cups-files.conf"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let address = format!("127.0.0.1:{port}");
        let server = Self { address, dir, _cupsd: process };
        // lpstat exits 0 either way: its words say whether the scheduler answers.
        wait_until("cupsd to answer", Duration::from_secs(20), || {
            let output =
                Command::new("lpstat").args(["-h", &server.address, "-r"]).env("LC_ALL", "C.UTF-8").output()?;
            Ok(String::from_utf8_lossy(&output.stdout).contains("scheduler is running"))
        })
        .with_context(|| server.log())?;
        Ok(server)
    }

    /// cupsd's error log, for a failure's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error_log")).unwrap_or_default()
    }

    /// Adds a printer `name` whose jobs land in this server's folder; the default when `default`.
    pub fn add_printer(&self, name: &str, default: bool) -> Result<()> {
        let uri = format!("capture:{}", self.output(name).display());
        self.lpadmin(&["-p", name, "-E", "-v", &uri, "-m", "raw"])?;
        if default {
            self.lpadmin(&["-d", name])?;
        }
        Ok(())
    }

    fn lpadmin(&self, args: &[&str]) -> Result<()> {
        let output = Command::new("lpadmin").args(["-h", &self.address]).args(args).output().context("lpadmin")?;
        if !output.status.success() {
            bail!("lpadmin {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
        }
        Ok(())
    }

    fn output(&self, printer: &str) -> PathBuf {
        self.dir.join("out").join(format!("{printer}.out"))
    }

    /// Waits for the job `printer` received (its document, copies and title).
    pub fn received(&self, printer: &str, within: Duration) -> Result<Received> {
        let job = PathBuf::from(format!("{}.job", self.output(printer).display()));
        wait_until(&format!("a job on {printer}"), within, || Ok(job.is_file())).with_context(|| self.log())?;
        let attributes = std::fs::read_to_string(&job)?;
        let value =
            |key: &str| attributes.lines().find_map(|l| l.strip_prefix(key).map(str::to_owned)).unwrap_or_default();
        Ok(Received {
            document: std::fs::read(self.output(printer))?,
            copies: value("copies=").parse().context("copies")?,
            title: value("title="),
        })
    }

    /// Whether `printer` has received anything.
    pub fn has_received(&self, printer: &str) -> bool {
        self.output(printer).exists()
    }
}
