//! Confinement of bash's commands where the OS offers it: on Linux with Landlock, a command and
//! everything it starts may write only beneath the root, the temp dir, the configured
//! `[tools] writable` folders and a few devices, and cannot read (or list) clauded's own files:
//! the config folder (keys, the server secret), the data folder (the database, every other
//! session's workspace), the history and the other workspaces' temp dirs. Everything else stays
//! readable; execution and the network stay open.
//!
//! Landlock only grants, so "all but these folders" is made of grants: each folder on the way
//! from `/` to a hidden one is split into its entries, and every entry that holds nothing hidden
//! is granted whole (an entry added to such a folder later stays unreadable).
//!
//! The ruleset is built in the parent (its path descriptors opened before the fork); the child
//! only calls `restrict_self` between fork and exec, which makes two syscalls (prctl
//! `NO_NEW_PRIVS`, `landlock_restrict_self`) and allocates nothing (read in landlock 0.4.8).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Devices any command writes to; `/dev/pts` for a terminal it is given.
#[cfg(target_os = "linux")]
const DEVICES: &[&str] = &["/dev/null", "/dev/tty", "/dev/pts"];

/// Whether bash's commands are confined on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SandboxStatus {
    /// Landlock confines their writes.
    Landlock {
        /// The kernel's Landlock ABI version.
        abi: i32,
    },
    /// The kernel has Landlock but it is not enabled (not in the `lsm=` boot list).
    Disabled,
    /// The kernel has no Landlock (before Linux 5.13, or not built in).
    Missing,
    /// Not Linux: nothing confines them.
    Unsupported,
}

impl SandboxStatus {
    /// True when writes are confined.
    pub fn confined(&self) -> bool {
        matches!(self, SandboxStatus::Landlock { .. })
    }

    /// One line for a person (`doctor`, the log).
    pub fn describe(&self) -> String {
        match self {
            SandboxStatus::Landlock { abi } => format!(
                "bash's writes are confined to the root and the temp dir, and clauded's own files are hidden from it, by Landlock (ABI {abi})"
            ),
            SandboxStatus::Disabled => "bash runs unconfined: Landlock is in this kernel but not enabled (add it to the lsm= boot parameter)".into(),
            SandboxStatus::Missing => "bash runs unconfined: this kernel has no Landlock (it needs Linux 5.13 or later)".into(),
            SandboxStatus::Unsupported => "bash runs unconfined: Landlock needs Linux".into(),
        }
    }
}

/// This machine's status, probed once.
pub fn status() -> SandboxStatus {
    static STATUS: OnceLock<SandboxStatus> = OnceLock::new();
    *STATUS.get_or_init(probe)
}

#[cfg(target_os = "linux")]
fn probe() -> SandboxStatus {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute and the VERSION flag the call only returns the ABI version.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if v > 0 {
        return SandboxStatus::Landlock { abi: v as i32 };
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EOPNOTSUPP) => SandboxStatus::Disabled,
        _ => SandboxStatus::Missing,
    }
}

#[cfg(not(target_os = "linux"))]
fn probe() -> SandboxStatus {
    SandboxStatus::Unsupported
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// Logs, the first time only, that commands run unconfined; true if this call logged it.
fn warn_once(status: SandboxStatus) -> bool {
    let first = !WARNED.swap(true, Ordering::Relaxed);
    if first {
        tracing::warn!("{}", status.describe());
    }
    first
}

/// Confines `cmd`'s writes to `writable` (plus the usual devices) where Landlock is available;
/// elsewhere it says so once and leaves the command as it is. An error means the rules could
/// not be built, and the command must not run.
pub(super) fn confine(
    cmd: &mut tokio::process::Command,
    writable: &[PathBuf],
    hidden: &[PathBuf],
) -> Result<(), String> {
    let status = status();
    if !status.confined() {
        warn_once(status);
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    return linux::confine(cmd, writable, hidden);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (cmd, writable, hidden);
        Ok(())
    }
}

/// The grants that leave every path readable but the `hidden` ones and what they hold:
/// `from` itself when it holds nothing hidden, else its entries, each treated the same way.
/// A link is followed to what it names (a link into a hidden folder is not granted). `forced`:
/// `from` is granted even when it lies in a hidden folder (a workspace in the data folder).
fn grants_except(from: &Path, hidden: &[PathBuf], forced: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    split(from, hidden, forced, &mut out, &mut seen);
    out.sort();
    out.dedup();
    out
}

fn split(
    dir: &Path,
    hidden: &[PathBuf],
    forced: bool,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    if !forced && hidden.iter().any(|h| dir.starts_with(h)) {
        return;
    }
    if !hidden.iter().any(|h| h.starts_with(dir) && h != dir) {
        out.push(dir.to_owned());
        return;
    }
    if !seen.insert(dir.to_owned()) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let real = match e.file_type() {
            Ok(t) if t.is_symlink() => match std::fs::canonicalize(&path) {
                Ok(r) => r,
                Err(_) => continue,
            },
            _ => path,
        };
        split(&real, hidden, false, out, seen);
    }
}

/// `path` with its links resolved, as far as it exists (the rest appended as it is).
fn real_path(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(r) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(r, |p: PathBuf, c| p.join(c));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                at = parent;
            }
            _ => return path.to_owned(),
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{DEVICES, grants_except, real_path};
    use landlock::{
        ABI, AccessFs, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, path_beneath_rules,
    };
    use std::path::{Path, PathBuf};

    /// Write rights as of ABI 4 (writing, making, removing, renaming across folders, truncating);
    /// device ioctls (ABI 5) are left alone so terminals keep working.
    fn write() -> landlock::BitFlags<AccessFs> {
        AccessFs::from_write(ABI::V4)
    }

    /// Reading files and listing folders (execution is left open).
    fn read() -> landlock::BitFlags<AccessFs> {
        AccessFs::ReadFile | AccessFs::ReadDir
    }

    fn ruleset(
        writable: &[PathBuf],
        hidden: &[PathBuf],
    ) -> Result<RulesetCreated, landlock::RulesetError> {
        let hidden: Vec<PathBuf> = hidden.iter().map(|h| real_path(h)).collect();
        let readable = grants_except(Path::new("/"), &hidden, false);
        let mut rw: Vec<PathBuf> = writable
            .iter()
            .filter(|p| p.exists())
            .flat_map(|p| grants_except(&real_path(p), &hidden, true))
            .collect();
        rw.extend(DEVICES.iter().map(PathBuf::from).filter(|p| p.exists()));
        Ruleset::default()
            .handle_access(write() | read())?
            .create()?
            .add_rules(path_beneath_rules(&readable, read()))?
            .add_rules(path_beneath_rules(&rw, write() | read()))
    }

    pub(super) fn confine(
        cmd: &mut tokio::process::Command,
        writable: &[PathBuf],
        hidden: &[PathBuf],
    ) -> Result<(), String> {
        let mut rules = Some(
            ruleset(writable, hidden)
                .map_err(|e| format!("cannot build the Landlock rules: {e}"))?,
        );
        // SAFETY: restrict_self makes two syscalls and builds plain values (checked in the
        // crate's source); its error is turned into an errno without allocating.
        unsafe {
            cmd.pre_exec(move || match rules.take() {
                Some(r) => r
                    .restrict_self()
                    .map(drop)
                    .map_err(|_| std::io::Error::last_os_error()),
                None => Err(std::io::Error::from_raw_os_error(libc::EINVAL)),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_granted_but_the_hidden_folders() {
        let t = tempfile::tempdir().unwrap();
        let base = t.path().canonicalize().unwrap();
        for d in [
            "a/b/hidden/ws/mine",
            "a/b/hidden/ws/theirs",
            "a/b/open",
            "a/c",
            "d",
        ] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        std::fs::write(base.join("a/b/file"), "x").unwrap();
        #[cfg(unix)]
        {
            // a link into the hidden folder is not a way in; one to an open folder is followed
            std::os::unix::fs::symlink(base.join("a/b/hidden"), base.join("a/b/alias")).unwrap();
            std::os::unix::fs::symlink(&base, base.join("a/b/up")).unwrap();
            std::os::unix::fs::symlink(base.join("d"), base.join("a/b/to-d")).unwrap();
        }
        let hidden = [base.join("a/b/hidden")];
        let got = grants_except(&base, &hidden, false);
        let want: Vec<PathBuf> = ["a/b/file", "a/b/open", "a/c", "d"]
            .iter()
            .map(|p| base.join(p))
            .collect();
        assert_eq!(got, want);
        // nothing hidden beneath: the folder itself
        assert_eq!(
            grants_except(&base.join("a/c"), &hidden, false),
            [base.join("a/c")]
        );
        // a workspace inside the hidden folder is granted when asked for, a hidden one is not
        let mine = base.join("a/b/hidden/ws/mine");
        assert_eq!(grants_except(&mine, &hidden, true), vec![mine.clone()]);
        assert!(grants_except(&mine, &hidden, false).is_empty());
        // a root that holds the hidden folder is split too
        let got = grants_except(&base.join("a"), &hidden, true);
        let want: Vec<PathBuf> = ["a/b/file", "a/b/open", "a/c", "d"]
            .iter()
            .map(|p| base.join(p))
            .collect();
        assert_eq!(got, want, "d through the link a/b/to-d");
    }

    #[test]
    fn paths_are_resolved_as_far_as_they_exist() {
        let t = tempfile::tempdir().unwrap();
        let base = t.path().canonicalize().unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&base, base.join("link")).unwrap();
        assert_eq!(real_path(&base.join("link/not/yet")), base.join("not/yet"));
        assert_eq!(real_path(&base), base);
    }

    #[test]
    fn the_status_is_stable_and_described() {
        let s = status();
        assert_eq!(s, status());
        assert!(!s.describe().is_empty());
        if !s.confined() {
            assert!(s.describe().contains("unconfined"));
        }
        // the warning is given at most once per process
        warn_once(s);
        assert!(!warn_once(s));
    }
}
