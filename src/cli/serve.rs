//! `clauded serve`: the local API server.

use crate::anthropic::Client;
use crate::config::{DotEnv, Overrides};
use crate::error::{Error, Result};
use crate::server::{self, AppState, ServerOptions};
use std::net::IpAddr;

/// `clauded serve` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (HOST; default 127.0.0.1).
    #[arg(long)]
    pub host: Option<String>,
    /// Port to bind (PORT; default 8000; 0 picks a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// The store: a path, sqlite:// or postgres:// URL (DATABASE_URL).
    #[arg(long)]
    pub db: Option<String>,
    /// Do not migrate the store at start (a deployment that runs `clauded db migrate` in a
    /// job); a schema other than this build's is then an error.
    #[arg(long, env = "CLAUDED_NO_MIGRATE", hide_env_values = true)]
    pub no_migrate: bool,
    /// Seconds a turn's or run's lease outlives its instance's last heartbeat: when an
    /// instance dies, another one on the store closes its runs within this time (at least 3).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "CLAUDED_LEASE_TTL",
        hide_env_values = true,
        default_value_t = 30
    )]
    pub lease_ttl: u64,
    /// Days each exchange's request-log row is kept (0: all); usage per owner, day and model
    /// stays. The log is written off the requests' path, in batches.
    #[arg(
        long,
        value_name = "DAYS",
        env = "CLAUDED_REQUEST_LOG_DAYS",
        hide_env_values = true,
        default_value_t = 7
    )]
    pub request_log_days: u32,
    /// Require `Authorization: Bearer TOKEN` (or x-api-key) on every route but /health. On the
    /// command line it is visible to other users in `ps`; prefer --token-file or CLAUDED_SERVER_TOKEN.
    #[arg(long, env = "CLAUDED_SERVER_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Read the required token from FILE (surrounding whitespace and the newline are dropped).
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    pub token_file: Option<std::path::PathBuf>,
    /// Another allowed CORS origin (repeatable; `*` for any). Loopback origins are always allowed.
    #[arg(
        long = "cors-origin",
        env = "ALLOWED_ORIGINS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub cors_origins: Vec<String>,
    /// Listen on a non-loopback address without a token.
    #[arg(long)]
    pub allow_unauthenticated: bool,
    /// Another `Host` name accepted on a loopback address (repeatable; loopback names always are).
    #[arg(
        long = "allowed-host",
        value_name = "NAME",
        env = "CLAUDED_ALLOWED_HOSTS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub allowed_hosts: Vec<String>,
    /// Let runs clone local paths and file:// URLs (trusted setups and tests only).
    #[arg(long)]
    pub allow_local_repos: bool,
    /// Also serve GET /metrics on this address, without the token (e.g. 127.0.0.1:9100 for a
    /// local Prometheus). /metrics stays on the main address, behind the token.
    #[arg(
        long,
        value_name = "ADDR",
        env = "CLAUDED_METRICS_ADDR",
        hide_env_values = true
    )]
    pub metrics_addr: Option<String>,
    /// Add the demo projects and sessions (idempotent).
    #[arg(long)]
    pub demo: bool,
}

/// Runs `clauded serve`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    // the seed's deployment convention: the server reads ./.env (the other commands do not)
    let app = super::App::load_reading(
        &Overrides {
            host: args.host.clone(),
            port: args.port,
            database: args.db.clone(),
            ..Default::default()
        },
        g,
        DotEnv::Cwd,
    )?;
    let c = &app.config;
    let ip: IpAddr = match c.host.as_str() {
        "localhost" => IpAddr::from([127, 0, 0, 1]),
        h => h
            .trim_matches(['[', ']'])
            .parse()
            .map_err(|_| Error::Usage(format!("--host {h:?} is not an IP address")))?,
    };
    // the flags' variables come from the process (clap) or, below it, from the env file
    let from_env = |name: &str| {
        app.env
            .get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let listed = |given: &[String], name: &str| {
        let given = trimmed(given);
        if given.is_empty() {
            from_env(name)
                .map(|v| trimmed(&v.split(',').map(str::to_owned).collect::<Vec<_>>()))
                .unwrap_or_default()
        } else {
            given
        }
    };
    let token = match &args.token_file {
        Some(path) => Some(read_token_file(path)?),
        None => args
            .token
            .clone()
            .filter(|t| !t.is_empty())
            .or_else(|| from_env("CLAUDED_SERVER_TOKEN")),
    };
    let metrics_addr = match args
        .metrics_addr
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| from_env("CLAUDED_METRICS_ADDR"))
    {
        Some(a) => Some(a.trim().parse::<std::net::SocketAddr>().map_err(|_| {
            Error::Usage(format!(
                "--metrics-addr {a:?} is not an address like 127.0.0.1:9100"
            ))
        })?),
        None => None,
    };
    if !ip.is_loopback() && token.is_none() && !args.allow_unauthenticated {
        return Err(Error::Usage(format!(
            "refusing to listen on {ip} without authentication: set --token (or CLAUDED_SERVER_TOKEN), \
             or pass --allow-unauthenticated if the network is trusted"
        )));
    }
    if args.lease_ttl < 3 {
        return Err(Error::Usage(
            "--lease-ttl must be at least 3 seconds".into(),
        ));
    }
    crate::engine::lease::set_ttl(std::time::Duration::from_secs(args.lease_ttl));
    let store = crate::store::Store::connect(&c.database, !args.no_migrate)
        .await?
        .with_request_log(args.request_log_days);
    if args.demo {
        let model = c.model.clone();
        let added = server::demo::seed(&store, &model).await?;
        super::output::note(quiet, &format!("demo data: {added} rows added"));
    }
    let secrets = app.secrets();
    let key = crate::secrets::anthropic_key(&app.env, &secrets)
        .ok()
        .flatten();
    let has_key = key.is_some();
    let key_line = match &key {
        Some((k, source)) => format!("API key: {} from the {source}", crate::secrets::redact(k)),
        None => "no server API key: clients must send `Authorization: Bearer sk-ant-...`, \
                 or run `clauded auth login` (picked up without a restart)"
            .to_owned(),
    };
    let client =
        Client::new(c.client_config(key.as_ref().map(|(k, _)| k.clone()).unwrap_or_default()))?;
    let mut options = ServerOptions::from_config(c);
    options.secrets = app.secret_box()?;
    options.accounts = app.account_settings();
    options.trusted_proxies = c.trusted_proxies.clone();
    options.token = token;
    options.github_token = crate::secrets::github_token(&app.env, &app.secrets())
        .ok()
        .flatten()
        .map(|(t, _)| t);
    if let Some(n) = options.notify.as_mut() {
        n.token = crate::secrets::notify_token(&app.env, &app.secrets())
            .ok()
            .flatten()
            .map(|(t, _)| t);
    }
    options.cors_origins = listed(&args.cors_origins, "ALLOWED_ORIGINS");
    options.allowed_hosts = listed(&args.allowed_hosts, "CLAUDED_ALLOWED_HOSTS");
    // the guard keeps DNS-rebinding pages off a loopback server; a public bind has a token
    options.host_guard = ip.is_loopback();
    options.allow_local_repos = args.allow_local_repos;
    let state = AppState::new(store, client, has_key, options);
    // a key stored (or removed) with `clauded auth login`/`logout` later applies within seconds
    let env = app.env.clone();
    state.set_key_lookup(std::sync::Arc::new(move || {
        crate::secrets::anthropic_key(&env, &secrets)
            .ok()
            .flatten()
            .map(|(k, _)| k)
    }));
    let listener = tokio::net::TcpListener::bind((ip, c.port))
        .await
        .map_err(|e| Error::Other(format!("cannot listen on {ip}:{}: {e}", c.port)))?;
    let addr = listener.local_addr()?;
    let host = if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    eprintln!(
        "clauded {} listening on http://{host}:{}",
        env!("CARGO_PKG_VERSION"),
        addr.port()
    );
    eprintln!("database: {}", c.database);
    eprintln!("{key_line}");
    eprintln!("server key (seals users' credentials): {}", c.server_key);
    if let crate::config::ServerKeySource::File(path) = &c.server_key
        && !crate::crypto::SecretBox::file_is_private(path)
    {
        eprintln!(
            "warning: others may read the server key file: chmod 600 {}",
            path.display()
        );
    }
    match (&c.github_client_id, &c.github_client_secret) {
        (Some(id), Some(_)) => eprintln!(
            "GitHub sign-in: OAuth app {id} at {} (callback: <this server's URL>/api/github/oauth/callback)",
            c.github_url
        ),
        (Some(_), None) => eprintln!(
            "warning: GITHUB_CLIENT_ID is set without GITHUB_CLIENT_SECRET: users cannot connect GitHub"
        ),
        (None, _) => {}
    }
    if let Some(n) = &c.notify_url {
        // the host only: the path may be a secret topic
        let host = reqwest::Url::parse(n)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        eprintln!(
            "push notices to {host} ({})",
            c.notify_on.names().join(", ")
        );
    }
    if let Some(maddr) = metrics_addr {
        let ml = tokio::net::TcpListener::bind(maddr)
            .await
            .map_err(|e| Error::Other(format!("cannot listen on --metrics-addr {maddr}: {e}")))?;
        eprintln!("metrics on http://{}/metrics", ml.local_addr()?);
        let (router, stop) = (
            server::metrics_router(state.clone()),
            state.shutdown_token(),
        );
        tokio::spawn(async move {
            let served = axum::serve(ml, router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::warn!("the metrics listener stopped: {e}");
            }
        });
    }
    server::serve(listener, state, server::shutdown_signal()).await?;
    eprintln!("stopped");
    Ok(())
}

/// The token in `path`, trimmed; a clear error when it cannot be read or is empty.
pub(super) fn read_token_file(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("cannot read --token-file {}: {e}", path.display())))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::Usage(format!(
            "--token-file {} is empty: put the token in it",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

/// A list flag's values, trimmed, without empty ones (`a, b,` from an environment variable).
fn trimmed(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}
