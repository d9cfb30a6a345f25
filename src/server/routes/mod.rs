//! Handlers, one file per resource, and the JSON shapes they share.

pub mod admin;
pub mod approvals;
pub mod auth;
pub mod chat;
pub mod github;
pub mod health;
pub mod mcp;
pub mod messages;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod projects;
pub mod responses;
pub mod sessions;
pub mod usage;
pub mod user;
pub mod webedt;
pub mod webedt_sessions;

use super::error::ApiError;
use crate::store::{Project, Session};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The first path segments of the `/v1` routes, for "did you mean" on a path without `/v1`.
const V1_ROOTS: &[&str] = &[
    "models", "chat", "projects", "sessions", "mcp", "tools", "usage",
];

/// 404 for unknown paths; a `/v1` path asked for without `/v1` says so (an OpenAI client whose
/// base URL lacks it).
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    let path = uri.path();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let hint = if V1_ROOTS.contains(&first) {
        format!("; did you mean /v1{path}? (OpenAI clients want the base URL http://HOST:PORT/v1)")
    } else {
        String::new()
    };
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found_error",
        format!("no route for {path}{hint}"),
    )
}

/// 405 for a known path with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        "method not allowed on this path",
    )
}

/// A project with camelCase and snake_case twins.
pub fn project_json(p: &Project) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "path": p.path.clone().unwrap_or_default(),
        "createdAt": p.created_at, "created_at": p.created_at,
        "updatedAt": p.updated_at, "updated_at": p.updated_at,
        "sessionCount": p.session_count, "session_count": p.session_count,
    })
}

/// A session with camelCase and snake_case twins.
pub fn session_json(s: &Session, running: bool) -> Value {
    json!({
        "id": s.id,
        "projectId": s.project_id, "project_id": s.project_id,
        "title": s.title,
        "model": s.model,
        "systemPrompt": s.system_prompt, "system_prompt": s.system_prompt,
        "createdAt": s.created_at, "created_at": s.created_at,
        "updatedAt": s.updated_at, "updated_at": s.updated_at,
        "isActive": running, "is_active": running,
        "status": if running { "running" } else { s.status.as_str() },
        "source": s.source,
        "totalTokens": s.total_tokens, "total_tokens": s.total_tokens,
        "totalCost": s.total_cost, "total_cost": s.total_cost,
        "messageCount": s.message_count, "message_count": s.message_count,
    })
}

/// `{"success": true}` plus fields.
pub fn success(extra: Value) -> axum::Json<Value> {
    let mut v = json!({"success": true, "ok": true});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    axum::Json(v)
}

/// What a stateless stream's pump reports to its front end's translation.
pub enum Pumped<'a> {
    /// One upstream event.
    Event(&'a crate::anthropic::StreamEvent),
    /// The upstream failed after the first byte.
    Failed(&'a crate::anthropic::Error),
    /// The server is shutting down.
    Shutdown,
    /// The answer is complete.
    End,
}

/// Feeds a stateless completion to a client until it ends, fails, the client leaves or the
/// server shuts down; `translate` turns each step into the client's frames. The exchange is
/// logged at the end either way.
pub async fn pump_completion(
    mut comp: crate::engine::Completion,
    tx: crate::server::sse::FrameTx,
    shutdown: tokio_util::sync::CancellationToken,
    mut translate: impl FnMut(Pumped<'_>) -> Vec<crate::server::sse::Frame>,
) {
    let send = |frames: Vec<crate::server::sse::Frame>| {
        for f in frames {
            let _ = tx.send(f);
        }
    };
    let mut error = None;
    let mut cancelled = false;
    loop {
        tokio::select! {
            biased;
            _ = tx.closed() => {
                cancelled = true;
                break;
            }
            _ = shutdown.cancelled() => {
                send(translate(Pumped::Shutdown));
                cancelled = true;
                break;
            }
            ev = comp.next() => match ev {
                Some(Ok(ev)) => send(translate(Pumped::Event(&ev))),
                Some(Err(e)) => {
                    send(translate(Pumped::Failed(&e)));
                    error = Some(e);
                    break;
                }
                None => {
                    send(translate(Pumped::End));
                    break;
                }
            }
        }
    }
    // boxed: its future (4.3 KB: the request log, the agent's session) would otherwise be
    // held inside this one for the whole life of the stream
    Box::pin(comp.finish(error.as_ref(), cancelled)).await;
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}
