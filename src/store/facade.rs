//! [`Store`]: one handle, two engines. Each method is one unit of work; on SQLite it runs on
//! the blocking pool, on PostgreSQL it is a query on a pooled connection.

use super::sqlite;
use super::*;
use std::path::Path;
use std::time::Duration;

/// A handle to the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    engine: Engine,
}

/// The engine under a [`Store`].
#[derive(Clone, Debug)]
pub enum Engine {
    /// The embedded file.
    Sqlite(sqlite::Db),
    /// A PostgreSQL server.
    Postgres(postgres::Db),
}

/// Runs one method on whichever engine: `{prep}` makes owned copies for SQLite's blocking
/// closure (only on that path), and a failure of the store itself is counted.
macro_rules! on {
    ($s:expr, {$($prep:stmt;)*} |$d:ident| $lite:expr, |$p:ident| $pg:expr) => {
        $s.counted(match &$s.engine {
            Engine::Sqlite(db) => {
                $($prep)*
                db.run(move |$d| $lite).await
            }
            Engine::Postgres($p) => $pg.await,
        })
    };
}

impl Store {
    /// Opens (creating if needed, mode 0600) and migrates the SQLite file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            engine: Engine::Sqlite(sqlite::Db::open(path)?),
        })
    }

    /// A private in-memory SQLite database, for tests and `--no-store` turns.
    pub fn open_in_memory() -> Result<Self> {
        Ok(Self {
            engine: Engine::Sqlite(sqlite::Db::open_in_memory()?),
        })
    }

    /// Opens the store at `db`, bringing its schema up to date unless `migrate` is false
    /// (then a schema other than this build's is an error).
    pub async fn connect(db: &Database, migrate: bool) -> Result<Self> {
        let engine = match db {
            Database::Sqlite(path) => {
                let path = path.clone();
                let db = tokio::task::spawn_blocking(move || {
                    if migrate {
                        sqlite::Db::open(&path)
                    } else {
                        sqlite::Db::open_unmigrated(&path)
                    }
                })
                .await
                .map_err(|e| Error::Task(e.to_string()))??;
                Engine::Sqlite(db)
            }
            Database::Postgres(url) => Engine::Postgres(
                postgres::Db::connect(url, migrate, tokio::sync::broadcast::channel(1024).0)
                    .await?,
            ),
        };
        Ok(Self { engine })
    }

    /// The engine, for what only one of them has (the SQLite file's path, PostgreSQL's
    /// notifications).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The SQLite file, if that is the engine and not in memory.
    pub fn path(&self) -> Option<&Path> {
        match &self.engine {
            Engine::Sqlite(db) => db.path(),
            Engine::Postgres(_) => None,
        }
    }

    /// `sqlite` or `postgres`.
    pub fn engine_name(&self) -> &'static str {
        match &self.engine {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }

    /// TEMPORARY while callers move to the async methods: blocking work on the SQLite engine.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&sqlite::Db) -> Result<T> + Send + 'static,
    {
        match &self.engine {
            Engine::Sqlite(db) => self.counted(db.run(f).await),
            Engine::Postgres(_) => Err(Error::Postgres("not converted yet".into())),
        }
    }

    fn counted<T>(&self, out: Result<T>) -> Result<T> {
        if let Err(e) = &out
            && e.is_failure()
        {
            crate::metrics::store_error();
        }
        out
    }

    /// The schema version of the store and the one this build writes; equal once migrated.
    pub async fn schema_version(&self) -> Result<SchemaVersion> {
        on!(self, {} | d | d.schema_version(), |p| p.schema_version())
    }

    /// Adds a project; a chosen id that exists is a conflict.
    pub async fn create_project(&self, new: &NewProject) -> Result<Project> {
        on!(
            self,
            {
                let new_ = new.to_owned();
            } | d
                | d.create_project(&new_),
            |p| p.create_project(new)
        )
    }

    /// All projects, newest first.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        on!(self, {} | d | d.projects(), |p| p.projects())
    }

    /// One project by id.
    pub async fn project(&self, id: &str) -> Result<Project> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.project(&id_),
            |p| p.project(id)
        )
    }

    /// A project by exact id, unique id prefix, or exact name.
    pub async fn resolve_project(&self, id_or_name: &str) -> Result<Project> {
        on!(
            self,
            {
                let id_or_name_ = id_or_name.to_owned();
            } | d
                | d.resolve_project(&id_or_name_),
            |p| p.resolve_project(id_or_name)
        )
    }

    /// The project sessions fall into when none is named; made on first use.
    pub async fn default_project(&self) -> Result<Project> {
        on!(self, {} | d | d.default_project(), |p| p.default_project())
    }

    /// The project whose path holds `dir` (the deepest one), if any.
    pub async fn project_for_dir(&self, dir: &Path) -> Result<Option<Project>> {
        on!(
            self,
            {
                let dir_ = dir.to_owned();
            } | d
                | d.project_for_dir(&dir_),
            |p| p.project_for_dir(dir)
        )
    }

    /// Deletes a project and its sessions. True if it existed.
    pub async fn delete_project(&self, id: &str) -> Result<bool> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.delete_project(&id_),
            |p| p.delete_project(id)
        )
    }

    /// Adds a session; `project_id` None means the default project.
    pub async fn create_session(&self, new: &NewSession) -> Result<Session> {
        on!(
            self,
            {
                let new_ = new.to_owned();
            } | d
                | d.create_session(&new_),
            |p| p.create_session(new)
        )
    }

    /// One session by exact id.
    pub async fn session(&self, id: &str) -> Result<Session> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.session(&id_),
            |p| p.session(id)
        )
    }

    /// A session by exact id or unique prefix.
    pub async fn resolve_session(&self, id_or_prefix: &str) -> Result<Session> {
        on!(
            self,
            {
                let id_or_prefix_ = id_or_prefix.to_owned();
            } | d
                | d.resolve_session(&id_or_prefix_),
            |p| p.resolve_session(id_or_prefix)
        )
    }

    /// The most recently active session, if any.
    pub async fn latest_session(&self) -> Result<Option<Session>> {
        on!(self, {} | d | d.latest_session(), |p| p.latest_session())
    }

    /// Sessions, most recently active first.
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Vec<Session>> {
        on!(
            self,
            {
                let filter_ = filter.to_owned();
            } | d
                | d.sessions(&filter_),
            |p| p.sessions(filter)
        )
    }

    /// Every session's id (for abbreviating ids so that each prefix names one session).
    pub async fn session_ids(&self) -> Result<Vec<String>> {
        on!(self, {} | d | d.session_ids(), |p| p.session_ids())
    }

    /// Changes a session's settings; `None` fields stay.
    pub async fn update_session(&self, id: &str, up: &SessionUpdate) -> Result<Session> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                let up_ = up.to_owned();
            } | d
                | d.update_session(&id_, &up_),
            |p| p.update_session(id, up)
        )
    }

    /// A session's free-form metadata (a run keeps its repository and branch here).
    pub async fn session_metadata(&self, id: &str) -> Result<serde_json::Value> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.session_metadata(&id_),
            |p| p.session_metadata(id)
        )
    }

    /// Merges keys into a session's metadata, read and written in one transaction.
    pub async fn merge_session_metadata(&self, id: &str, patch: &serde_json::Value) -> Result<()> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                let patch_ = patch.to_owned();
            } | d
                | d.merge_session_metadata(&id_, &patch_),
            |p| p.merge_session_metadata(id, patch)
        )
    }

    /// Sets a session's status (`idle`, `running`, `completed`, `error`).
    pub async fn set_session_status(&self, id: &str, status: &str) -> Result<Session> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                let status_ = status.to_owned();
            } | d
                | d.set_session_status(&id_, &status_),
            |p| p.set_session_status(id, status)
        )
    }

    /// Deletes a session with its messages and events. True if it existed.
    pub async fn delete_session(&self, id: &str) -> Result<bool> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.delete_session(&id_),
            |p| p.delete_session(id)
        )
    }

    /// Totals over all sessions.
    pub async fn session_stats(&self) -> Result<SessionStats> {
        on!(self, {} | d | d.session_stats(), |p| p.session_stats())
    }

    /// Appends a message and bumps the session's activity time.
    pub async fn add_message(&self, session_id: &str, new: &NewMessage) -> Result<StoredMessage> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let new_ = new.to_owned();
            } | d
                | d.add_message(&session_id_, &new_),
            |p| p.add_message(session_id, new)
        )
    }

    /// Appends a message with, in the same transaction, its event (whose data gets the
    /// message's `message_id`) and a change to the session's settings.
    pub async fn add_message_logged(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
    ) -> Result<StoredMessage> {
        on!(
            self,
            {
                let sid = session_id.to_owned();
                let new_ = new.clone();
                let event_ = event.cloned();
                let update_ = update.cloned();
            } | d
                | d.add_message_logged(&sid, &new_, event_.as_ref(), update_.as_ref()),
            |p| p.add_message_logged(session_id, new, event, update)
        )
    }

    /// Marks a user message as unanswered: its turn failed before any answer, so later turns leave it out of the history.
    pub async fn mark_unanswered(&self, message_id: i64) -> Result<()> {
        on!(self, {} | d | d.mark_unanswered(message_id), |p| p
            .mark_unanswered(message_id))
    }

    /// A session's messages in order.
    pub async fn messages(&self, session_id: &str) -> Result<Vec<StoredMessage>> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
            } | d
                | d.messages(&session_id_),
            |p| p.messages(session_id)
        )
    }

    /// Appends an event to a session's log; returns its id.
    pub async fn append_event(
        &self,
        session_id: &str,
        kind: &str,
        data: &serde_json::Value,
    ) -> Result<i64> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let kind_ = kind.to_owned();
                let data_ = data.to_owned();
            } | d
                | d.append_event(&session_id_, &kind_, &data_),
            |p| p.append_event(session_id, kind, data)
        )
    }

    /// A session's events with an id above `after`, in order.
    pub async fn events(&self, session_id: &str, after: Option<i64>) -> Result<Vec<Event>> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
            } | d
                | d.events(&session_id_, after),
            |p| p.events(session_id, after)
        )
    }

    /// Records one upstream exchange.
    pub async fn log_request(&self, entry: &RequestLogEntry) -> Result<()> {
        on!(
            self,
            {
                let entry_ = entry.to_owned();
            } | d
                | d.log_request(&entry_),
            |p| p.log_request(entry)
        )
    }

    /// The most recent request-log rows, newest first.
    pub async fn recent_requests(&self, limit: usize) -> Result<Vec<RequestLogEntry>> {
        on!(self, {} | d | d.recent_requests(limit), |p| p
            .recent_requests(limit))
    }

    /// A cached value no older than `max_age`.
    pub async fn cache_get(&self, key: &str, max_age: Duration) -> Result<Option<String>> {
        on!(
            self,
            {
                let key_ = key.to_owned();
            } | d
                | d.cache_get(&key_, max_age),
            |p| p.cache_get(key, max_age)
        )
    }

    /// Stores a cached value.
    pub async fn cache_put(&self, key: &str, value: &str) -> Result<()> {
        on!(
            self,
            {
                let key_ = key.to_owned();
                let value_ = value.to_owned();
            } | d
                | d.cache_put(&key_, &value_),
            |p| p.cache_put(key, value)
        )
    }

    /// Takes a session's lease for `ttl_ms`, in one transaction: free, lapsed, or held by a process `is_gone` says is dead. A live holder (even this process) keeps it.
    pub async fn acquire_lease(
        &self,
        session_id: &str,
        owner: &LeaseOwner,
        ttl_ms: i64,
        is_gone: fn(&Lease) -> bool,
    ) -> Result<Acquired> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let owner_ = owner.to_owned();
            } | d
                | d.acquire_lease(&session_id_, &owner_, ttl_ms, is_gone),
            |p| p.acquire_lease(session_id, owner, ttl_ms, is_gone)
        )
    }

    /// Renews a lease we hold; false when it is no longer ours (lapsed and taken).
    pub async fn renew_lease(&self, session_id: &str, owner_id: &str, ttl_ms: i64) -> Result<bool> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let owner_id_ = owner_id.to_owned();
            } | d
                | d.renew_lease(&session_id_, &owner_id_, ttl_ms),
            |p| p.renew_lease(session_id, owner_id, ttl_ms)
        )
    }

    /// Gives a lease back (only if it is still ours).
    pub async fn release_lease(&self, session_id: &str, owner_id: &str) -> Result<()> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let owner_id_ = owner_id.to_owned();
            } | d
                | d.release_lease(&session_id_, &owner_id_),
            |p| p.release_lease(session_id, owner_id)
        )
    }

    /// A session's lease, if any (lapsed ones included).
    pub async fn lease(&self, session_id: &str) -> Result<Option<Lease>> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
            } | d
                | d.lease(&session_id_),
            |p| p.lease(session_id)
        )
    }

    /// Records a request for approval and its event, in one transaction.
    pub async fn create_approval(&self, new: &NewApproval) -> Result<Approval> {
        on!(
            self,
            {
                let new_ = new.to_owned();
            } | d
                | d.create_approval(&new_),
            |p| p.create_approval(new)
        )
    }

    /// Answers a request once: a second answer, or one after its expiry, is a conflict.
    pub async fn decide_approval(
        &self,
        id: &str,
        decision: &str,
        message: Option<&str>,
    ) -> Result<Approval> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                let decision_ = decision.to_owned();
                let message_ = message.map(str::to_owned);
            } | d
                | d.decide_approval(&id_, &decision_, message_.as_deref()),
            |p| p.decide_approval(id, decision, message)
        )
    }

    /// One request by id.
    pub async fn approval(&self, id: &str) -> Result<Approval> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.approval(&id_),
            |p| p.approval(id)
        )
    }

    /// The request for a session's tool call, if one was made.
    pub async fn approval_for_tool_use(
        &self,
        session_id: &str,
        tool_use_id: &str,
    ) -> Result<Option<Approval>> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let tool_use_id_ = tool_use_id.to_owned();
            } | d
                | d.approval_for_tool_use(&session_id_, &tool_use_id_),
            |p| p.approval_for_tool_use(session_id, tool_use_id)
        )
    }

    /// Requests still waiting, newest first.
    pub async fn pending_approvals(&self) -> Result<Vec<Approval>> {
        on!(self, {} | d | d.pending_approvals(), |p| p
            .pending_approvals())
    }

    /// The approval log after event `after`, oldest first (at most 1000).
    pub async fn approval_events(&self, after: i64) -> Result<Vec<ApprovalEvent>> {
        on!(self, {} | d | d.approval_events(after), |p| p
            .approval_events(after))
    }

    /// All registered servers, built-in first, then by name.
    pub async fn mcp_servers(&self) -> Result<Vec<McpServerRow>> {
        on!(self, {} | d | d.mcp_servers(), |p| p.mcp_servers())
    }

    /// A server by id or name.
    pub async fn mcp_server(&self, id_or_name: &str) -> Result<McpServerRow> {
        on!(
            self,
            {
                let id_or_name_ = id_or_name.to_owned();
            } | d
                | d.mcp_server(&id_or_name_),
            |p| p.mcp_server(id_or_name)
        )
    }

    /// Registers a server; the name must be free.
    pub async fn add_mcp_server(&self, new: &NewMcpServer) -> Result<McpServerRow> {
        on!(
            self,
            {
                let new_ = new.to_owned();
            } | d
                | d.add_mcp_server(&new_),
            |p| p.add_mcp_server(new)
        )
    }

    /// Removes a server (not a built-in one). True if it existed.
    pub async fn delete_mcp_server(&self, id: &str) -> Result<bool> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.delete_mcp_server(&id_),
            |p| p.delete_mcp_server(id)
        )
    }

    /// Enables or disables a server everywhere.
    pub async fn set_mcp_enabled(&self, id: &str, on: bool) -> Result<()> {
        on!(
            self,
            {
                let id_ = id.to_owned();
            } | d
                | d.set_mcp_enabled(&id_, on),
            |p| p.set_mcp_enabled(id, on)
        )
    }

    /// The servers a session offers, enabled ones only.
    pub async fn session_servers(&self, session_id: &str) -> Result<Vec<McpServerRow>> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
            } | d
                | d.session_servers(&session_id_),
            |p| p.session_servers(session_id)
        )
    }

    /// Turns a server on or off for a session (which must exist).
    pub async fn set_session_server(
        &self,
        session_id: &str,
        server_id: &str,
        on: bool,
    ) -> Result<()> {
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let server_id_ = server_id.to_owned();
            } | d
                | d.set_session_server(&session_id_, &server_id_, on),
            |p| p.set_session_server(session_id, server_id, on)
        )
    }

    /// A remembered permission for a sanitised tool name.
    pub async fn tool_permission(&self, tool: &str) -> Result<Option<String>> {
        on!(
            self,
            {
                let tool_ = tool.to_owned();
            } | d
                | d.tool_permission(&tool_),
            |p| p.tool_permission(tool)
        )
    }

    /// Remembers a permission (`allow`, `ask` or `deny`).
    pub async fn set_tool_permission(&self, tool: &str, decision: &str) -> Result<()> {
        on!(
            self,
            {
                let tool_ = tool.to_owned();
                let decision_ = decision.to_owned();
            } | d
                | d.set_tool_permission(&tool_, &decision_),
            |p| p.set_tool_permission(tool, decision)
        )
    }

    /// The messages containing every word of `text`, newest first.
    pub async fn search_messages(&self, text: &str, limit: usize) -> Result<SearchResults> {
        on!(
            self,
            {
                let text_ = text.to_owned();
            } | d
                | d.search_messages(&text_, limit),
            |p| p.search_messages(text, limit)
        )
    }
}
