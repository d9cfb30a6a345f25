//! `/v1/sessions`: list, create, read, delete, messages, stats.

use super::chat::{refused, run_session_turn};
use super::{session_json, success};
use crate::anthropic::ContentBlock;
use crate::engine::{TurnContext, TurnOptions};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::Me;
use crate::server::layers::CallerKey;
use crate::store::{NewMessage, NewSession, SessionFilter, StoredMessage};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

/// `?project_id=&limit=`.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

/// A bare array of sessions, most recent first.
pub async fn list(Me(st): Me, Query(q): Query<ListQuery>) -> Result<Json<Value>, ApiError> {
    let filter = SessionFilter {
        project_id: q.project_id.filter(|p| !p.is_empty()),
        limit: q.limit,
        ..Default::default()
    };
    let list = st.store().sessions(&filter).await?;
    Ok(Json(Value::Array(
        list.iter()
            .map(|s| session_json(s, st.is_running(&s.id)))
            .collect(),
    )))
}

/// `POST /v1/sessions` body.
#[derive(Deserialize)]
pub struct NewSessionBody {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default, rename = "projectId")]
    project_id_camel: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default, alias = "systemPrompt")]
    system_prompt: Option<String>,
}

/// Creates a session (in the default project when none is named).
pub async fn create(
    Me(st): Me,
    ApiJson(b): ApiJson<NewSessionBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let project_id = b
        .project_id
        .or(b.project_id_camel)
        .filter(|p| !p.is_empty());
    if let Some(id) = &b.id {
        let id2 = id.clone();
        if st.store().session(&id2).await.is_ok() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict_error",
                format!("session {id} exists"),
            ));
        }
    }
    let new = NewSession {
        id: b.id,
        project_id,
        title: b.title.unwrap_or_default(),
        model: b
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| st.options().model.clone()),
        system_prompt: b.system_prompt.filter(|s| !s.is_empty()),
        source: "api".into(),
        ..Default::default()
    };
    let s = st.store().create_session(&new).await?;
    Ok((StatusCode::CREATED, Json(session_json(&s, false))))
}

/// One session.
pub async fn one(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Value>, ApiError> {
    let s = st.store().session(&id).await?;
    Ok(Json(session_json(&s, st.is_running(&s.id))))
}

/// Deletes a session (stopping its turn first).
pub async fn remove(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Value>, ApiError> {
    st.stop_anywhere(&id, false).await;
    let id2 = id.clone();
    if !st.store().delete_session(&id2).await? {
        return Err(ApiError::not_found("session", &id));
    }
    Ok(success(json!({"id": id})))
}

/// Totals, camelCase and snake_case.
pub async fn stats(Me(st): Me) -> Result<Json<Value>, ApiError> {
    let s = st.store().session_stats().await?;
    let active = st.running_count();
    Ok(Json(json!({
        "activeSessions": active, "active_sessions": active,
        "totalSessions": s.total_sessions, "total_sessions": s.total_sessions,
        "totalTokens": s.total_tokens, "total_tokens": s.total_tokens,
        "totalCost": s.total_cost, "total_cost": s.total_cost,
        "totalMessages": s.total_messages, "total_messages": s.total_messages,
    })))
}

fn message_json(m: &StoredMessage) -> Value {
    json!({
        "id": m.id,
        "session_id": m.session_id, "sessionId": m.session_id,
        "role": m.role.as_str(),
        "content": m.text(),
        "blocks": m.content,
        "model": m.model,
        "stop_reason": m.stop_reason,
        "usage": m.usage,
        "cost": m.cost_usd,
        "created_at": m.created_at, "createdAt": m.created_at,
    })
}

/// `?limit=` on the message list: the last N.
#[derive(Deserialize, Default)]
pub struct MessagesQuery {
    #[serde(default)]
    limit: Option<usize>,
}

/// A session's messages in order.
pub async fn messages(
    Me(st): Me,
    IdPath(id): IdPath,
    Query(q): Query<MessagesQuery>,
) -> Result<Json<Value>, ApiError> {
    let msgs = st.store().session_messages(&id).await?;
    let skip = q.limit.map(|l| msgs.len().saturating_sub(l)).unwrap_or(0);
    Ok(Json(Value::Array(
        msgs[skip..].iter().map(message_json).collect(),
    )))
}

/// `POST /v1/sessions/{id}/messages` body.
#[derive(Deserialize)]
pub struct PostMessage {
    #[serde(default, alias = "message", alias = "text")]
    content: Option<Value>,
    #[serde(default)]
    stream: Option<bool>,
    #[serde(default)]
    reply: Option<bool>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    max_tokens: Option<u32>,
}

fn user_content(v: Option<Value>) -> Result<Vec<ContentBlock>, ApiError> {
    let blocks = match v {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![ContentBlock::text(s)],
        Some(Value::Array(parts)) => {
            let mut out = Vec::new();
            for (i, p) in parts.into_iter().enumerate() {
                let b: ContentBlock = serde_json::from_value(p).map_err(|e| {
                    ApiError::bad_request(
                        format!("content[{i}] is not a content block: {e}"),
                        Some("content"),
                    )
                })?;
                out.push(b);
            }
            out
        }
        _ => vec![],
    };
    if blocks.is_empty() {
        return Err(ApiError::bad_request(
            "missing required field `content`",
            Some("content"),
        ));
    }
    Ok(blocks)
}

/// Appends a user message and answers it (streamed with `stream: true`); `reply: false` only stores.
pub async fn post_message(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    IdPath(id): IdPath,
    ApiJson(b): ApiJson<PostMessage>,
) -> Result<Response, ApiError> {
    let id2 = id.clone();
    let session = st.store().session(&id2).await?;
    let user = user_content(b.content)?;
    if b.reply == Some(false) {
        let sid = session.id.clone();
        let m = st
            .store()
            .add_message(&sid, &NewMessage::user(user))
            .await?;
        return Ok((StatusCode::CREATED, Json(message_json(&m))).into_response());
    }
    let client = st.client_for(key.0.as_deref()).await?;
    let guard = st.begin_turn(&session.id).await.map_err(refused)?;
    let opts = TurnOptions {
        model: b
            .model
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| session.model.clone()),
        system: session.system_prompt.clone(),
        max_tokens: b.max_tokens.unwrap_or(st.options().max_tokens),
        stream: true,
        history: None,
        tooling: None,
        record_events: true,
        memory: None,
        release_with_answer: true,
    };
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: "api".into(),
    };
    let stream = b.stream.unwrap_or(false);
    Ok(run_session_turn(st, ctx, session, user, opts, stream, guard).await)
}
