//! `POST /v1/chat/completions` in its two modes, plus turn status and stop.
//!
//! Stateless (OpenAI): the body is the whole conversation; errors before the first byte are
//! HTTP errors, after it an error frame and `[DONE]`. Session (iOS): the server keeps the
//! history; every frame carries `session_id` and `project_id`; a failure on a stream is a 200
//! with a visible text chunk, because the app never reads the status.

use super::{Pumped, success, unix_now};
use crate::anthropic::{ContentBlock, Role};
use crate::engine::notify::Work;
use crate::engine::tools::{ApprovalRequest, Approver, Decision, Policy};
use crate::engine::{self, Tooling, TurnContext, TurnError, TurnEvent, TurnOptions};
use crate::openai::{
    ChatRequest, ChunkTranslator, finish_reason, to_anthropic, to_openai_response,
};
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath, parse};
use crate::server::identity::Me;
use crate::server::layers::CallerKey;
use crate::server::sse::{self, Frame, FrameTx};
use crate::server::state::TurnGuard;
use crate::store::{self, NewSession, Session};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Both modes on one route.
pub async fn completions(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    let session_mode = body.get("session_id").is_some_and(|v| !v.is_null())
        || body.get("project_id").is_some_and(|v| !v.is_null());
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let req: ChatRequest = match parse(body) {
        Ok(r) => r,
        Err(e) if session_mode && stream => return error_stream(&st, &e.message, None, None),
        Err(e) => return e.into_response(),
    };
    if session_mode {
        session_chat(st, key, req).await
    } else {
        match stateless(st, key, req).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    }
}

fn error_frame(e: &ApiError) -> Frame {
    Frame::Json(
        json!({"error": {"message": e.message, "type": e.kind, "param": e.param, "code": e.code}}),
    )
}

async fn stateless(st: AppState, key: CallerKey, req: ChatRequest) -> Result<Response, ApiError> {
    let opts = st.options();
    let mapped = to_anthropic(&req, &opts.model, opts.max_tokens)
        .map_err(|e| ApiError::bad_request(e.message, Some(&e.param)))?;
    let client = st.client_for(key.0.as_deref()).await?;
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: "openai".into(),
    };
    let created = unix_now();
    if !req.stream.unwrap_or(false) {
        let msg = engine::complete(&ctx, &mapped.request)
            .await
            .map_err(|e| ApiError::from(&e))?;
        return Ok(Json(to_openai_response(&msg, mapped.json_mode, created)).into_response());
    }
    let comp = engine::open_completion(&ctx, &mapped.request)
        .await
        .map_err(|e| ApiError::from(&e))?;
    let (tx, resp) = sse::channel(opts.keepalive, Frame::Done);
    let shutdown = st.shutdown_token();
    let mut tr = ChunkTranslator::new(
        &mapped.request.model,
        created,
        req.include_usage(),
        mapped.json_mode,
    );
    tokio::spawn(super::pump_completion(comp, tx, shutdown, move |step| {
        let mut frames: Vec<Frame> = Vec::new();
        match step {
            Pumped::Event(ev) => frames.extend(tr.on_event(ev).into_iter().map(Frame::Json)),
            Pumped::Failed(e) => frames.extend([error_frame(&ApiError::from(e)), Frame::Done]),
            Pumped::Shutdown => {
                let e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "api_error",
                    "the server is shutting down",
                );
                frames.extend([error_frame(&e), Frame::Done]);
            }
            Pumped::End => {
                frames.extend(tr.finish().into_iter().map(Frame::Json));
                frames.push(Frame::Done);
            }
        }
        frames
    }));
    Ok(resp)
}

/// A 200 stream that shows an error as assistant text, for clients that ignore the status.
fn error_stream(
    st: &AppState,
    message: &str,
    session_id: Option<&str>,
    project_id: Option<&str>,
) -> Response {
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Done);
    let mut tr = ChunkTranslator::new(&st.options().model, unix_now(), false, false)
        .with_field("session_id", json!(session_id))
        .with_field("project_id", json!(project_id));
    for c in tr.text(&format!("⚠️ {message}")) {
        let _ = tx.send(Frame::Json(c));
    }
    for c in tr.finish() {
        let _ = tx.send(Frame::Json(c));
    }
    let _ = tx.send(Frame::Done);
    resp
}

/// Finds the session, or creates it (with the id and project the client named).
async fn session_for(st: &AppState, req: &ChatRequest) -> Result<Session, ApiError> {
    let model = req
        .model
        .clone()
        .unwrap_or_else(|| st.options().model.clone());
    Ok(st
        .store()
        .open_session(&NewSession {
            id: req.session_id.clone(),
            project_id: req.project_id.clone(),
            model,
            system_prompt: req.system_prompt.clone(),
            source: "api".into(),
            ..Default::default()
        })
        .await?)
}

async fn session_chat(st: AppState, key: CallerKey, req: ChatRequest) -> Response {
    // a malformed id is the client's bug, not a turn that failed: a real 400 even on a stream
    for (kind, id) in [("session", &req.session_id), ("project", &req.project_id)] {
        if let Some(id) = id
            && let Err(e) = store::check_id(kind, id)
        {
            return ApiError::from(e).into_response();
        }
    }
    let stream = req.stream.unwrap_or(false);
    let fail = |st: &AppState, e: ApiError, sid: Option<&str>, pid: Option<&str>| {
        if stream {
            error_stream(st, &e.message, sid, pid)
        } else {
            e.with("session_id", json!(sid))
                .with("project_id", json!(pid))
                .into_response()
        }
    };
    let client = match st.client_for(key.0.as_deref()).await {
        Ok(c) => c,
        Err(e) => {
            return fail(&st, e, req.session_id.as_deref(), req.project_id.as_deref());
        }
    };
    let session = match session_for(&st, &req).await {
        Ok(s) => s,
        Err(e) => return fail(&st, e, req.session_id.as_deref(), req.project_id.as_deref()),
    };
    let (sid, pid) = (session.id.clone(), session.project_id.clone());
    let mapped = match to_anthropic(&req, &session.model, st.options().max_tokens) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                &st,
                ApiError::bad_request(e.message, Some(&e.param)),
                Some(&sid),
                Some(&pid),
            );
        }
    };
    let mut messages = mapped.request.messages;
    let user = match messages.pop() {
        Some(m) if m.role == Role::User => m.content,
        _ => {
            let e = ApiError::bad_request("the last message must be the user's", Some("messages"));
            return fail(&st, e, Some(&sid), Some(&pid));
        }
    };
    let client_sent_history = req.messages.iter().any(|m| m.role == "assistant");
    let opts = TurnOptions {
        model: mapped.request.model,
        system: match mapped.request.system {
            Some(crate::anthropic::System::Text(t)) => Some(t),
            _ => session.system_prompt.clone(),
        },
        max_tokens: mapped.request.max_tokens,
        stream: true,
        history: client_sent_history.then_some(messages),
        tooling: None,
        record_events: true,
        memory: None,
        release_with_answer: true,
    };
    let guard = match st.begin_turn(&sid).await {
        Ok(g) => g,
        Err(e) => return refused(e).into_response(),
    };
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: "ios".into(),
    };
    run_session_turn(st, ctx, session, user, opts, stream, guard).await
}

/// Why a turn could not begin: 409 `session_busy` when another turn answers the session
/// (here or in another process), else the store's error.
pub fn refused(e: TurnError) -> ApiError {
    match e {
        TurnError::Busy { session_id, holder } => ApiError::new(
            StatusCode::CONFLICT,
            "session_busy",
            format!(
                "session {session_id} is already answering in {holder}; wait, or stop it with DELETE /v1/chat/completions/{session_id}"
            ),
        )
        .code("session_busy")
        .with("session_id", json!(session_id)),
        TurnError::Store(e) => ApiError::from(e),
        other => ApiError::internal(other),
    }
}

fn usage_frame(session: &Session, u: &crate::anthropic::Usage, cost: f64) -> Frame {
    Frame::Json(json!({
        "object": "usage",
        "input_tokens": u.total_input(), "output_tokens": u.output_tokens,
        "prompt_tokens": u.total_input(), "completion_tokens": u.output_tokens,
        "total_tokens": u.total(), "total_cost": cost,
        "session_id": session.id, "project_id": session.project_id,
    }))
}

/// Runs a session turn, streamed as OpenAI chunks with the iOS fields, or as one JSON body.
/// The turn runs in its own task: a disconnect or DELETE cancels it, and what arrived is kept.
pub(crate) async fn run_session_turn(
    st: AppState,
    ctx: TurnContext,
    session: Session,
    user: Vec<ContentBlock>,
    mut opts: TurnOptions,
    stream: bool,
    guard: TurnGuard,
) -> Response {
    let created = unix_now();
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Done);
    opts.tooling = match session_tooling(&st, &session, stream.then(|| tx.clone())).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let (sid, pid) = (session.id.clone(), session.project_id.clone());
    let mut tr = ChunkTranslator::new(&opts.model, created, false, false)
        .with_field("session_id", json!(sid))
        .with_field("project_id", json!(pid));
    if !stream {
        let st2 = st.clone();
        let task = tokio::spawn(async move {
            let cancel = guard.cancel.clone();
            let r = engine::run_turn(
                &ctx,
                &session,
                &guard.lease,
                user,
                &opts,
                &cancel,
                &mut |_| {},
            )
            .await;
            guard.finish().await;
            let (ended, sid) = (ended_ok(&r), session.id.clone());
            // its own task: the answer goes out without waiting for the title's read
            tokio::spawn(async move { notify_end(&st2, &sid, ended).await });
            r
        });
        return match task.await {
            Ok(Ok(o)) => {
                let u = o.usage;
                Json(json!({
                    "id": format!("chatcmpl-{}", o.response.id),
                    "object": "chat.completion",
                    "created": created,
                    "model": o.response.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": o.response.text()},
                                 "finish_reason": finish_reason(o.response.stop_reason.as_deref()), "logprobs": null}],
                    "usage": {"prompt_tokens": u.total_input(), "completion_tokens": u.output_tokens,
                              "input_tokens": u.total_input(), "output_tokens": u.output_tokens,
                              "total_tokens": u.total(), "total_cost": o.cost_usd},
                    "session_id": sid, "project_id": pid,
                }))
                .into_response()
            }
            Ok(Err(TurnError::Upstream { error, .. })) => ApiError::from(&error)
                .with("session_id", json!(sid))
                .with("project_id", json!(pid))
                .into_response(),
            Ok(Err(TurnError::Cancelled { .. })) => {
                ApiError::new(StatusCode::CONFLICT, "cancelled", "the turn was stopped")
                    .with("session_id", json!(sid))
                    .into_response()
            }
            Ok(Err(TurnError::Store(e))) => ApiError::from(e).into_response(),
            Ok(Err(e @ TurnError::Busy { .. })) => refused(e).into_response(),
            Err(e) => ApiError::internal(e).into_response(),
        };
    }
    // the user's message is in the store before the first byte of the 200 goes out: a crash
    // after the client saw the stream start never loses what it sent
    // Err: refused before anything was stored (another process answers the session)
    let (stored_tx, stored_rx) = tokio::sync::oneshot::channel::<Result<(), ApiError>>();
    let mut stored_tx = Some(stored_tx);
    tokio::spawn(async move {
        let cancel = guard.cancel.clone();
        let watcher = {
            let (tx, c) = (tx.clone(), cancel.clone());
            tokio::spawn(async move {
                tx.closed().await;
                // a client that left stops its turn; one too slow to read does not
                if !tx.lagged() {
                    c.cancel();
                }
            })
        };
        let result = {
            let send = |tx: &FrameTx, frames: Vec<Value>| {
                for f in frames {
                    let _ = tx.send(Frame::Json(f));
                }
            };
            let ids = json!({"session_id": session.id, "project_id": session.project_id});
            let mut on_event = |ev: TurnEvent| match ev {
                TurnEvent::UserStored(_) => {
                    if let Some(t) = stored_tx.take() {
                        let _ = t.send(Ok(()));
                    }
                }
                TurnEvent::Text(t) => send(&tx, tr.text(&t)),
                TurnEvent::ToolUse {
                    id, name, input, ..
                } => {
                    let mut f =
                        json!({"object": "tool_use", "id": id, "name": name, "input": input});
                    merge(&mut f, &ids);
                    send(&tx, vec![f]);
                }
                TurnEvent::ToolResult {
                    id,
                    name,
                    output,
                    duration_ms,
                } => {
                    let exit_code = output
                        .structured
                        .as_ref()
                        .and_then(|s| s.get("exit_code"))
                        .cloned();
                    let mut f = json!({"object": "tool_result", "tool_id": id, "name": name,
                        "is_error": output.is_error, "content": output.text(),
                        "duration_ms": duration_ms, "exit_code": exit_code});
                    merge(&mut f, &ids);
                    send(&tx, vec![f]);
                }
                _ => {}
            };
            engine::run_turn(
                &ctx,
                &session,
                &guard.lease,
                user,
                &opts,
                &cancel,
                &mut on_event,
            )
            .await
        };
        watcher.abort();
        let result = match (result, stored_tx.take()) {
            (Err(e @ TurnError::Busy { .. }), Some(t)) => {
                // nothing was stored: a real 409, as a turn refused here would get
                let _ = t.send(Err(refused(e)));
                return;
            }
            (r, _) => r,
        };
        let ended = ended_ok(&result);
        let send_all = |frames: Vec<Value>| {
            for f in frames {
                let _ = tx.send(Frame::Json(f));
            }
        };
        match result {
            Ok(o) => {
                tr.set_stop_reason(o.response.stop_reason.clone());
                send_all(tr.finish());
                let _ = tx.send(usage_frame(&session, &o.usage, o.cost_usd));
            }
            Err(TurnError::Cancelled { .. }) => {
                if st.shutdown_token().is_cancelled() {
                    send_all(
                        tr.text("\n\n⚠️ the server is shutting down; the answer so far is saved"),
                    );
                }
                send_all(tr.finish());
            }
            Err(TurnError::Upstream { error, partial }) => {
                let sep = if partial.is_some() { "\n\n" } else { "" };
                send_all(tr.text(&format!("{sep}⚠️ {}", ApiError::from(&error).message)));
                send_all(tr.finish());
            }
            Err(TurnError::Store(e)) => {
                tracing::error!("store failed during a turn: {e}");
                send_all(tr.text("⚠️ the server could not store this turn; see its log"));
                send_all(tr.finish());
            }
            Err(e @ TurnError::Busy { .. }) => {
                send_all(tr.text(&format!("⚠️ {e}")));
                send_all(tr.finish());
            }
        }
        guard.finish().await;
        let _ = tx.send(Frame::Done);
        notify_end(&st, &session.id, ended).await;
    });
    match stored_rx.await {
        Ok(Err(refusal)) => refusal.into_response(),
        // Err: the turn ended before storing anything; its stream says why
        _ => resp,
    }
}

/// How a turn ended for a push notice: done, failed, or None when it was stopped (whoever
/// stopped it knows) or never ran.
fn ended_ok<T>(r: &Result<T, TurnError>) -> Option<bool> {
    match r {
        Ok(_) => Some(true),
        Err(TurnError::Cancelled { .. } | TurnError::Busy { .. }) => None,
        Err(_) => Some(false),
    }
}

/// Pushes a turn's end (after its lease is back and its stream has ended: it never delays one).
async fn notify_end(st: &AppState, session_id: &str, ended: Option<bool>) {
    let Some(ok) = ended.filter(|_| st.notifier().is_on()) else {
        return;
    };
    // the title the turn may just have given the session
    let id = session_id.to_owned();
    let title = st
        .store()
        .session(&id)
        .await
        .map(|s| s.title)
        .unwrap_or_default();
    st.notifier().finished(Work::Turn, &title, ok);
}

fn merge(frame: &mut Value, extra: &Value) {
    if let (Some(f), Some(e)) = (frame.as_object_mut(), extra.as_object()) {
        f.extend(e.clone());
    }
}

/// Asks over HTTP: an `approval_request` frame on the stream (and an event in the session's
/// log), answered by `POST /v1/sessions/{id}/approvals/{tool_use_id}`; silence means deny.
struct HttpApprover {
    st: AppState,
    tx: Option<FrameTx>,
    project_id: String,
}

impl Approver for HttpApprover {
    fn approve(&self, req: ApprovalRequest) -> Pin<Box<dyn Future<Output = Decision> + Send + '_>> {
        Box::pin(async move {
            let timeout = self.st.options().approval_timeout;
            let asked = engine::approvals::open(
                self.st.store(),
                self.st.notifier(),
                crate::store::NewApproval {
                    session_id: Some(req.session_id.clone()),
                    tool_use_id: Some(req.tool_use_id.clone()),
                    source: "clauded".into(),
                    tool: req.name.clone(),
                    input: req.input.clone(),
                    ttl_ms: timeout.as_millis() as i64,
                    ..Default::default()
                },
            )
            .await;
            let approval = match asked {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("cannot ask for approval: {e}; denied");
                    return Decision::Deny;
                }
            };
            let frame = json!({
                "object": "approval_request", "tool_use_id": req.tool_use_id, "name": req.name,
                "server": req.server, "tool": req.tool, "input": req.input,
                "approval_id": approval.id,
                "approve_url": format!("/v1/sessions/{}/approvals/{}", req.session_id, req.tool_use_id),
                "timeout_seconds": timeout.as_secs(),
                "session_id": req.session_id, "project_id": self.project_id,
            });
            if let Some(tx) = &self.tx {
                let _ = tx.send(Frame::Json(frame.clone()));
            }
            let sid = req.session_id.clone();
            let _ = self
                .st
                .store()
                .append_event(&sid, "approval_request", &frame)
                .await;
            let answered = engine::approvals::wait(self.st.store(), &approval).await;
            engine::approvals::as_decision(answered.as_ref().and_then(|a| a.decision.as_deref()))
        })
    }
}

/// The tools of a session's enabled servers, approved over HTTP.
async fn session_tooling(
    st: &AppState,
    session: &Session,
    tx: Option<FrameTx>,
) -> Result<Option<Tooling>, ApiError> {
    let sid = session.id.clone();
    let servers = st.store().session_servers(&sid).await?;
    if servers.is_empty() {
        return Ok(None);
    }
    let root = super::mcp::session_root(st, Some(&session.id)).await?;
    let set = st.tools().tool_set(&servers, &root).await;
    for w in &set.warnings {
        tracing::warn!("session {}: {w}", session.id);
    }
    let approver = HttpApprover {
        st: st.clone(),
        tx,
        project_id: session.project_id.clone(),
    };
    Ok(Some(Tooling {
        set: Arc::new(set),
        host: st.tools().clone(),
        policy: Policy::Ask(Arc::new(approver)),
        max_turns: st.options().max_turns,
    }))
}

/// `GET /v1/chat/completions/{session_id}/status` answer. The route is public (the iOS app
/// calls it without auth), so it carries counters and `is_running` only: no title, no
/// system prompt, nothing anybody typed.
#[derive(Debug, serde::Serialize)]
pub struct TurnStatus {
    session_id: String,
    project_id: String,
    model: String,
    is_running: bool,
    status: &'static str,
    message_count: i64,
    total_tokens: i64,
    total_cost: f64,
    created_at: String,
    updated_at: String,
    enabled_servers: [(); 0],
    enabled_tools: [(); 0],
    priority: [(); 0],
}

/// `GET /v1/chat/completions/{session_id}/status`.
pub async fn status(
    State(st): State<AppState>,
    actor: Option<Extension<crate::engine::accounts::Actor>>,
    IdPath(sid): IdPath,
) -> Result<Json<TurnStatus>, ApiError> {
    // public for the iOS app (no token needed), but once accounts exist only ever of the
    // caller's own session: someone who is nobody has none
    let st = match actor {
        Some(Extension(actor)) => st.acting_as(actor),
        None if !st.accounts().any().await? => st,
        None => return Err(ApiError::not_found("session", &sid)),
    };
    let s = st.store().session(&sid).await?;
    // here, or on another instance on the store (its lease is live)
    let running = st.is_running(&s.id)
        || crate::engine::events::run_is_live(st.store(), &s.id)
            .await
            .unwrap_or(false);
    Ok(Json(TurnStatus {
        is_running: running,
        status: if running { "running" } else { "idle" },
        message_count: s.message_count,
        total_tokens: s.total_tokens,
        total_cost: s.total_cost,
        session_id: s.id,
        project_id: s.project_id,
        model: s.model,
        created_at: s.created_at,
        updated_at: s.updated_at,
        enabled_servers: [],
        enabled_tools: [],
        priority: [],
    }))
}

/// `DELETE /v1/chat/completions/{session_id}`: stops a running turn; idempotent.
pub async fn stop(Me(st): Me, IdPath(sid): IdPath) -> Json<Value> {
    // another user's session is as one that never existed
    let theirs = st.store().session(&sid).await.is_ok();
    let was_running = theirs && st.stop_anywhere(&sid, false).await;
    success(json!({"session_id": sid, "status": "stopped", "was_running": was_running}))
}
