//! Accounts over HTTP for the tests: who a request is (a cookie, a bearer key, nobody),
//! answers read whole, registering and logging in, and what the SQLite file holds.

use super::server::{Setup, TestServer};
use clauded::engine::accounts::{AccountSettings, Registration};
use reqwest::Method;
use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::{Value, json};

/// Every test account's password.
pub const PASSWORD: &str = "password-1234";

/// How a request says who it is.
#[derive(Debug, Clone)]
pub enum As {
    Nobody,
    Cookie(String),
    Bearer(String),
    XApiKey(String),
}

/// An answer read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// The `Set-Cookie` header, if one was sent.
    pub fn set_cookie(&self) -> Option<&str> {
        self.headers.get(SET_COOKIE).and_then(|v| v.to_str().ok())
    }

    /// The token the `auth_session` cookie carries (panics without one).
    pub fn token(&self) -> String {
        let c = self
            .set_cookie()
            .unwrap_or_else(|| panic!("no Set-Cookie: {self:?}"));
        let v = c.strip_prefix("auth_session=").expect("auth_session");
        v.split(';').next().unwrap().to_owned()
    }

    /// The same credential as a cookie.
    pub fn cookie(&self) -> As {
        As::Cookie(self.token())
    }

    /// WebEDT's refusal: `{success:false, error}` with this status.
    pub fn refused(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{self:?}");
        let v = self.json();
        assert_eq!(v["success"], json!(false), "{self:?}");
        v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error text: {self:?}"))
            .to_owned()
    }
}

/// A request with `who`'s credential on it.
pub fn request(s: &TestServer, m: Method, path: &str, who: &As) -> reqwest::RequestBuilder {
    request_with(&s.http, m, &s.url(path), who)
}

/// A request to any URL through `http` (one that follows no redirect, say) as `who`.
pub fn request_with(
    http: &reqwest::Client,
    m: Method,
    url: &str,
    who: &As,
) -> reqwest::RequestBuilder {
    let r = http.request(m, url);
    match who {
        As::Nobody => r,
        As::Cookie(t) => r.header("cookie", format!("auth_session={t}")),
        As::Bearer(k) => r.bearer_auth(k),
        As::XApiKey(k) => r.header("x-api-key", k),
    }
}

pub async fn send(r: reqwest::RequestBuilder) -> Answer {
    let r = r.send().await.unwrap();
    Answer {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap(),
    }
}

pub async fn get(s: &TestServer, path: &str, who: &As) -> Answer {
    send(request(s, Method::GET, path, who)).await
}

pub async fn post(s: &TestServer, path: &str, who: &As, body: Value) -> Answer {
    send(request(s, Method::POST, path, who).json(&body)).await
}

pub async fn delete(s: &TestServer, path: &str, who: &As) -> Answer {
    send(request(s, Method::DELETE, path, who)).await
}

/// A registered (or created) user and their login.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub who: As,
}

pub async fn register(s: &TestServer, email: &str) -> Account {
    let r = post(
        s,
        "/api/auth/register",
        &As::Nobody,
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    Account {
        id: r.json()["data"]["user"]["id"].as_str().unwrap().to_owned(),
        who: r.cookie(),
    }
}

pub async fn login(s: &TestServer, email: &str, password: &str) -> Answer {
    post(
        s,
        "/api/auth/login",
        &As::Nobody,
        json!({"email": email, "password": password}),
    )
    .await
}

/// Options with these account settings.
pub fn setup(accounts: AccountSettings) -> Setup {
    let mut s = Setup::default();
    s.options.accounts = accounts;
    s
}

/// Open registration and the server's key shared, so two users can work.
pub fn open() -> AccountSettings {
    AccountSettings {
        registration: Some(Registration::Open),
        share_server_key: Some(true),
        ..Default::default()
    }
}

/// An admin (the first user) and two users, A and B.
pub async fn trio(s: &TestServer) -> (Account, Account, Account) {
    let admin = register(s, "admin@x.io").await;
    let a = register(s, "a@x.io").await;
    let b = register(s, "b@x.io").await;
    (admin, a, b)
}

/// The user `GET /api/auth/session` shows for `who`.
pub async fn me(s: &TestServer, who: &As) -> Value {
    let r = get(s, "/api/auth/session", who).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["data"]["user"].clone()
}

/// Every key of a JSON value, at any depth.
pub fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// Every byte of the store: the SQLite file and its WAL, or all of a PostgreSQL database's
/// rows as `pg_dump` writes them (the dump beside the tests' psql).
pub fn database_bytes(s: &TestServer) -> Option<Vec<u8>> {
    let path = match &s.database {
        clauded::store::Database::Sqlite(path) => path,
        clauded::store::Database::Postgres(url) => {
            let psql = std::env::var("CLAUDED_TEST_PSQL").unwrap_or_else(|_| "psql".into());
            let dump = std::path::Path::new(&psql).with_file_name("pg_dump");
            let dump = if dump.exists() {
                dump
            } else {
                std::path::PathBuf::from("pg_dump")
            };
            let out = std::process::Command::new(&dump)
                .args(["--data-only", "--no-owner", url])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", dump.display()));
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return Some(out.stdout);
        }
    };
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        if let Ok(b) = std::fs::read(&p) {
            all.extend(b);
        }
    }
    assert!(!all.is_empty(), "no database at {}", path.display());
    Some(all)
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}
