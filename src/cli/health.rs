//! `clauded health`: asks a running server whether it is ready (`/health/ready`) and exits
//! 0 or 1, so a container's HEALTHCHECK or a script needs no curl.

use crate::config::{Config, DotEnv, Overrides};
use crate::error::{Error, Result};
use std::time::Duration;

/// `clauded health` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server's base URL (default: http://HOST:PORT from the configuration, as `serve` uses it).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Port of a local server (overrides PORT).
    #[arg(long)]
    pub port: Option<u16>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
}

/// Where a server bound to `host:port` is reached from this machine: a wildcard bind
/// (`0.0.0.0`, `::`) is asked on loopback.
pub fn local_url(host: &str, port: u16) -> String {
    let h = host.trim_matches(['[', ']']);
    let h = match h {
        "" | "0.0.0.0" => "127.0.0.1".to_owned(),
        "::" => "[::1]".to_owned(),
        h if h.contains(':') => format!("[{h}]"),
        h => h.to_owned(),
    };
    format!("http://{h}:{port}")
}

/// The base URL of the configured local server.
pub fn configured_url(c: &Config) -> String {
    local_url(&c.host, c.port)
}

/// What a readiness probe found.
#[derive(Debug)]
pub struct Probe {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// A line for a person.
    pub detail: String,
}

/// Asks `base/health/ready`.
pub async fn probe(base: &str, timeout: Duration) -> Probe {
    crate::anthropic::init_tls();
    let url = format!("{}/health/ready", base.trim_end_matches('/'));
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => {
            return Probe {
                status: None,
                detail: format!("cannot make an HTTP client: {e}"),
            };
        }
    };
    match client.get(&url).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            let detail = match body["error"].as_str() {
                Some(e) => format!("{url}: {status} not ready: {e}"),
                None => format!("{url}: {status} {}", body["status"].as_str().unwrap_or("")),
            };
            Probe {
                status: Some(status),
                detail,
            }
        }
        Err(e) => Probe {
            status: None,
            detail: format!(
                "{url}: no answer ({})",
                if e.is_timeout() {
                    "timed out".to_owned()
                } else if e.is_connect() {
                    "connection refused: is `clauded serve` running?".to_owned()
                } else {
                    e.to_string()
                }
            ),
        },
    }
}

/// Runs `clauded health`.
pub async fn run(args: Args, g: &super::Globals) -> Result<()> {
    let base = match args.url {
        Some(u) => u,
        None => {
            // the same environment as `serve` (./.env included), so it finds the same port
            let app = super::App::load_reading(
                &Overrides {
                    port: args.port,
                    ..Default::default()
                },
                g,
                DotEnv::Cwd,
            )?;
            configured_url(&app.config)
        }
    };
    let p = probe(&base, Duration::from_secs(args.timeout.max(1))).await;
    if p.status == Some(200) {
        if !g.quiet {
            println!("{}", p.detail);
        }
        Ok(())
    } else {
        Err(Error::Other(p.detail))
    }
}

#[cfg(test)]
mod tests {
    use super::local_url;

    #[test]
    fn wildcard_binds_are_asked_on_loopback() {
        assert_eq!(local_url("0.0.0.0", 8000), "http://127.0.0.1:8000");
        assert_eq!(local_url("::", 80), "http://[::1]:80");
        assert_eq!(local_url("[::1]", 80), "http://[::1]:80");
        assert_eq!(local_url("localhost", 1), "http://localhost:1");
    }
}
