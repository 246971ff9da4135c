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
}

#[derive(Subcommand)]
enum EaddressCommand {
    /// Add a mailbox, or change one: an institution's (operated with its API key), a centre's
    /// (worked by its staff), a person's or a company's.
    Add {
        /// The e-address: _PRIVATE@<personal code>, _DEFAULT@<reg. no.> or UNIT@<reg. no.>.
        address: String,
        #[arg(long)]
        name: String,
        /// The institution (its IRI) that operates it.
        #[arg(long)]
        institution: Option<String>,
        /// The centre (its name) whose staff work it.
        #[arg(long)]
        centre: Option<String>,
        /// Make it inactive (it receives nothing).
        #[arg(long)]
        inactive: bool,
    },
    /// List mailboxes operated by institutions or centres, and the institutions' catalogue.
    List,
    /// Record a delegation a legal entity's representative grants an employee (or an owner's,
    /// made in person at the operator): the right on the mailbox until a date.
    Delegate {
        mailbox: String,
        /// The delegate's personal code.
        #[arg(long)]
        to: String,
        /// read, communicate or delete.
        #[arg(long)]
        rights: String,
        /// The last day (YYYY-MM-DD).
        #[arg(long)]
        until: chrono::NaiveDate,
        /// Who granted it (the representative's personal code), for the audit log.
        #[arg(long)]
        granted_by: String,
    },
    /// Record that a person represents a legal entity (from the Enterprise Register): they then
    /// answer for its mailbox (read it, grant its employees rights, see who accessed it).
    Represent {
        mailbox: String,
        /// The representative's personal code.
        person: String,
        /// Where the right comes from (e.g. "UR izziņa Nr. 2026/1234").
        #[arg(long)]
        source: String,
    },
    /// End a representation recorded with `represent`.
    Unrepresent { mailbox: String, person: String },
    /// Remove attachment content that no message used within a day of its last upload (the
    /// server does this every `attachment_collect_minutes` too).
    Collect {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole chain; names the first changed, removed or reordered entry (exit 1).
    /// With checkpoints (exported earlier and kept elsewhere), also that the log still holds
    /// what each one signed.
    Verify {
        /// A signed checkpoint file (`audit checkpoint`), or a folder of them; repeatable.
        #[arg(long)]
        checkpoint: Vec<PathBuf>,
    },
    /// Sign the log's head with the audit key (kept outside the database) and write the
    /// checkpoint to FILE, or print it; keep it where the database's administrators cannot write.
    Checkpoint {
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// The newest entries, optionally only those about one subject (a case number, an address).
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        subject: Option<String>,
    },
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Add a made-up case history for a demo desk of a centre (a new desk device named
    /// `--desk`), applied like a desk's push: for demos and trying the open data.
    Demo {
        #[arg(long)]
        centre: String,
        #[arg(long, default_value = "Demo vēsture")]
        desk: String,
        #[arg(long, default_value_t = 1200)]
        count: u32,
        #[arg(long, default_value_t = 3)]
        months: u32,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Write the statistics as published (small counts withheld, no personal data).
    Export {
        #[arg(long, default_value = "csv")]
        format: StatsFormat,
        /// Write here (atomically) instead of to standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StatsFormat {
    Csv,
    Json,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Grant a role at a centre to the person with this personal code.
    Grant {
        personal_code: String,
        #[arg(long)]
        role: domain::Role,
        /// The centre's name, as given to `centre add`.
        #[arg(long)]
        centre: String,
    },
    /// Take a role away.
    Revoke {
        personal_code: String,
        #[arg(long)]
        role: domain::Role,
        #[arg(long)]
        centre: String,
    },
    /// List grants, everyone's or one person's.
    List { personal_code: Option<String> },
    /// The newest logins, failed logins and logouts.
    Events {
        #[arg(long, default_value_t = 50)]
        limit: u32,
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

#[derive(Subcommand)]
enum InstitutionCommand {
    /// Register an institution by its organisation IRI.
    Add {
        /// The organisation's IRI, as its services name it as competent authority.
        id: String,
        #[arg(long)]
        name: String,
        /// A central editor may change every institution's records.
        #[arg(long)]
        central_editor: bool,
    },
    /// List institutions.
    List,
    /// Issue a new API key for an institution (shown once; only its hash is kept):
    /// `institution key ID [--expires-in-days N]`; or `institution key list [ID]`,
    /// `institution key revoke KEY_ID`.
    #[command(args_conflicts_with_subcommands = true)]
    Key {
        #[command(subcommand)]
        action: Option<KeyAction>,
        /// The institution to issue a key for.
        id: Option<String>,
        /// Days the new key is valid (for good when left out).
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// List the keys (of one institution, or all) with their state; never the keys themselves.
    List {
        id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its id (the part before the dot): refused from the next request on.
    Revoke { key_id: uuid::Uuid },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Import files (CPSV-AP Turtle/JSON-LD or .pietura.json) in one transaction: all or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Export the whole live catalogue.
    Export {
        /// turtle or json-ld (CPSV-AP 3.2, services and organisations), or pietura (everything,
        /// articles too).
        #[arg(long, default_value = "turtle")]
        format: ExportFormat,
        /// Write here (atomically) instead of to standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Turtle,
    JsonLd,
    Pietura,
}

#[derive(Subcommand)]
enum CentreCommand {
    /// Add a centre.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        municipality: String,
        /// 2–4 capital letters or digits that start the centre's case numbers (`RCV` in
        /// `RCV-03-26-0042`); made from the name when left out.
        #[arg(long)]
        code: Option<String>,
    },
    /// List centres.
    List,
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Add a device and print its one-time enrollment code.
    Add {
        /// The centre's name, as given to `centre add`.
        #[arg(long)]
        centre: String,
        /// desk or kiosk.
        #[arg(long)]
        kind: DeviceKind,
        /// A label operators recognise, e.g. "Galds 3".
        #[arg(long)]
        name: String,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give a device that has not enrolled yet a new code (the old one stops working).
    Code {
        id: Uuid,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List devices and their state.
    List,
    /// Cut a device off; it is refused from its next request on.
    Revoke { id: Uuid },
}

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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let location = settings.database()?;
        let store = store::open(&location).await.with_context(|| format!("opening the database {location:?}"))?;
        let clock = system_clock();
        let ttl = chrono::Duration::hours(i64::from(settings.enrollment_code_ttl_hours));
        match cli.command {
            Command::DefaultConfig => unreachable!("handled above"),
            Command::Migrate => {
                println!("database schema is at version {}", store.schema_version().await?);
            }
            Command::Serve => {
                let login = server::login::Login::from_settings(&settings)?;
                if login.is_none() {
                    tracing::warn!("eID login is off: set eid_origin and eid_trust_anchors to turn it on");
                }
                let mut state = AppState::new(store, clock)
                    .with_login(login)
                    .with_snapshot_dir(settings.snapshot_dir()?)
                    .with_limits(settings.limits());
                state = state
                    .with_attachments(attachments_of(&settings)?)
                    .with_upload_quota(settings.attachment_quota_mb.saturating_mul(1024 * 1024));
                // The first device after a start need not wait for the catalogue snapshot.
                let (snapshots, store, now) = (state.snapshots.clone(), state.store.clone(), (state.clock)());
                tokio::spawn(async move {
                    if let Err(error) = snapshots.current(&store, now).await {
                        tracing::warn!(%error, "the catalogue snapshot could not be built ahead");
                    }
                });
                serve(settings, state).await?
            }
            Command::Eid(_) => unreachable!("handled above"),
            Command::Eaddress(EaddressCommand::Add { address, name, institution, centre, inactive }) => {
                let parsed = domain::eaddress::EAddress::parse(&address)?;
                let centre_id = match centre {
                    Some(centre) => Some(
                        store
                            .find_centre_by_name(&centre)
                            .await?
                            .ok_or_else(|| anyhow::anyhow!("there is no centre {centre:?} (see `centre list`)"))?
                            .id,
                    ),
                    None => None,
                };
                let kind = if institution.is_some() || centre_id.is_some() {
                    domain::eaddress::AccountKind::Institution
                } else if parsed.is_private() {
                    domain::eaddress::AccountKind::Natural
                } else {
                    domain::eaddress::AccountKind::Legal
                };
                let now = clock();
                let detail = format!(
                    "{kind:?}, institution {}, centre {}, {}",
                    institution.as_deref().unwrap_or("-"),
                    centre_id.map_or("-".to_owned(), |c| c.to_string()),
                    if inactive { "inactive" } else { "active" }
                );
                store
                    .put_account(server::store::Account {
                        address: parsed.to_string(),
                        kind,
                        name: name.trim().to_owned(),
                        institution_id: institution,
                        centre_id,
                        active: !inactive,
                        created_at: now,
                        changed_at: now,
                    })
                    .await?;
                // Who operates a mailbox decides who reads it: every (re)assignment is audited.
                server::audit::record(
                    store.as_ref(),
                    server::audit::NewAuditEntry::new(now, "operator", "mailbox_recorded", parsed.to_string(), detail),
                )
                .await?;
                println!("mailbox {parsed} ({}) is {}", name.trim(), if inactive { "inactive" } else { "active" });
            }
            Command::Eaddress(EaddressCommand::Delegate { mailbox, to, rights, until, granted_by }) => {
                let address = domain::eaddress::EAddress::parse(&mailbox)?;
                let delegate = domain::PersonalCode::parse(&to)?;
                let granter = domain::PersonalCode::parse(&granted_by)?;
                let right: domain::eaddress::Right = serde_json::from_value(serde_json::Value::String(rights.clone()))
                    .map_err(|_| anyhow::anyhow!("rights must be read, communicate or delete, not {rights:?}"))?;
                let now = clock();
                domain::eaddress::check_delegation(
                    &address,
                    &delegate,
                    right,
                    until,
                    domain::calendar::riga_date(now),
                )?;
                if store.accounts(vec![address.to_string()]).await?.is_empty() {
                    anyhow::bail!("there is no mailbox {address} (add it with `eaddress add`)");
                }
                let delegation = server::store::Delegation {
                    id: uuid::Uuid::now_v7(),
                    mailbox: address.to_string(),
                    delegate: delegate.to_string(),
                    rights: right,
                    granted_by: format!("person:{granter}"),
                    granted_at: now,
                    ends_on: until,
                    revoked_at: None,
                };
                let audit = server::audit::NewAuditEntry::new(
                    now,
                    format!("operator for person:{granter}"),
                    "delegation_granted",
                    address.to_string(),
                    format!("{delegate} {} until {until}", right.as_str()),
                );
                store.add_delegation(delegation.clone(), audit).await?;
                println!("{delegate} may {} {address} until {until} (delegation {})", right.as_str(), delegation.id);
            }
            Command::Eaddress(EaddressCommand::Represent { mailbox, person, source }) => {
                let recorded =
                    server::eaddress::record_representative(store.as_ref(), &mailbox, &person, &source, clock())
                        .await?;
                println!("{} represents {} ({})", recorded.person, recorded.mailbox, recorded.source);
            }
            Command::Eaddress(EaddressCommand::Unrepresent { mailbox, person }) => {
                if server::eaddress::end_representative(store.as_ref(), &mailbox, &person, clock()).await? {
                    println!("{person} no longer represents {mailbox}");
                } else {
                    anyhow::bail!("{person} did not represent {mailbox}");
                }
            }
            Command::Eaddress(EaddressCommand::Collect { json }) => {
                let attachments = attachments_of(&settings)?;
                let collected = server::uploads::collect(store.as_ref(), &attachments, clock()).await?;
                if json {
                    println!("{}", serde_json::to_string(&collected)?);
                } else {
                    println!("removed {} unused attachments ({} bytes)", collected.removed, collected.bytes);
                }
            }
            Command::Eaddress(EaddressCommand::List) => {
                for account in store.institution_directory().await? {
                    println!("{}\t{}", account.address, account.name);
                }
            }
            Command::Audit(AuditCommand::Verify { checkpoint }) => {
                let checkpoints = read_checkpoints(&settings, &checkpoint)?;
                match server::audit_checkpoint::verify_with(store.as_ref(), &checkpoints).await? {
                    Ok(verified) => println!(
                        "the audit log is intact: {} entries, head {}{}",
                        verified.entries,
                        hex::encode(verified.head_hash),
                        if checkpoints.is_empty() {
                            String::new()
                        } else {
                            format!(", and holds what {} signed checkpoint(s) recorded", checkpoints.len())
                        }
                    ),
                    Err(problem) => {
                        eprintln!("the audit log was tampered with: {problem}");
                        std::process::exit(1);
                    }
                }
            }
            Command::Audit(AuditCommand::Checkpoint { output }) => {
                let key = server::audit_checkpoint::AuditKey::load_or_create(&settings.audit_key_file()?)?;
                let checkpoint = server::audit_checkpoint::make(store.as_ref(), &key, clock()).await?;
                let text = serde_json::to_string_pretty(&checkpoint)?;
                match output {
                    Some(path) => {
                        files::write_atomically(&path, text.as_bytes())?;
                        println!("checkpoint at entry {} written to {}", checkpoint.seq, path.display());
                    }
                    None => println!("{text}"),
                }
            }
            Command::Audit(AuditCommand::List { limit, subject }) => {
                // Newest last; a subject's entries come by the (subject, seq) index.
                let shown = match subject {
                    Some(subject) => {
                        let mut newest = store.audit_entries_about(subject, None, limit).await?;
                        newest.reverse();
                        newest
                    }
                    None => {
                        let (head, _) = store.audit_head().await?;
                        store.audit_entries((head - i64::from(limit)).max(0), limit).await?
                    }
                };
                for entry in &shown {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        entry.seq,
                        entry.at.format("%Y-%m-%d %H:%M:%S"),
                        entry.actor,
                        entry.action,
                        entry.subject,
                        entry.detail
                    );
                }
            }
            Command::Stats(StatsCommand::Demo { centre, desk, count, months, seed }) => {
                let (device, _) =
                    devices::add_device(store.as_ref(), &centre, DeviceKind::Desk, &desk, ttl, clock()).await?;
                let applied =
                    server::cases::add_demo_cases(store.as_ref(), &device, count, months, seed, clock()).await?;
                println!("{applied} demo cases added for {:?} in {}", device.name, device.centre.name);
            }
            Command::Stats(StatsCommand::Export { format, output }) => {
                let rows = server::open_data::provision_rows(store.as_ref(), clock()).await?;
                let text = match format {
                    StatsFormat::Csv => server::open_data::to_csv(&rows),
                    StatsFormat::Json => serde_json::to_string_pretty(&server::open_data::to_json(&rows, clock()))?,
                };
                match output {
                    Some(path) => files::write_atomically(&path, text.as_bytes())?,
                    None => print!("{text}"),
                }
            }
            Command::User(UserCommand::Grant { personal_code, role, centre }) => {
                let grant = server::login::grant(store.as_ref(), &personal_code, role, &centre, clock()).await?;
                println!("{} is now {} at {}", grant.0, role, grant.1);
            }
            Command::User(UserCommand::Revoke { personal_code, role, centre }) => {
                if server::login::revoke(store.as_ref(), &personal_code, role, &centre, clock()).await? {
                    println!("{personal_code} is no longer {role} at {centre}");
                } else {
                    println!("{personal_code} was not {role} at {centre}: nothing changed");
                }
            }
            Command::User(UserCommand::List { personal_code }) => {
                for grant in store.role_grants(personal_code.as_deref()).await? {
                    println!(
                        "{}\t{}\t{}\tsince {}",
                        grant.personal_code,
                        grant.role,
                        grant.centre.name,
                        grant.granted_at.format("%Y-%m-%d")
                    );
                }
            }
            Command::User(UserCommand::Events { limit }) => {
                for event in store.auth_events(limit).await? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        event.at.format("%Y-%m-%d %H:%M:%S"),
                        event.kind,
                        event.personal_code.unwrap_or_else(|| "-".into()),
                        event.device_id.map_or_else(|| "-".into(), |d| d.to_string()),
                        event.detail
                    );
                }
            }
            Command::Centre(CentreCommand::Add { name, municipality, code }) => {
                let centre =
                    devices::add_centre(store.as_ref(), &name, &municipality, code.as_deref(), clock()).await?;
                println!(
                    "centre {:?} ({}) added with code {} and id {}",
                    centre.name, centre.municipality, centre.code, centre.id
                );
            }
            Command::Centre(CentreCommand::List) => {
                for centre in store.list_centres().await? {
                    println!("{}\t{}\t{}\t{}", centre.id, centre.code, centre.name, centre.municipality);
                }
            }
            Command::Device(DeviceCommand::Add { centre, kind, name, json }) => {
                let (device, code) = devices::add_device(store.as_ref(), &centre, kind, &name, ttl, clock()).await?;
                print_code(&device, &code, json);
            }
            Command::Device(DeviceCommand::Code { id, json }) => {
                let (device, code) = devices::renew_code(store.as_ref(), id, ttl, clock()).await?;
                print_code(&device, &code, json);
            }
            Command::Device(DeviceCommand::List) => {
                for d in store.list_devices().await? {
                    let state = match (d.revoked_at, d.enrolled_at) {
                        (Some(at), _) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                        (None, Some(_)) => "enrolled".to_owned(),
                        (None, None) if d.enrollment_expires_at <= clock() => "code expired".to_owned(),
                        (None, None) => "waiting for enrollment".to_owned(),
                    };
                    let seen = d
                        .last_seen_at
                        .map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
                    let desk = d.desk_number.map_or_else(|| "-".to_owned(), |n| format!("desk {n:02}"));
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\tlast seen {}",
                        d.id, d.kind, desk, d.name, d.centre.name, state, seen
                    );
                }
            }
            Command::Institution(InstitutionCommand::Add { id, name, central_editor }) => {
                let institution =
                    institutions::add_institution(store.as_ref(), &id, &name, central_editor, clock()).await?;
                let role = if institution.is_central_editor { " as a central editor" } else { "" };
                println!("institution {:?} ({}) added{role}", institution.name, institution.id);
            }
            Command::Institution(InstitutionCommand::List) => {
                for i in store.list_institutions().await? {
                    let role = if i.is_central_editor { "central editor" } else { "institution" };
                    println!("{}\t{}\t{role}", i.id, i.name);
                }
            }
            Command::Institution(InstitutionCommand::Key { action: None, id, expires_in_days, json }) => {
                let id =
                    id.context("name the institution: `institution key ID` (or `key list`, `key revoke KEY_ID`)")?;
                let now = clock();
                let expires_at = expires_in_days.map(|days| now + chrono::Duration::days(i64::from(days)));
                let key = institutions::issue_key_until(store.as_ref(), &id, expires_at, now).await?;
                if json {
                    println!("{}", serde_json::json!({ "institution": id, "api_key": key, "expires_at": expires_at }));
                } else {
                    let until =
                        expires_at.map_or("without expiry".to_owned(), |at| format!("valid until {}", at.to_rfc3339()));
                    println!(
                        "API key for {id}, {until} (shown only now; send it as `Authorization: ApiKey <key>`):\n{key}"
                    );
                }
            }
            Command::Institution(InstitutionCommand::Key { action: Some(KeyAction::List { id, json }), .. }) => {
                let now = clock();
                let keys = institutions::list_keys(store.as_ref(), id.as_deref()).await?;
                if json {
                    let rows: Vec<serde_json::Value> = keys
                        .iter()
                        .map(|k| {
                            serde_json::json!({
                                "key_id": k.key_id, "institution": k.institution.id, "created_at": k.created_at,
                                "expires_at": k.expires_at, "revoked_at": k.revoked_at,
                                "state": institutions::key_state(k, now),
                            })
                        })
                        .collect();
                    println!("{}", serde_json::Value::Array(rows));
                } else {
                    for k in &keys {
                        let expires = k.expires_at.map_or("-".to_owned(), |at| at.to_rfc3339());
                        println!(
                            "{}\t{}\t{}\tissued {}\texpires {expires}",
                            k.key_id,
                            k.institution.id,
                            institutions::key_state(k, now),
                            k.created_at.to_rfc3339()
                        );
                    }
                }
            }
            Command::Institution(InstitutionCommand::Key { action: Some(KeyAction::Revoke { key_id }), .. }) => {
                match institutions::revoke_key(store.as_ref(), key_id, clock()).await? {
                    Some(key) => println!(
                        "key {key_id} of {} is revoked; it is refused from its next request on",
                        key.institution.id
                    ),
                    None => bail!("there is no key {key_id}: `institution key list` shows them"),
                }
            }
            Command::Catalogue(CatalogueCommand::Import { files }) => import(store, &files, clock()).await?,
            Command::Catalogue(CatalogueCommand::Export { format, output }) => export(store, format, output).await?,
            Command::Device(DeviceCommand::Revoke { id }) => {
                let device = devices::revoke(store.as_ref(), id, clock()).await?;
                println!("device {:?} ({}) is revoked; it is refused from its next request on", device.name, device.id);
            }
        }
        Ok(())
    })
}

/// Reads every file first; any error stops the import before anything is written.
async fn import(
    store: std::sync::Arc<dyn store::Store>,
    paths: &[PathBuf],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let mut all = files::CatalogueFile::default();
    for path in paths {
        let read = files::read(path)?;
        let c = &read.catalogue;
        println!(
            "{}: {} services, {} organisations, {} articles",
            path.display(),
            c.services.len(),
            c.organisations.len(),
            c.articles.len()
        );
        for unmapped in &read.unmapped {
            println!("  not imported (no place in the catalogue model): {unmapped}");
        }
        for note in &read.notes {
            println!("  note: {note}");
        }
        all.services.extend(read.catalogue.services);
        all.organisations.extend(read.catalogue.organisations);
        all.articles.extend(read.catalogue.articles);
    }
    let catalogue = Catalogue::new(store);
    let summary =
        catalogue.import(all.services, all.organisations, all.articles, now).await.context("nothing was imported")?;
    println!(
        "imported {} services, {} organisations, {} articles; {} already up to date",
        summary.services, summary.organisations, summary.articles, summary.unchanged
    );
    Ok(())
}

async fn export(store: std::sync::Arc<dyn store::Store>, format: ExportFormat, output: Option<PathBuf>) -> Result<()> {
    let catalogue = Catalogue::new(store);
    let (services, organisations) = catalogue.live_services_and_organisations().await?;
    let bytes = match format {
        ExportFormat::Turtle | ExportFormat::JsonLd => {
            let syntax =
                if matches!(format, ExportFormat::Turtle) { rdf::RdfSyntax::Turtle } else { rdf::RdfSyntax::JsonLd };
            rdf::serialize(&cpsv::to_graph(&services, &organisations), syntax, cpsv::PREFIXES)
        }
        ExportFormat::Pietura => {
            let articles = catalogue.live_articles().await?;
            serde_json::to_vec_pretty(&files::CatalogueFile { organisations, services, articles })?
        }
    };
    match output {
        Some(path) => {
            files::write_atomically(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("exported to {}", path.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

/// Prints a device's enrollment code for the operator, or as JSON for scripts.
fn print_code(device: &server::store::Device, code: &domain::EnrollmentCode, json: bool) {
    if json {
        let out = serde_json::json!({
            "device_id": device.id,
            "enrollment_code": code.to_string(),
            "expires_at": device.enrollment_expires_at,
            "centre": device.centre,
            "desk_number": device.desk_number,
        });
        println!("{out}");
    } else {
        let desk = device.desk_number.map(|n| format!(", desk {n:02}")).unwrap_or_default();
        println!("{} {:?} in {}{desk} ({}).", device.kind, device.name, device.centre.name, device.id);
        println!(
            "Enrollment code: {code}   single use, valid until {} UTC",
            device.enrollment_expires_at.format("%Y-%m-%d %H:%M")
        );
    }
}

/// The checkpoints named (files, or folders of `*.json`), each signature checked by the
/// server's audit key when the key file is there.
fn read_checkpoints(settings: &Settings, paths: &[PathBuf]) -> Result<Vec<server::audit_checkpoint::Checkpoint>> {
    use server::audit_checkpoint as checkpoints;
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let trusted = match settings.audit_key_file() {
        Ok(path) if path.exists() => Some(checkpoints::AuditKey::load_or_create(&path)?.public_key_hex()),
        _ => {
            eprintln!("no audit key here: each checkpoint is checked against the key it names");
            None
        }
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut read = Vec::with_capacity(files.len());
    for file in files {
        let checkpoint = checkpoints::read(&file)?;
        checkpoints::check_signature(&checkpoint, trusted.as_deref())?;
        read.push(checkpoint);
    }
    Ok(read)
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
