//! `clauded usage`: tokens and cost per UTC day, model and source, from the store the server
//! writes: the acting account's (`--user`), or with `--all` every account's.

use super::App;
use super::output;
use crate::config::Overrides;
use crate::engine::usage::{self, Window};
use crate::error::{Error, Result};

/// `clauded usage` flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The last N UTC days, today included (default 30).
    #[arg(long, value_name = "N")]
    days: Option<String>,
    /// From this UTC day on (YYYY-MM-DD).
    #[arg(long, value_name = "DAY", conflicts_with = "days")]
    since: Option<String>,
    /// Every account's usage, each row with its account.
    #[arg(long)]
    all: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `clauded usage`.
pub async fn run(a: Args, g: &super::Globals) -> Result<()> {
    let window = Window::parse(a.days.as_deref(), a.since.as_deref()).map_err(Error::Usage)?;
    let app = App::load(&Overrides::default(), g)?;
    let store = if a.all {
        app.unscoped_store().await?
    } else {
        app.store().await?
    };
    let report = usage::report(&store, &window).await?;
    if a.json {
        return Ok(output::print_json(&report)?);
    }
    if report.data.is_empty() {
        output::note(g.quiet, &format!("no usage since {}", report.since));
        return Ok(());
    }
    let mut header = vec![
        "DAY", "MODEL", "SOURCE", "REQUESTS", "ERRORS", "INPUT", "OUTPUT",
    ];
    if a.all {
        header.insert(1, "ACCOUNT");
    }
    header.push("COST");
    let rows: Vec<Vec<String>> = report
        .data
        .iter()
        .map(|r| {
            let d = &r.day;
            let mut row = vec![
                d.day.clone(),
                if d.model.is_empty() {
                    "-".into()
                } else {
                    d.model.clone()
                },
                d.source.clone(),
                d.requests.to_string(),
                d.errors.to_string(),
                d.input_tokens.to_string(),
                d.output_tokens.to_string(),
                output::money(d.cost_usd),
            ];
            if a.all {
                row.insert(1, r.email.clone().unwrap_or_else(|| d.owner.clone()));
            }
            row
        })
        .collect();
    output::print_table(&header, &rows)?;
    let t = &report.total;
    output::note(
        g.quiet,
        &format!(
            "since {}: {} ({} failed), {} in · {} out · {}",
            report.since,
            output::count(t.requests as usize, "request", "requests"),
            t.errors,
            t.input_tokens,
            t.output_tokens,
            output::money(t.cost_usd)
        ),
    );
    Ok(())
}
