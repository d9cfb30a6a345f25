//! Several `clauded serve` processes on one PostgreSQL database: a run started on A is
//! replayed and followed from B with `Last-Event-ID` (every event once, in order), stopped
//! from B, answered from B, and closed by B when A is killed (`kill -9`) within the lease time.
//! Skipped, saying so, without a PostgreSQL server (tests/run.sh always has one).

use crate::support::fake_anthropic::tool_use_events;
use crate::support::{Delivery, Home, Reply, Serving, bare_remote, pg, serve};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// Two instances (A, B) on one fresh database, each with its own fake Anthropic; leases of
/// 3 s, so a dead instance's runs are closed within a few seconds.
struct Pair {
    a_home: Home,
    _b_home: Home,
    a: Serving,
    b: Serving,
    http: reqwest::Client,
}

fn pair() -> Option<Pair> {
    let Some(url) = pg::fresh_database_url() else {
        eprintln!("skipped: no PostgreSQL server (set CLAUDED_TEST_PG_URL or run tests/run.sh)");
        return None;
    };
    let start = |h: &Home| {
        let mut c = h.cmd(&[
            "serve",
            "--port",
            "0",
            "--allow-local-repos",
            "--lease-ttl",
            "3",
        ]);
        c.env("DATABASE_URL", &url);
        serve(c)
    };
    let (a_home, b_home) = (Home::new(), Home::new());
    let a = start(&a_home);
    let b = start(&b_home);
    Some(Pair {
        a_home,
        _b_home: b_home,
        a,
        b,
        http: {
            clauded::anthropic::init_tls();
            reqwest::Client::new()
        },
    })
}

fn frames(body: &str) -> Vec<(Option<String>, Option<i64>, Value)> {
    crate::support::sse_frames(body)
}

/// A run whose model answers slowly (each stream event 200 ms apart).
fn script_slow_run(h: &Home, delay_ms: u64) {
    let slow = Delivery {
        event_delay: Duration::from_millis(delay_ms),
        ..Default::default()
    };
    h.fake.push(Reply::text(
        r#"{"title": "Add Dark Mode", "branch": "dark-mode"}"#,
    ));
    h.fake.push(
        Reply::Events(tool_use_events(&[(
            "w1",
            "filesystem__write_file",
            json!({"path": "dark.css", "content": "body { background: #000; }\n"}),
        )]))
        .delivered(slow.clone()),
    );
    h.fake.push(
        Reply::text("Dark mode is in dark.css, ready to use, after some careful thought.")
            .delivered(slow),
    );
    h.fake.push(Reply::text("Add dark mode stylesheet"));
}

impl Pair {
    /// Starts a run on A; returns its session id (A's stream is read to its end meanwhile).
    async fn start_run_on_a(&self) -> String {
        let remote = bare_remote(self.a_home.path());
        let r = self
            .http
            .post(format!("{}/api/execute-remote", self.a.url))
            .json(&json!({"userRequest": "Add dark mode", "github": {"repoUrl": remote.to_str().unwrap(), "branch": "main"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let mut body = r.bytes_stream();
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !seen.contains("websiteSessionId") {
            let chunk = tokio::time::timeout_at(deadline, body.next())
                .await
                .expect("the run started in time")
                .expect("the stream is open")
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        let sid = frames(&seen)
            .iter()
            .find_map(|f| f.2["websiteSessionId"].as_str().map(str::to_owned))
            .unwrap();
        // A's stream is read on, so A's run is never held up by a full socket
        tokio::spawn(async move { while body.next().await.is_some() {} });
        sid
    }

    async fn get(&self, on: &Serving, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", on.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn status(&self, on: &Serving, sid: &str) -> String {
        self.get(on, &format!("/api/sessions/{sid}")).await["session"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn wait_status(&self, on: &Serving, sid: &str, want: &str, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.status(on, sid).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "session {sid} never became {want} (is {})",
            self.status(on, sid).await
        );
    }

    /// The stored event ids, as B reads them.
    async fn stored_ids(&self, sid: &str) -> Vec<i64> {
        let v = self
            .get(&self.b, &format!("/api/sessions/{sid}/events"))
            .await;
        v["data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_a_is_followed_from_b_every_event_once_in_order() {
    let Some(p) = pair() else { return };
    script_slow_run(&p.a_home, 150);
    let sid = p.start_run_on_a().await;
    // B: the first few events, then the client goes away
    let first = p
        .http
        .get(format!("{}/api/sessions/{sid}/events/stream", p.b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let mut body = first.bytes_stream();
    let mut seen = String::new();
    while frames(&seen).iter().filter(|f| f.1.is_some()).count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(20), body.next())
            .await
            .expect("B replays in time")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(body);
    let got_first: Vec<i64> = frames(&seen).iter().filter_map(|f| f.1).collect();
    let resume_at = *got_first.last().unwrap();
    // B again, from where it was, until the run ends
    let again = p
        .http
        .get(format!("{}/api/sessions/{sid}/events/stream", p.b.url))
        .header("last-event-id", resume_at.to_string())
        .send()
        .await
        .unwrap();
    let text = tokio::time::timeout(Duration::from_secs(60), again.text())
        .await
        .expect("the live stream ends with the run")
        .unwrap();
    let fr = frames(&text);
    let got_rest: Vec<i64> = fr.iter().filter_map(|f| f.1).collect();
    assert!(
        fr.iter()
            .any(|f| f.2["type"] == "completed" && f.1.is_some()),
        "B saw the run's own final event live: {text}"
    );
    assert!(
        got_rest.windows(2).all(|w| w[0] < w[1]),
        "in order: {got_rest:?}"
    );
    assert!(got_rest.iter().all(|id| *id > resume_at), "{got_rest:?}");
    let mut all: Vec<i64> = got_first
        .iter()
        .copied()
        .filter(|i| *i <= resume_at)
        .collect();
    all.extend(&got_rest);
    assert_eq!(
        all,
        p.stored_ids(&sid).await,
        "every stored event exactly once"
    );
    p.wait_status(&p.b, &sid, "completed", Duration::from_secs(10))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_on_b_stops_a_run_on_a() {
    let Some(p) = pair() else { return };
    script_slow_run(&p.a_home, 400);
    let sid = p.start_run_on_a().await;
    p.wait_status(&p.b, &sid, "running", Duration::from_secs(20))
        .await;
    let r: Value = p
        .http
        .post(format!("{}/api/sessions/{sid}/abort", p.b.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["data"]["aborted"], json!(true), "{r}");
    p.wait_status(&p.b, &sid, "error", Duration::from_secs(20))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_on_b_ends_a_run_on_a_as_completed() {
    let Some(p) = pair() else { return };
    script_slow_run(&p.a_home, 400);
    let sid = p.start_run_on_a().await;
    p.wait_status(&p.b, &sid, "running", Duration::from_secs(20))
        .await;
    let r: Value = p
        .http
        .post(format!("{}/api/sessions/{sid}/interrupt", p.b.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["data"]["interrupted"], json!(true), "{r}");
    p.wait_status(&p.b, &sid, "completed", Duration::from_secs(20))
        .await;
    let v = p.get(&p.b, &format!("/api/sessions/{sid}/events")).await;
    let kinds: Vec<&str> = v["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["eventData"]["type"].as_str())
        .collect();
    assert!(kinds.contains(&"interrupted"), "{kinds:?}");
    // nothing runs any more: a second interrupt finds nothing to stop
    let r: Value = p
        .http
        .post(format!("{}/api/sessions/{sid}/interrupt", p.b.url))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["data"]["interrupted"], json!(false), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_on_b_stops_a_chat_turn_streaming_on_a() {
    let Some(p) = pair() else { return };
    p.a_home.fake.push(
        Reply::text("one two three four five six seven eight nine ten eleven twelve").delivered(
            Delivery {
                event_delay: Duration::from_millis(300),
                ..Default::default()
            },
        ),
    );
    let turn = p
        .http
        .post(format!("{}/v1/chat/completions", p.a.url))
        .json(&json!({"session_id": "multi-stop", "stream": true, "messages": [{"role": "user", "content": "count"}]}))
        .send()
        .await
        .unwrap();
    let mut body = turn.bytes_stream();
    let mut seen = String::new();
    while !seen.contains("\"content\":\"one") {
        let chunk = tokio::time::timeout(Duration::from_secs(20), body.next())
            .await
            .expect("the turn streams")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let r: Value = p
        .http
        .delete(format!("{}/v1/chat/completions/multi-stop", p.b.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["was_running"], json!(true), "{r}");
    let rest = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(c) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&c.unwrap()));
        }
    })
    .await;
    assert!(rest.is_ok(), "A's stream ended after the stop from B");
    assert!(seen.contains("[DONE]"), "{seen}");
    let msgs = p.get(&p.b, "/v1/sessions/multi-stop/messages").await;
    let last = msgs
        .as_array()
        .and_then(|m| m.last())
        .unwrap_or_else(|| panic!("B lists the session's messages: {msgs}"))
        .clone();
    assert!(
        last.to_string().contains("cancelled"),
        "the partial answer is stored as cancelled: {last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_asked_on_a_is_answered_on_b() {
    let Some(p) = pair() else { return };
    let hook = {
        let (http, url) = (
            p.http.clone(),
            format!("{}/v1/hooks/permission-request?timeout=30", p.a.url),
        );
        tokio::spawn(async move {
            http.post(url)
                .json(&json!({"session_id": "cc-1", "cwd": "/work/app", "hook_event_name": "PermissionRequest",
                    "tool_name": "Bash", "tool_input": {"command": "make deploy"}}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    let mut pending = Vec::new();
    for _ in 0..100 {
        pending = p.get(&p.b, "/v1/approvals").await["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !pending.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending.len(), 1, "B lists what A asked");
    let id = pending[0]["id"].as_str().unwrap().to_owned();
    let r = p
        .http
        .post(format!("{}/v1/approvals/{id}", p.b.url))
        .json(&json!({"decision": "allow", "message": "from B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out = tokio::time::timeout(Duration::from_secs(10), hook)
        .await
        .expect("A's waiter heard B's answer")
        .unwrap();
    assert_eq!(
        out["hookSpecificOutput"]["decision"],
        json!({"behavior": "allow", "message": "from B"})
    );
    // single use, whichever instance is asked
    let again = p
        .http
        .post(format!("{}/v1/approvals/{id}", p.a.url))
        .json(&json!({"decision": "deny"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_a_is_killed_b_closes_its_run_within_the_lease_time() {
    let Some(mut p) = pair() else { return };
    script_slow_run(&p.a_home, 1000);
    let sid = p.start_run_on_a().await;
    p.wait_status(&p.b, &sid, "running", Duration::from_secs(20))
        .await;
    // kill -9: no goodbye, the lease simply stops being renewed
    p.a.child.kill().unwrap();
    p.a.child.wait().unwrap();
    let killed = std::time::Instant::now();
    p.wait_status(&p.b, &sid, "error", Duration::from_secs(15))
        .await;
    let took = killed.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "closed after {took:?} (lease 3 s)"
    );
    let v = p.get(&p.b, &format!("/api/sessions/{sid}/events")).await;
    let last = v["data"]["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["eventData"]["type"], json!("error"), "{last}");
    assert!(
        last["eventData"]["error"]
            .as_str()
            .unwrap()
            .contains("stopped without finishing"),
        "{last}"
    );
    // the session is free again: B can run on it
    let lease_free = p
        .get(&p.b, &format!("/v1/chat/completions/{sid}/status"))
        .await;
    assert_eq!(lease_free["is_running"], json!(false), "{lease_free}");
}
