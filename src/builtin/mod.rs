//! clauded's own tool servers, `filesystem` and `bash`, confined to a root directory.
//!
//! They speak the same shapes as MCP servers ([`crate::mcp::ToolInfo`], [`crate::mcp::ToolOutput`])
//! so the engine offers and runs them like any other server.

mod bash;
mod beneath;
mod filesystem;
pub mod sandbox;

pub use bash::Bash;
pub use filesystem::Filesystem;

use crate::mcp::{ToolContent, ToolInfo, ToolOutput};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The `[tools]` table of the config file, plus the folders the configuration derives.
#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolSettings {
    /// Variables set for bash's commands (on top of the few passed through).
    #[serde(serialize_with = "names_only")]
    pub env: BTreeMap<String, String>,
    /// Names of our own variables passed through to bash as well (never our secrets).
    pub pass_env: Vec<String>,
    /// Folders bash may write in besides the root and its temp dir, where Landlock confines it.
    pub writable: Vec<PathBuf>,
    /// Bash's `TMPDIR` (and, under Landlock, where it may write besides the root).
    #[serde(skip)]
    pub tmp_dir: Option<PathBuf>,
    /// Where the process groups of running tools are recorded (none: not recorded).
    #[serde(skip)]
    pub records_dir: Option<PathBuf>,
    /// clauded's own folders and files, which bash's commands cannot read under Landlock
    /// (the root and temp dir are readable even when they lie inside one).
    #[serde(skip)]
    pub hidden: Vec<PathBuf>,
}

/// Shows names, never values: a configured variable is often a token.
impl std::fmt::Debug for ToolSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolSettings")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("pass_env", &self.pass_env)
            .field("writable", &self.writable)
            .field("tmp_dir", &self.tmp_dir)
            .field("records_dir", &self.records_dir)
            .field("hidden", &self.hidden)
            .finish()
    }
}

fn names_only<S: serde::Serializer>(
    env: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(env.keys())
}

impl ToolSettings {
    /// Bash's temp dir: the configured one, else one under the system's.
    pub fn tmp_dir(&self) -> PathBuf {
        self.tmp_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("clauded-tools"))
    }
}

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
