//! Shared test support: the fake Anthropic server and isolated homes for the binary.

pub mod fake_anthropic;
pub mod fake_github;
pub mod git_http;
pub mod pg;
pub mod server;
pub mod users;

pub use fake_anthropic::{Delivery, FakeAnthropic, Reply, text_events};

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Output, Stdio};

/// A temporary `CLAUDED_HOME` with a fake upstream, for driving the binary.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub fake: FakeAnthropic,
    pub key: Option<String>,
    /// `DATABASE_URL` for every command (a PostgreSQL store), when set.
    pub database_url: Option<String>,
}

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Home {
    /// A fresh home, a fresh fake, a test key, fast retries.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "initial_backoff_ms = 10\nmax_backoff_ms = 50\nconnect_timeout_secs = 5\nidle_timeout_secs = 20\n",
        )
        .unwrap();
        Self {
            dir,
            fake: FakeAnthropic::start(),
            key: Some("sk-ant-test-0123456789abcdef".into()),
            database_url: None,
        }
    }

    /// A home whose commands store in a fresh PostgreSQL database; None without a server.
    pub fn on_postgres() -> Option<Self> {
        let url = pg::fresh_database_url()?;
        Some(Self {
            database_url: Some(url),
            ..Self::new()
        })
    }

    /// The home folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The database file.
    pub fn db(&self) -> PathBuf {
        self.path().join("clauded.db")
    }

    /// A command for the binary with a clean, isolated environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_clauded"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("CLAUDED_HOME", self.path())
            .env("CLAUDED_KEYRING", "file")
            .env("ANTHROPIC_BASE_URL", self.fake.url())
            .env("NO_COLOR", "1")
            .current_dir(self.path());
        if let Some(k) = &self.key {
            c.env("ANTHROPIC_API_KEY", k);
        }
        if let Some(u) = &self.database_url {
            c.env("DATABASE_URL", u);
        }
        c
    }

    /// Runs with `stdin` as input (None: an empty, non-terminal stdin).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        run_cmd(self.cmd(args), stdin)
    }

    /// Runs and asserts exit 0.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let r = self.run(args, stdin);
        assert_eq!(r.code, 0, "{args:?} failed:\n{r:?}");
        r
    }

    /// `--json` output parsed.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let r = self.ok(args, None);
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{r:?}"))
    }
}

/// Runs a prepared command to the end.
pub fn run_cmd(mut c: Command, stdin: Option<&str>) -> Run {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        let mut si = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            si.write_all(s.as_bytes()).unwrap();
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `clauded ARGS` on the blocking pool, with workspaces in the home and, when given,
/// `GITHUB_API_URL` and `GITHUB_TOKEN`.
pub async fn run_in(h: &Home, args: &[&str], api: Option<&str>, token: Option<&str>) -> Run {
    let mut c = h.cmd(args);
    c.env("WORKSPACE_DIR", h.path().join("ws"));
    if let Some(a) = api {
        c.env("GITHUB_API_URL", a);
    }
    if let Some(t) = token {
        c.env("GITHUB_TOKEN", t);
    }
    finish(c).await
}

/// Runs a prepared command to the end on the blocking pool (the test's own servers keep serving).
pub async fn finish(c: Command) -> Run {
    tokio::task::spawn_blocking(move || run_cmd(c, None))
        .await
        .unwrap()
}

/// A `clauded serve` process that has said where it listens; killed on drop.
pub struct Serving {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The rest of its stderr.
    pub stderr: BufReader<ChildStderr>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `c` (a `serve` command) and waits for its "listening on" line.
pub fn serve(mut c: Command) -> Serving {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take();
    // owned by the Serving before anything can fail, so that a failed start is killed too
    let mut s = Serving {
        child,
        url: String::new(),
        stderr: BufReader::new(stderr.expect("piped")),
    };
    let mut lines = Vec::new();
    while s.url.is_empty() {
        let mut line = String::new();
        assert!(
            s.stderr.read_line(&mut line).unwrap() > 0,
            "serve exited early: {lines:?}"
        );
        if let Some(url) = line.trim().split("listening on ").nth(1) {
            s.url = url.to_owned();
        }
        lines.push(line);
    }
    s
}

/// A program from the npm MCP servers installed by tests/run.sh.
pub fn mcp_bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("CLAUDED_MCP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".test-env/node/node_modules/.bin")
        });
    let p = dir.join(name);
    assert!(
        p.exists(),
        "{} is not installed: run tests/run.sh",
        p.display()
    );
    p
}

/// `mcp-server-time` from PyPI, installed by tests/run.sh.
pub fn time_server() -> PathBuf {
    let p = std::env::var_os("CLAUDED_MCP_TIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".test-env/venv/bin/mcp-server-time")
        });
    assert!(
        p.exists(),
        "{} is not installed: run tests/run.sh",
        p.display()
    );
    p
}

/// Runs `git` with a fixed identity and no user config; panics on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parses SSE text into (event name, id, data) frames; comments skipped.
pub fn sse_frames(body: &str) -> Vec<(Option<String>, Option<i64>, serde_json::Value)> {
    body.split("\n\n")
        .filter_map(|f| {
            let (mut name, mut id, mut data) = (None, None, None);
            for l in f.lines() {
                if let Some(v) = l.strip_prefix("event: ") {
                    name = Some(v.to_owned());
                } else if let Some(v) = l.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = l.strip_prefix("data: ") {
                    data = serde_json::from_str(v).ok();
                }
            }
            data.map(|d| (name, id, d))
        })
        .collect()
}

/// A bare repository `origin.git` under `dir` with one commit on `main` (README.md, app.css).
pub fn bare_remote(dir: &Path) -> PathBuf {
    let seed = dir.join("seed");
    std::fs::create_dir_all(&seed).unwrap();
    git(&seed, &["init", "-q", "-b", "main"]);
    std::fs::write(seed.join("README.md"), "# Widgets\n").unwrap();
    std::fs::write(seed.join("app.css"), "body { color: black; }\n").unwrap();
    git(&seed, &["add", "."]);
    git(&seed, &["commit", "-q", "-m", "Initial commit"]);
    let bare = dir.join("origin.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            seed.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    bare
}
