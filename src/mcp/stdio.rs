//! Stdio servers: the child runs in its own process group, its stderr is kept for error
//! messages, and the whole group ends when the client is closed or dropped.
//!
//! rmcp's own `TokioChildProcess` signals only the direct child, which leaves `npx`'s (or a
//! shell wrapper's) real server running; so we own the child here and signal its group.

use super::Error;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::{oneshot, watch};

/// How long the server gets to leave after its stdin closes, and again after SIGTERM.
const GRACE: Duration = Duration::from_secs(2);
/// Lines of stderr kept for error messages.
const STDERR_LINES: usize = 20;
/// Longest stderr line kept, in bytes.
const STDERR_LINE_MAX: usize = 400;

/// A running server process; dropping it ends the process group in the background.
pub(super) struct StdioProcess {
    pid: u32,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    exited: watch::Receiver<Option<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

/// The child's pipes, handed to the JSON-RPC transport.
pub(super) type Pipes = (ChildStdout, ChildStdin);

impl StdioProcess {
    /// Starts `command` in a new process group with piped stdio and a minimal environment; it
    /// dies with us, and its group is recorded so that a later start can end what it leaves.
    pub(super) async fn spawn(
        server: &str,
        command: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
        cwd: Option<&PathBuf>,
    ) -> Result<(Self, Pipes), Error> {
        if command.trim().is_empty() {
            return Err(Error::Config(format!(
                "MCP server `{server}` has an empty command; set the program to run"
            )));
        }
        let mut cmd = Command::new(command);
        cmd.args(args)
            .env_clear()
            .envs(crate::procs::inherited_env(&[]))
            .envs(env);
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        cmd.process_group(0);
        crate::procs::die_with_us(&mut cmd);

        let mut child = crate::procs::spawn(cmd)
            .await
            .map_err(|e| spawn_error(server, command, &e))?;
        let (Some(pid), Some(stdin), Some(stdout), Some(stderr)) = (
            child.id(),
            child.stdin.take(),
            child.stdout.take(),
            child.stderr.take(),
        ) else {
            return Err(Error::Spawn(format!(
                "MCP server `{server}` (`{command}`) started without its pipes; try again"
            )));
        };

        let tail = Arc::new(Mutex::new(VecDeque::new()));
        tokio::spawn(drain_stderr(stderr, tail.clone(), server.to_owned()));
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let (exited_tx, exited_rx) = watch::channel(None);
        tokio::spawn(reap(
            child,
            Group::new(pid),
            shutdown_rx,
            exited_tx,
            server.to_owned(),
        ));
        let process = StdioProcess {
            pid,
            shutdown: Mutex::new(Some(shutdown_tx)),
            exited: exited_rx,
            stderr: tail,
        };
        Ok((process, (stdout, stdin)))
    }

    /// The child's process id, which is also its process group id.
    pub(super) fn pid(&self) -> u32 {
        self.pid
    }

    /// How the process ended, once it has (and its group is gone).
    pub(super) fn exit_status(&self) -> Option<String> {
        self.exited.borrow().clone()
    }

    /// True once the process has ended.
    pub(super) fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// The last lines it wrote to stderr.
    pub(super) fn stderr_tail(&self) -> Vec<String> {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Waits until the process has ended, or `limit` has passed; true if it ended.
    pub(super) async fn wait(&self, limit: Duration) -> bool {
        let mut rx = self.exited.clone();
        matches!(
            tokio::time::timeout(limit, rx.wait_for(Option::is_some)).await,
            Ok(Ok(_))
        )
    }

    /// Asks the process group to end (stdin closed first by the caller, then SIGTERM, then
    /// SIGKILL) and waits for it.
    pub(super) async fn shutdown(&self) {
        self.request_shutdown();
        // The reaper escalates to SIGKILL after two grace periods; this bound only guards
        // against a process the kernel cannot reap.
        self.wait(GRACE * 2 + Duration::from_secs(3)).await;
    }

    /// Starts ending the process group without waiting.
    pub(super) fn request_shutdown(&self) {
        let sender = self
            .shutdown
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(tx) = sender {
            let _ = tx.send(());
        }
    }

    /// A message for a server that failed during startup: how it ended and what it said.
    pub(super) fn describe_failure(&self) -> String {
        let mut text = match self.exit_status() {
            Some(status) => format!("it exited ({status})"),
            None => "it is still running".to_owned(),
        };
        let tail = self.stderr_tail();
        if !tail.is_empty() {
            text.push_str("; its stderr ended with:\n");
            text.push_str(&tail.join("\n"));
        }
        text
    }
}

impl Drop for StdioProcess {
    fn drop(&mut self) {
        self.request_shutdown();
    }
}

fn spawn_error(server: &str, command: &str, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::Spawn(format!(
            "cannot start MCP server `{server}`: `{command}` was not found; install it or put its folder on PATH"
        ))
    } else {
        Error::Spawn(format!(
            "cannot start MCP server `{server}` (`{command}`): {e}"
        ))
    }
}

/// Keeps the last lines of stderr and logs them; reads bytes so bad UTF-8 cannot stall the pipe.
async fn drain_stderr(stderr: ChildStderr, tail: Arc<Mutex<VecDeque<String>>>, server: String) {
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut line = String::from_utf8_lossy(&buf).trim_end().to_owned();
        tracing::debug!(server = %server, "MCP server stderr: {line}");
        if line.len() > STDERR_LINE_MAX {
            let mut cut = STDERR_LINE_MAX;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
        if tail.len() == STDERR_LINES {
            tail.pop_front();
        }
        tail.push_back(line);
    }
}

/// Owns the child: waits for it to exit on its own or ends it on request, then clears its group.
async fn reap(
    mut child: Child,
    mut group: Group,
    mut shutdown: oneshot::Receiver<()>,
    exited: watch::Sender<Option<String>>,
    server: String,
) {
    // A dropped sender (the client went away) means the same as an explicit request.
    let status = tokio::select! {
        status = child.wait() => status,
        _ = &mut shutdown => stop(&mut child, &group).await,
    };
    // The leader is gone; whatever it left in its group (npx's node, a shell's job) goes too.
    group.end_stragglers().await;
    group.disarm();
    let text = match status {
        Ok(s) => s.to_string(),
        Err(e) => format!("exit status unknown: {e}"),
    };
    tracing::debug!(server = %server, "MCP server process ended: {text}");
    exited.send_replace(Some(text));
}

/// Stdin is closed (or about to be): wait, then SIGTERM the group, wait, then SIGKILL it.
async fn stop(child: &mut Child, group: &Group) -> std::io::Result<std::process::ExitStatus> {
    if let Ok(status) = tokio::time::timeout(GRACE, child.wait()).await {
        return status;
    }
    group.terminate();
    if let Ok(status) = tokio::time::timeout(GRACE, child.wait()).await {
        return status;
    }
    group.kill();
    let _ = child.start_kill();
    child.wait().await
}

/// A child's process group; SIGKILLed if dropped while armed (the runtime went away mid-reap).
/// Its record is removed after that, when the `record` field drops.
struct Group {
    #[cfg_attr(not(unix), allow(dead_code))]
    pgid: i32,
    armed: bool,
    _record: Option<crate::procs::registry::Record>,
}

impl Group {
    fn new(pid: u32) -> Self {
        Group {
            // A pid that does not fit, or 0/1, is never signalled (kill(-1) means "everyone").
            pgid: i32::try_from(pid).unwrap_or(0),
            armed: true,
            _record: crate::procs::registry::record(pid),
        }
    }

    fn disarm(&mut self) {
        self.armed = false;
    }

    #[cfg(unix)]
    fn signal(&self, signal: libc::c_int) -> bool {
        if self.pgid <= 1 {
            return false;
        }
        // SAFETY: kill(2) has no memory effects; a negative pid addresses the group we created.
        unsafe { libc::kill(-self.pgid, signal) == 0 }
    }

    fn terminate(&self) {
        #[cfg(unix)]
        self.signal(libc::SIGTERM);
    }

    fn kill(&self) {
        #[cfg(unix)]
        self.signal(libc::SIGKILL);
    }

    /// True while any process is left in the group.
    fn alive(&self) -> bool {
        #[cfg(target_os = "linux")]
        return self.signal(0) && crate::procs::registry::live_member(self.pgid);
        #[cfg(all(unix, not(target_os = "linux")))]
        return self.signal(0);
        #[cfg(not(unix))]
        return false;
    }

    async fn end_stragglers(&self) {
        if !self.alive() {
            return;
        }
        self.terminate();
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if !self.alive() {
                return;
            }
        }
        self.kill();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.armed {
            self.kill();
        }
    }
}
