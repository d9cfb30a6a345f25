//! Accounts: users, their cookie logins and API keys, and whose rows are whose.
//!
//! With no user, every row belongs to the built-in local owner ([`LOCAL_OWNER`]); the first
//! user made takes those rows and is an admin. A [`Store`](super::Store) handle may be scoped
//! to one owner ([`Store::scoped`](super::Store::scoped)): then it reads and changes only that
//! owner's projects, sessions (their messages and events), approvals, stored responses and
//! remembered tool permissions, and what it makes is theirs.

use super::DEFAULT_PROJECT_ID;

/// The owner of every row while no account exists.
pub const LOCAL_OWNER: &str = "local";

/// A user as stored. Credentials are sealed text (the store never sees them in the clear);
/// the password hash is a PHC string.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// 16 base32 characters.
    pub id: String,
    /// Trimmed and lowercased.
    pub email: String,
    /// A name to show, if set.
    pub display_name: Option<String>,
    /// Argon2id (or an imported bcrypt) PHC string.
    pub password_hash: String,
    /// May manage users and the MCP registry.
    pub is_admin: bool,
    /// The GitHub account linked, if any.
    pub github_id: Option<String>,
    /// WebEDT's settings.
    pub settings: UserSettings,
    /// The user's own Anthropic key, sealed.
    pub anthropic_key: Option<String>,
    /// A Claude OAuth credential (JSON), sealed.
    pub claude_auth: Option<String>,
    /// A GitHub token, sealed.
    pub github_token: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// The ids this user's clients choose are stored as they are (the first user, who took
    /// the local rows, and users from before id spaces), not as `<id>~<user>`.
    pub bare_ids: bool,
}

/// WebEDT's per-user settings, with its defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSettings {
    /// claude, codex, copilot or gemini.
    pub preferred_provider: String,
    /// '', opus, sonnet or a model id.
    pub preferred_model: String,
    /// minimal, normal or verbose.
    pub chat_verbosity_level: String,
    /// 512 to 8000.
    pub image_resize_max_dimension: i64,
    /// Words that start voice commands.
    pub voice_command_keywords: Vec<String>,
    /// store, library, community or sessions.
    pub default_landing_page: String,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self {
            preferred_provider: "claude".into(),
            preferred_model: String::new(),
            chat_verbosity_level: "verbose".into(),
            image_resize_max_dimension: 1024,
            voice_command_keywords: vec![],
            default_landing_page: "store".into(),
        }
    }
}

/// What a new user needs.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Its id ([`crate::crypto::new_user_id`]).
    pub id: String,
    /// Trimmed and lowercased by the caller.
    pub email: String,
    /// The PHC string.
    pub password_hash: String,
    /// A name to show.
    pub display_name: Option<String>,
    /// Made an admin (the first user always is).
    pub is_admin: bool,
    /// Made only if no user exists yet (registration open until the first user): checked in
    /// the transaction that makes it, so of racing first registrations one wins.
    pub first_only: bool,
}

/// The conflict [`NewUser::first_only`] gives when a user exists.
pub const NOT_FIRST: &str = "a user exists already: registration is closed";

/// A change to a user; `None` fields stay. `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New email (trimmed, lowercased).
    pub email: Option<String>,
    /// New display name, or cleared.
    pub display_name: Option<Option<String>>,
    /// New password hash.
    pub password_hash: Option<String>,
    /// Admin or not.
    pub is_admin: Option<bool>,
    /// Linked GitHub account, or unlinked.
    pub github_id: Option<Option<String>>,
    /// Settings.
    pub preferred_provider: Option<String>,
    /// Settings.
    pub preferred_model: Option<String>,
    /// Settings.
    pub chat_verbosity_level: Option<String>,
    /// Settings.
    pub image_resize_max_dimension: Option<i64>,
    /// Settings.
    pub voice_command_keywords: Option<Vec<String>>,
    /// Settings.
    pub default_landing_page: Option<String>,
    /// Sealed Anthropic key, or removed.
    pub anthropic_key: Option<Option<String>>,
    /// Sealed Claude OAuth JSON, or removed.
    pub claude_auth: Option<Option<String>>,
    /// Sealed GitHub token, or removed.
    pub github_token: Option<Option<String>>,
}

/// A cookie login.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// The SHA-256 (hex) of the cookie's token.
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Unix milliseconds.
    pub expires_ms: i64,
}

/// An API key as listed (never the key or its hash).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// Its id.
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// Its name.
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC, if used.
    pub last_used_at: Option<String>,
}

/// A new API key: the listed part and the hash of the key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Its id.
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// Its name.
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    /// SHA-256 (hex) of the key.
    pub hash: String,
}

/// Counts for `GET /api/admin/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountStats {
    /// Users.
    pub total_users: i64,
    /// Admins.
    pub total_admins: i64,
    /// Logins not expired.
    pub active_sessions: i64,
}

/// A user's columns in [`User`]'s order: SQL both engines run.
pub(crate) const USER_SELECT: &str = "SELECT id, email, display_name, password_hash, is_admin,
        github_id, preferred_provider, preferred_model, chat_verbosity_level,
        image_resize_max_dimension, voice_command_keywords, default_landing_page,
        anthropic_key, claude_auth, github_token, created_at, updated_at, bare_ids
    FROM users";

/// An API key's columns in [`ApiKey`]'s order.
pub(crate) const API_KEY_SELECT: &str =
    "SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_keys";

/// `UPDATE users` for a [`UserUpdate`], its parameters numbered in the order they first
/// appear (SQLite numbers `$n` that way): the fields in [`UserUpdate`]'s order, an "is set"
/// flag before each optional one, then `updated_at` and the id.
pub(crate) const USER_UPDATE: &str = "UPDATE users SET
        email = COALESCE($1, email),
        display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
        password_hash = COALESCE($4, password_hash),
        is_admin = COALESCE($5, is_admin),
        github_id = CASE WHEN $6 THEN $7 ELSE github_id END,
        preferred_provider = COALESCE($8, preferred_provider),
        preferred_model = COALESCE($9, preferred_model),
        chat_verbosity_level = COALESCE($10, chat_verbosity_level),
        image_resize_max_dimension = COALESCE($11, image_resize_max_dimension),
        voice_command_keywords = COALESCE($12, voice_command_keywords),
        default_landing_page = COALESCE($13, default_landing_page),
        anthropic_key = CASE WHEN $14 THEN $15 ELSE anthropic_key END,
        claude_auth = CASE WHEN $16 THEN $17 ELSE claude_auth END,
        github_token = CASE WHEN $18 THEN $19 ELSE github_token END,
        updated_at = $20
    WHERE id = $21";

/// `INSERT INTO users` of a [`NewUser`]: id, email, display name, hash, admin, created (twice).
pub(crate) const USER_INSERT: &str = "INSERT INTO users (id, email, display_name, password_hash,
        is_admin, created_at, updated_at, bare_ids) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)";

/// [`AccountStats`] at unix milliseconds `$1`.
pub(crate) const ACCOUNT_STATS: &str = "SELECT (SELECT COUNT(*) FROM users),
        (SELECT COUNT(*) FROM users WHERE is_admin),
        (SELECT COUNT(*) FROM logins WHERE expires_ms > $1)";

impl UserUpdate {
    /// The keywords as the column's JSON text.
    pub(crate) fn keywords_json(&self) -> Option<String> {
        self.voice_command_keywords
            .as_ref()
            .map(|k| serde_json::Value::from(k.clone()).to_string())
    }
}

/// The tables whose rows have an `owner` column: what the first user takes over and what
/// goes with a deleted user.
pub(crate) const OWNED_TABLES: &[&str] = &[
    "request_log",
    "usage_daily",
    "approvals",
    "responses",
    "tool_permissions",
    "sessions",
    "projects",
];

/// The owner's default project's id: `default` for the local owner and for whoever owns that
/// row (the first user took it), `default~<owner>` in an owner's id space (`spaced`), else
/// `default-<owner>`. `default_owner` is who owns the `default` row, if it exists.
pub(crate) fn default_project_id(owner: &str, default_owner: Option<&str>, spaced: bool) -> String {
    match default_owner {
        Some(o) if o == owner => DEFAULT_PROJECT_ID.to_owned(),
        _ if spaced => format!("{DEFAULT_PROJECT_ID}{}{owner}", crate::store::ID_SPACE),
        _ if owner == LOCAL_OWNER => DEFAULT_PROJECT_ID.to_owned(),
        _ => format!("{DEFAULT_PROJECT_ID}-{owner}"),
    }
}

/// Whether an API key's `last_used_at` should be written again at `now` (both RFC 3339 UTC
/// as stored): when never used, or in an earlier minute.
pub(crate) fn last_used_is_stale(last: Option<&str>, now: &str) -> bool {
    // "YYYY-MM-DDTHH:MM" is the first 16 characters
    last.is_none_or(|l| l.get(..16) != now.get(..16))
}

/// The keywords column's JSON text as a list (text that does not parse is none).
pub(crate) fn keywords(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_projects_never_collide() {
        assert_eq!(default_project_id(LOCAL_OWNER, None, false), "default");
        assert_eq!(
            default_project_id(LOCAL_OWNER, Some(LOCAL_OWNER), false),
            "default"
        );
        assert_eq!(default_project_id("u1", Some("u1"), false), "default");
        assert_eq!(default_project_id("u2", Some("u1"), false), "default-u2");
        assert_eq!(default_project_id("u2", Some("u1"), true), "default~u2");
        assert_eq!(default_project_id("u2", None, false), "default-u2");
    }
}
