//! `clauded auth`: store, inspect and remove the Anthropic API key (and the GitHub and push
//! notice tokens).

use super::App;
use super::output;
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::secrets::{ANTHROPIC_KEY, Backend, KeySource, redact};
use serde_json::json;
use std::io::{BufRead, IsTerminal};

/// `clauded auth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Store a key (prompted without echo, or one line read from piped stdin).
    Login,
    /// Say which key is in use and where it comes from (redacted).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove the stored key.
    Logout,
    /// Store a GitHub token for cloning, pushing and pull requests (`--remove` deletes it).
    Github {
        /// Remove the stored token.
        #[arg(long)]
        remove: bool,
    },
    /// Store the bearer token sent with push notices to notify_url (`--remove` deletes it).
    Notify {
        /// Remove the stored token.
        #[arg(long)]
        remove: bool,
    },
}

/// Runs `clauded auth`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(&Overrides::default(), g)?;
    let secrets = app.secrets();
    match cmd {
        Command::Login => {
            let key = read_secret().await?;
            check_key(&app, &key, quiet).await?;
            save(&secrets, ANTHROPIC_KEY, "key", &key, quiet)?;
            if app
                .env
                .get("ANTHROPIC_API_KEY")
                .is_some_and(|v| !v.is_empty())
            {
                eprintln!(
                    "note: ANTHROPIC_API_KEY is set and takes precedence over the stored key"
                );
            }
            Ok(())
        }
        Command::Status { json } => {
            let found = crate::secrets::anthropic_key(&app.env, &secrets)?;
            let store = secrets.backend();
            let backend = match &store {
                Backend::Keyring => "keyring".to_owned(),
                Backend::File { .. } => "file".to_owned(),
            };
            if json {
                return Ok(output::print_json(&json!({
                    "logged_in": found.is_some(),
                    "source": found.as_ref().map(|(_, s)| s.to_string()),
                    "key": found.as_ref().map(|(k, _)| redact(k)),
                    "store": backend,
                    "credentials_file": secrets.file(),
                }))?);
            }
            match &found {
                Some((key, source)) => {
                    output::out(format_args!("API key {} from the {source}", redact(key)))?
                }
                None => {
                    output::out("no API key: set ANTHROPIC_API_KEY or run `clauded auth login`")?
                }
            }
            if let Backend::File { reason } = &store
                && !matches!(found, Some((_, KeySource::Env { .. })))
            {
                output::note(
                    quiet,
                    &format!(
                        "secrets are kept in {} ({reason})",
                        secrets.file().display()
                    ),
                );
            }
            if found.is_none() {
                return Err(Error::MissingKey).or_else(|e| {
                    // the message is already printed; only the exit code remains
                    std::process::exit(e.exit_code().into())
                });
            }
            Ok(())
        }
        Command::Github { remove } => {
            store_token(
                &secrets,
                crate::secrets::GITHUB_TOKEN,
                "GitHub token",
                remove,
                quiet,
            )
            .await
        }
        Command::Notify { remove } => {
            store_token(
                &secrets,
                crate::secrets::NOTIFY_TOKEN,
                "push notice token",
                remove,
                quiet,
            )
            .await
        }
        Command::Logout => {
            if secrets.delete(ANTHROPIC_KEY)? {
                output::note(quiet, "removed the stored API key");
            } else {
                output::note(quiet, "no stored API key to remove");
            }
            if app
                .env
                .get("ANTHROPIC_API_KEY")
                .is_some_and(|v| !v.is_empty())
            {
                eprintln!("note: ANTHROPIC_API_KEY is still set in the environment");
            }
            Ok(())
        }
    }
}

/// Stores a token read like a key (hidden prompt, or a line of piped stdin), or removes it.
async fn store_token(
    secrets: &crate::secrets::Secrets,
    name: &'static str,
    what: &str,
    remove: bool,
    quiet: bool,
) -> Result<()> {
    if remove {
        let gone = secrets.delete(name)?;
        output::note(
            quiet,
            &if gone {
                format!("removed the stored {what}")
            } else {
                format!("no stored {what} to remove")
            },
        );
        return Ok(());
    }
    let token = read_secret().await?;
    save(secrets, name, what, &token, quiet)
}

/// A key or token read off the runtime (a hidden prompt, or a line of piped stdin).
async fn read_secret() -> Result<String> {
    tokio::task::spawn_blocking(read_key)
        .await
        .map_err(|e| Error::Other(e.to_string()))?
}

/// Stores a secret and says where it went (redacted), with the keyring's warning if any.
fn save(
    secrets: &crate::secrets::Secrets,
    name: &str,
    what: &str,
    value: &str,
    quiet: bool,
) -> Result<()> {
    let place = secrets.set(name, value)?;
    if let Some(w) = secrets.fallback_warning() {
        eprintln!("{w}");
    }
    output::note(
        quiet,
        &format!("stored {what} {} in the {place}", redact(value)),
    );
    Ok(())
}

/// Asks the API whether `key` works (one `GET /v1/models`). A refused key is an error and is
/// not stored; when the API cannot say (unreachable, a proxy without the route, busy), the key
/// is stored anyway with a warning.
async fn check_key(app: &App, key: &str, quiet: bool) -> Result<()> {
    let client = crate::anthropic::Client::new(app.config.client_config(key.to_owned()))?;
    let spinner = output::spinner(quiet, "checking the key with the API…");
    let checked =
        tokio::time::timeout(std::time::Duration::from_secs(15), client.check_key()).await;
    spinner.finish_and_clear();
    let err = match checked {
        Ok(Ok(())) => {
            output::note(quiet, "the key works (GET /v1/models answered)");
            return Ok(());
        }
        Ok(Err(e)) => e,
        Err(_) => {
            eprintln!("warning: the API did not answer within 15 s; storing the key unchecked");
            return Ok(());
        }
    };
    match err.api() {
        Some(a) if a.status == Some(401) => {
            eprintln!("the API refused this key; nothing was stored");
            Err(Error::Upstream(err))
        }
        Some(a) if a.status == Some(403) => {
            eprintln!(
                "warning: the key is known but may not list models ({}); storing it",
                a.kind
            );
            Ok(())
        }
        _ => {
            eprintln!("warning: could not check the key ({err}); storing it unchecked");
            Ok(())
        }
    }
}

fn read_key() -> Result<String> {
    let key = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Anthropic API key (input hidden): ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    let key = key.trim().to_owned();
    if key.is_empty() {
        return Err(Error::Usage("no key given".into()));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(
            "a key cannot contain spaces or control characters".into(),
        ));
    }
    Ok(key)
}
