//! The MCP client: connects to tool servers over stdio or Streamable HTTP, lists and calls tools.
//!
//! A low layer: knows nothing of the store, the engine or the front ends. The SDK (rmcp) stays
//! inside this folder; nothing here exposes its types, so a major bump touches only `src/mcp/`.

mod client;
mod convert;
mod error;
mod http;
mod names;
mod stdio;

pub use client::McpClient;
pub use convert::{MAX_IMAGE_BASE64, MAX_RESULT_IMAGES, MAX_RESULT_TEXT};
pub use error::Error;
pub use names::{MAX_TOOL_NAME_LEN, sanitize_tool_name};

use std::collections::BTreeMap;
use std::path::PathBuf;

/// How to reach a server.
#[derive(Clone, PartialEq, Eq)]
pub enum Transport {
    /// A child process speaking JSON-RPC on its stdin and stdout.
    Stdio {
        /// The program, looked up on `PATH`.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Variables set on top of the few passed through (`PATH`, `HOME`, ...).
        env: BTreeMap<String, String>,
        /// The working directory; the caller's when absent.
        cwd: Option<PathBuf>,
    },
    /// A Streamable HTTP endpoint (`http(s)://host/mcp`).
    Http {
        /// The endpoint URL.
        url: String,
        /// Headers sent with every request (often a secret `Authorization`).
        headers: BTreeMap<String, String>,
    },
}

/// Shows names, never environment or header values: they are often secrets.
impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Stdio {
                command,
                args,
                env,
                cwd,
            } => f
                .debug_struct("Stdio")
                .field("command", command)
                .field("args", args)
                .field("env", &env.keys().collect::<Vec<_>>())
                .field("cwd", cwd)
                .finish(),
            Transport::Http { url, headers } => f
                .debug_struct("Http")
                .field("url", url)
                .field("headers", &headers.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

/// A named server and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The name the user gave it; prefixes its tools (`name__tool`).
    pub name: String,
    /// How to reach it.
    pub transport: Transport,
}

/// A tool a server offers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ToolInfo {
    /// The server's name for it (may hold `.` or `/`; see [`sanitize_tool_name`]).
    pub name: String,
    /// A human-readable title.
    pub title: Option<String>,
    /// What it does, for the model.
    pub description: Option<String>,
    /// The JSON Schema of its arguments.
    pub input_schema: serde_json::Value,
    /// The server says it changes nothing (`readOnlyHint: true`).
    pub read_only: bool,
    /// The server's `destructiveHint`, if it gave one.
    pub destructive: Option<bool>,
}

/// One piece of a tool's output. Serialised in MCP's shape (`{"type":"text","text"}`,
/// `{"type":"image","data","mimeType"}`), as clients of our API expect.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolContent {
    /// Text; audio, resources and resource links are rendered as text too.
    Text(String),
    /// A base64 image.
    Image {
        /// Base64 data.
        data: String,
        /// Its MIME type (`image/png`).
        mime_type: String,
    },
}

impl serde::Serialize for ToolContent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(if matches!(self, Self::Text(_)) { 2 } else { 3 }))?;
        match self {
            Self::Text(text) => {
                m.serialize_entry("type", "text")?;
                m.serialize_entry("text", text)?;
            }
            Self::Image { data, mime_type } => {
                m.serialize_entry("type", "image")?;
                m.serialize_entry("data", data)?;
                m.serialize_entry("mimeType", mime_type)?;
            }
        }
        m.end()
    }
}

/// What a tool call returned.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ToolOutput {
    /// The content blocks, in order.
    pub content: Vec<ToolContent>,
    /// The tool failed (`isError: true`, or the server refused the call); the content says why.
    pub is_error: bool,
    /// `structuredContent`, when the server sent it.
    pub structured: Option<serde_json::Value>,
}

impl ToolOutput {
    /// All text blocks joined by newlines (images left out).
    pub fn text(&self) -> String {
        self.content
            .iter()
            .map(|c| match c {
                ToolContent::Text(t) => t.clone(),
                ToolContent::Image { data, mime_type } => {
                    format!("[image {mime_type}, {} bytes base64]", data.len())
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What the server said about itself in the handshake.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerInfo {
    /// Its implementation name (`serverInfo.name`).
    pub name: String,
    /// Its implementation version.
    pub version: String,
    /// The negotiated protocol version (`2025-11-25`, ...).
    pub protocol_version: String,
    /// Its instructions for the model, if any.
    pub instructions: Option<String>,
    /// Its capabilities, as sent.
    pub capabilities: serde_json::Value,
}
