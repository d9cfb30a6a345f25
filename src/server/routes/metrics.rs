//! `GET /metrics`: Prometheus text, behind the token like the API (or alone on `--metrics-addr`).

use crate::server::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The Prometheus text format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Everything recorded, with the gauges only the state knows brought up to date first.
pub async fn scrape(State(st): State<AppState>) -> Response {
    // the hub is in the store: every instance reports the same count
    let pending = st
        .store()
        .pending_approvals()
        .await
        .map(|p| p.len())
        .unwrap_or(0);
    crate::metrics::set_pending_approvals(pending);
    let mut resp = crate::metrics::render().into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    resp
}
