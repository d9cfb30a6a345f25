//! Streamable HTTP: our reqwest client (TLS set up, headers kept secret, same-origin redirects
//! only) wrapped so that a lost session is reported as one and rmcp re-initialises.
//!
//! Servers built on the TypeScript SDK answer a request on a session they no longer know with
//! `400` and a JSON-RPC error without an `id` rather than `404`. rmcp only re-initialises on a
//! 404, and drops an error without an id, so the call would hang until its timeout; the wrapper
//! turns that answer into "session expired" (and, without a session, into an error for the
//! request that caused it).

use super::Error;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::DynamicTransportError;
use rmcp::transport::common::client_side_sse::BoxedSseResponse;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Headers the transport sets itself; configuring one would break the protocol.
const RESERVED: &[&str] = &[
    "accept",
    "content-type",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
];

/// Redirects followed at most, all same-origin 307/308.
const MAX_REDIRECTS: usize = 10;

/// The HTTP client given to rmcp's Streamable HTTP transport.
#[derive(Clone)]
pub(super) struct HttpClient {
    inner: reqwest::Client,
}

type HttpResult<T> = Result<T, StreamableHttpError<reqwest::Error>>;

impl HttpClient {
    /// Checks the URL and headers, then builds the client; errors never show a header value.
    pub(super) fn new(
        server: &str,
        url: &str,
        headers: &BTreeMap<String, String>,
        connect_timeout: Duration,
    ) -> Result<Self, Error> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            Error::Config(format!(
                "MCP server `{server}` has an invalid URL `{url}` ({e}); use http(s)://host[:port]/path"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "MCP server `{server}` has URL `{url}`, which is not http(s); stdio servers take a command instead"
            )));
        }
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::Config(format!(
                    "MCP server `{server}`: `{name}` is not a valid HTTP header name"
                ))
            })?;
            if RESERVED.contains(&header.as_str()) {
                return Err(Error::Config(format!(
                    "MCP server `{server}`: header `{name}` is set by the MCP transport itself; remove it from the configuration"
                )));
            }
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::Config(format!(
                    "MCP server `{server}`: the value of header `{name}` is not a valid HTTP header value (value not shown)"
                ))
            })?;
            value.set_sensitive(true);
            map.append(header, value);
        }
        crate::anthropic::init_tls();
        let inner = reqwest::Client::builder()
            .default_headers(map)
            .connect_timeout(connect_timeout)
            // rmcp does the same: a reused connection whose last body was not fully read
            // stalls ~40 ms on delayed ACKs.
            .pool_max_idle_per_host(0)
            .redirect(same_origin_redirects())
            .user_agent(concat!("clauded/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot set up HTTP for MCP server `{server}`: {e}"))
            })?;
        Ok(HttpClient { inner })
    }
}

/// 307/308 keep the method and body; another origin would receive our secret headers.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let keeps_body = matches!(
            attempt.status(),
            reqwest::StatusCode::TEMPORARY_REDIRECT | reqwest::StatusCode::PERMANENT_REDIRECT
        );
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if keeps_body && same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Routes an error without an `id` (see the module note); anything else passes unchanged.
fn route_idless_error(
    response: HttpResult<StreamableHttpPostResponse>,
    request: Option<rmcp::model::RequestId>,
    had_session: bool,
) -> HttpResult<StreamableHttpPostResponse> {
    match response {
        Ok(StreamableHttpPostResponse::Json(ServerJsonRpcMessage::Error(error), session))
            if error.id.is_none() =>
        {
            match request {
                Some(_) if had_session => Err(StreamableHttpError::SessionExpired),
                Some(id) => Ok(StreamableHttpPostResponse::Json(
                    ServerJsonRpcMessage::error(error.error, Some(id)),
                    session,
                )),
                None => Ok(StreamableHttpPostResponse::Json(
                    ServerJsonRpcMessage::Error(error),
                    session,
                )),
            }
        }
        other => other,
    }
}

fn request_id(message: &ClientJsonRpcMessage) -> Option<rmcp::model::RequestId> {
    match message {
        ClientJsonRpcMessage::Request(request) => Some(request.id.clone()),
        _ => None,
    }
}

impl StreamableHttpClient for HttpClient {
    type Error = reqwest::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> HttpResult<StreamableHttpPostResponse> {
        let id = request_id(&message);
        let had_session = session_id.is_some();
        let response = self
            .inner
            .post_message(uri, message, session_id, auth_header, custom_headers)
            .await;
        route_idless_error(response, id, had_session)
    }

    async fn post_message_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> HttpResult<StreamableHttpPostResponse> {
        let id = request_id(&message);
        let had_session = session_id.is_some();
        let response = self
            .inner
            .post_message_with_max_sse_event_size(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await;
        route_idless_error(response, id, had_session)
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> HttpResult<()> {
        self.inner
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> HttpResult<BoxedSseResponse> {
        self.inner
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> HttpResult<BoxedSseResponse> {
        self.inner
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }
}

/// The readable causes of a transport error, without rmcp's type names; reqwest's cause
/// ("connection refused") sits where rmcp does not chain it.
pub(super) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(dynamic) = e.downcast_ref::<DynamicTransportError>() {
            current = Some(&*dynamic.error as &(dyn std::error::Error + 'static));
            continue;
        }
        if let Some(StreamableHttpError::Client(inner)) =
            e.downcast_ref::<StreamableHttpError<reqwest::Error>>()
        {
            current = Some(inner as &(dyn std::error::Error + 'static));
            continue;
        }
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// True when a failed request was never processed because the session or connection was lost,
/// so reconnecting and sending it again is safe.
pub(super) fn is_session_lost(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(dynamic) = e.downcast_ref::<DynamicTransportError>() {
            current = Some(&*dynamic.error as &(dyn std::error::Error + 'static));
            continue;
        }
        if let Some(http) = e.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
            return match http {
                StreamableHttpError::SessionExpired
                | StreamableHttpError::ReinitializationFailed(_)
                | StreamableHttpError::TransportChannelClosed => true,
                StreamableHttpError::Client(e) => e.is_connect(),
                _ => false,
            };
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{ErrorData, RequestId};

    fn idless() -> HttpResult<StreamableHttpPostResponse> {
        Ok(StreamableHttpPostResponse::Json(
            ServerJsonRpcMessage::error(ErrorData::invalid_request("no session", None), None),
            None,
        ))
    }

    #[test]
    fn idless_error_on_a_session_means_it_expired() {
        let r = route_idless_error(idless(), Some(RequestId::Number(3)), true);
        assert!(matches!(r, Err(StreamableHttpError::SessionExpired)));
    }

    #[test]
    fn idless_error_without_a_session_answers_the_request() {
        let r = route_idless_error(idless(), Some(RequestId::Number(3)), false);
        let Ok(StreamableHttpPostResponse::Json(ServerJsonRpcMessage::Error(e), _)) = r else {
            panic!("not a routed error");
        };
        assert_eq!(e.id, Some(RequestId::Number(3)));
    }

    #[test]
    fn headers_are_checked_without_echoing_values() {
        let mut headers = BTreeMap::new();
        headers.insert("Authorization".to_owned(), "Bearer sekrit\n".to_owned());
        let Err(e) = HttpClient::new(
            "x",
            "http://127.0.0.1:1/mcp",
            &headers,
            Duration::from_secs(1),
        ) else {
            panic!("bad value accepted");
        };
        assert!(!e.to_string().contains("sekrit"), "{e}");

        let mut headers = BTreeMap::new();
        headers.insert("Mcp-Session-Id".to_owned(), "x".to_owned());
        assert!(
            HttpClient::new(
                "x",
                "http://127.0.0.1:1/mcp",
                &headers,
                Duration::from_secs(1)
            )
            .is_err()
        );
        assert!(
            HttpClient::new("x", "ftp://h/mcp", &BTreeMap::new(), Duration::from_secs(1)).is_err()
        );
        assert!(
            HttpClient::new(
                "x",
                "http://h/mcp",
                &BTreeMap::new(),
                Duration::from_secs(1)
            )
            .is_ok()
        );
    }
}
