//! `clauded serve` under load, as a separate process against a fast fake upstream on loopback:
//! CPU per stateless chat request and requests per second (plain and streamed, 32 clients),
//! added time to first token, session-mode turns per second (ten-turn conversations with 1 and
//! 8 clients, and one growing session), project-mode requests per second as the project grows,
//! memory per open SSE stream and after the burst, replay of 100,000 stored events (SSE and
//! JSON, one client and ten), and the cost of starting the binary. The server is pinned to one
//! CPU, the harness to the others.
//! Run with `cargo bench --bench load`; the table goes to stdout and target/load-report.md.
//! Settings: LOAD_ONLY=stateless,ttft,session,project,streams,replay,version (default all),
//! LOAD_SECS (each throughput phase, default 5), LOAD_STREAMS (default 2000),
//! LOAD_PROJECT_SESSIONS (default 100000), LOAD_SETTLE_SECS (default 30), CLAUDED_BIN (the
//! binary under test; default the one Cargo built).

use bytes::Bytes;
use clauded::store::{NewSession, Store};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::future::Future;
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinError, JoinSet};

const MODEL: &str = "claude-sonnet-4-5";
const ANSWER: &str = "Hello there, this is the load answer.";
const DELTAS: [&str; 5] = ["Hello", " there,", " this is", " the load", " answer."];
/// The user text whose upstream answer stalls after its first delta.
const HOLD: &str = "load-hold-stream";
const CLIENTS: usize = 32;
const PROJECT_CLIENTS: usize = 8;
const SESSION_CLIENTS: usize = 8;
const TTFT_SAMPLES: usize = 400;
const WARMUP: Duration = Duration::from_secs(1);
const PROJECT: &str = "load-proj";
const REPLAY_SESSION: &str = "load-replay";
const REPLAY_EVENTS: usize = 100_000;
const REPLAY_CLIENTS: usize = 10;
const REPLAY_TEXT: &str =
    "Reading src/server/routes/webedt.rs to see how a replay pages through the stored events.";
const SPAWNS: u32 = 300;

/// Why the run failed, for the terminal.
struct Failure(String);

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        let mut msg = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        Failure(msg)
    }
}

type Result<T, E = Failure> = std::result::Result<T, E>;

macro_rules! fail {
    ($($t:tt)*) => { Failure(format!($($t)*)) };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Measure {
    Stateless,
    Ttft,
    Session,
    Project,
    Streams,
    Replay,
    Version,
}

impl Measure {
    const ALL: [Measure; 7] = [
        Measure::Stateless,
        Measure::Ttft,
        Measure::Session,
        Measure::Project,
        Measure::Streams,
        Measure::Replay,
        Measure::Version,
    ];

    fn name(self) -> &'static str {
        match self {
            Measure::Stateless => "stateless",
            Measure::Ttft => "ttft",
            Measure::Session => "session",
            Measure::Project => "project",
            Measure::Streams => "streams",
            Measure::Replay => "replay",
            Measure::Version => "version",
        }
    }
}

/// What to run, from the environment.
struct Settings {
    only: Vec<Measure>,
    secs: f64,
    streams: usize,
    project_sessions: usize,
    settle: Duration,
    bin: PathBuf,
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| fail!("{name}={v:?} is not a number")),
        _ => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self> {
        let only = match std::env::var("LOAD_ONLY") {
            Ok(list) if !list.trim().is_empty() => {
                let asked: Vec<&str> = list.split(',').map(str::trim).collect();
                if let Some(bad) = asked
                    .iter()
                    .find(|a| !Measure::ALL.iter().any(|m| m.name() == **a))
                {
                    let known: Vec<_> = Measure::ALL.iter().map(|m| m.name()).collect();
                    return Err(fail!(
                        "LOAD_ONLY: no measure {bad:?}; known: {}",
                        known.join(",")
                    ));
                }
                Measure::ALL
                    .into_iter()
                    .filter(|m| asked.contains(&m.name()))
                    .collect()
            }
            _ => Measure::ALL.to_vec(),
        };
        let secs: f64 = env_num("LOAD_SECS", 5.0)?;
        if secs.is_nan() || secs <= 0.0 {
            return Err(fail!("LOAD_SECS must be above 0"));
        }
        Ok(Self {
            only,
            secs,
            streams: env_num("LOAD_STREAMS", 2000)?.max(1),
            project_sessions: env_num("LOAD_PROJECT_SESSIONS", 100_000)?.max(1),
            settle: Duration::from_secs(env_num("LOAD_SETTLE_SECS", 30)?),
            bin: std::env::var_os("CLAUDED_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_clauded"))),
        })
    }
}

/// Which CPUs the server and the harness run on.
struct Pinning {
    server_cpu: Option<usize>,
    harness: Vec<usize>,
    server_how: &'static str,
}

fn cpu_set(cpus: &[usize]) -> libc::cpu_set_t {
    // SAFETY: cpu_set_t is a plain bit array (all zeroes is the empty set); CPU_SET writes a
    // bit of the set we own, for CPU numbers the kernel gave us
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus {
            libc::CPU_SET(c, &mut set);
        }
        set
    }
}

fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity writes into the set we pass, of the size we pass
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Pins this thread (so every thread made after it) to all allowed CPUs but the first, which
/// is the server's. Called before the runtime exists.
fn pin_harness() -> Pinning {
    let allowed = allowed_cpus();
    let server_how = if find_in_path("taskset").is_some() {
        "taskset"
    } else {
        "sched_setaffinity before exec"
    };
    let Some((&server, rest)) = allowed.split_first() else {
        return Pinning {
            server_cpu: None,
            harness: vec![],
            server_how: "unpinned",
        };
    };
    let set = cpu_set(rest);
    // SAFETY: sched_setaffinity reads the set we pass, of the size we pass
    let pinned = !rest.is_empty()
        && unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) } == 0;
    Pinning {
        server_cpu: Some(server),
        harness: if pinned { rest.to_vec() } else { vec![] },
        server_how,
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The command for `bin`, pinned to `cpu` (by taskset when there is one).
fn pinned_command(bin: &Path, cpu: Option<usize>) -> Command {
    let Some(cpu) = cpu else {
        return Command::new(bin);
    };
    if let Some(taskset) = find_in_path("taskset") {
        let mut c = Command::new(taskset);
        c.arg("-c").arg(cpu.to_string()).arg(bin);
        return c;
    }
    let set = cpu_set(&[cpu]);
    let mut c = Command::new(bin);
    // SAFETY: between fork and exec only sched_setaffinity(2) runs, on a set made before
    unsafe {
        c.pre_exec(move || {
            if libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    c
}

/// A field of /proc/PID/status (`self` for this process).
fn proc_status(pid: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(|v| v.trim().to_owned())
}

fn rss_kib(pid: u32) -> Result<u64> {
    proc_status(&pid.to_string(), "VmRSS")
        .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| fail!("no VmRSS for process {pid}"))
}

/// User plus system CPU time of a process (all its threads), in microseconds.
fn cpu_us(pid: &str) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // after the command name, the state is field 3: utime and stime (14, 15) are at 11, 12
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    let (Some(user), Some(system)) = (tick(11), tick(12)) else {
        return Err(fail!("cannot read the CPU times in /proc/{pid}/stat"));
    };
    // SAFETY: sysconf reads a constant of the system
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok((user + system) as f64 * 1e6 / hz)
}

fn fd_count(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// Raises the soft limit on open files to `needed` (the server inherits it).
fn raise_nofile(needed: u64) -> Result<()> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we pass
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        if lim.rlim_cur >= needed {
            return Ok(());
        }
        if lim.rlim_max < needed {
            return Err(fail!(
                "LOAD_STREAMS needs {needed} open files; the hard limit is {}: lower LOAD_STREAMS",
                lim.rlim_max
            ));
        }
        let raised = libc::rlimit {
            rlim_cur: needed,
            rlim_max: lim.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
    }
    Ok(())
}

/// The peak VmRSS of a process, sampled every 5 ms on a thread of its own.
struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let halt = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !halt.load(Relaxed) {
                peak = peak.max(rss_kib(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak.max(rss_kib(pid).unwrap_or(0))
        });
        Self { stop, thread }
    }

    fn peak_kib(self) -> u64 {
        self.stop.store(true, Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// A body for an error message, cut short.
fn shown(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(2000) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.into_owned(),
    }
}

fn mib(kib: i64) -> f64 {
    kib as f64 / 1024.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---- the fake upstream ----------------------------------------------------------------------

/// What the fake upstream answers, serialised once.
struct Canned {
    message: Vec<u8>,
    stream: Vec<u8>,
    held_first: Vec<u8>,
    held_rest: Vec<u8>,
    models: Vec<u8>,
    not_found: Vec<u8>,
}

fn response(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\nrequest-id: req_load\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn chunk(text: &str) -> String {
    format!("{:x}\r\n{text}\r\n", text.len())
}

/// A real Anthropic stream, one string per event.
fn stream_events() -> Vec<String> {
    let sse = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
    let mut events = vec![
        sse(
            "message_start",
            json!({"type":"message_start","message":{"id":"msg_load","type":"message",
            "role":"assistant","model":MODEL,"content":[],"stop_reason":null,"stop_sequence":null,
            "usage":{"input_tokens":10,"output_tokens":1}}}),
        ),
        sse(
            "content_block_start",
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        ),
    ];
    for d in DELTAS {
        events.push(sse(
            "content_block_delta",
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":d}}),
        ));
    }
    events.push(sse(
        "content_block_stop",
        json!({"type":"content_block_stop","index":0}),
    ));
    events.push(sse("message_delta", json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}})));
    events.push(sse("message_stop", json!({"type":"message_stop"})));
    events
}

impl Canned {
    fn new() -> Self {
        let message = json!({"id":"msg_load","type":"message","role":"assistant","model":MODEL,
            "content":[{"type":"text","text":ANSWER}],"stop_reason":"end_turn","stop_sequence":null,
            "usage":{"input_tokens":10,"output_tokens":9}});
        let models = json!({"data":[{"type":"model","id":MODEL,"display_name":"Claude Sonnet 4.5",
            "created_at":"2025-09-29T00:00:00Z"}],"has_more":false,"first_id":MODEL,"last_id":MODEL});
        let not_found =
            json!({"type":"error","error":{"type":"not_found_error","message":"not here"}});
        let events = stream_events();
        // the held answer: message_start, the block's start and one delta, then a stall
        let held_head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nrequest-id: req_load\r\ntransfer-encoding: chunked\r\n\r\n";
        Self {
            message: response("200 OK", "application/json", &message.to_string()),
            stream: response("200 OK", "text/event-stream", &events.concat()),
            held_first: format!("{held_head}{}", chunk(&events[..3].concat())).into_bytes(),
            held_rest: format!("{}0\r\n\r\n", chunk(&events[3..].concat())).into_bytes(),
            models: response("200 OK", "application/json", &models.to_string()),
            not_found: response("404 Not Found", "application/json", &not_found.to_string()),
        }
    }
}

/// What the fake upstream saw.
#[derive(Default)]
struct UpstreamStats {
    messages: AtomicU64,
    held: AtomicU64,
    held_released: AtomicU64,
    held_closed: AtomicU64,
    unexpected: AtomicU64,
}

/// A minimal Anthropic Messages API: HTTP/1.1 keep-alive, fixed answers.
struct Upstream {
    url: String,
    release: watch::Sender<u64>,
    stats: Arc<UpstreamStats>,
}

enum Asked {
    Models,
    Message { stream: bool, hold: bool },
    Other,
}

impl Upstream {
    async fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (release, held) = watch::channel(0u64);
        let stats = Arc::new(UpstreamStats::default());
        let (canned, counts) = (Arc::new(Canned::new()), stats.clone());
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((sock, _)) => {
                        tokio::spawn(serve_upstream(
                            sock,
                            canned.clone(),
                            held.clone(),
                            counts.clone(),
                        ));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        });
        Ok(Self {
            url,
            release,
            stats,
        })
    }

    /// Lets every held answer finish.
    fn release_held(&self) {
        self.release.send_modify(|generation| *generation += 1);
    }
}

/// Reads one request off a keep-alive connection (`buf` keeps what follows it).
async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Asked> {
    let head_end = loop {
        if let Some(p) = find(buf, b"\r\n\r\n") {
            break p;
        }
        buf.reserve(16 * 1024);
        if sock.read_buf(buf).await.ok()? == 0 {
            return None;
        }
    };
    let (mut asked, len) = {
        let head = std::str::from_utf8(&buf[..head_end]).ok()?;
        let mut lines = head.split("\r\n");
        let mut first = lines.next()?.split(' ');
        let (method, path) = (first.next()?, first.next()?);
        let mut len = 0;
        for (k, v) in lines.filter_map(|l| l.split_once(':')) {
            if k.trim().eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            } else if k.trim().eq_ignore_ascii_case("transfer-encoding") {
                return None; // a chunked request: not what clauded sends
            }
        }
        let asked = match (method, path.split('?').next()?) {
            ("GET", "/v1/models") => Asked::Models,
            ("POST", "/v1/messages") => Asked::Message {
                stream: false,
                hold: false,
            },
            _ => Asked::Other,
        };
        (asked, len)
    };
    let end = head_end + 4 + len;
    while buf.len() < end {
        buf.reserve(end - buf.len());
        if sock.read_buf(buf).await.ok()? == 0 {
            return None;
        }
    }
    if let Asked::Message { stream, hold } = &mut asked {
        let body = &buf[head_end + 4..end];
        *stream = contains(body, br#""stream":true"#);
        *hold = contains(body, HOLD.as_bytes());
    }
    buf.drain(..end);
    Some(asked)
}

async fn serve_upstream(
    mut sock: TcpStream,
    canned: Arc<Canned>,
    mut release: watch::Receiver<u64>,
    stats: Arc<UpstreamStats>,
) {
    let _ = sock.set_nodelay(true);
    let mut buf = Vec::with_capacity(16 * 1024);
    while let Some(asked) = read_request(&mut sock, &mut buf).await {
        let answer = match asked {
            Asked::Models => &canned.models,
            Asked::Other => {
                stats.unexpected.fetch_add(1, Relaxed);
                &canned.not_found
            }
            Asked::Message { stream: false, .. } => {
                stats.messages.fetch_add(1, Relaxed);
                &canned.message
            }
            Asked::Message { hold: false, .. } => {
                stats.messages.fetch_add(1, Relaxed);
                &canned.stream
            }
            Asked::Message { hold: true, .. } => {
                stats.held.fetch_add(1, Relaxed);
                release.mark_unchanged();
                if sock.write_all(&canned.held_first).await.is_err() {
                    return;
                }
                let mut probe = [0u8; 1];
                tokio::select! {
                    r = release.changed() => {
                        if r.is_err() {
                            return;
                        }
                    }
                    // clauded sends nothing more on this connection: a read ends only at a close
                    _ = sock.read(&mut probe) => {
                        stats.held_closed.fetch_add(1, Relaxed);
                        return;
                    }
                }
                stats.held_released.fetch_add(1, Relaxed);
                &canned.held_rest
            }
        };
        if sock.write_all(answer).await.is_err() {
            return;
        }
    }
}

// ---- the server under test ------------------------------------------------------------------

/// What the servers wrote to stderr: the last lines, and their warnings and errors.
#[derive(Default)]
struct ServerLog(Mutex<LogState>);

#[derive(Default)]
struct LogState {
    tail: VecDeque<String>,
    warnings: u64,
    first_warnings: Vec<String>,
}

impl ServerLog {
    fn record(&self, line: String) {
        let mut s = self.0.lock().expect("the log lock is never poisoned");
        if line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("panicked") {
            s.warnings += 1;
            if s.first_warnings.len() < 10 {
                s.first_warnings.push(line.clone());
            }
        }
        s.tail.push_back(line);
        if s.tail.len() > 40 {
            s.tail.pop_front();
        }
    }

    fn tail(&self) -> String {
        let s = self.0.lock().expect("the log lock is never poisoned");
        s.tail
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn drain_log(stderr: ChildStderr, listening: &mpsc::Sender<String>, log: &ServerLog) {
    let mut said = false;
    for line in std::io::BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if !said && let Some(url) = line.split("listening on ").nth(1) {
            said = true;
            let _ = listening.send(url.trim().to_owned());
        }
        log.record(line);
    }
}

/// Everything a measure needs.
struct Ctx {
    settings: Settings,
    pinning: Pinning,
    upstream: Upstream,
    log: Arc<ServerLog>,
    /// Odd things seen on the way (slow stops, exit codes), for the report.
    notes: Mutex<Vec<String>>,
    /// The server's CPUs as /proc shows them, from its first start.
    server_cpus: Mutex<Option<String>>,
}

impl Ctx {
    fn note(&self, note: String) {
        eprintln!("load: note: {note}");
        self.notes
            .lock()
            .expect("the notes lock is never poisoned")
            .push(note);
    }
}

/// A running `clauded serve`; killed on drop.
struct Server {
    child: Child,
    pid: u32,
    /// `http://127.0.0.1:PORT`.
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// Starts on a free port over `home/clauded.db`, local mode (no token, no account), and
    /// waits until /health/ready says 200.
    async fn start(ctx: &Ctx, home: &Path) -> Result<Self> {
        let mut cmd = pinned_command(&ctx.settings.bin, ctx.pinning.server_cpu);
        cmd.args(["serve", "--host", "127.0.0.1", "--port", "0", "--db"])
            .arg(home.join("clauded.db"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("CLAUDED_HOME", home)
            .env("CLAUDED_KEYRING", "file")
            .env("ANTHROPIC_BASE_URL", &ctx.upstream.url)
            .env("ANTHROPIC_API_KEY", "sk-ant-load")
            .env("NO_COLOR", "1")
            .current_dir(home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| fail!("cannot start {}: {e}", ctx.settings.bin.display()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| fail!("serve's stderr is not piped"))?;
        // owned before anything can fail, so that a failed start is killed too
        let mut server = Server {
            pid: child.id(),
            child,
            base: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        let log = ctx.log.clone();
        std::thread::spawn(move || drain_log(stderr, &tx, &log));
        server.base = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
            .await?
            .map_err(|_| {
                fail!(
                    "serve never said where it listens; its log ends:\n{}",
                    ctx.log.tail()
                )
            })?;
        let http = client()?;
        let ready = format!("{}/health/ready", server.base);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(&ready).send().await
                && r.status() == reqwest::StatusCode::OK
            {
                break;
            }
            if let Some(status) = server.child.try_wait()? {
                return Err(fail!(
                    "serve exited ({status}) before it was ready:\n{}",
                    ctx.log.tail()
                ));
            }
            if Instant::now() > deadline {
                return Err(fail!("serve was not ready in 30 s:\n{}", ctx.log.tail()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut cpus = ctx
            .server_cpus
            .lock()
            .expect("the CPU lock is never poisoned");
        if cpus.is_none() {
            *cpus = proc_status(&server.pid.to_string(), "Cpus_allowed_list");
        }
        Ok(server)
    }

    /// SIGTERM, and a wait for the exit (noting a slow or unclean one).
    async fn stop(mut self, ctx: &Ctx) -> Result<()> {
        // SAFETY: kill(2) on our own child's pid
        unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGTERM) };
        let t = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    ctx.note(format!("serve exited with {status} on SIGTERM"));
                }
                if t.elapsed() > Duration::from_secs(2) {
                    ctx.note(format!(
                        "serve took {:.1} s to stop on SIGTERM",
                        t.elapsed().as_secs_f64()
                    ));
                }
                return Ok(());
            }
            if t.elapsed() > Duration::from_secs(20) {
                ctx.note("serve did not stop within 20 s of SIGTERM: killed".into());
                self.child.kill()?;
                self.child.wait()?;
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn url(&self, path: &str) -> Result<Url> {
        Ok(Url::parse(&format!("{}{path}", self.base))?)
    }
}

// ---- requests -------------------------------------------------------------------------------

fn client() -> Result<reqwest::Client> {
    // idle connections go before the server's header timeout (10 s) would close them
    Ok(reqwest::Client::builder()
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(5))
        .build()?)
}

fn chat_body(stream: bool, ids: &[(&str, &str)], text: &str) -> Bytes {
    let mut body = json!({"model": MODEL, "messages": [{"role": "user", "content": text}]});
    if stream {
        body["stream"] = json!(true);
    }
    for (k, v) in ids {
        body[*k] = json!(v);
    }
    Bytes::from(body.to_string())
}

fn upstream_body(stream: bool) -> Bytes {
    Bytes::from(
        json!({"model": MODEL, "max_tokens": 64, "stream": stream,
            "messages": [{"role": "user", "content": "hi"}]})
        .to_string(),
    )
}

/// The response if it is a 200; else the failure, with the body.
async fn status_ok(r: reqwest::Response) -> Result<reqwest::Response> {
    if r.status() == reqwest::StatusCode::OK {
        return Ok(r);
    }
    let (status, path) = (r.status(), r.url().path().to_owned());
    let body = r.bytes().await.unwrap_or_default();
    Err(fail!("{path} answered {status}: {}", shown(&body)))
}

fn request(http: &reqwest::Client, url: &Url, body: Bytes) -> reqwest::RequestBuilder {
    http.post(url.clone())
        .header(CONTENT_TYPE, "application/json")
        .body(body)
}

async fn post(http: &reqwest::Client, url: &Url, body: Bytes) -> Result<Bytes> {
    Ok(status_ok(request(http, url, body).send().await?)
        .await?
        .bytes()
        .await?)
}

/// A chat completion and its whole answer: the text, and for a stream its `[DONE]`.
async fn chat(http: &reqwest::Client, url: &Url, body: Bytes, stream: bool) -> Result<()> {
    let answer = post(http, url, body).await?;
    let good = if stream {
        answer.ends_with(b"data: [DONE]\n\n")
            && contains(&answer, br#""Hello""#)
            && !contains(&answer, br#""error""#)
    } else {
        contains(&answer, ANSWER.as_bytes())
    };
    if good {
        Ok(())
    } else {
        Err(fail!("an unexpected chat answer: {}", shown(&answer)))
    }
}

/// Time to the first text delta of a streamed answer, which is then read to its end.
async fn first_content(req: reqwest::RequestBuilder, end: &[u8]) -> Result<Duration> {
    let t = Instant::now();
    let mut r = status_ok(req.send().await?).await?;
    let (mut seen, mut first) = (Vec::new(), None);
    while let Some(c) = r.chunk().await? {
        seen.extend_from_slice(&c);
        if first.is_none() && contains(&seen, b"Hello") {
            first = Some(t.elapsed());
        }
    }
    match first {
        Some(d) if contains(&seen, end) => Ok(d),
        _ => Err(fail!(
            "a stream without its first delta or its end: {}",
            shown(&seen)
        )),
    }
}

/// The rate of one phase of load.
struct Rate {
    done: u64,
    latency_ns: u64,
    cpu: CpuUse,
}

impl Rate {
    fn per_sec(&self) -> f64 {
        self.done as f64 / self.cpu.secs
    }
    fn cpu_per_req_us(&self) -> f64 {
        self.cpu.server_us / self.done.max(1) as f64
    }
    fn mean_ms(&self) -> f64 {
        self.latency_ns as f64 / self.done.max(1) as f64 / 1e6
    }
    fn usage(&self) -> String {
        format!("{} done in {:.1} s; {}", self.done, self.cpu.secs, self.cpu)
    }
}

/// The CPU time the server and the harness use from a moment on.
struct CpuClock {
    pid: u32,
    server_us: f64,
    harness_us: f64,
    at: Instant,
}

/// What a [`CpuClock`] read: wall seconds, and each side's CPU microseconds.
struct CpuUse {
    secs: f64,
    server_us: f64,
    harness_us: f64,
}

impl CpuClock {
    fn start(pid: u32) -> Result<Self> {
        Ok(Self {
            pid,
            server_us: cpu_us(&pid.to_string())?,
            harness_us: cpu_us("self")?,
            at: Instant::now(),
        })
    }

    fn read(&self) -> Result<CpuUse> {
        Ok(CpuUse {
            secs: self.at.elapsed().as_secs_f64(),
            server_us: cpu_us(&self.pid.to_string())? - self.server_us,
            harness_us: cpu_us("self")? - self.harness_us,
        })
    }
}

impl std::fmt::Display for CpuUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = |us: f64| us / self.secs.max(1e-9) / 1e4;
        write!(
            f,
            "server {:.0}% of its CPU, harness {:.0}% of a CPU",
            pct(self.server_us),
            pct(self.harness_us)
        )
    }
}

fn ended_early(r: Result<Result<()>, JoinError>) -> Failure {
    match r {
        Ok(Err(e)) => e,
        Ok(Ok(())) => fail!("a client stopped before the end"),
        Err(e) => fail!("a client task failed: {e}"),
    }
}

/// `clients` tasks calling `one(client, n)` in a loop: `warmup`, then `secs` measured (the
/// requests that end within it, the server's CPU time over it).
async fn run_load<F, Fut>(
    pid: u32,
    clients: usize,
    warmup: Duration,
    secs: f64,
    one: F,
) -> Result<Rate>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let one = Arc::new(one);
    let (measuring, stop) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let (done, latency) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut set = JoinSet::new();
    for c in 0..clients {
        let (one, measuring, stop) = (one.clone(), measuring.clone(), stop.clone());
        let (done, latency) = (done.clone(), latency.clone());
        set.spawn(async move {
            let mut n = 0;
            while !stop.load(Relaxed) {
                let t = Instant::now();
                one(c, n).await?;
                n += 1;
                if measuring.load(Relaxed) {
                    done.fetch_add(1, Relaxed);
                    latency.fetch_add(t.elapsed().as_nanos() as u64, Relaxed);
                }
            }
            Ok::<(), Failure>(())
        });
    }
    // a task ends before `stop` only on a failure
    tokio::select! {
        _ = tokio::time::sleep(warmup) => {}
        Some(r) = set.join_next() => return Err(ended_early(r)),
    }
    let clock = CpuClock::start(pid)?;
    measuring.store(true, Relaxed);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => {}
        Some(r) = set.join_next() => return Err(ended_early(r)),
    }
    measuring.store(false, Relaxed);
    let rate = Rate {
        done: done.load(Relaxed),
        latency_ns: latency.load(Relaxed),
        cpu: clock.read()?,
    };
    stop.store(true, Relaxed);
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(rate)
}

/// One row of the table.
struct Row {
    measure: String,
    result: String,
    detail: String,
}

fn push(rows: &mut Vec<Row>, measure: impl Into<String>, result: String, detail: String) {
    let row = Row {
        measure: measure.into(),
        result,
        detail,
    };
    eprintln!("load:   {} | {} | {}", row.measure, row.result, row.detail);
    rows.push(row);
}

// ---- the measures ---------------------------------------------------------------------------

async fn stateless(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let home = tempfile::tempdir()?;
    let server = Server::start(ctx, home.path()).await?;
    let (http, url) = (client()?, server.url("/v1/chat/completions")?);
    for stream in [false, true] {
        let (http, url, body) = (http.clone(), url.clone(), chat_body(stream, &[], "hi"));
        let rate = run_load(
            server.pid,
            CLIENTS,
            WARMUP,
            ctx.settings.secs,
            move |_, _| {
                let (http, url, body) = (http.clone(), url.clone(), body.clone());
                async move { chat(&http, &url, body, stream).await }
            },
        )
        .await?;
        let kind = if stream { "streamed" } else { "non-stream" };
        push(
            rows,
            format!("stateless chat, {kind} ({CLIENTS} clients)"),
            format!(
                "{:.0} µs CPU/req, {:.0} req/s",
                rate.cpu_per_req_us(),
                rate.per_sec()
            ),
            format!("mean {:.2} ms; {}", rate.mean_ms(), rate.usage()),
        );
    }
    drop(http);
    server.stop(ctx).await
}

async fn ttft(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let home = tempfile::tempdir()?;
    let server = Server::start(ctx, home.path()).await?;
    let http = client()?;
    let (chat, body) = (
        server.url("/v1/chat/completions")?,
        chat_body(true, &[], "hi"),
    );
    let direct = Url::parse(&format!("{}/v1/messages", ctx.upstream.url))?;
    let upstream = upstream_body(true);
    let direct_req = || {
        request(&http, &direct, upstream.clone())
            .header("x-api-key", "sk-ant-load")
            .header("anthropic-version", "2023-06-01")
    };
    let (mut through, mut straight) = (Vec::new(), Vec::new());
    for i in 0..TTFT_SAMPLES + 20 {
        let d = first_content(direct_req(), b"event: message_stop").await?;
        let t = first_content(request(&http, &chat, body.clone()), b"data: [DONE]\n\n").await?;
        // the first 20 warm the connections
        if i >= 20 {
            straight.push(d);
            through.push(t);
        }
    }
    through.sort();
    straight.sort();
    let at = |v: &[Duration], p: f64| ms(v[((v.len() - 1) as f64 * p).round() as usize]);
    let (t50, t99, d50, d99) = (
        at(&through, 0.5),
        at(&through, 0.99),
        at(&straight, 0.5),
        at(&straight, 0.99),
    );
    push(
        rows,
        "added time to first token (1 client, streamed)",
        format!("+{:.3} ms p50, +{:.3} ms p99", t50 - d50, t99 - d99),
        format!(
            "through clauded {t50:.3} / {t99:.3} ms, upstream directly {d50:.3} / {d99:.3} ms (p50 / p99 of {TTFT_SAMPLES} each)"
        ),
    );
    drop(http);
    server.stop(ctx).await
}

/// Mean latency of non-stream `POST /v1/messages` straight to the fake upstream.
async fn direct_latency(ctx: &Ctx, clients: usize, each: usize) -> Result<f64> {
    let http = client()?;
    let url = Url::parse(&format!("{}/v1/messages", ctx.upstream.url))?;
    let mut set = JoinSet::new();
    for _ in 0..clients {
        let (http, url, body) = (http.clone(), url.clone(), upstream_body(false));
        set.spawn(async move {
            let mut total = Duration::ZERO;
            for i in 0..each + 10 {
                let t = Instant::now();
                let answer = post(&http, &url, body.clone()).await?;
                if i >= 10 {
                    total += t.elapsed();
                }
                if !contains(&answer, ANSWER.as_bytes()) {
                    return Err(fail!("the fake upstream answered {}", shown(&answer)));
                }
            }
            Ok::<Duration, Failure>(total)
        });
    }
    let mut total = Duration::ZERO;
    while let Some(r) = set.join_next().await {
        total += r??;
    }
    Ok(ms(total) / (clients * each) as f64)
}

/// Turns per conversation in the session-mode rows: a conversation of ten turns, then the
/// next one (a session that grows without end is its own row).
const CONVERSATION_TURNS: u64 = 10;

async fn session(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let home = tempfile::tempdir()?;
    let server = Server::start(ctx, home.path()).await?;
    let (http, url) = (client()?, server.url("/v1/chat/completions")?);
    for _ in 0..20 {
        let body = chat_body(false, &[("session_id", "load-warm")], "hi");
        chat(&http, &url, body, false).await?;
    }
    // (clients, grows): conversations of CONVERSATION_TURNS turns, or one session per client
    // whose history grows by a turn per request for the whole phase
    for (clients, grows) in [(1, false), (SESSION_CLIENTS, false), (1, true)] {
        let direct = direct_latency(ctx, clients, 300).await?;
        let (http, url) = (http.clone(), url.clone());
        let rate = run_load(
            server.pid,
            clients,
            Duration::ZERO,
            ctx.settings.secs,
            move |c, n| {
                let id = if grows {
                    format!("load-grow-{c}")
                } else {
                    format!("load-{clients}-{c}-{}", n / CONVERSATION_TURNS)
                };
                let body = chat_body(false, &[("session_id", id.as_str())], "hi");
                let (http, url) = (http.clone(), url.clone());
                async move { chat(&http, &url, body, false).await }
            },
        )
        .await?;
        let label = match (clients, grows) {
            (1, true) => "session mode, 1 client on one growing session".to_owned(),
            (1, false) => {
                format!("session mode, 1 client, conversations of {CONVERSATION_TURNS} turns")
            }
            _ => format!(
                "session mode, {clients} clients, conversations of {CONVERSATION_TURNS} turns"
            ),
        };
        let history = if grows {
            format!(
                "~{} turns of history at the end",
                rate.done / clients as u64
            )
        } else {
            format!("{} new sessions", rate.done.div_ceil(CONVERSATION_TURNS))
        };
        push(
            rows,
            label,
            format!(
                "{:.0} turns/s, +{:.2} ms/turn",
                rate.per_sec(),
                rate.mean_ms() - direct
            ),
            format!(
                "mean {:.2} ms vs {direct:.3} ms upstream directly; {history}; {:.0} µs CPU/turn; {}",
                rate.mean_ms(),
                rate.cpu_per_req_us(),
                rate.usage()
            ),
        );
    }
    drop(http);
    server.stop(ctx).await
}

/// Project-mode requests per second: each one a new session in the project.
async fn project_rate(ctx: &Ctx, server: &Server, phase: &'static str) -> Result<Rate> {
    let (http, url) = (client()?, server.url("/v1/chat/completions")?);
    run_load(
        server.pid,
        PROJECT_CLIENTS,
        WARMUP,
        ctx.settings.secs,
        move |c, n| {
            let id = format!("load-{phase}-{c}-{n}");
            let body = chat_body(
                false,
                &[("project_id", PROJECT), ("session_id", id.as_str())],
                "hi",
            );
            let (http, url) = (http.clone(), url.clone());
            async move { chat(&http, &url, body, false).await }
        },
    )
    .await
}

/// Adds `n` sessions to the project (one through the library, the rest in one transaction
/// copied from it); the project's session count after.
async fn fill_project(db: &Path, n: usize) -> Result<u64> {
    let store = Store::open(db)?;
    store
        .open_session(&NewSession {
            id: Some("fill-0".into()),
            project_id: Some(PROJECT.into()),
            model: MODEL.into(),
            source: "api".into(),
            ..Default::default()
        })
        .await?;
    drop(store);
    let db = db.to_owned();
    tokio::task::spawn_blocking(move || -> Result<u64> {
        let mut conn = rusqlite::Connection::open(db)?;
        let (project, model, source, owner): (String, String, String, String) = conn.query_row(
            "SELECT project_id, model, source, owner FROM sessions WHERE id = 'fill-0'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let at = clauded::store::now();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO sessions (id, project_id, model, source, created_at, updated_at, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
            )?;
            for i in 1..n {
                insert.execute(rusqlite::params![
                    format!("fill-{i}"),
                    project,
                    model,
                    source,
                    at,
                    owner
                ])?;
            }
        }
        tx.commit()?;
        let count: i64 = conn.query_row(
            "SELECT count(*) FROM sessions WHERE project_id = ?1",
            [&project],
            |r| r.get(0),
        )?;
        Ok(count as u64)
    })
    .await?
}

async fn project(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let home = tempfile::tempdir()?;
    let server = Server::start(ctx, home.path()).await?;
    let start = project_rate(ctx, &server, "start").await?;
    push(
        rows,
        format!("project mode, a new session per request ({PROJECT_CLIENTS} clients), new project"),
        format!("{:.0} req/s", start.per_sec()),
        format!(
            "mean {:.2} ms; {:.0} µs CPU/req; {}",
            start.mean_ms(),
            start.cpu_per_req_us(),
            start.usage()
        ),
    );
    server.stop(ctx).await?;
    let n = ctx.settings.project_sessions;
    eprintln!("load: adding {n} sessions to the project");
    let t = Instant::now();
    let held = fill_project(&home.path().join("clauded.db"), n).await?;
    eprintln!(
        "load: {held} sessions in the project ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let server = Server::start(ctx, home.path()).await?;
    let grown = project_rate(ctx, &server, "grown").await?;
    push(
        rows,
        format!("project mode, same, the project holding {held} sessions"),
        format!(
            "{:.0} req/s ({:.0}% of the new project's)",
            grown.per_sec(),
            100.0 * grown.per_sec() / start.per_sec()
        ),
        format!(
            "mean {:.2} ms; {:.0} µs CPU/req; {}",
            grown.mean_ms(),
            grown.cpu_per_req_us(),
            grown.usage()
        ),
    );
    server.stop(ctx).await
}

async fn streams(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let k = ctx.settings.streams;
    // each stream: the client's socket and the upstream's here, clauded's two there
    raise_nofile(2 * k as u64 + 1024)?;
    let home = tempfile::tempdir()?;
    let server = Server::start(ctx, home.path()).await?;
    let (http, url) = (client()?, server.url("/v1/chat/completions")?);
    for _ in 0..20 {
        chat(&http, &url, chat_body(true, &[], "hi"), true).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (idle, idle_fds) = (rss_kib(server.pid)? as i64, fd_count(server.pid));
    let (close, closed) = watch::channel(false);
    let (gate, opened) = (Arc::new(Semaphore::new(64)), Arc::new(AtomicUsize::new(0)));
    let hold = chat_body(true, &[], HOLD);
    let mut set = JoinSet::new();
    let t = Instant::now();
    for _ in 0..k {
        let (req, gate, opened) = (
            request(&http, &url, hold.clone()),
            gate.clone(),
            opened.clone(),
        );
        let mut closed = closed.clone();
        set.spawn(async move {
            let permit = gate.acquire_owned().await?;
            let mut r = status_ok(req.send().await?).await?;
            let mut seen = Vec::new();
            while !contains(&seen, br#""Hello""#) {
                match tokio::time::timeout(Duration::from_secs(60), r.chunk()).await {
                    Ok(Ok(Some(c))) => seen.extend_from_slice(&c),
                    Ok(Ok(None)) => {
                        return Err(fail!("a held stream ended early: {}", shown(&seen)));
                    }
                    Ok(Err(e)) => return Err(e.into()),
                    Err(_) => return Err(fail!("no first delta in 60 s: {}", shown(&seen))),
                }
            }
            drop(permit);
            opened.fetch_add(1, Relaxed);
            let _ = closed.wait_for(|c| *c).await;
            drop(r);
            Ok::<(), Failure>(())
        });
    }
    while opened.load(Relaxed) < k {
        if t.elapsed() > Duration::from_secs(300) {
            return Err(fail!(
                "only {} of {k} streams opened in 300 s",
                opened.load(Relaxed)
            ));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            Some(r) = set.join_next() => return Err(ended_early(r)),
        }
    }
    let open_secs = t.elapsed().as_secs_f64();
    let (open, open_fds) = (rss_kib(server.pid)? as i64, fd_count(server.pid));
    close.send_replace(true);
    while let Some(r) = set.join_next().await {
        r??;
    }
    ctx.upstream.release_held();
    tokio::time::sleep(ctx.settings.settle).await;
    let (after, after_fds) = (rss_kib(server.pid)? as i64, fd_count(server.pid));
    let fds = |n: Option<usize>| n.map_or("n/a".to_owned(), |n| n.to_string());
    push(
        rows,
        format!("memory per open SSE stream ({k} streams held open)"),
        format!("{:.1} KiB/stream", (open - idle) as f64 / k as f64),
        format!(
            "RSS idle {:.1} MiB, with {k} open {:.1} MiB (+{:.1} MiB); all open in {open_secs:.1} s; server fds {} → {}",
            mib(idle),
            mib(open),
            mib(open - idle),
            fds(idle_fds),
            fds(open_fds)
        ),
    );
    push(
        rows,
        format!(
            "memory after the burst ({} s after closing)",
            ctx.settings.settle.as_secs()
        ),
        format!("{:+.1} MiB over idle", mib(after - idle)),
        format!(
            "RSS {:.1} MiB ({:.0}% of the streams' growth kept); server fds {}",
            mib(after),
            100.0 * (after - idle) as f64 / (open - idle).max(1) as f64,
            fds(after_fds)
        ),
    );
    drop(http);
    server.stop(ctx).await
}

/// The replay's session with `n` events (as an agent run stores them); its last event's id and
/// the mean size of an event's data.
async fn fill_events(db: &Path, n: usize) -> Result<(i64, f64)> {
    let store = Store::open(db)?;
    store
        .create_session(&NewSession {
            id: Some(REPLAY_SESSION.into()),
            title: "load replay".into(),
            model: MODEL.into(),
            source: "run".into(),
            ..Default::default()
        })
        .await?;
    let at = clauded::store::now();
    let first = store
        .append_event(
            REPLAY_SESSION,
            "assistant",
            &json!({"type":"assistant","n":0,"text":REPLAY_TEXT,"timestamp":at}),
        )
        .await?;
    store
        .set_session_status(REPLAY_SESSION, "completed")
        .await?;
    drop(store);
    let db = db.to_owned();
    tokio::task::spawn_blocking(move || -> Result<(i64, f64)> {
        let mut conn = rusqlite::Connection::open(db)?;
        let session: String = conn.query_row("SELECT session_id FROM events WHERE id = ?1", [first], |r| r.get(0))?;
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO events (session_id, kind, data, created_at) VALUES (?1, ?2, ?3, ?4)")?;
            for i in 1..n {
                let (kind, data) = if i + 1 == n {
                    ("completed", format!(r#"{{"type":"completed","n":{i},"timestamp":"{at}"}}"#))
                } else {
                    ("assistant", format!(r#"{{"type":"assistant","n":{i},"text":"{REPLAY_TEXT}","timestamp":"{at}"}}"#))
                };
                insert.execute(rusqlite::params![session, kind, data, at])?;
            }
        }
        tx.commit()?;
        let (count, last, bytes): (i64, i64, f64) = conn.query_row(
            "SELECT count(*), max(id), avg(length(data)) FROM events WHERE session_id = ?1",
            [&session],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if count != n as i64 {
            return Err(fail!("stored {count} events, not {n}"));
        }
        Ok((last, bytes))
    })
    .await?
}

/// One replay's timings.
struct Replay {
    first_byte: Duration,
    total: Duration,
    /// Over the transfer (not the checks after it).
    cpu: CpuUse,
}

/// `GET /api/sessions/{id}/events/stream` to its end: every stored event (`id:` lines) and
/// the closing `completed`.
async fn replay_sse(http: reqwest::Client, url: Url, pid: u32) -> Result<Replay> {
    const ID: &[u8] = b"\nid: ";
    let (t, clock) = (Instant::now(), CpuClock::start(pid)?);
    let mut r = status_ok(http.get(url).send().await?).await?;
    let (mut first, mut ids) = (None, 0);
    // what is scanned keeps the last 4 bytes of the chunk before: an `id:` line split
    // between chunks is counted once; `end` is the stream's last bytes
    let (mut scan, mut end) = (b"\n".to_vec(), Vec::new());
    while let Some(c) = r.chunk().await? {
        first.get_or_insert_with(|| t.elapsed());
        scan.extend_from_slice(&c);
        ids += scan.windows(ID.len()).filter(|w| *w == ID).count();
        scan.drain(..scan.len() - (ID.len() - 1).min(scan.len()));
        end.extend_from_slice(&c);
        end.drain(..end.len().saturating_sub(256));
    }
    let (total, cpu) = (t.elapsed(), clock.read()?);
    if ids != REPLAY_EVENTS || !contains(&end, br#""type":"completed""#) {
        return Err(fail!(
            "the SSE replay sent {ids} events of {REPLAY_EVENTS}, ending {}",
            shown(&end)
        ));
    }
    Ok(Replay {
        first_byte: first.unwrap_or(total),
        total,
        cpu,
    })
}

/// `GET /api/sessions/{id}/events` to its end, parsed and counted after the clock stops.
async fn replay_json(http: &reqwest::Client, url: Url, pid: u32) -> Result<Replay> {
    let (t, clock) = (Instant::now(), CpuClock::start(pid)?);
    let mut r = status_ok(http.get(url).send().await?).await?;
    let (mut first, mut body) = (None, Vec::new());
    while let Some(c) = r.chunk().await? {
        first.get_or_insert_with(|| t.elapsed());
        body.extend_from_slice(&c);
    }
    let (total, cpu) = (t.elapsed(), clock.read()?);
    let listed: Value = serde_json::from_slice(&body).map_err(|e| {
        fail!(
            "the JSON replay is not JSON ({e}), ending {}",
            shown(&body[body.len().saturating_sub(300)..])
        )
    })?;
    let n = listed["data"]["events"].as_array().map_or(0, Vec::len);
    if n != REPLAY_EVENTS || listed["data"]["total"] != json!(REPLAY_EVENTS) {
        return Err(fail!(
            "the JSON replay listed {n} events of {REPLAY_EVENTS} (total {})",
            listed["data"]["total"]
        ));
    }
    Ok(Replay {
        first_byte: first.unwrap_or(total),
        total,
        cpu,
    })
}

/// A fresh server over the stored events, warmed with a short read; its RSS then.
async fn replay_server(
    ctx: &Ctx,
    home: &Path,
    last: i64,
) -> Result<(Server, reqwest::Client, i64)> {
    let server = Server::start(ctx, home).await?;
    let http = client()?;
    let warm = server.url(&format!(
        "/api/sessions/{REPLAY_SESSION}/events?after={}",
        last - 5
    ))?;
    let body = status_ok(http.get(warm).send().await?)
        .await?
        .bytes()
        .await?;
    let listed: Value = serde_json::from_slice(&body)?;
    if listed["data"]["events"].as_array().map_or(0, Vec::len) != 5 {
        return Err(fail!("the warm-up read answered {}", shown(&body)));
    }
    let rss = rss_kib(server.pid)? as i64;
    Ok((server, http, rss))
}

async fn replay(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let home = tempfile::tempdir()?;
    eprintln!("load: storing {REPLAY_EVENTS} events");
    let (last, bytes) = fill_events(&home.path().join("clauded.db"), REPLAY_EVENTS).await?;
    let stream_path = format!("/api/sessions/{REPLAY_SESSION}/events/stream");
    let list_path = format!("/api/sessions/{REPLAY_SESSION}/events");
    for json in [false, true] {
        let (server, http, before) = replay_server(ctx, home.path(), last).await?;
        let sampler = RssSampler::start(server.pid);
        let r = if json {
            replay_json(&http, server.url(&list_path)?, server.pid).await?
        } else {
            replay_sse(http.clone(), server.url(&stream_path)?, server.pid).await?
        };
        let peak = sampler.peak_kib() as i64;
        push(
            rows,
            format!(
                "replay of {REPLAY_EVENTS} stored events, {}, 1 client",
                if json { "JSON" } else { "SSE" }
            ),
            format!(
                "{:.0} events/s, +{:.1} MiB peak RSS, first byte {:.1} ms",
                REPLAY_EVENTS as f64 / r.total.as_secs_f64(),
                mib(peak - before),
                ms(r.first_byte)
            ),
            format!(
                "{:.2} s in all; RSS before {:.1} MiB; events of {bytes:.0} B as stored; {}",
                r.total.as_secs_f64(),
                mib(before),
                r.cpu
            ),
        );
        drop(http);
        server.stop(ctx).await?;
    }
    let (server, http, before) = replay_server(ctx, home.path(), last).await?;
    let (sampler, clock) = (RssSampler::start(server.pid), CpuClock::start(server.pid)?);
    let mut set = JoinSet::new();
    for _ in 0..REPLAY_CLIENTS {
        set.spawn(replay_sse(
            http.clone(),
            server.url(&stream_path)?,
            server.pid,
        ));
    }
    let mut replays = Vec::new();
    while let Some(r) = set.join_next().await {
        replays.push(r??);
    }
    let (peak, cpu) = (sampler.peak_kib() as i64, clock.read()?);
    let slowest_first = replays
        .iter()
        .map(|r| r.first_byte)
        .max()
        .unwrap_or_default();
    push(
        rows,
        format!("{REPLAY_CLIENTS} concurrent SSE replays of {REPLAY_EVENTS} events"),
        format!("+{:.1} MiB peak RSS", mib(peak - before)),
        format!(
            "{:.2} s for all, {:.0} events/s together; slowest first byte {:.1} ms; RSS before {:.1} MiB; {cpu}",
            cpu.secs,
            (REPLAY_CLIENTS * REPLAY_EVENTS) as f64 / cpu.secs,
            ms(slowest_first),
            mib(before)
        ),
    );
    drop(http);
    server.stop(ctx).await
}

/// Mean wall time of fork, exec and wait of `program args`.
fn mean_spawn(program: &Path, args: &[&str]) -> Result<Duration> {
    let spawn = || -> Result<()> {
        let status = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(fail!("{} {args:?} exited with {status}", program.display()))
        }
    };
    spawn()?;
    let t = Instant::now();
    for _ in 0..SPAWNS {
        spawn()?;
    }
    Ok(t.elapsed() / SPAWNS)
}

async fn version_cost(ctx: &Ctx, rows: &mut Vec<Row>) -> Result<()> {
    let bin = ctx.settings.bin.clone();
    let truth = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| fail!("no /bin/true"))?;
    let (ours, baseline) = tokio::task::spawn_blocking(move || {
        Ok::<_, Failure>((mean_spawn(&bin, &["--version"])?, mean_spawn(&truth, &[])?))
    })
    .await??;
    push(
        rows,
        format!("`clauded --version` vs `/bin/true` ({SPAWNS} spawns each)"),
        format!("{:.2} ms vs {:.2} ms", ms(ours), ms(baseline)),
        "mean of fork, exec and wait from the harness".into(),
    );
    Ok(())
}

// ---- the report -----------------------------------------------------------------------------

fn render(ctx: &Ctx, version: &str, rows: &[Row]) -> String {
    let s = &ctx.settings;
    let list = |cpus: &[usize]| {
        cpus.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let server_cpus = ctx
        .server_cpus
        .lock()
        .expect("the CPU lock is never poisoned")
        .clone();
    let pinning = match &ctx.pinning.server_cpu {
        None => "none (no CPU affinity available)".to_owned(),
        Some(cpu) => format!(
            "server on CPU {cpu} ({}; /proc says {}), harness on {} ({} CPUs online)",
            ctx.pinning.server_how,
            server_cpus.as_deref().unwrap_or("?"),
            if ctx.pinning.harness.is_empty() {
                "the same CPUs, unpinned".to_owned()
            } else {
                format!("CPU {} (sched_setaffinity)", list(&ctx.pinning.harness))
            },
            // SAFETY: sysconf reads a constant of the system
            unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }
        ),
    };
    let date = jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string();
    let only: Vec<_> = s.only.iter().map(|m| m.name()).collect();
    let mut out = vec![
        "## `clauded serve` under load".to_owned(),
        String::new(),
        format!("- date: {date}"),
        format!("- binary: `{}`", s.bin.display()),
        format!("- version: {version}"),
        format!("- pinning: {pinning}"),
        format!(
            "- settings: LOAD_ONLY={} LOAD_SECS={} LOAD_STREAMS={} LOAD_PROJECT_SESSIONS={} LOAD_SETTLE_SECS={}",
            only.join(","),
            s.secs,
            s.streams,
            s.project_sessions,
            s.settle.as_secs()
        ),
        String::new(),
        "| measure | result | detail |".to_owned(),
        "|---|---|---|".to_owned(),
    ];
    out.extend(
        rows.iter()
            .map(|r| format!("| {} | {} | {} |", r.measure, r.result, r.detail)),
    );
    out.push(String::new());
    let st = &ctx.upstream.stats;
    out.push(format!(
        "Fake upstream: {} answers, {} held streams ({} finished when released, {} closed by clauded first), {} unexpected requests.",
        st.messages.load(Relaxed),
        st.held.load(Relaxed),
        st.held_released.load(Relaxed),
        st.held_closed.load(Relaxed),
        st.unexpected.load(Relaxed)
    ));
    let log = ctx.log.0.lock().expect("the log lock is never poisoned");
    out.push(format!(
        "Server log: {} warning or error lines.",
        log.warnings
    ));
    out.extend(log.first_warnings.iter().map(|w| format!("    {w}")));
    for note in ctx
        .notes
        .lock()
        .expect("the notes lock is never poisoned")
        .iter()
    {
        out.push(format!("Note: {note}."));
    }
    out.push(String::new());
    out.join("\n")
}

async fn run(settings: Settings, pinning: Pinning) -> Result<()> {
    clauded::anthropic::init_tls();
    let output = Command::new(&settings.bin)
        .arg("--version")
        .output()
        .map_err(|e| fail!("cannot run {}: {e}", settings.bin.display()))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    eprintln!("load: {version} at {}", settings.bin.display());
    let ctx = Ctx {
        settings,
        pinning,
        upstream: Upstream::start().await?,
        log: Arc::default(),
        notes: Mutex::default(),
        server_cpus: Mutex::default(),
    };
    let mut rows = Vec::new();
    for &m in &ctx.settings.only {
        eprintln!("load: {} …", m.name());
        let t = Instant::now();
        match m {
            Measure::Stateless => stateless(&ctx, &mut rows).await,
            Measure::Ttft => ttft(&ctx, &mut rows).await,
            Measure::Session => session(&ctx, &mut rows).await,
            Measure::Project => project(&ctx, &mut rows).await,
            Measure::Streams => streams(&ctx, &mut rows).await,
            Measure::Replay => replay(&ctx, &mut rows).await,
            Measure::Version => version_cost(&ctx, &mut rows).await,
        }
        .map_err(|e| {
            fail!(
                "{}: {}\nthe server's log ends:\n{}",
                m.name(),
                e.0,
                ctx.log.tail()
            )
        })?;
        eprintln!(
            "load: {} done in {:.1} s",
            m.name(),
            t.elapsed().as_secs_f64()
        );
    }
    let report = render(&ctx, &version, &rows);
    print!("{report}");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    std::fs::create_dir_all(&target)?;
    let file = target.join("load-report.md");
    std::fs::write(&file, report)?;
    eprintln!("load: the table is in {}", file.display());
    Ok(())
}

fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("load: {}", e.0);
            return ExitCode::from(2);
        }
    };
    // before any other thread exists, so that all of them inherit it
    let pinning = pin_harness();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(pinning.harness.len().max(1))
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(settings, pinning)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: failed: {}", e.0);
            ExitCode::FAILURE
        }
    }
}
