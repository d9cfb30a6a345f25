//! Anthropic's Messages API passed through as the client sent it (Claude Code, the Anthropic
//! SDKs): the body goes upstream untouched (unknown fields and blocks, `cache_control`,
//! adaptive thinking), the answer comes back byte for byte, and its SSE frames are read on the
//! way only to log usage and cost in the request log.

use super::turn::{TurnContext, log_exchange, title_from};
use crate::anthropic::sse::SseDecoder;
use crate::anthropic::{
    self, Accumulator, ContentBlock, Message, Role, StreamEvent, Usage, parse_event,
};
use crate::pricing;
use crate::store::{self, NewMessage, NewSession};
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
    /// The agent's conversation this answer belongs to, and the answer as it arrives.
    session: Option<String>,
    answer: Accumulator,
    whole: Option<Message>,
}

impl Exchange {
    fn read_stream(&mut self, chunk: &[u8]) {
        for ev in self.decoder.push(chunk) {
            let parsed = parse_event(&ev);
            if self.session.is_some()
                && let Ok(Some(e)) = &parsed
            {
                self.answer.apply(e);
            }
            match parsed {
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
        if self.session.is_some()
            && let Ok(m) = serde_json::from_slice::<Message>(body)
        {
            self.whole = Some(m);
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
        let answer = self.session.take().map(|sid| {
            let msg = self.whole.take().unwrap_or_else(|| self.answer.snapshot());
            (sid, msg)
        });
        handle.spawn(async move {
            let cost = pricing::cost(&model, &usage);
            if let Some((sid, msg)) = answer.filter(|(_, m)| !m.content.is_empty()) {
                let new = NewMessage {
                    role: Role::Assistant,
                    content: msg.content,
                    model: Some(model.clone()),
                    stop_reason: if cancelled {
                        Some("cancelled".into())
                    } else {
                        msg.stop_reason
                    },
                    usage,
                    cost_usd: cost,
                };
                let sid2 = sid.clone();
                if let Err(e) = ctx.store.add_message(&sid2, &new).await {
                    tracing::warn!("cannot record the answer in session {sid}: {e}");
                }
            }
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

/// The new turn of a request: its last message when it is the user's, without the agent's
/// `<system-reminder>` blocks (the rest of the history was recorded with earlier requests).
fn new_user_turn(body: &[u8]) -> Option<Vec<ContentBlock>> {
    #[derive(serde::Deserialize)]
    struct Turn {
        role: String,
        content: serde_json::Value,
    }
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        messages: Vec<Turn>,
    }
    let last = serde_json::from_slice::<Body>(body).ok()?.messages.pop()?;
    if last.role != "user" {
        return None;
    }
    let blocks: Vec<ContentBlock> = match last.content {
        serde_json::Value::String(s) => vec![ContentBlock::text(s)],
        v => serde_json::from_value(v).ok()?,
    };
    let kept: Vec<ContentBlock> = blocks
        .into_iter()
        .filter(|b| !matches!(b, ContentBlock::Text { text, .. } if text.trim_start().starts_with("<system-reminder>")))
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// Records an agent's new user turn in its session (made on first sight), so its work shows
/// in `sessions list` and on the phone. Recording never fails the exchange.
async fn record_user_turn(ctx: &TurnContext, session: &str, model: &str, body: &[u8]) -> bool {
    if store::check_id("session", session).is_err() {
        return false;
    }
    let Some(user) = new_user_turn(body) else {
        return true;
    };
    let new = NewSession {
        id: Some(session.to_owned()),
        title: title_from(&anthropic::text_of(&user)),
        model: model.to_owned(),
        source: ctx.source.clone(),
        ..Default::default()
    };
    let r = match ctx.store.open_session(&new).await {
        Ok(_) => ctx
            .store
            .add_message(session, &NewMessage::user(user))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = r {
        tracing::warn!("cannot record the turn in session {session}: {e}");
        return false;
    }
    true
}

/// Forwards `POST /v1/{path}` (`messages`, `messages?beta=true`, `messages/count_tokens`) with
/// the client's body and version headers. `logged`: whether the exchange uses tokens (messages
/// do, counting does not) and so belongs in the request log. `session`: the agent's own
/// conversation id (Claude Code's `x-claude-code-session-id`), whose new turns and answers
/// are recorded as a session.
pub async fn forward(
    ctx: &TurnContext,
    path: &str,
    body: Bytes,
    version: Option<&str>,
    beta: Option<&str>,
    logged: bool,
    session: Option<&str>,
) -> Result<Passthrough, anthropic::Error> {
    let started = Instant::now();
    let model = model_of(&body);
    let session = match session {
        Some(sid) if logged && record_user_turn(ctx, sid, &model, &body).await => {
            Some(sid.to_owned())
        }
        _ => None,
    };
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
        session,
        answer: Accumulator::new(),
        whole: None,
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
