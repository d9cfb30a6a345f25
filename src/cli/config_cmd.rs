//! `clauded config`: where files are, the effective settings, a starter file.

use super::App;
use super::output;
use crate::config::{CONFIG_TEMPLATE, Overrides};
use crate::error::{Error, Result};
use crate::secrets::redact;
use serde_json::json;

/// `clauded config` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the paths of every file clauded reads or writes.
    Path {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the effective configuration and where each value came from (secrets redacted).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a commented config file.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `clauded config`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let app = App::load(&Overrides::default(), g)?;
    let c = &app.config;
    let p = &c.paths;
    match cmd {
        Command::Path { json } => {
            let v = json!({
                "config_file": p.config_file(),
                "credentials_file": p.credentials_file(),
                "database": c.database,
                "history_file": p.history_file(),
                "config_dir": p.config_dir,
                "data_dir": p.data_dir,
                "state_dir": p.state_dir,
                "workspace_dir": c.workspace_dir,
            });
            if json {
                return Ok(output::print_json(&v)?);
            }
            if let Some(obj) = v.as_object() {
                for (k, val) in obj {
                    output::out(format_args!("{k:<17} {}", val.as_str().unwrap_or_default()))?;
                }
            }
            Ok(())
        }
        Command::Show { json } => {
            let key = crate::secrets::anthropic_key(&app.env, &app.secrets())
                .ok()
                .flatten();
            let mut v = serde_json::to_value(c).map_err(|e| Error::Other(e.to_string()))?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "api_key".into(),
                    json!(key.as_ref().map(|(k, s)| format!("{} ({s})", redact(k)))),
                );
            }
            if json {
                return Ok(output::print_json(&v)?);
            }
            let sources = &c.sources;
            if let Some(obj) = v.as_object() {
                for (k, val) in obj {
                    if k == "sources" || k == "paths" {
                        continue;
                    }
                    let shown = match val {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => "(unset)".into(),
                        other => other.to_string(),
                    };
                    let from = sources
                        .get(k.as_str())
                        .map(|s| {
                            format!(
                                "  # {}",
                                serde_json::to_value(s)
                                    .ok()
                                    .and_then(|v| v.as_str().map(str::to_owned))
                                    .unwrap_or_default()
                            )
                        })
                        .unwrap_or_default();
                    output::out(format_args!("{k:<22} {shown}{}", output::dim(&from)))?;
                }
            }
            Ok(())
        }
        Command::Init { force } => {
            let path = p.config_file();
            if path.exists() && !force {
                return Err(Error::Usage(format!(
                    "{} exists; use --force to overwrite it",
                    path.display()
                )));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, CONFIG_TEMPLATE)?;
            output::out(path.display())?;
            Ok(())
        }
    }
}
