//! The approval hub over HTTP: Claude Code's PermissionRequest hook waits for the phone, which
//! lists, streams and answers requests; answers are single use; no answer is no verdict.

use crate::support::server::TestServer;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

async fn pending(s: &TestServer) -> Vec<Value> {
    let (st, v) = s.get("/v1/approvals").await;
    assert_eq!(st, 200, "{v}");
    v["data"].as_array().cloned().unwrap_or_default()
}

async fn wait_pending(s: &TestServer, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let p = pending(s).await;
        if p.len() >= n {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no pending approval appeared");
}

fn hook_input(tool: &str) -> Value {
    json!({"session_id": "5d0c1a2b-0000-4000-8000-00000000cc01", "transcript_path": "/tmp/t.jsonl",
        "cwd": "/work/app", "permission_mode": "default", "hook_event_name": "PermissionRequest",
        "tool_name": tool, "tool_input": {"command": "rm -rf build", "description": "clean"}})
}

/// Claude Code's HTTP hook for `tool`, waiting in the background for its answer.
fn spawn_hook(s: &TestServer, tool: &str) -> tokio::task::JoinHandle<Value> {
    let (http, url, body) = (
        s.http.clone(),
        s.url("/v1/hooks/permission-request?timeout=20"),
        hook_input(tool),
    );
    tokio::spawn(async move {
        http.post(url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_answers_claude_codes_permission_hook() {
    let s = TestServer::start().await;
    // the phone watches the stream
    let stream = s
        .http
        .get(s.url("/v1/approvals/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut body = stream.bytes_stream();
    // Claude Code asks through its HTTP hook and waits
    let hook = spawn_hook(&s, "Bash");
    let p = wait_pending(&s, 1).await;
    assert_eq!(p[0]["tool"], json!("Bash"));
    assert_eq!(p[0]["source"], json!("claude-code"));
    assert_eq!(p[0]["input"]["command"], json!("rm -rf build"));
    assert_eq!(p[0]["cwd"], json!("/work/app"));
    let id = p[0]["id"].as_str().unwrap().to_owned();
    assert!(!hook.is_finished(), "the hook waits for the phone");
    let (st, a) = s
        .post(
            &format!("/v1/approvals/{id}"),
            json!({"decision": "allow", "message": "go ahead"}),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    let out = tokio::time::timeout(Duration::from_secs(10), hook)
        .await
        .expect("the hook got its answer")
        .unwrap();
    assert_eq!(
        out,
        json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest",
            "decision": {"behavior": "allow", "message": "go ahead"}}})
    );
    // single use
    let (st, _) = s
        .post(&format!("/v1/approvals/{id}"), json!({"decision": "deny"}))
        .await;
    assert_eq!(st, 409);
    assert!(pending(&s).await.is_empty());
    // the stream saw the request and the answer, with ids
    let mut seen = String::new();
    while !seen.contains("event: approval_resolved") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("frames in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: approval_request"), "{seen}");
    let first_id: i64 = seen
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .parse()
        .unwrap();
    // a reconnect after the first event gets only the answer
    let again = s
        .http
        .get(s.url("/v1/approvals/stream"))
        .header("last-event-id", first_id.to_string())
        .send()
        .await
        .unwrap();
    let mut body = again.bytes_stream();
    let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&chunk);
    assert!(
        text.contains("event: approval_resolved") && !text.contains("approval_request"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denial_says_why_and_silence_is_no_verdict() {
    let s = TestServer::start().await;
    let hook = spawn_hook(&s, "Write");
    let id = wait_pending(&s, 1).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _) = s
        .post(&format!("/v1/approvals/{id}"), json!({"decision": "deny"}))
        .await;
    assert_eq!(st, 200);
    let out = hook.await.unwrap();
    assert_eq!(
        out["hookSpecificOutput"]["decision"]["behavior"],
        json!("deny")
    );
    assert!(out["hookSpecificOutput"]["decision"]["message"].is_string());
    // nobody answers: the hook returns before the agent's timeout, with no verdict
    let started = std::time::Instant::now();
    let (st, out) = s
        .post("/v1/hooks/permission-request?timeout=2", hook_input("Bash"))
        .await;
    assert_eq!(st, 200);
    assert_eq!(out, json!({}));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // a bad decision is a 400
    let (st, _) = s
        .post(&format!("/v1/approvals/{id}"), json!({"decision": "maybe"}))
        .await;
    assert_eq!(st, 400);
}
