//! Prometheus metrics: every name, label and unit is here, and every layer records through
//! these functions (the `metrics` facade is a no-op until [`install`] sets the recorder, so
//! the terminal commands pay nothing). `GET /metrics` renders them with [`render`].

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Requests answered, by matched route, method and status.
pub const HTTP_REQUESTS: &str = "clauded_http_requests_total";
/// Time to the response head (a stream's first byte, not its end), by route and method.
pub const HTTP_DURATION: &str = "clauded_http_request_duration_seconds";
/// Agent turns being answered now (a run's turns included).
pub const TURNS_IN_FLIGHT: &str = "clauded_turns_in_flight";
/// Runs (`clauded run`, WebEDT's execute) in progress.
pub const RUNS_IN_FLIGHT: &str = "clauded_runs_in_flight";
/// Open server-sent-event streams.
pub const SSE_SUBSCRIBERS: &str = "clauded_sse_subscribers";
/// Tool calls waiting for an approval.
pub const PENDING_APPROVALS: &str = "clauded_pending_approvals";
/// Time to the upstream's response head, per attempt, by endpoint.
pub const UPSTREAM_DURATION: &str = "clauded_upstream_request_duration_seconds";
/// Failed upstream attempts, by HTTP status (`timeout`, `connect` when none came).
pub const UPSTREAM_ERRORS: &str = "clauded_upstream_errors_total";
/// Tokens, by kind (`input`, `output`, `cache_read`, `cache_write`) and model.
pub const TOKENS: &str = "clauded_tokens_total";
/// Cost in millionths of a dollar, by model (a counter must be an integer).
pub const COST: &str = "clauded_cost_microdollars_total";
/// Store operations that failed (SQLite errors, not rows a client named that do not exist).
pub const STORE_ERRORS: &str = "clauded_store_errors_total";
/// Push notices delivered, by kind (`approval`, `done`, `error`).
pub const NOTIFY_SENT: &str = "clauded_notify_sent_total";
/// Push notices not delivered, by reason (`status`, `timeout`, `connect`, `queue_full`, `other`).
pub const NOTIFY_FAILURES: &str = "clauded_notify_failures_total";

/// Latency buckets in seconds: 1 ms to 2 minutes (an upstream answer can take that long).
const BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// Installs the process-wide recorder once (the server calls it); later calls return the
/// same handle. None if another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!("metrics are off: {e}"))
                .ok()?;
            describe();
            // histograms keep raw samples until drained: drain them even if nobody scrapes
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!("metrics upkeep thread: {e}");
            }
            Some(handle)
        })
        .as_ref()
}

/// The Prometheus text exposition of everything recorded so far.
pub fn render() -> String {
    install().map(PrometheusHandle::render).unwrap_or_default()
}

fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by matched route, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "time to the response head (a stream's first byte), by route and method"
    );
    describe_gauge!(
        TURNS_IN_FLIGHT,
        "agent turns being answered (a run's turns included)"
    );
    describe_gauge!(RUNS_IN_FLIGHT, "runs in progress");
    describe_gauge!(SSE_SUBSCRIBERS, "open server-sent-event streams");
    describe_gauge!(PENDING_APPROVALS, "tool calls waiting for an approval");
    describe_histogram!(
        UPSTREAM_DURATION,
        metrics::Unit::Seconds,
        "time to the Anthropic API's response head, per attempt"
    );
    describe_counter!(UPSTREAM_ERRORS, "failed Anthropic API attempts, by status");
    describe_counter!(TOKENS, "tokens used, by kind and model");
    describe_counter!(COST, "cost in millionths of a US dollar, by model");
    describe_counter!(STORE_ERRORS, "store operations that failed");
    describe_counter!(NOTIFY_SENT, "push notices delivered, by kind");
    describe_counter!(NOTIFY_FAILURES, "push notices not delivered, by reason");
    // present from the start (at zero), so a dashboard or alert never sees "no data"
    for g in [
        TURNS_IN_FLIGHT,
        RUNS_IN_FLIGHT,
        SSE_SUBSCRIBERS,
        PENDING_APPROVALS,
    ] {
        gauge!(g).increment(0.0);
    }
    counter!(STORE_ERRORS).increment(0);
}

/// Only the methods we route; anything else is `other`, so a client cannot add label values.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// One answered request; `route` is the route's pattern (`/v1/sessions/{id}`) or `unmatched`.
pub fn http_request(route: &str, method: &str, status: u16, elapsed: Duration) {
    let (route, method) = (route.to_owned(), method_label(method));
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method, "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route, "method" => method).record(elapsed.as_secs_f64());
}

/// One upstream attempt that got a response head (any status) after `elapsed`.
pub fn upstream_attempt(endpoint: &'static str, elapsed: Duration) {
    histogram!(UPSTREAM_DURATION, "endpoint" => endpoint).record(elapsed.as_secs_f64());
}

/// One failed upstream attempt: an HTTP status, or `timeout` / `connect`.
pub fn upstream_error(status: String) {
    counter!(UPSTREAM_ERRORS, "status" => status).increment(1);
}

/// The tokens and cost of one exchange with the API.
pub fn usage(model: &str, usage: &crate::anthropic::Usage, cost_usd: f64) {
    for (kind, n) in [
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cache_read", usage.cache_read_input_tokens),
        ("cache_write", usage.cache_creation_input_tokens),
    ] {
        if n > 0 {
            counter!(TOKENS, "kind" => kind, "model" => model.to_owned()).increment(n);
        }
    }
    let micros = (cost_usd * 1e6).round();
    if micros >= 1.0 {
        counter!(COST, "model" => model.to_owned()).increment(micros as u64);
    }
}

/// One failed store operation.
pub fn store_error() {
    counter!(STORE_ERRORS).increment(1);
}

/// One push notice delivered.
pub fn notify_sent(kind: &'static str) {
    counter!(NOTIFY_SENT, "kind" => kind).increment(1);
}

/// One push notice not delivered; `reason` is one of a fixed few (never a message or a URL).
pub fn notify_failure(reason: &'static str) {
    counter!(NOTIFY_FAILURES, "reason" => reason).increment(1);
}

/// Sets the gauges only the server's state knows (read at scrape time).
pub fn set_pending_approvals(n: usize) {
    gauge!(PENDING_APPROVALS).set(n as f64);
}

/// What an [`InFlight`] counts.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// An agent turn.
    Turn,
    /// A run.
    Run,
    /// An SSE stream.
    Stream,
}

impl Kind {
    fn gauge(self) -> &'static str {
        match self {
            Kind::Turn => TURNS_IN_FLIGHT,
            Kind::Run => RUNS_IN_FLIGHT,
            Kind::Stream => SSE_SUBSCRIBERS,
        }
    }
}

/// Counts one thing in progress until dropped, however its task ends.
#[derive(Debug)]
pub struct InFlight(Kind);

impl InFlight {
    /// One more `kind` in progress.
    pub fn start(kind: Kind) -> Self {
        gauge!(kind.gauge()).increment(1.0);
        Self(kind)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!(self.0.gauge()).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::method_label;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("BREW"), "other");
    }
}
