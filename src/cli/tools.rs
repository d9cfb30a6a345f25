//! Tools in the terminal: `--mcp`/`--yes` flags, the y/n/always prompt, and tool lines on stderr.

use super::output::dim;
use crate::engine::Tooling;
use crate::engine::tools::{ApprovalRequest, Approver, Decision, Policy, ToolHost};
use crate::error::{Error, Result};
use crate::mcp::ToolOutput;
use crate::store::Store;
use std::future::Future;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Tool flags shared by `ask` and `chat`.
#[derive(Debug, Clone, clap::Args)]
pub struct ToolArgs {
    /// Offer this MCP server's tools (repeatable; `filesystem` and `bash` are built in).
    #[arg(long = "mcp", value_name = "NAME")]
    pub mcp: Vec<String>,
    /// Run every tool call without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Root of the built-in filesystem and bash servers (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Requests to Claude per message, at most (tool calls make more than one).
    #[arg(long, default_value_t = 20)]
    pub max_turns: u32,
}

/// Asks on the terminal (`/dev/tty`, so piped stdin still works); no terminal means no.
struct TerminalApprover {
    lock: tokio::sync::Mutex<()>,
}

impl Approver for TerminalApprover {
    fn approve(&self, req: ApprovalRequest) -> Pin<Box<dyn Future<Output = Decision> + Send + '_>> {
        Box::pin(async move {
            let _one_at_a_time = self.lock.lock().await;
            tokio::task::spawn_blocking(move || prompt(&req))
                .await
                .unwrap_or(Decision::Deny)
        })
    }
}

fn prompt(req: &ApprovalRequest) -> Decision {
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        eprintln!(
            "{}",
            dim(&format!(
                "denied {}: no terminal to ask (pass --yes to allow tools)",
                req.name
            ))
        );
        return Decision::Deny;
    };
    // chat turns the echo off while it writes an answer: the answer to this is shown
    let _shown = {
        use std::os::fd::AsRawFd;
        super::tty::EchoOn::on(tty.as_raw_fd())
    };
    let mut out = &tty;
    let mut input = std::io::BufReader::new(&tty);
    let args = serde_json::to_string(&req.input).unwrap_or_default();
    let args: String = args.chars().take(300).collect();
    loop {
        let _ = write!(out, "allow {} {args}? [y]es / [n]o / [a]lways: ", req.name);
        let _ = out.flush();
        let mut line = String::new();
        if input.read_line(&mut line).unwrap_or(0) == 0 {
            return Decision::Deny;
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return Decision::Allow,
            "a" | "always" => return Decision::AllowAlways,
            "n" | "no" | "" => return Decision::Deny,
            _ => continue,
        }
    }
}

/// A host for the MCP connections of one command (closed by its caller at the end).
pub fn host(config: &crate::config::Config) -> Arc<ToolHost> {
    ToolHost::with_settings(
        Duration::from_secs(30),
        Duration::from_secs(300),
        config.tools.clone(),
    )
}

/// Enables the named servers for a session (remembered, so a resumed session keeps them) and
/// builds the session's tools; None when it has none.
pub async fn tooling(
    store: &Store,
    session_id: &str,
    args: &ToolArgs,
    host: &Arc<ToolHost>,
    announce: bool,
) -> Result<Option<Tooling>> {
    // each name must be a registered server: say which one is not
    for n in &args.mcp {
        store.mcp_server(n).await?;
    }
    store.enable_session_servers(session_id, &args.mcp).await?;
    let servers = store.session_servers(session_id).await?;
    if servers.is_empty() {
        return Ok(None);
    }
    let root = match &args.root {
        Some(r) => r
            .canonicalize()
            .map_err(|e| Error::Usage(format!("--root {}: {e}", r.display())))?,
        None => std::env::current_dir()?,
    };
    host.reap_orphans().await;
    let set = host.tool_set(&servers, &root).await;
    for w in &set.warnings {
        eprintln!("warning: {w}");
    }
    if announce {
        eprintln!(
            "{}",
            dim(&format!(
                "tools: {} from {}",
                set.entries().len(),
                servers
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        );
    }
    let policy = if args.yes {
        Policy::AllowAll
    } else {
        Policy::Ask(Arc::new(TerminalApprover {
            lock: tokio::sync::Mutex::new(()),
        }))
    };
    Ok(Some(Tooling {
        set: Arc::new(set),
        host: host.clone(),
        policy,
        max_turns: args.max_turns.max(1),
    }))
}

/// `--yes` allows everything; otherwise ask on the terminal.
pub fn tooling_policy(yes: bool) -> Policy {
    if yes {
        Policy::AllowAll
    } else {
        Policy::Ask(Arc::new(TerminalApprover {
            lock: tokio::sync::Mutex::new(()),
        }))
    }
}

/// A dim line for a tool call.
pub fn show_use(name: &str, input: &serde_json::Value) {
    let args = input.to_string();
    let args: String = args.chars().take(200).collect();
    eprintln!("{}", dim(&format!("→ {name} {args}")));
}

/// A dim line for a tool result.
pub fn show_result(name: &str, out: &ToolOutput, ms: u64) {
    let text = out.text();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(160)
        .collect::<String>();
    let status = if out.is_error { "error" } else { "ok" };
    eprintln!("{}", dim(&format!("← {name} {status} ({ms} ms) {first}")));
}
