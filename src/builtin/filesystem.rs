//! The `filesystem` server: read, list, search, write and edit files under a root.

use super::{fail, ok, str_arg, tool};
use crate::mcp::{ToolInfo, ToolOutput};
use serde_json::{Value, json};
use std::path::{Component, Path, PathBuf};

const MAX_READ: u64 = 1024 * 1024;
const MAX_HITS: usize = 200;

/// Resolves `given` inside `root`: relative paths join the root, absolute ones must already be
/// inside it; `..` that climbs out, and symlinks that point out, are refused. The path need not
/// exist (for writes), but every part that exists is checked through its real location.
pub fn resolve_in_root(root: &Path, given: &str) -> Result<PathBuf, String> {
    let root = root
        .canonicalize()
        .map_err(|e| format!("the root {} is not usable: {e}", root.display()))?;
    let p = Path::new(given);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    };
    // normalise lexically first, so `a/../b` works but the result may not climb above `/`
    let mut norm = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                if !norm.pop() {
                    return Err(format!("{given} leaves the root"));
                }
            }
            Component::CurDir => {}
            other => norm.push(other),
        }
    }
    if !norm.starts_with(&root) {
        return Err(format!("{given} is outside the root {}", root.display()));
    }
    // the deepest existing ancestor, through symlinks, must still be inside the root
    let mut existing = norm.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match existing.file_name() {
            Some(name) => rest.push(name.to_owned()),
            None => break,
        }
        if !existing.pop() {
            break;
        }
    }
    let real = existing
        .canonicalize()
        .map_err(|e| format!("cannot resolve {given}: {e}"))?;
    if !real.starts_with(&root) {
        return Err(format!(
            "{given} leads outside the root (through a symlink)"
        ));
    }
    let mut out = real;
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    Ok(out)
}

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

    fn path(&self, given: &str) -> Result<PathBuf, ToolOutput> {
        resolve_in_root(&self.root, given).map_err(|e| fail(format!("access denied: {e}")))
    }

    fn rel(&self, p: &Path) -> String {
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        p.strip_prefix(&root).unwrap_or(p).display().to_string()
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
        let p = self.path(str_arg(args, "path")?)?;
        let meta = std::fs::metadata(&p)
            .map_err(|e| fail(format!("cannot read {}: {e}", self.rel(&p))))?;
        if meta.is_dir() {
            return Err(fail(format!(
                "{} is a directory; use list_directory",
                self.rel(&p)
            )));
        }
        if meta.len() > MAX_READ {
            return Err(fail(format!(
                "{} is {} bytes, over the {MAX_READ}-byte limit",
                self.rel(&p),
                meta.len()
            )));
        }
        let bytes =
            std::fs::read(&p).map_err(|e| fail(format!("cannot read {}: {e}", self.rel(&p))))?;
        String::from_utf8(bytes)
            .map(ok)
            .map_err(|_| fail(format!("{} is not UTF-8 text", self.rel(&p))))
    }

    fn list(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let given = args.get("path").and_then(Value::as_str).unwrap_or(".");
        let p = self.path(given)?;
        let mut names: Vec<String> = std::fs::read_dir(&p)
            .map_err(|e| fail(format!("cannot list {given}: {e}")))?
            .filter_map(Result::ok)
            .map(|e| {
                let mut n = e.file_name().to_string_lossy().into_owned();
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    n.push('/');
                }
                n
            })
            .collect();
        names.sort();
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
        let start = self.path(args.get("path").and_then(Value::as_str).unwrap_or("."))?;
        let mut hits = Vec::new();
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.filter_map(Result::ok) {
                if hits.len() >= MAX_HITS {
                    break;
                }
                let path = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_symlink() {
                    continue;
                }
                let name = e.file_name().to_string_lossy().into_owned();
                if ft.is_dir() {
                    if name != ".git" {
                        stack.push(path);
                    }
                    continue;
                }
                if name.contains(query) {
                    hits.push(self.rel(&path));
                }
                if e.metadata().map(|m| m.len() <= MAX_READ).unwrap_or(false)
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    for (i, line) in text.lines().enumerate() {
                        if line.contains(query) && hits.len() < MAX_HITS {
                            hits.push(format!("{}:{}: {}", self.rel(&path), i + 1, line.trim()));
                        }
                    }
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
        let p = self.path(str_arg(args, "path")?)?;
        let content = str_arg(args, "content")?;
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", self.rel(dir))))?;
        }
        std::fs::write(&p, content)
            .map_err(|e| fail(format!("cannot write {}: {e}", self.rel(&p))))?;
        Ok(ok(format!(
            "wrote {} ({} bytes)",
            self.rel(&p),
            content.len()
        )))
    }

    fn edit(&self, args: &Value) -> Result<ToolOutput, ToolOutput> {
        let p = self.path(str_arg(args, "path")?)?;
        let (old, new) = (str_arg(args, "old_text")?, str_arg(args, "new_text")?);
        let text = std::fs::read_to_string(&p)
            .map_err(|e| fail(format!("cannot read {}: {e}", self.rel(&p))))?;
        match text.matches(old).count() {
            0 => Err(fail(format!("old_text was not found in {}", self.rel(&p)))),
            1 => {
                std::fs::write(&p, text.replacen(old, new, 1))
                    .map_err(|e| fail(format!("cannot write {}: {e}", self.rel(&p))))?;
                Ok(ok(format!("edited {}", self.rel(&p))))
            }
            n => Err(fail(format!(
                "old_text occurs {n} times in {}; give more context",
                self.rel(&p)
            ))),
        }
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
}
