//! Real browser clients in headless Chromium (installed by the test setup): the openai JS SDK
//! and an EventSource with credentials from an allowed origin keep working, while a foreign
//! page and a DNS-rebinding page cannot drive the daemon. Runs `tests/compat/browser.mjs`.

use crate::support::Reply;
use crate::support::server::TestServer;
use serde_json::{Value, json};
use std::path::PathBuf;

fn node_modules() -> PathBuf {
    std::env::var_os("CLAUDED_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".test-env/node/node_modules")
        })
}

fn chromium() -> PathBuf {
    let p = std::env::var_os("CLAUDED_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        p.exists(),
        "Chromium is not installed at {}: run tests/run.sh as CI does (apt-get install chromium)",
        p.display()
    );
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_clients_work_from_allowed_origins_and_pages_cannot_drive_the_daemon() {
    let browser = chromium();
    let modules = node_modules();
    assert!(
        modules.join("playwright-core").exists() && modules.join("openai").exists(),
        "playwright-core and openai are not installed in {}: run tests/run.sh",
        modules.display()
    );
    let s = TestServer::start().await;
    s.fake.push(Reply::text("hello from the browser"));
    s.fake.push(Reply::text("streamed to the browser"));
    // a run with stored events, for the EventSource
    let st = &s.store;
    st.create_session(&clauded::store::NewSession {
        id: Some("run-browser".into()),
        model: "claude-sonnet-4-5".into(),
        source: "run".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    st.append_event(
        "run-browser",
        "input_preview",
        &json!({"type": "input_preview"}),
    )
    .await
    .unwrap();
    st.append_event(
        "run-browser",
        "session_name",
        &json!({"type": "session_name"}),
    )
    .await
    .unwrap();
    st.set_session_status("run-browser", "completed")
        .await
        .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compat/browser.mjs");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&script)
        .arg(&s.base)
        .arg("run-browser")
        .env("CLAUDED_NODE_MODULES", &modules)
        .env("CLAUDED_CHROMIUM", &browser)
        .kill_on_drop(true);
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("the browser check finished in time")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser.mjs failed:\n{stdout}\n{stderr}"
    );
    let r: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON from browser.mjs ({e}):\n{stdout}\n{stderr}"));

    // the SDK and the EventSource from an allowed origin
    let allowed = &r["allowed"];
    assert_eq!(allowed["sdk_error"], Value::Null, "{r}");
    assert_eq!(allowed["plain"], json!("hello from the browser"), "{r}");
    assert_eq!(allowed["streamed"], json!("streamed to the browser"), "{r}");
    assert_eq!(
        allowed["events"],
        json!(["input_preview", "session_name", "completed"]),
        "{r}"
    );
    // a foreign page: the JSON post dies in the preflight, the no-cors post is refused
    assert_eq!(r["foreign"]["json"], json!("blocked"), "{r}");
    assert_eq!(r["foreign"]["text_plain"], json!("opaque"), "{r}");
    assert_eq!(r["foreign"]["execute"], json!("opaque"), "{r}");
    let sessions = s.store.sessions(&Default::default()).await.unwrap();
    assert_eq!(
        sessions.len(),
        1,
        "a foreign page started a run: {sessions:?}"
    );
    // DNS rebinding: the page's name reaches the daemon's port and is refused
    assert_eq!(r["rebind_status"], json!(403), "{r}");
    // nothing ran, nothing reached Claude but the SDK's two requests
    let root = s.dir.path().join("workspaces").join("scratch");
    assert!(!root.join("pwned-by-page").exists());
    assert_eq!(s.fake.message_requests().len(), 2);
}
