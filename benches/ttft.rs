//! Added latency to first token: the fake upstream directly vs. through `clauded serve`
//! (stateless streaming, and iOS session mode). Run with `cargo bench --bench ttft`.
//! Prints p50/p95/p99 of time-to-first-content-chunk and the difference.

#[path = "../tests/it/support/fake_anthropic.rs"]
#[allow(dead_code)]
mod fake_anthropic;

use clauded::anthropic::{Client, ClientConfig};
use clauded::server::{AppState, ServerOptions};
use clauded::store::Store;
use fake_anthropic::{FakeAnthropic, Reply};
use futures_util::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};

const N: usize = 300;

async fn first_content(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
    needle: &str,
) -> Duration {
    let t = Instant::now();
    let r = http
        .post(url)
        .json(body)
        .header("x-api-key", "k")
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    let mut s = r.bytes_stream();
    let mut seen = String::new();
    while let Some(chunk) = s.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        if seen.contains(needle) {
            let d = t.elapsed();
            while s.next().await.is_some() {}
            return d;
        }
    }
    panic!("no first token in {seen}");
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0
}

fn report(name: &str, mut v: Vec<Duration>) -> f64 {
    let (p50, p95, p99) = (pct(&mut v, 0.5), pct(&mut v, 0.95), pct(&mut v, 0.99));
    println!("{name:<28} p50 {p50:7.3} ms   p95 {p95:7.3} ms   p99 {p99:7.3} ms");
    p50
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let fake = FakeAnthropic::start();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).unwrap();
    let client = Client::new(ClientConfig {
        base_url: fake.url(),
        api_key: "sk-ant-bench".into(),
        ..Default::default()
    })
    .unwrap();
    let options = ServerOptions {
        token: None,
        cors_origins: vec![],
        max_body_bytes: 1 << 20,
        keepalive: Duration::from_secs(15),
        model: "claude-sonnet-4-5".into(),
        max_tokens: 1024,
        models_cache: Duration::from_secs(60),
        approval_timeout: Duration::from_secs(10),
        workspace_dir: dir.path().join("workspaces"),
        max_turns: 8,
        github_api: "http://127.0.0.1:9".into(),
        github_token: None,
        github_url: "http://127.0.0.1:9".into(),
        github_client_id: None,
        github_client_secret: None,
        git_co_author: None,
        allowed_hosts: vec![],
        host_guard: true,
        allow_local_repos: false,
        github_hosts: vec![],
        workspace_ttl: Duration::from_secs(24 * 3600),
        header_timeout: Duration::from_secs(10),
        max_connections: 0,
        tools: Default::default(),
        notify: None,
        secrets: clauded::crypto::SecretBox::random(),
        accounts: Default::default(),
        clock: Default::default(),
        trusted_proxies: vec![],
    };
    let state = AppState::new(store, client, true, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(clauded::server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    let answer = "Hello there, this is the benchmark answer.";
    for _ in 0..(3 * N + 30) {
        fake.push(Reply::text(answer));
    }
    let anthropic_body = json!({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]});
    let openai_body = json!({"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]});
    // warm up connections and caches
    for _ in 0..10 {
        first_content(
            &http,
            &format!("{}/v1/messages", fake.url()),
            &anthropic_body,
            "text_delta",
        )
        .await;
        first_content(
            &http,
            &format!("{base}/v1/chat/completions"),
            &openai_body,
            "\"content\":\"Hell",
        )
        .await;
        first_content(&http, &format!("{base}/v1/chat/completions"), &json!({"project_id":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}), "\"content\":\"Hell").await;
    }
    let mut direct = Vec::new();
    let mut stateless = Vec::new();
    let mut session = Vec::new();
    for i in 0..N {
        direct.push(
            first_content(
                &http,
                &format!("{}/v1/messages", fake.url()),
                &anthropic_body,
                "text_delta",
            )
            .await,
        );
        stateless.push(
            first_content(
                &http,
                &format!("{base}/v1/chat/completions"),
                &openai_body,
                "\"content\":\"Hell",
            )
            .await,
        );
        let body = json!({"project_id":"bench","session_id":format!("bench-{i}"),"stream":true,"messages":[{"role":"user","content":"hi"}]});
        session.push(
            first_content(
                &http,
                &format!("{base}/v1/chat/completions"),
                &body,
                "\"content\":\"Hell",
            )
            .await,
        );
    }
    println!("time to first content chunk over {N} requests (loopback, fake upstream):");
    let d = report("fake upstream directly", direct);
    let s = report("serve, stateless OpenAI", stateless);
    let i = report("serve, iOS session mode", session);
    println!(
        "added p50: stateless {:.3} ms, session {:.3} ms",
        s - d,
        i - d
    );
}
