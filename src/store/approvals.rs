//! The approval hub's rows: tool calls waiting for a person's answer, and the log of requests
//! and answers a phone's stream replays.

use super::{Error, not_found};
use serde::Serialize;

/// A new request for approval.
#[derive(Debug, Clone, Default)]
pub struct NewApproval {
    /// Its id (the caller's, or a random one).
    pub id: Option<String>,
    /// The session it belongs to, if any.
    pub session_id: Option<String>,
    /// The tool call it is about, if known.
    pub tool_use_id: Option<String>,
    /// Who asks: `clauded`, `claude-code`, `codex`.
    pub source: String,
    /// The tool's name.
    pub tool: String,
    /// Its input.
    pub input: serde_json::Value,
    /// Where the agent works.
    pub cwd: Option<String>,
    /// How long it waits, in milliseconds.
    pub ttl_ms: i64,
}

impl NewApproval {
    /// Its id: the caller's, or a fresh `apr_…` one.
    pub(crate) fn id_or_new(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("apr_{}", uuid::Uuid::new_v4().simple()))
    }
}

/// Why an answer to approval `id` changed nothing, from the decision stored for it: `None`
/// when there is no such approval, `Some(None)` when it lapsed unanswered.
pub(crate) fn refused(id: &str, stored: Option<Option<String>>) -> Error {
    match stored {
        None => not_found("approval", id),
        Some(Some(d)) => Error::Conflict(format!("approval {id} was already answered ({d})")),
        Some(None) => Error::Conflict(format!("approval {id} expired before it was answered")),
    }
}

/// An approval's columns in [`Approval`]'s order: SQL both engines run.
pub(crate) const APPROVAL_SELECT: &str =
    "SELECT id, session_id, tool_use_id, source, tool, input, cwd, created_at,
        expires_ms, decision, message, decided_at FROM approvals";

/// A request for approval as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    /// Its id.
    pub id: String,
    /// Its session, if any.
    pub session_id: Option<String>,
    /// The tool call, if known.
    pub tool_use_id: Option<String>,
    /// Who asked.
    pub source: String,
    /// The tool.
    pub tool: String,
    /// Its input.
    pub input: serde_json::Value,
    /// Where the agent works.
    pub cwd: Option<String>,
    /// When it was asked (RFC 3339).
    pub created_at: String,
    /// When it lapses, unix milliseconds.
    pub expires_ms: i64,
    /// `allow`, `always` or `deny`, once answered.
    pub decision: Option<String>,
    /// The person's note.
    pub message: Option<String>,
    /// When it was answered.
    pub decided_at: Option<String>,
}

/// One entry of the log a phone's stream replays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalEvent {
    /// Increasing id (the SSE `id:`).
    pub id: i64,
    /// `approval_request` or `approval_resolved`.
    pub kind: String,
    /// The approval as it is now.
    pub approval: Approval,
}
