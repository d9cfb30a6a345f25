//! The MCP server registry, per-session server choices, and remembered tool permissions.

use super::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// A server's columns in [`McpServerRow`]'s order: SQL both engines run.
pub(crate) const MCP_SELECT: &str = "SELECT id, name, transport, command, args, env, url, headers, enabled, scope, project_id, created_at FROM mcp_servers";

/// A registered tool server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpServerRow {
    /// Its id.
    pub id: String,
    /// Its unique name (the `server` in `server__tool`).
    pub name: String,
    /// `stdio`, `http` or `builtin`.
    pub transport: String,
    /// The program (stdio).
    pub command: Option<String>,
    /// Its arguments (stdio).
    pub args: Vec<String>,
    /// Extra environment (stdio); values may be secrets.
    pub env: BTreeMap<String, String>,
    /// The endpoint (http).
    pub url: Option<String>,
    /// Extra headers (http); values may be secrets.
    pub headers: BTreeMap<String, String>,
    /// Whether it may be used at all.
    pub enabled: bool,
    /// `global` or `project`.
    pub scope: String,
    /// The project, for project scope.
    pub project_id: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
}

impl McpServerRow {
    /// True for clauded's own servers.
    pub fn is_builtin(&self) -> bool {
        self.transport == "builtin"
    }

    /// The row for listings: env and header values (often secrets) replaced by `***`.
    pub fn public_json(&self) -> serde_json::Value {
        let hide = |m: &BTreeMap<String, String>| -> serde_json::Map<String, serde_json::Value> {
            m.keys()
                .map(|k| (k.clone(), serde_json::json!("***")))
                .collect()
        };
        serde_json::json!({
            "id": self.id, "name": self.name, "transport": self.transport,
            "command": self.command, "args": self.args, "env": hide(&self.env),
            "url": self.url, "headers": hide(&self.headers),
            "enabled": self.enabled, "scope": self.scope, "project_id": self.project_id,
            "builtin": self.is_builtin(), "created_at": self.created_at,
        })
    }
}

/// A server to register.
#[derive(Debug, Clone, Default)]
pub struct NewMcpServer {
    /// Unique name.
    pub name: String,
    /// `stdio` or `http`.
    pub transport: String,
    /// Program (stdio).
    pub command: Option<String>,
    /// Arguments (stdio).
    pub args: Vec<String>,
    /// Environment (stdio).
    pub env: BTreeMap<String, String>,
    /// Endpoint (http).
    pub url: Option<String>,
    /// Headers (http).
    pub headers: BTreeMap<String, String>,
    /// Project scope, if any.
    pub project_id: Option<String>,
}

impl NewMcpServer {
    /// `project` for a server of one project, else `global`.
    pub(crate) fn scope(&self) -> &'static str {
        if self.project_id.is_some() {
            "project"
        } else {
            "global"
        }
    }

    /// Its args, env and headers as the JSON text their columns hold.
    pub(crate) fn json_columns(&self) -> Result<(String, String, String)> {
        Ok((
            to_json(&self.args)?,
            to_json(&self.env)?,
            to_json(&self.headers)?,
        ))
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

/// The name a new server wants is registered already.
pub(crate) fn name_taken(name: &str) -> Error {
    Error::Conflict(format!("an MCP server named {name:?} exists"))
}
