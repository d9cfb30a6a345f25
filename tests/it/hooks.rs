//! Agents' hooks and push notices: `clauded hook permission-request` (the command hook) against
//! the approval hub, with no daemon, bad input and the server token; `clauded hooks
//! install|uninstall claude-code` on Claude Code's settings; notices to a local sink, one that
//! fails, and a `serve` that logs the failure.

use crate::support::server::{Setup, TestServer};
use crate::support::{Home, Reply, Run, run_cmd};
use axum::http::HeaderMap;
use clauded::config::NotifyOn;
use clauded::engine::notify::NotifySettings;
use clauded::server::ServerOptions;
use serde_json::{Value, json};
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn claude_code_input(tool: &str) -> Value {
    json!({"session_id": "5d0c1a2b-0000-4000-8000-00000000dd01", "transcript_path": "/tmp/t.jsonl",
        "cwd": "/work/secret-project", "permission_mode": "default", "hook_event_name": "PermissionRequest",
        "tool_name": tool, "tool_input": {"command": "rm -rf build", "description": "clean"}})
}

fn codex_input() -> Value {
    json!({"session_id": "019a0000-0000-7000-8000-00000000c0de", "turn_id": "turn-1",
        "transcript_path": null, "cwd": "/work/app", "hook_event_name": "PermissionRequest",
        "model": "gpt-5", "permission_mode": "default", "tool_name": "Bash",
        "tool_input": {"command": "cargo publish", "description": "publish"}})
}

/// `clauded hook permission-request ARGS` with `stdin`, on the blocking pool.
async fn hook(h: &Home, args: &[&str], stdin: String, env: &[(&str, &str)]) -> Run {
    let mut all = vec!["hook", "permission-request"];
    all.extend_from_slice(args);
    let mut c = h.cmd(&all);
    for (k, v) in env {
        c.env(k, v);
    }
    tokio::task::spawn_blocking(move || run_cmd(c, Some(&stdin)))
        .await
        .unwrap()
}

async fn wait_pending(s: &TestServer, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let (_, v) = s.get("/v1/approvals").await;
        let p = v["data"].as_array().cloned().unwrap_or_default();
        if p.len() >= n {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no pending approval appeared");
}

/// Answers the only pending approval once it is there.
async fn answer(s: &TestServer, body: Value) -> Value {
    let p = wait_pending(s, 1).await;
    let id = p[0]["id"].as_str().unwrap();
    let (st, a) = s.post(&format!("/v1/approvals/{id}"), body).await;
    assert_eq!(st, 200, "{a}");
    p[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_hook_waits_for_the_phone_and_prints_the_decision() {
    let s = TestServer::start().await;
    let h = Home::new();
    let args = ["--url", s.base.as_str(), "--timeout", "20"];
    let (run, asked) = tokio::join!(
        hook(&h, &args, claude_code_input("Bash").to_string(), &[]),
        answer(&s, json!({"decision": "allow", "message": "go ahead"})),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(asked["source"], json!("claude-code"));
    assert_eq!(
        (&asked["tool"], &asked["cwd"]),
        (&json!("Bash"), &json!("/work/secret-project"))
    );
    let out: Value = serde_json::from_str(run.stdout.trim()).expect("JSON on stdout");
    assert_eq!(
        out,
        json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest",
            "decision": {"behavior": "allow", "message": "go ahead"}}})
    );
    // Codex's input (it has a turn_id) is Codex's, and a denial prints a deny
    let (run, asked) = tokio::join!(
        hook(&h, &args, codex_input().to_string(), &[]),
        answer(&s, json!({"decision": "deny"})),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(asked["source"], json!("codex"));
    assert_eq!(asked["input"]["command"], json!("cargo publish"));
    let out: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(
        out["hookSpecificOutput"]["decision"]["behavior"],
        json!("deny")
    );
    assert!(
        s.get("/v1/approvals").await.1["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_answer_the_command_hook_has_no_verdict_and_exits_0() {
    let h = Home::new();
    let no_verdict = |r: &Run, says: &str| {
        assert_eq!(r.code, 0, "no verdict is exit 0, never a blocking 2: {r:?}");
        assert_eq!(r.stdout, "", "{r:?}");
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {r:?}");
        assert!(lines[0].contains(says), "{r:?}");
    };
    // the daemon is down
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let r = hook(
        &h,
        &["--url", &down],
        claude_code_input("Bash").to_string(),
        &[],
    )
    .await;
    no_verdict(&r, "cannot reach the daemon");
    assert!(started.elapsed() < Duration::from_secs(10));
    // the configured server (PORT), down too
    let r = hook(
        &h,
        &[],
        claude_code_input("Bash").to_string(),
        &[("PORT", &port.to_string())],
    )
    .await;
    no_verdict(&r, &format!("127.0.0.1:{port}"));
    // not JSON, or not an object
    let r = hook(&h, &["--url", &down], "Bash rm -rf".into(), &[]).await;
    no_verdict(&r, "not JSON");
    let r = hook(&h, &["--url", &down], "[1]".into(), &[]).await;
    no_verdict(&r, "not a JSON object");
    // nobody answers in time
    let s = TestServer::start().await;
    let r = hook(
        &h,
        &["--url", &s.base, "--timeout", "2"],
        claude_code_input("Bash").to_string(),
        &[],
    )
    .await;
    no_verdict(&r, "nobody answered within 2 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_hook_sends_the_server_token() {
    let mut setup = Setup::default();
    setup.options.token = Some("srv-token-0123456789".into());
    let s = TestServer::start_with(setup).await;
    let h = Home::new();
    let input = claude_code_input("Write").to_string();
    let r = hook(
        &h,
        &["--url", &s.base, "--timeout", "5"],
        input.clone(),
        &[],
    )
    .await;
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
    assert!(r.stderr.contains("401"), "{r:?}");
    let file = h.path().join("token");
    std::fs::write(&file, "srv-token-0123456789\n").unwrap();
    let with_file = [
        "--url",
        s.base.as_str(),
        "--timeout",
        "20",
        "--token-file",
        file.to_str().unwrap(),
    ];
    let authed = |s: &TestServer| {
        s.http
            .get(s.url("/v1/approvals"))
            .bearer_auth("srv-token-0123456789")
    };
    for (args, env) in [
        (&with_file[..], &[][..]),
        (
            &with_file[..4],
            &[("CLAUDED_SERVER_TOKEN", "srv-token-0123456789")][..],
        ),
    ] {
        let asked = async {
            for _ in 0..200 {
                let v: Value = authed(&s).send().await.unwrap().json().await.unwrap();
                if let Some(id) = v["data"][0]["id"].as_str() {
                    let r = s
                        .http
                        .post(s.url(&format!("/v1/approvals/{id}")))
                        .bearer_auth("srv-token-0123456789")
                        .json(&json!({"decision": "allow"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("no pending approval");
        };
        let (r, ()) = tokio::join!(hook(&h, args, input.clone(), env), asked);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(r.stdout.contains(r#""behavior":"allow""#), "{r:?}");
    }
}

/// Claude Code's settings with another hook on the same event, another event, other keys.
const SETTINGS: &str = r#"{
  "model": "opus",
  "permissions": {"allow": ["Bash(git status)"], "deny": []},
  "hooks": {
    "PermissionRequest": [
      {"matcher": "Write", "hooks": [{"type": "command", "command": "my-own-check"}]}
    ],
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
  },
  "env": {"FOO": "bar"}
}
"#;

/// `hooks install claude-code` for a daemon on port 8123.
const INSTALL: &[&str] = &[
    "hooks",
    "install",
    "claude-code",
    "--url",
    "http://127.0.0.1:8123",
];

fn settings(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn hooks_install_merges_into_claude_codes_settings_and_uninstall_takes_only_ours() {
    let h = Home::new();
    let user = h.path().join(".claude/settings.json");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, SETTINGS).unwrap();
    let r = h.ok(INSTALL, None);
    assert!(
        r.stdout.contains("installed") && r.stdout.contains(".claude/settings.json"),
        "{r:?}"
    );
    let v = settings(&user);
    let groups = v["hooks"]["PermissionRequest"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{v}");
    assert_eq!(groups[0]["hooks"][0]["command"], json!("my-own-check"));
    let ours = &groups[1]["hooks"][0];
    assert_eq!(ours["type"], json!("http"));
    assert_eq!(
        ours["url"],
        json!("http://127.0.0.1:8123/v1/hooks/permission-request?timeout=600")
    );
    assert_eq!(ours["timeout"], json!(600));
    assert_eq!(
        ours["headers"]["Authorization"],
        json!("Bearer $CLAUDED_SERVER_TOKEN"),
        "the token's name, never the token"
    );
    for k in ["model", "permissions", "env"] {
        assert_eq!(v[k], serde_json::from_str::<Value>(SETTINGS).unwrap()[k]);
    }
    assert_eq!(
        v["hooks"]["Stop"][0]["hooks"][0]["command"],
        json!("notify-send done")
    );
    // the keys keep their order
    let text = std::fs::read_to_string(&user).unwrap();
    let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(
        at("model") < at("permissions")
            && at("permissions") < at("hooks")
            && at("hooks") < at("env")
    );
    // idempotent
    let r = h.ok(INSTALL, None);
    assert!(r.stdout.contains("nothing changed"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&user).unwrap(), text);
    // uninstall: only ours goes
    let r = h.ok(&["hooks", "uninstall", "claude-code"], None);
    assert!(r.stdout.contains("removed"), "{r:?}");
    assert_eq!(
        settings(&user),
        serde_json::from_str::<Value>(SETTINGS).unwrap()
    );
    let r = h.ok(&["hooks", "uninstall", "claude-code"], None);
    assert!(r.stdout.contains("nothing changed"), "{r:?}");

    // CLAUDE_CONFIG_DIR, as Claude Code reads it; a new file; the configured port by default
    let cc = h.path().join("cc-config");
    let mut c = h.cmd(&["hooks", "install", "claude-code"]);
    c.env("CLAUDE_CONFIG_DIR", &cc).env("PORT", "8765");
    let r = run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    let v = settings(&cc.join("settings.json"));
    assert_eq!(
        v["hooks"]["PermissionRequest"][0]["hooks"][0]["url"],
        json!("http://127.0.0.1:8765/v1/hooks/permission-request?timeout=600")
    );
    let mut c = h.cmd(&["hooks", "uninstall", "claude-code"]);
    c.env("CLAUDE_CONFIG_DIR", &cc);
    assert_eq!(run_cmd(c, None).code, 0);
    assert_eq!(settings(&cc.join("settings.json")), json!({}));

    // --project: ./.claude/settings.json; --command: the command hook; --print writes nothing
    let project = h.path().join("proj");
    std::fs::create_dir_all(&project).unwrap();
    let mut c = h.cmd(&[
        "hooks",
        "install",
        "claude-code",
        "--project",
        "--command",
        "--timeout",
        "90",
        "--url",
        "http://127.0.0.1:8123",
    ]);
    c.current_dir(&project);
    let r = run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    let v = settings(&project.join(".claude/settings.json"));
    let cmd = v["hooks"]["PermissionRequest"][0]["hooks"][0].clone();
    assert_eq!(cmd["type"], json!("command"));
    let line = cmd["command"].as_str().unwrap();
    assert!(
        line.ends_with(" hook permission-request --url http://127.0.0.1:8123 --timeout 90"),
        "{line}"
    );
    let r = h.ok(
        &[
            "hooks",
            "install",
            "claude-code",
            "--print",
            "--url",
            "http://127.0.0.1:1",
        ],
        None,
    );
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        shown["hooks"]["PermissionRequest"][0]["matcher"],
        json!("*")
    );
    assert_eq!(
        settings(&user),
        serde_json::from_str::<Value>(SETTINGS).unwrap(),
        "--print wrote nothing"
    );
    // a broken file is left alone
    std::fs::write(&user, "{not json").unwrap();
    let r = h.run(&["hooks", "install", "claude-code"], None);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("not a JSON object"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&user).unwrap(), "{not json");
    // Codex's hooks are not ours to write
    let r = h.run(&["hooks", "install", "codex"], None);
    assert_eq!(r.code, 2, "{r:?}");
}

/// What a sink received: one POST's headers and body.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

/// A local HTTP sink on port 0 answering `status` after `delay`, recording every request.
struct Sink {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Sink {
    async fn start(status: u16, delay: Duration) -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let rec = got.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
            let rec = rec.clone();
            async move {
                rec.lock().unwrap().push(Received { headers, body });
                tokio::time::sleep(delay).await;
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        });
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/clauded-secret-topic", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await });
        Self { url, got }
    }

    /// Waits for `n` requests.
    async fn wait(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.got.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the sink got {:?}", self.got.lock().unwrap());
    }
}

fn notifying(url: &str, token: Option<&str>) -> Setup {
    Setup {
        options: ServerOptions {
            notify: Some(NotifySettings {
                url: url.to_owned(),
                on: NotifyOn::default(),
                token: token.map(str::to_owned),
            }),
            ..Setup::default().options
        },
        ..Setup::default()
    }
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_notices_say_what_waits_and_what_ended_and_nothing_of_the_input() {
    let sink = Sink::start(200, Duration::ZERO).await;
    let s = TestServer::start_with(notifying(&sink.url, Some("ntfy-token-0123"))).await;
    // an approval waits (nobody answers)
    let (st, out) = s
        .post(
            "/v1/hooks/permission-request?timeout=2",
            claude_code_input("Bash"),
        )
        .await;
    assert_eq!((st, out), (200, json!({})));
    let got = sink.wait(1).await;
    let n = &got[0];
    assert_eq!(n.body, "approval waiting: Bash (claude-code)");
    assert_eq!(header(n, "title"), "clauded: approval waiting");
    assert_eq!(header(n, "tags"), "lock");
    assert_eq!(header(n, "priority"), "high");
    assert_eq!(header(n, "authorization"), "Bearer ntfy-token-0123");
    assert!(header(n, "content-type").starts_with("text/plain"));
    for secret in ["rm -rf", "build", "secret-project", "/work", "transcript"] {
        assert!(!n.body.contains(secret), "{secret} in {:?}", n.body);
    }
    // a session turn that ends, and one that fails
    let (_, sess) = s
        .post("/v1/sessions", json!({"title": "Fix the login page"}))
        .await;
    let sid = sess["id"].as_str().unwrap();
    s.fake.push(Reply::text("done"));
    let (st, _) = s
        .post(
            &format!("/v1/sessions/{sid}/messages"),
            json!({"content": "my password is hunter2"}),
        )
        .await;
    assert_eq!(st, 200);
    let got = sink.wait(2).await;
    assert_eq!(got[1].body, "turn done: Fix the login page");
    assert_eq!(header(&got[1], "tags"), "white_check_mark");
    s.fake
        .push(Reply::error(400, "invalid_request_error", "bad request"));
    s.post(
        &format!("/v1/sessions/{sid}/messages"),
        json!({"content": "again"}),
    )
    .await;
    let got = sink.wait(3).await;
    assert_eq!(got[2].body, "turn failed: Fix the login page");
    assert_eq!(header(&got[2], "priority"), "high");
    assert!(got.iter().all(|n| !n.body.contains("hunter2")));
}

/// `clauded_notify_failures_total{reason="status"}` now.
async fn status_failures(s: &TestServer) -> u64 {
    s.text("/metrics")
        .await
        .lines()
        .find(|l| l.starts_with(r#"clauded_notify_failures_total{reason="status"}"#))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sink_is_counted_and_holds_no_turn_up() {
    // the sink takes 3 s to fail
    let sink = Sink::start(500, Duration::from_secs(3)).await;
    let s = TestServer::start_with(notifying(&sink.url, None)).await;
    let before = status_failures(&s).await;
    let (_, sess) = s.post("/v1/sessions", json!({"title": "slow sink"})).await;
    let sid = sess["id"].as_str().unwrap();
    for i in 0..2 {
        s.fake.push(Reply::text("ok"));
        let started = Instant::now();
        let (st, _) = s
            .post(
                &format!("/v1/sessions/{sid}/messages"),
                json!({"content": format!("turn {i}")}),
            )
            .await;
        assert_eq!(st, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the turn waited for the sink: {:?}",
            started.elapsed()
        );
    }
    sink.wait(1).await;
    for _ in 0..200 {
        if status_failures(&s).await >= before + 2 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the failures were not counted: {}",
        s.text("/metrics").await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_the_notice_settings_from_the_environment_and_logs_a_failure_once() {
    let sink = Sink::start(500, Duration::ZERO).await;
    let h = Home::new();
    let mut c = h.cmd(&["serve", "--port", "0"]);
    c.env("CLAUDED_NOTIFY_URL", &sink.url)
        .env("CLAUDED_NOTIFY_ON", "approval")
        .env("CLAUDED_NOTIFY_TOKEN", "ntfy-token-from-env");
    let mut serving = crate::support::serve(c);
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{}/v1/hooks/permission-request?timeout=2",
            serving.url
        ))
        .json(&claude_code_input("Edit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got = sink.wait(1).await;
    assert_eq!(got[0].body, "approval waiting: Edit (claude-code)");
    assert_eq!(
        header(&got[0], "authorization"),
        "Bearer ntfy-token-from-env"
    );
    // the failure's log line: once, naming the host, never the token or the topic
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        loop {
            let mut line = String::new();
            if serving.stderr.read_line(&mut line).unwrap_or(0) == 0 {
                return seen;
            }
            let done = line.contains("not delivered");
            seen.push(line);
            if done {
                return seen;
            }
        }
    });
    let lines = tokio::time::timeout(Duration::from_secs(20), lines)
        .await
        .expect("a log line in time")
        .unwrap();
    let all = lines.concat();
    let failed: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("not delivered"))
        .collect();
    assert_eq!(failed.len(), 1, "{all}");
    assert!(
        failed[0].contains("500") && failed[0].contains("127.0.0.1"),
        "{all}"
    );
    assert!(
        all.contains("push notices to 127.0.0.1 (approval)"),
        "{all}"
    );
    for secret in ["ntfy-token-from-env", "clauded-secret-topic", "rm -rf"] {
        assert!(!all.contains(secret), "{secret} in the log: {all}");
    }
    // one notice, one delivery, no retry
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.got.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_ends_is_pushed_with_its_title() {
    let sink = Sink::start(200, Duration::ZERO).await;
    let s = TestServer::start_with(notifying(&sink.url, None)).await;
    let remote = crate::support::bare_remote(s.dir.path());
    s.fake.push(Reply::text(
        r#"{"title": "Add Dark Mode", "branch": "dark-mode"}"#,
    ));
    s.fake.push(Reply::text("Nothing needed changing."));
    let body = s
        .http
        .post(s.url("/api/execute-remote"))
        .json(
            &json!({"userRequest": "Add dark mode with the key sk-ant-secret",
            "github": {"repoUrl": remote.to_str().unwrap(), "branch": "main"}}),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("event: completed"), "{body}");
    let got = sink.wait(1).await;
    assert_eq!(got[0].body, "run done: Add Dark Mode");
    assert_eq!(header(&got[0], "title"), "clauded: done");
}

/// On a server with accounts, the hook authenticates as the user with their own `ck_` key,
/// named by `--key-env` (only the name is written).
#[test]
fn hooks_install_can_send_a_users_own_key() {
    let h = Home::new();
    let user = h.path().join(".claude/settings.json");
    let mut args = INSTALL.to_vec();
    args.extend(["--key-env", "CLAUDED_API_KEY"]);
    h.ok(&args, None);
    let v = settings(&user);
    let ours = &v["hooks"]["PermissionRequest"][0]["hooks"][0];
    assert_eq!(
        ours["headers"]["Authorization"],
        json!("Bearer $CLAUDED_API_KEY"),
        "{v}"
    );
    assert_eq!(ours["allowedEnvVars"], json!(["CLAUDED_API_KEY"]), "{v}");
    // installed again with the default: ours is replaced, not doubled
    h.ok(INSTALL, None);
    let v = settings(&user);
    assert_eq!(
        v["hooks"]["PermissionRequest"].as_array().unwrap().len(),
        1,
        "{v}"
    );
    assert_eq!(
        v["hooks"]["PermissionRequest"][0]["hooks"][0]["allowedEnvVars"],
        json!(["CLAUDED_SERVER_TOKEN"])
    );
    for bad in ["ck_real_key_value", "lower", "A-B", "1ST", "$X"] {
        let mut args = INSTALL.to_vec();
        args.extend(["--key-env", bad]);
        let r = h.run(&args, None);
        assert!(
            r.code == 2 && r.stderr.contains("--key-env"),
            "{bad}: {r:?}"
        );
    }
}
