//! A JSON body extractor whose rejections are OpenAI error bodies naming the field.

use super::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `Json<T>` with clear 400 and 413 errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<Value>::from_request(req, state)
            .await
            .map_err(reject)?;
        parse(value).map(ApiJson)
    }
}

/// One id from the path, checked with [`crate::store::check_id`]: 400 otherwise.
pub struct IdPath(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let axum::extract::Path(id) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text(), None))?;
        crate::store::check_id("path", &id)?;
        Ok(IdPath(id))
    }
}

/// Whether a request declares a JSON body: `application/json` (parameters allowed) or
/// `application/*+json`, as axum's `Json` accepts.
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// 415 unless the request declares a JSON body (for handlers that read raw bytes).
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    if is_json(headers) {
        Ok(())
    } else {
        Err(ApiError::not_json())
    }
}

/// A JSON value into `T`, with the error naming the field.
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
            None,
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        let msg = e.to_string();
        let param = msg
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
            .map(str::to_owned);
        let message = match &param {
            Some(p) => format!("missing required field `{p}`"),
            None => format!("invalid request body: {msg}"),
        };
        ApiError::bad_request(message, param.as_deref())
    })
}

fn reject(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::not_json(),
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_too_large",
                "the request body is larger than the server accepts",
            )
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::bad_request(format!("malformed JSON: {}", e.body_text()), None)
        }
        JsonRejection::JsonDataError(e) => {
            ApiError::bad_request(format!("invalid JSON: {}", e.body_text()), None)
        }
        other => ApiError::bad_request(other.body_text(), None),
    }
}
