//! The HTTP client for the Messages and Models endpoints, with retries and timeouts.

use super::error::{ApiError, Error, kind_for_status};
use super::sse::{SseDecoder, SseEvent};
use super::types::{Message, MessagesRequest, ModelInfo, StreamEvent};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Once};
use std::time::Duration;

/// The API version header value the SDKs send.
pub const API_VERSION: &str = "2023-06-01";
/// Where the real API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The longest server-requested wait we honour before falling back to our own backoff.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How the client talks to the API.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL, with or without a trailing `/v1`.
    pub base_url: String,
    /// The key sent as `x-api-key`.
    pub api_key: String,
    /// Retries after the first attempt, before any byte of an answer.
    pub max_retries: u32,
    /// First backoff delay; it doubles per retry.
    pub initial_backoff: Duration,
    /// Cap on one backoff delay.
    pub max_backoff: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed between two reads of an answer.
    pub idle_timeout: Duration,
    /// `anthropic-beta` flags.
    pub beta: Vec<String>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: String::new(),
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            beta: vec![],
        }
    }
}

/// A Claude API client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    /// A Claude OAuth access token sent as `Authorization: Bearer` instead of the key.
    oauth: Option<Arc<str>>,
}

/// The `anthropic-beta` flag the API wants with an OAuth access token.
pub const OAUTH_BETA: &str = "oauth-2025-04-20";

static TLS_PROVIDER: Once = Once::new();

/// Installs the process's TLS provider (ring) once; any reqwest client built after this works.
pub fn init_tls() {
    TLS_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    /// Builds a client; fails only on an unusable configuration.
    pub fn new(cfg: ClientConfig) -> Result<Self, Error> {
        init_tls();
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.idle_timeout)
            .user_agent(concat!("clauded/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Self {
            http,
            cfg: Arc::new(cfg),
            oauth: None,
        })
    }

    /// The same client with another key (the server uses the caller's key this way).
    pub fn with_api_key(&self, key: &str) -> Self {
        let mut cfg = (*self.cfg).clone();
        cfg.api_key = key.to_owned();
        Self {
            http: self.http.clone(),
            cfg: Arc::new(cfg),
            oauth: None,
        }
    }

    /// The same client authenticating with a Claude OAuth access token (a subscription's
    /// credential, as Claude Code keeps it) instead of a key.
    pub fn with_oauth_token(&self, token: &str) -> Self {
        let mut cfg = (*self.cfg).clone();
        cfg.api_key = String::new();
        if !cfg.beta.iter().any(|b| b == OAUTH_BETA) {
            cfg.beta.push(OAUTH_BETA.to_owned());
        }
        Self {
            http: self.http.clone(),
            cfg: Arc::new(cfg),
            oauth: Some(Arc::from(token)),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    fn url(&self, path: &str) -> String {
        let base = self.cfg.base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        format!("{base}/v1/{path}")
    }

    fn headers(&self) -> Result<HeaderMap, Error> {
        let mut h = HeaderMap::new();
        let (name, value) = match &self.oauth {
            Some(t) => ("authorization", format!("Bearer {t}")),
            None => ("x-api-key", self.cfg.api_key.clone()),
        };
        let mut key = HeaderValue::from_str(&value).map_err(|_| {
            Error::Config("the API key contains characters a header cannot carry".into())
        })?;
        key.set_sensitive(true);
        h.insert(name, key);
        h.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        if !self.cfg.beta.is_empty() {
            let beta = HeaderValue::from_str(&self.cfg.beta.join(","))
                .map_err(|_| Error::Config("invalid anthropic-beta value".into()))?;
            h.insert("anthropic-beta", beta);
        }
        Ok(h)
    }

    /// `POST /v1/messages` without streaming.
    pub async fn create_message(&self, req: &MessagesRequest) -> Result<Message, Error> {
        let mut req = req.clone();
        req.stream = None;
        let resp = self
            .send("messages", |c| c.post(self.url("messages")).json(&req))
            .await?;
        let request_id = request_id(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| self.transport(e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::Protocol(format!(
                "the message body did not parse ({e}){}",
                request_id
                    .map(|r| format!(", request-id {r}"))
                    .unwrap_or_default()
            ))
        })
    }

    /// `POST /v1/messages` with `stream: true`. Retries happen before the first byte only;
    /// dropping the returned stream closes the connection, which cancels the request upstream.
    pub async fn stream_message(&self, req: &MessagesRequest) -> Result<MessageStream, Error> {
        let mut req = req.clone();
        req.stream = Some(true);
        let resp = self
            .send("messages", |c| c.post(self.url("messages")).json(&req))
            .await?;
        let ctype = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let request_id = request_id(resp.headers());
        if !ctype.starts_with("text/event-stream") {
            return Err(Error::Protocol(format!(
                "expected an event stream, got content-type {ctype:?}"
            )));
        }
        Ok(MessageStream {
            body: Box::pin(resp.bytes_stream()),
            decoder: SseDecoder::new(),
            queue: VecDeque::new(),
            finished: false,
            request_id,
            url: self.cfg.base_url.clone(),
        })
    }

    /// Checks the key with one `GET /v1/models?limit=1`, without retries: Ok when the API
    /// accepts it.
    pub async fn check_key(&self) -> Result<(), Error> {
        let url = format!("{}?limit=1", self.url("models"));
        let resp = self
            .http
            .get(&url)
            .headers(self.headers()?)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(Error::Api(api_error(resp).await))
    }

    /// All models from `GET /v1/models`, following pagination.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, Error> {
        #[derive(serde::Deserialize)]
        struct Page {
            data: Vec<ModelInfo>,
            #[serde(default)]
            has_more: bool,
            #[serde(default)]
            last_id: Option<String>,
        }
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = format!("{}?limit=1000", self.url("models"));
            if let Some(a) = &after {
                url.push_str("&after_id=");
                url.push_str(a);
            }
            let resp = self.send("models", |c| c.get(&url)).await?;
            let bytes = resp.bytes().await.map_err(|e| self.transport(e))?;
            let page: Page = serde_json::from_slice(&bytes)
                .map_err(|e| Error::Protocol(format!("the model list did not parse ({e})")))?;
            out.extend(page.data);
            match page.last_id {
                Some(last) if page.has_more && after.as_deref() != Some(&last) => {
                    after = Some(last)
                }
                _ => return Ok(out),
            }
        }
    }

    /// Forwards a request as a client sent it: the body bytes untouched, the client's
    /// `anthropic-version` and `anthropic-beta` instead of ours, our key. `path` follows `/v1/`
    /// and may carry a query (`messages?beta=true`). Retries as [`Client::create_message`] does,
    /// before the first byte only; the answer's body is left to the caller to stream.
    pub async fn forward(
        &self,
        path: &str,
        body: Bytes,
        version: Option<&str>,
        beta: Option<&str>,
    ) -> Result<reqwest::Response, Error> {
        let mut headers = self.headers()?;
        let bad = |what: &str| Error::Config(format!("the client's {what} header is not valid"));
        if let Some(v) = version {
            headers.insert(
                "anthropic-version",
                HeaderValue::from_str(v).map_err(|_| bad("anthropic-version"))?,
            );
        }
        // the client's flags, and the OAuth one a token needs
        let beta = match (beta, &self.oauth) {
            (Some(b), Some(_)) if !b.split(',').any(|f| f.trim() == OAUTH_BETA) => {
                Some(format!("{b},{OAUTH_BETA}"))
            }
            (None, Some(_)) => Some(OAUTH_BETA.to_owned()),
            (b, _) => b.map(str::to_owned),
        };
        match beta {
            Some(b) => {
                headers.insert(
                    "anthropic-beta",
                    HeaderValue::from_str(&b).map_err(|_| bad("anthropic-beta"))?,
                );
            }
            None => {
                headers.remove("anthropic-beta");
            }
        }
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let url = self.url(path);
        self.send_with("messages", headers, |c| c.post(&url).body(body.clone()))
            .await
    }

    /// Sends with retries; `endpoint` (`messages`, `models`) labels the attempt's metrics.
    async fn send(
        &self,
        endpoint: &'static str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Error> {
        self.send_with(endpoint, self.headers()?, build).await
    }

    async fn send_with(
        &self,
        endpoint: &'static str,
        headers: HeaderMap,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Error> {
        let mut attempt = 0u32;
        loop {
            let started = std::time::Instant::now();
            let outcome = build(&self.http).headers(headers.clone()).send().await;
            match &outcome {
                Ok(resp) => {
                    crate::metrics::upstream_attempt(endpoint, started.elapsed());
                    if !resp.status().is_success() {
                        crate::metrics::upstream_error(resp.status().as_u16().to_string());
                    }
                }
                Err(e) if e.is_timeout() => crate::metrics::upstream_error("timeout".into()),
                Err(_) => crate::metrics::upstream_error("connect".into()),
            }
            let (err, delay) = match outcome {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => {
                    let retry = should_retry(resp.status().as_u16(), resp.headers());
                    let err = api_error(resp).await;
                    let delay = retry.then(|| self.delay(attempt, err.retry_after));
                    (Error::Api(err), delay)
                }
                Err(e) => {
                    let err = self.transport(e);
                    let delay = Some(self.delay(attempt, None));
                    (err, delay)
                }
            };
            match delay {
                Some(d) if attempt < self.cfg.max_retries => {
                    attempt += 1;
                    tracing::warn!(
                        "{err}; retrying in {:.1}s (retry {attempt} of {})",
                        d.as_secs_f64(),
                        self.cfg.max_retries
                    );
                    tokio::time::sleep(d).await;
                }
                _ => return Err(err),
            }
        }
    }

    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(d) = retry_after.filter(|d| *d <= MAX_RETRY_AFTER) {
            return d;
        }
        let base = self
            .cfg
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.cfg.max_backoff);
        base.mul_f64(1.0 - 0.25 * fastrand::f64())
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        transport_error(&self.cfg.base_url, e)
    }
}

fn transport_error(url: &str, e: reqwest::Error) -> Error {
    let url = url.to_owned();
    let timeout = e.is_timeout();
    let e = e.without_url();
    let mut reason = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        reason = s.to_string();
        src = s.source();
    }
    if timeout {
        Error::Timeout { url, reason }
    } else {
        Error::Connect { url, reason }
    }
}

fn request_id(h: &HeaderMap) -> Option<String> {
    h.get("request-id")
        .or_else(|| h.get("x-request-id"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether an error status is worth another attempt: `x-should-retry` decides when present.
pub fn should_retry(status: u16, h: &HeaderMap) -> bool {
    match h.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => true,
        Some("false") => false,
        _ => matches!(status, 408 | 409 | 429) || status >= 500,
    }
}

/// The wait the server asked for, from `retry-after-ms` or `retry-after` (seconds or a date).
pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0));
    }
    let v = get("retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

async fn api_error(resp: reqwest::Response) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Body {
        error: super::types::ErrorObject,
        #[serde(default)]
        request_id: Option<String>,
    }
    let status = resp.status().as_u16();
    let retry_after = retry_after(resp.headers());
    let header_id = request_id(resp.headers());
    let text = resp.text().await.unwrap_or_default();
    match serde_json::from_str::<Body>(&text) {
        Ok(b) => ApiError {
            status: Some(status),
            kind: b.error.kind,
            message: b.error.message,
            request_id: header_id.or(b.request_id),
            retry_after,
        },
        Err(_) => ApiError {
            status: Some(status),
            kind: kind_for_status(status).into(),
            message: if text.trim().is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                text.chars().take(300).collect()
            },
            request_id: header_id,
            retry_after,
        },
    }
}

/// A live answer: call [`MessageStream::next`] until it returns `None`.
pub struct MessageStream {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    decoder: SseDecoder,
    queue: VecDeque<Result<StreamEvent, Error>>,
    finished: bool,
    request_id: Option<String>,
    url: String,
}

impl MessageStream {
    /// The upstream `request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The next event. `None` only after `message_stop`; an `error` event, a broken
    /// connection or an end before `message_stop` come out as errors.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, Error>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            if self.finished {
                return None;
            }
            match self.body.next().await {
                Some(Ok(bytes)) => {
                    for sse in self.decoder.push(&bytes) {
                        if self.finished {
                            break;
                        }
                        match parse_event(&sse) {
                            Ok(None) => {}
                            Ok(Some(StreamEvent::Error { error })) => {
                                self.finished = true;
                                self.queue.push_back(Err(Error::Api(ApiError {
                                    status: None,
                                    kind: error.kind,
                                    message: error.message,
                                    request_id: self.request_id.clone(),
                                    retry_after: None,
                                })));
                            }
                            Ok(Some(ev)) => {
                                self.finished = matches!(ev, StreamEvent::MessageStop);
                                self.queue.push_back(Ok(ev));
                            }
                            Err(e) => {
                                self.finished = true;
                                self.queue.push_back(Err(e));
                            }
                        }
                    }
                }
                Some(Err(e)) => {
                    self.finished = true;
                    return Some(Err(transport_error(&self.url, e)));
                }
                None => {
                    self.finished = true;
                    return Some(Err(Error::Incomplete));
                }
            }
        }
    }
}

const KNOWN_EVENTS: &[&str] = &[
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
];

/// Decodes one SSE event; unknown event types give `Ok(None)`.
pub fn parse_event(sse: &SseEvent) -> Result<Option<StreamEvent>, Error> {
    // the usual event names its known type in its data: parsed once, straight into its shape
    // (a third of the time of going through a Value); anything else takes the long way
    if let Ok(event) = serde_json::from_str::<StreamEvent>(&sse.data) {
        return Ok(Some(event));
    }
    let value: serde_json::Value = serde_json::from_str(&sse.data)
        .map_err(|e| Error::Protocol(format!("an event's data is not JSON ({e})")))?;
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .or_else(|| sse.event.clone())
        .unwrap_or_default();
    if !KNOWN_EVENTS.contains(&kind.as_str()) {
        return Ok(None);
    }
    let mut value = value;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("type".into(), kind.clone().into());
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| Error::Protocol(format!("a {kind} event did not parse ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("150"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn should_retry_rules() {
        let none = HeaderMap::new();
        for s in [408, 409, 429, 500, 503, 529] {
            assert!(should_retry(s, &none), "{s}");
        }
        for s in [400, 401, 403, 404, 413] {
            assert!(!should_retry(s, &none), "{s}");
        }
        let mut no = HeaderMap::new();
        no.insert("x-should-retry", HeaderValue::from_static("false"));
        assert!(!should_retry(529, &no));
        let mut yes = HeaderMap::new();
        yes.insert("x-should-retry", HeaderValue::from_static("true"));
        assert!(should_retry(400, &yes));
    }

    #[test]
    fn unknown_events_are_skipped_and_name_is_a_fallback() {
        let unknown = SseEvent {
            event: Some("future_thing".into()),
            data: "{\"type\":\"future_thing\"}".into(),
            id: None,
        };
        assert_eq!(parse_event(&unknown).unwrap(), None);
        let untyped = SseEvent {
            event: Some("ping".into()),
            data: "{}".into(),
            id: None,
        };
        assert_eq!(parse_event(&untyped).unwrap(), Some(StreamEvent::Ping));
    }

    #[test]
    fn base_url_with_or_without_v1() {
        for base in [
            "http://h:1",
            "http://h:1/",
            "http://h:1/v1",
            "http://h:1/v1/",
        ] {
            let c = Client::new(ClientConfig {
                base_url: base.into(),
                ..Default::default()
            })
            .unwrap();
            assert_eq!(c.url("messages"), "http://h:1/v1/messages");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let cfg = ClientConfig {
            api_key: "sk-ant-secret".into(),
            ..Default::default()
        };
        assert!(!format!("{cfg:?}").contains("secret"));
        let c = Client::new(cfg).unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }
}
