//! One store, two front ends: a session started over HTTP continues in the terminal and back.

use crate::support::server::TestServer;
use crate::support::{Reply, Run, fake_anthropic::content_text, run_cmd};
use serde_json::{Value, json};
use std::process::Command;

/// The binary on the test server's home and database, with the fake upstream.
pub(crate) async fn cli(s: &TestServer, args: &[&str], stdin: Option<&str>) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clauded"));
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", s.dir.path())
        .env("CLAUDED_HOME", s.dir.path())
        .env("CLAUDED_KEYRING", "file")
        .env("ANTHROPIC_BASE_URL", s.fake.url())
        .env("ANTHROPIC_API_KEY", "sk-ant-cli-key-0000000000")
        .env("DATABASE_URL", s.database.url())
        .current_dir(s.dir.path());
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || run_cmd(c, stdin.as_deref()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_session_continues_in_the_terminal() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("hello from the phone"));
    let (st, r) = s
        .post("/v1/chat/completions", json!({"project_id":"proj-1","model":"claude-haiku-4-5","messages":[{"role":"user","content":"started on iOS"}]}))
        .await;
    assert_eq!(st, 200);
    let sid = r["session_id"].as_str().unwrap().to_owned();

    let list = cli(&s, &["sessions", "list", "--json"], None).await;
    let list: Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(list[0]["id"], json!(sid));
    assert_eq!(list[0]["source"], json!("api"));

    s.fake.push(Reply::text("hello from the terminal"));
    let run = cli(
        &s,
        &["chat", "--resume", &sid],
        Some("continued in the terminal\n"),
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("hello from the terminal"));
    let up = s.fake.message_requests().pop().unwrap();
    let texts: Vec<String> = up.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| content_text(&m["content"]))
        .collect();
    assert_eq!(
        texts,
        [
            "started on iOS",
            "hello from the phone",
            "continued in the terminal"
        ]
    );
    assert_eq!(up.body["model"], json!("claude-haiku-4-5"));

    let (_, msgs) = s.get(&format!("/v1/sessions/{sid}/messages")).await;
    assert_eq!(
        msgs.as_array().unwrap().len(),
        4,
        "the phone sees the terminal's turn"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_session_continues_from_the_app() {
    let s = TestServer::start().await;
    s.fake.push(Reply::text("terminal answer"));
    let run = cli(&s, &["ask", "asked in the terminal"], None).await;
    assert_eq!(run.code, 0, "{run:?}");
    let (_, list) = s.get("/v1/sessions").await;
    let sid = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["message_count"], json!(2));

    s.fake.push(Reply::text("app answer"));
    let (st, r) = s
        .post(
            "/v1/chat/completions",
            json!({"session_id": sid, "messages":[{"role":"user","content":"from the app"}]}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["choices"][0]["message"]["content"], json!("app answer"));
    let up = s.fake.message_requests().pop().unwrap();
    assert_eq!(up.body["messages"].as_array().unwrap().len(), 3);
    let show = cli(&s, &["sessions", "show", &sid], None).await;
    assert!(
        show.stdout.contains("from the app") && show.stdout.contains("app answer"),
        "{show:?}"
    );
}
