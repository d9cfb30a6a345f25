//! Middleware: the iOS path quirks, auth, CORS, and one log line per request.

use super::error::ApiError;
use super::state::{AppState, ServerOptions};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};

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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff)) as usize;
    }
    diff == 0
}

fn presented_key(req: &Request) -> Option<String> {
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

fn is_public(method: &Method, path: &str) -> bool {
    method == Method::OPTIONS
        || path == "/health"
        || (method == Method::GET
            && path.starts_with("/v1/chat/completions/")
            && path.ends_with("/status"))
}

/// With a server token: every route but health and turn status needs it. Without one: a
/// bearer that looks like an Anthropic key becomes the upstream key for this request.
pub async fn auth(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let presented = presented_key(&req);
    let caller_key = match &state.options().token {
        Some(token) => {
            let ok = presented
                .as_deref()
                .is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes()));
            if !ok && !is_public(req.method(), req.uri().path()) {
                let mut e = ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "authentication_error",
                    "this server needs `Authorization: Bearer <token>` (or `x-api-key`) with the token it was started with",
                );
                e.code = Some("invalid_api_key".into());
                return e.into_response();
            }
            None
        }
        None => presented.filter(|p| p.starts_with("sk-ant-")),
    };
    req.extensions_mut().insert(CallerKey(caller_key));
    next.run(req).await
}

/// One line per request: method, path, status, latency, request id. Never headers or query.
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
    let started = Instant::now();
    let mut resp = next.run(req).await;
    tracing::info!(
        target: "clauded::http",
        "{method} {path} {} {}ms {id}",
        resp.status().as_u16(),
        started.elapsed().as_millis()
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
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

/// CORS: loopback origins by default, plus the configured ones (`*` for any).
pub fn cors(opts: &ServerOptions) -> CorsLayer {
    let any = opts.cors_origins.iter().any(|o| o == "*");
    let extra: Vec<String> = opts
        .cors_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_owned())
        .collect();
    let origin = AllowOrigin::predicate(move |o: &HeaderValue, _| {
        let o = o.to_str().unwrap_or("");
        any || is_loopback_origin(o) || extra.iter().any(|e| e == o)
    });
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-api-key"),
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(600))
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
