//! The agent loop end to end: Claude (scripted) calls tools through the CLI and over HTTP.

use crate::support::fake_anthropic::{tool_results, tool_use_events};
use crate::support::server::{TestServer, sse_json};
use crate::support::{Home, Reply, Run, run_cmd};
use serde_json::{Value, json};
use std::time::Duration;

fn ask_in(h: &Home, root: &std::path::Path, extra: &[&str]) -> Run {
    let mut args = vec!["ask", "--root", root.to_str().unwrap()];
    args.extend_from_slice(extra);
    let mut c = h.cmd(&args);
    detach(&mut c);
    run_cmd(c, None)
}

/// No controlling terminal, so "ask" permissions cannot be answered and mean no.
fn detach(c: &mut std::process::Command) {
    #[cfg(unix)]
    unsafe {
        use std::os::unix::process::CommandExt;
        c.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
}

fn all_tool_uses_have_results(h: &Home) {
    let list = h.json(&["sessions", "list", "--json"]);
    for s in list.as_array().unwrap() {
        let msgs =
            h.json(&["sessions", "show", s["id"].as_str().unwrap(), "--json"])["messages"].clone();
        let mut open: Vec<String> = vec![];
        for m in msgs.as_array().unwrap() {
            for b in m["content"].as_array().unwrap() {
                match b["type"].as_str() {
                    Some("tool_use") => open.push(b["id"].as_str().unwrap().to_owned()),
                    Some("tool_result") => {
                        open.retain(|id| id != b["tool_use_id"].as_str().unwrap())
                    }
                    _ => {}
                }
            }
        }
        assert!(
            open.is_empty(),
            "tool_use without tool_result in the store: {open:?}"
        );
    }
}

#[test]
fn the_builtin_filesystem_writes_a_file_and_claude_sees_the_result() {
    let h = Home::new();
    let root = tempfile::tempdir().unwrap();
    h.fake.push(Reply::Events(tool_use_events(&[(
        "toolu_w",
        "filesystem__write_file",
        json!({"path":"notes/hello.txt","content":"hello from claude\n"}),
    )])));
    h.fake.push(Reply::text("I wrote the file."));
    let r = ask_in(
        &h,
        root.path(),
        &["--mcp", "filesystem", "--yes", "write a note"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "I wrote the file.", "piped: as sent");
    assert!(
        r.stderr.contains("→ filesystem__write_file"),
        "tool calls are shown: {r:?}"
    );
    assert!(r.stderr.contains("← filesystem__write_file ok"), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(root.path().join("notes/hello.txt")).unwrap(),
        "hello from claude\n"
    );

    let reqs = h.fake.message_requests();
    assert_eq!(reqs.len(), 2);
    let tools: Vec<&str> = reqs[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tools.contains(&"filesystem__write_file") && tools.contains(&"filesystem__read_file"),
        "{tools:?}"
    );
    let results = tool_results(&reqs[1]);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].0, "toolu_w");
    assert!(results[0].1.contains("wrote notes/hello.txt") && !results[0].2);
    let list = h.json(&["sessions", "list", "--json"]);
    assert_eq!(
        list[0]["message_count"],
        json!(4),
        "user, tool call, tool result, answer"
    );
    all_tool_uses_have_results(&h);
}

#[test]
fn parallel_calls_run_together_and_come_back_in_order() {
    let h = Home::new();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("a.txt"), "alpha").unwrap();
    h.fake.push(Reply::Events(tool_use_events(&[
        ("t1", "bash__bash", json!({"command":"sleep 1; echo one"})),
        ("t2", "bash__bash", json!({"command":"sleep 1; echo two"})),
        ("t3", "filesystem__read_file", json!({"path":"a.txt"})),
    ])));
    h.fake.push(Reply::text("done"));
    let started = std::time::Instant::now();
    let r = ask_in(
        &h,
        root.path(),
        &["--mcp", "filesystem", "--mcp", "bash", "--yes", "go"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "two 1 s commands ran concurrently"
    );
    let results = tool_results(&h.fake.message_requests()[1]);
    let ids: Vec<&str> = results.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    assert!(results[0].1.contains("exit code: 0") && results[0].1.contains("one"));
    assert!(results[1].1.contains("two"));
    assert_eq!(results[2].1, "alpha");
}

#[test]
fn max_turns_stops_the_loop_and_every_call_still_gets_a_result() {
    let h = Home::new();
    let root = tempfile::tempdir().unwrap();
    for i in 0..5 {
        h.fake.push(Reply::Events(tool_use_events(&[(
            &format!("loop{i}"),
            "bash__bash",
            json!({"command":"true"}),
        )])));
    }
    let r = ask_in(
        &h,
        root.path(),
        &["--mcp", "bash", "--yes", "--max-turns", "2", "loop forever"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(h.fake.message_requests().len(), 2);
    all_tool_uses_have_results(&h);
    let id = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let msgs = h.json(&["sessions", "show", &id, "--json"])["messages"].clone();
    let last = msgs.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["role"], json!("user"));
    assert!(
        last["content"][0]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("limit of 2 model turns"),
        "{last}"
    );
}

#[test]
fn without_a_terminal_or_yes_a_write_is_denied_but_reads_are_allowed() {
    let h = Home::new();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("r.txt"), "readable").unwrap();
    h.fake.push(Reply::Events(tool_use_events(&[
        (
            "w",
            "filesystem__write_file",
            json!({"path":"x.txt","content":"x"}),
        ),
        ("r", "filesystem__read_file", json!({"path":"r.txt"})),
    ])));
    h.fake.push(Reply::text("ok"));
    let r = ask_in(&h, root.path(), &["--mcp", "filesystem", "hi"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!root.path().join("x.txt").exists(), "the write was denied");
    let results = tool_results(&h.fake.message_requests()[1]);
    assert!(
        results[0].2 && results[0].1.contains("denied"),
        "{results:?}"
    );
    assert!(
        !results[1].2 && results[1].1 == "readable",
        "read-only tools are allowed by default"
    );
}

#[test]
fn a_real_mcp_server_is_called_by_claude() {
    let h = Home::new();
    let time = crate::support::time_server();
    h.ok(
        &[
            "mcp",
            "add",
            "time",
            "--",
            time.to_str().unwrap(),
            "--local-timezone",
            "UTC",
        ],
        None,
    );
    h.fake.push(Reply::Events(tool_use_events(&[(
        "tt",
        "time__get_current_time",
        json!({"timezone":"UTC"}),
    )])));
    h.fake.push(Reply::text("It is now."));
    let root = tempfile::tempdir().unwrap();
    let r = ask_in(
        &h,
        root.path(),
        &["--mcp", "time", "--yes", "what time is it?"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let results = tool_results(&h.fake.message_requests()[1]);
    assert!(!results[0].2 && results[0].1.contains("UTC"), "{results:?}");
    // the session remembers its servers: continuing offers the same tools
    h.fake.push(Reply::text("still here"));
    let mut c = h.cmd(&["ask", "-c", "again"]);
    detach(&mut c);
    let r = run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    let last = h.fake.message_requests().pop().unwrap();
    let names: Vec<Value> = last.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert!(
        names.contains(&json!("time__get_current_time")),
        "{names:?}"
    );
}

async fn stream_until(
    body: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    seen: &mut String,
    needle: &str,
) {
    use futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("frame in time");
        match chunk {
            Some(c) => seen.push_str(&String::from_utf8_lossy(&c.unwrap())),
            None => panic!("stream ended before {needle:?}: {seen}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_approves_a_tool_call_over_http() {
    let s = TestServer::start().await;
    let (_, sess) = s.post("/v1/sessions", json!({"title":"agent"})).await;
    let sid = sess["id"].as_str().unwrap().to_owned();
    let (st, r) = s
        .post(
            &format!("/v1/sessions/{sid}/tools"),
            json!({"enabled_servers":["bash"],"priority":[]}),
        )
        .await;
    assert_eq!((st, r["enabled_servers"].clone()), (200, json!(["bash"])));
    s.fake.push(Reply::Events(tool_use_events(&[(
        "tu_ok",
        "bash__bash",
        json!({"command":"echo approved > proof.txt; echo done"}),
    )])));
    s.fake.push(Reply::Events(tool_use_events(&[(
        "tu_no",
        "bash__bash",
        json!({"command":"touch denied.txt"}),
    )])));
    s.fake.push(Reply::text("finished"));

    let resp = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"session_id": sid, "messages":[{"role":"user","content":"run it"}], "stream": true}))
        .send()
        .await
        .unwrap();
    let mut body = resp.bytes_stream();
    let mut seen = String::new();
    stream_until(&mut body, &mut seen, "approval_request").await;
    let (st, _) = s
        .post(
            &format!("/v1/sessions/{sid}/approvals/tu_ok"),
            json!({"decision":"allow"}),
        )
        .await;
    assert_eq!(st, 200);
    stream_until(&mut body, &mut seen, "\"tool_use_id\":\"tu_no\"").await;
    let (st, _) = s
        .post(
            &format!("/v1/sessions/{sid}/approvals/tu_no"),
            json!({"decision":"deny"}),
        )
        .await;
    assert_eq!(st, 200);
    stream_until(&mut body, &mut seen, "data: [DONE]").await;

    let (frames, done) = sse_json(&seen);
    assert!(done);
    let kinds: Vec<&str> = frames
        .iter()
        .map(|f| f["object"].as_str().unwrap_or(""))
        .collect();
    let pos = |k: &str, nth: usize| {
        kinds
            .iter()
            .enumerate()
            .filter(|(_, x)| **x == k)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap()
    };
    assert!(
        pos("tool_use", 0) < pos("approval_request", 0)
            && pos("approval_request", 0) < pos("tool_result", 0)
    );
    let results: Vec<&Value> = frames
        .iter()
        .filter(|f| f["object"] == "tool_result")
        .collect();
    assert_eq!(results[0]["tool_id"], json!("tu_ok"));
    assert_eq!(results[0]["is_error"], json!(false));
    assert_eq!(results[0]["exit_code"], json!(0));
    assert!(results[0]["content"].as_str().unwrap().contains("done"));
    assert!(results[0]["duration_ms"].is_u64() && results[0]["session_id"] == json!(sid));
    assert_eq!(results[1]["is_error"], json!(true));
    assert!(results[1]["content"].as_str().unwrap().contains("denied"));
    // the server named the session's workspace (never after the client's id)
    let meta = {
        let sid = sid.clone();
        s.store.session_metadata(&sid).await.unwrap()
    };
    let ws = std::path::PathBuf::from(meta["workspace"].as_str().unwrap());
    assert!(ws.starts_with(s.dir.path().join("workspaces")));
    assert_eq!(
        std::fs::read_to_string(ws.join("proof.txt")).unwrap(),
        "approved\n"
    );
    assert!(!ws.join("denied.txt").exists());
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "finished");
    let (st, _) = s
        .post(
            &format!("/v1/sessions/{sid}/approvals/tu_ok"),
            json!({"decision":"allow"}),
        )
        .await;
    assert_eq!(st, 404, "nothing waits any more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_approval_is_a_denial() {
    let mut setup = crate::support::server::Setup::default();
    setup.options.approval_timeout = Duration::from_millis(300);
    let s = TestServer::start_with(setup).await;
    s.fake.push(Reply::Events(tool_use_events(&[(
        "late",
        "bash__bash",
        json!({"command":"touch late.txt"}),
    )])));
    s.fake.push(Reply::text("gave up"));
    let (_, sess) = s.post("/v1/sessions", json!({})).await;
    let sid = sess["id"].as_str().unwrap().to_owned();
    s.post("/v1/mcp/servers/bash/enable", json!({"session_id": sid}))
        .await;
    let body = s
        .chat_body(
            json!({"session_id": sid, "messages":[{"role":"user","content":"x"}], "stream": true}),
        )
        .await;
    let (frames, done) = sse_json(&body);
    assert!(done);
    let r = frames
        .iter()
        .find(|f| f["object"] == "tool_result")
        .unwrap();
    assert_eq!(r["is_error"], json!(true));
    let up = tool_results(&s.fake.message_requests()[1]);
    assert!(up[0].2 && up[0].1.contains("denied"));
    let events = s.store.events(&sid, None).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "user_message",
        "assistant_message",
        "tool_use",
        "approval_request",
        "tool_result",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
}
