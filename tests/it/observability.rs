//! What operators scrape and probe: `/metrics` in Prometheus text, behind the token or alone
//! on `--metrics-addr`.

use crate::support::server::{Setup, TestServer};
use crate::support::{Home, Reply, serve};
use serde_json::json;
use std::collections::BTreeMap;

/// One sample line: name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text exposition format line by line; panics naming the first bad line.
fn parse(text: &str) -> (Vec<Sample>, BTreeMap<String, String>) {
    let mut samples = Vec::new();
    let mut types = BTreeMap::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("TYPE"), Some(n), Some(t)) => {
                    assert!(name_ok(n), "bad name in {line:?}");
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                        "bad type in {line:?}"
                    );
                    types.insert(n.to_owned(), t.to_owned());
                }
                (Some("HELP"), Some(n), _) => assert!(name_ok(n), "bad name in {line:?}"),
                _ => {}
            }
            continue;
        }
        let (name, mut rest) = match line.find(['{', ' ']) {
            Some(i) => (&line[..i], &line[i..]),
            None => panic!("no value in {line:?}"),
        };
        assert!(name_ok(name), "bad metric name in {line:?}");
        let mut labels = BTreeMap::new();
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices().peekable();
            let mut end = None;
            loop {
                let start = match chars.peek() {
                    Some((_, '}')) => {
                        end = chars.next().map(|(i, _)| i);
                        break;
                    }
                    Some((i, _)) => *i,
                    None => break,
                };
                let eq = inner[start..].find('=').map(|e| start + e);
                let eq = eq.unwrap_or_else(|| panic!("label without = in {line:?}"));
                let key = &inner[start..eq];
                assert!(name_ok(key), "bad label name {key:?} in {line:?}");
                while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                    chars.next();
                }
                assert_eq!(
                    chars.next().map(|c| c.1),
                    Some('"'),
                    "unquoted value in {line:?}"
                );
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, c @ ('\\' | '"'))) => value.push(c),
                            other => panic!("bad escape {other:?} in {line:?}"),
                        },
                        Some((_, '"')) => break,
                        Some((_, c)) => value.push(c),
                        None => panic!("unterminated value in {line:?}"),
                    }
                }
                labels.insert(key.to_owned(), value);
                if chars.peek().is_some_and(|(_, c)| *c == ',') {
                    chars.next();
                }
            }
            let end = end.unwrap_or_else(|| panic!("unclosed labels in {line:?}"));
            rest = &inner[end + 1..];
        }
        let mut fields = rest.split_whitespace();
        let value = fields
            .next()
            .unwrap_or_else(|| panic!("no value in {line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        if let Some(ts) = fields.next() {
            ts.parse::<i64>()
                .unwrap_or_else(|_| panic!("bad timestamp in {line:?}"));
        }
        assert!(fields.next().is_none(), "trailing text in {line:?}");
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    (samples, types)
}

fn find<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    samples.iter().find(|s| {
        s.name == name
            && labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
    })
}

#[tokio::test]
async fn metrics_count_requests_by_route_upstream_tokens_and_cost() {
    let mut setup = Setup::default();
    setup.options.token = Some("metrics-token".into());
    let s = TestServer::start_with(setup).await;
    let get = |path: &str| s.http.get(s.url(path)).bearer_auth("metrics-token").send();
    assert_eq!(get("/v1/sessions").await.unwrap().status(), 200);
    assert_eq!(get("/no/such/route").await.unwrap().status(), 404);
    s.fake.push(Reply::text("counted"));
    let r = s
        .http
        .post(s.url("/v1/chat/completions"))
        .bearer_auth("metrics-token")
        .json(&json!({"model":"claude-sonnet-4-5-20990101","messages":[{"role":"user","content":"hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap();

    let r = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401, "/metrics is behind the token");
    let r = get("/metrics").await.unwrap();
    assert_eq!(r.status(), 200);
    let ctype = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    let text = r.text().await.unwrap();
    let (samples, types) = parse(&text);

    let req = find(
        &samples,
        "clauded_http_requests_total",
        &[
            ("route", "/v1/sessions"),
            ("method", "GET"),
            ("status", "200"),
        ],
    );
    assert!(req.is_some_and(|r| r.value >= 1.0), "{text}");
    assert!(
        find(
            &samples,
            "clauded_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        )
        .is_some(),
        "an unknown path is counted without its raw path: {text}"
    );
    assert!(
        !text.contains("/no/such/route"),
        "raw paths never become label values"
    );
    assert!(
        find(
            &samples,
            "clauded_http_request_duration_seconds_bucket",
            &[("route", "/v1/chat/completions"), ("le", "+Inf")]
        )
        .is_some(),
        "{text}"
    );
    assert_eq!(types["clauded_http_request_duration_seconds"], "histogram");
    assert!(
        find(
            &samples,
            "clauded_upstream_request_duration_seconds_count",
            &[("endpoint", "messages")]
        )
        .is_some_and(|c| c.value >= 1.0),
        "{text}"
    );
    for kind in ["input", "output"] {
        assert!(
            find(
                &samples,
                "clauded_tokens_total",
                &[("kind", kind), ("model", "claude-sonnet-4-5-20990101")]
            )
            .is_some_and(|t| t.value > 0.0),
            "{kind} tokens: {text}"
        );
    }
    assert!(
        find(
            &samples,
            "clauded_cost_microdollars_total",
            &[("model", "claude-sonnet-4-5-20990101")]
        )
        .is_some(),
        "{text}"
    );
    for gauge in [
        "clauded_turns_in_flight",
        "clauded_sse_subscribers",
        "clauded_pending_approvals",
    ] {
        assert_eq!(
            types.get(gauge).map(String::as_str),
            Some("gauge"),
            "{gauge}: {text}"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn upstream_errors_are_counted_by_status() {
    let s = TestServer::start().await;
    s.fake.push(Reply::error(529, "overloaded_error", "busy"));
    let (status, _) = s
        .post(
            "/v1/chat/completions",
            json!({"messages":[{"role":"user","content":"hi"}]}),
        )
        .await;
    assert_eq!(status, 529);
    let text = s.text("/metrics").await;
    let (samples, _) = parse(&text);
    assert!(
        find(
            &samples,
            "clauded_upstream_errors_total",
            &[("status", "529")]
        )
        .is_some_and(|c| c.value >= 1.0),
        "{text}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_addr_serves_metrics_alone_without_the_token() {
    let h = Home::new();
    let mut c = h.cmd(&["serve", "--port", "0", "--metrics-addr", "127.0.0.1:0"]);
    c.env("CLAUDED_SERVER_TOKEN", "main-token");
    let mut s = serve(c);
    let mut maddr = String::new();
    for _ in 0..5 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut s.stderr, &mut line).unwrap();
        if let Some(url) = line.trim().strip_prefix("metrics on ") {
            maddr = url.to_owned();
            break;
        }
    }
    assert!(!maddr.is_empty(), "serve says where metrics are");
    clauded::anthropic::init_tls();
    let http = reqwest::Client::new();
    let r = http.get(&maddr).send().await.unwrap();
    assert_eq!(r.status(), 200);
    parse(&r.text().await.unwrap());
    let base = maddr.trim_end_matches("/metrics");
    let r = http
        .get(format!("{base}/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "only /metrics is on the metrics address");
    let r = http.get(format!("{}/metrics", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 401, "the main address still wants the token");
}
