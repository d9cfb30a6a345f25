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
    /// Whether its rows were taken to be written (by `finish`, or by `drop` for a client
    /// that left).
    recorded: bool,
}

/// What an exchange leaves behind: the answer for its session and the request-log row.
struct Record {
    ctx: TurnContext,
    model: String,
    usage: Usage,
    started: Instant,
    request_id: Option<String>,
    cancelled: bool,
    answer: Option<(String, Message)>,
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

    /// Takes what is to be written, once.
    fn take_record(&mut self) -> Option<Record> {
        if self.recorded {
            return None;
        }
        self.recorded = true;
        let answer = self.session.take().map(|sid| {
            let msg = self.whole.take().unwrap_or_else(|| self.answer.snapshot());
            (sid, msg)
        });
        Some(Record {
            ctx: self.ctx.clone(),
            model: std::mem::take(&mut self.model),
            usage: self.usage,
            started: self.started,
            request_id: self.request_id.take(),
            cancelled: self.incomplete,
            answer,
        })
    }

    /// Records the answer before the client is given its end: an agent sends its next turn
    /// as soon as it has the answer, and that turn must come after this one in the session.
    /// The request-log row is written behind.
    async fn finish(&mut self) {
        if let Some(mut r) = self.take_record() {
            r.store_answer().await;
            tokio::spawn(r.log());
        }
    }
}

/// Records an agent's answer in its session, after its user turn (nothing for an empty one).
pub async fn record_answer(
    ctx: &TurnContext,
    session: &str,
    model: &str,
    msg: Message,
    usage: Usage,
    cancelled: bool,
) {
    if msg.content.is_empty() {
        return;
    }
    let new = NewMessage {
        role: Role::Assistant,
        content: msg.content,
        model: Some(model.to_owned()),
        stop_reason: if cancelled {
            Some("cancelled".into())
        } else {
            msg.stop_reason
        },
        usage,
        cost_usd: pricing::cost(model, &usage),
    };
    if let Err(e) = ctx.store.add_message(session, &new).await {
        tracing::warn!("cannot record the answer in session {session}: {e}");
    }
}

impl Record {
    async fn store_answer(&mut self) {
        let Some((sid, msg)) = self.answer.take() else {
            return;
        };
        record_answer(
            &self.ctx,
            &sid,
            &self.model,
            msg,
            self.usage,
            self.cancelled,
        )
        .await;
    }

    async fn log(self) {
        let cost = pricing::cost(&self.model, &self.usage);
        log_exchange(
            &self.ctx,
            None,
            &self.model,
            &self.usage,
            cost,
            self.started,
            self.request_id,
            None,
            self.cancelled,
        )
        .await;
    }
}

impl Drop for Exchange {
    /// A client that leaves (or an upstream that breaks off) still leaves its rows.
    fn drop(&mut self) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if let Some(mut r) = self.take_record() {
            handle.spawn(async move {
                r.store_answer().await;
                r.log().await;
            });
        }
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
    // the agents' own context, resent with turns: Claude Code's reminders, Codex's context
    let theirs = |t: &str| {
        let t = t.trim_start();
        [
            "<system-reminder>",
            "<environment_context>",
            "<user_instructions>",
        ]
        .iter()
        .any(|tag| t.starts_with(tag))
    };
    let kept: Vec<ContentBlock> = blocks
        .into_iter()
        .filter(|b| !matches!(b, ContentBlock::Text { text, .. } if theirs(text)))
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// Records an agent's new user turn in its session (made on first sight, of `ctx`'s source),
/// so its work shows in `sessions list` and on the phone. Recording never fails the exchange.
pub async fn record_user_turn(ctx: &TurnContext, session: &str, model: &str, body: &[u8]) -> bool {
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
        recorded: false,
    });
    let chunks = resp.bytes_stream();
    let body = if streamed {
        // each chunk is read on its way; the one that ends the message waits for the answer
        // to be stored before it goes out
        futures_util::stream::unfold(
            (chunks, exchange),
            |(mut chunks, mut exchange)| async move {
                let chunk = match chunks.next().await? {
                    Ok(c) => c,
                    Err(e) => return Some((Err(std::io::Error::other(e)), (chunks, exchange))),
                };
                if let Some(x) = exchange.as_mut() {
                    x.read_stream(&chunk);
                    if !x.incomplete {
                        x.finish().await;
                    }
                }
                Some((Ok(chunk), (chunks, exchange)))
            },
        )
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
            x.finish().await;
        }
        futures_util::stream::once(async move { Ok(Bytes::from(all)) }).boxed()
    };
    Ok(Passthrough {
        status,
        content_type,
        request_id,
        body,
    })
}
