//! A session's tools: its enabled servers (MCP or built-in) offered to Claude under sanitised
//! `server__tool` names, permissions (allow, ask, deny), and running the calls.

use crate::anthropic::{self, ContentBlock, ImageSource, ToolResultContent};
use crate::builtin::{self, Bash, Filesystem, ToolSettings};
use crate::mcp::{self, McpClient, ServerSpec, ToolContent, ToolInfo, ToolOutput, Transport};
use crate::store::{McpServerRow, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// Live MCP connections shared by every session of the process; a dead one is replaced on next use.
pub struct ToolHost {
    pool: Mutex<HashMap<String, McpClient>>,
    settings: ToolSettings,
    /// Handshake limit.
    pub connect_timeout: Duration,
    /// Per-call limit.
    pub call_timeout: Duration,
}

impl std::fmt::Debug for ToolHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolHost").finish_non_exhaustive()
    }
}

/// One tool as offered to Claude.
#[derive(Debug, Clone)]
pub struct ToolEntry {
    /// The sanitised name Claude sees.
    pub claude_name: String,
    /// The server row.
    pub server: McpServerRow,
    /// The tool.
    pub info: ToolInfo,
}

/// The tools of one turn, and where built-ins work.
#[derive(Debug, Clone, Default)]
pub struct ToolSet {
    entries: Vec<ToolEntry>,
    root: PathBuf,
    /// Servers that could not be reached, with why.
    pub warnings: Vec<String>,
}

impl ToolSet {
    /// The tool definitions for the Messages API.
    pub fn claude_tools(&self) -> Vec<anthropic::Tool> {
        self.entries
            .iter()
            .map(|e| anthropic::Tool {
                name: e.claude_name.clone(),
                description: e.info.description.clone().or_else(|| e.info.title.clone()),
                input_schema: match &e.info.input_schema {
                    Value::Object(o) if !o.is_empty() => e.info.input_schema.clone(),
                    _ => serde_json::json!({"type":"object","properties":{}}),
                },
            })
            .collect()
    }

    /// The entry for a name Claude used.
    pub fn find(&self, claude_name: &str) -> Option<&ToolEntry> {
        self.entries.iter().find(|e| e.claude_name == claude_name)
    }

    /// All entries.
    pub fn entries(&self) -> &[ToolEntry] {
        &self.entries
    }

    /// True when there is nothing to offer.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The root built-in servers work in.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// A front end's answer to "may this tool run?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// This once.
    Allow,
    /// And from now on (remembered).
    AllowAlways,
    /// No.
    Deny,
}

/// A tool call waiting for approval.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApprovalRequest {
    /// The session.
    pub session_id: String,
    /// The `tool_use` id.
    pub tool_use_id: String,
    /// The sanitised name.
    pub name: String,
    /// The server's name.
    pub server: String,
    /// The tool's own name.
    pub tool: String,
    /// The arguments.
    pub input: Value,
}

/// Asks a person (terminal prompt, or an approval event answered over HTTP).
pub trait Approver: Send + Sync {
    /// Resolves to the decision; a front end that cannot ask resolves to `Deny`.
    fn approve(&self, req: ApprovalRequest) -> Pin<Box<dyn Future<Output = Decision> + Send + '_>>;
}

/// Who decides for tools whose permission is `ask`.
#[derive(Clone)]
pub enum Policy {
    /// Everything runs (`--yes`).
    AllowAll,
    /// Ask this approver.
    Ask(Arc<dyn Approver>),
    /// Nobody can be asked: `ask` means deny.
    DenyAsks,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Policy::AllowAll => "AllowAll",
            Policy::Ask(_) => "Ask",
            Policy::DenyAsks => "DenyAsks",
        })
    }
}

/// The permission for a tool: remembered, else read-only tools allow and the rest ask.
pub async fn permission(store: &Store, entry: &ToolEntry) -> &'static str {
    match store
        .tool_permission(&entry.claude_name)
        .await
        .ok()
        .flatten()
        .as_deref()
    {
        Some("allow") => "allow",
        Some("deny") => "deny",
        Some("ask") => "ask",
        _ if entry.info.read_only => "allow",
        _ => "ask",
    }
}

/// A server row as an MCP connection spec.
pub fn spec(row: &McpServerRow) -> ServerSpec {
    let transport = match row.transport.as_str() {
        "http" => Transport::Http {
            url: row.url.clone().unwrap_or_default(),
            headers: row.headers.clone(),
        },
        _ => Transport::Stdio {
            command: row.command.clone().unwrap_or_default(),
            args: row.args.clone(),
            env: row.env.clone(),
            cwd: None,
        },
    };
    ServerSpec {
        name: row.name.clone(),
        transport,
    }
}

fn builtin_tools(row: &McpServerRow) -> Vec<ToolInfo> {
    match row.name.as_str() {
        builtin::FILESYSTEM => Filesystem::tools(),
        builtin::BASH => Bash::tools(),
        _ => vec![],
    }
}

impl ToolHost {
    /// A host with these limits and default tool settings.
    pub fn new(connect_timeout: Duration, call_timeout: Duration) -> Arc<Self> {
        Self::with_settings(connect_timeout, call_timeout, ToolSettings::default())
    }

    /// A host with these limits whose built-in tools use `settings`; the process groups of its
    /// tools are recorded in `settings.records_dir`.
    pub fn with_settings(
        connect_timeout: Duration,
        call_timeout: Duration,
        settings: ToolSettings,
    ) -> Arc<Self> {
        if let Some(dir) = &settings.records_dir {
            crate::procs::registry::install(dir.clone());
        }
        Arc::new(Self {
            pool: Mutex::new(HashMap::new()),
            settings,
            connect_timeout,
            call_timeout,
        })
    }

    async fn client(&self, row: &McpServerRow) -> Result<McpClient, mcp::Error> {
        let mut pool = self.pool.lock().await;
        if let Some(c) = pool.get(&row.id) {
            if !c.is_closed() {
                return Ok(c.clone());
            }
            tracing::warn!("MCP server {} died; restarting it", row.name);
            pool.remove(&row.id);
        }
        let c = McpClient::connect(&spec(row), self.connect_timeout).await?;
        pool.insert(row.id.clone(), c.clone());
        Ok(c)
    }

    /// Forgets (and closes) a server's connection, e.g. after it was removed.
    pub async fn forget(&self, server_id: &str) {
        if let Some(c) = self.pool.lock().await.remove(server_id) {
            c.close().await;
        }
    }

    /// The tools of one server.
    pub async fn server_tools(&self, row: &McpServerRow) -> Result<Vec<ToolInfo>, String> {
        if row.is_builtin() {
            return Ok(builtin_tools(row));
        }
        let c = self.client(row).await.map_err(|e| e.to_string())?;
        match c.list_tools().await {
            Ok(t) => Ok(t),
            Err(mcp::Error::Closed) => {
                // it died since: one restart
                let c = self.client(row).await.map_err(|e| e.to_string())?;
                c.list_tools().await.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// The server's details for listings (None for built-ins or unreachable servers).
    pub async fn server_info(&self, row: &McpServerRow) -> Option<mcp::ServerInfo> {
        if row.is_builtin() {
            return None;
        }
        self.client(row).await.ok().map(|c| c.info().clone())
    }

    /// The tools of several servers; unreachable servers become warnings.
    pub async fn tool_set(&self, servers: &[McpServerRow], root: &Path) -> ToolSet {
        let mut set = ToolSet {
            entries: vec![],
            root: root.to_owned(),
            warnings: vec![],
        };
        for row in servers {
            match self.server_tools(row).await {
                Ok(tools) => {
                    for info in tools {
                        set.entries.push(ToolEntry {
                            claude_name: mcp::sanitize_tool_name(&row.name, &info.name),
                            server: row.clone(),
                            info,
                        });
                    }
                }
                Err(e) => set
                    .warnings
                    .push(format!("MCP server {} is unavailable: {e}", row.name)),
            }
        }
        set
    }

    /// Runs one tool of one server; failures come back as error results, never as panics.
    pub async fn call(
        &self,
        row: &McpServerRow,
        root: &Path,
        tool: &str,
        args: Value,
        timeout: Option<Duration>,
    ) -> ToolOutput {
        if row.is_builtin() {
            return match row.name.as_str() {
                builtin::FILESYSTEM => Filesystem::new(root).call(tool, args).await,
                builtin::BASH => {
                    Bash::new(root, self.settings.clone())
                        .call(tool, args)
                        .await
                }
                other => error_output(format!("no built-in server {other}")),
            };
        }
        let timeout = timeout.unwrap_or(self.call_timeout);
        for attempt in 0..2 {
            let client = match self.client(row).await {
                Ok(c) => c,
                Err(e) => {
                    return error_output(format!("MCP server {} is unavailable: {e}", row.name));
                }
            };
            match client.call_tool(tool, args.clone(), timeout).await {
                Ok(out) => return out,
                Err(mcp::Error::Closed) if attempt == 0 => continue,
                Err(e) => return error_output(format!("{}__{tool} failed: {e}", row.name)),
            }
        }
        error_output(format!("MCP server {} keeps dying", row.name))
    }

    /// Kills the tool process groups that a clauded process which is gone (`kill -9`, a crash)
    /// left running; the number killed.
    pub async fn reap_orphans(&self) -> usize {
        let Some(dir) = self.settings.records_dir.clone() else {
            return 0;
        };
        tokio::task::spawn_blocking(move || crate::procs::registry::reap_orphans(&dir))
            .await
            .unwrap_or(0)
    }

    /// Closes every connection (their child processes end).
    pub async fn shutdown(&self) {
        let all: Vec<McpClient> = self.pool.lock().await.drain().map(|(_, c)| c).collect();
        for c in all {
            c.close().await;
        }
    }
}

/// An error result with a message.
pub fn error_output(text: String) -> ToolOutput {
    ToolOutput {
        content: vec![ToolContent::Text(text)],
        is_error: true,
        structured: None,
    }
}

/// A tool's output as a `tool_result` block.
pub fn result_block(tool_use_id: &str, out: &ToolOutput) -> ContentBlock {
    let blocks: Vec<ContentBlock> = out
        .content
        .iter()
        .map(|c| match c {
            ToolContent::Text(t) => {
                ContentBlock::text(if t.is_empty() { "(no output)" } else { t })
            }
            ToolContent::Image { data, mime_type } if data.len() <= mcp::MAX_IMAGE_BASE64 => {
                ContentBlock::Image {
                    source: ImageSource::Base64 {
                        media_type: mime_type.clone(),
                        data: data.clone(),
                    },
                }
            }
            ToolContent::Image { data, mime_type } => ContentBlock::text(format!(
                "[an image of {} bytes ({mime_type}) was too large to pass on]",
                data.len()
            )),
        })
        .collect();
    ContentBlock::ToolResult {
        tool_use_id: tool_use_id.to_owned(),
        content: Some(if blocks.is_empty() {
            ToolResultContent::Text("(no output)".into())
        } else {
            ToolResultContent::Blocks(blocks)
        }),
        is_error: out.is_error.then_some(true),
    }
}
