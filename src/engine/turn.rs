//! One conversational turn: history from the store, the user's message, Claude's streamed
//! answer, and everything stored as it completes (a cancelled or failed answer too).

use crate::anthropic::{
    self, Accumulator, BlockDelta, Client, ContentBlock, Message, MessageParam, MessagesRequest,
    Role, StreamEvent, System, Usage,
};
use crate::pricing;
use crate::store::{
    self, NewMessage, RequestLogEntry, Session, SessionUpdate, Store, StoredMessage,
};
use serde_json::json;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// What a turn needs from its front end.
#[derive(Clone, Debug)]
pub struct TurnContext {
    /// The API client (with the key to use).
    pub client: Client,
    /// The store.
    pub store: Store,
    /// The front end's name for the request log (`cli`, `openai`, `ios`).
    pub source: String,
}

/// Per-turn settings.
#[derive(Clone, Debug)]
pub struct TurnOptions {
    /// The model.
    pub model: String,
    /// The system prompt.
    pub system: Option<String>,
    /// Output token limit.
    pub max_tokens: u32,
    /// Stream the answer (else one request and one event at the end).
    pub stream: bool,
    /// The conversation so far as the client sent it, used instead of the stored history
    /// (the stored messages still grow by the new user turn and the answer).
    pub history: Option<Vec<MessageParam>>,
}

/// What a turn reports while it runs.
#[derive(Clone, Debug, PartialEq)]
pub enum TurnEvent {
    /// The user message is stored.
    UserStored(StoredMessage),
    /// The first byte of the answer arrived.
    Started {
        /// The upstream message id.
        message_id: String,
        /// The model answering.
        model: String,
    },
    /// More answer text.
    Text(String),
    /// More thinking text.
    Thinking(String),
}

/// A finished turn.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnOutcome {
    /// The assistant message as stored (None when the answer was empty).
    pub message: Option<StoredMessage>,
    /// The message as the API returned it.
    pub response: Message,
    /// Dollars.
    pub cost_usd: f64,
}

/// How a turn can fail; a partial answer, if any, is already stored.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The API failed.
    #[error("{error}")]
    Upstream {
        /// The failure.
        error: anthropic::Error,
        /// What was stored of the answer before it failed.
        partial: Option<Box<StoredMessage>>,
    },
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled {
        /// What was stored of the answer before the cancel.
        partial: Option<Box<StoredMessage>>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// A short title from the first line of a prompt.
pub fn title_from(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut t: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        t.push('…');
    }
    t
}

/// Stored messages as API turns: consecutive same-role messages merged, empty ones dropped.
pub fn history_params(messages: &[StoredMessage]) -> Vec<MessageParam> {
    let mut out: Vec<MessageParam> = Vec::new();
    for m in messages.iter().filter(|m| !m.content.is_empty()) {
        match out.last_mut() {
            Some(last) if last.role == m.role => last.content.extend(m.content.iter().cloned()),
            _ => out.push(MessageParam {
                role: m.role,
                content: m.content.clone(),
            }),
        }
    }
    out
}

/// Runs one turn of `session`: stores `user`, asks Claude, reports progress through
/// `on_event`, stores the answer. Cancelling `cancel` stops the request and stores the part
/// of the answer that arrived.
pub async fn run_turn(
    ctx: &TurnContext,
    session: &Session,
    user: Vec<ContentBlock>,
    opts: &TurnOptions,
    cancel: &CancellationToken,
    on_event: &mut (dyn FnMut(TurnEvent) + Send),
) -> Result<TurnOutcome, TurnError> {
    let sid = session.id.clone();
    let history = ctx.store.call({
        let sid = sid.clone();
        move |s| s.messages(&sid)
    });
    let stored_history = history.await?;
    let mut messages = match &opts.history {
        Some(h) => h.clone(),
        None => history_params(&stored_history),
    };
    let user_text = anthropic::text_of(&user);
    let stored_user = ctx
        .store
        .call({
            let (sid, user, title, opts) = (
                sid.clone(),
                user.clone(),
                session.title.is_empty(),
                opts.clone(),
            );
            let user_text = user_text.clone();
            move |s| {
                let m = s.add_message(&sid, &NewMessage::user(user))?;
                s.append_event(
                    &sid,
                    "user_message",
                    &json!({"message_id": m.id, "text": user_text}),
                )?;
                s.update_session(
                    &sid,
                    &SessionUpdate {
                        title: title
                            .then(|| title_from(&user_text))
                            .filter(|t| !t.is_empty()),
                        model: Some(opts.model.clone()),
                        system_prompt: Some(opts.system.clone()),
                        ..Default::default()
                    },
                )?;
                Ok(m)
            }
        })
        .await?;
    on_event(TurnEvent::UserStored(stored_user));
    match messages.last_mut() {
        Some(last) if last.role == Role::User => last.content.extend(user),
        _ => messages.push(MessageParam {
            role: Role::User,
            content: user,
        }),
    }
    let req = MessagesRequest {
        model: opts.model.clone(),
        max_tokens: opts.max_tokens,
        messages,
        system: opts
            .system
            .clone()
            .filter(|s| !s.is_empty())
            .map(System::Text),
        ..Default::default()
    };

    let started = Instant::now();
    let mut acc = Accumulator::new();
    let mut request_id = None;
    let result: Result<Message, anthropic::Error> = tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(anthropic::Error::Incomplete),
        r = drive(ctx, &req, opts.stream, &mut acc, &mut request_id, on_event) => r,
    };
    let cancelled = cancel.is_cancelled() && result.is_err();

    let (response, stop_override, error) = match result {
        Ok(m) => (m, None, None),
        Err(e) => {
            let mut partial = acc.snapshot();
            if partial.model.is_empty() {
                partial.model = opts.model.clone();
            }
            let reason = if cancelled { "cancelled" } else { "error" };
            (partial, Some(reason), Some(e))
        }
    };
    let model = if response.model.is_empty() {
        opts.model.clone()
    } else {
        response.model.clone()
    };
    let cost_usd = pricing::cost(&model, &response.usage);
    let stored = if response.content.is_empty() {
        None
    } else {
        let msg = NewMessage {
            role: Role::Assistant,
            content: response.content.clone(),
            model: Some(model.clone()),
            stop_reason: stop_override
                .map(str::to_owned)
                .or_else(|| response.stop_reason.clone()),
            usage: response.usage,
            cost_usd,
        };
        let sid = sid.clone();
        Some(
            ctx.store
                .call(move |s| {
                    let m = s.add_message(&sid, &msg)?;
                    s.append_event(
                        &sid,
                        "assistant_message",
                        &json!({"message_id": m.id, "stop_reason": m.stop_reason, "usage": m.usage, "cost_usd": m.cost_usd}),
                    )?;
                    Ok(m)
                })
                .await?,
        )
    };
    log_exchange(
        ctx,
        Some(&sid),
        &model,
        &response.usage,
        cost_usd,
        started,
        request_id,
        error.as_ref(),
        cancelled,
    )
    .await;

    match (error, stored) {
        // an empty answer is valid but cannot be stored (the API rejects empty turns)
        (None, message) => Ok(TurnOutcome {
            message,
            response,
            cost_usd,
        }),
        (Some(_), partial) if cancelled => Err(TurnError::Cancelled {
            partial: partial.map(Box::new),
        }),
        (Some(error), partial) => {
            let sid2 = sid.clone();
            let detail =
                json!({"error": error.to_string(), "type": error.api().map(|a| a.kind.clone())});
            let _ = ctx
                .store
                .call(move |s| s.append_event(&sid2, "error", &detail))
                .await;
            Err(TurnError::Upstream {
                error,
                partial: partial.map(Box::new),
            })
        }
    }
}

async fn drive(
    ctx: &TurnContext,
    req: &MessagesRequest,
    stream: bool,
    acc: &mut Accumulator,
    request_id: &mut Option<String>,
    on_event: &mut (dyn FnMut(TurnEvent) + Send),
) -> Result<Message, anthropic::Error> {
    if !stream {
        let m = ctx.client.create_message(req).await?;
        on_event(TurnEvent::Started {
            message_id: m.id.clone(),
            model: m.model.clone(),
        });
        let text = m.text();
        if !text.is_empty() {
            on_event(TurnEvent::Text(text));
        }
        return Ok(m);
    }
    let mut s = ctx.client.stream_message(req).await?;
    *request_id = s.request_id().map(str::to_owned);
    while let Some(ev) = s.next().await {
        let ev = ev?;
        acc.apply(&ev);
        match &ev {
            StreamEvent::MessageStart { message } => on_event(TurnEvent::Started {
                message_id: message.id.clone(),
                model: message.model.clone(),
            }),
            StreamEvent::ContentBlockDelta {
                delta: BlockDelta::TextDelta { text },
                ..
            } => on_event(TurnEvent::Text(text.clone())),
            StreamEvent::ContentBlockDelta {
                delta: BlockDelta::ThinkingDelta { thinking },
                ..
            } => on_event(TurnEvent::Thinking(thinking.clone())),
            _ => {}
        }
    }
    Ok(acc.snapshot())
}

/// Writes one request-log row; a failure to write is logged, never fatal.
#[allow(clippy::too_many_arguments)]
pub(super) async fn log_exchange(
    ctx: &TurnContext,
    sid: Option<&str>,
    model: &str,
    usage: &Usage,
    cost_usd: f64,
    started: Instant,
    request_id: Option<String>,
    error: Option<&anthropic::Error>,
    cancelled: bool,
) {
    let entry = RequestLogEntry {
        source: ctx.source.clone(),
        endpoint: "/v1/messages".into(),
        session_id: sid.map(str::to_owned),
        model: Some(model.to_owned()),
        status: match error {
            None => Some(200),
            Some(e) => e.api().and_then(|a| a.status).map(i64::from),
        },
        latency_ms: started.elapsed().as_millis() as u64,
        input_tokens: usage.total_input(),
        output_tokens: usage.output_tokens,
        cost_usd,
        upstream_request_id: request_id.or_else(|| {
            error
                .and_then(|e| e.api())
                .and_then(|a| a.request_id.clone())
        }),
        error: if cancelled {
            Some("cancelled".into())
        } else {
            error.map(|e| e.to_string())
        },
    };
    if let Err(e) = ctx.store.call(move |s| s.log_request(&entry)).await {
        tracing::warn!("could not write the request log: {e}");
    }
}
