//! The PostgreSQL engine (being built): a pool of connections to a server several instances share.

use super::*;
use std::path::Path;
use std::time::Duration;

/// A pool of connections to one PostgreSQL database.
#[derive(Clone, Debug)]
pub struct Db {}

fn unbuilt() -> Error {
    Error::Postgres("the PostgreSQL engine is not built yet".into())
}

impl Db {
    /// Connects, and migrates unless told not to.
    pub async fn connect(
        _url: &str,
        _migrate: bool,
        _notices: tokio::sync::broadcast::Sender<Notice>,
    ) -> Result<Self> {
        Err(unbuilt())
    }

    /// Sends a notice to every instance.
    pub async fn notify(&self, _n: &Notice) -> Result<()> {
        Err(unbuilt())
    }

    /// The schema version of the database and the one this build writes.
    pub async fn schema_version(&self) -> Result<SchemaVersion> {
        Err(unbuilt())
    }

    /// Adds a project; a chosen id that exists is a conflict.
    pub async fn create_project(&self, _new: &NewProject) -> Result<Project> {
        Err(unbuilt())
    }

    /// All projects, newest first.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        Err(unbuilt())
    }

    /// One project by id.
    pub async fn project(&self, _id: &str) -> Result<Project> {
        Err(unbuilt())
    }

    /// A project by exact id, unique id prefix, or exact name.
    pub async fn resolve_project(&self, _id_or_name: &str) -> Result<Project> {
        Err(unbuilt())
    }

    /// The project sessions fall into when none is named; made on first use.
    pub async fn default_project(&self) -> Result<Project> {
        Err(unbuilt())
    }

    /// The project whose path holds `dir` (the deepest one), if any.
    pub async fn project_for_dir(&self, _dir: &Path) -> Result<Option<Project>> {
        Err(unbuilt())
    }

    /// Deletes a project and its sessions. True if it existed.
    pub async fn delete_project(&self, _id: &str) -> Result<bool> {
        Err(unbuilt())
    }

    /// Adds a session; `project_id` None means the default project.
    pub async fn create_session(&self, _new: &NewSession) -> Result<Session> {
        Err(unbuilt())
    }

    /// One session by exact id.
    pub async fn session(&self, _id: &str) -> Result<Session> {
        Err(unbuilt())
    }

    /// A session by exact id or unique prefix.
    pub async fn resolve_session(&self, _id_or_prefix: &str) -> Result<Session> {
        Err(unbuilt())
    }

    /// The most recently active session, if any.
    pub async fn latest_session(&self) -> Result<Option<Session>> {
        Err(unbuilt())
    }

    /// Sessions, most recently active first.
    pub async fn sessions(&self, _filter: &SessionFilter) -> Result<Vec<Session>> {
        Err(unbuilt())
    }

    /// Every session's id (for abbreviating ids so that each prefix names one session).
    pub async fn session_ids(&self) -> Result<Vec<String>> {
        Err(unbuilt())
    }

    /// Changes a session's settings; `None` fields stay.
    pub async fn update_session(&self, _id: &str, _up: &SessionUpdate) -> Result<Session> {
        Err(unbuilt())
    }

    /// A session's free-form metadata (a run keeps its repository and branch here).
    pub async fn session_metadata(&self, _id: &str) -> Result<serde_json::Value> {
        Err(unbuilt())
    }

    /// Merges keys into a session's metadata, read and written in one transaction.
    pub async fn merge_session_metadata(
        &self,
        _id: &str,
        _patch: &serde_json::Value,
    ) -> Result<()> {
        Err(unbuilt())
    }

    /// Sets a session's status (`idle`, `running`, `completed`, `error`).
    pub async fn set_session_status(&self, _id: &str, _status: &str) -> Result<Session> {
        Err(unbuilt())
    }

    /// Deletes a session with its messages and events. True if it existed.
    pub async fn delete_session(&self, _id: &str) -> Result<bool> {
        Err(unbuilt())
    }

    /// Totals over all sessions.
    pub async fn session_stats(&self) -> Result<SessionStats> {
        Err(unbuilt())
    }

    /// The session whose metadata has `key` equal to the string `value`, if any.
    pub async fn session_by_metadata(&self, _key: &str, _value: &str) -> Result<Option<Session>> {
        Err(unbuilt())
    }

    /// The folder a session's tools work in (see the facade).
    pub async fn session_root(&self, _session_id: &str, _new_folder: &str) -> Result<String> {
        Err(unbuilt())
    }

    /// Get-or-create a session (see the facade).
    pub async fn open_session(&self, _new: &NewSession) -> Result<Session> {
        Err(unbuilt())
    }

    /// A session's messages; the session must exist.
    pub async fn session_messages(&self, _id: &str) -> Result<Vec<StoredMessage>> {
        Err(unbuilt())
    }

    /// Turns on the named servers for a session.
    pub async fn enable_session_servers(
        &self,
        _session_id: &str,
        _names: &[String],
    ) -> Result<Vec<McpServerRow>> {
        Err(unbuilt())
    }

    /// Appends a message and bumps the session's activity time.
    pub async fn add_message(&self, _session_id: &str, _new: &NewMessage) -> Result<StoredMessage> {
        Err(unbuilt())
    }

    /// Appends a message with its event and a session change, in one transaction.
    pub async fn add_message_logged(
        &self,
        _session_id: &str,
        _new: &NewMessage,
        _event: Option<&NewEvent>,
        _update: Option<&SessionUpdate>,
    ) -> Result<StoredMessage> {
        Err(unbuilt())
    }

    /// Marks a user message as unanswered: its turn failed before any answer, so later turns leave it out of the history.
    pub async fn mark_unanswered(&self, _message_id: i64) -> Result<()> {
        Err(unbuilt())
    }

    /// A session's messages in order.
    pub async fn messages(&self, _session_id: &str) -> Result<Vec<StoredMessage>> {
        Err(unbuilt())
    }

    /// Appends an event to a session's log; returns its id.
    pub async fn append_event(
        &self,
        _session_id: &str,
        _kind: &str,
        _data: &serde_json::Value,
    ) -> Result<i64> {
        Err(unbuilt())
    }

    /// A session's events with an id above `after`, in order.
    pub async fn events(&self, _session_id: &str, _after: Option<i64>) -> Result<Vec<Event>> {
        Err(unbuilt())
    }

    /// Records one upstream exchange.
    pub async fn log_request(&self, _entry: &RequestLogEntry) -> Result<()> {
        Err(unbuilt())
    }

    /// The most recent request-log rows, newest first.
    pub async fn recent_requests(&self, _limit: usize) -> Result<Vec<RequestLogEntry>> {
        Err(unbuilt())
    }

    /// A cached value no older than `max_age`.
    pub async fn cache_get(&self, _key: &str, _max_age: Duration) -> Result<Option<String>> {
        Err(unbuilt())
    }

    /// Stores a cached value.
    pub async fn cache_put(&self, _key: &str, _value: &str) -> Result<()> {
        Err(unbuilt())
    }

    /// Takes a session's lease for `ttl_ms`, in one transaction: free, lapsed, or held by a process `is_gone` says is dead. A live holder (even this process) keeps it.
    pub async fn acquire_lease(
        &self,
        _session_id: &str,
        _owner: &LeaseOwner,
        _ttl_ms: i64,
        _is_gone: fn(&Lease) -> bool,
    ) -> Result<Acquired> {
        Err(unbuilt())
    }

    /// Renews a lease we hold; false when it is no longer ours (lapsed and taken).
    pub async fn renew_lease(
        &self,
        _session_id: &str,
        _owner_id: &str,
        _ttl_ms: i64,
    ) -> Result<bool> {
        Err(unbuilt())
    }

    /// Gives a lease back (only if it is still ours).
    pub async fn release_lease(&self, _session_id: &str, _owner_id: &str) -> Result<()> {
        Err(unbuilt())
    }

    /// Lapsed leases.
    pub async fn expired_leases(&self, _now_ms: i64) -> Result<Vec<Lease>> {
        Err(unbuilt())
    }

    /// A session's lease, if any (lapsed ones included).
    pub async fn lease(&self, _session_id: &str) -> Result<Option<Lease>> {
        Err(unbuilt())
    }

    /// Records a request for approval and its event, in one transaction.
    pub async fn create_approval(&self, _new: &NewApproval) -> Result<Approval> {
        Err(unbuilt())
    }

    /// Answers a request once: a second answer, or one after its expiry, is a conflict.
    pub async fn decide_approval(
        &self,
        _id: &str,
        _decision: &str,
        _message: Option<&str>,
    ) -> Result<Approval> {
        Err(unbuilt())
    }

    /// One request by id.
    pub async fn approval(&self, _id: &str) -> Result<Approval> {
        Err(unbuilt())
    }

    /// The request for a session's tool call, if one was made.
    pub async fn approval_for_tool_use(
        &self,
        _session_id: &str,
        _tool_use_id: &str,
    ) -> Result<Option<Approval>> {
        Err(unbuilt())
    }

    /// Requests still waiting, newest first.
    pub async fn pending_approvals(&self) -> Result<Vec<Approval>> {
        Err(unbuilt())
    }

    /// The approval log after event `after`, oldest first (at most 1000).
    pub async fn approval_events(&self, _after: i64) -> Result<Vec<ApprovalEvent>> {
        Err(unbuilt())
    }

    /// All registered servers, built-in first, then by name.
    pub async fn mcp_servers(&self) -> Result<Vec<McpServerRow>> {
        Err(unbuilt())
    }

    /// A server by id or name.
    pub async fn mcp_server(&self, _id_or_name: &str) -> Result<McpServerRow> {
        Err(unbuilt())
    }

    /// Registers a server; the name must be free.
    pub async fn add_mcp_server(&self, _new: &NewMcpServer) -> Result<McpServerRow> {
        Err(unbuilt())
    }

    /// Removes a server (not a built-in one). True if it existed.
    pub async fn delete_mcp_server(&self, _id: &str) -> Result<bool> {
        Err(unbuilt())
    }

    /// Enables or disables a server everywhere.
    pub async fn set_mcp_enabled(&self, _id: &str, _on: bool) -> Result<()> {
        Err(unbuilt())
    }

    /// The servers a session offers, enabled ones only.
    pub async fn session_servers(&self, _session_id: &str) -> Result<Vec<McpServerRow>> {
        Err(unbuilt())
    }

    /// Turns a server on or off for a session (which must exist).
    pub async fn set_session_server(
        &self,
        _session_id: &str,
        _server_id: &str,
        _on: bool,
    ) -> Result<()> {
        Err(unbuilt())
    }

    /// A remembered permission for a sanitised tool name.
    pub async fn tool_permission(&self, _tool: &str) -> Result<Option<String>> {
        Err(unbuilt())
    }

    /// Remembers a permission (`allow`, `ask` or `deny`).
    pub async fn set_tool_permission(&self, _tool: &str, _decision: &str) -> Result<()> {
        Err(unbuilt())
    }

    /// The messages containing every word of `text`, newest first.
    pub async fn search_messages(&self, _text: &str, _limit: usize) -> Result<SearchResults> {
        Err(unbuilt())
    }
}

impl Db {
    /// Every row of every table.
    pub async fn export_all(&self) -> Result<crate::store::copy::Dump> {
        Err(unbuilt())
    }

    /// Writes a dump in one transaction.
    pub async fn import_all(
        &self,
        _dump: &crate::store::copy::Dump,
        _force: bool,
    ) -> Result<crate::store::copy::Report> {
        Err(unbuilt())
    }
}

/// Test support (stub until the engine lands).
#[doc(hidden)]
pub mod testing {
    use crate::store::Result;

    /// A fresh database on the server `admin_url` names; its URL.
    pub async fn fresh_database(_admin_url: &str) -> Result<String> {
        Err(super::unbuilt())
    }
}
