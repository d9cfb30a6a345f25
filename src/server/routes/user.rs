//! `/api/user/*`: a user's settings (WebEDT's value lists), credentials and API keys.

use super::auth::{Envelope, Message, ok, said};
use crate::engine::accounts::{AccountError, Setting};
use crate::server::error::ApiError;
use crate::server::extract::{ApiJson, IdPath};
use crate::server::identity::Me;
use crate::store::{ApiKey, User};
use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The user a request acts as; the local owner and the server's token have no settings.
fn me(st: &crate::server::AppState) -> Result<&User, ApiError> {
    st.actor().user.as_ref().ok_or_else(|| {
        ApiError::from(AccountError::Invalid(
            "no user: these settings belong to an account (log in, or send its ck_ key)".into(),
        ))
    })
}

type Said = Result<Json<Envelope<Message>>, ApiError>;

async fn set(st: &crate::server::AppState, s: Setting, message: &str) -> Said {
    st.accounts().set(&me(st)?.id, s).await?;
    Ok(said(message))
}

/// `{provider}`.
#[derive(Deserialize)]
pub struct ProviderBody {
    #[serde(default, alias = "preferredProvider")]
    provider: String,
}

/// `POST /api/user/preferred-provider`.
pub async fn preferred_provider(Me(st): Me, ApiJson(b): ApiJson<ProviderBody>) -> Said {
    set(
        &st,
        Setting::PreferredProvider(b.provider),
        "Preferred provider updated",
    )
    .await
}

/// `{preferredModel}`.
#[derive(Deserialize)]
pub struct ModelBody {
    #[serde(default, rename = "preferredModel", alias = "model")]
    model: String,
}

/// `POST /api/user/preferred-model`.
pub async fn preferred_model(Me(st): Me, ApiJson(b): ApiJson<ModelBody>) -> Said {
    set(
        &st,
        Setting::PreferredModel(b.model),
        "Preferred model updated",
    )
    .await
}

/// `{verbosityLevel}`.
#[derive(Deserialize)]
pub struct VerbosityBody {
    #[serde(default, rename = "verbosityLevel", alias = "chatVerbosityLevel")]
    level: String,
}

/// `POST /api/user/chat-verbosity`.
pub async fn chat_verbosity(Me(st): Me, ApiJson(b): ApiJson<VerbosityBody>) -> Said {
    set(
        &st,
        Setting::ChatVerbosity(b.level),
        "Chat verbosity updated",
    )
    .await
}

/// `{landingPage}`.
#[derive(Deserialize)]
pub struct LandingBody {
    #[serde(default, rename = "landingPage", alias = "defaultLandingPage")]
    page: String,
}

/// `POST /api/user/default-landing-page`.
pub async fn default_landing_page(Me(st): Me, ApiJson(b): ApiJson<LandingBody>) -> Said {
    set(
        &st,
        Setting::DefaultLandingPage(b.page),
        "Default landing page updated",
    )
    .await
}

/// `{maxDimension}`.
#[derive(Deserialize)]
pub struct ResizeBody {
    #[serde(rename = "maxDimension", alias = "imageResizeMaxDimension")]
    max_dimension: Option<Value>,
}

/// `POST /api/user/image-resize-setting`.
pub async fn image_resize(Me(st): Me, ApiJson(b): ApiJson<ResizeBody>) -> Said {
    let Some(n) = b.max_dimension.as_ref().and_then(Value::as_i64) else {
        return Err(ApiError::bad_request(
            "maxDimension must be a whole number from 512 to 8000",
            Some("maxDimension"),
        ));
    };
    set(&st, Setting::ImageResize(n), "Image resize setting updated").await
}

/// `{displayName}`.
#[derive(Deserialize)]
pub struct NameBody {
    #[serde(default, rename = "displayName")]
    display_name: Option<String>,
}

/// `POST /api/user/display-name` (empty clears it).
pub async fn display_name(Me(st): Me, ApiJson(b): ApiJson<NameBody>) -> Said {
    set(
        &st,
        Setting::DisplayName(b.display_name),
        "Display name updated",
    )
    .await
}

/// `{keywords}`.
#[derive(Deserialize)]
pub struct KeywordsBody {
    #[serde(default, alias = "voiceCommandKeywords")]
    keywords: Vec<String>,
}

/// `POST /api/user/voice-command-keywords`.
pub async fn voice_keywords(Me(st): Me, ApiJson(b): ApiJson<KeywordsBody>) -> Said {
    set(
        &st,
        Setting::VoiceKeywords(b.keywords),
        "Voice command keywords updated",
    )
    .await
}

/// `POST /api/user/claude-auth`: `{claudeAuth}`, `{claudeAiOauth}` (Claude Code's
/// credentials file) or the bare object, and `{claudeAuth: {claudeAiOauth}}`: what WebEDT's
/// settings page sends when the credentials file is pasted whole.
pub async fn set_claude_auth(Me(st): Me, ApiJson(b): ApiJson<Value>) -> Said {
    let auth = b.get("claudeAuth").unwrap_or(&b);
    let auth = auth.get("claudeAiOauth").unwrap_or(auth);
    st.accounts().set_claude_auth(&me(&st)?.id, auth).await?;
    Ok(said("Claude authentication updated"))
}

/// `DELETE /api/user/claude-auth`.
pub async fn clear_claude_auth(Me(st): Me) -> Said {
    st.accounts().clear_credential(&me(&st)?.id, true).await?;
    Ok(said("Claude authentication removed"))
}

/// `{apiKey}`.
#[derive(Deserialize)]
pub struct KeyBody {
    #[serde(default, rename = "apiKey")]
    api_key: String,
}

/// `POST /api/user/anthropic-key`: the user's own Anthropic key, kept sealed.
pub async fn set_anthropic_key(Me(st): Me, ApiJson(b): ApiJson<KeyBody>) -> Said {
    st.accounts()
        .set_anthropic_key(&me(&st)?.id, &b.api_key)
        .await?;
    Ok(said("Anthropic API key updated"))
}

/// `DELETE /api/user/anthropic-key`.
pub async fn clear_anthropic_key(Me(st): Me) -> Said {
    st.accounts().clear_credential(&me(&st)?.id, false).await?;
    Ok(said("Anthropic API key removed"))
}

/// An API key as listed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, if used.
    pub last_used_at: Option<String>,
}

impl From<ApiKey> for KeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

/// A new key: shown once.
#[derive(Debug, Serialize)]
pub struct NewKeyView {
    /// The key (`ck_…`); only this answer has it.
    pub key: String,
    /// Its listing.
    #[serde(flatten)]
    pub listed: KeyView,
}

/// `{name}`.
#[derive(Deserialize)]
pub struct NewKeyBody {
    #[serde(default)]
    name: String,
}

/// `POST /api/user/api-keys`.
pub async fn create_key(
    Me(st): Me,
    ApiJson(b): ApiJson<NewKeyBody>,
) -> Result<(StatusCode, Json<Envelope<NewKeyView>>), ApiError> {
    let (key, listed) = st.accounts().create_key(&me(&st)?.id, &b.name).await?;
    Ok((
        StatusCode::CREATED,
        ok(NewKeyView {
            key,
            listed: listed.into(),
        }),
    ))
}

/// `{keys}`.
#[derive(Debug, Serialize)]
pub struct KeysData {
    /// Newest first.
    pub keys: Vec<KeyView>,
}

/// `GET /api/user/api-keys`.
pub async fn list_keys(Me(st): Me) -> Result<Json<Envelope<KeysData>>, ApiError> {
    let keys = st.accounts().keys(&me(&st)?.id).await?;
    Ok(ok(KeysData {
        keys: keys.into_iter().map(KeyView::from).collect(),
    }))
}

/// `DELETE /api/user/api-keys/{id}`: another user's key is not found.
pub async fn delete_key(Me(st): Me, IdPath(id): IdPath) -> Said {
    st.accounts().delete_key(&me(&st)?.id, &id).await?;
    Ok(said("API key deleted"))
}
