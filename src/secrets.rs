//! Secrets (the Anthropic key, later tokens): environment, then the OS keyring, then a 0600 file.
//!
//! Headless Linux has no durable keyring, and some keyrings refuse access: a read that fails
//! falls through to the file quietly, and a secret goes to the keyring only when it can be
//! read back from there (else to the file, with a warning). No sentinel is ever written.

use crate::config::{Env, KeyringMode, Paths, Source};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The keyring service name.
const SERVICE: &str = "clauded";
/// The name of the Anthropic key.
pub const ANTHROPIC_KEY: &str = "anthropic_api_key";
/// The name of the GitHub token.
pub const GITHUB_TOKEN: &str = "github_token";
/// The name of the push notices' bearer token.
pub const NOTIFY_TOKEN: &str = "notify_token";

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
    mode: KeyringMode,
    file: PathBuf,
    /// Where the last `set` went, once one happened.
    stored: Arc<Mutex<Option<Backend>>>,
}

impl Secrets {
    /// A store over the keyring (unless `mode` is file) and the credentials file. Nothing is
    /// touched until a secret is read or written.
    pub fn open(paths: &Paths, mode: KeyringMode) -> Self {
        Self {
            mode,
            file: paths.credentials_file(),
            stored: Arc::default(),
        }
    }

    /// A store that only uses the file (tests, and `keyring = file`).
    pub fn file_only(file: PathBuf) -> Self {
        Self {
            mode: KeyringMode::File,
            file,
            stored: Arc::default(),
        }
    }

    /// Where secrets go: the backend the last `set` used, else the keyring when a read from
    /// it works (a read leaves nothing behind), else the file with the reason.
    pub fn backend(&self) -> Backend {
        if let Some(b) = self.last_stored() {
            return b;
        }
        match self.mode {
            KeyringMode::File => Backend::File {
                reason: "keyring = file is configured".into(),
            },
            KeyringMode::Auto => match keyring::get(ANTHROPIC_KEY) {
                Ok(_) => Backend::Keyring,
                Err(e) => Backend::File { reason: why(e) },
            },
        }
    }

    fn last_stored(&self) -> Option<Backend> {
        self.stored
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The credentials file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// One line to print when a secret went to the file because the keyring did not work.
    pub fn fallback_warning(&self) -> Option<String> {
        match (self.mode, self.last_stored()) {
            (KeyringMode::Auto, Some(Backend::File { reason })) => Some(format!(
                "warning: no usable OS keyring ({reason}); using {} (mode 0600)",
                self.file.display()
            )),
            _ => None,
        }
    }

    /// Reads a secret from the keyring (if in use), then the file. A keyring that refuses is
    /// skipped without a word: the file, or "no key", is the answer then.
    pub fn get(&self, name: &str) -> Result<Option<(String, KeySource)>, Error> {
        if self.mode == KeyringMode::Auto {
            match keyring::get(name) {
                Ok(Some(v)) => return Ok(Some((v, KeySource::Keyring))),
                Ok(None) => {}
                Err(e) => tracing::debug!("not reading {name} from the keyring: {e}"),
            }
        }
        Ok(read_file(&self.file)?
            .remove(name)
            .filter(|v| !v.is_empty())
            .map(|v| (v, KeySource::File(self.file.clone()))))
    }

    /// Stores a secret: in the keyring when it reads the value back, else in the file.
    /// Returns where it went; [`Secrets::fallback_warning`] then says why not the keyring.
    pub fn set(&self, name: &str, value: &str) -> Result<KeySource, Error> {
        let backend = match self.mode {
            KeyringMode::File => Backend::File {
                reason: "keyring = file is configured".into(),
            },
            KeyringMode::Auto => match keyring::store_checked(name, value) {
                Ok(()) => Backend::Keyring,
                Err(e) => Backend::File { reason: why(e) },
            },
        };
        *self.stored.lock().unwrap_or_else(|p| p.into_inner()) = Some(backend.clone());
        match backend {
            Backend::Keyring => {
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
        if self.mode == KeyringMode::Auto {
            match keyring::delete(name) {
                Ok(gone) => found |= gone,
                Err(e) => tracing::debug!("not deleting {name} from the keyring: {e}"),
            }
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

/// Why the keyring is not used, without repeating "keyring".
fn why(e: Error) -> String {
    match e {
        Error::Keyring(m) => m,
        other => other.to_string(),
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
    token(env, secrets, "GITHUB_TOKEN", GITHUB_TOKEN)
}

/// The push notices' token: `CLAUDED_NOTIFY_TOKEN`, then the keyring, then the file.
pub fn notify_token(env: &Env, secrets: &Secrets) -> Result<Option<(String, KeySource)>, Error> {
    token(env, secrets, "CLAUDED_NOTIFY_TOKEN", NOTIFY_TOKEN)
}

/// A token from the variable `var`, else the secret `name`.
fn token(
    env: &Env,
    secrets: &Secrets,
    var: &'static str,
    name: &str,
) -> Result<Option<(String, KeySource)>, Error> {
    if let Some((v, src, name)) = env.first(&[var]) {
        return Ok(Some((
            v.trim().to_owned(),
            KeySource::Env {
                name,
                file: from_file(env, src),
            },
        )));
    }
    secrets.get(name)
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

    pub(super) fn init() -> Result<(), String> {
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

    /// Stores `value` and reads it back; when that fails, what was written is removed again,
    /// so a keyring that takes but does not give leaves nothing behind.
    pub(super) fn store_checked(name: &str, value: &str) -> Result<(), Error> {
        set(name, value)?;
        match get(name) {
            Ok(Some(v)) if v == value => Ok(()),
            other => {
                let _ = delete(name);
                Err(match other {
                    Err(e) => e,
                    _ => Error::Keyring("the keyring returned a different value".into()),
                })
            }
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
    fn reading_writes_nothing_to_the_keyring_and_a_refusing_one_is_skipped_quietly() {
        use keyring_core::{Entry, mock};
        // the platform store first, so that ours is the one in use from here on
        let _ = keyring::init();
        keyring_core::set_default_store(mock::Store::new().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().to_owned(),
            data_dir: dir.path().to_owned(),
            state_dir: dir.path().to_owned(),
        };
        let s = Secrets::open(&paths, KeyringMode::Auto);
        let key = Entry::new(SERVICE, ANTHROPIC_KEY).unwrap();
        let refuse = |e: &Entry| {
            let m: &mock::Cred = e.as_any().downcast_ref().unwrap();
            m.set_error(keyring_core::Error::NoStorageAccess("AccessDenied".into()));
        };
        refuse(&key);
        assert_eq!(s.get(ANTHROPIC_KEY).unwrap(), None, "no noise, no key");
        let probe = Entry::new(SERVICE, "probe").unwrap();
        assert!(matches!(
            probe.get_password(),
            Err(keyring_core::Error::NoEntry)
        ));

        // a keyring that refuses the write: the file, a warning, nothing in the keyring
        let token = Entry::new(SERVICE, GITHUB_TOKEN).unwrap();
        refuse(&token);
        let place = s.set(GITHUB_TOKEN, "ghp_secret").unwrap();
        assert_eq!(place, KeySource::File(paths.credentials_file()));
        let warning = s.fallback_warning().unwrap();
        assert!(warning.contains("AccessDenied"), "{warning}");
        assert!(matches!(
            token.get_password(),
            Err(keyring_core::Error::NoEntry)
        ));
        assert_eq!(s.get(GITHUB_TOKEN).unwrap().unwrap().0, "ghp_secret");

        // a keyring that works keeps the key, and the file keeps no copy
        let place = s.set(ANTHROPIC_KEY, "sk-ant-works").unwrap();
        assert_eq!(place, KeySource::Keyring);
        assert_eq!(s.fallback_warning(), None);
        assert_eq!(key.get_password().unwrap(), "sk-ant-works");
    }

    #[test]
    fn redaction_hides_the_middle() {
        assert_eq!(redact("sk-ant-api03-0123456789abcdef"), "sk-ant-…cdef");
        assert_eq!(redact("short"), "****");
    }
}
