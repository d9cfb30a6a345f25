//! The official `anthropic` Python SDK against the Messages API pass-through (installed by
//! tests/run.sh): create, stream, beta with unknown fields, tool use, count_tokens, models in
//! Anthropic's shape, errors in Anthropic's shape with their status and retry-after.

use crate::openai_sdk::{python, run_suite, run_suite_with};
use crate::support::Reply;
use crate::support::fake_anthropic::tool_use_events;
use crate::support::server::{Setup, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_anthropic_sdk() {
    let python = python();
    let s = TestServer::start().await;
    let f = &s.fake;
    f.set_models(&["claude-sonnet-4-5", "claude-haiku-4-5"]);
    f.push(Reply::text("Hello from the fake"));
    f.push(Reply::text("streamed through untouched"));
    f.push(Reply::text("beta ok"));
    f.push(Reply::Events(tool_use_events(&[(
        "toolu_1",
        "get_weather",
        json!({"city": "Paris"}),
    )])));
    f.push(Reply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    f.push(Reply::error(429, "rate_limit_error", "slow down").header("retry-after", "3"));
    f.push(Reply::error(529, "overloaded_error", "Overloaded"));

    run_suite(&python, "anthropic_sdk.py", &s.base, 9).await;

    let reqs = f.message_requests();
    assert_eq!(reqs.len(), 7, "one upstream request per case");
    assert!(
        reqs.iter()
            .all(|r| r.header("x-api-key") == Some("sk-ant-from-the-sdk-1111")),
        "the SDK's key is used upstream"
    );
    // the beta request went up as sent: its beta header, the fields we do not know
    let beta = f
        .requests()
        .into_iter()
        .find(|r| r.body["context_management"].is_object())
        .expect("the beta request reached the upstream");
    assert!(
        beta.header("anthropic-beta")
            .is_some_and(|b| b.contains("context-management-2025-06-27")),
        "{:?}",
        beta.headers
    );
    assert_eq!(beta.body["output_config"], json!({"effort": "low"}));
    assert_eq!(
        beta.body["system"][0]["cache_control"],
        json!({"type": "ephemeral"})
    );
    // the exchanges are in the request log with their tokens
    let anthropic_ok =
        |e: &&clauded::store::RequestLogEntry| e.source == "anthropic" && e.status == Some(200);
    let log = s
        .request_log(|l| l.iter().filter(anthropic_ok).count() >= 4)
        .await;
    let ok: Vec<_> = log.iter().filter(anthropic_ok).collect();
    assert_eq!(ok.len(), 4, "{log:?}");
    assert!(
        ok.iter().all(|e| e.input_tokens > 0 && e.output_tokens > 0),
        "{ok:?}"
    );
}

#[tokio::test]
async fn the_body_goes_up_byte_for_byte_and_errors_keep_anthropics_shape() {
    let s = TestServer::start().await;
    // odd spacing, key order and an unknown block type: re-serialising would change it
    let body = r#"{ "max_tokens":5 , "model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"mystery_block","x":1},{"type":"text","text":"hi"}]}],"zzz":{"keep":true}}"#;
    s.fake.push(Reply::text("fine"));
    let r = s
        .http
        .post(s.url("/v1/messages?beta=true"))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("x-claude-code-session-id", "cc-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let up = s.fake.message_requests().last().unwrap().clone();
    assert_eq!(up.raw, body);
    assert_eq!(up.path, "/v1/messages?beta=true");
    // our own refusals in Anthropic's shape
    let r = s
        .http
        .post(s.url("/v1/messages"))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["type"], json!("error"), "{v}");
    assert!(v["error"]["message"].is_string(), "{v}");
    let r = s
        .http
        .get(s.url("/v1/nope"))
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["type"], json!("not_found_error"), "{v}");
    // Claude Code's first call
    let r = s.http.head(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // its exchange is logged under its own source
    s.request_log(|l| l.iter().any(|e| e.source == "claude-code"))
        .await;
}

#[tokio::test]
async fn claude_code_conversations_become_sessions_turn_by_turn() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("first answer"));
    s.fake.push(Reply::text("second answer"));
    let send = |messages: serde_json::Value, stream: bool| {
        s.http
            .post(s.url("/v1/messages?beta=true"))
            .header("anthropic-version", "2023-06-01")
            .header("x-claude-code-session-id", "0b6f1c3e-cc00-4a1e-9d1f-000000000001")
            .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": stream, "messages": messages}))
            .send()
    };
    let first = json!([{"role": "user", "content": [
        {"type": "text", "text": "<system-reminder>context the agent adds</system-reminder>"},
        {"type": "text", "text": "hi there"}]}]);
    let r = send(first.clone(), true).await.unwrap();
    assert_eq!(r.status(), 200);
    let _ = r.text().await.unwrap();
    // the agent resends the whole history with its new turn
    let mut second = first.as_array().unwrap().clone();
    second
        .push(json!({"role": "assistant", "content": [{"type": "text", "text": "first answer"}]}));
    second.push(json!({"role": "user", "content": "and more"}));
    let r = send(json!(second), false).await.unwrap();
    assert_eq!(r.status(), 200);
    let _ = r.text().await.unwrap();
    // the answer is recorded after the body ends: give the background write a moment
    let sid = "0b6f1c3e-cc00-4a1e-9d1f-000000000001";
    let mut msgs = vec![];
    for _ in 0..200 {
        msgs = s.store.messages(sid).await.unwrap();
        if msgs.len() == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let texts: Vec<String> = msgs.iter().map(|m| m.text()).collect();
    assert_eq!(
        texts,
        ["hi there", "first answer", "and more", "second answer"]
    );
    let sess = s.store.session(sid).await.unwrap();
    assert_eq!(sess.source, "claude-code");
    assert_eq!(sess.title, "hi there");
    assert!(sess.total_tokens > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_anthropic_sdk_with_a_wrong_key_and_a_big_body() {
    let python = python();
    let token = "srv-token-anthropic-sdk";
    let s = guarded(token).await;
    s.fake.push(Reply::text("served with the token"));
    run_suite_with(
        &python,
        "anthropic_sdk_keys.py",
        &[s.base.as_str(), token],
        6,
    )
    .await;
    let reqs = s.fake.requests();
    assert_eq!(
        reqs.len(),
        1,
        "only the token's request went upstream: {reqs:?}"
    );
    assert_eq!(
        reqs[0].header("x-api-key"),
        Some("sk-ant-server-key-000000"),
        "the server's own key went upstream, never the token"
    );
}

/// A header name and value.
type Header = (&'static str, &'static str);

/// A server that asks for its token, with a small body limit.
async fn guarded(token: &str) -> TestServer {
    let mut setup = Setup::default();
    setup.options.token = Some(token.into());
    setup.options.max_body_bytes = 64 * 1024;
    TestServer::start_with(setup).await
}

/// The whole body of an Anthropic error: exactly `type` and `error{type,message}`.
fn assert_anthropic_error(v: &serde_json::Value, kind: &str, what: &str) {
    let keys = |o: &serde_json::Value| {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(v), ["error", "type"], "{what}: {v}");
    assert_eq!(v["type"], json!("error"), "{what}: {v}");
    assert_eq!(keys(&v["error"]), ["message", "type"], "{what}: {v}");
    assert_eq!(v["error"]["type"], json!(kind), "{what}: {v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {v}"
    );
}

#[tokio::test]
async fn a_wrong_key_is_one_clear_401_and_a_big_body_a_413_in_anthropics_shape() {
    let s = guarded("srv-token-anthropic-1").await;
    let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}]});
    let cases: [(&str, &str, Option<Header>); 6] = [
        (
            "POST",
            "/v1/messages?beta=true",
            Some(("x-api-key", "sk-ant-not-this-server")),
        ),
        (
            "POST",
            "/v1/messages",
            Some(("authorization", "Bearer wrong-token")),
        ),
        ("POST", "/v1/messages", None),
        (
            "POST",
            "/v1/messages/count_tokens",
            Some(("x-api-key", "ck_unknownkey")),
        ),
        (
            "GET",
            "/v1/models",
            Some(("x-api-key", "sk-ant-not-this-server")),
        ),
        (
            "GET",
            "/v1/models/claude-sonnet-4-5",
            Some(("x-api-key", "nope")),
        ),
    ];
    for (method, path, key) in cases {
        let what = format!("{method} {path} {key:?}");
        let mut rb = s
            .http
            .request(method.parse().unwrap(), s.url(path))
            .header("anthropic-version", "2023-06-01");
        if let Some((k, v)) = key {
            rb = rb.header(k, v);
        }
        if method == "POST" {
            rb = rb.json(&body);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 401, "{what}");
        let h = r.headers().clone();
        assert!(
            h.get("content-type")
                .is_some_and(|c| c.to_str().unwrap().starts_with("application/json")),
            "{what}: {h:?}"
        );
        // nothing to wait for: a wrong key stays wrong
        assert!(h.get("retry-after").is_none(), "{what}: {h:?}");
        assert_eq!(
            h.get("x-should-retry").map(|v| v.to_str().unwrap()),
            Some("false"),
            "{what}: {h:?}"
        );
        assert!(h.get("x-request-id").is_some(), "{what}: {h:?}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_anthropic_error(&v, "authentication_error", &what);
        let m = v["error"]["message"].as_str().unwrap();
        if !key.is_some_and(|(_, k)| k.starts_with("ck_")) {
            assert!(
                m.contains("x-api-key"),
                "{what}: says how to send a key: {m}"
            );
        }
    }
    // the same refusal for an OpenAI client keeps OpenAI's shape
    let r = s
        .http
        .get(s.url("/v1/models"))
        .header("authorization", "Bearer wrong-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], json!("invalid_api_key"), "{v}");
    assert!(v.get("type").is_none(), "{v}");

    // a body over the limit, with the right key: 413 as Anthropic names it
    let big = json!({"model": "claude-sonnet-4-5", "max_tokens": 5,
        "messages": [{"role": "user", "content": "x".repeat(100 * 1024)}]});
    for path in ["/v1/messages", "/v1/messages/count_tokens"] {
        let r = s
            .http
            .post(s.url(path))
            .header("anthropic-version", "2023-06-01")
            .header("x-api-key", "srv-token-anthropic-1")
            .json(&big)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{path}");
        assert!(r.headers().get("retry-after").is_none(), "{path}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_anthropic_error(&v, "request_too_large", path);
    }
    assert!(
        s.fake.message_requests().is_empty() && s.fake.requests().is_empty(),
        "no refused request reached the upstream"
    );
    // and the right key is served
    s.fake.push(Reply::text("served"));
    let r = s
        .http
        .post(s.url("/v1/messages"))
        .header("anthropic-version", "2023-06-01")
        .header("x-api-key", "srv-token-anthropic-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn without_any_key_the_401_says_where_to_put_one() {
    let s = TestServer::start_with(Setup {
        has_key: false,
        ..Setup::default()
    })
    .await;
    let r = s
        .http
        .post(s.url("/v1/messages"))
        .header("anthropic-version", "2023-06-01")
        .json(&json!({"model": "claude-sonnet-4-5", "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("retry-after").is_none());
    assert_eq!(
        r.headers()
            .get("x-should-retry")
            .map(|v| v.to_str().unwrap()),
        Some("false")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_anthropic_error(&v, "authentication_error", "no key");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("x-api-key"),
        "{v}"
    );
    assert!(s.fake.requests().is_empty(), "nothing went upstream");
}
