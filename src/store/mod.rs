//! The store: projects, sessions, messages, the event log, leases, approvals, the MCP registry,
//! search and the request log, on one of two engines: an embedded SQLite file (the default,
//! [`sqlite`]) or a PostgreSQL server shared by several instances ([`postgres`]).
//!
//! Every method is one unit of work in one transaction, and async whatever the engine: SQLite's
//! blocking calls run on the blocking pool. Callers never see a rusqlite or PostgreSQL type.

mod accounts;
mod approvals;
pub mod copy;
mod facade;
mod lease;
mod mcp;
mod meta;
mod model;
mod notice;
mod oauth;
pub mod postgres;
mod responses;
mod search;
pub mod sqlite;
mod trash;
mod url;

pub use accounts::{
    AccountStats, ApiKey, LOCAL_OWNER, Login, NOT_FIRST, NewApiKey, NewUser, User, UserSettings,
    UserUpdate,
};
pub use approvals::{Approval, ApprovalEvent, NewApproval};
pub use facade::{Engine, Store};
pub use lease::{Acquired, Lease, LeaseClaim, LeaseOwner, TurnStart};
pub use mcp::{McpServerRow, NewMcpServer};
pub use model::*;
pub use notice::{Notice, wire as notice_wire};
pub use oauth::{OAuthState, TakenState};
pub use responses::StoredResponse;
pub use search::{SearchHit, SearchResults};
pub use sqlite::{fts_query, inspect};
pub use trash::TrashOp;
pub use url::Database;

/// The migrations' names in order (both engines have the same ones).
pub fn migration_names() -> Vec<&'static str> {
    sqlite::migrate::names()
}

use std::path::PathBuf;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no (or could not be reached).
    #[error("database error: {0}")]
    Postgres(String),
    /// The database URL is not one we can use.
    #[error("{0}")]
    BadUrl(String),
    /// The file or its folder could not be made.
    #[error("cannot open the database at {path}: {source}")]
    Open {
        /// The database path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file belongs to a newer clauded.
    #[error(
        "the database at {path} has schema version {found}, newer than this clauded knows ({known}); upgrade clauded"
    )]
    TooNew {
        /// The database path.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// The schema is not this build's and migrating was not asked for.
    #[error(
        "the database has schema version {found}, this clauded needs {known}: run `clauded db migrate` (or start without --no-migrate)"
    )]
    Unmigrated {
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// A row the caller named does not exist.
    #[error("{kind} not found: {id}")]
    NotFound {
        /// What was looked for.
        kind: &'static str,
        /// The id given.
        id: String,
    },
    /// A prefix matched several rows.
    #[error("{kind} id {prefix:?} is ambiguous: it matches {count} ids; give more characters")]
    Ambiguous {
        /// What was looked for.
        kind: &'static str,
        /// The prefix given.
        prefix: String,
        /// How many matched.
        count: usize,
    },
    /// The row would clash with an existing one.
    #[error("{0}")]
    Conflict(String),
    /// Some of the rows named are not the caller's (or not there): nothing was changed.
    #[error("{0}")]
    NotYours(String),
    /// A stored JSON column did not parse.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The blocking task died.
    #[error("database task failed: {0}")]
    Task(String),
    /// An id given by a client is not one we accept.
    #[error("invalid {kind} id: {reason}")]
    InvalidId {
        /// What the id names.
        kind: &'static str,
        /// Why it was refused.
        reason: &'static str,
    },
}

impl Error {
    /// The store itself failed (SQLite, the file, a corrupt row), as opposed to a request
    /// for a row that is not there or a clash.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Error::Sqlite(_)
                | Error::Postgres(_)
                | Error::Open { .. }
                | Error::TooNew { .. }
                | Error::Unmigrated { .. }
                | Error::BadUrl(_)
                | Error::Corrupt(_)
                | Error::Task(_)
        )
    }
}

/// Longest id a client may choose.
pub const MAX_ID_LEN: usize = 128;

/// Checks an id chosen by a client: 1 to 128 characters of `[A-Za-z0-9._:-]`, and no `..`.
/// Ids never become paths, but they end up in logs, URLs and folder lookups.
pub fn check_id(kind: &'static str, id: &str) -> Result<()> {
    let reason = if id.is_empty() {
        "it is empty"
    } else if id.len() > MAX_ID_LEN {
        "it is longer than 128 characters"
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    {
        "only letters, digits and . _ : - are allowed"
    } else if id.contains("..") {
        "it contains `..`"
    } else {
        return Ok(());
    };
    Err(Error::InvalidId { kind, reason })
}

/// Between a client's id and its owner in a stored id (`<id>~<owner>`); never in an id a
/// client may choose, so no client can name another's row.
pub const ID_SPACE: char = '~';

/// Checks an id as an engine stores it: a client's id ([`check_id`]), or one with its
/// owner's space after [`ID_SPACE`].
pub(crate) fn check_stored_id(kind: &'static str, id: &str) -> Result<()> {
    match id.split_once(ID_SPACE) {
        Some((mine, space))
            if !space.is_empty()
                && space
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            check_id(kind, mine)
        }
        Some(_) => Err(Error::InvalidId {
            kind,
            reason: "only letters, digits and . _ : - are allowed",
        }),
        None => check_id(kind, id),
    }
}

/// The id a client knows a stored id by: the part before [`ID_SPACE`].
pub(crate) fn client_id(stored: &str) -> &str {
    stored.split_once(ID_SPACE).map_or(stored, |(mine, _)| mine)
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

/// The current time as stored: RFC 3339 UTC with milliseconds, which sorts as text.
pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Unix time in milliseconds (lease and approval expiries).
pub(crate) fn unix_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Unix time in seconds (cache ages).
pub(crate) fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub(crate) fn not_found(kind: &'static str, id: &str) -> Error {
    Error::NotFound {
        kind,
        id: id.to_owned(),
    }
}

/// A chosen id that is taken (two creators of one id race): a conflict, not a failure.
pub(crate) fn exists(kind: &str, id: &str) -> Error {
    Error::Conflict(format!("{kind} {id} exists"))
}

/// `given` for `LIKE … ESCAPE '\'`: its `%`, `_` and `\` match themselves.
pub(crate) fn like_escaped(given: &str) -> String {
    given
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The one id an id prefix or a name matched: None for none, ambiguous for several.
pub(crate) fn only_id(
    kind: &'static str,
    given: &str,
    mut ids: Vec<String>,
) -> Result<Option<String>> {
    match ids.len() {
        0 => Ok(None),
        1 => Ok(ids.pop()),
        count => Err(Error::Ambiguous {
            kind,
            prefix: given.to_owned(),
            count,
        }),
    }
}

/// A database's schema version against the one this build writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SchemaVersion {
    /// In the file (`PRAGMA user_version`: migrations applied).
    pub found: i64,
    /// This build's.
    pub known: i64,
}

impl SchemaVersion {
    /// All migrations applied, none from a newer build.
    pub fn current(&self) -> bool {
        self.found == self.known
    }
}

/// What `clauded doctor` reports of a database file, read without changing it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    /// Its schema version.
    pub schema: SchemaVersion,
    /// `ok`, or the first problems `PRAGMA integrity_check` found.
    pub integrity: String,
    /// `wal` once clauded has opened it.
    pub journal_mode: String,
}

/// A fresh random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod accounts_tests;
#[cfg(test)]
mod oauth_tests;
#[cfg(test)]
mod tests;
