//! Every route of the server in-process: shapes, both chat modes, errors, CORS, auth, quirks.

use crate::support::server::{Setup, TestServer, sse_json};
use crate::support::{Reply, fake_anthropic::content_text, text_events};
use serde_json::{Value, json};

#[tokio::test]
async fn health_models_and_capabilities() {
    let s = TestServer::start().await;
    let (st, h) = s.get("/health").await;
    assert_eq!(st, 200);
    assert_eq!(
        (h["ok"].clone(), h["status"].clone()),
        (json!(true), json!("healthy"))
    );
    assert!(
        h["uptime_seconds"].is_u64()
            && h["active_sessions"] == json!(0)
            && h["version"].is_string()
    );

    s.fake
        .set_models(&["claude-sonnet-4-5", "claude-haiku-4-5"]);
    let (_, m) = s.get("/v1/models").await;
    assert_eq!(m["object"], json!("list"));
    let first = &m["data"][0];
    for k in ["id", "object", "created", "owned_by"] {
        assert!(first.get(k).is_some(), "{k} in {first}");
    }
    assert_eq!(first["created"], json!(1759104000));
    let (st, one) = s.get("/v1/models/claude-haiku-4-5").await;
    assert_eq!((st, one["id"].clone()), (200, json!("claude-haiku-4-5")));
    let (st, e) = s.get("/v1/models/gpt-4o").await;
    assert_eq!(st, 404);
    assert_eq!(e["error"]["code"], json!("model_not_found"));

    let (_, caps) = s.get("/v1/models/capabilities").await;
    let list = caps["models"].as_array().unwrap();
    assert!(!list.is_empty());
    assert_eq!(caps["data"], caps["models"]);
    for k in [
        "id",
        "name",
        "description",
        "maxTokens",
        "supportsStreaming",
        "supportsTools",
        "max_tokens",
        "supports_tools",
    ] {
        assert!(list[0].get(k).is_some(), "{k}");
    }
    assert_eq!(list[0]["pricing"]["input"], json!(3.0));
}

#[tokio::test]
async fn capabilities_are_never_empty_even_without_upstream() {
    let s = TestServer::start_with(Setup {
        has_key: false,
        ..Default::default()
    })
    .await;
    let (_, caps) = s.get("/v1/models/capabilities").await;
    assert!(caps["models"].as_array().unwrap().len() >= 3);
}

#[tokio::test]
async fn projects_crud_with_both_casings() {
    let s = TestServer::start().await;
    let (st, p) = s
        .post(
            "/v1/projects",
            json!({"name":"iOS App","description":"app","path":"/w/app","language":"swift"}),
        )
        .await;
    assert_eq!(st, 201);
    for k in [
        "id",
        "name",
        "description",
        "path",
        "createdAt",
        "updatedAt",
        "created_at",
        "updated_at",
    ] {
        assert!(p.get(k).is_some(), "{k} in {p}");
    }
    assert!(p["createdAt"].as_str().unwrap().ends_with('Z'));
    let id = p["id"].as_str().unwrap();
    let (_, list) = s.get("/v1/projects").await;
    assert!(list.is_array(), "a bare array");
    assert_eq!(list[0]["id"], json!(id));
    let (st, got) = s.get(&format!("/v1/projects/{id}")).await;
    assert_eq!((st, got["name"].clone()), (200, json!("iOS App")));
    let (st, bad) = s
        .post("/v1/projects", json!({"description":"no name"}))
        .await;
    assert_eq!(st, 400);
    assert_eq!(bad["error"]["param"], json!("name"));
    for k in ["message", "type", "param", "code"] {
        assert!(
            bad["error"].get(k).is_some(),
            "OpenAI error bodies carry {k}"
        );
    }
    let (st, del) = s.delete(&format!("/v1/projects/{id}")).await;
    assert_eq!((st, del["success"].clone()), (200, json!(true)));
    let (st, _) = s.get(&format!("/v1/projects/{id}")).await;
    assert_eq!(st, 404);
    let (st, _) = s.delete(&format!("/v1/projects/{id}")).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn sessions_crud_stats_and_the_percent_3f_quirk() {
    let s = TestServer::start().await;
    let (_, p) = s.post("/v1/projects", json!({"name":"P"})).await;
    let pid = p["id"].as_str().unwrap().to_owned();
    let (st, sess) = s.post("/v1/sessions", json!({"project_id": pid, "model":"claude-haiku-4-5","title":"T","system_prompt":"sys"})).await;
    assert_eq!(st, 201);
    for k in [
        "id",
        "projectId",
        "project_id",
        "title",
        "model",
        "systemPrompt",
        "system_prompt",
        "createdAt",
        "updatedAt",
        "isActive",
        "is_active",
        "totalTokens",
        "total_tokens",
        "totalCost",
        "total_cost",
        "messageCount",
        "message_count",
    ] {
        assert!(sess.get(k).is_some(), "{k} in {sess}");
    }
    assert_eq!(sess["isActive"], json!(false));
    let (_, loose) = s.post("/v1/sessions", json!({"title":"no project"})).await;
    assert_eq!(loose["project_id"], json!("default"));
    assert_eq!(loose["model"], json!("claude-sonnet-4-5"));

    let (_, all) = s.get("/v1/sessions").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (st, only) = s.get(&format!("/v1/sessions%3Fproject_id={pid}")).await;
    assert_eq!(st, 200);
    assert_eq!(
        only.as_array().unwrap().len(),
        1,
        "%3F is decoded into a query: {only}"
    );
    let (_, only2) = s.get(&format!("/api/v1/sessions?project_id={pid}")).await;
    assert_eq!(only2, only);

    let sid = sess["id"].as_str().unwrap().to_owned();
    let (st, stored) = s
        .post(
            &format!("/v1/sessions/{sid}/messages"),
            json!({"content":"remember this","reply":false}),
        )
        .await;
    assert_eq!((st, stored["role"].clone()), (201, json!("user")));
    assert!(
        s.fake.message_requests().is_empty(),
        "reply:false never calls Claude"
    );
    s.fake.push(Reply::text("noted"));
    let (st, answer) = s
        .post(
            &format!("/v1/sessions/{sid}/messages"),
            json!({"content":"and answer"}),
        )
        .await;
    assert_eq!(st, 200, "{answer}");
    assert_eq!(answer["choices"][0]["message"]["content"], json!("noted"));
    assert_eq!(answer["session_id"], json!(sid));
    let req = &s.fake.message_requests()[0];
    assert_eq!(req.body["model"], json!("claude-haiku-4-5"));
    assert_eq!(req.body["system"], json!("sys"));
    assert_eq!(
        content_text(&req.body["messages"][0]["content"]),
        "remember thisand answer",
        "consecutive user turns merge"
    );
    let (_, msgs) = s.get(&format!("/v1/sessions/{sid}/messages")).await;
    let roles: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "user", "assistant"]);
    let (_, last) = s
        .get(&format!("/v1/sessions/{sid}/messages%3Flimit=1"))
        .await;
    assert_eq!(last[0]["content"], json!("noted"));

    let (_, stats) = s.get("/v1/sessions/stats").await;
    assert_eq!(stats["totalMessages"], json!(3));
    assert_eq!(stats["activeSessions"], json!(0));
    assert!(
        stats["totalTokens"].as_i64().unwrap() > 0 && stats["totalCost"].as_f64().unwrap() > 0.0
    );
    assert_eq!(stats["total_messages"], stats["totalMessages"]);

    let (st, _) = s.delete(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(st, 200);
    let (st, _) = s.get(&format!("/v1/sessions/{sid}")).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn stateless_non_stream_maps_both_ways_and_logs_the_request() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("Bonjour"));
    let (st, r) = s
        .post("/v1/chat/completions", json!({"model":"claude-opus-4-5","messages":[{"role":"system","content":"French"},{"role":"user","content":"hi"}],
            "max_completion_tokens": 50, "stop": ["X"], "temperature": 0.3}))
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["object"], json!("chat.completion"));
    assert_eq!(r["id"], json!("chatcmpl-msg_fake01"));
    assert_eq!(r["choices"][0]["message"]["content"], json!("Bonjour"));
    assert_eq!(r["choices"][0]["finish_reason"], json!("stop"));
    assert_eq!(
        r["usage"],
        json!({"prompt_tokens":25,"completion_tokens":12,"total_tokens":37,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0}})
    );
    assert!(r.get("session_id").is_none());
    let up = &s.fake.message_requests()[0].body;
    assert_eq!(
        (
            up["system"].clone(),
            up["max_tokens"].clone(),
            up["stop_sequences"].clone()
        ),
        (json!("French"), json!(50), json!(["X"]))
    );
    assert_eq!(up["model"], json!("claude-opus-4-5"));
    assert_eq!(
        s.store.sessions(&Default::default()).await.unwrap().len(),
        0,
        "stateless mode stores no session"
    );
    let log = s.store.recent_requests(5).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].source.as_str(), log[0].status, log[0].output_tokens),
        ("openai", Some(200), 12)
    );
}

#[tokio::test]
async fn stateless_stream_follows_the_chunk_rules() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("streaming words"));
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"messages":[{"role":"user","content":"hi"}],"stream":true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("\nid:") && !body.starts_with("id:") && !body.contains("event:"),
        "no id:/event: lines: {body}"
    );
    let (frames, done) = sse_json(&body);
    assert!(done);
    let ids: std::collections::HashSet<_> = frames
        .iter()
        .map(|f| (f["id"].clone(), f["created"].clone()))
        .collect();
    assert_eq!(ids.len(), 1, "one id and created");
    assert_eq!(frames[0]["choices"][0]["delta"]["role"], json!("assistant"));
    assert_eq!(
        frames
            .iter()
            .filter(|f| f["choices"][0]["delta"].get("role").is_some())
            .count(),
        1
    );
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "streaming words");
    let last = frames.last().unwrap();
    assert_eq!(last["choices"][0]["finish_reason"], json!("stop"));
    assert!(
        frames.iter().all(|f| f.get("usage").is_none()),
        "no usage unless asked"
    );

    s.fake.push(Reply::text("again"));
    let body = s.chat_body(json!({"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})).await;
    let (frames, _) = sse_json(&body);
    let usage = frames.last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["total_tokens"], json!(37));
    assert!(
        frames[..frames.len() - 1]
            .iter()
            .all(|f| f["usage"].is_null())
    );
}

#[tokio::test]
async fn client_tools_come_back_as_tool_calls() {
    let s = TestServer::start().await;
    let ev = vec![
        (
            "message_start".to_string(),
            json!({"type":"message_start","message":{"id":"msg_T","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}}),
        ),
        (
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\":\"Paris\"}"}}),
        ),
        (
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":0}),
        ),
        (
            "message_delta".into(),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}),
        ),
        ("message_stop".into(), json!({"type":"message_stop"})),
    ];
    s.fake.push(Reply::Events(ev));
    let tools = json!([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]);
    let (st, r) = s
        .post("/v1/chat/completions", json!({"messages":[{"role":"user","content":"weather?"}],"tools":tools,"tool_choice":"auto","parallel_tool_calls":false}))
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["choices"][0]["finish_reason"], json!("tool_calls"));
    assert_eq!(
        r["choices"][0]["message"]["tool_calls"][0]["function"],
        json!({"name":"get_weather","arguments":"{\"city\":\"Paris\"}"})
    );
    let up = &s.fake.message_requests()[0].body;
    assert_eq!(
        up["tool_choice"],
        json!({"type":"auto","disable_parallel_tool_use":true})
    );
    assert_eq!(
        up["tools"][0]["input_schema"]["properties"]["city"],
        json!({"type":"string"})
    );
}

#[tokio::test]
async fn client_mistakes_are_400s_naming_the_field() {
    let s = TestServer::start().await;
    let cases = [
        (json!({"model":"m"}), Some("messages")),
        (
            json!({"messages":[{"role":"user","content":"x"}],"n":3}),
            Some("n"),
        ),
        (json!({"messages":"hi"}), None),
        (json!([1, 2]), None),
    ];
    for (body, param) in cases {
        let (st, e) = s.post("/v1/chat/completions", body.clone()).await;
        assert_eq!(st, 400, "{body} → {e}");
        assert_eq!(e["error"]["type"], json!("invalid_request_error"));
        if let Some(p) = param {
            assert_eq!(e["error"]["param"], json!(p), "{body}");
        }
    }
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .body("{}")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"messages":[{"role":"user","content":huge}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["type"],
        json!("request_too_large")
    );
    let (st, _) = s.get("/v1/nope").await;
    assert_eq!(st, 404);
    assert!(
        s.fake.message_requests().is_empty(),
        "no mistake reached the upstream"
    );
    let (st, h) = s.get("/health").await;
    assert_eq!((st, h["ok"].clone()), (200, json!(true)));
}

#[tokio::test]
async fn upstream_errors_before_the_first_byte_are_real_http_errors() {
    let s = TestServer::start().await;
    s.fake
        .push(Reply::error(429, "rate_limit_error", "slow down").header("retry-after", "7"));
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"messages":[{"role":"user","content":"hi"}],"stream":true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(r.headers()["x-should-retry"], "false");
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["error"],
        json!({"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"})
    );
    let log = s.store.recent_requests(1).await.unwrap();
    assert_eq!(log[0].status, Some(429));
}

#[tokio::test]
async fn a_mid_stream_error_is_a_frame_then_done() {
    let s = TestServer::start().await;
    let mut ev = text_events("m", "partial answer");
    ev.truncate(5);
    ev.push((
        "error".into(),
        json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
    ));
    s.fake.push(Reply::Events(ev));
    let body = s
        .chat_body(json!({"messages":[{"role":"user","content":"hi"}],"stream":true}))
        .await;
    let (frames, done) = sse_json(&body);
    assert!(done);
    let err = frames.last().unwrap();
    assert_eq!(err["error"]["type"], json!("overloaded_error"));
    assert_eq!(err["error"]["message"], json!("Overloaded"));
    assert!(
        frames
            .iter()
            .all(|f| f["choices"][0]["finish_reason"].is_null()),
        "never an invented stop"
    );
}

#[tokio::test]
async fn session_mode_keeps_history_and_tags_every_frame() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("first"));
    s.fake.push(Reply::text("second"));
    let body = s.chat_body(json!({"model":"claude-3-5-haiku-20241022","project_id":"project-123","messages":[{"role":"user","content":"hi"}],"stream":true})).await;
    assert!(!body.contains('\r'), "LF only");
    let (frames, done) = sse_json(&body);
    assert!(done);
    let sid = frames[0]["session_id"].as_str().unwrap().to_owned();
    for f in &frames {
        assert_eq!(f["session_id"], json!(sid), "{f}");
        assert_eq!(f["project_id"], json!("project-123"), "{f}");
    }
    let chunks: Vec<&Value> = frames
        .iter()
        .filter(|f| f["object"] == "chat.completion.chunk")
        .collect();
    for c in &chunks {
        for k in ["id", "object", "created", "model"] {
            assert!(c.get(k).is_some(), "{k} in every chunk");
        }
        assert_eq!(c["choices"][0]["index"], json!(0));
    }
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        json!("stop")
    );
    let usage = frames.last().unwrap();
    assert_eq!(usage["object"], json!("usage"));
    assert_eq!(
        (
            usage["input_tokens"].clone(),
            usage["output_tokens"].clone()
        ),
        (json!(25), json!(12))
    );
    assert!(usage["total_cost"].as_f64().unwrap() > 0.0);

    // the second turn sends only the new message; the server prepends the history
    let (st, r) = s
        .post("/v1/chat/completions", json!({"session_id": sid, "project_id":"project-123","messages":[{"role":"user","content":[{"type":"text","text":"more"}]}]}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(r["session_id"], json!(sid));
    assert_eq!(r["project_id"], json!("project-123"));
    assert_eq!(r["choices"][0]["message"]["content"], json!("second"));
    assert!(r["usage"]["total_cost"].is_f64() && r["usage"]["input_tokens"] == json!(25));
    let up = &s.fake.message_requests()[1].body;
    let texts: Vec<String> = up["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| content_text(&m["content"]))
        .collect();
    assert_eq!(texts, ["hi", "first", "more"]);
    assert_eq!(
        up["model"],
        json!("claude-3-5-haiku-20241022"),
        "the session keeps its model"
    );

    let (st, status) = s.get(&format!("/v1/chat/completions/{sid}/status")).await;
    assert_eq!(st, 200);
    assert!(status["total_tokens"].is_i64() && status["total_cost"].is_f64());
    assert_eq!(
        (
            status["is_running"].clone(),
            status["message_count"].clone()
        ),
        (json!(false), json!(4))
    );
    let (_, p) = s.get("/v1/projects/project-123").await;
    assert_eq!(
        p["sessionCount"],
        json!(1),
        "the unknown project was created"
    );
}

#[tokio::test]
async fn session_mode_with_a_client_id_and_client_history() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("ok"));
    let (st, r) = s
        .post("/v1/chat/completions", json!({"session_id":"4F1C-UPPER-UUID","messages":[
            {"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(r["session_id"], json!("4F1C-UPPER-UUID"));
    assert_eq!(r["project_id"], json!("default"));
    let up = &s.fake.message_requests()[0].body;
    assert_eq!(
        up["messages"].as_array().unwrap().len(),
        3,
        "history from the client, not prepended"
    );
    let (_, msgs) = s.get("/v1/sessions/4F1C-UPPER-UUID/messages").await;
    assert_eq!(
        msgs.as_array().unwrap().len(),
        2,
        "the new user turn and the answer are stored"
    );
}

#[tokio::test]
async fn session_mode_failures_on_a_stream_are_visible_text() {
    let s = TestServer::start_with(Setup {
        has_key: false,
        ..Default::default()
    })
    .await;
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"project_id":"p","messages":[{"role":"user","content":"hi"}],"stream":true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (frames, done) = sse_json(&r.text().await.unwrap());
    assert!(done);
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(text.contains("no Anthropic API key"), "{text}");

    // with the caller's own key it works, and the key goes upstream
    s.fake.push(Reply::text("with your key"));
    let body = s
        .http
        .post(s.url("/v1/chat/completions"))
        .bearer_auth("sk-ant-callers-own-key")
        .json(&json!({"project_id":"p","messages":[{"role":"user","content":"hi"}],"stream":true}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (frames, _) = sse_json(&body);
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "with your key");
    assert_eq!(
        s.fake.message_requests()[0].header("x-api-key"),
        Some("sk-ant-callers-own-key")
    );

    // stateless without any key: 401 with how to fix it
    let (st, e) = s
        .post(
            "/v1/chat/completions",
            json!({"messages":[{"role":"user","content":"hi"}]}),
        )
        .await;
    assert_eq!(st, 401);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer sk-ant-")
    );
}

#[tokio::test]
async fn token_auth_guards_everything_but_health_and_status() {
    let mut setup = Setup::default();
    setup.options.token = Some("s3cret-token".into());
    let s = TestServer::start_with(setup).await;
    let (st, _) = s.get("/health").await;
    assert_eq!(st, 200);
    let (st, e) = s.get("/v1/projects").await;
    assert_eq!(st, 401);
    assert_eq!(e["error"]["type"], json!("authentication_error"));
    let r = s
        .http
        .get(s.url("/v1/projects"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .get(s.url("/v1/projects"))
        .header("x-api-key", "s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .get(s.url("/v1/projects"))
        .bearer_auth("s3cret-tokeX")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    s.store
        .create_session(&clauded::store::NewSession {
            id: Some("s1".into()),
            model: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let (st, _) = s.get("/v1/chat/completions/s1/status").await;
    assert_eq!(
        st, 200,
        "the status route needs no token (the app sends none)"
    );
}

#[tokio::test]
async fn cors_allows_loopback_by_default_and_configured_origins() {
    let mut setup = Setup::default();
    setup.options.cors_origins = vec!["https://app.example.com".into()];
    let s = TestServer::start_with(setup).await;
    let pre = |origin: &'static str| {
        s.http
            .request(reqwest::Method::OPTIONS, s.url("/v1/chat/completions"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let r = pre("http://localhost:5173").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    let r = pre("https://app.example.com").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let r = pre("https://evil.example.com").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    s.fake.push(Reply::text("x"));
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .header("origin", "http://127.0.0.1:3000")
        .json(&json!({"messages":[{"role":"user","content":"hi"}],"stream":true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://127.0.0.1:3000",
        "on streamed responses too"
    );
}

#[tokio::test]
async fn path_aliases_reach_the_same_routes() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("via alias"));
    let (st, r) = s
        .post(
            "/v1/v1/chat/completions",
            json!({"messages":[{"role":"user","content":"hi"}]}),
        )
        .await;
    assert_eq!(
        (st, r["choices"][0]["message"]["content"].clone()),
        (200, json!("via alias"))
    );
    let (st, _) = s.get("/api/v1/projects").await;
    assert_eq!(st, 200);
}
