//! The rest of WebEDT's sessions API with two users: code sessions and their paths, changes,
//! the trash (one at a time, in batches, for good), messages, `send` followed on the events
//! stream, the live list (`/api/sessions/updates`), every route with the other user's ids, and
//! `/health` read by both clients.

use crate::support::fake_anthropic::tool_use_events;
use crate::support::server::TestServer;
use crate::support::users::{
    Account, Answer, As, delete, get, open, post, request, request_with, send, setup, trio,
};
use crate::support::{Delivery, Home, Reply, bare_remote, git, pg, serve, sse_frames};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

type Frame = (Option<String>, Option<i64>, Value);

/// A server with open registration and two users, A and B (an admin registered first).
async fn two_users() -> (TestServer, Account, Account) {
    let s = TestServer::start_with(setup(open())).await;
    let (_admin, a, b) = trio(&s).await;
    (s, a, b)
}

fn code_body(owner: &str, repo: &str, branch: &str) -> Value {
    json!({"title": format!("Work on {branch}"), "repositoryOwner": owner, "repositoryName": repo,
        "baseBranch": "main", "branch": branch})
}

/// A code session of `who` on acme/web at `branch`: its row.
async fn code_session(s: &TestServer, who: &As, branch: &str) -> Value {
    let r = post(
        s,
        "/api/sessions/create-code-session",
        who,
        code_body("acme", "web", branch),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["session"].clone()
}

fn id_of(row: &Value) -> String {
    row["id"].as_str().expect("a session id").to_owned()
}

async fn patch(s: &TestServer, path: &str, who: &As, body: Value) -> Answer {
    send(request(s, Method::PATCH, path, who).json(&body)).await
}

/// `POST /api/sessions/bulk-{op} {ids}` by `who`.
async fn bulk(s: &TestServer, who: &As, op: &str, ids: Value) -> Answer {
    post(
        s,
        &format!("/api/sessions/bulk-{op}"),
        who,
        json!({"ids": ids}),
    )
    .await
}

/// Asserts that a batch did `n` sessions.
fn did(r: &Answer, n: usize) {
    assert_eq!(
        (r.status, r.json()["data"]["count"].clone()),
        (200, json!(n)),
        "{r:?}"
    );
}

/// The ids `GET /api/sessions` lists for `who`.
async fn listed(s: &TestServer, who: &As) -> Vec<String> {
    let r = get(s, "/api/sessions", who).await;
    assert_eq!(r.status, 200, "{r:?}");
    ids(&r.json()["data"]["sessions"])
}

/// The ids `GET /v1/sessions` lists for `who`.
async fn v1_listed(s: &TestServer, who: &As) -> Vec<String> {
    let r = get(s, "/v1/sessions", who).await;
    assert_eq!(r.status, 200, "{r:?}");
    ids(&r.json())
}

/// A page of `GET /api/sessions/deleted{query}` (its `data`).
async fn trash(s: &TestServer, who: &As, query: &str) -> Value {
    let r = get(s, &format!("/api/sessions/deleted{query}"), who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["success"], json!(true), "{r:?}");
    r.json()["data"].clone()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(id_of)
        .collect()
}

async fn status(s: &TestServer, who: &As, id: &str) -> String {
    let r = get(s, &format!("/api/sessions/{id}"), who).await;
    r.json()["session"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn wait_status(s: &TestServer, who: &As, id: &str, want: &str) {
    for _ in 0..300 {
        if status(s, who, id).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "session {id} never became {want} (is {})",
        status(s, who, id).await
    );
}

/// `POST /api/execute-remote` by `who` on `remote`'s main branch: the answer, unread.
async fn execute(s: &TestServer, who: &As, remote: &std::path::Path) -> reqwest::Response {
    request(s, Method::POST, "/api/execute-remote", who)
        .json(&json!({"userRequest": "Add dark mode",
            "github": {"repoUrl": remote.to_str().unwrap(), "branch": "main"}}))
        .send()
        .await
        .unwrap()
}

/// A first run by `who` on a fresh bare remote (webedt.rs's script), read to its end: the
/// session id, the remote and the run's branch.
async fn first_run(s: &TestServer, who: &As) -> (String, std::path::PathBuf, String) {
    let remote = bare_remote(s.dir.path());
    crate::webedt::script(s, false);
    let body = execute(s, who, &remote).await.text().await.unwrap();
    let fr = sse_frames(&body);
    let sid = fr
        .iter()
        .find_map(|f| f.2["websiteSessionId"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no session in {body}"));
    let end = fr.last().unwrap();
    assert_eq!(end.0.as_deref(), Some("completed"), "{body}");
    let branch = end.2["branch"].as_str().unwrap().to_owned();
    (sid, remote, branch)
}

/// A follow-up whose model answers slowly: it writes light.css, says so, names the commit.
fn script_follow_up(s: &TestServer) {
    let slow = Delivery {
        event_delay: Duration::from_millis(150),
        ..Default::default()
    };
    s.fake.push(
        Reply::Events(tool_use_events(&[(
            "w2",
            "filesystem__write_file",
            json!({"path": "light.css", "content": "body { background: #fff; }\n"}),
        )]))
        .delivered(slow.clone()),
    );
    s.fake
        .push(Reply::text("Added the light theme too, after some thought.").delivered(slow));
    s.fake.push(Reply::text("Add light theme"));
}

/// An SSE answer read as it comes.
struct Sse {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    seen: String,
}

impl Sse {
    async fn open(s: &TestServer, path: &str, who: &As) -> Self {
        let r = request(s, Method::GET, path, who).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        assert_eq!(
            r.headers()["content-type"],
            "text/event-stream; charset=utf-8",
            "GET {path}"
        );
        Self::of(r)
    }

    fn of(r: reqwest::Response) -> Self {
        Self {
            body: Box::pin(r.bytes_stream()),
            seen: String::new(),
        }
    }

    /// The first frame (from the start) that `pick` takes; panics after 20 s or at the end.
    async fn until(&mut self, what: &str, pick: impl Fn(&Frame) -> bool) -> Frame {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(f) = sse_frames(&self.seen).into_iter().find(|f| pick(f)) {
                return f;
            }
            match tokio::time::timeout_at(deadline, self.body.next())
                .await
                .unwrap_or_else(|_| panic!("no {what} in time: {}", self.seen))
            {
                Some(c) => self.seen.push_str(&String::from_utf8_lossy(&c.unwrap())),
                None => panic!("ended before {what}: {}", self.seen),
            }
        }
    }

    /// The frame named `name` about session `id`.
    async fn session_event(&mut self, name: &str, id: &str) -> Value {
        let what = format!("{name} for {id}");
        self.until(&what, |f| {
            f.0.as_deref() == Some(name) && f.2["session"]["id"] == json!(id)
        })
        .await
        .2
    }

    /// Reads whatever comes for `d`.
    async fn read_for(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(Some(c)) = tokio::time::timeout_at(deadline, self.body.next()).await {
            self.seen.push_str(&String::from_utf8_lossy(&c.unwrap()));
        }
    }

    /// Reads to the end of the body.
    async fn read_to_end(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while let Some(c) = tokio::time::timeout_at(deadline, self.body.next())
            .await
            .unwrap_or_else(|_| panic!("the stream never ended: {}", self.seen))
        {
            self.seen.push_str(&String::from_utf8_lossy(&c.unwrap()));
        }
    }
}

#[tokio::test]
async fn a_code_session_is_pending_with_its_path_and_literal_routes_are_not_ids() {
    let (s, a, _b) = two_users().await;
    let r = post(
        &s,
        "/api/sessions/create-code-session",
        &a.who,
        code_body("acme", "web", "claude/fix x"),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let v = r.json();
    assert_eq!(v["success"], json!(true), "{v}");
    let row = &v["session"];
    assert_eq!(row["status"], json!("pending"), "{v}");
    assert_eq!(row["sessionPath"], json!("acme__web__claude-fix-x"), "{v}");
    assert_eq!(row["repositoryOwner"], json!("acme"));
    assert_eq!(row["repositoryName"], json!("web"));
    assert_eq!(row["branch"], json!("claude/fix x"));
    assert_eq!(row["baseBranch"], json!("main"));
    assert_eq!(row["userRequest"], json!("Work on claude/fix x"));
    let id = id_of(row);
    // the row as read back, by id and by path
    for key in [id.as_str(), "acme__web__claude-fix-x"] {
        let r = get(&s, &format!("/api/sessions/{key}"), &a.who).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.json()["session"]["id"], json!(id), "{r:?}");
    }
    assert_eq!(listed(&s, &a.who).await, std::slice::from_ref(&id));

    // each field named when it is missing or blank
    for field in ["repositoryOwner", "repositoryName", "baseBranch", "branch"] {
        for blank in [Value::Null, json!("  ")] {
            let mut body = code_body("acme", "web", "other");
            if blank.is_null() {
                body.as_object_mut().unwrap().remove(field);
            } else {
                body[field] = blank;
            }
            let r = post(&s, "/api/sessions/create-code-session", &a.who, body).await;
            let error = r.refused(400);
            assert!(error.contains(field), "{field}: {error}");
        }
    }
    // the repository is on the server's GitHub (GITHUB_URL: the tests' is 127.0.0.1:9)
    assert_eq!(
        row["repositoryUrl"],
        json!("http://127.0.0.1:9/acme/web"),
        "{v}"
    );
    for (owner, repo) in [
        ("acme/../x", "web"),
        ("acme", "web?x=1"),
        ("-acme", "web"),
        ("acme", ".."),
    ] {
        let r = post(
            &s,
            "/api/sessions/create-code-session",
            &a.who,
            code_body(owner, repo, "n"),
        )
        .await;
        let error = r.refused(400);
        assert!(error.contains("GitHub"), "{owner}/{repo}: {error}");
    }
    // the same path again, also from a branch that sanitises to it
    for branch in ["claude/fix x", "claude/fix-x", "claude fix?x"] {
        let r = post(
            &s,
            "/api/sessions/create-code-session",
            &a.who,
            code_body("acme", "web", branch),
        )
        .await;
        r.refused(409);
    }
    assert_eq!(
        listed(&s, &a.who).await,
        std::slice::from_ref(&id),
        "nothing was made"
    );

    // the literal segments route before {id}
    let mut updates = Sse::open(&s, "/api/sessions/updates", &a.who).await;
    updates
        .until("connected", |f| f.0.as_deref() == Some("connected"))
        .await;
    let deleted = get(&s, "/api/sessions/deleted", &a.who).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    assert_eq!(deleted.json()["data"]["sessions"], json!([]), "{deleted:?}");
    for op in ["delete", "restore", "delete-permanent"] {
        let r = bulk(&s, &a.who, op, json!([])).await;
        assert!(r.refused(400).contains("ids"), "{op}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_path_created_at_once_is_one_session() {
    let (s, a, _b) = two_users().await;
    let tries = (0..10).map(|_| {
        post(
            &s,
            "/api/sessions/create-code-session",
            &a.who,
            code_body("acme", "web", "race"),
        )
    });
    let answers = futures_util::future::join_all(tries).await;
    let codes: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 201).count(),
        1,
        "one made, the rest refused: {codes:?}"
    );
    assert!(codes.iter().all(|c| *c == 201 || *c == 409), "{codes:?}");
    assert_eq!(listed(&s, &a.who).await.len(), 1);
}

#[tokio::test]
async fn patch_changes_the_title_or_the_branch() {
    let (s, a, _b) = two_users().await;
    let id = id_of(&code_session(&s, &a.who, "feature").await);
    let path = format!("/api/sessions/{id}");

    let r = patch(&s, &path, &a.who, json!({"userRequest": "A better title"})).await;
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["success"], json!(true), "{v}");
    assert_eq!(
        (v["data"]["id"].clone(), v["data"]["userRequest"].clone()),
        (json!(id), json!("A better title"))
    );
    assert_eq!(v["data"]["branch"], json!("feature"), "the branch stays");

    let r = patch(&s, &path, &a.who, json!({"branch": "feature-2"})).await;
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["data"]["branch"], json!("feature-2"), "{v}");
    assert_eq!(v["data"]["userRequest"], json!("A better title"), "{v}");
    let row = get(&s, &path, &a.who).await.json();
    assert_eq!(
        (
            row["session"]["userRequest"].clone(),
            row["session"]["branch"].clone()
        ),
        (json!("A better title"), json!("feature-2"))
    );

    for empty in [
        json!({}),
        json!({"userRequest": ""}),
        json!({"branch": "   "}),
        json!({"other": "x"}),
    ] {
        patch(&s, &path, &a.who, empty).await.refused(400);
    }
    let r = patch(&s, "/api/sessions/nope", &a.who, json!({"branch": "x"})).await;
    r.refused(404);
    let row = get(&s, &path, &a.who).await.json();
    assert_eq!(row["session"]["branch"], json!("feature-2"), "unchanged");
}

#[tokio::test]
async fn the_trash_hides_pages_restores_and_deletes_for_good() {
    let (s, a, b) = two_users().await;
    let mut mine = Vec::new();
    for n in 1..=4 {
        mine.push(id_of(&code_session(&s, &a.who, &format!("t{n}")).await));
    }
    let theirs = id_of(&code_session(&s, &b.who, "b1").await);
    let (c1, c2, c3, c4) = (&mine[0], &mine[1], &mine[2], &mine[3]);
    assert!(v1_listed(&s, &a.who).await.contains(c1));

    let r = delete(&s, &format!("/api/sessions/{c1}"), &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["success"], json!(true), "{r:?}");
    assert!(
        !listed(&s, &a.who).await.contains(c1),
        "gone from /api/sessions"
    );
    assert!(
        !v1_listed(&s, &a.who).await.contains(c1),
        "gone from /v1/sessions"
    );
    get(&s, &format!("/api/sessions/{c1}"), &a.who)
        .await
        .refused(404);
    let t = trash(&s, &a.who, "").await;
    assert_eq!(ids(&t["sessions"]), std::slice::from_ref(c1), "{t}");
    assert!(t["sessions"][0]["deletedAt"].is_string(), "{t}");

    // three in the trash: pages of two
    for c in [c2, c3] {
        assert_eq!(
            delete(&s, &format!("/api/sessions/{c}"), &a.who)
                .await
                .status,
            200
        );
    }
    let page = trash(&s, &a.who, "?limit=2").await;
    assert_eq!(page["sessions"].as_array().unwrap().len(), 2, "{page}");
    assert_eq!(
        (
            page["limit"].clone(),
            page["offset"].clone(),
            page["hasMore"].clone()
        ),
        (json!(2), json!(0), json!(true)),
        "{page}"
    );
    let rest = trash(&s, &a.who, "?limit=2&offset=2").await;
    assert_eq!(rest["sessions"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["hasMore"], json!(false), "{rest}");
    let mut all = ids(&page["sessions"]);
    all.extend(ids(&rest["sessions"]));
    all.sort();
    let mut want = vec![c1.clone(), c2.clone(), c3.clone()];
    want.sort();
    assert_eq!(all, want, "each deleted session on one page");
    let big = trash(&s, &a.who, "?limit=500").await;
    assert_eq!(big["limit"], json!(100), "clamped: {big}");
    assert_eq!(big["sessions"].as_array().unwrap().len(), 3);
    get(&s, "/api/sessions/deleted?limit=lots", &a.who)
        .await
        .refused(400);
    assert_eq!(
        trash(&s, &b.who, "").await["sessions"],
        json!([]),
        "B's trash is B's"
    );

    // restored: back in both lists
    let r = post(
        &s,
        &format!("/api/sessions/{c1}/restore"),
        &a.who,
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(listed(&s, &a.who).await.contains(c1));
    assert!(v1_listed(&s, &a.who).await.contains(c1));
    let row = get(&s, &format!("/api/sessions/{c1}"), &a.who).await;
    assert_eq!(row.status, 200, "{row:?}");
    assert_eq!(row.json()["session"]["deletedAt"], Value::Null);
    assert!(!ids(&trash(&s, &a.who, "").await["sessions"]).contains(c1));

    // a batch with another user's id changes nothing
    let r = bulk(&s, &a.who, "delete", json!([c4, theirs])).await;
    r.refused(403);
    assert!(listed(&s, &a.who).await.contains(c4), "A's own stays");
    assert!(listed(&s, &b.who).await.contains(&theirs), "B's stays");
    let r = bulk(&s, &a.who, "delete", json!([c4, c1])).await;
    did(&r, 2);
    assert!(!listed(&s, &a.who).await.contains(c4));
    let r = bulk(&s, &a.who, "restore", json!([c4, c1])).await;
    did(&r, 2);
    assert!(listed(&s, &a.who).await.contains(c4));

    // for good: only from the trash
    let r = bulk(&s, &a.who, "delete-permanent", json!([c4, c2])).await;
    r.refused(409);
    assert!(
        listed(&s, &a.who).await.contains(c4),
        "not in the trash: kept"
    );
    assert!(
        ids(&trash(&s, &a.who, "").await["sessions"]).contains(c2),
        "kept"
    );
    let r = bulk(&s, &a.who, "delete-permanent", json!([c2, c3])).await;
    did(&r, 2);
    for c in [c2, c3] {
        post(&s, &format!("/api/sessions/{c}/restore"), &a.who, json!({}))
            .await
            .refused(404);
        get(&s, &format!("/api/sessions/{c}"), &a.who)
            .await
            .refused(404);
    }
    assert_eq!(trash(&s, &a.who, "").await["sessions"], json!([]));
    let mut left = listed(&s, &a.who).await;
    left.sort();
    let mut want = vec![c1.clone(), c4.clone()];
    want.sort();
    assert_eq!(left, want);
}

#[tokio::test]
async fn the_trash_total_counts_every_deleted_session() {
    let (s, a, _b) = two_users().await;
    for n in 1..=3 {
        let id = id_of(&code_session(&s, &a.who, &format!("t{n}")).await);
        assert_eq!(
            delete(&s, &format!("/api/sessions/{id}"), &a.who)
                .await
                .status,
            200
        );
    }
    let page = trash(&s, &a.who, "?limit=2").await;
    assert_eq!(page["total"], json!(3), "{page}");
}

#[tokio::test]
async fn messages_are_kept_in_order_with_their_type() {
    let (s, a, b) = two_users().await;
    let id = id_of(&code_session(&s, &a.who, "talk").await);
    let path = format!("/api/sessions/{id}/messages");
    let sent = [
        ("user", "Please fix the login"),
        ("assistant", "Looking at it"),
        ("system", "Repository cloned"),
        ("error", "The tests failed"),
    ];
    for (kind, content) in sent {
        let r = post(&s, &path, &a.who, json!({"type": kind, "content": content})).await;
        assert_eq!(r.status, 201, "{r:?}");
        let v = r.json();
        assert_eq!(v["success"], json!(true), "{v}");
        assert_eq!(
            (v["data"]["type"].clone(), v["data"]["content"].clone()),
            (json!(kind), json!(content))
        );
        assert_eq!(v["data"]["chatSessionId"], json!(id), "{v}");
        // a clock tick between them: the order asked here is not that of one millisecond
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let r = get(&s, &path, &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    let got: Vec<(String, String)> = v["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap_or_default().to_owned(),
                m["content"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = sent
        .iter()
        .map(|(k, c)| (k.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want, "{v}");
    assert_eq!(v["data"]["total"], json!(4), "{v}");

    let e = post(&s, &path, &a.who, json!({"type": "tool", "content": "x"}))
        .await
        .refused(400);
    assert!(e.contains("type"), "{e}");
    post(&s, &path, &a.who, json!({"type": "user"}))
        .await
        .refused(400);
    // another user's session is not found either way
    get(&s, &path, &b.who).await.refused(404);
    post(
        &s,
        &path,
        &b.who,
        json!({"type": "user", "content": "B was here"}),
    )
    .await
    .refused(404);
    let after = get(&s, &path, &a.who).await;
    assert_eq!(after.json()["data"]["total"], json!(4));
    assert!(!after.text.contains("B was here"));
}

/// Posts alternating user, system, assistant and error messages as fast as they are answered.
async fn quick_messages(s: &TestServer, who: &As, id: &str, n: usize) -> Vec<Value> {
    let path = format!("/api/sessions/{id}/messages");
    let kinds = ["user", "system", "assistant", "error"];
    for i in 0..n {
        let r = post(
            s,
            &path,
            who,
            json!({"type": kinds[i % 4], "content": format!("m{i}")}),
        )
        .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    get(s, &path, who).await.json()["data"]["messages"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_note_and_a_turn_of_one_millisecond_keep_their_order() {
    let (s, a, _b) = two_users().await;
    let id = id_of(&code_session(&s, &a.who, "tie").await);
    let path = format!("/api/sessions/{id}/messages");
    for (kind, content) in [("system", "first"), ("user", "second")] {
        let r = post(&s, &path, &a.who, json!({"type": kind, "content": content})).await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    // what a fast client gets when both land in one millisecond
    s.sql(&format!(
        "UPDATE messages SET created_at = '2030-01-01T00:00:00.000Z' WHERE session_id = '{id}';
         UPDATE events SET created_at = '2030-01-01T00:00:00.000Z' WHERE session_id = '{id}';"
    ));
    let v = get(&s, &path, &a.who).await.json();
    let got: Vec<&str> = v["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(got, ["first", "second"], "{v}");
}

#[tokio::test]
async fn every_message_has_its_own_id() {
    let (s, a, _b) = two_users().await;
    let id = id_of(&code_session(&s, &a.who, "ids").await);
    let got = quick_messages(&s, &a.who, &id, 8).await;
    let mut seen: Vec<i64> = got.iter().filter_map(|m| m["id"].as_i64()).collect();
    assert_eq!(seen.len(), 8);
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 8, "{got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_runs_one_follow_up_at_a_time_on_the_runs_branch() {
    let (s, a, b) = two_users().await;
    let (sid, remote, branch) = first_run(&s, &a.who).await;
    let send_path = format!("/api/sessions/{sid}/send");
    post(&s, &send_path, &a.who, json!({})).await.refused(400);

    script_follow_up(&s);
    let r = post(&s, &send_path, &a.who, json!({"content": "more"})).await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"success": true})),
        "{r:?}"
    );
    assert_eq!(status(&s, &a.who, &sid).await, "running");
    // while it runs: a second follow-up is refused, another user's is not found
    post(&s, &send_path, &a.who, json!({"content": "even more"}))
        .await
        .refused(409);
    let path = get(&s, &format!("/api/sessions/{sid}"), &a.who)
        .await
        .json()["session"]["sessionPath"]
        .as_str()
        .unwrap()
        .to_owned();
    for key in [sid.as_str(), path.as_str()] {
        let p = format!("/api/sessions/{key}/send");
        post(&s, &p, &b.who, json!({"content": "B's turn"}))
            .await
            .refused(404);
    }
    wait_status(&s, &a.who, &sid, "completed").await;
    assert_eq!(
        git(&remote, &["log", "--format=%s", "-2", &branch])
            .lines()
            .collect::<Vec<_>>(),
        ["Add light theme", "Add dark mode stylesheet"],
        "the follow-up committed on the first run's branch"
    );
    let ev = get(&s, &format!("/api/sessions/{sid}/events"), &a.who)
        .await
        .json();
    let previews: Vec<&Value> = ev["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["eventData"])
        .filter(|e| e["type"] == json!("input_preview"))
        .collect();
    assert_eq!(previews.len(), 2, "one run each: {ev}");
    assert_eq!(previews[1]["source"], json!("user"));
    assert!(previews[1]["message"].as_str().unwrap().contains("more"));
    assert!(
        !s.fake
            .message_requests()
            .iter()
            .any(|r| r.last_user_text().contains("B's turn")),
        "nothing ran for B"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_stream_follows_a_sent_follow_up_to_its_end() {
    let (s, a, _b) = two_users().await;
    let (sid, _remote, branch) = first_run(&s, &a.who).await;
    script_follow_up(&s);
    let r = post(
        &s,
        &format!("/api/sessions/{sid}/send"),
        &a.who,
        json!({"content": "more"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let stream = followed(&s, &a.who, &sid).await;
    let fr = sse_frames(&stream.seen);
    let at = fr
        .iter()
        .rposition(|f| f.2["type"] == json!("input_preview"))
        .unwrap();
    let follow_up = &fr[at..];
    assert!(
        follow_up[0].2["message"].as_str().unwrap().contains("more"),
        "{:?}",
        follow_up[0]
    );
    let done = follow_up
        .iter()
        .find(|f| f.2["type"] == json!("completed") && f.1.is_some())
        .unwrap_or_else(|| panic!("the follow-up's completed: {}", stream.seen));
    assert_eq!(done.2["branch"], json!(branch), "the same branch");
    assert!(
        follow_up
            .iter()
            .any(|f| f.1.is_some() && f.2.get("_replayed").is_none()),
        "the follow-up arrived live: {}",
        stream.seen
    );
    let end = fr.last().unwrap();
    assert_eq!(end.0.as_deref(), Some("completed"), "{}", stream.seen);
    assert_eq!(end.2["status"], json!("completed"), "{}", stream.seen);
}

/// `GET /api/sessions/{sid}/events/stream` by `who`, read to its end.
async fn followed(s: &TestServer, who: &As, sid: &str) -> Sse {
    let mut stream = Sse::open(s, &format!("/api/sessions/{sid}/events/stream"), who).await;
    stream.read_to_end().await;
    stream
}

/// Starts a slow first run by `who` and leaves its own stream once the session is named: the
/// session id.
async fn run_followed_elsewhere(s: &TestServer, who: &As, remote: &std::path::Path) -> String {
    crate::webedt::script(s, true);
    let mut own = Sse::of(execute(s, who, remote).await);
    own.until("the run's session", |f| f.2["websiteSessionId"].is_string())
        .await
        .2["websiteSessionId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streams_completed_frame_says_how_the_run_ended() {
    let (s, a, _b) = two_users().await;
    let remote = bare_remote(s.dir.path());
    for n in 0..5 {
        let sid = run_followed_elsewhere(&s, &a.who, &remote).await;
        let stream = followed(&s, &a.who, &sid).await;
        let end = sse_frames(&stream.seen).pop().unwrap();
        assert_eq!(end.0.as_deref(), Some("completed"), "{}", stream.seen);
        assert_eq!(
            end.2["status"],
            json!("completed"),
            "run {n}: {}",
            stream.seen
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_right_after_the_streams_completed_is_accepted() {
    let (s, a, _b) = two_users().await;
    let remote = bare_remote(s.dir.path());
    for n in 0..3 {
        let sid = run_followed_elsewhere(&s, &a.who, &remote).await;
        let stream = followed(&s, &a.who, &sid).await;
        assert!(stream.seen.contains("event: completed"), "{}", stream.seen);
        let r = post(
            &s,
            &format!("/api/sessions/{sid}/send"),
            &a.who,
            json!({"content": "next"}),
        )
        .await;
        assert_eq!(r.status, 200, "run {n}, a send on the stream's end: {r:?}");
        wait_status(&s, &a.who, &sid, "completed").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_list_shows_ones_own_sessions_changing() {
    let (s, a, b) = two_users().await;
    let mut mine = Sse::open(&s, "/api/sessions/updates", &a.who).await;
    let hello = mine
        .until("connected", |f| f.0.as_deref() == Some("connected"))
        .await
        .2;
    assert!(
        hello["subscriberId"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{hello}"
    );
    assert_eq!(hello["userId"], json!(a.id), "{hello}");
    assert!(hello["timestamp"].is_string(), "{hello}");
    let mut bs = Sse::open(&s, "/api/sessions/updates", &b.who).await;
    let hello = bs
        .until("connected", |f| f.0.as_deref() == Some("connected"))
        .await
        .2;
    assert_eq!(hello["userId"], json!(b.id), "{hello}");
    // the list's first look is its baseline: what changes after it is news
    tokio::time::sleep(Duration::from_millis(300)).await;

    let code = id_of(&code_session(&s, &a.who, "live").await);
    let created = mine.session_event("created", &code).await;
    assert_eq!(created["type"], json!("created"), "{created}");
    assert_eq!(
        created["session"]["sessionPath"],
        json!("acme__web__live"),
        "{created}"
    );
    assert!(created["timestamp"].is_string(), "{created}");

    let r = patch(
        &s,
        &format!("/api/sessions/{code}"),
        &a.who,
        json!({"userRequest": "Renamed live"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let updated = mine.session_event("updated", &code).await;
    assert_eq!(updated["session"]["userRequest"], json!("Renamed live"));

    // B's session is B's news only
    let bs_code = id_of(&code_session(&s, &b.who, "b-live").await);
    bs.session_event("created", &bs_code).await;

    // a run: made, then its status changes
    let remote = bare_remote(s.dir.path());
    crate::webedt::script(&s, true);
    let run = tokio::spawn(execute(&s, &a.who, &remote).await.text());
    let run_id = mine
        .until("a run's session", |f| {
            f.0.as_deref() == Some("created") && f.2["session"]["id"] != json!(code)
        })
        .await
        .2["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    mine.session_event("status_changed", &run_id).await;
    let body = run.await.unwrap().unwrap();
    assert!(body.contains(&run_id), "{body}");

    let r = delete(&s, &format!("/api/sessions/{code}"), &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    let gone = mine.session_event("deleted", &code).await;
    assert_eq!(gone["type"], json!("deleted"), "{gone}");

    mine.read_for(Duration::from_secs(2)).await;
    bs.read_for(Duration::from_millis(500)).await;
    assert!(
        !mine.seen.contains(&bs_code),
        "A saw B's session: {}",
        mine.seen
    );
    for id in [&code, &run_id] {
        assert!(
            !bs.seen.contains(id.as_str()),
            "B saw A's {id}: {}",
            bs.seen
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_ids_are_not_found_on_every_new_route() {
    let (s, a, b) = two_users().await;
    let live = id_of(&code_session(&s, &a.who, "keep").await);
    let binned = id_of(&code_session(&s, &a.who, "binned").await);
    let r = post(
        &s,
        &format!("/api/sessions/{live}/messages"),
        &a.who,
        json!({"type": "user", "content": "A's words"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        delete(&s, &format!("/api/sessions/{binned}"), &a.who)
            .await
            .status,
        200
    );
    let own = post(
        &s,
        &format!("/api/sessions/{live}/unlock"),
        &a.who,
        json!({}),
    )
    .await;
    assert_eq!(
        (own.status, own.json()["success"].clone()),
        (200, json!(true)),
        "{own:?}"
    );
    let row_before = get(&s, &format!("/api/sessions/{live}"), &a.who)
        .await
        .json();
    let upstream = s.fake.message_requests().len();

    let bw = &b.who;
    for id in [live.as_str(), binned.as_str(), "acme__web__keep"] {
        let p = |tail: &str| format!("/api/sessions/{id}{tail}");
        let tries = [
            patch(&s, &p(""), bw, json!({"userRequest": "B's title"})).await,
            delete(&s, &p(""), bw).await,
            post(&s, &p("/restore"), bw, json!({})).await,
            get(&s, &p("/messages"), bw).await,
            post(
                &s,
                &p("/messages"),
                bw,
                json!({"type": "user", "content": "B's words"}),
            )
            .await,
            post(&s, &p("/unlock"), bw, json!({})).await,
            post(&s, &p("/send"), bw, json!({"content": "B's run"})).await,
        ];
        for r in tries {
            assert_eq!(r.status, 404, "B on {id}: {r:?}");
            assert_eq!(r.json()["success"], json!(false), "{r:?}");
            assert!(!r.text.contains("A's words"), "{r:?}");
        }
    }
    for (op, ids) in [
        ("delete", json!([live])),
        ("restore", json!([binned])),
        ("delete-permanent", json!([binned])),
        ("delete-permanent", json!([live, binned])),
    ] {
        bulk(&s, bw, op, ids).await.refused(403);
    }
    assert_eq!(trash(&s, bw, "").await["sessions"], json!([]));
    assert_eq!(listed(&s, bw).await, Vec::<String>::new());

    // A's rows as they were
    let row = get(&s, &format!("/api/sessions/{live}"), &a.who)
        .await
        .json();
    assert_eq!(row, row_before);
    assert_eq!(listed(&s, &a.who).await, std::slice::from_ref(&live));
    assert_eq!(
        ids(&trash(&s, &a.who, "").await["sessions"]),
        std::slice::from_ref(&binned)
    );
    let said = get(&s, &format!("/api/sessions/{live}/messages"), &a.who).await;
    assert_eq!(said.json()["data"]["total"], json!(1), "{said:?}");
    assert_eq!(
        s.fake.message_requests().len(),
        upstream,
        "nothing ran for B"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_batch_stops_no_run() {
    let (s, a, b) = two_users().await;
    let remote = bare_remote(s.dir.path());
    crate::webedt::script(&s, true);
    let mut run = Sse::of(execute(&s, &a.who, &remote).await);
    let sid = run
        .until("the run's session", |f| f.2["websiteSessionId"].is_string())
        .await
        .2["websiteSessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let own = id_of(&code_session(&s, &b.who, "b").await);
    let r = bulk(&s, &b.who, "delete", json!([own, sid])).await;
    r.refused(403);
    run.read_to_end().await;
    let end = sse_frames(&run.seen).pop().unwrap();
    assert_eq!(
        end.0.as_deref(),
        Some("completed"),
        "A's run went on: {}",
        run.seen
    );
    wait_status(&s, &a.who, &sid, "completed").await;
}

#[tokio::test]
async fn health_answers_both_clients() {
    let s = TestServer::start().await;
    let (code, v) = s.get("/health").await;
    assert_eq!(code, 200);
    assert_eq!(v["ok"], json!(true), "{v}");
    assert_eq!(v["status"], json!("healthy"), "{v}");
    assert_eq!(v["version"], json!(env!("CARGO_PKG_VERSION")), "{v}");
    assert_eq!(v["success"], json!(true), "{v}");
    assert_eq!(v["data"]["status"], json!("ok"), "{v}");
    assert_eq!(v["data"]["service"], json!("clauded"), "{v}");
    assert!(v["data"]["build"].is_object(), "{v}");
    assert!(
        v["data"]["build"]
            .as_object()
            .unwrap()
            .contains_key("commitSha"),
        "{v}"
    );
    assert!(v["data"]["timestamp"].is_string(), "{v}");
}

#[tokio::test]
async fn health_says_when_it_was_built() {
    let s = TestServer::start().await;
    let (_, v) = s.get("/health").await;
    assert!(v["data"]["build"]["timestamp"].is_string(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_on_a_code_session_that_never_ran_is_refused_or_runs_in_a_clone() {
    // a `serve` process in a checkout of its own: whatever the run does, the server's own
    // directory is never its workspace
    let h = if pg::engine_is_postgres() {
        Home::on_postgres().expect("CLAUDED_TEST_PG_URL names a server")
    } else {
        Home::new()
    };
    let remote = bare_remote(h.path());
    let cwd = h.path().join("cwd");
    git(
        h.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            cwd.to_str().unwrap(),
        ],
    );
    let mut c = h.cmd(&["serve", "--port", "0", "--allow-local-repos"]);
    c.current_dir(&cwd);
    let server = serve(c);
    h.fake.push(Reply::Events(tool_use_events(&[
        (
            "w1",
            "filesystem__write_file",
            json!({"path": "stray.txt", "content": "written by a run\n"}),
        ),
        (
            "b1",
            "bash__bash",
            json!({"command": "echo run > stray-bash.txt"}),
        ),
    ])));
    h.fake.push(Reply::text("Wrote stray.txt."));
    h.fake.push(Reply::text("Add stray.txt"));
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let call = |m: Method, path: String, body: Option<Value>| {
        let mut r = http.request(m, format!("{}{path}", server.url));
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let mut body = code_body("local", "origin", "feature");
    body["repositoryUrl"] = json!(remote.to_str().unwrap());
    let (_, made) = call(
        Method::POST,
        "/api/sessions/create-code-session".into(),
        Some(body),
    )
    .await;
    let id = id_of(&serde_json::from_str::<Value>(&made).unwrap()["session"]);
    let (code, _) = call(
        Method::POST,
        format!("/api/sessions/{id}/send"),
        Some(json!({"content": "write stray.txt"})),
    )
    .await;
    let mut text = String::new();
    let mut status = Value::Null;
    if code == 200 {
        // its stream ends with the run, the row says how it went
        text = call(
            Method::GET,
            format!("/api/sessions/{id}/events/stream"),
            None,
        )
        .await
        .1;
        for _ in 0..100 {
            let row = call(Method::GET, format!("/api/sessions/{id}"), None)
                .await
                .1;
            status = serde_json::from_str::<Value>(&row).unwrap()["session"]["status"].clone();
            if status != json!("running") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for f in ["stray.txt", "stray-bash.txt"] {
        assert!(
            !cwd.join(f).exists(),
            "{f} in the server's directory: {text}"
        );
    }
    assert_eq!(git(&cwd, &["status", "--porcelain"]), "");
    assert_eq!(git(&cwd, &["log", "--format=%s"]).trim(), "Initial commit");
    assert!(code == 200 || code == 400, "{code}");
    if code == 200 {
        assert_eq!(status, json!("completed"), "the run worked: {text}");
    }
}

/// What WebEDT's chat page does with a session from its "new session" dialog: `GET
/// /api/execute-remote?websiteSessionId=…` naming the repository as
/// `https://github.com/OWNER/NAME` whatever GitHub the server is on. The run clones the
/// session's own repository; a different repository is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frontends_execute_of_a_code_session_runs_on_the_sessions_repository() {
    let (s, a, _b) = two_users().await;
    let remote = bare_remote(&s.dir.path().join("acme"));
    let mut body = code_body("acme", "origin", "claude/session-1");
    body["repositoryUrl"] = json!(remote.to_str().unwrap());
    let r = post(&s, "/api/sessions/create-code-session", &a.who, body).await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = id_of(&r.json()["session"]);
    let execute = |repo: &str| {
        let github = json!({"repoUrl": format!("https://github.com/{repo}")}).to_string();
        let mut u = reqwest::Url::parse(&s.url("/api/execute-remote")).unwrap();
        u.query_pairs_mut()
            .append_pair("websiteSessionId", &id)
            .append_pair("userRequest", "Add dark mode")
            .append_pair("github", &github);
        send(request_with(&s.http, Method::GET, u.as_str(), &a.who))
    };
    // another repository for this session: refused before anything runs
    let r = execute("acme/other").await;
    let error = r.refused(400);
    assert!(error.contains("works on"), "{error}");

    crate::webedt::script(&s, false);
    let r = execute("acme/origin").await;
    assert_eq!(r.status, 200, "{r:?}");
    let frames = sse_frames(&r.text);
    let cloning = frames
        .iter()
        .find(|f| f.2["stage"] == json!("cloning"))
        .expect("a cloning step");
    assert!(
        cloning.2["message"]
            .as_str()
            .unwrap()
            .contains(remote.to_str().unwrap()),
        "{cloning:?}"
    );
    let end = &frames.last().unwrap();
    assert_eq!(end.0.as_deref(), Some("completed"), "{frames:?}");
    let row = get(&s, &format!("/api/sessions/{id}"), &a.who).await.json();
    assert_eq!(row["session"]["status"], json!("completed"), "{row}");
}

/// WebEDT's chat box: a follow-up sent the moment the run's stream said `completed` (the
/// page closes it then) is taken, and the page's `events/stream`, opened after `/send`
/// answered, shows the follow-up as live events (named, not replayed) even when the run
/// stored them all before the stream began; what came before is replay, and the next stream
/// replays it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_from_the_chat_box_streams_as_news_however_fast_it_ran() {
    let (s, a, _b) = two_users().await;
    let remote = bare_remote(&s.dir.path().join("acme"));
    let mut body = code_body("acme", "origin", "claude/session-2");
    body["repositoryUrl"] = json!(remote.to_str().unwrap());
    let r = post(&s, "/api/sessions/create-code-session", &a.who, body).await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = id_of(&r.json()["session"]);
    crate::webedt::script(&s, false);
    let github = json!({"repoUrl": "https://github.com/acme/origin"}).to_string();
    let mut u = reqwest::Url::parse("http://x/api/execute-remote").unwrap();
    u.query_pairs_mut()
        .append_pair("websiteSessionId", &id)
        .append_pair("userRequest", "Add dark mode")
        .append_pair("github", &github);
    let path = format!("{}?{}", u.path(), u.query().unwrap());
    let mut run = Sse::open(&s, &path, &a.who).await;
    run.until("completed", |f| f.0.as_deref() == Some("completed"))
        .await;
    let before = last_id(&s, &a.who, &id).await;
    script_follow_up(&s);
    let r = post(
        &s,
        &format!("/api/sessions/{id}/send"),
        &a.who,
        json!({"content": "Also a light theme"}),
    )
    .await;
    assert_eq!(r.status, 200, "a send at the stream's completed: {r:?}");
    drop(run);
    // the follow-up has run and stored everything before the page's stream opens
    wait_status(&s, &a.who, &id, "completed").await;
    let mut page = Sse::open(&s, &format!("/api/sessions/{id}/events/stream"), &a.who).await;
    page.read_to_end().await;
    let frames = sse_frames(&page.seen);
    let (old, news): (Vec<_>, Vec<_>) = frames
        .iter()
        .filter(|f| f.1.is_some())
        .partition(|f| f.1.unwrap() <= before);
    assert!(!old.is_empty() && !news.is_empty(), "{frames:?}");
    assert!(
        old.iter()
            .all(|f| f.0.is_none() && f.2["_replayed"] == json!(true)),
        "the first run is replay: {old:?}"
    );
    assert!(
        news.iter()
            .all(|f| f.0.as_deref() == f.2["type"].as_str() && f.2["_replayed"].is_null()),
        "the follow-up is news: {news:?}"
    );
    assert!(
        news.iter()
            .any(|f| f.2.to_string().contains("Added the light theme too")),
        "{news:?}"
    );
    // once: a reload replays the follow-up like the rest
    let mut again = Sse::open(&s, &format!("/api/sessions/{id}/events/stream"), &a.who).await;
    again.read_to_end().await;
    assert!(
        sse_frames(&again.seen)
            .iter()
            .filter(|f| f.1.is_some())
            .all(|f| f.2["_replayed"] == json!(true)),
        "{}",
        again.seen
    );
}

/// The id of the session's last stored event.
async fn last_id(s: &TestServer, who: &As, id: &str) -> i64 {
    let r = get(s, &format!("/api/sessions/{id}/events"), who).await;
    r.json()["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .max()
        .unwrap()
}

/// A session made with no task has a made-up title, which WebEDT's chat page executes at once
/// as if it were the request: nothing runs (Claude is not asked to do "acme/origin on …"), the
/// stream says the session is ready, and the first message sent is its first request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_made_without_a_task_waits_for_its_first_request() {
    let (s, a, _b) = two_users().await;
    let remote = bare_remote(&s.dir.path().join("acme"));
    let mut body = code_body("acme", "origin", "claude/session-3");
    body.as_object_mut().unwrap().remove("title");
    body["repositoryUrl"] = json!(remote.to_str().unwrap());
    let r = post(&s, "/api/sessions/create-code-session", &a.who, body).await;
    assert_eq!(r.status, 201, "{r:?}");
    let row = r.json()["session"].clone();
    let id = id_of(&row);
    let title = row["userRequest"].as_str().unwrap().to_owned();
    assert_eq!(title, "acme/origin on claude/session-3");
    let github = json!({"repoUrl": "https://github.com/acme/origin"}).to_string();
    let mut u = reqwest::Url::parse(&s.url("/api/execute-remote")).unwrap();
    u.query_pairs_mut()
        .append_pair("websiteSessionId", &id)
        .append_pair("userRequest", &title)
        .append_pair("github", &github);
    let r = send(request_with(&s.http, Method::GET, u.as_str(), &a.who)).await;
    assert_eq!(r.status, 200, "{r:?}");
    let frames = sse_frames(&r.text);
    let names: Vec<_> = frames
        .iter()
        .map(|f| f.0.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["message", "completed"], "{frames:?}");
    assert!(frames[0].2["message"].as_str().unwrap().contains("ready"));
    assert!(
        s.fake.message_requests().is_empty(),
        "Claude was not asked anything"
    );
    assert_eq!(status(&s, &a.who, &id).await, "pending");

    // the first message is the first request: the run clones and does it
    crate::webedt::script(&s, false);
    let r = post(
        &s,
        &format!("/api/sessions/{id}/send"),
        &a.who,
        json!({"content": "Add dark mode"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    wait_status(&s, &a.who, &id, "completed").await;
    let asked = s.fake.message_requests();
    assert!(
        asked.iter().any(|q| q.raw.contains("Add dark mode")),
        "the message went to Claude"
    );
    assert!(
        asked
            .iter()
            .all(|q| !q.raw.contains("acme/origin on claude/session-3")),
        "the made-up title never did"
    );
}
