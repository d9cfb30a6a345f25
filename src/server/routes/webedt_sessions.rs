//! The rest of WebEDT's sessions API: code sessions, changes, the trash (soft delete,
//! restore, for good, in batches), messages, unlock, and the live list of one's sessions.
//! Every row is the caller's (the store is scoped): another user's id is not found, and a
//! batch with one in it changes nothing (403).

use super::auth::{Envelope, Message, ok, said};
use crate::engine::{naming, run};
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::Me;
use crate::server::sse::{self, Frame};
use crate::store::{NewMessage, NewSession, Session, SessionFilter, SessionUpdate, TrashOp};
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// A session as WebEDT's `chat_sessions` row (camelCase).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionRow {
    /// Its id.
    pub id: String,
    /// The title (WebEDT keeps it in `userRequest`).
    pub user_request: String,
    /// pending, running, completed, error (or idle for one never run).
    pub status: String,
    /// The repository.
    pub repository_url: Value,
    /// Its owner on GitHub.
    pub repository_owner: String,
    /// Its name.
    pub repository_name: String,
    /// The branch the work started from.
    pub base_branch: Value,
    /// The work's branch.
    pub branch: Value,
    /// `owner__repo__branch`.
    pub session_path: Value,
    /// The pull request, when one was opened.
    pub pr_url: Value,
    /// US dollars, as text (WebEDT's column).
    pub total_cost: String,
    /// Always claude.
    pub provider: &'static str,
    /// Runs commit and push.
    pub auto_commit: bool,
    /// Never locked here (leases keep runs apart).
    pub locked: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// In the trash since, if it is.
    pub deleted_at: Option<String>,
    /// A run is going.
    pub running: bool,
}

/// The row of a session (its metadata read once).
pub async fn session_row(st: &AppState, s: &Session) -> SessionRow {
    let meta = st
        .store()
        .session_metadata(&s.id)
        .await
        .unwrap_or(json!({}));
    let (owner, name) = run::github_repo_of(&meta).unwrap_or_default();
    let running = st.is_running(&s.id);
    SessionRow {
        id: s.id.clone(),
        user_request: s.title.clone(),
        status: if running {
            "running".into()
        } else {
            s.status.clone()
        },
        repository_url: meta["repoUrl"].clone(),
        repository_owner: owner,
        repository_name: name,
        base_branch: meta["baseBranch"].clone(),
        branch: meta["branch"].clone(),
        session_path: meta["sessionPath"].clone(),
        pr_url: meta["prUrl"].clone(),
        total_cost: format!("{:.6}", s.total_cost),
        provider: "claude",
        auto_commit: true,
        locked: false,
        created_at: s.created_at.clone(),
        updated_at: s.updated_at.clone(),
        deleted_at: s.deleted_at.clone(),
        running,
    }
}

/// Whether a session is one of WebEDT's (a run or a code session), not a chat.
pub fn is_webedt(s: &Session) -> bool {
    s.source == "run" || s.source == "webedt"
}

/// The caller's session `id`, or 404 in WebEDT's words.
async fn theirs(st: &AppState, id: &str) -> Result<Session, ApiError> {
    match st.store().session(id).await {
        Err(crate::store::Error::NotFound { .. }) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found_error",
            "Session not found",
        )),
        r => Ok(r?),
    }
}

/// `{success, session}`: WebEDT's shape for one session.
#[derive(Debug, Serialize)]
pub struct OneSession {
    success: bool,
    session: SessionRow,
}

/// `POST /api/sessions/create-code-session` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeSessionBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    repository_owner: String,
    #[serde(default)]
    repository_name: String,
    #[serde(default)]
    repository_url: Option<String>,
    #[serde(default)]
    base_branch: String,
    #[serde(default)]
    branch: String,
}

/// `POST /api/sessions/create-code-session`: a `pending` session on a repository and branch.
pub async fn create_code_session(
    Me(st): Me,
    ApiJson(b): ApiJson<CodeSessionBody>,
) -> Result<(StatusCode, Json<OneSession>), ApiError> {
    for (field, v) in [
        ("repositoryOwner", &b.repository_owner),
        ("repositoryName", &b.repository_name),
        ("baseBranch", &b.base_branch),
        ("branch", &b.branch),
    ] {
        if v.trim().is_empty() {
            return Err(ApiError::bad_request(
                format!("{field} is required"),
                Some(field),
            ));
        }
    }
    crate::github::check_repo_name(&b.repository_owner, &b.repository_name)
        .map_err(|m| ApiError::bad_request(m, Some("repositoryName")))?;
    let path = naming::session_path(&b.repository_owner, &b.repository_name, &b.branch);
    if st
        .store()
        .session_by_metadata("sessionPath", &path)
        .await?
        .is_some()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict_error",
            format!("a session for {path} exists"),
        ));
    }
    // on the GitHub the server is configured for (GITHUB_URL: github.com, an Enterprise host)
    let url = b.repository_url.clone().unwrap_or_else(|| {
        format!(
            "{}/{}/{}",
            st.options().github_url.trim_end_matches('/'),
            b.repository_owner,
            b.repository_name
        )
    });
    let asked = b.title.filter(|t| !t.trim().is_empty());
    // no task given: the title is a name, not a request (WebEDT's page runs the title)
    let title_defaulted = asked.is_none();
    let title = asked.unwrap_or_else(|| {
        format!(
            "{}/{} on {}",
            b.repository_owner, b.repository_name, b.branch
        )
    });
    // one session per path and owner, also when two ask at once: its id is made of them, so
    // the second insert is the store's conflict
    let id = format!(
        "cs_{}",
        &crate::crypto::sha256_hex(&format!("{}\n{path}", st.actor().owner))[..32]
    );
    let meta = json!({"repoUrl": url, "repositoryOwner": b.repository_owner,
        "repositoryName": b.repository_name, "baseBranch": b.base_branch, "branch": b.branch,
        "sessionPath": path, "titleDefaulted": title_defaulted});
    // made pending with its repository in one write
    let s = match st
        .store()
        .create_session(&NewSession {
            id: Some(id),
            title,
            model: st.options().model.clone(),
            source: "webedt".into(),
            status: Some("pending".into()),
            metadata: Some(meta),
            ..Default::default()
        })
        .await
    {
        Err(crate::store::Error::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict_error",
                format!("a session for {path} exists"),
            ));
        }
        r => r?,
    };
    Ok((
        StatusCode::CREATED,
        Json(OneSession {
            success: true,
            session: session_row(&st, &s).await,
        }),
    ))
}

/// `PATCH /api/sessions/{id}` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchBody {
    #[serde(default)]
    user_request: Option<String>,
    #[serde(default)]
    branch: Option<String>,
}

/// `PATCH /api/sessions/{id}`: the title (`userRequest`) or the branch.
pub async fn update(
    Me(st): Me,
    IdPath(id): IdPath,
    ApiJson(b): ApiJson<PatchBody>,
) -> Result<Json<Envelope<SessionRow>>, ApiError> {
    let s = theirs(&st, &id).await?;
    let title = b.user_request.filter(|t| !t.trim().is_empty());
    let branch = b.branch.filter(|t| !t.trim().is_empty());
    if title.is_none() && branch.is_none() {
        return Err(ApiError::bad_request(
            "give userRequest or branch (non-empty)",
            None,
        ));
    }
    let s = st
        .store()
        .update_session(
            &s.id,
            &SessionUpdate {
                title,
                metadata: branch.map(|b| json!({"branch": b})),
                ..Default::default()
            },
        )
        .await?;
    Ok(ok(session_row(&st, &s).await))
}

/// What a delete cleaned up besides the row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cleanup {
    /// A run was stopped.
    pub run_stopped: bool,
}

/// `{message, cleanup}`.
#[derive(Debug, Serialize)]
pub struct Deleted {
    message: &'static str,
    id: String,
    cleanup: Cleanup,
}

/// `DELETE /api/sessions/{id}`: stops its run, moves it to the trash and deletes its branch
/// on GitHub when the caller's token can (best effort: the answer is the same either way).
pub async fn remove(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Envelope<Deleted>>, ApiError> {
    let s = theirs(&st, &id).await?;
    let run_stopped = st.stop_anywhere(&s.id, false).await;
    let meta = st.store().session_metadata(&s.id).await?;
    st.store()
        .trash(std::slice::from_ref(&s.id), TrashOp::Trash)
        .await?;
    delete_branches(&st, &[(s.id.clone(), meta)]).await;
    Ok(ok(Deleted {
        message: "Session deleted",
        id: s.id,
        cleanup: Cleanup { run_stopped },
    }))
}

/// Deletes the run branches of sessions just trashed, with the caller's GitHub token (the
/// server's in local mode), best effort.
async fn delete_branches(st: &AppState, sessions: &[(String, Value)]) {
    let token = st.github_token().unwrap_or_else(|e| {
        tracing::warn!("not deleting run branches: {}", e.message);
        None
    });
    let o = st.options();
    let hosts = crate::git::TokenHosts::new(&o.github_api, &o.github_hosts);
    run::delete_run_branches(sessions, &o.github_api, &hosts, token.as_deref()).await;
}

/// `POST /api/sessions/{id}/restore`.
pub async fn restore(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Envelope<Message>>, ApiError> {
    let s = theirs(&st, &id).await?;
    st.store()
        .trash(std::slice::from_ref(&s.id), TrashOp::Restore)
        .await?;
    Ok(said("Session restored"))
}

/// `{ids}`.
#[derive(Deserialize)]
pub struct Ids {
    #[serde(default)]
    ids: Vec<String>,
}

/// `{message, count}`.
#[derive(Debug, Serialize)]
pub struct Counted {
    message: String,
    count: usize,
}

async fn batch(
    st: &AppState,
    ids: Vec<String>,
    op: TrashOp,
) -> Result<Json<Envelope<Counted>>, ApiError> {
    if ids.is_empty() || ids.len() > 1000 {
        return Err(ApiError::bad_request(
            "ids must name 1 to 1000 sessions",
            Some("ids"),
        ));
    }
    for id in &ids {
        crate::store::check_id("session", id)?;
    }
    let mut metas = Vec::new();
    if op == TrashOp::Trash {
        // runs stop only once the whole batch is known to be the caller's
        for id in &ids {
            if st.store().session(id).await.is_err() {
                return Err(ApiError::forbidden(
                    "not_yours",
                    "some of the sessions are not yours (or do not exist); nothing was changed",
                ));
            }
        }
        for id in &ids {
            st.stop_anywhere(id, false).await;
            metas.push((id.clone(), st.store().session_metadata(id).await?));
        }
    }
    let count = st.store().trash(&ids, op).await?;
    // as one delete does: each run's branch on GitHub goes too
    delete_branches(st, &metas).await;
    let what = match op {
        TrashOp::Trash => "deleted",
        TrashOp::Restore => "restored",
        TrashOp::Purge => "deleted for good",
    };
    Ok(ok(Counted {
        message: format!("{count} sessions {what}"),
        count,
    }))
}

/// `POST /api/sessions/bulk-delete`.
pub async fn bulk_delete(
    Me(st): Me,
    ApiJson(b): ApiJson<Ids>,
) -> Result<Json<Envelope<Counted>>, ApiError> {
    batch(&st, b.ids, TrashOp::Trash).await
}

/// `POST /api/sessions/bulk-restore`.
pub async fn bulk_restore(
    Me(st): Me,
    ApiJson(b): ApiJson<Ids>,
) -> Result<Json<Envelope<Counted>>, ApiError> {
    batch(&st, b.ids, TrashOp::Restore).await
}

/// `POST /api/sessions/bulk-delete-permanent`: only sessions already in the trash.
pub async fn bulk_purge(
    Me(st): Me,
    ApiJson(b): ApiJson<Ids>,
) -> Result<Json<Envelope<Counted>>, ApiError> {
    batch(&st, b.ids, TrashOp::Purge).await
}

/// A page of the trash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrashPage {
    sessions: Vec<SessionRow>,
    total: usize,
    limit: usize,
    offset: usize,
    has_more: bool,
}

/// `GET /api/sessions/deleted?limit&offset` (limit at most 100).
pub async fn deleted(
    Me(st): Me,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Envelope<TrashPage>>, ApiError> {
    let num = |k: &str, default: usize| -> Result<usize, ApiError> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| ApiError::bad_request(format!("{k} must be a number"), Some(k))),
        }
    };
    let limit = num("limit", 50)?.clamp(1, 100);
    let offset = num("offset", 0)?;
    // the whole trash counted, one page of it shown
    let all = st
        .store()
        .sessions(&SessionFilter {
            deleted: true,
            ..Default::default()
        })
        .await?;
    let total = all.len();
    let page: Vec<&Session> = all.iter().skip(offset).take(limit).collect();
    let has_more = offset + page.len() < total;
    let mut sessions = Vec::with_capacity(page.len());
    for s in page {
        sessions.push(session_row(&st, s).await);
    }
    Ok(ok(TrashPage {
        total,
        sessions,
        limit,
        offset,
        has_more,
    }))
}

/// `POST /api/sessions/{id}/unlock`: nothing holds a session here but a running run's lease,
/// so there is nothing to take off; answered as WebEDT does.
pub async fn unlock(Me(st): Me, IdPath(id): IdPath) -> Result<Json<Envelope<Message>>, ApiError> {
    theirs(&st, &id).await?;
    Ok(said("Session unlocked"))
}

/// A message as WebEDT's `messages` row.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    id: i64,
    chat_session_id: String,
    /// user, assistant, system, error.
    #[serde(rename = "type")]
    kind: String,
    content: String,
    images: Option<Value>,
    timestamp: String,
}

/// `{messages, total}`.
#[derive(Debug, Serialize)]
pub struct MessageList {
    messages: Vec<MessageRow>,
    total: usize,
}

/// The event kind that keeps every message posted here, in the order posted: a system or
/// error note (our messages hold user and assistant turns only), or a turn (stored as a
/// message too, the event naming it by `message_id`).
const NOTE: &str = "chat_message";

/// A row's id: messages and events are counted apart, so a turn is `2n` of its message and
/// a note `2n + 1` of its event.
fn row_id(message: Option<i64>, event: i64) -> i64 {
    match message {
        Some(m) => m * 2,
        None => event * 2 + 1,
    }
}

/// `GET /api/sessions/{id}/messages`: what was posted, in the order posted, and the other
/// turns' text, by time.
pub async fn messages(
    Me(st): Me,
    IdPath(id): IdPath,
) -> Result<Json<Envelope<MessageList>>, ApiError> {
    let s = theirs(&st, &id).await?;
    let turns = st.store().session_messages(&s.id).await?;
    let mut posted_turns = std::collections::HashSet::new();
    let mut rows: Vec<MessageRow> = Vec::new();
    for e in st.store().events(&s.id, None).await? {
        if e.kind != NOTE {
            continue;
        }
        let message = e.data["message_id"].as_i64();
        if let Some(m) = message {
            posted_turns.insert(m);
        }
        rows.push(MessageRow {
            id: row_id(message, e.id),
            chat_session_id: e.session_id.clone(),
            kind: e.data["type"].as_str().unwrap_or("system").to_owned(),
            content: e.data["content"].as_str().unwrap_or_default().to_owned(),
            images: e.data.get("images").cloned().filter(|v| !v.is_null()),
            timestamp: e.created_at.clone(),
        });
    }
    rows.extend(
        turns
            .into_iter()
            .filter(|m| !posted_turns.contains(&m.id))
            .map(|m| MessageRow {
                id: row_id(Some(m.id), 0),
                chat_session_id: m.session_id.clone(),
                kind: m.role.as_str().to_owned(),
                content: m.text(),
                images: None,
                timestamp: m.created_at.clone(),
            }),
    );
    // stable: rows of one millisecond keep the order they were posted in
    rows.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    Ok(ok(MessageList {
        total: rows.len(),
        messages: rows,
    }))
}

/// `POST /api/sessions/{id}/messages` body.
#[derive(Deserialize)]
pub struct NewMessageBody {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    images: Option<Value>,
}

/// `POST /api/sessions/{id}/messages`: a user or assistant turn (the message and its event in
/// one write), or a system or error note.
pub async fn post_message(
    Me(st): Me,
    IdPath(id): IdPath,
    ApiJson(b): ApiJson<NewMessageBody>,
) -> Result<(StatusCode, Json<Envelope<MessageRow>>), ApiError> {
    let s = theirs(&st, &id).await?;
    if b.content.is_empty() {
        return Err(ApiError::bad_request(
            "content is required",
            Some("content"),
        ));
    }
    let data = json!({"type": b.kind, "content": b.content, "images": b.images});
    let event = crate::store::NewEvent::new(NOTE, data);
    let (id, at) = match b.kind.as_str() {
        "user" | "assistant" => {
            let block = crate::anthropic::ContentBlock::text(b.content.clone());
            let new = if b.kind == "user" {
                NewMessage::user(vec![block])
            } else {
                NewMessage {
                    role: crate::anthropic::Role::Assistant,
                    content: vec![block],
                    ..NewMessage::user(vec![])
                }
            };
            let m = st
                .store()
                .add_message_logged(&s.id, &new, Some(&event), None)
                .await?;
            (row_id(Some(m.id), 0), m.created_at)
        }
        "system" | "error" => {
            let eid = st.store().append_event(&s.id, NOTE, &event.data).await?;
            (row_id(None, eid), crate::store::now())
        }
        _ => {
            return Err(ApiError::bad_request(
                "type must be one of user, assistant, system, error",
                Some("type"),
            ));
        }
    };
    Ok((
        StatusCode::CREATED,
        ok(MessageRow {
            id,
            chat_session_id: s.id,
            kind: b.kind,
            content: b.content,
            images: b.images,
            timestamp: at,
        }),
    ))
}

/// The live list's first frame.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Connected {
    subscriber_id: String,
    user_id: String,
    timestamp: String,
}

/// A change of one session: `created`, `updated`, `status_changed` (the row) or `deleted`
/// (its id).
#[derive(Debug, Serialize)]
struct Change<T> {
    #[serde(rename = "type")]
    kind: &'static str,
    session: T,
    timestamp: String,
}

/// A deleted session, by id.
#[derive(Debug, Serialize)]
struct Gone<'a> {
    id: &'a str,
}

/// Sends one named frame; false once the client has gone.
async fn send_named(tx: &sse::FrameTx, name: &'static str, data: impl Serialize) -> bool {
    let Ok(data) = serde_json::to_value(data) else {
        return false;
    };
    tx.send_wait(Frame::Event {
        name: Some(name.into()),
        id: None,
        data,
    })
    .await
    .is_ok()
}

/// How often the live list looks at the caller's sessions.
const UPDATES_EVERY: Duration = Duration::from_secs(1);

/// `GET /api/sessions/updates` (SSE): `connected`, then `created`, `updated`,
/// `status_changed` and `deleted` for the caller's own sessions as they happen (seen by
/// reading the store, so other instances' changes too), with keep-alives.
pub async fn updates(Me(st): Me) -> Response {
    let (tx, resp) = sse::channel(st.options().keepalive, Frame::Close);
    let user_id = st.actor().owner.clone();
    tokio::spawn(async move {
        // the first look before `connected`: a session made after it is reported
        let mut known: Option<HashMap<String, (String, String)>> =
            match st.store().sessions(&SessionFilter::default()).await {
                Ok(list) => Some(
                    list.into_iter()
                        .filter(is_webedt)
                        .map(|s| (s.id, (s.updated_at, s.status)))
                        .collect(),
                ),
                Err(e) => {
                    tracing::warn!("the sessions' live list: {e}");
                    let _ = tx.send(Frame::Close);
                    return;
                }
            };
        let hello = Connected {
            subscriber_id: crate::store::new_id(),
            user_id,
            timestamp: crate::store::now(),
        };
        if !send_named(&tx, "connected", hello).await {
            return;
        }
        let shutdown = st.shutdown_token();
        loop {
            let now = match st.store().sessions(&SessionFilter::default()).await {
                Ok(list) => list,
                Err(e) => {
                    tracing::warn!("the sessions' live list: {e}");
                    let _ = tx.send(Frame::Close);
                    return;
                }
            };
            let now: Vec<Session> = now.into_iter().filter(is_webedt).collect();
            let seen: HashMap<String, (String, String)> = now
                .iter()
                .map(|s| (s.id.clone(), (s.updated_at.clone(), s.status.clone())))
                .collect();
            if let Some(before) = &known {
                for s in &now {
                    let kind = match before.get(&s.id) {
                        None => "created",
                        Some((_, status)) if *status != s.status => "status_changed",
                        Some((at, _)) if *at != s.updated_at => "updated",
                        Some(_) => continue,
                    };
                    let change = Change {
                        kind,
                        session: session_row(&st, s).await,
                        timestamp: crate::store::now(),
                    };
                    if !send_named(&tx, kind, change).await {
                        return;
                    }
                }
                for id in before.keys().filter(|id| !seen.contains_key(*id)) {
                    let change = Change {
                        kind: "deleted",
                        session: Gone { id },
                        timestamp: crate::store::now(),
                    };
                    if !send_named(&tx, "deleted", change).await {
                        return;
                    }
                }
            }
            known = Some(seen);
            tokio::select! {
                _ = tokio::time::sleep(UPDATES_EVERY) => {}
                _ = tx.closed() => return,
                _ = shutdown.cancelled() => {
                    let _ = tx.send(Frame::Close);
                    return;
                }
            }
        }
    });
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_camel_case_with_webedts_columns() {
        let row = SessionRow {
            id: "s".into(),
            user_request: "t".into(),
            status: "pending".into(),
            repository_url: json!("https://github.com/o/r"),
            repository_owner: "o".into(),
            repository_name: "r".into(),
            base_branch: json!("main"),
            branch: json!("b"),
            session_path: json!("o__r__b"),
            pr_url: Value::Null,
            total_cost: "0.000000".into(),
            provider: "claude",
            auto_commit: true,
            locked: false,
            created_at: "c".into(),
            updated_at: "u".into(),
            deleted_at: None,
            running: false,
        };
        let v = serde_json::to_value(&row).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = [
            "id",
            "userRequest",
            "status",
            "repositoryUrl",
            "repositoryOwner",
            "repositoryName",
            "baseBranch",
            "branch",
            "sessionPath",
            "prUrl",
            "totalCost",
            "provider",
            "autoCommit",
            "locked",
            "createdAt",
            "updatedAt",
            "deletedAt",
            "running",
        ];
        want.sort_unstable();
        assert_eq!(keys, want);
    }
}
