//! WebEDT's `/api/*`: execute with named frames, replay with Last-Event-ID, live fan-out, abort.

use crate::support::fake_anthropic::tool_use_events;
use crate::support::server::TestServer;
use crate::support::{Delivery, Reply, bare_remote, git};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

fn frames(body: &str) -> Vec<(Option<String>, Option<i64>, Value)> {
    crate::support::sse_frames(body)
}

fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn script(s: &TestServer, slow: bool) {
    let delivery = Delivery {
        event_delay: Duration::from_millis(if slow { 150 } else { 0 }),
        ..Default::default()
    };
    s.fake.push(Reply::text(
        r#"{"title": "Add Dark Mode", "branch": "dark-mode"}"#,
    ));
    s.fake.push(
        Reply::Events(tool_use_events(&[(
            "w1",
            "filesystem__write_file",
            json!({"path": "dark.css", "content": "body { background: #000; }\n"}),
        )]))
        .delivered(delivery.clone()),
    );
    s.fake
        .push(Reply::text("Dark mode is in dark.css, ready to use.").delivered(delivery));
    s.fake.push(Reply::text("Add dark mode stylesheet"));
}

async fn start_run(s: &TestServer, remote: &std::path::Path) -> reqwest::Response {
    s.http
        .post(s.url("/api/execute-remote"))
        .json(&json!({"userRequest": "Add dark mode", "github": {"repoUrl": remote.to_str().unwrap(), "branch": "main"}}))
        .send()
        .await
        .unwrap()
}

async fn read_until(
    body: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    seen: &mut String,
    needle: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !seen.contains(needle) {
        match tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("in time")
        {
            Some(c) => seen.push_str(&String::from_utf8_lossy(&c.unwrap())),
            None => panic!("ended before {needle:?}: {seen}"),
        }
    }
}

async fn status(s: &TestServer, id: &str) -> String {
    let (_, v) = s.get(&format!("/api/sessions/{id}")).await;
    v["session"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn wait_status(s: &TestServer, id: &str, want: &str) {
    for _ in 0..200 {
        if status(s, id).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "session {id} never became {want} (is {})",
        status(s, id).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_streams_named_frames_in_order_and_pushes_the_branch() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    script(&s, false);
    let r = start_run(&s, &remote).await;
    assert_eq!(
        r.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let body = r.text().await.unwrap();
    let fr = frames(&body);
    let names: Vec<String> = fr.iter().map(|f| f.0.clone().unwrap_or_default()).collect();
    assert!(
        names.iter().all(|n| !n.is_empty()),
        "every execute frame is named: {names:?}"
    );
    assert_eq!(names[0], "input_preview");
    assert_eq!(names[1], "session-created");
    let sid = fr[1].2["websiteSessionId"].as_str().unwrap().to_owned();
    let mut at = 0;
    for k in [
        "title_generation",
        "branch_created",
        "session_name",
        "assistant",
        "tool_result",
        "result",
        "commit_progress",
        "completed",
    ] {
        at += names[at..]
            .iter()
            .position(|n| n == k)
            .unwrap_or_else(|| panic!("{k} after {at} in {names:?}"));
    }
    assert_eq!(names.last().unwrap(), "completed");
    for (name, id, data) in &fr {
        assert_eq!(
            data["type"].as_str(),
            name.as_deref(),
            "type repeats the event name"
        );
        assert_eq!(
            id.is_some(),
            name.as_deref() != Some("session-created"),
            "stored events carry id: lines"
        );
    }
    let ids: Vec<i64> = fr.iter().filter_map(|f| f.1).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
    let done = &fr.last().unwrap().2;
    assert_eq!(
        (done["completed"].clone(), done["websiteSessionId"].clone()),
        (json!(true), json!(sid))
    );
    let branch = done["branch"].as_str().unwrap();
    assert!(branch.starts_with("clauded/dark-mode-"));
    assert_eq!(
        git(&remote, &["log", "-1", "--format=%s", branch]).trim(),
        "Add dark mode stylesheet"
    );
    assert_eq!(
        git(&remote, &["show", &format!("{branch}:dark.css")]),
        "body { background: #000; }\n"
    );

    let (_, ev) = s.get(&format!("/api/sessions/{sid}/events")).await;
    assert_eq!(ev["success"], json!(true));
    assert_eq!(ev["data"]["total"].as_u64().unwrap() as usize, ids.len());
    assert_eq!(ev["data"]["status"], json!("completed"));
    let (_, list) = s.get("/api/sessions").await;
    assert_eq!(
        list["data"]["sessions"][0]["userRequest"],
        json!("Add Dark Mode")
    );
    assert_eq!(list["data"]["sessions"][0]["branch"], json!(branch));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reconnects_with_last_event_id_sees_every_event_once() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    script(&s, true);
    let r = start_run(&s, &remote).await;
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    read_until(&mut body, &mut seen, "event: branch_created").await;
    drop(body); // the client goes away mid-run
    let first = frames(&seen);
    let sid = first
        .iter()
        .find(|f| f.0.as_deref() == Some("session-created"))
        .unwrap()
        .2["websiteSessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = first.iter().filter_map(|f| f.1).max().unwrap();
    assert_eq!(
        status(&s, &sid).await,
        "running",
        "the run goes on without its client"
    );

    let resumed = s
        .http
        .get(s.url(&format!("/api/sessions/{sid}/events/stream")))
        .header("last-event-id", last.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let second = frames(&resumed);
    let mut got: Vec<i64> = first.iter().filter_map(|f| f.1).collect();
    got.extend(second.iter().filter_map(|f| f.1));
    let (_, all) = s.get(&format!("/api/sessions/{sid}/events")).await;
    let want: Vec<i64> = all["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, want, "every stored event exactly once, in order");
    let end = second.last().unwrap();
    assert_eq!(end.0.as_deref(), Some("completed"));
    assert!(
        second
            .iter()
            .filter(|f| f.1.is_some())
            .all(|f| f.0.as_deref() == f.2["type"].as_str() && f.2["_replayed"].is_null()),
        "what the client missed comes as live events do, named by their kind: {second:?}"
    );

    // without Last-Event-ID: everything again, marked as replayed
    let again = s
        .http
        .get(s.url(&format!("/api/sessions/{sid}/events/stream?")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let third = frames(&again);
    let ids: Vec<i64> = third.iter().filter_map(|f| f.1).collect();
    assert_eq!(ids, want);
    assert!(
        third
            .iter()
            .filter(|f| f.1.is_some())
            .all(|f| f.2["_replayed"] == json!(true) && f.2["_originalTimestamp"].is_string())
    );
    assert_eq!(third.last().unwrap().2["replayed"], json!(true));
    let q = s
        .http
        .get(s.url(&format!(
            "/api/sessions/{sid}/events/stream?lastEventId={}",
            want[want.len() - 2]
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        frames(&q).iter().filter_map(|f| f.1).collect::<Vec<_>>(),
        vec![*want.last().unwrap()]
    );

    // resume adds WebEDT's markers around the replay
    let res = s
        .http
        .get(s.url(&format!("/api/resume/{sid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let kinds: Vec<String> = frames(&res)
        .iter()
        .map(|f| f.2["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        &kinds[..3],
        ["submission_preview", "reconnected", "replay_start"]
    );
    let tail: Vec<&str> = kinds.iter().rev().take(3).map(String::as_str).collect();
    assert_eq!(tail, ["completed", "session_info", "replay_end"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_live_subscribers_see_the_same_run() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    script(&s, true);
    let r = start_run(&s, &remote).await;
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    read_until(&mut body, &mut seen, "session-created").await;
    let sid = frames(&seen)
        .iter()
        .find(|f| f.0.as_deref() == Some("session-created"))
        .unwrap()
        .2["websiteSessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let sub = |sid: String| {
        let (http, url) = (
            s.http.clone(),
            s.url(&format!("/api/sessions/{sid}/events/stream")),
        );
        tokio::spawn(async move { http.get(url).send().await.unwrap().text().await.unwrap() })
    };
    let (a, b) = (sub(sid.clone()), sub(sid.clone()));
    read_until(&mut body, &mut seen, "event: completed").await;
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let ids = |t: &str| frames(t).iter().filter_map(|f| f.1).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(
        ids(&a),
        ids(&seen),
        "the same events as the executing client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_really_stops_a_run_and_get_execute_works() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    s.fake.push(Reply::text(
        r#"{"title": "Slow Work", "branch": "slow-work"}"#,
    ));
    s.fake.push(
        Reply::text("thinking very slowly about this change for a long long time").delivered(
            Delivery {
                event_delay: Duration::from_millis(300),
                ..Default::default()
            },
        ),
    );
    let github = json!({"repoUrl": remote.to_str().unwrap()}).to_string();
    let r = s
        .http
        .get(s.url(&format!(
            "/api/execute-remote?userRequest=do%20slow%20work&github={}",
            enc(&github)
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut body = r.bytes_stream();
    let mut seen = String::new();
    read_until(&mut body, &mut seen, "event: session_name").await;
    let sid = frames(&seen)
        .iter()
        .find(|f| f.0.as_deref() == Some("session-created"))
        .unwrap()
        .2["websiteSessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, r) = s
        .post(&format!("/api/sessions/{sid}/abort"), json!({}))
        .await;
    assert_eq!((st, r["data"]["aborted"].clone()), (200, json!(true)));
    read_until(&mut body, &mut seen, "event: error").await;
    wait_status(&s, &sid, "error").await;
    assert_eq!(
        git(&remote, &["branch", "--list", "clauded/*"]).trim(),
        "",
        "an aborted run pushes nothing"
    );
    let (st, _) = s
        .post(&format!("/api/sessions/{sid}/abort"), json!({}))
        .await;
    assert_eq!(st, 200);
    let (st, e) = s
        .post("/api/execute-remote", json!({"github": {"repoUrl": "x"}}))
        .await;
    assert_eq!((st, e["success"].clone()), (400, json!(false)));
    let (st, _) = s.get("/api/sessions/nope/events").await;
    assert_eq!(st, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_left_running_by_a_dead_process_are_closed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clauded.db");
    {
        let store = clauded::store::Store::open(&db).unwrap();
        let s = store
            .create_session(&clauded::store::NewSession {
                id: Some("orphan".into()),
                model: "m".into(),
                source: "run".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        store
            .update_session(
                &s.id,
                &clauded::store::SessionUpdate {
                    status: Some("running".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute(
            "UPDATE sessions SET updated_at = '2020-01-01T00:00:00.000Z' WHERE id = 'orphan'",
            [],
        )
        .unwrap();
    }
    let s = TestServer::start_on(&db).await;
    let (_, v) = s.get("/api/sessions/orphan").await;
    assert_eq!(v["session"]["status"], json!("error"));
    let (_, ev) = s.get("/api/sessions/orphan/events").await;
    assert!(
        ev["data"]["events"][0]["eventData"]["error"]
            .as_str()
            .unwrap()
            .contains("stopped without finishing")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_continues_on_the_same_branch_and_interrupt_completes() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    script(&s, false);
    let first = frames(&start_run(&s, &remote).await.text().await.unwrap());
    let sid = first
        .iter()
        .find(|f| f.0.as_deref() == Some("session-created"))
        .unwrap()
        .2["websiteSessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let branch = first.last().unwrap().2["branch"]
        .as_str()
        .unwrap()
        .to_owned();

    // a follow-up: same session, same branch, a second commit on top
    s.fake.push(Reply::Events(tool_use_events(&[(
        "w2",
        "filesystem__write_file",
        json!({"path": "light.css", "content": "body { background: #fff; }\n"}),
    )])));
    s.fake.push(Reply::text("Added the light theme too."));
    s.fake.push(Reply::text("Add light theme"));
    let body = s
        .http
        .post(s.url("/api/execute-remote"))
        .json(&json!({"userRequest": "Add a light theme too", "websiteSessionId": sid}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fr = frames(&body);
    assert!(
        !fr.iter().any(|f| f.0.as_deref() == Some("session-created")),
        "no new session"
    );
    assert_eq!(fr.last().unwrap().2["branch"], json!(branch));
    let log = git(&remote, &["log", "--format=%s", "-2", &branch]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        ["Add light theme", "Add dark mode stylesheet"]
    );
    let up = s.fake.message_requests();
    let agent_req = &up[up.len() - 3].body;
    assert!(
        agent_req["messages"].as_array().unwrap().len() > 3,
        "the follow-up sees the first run's conversation"
    );

    // interrupt: the run stops and counts as completed
    s.fake.push(
        Reply::text("so slow it never finishes on its own, word after word after word").delivered(
            Delivery {
                event_delay: Duration::from_millis(300),
                ..Default::default()
            },
        ),
    );
    let r = s
        .http
        .post(s.url("/api/execute-remote"))
        .json(&json!({"userRequest": "more", "websiteSessionId": sid}))
        .send()
        .await
        .unwrap();
    let mut stream = r.bytes_stream();
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: input_preview").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (st, v) = s
        .post(&format!("/api/sessions/{sid}/interrupt"), json!({}))
        .await;
    assert_eq!((st, v["data"]["interrupted"].clone()), (200, json!(true)));
    wait_status(&s, &sid, "completed").await;
    let (_, ev) = s.get(&format!("/api/sessions/{sid}/events")).await;
    assert_eq!(
        ev["data"]["events"].as_array().unwrap().last().unwrap()["eventData"]["type"],
        json!("interrupted")
    );

    let (st, d) = s.delete(&format!("/api/sessions/{sid}")).await;
    assert_eq!((st, d["success"].clone()), (200, json!(true)));
    let (st, _) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(st, 404);
    // in the trash until restored
    let (_, trash) = s.get("/api/sessions/deleted").await;
    assert_eq!(trash["data"]["sessions"][0]["id"], json!(sid), "{trash}");
    let (st, _) = s
        .post(&format!("/api/sessions/{sid}/restore"), json!({}))
        .await;
    assert_eq!(st, 200);
    let (st, _) = s.get(&format!("/api/sessions/{sid}")).await;
    assert_eq!(st, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_log_is_replayed_in_pages_every_event_once_as_stored() {
    let s = TestServer::start().await;
    let session = s
        .store
        .create_session(&clauded::store::NewSession {
            id: Some("long-log".into()),
            model: "m".into(),
            source: "run".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // more than two pages of the store's reads, the last run ended
    let n = 2 * clauded::store::EVENT_PAGE + 7;
    let mut ids = Vec::new();
    for i in 0..n {
        let kind = if i + 1 == n { "completed" } else { "assistant" };
        let data = json!({"type": kind, "n": i, "text": "line\nwith \"quotes\" and ünïcode"});
        ids.push(
            s.store
                .append_event(&session.id, kind, &data)
                .await
                .unwrap(),
        );
    }
    s.store
        .set_session_status(&session.id, "completed")
        .await
        .unwrap();
    let stored = s.store.events(&session.id, None).await.unwrap();

    // SSE: bare frames with ids, in order, each the stored object plus the replay's two keys
    let body = s
        .http
        .get(s.url("/api/sessions/long-log/events/stream"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let got = frames(&body);
    let replayed: Vec<_> = got.iter().filter(|f| f.1.is_some()).collect();
    assert_eq!(
        replayed.iter().map(|f| f.1.unwrap()).collect::<Vec<_>>(),
        ids
    );
    for (f, e) in replayed.iter().zip(&stored) {
        assert_eq!(f.0, None);
        let mut want = e.data.clone();
        want["_replayed"] = json!(true);
        want["_originalTimestamp"] = json!(e.created_at);
        assert_eq!(f.2, want);
    }
    let last = got.last().unwrap();
    assert_eq!(last.0.as_deref(), Some("completed"));
    assert_eq!(last.2["status"], json!("completed"));
    // the first frame's exact text: the stored JSON written through, the two keys at its end
    let raw = s.store.events_page(&session.id, 0, None, 1).await.unwrap();
    let text = raw[0].data.get();
    assert_eq!(
        body.split("\n\n").next().unwrap(),
        format!(
            "id: {}\ndata: {},\"_replayed\":true,\"_originalTimestamp\":\"{}\"}}",
            ids[0],
            &text[..text.len() - 1],
            stored[0].created_at
        )
    );

    // JSON: one answer in WebEDT's shape, every event once, after an id too
    let (st, v) = s.get("/api/sessions/long-log/events").await;
    assert_eq!(st, 200);
    let events = v["data"]["events"].as_array().unwrap();
    assert_eq!(events.len(), n);
    assert_eq!(v["data"]["total"], json!(n));
    assert_eq!(v["data"]["sessionId"], json!("long-log"));
    assert_eq!(v["data"]["status"], json!("completed"));
    assert_eq!(v["success"], json!(true));
    for (item, e) in events.iter().zip(&stored) {
        assert_eq!(
            item,
            &json!({"id": e.id, "chatSessionId": "long-log", "eventData": e.data,
                "timestamp": e.created_at})
        );
    }
    let (_, v) = s
        .get(&format!(
            "/api/sessions/long-log/events?after={}",
            ids[n - 3]
        ))
        .await;
    let tail: Vec<_> = v["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(tail, ids[n - 2..]);
    assert_eq!(v["data"]["total"], json!(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reads_claude_md_from_the_clone() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    let seed = s.dir.path().join("seed");
    std::fs::write(seed.join("CLAUDE.md"), "Widgets use tabs, never spaces.\n").unwrap();
    git(&seed, &["add", "CLAUDE.md"]);
    git(&seed, &["commit", "-q", "-m", "Project memory"]);
    git(&seed, &["push", "-q", remote.to_str().unwrap(), "main"]);
    script(&s, false);
    let body = start_run(&s, &remote).await.text().await.unwrap();
    assert!(body.contains("event: completed"), "{body}");
    // the agent loop's requests (not the title's) carry the clone's CLAUDE.md in the system prompt
    let systems: Vec<String> = s
        .fake
        .message_requests()
        .iter()
        .map(|r| r.body["system"].to_string())
        .collect();
    let with = systems
        .iter()
        .filter(|sys| sys.contains("Widgets use tabs, never spaces."))
        .count();
    assert!(with >= 2, "{systems:#?}");
    assert!(
        systems.iter().any(|sys| sys.contains("CLAUDE.md")),
        "named: {systems:#?}"
    );
}

/// An EventSource cannot read a refusal's body: a GET execute that asked for an event stream
/// gets the refusal as its one `error` event (WebEDT's page shows it); other clients keep
/// the plain answer with its status.
#[tokio::test]
async fn a_refused_execute_is_an_error_event_for_an_event_source() {
    let s = TestServer::start().await;
    let refused = [
        ("/api/execute-remote?userRequest=hi", 400, "repoUrl"),
        (
            "/api/execute-remote?userRequest=hi&github=%7B%22repoUrl%22%3A%22ftp%3A%2F%2Fx%2Fy%22%7D",
            400,
            "ftp",
        ),
        ("/api/execute-remote?github=not-json", 400, "JSON"),
        (
            "/api/execute-remote?websiteSessionId=nope&userRequest=hi",
            404,
            "not found",
        ),
    ];
    for (path, status, says) in refused {
        let plain = s.http.get(s.url(path)).send().await.unwrap();
        assert_eq!(plain.status().as_u16(), status, "{path}");
        let v: Value = plain.json().await.unwrap();
        assert_eq!(v["success"], json!(false), "{path}: {v}");

        let es = s
            .http
            .get(s.url(path))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(es.status().as_u16(), 200, "{path}");
        assert!(
            es.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"),
            "{path}"
        );
        let frames = frames(&es.text().await.unwrap());
        assert_eq!(frames.len(), 1, "{path}: {frames:?}");
        let (name, _, data) = &frames[0];
        assert_eq!(name.as_deref(), Some("error"), "{path}");
        assert_eq!(data["type"], json!("error"));
        assert_eq!(data["status"], json!(status), "{path}: {data}");
        assert!(
            data["error"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(&says.to_lowercase()),
            "{path}: {data}"
        );
    }
}
