//! Numbered migrations embedded in the binary, the same numbers and names as SQLite's, each
//! applied in its own transaction and recorded in `schema_migrations`. Instances booting
//! together take turns on one advisory lock, so the schema is migrated once.

use crate::store::{Error, Result, SchemaVersion, now};
use std::path::PathBuf;
use tokio_postgres::GenericClient;

/// The migrations in order; never edit one that has landed, add the next.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        "0002_mcp",
        include_str!("../migrations/postgres/0002_mcp.sql"),
    ),
    (
        "0003_leases",
        include_str!("../migrations/postgres/0003_leases.sql"),
    ),
    (
        "0004_approvals",
        include_str!("../migrations/postgres/0004_approvals.sql"),
    ),
    (
        "0005_search",
        include_str!("../migrations/postgres/0005_search.sql"),
    ),
    (
        "0006_responses",
        include_str!("../migrations/postgres/0006_responses.sql"),
    ),
    (
        "0007_accounts",
        include_str!("../migrations/postgres/0007_accounts.sql"),
    ),
    (
        "0008_webedt",
        include_str!("../migrations/postgres/0008_webedt.sql"),
    ),
    (
        "0009_id_spaces",
        include_str!("../migrations/postgres/0009_id_spaces.sql"),
    ),
    (
        "0010_usage",
        include_str!("../migrations/postgres/0010_usage.sql"),
    ),
    (
        "0011_search_later",
        include_str!("../migrations/postgres/0011_search_later.sql"),
    ),
];

/// The advisory lock migrations run under ("clauded" in ASCII): one key for every clauded
/// database on a server is fine, migrations are rare and short.
const LOCK: i64 = 0x0063_6c61_7564_6564;

/// The migrations' names, in order (the tests hold them against SQLite's).
#[cfg(test)]
pub fn names() -> Vec<&'static str> {
    MIGRATIONS.iter().map(|(n, _)| *n).collect()
}

/// How many migrations this build knows, i.e. the schema version it writes.
pub fn known() -> i64 {
    MIGRATIONS.len() as i64
}

/// The highest migration applied, 0 for a database clauded never migrated.
pub(super) async fn found(c: &impl GenericClient) -> Result<i64> {
    let exists: bool = c
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await
        .map_err(super::pg)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: i32 = c
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .map_err(super::pg)?
        .get(0);
    Ok(v.into())
}

/// The database's version against ours.
pub(super) async fn version(c: &impl GenericClient) -> Result<SchemaVersion> {
    Ok(SchemaVersion {
        found: found(c).await?,
        known: known(),
    })
}

fn too_new(shown: &str, found: i64) -> Error {
    Error::TooNew {
        path: PathBuf::from(shown),
        found,
        known: known(),
    }
}

/// Brings the schema up to date, on a connection of its own (a session lock lives as long as
/// its connection, so a failure part-way can never leave the lock held by a pooled one).
pub(super) async fn run(c: &mut tokio_postgres::Client, shown: &str) -> Result<()> {
    c.execute("SELECT pg_advisory_lock($1)", &[&LOCK])
        .await
        .map_err(super::pg)?;
    let out = apply(c, shown).await;
    let unlocked = c
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK])
        .await
        .map_err(super::pg);
    out.and(unlocked.map(drop))
}

async fn apply(c: &mut tokio_postgres::Client, shown: &str) -> Result<()> {
    c.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .await
    .map_err(super::pg)?;
    // under the lock: whoever held it before us may have migrated already
    let current = found(c).await?;
    if current > known() {
        return Err(too_new(shown, current));
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = c.transaction().await.map_err(super::pg)?;
        tx.batch_execute(sql).await.map_err(|e| {
            Error::Corrupt(format!("migration {name} failed: {}", super::describe(&e)))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&(i as i32 + 1), name, &now()],
        )
        .await
        .map_err(super::pg)?;
        tx.commit().await.map_err(super::pg)?;
    }
    Ok(())
}

/// Refuses a database whose schema is not this build's (for `serve --no-migrate`).
pub(super) async fn check(c: &impl GenericClient, shown: &str) -> Result<()> {
    let found = found(c).await?;
    let known = known();
    if found > known {
        return Err(too_new(shown, found));
    }
    if found != known {
        return Err(Error::Unmigrated { found, known });
    }
    Ok(())
}
