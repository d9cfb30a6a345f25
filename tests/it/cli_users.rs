//! `clauded users` (accounts and their API keys) and `--user`: what each command sees.

use crate::support::{Home, Run};
use clauded::crypto::SecretBox;
use clauded::engine::accounts::{AccountSettings, Accounts, Clock};
use clauded::store::{Database, Store};
use serde_json::Value;

/// Runs a future to its end on a runtime of its own (the tests drive the binary in between).
fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The home's store, as the CLI opens it.
fn store(h: &Home) -> Store {
    let db = match &h.database_url {
        Some(url) => Database::Postgres(url.clone()),
        None => Database::Sqlite(h.db()),
    };
    block(Store::connect(&db, false)).unwrap()
}

/// The accounts over the home's store (no credential is sealed: any key will do).
fn accounts(h: &Home) -> Accounts {
    Accounts::new(
        &store(h),
        SecretBox::random(),
        Clock::system(),
        AccountSettings::default(),
    )
}

fn add(h: &Home, email: &str, password: &str, extra: &[&str]) -> Run {
    let mut args = vec!["users", "add", email];
    args.extend_from_slice(extra);
    h.ok(&args, Some(&format!("{password}\n")))
}

/// The ids `sessions list --json` prints, run with `extra` flags first.
fn session_ids(h: &Home, extra: &[&str]) -> Vec<String> {
    let mut args = extra.to_vec();
    args.extend(["sessions", "list", "--json"]);
    let v = h.json(&args);
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

fn users(h: &Home) -> Vec<Value> {
    h.json(&["users", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_first_account_is_an_admin_and_takes_the_local_sessions() {
    let h = Home::new();
    let r = h.ok(&["users", "list"], None);
    assert!(
        r.stdout.is_empty() && r.stderr.contains("local mode"),
        "{r:?}"
    );
    h.ok(&["ask", "made before any account"], None);
    let local = session_ids(&h, &[]);
    assert_eq!(local.len(), 1);

    let r = add(&h, " Ann@Example.COM ", "password-one", &["--name", "Ann"]);
    let id = r.stdout.trim().to_owned();
    assert_eq!(id.len(), 16, "the id alone on stdout: {r:?}");
    assert!(
        r.stderr.contains("first account: an admin") && r.stderr.contains("1 session"),
        "{r:?}"
    );
    let r = add(&h, "bob@example.com", "password-two", &[]);
    assert!(r.stderr.contains("(a user)"), "{r:?}");

    let list = users(&h);
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["email"], "ann@example.com");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["is_admin"], true);
    assert_eq!(list[0]["display_name"], "Ann");
    assert_eq!(list[1]["is_admin"], false);
    let table = h.ok(&["users", "list"], None).stdout;
    assert!(
        table.starts_with("EMAIL") && table.contains("ann@example.com") && table.contains(&id),
        "{table}"
    );

    // the terminal acts as the first admin, who owns the local session now
    assert_eq!(session_ids(&h, &[]), local);
    assert_eq!(session_ids(&h, &["--user", "ann@example.com"]), local);
    assert!(session_ids(&h, &["--user", "bob@example.com"]).is_empty());
    let owned = block(store(&h).scoped(&id).session_ids()).unwrap();
    assert_eq!(owned, local);

    // a taken email, a bad one and a short password are refused as bad input
    for (email, pw, says) in [
        ("ANN@example.com", "password-three", "Email already in use"),
        ("not-an-email", "password-three", "not an email address"),
        ("carl@example.com", "short", "at least 8 characters"),
    ] {
        let r = h.run(&["users", "add", email], Some(&format!("{pw}\n")));
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains(says), "{r:?}");
    }
    assert_eq!(users(&h).len(), 2);
}

#[test]
fn passwords_change_and_the_last_admin_stays() {
    let h = Home::new();
    add(&h, "ann@example.com", "password-one", &[]);
    add(&h, "bob@example.com", "password-two", &["--admin"]);
    add(&h, "cat@example.com", "password-cat", &[]);
    let a = accounts(&h);
    block(a.login("bob@example.com", "password-two", false, "test")).unwrap();

    // the password is the whole line: spaces are kept, the newline is not
    h.ok(
        &["users", "passwd", "BOB@example.com"],
        Some(" a new password \r\n"),
    );
    assert!(block(a.login("bob@example.com", "password-two", false, "test")).is_err());
    block(a.login("bob@example.com", " a new password ", false, "test")).unwrap();
    let r = h.run(
        &["users", "passwd", "nobody@example.com"],
        Some("whatever-1\n"),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("user not found"), "{r:?}");

    let admin = |email: &str| {
        users(&h)
            .into_iter()
            .find(|u| u["email"] == email)
            .map(|u| u["is_admin"] == true)
            .unwrap()
    };
    assert!(admin("bob@example.com"), "--admin makes an admin");
    h.ok(&["users", "admin", "ann@example.com", "--off"], None);
    h.ok(&["users", "admin", "cat@example.com"], None);
    assert!(!admin("ann@example.com") && admin("cat@example.com"));
    h.ok(&["users", "admin", "bob@example.com", "--off"], None);
    let r = h.run(&["users", "admin", "cat@example.com", "--off"], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("last admin"), "{r:?}");
    assert!(admin("cat@example.com"));
    let r = h.run(&["users", "rm", "cat@example.com", "--yes"], None);
    assert_eq!(r.code, 2, "the last admin is not deleted either: {r:?}");

    // without a terminal to ask on, rm wants --yes
    let r = h.run(&["users", "rm", "bob@example.com"], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--yes"), "{r:?}");
    assert_eq!(users(&h).len(), 3);
    let r = h.ok(&["users", "rm", "bob@example.com", "--yes"], None);
    assert!(r.stderr.contains("deleted bob@example.com"), "{r:?}");
    assert_eq!(users(&h).len(), 2);
    assert!(block(a.login("bob@example.com", " a new password ", false, "test")).is_err());
}

#[test]
fn a_created_key_authenticates_until_it_is_removed() {
    let h = Home::new();
    add(&h, "ann@example.com", "password-one", &[]);
    let r = h.ok(
        &[
            "users",
            "key",
            "create",
            "ann@example.com",
            "--name",
            "phone",
        ],
        None,
    );
    let key = r.stdout.trim();
    assert_eq!(r.stdout, format!("{key}\n"), "the key alone on stdout");
    assert!(key.starts_with("ck_"), "{r:?}");
    assert!(
        r.stderr.contains("phone") && !r.stderr.contains(key),
        "{r:?}"
    );
    let a = accounts(&h);
    let who = block(a.key_user(key))
        .unwrap()
        .expect("the key names its user");
    assert_eq!(who.email, "ann@example.com");

    let keys = h.json(&["users", "key", "list", "ann@example.com", "--json"]);
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["name"], "phone");
    assert!(key.starts_with(keys[0]["prefix"].as_str().unwrap()));
    let listed = h
        .ok(&["users", "key", "list", "ann@example.com"], None)
        .stdout;
    assert!(!listed.contains(key), "never the key: {listed}");
    let id = keys[0]["id"].as_str().unwrap();

    let r = h.run(&["users", "key", "rm", "ann@example.com", "key_nope"], None);
    assert_eq!(r.code, 2, "{r:?}");
    h.ok(&["users", "key", "rm", "ann@example.com", id], None);
    assert!(block(a.key_user(key)).unwrap().is_none());
    let r = h.run(
        &["users", "key", "create", "ann@example.com", "--name", " "],
        None,
    );
    assert_eq!(r.code, 2, "{r:?}");
}

/// Ann (the first admin) and Bob each ask once; each sees only their own session.
fn two_users_apart(h: &Home) {
    add(h, "ann@example.com", "password-one", &[]);
    add(h, "bob@example.com", "password-two", &[]);
    h.ok(&["ask", "from ann"], None);
    h.ok(&["--user", "bob@example.com", "ask", "from bob"], None);
    let ann = session_ids(h, &[]);
    let bob = session_ids(h, &["--user", "Bob@Example.com"]);
    assert_eq!((ann.len(), bob.len()), (1, 1), "{ann:?} {bob:?}");
    assert_ne!(ann, bob);
    assert_eq!(session_ids(h, &["--user", "ann@example.com"]), ann);
    // usage is each one's own; --all is everyone's, with their emails
    let requests = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["usage", "--json"]);
        let v = h.json(&args);
        v["total"]["requests"].as_u64().unwrap()
    };
    assert_eq!(requests(&[]), 1);
    assert_eq!(requests(&["--user", "bob@example.com"]), 1);
    let v = h.json(&["usage", "--days", "2", "--json"]);
    assert_eq!(
        v["total"]["requests"], 1,
        "without --all only the actor's: {v}"
    );
    let mut args = vec!["usage", "--all", "--json"];
    let v = h.json(&args);
    assert_eq!(v["total"]["requests"], 2, "{v}");
    let emails: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["email"].as_str())
        .collect();
    assert!(
        emails.contains(&"ann@example.com") && emails.contains(&"bob@example.com"),
        "{v}"
    );
    args.truncate(2);
    let table = h.ok(&args, None);
    assert!(
        table.stdout.contains("ACCOUNT") && table.stdout.contains("bob@example.com"),
        "{table:?}"
    );
    assert!(table.stderr.contains("2 requests"), "{table:?}");
    let r = h.run(&["usage", "--since", "last week"], None);
    assert!(r.code == 2 && r.stderr.contains("YYYY-MM-DD"), "{r:?}");
    // CLAUDED_USER does what --user does
    let mut c = h.cmd(&["sessions", "list", "--json"]);
    c.env("CLAUDED_USER", "bob@example.com");
    let r = crate::support::run_cmd(c, None);
    assert!(
        r.stdout.contains(&bob[0]) && !r.stdout.contains(&ann[0]),
        "{r:?}"
    );
    // another user's session cannot be named either
    let r = h.run(
        &["--user", "bob@example.com", "sessions", "show", &ann[0]],
        None,
    );
    assert_eq!(r.code, 2, "{r:?}");
    let r = h.run(&["sessions", "rm", &bob[0]], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(session_ids(h, &["--user", "bob@example.com"]), bob);
    // an unknown user is an error, not an empty list
    let r = h.run(&["--user", "nobody@example.com", "sessions", "list"], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("nobody@example.com") && r.stderr.contains("users list"),
        "{r:?}"
    );
    // the store's own commands see every row: a copy holds both sessions
    let copy = h.path().join("copy.db");
    let from = match &h.database_url {
        Some(url) => url.clone(),
        None => h.db().display().to_string(),
    };
    h.ok(
        &[
            "--user",
            "bob@example.com",
            "db",
            "copy",
            "--from",
            &from,
            "--to",
            copy.to_str().unwrap(),
        ],
        None,
    );
    let copied = block(async {
        let s = Store::connect(&Database::Sqlite(copy), false).await?;
        s.session_ids().await
    })
    .unwrap();
    assert_eq!(copied.len(), 2, "{copied:?}");
}

#[test]
fn user_scopes_what_every_command_sees() {
    two_users_apart(&Home::new());
}

#[test]
fn user_scopes_what_every_command_sees_on_postgresql() {
    let Some(h) = Home::on_postgres() else {
        eprintln!("skipped: no PostgreSQL server (set CLAUDED_TEST_PG_URL or run tests/run.sh)");
        return;
    };
    two_users_apart(&h);
    let r = h.ok(
        &["users", "key", "create", "bob@example.com", "--name", "ci"],
        None,
    );
    let who = block(accounts(&h).key_user(r.stdout.trim()))
        .unwrap()
        .unwrap();
    assert_eq!(who.email, "bob@example.com");
    assert!(!h.db().exists(), "nothing went to a SQLite file");
}

#[test]
fn bad_account_settings_are_configuration_errors() {
    let h = Home::new();
    for (var, value) in [
        ("CLAUDED_REGISTRATION", "bogus"),
        ("CLAUDED_SHARE_SERVER_KEY", "perhaps"),
        ("CLAUDED_TRUSTED_PROXIES", "10.0.0.0/99"),
    ] {
        let mut c = h.cmd(&["users", "list"]);
        c.env(var, value);
        let r = crate::support::run_cmd(c, None);
        assert_eq!(r.code, 3, "{var}: {r:?}");
        assert!(r.stderr.contains(var) && r.stderr.contains(value), "{r:?}");
    }
}

/// The lines `serve` prints at start, up to the one about the server key and `more` after it.
fn serve_key_line(h: &Home, env: &[(&str, &str)], more: usize) -> String {
    use std::io::BufRead;
    let mut c = h.cmd(&["serve", "--port", "0"]);
    for (k, v) in env {
        c.env(k, v);
    }
    let mut s = crate::support::serve(c);
    let mut said = String::new();
    let mut after = None;
    while after.is_none_or(|n| n < more) {
        let mut line = String::new();
        assert!(s.stderr.read_line(&mut line).unwrap() > 0, "{said}");
        after = match after {
            Some(n) => Some(n + 1),
            None => line.contains("server key").then_some(0),
        };
        said.push_str(&line);
    }
    said
}

#[test]
fn serve_says_where_its_server_key_comes_from_and_never_the_key() {
    let h = Home::new();
    let said = serve_key_line(&h, &[], 0);
    let file = h.path().join("secret.key");
    assert!(
        said.contains(&format!("key file {}", file.display())),
        "{said}"
    );
    assert!(SecretBox::file_is_private(&file), "made 0600");
    let key = std::fs::read_to_string(&file).unwrap();
    assert!(!said.contains(key.trim()), "{said}");

    // WebEDT's SESSION_SECRET in ./.env, which serve reads
    std::fs::write(
        h.path().join(".env"),
        "SESSION_SECRET=webedt-secret-value\n",
    )
    .unwrap();
    let said = serve_key_line(&h, &[], 0);
    assert!(said.contains("SESSION_SECRET in ./.env"), "{said}");
    let said = serve_key_line(&h, &[("CLAUDED_SECRET_KEY", "the-environment-wins")], 0);
    assert!(
        said.contains("environment variable CLAUDED_SECRET_KEY"),
        "{said}"
    );
    assert!(!said.contains("webedt-secret-value") && !said.contains("the-environment-wins"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::remove_file(h.path().join(".env")).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let said = serve_key_line(&h, &[], 1);
        assert!(
            said.contains("warning: others may read the server key file")
                && said.contains(&format!("chmod 600 {}", file.display())),
            "{said}"
        );
    }
}
