//! The HTTP server: `/health` and `/v1/*` (the OpenAI-compatible API and the iOS app's backend).
//!
//! [`router`] builds the service and [`serve`] runs it on a pre-bound listener until a shutdown
//! future resolves, so tests run it in-process on port 0.

// An ApiError is made at most once per failed request; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod demo;
mod error;
mod extract;
pub(crate) mod identity;
mod layers;
mod memory;
mod routes;
mod sse;
mod state;

pub use error::ApiError;
pub use state::{AppState, ServerOptions};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::future::Future;
use std::sync::Arc;
use tower::Layer;

/// Every route with its layers. Outside in: the request log, the iOS path quirks (rewritten
/// before routing), errors in each API's shape, the Host guard, CORS, then the routes: the
/// public ones merged with the protected ones (auth), all behind the cross-site guard.
pub fn router(state: AppState) -> Router {
    let guard = Arc::new(layers::Guard::new(state.options()));
    // needs no auth: health for probes, turn status for the iOS app (counters only)
    let public = Router::new()
        .route("/", get(routes::messages::root))
        .route("/health", get(routes::health::health))
        .route("/health/live", get(routes::health::live))
        .route("/health/ready", get(routes::health::ready))
        .route(
            "/v1/chat/completions/{session_id}/status",
            get(routes::chat::status),
        )
        // GitHub sends the browser back here: the stored state is the proof
        .route("/api/github/oauth/callback", get(routes::github::callback));
    let protected = Router::new()
        .route("/v1/models", get(routes::models::list))
        .route("/v1/models/capabilities", get(routes::models::capabilities))
        .route("/v1/models/{id}", get(routes::models::one))
        .route("/v1/chat/completions", post(routes::chat::completions))
        .route("/v1/messages", post(routes::messages::messages))
        .route("/v1/responses", post(routes::responses::create))
        .route("/v1/responses/{id}", get(routes::responses::get))
        .route(
            "/v1/messages/count_tokens",
            post(routes::messages::count_tokens),
        )
        .route(
            "/v1/chat/completions/{session_id}",
            axum::routing::delete(routes::chat::stop),
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
        .route("/v1/usage", get(routes::usage::mine))
        .route("/v1/approvals", get(routes::approvals::list))
        .route("/v1/approvals/stream", get(routes::approvals::stream))
        .route("/v1/approvals/{id}", post(routes::approvals::answer))
        .route(
            "/v1/hooks/permission-request",
            post(routes::approvals::permission_request),
        )
        .route(
            "/api/execute-remote",
            // the GET form starts a run, so it gets the cross-site rule of a POST
            get(routes::webedt::execute_get)
                .layer(axum::middleware::from_fn_with_state(
                    guard.clone(),
                    layers::refuse_cross_site,
                ))
                .post(routes::webedt::execute_post),
        )
        .route("/api/resume/{id}", get(routes::webedt::resume))
        .route("/api/sessions", get(routes::webedt::list))
        // the literal segments (matched before `{id}`)
        .route(
            "/api/sessions/create-code-session",
            post(routes::webedt_sessions::create_code_session),
        )
        .route(
            "/api/sessions/deleted",
            get(routes::webedt_sessions::deleted),
        )
        .route(
            "/api/sessions/updates",
            get(routes::webedt_sessions::updates),
        )
        .route(
            "/api/sessions/bulk-delete",
            post(routes::webedt_sessions::bulk_delete),
        )
        .route(
            "/api/sessions/bulk-restore",
            post(routes::webedt_sessions::bulk_restore),
        )
        .route(
            "/api/sessions/bulk-delete-permanent",
            post(routes::webedt_sessions::bulk_purge),
        )
        .route(
            "/api/sessions/{id}",
            get(routes::webedt::one)
                .patch(routes::webedt_sessions::update)
                .delete(routes::webedt_sessions::remove),
        )
        .route(
            "/api/sessions/{id}/restore",
            post(routes::webedt_sessions::restore),
        )
        .route(
            "/api/sessions/{id}/unlock",
            post(routes::webedt_sessions::unlock),
        )
        .route(
            "/api/sessions/{id}/messages",
            get(routes::webedt_sessions::messages).post(routes::webedt_sessions::post_message),
        )
        .route("/api/sessions/{id}/send", post(routes::webedt::send))
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
        .route("/openapi.json", get(routes::openapi::document))
        .route("/api/auth/logout", post(routes::auth::logout))
        .route("/api/auth/session", get(routes::auth::session))
        .route(
            "/api/user/api-keys",
            get(routes::user::list_keys).post(routes::user::create_key),
        )
        .route(
            "/api/user/api-keys/{id}",
            axum::routing::delete(routes::user::delete_key),
        )
        .route(
            "/api/user/claude-auth",
            post(routes::user::set_claude_auth).delete(routes::user::clear_claude_auth),
        )
        .route(
            "/api/user/anthropic-key",
            post(routes::user::set_anthropic_key).delete(routes::user::clear_anthropic_key),
        )
        .route(
            "/api/user/preferred-provider",
            post(routes::user::preferred_provider),
        )
        .route(
            "/api/user/preferred-model",
            post(routes::user::preferred_model),
        )
        .route(
            "/api/user/chat-verbosity",
            post(routes::user::chat_verbosity),
        )
        .route(
            "/api/user/default-landing-page",
            post(routes::user::default_landing_page),
        )
        .route(
            "/api/user/image-resize-setting",
            post(routes::user::image_resize),
        )
        .route("/api/user/display-name", post(routes::user::display_name))
        .route(
            "/api/user/voice-command-keywords",
            post(routes::user::voice_keywords),
        )
        .route("/api/github/oauth", get(routes::github::authorize))
        .route("/api/github/disconnect", post(routes::github::disconnect))
        .route("/api/github/repos", get(routes::github::repos))
        .route(
            "/api/github/repos/{owner}/{repo}/branches",
            get(routes::github::branches),
        )
        .route(
            "/api/github/repos/{owner}/{repo}/pulls",
            post(routes::github::create_pull),
        )
        .route_layer(axum::middleware::from_fn(identity::require));
    let admin = Router::new()
        .route(
            "/api/admin/users",
            get(routes::admin::list).post(routes::admin::create),
        )
        .route(
            "/api/admin/users/{id}",
            get(routes::admin::one)
                .patch(routes::admin::update)
                .delete(routes::admin::remove),
        )
        .route(
            "/api/admin/users/{id}/impersonate",
            post(routes::admin::impersonate),
        )
        .route("/api/admin/stats", get(routes::admin::stats))
        .route("/api/admin/usage", get(routes::usage::everyone))
        // the whole server's counts
        .route("/metrics", get(routes::metrics::scrape))
        .route_layer(axum::middleware::from_fn(identity::require_admin));
    // no login needed to log in
    let auth = Router::new()
        .route("/api/auth/register", post(routes::auth::register))
        .route("/api/auth/login", post(routes::auth::login));
    let inner = public
        .merge(auth)
        .merge(protected)
        .merge(admin)
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn(layers::note_route))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            identity::identify,
        ))
        .layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            layers::cross_site_guard,
        ))
        .layer(DefaultBodyLimit::max(state.options().max_body_bytes))
        .with_state(state.clone());
    let shaped = Router::new()
        .fallback_service(inner)
        .layer(layers::cors(guard.origins()))
        .layer(axum::middleware::from_fn_with_state(
            guard,
            layers::host_guard,
        ))
        .layer(axum::middleware::from_fn(layers::shape_errors));
    let rewritten = tower::util::MapRequestLayer::new(layers::rewrite_path).layer(shaped);
    Router::new()
        .fallback_service(rewritten)
        .layer(axum::middleware::from_fn(layers::log_request))
}

/// `GET /metrics` alone, without auth, for `--metrics-addr` (an address only the scraper reaches).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(routes::metrics::scrape))
        .with_state(state)
}

/// Serves until `shutdown` resolves; open streams then get a final frame and `[DONE]`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // tool processes left by a daemon that was killed go before ours start
    state.tools().reap_orphans().await;
    memory::start_trimming();
    // runs left running by a previous process are closed now; after that, lapsed leases
    // (a dead instance's) are looked for six times per lease time, every running session
    // once a minute
    let closed = routes::webedt::sweep_orphans(&state, true).await;
    if closed > 0 {
        tracing::warn!("closed {closed} runs left running by a previous process");
    }
    let sweeper = {
        let st = state.clone();
        tokio::spawn(async move {
            let every =
                (crate::engine::lease::ttl() / 6).max(std::time::Duration::from_millis(500));
            let mut tick = tokio::time::interval(every);
            let mut last_full = std::time::Instant::now();
            loop {
                tick.tick().await;
                let full = last_full.elapsed() >= std::time::Duration::from_secs(60);
                if full {
                    last_full = std::time::Instant::now();
                }
                let closed = routes::webedt::sweep_orphans(&st, full).await;
                if closed > 0 {
                    tracing::warn!("closed {closed} runs whose instance stopped renewing them");
                }
            }
        })
    };
    // messages are indexed for search in batches (see Store::index_messages)
    let indexer = {
        let store = state.store().clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Err(e) = store.index_messages().await {
                    tracing::warn!("indexing messages for search: {e}");
                }
            }
        })
    };
    let listener_task = state.listen_for_signals();
    let app = router(state.clone());
    let stop = state.shutdown_token();
    let served = accept_loop(listener, app, state.options(), async move {
        shutdown.await;
        stop.cancel();
    })
    .await;
    sweeper.abort();
    indexer.abort();
    listener_task.abort();
    // MCP child processes end with the daemon
    state.tools().shutdown().await;
    // the request log's last batch
    state.store().flush_request_log().await;
    served
}

/// How long shutdown waits for open connections after their streams got their last frame.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepts connections until `shutdown`: each gets a header-read timeout (which also closes
/// idle keep-alive connections), and at most `max_connections` are open at once, so slow or
/// half-open clients cannot hold every file descriptor.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    opts: &ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let cap = connection_cap(opts.max_connections);
    let permits = Arc::new(tokio::sync::Semaphore::new(cap));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(opts.header_timeout)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut at_cap = false;
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => {
                at_cap = false;
                p
            }
            Err(_) => {
                if !at_cap {
                    at_cap = true;
                    tracing::warn!(
                        "connection limit reached ({cap} open); new connections wait until one closes"
                    );
                }
                tokio::select! {
                    p = permits.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = &mut shutdown => break,
                }
            }
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // SSE frames are small writes: without TCP_NODELAY, Nagle and delayed ACKs hold the
        // second frame ~40 ms (measured in benches/ttft.rs)
        let _ = tcp.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(
            tower::util::MapRequestLayer::new(
                move |mut r: axum::http::Request<hyper::body::Incoming>| {
                    r.extensions_mut().insert(identity::PeerAddr(peer));
                    r
                },
            )
            .layer(app.clone()),
        );
        let conn = http.serve_connection(TokioIo::new(tcp), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // a timed-out or reset connection is the client's business, not an error of ours
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "some connections were still open {} s after shutdown",
            DRAIN.as_secs()
        );
    }
    Ok(())
}

/// The connection cap: as configured, else what the open-file limit leaves room for (after
/// raising the soft limit to the hard one), keeping some descriptors for the store, git and
/// tool processes.
fn connection_cap(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit write and read the struct we pass; nothing else.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                if lim.rlim_cur < lim.rlim_max {
                    let raised = libc::rlimit {
                        rlim_cur: lim.rlim_max.min(65536),
                        rlim_max: lim.rlim_max,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                        lim.rlim_cur = raised.rlim_cur;
                    }
                }
                let soft = usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX);
                return soft.saturating_sub(128).clamp(32, 50_000);
            }
        }
    }
    1000
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
