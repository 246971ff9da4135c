//! `pietura-server catalogue …`: catalogue import and export (CPSV-AP, Pietura JSON).

use super::*;

#[derive(Subcommand)]
pub(crate) enum CatalogueCommand {
    /// Import files (CPSV-AP Turtle/JSON-LD, .pietura.json, or .form.json e-forms) in one
    /// transaction: all or nothing.
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
pub(crate) enum ExportFormat {
    Turtle,
    JsonLd,
    Pietura,
}

/// Reads every file first; any error stops the import before anything is written.
pub(crate) async fn import(
    store: std::sync::Arc<dyn store::Store>,
    paths: &[PathBuf],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let mut all = files::CatalogueFile::default();
    for path in paths {
        let read = files::read(path)?;
        let c = &read.catalogue;
        println!(
            "{}: {} services, {} organisations, {} articles, {} forms, {} scenarios",
            path.display(),
            c.services.len(),
            c.organisations.len(),
            c.articles.len(),
            c.forms.len(),
            c.scenarios.len()
        );
        for unmapped in &read.unmapped {
            println!("  no place in the catalogue model: {unmapped}");
        }
        for note in &read.notes {
            println!("  note: {note}");
        }
        all.services.extend(read.catalogue.services);
        all.organisations.extend(read.catalogue.organisations);
        all.articles.extend(read.catalogue.articles);
        all.forms.extend(read.catalogue.forms);
        all.scenarios.extend(read.catalogue.scenarios);
    }
    let catalogue = Catalogue::new(store);
    let summary = catalogue.import(all, now).await.context("nothing was imported")?;
    println!(
        "imported {} services, {} organisations, {} articles, {} forms, {} scenarios; {} already up to date",
        summary.services, summary.organisations, summary.articles, summary.forms, summary.scenarios, summary.unchanged
    );
    Ok(())
}

pub(crate) async fn export(
    store: std::sync::Arc<dyn store::Store>,
    format: ExportFormat,
    output: Option<PathBuf>,
) -> Result<()> {
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
            let forms = catalogue.live_forms().await?;
            let scenarios = catalogue.live_scenarios().await?;
            serde_json::to_vec_pretty(&files::CatalogueFile { organisations, services, articles, forms, scenarios })?
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

pub(crate) async fn run(command: CatalogueCommand, cx: &CommandContext) -> Result<()> {
    let (store, clock) = (&cx.store, &cx.clock);
    match command {
        CatalogueCommand::Import { files } => import(store.clone(), &files, clock()).await?,
        CatalogueCommand::Export { format, output } => export(store.clone(), format, output).await?,
    }
    Ok(())
}
