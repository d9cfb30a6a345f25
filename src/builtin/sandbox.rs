//! Confinement of bash's commands where the OS offers it: on Linux with Landlock, a command and
//! everything it starts may write only beneath the root, the temp dir, the configured
//! `[tools] writable` folders and a few devices. Reads, execution and the network stay open.
//!
//! The ruleset is built in the parent (its path descriptors opened before the fork); the child
//! only calls `restrict_self` between fork and exec, which makes two syscalls (prctl
//! `NO_NEW_PRIVS`, `landlock_restrict_self`) and allocates nothing (read in landlock 0.4.8).

use std::path::PathBuf;
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
                "bash's writes are confined to the root and the temp dir by Landlock (ABI {abi})"
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
) -> Result<(), String> {
    let status = status();
    if !status.confined() {
        warn_once(status);
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    return linux::confine(cmd, writable);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (cmd, writable);
        Ok(())
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::DEVICES;
    use landlock::{
        ABI, AccessFs, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, path_beneath_rules,
    };
    use std::path::{Path, PathBuf};

    /// Write rights as of ABI 4 (writing, making, removing, renaming across folders, truncating);
    /// device ioctls (ABI 5) are left alone so terminals keep working.
    fn handled() -> landlock::BitFlags<AccessFs> {
        AccessFs::from_write(ABI::V4)
    }

    fn ruleset(writable: &[PathBuf]) -> Result<RulesetCreated, landlock::RulesetError> {
        let paths = writable
            .iter()
            .map(PathBuf::as_path)
            .chain(DEVICES.iter().map(Path::new))
            .filter(|p| p.exists());
        Ruleset::default()
            .handle_access(handled())?
            .create()?
            .add_rules(path_beneath_rules(paths, handled()))
    }

    pub(super) fn confine(
        cmd: &mut tokio::process::Command,
        writable: &[PathBuf],
    ) -> Result<(), String> {
        let mut rules =
            Some(ruleset(writable).map_err(|e| format!("cannot build the Landlock rules: {e}"))?);
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
