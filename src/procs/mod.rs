//! Tool child processes (bash's commands, stdio MCP servers): the environment they inherit,
//! their death with us ([`spawn`]), and the record of their process groups ([`registry`]).
//!
//! One list serves both, so a variable that is safe to pass on is decided in one place.

pub mod registry;
mod spawn;

pub use spawn::{die_with_us, spawn};

/// Keeps this process's memory and environment from other processes of the same user, an
/// agent's bash among them: on Linux it is no longer dumpable, so `/proc/<pid>/environ`,
/// `mem`, `maps` and `fd` become root's and `ptrace` needs `CAP_SYS_PTRACE` (what `ps` shows
/// in `/proc/<pid>/stat` and `cmdline` stays readable). Children are dumpable again after
/// `exec`. No core dumps either, which would hold the keys. A no-op elsewhere.
pub fn keep_to_ourselves() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE) takes plain integers and touches only this process.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        tracing::debug!(
            "cannot make the process undumpable: {}",
            std::io::Error::last_os_error()
        );
    }
}

use std::ffi::OsString;

/// Variables passed through from our environment; everything else (API keys) stays with us.
#[cfg(unix)]
pub const INHERITED_ENV: &[&str] = &[
    "HOME",
    "LOGNAME",
    "PATH",
    "SHELL",
    "TERM",
    "USER",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TZ",
    // package runners (npx, uvx) need their caches and proxies to start servers
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_RUNTIME_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];
/// Variables passed through from our environment; everything else (API keys) stays with us.
#[cfg(not(unix))]
pub const INHERITED_ENV: &[&str] = &[
    "APPDATA",
    "COMSPEC",
    "HOMEDRIVE",
    "HOMEPATH",
    "LOCALAPPDATA",
    "PATH",
    "PATHEXT",
    "PROCESSOR_ARCHITECTURE",
    "PROGRAMFILES",
    "SYSTEMDRIVE",
    "SYSTEMROOT",
    "TEMP",
    "TMP",
    "USERNAME",
    "USERPROFILE",
];

/// Our own secrets: never handed to a tool, even when a configuration names them.
pub const SECRET_ENV: &[&str] = &[
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "CLAUDED_SERVER_TOKEN",
    "CLAUDED_NOTIFY_TOKEN",
    "GITHUB_CLIENT_SECRET",
    // the server key that seals users' credentials
    "CLAUDED_SECRET_KEY",
    "SESSION_SECRET",
];

/// The values of [`INHERITED_ENV`] that are set in our environment, plus those of `extra` (a
/// configured pass-through list) that are set and are not one of our [`SECRET_ENV`].
pub fn inherited_env(extra: &[String]) -> Vec<(String, OsString)> {
    INHERITED_ENV
        .iter()
        .copied()
        .chain(
            extra
                .iter()
                .map(String::as_str)
                .filter(|n| !SECRET_ENV.contains(n)),
        )
        .filter_map(|name| std::env::var_os(name).map(|v| (name.to_owned(), v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_passed_even_when_named() {
        // PATH is set in every test environment; the key may or may not be.
        let names: Vec<String> = inherited_env(&["ANTHROPIC_API_KEY".into(), "PATH".into()])
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(names.contains(&"PATH".to_owned()));
        assert!(!names.iter().any(|n| SECRET_ENV.contains(&n.as_str())));
    }
}
