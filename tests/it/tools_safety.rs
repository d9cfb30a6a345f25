//! The built-in tools' safety against a real `clauded serve` process: bash's environment, its
//! output held in memory, confinement, and tool processes dying with the daemon.

use crate::support::Home;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SERVER_TOKEN: &str = "srv-token-do-not-leak-0001";

/// `clauded serve` on port 0 over a home, with our secrets in its environment.
struct Daemon {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

impl Daemon {
    fn start(h: &Home) -> Self {
        let mut child = h
            .cmd(&["serve", "--port", "0"])
            .env("GITHUB_TOKEN", "ghp_do_not_leak_0123456789")
            .env("CLAUDED_SERVER_TOKEN", SERVER_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            assert!(
                err.read_line(&mut line).unwrap() > 0,
                "serve exited early: {seen}"
            );
            seen.push_str(&line);
            if let Some(rest) = line.trim().split("listening on ").nth(1) {
                break rest.to_owned();
            }
        };
        let stderr = Arc::new(Mutex::new(seen));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        clauded::anthropic::init_tls();
        Self {
            child,
            url,
            stderr,
            http: reqwest::Client::new(),
        }
    }

    /// Runs the built-in bash tool through `POST /v1/tools/execute`; the route's JSON answer.
    async fn bash(&self, command: &str) -> Value {
        let req = self
            .http
            .post(format!("{}/v1/tools/execute", self.url))
            .json(&json!({"tool_name": "bash__bash", "arguments": {"command": command}}))
            .timeout(Duration::from_secs(120));
        let (status, body) = self.send(req).await;
        assert_eq!(status, 200, "{}", self.stderr());
        body
    }

    /// The daemon's peak resident memory so far (`VmHWM`), in bytes.
    fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb * 1024
    }

    /// A request to the daemon with its token; the status and the JSON answer.
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let r = req.bearer_auth(SERVER_TOKEN).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// What the daemon wrote to stderr so far.
    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tool's text, whether it succeeded or not.
fn text(r: &Value) -> String {
    r["result"]
        .as_str()
        .or(r["error"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_gets_a_clean_environment_without_our_secrets() {
    let h = Home::new();
    let d = Daemon::start(&h);
    let r = d.bash("env").await;
    let env = text(&r);
    assert_eq!(r["success"], json!(true), "{r}");
    for secret in [
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "CLAUDED_SERVER_TOKEN",
        "sk-ant-test",
        "ghp_do_not_leak",
        SERVER_TOKEN,
    ] {
        assert!(!env.contains(secret), "{secret} reached bash:\n{env}");
    }
    for name in ["PATH=", "HOME=", "PWD=", "TMPDIR="] {
        assert!(env.contains(&format!("\n{name}")), "no {name} in:\n{env}");
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_output_is_capped_while_it_is_read() {
    let h = Home::new();
    let d = Daemon::start(&h);
    // warm up: the first call makes the tool's folders and the connection
    assert_eq!(d.bash("true").await["success"], json!(true));
    let before = d.peak_rss();
    let r = d
        .bash("head -c 300000000 /dev/zero | tr '\\0' a; echo; echo the end")
        .await;
    let after = d.peak_rss();
    let grew = after.saturating_sub(before);
    eprintln!(
        "VmHWM {} MiB -> {} MiB (+{} KiB) for 300 MB of output",
        before >> 20,
        after >> 20,
        grew >> 10
    );
    assert!(grew < 64 << 20, "the daemon grew by {} MiB", grew >> 20);
    let out = text(&r);
    assert!(
        out.contains("more bytes cut"),
        "{}",
        &out[..200.min(out.len())]
    );
    assert!(out.contains("the end"), "the tail is kept");
    assert!(out.len() < 200 * 1024, "{} bytes came back", out.len());
}

/// Whether `pid` still runs (a zombie has ended: only its parent, or init, has yet to reap it).
#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

#[cfg(target_os = "linux")]
async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_processes_die_with_the_daemon_and_its_leftovers_at_the_next_start() {
    let h = Home::new();
    let mut d = Daemon::start(&h);
    let pids_file = h.path().join("workspaces/scratch/pids");
    let records = h.path().join("tool-groups");
    let call = {
        let (http, url) = (d.http.clone(), d.url.clone());
        tokio::spawn(async move {
            let body = json!({"tool_name": "bash__bash", "arguments": {"command":
                "sleep 300 & echo $! >> pids.tmp; sleep 301 & echo $! >> pids.tmp; echo $$ >> pids.tmp; mv pids.tmp pids; wait"}});
            let _ = http
                .post(format!("{url}/v1/tools/execute"))
                .bearer_auth(SERVER_TOKEN)
                .json(&body)
                .send()
                .await;
        })
    };
    until("the command starts", Duration::from_secs(20), || {
        pids_file.exists()
    })
    .await;
    let pids: Vec<u32> = std::fs::read_to_string(&pids_file)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let (jobs, bash) = (&pids[..2], pids[2]);
    assert_eq!(
        std::fs::read_dir(&records).unwrap().count(),
        1,
        "the group is recorded while it runs"
    );

    // SAFETY: signals the daemon we started.
    unsafe { libc::kill(d.child.id() as i32, libc::SIGKILL) };
    d.child.wait().unwrap();
    call.abort();
    until(
        "bash dies with the daemon (PDEATHSIG)",
        Duration::from_secs(5),
        || !running(bash),
    )
    .await;
    assert!(
        jobs.iter().all(|p| running(*p)),
        "its background jobs are out of PDEATHSIG's reach"
    );

    let d2 = Daemon::start(&h);
    until(
        "the next start kills the dead daemon's groups",
        Duration::from_secs(10),
        || jobs.iter().all(|p| !running(*p)),
    )
    .await;
    assert_eq!(
        std::fs::read_dir(&records).unwrap().count(),
        0,
        "and forgets them"
    );
    assert!(
        d2.stderr().contains("killed tool process group"),
        "{}",
        d2.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_writes_only_inside_the_root_and_its_temp_dir_where_landlock_is_available() {
    let h = Home::new();
    let d = Daemon::start(&h);
    // the root is <home>/workspaces/scratch: the home itself is outside it
    let outside = h.path().join("outside.txt");
    // and the system's temp dir is not bash's own
    let system_tmp = std::env::temp_dir().join(format!("clauded-outside-{}", std::process::id()));
    let command = format!(
        "echo in > in.txt && echo t > \"$TMPDIR/t\" && cat /etc/passwd > /dev/null && echo reads-ok; echo out > {}; echo out > {}",
        outside.display(),
        system_tmp.display()
    );
    let first = text(&d.bash(&command).await);
    let second = text(&d.bash(&command).await);
    assert!(
        first.contains("reads-ok") && second.contains("reads-ok"),
        "{first}"
    );
    assert!(h.path().join("workspaces/scratch/in.txt").exists());
    let status = clauded::builtin::sandbox::status();
    eprintln!("sandbox: {}", status.describe());
    if status.confined() {
        assert!(
            !outside.exists() && !system_tmp.exists(),
            "a write outside the root landed:\n{first}"
        );
        assert_eq!(first.matches("Permission denied").count(), 2, "{first}");
    } else {
        let _ = std::fs::remove_file(&system_tmp);
        assert!(outside.exists());
        assert_eq!(
            d.stderr().matches("bash runs unconfined").count(),
            1,
            "said once: {}",
            d.stderr()
        );
    }
}

/// The processes of group `pgid` that still run.
#[cfg(target_os = "linux")]
fn group_members(pgid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map(|(_, r)| r.split_whitespace().collect())
                .unwrap_or_default();
            fields.get(2) == Some(&pgid.to_string().as_str()) && fields.first() != Some(&"Z")
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_server_dies_with_the_daemon_and_what_it_left_at_the_next_start() {
    let h = Home::new();
    let mut d = Daemon::start(&h);
    let script = format!(
        "sleep 300 & exec {} --local-timezone UTC",
        crate::support::time_server().display()
    );
    let (st, row) = d
        .send(
            d.http
                .post(format!("{}/v1/mcp/servers", d.url))
                .json(&json!({"name": "time", "command": "sh", "args": ["-c", script]})),
        )
        .await;
    assert_eq!(st, 201, "{row}");
    let id = row["id"].as_str().unwrap();
    let (st, tools) = d
        .send(d.http.get(format!("{}/v1/mcp/servers/{id}/tools", d.url)))
        .await;
    assert_eq!(st, 200, "{tools}");

    let records: Vec<_> = std::fs::read_dir(h.path().join("tool-groups"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    let pgid: u32 = records[0]
        .lines()
        .find_map(|l| l.strip_prefix("group "))
        .and_then(|g| g.split_whitespace().next()?.parse().ok())
        .unwrap();
    let members = group_members(pgid);
    assert!(members.contains(&pgid) && members.len() == 2, "{members:?}");

    // SAFETY: signals the daemon we started.
    unsafe { libc::kill(d.child.id() as i32, libc::SIGKILL) };
    d.child.wait().unwrap();
    until(
        "the server dies with the daemon",
        Duration::from_secs(5),
        || !running(pgid),
    )
    .await;
    assert_eq!(group_members(pgid).len(), 1, "its sleep is left");

    let _d2 = Daemon::start(&h);
    until("the next start ends it", Duration::from_secs(10), || {
        group_members(pgid).is_empty()
    })
    .await;
}

/// `cmd` run as the unprivileged user `nobody` (65534) by `setpriv`, with its environment.
#[cfg(target_os = "linux")]
fn as_nobody(cmd: &std::process::Command) -> std::process::Command {
    let mut c = std::process::Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    if let Some(d) = cmd.get_current_dir() {
        c.current_dir(d);
    }
    c
}

#[cfg(target_os = "linux")]
#[test]
fn the_daemons_environment_is_closed_to_other_processes_of_its_user() {
    // SAFETY: geteuid only reads the process's credentials.
    let root = unsafe { libc::geteuid() } == 0;
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !root || !setpriv {
        eprintln!("SKIPPED: needs root and setpriv to run the daemon as another user");
        return;
    }
    let h = Home::new();
    let chown = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(h.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let mut serve = h.cmd(&["serve", "--port", "0"]);
    serve.env("CLAUDED_SERVER_TOKEN", SERVER_TOKEN);
    let mut daemon = as_nobody(&serve)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(daemon.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("listening on ") {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "serve exited: {seen}"
        );
        seen.push_str(&line);
    }
    // the same user's plain process, for comparison: its environment is open to the user
    let mut sleeper = std::process::Command::new("sleep");
    sleeper.arg("60").env("CLAUDED_SERVER_TOKEN", SERVER_TOKEN);
    let mut plain = as_nobody(&sleeper).spawn().unwrap();
    let read = |pid: u32, what: &str| {
        let mut cat = std::process::Command::new("cat");
        cat.arg(format!("/proc/{pid}/{what}"));
        as_nobody(&cat).output().unwrap()
    };
    std::thread::sleep(Duration::from_millis(100));
    let open = read(plain.id(), "environ");
    assert!(
        String::from_utf8_lossy(&open.stdout).contains(SERVER_TOKEN),
        "the control cannot be read: {open:?}"
    );
    for what in ["environ", "mem", "maps"] {
        let closed = read(daemon.id(), what);
        assert!(!closed.status.success(), "{what} was read: {closed:?}");
        assert!(!String::from_utf8_lossy(&closed.stdout).contains(SERVER_TOKEN));
        assert!(
            String::from_utf8_lossy(&closed.stderr).contains("Permission denied"),
            "{what}: {closed:?}"
        );
    }
    // what `ps` and the tool registry read stays readable
    assert!(read(daemon.id(), "stat").status.success());
    let _ = plain.kill();
    let _ = daemon.kill();
    let _ = (plain.wait(), daemon.wait());
}
