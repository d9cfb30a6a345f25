//! `clauded ask` end to end against the fake upstream.

use crate::support::{Delivery, Home, Reply, fake_anthropic::content_text, text_events};
use serde_json::{Value, json};
use std::time::Duration;

#[test]
fn ask_combines_prompt_and_stdin_and_streams_the_answer() {
    let h = Home::new();
    h.fake.push(Reply::text("Paris is the capital. ✓"));
    let r = h.ok(&["ask", "Summarize this:"], Some("France facts\n"));
    // piped, stdout is exactly what the API sent: no newline added
    assert_eq!(r.stdout, "Paris is the capital. ✓");
    let reqs = h.fake.message_requests();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req.last_user_text(), "Summarize this:\n\nFrance facts");
    assert_eq!(
        req.header("x-api-key"),
        Some("sk-ant-test-0123456789abcdef")
    );
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(req.body["stream"], json!(true));
    assert_eq!(
        req.body["model"],
        json!("claude-sonnet-4-5"),
        "the default model"
    );
}

#[test]
fn the_exchange_is_saved_and_continues() {
    let h = Home::new();
    h.fake.push(Reply::text("first answer"));
    h.fake.push(Reply::text("second answer"));
    h.fake.push(Reply::text("third answer"));
    h.ok(
        &[
            "ask",
            "--model",
            "claude-opus-4-5",
            "--system",
            "be brief",
            "first question",
        ],
        None,
    );
    h.ok(&["ask", "-c", "second question"], None);

    let sessions = h.json(&["sessions", "list", "--json"]);
    let list = sessions.as_array().unwrap();
    assert_eq!(list.len(), 1, "continuing does not make a new session");
    let s = &list[0];
    assert_eq!(s["message_count"], json!(4));
    assert_eq!(s["title"], json!("first question"));
    assert_eq!(s["model"], json!("claude-opus-4-5"));
    assert!(s["total_cost"].as_f64().unwrap() > 0.0);

    let second = &h.fake.message_requests()[1];
    let msgs = second.body["messages"].as_array().unwrap();
    let turns: Vec<(String, String)> = msgs
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                content_text(&m["content"]),
            )
        })
        .collect();
    assert_eq!(
        turns,
        vec![
            ("user".into(), "first question".into()),
            ("assistant".into(), "first answer".into()),
            ("user".into(), "second question".into())
        ]
    );
    assert_eq!(
        second.body["model"],
        json!("claude-opus-4-5"),
        "the session's model carries over"
    );
    assert_eq!(
        second.body["system"],
        json!("be brief"),
        "the session's system prompt carries over"
    );

    // --session with a unique prefix
    let id = s["id"].as_str().unwrap();
    h.ok(&["ask", "--session", &id[..6], "third"], None);
    assert_eq!(
        h.fake.message_requests()[2].body["messages"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn export_and_show_render_the_conversation() {
    let h = Home::new();
    h.fake.push(Reply::text("**bold** answer"));
    h.ok(&["ask", "what is up"], None);
    let id = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let md = h
        .ok(&["sessions", "export", &id, "--format", "md"], None)
        .stdout;
    assert!(md.starts_with("# what is up\n"), "{md}");
    assert!(md.contains("## User\n\nwhat is up"), "{md}");
    assert!(md.contains("## Claude\n\n**bold** answer"), "{md}");

    let js: Value = serde_json::from_str(
        &h.ok(&["sessions", "export", &id, "--format", "json"], None)
            .stdout,
    )
    .unwrap();
    assert_eq!(js["session"]["id"], json!(id));
    assert_eq!(
        js["messages"][1]["content"][0]["text"],
        json!("**bold** answer")
    );
    assert_eq!(js["messages"][1]["usage"]["output_tokens"], json!(12));

    let shown = h.ok(&["sessions", "show", &id[..8]], None).stdout;
    assert!(
        shown.contains("what is up") && shown.contains("**bold** answer"),
        "{shown}"
    );

    let out = h.path().join("t.md");
    h.ok(
        &["sessions", "export", &id, "-o", out.to_str().unwrap()],
        None,
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), md);

    h.ok(&["sessions", "rm", &id], None);
    assert_eq!(h.json(&["sessions", "list", "--json"]), json!([]));
    let r = h.run(&["sessions", "show", &id], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("session not found"), "{r:?}");
}

#[test]
fn overloaded_then_success_is_retried() {
    let h = Home::new();
    h.fake
        .push(Reply::error(529, "overloaded_error", "Overloaded").header("retry-after-ms", "20"));
    h.fake.push(Reply::text("made it"));
    let r = h.ok(&["ask", "hello"], None);
    assert_eq!(r.stdout, "made it");
    assert_eq!(h.fake.message_requests().len(), 2);
    assert!(
        r.stderr.contains("overloaded_error"),
        "the retry is reported: {r:?}"
    );
}

#[test]
fn retries_are_bounded_and_the_last_error_is_reported() {
    let h = Home::new();
    for _ in 0..5 {
        h.fake.push(
            Reply::error(
                429,
                "rate_limit_error",
                "Number of requests has exceeded your rate limit",
            )
            .header("retry-after", "0"),
        );
    }
    let r = h.run(&["ask", "hello"], None);
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(
        h.fake.message_requests().len(),
        3,
        "one try and two retries by default"
    );
    assert!(
        r.stderr.contains("rate_limit_error: Number of requests"),
        "{r:?}"
    );
    assert!(r.stderr.contains("request-id req_fake_429"), "{r:?}");
}

#[test]
fn should_retry_false_is_honoured() {
    let h = Home::new();
    h.fake.push(
        Reply::error(529, "overloaded_error", "Overloaded").header("x-should-retry", "false"),
    );
    let r = h.run(&["ask", "hello"], None);
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(h.fake.message_requests().len(), 1);
}

#[test]
fn a_bad_key_exits_4_with_the_api_message_and_a_hint() {
    let h = Home::new();
    h.fake.push(Reply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    let r = h.run(&["ask", "hello"], None);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr.contains(
            "error: authentication_error: invalid x-api-key (HTTP 401, request-id req_fake_401)"
        ),
        "{r:?}"
    );
    assert!(r.stderr.contains("clauded auth login"), "{r:?}");
    assert!(
        !r.stderr.contains("0123456789abcdef"),
        "the key never appears: {r:?}"
    );
    assert_eq!(h.fake.message_requests().len(), 1, "a 401 is not retried");
}

#[test]
fn a_missing_key_exits_3_before_any_request() {
    let mut h = Home::new();
    h.key = None;
    let r = h.run(&["ask", "hello"], None);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("no Anthropic API key: set ANTHROPIC_API_KEY or run `clauded auth login`"),
        "{r:?}"
    );
    assert!(h.fake.requests().is_empty());
    assert_eq!(
        h.run(&["sessions", "list", "--json"], None).stdout.trim(),
        "[]",
        "no empty session is left behind"
    );
}

#[test]
fn nothing_to_ask_is_a_usage_error() {
    let h = Home::new();
    let r = h.run(&["ask"], Some("   \n"));
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("nothing to ask"), "{r:?}");
}

#[test]
fn a_dead_upstream_exits_5() {
    let h = Home::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = crate::support::run_cmd(
        {
            let mut c = h.cmd(&["ask", "hello"]);
            c.env("ANTHROPIC_BASE_URL", &url);
            c
        },
        None,
    );
    assert_eq!(r.code, 5, "{r:?}");
    assert!(r.stderr.contains("cannot reach"), "{r:?}");
}

#[test]
fn byte_split_crlf_frames_with_multibyte_text_arrive_whole() {
    let h = Home::new();
    let text = "naïve café — 日本語 😀 done";
    h.fake.push(
        Reply::Events(text_events("claude-test", text)).delivered(Delivery {
            chunk: Some(3),
            newline: "\r\n",
            ..Default::default()
        }),
    );
    let r = h.ok(&["ask", "hi"], None);
    assert_eq!(r.stdout, text);
}

#[test]
fn a_mid_stream_error_fails_and_keeps_the_partial_answer() {
    let h = Home::new();
    let mut ev = text_events("claude-test", "partial words here");
    ev.truncate(5);
    ev.push((
        "error".into(),
        json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
    ));
    h.fake.push(Reply::Events(ev));
    let r = h.run(&["ask", "hi"], None);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("overloaded_error: Overloaded"), "{r:?}");
    assert!(
        r.stdout.starts_with("part"),
        "what arrived was shown: {r:?}"
    );
    let s = h.json(&["sessions", "list", "--json"]);
    let id = s[0]["id"].as_str().unwrap();
    let msgs = &h.json(&["sessions", "show", id, "--json"])["messages"];
    assert_eq!(msgs[1]["stop_reason"], json!("error"));
    assert!(
        msgs[1]["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("part")
    );
}

#[test]
fn a_dropped_connection_is_an_error_not_a_clean_finish() {
    let h = Home::new();
    h.fake
        .push(Reply::text("this will be cut").delivered(Delivery {
            drop_after: Some(4),
            ..Default::default()
        }));
    let r = h.run(&["ask", "hi"], None);
    assert_eq!(r.code, 5, "{r:?}");
    assert!(
        r.stderr.contains("ended before the message was complete"),
        "{r:?}"
    );
}

#[test]
fn json_mode_prints_documented_ndjson_events() {
    let h = Home::new();
    h.fake.push(Reply::text("one two"));
    let r = h.ok(&["ask", "--json", "hi"], None);
    let events: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"session"));
    assert_eq!(types[1], "start");
    assert_eq!(types.last(), Some(&"done"));
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "text")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(text, "one two");
    let done = events.last().unwrap();
    assert_eq!(done["stop_reason"], json!("end_turn"));
    assert_eq!(done["usage"]["output_tokens"], json!(12));

    h.fake
        .push(Reply::error(401, "authentication_error", "bad key"));
    let r = h.run(&["ask", "--json", "hi"], None);
    assert_eq!(r.code, 4);
    let last: Value = serde_json::from_str(r.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], json!("error"));
    assert_eq!(last["error"]["type"], json!("authentication_error"));
    assert_eq!(last["error"]["status"], json!(401));
    assert_eq!(last["exit_code"], json!(4));
}

#[test]
fn no_stream_and_no_save() {
    let h = Home::new();
    h.fake.push(Reply::text("whole answer"));
    let r = h.ok(
        &[
            "ask",
            "--no-stream",
            "--no-save",
            "--max-tokens",
            "77",
            "hi",
        ],
        None,
    );
    assert_eq!(r.stdout, "whole answer");
    let req = &h.fake.message_requests()[0];
    assert_eq!(req.body.get("stream"), None);
    assert_eq!(req.body["max_tokens"], json!(77));
    assert_eq!(h.json(&["sessions", "list", "--json"]), json!([]));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_answer_keeps_the_part_and_exits_130() {
    let h = Home::new();
    h.fake.push(
        Reply::text("slow answer arriving piece by piece over time").delivered(Delivery {
            event_delay: Duration::from_millis(150),
            ..Default::default()
        }),
    );
    let mut cmd = h.cmd(&["ask", "hi"]);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // wait until a text delta has been sent, then interrupt
    let start = std::time::Instant::now();
    while h.fake.message_requests().is_empty() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(800));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let msgs = &h.json(&["sessions", "show", &id, "--json"])["messages"];
    assert_eq!(msgs[1]["stop_reason"], json!("cancelled"));
    let kept = msgs[1]["content"][0]["text"].as_str().unwrap();
    assert!(
        !kept.is_empty() && "slow answer arriving piece by piece over time".starts_with(kept),
        "{kept}"
    );
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        h.fake.disconnects(),
        1,
        "the upstream request was cancelled"
    );
}
