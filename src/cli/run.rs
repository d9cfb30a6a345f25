//! `clauded run`: Claude carries out a request on a new branch, then commits, pushes, opens a PR.

use super::App;
use super::output::{self, dim, note};
use super::render::Answer;
use crate::anthropic::ContentBlock;
use crate::config::Overrides;
use crate::engine::events::{EventSink, Follower};
use crate::engine::run::{self, RepoSource, RunEnv, RunError, RunSpec};
use crate::engine::{TurnContext, TurnEvent};
use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `clauded run` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Without --repo, works on a new branch of the repository in the current directory (a dirty
working tree is refused unless --allow-dirty, which first commits your changes under your name).
With --repo, clones it into a workspace. The branch is clauded/<slug>-<8 chars of the session id>.
--pr opens a draft pull request (--ready: one ready for review) whose description starts with the
repository's pull request template when it has one.
Every run is a session: `clauded sessions show ID` replays it. --json prints the run's events as
NDJSON (the same events the server streams).")]
pub struct Args {
    /// What to do, e.g. "Add a dark mode toggle".
    pub request: String,
    /// Repository to clone: an https URL (with GITHUB_TOKEN), a path, or file:// URL.
    #[arg(long)]
    pub repo: Option<String>,
    /// Branch to start from (default: the remote's default branch, or the current one).
    #[arg(long)]
    pub base: Option<String>,
    /// Push the branch (with upstream tracking).
    #[arg(long)]
    pub push: bool,
    /// Open a pull request (implies --push); a draft unless --ready.
    #[arg(long)]
    pub pr: bool,
    /// Open the pull request ready for review instead of as a draft.
    #[arg(long, requires = "pr")]
    pub ready: bool,
    /// OWNER/REPO for the pull request when the remote is not a GitHub URL.
    #[arg(long, value_name = "OWNER/REPO")]
    pub pr_repo: Option<String>,
    /// Leave the changes uncommitted.
    #[arg(long)]
    pub no_commit: bool,
    /// Commit your uncommitted changes first (separately, under your name) instead of refusing.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Continue this run's session (id or prefix) on its branch.
    #[arg(long)]
    pub session: Option<String>,
    /// Model id.
    #[arg(short, long)]
    pub model: Option<String>,
    /// Print NDJSON events.
    #[arg(long)]
    pub json: bool,
    /// Run every tool call without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Requests to Claude, at most.
    #[arg(long, default_value_t = 40)]
    pub max_turns: u32,
    /// Print Claude's text as written, without rendering its Markdown.
    #[arg(long)]
    pub raw: bool,
    /// Do not send the repository's CLAUDE.md and AGENTS.md with the request.
    #[arg(long)]
    pub no_memory: bool,
}

/// The answer's writer, whichever task holds it (a poisoned lock still writes).
fn lock(a: &Mutex<Answer>) -> std::sync::MutexGuard<'_, Answer> {
    a.lock().unwrap_or_else(|p| p.into_inner())
}

fn bars(quiet: bool) -> run::ProgressFn {
    let show = !quiet && std::io::stderr().is_terminal();
    let map: Arc<Mutex<HashMap<String, ProgressBar>>> = Default::default();
    Arc::new(move |what: &str, p: crate::git::Progress| {
        if !show || p.total == 0 {
            return;
        }
        let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
        let bar = m.entry(what.to_owned()).or_insert_with(|| {
            let b =
                ProgressBar::with_draw_target(Some(p.total as u64), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{msg:>6} [{bar:30}] {pos}/{len} objects")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_message(what.to_owned());
            b
        });
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        if p.done >= p.total {
            bar.finish_and_clear();
        }
    })
}

fn describe(ev: &Value) -> Option<String> {
    let msg = |k: &str| ev.get(k).and_then(Value::as_str).map(str::to_owned);
    match ev["type"].as_str()? {
        "message" | "commit_progress" | "branch_created" | "pull_request" => msg("message"),
        "title_generation" if ev["status"] == "success" => {
            Some(format!("title: {}", ev["title"].as_str().unwrap_or("")))
        }
        _ => None,
    }
}

/// Runs `clauded run`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(
        &Overrides {
            model: args.model.clone(),
            ..Default::default()
        },
        g,
    )?;
    let store = app.store().await?;
    let client = app.client()?;
    let secrets = app.secrets();
    let token = crate::secrets::github_token(&app.env, &secrets)?.map(|(t, _)| t);
    let repo = match (&args.repo, &args.session) {
        (_, Some(_)) => None,
        (Some(r), None) => Some(RepoSource::Clone(
            match std::path::Path::new(r).canonicalize() {
                Ok(p) if !r.contains("://") => p.display().to_string(),
                _ => r.clone(),
            },
        )),
        (None, None) => {
            let cwd = std::env::current_dir()?;
            let repo = git2::Repository::discover(&cwd).map_err(|_| {
                Error::Usage(
                    "not inside a git repository: run it in one, or pass --repo URL".into(),
                )
            })?;
            let root = repo.workdir().ok_or_else(|| {
                Error::Usage("a bare repository has no working tree; pass --repo".into())
            })?;
            Some(RepoSource::InPlace(root.to_owned()))
        }
    };
    let pr_repo = match &args.pr_repo {
        Some(s) => Some(
            s.split_once('/')
                .map(|(o, r)| (o.to_owned(), r.to_owned()))
                .ok_or_else(|| Error::Usage("--pr-repo must be OWNER/REPO".into()))?,
        ),
        None => None,
    };
    let c = &app.config;
    let env = RunEnv {
        workspace_dir: c.workspace_dir.clone(),
        workspace_ttl: Duration::from_secs(c.workspace_ttl_hours * 3600),
        github_api: c.github_api_url.clone(),
        github_token: token,
        co_author: c.git_co_author.clone(),
        pr_repo,
        // the terminal's user names their own repositories, paths included
        remotes: crate::git::RemotePolicy::new(true, &c.github_api_url, &c.github_hosts),
        // the terminal shows the end itself
        notifier: crate::engine::notify::Notifier::off(),
        token_hint: "set GITHUB_TOKEN or run `clauded auth github`".into(),
    };
    let host = super::tools::host(&app.config);
    let policy = super::tools::tooling_policy(args.yes);
    let spec = RunSpec {
        request: vec![ContentBlock::text(args.request.clone())],
        repo,
        base: args.base.clone(),
        auto_commit: !args.no_commit,
        push: args.push || args.pr,
        pr: args.pr,
        draft: !args.ready,
        allow_dirty: args.allow_dirty,
        model: c.model.clone(),
        max_tokens: c.max_tokens,
        max_turns: args.max_turns.max(1),
        policy,
        memory: !args.no_memory,
    };
    let ctx = TurnContext {
        client,
        store: store.clone(),
        source: "run".into(),
    };
    let existing = match &args.session {
        Some(id) => {
            let id = id.clone();
            Some(store.resolve_session(&id).await?.id)
        }
        None => None,
    };
    let cwd = std::env::current_dir().ok();
    let project = match cwd {
        Some(d) => store.project_for_dir(&d).await?.map(|p| p.id),
        None => None,
    };
    let session = run::open_session(&ctx, existing.as_deref(), &spec.model, project)
        .await
        .map_err(|e| Error::Usage(e.to_string()))?;
    // the run's own events, as stored, printed as they come (new ones only)
    let after = Some(store.last_event_id(&session.id).await?);
    let mut events = Follower::new(&store, &session.id, after);
    let finished = tokio_util::sync::CancellationToken::new();
    let sink = EventSink::new(store.clone(), &session.id);
    let json_mode = args.json;
    // Claude's text (stdout) and the run's status lines (stderr) share the terminal: a status
    // line first ends the text's line
    let answer = Arc::new(Mutex::new(Answer::new(args.raw, true)));
    let printer = tokio::spawn({
        let (answer, finished) = (answer.clone(), finished.clone());
        async move {
            loop {
                // once the run is over, what it stored last is read once more, then no wait
                let done = finished.is_cancelled();
                let wait = if done {
                    std::time::Duration::ZERO
                } else {
                    std::time::Duration::from_millis(500)
                };
                let batch = events.next(wait).await.unwrap_or_default();
                for ev in batch {
                    let event = ev.value();
                    if json_mode {
                        let mut v = event;
                        v["id"] = json!(ev.id);
                        let _ = output::print_ndjson(&v);
                    } else if let Some(line) = describe(&event) {
                        lock(&answer).break_line();
                        eprintln!("{}", dim(&line));
                    }
                }
                if done {
                    return;
                }
            }
        }
    });
    if !json_mode {
        note(
            quiet,
            &format!("run {} · {}", output::short(&session.id), spec.model),
        );
    }
    let (cancel, watcher) = super::ctrl_c_token();
    let mut on_event = |ev: TurnEvent| {
        if json_mode {
            return;
        }
        match ev {
            TurnEvent::Text(t) => lock(&answer).text(&t),
            TurnEvent::ToolUse { name, input, .. } => {
                lock(&answer).break_line();
                super::tools::show_use(&name, &input);
            }
            TurnEvent::ToolResult {
                name,
                output,
                duration_ms,
                ..
            } => super::tools::show_result(&name, &output, duration_ms),
            _ => {}
        }
    };
    let lease = match crate::engine::lease::acquire(&ctx.store, &session.id).await {
        Ok(l) => l,
        Err(e) => return Err(Error::Busy(e.to_string())),
    };
    let result = run::run(
        &ctx,
        &sink,
        &session,
        &lease,
        &spec,
        &env,
        &host,
        &cancel,
        bars(quiet || json_mode),
        &mut on_event,
    )
    .await;
    lease.release().await;
    watcher.abort();
    finished.cancel();
    let _ = printer.await;
    host.shutdown().await;
    lock(&answer).finish();
    match result {
        Ok(sum) => {
            if json_mode {
                return Ok(());
            }
            let mut out = std::io::stdout().lock();
            if sum.branch_deleted {
                writeln!(
                    out,
                    "\nbranch   none: nothing changed, so {} was deleted and {} is checked out again",
                    sum.branch, sum.base
                )?;
            } else {
                writeln!(out, "\nbranch   {} (from {})", sum.branch, sum.base)?;
            }
            match &sum.commit {
                Some(c) => writeln!(
                    out,
                    "commit   {} ({}: {})",
                    &c[..c.len().min(10)],
                    output::count(sum.files_changed.len(), "file", "files"),
                    sum.files_changed.join(", ")
                )?,
                None => writeln!(
                    out,
                    "commit   none ({})",
                    if spec.auto_commit {
                        "no changes"
                    } else {
                        "--no-commit"
                    }
                )?,
            }
            writeln!(
                out,
                "push     {}",
                if sum.pushed {
                    "pushed with upstream tracking"
                } else {
                    "not pushed (use --push)"
                }
            )?;
            if let Some(u) = &sum.pr_url {
                writeln!(out, "pr       {u}")?;
            }
            writeln!(
                out,
                "usage    {}",
                output::usage_line(&sum.usage, sum.cost_usd)
            )?;
            writeln!(
                out,
                "session  {} (clauded sessions show {})",
                sum.session_id,
                output::short(&sum.session_id)
            )?;
            Ok(())
        }
        Err(RunError::Refused(m)) => {
            // refused before it started (a dirty tree): a new run leaves no empty session
            if existing.is_none() {
                let sid = session.id.clone();
                if let Err(e) = store.delete_session(&sid).await {
                    tracing::warn!("cannot remove the refused run's session: {e}");
                }
            }
            Err(Error::Usage(m))
        }
        Err(RunError::Stopped) => Err(Error::Interrupted),
        Err(RunError::Failed(m)) => Err(Error::Other(format!(
            "the run failed: {m} (session {})",
            output::short(&session.id)
        ))),
    }
}
