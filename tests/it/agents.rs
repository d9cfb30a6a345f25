//! Claude Code and Codex themselves (npm, installed by tests/run.sh) working through
//! `clauded serve`, inside a network namespace with only loopback, so nothing they try can
//! leave the machine. Each outer test re-runs this test binary's inner test under
//! `unshare -n` (`-rn` when not root); the inner test starts the fake upstream, the server and
//! the agent, all in that namespace.

use crate::support::Reply;
use crate::support::fake_anthropic::tool_use_events;
use crate::support::server::TestServer;
use serde_json::json;
use std::path::PathBuf;
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

#[test]
fn claude_code_works_through_clauded() {
    in_loopback_netns("agents::claude_code_inner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by claude_code_works_through_clauded inside a network namespace"]
async fn claude_code_inner() {
    inside();
    let claude = agent_bin("claude");
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
        let mut c = Command::new(&claude);
        c.args([
            "-p",
            prompt,
            "--output-format",
            "text",
            "--model",
            "claude-sonnet-4-5-20250929",
        ])
        .args(extra)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("ANTHROPIC_BASE_URL", &s.base)
        .env("ANTHROPIC_API_KEY", "sk-ant-claude-code-0000")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("IS_SANDBOX", "1");
        c.output().unwrap()
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
    let mut texts = Vec::new();
    for sess in s.store.sessions(&Default::default()).await.unwrap() {
        if sess.source == "claude-code" {
            let msgs = s.store.messages(&sess.id).await.unwrap();
            texts.extend(msgs.iter().map(|m| m.text()));
        }
    }
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
    let codex = agent_bin("codex");
    let s = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            r#"model = "claude-sonnet-4-5"
model_provider = "local"
check_for_update_on_startup = false
[analytics]
enabled = false
[feedback]
enabled = false
[features]
plugins = false
[model_providers.local]
name = "local"
base_url = "{}/v1"
wire_api = "responses"
env_key = "CLAUDED_CODEX_KEY"
"#,
            s.base
        ),
    )
    .unwrap();
    s.fake.push(Reply::text("Hello from Claude, said to Codex"));
    s.fake.push(Reply::Events(tool_use_events(&[(
        "toolu_cx1",
        "exec_command",
        json!({"cmd": "echo made-by-codex > proof.txt"}),
    )])));
    s.fake.push(Reply::text("I wrote proof.txt."));
    let run = |prompt: &str, extra: &[&str]| {
        let mut c = Command::new(&codex);
        c.args(["exec", "--skip-git-repo-check"])
            .args(extra)
            .arg(prompt)
            .current_dir(work.path())
            .stdin(std::process::Stdio::null())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("CODEX_HOME", home.path())
            .env("CLAUDED_CODEX_KEY", "sk-ant-codex-0000");
        c.output().unwrap()
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
}
