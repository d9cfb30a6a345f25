//! Errors of the Claude client, keeping Anthropic's type, message and request id.

use std::time::Duration;

/// An error the API itself reported, by HTTP status or by an `error` event.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status, absent for an `error` event inside a 200 stream.
    pub status: Option<u16>,
    /// Anthropic's `error.type` (`overloaded_error`, `authentication_error`, ...).
    pub kind: String,
    /// Anthropic's `error.message`.
    pub message: String,
    /// The `request-id` header or body field.
    pub request_id: Option<String>,
    /// The server's `retry-after-ms`/`retry-after`, if it sent one.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        match (self.status, &self.request_id) {
            (Some(s), Some(id)) => write!(f, " (HTTP {s}, request-id {id})"),
            (Some(s), None) => write!(f, " (HTTP {s})"),
            (None, Some(id)) => write!(f, " (request-id {id})"),
            (None, None) => Ok(()),
        }
    }
}

/// Everything that can go wrong talking to the API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API answered with an error.
    #[error("{0}")]
    Api(ApiError),
    /// No connection could be made, or it broke before an answer.
    #[error("cannot reach {url}: {reason}")]
    Connect {
        /// The base URL (never carries the key).
        url: String,
        /// What the transport said.
        reason: String,
    },
    /// Connecting or waiting for the next bytes took too long.
    #[error("timed out waiting for {url} ({reason})")]
    Timeout {
        /// The base URL.
        url: String,
        /// Which timeout fired.
        reason: String,
    },
    /// The stream ended before `message_stop`.
    #[error("the response stream ended before the message was complete")]
    Incomplete,
    /// The upstream sent something that is not the Messages API.
    #[error("unexpected response from the API: {0}")]
    Protocol(String),
    /// The client was configured wrongly (bad base URL, bad header value).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// True when the network, not the API, failed.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Error::Connect { .. } | Error::Timeout { .. } | Error::Incomplete
        )
    }
}

/// The `type` Anthropic uses for an HTTP status when the body gives none.
pub fn kind_for_status(status: u16) -> &'static str {
    match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    }
}
