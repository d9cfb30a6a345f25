//! `clauded serve`: the local API server.

use crate::config::Overrides;
use crate::error::{Error, Result};

/// `clauded serve` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind.
    #[arg(long)]
    pub host: Option<String>,
    /// Port to bind.
    #[arg(long)]
    pub port: Option<u16>,
    /// Database path or sqlite:// URL.
    #[arg(long)]
    pub db: Option<String>,
}

/// Runs `clauded serve`.
pub async fn run(args: Args, quiet: bool) -> Result<()> {
    let app = super::App::load(
        &Overrides {
            host: args.host,
            port: args.port,
            database: args.db,
            ..Default::default()
        },
        quiet,
    )?;
    Err(Error::Other(format!(
        "the server is not built yet (it would listen on {}:{} with {})",
        app.config.host,
        app.config.port,
        app.config.database.display()
    )))
}
