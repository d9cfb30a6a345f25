//! `GET /openapi.json`: the OpenAPI 3.1 document of every route, checked in as
//! `docs/openapi.json` (a test keeps its paths and the router's the same set).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The document, embedded at build time.
pub const DOCUMENT: &str = include_str!("../../../docs/openapi.json");

/// The document as JSON.
pub async fn document() -> Response {
    let mut resp = DOCUMENT.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
