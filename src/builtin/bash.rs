//! The `bash` server: one command in the root, with a timeout, an output cap and the exit code.
//!
//! The command gets a clean environment: the variables in [`crate::procs::INHERITED_ENV`], those
//! the configuration passes through or sets, `PWD` (the root) and `TMPDIR`; never our keys.

use super::{ToolSettings, fail, str_arg, tool};
use crate::mcp::{ToolContent, ToolInfo, ToolOutput};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Most output kept from each stream: its first bytes, then its last (an error is often there).
const OUTPUT_HEAD: usize = 48 * 1024;
const OUTPUT_TAIL: usize = 16 * 1024;
/// Bytes read from a pipe at a time.
const CHUNK: usize = 16 * 1024;
/// Default and largest timeout.
const DEFAULT_TIMEOUT: u64 = 120;
const MAX_TIMEOUT: u64 = 600;

/// The bash server over one working directory.
#[derive(Debug, Clone)]
pub struct Bash {
    root: PathBuf,
    settings: ToolSettings,
}

impl Bash {
    /// A server running commands in `root` with the configured environment.
    pub fn new(root: impl Into<PathBuf>, settings: ToolSettings) -> Self {
        Self {
            root: root.into(),
            settings,
        }
    }

    /// Its tool.
    pub fn tools() -> Vec<ToolInfo> {
        vec![tool(
            "bash",
            "Run a bash command in the project root. Returns the exit code, stdout and stderr (of each, the first 48 KiB and the last 16 KiB). Writes outside the root and $TMPDIR may be refused.",
            json!({"type":"object","properties":{
                "command":{"type":"string"},
                "timeout_secs":{"type":"integer","description":"default 120, at most 600"}},
              "required":["command"]}),
            false,
        )]
    }

    /// Runs the tool; the command's process group is killed on timeout or when the future is dropped.
    pub async fn call(&self, name: &str, args: Value) -> ToolOutput {
        if name != "bash" {
            return fail(format!("unknown tool {name}"));
        }
        let command = match str_arg(&args, "command") {
            Ok(c) => c.to_owned(),
            Err(e) => return e,
        };
        let secs = args
            .get("timeout_secs")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_TIMEOUT)
            .clamp(1, MAX_TIMEOUT);
        // each root its own temp dir, which no other root's commands can read
        let tmp = self
            .settings
            .tmp_dir()
            .join(&crate::crypto::sha256_hex(&self.root.to_string_lossy())[..16]);
        if let Err(e) = private_dir(&tmp) {
            return fail(format!("cannot make the temp dir {}: {e}", tmp.display()));
        }
        let mut cmd = tokio::process::Command::new("bash");
        cmd.arg("-c")
            .arg(&command)
            .current_dir(&self.root)
            .env_clear()
            .envs(crate::procs::inherited_env(&self.settings.pass_env))
            .envs(&self.settings.env)
            .env("PWD", &self.root)
            .env("TMPDIR", &tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        cmd.process_group(0);
        crate::procs::die_with_us(&mut cmd);
        let mut writable = vec![self.root.clone(), tmp];
        writable.extend(self.settings.writable.iter().cloned());
        let mut hidden = self.settings.hidden.clone();
        hidden.push(self.settings.tmp_dir());
        if let Err(e) = super::sandbox::confine(&mut cmd, &writable, &hidden) {
            return fail(e);
        }
        let mut child = match crate::procs::spawn(cmd).await {
            Ok(c) => c,
            Err(e) => return fail(format!("cannot start bash: {e}")),
        };
        let group = GroupGuard {
            pid: child.id(),
            _record: child.id().and_then(crate::procs::registry::record),
        };
        let (out, err) = (child.stdout.take(), child.stderr.take());
        let read = async {
            let (o, e) = tokio::join!(read_capped(out), read_capped(err));
            let status = child.wait().await;
            (o, e, status)
        };
        match tokio::time::timeout(Duration::from_secs(secs), read).await {
            Ok((o, e, status)) => {
                drop(group);
                let code = status.ok().and_then(|s| s.code());
                let text = format!(
                    "exit code: {}\n--- stdout\n{}--- stderr\n{}",
                    code.map(|c| c.to_string())
                        .unwrap_or_else(|| "killed by a signal".into()),
                    o.render(),
                    e.render()
                );
                ToolOutput {
                    content: vec![ToolContent::Text(text)],
                    is_error: code != Some(0),
                    structured: Some(json!({"exit_code": code})),
                }
            }
            Err(_) => fail(format!(
                "the command timed out after {secs} s and was killed"
            )),
        }
    }
}

/// Kills the whole process group when dropped (timeout, cancel, or normal end), then forgets
/// its record.
struct GroupGuard {
    pid: Option<u32>,
    _record: Option<crate::procs::registry::Record>,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.pid {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
        }
    }
}

/// Creates `dir` (owner-only on Unix: other users must not plant files in a command's temp dir).
fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// A stream's first and last bytes, and how many in between were dropped.
#[derive(Debug, Default)]
struct Capped {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: u64,
}

impl Capped {
    fn push(&mut self, mut chunk: &[u8]) {
        let room = OUTPUT_HEAD - self.head.len();
        let (to_head, rest) = chunk.split_at(room.min(chunk.len()));
        self.head.extend_from_slice(to_head);
        chunk = rest;
        if chunk.len() >= OUTPUT_TAIL {
            self.dropped += (self.tail.len() + chunk.len() - OUTPUT_TAIL) as u64;
            self.tail.clear();
            chunk = &chunk[chunk.len() - OUTPUT_TAIL..];
        } else {
            let over = (self.tail.len() + chunk.len()).saturating_sub(OUTPUT_TAIL);
            self.dropped += over as u64;
            self.tail.drain(..over);
        }
        self.tail.extend(chunk);
    }

    fn render(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            s.push_str(&format!("\n[... {} more bytes cut ...]\n", self.dropped));
        }
        let (a, b) = self.tail.as_slices();
        s.push_str(&String::from_utf8_lossy(&[a, b].concat()));
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}

/// Reads a pipe to its end in chunks, keeping only what [`Capped`] keeps: the rest is read and
/// dropped, so the command never blocks on a full pipe and never grows our memory.
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>) -> Capped {
    let mut kept = Capped::default();
    let Some(mut pipe) = pipe else {
        return kept;
    };
    let mut buf = vec![0u8; CHUNK];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        kept.push(&buf[..n]);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_in_the_root_with_the_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bash::new(dir.path(), ToolSettings::default());
        let r = b
            .call(
                "bash",
                json!({"command":"echo hi > f.txt; cat f.txt; echo oops >&2"}),
            )
            .await;
        assert!(!r.is_error, "{r:?}");
        assert_eq!(r.text(), "exit code: 0\n--- stdout\nhi\n--- stderr\noops\n");
        assert!(dir.path().join("f.txt").exists());
        let r = b.call("bash", json!({"command":"exit 3"})).await;
        assert!(r.is_error && r.text().starts_with("exit code: 3"));
        assert_eq!(r.structured, Some(json!({"exit_code": 3})));
    }

    #[tokio::test]
    async fn the_environment_is_clean_plus_what_is_configured() {
        let dir = tempfile::tempdir().unwrap();
        let settings = ToolSettings {
            env: [("GREETING".to_owned(), "hello".to_owned())].into(),
            pass_env: vec!["PATH".into()],
            writable: vec![],
            tmp_dir: Some(dir.path().join("tmp")),
            ..Default::default()
        };
        let root = dir.path().canonicalize().unwrap();
        let b = Bash::new(&root, settings);
        let r = b.call("bash", json!({"command":"env"})).await;
        let text = r.text();
        assert!(text.contains("GREETING=hello\n"), "{text}");
        assert!(
            text.contains(&format!("PWD={}\n", root.display())),
            "{text}"
        );
        let tmp = text
            .lines()
            .find_map(|l| l.strip_prefix("TMPDIR="))
            .expect(&text);
        // the root's own temp dir, beneath the configured one
        assert_eq!(std::path::Path::new(tmp).parent(), Some(&*root.join("tmp")));
        assert!(std::path::Path::new(tmp).is_dir());
        assert!(text.contains("\nPATH="), "{text}");
    }

    #[tokio::test]
    async fn writes_are_confined_where_landlock_is_available() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        let outside = base.path().join("outside.txt");
        let settings = ToolSettings {
            tmp_dir: Some(base.path().join("tmp")),
            ..Default::default()
        };
        let b = Bash::new(&root, settings);
        let command = format!(
            "echo in > in.txt && echo t > \"$TMPDIR/t\" && echo n > /dev/null && head -c1 /etc/passwd >/dev/null && echo fine; echo out > {}",
            outside.display()
        );
        let r = b.call("bash", json!({ "command": command })).await;
        let text = r.text();
        assert!(text.contains("fine"), "{text}");
        assert!(root.join("in.txt").exists());
        let tmp = std::fs::read_dir(base.path().join("tmp"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        assert!(tmp.path().join("t").exists());
        if super::super::sandbox::status().confined() {
            assert!(!outside.exists(), "{text}");
            assert!(text.contains("Permission denied"), "{text}");
        } else {
            assert!(outside.exists(), "unconfined, as the warning says");
        }
    }

    #[tokio::test]
    async fn clauded_s_own_files_and_other_roots_cannot_be_read() {
        if !super::super::sandbox::status().confined() {
            return; // nothing to confine reads with here (the warning says so)
        }
        let base = tempfile::tempdir().unwrap();
        let home = base.path().canonicalize().unwrap().join("home");
        let data = home.join("data");
        let (mine, theirs) = (data.join("ws/mine"), data.join("ws/theirs"));
        for d in [&mine, &theirs, &home.join("config")] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(home.join("config/secret.key"), "k3y").unwrap();
        std::fs::write(data.join("clauded.db"), "rows").unwrap();
        std::fs::write(theirs.join("notes.txt"), "their-notes").unwrap();
        std::fs::write(mine.join("notes.txt"), "mine").unwrap();
        std::fs::write(home.join("open.txt"), "open").unwrap();
        let settings = ToolSettings {
            tmp_dir: Some(data.join("tmp")),
            hidden: vec![home.join("config"), data.clone()],
            ..Default::default()
        };
        let run = |root: &std::path::Path, command: String| {
            let b = Bash::new(root, settings.clone());
            async move { b.call("bash", json!({ "command": command })).await.text() }
        };
        let cmd = format!(
            "cat notes.txt; cat {h}/open.txt; cat {h}/config/secret.key; cat {d}/clauded.db; \
             cat {d}/ws/theirs/notes.txt; ls {d}/ws; echo t > \"$TMPDIR/t\" && cat \"$TMPDIR/t\"",
            h = home.display(),
            d = data.display()
        );
        let text = run(&mine, cmd.clone()).await;
        assert!(text.contains("--- stdout\nmineopent\n"), "{text}");
        for secret in ["k3y", "rows", "their-notes"] {
            assert!(!text.contains(secret), "{secret}: {text}");
        }
        assert_eq!(text.matches("Permission denied").count(), 4, "{text}");
        // the other root's commands cannot read this one's temp dir either
        let peek = format!("cat {}/tmp/*/t", data.display());
        let text = run(&theirs, peek).await;
        assert!(
            text.contains("Permission denied") || text.contains("No such file"),
            "{text}"
        );
        assert!(text.contains("--- stdout\n--- stderr"), "{text}");
    }

    #[tokio::test]
    async fn timeouts_kill_the_group_and_output_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bash::new(dir.path(), ToolSettings::default());
        let started = std::time::Instant::now();
        let r = b
            .call(
                "bash",
                json!({"command":"sleep 30 & sleep 30; echo never","timeout_secs":1}),
            )
            .await;
        assert!(r.is_error && r.text().contains("timed out"), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let r = b
            .call(
                "bash",
                json!({"command":"head -c 200000 /dev/zero | tr '\\\\0' a"}),
            )
            .await;
        assert!(r.text().contains("more bytes cut"), "{}", &r.text()[..100]);
    }

    #[test]
    fn the_cap_keeps_the_head_and_the_tail() {
        let mut c = Capped::default();
        c.push(b"first\n");
        for _ in 0..100 {
            c.push(&[b'x'; 7000]);
        }
        c.push(b"\nlast line\n");
        let total = 6 + 700_000 + 11;
        assert_eq!(
            c.head.len() + c.tail.len() + c.dropped as usize,
            total,
            "every byte is kept or counted"
        );
        assert_eq!((c.head.len(), c.tail.len()), (OUTPUT_HEAD, OUTPUT_TAIL));
        let text = c.render();
        assert!(text.starts_with("first\nxxx"));
        assert!(text.ends_with("xxx\nlast line\n"));
        assert!(text.contains(&format!("[... {} more bytes cut ...]", total - 64 * 1024)));
        let mut small = Capped::default();
        small.push(b"hi");
        assert_eq!(small.render(), "hi\n");
    }
}
