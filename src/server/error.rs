//! API errors in OpenAI's body shape: `{"error":{"message","type","param","code"}}`, and
//! WebEDT's `{"success":false,"error"}` for `/api/*`.

use crate::anthropic;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Which API a path belongs to: its refusals take that API's error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/v1/*`, `/health` and everything else: OpenAI's error body.
    OpenAi,
    /// `/api/*` (but `/api/v1/*`, an alias of `/v1/*`): WebEDT's envelope.
    Webedt,
    /// `/v1/messages*`, and any `/v1` request that carries `anthropic-version`: Anthropic's
    /// `{"type":"error","error":{"type","message"}}`.
    Anthropic,
}

impl Family {
    /// The family of a request: its path, and for `/v1` whether it speaks Anthropic's API.
    pub fn of_request(path: &str, headers: &axum::http::HeaderMap) -> Self {
        let v1 = path.starts_with("/v1/") || path.starts_with("/api/v1/");
        if path.starts_with("/v1/messages") || (v1 && headers.contains_key("anthropic-version")) {
            return Family::Anthropic;
        }
        Family::of(path)
    }

    /// The family of a request path (before or after the iOS rewrite).
    pub fn of(path: &str) -> Self {
        let api = path == "/api" || path.starts_with("/api/");
        if api && !path.starts_with("/api/v1/") && path != "/api/v1" {
            Family::Webedt
        } else {
            Family::OpenAi
        }
    }
}

/// WebEDT's error envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebedtError {
    /// Always false.
    pub success: bool,
    /// What went wrong, for a person.
    pub error: String,
}

/// Anthropic's error body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AnthropicError {
    /// Always `error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The error.
    pub error: AnthropicErrorObject,
}

/// The inner object of [`AnthropicError`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AnthropicErrorObject {
    /// `invalid_request_error`, `authentication_error`, `not_found_error`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong.
    pub message: String,
}

impl WebedtError {
    /// An envelope around a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            success: false,
            error: message.into(),
        }
    }
}

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.type`.
    pub kind: String,
    /// `error.message`.
    pub message: String,
    /// `error.param`.
    pub param: Option<String>,
    /// `error.code`.
    pub code: Option<String>,
    /// `retry-after` seconds to forward.
    pub retry_after: Option<u64>,
    /// Extra top-level fields (the iOS app's `session_id`).
    pub extra: Vec<(String, Value)>,
    /// Tell the OpenAI SDKs not to retry (the server already did).
    pub no_retry: bool,
}

impl ApiError {
    /// An error with a status, type and message.
    pub fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind: kind.into(),
            message: message.into(),
            param: None,
            code: None,
            retry_after: None,
            extra: vec![],
            no_retry: false,
        }
    }

    /// 400 `invalid_request_error`.
    pub fn bad_request(message: impl Into<String>, param: Option<&str>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message);
        e.param = param.map(str::to_owned);
        e
    }

    /// 404 `not_found_error`.
    pub fn not_found(what: &str, id: &str) -> Self {
        let mut e = Self::new(
            StatusCode::NOT_FOUND,
            "not_found_error",
            format!("{what} not found: {id}"),
        );
        e.code = Some("not_found".into());
        e
    }

    /// 401 with a message that says how to provide a key (asking again without one is no use).
    pub fn no_key() -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "no Anthropic API key: send `Authorization: Bearer sk-ant-...` or `x-api-key: sk-ant-...`, or start the server with ANTHROPIC_API_KEY set (or after `clauded auth login`)",
        );
        e.code = Some("invalid_api_key".into());
        e.no_retry = true;
        e
    }

    /// 500 for a failure of ours; the details go to the log, not the client.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "internal server error; see the server log",
        )
    }

    /// 403 for a request the server refuses to serve (Host, cross-site).
    pub fn forbidden(kind: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, "permission_error", message);
        e.code = Some(kind.into());
        e
    }

    /// 415 for a body that is not declared as JSON.
    pub fn not_json() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request_error",
            "send the body as JSON with `Content-Type: application/json`",
        )
        .code("unsupported_media_type")
    }

    /// Sets `error.code`.
    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The answer in a family's shape.
    pub fn into_family_response(self, family: Family) -> Response {
        match family {
            Family::OpenAi => self.into_response(),
            Family::Webedt => {
                (self.status, axum::Json(WebedtError::new(self.message))).into_response()
            }
            Family::Anthropic => {
                let body = AnthropicError {
                    kind: "error".into(),
                    error: AnthropicErrorObject {
                        kind: self.kind.clone(),
                        message: self.message.clone(),
                    },
                };
                let mut r = (self.status, axum::Json(body)).into_response();
                self.headers_onto(&mut r);
                r
            }
        }
    }

    /// Adds a top-level field.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.push((key.into(), value));
        self
    }

    /// The body.
    pub fn body(&self) -> Value {
        let mut v = json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.code,
        }});
        for (k, val) in &self.extra {
            v[k] = val.clone();
        }
        v
    }
}

impl From<&anthropic::Error> for ApiError {
    fn from(e: &anthropic::Error) -> Self {
        let mut out = match e {
            anthropic::Error::Api(a) => {
                let status = a
                    .status
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::BAD_GATEWAY);
                let mut out = ApiError::new(status, &a.kind, a.message.clone());
                out.code = match a.kind.as_str() {
                    "authentication_error" => Some("invalid_api_key".into()),
                    "not_found_error" => Some("model_not_found".into()),
                    "rate_limit_error" => Some("rate_limit_exceeded".into()),
                    "overloaded_error" => Some("overloaded".into()),
                    _ => None,
                };
                out.retry_after = a.retry_after.map(|d| d.as_secs_f64().ceil() as u64);
                out
            }
            anthropic::Error::Timeout { .. } => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "timeout_error",
                format!("upstream timed out: {e}"),
            ),
            other => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "api_error",
                format!("upstream failed: {other}"),
            ),
        };
        out.no_retry = true;
        out
    }
}

impl From<crate::store::Error> for ApiError {
    fn from(e: crate::store::Error) -> Self {
        match &e {
            crate::store::Error::NotFound { kind, id } => ApiError::not_found(kind, id),
            crate::store::Error::Conflict(m) => {
                ApiError::new(StatusCode::CONFLICT, "conflict_error", m.clone())
            }
            crate::store::Error::NotYours(m) => ApiError::forbidden("not_yours", m.clone()),
            crate::store::Error::InvalidId { kind, .. } => {
                ApiError::bad_request(e.to_string(), Some(&format!("{kind}_id")))
            }
            _ => ApiError::internal(e),
        }
    }
}

impl ApiError {
    /// `retry-after` and `x-should-retry`, whatever the body's shape.
    fn headers_onto(&self, r: &mut Response) {
        if let Some(s) = self.retry_after {
            r.headers_mut().insert("retry-after", HeaderValue::from(s));
        }
        if self.no_retry {
            r.headers_mut()
                .insert("x-should-retry", HeaderValue::from_static("false"));
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        self.headers_onto(&mut r);
        r
    }
}
