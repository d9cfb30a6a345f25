//! The daemon's doors against web pages and hostile clients: Host (DNS rebinding), cross-site
//! requests in every simple-request form, JSON content types, CORS for real browser clients,
//! JSON refusals in each API's shape, the public turn status, ids, slow connections.

use crate::support::server::{Setup, TestServer};
use crate::support::{Reply, bare_remote};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A parsed raw HTTP/1.1 answer.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends one request exactly as written (own Host, Origin, content type) and reads the answer.
async fn raw(
    s: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Raw {
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), tcp.read_to_end(&mut out))
        .await
        .expect("an answer in time")
        .unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Raw {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A bash call that leaves a marker file in the tools' root (writes elsewhere may be refused
/// by the sandbox, which would hide whether the command ran).
fn bash_body(marker: &std::path::Path) -> String {
    let name = marker.file_name().unwrap().to_str().unwrap();
    json!({"tool_name": "bash__bash", "arguments": {"command": format!("id; touch {name}")}})
        .to_string()
}

/// Where the session-less tools work: the scratch folder of the workspaces.
fn in_root(s: &TestServer, name: &str) -> std::path::PathBuf {
    s.dir.path().join("workspaces").join("scratch").join(name)
}

#[tokio::test]
async fn a_foreign_host_is_refused_before_routing_and_the_shell_never_runs() {
    let s = TestServer::start().await;
    let marker = in_root(&s, "pwned");
    let body = bash_body(&marker);
    // DNS rebinding: the page's own name in Host, on our port
    let r = raw(
        &s,
        "POST",
        "/v1/tools/execute",
        &[("Host", "evil.example:8000"), JSON],
        &body,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], json!("host_not_allowed"));
    assert!(!marker.exists(), "the command ran");
    // the same in WebEDT's family, a preflight, and a name that only looks local
    let r = raw(&s, "GET", "/api/sessions", &[("Host", "evil.example")], "").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["success"], json!(false));
    assert!(r.json()["error"].is_string());
    let r = raw(
        &s,
        "OPTIONS",
        "/v1/chat/completions",
        &[
            ("Host", "evil.example"),
            ("Origin", "http://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        "",
    )
    .await;
    assert_eq!(r.status, 403);
    for bad in ["localhost.evil.example", "127.0.0.1.nip.io", "0.0.0.0:8000"] {
        let r = raw(&s, "GET", "/health", &[("Host", bad)], "").await;
        assert_eq!(r.status, 403, "{bad}");
    }
    // loopback names in every form pass
    for good in [
        "localhost",
        "localhost:8000",
        "LOCALHOST.",
        "app.localhost:3000",
        "127.0.0.1",
        "127.1.2.3:9",
        "[::1]:8000",
    ] {
        let r = raw(&s, "GET", "/health", &[("Host", good)], "").await;
        assert_eq!(r.status, 200, "{good}");
    }
    // and the real command runs when asked properly
    let r = raw(&s, "POST", "/v1/tools/execute", &[JSON], &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(marker.exists());
}

#[tokio::test]
async fn allowed_hosts_add_names_and_a_public_bind_has_no_host_rule() {
    let mut setup = Setup::default();
    setup.options.allowed_hosts = vec!["devbox.lan".into(), "*.corp.example".into()];
    let s = TestServer::start_with(setup).await;
    for (host, want) in [
        ("devbox.lan:8000", 200),
        ("DEVBOX.LAN", 200),
        ("ci.corp.example", 200),
        ("corp.example", 403),
        ("other.lan", 403),
    ] {
        let r = raw(&s, "GET", "/health", &[("Host", host)], "").await;
        assert_eq!(r.status, want, "{host}");
    }
    let mut setup = Setup::default();
    setup.options.host_guard = false;
    let s = TestServer::start_with(setup).await;
    let r = raw(&s, "GET", "/health", &[("Host", "clauded.example.com")], "").await;
    assert_eq!(r.status, 200);
}

async fn bash_server(s: &TestServer) -> Value {
    let (_, list) = s.get("/v1/mcp/servers").await;
    list["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "bash")
        .unwrap()
        .clone()
}

#[tokio::test]
async fn cross_site_requests_are_refused_in_every_simple_form() {
    let s = TestServer::start().await;
    let marker = in_root(&s, "csrf");
    let body = bash_body(&marker);
    // a page's fetch: Origin and Sec-Fetch-Site
    for headers in [
        vec![
            ("Origin", "https://evil.example"),
            ("Sec-Fetch-Site", "cross-site"),
            JSON,
        ],
        // an older browser: Origin only
        vec![("Origin", "https://evil.example"), JSON],
        // a form or no-cors fetch where the Origin is hidden
        vec![("Sec-Fetch-Site", "cross-site"), JSON],
        vec![("Origin", "null"), JSON],
    ] {
        let r = raw(&s, "POST", "/v1/tools/execute", &headers, &body).await;
        assert_eq!(r.status, 403, "{headers:?}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], json!("cross_site_refused"));
    }
    assert!(!marker.exists());

    // an <img> or EventSource on the GET form of execute-remote starts nothing
    let q = "/api/execute-remote?userRequest=hi&github=%7B%22repoUrl%22%3A%22https%3A%2F%2Fgithub.com%2Fa%2Fb%22%7D";
    let r = raw(&s, "GET", q, &[("Sec-Fetch-Site", "cross-site")], "").await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["success"], json!(false));
    let r = raw(&s, "GET", q, &[("Origin", "http://evil.example")], "").await;
    assert_eq!(r.status, 403);

    // a body-less cross-site POST does not switch a server off for everyone
    let bash_id = bash_server(&s).await["id"].as_str().unwrap().to_owned();
    let r = raw(
        &s,
        "POST",
        &format!("/v1/mcp/servers/{bash_id}/disable"),
        &[("Sec-Fetch-Site", "cross-site")],
        "",
    )
    .await;
    assert_eq!(r.status, 403);
    let bash = bash_server(&s).await;
    assert_eq!(bash["enabled"], json!(true), "{bash}");

    // nothing was started or stored by any of it
    let sessions = s.store.sessions(&Default::default()).await.unwrap();
    assert!(sessions.is_empty(), "{sessions:?}");

    // allowed: same-origin, the user's own typing (none), a loopback app, curl-like clients
    for headers in [
        vec![("Sec-Fetch-Site", "same-origin"), JSON],
        vec![("Sec-Fetch-Site", "none"), JSON],
        vec![
            ("Origin", "http://localhost:5173"),
            ("Sec-Fetch-Site", "same-site"),
            JSON,
        ],
        vec![JSON],
    ] {
        let r = raw(
            &s,
            "POST",
            "/v1/tools/execute",
            &headers,
            &json!({"tool_name": "bash__bash", "arguments": {"command": "true"}}).to_string(),
        )
        .await;
        assert_eq!(r.status, 200, "{headers:?}: {}", r.body);
    }
}

#[tokio::test]
async fn a_valid_token_passes_the_cross_site_rule_and_an_allowed_origin_too() {
    let mut setup = Setup::default();
    setup.options.token = Some("t0k3n-guard".into());
    setup.options.cors_origins = vec!["https://app.example".into()];
    let s = TestServer::start_with(setup).await;
    let body = json!({"tool_name": "bash__bash", "arguments": {"command": "true"}}).to_string();
    let r = raw(
        &s,
        "POST",
        "/v1/tools/execute",
        &[
            ("Origin", "https://elsewhere.example"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Authorization", "Bearer t0k3n-guard"),
            JSON,
        ],
        &body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = raw(
        &s,
        "POST",
        "/v1/tools/execute",
        &[
            ("Origin", "https://app.example"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Authorization", "Bearer t0k3n-guard"),
            JSON,
        ],
        &body,
    )
    .await;
    assert_eq!(r.status, 200);
    // without the token: refused (401 from auth, or 403 from the guard: never served)
    let r = raw(
        &s,
        "POST",
        "/v1/tools/execute",
        &[("Origin", "https://elsewhere.example"), JSON],
        &body,
    )
    .await;
    assert!(matches!(r.status, 401 | 403), "{}", r.status);
}

#[tokio::test]
async fn json_routes_want_json_and_say_415() {
    let s = TestServer::start().await;
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).to_string();
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = raw(
            &s,
            "POST",
            "/v1/chat/completions",
            &[("Content-Type", ct)],
            &chat,
        )
        .await;
        assert_eq!(r.status, 415, "{ct}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], json!("unsupported_media_type"));
        let r = raw(
            &s,
            "POST",
            "/api/execute-remote",
            &[("Content-Type", ct)],
            r#"{"userRequest":"hi","github":{"repoUrl":"https://github.com/a/b"}}"#,
        )
        .await;
        assert_eq!(r.status, 415, "{ct}");
        assert_eq!(r.json()["success"], json!(false));
    }
    // no content type at all is not JSON either
    let r = raw(&s, "POST", "/v1/projects", &[], r#"{"name":"x"}"#).await;
    assert_eq!(r.status, 415);
    assert_eq!(s.fake.requests().len(), 0);
    let sessions = s.store.sessions(&Default::default()).await.unwrap();
    assert!(sessions.is_empty());
    // parameters are fine
    let r = raw(
        &s,
        "POST",
        "/v1/projects",
        &[("Content-Type", "application/json; charset=utf-8")],
        r#"{"name":"x"}"#,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

#[tokio::test]
async fn preflights_mirror_headers_and_allow_credentials_for_named_origins_only() {
    let mut setup = Setup::default();
    setup.options.cors_origins = vec!["https://webedt.example".into()];
    let s = TestServer::start_with(setup).await;
    let pre = |origin: &'static str| {
        vec![
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,x-stainless-os,x-stainless-retry-count,x-csrf-token,x-idempotency-key",
            ),
        ]
    };
    for origin in ["http://localhost:5173", "https://webedt.example"] {
        let r = raw(&s, "OPTIONS", "/v1/chat/completions", &pre(origin), "").await;
        assert!(r.status < 300, "{origin}: {}", r.status);
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        let allowed = r
            .header("access-control-allow-headers")
            .unwrap_or("")
            .to_lowercase();
        for h in [
            "x-stainless-os",
            "x-csrf-token",
            "x-idempotency-key",
            "content-type",
        ] {
            assert!(allowed.contains(h), "{h} in {allowed}");
        }
    }
    let r = raw(
        &s,
        "OPTIONS",
        "/v1/chat/completions",
        &pre("https://evil.example"),
        "",
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), None);

    // a stream from an allowed origin carries the headers too
    s.fake.push(Reply::text("hello"));
    let r = raw(
        &s,
        "POST",
        "/v1/chat/completions",
        &[("Origin", "https://webedt.example"), JSON],
        &json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]})
            .to_string(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://webedt.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert!(r.body.contains("[DONE]"));

    // `*` allows any origin, never with credentials
    let mut setup = Setup::default();
    setup.options.cors_origins = vec!["*".into()];
    let s = TestServer::start_with(setup).await;
    let r = raw(&s, "OPTIONS", "/v1/models", &pre("https://any.example"), "").await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://any.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), None);
}

#[tokio::test]
async fn every_refusal_is_json_in_its_familys_shape() {
    let mut setup = Setup::default();
    setup.options.max_body_bytes = 4096;
    let s = TestServer::start_with(setup).await;
    let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(10_000));
    let cases: Vec<(&str, &str, String, u16)> = vec![
        ("GET", "/v1/sessions?limit=abc", String::new(), 400),
        ("GET", "/v1/projects/%ff%fe", String::new(), 400),
        ("GET", "/v1/nope", String::new(), 404),
        ("PUT", "/v1/models", String::new(), 405),
        ("POST", "/v1/projects", big.clone(), 413),
        ("GET", "/api/nope", String::new(), 404),
        ("PUT", "/api/sessions", String::new(), 405),
        ("GET", "/api/sessions/%ff%fe", String::new(), 400),
        ("POST", "/api/execute-remote", big.clone(), 413),
        ("GET", "/api/sessions/x/events?after=1", String::new(), 404),
    ];
    for (method, path, body, want) in cases {
        let r = raw(&s, method, path, &[JSON], &body).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.body);
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{method} {path}: {:?}",
            r.headers
        );
        let v = r.json();
        if path.starts_with("/api/") {
            assert_eq!(v["success"], json!(false), "{path}: {v}");
            assert!(
                v["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{path}: {v}"
            );
        } else {
            assert!(
                v["error"]["message"]
                    .as_str()
                    .is_some_and(|e| !e.is_empty()),
                "{path}: {v}"
            );
            assert!(v["error"]["type"].is_string(), "{path}: {v}");
        }
    }
}

#[tokio::test]
async fn the_public_turn_status_shows_counters_only() {
    let mut setup = Setup::default();
    setup.options.token = Some("tok-status".into());
    let s = TestServer::start_with(setup).await;
    let sess = s
        .store
        .create_session(&clauded::store::NewSession {
            id: Some("sess-status".into()),
            title: "my secret plans for the launch".into(),
            model: "claude-sonnet-4-5".into(),
            system_prompt: Some("the hidden system prompt".into()),
            source: "api".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let r = raw(
        &s,
        "GET",
        &format!("/v1/chat/completions/{}/status", sess.id),
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("secret"), "{}", r.body);
    assert!(!r.body.contains("hidden"), "{}", r.body);
    let v = r.json();
    assert_eq!(v["is_running"], json!(false));
    for k in ["message_count", "total_tokens", "total_cost", "session_id"] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    // the session itself needs the token
    let r = raw(&s, "GET", "/v1/sessions/sess-status", &[], "").await;
    assert_eq!(r.status, 401);
    let r = raw(&s, "GET", "/api/sessions", &[], "").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["success"], json!(false));
}

#[tokio::test]
async fn client_ids_are_checked_and_never_become_paths() {
    let s = TestServer::start().await;
    let outside = s.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let evil = "../../../../".to_owned() + outside.to_str().unwrap().trim_start_matches('/');
    let long = "a".repeat(100_000);
    for sid in [evil.as_str(), long.as_str(), "a/b", "..", "x y", ""] {
        let r = raw(
            &s,
            "POST",
            "/v1/chat/completions",
            &[JSON],
            &json!({"session_id": sid, "stream": true, "messages": [{"role": "user", "content": "hi"}]})
                .to_string(),
        )
        .await;
        if sid.is_empty() {
            continue;
        }
        assert_eq!(r.status, 400, "{:.40}: {}", sid, r.body);
        let r = raw(
            &s,
            "POST",
            "/v1/tools/execute",
            &[JSON],
            &json!({"tool_name": "bash__bash", "arguments": {"command": "pwd > here.txt"}, "session_id": sid})
                .to_string(),
        )
        .await;
        assert_eq!(r.status, 400, "{:.40}: {}", sid, r.body);
        let r = raw(
            &s,
            "POST",
            "/v1/sessions",
            &[JSON],
            &json!({"id": sid}).to_string(),
        )
        .await;
        assert_eq!(r.status, 400, "{:.40}", sid);
    }
    assert!(!outside.join("here.txt").exists());
    assert_eq!(s.fake.requests().len(), 0);
    let sessions = s.store.sessions(&Default::default()).await.unwrap();
    assert!(sessions.is_empty(), "{sessions:?}");

    // a good client-chosen id works, and its tools run in a folder the server named
    let (st, _) = s.post("/v1/sessions", json!({"id": "IOS-1234-ABCD"})).await;
    assert_eq!(st, 201);
    let (st, out) = s
        .post(
            "/v1/tools/execute",
            json!({"tool_name": "bash__bash", "arguments": {"command": "pwd"}, "session_id": "IOS-1234-ABCD"}),
        )
        .await;
    assert_eq!(st, 200, "{out}");
    let text = out["result"].as_str().unwrap();
    let ws = s.dir.path().join("workspaces");
    assert!(text.contains(ws.to_str().unwrap()), "{text}");
    assert!(!text.contains("IOS-1234-ABCD"), "{text}");
    // MCP's content shape on the wire, never Rust's
    let content = &out["metadata"]["content"][0];
    assert_eq!(content["type"], json!("text"), "{out}");
    assert!(content["text"].is_string());
    assert!(content.get("Text").is_none());
}

#[tokio::test]
async fn half_open_connections_are_closed_and_the_cap_lets_others_in() {
    let mut setup = Setup::default();
    setup.options.header_timeout = Duration::from_millis(800);
    setup.options.max_connections = 4;
    let s = TestServer::start_with(setup).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    // more stalled clients than the cap, each half-way through its headers
    let mut stalled = Vec::new();
    for _ in 0..12 {
        let mut t = tokio::net::TcpStream::connect(&addr).await.unwrap();
        t.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(t);
    }
    // a real client still gets in, once the stalled ones time out
    let started = std::time::Instant::now();
    let (st, _) = tokio::time::timeout(Duration::from_secs(15), s.get("/health"))
        .await
        .expect("served despite stalled connections");
    assert_eq!(st, 200);
    assert!(started.elapsed() < Duration::from_secs(10));
    // and the stalled ones were closed by the server
    for mut t in stalled {
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(10), t.read(&mut buf))
            .await
            .expect("closed in time")
            .unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    // an idle keep-alive connection is closed too
    let mut t = tokio::net::TcpStream::connect(&addr).await.unwrap();
    t.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match t.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the idle connection stayed open");
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn webedt_small_faults() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    // an image block without data is a 400, not a run
    let r = raw(
        &s,
        "POST",
        "/api/execute-remote",
        &[JSON],
        &json!({"userRequest": [{"type": "text", "text": "look"}, {"type": "image", "source": {"type": "base64", "media_type": "image/png"}}],
                "github": {"repoUrl": remote.to_str().unwrap()}})
        .to_string(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["success"], json!(false));
    let sessions = s.store.sessions(&Default::default()).await.unwrap();
    assert!(sessions.is_empty());
    assert_eq!(s.fake.requests().len(), 0);
}

#[tokio::test]
async fn the_server_clones_only_remote_https_repositories_unless_told() {
    let mut setup = Setup::default();
    setup.options.allow_local_repos = false;
    let s = TestServer::start_with(setup).await;
    let remote = bare_remote(s.dir.path());
    let file_url = format!("file://{}", remote.display());
    for url in [
        remote.to_str().unwrap(),
        file_url.as_str(),
        "http://evil.example/a/b",
        "git@github.com:a/b.git",
        "ssh://git@github.com/a/b",
        "ext::sh -c touch% /tmp/pwned",
        "-uhttps://github.com/a/b",
        "https://user:secret@github.com/a/b",
    ] {
        let r = raw(
            &s,
            "POST",
            "/api/execute-remote",
            &[JSON],
            &json!({"userRequest": "hi", "github": {"repoUrl": url}}).to_string(),
        )
        .await;
        assert_eq!(r.status, 400, "{url}: {}", r.body);
        assert_eq!(r.json()["success"], json!(false));
    }
    let sessions = s.store.sessions(&Default::default()).await.unwrap();
    assert!(sessions.is_empty(), "{sessions:?}");
    assert!(s.fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_mcp_server_does_not_hold_the_listing() {
    let s = TestServer::start().await;
    // a "server" that starts and never answers the handshake
    let (st, created) = s
        .post(
            "/v1/mcp/servers",
            json!({"name": "stuck", "command": "sleep", "args": ["300"]}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let (st, list) = s.get("/v1/mcp/servers").await;
        assert_eq!(st, 200);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the listing took {:?}",
            started.elapsed()
        );
        let stuck = list["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "stuck")
            .unwrap()
            .clone();
        assert_eq!(stuck["status"], json!("unresponsive"), "{stuck}");
        // the built-ins are still reported as they are
        let bash = bash_server(&s).await;
        assert_eq!(bash["status"], json!("available"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_interrupt_does_not_turn_the_next_abort_into_completed() {
    let s = TestServer::start().await;
    let remote = bare_remote(s.dir.path());
    s.store
        .create_session(&clauded::store::NewSession {
            id: Some("run-stale".into()),
            model: "claude-sonnet-4-5".into(),
            source: "run".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // an interrupt with no run in progress
    let (st, r) = s.post("/api/sessions/run-stale/interrupt", json!({})).await;
    assert_eq!((st, r["data"]["interrupted"].clone()), (200, json!(false)));
    // then a run on that session, aborted: an abort, so `error`
    s.fake.push(Reply::text(
        r#"{"title": "Slow Work", "branch": "slow-work"}"#,
    ));
    s.fake.push(
        Reply::text("thinking very slowly about this change for a long long time").delivered(
            crate::support::Delivery {
                event_delay: Duration::from_millis(300),
                ..Default::default()
            },
        ),
    );
    let resp = s
        .http
        .post(s.url("/api/execute-remote"))
        .json(
            &json!({"userRequest": "slow work", "websiteSessionId": "run-stale",
            "github": {"repoUrl": remote.to_str().unwrap()}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // wait until the answer streams, then abort
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, ev) = s.get("/api/sessions/run-stale/events").await;
        let running = ev["data"]["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["eventData"]["type"] == "session_name"));
        if running {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (st, r) = s.post("/api/sessions/run-stale/abort", json!({})).await;
    assert_eq!((st, r["data"]["aborted"].clone()), (200, json!(true)));
    let _ = resp.text().await;
    let mut status = String::new();
    for _ in 0..100 {
        let (_, v) = s.get("/api/sessions/run-stale").await;
        status = v["session"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if status != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "error");
}

/// Every handler acts as its caller: it takes `Me` (the state scoped to the caller's rows),
/// never the router's own state, except the few that answer before anyone is known. Read
/// from the source, as a forgotten `Me` would compile.
#[test]
fn handlers_act_as_their_caller() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/routes");
    // (file, handler): public routes, and the log-in routes themselves
    let public = [
        ("health.rs", "health"),
        ("health.rs", "ready"),
        ("chat.rs", "status"),
        ("auth.rs", "register"),
        ("auth.rs", "login"),
        // the whole server's counts: admins only here, alone on --metrics-addr
        ("metrics.rs", "scrape"),
        // GitHub's redirect back: the single-use state bound to a login is the proof
        ("github.rs", "callback"),
    ];
    let mut unscoped = vec![];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(&path).unwrap();
        for (at, _) in src.match_indices("State<AppState>") {
            let before = &src[..at];
            let handler = before
                .rfind("pub async fn ")
                .map(|i| {
                    before[i + "pub async fn ".len()..]
                        .split('(')
                        .next()
                        .unwrap_or("")
                        .to_owned()
                })
                .unwrap_or_default();
            if !public.contains(&(file.as_str(), handler.as_str())) {
                unscoped.push(format!("{file}: {handler}"));
            }
        }
    }
    assert!(
        unscoped.is_empty(),
        "these handlers take the router's state instead of `Me`: {unscoped:?}"
    );
    let mods = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    assert!(mods.contains("pub mod sessions;"), "read the real folder");
}

/// Reads one HTTP/1.1 answer with a `content-length` from a kept-alive connection: its head
/// (lowercased) and whether the server then closed the connection.
async fn one_answer(tcp: &mut tokio::net::TcpStream) -> (String, bool) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(20), tcp.read(&mut chunk))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(n > 0, "closed before an answer: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while buf.len() < head_end + len {
        let n = tcp.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed inside the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    // closed now, or still open after a moment?
    let closed = matches!(
        tokio::time::timeout(Duration::from_millis(300), tcp.read(&mut chunk)).await,
        Ok(Ok(0) | Err(_))
    );
    (head, closed)
}

#[tokio::test]
async fn an_answer_before_the_body_was_read_says_the_connection_closes() {
    let mut setup = Setup::default();
    setup.options.token = Some("t0k3n-close".into());
    let s = TestServer::start_with(setup).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    // a wrong key, and a body that is still on its way: refused before it is read, and told so
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /v1/messages HTTP/1.1\r\nHost: {addr}\r\nx-api-key: sk-ant-wrong\r\n\
         Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{\"model\":"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let (answer, closed) = one_answer(&mut tcp).await;
    assert!(answer.starts_with("http/1.1 401"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(closed, "the server closed the connection it said it would");
    // the token and a whole body, read: the connection is kept and serves a second request
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = json!({"tool_name": "bash__bash", "arguments": {"command": "true"}}).to_string();
    let req = format!(
        "POST /v1/tools/execute HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer t0k3n-close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    for _ in 0..2 {
        tcp.write_all(req.as_bytes()).await.unwrap();
        let (answer, closed) = one_answer(&mut tcp).await;
        assert!(answer.starts_with("http/1.1 200"), "{answer}");
        assert!(!answer.contains("connection: close"), "{answer}");
        assert!(
            !closed,
            "a request whose body was read keeps its connection"
        );
    }
}
