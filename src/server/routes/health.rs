//! `GET /health` (status and counters), `/health/live` (the process answers) and
//! `/health/ready` (the store answers and is migrated): the probes of Docker, systemd and
//! orchestrators, public like `/health`.

use crate::server::AppState;
use crate::store::SchemaVersion;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

/// `GET /health`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always true: the process answers.
    pub ok: bool,
    /// `healthy`.
    pub status: &'static str,
    /// The crate version.
    pub version: &'static str,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// Turns and runs in progress.
    pub active_sessions: usize,
    /// WebEDT's envelope, so its frontend reads this too.
    pub success: bool,
    /// WebEDT's health.
    pub data: WebedtHealth,
}

/// WebEDT's `GET /health` data.
#[derive(Debug, Serialize)]
pub struct WebedtHealth {
    /// `ok`.
    pub status: &'static str,
    /// `clauded`.
    pub service: &'static str,
    /// What was built.
    pub build: Build,
    /// Now, RFC 3339.
    pub timestamp: String,
}

/// The build.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    /// The commit, when the build knew it.
    pub commit_sha: Option<&'static str>,
    /// The commit's date (YYYY-MM-DD), when the build knew it.
    pub timestamp: Option<&'static str>,
    /// The version.
    pub version: &'static str,
}

/// The commit and its date in `--version` (`0.2.0 (abc1234 2026-12-02)`), if the build knew
/// them.
fn described() -> (Option<&'static str>, Option<&'static str>) {
    let long = env!("CLAUDED_LONG_VERSION");
    let Some(inside) = long.split_once('(').and_then(|(_, r)| r.strip_suffix(')')) else {
        return (None, None);
    };
    let mut words = inside.split_whitespace();
    (words.next(), words.next())
}

/// `GET /health/live`.
#[derive(Debug, Serialize)]
pub struct Live {
    /// Always true.
    pub ok: bool,
    /// `alive`.
    pub status: &'static str,
}

/// `GET /health/ready`: 200 when ready, 503 with the reason when not.
#[derive(Debug, Serialize)]
pub struct Ready {
    /// Whether requests can be served.
    pub ok: bool,
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// The store's schema version, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaVersion>,
    /// Why it is not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Liveness with version, uptime and running turns.
pub async fn health(State(st): State<AppState>) -> Json<Health> {
    Json(Health {
        ok: true,
        status: "healthy",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: st.uptime(),
        active_sessions: st.running_count(),
        success: true,
        data: WebedtHealth {
            status: "ok",
            service: "clauded",
            build: Build {
                commit_sha: described().0,
                timestamp: described().1,
                version: env!("CARGO_PKG_VERSION"),
            },
            timestamp: crate::store::now(),
        },
    })
}

/// The process answers; nothing else is checked, so a slow store never gets it restarted.
pub async fn live() -> Json<Live> {
    Json(Live {
        ok: true,
        status: "alive",
    })
}

/// The store answers a query and its schema is the one this build writes.
pub async fn ready(State(st): State<AppState>) -> (StatusCode, Json<Ready>) {
    let checked = st.store().schema_version().await;
    let (schema, error) = match checked {
        Ok(v) if v.current() => (Some(v), None),
        Ok(v) => (
            Some(v),
            Some(format!(
                "schema version {} but this build writes {}",
                v.found, v.known
            )),
        ),
        Err(e) => {
            tracing::warn!("readiness: the store does not answer: {e}");
            (None, Some("the database does not answer".into()))
        }
    };
    let ok = error.is_none();
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Ready {
        ok,
        status: if ok { "ready" } else { "not_ready" },
        schema,
        error,
    };
    (status, Json(body))
}
