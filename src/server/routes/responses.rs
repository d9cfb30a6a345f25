//! `POST /v1/responses`: OpenAI's Responses API for Codex and the newer OpenAI SDKs, streamed
//! (`response.*` events) or whole; the translation is `openai::responses`.

use super::{Pumped, unix_now};
use crate::engine::{self, TurnContext};
use crate::openai::{ResponsesRequest, ResponsesTranslator, responses_to_anthropic};
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::ApiJson;
use crate::server::layers::CallerKey;
use crate::server::sse::{self, Frame};
use axum::extract::State;
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
    State(st): State<AppState>,
    Extension(key): Extension<CallerKey>,
    ApiJson(req): ApiJson<ResponsesRequest>,
) -> Result<Response, ApiError> {
    let opts = st.options();
    let mapped = responses_to_anthropic(&req, &opts.model, opts.max_tokens)
        .map_err(|e| ApiError::bad_request(e.message, Some(&e.param)))?;
    if !mapped.dropped_tools.is_empty() {
        // hosted tools have no Claude counterpart here; refusing would stop Codex
        tracing::info!(
            "responses: left out hosted tools {:?}",
            mapped.dropped_tools
        );
    }
    let client = st
        .client_for(key.0.as_deref())
        .ok_or_else(ApiError::no_key)?;
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: "responses".into(),
    };
    let mut tr = ResponsesTranslator::new(&mapped, unix_now());
    if !req.stream.unwrap_or(false) {
        let msg = engine::complete(&ctx, &mapped.mapped.request)
            .await
            .map_err(|e| ApiError::from(&e))?;
        return Ok(Json(tr.whole(&msg)).into_response());
    }
    let comp = engine::open_completion(&ctx, &mapped.mapped.request)
        .await
        .map_err(|e| ApiError::from(&e))?;
    let (tx, resp) = sse::channel(opts.keepalive, Frame::Close);
    for e in tr.start() {
        let _ = tx.send(frame(e));
    }
    let shutdown = st.shutdown_token();
    tokio::spawn(super::pump_completion(comp, tx, shutdown, move |step| {
        let last = match step {
            Pumped::Event(ev) => return tr.on_event(ev).into_iter().map(frame).collect(),
            Pumped::Failed(e) => {
                let api = ApiError::from(e);
                tr.failed(&api.kind, &api.message)
            }
            Pumped::Shutdown => tr.failed("server_shutting_down", "the server is shutting down"),
            Pumped::End => tr.finish(),
        };
        vec![frame(last), Frame::Close]
    }));
    Ok(resp)
}
