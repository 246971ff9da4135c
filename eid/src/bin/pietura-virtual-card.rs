//! The virtual Latvian eID card for tests, the demo and training: makes a test CA, issues cards,
//! and inserts a card into vpcd's virtual reader so pcscd (and everything above it) sees it.
//!
//! While inserted, it reads commands on standard input: `remove` takes the card out, `insert`
//! puts it back (PIN counters survive, as on a real card), `quit` ends. It prints `inserted` and
//! `removed` when vpcd has the card or has lost it, for scripts and tests to wait on.

use std::{
    io::{BufRead, Write},
    net::TcpStream,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use eid::{
    apdu::KeyKind,
    test_ca::{CardProfile, Holder, TestCa},
    virtual_card::{VirtualCard, serve_vpcd},
};

#[derive(Parser)]
#[command(version, about = "A virtual Latvian eID card on vsmartcard-vpcd, for tests and the demo")]
struct Cli {
    #[command(subcommand)]
    command: Action,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// An updated card: EC P-384, ES384.
    Ec,
    /// An original card: RSA-2048, RS256.
    Rsa,
}

#[derive(Subcommand)]
enum Action {
    /// Creates a test CA (root and intermediate, with keys) in DIR; the server trusts `ica.pem`.
    Ca { dir: PathBuf },
    /// Issues a card from the test CA in `--ca` and writes it (key, certificate, PINs) to `--out`.
    Issue {
        #[arg(long)]
        ca: PathBuf,
        #[arg(long, value_enum, default_value = "ec")]
        kind: Kind,
        #[arg(long)]
        given_name: String,
        #[arg(long)]
        surname: String,
        /// A Latvian personal code, e.g. 010190-12345.
        #[arg(long)]
        personal_code: String,
        #[arg(long, default_value = "1234")]
        pin1: String,
        #[arg(long, default_value = "123456")]
        pin2: String,
        /// An OCSP responder URL to put in the certificate.
        #[arg(long)]
        ocsp_url: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Inserts the card in FILE into vpcd's reader and answers it until `quit` or end of input.
    Insert {
        card: PathBuf,
        /// vpcd's socket: slot 0 is 127.0.0.1:35963, slot 1 is 127.0.0.1:35964.
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Action::Ca { dir } => {
            #[allow(clippy::disallowed_methods)] // a command-line edge: the real clock
            let now = chrono::Utc::now();
            TestCa::generate(now)?.save(&dir)?;
            println!("test CA written to {}: trust {}", dir.display(), dir.join("ica.pem").display());
        }
        Action::Issue { ca, kind, given_name, surname, personal_code, pin1, pin2, ocsp_url, out } => {
            let ca = TestCa::load(&ca)?;
            let kind = match kind {
                Kind::Ec => KeyKind::EcP384,
                Kind::Rsa => KeyKind::Rsa2048,
            };
            #[allow(clippy::disallowed_methods)] // a command-line edge: the real clock
            let now = chrono::Utc::now() - chrono::Duration::days(1);
            let holder = Holder { given_name, surname, personal_code };
            let profile = ca.issue_card(holder, kind, now, ocsp_url, &pin1, &pin2)?;
            std::fs::write(&out, profile.to_json()?).with_context(|| format!("writing {}", out.display()))?;
            println!("card written to {}", out.display());
        }
        Action::Insert { card, vpcd } => {
            let text = std::fs::read_to_string(&card).with_context(|| format!("reading {}", card.display()))?;
            insert(VirtualCard::new(CardProfile::from_json(&text)?), &vpcd)?;
        }
    }
    Ok(())
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn insert(mut card: VirtualCard, vpcd: &str) -> Result<()> {
    let inserted = Arc::new(AtomicBool::new(true));
    let running = Arc::new(AtomicBool::new(true));
    {
        let (inserted, running) = (inserted.clone(), running.clone());
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                match line.as_deref().map(str::trim) {
                    Ok("remove") => inserted.store(false, Ordering::SeqCst),
                    Ok("insert") => inserted.store(true, Ordering::SeqCst),
                    Ok("quit") | Err(_) => break,
                    Ok(_) => {}
                }
            }
            running.store(false, Ordering::SeqCst);
        });
    }
    let mut waited = Duration::ZERO;
    while running.load(Ordering::SeqCst) {
        if !inserted.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let mut stream = match TcpStream::connect(vpcd) {
            Ok(stream) => stream,
            Err(e) => {
                // pcscd loads vpcd when it starts; wait for it a while.
                if waited > Duration::from_secs(20) {
                    bail!("cannot reach vpcd at {vpcd} ({e}): is pcscd running with vsmartcard-vpcd installed?");
                }
                std::thread::sleep(Duration::from_millis(100));
                waited += Duration::from_millis(100);
                continue;
            }
        };
        card.reset();
        say("inserted");
        let keep_going = || inserted.load(Ordering::SeqCst) && running.load(Ordering::SeqCst);
        let served = serve_vpcd(&mut card, &mut stream, &keep_going);
        drop(stream);
        say("removed");
        if let Err(e) = served {
            eprintln!("vpcd connection ended: {e}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(())
}
