//! `clauded config`: where files are, the effective settings, a starter file.

use super::App;
use super::output;
use crate::config::{CONFIG_TEMPLATE, Overrides};
use crate::error::{Error, Result};
use crate::secrets::{KeySource, redact};
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
                "database": c.database.to_string(),
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
            let key_source = match &key {
                None => "none",
                Some((_, KeySource::Env { file: None, .. })) => "env",
                Some((_, KeySource::Env { file: Some(_), .. })) => "dotenv",
                Some((_, KeySource::Keyring)) => "keyring",
                Some((_, KeySource::File(_))) => "file",
            };
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "api_key".into(),
                    json!(key.as_ref().map(|(k, s)| format!("{} ({s})", redact(k)))),
                );
                if let Some(sources) = obj.get_mut("sources").and_then(|s| s.as_object_mut()) {
                    sources.insert("api_key".into(), json!(key_source));
                }
            }
            if json {
                return Ok(output::print_json(&v)?);
            }
            let Some(obj) = v.as_object() else {
                return Ok(());
            };
            for (k, val) in obj {
                if k == "sources" || k == "paths" {
                    continue;
                }
                let shown = match (k.as_str(), val) {
                    ("api_key", _) => key
                        .as_ref()
                        .map(|(k, _)| redact(k))
                        .unwrap_or_else(|| "(unset)".into()),
                    (_, serde_json::Value::String(s)) => s.clone(),
                    (_, serde_json::Value::Null) => "(unset)".into(),
                    (_, other) => other.to_string(),
                };
                // a key without a source prints none, so the test of `config show` notices
                let from = obj["sources"][k.as_str()]
                    .as_str()
                    .map(|f| format!("  # {f}"))
                    .unwrap_or_default();
                output::out(format_args!("{k:<22} {shown}{}", output::dim(&from)))?;
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
