use super::*;
use crate::anthropic::Usage;

fn store() -> Store {
    Store::open_in_memory().unwrap()
}

fn session(s: &Store, title: &str) -> Session {
    s.create_session(&NewSession {
        title: title.into(),
        model: "m".into(),
        source: "cli".into(),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn sessions_default_to_the_default_project() {
    let s = store();
    let a = session(&s, "a");
    assert_eq!(a.project_id, DEFAULT_PROJECT_ID);
    assert_eq!(s.project(DEFAULT_PROJECT_ID).unwrap().session_count, 1);
}

#[test]
fn messages_keep_order_usage_and_totals() {
    let s = store();
    let a = session(&s, "a");
    s.add_message(&a.id, &NewMessage::user(vec![ContentBlock::text("hi")]))
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
    .unwrap();
    let msgs = s.messages(&a.id).unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1].text(), "hello");
    assert_eq!(msgs[1].usage.cache_read_input_tokens, 2);
    let a = s.session(&a.id).unwrap();
    assert_eq!(
        (a.message_count, a.total_tokens, a.total_cost),
        (2, 17, 0.25)
    );
}

#[test]
fn resolve_by_prefix_and_ambiguity() {
    let s = store();
    for id in ["abc-1", "abd-2"] {
        s.create_session(&NewSession {
            id: Some(id.into()),
            model: "m".into(),
            ..Default::default()
        })
        .unwrap();
    }
    assert_eq!(s.resolve_session("abc").unwrap().id, "abc-1");
    assert!(matches!(
        s.resolve_session("ab"),
        Err(Error::Ambiguous { count: 2, .. })
    ));
    assert!(matches!(
        s.resolve_session("zz"),
        Err(Error::NotFound { .. })
    ));
    assert!(
        matches!(s.resolve_session("%"), Err(Error::NotFound { .. })),
        "LIKE wildcards are literal"
    );
}

#[test]
fn events_are_append_only_and_replay_after_an_id() {
    let s = store();
    let a = session(&s, "a");
    let ids: Vec<i64> = (0..3)
        .map(|i| {
            s.append_event(&a.id, "text", &serde_json::json!({"n": i}))
                .unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let after = s.events(&a.id, Some(ids[0])).unwrap();
    assert_eq!(
        after
            .iter()
            .map(|e| e.data["n"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[test]
fn deleting_a_project_removes_its_sessions() {
    let s = store();
    let p = s
        .create_project(&NewProject {
            name: "P".into(),
            ..Default::default()
        })
        .unwrap();
    let a = s
        .create_session(&NewSession {
            project_id: Some(p.id.clone()),
            model: "m".into(),
            ..Default::default()
        })
        .unwrap();
    s.append_event(&a.id, "x", &serde_json::json!({})).unwrap();
    assert!(s.delete_project(&p.id).unwrap());
    assert!(matches!(s.session(&a.id), Err(Error::NotFound { .. })));
    assert!(!s.delete_project(&p.id).unwrap());
}

#[test]
fn update_session_sets_and_clears_the_system_prompt() {
    let s = store();
    let a = session(&s, "a");
    let up = |sp| SessionUpdate {
        system_prompt: Some(sp),
        ..Default::default()
    };
    assert_eq!(
        s.update_session(&a.id, &up(Some("be brief".into())))
            .unwrap()
            .system_prompt
            .as_deref(),
        Some("be brief")
    );
    assert_eq!(
        s.update_session(&a.id, &SessionUpdate::default())
            .unwrap()
            .system_prompt
            .as_deref(),
        Some("be brief")
    );
    assert_eq!(
        s.update_session(&a.id, &up(None)).unwrap().system_prompt,
        None
    );
}

#[test]
fn project_for_dir_picks_the_deepest() {
    let s = store();
    for (n, p) in [("outer", "/w"), ("inner", "/w/app")] {
        s.create_project(&NewProject {
            name: n.into(),
            path: Some(p.into()),
            ..Default::default()
        })
        .unwrap();
    }
    let found = s.project_for_dir(Path::new("/w/app/src")).unwrap().unwrap();
    assert_eq!(found.name, "inner");
    assert!(
        s.project_for_dir(Path::new("/elsewhere"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn file_is_private_and_two_handles_write_concurrently() {
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
    let sess = session(&a, "shared");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let p = path.clone();
            let id = sess.id.clone();
            std::thread::spawn(move || {
                let b = Store::open(&p).unwrap();
                for i in 0..25 {
                    b.append_event(&id, "x", &serde_json::json!({"t": t, "i": i}))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(a.events(&sess.id, None).unwrap().len(), 100);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(Error::TooNew { found: 99, .. })
    ));
}

#[test]
fn cache_respects_age() {
    let s = store();
    s.cache_put("k", "v").unwrap();
    assert_eq!(
        s.cache_get("k", Duration::from_secs(60))
            .unwrap()
            .as_deref(),
        Some("v")
    );
    s.cache_put("k", "w").unwrap();
    assert_eq!(
        s.cache_get("k", Duration::from_secs(60))
            .unwrap()
            .as_deref(),
        Some("w")
    );
}

#[test]
fn two_creators_of_one_id_get_a_conflict_not_a_database_error() {
    let s = store();
    let new = NewSession {
        id: Some("same-id".into()),
        model: "m".into(),
        source: "api".into(),
        ..Default::default()
    };
    s.create_session(&new).unwrap();
    assert!(matches!(s.create_session(&new), Err(Error::Conflict(_))));
    let p = NewProject {
        id: Some("proj-x".into()),
        name: "x".into(),
        ..Default::default()
    };
    s.create_project(&p).unwrap();
    assert!(matches!(s.create_project(&p), Err(Error::Conflict(_))));
}

#[test]
fn concurrent_metadata_merges_keep_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("m.db")).unwrap();
    let id = session(&s, "a").id;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (s, id) = (s.clone(), id.clone());
            std::thread::spawn(move || {
                for i in 0..25 {
                    s.merge_session_metadata(&id, &serde_json::json!({format!("k{w}_{i}"): i}))
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let meta = s.session_metadata(&id).unwrap();
    assert_eq!(meta.as_object().unwrap().len(), 100, "{meta}");
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
