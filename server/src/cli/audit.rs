//! `pietura-server audit …`: the audit log: verify it, sign checkpoints, read it.

use super::*;

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
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

/// The checkpoints named (files, or folders of `*.json`), each signature checked by the
/// server's audit key when the key file is there.
pub(crate) fn read_checkpoints(
    settings: &Settings,
    paths: &[PathBuf],
) -> Result<Vec<server::audit_checkpoint::Checkpoint>> {
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

pub(crate) async fn run(command: AuditCommand, cx: &CommandContext) -> Result<()> {
    let (store, settings, clock) = (&cx.store, &cx.settings, &cx.clock);
    match command {
        AuditCommand::Verify { checkpoint } => {
            let checkpoints = read_checkpoints(settings, &checkpoint)?;
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
        AuditCommand::Checkpoint { output } => {
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
        AuditCommand::List { limit, subject } => {
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
    }
    Ok(())
}
