//! Where the store lives: `DATABASE_URL` or `--db`, a path or `sqlite://` for the embedded
//! file, `postgres://` or `postgresql://` for a PostgreSQL server.

use super::{Error, Result};
use std::path::PathBuf;

/// A store's location.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (libpq's URL form, `sslmode` honoured).
    Postgres(String),
}

impl Database {
    /// Reads a path, `sqlite://PATH` (`sqlite:///abs` or `sqlite://rel`), `sqlite:PATH`,
    /// or a `postgres://` / `postgresql://` URL. Any other `scheme://` is refused, so a typo
    /// never becomes a file named after a URL.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::BadUrl("the database location is empty".into()));
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Database::Postgres(text.to_owned()));
        }
        if let Some(rest) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(Error::BadUrl(format!(
                    "{text}: a sqlite:// URL needs a file path (sqlite:///var/lib/clauded/clauded.db)"
                )));
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://")
            && !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+')
        {
            return Err(Error::BadUrl(format!(
                "unsupported database URL scheme {scheme:?}: use a file path, sqlite://PATH or postgres://..."
            )));
        }
        Ok(Database::Sqlite(PathBuf::from(text)))
    }

    /// The engine's name: `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// The location as `DATABASE_URL` takes it (a path, or the URL with its password).
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(p) => p.to_string_lossy().into_owned(),
            Database::Postgres(u) => u.clone(),
        }
    }

    /// The file, for SQLite.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Database::Sqlite(p) => Some(p),
            Database::Postgres(_) => None,
        }
    }
}

/// Shown with any password replaced by `***`, so it can be logged and printed.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "{}", p.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl serde::Serialize for Database {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({self})")
    }
}

/// A URL with its password (`user:PASSWORD@`, and a `password=` parameter) hidden.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let auth_end = out[start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..auth_end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sqlite_and_postgres_urls() {
        assert_eq!(
            Database::parse("/var/lib/c.db").unwrap(),
            Database::Sqlite("/var/lib/c.db".into())
        );
        assert_eq!(
            Database::parse("sqlite:///var/lib/c.db").unwrap(),
            Database::Sqlite("/var/lib/c.db".into())
        );
        assert_eq!(
            Database::parse("sqlite://rel/c.db").unwrap(),
            Database::Sqlite("rel/c.db".into())
        );
        assert_eq!(
            Database::parse("sqlite:c.db?mode=rwc").unwrap(),
            Database::Sqlite("c.db".into())
        );
        for url in [
            "postgres://u:p@h/db",
            "postgresql://h/db?sslmode=require",
            "POSTGRES://h/db",
        ] {
            assert_eq!(
                Database::parse(url).unwrap(),
                Database::Postgres(url.into())
            );
        }
        assert!(Database::parse("mysql://h/db").is_err());
        assert!(Database::parse("sqlite://").is_err());
        assert!(Database::parse("  ").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let d = Database::parse("postgres://alice:s3cret@db:5432/c?sslmode=require").unwrap();
        assert_eq!(
            d.to_string(),
            "postgres://alice:***@db:5432/c?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://db/c?user=a&password=s3cret&sslmode=disable"),
            "postgresql://db/c?user=a&password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://alice@db/c"), "postgres://alice@db/c");
        assert!(!format!("{d:?}").contains("s3cret"));
    }
}
