//! `clauded doctor`: one screen of what a user would otherwise debug by hand (configuration,
//! the key against the real API, the database, the port, git, the keyring, the server key,
//! Landlock, MCP servers, the GitHub token), each line ok, warn or fail with the fix. Exit 1 on
//! a failure.

use crate::anthropic::Client;
use crate::config::{Config, DotEnv, Env, KeyringMode, Overrides, Paths, ServerKeySource};
use crate::engine::tools::ToolHost;
use crate::error::{Error, Result};
use crate::secrets::{self, Backend, Secrets};
use crate::store::Database;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// `clauded doctor` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
    /// Seconds each network check and each MCP server may take.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Works.
    Ok,
    /// Works, with a limit worth knowing.
    Warn,
    /// Broken: the fix says what to do.
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked (`key`, `database`, `mcp:NAME`, ...).
    pub name: String,
    /// How it came out.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it, when something is to be done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The whole report, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct Report {
    /// No check failed.
    pub ok: bool,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

fn check(name: &str, status: Status, detail: impl Into<String>, fix: Option<String>) -> Check {
    Check {
        name: name.to_owned(),
        status,
        detail: detail.into(),
        fix,
    }
}

/// Runs `clauded doctor`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    // ./.env is read only when named: the key check sends the key to ANTHROPIC_BASE_URL, and a
    // repository's .env could point that elsewhere (see `ask`)
    let env = Env::from_process(&g.dotenv(DotEnv::Skip))?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let checks = diagnose(&env, timeout).await;
    let report = Report {
        ok: checks.iter().all(|c| c.status != Status::Fail),
        checks,
    };
    if args.json {
        super::output::print_json(&report)?;
    } else {
        print(&report);
    }
    let failed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    match failed {
        0 => Ok(()),
        1 => Err(Error::Other("1 check failed: see its fix above".into())),
        n => Err(Error::Other(format!(
            "{n} checks failed: see their fixes above"
        ))),
    }
}

fn print(report: &Report) {
    let width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for c in &report.checks {
        let tag = match c.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        println!("{tag}  {:<width$}  {}", c.name, c.detail);
        if let Some(fix) = &c.fix {
            println!("      {:<width$}  fix: {fix}", "");
        }
    }
}

/// Every check, in the order a person would look.
pub async fn diagnose(env: &Env, timeout: Duration) -> Vec<Check> {
    let mut out = Vec::new();
    if let Err(e) = Paths::resolve(env) {
        out.push(check(
            "config",
            Status::Fail,
            e.to_string(),
            Some("set HOME, or CLAUDED_HOME to a folder for clauded's files".into()),
        ));
        out.extend(local_checks());
        return out;
    }
    let config = match Config::load_from(env, &Overrides::default()) {
        Ok(c) => c,
        Err(e) => {
            out.push(check(
                "config",
                Status::Fail,
                e.to_string(),
                Some(
                    "correct the value it names (`clauded config show` prints each setting and its source)"
                        .into(),
                ),
            ));
            out.extend(local_checks());
            return out;
        }
    };
    out.push(config_check(env, &config));
    let secrets = Secrets::open(&config.paths, config.keyring);
    out.push(key_check(env, &secrets, &config, timeout).await);
    let db = match &config.database {
        Database::Postgres(url) => postgres_check(url, timeout).await,
        Database::Sqlite(path) => database_check(path),
    };
    let store_ok = db.status != Status::Fail;
    out.push(db);
    out.push(port_check(&config, timeout).await);
    out.extend(local_checks());
    out.push(keyring_check(&secrets, config.keyring));
    out.push(server_key_check(&config));
    if store_ok {
        out.extend(mcp_checks(&config, timeout).await);
    }
    out.push(github_check(env, &secrets, &config).await);
    out
}

/// The checks that need no configuration: git and Landlock.
fn local_checks() -> Vec<Check> {
    vec![git_check(), landlock_check()]
}

fn config_check(env: &Env, c: &Config) -> Check {
    let source = if env.get("CLAUDED_HOME").is_some_and(|h| !h.is_empty()) {
        "CLAUDED_HOME"
    } else if env.get("CLAUDE_CONFIG_DIR").is_some_and(|h| !h.is_empty()) {
        "CLAUDE_CONFIG_DIR"
    } else {
        "the default location"
    };
    let file = c.paths.config_file();
    let state = if file.exists() {
        "read"
    } else {
        "not present: built-in defaults"
    };
    let env_file = c
        .env_file
        .as_ref()
        .map(|f| format!("; env file {}", f.display()))
        .unwrap_or_default();
    check(
        "config",
        Status::Ok,
        format!("{} ({state}; from {source}){env_file}", file.display()),
        None,
    )
}

async fn key_check(env: &Env, secrets: &Secrets, c: &Config, timeout: Duration) -> Check {
    let (key, source) = match secrets::anthropic_key(env, secrets) {
        Ok(Some(k)) => k,
        Ok(None) => {
            return check(
                "key",
                Status::Fail,
                "no Anthropic API key",
                Some(
                    "set ANTHROPIC_API_KEY, or run `clauded auth login` (`serve` also runs without one: clients then send their own)"
                        .into(),
                ),
            );
        }
        Err(e) => {
            return check(
                "key",
                Status::Fail,
                format!("the stored key cannot be read: {e}"),
                Some("store it again with `clauded auth login`".into()),
            );
        }
    };
    let mut cfg = c.client_config(key);
    cfg.max_retries = 0;
    cfg.connect_timeout = timeout;
    cfg.idle_timeout = timeout;
    let listed = match Client::new(cfg) {
        Ok(client) => tokio::time::timeout(timeout, client.list_models()).await,
        Err(e) => {
            return check(
                "key",
                Status::Fail,
                format!("from {source}, but unusable: {e}"),
                Some("store the key again with `clauded auth login`".into()),
            );
        }
    };
    let base = &c.base_url;
    match listed {
        Ok(Ok(models)) => check(
            "key",
            Status::Ok,
            format!(
                "from {source}; GET {base}/v1/models answered with {} models",
                models.len()
            ),
            None,
        ),
        Ok(Err(crate::anthropic::Error::Api(e)))
            if matches!(e.status, Some(401 | 403))
                || e.kind == "authentication_error"
                || e.kind == "permission_error" =>
        {
            let fix = if matches!(source, crate::secrets::KeySource::Env { .. }) {
                "ANTHROPIC_API_KEY holds a wrong or revoked key: set a valid one (console.anthropic.com, API keys)"
            } else {
                "the stored key is wrong or revoked: store a valid one with `clauded auth login`"
            };
            check(
                "key",
                Status::Fail,
                format!(
                    "from {source}, refused by {base}: {} {}",
                    e.status.map(|s| s.to_string()).unwrap_or_default(),
                    e.kind
                ),
                Some(fix.into()),
            )
        }
        Ok(Err(e)) if e.is_transport() => check(
            "key",
            Status::Fail,
            format!("from {source}, but {e}"),
            Some("check the network, or ANTHROPIC_BASE_URL if you set one".into()),
        ),
        Ok(Err(e)) => check(
            "key",
            Status::Warn,
            format!("from {source}; GET {base}/v1/models failed: {e}"),
            Some("the key may still work for messages; try `clauded ask hi`".into()),
        ),
        Err(_) => check(
            "key",
            Status::Fail,
            format!(
                "from {source}, but {base} gave no answer within {} s",
                timeout.as_secs()
            ),
            Some("check the network, or ANTHROPIC_BASE_URL if you set one".into()),
        ),
    }
}

/// `postgres://user:secret@host:5432/db` as `host:5432/db`: never the password.
fn postgres_where(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.rsplit_once('@').map_or(rest, |(_, r)| r).to_owned()
}

/// Connects (without migrating) and compares the schema with this build's.
async fn postgres_check(url: &str, timeout: Duration) -> Check {
    let shown = postgres_where(url);
    let db = Database::Postgres(url.to_owned());
    let connected = tokio::time::timeout(timeout, async {
        let store = crate::store::Store::connect(&db, false).await;
        match store {
            Ok(s) => s.schema_version().await,
            // a schema behind or ahead is reported below, not as a failure to connect
            Err(crate::store::Error::Unmigrated { found, known }) => {
                Ok(crate::store::SchemaVersion { found, known })
            }
            Err(e) => Err(e),
        }
    })
    .await;
    match connected {
        Err(_) => check(
            "database",
            Status::Fail,
            format!("PostgreSQL {shown}: no answer in {} s", timeout.as_secs()),
            Some("check that the server runs and that this machine may reach it".into()),
        ),
        Ok(Err(e)) => check(
            "database",
            Status::Fail,
            format!("PostgreSQL {shown}: {e}"),
            Some(
                "check DATABASE_URL's host, port, user, password and sslmode, and that the database exists"
                    .into(),
            ),
        ),
        Ok(Ok(v)) if v.found > v.known => check(
            "database",
            Status::Fail,
            format!(
                "PostgreSQL {shown} has schema version {}, newer than this clauded ({})",
                v.found, v.known
            ),
            Some("upgrade clauded on this machine".into()),
        ),
        Ok(Ok(v)) if v.found < v.known => check(
            "database",
            Status::Warn,
            format!(
                "PostgreSQL {shown} has schema version {}, this clauded brings {}",
                v.found, v.known
            ),
            Some("`clauded db migrate` (or start `clauded serve`, which migrates)".into()),
        ),
        Ok(Ok(v)) => check(
            "database",
            Status::Ok,
            format!("PostgreSQL {shown}, schema version {}", v.found),
            None,
        ),
    }
}

fn database_check(path: &Path) -> Check {
    let shown = path.display();
    if !path.exists() {
        return check(
            "database",
            Status::Ok,
            format!("SQLite {shown} (not created yet: made on first use)"),
            None,
        );
    }
    // a clean reason for the usual failure first: SQLite only says "unable to open"
    if let Err(e) = std::fs::File::open(path) {
        let fix = if e.kind() == std::io::ErrorKind::PermissionDenied {
            format!(
                "make it readable and writable by this user (`sudo chown $(id -un) {shown}`), or run clauded as its owner"
            )
        } else {
            format!("check {shown} and the folder it is in")
        };
        return check(
            "database",
            Status::Fail,
            format!("SQLite {shown} cannot be read: {e}"),
            Some(fix),
        );
    }
    match crate::store::inspect(path) {
        Ok(ins) if ins.integrity != "ok" => check(
            "database",
            Status::Fail,
            format!(
                "SQLite {shown} is damaged: integrity_check says {}",
                ins.integrity
            ),
            Some(format!(
                "restore a backup, or move it away and let clauded make a new one (`sqlite3 {shown} .recover` may save rows)"
            )),
        ),
        Ok(ins) if ins.schema.found > ins.schema.known => check(
            "database",
            Status::Fail,
            format!(
                "SQLite {shown} has schema version {}, newer than this clauded's {}",
                ins.schema.found, ins.schema.known
            ),
            Some("upgrade clauded".into()),
        ),
        Ok(ins) if ins.schema.found < ins.schema.known => check(
            "database",
            Status::Ok,
            format!(
                "SQLite {shown}, schema {} of {} (migrated when clauded next opens it), integrity ok",
                ins.schema.found, ins.schema.known
            ),
            None,
        ),
        Ok(ins) => check(
            "database",
            Status::Ok,
            format!(
                "SQLite {shown}, schema {}, integrity ok, journal {}",
                ins.schema.found, ins.journal_mode
            ),
            None,
        ),
        Err(e) => {
            let text = e.to_string();
            let fix = if text.contains("not a database") || text.contains("malformed") {
                format!(
                    "{shown} is not a clauded database: move it away (clauded then makes a new one) or point DATABASE_URL at the right file"
                )
            } else {
                format!("check {shown}: {text}")
            };
            check(
                "database",
                Status::Fail,
                format!("SQLite {shown} cannot be opened: {text}"),
                Some(fix),
            )
        }
    }
}

async fn port_check(c: &Config, timeout: Duration) -> Check {
    let addr = format!("{}:{}", c.host, c.port);
    let ip: std::net::IpAddr = match c.host.as_str() {
        "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
        h => match h.trim_matches(['[', ']']).parse() {
            Ok(ip) => ip,
            Err(_) => {
                return check(
                    "port",
                    Status::Fail,
                    format!("HOST {h:?} is not an IP address"),
                    Some("set HOST (or --host) to an address such as 127.0.0.1 or 0.0.0.0".into()),
                );
            }
        },
    };
    let err = match std::net::TcpListener::bind((ip, c.port)) {
        Ok(_) => {
            return check(
                "port",
                Status::Ok,
                format!("{addr} is free for `clauded serve`"),
                None,
            );
        }
        Err(e) => e,
    };
    if err.kind() != std::io::ErrorKind::AddrInUse {
        return check(
            "port",
            Status::Fail,
            format!("cannot listen on {addr}: {err}"),
            Some("choose another HOST or PORT (ports below 1024 need privileges)".into()),
        );
    }
    let base = super::health::local_url(&c.host, c.port);
    let probe = super::health::probe(&base, timeout).await;
    match probe.status {
        Some(200) => check(
            "port",
            Status::Ok,
            format!("{addr} is in use by a running clauded server, which is ready"),
            None,
        ),
        Some(503) => check(
            "port",
            Status::Fail,
            format!("a clauded server on {addr} is not ready: {}", probe.detail),
            Some("see its log (`clauded service status`, or the terminal it runs in)".into()),
        ),
        _ => check(
            "port",
            Status::Fail,
            format!("{addr} is taken by another program (it does not answer as clauded)"),
            Some(format!(
                "stop that program, or serve on another port: PORT={} or `clauded serve --port {}`",
                c.port.saturating_add(1),
                c.port.saturating_add(1)
            )),
        ),
    }
}

fn git_check() -> Check {
    let (version, https) = crate::git::libgit2();
    let git_cli = std::process::Command::new("git")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let lib = format!("libgit2 {version}");
    match (https, git_cli) {
        (false, _) => check(
            "git",
            Status::Fail,
            format!("{lib} was built without https: runs cannot clone or push over https"),
            Some("rebuild clauded with git2's https feature (the default in Cargo.toml)".into()),
        ),
        (true, Some(cli)) => check(
            "git",
            Status::Ok,
            format!("{lib} with https; {cli} on PATH"),
            None,
        ),
        (true, None) => check(
            "git",
            Status::Warn,
            format!("{lib} with https; no git on PATH"),
            Some(
                "runs do not need it (libgit2 is built in), but Claude's bash tool often calls git: install it"
                    .into(),
            ),
        ),
    }
}

fn landlock_check() -> Check {
    let s = crate::builtin::sandbox::status();
    let (status, fix) = match s {
        crate::builtin::sandbox::SandboxStatus::Landlock { .. } => (Status::Ok, None),
        crate::builtin::sandbox::SandboxStatus::Disabled => (
            Status::Warn,
            Some("add landlock to the kernel's lsm= boot parameter".into()),
        ),
        crate::builtin::sandbox::SandboxStatus::Missing => (
            Status::Warn,
            Some("use Linux 5.13 or later to confine bash's writes".into()),
        ),
        crate::builtin::sandbox::SandboxStatus::Unsupported => (Status::Warn, None),
    };
    check("landlock", status, s.describe(), fix)
}

/// The server key that seals users' credentials: from a variable, or a key file only its owner
/// may read.
fn server_key_check(c: &Config) -> Check {
    use crate::crypto::SecretBox;
    let path = match &c.server_key {
        ServerKeySource::Env { .. } => {
            return check(
                "server-key",
                Status::Ok,
                format!("from {}", c.server_key),
                None,
            );
        }
        ServerKeySource::File(path) => path,
    };
    let shown = path.display();
    if !path.exists() {
        return check(
            "server-key",
            Status::Ok,
            format!("none yet: `clauded serve` makes {shown} (mode 0600) at first start"),
            None,
        );
    }
    if let Err(e) = SecretBox::load_or_create(path) {
        return check(
            "server-key",
            Status::Fail,
            e.to_string(),
            Some(format!(
                "restore {shown} from a backup, or set CLAUDED_SECRET_KEY to the key it held"
            )),
        );
    }
    if !SecretBox::file_is_private(path) {
        return check(
            "server-key",
            Status::Fail,
            format!(
                "{shown} seals users' credentials but others may read it{}",
                open_mode(path)
                    .map(|m| format!(" (mode {m:o})"))
                    .unwrap_or_default()
            ),
            Some(format!("chmod 600 {shown}")),
        );
    }
    check(
        "server-key",
        Status::Ok,
        format!("key file {shown} (mode 0600)"),
        None,
    )
}

/// A file's mode when others than its owner may use it (Unix only).
fn open_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn keyring_check(secrets: &Secrets, mode: KeyringMode) -> Check {
    let file = secrets.file().display().to_string();
    if let Some(mode) = open_mode(secrets.file()) {
        return check(
            "keyring",
            Status::Fail,
            format!("{file} holds secrets but others may read it (mode {mode:o})"),
            Some(format!("chmod 600 {file}")),
        );
    }
    match (secrets.backend(), mode) {
        (Backend::Keyring, _) => check(
            "keyring",
            Status::Ok,
            "the OS keyring works (a sentinel was stored, read back and removed)",
            None,
        ),
        (Backend::File { .. }, KeyringMode::File) => check(
            "keyring",
            Status::Ok,
            format!("secrets are kept in {file} (mode 0600), as configured"),
            None,
        ),
        (Backend::File { reason }, KeyringMode::Auto) => check(
            "keyring",
            Status::Warn,
            format!("no usable OS keyring ({reason}); secrets are kept in {file} (mode 0600)"),
            Some(
                "fine on a headless server; set CLAUDED_KEYRING=file to say so and silence this"
                    .into(),
            ),
        ),
    }
}

async fn mcp_checks(c: &Config, timeout: Duration) -> Vec<Check> {
    if c.database.path().is_some_and(|p| !p.exists()) {
        return vec![check("mcp", Status::Ok, "no MCP servers registered", None)];
    }
    let rows = match async {
        crate::store::Store::connect(&c.database, false)
            .await?
            .mcp_servers()
            .await
    }
    .await
    {
        Ok(r) => r,
        Err(e) => {
            return vec![check(
                "mcp",
                Status::Fail,
                format!("cannot read the registered servers: {e}"),
                Some("see the database line above".into()),
            )];
        }
    };
    let servers: Vec<_> = rows
        .into_iter()
        .filter(|r| !r.is_builtin() && r.enabled)
        .collect();
    if servers.is_empty() {
        return vec![check(
            "mcp",
            Status::Ok,
            "no MCP servers registered (the built-in filesystem and bash need no process)",
            None,
        )];
    }
    let host = ToolHost::with_settings(timeout, timeout, c.tools.clone());
    let probes = servers.iter().map(|row| {
        let host = host.clone();
        async move {
            let listed = tokio::time::timeout(timeout, host.server_tools(row)).await;
            let name = format!("mcp:{}", row.name);
            let fix = || {
                Some(format!(
                    "check it with `clauded mcp tools {0}`; fix its command, or remove it with `clauded mcp rm {0}`",
                    row.name
                ))
            };
            match listed {
                Ok(Ok(tools)) => check(
                    &name,
                    Status::Ok,
                    format!("started and listed {} tools ({})", tools.len(), row.transport),
                    None,
                ),
                Ok(Err(e)) => check(
                    &name,
                    Status::Fail,
                    format!("did not start or answer: {e}"),
                    fix(),
                ),
                Err(_) => check(
                    &name,
                    Status::Fail,
                    format!("no answer within {} s", timeout.as_secs()),
                    fix(),
                ),
            }
        }
    });
    let out = futures_util::future::join_all(probes).await;
    host.shutdown().await;
    out
}

async fn github_check(env: &Env, secrets: &Secrets, c: &Config) -> Check {
    let (token, source) = match secrets::github_token(env, secrets) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return check(
                "github",
                Status::Warn,
                "no GitHub token: runs cannot clone private repositories, push or open pull requests",
                Some("set GITHUB_TOKEN, or run `clauded auth github`".into()),
            );
        }
        Err(e) => {
            return check(
                "github",
                Status::Fail,
                format!("the stored token cannot be read: {e}"),
                Some("store it again with `clauded auth github`".into()),
            );
        }
    };
    let hosts = crate::git::TokenHosts::new(&c.github_api_url, &c.github_hosts);
    let gh = crate::github::GitHub::new(&c.github_api_url, &token, &hosts);
    let api = &c.github_api_url;
    match gh.user().await {
        Ok(login) => check(
            "github",
            Status::Ok,
            format!("token from {source} works: GET {api}/user is {login}"),
            None,
        ),
        Err(crate::github::Error::Auth { status, message }) => check(
            "github",
            Status::Fail,
            format!("{api} refused the token from {source}: {status} {message}"),
            Some(
                "make a new token (repo scope, or contents and pull requests) and store it with `clauded auth github`, or fix GITHUB_TOKEN"
                    .into(),
            ),
        ),
        Err(e) => check(
            "github",
            Status::Fail,
            format!("cannot check the token from {source}: {e}"),
            Some("check the network, or GITHUB_API_URL if you set one".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::postgres_where;

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        assert_eq!(
            postgres_where("postgres://clauded:s3cret@db:5432/clauded"),
            "db:5432/clauded"
        );
        assert_eq!(postgres_where("postgresql://db/x"), "db/x");
    }
}
