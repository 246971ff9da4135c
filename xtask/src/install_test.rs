//! The installation test (issue 19): the three packages installed with `apt` into a fresh Debian
//! root made by `mmdebstrap` from Debian's own packages (so their declared dependencies are
//! proven), the machine booted with `systemd-nspawn --boot`, and then, as an installer would
//! check it: the server's unit answers `/readyz`; the kiosk's unit runs cage (its headless
//! backend: a container has no screen) with the kiosk full screen, enrolled from its settings,
//! its key from the systemd credential, its window captured with `grim`; killed, it comes back;
//! the desk's program finds every library it links; removing the packages leaves no process.
//!
//! Debian 13 ("trixie"): bookworm's cage (wlroots 0.15) cannot render on its headless backend
//! without a GPU device ("Basic output test failed"), trixie's can. The machine gets a private
//! network: what it serves is reached through its namespace (`nsenter --net`).
//!
//! What a container cannot show, and this test therefore does not: the first console and
//! autologin on real hardware (no /dev/tty1; the test's drop-in points the unit elsewhere),
//! console switching (no VTs), and kernel settings (sysrq belongs to the host's kernel).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};

use crate::{
    exec,
    package::{self, Packages, Profile},
    target_dir,
};

pub const INSTALL_TEST_APT_PACKAGES: &[&str] = &["mmdebstrap", "systemd-container", "curl", "minisign"];

const SUITE: &str = "trixie";
const MIRROR: &str = "http://deb.debian.org/debian";
/// In the base root beside what mmdebstrap's minbase has: an init, a login manager (the kiosk's
/// session) and the test's screenshot tool. Nothing the packages need: apt must bring that.
const BASE_PACKAGES: &str = "systemd,systemd-sysv,dbus,libpam-systemd,grim";
/// What the test changes on the machine for a container (see the module's comment).
const KIOSK_HEADLESS_DROP_IN: &str = "\
# The installation test: a container has no console and no GPU.
[Service]
TTYPath=
TTYReset=no
TTYVHangup=no
TTYVTDisallocate=no
StandardInput=null
UtmpIdentifier=
Environment=WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 LIBGL_ALWAYS_SOFTWARE=1
# Quicker than a library's day: sync every 2 s, quiet for an update after 5 s untouched.
Environment=PIETURA_SYNC_INTERVAL_MS=2000 PIETURA_KIOSK_UPDATE_QUIET_SECS=5
";
/// The test waits 20 s, not 90, for an updated kiosk to say it started.
const UPDATE_DROP_IN: &str = "[Service]\nEnvironment=PIETURA_UPDATE_START_SECS=20\n";

/// The test's own release key pair (minisign, no password), made once.
fn test_release_key(work: &Path) -> Result<(PathBuf, PathBuf)> {
    let keys = work.join("keys");
    let (public, secret) = (keys.join("release-test.pub"), keys.join("release-test.key"));
    if !public.exists() || !secret.exists() {
        std::fs::create_dir_all(&keys)?;
        exec(Command::new("minisign").args(["-G", "-W", "-f", "-p"]).arg(&public).arg("-s").arg(&secret))?;
    }
    Ok((public, secret))
}

/// The three packages as the test installs them: this build's binaries, with the test's release
/// key for the devices to check updates against.
pub fn build_packages(root: &Path) -> Result<Packages> {
    crate::setup::install_apt(INSTALL_TEST_APT_PACKAGES)?;
    let work = work_dir(root);
    let (public, _) = test_release_key(&work)?;
    package::build(root, Profile::Dev, None, Some(&public))
}

/// `deb` signed as a release manager would, both copied into the machine's `/var/tmp/releases`
/// (`releases` from outside); answers the package's path inside the machine.
fn release_into_machine(deb: &Path, secret: &Path, comment: &str, releases: &Path) -> Result<String> {
    let signature = sign(deb, secret, comment)?;
    for file in [deb, signature.as_path()] {
        std::fs::copy(file, releases.join(file.file_name().expect("a file")))?;
    }
    Ok(format!("/var/tmp/releases/{}", deb.file_name().expect("a file").to_string_lossy()))
}

/// `file.minisig` beside `file`, signed with the test's key as a release manager would.
fn sign(file: &Path, secret: &Path, comment: &str) -> Result<PathBuf> {
    let signature = PathBuf::from(format!("{}.minisig", file.display()));
    exec(
        Command::new("minisign")
            .args(["-S", "-s"])
            .arg(secret)
            .arg("-m")
            .arg(file)
            .arg("-x")
            .arg(&signature)
            .args(["-t", comment]),
    )?;
    Ok(signature)
}

/// Debian's base root for the machine, made now if it is not there yet (mmdebstrap: mostly
/// downloading), so that `cargo xtask test` can make it while it builds.
pub fn prepare_base_root(root: &Path) -> Result<PathBuf> {
    crate::setup::install_apt(INSTALL_TEST_APT_PACKAGES)?;
    let work = work_dir(root);
    std::fs::create_dir_all(&work)?;
    base_root(&work)
}

/// The test's own folder in the build folder: keys, the base root, apt's archives, the machine.
fn work_dir(root: &Path) -> PathBuf {
    target_dir(root).join("install-test")
}

/// `installed` is called once apt has installed the packages, when what is left mostly waits
/// on the machine (its boot, the kiosk's updates): the test run starts the UI flows there.
pub fn run(root: &Path, packages: &Packages, installed: impl FnOnce()) -> Result<()> {
    ensure!(
        crate::setup::is_root(),
        "the installation test boots a machine with systemd-nspawn, which needs root: run it as root \
         (CI does), or skip it with `cargo xtask test --no-packages`"
    );
    let base = prepare_base_root(root)?;
    let work = work_dir(root);
    let machine_root = work.join("machine");
    stop_leftover(&machine_root);
    if machine_root.exists() {
        std::fs::remove_dir_all(&machine_root)?;
    }
    std::fs::create_dir_all(&machine_root)?;
    exec(Command::new("tar").arg("-xf").arg(&base).arg("-C").arg(&machine_root))?;
    let debs = machine_root.join("var/tmp/pietura-debs");
    std::fs::create_dir_all(&debs)?;
    for deb in packages.all() {
        std::fs::copy(deb, debs.join(deb.file_name().expect("a file")))?;
    }
    let drop_in = machine_root.join("etc/systemd/system/pietura-kiosk.service.d");
    std::fs::create_dir_all(&drop_in)?;
    std::fs::write(drop_in.join("headless.conf"), KIOSK_HEADLESS_DROP_IN)?;
    let update_drop_in = machine_root.join("etc/systemd/system/pietura-kiosk-update.service.d");
    std::fs::create_dir_all(&update_drop_in)?;
    std::fs::write(update_drop_in.join("test.conf"), UPDATE_DROP_IN)?;

    // Installed as on a new machine before its first boot: apt fetches what the packages declare.
    // The archives it downloads are kept between runs (apt checks each against the fresh index,
    // and drops those the mirror no longer has), so a warm run does not fetch 185 MB again.
    let started = Instant::now();
    let archives = work.join("apt-archives");
    std::fs::create_dir_all(&archives)?;
    let apt = Command::new("systemd-nspawn")
        .arg("-D")
        .arg(&machine_root)
        .arg(format!("--bind={}:/var/cache/apt/archives", archives.display()))
        .args(["--quiet", "--register=no", "--keep-unit", "--machine", "pietura-install-apt", "--", "sh", "-c"])
        .arg(
            "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
             /var/tmp/pietura-debs/*.deb && apt-get autoclean -q",
        )
        .output()?;
    std::fs::write(work.join("apt.log"), [apt.stdout.as_slice(), apt.stderr.as_slice()].concat())?;
    ensure!(
        apt.status.success(),
        "apt could not install the packages into a fresh Debian {SUITE} (see {}):\n{}",
        work.join("apt.log").display(),
        tail(&apt.stderr)
    );
    eprintln!("installed with apt into a fresh Debian {SUITE} in {:.1} s", started.elapsed().as_secs_f64());
    installed();

    let machine = Machine::boot(&machine_root, &work.join("boot.log"))?;
    let checked = check_machine(&machine, &work)
        .and_then(|()| check_updates(root, &machine, &machine_root, &work))
        .and_then(|()| check_desk_updates(&machine, &machine_root, &work, &packages.desk));
    let checked = checked.and_then(|()| check_removal(&machine));
    let journal = machine
        .sh("journalctl --no-pager -b -u pietura-server -u pietura-kiosk -u pietura-kiosk-update -u pietura-desk-update")
        .map(|o| o.stdout);
    if let Ok(journal) = journal {
        std::fs::write(work.join("journal.log"), journal)?;
    }
    machine.power_off();
    checked.with_context(|| format!("the installation test failed; logs in {}", work.display()))?;
    std::fs::remove_dir_all(&machine_root)?;
    Ok(())
}

fn check_machine(machine: &Machine, work: &Path) -> Result<()> {
    // The server: its unit up (migrate ran before it), answering.
    machine.wait("pietura-server's /readyz", Duration::from_secs(60), || {
        Ok(machine.host_in_net(Command::new("curl").args(["-fsS", "http://127.0.0.1:8470/readyz"]))?.status.success())
    })?;
    eprintln!("pietura-server.service is up and answers /readyz");

    // The kiosk: enrolled from its settings, as an IT person would set it up.
    let cli = "runuser -u pietura -- env PIETURA_CONFIG=/etc/pietura/pietura.toml pietura-server";
    machine.ok(&format!("{cli} centre add --name 'Rīgas Centrālā bibliotēka' --municipality Rīga"))?;
    let added = machine
        .ok(&format!("{cli} device add --centre 'Rīgas Centrālā bibliotēka' --kind kiosk --name 'Kiosks 1' --json"))?;
    let added: serde_json::Value = serde_json::from_slice(&added.stdout).context("device add --json")?;
    let code = added["enrollment_code"].as_str().context("an enrollment code")?;
    machine.ok(&format!(
        "printf 'server_url = \"http://127.0.0.1:8470\"\\nenrollment_code = \"{code}\"\\n' > /etc/pietura-kiosk/kiosk.toml \
         && systemctl restart pietura-kiosk"
    ))?;
    machine.wait("the kiosk to enroll", Duration::from_secs(60), || {
        Ok(String::from_utf8_lossy(&machine.ok(&format!("{cli} device list"))?.stdout).contains("\tenrolled"))
    })?;
    eprintln!("the kiosk enrolled from /etc/pietura-kiosk/kiosk.toml");
    ensure!(
        machine.ok("test -s /var/lib/pietura-kiosk/secrets.sealed && echo sealed")?.stdout.starts_with(b"sealed"),
        "the kiosk did not keep its secrets sealed by the systemd credential"
    );
    let cage = String::from_utf8(machine.ok("ps -o args= -C cage")?.stdout)?;
    ensure!(cage.contains("cage -d -- /usr/bin/pietura-kiosk"), "cage does not run the kiosk: {cage:?}");
    ensure!(!cage.split_whitespace().any(|a| a == "-s"), "cage allows switching consoles: {cage:?}");

    // Its window, as the screen shows it.
    let shot = work.join("kiosk-home.png");
    let grim = "uid=$(id -u pietura-kiosk); runuser -u pietura-kiosk -- env XDG_RUNTIME_DIR=/run/user/$uid \
                WAYLAND_DISPLAY=wayland-0 grim";
    machine.wait("the kiosk's window on the screen", Duration::from_secs(60), || {
        let frame = machine.sh(&format!("{grim} -t ppm -"))?;
        Ok(frame.status.success() && colours(&frame.stdout) > 16)
    })?;
    // A moment for the enrolled kiosk to draw its home screen after the enrollment screen.
    sleep(Duration::from_secs(3));
    let png = machine.ok(&format!("{grim} -"))?;
    std::fs::write(&shot, &png.stdout)?;
    eprintln!("the kiosk's screen captured with grim: {}", shot.display());

    // Killed, it comes back: cage ends with it and systemd starts both again.
    let before = machine.ok("pgrep -x pietura-kiosk")?.stdout;
    machine.ok("pkill -KILL -x pietura-kiosk")?;
    machine.wait("the kiosk to come back after it was killed", Duration::from_secs(30), || {
        let now = machine.sh("pgrep -x pietura-kiosk")?;
        Ok(now.status.success() && now.stdout != before)
    })?;
    eprintln!("killed, the kiosk came back");
    ensure!(
        machine.sh("systemctl is-enabled ctrl-alt-del.target")?.stdout.starts_with(b"masked"),
        "Ctrl+Alt+Del still reboots the kiosk"
    );

    // The desk: every library it links is there.
    let ldd = String::from_utf8(machine.ok("ldd /usr/bin/pietura-desk")?.stdout)?;
    ensure!(!ldd.contains("not found"), "the desk lacks libraries its package does not declare:\n{ldd}");
    machine.ok("test -f /usr/share/applications/Pietura.desktop")?;
    eprintln!("the desk's program finds every library it links");
    Ok(())
}

const SERVER_CLI: &str = "runuser -u pietura -- env PIETURA_CONFIG=/etc/pietura/pietura.toml \
                          PIETURA_RELEASE_PUBLIC_KEY_FILE=/var/tmp/releases/release-test.pub pietura-server";

/// Updates through the server, as an operator publishes them: 0.1.1 reaches the kiosk and the new
/// version answers; a package changed after signing, handed straight to the root unit, is refused
/// and nothing changes; a signed 0.1.3 that does not start is rolled back to 0.1.1.
fn check_updates(root: &Path, machine: &Machine, machine_root: &Path, work: &Path) -> Result<()> {
    let (public, secret) = test_release_key(work)?;
    let releases = machine_root.join("var/tmp/releases");
    std::fs::create_dir_all(&releases)?;
    std::fs::copy(&public, releases.join("release-test.pub"))?;
    let binaries = target_dir(root).join(Profile::Dev.folder());
    let out = work.join("releases");
    std::fs::create_dir_all(&out)?;
    let release = |version: &str, binaries: &Path| -> Result<String> {
        let deb = package::kiosk_deb(root, &out, binaries, &format!("{version}-1"), Some(&public))?;
        release_into_machine(&deb, &secret, &format!("pietura-kiosk {version}"), &releases)
    };
    let installed = || machine.installed_version("pietura-kiosk");
    let publish = |deb: &str, version: &str| {
        machine.ok(&format!(
            "chmod -R a+rX /var/tmp/releases && {SERVER_CLI} release publish {deb} --kind kiosk --version {version}"
        ))
    };

    // 0.1.1, published: downloaded, handed over when quiet, installed, and it answers as 0.1.1.
    let deb = release("0.1.1", &binaries)?;
    publish(&deb, "0.1.1")?;
    machine.wait("the kiosk to update itself to 0.1.1", Duration::from_secs(180), || Ok(installed()? == "0.1.1-1"))?;
    machine.wait("the updated kiosk to report 0.1.1 to the server", Duration::from_secs(60), || {
        Ok(String::from_utf8_lossy(&machine.ok(&format!("{SERVER_CLI} device list"))?.stdout).contains("version 0.1.1"))
    })?;
    eprintln!("published 0.1.1: the kiosk updated itself and answers the server as 0.1.1");

    // A package changed after it was signed, handed straight to the root unit (what a kiosk's
    // user broken into could do): refused, nothing installed.
    let deb = release("0.1.2", &binaries)?;
    let updates = "/var/lib/pietura-kiosk/updates";
    machine.ok(&format!(
        "cp {deb} {updates}/release-0.1.2.deb && cp {deb}.minisig {updates}/release-0.1.2.deb.minisig \
         && printf 'tampered' | dd of={updates}/release-0.1.2.deb bs=1 seek=2000 conv=notrunc status=none \
         && chown pietura-kiosk: {updates}/release-0.1.2.deb* && runuser -u pietura-kiosk -- sh -c 'printf 0.1.2 > {updates}/ready'"
    ))?;
    machine.wait("the root unit to refuse the changed package", Duration::from_secs(60), || {
        Ok(machine.sh(&format!("test -e {updates}/refused-0.1.2"))?.status.success())
    })?;
    ensure!(installed()? == "0.1.1-1", "a changed package was installed");
    eprintln!("a package changed after signing was refused by the root unit; 0.1.1 stays");

    // 0.1.3, signed, but its program does not start: installed, then rolled back to 0.1.1.
    let broken = work.join("broken");
    std::fs::create_dir_all(&broken)?;
    std::fs::copy("/bin/false", broken.join("pietura-kiosk"))?;
    let deb = release("0.1.3", &broken)?;
    publish(&deb, "0.1.3")?;
    machine.wait("the failed update to 0.1.3 to be rolled back", Duration::from_secs(240), || {
        Ok(machine.sh(&format!("test -e {updates}/refused-0.1.3"))?.status.success() && installed()? == "0.1.1-1")
    })?;
    machine.wait("the rolled-back kiosk to run again", Duration::from_secs(60), || {
        Ok(machine.sh("systemctl is-active pietura-kiosk && pgrep -x pietura-kiosk")?.status.success())
    })?;
    // Given up when systemd had restarted it three times, not at the end of its 20 s.
    let journal = machine.ok("journalctl --no-pager -u pietura-kiosk-update")?;
    ensure!(
        String::from_utf8_lossy(&journal.stdout).contains("it stopped 3 times as it started"),
        "the rollback of 0.1.3 did not say it stopped as it started:\n{}",
        tail(&journal.stdout)
    );
    eprintln!("0.1.3 did not start: rolled back to 0.1.1 when it had stopped 3 times, and 0.1.1 runs again");
    Ok(())
}

/// A desk's update, handed over by an ordinary user as the desk does at log-out: installed when
/// its program passes the self-check, rolled back when it does not. (The desk's own side, the
/// download and the hand-over between visits, is tested in `device::update`; its window cannot
/// run in the container.)
fn check_desk_updates(machine: &Machine, machine_root: &Path, work: &Path, desk: &Path) -> Result<()> {
    let (_, secret) = test_release_key(work)?;
    let out = work.join("desk-releases");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let releases = machine_root.join("var/tmp/releases");
    // A release of the tested desk: the same package as another version (and, broken, with a
    // program that always fails), signed as a release manager would.
    let release = |version: &str, broken: bool| -> Result<String> {
        let tree = out.join(format!("tree-{version}"));
        exec(Command::new("dpkg-deb").arg("-R").arg(desk).arg(&tree))?;
        let control = std::fs::read_to_string(tree.join("DEBIAN/control"))?;
        let control = control
            .lines()
            .map(|l| if l.starts_with("Version: ") { format!("Version: {version}-1") } else { l.to_owned() })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(tree.join("DEBIAN/control"), format!("{control}\n"))?;
        let _ = std::fs::remove_file(tree.join("DEBIAN/md5sums"));
        std::fs::write(tree.join("usr/share/pietura/pietura-desk/release"), format!("{version}\n"))?;
        if broken {
            std::fs::copy("/bin/false", tree.join("usr/bin/pietura-desk"))?;
        }
        let deb = out.join(format!("pietura-desk_{version}-1_amd64.deb"));
        exec(Command::new("dpkg-deb").args(["--root-owner-group", "-Zgzip", "-z1", "-b"]).arg(&tree).arg(&deb))?;
        release_into_machine(&deb, &secret, &format!("pietura-desk {version}"), &releases)
    };
    let installed = || machine.installed_version("pietura-desk");
    let incoming = "/var/lib/pietura-desk-update/incoming";
    let hand_over = |deb: &str, version: &str| {
        machine.ok(&format!(
            "id clerk >/dev/null 2>&1 || useradd -m clerk; chmod -R a+rX /var/tmp/releases && runuser -u clerk -- sh -c \
             'cp {deb} {incoming}/release-{version}.deb && cp {deb}.minisig {incoming}/release-{version}.deb.minisig \
              && printf {version} > {incoming}/ready'"
        ))
    };
    let deb = release("0.1.1", false)?;
    hand_over(&deb, "0.1.1")?;
    machine.wait("the desk to be updated to 0.1.1", Duration::from_secs(120), || Ok(installed()? == "0.1.1-1"))?;
    ensure!(
        machine.ok("pietura-desk --self-check")?.stdout.starts_with(b"0.1.1"),
        "the updated desk does not say it is 0.1.1"
    );
    eprintln!("a desk's user handed 0.1.1 over: installed, and its self-check says 0.1.1");
    let deb = release("0.1.2", true)?;
    hand_over(&deb, "0.1.2")?;
    machine.wait("the failed desk update to be rolled back", Duration::from_secs(120), || {
        Ok(machine.sh(&format!("test -e {incoming}/refused-0.1.2"))?.status.success() && installed()? == "0.1.1-1")
    })?;
    ensure!(machine.ok("pietura-desk --self-check")?.stdout.starts_with(b"0.1.1"), "the rolled-back desk does not run");
    eprintln!("a desk 0.1.2 that fails its self-check was rolled back to 0.1.1");
    Ok(())
}

fn check_removal(machine: &Machine) -> Result<()> {
    // Removed, nothing of it runs.
    machine.ok("DEBIAN_FRONTEND=noninteractive apt-get remove -y -q pietura-kiosk pietura-server pietura-desk")?;
    machine.wait("every Pietura process to end after removal", Duration::from_secs(30), || {
        Ok(!machine.sh("pgrep -f '^(/usr/bin/)?(pietura-|cage)'")?.status.success())
    })?;
    eprintln!("removed, no Pietura process runs");
    Ok(())
}

/// The distinct colours in a binary PPM (P6): a blank screen has one.
fn colours(ppm: &[u8]) -> usize {
    // Header: "P6", width, height, maxval, each followed by whitespace.
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 && at < ppm.len() {
        while at < ppm.len() && ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        while at < ppm.len() && !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    let pixels = ppm.get(at + 1..).unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    for pixel in pixels.chunks_exact(3) {
        seen.insert([pixel[0], pixel[1], pixel[2]]);
        if seen.len() > 256 {
            break;
        }
    }
    seen.len()
}

/// The base root as a tarball, made once by mmdebstrap and reused.
fn base_root(work: &Path) -> Result<PathBuf> {
    let tarball = work.join(format!("debian-{SUITE}-{}.tar", BASE_PACKAGES.replace(',', "+")));
    if !tarball.exists() {
        let partial = tarball.with_extension("partial.tar");
        exec(
            Command::new("mmdebstrap")
                .args(["--variant=minbase", "--quiet", &format!("--include={BASE_PACKAGES}"), SUITE])
                .arg(&partial)
                .arg(MIRROR),
        )?;
        std::fs::rename(&partial, &tarball)?;
    }
    Ok(tarball)
}

/// A machine left running by an interrupted run of this test.
fn stop_leftover(machine_root: &Path) {
    let pattern = format!("systemd-nspawn -D {}", machine_root.display());
    let _ = Command::new("pkill").args(["-f", &pattern]).status();
    sleep(Duration::from_millis(500));
}

/// A booted container and its PID 1.
struct Machine {
    nspawn: Child,
    leader: u32,
}

impl Machine {
    fn boot(machine_root: &Path, log: &Path) -> Result<Self> {
        let log = std::fs::File::create(log)?;
        let nspawn = Command::new("systemd-nspawn")
            .arg("-D")
            .arg(machine_root)
            .args(["--boot", "--private-network", "--quiet", "--register=no", "--keep-unit"])
            .args(["--machine", "pietura-install-test"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let started = Instant::now();
        let leader = loop {
            let children = Command::new("pgrep").args(["-P", &nspawn.id().to_string()]).output()?;
            if let Some(pid) = String::from_utf8(children.stdout)?.lines().next().and_then(|l| l.trim().parse().ok()) {
                break pid;
            }
            ensure!(started.elapsed() < Duration::from_secs(30), "systemd-nspawn started no machine");
            sleep(Duration::from_millis(100));
        };
        let mut machine = Self { nspawn, leader };
        let booted = machine.wait("the machine to boot", Duration::from_secs(120), || {
            let state = machine.sh("systemctl is-system-running")?;
            let state = String::from_utf8_lossy(&state.stdout);
            Ok(matches!(state.trim(), "running" | "degraded"))
        });
        if let Err(e) = booted {
            let _ = machine.nspawn.kill();
            return Err(e);
        }
        let failed = machine.sh("systemctl --failed --no-legend --plain")?;
        let failed = String::from_utf8_lossy(&failed.stdout).trim().to_owned();
        if !failed.is_empty() {
            eprintln!("units failed at boot (not ours unless named pietura-*):\n{failed}");
        }
        ensure!(!failed.contains("pietura-"), "a Pietura unit failed at boot:\n{failed}");
        eprintln!("booted the machine with systemd-nspawn --boot");
        Ok(machine)
    }

    /// A shell command inside the machine, as root.
    fn sh(&self, script: &str) -> Result<Output> {
        Ok(Command::new("nsenter")
            .args(["-t", &self.leader.to_string(), "-a", "sh", "-c", script])
            .stdin(Stdio::null())
            .output()?)
    }

    /// `sh` that must succeed.
    fn ok(&self, script: &str) -> Result<Output> {
        let out = self.sh(script)?;
        if !out.status.success() {
            bail!("in the machine, `{script}` failed ({}):\n{}{}", out.status, tail(&out.stdout), tail(&out.stderr));
        }
        Ok(out)
    }

    /// The installed version of `package` (`dpkg-query`).
    fn installed_version(&self, package: &str) -> Result<String> {
        Ok(String::from_utf8(self.ok(&format!("dpkg-query -W -f='${{Version}}' {package}"))?.stdout)?)
    }

    /// A host program inside the machine's network only (the machine has no curl of its own).
    fn host_in_net(&self, command: &mut Command) -> Result<Output> {
        let mut nsenter = Command::new("nsenter");
        nsenter.args(["-t", &self.leader.to_string(), "-n", "--"]).arg(command.get_program()).args(command.get_args());
        Ok(nsenter.stdin(Stdio::null()).output()?)
    }

    fn wait(&self, what: &str, limit: Duration, mut done: impl FnMut() -> Result<bool>) -> Result<()> {
        let started = Instant::now();
        loop {
            if done()? {
                return Ok(());
            }
            if started.elapsed() > limit {
                bail!("waited {limit:?} for {what}");
            }
            sleep(Duration::from_millis(500));
        }
    }

    fn power_off(mut self) {
        let _ = self.sh("systemctl poweroff");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.nspawn.try_wait() {
                return;
            }
            sleep(Duration::from_millis(200));
        }
        let _ = self.nspawn.kill();
        let _ = self.nspawn.wait();
    }
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_frame_has_one_colour_and_a_drawn_one_many() {
        let mut blank = b"P6\n2 2\n255\n".to_vec();
        blank.extend([0u8; 12]);
        assert_eq!(colours(&blank), 1);
        let mut drawn = b"P6\n2 2\n255\n".to_vec();
        drawn.extend([0, 0, 0, 255, 255, 255, 10, 20, 30, 10, 20, 31]);
        assert_eq!(colours(&drawn), 4);
    }
}
