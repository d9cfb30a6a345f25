//! The store's behaviour, on every engine: SQLite always, PostgreSQL when
//! `CLAUDED_TEST_PG_URL` names a server (each test then gets its own fresh database).

use super::*;
use crate::anthropic::{ContentBlock, Role, Usage};
use std::path::Path;
use std::time::Duration;

/// An in-memory SQLite store, and a PostgreSQL one when a server is configured.
async fn stores() -> Vec<Store> {
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
    }
}

#[tokio::test]
async fn messages_keep_order_usage_and_totals() {
    for s in stores().await {
        let a = session(&s, "a").await;
        s.add_message(&a.id, &NewMessage::user(vec![ContentBlock::text("hi")]))
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
        assert_eq!(msgs[1].text(), "hello");
        assert_eq!(msgs[1].usage.cache_read_input_tokens, 2);
        let a = s.session(&a.id).await.unwrap();
        assert_eq!(
            (a.message_count, a.total_tokens, a.total_cost),
            (2, 17, 0.25),
            "{}",
            s.engine_name()
        );
        assert!(matches!(
            s.session_messages("nope").await,
            Err(Error::NotFound { .. })
        ));
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
                Some(&NewEvent::new(
                    "user_message",
                    serde_json::json!({"text": "hi"}),
                )),
                Some(&SessionUpdate {
                    title: Some("hi".into()),
                    metadata: Some(serde_json::json!({"k": 1})),
                    ..Default::default()
                }),
            )
            .await
            .unwrap();
        let ev = s.events(&a.id, None).await.unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].data["message_id"], m.id);
        assert_eq!(ev[0].data["text"], "hi");
        assert_eq!(s.session(&a.id).await.unwrap().title, "hi");
        assert_eq!(s.session_metadata(&a.id).await.unwrap()["k"], 1);
        // a session that is gone takes nothing: no message, no event
        let gone = s
            .add_message_logged(
                "missing",
                &NewMessage::user(vec![ContentBlock::text("x")]),
                Some(&NewEvent::new("user_message", serde_json::json!({}))),
                Some(&SessionUpdate::default()),
            )
            .await;
        assert!(gone.is_err(), "{}", s.engine_name());
        assert!(s.events("missing", None).await.unwrap().is_empty());
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
        assert!(matches!(
            s.resolve_session("ab").await,
            Err(Error::Ambiguous { count: 2, .. })
        ));
        assert!(matches!(
            s.resolve_session("zz").await,
            Err(Error::NotFound { .. })
        ));
        assert!(
            matches!(s.resolve_session("%").await, Err(Error::NotFound { .. })),
            "LIKE wildcards are literal"
        );
        assert!(
            matches!(s.resolve_session("_bc").await, Err(Error::NotFound { .. })),
            "LIKE wildcards are literal"
        );
    }
}

#[tokio::test]
async fn events_are_append_only_and_replay_after_an_id() {
    for s in stores().await {
        let a = session(&s, "a").await;
        let mut ids = Vec::new();
        for i in 0..3 {
            ids.push(
                s.append_event(&a.id, "text", &serde_json::json!({"n": i}))
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
    }
}

#[tokio::test]
async fn deleting_a_project_removes_its_sessions() {
    for s in stores().await {
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
        s.append_event(&a.id, "x", &serde_json::json!({}))
            .await
            .unwrap();
        assert!(s.delete_project(&p.id).await.unwrap());
        assert!(matches!(
            s.session(&a.id).await,
            Err(Error::NotFound { .. })
        ));
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
        assert!(matches!(
            s.update_session("nope", &up(None)).await,
            Err(Error::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn project_for_dir_picks_the_deepest() {
    for s in stores().await {
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
                    b.append_event(&id, "x", &serde_json::json!({"t": t, "i": i}))
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
    for s in stores().await {
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

#[tokio::test]
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
                        s.merge_session_metadata(&id, &serde_json::json!({format!("k{w}_{i}"): i}))
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
        s.merge_session_metadata(&id, &serde_json::json!({"sessionPath": "o/r/main"}))
            .await
            .unwrap();
        assert_eq!(
            s.session_by_metadata("sessionPath", "o/r/main")
                .await
                .unwrap()
                .map(|x| x.id),
            Some(id.clone())
        );
    }
}

#[tokio::test]
async fn a_session_root_is_chosen_once() {
    for s in stores().await {
        let a = session(&s, "a").await;
        let first = s.session_root(&a.id, "/ws/one").await.unwrap();
        let second = s.session_root(&a.id, "/ws/two").await.unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("/ws/one", "/ws/one"));
        let p = s
            .create_project(&NewProject {
                name: "p".into(),
                path: Some("/src/p".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let b = s
            .create_session(&NewSession {
                project_id: Some(p.id),
                model: "m".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(s.session_root(&b.id, "/ws/x").await.unwrap(), "/src/p");
        assert!(matches!(
            s.session_root("nope", "/ws").await,
            Err(Error::NotFound { .. })
        ));
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
        assert!(matches!(
            s.set_session_server("missing", "builtin-bash", true).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            s.enable_session_servers("missing", &["bash".into()]).await,
            Err(Error::NotFound { .. })
        ));
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
