//! The built-in tools' safety against a real `clauded serve` process: bash's environment, its
//! output held in memory, confinement, and tool processes dying with the daemon.

use crate::support::Home;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SERVER_TOKEN: &str = "srv-token-do-not-leak-0001";

/// `clauded serve` on port 0 over a home, with our secrets in its environment.
struct Daemon {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

impl Daemon {
    fn start(h: &Home) -> Self {
        let mut child = h
            .cmd(&["serve", "--port", "0"])
            .env("GITHUB_TOKEN", "ghp_do_not_leak_0123456789")
            .env("CLAUDED_SERVER_TOKEN", SERVER_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            assert!(
                err.read_line(&mut line).unwrap() > 0,
                "serve exited early: {seen}"
            );
            seen.push_str(&line);
            if let Some(rest) = line.trim().split("listening on ").nth(1) {
                break rest.to_owned();
            }
        };
        let stderr = Arc::new(Mutex::new(seen));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        clauded::anthropic::init_tls();
        Self {
            child,
            url,
            stderr,
            http: reqwest::Client::new(),
        }
    }

    /// Runs the built-in bash tool through `POST /v1/tools/execute`; the route's JSON answer.
    async fn bash(&self, command: &str) -> Value {
        let r = self
            .http
            .post(format!("{}/v1/tools/execute", self.url))
            .bearer_auth(SERVER_TOKEN)
            .json(&json!({"tool_name": "bash__bash", "arguments": {"command": command}}))
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", self.stderr());
        r.json().await.unwrap()
    }

    /// What the daemon wrote to stderr so far.
    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tool's text, whether it succeeded or not.
fn text(r: &Value) -> String {
    r["result"]
        .as_str()
        .or(r["error"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_gets_a_clean_environment_without_our_secrets() {
    let h = Home::new();
    let d = Daemon::start(&h);
    let r = d.bash("env").await;
    let env = text(&r);
    assert_eq!(r["success"], json!(true), "{r}");
    for secret in [
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "CLAUDED_SERVER_TOKEN",
        "sk-ant-test",
        "ghp_do_not_leak",
        SERVER_TOKEN,
    ] {
        assert!(!env.contains(secret), "{secret} reached bash:\n{env}");
    }
    for name in ["PATH=", "HOME=", "PWD=", "TMPDIR="] {
        assert!(env.contains(&format!("\n{name}")), "no {name} in:\n{env}");
    }
}
