//! `GET /v1/models`, `/v1/models/{id}`, `/v1/models/capabilities`.

use crate::anthropic::ModelInfo;
use crate::engine;
use crate::pricing;
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::identity::Me;
use crate::server::layers::CallerKey;
use axum::extract::Path;
use axum::{Extension, Json};
use serde_json::{Value, json};

async fn models(st: &AppState, key: &CallerKey) -> Vec<ModelInfo> {
    let client = st.client_for(key.0.as_deref()).await.ok();
    engine::list_models(
        client.as_ref(),
        st.store(),
        st.options().models_cache,
        false,
    )
    .await
    .models
}

fn created(m: &ModelInfo) -> i64 {
    m.created_at
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .unwrap_or(0)
}

fn openai_model(m: &ModelInfo) -> Value {
    json!({"id": m.id, "object": "model", "created": created(m), "owned_by": "anthropic", "display_name": m.display_name})
}

/// One model in Anthropic's list shape.
#[derive(Debug, serde::Serialize)]
pub struct AnthropicModel {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    display_name: String,
    created_at: String,
}

/// Anthropic's `GET /v1/models` page (one page: the list is short).
#[derive(Debug, serde::Serialize)]
pub struct AnthropicModelList {
    data: Vec<AnthropicModel>,
    has_more: bool,
    first_id: Option<String>,
    last_id: Option<String>,
}

/// The OpenAI list shape; Anthropic's for clients that send `anthropic-version`.
pub async fn list(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let all = models(&st, &key).await;
    if headers.contains_key("anthropic-version") {
        let data: Vec<AnthropicModel> = all
            .iter()
            .map(|m| AnthropicModel {
                kind: "model",
                id: m.id.clone(),
                display_name: m.display_name.clone(),
                created_at: m.created_at.clone(),
            })
            .collect();
        return Json(AnthropicModelList {
            first_id: data.first().map(|m| m.id.clone()),
            last_id: data.last().map(|m| m.id.clone()),
            has_more: false,
            data,
        })
        .into_response();
    }
    let data: Vec<Value> = all.iter().map(openai_model).collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

/// One model; ids are passed through, so any `claude-*` id is answered.
pub async fn one(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if let Some(m) = models(&st, &key).await.iter().find(|m| m.id == id) {
        return Ok(Json(openai_model(m)));
    }
    if id.starts_with("claude") {
        return Ok(Json(
            json!({"id": id, "object": "model", "created": 0, "owned_by": "anthropic"}),
        ));
    }
    let mut e = ApiError::not_found("model", &id);
    e.code = Some("model_not_found".into());
    Err(e)
}

/// What the iOS app's new-session screen needs (never empty).
pub async fn capabilities(Me(st): Me, Extension(key): Extension<CallerKey>) -> Json<Value> {
    let caps: Vec<Value> = models(&st, &key)
        .await
        .iter()
        .map(|m| {
            let price = pricing::price(&m.id);
            let max = st.options().max_tokens;
            let name = if m.display_name.is_empty() {
                m.id.clone()
            } else {
                m.display_name.clone()
            };
            json!({
                "id": m.id,
                "name": name,
                "description": format!("{name} by Anthropic"),
                "maxTokens": max, "max_tokens": max,
                "contextWindow": 200000, "context_window": 200000,
                "supportsStreaming": true, "supports_streaming": true,
                "supportsTools": true, "supports_tools": true,
                "supportsVision": true, "supports_vision": true,
                "pricing": {"input": price.map(|p| p.input), "output": price.map(|p| p.output)},
            })
        })
        .collect();
    Json(json!({"models": caps, "data": caps}))
}
