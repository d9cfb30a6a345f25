//! `/v1/mcp/*`, `/v1/tools/execute`, a session's servers, and tool approvals.

use super::success;
use crate::mcp::sanitize_tool_name;
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::ApiJson;
use crate::server::identity::{Me, admin_only};
use crate::store::{McpServerRow, NewMcpServer};
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a listing waits for one server's tools before it reports it as unresponsive.
const STATUS_WAIT: Duration = Duration::from_secs(2);

async fn server_json(st: &AppState, row: &McpServerRow) -> Value {
    let probe = async {
        let tools = st.tools().server_tools(row).await;
        (tools, st.tools().server_info(row).await)
    };
    let ((status, count, error), info) = if !row.enabled {
        (("disabled", 0, None), None)
    } else {
        // a stuck server must not hold the listing: it answers within STATUS_WAIT or is
        // reported as such
        match tokio::time::timeout(STATUS_WAIT, probe).await {
            Ok((Ok(t), info)) => (("available", t.len(), None), info),
            Ok((Err(e), _)) => (("error", 0, Some(e)), None),
            Err(_) => (
                (
                    "unresponsive",
                    0,
                    Some(format!(
                        "no answer within {} s; still trying",
                        STATUS_WAIT.as_secs()
                    )),
                ),
                None,
            ),
        }
    };
    let mut v = row.public_json();
    let o = v.as_object_mut().expect("an object");
    o.insert("status".into(), json!(status));
    o.insert("tools_count".into(), json!(count));
    o.insert(
        "version".into(),
        json!(
            info.as_ref()
                .map(|i| i.version.clone())
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").into())
        ),
    );
    o.insert(
        "protocol_version".into(),
        json!(info.as_ref().map(|i| i.protocol_version.clone())),
    );
    o.insert(
        "capabilities".into(),
        json!(if row.is_builtin() || info.is_some() {
            vec!["tools"]
        } else {
            vec![]
        }),
    );
    o.insert(
        "executable".into(),
        json!(
            row.command
                .clone()
                .or_else(|| row.url.clone())
                .unwrap_or_else(|| "(built in)".into())
        ),
    );
    o.insert("error".into(), json!(error));
    v
}

/// `GET /v1/mcp/servers`.
pub async fn list(Me(st): Me) -> Result<Json<Value>, ApiError> {
    let rows = st.store().mcp_servers().await?;
    // all at once: the listing takes as long as the slowest server, at most STATUS_WAIT
    let servers: Vec<Value> =
        futures_util::future::join_all(rows.iter().map(|r| server_json(&st, r))).await;
    Ok(Json(
        json!({"servers": servers, "total_count": servers.len()}),
    ))
}

/// `POST /v1/mcp/servers` body.
#[derive(Deserialize)]
pub struct NewServerBody {
    name: String,
    #[serde(default)]
    transport: Option<String>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    project_id: Option<String>,
}

/// Registers a server.
pub async fn create(
    Me(st): Me,
    ApiJson(b): ApiJson<NewServerBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // a stdio server is a command this machine runs; an HTTP one, a place tools call
    admin_only(&st, "registering an MCP server")?;
    if b.name.is_empty()
        || b.name.len() > 40
        || !b
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::bad_request(
            "name must be 1-40 letters, digits, '-' or '_'",
            Some("name"),
        ));
    }
    let transport = b.transport.clone().unwrap_or_else(|| {
        if b.url.is_some() {
            "http".into()
        } else {
            "stdio".into()
        }
    });
    match transport.as_str() {
        "stdio" if b.command.as_deref().is_none_or(str::is_empty) => {
            return Err(ApiError::bad_request(
                "a stdio server needs a command",
                Some("command"),
            ));
        }
        "http"
            if !b
                .url
                .as_deref()
                .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://")) =>
        {
            return Err(ApiError::bad_request(
                "an http server needs an http(s) url",
                Some("url"),
            ));
        }
        "stdio" | "http" => {}
        _ => {
            return Err(ApiError::bad_request(
                "transport must be stdio or http",
                Some("transport"),
            ));
        }
    }
    let new = NewMcpServer {
        name: b.name,
        transport,
        command: b.command,
        args: b.args,
        env: b.env,
        url: b.url,
        headers: b.headers,
        project_id: b.project_id,
    };
    let row = st.store().add_mcp_server(&new).await?;
    Ok((StatusCode::CREATED, Json(row.public_json())))
}

/// Removes a server (built-ins cannot be removed).
pub async fn remove(Me(st): Me, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    admin_only(&st, "removing an MCP server")?;
    let row = st.store().mcp_server(&id).await?;
    if row.is_builtin() {
        return Err(ApiError::bad_request(
            format!("{} is built in; disable it instead", row.name),
            None,
        ));
    }
    let rid = row.id.clone();
    st.store().delete_mcp_server(&rid).await?;
    st.tools().forget(&row.id).await;
    Ok(success(json!({"id": row.id})))
}

/// A server's tools.
pub async fn tools(Me(st): Me, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let row = st.store().mcp_server(&id).await?;
    let tools = st.tools().server_tools(&row).await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "mcp_error",
            format!("cannot reach {}: {e}", row.name),
        )
    })?;
    let list: Vec<Value> = tools
        .iter()
        .map(|t| {
            json!({"name": t.name, "id": sanitize_tool_name(&row.name, &t.name), "title": t.title,
                   "description": t.description, "input_schema": t.input_schema,
                   "read_only": t.read_only, "dangerous": !t.read_only, "supports_stream": false})
        })
        .collect();
    Ok(Json(
        json!({"server_id": row.id, "server": row.name, "tools": list}),
    ))
}

/// `{"session_id"}` for enable/disable; without it the server is switched globally.
#[derive(Deserialize, Default)]
pub struct Toggle {
    #[serde(default)]
    session_id: Option<String>,
}

async fn toggle(st: AppState, id: String, b: Toggle, on: bool) -> Result<Json<Value>, ApiError> {
    let row = st.store().mcp_server(&id).await?;
    let rid = row.id.clone();
    match b.session_id.clone() {
        Some(sid) => {
            // users choose among the servers an admin allows
            if on && !row.enabled {
                return Err(ApiError::forbidden(
                    "server_disabled",
                    format!(
                        "{} is switched off on this server; an admin may switch it on",
                        row.name
                    ),
                ));
            }
            st.store().set_session_server(&sid, &rid, on).await?
        }
        None => {
            admin_only(&st, "switching an MCP server for everyone")?;
            st.store().set_mcp_enabled(&rid, on).await?
        }
    }
    Ok(success(
        json!({"server_id": row.id, "name": row.name, "enabled": on, "session_id": b.session_id}),
    ))
}

/// `POST /v1/mcp/servers/{id}/enable`.
pub async fn enable(
    Me(st): Me,
    Path(id): Path<String>,
    body: Option<Json<Toggle>>,
) -> Result<Json<Value>, ApiError> {
    toggle(st, id, body.map(|b| b.0).unwrap_or_default(), true).await
}

/// `POST /v1/mcp/servers/{id}/disable`.
pub async fn disable(
    Me(st): Me,
    Path(id): Path<String>,
    body: Option<Json<Toggle>>,
) -> Result<Json<Value>, ApiError> {
    toggle(st, id, body.map(|b| b.0).unwrap_or_default(), false).await
}

/// Where a session's built-in tools work: its project's path, else a workspace folder named
/// by the server (kept in the session's metadata), never by joining a client-chosen id.
pub async fn session_root(st: &AppState, session_id: Option<&str>) -> Result<PathBuf, ApiError> {
    let ws = st.options().workspace_dir.clone();
    if let Some(sid) = session_id {
        crate::store::check_id("session", sid)?;
    }
    let root = match session_id {
        None => ws.join("scratch"),
        Some(sid) => {
            let folder = ws.join(uuid::Uuid::new_v4().simple().to_string());
            PathBuf::from(
                st.store()
                    .session_root(sid, &folder.to_string_lossy())
                    .await?,
            )
        }
    };
    std::fs::create_dir_all(&root)
        .map_err(|e| ApiError::internal(format!("cannot make {}: {e}", root.display())))?;
    Ok(root)
}

/// `POST /v1/tools/execute` body.
#[derive(Deserialize)]
pub struct ExecuteBody {
    #[serde(alias = "tool")]
    tool_name: String,
    #[serde(default)]
    arguments: Value,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    timeout: Option<f64>,
}

async fn execute_named(
    st: &AppState,
    claude_name: &str,
    arguments: Value,
    session_id: Option<&str>,
    timeout: Option<f64>,
) -> Result<Json<Value>, ApiError> {
    let rows = st.store().mcp_servers().await?;
    let (server, tool) = claude_name.split_once("__").ok_or_else(|| {
        ApiError::bad_request("tool_name must be `server__tool`", Some("tool_name"))
    })?;
    let row = rows
        .into_iter()
        .find(|r| r.name == server)
        .ok_or_else(|| ApiError::not_found("MCP server", server))?;
    if !row.enabled {
        return Err(ApiError::bad_request(
            format!("MCP server {} is disabled", row.name),
            Some("tool_name"),
        ));
    }
    let arguments = if arguments.is_null() {
        json!({})
    } else {
        arguments
    };
    if !arguments.is_object() {
        return Err(ApiError::bad_request(
            "arguments must be a JSON object",
            Some("arguments"),
        ));
    }
    let root = session_root(st, session_id).await?;
    let started = Instant::now();
    let timeout = timeout
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(|t| Duration::from_secs_f64(t.min(3600.0)));
    let out = st.tools().call(&row, &root, tool, arguments, timeout).await;
    let text = out.text();
    Ok(Json(json!({
        "success": !out.is_error,
        "result": if out.is_error { Value::Null } else { json!(text) },
        "error": if out.is_error { json!(text) } else { Value::Null },
        "execution_time": started.elapsed().as_secs_f64(),
        "metadata": {"server": row.name, "tool": tool, "content": out.content, "structured": out.structured},
    })))
}

/// `POST /v1/tools/execute`.
pub async fn execute(
    Me(st): Me,
    ApiJson(b): ApiJson<ExecuteBody>,
) -> Result<Json<Value>, ApiError> {
    admin_only(&st, "running a tool directly")?;
    execute_named(
        &st,
        &b.tool_name,
        b.arguments,
        b.session_id.as_deref(),
        b.timeout,
    )
    .await
}

/// `POST /v1/mcp/tools/{id}/execute` body.
#[derive(Deserialize)]
pub struct ExecuteById {
    #[serde(default)]
    arguments: Value,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    timeout: Option<f64>,
}

/// `POST /v1/mcp/tools/{id}/execute`, where the id is the `server__tool` name.
pub async fn execute_by_id(
    Me(st): Me,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ExecuteById>,
) -> Result<Json<Value>, ApiError> {
    admin_only(&st, "running a tool directly")?;
    execute_named(&st, &id, b.arguments, b.session_id.as_deref(), b.timeout).await
}

/// `POST /v1/sessions/{id}/tools`: `{"tools":[...],"priority":n}` or
/// `{"enabled_servers":[...],"enabled_tools":[...],"priority":[...]}`.
pub async fn session_tools(
    Me(st): Me,
    Path(sid): Path<String>,
    ApiJson(b): ApiJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let names = |k: &str| -> Vec<String> {
        b.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let tools = [names("tools"), names("enabled_tools")].concat();
    let mut servers = names("enabled_servers");
    for t in &tools {
        let server = t
            .split("__")
            .next()
            .unwrap_or(t)
            .split('.')
            .next()
            .unwrap_or(t)
            .to_owned();
        if !servers.contains(&server) {
            servers.push(server);
        }
    }
    let s2 = sid.clone();
    let enabled: Vec<String> = st
        .store()
        .enable_session_servers(&s2, &servers)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    Ok(Json(
        json!({"ok": true, "success": true, "sessionId": sid, "session_id": sid,
        "enabledTools": tools, "enabled_tools": tools, "enabled_servers": enabled, "message": "ok"}),
    ))
}

/// `{"decision": "allow" | "deny" | "always"}`.
#[derive(Deserialize)]
pub struct ApprovalBody {
    decision: String,
}

/// `POST /v1/sessions/{id}/approvals/{tool_use_id}`: answers a waiting tool call.
pub async fn approve(
    Me(st): Me,
    Path((sid, tool_use_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<ApprovalBody>,
) -> Result<Json<Value>, ApiError> {
    let decision = decision_of(&b.decision)?;
    let (s2, t2) = (sid.clone(), tool_use_id.clone());
    let waiting = st
        .store()
        .approval_for_tool_use(&s2, &t2)
        .await?
        .filter(|a| a.decision.is_none())
        .ok_or_else(|| ApiError::not_found("pending approval", &tool_use_id))?;
    crate::engine::approvals::answer(st.store(), &waiting.id, decision, None)
        .await
        .map_err(|e| match e {
            crate::store::Error::Conflict(_) => {
                ApiError::not_found("pending approval", &tool_use_id)
            }
            other => ApiError::from(other),
        })?;
    Ok(success(
        json!({"session_id": sid, "tool_use_id": tool_use_id, "decision": b.decision}),
    ))
}

/// A decision from a client: `allow`, `always` or `deny` (and their synonyms), else 400.
pub fn decision_of(s: &str) -> Result<&'static str, ApiError> {
    crate::engine::approvals::parse_decision(s).ok_or_else(|| {
        ApiError::bad_request(
            format!("decision must be allow, always or deny, not {s:?}"),
            Some("decision"),
        )
    })
}
