//! `clauded db status|migrate|copy` and `serve --no-migrate`: a laptop's SQLite store of
//! thousands of sessions copied to PostgreSQL and back, every row and id compared. The
//! PostgreSQL parts are skipped, saying so, without a server (tests/run.sh always has one).

use crate::support::{Home, Reply, pg};
use clauded::anthropic::{ContentBlock, Role, Usage};
use clauded::store::copy::Dump;
use clauded::store::{
    Database, NewApproval, NewMcpServer, NewMessage, NewSession, RequestLogEntry, Store,
};
use serde_json::{Value, json};

const SESSIONS: usize = 2_000;

/// A store with every kind of row: sessions with messages and events, a project, an MCP
/// server and a session's choice of it, a permission, a lease, an approval, the request log
/// and the cache.
async fn fill(store: &Store) {
    let p = store
        .create_project(&clauded::store::NewProject {
            id: Some("proj-1".into()),
            name: "Widgets".into(),
            description: "the app".into(),
            path: Some("/src/widgets".into()),
        })
        .await
        .unwrap();
    let time = store
        .add_mcp_server(&NewMcpServer {
            name: "time".into(),
            transport: "stdio".into(),
            command: Some("mcp-server-time".into()),
            args: vec!["--local-timezone".into(), "UTC".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..SESSIONS {
        let s = store
            .create_session(&NewSession {
                id: Some(format!("s-{i:05}")),
                project_id: (i % 3 == 0).then(|| p.id.clone()),
                title: format!("session {i} ünïcode ✓"),
                model: "claude-sonnet-4-5".into(),
                system_prompt: (i % 5 == 0).then(|| "be brief".into()),
                source: if i % 2 == 0 { "cli" } else { "api" }.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        store
            .add_message(
                &s.id,
                &NewMessage::user(vec![ContentBlock::text(format!("question {i}"))]),
            )
            .await
            .unwrap();
        store
            .add_message(
                &s.id,
                &NewMessage {
                    role: Role::Assistant,
                    content: vec![ContentBlock::text(format!("answer {i}"))],
                    model: Some("claude-sonnet-4-5".into()),
                    stop_reason: Some("end_turn".into()),
                    usage: Usage {
                        input_tokens: 10 + i as u64,
                        output_tokens: 3,
                        ..Default::default()
                    },
                    // a cost no short decimal writes exactly
                    cost_usd: 0.1 + i as f64 / 3.0,
                },
            )
            .await
            .unwrap();
        for k in 0..3 {
            store
                .append_event(&s.id, "assistant", &json!({"type": "assistant", "k": k}))
                .await
                .unwrap();
        }
        if i % 100 == 0 {
            store
                .set_session_server(&s.id, &time.id, true)
                .await
                .unwrap();
            store
                .merge_session_metadata(&s.id, &json!({"branch": format!("b-{i}")}))
                .await
                .unwrap();
        }
    }
    store.mark_unanswered(1).await.unwrap();
    store
        .set_tool_permission("time__now", "allow")
        .await
        .unwrap();
    store.set_mcp_enabled(&time.id, false).await.unwrap();
    store
        .create_approval(&NewApproval {
            id: Some("apr-1".into()),
            session_id: Some("s-00001".into()),
            source: "claude-code".into(),
            tool: "Bash".into(),
            input: json!({"command": "ls"}),
            ttl_ms: 60_000,
            ..Default::default()
        })
        .await
        .unwrap();
    store
        .decide_approval("apr-1", "allow", Some("ok"))
        .await
        .unwrap();
    store
        .acquire_lease(
            "s-00002",
            &clauded::store::LeaseOwner {
                id: "laptop".into(),
                pid: 1,
                host: "laptop".into(),
            },
            1,
            |_| false,
        )
        .await
        .unwrap();
    store
        .log_request(&RequestLogEntry {
            source: "cli".into(),
            endpoint: "/v1/messages".into(),
            session_id: Some("s-00000".into()),
            model: Some("claude-sonnet-4-5".into()),
            status: Some(200),
            latency_ms: 12,
            input_tokens: 10,
            output_tokens: 3,
            cost_usd: 0.001,
            ..Default::default()
        })
        .await
        .unwrap();
    store.cache_put("models", "[]").await.unwrap();
    // accounts: the first user takes the rows above; a second one has a session of their own
    for (id, email) in [("u-first", "first@x.io"), ("u-second", "second@x.io")] {
        store
            .create_user(&clauded::store::NewUser {
                id: id.into(),
                email: email.into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    store
        .update_user(
            "u-second",
            &clauded::store::UserUpdate {
                voice_command_keywords: Some(vec!["go".into()]),
                anthropic_key: Some(Some("v1:sealed".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .scoped("u-second")
        .create_session(&NewSession {
            id: Some("theirs".into()),
            model: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    store
        .create_login(&clauded::store::Login {
            id: "login-hash".into(),
            user_id: "u-second".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            expires_ms: 1 << 45,
        })
        .await
        .unwrap();
    store
        .create_api_key(&clauded::store::NewApiKey {
            id: "key-1".into(),
            user_id: "u-second".into(),
            name: "phone".into(),
            prefix: "ck_abcd".into(),
            hash: "key-hash".into(),
        })
        .await
        .unwrap();
}

/// Every table and row equal; else the first difference, not two dumps of 20,000 rows.
fn assert_same(got: &Dump, want: &Dump, what: &str) {
    assert_eq!(got.tables.len(), want.tables.len(), "{what}: tables");
    for (g, w) in got.tables.iter().zip(&want.tables) {
        assert_eq!((&g.name, &g.columns), (&w.name, &w.columns), "{what}");
        assert_eq!(g.rows.len(), w.rows.len(), "{what}: rows of {}", g.name);
        for (i, (gr, wr)) in g.rows.iter().zip(&w.rows).enumerate() {
            assert_eq!(gr, wr, "{what}: {} row {i}", g.name);
        }
    }
}

fn run(h: &Home, args: &[&str]) -> crate::support::Run {
    h.run(args, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_goes_to_postgresql_and_back_with_every_row_and_id() {
    let Some(pg_url) = pg::fresh_database_url() else {
        eprintln!("skipped: no PostgreSQL server (set CLAUDED_TEST_PG_URL or run tests/run.sh)");
        return;
    };
    let h = Home::new();
    let laptop = h.path().join("laptop.db");
    let source = Store::open(&laptop).unwrap();
    fill(&source).await;
    let before = source.export_all().await.unwrap();
    drop(source);

    let r = run(
        &h,
        &[
            "db",
            "copy",
            "--from",
            laptop.to_str().unwrap(),
            "--to",
            &pg_url,
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("sessions: 2001 rows"), "{r:?}");
    assert!(r.stderr.contains("users: 2 rows"), "{r:?}");
    let team = Store::connect(&Database::Postgres(pg_url.clone()), false)
        .await
        .unwrap();
    assert_same(
        &team.export_all().await.unwrap(),
        &before,
        "SQLite to PostgreSQL",
    );
    // new rows continue after the copied ids
    let next = team
        .append_event("s-00000", "x", &json!({"type": "x"}))
        .await
        .unwrap();
    let max = before.tables[3]
        .rows
        .iter()
        .map(|r| match r[0] {
            clauded::store::copy::Cell::Int(i) => i,
            _ => 0,
        })
        .max()
        .unwrap();
    assert!(next > max, "event {next} after {max}");

    // a target that holds rows is refused, and --force replaces them
    let r = run(
        &h,
        &[
            "db",
            "copy",
            "--from",
            laptop.to_str().unwrap(),
            "--to",
            &pg_url,
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--force"), "{r:?}");
    let r = run(
        &h,
        &[
            "db",
            "copy",
            "--from",
            laptop.to_str().unwrap(),
            "--to",
            &pg_url,
            "--force",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_same(&team.export_all().await.unwrap(), &before, "--force");

    // and back to a new SQLite file: the same rows again, search index included
    let back = h.path().join("back.db");
    let r = run(
        &h,
        &[
            "db",
            "copy",
            "--from",
            &pg_url,
            "--to",
            back.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let again = Store::open(&back).unwrap();
    assert_same(
        &again.export_all().await.unwrap(),
        &before,
        "and back to SQLite",
    );
    assert_eq!(
        again.search_messages("answer", 5).await.unwrap().total,
        SESSIONS as i64
    );
    assert_eq!(
        team.search_messages("question", 5).await.unwrap().total,
        SESSIONS as i64
    );
    let r = run(&h, &["db", "copy", "--from", &pg_url, "--to", &pg_url]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn status_and_migrate_on_both_engines_and_serve_without_migrating() {
    let h = Home::new();
    // SQLite: nothing yet, then migrated
    let r = run(&h, &["db", "status", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (v["engine"].clone(), v["exists"].clone()),
        (json!("sqlite"), json!(false))
    );
    let r = run(&h, &["db", "migrate"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: Value = serde_json::from_str(&run(&h, &["db", "status", "--json"]).stdout).unwrap();
    let s = &v["schema"];
    assert_eq!(s["found"], s["known"], "{v}");
    assert!(
        v["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["applied"] == json!(true))
    );

    let Some(pg_url) = pg::fresh_database_url() else {
        eprintln!("skipped the PostgreSQL half: no server");
        return;
    };
    let v: Value =
        serde_json::from_str(&run(&h, &["db", "status", "--json", "--db", &pg_url]).stdout)
            .unwrap();
    assert_eq!(v["engine"], json!("postgres"));
    assert_eq!(v["schema"]["found"], json!(0), "{v}");
    assert!(
        !v["database"].as_str().unwrap().contains("s3cret"),
        "never a password"
    );
    // a deployment that migrates in a job: serve refuses an unmigrated store
    let mut c = h.cmd(&["serve", "--port", "0", "--no-migrate"]);
    c.env("DATABASE_URL", &pg_url);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("clauded db migrate"),
        "{out:?}"
    );
    let r = run(&h, &["db", "migrate", "--db", &pg_url]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("schema version 0 →"), "{r:?}");
    let v: Value =
        serde_json::from_str(&run(&h, &["db", "status", "--json", "--db", &pg_url]).stdout)
            .unwrap();
    assert_eq!(v["schema"]["found"], v["schema"]["known"], "{v}");
    // and a bad URL is a clear configuration error
    let r = run(&h, &["db", "status", "--db", "mysql://h/db"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.contains("unsupported database URL scheme"),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_works_on_postgresql_too() {
    let Some(h) = Home::on_postgres() else {
        eprintln!("skipped: no PostgreSQL server (set CLAUDED_TEST_PG_URL or run tests/run.sh)");
        return;
    };
    std::fs::write(
        h.path().join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n",
    )
    .unwrap();
    // ask, then continue the conversation
    h.fake.push(Reply::text("The capital of France is Paris."));
    let r = h.ok(&["ask", "--raw", "capital of France?"], None);
    assert!(r.stdout.contains("Paris"), "{r:?}");
    h.fake.push(Reply::text("About 2.1 million people."));
    let r = h.ok(&["ask", "--raw", "-c", "and its population?"], None);
    assert!(r.stdout.contains("2.1 million"), "{r:?}");
    let reqs = h.fake.message_requests();
    assert_eq!(
        reqs[1].body["messages"].as_array().unwrap().len(),
        3,
        "the second turn carries the first: {:?}",
        reqs[1].body
    );
    let list = h.json(&["sessions", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["message_count"], json!(4));
    let sid = list[0]["id"].as_str().unwrap().to_owned();
    let shown = h.ok(&["sessions", "show", &sid], None);
    assert!(shown.stdout.contains("population"), "{shown:?}");
    let found = h.json(&["sessions", "search", "--json", "Paris"]);
    assert_eq!(found["total"], json!(1), "{found}");
    // and a run on a repository: its session and events in the same database
    let remote = crate::support::bare_remote(h.path());
    h.fake.push(Reply::text(
        r#"{"title": "Add Notes", "branch": "add-notes"}"#,
    ));
    h.fake.push(Reply::Events(
        crate::support::fake_anthropic::tool_use_events(&[(
            "t1",
            "filesystem__write_file",
            json!({"path": "NOTES.md", "content": "notes\n"}),
        )]),
    ));
    h.fake.push(Reply::text("Added NOTES.md."));
    h.fake.push(Reply::text("Add notes"));
    let r = crate::support::run_in(
        &h,
        &[
            "run",
            "Add notes",
            "--repo",
            remote.to_str().unwrap(),
            "--yes",
        ],
        None,
        None,
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    let store = Store::connect(&Database::Postgres(h.database_url.clone().unwrap()), false)
        .await
        .unwrap();
    let runs = store
        .sessions(&clauded::store::SessionFilter {
            status: Some("completed".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let kinds: Vec<String> = store
        .events(&runs[0].id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.iter().any(|k| k == "branch_created")
            && kinds.last().map(String::as_str) == Some("completed"),
        "{kinds:?}"
    );
    assert!(!h.db().exists(), "nothing went to a SQLite file");
}
