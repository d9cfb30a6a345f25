//! The live connection: handshake, a tool list the server can invalidate, calls with timeouts,
//! one transparent reconnect for HTTP, and shutdown of the server's whole process group.

use super::http::{HttpClient, describe, is_session_lost};
use super::stdio::StdioProcess;
use super::{Error, ServerInfo, ServerSpec, ToolInfo, ToolOutput, Transport, convert};
use rmcp::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ClientCapabilities, ClientConfig, ErrorData,
    Implementation, PaginatedRequestParams, ProtocolVersion,
};
use rmcp::service::{
    ClientInitializeError, NotificationContext, Peer, RoleClient, RunningService, ServiceError,
    ServiceExt,
};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

/// How long closing waits for the JSON-RPC loop (and an HTTP session's DELETE).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// A server paging past this many `tools/list` pages is cut off.
const MAX_TOOL_PAGES: usize = 1000;

/// A live connection; cheap to clone (Arc inside), usable concurrently.
///
/// Dropping the last clone ends the connection; for stdio it ends the child's process group
/// in the background (stdin closed, then SIGTERM, then SIGKILL).
#[derive(Clone)]
pub struct McpClient {
    inner: Arc<Inner>,
}

struct Inner {
    spec: ServerSpec,
    info: ServerInfo,
    /// The connect timeout, reused for the handshake on reconnect and for `tools/list`.
    request_timeout: Duration,
    /// Replaced only when an HTTP connection is re-established.
    conn: RwLock<Arc<Connection>>,
    reconnecting: tokio::sync::Mutex<()>,
    tools: Arc<ToolCache>,
    closed: AtomicBool,
}

/// One handshaken connection.
struct Connection {
    peer: Peer<RoleClient>,
    service: tokio::sync::Mutex<Option<RunningService<RoleClient, Handler>>>,
    process: Option<StdioProcess>,
    /// A request found the connection gone.
    lost: AtomicBool,
}

impl Connection {
    fn is_gone(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
            || self.peer.is_transport_closed()
            || self.process.as_ref().is_some_and(StdioProcess::has_exited)
    }

    /// Stops the JSON-RPC loop (closing stdin, or DELETEing the HTTP session), then the process.
    async fn shutdown(&self) {
        let service = self.service.lock().await.take();
        if let Some(mut service) = service {
            let _ = service.close_with_timeout(CLOSE_TIMEOUT).await;
        }
        if let Some(process) = &self.process {
            process.shutdown().await;
        }
    }
}

/// The tool list, dropped when the server says it changed.
#[derive(Default)]
struct ToolCache {
    generation: AtomicU64,
    tools: Mutex<Option<Arc<Vec<ToolInfo>>>>,
}

impl ToolCache {
    fn get(&self) -> Option<Arc<Vec<ToolInfo>>> {
        self.tools
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `tools` unless a change notice arrived since `generation` was read.
    fn store(&self, generation: u64, tools: Arc<Vec<ToolInfo>>) {
        let mut slot = self.tools.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::SeqCst) == generation {
            *slot = Some(tools);
        }
    }

    fn invalidate(&self) {
        let mut slot = self.tools.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::SeqCst);
        *slot = None;
    }
}

/// Our side of the protocol: no roots, sampling or elicitation; listens for tool changes.
struct Handler {
    tools: Arc<ToolCache>,
}

impl ClientHandler for Handler {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.tools.invalidate();
    }

    fn get_info(&self) -> ClientConfig {
        // Offer the newest version with an `initialize` handshake; servers answer with one
        // they support, which `finish` checks.
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("clauded", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}

impl McpClient {
    /// Starts or reaches the server and performs the handshake within `timeout`, offering the
    /// newest protocol version and accepting any version this client knows.
    pub async fn connect(spec: &ServerSpec, timeout: Duration) -> Result<McpClient, Error> {
        let tools = Arc::new(ToolCache::default());
        let (conn, info) = open(spec, timeout, &tools).await?;
        Ok(McpClient {
            inner: Arc::new(Inner {
                spec: spec.clone(),
                info,
                request_timeout: timeout,
                conn: RwLock::new(Arc::new(conn)),
                reconnecting: tokio::sync::Mutex::new(()),
                tools,
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// What the server said about itself in the handshake.
    pub fn info(&self) -> &ServerInfo {
        &self.inner.info
    }

    /// The configured server name.
    pub fn name(&self) -> &str {
        &self.inner.spec.name
    }

    /// The stdio child's process id (also its process group id); `None` over HTTP.
    pub fn pid(&self) -> Option<u32> {
        self.connection().process.as_ref().map(StdioProcess::pid)
    }

    /// All tools, every page; cached until the server sends `notifications/tools/list_changed`.
    /// The connect timeout bounds the whole listing.
    pub async fn list_tools(&self) -> Result<Vec<ToolInfo>, Error> {
        self.usable_connection().await?;
        if let Some(tools) = self.inner.tools.get() {
            return Ok(tools.to_vec());
        }
        let generation = self.inner.tools.generation();
        let name = self.name().to_owned();
        let tools = self
            .run("tools/list", self.inner.request_timeout, |peer| {
                fetch_tools(peer, name.clone())
            })
            .await?
            .map_err(|e| {
                Error::Protocol(format!(
                    "MCP server `{}` refused tools/list: {} (MCP error {})",
                    self.name(),
                    e.message,
                    e.code.0
                ))
            })?;
        let tools = Arc::new(tools);
        self.inner.tools.store(generation, tools.clone());
        Ok(tools.to_vec())
    }

    /// Calls a tool. A tool's failure (`isError`), or the server refusing the call with a
    /// JSON-RPC error (unknown tool, bad arguments), is `Ok` with `is_error: true`; `Err` means
    /// the call did not happen or its answer was lost. On timeout the server is sent
    /// `notifications/cancelled`.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: serde_json::Value,
        timeout: Duration,
    ) -> Result<ToolOutput, Error> {
        let arguments = match arguments {
            serde_json::Value::Object(map) => map,
            serde_json::Value::Null => serde_json::Map::new(),
            other => {
                return Err(Error::Arguments(format!(
                    "arguments for tool `{name}` on MCP server `{}` must be a JSON object, not {}",
                    self.name(),
                    json_kind(&other)
                )));
            }
        };
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments);
        let what = format!("tools/call `{name}`");
        let answer = self
            .run(&what, timeout, |peer| {
                let params = params.clone();
                async move { peer.call_tool_once(params).await }
            })
            .await?;
        match answer {
            Ok(CallToolResponse::Complete(result)) => Ok(convert::output(result)),
            Ok(_) => Err(Error::Protocol(format!(
                "MCP server `{}` asked for more input or started a task for tool `{name}`, which this client does not support",
                self.name()
            ))),
            Err(e) => Ok(convert::error_output(e.code.0, &e.message)),
        }
    }

    /// True once the server process or the connection is gone (or [`close`](Self::close) ran).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst) || self.connection().is_gone()
    }

    /// Ends the connection: stdio closes the child's stdin, then SIGTERMs and SIGKILLs its process
    /// group until all of it is gone; HTTP DELETEs the session. Later calls get [`Error::Closed`].
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        // A reconnect in flight finishes first, so its connection is the one closed.
        let _guard = self.inner.reconnecting.lock().await;
        self.connection().shutdown().await;
    }

    fn connection(&self) -> Arc<Connection> {
        self.inner
            .conn
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn is_http(&self) -> bool {
        matches!(self.inner.spec.transport, Transport::Http { .. })
    }

    /// The current connection, re-established first if it is HTTP and gone.
    async fn usable_connection(&self) -> Result<Arc<Connection>, Error> {
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let conn = self.connection();
        if !conn.is_gone() {
            return Ok(conn);
        }
        if self.is_http() {
            self.reconnect(&conn).await
        } else {
            Err(Error::Closed)
        }
    }

    /// Runs one request with a timeout. A JSON-RPC error is the inner `Err`; over HTTP a request
    /// that was not processed because the session or connection was lost is retried once on a
    /// fresh connection.
    async fn run<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        op: F,
    ) -> Result<Result<T, ErrorData>, Error>
    where
        F: Fn(Peer<RoleClient>) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>>,
    {
        let mut conn = self.usable_connection().await?;
        let mut retried = false;
        loop {
            let error = match tokio::time::timeout(timeout, op(conn.peer.clone())).await {
                Err(_) => return Err(self.timeout_error(what, timeout)),
                Ok(Ok(value)) => return Ok(Ok(value)),
                Ok(Err(ServiceError::McpError(e))) => return Ok(Err(e)),
                Ok(Err(e)) => e,
            };
            let lost = match &error {
                ServiceError::TransportSend(e) => is_session_lost(e),
                _ => false,
            };
            if self.is_http() && lost && !retried && !self.inner.closed.load(Ordering::SeqCst) {
                tracing::debug!(server = %self.name(), "{what}: session lost ({error}); reconnecting once");
                retried = true;
                conn = self.reconnect(&conn).await?;
                continue;
            }
            return Err(self.request_error(what, &conn, error));
        }
    }

    /// Replaces a gone HTTP connection, unless another caller already did.
    async fn reconnect(&self, stale: &Arc<Connection>) -> Result<Arc<Connection>, Error> {
        let _guard = self.inner.reconnecting.lock().await;
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let current = self.connection();
        if !Arc::ptr_eq(&current, stale) && !current.is_gone() {
            return Ok(current);
        }
        match open(
            &self.inner.spec,
            self.inner.request_timeout,
            &self.inner.tools,
        )
        .await
        {
            Ok((conn, _)) => {
                let conn = Arc::new(conn);
                *self
                    .inner
                    .conn
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = conn.clone();
                self.inner.tools.invalidate();
                tokio::spawn(async move { current.shutdown().await });
                Ok(conn)
            }
            Err(e) => {
                tracing::warn!(server = %self.name(), "cannot reconnect to MCP server: {e}");
                current.lost.store(true, Ordering::SeqCst);
                Err(Error::Closed)
            }
        }
    }

    fn timeout_error(&self, what: &str, timeout: Duration) -> Error {
        Error::Timeout(format!(
            "{what} on MCP server `{}` took longer than {}; the request was cancelled (raise the timeout if the tool is slow)",
            self.name(),
            seconds(timeout)
        ))
    }

    fn request_error(&self, what: &str, conn: &Connection, error: ServiceError) -> Error {
        let server = self.name();
        match error {
            ServiceError::TransportClosed => {
                conn.lost.store(true, Ordering::SeqCst);
                Error::Closed
            }
            ServiceError::TransportSend(e) => {
                if self.is_http() && !is_session_lost(&e) {
                    Error::Connect(format!(
                        "{what} to MCP server `{server}` failed: {}",
                        describe(&e)
                    ))
                } else {
                    // A stdio write fails only when the child is gone; over HTTP the retry failed.
                    conn.lost.store(true, Ordering::SeqCst);
                    Error::Closed
                }
            }
            ServiceError::Timeout { timeout } => self.timeout_error(what, timeout),
            ServiceError::Cancelled { reason } => Error::Protocol(format!(
                "MCP server `{server}` cancelled {what}: {}",
                reason.as_deref().unwrap_or("no reason given")
            )),
            ServiceError::UnexpectedResponse => Error::Protocol(format!(
                "MCP server `{server}` answered {what} with something other than its result"
            )),
            other => Error::Protocol(format!("{what} on MCP server `{server}` failed: {other}")),
        }
    }
}

/// Every page of `tools/list`, stopping on a repeated cursor or after `MAX_TOOL_PAGES`.
async fn fetch_tools(
    peer: Peer<RoleClient>,
    server: String,
) -> Result<Vec<ToolInfo>, ServiceError> {
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    for _ in 0..MAX_TOOL_PAGES {
        let page = peer
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
            .await?;
        tools.extend(page.tools.into_iter().map(convert::tool));
        match page.next_cursor {
            None => return Ok(tools),
            Some(next) if !seen.insert(next.clone()) => {
                tracing::warn!(server = %server, "tools/list repeated cursor {next:?}; stopping");
                return Ok(tools);
            }
            Some(next) => cursor = Some(next),
        }
    }
    tracing::warn!(server = %server, "tools/list gave more than {MAX_TOOL_PAGES} pages; stopping");
    Ok(tools)
}

/// Spawns or reaches the server and handshakes.
async fn open(
    spec: &ServerSpec,
    timeout: Duration,
    tools: &Arc<ToolCache>,
) -> Result<(Connection, ServerInfo), Error> {
    let handler = Handler {
        tools: tools.clone(),
    };
    let name = &spec.name;
    match &spec.transport {
        Transport::Stdio {
            command,
            args,
            env,
            cwd,
        } => {
            let (process, pipes) =
                StdioProcess::spawn(name, command, args, env, cwd.as_ref()).await?;
            match tokio::time::timeout(timeout, handler.serve(pipes)).await {
                Ok(Ok(service)) => finish(spec, service, Some(process)).await,
                Ok(Err(e)) => {
                    // A dying server's exit status and last words make the best message.
                    process.wait(Duration::from_millis(500)).await;
                    let error = match e {
                        ClientInitializeError::JsonRpcError(e) => refused(name, &e),
                        ClientInitializeError::ConnectionClosed(_)
                        | ClientInitializeError::TransportError { .. } => Error::Spawn(format!(
                            "MCP server `{name}` (`{command}`) stopped during the handshake: {}",
                            process.describe_failure()
                        )),
                        other => Error::Protocol(format!(
                            "handshake with MCP server `{name}` failed: {other}; {}",
                            process.describe_failure()
                        )),
                    };
                    process.shutdown().await;
                    Err(error)
                }
                Err(_) => {
                    let error = Error::Timeout(format!(
                        "MCP server `{name}` (`{command}`) did not finish the handshake within {}; {}",
                        seconds(timeout),
                        process.describe_failure()
                    ));
                    process.shutdown().await;
                    Err(error)
                }
            }
        }
        Transport::Http { url, headers } => {
            let client = HttpClient::new(name, url, headers, timeout)?;
            let config = StreamableHttpClientTransportConfig::with_uri(url.as_str())
                .reinit_on_expired_session(true);
            let transport = StreamableHttpClientTransport::with_client(client, config);
            match tokio::time::timeout(timeout, handler.serve(transport)).await {
                Ok(Ok(service)) => finish(spec, service, None).await,
                Ok(Err(ClientInitializeError::JsonRpcError(e))) => Err(refused(name, &e)),
                Ok(Err(e)) if e.is_authorization_required() => Err(Error::Connect(format!(
                    "MCP server `{name}` at {url} requires authorization; set its Authorization header in the configuration"
                ))),
                Ok(Err(e)) => {
                    let reason = match &e {
                        ClientInitializeError::TransportError { error, .. } => describe(error),
                        other => describe(other),
                    };
                    Err(Error::Connect(format!(
                        "cannot reach MCP server `{name}` at {url}: {reason}; check that it is running and the URL is right"
                    )))
                }
                Err(_) => Err(Error::Timeout(format!(
                    "MCP server `{name}` at {url} did not finish the handshake within {}",
                    seconds(timeout)
                ))),
            }
        }
    }
}

/// Checks the negotiated version and wraps the running service.
async fn finish(
    spec: &ServerSpec,
    mut service: RunningService<RoleClient, Handler>,
    process: Option<StdioProcess>,
) -> Result<(Connection, ServerInfo), Error> {
    let peer = service.peer().clone();
    let problem = match peer.peer_info() {
        Some(info) if ProtocolVersion::KNOWN_VERSIONS.contains(&info.protocol_version) => {
            let server_info = convert::server_info(&info, &spec.name);
            let conn = Connection {
                peer,
                service: tokio::sync::Mutex::new(Some(service)),
                process,
                lost: AtomicBool::new(false),
            };
            return Ok((conn, server_info));
        }
        Some(info) => format!(
            "MCP server `{}` speaks protocol version {}, which this client does not know ({}); update clauded or the server",
            spec.name,
            info.protocol_version,
            ProtocolVersion::KNOWN_VERSIONS
                .iter()
                .map(ProtocolVersion::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!(
            "MCP server `{}` finished the handshake without describing itself",
            spec.name
        ),
    };
    let _ = service.close_with_timeout(CLOSE_TIMEOUT).await;
    if let Some(process) = &process {
        process.shutdown().await;
    }
    Err(Error::Protocol(problem))
}

fn refused(name: &str, e: &ErrorData) -> Error {
    Error::Protocol(format!(
        "MCP server `{name}` refused the handshake: {} (MCP error {})",
        e.message, e.code.0
    ))
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str) -> ToolInfo {
        ToolInfo {
            name: name.into(),
            title: None,
            description: None,
            input_schema: serde_json::json!({"type": "object"}),
            read_only: false,
            destructive: None,
        }
    }

    #[test]
    fn a_change_notice_drops_the_cache_and_a_listing_begun_before_it() {
        let cache = ToolCache::default();
        let before = cache.generation();
        cache.store(before, Arc::new(vec![tool("a")]));
        assert_eq!(cache.get().map(|t| t.len()), Some(1));

        let in_flight = cache.generation();
        cache.invalidate();
        assert!(cache.get().is_none());
        cache.store(in_flight, Arc::new(vec![tool("stale")]));
        assert!(
            cache.get().is_none(),
            "a listing begun before the notice was kept"
        );

        cache.store(cache.generation(), Arc::new(vec![tool("b")]));
        assert_eq!(cache.get().unwrap()[0].name, "b");
    }
}
