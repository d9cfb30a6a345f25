//! Test support, for the unit tests here and the integration tests: a fresh database of
//! one's own on a server the tests are pointed at, so tests run in parallel.

use super::{config, describe, pg};
use crate::store::{Error, Result};

/// Makes an empty database `clauded_t_<random>` through `admin_url` (a URL whose user may
/// create databases) and returns the same URL naming it instead.
#[doc(hidden)]
pub async fn fresh_database(admin_url: &str) -> Result<String> {
    let settings = config::parse(admin_url)?;
    let (client, conn) = settings
        .pg
        .connect(settings.tls.clone())
        .await
        .map_err(|e| {
            Error::Postgres(format!(
                "cannot connect to {}: {}",
                settings.shown,
                describe(&e)
            ))
        })?;
    tokio::spawn(conn);
    let name = format!("clauded_t_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(pg)?;
    Ok(naming(admin_url, &name))
}

/// `url` with its database (the path, and any `dbname=` parameter) replaced by `db`.
fn naming(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let authority_at = head.find("://").map_or(0, |i| i + 3);
    let base = match head[authority_at..].find('/') {
        Some(i) => &head[..authority_at + i],
        None => head,
    };
    let kept: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("dbname="))
        .collect();
    if kept.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::naming;

    #[test]
    fn the_database_is_swapped_and_the_rest_kept() {
        assert_eq!(
            naming("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(naming("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            naming("postgres://h/?sslmode=disable&dbname=a", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
