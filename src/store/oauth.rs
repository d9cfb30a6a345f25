//! GitHub OAuth states: each authorization a user starts, kept server-side (its id is the
//! SHA-256 of the state sent to GitHub), single use, minutes long and bound to the login that
//! asked; and linking a GitHub account to one user only.

/// An authorization in progress, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthState {
    /// The SHA-256 (hex) of the state sent to GitHub.
    pub id: String,
    /// Who asked.
    pub user_id: String,
    /// The cookie login that asked (its id, the hash of its token); None when none did.
    pub login_id: Option<String>,
    /// The PKCE verifier, sealed.
    pub verifier: String,
    /// Where the browser goes back to: an origin and a hash path (`https://app/#/settings`).
    pub return_to: String,
    /// Unix milliseconds.
    pub expires_ms: i64,
}

/// What taking a state found.
#[derive(Debug, Clone, PartialEq)]
pub enum TakenState {
    /// A live state, now used up.
    Live(OAuthState),
    /// A state past its time (gone too).
    Expired(OAuthState),
    /// No such state: never made, used already, or expired long ago.
    Unknown,
}

/// How long an expired state is kept, so that a late callback hears "expired" rather than
/// "unknown"; older ones go whenever a state is taken.
pub(crate) const KEEP_EXPIRED_MS: i64 = 24 * 3600 * 1000;

impl TakenState {
    /// The state a take deleted (if any), judged at `now_ms`.
    pub(crate) fn judge(row: Option<OAuthState>, now_ms: i64) -> Self {
        match row {
            Some(s) if s.expires_ms > now_ms => TakenState::Live(s),
            Some(s) => TakenState::Expired(s),
            None => TakenState::Unknown,
        }
    }
}

/// `INSERT` of an [`OAuthState`] in its field order.
pub(crate) const OAUTH_INSERT: &str = "INSERT INTO oauth_states
        (id, user_id, login_id, verifier, return_to, expires_ms) VALUES ($1, $2, $3, $4, $5, $6)";

/// Deletes one state and answers it (columns in [`OAuthState`]'s order).
pub(crate) const OAUTH_TAKE: &str = "DELETE FROM oauth_states WHERE id = $1
    RETURNING id, user_id, login_id, verifier, return_to, expires_ms";

/// Deletes the states expired before `$1`.
pub(crate) const OAUTH_CLEAN: &str = "DELETE FROM oauth_states WHERE expires_ms <= $1";

/// Takes a GitHub account (`$2`) and its token from every user but `$3`, at `$1`.
pub(crate) const GITHUB_UNLINK_OTHERS: &str = "UPDATE users
    SET github_id = NULL, github_token = NULL, updated_at = $1 WHERE github_id = $2 AND id <> $3";

/// Links a GitHub account (`$1`) and its sealed token (`$2`) to user `$4`, at `$3`.
pub(crate) const GITHUB_LINK: &str =
    "UPDATE users SET github_id = $1, github_token = $2, updated_at = $3 WHERE id = $4";
