//! Project memory, as Claude Code keeps it: `CLAUDE.md` and `AGENTS.md` in the repository's
//! root and in the current folder, sent with every request as part of the system prompt (and
//! never stored as the session's own system prompt).

use std::io::Read;
use std::path::{Path, PathBuf};

/// The file names read, in this order, in each folder.
pub const FILE_NAMES: &[&str] = &["CLAUDE.md", "AGENTS.md"];

/// The most read of one file; the rest is left out with a note.
const MAX_BYTES: u64 = 64 * 1024;

/// One memory file that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its text (at most 64 KiB of it).
    pub text: String,
    /// It was longer and was cut.
    pub truncated: bool,
}

/// The memory files of a folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Memory {
    /// In the order they are sent: the root's first, then the folder's.
    pub files: Vec<MemoryFile>,
}

impl Memory {
    /// The memory for work in `dir`: its repository's root (when it is in one) and `dir`.
    pub fn load(dir: &Path) -> Self {
        let root = git2::Repository::discover(dir)
            .ok()
            .and_then(|r| r.workdir().map(Path::to_owned));
        let mut dirs: Vec<PathBuf> = root.into_iter().collect();
        let here = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        if !dirs
            .iter()
            .any(|d| d.canonicalize().ok().as_ref() == Some(&here))
        {
            dirs.push(here);
        }
        let files = dirs
            .iter()
            .flat_map(|d| FILE_NAMES.iter().map(move |n| d.join(n)))
            .filter_map(|p| {
                read(&p).map(|(text, truncated)| MemoryFile {
                    path: p,
                    text,
                    truncated,
                })
            })
            .filter(|f| !f.text.trim().is_empty())
            .collect();
        Self { files }
    }

    /// True when no file was found.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files as a part of the system prompt, or None when there are none.
    pub fn prompt(&self) -> Option<String> {
        if self.files.is_empty() {
            return None;
        }
        let mut out = String::from(
            "The project's memory files follow: instructions from the user and the repository \
             for working here. Follow them unless the user says otherwise.",
        );
        for f in &self.files {
            out.push_str(&format!(
                "\n\nContents of {}:\n\n{}",
                f.path.display(),
                f.text.trim_end()
            ));
            if f.truncated {
                out.push_str("\n\n(the rest of this file was left out: it is longer than 64 KiB)");
            }
        }
        Some(out)
    }
}

/// A regular file's text: a symlink is not followed (a cloned repository's `CLAUDE.md` could
/// otherwise point at the user's credentials and send them along).
fn read(path: &Path) -> Option<(String, bool)> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // the check above and the open are two steps: a swap in between is refused here
        opts.custom_flags(libc::O_NOFOLLOW);
    }
    let file = opts.open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).ok()?;
    let truncated = bytes.len() as u64 > MAX_BYTES;
    bytes.truncate(MAX_BYTES as usize);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Some((text, truncated))
}

/// The system prompt of a request: the session's, then the memory.
pub fn system_with(system: Option<&str>, memory: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [system, memory]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_and_the_folder_are_read_symlinks_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let sub = root.join("crates/app");
        std::fs::create_dir_all(&sub).unwrap();
        git2::Repository::init(&root).unwrap();
        std::fs::write(root.join("CLAUDE.md"), "Use tabs.\n").unwrap();
        std::fs::write(root.join("AGENTS.md"), "Run the tests.\n").unwrap();
        std::fs::write(sub.join("CLAUDE.md"), "This crate is the app.\n").unwrap();
        let secret = dir.path().join("secret.txt");
        std::fs::write(&secret, "sk-ant-secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&secret, sub.join("AGENTS.md")).unwrap();

        let m = Memory::load(&sub);
        let names: Vec<String> = m
            .files
            .iter()
            .map(|f| f.path.strip_prefix(&root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["CLAUDE.md", "AGENTS.md", "crates/app/CLAUDE.md"]);
        let prompt = m.prompt().unwrap();
        assert!(prompt.contains("Use tabs.") && prompt.contains("This crate is the app."));
        assert!(!prompt.contains("sk-ant-secret"), "{prompt}");

        // at the root, each file once
        assert_eq!(Memory::load(&root).files.len(), 2);
        let none = tempfile::tempdir().unwrap();
        assert!(Memory::load(none.path()).prompt().is_none());
    }

    #[test]
    fn big_files_are_cut_and_the_parts_joined() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("CLAUDE.md"), "x".repeat(70 * 1024)).unwrap();
        let m = Memory::load(dir.path());
        assert!(m.files[0].truncated && m.files[0].text.len() == 64 * 1024);
        assert_eq!(
            system_with(Some("be brief"), Some("mem")).unwrap(),
            "be brief\n\nmem"
        );
        assert_eq!(system_with(None, Some("mem")).unwrap(), "mem");
        assert_eq!(system_with(Some(""), None), None);
    }
}
