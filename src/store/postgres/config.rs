//! A PostgreSQL URL as clauded reads it. libpq's `sslmode` (all six values), `sslrootcert` and
//! our own `pool_max` are taken out before tokio-postgres parses the rest, since its parser
//! knows only three of the modes and refuses what it does not know.

use super::tls::{self, Tls};
use crate::store::url::redact;
use crate::store::{Error, Result};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Connections in the pool when the URL does not say (`pool_max=N`).
const POOL_MAX: usize = 16;

/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// libpq's `sslmode`: whether to use TLS, and what to check of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS if the server offers it, unverified (libpq's default; `allow` reads as this).
    Prefer,
    /// TLS or nothing, the certificate not verified.
    Require,
    /// TLS with a certificate that chains to a trusted root, for any host name.
    VerifyCa,
    /// TLS with a certificate that chains to a trusted root and names the host.
    VerifyFull,
}

/// Where the roots for `verify-ca` and `verify-full` come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Roots {
    /// The system's store (`SSL_CERT_FILE` and `SSL_CERT_DIR` honoured), or `sslrootcert=system`.
    System,
    /// A PEM file (`sslrootcert=PATH`).
    File(PathBuf),
}

/// Everything needed to open connections to one database.
#[derive(Clone)]
pub(super) struct Settings {
    /// tokio-postgres's configuration, password included: never printed.
    pub pg: tokio_postgres::Config,
    /// The TLS connector for `sslmode`.
    pub tls: Tls,
    /// The largest the pool grows.
    pub pool_max: usize,
    /// The URL with its password hidden, for messages.
    pub shown: String,
}

/// What the query string said that tokio-postgres is not told.
#[derive(Debug, PartialEq, Eq)]
struct Ours {
    mode: SslMode,
    roots: Roots,
    pool_max: usize,
    /// The URL without our parameters.
    rest: String,
}

fn bad(shown: &str, what: impl std::fmt::Display) -> Error {
    Error::BadUrl(format!("{shown}: {what}"))
}

/// `%XX` escapes decoded, as tokio-postgres does for every key and value.
fn decode(s: &str) -> std::result::Result<String, std::str::Utf8Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
}

fn split(url: &str, shown: &str) -> Result<Ours> {
    let mut ours = Ours {
        mode: SslMode::Prefer,
        roots: Roots::System,
        pool_max: POOL_MAX,
        rest: url.to_owned(),
    };
    let Some((head, query)) = url.split_once('?') else {
        return Ok(ours);
    };
    let mut kept = Vec::new();
    let mut rootcert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(k).map_err(|e| bad(shown, e))?;
        let value = || decode(v).map_err(|e| bad(shown, e));
        match key.as_str() {
            "sslmode" => {
                ours.mode = match value()?.as_str() {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(bad(
                            shown,
                            format!(
                                "sslmode={other} is not a mode: use disable, prefer, require, verify-ca or verify-full"
                            ),
                        ));
                    }
                }
            }
            "sslrootcert" => rootcert = Some(value()?),
            "pool_max" => {
                ours.pool_max = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(shown, "pool_max must be a whole number above 0"))?;
            }
            _ => kept.push(pair),
        }
    }
    if let Some(path) = rootcert.filter(|p| !p.is_empty() && p != "system") {
        ours.roots = Roots::File(path.into());
        // as libpq: with a root certificate given, `require` checks the chain too
        if ours.mode == SslMode::Require {
            ours.mode = SslMode::VerifyCa;
        }
    }
    ours.rest = if kept.is_empty() {
        head.to_owned()
    } else {
        format!("{head}?{}", kept.join("&"))
    };
    Ok(ours)
}

/// Reads a `postgres://` URL: the connection settings, the TLS connector (roots loaded now,
/// so a missing file fails here) and the pool size. Messages show the URL redacted.
pub(super) fn parse(url: &str) -> Result<Settings> {
    let shown = redact(url);
    let ours = split(url, &shown)?;
    let mut pg = tokio_postgres::Config::from_str(&ours.rest)
        .map_err(|e| bad(&shown, super::describe(&e)))?;
    pg.ssl_mode(match ours.mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            tokio_postgres::config::SslMode::Require
        }
    });
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(CONNECT_TIMEOUT);
    }
    if pg.get_application_name().is_none() {
        pg.application_name("clauded");
    }
    let tls = tls::connector(ours.mode, &ours.roots).map_err(|e| bad(&shown, e))?;
    Ok(Settings {
        pg,
        tls,
        pool_max: ours.pool_max,
        shown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(url: &str) -> Ours {
        split(url, &redact(url)).unwrap()
    }

    #[test]
    fn our_parameters_are_taken_out_and_the_rest_kept() {
        let o = ours("postgres://u:pw@h:5432/db?sslmode=verify-full&application_name=x&pool_max=4");
        assert_eq!(o.mode, SslMode::VerifyFull);
        assert_eq!(o.pool_max, 4);
        assert_eq!(o.rest, "postgres://u:pw@h:5432/db?application_name=x");
        let o = ours("postgres://h/db");
        assert_eq!((o.mode, o.pool_max), (SslMode::Prefer, POOL_MAX));
        assert_eq!(o.rest, "postgres://h/db");
        assert_eq!(
            ours("postgres://h/db?sslmode=disable").rest,
            "postgres://h/db"
        );
        assert_eq!(ours("postgres://h/db?sslmode=allow").mode, SslMode::Prefer);
    }

    #[test]
    fn a_root_certificate_makes_require_check_the_chain() {
        let o = ours("postgres://h/db?sslmode=require&sslrootcert=%2Ftmp%2Fca.pem");
        assert_eq!(o.mode, SslMode::VerifyCa);
        assert_eq!(o.roots, Roots::File("/tmp/ca.pem".into()));
        let o = ours("postgres://h/db?sslmode=verify-full&sslrootcert=system");
        assert_eq!((o.mode, o.roots), (SslMode::VerifyFull, Roots::System));
    }

    #[test]
    fn bad_values_are_refused_without_the_password() {
        for url in [
            "postgres://u:s3cret@h/db?sslmode=maybe",
            "postgres://u:s3cret@h/db?pool_max=0",
            "postgres://u:s3cret@h/db?nonsense=1",
            "postgres://u:s3cret@h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
        ] {
            let e = parse(url).err().unwrap().to_string();
            assert!(!e.contains("s3cret"), "{e}");
            assert!(e.contains("u:***@h"), "{e}");
        }
        let e = parse("postgres://h/db?sslmode=maybe")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("sslmode=maybe"), "{e}");
    }

    #[test]
    fn timeouts_and_name_have_defaults() {
        let s = parse("postgres://h/db").unwrap();
        assert_eq!(s.pg.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(s.pg.get_application_name(), Some("clauded"));
        let s = parse("postgres://h/db?connect_timeout=3&application_name=me").unwrap();
        assert_eq!(s.pg.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(s.pg.get_application_name(), Some("me"));
    }
}
