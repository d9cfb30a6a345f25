//! Credentials and repositories: the GitHub token goes only to GitHub's hosts, runs clone only
//! what they may, and keys stay where they were configured.

use crate::support::fake_anthropic::tool_use_events;
use crate::support::server::{Setup, TestServer};
use crate::support::{Home, Reply, bare_remote, finish, run_in, serve};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "ghp_test_0123456789abcdef";

/// A request head a [`Sink`] received.
#[derive(Debug, Clone)]
struct Head {
    line: String,
    headers: Vec<(String, String)>,
}

/// A loopback HTTP listener that records every request head and answers 401 asking for Basic
/// credentials (as git servers do), or redirects every request to `redirect` + its path.
struct Sink {
    url: String,
    heads: Arc<Mutex<Vec<Head>>>,
}

impl Sink {
    async fn start(redirect: Option<String>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads: Arc<Mutex<Vec<Head>>> = Default::default();
        let seen = heads.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (seen, redirect) = (seen.clone(), redirect.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut tmp = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    let mut lines = text.split("\r\n");
                    let line = lines.next().unwrap_or_default().to_owned();
                    let headers = lines
                        .take_while(|l| !l.is_empty())
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                    seen.lock().unwrap().push(Head { line, headers });
                    let answer = match redirect {
                        Some(to) => format!(
                            "HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}{path}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        ),
                        None => "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm=\"sink\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                    };
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self { url, heads }
    }

    /// `127.0.0.1:PORT`.
    fn authority(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    fn heads(&self) -> Vec<Head> {
        self.heads.lock().unwrap().clone()
    }

    /// Every `Authorization` header received.
    fn authorizations(&self) -> Vec<String> {
        self.heads()
            .iter()
            .flat_map(|h| h.headers.iter())
            .filter(|(k, _)| k == "authorization")
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clone_from_another_host_never_gets_the_token() {
    let h = Home::new();
    let sink = Sink::start(None).await;
    // an allowed API host on loopback: another port of the same address is still another host
    let api = Sink::start(None).await;
    let url = format!("{}/x.git", sink.url);
    let args = ["run", "anything", "--repo", &url, "--yes"];
    let r = run_in(&h, &args, Some(&api.url), Some(TOKEN)).await;
    assert_eq!(r.code, 1, "{r:?}");
    let refusal = format!("not sending the GitHub token to {}", sink.authority());
    assert!(
        r.stderr.contains(&refusal) && r.stderr.contains("github_hosts"),
        "{r:?}"
    );
    assert!(!sink.heads().is_empty(), "the sink asked for credentials");
    assert_eq!(
        sink.authorizations(),
        Vec::<String>::new(),
        "{:?}",
        sink.heads()
    );
    assert!(!r.stderr.contains(TOKEN), "{r:?}");
    assert!(
        h.fake.message_requests().is_empty(),
        "refused before Claude"
    );
}

fn script_one_file(h: &Home) {
    h.fake.push(Reply::text(
        r#"{"title": "Add Notes", "branch": "add-notes"}"#,
    ));
    h.fake.push(Reply::Events(tool_use_events(&[(
        "t1",
        "filesystem__write_file",
        json!({"path": "NOTES.md", "content": "notes\n"}),
    )])));
    h.fake.push(Reply::text("Added NOTES.md."));
    h.fake.push(Reply::text("Add notes"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_redirected_to_another_host_gets_no_token() {
    let h = Home::new();
    let remote = bare_remote(h.path());
    script_one_file(&h);
    let sink = Sink::start(None).await;
    let api = Sink::start(Some(sink.url.clone())).await;
    let remote = remote.to_str().unwrap();
    let args = [
        "run",
        "Add notes",
        "--repo",
        remote,
        "--pr",
        "--pr-repo",
        "o/r",
        "--yes",
    ];
    let r = run_in(&h, &args, Some(&api.url), Some(TOKEN)).await;
    assert_eq!(r.code, 1, "{r:?}");
    let refusal = format!("not sending the GitHub token to {}", sink.authority());
    assert!(
        r.stderr
            .contains(&format!("the pull request failed: {refusal}")),
        "{r:?}"
    );
    assert_eq!(
        api.authorizations(),
        vec![format!("Bearer {TOKEN}")],
        "the API host itself gets it"
    );
    assert!(sink.heads().is_empty(), "the redirect was not followed");
}

async fn execute(s: &TestServer, repo_url: &str) -> (u16, String) {
    let r = s
        .http
        .post(s.url("/api/execute-remote"))
        .json(&json!({"userRequest": "Add notes", "github": {"repoUrl": repo_url}}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Refused with `why`: a 400 before the run, or the run's `error` event.
fn refused(status: u16, body: &str, why: &str) {
    match status {
        400 => assert!(body.contains(why), "{why}: {body}"),
        200 => assert!(
            body.contains("event: error") && body.contains(why),
            "{why}: {body}"
        ),
        other => panic!("{why}: status {other}: {body}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_clones_only_remote_https_repositories() {
    let mut setup = Setup::default();
    setup.options.allow_local_repos = false;
    setup.options.github_token = Some(TOKEN.into());
    let s = TestServer::start_with(setup).await;
    let remote = bare_remote(s.dir.path());
    let sink = Sink::start(None).await;
    let path = remote.to_str().unwrap().to_owned();
    let cases = [
        (path.clone(), "local repositories are refused"),
        (format!("file://{path}"), "local repositories are refused"),
        ("ext::sh -c touch% /tmp/pwned".into(), "ext:: transport"),
        ("git@github.com:o/r.git".into(), "ssh"),
        ("ssh://git@github.com/o/r.git".into(), "ssh"),
        ("https://x:y@github.com/o/r".into(), "credentials"),
        (
            "--upload-pack=touch /tmp/pwned".into(),
            "looks like an option",
        ),
        (format!("{}/x.git", sink.url), "plain http"),
    ];
    for (url, why) in &cases {
        let (status, body) = execute(&s, url).await;
        refused(status, &body, why);
    }
    assert!(sink.heads().is_empty(), "nothing reached the sink");
    assert!(
        s.fake.message_requests().is_empty(),
        "no run got as far as Claude"
    );
    let clones = std::fs::read_dir(s.dir.path().join("workspaces"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(clones, 0, "nothing was cloned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_never_sends_the_token_to_another_host() {
    // the test servers allow local repositories, and so loopback http to any port
    let mut setup = Setup::default();
    setup.options.github_token = Some(TOKEN.into());
    let s = TestServer::start_with(setup).await;
    let sink = Sink::start(None).await;
    let (status, body) = execute(&s, &format!("{}/x.git", sink.url)).await;
    refused(
        status,
        &body,
        &format!("not sending the GitHub token to {}", sink.authority()),
    );
    assert!(!sink.heads().is_empty(), "the sink asked for credentials");
    assert_eq!(sink.authorizations(), Vec::<String>::new());
    assert!(!body.contains(TOKEN));
}

fn client() -> reqwest::Client {
    clauded::anthropic::init_tls();
    reqwest::Client::new()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_its_token_from_a_file_and_keeps_it_out_of_ps() {
    let h = Home::new();
    let file = h.path().join("server-token");
    std::fs::write(&file, "s3rv3r-t0ken-from-file\n").unwrap();
    let s = serve(h.cmd(&[
        "serve",
        "--port",
        "0",
        "--token-file",
        file.to_str().unwrap(),
    ]));
    let http = client();
    let projects = format!("{}/v1/projects", s.url);
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(http.get(&projects).send().await.unwrap()), 401);
    let r = http
        .get(&projects)
        .bearer_auth("s3rv3r-t0ken-from-file")
        .send()
        .await
        .unwrap();
    assert_eq!(status(r), 200, "the newline is not part of the token");
    #[cfg(target_os = "linux")]
    {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", s.child.id())).unwrap();
        assert!(!String::from_utf8_lossy(&cmdline).contains("s3rv3r"));
    }

    let help = h.ok(&["serve", "--help"], None).stdout;
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("visible to other users in `ps`"), "{help}");
    let empty = h.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    for (args, why) in [
        (vec!["--token-file", empty.to_str().unwrap()], "is empty"),
        (
            vec!["--token-file", "/no/such/file"],
            "cannot read --token-file /no/such/file",
        ),
        (
            vec!["--token", "t", "--token-file", file.to_str().unwrap()],
            "cannot be used with",
        ),
    ] {
        let mut all = vec!["serve", "--port", "0"];
        all.extend(args);
        let r = h.run(&all, None);
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains(why), "{why}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_clones_local_repositories_only_when_allowed() {
    let h = Home::new();
    let remote = bare_remote(h.path());
    let body =
        json!({"userRequest": "Nothing to do", "github": {"repoUrl": remote.to_str().unwrap()}});
    let http = client();
    for (flag, want) in [
        (None, "local repositories are refused"),
        (Some("--allow-local-repos"), "event: completed"),
    ] {
        let mut c = h.cmd(&["serve", "--port", "0"]);
        c.args(flag).env("WORKSPACE_DIR", h.path().join("ws"));
        let s = serve(c);
        let r = http
            .post(format!("{}/api/execute-remote", s.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, text) = (r.status().as_u16(), r.text().await.unwrap());
        match want {
            "event: completed" => assert!(text.contains(want), "{text}"),
            why => refused(status, &text, why),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_serve_reads_dotenv_by_itself_and_env_file_reads_one_explicitly() {
    let h = Home::new();
    let sink = Sink::start(None).await;
    // the fake is the configured upstream, below an env file: a .env that is read wins over it
    let cfg = std::fs::read_to_string(h.path().join("config.toml")).unwrap();
    let cfg = format!("{cfg}base_url = \"{}\"\n", h.fake.url());
    std::fs::write(h.path().join("config.toml"), cfg).unwrap();
    let repo = h.path().join("cloned-repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join(".env"),
        format!("ANTHROPIC_BASE_URL={}\n", sink.url),
    )
    .unwrap();
    let in_repo = |args: &[&str]| {
        let mut c = h.cmd(args);
        c.env_remove("ANTHROPIC_BASE_URL").current_dir(&repo);
        c
    };

    let r = finish(in_repo(&["ask", "hi"])).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(sink.heads().len(), 0, "ask never contacted the .env's host");
    let sent = h.fake.message_requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-api-key"), h.key.as_deref());

    let r = finish(in_repo(&["ask", "hi", "--env-file", ".env"])).await;
    assert_ne!(r.code, 0, "the sink refuses: {r:?}");
    let heads = sink.heads();
    assert_eq!(heads.len(), 1, "--env-file reads it: {heads:?}");
    assert!(heads[0].line.starts_with("POST /v1/messages"), "{heads:?}");

    let s = serve(in_repo(&["serve", "--port", "0"]));
    let r = client()
        .post(format!("{}/v1/chat/completions", s.url))
        .json(&json!({"messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status().as_u16(), 200);
    let heads = sink.heads();
    assert_eq!(heads.len(), 2, "serve read ./.env: {heads:?}");
    assert!(heads[1].line.starts_with("POST /v1/messages"), "{heads:?}");
    assert_eq!(h.fake.message_requests().len(), 1);
}
