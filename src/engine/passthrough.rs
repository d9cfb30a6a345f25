//! Anthropic's Messages API passed through as the client sent it (Claude Code, the Anthropic
//! SDKs): the body goes upstream untouched (unknown fields and blocks, `cache_control`,
//! adaptive thinking), the answer comes back byte for byte, and its SSE frames are read on the
//! way only to log usage and cost in the request log.

use super::turn::{TurnContext, log_exchange};
use crate::anthropic::sse::SseDecoder;
use crate::anthropic::{self, StreamEvent, Usage, parse_event};
use crate::pricing;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::time::Instant;

/// The upstream's answer, ready to be sent back as it is.
pub struct Passthrough {
    /// The upstream status (2xx: errors come back as `anthropic::Error`).
    pub status: u16,
    /// Its content type (`text/event-stream` for a stream).
    pub content_type: String,
    /// The upstream `request-id`.
    pub request_id: Option<String>,
    /// The body, chunk by chunk as it arrives.
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// What is known of one exchange; written to the request log when the body ends or is
/// dropped (a client that leaves still leaves a row).
struct Exchange {
    ctx: TurnContext,
    model: String,
    started: Instant,
    usage: Usage,
    request_id: Option<String>,
    decoder: SseDecoder,
    incomplete: bool,
}

impl Exchange {
    fn read_stream(&mut self, chunk: &[u8]) {
        for ev in self.decoder.push(chunk) {
            match parse_event(&ev) {
                Ok(Some(StreamEvent::MessageStart { message })) => {
                    self.usage = message.usage;
                    if !message.model.is_empty() {
                        self.model = message.model;
                    }
                }
                Ok(Some(StreamEvent::MessageDelta { usage: Some(u), .. })) => {
                    self.usage.merge_delta(&u)
                }
                Ok(Some(StreamEvent::MessageStop)) => self.incomplete = false,
                _ => {}
            }
        }
    }

    fn read_whole(&mut self, body: &[u8]) {
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            model: String,
            #[serde(default)]
            usage: Usage,
        }
        if let Ok(a) = serde_json::from_slice::<Answer>(body) {
            self.usage = a.usage;
            if !a.model.is_empty() {
                self.model = a.model;
            }
        }
        self.incomplete = false;
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (ctx, model, usage, started, request_id, cancelled) = (
            self.ctx.clone(),
            std::mem::take(&mut self.model),
            self.usage,
            self.started,
            self.request_id.take(),
            self.incomplete,
        );
        handle.spawn(async move {
            let cost = pricing::cost(&model, &usage);
            log_exchange(
                &ctx, None, &model, &usage, cost, started, request_id, None, cancelled,
            )
            .await;
        });
    }
}

/// The model a request names, for the log only (the body itself is not touched).
fn model_of(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Named {
        #[serde(default)]
        model: String,
    }
    serde_json::from_slice::<Named>(body)
        .map(|n| n.model)
        .unwrap_or_default()
}

/// Forwards `POST /v1/{path}` (`messages`, `messages?beta=true`, `messages/count_tokens`) with
/// the client's body and version headers. `logged`: whether the exchange uses tokens (messages
/// do, counting does not) and so belongs in the request log.
pub async fn forward(
    ctx: &TurnContext,
    path: &str,
    body: Bytes,
    version: Option<&str>,
    beta: Option<&str>,
    logged: bool,
) -> Result<Passthrough, anthropic::Error> {
    let started = Instant::now();
    let model = model_of(&body);
    let resp = match ctx.client.forward(path, body, version, beta).await {
        Ok(r) => r,
        Err(e) => {
            if logged {
                log_exchange(
                    ctx,
                    None,
                    &model,
                    &Usage::default(),
                    0.0,
                    started,
                    None,
                    Some(&e),
                    false,
                )
                .await;
            }
            return Err(e);
        }
    };
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_else(|| "application/json".into());
    let request_id = header("request-id");
    let streamed = content_type.starts_with("text/event-stream");
    let mut exchange = logged.then(|| Exchange {
        ctx: ctx.clone(),
        model,
        started,
        usage: Usage::default(),
        request_id: request_id.clone(),
        decoder: SseDecoder::new(),
        incomplete: true,
    });
    let chunks = resp.bytes_stream();
    let body = if streamed {
        chunks
            .map(move |chunk| {
                let chunk = chunk.map_err(std::io::Error::other)?;
                if let Some(x) = exchange.as_mut() {
                    x.read_stream(&chunk);
                }
                Ok(chunk)
            })
            .boxed()
    } else {
        // a whole JSON answer: read it once for its usage, then send it as it came
        let mut all = Vec::new();
        let mut chunks = chunks;
        while let Some(c) = chunks.next().await {
            all.extend_from_slice(&c.map_err(|e| anthropic::Error::Protocol(e.to_string()))?);
        }
        if let Some(x) = exchange.as_mut() {
            x.read_whole(&all);
        }
        drop(exchange);
        futures_util::stream::once(async move { Ok(Bytes::from(all)) }).boxed()
    };
    Ok(Passthrough {
        status,
        content_type,
        request_id,
        body,
    })
}
