//! A fake GitHub REST API: pull requests (create, already exists, bad token).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// How the fake behaves.
#[derive(Default)]
pub struct GhState {
    /// Requests seen: (method, path, body).
    pub requests: Vec<(String, String, Value)>,
    /// Every POST answers 422 and the list returns PR #7.
    pub pr_exists: bool,
}

/// The running fake.
pub struct FakeGitHub {
    pub url: String,
    pub state: Arc<Mutex<GhState>>,
}

const TOKEN: &str = "ghp_good_token";

fn authorized(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

impl FakeGitHub {
    /// The token it accepts.
    pub const TOKEN: &'static str = TOKEN;

    /// Starts on port 0 in the current runtime.
    pub async fn start(pr_exists: bool) -> Self {
        let state = Arc::new(Mutex::new(GhState {
            pr_exists,
            ..Default::default()
        }));
        let app = axum::Router::new()
            .route("/repos/{owner}/{repo}/pulls", post(create).get(list))
            .route("/user", axum::routing::get(user))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }
}

async fn create(
    State(st): State<Arc<Mutex<GhState>>>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut s = st.lock().unwrap();
    s.requests.push((
        "POST".into(),
        format!("/repos/{owner}/{repo}/pulls"),
        body.clone(),
    ));
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        );
    }
    if s.pr_exists {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(
                json!({"message": "Validation Failed", "errors": [{"message": "A pull request already exists"}]}),
            ),
        );
    }
    (
        StatusCode::CREATED,
        Json(
            json!({"number": 42, "html_url": format!("https://github.example/{owner}/{repo}/pull/42"), "head": body["head"], "base": body["base"]}),
        ),
    )
}

async fn list(
    State(st): State<Arc<Mutex<GhState>>>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let mut s = st.lock().unwrap();
    s.requests.push((
        "GET".into(),
        format!("/repos/{owner}/{repo}/pulls"),
        Value::Null,
    ));
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        );
    }
    (
        StatusCode::OK,
        Json(
            json!([{"number": 7, "html_url": format!("https://github.example/{owner}/{repo}/pull/7")}]),
        ),
    )
}

async fn user(headers: HeaderMap) -> (StatusCode, Json<Value>) {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        );
    }
    (StatusCode::OK, Json(json!({"login": "octo-fixture"})))
}
