//! What only the PostgreSQL engine does, against a real server: URLs and TLS, migrations
//! under the advisory lock, notices between instances, the listener, races among instances
//! and collation. `CLAUDED_TEST_PG_URL` names the server (a user who may create databases);
//! each test makes a database of its own. Unset, they skip. What both engines do is tested
//! on both in `store::tests`.

use super::*;
use crate::anthropic::ContentBlock;
use crate::store::{Acquired, LeaseOwner, NewApproval, NewMcpServer, migration_names};
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
async fn names_sort_by_bytes_as_in_sqlite() {
    let s = db!();
    let lite = crate::store::sqlite::Db::open_in_memory().unwrap();
    // byte order (COLLATE "C"), not the server's locale: upper case before lower, '_' between
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
    assert!(
        matches!(e, Error::Unmigrated { found: 0, known } if known == migration_names().len() as i64),
        "{e}"
    );
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
        SchemaVersion {
            found: migration_names().len() as i64,
            known: migration_names().len() as i64
        }
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
    assert_eq!(n, migration_names().len() as i64);
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

/// `take_over_lease` is PostgreSQL's alone: the sweep for the turns of instances that died.
#[tokio::test]
async fn a_lapsed_lease_is_taken_over_once() {
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
