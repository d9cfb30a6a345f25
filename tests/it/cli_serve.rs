//! `clauded serve` as a process: first start with nothing configured, refusal, signals.

use crate::support::{Home, Reply, serve};
use std::io::BufRead;
use std::time::Duration;

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_starts_with_nothing_configured_and_stops_on_sigterm() {
    let mut h = Home::new();
    h.key = None;
    std::fs::remove_file(h.path().join("config.toml")).unwrap();
    let mut s = serve(h.cmd(&["serve", "--port", "0", "--demo"]));
    let (url, err) = (s.url.clone(), &mut s.stderr);
    let mut rest = String::new();
    err.read_line(&mut rest).unwrap();
    assert!(
        rest.contains("database:") && rest.contains("clauded.db"),
        "{rest}"
    );
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let health: serde_json::Value = http
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["ok"], serde_json::json!(true));
    let projects: serde_json::Value = http
        .get(format!("{url}/v1/projects"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        projects.as_array().unwrap().len(),
        3,
        "--demo seeded three projects"
    );

    // the caller's own key is used when the server has none
    h.fake.push(Reply::text("from upstream"));
    let r: serde_json::Value = http
        .post(format!("{url}/v1/chat/completions"))
        .bearer_auth("sk-ant-phone-key-000000")
        .json(&serde_json::json!({"messages":[{"role":"user","content":"hi"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["choices"][0]["message"]["content"],
        serde_json::json!("from upstream")
    );

    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0));
    let mut tail = String::new();
    std::io::Read::read_to_string(err, &mut tail).unwrap();
    assert!(
        tail.contains("GET /health 200"),
        "one log line per request: {tail}"
    );
    assert!(
        !tail.contains("sk-ant-phone"),
        "keys never reach the log: {tail}"
    );
    assert!(tail.contains("stopped"), "{tail}");
}

#[test]
fn a_public_address_without_a_token_is_refused() {
    let h = Home::new();
    let r = h.run(&["serve", "--host", "0.0.0.0", "--port", "0"], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("refusing to listen on 0.0.0.0") && r.stderr.contains("--token"),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_names_its_key_source_and_picks_up_a_key_stored_later() {
    let mut h = Home::new();
    h.key = None;
    let mut s = serve(h.cmd(&["serve", "--port", "0"]));
    let mut said = String::new();
    for _ in 0..2 {
        s.stderr.read_line(&mut said).unwrap();
    }
    assert!(
        said.contains("no server API key") && said.contains("without a restart"),
        "{said}"
    );
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let ask = || async {
        http.post(format!("{}/v1/chat/completions", s.url))
            .json(&serde_json::json!({"messages":[{"role":"user","content":"hi"}]}))
            .send()
            .await
            .unwrap()
    };
    assert_eq!(ask().await.status(), 401);

    let key = "sk-ant-api03-stored-later-0000wxyz";
    h.fake.set_models(&["claude-test"]);
    h.ok(&["auth", "login"], Some(&format!("{key}\n")));
    h.fake.push(Reply::text("now with the stored key"));
    let start = std::time::Instant::now();
    let r = loop {
        let r = ask().await;
        if r.status() != 401 || start.elapsed() > Duration::from_secs(15) {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(r.status(), 200);
    let sent = h.fake.message_requests().pop().unwrap();
    assert_eq!(sent.header("x-api-key"), Some(key));

    // a 404 for a /v1 path asked for without /v1 says where it is
    let r = http
        .get(format!("{}/chat/completions", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("did you mean /v1/chat/completions?"), "{msg}");

    // once a key exists, the start-up line says where it comes from
    let mut again = serve(h.cmd(&["serve", "--port", "0"]));
    let mut said = String::new();
    for _ in 0..2 {
        again.stderr.read_line(&mut said).unwrap();
    }
    assert!(
        said.contains("API key: sk-ant-…wxyz from the file"),
        "{said}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_are_public_and_clauded_health_asks_ready() {
    let h = Home::new();
    let mut c = h.cmd(&["serve", "--port", "0"]);
    c.env("CLAUDED_SERVER_TOKEN", "probe-test-token");
    let s = serve(c);
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let mut ready = serde_json::Value::Null;
    for (path, status) in [("/health/live", "alive"), ("/health/ready", "ready")] {
        let r = http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path} needs no token");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["status"], serde_json::json!(status), "{path}: {v}");
        ready = v;
    }
    let v = ready;
    assert_eq!(v["schema"]["found"], v["schema"]["known"], "{v}");

    let url = s.url.clone();
    let r = crate::support::finish(h.cmd(&["health", "--url", &url])).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("/health/ready: 200 ready"), "{r:?}");
    let port = url.rsplit(':').next().unwrap().to_owned();
    let r = crate::support::finish(h.cmd(&["health", "--port", &port])).await;
    assert_eq!(r.code, 0, "the configured host and --port: {r:?}");

    drop(s);
    let r = crate::support::finish(h.cmd(&["health", "--url", &url, "--timeout", "2"])).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("is `clauded serve` running?"), "{r:?}");
}
