//! Files opened beneath a root without following a symlink at any component, so a symlink
//! planted in the root (or swapped in between a check and a write) cannot lead outside it.
//!
//! On Linux one `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` resolves a path; elsewhere, or
//! on a kernel without openat2, the path is walked from the root's descriptor one component at a
//! time with `O_NOFOLLOW`. Paths given here are relative and already free of `..` (see
//! [`relative_in_root`]); the kernel checks the rest, at the moment of opening.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Turns what the model gave into a path relative to `root`, lexically: a relative path is taken
/// from the root, an absolute one must lie inside it, and `..` may not climb out. Nothing is
/// resolved on disk here; [`RootDir`] refuses symlinks when the path is opened.
pub fn relative_in_root(root: &Path, given: &str) -> Result<PathBuf, String> {
    let p = Path::new(given);
    let inside = if p.is_absolute() {
        let canonical = root.canonicalize().ok();
        let stripped = p
            .strip_prefix(root)
            .ok()
            .or_else(|| canonical.as_deref().and_then(|c| p.strip_prefix(c).ok()));
        stripped
            .ok_or_else(|| format!("{given} is outside the root {}", root.display()))?
            .to_path_buf()
    } else {
        p.to_path_buf()
    };
    let mut norm = PathBuf::new();
    for c in inside.components() {
        match c {
            Component::ParentDir => {
                if !norm.pop() {
                    return Err(format!("{given} leaves the root"));
                }
            }
            Component::Normal(name) => norm.push(name),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(norm)
}

/// How a file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Read and write an existing file.
    ReadWrite,
    /// Write, creating or truncating.
    Create,
}

/// What a directory entry is, without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A regular file.
    File,
    /// A symlink (never followed).
    Symlink,
    /// Anything else (a FIFO, a socket, a device).
    Other,
}

/// A directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its name.
    pub name: OsString,
    /// What it is.
    pub kind: Kind,
}

/// An explanation of an opening error for the model, naming the path.
pub fn describe(path: &Path, e: &io::Error) -> String {
    let shown = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    #[cfg(unix)]
    match e.raw_os_error() {
        Some(libc::ELOOP) => {
            return format!(
                "access denied: {} goes through a symlink, and the filesystem tool does not follow symlinks",
                shown.display()
            );
        }
        Some(libc::EXDEV) => {
            return format!("access denied: {} leaves the root", shown.display());
        }
        _ => {}
    }
    format!("{}: {e}", shown.display())
}

#[cfg(unix)]
pub use unix::RootDir;

#[cfg(unix)]
mod unix {
    use super::{Access, Entry, Kind};
    use std::ffi::{CStr, CString, OsStr};
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Component, Path};

    /// An open root directory; every path is resolved beneath it.
    #[derive(Debug)]
    pub struct RootDir {
        fd: OwnedFd,
    }

    fn cstr(name: &OsStr) -> io::Result<CString> {
        CString::new(name.as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
    }

    fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
        if ret < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(ret)
        }
    }

    /// `openat` of one name, never following a symlink there.
    fn open_one(dir: BorrowedFd<'_>, name: &OsStr, flags: libc::c_int) -> io::Result<OwnedFd> {
        let name = cstr(name)?;
        // SAFETY: a valid descriptor and a NUL-terminated name; the new descriptor is ours.
        let fd = check(unsafe {
            libc::openat(
                dir.as_raw_fd(),
                name.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o666 as libc::c_uint,
            )
        })?;
        // SAFETY: openat returned a fresh descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Opens the directory `name` in `dir`; a symlink there is ELOOP, as openat2 reports it
    /// (Linux says ENOTDIR for `O_DIRECTORY | O_NOFOLLOW` on a symlink).
    fn open_dir(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<OwnedFd> {
        open_one(dir, name, libc::O_RDONLY | libc::O_DIRECTORY).map_err(|e| {
            let symlink = e.raw_os_error() == Some(libc::ENOTDIR)
                && cstr(name).is_ok_and(|c| kind_at(dir, &c) == Kind::Symlink);
            if symlink {
                io::Error::from_raw_os_error(libc::ELOOP)
            } else {
                e
            }
        })
    }

    /// Opens `rel` (relative, no `..`) beneath `dir` with one openat2, or `None` when the kernel
    /// has no openat2 (then the caller walks).
    #[cfg(target_os = "linux")]
    fn open_beneath(
        dir: BorrowedFd<'_>,
        rel: &Path,
        flags: libc::c_int,
    ) -> Option<io::Result<OwnedFd>> {
        use std::sync::atomic::{AtomicBool, Ordering};
        static MISSING: AtomicBool = AtomicBool::new(false);
        if MISSING.load(Ordering::Relaxed) {
            return None;
        }
        let path = match cstr(if rel.as_os_str().is_empty() {
            OsStr::new(".")
        } else {
            rel.as_os_str()
        }) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        // SAFETY: open_how is plain data; zero is a valid value for every field.
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (flags | libc::O_NOFOLLOW | libc::O_CLOEXEC) as u64;
        how.mode = if flags & libc::O_CREAT != 0 { 0o666 } else { 0 };
        how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS;
        // SAFETY: the arguments match openat2(2); `how` outlives the call.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir.as_raw_fd(),
                path.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        if fd < 0 {
            let e = io::Error::last_os_error();
            // ENOSYS: older than 5.6; EPERM: a seccomp filter that forbids it.
            if matches!(e.raw_os_error(), Some(libc::ENOSYS) | Some(libc::EPERM)) {
                MISSING.store(true, Ordering::Relaxed);
                return None;
            }
            return Some(Err(e));
        }
        // SAFETY: the syscall returned a fresh descriptor (it fits a c_int).
        Some(Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) }))
    }

    #[cfg(not(target_os = "linux"))]
    fn open_beneath(_: BorrowedFd<'_>, _: &Path, _: libc::c_int) -> Option<io::Result<OwnedFd>> {
        None
    }

    /// Opens `rel` beneath `dir`: openat2 where there is one, else a component walk in which
    /// every directory is opened with `O_NOFOLLOW`, so a symlink anywhere stops it (ELOOP).
    fn open_at(dir: BorrowedFd<'_>, rel: &Path, flags: libc::c_int) -> io::Result<OwnedFd> {
        open_beneath(dir, rel, flags).unwrap_or_else(|| walk(dir, rel, flags))
    }

    fn walk(dir: BorrowedFd<'_>, rel: &Path, flags: libc::c_int) -> io::Result<OwnedFd> {
        let names: Vec<&OsStr> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n),
                _ => None,
            })
            .collect();
        let Some((last, parents)) = names.split_last() else {
            return open_one(dir, OsStr::new("."), flags);
        };
        let mut held: Option<OwnedFd> = None;
        for name in parents {
            let cur = held.as_ref().map(|f| f.as_fd()).unwrap_or(dir);
            held = Some(open_dir(cur, name)?);
        }
        let cur = held.as_ref().map(|f| f.as_fd()).unwrap_or(dir);
        open_one(cur, last, flags)
    }

    fn kind_at(dir: BorrowedFd<'_>, name: &CStr) -> Kind {
        // SAFETY: stat is plain data filled in by the kernel.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: a valid descriptor, a NUL-terminated name and a stat to fill.
        let r = unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                name.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if r != 0 {
            return Kind::Other;
        }
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => Kind::Dir,
            libc::S_IFREG => Kind::File,
            libc::S_IFLNK => Kind::Symlink,
            _ => Kind::Other,
        }
    }

    impl RootDir {
        /// Opens the root itself (following symlinks: the root is the caller's choice).
        pub fn open(root: &Path) -> io::Result<Self> {
            let path = cstr(root.as_os_str())?;
            // SAFETY: a NUL-terminated path; the new descriptor is ours.
            let fd = check(unsafe {
                libc::open(
                    path.as_ptr(),
                    libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
                )
            })?;
            // SAFETY: open returned a fresh descriptor.
            Ok(Self {
                fd: unsafe { OwnedFd::from_raw_fd(fd) },
            })
        }

        /// Opens a file beneath the root.
        pub fn open_file(&self, rel: &Path, access: Access) -> io::Result<File> {
            let flags = match access {
                // O_NONBLOCK: opening a FIFO for reading must not hang the tool
                Access::Read => libc::O_RDONLY | libc::O_NONBLOCK,
                Access::ReadWrite => libc::O_RDWR | libc::O_NONBLOCK,
                Access::Create => libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            };
            Ok(File::from(open_at(self.fd.as_fd(), rel, flags)?))
        }

        /// Makes `rel` and its missing parents, each beneath the one before it.
        pub fn create_dirs(&self, rel: &Path) -> io::Result<()> {
            let mut held: Option<OwnedFd> = None;
            for c in rel.components() {
                let Component::Normal(name) = c else { continue };
                let cur = held.as_ref().map(|f| f.as_fd()).unwrap_or(self.fd.as_fd());
                let cname = cstr(name)?;
                // SAFETY: a valid descriptor and a NUL-terminated name.
                let made = unsafe { libc::mkdirat(cur.as_raw_fd(), cname.as_ptr(), 0o777) };
                if made != 0 {
                    let e = io::Error::last_os_error();
                    if e.raw_os_error() != Some(libc::EEXIST) {
                        return Err(e);
                    }
                }
                // a symlink put here after mkdirat is refused by O_NOFOLLOW
                held = Some(open_dir(cur, name)?);
            }
            Ok(())
        }

        /// The entries of the directory `rel`, sorted by name; symlinks are reported, not followed.
        pub fn read_dir(&self, rel: &Path) -> io::Result<Vec<Entry>> {
            let fd = open_at(self.fd.as_fd(), rel, libc::O_RDONLY | libc::O_DIRECTORY)?;
            // SAFETY: fdopendir takes over the descriptor on success; on failure we still own it.
            let dir = unsafe { libc::fdopendir(fd.as_raw_fd()) };
            if dir.is_null() {
                return Err(io::Error::last_os_error());
            }
            std::mem::forget(fd);
            // SAFETY: `dir` is a valid DIR* until closedir below.
            let dfd = unsafe { BorrowedFd::borrow_raw(libc::dirfd(dir)) };
            let mut out = Vec::new();
            loop {
                // SAFETY: `dir` is valid; the entry lives until the next readdir.
                let ent = unsafe { libc::readdir(dir) };
                if ent.is_null() {
                    break;
                }
                // SAFETY: d_name is NUL-terminated within the entry.
                let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
                if matches!(name.to_bytes(), b"." | b"..") {
                    continue;
                }
                out.push(Entry {
                    name: OsStr::from_bytes(name.to_bytes()).to_owned(),
                    kind: kind_at(dfd, name),
                });
            }
            // SAFETY: closes the DIR* and its descriptor exactly once.
            unsafe { libc::closedir(dir) };
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn both_ways_refuse_symlinks_at_any_component() {
            let base = tempfile::tempdir().unwrap();
            let root = base.path().join("root");
            std::fs::create_dir_all(root.join("real")).unwrap();
            std::fs::write(root.join("real/f"), "f").unwrap();
            std::fs::write(base.path().join("secret"), "s").unwrap();
            std::os::unix::fs::symlink(base.path(), root.join("up")).unwrap();
            std::os::unix::fs::symlink("real", root.join("inner")).unwrap();
            std::os::unix::fs::symlink("../secret", root.join("dangling")).unwrap();
            let dir = RootDir::open(&root).unwrap();
            let fd = dir.fd.as_fd();
            for path in ["up/secret", "inner/f", "inner", "dangling"] {
                let p = Path::new(path);
                let e = walk(fd, p, libc::O_RDONLY).unwrap_err();
                assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "walk {path}");
                if let Some(r) = open_beneath(fd, p, libc::O_RDONLY) {
                    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ELOOP), "{path}");
                }
            }
            assert!(walk(fd, Path::new("real/f"), libc::O_RDONLY).is_ok());
            assert!(walk(fd, Path::new(""), libc::O_RDONLY).is_ok());
        }
    }
}

#[cfg(not(unix))]
pub use portable::RootDir;

/// Without openat, each component is checked with `symlink_metadata` before use; a swap between
/// that check and the open is not caught here (documented in the README).
#[cfg(not(unix))]
mod portable {
    use super::{Access, Entry, Kind};
    use std::fs::File;
    use std::io;
    use std::path::{Path, PathBuf};

    /// An open root directory; every path is resolved beneath it.
    #[derive(Debug)]
    pub struct RootDir {
        root: PathBuf,
    }

    impl RootDir {
        /// Opens the root itself.
        pub fn open(root: &Path) -> io::Result<Self> {
            if !root.is_dir() {
                return Err(io::Error::from(io::ErrorKind::NotFound));
            }
            Ok(Self {
                root: root.to_owned(),
            })
        }

        fn checked(&self, rel: &Path) -> io::Result<PathBuf> {
            let mut p = self.root.clone();
            for c in rel.components() {
                p.push(c);
                if let Ok(m) = std::fs::symlink_metadata(&p)
                    && m.file_type().is_symlink()
                {
                    return Err(io::Error::other("goes through a symlink"));
                }
            }
            Ok(p)
        }

        /// Opens a file beneath the root.
        pub fn open_file(&self, rel: &Path, access: Access) -> io::Result<File> {
            let p = self.checked(rel)?;
            match access {
                Access::Read => File::open(p),
                Access::ReadWrite => File::options().read(true).write(true).open(p),
                Access::Create => File::create(p),
            }
        }

        /// Makes `rel` and its missing parents.
        pub fn create_dirs(&self, rel: &Path) -> io::Result<()> {
            std::fs::create_dir_all(self.checked(rel)?)
        }

        /// The entries of the directory `rel`, sorted by name.
        pub fn read_dir(&self, rel: &Path) -> io::Result<Vec<Entry>> {
            let mut out: Vec<Entry> = std::fs::read_dir(self.checked(rel)?)?
                .filter_map(Result::ok)
                .map(|e| Entry {
                    name: e.file_name(),
                    kind: match e.file_type() {
                        Ok(t) if t.is_symlink() => Kind::Symlink,
                        Ok(t) if t.is_dir() => Kind::Dir,
                        Ok(t) if t.is_file() => Kind::File,
                        _ => Kind::Other,
                    },
                })
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        }
    }
}

/// Reads at most `limit` bytes of an open file; `None` when it holds more.
pub fn read_limited(file: File, limit: u64) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside_lexically() {
        let root = Path::new("/r/root");
        assert_eq!(
            relative_in_root(root, "a/./b/../c").unwrap(),
            Path::new("a/c")
        );
        assert_eq!(relative_in_root(root, "/r/root/x").unwrap(), Path::new("x"));
        assert_eq!(relative_in_root(root, ".").unwrap(), Path::new(""));
        assert!(relative_in_root(root, "../x").is_err());
        assert!(relative_in_root(root, "a/../../x").is_err());
        assert!(relative_in_root(root, "/etc/passwd").is_err());
        assert!(relative_in_root(root, "/r/rootless/x").is_err());
    }
}
