//! `clauded ask`: one question, answered on stdout as it streams.

use super::App;
use super::output::{self, note};
use super::render::Answer;
use crate::anthropic::ContentBlock;
use crate::config::Overrides;
use crate::engine::{self, TurnContext, TurnError, TurnEvent, TurnOptions};
use crate::error::{Error, Result};
use crate::store::{NewSession, Session, Store};
use serde_json::json;
use std::io::{IsTerminal, Read};

/// `clauded ask` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Stdin, when it is not a terminal, is added after PROMPT (`git diff | clauded ask \"review this\"`).

With --json, stdout carries one JSON object per line:
  {\"type\":\"session\",\"session_id\",\"model\",\"new\"}   the session in use
  {\"type\":\"start\",\"message_id\",\"model\"}             the answer began
  {\"type\":\"text\",\"text\"}                            a piece of the answer
  {\"type\":\"thinking\",\"text\"}                        a piece of extended thinking
  {\"type\":\"tool_use\",\"id\",\"name\",\"server\",\"tool\",\"input\"}  Claude calls a tool
  {\"type\":\"tool_result\",\"id\",\"name\",\"is_error\",\"content\",\"duration_ms\"}
  {\"type\":\"done\",\"session_id\",\"message_id\",\"stop_reason\",\"usage\",\"cost_usd\"}
  {\"type\":\"error\",\"error\":{\"type\",\"message\",\"status\",\"request_id\"},\"exit_code\"}")]
pub struct Args {
    /// The prompt; stdin is appended when piped.
    pub prompt: Option<String>,
    /// Model id (passed through unchecked).
    #[arg(short, long)]
    pub model: Option<String>,
    /// System prompt.
    #[arg(short, long)]
    pub system: Option<String>,
    /// Output token limit.
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Continue this session (id or unique prefix).
    #[arg(long, conflicts_with = "continue_latest")]
    pub session: Option<String>,
    /// Continue the most recent session.
    #[arg(short = 'c', long = "continue")]
    pub continue_latest: bool,
    /// Wait for the whole answer instead of streaming.
    #[arg(long)]
    pub no_stream: bool,
    /// Print NDJSON events instead of text.
    #[arg(long)]
    pub json: bool,
    /// Do not store the exchange.
    #[arg(long, conflicts_with_all = ["session", "continue_latest"])]
    pub no_save: bool,
    /// Print the answer as written, without rendering its Markdown (as when stdout is not a
    /// terminal, or NO_COLOR is set).
    #[arg(long)]
    pub raw: bool,
    /// Do not send CLAUDE.md and AGENTS.md (of the repository's root and this folder).
    #[arg(long)]
    pub no_memory: bool,
    /// Tools.
    #[command(flatten)]
    pub tools: super::tools::ToolArgs,
}

/// Runs `clauded ask`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(
        &Overrides {
            max_tokens: args.max_tokens,
            system: args.system.clone(),
            ..Default::default()
        },
        g,
    )?;
    let json_mode = args.json;
    let result = ask(&app, args, quiet).await;
    if json_mode && let Err(e) = &result {
        let api = match e {
            Error::Upstream(u) => u.api().cloned(),
            _ => None,
        };
        let _ = output::print_ndjson(&json!({
            "type": "error",
            "error": {
                "type": api.as_ref().map(|a| a.kind.clone()).unwrap_or_else(|| error_kind(e).into()),
                "message": api.as_ref().map(|a| a.message.clone()).unwrap_or_else(|| e.to_string()),
                "status": api.as_ref().and_then(|a| a.status),
                "request_id": api.as_ref().and_then(|a| a.request_id.clone()),
            },
            "exit_code": e.exit_code(),
        }));
    }
    result
}

fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::MissingKey => "missing_api_key",
        Error::Interrupted => "interrupted",
        Error::Usage(_) => "usage_error",
        Error::Upstream(u) if u.is_transport() => "connection_error",
        _ => "error",
    }
}

/// What the user asks: the text, and where in it the piped stdin starts (a diff, code), so
/// an export can fence that part.
pub(super) struct Prompt {
    /// The whole prompt as sent.
    pub text: String,
    /// The byte where stdin's text starts, when it was piped.
    pub piped_from: Option<usize>,
}

fn read_prompt(arg: Option<String>) -> Result<Prompt> {
    let mut parts = Vec::new();
    if let Some(p) = arg.filter(|p| !p.trim().is_empty()) {
        parts.push(p);
    }
    let stdin = std::io::stdin();
    let mut piped = false;
    if !stdin.is_terminal() {
        let mut buf = Vec::new();
        stdin.lock().read_to_end(&mut buf)?;
        let text =
            String::from_utf8(buf).map_err(|_| Error::Usage("stdin is not UTF-8 text".into()))?;
        if !text.trim().is_empty() {
            parts.push(text.trim_end().to_owned());
            piped = true;
        }
    }
    if parts.is_empty() {
        return Err(Error::Usage(
            "nothing to ask: give a prompt (`clauded ask \"...\"`) or pipe text on stdin".into(),
        ));
    }
    let text = parts.join("\n\n");
    let piped_from = piped.then(|| parts.last().map_or(0, |p| text.len() - p.len()));
    Ok(Prompt { text, piped_from })
}

async fn ask(app: &App, args: Args, quiet: bool) -> Result<()> {
    let prompt = tokio::task::spawn_blocking({
        let p = args.prompt.clone();
        move || read_prompt(p)
    })
    .await
    .map_err(|e| Error::Other(e.to_string()))??;
    let client = app.client()?;
    let store = if args.no_save {
        Store::open_in_memory()?
    } else {
        app.store().await?
    };
    let (session, new) = pick_session(&store, &args, app).await?;
    let host = super::tools::host(&app.config);
    let opts = TurnOptions {
        model: args.model.clone().unwrap_or_else(|| {
            if new {
                app.config.model.clone()
            } else {
                session.model.clone()
            }
        }),
        system: args.system.clone().or_else(|| {
            if new {
                app.config.system.clone()
            } else {
                session.system_prompt.clone()
            }
        }),
        max_tokens: app.config.max_tokens,
        stream: !args.no_stream,
        history: None,
        tooling: super::tools::tooling(
            &store,
            &session.id,
            &args.tools,
            &host,
            !(quiet || args.json),
        )
        .await?,
        record_events: true,
        memory: super::memory(args.no_memory).await?.prompt(),
        release_with_answer: true,
    };
    if args.json {
        output::print_ndjson(
            &json!({"type":"session","session_id": session.id, "model": opts.model, "new": new}),
        )?;
    }
    let ctx = TurnContext {
        client,
        store,
        source: "cli".into(),
    };
    // piped, the answer is byte for byte what the API sent; on a terminal it ends its line
    let answer = Answer::new(args.raw, std::io::stdout().is_terminal());
    let result = terminal_turn(
        &ctx,
        &session,
        prompt,
        &opts,
        quiet || args.json,
        args.json,
        answer,
    )
    .await?;
    match result {
        Ok(outcome) => {
            let r = &outcome.response;
            if args.json {
                output::print_ndjson(&json!({
                    "type": "done",
                    "session_id": session.id,
                    // the API's id, as in `start`: one type for one name
                    "message_id": r.id,
                    "stop_reason": r.stop_reason,
                    "usage": outcome.usage,
                    "cost_usd": outcome.cost_usd,
                }))?;
            } else {
                let saved = if args.no_save {
                    "not saved".to_owned()
                } else {
                    format!("session {}", output::short(&session.id))
                };
                note(
                    quiet || !std::io::stderr().is_terminal(),
                    &format!(
                        "{} · {saved}",
                        output::usage_line(&outcome.usage, outcome.cost_usd)
                    ),
                );
                if r.stop_reason.as_deref() == Some("max_tokens") {
                    eprintln!(
                        "warning: the answer hit the output limit ({} tokens); raise it with --max-tokens",
                        opts.max_tokens
                    );
                }
            }
            Ok(())
        }
        Err(TurnError::Cancelled { .. }) => {
            if !args.json {
                note(quiet, "interrupted; the partial answer is saved");
            }
            Err(Error::Interrupted)
        }
        Err(TurnError::Upstream { error, .. }) => Err(Error::Upstream(error)),
        Err(TurnError::Store(e)) => Err(e.into()),
        Err(e @ TurnError::Busy { .. }) => Err(Error::Busy(e.to_string())),
    }
}

async fn pick_session(store: &Store, args: &Args, app: &App) -> Result<(Session, bool)> {
    if let Some(id) = &args.session {
        let id = id.clone();
        return Ok((store.resolve_session(&id).await?, false));
    }
    if args.continue_latest {
        return match store.latest_session().await? {
            Some(s) => Ok((s, false)),
            None => Err(Error::Usage(
                "no session to continue yet: run `clauded ask` without -c first".into(),
            )),
        };
    }
    let model = args
        .model
        .clone()
        .unwrap_or_else(|| app.config.model.clone());
    let cwd = std::env::current_dir().ok();
    let project = match cwd {
        Some(dir) => store.project_for_dir(&dir).await?,
        None => None,
    };
    let session = store
        .create_session(&NewSession {
            project_id: project.map(|p| p.id),
            model,
            source: "cli".into(),
            ..Default::default()
        })
        .await?;
    Ok((session, true))
}

/// Runs one turn for the terminal: a spinner on stderr until the answer starts, the answer on
/// stdout as it streams (rendered, raw or NDJSON), and Ctrl-C cancelling the turn, not the
/// program.
pub(super) async fn terminal_turn(
    ctx: &TurnContext,
    session: &Session,
    prompt: Prompt,
    opts: &TurnOptions,
    quiet: bool,
    json: bool,
    answer: Answer,
) -> Result<std::result::Result<engine::TurnOutcome, TurnError>> {
    let lease = match engine::lease::acquire(&ctx.store, &session.id).await {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    let mut user_id = None;
    let (cancel, watcher) = super::ctrl_c_token();
    let spinner = output::spinner(quiet, "waiting for Claude…");
    let mut printer = Printer {
        json,
        answer,
        broken: false,
    };
    let result = engine::run_turn(
        ctx,
        session,
        &lease,
        vec![ContentBlock::text(prompt.text)],
        opts,
        &cancel,
        &mut |ev| {
            match &ev {
                TurnEvent::UserStored(m) => user_id = Some(m.id),
                _ => spinner.finish_and_clear(),
            }
            printer.event(&ev);
        },
    )
    .await;
    // which part of the prompt was piped, for `sessions export` to fence it
    if let (Some(id), Some(from)) = (user_id, prompt.piped_from) {
        let sid = session.id.clone();
        let data = json!({"message_id": id, "from": from});
        if let Err(e) = ctx.store.append_event(&sid, PIPED_INPUT, &data).await {
            tracing::warn!("cannot note the piped part of the prompt: {e}");
        }
    }
    lease.release().await;
    watcher.abort();
    spinner.finish_and_clear();
    if matches!(result, Err(TurnError::Cancelled { .. })) {
        printer.answer.interrupted();
    }
    printer.answer.finish();
    Ok(result)
}

/// The event that says which part of a user message came from stdin: `{message_id, from}`.
pub(super) const PIPED_INPUT: &str = "piped_input";

/// Writes turn events to stdout: the answer's text, or NDJSON.
struct Printer {
    json: bool,
    answer: Answer,
    /// stdout was closed (NDJSON): stop writing, go on with the turn.
    broken: bool,
}

impl Printer {
    fn event(&mut self, ev: &TurnEvent) {
        if self.json {
            self.json_event(ev);
            return;
        }
        match ev {
            TurnEvent::Text(t) => self.answer.text(t),
            TurnEvent::ToolUse { name, input, .. } => {
                self.answer.break_line();
                super::tools::show_use(name, input);
            }
            TurnEvent::ToolResult {
                name,
                output: out,
                duration_ms,
                ..
            } => super::tools::show_result(name, out, *duration_ms),
            _ => {}
        }
    }

    fn json_event(&mut self, ev: &TurnEvent) {
        if self.broken {
            return;
        }
        let v = match ev {
            TurnEvent::Text(t) => json!({"type":"text","text":t}),
            TurnEvent::Thinking(t) => json!({"type":"thinking","text":t}),
            TurnEvent::Started { message_id, model } => {
                json!({"type":"start","message_id":message_id,"model":model})
            }
            TurnEvent::ToolUse {
                id,
                name,
                server,
                tool,
                input,
            } => {
                json!({"type":"tool_use","id":id,"name":name,"server":server,"tool":tool,"input":input})
            }
            TurnEvent::ToolResult {
                id,
                name,
                output: out,
                duration_ms,
            } => json!({
                "type":"tool_result","id":id,"name":name,"is_error":out.is_error,
                "content":out.text(),"duration_ms":duration_ms}),
            TurnEvent::UserStored(_) => return,
        };
        // a closed stdout (`| head`) must not kill the turn: the answer is still stored
        if output::print_ndjson(&v).is_err() {
            self.broken = true;
        }
    }
}
