//! Accounts: registration and login (Argon2id, imported bcrypt re-hashed), cookie logins that
//! slide, API keys, WebEDT's settings with their value lists, credentials sealed at rest, the
//! admin's user management, and who acts for a request ([`Actor`]).
//!
//! The store keeps only hashes of tokens and keys and sealed credentials; tokens and keys are
//! shown once, when made.

use crate::crypto::{self, SecretBox};
use crate::store::{
    self, AccountStats, ApiKey, LOCAL_OWNER, Login, NewApiKey, NewUser, Store, User, UserUpdate,
};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A login lives this long, and slides back to it when less than half remains.
pub const LOGIN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// The cookie's lifetime with `rememberMe` (the login itself still lives [`LOGIN_TTL`]).
pub const REMEMBER_TTL: Duration = Duration::from_secs(90 * 24 * 3600);
/// API keys start with this.
pub const KEY_PREFIX: &str = "ck_";
/// Passwords have at least this many characters.
pub const MIN_PASSWORD: usize = 8;
/// And at most this many bytes (hashing is the cost of a login: no megabyte passwords).
const MAX_PASSWORD: usize = 1024;

/// Why an account operation was refused, each with its HTTP meaning.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A field is missing or has a bad value (400); the text names it.
    #[error("{0}")]
    Invalid(String),
    /// Registration with a taken email (400, WebEDT's words).
    #[error("Email already in use")]
    EmailInUse,
    /// Unknown email or wrong password, the same for both (400, WebEDT's words).
    #[error("Invalid email or password")]
    BadCredentials,
    /// Registration is closed (403).
    #[error("registration is closed on this server: an admin creates accounts")]
    RegistrationClosed,
    /// Too many attempts (429).
    #[error("too many attempts; try again in {} s", .retry_after.as_secs())]
    RateLimited {
        /// When to try again.
        retry_after: Duration,
    },
    /// Not allowed for this user (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such user or key (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A sealed credential could not be opened (wrong server key): 500.
    #[error("a stored credential cannot be read with this server's key: {0}")]
    Sealed(String),
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Unix milliseconds, from the system clock plus an offset tests may move.
#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Moves this clock (and every clone) forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }

    /// Now, in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond() + self.0.load(Ordering::Relaxed)
    }
}

/// Whether anyone may register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Anyone.
    Open,
    /// Nobody: admins (and `clauded users add`) make accounts.
    Closed,
}

/// Attempts allowed per window, per client address and per email.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Attempts from one address.
    pub per_ip: u32,
    /// Attempts at one email.
    pub per_email: u32,
    /// The window.
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_ip: 30,
            per_email: 10,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// How accounts behave on this server.
#[derive(Debug, Clone, Default)]
pub struct AccountSettings {
    /// None: open until the first user exists, then closed.
    pub registration: Option<Registration>,
    /// Whether users without a key of their own may use the server's; None: yes while no
    /// account exists, no once one does.
    pub share_server_key: Option<bool>,
    /// Login and registration attempts.
    pub limits: Limits,
}

/// A new login: the cookie's token (shown once) and how long the cookie lives.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The cookie value.
    pub token: String,
    /// As stored.
    pub login: Login,
    /// The cookie's `Max-Age`.
    pub max_age: Duration,
}

/// A cookie that named a live login.
#[derive(Debug, Clone)]
pub struct CookieLogin {
    /// Whose.
    pub user: User,
    /// The login (its expiry already moved when it slid).
    pub login: Login,
    /// It slid: the cookie should be set again.
    pub fresh: bool,
}

/// Who acts for a request or a command: whose rows it sees, and what it may do.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The owner of the rows it reads and makes.
    pub owner: String,
    /// The user, when it is one (None: the local owner, or the server's token).
    pub user: Option<User>,
    /// May manage users and register MCP servers.
    pub admin: bool,
}

impl Actor {
    /// The local owner with every right (no account exists, or the server's own token).
    pub fn local() -> Self {
        Self {
            owner: LOCAL_OWNER.to_owned(),
            user: None,
            admin: true,
        }
    }

    /// A user.
    pub fn user(u: User) -> Self {
        Self {
            owner: u.id.clone(),
            admin: u.is_admin,
            user: Some(u),
        }
    }

    /// The store seen as this actor.
    pub fn store(&self, store: &Store) -> Store {
        match &self.user {
            Some(u) if !u.bare_ids => store.spaced(&self.owner),
            _ => store.scoped(&self.owner),
        }
    }
}

/// Who the terminal (and the server's token) acts as: the named user, else the first admin
/// once accounts exist (they took the local rows), else the local owner.
pub async fn machine_actor(store: &Store, email: Option<&str>) -> Result<Actor, AccountError> {
    if let Some(e) = email {
        let e = normal_email(e)?;
        return match store.user_by_email(&e).await? {
            Some(u) => Ok(Actor::user(u)),
            None => Err(AccountError::NotFound("user")),
        };
    }
    Ok(match store.first_admin().await? {
        Some(u) => Actor {
            admin: true,
            ..Actor::user(u)
        },
        None => Actor::local(),
    })
}

/// An email as stored: trimmed and lowercased; something@something, at most 254 bytes.
pub fn normal_email(email: &str) -> Result<String, AccountError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && e.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'));
    if e.is_empty() {
        return Err(AccountError::Invalid(
            "Email and password are required".into(),
        ));
    }
    if !ok {
        return Err(AccountError::Invalid(format!(
            "{email:?} is not an email address"
        )));
    }
    Ok(e)
}

/// A password good enough to store.
pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.is_empty() {
        return Err(AccountError::Invalid(
            "Email and password are required".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::Invalid(format!(
            "Password must be at least {MIN_PASSWORD} characters"
        )));
    }
    if password.len() > MAX_PASSWORD {
        return Err(AccountError::Invalid(format!(
            "Password must be at most {MAX_PASSWORD} bytes"
        )));
    }
    Ok(())
}

/// Argon2id off the async threads (tens of milliseconds of CPU each).
async fn hash(password: &str) -> String {
    let p = password.to_owned();
    tokio::task::spawn_blocking(move || crypto::hash_password(&p))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// A verification off the async threads; None stands for an unknown user (time burnt alike).
async fn verify(password: &str, stored: Option<&str>) -> crypto::Verified {
    let p = password.to_owned();
    let s = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || match s {
        Some(s) => crypto::verify_password(&p, &s),
        None => {
            crypto::burn_password_time(&p);
            crypto::Verified {
                ok: false,
                rehash: false,
            }
        }
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// A setting a user changes (`POST /api/user/…`), checked against WebEDT's value lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// claude, codex, copilot, gemini.
    PreferredProvider(String),
    /// '', opus, sonnet or a Claude model id.
    PreferredModel(String),
    /// minimal, normal, verbose.
    ChatVerbosity(String),
    /// store, library, community, sessions.
    DefaultLandingPage(String),
    /// 512 to 8000.
    ImageResize(i64),
    /// Up to 100 characters, or none.
    DisplayName(Option<String>),
    /// Up to 20 words of up to 50 characters.
    VoiceKeywords(Vec<String>),
}

fn one_of(what: &str, v: &str, allowed: &[&str]) -> Result<String, AccountError> {
    if allowed.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(AccountError::Invalid(format!(
            "Invalid {what}: {v:?}; one of {}",
            allowed
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

impl Setting {
    /// The change it makes, or why the value is refused.
    fn update(self) -> Result<UserUpdate, AccountError> {
        let mut up = UserUpdate::default();
        match self {
            Setting::PreferredProvider(v) => {
                up.preferred_provider = Some(one_of(
                    "provider",
                    &v,
                    &["claude", "codex", "copilot", "gemini"],
                )?)
            }
            Setting::PreferredModel(v) => {
                let ok = ["", "opus", "sonnet"].contains(&v.as_str())
                    || (v.starts_with("claude-")
                        && v.len() <= 100
                        && v.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)));
                if !ok {
                    return Err(AccountError::Invalid(format!(
                        "Invalid preferred model: {v:?}; \"\", \"opus\", \"sonnet\" or a claude-… model id"
                    )));
                }
                up.preferred_model = Some(v);
            }
            Setting::ChatVerbosity(v) => {
                up.chat_verbosity_level = Some(one_of(
                    "verbosity level",
                    &v,
                    &["minimal", "normal", "verbose"],
                )?)
            }
            Setting::DefaultLandingPage(v) => {
                up.default_landing_page = Some(one_of(
                    "landing page",
                    &v,
                    &["store", "library", "community", "sessions"],
                )?)
            }
            Setting::ImageResize(n) => {
                if !(512..=8000).contains(&n) {
                    return Err(AccountError::Invalid(format!(
                        "Invalid image resize dimension: {n}; from 512 to 8000"
                    )));
                }
                up.image_resize_max_dimension = Some(n);
            }
            Setting::DisplayName(v) => {
                let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
                if v.as_ref().is_some_and(|s| s.chars().count() > 100) {
                    return Err(AccountError::Invalid(
                        "Display name must be at most 100 characters".into(),
                    ));
                }
                up.display_name = Some(v);
            }
            Setting::VoiceKeywords(words) => {
                let words: Vec<String> = words
                    .into_iter()
                    .map(|w| w.trim().to_owned())
                    .filter(|w| !w.is_empty())
                    .collect();
                if words.len() > 20 || words.iter().any(|w| w.chars().count() > 50) {
                    return Err(AccountError::Invalid(
                        "Voice command keywords: at most 20, each at most 50 characters".into(),
                    ));
                }
                up.voice_command_keywords = Some(words);
            }
        }
        Ok(up)
    }
}

/// A user's credentials, opened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Credentials {
    /// Their Anthropic key.
    pub anthropic_key: Option<String>,
    /// Their Claude OAuth access token.
    pub claude_token: Option<String>,
    /// Their GitHub token.
    pub github_token: Option<String>,
}

/// What a user changes as an admin (`PATCH /api/admin/users/{id}`).
#[derive(Debug, Clone, Default)]
pub struct AdminPatch {
    /// New email.
    pub email: Option<String>,
    /// New display name (empty clears).
    pub display_name: Option<String>,
    /// New password.
    pub password: Option<String>,
    /// Admin or not.
    pub is_admin: Option<bool>,
}

/// The accounts of one store.
#[derive(Debug, Clone)]
pub struct Accounts(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    store: Store,
    secrets: SecretBox,
    clock: Clock,
    settings: AccountSettings,
    /// Whether accounts exist, as last read and when: asked by every request, and changed by
    /// other processes too (`clauded users add`), so trusted for a moment only.
    any: Mutex<Option<(std::time::Instant, bool)>>,
}

/// How long [`Accounts::any`] trusts what it read.
const ANY_TTL: Duration = Duration::from_secs(1);

impl Accounts {
    /// Over `store` (seen unscoped), sealing credentials with `secrets`.
    pub fn new(store: &Store, secrets: SecretBox, clock: Clock, settings: AccountSettings) -> Self {
        Self(Arc::new(Inner {
            store: store.unscoped(),
            secrets,
            clock,
            settings,
            any: Mutex::new(None),
        }))
    }

    /// The clock logins are timed by.
    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    fn store(&self) -> &Store {
        &self.0.store
    }

    /// Whether any account exists (else: local mode, no login needed).
    pub async fn any(&self) -> Result<bool, AccountError> {
        let cached = *self.0.any.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, any)) = cached
            && at.elapsed() < ANY_TTL
        {
            return Ok(any);
        }
        let any = self.store().user_count().await? > 0;
        *self.0.any.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), any));
        Ok(any)
    }

    /// Forgets what [`Accounts::any`] read (a user was made or deleted here).
    fn changed(&self) {
        *self.0.any.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether users without a key of their own may use the server's.
    pub async fn shares_server_key(&self) -> Result<bool, AccountError> {
        Ok(match self.0.settings.share_server_key {
            Some(b) => b,
            None => !self.any().await?,
        })
    }

    /// Counts an attempt from `ip` at `email` (in the store: every instance counts alike);
    /// refused when either is over its limit in the window.
    async fn limit(&self, ip: &str, email: &str) -> Result<(), AccountError> {
        let (l, now) = (self.0.settings.limits, self.0.clock.now_ms());
        let w = l.window.as_millis() as i64;
        let mut wait = None;
        for (key, max) in [
            (format!("ip {ip}"), l.per_ip),
            (format!("email {email}"), l.per_email),
        ] {
            let (count, began) = self.store().count_attempt(&key, w, now).await?;
            if count > i64::from(max) {
                let left = Duration::from_millis((began + w - now).max(1000) as u64);
                wait = wait.max(Some(left));
            }
        }
        match wait {
            Some(retry_after) => Err(AccountError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    /// `POST /api/auth/register`: a new user (the first is an admin and takes the local rows)
    /// and a login, when registration is open.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        ip: &str,
    ) -> Result<(User, Issued), AccountError> {
        if email.trim().is_empty() || password.is_empty() {
            return Err(AccountError::Invalid(
                "Email and password are required".into(),
            ));
        }
        let email = normal_email(email)?;
        self.limit(ip, &email).await?;
        check_password(password)?;
        let first_only = match self.0.settings.registration {
            Some(Registration::Open) => false,
            Some(Registration::Closed) => return Err(AccountError::RegistrationClosed),
            None if self.any().await? => return Err(AccountError::RegistrationClosed),
            None => true,
        };
        let user = self
            .make_user(&email, password, None, false, first_only)
            .await?;
        let issued = self.issue(&user.id, false).await?;
        Ok((user, issued))
    }

    /// A user made by an admin or `clauded users add` (registration rules aside).
    pub async fn add_user(
        &self,
        email: &str,
        password: &str,
        display_name: Option<&str>,
        is_admin: bool,
    ) -> Result<User, AccountError> {
        self.make_user(email, password, display_name, is_admin, false)
            .await
    }

    async fn make_user(
        &self,
        email: &str,
        password: &str,
        display_name: Option<&str>,
        is_admin: bool,
        first_only: bool,
    ) -> Result<User, AccountError> {
        let email = normal_email(email)?;
        check_password(password)?;
        if self.store().user_by_email(&email).await?.is_some() {
            return Err(AccountError::EmailInUse);
        }
        let new = NewUser {
            id: crypto::new_user_id(),
            email,
            password_hash: hash(password).await,
            display_name: display_name
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            is_admin,
            first_only,
        };
        let made = self.store().create_user(&new).await;
        self.changed();
        match made {
            Err(store::Error::Conflict(m)) if m == store::NOT_FIRST => {
                Err(AccountError::RegistrationClosed)
            }
            Err(store::Error::Conflict(_)) => Err(AccountError::EmailInUse),
            r => Ok(r?),
        }
    }

    /// `POST /api/auth/login`: a login for the right email and password; either mistake is
    /// the same answer after the same work. An imported bcrypt hash is replaced by Argon2id.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        remember: bool,
        ip: &str,
    ) -> Result<(User, Issued), AccountError> {
        if email.trim().is_empty() || password.is_empty() {
            return Err(AccountError::Invalid(
                "Email and password are required".into(),
            ));
        }
        let email = email.trim().to_lowercase();
        self.limit(ip, &email).await?;
        let user = if password.len() > MAX_PASSWORD {
            None
        } else {
            self.store().user_by_email(&email).await?
        };
        let v = verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await;
        let Some(mut user) = user.filter(|_| v.ok) else {
            return Err(AccountError::BadCredentials);
        };
        let w = self.0.settings.limits.window.as_millis() as i64;
        let older = self.0.clock.now_ms() - w;
        self.store()
            .clear_attempts(&format!("email {email}"), older)
            .await?;
        if v.rehash {
            let up = UserUpdate {
                password_hash: Some(hash(password).await),
                ..Default::default()
            };
            user = self.store().update_user(&user.id, &up).await?;
        }
        let issued = self.issue(&user.id, remember).await?;
        Ok((user, issued))
    }

    /// A new login for `user_id`.
    async fn issue(&self, user_id: &str, remember: bool) -> Result<Issued, AccountError> {
        let token = crypto::random_token("", 32);
        let login = Login {
            id: crypto::sha256_hex(&token),
            user_id: user_id.to_owned(),
            created_at: store::now(),
            expires_ms: self.0.clock.now_ms() + LOGIN_TTL.as_millis() as i64,
        };
        self.store().create_login(&login).await?;
        Ok(Issued {
            token,
            login,
            max_age: if remember { REMEMBER_TTL } else { LOGIN_TTL },
        })
    }

    /// The live login a cookie's token names; one with less than half its time left slides
    /// back to the full time (`fresh`).
    pub async fn cookie_login(&self, token: &str) -> Result<Option<CookieLogin>, AccountError> {
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        let now = self.0.clock.now_ms();
        let Some((mut login, user)) = self.store().login(&crypto::sha256_hex(token), now).await?
        else {
            return Ok(None);
        };
        let ttl = LOGIN_TTL.as_millis() as i64;
        let fresh = login.expires_ms - now < ttl / 2;
        if fresh {
            login.expires_ms = now + ttl;
            self.store()
                .extend_login(&login.id, login.expires_ms)
                .await?;
        }
        Ok(Some(CookieLogin { user, login, fresh }))
    }

    /// `POST /api/auth/logout`: the login goes (an unknown token is no error).
    pub async fn logout(&self, token: &str) -> Result<(), AccountError> {
        let now = self.0.clock.now_ms();
        self.store()
            .delete_login(&crypto::sha256_hex(token), now)
            .await?;
        Ok(())
    }

    /// The user an API key (`ck_…`) belongs to.
    pub async fn key_user(&self, key: &str) -> Result<Option<User>, AccountError> {
        if !key.starts_with(KEY_PREFIX) || key.len() > 200 {
            return Ok(None);
        }
        Ok(self.store().api_key_user(&crypto::sha256_hex(key)).await?)
    }

    /// A new API key for `user_id`: the key itself (shown once) and its listing.
    pub async fn create_key(
        &self,
        user_id: &str,
        name: &str,
    ) -> Result<(String, ApiKey), AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AccountError::Invalid(
                "name is required (at most 100 characters)".into(),
            ));
        }
        let key = crypto::random_token(KEY_PREFIX, 32);
        let new = NewApiKey {
            id: format!("key_{}", crypto::random_token("", 10)),
            user_id: user_id.to_owned(),
            name: name.to_owned(),
            prefix: key.chars().take(KEY_PREFIX.len() + 8).collect(),
            hash: crypto::sha256_hex(&key),
        };
        let listed = self.store().create_api_key(&new).await?;
        Ok((key, listed))
    }

    /// A user's keys.
    pub async fn keys(&self, user_id: &str) -> Result<Vec<ApiKey>, AccountError> {
        Ok(self.store().api_keys(user_id).await?)
    }

    /// Deletes one of a user's keys; another user's is not found.
    pub async fn delete_key(&self, user_id: &str, id: &str) -> Result<(), AccountError> {
        if self.store().delete_api_key(user_id, id).await? {
            Ok(())
        } else {
            Err(AccountError::NotFound("API key"))
        }
    }

    /// Changes one of a user's settings.
    pub async fn set(&self, user_id: &str, s: Setting) -> Result<User, AccountError> {
        Ok(self.store().update_user(user_id, &s.update()?).await?)
    }

    /// Keeps a Claude OAuth credential (`accessToken` and `refreshToken` needed), sealed.
    pub async fn set_claude_auth(
        &self,
        user_id: &str,
        auth: &serde_json::Value,
    ) -> Result<User, AccountError> {
        let has = |k: &str| {
            auth.get(k)
                .and_then(|v| v.as_str())
                .is_some_and(|s| !s.is_empty())
        };
        if !auth.is_object() || !has("accessToken") || !has("refreshToken") {
            return Err(AccountError::Invalid(
                "Invalid Claude auth: accessToken and refreshToken are required".into(),
            ));
        }
        let up = UserUpdate {
            claude_auth: Some(Some(self.0.secrets.seal(&auth.to_string()))),
            ..Default::default()
        };
        Ok(self.store().update_user(user_id, &up).await?)
    }

    /// Keeps a user's own Anthropic key, sealed.
    pub async fn set_anthropic_key(&self, user_id: &str, key: &str) -> Result<User, AccountError> {
        let key = key.trim();
        if !key.starts_with("sk-ant-") || key.len() > 500 || key.chars().any(char::is_whitespace) {
            return Err(AccountError::Invalid(
                "Invalid apiKey: an Anthropic key starts with sk-ant-".into(),
            ));
        }
        let up = UserUpdate {
            anthropic_key: Some(Some(self.0.secrets.seal(key))),
            ..Default::default()
        };
        Ok(self.store().update_user(user_id, &up).await?)
    }

    /// Removes a user's Claude OAuth credential, or their Anthropic key.
    pub async fn clear_credential(
        &self,
        user_id: &str,
        claude_auth: bool,
    ) -> Result<User, AccountError> {
        let up = if claude_auth {
            UserUpdate {
                claude_auth: Some(None),
                ..Default::default()
            }
        } else {
            UserUpdate {
                anthropic_key: Some(None),
                ..Default::default()
            }
        };
        Ok(self.store().update_user(user_id, &up).await?)
    }

    /// A user's credentials, opened with the server key.
    pub fn credentials(&self, user: &User) -> Result<Credentials, AccountError> {
        let open = |s: &Option<String>| {
            s.as_deref()
                .map(|s| self.0.secrets.open(s))
                .transpose()
                .map_err(|e| AccountError::Sealed(e.to_string()))
        };
        let claude_token = open(&user.claude_auth)?
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("accessToken")?.as_str().map(str::to_owned));
        Ok(Credentials {
            anthropic_key: open(&user.anthropic_key)?,
            claude_token,
            github_token: open(&user.github_token)?,
        })
    }

    /// A user's Claude OAuth credential without its tokens (expiry, scopes, plan), to show.
    pub fn claude_auth_metadata(
        &self,
        user: &User,
    ) -> Result<serde_json::Map<String, serde_json::Value>, AccountError> {
        let Some(sealed) = &user.claude_auth else {
            return Ok(Default::default());
        };
        let text = self
            .0
            .secrets
            .open(sealed)
            .map_err(|e| AccountError::Sealed(e.to_string()))?;
        let mut m: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).unwrap_or_default();
        m.retain(|k, _| !k.to_ascii_lowercase().contains("token"));
        Ok(m)
    }

    // ---- admin ----

    /// Every user.
    pub async fn users(&self) -> Result<Vec<User>, AccountError> {
        Ok(self.store().users().await?)
    }

    /// One user.
    pub async fn user(&self, id: &str) -> Result<User, AccountError> {
        match self.store().user(id).await {
            Err(store::Error::NotFound { .. }) => Err(AccountError::NotFound("user")),
            r => Ok(r?),
        }
    }

    /// The user with this email.
    pub async fn user_by_email(&self, email: &str) -> Result<User, AccountError> {
        self.store()
            .user_by_email(&normal_email(email)?)
            .await?
            .ok_or(AccountError::NotFound("user"))
    }

    /// An admin's change to a user; an admin cannot take away their own admin right.
    pub async fn patch_user(
        &self,
        actor_id: Option<&str>,
        id: &str,
        p: AdminPatch,
    ) -> Result<User, AccountError> {
        self.user(id).await?;
        if actor_id == Some(id) && p.is_admin == Some(false) {
            return Err(AccountError::Invalid(
                "Cannot remove your own admin rights".into(),
            ));
        }
        let mut up = UserUpdate {
            is_admin: p.is_admin,
            display_name: p
                .display_name
                .map(|d| Some(d.trim().to_owned()).filter(|d| !d.is_empty())),
            ..Default::default()
        };
        if let Some(e) = p.email {
            up.email = Some(normal_email(&e)?);
        }
        let new_password = p.password.is_some();
        if let Some(pw) = p.password {
            check_password(&pw)?;
            up.password_hash = Some(hash(&pw).await);
        }
        let u = match self.store().update_user(id, &up).await {
            Err(store::Error::Conflict(_)) => return Err(AccountError::EmailInUse),
            r => r?,
        };
        if new_password {
            // whoever knew the old password is logged out
            self.store().delete_logins_of(id).await?;
        }
        Ok(u)
    }

    /// Deletes a user with their rows, logins and keys; never oneself.
    pub async fn delete_user(&self, actor_id: Option<&str>, id: &str) -> Result<(), AccountError> {
        if actor_id == Some(id) {
            return Err(AccountError::Invalid(
                "Cannot delete your own account".into(),
            ));
        }
        let gone = self.store().delete_user(id).await?;
        self.changed();
        if gone {
            Ok(())
        } else {
            Err(AccountError::NotFound("user"))
        }
    }

    /// A login as `id` for an admin, whose own login (the cookie's token, if any) ends.
    pub async fn impersonate(
        &self,
        admin_token: Option<&str>,
        id: &str,
    ) -> Result<(User, Issued), AccountError> {
        let user = self.user(id).await?;
        if let Some(t) = admin_token {
            self.logout(t).await?;
        }
        let issued = self.issue(&user.id, false).await?;
        Ok((user, issued))
    }

    /// Users, admins and live logins.
    pub async fn stats(&self) -> Result<AccountStats, AccountError> {
        Ok(self.store().account_stats(self.0.clock.now_ms()).await?)
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
