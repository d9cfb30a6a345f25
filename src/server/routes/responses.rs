//! `POST /v1/responses`: OpenAI's Responses API for Codex and the newer OpenAI SDKs, streamed
//! (`response.*` events) or whole; the translation is `openai::responses`.

use super::{Pumped, unix_now};
use crate::engine::{self, TurnContext};
use crate::openai::{ResponsesRequest, ResponsesTranslator, responses_to_anthropic};
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::Me;
use crate::server::layers::CallerKey;
use crate::server::sse::{self, Frame};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

fn frame(e: crate::openai::ResponseEvent) -> Frame {
    Frame::Event {
        name: Some(e.kind.to_owned()),
        id: None,
        data: serde_json::to_value(&e).unwrap_or_default(),
    }
}

/// `POST /v1/responses`.
pub async fn create(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    headers: axum::http::HeaderMap,
    ApiJson(mut req): ApiJson<ResponsesRequest>,
) -> Result<Response, ApiError> {
    let opts = st.options();
    // a continuation: the stored response's input and output come first
    let mut input = Vec::new();
    if let Some(prev) = req.previous_response_id.as_deref() {
        input = conversation_of(&st, prev).await?;
        if req.input.is_none() {
            req.input = Some(serde_json::Value::Array(Vec::new()));
        }
    }
    input.extend(req.input_items());
    if req.previous_response_id.is_some() {
        req.input = Some(serde_json::Value::Array(input.clone()));
    }
    let keep = req.store != Some(false);
    let mapped = responses_to_anthropic(&req, &opts.model, opts.max_tokens)
        .map_err(|e| ApiError::bad_request(e.message, Some(&e.param)))?;
    if !mapped.dropped_tools.is_empty() {
        // hosted tools have no Claude counterpart here; refusing would stop Codex
        tracing::info!(
            "responses: left out hosted tools {:?}",
            mapped.dropped_tools
        );
    }
    let client = st.client_for(key.0.as_deref()).await?;
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: "responses".into(),
    };
    // Codex names its conversation (`session-id`): its turns and answers are a session of
    // source codex, as Claude Code's are of claude-code
    let agent_session = match headers.get("session-id").and_then(|v| v.to_str().ok()) {
        Some(sid) => {
            let body = serde_json::to_vec(&mapped.mapped.request).unwrap_or_default();
            let model = &mapped.mapped.request.model;
            let rec = TurnContext {
                source: "codex".into(),
                ..ctx.clone()
            };
            engine::passthrough::record_user_turn(&rec, sid, model, &body)
                .await
                .then(|| sid.to_owned())
        }
        None => None,
    };
    let mut tr = ResponsesTranslator::new(&mapped, unix_now());
    if !req.stream.unwrap_or(false) {
        let msg = engine::complete(&ctx, &mapped.mapped.request)
            .await
            .map_err(|e| ApiError::from(&e))?;
        if let Some(sid) = &agent_session {
            let (model, usage) = (msg.model.clone(), msg.usage);
            engine::passthrough::record_answer(&ctx, sid, &model, msg.clone(), usage, false).await;
        }
        let object = serde_json::to_value(tr.whole(&msg)).unwrap_or_default();
        if keep {
            keep_response(&st, &input, &object).await;
        }
        return Ok(Json(object).into_response());
    }
    let comp = engine::open_completion(&ctx, &mapped.mapped.request)
        .await
        .map_err(|e| ApiError::from(&e))?
        .recorded_in(agent_session);
    let (tx, resp) = sse::channel(opts.keepalive, Frame::Close);
    for e in tr.start() {
        let _ = tx.send(frame(e));
    }
    let shutdown = st.shutdown_token();
    // the finished response, kept once the stream has sent it
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<serde_json::Value>();
    let mut done_tx = Some(done_tx);
    tokio::spawn(super::pump_completion(comp, tx, shutdown, move |step| {
        let last = match step {
            Pumped::Event(ev) => return tr.on_event(ev).into_iter().map(frame).collect(),
            Pumped::Failed(e) => {
                let api = ApiError::from(e);
                tr.failed(&api.kind, &api.message)
            }
            Pumped::Shutdown => tr.failed("server_shutting_down", "the server is shutting down"),
            Pumped::End => {
                let last = tr.finish();
                if let (Some(done), Some(object)) = (done_tx.take(), last.fields.get("response")) {
                    let _ = done.send(object.clone());
                }
                last
            }
        };
        vec![frame(last), Frame::Close]
    }));
    if keep {
        tokio::spawn(async move {
            if let Ok(object) = done_rx.await {
                keep_response(&st, &input, &object).await;
            }
        });
    }
    Ok(resp)
}

/// `GET /v1/responses/{id}`: a stored response as it was sent.
pub async fn get(Me(st): Me, IdPath(id): IdPath) -> Result<Json<serde_json::Value>, ApiError> {
    match st.store().stored_response(&id).await? {
        Some(r) => Ok(Json(r.response)),
        None => Err(ApiError::not_found("response", &id)),
    }
}

/// The input and output items of a stored response, to continue from.
async fn conversation_of(st: &AppState, id: &str) -> Result<Vec<serde_json::Value>, ApiError> {
    let param = Some("previous_response_id");
    crate::store::check_id("response", id)
        .map_err(|e| ApiError::bad_request(e.to_string(), param))?;
    let Some(prev) = st.store().stored_response(id).await? else {
        return Err(ApiError::bad_request(
            format!("Previous response with id '{id}' not found."),
            param,
        ));
    };
    let mut items = prev.input.as_array().cloned().unwrap_or_default();
    items.extend(
        prev.response["output"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    Ok(items)
}

/// Keeps a finished response with the input it answered (a failure is logged: the client has
/// its answer already).
async fn keep_response(st: &AppState, input: &[serde_json::Value], object: &serde_json::Value) {
    let (Some(id), Some(model)) = (object["id"].as_str(), object["model"].as_str()) else {
        return;
    };
    let input = serde_json::Value::Array(input.to_vec());
    if let Err(e) = st.store().put_response(id, model, &input, object).await {
        tracing::warn!("response {id} could not be kept: {e}");
    }
}
