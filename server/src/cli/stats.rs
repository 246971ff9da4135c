//! `pietura-server stats …`: case statistics: demo history and exports.

use super::*;

#[derive(Subcommand)]
pub(crate) enum StatsCommand {
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
pub(crate) enum StatsFormat {
    Csv,
    Json,
}

pub(crate) async fn run(command: StatsCommand, cx: &CommandContext) -> Result<()> {
    let (store, clock, ttl) = (&cx.store, &cx.clock, cx.ttl);
    match command {
        StatsCommand::Demo { centre, desk, count, months, seed } => {
            let (device, _) =
                devices::add_device(store.as_ref(), &centre, DeviceKind::Desk, &desk, ttl, clock()).await?;
            let applied = server::cases::add_demo_cases(store.as_ref(), &device, count, months, seed, clock()).await?;
            println!("{applied} demo cases added for {:?} in {}", device.name, device.centre.name);
        }
        StatsCommand::Export { format, output } => {
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
    }
    Ok(())
}
