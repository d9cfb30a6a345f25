//! `/api/auth/*`: WebEDT's register, login, logout and session, with the `auth_session`
//! cookie; and the user object every account route answers with.

use crate::engine::accounts::{Accounts, CookieLogin, Issued};
use crate::server::AppState;
use crate::server::error::ApiError;
use crate::server::extract::ApiJson;
use crate::server::identity::{Client, Me, blank_cookie, login_cookie};
use crate::store::User;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// WebEDT's envelope around a success.
#[derive(Debug, Serialize)]
pub struct Envelope<T> {
    /// Always true.
    pub success: bool,
    /// What was asked for.
    pub data: T,
}

/// `{success: true, data}`.
pub fn ok<T: Serialize>(data: T) -> Json<Envelope<T>> {
    Json(Envelope {
        success: true,
        data,
    })
}

/// `{message}`, the data of the settings routes.
#[derive(Debug, Serialize)]
pub struct Message {
    /// What happened.
    pub message: String,
}

/// `{success: true, data: {message}}`.
pub fn said(message: impl Into<String>) -> Json<Envelope<Message>> {
    ok(Message {
        message: message.into(),
    })
}

/// What of a Claude OAuth credential is shown: never its tokens.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ClaudeAuthView {
    /// Unix milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<serde_json::Value>,
    /// OAuth scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<serde_json::Value>,
    /// pro, max, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_type: Option<serde_json::Value>,
}

/// The user as WebEDT's frontend reads it (camelCase), without a hash or a token: which
/// credentials are connected is said by booleans (and the Claude credential's metadata).
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Its id.
    pub id: String,
    /// Its email.
    pub email: String,
    /// A name to show.
    pub display_name: Option<String>,
    /// The GitHub account linked.
    pub github_id: Option<String>,
    /// claude, codex, copilot, gemini.
    pub preferred_provider: String,
    /// '', opus, sonnet or a model id.
    pub preferred_model: String,
    /// minimal, normal, verbose.
    pub chat_verbosity_level: String,
    /// 512 to 8000.
    pub image_resize_max_dimension: i64,
    /// Voice command words.
    pub voice_command_keywords: Vec<String>,
    /// store, library, community, sessions.
    pub default_landing_page: String,
    /// Admin.
    pub is_admin: bool,
    /// RFC 3339.
    pub created_at: String,
    /// A GitHub token is stored.
    pub github_connected: bool,
    /// A Claude OAuth credential is stored.
    pub claude_auth_connected: bool,
    /// Its metadata, when stored.
    pub claude_auth: Option<ClaudeAuthView>,
    /// The user's own Anthropic key is stored.
    pub anthropic_key_connected: bool,
}

impl UserView {
    /// The view of a user (the Claude credential's metadata opened with the server key).
    pub fn of(u: &User, accounts: &Accounts) -> Self {
        let claude_auth = u.claude_auth.as_ref().map(|_| {
            let meta = accounts.claude_auth_metadata(u).unwrap_or_default();
            let pick = |k: &str| meta.get(k).cloned().filter(|v| !v.is_null());
            ClaudeAuthView {
                expires_at: pick("expiresAt"),
                scopes: pick("scopes"),
                subscription_type: pick("subscriptionType"),
            }
        });
        Self {
            id: u.id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            github_id: u.github_id.clone(),
            preferred_provider: u.settings.preferred_provider.clone(),
            preferred_model: u.settings.preferred_model.clone(),
            chat_verbosity_level: u.settings.chat_verbosity_level.clone(),
            image_resize_max_dimension: u.settings.image_resize_max_dimension,
            voice_command_keywords: u.settings.voice_command_keywords.clone(),
            default_landing_page: u.settings.default_landing_page.clone(),
            is_admin: u.is_admin,
            created_at: u.created_at.clone(),
            github_connected: u.github_token.is_some(),
            claude_auth_connected: u.claude_auth.is_some(),
            claude_auth,
            anthropic_key_connected: u.anthropic_key.is_some(),
        }
    }
}

/// `{user}`.
#[derive(Debug, Serialize)]
pub struct UserData {
    /// The user.
    pub user: UserView,
}

/// A login as `GET /api/auth/session` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The login's id (the hash of its token, not the token).
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// RFC 3339.
    pub expires_at: String,
    /// It slid just now (the cookie was set again).
    pub fresh: bool,
}

/// `{user, session}`.
#[derive(Debug, Serialize)]
pub struct SessionData {
    /// The user.
    pub user: UserView,
    /// The login.
    pub session: SessionView,
}

/// `{email, password}` (and `rememberMe` for a login).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    remember_me: bool,
}

/// The answer of a new login: its status, the cookie and `{user}`.
fn logged_in(
    status: StatusCode,
    st: &AppState,
    user: &User,
    issued: &Issued,
    c: &Client,
) -> Response {
    let mut r = (
        status,
        ok(UserData {
            user: UserView::of(user, st.accounts()),
        }),
    )
        .into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, login_cookie(issued, c.secure));
    r
}

/// `POST /api/auth/register`.
pub async fn register(
    State(st): State<AppState>,
    c: Client,
    ApiJson(b): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let (user, issued) = st.accounts().register(&b.email, &b.password, &c.ip).await?;
    Ok(logged_in(StatusCode::CREATED, &st, &user, &issued, &c))
}

/// `POST /api/auth/login`.
pub async fn login(
    State(st): State<AppState>,
    c: Client,
    ApiJson(b): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let (user, issued) = st
        .accounts()
        .login(&b.email, &b.password, b.remember_me, &c.ip)
        .await?;
    Ok(logged_in(StatusCode::OK, &st, &user, &issued, &c))
}

/// `POST /api/auth/logout`: the login ends and the cookie is blanked.
pub async fn logout(Me(st): Me, c: Client) -> Result<Response, ApiError> {
    if let Some(t) = &c.token {
        st.accounts().logout(t).await?;
    }
    let mut r = said("Logged out").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, blank_cookie(c.secure));
    Ok(r)
}

/// `GET /api/auth/session`: the cookie's user and login (as `identify` found it, slid if it
/// slid); 401 without one.
pub async fn session(
    Me(st): Me,
    login: Option<axum::Extension<CookieLogin>>,
) -> Result<Response, ApiError> {
    let Some(axum::Extension(l)) = login else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "Unauthorized",
        ));
    };
    let expires_at = jiff::Timestamp::from_millisecond(l.login.expires_ms)
        .map(|t| t.to_string())
        .unwrap_or_default();
    Ok(ok(SessionData {
        user: UserView::of(&l.user, st.accounts()),
        session: SessionView {
            id: l.login.id,
            user_id: l.user.id.clone(),
            expires_at,
            fresh: l.fresh,
        },
    })
    .into_response())
}
