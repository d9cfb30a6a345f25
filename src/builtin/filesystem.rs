//! The `filesystem` server: read, list, search, write and edit files under a root.
//!
//! Every path is opened through [`RootDir`]: beneath the root, never through a symlink.

use super::beneath::{Access, Kind, RootDir, describe, read_limited, relative_in_root};
use super::{fail, ok, str_arg, tool};
use crate::mcp::{ToolInfo, ToolOutput};
use serde_json::{Value, json};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

const MAX_READ: u64 = 1024 * 1024;
const MAX_HITS: usize = 200;

/// The filesystem server over one root.
#[derive(Debug, Clone)]
pub struct Filesystem {
    root: PathBuf,
}

impl Filesystem {
    /// A server confined to `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Its root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Its tools.
    pub fn tools() -> Vec<ToolInfo> {
        vec![
            tool(
                "read_file",
                "Read a UTF-8 text file (paths are relative to the project root).",
                json!({"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}),
                true,
            ),
            tool(
                "list_directory",
                "List a directory's entries; directories end with '/'.",
                json!({"type":"object","properties":{"path":{"type":"string","description":"default: the root"}}}),
                true,
            ),
            tool(
                "search_files",
                "Find files whose name or content contains a string.",
                json!({"type":"object","properties":{"query":{"type":"string"},"path":{"type":"string"}},"required":["query"]}),
                true,
            ),
            tool(
                "write_file",
                "Create or overwrite a file (parent folders are made).",
                json!({"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}),
                false,
            ),
            tool(
                "edit_file",
                "Replace one exact, unique occurrence of old_text with new_text.",
                json!({"type":"object","properties":{"path":{"type":"string"},"old_text":{"type":"string"},"new_text":{"type":"string"}},"required":["path","old_text","new_text"]}),
                false,
            ),
        ]
    }

    /// Runs a tool (blocking file I/O runs on the blocking pool).
    pub async fn call(&self, name: &str, args: Value) -> ToolOutput {
        let this = self.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || this.call_blocking(&name, &args))
            .await
            .unwrap_or_else(|e| fail(format!("the tool failed: {e}")))
    }

    /// The root, opened, and `given` as a path relative to it.
    fn open(&self, given: &str) -> Result<(RootDir, PathBuf), ToolOutput> {
        let rel =
            relative_in_root(&self.root, given).map_err(|e| fail(format!("access denied: {e}")))?;
        let dir = RootDir::open(&self.root).map_err(|e| {
            fail(format!(
                "the root {} is not usable: {e}",
                self.root.display()
            ))
        })?;
        Ok((dir, rel))
    }

    fn call_blocking(&self, name: &str, args: &Value) -> ToolOutput {
        let r = match name {
            "read_file" => self.read(args),
            "list_directory" => self.list(args),
            "search_files" => self.search(args),
            "write_file" => self.write(args),
            "edit_file" => self.edit(args),
            other => Err(fail(format!("unknown tool {other}"))),
        };
        r.unwrap_or_else(|e| e)
    }

    fn read(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let (dir, rel) = self.open(str_arg(args, "path")?)?;
        let denied = |e: std::io::Error| fail(format!("cannot read {}", describe(&rel, &e)));
        let file = dir.open_file(&rel, Access::Read).map_err(denied)?;
        let meta = file.metadata().map_err(denied)?;
        if meta.is_dir() {
            return Err(fail(format!(
                "{} is a directory; use list_directory",
                shown(&rel)
            )));
        }
        if !meta.is_file() {
            return Err(fail(format!("{} is not a regular file", shown(&rel))));
        }
        let bytes = read_limited(file, MAX_READ)
            .map_err(denied)?
            .ok_or_else(|| {
                fail(format!(
                    "{} is {} bytes, over the {MAX_READ}-byte limit",
                    shown(&rel),
                    meta.len()
                ))
            })?;
        String::from_utf8(bytes)
            .map(ok)
            .map_err(|_| fail(format!("{} is not UTF-8 text", shown(&rel))))
    }

    fn list(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let given = args.get("path").and_then(Value::as_str).unwrap_or(".");
        let (dir, rel) = self.open(given)?;
        let names: Vec<String> = dir
            .read_dir(&rel)
            .map_err(|e| fail(format!("cannot list {}", describe(&rel, &e))))?
            .into_iter()
            .map(|e| {
                let mut n = e.name.to_string_lossy().into_owned();
                if e.kind == Kind::Dir {
                    n.push('/');
                }
                n
            })
            .collect();
        Ok(ok(if names.is_empty() {
            "(empty)".into()
        } else {
            names.join("\n")
        }))
    }

    fn search(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let query = str_arg(args, "query")?;
        if query.is_empty() {
            return Err(fail("query must not be empty"));
        }
        let (dir, start) = self.open(args.get("path").and_then(Value::as_str).unwrap_or("."))?;
        let mut hits = Vec::new();
        let mut stack = vec![start];
        while let Some(at) = stack.pop() {
            let Ok(entries) = dir.read_dir(&at) else {
                continue;
            };
            for e in entries {
                if hits.len() >= MAX_HITS {
                    break;
                }
                let path = at.join(&e.name);
                let name = e.name.to_string_lossy();
                match e.kind {
                    Kind::Dir if name != ".git" => stack.push(path),
                    Kind::File => {
                        if name.contains(query) {
                            hits.push(shown(&path));
                        }
                        let text = dir
                            .open_file(&path, Access::Read)
                            .ok()
                            .and_then(|f| read_limited(f, MAX_READ).ok().flatten())
                            .and_then(|b| String::from_utf8(b).ok());
                        for (i, line) in text.iter().flat_map(|t| t.lines()).enumerate() {
                            if line.contains(query) && hits.len() < MAX_HITS {
                                hits.push(format!("{}:{}: {}", shown(&path), i + 1, line.trim()));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(ok(if hits.is_empty() {
            "no matches".into()
        } else {
            hits.join("\n")
        }))
    }

    fn write(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let (dir, rel) = self.open(str_arg(args, "path")?)?;
        let content = str_arg(args, "content")?;
        if rel.as_os_str().is_empty() {
            return Err(fail("write_file needs a file path, not the root"));
        }
        if let Some(parent) = rel.parent() {
            dir.create_dirs(parent)
                .map_err(|e| fail(format!("cannot create {}", describe(parent, &e))))?;
        }
        let denied = |e: std::io::Error| fail(format!("cannot write {}", describe(&rel, &e)));
        dir.open_file(&rel, Access::Create)
            .and_then(|mut f| f.write_all(content.as_bytes()))
            .map_err(denied)?;
        Ok(ok(format!(
            "wrote {} ({} bytes)",
            shown(&rel),
            content.len()
        )))
    }

    fn edit(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let (dir, rel) = self.open(str_arg(args, "path")?)?;
        let (old, new) = (str_arg(args, "old_text")?, str_arg(args, "new_text")?);
        let denied = |e: std::io::Error| fail(format!("cannot edit {}", describe(&rel, &e)));
        // one descriptor for the read and the write: the file cannot be swapped in between
        let mut file = dir.open_file(&rel, Access::ReadWrite).map_err(denied)?;
        if !file.metadata().map_err(denied)?.is_file() {
            return Err(fail(format!("{} is not a regular file", shown(&rel))));
        }
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(denied)?;
        match text.matches(old).count() {
            0 => Err(fail(format!("old_text was not found in {}", shown(&rel)))),
            1 => {
                let edited = text.replacen(old, new, 1);
                file.set_len(0)
                    .and_then(|()| file.rewind())
                    .and_then(|()| file.write_all(edited.as_bytes()))
                    .map_err(denied)?;
                Ok(ok(format!("edited {}", shown(&rel))))
            }
            n => Err(fail(format!(
                "old_text occurs {n} times in {}; give more context",
                shown(&rel)
            ))),
        }
    }
}

/// A relative path as the model sees it (`.` for the root).
fn shown(rel: &Path) -> String {
    if rel.as_os_str().is_empty() {
        ".".into()
    } else {
        rel.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn write_read_edit_list_search() {
        let dir = tempfile::tempdir().unwrap();
        let fs = Filesystem::new(dir.path());
        let w = fs
            .call(
                "write_file",
                json!({"path":"src/a.txt","content":"hello world\n"}),
            )
            .await;
        assert!(!w.is_error, "{w:?}");
        assert_eq!(
            fs.call("read_file", json!({"path":"src/a.txt"}))
                .await
                .text(),
            "hello world\n"
        );
        assert!(
            !fs.call(
                "edit_file",
                json!({"path":"src/a.txt","old_text":"world","new_text":"there"})
            )
            .await
            .is_error
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("src/a.txt")).unwrap(),
            "hello there\n"
        );
        assert_eq!(fs.call("list_directory", json!({})).await.text(), "src/");
        assert!(
            fs.call("search_files", json!({"query":"there"}))
                .await
                .text()
                .contains("src/a.txt:1: hello there")
        );
        assert!(
            fs.call(
                "edit_file",
                json!({"path":"src/a.txt","old_text":"nope","new_text":"x"})
            )
            .await
            .is_error
        );
    }

    #[tokio::test]
    async fn escapes_are_refused() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(base.path().join("secret.txt"), "secret").unwrap();
        let fs = Filesystem::new(&root);
        let outside = base.path().join("secret.txt");
        for bad in [
            "../secret.txt",
            "a/../../secret.txt",
            outside.to_str().unwrap(),
            "/etc/passwd",
        ] {
            let r = fs.call("read_file", json!({"path": bad})).await;
            assert!(
                r.is_error && r.text().contains("access denied"),
                "{bad}: {r:?}"
            );
        }
        let w = fs
            .call("write_file", json!({"path":"../evil.txt","content":"x"}))
            .await;
        assert!(w.is_error);
        assert!(!base.path().join("evil.txt").exists());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.path(), root.join("link")).unwrap();
            let r = fs
                .call("read_file", json!({"path":"link/secret.txt"}))
                .await;
            assert!(r.is_error && r.text().contains("symlink"), "{r:?}");
            let w = fs
                .call("write_file", json!({"path":"link/new.txt","content":"x"}))
                .await;
            assert!(w.is_error);
            assert!(!base.path().join("new.txt").exists());
        }
        let inside = root.canonicalize().unwrap().join("ok.txt");
        assert!(
            !fs.call(
                "write_file",
                json!({"path": inside.to_str().unwrap(), "content":"x"})
            )
            .await
            .is_error
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_dangling_symlink_or_a_symlinked_file_is_never_followed() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        let outside = base.path().join("outside.txt");
        std::os::unix::fs::symlink(&outside, root.join("x")).unwrap();
        let fs = Filesystem::new(&root);
        let w = fs
            .call("write_file", json!({"path":"x","content":"escaped"}))
            .await;
        assert!(w.is_error && w.text().contains("symlink"), "{w:?}");
        assert!(!outside.exists(), "the write landed outside the root");

        std::fs::write(&outside, "secret").unwrap();
        for (tool, args) in [
            ("read_file", json!({"path":"x"})),
            (
                "edit_file",
                json!({"path":"x","old_text":"secret","new_text":"changed"}),
            ),
        ] {
            let r = fs.call(tool, args).await;
            assert!(r.is_error && r.text().contains("symlink"), "{tool}: {r:?}");
        }
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "secret");
        let s = fs.call("search_files", json!({"query":"secret"})).await;
        assert_eq!(s.text(), "no matches");
    }

    /// A directory flipped to a symlink (and back) while the tool writes beneath it: a check
    /// followed by a path-based write would land some writes outside.
    #[cfg(unix)]
    #[test]
    fn a_directory_swapped_for_a_symlink_mid_write_cannot_redirect_it() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        let outside = base.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let d = root.join("d");
        use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flips = std::sync::Arc::new(AtomicU32::new(0));
        let flipper = {
            let (d, outside) = (d.clone(), outside.clone());
            let (stop, flips) = (stop.clone(), flips.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let _ = std::fs::create_dir(&d);
                    std::thread::yield_now();
                    let _ = std::fs::remove_dir_all(&d);
                    let _ = std::os::unix::fs::symlink(&outside, &d);
                    std::thread::yield_now();
                    let _ = std::fs::remove_file(&d);
                    flips.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let fs = Filesystem::new(&root);
        let mut written = 0;
        // enough rounds on both sides however busy the machine is, within a bound
        let mut i = 0;
        while i < 3000 || (flips.load(Ordering::Relaxed) < 500 && i < 200_000) {
            i += 1;
            let args = json!({"path": format!("d/f{}", i % 7), "content": "x"});
            if !fs.call_blocking("write_file", &args).is_error {
                written += 1;
            }
            let args = json!({"path": "d/f0", "old_text": "x", "new_text": "x"});
            let _ = fs.call_blocking("edit_file", &args);
        }
        stop.store(true, Ordering::Relaxed);
        flipper.join().unwrap();
        let flips = flips.load(Ordering::Relaxed);
        let escaped: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
        assert!(
            escaped.is_empty(),
            "{} files landed outside ({written} writes, {flips} flips)",
            escaped.len()
        );
        assert!(
            written > 0 && flips >= 500,
            "{written} writes, {flips} flips"
        );
    }
}
