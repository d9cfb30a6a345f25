//! `clauded projects`: list, add and remove projects.

use super::App;
use super::output::{self, when};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::store::NewProject;

/// `clauded projects` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List projects.
    #[command(alias = "ls")]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a project.
    Add {
        /// Its name.
        name: String,
        /// A directory it stands for (sessions started inside it join the project).
        #[arg(short, long)]
        path: Option<std::path::PathBuf>,
        /// A description.
        #[arg(short, long, default_value = "")]
        description: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a project and its sessions.
    #[command(alias = "delete")]
    Rm {
        /// Project id, unique prefix, or name.
        id: String,
    },
}

/// Runs `clauded projects`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(&Overrides::default(), g)?;
    let store = app.store().await?;
    match cmd {
        Command::List { json } => {
            let list = store.projects().await?;
            if json {
                return Ok(output::print_json(&list)?);
            }
            if list.is_empty() {
                output::note(
                    quiet,
                    "no projects yet: add one with `clauded projects add NAME --path DIR`",
                );
                return Ok(());
            }
            let ids: Vec<String> = list.iter().map(|p| p.id.clone()).collect();
            let len = output::unique_len(ids.iter().map(String::as_str), &ids);
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|p| {
                    vec![
                        output::prefix(&p.id, len).to_owned(),
                        p.name.clone(),
                        p.session_count.to_string(),
                        when(&p.created_at),
                        p.path.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            Ok(output::print_table(
                &["ID", "NAME", "SESSIONS", "CREATED", "PATH"],
                &rows,
            )?)
        }
        Command::Add {
            name,
            path,
            description,
            json,
        } => {
            if name.trim().is_empty() {
                return Err(Error::Usage("a project needs a name".into()));
            }
            let path = match path {
                Some(p) => Some(
                    std::fs::canonicalize(&p)
                        .map_err(|e| {
                            Error::Usage(format!(
                                "cannot use {} as the project path: {e}",
                                p.display()
                            ))
                        })?
                        .to_string_lossy()
                        .into_owned(),
                ),
                None => None,
            };
            let p = store
                .create_project(&NewProject {
                    id: None,
                    name,
                    description,
                    path,
                })
                .await?;
            if json {
                return Ok(output::print_json(&p)?);
            }
            output::out(&p.id)?;
            output::note(quiet, &format!("added project {}", p.name));
            Ok(())
        }
        Command::Rm { id } => {
            let p = store.resolve_project(&id).await?;
            let pid = p.id.clone();
            store.delete_project(&pid).await?;
            output::note(
                quiet,
                &format!(
                    "removed project {} and its {} sessions",
                    p.name, p.session_count
                ),
            );
            Ok(())
        }
    }
}
