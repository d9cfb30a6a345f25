//! `clauded run` against local bare remotes, checked with the real `git`, and a fake GitHub.

use crate::support::fake_anthropic::tool_use_events;
use crate::support::fake_github::FakeGitHub;
use crate::support::git_http::GitHttp;
use crate::support::{Home, Reply, bare_remote, git, run_cmd, run_in};
use serde_json::{Value, json};

fn identity(h: &Home) {
    std::fs::write(
        h.path().join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n",
    )
    .unwrap();
}

/// The scripted Claude of a run: title, one file written, an edit, a summary, a commit subject.
fn script_dark_mode(h: &Home) {
    h.fake.push(Reply::text(
        r#"{"title": "Add Dark Mode Toggle", "branch": "dark-mode-toggle"}"#,
    ));
    h.fake.push(Reply::Events(tool_use_events(&[
        ("t1", "filesystem__write_file", json!({"path": "theme.js", "content": "export const toggle = () => document.body.classList.toggle('dark');\n"})),
        ("t2", "filesystem__edit_file", json!({"path": "app.css", "old_text": "color: black;", "new_text": "color: black; }\nbody.dark { color: white;"})),
    ])));
    h.fake.push(Reply::text("Added a dark mode toggle."));
    h.fake.push(Reply::text("Add dark mode toggle"));
}

fn session_events(h: &Home) -> Vec<Value> {
    let list = h.json(&["sessions", "list", "--json"]);
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let db = rusqlite::Connection::open(h.db()).unwrap();
    let mut st = db
        .prepare("SELECT data FROM events WHERE session_id = ?1 ORDER BY id")
        .unwrap();
    st.query_map([id], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| serde_json::from_str(&r.unwrap()).unwrap())
        .collect()
}

/// `clauded run "Add dark mode toggle" --repo REMOTE --pr --pr-repo acme/widgets --yes` and
/// `extra`, against the fake GitHub `gh` with `token`.
async fn run_with_pr(
    h: &Home,
    remote: &std::path::Path,
    gh: &FakeGitHub,
    token: &str,
    extra: &[&str],
) -> crate::support::Run {
    let mut args = vec![
        "run",
        "Add dark mode toggle",
        "--repo",
        remote.to_str().unwrap(),
        "--pr",
        "--pr-repo",
        "acme/widgets",
        "--yes",
    ];
    args.extend(extra);
    run_in(h, &args, Some(&gh.url), Some(token)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_commits_pushes_and_opens_a_pull_request() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    script_dark_mode(&h);
    let gh = FakeGitHub::start(false).await;
    let r = run_with_pr(&h, &remote, &gh, FakeGitHub::TOKEN, &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Added a dark mode toggle."), "{r:?}");
    assert!(
        r.stdout
            .contains("pr       https://github.example/acme/widgets/pull/42"),
        "{r:?}"
    );

    let branches = git(
        &remote,
        &["branch", "--list", "clauded/*", "--format=%(refname:short)"],
    );
    let branch = branches.trim();
    let sid = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let suffix: String = sid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    assert_eq!(branch, format!("clauded/dark-mode-toggle-{suffix}"));
    let log = git(&remote, &["log", "-1", "--format=%s|%an <%ae>|%P", branch]);
    let parts: Vec<&str> = log.trim().split('|').collect();
    assert_eq!(parts[0], "Add dark mode toggle");
    assert_eq!(
        parts[1], "Test User <test@example.com>",
        "the user's identity, never rewritten"
    );
    assert_eq!(
        parts[2],
        git(&remote, &["rev-parse", "main"]).trim(),
        "one commit on top of main"
    );
    assert!(
        git(&remote, &["show", &format!("{branch}:theme.js")]).contains("classList.toggle('dark')")
    );
    assert!(
        git(&remote, &["show", &format!("{branch}:app.css")]).contains("body.dark { color: white;")
    );
    assert!(
        !git(&remote, &["log", "-1", "--format=%B", branch]).contains("Co-authored-by"),
        "no trailer unless configured"
    );

    let prs = gh.state.lock().unwrap().requests.clone();
    assert_eq!(prs.len(), 1);
    assert_eq!(prs[0].1, "/repos/acme/widgets/pulls");
    assert_eq!(
        (prs[0].2["head"].clone(), prs[0].2["base"].clone()),
        (json!(branch), json!("main"))
    );
    assert_eq!(prs[0].2["title"], json!("Add Dark Mode Toggle"));
    assert_eq!(prs[0].2["draft"], json!(true), "a draft unless --ready");
    let body = prs[0].2["body"].as_str().unwrap();
    assert!(
        body.starts_with("Add dark mode toggle\n\n---\nMade with clauded"),
        "no template in this repository: {body:?}"
    );
    assert_eq!(gh.state.lock().unwrap().pulls[0].1["draft"], json!(true));

    let kinds: Vec<String> = session_events(&h)
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect();
    let order = [
        "input_preview",
        "title_generation",
        "branch_created",
        "session_name",
        "assistant",
        "tool_result",
        "result",
        "commit_progress",
        "pull_request",
        "completed",
    ];
    let mut at = 0;
    for k in order {
        at += kinds[at..]
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("{k} missing after position {at}: {kinds:?}"));
    }
    let show = h.ok(&["sessions", "show", &sid[..8]], None).stdout;
    assert!(
        show.contains("Add dark mode toggle") && show.contains("Added a dark mode toggle."),
        "{show}"
    );
    let list = h.json(&["sessions", "list", "--json"]);
    assert_eq!(list[0]["status"], json!("completed"));
    assert_eq!(list[0]["title"], json!("Add Dark Mode Toggle"));
}

/// A repository without drafts (GitHub Free's private ones) refuses the draft with a 422: the
/// pull request is opened ready instead, and the run says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_without_drafts_gets_the_pull_request_ready() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    script_dark_mode(&h);
    let gh = FakeGitHub::start(false).await;
    gh.state.lock().unwrap().no_drafts = true;
    let r = run_with_pr(&h, &remote, &gh, FakeGitHub::TOKEN, &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("/acme/widgets/pull/42"), "{r:?}");
    let st = gh.state.lock().unwrap();
    let posts: Vec<_> = st.requests.iter().filter(|q| q.0 == "POST").collect();
    assert_eq!(posts.len(), 2, "a draft, then ready: {:?}", st.requests);
    assert_eq!(
        (posts[0].2["draft"].clone(), posts[1].2["draft"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(st.pulls.len(), 1);
    assert_eq!(st.pulls[0].1["draft"], json!(false));
    drop(st);
    let said = session_events(&h)
        .into_iter()
        .find(|e| e["type"] == json!("pull_request"))
        .expect("a pull_request event");
    assert!(
        said["message"]
            .as_str()
            .unwrap()
            .contains("no draft pull requests"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_opens_the_pull_request_for_review_and_it_starts_with_the_repos_template() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    // the template on the remote's main, named in GitHub's upper-case spelling
    let seed = h.path().join("seed");
    std::fs::create_dir_all(seed.join(".github")).unwrap();
    std::fs::write(
        seed.join(".github/PULL_REQUEST_TEMPLATE.md"),
        "## What changed\n\n## How it was tested\n",
    )
    .unwrap();
    git(&seed, &["add", "."]);
    git(
        &seed,
        &["commit", "-q", "-m", "Add a pull request template"],
    );
    git(&seed, &["push", "-q", remote.to_str().unwrap(), "main"]);

    let r = h.run(&["run", "anything", "--ready"], None);
    assert_eq!(r.code, 2, "--ready without --pr is a usage error: {r:?}");
    assert!(r.stderr.contains("--pr"), "{r:?}");

    script_dark_mode(&h);
    let gh = FakeGitHub::start(false).await;
    let r = run_with_pr(&h, &remote, &gh, FakeGitHub::TOKEN, &["--ready"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    let st = gh.state.lock().unwrap();
    assert_eq!(st.requests.len(), 1, "{:?}", st.requests);
    let sent = &st.requests[0].2;
    assert_eq!(sent["draft"], json!(false), "--ready: for review");
    assert_eq!(st.pulls[0].1["draft"], json!(false));
    let body = sent["body"].as_str().unwrap();
    let sid = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        body,
        format!(
            "## What changed\n\n## How it was tested\n\nAdd dark mode toggle\n\n---\n\
             Made with clauded (session `{sid}`)."
        ),
        "the template first, then what the body always says"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_pr_is_reused_and_a_bad_token_is_one_clear_error() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    script_dark_mode(&h);
    let gh = FakeGitHub::start(true).await;
    let r = run_with_pr(&h, &remote, &gh, FakeGitHub::TOKEN, &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("/pull/7"), "{r:?}");

    let h2 = Home::new();
    identity(&h2);
    let remote2 = bare_remote(h2.path());
    script_dark_mode(&h2);
    let gh2 = FakeGitHub::start(false).await;
    let r = run_with_pr(&h2, &remote2, &gh2, "ghp_wrong", &[]).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("GitHub refused the token (401)"), "{r:?}");
    assert_eq!(gh2.state.lock().unwrap().requests.len(), 1, "no retry loop");
    assert!(!r.stderr.contains("ghp_wrong"));
    assert_eq!(
        h2.json(&["sessions", "list", "--json"])[0]["status"],
        json!("error")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_push_leaves_nothing_in_the_remote() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    // libgit2's local transport runs no hooks; a branch named `clauded` makes every
    // `clauded/...` ref impossible to create, so the remote refuses the push
    git(&remote, &["branch", "clauded", "main"]);
    script_dark_mode(&h);
    let r = run_in(
        &h,
        &[
            "run",
            "Add dark mode toggle",
            "--repo",
            remote.to_str().unwrap(),
            "--push",
            "--yes",
        ],
        None,
        None,
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("push failed"), "{r:?}");
    assert_eq!(
        git(&remote, &["branch", "--list", "clauded/*"]).trim(),
        "",
        "nothing half-written"
    );
    assert_eq!(
        git(
            &remote,
            &["for-each-ref", "--format=%(refname)", "refs/heads/"]
        )
        .lines()
        .count(),
        2,
        "main and the blocker only"
    );
    let events = session_events(&h);
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "commit_progress" && e["stage"] == "push_failed")
    );
    assert_eq!(events.last().unwrap()["type"], json!("error"));
    assert_eq!(
        h.json(&["sessions", "list", "--json"])[0]["status"],
        json!("error")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_clone_and_a_claude_error_end_in_error_events() {
    let h = Home::new();
    let r = run_in(
        &h,
        &[
            "run",
            "anything",
            "--repo",
            h.path().join("no-such-repo.git").to_str().unwrap(),
            "--yes",
        ],
        None,
        None,
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("clone failed"), "{r:?}");
    assert_eq!(session_events(&h).last().unwrap()["type"], json!("error"));

    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    h.fake.push(Reply::text(
        r#"{"title": "Break Things", "branch": "break-things"}"#,
    ));
    h.fake.push(
        Reply::error(500, "api_error", "Internal server error").header("x-should-retry", "false"),
    );
    let r = run_in(
        &h,
        &[
            "run",
            "break things",
            "--repo",
            remote.to_str().unwrap(),
            "--push",
            "--yes",
        ],
        None,
        None,
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("Claude failed") && r.stderr.contains("api_error"),
        "{r:?}"
    );
    assert_eq!(
        git(&remote, &["branch", "--list", "clauded/*"]).trim(),
        "",
        "nothing pushed"
    );
    let last = session_events(&h).last().cloned().unwrap();
    assert_eq!(last["type"], json!("error"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_place_refuses_a_dirty_tree_unless_allowed() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    let work = h.path().join("work");
    git(
        h.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::write(work.join("README.md"), "# Widgets\n\nmy own edit\n").unwrap();
    let mut c = h.cmd(&["run", "Add dark mode toggle", "--yes"]);
    c.current_dir(&work);
    let r = tokio::task::spawn_blocking(move || run_cmd(c, None))
        .await
        .unwrap();
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("uncommitted changes") && r.stderr.contains("--allow-dirty"),
        "{r:?}"
    );

    script_dark_mode(&h);
    let mut c = h.cmd(&["run", "Add dark mode toggle", "--yes", "--allow-dirty"]);
    c.current_dir(&work);
    let r = tokio::task::spawn_blocking(move || run_cmd(c, None))
        .await
        .unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    let log = git(&work, &["log", "--format=%s|%an", "-3"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[0], "Add dark mode toggle|Test User");
    assert_eq!(
        lines[1], "Save work in progress before clauded run|Test User",
        "the user's changes, separately"
    );
    assert!(
        git(&work, &["rev-parse", "--abbrev-ref", "HEAD"])
            .trim()
            .starts_with("clauded/dark-mode-toggle-")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_title_falls_back_to_a_local_slug_and_a_configured_co_author_is_added() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    let cfg = std::fs::read_to_string(h.path().join("config.toml")).unwrap();
    std::fs::write(
        h.path().join("config.toml"),
        format!("{cfg}git_co_author = \"Claude <noreply@anthropic.com>\"\n"),
    )
    .unwrap();
    h.fake.push(Reply::error(
        400,
        "invalid_request_error",
        "no titles today",
    ));
    h.fake.push(Reply::Events(tool_use_events(&[(
        "t1",
        "bash__bash",
        json!({"command": "echo '* { margin: 0 }' > reset.css"}),
    )])));
    h.fake.push(Reply::text("Added a CSS reset."));
    h.fake.push(Reply::text(
        "this subject line is far too long to be a commit subject because it rambles on and on",
    ));
    let r = run_in(
        &h,
        &[
            "run",
            "Please add the CSS reset file",
            "--repo",
            remote.to_str().unwrap(),
            "--push",
            "--yes",
            "--json",
        ],
        None,
        None,
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    let events: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let title = events
        .iter()
        .find(|e| e["type"] == "title_generation" && e["status"] == "success")
        .unwrap();
    assert_eq!(
        (title["method"].clone(), title["branch_name"].clone()),
        (json!("local"), json!("add-css-reset-file"))
    );
    assert!(
        events.iter().all(|e| e["id"].is_i64()),
        "NDJSON events carry their ids"
    );
    let branch = git(
        &remote,
        &["branch", "--list", "clauded/*", "--format=%(refname:short)"],
    );
    assert!(
        branch.trim().starts_with("clauded/add-css-reset-file-"),
        "{branch}"
    );
    let msg = git(&remote, &["log", "-1", "--format=%B", branch.trim()]);
    assert!(
        msg.starts_with("Update files\n"),
        "a subject over 72 characters falls back: {msg:?}"
    );
    assert!(
        msg.contains("Co-authored-by: Claude <noreply@anthropic.com>"),
        "{msg:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_over_http_uses_the_token_once_and_a_wrong_one_is_one_clear_error() {
    let h = Home::new();
    identity(&h);
    let remote = bare_remote(h.path());
    git(&remote, &["config", "http.receivepack", "true"]);
    let server = GitHttp::start(h.path(), "ghp_right");
    // the backend is on loopback: the token goes there only when it is a configured GitHub host
    let cfg = std::fs::read_to_string(h.path().join("config.toml")).unwrap();
    std::fs::write(
        h.path().join("config.toml"),
        format!("{cfg}github_hosts = [\"{}\"]\n", server.url),
    )
    .unwrap();

    let r = run_in(
        &h,
        &["run", "anything", "--repo", &server.url, "--yes"],
        None,
        Some("ghp_wrong"),
    )
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("authentication failed") && r.stderr.contains("GITHUB_TOKEN"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("ghp_wrong"));
    let log = server.auth_log();
    assert_eq!(
        log.iter().filter(|l| *l == "bad").count(),
        1,
        "one try with the token, no replay loop: {log:?}"
    );

    server.clear_auth_log();
    script_dark_mode(&h);
    let r = run_in(
        &h,
        &[
            "run",
            "Add dark mode toggle",
            "--repo",
            &server.url,
            "--push",
            "--yes",
        ],
        None,
        Some("ghp_right"),
    )
    .await;
    assert_eq!(r.code, 0, "{r:?}");
    let branch = git(
        &remote,
        &["branch", "--list", "clauded/*", "--format=%(refname:short)"],
    );
    assert!(
        branch.trim().starts_with("clauded/dark-mode-toggle-"),
        "pushed over HTTP with the token: {branch:?}"
    );
    assert!(!server.auth_log().contains(&"bad".to_owned()));
}
