//! `clauded hook permission-request`: the approval hub as a command hook, for agents that run
//! only commands (Codex's PermissionRequest hook, or Claude Code set up with a command hook).
//! It passes the hook input on stdin to the running daemon's `/v1/hooks/permission-request`,
//! waits for the phone, and prints the daemon's decision on stdout.
//!
//! Every failure (no daemon, no answer in time, bad input, a refused token) is "no verdict":
//! nothing on stdout, one line on stderr, exit 0. Both agents read exit 0 with no output as "this
//! hook has no opinion" and show their own prompt; Claude Code reads exit 2 as a blocking error
//! (the request is denied) and other codes as a hook failure, so a daemon that is down must never
//! make a non-zero exit.

use crate::config::Overrides;
use crate::error::Result;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Hook input on stdin, at most (Claude Code's carries a tool's whole input, e.g. a file's text).
const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// `clauded hook` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The PermissionRequest hook: read the hook input on stdin, wait for an answer from the
    /// daemon's approval hub (the phone), print the decision. No answer, no daemon or bad
    /// input: nothing on stdout, exit 0, and the agent asks as usual.
    PermissionRequest(Args),
}

/// `clauded hook permission-request` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The daemon's base URL (default: http://HOST:PORT from the configuration, as `clauded
    /// health` finds it).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Read the server token from FILE (else CLAUDED_SERVER_TOKEN), sent as a bearer token.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Seconds to wait for the answer (keep it within the agent's own hook timeout).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// Which agent runs the hook (default: Codex when the input has its `turn_id`, else Claude Code).
    #[arg(long, value_enum)]
    pub source: Option<Agent>,
}

/// The agents whose hook input this reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Agent {
    /// Claude Code.
    ClaudeCode,
    /// OpenAI's Codex CLI.
    Codex,
}

/// Runs `clauded hook`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let Command::PermissionRequest(args) = cmd;
    match permission_request(args, g).await {
        Ok(decision) => println!("{decision}"),
        Err(why) => eprintln!("clauded hook: {why}; no verdict, the agent asks as usual"),
    }
    Ok(())
}

/// The decision JSON to print, or why there is none.
async fn permission_request(args: Args, g: &super::Globals) -> std::result::Result<String, String> {
    let mut raw = Vec::new();
    tokio::io::stdin()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut raw)
        .await
        .map_err(|e| format!("cannot read the hook input on stdin: {e}"))?;
    if raw.len() as u64 > MAX_INPUT {
        return Err(format!(
            "the hook input is larger than {} MiB",
            MAX_INPUT >> 20
        ));
    }
    let input: serde_json::Value = serde_json::from_slice(&raw)
        .map_err(|e| format!("the hook input on stdin is not JSON ({e})"))?;
    if !input.is_object() {
        return Err("the hook input on stdin is not a JSON object".into());
    }
    let source = match args.source {
        Some(Agent::Codex) => "codex",
        Some(Agent::ClaudeCode) => "claude-code",
        None => crate::engine::approvals::hook_source(
            None,
            input.get("turn_id").is_some_and(|t| t.is_string()),
        ),
    };
    // no ./.env: the agent runs this inside a repository that may not be yours, and a .env
    // there must not choose where the server token goes
    let app = super::App::load(&Overrides::default(), g).map_err(|e| e.to_string())?;
    let base = match args.url {
        Some(u) => u,
        None => super::health::configured_url(&app.config),
    };
    let token = match &args.token_file {
        Some(path) => Some(super::serve::read_token_file(path).map_err(|e| e.to_string())?),
        None => app
            .env
            .get("CLAUDED_SERVER_TOKEN")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    };
    let timeout = args.timeout.max(2);
    let url = format!(
        "{}/v1/hooks/permission-request?timeout={timeout}&source={source}",
        base.trim_end_matches('/')
    );
    crate::anthropic::init_tls();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        // the daemon answers a second before `timeout`; a little slack for a slow machine
        .timeout(Duration::from_secs(timeout + 2))
        // the token goes to the daemon and nowhere else
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    let mut req = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(raw);
    if let Some(t) = &token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| {
        if e.is_timeout() {
            format!("the daemon at {base} did not answer within {timeout} s")
        } else if e.is_connect() {
            format!("cannot reach the daemon at {base}: is `clauded serve` running?")
        } else {
            format!("the daemon at {base}: {}", e.without_url())
        }
    })?;
    let status = resp.status();
    let body: serde_json::Value = resp
        .json()
        .await
        .map_err(|e| format!("the daemon's answer ({status}) is not JSON: {e}"))?;
    if !status.is_success() {
        let message = body["error"]["message"]
            .as_str()
            .or_else(|| body["message"].as_str())
            .unwrap_or("");
        return Err(format!("the daemon at {base} answered {status}: {message}"));
    }
    if body.get("hookSpecificOutput").is_none() {
        return Err(format!("nobody answered within {timeout} s"));
    }
    Ok(body.to_string())
}
