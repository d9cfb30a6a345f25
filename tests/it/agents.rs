//! Claude Code and Codex themselves (npm, installed by tests/run.sh) working through
//! `clauded serve`, inside a network namespace with only loopback, so nothing they try can
//! leave the machine. Each outer test re-runs this test binary's inner test under
//! `unshare -n` (`-rn` when not root); the inner test starts the fake upstream, the server and
//! the agent, all in that namespace.

use crate::support::Reply;
use crate::support::fake_anthropic::tool_use_events;
use crate::support::server::TestServer;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn agent_bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("CLAUDED_MCP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".test-env/node/node_modules/.bin")
        });
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{name} is not installed in {}: run tests/run.sh",
        dir.display()
    );
    p
}

/// Runs the inner test `name` of this binary in a fresh network namespace with loopback up.
fn in_loopback_netns(name: &str) {
    let exe = std::env::current_exe().unwrap();
    // SAFETY: geteuid only reads the process's credentials.
    let root = unsafe { libc::geteuid() } == 0;
    let flags = if root { "-n" } else { "-rn" };
    let script = format!(
        "ip link set lo up && exec \"$0\" --exact {name} --ignored --nocapture --test-threads 1"
    );
    let out = Command::new("unshare")
        .args([flags, "sh", "-c", &script])
        .arg(&exe)
        .env("CLAUDED_IN_NETNS", "1")
        .output()
        .expect("unshare runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} in a loopback-only namespace failed:\n{stdout}\n{stderr}"
    );
}

fn inside() {
    assert_eq!(
        std::env::var("CLAUDED_IN_NETNS").as_deref(),
        Ok("1"),
        "run through the outer test, which gives it a loopback-only network"
    );
}

/// An upstream 400 during `agent`'s run: the agent fails with Anthropic's message and asks
/// once (a 400 is not worth retrying).
fn refused_once(s: &TestServer, agent: impl FnOnce() -> std::process::Output) {
    let before = s.fake.message_requests().len();
    s.fake.push(Reply::error(
        400,
        "invalid_request_error",
        "messages.0: text content blocks must be non-empty",
    ));
    let out = agent();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success() && shown.contains("text content blocks must be non-empty"),
        "{:?}: {shown}",
        out.status
    );
    assert_eq!(
        s.fake.message_requests().len(),
        before + 1,
        "a 400 is not retried"
    );
}

/// `claude -p PROMPT` in `dir` against `base` with `key`, in a clean environment.
fn claude_p(dir: &Path, home: &Path, base: &str, key: &str, prompt: &str) -> Command {
    let mut c = Command::new(agent_bin("claude"));
    c.args([
        "-p",
        prompt,
        "--output-format",
        "text",
        "--model",
        "claude-sonnet-4-5-20250929",
    ])
    .current_dir(dir)
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
    .env("HOME", home)
    .env("ANTHROPIC_BASE_URL", base)
    .env("ANTHROPIC_API_KEY", key)
    .env("DISABLE_TELEMETRY", "1")
    .env("DISABLE_AUTOUPDATER", "1")
    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
    .env("DISABLE_ERROR_REPORTING", "1")
    .env("IS_SANDBOX", "1");
    c
}

/// Codex's `config.toml` in `home`: clauded at `base` as its provider (the key from
/// `CLAUDED_CODEX_KEY`), nothing that phones home, then `extra` lines.
fn codex_config(home: &Path, base: &str, extra: &str) {
    std::fs::write(
        home.join("config.toml"),
        format!(
            r#"model = "claude-sonnet-4-5"
model_provider = "local"
check_for_update_on_startup = false
{extra}
[analytics]
enabled = false
[feedback]
enabled = false
[features]
plugins = false
[model_providers.local]
name = "local"
base_url = "{base}/v1"
wire_api = "responses"
env_key = "CLAUDED_CODEX_KEY"
"#
        ),
    )
    .unwrap();
}

/// `codex exec PROMPT` in `dir` with `key`, its config in `home`, stdin closed.
fn codex_exec(dir: &Path, home: &Path, key: &str, extra: &[&str], prompt: &str) -> Command {
    let mut c = Command::new(agent_bin("codex"));
    c.args(["exec", "--skip-git-repo-check"])
        .args(extra)
        .arg(prompt)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("CODEX_HOME", home)
        .env("CLAUDED_CODEX_KEY", key);
    c
}

#[test]
fn claude_code_works_through_clauded() {
    in_loopback_netns("agents::claude_code_inner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by claude_code_works_through_clauded inside a network namespace"]
async fn claude_code_inner() {
    inside();
    let s = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    // one plain answer, then one tool call and the answer after its result
    s.fake
        .push(Reply::text("Hello from Claude through clauded"));
    s.fake.push(Reply::Events(tool_use_events(&[(
        "toolu_cc1",
        "Bash",
        json!({"command": "echo made-by-claude-code > proof.txt", "description": "write a file"}),
    )])));
    s.fake.push(Reply::text("I wrote proof.txt."));
    let run = |prompt: &str, extra: &[&str]| {
        claude_p(
            work.path(),
            home.path(),
            &s.base,
            "sk-ant-claude-code-0000",
            prompt,
        )
        .args(extra)
        .output()
        .unwrap()
    };
    let out = run("say hello", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Hello from Claude through clauded"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        "write proof.txt",
        &["--allowedTools", "Bash", "--dangerously-skip-permissions"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("I wrote proof.txt."),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("proof.txt"))
            .unwrap()
            .trim(),
        "made-by-claude-code"
    );
    // an upstream refusal is Claude Code's error: its message shown, a failed exit, no retry
    refused_once(&s, || run("one more", &[]));
    // what went upstream was Claude Code's own request, untouched
    let reqs = s.fake.message_requests();
    let follow = reqs
        .iter()
        .find(|r| r.raw.contains("toolu_cc1") && r.raw.contains("tool_result"))
        .expect("the tool result went upstream");
    assert!(follow.path.starts_with("/v1/messages"), "{}", follow.path);
    assert!(
        follow.header("anthropic-beta").is_some(),
        "{:?}",
        follow.headers
    );
    assert_eq!(follow.header("x-api-key"), Some("sk-ant-claude-code-0000"));
    // and every exchange is in the request log under Claude Code's name
    s.request_log(|l| {
        l.iter()
            .filter(|e| e.source == "claude-code" && e.status == Some(200))
            .count()
            >= 3
    })
    .await;
    // Claude Code's conversations are sessions: the prompts and the answers, turn by turn
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let texts = texts_of_source(&s.store, "claude-code").await;
    assert!(
        texts.iter().any(|t| t.contains("say hello"))
            && texts
                .iter()
                .any(|t| t == "Hello from Claude through clauded")
            && texts.iter().any(|t| t == "I wrote proof.txt."),
        "{texts:?}"
    );
}

#[test]
fn codex_works_through_clauded() {
    in_loopback_netns("agents::codex_inner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by codex_works_through_clauded inside a network namespace"]
async fn codex_inner() {
    inside();
    let s = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    codex_config(home.path(), &s.base, "");
    s.fake.push(Reply::text("Hello from Claude, said to Codex"));
    s.fake.push(Reply::Events(tool_use_events(&[(
        "toolu_cx1",
        "exec_command",
        json!({"cmd": "echo made-by-codex > proof.txt"}),
    )])));
    s.fake.push(Reply::text("I wrote proof.txt."));
    let run = |prompt: &str, extra: &[&str]| {
        codex_exec(work.path(), home.path(), "sk-ant-codex-0000", extra, prompt)
            .output()
            .unwrap()
    };
    let out = run("say hello", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = s.fake.message_requests();
    assert!(
        out.status.success() && stdout.contains("Hello from Claude, said to Codex"),
        "{stdout}\n{stderr}\ntools: {:.3000}",
        first
            .first()
            .map(|r| r.body["tools"].to_string())
            .unwrap_or_default()
    );
    let out = run("write proof.txt", &["-s", "workspace-write"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let proof = std::fs::read_to_string(work.path().join("proof.txt")).unwrap_or_default();
    assert!(
        out.status.success()
            && stdout.contains("I wrote proof.txt.")
            && proof.trim() == "made-by-codex",
        "{stdout}\n{stderr}\nproof: {proof:?}\nlast request: {:.3000}",
        s.fake
            .message_requests()
            .last()
            .map(|r| r.body["messages"].to_string())
            .unwrap_or_default()
    );
    s.request_log(|l| {
        l.iter()
            .filter(|e| e.source == "responses" && e.status == Some(200))
            .count()
            >= 3
    })
    .await;
    // Codex's conversations are sessions of source codex: the prompts and answers, turn by
    // turn, without the context it resends
    let texts = texts_of_source(&s.store, "codex").await;
    assert!(
        texts.iter().any(|t| t.contains("say hello"))
            && texts
                .iter()
                .any(|t| t == "Hello from Claude, said to Codex")
            && texts.iter().any(|t| t == "I wrote proof.txt."),
        "{texts:?}"
    );
    assert!(
        texts.iter().all(|t| !t.contains("<environment_context>")),
        "{texts:?}"
    );
    // an upstream refusal ends Codex's turn with the message and a failed exit, unretried
    refused_once(&s, || run("one more", &[]));
}

#[test]
fn claude_code_asks_the_phone_through_its_hook() {
    in_loopback_netns("agents::claude_code_hook_inner");
}

/// A tmux server of the test's own (its socket in a temp dir), killed when dropped.
struct Tmux {
    sock: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-f", "/dev/null", "-S", &self.sock])
            .args(args)
            .output()
            .expect("tmux is installed (Debian's tmux; .ci/run installs it)")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "agent"]).stdout)
            .into_owned()
    }

    /// Starts `script` (a shell command line) on a 160x50 terminal.
    fn start(&self, script: &str) {
        let started = self.run(&[
            "new-session",
            "-d",
            "-x",
            "160",
            "-y",
            "50",
            "-s",
            "agent",
            script,
        ]);
        assert!(started.status.success(), "{started:?}");
    }

    /// Types a line and presses Enter, as a person would (the agent sees the text first).
    async fn type_line(&self, text: &str) {
        let typed = self.run(&["send-keys", "-t", "agent", "-l", text]);
        assert!(typed.status.success(), "{typed:?}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        self.run(&["send-keys", "-t", "agent", "Enter"]);
    }

    /// Waits up to 60 s for `text` on the screen.
    async fn until_shown(&self, text: &str) {
        for _ in 0..600 {
            if self.screen().contains(text) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the agent never showed {text:?}:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// The phone: waits for the one approval Claude Code's hook opens, answers it, and returns it
/// with the answer.
async fn answer_the_next_approval(s: &TestServer, decision: Value) -> (Value, Value) {
    for _ in 0..600 {
        let (st, v) = s.get("/v1/approvals").await;
        assert_eq!(st, 200, "{v}");
        if let Some(a) = v["data"].as_array().and_then(|d| d.first()).cloned() {
            let id = a["id"].as_str().unwrap().to_owned();
            let (st, r) = s.post(&format!("/v1/approvals/{id}"), decision).await;
            assert_eq!(st, 200, "{r}");
            return (a, r);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("Claude Code's hook asked nothing in 60 s");
}

/// Claude Code's permission prompt: only its interactive mode asks (`-p` denies without a
/// hook), so it runs on a terminal (tmux), its first-run screens answered in `~/.claude.json`
/// as a user's would be. The phone allows one Bash call and denies the next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by claude_code_asks_the_phone_through_its_hook inside a network namespace"]
async fn claude_code_hook_inner() {
    inside();
    let claude = agent_bin("claude");
    let s = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let key = "sk-ant-claude-code-hook-0000000000000000";
    let install = Command::new(env!("CARGO_BIN_EXE_clauded"))
        .args(["hooks", "install", "claude-code", "--url", &s.base])
        .env("HOME", home.path())
        .env("CLAUDED_HOME", home.path().join("clauded"))
        .env_remove("CLAUDE_CONFIG_DIR")
        .output()
        .unwrap();
    assert!(install.status.success(), "{install:?}");
    let work_dir = work.path().to_str().unwrap().to_owned();
    std::fs::write(
        home.path().join(".claude.json"),
        json!({
            "hasCompletedOnboarding": true,
            "theme": "dark",
            "customApiKeyResponses": {"approved": [&key[key.len() - 20..]], "rejected": []},
            "projects": {work_dir.clone(): {"hasTrustDialogAccepted": true, "allowedTools": []}},
        })
        .to_string(),
    )
    .unwrap();
    // its side requests (a title) offer no tools; the conversation's take the script
    s.fake.answer_aside("Write proof.txt");
    s.fake.push(Reply::Events(tool_use_events(&[(
        "toolu_hk1",
        "Bash",
        json!({"command": "echo approved-on-the-phone > proof.txt", "description": "write a file"}),
    )])));
    s.fake.push(Reply::text("Done after the phone said yes."));
    s.fake.push(Reply::Events(tool_use_events(&[(
        "toolu_hk2",
        "Bash",
        json!({"command": "rm proof.txt", "description": "remove the file"}),
    )])));
    s.fake
        .push(Reply::text("The phone said no, so proof.txt stays."));
    let tmux = Tmux {
        sock: home.path().join("tmux.sock").to_str().unwrap().to_owned(),
    };
    let script = format!(
        "cd '{work_dir}' && exec env -i PATH=\"$PATH\" HOME='{home}' TERM=xterm-256color \
         ANTHROPIC_BASE_URL='{base}' ANTHROPIC_API_KEY='{key}' DISABLE_TELEMETRY=1 \
         DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
         DISABLE_ERROR_REPORTING=1 '{claude}' --model claude-sonnet-4-5-20250929 'write proof.txt'",
        home = home.path().display(),
        base = s.base,
        claude = claude.display(),
    );
    tmux.start(&script);

    // allowed on the phone: the command runs, and Claude Code says who allowed it
    let (asked, answered) = answer_the_next_approval(&s, json!({"decision": "allow"})).await;
    assert_eq!(asked["tool"], json!("Bash"), "{asked}");
    assert_eq!(asked["source"], json!("claude-code"), "{asked}");
    assert_eq!(
        asked["input"]["command"],
        json!("echo approved-on-the-phone > proof.txt")
    );
    assert_eq!(asked["cwd"], json!(work_dir), "{asked}");
    assert_eq!(answered["decision"], json!("allow"), "{answered}");
    tmux.until_shown("Done after the phone said yes.").await;
    assert!(
        tmux.screen().contains("Allowed by PermissionRequest hook"),
        "{}",
        tmux.screen()
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("proof.txt")).unwrap(),
        "approved-on-the-phone\n"
    );

    // denied on the phone, with a reason: nothing runs, and the reason reaches Claude
    tmux.type_line("remove proof.txt").await;
    let (asked, answered) = answer_the_next_approval(
        &s,
        json!({"decision": "deny", "message": "not while I am away"}),
    )
    .await;
    assert_eq!(asked["input"]["command"], json!("rm proof.txt"), "{asked}");
    assert_eq!(asked["session_id"].as_str().map(str::is_empty), Some(false));
    assert_eq!(answered["decision"], json!("deny"), "{answered}");
    tmux.until_shown("The phone said no, so proof.txt stays.")
        .await;
    assert!(work.path().join("proof.txt").exists(), "a denied rm ran");
    let denied = denial_reached_the_model(&s, "toolu_hk2").await;
    assert!(denied.raw.contains(r#""is_error":true"#), "{}", denied.raw);
}

/// The tool result that answered `tool_use_id` upstream carries the phone's reason for the
/// denial, and nothing waits any more.
async fn denial_reached_the_model(
    s: &TestServer,
    tool_use_id: &str,
) -> crate::support::fake_anthropic::Recorded {
    let denied = s
        .fake
        .message_requests()
        .into_iter()
        .find(|r| r.raw.contains(tool_use_id) && r.raw.contains("tool_result"))
        .expect("the denial went back to Claude as the tool's result");
    assert!(denied.raw.contains("not while I am away"), "{}", denied.raw);
    let (_, pending) = s.get("/v1/approvals").await;
    assert_eq!(pending["data"], json!([]), "{pending}");
    denied
}

#[test]
fn codex_asks_the_phone_through_its_hook() {
    in_loopback_netns("agents::codex_hook_inner");
}

/// Codex's PermissionRequest hook runs `clauded hook permission-request` (a command hook).
/// `codex exec` never asks (its approval policy there is always `never`), so the TUI runs on
/// a terminal: read-only, asking on request, the folder trusted in its config and the hook
/// trusted for this run (`--dangerously-bypass-hook-trust`, for automation that vets its
/// hooks; a person trusts it once in `/hooks`). Allowed, then denied, from the phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by codex_asks_the_phone_through_its_hook inside a network namespace"]
async fn codex_hook_inner() {
    inside();
    let codex = agent_bin("codex");
    let s = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let work_dir = work.path().to_str().unwrap().to_owned();
    let hook = format!(
        "{} hook permission-request --url {} --timeout 60",
        env!("CARGO_BIN_EXE_clauded"),
        s.base
    );
    codex_config(
        home.path(),
        &s.base,
        &format!(
            r#"[projects.{work_dir:?}]
trust_level = "trusted"
[[hooks.PermissionRequest]]
[[hooks.PermissionRequest.hooks]]
type = "command"
command = {hook:?}
timeout = 60"#
        ),
    );
    // its side request (a title, asked as a structured answer) leaves the script alone
    s.fake.answer_aside("Write proof");
    let escalated = |id: &str, cmd: &str| {
        Reply::Events(tool_use_events(&[(
            id,
            "exec_command",
            json!({"cmd": cmd, "sandbox_permissions": "require_escalated",
                   "justification": "write outside the read-only sandbox"}),
        )]))
    };
    s.fake.push(escalated(
        "toolu_cxh1",
        "echo approved-for-codex > proof.txt",
    ));
    s.fake.push(Reply::text("Done after the phone said yes."));
    s.fake.push(escalated("toolu_cxh2", "rm proof.txt"));
    s.fake
        .push(Reply::text("The phone said no, so proof.txt stays."));
    let tmux = Tmux {
        sock: home.path().join("tmux.sock").to_str().unwrap().to_owned(),
    };
    tmux.start(&format!(
        "cd '{work_dir}' && exec env -i PATH=\"$PATH\" HOME='{home}' CODEX_HOME='{home}' \
         TERM=xterm-256color CLAUDED_CODEX_KEY=sk-ant-codex-0000 '{codex}' \
         --dangerously-bypass-hook-trust -s read-only -a on-request 'write proof.txt'",
        home = home.path().display(),
        codex = codex.display(),
    ));

    let (asked, answered) = answer_the_next_approval(&s, json!({"decision": "allow"})).await;
    assert_eq!(asked["tool"], json!("Bash"), "{asked}");
    assert_eq!(asked["source"], json!("codex"), "{asked}");
    assert_eq!(
        asked["input"]["command"],
        json!("echo approved-for-codex > proof.txt")
    );
    assert_eq!(asked["cwd"], json!(work_dir), "{asked}");
    assert_eq!(answered["decision"], json!("allow"), "{answered}");
    tmux.until_shown("Done after the phone said yes.").await;
    assert_eq!(
        std::fs::read_to_string(work.path().join("proof.txt")).unwrap(),
        "approved-for-codex\n"
    );

    tmux.type_line("remove proof.txt").await;
    let (asked, answered) = answer_the_next_approval(
        &s,
        json!({"decision": "deny", "message": "not while I am away"}),
    )
    .await;
    assert_eq!(asked["input"]["command"], json!("rm proof.txt"), "{asked}");
    assert_eq!(answered["decision"], json!("deny"), "{answered}");
    tmux.until_shown("The phone said no, so proof.txt stays.")
        .await;
    assert!(work.path().join("proof.txt").exists(), "a denied rm ran");
    // Codex hands the phone's reason to the model
    denial_reached_the_model(&s, "toolu_cxh2").await;
}

#[test]
fn both_agents_with_a_users_key_are_that_users_usage() {
    in_loopback_netns("agents::usage_inner");
}

/// A team server: A's `ck_` key in Claude Code and in Codex makes both A's requests, counted
/// in A's usage and not B's, and the key never goes upstream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by both_agents_with_a_users_key_are_that_users_usage inside a network namespace"]
async fn usage_inner() {
    use crate::support::users::{As, get, open, post, setup, trio};
    inside();
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let r = post(&s, "/api/user/api-keys", &a.who, json!({"name": "agents"})).await;
    assert_eq!(r.status, 201, "{r:?}");
    let key = r.json()["data"]["key"].as_str().unwrap().to_owned();
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    s.fake.push(Reply::text("Hello, A's Claude Code"));
    let out = claude_p(work.path(), home.path(), &s.base, &key, "say hello")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Hello, A's Claude Code"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    codex_config(home.path(), &s.base, "");
    s.fake.push(Reply::text("Hello, A's Codex"));
    let out = codex_exec(work.path(), home.path(), &key, &[], "say hello")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Hello, A's Codex"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mine = get(&s, "/v1/usage?days=1", &As::Bearer(key.clone())).await;
    assert_eq!(mine.status, 200, "{mine:?}");
    let mine = mine.json();
    let by_source = |source: &str| -> u64 {
        mine["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["source"] == json!(source))
            .map(|r| r["requests"].as_u64().unwrap())
            .sum()
    };
    assert!(
        by_source("claude-code") >= 1 && by_source("responses") >= 1,
        "{mine}"
    );
    assert!(
        mine["total"]["input_tokens"].as_u64().unwrap() > 0,
        "{mine}"
    );
    assert!(
        mine["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["owner"] == json!(a.id)),
        "{mine}"
    );
    let theirs = get(&s, "/v1/usage?days=1", &b.who).await.json();
    assert_eq!(theirs["total"]["requests"], json!(0), "{theirs}");
    for r in s.fake.message_requests() {
        assert!(!r.raw.contains(&key), "A's clauded key went upstream");
        assert!(
            r.headers.iter().all(|(_, v)| !v.contains(&key)),
            "A's clauded key went upstream in a header"
        );
    }
}

/// Every message text of the sessions an agent's conversations made (`source`), in order.
async fn texts_of_source(store: &clauded::store::Store, source: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for sess in store.sessions(&Default::default()).await.unwrap() {
        if sess.source == source {
            let msgs = store.messages(&sess.id).await.unwrap();
            texts.extend(msgs.iter().map(|m| m.text()));
        }
    }
    texts
}
