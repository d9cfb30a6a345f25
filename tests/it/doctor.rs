//! `clauded doctor` in working and broken setups: each problem named, with its fix.

use crate::support::fake_github::FakeGitHub;
use crate::support::{FakeAnthropic, Home, Run, finish, run_cmd};
use serde_json::Value;

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn doctor(h: &Home, port: u16, extra: &[(&str, &str)]) -> (Run, Value) {
    let mut c = h.cmd(&["doctor", "--json", "--timeout", "3"]);
    c.env("PORT", port.to_string());
    for (k, v) in extra {
        c.env(k, v);
    }
    let r = run_cmd(c, None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    (r, v)
}

fn line<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} line: {report}"))
}

#[test]
fn a_working_setup_passes_and_the_key_is_never_shown() {
    let h = Home::new();
    h.fake.set_models(&["claude-doctor-1"]);
    let (r, v) = doctor(&h, free_port(), &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(v["ok"], true);
    let key = line(&v, "key");
    assert_eq!(key["status"], "ok", "{v}");
    let detail = key["detail"].as_str().unwrap();
    assert!(
        detail.contains("environment variable ANTHROPIC_API_KEY") && detail.contains("1 models"),
        "{detail}"
    );
    assert!(
        !r.stdout.contains("0123456789abcdef"),
        "the key itself never appears"
    );
    let db = line(&v, "database");
    assert_eq!(db["status"], "ok");
    for name in [
        "config",
        "port",
        "git",
        "landlock",
        "keyring",
        "server-key",
        "mcp",
        "github",
    ] {
        line(&v, name);
    }
    // the text form: one line per check, the fix under a problem
    let mut c = h.cmd(&["doctor", "--timeout", "3"]);
    c.env("PORT", free_port().to_string());
    let text = run_cmd(c, None);
    assert!(
        text.stdout.lines().any(|l| l.starts_with("ok    key")),
        "{text:?}"
    );
    assert!(text.stdout.contains("fix: set GITHUB_TOKEN"), "{text:?}");
}

#[test]
fn no_key_and_a_wrong_key_are_failures_with_their_fix() {
    let mut h = Home::new();
    h.key = None;
    let (r, v) = doctor(&h, free_port(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let key = line(&v, "key");
    assert_eq!(key["status"], "fail");
    assert!(
        key["fix"].as_str().unwrap().contains("clauded auth login"),
        "{key}"
    );

    h.key = Some(format!(
        "{}0000000000000",
        FakeAnthropic::REFUSED_KEY_PREFIX
    ));
    let (r, v) = doctor(&h, free_port(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let key = line(&v, "key");
    assert_eq!(key["status"], "fail", "{key}");
    assert!(
        key["detail"]
            .as_str()
            .unwrap()
            .contains("401 authentication_error"),
        "{key}"
    );
    assert!(
        key["fix"].as_str().unwrap().contains("ANTHROPIC_API_KEY"),
        "{key}"
    );
    assert!(!r.stdout.contains("0000000000000"), "{r:?}");
}

#[test]
fn a_taken_port_is_named_and_a_running_clauded_is_recognised() {
    let h = Home::new();
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let (r, v) = doctor(&h, port, &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let p = line(&v, "port");
    assert_eq!(p["status"], "fail");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("taken by another program"),
        "{p}"
    );
    assert!(
        p["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("--port {}", port + 1)),
        "{p}"
    );
    drop(squatter);

    let mut c = h.cmd(&["serve", "--port", "0"]);
    c.env("PORT", "0");
    let s = crate::support::serve(c);
    let port: u16 = s.url.rsplit(':').next().unwrap().parse().unwrap();
    let (_, v) = doctor(&h, port, &[]);
    let p = line(&v, "port");
    assert_eq!(p["status"], "ok", "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("running clauded server"),
        "{p}"
    );
}

#[test]
fn an_unreadable_database_and_postgres_are_named() {
    let h = Home::new();
    h.fake.set_models(&["claude-doctor-1"]);
    std::fs::write(h.db(), "this is not a database, it is a text file").unwrap();
    let (r, v) = doctor(&h, free_port(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let db = line(&v, "database");
    assert_eq!(db["status"], "fail");
    assert!(
        db["detail"].as_str().unwrap().contains("not a database"),
        "{db}"
    );
    assert!(db["fix"].as_str().unwrap().contains("move it away"), "{db}");

    let (r, v) = doctor(
        &h,
        free_port(),
        &[(
            "DATABASE_URL",
            // nothing listens on port 1: the server cannot be reached
            "postgres://clauded:pg-secret@127.0.0.1:1/clauded?sslmode=disable",
        )],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let db = line(&v, "database");
    assert_eq!(db["status"], "fail");
    assert!(
        db["detail"]
            .as_str()
            .unwrap()
            .starts_with("PostgreSQL 127.0.0.1:1/clauded"),
        "{db}"
    );
    assert!(db["fix"].as_str().unwrap().contains("DATABASE_URL"), "{db}");
    assert!(
        !r.stdout.contains("pg-secret"),
        "the password is never shown"
    );
    assert_eq!(
        line(&v, "key")["status"],
        "ok",
        "the rest is still checked: {v}"
    );
}

#[test]
fn a_dead_mcp_server_is_named_with_its_fix() {
    let h = Home::new();
    h.ok(
        &["mcp", "add", "deadsrv", "--", "/nonexistent/mcp-server"],
        None,
    );
    h.ok(&["mcp", "add", "quits", "--", "sh", "-c", "exit 3"], None);
    let (r, v) = doctor(&h, free_port(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    for name in ["mcp:deadsrv", "mcp:quits"] {
        let m = line(&v, name);
        assert_eq!(m["status"], "fail", "{m}");
        assert!(m["fix"].as_str().unwrap().contains("clauded mcp rm"), "{m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_github_token_is_checked_with_get_user() {
    let gh = FakeGitHub::start(false).await;
    let h = Home::new();
    for (token, status) in [(FakeGitHub::TOKEN, "ok"), ("ghp_wrong", "fail")] {
        let mut c = h.cmd(&["doctor", "--json", "--timeout", "3"]);
        c.env("PORT", free_port().to_string())
            .env("GITHUB_API_URL", &gh.url)
            .env("GITHUB_TOKEN", token);
        let r = finish(c).await;
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        let line = line(&v, "github");
        assert_eq!(line["status"], status, "{line}");
        if status == "ok" {
            assert!(
                line["detail"].as_str().unwrap().contains("octo-fixture"),
                "{line}"
            );
        } else {
            assert!(
                line["fix"]
                    .as_str()
                    .unwrap()
                    .contains("clauded auth github"),
                "{line}"
            );
        }
        assert!(!r.stdout.contains(token), "the token is never shown");
    }
}

#[cfg(unix)]
#[test]
fn a_server_key_file_others_may_read_is_a_failure_with_its_fix() {
    use std::os::unix::fs::PermissionsExt;
    let h = Home::new();
    let (_, v) = doctor(&h, free_port(), &[]);
    let k = line(&v, "server-key");
    assert_eq!(k["status"], "ok", "{k}");
    assert!(k["detail"].as_str().unwrap().contains("none yet"), "{k}");
    let file = h.path().join("secret.key");
    assert!(!file.exists(), "doctor makes no key");

    std::fs::write(&file, format!("{}\n", "ab".repeat(32))).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (r, v) = doctor(&h, free_port(), &[]);
    assert_eq!(r.code, 1, "{r:?}");
    let k = line(&v, "server-key");
    assert_eq!(k["status"], "fail", "{k}");
    assert!(k["detail"].as_str().unwrap().contains("mode 644"), "{k}");
    assert_eq!(k["fix"], format!("chmod 600 {}", file.display()));
    assert!(!r.stdout.contains(&"ab".repeat(32)), "never the key");

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (_, v) = doctor(&h, free_port(), &[]);
    assert_eq!(line(&v, "server-key")["status"], "ok");
    std::fs::write(&file, "not a key\n").unwrap();
    let (_, v) = doctor(&h, free_port(), &[]);
    let k = line(&v, "server-key");
    assert_eq!(k["status"], "fail", "{k}");
    assert!(
        k["fix"].as_str().unwrap().contains("CLAUDED_SECRET_KEY"),
        "{k}"
    );

    let (_, v) = doctor(
        &h,
        free_port(),
        &[("CLAUDED_SECRET_KEY", "a-long-passphrase")],
    );
    let k = line(&v, "server-key");
    assert_eq!(k["status"], "ok", "{k}");
    assert_eq!(k["detail"], "from environment variable CLAUDED_SECRET_KEY");
}
