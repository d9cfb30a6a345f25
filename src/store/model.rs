//! Row types of the store, and what both engines make of their columns.

use super::{Error, Result};
use crate::anthropic::{ContentBlock, Role, Usage};
use serde::Serialize;
use std::path::Path;

/// A project's columns in [`Project`]'s order, its session count last: SQL both engines run.
pub(crate) const PROJECT_SELECT: &str =
    "SELECT p.id, p.name, p.description, p.path, p.created_at, p.updated_at,
        (SELECT COUNT(*) FROM sessions s WHERE s.project_id = p.id)
    FROM projects p";

/// A session's columns in [`Session`]'s order, its totals last: SQL both engines run (the
/// token sum cast, as PostgreSQL's `SUM` of `BIGINT`s is `NUMERIC`).
pub(crate) const SESSION_SELECT: &str = "SELECT s.id, s.project_id, s.title, s.model, s.system_prompt, s.status,
        s.source, s.created_at, s.updated_at,
        (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id),
        (SELECT CAST(COALESCE(SUM(input_tokens + output_tokens + cache_creation_tokens + cache_read_tokens), 0) AS BIGINT)
            FROM messages m WHERE m.session_id = s.id),
        (SELECT COALESCE(SUM(cost_usd), 0) FROM messages m WHERE m.session_id = s.id),
        s.deleted_at
    FROM sessions s";

/// [`SessionStats`] in its order: SQL both engines run.
/// Its one parameter is the owner (NULL: everyone's), as `$1` on PostgreSQL and `?1` on SQLite.
pub(crate) const SESSION_STATS: &str = "SELECT (SELECT COUNT(*) FROM sessions WHERE CAST($1 AS TEXT) IS NULL OR owner = $1),
        (SELECT COUNT(*) FROM sessions WHERE status = 'running' AND (CAST($1 AS TEXT) IS NULL OR owner = $1)),
        (SELECT COUNT(*) FROM messages m JOIN sessions s ON s.id = m.session_id WHERE CAST($1 AS TEXT) IS NULL OR s.owner = $1),
        (SELECT CAST(COALESCE(SUM(m.input_tokens + m.output_tokens + m.cache_creation_tokens + m.cache_read_tokens), 0) AS BIGINT)
            FROM messages m JOIN sessions s ON s.id = m.session_id WHERE CAST($1 AS TEXT) IS NULL OR s.owner = $1),
        (SELECT COALESCE(SUM(m.cost_usd), 0) FROM messages m JOIN sessions s ON s.id = m.session_id WHERE CAST($1 AS TEXT) IS NULL OR s.owner = $1)";

/// The id of the project that holds sessions created without one.
pub const DEFAULT_PROJECT_ID: &str = "default";

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// A directory it stands for, if any.
    pub path: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// How many sessions it holds.
    pub session_count: i64,
}

/// What a new project needs.
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    /// A chosen id, or None for a random one.
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// A directory.
    pub path: Option<String>,
}

/// Of `projects`, the one whose path holds `dir` most closely (the deepest), if any.
pub(crate) fn deepest_project(
    projects: impl IntoIterator<Item = Project>,
    dir: &Path,
) -> Option<Project> {
    let mut best: Option<Project> = None;
    for p in projects {
        if let Some(path) = p.path.as_deref().map(Path::new)
            && dir.starts_with(path)
            && best
                .as_ref()
                .and_then(|b| b.path.as_ref())
                .is_none_or(|b| path.starts_with(b))
        {
            best = Some(p);
        }
    }
    best
}

/// A session with its running totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// Its id.
    pub id: String,
    /// Its project.
    pub project_id: String,
    /// A short title.
    pub title: String,
    /// The model its turns use.
    pub model: String,
    /// The system prompt, if any.
    pub system_prompt: Option<String>,
    /// `idle`, `running`, `completed` or `error`.
    pub status: String,
    /// Which front end made it (`cli`, `api`, ...).
    pub source: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC, bumped by every message.
    pub updated_at: String,
    /// Messages stored.
    pub message_count: i64,
    /// Tokens over all messages.
    pub total_tokens: i64,
    /// Cost in US dollars over all messages.
    pub total_cost: f64,
    /// RFC 3339 UTC when it went to the trash (WebEDT's soft delete); None for a live one.
    pub deleted_at: Option<String>,
}

/// What a new session needs.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// A chosen id, or None for a random one.
    pub id: Option<String>,
    /// Its project, or None for the default one.
    pub project_id: Option<String>,
    /// A short title.
    pub title: String,
    /// The model.
    pub model: String,
    /// The system prompt.
    pub system_prompt: Option<String>,
    /// Which front end makes it.
    pub source: String,
    /// Its status from the start (`idle` when None; a code session is `pending`).
    pub status: Option<String>,
    /// Its metadata from the start (an object; `{}` when None).
    pub metadata: Option<serde_json::Value>,
}

/// Changes to a session; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SessionUpdate {
    /// New title.
    pub title: Option<String>,
    /// New model.
    pub model: Option<String>,
    /// New system prompt (`Some(None)` clears it).
    pub system_prompt: Option<Option<String>>,
    /// New status.
    pub status: Option<String>,
    /// Keys merged into the metadata (an object; other keys stay).
    pub metadata: Option<serde_json::Value>,
}

/// Which sessions to list.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only this project's.
    pub project_id: Option<String>,
    /// At most this many.
    pub limit: Option<usize>,
    /// Only those with this status (`running`, ...).
    pub status: Option<String>,
    /// The trash instead of the live sessions.
    pub deleted: bool,
    /// Skip this many (with `limit`, pages).
    pub offset: Option<usize>,
}

/// Totals over the whole store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionStats {
    /// Sessions stored.
    pub total_sessions: i64,
    /// Sessions with a turn running.
    pub running_sessions: i64,
    /// Messages stored.
    pub total_messages: i64,
    /// Tokens over all messages.
    pub total_tokens: i64,
    /// Dollars over all messages.
    pub total_cost: f64,
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its blocks.
    pub content: Vec<ContentBlock>,
    /// The model that wrote it (assistant turns).
    pub model: Option<String>,
    /// Why it stopped (assistant turns; `cancelled` or `error` for a partial one).
    pub stop_reason: Option<String>,
    /// Its token counts.
    pub usage: Usage,
    /// Its cost in dollars.
    pub cost_usd: f64,
}

impl NewMessage {
    /// A user message.
    pub fn user(content: Vec<ContentBlock>) -> Self {
        Self {
            role: Role::User,
            content,
            model: None,
            stop_reason: None,
            usage: Usage::default(),
            cost_usd: 0.0,
        }
    }

    /// Its blocks as the text the `content` column holds.
    pub(crate) fn content_json(&self) -> Result<String> {
        serde_json::to_string(&self.content).map_err(|e| Error::Corrupt(e.to_string()))
    }

    /// The message as stored in `session_id` with `id` at `created_at`.
    pub(crate) fn stored(&self, id: i64, session_id: &str, created_at: String) -> StoredMessage {
        StoredMessage {
            id,
            session_id: session_id.to_owned(),
            role: self.role,
            content: self.content.clone(),
            model: self.model.clone(),
            stop_reason: self.stop_reason.clone(),
            usage: self.usage,
            cost_usd: self.cost_usd,
            created_at,
            unanswered: false,
        }
    }
}

/// A role from the `role` column (anything but `assistant` is the user's).
pub(crate) fn role_from(name: &str) -> Role {
    if name == "assistant" {
        Role::Assistant
    } else {
        Role::User
    }
}

/// Message `id`'s blocks from the text of its `content` column.
pub(crate) fn content_from(id: i64, text: &str) -> Result<Vec<ContentBlock>> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("message {id}: {e}")))
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    /// Increasing id.
    pub id: i64,
    /// Its session.
    pub session_id: String,
    /// Who wrote it.
    pub role: Role,
    /// Its blocks.
    pub content: Vec<ContentBlock>,
    /// The model.
    pub model: Option<String>,
    /// Why it stopped.
    pub stop_reason: Option<String>,
    /// Its token counts.
    pub usage: Usage,
    /// Its cost in dollars.
    pub cost_usd: f64,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// A user message whose turn failed before any answer: left out of later histories.
    pub unanswered: bool,
}

impl StoredMessage {
    /// All text blocks joined.
    pub fn text(&self) -> String {
        crate::anthropic::text_of(&self.content)
    }
}

/// One row of a session's event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Increasing id (the SSE `id:` of replays).
    pub id: i64,
    /// Its session.
    pub session_id: String,
    /// What happened.
    pub kind: String,
    /// The details.
    pub data: serde_json::Value,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// One row of a session's event log as stored: its data is the JSON text itself, never
/// parsed, so a replay writes it through (see `Store::events_page`).
#[derive(Debug, Clone)]
pub struct RawEvent {
    /// Increasing id (the SSE `id:` of replays).
    pub id: i64,
    /// What happened (the data's `type`).
    pub kind: String,
    /// The details: one line of JSON text.
    pub data: Box<serde_json::value::RawValue>,
    /// RFC 3339 UTC.
    pub created_at: String,
}

impl RawEvent {
    /// An event from its stored columns. Data that is not JSON on one line (a row written by
    /// hand, or JSON with line breaks between its tokens) becomes one, so it can never break
    /// an SSE frame.
    pub fn from_row(id: i64, kind: String, data: String, created_at: String) -> Self {
        let data = if data.contains(['\n', '\r']) {
            let v = serde_json::from_str::<serde_json::Value>(&data)
                .unwrap_or(serde_json::Value::String(data));
            serde_json::value::to_raw_value(&v)
        } else {
            // a copy is cheaper than reading the text twice; it is kept only for text that is
            // not JSON, stored as a JSON string as the parsed reads do
            serde_json::value::RawValue::from_string(data.clone())
                .or_else(|_| serde_json::value::to_raw_value(&data))
        }
        .expect("a JSON value serialises");
        Self {
            id,
            kind,
            data,
            created_at,
        }
    }

    /// The data parsed.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.data.get()).unwrap_or(serde_json::Value::Null)
    }
}

/// Events read per page by replays and followers: a page is one query and one chunk written.
pub const EVENT_PAGE: usize = 1000;

/// An event to append with a message (see `Store::add_message_logged`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub kind: String,
    /// The details: an object, to which the store adds `message_id`.
    pub data: serde_json::Value,
}

impl NewEvent {
    /// An event of `kind` with `data`.
    pub fn new(kind: &str, data: serde_json::Value) -> Self {
        Self {
            kind: kind.to_owned(),
            data,
        }
    }

    /// The data with `message_id` set.
    pub fn with_message_id(&self, id: i64) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        out.insert("message_id".into(), id.into());
        if let serde_json::Value::Object(m) = &self.data {
            for (k, v) in m {
                if k != "message_id" {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        serde_json::Value::Object(out)
    }
}

/// One upstream exchange.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RequestLogEntry {
    /// Which front end (`cli`, `openai`, `ios`, ...).
    pub source: String,
    /// Which upstream endpoint.
    pub endpoint: String,
    /// The session, if any.
    pub session_id: Option<String>,
    /// The model asked for.
    pub model: Option<String>,
    /// The upstream HTTP status, if one came.
    pub status: Option<i64>,
    /// Time to the end of the answer.
    pub latency_ms: u64,
    /// Input tokens (cached included).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Dollars.
    pub cost_usd: f64,
    /// The upstream `request-id`.
    pub upstream_request_id: Option<String>,
    /// The error, if it failed.
    pub error: Option<String>,
}

/// A request-log row as written: the entry with its owner and time (a batch holds several
/// owners' rows).
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Whose exchange it was.
    pub owner: String,
    /// When it was recorded (RFC 3339 UTC; its first ten characters are its usage day).
    pub at: String,
    /// The exchange.
    pub entry: RequestLogEntry,
}

/// Usage summed per owner, UTC day, model and source: what the request log leaves behind
/// when its rows expire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageDay {
    /// Whose.
    pub owner: String,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// The model asked for (empty when none was named).
    pub model: String,
    /// Which front end.
    pub source: String,
    /// Exchanges.
    pub requests: u64,
    /// Exchanges that failed or were cancelled.
    pub errors: u64,
    /// Input tokens (cached included).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Dollars.
    pub cost_usd: f64,
}

/// The SQL both engines run to add a logged exchange to its day's usage.
pub(crate) const USAGE_ADD: &str =
    "INSERT INTO usage_daily (owner, day, model, source, requests, errors,
        input_tokens, output_tokens, cost_usd)
    VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8)
    ON CONFLICT (owner, day, model, source) DO UPDATE SET
        requests = usage_daily.requests + 1,
        errors = usage_daily.errors + excluded.errors,
        input_tokens = usage_daily.input_tokens + excluded.input_tokens,
        output_tokens = usage_daily.output_tokens + excluded.output_tokens,
        cost_usd = usage_daily.cost_usd + excluded.cost_usd";

/// The SQL both engines run to read usage from a day on, for one owner or (NULL) all.
pub(crate) const USAGE_SELECT: &str = "SELECT owner, day, model, source, requests, errors,
        input_tokens, output_tokens, cost_usd
    FROM usage_daily WHERE day >= $1 AND (CAST($2 AS TEXT) IS NULL OR owner = $2)
    ORDER BY day DESC, owner, model, source";

/// The usage day of a time (RFC 3339 UTC): its date.
pub(crate) fn usage_day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// The request log's insert, both engines.
pub(crate) const REQUEST_LOG_INSERT: &str =
    "INSERT INTO request_log (created_at, source, endpoint, session_id, model, status,
        latency_ms, input_tokens, output_tokens, cost_usd, upstream_request_id, error, owner)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
