//! `clauded db`: the store's schema (`status`, `migrate`) and moving a store from one engine
//! to another (`copy`).

use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::store::{self, Database, SchemaVersion, Store};
use serde::Serialize;

/// `clauded db` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show the store's engine, where it is, and which migrations it has.
    Status {
        /// The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL).
        #[arg(long)]
        db: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Apply the migrations this build brings (what `serve` does at start unless
    /// --no-migrate); several instances may run it at once.
    Migrate {
        /// The store (a path, sqlite:// or postgres:// URL; default DATABASE_URL).
        #[arg(long)]
        db: Option<String>,
    },
    /// Copy every row of one store into another (SQLite to PostgreSQL or back), ids intact.
    Copy {
        /// The store to read.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The store to write; must be empty unless --force.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Replace whatever the target holds.
        #[arg(long)]
        force: bool,
    },
}

/// What `db status` reports.
#[derive(Debug, Serialize)]
struct Status {
    engine: &'static str,
    database: String,
    exists: bool,
    schema: Option<SchemaVersion>,
    migrations: Vec<Migration>,
}

#[derive(Debug, Serialize)]
struct Migration {
    version: usize,
    name: &'static str,
    applied: bool,
}

/// Runs `clauded db`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    match cmd {
        Command::Status { db, json } => {
            let db = location(db, g)?;
            let (exists, schema) = schema_of(&db).await?;
            let status = Status {
                engine: db.engine(),
                database: db.to_string(),
                exists,
                schema,
                migrations: store::migration_names()
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| Migration {
                        version: i + 1,
                        name,
                        applied: schema.is_some_and(|s| s.found > i as i64),
                    })
                    .collect(),
            };
            if json {
                return Ok(super::output::print_json(&status)?);
            }
            super::output::out(format!("{} {}", status.engine, status.database))?;
            match schema {
                None => super::output::out("not created yet: made on first use")?,
                Some(s) => super::output::out(format!(
                    "schema version {} of {}{}",
                    s.found,
                    s.known,
                    if s.found > s.known {
                        " (newer than this clauded: upgrade it)"
                    } else if s.found < s.known {
                        " (run `clauded db migrate`)"
                    } else {
                        ""
                    }
                ))?,
            }
            for m in &status.migrations {
                super::output::out(format!(
                    "  {} {}",
                    if m.applied { "applied" } else { "pending" },
                    m.name
                ))?;
            }
            Ok(())
        }
        Command::Migrate { db } => {
            let db = location(db, g)?;
            let before = schema_of(&db).await?.1.map_or(0, |s| s.found);
            let store = Store::connect(&db, true).await?;
            let after = store.schema_version().await?;
            let quiet = g.quiet;
            if before == after.found {
                super::output::note(
                    quiet,
                    &format!("{db}: schema version {} is current", after.found),
                );
            } else {
                super::output::note(
                    quiet,
                    &format!("{db}: schema version {before} → {}", after.found),
                );
            }
            Ok(())
        }
        Command::Copy { from, to, force } => {
            let (from, to) = (Database::parse(&from)?, Database::parse(&to)?);
            if from == to {
                return Err(Error::Usage("--from and --to name the same store".into()));
            }
            let source = Store::connect(&from, false).await?;
            let target = Store::connect(&to, true).await?;
            let report = store::copy::copy(&source, &target, force).await?;
            for (table, rows) in &report.tables {
                super::output::note(g.quiet, &format!("{table}: {rows} rows"));
            }
            super::output::note(
                g.quiet,
                &format!("copied {} rows from {from} to {to}", report.total()),
            );
            Ok(())
        }
    }
}

/// `--db`, else the configured store.
fn location(db: Option<String>, g: &super::Globals) -> Result<Database> {
    let app = super::App::load(
        &Overrides {
            database: db,
            ..Default::default()
        },
        g,
    )?;
    Ok(app.config.database)
}

/// Whether the store exists, and its schema version, without creating or migrating it.
async fn schema_of(db: &Database) -> Result<(bool, Option<SchemaVersion>)> {
    match db {
        Database::Sqlite(path) => {
            if !path.exists() {
                return Ok((false, None));
            }
            Ok((true, Some(store::inspect(path)?.schema)))
        }
        Database::Postgres(_) => match Store::connect(db, false).await {
            Ok(s) => Ok((true, Some(s.schema_version().await?))),
            Err(store::Error::Unmigrated { found, known }) => {
                Ok((true, Some(SchemaVersion { found, known })))
            }
            Err(e) => Err(e.into()),
        },
    }
}
