//! The PostgreSQL engine against a real server: `CLAUDED_TEST_PG_URL` names one (a user who
//! may create databases); each test makes a database of its own. Unset, they skip.

use super::*;
use crate::anthropic::ToolResultContent;
use crate::store::{Acquired, Lease, LeaseOwner, NewApproval, NewMcpServer, SearchResults};
use serde_json::json;
use std::time::Duration;

/// How long a notice may take to arrive.
const NOTICE_WAIT: Duration = Duration::from_secs(10);

fn admin() -> Option<String> {
    match std::env::var("CLAUDED_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            eprintln!("skipped: CLAUDED_TEST_PG_URL not set");
            None
        }
    }
}

/// A fresh database's URL, or None (skip) without a server.
async fn fresh() -> Option<String> {
    let admin = admin()?;
    Some(testing::fresh_database(&admin).await.unwrap())
}

async fn open(url: &str) -> Db {
    Db::connect(url, true, broadcast::channel(1024).0)
        .await
        .unwrap()
}

/// A migrated database of the test's own, or return (skipped).
macro_rules! db {
    () => {
        match fresh().await {
            Some(url) => open(&url).await,
            None => return,
        }
    };
}

/// The same, with its URL.
macro_rules! db_url {
    () => {
        match fresh().await {
            Some(url) => (open(&url).await, url),
            None => return,
        }
    };
}

/// A raw connection, to look at or break things behind the engine's back.
async fn raw(url: &str) -> tokio_postgres::Client {
    let s = config::parse(url).unwrap();
    let (c, conn) = s.pg.connect(s.tls.clone()).await.unwrap();
    tokio::spawn(conn);
    c
}

async fn session(s: &Db, title: &str) -> Session {
    s.create_session(&NewSession {
        title: title.into(),
        model: "m".into(),
        source: "cli".into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn next_notice(rx: &mut broadcast::Receiver<Notice>) -> Notice {
    tokio::time::timeout(NOTICE_WAIT, rx.recv())
        .await
        .expect("a notice in time")
        .expect("the channel open")
}

fn owner(id: &str) -> LeaseOwner {
    LeaseOwner {
        id: id.into(),
        pid: 4242,
        host: "h".into(),
    }
}

#[test]
fn migrations_have_sqlites_names() {
    assert_eq!(migrate::names(), crate::store::sqlite::migrate::names());
    assert_eq!(migrate::known(), migrate::names().len() as i64);
}

#[tokio::test]
async fn sessions_default_to_the_default_project() {
    let s = db!();
    let a = session(&s, "a").await;
    assert_eq!(a.project_id, DEFAULT_PROJECT_ID);
    assert_eq!(
        s.project(DEFAULT_PROJECT_ID).await.unwrap().session_count,
        1
    );
    assert_eq!(s.default_project().await.unwrap().name, "Default");
    assert_eq!(
        s.schema_version().await.unwrap(),
        SchemaVersion { found: 6, known: 6 }
    );
}

#[tokio::test]
async fn messages_keep_order_usage_and_totals() {
    let s = db!();
    let a = session(&s, "a").await;
    let first = s
        .add_message(&a.id, &NewMessage::user(vec![ContentBlock::text("hi")]))
        .await
        .unwrap();
    s.add_message(
        &a.id,
        &NewMessage {
            role: Role::Assistant,
            content: vec![ContentBlock::text("hello")],
            model: Some("m".into()),
            stop_reason: Some("end_turn".into()),
            usage: Usage {
                input_tokens: 10,
                output_tokens: 5,
                cache_read_input_tokens: 2,
                cache_creation_input_tokens: 0,
            },
            cost_usd: 0.25,
        },
    )
    .await
    .unwrap();
    let msgs = s.messages(&a.id).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0], first);
    assert_eq!(msgs[1].text(), "hello");
    assert_eq!(msgs[1].role, Role::Assistant);
    assert_eq!(msgs[1].usage.cache_read_input_tokens, 2);
    assert!(msgs[0].id < msgs[1].id);
    let a = s.session(&a.id).await.unwrap();
    assert_eq!(
        (a.message_count, a.total_tokens, a.total_cost),
        (2, 17, 0.25)
    );
    let st = s.session_stats().await.unwrap();
    assert_eq!(
        (
            st.total_sessions,
            st.running_sessions,
            st.total_messages,
            st.total_tokens
        ),
        (1, 0, 2, 17)
    );
    assert_eq!(st.total_cost, 0.25);
    s.mark_unanswered(first.id).await.unwrap();
    // only a user message is ever marked
    s.mark_unanswered(msgs[1].id).await.unwrap();
    let msgs = s.messages(&a.id).await.unwrap();
    assert!(msgs[0].unanswered && !msgs[1].unanswered);
    s.set_session_status(&a.id, "running").await.unwrap();
    assert_eq!(s.session_stats().await.unwrap().running_sessions, 1);
}

#[tokio::test]
async fn a_logged_message_carries_its_event_and_update() {
    let s = db!();
    let a = session(&s, "a").await;
    let m = s
        .add_message_logged(
            &a.id,
            &NewMessage::user(vec![ContentBlock::text("hi")]),
            Some(&NewEvent::new(
                "user_message",
                json!({"message_id": 0, "n": 1}),
            )),
            Some(&SessionUpdate {
                title: Some("titled".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let ev = s.events(&a.id, None).await.unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].data, json!({"message_id": m.id, "n": 1}));
    assert_eq!(s.session(&a.id).await.unwrap().title, "titled");
    // a message for no session fails as a store failure, as SQLite's foreign key does
    let e = s
        .add_message("nope", &NewMessage::user(vec![]))
        .await
        .unwrap_err();
    assert!(e.is_failure(), "{e}");
}

#[tokio::test]
async fn resolve_by_prefix_and_ambiguity() {
    let s = db!();
    for id in ["abc-1", "abd-2"] {
        s.create_session(&NewSession {
            id: Some(id.into()),
            model: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    assert_eq!(s.resolve_session("abc").await.unwrap().id, "abc-1");
    // SQLite's LIKE folds ASCII case
    assert_eq!(s.resolve_session("ABC").await.unwrap().id, "abc-1");
    assert!(matches!(
        s.resolve_session("ab").await,
        Err(Error::Ambiguous { count: 2, .. })
    ));
    assert!(matches!(
        s.resolve_session("zz").await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.resolve_session("").await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        matches!(s.resolve_session("%").await, Err(Error::NotFound { .. })),
        "LIKE wildcards are literal"
    );
    assert!(matches!(
        s.resolve_session("ab_").await,
        Err(Error::NotFound { .. })
    ));
    for (id, name) in [("p-1", "same"), ("p-2", "same"), ("q-1", "solo")] {
        s.create_project(&NewProject {
            id: Some(id.into()),
            name: name.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    assert_eq!(s.resolve_project("solo").await.unwrap().id, "q-1");
    assert_eq!(s.resolve_project("q").await.unwrap().id, "q-1");
    assert_eq!(s.resolve_project("p-2").await.unwrap().id, "p-2");
    assert!(matches!(
        s.resolve_project("same").await,
        Err(Error::Ambiguous { count: 2, .. })
    ));
}

#[tokio::test]
async fn events_are_append_only_and_replay_after_an_id() {
    let s = db!();
    let a = session(&s, "a").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            s.append_event(&a.id, "text", &json!({"n": i}))
                .await
                .unwrap(),
        );
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let after = s.events(&a.id, Some(ids[0])).await.unwrap();
    assert_eq!(
        after
            .iter()
            .map(|e| e.data["n"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(after[0].kind, "text");
    assert_eq!(s.events(&a.id, None).await.unwrap().len(), 3);
}

#[tokio::test]
async fn deleting_a_project_removes_its_sessions() {
    let s = db!();
    let p = s
        .create_project(&NewProject {
            name: "P".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let a = s
        .create_session(&NewSession {
            project_id: Some(p.id.clone()),
            model: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    s.append_event(&a.id, "x", &json!({})).await.unwrap();
    assert!(s.delete_project(&p.id).await.unwrap());
    assert!(matches!(
        s.session(&a.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(s.events(&a.id, None).await.unwrap().is_empty());
    assert!(!s.delete_project(&p.id).await.unwrap());
    assert!(matches!(
        s.create_session(&NewSession {
            project_id: Some(p.id.clone()),
            model: "m".into(),
            ..Default::default()
        })
        .await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn deleting_a_session_removes_its_rows() {
    let s = db!();
    let a = session(&s, "a").await;
    s.add_message(&a.id, &NewMessage::user(vec![ContentBlock::text("hi")]))
        .await
        .unwrap();
    s.append_event(&a.id, "x", &json!({})).await.unwrap();
    s.acquire_lease(&a.id, &owner("o"), 60_000, |_| false)
        .await
        .unwrap();
    assert!(s.delete_session(&a.id).await.unwrap());
    assert!(!s.delete_session(&a.id).await.unwrap());
    assert!(s.messages(&a.id).await.unwrap().is_empty());
    assert!(s.events(&a.id, None).await.unwrap().is_empty());
    assert_eq!(s.lease(&a.id).await.unwrap(), None);
    assert!(matches!(
        s.update_session(&a.id, &SessionUpdate::default()).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn update_session_sets_and_clears_the_system_prompt() {
    let s = db!();
    let a = session(&s, "a").await;
    let up = |sp| SessionUpdate {
        system_prompt: Some(sp),
        ..Default::default()
    };
    assert_eq!(
        s.update_session(&a.id, &up(Some("be brief".into())))
            .await
            .unwrap()
            .system_prompt
            .as_deref(),
        Some("be brief")
    );
    assert_eq!(
        s.update_session(&a.id, &SessionUpdate::default())
            .await
            .unwrap()
            .system_prompt
            .as_deref(),
        Some("be brief")
    );
    assert_eq!(
        s.update_session(&a.id, &up(None))
            .await
            .unwrap()
            .system_prompt,
        None
    );
    let b = s
        .update_session(
            &a.id,
            &SessionUpdate {
                title: Some("t".into()),
                model: Some("m2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((b.title.as_str(), b.model.as_str()), ("t", "m2"));
    assert!(b.updated_at >= a.updated_at);
}

#[tokio::test]
async fn listings_are_ordered_as_sqlite_orders_them() {
    let s = db!();
    let lite = crate::store::sqlite::Db::open_in_memory().unwrap();
    // byte order, not the server's locale: upper case before lower, '_' between
    for name in ["b", "B", "_x", "a-b", "Z1", "ab", "é"] {
        let new = NewMcpServer {
            name: name.into(),
            transport: "stdio".into(),
            command: Some("x".into()),
            ..Default::default()
        };
        s.add_mcp_server(&new).await.unwrap();
        lite.add_mcp_server(&new).unwrap();
    }
    let names = |rows: Vec<crate::store::McpServerRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(
        names(s.mcp_servers().await.unwrap()),
        names(lite.mcp_servers().unwrap())
    );
    // sessions: most recently active first, the later one first on a tie
    let a = session(&s, "a").await;
    let b = session(&s, "b").await;
    let c = session(&s, "c").await;
    s.add_message(&a.id, &NewMessage::user(vec![ContentBlock::text("x")]))
        .await
        .unwrap();
    let order: Vec<String> = s
        .sessions(&SessionFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.title)
        .collect();
    assert_eq!(order, ["a", "c", "b"]);
    assert_eq!(s.latest_session().await.unwrap().unwrap().id, a.id);
    let two = s
        .sessions(&SessionFilter {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(two.len(), 2);
    let p = s
        .create_project(&NewProject {
            name: "P".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let in_p = s
        .create_session(&NewSession {
            project_id: Some(p.id.clone()),
            model: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let only: Vec<String> = s
        .sessions(&SessionFilter {
            project_id: Some(p.id.clone()),
            limit: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(only, std::slice::from_ref(&in_p.id));
    let mut ids = s.session_ids().await.unwrap();
    ids.sort();
    let mut want = vec![a.id, b.id, c.id, in_p.id];
    want.sort();
    assert_eq!(ids, want);
    let projects: Vec<String> = s
        .projects()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(projects, ["P", "Default"]);
}

#[tokio::test]
async fn project_for_dir_picks_the_deepest() {
    let s = db!();
    for (n, p) in [("outer", "/w"), ("inner", "/w/app")] {
        s.create_project(&NewProject {
            name: n.into(),
            path: Some(p.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let found = s
        .project_for_dir(Path::new("/w/app/src"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.name, "inner");
    assert!(
        s.project_for_dir(Path::new("/elsewhere"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_handles_write_one_log_concurrently_in_id_order() {
    let (a, url) = db_url!();
    let sess = session(&a, "shared").await;
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let (url, id) = (url.clone(), sess.id.clone());
            tokio::spawn(async move {
                let b = open(&url).await;
                for i in 0..25 {
                    b.append_event(&id, "x", &json!({"t": t, "i": i}))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let ev = a.events(&sess.id, None).await.unwrap();
    assert_eq!(ev.len(), 100);
    assert!(ev.windows(2).all(|w| w[0].id < w[1].id));
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_an_older_one_not_migrated_on_request() {
    let Some(url) = fresh().await else { return };
    let e = Db::connect(&url, false, broadcast::channel(1).0)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unmigrated { found: 0, known: 6 }), "{e}");
    drop(open(&url).await);
    assert!(
        Db::connect(&url, false, broadcast::channel(1).0)
            .await
            .is_ok()
    );
    raw(&url)
        .await
        .batch_execute("INSERT INTO schema_migrations VALUES (99, '0099_future', 'x')")
        .await
        .unwrap();
    for migrate in [true, false] {
        let e = Db::connect(&url, migrate, broadcast::channel(1).0)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::TooNew { found: 99, .. }), "{e}");
    }
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let Some(url) = fresh().await else { return };
    let a = open(&url).await;
    let b = open(&url).await;
    assert_eq!(
        b.schema_version().await.unwrap(),
        SchemaVersion { found: 6, known: 6 }
    );
    let c = raw(&url).await;
    let applied: Vec<(i32, String)> = c
        .query(
            "SELECT version, name FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let want: Vec<(i32, String)> = migrate::names()
        .iter()
        .enumerate()
        .map(|(i, n)| (i as i32 + 1, n.to_string()))
        .collect();
    assert_eq!(applied, want);
    // the seed ran once
    assert_eq!(a.mcp_servers().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_booting_together_migrate_once() {
    let Some(url) = fresh().await else { return };
    let boots: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Db::connect(&url, true, broadcast::channel(1).0).await })
        })
        .collect();
    for b in boots {
        b.await.unwrap().unwrap();
    }
    let n: i64 = raw(&url)
        .await
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 6);
}

#[tokio::test]
async fn cache_respects_age() {
    let s = db!();
    assert_eq!(
        s.cache_get("k", Duration::from_secs(60)).await.unwrap(),
        None
    );
    s.cache_put("k", "v").await.unwrap();
    assert_eq!(
        s.cache_get("k", Duration::from_secs(60))
            .await
            .unwrap()
            .as_deref(),
        Some("v")
    );
    s.cache_put("k", "w").await.unwrap();
    assert_eq!(
        s.cache_get("k", Duration::from_secs(60))
            .await
            .unwrap()
            .as_deref(),
        Some("w")
    );
    raw_age(&s, "k").await;
    assert_eq!(
        s.cache_get("k", Duration::from_secs(60)).await.unwrap(),
        None
    );
}

/// Makes a cached value an hour old.
async fn raw_age(s: &Db, key: &str) {
    let c = s.client().await.unwrap();
    c.execute(
        "UPDATE cache SET stored_at = stored_at - 3600 WHERE key = $1",
        &[&key],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn request_log_newest_first() {
    let s = db!();
    for i in 0..3 {
        s.log_request(&RequestLogEntry {
            source: "cli".into(),
            endpoint: "/v1/messages".into(),
            session_id: Some("s".into()),
            model: Some(format!("m{i}")),
            status: Some(200),
            latency_ms: 12,
            input_tokens: 3,
            output_tokens: 4,
            cost_usd: 0.5,
            upstream_request_id: None,
            error: (i == 2).then(|| "boom".into()),
        })
        .await
        .unwrap();
    }
    let r = s.recent_requests(2).await.unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].model.as_deref(), Some("m2"));
    assert_eq!(r[0].error.as_deref(), Some("boom"));
    assert_eq!(r[1].model.as_deref(), Some("m1"));
    assert_eq!(
        (r[1].status, r[1].latency_ms, r[1].cost_usd),
        (Some(200), 12, 0.5)
    );
}

#[tokio::test]
async fn two_creators_of_one_id_get_a_conflict_not_a_database_error() {
    let s = db!();
    let new = NewSession {
        id: Some("same-id".into()),
        model: "m".into(),
        source: "api".into(),
        ..Default::default()
    };
    s.create_session(&new).await.unwrap();
    assert!(matches!(
        s.create_session(&new).await,
        Err(Error::Conflict(_))
    ));
    let p = NewProject {
        id: Some("proj-x".into()),
        name: "x".into(),
        ..Default::default()
    };
    s.create_project(&p).await.unwrap();
    assert!(matches!(
        s.create_project(&p).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        s.create_session(&NewSession {
            id: Some("../x".into()),
            model: "m".into(),
            ..Default::default()
        })
        .await,
        Err(Error::InvalidId { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creators_of_one_id_one_wins() {
    let s = db!();
    let tries: Vec<_> = (0..6)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                s.create_session(&NewSession {
                    id: Some("raced".into()),
                    model: "m".into(),
                    ..Default::default()
                })
                .await
            })
        })
        .collect();
    let mut won = 0;
    for t in tries {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_metadata_merges_keep_every_key() {
    let s = db!();
    let id = session(&s, "a").await.id;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (s, id) = (s.clone(), id.clone());
            tokio::spawn(async move {
                for i in 0..25 {
                    s.merge_session_metadata(&id, &json!({format!("k{w}_{i}"): i}))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let meta = s.session_metadata(&id).await.unwrap();
    assert_eq!(meta.as_object().unwrap().len(), 100, "{meta}");
    assert!(matches!(
        s.merge_session_metadata("nope", &json!({})).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.session_metadata("nope").await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn every_instance_hears_events_approvals_and_signals() {
    let (a, url) = db_url!();
    let (tx, mut rx) = broadcast::channel(64);
    let b = Db::connect(&url, true, tx).await.unwrap();
    let sess = session(&a, "s").await;
    let id = a.append_event(&sess.id, "x", &json!({})).await.unwrap();
    assert_eq!(
        next_notice(&mut rx).await,
        Notice::Event {
            session_id: sess.id.clone(),
            id
        }
    );
    a.add_message_logged(
        &sess.id,
        &NewMessage::user(vec![ContentBlock::text("hi")]),
        Some(&NewEvent::new("user_message", json!({}))),
        None,
    )
    .await
    .unwrap();
    let logged = a.events(&sess.id, Some(id)).await.unwrap();
    assert_eq!(
        next_notice(&mut rx).await,
        Notice::Event {
            session_id: sess.id.clone(),
            id: logged[0].id
        }
    );
    // a message without an event tells nobody
    a.add_message(&sess.id, &NewMessage::user(vec![]))
        .await
        .unwrap();
    let apr = a
        .create_approval(&NewApproval {
            source: "clauded".into(),
            tool: "bash".into(),
            input: json!({}),
            ttl_ms: 60_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let asked = a.approval_events(0).await.unwrap();
    assert_eq!(
        next_notice(&mut rx).await,
        Notice::Approval { id: asked[0].id }
    );
    a.decide_approval(&apr.id, "allow", None).await.unwrap();
    let answered = a.approval_events(asked[0].id).await.unwrap();
    assert_eq!(
        next_notice(&mut rx).await,
        Notice::Approval { id: answered[0].id }
    );
    let signal = Notice::Signal {
        kind: "stop".into(),
        session_id: sess.id.clone(),
        detail: "chatcmpl-1".into(),
    };
    a.notify(&signal).await.unwrap();
    assert_eq!(next_notice(&mut rx).await, signal);
    a.notify(&Notice::Resync).await.unwrap();
    drop(b);
}

#[tokio::test]
async fn a_failed_write_tells_nobody() {
    let (a, url) = db_url!();
    let (tx, mut rx) = broadcast::channel(64);
    let _b = Db::connect(&url, true, tx).await.unwrap();
    let sess = session(&a, "s").await;
    // the update names no session: the message and its event roll back
    assert!(
        a.add_message_logged(
            "missing",
            &NewMessage::user(vec![]),
            Some(&NewEvent::new("x", json!({}))),
            None,
        )
        .await
        .is_err()
    );
    let id = a.append_event(&sess.id, "y", &json!({})).await.unwrap();
    assert_eq!(
        next_notice(&mut rx).await,
        Notice::Event {
            session_id: sess.id.clone(),
            id
        }
    );
}

/// The listener connections on the test's database.
async fn listeners(admin: &tokio_postgres::Client, url: &str) -> i64 {
    let db = config::parse(url)
        .unwrap()
        .pg
        .get_dbname()
        .unwrap()
        .to_owned();
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'",
            &[&db],
        )
        .await
        .unwrap()
        .get(0)
}

async fn eventually(mut f: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..100 {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_lost_listener_listens_again_and_says_resync() {
    let Some(url) = fresh().await else { return };
    let a = open(&url).await;
    let (tx, mut rx) = broadcast::channel(64);
    let b = Db::connect(&url, true, tx).await.unwrap();
    let sess = session(&a, "s").await;
    let admin = raw(&url).await;
    let db = config::parse(&url)
        .unwrap()
        .pg
        .get_dbname()
        .unwrap()
        .to_owned();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
            &[&db],
        )
        .await
        .unwrap();
    assert_eq!(next_notice(&mut rx).await, Notice::Resync);
    let id = a.append_event(&sess.id, "x", &json!({})).await.unwrap();
    loop {
        match next_notice(&mut rx).await {
            Notice::Event { id: got, .. } if got == id => break,
            Notice::Resync => continue,
            other => panic!("{other:?}"),
        }
    }
    drop(b);
}

#[tokio::test]
async fn the_listener_stops_with_the_last_handle() {
    let Some(url) = fresh().await else { return };
    let a = open(&url).await;
    let b = a.clone();
    let admin = raw(&url).await;
    assert_eq!(listeners(&admin, &url).await, 1);
    drop(a);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listeners(&admin, &url).await, 1, "a clone keeps it");
    drop(b);
    assert!(eventually(async || listeners(&admin, &url).await == 0).await);
}

#[tokio::test]
async fn leases_are_held_renewed_released_and_taken_over() {
    let s = db!();
    let sess = session(&s, "a").await;
    let (me, other) = (owner("me"), owner("other"));
    assert_eq!(
        s.acquire_lease(&sess.id, &me, 60_000, |_| false)
            .await
            .unwrap(),
        Acquired::Yes
    );
    let held = s.lease(&sess.id).await.unwrap().unwrap();
    assert_eq!(held.owner, me);
    assert!(held.expires_ms - held.heartbeat_ms == 60_000);
    // a live holder keeps it, even against itself
    assert_eq!(
        s.acquire_lease(&sess.id, &me, 60_000, |_| false)
            .await
            .unwrap(),
        Acquired::Held(held.clone())
    );
    assert!(matches!(
        s.acquire_lease(&sess.id, &other, 60_000, |_| false).await.unwrap(),
        Acquired::Held(l) if l.owner == me
    ));
    // one whose process is gone is taken at once
    assert_eq!(
        s.acquire_lease(&sess.id, &other, 60_000, |l| l.owner.id == "me")
            .await
            .unwrap(),
        Acquired::Yes
    );
    assert!(!s.renew_lease(&sess.id, "me", 60_000).await.unwrap());
    assert!(s.renew_lease(&sess.id, "other", 60_000).await.unwrap());
    s.release_lease(&sess.id, "me").await.unwrap();
    assert!(
        s.lease(&sess.id).await.unwrap().is_some(),
        "not mine to give"
    );
    s.release_lease(&sess.id, "other").await.unwrap();
    assert_eq!(s.lease(&sess.id).await.unwrap(), None);
    // a lapsed lease is free
    s.acquire_lease(&sess.id, &me, -1, |_| false).await.unwrap();
    assert_eq!(
        s.acquire_lease(&sess.id, &other, 60_000, |_| false)
            .await
            .unwrap(),
        Acquired::Yes
    );
    // no lease makes a session
    assert!(s.acquire_lease("nope", &me, 1000, |_| false).await.is_err());
}

#[tokio::test]
async fn lapsed_leases_are_listed_and_taken_over_once() {
    let s = db!();
    let a = session(&s, "a").await;
    let b = session(&s, "b").await;
    s.acquire_lease(&a.id, &owner("dead"), -10, |_| false)
        .await
        .unwrap();
    s.acquire_lease(&b.id, &owner("alive"), 60_000, |_| false)
        .await
        .unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    let lapsed: Vec<Lease> = s.expired_leases(now).await.unwrap();
    assert_eq!(lapsed.len(), 1);
    assert_eq!(lapsed[0].session_id, a.id);
    assert_eq!(s.expired_leases(now + 120_000).await.unwrap().len(), 2);
    let me = owner("sweeper");
    assert!(
        !s.take_over_lease(&b.id, "alive", &me, 60_000)
            .await
            .unwrap()
    );
    assert!(
        !s.take_over_lease(&a.id, "someone", &me, 60_000)
            .await
            .unwrap()
    );
    assert!(s.take_over_lease(&a.id, "dead", &me, 60_000).await.unwrap());
    assert!(
        !s.take_over_lease(&a.id, "dead", &owner("late"), 60_000)
            .await
            .unwrap()
    );
    assert_eq!(s.lease(&a.id).await.unwrap().unwrap().owner, me);
    assert!(s.expired_leases(now).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_racing_acquirers_one_wins() {
    let (first, url) = db_url!();
    let sess = session(&first, "raced").await;
    // every racer a separate instance, and a lapsed lease to race over as well
    for round in 0..2 {
        if round == 1 {
            first
                .acquire_lease(&sess.id, &owner("old"), -1, |_| true)
                .await
                .unwrap();
        }
        let mut handles = Vec::new();
        for _ in 0..8 {
            handles.push(open(&url).await);
        }
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let racers: Vec<_> = handles
            .into_iter()
            .enumerate()
            .map(|(i, db)| {
                let (gate, id) = (gate.clone(), sess.id.clone());
                tokio::spawn(async move {
                    let me = owner(&format!("racer-{round}-{i}"));
                    gate.wait().await;
                    (
                        me.clone(),
                        db.acquire_lease(&id, &me, 60_000, |_| false).await,
                    )
                })
            })
            .collect();
        let mut winners = Vec::new();
        for r in racers {
            let (me, got) = r.await.unwrap();
            match got.unwrap() {
                Acquired::Yes => winners.push(me),
                Acquired::Held(l) => assert!(l.owner.id.starts_with(&format!("racer-{round}-"))),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        assert_eq!(
            first.lease(&sess.id).await.unwrap().unwrap().owner,
            winners[0]
        );
        first.release_lease(&sess.id, &winners[0].id).await.unwrap();
    }
}

#[tokio::test]
async fn approvals_are_answered_once() {
    let s = db!();
    let new = NewApproval {
        session_id: Some("s".into()),
        tool_use_id: Some("t1".into()),
        source: "claude-code".into(),
        tool: "Bash".into(),
        input: json!({"command": "ls"}),
        cwd: Some("/w".into()),
        ttl_ms: 60_000,
        ..Default::default()
    };
    let a = s.create_approval(&new).await.unwrap();
    assert!(a.id.starts_with("apr_"));
    assert_eq!(a.input, json!({"command": "ls"}));
    assert_eq!(a.decision, None);
    assert_eq!(s.approval(&a.id).await.unwrap(), a);
    assert_eq!(
        s.pending_approvals().await.unwrap(),
        std::slice::from_ref(&a)
    );
    assert_eq!(
        s.approval_for_tool_use("s", "t1").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(s.approval_for_tool_use("s", "t2").await.unwrap(), None);
    let d = s.decide_approval(&a.id, "deny", Some("no")).await.unwrap();
    assert_eq!(
        (d.decision.as_deref(), d.message.as_deref()),
        (Some("deny"), Some("no"))
    );
    assert!(d.decided_at.is_some());
    assert!(s.pending_approvals().await.unwrap().is_empty());
    assert!(matches!(
        s.decide_approval(&a.id, "allow", None).await,
        Err(Error::Conflict(m)) if m.contains("already answered (deny)")
    ));
    assert!(matches!(
        s.decide_approval("apr_nope", "allow", None).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.approval("apr_nope").await,
        Err(Error::NotFound { .. })
    ));
    let late = s
        .create_approval(&NewApproval {
            id: Some("mine".into()),
            ttl_ms: -1,
            ..new.clone()
        })
        .await
        .unwrap();
    assert_eq!(late.id, "mine");
    assert!(matches!(
        s.decide_approval("mine", "allow", None).await,
        Err(Error::Conflict(m)) if m.contains("expired")
    ));
    let log = s.approval_events(0).await.unwrap();
    let kinds: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.kind.as_str(), e.approval.id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("approval_request", a.id.as_str()),
            ("approval_resolved", a.id.as_str()),
            ("approval_request", "mine"),
        ]
    );
    // each entry shows the approval as it is now
    assert_eq!(log[0].approval.decision.as_deref(), Some("deny"));
    assert_eq!(s.approval_events(log[1].id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn builtins_are_registered_and_cannot_be_removed() {
    let s = db!();
    let names: Vec<String> = s
        .mcp_servers()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["bash", "filesystem"]);
    assert!(!s.delete_mcp_server("builtin-bash").await.unwrap());
    let bash = s.mcp_server("bash").await.unwrap();
    assert!(bash.is_builtin() && bash.enabled);
    assert_eq!(s.mcp_server("builtin-bash").await.unwrap(), bash);
    assert!(bash.created_at.ends_with('Z') && bash.created_at.len() == 24);
}

#[tokio::test]
async fn register_enable_per_session_and_remove() {
    let s = db!();
    let new = NewMcpServer {
        name: "time".into(),
        transport: "stdio".into(),
        command: Some("mcp-server-time".into()),
        args: vec!["--local-timezone".into(), "UTC".into()],
        env: [("TZ".to_string(), "UTC".to_string())].into(),
        ..Default::default()
    };
    let row = s.add_mcp_server(&new).await.unwrap();
    assert_eq!(row.args, ["--local-timezone", "UTC"]);
    assert_eq!(row.env["TZ"], "UTC");
    assert_eq!(row.scope, "global");
    assert!(matches!(
        s.add_mcp_server(&new).await,
        Err(Error::Conflict(_))
    ));
    let sess = session(&s, "a").await;
    s.set_session_server(&sess.id, &row.id, true).await.unwrap();
    s.set_session_server(&sess.id, &row.id, true).await.unwrap();
    s.set_session_server(&sess.id, "builtin-bash", true)
        .await
        .unwrap();
    let on = |s: Vec<crate::store::McpServerRow>| -> Vec<String> {
        s.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(
        on(s.session_servers(&sess.id).await.unwrap()),
        ["bash", "time"]
    );
    s.set_mcp_enabled("builtin-bash", false).await.unwrap();
    assert_eq!(on(s.session_servers(&sess.id).await.unwrap()), ["time"]);
    s.set_mcp_enabled("builtin-bash", true).await.unwrap();
    assert!(matches!(
        s.set_mcp_enabled("nope", true).await,
        Err(Error::NotFound { .. })
    ));
    s.set_session_server(&sess.id, "builtin-bash", false)
        .await
        .unwrap();
    assert!(s.delete_mcp_server(&row.id).await.unwrap());
    assert!(s.session_servers(&sess.id).await.unwrap().is_empty());
    assert!(matches!(
        s.mcp_server("time").await,
        Err(Error::NotFound { .. })
    ));
    // a session that is not there: the foreign key says no, as in SQLite
    assert!(
        s.set_session_server("nope", "builtin-bash", true)
            .await
            .is_err()
    );
    assert_eq!(s.tool_permission("bash__bash").await.unwrap(), None);
    s.set_tool_permission("bash__bash", "allow").await.unwrap();
    s.set_tool_permission("bash__bash", "deny").await.unwrap();
    assert_eq!(
        s.tool_permission("bash__bash").await.unwrap().as_deref(),
        Some("deny")
    );
    let p = s
        .create_project(&NewProject {
            name: "P".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let scoped = s
        .add_mcp_server(&NewMcpServer {
            name: "web".into(),
            transport: "http".into(),
            url: Some("http://127.0.0.1:1/mcp".into()),
            headers: [("Authorization".to_string(), "Bearer x".to_string())].into(),
            project_id: Some(p.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (scoped.scope.as_str(), scoped.project_id.as_deref()),
        ("project", Some(p.id.as_str()))
    );
    assert!(s.delete_project(&p.id).await.unwrap());
    assert!(s.mcp_server("web").await.is_err());
}

async fn store_with(texts: &[(&str, &str)]) -> Option<Db> {
    let url = fresh().await?;
    let s = open(&url).await;
    for (title, text) in texts {
        let sess = session(&s, title).await;
        s.add_message(&sess.id, &NewMessage::user(vec![ContentBlock::text(*text)]))
            .await
            .unwrap();
    }
    Some(s)
}

async fn total(s: &Db, q: &str) -> i64 {
    s.search_messages(q, 10).await.unwrap().total
}

#[tokio::test]
async fn search_newest_first_with_a_marked_snippet_and_the_total() {
    let Some(s) = store_with(&[
        ("first", "SQLite uses a write-ahead log in WAL mode"),
        ("second", "nothing to see"),
        ("third", "Tests: turning on WAL makes readers stop blocking"),
    ])
    .await
    else {
        return;
    };
    let r = s.search_messages("wal", 10).await.unwrap();
    assert_eq!(r.total, 2);
    let titles: Vec<&str> = r.hits.iter().map(|h| h.session_title.as_str()).collect();
    assert_eq!(titles, ["third", "first"]);
    let h = &r.hits[0];
    assert_eq!(h.role, "user");
    let (a, b) = h.highlights[0];
    let word: String = h.snippet.chars().skip(a).take(b - a).collect();
    assert_eq!(word, "WAL");
    // stems and case: "test" finds "Tests", "blocks" finds "blocking"
    assert_eq!(total(&s, "test BLOCKS").await, 1);
    // punctuation is no syntax: a word of punctuation only matches anything, and an
    // unclosed quote or operator is just text
    assert_eq!(total(&s, "wal --").await, 2);
    assert_eq!(total(&s, "wal \"NEAR( AND").await, 0);
    assert_eq!(total(&s, "wal & | ! <-> :* 'x").await, 0);
    assert_eq!(total(&s, "wri*").await, 1);
    assert_eq!(total(&s, "\"write-ahead log\"").await, 1);
    assert_eq!(total(&s, "\"log write-ahead\"").await, 0);
    // a prefix inside the quotes: the phrase's last word; after them, a term of its own
    assert_eq!(total(&s, "\"WAL mo*\"").await, 1);
    assert_eq!(total(&s, "\"WAL mo\"*").await, 0);
    // no stop words, as SQLite's index has none
    assert_eq!(total(&s, "the").await, 0);
    assert_eq!(total(&s, "to see").await, 1);
    assert_eq!(s.search_messages("wal", 1).await.unwrap().hits.len(), 1);
    assert_eq!(
        s.search_messages("  ", 10).await.unwrap(),
        SearchResults {
            hits: vec![],
            total: 0
        }
    );
}

#[tokio::test]
async fn tool_calls_and_results_are_found_and_deleted_rows_are_gone() {
    let Some(s) = store_with(&[("t", "hello")]).await else {
        return;
    };
    let sess = s.latest_session().await.unwrap().unwrap();
    s.add_message(
        &sess.id,
        &NewMessage {
            role: Role::Assistant,
            content: vec![ContentBlock::ToolUse {
                id: "t1".into(),
                name: "bash__run".into(),
                input: json!({"command": "cargo clippy"}),
            }],
            ..NewMessage::user(vec![])
        },
    )
    .await
    .unwrap();
    s.add_message(
        &sess.id,
        &NewMessage::user(vec![ContentBlock::ToolResult {
            tool_use_id: "t1".into(),
            content: Some(ToolResultContent::Blocks(vec![ContentBlock::text(
                "warning: unused variable",
            )])),
            is_error: None,
        }]),
    )
    .await
    .unwrap();
    s.add_message(
        &sess.id,
        &NewMessage::user(vec![ContentBlock::ToolResult {
            tool_use_id: "t2".into(),
            content: Some(ToolResultContent::Text("binary\u{0}output here".into())),
            is_error: Some(true),
        }]),
    )
    .await
    .unwrap();
    assert_eq!(total(&s, "clippy").await, 1);
    assert_eq!(total(&s, "bash__run").await, 1);
    assert_eq!(total(&s, "unused variable").await, 1);
    // a NUL in a tool's output is stored as it came and does not stop the search
    assert_eq!(total(&s, "output").await, 1);
    let msgs = s.messages(&sess.id).await.unwrap();
    assert_eq!(
        msgs[3].content,
        vec![ContentBlock::ToolResult {
            tool_use_id: "t2".into(),
            content: Some(ToolResultContent::Text("binary\u{0}output here".into())),
            is_error: Some(true),
        }]
    );
    assert!(s.delete_session(&sess.id).await.unwrap());
    assert_eq!(total(&s, "hello").await, 0);
    assert_eq!(total(&s, "clippy").await, 0);
}

#[tokio::test]
async fn messages_stored_before_the_index_are_found() {
    let Some(url) = fresh().await else { return };
    {
        // a database at version 3 with a message, as an older clauded left it
        let c = raw(&url).await;
        for sql in [
            include_str!("../migrations/postgres/0001_init.sql"),
            include_str!("../migrations/postgres/0002_mcp.sql"),
            include_str!("../migrations/postgres/0003_leases.sql"),
        ] {
            c.batch_execute(sql).await.unwrap();
        }
        c.batch_execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '0001_init', 'x'), (2, '0002_mcp', 'x'), (3, '0003_leases', 'x');
             INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p', 'P', 'x', 'x');
             INSERT INTO sessions (id, project_id, model, created_at, updated_at) VALUES ('s', 'p', 'm', 'x', 'x');
             INSERT INTO messages (session_id, role, content, created_at)
                 VALUES ('s', 'user', '[{\"type\":\"text\",\"text\":\"an old question about vacuum\"}]', 'x');",
        )
        .await
        .unwrap();
    }
    let s = open(&url).await;
    let r = s.search_messages("vacuum", 10).await.unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].session_id, "s");
    assert_eq!(r.hits[0].snippet, "an old question about vacuum");
}

#[tokio::test]
async fn sslmode_require_needs_a_server_with_tls_and_disable_never_asks() {
    let Some(url) = fresh().await else { return };
    let with = |mode: &str| {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}sslmode={mode}")
    };
    let plain = Db::connect(&with("disable"), true, broadcast::channel(1).0)
        .await
        .unwrap();
    let ssl: String = plain
        .client()
        .await
        .unwrap()
        .query_one("SHOW ssl", &[])
        .await
        .unwrap()
        .get(0);
    let required = Db::connect(&with("require"), true, broadcast::channel(1).0).await;
    if ssl == "on" {
        required.unwrap();
        eprintln!("the server offers TLS: require connected");
    } else {
        let e = required.unwrap_err().to_string();
        assert!(e.contains("server does not support TLS"), "{e}");
        assert!(e.contains("sslmode=require"), "{e}");
    }
    // prefer falls back to plain
    Db::connect(&with("prefer"), true, broadcast::channel(1).0)
        .await
        .unwrap();
}

#[tokio::test]
async fn no_error_shows_the_password() {
    let Some(admin) = admin() else { return };
    // a wrong password for a user that need not exist, and a port nobody listens on
    let given = config::parse(&admin).unwrap();
    let host = match given.pg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = given.pg.get_ports().first().copied().unwrap_or(5432);
    for url in [
        format!("postgres://nobody_here:s3cret-pw@{host}:{port}/postgres?sslmode=disable"),
        format!(
            "postgres://nobody_here:s3cret-pw@{host}:1/postgres?sslmode=disable&connect_timeout=2"
        ),
    ] {
        let e = Db::connect(&url, true, broadcast::channel(1).0)
            .await
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret-pw"), "{e}");
        assert!(e.contains("nobody_here:***@"), "{e}");
    }
}

/// With `CLAUDED_TEST_PG_SSLROOTCERT` naming the CA (PEM) that signed the server's
/// certificate, and that certificate naming `localhost` but not `127.0.0.1`: what each
/// `sslmode` checks. Skipped without both the variable and a server that offers TLS.
#[tokio::test]
async fn verified_tls_checks_the_chain_and_the_name() {
    let Some(url) = fresh().await else { return };
    let Ok(ca) = std::env::var("CLAUDED_TEST_PG_SSLROOTCERT") else {
        eprintln!("skipped: CLAUDED_TEST_PG_SSLROOTCERT not set");
        return;
    };
    let ssl: String = raw(&url)
        .await
        .query_one("SHOW ssl", &[])
        .await
        .unwrap()
        .get(0);
    if ssl != "on" {
        eprintln!("skipped: the server does not offer TLS");
        return;
    }
    let given = config::parse(&url).unwrap().pg;
    let user = given.get_user().unwrap_or("postgres");
    let password = given
        .get_password()
        .map(|p| {
            let p = String::from_utf8_lossy(p);
            format!(
                ":{}",
                percent_encoding::utf8_percent_encode(&p, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .unwrap_or_default();
    let port = given.get_ports().first().copied().unwrap_or(5432);
    let db = given.get_dbname().unwrap();
    let ca = percent_encoding::utf8_percent_encode(&ca, percent_encoding::NON_ALPHANUMERIC);
    let at =
        |host: &str, query: &str| format!("postgres://{user}{password}@{host}:{port}/{db}?{query}");
    let connect = async |u: String| Db::connect(&u, true, broadcast::channel(1).0).await;
    connect(at("127.0.0.1", "sslmode=require")).await.unwrap();
    connect(at(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    connect(at(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    let wrong_name = connect(at(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(wrong_name.contains("not valid for name"), "{wrong_name}");
    // the system's roots do not know the test CA
    let unknown = connect(at("localhost", "sslmode=verify-full"))
        .await
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("invalid peer certificate"), "{unknown}");
    eprintln!("{unknown}");
    // and a root file that is not there fails before any connection
    assert!(matches!(
        connect(at(
            "localhost",
            "sslmode=verify-ca&sslrootcert=/nonexistent.pem"
        ))
        .await,
        Err(Error::BadUrl(_))
    ));
}
