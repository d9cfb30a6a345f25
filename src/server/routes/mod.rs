//! Handlers, one file per resource, and the JSON shapes they share.

pub mod chat;
pub mod health;
pub mod mcp;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod projects;
pub mod sessions;
pub mod webedt;

use super::error::ApiError;
use crate::store::{Project, Session};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// 404 for unknown paths.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found_error",
        format!("no route for {}", uri.path()),
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

/// Unix seconds now.
pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}
