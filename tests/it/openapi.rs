//! `docs/openapi.json` (served at `/openapi.json`) describes exactly the routes the router has.

use crate::support::server::TestServer;
use std::collections::BTreeSet;
use std::path::Path;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

fn document() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn documented() -> BTreeSet<(String, String)> {
    let doc = document();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in item.as_object().unwrap().keys() {
            assert!(METHODS.contains(&m.as_str()), "{path}: unexpected key {m}");
            out.insert((m.clone(), path.clone()));
        }
    }
    out
}

/// Every `.route("PATH", get(..).post(..))` in src/server/mod.rs, read from the source: axum
/// cannot list a router's routes.
fn routed() -> BTreeSet<(String, String)> {
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/mod.rs"))
            .unwrap();
    let mut out = BTreeSet::new();
    let mut rest = src.as_str();
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        // the call's arguments: up to the parenthesis that closes `.route(`
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("balanced");
        let args = &rest[..end];
        let path = args.split('"').nth(1).expect("a path literal");
        for m in METHODS {
            let call = format!("{m}(");
            let mut found = args.match_indices(&call).filter(|(i, _)| {
                // `get(` or `.post(` or `routing::delete(`, not `forget(`
                *i == 0
                    || !args.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && args.as_bytes()[i - 1] != b'_'
            });
            if found.next().is_some() {
                out.insert((m.to_string(), path.to_owned()));
            }
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn the_document_and_the_router_have_the_same_routes() {
    let (doc, router) = (documented(), routed());
    let missing: Vec<_> = router.difference(&doc).collect();
    let extra: Vec<_> = doc.difference(&router).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/openapi.json lacks {missing:?} and documents routes the router does not have: {extra:?}"
    );
    assert!(
        router.len() > 40,
        "the source parse found the routes: {router:?}"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_every_reference_defined() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_owned());
                }
                o.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = vec![];
    refs(&doc, &mut all);
    for r in all {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} is not defined");
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            assert!(
                op["operationId"].is_string(),
                "{m} {path} has an operationId"
            );
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(['{', '}']);
                assert!(params.contains(&name), "{m} {path} declares {name}");
            }
        }
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_document_is_served() {
    let s = TestServer::start().await;
    let (status, served) = s.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(served, document());
    for (method, path) in documented() {
        let concrete: String = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        // the permission hook waits for an answer by design: let it give up at once
        let concrete = if concrete == "/v1/hooks/permission-request" {
            format!("{concrete}?timeout=1")
        } else {
            concrete
        };
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = s.http.request(m, s.url(&concrete));
        if method != "get" {
            req = req.json(&serde_json::json!({}));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        // an event stream never ends: its status says enough
        let streaming = r
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
        let body = if streaming {
            String::new()
        } else {
            r.text().await.unwrap_or_default()
        };
        assert_ne!(status, 405, "{method} {path}: {body}");
        assert!(
            !(status == 404 && body.contains("no route for")),
            "{method} {path} is documented but not routed"
        );
    }
    s.stop().await;
}
