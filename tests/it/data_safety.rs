//! Data survives the other front end and crashes: the session lease across processes, the
//! orphan sweep that spares live runs, failed turns that do not poison a session, reads that
//! never wait behind another process's write lock, the user's message stored before the 200.

use crate::support::server::TestServer;
use crate::support::{Reply, Run};
use clauded::store::{LeaseOwner, NewSession, Store};
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};

async fn cli(s: &TestServer, args: &[&str]) -> Run {
    crate::shared_store::cli(s, args, None).await
}

async fn session(store: &Store, id: &str) {
    store
        .create_session(&NewSession {
            id: Some(id.to_owned()),
            model: "claude-sonnet-4-5".into(),
            source: "api".into(),
            ..Default::default()
        })
        .await
        .unwrap();
}

/// Another live process on this machine holds the session's lease (as a CLI turn would).
async fn foreign_lease(store: &Store, sid: &str, pid: u32) {
    let (sid, owner) = (
        sid.to_owned(),
        LeaseOwner {
            id: "another-process".into(),
            pid,
            host: clauded::engine::lease::owner().host.clone(),
        },
    );
    let got = store
        .acquire_lease(&sid, &owner, 60_000, |_| false)
        .await
        .unwrap();
    assert_eq!(got, clauded::store::Acquired::Yes);
}

fn sleeper() -> std::process::Child {
    Command::new("sleep").arg("60").spawn().unwrap()
}

fn user_texts(body: &serde_json::Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| crate::support::fake_anthropic::content_text(&m["content"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_turn_per_session_across_processes() {
    let s = TestServer::start().await;
    session(&s.store, "shared-1").await;
    let mut other = sleeper();
    foreign_lease(&s.store, "shared-1", other.id()).await;

    // the phone is told the session is busy; nothing is stored or sent
    let (st, body) = s
        .post(
            "/v1/chat/completions",
            json!({"session_id": "shared-1", "messages": [{"role": "user", "content": "from the phone"}]}),
        )
        .await;
    assert_eq!(st, 409, "{body}");
    assert_eq!(body["error"]["code"], json!("session_busy"));
    // streamed too: a 409 before any byte of a stream (the lease is claimed by the write
    // that would store the message, and that write stores nothing)
    let (st, body) = s
        .post(
            "/v1/chat/completions",
            json!({"session_id": "shared-1", "stream": true,
                   "messages": [{"role": "user", "content": "from the phone, streamed"}]}),
        )
        .await;
    assert_eq!(st, 409, "{body}");
    assert_eq!(body["error"]["code"], json!("session_busy"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("on this machine"),
        "{body}"
    );
    // and so is a terminal
    let r = cli(&s, &["ask", "--session", "shared-1", "from the terminal"]).await;
    assert_eq!(r.code, 6, "{r:?}");
    assert!(r.stderr.contains("already answering"), "{r:?}");
    assert!(s.fake.message_requests().is_empty());
    let msgs = s.store.messages("shared-1").await.unwrap();
    assert!(msgs.is_empty(), "{msgs:?}");

    // the holder dies: its lease is taken over at once, with no wait for it to lapse
    other.kill().unwrap();
    other.wait().unwrap();
    s.fake.push(Reply::text("answered on the phone"));
    let (st, body) = s
        .post(
            "/v1/chat/completions",
            json!({"session_id": "shared-1", "messages": [{"role": "user", "content": "from the phone"}]}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    // the turn gave its lease back: the terminal can go on
    s.fake.push(Reply::text("answered in the terminal"));
    let r = cli(&s, &["ask", "--session", "shared-1", "from the terminal"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    let reqs = s.fake.message_requests();
    assert_eq!(
        user_texts(&reqs[1].body),
        vec!["from the phone", "from the terminal"]
    );
    let lease = s.store.lease("shared-1").await.unwrap();
    assert!(lease.is_none(), "{lease:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_orphan_sweep_spares_a_live_run_of_another_process() {
    let first = TestServer::start().await;
    let db = first.dir.path().join("clauded.db");
    session(&first.store, "run-live").await;
    session(&first.store, "run-dead").await;
    for id in ["run-live", "run-dead"] {
        first.store.set_session_status(id, "running").await.unwrap();
    }
    let mut live = sleeper();
    let mut dead = sleeper();
    foreign_lease(&first.store, "run-live", live.id()).await;
    foreign_lease(&first.store, "run-dead", dead.id()).await;
    dead.kill().unwrap();
    dead.wait().unwrap();

    // a server starts on the same store: the run whose process died is closed at once,
    // the one whose process lives (a CLI run in a long tool call) is left alone
    let second = TestServer::start_on(&db).await;
    let status = |id: &'static str| {
        let store = second.store.clone();
        async move { store.session(id).await.unwrap().status }
    };
    assert_eq!(status("run-dead").await, "error");
    assert_eq!(status("run-live").await, "running");
    let events = second.store.events("run-dead", None).await.unwrap();
    assert_eq!(events.last().unwrap().data["type"], json!("error"));

    live.kill().unwrap();
    live.wait().unwrap();
    let third = TestServer::start_on(&db).await;
    let st = third.store.session("run-live").await.unwrap().status;
    assert_eq!(st, "error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_turn_does_not_poison_the_session() {
    let s = TestServer::start().await;
    s.fake.push(Reply::error(
        400,
        "invalid_request_error",
        "messages.0: this prompt is refused",
    ));
    let r = cli(&s, &["ask", "a prompt the API refuses"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    s.fake.push(Reply::text("fine now"));
    let r = cli(&s, &["ask", "-c", "a good prompt"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("fine now"));
    let reqs = s.fake.message_requests();
    assert_eq!(user_texts(&reqs[1].body), vec!["a good prompt"]);
    // nothing is lost: the refused prompt is still stored, marked
    let all = async {
        let id = s.store.latest_session().await?.unwrap().id;
        s.store.messages(&id).await
    }
    .await
    .unwrap();
    let first = &all[0];
    assert_eq!(first.text(), "a prompt the API refuses");
    assert!(first.unanswered);
    assert!(!all[1].unanswered);
}

/// Another process's connection takes the file's write lock and holds it until told to let go
/// (or 20 s); returns once the lock is held.
fn hold_write_lock(
    db: std::path::PathBuf,
) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(Duration::from_secs(20));
        c.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    (release_tx, holder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_do_not_wait_behind_a_write_lock_held_elsewhere() {
    let s = TestServer::start().await;
    session(&s.store, "status-1").await;
    let db = s.dir.path().join("clauded.db");
    // another process takes the write lock and sits on it
    let (release_tx, holder) = hold_write_lock(db);
    // a write of ours now waits for it...
    let writer = {
        let http = s.http.clone();
        let url = s.url("/v1/projects");
        tokio::spawn(async move { http.post(url).json(&json!({"name": "p"})).send().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...and reads go on
    let started = Instant::now();
    for path in [
        "/v1/chat/completions/status-1/status",
        "/v1/sessions/status-1",
        "/v1/sessions",
    ] {
        let (st, _) = s.get(path).await;
        assert_eq!(st, 200, "{path}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "reads waited {:?}",
        started.elapsed()
    );
    assert!(!writer.is_finished(), "the write did not wait for the lock");
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let r = writer.await.unwrap().unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_message_is_stored_before_the_stream_starts() {
    let s = TestServer::start().await;
    session(&s.store, "ios-store-1").await;
    let db = s.dir.path().join("clauded.db");
    let (release_tx, holder) = hold_write_lock(db);
    s.fake.push(Reply::text("stored first"));
    let req = {
        let http = s.http.clone();
        let url = s.url("/v1/chat/completions");
        tokio::spawn(async move {
            http.post(url)
                .json(&json!({"session_id": "ios-store-1", "stream": true,
                    "messages": [{"role": "user", "content": "keep me"}]}))
                .send()
                .await
        })
    };
    // while the store cannot take the message, no 200 goes out
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !req.is_finished(),
        "the stream started before the message was stored"
    );
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    let resp = req.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    // the moment the client sees the 200, the message is in the store
    let msgs = s.store.messages("ios-store-1").await.unwrap();
    assert_eq!(msgs[0].text(), "keep me");
    let (frames, done) = crate::support::server::sse_json(&resp.text().await.unwrap());
    let text: String = frames
        .iter()
        .filter_map(|f| f["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "stored first");
    assert!(done);
}

fn vm_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_readers_cost_bounded_memory_while_their_turns_go_on() {
    use std::io::{BufRead, BufReader};
    use tokio::io::AsyncWriteExt;
    let h = crate::support::Home::new();
    const CLIENTS: usize = 10;
    // long answers: 60,000 deltas each, far more than a socket buffer holds
    let long: String = "abcd".repeat(60_000);
    for _ in 0..CLIENTS {
        h.fake.push(Reply::text(&long));
    }
    let mut child = h
        .cmd(&["serve", "--port", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "serve exited early");
        if let Some(rest) = line.trim().split("listening on ").nth(1) {
            break rest.to_owned();
        }
    };
    std::thread::spawn(move || for _ in err.lines() {});
    let pid = child.id();
    let base = vm_kib(pid, "VmRSS:");
    let addr = url.trim_start_matches("http://").to_owned();
    let mut stalled = Vec::new();
    for i in 0..CLIENTS {
        let body = json!({"session_id": format!("stalled-{i}"), "stream": true,
            "messages": [{"role": "user", "content": "a long answer please"}]})
        .to_string();
        let mut t = tokio::net::TcpStream::connect(&addr).await.unwrap();
        t.write_all(
            format!(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        // and never read a byte
        stalled.push(t);
    }
    // every turn is answered and stored although nobody reads its stream
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    for i in 0..CLIENTS {
        loop {
            let msgs: serde_json::Value = http
                .get(format!("{url}/v1/sessions/stalled-{i}/messages"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap_or_default();
            let done = msgs.as_array().is_some_and(|m| {
                m.iter().any(|m| {
                    m["role"] == "assistant"
                        && m["content"].as_str().is_some_and(|c| c.len() == long.len())
                })
            });
            if done {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "turn {i} was not stored in full: {:.600}",
                msgs.to_string()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let peak = vm_kib(pid, "VmHWM:");
    let grew_mib = peak.saturating_sub(base) / 1024;
    drop(stalled);
    let _ = child.kill();
    let _ = child.wait();
    eprintln!("{CLIENTS} stalled clients: server peak RSS grew {grew_mib} MiB");
    // each stalled client may hold its bounded queue, never its whole answer
    assert!(
        grew_mib < 80,
        "10 stalled clients grew the server by {grew_mib} MiB"
    );
}
