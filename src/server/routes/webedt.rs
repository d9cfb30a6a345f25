//! `/api/*`: WebEDT's run API. Execute a request against a repository with named SSE progress,
//! replay a run's stored events (with `id:` lines and `Last-Event-ID`), attach live, stop runs.

use super::webedt_sessions::{is_webedt, session_row};
use crate::anthropic::{ContentBlock, ImageSource};
use crate::engine::events::{EventSink, Follower, is_terminal, run_is_live};
use crate::engine::run::{self, RepoSource, RunEnv, RunError, RunSpec};
use crate::engine::tools::Policy;
use crate::engine::{TurnContext, TurnEvent};
use crate::server::AppState;
use crate::server::error::{ApiError, Family, WebedtError};
use crate::server::extract::require_json;
use crate::server::identity::Me;
use crate::server::layers::CallerKey;
use crate::server::sse::{self, Encoded, Frame, FrameTx};
use crate::store::{RawEvent, Session};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

fn fail(status: StatusCode, error: impl Into<String>) -> Response {
    (status, Json(WebedtError::new(error))).into_response()
}

/// How long a live stream waits for new events before it looks again whether the run is
/// still going (its lease), so a run on an instance that died ends the stream too.
const LIVE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// How long a run's own stream, after its final event, waits for the run to give its session
/// back (its lease), so a follow-up sent on the stream's end is never refused as busy.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A failure of ours: the details go to the log, the client gets a 500 without them.
fn internal(what: impl std::fmt::Display) -> Response {
    ApiError::internal(what).into_family_response(Family::Webedt)
}

/// The execute request, from a JSON body or a query string (`github` as JSON text there).
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ExecuteBody {
    #[serde(default)]
    user_request: Option<Value>,
    #[serde(default)]
    github: Option<Value>,
    #[serde(default)]
    website_session_id: Option<String>,
    #[serde(default)]
    auto_commit: Option<Value>,
    #[serde(default)]
    model: Option<String>,
}

fn request_blocks(v: &Value) -> Result<Vec<ContentBlock>, String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(vec![ContentBlock::text(s.clone())]),
        Value::Array(parts) => {
            let mut out = Vec::new();
            for p in parts {
                match p["type"].as_str() {
                    Some("text") => {
                        out.push(ContentBlock::text(p["text"].as_str().unwrap_or_default()))
                    }
                    Some("image") => {
                        let data = p["source"]["data"].as_str().unwrap_or_default();
                        if data.trim().is_empty() {
                            return Err("an image block needs source.data (base64)".into());
                        }
                        let media_type = p["source"]["media_type"].as_str().unwrap_or("image/png");
                        if !matches!(
                            media_type,
                            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
                        ) {
                            return Err(format!(
                                "image media_type {media_type:?} is not one of image/png, image/jpeg, image/gif, image/webp"
                            ));
                        }
                        out.push(ContentBlock::Image {
                            source: ImageSource::Base64 {
                                media_type: media_type.to_owned(),
                                data: data.to_owned(),
                            },
                        })
                    }
                    _ => return Err("userRequest blocks must be text or image".into()),
                }
            }
            Ok(out)
        }
        _ => Err("userRequest must be a non-empty string or a list of blocks".into()),
    }
}

fn truthy(v: &Option<Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !matches!(s.as_str(), "false" | "0" | "no"),
        Some(_) => true,
    }
}

/// `POST /api/execute-remote`.
pub async fn execute_post(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(e) = require_json(&headers) {
        return e.into_family_response(Family::Webedt);
    }
    match serde_json::from_slice::<ExecuteBody>(&body) {
        Ok(b) => execute(st, key, b).await,
        Err(e) => fail(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    }
}

/// `GET /api/execute-remote?userRequest=...&github={...}`.
pub async fn execute_get(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let answer = execute_query(st, key, q).await;
    // an EventSource never sees the body of a refusal (only "error"): one that asked for an
    // event stream gets the refusal as its stream's one `error` event, for WebEDT's page to show
    let wants_stream = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/event-stream"));
    if wants_stream && !answer.status().is_success() {
        return refusal_as_event(answer).await;
    }
    answer
}

/// WebEDT's `error` event, for a run refused before it started.
#[derive(serde::Serialize)]
struct RefusedEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: &'a str,
    /// The status the refusal had as a plain answer.
    status: u16,
}

/// A refusal (`{success:false,error}`) as an event stream: `event: error` with WebEDT's error
/// event and the status the refusal had, then the end.
async fn refusal_as_event(answer: Response) -> Response {
    let status = answer.status();
    let body = axum::body::to_bytes(answer.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let error = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("refused").to_owned());
    let event = RefusedEvent {
        kind: "error",
        error: &error,
        status: status.as_u16(),
    };
    let mut out = Encoded::default();
    out.typed(event.kind, &event);
    sse::whole(out)
}

async fn execute_query(st: AppState, key: CallerKey, q: HashMap<String, String>) -> Response {
    let github = match q.get("github") {
        Some(g) => match serde_json::from_str::<Value>(g) {
            Ok(v) => Some(v),
            Err(e) => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    format!("github must be JSON text: {e}"),
                );
            }
        },
        None => None,
    };
    let user_request = q.get("userRequest").map(|u| {
        serde_json::from_str::<Value>(u)
            .ok()
            .filter(Value::is_array)
            .unwrap_or_else(|| json!(u))
    });
    let b = ExecuteBody {
        user_request,
        github,
        website_session_id: q.get("websiteSessionId").cloned(),
        auto_commit: q.get("autoCommit").map(|v| json!(v)),
        model: q.get("model").cloned(),
    };
    execute(st, key, b).await
}

/// A run started in its own task: its session, whether it is new, the last event stored
/// before it, and a token cancelled when the run has given its session back.
struct Started {
    session: Session,
    new: bool,
    after: Option<i64>,
    finished: tokio_util::sync::CancellationToken,
}

/// Whether an execute would only run a code session's made-up title: a session made with no
/// task, never run, asked to do its own title (WebEDT's page executes a new session's
/// `userRequest` at once). There is nothing to do until the person says what.
async fn nothing_asked_yet(st: &AppState, b: &ExecuteBody) -> Option<Session> {
    let id = b.website_session_id.as_deref()?;
    let session = st.store().session(id).await.ok()?;
    let meta = st.store().session_metadata(&session.id).await.ok()?;
    let never_ran = meta["workspace"].as_str().is_none_or(str::is_empty);
    let asked = b.user_request.as_ref()?.as_str()?;
    (meta["titleDefaulted"] == json!(true) && never_ran && asked.trim() == session.title.trim())
        .then_some(session)
}

/// WebEDT's progress `message` event: the session is ready for its first request.
#[derive(serde::Serialize)]
struct ReadyMessage {
    #[serde(rename = "type")]
    kind: &'static str,
    stage: &'static str,
    message: &'static str,
    timestamp: String,
}

/// WebEDT's `completed` event of an execute that ran nothing.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct NothingRan<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    website_session_id: &'a str,
    completed: bool,
    status: &'a str,
}

/// The stream of an execute that had nothing to run: one `message` saying the session is
/// ready for its first request, then `completed` (the session stays `pending`).
fn ready_for_a_request(session: &Session) -> Response {
    let mut out = Encoded::default();
    let said = ReadyMessage {
        kind: "message",
        stage: "ready",
        message: "The session is ready: send what Claude should do",
        timestamp: crate::store::now(),
    };
    out.typed(said.kind, &said);
    let done = NothingRan {
        kind: "completed",
        website_session_id: &session.id,
        completed: true,
        status: &session.status,
    };
    out.typed(done.kind, &done);
    sse::whole(out)
}

async fn execute(st: AppState, key: CallerKey, b: ExecuteBody) -> Response {
    if let Some(session) = nothing_asked_yet(&st, &b).await {
        return ready_for_a_request(&session);
    }
    let Started {
        session,
        new,
        after,
        finished,
    } = match start_run(&st, &key, b).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut live = Follower::new(st.store(), &session.id, after);
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Close);
    tokio::spawn(async move {
        let mut announced = !new;
        loop {
            let done = finished.is_cancelled();
            let batch = match live.next(LIVE_WAIT).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!("run {}: reading its events: {e}", session.id);
                    let _ = tx.send(Frame::Close);
                    return;
                }
            };
            let (out, terminal) = live_frames(&batch, true, |out| {
                if !announced {
                    announced = true;
                    let created = SessionCreated {
                        kind: "session-created",
                        website_session_id: &session.id,
                    };
                    out.event(
                        Some(created.kind),
                        None,
                        &serde_json::to_string(&created).unwrap_or_default(),
                    );
                }
            });
            if !out.is_empty() && tx.send_wait(out.frame()).await.is_err() {
                return;
            }
            if terminal {
                // the stream ends once the session is free for the next run
                let _ = tokio::time::timeout(RELEASE_WAIT, finished.cancelled()).await;
                let _ = tx.send(Frame::Close);
                return;
            }
            // the run ended without a final event (an interrupt): what it stored is sent
            if done {
                let _ = tx.send(Frame::Close);
                return;
            }
        }
    });
    resp
}

/// The session metadata key `/send` leaves for the next events stream: the id after which the
/// follow-up's events are new to the client (sent named, not as replay).
const FOLLOW_UP_FROM: &str = "followUpFrom";

/// WebEDT's bare `{success}` answer of `/send`.
#[derive(serde::Serialize)]
struct Sent {
    success: bool,
}

/// `POST /api/sessions/{id}/send {content}`: a follow-up run on the session's branch; the
/// client follows it on `/api/sessions/{id}/events/stream`. 409 while a run is going.
pub async fn send(
    Me(st): Me,
    Extension(key): Extension<CallerKey>,
    crate::server::extract::IdPath(id): crate::server::extract::IdPath,
    crate::server::extract::ApiJson(b): crate::server::extract::ApiJson<Value>,
) -> Response {
    let session = match find_session(&st, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let content = b.get("content").cloned().unwrap_or(Value::Null);
    if content.is_null() {
        return fail(StatusCode::BAD_REQUEST, "content is required");
    }
    let body = ExecuteBody {
        user_request: Some(content),
        website_session_id: Some(session.id.clone()),
        ..Default::default()
    };
    match start_run(&st, &key, body).await {
        Ok(started) => {
            // the client follows the run on events/stream, opened once this answer is read:
            // what the run stores after this id is news to it, however soon it is stored
            let from = json!({FOLLOW_UP_FROM: started.after.unwrap_or(0)});
            if let Err(e) = st.store().merge_session_metadata(&session.id, &from).await {
                tracing::warn!(
                    "session {}: noting where its follow-up starts: {e}",
                    session.id
                );
            }
            Json(Sent { success: true }).into_response()
        }
        Err(r) => r,
    }
}

/// Whether two repository URLs end in the same `OWNER/NAME` (any host; `.git` and case aside).
fn same_repository(a: &str, b: &str) -> bool {
    let tail = |u: &str| {
        let u = u.trim_end_matches('/');
        let u = u.strip_suffix(".git").unwrap_or(u);
        let mut parts = u.rsplit('/');
        let name = parts.next().unwrap_or_default().to_ascii_lowercase();
        let owner = parts.next().unwrap_or_default().to_ascii_lowercase();
        (owner, name)
    };
    let (ta, tb) = (tail(a), tail(b));
    !ta.0.is_empty() && !ta.1.is_empty() && ta == tb
}

/// Checks an execute request and starts its run in a task of its own (a client that goes
/// away stops its stream, not the run).
async fn start_run(st: &AppState, key: &CallerKey, b: ExecuteBody) -> Result<Started, Response> {
    let request = match &b.user_request {
        Some(v) => match request_blocks(v) {
            Ok(r) => r,
            Err(e) => return Err(fail(StatusCode::BAD_REQUEST, e)),
        },
        None if b.website_session_id.is_some() => vec![ContentBlock::text("Continue.")],
        None => return Err(fail(StatusCode::BAD_REQUEST, "userRequest is required")),
    };
    let repo_url = b
        .github
        .as_ref()
        .and_then(|g| g["repoUrl"].as_str())
        .map(|u| {
            let u = u.trim_end_matches('/');
            // WebEDT strips `.git` from URLs; a local path must stay as it is
            if u.starts_with("http://") || u.starts_with("https://") {
                u.trim_end_matches(".git").to_owned()
            } else {
                u.to_owned()
            }
        });
    let mut base = b
        .github
        .as_ref()
        .and_then(|g| g["branch"].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    // a session that never ran (a code session) starts in a clone of its own repository, on
    // the server's GitHub: WebEDT's frontend names it again as https://github.com/OWNER/NAME,
    // which is the same repository when the server's GitHub is another host
    let mut repo_url = repo_url;
    if let Some(sid) = &b.website_session_id
        && let Ok(meta) = st.store().session_metadata(sid).await
        && meta["workspace"].as_str().is_none_or(str::is_empty)
    {
        match (repo_url.as_deref(), meta["repoUrl"].as_str()) {
            (None, None) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "this session has no repository to run on",
                ));
            }
            (Some(asked), Some(own)) if !same_repository(asked, own) => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    format!("this session works on {own}, not {asked}"),
                ));
            }
            (_, Some(own)) => repo_url = Some(own.to_owned()),
            (Some(_), None) => {}
        }
        base = base.or_else(|| meta["baseBranch"].as_str().map(str::to_owned));
    }
    if b.website_session_id.is_none() && repo_url.is_none() {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "github.repoUrl is required for a new session",
        ));
    }
    // an https URL (or a configured host); local paths only with --allow-local-repos
    if let Some(u) = &repo_url {
        let o = st.options();
        let policy =
            crate::git::RemotePolicy::new(o.allow_local_repos, &o.github_api, &o.github_hosts);
        if let Err(e) = policy.check(u) {
            return Err(fail(StatusCode::BAD_REQUEST, e));
        }
    }
    let client = match st.client_for(key.0.as_deref()).await {
        Ok(c) => c,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "no Claude credentials: start the server with ANTHROPIC_API_KEY or send your key",
            ));
        }
        Err(e) => return Err(fail(e.status, &e.message)),
    };
    let ctx = TurnContext {
        client,
        store: st.store().clone(),
        source: "webedt".into(),
    };
    let model = b
        .model
        .clone()
        .unwrap_or_else(|| st.options().model.clone());
    let session = match run::open_session(&ctx, b.website_session_id.as_deref(), &model, None).await
    {
        Ok(s) => s,
        Err(e) if b.website_session_id.is_some() => {
            return Err(fail(
                StatusCode::NOT_FOUND,
                format!("Session not found: {e}"),
            ));
        }
        Err(e) => return Err(internal(format!("opening a run session: {e}"))),
    };
    let guard = match begin_after_last(st, &session.id).await {
        Ok(g) => g,
        Err(e) => return Err(super::chat::refused(e).into_family_response(Family::Webedt)),
    };
    let new = b.website_session_id.is_none();
    let spec = RunSpec {
        request,
        repo: repo_url.clone().map(RepoSource::Clone),
        base,
        auto_commit: truthy(&b.auto_commit),
        push: truthy(&b.auto_commit),
        pr: false,
        // a run's pull request waits for its reviewer
        draft: true,
        allow_dirty: false,
        model,
        max_tokens: st.options().max_tokens,
        max_turns: st.options().max_turns.max(40),
        // WebEDT runs are unattended: the tools are confined to the run's own clone
        policy: Policy::AllowAll,
        // the clone's CLAUDE.md and AGENTS.md, as in the terminal
        memory: true,
    };
    let o = st.options();
    let env = RunEnv {
        workspace_dir: o.workspace_dir.clone(),
        workspace_ttl: st.options().workspace_ttl,
        github_api: o.github_api.clone(),
        github_token: st
            .github_token()
            .map_err(|e| e.into_family_response(Family::Webedt))?,
        co_author: o.git_co_author.clone(),
        pr_repo: None,
        remotes: crate::git::RemotePolicy::new(o.allow_local_repos, &o.github_api, &o.github_hosts),
        notifier: st.notifier().clone(),
        // a user's runs use their connected account's token; the server's only in local mode
        token_hint: if st.actor().user.is_some() {
            "connect your GitHub account again (Settings, GitHub)".into()
        } else {
            "give the server a token: GITHUB_TOKEN, or `clauded auth github` as its user".into()
        },
    };
    // this request's stream: the run's events from here on, as stored
    let after = if new {
        None
    } else {
        match st.store().last_event_id(&session.id).await {
            Ok(last) => Some(last),
            Err(e) => return Err(internal(e)),
        }
    };
    let finished = tokio_util::sync::CancellationToken::new();
    // the run is its own task: a client that goes away stops the stream, not the run
    {
        let (st, session, finished) = (st.clone(), session.clone(), finished.clone());
        tokio::spawn(async move {
            let _finished = finished.drop_guard();
            let sink = EventSink::new(st.store().clone(), &session.id);
            let cancel = guard.cancel.clone();
            let result = run::run(
                &ctx,
                &sink,
                &session,
                &guard.lease,
                &spec,
                &env,
                st.tools(),
                &cancel,
                progress_events(&sink),
                &mut |_: TurnEvent| {},
            )
            .await;
            if matches!(result, Err(RunError::Stopped)) && st.take_interrupted(&session.id) {
                let _ = sink
                    .emit(json!({"type": "interrupted", "message": "the run was interrupted"}))
                    .await;
                let sid = session.id.clone();
                let _ = st.store().set_session_status(&sid, "completed").await;
            }
            guard.finish().await;
        });
    }
    Ok(Started {
        session,
        new,
        after,
        finished,
    })
}

/// Takes a session for a run. A run that has stored its final event but not yet given the
/// session back is waited for (up to [`RELEASE_WAIT`]): WebEDT's chat box sends a follow-up
/// the moment its stream says `completed`.
async fn begin_after_last(
    st: &AppState,
    session_id: &str,
) -> Result<crate::server::state::TurnGuard, crate::engine::TurnError> {
    let deadline = tokio::time::Instant::now() + RELEASE_WAIT;
    loop {
        match st.begin_run(session_id).await {
            Err(crate::engine::TurnError::Busy { .. })
                if tokio::time::Instant::now() < deadline
                    && last_run_ended(st, session_id).await =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            r => return r,
        }
    }
}

/// Whether the session's last stored event is a run's final one.
async fn last_run_ended(st: &AppState, session_id: &str) -> bool {
    let Ok(last) = st.store().last_event_id(session_id).await else {
        return false;
    };
    st.store()
        .events(session_id, Some(last - 1))
        .await
        .is_ok_and(|e| e.last().is_some_and(|e| is_terminal(&e.kind)))
}

/// Clone and push progress as `message` events, at most one per quarter.
fn progress_events(sink: &EventSink) -> run::ProgressFn {
    let sink = sink.clone();
    let handle = tokio::runtime::Handle::current();
    let last = Arc::new(std::sync::Mutex::new(HashMap::<String, usize>::new()));
    Arc::new(move |what: &str, p: crate::git::Progress| {
        if p.total == 0 {
            return;
        }
        let quarter = p.done * 4 / p.total;
        let mut seen = last.lock().unwrap_or_else(|e| e.into_inner());
        if seen.get(what).is_some_and(|q| *q >= quarter) {
            return;
        }
        seen.insert(what.to_owned(), quarter);
        let ev = json!({"type": "message", "stage": format!("{what}_progress"),
            "message": format!("{what}: {}/{} objects", p.done, p.total), "data": {"done": p.done, "total": p.total}});
        let sink = sink.clone();
        handle.spawn(async move {
            let _ = sink.emit(ev).await;
        });
    })
}

fn last_event_id(headers: &HeaderMap, q: &HashMap<String, String>) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| q.get("lastEventId").cloned())
        .and_then(|v| v.trim().parse().ok())
}

/// A batch of a run's events as frames (named by their kind when `named`), `then` called
/// after each, up to the run's final event; says whether that came.
fn live_frames(
    batch: &[RawEvent],
    named: bool,
    mut then: impl FnMut(&mut Encoded),
) -> (Encoded, bool) {
    let mut out = Encoded::default();
    for e in batch {
        out.event(named.then_some(e.kind.as_str()), Some(e.id), e.data.get());
        then(&mut out);
        if is_terminal(&e.kind) {
            return (out, true);
        }
    }
    (out, false)
}

/// WebEDT's `session-created` frame of a new run.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionCreated<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    website_session_id: &'a str,
}

/// Adds a stored event to `out` as replayed: its JSON text as stored with `_replayed` and
/// `_originalTimestamp` added at its end (where they win over a stored key of that name).
fn replayed(out: &mut Encoded, e: &RawEvent) {
    let text = e.data.get();
    match text.strip_suffix('}') {
        Some(body) if body.starts_with('{') => {
            let sep = if body[1..].trim().is_empty() { "" } else { "," };
            let at = serde_json::to_string(&e.created_at).unwrap_or_default();
            out.event_parts(
                None,
                Some(e.id),
                &[
                    body,
                    sep,
                    "\"_replayed\":true,\"_originalTimestamp\":",
                    &at,
                    "}",
                ],
            );
        }
        _ => out.event(None, Some(e.id), text),
    }
}

async fn find_session(st: &AppState, id: &str) -> Result<Session, Response> {
    let id2 = id.to_owned();
    match st.store().session(&id2).await {
        Ok(s) => Ok(s),
        Err(crate::store::Error::NotFound { .. }) => {
            // the session path (owner__repo__branch) also names a run
            let found = st
                .store()
                .session_by_metadata("sessionPath", id)
                .await
                .map_err(internal)?;
            found.ok_or_else(|| fail(StatusCode::NOT_FOUND, "Session not found"))
        }
        Err(e) => Err(internal(e)),
    }
}

/// Sends stored events after `after`, then live ones (deduplicated by id), then `completed`.
async fn replay_then_live(
    st: AppState,
    session: Session,
    after: Option<i64>,
    tx: FrameTx,
    markers: bool,
) {
    // subscribed before the first read: nothing committed after it is missed
    let mut follow = Follower::new(st.store(), &session.id, after);
    // on events/stream, what the client has not seen is sent as live events are, named and
    // not marked replayed, also what was stored before this stream began: everything after
    // its Last-Event-ID, or after a `/send` the follow-up's events (once)
    let news_after = match (markers, after) {
        (true, _) => None,
        (false, Some(after)) => Some(after),
        (false, None) => follow_up_from(&st, &session.id).await,
    };
    // never an empty replay that looks complete: an error frame, then the stream ends
    let unreadable = |e: crate::store::Error| {
        tracing::error!("replaying session {}: {e}", session.id);
        let _ = tx.send(Frame::Event {
            name: Some("error".into()),
            id: None,
            data: json!({"type": "error", "error": "the stored events could not be read; try again"}),
        });
        let _ = tx.send(Frame::Close);
    };
    // what is stored now is the replay: read a page at a time, written through as stored
    // the count only for the markers that say it (counting a long log costs milliseconds)
    let span = if markers {
        st.store().event_span(&session.id, after.unwrap_or(0)).await
    } else {
        st.store()
            .last_event_id(&session.id)
            .await
            .map(|last| (0, last))
    };
    let (total, upto) = match span {
        Ok(span) => span,
        Err(e) => return unreadable(e),
    };
    if markers {
        let _ = tx.send(Frame::Event {
            name: None,
            id: None,
            data: json!({"type": "replay_start", "totalEvents": total}),
        });
    }
    // whether the last run in the log has ended (a follow-up starts with its input_preview)
    let mut ended = false;
    loop {
        let page = match follow.page_upto(upto).await {
            Ok(p) if p.is_empty() => break,
            Ok(p) => p,
            Err(e) => return unreadable(e),
        };
        let mut out = Encoded::default();
        for e in &page {
            if is_terminal(&e.kind) {
                ended = true;
            } else if e.kind == "input_preview" {
                ended = false;
            }
            if news_after.is_some_and(|from| e.id > from) {
                out.event(Some(e.kind.as_str()), Some(e.id), e.data.get());
            } else {
                replayed(&mut out, e);
            }
        }
        // the reader's pace: a replay waits for the client instead of queueing it all
        if tx.send_wait(out.frame()).await.is_err() {
            return;
        }
    }
    if markers {
        let _ = tx.send(Frame::Event {
            name: None,
            id: None,
            data: json!({"type": "replay_end", "totalEvents": total}),
        });
        let info = session_row(&st, &session).await;
        let _ = tx.send(Frame::Event {
            name: None,
            id: None,
            data: json!({"type": "session_info", "session": info}),
        });
    }
    // a run going on, on this instance or another (its lease is held: a follow-up just sent
    // may not have stored anything yet): its events as they are stored, until its final one,
    // or until its lease is gone (then what it stored last is read once more)
    let live = run_is_live(st.store(), &session.id).await.unwrap_or(false)
        || !ended && st.is_running(&session.id);
    if live {
        if markers {
            let _ = tx.send(Frame::Event {
                name: None,
                id: None,
                data: json!({"type": "live_stream_start"}),
            });
        }
        'live: loop {
            let gone = !run_is_live(st.store(), &session.id).await.unwrap_or(false);
            let batch = match follow
                .next(if gone {
                    std::time::Duration::ZERO
                } else {
                    LIVE_WAIT
                })
                .await
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!("following session {}: {e}", session.id);
                    let _ = tx.send(Frame::Close);
                    return;
                }
            };
            // named on events/stream (WebEDT's chat page listens by name); bare on resume
            let (out, terminal) = live_frames(&batch, !markers, |_| {});
            if !out.is_empty() && tx.send_wait(out.frame()).await.is_err() {
                return;
            }
            if terminal {
                break 'live;
            }
            if gone {
                break;
            }
        }
        // the run gives its session back just after its final event: the status it leaves,
        // and a follow-up sent on this stream's end, wait for that
        let released = async {
            while run_is_live(st.store(), &session.id).await.unwrap_or(false) {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        };
        let _ = tokio::time::timeout(RELEASE_WAIT, released).await;
    }
    let sid = session.id.clone();
    let status = st
        .store()
        .session(&sid)
        .await
        .map(|s| s.status)
        .unwrap_or_default();
    let done = json!({"type": "completed", "websiteSessionId": session.id, "completed": true, "replayed": true, "status": status});
    let _ = tx.send(Frame::Event {
        name: Some("completed".into()),
        id: None,
        data: done,
    });
    let _ = tx.send(Frame::Close);
}

/// Where the follow-up `/send` started last begins, taken once (a later stream, a reload,
/// replays it like the rest).
async fn follow_up_from(st: &AppState, session_id: &str) -> Option<i64> {
    let from = st.store().session_metadata(session_id).await.ok()?[FOLLOW_UP_FROM].as_i64()?;
    let clear = json!({FOLLOW_UP_FROM: null});
    if let Err(e) = st.store().merge_session_metadata(session_id, &clear).await {
        tracing::warn!("session {session_id}: clearing where its follow-up starts: {e}");
    }
    Some(from)
}

/// `GET /api/sessions/{id}/events/stream` (and `/stream`).
pub async fn events_stream(
    Me(st): Me,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let session = match find_session(&st, &id).await {
        Ok(s) => s,
        // WebEDT's stream says 403 for a session that is someone else's
        Err(r) if r.status() == StatusCode::NOT_FOUND => {
            return match st.store().session_is_anyones(&id).await {
                Ok(true) => fail(StatusCode::FORBIDDEN, "Access denied"),
                _ => r,
            };
        }
        Err(r) => return r,
    };
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Close);
    tokio::spawn(replay_then_live(
        st,
        session,
        last_event_id(&headers, &q),
        tx,
        false,
    ));
    resp
}

/// `GET /api/resume/{id}`: WebEDT's markers around the replay.
pub async fn resume(
    Me(st): Me,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let session = match find_session(&st, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Close);
    let meta = session_row(&st, &session).await;
    let _ = tx.send(Frame::Event {
        name: None,
        id: None,
        data: json!({"type": "submission_preview", "message": format!("Resuming session: {}", session.title), "data": meta}),
    });
    let _ = tx.send(Frame::Event {
        name: None,
        id: None,
        data: json!({"type": "reconnected", "sessionId": session.id, "status": session.status, "message": "Reconnected"}),
    });
    tokio::spawn(replay_then_live(
        st,
        session,
        last_event_id(&headers, &q),
        tx,
        true,
    ));
    resp
}

/// `GET /api/sessions/{id}/events`.
pub async fn events_json(
    Me(st): Me,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let session = match find_session(&st, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let after = q
        .get("after")
        .or(q.get("lastEventId"))
        .and_then(|v| v.parse().ok());
    // the span first: the list is what is stored now, however long it is; the answer's first
    // bytes go out at once and each page of rows follows as it is read, at the reader's pace
    let upto = match st.store().last_event_id(&session.id).await {
        Ok(last) => last,
        Err(e) => return internal(e),
    };
    let row = session_row(&st, &session).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
    tokio::spawn(async move {
        let mut follow = Follower::new(st.store(), &session.id, after);
        let _ = tx
            .send(Bytes::from_static(br#"{"success":true,"data":{"events":["#))
            .await;
        let mut total = 0u64;
        loop {
            let page = match follow.page_upto(upto).await {
                Ok(p) if p.is_empty() => break,
                Ok(p) => p,
                Err(e) => {
                    // the answer stops short: a client sees JSON that does not parse, never
                    // a list that looks complete
                    tracing::error!("listing the events of session {}: {e}", session.id);
                    return;
                }
            };
            let mut out = Vec::with_capacity(page.len() * 160);
            for e in &page {
                if total > 0 {
                    out.push(b',');
                }
                total += 1;
                let item = EventItem {
                    id: e.id,
                    chat_session_id: &session.id,
                    event_data: &e.data,
                    timestamp: &e.created_at,
                };
                serde_json::to_writer(&mut out, &item).expect("an event serialises");
            }
            if tx.send(Bytes::from(out)).await.is_err() {
                return;
            }
        }
        let tail = EventsTail {
            total,
            session_id: &session.id,
            session_path: &row.session_path,
            status: &session.status,
        };
        let tail = serde_json::to_string(&tail).expect("the list's end serialises");
        let _ = tx.send(Bytes::from(format!("],{}}}", &tail[1..]))).await;
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

/// One event of `GET /api/sessions/{id}/events`, its data written as stored.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EventItem<'a> {
    id: i64,
    chat_session_id: &'a str,
    event_data: &'a serde_json::value::RawValue,
    timestamp: &'a str,
}

/// What follows the list in `GET /api/sessions/{id}/events`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EventsTail<'a> {
    total: u64,
    session_id: &'a str,
    session_path: &'a Value,
    status: &'a str,
}

/// `GET /api/sessions`: the caller's runs and code sessions, not those in the trash.
pub async fn list(Me(st): Me) -> Response {
    let all = match st.store().sessions(&Default::default()).await {
        Ok(a) => a,
        Err(e) => return internal(e),
    };
    let mut rows = Vec::new();
    for s in all.iter().filter(|s| is_webedt(s)) {
        rows.push(session_row(&st, s).await);
    }
    Json(json!({"success": true, "data": {"sessions": rows, "total": rows.len()}})).into_response()
}

/// `GET /api/sessions/{id}` (WebEDT answers `{success, session}` here).
pub async fn one(Me(st): Me, Path(id): Path<String>) -> Response {
    match find_session(&st, &id).await {
        // in the trash: gone until restored
        Ok(s) if s.deleted_at.is_some() => fail(StatusCode::NOT_FOUND, "Session not found"),
        Ok(s) => {
            Json(json!({"success": true, "session": session_row(&st, &s).await})).into_response()
        }
        Err(r) => r,
    }
}

/// `POST /api/sessions/{id}/abort`: stops the run; its status becomes `error`.
pub async fn abort(Me(st): Me, Path(id): Path<String>) -> Response {
    let session = match find_session(&st, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let was = st.stop_anywhere(&session.id, false).await;
    Json(json!({"success": true, "data": {"message": if was { "Run aborted" } else { "No run in progress" }, "aborted": was}})).into_response()
}

/// `POST /api/sessions/{id}/interrupt`: stops the run; its status becomes `completed`.
pub async fn interrupt(Me(st): Me, Path(id): Path<String>) -> Response {
    let session = match find_session(&st, &id).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let was = st.stop_anywhere(&session.id, true).await;
    Json(json!({"success": true, "data": {"message": if was { "Run interrupted" } else { "No run in progress" }, "interrupted": was}})).into_response()
}

/// Closes runs whose holder is gone (see [`crate::engine::lease::sweep`]); `all_running`
/// also looks at every session left `running` (at start, and now and then), not only at
/// lapsed leases. Returns how many were closed.
pub async fn sweep_orphans(st: &AppState, all_running: bool) -> usize {
    let here = |sid: &str| st.is_running(sid);
    crate::engine::lease::sweep(st.store(), &here, all_running).await
}
