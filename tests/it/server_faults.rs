//! Faults: client disconnects, stop, busy sessions, shutdown, upstream retries and drops.

use crate::support::server::{Setup, TestServer, sse_json};
use crate::support::{Delivery, Reply};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;

fn slow(text: &str) -> crate::support::fake_anthropic::Scripted {
    Reply::text(text).delivered(Delivery {
        event_delay: Duration::from_millis(100),
        ..Default::default()
    })
}

async fn wait_until<F: std::future::Future<Output = bool>>(mut f: impl FnMut() -> F) {
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_cancels_the_turn_and_the_partial_answer_is_stored() {
    let s = TestServer::start().await;
    s.fake.push(slow(
        "one two three four five six seven eight nine ten eleven twelve",
    ));
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"session_id":"sess-drop","messages":[{"role":"user","content":"count"}],"stream":true}))
        .send()
        .await
        .unwrap();
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    while !seen.contains("\"content\":\"one") {
        seen.push_str(&String::from_utf8_lossy(
            &body.next().await.unwrap().unwrap(),
        ));
    }
    drop(body);
    wait_until(|| async { s.fake.disconnects() == 1 }).await;
    wait_until(|| async {
        s.store
            .messages("sess-drop")
            .await
            .map(|m| m.len() == 2)
            .unwrap_or(false)
    })
    .await;
    let msgs = s.store.messages("sess-drop").await.unwrap();
    assert_eq!(msgs[1].stop_reason.as_deref(), Some("cancelled"));
    let kept = msgs[1].text();
    assert!(kept.starts_with("one") && kept.len() < 60, "{kept}");
    let (_, st) = s.get("/v1/chat/completions/sess-drop/status").await;
    assert_eq!(st["is_running"], json!(false));
    let (_, h) = s.get("/health").await;
    assert_eq!(h["ok"], json!(true), "the server stays healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_stops_a_running_turn_closes_its_stream_and_is_idempotent() {
    let s = TestServer::start().await;
    s.fake
        .push(slow("a b c d e f g h i j k l m n o p q r s t u v w x y z"));
    let mut stream = s
        .http
        .post(s.url("/v1/chat/completions"))
        .json(&json!({"session_id":"sess-stop","messages":[{"role":"user","content":"go"}],"stream":true}))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    // some of the answer has arrived (so there is a part to keep) before it is stopped
    let has_text = |s: &str| {
        s.split("\"content\":\"")
            .skip(1)
            .any(|rest| !rest.starts_with('"'))
    };
    let mut seen = String::new();
    while !has_text(&seen) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a first piece of the answer")
            .expect("the stream is open")
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let reader = tokio::spawn(async move {
        while let Some(chunk) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
        seen
    });
    let (_, st) = s.get("/v1/chat/completions/sess-stop/status").await;
    assert_eq!(st["is_running"], json!(true));

    // a second turn on the same session is refused while the first runs
    let (code, busy) = s
        .post(
            "/v1/chat/completions",
            json!({"session_id":"sess-stop","messages":[{"role":"user","content":"again"}]}),
        )
        .await;
    assert_eq!(code, 409);
    assert_eq!(busy["error"]["type"], json!("session_busy"));

    let (code, r) = s.delete("/v1/chat/completions/sess-stop").await;
    assert_eq!(
        (code, r["success"].clone(), r["was_running"].clone()),
        (200, json!(true), json!(true))
    );
    let body = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .unwrap()
        .unwrap();
    let (frames, done) = sse_json(&body);
    assert!(done, "the stream closed with [DONE]");
    assert_eq!(
        frames.last().unwrap()["choices"][0]["finish_reason"],
        json!("stop")
    );
    let (code, r) = s.delete("/v1/chat/completions/sess-stop").await;
    assert_eq!((code, r["was_running"].clone()), (200, json!(false)));
    let (code, _) = s.delete("/v1/chat/completions/never-existed").await;
    assert_eq!(code, 200);
    let msgs = s.store.messages("sess-stop").await.unwrap();
    assert_eq!(
        msgs.last().unwrap().stop_reason.as_deref(),
        Some("cancelled")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_streams_with_a_final_frame_and_done() {
    let s = TestServer::start().await;
    s.fake.push(slow(
        "long long long long long long long long long long long long long long",
    ));
    s.fake.push(slow(
        "also long long long long long long long long long long long long",
    ));
    let open = |body: serde_json::Value| {
        let (http, url) = (s.http.clone(), s.url("/v1/chat/completions"));
        tokio::spawn(async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    };
    let ios =
        open(json!({"project_id":"p","messages":[{"role":"user","content":"x"}],"stream":true}));
    let oai = open(json!({"messages":[{"role":"user","content":"y"}],"stream":true}));
    wait_until(|| async { s.fake.message_requests().len() == 2 }).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    s.stop().await;
    let ios = tokio::time::timeout(Duration::from_secs(5), ios)
        .await
        .unwrap()
        .unwrap();
    let (frames, done) = sse_json(&ios);
    assert!(done);
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(text.contains("shutting down"), "{text}");
    let oai = tokio::time::timeout(Duration::from_secs(5), oai)
        .await
        .unwrap()
        .unwrap();
    let (frames, done) = sse_json(&oai);
    assert!(done);
    assert!(
        frames.last().unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("shutting down")
    );
}

#[tokio::test]
async fn overload_then_success_is_retried_by_the_server() {
    let s = TestServer::start_with(Setup {
        max_retries: 2,
        ..Default::default()
    })
    .await;
    s.fake
        .push(Reply::error(529, "overloaded_error", "Overloaded").header("retry-after-ms", "10"));
    s.fake
        .push(Reply::error(429, "rate_limit_error", "slow").header("retry-after", "0"));
    s.fake.push(Reply::text("third time"));
    let (st, r) = s
        .post(
            "/v1/chat/completions",
            json!({"messages":[{"role":"user","content":"hi"}]}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["choices"][0]["message"]["content"], json!("third time"));
    assert_eq!(s.fake.message_requests().len(), 3);
}

#[tokio::test]
async fn a_dropped_upstream_mid_stream_is_an_error_in_both_modes() {
    let s = TestServer::start().await;
    let cut = || {
        Reply::text("this answer gets cut off").delivered(Delivery {
            drop_after: Some(5),
            ..Default::default()
        })
    };
    s.fake.push(cut());
    s.fake.push(cut());
    let body = s
        .chat_body(json!({"messages":[{"role":"user","content":"hi"}],"stream":true}))
        .await;
    let (frames, done) = sse_json(&body);
    assert!(done);
    assert!(
        frames.last().unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ended before")
    );

    let body = s
        .chat_body(
            json!({"session_id":"cut","messages":[{"role":"user","content":"hi"}],"stream":true}),
        )
        .await;
    let (frames, done) = sse_json(&body);
    assert!(done);
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(text.starts_with("this") && text.contains("⚠️"), "{text}");
    let msgs = s.store.messages("cut").await.unwrap();
    assert_eq!(
        msgs[1].stop_reason.as_deref(),
        Some("error"),
        "the partial answer is stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_streams_on_different_sessions() {
    let s = TestServer::start().await;
    let n = 8;
    let mut tasks = Vec::new();
    for i in 0..n {
        let (http, url) = (s.http.clone(), s.url("/v1/chat/completions"));
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .json(&json!({"session_id": format!("c{i}"),"messages":[{"role":"user","content":"hi"}],"stream":true}))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let (frames, done) = sse_json(&t.await.unwrap());
        assert!(done);
        assert!(
            frames
                .iter()
                .all(|f| f["session_id"] == json!(format!("c{i}")))
        );
    }
    assert_eq!(s.store.session_stats().await.unwrap().total_messages, 2 * n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_get_keep_alive_comments_between_frames() {
    let mut setup = Setup::default();
    setup.options.keepalive = Duration::from_millis(60);
    let s = TestServer::start_with(setup).await;
    s.fake
        .push(Reply::text("slow words arrive").delivered(Delivery {
            event_delay: Duration::from_millis(150),
            ..Default::default()
        }));
    let body = s
        .chat_body(json!({"messages":[{"role":"user","content":"hi"}],"stream":true}))
        .await;
    assert!(body.contains("\n\n: ping\n\n"), "{body}");
    let (frames, done) = sse_json(&body);
    assert!(done);
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "slow words arrive");
}
