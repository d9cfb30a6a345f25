//! Secrets (the Anthropic key, later tokens): environment, then the OS keyring, then a 0600 file.
//!
//! Headless Linux has no durable keyring, so the keyring is used only when a start-up probe
//! (store, read back, delete a sentinel) succeeds; otherwise the file is used.

use crate::config::{Env, KeyringMode, Paths, Source};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The keyring service name.
const SERVICE: &str = "clauded";
/// The name of the Anthropic key.
pub const ANTHROPIC_KEY: &str = "anthropic_api_key";
/// The name of the GitHub token.
pub const GITHUB_TOKEN: &str = "github_token";

/// Secret storage failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The credentials file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The credentials file is not valid TOML.
    #[error("{path} is not a valid credentials file: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The keyring refused.
    #[error("the OS keyring failed: {0}")]
    Keyring(String),
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An environment variable (or the env file).
    Env {
        /// The variable.
        name: &'static str,
        /// The env file it came from; None for the process environment.
        file: Option<PathBuf>,
    },
    /// The OS keyring.
    Keyring,
    /// The credentials file.
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env { name, file: None } => write!(f, "environment variable {name}"),
            KeySource::Env {
                name,
                file: Some(p),
            } => write!(f, "{name} in {}", p.display()),
            KeySource::Keyring => write!(f, "OS keyring (service \"{SERVICE}\")"),
            KeySource::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

/// Which store `set` writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The OS keyring, which passed the probe.
    Keyring,
    /// The file; `reason` says why the keyring is not used.
    File {
        /// Why not the keyring.
        reason: String,
    },
}

/// The secret store of one process.
#[derive(Debug, Clone)]
pub struct Secrets {
    backend: Backend,
    file: PathBuf,
}

impl Secrets {
    /// Decides the backend: the file when so configured, else the keyring if the probe passes.
    pub fn open(paths: &Paths, mode: KeyringMode) -> Self {
        let file = paths.credentials_file();
        let backend = match mode {
            KeyringMode::File => Backend::File {
                reason: "keyring = file is configured".into(),
            },
            KeyringMode::Auto => match keyring::probe() {
                Ok(()) => Backend::Keyring,
                Err(reason) => Backend::File { reason },
            },
        };
        Self { backend, file }
    }

    /// A store that only uses the file (tests, and `keyring = file`).
    pub fn file_only(file: PathBuf) -> Self {
        Self {
            backend: Backend::File {
                reason: "file only".into(),
            },
            file,
        }
    }

    /// The chosen backend.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The credentials file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// One line to print when the keyring cannot be used and a secret goes to the file.
    pub fn fallback_warning(&self) -> Option<String> {
        match &self.backend {
            Backend::File { reason }
                if !reason.starts_with("keyring = file") && reason != "file only" =>
            {
                Some(format!(
                    "warning: no usable OS keyring ({reason}); using {} (mode 0600)",
                    self.file.display()
                ))
            }
            _ => None,
        }
    }

    /// Reads a secret from the keyring (if in use), then the file.
    pub fn get(&self, name: &str) -> Result<Option<(String, KeySource)>, Error> {
        if self.backend == Backend::Keyring
            && let Some(v) = keyring::get(name)?
        {
            return Ok(Some((v, KeySource::Keyring)));
        }
        Ok(read_file(&self.file)?
            .remove(name)
            .filter(|v| !v.is_empty())
            .map(|v| (v, KeySource::File(self.file.clone()))))
    }

    /// Stores a secret in the backend; returns where it went.
    pub fn set(&self, name: &str, value: &str) -> Result<KeySource, Error> {
        match self.backend {
            Backend::Keyring => {
                keyring::set(name, value)?;
                // an older copy in the file would shadow nothing but would linger: drop it
                self.remove_from_file(name)?;
                Ok(KeySource::Keyring)
            }
            Backend::File { .. } => {
                let mut all = read_file(&self.file)?;
                all.insert(name.to_owned(), value.to_owned());
                write_file(&self.file, &all)?;
                Ok(KeySource::File(self.file.clone()))
            }
        }
    }

    /// Removes a secret from every store; true if it was anywhere.
    pub fn delete(&self, name: &str) -> Result<bool, Error> {
        let mut found = false;
        if self.backend == Backend::Keyring {
            found |= keyring::delete(name)?;
        }
        found |= self.remove_from_file(name)?;
        Ok(found)
    }

    fn remove_from_file(&self, name: &str) -> Result<bool, Error> {
        let mut all = read_file(&self.file)?;
        if all.remove(name).is_none() {
            return Ok(false);
        }
        write_file(&self.file, &all)?;
        Ok(true)
    }
}

/// The Anthropic key: `ANTHROPIC_API_KEY`, then the keyring, then the file.
pub fn anthropic_key(env: &Env, secrets: &Secrets) -> Result<Option<(String, KeySource)>, Error> {
    if let Some((v, src, name)) = env.first(&["ANTHROPIC_API_KEY"]) {
        let key = v.trim().to_owned();
        return Ok(Some((
            key,
            KeySource::Env {
                name,
                file: from_file(env, src),
            },
        )));
    }
    secrets.get(ANTHROPIC_KEY)
}

/// The GitHub token: `GITHUB_TOKEN`, then the keyring, then the file.
pub fn github_token(env: &Env, secrets: &Secrets) -> Result<Option<(String, KeySource)>, Error> {
    if let Some((v, src, name)) = env.first(&["GITHUB_TOKEN"]) {
        return Ok(Some((
            v.trim().to_owned(),
            KeySource::Env {
                name,
                file: from_file(env, src),
            },
        )));
    }
    secrets.get(GITHUB_TOKEN)
}

/// The env file a value came from, when it did.
fn from_file(env: &Env, src: Source) -> Option<PathBuf> {
    env.dotenv_file()
        .filter(|_| src == Source::Dotenv)
        .map(Path::to_owned)
}

/// A key shown safely: its prefix and last four characters.
pub fn redact(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 16 {
        return "****".into();
    }
    let head: String = chars[..7].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| Error::Corrupt {
            path: path.to_owned(),
            message: e.message().to_owned(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_file(path: &Path, all: &BTreeMap<String, String>) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let body = format!(
        "# clauded secrets; keep this file private (mode 0600)\n{}",
        toml::to_string(all).map_err(|e| Error::Corrupt {
            path: path.to_owned(),
            message: e.to_string(),
        })?
    );
    // write a private temp file, then rename over, so a crash never leaves half a file
    let tmp = path.with_extension("toml.tmp");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(body.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)
}

mod keyring {
    //! The OS keyring through keyring-core and the platform's native store.

    use super::{Error, SERVICE};
    use std::sync::OnceLock;

    static STORE: OnceLock<Result<(), String>> = OnceLock::new();

    fn init() -> Result<(), String> {
        STORE
            .get_or_init(|| {
                #[cfg(target_os = "linux")]
                let store =
                    linux_keyutils_keyring_store::Store::new().map_err(|e| e.to_string())?;
                #[cfg(target_os = "macos")]
                let store = apple_native_keyring_store::keychain::Store::new()
                    .map_err(|e| e.to_string())?;
                #[cfg(target_os = "windows")]
                let store =
                    windows_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
                #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
                {
                    keyring_core::set_default_store(store);
                    Ok(())
                }
                #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
                Err("no keyring support on this platform".to_string())
            })
            .clone()
    }

    fn entry(name: &str) -> Result<keyring_core::Entry, String> {
        init()?;
        keyring_core::Entry::new(SERVICE, name).map_err(|e| e.to_string())
    }

    /// Set, read back and delete a sentinel; any failure means "do not use the keyring".
    pub(super) fn probe() -> Result<(), String> {
        let e = entry("probe")?;
        let token = uuid::Uuid::new_v4().to_string();
        e.set_password(&token).map_err(|e| e.to_string())?;
        let back = e.get_password().map_err(|e| e.to_string());
        let _ = e.delete_credential();
        match back {
            Ok(v) if v == token => Ok(()),
            Ok(_) => Err("the keyring returned a different value".into()),
            Err(e) => Err(e),
        }
    }

    pub(super) fn get(name: &str) -> Result<Option<String>, Error> {
        match entry(name).map_err(Error::Keyring)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Keyring(e.to_string())),
        }
    }

    pub(super) fn set(name: &str, value: &str) -> Result<(), Error> {
        entry(name)
            .map_err(Error::Keyring)?
            .set_password(value)
            .map_err(|e| Error::Keyring(e.to_string()))
    }

    pub(super) fn delete(name: &str) -> Result<bool, Error> {
        match entry(name).map_err(Error::Keyring)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(Error::Keyring(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn file_round_trip_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::file_only(dir.path().join("credentials.toml"));
        assert_eq!(s.get(ANTHROPIC_KEY).unwrap(), None);
        s.set(ANTHROPIC_KEY, "sk-ant-api03-abcdefghijkl").unwrap();
        s.set("github_token", "ghp_x").unwrap();
        let (v, src) = s.get(ANTHROPIC_KEY).unwrap().unwrap();
        assert_eq!(v, "sk-ant-api03-abcdefghijkl");
        assert!(matches!(src, KeySource::File(_)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(s.file()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(s.delete(ANTHROPIC_KEY).unwrap());
        assert!(!s.delete(ANTHROPIC_KEY).unwrap());
        assert_eq!(s.get("github_token").unwrap().unwrap().0, "ghp_x");
    }

    #[test]
    fn environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::file_only(dir.path().join("c.toml"));
        s.set(ANTHROPIC_KEY, "from-file").unwrap();
        let env = Env::from_maps(
            HashMap::new(),
            [("ANTHROPIC_API_KEY".to_string(), "from-dotenv".to_string())].into(),
        );
        let (v, src) = anthropic_key(&env, &s).unwrap().unwrap();
        assert_eq!(v, "from-dotenv");
        assert_eq!(
            src,
            KeySource::Env {
                name: "ANTHROPIC_API_KEY",
                file: Some(PathBuf::from("./.env"))
            }
        );
        let (v, _) = anthropic_key(&Env::default(), &s).unwrap().unwrap();
        assert_eq!(v, "from-file");
    }

    #[test]
    fn redaction_hides_the_middle() {
        assert_eq!(redact("sk-ant-api03-0123456789abcdef"), "sk-ant-…cdef");
        assert_eq!(redact("short"), "****");
    }
}
