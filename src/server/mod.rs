//! The HTTP server: `/health` and `/v1/*` (the OpenAI-compatible API and the iOS app's backend).
//!
//! [`router`] builds the service and [`serve`] runs it on a pre-bound listener until a shutdown
//! future resolves, so tests run it in-process on port 0.

// An ApiError is made at most once per failed request; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod demo;
mod error;
mod extract;
mod layers;
mod routes;
mod sse;
mod state;

pub use error::ApiError;
pub use state::{AppState, ServerOptions};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::future::Future;
use tower::Layer;

/// Every route with its layers: CORS and the request log outside, then the iOS path quirks
/// (rewritten before routing), then auth.
pub fn router(state: AppState) -> Router {
    let inner = Router::new()
        .route("/health", get(routes::health::health))
        .route("/v1/models", get(routes::models::list))
        .route("/v1/models/capabilities", get(routes::models::capabilities))
        .route("/v1/models/{id}", get(routes::models::one))
        .route("/v1/chat/completions", post(routes::chat::completions))
        .route(
            "/v1/chat/completions/{session_id}",
            axum::routing::delete(routes::chat::stop),
        )
        .route(
            "/v1/chat/completions/{session_id}/status",
            get(routes::chat::status),
        )
        .route(
            "/v1/projects",
            get(routes::projects::list).post(routes::projects::create),
        )
        .route(
            "/v1/projects/{id}",
            get(routes::projects::one).delete(routes::projects::remove),
        )
        .route(
            "/v1/sessions",
            get(routes::sessions::list).post(routes::sessions::create),
        )
        .route("/v1/sessions/stats", get(routes::sessions::stats))
        .route(
            "/v1/sessions/{id}",
            get(routes::sessions::one).delete(routes::sessions::remove),
        )
        .route(
            "/v1/sessions/{id}/messages",
            get(routes::sessions::messages).post(routes::sessions::post_message),
        )
        .route(
            "/v1/mcp/servers",
            get(routes::mcp::list).post(routes::mcp::create),
        )
        .route(
            "/v1/mcp/servers/{id}",
            axum::routing::delete(routes::mcp::remove),
        )
        .route("/v1/mcp/servers/{id}/tools", get(routes::mcp::tools))
        .route("/v1/mcp/servers/{id}/enable", post(routes::mcp::enable))
        .route("/v1/mcp/servers/{id}/disable", post(routes::mcp::disable))
        .route(
            "/v1/mcp/tools/{id}/execute",
            post(routes::mcp::execute_by_id),
        )
        .route("/v1/tools/execute", post(routes::mcp::execute))
        .route("/v1/sessions/{id}/tools", post(routes::mcp::session_tools))
        .route(
            "/v1/sessions/{id}/approvals/{tool_use_id}",
            post(routes::mcp::approve),
        )
        .route(
            "/api/execute-remote",
            get(routes::webedt::execute_get).post(routes::webedt::execute_post),
        )
        .route("/api/resume/{id}", get(routes::webedt::resume))
        .route("/api/sessions", get(routes::webedt::list))
        .route(
            "/api/sessions/{id}",
            get(routes::webedt::one).delete(routes::webedt::remove),
        )
        .route(
            "/api/sessions/{id}/events",
            get(routes::webedt::events_json),
        )
        .route(
            "/api/sessions/{id}/events/stream",
            get(routes::webedt::events_stream),
        )
        .route(
            "/api/sessions/{id}/stream",
            get(routes::webedt::events_stream),
        )
        .route("/api/sessions/{id}/abort", post(routes::webedt::abort))
        .route(
            "/api/sessions/{id}/interrupt",
            post(routes::webedt::interrupt),
        )
        .route(
            "/api/internal/sessions/{id}/interrupt",
            post(routes::webedt::interrupt),
        )
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            layers::auth,
        ))
        .layer(DefaultBodyLimit::max(state.options().max_body_bytes))
        .with_state(state.clone());
    let rewritten = tower::util::MapRequestLayer::new(layers::rewrite_path).layer(inner);
    Router::new()
        .fallback_service(rewritten)
        .layer(axum::middleware::from_fn(layers::log_request))
        .layer(layers::cors(state.options()))
}

/// Serves until `shutdown` resolves; open streams then get a final frame and `[DONE]`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // tool processes left by a daemon that was killed go before ours start
    state.tools().reap_orphans().await;
    // runs left running by a previous process are closed now, orphans every minute after
    let closed = routes::webedt::sweep_orphans(&state, std::time::Duration::from_secs(120)).await;
    if closed > 0 {
        tracing::warn!("closed {closed} runs left running by a previous process");
    }
    let sweeper = {
        let st = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                routes::webedt::sweep_orphans(&st, st.options().orphan_timeout).await;
            }
        })
    };
    let app = router(state.clone());
    let stop = state.shutdown_token();
    // SSE frames are small writes: without TCP_NODELAY, Nagle and delayed ACKs hold the
    // second frame ~40 ms (measured in benches/ttft.rs)
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stop.cancel();
        })
        .await;
    sweeper.abort();
    // MCP child processes end with the daemon
    state.tools().shutdown().await;
    served
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
