//! Rough edges a new user meets first: closed pipes, JSON shapes, short ids, messages.

use crate::support::{Home, Reply, Run};
use serde_json::{Value, json};
use std::process::{Command, Stdio};

/// Runs `c` with stdout a pipe whose reading end is already closed (`| head` that left).
#[cfg(unix)]
fn run_into_closed_pipe(mut c: Command) -> Run {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: pipe writes two new descriptors into the array we own.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just made and are owned only here.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let out = c
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(unix)]
#[test]
fn writing_into_a_closed_pipe_ends_quietly_with_status_0() {
    let h = Home::new();
    h.fake
        .push(Reply::text(&"a long answer line\n".repeat(2000)));
    h.ok(&["ask", "tell me a lot"], None);
    let id = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        vec!["sessions", "show", id.as_str()],
        vec!["sessions", "list"],
        vec!["sessions", "export", id.as_str()],
        vec!["config", "show"],
        vec!["mcp", "list"],
    ] {
        let r = run_into_closed_pipe(h.cmd(&args));
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert_eq!(r.stderr, "", "{args:?}: {r:?}");
    }
}

#[test]
fn ask_json_gives_message_id_one_type_in_every_event() {
    let h = Home::new();
    h.fake.push(Reply::text("one two"));
    let r = h.ok(&["ask", "--json", "hi"], None);
    let ids: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|e| e.get("message_id").cloned())
        .collect();
    assert_eq!(ids.len(), 2, "start and done: {r:?}");
    assert!(ids.iter().all(Value::is_string), "{ids:?}");
    assert_eq!(ids[0], ids[1], "the same message: {ids:?}");
    assert_eq!(ids[0], json!("msg_fake01"));
}

#[test]
fn short_ids_in_sessions_list_are_unique_and_resolve() {
    let h = Home::new();
    let mut c = h.cmd(&["serve", "--demo", "--port", "0"]);
    c.stdin(Stdio::null());
    drop(crate::support::serve(c));
    let text = h.ok(&["sessions", "list"], None).stdout;
    let shown: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(shown, ["demo-session-2", "demo-session-1"], "{text}");
    for id in shown {
        h.ok(&["sessions", "show", id], None);
    }
}

#[test]
fn config_show_names_the_source_of_every_value() {
    let h = Home::new();
    let cfg = h.path().join("config.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("max_tokens = 1234\ngit_co_author = \"A <a@example.com>\"\n");
    std::fs::write(&cfg, text).unwrap();
    let shown = h.ok(&["config", "show"], None).stdout;
    for line in shown.lines() {
        assert!(line.contains("  # "), "no source on {line:?}:\n{shown}");
    }
    let line = |k: &str| {
        shown
            .lines()
            .find(|l| l.split_whitespace().next() == Some(k))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("max_tokens").ends_with("# file"), "{shown}");
    assert!(line("initial_backoff_ms").ends_with("# file"), "{shown}");
    assert!(line("models_cache_secs").ends_with("# default"), "{shown}");
    assert!(line("api_key").ends_with("# env"), "{shown}");
    let v = h.json(&["config", "show", "--json"]);
    assert_eq!(v["sources"]["max_tokens"], json!("file"));
    assert_eq!(v["sources"]["api_key"], json!("env"));
}

#[test]
fn mcp_add_list_and_tools_say_what_they_mean() {
    let h = Home::new();
    let r = h.ok(
        &[
            "mcp",
            "add",
            "hello",
            "--env",
            "TOKEN=hunter2",
            "--",
            "echo",
            "hi",
        ],
        None,
    );
    assert!(
        r.stdout
            .starts_with("added MCP server hello (stdio: echo hi with TOKEN=***), id "),
        "{r:?}"
    );
    assert!(!r.stdout.contains("hunter2"), "{r:?}");

    let list = h.ok(&["mcp", "list"], None).stdout;
    let row = |name: &str| {
        list.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row("bash").contains("with --mcp bash; in every run"),
        "{list}"
    );
    assert!(row("hello").contains("with --mcp hello"), "{list}");
    assert!(!list.contains(" yes "), "no bare 'enabled yes': {list}");

    let tools = h.ok(&["mcp", "tools", "filesystem"], None).stdout;
    let mut lines = tools.lines();
    let header = lines.next().unwrap();
    let col = |l: &str, word: &str| l.find(word).unwrap();
    let (ro, desc) = (col(header, "READ-ONLY"), col(header, "DESCRIPTION"));
    for l in lines {
        let cells: Vec<usize> = l
            .char_indices()
            .filter(|&(i, c)| c != ' ' && i > 0 && l.as_bytes()[i - 1] == b' ')
            .map(|(i, _)| i)
            .collect();
        assert!(cells.contains(&ro) && cells.contains(&desc), "{tools}");
    }
}

#[test]
fn serve_help_shows_no_empty_env_values() {
    let h = Home::new();
    let help = h.ok(&["serve", "--help"], None).stdout;
    assert!(help.contains("[env: ALLOWED_ORIGINS]"), "{help}");
    assert!(!help.contains("=]"), "{help}");
}

#[test]
fn auth_login_checks_the_key_with_one_models_request() {
    let mut h = Home::new();
    h.key = None;
    let key = "sk-ant-api03-checked-key-00000abcd";
    let models_gets = |h: &Home| {
        h.fake
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/v1/models"))
            .count()
    };

    // refused: not stored, exit 4
    h.fake.set_models_error(401, "authentication_error");
    let r = h.run(&["auth", "login"], Some(&format!("{key}\n")));
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("nothing was stored"), "{r:?}");
    assert!(!h.path().join("credentials.toml").exists());
    assert_eq!(models_gets(&h), 1);

    // accepted: stored, and it says so
    let h = {
        let mut ok = Home::new();
        ok.key = None;
        ok
    };
    h.fake.set_models(&["claude-test"]);
    let r = h.ok(&["auth", "login"], Some(&format!("{key}\n")));
    assert!(r.stderr.contains("the key works"), "{r:?}");
    assert_eq!(models_gets(&h), 1, "one request");
    let sent = h.fake.requests().pop().unwrap();
    assert_eq!(sent.header("x-api-key"), Some(key));

    // the API cannot be reached: stored with a warning
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut c = h.cmd(&["auth", "login"]);
    c.env("ANTHROPIC_BASE_URL", &url);
    let r = crate::support::run_cmd(c, Some("sk-ant-api03-offline-key-0000efgh\n"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("warning: could not check the key (cannot reach"),
        "{r:?}"
    );
    let status = h.ok(&["auth", "status"], None).stdout;
    assert!(status.contains("sk-ant-…efgh"), "{status}");
}

/// A clone of a fresh bare remote in `<home>/work`, with the home's git identity.
fn work_clone(h: &Home) -> std::path::PathBuf {
    std::fs::write(
        h.path().join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n",
    )
    .unwrap();
    let remote = crate::support::bare_remote(h.path());
    let work = h.path().join("work");
    crate::support::git(
        h.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    work
}

#[test]
fn a_run_that_changed_nothing_goes_back_and_a_refused_one_leaves_no_session() {
    let h = Home::new();
    let work = work_clone(&h);
    let git = |args: &[&str]| crate::support::git(&work, args);

    h.fake.push(Reply::text(
        r#"{"title": "Look around", "branch": "look-around"}"#,
    ));
    h.fake.push(Reply::text("Everything is fine already."));
    let mut c = h.cmd(&["run", "Look around", "--yes"]);
    c.current_dir(&work);
    let r = crate::support::run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("branch   none: nothing changed"), "{r:?}");
    assert_eq!(git(&["rev-parse", "--abbrev-ref", "HEAD"]).trim(), "main");
    assert_eq!(
        git(&["branch", "--list", "clauded/*"]).trim(),
        "",
        "deleted"
    );

    // a follow-up of that run works on the run's branch again, never on main
    h.fake.push(Reply::Events(
        crate::support::fake_anthropic::tool_use_events(&[(
            "t1",
            "filesystem__write_file",
            json!({"path": "notes.txt", "content": "checked\n"}),
        )]),
    ));
    h.fake.push(Reply::text("Wrote a note."));
    h.fake.push(Reply::text("Add a note"));
    let sid = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut c = h.cmd(&["run", "Anything else?", "--yes", "--session", &sid]);
    c.current_dir(&work);
    let r = crate::support::run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        git(&["rev-parse", "--abbrev-ref", "HEAD"])
            .trim()
            .starts_with("clauded/look-around-"),
        "{r:?}"
    );
    assert_eq!(git(&["log", "--format=%s", "-1"]).trim(), "Add a note");
    assert!(r.stdout.contains("(1 file: notes.txt)"), "{r:?}");
    git(&["checkout", "-q", "main"]);

    // refused before it starts: no session is left behind
    let before = h
        .json(&["sessions", "list", "--json"])
        .as_array()
        .unwrap()
        .len();
    std::fs::write(work.join("README.md"), "# Widgets\n\nmy own edit\n").unwrap();
    let mut c = h.cmd(&["run", "Add a thing", "--yes"]);
    c.current_dir(&work);
    let r = crate::support::run_cmd(c, None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("uncommitted changes (1 file)"), "{r:?}");
    let after = h
        .json(&["sessions", "list", "--json"])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before, "no empty session");
}

#[test]
fn markdown_export_fences_what_was_piped() {
    let h = Home::new();
    let diff =
        "diff --git a/README.md b/README.md\n@@ -1 +1 @@\n-# Old\n+# New\n+```sh\n+make\n+```\n";
    h.ok(&["ask", "Review this"], Some(diff));
    h.ok(&["ask", "-c", "and # this is *not* piped"], None);
    let id = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let md = h.ok(&["sessions", "export", &id], None).stdout;
    assert!(
        md.contains(&format!(
            "## User\n\nReview this\n\n````diff\n{}\n````\n",
            diff.trim_end()
        )),
        "{md}"
    );
    assert!(
        md.contains("## User\n\nand # this is *not* piped\n"),
        "{md}"
    );
    // what Claude got is unchanged
    assert_eq!(
        h.fake.message_requests()[0].last_user_text(),
        format!("Review this\n\n{}", diff.trim_end())
    );
}

#[test]
fn claudes_last_text_ends_its_line_before_the_runs_status_lines() {
    let h = Home::new();
    let work = work_clone(&h);
    h.fake
        .push(Reply::text(r#"{"title": "Note", "branch": "note"}"#));
    h.fake.push(Reply::Events(
        crate::support::fake_anthropic::tool_use_events(&[(
            "t1",
            "filesystem__write_file",
            json!({"path": "notes.txt", "content": "hi\n"}),
        )]),
    ));
    h.fake.push(Reply::text("Wrote the note (11 bytes)"));
    h.fake.push(Reply::text("Add a note"));
    // stdout and stderr into one file, as a terminal shows them
    let log = h.path().join("both.log");
    let file = std::fs::File::create(&log).unwrap();
    let mut c = h.cmd(&["run", "Write a note", "--yes"]);
    c.current_dir(&work)
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file);
    assert!(c.status().unwrap().success());
    let both = std::fs::read_to_string(&log).unwrap();
    assert!(both.contains("Wrote the note (11 bytes)\n"), "{both}");
    assert!(!both.contains("bytes)Looking"), "{both}");
    assert!(both.contains("commit   "), "{both}");
    assert!(both.contains("(1 file: notes.txt)"), "{both}");
}
