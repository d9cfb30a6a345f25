//! `clauded chat`: an interactive conversation with line editing, history and slash commands.

use super::App;
use super::ask::terminal_turn;
use super::output::{self, dim, note};
use crate::anthropic::Role;
use crate::config::Overrides;
use crate::engine::memory::Memory;
use crate::engine::{TurnContext, TurnError, TurnOptions};
use crate::error::{Error, Result};
use crate::store::{NewSession, Session, SessionFilter, SessionUpdate, Store};
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

/// `clauded chat` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Inside the chat: /help, /model [NAME], /system [TEXT|-], /retry, /clear, /sessions, /search WORDS,
/memory, /resume ID, /exit.
Ctrl-C stops the answer being written (what arrived is kept); Ctrl-D or /exit leaves.")]
pub struct Args {
    /// Resume this session (id or unique prefix).
    #[arg(short, long, conflicts_with = "continue_latest")]
    pub resume: Option<String>,
    /// Resume the most recent session.
    #[arg(short = 'c', long = "continue")]
    pub continue_latest: bool,
    /// Model id.
    #[arg(short, long)]
    pub model: Option<String>,
    /// System prompt.
    #[arg(short, long)]
    pub system: Option<String>,
    /// Output token limit.
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Print answers as written, without rendering their Markdown (as when stdout is not a
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

const HELP: &str = "\
/help            this list
/model [NAME]    show or change the model
/system [TEXT]   show or set the system prompt (/system - clears it)
/retry           send the last prompt again when its turn failed
/clear           start a new session
/sessions        recent sessions
/search WORDS    search every stored message, newest first
/memory          the CLAUDE.md and AGENTS.md sent with every request
/resume ID       switch to another session
/exit            leave (Ctrl-D works too)";

struct Chat {
    app: App,
    store: Store,
    ctx: TurnContext,
    session: Option<Session>,
    model: String,
    system: Option<String>,
    quiet: bool,
    tool_args: super::tools::ToolArgs,
    host: std::sync::Arc<crate::engine::tools::ToolHost>,
    announced: Option<String>,
    raw: bool,
    /// The project memory, read at the start (`--no-memory`: none).
    memory: Memory,
}

/// Runs `clauded chat`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(
        &Overrides {
            max_tokens: args.max_tokens,
            ..Default::default()
        },
        g,
    )?;
    let client = app.client()?;
    let store = app.store().await?;
    let session = if let Some(id) = &args.resume {
        let id = id.clone();
        Some(store.resolve_session(&id).await?)
    } else if args.continue_latest {
        Some(
            store
                .latest_session()
                .await?
                .ok_or_else(|| Error::Usage("no session to continue yet".into()))?,
        )
    } else {
        None
    };
    let model = args
        .model
        .clone()
        .or_else(|| session.as_ref().map(|s| s.model.clone()))
        .unwrap_or_else(|| app.config.model.clone());
    let system = args
        .system
        .clone()
        .or_else(|| session.as_ref().and_then(|s| s.system_prompt.clone()))
        .or_else(|| app.config.system.clone());
    let ctx = TurnContext {
        client,
        store: store.clone(),
        source: "cli".into(),
    };
    let host = super::tools::host(&app.config);
    let memory = super::memory(args.no_memory).await?;
    let mut chat = Chat {
        app,
        store,
        ctx,
        session,
        model,
        system,
        quiet,
        tool_args: args.tools.clone(),
        host,
        announced: None,
        raw: args.raw,
        memory,
    };
    let r = chat.repl().await;
    chat.host.shutdown().await;
    r
}

impl Chat {
    async fn repl(&mut self) -> Result<()> {
        let mut rl = DefaultEditor::new()
            .map_err(|e| Error::Other(format!("cannot start line editing: {e}")))?;
        let history = self.app.config.paths.history_file();
        if let Some(dir) = history.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.load_history(&history);
        self.banner().await?;
        loop {
            let line = tokio::task::block_in_place(|| rl.readline("› "));
            let line = match line {
                Ok(l) => l,
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(Error::Other(format!("cannot read input: {e}"))),
            };
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            let _ = rl.add_history_entry(text);
            let _ = rl.save_history(&history);
            if let Some(cmd) = text.strip_prefix('/') {
                match self.command(cmd).await {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(e) => {
                        super::report(&e);
                        continue;
                    }
                }
            }
            if let Err(e) = self.turn(text.to_owned()).await {
                super::report(&e);
            }
        }
        Ok(())
    }

    async fn banner(&self) -> Result<()> {
        let what = match &self.session {
            Some(s) => format!(
                "resuming {} ({} messages)",
                output::short(&s.id),
                s.message_count
            ),
            None => "new session".to_owned(),
        };
        let memory = match self.memory.files.len() {
            0 => String::new(),
            n => format!(" · memory: {} (/memory)", output::count(n, "file", "files")),
        };
        note(
            self.quiet,
            &format!(
                "clauded chat · {} · {what}{memory} · /help for commands, Ctrl-D to leave",
                self.model
            ),
        );
        if let Some(s) = &self.session {
            let id = s.id.clone();
            let msgs = self.store.messages(&id).await?;
            for m in msgs
                .iter()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                let who = if m.role == Role::Assistant {
                    "claude"
                } else {
                    "you"
                };
                let text = m.text();
                let text: String = text.chars().take(400).collect();
                eprintln!("{}", dim(&format!("{who}: {}", text.trim())));
            }
        }
        Ok(())
    }

    /// Handles a slash command; false means leave.
    async fn command(&mut self, cmd: &str) -> Result<bool> {
        let (name, arg) = match cmd.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (cmd, ""),
        };
        match name {
            "exit" | "quit" | "q" => return Ok(false),
            "help" | "?" => eprintln!("{HELP}"),
            "model" if arg.is_empty() => eprintln!("model: {}", self.model),
            "model" => {
                self.model = arg.to_owned();
                self.save_settings().await?;
                note(false, &format!("model set to {arg}"));
            }
            "system" if arg.is_empty() => eprintln!(
                "system prompt: {}",
                self.system.as_deref().unwrap_or("(none)")
            ),
            "system" => {
                self.system = (arg != "-").then(|| arg.to_owned());
                self.save_settings().await?;
                note(
                    false,
                    if arg == "-" {
                        "system prompt cleared"
                    } else {
                        "system prompt set"
                    },
                );
            }
            "retry" => {
                let Some(text) = self.failed_prompt().await? else {
                    return Err(Error::Usage(
                        "nothing to retry: the last prompt of this session was answered".into(),
                    ));
                };
                Box::pin(self.turn(text)).await?;
            }
            "clear" | "new" => {
                self.session = None;
                note(false, "new session");
            }
            "sessions" => {
                let list = self
                    .store
                    .sessions(&SessionFilter {
                        limit: Some(10),
                        ..Default::default()
                    })
                    .await?;
                let all = self.store.session_ids().await?;
                let len = output::unique_len(list.iter().map(|s| s.id.as_str()), &all);
                for s in list {
                    let mark = if self.session.as_ref().is_some_and(|c| c.id == s.id) {
                        "*"
                    } else {
                        " "
                    };
                    eprintln!(
                        "{mark} {}  {}  {:>3} msgs  {}",
                        output::prefix(&s.id, len),
                        output::when(&s.updated_at),
                        s.message_count,
                        s.title
                    );
                }
            }
            "memory" => {
                if self.memory.is_empty() {
                    eprintln!(
                        "no memory files: CLAUDE.md or AGENTS.md in the repository's root or this folder are sent with every request"
                    );
                }
                for f in &self.memory.files {
                    let cut = if f.truncated { ", cut at 64 KiB" } else { "" };
                    eprintln!("{} ({} bytes{cut})", f.path.display(), f.text.len());
                }
            }
            "search" if arg.is_empty() => {
                return Err(Error::Usage("/search WORDS: what to look for".into()));
            }
            "search" => {
                let (found, all) = super::sessions::search(&self.store, arg.to_owned(), 10).await?;
                let mut err = std::io::stderr().lock();
                let width = output::stderr_width().filter(|_| output::stderr_styled());
                super::sessions::print_hits(&found, &all, &mut err, width)?;
                note(
                    false,
                    &format!(
                        "{}; /resume ID opens one",
                        super::sessions::summary(&found, arg)
                    ),
                );
            }
            "resume" if !arg.is_empty() => {
                let id = arg.to_owned();
                let s = self.store.resolve_session(&id).await?;
                self.model = s.model.clone();
                self.system = s.system_prompt.clone();
                self.session = Some(s);
                self.banner().await?;
            }
            _ => {
                return Err(Error::Usage(format!(
                    "unknown command /{name}; /help lists them"
                )));
            }
        }
        Ok(true)
    }

    /// The text of the session's last message when it is a prompt whose turn failed.
    async fn failed_prompt(&self) -> Result<Option<String>> {
        let Some(s) = &self.session else {
            return Ok(None);
        };
        let id = s.id.clone();
        let msgs = self.store.messages(&id).await?;
        Ok(msgs
            .last()
            .filter(|m| m.unanswered)
            .map(|m| m.text())
            .filter(|t| !t.is_empty()))
    }

    async fn save_settings(&mut self) -> Result<()> {
        if let Some(s) = &self.session {
            let (id, up) = (
                s.id.clone(),
                SessionUpdate {
                    model: Some(self.model.clone()),
                    system_prompt: Some(self.system.clone()),
                    ..Default::default()
                },
            );
            self.session = Some(self.store.update_session(&id, &up).await?);
        }
        Ok(())
    }

    async fn turn(&mut self, text: String) -> Result<()> {
        let session = match &self.session {
            Some(s) => s.clone(),
            None => {
                let (model, system) = (self.model.clone(), self.system.clone());
                let cwd = std::env::current_dir().ok();
                let project = match cwd {
                    Some(d) => self.store.project_for_dir(&d).await?,
                    None => None,
                };
                let s = self
                    .store
                    .create_session(&NewSession {
                        project_id: project.map(|p| p.id),
                        model,
                        system_prompt: system,
                        source: "cli".into(),
                        ..Default::default()
                    })
                    .await?;
                self.session = Some(s.clone());
                s
            }
        };
        let opts = TurnOptions {
            model: self.model.clone(),
            system: self.system.clone(),
            max_tokens: self.app.config.max_tokens,
            stream: true,
            history: None,
            tooling: super::tools::tooling(
                &self.store,
                &session.id,
                &self.tool_args,
                &self.host,
                !self.quiet && self.announced.as_deref() != Some(session.id.as_str()),
            )
            .await?,
            record_events: true,
            memory: self.memory.prompt(),
            release_with_answer: true,
        };
        self.announced = Some(session.id.clone());
        let answer = super::render::Answer::new(self.raw, true);
        let prompt = super::ask::Prompt {
            text,
            piped_from: None,
        };
        // what is typed while the answer is written waits, unshown, for the next prompt
        let quiet_keys = super::tty::EchoOff::on_stdin();
        let result = terminal_turn(
            &self.ctx, &session, prompt, &opts, self.quiet, false, answer,
        )
        .await;
        drop(quiet_keys);
        let result = result?;
        let id = session.id.clone();
        self.session = Some(self.store.session(&id).await?);
        match result {
            Ok(o) => {
                let total = self
                    .session
                    .as_ref()
                    .map(|s| s.total_cost)
                    .unwrap_or_default();
                note(
                    self.quiet,
                    &format!(
                        "{} · session {}",
                        output::usage_line(&o.usage, o.cost_usd),
                        output::money(total)
                    ),
                );
                Ok(())
            }
            Err(TurnError::Cancelled { .. }) => {
                // the terminal has echoed the ^C itself
                note(false, "answer stopped; what arrived is saved");
                Ok(())
            }
            Err(TurnError::Upstream { error, .. }) => Err(Error::Upstream(error)),
            Err(TurnError::Store(e)) => Err(e.into()),
            Err(e @ TurnError::Busy { .. }) => Err(Error::Busy(e.to_string())),
        }
    }
}
