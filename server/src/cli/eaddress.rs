//! `pietura-server eaddress …`: mailboxes, delegations, representatives and unused attachments.

use super::*;

#[derive(Subcommand)]
pub(crate) enum EaddressCommand {
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

pub(crate) async fn run(command: EaddressCommand, cx: &CommandContext) -> Result<()> {
    let (store, settings, clock) = (&cx.store, &cx.settings, &cx.clock);
    match command {
        EaddressCommand::Add { address, name, institution, centre, inactive } => {
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
            if let Some(institution) = &institution
                && !store.list_institutions().await?.iter().any(|known| &known.id == institution)
            {
                anyhow::bail!(
                    "there is no institution {institution} on this server: add it first with `institution add {institution} --name …` (see `institution list`)"
                );
            }
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
        EaddressCommand::Delegate { mailbox, to, rights, until, granted_by } => {
            let address = domain::eaddress::EAddress::parse(&mailbox)?;
            let delegate = domain::PersonalCode::parse(&to)?;
            let granter = domain::PersonalCode::parse(&granted_by)?;
            let right: domain::eaddress::Right = serde_json::from_value(serde_json::Value::String(rights.clone()))
                .map_err(|_| anyhow::anyhow!("rights must be read, communicate or delete, not {rights:?}"))?;
            // The API's rules, for the person who asked at the counter: only who answers for
            // the mailbox (its owner, a recorded representative) may give rights on it.
            let operator = server::eaddress::Principal::Operator { for_person: granter.to_string() };
            let request =
                server::eaddress::NewDelegation { delegate: delegate.to_string(), rights: right, ends_on: until };
            let delegation =
                match server::eaddress::delegate(store.as_ref(), &operator, &address.to_string(), request, clock())
                    .await
                {
                    Ok(delegation) => delegation,
                    Err(server::eaddress::MailboxError::NotFound(_) | server::eaddress::MailboxError::NotOwner) => {
                        if store.accounts(vec![address.to_string()]).await?.is_empty() {
                            bail!("there is no mailbox {address} (add it with `eaddress add`)");
                        }
                        bail!(
                            "{granter} does not answer for {address}: only its owner or a representative recorded \
                             with `eaddress represent` may give rights on it"
                        );
                    }
                    Err(error) => return Err(error.into()),
                };
            println!("{delegate} may {} {address} until {until} (delegation {})", right.as_str(), delegation.id);
        }
        EaddressCommand::Represent { mailbox, person, source } => {
            let recorded =
                server::eaddress::record_representative(store.as_ref(), &mailbox, &person, &source, clock()).await?;
            println!("{} represents {} ({})", recorded.person, recorded.mailbox, recorded.source);
        }
        EaddressCommand::Unrepresent { mailbox, person } => {
            if server::eaddress::end_representative(store.as_ref(), &mailbox, &person, clock()).await? {
                println!("{person} no longer represents {mailbox}");
            } else {
                anyhow::bail!("{person} did not represent {mailbox}");
            }
        }
        EaddressCommand::Collect { json } => {
            let attachments = attachments_of(settings)?;
            let collected = server::uploads::collect(store.as_ref(), &attachments, clock()).await?;
            if json {
                println!("{}", serde_json::to_string(&collected)?);
            } else {
                println!("removed {} unused attachments ({} bytes)", collected.removed, collected.bytes);
            }
        }
        EaddressCommand::List => {
            for account in store.institution_directory().await? {
                println!("{}\t{}", account.address, account.name);
            }
        }
    }
    Ok(())
}
