//! The approval hub over HTTP: what waits (`GET /v1/approvals`), a stream of requests and
//! answers for the phone (`GET /v1/approvals/stream`, with `Last-Event-ID`), an answer
//! (`POST /v1/approvals/{id}`), and Claude Code's PermissionRequest HTTP hook
//! (`POST /v1/hooks/permission-request`), which waits for that answer.

use super::mcp::decision_of;
use crate::engine::approvals;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::Me;
use crate::server::sse::{self, Frame};
use crate::store::{Approval, NewApproval};
use axum::Json;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

/// `GET /v1/approvals` answer.
#[derive(Debug, Serialize)]
pub struct Pending {
    object: &'static str,
    data: Vec<Approval>,
}

/// `GET /v1/approvals`: requests still waiting, newest first.
pub async fn list(Me(st): Me) -> Result<Json<Pending>, ApiError> {
    let data = st.store().pending_approvals().await?;
    Ok(Json(Pending {
        object: "list",
        data,
    }))
}

/// `POST /v1/approvals/{id}` body.
#[derive(Debug, Deserialize)]
pub struct AnswerBody {
    decision: String,
    #[serde(default)]
    message: Option<String>,
}

/// `POST /v1/approvals/{id}`: answers once; a second answer is 409.
pub async fn answer(
    Me(st): Me,
    IdPath(id): IdPath,
    ApiJson(b): ApiJson<AnswerBody>,
) -> Result<Json<Approval>, ApiError> {
    let decision = decision_of(&b.decision)?;
    Ok(Json(
        approvals::answer(st.store(), &id, decision, b.message).await?,
    ))
}

/// `?lastEventId=` for clients that cannot set the header.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default, rename = "lastEventId")]
    last_event_id: Option<i64>,
}

/// `GET /v1/approvals/stream`: `approval_request` and `approval_resolved` frames (with `id:`
/// lines), from after `Last-Event-ID`, then live.
pub async fn stream(Me(st): Me, headers: HeaderMap, Query(q): Query<StreamQuery>) -> Response {
    let mut after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(q.last_event_id)
        .unwrap_or(0);
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Close);
    let shutdown = st.shutdown_token();
    tokio::spawn(async move {
        let mut notices = st.store().subscribe();
        loop {
            let events = match st.store().approval_events(after).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!("approval stream: {e}");
                    Vec::new()
                }
            };
            for e in events {
                after = e.id;
                let frame = Frame::Event {
                    name: Some(e.kind.clone()),
                    id: Some(e.id),
                    data: json!({"type": e.kind, "approval": e.approval}),
                };
                if tx.send_wait(frame).await.is_err() {
                    return;
                }
            }
            // the store says when there is more (any instance's, on PostgreSQL); a slow look
            // now and then covers a SQLite file another process writes
            tokio::select! {
                _ = tx.closed() => return,
                _ = shutdown.cancelled() => {
                    let _ = tx.send(Frame::Close);
                    return;
                }
                _ = crate::engine::approvals::next_notice(&mut notices) => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    });
    resp
}

/// Claude Code's PermissionRequest hook input (fields we use; the rest is kept in `input`).
#[derive(Debug, Deserialize)]
pub struct HookInput {
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    tool_input: Value,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    tool_use_id: Option<String>,
    /// Codex's; Claude Code sends none.
    #[serde(default)]
    turn_id: Option<String>,
}

/// `?timeout=SECONDS` (the hook's own timeout, so the answer comes before it gives up) and
/// `?source=codex|claude-code` (`clauded hook` sends it; without it, an input with Codex's
/// `turn_id` is Codex's).
#[derive(Debug, Deserialize)]
pub struct HookQuery {
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    source: Option<String>,
}

/// The hook's decision, in Claude Code's shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    hook_specific_output: Option<HookSpecific>,
}

/// `hookSpecificOutput`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookSpecific {
    hook_event_name: &'static str,
    decision: HookDecision,
}

/// `{behavior, message}`.
#[derive(Debug, Serialize)]
pub struct HookDecision {
    behavior: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// `POST /v1/hooks/permission-request`: makes the agent's request a pending approval, waits
/// for the phone, answers allow or deny; no answer in time is no verdict (`{}`), and the agent
/// asks locally as usual.
pub async fn permission_request(
    Me(st): Me,
    Query(q): Query<HookQuery>,
    ApiJson(input): ApiJson<HookInput>,
) -> Result<Json<HookOutput>, ApiError> {
    // answer a little before the agent's own timeout, so the verdict is not lost
    let wait = q
        .timeout
        .map(|t| Duration::from_secs(t.max(2)) - Duration::from_secs(1))
        .unwrap_or(Duration::from_secs(55))
        .min(Duration::from_secs(3600));
    let source = approvals::hook_source(q.source.as_deref(), input.turn_id.is_some());
    let session_id = input
        .session_id
        .filter(|s| crate::store::check_id("session", s).is_ok());
    let new = NewApproval {
        session_id,
        tool_use_id: input.tool_use_id,
        source: source.into(),
        tool: input.tool_name.unwrap_or_else(|| "unknown".into()),
        input: input.tool_input,
        cwd: input.cwd,
        ttl_ms: wait.as_millis() as i64,
        ..Default::default()
    };
    let asked = approvals::open(st.store(), st.notifier(), new).await?;
    let answer = approvals::wait(st.store(), &asked).await;
    let verdict = answer.and_then(|a| {
        let behavior = match a.decision.as_deref() {
            Some("allow" | "always") => "allow",
            Some("deny") => "deny",
            _ => return None,
        };
        Some(HookSpecific {
            hook_event_name: "PermissionRequest",
            decision: HookDecision {
                behavior,
                message: a
                    .message
                    .or_else(|| (behavior == "deny").then(|| "denied from clauded".into())),
            },
        })
    });
    Ok(Json(HookOutput {
        hook_specific_output: verdict,
    }))
}
