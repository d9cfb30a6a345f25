//! The SQLite engine: one file, opened in WAL mode with a busy timeout, so the CLI and a running
//! server can share it. Methods are blocking; the [`Store`](super::Store) runs them on the
//! blocking pool.

mod accounts;
mod approvals;
mod copy;
mod lease;
mod mcp;
pub(super) mod migrate;
mod oauth;
mod quick;
mod responses;
mod search;
mod trash;

pub use search::fts_query;

use super::model::*;
use super::{
    Error, Inspection, LOCAL_OWNER, LeaseClaim, RequestLogEntry, Result, SchemaVersion, TurnStart,
    check_stored_id, client_id, exists, like_escaped, meta, new_id, not_found, now, only_id,
    unix_now,
};
use crate::anthropic::{Role, Usage};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a statement waits for another process's lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Statements kept compiled per connection: enough for every statement a turn runs, so the hot
/// paths never parse SQL twice.
const STATEMENT_CACHE: usize = 128;

/// `execute` and `query_row` through the connection's statement cache: SQLite compiles each
/// statement once per connection instead of once per call.
pub(super) trait Cached {
    /// Runs one statement; the rows it changed.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// The first row of a query, mapped.
    fn one<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn one<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// A primary-key clash as a conflict (two creators of one id race), anything else as is.
fn exists_as(e: rusqlite::Error, kind: &str, id: &str) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation
                && matches!(
                    f.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                        | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                ) =>
        {
            exists(kind, id)
        }
        _ => Error::Sqlite(e),
    }
}

fn project_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        path: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        session_count: r.get(6)?,
    })
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        project_id: r.get(1)?,
        title: r.get(2)?,
        model: r.get(3)?,
        system_prompt: r.get(4)?,
        status: r.get(5)?,
        source: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        message_count: r.get(9)?,
        total_tokens: r.get(10)?,
        total_cost: r.get(11)?,
        deleted_at: r.get(12)?,
    })
}

/// `UPDATE sessions` for a [`SessionUpdate`]; the number of rows changed.
fn update_session_in(
    tx: &Transaction<'_>,
    owner: Option<&str>,
    id: &str,
    up: &SessionUpdate,
) -> Result<usize> {
    if !session_is_theirs(tx, owner, id)? {
        return Ok(0);
    }
    if let Some(patch) = &up.metadata {
        merge_metadata_in(tx, id, patch)?;
    }
    Ok(tx.exec(
        "UPDATE sessions SET
            title = COALESCE(?2, title),
            model = COALESCE(?3, model),
            system_prompt = CASE WHEN ?4 THEN ?5 ELSE system_prompt END,
            status = COALESCE(?6, status),
            updated_at = ?7
         WHERE id = ?1",
        params![
            id,
            up.title,
            up.model,
            up.system_prompt.is_some(),
            up.system_prompt.clone().flatten(),
            up.status,
            now()
        ],
    )?)
}

/// What changes whenever a session's messages do (one added or deleted, one marked
/// unanswered): their count, last id and how many are unanswered.
fn messages_mark(conn: &Connection, session_id: &str) -> Result<(i64, Option<i64>, i64)> {
    Ok(conn.one(
        "SELECT COUNT(*), MAX(id), COALESCE(SUM(unanswered), 0) FROM messages WHERE session_id = ?1",
        [session_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// A session's messages in order, read on `conn`.
fn messages_in(conn: &Connection, session_id: &str) -> Result<Vec<StoredMessage>> {
    let mut st = conn.prepare_cached(
        "SELECT id, session_id, role, content, model, stop_reason, input_tokens, output_tokens,
                cache_creation_tokens, cache_read_tokens, cost_usd, created_at, unanswered
         FROM messages WHERE session_id = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([session_id], |r| {
        let role: String = r.get(2)?;
        let content: String = r.get(3)?;
        Ok((
            role,
            content,
            StoredMessage {
                id: r.get(0)?,
                session_id: r.get(1)?,
                role: Role::User,
                content: vec![],
                model: r.get(4)?,
                stop_reason: r.get(5)?,
                usage: Usage {
                    input_tokens: r.get::<_, i64>(6)? as u64,
                    output_tokens: r.get::<_, i64>(7)? as u64,
                    cache_creation_input_tokens: r.get::<_, i64>(8)? as u64,
                    cache_read_input_tokens: r.get::<_, i64>(9)? as u64,
                },
                cost_usd: r.get(10)?,
                created_at: r.get(11)?,
                unanswered: r.get(12)?,
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (role, content, mut m) = row?;
        m.role = role_from(&role);
        m.content = content_from(m.id, &content)?;
        out.push(m);
    }
    Ok(out)
}

/// Whether the session exists and `owner` (None: anyone) owns it.
fn session_is_theirs(tx: &Transaction<'_>, owner: Option<&str>, id: &str) -> Result<bool> {
    Ok(tx
        .one(
            "SELECT 1 FROM sessions WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
            params![id, owner],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The owner's default project, made if missing; its id.
fn insert_default_project(
    tx: &Transaction<'_>,
    owner: &str,
    spaced: bool,
    at: &str,
) -> Result<String> {
    let taken: Option<String> = tx
        .one(
            "SELECT owner FROM projects WHERE id = ?1",
            [DEFAULT_PROJECT_ID],
            |r| r.get(0),
        )
        .optional()?;
    let id = crate::store::accounts::default_project_id(owner, taken.as_deref(), spaced);
    tx.exec(
        "INSERT OR IGNORE INTO projects (id, name, description, path, created_at, updated_at, owner)
         VALUES (?1, 'Default', 'Sessions without a project', NULL, ?2, ?2, ?3)",
        params![id, at, owner],
    )?;
    Ok(id)
}

fn merge_metadata_in(tx: &Transaction<'_>, id: &str, patch: &serde_json::Value) -> Result<()> {
    let text: String = tx
        .one("SELECT metadata FROM sessions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| not_found("session", id))?;
    tx.exec(
        "UPDATE sessions SET metadata = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, meta::merged(id, &text, patch)?, now()],
    )?;
    Ok(())
}

fn append_event_in(
    tx: &Transaction<'_>,
    session_id: &str,
    kind: &str,
    data: &serde_json::Value,
) -> Result<i64> {
    tx.exec(
        "INSERT INTO events (session_id, kind, data, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![session_id, kind, data.to_string(), now()],
    )?;
    Ok(tx.last_insert_rowid())
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    tune(&c)?;
    Ok(c)
}

/// What every connection of ours is set to: the busy wait, the statement cache, and plans that
/// never depend on a bound value (`SQLITE_DBCONFIG_ENABLE_QPSG`). Without that, a statement
/// whose plan looked at a parameter (STAT4 is compiled in) is expired by each rebinding and
/// compiled again on every call: the history read was, once per turn.
fn tune(c: &Connection) -> rusqlite::Result<()> {
    c.busy_timeout(BUSY_TIMEOUT)?;
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    c.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}
/// A handle to the database. Cheap to clone. One writer connection per process, serialised,
/// and a few reader connections: in WAL mode reads never wait behind a write that waits for
/// another process's lock.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<ReadPool>,
    path: Option<PathBuf>,
    /// Whose rows this handle sees (None: everyone's); see [`Store::scoped`](crate::store::Store::scoped).
    owner: Option<Arc<str>>,
    /// The owner's ids are stored in their space (see [`Store::spaced`](crate::store::Store::spaced)).
    spaced: bool,
}

/// Reader connections at most, opened as needed.
const READERS: usize = 4;

/// Idle read-only connections to the file, opened lazily up to [`READERS`].
#[derive(Default)]
struct ReadPool {
    idle: Mutex<Vec<Connection>>,
    opened: Mutex<usize>,
    freed: std::sync::Condvar,
}

/// A connection for reading: a pooled reader, or the writer for an in-memory database.
enum Reader<'a> {
    Pooled(Option<Connection>, &'a ReadPool),
    Shared(MutexGuard<'a, Connection>),
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Reader::Pooled(Some(c), _) => c,
            Reader::Pooled(None, _) => unreachable!("a reader is only emptied on drop"),
            Reader::Shared(g) => g,
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Reader::Pooled(c, pool) = self
            && let Some(c) = c.take()
        {
            pool.idle.lock().unwrap_or_else(|p| p.into_inner()).push(c);
            pool.freed.notify_one();
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("sqlite::Db")
            .field("path", &self.path)
            .finish()
    }
}

impl Db {
    /// Opens (creating if needed, mode 0600) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, true)
    }

    /// Opens the file without migrating it: its schema must be this build's.
    pub fn open_unmigrated(path: &Path) -> Result<Self> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, migrate: bool) -> Result<Self> {
        let open_err = |source| Error::Open {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(open_err)?;
        }
        create_private_file(path).map_err(open_err)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::setup(conn, Some(path.to_owned()), migrate)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?, None, true)
    }

    fn setup(conn: Connection, path: Option<PathBuf>, migrate: bool) -> Result<Self> {
        tune(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut conn = conn;
        if migrate {
            migrate::run(&mut conn, path.as_deref())?;
        } else {
            migrate::check(&conn)?;
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::default(),
            path,
            owner: None,
            spaced: false,
        })
    }

    /// The same database, seeing only `owner`'s rows (None: everyone's).
    pub(in crate::store) fn scoped(&self, owner: Option<&str>, spaced: bool) -> Self {
        Self {
            owner: owner.map(Arc::from),
            spaced,
            ..self.clone()
        }
    }

    /// The owner rows are filtered by (None: no filter).
    pub(in crate::store) fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// Whether the owner's ids are stored in their space.
    pub(in crate::store) fn spaced(&self) -> bool {
        self.spaced
    }

    /// The owner new rows get.
    fn new_owner(&self) -> &str {
        self.owner().unwrap_or(LOCAL_OWNER)
    }

    /// The schema version of the file and the one this build writes; equal once migrated.
    pub fn schema_version(&self) -> Result<SchemaVersion> {
        let found = self
            .conn()?
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok(SchemaVersion {
            found,
            known: migrate::known(),
        })
    }

    /// The database file, if not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn writer(&self) -> Result<MutexGuard<'_, Connection>> {
        // a panic while holding the lock leaves a usable connection; keep going
        if quick::on() {
            return match self.conn.try_lock() {
                Ok(g) => Ok(g),
                Err(std::sync::TryLockError::Poisoned(p)) => Ok(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => Err(quick::blocked()),
            };
        }
        Ok(self.conn.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A connection for reads: a pooled read-only one for a file (opened on first need, at
    /// most [`READERS`]), else the writer. A reader that cannot be opened falls back to the
    /// writer, so reads still work, only serialised.
    fn conn(&self) -> Result<Reader<'_>> {
        let Some(path) = &self.path else {
            return Ok(Reader::Shared(self.writer()?));
        };
        let pool = &*self.readers;
        let mut idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = idle.pop() {
                return Ok(Reader::Pooled(Some(c), pool));
            }
            {
                let mut opened = pool.opened.lock().unwrap_or_else(|p| p.into_inner());
                if *opened < READERS {
                    *opened += 1;
                    drop(opened);
                    drop(idle);
                    return match open_reader(path) {
                        Ok(c) => Ok(Reader::Pooled(Some(c), pool)),
                        Err(e) => {
                            tracing::warn!("cannot open a reader on {}: {e}", path.display());
                            *pool.opened.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
                            Ok(Reader::Shared(self.writer()?))
                        }
                    };
                }
            }
            if quick::on() {
                return Err(quick::blocked());
            }
            idle = pool.freed.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Runs blocking work on the blocking pool.
    pub(super) async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Runs short work (an indexed read, or one small write transaction) on the calling
    /// thread when nothing has to wait for it: a free connection, the process's writer lock,
    /// the file's write lock. When something would wait, it gives up before changing
    /// anything and runs `f` again on the blocking pool, as [`Db::run`] does. A turn's store
    /// calls are tens of microseconds of SQLite each; the two thread switches of a trip
    /// through the blocking pool cost more than that.
    pub(super) async fn run_quick<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Db) -> Result<T> + Send + 'static,
    {
        match quick::attempt(|| f(self)) {
            Some(done) => done,
            None => self.run(move |d| f(d)).await,
        }
    }

    /// A write transaction that takes the write lock at once, so two processes never
    /// deadlock upgrading read locks (the busy timeout then covers the wait). In a quick
    /// attempt it waits for nothing: another writer means trying again on the blocking pool;
    /// once it commits, the attempt can no longer be given up (it changed the file).
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer()?;
        let quick = quick::on();
        if quick {
            conn.busy_timeout(Duration::ZERO)?;
        }
        let e = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
            Ok(tx) => {
                if quick {
                    tx.busy_timeout(BUSY_TIMEOUT)?;
                }
                let out = f(&tx)?;
                tx.commit()?;
                quick::committed();
                return Ok(out);
            }
            Err(e) => e,
        };
        if quick {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
                return Err(quick::blocked());
            }
        }
        Err(e.into())
    }

    // ---- projects ----

    /// Adds a project.
    pub fn create_project(&self, new: &NewProject) -> Result<Project> {
        if let Some(id) = &new.id {
            check_stored_id("project", id)?;
        }
        let id = new.id.clone().unwrap_or_else(new_id);
        let at = now();
        self.write(|tx| {
            tx.exec(
                "INSERT INTO projects (id, name, description, path, created_at, updated_at, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                params![
                    id,
                    new.name,
                    new.description,
                    new.path,
                    at,
                    self.new_owner()
                ],
            )
            .map_err(|e| exists_as(e, "project", &id))?;
            Ok(())
        })?;
        self.project(&id)
    }

    /// See [`Store::projects`](crate::store::Store::projects).
    pub fn projects(&self) -> Result<Vec<Project>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!(
            "{PROJECT_SELECT} WHERE (?1 IS NULL OR p.owner = ?1) ORDER BY p.created_at DESC, p.id"
        ))?;
        let rows = st.query_map([self.owner()], project_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::project`](crate::store::Store::project).
    pub fn project(&self, id: &str) -> Result<Project> {
        let conn = self.conn()?;
        conn.one(
            &format!("{PROJECT_SELECT} WHERE p.id = ?1 AND (?2 IS NULL OR p.owner = ?2)"),
            params![id, self.owner()],
            project_row,
        )
        .optional()?
        .ok_or_else(|| not_found("project", id))
    }

    /// See [`Store::resolve_project`](crate::store::Store::resolve_project).
    pub fn resolve_project(&self, id_or_name: &str) -> Result<Project> {
        let id = self.resolve_id("projects", "project", id_or_name, Some("name"))?;
        self.project(&id)
    }

    /// See [`Store::default_project`](crate::store::Store::default_project).
    pub fn default_project(&self) -> Result<Project> {
        let at = now();
        let id = self.write(|tx| insert_default_project(tx, self.new_owner(), self.spaced, &at))?;
        self.project(&id)
    }

    /// See [`Store::project_for_dir`](crate::store::Store::project_for_dir).
    pub fn project_for_dir(&self, dir: &Path) -> Result<Option<Project>> {
        Ok(deepest_project(self.projects()?, dir))
    }

    /// See [`Store::delete_project`](crate::store::Store::delete_project).
    pub fn delete_project(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM projects WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
                params![id, self.owner()],
            )? > 0)
        })
    }

    // ---- sessions ----

    /// Adds a session; `project_id` None means the default project (made on first use).
    pub fn create_session(&self, new: &NewSession) -> Result<Session> {
        if let Some(id) = &new.id {
            check_stored_id("session", id)?;
        }
        let id = new.id.clone().unwrap_or_else(new_id);
        let at = now();
        self.write(|tx| {
            let project_id = match &new.project_id {
                Some(p) => tx
                    .one(
                        "SELECT id FROM projects WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
                        params![p, self.owner()],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| not_found("project", p))?,
                None => insert_default_project(tx, self.new_owner(), self.spaced, &at)?,
            };
            tx.exec(
                "INSERT INTO sessions (id, project_id, title, model, system_prompt, source, created_at, updated_at, owner, status, metadata)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, COALESCE(?9, 'idle'), COALESCE(?10, '{}'))",
                params![id, project_id, new.title, new.model, new.system_prompt, new.source, at, self.new_owner(), new.status, new.metadata.as_ref().map(|m| m.to_string())],
            )
            .map_err(|e| exists_as(e, "session", &id))?;
            Ok(())
        })?;
        self.session(&id)
    }

    /// See [`Store::session`](crate::store::Store::session).
    pub fn session(&self, id: &str) -> Result<Session> {
        let conn = self.conn()?;
        conn.one(
            &format!("{SESSION_SELECT} WHERE s.id = ?1 AND (?2 IS NULL OR s.owner = ?2)"),
            params![id, self.owner()],
            session_row,
        )
        .optional()?
        .ok_or_else(|| not_found("session", id))
    }

    /// See [`Store::resolve_session`](crate::store::Store::resolve_session).
    pub fn resolve_session(&self, id_or_prefix: &str) -> Result<Session> {
        let id = self.resolve_id("sessions", "session", id_or_prefix, None)?;
        self.session(&id)
    }

    /// See [`Store::latest_session`](crate::store::Store::latest_session).
    pub fn latest_session(&self) -> Result<Option<Session>> {
        let conn = self.conn()?;
        Ok(conn
            .one(
                &format!(
                    "{SESSION_SELECT} WHERE (?1 IS NULL OR s.owner = ?1) AND s.deleted_at IS NULL
                     ORDER BY s.updated_at DESC, s.rowid DESC LIMIT 1"
                ),
                [self.owner()],
                session_row,
            )
            .optional()?)
    }

    /// See [`Store::sessions`](crate::store::Store::sessions).
    pub fn sessions(&self, filter: &SessionFilter) -> Result<Vec<Session>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!(
            "{SESSION_SELECT} WHERE (?1 IS NULL OR s.project_id = ?1) AND (?3 IS NULL OR s.status = ?3)
                AND (?4 IS NULL OR s.owner = ?4) AND ((s.deleted_at IS NOT NULL) = ?5)
             ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?2 OFFSET ?6"
        ))?;
        let limit = filter.limit.map(|l| l as i64).unwrap_or(-1);
        let offset = filter.offset.unwrap_or(0) as i64;
        let rows = st.query_map(
            params![
                filter.project_id,
                limit,
                filter.status,
                self.owner(),
                filter.deleted,
                offset
            ],
            session_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::session_ids`](crate::store::Store::session_ids).
    pub fn session_ids(&self) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut st =
            conn.prepare_cached("SELECT id FROM sessions WHERE (?1 IS NULL OR owner = ?1)")?;
        let rows = st.query_map([self.owner()], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::update_session`](crate::store::Store::update_session).
    pub fn update_session(&self, id: &str, up: &SessionUpdate) -> Result<Session> {
        if self.write(|tx| update_session_in(tx, self.owner(), id, up))? == 0 {
            return Err(not_found("session", id));
        }
        self.session(id)
    }

    /// See [`Store::session_metadata`](crate::store::Store::session_metadata).
    pub fn session_metadata(&self, id: &str) -> Result<serde_json::Value> {
        let conn = self.conn()?;
        let text: String = conn
            .one(
                "SELECT metadata FROM sessions WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
                params![id, self.owner()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| not_found("session", id))?;
        meta::parse(id, &text)
    }

    /// Merges keys into a session's metadata.
    pub fn merge_session_metadata(&self, id: &str, patch: &serde_json::Value) -> Result<()> {
        // read and write in one transaction: two merges never lose each other's keys
        self.write(|tx| merge_metadata_in(tx, id, patch))
    }

    /// See [`Store::session_by_metadata`](crate::store::Store::session_by_metadata).
    pub fn session_by_metadata(&self, key: &str, value: &str) -> Result<Option<Session>> {
        let conn = self.conn()?;
        Ok(conn
            .one(
                &format!(
                    "{SESSION_SELECT} WHERE json_extract(s.metadata, '$.' || json_quote(?1)) = ?2
                        AND (?3 IS NULL OR s.owner = ?3)
                     ORDER BY s.updated_at DESC LIMIT 1"
                ),
                params![key, value, self.owner()],
                session_row,
            )
            .optional()?)
    }

    /// The folder a session's tools work in: its project's path, else the workspace noted in
    /// its metadata, else `new_folder`, which is noted there (one transaction, so two first
    /// calls agree).
    pub fn session_root(&self, session_id: &str, new_folder: &str) -> Result<String> {
        self.write(|tx| {
            let (path, meta): (Option<String>, String) = tx
                .one(
                    "SELECT p.path, s.metadata FROM sessions s JOIN projects p ON p.id = s.project_id
                     WHERE s.id = ?1 AND (?2 IS NULL OR s.owner = ?2)",
                    params![session_id, self.owner()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| not_found("session", session_id))?;
            if let Some(root) = meta::root(path, &meta) {
                return Ok(root);
            }
            merge_metadata_in(tx, session_id, &meta::workspace(new_folder))?;
            Ok(new_folder.to_owned())
        })
    }

    /// The session with `new.id` if it exists, else a new one, made in one transaction with
    /// its project when `new.project_id` names one that does not exist yet (named after its
    /// id). Two callers racing get the same session.
    pub fn open_session(&self, new: &NewSession) -> Result<Session> {
        if let Some(id) = &new.id {
            check_stored_id("session", id)?;
            if let Ok(found) = self.session(id) {
                return Ok(found);
            }
        }
        if let Some(p) = &new.project_id {
            check_stored_id("project", p)?;
        }
        let id = new.id.clone().unwrap_or_else(new_id);
        let at = now();
        self.write(|tx| {
            let project_id = match &new.project_id {
                Some(p) => {
                    tx.exec(
                        "INSERT OR IGNORE INTO projects (id, name, description, path, created_at, updated_at, owner)
                         VALUES (?1, ?4, '', NULL, ?2, ?2, ?3)",
                        params![p, at, self.new_owner(), client_id(p)],
                    )?;
                    // another owner's project of that name is not theirs to fill
                    tx.one(
                        "SELECT id FROM projects WHERE id = ?1 AND owner = ?2",
                        params![p, self.new_owner()],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?
                    .ok_or_else(|| not_found("project", p))?
                }
                None => insert_default_project(tx, self.new_owner(), self.spaced, &at)?,
            };
            tx.exec(
                "INSERT OR IGNORE INTO sessions (id, project_id, title, model, system_prompt, source, created_at, updated_at, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
                params![id, project_id, new.title, new.model, new.system_prompt, new.source, at, self.new_owner()],
            )?;
            Ok(())
        })?;
        self.session(&id)
    }

    /// See [`Store::session_messages`](crate::store::Store::session_messages).
    pub fn session_messages(&self, id: &str) -> Result<Vec<StoredMessage>> {
        self.session(id)?;
        self.messages(id)
    }

    /// See [`Store::set_session_status`](crate::store::Store::set_session_status).
    pub fn set_session_status(&self, id: &str, status: &str) -> Result<Session> {
        self.update_session(
            id,
            &SessionUpdate {
                status: Some(status.to_owned()),
                ..Default::default()
            },
        )
    }

    /// See [`Store::delete_session`](crate::store::Store::delete_session).
    pub fn delete_session(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM sessions WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
                params![id, self.owner()],
            )? > 0)
        })
    }

    /// See [`Store::session_stats`](crate::store::Store::session_stats).
    pub fn session_stats(&self) -> Result<SessionStats> {
        let conn = self.conn()?;
        Ok(conn.one(SESSION_STATS, [self.owner()], |r| {
            Ok(SessionStats {
                total_sessions: r.get(0)?,
                running_sessions: r.get(1)?,
                total_messages: r.get(2)?,
                total_tokens: r.get(3)?,
                total_cost: r.get(4)?,
            })
        })?)
    }

    // ---- messages ----

    /// See [`Store::add_message`](crate::store::Store::add_message).
    pub fn add_message(&self, session_id: &str, new: &NewMessage) -> Result<StoredMessage> {
        self.add_message_logged(session_id, new, None, None, None)
    }

    /// See [`Store::add_message_logged`](crate::store::Store::add_message_logged).
    pub fn add_message_logged(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
        release_lease_of: Option<&str>,
    ) -> Result<StoredMessage> {
        let content = new.content_json()?;
        let at = now();
        let id = self.write(|tx| {
            let id = self.insert_message_in(tx, session_id, new, &content, &at, event, update)?;
            if let Some(holder) = release_lease_of {
                tx.exec(
                    "DELETE FROM session_leases WHERE session_id = ?1 AND owner = ?2",
                    params![session_id, holder],
                )?;
            }
            Ok(id)
        })?;
        Ok(new.stored(id, session_id, at))
    }

    /// See [`Store::start_turn`](crate::store::Store::start_turn).
    pub fn start_turn(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
        claim: Option<&LeaseClaim<'_>>,
        history: bool,
    ) -> Result<TurnStart> {
        let content = new.content_json()?;
        let at = now();
        // the history is read before the write lock is taken (a long one would hold every
        // other writer back), and read again inside only if it changed in between
        let read = match history {
            true => {
                let conn = self.conn()?;
                // the mark first: a change after it makes the two differ, never agree
                let mark = messages_mark(&conn, session_id)?;
                Some((messages_in(&conn, session_id)?, mark))
            }
            false => None,
        };
        self.write(|tx| {
            if !session_is_theirs(tx, self.owner(), session_id)? {
                return Err(not_found("session", session_id));
            }
            if let Some(claim) = claim
                && let Some(held) = lease::take_lease_in(tx, session_id, claim)?
            {
                return Ok(TurnStart::Held(held));
            }
            let history = match read {
                Some((h, mark)) if messages_mark(tx, session_id)? == mark => Some(h),
                Some(_) => Some(messages_in(tx, session_id)?),
                None => None,
            };
            let id = self.insert_message_in(tx, session_id, new, &content, &at, event, update)?;
            Ok(TurnStart::Began {
                history,
                user: new.stored(id, session_id, at.clone()),
            })
        })
    }

    /// Inserts a message, its event and a change to its session in `tx`; the message's id.
    #[allow(clippy::too_many_arguments)]
    fn insert_message_in(
        &self,
        tx: &Transaction<'_>,
        session_id: &str,
        new: &NewMessage,
        content: &str,
        at: &str,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
    ) -> Result<i64> {
        if !session_is_theirs(tx, self.owner(), session_id)? {
            return Err(not_found("session", session_id));
        }
        tx.exec(
            "INSERT INTO messages (session_id, role, content, model, stop_reason, input_tokens,
                output_tokens, cache_creation_tokens, cache_read_tokens, cost_usd, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                session_id,
                new.role.as_str(),
                content,
                new.model,
                new.stop_reason,
                new.usage.input_tokens as i64,
                new.usage.output_tokens as i64,
                new.usage.cache_creation_input_tokens as i64,
                new.usage.cache_read_input_tokens as i64,
                new.cost_usd,
                at
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.exec(
            "UPDATE sessions SET updated_at = ?2 WHERE id = ?1",
            params![session_id, at],
        )?;
        if let Some(ev) = event {
            append_event_in(tx, session_id, &ev.kind, &ev.with_message_id(id))?;
        }
        if let Some(up) = update
            && update_session_in(tx, self.owner(), session_id, up)? == 0
        {
            return Err(not_found("session", session_id));
        }
        Ok(id)
    }

    /// Marks a user message as unanswered: its turn failed before any answer, so later turns
    /// leave it out of the history (it stays stored and shown).
    pub fn mark_unanswered(&self, message_id: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE messages SET unanswered = 1 WHERE id = ?1 AND role = 'user'",
                [message_id],
            )?;
            Ok(())
        })
    }

    /// See [`Store::messages`](crate::store::Store::messages).
    pub fn messages(&self, session_id: &str) -> Result<Vec<StoredMessage>> {
        messages_in(&*self.conn()?, session_id)
    }

    // ---- events ----

    /// See [`Store::append_event`](crate::store::Store::append_event).
    pub fn append_event(
        &self,
        session_id: &str,
        kind: &str,
        data: &serde_json::Value,
    ) -> Result<i64> {
        self.write(|tx| append_event_in(tx, session_id, kind, data))
            .map_err(|e| match e {
                Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                {
                    not_found("session", session_id)
                }
                e => e,
            })
    }

    /// See [`Store::events`](crate::store::Store::events).
    pub fn events(&self, session_id: &str, after: Option<i64>) -> Result<Vec<Event>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(
            "SELECT id, session_id, kind, data, created_at FROM events
             WHERE session_id = ?1 AND id > ?2 ORDER BY id",
        )?;
        let rows = st.query_map(params![session_id, after.unwrap_or(0)], |r| {
            let data: String = r.get(3)?;
            Ok(Event {
                id: r.get(0)?,
                session_id: r.get(1)?,
                kind: r.get(2)?,
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)),
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::events_page`](crate::store::Store::events_page).
    pub fn events_page(
        &self,
        session_id: &str,
        after: i64,
        upto: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RawEvent>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(
            "SELECT id, kind, data, created_at FROM events
             WHERE session_id = ?1 AND id > ?2 AND id <= ?3 ORDER BY id LIMIT ?4",
        )?;
        let rows = st.query_map(
            params![session_id, after, upto.unwrap_or(i64::MAX), limit as i64],
            |r| {
                Ok(RawEvent::from_row(
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::last_event_id`](crate::store::Store::last_event_id).
    pub fn last_event_id(&self, session_id: &str) -> Result<i64> {
        let conn = self.conn()?;
        let last: Option<i64> = conn.one(
            "SELECT MAX(id) FROM events WHERE session_id = ?1",
            [session_id],
            |r| r.get(0),
        )?;
        Ok(last.unwrap_or(0))
    }

    /// See [`Store::event_span`](crate::store::Store::event_span).
    pub fn event_span(&self, session_id: &str, after: i64) -> Result<(u64, i64)> {
        let conn = self.conn()?;
        let (count, last): (i64, Option<i64>) = conn.one(
            "SELECT COUNT(*), MAX(id) FROM events WHERE session_id = ?1 AND id > ?2",
            params![session_id, after],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((count as u64, last.unwrap_or(after)))
    }

    // ---- request log and cache ----

    /// See [`Store::log_request`](crate::store::Store::log_request).
    pub fn log_request(&self, entry: &RequestLogEntry) -> Result<()> {
        self.log_requests(
            &[LoggedRequest {
                owner: self.new_owner().to_owned(),
                at: now(),
                entry: entry.clone(),
            }],
            None,
        )
    }

    /// Writes a batch of request-log rows and their usage in one transaction; rows older
    /// than `expire_before` (RFC 3339) go.
    pub fn log_requests(&self, rows: &[LoggedRequest], expire_before: Option<&str>) -> Result<()> {
        self.write(|tx| {
            let mut insert = tx.prepare_cached(REQUEST_LOG_INSERT)?;
            let mut usage = tx.prepare_cached(USAGE_ADD)?;
            for r in rows {
                let e = &r.entry;
                insert.execute(params![
                    r.at,
                    e.source,
                    e.endpoint,
                    e.session_id,
                    e.model,
                    e.status,
                    e.latency_ms as i64,
                    e.input_tokens as i64,
                    e.output_tokens as i64,
                    e.cost_usd,
                    e.upstream_request_id,
                    e.error,
                    r.owner
                ])?;
                usage.execute(params![
                    r.owner,
                    usage_day(&r.at),
                    e.model.as_deref().unwrap_or(""),
                    e.source,
                    i64::from(e.error.is_some()),
                    e.input_tokens as i64,
                    e.output_tokens as i64,
                    e.cost_usd
                ])?;
            }
            if let Some(before) = expire_before {
                tx.exec("DELETE FROM request_log WHERE created_at < ?1", [before])?;
            }
            Ok(())
        })
    }

    /// See [`Store::usage`](crate::store::Store::usage).
    pub fn usage(&self, since_day: &str) -> Result<Vec<UsageDay>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(USAGE_SELECT)?;
        let rows = st.query_map(params![since_day, self.owner()], |r| {
            Ok(UsageDay {
                owner: r.get(0)?,
                day: r.get(1)?,
                model: r.get(2)?,
                source: r.get(3)?,
                requests: r.get::<_, i64>(4)? as u64,
                errors: r.get::<_, i64>(5)? as u64,
                input_tokens: r.get::<_, i64>(6)? as u64,
                output_tokens: r.get::<_, i64>(7)? as u64,
                cost_usd: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::recent_requests`](crate::store::Store::recent_requests).
    pub fn recent_requests(&self, limit: usize) -> Result<Vec<RequestLogEntry>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(
            "SELECT source, endpoint, session_id, model, status, latency_ms, input_tokens,
                    output_tokens, cost_usd, upstream_request_id, error
             FROM request_log WHERE (?2 IS NULL OR owner = ?2) ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map(params![limit as i64, self.owner()], |r| {
            Ok(RequestLogEntry {
                source: r.get(0)?,
                endpoint: r.get(1)?,
                session_id: r.get(2)?,
                model: r.get(3)?,
                status: r.get(4)?,
                latency_ms: r.get::<_, i64>(5)? as u64,
                input_tokens: r.get::<_, i64>(6)? as u64,
                output_tokens: r.get::<_, i64>(7)? as u64,
                cost_usd: r.get(8)?,
                upstream_request_id: r.get(9)?,
                error: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::cache_get`](crate::store::Store::cache_get).
    pub fn cache_get(&self, key: &str, max_age: Duration) -> Result<Option<String>> {
        let conn = self.conn()?;
        let oldest = unix_now() - max_age.as_secs() as i64;
        Ok(conn
            .one(
                "SELECT value FROM cache WHERE key = ?1 AND stored_at >= ?2",
                params![key, oldest],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// See [`Store::cache_put`](crate::store::Store::cache_put).
    pub fn cache_put(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO cache (key, value, stored_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at",
                params![key, value, unix_now()],
            )?;
            Ok(())
        })
    }

    fn resolve_id(
        &self,
        table: &str,
        kind: &'static str,
        given: &str,
        name_col: Option<&str>,
    ) -> Result<String> {
        let conn = self.conn()?;
        let exact: Option<String> = conn
            .one(
                &format!("SELECT id FROM {table} WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)"),
                params![given, self.owner()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = exact {
            return Ok(id);
        }
        if let Some(col) = name_col {
            let mut st = conn.prepare_cached(&format!(
                "SELECT id FROM {table} WHERE {col} = ?1 AND (?2 IS NULL OR owner = ?2)"
            ))?;
            let ids: Vec<String> = st
                .query_map(params![given, self.owner()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if let Some(id) = only_id(kind, given, ids)? {
                return Ok(id);
            }
        }
        if given.is_empty() {
            return Err(not_found(kind, given));
        }
        let mut st = conn.prepare_cached(&format!(
            "SELECT id FROM {table} WHERE id LIKE ?1 || '%' ESCAPE '\\'
                AND (?2 IS NULL OR owner = ?2) LIMIT 10"
        ))?;
        let ids: Vec<String> = st
            .query_map(params![like_escaped(given), self.owner()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        only_id(kind, given, ids)?.ok_or_else(|| not_found(kind, given))
    }
}

/// Opens the file read-only (never creating or migrating it) and checks it.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let found = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let journal_mode = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    let mut st = conn.prepare_cached("PRAGMA integrity_check(5)")?;
    let problems: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Inspection {
        schema: SchemaVersion {
            found,
            known: migrate::known(),
        },
        integrity: problems.join("; "),
        journal_mode,
    })
}

fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
