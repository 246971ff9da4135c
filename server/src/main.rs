//! `pietura-server`: the central server and its operator commands.

use std::{net::TcpListener, path::PathBuf, time::Duration};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use domain::DeviceKind;
use server::{
    AppState, TlsFiles,
    catalogue::{Catalogue, cpsv, files, rdf},
    clock::system_clock,
    config::{DEFAULT_CONFIG_TOML, LogFormat, Settings},
    devices, institutions, store,
};
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "pietura-server", version, about = "Pietura central server and operator commands")]
struct Cli {
    /// A TOML configuration file (see `default-config`). Environment variables PIETURA_* win over it.
    #[arg(long, global = true, env = "PIETURA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server until SIGTERM or Ctrl-C.
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Print a commented example configuration.
    DefaultConfig,
    /// Centres: VPVKAC sites and libraries where devices stand.
    #[command(subcommand)]
    Centre(CentreCommand),
    /// Desks and kiosks.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Institutions that publish to the catalogue, and their API keys.
    #[command(subcommand)]
    Institution(InstitutionCommand),
    /// Releases of the desk and the kiosk that devices update to (signed packages).
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// The service catalogue and knowledge base: import and export.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Staff: roles per centre (clerk, librarian, trainer, admin), and login events.
    #[command(subcommand)]
    User(UserCommand),
    /// eID tools for integrators.
    #[command(subcommand)]
    Eid(EidCommand),
    /// Open data: service-provision statistics.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// E-address mailboxes.
    #[command(subcommand)]
    Eaddress(EaddressCommand),
    /// Back up the database and every attachment into a new folder, with a manifest of digests,
    /// while the server runs (SQLite through its online backup API; for PostgreSQL give the
    /// `pg_dump -Fc` file made just before).
    Backup {
        /// A new (or empty) folder.
        #[arg(long)]
        to: PathBuf,
        /// PostgreSQL only: the file `pg_dump -Fc -f FILE <database_url>` wrote.
        #[arg(long)]
        pg_dump: Option<PathBuf>,
    },
    /// Restore a backup into a new place (the database the settings name must not exist yet;
    /// every digest is checked before anything is written). For PostgreSQL the attachments are
    /// restored and the dump is left for `pg_restore`.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum EidCommand {
    /// Validate a Web eID authentication token as the server's login does, and print the
    /// identity it proves as JSON, or why it fails (exit status 1). Needs no database.
    Verify {
        /// A file holding the token's JSON.
        #[arg(long)]
        token: PathBuf,
        /// The challenge nonce the token answers.
        #[arg(long)]
        nonce: String,
        /// The origin it was signed for, e.g. https://pietura.example.lv
        #[arg(long)]
        origin: String,
        /// PEM files of the CAs that issue the user certificates (intermediate CAs).
        #[arg(long = "trust-anchor", required = true)]
        trust_anchors: Vec<PathBuf>,
        /// Certificate policies to refuse (default: Web eID's Mobile-ID policies).
        #[arg(long = "disallow-policy")]
        disallowed_policies: Vec<String>,
        /// Validate as at this time (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Ask the OCSP responder the certificate names whether it is revoked.
        #[arg(long)]
        ocsp: bool,
        /// Ask this OCSP responder instead (implies --ocsp).
        #[arg(long)]
        ocsp_url: Option<String>,
    },
}

mod cli;

use cli::{
    audit::AuditCommand, catalogue::CatalogueCommand, centre::CentreCommand, device::DeviceCommand,
    eaddress::EaddressCommand, institution::InstitutionCommand, release::ReleaseCommand, stats::StatsCommand,
    user::UserCommand,
};

fn main() -> std::process::ExitCode {
    // Databases, attachments, snapshots, keys and checkpoints hold personal data or secrets:
    // whatever the server creates is readable by its own user only (0600 files, 0700 folders).
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    if let Command::DefaultConfig = cli.command {
        print!("{DEFAULT_CONFIG_TOML}");
        return Ok(());
    }
    if let Command::Eid(EidCommand::Verify {
        token,
        nonce,
        origin,
        trust_anchors,
        disallowed_policies,
        at,
        ocsp,
        ocsp_url,
    }) = &cli.command
    {
        let text = std::fs::read_to_string(token).with_context(|| format!("reading {}", token.display()))?;
        let at = at.unwrap_or_else(|| system_clock()());
        let checker = (*ocsp || ocsp_url.is_some()).then(|| server::login::OcspChecker::new(ocsp_url.clone()));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let outcome = runtime.block_on(server::login::verify_token(
            &text,
            nonce,
            origin,
            trust_anchors,
            disallowed_policies,
            checker.as_ref(),
            at,
        ))?;
        println!("{}", serde_json::to_string_pretty(&outcome.report)?);
        if !outcome.valid {
            std::process::exit(1);
        }
        return Ok(());
    }
    let settings = Settings::from_process(cli.config.as_deref())?;
    init_logging(settings.log_format);
    // An operator's command naming a person from the other side of the training line (a role
    // granted, a mailbox or a delegation recorded) is refused as the API refuses it.
    for argument in std::env::args().skip(1) {
        settings.environment.crossing_in_text(&argument).map_err(|crossing| anyhow::anyhow!("{crossing}"))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if let Command::Restore { from } = &cli.command {
        return runtime.block_on(restore(&settings, from));
    }
    runtime.block_on(async move {
        let location = settings.database()?;
        let store = store::open(&location).await.with_context(|| format!("opening the database {location:?}"))?;
        // A database is the real service's or a workshop's for good: the first server claims it.
        let wanted = settings.environment.as_str();
        let belongs = store.claim_environment(wanted).await?;
        if belongs != wanted {
            anyhow::bail!(
                "this database belongs to a {belongs} server, and this one is set up as {wanted}: \
                 a {wanted} server never opens it (set environment = \"{belongs}\" if that is what \
                 you meant, or give this server a database of its own)"
            );
        }
        let clock = system_clock();
        let ttl = chrono::Duration::hours(i64::from(settings.enrollment_code_ttl_hours));
        let cx = cli::CommandContext { store: store.clone(), settings: settings.clone(), clock: clock.clone(), ttl };
        match cli.command {
            Command::DefaultConfig => unreachable!("handled above"),
            Command::Migrate => {
                println!("database schema is at version {}", store.schema_version().await?);
            }
            Command::Serve => {
                // A training server issues its training people's cards from a CA of its own, and
                // its logins trust that CA.
                let mut settings = settings.clone();
                let training_ca = if settings.environment == server::environment::Environment::Training {
                    let dir = settings.training_ca_dir()?;
                    let ca = server::training::training_ca(&dir, clock())?;
                    settings.eid_trust_anchors.push(dir.join("ica.pem"));
                    Some(ca)
                } else {
                    None
                };
                let login = server::login::Login::from_settings(&settings)?;
                if login.is_none() {
                    tracing::warn!("eID login is off: set eid_origin and eid_trust_anchors to turn it on");
                }
                let mut state = AppState::new(store, clock)
                    .with_login(login)
                    .with_snapshot_dir(settings.snapshot_dir()?)
                    .with_challenge_limit(settings.login_challenges_per_5_minutes)
                    .with_trusted_proxies(&settings.trusted_proxies)
                    .with_limits(settings.limits());
                state = state
                    .with_attachments(attachments_of(&settings)?)
                    .with_upload_quota(settings.attachment_quota_mb.saturating_mul(1024 * 1024))
                    .with_enrollment_code_ttl(ttl)
                    .in_environment(settings.environment);
                if let Some(ca) = training_ca {
                    state = state.with_training_ca(ca);
                }
                if settings.environment == server::environment::Environment::Training {
                    tracing::warn!("a TRAINING server: it serves the workshop's training people only");
                    // Its institutions answer cases as real ones would, after a while.
                    let (store, attachments, calendar) =
                        (state.store.clone(), state.attachments.clone(), state.calendar.clone());
                    let (clock, after) =
                        (state.clock.clone(), chrono::Duration::seconds(i64::from(settings.training_answer_secs)));
                    tokio::spawn(async move {
                        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
                        loop {
                            tick.tick().await;
                            let answered = server::training::answer_as_institutions(
                                store.as_ref(),
                                &attachments,
                                &calendar,
                                after,
                                clock(),
                            )
                            .await;
                            match answered {
                                Ok(done) if done != server::training::InstitutionsAnswered::default() => {
                                    tracing::info!(?done, "simulated institutions answered")
                                }
                                Ok(_) => {}
                                Err(error) => tracing::warn!(%error, "simulated institutions could not answer"),
                            }
                        }
                    });
                }
                // The first device after a start need not wait for the catalogue snapshot.
                let (snapshots, store, now) = (state.snapshots.clone(), state.store.clone(), (state.clock)());
                tokio::spawn(async move {
                    if let Err(error) = snapshots.current(&store, now).await {
                        tracing::warn!(%error, "the catalogue snapshot could not be built ahead");
                    }
                });
                serve(settings, state).await?
            }
            Command::Eid(_) | Command::Restore { .. } => unreachable!("handled above"),
            Command::Backup { to, pg_dump } => {
                let source = server::backup::Source {
                    database: &location,
                    pg_dump: pg_dump.as_deref(),
                    schema_version: store.schema_version().await?,
                    environment: settings.environment.as_str(),
                };
                let manifest =
                    server::backup::backup(source, &attachments_of(&settings)?, &to, clock()).await?;
                let bytes: u64 = manifest.attachments.iter().map(|a| a.bytes).sum();
                println!(
                    "backed up into {}: the database ({} bytes, sha256 {}) and {} attachments ({bytes} bytes); each file's digest is in {}",
                    to.display(),
                    manifest.database.bytes,
                    manifest.database.sha256,
                    manifest.attachments.len(),
                    server::backup::MANIFEST
                );
            }
            Command::Eaddress(command) => cli::eaddress::run(command, &cx).await?,
            Command::Audit(command) => cli::audit::run(command, &cx).await?,
            Command::Stats(command) => cli::stats::run(command, &cx).await?,
            Command::User(command) => cli::user::run(command, &cx).await?,
            Command::Centre(command) => cli::centre::run(command, &cx).await?,
            Command::Device(command) => cli::device::run(command, &cx).await?,
            Command::Institution(command) => cli::institution::run(command, &cx).await?,
            Command::Release(command) => cli::release::run(command, &cx).await?,
            Command::Catalogue(command) => cli::catalogue::run(command, &cx).await?,
        }
        Ok(())
    })
}

/// `restore --from DIR`: before any database is opened (a restore writes a new one).
async fn restore(settings: &Settings, from: &std::path::Path) -> Result<()> {
    let location = settings.database()?;
    let target = server::backup::Target { database: &location, environment: settings.environment.as_str() };
    let restored = server::backup::restore(from, target, &attachments_of(settings)?).await?;
    let manifest = &restored.manifest;
    println!(
        "restored the backup of {} (schema version {}): {} attachments checked and stored",
        manifest.made_at.to_rfc3339(),
        manifest.schema_version,
        manifest.attachments.len()
    );
    match restored.pg_dump {
        Some(dump) => println!(
            "now load the database: pg_restore --no-owner --dbname <database_url> {} — then `pietura-server migrate` and `pietura-server audit verify`",
            dump.display()
        ),
        None => println!("the database is in place; check it with `pietura-server audit verify`"),
    }
    Ok(())
}

/// Every `minutes`, a signed checkpoint of the audit log into `dir`.
fn spawn_checkpoints(state: &AppState, key: server::audit_checkpoint::AuditKey, dir: PathBuf, minutes: u32) {
    let (store, clock) = (state.store.clone(), state.clock.clone());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(u64::from(minutes) * 60));
        loop {
            every.tick().await;
            match server::audit_checkpoint::make(store.as_ref(), &key, clock()).await {
                Ok(checkpoint) => match server::audit_checkpoint::save(&dir, &checkpoint) {
                    Ok(path) => {
                        tracing::info!(seq = checkpoint.seq, path = %path.display(), "audit checkpoint written")
                    }
                    Err(error) => tracing::error!(%error, "the audit checkpoint could not be written"),
                },
                Err(error) => tracing::error!(%error, "the audit checkpoint could not be made"),
            }
        }
    });
}

/// Where the settings keep e-address attachments: an S3-compatible bucket, else a folder.
fn attachments_of(settings: &Settings) -> Result<server::eaddress::Attachments> {
    Ok(match (&settings.attachment_s3_endpoint, &settings.attachment_s3_bucket) {
        (Some(endpoint), Some(bucket)) => {
            let key = std::env::var("PIETURA_S3_ACCESS_KEY_ID")
                .map_err(|_| anyhow::anyhow!("set PIETURA_S3_ACCESS_KEY_ID for the attachment bucket"))?;
            let secret = std::env::var("PIETURA_S3_SECRET_ACCESS_KEY")
                .map_err(|_| anyhow::anyhow!("set PIETURA_S3_SECRET_ACCESS_KEY for the attachment bucket"))?;
            let region = settings.attachment_s3_region.clone().unwrap_or_else(|| "us-east-1".into());
            tracing::info!(%endpoint, %bucket, "e-address attachments in an S3-compatible bucket");
            server::eaddress::Attachments::s3(endpoint, bucket, &region, &key, &secret)?
        }
        _ => server::eaddress::Attachments::in_folder(&settings.attachment_dir()?)?,
    })
}

async fn serve(settings: Settings, state: AppState) -> Result<()> {
    if settings.attachment_collect_minutes > 0 {
        let every = Duration::from_secs(u64::from(settings.attachment_collect_minutes) * 60);
        server::uploads::spawn_collector(&state, every);
    }
    if let (Some(dir), minutes @ 1..) = (&settings.audit_checkpoint_dir, settings.audit_checkpoint_minutes) {
        let key = server::audit_checkpoint::AuditKey::load_or_create(&settings.audit_key_file()?)?;
        spawn_checkpoints(&state, key, dir.clone(), minutes);
    }
    let listener = TcpListener::bind(settings.listen)
        .with_context(|| format!("cannot listen on {}: is another server running there?", settings.listen))?;
    let address = listener.local_addr()?;
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => bail!("tls_cert and tls_key go together"),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%address, scheme, "listening");
    // Scripts and tests read this line to learn the port when listening on port 0.
    println!("pietura-server listening on {scheme}://{address}");
    server::serve(listener, state, tls, Duration::from_secs(settings.shutdown_timeout_secs), shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PIETURA_LOG").unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
