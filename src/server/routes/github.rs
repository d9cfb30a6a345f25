//! `/api/github/*`: a user connects their GitHub account by OAuth, and lists repositories and
//! branches and opens pull requests with their own token.
//!
//! WebEDT sent an unsigned, unstored state; here the state is random, kept server-side as its
//! hash (single use, ten minutes) with the user and the cookie login that asked, whose browser
//! alone may complete it, and the code is exchanged with a PKCE (S256) verifier kept sealed.
//! The token is sealed at rest and never shown; neither it nor the code reaches a log line.

use super::auth::{Envelope, Message, ok, said};
use crate::crypto;
use crate::engine::accounts::CookieLogin;
use crate::github::{self, Branch, GitHub, NewPullRequest, OAuthApp, PullRequest, Repo};
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::ApiJson;
use crate::server::identity::{Client, Me};
use crate::server::layers::Origins;
use crate::store::{OAuthState, TakenState, User};
use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

/// How long an authorization may take, from the redirect to GitHub to the callback.
const STATE_TTL: Duration = Duration::from_secs(10 * 60);

/// What the OAuth app is asked for (WebEDT's scopes).
const SCOPE: &str = "repo workflow user:email";

/// Where the browser lands when the request names no page (WebEDT's default).
const DEFAULT_PATH: &str = "/settings";

/// The callback's path, after the origin.
const CALLBACK: &str = "/api/github/oauth/callback";

/// The user a request acts as; connecting GitHub needs an account.
fn user(st: &AppState) -> Result<&User, ApiError> {
    st.actor().user.as_ref().ok_or_else(|| {
        ApiError::bad_request(
            "connecting GitHub needs accounts: register one (POST /api/auth/register) and log in; \
             without accounts the server's own GITHUB_TOKEN is used",
            None,
        )
    })
}

/// The server's OAuth app, or what to set for one.
fn oauth_app(st: &AppState) -> Result<OAuthApp, ApiError> {
    let o = st.options();
    let Some(client_id) = o.github_client_id.clone().filter(|i| !i.is_empty()) else {
        return Err(ApiError::bad_request(
            "GitHub sign-in is not set up on this server: set GITHUB_CLIENT_ID and \
             GITHUB_CLIENT_SECRET to a GitHub OAuth app's (its callback URL: \
             <this server>/api/github/oauth/callback) and restart",
            None,
        ));
    };
    let Some(client_secret) = o.github_client_secret.clone() else {
        return Err(ApiError::bad_request(
            "GitHub sign-in is half set up: GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not; set it and restart",
            None,
        ));
    };
    Ok(OAuthApp {
        web: o.github_url.trim_end_matches('/').to_owned(),
        client_id,
        client_secret,
    })
}

/// The origin this request reached: its `Host`, over https when a trusted proxy says so.
fn own_origin(headers: &HeaderMap, c: &Client) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1");
    let scheme = if c.secure.0 { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// Where a browser with no state of ours goes back to: the first configured origin (the
/// frontend's), else this request's.
fn fallback_origin(st: &AppState, headers: &HeaderMap, c: &Client) -> String {
    st.options()
        .cors_origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/'))
        .find(|o| *o != "*" && !o.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| own_origin(headers, c))
}

/// A hash path we send a browser back to: `/` and plain path characters only.
fn safe_path(p: &str) -> Option<&str> {
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && p.len() <= 200
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    ok.then_some(p)
}

/// The origin and hash path to send the browser back to: the Referer's when its origin is an
/// allowed one (loopback or `--cors-origin`), its hash path if it has one; else this
/// request's origin; the path defaults to `/settings`.
fn return_point(st: &AppState, headers: &HeaderMap, c: &Client) -> (String, String) {
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| reqwest::Url::parse(r).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let origins = Origins::new(&st.options().cors_origins);
    if let Some(u) = referer {
        let origin = u.origin().ascii_serialization();
        if origins.named(&origin) {
            let path = u
                .fragment()
                .map(|f| f.split('?').next().unwrap_or(""))
                .and_then(safe_path)
                .unwrap_or(DEFAULT_PATH);
            return (origin, path.to_owned());
        }
    }
    (own_origin(headers, c), DEFAULT_PATH.to_owned())
}

/// A 302 to `location`, never cached, and telling no one where it came from (the callback's
/// URL holds the code).
fn found(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location.to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
        ],
    )
        .into_response()
}

/// `GET /api/github/oauth`: starts connecting the caller's GitHub account: a 302 to GitHub's
/// authorize page with a fresh state and PKCE challenge.
pub async fn authorize(
    Me(st): Me,
    c: Client,
    login: Option<Extension<CookieLogin>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let user = user(&st)?;
    let app = oauth_app(&st)?;
    // the state is bound to a browser's login: a key or the server's token has none
    let Some(Extension(login)) = login else {
        return Err(ApiError::bad_request(
            "connect GitHub from a browser logged in to this server: the authorization is bound \
             to that login (an API key or the server's token cannot start it)",
            None,
        ));
    };
    let (origin, path) = return_point(&st, &headers, &c);
    let state = crypto::random_token("", 32);
    let verifier = crypto::random_token("", 32);
    let now = st.accounts().clock().now_ms();
    st.store()
        .put_oauth_state(&OAuthState {
            id: crypto::sha256_hex(&state),
            user_id: user.id.clone(),
            login_id: Some(login.login.id.clone()),
            verifier: st.options().secrets.seal(&verifier),
            return_to: format!("{origin}/#{path}"),
            expires_ms: now + STATE_TTL.as_millis() as i64,
        })
        .await?;
    let redirect_uri = format!("{origin}{CALLBACK}");
    let challenge = crypto::sha256_base64url(&verifier);
    Ok(found(&app.authorize_url(&[
        ("client_id", &app.client_id),
        ("redirect_uri", &redirect_uri),
        ("scope", SCOPE),
        ("state", &state),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ])))
}

/// Why a callback did not connect an account, as the `?error=` WebEDT's frontend reads.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    MissingParams,
    InvalidState,
    StateExpired,
    OAuthFailed,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Refusal::MissingParams => "missing_params",
            Refusal::InvalidState => "invalid_state",
            Refusal::StateExpired => "state_expired",
            Refusal::OAuthFailed => "oauth_failed",
        }
    }
}

/// `GET /api/github/oauth/callback?code&state`: GitHub sends the browser back here; no login
/// is needed (the stored state is the proof), but a cookie login must be the one that asked.
/// Always a 302 to the frontend: `?success=github_connected` or `?error=…`.
pub async fn callback(
    State(st): State<AppState>,
    c: Client,
    login: Option<Extension<CookieLogin>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    // read leniently: whatever arrives, the browser is sent back, never shown a 400
    let q: HashMap<String, String> =
        reqwest::Url::parse(&format!("http://callback/?{}", raw.unwrap_or_default()))
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
    let param = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let Some(state) = param("state") else {
        let to = format!("{}/#{DEFAULT_PATH}", fallback_origin(&st, &headers, &c));
        return found(&format!("{to}?error={}", Refusal::MissingParams.code()));
    };
    let taken = st
        .store()
        .take_oauth_state(&crypto::sha256_hex(state), st.accounts().clock().now_ms())
        .await;
    let s = match taken {
        Ok(TakenState::Live(s)) => s,
        Ok(TakenState::Expired(s)) => {
            return found(&format!(
                "{}?error={}",
                s.return_to,
                Refusal::StateExpired.code()
            ));
        }
        unknown => {
            if let Err(e) = unknown {
                tracing::warn!("GitHub OAuth: cannot read the state: {e}");
            }
            let to = format!("{}/#{DEFAULT_PATH}", fallback_origin(&st, &headers, &c));
            return found(&format!("{to}?error={}", Refusal::InvalidState.code()));
        }
    };
    let outcome = connect(&st, &s, login.map(|Extension(l)| l), param("code"), &q).await;
    match outcome {
        Ok(()) => found(&format!("{}?success=github_connected", s.return_to)),
        Err(f) => found(&format!("{}?error={}", s.return_to, f.code())),
    }
}

/// The callback's work once its state is known: the login check, the code exchange, the
/// account and the link.
async fn connect(
    st: &AppState,
    s: &OAuthState,
    login: Option<CookieLogin>,
    code: Option<&str>,
    q: &HashMap<String, String>,
) -> Result<(), Refusal> {
    let user = &s.user_id;
    if let Some(asked) = &s.login_id
        && login.as_ref().map(|l| &l.login.id) != Some(asked)
    {
        tracing::warn!(
            "GitHub OAuth for user {user}: the callback came without the login that asked; refused"
        );
        return Err(Refusal::InvalidState);
    }
    let Some(code) = code else {
        return Err(match q.get("error") {
            Some(e) => {
                tracing::info!("GitHub OAuth for user {user}: GitHub said {e:?}");
                Refusal::OAuthFailed
            }
            None => Refusal::MissingParams,
        });
    };
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        tracing::warn!("GitHub OAuth for user {user}: {what}: {e}");
        Refusal::OAuthFailed
    };
    let app = oauth_app(st).map_err(|e| failed("not set up", &e.message))?;
    let verifier = st
        .options()
        .secrets
        .open(&s.verifier)
        .map_err(|e| failed("the stored verifier", &e))?;
    // the redirect_uri the authorization was asked with: the origin of where it returns
    let origin = s.return_to.split_once("/#").map_or("", |(o, _)| o);
    let token = app
        .exchange(code, &format!("{origin}{CALLBACK}"), &verifier)
        .await
        .map_err(|e| failed("the code exchange", &e))?;
    let account = client(st, &token)
        .account()
        .await
        .map_err(|e| failed("GET /user", &e))?;
    st.store()
        .link_github(
            user,
            &account.id.to_string(),
            &st.options().secrets.seal(&token),
        )
        .await
        .map_err(|e| failed("storing the link", &e))?;
    tracing::info!(
        "user {user} connected GitHub account {} ({})",
        account.login,
        account.id
    );
    Ok(())
}

/// A GitHub client with `token`, sending it only where runs send theirs.
fn client(st: &AppState, token: &str) -> GitHub {
    let o = st.options();
    let hosts = crate::git::TokenHosts::new(&o.github_api, &o.github_hosts);
    GitHub::new(&o.github_api, token, &hosts)
}

/// A client with the caller's GitHub token: a user's own (the server's for the local owner).
fn connected(st: &AppState) -> Result<GitHub, ApiError> {
    match st.github_token()? {
        Some(t) => Ok(client(st, &t)),
        None => {
            Err(ApiError::bad_request("GitHub not connected", None).code("github_not_connected"))
        }
    }
}

/// A GitHub failure as an answer: a refused token is the caller's to fix (401/403), GitHub's
/// own refusals keep their status, anything else is a bad gateway.
fn gh_error(e: github::Error) -> ApiError {
    match e {
        github::Error::Auth { status, message } => ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED),
            if status == 401 {
                "authentication_error"
            } else {
                "permission_error"
            },
            format!(
                "GitHub refused the token ({status}: {message}): connect GitHub again (GET /api/github/oauth)"
            ),
        )
        .code("github_token_refused"),
        github::Error::Api { status, message } if matches!(status, 404 | 409 | 422) => {
            ApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                "invalid_request_error",
                format!("GitHub answered {status}: {message}"),
            )
        }
        other => ApiError::new(StatusCode::BAD_GATEWAY, "api_error", other.to_string()),
    }
}

/// `POST /api/github/disconnect`: forgets the caller's GitHub account and token.
pub async fn disconnect(Me(st): Me) -> Result<Json<Envelope<Message>>, ApiError> {
    let user = user(&st)?;
    st.store().unlink_github(&user.id).await?;
    tracing::info!("user {} disconnected GitHub", user.id);
    Ok(said("GitHub disconnected"))
}

/// `GET /api/github/repos`: the caller's repositories, most recently updated first.
pub async fn repos(Me(st): Me) -> Result<Json<Envelope<Vec<Repo>>>, ApiError> {
    let repos = connected(&st)?.repos().await.map_err(gh_error)?;
    Ok(ok(repos))
}

/// A checked `{owner}/{repo}` path.
fn repo_path(owner: &str, repo: &str) -> Result<(), ApiError> {
    github::check_repo_name(owner, repo).map_err(|m| ApiError::bad_request(m, None))
}

/// `GET /api/github/repos/{owner}/{repo}/branches`: every branch.
pub async fn branches(
    Me(st): Me,
    Path((owner, repo)): Path<(String, String)>,
) -> Result<Json<Envelope<Vec<Branch>>>, ApiError> {
    repo_path(&owner, &repo)?;
    let branches = connected(&st)?
        .branches(&owner, &repo)
        .await
        .map_err(gh_error)?;
    Ok(ok(branches))
}

/// `{title?, head, base, body?}`.
#[derive(Debug, Deserialize)]
pub struct NewPull {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    head: String,
    #[serde(default)]
    base: String,
    #[serde(default)]
    body: Option<String>,
}

/// `POST /api/github/repos/{owner}/{repo}/pulls`: opens a pull request, or answers the open
/// one from `head`.
pub async fn create_pull(
    Me(st): Me,
    Path((owner, repo)): Path<(String, String)>,
    ApiJson(b): ApiJson<NewPull>,
) -> Result<Json<Envelope<PullRequest>>, ApiError> {
    repo_path(&owner, &repo)?;
    let (head, base) = (b.head.trim(), b.base.trim());
    if head.is_empty() || base.is_empty() {
        return Err(ApiError::bad_request(
            "Head and base branches are required",
            Some(if head.is_empty() { "head" } else { "base" }),
        ));
    }
    let title = b
        .title
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("Merge {head} into {base}"));
    let pr = connected(&st)?
        .create_or_find_pr(
            &owner,
            &repo,
            // asked for by a person: ready for review, as WebEDT opened it
            &NewPullRequest {
                title: &title,
                head,
                base,
                body: b.body.as_deref().unwrap_or(""),
                draft: false,
            },
        )
        .await
        .map_err(gh_error)?;
    Ok(ok(pr))
}
