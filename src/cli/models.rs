//! `clauded models`: the models the API offers (or the built-in list when it cannot be asked).

use super::App;
use super::output;
use crate::anthropic::Client;
use crate::config::Overrides;
use crate::engine::{ModelListSource, list_models};
use crate::error::Result;
use std::time::Duration;

/// `clauded models` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ask the API again instead of using the cached list.
    #[arg(long)]
    pub refresh: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `clauded models`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(&Overrides::default(), g)?;
    let store = app.store().await?;
    let client: Option<Client> = app.client().ok();
    let list = list_models(
        client.as_ref(),
        &store,
        Duration::from_secs(app.config.models_cache_secs),
        args.refresh,
    )
    .await;
    if args.json {
        return Ok(output::print_json(&list)?);
    }
    let rows: Vec<Vec<String>> = list
        .models
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.display_name.clone(),
                m.created_at.get(..10).unwrap_or("").to_owned(),
            ]
        })
        .collect();
    output::print_table(&["ID", "NAME", "RELEASED"], &rows)?;
    if list.source == ModelListSource::Builtin {
        output::note(
            quiet,
            &format!(
                "built-in list: the API could not be asked ({}); any model id is passed through as given",
                list.note.as_deref().unwrap_or("unknown reason")
            ),
        );
    }
    Ok(())
}
