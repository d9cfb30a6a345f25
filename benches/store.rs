//! The store under the server, on each engine: session-mode turns per second (iOS's
//! `POST /v1/chat/completions` with a `session_id`, the fake upstream answering at once), one
//! client and eight at a time, and event replay per second (`GET /api/sessions/{id}/events/
//! stream` over 20,000 stored events, and the store's own read). SQLite always; PostgreSQL
//! when `CLAUDED_TEST_PG_URL` names a server (tests/pg.sh starts one: `source tests/pg.sh`).
//! Run with `cargo bench --bench store`.

#[path = "../tests/it/support/fake_anthropic.rs"]
#[allow(dead_code)]
mod fake_anthropic;

use clauded::anthropic::{Client, ClientConfig};
use clauded::server::{AppState, ServerOptions};
use clauded::store::{Database, NewSession, Store};
use fake_anthropic::{FakeAnthropic, Reply};
use serde_json::json;
use std::time::Instant;

const TURNS: usize = 300;
const EVENTS: usize = 20_000;

fn options(dir: &std::path::Path) -> ServerOptions {
    let mut o = ServerOptions::from_config(
        &clauded::config::Config::load_from(
            &clauded::config::Env::from_maps(
                [(
                    "CLAUDED_HOME".to_owned(),
                    dir.to_string_lossy().into_owned(),
                )]
                .into(),
                Default::default(),
            ),
            &Default::default(),
        )
        .unwrap(),
    );
    o.model = "claude-sonnet-4-5".into();
    o.workspace_dir = dir.join("workspaces");
    o
}

async fn bench(engine: &str, store: Store) {
    let fake = FakeAnthropic::start();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(ClientConfig {
        base_url: fake.url(),
        api_key: "sk-ant-bench".into(),
        ..Default::default()
    })
    .unwrap();
    let state = AppState::new(store.clone(), client, true, options(dir.path()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(clauded::server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    for _ in 0..(2 * TURNS + 20) {
        fake.push(Reply::text("Hello there, this is the benchmark answer."));
    }
    let url = format!("{base}/v1/chat/completions");
    let turn = move |session: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let r = http
                .post(url)
                .json(&json!({"session_id": session, "model": "claude-sonnet-4-5",
                    "messages": [{"role": "user", "content": "hi"}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            r.bytes().await.unwrap();
        }
    };
    for i in 0..10 {
        turn(format!("warm-{i}")).await;
    }
    // one client, one session: each turn reads the history, stores two messages and events
    let t = Instant::now();
    for _ in 0..TURNS / 2 {
        turn("bench-one".into()).await;
    }
    let one = (TURNS / 2) as f64 / t.elapsed().as_secs_f64();
    // eight clients on eight sessions at once
    let t = Instant::now();
    let per = TURNS / 8;
    let tasks: Vec<_> = (0..8)
        .map(|c| {
            let turn = turn.clone();
            tokio::spawn(async move {
                for _ in 0..per {
                    turn(format!("bench-many-{c}")).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let many = (per * 8) as f64 / t.elapsed().as_secs_f64();
    println!("{engine:<9} session-mode turns/s   1 client {one:8.1}   8 clients {many:8.1}");

    // replay: a run's log of 20,000 events
    let s = store
        .create_session(&NewSession {
            id: Some("bench-replay".into()),
            model: "m".into(),
            source: "run".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let t = Instant::now();
    for i in 0..EVENTS {
        store
            .append_event(
                &s.id,
                "assistant",
                &json!({"type": "assistant", "n": i, "text": "a line of the agent's answer"}),
            )
            .await
            .unwrap();
    }
    let appends = EVENTS as f64 / t.elapsed().as_secs_f64();
    store.set_session_status(&s.id, "completed").await.unwrap();
    let t = Instant::now();
    let rows = store.events(&s.id, None).await.unwrap();
    assert_eq!(rows.len(), EVENTS);
    let read = EVENTS as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let body = reqwest::Client::new()
        .get(format!("{base}/api/sessions/bench-replay/events/stream"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let replay = EVENTS as f64 / t.elapsed().as_secs_f64();
    assert_eq!(
        body.matches("\nid: ").count() + usize::from(body.starts_with("id: ")),
        EVENTS
    );
    println!(
        "{engine:<9} events/s   appended {appends:9.0}   read {read:9.0}   replayed over SSE {replay:9.0}"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    bench("sqlite", Store::open(&dir.path().join("bench.db")).unwrap()).await;
    match std::env::var("CLAUDED_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            let url = clauded::store::postgres::testing::fresh_database(&admin)
                .await
                .unwrap();
            let store = Store::connect(&Database::Postgres(url), true)
                .await
                .unwrap();
            bench("postgres", store).await;
        }
        _ => println!("postgres  skipped: CLAUDED_TEST_PG_URL is not set (source tests/pg.sh)"),
    }
}
