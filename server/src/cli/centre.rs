//! `pietura-server centre …`: centres.

use super::*;

#[derive(Subcommand)]
pub(crate) enum CentreCommand {
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

pub(crate) async fn run(command: CentreCommand, cx: &CommandContext) -> Result<()> {
    let (store, clock) = (&cx.store, &cx.clock);
    match command {
        CentreCommand::Add { name, municipality, code } => {
            let centre = devices::add_centre(store.as_ref(), &name, &municipality, code.as_deref(), clock()).await?;
            println!(
                "centre {:?} ({}) added with code {} and id {}",
                centre.name, centre.municipality, centre.code, centre.id
            );
        }
        CentreCommand::List => {
            for centre in store.list_centres().await? {
                println!("{}\t{}\t{}\t{}", centre.id, centre.code, centre.name, centre.municipality);
            }
        }
    }
    Ok(())
}
