//! The MCP client against real servers (server-everything, server-filesystem, mcp-server-time).

use clauded::mcp::{Error, McpClient, ServerSpec, ToolContent, Transport};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONNECT: Duration = Duration::from_secs(30);
const CALL: Duration = Duration::from_secs(20);

/// The folder holding the npm servers' executables.
fn npm_bin() -> PathBuf {
    let dir = std::env::var_os("CLAUDED_MCP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".test-env/node/node_modules/.bin")
        });
    for exe in ["mcp-server-everything", "mcp-server-filesystem"] {
        assert!(
            dir.join(exe).exists(),
            "{exe} is missing from {}: run tests/run.sh",
            dir.display()
        );
    }
    dir
}

fn everything_bin() -> String {
    npm_bin()
        .join("mcp-server-everything")
        .to_string_lossy()
        .into_owned()
}

fn time_bin() -> String {
    let path = std::env::var_os("CLAUDED_MCP_TIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".test-env/venv/bin/mcp-server-time")
        });
    assert!(
        path.exists(),
        "{} is missing: run tests/run.sh",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

fn stdio(name: &str, command: &str, args: &[&str]) -> ServerSpec {
    ServerSpec {
        name: name.into(),
        transport: Transport::Stdio {
            command: command.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: BTreeMap::new(),
            cwd: None,
        },
    }
}

fn everything_stdio() -> ServerSpec {
    stdio("everything", &everything_bin(), &["stdio"])
}

/// True while a process (or, with a negative id, a process group) exists.
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// True while a running (not zombie) process is in the group: PID 1 here may not reap orphans.
fn group_alive(pgid: u32) -> bool {
    if !alive(-(pgid as i32)) {
        return false;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return true;
    };
    entries.flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 3 && fields[2] == pgid.to_string() && fields[0] != "Z"
    })
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

fn text_of(out: &clauded::mcp::ToolOutput) -> String {
    out.text()
}

/// server-everything in Streamable HTTP mode on a free port; killed (whole group) on drop.
struct HttpServer {
    child: Child,
    port: u16,
}

impl HttpServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port)
    }

    fn start_on(port: u16) -> Self {
        let child = Command::new(everything_bin())
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "server-everything did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        HttpServer { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn spec(&self) -> ServerSpec {
        ServerSpec {
            name: "everything-http".into(),
            transport: Transport::Http {
                url: self.url(),
                headers: BTreeMap::from([("X-Test-Token".to_owned(), "s3cret".to_owned())]),
            },
        }
    }

    fn stop(&mut self) {
        // SAFETY: signals the group this test created.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_everything_lists_and_calls_tools() {
    let client = McpClient::connect(&everything_stdio(), CONNECT)
        .await
        .unwrap();
    let info = client.info();
    assert!(info.name.contains("everything"), "{info:?}");
    assert_eq!(info.protocol_version, "2025-11-25");
    assert!(info.capabilities.get("tools").is_some(), "{info:?}");

    let tools = client.list_tools().await.unwrap();
    assert!(tools.len() >= 10, "{tools:?}");
    let echo = tools.iter().find(|t| t.name == "echo").unwrap();
    assert!(echo.read_only);
    assert_eq!(echo.destructive, Some(false));
    assert_eq!(echo.input_schema["type"], "object");
    for name in ["get-sum", "get-tiny-image"] {
        assert!(tools.iter().any(|t| t.name == name), "{name} missing");
    }
    // Cached, but the same either way.
    assert_eq!(client.list_tools().await.unwrap(), tools);

    let out = client
        .call_tool("echo", json!({"message": "hello mcp"}), CALL)
        .await
        .unwrap();
    assert!(!out.is_error);
    assert!(text_of(&out).contains("hello mcp"), "{out:?}");

    let out = client
        .call_tool("get-sum", json!({"a": 2, "b": 40}), CALL)
        .await
        .unwrap();
    assert!(!out.is_error);
    assert!(text_of(&out).contains("42"), "{out:?}");

    let out = client
        .call_tool("get-tiny-image", serde_json::Value::Null, CALL)
        .await
        .unwrap();
    assert!(
        out.content.iter().any(|c| matches!(
            c,
            ToolContent::Image { mime_type, data } if mime_type == "image/png" && !data.is_empty()
        )),
        "{out:?}"
    );

    let out = client
        .call_tool("no-such-tool", json!({}), CALL)
        .await
        .unwrap();
    assert!(out.is_error);
    assert!(text_of(&out).contains("no-such-tool"), "{out:?}");

    let bad = client.call_tool("echo", json!([1, 2]), CALL).await;
    assert!(matches!(bad, Err(Error::Arguments(_))), "{bad:?}");

    client.close().await;
    assert!(client.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_call_times_out_and_the_connection_stays_usable() {
    let client = McpClient::connect(&everything_stdio(), CONNECT)
        .await
        .unwrap();
    let started = Instant::now();
    let slow = client
        .call_tool(
            "trigger-long-running-operation",
            json!({"duration": 10, "steps": 5}),
            Duration::from_millis(500),
        )
        .await;
    assert!(matches!(slow, Err(Error::Timeout(_))), "{slow:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!client.is_closed());
    let out = client
        .call_tool("echo", json!({"message": "still here"}), CALL)
        .await
        .unwrap();
    assert!(text_of(&out).contains("still here"));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_everything_lists_and_calls_tools() {
    let server = HttpServer::start();
    let client = McpClient::connect(&server.spec(), CONNECT).await.unwrap();
    assert_eq!(client.pid(), None);
    assert_eq!(client.info().protocol_version, "2025-11-25");
    let tools = client.list_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "echo"), "{tools:?}");

    let out = client
        .call_tool("echo", json!({"message": "over http"}), CALL)
        .await
        .unwrap();
    assert!(text_of(&out).contains("over http"), "{out:?}");
    let out = client
        .call_tool("get-sum", json!({"a": 1, "b": 2}), CALL)
        .await
        .unwrap();
    assert!(text_of(&out).contains('3'), "{out:?}");
    let out = client.call_tool("nope", json!({}), CALL).await.unwrap();
    assert!(out.is_error);

    client.close().await;
    assert!(client.is_closed());
    let after = client
        .call_tool("echo", json!({"message": "x"}), CALL)
        .await;
    assert!(matches!(after, Err(Error::Closed)), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_lost_session_is_reestablished_once() {
    let mut server = HttpServer::start();
    let port = server.port;
    let client = McpClient::connect(&server.spec(), CONNECT).await.unwrap();
    client
        .call_tool("echo", json!({"message": "first"}), CALL)
        .await
        .unwrap();

    // A restarted server no longer knows the session.
    server.stop();
    let _server = HttpServer::start_on(port);
    let out = client
        .call_tool("echo", json!({"message": "second"}), CALL)
        .await
        .unwrap();
    assert!(text_of(&out).contains("second"), "{out:?}");
    assert!(!client.is_closed());
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_server_gone_is_reported_and_reached_again_once_back() {
    let mut server = HttpServer::start();
    let port = server.port;
    let client = McpClient::connect(&server.spec(), CONNECT).await.unwrap();
    server.stop();
    let call = client
        .call_tool("echo", json!({"message": "x"}), CALL)
        .await;
    assert!(matches!(call, Err(Error::Closed)), "{call:?}");
    assert!(client.is_closed());

    // The next use reconnects.
    let _server = HttpServer::start_on(port);
    let out = client
        .call_tool("echo", json!({"message": "back"}), CALL)
        .await
        .unwrap();
    assert!(text_of(&out).contains("back"), "{out:?}");
    assert!(!client.is_closed());
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_connect_errors_name_the_server_and_hide_headers() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = ServerSpec {
        name: "nowhere".into(),
        transport: Transport::Http {
            url: format!("http://127.0.0.1:{port}/mcp"),
            headers: BTreeMap::from([("Authorization".to_owned(), "Bearer s3cret".to_owned())]),
        },
    };
    let err = McpClient::connect(&spec, Duration::from_secs(5))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, Error::Connect(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("nowhere"), "{text}");
    assert!(text.contains("refused"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(!format!("{spec:?}").contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filesystem_writes_and_reads_inside_its_root_only() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root_path = root.path().canonicalize().unwrap();
    let bin = npm_bin().join("mcp-server-filesystem");
    let spec = stdio(
        "fs",
        &bin.to_string_lossy(),
        &[&root_path.to_string_lossy()],
    );
    let client = McpClient::connect(&spec, CONNECT).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    for name in ["write_file", "read_text_file", "list_directory"] {
        assert!(tools.iter().any(|t| t.name == name), "{name} missing");
    }

    let file = root_path.join("note.txt");
    let out = client
        .call_tool(
            "write_file",
            json!({"path": file, "content": "written by clauded"}),
            CALL,
        )
        .await
        .unwrap();
    assert!(!out.is_error, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "written by clauded"
    );

    let out = client
        .call_tool("read_text_file", json!({"path": file}), CALL)
        .await
        .unwrap();
    assert!(!out.is_error, "{out:?}");
    assert!(text_of(&out).contains("written by clauded"), "{out:?}");

    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "nope").unwrap();
    let out = client
        .call_tool("read_text_file", json!({"path": secret}), CALL)
        .await
        .unwrap();
    assert!(out.is_error, "{out:?}");
    assert!(!text_of(&out).contains("nope"), "{out:?}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_server_tells_the_time() {
    let spec = stdio("time", &time_bin(), &["--local-timezone", "UTC"]);
    let client = McpClient::connect(&spec, CONNECT).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    assert!(
        tools.iter().any(|t| t.name == "get_current_time"),
        "{tools:?}"
    );
    let out = client
        .call_tool("get_current_time", json!({"timezone": "UTC"}), CALL)
        .await
        .unwrap();
    assert!(!out.is_error, "{out:?}");
    let text = text_of(&out);
    assert!(text.contains("UTC"), "{text}");
    assert!(text.contains("datetime"), "{text}");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_dies_is_reported_closed() {
    let client = McpClient::connect(&everything_stdio(), CONNECT)
        .await
        .unwrap();
    let pid = client.pid().unwrap();
    assert!(!client.is_closed());
    // SAFETY: the client started this group for the test.
    unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
    let call = client
        .call_tool("echo", json!({"message": "x"}), CALL)
        .await;
    assert!(matches!(call, Err(Error::Closed)), "{call:?}");
    assert!(client.is_closed());
    assert!(wait_until(Duration::from_secs(5), || !alive(pid as i32)).await);
    let again = client.list_tools().await;
    assert!(matches!(again, Err(Error::Closed)), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_ends_the_child_and_its_process_group() {
    // A shell that forks the server (as npx does) and leaves a straggler that ignores stdin:
    // only signalling the whole group ends it.
    let spec = stdio(
        "wrapped",
        "sh",
        &[
            "-c",
            &format!("sleep 300 & '{}' stdio; exit 0", everything_bin()),
        ],
    );
    let client = McpClient::connect(&spec, CONNECT).await.unwrap();
    let pid = client.pid().unwrap();
    assert!(alive(pid as i32) && group_alive(pid));
    client
        .call_tool("echo", json!({"message": "x"}), CALL)
        .await
        .unwrap();
    let started = Instant::now();
    client.close().await;
    assert!(!alive(pid as i32), "the child outlived close()");
    assert!(!group_alive(pid), "its process group outlived close()");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(client.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_clone_ends_the_process_group() {
    let client = McpClient::connect(&everything_stdio(), CONNECT)
        .await
        .unwrap();
    let pid = client.pid().unwrap();
    let clone = client.clone();
    drop(client);
    assert!(alive(pid as i32), "a clone still holds the connection");
    clone
        .call_tool("echo", json!({"message": "x"}), CALL)
        .await
        .unwrap();
    drop(clone);
    assert!(
        wait_until(Duration::from_secs(10), || !group_alive(pid)).await,
        "the process group outlived the last clone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_failures_say_what_happened() {
    let missing = stdio("ghost", "clauded-no-such-mcp-server", &[]);
    let err = McpClient::connect(&missing, CONNECT).await.err().unwrap();
    assert!(matches!(err, Error::Spawn(_)), "{err:?}");
    assert!(err.to_string().contains("not found"), "{err}");

    let dies = stdio("dies", "sh", &["-c", "echo 'boom: bad config' >&2; exit 3"]);
    let err = McpClient::connect(&dies, CONNECT).await.err().unwrap();
    assert!(matches!(err, Error::Spawn(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("boom: bad config"), "{text}");
    assert!(text.contains('3'), "{text}");

    let silent = stdio("silent", "sleep", &["30"]);
    let err = McpClient::connect(&silent, Duration::from_millis(500))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_servers_get_only_the_configured_environment() {
    let mut spec = everything_stdio();
    if let Transport::Stdio { env, .. } = &mut spec.transport {
        env.insert("CLAUDED_MCP_PROBE".into(), "configured".into());
    }
    let client = McpClient::connect(&spec, CONNECT).await.unwrap();
    let out = client.call_tool("get-env", json!({}), CALL).await.unwrap();
    let text = text_of(&out);
    assert!(text.contains("CLAUDED_MCP_PROBE"), "{text}");
    assert!(text.contains("PATH"), "{text}");
    // cargo sets this for the test process; it must not reach the server.
    if std::env::var_os("CARGO_PKG_NAME").is_some() {
        assert!(!text.contains("CARGO_PKG_NAME"), "{text}");
    }
    client.close().await;
}
