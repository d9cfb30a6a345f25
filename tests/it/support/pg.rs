//! PostgreSQL for the tests: the server that tests/pg.sh found or started
//! (`CLAUDED_TEST_PG_URL`), a fresh database on it for each test, and whether this pass of the
//! suite runs on the PostgreSQL engine (`CLAUDED_TEST_ENGINE=postgres`).
//!
//! The server and the CLI store in PostgreSQL when given `DATABASE_URL=<url>` (or `--db <url>`),
//! so a test keeps its isolated home and only points the store elsewhere:
//!
//! ```ignore
//! let home = Home::new();
//! let mut c = home.cmd(&["serve", "--port", "0"]);
//! if pg::engine_is_postgres() {
//!     let url = pg::fresh_database_url().expect("tests/run.sh sets CLAUDED_TEST_PG_URL");
//!     c.env("DATABASE_URL", url);
//! }
//! let serving = serve(c);
//! ```
//!
//! The in-process server does the same with the URL where it opens the store. The databases are
//! not dropped: a throwaway server goes with them, and on a server of one's own they are named
//! `clauded_t_*`.

use std::process::Command;

/// Whether this pass runs on the PostgreSQL engine (tests/run.sh's second pass over the route
/// tests sets `CLAUDED_TEST_ENGINE=postgres`).
pub fn engine_is_postgres() -> bool {
    std::env::var("CLAUDED_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// The URL of a new, empty database `clauded_t_<random hex>` on the server at
/// `CLAUDED_TEST_PG_URL`; None when that is unset. Panics when the server refuses.
pub fn fresh_database_url() -> Option<String> {
    let server = std::env::var("CLAUDED_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("clauded_t_{}", uuid::Uuid::new_v4().simple());
    execute(&server, &format!("CREATE DATABASE {name}"));
    Some(with_database(&server, &name))
}

/// Runs `sql` on the database at `url` with psql; panics when it fails.
pub fn execute(url: &str, sql: &str) {
    // tests/pg.sh names the psql beside the server it started
    let psql = std::env::var("CLAUDED_TEST_PSQL").unwrap_or_else(|_| "psql".into());
    let out = Command::new(&psql)
        .arg(url)
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-qc"])
        .arg(sql)
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .unwrap_or_else(|e| panic!("{psql} did not run ({e}): install postgresql-client"));
    assert!(
        out.status.success(),
        "{sql} on {} failed: {}",
        without_password(url),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `url` with its database (the path) replaced by `name`; the query stays.
fn with_database(url: &str, name: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let path = url[authority..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority + i);
    let query = url[path..].find('?').map_or(url.len(), |i| path + i);
    format!("{}/{name}{}", &url[..path], &url[query..])
}

/// `url` as it may be printed: `user:***@` for `user:password@`.
fn without_password(url: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let Some(at) = url[authority..].find('@').map(|i| authority + i) else {
        return url.to_owned();
    };
    match url[authority..at].find(':') {
        Some(colon) => format!("{}:***{}", &url[..authority + colon], &url[at..]),
        None => url.to_owned(),
    }
}

#[test]
fn the_database_is_replaced_in_every_shape_of_url() {
    let cases = [
        (
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://postgres@127.0.0.1:5432/t",
        ),
        (
            "postgres://u:p@h/db?sslmode=disable",
            "postgres://u:p@h/t?sslmode=disable",
        ),
        ("postgresql://h:5432", "postgresql://h:5432/t"),
        (
            "postgresql://h?sslmode=require",
            "postgresql://h/t?sslmode=require",
        ),
        ("postgres://h/", "postgres://h/t"),
    ];
    for (url, want) in cases {
        assert_eq!(with_database(url, "t"), want, "{url}");
    }
    assert_eq!(
        without_password("postgres://u:secret@h/db"),
        "postgres://u:***@h/db"
    );
    assert_eq!(without_password("postgres://u@h/db"), "postgres://u@h/db");
}

#[test]
fn each_call_makes_its_own_empty_database() {
    let Some(a) = fresh_database_url() else {
        assert!(
            !engine_is_postgres(),
            "CLAUDED_TEST_ENGINE=postgres needs CLAUDED_TEST_PG_URL (tests/run.sh sets it)"
        );
        return;
    };
    let b = fresh_database_url().unwrap();
    assert_ne!(a, b);
    let psql = std::env::var("CLAUDED_TEST_PSQL").unwrap_or_else(|_| "psql".into());
    let out = Command::new(psql)
        .arg(&a)
        .args([
            "-XAtc",
            "select current_database(), count(*) from pg_tables where schemaname = 'public'",
        ])
        .output()
        .unwrap();
    let db = a.rsplit('/').next().unwrap().split('?').next().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{db}|0")
    );
}
