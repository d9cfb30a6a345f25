//! The store's behaviour, on every engine: SQLite always, PostgreSQL when
//! `CLAUDED_TEST_PG_URL` names a server (each test then gets its own fresh database).

use super::*;
use crate::anthropic::{ContentBlock, Role, ToolResultContent, Usage};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// An in-memory SQLite store, and a PostgreSQL one when a server is configured.
pub(super) async fn stores() -> Vec<Store> {
    let mut out = vec![Store::open_in_memory().unwrap()];
    match std::env::var("CLAUDED_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            let url = postgres::testing::fresh_database(&admin).await.unwrap();
            out.push(
                Store::connect(&Database::Postgres(url), true)
                    .await
                    .unwrap(),
            );
        }
        _ => {}
    }
    out
}

async fn session(s: &Store, title: &str) -> Session {
    s.create_session(&NewSession {
        title: title.into(),
        model: "m".into(),
        source: "cli".into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// A project named `name`, standing for `path` if given.
async fn project(s: &Store, name: &str, path: Option<&str>) -> Project {
    s.create_project(&NewProject {
        name: name.into(),
        path: path.map(Into::into),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// A session in project `project_id`.
async fn session_of(s: &Store, project_id: &str) -> Session {
    s.create_session(&NewSession {
        project_id: Some(project_id.into()),
        model: "m".into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Whether `r` failed for want of the row it named.
pub(super) fn missing<T>(r: Result<T>) -> bool {
    matches!(r, Err(Error::NotFound { .. }))
}

fn owner(id: &str) -> LeaseOwner {
    LeaseOwner {
        id: id.into(),
        pid: 4242,
        host: "h".into(),
    }
}

/// Long enough for the next timestamp (milliseconds) to differ from the last one.
async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

#[tokio::test]
async fn sessions_default_to_the_default_project() {
    for s in stores().await {
        let a = session(&s, "a").await;
        assert_eq!(a.project_id, DEFAULT_PROJECT_ID);
        assert_eq!(
            s.project(DEFAULT_PROJECT_ID).await.unwrap().session_count,
            1,
            "{}",
            s.engine_name()
        );
        assert_eq!(s.default_project().await.unwrap().name, "Default");
        assert_eq!(
            s.schema_version().await.unwrap(),
            SchemaVersion {
                found: migration_names().len() as i64,
                known: migration_names().len() as i64
            }
        );
    }
}

#[tokio::test]
async fn messages_keep_order_usage_and_totals() {
    for s in stores().await {
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
            (2, 17, 0.25),
            "{}",
            s.engine_name()
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
        assert!(missing(s.session_messages("nope").await));
    }
}

#[tokio::test]
async fn a_message_its_event_and_the_session_change_are_one_write() {
    for s in stores().await {
        let a = session(&s, "").await;
        let m = s
            .add_message_logged(
                &a.id,
                &NewMessage::user(vec![ContentBlock::text("hi")]),
                // the store's message_id wins over one in the data
                Some(&NewEvent::new(
                    "user_message",
                    json!({"message_id": 0, "text": "hi"}),
                )),
                Some(&SessionUpdate {
                    title: Some("hi".into()),
                    metadata: Some(json!({"k": 1})),
                    ..Default::default()
                }),
            )
            .await
            .unwrap();
        let ev = s.events(&a.id, None).await.unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].data, json!({"message_id": m.id, "text": "hi"}));
        assert_eq!(s.session(&a.id).await.unwrap().title, "hi");
        assert_eq!(s.session_metadata(&a.id).await.unwrap()["k"], 1);
        // a session that is gone takes nothing: no message, no event
        let gone = s
            .add_message_logged(
                "missing",
                &NewMessage::user(vec![ContentBlock::text("x")]),
                Some(&NewEvent::new("user_message", json!({}))),
                Some(&SessionUpdate::default()),
            )
            .await;
        assert!(gone.is_err(), "{}", s.engine_name());
        assert!(s.events("missing", None).await.unwrap().is_empty());
        // a message for no session is refused for want of it
        assert!(missing(
            s.add_message("nope", &NewMessage::user(vec![])).await
        ));
    }
}

#[tokio::test]
async fn a_turns_last_message_gives_its_lease_back_in_the_same_write() {
    for s in stores().await {
        let a = session(&s, "").await;
        s.acquire_lease(&a.id, &owner("me"), 60_000, |_| false)
            .await
            .unwrap();
        // a lease held by someone else is not given back by this holder's message
        s.add_last_message(
            &a.id,
            &NewMessage::user(vec![ContentBlock::text("hi")]),
            None,
            "other",
        )
        .await
        .unwrap();
        assert!(
            s.lease(&a.id).await.unwrap().is_some(),
            "{}",
            s.engine_name()
        );
        let answer = NewMessage {
            role: Role::Assistant,
            content: vec![ContentBlock::text("hello")],
            model: Some("m".into()),
            stop_reason: Some("end_turn".into()),
            usage: Usage::default(),
            cost_usd: 0.0,
        };
        let event = NewEvent::new("assistant_message", json!({}));
        let m = s
            .add_last_message(&a.id, &answer, Some(&event), "me")
            .await
            .unwrap();
        assert!(
            s.lease(&a.id).await.unwrap().is_none(),
            "{}",
            s.engine_name()
        );
        assert_eq!(s.messages(&a.id).await.unwrap().len(), 2);
        let ev = s.events(&a.id, None).await.unwrap();
        assert_eq!(ev[0].data, json!({"message_id": m.id}));
        // no session: nothing stored, and the lease of another session stays
        let b = session(&s, "").await;
        s.acquire_lease(&b.id, &owner("me"), 60_000, |_| false)
            .await
            .unwrap();
        assert!(missing(
            s.add_last_message("missing", &answer, Some(&event), "me")
                .await
        ));
        assert!(s.lease(&b.id).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn a_turn_starts_in_one_write_or_not_at_all() {
    for s in stores().await {
        let a = session(&s, "").await;
        let me = owner("me");
        let claim = LeaseClaim {
            owner: &me,
            ttl_ms: 60_000,
            is_gone: |_| false,
        };
        let user = |t: &str| NewMessage::user(vec![ContentBlock::text(t)]);
        let event = NewEvent::new("user_message", json!({}));
        let TurnStart::Began {
            history,
            user: first,
        } = s
            .start_turn(&a.id, &user("one"), Some(&event), None, Some(claim), true)
            .await
            .unwrap()
        else {
            panic!("a free session starts")
        };
        assert_eq!(history, Some(vec![]));
        assert_eq!(s.lease(&a.id).await.unwrap().unwrap().owner, me);
        // somebody else's turn is refused, and nothing of it is stored
        let other = owner("other");
        let theirs = LeaseClaim {
            owner: &other,
            ttl_ms: 60_000,
            is_gone: |_| false,
        };
        let refused = s
            .start_turn(&a.id, &user("two"), Some(&event), None, Some(theirs), true)
            .await
            .unwrap();
        assert!(
            matches!(&refused, TurnStart::Held(l) if l.owner == me),
            "{refused:?}"
        );
        assert_eq!(
            s.messages(&a.id).await.unwrap().len(),
            1,
            "{}",
            s.engine_name()
        );
        assert_eq!(s.events(&a.id, None).await.unwrap().len(), 1);
        // the holder goes on (no claim: it holds the lease), and sees what changed since
        s.mark_unanswered(first.id).await.unwrap();
        let TurnStart::Began {
            history,
            user: second,
        } = s
            .start_turn(&a.id, &user("three"), None, None, None, true)
            .await
            .unwrap()
        else {
            panic!("the holder goes on")
        };
        let history = history.unwrap();
        assert_eq!(history.len(), 1);
        assert!(history[0].unanswered, "the history is read as it is now");
        assert!(second.id > first.id);
        // without asking for it, no history is read
        let TurnStart::Began { history, .. } = s
            .start_turn(&a.id, &user("four"), None, None, None, false)
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(history, None);
        assert!(missing(
            s.start_turn("missing", &user("x"), None, None, None, true)
                .await
        ));
    }
}

#[tokio::test]
async fn resolve_by_prefix_and_ambiguity() {
    for s in stores().await {
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
        // LIKE folds ASCII case
        assert_eq!(s.resolve_session("ABC").await.unwrap().id, "abc-1");
        assert!(matches!(
            s.resolve_session("ab").await,
            Err(Error::Ambiguous { count: 2, .. })
        ));
        assert!(missing(s.resolve_session("zz").await));
        assert!(missing(s.resolve_session("").await));
        for wild in ["%", "_bc", "ab_"] {
            assert!(
                missing(s.resolve_session(wild).await),
                "LIKE wildcards are literal: {wild}"
            );
        }
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
}

#[tokio::test]
async fn events_are_append_only_and_replay_after_an_id() {
    for s in stores().await {
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
            vec![1, 2],
            "{}",
            s.engine_name()
        );
        assert_eq!(after[0].kind, "text");
        assert_eq!(s.events(&a.id, None).await.unwrap().len(), 3);
        // pages: keyset on the id, bounded above, the data as stored
        let page = s
            .events_page(&a.id, ids[0], Some(ids[1]), 10)
            .await
            .unwrap();
        assert_eq!(page.len(), 1, "{}", s.engine_name());
        assert_eq!((page[0].id, page[0].data.get()), (ids[1], r#"{"n":1}"#));
        let page = s.events_page(&a.id, 0, None, 2).await.unwrap();
        assert_eq!(page.iter().map(|e| e.id).collect::<Vec<_>>(), ids[..2]);
        assert_eq!(s.event_span(&a.id, ids[0]).await.unwrap(), (2, ids[2]));
        assert_eq!(s.event_span(&a.id, ids[2]).await.unwrap(), (0, ids[2]));
        assert_eq!(s.last_event_id(&a.id).await.unwrap(), ids[2]);
        let b = session(&s, "b").await;
        assert_eq!(s.last_event_id(&b.id).await.unwrap(), 0);
        // a session that is not there has no log to add to
        let e = s.append_event("no-such-session", "x", &json!({})).await;
        assert!(
            matches!(e, Err(Error::NotFound { .. })),
            "{}: {e:?}",
            s.engine_name()
        );
    }
}

#[test]
fn stored_event_text_is_one_line_of_json_whatever_was_stored() {
    let e = RawEvent::from_row(1, "x".into(), "{\"a\":\n 1}".into(), "t".into());
    assert_eq!(e.data.get(), r#"{"a":1}"#);
    let e = RawEvent::from_row(2, "x".into(), "not json\nat all".into(), "t".into());
    assert_eq!(e.data.get(), r#""not json\nat all""#);
    let e = RawEvent::from_row(3, "x".into(), "plain text".into(), "t".into());
    assert_eq!(e.value(), json!("plain text"));
    let e = RawEvent::from_row(4, "x".into(), r#"  {"b":[1,2]}  "#.into(), "t".into());
    assert_eq!(e.data.get(), r#"{"b":[1,2]}"#);
}

#[tokio::test]
async fn deleting_a_project_removes_its_sessions() {
    for s in stores().await {
        let p = project(&s, "P", None).await;
        let a = session_of(&s, &p.id).await;
        s.append_event(&a.id, "x", &json!({})).await.unwrap();
        assert!(s.delete_project(&p.id).await.unwrap());
        assert!(missing(s.session(&a.id).await));
        assert!(s.events(&a.id, None).await.unwrap().is_empty());
        assert!(!s.delete_project(&p.id).await.unwrap());
        assert!(missing(
            s.create_session(&NewSession {
                project_id: Some(p.id.clone()),
                model: "m".into(),
                ..Default::default()
            })
            .await
        ));
    }
}

#[tokio::test]
async fn deleting_a_session_removes_its_rows() {
    for s in stores().await {
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
        assert!(missing(
            s.update_session(&a.id, &SessionUpdate::default()).await
        ));
    }
}

#[tokio::test]
async fn update_session_sets_and_clears_the_system_prompt() {
    for s in stores().await {
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
        assert!(missing(s.update_session("nope", &up(None)).await));
    }
}

#[tokio::test]
async fn sessions_and_projects_are_listed_most_recent_first() {
    for s in stores().await {
        // sessions: most recently active first, the later one first on a tie
        let a = session(&s, "a").await;
        let b = session(&s, "b").await;
        let c = session(&s, "c").await;
        tick().await;
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
        assert_eq!(order, ["a", "c", "b"], "{}", s.engine_name());
        assert_eq!(s.latest_session().await.unwrap().unwrap().id, a.id);
        let two = s
            .sessions(&SessionFilter {
                limit: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(two.len(), 2);
        let p = project(&s, "P", None).await;
        let in_p = session_of(&s, &p.id).await;
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
}

#[tokio::test]
async fn project_for_dir_picks_the_deepest() {
    for s in stores().await {
        for (n, p) in [("outer", "/w"), ("inner", "/w/app")] {
            project(&s, n, Some(p)).await;
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
}

#[tokio::test]
async fn sqlite_file_is_private_and_two_handles_write_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/clauded.db");
    let a = Store::open(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let sess = session(&a, "shared").await;
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let p = path.clone();
            let id = sess.id.clone();
            tokio::spawn(async move {
                let b = Store::open(&p).unwrap();
                for i in 0..25 {
                    b.append_event(&id, "x", &json!({"t": t, "i": i}))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(a.events(&sess.id, None).await.unwrap().len(), 100);
}

#[tokio::test]
async fn a_quick_write_that_meets_another_writer_waits_and_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clauded.db");
    let s = Store::open(&path).unwrap();
    let sess = session(&s, "busy").await;
    // another process's writer holds the file's write lock for a while
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (held, release) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        release.recv().unwrap();
        other.execute_batch("COMMIT").unwrap();
    });
    let writing = {
        let (s, id) = (s.clone(), sess.id.clone());
        tokio::spawn(async move {
            s.add_message_logged(
                &id,
                &NewMessage::user(vec![ContentBlock::text("waits")]),
                Some(&NewEvent::new("user_message", json!({}))),
                None,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // the quick attempt gave up and its retry waits on the blocking pool
    assert!(!writing.is_finished());
    // reads go on meanwhile
    assert!(s.messages(&sess.id).await.unwrap().is_empty());
    held.send(()).unwrap();
    holder.join().unwrap();
    let m = writing.await.unwrap().unwrap();
    let msgs = s.messages(&sess.id).await.unwrap();
    assert_eq!(msgs.len(), 1, "stored once");
    assert_eq!(msgs[0].id, m.id);
    assert_eq!(s.events(&sess.id, None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn newer_sqlite_schema_is_refused_and_an_old_one_needs_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(Error::TooNew { found: 99, .. })
    ));
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);
    let db = Database::Sqlite(path.clone());
    assert!(matches!(
        Store::connect(&db, false).await,
        Err(Error::Unmigrated { found: 2, .. })
    ));
}

#[tokio::test]
async fn cache_respects_age() {
    let all = stores().await;
    for s in &all {
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
    }
    // ages are whole seconds: a second later the value is older than no age at all
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for s in &all {
        assert_eq!(
            s.cache_get("k", Duration::ZERO).await.unwrap(),
            None,
            "{}",
            s.engine_name()
        );
        assert!(
            s.cache_get("k", Duration::from_secs(60))
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn request_log_newest_first() {
    for s in stores().await {
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
}

fn exchange(model: &str, tokens: u64, error: Option<&str>) -> RequestLogEntry {
    RequestLogEntry {
        source: "openai".into(),
        endpoint: "/v1/messages".into(),
        session_id: None,
        model: Some(model.into()),
        status: Some(200),
        latency_ms: 1,
        input_tokens: tokens,
        output_tokens: 2 * tokens,
        cost_usd: tokens as f64 / 100.0,
        upstream_request_id: None,
        error: error.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_batched_request_log_keeps_every_row_and_its_usage_and_expires_old_rows() {
    for plain in stores().await {
        let s = plain.with_request_log(7);
        let (a, b) = (s.scoped("user-a"), s.scoped("user-b"));
        // many loggers at once, two owners: every row lands, each with its owner
        let mut tasks = Vec::new();
        for i in 0..(2 * crate::store::facade::BATCH as u64 + 10) {
            let who = if i % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let e = exchange("m", 1, (i % 10 == 0).then_some("boom"));
                who.log_request(&e).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        // a reader sees what was queued before it, without waiting for a timer
        let n = 2 * crate::store::facade::BATCH + 10;
        assert_eq!(s.unscoped().recent_requests(10_000).await.unwrap().len(), n);
        assert_eq!(a.recent_requests(10_000).await.unwrap().len(), n / 2);
        let today = &now()[..10];
        let usage = a.usage(today).await.unwrap();
        assert_eq!(usage.len(), 1, "{}", s.engine_name());
        let u = &usage[0];
        assert_eq!(
            (
                u.owner.as_str(),
                u.day.as_str(),
                u.model.as_str(),
                u.source.as_str()
            ),
            ("user-a", today, "m", "openai")
        );
        assert_eq!(
            (u.requests, u.input_tokens, u.output_tokens),
            (n as u64 / 2, n as u64 / 2, n as u64)
        );
        assert_eq!(
            u.errors,
            (0..n).filter(|i| i % 2 == 0 && i % 10 == 0).count() as u64
        );
        assert!((u.cost_usd - n as f64 / 200.0).abs() < 1e-9);
        assert_eq!(s.unscoped().usage(today).await.unwrap().len(), 2);
        assert!(a.usage("9999-01-01").await.unwrap().is_empty());

        // rows past the retention go, their usage stays
        let old = LoggedRequest {
            owner: "user-a".into(),
            at: "2020-01-02T03:04:05.000Z".into(),
            entry: exchange("old-model", 5, None),
        };
        s.write_requests(vec![old], None).await.unwrap();
        assert_eq!(a.recent_requests(10_000).await.unwrap().len(), n / 2 + 1);
        s.write_requests(Vec::new(), Some("2021-01-01T00:00:00.000Z".into()))
            .await
            .unwrap();
        let kept = a.recent_requests(10_000).await.unwrap();
        assert_eq!(kept.len(), n / 2);
        assert!(kept.iter().all(|e| e.model.as_deref() == Some("m")));
        let all = a.usage("2020-01-01").await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (
                all[1].day.as_str(),
                all[1].model.as_str(),
                all[1].input_tokens
            ),
            ("2020-01-02", "old-model", 5)
        );
        // the plain handle (the terminal's) writes at once, into the same log
        plain
            .scoped("user-b")
            .log_request(&exchange("m", 1, None))
            .await
            .unwrap();
        assert_eq!(b.recent_requests(10_000).await.unwrap().len(), n / 2 + 1);
    }
}

#[tokio::test]
async fn two_creators_of_one_id_get_a_conflict_not_a_database_error() {
    for s in stores().await {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creators_of_one_id_one_wins() {
    for s in stores().await {
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
                Err(e) => panic!("{}: {e}", s.engine_name()),
            }
        }
        assert_eq!(won, 1, "{}", s.engine_name());
    }
}

#[tokio::test]
async fn open_session_is_get_or_create_and_racers_agree() {
    for s in stores().await {
        let new = NewSession {
            id: Some("phone-1".into()),
            project_id: Some("ios-app".into()),
            model: "m".into(),
            source: "api".into(),
            ..Default::default()
        };
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let (s, new) = (s.clone(), new.clone());
                tokio::spawn(async move { s.open_session(&new).await })
            })
            .collect();
        for r in racers {
            let got = r.await.unwrap().unwrap();
            assert_eq!(
                (got.id.as_str(), got.project_id.as_str()),
                ("phone-1", "ios-app")
            );
        }
        assert_eq!(s.project("ios-app").await.unwrap().session_count, 1);
        assert!(matches!(
            s.open_session(&NewSession {
                id: Some("../x".into()),
                ..Default::default()
            })
            .await,
            Err(Error::InvalidId { .. })
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_metadata_merges_keep_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = stores().await;
    all[0] = Store::open(&dir.path().join("m.db")).unwrap();
    for s in all {
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
        let found = s.session_by_metadata("k0_3", "3").await.unwrap();
        assert!(found.is_none(), "a number is not the string \"3\"");
        s.merge_session_metadata(&id, &json!({"sessionPath": "o/r/main"}))
            .await
            .unwrap();
        assert_eq!(
            s.session_by_metadata("sessionPath", "o/r/main")
                .await
                .unwrap()
                .map(|x| x.id),
            Some(id.clone())
        );
        assert!(missing(s.merge_session_metadata("nope", &json!({})).await));
        assert!(missing(s.session_metadata("nope").await));
    }
}

#[tokio::test]
async fn a_session_root_is_chosen_once() {
    for s in stores().await {
        let a = session(&s, "a").await;
        let first = s.session_root(&a.id, "/ws/one").await.unwrap();
        let second = s.session_root(&a.id, "/ws/two").await.unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("/ws/one", "/ws/one"));
        let p = project(&s, "p", Some("/src/p")).await;
        let b = session_of(&s, &p.id).await;
        assert_eq!(s.session_root(&b.id, "/ws/x").await.unwrap(), "/src/p");
        assert!(missing(s.session_root("nope", "/ws").await));
    }
}

#[tokio::test]
async fn session_servers_need_the_session() {
    for s in stores().await {
        let a = session(&s, "a").await;
        let on = s
            .enable_session_servers(
                &a.id,
                &["bash".into(), "nope".into(), "builtin-bash".into()],
            )
            .await
            .unwrap();
        assert_eq!(on.len(), 1);
        assert_eq!(s.session_servers(&a.id).await.unwrap()[0].name, "bash");
        assert!(missing(
            s.set_session_server("missing", "builtin-bash", true).await
        ));
        assert!(missing(
            s.enable_session_servers("missing", &["bash".into()]).await
        ));
    }
}

#[tokio::test]
async fn leases_are_held_renewed_released_and_taken_over() {
    for s in stores().await {
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
}

#[tokio::test]
async fn lapsed_leases_are_listed() {
    for s in stores().await {
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
        assert_eq!(lapsed[0].owner, owner("dead"));
        let later = s.expired_leases(now + 120_000).await.unwrap();
        // soonest lapsed first
        assert_eq!(
            later.iter().map(|l| &l.session_id).collect::<Vec<_>>(),
            [&a.id, &b.id]
        );
    }
}

#[tokio::test]
async fn approvals_are_answered_once() {
    for s in stores().await {
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
        assert!(missing(s.decide_approval("apr_nope", "allow", None).await));
        assert!(missing(s.approval("apr_nope").await));
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
}

#[tokio::test]
async fn builtins_are_registered_and_cannot_be_removed() {
    for s in stores().await {
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
        assert!(
            bash.created_at.ends_with('Z') && bash.created_at.len() == 24,
            "{}",
            bash.created_at
        );
    }
}

#[tokio::test]
async fn register_enable_per_session_and_remove() {
    for s in stores().await {
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
        let on = |s: Vec<McpServerRow>| -> Vec<String> { s.into_iter().map(|r| r.name).collect() };
        assert_eq!(
            on(s.session_servers(&sess.id).await.unwrap()),
            ["bash", "time"]
        );
        s.set_mcp_enabled("builtin-bash", false).await.unwrap();
        assert_eq!(on(s.session_servers(&sess.id).await.unwrap()), ["time"]);
        s.set_mcp_enabled("builtin-bash", true).await.unwrap();
        assert!(missing(s.set_mcp_enabled("nope", true).await));
        s.set_session_server(&sess.id, "builtin-bash", false)
            .await
            .unwrap();
        assert!(s.delete_mcp_server(&row.id).await.unwrap());
        assert!(s.session_servers(&sess.id).await.unwrap().is_empty());
        assert!(missing(s.mcp_server("time").await));
        assert!(
            s.set_session_server("nope", "builtin-bash", true)
                .await
                .is_err()
        );
        assert_eq!(s.tool_permission("bash__bash").await.unwrap(), None);
        s.set_tool_permission("bash__bash", "allow").await.unwrap();
        assert_eq!(
            s.tool_permission("bash__bash").await.unwrap().as_deref(),
            Some("allow")
        );
        s.set_tool_permission("bash__bash", "deny").await.unwrap();
        assert_eq!(
            s.tool_permission("bash__bash").await.unwrap().as_deref(),
            Some("deny")
        );
        let p = project(&s, "P", None).await;
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
}

#[tokio::test]
async fn responses_are_kept_once_and_read_back() {
    for s in stores().await {
        let (input, object) = (
            json!([{"role": "user", "content": "hi"}]),
            json!({"id": "resp_1"}),
        );
        s.put_response("resp_1", "m", &input, &object)
            .await
            .unwrap();
        let got = s.stored_response("resp_1").await.unwrap().unwrap();
        assert_eq!(
            (
                got.id.as_str(),
                got.model.as_str(),
                &got.input,
                &got.response
            ),
            ("resp_1", "m", &input, &object)
        );
        assert!(got.created_at.ends_with('Z'));
        assert!(matches!(
            s.put_response("resp_1", "m", &input, &object).await,
            Err(Error::Conflict(m)) if m == "response resp_1 exists"
        ));
        assert_eq!(s.stored_response("resp_2").await.unwrap(), None);
    }
}

/// Stores with a session of each title holding one user message of its text.
async fn stores_with(texts: &[(&str, &str)]) -> Vec<Store> {
    let all = stores().await;
    for s in &all {
        for (title, text) in texts {
            let sess = session(s, title).await;
            s.add_message(&sess.id, &NewMessage::user(vec![ContentBlock::text(*text)]))
                .await
                .unwrap();
        }
    }
    all
}

async fn total(s: &Store, q: &str) -> i64 {
    s.search_messages(q, 10).await.unwrap().total
}

#[tokio::test]
async fn search_finds_the_newest_of_many_matches_and_of_few() {
    // more matches than PostgreSQL reads whole from its index (2,000), and a few rare ones
    for s in stores().await {
        let sess = session(&s, "many").await;
        let mut ids = Vec::new();
        for i in 0..2_050 {
            let text = match i % 1_000 {
                7 => format!("common words and a rare needle {i}"),
                _ => format!("common words number {i}"),
            };
            let m = s
                .add_message(&sess.id, &NewMessage::user(vec![ContentBlock::text(text)]))
                .await
                .unwrap();
            ids.push(m.id);
        }
        let many = s.search_messages("common", 3).await.unwrap();
        assert_eq!(many.total, 2_050, "{}", s.engine_name());
        let got: Vec<i64> = many.hits.iter().map(|h| h.message_id).collect();
        assert_eq!(got, ids[2_047..].iter().rev().copied().collect::<Vec<_>>());
        let few = s.search_messages("needle", 10).await.unwrap();
        assert_eq!(few.total, 3);
        let got: Vec<i64> = few.hits.iter().map(|h| h.message_id).collect();
        assert_eq!(got, [ids[2_007], ids[1_007], ids[7]], "{}", s.engine_name());
        assert!(few.hits[0].snippet.contains("needle"), "{:?}", few.hits[0]);
        assert_eq!(s.search_messages("absent", 10).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn search_newest_first_with_a_marked_snippet_and_the_total() {
    for s in stores_with(&[
        ("first", "SQLite uses a write-ahead log in WAL mode"),
        ("second", "nothing to see"),
        ("third", "Tests: turning on WAL makes readers stop blocking"),
    ])
    .await
    {
        let r = s.search_messages("wal", 10).await.unwrap();
        assert_eq!(r.total, 2);
        let titles: Vec<&str> = r.hits.iter().map(|h| h.session_title.as_str()).collect();
        assert_eq!(titles, ["third", "first"]);
        let h = &r.hits[0];
        assert_eq!(h.role, "user");
        let (a, b) = h.highlights[0];
        let word: String = h.snippet.chars().skip(a).take(b - a).collect();
        assert_eq!(word, "WAL", "{}", s.engine_name());
        // stems and case: "test" finds "Tests", "blocks" finds "blocking"
        assert_eq!(total(&s, "test BLOCKS").await, 1);
        // punctuation is no syntax: a word of punctuation only matches anything, and an
        // unclosed quote or operator (FTS5's or tsquery's) is just text
        assert_eq!(total(&s, "wal --").await, 2);
        assert_eq!(total(&s, "wal \"NEAR( AND").await, 0);
        assert_eq!(total(&s, "wal & | ! <-> :* 'x").await, 0);
        assert_eq!(total(&s, "wri*").await, 1);
        assert_eq!(total(&s, "\"write-ahead log\"").await, 1);
        assert_eq!(total(&s, "\"log write-ahead\"").await, 0);
        // a prefix inside the quotes: the phrase's last word; after them, a term of its own
        assert_eq!(total(&s, "\"WAL mo*\"").await, 1);
        assert_eq!(total(&s, "\"WAL mo\"*").await, 0);
        // no stop words
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
}

#[tokio::test]
async fn tool_calls_and_results_are_found_and_deleted_rows_are_gone() {
    for s in stores_with(&[("t", "hello")]).await {
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
        let nul = ContentBlock::ToolResult {
            tool_use_id: "t2".into(),
            content: Some(ToolResultContent::Text("binary\u{0}output here".into())),
            is_error: Some(true),
        };
        s.add_message(&sess.id, &NewMessage::user(vec![nul.clone()]))
            .await
            .unwrap();
        assert_eq!(total(&s, "clippy").await, 1, "{}", s.engine_name());
        assert_eq!(total(&s, "bash__run").await, 1);
        assert_eq!(total(&s, "unused variable").await, 1);
        // a NUL in a tool's output is stored as it came and does not stop the search
        assert_eq!(total(&s, "output").await, 1, "{}", s.engine_name());
        let msgs = s.messages(&sess.id).await.unwrap();
        assert_eq!(msgs[3].content, vec![nul]);
        assert!(s.delete_session(&sess.id).await.unwrap());
        assert_eq!(total(&s, "hello").await, 0);
        assert_eq!(total(&s, "clippy").await, 0);
    }
}

#[test]
fn ids_from_clients_are_checked() {
    for ok in ["a", "IOS-1234-ABCD", "sess_abc.1:2", &"x".repeat(128)] {
        assert!(check_id("session", ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "..",
        "a..b",
        "a/b",
        "a b",
        "é",
        &"x".repeat(129),
        "../../etc",
    ] {
        assert!(check_id("session", bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn an_orphan_run_is_closed_in_one_write() {
    for s in stores().await {
        let run = session(&s, "run").await;
        s.set_session_status(&run.id, "running").await.unwrap();
        assert!(matches!(
            s.acquire_lease(&run.id, &owner("sweeper"), 60_000, |_| false)
                .await
                .unwrap(),
            Acquired::Yes
        ));
        let ended = NewEvent::new("error", json!({"type": "error", "error": "gone"}));
        let id = s
            .close_orphan_run(&run.id, "sweeper", &ended)
            .await
            .unwrap()
            .expect("a running run is closed");
        let events = s.events(&run.id, None).await.unwrap();
        assert_eq!(
            (
                events.last().unwrap().id,
                events.last().unwrap().kind.as_str()
            ),
            (id, "error")
        );
        assert_eq!(s.session(&run.id).await.unwrap().status, "error");
        assert_eq!(s.lease(&run.id).await.unwrap(), None, "the lease went back");
        // one that finished meanwhile keeps its status, and its lease still goes back
        s.set_session_status(&run.id, "completed").await.unwrap();
        s.acquire_lease(&run.id, &owner("sweeper"), 60_000, |_| false)
            .await
            .unwrap();
        assert_eq!(
            s.close_orphan_run(&run.id, "sweeper", &ended)
                .await
                .unwrap(),
            None
        );
        assert_eq!(s.session(&run.id).await.unwrap().status, "completed");
        assert_eq!(s.lease(&run.id).await.unwrap(), None);
    }
}
