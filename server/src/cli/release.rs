//! `pietura-server release …`: the desk's and the kiosk's packages, for devices to update to.

use super::*;

#[derive(Subcommand)]
pub(crate) enum ReleaseCommand {
    /// Publish a package signed with the project's offline release key (`minisign -S -m FILE`
    /// makes FILE.minisig): the devices of its kind learn of it at their next sync, download it,
    /// check the signature against the key they were installed with, and install it at a quiet
    /// moment. Refused unless the signature matches release_public_key_file.
    Publish {
        /// The package (.deb).
        file: PathBuf,
        /// desk or kiosk.
        #[arg(long)]
        kind: DeviceKind,
        /// The release's version, e.g. 0.1.1: devices running an older one are offered it.
        #[arg(long)]
        version: String,
        /// The detached signature (default: FILE.minisig).
        #[arg(long)]
        signature: Option<PathBuf>,
    },
    /// List the published releases, newest first per kind.
    List,
}

pub(crate) async fn run(command: ReleaseCommand, cx: &CommandContext) -> Result<()> {
    match command {
        ReleaseCommand::Publish { file, kind, version, signature } => {
            let key = server::releases::read_key(cx.settings.release_public_key_file.as_deref())?;
            let content =
                std::fs::read(&file).with_context(|| format!("the package {} cannot be read", file.display()))?;
            let signature_file = signature.unwrap_or_else(|| {
                let mut name = file.clone().into_os_string();
                name.push(".minisig");
                PathBuf::from(name)
            });
            let signature = std::fs::read_to_string(&signature_file).with_context(|| {
                format!("the signature {} cannot be read (make it with minisign -S -m FILE)", signature_file.display())
            })?;
            let publication = server::releases::Publication { kind, version: &version, content, signature: &signature };
            let release =
                server::releases::publish(cx.store.as_ref(), &key, publication, "operator", (cx.clock)()).await?;
            println!(
                "published the {kind} release {} ({} bytes, sha256 {}): devices running an older one are offered it at their next sync",
                release.version, release.size, release.sha256
            );
        }
        ReleaseCommand::List => {
            for r in cx.store.list_releases().await? {
                println!(
                    "{}\t{}\t{} bytes\tsha256 {}\tpublished {}",
                    r.kind,
                    r.version,
                    r.size,
                    r.sha256,
                    r.published_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
    }
    Ok(())
}
