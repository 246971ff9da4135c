//! `pietura-server user …`: staff roles and the log of logins.

use super::*;

#[derive(Subcommand)]
pub(crate) enum UserCommand {
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

pub(crate) async fn run(command: UserCommand, cx: &CommandContext) -> Result<()> {
    let (store, clock) = (&cx.store, &cx.clock);
    match command {
        UserCommand::Grant { personal_code, role, centre } => {
            let grant = server::login::grant(store.as_ref(), &personal_code, role, &centre, clock()).await?;
            println!("{} is now {} at {}", grant.0, role, grant.1);
        }
        UserCommand::Revoke { personal_code, role, centre } => {
            if server::login::revoke(store.as_ref(), &personal_code, role, &centre, clock()).await? {
                println!("{personal_code} is no longer {role} at {centre}");
            } else {
                println!("{personal_code} was not {role} at {centre}: nothing changed");
            }
        }
        UserCommand::List { personal_code } => {
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
        UserCommand::Events { limit } => {
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
    }
    Ok(())
}
