//! The server in-process on port 0, over a temp database and the fake upstream.

use super::FakeAnthropic;
use clauded::anthropic::{Client, ClientConfig};
use clauded::server::{AppState, ServerOptions};
use clauded::store::{Database, RequestLogEntry, Store};
use std::time::Duration;

/// A running server; stop it with [`TestServer::stop`] (or let it drop).
pub struct TestServer {
    pub base: String,
    pub fake: FakeAnthropic,
    pub dir: tempfile::TempDir,
    pub store: Store,
    /// Where the store is (for CLI processes sharing it: `DATABASE_URL`).
    pub database: Database,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// How to start a test server.
pub struct Setup {
    pub has_key: bool,
    pub max_retries: u32,
    pub options: ServerOptions,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            has_key: true,
            max_retries: 0,
            options: ServerOptions {
                token: None,
                cors_origins: vec![],
                max_body_bytes: 1024 * 1024,
                keepalive: Duration::from_secs(15),
                model: "claude-sonnet-4-5".into(),
                max_tokens: 1024,
                models_cache: Duration::from_secs(60),
                approval_timeout: Duration::from_secs(10),
                workspace_dir: std::path::PathBuf::new(),
                max_turns: 8,
                github_api: "http://127.0.0.1:9".into(),
                github_token: None,
                github_url: "http://127.0.0.1:9".into(),
                github_client_id: None,
                github_client_secret: None,
                git_co_author: None,
                allowed_hosts: vec![],
                host_guard: true,
                // the WebEDT tests run against local bare repositories
                allow_local_repos: true,
                github_hosts: vec![],
                workspace_ttl: Duration::from_secs(24 * 3600),
                header_timeout: Duration::from_secs(10),
                max_connections: 0,
                tools: Default::default(),
                notify: None,
                secrets: clauded::crypto::SecretBox::random(),
                accounts: Default::default(),
                clock: Default::default(),
                trusted_proxies: vec![],
            },
        }
    }
}

impl TestServer {
    /// The last 50 request-log rows once `done` holds of them: a forwarded or streamed
    /// exchange is logged after its body ends, so a test that has read the answer polls.
    /// Panics with the log after 10 s.
    pub async fn request_log(
        &self,
        done: impl Fn(&[RequestLogEntry]) -> bool,
    ) -> Vec<RequestLogEntry> {
        let mut log = Vec::new();
        for _ in 0..200 {
            log = self.store.recent_requests(50).await.unwrap();
            if done(&log) {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the request log never got there: {log:?}");
    }

    /// With the server's own key and default options.
    pub async fn start() -> Self {
        Self::start_with(Setup::default()).await
    }

    /// Over an existing database file.
    pub async fn start_on(db: &std::path::Path) -> Self {
        Self::start_inner(Setup::default(), Some(db.to_owned())).await
    }

    /// With a setup.
    pub async fn start_with(setup: Setup) -> Self {
        Self::start_inner(setup, None).await
    }

    async fn start_inner(mut setup: Setup, db: Option<std::path::PathBuf>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        setup.options.workspace_dir = dir.path().join("workspaces");
        let fake = FakeAnthropic::start();
        // the PostgreSQL pass of the suite: a fresh database of its own (unless the test
        // brought a file of its own to start on)
        let database = match (db, super::pg::engine_is_postgres()) {
            (Some(file), _) => Database::Sqlite(file),
            (None, true) => Database::Postgres(
                super::pg::fresh_database_url().expect("CLAUDED_TEST_PG_URL names a server"),
            ),
            (None, false) => Database::Sqlite(dir.path().join("clauded.db")),
        };
        let store = Store::connect(&database, true)
            .await
            .unwrap()
            .with_request_log(7);
        let client = Client::new(ClientConfig {
            base_url: fake.url(),
            api_key: if setup.has_key {
                "sk-ant-server-key-000000".into()
            } else {
                String::new()
            },
            max_retries: setup.max_retries,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            ..Default::default()
        })
        .unwrap();
        let state = AppState::new(store.clone(), client, setup.has_key, setup.options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(clauded::server::serve(listener, state, async {
            let _ = rx.await;
        }));
        Self {
            base,
            fake,
            dir,
            store,
            database,
            http: {
                clauded::anthropic::init_tls();
                reqwest::Client::new()
            },
            stop: Some(tx),
            handle: Some(handle),
        }
    }

    /// Runs SQL on the server's store behind its back, on either engine (for a state that
    /// requests cannot make, such as two rows of one millisecond).
    pub fn sql(&self, sql: &str) {
        match &self.database {
            Database::Sqlite(file) => rusqlite::Connection::open(file)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Database::Postgres(url) => super::pg::execute(url, sql),
        }
    }

    /// `base + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET, returning status and JSON.
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// GET, returning the body as text.
    pub async fn text(&self, path: &str) -> String {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        r.text().await.unwrap()
    }

    /// POST JSON, returning status and JSON.
    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// POSTs a chat completion and returns the whole (streamed) body.
    pub async fn chat_body(&self, body: serde_json::Value) -> String {
        self.http
            .post(self.url("/v1/chat/completions"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// DELETE, returning status and JSON.
    pub async fn delete(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.http.delete(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Signals shutdown and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .expect("the server shut down in time")
                .unwrap()
                .unwrap();
        }
    }
}

/// The `data:` payloads of an SSE body, in order (comments skipped).
pub fn sse_data(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter_map(|frame| {
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            (!data.is_empty()).then(|| data.join("\n"))
        })
        .collect()
}

/// The JSON frames of an SSE body, and whether it ended with `[DONE]`.
pub fn sse_json(body: &str) -> (Vec<serde_json::Value>, bool) {
    let data = sse_data(body);
    let done = data.last().map(|d| d == "[DONE]").unwrap_or(false);
    let frames = data
        .iter()
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap_or_else(|e| panic!("frame is not JSON ({e}): {d}")))
        .collect();
    (frames, done)
}

/// Reads a streamed body into `seen` until `needle` shows; panics with what came after 15 s
/// or at an early end.
pub async fn read_until(
    body: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    seen: &mut String,
    needle: &str,
) {
    use futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.contains(needle) {
        match tokio::time::timeout_at(deadline, body.next())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in time: {seen}"))
        {
            Some(c) => seen.push_str(&String::from_utf8_lossy(&c.unwrap())),
            None => panic!("ended before {needle:?}: {seen}"),
        }
    }
}
