//! Numbered migrations embedded in the binary, each applied in its own transaction.

use crate::store::{Error, Result};
use rusqlite::Connection;
use std::path::Path;

/// The migrations in order; never edit one that has landed, add the next.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        "0002_mcp",
        include_str!("../migrations/sqlite/0002_mcp.sql"),
    ),
    (
        "0003_leases",
        include_str!("../migrations/sqlite/0003_leases.sql"),
    ),
    (
        "0004_approvals",
        include_str!("../migrations/sqlite/0004_approvals.sql"),
    ),
    (
        "0005_search",
        include_str!("../migrations/sqlite/0005_search.sql"),
    ),
    (
        "0006_responses",
        include_str!("../migrations/sqlite/0006_responses.sql"),
    ),
    (
        "0007_accounts",
        include_str!("../migrations/sqlite/0007_accounts.sql"),
    ),
    (
        "0008_webedt",
        include_str!("../migrations/sqlite/0008_webedt.sql"),
    ),
    (
        "0009_id_spaces",
        include_str!("../migrations/sqlite/0009_id_spaces.sql"),
    ),
    (
        "0010_usage",
        include_str!("../migrations/sqlite/0010_usage.sql"),
    ),
    (
        "0011_search_later",
        include_str!("../migrations/sqlite/0011_search_later.sql"),
    ),
];

/// Brings the schema up to date; `PRAGMA user_version` counts applied migrations.
pub(super) fn run(conn: &mut Connection, path: Option<&Path>) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > known {
        return Err(Error::TooNew {
            path: path.map(Path::to_owned).unwrap_or_default(),
            found: current,
            known,
        });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // another process may have migrated while we waited for the lock
        let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now > i as i64 {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|e| Error::Corrupt(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Refuses a file whose schema is not this build's (for `serve --no-migrate`).
pub(super) fn check(conn: &Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = known();
    if found != known {
        return Err(Error::Unmigrated { found, known });
    }
    Ok(())
}

/// The migrations' names, in order.
pub fn names() -> Vec<&'static str> {
    MIGRATIONS.iter().map(|(n, _)| *n).collect()
}

/// How many migrations this build knows, i.e. the schema version it writes.
pub fn known() -> i64 {
    MIGRATIONS.len() as i64
}
