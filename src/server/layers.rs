//! Middleware: the Host and cross-site guards, the iOS path quirks, auth, CORS, errors in
//! each API's shape, and one log line per request.

use super::error::{ApiError, Family};
use super::state::ServerOptions;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;
use tower_http::cors::{AllowCredentials, AllowHeaders, AllowOrigin, CorsLayer};

/// The caller's own Anthropic key, when it sent one as a bearer token.
#[derive(Clone, Debug)]
pub struct CallerKey(pub Option<String>);

/// Before routing: `%3F` in the path becomes the query; `/api/v1/*` and `/v1/v1/*` become `/v1/*`.
pub fn rewrite_path(mut req: Request) -> Request {
    let uri = req.uri();
    let mut path = uri.path().to_owned();
    let mut query = uri.query().map(str::to_owned);
    if let Some(pos) = path.to_ascii_lowercase().find("%3f") {
        let q = path[pos + 3..].to_owned();
        path.truncate(pos);
        query = Some(match query {
            Some(existing) => format!("{q}&{existing}"),
            None => q,
        });
    }
    for prefix in ["/api/v1/", "/v1/v1/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            path = format!("/v1/{rest}");
        }
    }
    if path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    let pq = match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path,
    };
    if pq != uri.path_and_query().map(|p| p.as_str()).unwrap_or("") {
        let mut parts = uri.clone().into_parts();
        if let Ok(p) = pq.parse() {
            parts.path_and_query = Some(p);
            if let Ok(u) = Uri::from_parts(parts) {
                *req.uri_mut() = u;
            }
        }
    }
    req
}

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff)) as usize;
    }
    diff == 0
}

pub(super) fn presented_key(req: &Request) -> Option<String> {
    let h = req.headers();
    h.get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .or_else(|| h.get("x-api-key").and_then(|v| v.to_str().ok()))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The route pattern that answered a request, carried out on the response for the log layer
/// (which runs before routing and cannot see `MatchedPath` itself).
#[derive(Clone, Debug)]
pub struct RouteLabel(pub String);

/// After routing: puts the matched route's pattern on the response.
pub async fn note_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut resp = next.run(req).await;
    if let Some(route) = route {
        resp.extensions_mut().insert(RouteLabel(route));
    }
    resp
}

/// A request body that notes when it was read to its end.
struct Watched {
    inner: axum::body::Body,
    ended: Arc<AtomicBool>,
}

impl http_body::Body for Watched {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// One line per request: method, path, status, latency, request id. Never headers or query.
/// Also counts it by matched route (never the raw path, which would let clients add series).
///
/// An answer given before the request's body was read (a 401, a refused Host, a body over the
/// limit) says `connection: close`: hyper closes such a connection rather than read the rest,
/// and a client that was not told would send its next request into the closed socket and count
/// the failure as a retry.
pub async fn log_request(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| format!("req_{}", uuid::Uuid::new_v4().simple()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v);
    }
    let ended = Arc::new(AtomicBool::new(false));
    let has_body = !http_body::Body::is_end_stream(req.body());
    if has_body {
        let inner = std::mem::take(req.body_mut());
        *req.body_mut() = axum::body::Body::new(Watched {
            inner,
            ended: ended.clone(),
        });
    }
    let started = Instant::now();
    let mut resp = next.run(req).await;
    let elapsed = started.elapsed();
    if has_body && !ended.load(Ordering::Relaxed) {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    tracing::info!(
        target: "clauded::http",
        "{method} {path} {} {}ms {id}",
        resp.status().as_u16(),
        elapsed.as_millis()
    );
    let route = resp
        .extensions()
        .get::<RouteLabel>()
        .map_or("unmatched", |r| r.0.as_str());
    crate::metrics::http_request(route, method.as_str(), resp.status().as_u16(), elapsed);
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Origins that browsers may call from: loopback ones always, plus the configured ones.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    any: bool,
    extra: Vec<String>,
}

impl Origins {
    /// From `--cors-origin` values (`*` allows any origin, without credentials).
    pub fn new(configured: &[String]) -> Self {
        Self {
            any: configured.iter().any(|o| o == "*"),
            extra: configured
                .iter()
                .filter(|o| *o != "*")
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// Named explicitly (loopback or configured): these get credentials.
    pub fn named(&self, origin: &str) -> bool {
        let o = origin.to_ascii_lowercase();
        is_loopback_origin(&o) || self.extra.contains(&o)
    }

    /// Allowed at all (named, or any when `*` is configured).
    pub fn allows(&self, origin: &str) -> bool {
        origin != "null" && (self.any || self.named(origin))
    }
}

fn is_loopback_origin(origin: &str) -> bool {
    let rest = match origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    {
        Some(r) => r,
        None => return false,
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        return v6.starts_with("::1]") && (v6.len() == 4 || v6[4..].starts_with(':'));
    } else {
        rest.split(':').next().unwrap_or("")
    };
    let port_ok = rest[host.len()..].is_empty()
        || rest[host.len()..]
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    port_ok && (host == "localhost" || host == "127.0.0.1")
}

/// CORS: loopback origins by default, plus the configured ones (`*` for any). Requested
/// headers are mirrored (SDKs send `x-stainless-*`, WebEDT `x-csrf-token`); credentials are
/// allowed for named origins only, never for `*`.
pub fn cors(origins: &Origins) -> CorsLayer {
    let (allow, named) = (origins.clone(), origins.clone());
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |o: &HeaderValue, _| {
            o.to_str().is_ok_and(|o| allow.allows(o))
        }))
        .allow_credentials(AllowCredentials::predicate(move |o: &HeaderValue, _| {
            o.to_str().is_ok_and(|o| named.named(o))
        }))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(600))
}

/// What the guards need: the Host rule, the allowed origins and the token.
#[derive(Debug, Clone)]
pub struct Guard {
    host_guard: bool,
    allowed_hosts: Vec<String>,
    origins: Origins,
    token: Option<String>,
}

impl Guard {
    /// From the server's options.
    pub fn new(opts: &ServerOptions) -> Self {
        Self {
            host_guard: opts.host_guard,
            allowed_hosts: opts
                .allowed_hosts
                .iter()
                .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            origins: Origins::new(&opts.cors_origins),
            token: opts.token.clone(),
        }
    }

    /// The allowed origins.
    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// Whether a `Host` header value may be served (DNS rebinding sends a foreign name).
    pub fn host_allowed(&self, host: &str) -> bool {
        if !self.host_guard {
            return true;
        }
        let name = host_name(host);
        is_loopback_name(&name)
            || self.allowed_hosts.iter().any(|a| {
                a == "*"
                    || *a == name
                    || a.strip_prefix("*.")
                        .is_some_and(|suffix| name.ends_with(&format!(".{suffix}")))
            })
    }

    /// The server's token or a user's API key: a header no page can send to another site
    /// without passing CORS first (the key itself is checked by `identity::identify`).
    fn has_token(&self, req: &Request) -> bool {
        presented_key(req).is_some_and(|p| {
            p.starts_with(crate::engine::accounts::KEY_PREFIX)
                || self
                    .token
                    .as_deref()
                    .is_some_and(|t| constant_time_eq(p.as_bytes(), t.as_bytes()))
        })
    }

    /// Why a browser request from another site is refused, if it is: `Sec-Fetch-Site` other
    /// than same-origin/none, or an `Origin` outside the allow-list. Requests without
    /// either header (curl, SDKs, the iOS app) and requests with the token pass.
    pub fn cross_site_refusal(&self, req: &Request) -> Option<String> {
        if self.has_token(req) {
            return None;
        }
        let h = req.headers();
        let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let origin_ok = origin.is_some_and(|o| self.origins.allows(o));
        let refused = match site {
            Some("same-origin") | Some("none") => false,
            Some(_) => !origin_ok,
            None => origin.is_some() && !origin_ok,
        };
        refused.then(|| match origin {
            Some(o) => format!(
                "cross-site request from {o} refused: add the origin with --cors-origin, or send the server token"
            ),
            None => "cross-site request refused: this route cannot be called from another site".into(),
        })
    }
}

/// The host part of a `Host` value, lowercased, without port or trailing dot.
fn host_name(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = h.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, _)) => format!("[{inside}]"),
            None => h.clone(),
        }
    } else {
        match h.rsplit_once(':') {
            Some((n, port)) if port.chars().all(|c| c.is_ascii_digit()) => n.to_owned(),
            _ => h.clone(),
        }
    };
    name.trim_end_matches('.').to_owned()
}

/// `localhost`, `*.localhost`, 127.0.0.0/8, `[::1]` (and IPv4-mapped loopback).
fn is_loopback_name(name: &str) -> bool {
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    let ip = name.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<std::net::IpAddr>().is_ok_and(|ip| match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    })
}

/// Before routing, preflights included: a request whose `Host` is not a loopback name (or an
/// allowed one) gets 403 when the server listens on loopback.
pub async fn host_guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{fffd}").to_owned())
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    if let Some(host) = host
        && !g.host_allowed(&host)
    {
        tracing::warn!(target: "clauded::http", "refused Host {host:?} (not a loopback name; see --allowed-host)");
        return ApiError::forbidden(
            "host_not_allowed",
            "this server only answers requests for a loopback host name; start it with --allowed-host NAME to add one",
        )
        .into_family_response(Family::of_request(req.uri().path(), req.headers()));
    }
    next.run(req).await
}

/// Unsafe methods (everything but GET, HEAD, OPTIONS) from a browser on another site get 403.
pub async fn cross_site_guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        return refuse_cross_site(State(g), req, next).await;
    }
    next.run(req).await
}

/// For a GET that starts work (WebEDT's GET execute): the cross-site rule whatever the method.
pub async fn refuse_cross_site(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if let Some(why) = g.cross_site_refusal(&req) {
        tracing::warn!(target: "clauded::http", "{} {}: {why}", req.method(), req.uri().path());
        return ApiError::forbidden("cross_site_refused", why)
            .into_family_response(Family::of_request(req.uri().path(), req.headers()));
    }
    next.run(req).await
}

/// Every refusal is JSON in its family's shape: extractor rejections (plain text from axum)
/// become error bodies, and on `/api/*` an OpenAI-shaped error becomes WebEDT's envelope.
pub async fn shape_errors(req: Request, next: Next) -> Response {
    let family = Family::of_request(req.uri().path(), req.headers());
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json && family == Family::OpenAi {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let message = if json {
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let shaped = match family {
            Family::Webedt => v.get("success").is_some(),
            Family::Anthropic => v["type"] == "error",
            Family::OpenAi => true,
        };
        if shaped {
            return Response::from_parts(parts, axum::body::Body::from(bytes));
        }
        v["error"]["message"]
            .as_str()
            .or_else(|| v["error"].as_str())
            .map(str::to_owned)
    } else if status.is_server_error() {
        // a 5xx text body may carry internals: the log has them, the client gets none
        None
    } else {
        Some(String::from_utf8_lossy(&bytes).trim().to_owned()).filter(|m| !m.is_empty())
    };
    let message = message.unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase()
    });
    let kind = match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let shaped = ApiError::new(status, kind, message).into_family_response(family);
    let (shaped_parts, shaped_body) = shaped.into_parts();
    parts.headers.extend(shaped_parts.headers);
    Response::from_parts(parts, shaped_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(p: &str) -> String {
        let req = Request::builder()
            .uri(p)
            .body(axum::body::Body::empty())
            .unwrap();
        rewrite_path(req).uri().to_string()
    }

    #[test]
    fn path_quirks() {
        assert_eq!(
            rewrite("/v1/sessions%3Fproject_id=p1"),
            "/v1/sessions?project_id=p1"
        );
        assert_eq!(
            rewrite("/v1/sessions%3fproject_id=p1&x=2"),
            "/v1/sessions?project_id=p1&x=2"
        );
        assert_eq!(rewrite("/api/v1/chat/completions"), "/v1/chat/completions");
        assert_eq!(rewrite("/v1/v1/models"), "/v1/models");
        assert_eq!(rewrite("/v1/models/"), "/v1/models");
        assert_eq!(rewrite("/health"), "/health");
    }

    #[test]
    fn loopback_origins() {
        for ok in [
            "http://localhost:3000",
            "http://127.0.0.1:8000",
            "http://localhost",
            "http://[::1]:5173",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io:80",
            "https://example.com",
            "null",
            "http://localhost:",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
