//! Anthropic's Messages API for Claude Code and the Anthropic SDKs: `POST /v1/messages` (any
//! query, e.g. `?beta=true`) and `/v1/messages/count_tokens`, passed through as sent; errors in
//! Anthropic's shape. `GET /v1/models` answers in Anthropic's shape for these clients
//! (`models.rs`), and `HEAD /` (Claude Code's first call) answers here.

use crate::engine::{TurnContext, passthrough};
use crate::server::AppState;
use crate::server::error::{ApiError, Family};
use crate::server::extract::require_json;
use crate::server::identity::Me;
use crate::server::layers::CallerKey;
use axum::body::{Body, Bytes};
use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

fn refuse(e: ApiError) -> Response {
    e.into_family_response(Family::Anthropic)
}

async fn forward(
    st: AppState,
    key: CallerKey,
    headers: HeaderMap,
    path: String,
    body: Bytes,
    logged: bool,
) -> Response {
    if let Err(e) = require_json(&headers) {
        return refuse(e);
    }
    let client = match st.client_for(key.0.as_deref()).await {
        Ok(c) => c,
        Err(e) => return refuse(e),
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // Claude Code names its conversation: its exchanges are logged under their own source
    let source = if header("x-claude-code-session-id").is_some() {
        "claude-code"
    } else {
        "anthropic"
    };
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: source.into(),
    };
    match passthrough::forward(
        &ctx,
        &path,
        body,
        header("anthropic-version"),
        header("anthropic-beta"),
        logged,
        header("x-claude-code-session-id"),
    )
    .await
    {
        Ok(p) => {
            let mut resp = Response::new(Body::from_stream(p.body));
            *resp.status_mut() = StatusCode::from_u16(p.status).unwrap_or(StatusCode::OK);
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&p.content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            if let Some(id) = p.request_id.and_then(|r| HeaderValue::from_str(&r).ok()) {
                h.insert("request-id", id);
            }
            if p.content_type.starts_with("text/event-stream") {
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                h.insert("x-accel-buffering", HeaderValue::from_static("no"));
            }
            resp
        }
        Err(e) => refuse(ApiError::from(&e)),
    }
}

/// The upstream path with the client's query, as it sent it.
fn with_query(path: &str, query: Option<String>) -> String {
    match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    }
}

/// `POST /v1/messages[?query]`.
pub async fn messages(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    forward(st, key, headers, with_query("messages", query), body, true).await
}

/// `POST /v1/messages/count_tokens[?query]`.
pub async fn count_tokens(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    forward(
        st,
        key,
        headers,
        with_query("messages/count_tokens", query),
        body,
        false,
    )
    .await
}

/// What `GET /` says: the server's name and version.
#[derive(Debug, serde::Serialize)]
pub struct Root {
    name: &'static str,
    version: &'static str,
}

/// `GET /` and `HEAD /`: Claude Code checks that the base URL answers.
pub async fn root() -> impl IntoResponse {
    Json(Root {
        name: "clauded",
        version: env!("CARGO_PKG_VERSION"),
    })
}
