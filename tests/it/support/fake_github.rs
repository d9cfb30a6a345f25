//! A fake GitHub: the REST routes runs and WebEDT's pages use (the user, repositories and
//! branches paged by `Link` headers, pull requests: create (draft or not), already exists, bad
//! token; deleting a branch's ref) and an OAuth app's authorize and token endpoints, with PKCE
//! checked as GitHub does.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// A GitHub account the fake knows.
#[derive(Debug, Clone)]
pub struct GhAccount {
    pub id: u64,
    pub login: String,
}

/// An authorization code the fake handed out.
#[derive(Debug, Clone)]
struct Grant {
    account: GhAccount,
    challenge: Option<String>,
    redirect_uri: String,
}

/// How the fake behaves.
pub struct GhState {
    /// Requests seen: (method, path, body).
    pub requests: Vec<(String, String, Value)>,
    /// Every POST answers 422 and the list returns PR #7.
    pub pr_exists: bool,
    /// Every token is refused (401 Bad credentials).
    pub revoked: bool,
    /// The repositories have no draft pull requests (a private one on GitHub Free): a draft
    /// is refused with GitHub's 422.
    pub no_drafts: bool,
    /// The token endpoint refuses every code.
    pub refuse_codes: bool,
    /// The OAuth app's client id and secret.
    pub client_id: String,
    pub client_secret: String,
    /// Items per page of a listing (GitHub's `per_page` is read but capped by this).
    pub page_size: usize,
    /// The `rel="next"` links point at this origin instead of the fake's own.
    pub next_origin: Option<String>,
    /// Each token exchange's form, as sent (the code, verifier and secret among them).
    pub exchanges: Vec<HashMap<String, String>>,
    /// Pull requests opened: (owner/repo, the PR as answered).
    pub pulls: Vec<(String, Value)>,
    /// The access tokens handed out, and whose.
    pub tokens: HashMap<String, GhAccount>,
    /// Branches that exist, as `owner/repo:branch`; deleting another one answers 422.
    pub refs: HashSet<String>,
    /// Every `DELETE /repos/{owner}/{repo}/git/refs/heads/{branch}` seen.
    pub ref_deletions: Vec<RefDeletion>,
    url: String,
    grants: HashMap<String, Grant>,
    issued: u32,
}

/// A request to delete a branch, as the fake saw and answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefDeletion {
    /// `owner/repo:branch`.
    pub branch: String,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// What the fake answered.
    pub status: u16,
}

/// The running fake.
pub struct FakeGitHub {
    pub url: String,
    pub state: Arc<Mutex<GhState>>,
}

const TOKEN: &str = "ghp_good_token";

type Shared = State<Arc<Mutex<GhState>>>;

impl GhState {
    /// The account a request's token belongs to, unless refused.
    fn account(&self, h: &HeaderMap) -> Option<GhAccount> {
        let bearer = h
            .get("authorization")
            .and_then(|v| v.to_str().ok())?
            .strip_prefix("Bearer ")?;
        if self.revoked {
            return None;
        }
        if bearer == TOKEN {
            return Some(GhAccount {
                id: 1001,
                login: "octo-fixture".into(),
            });
        }
        self.tokens.get(bearer).cloned()
    }
}

fn bad_credentials() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"message": "Bad credentials"})),
    )
        .into_response()
}

impl FakeGitHub {
    /// The token it accepts.
    pub const TOKEN: &'static str = TOKEN;
    /// The OAuth app it knows.
    pub const CLIENT_ID: &'static str = "Iv1.fake0client0id";
    pub const CLIENT_SECRET: &'static str = "fake-client-secret-0123456789abcdef";

    /// Starts on port 0 in the current runtime.
    pub async fn start(pr_exists: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(GhState {
            requests: vec![],
            pr_exists,
            revoked: false,
            no_drafts: false,
            refuse_codes: false,
            client_id: Self::CLIENT_ID.into(),
            client_secret: Self::CLIENT_SECRET.into(),
            page_size: 100,
            next_origin: None,
            exchanges: vec![],
            pulls: vec![],
            url: url.clone(),
            grants: HashMap::new(),
            tokens: HashMap::new(),
            refs: HashSet::new(),
            ref_deletions: vec![],
            issued: 0,
        }));
        let app = axum::Router::new()
            .route("/repos/{owner}/{repo}/pulls", post(create).get(list))
            .route("/repos/{owner}/{repo}/branches", get(branches))
            .route(
                "/repos/{owner}/{repo}/git/refs/heads/{*branch}",
                delete(delete_ref),
            )
            .route("/user", get(user))
            .route("/user/repos", get(repos))
            .route("/login/oauth/authorize", get(authorize))
            .route("/login/oauth/access_token", post(access_token))
            .fallback(unknown)
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }
}

/// The GitHub account an authorize request signs in as: `?login=NAME` (the fake's stand-in
/// for the person at the browser), with a stable id per name.
fn account_named(login: &str) -> GhAccount {
    let id = 5000 + login.bytes().map(u64::from).sum::<u64>() * 7 + login.len() as u64;
    GhAccount {
        id,
        login: login.to_owned(),
    }
}

/// `GET /login/oauth/authorize`: the person approves at once; a code is made for the
/// challenge given and the browser sent to `redirect_uri` with it and the state.
async fn authorize(State(st): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut s = st.lock().unwrap();
    s.requests
        .push(("GET".into(), "/login/oauth/authorize".into(), json!(q)));
    if q.get("client_id") != Some(&s.client_id) {
        return (StatusCode::NOT_FOUND, "unknown client_id").into_response();
    }
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    let challenge = match q.get("code_challenge_method").map(String::as_str) {
        Some("S256") => q.get("code_challenge").cloned(),
        _ => None,
    };
    s.issued += 1;
    let code = format!("code-{}-{}", s.issued, std::process::id());
    let account = account_named(q.get("login").map_or("octo-user", String::as_str));
    s.grants.insert(
        code.clone(),
        Grant {
            account,
            challenge,
            redirect_uri: redirect_uri.clone(),
        },
    );
    let state = q.get("state").cloned().unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let to = format!("{redirect_uri}{sep}code={code}&state={}", enc(&state));
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `POST /login/oauth/access_token` (a form, or JSON): the client, the code (once), the
/// redirect URI it was made for and, when a challenge was given, `SHA-256(code_verifier)`.
/// Refusals are 200 with an `error`, as GitHub answers them.
async fn access_token(State(st): Shared, headers: HeaderMap, body: String) -> Json<Value> {
    let form: HashMap<String, String> = if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
    {
        serde_json::from_str(&body).unwrap_or_default()
    } else {
        url_decode_form(&body)
    };
    let mut s = st.lock().unwrap();
    s.exchanges.push(form.clone());
    let refuse = |error: &str, description: &str| {
        Json(json!({"error": error, "error_description": description}))
    };
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if field("client_id") != s.client_id || field("client_secret") != s.client_secret {
        return refuse(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        );
    }
    if s.refuse_codes {
        return refuse(
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    }
    let Some(grant) = s.grants.remove(&field("code")) else {
        return refuse(
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    };
    if form.contains_key("redirect_uri") && field("redirect_uri") != grant.redirect_uri {
        return refuse(
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this application.",
        );
    }
    if let Some(challenge) = &grant.challenge {
        use base64::Engine;
        let digest = ring::digest::digest(&ring::digest::SHA256, field("code_verifier").as_bytes());
        let made = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        if &made != challenge {
            return refuse(
                "bad_verification_code",
                "The code_verifier does not match the code_challenge.",
            );
        }
    }
    s.issued += 1;
    let token = format!("gho_fake{:04}{}", s.issued, std::process::id());
    s.tokens.insert(token.clone(), grant.account);
    Json(
        json!({"access_token": token, "token_type": "bearer", "scope": "repo,workflow,user:email"}),
    )
}

/// `a=b&c=d` with `+` and `%XX` decoded.
fn url_decode_form(body: &str) -> HashMap<String, String> {
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (dec(k), dec(v)))
        .collect()
}

async fn user(State(st): Shared, headers: HeaderMap) -> Response {
    let s = st.lock().unwrap();
    match s.account(&headers) {
        Some(a) => Json(json!({"login": a.login, "id": a.id})).into_response(),
        None => bad_credentials(),
    }
}

/// One page of `items` for `?page=N`, with GitHub's `Link` header to the next and last.
fn paged(s: &GhState, path: &str, q: &HashMap<String, String>, items: Vec<Value>) -> Response {
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100)
        .min(s.page_size);
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let pages = items.len().div_ceil(per_page).max(1);
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let origin = s.next_origin.clone().unwrap_or_else(|| s.url.clone());
    let mut kept: Vec<String> = q
        .iter()
        .filter(|(k, _)| *k != "page")
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    kept.sort();
    let link = |n: usize| {
        let mut query = kept.clone();
        query.push(format!("page={n}"));
        format!("<{origin}{path}?{}>", query.join("&"))
    };
    let mut r = Json(Value::from(chunk)).into_response();
    if page < pages {
        let v = format!(
            "{}; rel=\"next\", {}; rel=\"last\"",
            link(page + 1),
            link(pages)
        );
        r.headers_mut().insert(header::LINK, v.parse().unwrap());
    }
    r
}

/// `GET /user/repos`: seven repositories of the token's account, by `updated_at` (newest
/// first) with `sort=updated`, else by name.
async fn repos(
    State(st): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock().unwrap();
    s.requests
        .push(("GET".into(), "/user/repos".into(), json!(q)));
    let Some(a) = s.account(&headers) else {
        return bad_credentials();
    };
    let mut all: Vec<Value> = (1..=7u64)
        .map(|i| {
            // updated days out of name order: sorting shows
            let day = (i * 5) % 7 + 1;
            let name = format!("repo-{i}");
            let full = format!("{}/{name}", a.login);
            json!({
                "id": a.id * 100 + i,
                "name": name,
                "full_name": full,
                "owner": {"login": a.login, "id": a.id, "type": "User"},
                "private": i % 2 == 0,
                "description": if i == 3 { Value::Null } else { json!(format!("Repository {i}")) },
                "html_url": format!("https://github.example/{full}"),
                "clone_url": format!("https://github.example/{full}.git"),
                "default_branch": "main",
                "updated_at": format!("2025-01-{day:02}T00:00:00Z"),
                "node_id": "R_kgDO",
            })
        })
        .collect();
    if q.get("sort").map(String::as_str) == Some("updated") {
        all.sort_by(|x, y| y["updated_at"].as_str().cmp(&x["updated_at"].as_str()));
    }
    paged(&s, "/user/repos", &q, all)
}

/// `GET /repos/{owner}/{repo}/branches`: five branches of the token account's repositories.
async fn branches(
    State(st): Shared,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock().unwrap();
    let path = format!("/repos/{owner}/{repo}/branches");
    s.requests.push(("GET".into(), path.clone(), json!(q)));
    let Some(a) = s.account(&headers) else {
        return bad_credentials();
    };
    if owner != a.login || !repo.starts_with("repo-") {
        return (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response();
    }
    let all: Vec<Value> = ["main", "dev", "feature/a", "feature/b", "release"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "name": name,
                "protected": *name == "main",
                "commit": {"sha": format!("{i:040}"), "url": "https://api.github.example/x"},
            })
        })
        .collect();
    paged(&s, &path, &q, all)
}

/// Any other request: recorded, and 404 as GitHub answers a route it does not have.
async fn unknown(State(st): Shared, method: axum::http::Method, uri: axum::http::Uri) -> Response {
    st.lock()
        .unwrap()
        .requests
        .push((method.to_string(), uri.path().to_owned(), Value::Null));
    (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response()
}

/// `DELETE /repos/{owner}/{repo}/git/refs/heads/{branch}`: 204 for a branch in `refs` (then
/// gone), 422 `Reference does not exist` for any other, as GitHub answers.
async fn delete_ref(
    State(st): Shared,
    Path((owner, repo, branch)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut s = st.lock().unwrap();
    let key = format!("{owner}/{repo}:{branch}");
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = if s.account(&headers).is_none() {
        StatusCode::UNAUTHORIZED
    } else if s.refs.remove(&key) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    s.ref_deletions.push(RefDeletion {
        branch: key,
        authorization,
        status: status.as_u16(),
    });
    match status {
        StatusCode::NO_CONTENT => status.into_response(),
        StatusCode::UNAUTHORIZED => bad_credentials(),
        _ => (status, Json(json!({"message": "Reference does not exist"}))).into_response(),
    }
}

/// A pull request as GitHub answers it.
fn pull(
    owner: &str,
    repo: &str,
    number: u64,
    title: &str,
    head: &str,
    base: &str,
    draft: bool,
) -> Value {
    json!({
        "number": number,
        "title": title,
        "state": "open",
        "draft": draft,
        "html_url": format!("https://github.example/{owner}/{repo}/pull/{number}"),
        "head": {"ref": head, "sha": "a".repeat(40), "label": format!("{owner}:{head}")},
        "base": {"ref": base, "sha": "b".repeat(40), "label": format!("{owner}:{base}")},
    })
}

async fn create(
    State(st): Shared,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut s = st.lock().unwrap();
    s.requests.push((
        "POST".into(),
        format!("/repos/{owner}/{repo}/pulls"),
        body.clone(),
    ));
    if s.account(&headers).is_none() {
        return bad_credentials();
    }
    let key = format!("{owner}/{repo}");
    let head = body["head"].as_str().unwrap_or_default().to_owned();
    let open = s
        .pulls
        .iter()
        .any(|(k, p)| *k == key && p["head"]["ref"] == json!(head));
    if s.pr_exists || open {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(
                json!({"message": "Validation Failed", "errors": [{"message": format!("A pull request already exists for {owner}:{head}.")}]}),
            ),
        )
            .into_response();
    }
    if s.no_drafts && body["draft"] == json!(true) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest",
                "code": "custom", "message": "Draft pull requests are not supported in this repository."}]})),
        )
            .into_response();
    }
    let number = 42 + s.pulls.len() as u64;
    let pr = pull(
        &owner,
        &repo,
        number,
        body["title"].as_str().unwrap_or_default(),
        &head,
        body["base"].as_str().unwrap_or_default(),
        // GitHub's default
        body["draft"].as_bool().unwrap_or(false),
    );
    s.pulls.push((key, pr.clone()));
    (StatusCode::CREATED, Json(pr)).into_response()
}

async fn list(
    State(st): Shared,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = st.lock().unwrap();
    s.requests.push((
        "GET".into(),
        format!("/repos/{owner}/{repo}/pulls"),
        Value::Null,
    ));
    if s.account(&headers).is_none() {
        return bad_credentials();
    }
    let key = format!("{owner}/{repo}");
    let head = q
        .get("head")
        .and_then(|h| h.split_once(':'))
        .map(|(_, b)| b.to_owned());
    let mine: Vec<Value> = s
        .pulls
        .iter()
        .filter(|(k, p)| *k == key && head.as_ref().is_none_or(|h| p["head"]["ref"] == json!(h)))
        .map(|(_, p)| p.clone())
        .collect();
    if !mine.is_empty() {
        return Json(Value::from(mine)).into_response();
    }
    if !s.pr_exists {
        return Json(json!([])).into_response();
    }
    let head = head.unwrap_or_else(|| "feature".into());
    Json(json!([pull(
        &owner, &repo, 7, "Existing", &head, "main", false
    )]))
    .into_response()
}
