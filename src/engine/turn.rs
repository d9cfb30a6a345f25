//! One conversational turn: history from the store, the user's message, Claude's streamed
//! answer, and everything stored as it completes (a cancelled or failed answer too).

use super::lease::SessionLease;
use super::tools::{self, ApprovalRequest, Decision, Policy, ToolEntry, ToolHost, ToolSet};
use crate::anthropic::{
    self, Accumulator, BlockDelta, Client, ContentBlock, Message, MessageParam, MessagesRequest,
    Role, StreamEvent, System, Usage,
};
use crate::mcp::ToolOutput;
use crate::pricing;
use crate::store::{
    self, NewEvent, NewMessage, RequestLogEntry, Session, SessionUpdate, Store, StoredMessage,
};
use serde_json::json;
use std::sync::Arc;
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
    /// Tools Claude may call, and who approves them.
    pub tooling: Option<Tooling>,
    /// Write the turn's steps to the session's event log (a run writes its own events instead).
    pub record_events: bool,
    /// Project memory (`CLAUDE.md`, `AGENTS.md`) sent after the system prompt with every
    /// request, and not stored as the session's system prompt.
    pub memory: Option<String>,
    /// Give the session's lease back with the answer, in its transaction, when the turn ends
    /// well (a chat turn); else the caller gives it back (a run still writes after its turns).
    pub release_with_answer: bool,
}

/// The tools of a turn and the rules for running them.
#[derive(Clone, Debug)]
pub struct Tooling {
    /// What is offered.
    pub set: Arc<ToolSet>,
    /// Where MCP connections live.
    pub host: Arc<ToolHost>,
    /// Who answers `ask`.
    pub policy: Policy,
    /// Requests to Claude per user message, at most.
    pub max_turns: u32,
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
    /// Claude asked for a tool call.
    ToolUse {
        /// The `tool_use` id.
        id: String,
        /// The sanitised name.
        name: String,
        /// The server's name (empty for an unknown tool).
        server: String,
        /// The tool's own name.
        tool: String,
        /// The arguments.
        input: serde_json::Value,
    },
    /// A tool call finished (or was refused).
    ToolResult {
        /// The `tool_use` id.
        id: String,
        /// The sanitised name.
        name: String,
        /// What it returned.
        output: ToolOutput,
        /// How long it ran.
        duration_ms: u64,
    },
}

/// A finished turn.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnOutcome {
    /// The assistant message as stored (None when the answer was empty).
    pub message: Option<StoredMessage>,
    /// The last message as the API returned it (`stop_reason` is `max_turns` when the limit stopped it).
    pub response: Message,
    /// Dollars over every request of the turn.
    pub cost_usd: f64,
    /// Tokens over every request of the turn.
    pub usage: Usage,
    /// Requests made to Claude.
    pub steps: u32,
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
    /// Another turn answers this session now (here or in another process).
    #[error("session {session_id} is already answering in {holder}; wait for it, or stop it")]
    Busy {
        /// The session.
        session_id: String,
        /// Who answers it, for a person.
        holder: String,
    },
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
    // a prompt whose turn failed before any answer is not sent again behind the next one
    for m in messages
        .iter()
        .filter(|m| !m.content.is_empty() && !m.unanswered)
    {
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
/// of the answer that arrived. The caller holds the session's `lease`, so no other turn, in
/// this process or another, stores a message in between.
pub async fn run_turn(
    ctx: &TurnContext,
    session: &Session,
    lease: &SessionLease,
    user: Vec<ContentBlock>,
    opts: &TurnOptions,
    cancel: &CancellationToken,
    on_event: &mut (dyn FnMut(TurnEvent) + Send),
) -> Result<TurnOutcome, TurnError> {
    debug_assert_eq!(lease.session_id(), session.id);
    let _in_flight = crate::metrics::InFlight::start(crate::metrics::Kind::Turn);
    let sid = session.id.clone();
    let user_text = anthropic::text_of(&user);
    // the lease (when pending), the history, the message, its event and the session's
    // settings: one transaction
    let event = opts
        .record_events
        .then(|| NewEvent::new("user_message", json!({"text": user_text})));
    let update = SessionUpdate {
        title: session
            .title
            .is_empty()
            .then(|| title_from(&user_text))
            .filter(|t| !t.is_empty()),
        model: Some(opts.model.clone()),
        system_prompt: Some(opts.system.clone()),
        ..Default::default()
    };
    let (stored_history, stored_user) = lease
        .start(
            &NewMessage::user(user.clone()),
            event.as_ref(),
            Some(&update),
            opts.history.is_none(),
        )
        .await?;
    let mut messages = match &opts.history {
        Some(h) => h.clone(),
        None => history_params(&stored_history.unwrap_or_default()),
    };
    let stored_user_id = stored_user.id;
    on_event(TurnEvent::UserStored(stored_user));
    match messages.last_mut() {
        Some(last) if last.role == Role::User => last.content.extend(user),
        _ => messages.push(MessageParam {
            role: Role::User,
            content: user,
        }),
    }
    let tooling = opts.tooling.as_ref().filter(|t| !t.set.is_empty());
    let system = super::memory::system_with(opts.system.as_deref(), opts.memory.as_deref())
        .map(System::Text);
    let mut total = Usage::default();
    let mut total_cost = 0.0;
    let mut step = 0u32;
    loop {
        step += 1;
        let req = MessagesRequest {
            model: opts.model.clone(),
            max_tokens: opts.max_tokens,
            messages: messages.clone(),
            system: system.clone(),
            tools: tooling.map(|t| t.set.claude_tools()),
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
        let (mut response, stop_override, error) = match result {
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
        if error.is_some() {
            // a tool call that will never get its result must not be stored
            response
                .content
                .retain(|b| !matches!(b, ContentBlock::ToolUse { .. }));
        }
        let model = if response.model.is_empty() {
            opts.model.clone()
        } else {
            response.model.clone()
        };
        let cost_usd = pricing::cost(&model, &response.usage);
        total.input_tokens += response.usage.input_tokens;
        total.output_tokens += response.usage.output_tokens;
        total.cache_creation_input_tokens += response.usage.cache_creation_input_tokens;
        total.cache_read_input_tokens += response.usage.cache_read_input_tokens;
        total_cost += cost_usd;
        let uses: Vec<(String, String, serde_json::Value)> = response
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::ToolUse { id, name, input } => {
                    Some((id.clone(), name.clone(), input.clone()))
                }
                _ => None,
            })
            .collect();
        let goes_on = tooling
            .filter(|_| !uses.is_empty() && response.stop_reason.as_deref() == Some("tool_use"));
        let last = error.is_none() && goes_on.is_none() && opts.release_with_answer;
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
            let event = opts.record_events.then(|| {
                NewEvent::new(
                    "assistant_message",
                    json!({"stop_reason": msg.stop_reason, "usage": msg.usage, "cost_usd": msg.cost_usd}),
                )
            });
            Some(if last {
                lease.store_last(&msg, event.as_ref()).await?
            } else {
                ctx.store
                    .add_message_logged(&sid, &msg, event.as_ref(), None)
                    .await?
            })
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

        if error.is_some() && step == 1 && stored.is_none() {
            // nothing answered this prompt: keep it, but out of the next turns' history
            let id = stored_user_id;
            if let Err(e) = ctx.store.mark_unanswered(id).await {
                tracing::warn!("cannot mark message {id} unanswered: {e}");
            }
        }
        if let Some(error) = error {
            if cancelled {
                return Err(TurnError::Cancelled {
                    partial: stored.map(Box::new),
                });
            }
            let detail =
                json!({"error": error.to_string(), "type": error.api().map(|a| a.kind.clone())});
            let _ = log_event(&ctx.store, opts.record_events, &sid, "error", &detail).await;
            return Err(TurnError::Upstream {
                error,
                partial: stored.map(Box::new),
            });
        }

        let Some(t) = goes_on else {
            // an empty answer is valid but cannot be stored (the API rejects empty turns)
            return Ok(TurnOutcome {
                message: stored,
                response,
                cost_usd: total_cost,
                usage: total,
                steps: step,
            });
        };
        let limit_reached = step >= t.max_turns;
        let results = run_tools(
            ctx,
            &sid,
            t,
            &uses,
            limit_reached,
            opts.record_events,
            cancel,
            on_event,
        )
        .await;
        let blocks: Vec<ContentBlock> = results
            .iter()
            .map(|(id, out, _)| tools::result_block(id, out))
            .collect();
        ctx.store
            .add_message(&sid, &NewMessage::user(blocks.clone()))
            .await?;
        messages.push(MessageParam {
            role: Role::Assistant,
            content: response.content.clone(),
        });
        messages.push(MessageParam {
            role: Role::User,
            content: blocks,
        });
        if cancel.is_cancelled() {
            return Err(TurnError::Cancelled {
                partial: stored.map(Box::new),
            });
        }
        if limit_reached {
            response.stop_reason = Some("max_turns".into());
            return Ok(TurnOutcome {
                message: stored,
                response,
                cost_usd: total_cost,
                usage: total,
                steps: step,
            });
        }
    }
}

/// Appends to the session's event log when recording is on.
async fn log_event(
    s: &Store,
    on: bool,
    sid: &str,
    kind: &str,
    data: &serde_json::Value,
) -> store::Result<()> {
    if on {
        s.append_event(sid, kind, data).await?;
    }
    Ok(())
}

/// Asks, runs (concurrently) and reports the tool calls of one step; every call gets a result.
#[allow(clippy::too_many_arguments)]
async fn run_tools(
    ctx: &TurnContext,
    session_id: &str,
    t: &Tooling,
    uses: &[(String, String, serde_json::Value)],
    limit_reached: bool,
    record: bool,
    cancel: &CancellationToken,
    on_event: &mut (dyn FnMut(TurnEvent) + Send),
) -> Vec<(String, ToolOutput, u64)> {
    let mut plans: Vec<(String, Result<ToolEntry, ToolOutput>, serde_json::Value)> = Vec::new();
    for (id, name, input) in uses {
        let entry = t.set.find(name).cloned();
        let (server, tool) = entry
            .as_ref()
            .map(|e| (e.server.name.clone(), e.info.name.clone()))
            .unwrap_or_default();
        on_event(TurnEvent::ToolUse {
            id: id.clone(),
            name: name.clone(),
            server: server.clone(),
            tool: tool.clone(),
            input: input.clone(),
        });
        let ev = json!({"tool_use_id": id, "name": name, "server": server, "tool": tool, "input": input});
        let _ = log_event(&ctx.store, record, session_id, "tool_use", &ev).await;
        let plan = if limit_reached {
            Err(tools::error_output(format!(
                "not run: this message reached its limit of {} model turns",
                t.max_turns
            )))
        } else if let Some(entry) = entry {
            decide(ctx, session_id, t, id, &entry, input, cancel)
                .await
                .map(|()| entry)
        } else {
            Err(tools::error_output(format!(
                "there is no tool named {name}"
            )))
        };
        plans.push((id.clone(), plan, input.clone()));
    }
    let runs = plans.iter().map(|(id, plan, input)| async move {
        let started = Instant::now();
        let out = match plan {
            Ok(entry) => {
                t.host
                    .call(
                        &entry.server,
                        t.set.root(),
                        &entry.info.name,
                        input.clone(),
                        None,
                    )
                    .await
            }
            Err(out) => out.clone(),
        };
        (id.clone(), out, started.elapsed().as_millis() as u64)
    });
    let results = tokio::select! {
        r = futures_util::future::join_all(runs) => r,
        _ = cancel.cancelled() => uses
            .iter()
            .map(|(id, _, _)| (id.clone(), tools::error_output("cancelled by the user".into()), 0))
            .collect(),
    };
    for (id, out, ms) in &results {
        let name = uses
            .iter()
            .find(|u| &u.0 == id)
            .map(|u| u.1.clone())
            .unwrap_or_default();
        on_event(TurnEvent::ToolResult {
            id: id.clone(),
            name: name.clone(),
            output: out.clone(),
            duration_ms: *ms,
        });
        let ev = json!({"tool_use_id": id, "name": name, "is_error": out.is_error,
            "content": out.text(), "duration_ms": ms, "structured": out.structured});
        let _ = log_event(&ctx.store, record, session_id, "tool_result", &ev).await;
    }
    results
}

/// Applies the permission rules; `Err` is the result to send back for a refused call.
async fn decide(
    ctx: &TurnContext,
    session_id: &str,
    t: &Tooling,
    id: &str,
    entry: &ToolEntry,
    input: &serde_json::Value,
    cancel: &CancellationToken,
) -> Result<(), ToolOutput> {
    let rule = tools::permission(&ctx.store, entry).await;
    let decision = match (rule, &t.policy) {
        ("allow", _) => Decision::Allow,
        ("deny", _) => Decision::Deny,
        (_, Policy::AllowAll) => Decision::Allow,
        (_, Policy::DenyAsks) => Decision::Deny,
        (_, Policy::Ask(approver)) => {
            let req = ApprovalRequest {
                session_id: session_id.to_owned(),
                tool_use_id: id.to_owned(),
                name: entry.claude_name.clone(),
                server: entry.server.name.clone(),
                tool: entry.info.name.clone(),
                input: input.clone(),
            };
            tokio::select! {
                d = approver.approve(req) => d,
                _ = cancel.cancelled() => Decision::Deny,
            }
        }
    };
    match decision {
        Decision::Allow => Ok(()),
        Decision::AllowAlways => {
            let _ = ctx
                .store
                .set_tool_permission(&entry.claude_name, "allow")
                .await;
            Ok(())
        }
        Decision::Deny if rule == "deny" => Err(tools::error_output(format!(
            "{} is denied by the permission rules",
            entry.claude_name
        ))),
        Decision::Deny => Err(tools::error_output("the user denied this tool call".into())),
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
    crate::metrics::usage(model, usage, cost_usd);
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
    if let Err(e) = ctx.store.log_request(&entry).await {
        tracing::warn!("could not write the request log: {e}");
    }
}
