//! Usage per account: `GET /v1/usage` (the caller's) and `GET /api/admin/usage` (everyone's),
//! both `?days=N` (default 30) or `?since=YYYY-MM-DD`.

use super::auth::{Envelope, ok};
use crate::engine::usage::{self, UsageReport, Window};
use crate::server::error::ApiError;
use crate::server::identity::Me;
use axum::Json;
use axum::extract::Query;
use std::collections::HashMap;

fn window(q: &HashMap<String, String>) -> Result<Window, ApiError> {
    let param = if q.contains_key("since") {
        "since"
    } else {
        "days"
    };
    Window::parse(
        q.get("days").map(String::as_str),
        q.get("since").map(String::as_str),
    )
    .map_err(|m| ApiError::bad_request(m, Some(param)))
}

/// `GET /v1/usage`: what the caller's requests used, per day, model and source.
pub async fn mine(
    Me(st): Me,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<UsageReport>, ApiError> {
    Ok(Json(usage::report(st.store(), &window(&q)?).await?))
}

/// `GET /api/admin/usage`: every account's, each row with its owner and email.
pub async fn everyone(
    Me(st): Me,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Envelope<UsageReport>>, ApiError> {
    let w = window(&q)?;
    Ok(ok(usage::report(&st.store().unscoped(), &w).await?))
}
