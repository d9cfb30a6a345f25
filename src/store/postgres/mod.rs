//! The PostgreSQL engine: a pool of connections to a server several instances share, with the
//! same rows, order and errors as the SQLite engine. Each method is one transaction (a single
//! statement is its own). What one instance commits, the others hear of by `NOTIFY`, delivered
//! when the transaction commits, through a listener on a connection of its own.

mod accounts;
mod approvals;
mod config;
mod copy;
mod lease;
mod listen;
mod mcp;
pub(super) mod migrate;
mod oauth;
mod responses;
mod search;
#[doc(hidden)]
pub mod testing;
mod tls;
mod trash;

#[cfg(test)]
mod tests;

use super::model::*;
use super::notice::wire;
use super::{
    Error, LOCAL_OWNER, Notice, RequestLogEntry, Result, SchemaVersion, check_stored_id, client_id,
    exists, like_escaped, meta, new_id, not_found, now, only_id, unix_ms, unix_now,
};
use crate::anthropic::Usage;
use crate::store::{LeaseClaim, TurnStart};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_util::sync::{CancellationToken, DropGuard};

/// How long a method waits for a free connection when all are busy.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// A pool of connections to one PostgreSQL database. Cheap to clone; the listener stops when
/// the last clone is dropped.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
    /// Whose rows this handle sees (None: everyone's); see [`Store::scoped`](crate::store::Store::scoped).
    owner: Option<Arc<str>>,
    /// The owner's ids are stored in their space (see [`Store::spaced`](crate::store::Store::spaced)).
    spaced: bool,
}

struct Inner {
    pool: Pool,
    /// The URL, password hidden.
    shown: String,
    /// Cancels the listener when the last handle goes.
    _listener: DropGuard,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("postgres::Db")
            .field("url", &self.inner.shown)
            .finish()
    }
}

/// A tokio-postgres error on one line: the server's message with its SQLSTATE, or the
/// client's with its causes (tokio-postgres's own text stops at "db error").
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{}: {} ({})", db.severity(), db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            s.push_str(&format!("; {detail}"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        s.push_str(&format!(": {c}"));
        cause = c.source();
    }
    s
}

/// A database failure as the store's error.
pub(super) fn pg(e: tokio_postgres::Error) -> Error {
    Error::Postgres(describe(&e))
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Inserts a row: a primary-key or unique clash is `clash`'s conflict (two creators of one
/// id race), as SQLite's `exists_as` says, anything else a failure.
async fn insert(
    c: &impl GenericClient,
    sql: &str,
    params: Params<'_>,
    clash: impl FnOnce() -> Error,
) -> Result<()> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    match c.execute(&st, params).await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Err(clash()),
        Err(e) => Err(pg(e)),
    }
}

/// A statement's rows, the statement prepared once per connection.
async fn rows(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.query(&st, params).await.map_err(pg)
}

/// At most one row.
async fn row(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.query_opt(&st, params).await.map_err(pg)
}

/// Exactly one row.
async fn one(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Row> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.query_one(&st, params).await.map_err(pg)
}

/// The number of rows changed.
async fn exec(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<u64> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.execute(&st, params).await.map_err(pg)
}

/// One column of a row.
fn get<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    r.try_get(i).map_err(pg)
}

/// A row count for `LIMIT`: PostgreSQL refuses a negative one, where SQLite reads it as none.
fn row_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn project_row(r: &Row) -> Result<Project> {
    Ok(Project {
        id: get(r, 0)?,
        name: get(r, 1)?,
        description: get(r, 2)?,
        path: get(r, 3)?,
        created_at: get(r, 4)?,
        updated_at: get(r, 5)?,
        session_count: get(r, 6)?,
    })
}

fn session_row(r: &Row) -> Result<Session> {
    Ok(Session {
        id: get(r, 0)?,
        project_id: get(r, 1)?,
        title: get(r, 2)?,
        model: get(r, 3)?,
        system_prompt: get(r, 4)?,
        status: get(r, 5)?,
        source: get(r, 6)?,
        created_at: get(r, 7)?,
        updated_at: get(r, 8)?,
        message_count: get(r, 9)?,
        total_tokens: get(r, 10)?,
        total_cost: get(r, 11)?,
        deleted_at: get(r, 12)?,
    })
}

async fn project_in(c: &impl GenericClient, owner: Option<&str>, id: &str) -> Result<Project> {
    row(
        c,
        &format!("{PROJECT_SELECT} WHERE p.id = $1 AND ($2::TEXT IS NULL OR p.owner = $2)"),
        &[&id, &owner],
    )
    .await?
    .as_ref()
    .map(project_row)
    .transpose()?
    .ok_or_else(|| not_found("project", id))
}

async fn session_in(c: &impl GenericClient, owner: Option<&str>, id: &str) -> Result<Session> {
    row(
        c,
        &format!("{SESSION_SELECT} WHERE s.id = $1 AND ($2::TEXT IS NULL OR s.owner = $2)"),
        &[&id, &owner],
    )
    .await?
    .as_ref()
    .map(session_row)
    .transpose()?
    .ok_or_else(|| not_found("session", id))
}

/// Makes the owner's default project if it is not there yet; its id.
async fn default_project_in(c: &impl GenericClient, owner: &str, spaced: bool) -> Result<String> {
    let at = now();
    let taken: Option<String> = match row(
        c,
        "SELECT owner FROM projects WHERE id = $1",
        &[&DEFAULT_PROJECT_ID],
    )
    .await?
    {
        Some(r) => Some(get(&r, 0)?),
        None => None,
    };
    let id = crate::store::accounts::default_project_id(owner, taken.as_deref(), spaced);
    exec(
        c,
        "INSERT INTO projects (id, name, description, path, created_at, updated_at, owner)
         VALUES ($1, 'Default', 'Sessions without a project', NULL, $2, $2, $3)
         ON CONFLICT DO NOTHING",
        &[&id, &at, &owner],
    )
    .await?;
    Ok(id)
}

/// Whether the session exists and `owner` (None: anyone) owns it.
async fn session_is_theirs(c: &impl GenericClient, owner: Option<&str>, id: &str) -> Result<bool> {
    Ok(row(
        c,
        "SELECT 1 FROM sessions WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)",
        &[&id, &owner],
    )
    .await?
    .is_some())
}

/// `UPDATE sessions` for a [`SessionUpdate`]; the number of rows changed.
async fn update_session_in(
    c: &impl GenericClient,
    owner: Option<&str>,
    id: &str,
    up: &SessionUpdate,
) -> Result<u64> {
    if !session_is_theirs(c, owner, id).await? {
        return Ok(0);
    }
    if let Some(patch) = &up.metadata {
        merge_metadata_in(c, id, patch).await?;
    }
    let system_prompt = up.system_prompt.clone().flatten();
    exec(
        c,
        "UPDATE sessions SET
            title = COALESCE($2, title),
            model = COALESCE($3, model),
            system_prompt = CASE WHEN $4 THEN $5 ELSE system_prompt END,
            status = COALESCE($6, status),
            updated_at = $7
         WHERE id = $1",
        &[
            &id,
            &up.title,
            &up.model,
            &up.system_prompt.is_some(),
            &system_prompt,
            &up.status,
            &now(),
        ],
    )
    .await
}

/// A session's messages in order.
async fn messages_in(c: &impl GenericClient, session_id: &str) -> Result<Vec<StoredMessage>> {
    let found = rows(
        c,
        "SELECT id, session_id, role, content, model, stop_reason, input_tokens, output_tokens,
                cache_creation_tokens, cache_read_tokens, cost_usd, created_at, unanswered
         FROM messages WHERE session_id = $1 ORDER BY id",
        &[&session_id],
    )
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        let id: i64 = get(r, 0)?;
        out.push(StoredMessage {
            id,
            session_id: get(r, 1)?,
            role: role_from(get(r, 2)?),
            content: content_from(id, get(r, 3)?)?,
            model: get(r, 4)?,
            stop_reason: get(r, 5)?,
            usage: Usage {
                input_tokens: get::<i64>(r, 6)? as u64,
                output_tokens: get::<i64>(r, 7)? as u64,
                cache_creation_input_tokens: get::<i64>(r, 8)? as u64,
                cache_read_input_tokens: get::<i64>(r, 9)? as u64,
            },
            cost_usd: get(r, 10)?,
            created_at: get(r, 11)?,
            unanswered: get(r, 12)?,
        });
    }
    Ok(out)
}

/// Merges keys into a session's metadata, its row locked until the transaction ends.
async fn merge_metadata_in(
    c: &impl GenericClient,
    id: &str,
    patch: &serde_json::Value,
) -> Result<()> {
    let text: String = match row(
        c,
        "SELECT metadata FROM sessions WHERE id = $1 FOR NO KEY UPDATE",
        &[&id],
    )
    .await?
    {
        Some(r) => get(&r, 0)?,
        None => return Err(not_found("session", id)),
    };
    exec(
        c,
        "UPDATE sessions SET metadata = $2, updated_at = $3 WHERE id = $1",
        &[&id, &meta::merged(id, &text, patch)?, &now()],
    )
    .await?;
    Ok(())
}

/// Appends an event and queues its notice (sent when the transaction commits).
///
/// PostgreSQL hands out identities at insert, not at commit, so two writers could commit a
/// session's events out of id order and a reader following the log would skip the later-
/// committed smaller id. Appends to one session therefore queue on its row: each takes its
/// id under the lock and commits before the next one takes its own.
async fn append_event_in(
    c: &impl GenericClient,
    session_id: &str,
    kind: &str,
    data: &serde_json::Value,
) -> Result<i64> {
    exec(
        c,
        "SELECT 1 FROM sessions WHERE id = $1 FOR NO KEY UPDATE",
        &[&session_id],
    )
    .await?;
    let id: i64 = get(
        &one(
            c,
            "INSERT INTO events (session_id, kind, data, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
            &[&session_id, &kind, &data.to_string(), &now()],
        )
        .await?,
        0,
    )?;
    notify_in(
        c,
        &Notice::Event {
            session_id: session_id.to_owned(),
            id,
        },
    )
    .await?;
    Ok(id)
}

/// `pg_notify` for a notice: at once outside a transaction, at its commit inside one.
async fn notify_in(c: &impl GenericClient, n: &Notice) -> Result<()> {
    if let Some((channel, payload)) = wire::encode(n) {
        exec(c, "SELECT pg_notify($1, $2)", &[&channel, &payload]).await?;
    }
    Ok(())
}

impl Db {
    /// Connects to the database at `url` (libpq's URL form; `sslmode`, `sslrootcert` and
    /// `pool_max` honoured), migrates it unless `migrate` is false (then a schema other than
    /// this build's is an error), and starts forwarding every instance's notices to `notices`.
    pub async fn connect(
        url: &str,
        migrate: bool,
        notices: broadcast::Sender<Notice>,
    ) -> Result<Self> {
        let settings = config::parse(url)?;
        let shown = settings.shown.clone();
        {
            let (mut client, conn) =
                settings
                    .pg
                    .connect(settings.tls.clone())
                    .await
                    .map_err(|e| {
                        Error::Postgres(format!("cannot connect to {shown}: {}", describe(&e)))
                    })?;
            tokio::spawn(conn);
            if migrate {
                migrate::run(&mut client, &shown).await?;
            } else {
                migrate::check(&client, &shown).await?;
            }
        }
        let manager = Manager::from_config(
            settings.pg.clone(),
            settings.tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_max)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| Error::Postgres(format!("cannot make a pool for {shown}: {e}")))?;
        let stop = CancellationToken::new();
        listen::start(settings, notices, stop.clone()).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                shown,
                _listener: stop.drop_guard(),
            }),
            owner: None,
            spaced: false,
        })
    }

    /// The same database, seeing only `owner`'s rows (None: everyone's).
    pub(in crate::store) fn scoped(&self, owner: Option<&str>, spaced: bool) -> Self {
        Self {
            inner: self.inner.clone(),
            owner: owner.map(Arc::from),
            spaced,
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

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Client> {
        self.inner.pool.get().await.map_err(|e| {
            let why = match e {
                deadpool_postgres::PoolError::Backend(e) => describe(&e),
                other => other.to_string(),
            };
            Error::Postgres(format!("cannot connect to {}: {why}", self.inner.shown))
        })
    }

    /// Tells every instance on the database (this one too): a signal for whoever runs a
    /// session. Event and approval notices are sent by the writes themselves.
    pub async fn notify(&self, n: &Notice) -> Result<()> {
        notify_in(&self.client().await?, n).await
    }

    /// The schema version of the database and the one this build writes.
    pub async fn schema_version(&self) -> Result<SchemaVersion> {
        let c = self.client().await?;
        migrate::version(&**c).await
    }

    // ---- projects ----

    /// See [`Store::create_project`](crate::store::Store::create_project).
    pub async fn create_project(&self, new: &NewProject) -> Result<Project> {
        if let Some(id) = &new.id {
            check_stored_id("project", id)?;
        }
        let id = new.id.clone().unwrap_or_else(new_id);
        let at = now();
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        insert(
            &tx,
            "INSERT INTO projects (id, name, description, path, created_at, updated_at, owner)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
            &[
                &id,
                &new.name,
                &new.description,
                &new.path,
                &at,
                &self.new_owner(),
            ],
            || exists("project", &id),
        )
        .await?;
        let p = project_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(p)
    }

    /// See [`Store::projects`](crate::store::Store::projects).
    pub async fn projects(&self) -> Result<Vec<Project>> {
        let c = self.client().await?;
        rows(
            &c,
            &format!("{PROJECT_SELECT} WHERE ($1::TEXT IS NULL OR p.owner = $1) ORDER BY p.created_at DESC, p.id"),
            &[&self.owner()],
        )
        .await?
        .iter()
        .map(project_row)
        .collect()
    }

    /// See [`Store::project`](crate::store::Store::project).
    pub async fn project(&self, id: &str) -> Result<Project> {
        project_in(&self.client().await?, self.owner(), id).await
    }

    /// See [`Store::resolve_project`](crate::store::Store::resolve_project).
    pub async fn resolve_project(&self, id_or_name: &str) -> Result<Project> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let id = resolve_id(
            &tx,
            self.owner(),
            "projects",
            "project",
            id_or_name,
            Some("name"),
        )
        .await?;
        let p = project_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(p)
    }

    /// See [`Store::default_project`](crate::store::Store::default_project).
    pub async fn default_project(&self) -> Result<Project> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let id = default_project_in(&tx, self.new_owner(), self.spaced).await?;
        let p = project_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(p)
    }

    /// See [`Store::project_for_dir`](crate::store::Store::project_for_dir).
    pub async fn project_for_dir(&self, dir: &Path) -> Result<Option<Project>> {
        Ok(deepest_project(self.projects().await?, dir))
    }

    /// See [`Store::delete_project`](crate::store::Store::delete_project).
    pub async fn delete_project(&self, id: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(
            &c,
            "DELETE FROM projects WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)",
            &[&id, &self.owner()],
        )
        .await?
            > 0)
    }

    // ---- sessions ----

    /// See [`Store::create_session`](crate::store::Store::create_session).
    pub async fn create_session(&self, new: &NewSession) -> Result<Session> {
        if let Some(id) = &new.id {
            check_stored_id("session", id)?;
        }
        let id = new.id.clone().unwrap_or_else(new_id);
        let at = now();
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let project_id = match &new.project_id {
            Some(p) => project_in(&tx, self.owner(), p).await?.id,
            None => default_project_in(&tx, self.new_owner(), self.spaced).await?,
        };
        insert(
            &tx,
            "INSERT INTO sessions (id, project_id, title, model, system_prompt, source, created_at, updated_at, owner, status, metadata)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, COALESCE($9, 'idle'), COALESCE($10, '{}'))",
            &[
                &id,
                &project_id,
                &new.title,
                &new.model,
                &new.system_prompt,
                &new.source,
                &at,
                &self.new_owner(),
                &new.status,
                &new.metadata.as_ref().map(|m| m.to_string()),
            ],
            || exists("session", &id),
        )
        .await?;
        let s = session_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(s)
    }

    /// See [`Store::session`](crate::store::Store::session).
    pub async fn session(&self, id: &str) -> Result<Session> {
        session_in(&self.client().await?, self.owner(), id).await
    }

    /// See [`Store::resolve_session`](crate::store::Store::resolve_session).
    pub async fn resolve_session(&self, id_or_prefix: &str) -> Result<Session> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        let id = resolve_id(&tx, self.owner(), "sessions", "session", id_or_prefix, None).await?;
        let s = session_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(s)
    }

    /// See [`Store::latest_session`](crate::store::Store::latest_session).
    pub async fn latest_session(&self) -> Result<Option<Session>> {
        let c = self.client().await?;
        row(
            &c,
            &format!(
                "{SESSION_SELECT} WHERE ($1::TEXT IS NULL OR s.owner = $1) AND s.deleted_at IS NULL
                 ORDER BY s.updated_at DESC, s.seq DESC LIMIT 1"
            ),
            &[&self.owner()],
        )
        .await?
        .as_ref()
        .map(session_row)
        .transpose()
    }

    /// See [`Store::sessions`](crate::store::Store::sessions).
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Vec<Session>> {
        let limit = filter.limit.map(row_limit);
        let c = self.client().await?;
        rows(
            &c,
            &format!(
                "{SESSION_SELECT} WHERE ($1::TEXT IS NULL OR s.project_id = $1)
                   AND ($3::TEXT IS NULL OR s.status = $3) AND ($4::TEXT IS NULL OR s.owner = $4)
                   AND ((s.deleted_at IS NOT NULL) = $5)
                 ORDER BY s.updated_at DESC, s.seq DESC LIMIT $2 OFFSET $6"
            ),
            &[
                &filter.project_id,
                &limit,
                &filter.status,
                &self.owner(),
                &filter.deleted,
                &(filter.offset.unwrap_or(0) as i64),
            ],
        )
        .await?
        .iter()
        .map(session_row)
        .collect()
    }

    /// See [`Store::session_ids`](crate::store::Store::session_ids).
    pub async fn session_ids(&self) -> Result<Vec<String>> {
        let c = self.client().await?;
        rows(
            &c,
            "SELECT id FROM sessions WHERE ($1::TEXT IS NULL OR owner = $1) ORDER BY id",
            &[&self.owner()],
        )
        .await?
        .iter()
        .map(|r| get(r, 0))
        .collect()
    }

    /// See [`Store::update_session`](crate::store::Store::update_session).
    pub async fn update_session(&self, id: &str, up: &SessionUpdate) -> Result<Session> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        if update_session_in(&tx, self.owner(), id, up).await? == 0 {
            return Err(not_found("session", id));
        }
        let s = session_in(&tx, self.owner(), id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(s)
    }

    /// See [`Store::session_metadata`](crate::store::Store::session_metadata).
    pub async fn session_metadata(&self, id: &str) -> Result<serde_json::Value> {
        let c = self.client().await?;
        let text: String = match row(
            &c,
            "SELECT metadata FROM sessions WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)",
            &[&id, &self.owner()],
        )
        .await?
        {
            Some(r) => get(&r, 0)?,
            None => return Err(not_found("session", id)),
        };
        meta::parse(id, &text)
    }

    /// Merges keys into a session's metadata, read and written in one transaction (the row
    /// locked between), so two merges never lose each other's keys.
    pub async fn merge_session_metadata(&self, id: &str, patch: &serde_json::Value) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        merge_metadata_in(&tx, id, patch).await?;
        tx.commit().await.map_err(pg)
    }

    /// See [`Store::session_by_metadata`](crate::store::Store::session_by_metadata).
    pub async fn session_by_metadata(&self, key: &str, value: &str) -> Result<Option<Session>> {
        let c = self.client().await?;
        row(
            &c,
            &format!(
                "{SESSION_SELECT} WHERE jsonb_typeof(s.metadata::jsonb -> $1) = 'string'
                   AND s.metadata::jsonb ->> $1 = $2 AND ($3::TEXT IS NULL OR s.owner = $3)
                 ORDER BY s.updated_at DESC LIMIT 1"
            ),
            &[&key, &value, &self.owner()],
        )
        .await?
        .as_ref()
        .map(session_row)
        .transpose()
    }

    /// The folder a session's tools work in: its project's path, else the workspace noted in
    /// its metadata, else `new_folder`, noted there (one transaction, the row locked).
    pub async fn session_root(&self, session_id: &str, new_folder: &str) -> Result<String> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let r = row(
            &tx,
            "SELECT p.path, s.metadata FROM sessions s JOIN projects p ON p.id = s.project_id
             WHERE s.id = $1 AND ($2::TEXT IS NULL OR s.owner = $2) FOR NO KEY UPDATE OF s",
            &[&session_id, &self.owner()],
        )
        .await?
        .ok_or_else(|| not_found("session", session_id))?;
        let (path, meta): (Option<String>, String) = (get(&r, 0)?, get(&r, 1)?);
        if let Some(root) = meta::root(path, &meta) {
            return Ok(root);
        }
        merge_metadata_in(&tx, session_id, &meta::workspace(new_folder)).await?;
        tx.commit().await.map_err(pg)?;
        Ok(new_folder.to_owned())
    }

    /// See [`Store::open_session`](crate::store::Store::open_session).
    pub async fn open_session(&self, new: &NewSession) -> Result<Session> {
        if let Some(id) = &new.id {
            check_stored_id("session", id)?;
        }
        if let Some(p) = &new.project_id {
            check_stored_id("project", p)?;
        }
        let id = new.id.clone().unwrap_or_else(new_id);
        let at = now();
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let project_id = match &new.project_id {
            Some(p) => {
                exec(
                    &tx,
                    "INSERT INTO projects (id, name, description, path, created_at, updated_at, owner)
                     VALUES ($1, $4, '', NULL, $2, $2, $3) ON CONFLICT DO NOTHING",
                    &[p, &at, &self.new_owner(), &client_id(p)],
                )
                .await?;
                // another owner's project of that name is not theirs to fill
                project_in(&tx, Some(self.new_owner()), p).await?.id
            }
            None => default_project_in(&tx, self.new_owner(), self.spaced).await?,
        };
        exec(
            &tx,
            "INSERT INTO sessions (id, project_id, title, model, system_prompt, source, created_at, updated_at, owner)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) ON CONFLICT DO NOTHING",
            &[
                &id,
                &project_id,
                &new.title,
                &new.model,
                &new.system_prompt,
                &new.source,
                &at,
                &self.new_owner(),
            ],
        )
        .await?;
        let s = session_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(s)
    }

    /// A session's messages in order; the session must exist (one snapshot).
    pub async fn session_messages(&self, id: &str) -> Result<Vec<StoredMessage>> {
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        session_in(&tx, self.owner(), id).await?;
        let out = messages_in(&tx, id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    /// See [`Store::set_session_status`](crate::store::Store::set_session_status).
    pub async fn set_session_status(&self, id: &str, status: &str) -> Result<Session> {
        self.update_session(
            id,
            &SessionUpdate {
                status: Some(status.to_owned()),
                ..Default::default()
            },
        )
        .await
    }

    /// See [`Store::delete_session`](crate::store::Store::delete_session).
    pub async fn delete_session(&self, id: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(
            &c,
            "DELETE FROM sessions WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)",
            &[&id, &self.owner()],
        )
        .await?
            > 0)
    }

    /// See [`Store::session_stats`](crate::store::Store::session_stats).
    pub async fn session_stats(&self) -> Result<SessionStats> {
        let c = self.client().await?;
        let r = one(&c, SESSION_STATS, &[&self.owner()]).await?;
        Ok(SessionStats {
            total_sessions: get(&r, 0)?,
            running_sessions: get(&r, 1)?,
            total_messages: get(&r, 2)?,
            total_tokens: get(&r, 3)?,
            total_cost: get(&r, 4)?,
        })
    }

    // ---- messages ----

    /// See [`Store::add_message`](crate::store::Store::add_message).
    pub async fn add_message(&self, session_id: &str, new: &NewMessage) -> Result<StoredMessage> {
        self.add_message_logged(session_id, new, None, None, None)
            .await
    }

    /// See [`Store::add_message_logged`](crate::store::Store::add_message_logged).
    pub async fn add_message_logged(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
        release_lease_of: Option<&str>,
    ) -> Result<StoredMessage> {
        let content = new.content_json()?;
        let at = now();
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        lock_session_in(&tx, self.owner(), session_id, &at).await?;
        let id = insert_message_in(
            &tx,
            self.owner(),
            session_id,
            new,
            &content,
            &at,
            event,
            update,
        )
        .await?;
        if let Some(holder) = release_lease_of {
            exec(
                &tx,
                "DELETE FROM session_leases WHERE session_id = $1 AND owner = $2",
                &[&session_id, &holder],
            )
            .await?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(new.stored(id, session_id, at))
    }

    /// See [`Store::start_turn`](crate::store::Store::start_turn).
    pub async fn start_turn(
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
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        lock_session_in(&tx, self.owner(), session_id, &at).await?;
        if let Some(claim) = claim
            && let Some(held) = lease::take_lease_in(&tx, session_id, claim).await?
        {
            // nothing changes: the session's touch is rolled back with the transaction
            return Ok(TurnStart::Held(held));
        }
        let history = match history {
            true => Some(messages_in(&tx, session_id).await?),
            false => None,
        };
        let id = insert_message_in(
            &tx,
            self.owner(),
            session_id,
            new,
            &content,
            &at,
            event,
            update,
        )
        .await?;
        tx.commit().await.map_err(pg)?;
        Ok(TurnStart::Began {
            history,
            user: new.stored(id, session_id, at),
        })
    }

    /// Marks a user message as unanswered: its turn failed before any answer, so later turns
    /// leave it out of the history (it stays stored and shown).
    pub async fn mark_unanswered(&self, message_id: i64) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "UPDATE messages SET unanswered = true WHERE id = $1 AND role = 'user'",
            &[&message_id],
        )
        .await?;
        Ok(())
    }

    /// See [`Store::messages`](crate::store::Store::messages).
    pub async fn messages(&self, session_id: &str) -> Result<Vec<StoredMessage>> {
        messages_in(&self.client().await?, session_id).await
    }

    // ---- events ----

    /// Appends an event to a session's log; returns its id. Every instance hears of it once
    /// it is committed.
    pub async fn append_event(
        &self,
        session_id: &str,
        kind: &str,
        data: &serde_json::Value,
    ) -> Result<i64> {
        // one statement, one round trip: the session row locked (appends to one session
        // commit in id order, so a reader after an id never skips one), the row, its notice
        let c = self.client().await?;
        let found = row(
            &c,
            "WITH s AS (SELECT id FROM sessions WHERE id = $1 FOR NO KEY UPDATE),
                  e AS (INSERT INTO events (session_id, kind, data, created_at)
                        SELECT s.id, $2, $3, $4 FROM s RETURNING id)
             SELECT e.id, pg_notify($5, e.id::TEXT || ' ' || $1)::TEXT FROM e",
            &[&session_id, &kind, &data.to_string(), &now(), &wire::EVENTS],
        )
        .await?;
        get(&found.ok_or_else(|| not_found("session", session_id))?, 0)
    }

    /// See [`Store::events`](crate::store::Store::events).
    pub async fn events(&self, session_id: &str, after: Option<i64>) -> Result<Vec<Event>> {
        let c = self.client().await?;
        rows(
            &c,
            "SELECT id, session_id, kind, data, created_at FROM events
             WHERE session_id = $1 AND id > $2 ORDER BY id",
            &[&session_id, &after.unwrap_or(0)],
        )
        .await?
        .iter()
        .map(|r| {
            let data: String = get(r, 3)?;
            Ok(Event {
                id: get(r, 0)?,
                session_id: get(r, 1)?,
                kind: get(r, 2)?,
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data)),
                created_at: get(r, 4)?,
            })
        })
        .collect()
    }

    /// See [`Store::events_page`](crate::store::Store::events_page).
    pub async fn events_page(
        &self,
        session_id: &str,
        after: i64,
        upto: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RawEvent>> {
        let c = self.client().await?;
        rows(
            &c,
            "SELECT id, kind, data, created_at FROM events
             WHERE session_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4",
            &[
                &session_id,
                &after,
                &upto.unwrap_or(i64::MAX),
                &(limit as i64),
            ],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(RawEvent::from_row(
                get(r, 0)?,
                get(r, 1)?,
                get(r, 2)?,
                get(r, 3)?,
            ))
        })
        .collect()
    }

    /// See [`Store::last_event_id`](crate::store::Store::last_event_id).
    pub async fn last_event_id(&self, session_id: &str) -> Result<i64> {
        let c = self.client().await?;
        let r = one(
            &c,
            "SELECT MAX(id) FROM events WHERE session_id = $1",
            &[&session_id],
        )
        .await?;
        Ok(get::<Option<i64>>(&r, 0)?.unwrap_or(0))
    }

    /// See [`Store::event_span`](crate::store::Store::event_span).
    pub async fn event_span(&self, session_id: &str, after: i64) -> Result<(u64, i64)> {
        let c = self.client().await?;
        let r = one(
            &c,
            "SELECT COUNT(*), MAX(id) FROM events WHERE session_id = $1 AND id > $2",
            &[&session_id, &after],
        )
        .await?;
        Ok((
            get::<i64>(&r, 0)? as u64,
            get::<Option<i64>>(&r, 1)?.unwrap_or(after),
        ))
    }

    // ---- request log and cache ----

    /// See [`Store::log_request`](crate::store::Store::log_request).
    pub async fn log_request(&self, entry: &RequestLogEntry) -> Result<()> {
        self.log_requests(
            &[LoggedRequest {
                owner: self.new_owner().to_owned(),
                at: now(),
                entry: entry.clone(),
            }],
            None,
        )
        .await
    }

    /// Writes a batch of request-log rows and their usage in one transaction; rows older
    /// than `expire_before` (RFC 3339) go.
    pub async fn log_requests(
        &self,
        rows: &[LoggedRequest],
        expire_before: Option<&str>,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        for r in rows {
            let e = &r.entry;
            exec(
                &tx,
                REQUEST_LOG_INSERT,
                &[
                    &r.at,
                    &e.source,
                    &e.endpoint,
                    &e.session_id,
                    &e.model,
                    &e.status,
                    &(e.latency_ms as i64),
                    &(e.input_tokens as i64),
                    &(e.output_tokens as i64),
                    &e.cost_usd,
                    &e.upstream_request_id,
                    &e.error,
                    &r.owner,
                ],
            )
            .await?;
            exec(
                &tx,
                USAGE_ADD,
                &[
                    &r.owner,
                    &usage_day(&r.at),
                    &e.model.as_deref().unwrap_or(""),
                    &e.source,
                    &i64::from(e.error.is_some()),
                    &(e.input_tokens as i64),
                    &(e.output_tokens as i64),
                    &e.cost_usd,
                ],
            )
            .await?;
        }
        if let Some(before) = expire_before {
            exec(
                &tx,
                "DELETE FROM request_log WHERE created_at < $1",
                &[&before],
            )
            .await?;
        }
        tx.commit().await.map_err(pg)
    }

    /// See [`Store::usage`](crate::store::Store::usage).
    pub async fn usage(&self, since_day: &str) -> Result<Vec<UsageDay>> {
        let c = self.client().await?;
        rows(&c, USAGE_SELECT, &[&since_day, &self.owner()])
            .await?
            .iter()
            .map(|r| {
                Ok(UsageDay {
                    owner: get(r, 0)?,
                    day: get(r, 1)?,
                    model: get(r, 2)?,
                    source: get(r, 3)?,
                    requests: get::<i64>(r, 4)? as u64,
                    errors: get::<i64>(r, 5)? as u64,
                    input_tokens: get::<i64>(r, 6)? as u64,
                    output_tokens: get::<i64>(r, 7)? as u64,
                    cost_usd: get(r, 8)?,
                })
            })
            .collect()
    }

    /// See [`Store::recent_requests`](crate::store::Store::recent_requests).
    pub async fn recent_requests(&self, limit: usize) -> Result<Vec<RequestLogEntry>> {
        let c = self.client().await?;
        rows(
            &c,
            "SELECT source, endpoint, session_id, model, status, latency_ms, input_tokens,
                    output_tokens, cost_usd, upstream_request_id, error
             FROM request_log WHERE ($2::TEXT IS NULL OR owner = $2) ORDER BY id DESC LIMIT $1",
            &[&row_limit(limit), &self.owner()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(RequestLogEntry {
                source: get(r, 0)?,
                endpoint: get(r, 1)?,
                session_id: get(r, 2)?,
                model: get(r, 3)?,
                status: get(r, 4)?,
                latency_ms: get::<i64>(r, 5)? as u64,
                input_tokens: get::<i64>(r, 6)? as u64,
                output_tokens: get::<i64>(r, 7)? as u64,
                cost_usd: get(r, 8)?,
                upstream_request_id: get(r, 9)?,
                error: get(r, 10)?,
            })
        })
        .collect()
    }

    /// See [`Store::cache_get`](crate::store::Store::cache_get).
    pub async fn cache_get(&self, key: &str, max_age: Duration) -> Result<Option<String>> {
        let oldest = unix_now() - max_age.as_secs() as i64;
        let c = self.client().await?;
        row(
            &c,
            "SELECT value FROM cache WHERE key = $1 AND stored_at >= $2",
            &[&key, &oldest],
        )
        .await?
        .map(|r| get(&r, 0))
        .transpose()
    }

    /// See [`Store::cache_put`](crate::store::Store::cache_put).
    pub async fn cache_put(&self, key: &str, value: &str) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "INSERT INTO cache (key, value, stored_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at",
            &[&key, &value, &unix_now()],
        )
        .await?;
        Ok(())
    }
}

/// A read-only transaction on one snapshot, for reads of several statements.
async fn read_tx(c: &mut deadpool_postgres::Client) -> Result<deadpool_postgres::Transaction<'_>> {
    c.build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg)
}

/// An id from an exact id, an exact name (when the table has one) or a unique prefix. A
/// prefix is matched as SQLite's LIKE does: ASCII letters in any case, `%` and `_` literal.
async fn resolve_id(
    c: &impl GenericClient,
    owner: Option<&str>,
    table: &str,
    kind: &'static str,
    given: &str,
    name_col: Option<&str>,
) -> Result<String> {
    if let Some(r) = row(
        c,
        &format!("SELECT id FROM {table} WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)"),
        &[&given, &owner],
    )
    .await?
    {
        return get(&r, 0);
    }
    let pick = |ids: Vec<Row>| -> Result<Option<String>> {
        let ids = ids.iter().map(|r| get(r, 0)).collect::<Result<_>>()?;
        only_id(kind, given, ids)
    };
    if let Some(col) = name_col {
        let ids = rows(
            c,
            &format!(
                "SELECT id FROM {table} WHERE {col} = $1 AND ($2::TEXT IS NULL OR owner = $2)"
            ),
            &[&given, &owner],
        )
        .await?;
        if let Some(id) = pick(ids)? {
            return Ok(id);
        }
    }
    if given.is_empty() {
        return Err(not_found(kind, given));
    }
    let ids = rows(
        c,
        &format!(
            r"SELECT id FROM {table} WHERE id ILIKE $1 || '%' ESCAPE E'\\'
              AND ($2::TEXT IS NULL OR owner = $2) LIMIT 10"
        ),
        &[&like_escaped(given), &owner],
    )
    .await?;
    pick(ids)?.ok_or_else(|| not_found(kind, given))
}

/// Touches the session (taking its row lock before any message or event id is drawn, see
/// `append_event_in`); not found unless it exists and is `owner`'s.
async fn lock_session_in(
    tx: &deadpool_postgres::Transaction<'_>,
    owner: Option<&str>,
    session_id: &str,
    at: &str,
) -> Result<()> {
    let n = exec(
        tx,
        "UPDATE sessions SET updated_at = $2 WHERE id = $1 AND ($3::TEXT IS NULL OR owner = $3)",
        &[&session_id, &at, &owner],
    )
    .await?;
    if n == 0 {
        return Err(not_found("session", session_id));
    }
    Ok(())
}

/// Inserts a message, its event and a change to its session in `tx` (whose session row is
/// locked); the message's id.
#[allow(clippy::too_many_arguments)]
async fn insert_message_in(
    tx: &deadpool_postgres::Transaction<'_>,
    owner: Option<&str>,
    session_id: &str,
    new: &NewMessage,
    content: &str,
    at: &str,
    event: Option<&NewEvent>,
    update: Option<&SessionUpdate>,
) -> Result<i64> {
    let r = one(
        tx,
        "INSERT INTO messages (session_id, role, content, model, stop_reason, input_tokens,
            output_tokens, cache_creation_tokens, cache_read_tokens, cost_usd, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id",
        &[
            &session_id,
            &new.role.as_str(),
            &content,
            &new.model,
            &new.stop_reason,
            &(new.usage.input_tokens as i64),
            &(new.usage.output_tokens as i64),
            &(new.usage.cache_creation_input_tokens as i64),
            &(new.usage.cache_read_input_tokens as i64),
            &new.cost_usd,
            &at,
        ],
    )
    .await?;
    let id: i64 = get(&r, 0)?;
    if let Some(ev) = event {
        append_event_in(tx, session_id, &ev.kind, &ev.with_message_id(id)).await?;
    }
    if let Some(up) = update
        && update_session_in(tx, owner, session_id, up).await? == 0
    {
        return Err(not_found("session", session_id));
    }
    Ok(id)
}
