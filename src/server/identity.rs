//! Who a request is: the server's token, a user's API key (`ck_…`), a cookie login
//! (`auth_session`), or, while no account exists, the local owner. [`authenticate`] puts the
//! [`Actor`] on the request and [`Me`] hands handlers the state as that actor sees it, so a
//! handler's store only ever holds its caller's rows.

use super::error::{ApiError, Family};
use super::layers::{CallerKey, constant_time_eq, presented_key};
use super::state::AppState;
use crate::engine::accounts::{AccountError, Actor, Issued, KEY_PREFIX, machine_actor};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The cookie WebEDT's frontend carries.
pub const COOKIE: &str = "auth_session";

/// The TCP peer of a connection, put on each request by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// The state as the request's actor sees it (its store scoped to their rows).
pub struct Me(pub AppState);

impl FromRequestParts<AppState> for Me {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match parts.extensions.get::<Actor>() {
            Some(a) => Ok(Me(state.acting_as(a.clone()))),
            None => Err(ApiError::internal(format!(
                "{} is routed without authentication",
                parts.uri.path()
            ))),
        }
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address
/// in `X-Forwarded-For` that is not one.
pub fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[String]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted_proxy(peer, trusted) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !trusted_proxy(*a, trusted))
            .unwrap_or(peer),
    )
}

/// Whether `ip` is one of `trusted` (addresses or CIDR blocks).
fn trusted_proxy(ip: IpAddr, trusted: &[String]) -> bool {
    trusted.iter().any(|t| in_block(ip, t))
}

/// Whether `ip` is `block` (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`), read by the
/// configuration's own [`crate::config::parse_cidr`].
fn in_block(ip: IpAddr, block: &str) -> bool {
    let Ok((net, bits)) = crate::config::parse_cidr(block) else {
        return false;
    };
    let ip = match (ip, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        _ => ip,
    };
    let bits = u32::from(bits);
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether the client reached us over https (said by a trusted proxy; we serve plain HTTP).
fn over_https(req: &Request, trusted: &[String]) -> bool {
    let peer = req.extensions().get::<PeerAddr>().map(|p| p.0.ip());
    peer.is_some_and(|p| trusted_proxy(p, trusted))
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The client address of a request, as text for the attempt limits.
pub fn client_ip_of(req: &Request, trusted: &[String]) -> String {
    let peer = req.extensions().get::<PeerAddr>().map(|p| p.0.ip());
    client_ip(req.headers(), peer, trusted).map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether a login's cookie should say `Secure`.
#[derive(Debug, Clone, Copy)]
pub struct Secure(pub bool);

/// `Set-Cookie` for a new login.
pub fn login_cookie(issued: &Issued, secure: Secure) -> HeaderValue {
    cookie_value(&issued.token, issued.max_age.as_secs(), secure)
}

/// `Set-Cookie` that blanks the cookie.
pub fn blank_cookie(secure: Secure) -> HeaderValue {
    cookie_value("", 0, secure)
}

fn cookie_value(token: &str, max_age: u64, secure: Secure) -> HeaderValue {
    let s = if secure.0 { "; Secure" } else { "" };
    let v = format!("{COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{s}");
    HeaderValue::from_str(&v)
        .unwrap_or_else(|_| HeaderValue::from_static("auth_session=; Max-Age=0"))
}

/// The client's address and whether its cookies want `Secure`, for the auth routes.
#[derive(Debug, Clone)]
pub struct Client {
    /// For the attempt limits.
    pub ip: String,
    /// `Secure` on cookies.
    pub secure: Secure,
    /// The cookie's token, if one was sent.
    pub token: Option<String>,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Client>()
            .cloned()
            .ok_or_else(|| ApiError::internal("the auth routes run without identify"))
    }
}

/// An account refusal as an answer with its status (429 with `Retry-After`).
impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        let msg = e.to_string();
        match e {
            AccountError::Invalid(_) | AccountError::EmailInUse | AccountError::BadCredentials => {
                ApiError::bad_request(msg, None)
            }
            AccountError::RegistrationClosed | AccountError::Forbidden(_) => {
                ApiError::forbidden("forbidden", msg)
            }
            AccountError::RateLimited { retry_after } => {
                let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limit_error", msg)
                    .code("rate_limited");
                e.retry_after = Some(retry_after.as_secs().max(1));
                e
            }
            AccountError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found_error",
                format!("{what} not found"),
            ),
            AccountError::Sealed(_) => ApiError::internal(msg),
            AccountError::Store(s) => s.into(),
        }
    }
}

/// 401: one answer, never worth retrying (the SDKs retry only what `x-should-retry` allows).
fn unauthorized(why: &str, family: Family) -> Response {
    let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "authentication_error", why)
        .code("invalid_api_key");
    e.no_retry = true;
    e.into_family_response(family)
}

/// Puts the [`Client`] on every request, and the [`Actor`] on those it can name one for:
/// the server's token (the machine's owner, admin), a `ck_` key, a live cookie login, or the
/// local owner while no account exists. A cookie that slid is set again; one that names no
/// login is blanked.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let family = Family::of_request(req.uri().path(), req.headers());
    let opts = state.options();
    let secure = Secure(over_https(&req, &opts.trusted_proxies));
    let token = cookie(req.headers(), COOKIE).map(str::to_owned);
    let client = Client {
        ip: client_ip_of(&req, &opts.trusted_proxies),
        secure,
        token: token.clone(),
    };
    req.extensions_mut().insert(client);
    let presented = presented_key(&req);
    let accounts = state.accounts();
    let mut caller_key = None;
    let mut set_cookie = None;
    let actor = match presented.as_deref() {
        Some(p)
            if opts
                .token
                .as_deref()
                .is_some_and(|t| constant_time_eq(p.as_bytes(), t.as_bytes())) =>
        {
            match machine_actor(state.store(), None).await {
                Ok(a) => Some(Actor { admin: true, ..a }),
                Err(e) => return ApiError::from(e).into_family_response(family),
            }
        }
        Some(p) if p.starts_with(KEY_PREFIX) => match accounts.key_user(p).await {
            Ok(Some(u)) => Some(Actor::user(u)),
            Ok(None) => {
                return unauthorized(
                    "this API key is not known here (revoked, or from another server)",
                    family,
                );
            }
            Err(e) => return ApiError::from(e).into_family_response(family),
        },
        other => {
            if opts.token.is_none() {
                // no server token: a bearer that looks like an Anthropic key is the upstream key
                caller_key = other
                    .filter(|p| p.starts_with("sk-ant-"))
                    .map(str::to_owned);
            }
            None
        }
    };
    let mut cookie_login = None;
    let actor = match (actor, token) {
        (Some(a), _) => Some(a),
        (None, Some(t)) => match accounts.cookie_login(&t).await {
            Ok(Some(l)) => {
                cookie_login = Some(l.clone());
                if l.fresh {
                    let issued = Issued {
                        token: t,
                        max_age: crate::engine::accounts::LOGIN_TTL,
                        login: l.login.clone(),
                    };
                    set_cookie = Some(login_cookie(&issued, secure));
                }
                Some(Actor::user(l.user))
            }
            Ok(None) => {
                set_cookie = Some(blank_cookie(secure));
                None
            }
            Err(e) => return ApiError::from(e).into_family_response(family),
        },
        (None, None) => None,
    };
    let actor = match actor {
        Some(a) => Some(a),
        // local mode: no token asked for and no account made
        None if opts.token.is_none() => match accounts.any().await {
            Ok(false) => Some(Actor::local()),
            Ok(true) => None,
            Err(e) => return ApiError::from(e).into_family_response(family),
        },
        None => None,
    };
    if let Some(a) = actor {
        req.extensions_mut().insert(a);
    }
    if let Some(l) = cookie_login {
        req.extensions_mut().insert(l);
    }
    req.extensions_mut().insert(CallerKey(caller_key));
    let mut resp = next.run(req).await;
    if let Some(c) = set_cookie
        && !resp.headers().contains_key(header::SET_COOKIE)
    {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

/// On the protected routes: a request without an [`Actor`] is refused (401).
pub async fn require(req: Request, next: Next) -> Response {
    if req.extensions().get::<Actor>().is_some() {
        return next.run(req).await;
    }
    let family = Family::of_request(req.uri().path(), req.headers());
    let why = match family {
        // Claude Code and the Anthropic SDKs send ANTHROPIC_API_KEY as `x-api-key`
        Family::Anthropic => {
            "this server wants its token or a ck_ API key, sent as `x-api-key` (ANTHROPIC_API_KEY) or `Authorization: Bearer` (ANTHROPIC_AUTH_TOKEN)"
        }
        _ => {
            "log in (POST /api/auth/login), or send `Authorization: Bearer <key>`: a ck_ API key or the server's token"
        }
    };
    unauthorized(why, family)
}

/// On the admin routes: a user who is not an admin is refused (403).
pub async fn require_admin(req: Request, next: Next) -> Response {
    match req.extensions().get::<Actor>() {
        Some(a) if a.admin => next.run(req).await,
        Some(_) => ApiError::forbidden("admin_only", "Admin access required")
            .into_family_response(Family::of_request(req.uri().path(), req.headers())),
        None => require(req, next).await,
    }
}

/// For what only admins may do inside a route others may use: 403 for anyone else.
pub fn admin_only(st: &AppState, what: &str) -> Result<(), ApiError> {
    if st.actor().admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "admin_only",
            format!("{what} is for admins"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_forwarded_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_block(ip("10.1.2.3"), "10.0.0.0/8"));
        assert!(!in_block(ip("11.1.2.3"), "10.0.0.0/8"));
        assert!(in_block(ip("::ffff:10.1.2.3"), "10.0.0.0/8"));
        assert!(in_block(ip("fd00::1"), "fd00::/8"));
        assert!(in_block(ip("127.0.0.1"), "127.0.0.1"));
        assert!(!in_block(ip("127.0.0.2"), "127.0.0.1"));
        assert!(!in_block(ip("127.0.0.1"), "garbage"));
        let trusted = vec!["127.0.0.1".to_owned()];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        // the nearest untrusted hop: what the proxy saw, not what the client claims
        assert_eq!(
            client_ip(&h, Some(ip("127.0.0.1")), &trusted),
            Some(ip("1.2.3.4"))
        );
        // an untrusted peer's header is ignored
        assert_eq!(
            client_ip(&h, Some(ip("9.9.9.9")), &trusted),
            Some(ip("9.9.9.9"))
        );
    }

    #[test]
    fn cookies_are_read_and_written_with_their_flags() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; auth_session=tok; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
        let v = blank_cookie(Secure(true));
        assert_eq!(
            v.to_str().unwrap(),
            "auth_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure"
        );
    }
}
