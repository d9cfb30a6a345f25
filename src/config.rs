//! Configuration and paths: defaults < TOML file < an env file < environment < flags. The env
//! file is `./.env` for `clauded serve` only (the deployment convention) or `--env-file FILE`:
//! the other commands work inside repositories we do not trust.

use crate::anthropic::{DEFAULT_BASE_URL, DEFAULT_MODEL};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Configuration failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file is not valid TOML or has wrong types.
    #[error("invalid config file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An environment value does not parse.
    #[error("invalid value for {name}: {message}")]
    Value {
        /// The variable.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// No home directory to put files in.
    #[error("cannot find a home directory; set CLAUDED_HOME")]
    NoHome,
    /// `--env-file` names a file that cannot be read.
    #[error("cannot read the env file {path} (--env-file): {message}")]
    EnvFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The server key cannot be read or made.
    #[error("the server key (it seals users' credentials): {0}")]
    ServerKey(crate::crypto::CryptoError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Where every file lives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paths {
    /// `config.toml` and the credentials file.
    pub config_dir: PathBuf,
    /// The database and workspaces.
    pub data_dir: PathBuf,
    /// The chat history file.
    pub state_dir: PathBuf,
}

impl Paths {
    /// `<config>/config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// `<config>/credentials.toml`, the 0600 fallback for secrets.
    pub fn credentials_file(&self) -> PathBuf {
        self.config_dir.join("credentials.toml")
    }

    /// `<config>/secret.key`, the server key when no variable gives one (made 0600 at first use).
    pub fn secret_key_file(&self) -> PathBuf {
        self.config_dir.join("secret.key")
    }

    /// `<state>/history`, the chat line history.
    pub fn history_file(&self) -> PathBuf {
        self.state_dir.join("history")
    }

    /// `<data>/clauded.db`.
    pub fn default_database(&self) -> PathBuf {
        self.data_dir.join("clauded.db")
    }

    /// Works out the paths from `CLAUDED_HOME`, `CLAUDE_CONFIG_DIR` and the platform's rules.
    pub fn resolve(env: &Env) -> Result<Self, Error> {
        if let Some(home) = env.get("CLAUDED_HOME").filter(|h| !h.is_empty()) {
            let home = PathBuf::from(home);
            return Ok(Self {
                config_dir: home.clone(),
                data_dir: home.clone(),
                state_dir: home,
            });
        }
        let mut paths = platform_paths(env)?;
        if let Some(dir) = env.get("CLAUDE_CONFIG_DIR").filter(|h| !h.is_empty()) {
            paths.config_dir = PathBuf::from(dir);
        }
        Ok(paths)
    }
}

#[cfg(not(windows))]
fn platform_paths(env: &Env) -> Result<Paths, Error> {
    // XDG on Linux and macOS alike: command-line users expect ~/.config
    let home = env
        .get("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_owned()))
        .ok_or(Error::NoHome)?;
    let xdg = |var: &str, rel: &str| {
        env.get(var)
            .filter(|v| Path::new(v).is_absolute())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(rel))
            .join("clauded")
    };
    Ok(Paths {
        config_dir: xdg("XDG_CONFIG_HOME", ".config"),
        data_dir: xdg("XDG_DATA_HOME", ".local/share"),
        state_dir: xdg("XDG_STATE_HOME", ".local/state"),
    })
}

#[cfg(windows)]
fn platform_paths(_env: &Env) -> Result<Paths, Error> {
    let dirs = directories::ProjectDirs::from("", "", "clauded").ok_or(Error::NoHome)?;
    Ok(Paths {
        config_dir: dirs.config_dir().to_owned(),
        data_dir: dirs.data_dir().to_owned(),
        state_dir: dirs.data_local_dir().to_owned(),
    })
}

/// Environment lookups: the process environment first, then the env file, if one was read.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    dotenv: HashMap<String, String>,
    dotenv_file: Option<PathBuf>,
}

/// Which env file a command reads below the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DotEnv {
    /// None: `ask`, `chat`, `run` and the rest work inside repositories we do not trust.
    Skip,
    /// `./.env` when there is one (`clauded serve`, the deployment convention).
    Cwd,
    /// This file, which must exist (`--env-file`).
    File(PathBuf),
}

/// Where a setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Built in.
    Default,
    /// The config file.
    File,
    /// The env file (`./.env` for `serve`, or `--env-file`).
    Dotenv,
    /// The process environment.
    Env,
    /// A command-line flag.
    Flag,
}

impl Env {
    /// The real process environment, plus the env file `dotenv` names.
    pub fn from_process(dotenv: &DotEnv) -> Result<Self, Error> {
        let (dotenv, dotenv_file) = match dotenv {
            DotEnv::Skip => (HashMap::new(), None),
            DotEnv::Cwd => match dotenvy::from_path_iter(".env") {
                Ok(it) => (
                    it.filter_map(Result::ok).collect(),
                    Some(PathBuf::from("./.env")),
                ),
                Err(_) => (HashMap::new(), None),
            },
            DotEnv::File(path) => {
                let bad = |e: dotenvy::Error| Error::EnvFile {
                    path: path.clone(),
                    message: e.to_string(),
                };
                let vars = dotenvy::from_path_iter(path)
                    .map_err(bad)?
                    .collect::<Result<HashMap<_, _>, _>>()
                    .map_err(bad)?;
                (vars, Some(path.clone()))
            }
        };
        Ok(Self {
            vars: std::env::vars().collect(),
            dotenv,
            dotenv_file,
        })
    }

    /// An environment from explicit maps (tests); the env file is called `./.env`.
    pub fn from_maps(vars: HashMap<String, String>, dotenv: HashMap<String, String>) -> Self {
        let dotenv_file = (!dotenv.is_empty()).then(|| PathBuf::from("./.env"));
        Self {
            vars,
            dotenv,
            dotenv_file,
        }
    }

    /// The env file that was read, if any.
    pub fn dotenv_file(&self) -> Option<&Path> {
        self.dotenv_file.as_deref()
    }

    /// A value and where it came from.
    pub fn lookup(&self, name: &str) -> Option<(&str, Source)> {
        self.vars
            .get(name)
            .map(|v| (v.as_str(), Source::Env))
            .or_else(|| self.dotenv.get(name).map(|v| (v.as_str(), Source::Dotenv)))
    }

    /// A value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.lookup(name).map(|(v, _)| v)
    }

    /// The first of several names that is set and not empty, with its name. Every name in the
    /// environment comes before any in the env file, so the file never beats the environment.
    pub fn first(&self, names: &[&'static str]) -> Option<(&str, Source, &'static str)> {
        [(&self.vars, Source::Env), (&self.dotenv, Source::Dotenv)]
            .into_iter()
            .find_map(|(map, src)| {
                names.iter().find_map(|n| {
                    map.get(*n)
                        .filter(|v| !v.is_empty())
                        .map(|v| (v.as_str(), src, *n))
                })
            })
    }
}

/// Every environment variable clauded reads, and what it does: the man pages' ENVIRONMENT
/// section and `.env.example` are checked against this list.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "CLAUDED_HOME",
        "Put every file (config, database, history, credentials) in this one folder.",
    ),
    (
        "CLAUDE_CONFIG_DIR",
        "The config folder (config.toml, credentials.toml).",
    ),
    (
        "ANTHROPIC_API_KEY",
        "The Anthropic API key; wins over the stored one.",
    ),
    (
        "ANTHROPIC_BASE_URL",
        "The API base URL (default https://api.anthropic.com).",
    ),
    (
        "CLAUDE_API_BASE_URL",
        "Another name for ANTHROPIC_BASE_URL.",
    ),
    (
        "CLAUDE_DEFAULT_MODEL",
        "The default model (default claude-sonnet-4-5).",
    ),
    (
        "DATABASE_URL",
        "The store: a SQLite file (a path or sqlite:// URL), or a PostgreSQL server (postgres:// URL, sslmode honoured).",
    ),
    (
        "CLAUDED_LEASE_TTL",
        "Seconds before another instance closes the runs of one that stopped (default 30).",
    ),
    (
        "CLAUDED_REQUEST_LOG_DAYS",
        "Days the server keeps each exchange's request-log row (default 7; 0 keeps them all); usage per day stays.",
    ),
    (
        "CLAUDED_NO_MIGRATE",
        "`serve` leaves the schema alone (migrate in a job with `clauded db migrate`).",
    ),
    ("HOST", "The server's address (default 127.0.0.1)."),
    ("PORT", "The server's port (default 8000)."),
    (
        "CLAUDED_SERVER_TOKEN",
        "The token the server requires (--token); needed on a non-loopback HOST.",
    ),
    (
        "CLAUDED_ALLOWED_HOSTS",
        "Extra Host names the server accepts on loopback, comma-separated.",
    ),
    (
        "ALLOWED_ORIGINS",
        "Extra CORS origins, comma-separated (* for any).",
    ),
    (
        "CLAUDED_METRICS_ADDR",
        "Also serve GET /metrics, without the token, on this address.",
    ),
    (
        "WORKSPACE_DIR",
        "Where runs clone repositories (default under the data folder).",
    ),
    ("TMP_DIR", "Scratch space (default the system temp dir)."),
    (
        "CLAUDED_KEYRING",
        "auto (the OS keyring if it works) or file (always credentials.toml).",
    ),
    (
        "CLAUDED_MAX_RETRIES",
        "Retries before the first byte of an answer (default 2).",
    ),
    (
        "GITHUB_TOKEN",
        "Token for cloning and pushing over https and for pull requests.",
    ),
    (
        "GITHUB_API_URL",
        "GitHub's API base (default https://api.github.com); its host may receive the token.",
    ),
    (
        "GITHUB_URL",
        "GitHub's web address, where users sign in to connect their account (default https://github.com); the client secret goes only there.",
    ),
    (
        "GITHUB_CLIENT_ID",
        "The client id of a GitHub OAuth app: users connect their GitHub account to the server with it.",
    ),
    (
        "GITHUB_CLIENT_SECRET",
        "That OAuth app's client secret (a secret, never logged).",
    ),
    (
        "CLAUDED_NOTIFY_URL",
        "Push notices (ntfy-style POSTs) go to this URL, e.g. https://ntfy.sh/your-topic.",
    ),
    (
        "CLAUDED_NOTIFY_ON",
        "What is pushed, comma-separated: approval, done, error (default all three), or none.",
    ),
    (
        "CLAUDED_NOTIFY_TOKEN",
        "Bearer token for CLAUDED_NOTIFY_URL; wins over the stored one (a secret, never logged).",
    ),
    (
        "CLAUDED_SECRET_KEY",
        "The server key that seals users' credentials at rest (64 hex characters, base64 of 32 bytes, or a long passphrase); else secret.key in the config folder, made at first use (a secret, never logged).",
    ),
    (
        "SESSION_SECRET",
        "WebEDT's name for CLAUDED_SECRET_KEY, read when that is unset.",
    ),
    (
        "CLAUDED_REGISTRATION",
        "open or closed: whether anyone may register an account (default: open until the first account exists).",
    ),
    (
        "CLAUDED_SHARE_SERVER_KEY",
        "true or false: users without an Anthropic key of their own use the server's (default: only while no account exists).",
    ),
    (
        "CLAUDED_TRUSTED_PROXIES",
        "Proxies (IP addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the client.",
    ),
    (
        "CLAUDED_USER",
        "The account (email) the terminal commands act as (--user); default the first admin, or the local owner.",
    ),
    (
        "CLAUDED_LOG",
        "Log filter, e.g. debug or warn,clauded::http=info (from the environment, not an env file).",
    ),
];

/// The config file's shape; every key optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// API base URL.
    pub base_url: Option<String>,
    /// Default model.
    pub model: Option<String>,
    /// Default output token limit.
    pub max_tokens: Option<u32>,
    /// Default system prompt.
    pub system: Option<String>,
    /// Database path or `sqlite://` URL.
    pub database: Option<String>,
    /// Server address.
    pub host: Option<String>,
    /// Server port.
    pub port: Option<u16>,
    /// Where agent runs clone repositories.
    pub workspace_dir: Option<String>,
    /// Scratch space.
    pub tmp_dir: Option<String>,
    /// Retries before the first byte.
    pub max_retries: Option<u32>,
    /// First backoff in milliseconds.
    pub initial_backoff_ms: Option<u64>,
    /// Backoff cap in milliseconds.
    pub max_backoff_ms: Option<u64>,
    /// Connect timeout in seconds.
    pub connect_timeout_secs: Option<u64>,
    /// Idle (between reads) timeout in seconds.
    pub idle_timeout_secs: Option<u64>,
    /// How long the upstream model list is cached, in seconds.
    pub models_cache_secs: Option<u64>,
    /// `auto` (probe the OS keyring) or `file`.
    pub keyring: Option<String>,
    /// GitHub's API base (GITHUB_API_URL).
    pub github_api_url: Option<String>,
    /// GitHub's web address, for OAuth (GITHUB_URL).
    pub github_url: Option<String>,
    /// The GitHub OAuth app's client id (GITHUB_CLIENT_ID); its secret is never kept here.
    pub github_client_id: Option<String>,
    /// `Name <email>` for a `Co-authored-by:` trailer on run commits (none by default).
    pub git_co_author: Option<String>,
    /// Hours before a run's workspace is removed.
    pub workspace_ttl_hours: Option<u64>,
    /// More hosts (`host`, `host:port` or a URL) that may receive the GitHub token.
    pub github_hosts: Option<Vec<String>>,
    /// Where push notices go (ntfy-style POSTs).
    pub notify_url: Option<String>,
    /// What is pushed: `approval`, `done`, `error`.
    pub notify_on: Option<Vec<String>>,
    /// `open` or `closed`: whether anyone may register (default: open until the first user).
    pub registration: Option<String>,
    /// Users without a key of their own use the server's (default: while no account exists).
    pub share_server_key: Option<bool>,
    /// Proxies (IP addresses or CIDR blocks) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<String>>,
    /// The built-in tools' `[tools]` table.
    pub tools: Option<crate::builtin::ToolSettings>,
}

/// Flags that override everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--model`.
    pub model: Option<String>,
    /// `--max-tokens`.
    pub max_tokens: Option<u32>,
    /// `--system`.
    pub system: Option<String>,
    /// `--db`.
    pub database: Option<String>,
    /// `--host`.
    pub host: Option<String>,
    /// `--port`.
    pub port: Option<u16>,
}

/// How secrets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyringMode {
    /// Use the OS keyring when a probe shows it works, else the file.
    Auto,
    /// Always the 0600 file.
    File,
}

/// Which events are pushed to `notify_url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyOn {
    /// A tool call waits for an approval.
    pub approval: bool,
    /// A run or a server turn finished.
    pub done: bool,
    /// A run or a server turn failed.
    pub error: bool,
}

impl Default for NotifyOn {
    fn default() -> Self {
        Self {
            approval: true,
            done: true,
            error: true,
        }
    }
}

impl NotifyOn {
    /// Parses `approval`, `done`, `error` (or `none`, `all`), in any case and order.
    pub fn parse<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut on = Self {
            approval: false,
            done: false,
            error: false,
        };
        for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "approval" | "approvals" => on.approval = true,
                "done" => on.done = true,
                "error" | "errors" => on.error = true,
                "all" => on = Self::default(),
                "none" => {}
                other => {
                    return Err(format!(
                        "{other:?} is not a notice (use approval, done, error, all or none)"
                    ));
                }
            }
        }
        Ok(on)
    }

    /// The names that are on, in a fixed order.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.approval, "approval"),
            (self.done, "done"),
            (self.error, "error"),
        ]
        .into_iter()
        .filter_map(|(on, n)| on.then_some(n))
        .collect()
    }
}

impl Serialize for NotifyOn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

/// Whether anyone may register an account (`registration`); unset: open until the first user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    /// Anyone may.
    Open,
    /// Admins (and `clauded users add`) make accounts.
    Closed,
}

impl Registration {
    /// Parses `open` or `closed`, in any case.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            other => Err(format!(
                "{other:?} is not a registration mode (use open or closed)"
            )),
        }
    }
}

/// Parses a yes-or-no value: true/false, yes/no, on/off, 1/0.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        other => Err(format!("{other:?} is not true or false")),
    }
}

/// Parses an IP address or a CIDR block (`10.0.0.0/8`, `fd00::/8`) into the address and the
/// prefix length (32 or 128 for a bare address).
pub fn parse_cidr(s: &str) -> Result<(std::net::IpAddr, u8), String> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let ip: std::net::IpAddr = addr
        .trim_matches(['[', ']'])
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address or a CIDR block like 10.0.0.0/8"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
    };
    Ok((ip, prefix))
}

/// A comma-separated list (or the file's array) of proxies, each checked by [`parse_cidr`].
fn parse_proxies<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    items
        .into_iter()
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(|i| parse_cidr(i).map(|_| i.to_owned()))
        .collect()
}

/// The variables that may hold the server key, the first set one winning.
pub const SECRET_KEY_VARS: &[&str] = &["CLAUDED_SECRET_KEY", "SESSION_SECRET"];

/// Where the server key (sealing users' credentials at rest) comes from; never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKeySource {
    /// A variable ([`SECRET_KEY_VARS`]).
    Env {
        /// The variable.
        name: &'static str,
        /// The env file it came from; None for the process environment.
        file: Option<PathBuf>,
    },
    /// The key file, made (0600) at first use.
    File(PathBuf),
}

impl std::fmt::Display for ServerKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerKeySource::Env { name, file: None } => write!(f, "environment variable {name}"),
            ServerKeySource::Env {
                name,
                file: Some(p),
            } => write!(f, "{name} in {}", p.display()),
            ServerKeySource::File(p) => write!(f, "key file {}", p.display()),
        }
    }
}

impl Serialize for ServerKeySource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A secret setting: shown, serialized and debug-printed as `(set)`; [`SecretValue::expose`]
/// gives the value to the one place that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(set)")
    }
}

impl Serialize for SecretValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("(set)")
    }
}

/// The effective configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Where files live.
    pub paths: Paths,
    /// API base URL.
    pub base_url: String,
    /// Default model.
    pub model: String,
    /// Default output token limit.
    pub max_tokens: u32,
    /// Default system prompt.
    pub system: Option<String>,
    /// The store: the SQLite file, or a PostgreSQL URL.
    pub database: crate::store::Database,
    /// Server address.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Agent workspaces.
    pub workspace_dir: PathBuf,
    /// Scratch space.
    pub tmp_dir: PathBuf,
    /// Retries before the first byte.
    pub max_retries: u32,
    /// First backoff.
    pub initial_backoff_ms: u64,
    /// Backoff cap.
    pub max_backoff_ms: u64,
    /// Connect timeout.
    pub connect_timeout_secs: u64,
    /// Idle timeout.
    pub idle_timeout_secs: u64,
    /// Model list cache lifetime.
    pub models_cache_secs: u64,
    /// Secret storage.
    pub keyring: KeyringMode,
    /// GitHub's API base.
    pub github_api_url: String,
    /// GitHub's web address (OAuth's authorize and token endpoints).
    pub github_url: String,
    /// The GitHub OAuth app's client id, if users may connect their GitHub account.
    pub github_client_id: Option<String>,
    /// Its client secret (from the environment or an env file only).
    pub github_client_secret: Option<SecretValue>,
    /// Co-author trailer for run commits.
    pub git_co_author: Option<String>,
    /// Workspace lifetime.
    pub workspace_ttl_hours: u64,
    /// Hosts besides github.com and GITHUB_API_URL's that may receive the GitHub token.
    pub github_hosts: Vec<String>,
    /// The env file read below the environment, if any.
    pub env_file: Option<PathBuf>,
    /// Where push notices go, if anywhere (an http or https URL).
    pub notify_url: Option<String>,
    /// What is pushed there.
    pub notify_on: NotifyOn,
    /// The built-in tools' settings.
    pub tools: crate::builtin::ToolSettings,
    /// Whether anyone may register; None: open until the first user exists.
    pub registration: Option<Registration>,
    /// Whether users without a key use the server's; None: while no account exists.
    pub share_server_key: Option<bool>,
    /// Proxies (IP addresses or CIDR blocks) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<String>,
    /// Where the server key comes from (the key itself is read by [`Config::secret_box`]).
    pub server_key: ServerKeySource,
    /// Where each setting came from.
    pub sources: std::collections::BTreeMap<&'static str, Source>,
}

/// Default output token limit.
pub const DEFAULT_MAX_TOKENS: u32 = 8192;
/// Default server port (the iOS app's).
pub const DEFAULT_PORT: u16 = 8000;

impl Config {
    /// Loads from the real environment and files (no env file).
    pub fn load(overrides: &Overrides) -> Result<Self, Error> {
        Self::load_from(&Env::from_process(&DotEnv::Skip)?, overrides)
    }

    /// Loads with an explicit environment.
    pub fn load_from(env: &Env, ov: &Overrides) -> Result<Self, Error> {
        let paths = Paths::resolve(env)?;
        let file = read_file_config(&paths.config_file())?;
        let mut sources = std::collections::BTreeMap::new();

        // one setting: flag > env (process, then .env) > file > default
        macro_rules! pick {
            ($key:literal, $flag:expr, $envs:expr, $file:expr, $default:expr, $parse:expr) => {{
                if let Some(v) = $flag {
                    sources.insert($key, Source::Flag);
                    v
                } else if let Some((raw, src, name)) = env.first($envs) {
                    sources.insert($key, src);
                    $parse(raw).map_err(|message: String| Error::Value {
                        name: name.into(),
                        message,
                    })?
                } else if let Some(v) = $file {
                    sources.insert($key, Source::File);
                    v
                } else {
                    sources.insert($key, Source::Default);
                    $default
                }
            }};
        }
        let text = |s: &str| Ok::<String, String>(s.to_owned());
        let number = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|e| format!("{s:?} is not a number ({e})"))
        };

        let base_url = pick!(
            "base_url",
            None::<String>,
            &["ANTHROPIC_BASE_URL", "CLAUDE_API_BASE_URL"],
            file.base_url.clone(),
            DEFAULT_BASE_URL.to_owned(),
            text
        );
        let model = pick!(
            "model",
            ov.model.clone(),
            &["CLAUDE_DEFAULT_MODEL"],
            file.model.clone(),
            DEFAULT_MODEL.to_owned(),
            text
        );
        let database_raw = pick!(
            "database",
            ov.database.clone(),
            &["DATABASE_URL"],
            file.database.clone(),
            paths.default_database().to_string_lossy().into_owned(),
            text
        );
        let database = crate::store::Database::parse(&database_raw).map_err(|e| Error::Value {
            name: "DATABASE_URL".into(),
            message: e.to_string(),
        })?;
        let host = pick!(
            "host",
            ov.host.clone(),
            &["HOST"],
            file.host.clone(),
            "127.0.0.1".to_owned(),
            text
        );
        let port = pick!(
            "port",
            ov.port,
            &["PORT"],
            file.port,
            DEFAULT_PORT,
            |s: &str| {
                s.trim()
                    .parse::<u16>()
                    .map_err(|e| format!("{s:?} is not a port number ({e})"))
            }
        );
        let workspace_dir = PathBuf::from(pick!(
            "workspace_dir",
            None::<String>,
            &["WORKSPACE_DIR"],
            file.workspace_dir.clone(),
            paths
                .data_dir
                .join("workspaces")
                .to_string_lossy()
                .into_owned(),
            text
        ));
        let tmp_dir = PathBuf::from(pick!(
            "tmp_dir",
            None::<String>,
            &["TMP_DIR"],
            file.tmp_dir.clone(),
            std::env::temp_dir()
                .join("clauded")
                .to_string_lossy()
                .into_owned(),
            text
        ));
        let max_retries = pick!(
            "max_retries",
            None::<u32>,
            &["CLAUDED_MAX_RETRIES"],
            file.max_retries,
            2,
            |s: &str| number(s).map(|n| n.min(20) as u32)
        );
        let keyring = pick!(
            "keyring",
            None::<KeyringMode>,
            &["CLAUDED_KEYRING"],
            from_file(
                &paths,
                "keyring",
                file.keyring.as_deref().map(parse_keyring)
            )?,
            KeyringMode::Auto,
            parse_keyring
        );
        let github_api_url = pick!(
            "github_api_url",
            None::<String>,
            &["GITHUB_API_URL"],
            file.github_api_url.clone(),
            crate::github::DEFAULT_API_URL.to_owned(),
            text
        );
        let github_url = pick!(
            "github_url",
            None::<String>,
            &["GITHUB_URL"],
            file.github_url.clone(),
            crate::github::DEFAULT_WEB_URL.to_owned(),
            text
        )
        .trim()
        .trim_end_matches('/')
        .to_owned();
        let github_client_id = pick!(
            "github_client_id",
            None::<Option<String>>,
            &["GITHUB_CLIENT_ID"],
            file.github_client_id.clone().map(Some),
            None,
            |s: &str| Ok::<_, String>(Some(s.to_owned()))
        )
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty());
        // a secret: from a variable only, never the config file
        let github_client_secret = pick!(
            "github_client_secret",
            None::<Option<SecretValue>>,
            &["GITHUB_CLIENT_SECRET"],
            None,
            None,
            |s: &str| Ok::<_, String>(Some(SecretValue::new(s.trim())))
        );
        let notify_url = pick!(
            "notify_url",
            None::<Option<String>>,
            &["CLAUDED_NOTIFY_URL"],
            file.notify_url.clone().map(Some),
            None,
            |s: &str| Ok::<_, String>(Some(s.trim().to_owned()))
        );
        if let Some(u) = &notify_url {
            check_notify_url(u).map_err(|message| Error::Value {
                name: "CLAUDED_NOTIFY_URL (notify_url)".into(),
                message,
            })?;
        }
        let notify_on = pick!(
            "notify_on",
            None::<NotifyOn>,
            &["CLAUDED_NOTIFY_ON"],
            from_file(
                &paths,
                "notify_on",
                file.notify_on
                    .as_ref()
                    .map(|items| NotifyOn::parse(items.iter().map(String::as_str)))
            )?,
            NotifyOn::default(),
            |s: &str| NotifyOn::parse(s.split(','))
        );
        let registration = pick!(
            "registration",
            None::<Option<Registration>>,
            &["CLAUDED_REGISTRATION"],
            from_file(
                &paths,
                "registration",
                file.registration.as_deref().map(Registration::parse)
            )?
            .map(Some),
            None,
            |s: &str| Registration::parse(s).map(Some)
        );
        let share_server_key = pick!(
            "share_server_key",
            None::<Option<bool>>,
            &["CLAUDED_SHARE_SERVER_KEY"],
            file.share_server_key.map(Some),
            None,
            |s: &str| parse_bool(s).map(Some)
        );
        let trusted_proxies = pick!(
            "trusted_proxies",
            None::<Vec<String>>,
            &["CLAUDED_TRUSTED_PROXIES"],
            from_file(
                &paths,
                "trusted_proxies",
                file.trusted_proxies
                    .as_ref()
                    .map(|items| parse_proxies(items.iter().map(String::as_str)))
            )?,
            vec![],
            |s: &str| parse_proxies(s.split(','))
        );
        // a secret: the source is recorded, the value is read only by `secret_box`
        let server_key = match env.first(SECRET_KEY_VARS) {
            Some((_, src, name)) => {
                sources.insert("server_key", src);
                ServerKeySource::Env {
                    name,
                    file: (src == Source::Dotenv)
                        .then(|| env.dotenv_file().map(Path::to_owned))
                        .flatten(),
                }
            }
            None => {
                sources.insert("server_key", Source::Default);
                ServerKeySource::File(paths.secret_key_file())
            }
        };
        // the keys no variable sets: a flag, the file or the default
        let mut layer = |key: &'static str, flag: bool, in_file: bool| {
            let src = match (flag, in_file) {
                (true, _) => Source::Flag,
                (false, true) => Source::File,
                (false, false) => Source::Default,
            };
            sources.insert(key, src);
        };
        layer(
            "max_tokens",
            ov.max_tokens.is_some(),
            file.max_tokens.is_some(),
        );
        layer("system", ov.system.is_some(), file.system.is_some());
        for (key, in_file) in [
            ("initial_backoff_ms", file.initial_backoff_ms.is_some()),
            ("max_backoff_ms", file.max_backoff_ms.is_some()),
            ("connect_timeout_secs", file.connect_timeout_secs.is_some()),
            ("idle_timeout_secs", file.idle_timeout_secs.is_some()),
            ("models_cache_secs", file.models_cache_secs.is_some()),
            ("git_co_author", file.git_co_author.is_some()),
            ("workspace_ttl_hours", file.workspace_ttl_hours.is_some()),
            ("github_hosts", file.github_hosts.is_some()),
            ("tools", file.tools.is_some()),
        ] {
            layer(key, false, in_file);
        }
        // `serve` reads ./.env by convention; any other env file was named by --env-file
        let named = env.dotenv_file().is_some_and(|f| f != Path::new("./.env"));
        layer("env_file", named, false);
        let max_tokens = ov
            .max_tokens
            .or(file.max_tokens)
            .unwrap_or(DEFAULT_MAX_TOKENS);
        let system = ov.system.clone().or(file.system.clone());
        // what bash's commands may not read: every file of ours (keys, the database, the
        // history, the other workspaces and temp dirs, the env file `serve` read)
        let mut hidden = vec![
            paths.config_dir.clone(),
            paths.data_dir.clone(),
            paths.state_dir.clone(),
            workspace_dir.clone(),
            tmp_dir.clone(),
        ];
        if let crate::store::Database::Sqlite(db) = &database {
            hidden.extend(
                ["", "-wal", "-shm", "-journal"]
                    .iter()
                    .map(|x| PathBuf::from(format!("{}{x}", db.display()))),
            );
        }
        hidden.extend(env.dotenv_file().map(Path::to_owned));
        let tools = crate::builtin::ToolSettings {
            tmp_dir: Some(tmp_dir.join("tools")),
            records_dir: Some(paths.state_dir.join("tool-groups")),
            hidden,
            ..file.tools.clone().unwrap_or_default()
        };
        Ok(Self {
            base_url,
            model,
            max_tokens,
            system,
            database,
            host,
            port,
            workspace_dir,
            tmp_dir,
            max_retries,
            initial_backoff_ms: file.initial_backoff_ms.unwrap_or(500),
            max_backoff_ms: file.max_backoff_ms.unwrap_or(8_000),
            connect_timeout_secs: file.connect_timeout_secs.unwrap_or(10),
            idle_timeout_secs: file.idle_timeout_secs.unwrap_or(300),
            models_cache_secs: file.models_cache_secs.unwrap_or(24 * 3600),
            keyring,
            github_api_url,
            github_url,
            github_client_id,
            github_client_secret,
            git_co_author: file.git_co_author.clone().filter(|c| !c.trim().is_empty()),
            workspace_ttl_hours: file.workspace_ttl_hours.unwrap_or(24),
            github_hosts: file.github_hosts.clone().unwrap_or_default(),
            env_file: env.dotenv_file().map(Path::to_owned),
            notify_url,
            notify_on,
            tools,
            registration,
            share_server_key,
            trusted_proxies,
            server_key,
            sources,
            paths,
        })
    }

    /// The client settings (without a key).
    pub fn client_config(&self, api_key: String) -> crate::anthropic::ClientConfig {
        crate::anthropic::ClientConfig {
            base_url: self.base_url.clone(),
            api_key,
            max_retries: self.max_retries,
            initial_backoff: Duration::from_millis(self.initial_backoff_ms),
            max_backoff: Duration::from_millis(self.max_backoff_ms),
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            beta: vec![],
        }
    }
}

impl Config {
    /// The server key that seals users' credentials: from the variable [`Config::server_key`]
    /// names, else the key file, made (0600) when absent. A key file others may read is still
    /// used; see [`crate::crypto::SecretBox::file_is_private`].
    pub fn secret_box(&self, env: &Env) -> Result<crate::crypto::SecretBox, Error> {
        use crate::crypto::SecretBox;
        match &self.server_key {
            ServerKeySource::Env { name, .. } => {
                SecretBox::from_key_text(env.get(name).unwrap_or_default())
            }
            ServerKeySource::File(path) => SecretBox::load_or_create(path),
        }
        .map_err(Error::ServerKey)
    }
}

/// A push URL must be http or https with a host; no credentials in it (use the token).
fn check_notify_url(u: &str) -> Result<(), String> {
    // the value is not repeated: it may hold a secret (a password, a private topic)
    let url = reqwest::Url::parse(u).map_err(|e| format!("not a URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "put no credentials in the URL: set CLAUDED_NOTIFY_TOKEN (or `clauded auth notify`)"
                .into(),
        );
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("not an http(s) URL with a host".into());
    }
    Ok(())
}

/// A value of the config file that was parsed (when present), its failure naming the key.
fn from_file<T>(
    paths: &Paths,
    key: &str,
    v: Option<Result<T, String>>,
) -> Result<Option<T>, Error> {
    v.transpose().map_err(|message| Error::File {
        path: paths.config_file(),
        message: format!("{key}: {message}"),
    })
}

fn parse_keyring(s: &str) -> Result<KeyringMode, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "auto" | "keyring" | "" => Ok(KeyringMode::Auto),
        "file" | "off" | "none" => Ok(KeyringMode::File),
        other => Err(format!(
            "{other:?} is not a keyring mode (use auto or file)"
        )),
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| Error::File {
            path: path.to_owned(),
            message: e.to_string().trim().to_owned(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// A commented starter config file.
pub const CONFIG_TEMPLATE: &str = r#"# clauded configuration. Every key is optional; environment variables and flags win.
# The API key is not kept here: use ANTHROPIC_API_KEY or `clauded auth login`.
# The server key that seals users' credentials is not either: CLAUDED_SECRET_KEY (or
# SESSION_SECRET), else secret.key beside this file, made at first use.

# base_url = "https://api.anthropic.com"     # ANTHROPIC_BASE_URL / CLAUDE_API_BASE_URL
# model = "claude-sonnet-4-5"                 # CLAUDE_DEFAULT_MODEL, --model
# max_tokens = 8192                           # --max-tokens
# system = "You are a concise assistant."     # --system
# database = "/path/to/clauded.db"            # DATABASE_URL (path, sqlite:// or postgres:// URL), --db
# host = "127.0.0.1"                          # HOST, --host
# port = 8000                                 # PORT, --port
# workspace_dir = "/path/to/workspaces"       # WORKSPACE_DIR
# tmp_dir = "/tmp/clauded"                    # TMP_DIR
# max_retries = 2                             # CLAUDED_MAX_RETRIES
# initial_backoff_ms = 500
# max_backoff_ms = 8000
# connect_timeout_secs = 10
# idle_timeout_secs = 300
# models_cache_secs = 86400
# keyring = "auto"                            # auto or file; CLAUDED_KEYRING
# github_api_url = "https://api.github.com"  # GITHUB_API_URL
# github_url = "https://github.com"          # GITHUB_URL: where users sign in to connect GitHub
# github_client_id = "Iv1.0123456789abcdef"   # GITHUB_CLIENT_ID (the secret: GITHUB_CLIENT_SECRET only)
# git_co_author = "Claude <noreply@anthropic.com>"   # adds a Co-authored-by trailer to run commits
# workspace_ttl_hours = 24
# github_hosts = ["ghe.example.com"]         # more hosts the GitHub token may go to
# notify_url = "https://ntfy.sh/your-topic"   # CLAUDED_NOTIFY_URL: push notices (token: CLAUDED_NOTIFY_TOKEN)
# notify_on = ["approval", "done", "error"]   # CLAUDED_NOTIFY_ON
# registration = "closed"                    # open or closed; CLAUDED_REGISTRATION (default: open until the first account)
# share_server_key = false                   # CLAUDED_SHARE_SERVER_KEY (default: only while no account exists)
# trusted_proxies = ["10.0.0.0/8", "::1"]    # CLAUDED_TRUSTED_PROXIES: their X-Forwarded-For names the client

# [tools]                                     # the built-in bash tool's environment
# env = { CARGO_TERM_COLOR = "never" }        # set for every command
# pass_env = ["CARGO_HOME", "GOPATH"]         # passed through from clauded's own (never its keys)
# writable = ["/home/me/.cargo"]              # where bash may also write under Landlock
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)], dotenv: &[(&str, &str)]) -> Env {
        let m = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Env::from_maps(m(pairs), m(dotenv))
    }

    #[test]
    fn layers_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "model = \"from-file\"\nport = 9000\nbase_url = \"http://file\"\n",
        )
        .unwrap();
        let e = env(
            &[("CLAUDED_HOME", home), ("CLAUDE_DEFAULT_MODEL", "from-env")],
            &[("CLAUDE_DEFAULT_MODEL", "from-dotenv"), ("PORT", "9100")],
        );
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(c.model, "from-env");
        assert_eq!(c.port, 9100, ".env beats the file");
        assert_eq!(c.base_url, "http://file");
        assert_eq!(c.sources["port"], Source::Dotenv);
        let c = Config::load_from(
            &e,
            &Overrides {
                model: Some("flag".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.model, "flag");
        assert_eq!(
            c.database,
            crate::store::Database::Sqlite(dir.path().join("clauded.db"))
        );
    }

    #[test]
    fn the_env_file_never_beats_the_environment_even_under_another_name() {
        let e = env(
            &[
                ("CLAUDED_HOME", "/h"),
                ("CLAUDE_API_BASE_URL", "http://from-env"),
            ],
            &[("ANTHROPIC_BASE_URL", "http://from-dotenv")],
        );
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(c.base_url, "http://from-env");
        assert_eq!(c.sources["base_url"], Source::Env);
        assert_eq!(c.env_file, Some(PathBuf::from("./.env")));
    }

    #[test]
    fn an_env_file_is_read_only_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vars.env");
        std::fs::write(&file, "CLAUDED_TEST_ONLY_VAR=from-file\n").unwrap();
        let e = Env::from_process(&DotEnv::File(file.clone())).unwrap();
        assert_eq!(e.get("CLAUDED_TEST_ONLY_VAR"), Some("from-file"));
        assert_eq!(e.dotenv_file(), Some(file.as_path()));
        let e = Env::from_process(&DotEnv::Skip).unwrap();
        assert_eq!(e.get("CLAUDED_TEST_ONLY_VAR"), None);
        assert_eq!(e.dotenv_file(), None);
        let err = Env::from_process(&DotEnv::File(dir.path().join("nope")))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot read the env file") && err.contains("nope"),
            "{err}"
        );
    }

    #[test]
    fn clauded_home_moves_everything() {
        let e = env(
            &[
                ("CLAUDED_HOME", "/h"),
                ("HOME", "/home/u"),
                ("CLAUDE_CONFIG_DIR", "/cc"),
            ],
            &[],
        );
        let p = Paths::resolve(&e).unwrap();
        assert_eq!(p.config_dir, PathBuf::from("/h"));
        assert_eq!(p.history_file(), PathBuf::from("/h/history"));
        let e = env(&[("HOME", "/home/u"), ("CLAUDE_CONFIG_DIR", "/cc")], &[]);
        let p = Paths::resolve(&e).unwrap();
        assert_eq!(p.config_dir, PathBuf::from("/cc"));
        #[cfg(not(windows))]
        assert_eq!(p.data_dir, PathBuf::from("/home/u/.local/share/clauded"));
    }

    #[test]
    fn base_url_alias_and_database_url() {
        let e = env(
            &[
                ("CLAUDED_HOME", "/h"),
                ("CLAUDE_API_BASE_URL", "http://alias"),
                ("DATABASE_URL", "sqlite:///tmp/x.db"),
            ],
            &[],
        );
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(c.base_url, "http://alias");
        assert_eq!(
            c.database,
            crate::store::Database::Sqlite("/tmp/x.db".into())
        );
        // bash's commands cannot read our folders, nor a database kept elsewhere
        let hidden = &c.tools.hidden;
        for p in ["/h", "/tmp/x.db", "/tmp/x.db-wal", "/tmp/x.db-shm"] {
            assert!(hidden.contains(&PathBuf::from(p)), "{p}: {hidden:?}");
        }
        assert!(hidden.contains(&c.workspace_dir) && hidden.contains(&c.tmp_dir));
        let pg = env(
            &[
                ("CLAUDED_HOME", "/h"),
                ("DATABASE_URL", "postgres://u:pw@h/db"),
            ],
            &[],
        );
        let c = Config::load_from(&pg, &Overrides::default()).unwrap();
        assert_eq!(c.database.engine(), "postgres");
        let bad = env(
            &[("CLAUDED_HOME", "/h"), ("DATABASE_URL", "mysql://h/db")],
            &[],
        );
        let e = Config::load_from(&bad, &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("DATABASE_URL"), "{e}");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = env(&[("CLAUDED_HOME", "/h"), ("PORT", "eighty")], &[]);
        let err = Config::load_from(&e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("PORT") && err.contains("eighty"), "{err}");
    }

    #[test]
    fn push_notices_from_the_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let c =
            Config::load_from(&env(&[("CLAUDED_HOME", home)], &[]), &Overrides::default()).unwrap();
        assert_eq!(
            (c.notify_url.as_deref(), c.notify_on),
            (None, NotifyOn::default())
        );
        std::fs::write(
            dir.path().join("config.toml"),
            "notify_url = \"https://ntfy.sh/t\"\nnotify_on = [\"approval\"]\n",
        )
        .unwrap();
        let c =
            Config::load_from(&env(&[("CLAUDED_HOME", home)], &[]), &Overrides::default()).unwrap();
        assert_eq!(c.notify_url.as_deref(), Some("https://ntfy.sh/t"));
        assert_eq!(c.notify_on.names(), ["approval"]);
        let e = env(
            &[
                ("CLAUDED_HOME", home),
                ("CLAUDED_NOTIFY_URL", "http://127.0.0.1:9/hook"),
                ("CLAUDED_NOTIFY_ON", "done, ERROR"),
            ],
            &[],
        );
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(c.notify_url.as_deref(), Some("http://127.0.0.1:9/hook"));
        assert_eq!(c.notify_on.names(), ["done", "error"]);
        assert_eq!(c.sources["notify_on"], Source::Env);
        for (var, value, says) in [
            ("CLAUDED_NOTIFY_URL", "ftp://h/x", "http(s)"),
            (
                "CLAUDED_NOTIFY_URL",
                "https://u:pw@h/x",
                "CLAUDED_NOTIFY_TOKEN",
            ),
            ("CLAUDED_NOTIFY_ON", "approval,sometimes", "sometimes"),
        ] {
            let err = Config::load_from(
                &env(&[("CLAUDED_HOME", home), (var, value)], &[]),
                &Overrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains(var) && err.contains(says), "{err}");
            assert!(!err.contains("pw"), "{err}");
        }
    }

    #[test]
    fn bad_config_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), "modle = 1\n").unwrap();
        let e = env(&[("CLAUDED_HOME", dir.path().to_str().unwrap())], &[]);
        let err = Config::load_from(&e, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.toml") && err.contains("modle"),
            "{err}"
        );
    }

    #[test]
    fn template_parses() {
        let stripped: String = CONFIG_TEMPLATE
            .lines()
            .map(|l| l.trim_start_matches("# "))
            .filter(|l| {
                !l.starts_with("clauded") && !l.starts_with("The ") && !l.starts_with("SESSION_")
            })
            .map(|l| l.split("   #").next().unwrap_or(l).to_owned() + "\n")
            .collect();
        let parsed: FileConfig = toml::from_str(&stripped).unwrap();
        assert_eq!(parsed.port, Some(8000));
        assert_eq!(parsed.tools.unwrap().pass_env, ["CARGO_HOME", "GOPATH"]);
        assert_eq!(parsed.registration.as_deref(), Some("closed"));
    }

    #[test]
    fn account_settings_layer_and_bad_values_name_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let load = |pairs: &[(&str, &str)]| {
            let mut all = vec![("CLAUDED_HOME", home)];
            all.extend_from_slice(pairs);
            Config::load_from(&env(&all, &[]), &Overrides::default())
        };
        let c = load(&[]).unwrap();
        assert_eq!((c.registration, c.share_server_key), (None, None));
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.sources["registration"], Source::Default);
        std::fs::write(
            dir.path().join("config.toml"),
            "registration = \"closed\"\nshare_server_key = true\ntrusted_proxies = [\"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let c = load(&[]).unwrap();
        assert_eq!(c.registration, Some(Registration::Closed));
        assert_eq!(c.share_server_key, Some(true));
        assert_eq!(c.trusted_proxies, ["10.0.0.0/8"]);
        assert_eq!(c.sources["trusted_proxies"], Source::File);
        let c = load(&[
            ("CLAUDED_REGISTRATION", " Open "),
            ("CLAUDED_SHARE_SERVER_KEY", "no"),
            ("CLAUDED_TRUSTED_PROXIES", "127.0.0.1, fd00::/8,"),
        ])
        .unwrap();
        assert_eq!(c.registration, Some(Registration::Open));
        assert_eq!(c.share_server_key, Some(false));
        assert_eq!(c.trusted_proxies, ["127.0.0.1", "fd00::/8"]);
        assert_eq!(c.sources["share_server_key"], Source::Env);
        for (var, value) in [
            ("CLAUDED_REGISTRATION", "bogus"),
            ("CLAUDED_SHARE_SERVER_KEY", "maybe"),
            ("CLAUDED_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("CLAUDED_TRUSTED_PROXIES", "proxy.local"),
        ] {
            let err = load(&[(var, value)]).unwrap_err().to_string();
            assert!(err.contains(var) && err.contains(value), "{err}");
        }
        std::fs::write(dir.path().join("config.toml"), "registration = \"ajar\"\n").unwrap();
        let err = load(&[]).unwrap_err().to_string();
        assert!(err.contains("config.toml") && err.contains("ajar"), "{err}");
    }

    #[test]
    fn cidr_blocks_parse_over_std() {
        use std::net::IpAddr;
        assert_eq!(
            parse_cidr("10.1.0.0/16").unwrap(),
            ("10.1.0.0".parse::<IpAddr>().unwrap(), 16)
        );
        assert_eq!(parse_cidr("::1").unwrap().1, 128);
        assert_eq!(parse_cidr("[fd00::]/8").unwrap().1, 8);
        assert_eq!(parse_cidr("1.2.3.4").unwrap().1, 32);
        for bad in ["1.2.3.4/", "1.2.3/8", "::/129", "1.2.3.4/-1", ""] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_server_key_comes_from_a_variable_or_a_private_file_and_is_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let e = env(
            &[("CLAUDED_HOME", home), ("SESSION_SECRET", "from-the-env")],
            &[("CLAUDED_SECRET_KEY", "from-the-dotenv")],
        );
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(
            c.server_key,
            ServerKeySource::Env {
                name: "SESSION_SECRET",
                file: None
            },
            "the environment beats the env file, whatever the name"
        );
        let sealed = c.secret_box(&e).unwrap().seal("x");
        let same = crate::crypto::SecretBox::from_key_text("from-the-env").unwrap();
        assert_eq!(same.open(&sealed).unwrap(), "x");
        let shown = serde_json::to_string(&c).unwrap();
        assert!(!shown.contains("from-the-env") && !format!("{c:?}").contains("from-the-env"));
        let e = env(&[("CLAUDED_HOME", home)], &[("CLAUDED_SECRET_KEY", "k")]);
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(c.server_key.to_string(), "CLAUDED_SECRET_KEY in ./.env");
        assert_eq!(c.sources["server_key"], Source::Dotenv);

        let e = env(&[("CLAUDED_HOME", home)], &[]);
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        let file = dir.path().join("secret.key");
        assert_eq!(c.server_key, ServerKeySource::File(file.clone()));
        assert!(!file.exists(), "loading the configuration makes no file");
        let sealed = c.secret_box(&e).unwrap().seal("y");
        assert!(crate::crypto::SecretBox::file_is_private(&file));
        assert_eq!(c.secret_box(&e).unwrap().open(&sealed).unwrap(), "y");
    }

    #[test]
    fn the_github_app_is_configured_and_its_secret_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let c =
            Config::load_from(&env(&[("CLAUDED_HOME", home)], &[]), &Overrides::default()).unwrap();
        assert_eq!(c.github_url, "https://github.com");
        assert_eq!((c.github_client_id, c.github_client_secret), (None, None));
        std::fs::write(
            dir.path().join("config.toml"),
            "github_client_id = \"Iv1.from-file\"\ngithub_url = \"https://ghe.example/\"\n",
        )
        .unwrap();
        let e = env(
            &[("CLAUDED_HOME", home)],
            &[("GITHUB_CLIENT_SECRET", "s3cret-of-the-app")],
        );
        let c = Config::load_from(&e, &Overrides::default()).unwrap();
        assert_eq!(c.github_client_id.as_deref(), Some("Iv1.from-file"));
        assert_eq!(c.github_url, "https://ghe.example");
        assert_eq!(
            c.github_client_secret.as_ref().map(SecretValue::expose),
            Some("s3cret-of-the-app")
        );
        assert_eq!(c.sources["github_client_secret"], Source::Dotenv);
        let shown = serde_json::to_string(&c).unwrap();
        assert!(
            shown.contains("\"github_client_secret\":\"(set)\""),
            "{shown}"
        );
        assert!(!shown.contains("s3cret") && !format!("{c:?}").contains("s3cret"));
    }
}
