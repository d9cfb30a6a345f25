//! The official `openai` Python SDK against the server (installed by tests/run.sh).

use crate::support::server::TestServer;
use crate::support::{Reply, text_events};
use serde_json::json;
use std::path::PathBuf;

/// The Python with the SDK: `$CLAUDED_PYTHON`, else `.test-env/venv/bin/python`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CLAUDED_PYTHON") {
        return p.into();
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".test-env/venv/bin/python");
    assert!(
        p.exists(),
        "the openai SDK is not installed: run tests/run.sh (it makes .test-env/venv)"
    );
    p
}

/// Runs one of the SDK suites in `tests/compat/` against `base` and checks that all of its
/// `cases` passed.
pub async fn run_suite(python: &std::path::Path, script: &str, base: &str, cases: usize) {
    run_suite_with(python, script, &[base], cases).await
}

/// [`run_suite`] with more arguments after the base URL (a server token, …).
pub async fn run_suite_with(python: &std::path::Path, script: &str, args: &[&str], cases: usize) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compat")
        .join(script);
    let out = tokio::process::Command::new(python)
        .arg(&script)
        .args(args)
        .env("OPENAI_LOG", "")
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK suite failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("{cases} passed, 0 failed")),
        "{stdout}"
    );
}

fn tool_events() -> Vec<(String, serde_json::Value)> {
    vec![
        (
            "message_start".into(),
            json!({"type":"message_start","message":{"id":"msg_tools","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":30,"output_tokens":1}}}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":0}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_W","name":"get_weather","input":{}}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": "}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":1}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_T","name":"get_time","input":{}}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":2}),
        ),
        (
            "message_delta".into(),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":40}}),
        ),
        ("message_stop".into(), json!({"type":"message_stop"})),
    ]
}

fn json_tool_events() -> Vec<(String, serde_json::Value)> {
    vec![
        (
            "message_start".into(),
            json!({"type":"message_start","message":{"id":"msg_json","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":30,"output_tokens":1}}}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_tool_call","input":{}}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\": 1}"}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":0}),
        ),
        (
            "message_delta".into(),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":5}}),
        ),
        ("message_stop".into(), json!({"type":"message_stop"})),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk() {
    let python = python();
    let s = TestServer::start().await;
    let f = &s.fake;
    f.set_models(&["claude-sonnet-4-5", "claude-haiku-4-5"]);
    f.push(Reply::text("Hello from fake"));
    f.push(Reply::text("streamed hello world"));
    f.push(Reply::text("usage please"));
    f.push(Reply::Events(tool_events()));
    f.push(Reply::text("It is 18C in Paris."));
    f.push(Reply::Events(json_tool_events()));
    f.push(Reply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    f.push(
        Reply::error(
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        )
        .header("retry-after", "3"),
    );
    f.push(Reply::error(404, "not_found_error", "model: nope"));
    f.push(Reply::error(529, "overloaded_error", "Overloaded"));
    let mut cut = text_events("claude-sonnet-4-5", "partial answer");
    cut.truncate(5);
    cut.push((
        "error".into(),
        json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
    ));
    f.push(Reply::Events(cut));

    run_suite(&python, "openai_sdk.py", &s.base, 13).await;

    let reqs = f.message_requests();
    assert_eq!(
        reqs.len(),
        11,
        "one upstream request per case: no retry storms"
    );
    assert!(
        reqs.iter()
            .all(|r| r.header("x-api-key") == Some("sk-ant-from-the-sdk-0000")),
        "the SDK's sk-ant- key is used upstream"
    );
    let round_trip = &reqs[4].body["messages"];
    assert_eq!(round_trip[1]["content"][0]["type"], json!("tool_use"));
    assert_eq!(
        round_trip[2]["content"][0],
        json!({"type":"tool_result","tool_use_id":"toolu_W","content":"18C and sunny"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_responses_api() {
    let python = python();
    let s = TestServer::start().await;
    let f = &s.fake;
    let weather = || {
        crate::support::fake_anthropic::tool_use_events(&[(
            "toolu_W",
            "get_weather",
            json!({"city": "Paris"}),
        )])
    };
    f.push(Reply::text("Hello from responses"));
    f.push(Reply::text("streamed through responses"));
    f.push(Reply::Events(weather()));
    f.push(Reply::text("It is 18C in Paris."));
    f.push(Reply::Events(weather()));
    f.push(Reply::Events(json_tool_events()));
    f.push(Reply::text("Nice to meet you, Ada."));
    f.push(Reply::text("Your name is Ada."));
    f.push(Reply::text("You are welcome."));
    f.push(Reply::text("Forgotten."));
    let thought = "The user greets me; a short greeting back will do.";
    for _ in 0..2 {
        f.push(Reply::Events(
            crate::support::fake_anthropic::thinking_events(thought, "Hi! How can I help?"),
        ));
    }
    run_suite(&python, "openai_responses.py", &s.base, 9).await;

    let reqs = f.message_requests();
    assert_eq!(
        reqs.len(),
        12,
        "one upstream request per exchange, none for the 400s"
    );
    // the continuations carried the stored turns, and only this request's instructions
    let user_texts = |i: usize| -> Vec<String> {
        reqs[i].body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                m["content"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| m["content"][0]["text"].as_str().unwrap_or("").to_owned())
            })
            .collect()
    };
    assert_eq!(
        user_texts(7),
        [
            "my name is Ada",
            "Nice to meet you, Ada.",
            "what is my name?"
        ]
    );
    assert_eq!(
        user_texts(8),
        [
            "my name is Ada",
            "Nice to meet you, Ada.",
            "what is my name?",
            "Your name is Ada.",
            "thanks"
        ]
    );
    assert_eq!(reqs[6].body["system"], json!("be brief"));
    assert!(
        reqs[7].body.get("system").is_none(),
        "instructions are not carried over"
    );
    assert_eq!(reqs[0].body["system"], json!("be brief"));
    // the hosted web_search tool was left out, the function kept
    let tools = reqs[2].body["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0]["name"], json!("get_weather"));
    // the follow-up carried the call and its output
    let msgs = &reqs[3].body["messages"];
    assert_eq!(msgs[1]["content"][0]["type"], json!("tool_use"));
    assert_eq!(
        msgs[2]["content"][0],
        json!({"type":"tool_result","tool_use_id":"toolu_W","content":"18C and sunny"})
    );
    // a summary asked with an effort: Claude was asked to think, streamed and not
    for r in &reqs[10..12] {
        assert_eq!(r.body["thinking"]["type"], json!("enabled"), "{}", r.body);
        assert!(r.body["thinking"]["budget_tokens"].as_u64().unwrap() >= 1024);
    }
    assert_eq!(reqs[10].body["stream"], json!(true));
    assert_ne!(reqs[11].body["stream"], json!(true));
}
