//! `clauded users`: the server's accounts and their API keys, for the person who runs it. Works
//! on the whole store (every owner's rows), through the engine's accounts.

use super::App;
use super::output::{self, when};
use crate::config::Overrides;
use crate::engine::accounts::{AccountError, Accounts, AdminPatch, Clock, normal_email};
use crate::error::{Error, Result};
use crate::store::{LOCAL_OWNER, User};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

/// `clauded users` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add an account; the password is prompted for, or read as one line of piped stdin. The
    /// first account is an admin and takes the local sessions and projects.
    Add {
        /// Its email (trimmed and lowercased).
        email: String,
        /// Make it an admin.
        #[arg(long)]
        admin: bool,
        /// A name to show.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// List the accounts.
    #[command(alias = "ls")]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete an account with its sessions, projects, logins and keys.
    #[command(alias = "delete")]
    Rm {
        /// The account's email.
        email: String,
        /// Do not ask (needed when stdin is not a terminal).
        #[arg(short, long)]
        yes: bool,
    },
    /// Set an account's password (prompted for, or one line of piped stdin).
    Passwd {
        /// The account's email.
        email: String,
    },
    /// Make an account an admin, or with --off no longer one (never the last admin).
    Admin {
        /// The account's email.
        email: String,
        /// Take the admin right away.
        #[arg(long)]
        off: bool,
    },
    /// An account's API keys (`ck_…`, for programs and the iOS app).
    #[command(subcommand)]
    Key(KeyCommand),
}

/// `clauded users key` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Make a key and print it, once, alone on stdout.
    Create {
        /// The account's email.
        email: String,
        /// What the key is for.
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// List an account's keys (never the keys themselves).
    #[command(alias = "ls")]
    List {
        /// The account's email.
        email: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete one of an account's keys.
    #[command(alias = "delete")]
    Rm {
        /// The account's email.
        email: String,
        /// The key's id (`users key list` shows it).
        id: String,
    },
}

/// Runs `clauded users`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(&Overrides::default(), g)?;
    let store = app.unscoped_store().await?;
    let accounts = Accounts::new(
        &store,
        app.secret_box()?,
        Clock::system(),
        app.account_settings(),
    );
    match cmd {
        Command::Add { email, admin, name } => {
            let email = normal_email(&email)?;
            if accounts.user_by_email(&email).await.is_ok() {
                return Err(AccountError::EmailInUse.into());
            }
            let first = !accounts.any().await?;
            // counted before: the first account takes them in the same transaction
            let local = if first {
                store.scoped(LOCAL_OWNER).session_ids().await?.len()
            } else {
                0
            };
            let password = read_password(&format!("password for {email}")).await?;
            let u = accounts
                .add_user(&email, &password, name.as_deref(), admin)
                .await?;
            output::out(&u.id)?;
            let what = if u.is_admin { "an admin" } else { "a user" };
            output::note(quiet, &format!("added {} ({what})", u.email));
            if first {
                output::note(
                    quiet,
                    &format!(
                        "first account: an admin; the local rows are theirs now ({})",
                        output::count(local, "session", "sessions")
                    ),
                );
            }
            Ok(())
        }
        Command::List { json } => {
            let users = accounts.users().await?;
            if json {
                let list: Vec<_> = users
                    .iter()
                    .map(|u| {
                        json!({
                            "id": u.id,
                            "email": u.email,
                            "display_name": u.display_name,
                            "is_admin": u.is_admin,
                            "created_at": u.created_at,
                        })
                    })
                    .collect();
                return Ok(output::print_json(&list)?);
            }
            if users.is_empty() {
                output::note(
                    quiet,
                    "no accounts: local mode (add one with `clauded users add EMAIL`)",
                );
                return Ok(());
            }
            let rows: Vec<Vec<String>> = users
                .iter()
                .map(|u| {
                    vec![
                        u.email.clone(),
                        u.id.clone(),
                        if u.is_admin { "yes" } else { "no" }.into(),
                        when(&u.created_at),
                        u.display_name.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            Ok(output::print_table(
                &["EMAIL", "ID", "ADMIN", "CREATED", "NAME"],
                &rows,
            )?)
        }
        Command::Rm { email, yes } => {
            let u = accounts.user_by_email(&email).await?;
            let others = accounts.users().await?;
            if u.is_admin && others.len() > 1 && admins(&others) == 1 {
                return Err(Error::Usage(format!(
                    "{} is the last admin: make another one first (`clauded users admin EMAIL`)",
                    u.email
                )));
            }
            let sessions = store.scoped(&u.id).session_ids().await?.len();
            let what = format!(
                "{} and {}",
                u.email,
                output::count(sessions, "session", "sessions")
            );
            if !yes && !confirm(&format!("delete {what}?")).await? {
                return Err(Error::Usage(format!(
                    "{} not deleted: pass --yes to delete it without asking",
                    u.email
                )));
            }
            accounts.delete_user(None, &u.id).await?;
            output::note(quiet, &format!("deleted {what}"));
            Ok(())
        }
        Command::Passwd { email } => {
            let u = accounts.user_by_email(&email).await?;
            let password = read_password(&format!("new password for {}", u.email)).await?;
            let patch = AdminPatch {
                password: Some(password),
                ..Default::default()
            };
            accounts.patch_user(None, &u.id, patch).await?;
            output::note(quiet, &format!("changed the password of {}", u.email));
            Ok(())
        }
        Command::Admin { email, off } => {
            let u = accounts.user_by_email(&email).await?;
            if off && u.is_admin && admins(&accounts.users().await?) == 1 {
                return Err(Error::Usage(format!(
                    "{} is the last admin: make another one first",
                    u.email
                )));
            }
            let patch = AdminPatch {
                is_admin: Some(!off),
                ..Default::default()
            };
            let u = accounts.patch_user(None, &u.id, patch).await?;
            let now = if u.is_admin {
                "an admin"
            } else {
                "not an admin"
            };
            output::note(quiet, &format!("{} is {now}", u.email));
            Ok(())
        }
        Command::Key(k) => key(k, &accounts, quiet).await,
    }
}

async fn key(cmd: KeyCommand, accounts: &Accounts, quiet: bool) -> Result<()> {
    match cmd {
        KeyCommand::Create { email, name } => {
            let u = accounts.user_by_email(&email).await?;
            let (key, listed) = accounts.create_key(&u.id, &name).await?;
            output::out(&key)?;
            output::note(
                quiet,
                &format!(
                    "API key {} ({}) for {}: shown this once; send it as `Authorization: Bearer`",
                    listed.id, listed.name, u.email
                ),
            );
            Ok(())
        }
        KeyCommand::List { email, json } => {
            let u = accounts.user_by_email(&email).await?;
            let keys = accounts.keys(&u.id).await?;
            if json {
                let list: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({
                            "id": k.id,
                            "name": k.name,
                            "prefix": k.prefix,
                            "created_at": k.created_at,
                            "last_used_at": k.last_used_at,
                        })
                    })
                    .collect();
                return Ok(output::print_json(&list)?);
            }
            if keys.is_empty() {
                output::note(
                    quiet,
                    &format!(
                        "{} has no API keys (make one with `clauded users key create {} --name NAME`)",
                        u.email, u.email
                    ),
                );
                return Ok(());
            }
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    vec![
                        k.id.clone(),
                        format!("{}…", k.prefix),
                        when(&k.created_at),
                        k.last_used_at.as_deref().map(when).unwrap_or_default(),
                        k.name.clone(),
                    ]
                })
                .collect();
            Ok(output::print_table(
                &["ID", "PREFIX", "CREATED", "LAST USED", "NAME"],
                &rows,
            )?)
        }
        KeyCommand::Rm { email, id } => {
            let u = accounts.user_by_email(&email).await?;
            accounts.delete_key(&u.id, &id).await?;
            output::note(quiet, &format!("deleted API key {id} of {}", u.email));
            Ok(())
        }
    }
}

fn admins(users: &[User]) -> usize {
    users.iter().filter(|u| u.is_admin).count()
}

/// A password: one line of piped stdin, or typed twice without echo on a terminal.
async fn read_password(what: &str) -> Result<String> {
    let what = what.to_owned();
    tokio::task::spawn_blocking(move || {
        if !std::io::stdin().is_terminal() {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let line = line.strip_suffix('\n').unwrap_or(&line);
            return Ok(line.strip_suffix('\r').unwrap_or(line).to_owned());
        }
        let first = rpassword::prompt_password(format!("{what} (input hidden): "))?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            return Err(Error::Usage("the two passwords differ".into()));
        }
        Ok(first)
    })
    .await
    .map_err(|e| Error::Other(e.to_string()))?
}

/// Asks y/N on the terminal; without one, no.
async fn confirm(question: &str) -> Result<bool> {
    let question = question.to_owned();
    tokio::task::spawn_blocking(move || {
        if !std::io::stdin().is_terminal() {
            return Ok(false);
        }
        eprint!("{question} [y/N] ");
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(matches!(
            line.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    })
    .await
    .map_err(|e| Error::Other(e.to_string()))?
}
