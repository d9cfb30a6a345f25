//! `GET /health`.

use crate::server::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// Liveness with version, uptime and running turns.
pub async fn health(State(st): State<AppState>) -> Json<Value> {
    Json(json!({
        "ok": true,
        "status": "healthy",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": st.uptime(),
        "active_sessions": st.running_count(),
    }))
}
