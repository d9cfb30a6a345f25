//! clauded's own tool servers, `filesystem` and `bash`, confined to a root directory.
//!
//! They speak the same shapes as MCP servers ([`crate::mcp::ToolInfo`], [`crate::mcp::ToolOutput`])
//! so the engine offers and runs them like any other server.

mod bash;
mod filesystem;

pub use bash::Bash;
pub use filesystem::{Filesystem, resolve_in_root};

use crate::mcp::{ToolContent, ToolInfo, ToolOutput};
use serde_json::Value;

/// The registry name of the filesystem server.
pub const FILESYSTEM: &str = "filesystem";
/// The registry name of the bash server.
pub const BASH: &str = "bash";

fn tool(name: &str, description: &str, schema: Value, read_only: bool) -> ToolInfo {
    ToolInfo {
        name: name.into(),
        title: None,
        description: Some(description.into()),
        input_schema: schema,
        read_only,
        destructive: Some(!read_only),
    }
}

fn ok(text: impl Into<String>) -> ToolOutput {
    ToolOutput {
        content: vec![ToolContent::Text(text.into())],
        is_error: false,
        structured: None,
    }
}

fn fail(text: impl Into<String>) -> ToolOutput {
    ToolOutput {
        content: vec![ToolContent::Text(text.into())],
        is_error: true,
        structured: None,
    }
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, ToolOutput> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| fail(format!("missing string argument `{key}`")))
}
