//! [`Store`]: one handle, two engines. Each method is one unit of work; on SQLite it runs on
//! the blocking pool, on PostgreSQL it is a query on a pooled connection.

use super::sqlite;
use super::*;
use std::path::Path;
use std::time::Duration;
use tokio::sync::broadcast;

/// A handle to the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    engine: Engine,
    /// What the store tells its readers (see [`Notice`]): sent here after SQLite's writes,
    /// forwarded from `LISTEN` on PostgreSQL.
    notices: broadcast::Sender<Notice>,
    /// The request log's queue, when it is written in batches (`with_request_log`).
    requests: Option<std::sync::Arc<requests::RequestLog>>,
}

/// How many notices a slow receiver may miss before it is told to re-read (`Lagged`).
const NOTICES: usize = 4096;

/// The engine under a [`Store`].
#[derive(Clone, Debug)]
pub enum Engine {
    /// The embedded file.
    Sqlite(sqlite::Db),
    /// A PostgreSQL server.
    Postgres(postgres::Db),
}

/// Runs one method on whichever engine: the block makes SQLite's blocking closure (with owned
/// copies of the arguments, made only on that path), and a failure of the store is counted.
macro_rules! on {
    ($s:expr, $lite:block, |$p:ident| $pg:expr) => {
        $s.counted(match &$s.engine {
            Engine::Sqlite(db) => db.run($lite).await,
            Engine::Postgres($p) => $pg.await,
        })
    };
    // short work (an indexed read, a small write) that SQLite does on the calling thread when
    // nothing has to wait: see `sqlite::Db::run_quick`
    (quick $s:expr, $lite:block, |$p:ident| $pg:expr) => {
        $s.counted(match &$s.engine {
            Engine::Sqlite(db) => db.run_quick($lite).await,
            Engine::Postgres($p) => $pg.await,
        })
    };
}

impl Store {
    /// Opens (creating if needed, mode 0600) and migrates the SQLite file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::on(Engine::Sqlite(sqlite::Db::open(path)?)))
    }

    fn on(engine: Engine) -> Self {
        Self {
            engine,
            notices: broadcast::channel(NOTICES).0,
            requests: None,
        }
    }

    /// A private in-memory SQLite database, for tests and `--no-store` turns.
    pub fn open_in_memory() -> Result<Self> {
        Ok(Self::on(Engine::Sqlite(sqlite::Db::open_in_memory()?)))
    }

    /// Opens the store at `db`, bringing its schema up to date unless `migrate` is false
    /// (then a schema other than this build's is an error).
    pub async fn connect(db: &Database, migrate: bool) -> Result<Self> {
        let notices = broadcast::channel(NOTICES).0;
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
            Database::Postgres(url) => {
                Engine::Postgres(postgres::Db::connect(url, migrate, notices.clone()).await?)
            }
        };
        Ok(Self {
            engine,
            notices,
            requests: None,
        })
    }

    /// Notices from now on: events committed, approvals asked or answered, signals. On
    /// PostgreSQL they come from every instance; on SQLite from this process.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// Tells whoever runs `session_id`'s turn to act (`abort`, `interrupt`, `stop`): every
    /// instance on PostgreSQL, this process on SQLite.
    pub async fn signal(&self, kind: &str, session_id: &str, detail: &str) -> Result<()> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        let n = Notice::Signal {
            kind: kind.to_owned(),
            session_id: session_id.to_owned(),
            detail: detail.to_owned(),
        };
        match &self.engine {
            Engine::Sqlite(_) => {
                let _ = self.notices.send(n);
                Ok(())
            }
            Engine::Postgres(p) => self.counted(p.notify(&n).await),
        }
    }

    /// After a write on SQLite, tells this process's readers (PostgreSQL's notices arrive by
    /// `LISTEN`, ours included).
    fn local(&self, n: impl FnOnce() -> Notice) {
        if matches!(self.engine, Engine::Sqlite(_)) {
            let _ = self.notices.send(n());
        }
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

    /// Every row of every table (one read), for `db copy`.
    pub async fn export_all(&self) -> Result<copy::Dump> {
        on!(self, { move |d: &sqlite::Db| d.export_all() }, |p| p
            .export_all())
    }

    /// Writes a dump in one transaction: refused when the store holds rows (other than the
    /// built-in MCP servers) unless `force`, which replaces them.
    pub async fn import_all(&self, dump: &copy::Dump, force: bool) -> Result<copy::Report> {
        on!(
            self,
            {
                let dump = dump.clone();
                move |d: &sqlite::Db| d.import_all(&dump, force)
            },
            |p| p.import_all(dump, force)
        )
    }

    /// Keeps a Responses API object and the input items it answered.
    pub async fn put_response(
        &self,
        id: &str,
        model: &str,
        input: &serde_json::Value,
        response: &serde_json::Value,
    ) -> Result<()> {
        on!(
            self,
            {
                let (id_, model_) = (id.to_owned(), model.to_owned());
                let (input_, response_) = (input.clone(), response.clone());
                move |d: &sqlite::Db| d.put_response(&id_, &model_, &input_, &response_)
            },
            |p| p.put_response(id, model, input, response)
        )
    }

    /// A stored Responses API object, if there is one with this id.
    pub async fn stored_response(&self, id: &str) -> Result<Option<StoredResponse>> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.stored_response(&id_)
            },
            |p| p.stored_response(id)
        )
    }

    fn counted<T>(&self, out: Result<T>) -> Result<T> {
        if let Err(e) = &out
            && e.is_failure()
        {
            crate::metrics::store_error();
        }
        out.map_err(|e| self.show_err(e))
    }

    /// The schema version of the store and the one this build writes; equal once migrated.
    pub async fn schema_version(&self) -> Result<SchemaVersion> {
        on!(self, { move |d: &sqlite::Db| d.schema_version() }, |p| p
            .schema_version())
    }

    /// Adds a project; a chosen id that exists is a conflict.
    pub async fn create_project(&self, new: &NewProject) -> Result<Project> {
        let new = &NewProject {
            id: self.stored_new("project", &new.id)?,
            ..new.clone()
        };
        on!(
            self,
            {
                let new_ = new.to_owned();
                move |d: &sqlite::Db| d.create_project(&new_)
            },
            |p| p.create_project(new)
        )
        .map(|v| self.show(v))
    }

    /// All projects, newest first.
    pub async fn projects(&self) -> Result<Vec<Project>> {
        on!(self, { move |d: &sqlite::Db| d.projects() }, |p| p
            .projects())
        .map(|v| self.show(v))
    }

    /// One project by id.
    pub async fn project(&self, id: &str) -> Result<Project> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            quick self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.project(&id_)
            },
            |p| p.project(id)
        )
        .map(|v| self.show(v))
    }

    /// A project by exact id, unique id prefix, or exact name.
    pub async fn resolve_project(&self, id_or_name: &str) -> Result<Project> {
        // in a space, the exact id is the stored one; prefixes and names are as given
        if self.space().is_some() {
            match self.project(id_or_name).await {
                Err(Error::NotFound { .. }) => {}
                found => return found,
            }
        }
        on!(
            self,
            {
                let id_or_name_ = id_or_name.to_owned();
                move |d: &sqlite::Db| d.resolve_project(&id_or_name_)
            },
            |p| p.resolve_project(id_or_name)
        )
        .map(|v| self.show(v))
    }

    /// The project sessions fall into when none is named; made on first use.
    pub async fn default_project(&self) -> Result<Project> {
        on!(self, { move |d: &sqlite::Db| d.default_project() }, |p| p
            .default_project())
        .map(|v| self.show(v))
    }

    /// The project whose path holds `dir` (the deepest one), if any.
    pub async fn project_for_dir(&self, dir: &Path) -> Result<Option<Project>> {
        on!(
            self,
            {
                let dir_ = dir.to_owned();
                move |d: &sqlite::Db| d.project_for_dir(&dir_)
            },
            |p| p.project_for_dir(dir)
        )
        .map(|v| self.show(v))
    }

    /// Deletes a project and its sessions. True if it existed.
    pub async fn delete_project(&self, id: &str) -> Result<bool> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.delete_project(&id_)
            },
            |p| p.delete_project(id)
        )
    }

    /// Adds a session; `project_id` None means the default project.
    pub async fn create_session(&self, new: &NewSession) -> Result<Session> {
        let new = &self.stored_session(new)?;
        on!(
            self,
            {
                let new_ = new.to_owned();
                move |d: &sqlite::Db| d.create_session(&new_)
            },
            |p| p.create_session(new)
        )
        .map(|v| self.show(v))
    }

    /// One session by exact id.
    pub async fn session(&self, id: &str) -> Result<Session> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            quick self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.session(&id_)
            },
            |p| p.session(id)
        )
        .map(|v| self.show(v))
    }

    /// A session by exact id or unique prefix.
    pub async fn resolve_session(&self, id_or_prefix: &str) -> Result<Session> {
        // in a space, the exact id is the stored one; prefixes and names are as given
        if self.space().is_some() {
            match self.session(id_or_prefix).await {
                Err(Error::NotFound { .. }) => {}
                found => return found,
            }
        }
        on!(
            self,
            {
                let id_or_prefix_ = id_or_prefix.to_owned();
                move |d: &sqlite::Db| d.resolve_session(&id_or_prefix_)
            },
            |p| p.resolve_session(id_or_prefix)
        )
        .map(|v| self.show(v))
    }

    /// The most recently active session, if any.
    pub async fn latest_session(&self) -> Result<Option<Session>> {
        on!(self, { move |d: &sqlite::Db| d.latest_session() }, |p| p
            .latest_session())
        .map(|v| self.show(v))
    }

    /// Sessions, most recently active first.
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Vec<Session>> {
        let filter = &SessionFilter {
            project_id: self.stored_opt(&filter.project_id),
            ..filter.clone()
        };
        on!(
            self,
            {
                let filter_ = filter.to_owned();
                move |d: &sqlite::Db| d.sessions(&filter_)
            },
            |p| p.sessions(filter)
        )
        .map(|v| self.show(v))
    }

    /// Every session's id (for abbreviating ids so that each prefix names one session).
    pub async fn session_ids(&self) -> Result<Vec<String>> {
        on!(self, { move |d: &sqlite::Db| d.session_ids() }, |p| p
            .session_ids())
        .map(|v| self.show(v))
    }

    /// Changes a session's settings; `None` fields stay.
    pub async fn update_session(&self, id: &str, up: &SessionUpdate) -> Result<Session> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                let up_ = up.to_owned();
                move |d: &sqlite::Db| d.update_session(&id_, &up_)
            },
            |p| p.update_session(id, up)
        )
        .map(|v| self.show(v))
    }

    /// A session's free-form metadata (a run keeps its repository and branch here).
    pub async fn session_metadata(&self, id: &str) -> Result<serde_json::Value> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.session_metadata(&id_)
            },
            |p| p.session_metadata(id)
        )
    }

    /// Merges keys into a session's metadata, read and written in one transaction.
    pub async fn merge_session_metadata(&self, id: &str, patch: &serde_json::Value) -> Result<()> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                let patch_ = patch.to_owned();
                move |d: &sqlite::Db| d.merge_session_metadata(&id_, &patch_)
            },
            |p| p.merge_session_metadata(id, patch)
        )
    }

    /// Sets a session's status (`idle`, `running`, `completed`, `error`).
    pub async fn set_session_status(&self, id: &str, status: &str) -> Result<Session> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                let status_ = status.to_owned();
                move |d: &sqlite::Db| d.set_session_status(&id_, &status_)
            },
            |p| p.set_session_status(id, status)
        )
        .map(|v| self.show(v))
    }

    /// Deletes a session with its messages and events. True if it existed.
    pub async fn delete_session(&self, id: &str) -> Result<bool> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.delete_session(&id_)
            },
            |p| p.delete_session(id)
        )
    }

    /// Totals over all sessions.
    pub async fn session_stats(&self) -> Result<SessionStats> {
        on!(self, { move |d: &sqlite::Db| d.session_stats() }, |p| p
            .session_stats())
    }

    /// The session whose metadata has `key` equal to the string `value`, if any.
    pub async fn session_by_metadata(&self, key: &str, value: &str) -> Result<Option<Session>> {
        on!(
            self,
            {
                let k = key.to_owned();
                let v = value.to_owned();
                move |d: &sqlite::Db| d.session_by_metadata(&k, &v)
            },
            |p| p.session_by_metadata(key, value)
        )
        .map(|v| self.show(v))
    }

    /// The folder a session's tools work in: its project's path, else the workspace noted in
    /// its metadata, else `new_folder`, which is noted there (one transaction).
    pub async fn session_root(&self, session_id: &str, new_folder: &str) -> Result<String> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let sid = session_id.to_owned();
                let f = new_folder.to_owned();
                move |d: &sqlite::Db| d.session_root(&sid, &f)
            },
            |p| p.session_root(session_id, new_folder)
        )
    }

    /// The session with `new.id` if it exists, else a new one (with its project when
    /// `new.project_id` names a missing one), in one transaction; racing callers agree.
    pub async fn open_session(&self, new: &NewSession) -> Result<Session> {
        let new = &self.stored_session(new)?;
        on!(
            quick self,
            {
                let n = new.clone();
                move |d: &sqlite::Db| d.open_session(&n)
            },
            |p| p.open_session(new)
        )
        .map(|v| self.show(v))
    }

    /// A session's messages in order; the session must exist.
    pub async fn session_messages(&self, id: &str) -> Result<Vec<StoredMessage>> {
        let id = self.stored_id(id);
        let id = id.as_ref();
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.session_messages(&id_)
            },
            |p| p.session_messages(id)
        )
        .map(|v| self.show(v))
    }

    /// Turns on, for a session, the servers named (by name or id) that exist; returns them.
    pub async fn enable_session_servers(
        &self,
        session_id: &str,
        names: &[String],
    ) -> Result<Vec<McpServerRow>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let sid = session_id.to_owned();
                let n = names.to_vec();
                move |d: &sqlite::Db| d.enable_session_servers(&sid, &n)
            },
            |p| p.enable_session_servers(session_id, names)
        )
        .map(|v| self.show(v))
    }

    /// Appends a message and bumps the session's activity time.
    pub async fn add_message(&self, session_id: &str, new: &NewMessage) -> Result<StoredMessage> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                let new_ = new.to_owned();
                move |d: &sqlite::Db| d.add_message(&session_id_, &new_)
            },
            |p| p.add_message(session_id, new)
        )
        .map(|v| self.show(v))
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
        self.store_message(session_id, new, event, update, None)
            .await
    }

    /// Appends a turn's last message and its event, and gives back the session's lease held
    /// by `lease_owner`, in one transaction: the turn's end is one write, not two.
    pub async fn add_last_message(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        lease_owner: &str,
    ) -> Result<StoredMessage> {
        self.store_message(session_id, new, event, None, Some(lease_owner))
            .await
    }

    async fn store_message(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
        release_lease_of: Option<&str>,
    ) -> Result<StoredMessage> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let sid = session_id.to_owned();
                let new_ = new.clone();
                let event_ = event.cloned();
                let update_ = update.cloned();
                let release_ = release_lease_of.map(str::to_owned);
                move |d: &sqlite::Db| {
                    d.add_message_logged(
                        &sid,
                        &new_,
                        event_.as_ref(),
                        update_.as_ref(),
                        release_.as_deref(),
                    )
                }
            },
            |p| p.add_message_logged(session_id, new, event, update, release_lease_of)
        )
        .inspect(|_| {
            if event.is_some() {
                self.local(|| Notice::Event {
                    session_id: session_id.to_owned(),
                    id: 0,
                })
            }
        })
        .map(|v| self.show(v))
    }

    /// Starts a turn in one transaction: takes the session's lease when `claim` asks for it
    /// (when another holds it: says who, and changes nothing), reads the session's messages
    /// when `history` asks, and stores the user's message with its event and the session's
    /// change.
    pub async fn start_turn(
        &self,
        session_id: &str,
        new: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
        claim: Option<LeaseClaim<'_>>,
        history: bool,
    ) -> Result<TurnStart> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let sid = session_id.to_owned();
                let new_ = new.clone();
                let event_ = event.cloned();
                let update_ = update.cloned();
                let claim_ = claim.map(|c| (c.owner.clone(), c.ttl_ms, c.is_gone));
                move |d: &sqlite::Db| {
                    let claim = claim_.as_ref().map(|(owner, ttl_ms, is_gone)| LeaseClaim {
                        owner,
                        ttl_ms: *ttl_ms,
                        is_gone: *is_gone,
                    });
                    d.start_turn(
                        &sid,
                        &new_,
                        event_.as_ref(),
                        update_.as_ref(),
                        claim.as_ref(),
                        history,
                    )
                }
            },
            |p| p.start_turn(session_id, new, event, update, claim.as_ref(), history)
        )
        .inspect(|started| {
            if event.is_some() && matches!(started, TurnStart::Began { .. }) {
                self.local(|| Notice::Event {
                    session_id: session_id.to_owned(),
                    id: 0,
                })
            }
        })
        .map(|v| self.show(v))
    }

    /// Marks a user message as unanswered: its turn failed before any answer, so later turns leave it out of the history.
    pub async fn mark_unanswered(&self, message_id: i64) -> Result<()> {
        on!(
            quick self,
            { move |d: &sqlite::Db| d.mark_unanswered(message_id) },
            |p| p.mark_unanswered(message_id)
        )
    }

    /// A session's messages in order.
    pub async fn messages(&self, session_id: &str) -> Result<Vec<StoredMessage>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.messages(&session_id_)
            },
            |p| p.messages(session_id)
        )
        .map(|v| self.show(v))
    }

    /// Appends an event to a session's log; returns its id.
    pub async fn append_event(
        &self,
        session_id: &str,
        kind: &str,
        data: &serde_json::Value,
    ) -> Result<i64> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                let kind_ = kind.to_owned();
                let data_ = data.to_owned();
                move |d: &sqlite::Db| d.append_event(&session_id_, &kind_, &data_)
            },
            |p| p.append_event(session_id, kind, data)
        )
        .inspect(|id| {
            self.local(|| Notice::Event {
                session_id: session_id.to_owned(),
                id: *id,
            })
        })
    }

    /// Closes the run of a session whose holder is gone, once the caller has claimed its lease
    /// (`holder_id`): if it is still `running`, `event` is appended and its status becomes
    /// `error`; the lease goes back either way. One transaction. The event's id if it closed.
    pub async fn close_orphan_run(
        &self,
        session_id: &str,
        holder_id: &str,
        event: &NewEvent,
    ) -> Result<Option<i64>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let (s, h, e) = (session_id.to_owned(), holder_id.to_owned(), event.clone());
                move |d: &sqlite::Db| d.close_orphan_run(&s, &h, &e)
            },
            |p| p.close_orphan_run(session_id, holder_id, event)
        )
        .inspect(|id| {
            if let Some(id) = id {
                self.local(|| Notice::Event {
                    session_id: session_id.to_owned(),
                    id: *id,
                })
            }
        })
    }

    /// A session's events with an id above `after`, in order.
    pub async fn events(&self, session_id: &str, after: Option<i64>) -> Result<Vec<Event>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.events(&session_id_, after)
            },
            |p| p.events(session_id, after)
        )
        .map(|v| self.show(v))
    }

    /// At most `limit` of a session's events with an id above `after` and at most `upto`, in
    /// order, their data as stored (a replay's page: keyset on the id, nothing parsed).
    pub async fn events_page(
        &self,
        session_id: &str,
        after: i64,
        upto: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RawEvent>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.events_page(&session_id_, after, upto, limit)
            },
            |p| p.events_page(session_id, after, upto, limit)
        )
    }

    /// The id of a session's last event (0 when it has none): where a replay of what is
    /// stored now ends, found from the index without counting.
    pub async fn last_event_id(&self, session_id: &str) -> Result<i64> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.last_event_id(&session_id_)
            },
            |p| p.last_event_id(session_id)
        )
    }

    /// How many of a session's events have an id above `after`, and the last one's id
    /// (`after` when there are none).
    pub async fn event_span(&self, session_id: &str, after: i64) -> Result<(u64, i64)> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.event_span(&session_id_, after)
            },
            |p| p.event_span(session_id, after)
        )
    }

    /// A cached value no older than `max_age`.
    pub async fn cache_get(&self, key: &str, max_age: Duration) -> Result<Option<String>> {
        on!(
            self,
            {
                let key_ = key.to_owned();
                move |d: &sqlite::Db| d.cache_get(&key_, max_age)
            },
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
                move |d: &sqlite::Db| d.cache_put(&key_, &value_)
            },
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
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                let owner_ = owner.to_owned();
                move |d: &sqlite::Db| d.acquire_lease(&session_id_, &owner_, ttl_ms, is_gone)
            },
            |p| p.acquire_lease(session_id, owner, ttl_ms, is_gone)
        )
    }

    /// Renews a lease we hold; false when it is no longer ours (lapsed and taken).
    pub async fn renew_lease(&self, session_id: &str, owner_id: &str, ttl_ms: i64) -> Result<bool> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                let owner_id_ = owner_id.to_owned();
                move |d: &sqlite::Db| d.renew_lease(&session_id_, &owner_id_, ttl_ms)
            },
            |p| p.renew_lease(session_id, owner_id, ttl_ms)
        )
    }

    /// Gives a lease back (only if it is still ours).
    pub async fn release_lease(&self, session_id: &str, owner_id: &str) -> Result<()> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                let owner_id_ = owner_id.to_owned();
                move |d: &sqlite::Db| d.release_lease(&session_id_, &owner_id_)
            },
            |p| p.release_lease(session_id, owner_id)
        )
    }

    /// The leases that lapsed by `now_ms` (their holders stopped renewing them).
    pub async fn expired_leases(&self, now_ms: i64) -> Result<Vec<Lease>> {
        on!(
            self,
            { move |d: &sqlite::Db| d.expired_leases(now_ms) },
            |p| p.expired_leases(now_ms)
        )
        .map(|v| self.show(v))
    }

    /// A session's lease, if any (lapsed ones included).
    pub async fn lease(&self, session_id: &str) -> Result<Option<Lease>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.lease(&session_id_)
            },
            |p| p.lease(session_id)
        )
        .map(|v| self.show(v))
    }

    /// Records a request for approval and its event, in one transaction.
    pub async fn create_approval(&self, new: &NewApproval) -> Result<Approval> {
        let new = &NewApproval {
            session_id: self.stored_opt(&new.session_id),
            ..new.clone()
        };
        on!(
            self,
            {
                let new_ = new.to_owned();
                move |d: &sqlite::Db| d.create_approval(&new_)
            },
            |p| p.create_approval(new)
        )
        .inspect(|_| self.local(|| Notice::Approval { id: 0 }))
        .map(|v| self.show(v))
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
                move |d: &sqlite::Db| d.decide_approval(&id_, &decision_, message_.as_deref())
            },
            |p| p.decide_approval(id, decision, message)
        )
        .inspect(|_| self.local(|| Notice::Approval { id: 0 }))
        .map(|v| self.show(v))
    }

    /// One request by id.
    pub async fn approval(&self, id: &str) -> Result<Approval> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.approval(&id_)
            },
            |p| p.approval(id)
        )
        .map(|v| self.show(v))
    }

    /// The request for a session's tool call, if one was made.
    pub async fn approval_for_tool_use(
        &self,
        session_id: &str,
        tool_use_id: &str,
    ) -> Result<Option<Approval>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let tool_use_id_ = tool_use_id.to_owned();
                move |d: &sqlite::Db| d.approval_for_tool_use(&session_id_, &tool_use_id_)
            },
            |p| p.approval_for_tool_use(session_id, tool_use_id)
        )
        .map(|v| self.show(v))
    }

    /// Requests still waiting, newest first.
    pub async fn pending_approvals(&self) -> Result<Vec<Approval>> {
        on!(self, { move |d: &sqlite::Db| d.pending_approvals() }, |p| p
            .pending_approvals())
        .map(|v| self.show(v))
    }

    /// The approval log after event `after`, oldest first (at most 1000).
    pub async fn approval_events(&self, after: i64) -> Result<Vec<ApprovalEvent>> {
        on!(
            self,
            { move |d: &sqlite::Db| d.approval_events(after) },
            |p| p.approval_events(after)
        )
    }

    /// All registered servers, built-in first, then by name.
    pub async fn mcp_servers(&self) -> Result<Vec<McpServerRow>> {
        on!(self, { move |d: &sqlite::Db| d.mcp_servers() }, |p| p
            .mcp_servers())
        .map(|v| self.show(v))
    }

    /// A server by id or name.
    pub async fn mcp_server(&self, id_or_name: &str) -> Result<McpServerRow> {
        on!(
            self,
            {
                let id_or_name_ = id_or_name.to_owned();
                move |d: &sqlite::Db| d.mcp_server(&id_or_name_)
            },
            |p| p.mcp_server(id_or_name)
        )
        .map(|v| self.show(v))
    }

    /// Registers a server; the name must be free.
    pub async fn add_mcp_server(&self, new: &NewMcpServer) -> Result<McpServerRow> {
        let new = &NewMcpServer {
            project_id: self.stored_opt(&new.project_id),
            ..new.clone()
        };
        on!(
            self,
            {
                let new_ = new.to_owned();
                move |d: &sqlite::Db| d.add_mcp_server(&new_)
            },
            |p| p.add_mcp_server(new)
        )
        .map(|v| self.show(v))
    }

    /// Removes a server (not a built-in one). True if it existed.
    pub async fn delete_mcp_server(&self, id: &str) -> Result<bool> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.delete_mcp_server(&id_)
            },
            |p| p.delete_mcp_server(id)
        )
    }

    /// Enables or disables a server everywhere.
    pub async fn set_mcp_enabled(&self, id: &str, on: bool) -> Result<()> {
        on!(
            self,
            {
                let id_ = id.to_owned();
                move |d: &sqlite::Db| d.set_mcp_enabled(&id_, on)
            },
            |p| p.set_mcp_enabled(id, on)
        )
    }

    /// The servers a session offers, enabled ones only.
    pub async fn session_servers(&self, session_id: &str) -> Result<Vec<McpServerRow>> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            quick self,
            {
                let session_id_ = session_id.to_owned();
                move |d: &sqlite::Db| d.session_servers(&session_id_)
            },
            |p| p.session_servers(session_id)
        )
        .map(|v| self.show(v))
    }

    /// Turns a server on or off for a session (which must exist).
    pub async fn set_session_server(
        &self,
        session_id: &str,
        server_id: &str,
        on: bool,
    ) -> Result<()> {
        let session_id = self.stored_id(session_id);
        let session_id = session_id.as_ref();
        on!(
            self,
            {
                let session_id_ = session_id.to_owned();
                let server_id_ = server_id.to_owned();
                move |d: &sqlite::Db| d.set_session_server(&session_id_, &server_id_, on)
            },
            |p| p.set_session_server(session_id, server_id, on)
        )
    }

    /// A remembered permission for a sanitised tool name.
    pub async fn tool_permission(&self, tool: &str) -> Result<Option<String>> {
        on!(
            self,
            {
                let tool_ = tool.to_owned();
                move |d: &sqlite::Db| d.tool_permission(&tool_)
            },
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
                move |d: &sqlite::Db| d.set_tool_permission(&tool_, &decision_)
            },
            |p| p.set_tool_permission(tool, decision)
        )
    }

    /// Indexes for search what was stored since the last catch-up (SQLite indexes in batches,
    /// not in each message's write; search catches up first, and a server every second).
    /// How many messages. PostgreSQL's index is kept by each write: nothing to do.
    pub async fn index_messages(&self) -> Result<usize> {
        match &self.engine {
            Engine::Sqlite(db) => self.counted(db.run(|d| d.index_messages()).await),
            Engine::Postgres(_) => Ok(0),
        }
    }

    /// The messages containing every word of `text`, newest first.
    pub async fn search_messages(&self, text: &str, limit: usize) -> Result<SearchResults> {
        on!(
            self,
            {
                let text_ = text.to_owned();
                move |d: &sqlite::Db| d.search_messages(&text_, limit)
            },
            |p| p.search_messages(text, limit)
        )
        .map(|v| self.show(v))
    }
}

mod accounts;
mod oauth;
mod requests;
#[cfg(test)]
pub(crate) use requests::BATCH;
mod spaces;
