//! A run: a request carried out by Claude in a git repository. Clone (or the current repo), a
//! titled branch, the agent loop with the built-in filesystem and bash tools, a commit with a
//! generated message, push, pull request; every step an event stored and broadcast.

use super::events::EventSink;
use super::lease::SessionLease;
use super::naming::{commit_message, generate_title, local_slug};
use super::notify::{Notifier, Work};
use super::tools::{Policy, ToolHost};
use super::turn::{Tooling, TurnContext, TurnError, TurnEvent, TurnOptions, run_turn};
use crate::anthropic::{ContentBlock, Usage, text_of};
use crate::git;
use crate::github::{GitHub, NewPullRequest};
use crate::store::{NewSession, Session, SessionUpdate};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Where the code comes from.
#[derive(Debug, Clone)]
pub enum RepoSource {
    /// Clone this URL or path into the run's workspace.
    Clone(String),
    /// Work in this existing repository, on a new branch.
    InPlace(PathBuf),
}

/// What to do.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The request (text, images).
    pub request: Vec<ContentBlock>,
    /// The repository; None for a follow-up (taken from the session).
    pub repo: Option<RepoSource>,
    /// The base branch (default: the remote's default branch, or the current one in place).
    pub base: Option<String>,
    /// Commit the changes.
    pub auto_commit: bool,
    /// Push the branch.
    pub push: bool,
    /// Open a pull request (needs push).
    pub pr: bool,
    /// Open it as a draft (runs do, unless asked for one ready for review).
    pub draft: bool,
    /// In place: commit the user's uncommitted changes first instead of refusing.
    pub allow_dirty: bool,
    /// The model.
    pub model: String,
    /// Output limit per request.
    pub max_tokens: u32,
    /// Requests to Claude, at most.
    pub max_turns: u32,
    /// Who approves tools that ask.
    pub policy: Policy,
    /// Send the working tree's `CLAUDE.md` and `AGENTS.md` with the request.
    pub memory: bool,
}

/// Where and with what credentials runs work.
#[derive(Debug, Clone)]
pub struct RunEnv {
    /// Workspaces are `<dir>/<session id>`.
    pub workspace_dir: PathBuf,
    /// Workspaces older than this are removed when a run starts.
    pub workspace_ttl: Duration,
    /// GitHub's API base.
    pub github_api: String,
    /// The token for HTTPS git and the GitHub API.
    pub github_token: Option<String>,
    /// `Name <email>` for a `Co-authored-by:` trailer, when configured.
    pub co_author: Option<String>,
    /// `owner/repo` for pull requests when the remote is not a GitHub URL.
    pub pr_repo: Option<(String, String)>,
    /// Which repositories may be cloned and where the token may go.
    pub remotes: git::RemotePolicy,
    /// Says when the run ends (done or failed; a stopped run says nothing).
    pub notifier: Notifier,
    /// How the person fixes a missing or refused GitHub token, from where they are (the
    /// terminal's variable, the server's, a user's connected account).
    pub token_hint: String,
}

/// What a finished run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunSummary {
    /// The session.
    pub session_id: String,
    /// The title.
    pub title: String,
    /// The run's branch.
    pub branch: String,
    /// The branch was deleted again: the run changed nothing and the checkout is back on `base`.
    pub branch_deleted: bool,
    /// Where it started from.
    pub base: String,
    /// The commit made, if any.
    pub commit: Option<String>,
    /// Files changed.
    pub files_changed: Vec<String>,
    /// Whether the branch was pushed.
    pub pushed: bool,
    /// The pull request, if any.
    pub pr_url: Option<String>,
    /// Tokens over the run.
    pub usage: Usage,
    /// Dollars over the run.
    pub cost_usd: f64,
}

/// A failed run; the `error` event is already stored and the session's status is `error`.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The request cannot start (dirty tree, not a repository, missing repo).
    #[error("{0}")]
    Refused(String),
    /// It started and failed.
    #[error("{0}")]
    Failed(String),
    /// Stopped by abort or interrupt.
    #[error("the run was stopped")]
    Stopped,
}

/// Creates the run's session (or loads a follow-up's); [`run`] marks it running once it holds
/// the lease.
pub async fn open_session(
    ctx: &TurnContext,
    session_id: Option<&str>,
    model: &str,
    project_id: Option<String>,
) -> Result<Session, RunError> {
    match session_id {
        Some(id) => ctx.store.session(id).await,
        None => {
            ctx.store
                .create_session(&NewSession {
                    project_id,
                    model: model.to_owned(),
                    source: "run".into(),
                    ..Default::default()
                })
                .await
        }
    }
    .map_err(|e| RunError::Refused(e.to_string()))
}

/// A session's GitHub repository as `(owner, name)`: from its repository's GitHub URL, else
/// the `repositoryOwner` and `repositoryName` a code session was made with.
pub fn github_repo_of(meta: &Value) -> Option<(String, String)> {
    let named = |k: &str| {
        meta[k]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    meta["repoUrl"]
        .as_str()
        .and_then(git::github_repo)
        .or_else(|| Some((named("repositoryOwner")?, named("repositoryName")?)))
}

/// How long a deleted session's branch deletion may take before the delete answers anyway.
const BRANCH_DELETE_TIMEOUT: Duration = Duration::from_secs(10);

/// What ends a run's branch name: the session id's first 8 letters and digits.
fn branch_suffix(session_id: &str) -> String {
    session_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect()
}

/// Whether a session's branch is one its own run made: the run notes `branchMade`; a run
/// from before that note named its branch `clauded/<slug>-<the id's first 8 letters and
/// digits>`. A branch a client only named (a code session's, perhaps one other work is on)
/// is not the session's to delete.
pub fn branch_is_the_runs(session_id: &str, meta: &Value) -> bool {
    let Some(branch) = meta["branch"].as_str() else {
        return false;
    };
    if meta["branchMade"] == json!(true) {
        return true;
    }
    let suffix = branch_suffix(session_id);
    meta["workspace"].as_str().is_some_and(|w| !w.is_empty())
        && branch.starts_with("clauded/")
        && branch.ends_with(&format!("-{suffix}"))
}

/// Deletes a session's run branch on GitHub, as WebEDT does when a session is deleted: the
/// `branch` of `meta` in the session's GitHub repository, with `token` (the caller's). Nothing
/// is asked without a token, a GitHub repository or a branch, for the branch the work
/// started from, or for a branch the session's run did not make. Best effort: a branch
/// already gone is fine, any other failure is logged.
pub async fn delete_run_branch(
    session_id: &str,
    meta: &Value,
    github_api: &str,
    hosts: &git::TokenHosts,
    token: Option<&str>,
) {
    let branch = meta["branch"].as_str().filter(|b| !b.is_empty());
    let (Some(token), Some((owner, repo)), Some(branch)) = (token, github_repo_of(meta), branch)
    else {
        return;
    };
    if meta["baseBranch"].as_str() == Some(branch) || !branch_is_the_runs(session_id, meta) {
        return;
    }
    let gh = GitHub::new(github_api, token, hosts);
    match tokio::time::timeout(
        BRANCH_DELETE_TIMEOUT,
        gh.delete_branch(&owner, &repo, branch),
    )
    .await
    {
        Ok(Ok(crate::github::BranchDeletion::Deleted)) => {
            tracing::info!("deleted the branch {branch} of {owner}/{repo}");
        }
        Ok(Ok(crate::github::BranchDeletion::AlreadyGone)) => {}
        Ok(Err(e)) => tracing::warn!("cannot delete the branch {branch} of {owner}/{repo}: {e}"),
        Err(_) => tracing::warn!(
            "cannot delete the branch {branch} of {owner}/{repo}: GitHub did not answer in {}s",
            BRANCH_DELETE_TIMEOUT.as_secs()
        ),
    }
}

/// [`delete_run_branch`] for sessions deleted together, four at a time.
pub async fn delete_run_branches(
    sessions: &[(String, Value)],
    github_api: &str,
    hosts: &git::TokenHosts,
    token: Option<&str>,
) {
    use futures_util::StreamExt;
    futures_util::stream::iter(sessions)
        .for_each_concurrent(4, |(id, meta)| {
            delete_run_branch(id, meta, github_api, hosts, token)
        })
        .await;
}

/// Removes workspaces older than `ttl` (best effort).
pub fn sweep_workspaces(dir: &Path, ttl: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ttl);
        if old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// `1 file`, `2 files`.
fn files(n: usize) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}

/// A run's pull request description: the repository's template first, when it has one, then
/// the request and where it came from.
fn pr_body(template: Option<&str>, request: &str, session_id: &str) -> String {
    let ours = format!("{request}\n\n---\nMade with clauded (session `{session_id}`).");
    match template {
        Some(t) => format!("{t}\n\n{ours}"),
        None => ours,
    }
}

/// Git work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> git::Result<T> + Send + 'static,
) -> git::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| git::Error::Git(format!("the git task failed: {e}")))?
}

/// Why a clone or push failed, with how to fix a refused token where that was the cause
/// (each front end knows where its token comes from).
fn git_failure(e: &git::Error, env: &RunEnv) -> String {
    match e {
        git::Error::Auth(_) => format!("{e}; {}", env.token_hint),
        _ => e.to_string(),
    }
}

/// Network progress, reported to the front end (bars in the terminal).
pub type ProgressFn = Arc<dyn Fn(&str, git::Progress) + Send + Sync>;

/// Carries out a run on an open session. Emits `input_preview`, `title_generation`,
/// `branch_created`, `session_name`, the agent's `assistant`/`tool_result`/`result`,
/// `commit_progress` stages and `completed`, or `error`.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    ctx: &TurnContext,
    sink: &EventSink,
    session: &Session,
    lease: &SessionLease,
    spec: &RunSpec,
    env: &RunEnv,
    host: &Arc<ToolHost>,
    cancel: &CancellationToken,
    progress: ProgressFn,
    on_event: &mut (dyn FnMut(TurnEvent) + Send),
) -> Result<RunSummary, RunError> {
    let _in_flight = crate::metrics::InFlight::start(crate::metrics::Kind::Run);
    let sid = session.id.clone();
    let result = match ctx.store.set_session_status(&sid, "running").await {
        Ok(_) => {
            run_inner(
                ctx, sink, session, lease, spec, env, host, cancel, progress, on_event,
            )
            .await
        }
        Err(e) => Err(RunError::Failed(e.to_string())),
    };
    let (status, event) = match &result {
        Ok(sum) => (
            "completed",
            json!({"type": "completed", "websiteSessionId": session.id, "completed": true, "branch": sum.branch, "branchDeleted": sum.branch_deleted,
                   "baseBranch": sum.base, "totalCost": sum.cost_usd, "commit": sum.commit, "filesChanged": sum.files_changed,
                   "pushed": sum.pushed, "prUrl": sum.pr_url}),
        ),
        Err(RunError::Stopped) => (
            "error",
            json!({"type": "error", "error": "the run was stopped", "stopped": true}),
        ),
        Err(e) => ("error", json!({"type": "error", "error": e.to_string()})),
    };
    let _ = sink.emit(event).await;
    let sid = session.id.clone();
    let _ = ctx.store.set_session_status(&sid, status).await;
    if env.notifier.is_on() && !matches!(result, Err(RunError::Stopped)) {
        let (store, notifier, ok) = (ctx.store.clone(), env.notifier.clone(), result.is_ok());
        let fallback = session.title.clone();
        // its own task: the run's end (and its lease) never waits for the title's read
        tokio::spawn(async move {
            // the title the run gave itself, stored by now
            let title = store.session(&sid).await.map_or(fallback, |s| s.title);
            notifier.finished(Work::Run, &title, ok);
        });
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn run_inner(
    ctx: &TurnContext,
    sink: &EventSink,
    session: &Session,
    lease: &SessionLease,
    spec: &RunSpec,
    env: &RunEnv,
    host: &Arc<ToolHost>,
    cancel: &CancellationToken,
    progress: ProgressFn,
    on_event: &mut (dyn FnMut(TurnEvent) + Send),
) -> Result<RunSummary, RunError> {
    let emit = |v: Value| async move {
        sink.emit(v)
            .await
            .map_err(|e| RunError::Failed(e.to_string()))
    };
    let request = text_of(&spec.request);
    let images = spec
        .request
        .iter()
        .filter(|b| matches!(b, ContentBlock::Image { .. }))
        .count();
    let preview: String = request.chars().take(200).collect();
    emit(json!({"type": "input_preview", "message": format!("Request received: {preview}"), "source": "user",
        "data": {"preview": preview, "originalLength": request.chars().count(), "truncated": request.chars().count() > 200, "images": images}}))
    .await?;

    let sid = session.id.clone();
    let meta = ctx
        .store
        .session_metadata(&sid)
        .await
        .map_err(|e| RunError::Failed(e.to_string()))?;
    // a session that ran has its working tree; a code session names a branch before any run
    let follow_up = meta
        .get("workspace")
        .and_then(Value::as_str)
        .is_some_and(|w| !w.is_empty());
    let token = env.github_token.clone();

    // every front end's URL passes here, whatever it checked before
    if let (Some(RepoSource::Clone(url)), false) = (&spec.repo, follow_up) {
        env.remotes.check(url).map_err(RunError::Refused)?;
    }
    // the working tree
    let (workdir, repo_url, in_place) = match (&spec.repo, follow_up) {
        (Some(RepoSource::InPlace(p)), _) => (p.clone(), p.display().to_string(), true),
        // the folder is named here, never after an id a client may have chosen
        (Some(RepoSource::Clone(url)), false) => (
            env.workspace_dir
                .join(uuid::Uuid::new_v4().simple().to_string())
                .join("repo"),
            url.clone(),
            false,
        ),
        (_, true) => (
            PathBuf::from(meta["workspace"].as_str().unwrap_or_default()),
            meta["repoUrl"].as_str().unwrap_or_default().to_owned(),
            meta["inPlace"].as_bool().unwrap_or(false),
        ),
        (None, false) => {
            return Err(RunError::Refused(
                "a new run needs a repository (github.repoUrl / --repo)".into(),
            ));
        }
    };
    let base_wanted = spec
        .base
        .clone()
        .or_else(|| meta["baseBranch"].as_str().map(str::to_owned));

    if in_place && !follow_up {
        let (wd, allow_dirty) = (workdir.clone(), spec.allow_dirty);
        let dirty = blocking(move || {
            let repo = git2::Repository::open(&wd)?;
            let files = git::changed_files(&repo)?;
            if !files.is_empty() && allow_dirty {
                let sig = git::signature(&repo, ("clauded", "clauded@localhost"))?;
                git::commit_all(&repo, "Save work in progress before clauded run", &sig)?;
                return Ok(vec![]);
            }
            Ok(files)
        })
        .await
        .map_err(|e| {
            RunError::Refused(format!(
                "{} is not a usable git repository: {e}",
                workdir.display()
            ))
        })?;
        if !dirty.is_empty() {
            return Err(RunError::Refused(format!(
                "the working tree has uncommitted changes ({}): commit or stash them, or pass --allow-dirty",
                files(dirty.len())
            )));
        }
    } else if !workdir.join(".git").exists() {
        sweep_workspaces(&env.workspace_dir, env.workspace_ttl);
        emit(json!({"type": "message", "stage": "cloning", "message": format!("Cloning {}", git::redact_url(&repo_url))})).await?;
        if let Some(parent) = workdir.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| RunError::Failed(format!("cannot make the workspace: {e}")))?;
        }
        let (url, wd, base, tok, hosts, p) = (
            repo_url.clone(),
            workdir.clone(),
            base_wanted.clone(),
            token.clone(),
            env.remotes.token_hosts.clone(),
            progress.clone(),
        );
        blocking(move || {
            git::clone(
                &url,
                &wd,
                base.as_deref(),
                tok.as_deref(),
                &hosts,
                &mut |pr| p("clone", pr),
            )
            .map(|_| ())
        })
        .await
        .map_err(|e| RunError::Failed(format!("clone failed: {}", git_failure(&e, env))))?;
        emit(json!({"type": "message", "stage": "cloned", "message": "Repository cloned"})).await?;
    }

    // title and branch (new runs only)
    let (title, branch, base) = if follow_up {
        let branch = meta["branch"].as_str().unwrap_or_default().to_owned();
        if in_place {
            // the user may have switched away, or the first run changed nothing and its
            // branch is gone: a follow-up works on the run's branch, never on another one
            let (wd, br) = (workdir.clone(), branch.clone());
            blocking(move || git::ensure_branch(&git2::Repository::open(&wd)?, &br))
                .await
                .map_err(|e| {
                    RunError::Refused(format!("cannot check out the run's branch {branch}: {e}"))
                })?;
        }
        (
            session.title.clone(),
            branch,
            meta["baseBranch"].as_str().unwrap_or_default().to_owned(),
        )
    } else {
        emit(json!({"type": "title_generation", "method": "claude", "status": "trying"})).await?;
        let (title, slug) = match generate_title(ctx, &spec.model, &request).await {
            Some((t, s)) => {
                emit(json!({"type": "title_generation", "method": "claude", "status": "success", "title": t, "branch_name": s})).await?;
                (t, s)
            }
            None => {
                let slug = local_slug(&request);
                let title = super::turn::title_from(&request);
                emit(json!({"type": "title_generation", "method": "local", "status": "success", "title": title, "branch_name": slug})).await?;
                (title, slug)
            }
        };
        let branch = format!("clauded/{slug}-{}", branch_suffix(&session.id));
        let (wd, br) = (workdir.clone(), branch.clone());
        let base = blocking(move || {
            let repo = git2::Repository::open(&wd)?;
            let base = git::current_branch(&repo)?;
            git::create_branch(&repo, &br)?;
            Ok(base)
        })
        .await
        .map_err(|e| RunError::Failed(format!("cannot create the branch: {e}")))?;
        let session_path = {
            let (o, r) = git::github_repo(&repo_url).unwrap_or_else(|| {
                let name = Path::new(repo_url.trim_end_matches('/').trim_end_matches(".git"))
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                ("local".into(), name)
            });
            super::naming::session_path(&o, &r, &branch)
        };
        emit(json!({"type": "branch_created", "message": format!("Created branch {branch}"), "data": {"branchName": branch, "baseBranch": base, "sessionPath": session_path}})).await?;
        emit(json!({"type": "session_name", "sessionName": title, "data": {"sessionName": title, "branchName": branch}})).await?;
        // branchMade: this branch is the run's own, for a delete of the session to remove
        let patch = json!({"repoUrl": git::redact_url(&repo_url), "workspace": workdir, "inPlace": in_place, "baseBranch": base, "branch": branch, "branchMade": true, "sessionPath": session_path});
        ctx.store
            .update_session(
                &session.id,
                &SessionUpdate {
                    title: Some(title.clone()),
                    metadata: Some(patch),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| RunError::Failed(e.to_string()))?;
        (title, branch, base)
    };

    // the agent
    let servers = async {
        Ok::<_, crate::store::Error>(vec![
            ctx.store.mcp_server(crate::builtin::FILESYSTEM).await?,
            ctx.store.mcp_server(crate::builtin::BASH).await?,
        ])
    }
    .await
    .map_err(|e| RunError::Failed(e.to_string()))?;
    let set = host.tool_set(&servers, &workdir).await;
    let opts = TurnOptions {
        model: spec.model.clone(),
        system: Some(format!(
            "You are making a change to a git repository on branch {branch}. Use the filesystem and bash tools; paths are relative to the repository root. \
             Make the change the user asks for, check it when you can, and finish with a short summary. Do not commit or push: that happens after you finish."
        )),
        max_tokens: spec.max_tokens,
        stream: true,
        history: None,
        tooling: Some(Tooling {
            set: Arc::new(set),
            host: host.clone(),
            policy: spec.policy.clone(),
            max_turns: spec.max_turns,
        }),
        // the run records richer events of its own
        record_events: false,
        // the repository's own instructions, from the run's working tree
        memory: spec
            .memory
            .then(|| super::memory::Memory::load(&workdir).prompt())
            .flatten(),
        // the run still writes after its turn (commit, push, its end)
        release_with_answer: false,
    };
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let writer = {
        let sink = sink.clone();
        tokio::spawn(async move {
            while let Some(v) = rx.recv().await {
                let _ = sink.emit(v).await;
            }
        })
    };
    let mut text = String::new();
    let flush = |text: &mut String, tx: &tokio::sync::mpsc::UnboundedSender<Value>| {
        if !text.is_empty() {
            let _ = tx.send(json!({"type": "assistant", "source": "claude", "message": {"role": "assistant", "content": [{"type": "text", "text": std::mem::take(text)}]}}));
        }
    };
    let turn = {
        let mut forward = |ev: TurnEvent| {
            match &ev {
                TurnEvent::Text(t) => text.push_str(t),
                TurnEvent::ToolUse {
                    id, name, input, ..
                } => {
                    flush(&mut text, &tx);
                    let _ = tx.send(json!({"type": "assistant", "source": "claude", "message": {"role": "assistant", "content": [{"type": "tool_use", "id": id, "name": name, "input": input}]}}));
                }
                TurnEvent::ToolResult {
                    id,
                    name,
                    output,
                    duration_ms,
                } => {
                    let _ = tx.send(json!({"type": "tool_result", "source": "claude", "tool_use_id": id, "name": name,
                        "content": output.text(), "is_error": output.is_error, "duration_ms": duration_ms}));
                }
                _ => {}
            }
            on_event(ev);
        };
        // the title was just set: the turn must see it, not name the session again
        let sid = session.id.clone();
        let fresh = ctx
            .store
            .session(&sid)
            .await
            .map_err(|e| RunError::Failed(e.to_string()))?;
        run_turn(
            ctx,
            &fresh,
            lease,
            spec.request.clone(),
            &opts,
            cancel,
            &mut forward,
        )
        .await
    };
    flush(&mut text, &tx);
    drop(tx);
    let _ = writer.await;
    let outcome = match turn {
        Ok(o) => o,
        Err(TurnError::Cancelled { .. }) => return Err(RunError::Stopped),
        Err(TurnError::Upstream { error, .. }) => {
            return Err(RunError::Failed(format!("Claude failed: {error}")));
        }
        Err(TurnError::Store(e)) => return Err(RunError::Failed(e.to_string())),
        Err(e @ TurnError::Busy { .. }) => return Err(RunError::Refused(e.to_string())),
    };
    emit(json!({"type": "result", "source": "claude", "total_cost_usd": outcome.cost_usd, "duration_ms": started.elapsed().as_millis() as u64,
        "num_turns": outcome.steps, "result": outcome.response.text()}))
    .await?;

    let mut summary = RunSummary {
        session_id: session.id.clone(),
        title,
        branch: branch.clone(),
        branch_deleted: false,
        base: base.clone(),
        commit: None,
        files_changed: vec![],
        pushed: false,
        pr_url: None,
        usage: outcome.usage,
        cost_usd: outcome.cost_usd,
    };
    // an in-place run that changed nothing leaves the repository as it found it
    if in_place {
        let (wd, br, b) = (workdir.clone(), branch.clone(), base.clone());
        match blocking(move || git::drop_empty_branch(&git2::Repository::open(&wd)?, &br, &b)).await
        {
            Ok(true) => {
                summary.branch_deleted = true;
                emit(json!({"type": "message", "stage": "branch_deleted",
                    "message": format!("No changes: back on {base}, branch {branch} deleted")}))
                .await?;
                return Ok(summary);
            }
            Ok(false) => {}
            Err(e) => tracing::warn!("cannot drop the empty branch {branch}: {e}"),
        }
    }
    if !spec.auto_commit {
        return Ok(summary);
    }

    // commit
    let stage = |stage: &str, message: String, data: Value| json!({"type": "commit_progress", "stage": stage, "message": message, "data": data});
    emit(stage(
        "starting",
        "Looking at the changes".into(),
        json!({}),
    ))
    .await?;
    let wd = workdir.clone();
    let (files, diff) = blocking(move || {
        let repo = git2::Repository::open(&wd)?;
        Ok((git::changed_files(&repo)?, git::diff_text(&repo, 4000)?))
    })
    .await
    .map_err(|e| RunError::Failed(e.to_string()))?;
    emit(stage(
        "analysis_complete",
        format!("{} changed", self::files(files.len())),
        json!({"files": files}),
    ))
    .await?;
    if files.is_empty() {
        emit(stage("skipped", "No changes to commit".into(), json!({}))).await?;
        return Ok(summary);
    }
    emit(stage(
        "changes_detected",
        format!("Changes in {}", files.join(", ")),
        json!({"files": files}),
    ))
    .await?;
    let mut message = commit_message(ctx, &spec.model, &request, &diff).await;
    if let Some(co) = &env.co_author {
        message.push_str(&format!("\n\nCo-authored-by: {co}"));
    }
    emit(stage(
        "committing",
        format!("Committing: {}", message.lines().next().unwrap_or_default()),
        json!({}),
    ))
    .await?;
    let (wd, msg) = (workdir.clone(), message.clone());
    let sha = blocking(move || {
        let repo = git2::Repository::open(&wd)?;
        let sig = git::signature(&repo, ("clauded", "clauded@localhost"))?;
        Ok(git::commit_all(&repo, &msg, &sig)?.map(|o| o.to_string()))
    })
    .await
    .map_err(|e| RunError::Failed(format!("commit failed: {e}")))?;
    summary.commit = sha.clone();
    summary.files_changed = files;
    emit(stage(
        "committed",
        format!(
            "Committed {}",
            sha.as_deref().map(|s| &s[..s.len().min(8)]).unwrap_or("")
        ),
        json!({"commit": sha, "message": message}),
    ))
    .await?;

    if !spec.push {
        return Ok(summary);
    }
    emit(stage("pushing", format!("Pushing {branch}"), json!({}))).await?;
    let (wd, br, tok, hosts, p) = (
        workdir.clone(),
        branch.clone(),
        token.clone(),
        env.remotes.token_hosts.clone(),
        progress.clone(),
    );
    if let Err(e) = blocking(move || {
        let repo = git2::Repository::open(&wd)?;
        git::push(&repo, &br, tok.as_deref(), &hosts, &mut |pr| p("push", pr))
    })
    .await
    {
        let why = git_failure(&e, env);
        emit(stage(
            "push_failed",
            format!("Push failed: {why}"),
            json!({}),
        ))
        .await?;
        return Err(RunError::Failed(format!("push failed: {why}")));
    }
    summary.pushed = true;
    emit(stage("pushed", format!("Pushed {branch}"), json!({}))).await?;

    if spec.pr {
        let target = git::github_repo(&repo_url).or_else(|| env.pr_repo.clone());
        match (target, &env.github_token) {
            (Some((owner, repo)), Some(tok)) => {
                let gh = GitHub::new(&env.github_api, tok, &env.remotes.token_hosts);
                let (wd, b) = (workdir.clone(), base.clone());
                let template = blocking(move || git::pr_template(&git2::Repository::open(&wd)?, &b))
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!("cannot read the pull request template: {e}");
                        None
                    });
                let body = pr_body(template.as_deref(), &request, &session.id);
                let new = NewPullRequest { title: &summary.title, head: &branch, base: &base, body: &body, draft: spec.draft };
                match gh.create_or_find_pr(&owner, &repo, &new).await {
                    Ok(pr) => {
                        let how = if pr.draft_refused { " (ready for review: this repository has no draft pull requests)" } else { "" };
                        emit(json!({"type": "pull_request", "message": format!("{} pull request #{}{how}", if pr.reused { "Reusing" } else { "Opened" }, pr.number),
                            "data": {"number": pr.number, "htmlUrl": pr.html_url, "reused": pr.reused}}))
                        .await?;
                        let (sid, url) = (session.id.clone(), pr.html_url.clone());
                        let _ = ctx.store.merge_session_metadata(&sid, &json!({"prUrl": url})).await;
                        summary.pr_url = Some(pr.html_url);
                    }
                    Err(e @ crate::github::Error::Auth { .. }) => return Err(RunError::Failed(format!("the branch was pushed, but the pull request failed: {e}; {}", env.token_hint))),
                    Err(e) => return Err(RunError::Failed(format!("the branch was pushed, but the pull request failed: {e}"))),
                }
            }
            (None, _) => return Err(RunError::Failed("cannot open a pull request: the remote is not a GitHub repository (use --pr-repo OWNER/REPO)".into())),
            (_, None) => return Err(RunError::Failed(format!("cannot open a pull request without a GitHub token: {}", env.token_hint))),
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::branch_is_the_runs;
    use serde_json::json;

    #[test]
    fn only_a_branch_the_sessions_run_made_is_its_to_delete() {
        let id = "cs_1a2b3c4d5e6f";
        // noted by the run
        assert!(branch_is_the_runs(
            id,
            &json!({"branch": "anything", "branchMade": true})
        ));
        // an older run's: its name and a workspace
        let older = json!({"branch": "clauded/dark-mode-cs1a2b3c", "workspace": "/w/x"});
        assert!(branch_is_the_runs(id, &older));
        // another session's run, or no run at all (a code session that only named it)
        assert!(!branch_is_the_runs("cs_9z9z9z9z", &older));
        assert!(!branch_is_the_runs(
            id,
            &json!({"branch": "clauded/dark-mode-cs1a2b3c"})
        ));
        assert!(!branch_is_the_runs(
            id,
            &json!({"branch": "dev", "workspace": "/w/x"})
        ));
        assert!(!branch_is_the_runs(id, &json!({})));
    }
}
