//! Id spaces: what a client calls a session or a project, and what the store calls it.
//!
//! A user's clients choose ids (the iOS app names its sessions, `POST /v1/projects` takes an
//! id). Stored as they are, one user's id would clash with another's and a 409 or a 404
//! would tell them it exists. So a handle [`Store::spaced`] to a user stores every session
//! and project id it is given as `<id>~<owner>` ([`ID_SPACE`] is never in a client's id) and
//! shows its rows by the part before it. Everything above the store sees the client's ids;
//! the stored form only travels between instances ([`Notice`]s) and in what runs keyed by
//! session ([`Store::stored_id`]). The local owner, the first user (who took the local rows)
//! and users from before id spaces keep bare ids.

use super::{Engine, Store};
use crate::store::*;
use std::borrow::Cow;

impl Store {
    /// The same store as [`Store::scoped`], keeping `owner`'s ids in their own space.
    pub fn spaced(&self, owner: &str) -> Store {
        self.with_owner(Some(owner), true)
    }

    /// How this handle stores the id a client gave (the same id unless it is spaced). What
    /// is keyed by session across handles and instances (running turns, signals, notices)
    /// is keyed by this.
    pub fn stored_id<'a>(&self, id: &'a str) -> Cow<'a, str> {
        match self.space() {
            Some(owner) => Cow::Owned(format!("{id}{ID_SPACE}{owner}")),
            None => Cow::Borrowed(id),
        }
    }

    /// A new session's ids checked (a client's) and stored.
    pub(super) fn stored_session(&self, new: &NewSession) -> Result<NewSession> {
        if let Some(p) = &new.project_id {
            check_id("project", p)?;
        }
        Ok(NewSession {
            id: self.stored_new("session", &new.id)?,
            project_id: self.stored_opt(&new.project_id),
            ..new.clone()
        })
    }

    /// `stored_id` for an optional id.
    pub(super) fn stored_opt(&self, id: &Option<String>) -> Option<String> {
        id.as_deref().map(|i| self.stored_id(i).into_owned())
    }

    /// A client's id checked, and stored; a new one made when it gave none.
    pub(super) fn stored_new(
        &self,
        kind: &'static str,
        id: &Option<String>,
    ) -> Result<Option<String>> {
        match id {
            Some(i) => {
                check_id(kind, i)?;
                Ok(Some(self.stored_id(i).into_owned()))
            }
            None if self.space().is_some() => Ok(Some(self.stored_id(&new_id()).into_owned())),
            None => Ok(None),
        }
    }

    /// The owner whose space this handle stores ids in, if it does.
    pub(super) fn space(&self) -> Option<&str> {
        let spaced = match &self.engine {
            Engine::Sqlite(d) => d.spaced(),
            Engine::Postgres(p) => p.spaced(),
        };
        if spaced { self.owner() } else { None }
    }

    /// Rows as the client knows them.
    pub(super) fn show<T: Shown>(&self, v: T) -> T {
        if self.space().is_some() { v.shown() } else { v }
    }

    /// An error as the client knows its ids.
    pub(super) fn show_err(&self, e: Error) -> Error {
        let Some(owner) = self.space() else {
            return e;
        };
        let tail = format!("{ID_SPACE}{owner}");
        match e {
            Error::NotFound { kind, id } => Error::NotFound {
                kind,
                id: id.replace(&tail, ""),
            },
            Error::Conflict(m) => Error::Conflict(m.replace(&tail, "")),
            Error::NotYours(m) => Error::NotYours(m.replace(&tail, "")),
            e => e,
        }
    }

    /// Whether any owner has a session the client calls `id` (WebEDT answers 403, not 404,
    /// for another user's). Unscoped.
    pub async fn session_is_anyones(&self, id: &str) -> Result<bool> {
        let all = self.unscoped();
        if all.session(id).await.is_ok() {
            return Ok(true);
        }
        match all.resolve_session(&format!("{id}{ID_SPACE}")).await {
            Ok(_) | Err(Error::Ambiguous { .. }) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// A row whose ids a client sees without their space.
pub(crate) trait Shown {
    /// The row with client ids.
    fn shown(self) -> Self;
}

fn bare(id: String) -> String {
    if id.contains(ID_SPACE) {
        client_id(&id).to_owned()
    } else {
        id
    }
}

impl<T: Shown> Shown for Vec<T> {
    fn shown(self) -> Self {
        self.into_iter().map(Shown::shown).collect()
    }
}

impl<T: Shown> Shown for Option<T> {
    fn shown(self) -> Self {
        self.map(Shown::shown)
    }
}

/// A session's or project's id.
impl Shown for String {
    fn shown(self) -> Self {
        bare(self)
    }
}

impl Shown for Project {
    fn shown(mut self) -> Self {
        self.id = bare(self.id);
        self
    }
}

impl Shown for Session {
    fn shown(mut self) -> Self {
        self.id = bare(self.id);
        self.project_id = bare(self.project_id);
        self
    }
}

impl Shown for StoredMessage {
    fn shown(mut self) -> Self {
        self.session_id = bare(self.session_id);
        self
    }
}

impl Shown for Event {
    fn shown(mut self) -> Self {
        self.session_id = bare(self.session_id);
        self
    }
}

impl Shown for Lease {
    fn shown(mut self) -> Self {
        self.session_id = bare(self.session_id);
        self
    }
}

impl Shown for TurnStart {
    fn shown(self) -> Self {
        match self {
            TurnStart::Held(l) => TurnStart::Held(l.shown()),
            TurnStart::Began { history, user } => TurnStart::Began {
                history: history.shown(),
                user: user.shown(),
            },
        }
    }
}

impl Shown for Approval {
    fn shown(mut self) -> Self {
        self.session_id = self.session_id.map(bare);
        self
    }
}

impl Shown for RequestLogEntry {
    fn shown(mut self) -> Self {
        self.session_id = self.session_id.map(bare);
        self
    }
}

impl Shown for McpServerRow {
    fn shown(mut self) -> Self {
        self.project_id = self.project_id.map(bare);
        self
    }
}

impl Shown for SearchResults {
    fn shown(mut self) -> Self {
        for h in &mut self.hits {
            h.session_id = bare(std::mem::take(&mut h.session_id));
        }
        self
    }
}
