//! `pietura-server institution …`: institutions and their API keys.

use super::*;

#[derive(Subcommand)]
pub(crate) enum InstitutionCommand {
    /// Register an institution by its organisation IRI.
    Add {
        /// The organisation's IRI, as its services name it as competent authority.
        id: String,
        #[arg(long)]
        name: String,
        /// A central editor may change every institution's records.
        #[arg(long)]
        central_editor: bool,
        /// The code its own channels' case numbers start with (2–4 capital letters or digits).
        #[arg(long)]
        case_code: Option<String>,
    },
    /// Give an institution the code its own channels' case numbers start with (`VSAA` in
    /// `VSAA-02-26-0042`): `institution case-code ID CODE`.
    CaseCode { id: String, code: String },
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
pub(crate) enum KeyAction {
    /// List the keys (of one institution, or all) with their state; never the keys themselves.
    List {
        id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its id (the part before the dot): refused from the next request on.
    Revoke { key_id: uuid::Uuid },
}

pub(crate) async fn run(command: InstitutionCommand, cx: &CommandContext) -> Result<()> {
    let (store, clock) = (&cx.store, &cx.clock);
    match command {
        InstitutionCommand::Add { id, name, central_editor, case_code } => {
            let institution =
                institutions::add_institution(store.as_ref(), &id, &name, central_editor, clock()).await?;
            let role = if institution.is_central_editor { " as a central editor" } else { "" };
            println!("institution {:?} ({}) added{role}", institution.name, institution.id);
            if let Some(code) = case_code {
                let code = institutions::set_case_code(store.as_ref(), &institution.id, &code).await?;
                println!("its own channels' case numbers start with {code}");
            }
        }
        InstitutionCommand::CaseCode { id, code } => {
            let code = institutions::set_case_code(store.as_ref(), &id, &code).await?;
            println!("the case numbers of {id}'s own channels start with {code}");
        }
        InstitutionCommand::List => {
            for i in store.list_institutions().await? {
                let role = if i.is_central_editor { "central editor" } else { "institution" };
                println!("{}\t{}\t{role}", i.id, i.name);
            }
        }
        InstitutionCommand::Key { action: None, id, expires_in_days, json } => {
            let id = id.context("name the institution: `institution key ID` (or `key list`, `key revoke KEY_ID`)")?;
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
        InstitutionCommand::Key { action: Some(KeyAction::List { id, json }), .. } => {
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
        InstitutionCommand::Key { action: Some(KeyAction::Revoke { key_id }), .. } => {
            match institutions::revoke_key(store.as_ref(), key_id, clock()).await? {
                Some(key) => println!(
                    "key {key_id} of {} is revoked; it is refused from its next request on",
                    key.institution.id
                ),
                None => bail!("there is no key {key_id}: `institution key list` shows them"),
            }
        }
    }
    Ok(())
}
