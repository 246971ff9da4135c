//! `pietura-server device …`: devices: add, enrollment codes, list, revoke.

use super::*;

#[derive(Subcommand)]
pub(crate) enum DeviceCommand {
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

/// Prints a device's enrollment code for the operator, or as JSON for scripts.
pub(crate) fn print_code(device: &server::store::Device, code: &domain::EnrollmentCode, json: bool) {
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

pub(crate) async fn run(command: DeviceCommand, cx: &CommandContext) -> Result<()> {
    let (store, clock, ttl) = (&cx.store, &cx.clock, cx.ttl);
    match command {
        DeviceCommand::Add { centre, kind, name, json } => {
            let (device, code) = devices::add_device(store.as_ref(), &centre, kind, &name, ttl, clock()).await?;
            print_code(&device, &code, json);
        }
        DeviceCommand::Code { id, json } => {
            let (device, code) = devices::renew_code(store.as_ref(), id, ttl, clock()).await?;
            print_code(&device, &code, json);
        }
        DeviceCommand::List => {
            let versions = store.reported_versions().await?;
            let published: Vec<String> = store.list_releases().await?.into_iter().map(|r| r.version).collect();
            let newest =
                devices::fleet_newest(versions.iter().map(String::as_str), published.iter().map(String::as_str));
            for d in store.list_devices().await? {
                let state = match (d.revoked_at, d.enrolled_at) {
                    (Some(at), _) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    (None, Some(_)) => "enrolled".to_owned(),
                    (None, None) if d.enrollment_expires_at <= clock() => "code expired".to_owned(),
                    (None, None) => "waiting for enrollment".to_owned(),
                };
                let seen =
                    d.last_seen_at.map_or_else(|| "never".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
                let desk = d.desk_number.map_or_else(|| "-".to_owned(), |n| format!("desk {n:02}"));
                let version = d.reported_version.as_deref().unwrap_or("-");
                let (behind, unseen) = devices::fleet_standing(&d, newest.as_deref(), clock());
                let mut flags = String::new();
                if let Some(newest) = behind {
                    flags.push_str(&format!("\tOUT OF DATE (the fleet runs {newest})"));
                }
                if unseen {
                    flags.push_str(&format!("\tNOT SEEN FOR {} HOURS", devices::UNSEEN_AFTER_HOURS));
                }
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\tlast seen {}\tversion {}{flags}",
                    d.id, d.kind, desk, d.name, d.centre.name, state, seen, version
                );
            }
        }
        DeviceCommand::Revoke { id } => {
            let device = devices::revoke(store.as_ref(), id, clock()).await?;
            println!("device {:?} ({}) is revoked; it is refused from its next request on", device.name, device.id);
        }
    }
    Ok(())
}
