//! Moving a whole store from one engine to another (`clauded db copy`): every row of every
//! table, ids intact, read in one transaction and written in one.

use super::{Error, Result, Store};

/// The tables, parents before children (the order rows are written in).
pub const TABLES: &[&str] = &[
    "users",
    "logins",
    "api_keys",
    "projects",
    "sessions",
    "messages",
    "events",
    "request_log",
    "usage_daily",
    "cache",
    "mcp_servers",
    "session_servers",
    "tool_permissions",
    "session_leases",
    "approvals",
    "approval_events",
    "responses",
    "oauth_states",
    "login_attempts",
];

/// One value, as both engines can hold it (a boolean is an `Int` 0 or 1).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A float.
    Real(f64),
    /// Text (JSON columns too).
    Text(String),
}

/// A table's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Column names, in the order of each row's cells.
    pub columns: Vec<String>,
    /// The rows, in primary-key order.
    pub rows: Vec<Vec<Cell>>,
}

/// Every table of a store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dump {
    /// In [`TABLES`] order.
    pub tables: Vec<Table>,
}

/// What a copy wrote.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rows per table.
    pub tables: Vec<(String, usize)>,
}

impl Report {
    /// Rows in all.
    pub fn total(&self) -> usize {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// One query's text counting the rows a store holds, the built-in MCP servers left out: what
/// `import_all` refuses to replace unless forced.
pub(super) fn held_rows_sql() -> String {
    TABLES
        .iter()
        .map(|t| match *t {
            "mcp_servers" => {
                "(SELECT count(*) FROM mcp_servers WHERE transport != 'builtin')".to_owned()
            }
            t => format!("(SELECT count(*) FROM {t})"),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Refuses to replace the `held` rows of a target store.
pub(super) fn refuse_held(held: i64) -> Result<()> {
    if held > 0 {
        return Err(Error::Conflict(format!(
            "the target store holds {held} rows; --force replaces them"
        )));
    }
    Ok(())
}

/// A table of a dump must be one of ours.
pub(super) fn check_table(name: &str) -> Result<()> {
    if !TABLES.contains(&name) {
        return Err(Error::Corrupt(format!("unknown table {name}")));
    }
    Ok(())
}

/// Copies `from` into `to`. A target holding anything but the built-in MCP servers is refused
/// unless `force`, which replaces its rows.
pub async fn copy(from: &Store, to: &Store, force: bool) -> Result<Report> {
    let dump = from.export_all().await?;
    if dump.tables.len() != TABLES.len() {
        return Err(Error::Corrupt(format!(
            "the source gave {} tables, expected {}",
            dump.tables.len(),
            TABLES.len()
        )));
    }
    to.import_all(&dump, force).await
}
