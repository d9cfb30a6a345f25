//! The top-level error: every layer's failure, with its exit code.

use crate::{anthropic, config, secrets, store};

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An unexpected failure (I/O, database).
    pub const FAILURE: u8 = 1;
    /// Bad arguments, or an unknown session or project.
    pub const USAGE: u8 = 2;
    /// No API key, or a bad configuration.
    pub const CONFIG: u8 = 3;
    /// The Claude API answered with an error.
    pub const UPSTREAM: u8 = 4;
    /// The Claude API could not be reached, timed out, or cut the answer short.
    pub const UNREACHABLE: u8 = 5;
    /// The session is answering elsewhere (another terminal, the server).
    pub const BUSY: u8 = 6;
    /// Interrupted by Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// Every exit code and its meaning, for the man pages' EXIT STATUS (`--help` has the same).
pub const EXIT_STATUS: &[(u8, &str)] = &[
    (exit::OK, "success"),
    (
        exit::FAILURE,
        "unexpected failure (I/O, database); a failed `doctor` check or `health` probe",
    ),
    (
        exit::USAGE,
        "usage error: bad arguments, unknown session or project",
    ),
    (exit::CONFIG, "no API key, or invalid configuration"),
    (
        exit::UPSTREAM,
        "the Claude API returned an error (authentication, rate limit, overload, bad request)",
    ),
    (
        exit::UNREACHABLE,
        "the Claude API could not be reached, timed out, or cut the answer short",
    ),
    (
        exit::BUSY,
        "the session is answering elsewhere (another terminal or the server)",
    ),
    (
        exit::INTERRUPTED,
        "interrupted (Ctrl-C); the partial answer is saved",
    ),
];

/// Anything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user asked for something impossible.
    #[error("{0}")]
    Usage(String),
    /// No key anywhere.
    #[error("no Anthropic API key: set ANTHROPIC_API_KEY or run `clauded auth login`")]
    MissingKey,
    /// Configuration.
    #[error(transparent)]
    Config(#[from] config::Error),
    /// Secret storage.
    #[error(transparent)]
    Secrets(#[from] secrets::Error),
    /// The store.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The Claude API.
    #[error(transparent)]
    Upstream(#[from] anthropic::Error),
    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,
    /// Another turn answers the session now.
    #[error("{0}")]
    Busy(String),
    /// Local I/O.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Store(
                store::Error::NotFound { .. }
                | store::Error::Ambiguous { .. }
                | store::Error::InvalidId { .. }
                | store::Error::Conflict(_),
            ) => exit::USAGE,
            Error::Store(store::Error::BadUrl(_) | store::Error::Unmigrated { .. }) => exit::CONFIG,
            Error::MissingKey | Error::Config(_) | Error::Secrets(_) => exit::CONFIG,
            Error::Upstream(e) if e.is_transport() => exit::UNREACHABLE,
            Error::Upstream(anthropic::Error::Config(_)) => exit::CONFIG,
            Error::Upstream(_) => exit::UPSTREAM,
            Error::Interrupted => exit::INTERRUPTED,
            Error::Store(_) | Error::Io(_) | Error::Other(_) => exit::FAILURE,
            Error::Busy(_) => exit::BUSY,
        }
    }

    /// A line of advice to print under the message, when there is one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Upstream(anthropic::Error::Api(e)) => match e.kind.as_str() {
                "authentication_error" => Some(
                    "the API key was refused: check it with `clauded auth status`, or store a new one with `clauded auth login`",
                ),
                "permission_error" => Some("this key may not use that model or feature"),
                "not_found_error" => {
                    Some("check the model id: `clauded models` lists what the API offers")
                }
                "rate_limit_error" | "overloaded_error" => {
                    Some("the API is busy; wait a little and try again")
                }
                _ => None,
            },
            Error::Upstream(anthropic::Error::Connect { .. }) => {
                Some("check the network, or ANTHROPIC_BASE_URL if you set one")
            }
            _ => None,
        }
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;
