//! Accounts over HTTP, tried as an attacker would: cookie flags, sliding expiry on a clock we
//! move, rate limits behind proxies, API keys (with the official openai SDK), settings and
//! credentials sealed at rest, the admin's routes, local mode, bcrypt import, CORS with
//! credentials, and two users and an admin through every route that names a row.

use crate::support::server::{TestServer, read_until};
use crate::support::users::*;
use crate::support::{Reply, bare_remote};
use clauded::engine::accounts::{AccountSettings, Clock, Limits, Registration};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test]
async fn register_sets_the_cookie_and_answers_the_user_without_secrets() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    let r = post(
        &s,
        "/api/auth/register",
        &As::Nobody,
        json!({"email": "  Ann@Example.COM ", "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let token = r.token();
    assert!(token.len() >= 20, "a long random token: {token}");
    assert_eq!(
        r.set_cookie().unwrap(),
        format!("auth_session={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000"),
        "no Secure over plain http"
    );
    let v = r.json();
    assert_eq!(v["success"], json!(true));
    let user = &v["data"]["user"];
    assert_eq!(
        user["email"],
        json!("ann@example.com"),
        "trimmed, lowercased"
    );
    assert_eq!(user["isAdmin"], json!(true), "the first user is an admin");
    for k in [
        "id",
        "email",
        "displayName",
        "githubId",
        "preferredProvider",
        "preferredModel",
        "chatVerbosityLevel",
        "imageResizeMaxDimension",
        "voiceCommandKeywords",
        "defaultLandingPage",
        "isAdmin",
        "createdAt",
    ] {
        assert!(user.get(k).is_some(), "{k} in {user}");
    }
    let mut all = Vec::new();
    keys(&v, &mut all);
    assert!(
        all.iter().all(|k| !k.contains('_')),
        "camelCase keys only: {all:?}"
    );
    for secret in ["argon2", "$2", "sk-ant", "password", "hash", token.as_str()] {
        assert!(!r.text.contains(secret), "{secret:?} in {}", r.text);
    }
    // the login is stored as a hash of the token, never the token
    let now = jiff::Timestamp::now().as_millisecond();
    let hashed = clauded::crypto::sha256_hex(&token);
    assert!(s.store.login(&hashed, now).await.unwrap().is_some());
    assert!(s.store.login(&token, now).await.unwrap().is_none());
    // with default settings registration closes once a user exists
    let again = post(
        &s,
        "/api/auth/register",
        &As::Nobody,
        json!({"email": "bob@x.io", "password": PASSWORD}),
    )
    .await;
    again.refused(403);
}

#[tokio::test]
async fn register_refuses_missing_fields_short_passwords_and_taken_emails() {
    let s = TestServer::start_with(setup(open())).await;
    for (body, says) in [
        (json!({"password": PASSWORD}), "required"),
        (json!({"email": "a@x.io"}), "required"),
        (json!({"email": "", "password": PASSWORD}), "required"),
        (json!({"email": "a@x.io", "password": "short"}), "8"),
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            "email",
        ),
    ] {
        let r = post(&s, "/api/auth/register", &As::Nobody, body.clone()).await;
        let e = r.refused(400);
        assert!(e.contains(says), "{body}: {e}");
        assert!(r.set_cookie().is_none(), "no login for {body}");
    }
    let first = register(&s, "a@x.io").await;
    let r = post(
        &s,
        "/api/auth/register",
        &As::Nobody,
        json!({"email": " A@X.io", "password": "another-password"}),
    )
    .await;
    assert_eq!(r.refused(400), "Email already in use");
    // open registration: a second user, who is no admin (whatever the body says)
    let r = post(
        &s,
        "/api/auth/register",
        &As::Nobody,
        json!({"email": "b@x.io", "password": PASSWORD, "isAdmin": true, "is_admin": true}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json()["data"]["user"]["isAdmin"], json!(false));
    assert_eq!(me(&s, &first.who).await["isAdmin"], json!(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_first_registrations_at_once_make_one_account() {
    // registration is open only until the first user exists: racing registrations must not
    // both get in (nor both become admins)
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    let tries = (0..4).map(|i| {
        let (http, url) = (s.http.clone(), s.url("/api/auth/register"));
        async move {
            http.post(url)
                .json(&json!({"email": format!("racer{i}@x.io"), "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(tries).await;
    let users = s.store.users().await.unwrap();
    let admins = users.iter().filter(|u| u.is_admin).count();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}: {} users, {admins} admins",
        users.len()
    );
    assert_eq!(s.store.user_count().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_email_registered_twice_at_once_is_one_account() {
    let s = TestServer::start_with(setup(open())).await;
    let tries = (0..3).map(|_| {
        let (http, url) = (s.http.clone(), s.url("/api/auth/register"));
        async move {
            http.post(url)
                .json(&json!({"email": "twin@x.io", "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(tries).await;
    statuses.sort();
    assert_eq!(statuses, [201, 400, 400], "taken, not a server error");
}

#[tokio::test]
async fn the_cookie_is_secure_only_when_a_trusted_proxy_says_https() {
    let mut behind = setup(open());
    behind.options.trusted_proxies = vec!["127.0.0.1".into()];
    let s = TestServer::start_with(behind).await;
    let via_https = |path: &str, body: Value| {
        request(&s, Method::POST, path, &As::Nobody)
            .header("x-forwarded-proto", "https")
            .json(&body)
    };
    let r = send(via_https(
        "/api/auth/register",
        json!({"email": "a@x.io", "password": PASSWORD}),
    ))
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert!(
        r.set_cookie()
            .unwrap()
            .ends_with("; Max-Age=2592000; Secure"),
        "{r:?}"
    );
    let r = send(via_https(
        "/api/auth/login",
        json!({"email": "a@x.io", "password": PASSWORD}),
    ))
    .await;
    assert!(r.set_cookie().unwrap().contains("; Secure"), "{r:?}");
    // the blanking on logout keeps the flag
    let out = send(
        request(&s, Method::POST, "/api/auth/logout", &r.cookie())
            .header("x-forwarded-proto", "https"),
    )
    .await;
    assert!(out.set_cookie().unwrap().contains("Max-Age=0"), "{out:?}");
    assert!(out.set_cookie().unwrap().contains("; Secure"), "{out:?}");
    // plain http through the proxy: no Secure
    let r = login(&s, "a@x.io", PASSWORD).await;
    assert!(!r.set_cookie().unwrap().contains("Secure"), "{r:?}");

    // a peer that is no trusted proxy cannot ask for it
    let s = TestServer::start_with(setup(open())).await;
    let r = send(
        request(&s, Method::POST, "/api/auth/register", &As::Nobody)
            .header("x-forwarded-proto", "https")
            .json(&json!({"email": "a@x.io", "password": PASSWORD})),
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(!r.set_cookie().unwrap().contains("Secure"), "{r:?}");
}

#[tokio::test]
async fn login_refuses_both_mistakes_alike_and_remember_me_lasts_90_days() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    register(&s, "a@x.io").await;
    let wrong = login(&s, "a@x.io", "wrong-password").await;
    let unknown = login(&s, "nobody@x.io", PASSWORD).await;
    assert_eq!(wrong.refused(400), "Invalid email or password");
    assert_eq!(unknown.text, wrong.text, "the same body for both mistakes");
    assert!(wrong.set_cookie().is_none() && unknown.set_cookie().is_none());
    let missing = post(
        &s,
        "/api/auth/login",
        &As::Nobody,
        json!({"email": "a@x.io"}),
    )
    .await;
    missing.refused(400);

    let ok = login(&s, "  A@X.IO ", PASSWORD).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(ok.set_cookie().unwrap().contains("Max-Age=2592000"));
    assert_eq!(ok.json()["data"]["user"]["email"], json!("a@x.io"));
    let remembered = post(
        &s,
        "/api/auth/login",
        &As::Nobody,
        json!({"email": "a@x.io", "password": PASSWORD, "rememberMe": true}),
    )
    .await;
    assert_eq!(remembered.status, 200);
    assert_eq!(
        remembered.set_cookie().unwrap(),
        format!(
            "auth_session={}; HttpOnly; SameSite=Lax; Path=/; Max-Age=7776000",
            remembered.token()
        )
    );
    assert_ne!(ok.token(), remembered.token(), "each login its own token");
    // both logins work side by side
    me(&s, &ok.cookie()).await;
    me(&s, &remembered.cookie()).await;
}

#[tokio::test]
async fn an_unknown_email_takes_as_long_as_a_wrong_password() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    register(&s, "a@x.io").await;
    async fn median(s: &TestServer, email: &str) -> Duration {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            assert_eq!(login(s, email, "wrong-password").await.status, 400);
            times.push(t.elapsed());
        }
        times.sort();
        times[2]
    }
    let wrong = median(&s, "a@x.io").await;
    let unknown = median(&s, "nobody@x.io").await;
    // loose bounds (a busy machine): what matters is that no hash is not no work
    assert!(
        unknown * 3 > wrong && wrong * 3 > unknown,
        "wrong password {wrong:?}, unknown email {unknown:?}"
    );
}

#[tokio::test]
async fn the_session_route_logout_and_a_garbage_cookie() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    let a = register(&s, "a@x.io").await;
    let r = get(&s, "/api/auth/session", &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["success"], json!(true));
    assert_eq!(v["data"]["user"]["id"], json!(a.id));
    let session = &v["data"]["session"];
    assert_eq!(session["userId"], json!(a.id));
    assert_eq!(session["fresh"], json!(false));
    assert!(session["id"].is_string());
    let expires = session["expiresAt"].as_str().unwrap();
    let expires: jiff::Timestamp = expires.parse().unwrap();
    let left = expires.as_second() - jiff::Timestamp::now().as_second();
    assert!(
        (29 * 86400..=30 * 86400 + 60).contains(&left),
        "30 days: {left} s"
    );
    let As::Cookie(token) = &a.who else { panic!() };
    assert!(!r.text.contains(token.as_str()), "the token is not echoed");
    assert!(r.set_cookie().is_none(), "nothing to refresh yet");

    let none = get(&s, "/api/auth/session", &As::Nobody).await;
    none.refused(401);
    let garbage = get(&s, "/api/auth/session", &As::Cookie("garbage".into())).await;
    garbage.refused(401);
    let blank = garbage.set_cookie().expect("a garbage cookie is blanked");
    assert!(
        blank.starts_with("auth_session=;") && blank.contains("Max-Age=0"),
        "{blank}"
    );
    // on any route, not only the auth ones
    let elsewhere = get(&s, "/v1/sessions", &As::Cookie("garbage".into())).await;
    assert_eq!(elsewhere.status, 401);
    assert!(elsewhere.set_cookie().unwrap().contains("Max-Age=0"));

    let out = post(&s, "/api/auth/logout", &a.who, json!({})).await;
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(out.json()["success"], json!(true));
    let blank = out.set_cookie().unwrap();
    assert!(
        blank.starts_with("auth_session=;") && blank.contains("Max-Age=0"),
        "{blank}"
    );
    get(&s, "/api/auth/session", &a.who).await.refused(401);
    assert_eq!(get(&s, "/v1/sessions", &a.who).await.status, 401);
    // logging out again is no login either
    assert_eq!(
        post(&s, "/api/auth/logout", &a.who, json!({})).await.status,
        401
    );
}

#[tokio::test]
async fn logins_slide_after_half_their_time_and_end_after_thirty_unused_days() {
    let clock = Clock::system();
    let mut su = setup(AccountSettings::default());
    su.options.clock = clock.clone();
    let s = TestServer::start_with(su).await;
    let a = register(&s, "a@x.io").await;
    let As::Cookie(token) = a.who.clone() else {
        panic!()
    };
    clock.advance(14 * DAY);
    let r = get(&s, "/v1/sessions", &a.who).await;
    assert_eq!(r.status, 200);
    assert!(r.set_cookie().is_none(), "more than half is left: {r:?}");

    clock.advance(2 * DAY);
    let r = get(&s, "/api/auth/session", &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.set_cookie().expect("the cookie is set again"),
        format!("auth_session={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000"),
    );
    let expires: jiff::Timestamp = r.json()["data"]["session"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now_ms = jiff::Timestamp::now().as_millisecond() + (16 * DAY).as_millis() as i64;
    assert!(
        expires.as_millisecond() - now_ms > (29 * DAY).as_millis() as i64,
        "slid back to 30 days"
    );

    // used again within its new 30 days: still good, twenty days after the first expiry
    clock.advance(20 * DAY);
    let r = get(&s, "/v1/sessions", &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.set_cookie().is_some(), "slid once more");

    clock.advance(31 * DAY);
    let r = get(&s, "/api/auth/session", &a.who).await;
    r.refused(401);
    assert!(r.set_cookie().unwrap().contains("Max-Age=0"), "{r:?}");
    assert_eq!(get(&s, "/v1/sessions", &a.who).await.status, 401);
    // the account itself is fine
    assert_eq!(login(&s, "a@x.io", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn the_session_route_says_fresh_when_the_login_slid() {
    let clock = Clock::system();
    let mut su = setup(AccountSettings::default());
    su.options.clock = clock.clone();
    let s = TestServer::start_with(su).await;
    let a = register(&s, "a@x.io").await;
    clock.advance(16 * DAY);
    let r = get(&s, "/api/auth/session", &a.who).await;
    assert!(r.set_cookie().is_some(), "{r:?}");
    assert_eq!(
        r.json()["data"]["session"]["fresh"],
        json!(true),
        "the answer that re-set the cookie says so: {r:?}"
    );
}

/// A login attempt from `ip` (said by the trusted proxy in `X-Forwarded-For`).
async fn login_from(s: &TestServer, ip: &str, email: &str, password: &str) -> Answer {
    send(
        request(s, Method::POST, "/api/auth/login", &As::Nobody)
            .header("x-forwarded-for", ip)
            .json(&json!({"email": email, "password": password})),
    )
    .await
}

/// A 429 with a `Retry-After` of at least a second, in WebEDT's envelope.
fn limited(r: &Answer) {
    r.refused(429);
    let after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&after), "{r:?}");
}

fn limits(per_ip: u32, per_email: u32) -> AccountSettings {
    AccountSettings {
        limits: Limits {
            per_ip,
            per_email,
            window: Duration::from_secs(60),
        },
        ..open()
    }
}

#[tokio::test]
async fn failed_logins_are_limited_per_email_from_any_address() {
    let clock = Clock::system();
    let mut su = setup(limits(100, 3));
    su.options.trusted_proxies = vec!["127.0.0.1".into()];
    su.options.clock = clock.clone();
    let s = TestServer::start_with(su).await;
    register(&s, "a@x.io").await;
    // the registration was an attempt at the email too: start a fresh window
    clock.advance(Duration::from_secs(61));
    for i in 0..3 {
        let r = login_from(&s, &format!("10.0.0.{i}"), "a@x.io", "wrong-password").await;
        assert_eq!(r.status, 400, "attempt {i}: {r:?}");
    }
    // a fourth address, and the right password: the email is locked for the window
    limited(&login_from(&s, "10.0.0.9", "A@x.io", PASSWORD).await);
    // another email is not
    register(&s, "b@x.io").await;
    assert_eq!(
        login_from(&s, "10.0.0.9", "b@x.io", PASSWORD).await.status,
        200
    );
    clock.advance(Duration::from_secs(61));
    assert_eq!(
        login_from(&s, "10.0.0.9", "a@x.io", PASSWORD).await.status,
        200,
        "the window passed"
    );
}

#[tokio::test]
async fn login_attempts_are_limited_per_address_across_emails() {
    let mut su = setup(limits(4, 100));
    su.options.trusted_proxies = vec!["127.0.0.1".into()];
    let s = TestServer::start_with(su).await;
    for i in 0..4 {
        let r = login_from(&s, "10.9.9.9", &format!("u{i}@x.io"), PASSWORD).await;
        assert_eq!(r.status, 400, "attempt {i}: {r:?}");
    }
    limited(&login_from(&s, "10.9.9.9", "u9@x.io", PASSWORD).await);
    // the proxy's own address is not the client's: another client is not limited
    assert_eq!(
        login_from(&s, "10.9.9.10", "u9@x.io", PASSWORD)
            .await
            .status,
        400
    );
    // the nearest untrusted hop counts, not what the client put in front of it
    limited(&login_from(&s, "1.1.1.1, 10.9.9.9", "u9@x.io", PASSWORD).await);
    // registration counts against the address too
    let r = send(
        request(&s, Method::POST, "/api/auth/register", &As::Nobody)
            .header("x-forwarded-for", "10.9.9.9")
            .json(&json!({"email": "new@x.io", "password": PASSWORD})),
    )
    .await;
    limited(&r);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let s = TestServer::start_with(setup(limits(3, 100))).await;
    for i in 0..3 {
        let r = login_from(&s, &format!("10.1.1.{i}"), &format!("u{i}@x.io"), PASSWORD).await;
        assert_eq!(r.status, 400, "attempt {i}: {r:?}");
    }
    // every attempt counted against 127.0.0.1, whatever the header said
    limited(&login_from(&s, "10.1.1.200", "u8@x.io", PASSWORD).await);
    limited(&login(&s, "u8@x.io", PASSWORD).await);
}

/// What A made through `/v1/*`: a project, a session in it with one exchange, a stored
/// response.
struct V1Rows {
    project: String,
    session: String,
    response: String,
}

async fn a_makes_v1_rows(s: &TestServer, a: &As) -> V1Rows {
    let r = post(s, "/v1/projects", a, json!({"name": "A's project"})).await;
    assert_eq!(r.status, 201, "{r:?}");
    let project = r.json()["id"].as_str().unwrap().to_owned();
    s.fake.push(Reply::text("A's private answer"));
    let r = post(
        s,
        "/v1/chat/completions",
        a,
        json!({"project_id": project, "messages": [{"role": "user", "content": "A's secret plan"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let session = r.json()["session_id"].as_str().unwrap().to_owned();
    s.fake.push(Reply::text("A's stored reply"));
    let r = post(
        s,
        "/v1/responses",
        a,
        json!({"model": "claude-sonnet-4-5", "input": "A's stored question", "store": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let response = r.json()["id"].as_str().unwrap().to_owned();
    // the response is kept a moment after it is sent
    for _ in 0..100 {
        if get(s, &format!("/v1/responses/{response}"), a).await.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    V1Rows {
        project,
        session,
        response,
    }
}

/// A's rows are all there and unchanged.
async fn a_still_has(s: &TestServer, a: &As, rows: &V1Rows) {
    let r = get(s, &format!("/v1/sessions/{}", rows.session), a).await;
    assert_eq!(r.status, 200, "{r:?}");
    let msgs = get(s, &format!("/v1/sessions/{}/messages", rows.session), a).await;
    let texts: Vec<String> = msgs
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| crate::support::fake_anthropic::content_text(&m["content"]))
        .collect();
    assert_eq!(texts, ["A's secret plan", "A's private answer"]);
    let p = get(s, &format!("/v1/projects/{}", rows.project), a).await;
    assert_eq!(p.status, 200, "{p:?}");
    assert_eq!(p.json()["sessionCount"], json!(1), "{p:?}");
    let r = get(s, &format!("/v1/responses/{}", rows.response), a).await;
    assert_eq!(r.status, 200, "{r:?}");
}

/// A 404 that says nothing of A's row.
fn hidden(r: &Answer, what: &str) {
    assert_eq!(r.status, 404, "{what}: {r:?}");
    for leak in [
        "A's secret plan",
        "A's private answer",
        "A's project",
        "A's stored",
    ] {
        assert!(!r.text.contains(leak), "{what} shows {leak:?}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_never_sees_or_changes_a_users_v1_rows() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, b) = trio(&s).await;
    let rows = a_makes_v1_rows(&s, &a.who).await;
    let (sid, pid, rid) = (&rows.session, &rows.project, &rows.response);
    let upstream_before = s.fake.message_requests().len();

    for (name, other) in [("B", &b.who), ("the admin", &admin.who)] {
        let list = get(&s, "/v1/sessions", other).await;
        assert_eq!(list.status, 200);
        assert!(
            !list.text.contains(sid.as_str()),
            "{name} lists A's session: {list:?}"
        );
        let list = get(&s, "/v1/projects", other).await;
        assert!(
            !list.text.contains(pid.as_str()),
            "{name} lists A's project: {list:?}"
        );
        for path in [
            format!("/v1/sessions/{sid}"),
            format!("/v1/sessions/{sid}/messages"),
            format!("/v1/projects/{pid}"),
            format!("/v1/responses/{rid}"),
        ] {
            hidden(&get(&s, &path, other).await, &format!("{name} GET {path}"));
        }
        let r = get(&s, &format!("/v1/sessions?project_id={pid}"), other).await;
        assert_eq!(
            r.json(),
            json!([]),
            "{name} lists A's project's sessions: {r:?}"
        );
        let stats = get(&s, "/v1/sessions/stats", other).await.json();
        assert_eq!(stats["totalMessages"], json!(0), "{name}: {stats}");
    }
    let b = &b.who;
    for body in [
        json!({"content": "B was here", "reply": false}),
        json!({"content": "B was here"}),
        json!({"content": "B was here", "stream": true}),
    ] {
        let r = post(&s, &format!("/v1/sessions/{sid}/messages"), b, body.clone()).await;
        hidden(&r, &format!("B posts {body}"));
    }
    for path in [format!("/v1/sessions/{sid}"), format!("/v1/projects/{pid}")] {
        hidden(&delete(&s, &path, b).await, &format!("B DELETE {path}"));
    }
    let r = post(
        &s,
        &format!("/v1/sessions/{sid}/tools"),
        b,
        json!({"enabled_servers": ["builtin-bash"]}),
    )
    .await;
    hidden(&r, "B sets A's session tools");
    let r = post(
        &s,
        "/v1/mcp/servers/builtin-bash/enable",
        b,
        json!({"session_id": sid}),
    )
    .await;
    hidden(&r, "B enables a server on A's session");
    let r = delete(&s, &format!("/v1/chat/completions/{sid}"), b).await;
    assert_eq!(r.status, 200, "idempotent stop: {r:?}");
    assert_eq!(r.json()["was_running"], json!(false));

    // chat in session mode with A's session id: never A's history, never A's text
    for stream in [false, true] {
        s.fake.push(Reply::text("an answer for B"));
        let r = post(
            &s,
            "/v1/chat/completions",
            b,
            json!({"session_id": sid, "stream": stream, "messages": [{"role": "user", "content": "what was the plan?"}]}),
        )
        .await;
        for leak in ["A's secret plan", "A's private answer"] {
            assert!(!r.text.contains(leak), "stream {stream}: {r:?}");
        }
        // B's clients may choose any id, A's too: it names a session of B's own
        assert_eq!(r.status, 200, "stream {stream}: {r:?}");
        let sent = s.fake.message_requests().last().unwrap().raw.clone();
        assert!(
            !sent.contains("A's secret plan"),
            "A's history went up: {sent}"
        );
    }
    // a continuation of A's stored response
    let r = post(
        &s,
        "/v1/responses",
        b,
        json!({"model": "claude-sonnet-4-5", "previous_response_id": rid, "input": "and then?"}),
    )
    .await;
    assert!(
        r.status == 404 || r.status == 400,
        "B continued A's response: {r:?}"
    );
    // B's chat in A's project name does not land in A's project
    s.fake.push(Reply::text("an answer for B"));
    let r = post(
        &s,
        "/v1/chat/completions",
        b,
        json!({"project_id": pid, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert!(!r.text.contains("A's project"), "{r:?}");
    // a session id of B's choosing that is A's: not A's session (nor a 5xx)
    let r = post(&s, "/v1/sessions", b, json!({"id": sid, "title": "B's"})).await;
    assert!(r.status < 500 && r.status != 201, "{r:?}");
    let r = post(&s, "/v1/projects", b, json!({"id": pid, "name": "B's"})).await;
    assert!(r.status < 500 && r.status != 201, "{r:?}");

    // nothing upstream ever carried A's words for B
    for req in &s.fake.message_requests()[upstream_before..] {
        let body = req.body.to_string();
        assert!(
            !body.contains("A's secret plan") && !body.contains("A's stored question"),
            "B's request carried A's history: {body}"
        );
    }
    a_still_has(&s, &a.who, &rows).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_cannot_stop_a_running_turn() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    s.fake
        .push(Reply::text("a slow answer that B cannot stop").delivered(
            crate::support::Delivery {
                event_delay: Duration::from_millis(150),
                ..Default::default()
            },
        ));
    let turn = {
        let r = request(&s, Method::POST, "/v1/chat/completions", &a.who).json(&json!({
            "session_id": "a-running-turn", "stream": true,
            "messages": [{"role": "user", "content": "go slowly"}]}));
        tokio::spawn(async move { r.send().await.unwrap().text().await.unwrap() })
    };
    // running: A sees it
    let mut running = false;
    for _ in 0..100 {
        let r = get(&s, "/v1/sessions/a-running-turn", &a.who).await;
        if r.json()["isActive"] == json!(true) {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(running, "the turn never showed as running");
    let r = delete(&s, "/v1/chat/completions/a-running-turn", &b.who).await;
    assert_eq!(r.json()["was_running"], json!(false), "{r:?}");
    for path in [
        "/api/sessions/a-running-turn/abort",
        "/api/sessions/a-running-turn/interrupt",
    ] {
        let r = post(&s, path, &b.who, json!({})).await;
        assert_eq!(r.status, 404, "{path}: {r:?}");
    }
    let body = tokio::time::timeout(Duration::from_secs(20), turn)
        .await
        .unwrap()
        .unwrap();
    let text: String = crate::support::server::sse_json(&body)
        .0
        .iter()
        .filter_map(|f| {
            f["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(text, "a slow answer that B cannot stop");
}

/// A WebEDT run by `who` on a fresh bare remote, read to its end: its session id and path.
async fn a_run(s: &TestServer, who: &As) -> (String, String) {
    let remote = bare_remote(s.dir.path());
    let body = request(s, Method::POST, "/api/execute-remote", who)
        .json(
            &json!({"userRequest": "Look at A's repository", "autoCommit": false,
            "github": {"repoUrl": remote.to_str().unwrap(), "branch": "main"}}),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let frames = crate::support::sse_frames(&body);
    let sid = frames
        .iter()
        .find_map(|f| f.2["websiteSessionId"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no session in {body}"));
    assert!(body.contains("\"completed\""), "{body}");
    let row = get(s, &format!("/api/sessions/{sid}"), who).await;
    assert_eq!(row.status, 200, "{row:?}");
    let path = row.json()["session"]["sessionPath"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (sid, path)
}

async fn event_count(s: &TestServer, sid: &str, who: &As) -> usize {
    let r = get(s, &format!("/api/sessions/{sid}/events"), who).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["data"]["events"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_never_sees_or_changes_a_users_runs() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, b) = trio(&s).await;
    let (sid, path) = a_run(&s, &a.who).await;
    assert!(!path.is_empty());
    let events = event_count(&s, &sid, &a.who).await;
    assert!(events > 2);
    let upstream_before = s.fake.message_requests().len();

    for (name, other) in [("B", &b.who), ("the admin", &admin.who)] {
        let list = get(&s, "/api/sessions", other).await;
        assert_eq!(list.status, 200, "{list:?}");
        assert_eq!(list.json()["data"]["total"], json!(0), "{name}: {list:?}");
        for id in [sid.as_str(), path.as_str()] {
            for p in [
                format!("/api/sessions/{id}"),
                format!("/api/sessions/{id}/events"),
                format!("/api/resume/{id}"),
                format!("/v1/sessions/{id}"),
                format!("/v1/sessions/{id}/messages"),
            ] {
                let r = get(&s, &p, other).await;
                assert_eq!(r.status, 404, "{name} GET {p}: {r:?}");
                assert!(!r.text.contains("A's repository"), "{name} GET {p}: {r:?}");
            }
            // WebEDT answers 403 on its stream endpoint for another user's session
            for p in [
                format!("/api/sessions/{id}/events/stream"),
                format!("/api/sessions/{id}/stream"),
            ] {
                let r = get(&s, &p, other).await;
                assert!(r.status == 403 || r.status == 404, "{name} GET {p}: {r:?}");
                assert!(!r.text.contains("A's repository"), "{name} GET {p}: {r:?}");
                assert_eq!(r.json()["success"], json!(false), "{r:?}");
            }
        }
    }
    let b = &b.who;
    for id in [sid.as_str(), path.as_str()] {
        for p in [
            format!("/api/sessions/{id}/abort"),
            format!("/api/sessions/{id}/interrupt"),
            format!("/api/internal/sessions/{id}/interrupt"),
        ] {
            let r = post(&s, &p, b, json!({})).await;
            assert_eq!(r.status, 404, "B POST {p}: {r:?}");
        }
        let r = delete(&s, &format!("/api/sessions/{id}"), b).await;
        assert_eq!(r.status, 404, "B DELETE {id}: {r:?}");
        // a follow-up run on A's session
        let r = post(
            &s,
            "/api/execute-remote",
            b,
            json!({"websiteSessionId": id, "userRequest": "push to A's branch"}),
        )
        .await;
        assert_eq!(r.status, 404, "B continues A's run: {r:?}");
        let r = get(
            &s,
            &format!("/api/execute-remote?websiteSessionId={id}&userRequest=more"),
            b,
        )
        .await;
        assert_eq!(r.status, 404, "B continues A's run by GET: {r:?}");
    }
    assert_eq!(
        s.fake.message_requests().len(),
        upstream_before,
        "nothing ran for B"
    );
    // A's run is whole
    assert_eq!(event_count(&s, &sid, &a.who).await, events);
    let row = get(&s, &format!("/api/sessions/{sid}"), &a.who).await;
    assert_eq!(
        row.json()["session"]["status"],
        json!("completed"),
        "{row:?}"
    );
    let listed = get(&s, "/api/sessions", &a.who).await.json();
    assert_eq!(listed["data"]["total"], json!(1), "{listed}");
    let replay = get(&s, &format!("/api/sessions/{sid}/events/stream"), &a.who).await;
    assert!(replay.text.contains("_replayed"), "{replay:?}");
}

/// Claude Code's permission hook as `who`, waiting in the background for its answer.
fn hook_as(s: &TestServer, who: &As, tool_use_id: &str) -> tokio::task::JoinHandle<Answer> {
    let r = request(
        s,
        Method::POST,
        "/v1/hooks/permission-request?timeout=20",
        who,
    )
    .json(
        &json!({"session_id": "5d0c1a2b-0000-4000-8000-00000000aa01", "cwd": "/work/a",
        "hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_use_id": tool_use_id,
        "tool_input": {"command": "deploy A's secret"}}),
    );
    tokio::spawn(send(r))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_are_listed_streamed_and_answered_only_by_their_owner() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    // B watches the approval stream from before A asks
    let b_stream = request(&s, Method::GET, "/v1/approvals/stream", &b.who)
        .send()
        .await
        .unwrap();
    assert_eq!(b_stream.status(), 200);
    let hook = hook_as(&s, &a.who, "toolu_A1");
    let mut id = None;
    for _ in 0..100 {
        let v = get(&s, "/v1/approvals", &a.who).await.json();
        if let Some(x) = v["data"][0]["id"].as_str() {
            id = Some(x.to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = id.expect("A's approval is pending");
    let listed = get(&s, "/v1/approvals", &b.who).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["data"], json!([]), "{listed:?}");
    let r = post(
        &s,
        &format!("/v1/approvals/{id}"),
        &b.who,
        json!({"decision": "allow"}),
    )
    .await;
    assert_eq!(r.status, 404, "B answers A's approval: {r:?}");
    let r = post(
        &s,
        "/v1/sessions/5d0c1a2b-0000-4000-8000-00000000aa01/approvals/toolu_A1",
        &b.who,
        json!({"decision": "allow"}),
    )
    .await;
    assert_eq!(r.status, 404, "B answers by tool use: {r:?}");
    assert!(!hook.is_finished(), "still waiting for A");
    // A answers; the hook hears A's verdict
    let r = post(
        &s,
        &format!("/v1/approvals/{id}"),
        &a.who,
        json!({"decision": "deny"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let out = tokio::time::timeout(Duration::from_secs(10), hook)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        out.json()["hookSpecificOutput"]["decision"]["behavior"],
        json!("deny"),
        "{out:?}"
    );
    // B's stream saw nothing of it: only keep-alives, if anything
    let mut body = b_stream.bytes_stream();
    let mut seen = String::new();
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while let Some(Ok(c)) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&c));
        }
    })
    .await;
    assert!(
        !seen.contains("approval_request") && !seen.contains("deploy"),
        "B's stream showed A's approval: {seen}"
    );
}

/// A new API key for `who`: the key and its id.
async fn new_key(s: &TestServer, who: &As, name: &str) -> (String, String) {
    let r = post(s, "/api/user/api-keys", who, json!({"name": name})).await;
    assert_eq!(r.status, 201, "{r:?}");
    let d = &r.json()["data"];
    (
        d["key"].as_str().unwrap().to_owned(),
        d["id"].as_str().unwrap().to_owned(),
    )
}

/// The ids of the sessions `GET /v1/sessions` lists for `who`.
async fn session_ids(s: &TestServer, who: &As) -> Vec<String> {
    let r = get(s, "/v1/sessions", who).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn api_keys_are_shown_once_and_act_as_their_user() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let r = post(&s, "/api/user/api-keys", &a.who, json!({"name": "laptop"})).await;
    assert_eq!(r.status, 201, "{r:?}");
    let d = r.json()["data"].clone();
    let key = d["key"].as_str().unwrap().to_owned();
    let key_id = d["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("ck_") && key.len() >= 30, "{key}");
    assert_eq!(d["name"], json!("laptop"));
    assert!(key.starts_with(d["prefix"].as_str().unwrap()));
    assert!(d["prefix"].as_str().unwrap().len() < key.len() / 2);
    post(&s, "/api/user/api-keys", &a.who, json!({}))
        .await
        .refused(400);
    post(&s, "/api/user/api-keys", &a.who, json!({"name": "  "}))
        .await
        .refused(400);

    let listed = get(&s, "/api/user/api-keys", &a.who).await;
    assert_eq!(listed.status, 200);
    assert!(
        !listed.text.contains(&key),
        "the key is shown once: {listed:?}"
    );
    let keys = listed.json()["data"]["keys"].clone();
    assert_eq!(keys.as_array().unwrap().len(), 1, "{keys}");
    assert_eq!(keys[0]["id"], json!(key_id));
    assert_eq!(keys[0]["name"], json!("laptop"));
    assert_eq!(keys[0]["prefix"], d["prefix"]);
    assert!(keys[0]["createdAt"].is_string());
    assert_eq!(keys[0]["lastUsedAt"], json!(null));
    let b_list = get(&s, "/api/user/api-keys", &b.who).await;
    assert_eq!(b_list.json()["data"]["keys"], json!([]), "{b_list:?}");

    // the key is A on /v1 and /api, as a bearer or x-api-key
    let r = post(
        &s,
        "/v1/sessions",
        &As::Bearer(key.clone()),
        json!({"title": "made with a key"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let sid = r.json()["id"].as_str().unwrap().to_owned();
    assert!(session_ids(&s, &a.who).await.contains(&sid));
    assert!(!session_ids(&s, &b.who).await.contains(&sid));
    assert!(
        session_ids(&s, &As::XApiKey(key.clone()))
            .await
            .contains(&sid)
    );
    for who in [As::Bearer(key.clone()), As::XApiKey(key.clone())] {
        let r = get(&s, "/api/sessions", &who).await;
        assert_eq!(r.status, 200, "{r:?}");
        let r = get(&s, "/api/user/api-keys", &who).await;
        assert_eq!(r.json()["data"]["keys"][0]["id"], json!(key_id), "{r:?}");
    }
    let by_key = get(&s, "/v1/sessions", &As::Bearer(key.clone())).await;
    assert!(by_key.set_cookie().is_none(), "a key makes no cookie");
    let used = get(&s, "/api/user/api-keys", &a.who).await.json();
    assert!(
        used["data"]["keys"][0]["lastUsedAt"].is_string(),
        "last use noted: {used}"
    );
    // a bearer key is no browser's: an unsafe request from another site passes with it
    let r = send(
        request(&s, Method::POST, "/v1/sessions", &As::Bearer(key.clone()))
            .header("origin", "https://elsewhere.example")
            .header("sec-fetch-site", "cross-site")
            .json(&json!({"title": "from a page with the key"})),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");

    // B cannot delete it, nor does B's key act as A
    let r = delete(&s, &format!("/api/user/api-keys/{key_id}"), &b.who).await;
    r.refused(404);
    let (b_key, _) = new_key(&s, &b.who, "b's").await;
    assert!(!session_ids(&s, &As::Bearer(b_key)).await.contains(&sid));
    assert_eq!(
        get(&s, "/v1/sessions", &As::Bearer(key.clone()))
            .await
            .status,
        200
    );
    // a made-up key is refused, not taken for no key at all
    for made_up in ["ck_madeup", "ck_", &format!("{key}x")] {
        let r = get(&s, "/v1/sessions", &As::Bearer(made_up.to_owned())).await;
        assert_eq!(r.status, 401, "{made_up}: {r:?}");
    }

    let r = delete(&s, &format!("/api/user/api-keys/{key_id}"), &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["success"], json!(true));
    for who in [As::Bearer(key.clone()), As::XApiKey(key.clone())] {
        let r = get(&s, "/v1/sessions", &who).await;
        assert_eq!(r.status, 401, "a deleted key: {r:?}");
        assert!(
            r.json()["error"]["message"].is_string(),
            "OpenAI's shape: {r:?}"
        );
        get(&s, "/api/sessions", &who).await.refused(401);
    }
    // A's login still works, and the session made with the key is A's
    assert!(session_ids(&s, &a.who).await.contains(&sid));
}

/// The official openai SDK with a user's `ck_` key: plain and streamed, and a revoked key.
const SDK_SCRIPT: &str = r#"
import sys, openai
base, key = sys.argv[1].rstrip("/") + "/v1", sys.argv[2]
c = openai.OpenAI(base_url=base, api_key=key, max_retries=0)
r = c.chat.completions.create(model="claude-sonnet-4-5",
    messages=[{"role": "user", "content": "hello from the sdk"}],
    extra_body={"project_id": "sdk-project"})
assert r.choices[0].message.content == "Hello, SDK user", r
sid = (r.model_extra or {}).get("session_id")
assert sid, r
chunks = list(c.chat.completions.create(model="claude-sonnet-4-5", stream=True,
    messages=[{"role": "user", "content": "and streamed"}], extra_body={"session_id": sid}))
text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
assert text == "Streamed to the SDK user", text
bad = openai.OpenAI(base_url=base, api_key="ck_revoked_or_made_up", max_retries=0)
try:
    bad.chat.completions.create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "x"}])
    raise SystemExit("a made-up key was accepted")
except openai.AuthenticationError:
    pass
print("session", sid)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_openai_sdk_with_a_users_key() {
    let python = crate::openai_sdk::python();
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let (key, _) = new_key(&s, &a.who, "sdk").await;
    s.fake.push(Reply::text("Hello, SDK user"));
    s.fake.push(Reply::text("Streamed to the SDK user"));
    let out = tokio::process::Command::new(python)
        .args(["-c", SDK_SCRIPT, &s.base, &key])
        .env("OPENAI_LOG", "")
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sid = stdout
        .lines()
        .find_map(|l| l.strip_prefix("session "))
        .unwrap()
        .trim()
        .to_owned();
    let filter = Default::default();
    let mine = s.store.spaced(&a.id).sessions(&filter).await.unwrap();
    let found = mine.iter().find(|x| x.id == sid).expect("A's session");
    assert_eq!(found.project_id, "sdk-project");
    assert_eq!(found.message_count, 4, "both turns in one session");
    let theirs = s.store.spaced(&b.id).sessions(&filter).await.unwrap();
    assert!(theirs.iter().all(|x| x.id != sid));
    // the second turn carried the first: the SDK's session continued
    let reqs = s.fake.message_requests();
    let texts: Vec<String> = reqs[1].body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| crate::support::fake_anthropic::content_text(&m["content"]))
        .collect();
    assert_eq!(
        texts,
        ["hello from the sdk", "Hello, SDK user", "and streamed"]
    );
    // the ck_ key is ours: it never goes upstream
    assert!(
        reqs.iter()
            .all(|r| r.header("x-api-key") != Some(key.as_str())),
        "the user's clauded key was sent to Anthropic"
    );
}

/// `{success:true, data:{message}}`.
fn said(r: &Answer) {
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["success"], json!(true), "{r:?}");
    assert!(
        v["data"]["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{r:?}"
    );
}

#[tokio::test]
async fn settings_are_kept_and_bad_values_named() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let a = &a.who;
    for (route, body, key, shown) in [
        (
            "preferred-provider",
            json!({"provider": "gemini"}),
            "preferredProvider",
            json!("gemini"),
        ),
        (
            "preferred-model",
            json!({"preferredModel": "opus"}),
            "preferredModel",
            json!("opus"),
        ),
        (
            "preferred-model",
            json!({"preferredModel": "claude-opus-4-1"}),
            "preferredModel",
            json!("claude-opus-4-1"),
        ),
        (
            "chat-verbosity",
            json!({"verbosityLevel": "minimal"}),
            "chatVerbosityLevel",
            json!("minimal"),
        ),
        (
            "default-landing-page",
            json!({"landingPage": "library"}),
            "defaultLandingPage",
            json!("library"),
        ),
        (
            "image-resize-setting",
            json!({"maxDimension": 2048}),
            "imageResizeMaxDimension",
            json!(2048),
        ),
        (
            "display-name",
            json!({"displayName": "  Ann A. "}),
            "displayName",
            json!("Ann A."),
        ),
        (
            "voice-command-keywords",
            json!({"keywords": ["send it", "over"]}),
            "voiceCommandKeywords",
            json!(["send it", "over"]),
        ),
    ] {
        let r = post(&s, &format!("/api/user/{route}"), a, body.clone()).await;
        said(&r);
        assert_eq!(me(&s, a).await[key], shown, "{route} {body}");
    }
    // an empty model is WebEDT's "default"
    said(
        &post(
            &s,
            "/api/user/preferred-model",
            a,
            json!({"preferredModel": ""}),
        )
        .await,
    );
    assert_eq!(me(&s, a).await["preferredModel"], json!(""));
    for (route, body, named) in [
        ("preferred-provider", json!({"provider": "bard"}), "bard"),
        ("preferred-provider", json!({}), "provider"),
        (
            "preferred-model",
            json!({"preferredModel": "gpt-4"}),
            "gpt-4",
        ),
        ("chat-verbosity", json!({"verbosityLevel": "loud"}), "loud"),
        (
            "default-landing-page",
            json!({"landingPage": "home"}),
            "home",
        ),
        ("image-resize-setting", json!({"maxDimension": 511}), "511"),
        (
            "image-resize-setting",
            json!({"maxDimension": 8001}),
            "8001",
        ),
        (
            "image-resize-setting",
            json!({"maxDimension": "big"}),
            "maxDimension",
        ),
        (
            "display-name",
            json!({"displayName": "x".repeat(101)}),
            "100",
        ),
    ] {
        let r = post(&s, &format!("/api/user/{route}"), a, body.clone()).await;
        let e = r.refused(400);
        assert!(e.contains(named), "{route} {body}: {e}");
    }
    // the values from before the refusals stand
    let u = me(&s, a).await;
    assert_eq!(
        (
            u["preferredProvider"].clone(),
            u["imageResizeMaxDimension"].clone()
        ),
        (json!("gemini"), json!(2048))
    );
    // B's settings are B's
    let ub = me(&s, &b.who).await;
    assert_eq!(
        (
            ub["preferredProvider"].clone(),
            ub["displayName"].clone(),
            ub["chatVerbosityLevel"].clone()
        ),
        (json!("claude"), json!(null), json!("verbose"))
    );
    // not logged in: no settings
    let r = post(
        &s,
        "/api/user/chat-verbosity",
        &As::Nobody,
        json!({"verbosityLevel": "normal"}),
    )
    .await;
    r.refused(401);
}

const ACCESS: &str = "sk-ant-oat01-ACCESS-TOKEN-of-user-a-0001";
const REFRESH: &str = "sk-ant-ort01-REFRESH-TOKEN-of-user-a-0001";
const OWN_KEY: &str = "sk-ant-api03-OWN-KEY-of-user-a-000000000001";

fn claude_auth(n: u32) -> Value {
    json!({"accessToken": format!("{ACCESS}{n}"), "refreshToken": format!("{REFRESH}{n}"),
        "expiresAt": 1_893_456_000_000_i64, "scopes": ["user:inference"], "subscriptionType": "max"})
}

#[tokio::test]
async fn claude_auth_and_anthropic_keys_are_taken_in_every_shape_and_never_shown() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, _) = trio(&s).await;
    let a_id = a.id.clone();
    let a = &a.who;
    let shown = |who: As| {
        let s = &s;
        async move {
            let r = get(s, "/api/auth/session", &who).await;
            for secret in [ACCESS, REFRESH, OWN_KEY, "v1:"] {
                assert!(!r.text.contains(secret), "{secret} shown: {r:?}");
            }
            r.json()["data"]["user"].clone()
        }
    };
    assert_eq!(shown(a.clone()).await["claudeAuthConnected"], json!(false));
    for (n, body) in [
        json!({"claudeAuth": claude_auth(1)}),
        json!({"claudeAiOauth": claude_auth(2)}),
        claude_auth(3),
        // WebEDT's settings page: the credentials file pasted whole, sent as claudeAuth
        json!({"claudeAuth": {"claudeAiOauth": claude_auth(4)}}),
    ]
    .into_iter()
    .enumerate()
    {
        let r = post(&s, "/api/user/claude-auth", a, body.clone()).await;
        said(&r);
        assert!(!r.text.contains(ACCESS), "{r:?}");
        let u = shown(a.clone()).await;
        assert_eq!(u["claudeAuthConnected"], json!(true), "shape {n}: {u}");
        assert_eq!(u["claudeAuth"]["subscriptionType"], json!("max"), "{u}");
        assert_eq!(u["claudeAuth"]["expiresAt"], json!(1_893_456_000_000_i64));
    }
    for bad in [
        json!({"claudeAuth": {"accessToken": ACCESS}}),
        json!({"accessToken": ACCESS, "refreshToken": ""}),
        json!({"claudeAiOauth": {"refreshToken": REFRESH}}),
        json!({}),
    ] {
        let e = post(&s, "/api/user/claude-auth", a, bad.clone())
            .await
            .refused(400);
        assert!(
            e.contains("refreshToken") || e.contains("accessToken"),
            "{bad}: {e}"
        );
    }
    assert_eq!(
        shown(a.clone()).await["claudeAuthConnected"],
        json!(true),
        "still the last good one"
    );
    // the admin's view of A shows no token either
    let r = get(&s, &format!("/api/admin/users/{a_id}"), &admin.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        !r.text.contains(ACCESS) && !r.text.contains(REFRESH),
        "{r:?}"
    );
    let r = get(&s, "/api/admin/users", &admin.who).await;
    assert!(
        !r.text.contains(ACCESS) && !r.text.contains("argon2"),
        "{r:?}"
    );
    said(&delete(&s, "/api/user/claude-auth", a).await);
    let u = shown(a.clone()).await;
    assert_eq!(u["claudeAuthConnected"], json!(false), "{u}");
    assert!(u["claudeAuth"].is_null(), "{u}");

    assert_eq!(
        shown(a.clone()).await["anthropicKeyConnected"],
        json!(false)
    );
    said(&post(&s, "/api/user/anthropic-key", a, json!({"apiKey": OWN_KEY})).await);
    assert_eq!(shown(a.clone()).await["anthropicKeyConnected"], json!(true));
    for bad in [
        json!({"apiKey": "not-a-key"}),
        json!({}),
        json!({"apiKey": "sk-ant- x"}),
    ] {
        let e = post(&s, "/api/user/anthropic-key", a, bad.clone())
            .await
            .refused(400);
        assert!(e.contains("apiKey"), "{bad}: {e}");
    }
    said(&delete(&s, "/api/user/anthropic-key", a).await);
    assert_eq!(
        shown(a.clone()).await["anthropicKeyConnected"],
        json!(false)
    );
}

#[tokio::test]
async fn the_database_file_alone_reveals_no_credential_password_key_or_token() {
    let s = TestServer::start_with(setup(open())).await;
    let password = "a-very-unusual-password-4242";
    let r = post(
        &s,
        "/api/auth/register",
        &As::Nobody,
        json!({"email": "a@x.io", "password": password}),
    )
    .await;
    assert_eq!(r.status, 201);
    let (a, token) = (r.cookie(), r.token());
    said(
        &post(
            &s,
            "/api/user/anthropic-key",
            &a,
            json!({"apiKey": OWN_KEY}),
        )
        .await,
    );
    said(
        &post(
            &s,
            "/api/user/claude-auth",
            &a,
            json!({"claudeAuth": claude_auth(7)}),
        )
        .await,
    );
    let (key, _) = new_key(&s, &a, "at rest").await;
    let bytes = database_bytes(&s).unwrap();
    assert!(contains(&bytes, "a@x.io"), "this is the right file");
    for secret in [
        OWN_KEY,
        &format!("{ACCESS}7"),
        &format!("{REFRESH}7"),
        password,
        &key,
        &token,
    ] {
        assert!(
            !contains(&bytes, secret),
            "{secret} is in the database file"
        );
    }
    // and the server still reads them back (sealed, not lost)
    let u = me(&s, &a).await;
    assert_eq!(
        (
            u["anthropicKeyConnected"].clone(),
            u["claudeAuthConnected"].clone()
        ),
        (json!(true), json!(true))
    );
}

#[tokio::test]
async fn admin_routes_refuse_strangers_and_users() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, _) = trio(&s).await;
    let routes = [
        (Method::GET, "/api/admin/users".to_owned()),
        (Method::GET, format!("/api/admin/users/{}", admin.id)),
        (Method::POST, "/api/admin/users".to_owned()),
        (Method::PATCH, format!("/api/admin/users/{}", a.id)),
        (Method::DELETE, format!("/api/admin/users/{}", admin.id)),
        (
            Method::POST,
            format!("/api/admin/users/{}/impersonate", admin.id),
        ),
        (Method::GET, "/api/admin/stats".to_owned()),
    ];
    for (m, path) in &routes {
        let body = json!({"email": "c@x.io", "password": PASSWORD, "isAdmin": true});
        let r = send(request(&s, m.clone(), path, &As::Nobody).json(&body)).await;
        r.refused(401);
        let r = send(request(&s, m.clone(), path, &a.who).json(&body)).await;
        let e = r.refused(403);
        assert!(e.contains("Admin"), "{m} {path}: {e}");
    }
    assert_eq!(get(&s, "/metrics", &a.who).await.status, 403);
    // nothing happened
    assert_eq!(s.store.user_count().await.unwrap(), 3);
    assert_eq!(me(&s, &admin.who).await["isAdmin"], json!(true));
    assert_eq!(me(&s, &a.who).await["isAdmin"], json!(false));
    assert!(s.store.user_by_email("c@x.io").await.unwrap().is_none());
}

#[tokio::test]
async fn an_admin_lists_creates_changes_and_counts_users() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    let admin = register(&s, "admin@x.io").await;
    let ad = &admin.who;
    let r = post(
        &s,
        "/api/admin/users",
        ad,
        json!({"email": " Cee@X.io", "password": PASSWORD, "displayName": "Cee"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let c = r.json()["data"].clone();
    let c_id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            c["email"].clone(),
            c["displayName"].clone(),
            c["isAdmin"].clone()
        ),
        (json!("cee@x.io"), json!("Cee"), json!(false))
    );
    assert!(!r.text.contains("argon2"), "{r:?}");
    let r = post(
        &s,
        "/api/admin/users",
        ad,
        json!({"email": "d@x.io", "password": PASSWORD, "isAdmin": true}),
    )
    .await;
    assert_eq!(r.status, 201);
    let d_id = r.json()["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["data"]["isAdmin"], json!(true));
    assert_eq!(
        post(
            &s,
            "/api/admin/users",
            ad,
            json!({"email": "cee@x.io", "password": PASSWORD})
        )
        .await
        .refused(400),
        "Email already in use"
    );
    post(
        &s,
        "/api/admin/users",
        ad,
        json!({"email": "e@x.io", "password": "short"}),
    )
    .await
    .refused(400);
    post(&s, "/api/admin/users", ad, json!({"password": PASSWORD}))
        .await
        .refused(400);
    // the new user logs in with what the admin set
    let cee = login(&s, "cee@x.io", PASSWORD).await;
    assert_eq!(cee.status, 200, "{cee:?}");

    let list = get(&s, "/api/admin/users", ad).await;
    assert_eq!(list.status, 200);
    let emails: Vec<String> = list.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(emails, ["admin@x.io", "cee@x.io", "d@x.io"]);
    let one = get(&s, &format!("/api/admin/users/{c_id}"), ad).await;
    assert_eq!(one.json()["data"]["email"], json!("cee@x.io"), "{one:?}");
    get(&s, "/api/admin/users/NOSUCHUSER000000", ad)
        .await
        .refused(404);

    let patch = |id: &str, body: Value| {
        send(request(&s, Method::PATCH, &format!("/api/admin/users/{id}"), ad).json(&body))
    };
    let r = patch(&c_id, json!({"displayName": "Cee Two", "isAdmin": true})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (
            r.json()["data"]["displayName"].clone(),
            r.json()["data"]["isAdmin"].clone()
        ),
        (json!("Cee Two"), json!(true))
    );
    assert_eq!(me(&s, &cee.cookie()).await["isAdmin"], json!(true));
    let r = patch(&c_id, json!({"isAdmin": false})).await;
    assert_eq!(r.json()["data"]["isAdmin"], json!(false));
    assert_eq!(
        patch(&c_id, json!({"email": "d@x.io"})).await.refused(400),
        "Email already in use"
    );
    patch(&c_id, json!({"password": "short"}))
        .await
        .refused(400);
    patch("NOSUCHUSER000000", json!({"displayName": "x"}))
        .await
        .refused(404);
    let r = patch(&c_id, json!({"password": "a-new-password-1"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(login(&s, "cee@x.io", "a-new-password-1").await.status, 200);
    assert_eq!(login(&s, "cee@x.io", PASSWORD).await.status, 400);

    let stats = get(&s, "/api/admin/stats", ad).await;
    assert_eq!(stats.status, 200);
    let st = stats.json()["data"].clone();
    assert_eq!(
        (st["totalUsers"].clone(), st["totalAdmins"].clone()),
        (json!(3), json!(2)),
        "{st}"
    );
    // the admin's login and cee's after the password change (which ended her first)
    assert_eq!(st["activeSessions"], json!(2), "{st}");
    let d = get(&s, &format!("/api/admin/users/{d_id}"), ad)
        .await
        .json();
    assert_eq!(d["data"]["isAdmin"], json!(true), "{d}");
}

#[tokio::test]
async fn an_admin_keeps_their_own_admin_right_and_account() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, _) = trio(&s).await;
    let path = format!("/api/admin/users/{}", admin.id);
    let r =
        send(request(&s, Method::PATCH, &path, &admin.who).json(&json!({"isAdmin": false}))).await;
    let e = r.refused(400);
    assert!(e.contains("admin"), "{e}");
    delete(&s, &path, &admin.who).await.refused(400);
    assert_eq!(me(&s, &admin.who).await["isAdmin"], json!(true));
    // another admin may, though
    let r = send(
        request(
            &s,
            Method::PATCH,
            &format!("/api/admin/users/{}", a.id),
            &admin.who,
        )
        .json(&json!({"isAdmin": true})),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = send(request(&s, Method::PATCH, &path, &a.who).json(&json!({"isAdmin": false}))).await;
    assert_eq!(r.status, 200, "{r:?}");
    get(&s, "/api/admin/users", &admin.who).await.refused(403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_user_takes_their_rows_logins_and_keys() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, b) = trio(&s).await;
    let (b_key, _) = new_key(&s, &b.who, "b's key").await;
    s.fake.push(Reply::text("B's answer"));
    let r = post(
        &s,
        "/v1/chat/completions",
        &b.who,
        json!({"session_id": "b-session", "messages": [{"role": "user", "content": "B's words"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let b_login2 = login(&s, "b@x.io", PASSWORD).await.cookie();
    let a_rows = a_makes_v1_rows(&s, &a.who).await;

    let r = delete(&s, &format!("/api/admin/users/{}", b.id), &admin.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["success"], json!(true));
    for who in [&b.who, &b_login2, &As::Bearer(b_key.clone())] {
        let r = get(&s, "/v1/sessions", who).await;
        assert_eq!(r.status, 401, "{who:?} after deletion: {r:?}");
    }
    get(&s, "/api/auth/session", &b.who).await.refused(401);
    assert_eq!(login(&s, "b@x.io", PASSWORD).await.status, 400);
    assert!(
        s.store
            .spaced(&b.id)
            .sessions(&Default::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.store.session("b-session").await.is_err(),
        "B's session went with B"
    );
    get(&s, &format!("/api/admin/users/{}", b.id), &admin.who)
        .await
        .refused(404);
    delete(&s, &format!("/api/admin/users/{}", b.id), &admin.who)
        .await
        .refused(404);
    // the id is free again, and A lost nothing
    s.fake.push(Reply::text("A's answer"));
    let r = post(
        &s,
        "/v1/chat/completions",
        &a.who,
        json!({"session_id": "b-session", "messages": [{"role": "user", "content": "mine now"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    a_still_has(&s, &a.who, &a_rows).await;
    let st = get(&s, "/api/admin/stats", &admin.who).await.json();
    assert_eq!(st["data"]["totalUsers"], json!(2), "{st}");
}

#[tokio::test]
async fn impersonation_logs_in_as_the_user_and_ends_the_admins_login() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, _) = trio(&s).await;
    let r = post(
        &s,
        &format!("/api/admin/users/{}/impersonate", a.id),
        &admin.who,
        json!({}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["user"]["id"], json!(a.id));
    assert!(
        r.set_cookie()
            .unwrap()
            .contains("HttpOnly; SameSite=Lax; Path=/; Max-Age=")
    );
    let as_a = r.cookie();
    assert_eq!(me(&s, &as_a).await["id"], json!(a.id));
    get(&s, "/api/auth/session", &admin.who).await.refused(401);
    // A's own login is untouched
    assert_eq!(me(&s, &a.who).await["id"], json!(a.id));
    // the impersonated login is a user's: no admin rights
    get(&s, "/api/admin/users", &as_a).await.refused(403);
    // an unknown user: nothing is ended
    let admin2 = login(&s, "admin@x.io", PASSWORD).await.cookie();
    post(
        &s,
        "/api/admin/users/NOSUCHUSER000000/impersonate",
        &admin2,
        json!({}),
    )
    .await
    .refused(404);
    assert_eq!(me(&s, &admin2).await["isAdmin"], json!(true));
}

#[tokio::test]
async fn the_server_token_is_an_admin() {
    let mut su = setup(open());
    su.options.token = Some("tok-server-secret-0000".into());
    let s = TestServer::start_with(su).await;
    let token = As::Bearer("tok-server-secret-0000".into());
    // no account yet: the token is still needed
    assert_eq!(get(&s, "/v1/sessions", &As::Nobody).await.status, 401);
    assert_eq!(get(&s, "/v1/sessions", &token).await.status, 200);
    let (admin, a, _) = trio(&s).await;
    let r = get(&s, "/api/admin/users", &token).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 3);
    let r = post(
        &s,
        "/api/admin/users",
        &token,
        json!({"email": "c@x.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        get(
            &s,
            "/api/admin/stats",
            &As::XApiKey("tok-server-secret-0000".into())
        )
        .await
        .status,
        200
    );
    let r = send(
        request(
            &s,
            Method::PATCH,
            &format!("/api/admin/users/{}", a.id),
            &token,
        )
        .json(&json!({"displayName": "set by the token"})),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        me(&s, &a.who).await["displayName"],
        json!("set by the token")
    );
    assert_eq!(get(&s, "/metrics", &token).await.status, 200);
    // users still log in with cookies beside it
    assert_eq!(me(&s, &admin.who).await["isAdmin"], json!(true));
    // a wrong token is no one
    assert_eq!(
        get(&s, "/api/admin/users", &As::Bearer("tok-wrong".into()))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn local_mode_needs_no_login_until_the_first_account() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    // no account: everything works without credentials, as before accounts
    let r = post(
        &s,
        "/v1/sessions",
        &As::Nobody,
        json!({"title": "made locally"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let local = r.json()["id"].as_str().unwrap().to_owned();
    s.fake.push(Reply::text("local answer"));
    let r = post(
        &s,
        "/v1/chat/completions",
        &As::Nobody,
        json!({"messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    for path in [
        "/v1/sessions",
        "/v1/projects",
        "/api/sessions",
        "/v1/approvals",
        "/v1/models",
    ] {
        assert_eq!(get(&s, path, &As::Nobody).await.status, 200, "{path}");
    }
    get(&s, "/api/auth/session", &As::Nobody).await.refused(401);

    // the first account takes the local rows
    let admin = register(&s, "admin@x.io").await;
    assert!(session_ids(&s, &admin.who).await.contains(&local));
    // and from now on, no credentials is no one
    for path in [
        "/v1/sessions",
        "/v1/projects",
        "/api/sessions",
        "/v1/approvals",
        "/v1/models",
    ] {
        let r = get(&s, path, &As::Nobody).await;
        assert_eq!(r.status, 401, "{path}: {r:?}");
    }
    let r = post(
        &s,
        "/v1/chat/completions",
        &As::Nobody,
        json!({"messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["error"]["type"],
        json!("authentication_error"),
        "OpenAI's shape: {r:?}"
    );
    get(&s, "/api/sessions", &As::Nobody).await.refused(401);
    assert_eq!(
        get(&s, &format!("/v1/sessions/{local}"), &As::Nobody)
            .await
            .status,
        401
    );
    // the probes stay open
    assert_eq!(get(&s, "/health", &As::Nobody).await.status, 200);
    // the terminal's store (unscoped) still sees the rows, now the admin's
    let all = s
        .store
        .scoped(&admin.id)
        .sessions(&Default::default())
        .await
        .unwrap();
    assert!(all.iter().any(|x| x.id == local));
}

/// Made by Apache's htpasswd (`htpasswd -bnBC 10 webedt 'correct horse battery staple'`), as
/// in src/crypto.rs: a bcrypt hash as an imported WebEDT database holds them.
const BCRYPT_10: &str = "$2y$10$7moEGihLQl/wxOCJdAe3puDdXxgdOUsBvmdK1X08YfrdRSaNN5QU6";
const BCRYPT_PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn an_imported_bcrypt_hash_logs_in_and_is_replaced_by_argon2id() {
    let s = TestServer::start_with(setup(AccountSettings::default())).await;
    let user = s
        .store
        .create_user(&clauded::store::NewUser {
            id: clauded::crypto::new_user_id(),
            email: "imported@x.io".into(),
            password_hash: clauded::crypto::hash_password("a placeholder password"),
            display_name: None,
            is_admin: false,
            first_only: false,
        })
        .await
        .unwrap();
    s.store
        .update_user(
            &user.id,
            &clauded::store::UserUpdate {
                password_hash: Some(BCRYPT_10.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    login(&s, "imported@x.io", "not the password")
        .await
        .refused(400);
    assert_eq!(
        s.store.user(&user.id).await.unwrap().password_hash,
        BCRYPT_10
    );
    let r = login(&s, "imported@x.io", BCRYPT_PASSWORD).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(me(&s, &r.cookie()).await["id"], json!(user.id));
    let stored = s.store.user(&user.id).await.unwrap().password_hash;
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(stored.contains("m=19456,t=2,p=1"), "{stored}");
    assert_eq!(
        login(&s, "imported@x.io", BCRYPT_PASSWORD).await.status,
        200
    );
    login(&s, "imported@x.io", "not the password")
        .await
        .refused(400);
}

#[tokio::test]
async fn the_allowed_origin_gets_credentials_and_other_sites_are_refused() {
    let mut su = setup(open());
    su.options.cors_origins = vec!["https://webedt.example".into()];
    let s = TestServer::start_with(su).await;
    let site = "https://webedt.example";
    let pre = send(
        request(&s, Method::OPTIONS, "/api/auth/login", &As::Nobody)
            .header("origin", site)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type"),
    )
    .await;
    assert!(pre.status < 300, "{pre:?}");
    assert_eq!(pre.headers["access-control-allow-origin"], site);
    assert_eq!(pre.headers["access-control-allow-credentials"], "true");
    let from = |m: Method, path: &str, who: &As, origin: &str| {
        request(&s, m, path, who)
            .header("origin", origin)
            .header("sec-fetch-site", "cross-site")
    };
    let r = send(
        from(Method::POST, "/api/auth/register", &As::Nobody, site)
            .json(&json!({"email": "a@x.io", "password": PASSWORD})),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.headers["access-control-allow-origin"], site);
    assert_eq!(r.headers["access-control-allow-credentials"], "true");
    let a = r.cookie();
    let r = send(from(Method::GET, "/api/auth/session", &a, site)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["access-control-allow-credentials"], "true");
    // a cookie-authenticated unsafe request from the frontend passes the cross-site guard
    let r = send(
        from(Method::POST, "/api/user/display-name", &a, site)
            .json(&json!({"displayName": "From the site"})),
    )
    .await;
    said(&r);
    // the same from a site not on the list: refused, and no CORS grant
    for evil in [
        "https://evil.example",
        "null",
        "https://webedt.example.evil.example",
    ] {
        let r = send(
            from(Method::POST, "/api/user/display-name", &a, evil)
                .json(&json!({"displayName": "Evil"})),
        )
        .await;
        r.refused(403);
        assert!(
            r.headers.get("access-control-allow-credentials").is_none(),
            "{r:?}"
        );
        let r = send(from(Method::POST, "/api/auth/logout", &a, evil)).await;
        assert_eq!(r.status, 403, "{evil} logs A out: {r:?}");
        let pre = send(
            request(&s, Method::OPTIONS, "/api/user/display-name", &As::Nobody)
                .header("origin", evil)
                .header("access-control-request-method", "POST"),
        )
        .await;
        assert!(
            pre.headers.get("access-control-allow-origin").is_none(),
            "{pre:?}"
        );
    }
    // the GET that starts a run gets the same rule
    let r = send(from(
        Method::GET,
        "/api/execute-remote?userRequest=hi&github=%7B%22repoUrl%22%3A%22https%3A%2F%2Fgithub.com%2Fa%2Fb%22%7D",
        &a,
        "https://evil.example",
    ))
    .await;
    r.refused(403);
    assert_eq!(me(&s, &a).await["displayName"], json!("From the site"));
}

#[tokio::test]
async fn a_users_own_anthropic_key_is_used_for_their_turns() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    said(
        &post(
            &s,
            "/api/user/anthropic-key",
            &a.who,
            json!({"apiKey": OWN_KEY}),
        )
        .await,
    );
    for (who, sid) in [(&a.who, "a-own-key"), (&b.who, "b-server-key")] {
        s.fake.push(Reply::text("ok"));
        let r = post(
            &s,
            "/v1/chat/completions",
            who,
            json!({"session_id": sid, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    let reqs = s.fake.message_requests();
    assert_eq!(
        reqs[0].header("x-api-key"),
        Some(OWN_KEY),
        "A's turn on A's key"
    );
    assert_eq!(
        reqs[1].header("x-api-key"),
        Some("sk-ant-server-key-000000"),
        "B has none: the shared server key"
    );
}

#[tokio::test]
async fn the_servers_key_is_not_shared_once_accounts_exist_unless_allowed() {
    let s = TestServer::start_with(setup(AccountSettings {
        registration: Some(Registration::Open),
        ..Default::default()
    }))
    .await;
    let (_, a, _) = trio(&s).await;
    let r = post(
        &s,
        "/v1/chat/completions",
        &a.who,
        json!({"messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(
        r.text.contains("anthropic-key"),
        "says how to add a key: {r:?}"
    );
    assert!(
        s.fake.message_requests().is_empty(),
        "the server's key was used"
    );
}

#[tokio::test]
async fn the_public_turn_status_does_not_reveal_another_users_session() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let rows = a_makes_v1_rows(&s, &a.who).await;
    let path = format!("/v1/chat/completions/{}/status", rows.session);
    assert_eq!(get(&s, &path, &a.who).await.status, 200);
    for who in [&b.who, &As::Nobody] {
        let r = get(&s, &path, who).await;
        assert_eq!(r.status, 404, "{who:?}: {r:?}");
    }
}

#[tokio::test]
async fn an_id_taken_by_another_user_is_neither_refused_nor_revealed() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let rows = a_makes_v1_rows(&s, &a.who).await;
    // B names an id nobody has, then A's: the answers must not tell them apart
    for sid in ["b-fresh-session", rows.session.as_str()] {
        s.fake.push(Reply::text("for B"));
        let r = post(
            &s,
            "/v1/chat/completions",
            &b.who,
            json!({"session_id": sid, "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
        assert_eq!(r.status, 200, "{sid}: {r:?}");
    }
    for pid in ["b-fresh-project", rows.project.as_str()] {
        let r = post(
            &s,
            "/v1/projects",
            &b.who,
            json!({"id": pid, "name": "B's"}),
        )
        .await;
        assert_eq!(r.status, 201, "{pid}: {r:?}");
    }
    a_still_has(&s, &a.who, &rows).await;
}

#[tokio::test]
async fn only_admins_add_remove_or_switch_mcp_servers() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, _) = trio(&s).await;
    // a stdio server is a command the server runs
    let r = post(
        &s,
        "/v1/mcp/servers",
        &a.who,
        json!({"name": "evil", "command": "/bin/sh", "args": ["-c", "touch /tmp/pwned"]}),
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = post(
        &s,
        "/v1/mcp/servers",
        &a.who,
        json!({"name": "remote", "url": "http://127.0.0.1:9/mcp"}),
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    // switching a server for everyone, or removing one, is the admin's too
    let r = post(
        &s,
        "/v1/mcp/servers/builtin-bash/disable",
        &a.who,
        json!({}),
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = post(
        &s,
        "/v1/mcp/servers",
        &admin.who,
        json!({"name": "remote", "url": "http://127.0.0.1:9/mcp"}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let r = delete(&s, &format!("/v1/mcp/servers/{id}"), &a.who).await;
    assert_eq!(r.status, 403, "{r:?}");
}

/// `who`'s new session with the built-in bash, and a streamed turn in it that calls bash
/// once (as `tool_use_id`), read up to its approval request (or its end, if none is asked).
async fn bash_turn(
    s: &TestServer,
    who: &As,
    tool_use_id: &str,
    command: &str,
) -> (
    String,
    impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin,
    String,
) {
    let r = post(s, "/v1/sessions", who, json!({"title": "tools"})).await;
    let sid = r.json()["id"].as_str().unwrap().to_owned();
    let r = post(
        s,
        &format!("/v1/sessions/{sid}/tools"),
        who,
        json!({"enabled_servers": ["bash"]}),
    )
    .await;
    assert_eq!(r.json()["enabled_servers"], json!(["bash"]), "{r:?}");
    s.fake.push(Reply::Events(
        crate::support::fake_anthropic::tool_use_events(&[(
            tool_use_id,
            "bash__bash",
            json!({"command": command}),
        )]),
    ));
    s.fake.push(Reply::text("done"));
    let resp = request(s, Method::POST, "/v1/chat/completions", who)
        .json(&json!({"session_id": sid, "stream": true,
            "messages": [{"role": "user", "content": "run it"}]}))
        .send()
        .await
        .unwrap();
    let mut body = resp.bytes_stream();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.contains("approval_request") && !seen.contains("[DONE]") {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(c)) => seen.push_str(&String::from_utf8_lossy(&c.unwrap())),
            _ => panic!("the turn stalled: {seen}"),
        }
    }
    (sid, body, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_always_allow_and_workspace_are_theirs_alone() {
    let s = TestServer::start_with(setup(open())).await;
    let (_, a, b) = trio(&s).await;
    let (a_sid, mut a_body, mut seen) = bash_turn(
        &s,
        &a.who,
        "tu_a1",
        "echo A-workspace-secret > a.txt; echo ok",
    )
    .await;
    assert!(seen.contains("approval_request"), "{seen}");
    // B cannot answer A's tool call
    let r = post(
        &s,
        &format!("/v1/sessions/{a_sid}/approvals/tu_a1"),
        &b.who,
        json!({"decision": "allow"}),
    )
    .await;
    assert_eq!(r.status, 404, "{r:?}");
    let pending = get(&s, "/v1/approvals", &b.who).await.json();
    assert_eq!(pending["data"], json!([]), "{pending}");
    let r = post(
        &s,
        &format!("/v1/sessions/{a_sid}/approvals/tu_a1"),
        &a.who,
        json!({"decision": "always"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    read_until(&mut a_body, &mut seen, "[DONE]").await;
    assert!(seen.contains("\"tool_result\""), "{seen}");

    // A's "always" is A's: B's call of the same tool still asks B
    let (b_sid, mut b_body, mut b_seen) = bash_turn(&s, &b.who, "tu_b1", "echo B was here").await;
    assert!(
        b_seen.contains("approval_request"),
        "B's bash ran on A's always-allow: {b_seen}"
    );
    let r = post(
        &s,
        &format!("/v1/sessions/{b_sid}/approvals/tu_b1"),
        &b.who,
        json!({"decision": "deny"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    read_until(&mut b_body, &mut b_seen, "[DONE]").await;
    // and A's is remembered for A
    let (_, _, again) = bash_turn(&s, &a.who, "tu_a2", "echo again").await;
    assert!(
        !again.contains("approval_request"),
        "A was asked again: {again}"
    );

    // B's tools cannot work in A's session's folder
    for (path, body) in [
        (
            "/v1/tools/execute",
            json!({"tool_name": "bash__bash", "session_id": a_sid,
            "arguments": {"command": "cat a.txt"}}),
        ),
        (
            "/v1/mcp/tools/filesystem__read_file/execute",
            json!({"session_id": a_sid,
            "arguments": {"path": "a.txt"}}),
        ),
    ] {
        let r = post(&s, path, &b.who, body).await;
        assert!(!r.text.contains("A-workspace-secret"), "{path}: {r:?}");
        // running a tool directly is for admins; and A's session is not B's
        assert!(matches!(r.status, 403 | 404), "{path}: {r:?}");
    }
}

#[tokio::test]
async fn running_a_tool_directly_is_for_admins() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, b) = trio(&s).await;
    // bash is a shell on the host, and the filesystem tools reach its files: not for users
    for who in [&a.who, &b.who] {
        for (path, body) in [
            (
                "/v1/tools/execute",
                json!({"tool_name": "bash__bash", "arguments": {"command": "cat ../*/a.txt; pwd"}}),
            ),
            (
                "/v1/mcp/tools/filesystem__write_file/execute",
                json!({"arguments": {"path": "note.txt", "content": "scratch"}}),
            ),
        ] {
            let r = post(&s, path, who, body).await;
            assert_eq!(r.status, 403, "{path}: {r:?}");
        }
    }
    let r = post(
        &s,
        "/v1/mcp/tools/filesystem__write_file/execute",
        &admin.who,
        json!({"arguments": {"path": "note.txt", "content": "the admin's"}}),
    )
    .await;
    assert_eq!(r.json()["success"], json!(true), "{r:?}");
}

/// A's session whose workspace holds `a.txt` with a secret; its folder on disk.
async fn a_workspace_secret(s: &TestServer, a: &Account) -> std::path::PathBuf {
    let r = post(s, "/v1/sessions", &a.who, json!({"title": "A's work"})).await;
    let sid = r.json()["id"].as_str().unwrap().to_owned();
    let folder = s.dir.path().join("workspaces").join(format!("ws-{sid}"));
    let root = s
        .store
        .spaced(&a.id)
        .session_root(&sid, folder.to_str().unwrap())
        .await
        .unwrap();
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        std::path::Path::new(&root).join("a.txt"),
        "A-workspace-secret",
    )
    .unwrap();
    folder
}

#[tokio::test]
async fn a_project_path_is_for_admins() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, b) = trio(&s).await;
    let folder = a_workspace_secret(&s, &a).await;
    let workspaces = folder.parent().unwrap().to_str().unwrap().to_owned();
    // a path would point B's tools anywhere on the server, A's workspace too
    let r = post(
        &s,
        "/v1/projects",
        &b.who,
        json!({"name": "peek", "path": workspaces}),
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = post(&s, "/v1/projects", &b.who, json!({"name": "mine"})).await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = post(
        &s,
        "/v1/projects",
        &admin.who,
        json!({"name": "repo", "path": workspaces}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
}

#[tokio::test]
async fn usage_is_counted_per_account_and_the_admin_sees_everyone() {
    let s = TestServer::start_with(setup(open())).await;
    let (admin, a, b) = trio(&s).await;
    let (key, _) = new_key(&s, &a.who, "usage").await;
    s.fake.push(Reply::text("one"));
    s.fake.push(Reply::text("two"));
    for text in ["first", "second"] {
        let r = post(
            &s,
            "/v1/chat/completions",
            &As::Bearer(key.clone()),
            json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": text}]}),
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    s.fake.push(Reply::text("three"));
    let r = post(
        &s,
        "/v1/chat/completions",
        &b.who,
        json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "b's"}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");

    let mine = get(&s, "/v1/usage", &a.who).await;
    assert_eq!(mine.status, 200, "{mine:?}");
    let m = mine.json();
    assert_eq!(m["total"]["requests"], json!(2), "{m}");
    assert_eq!(m["total"]["errors"], json!(0), "{m}");
    let rows = m["data"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["owner"] == json!(a.id)),
        "{m}"
    );
    let fake_in: u64 = rows
        .iter()
        .map(|r| r["input_tokens"].as_u64().unwrap())
        .sum();
    assert!(
        fake_in > 0 && m["total"]["input_tokens"] == json!(fake_in),
        "{m}"
    );
    assert!(m["total"]["cost_usd"].as_f64().unwrap() > 0.0, "{m}");
    let theirs = get(&s, "/v1/usage?days=1", &b.who).await.json();
    assert_eq!(theirs["total"]["requests"], json!(1), "{theirs}");
    // the same key sees the same usage: it is A
    let by_key = get(&s, "/v1/usage", &As::XApiKey(key.clone())).await.json();
    assert_eq!(by_key["total"], m["total"]);

    // the admin route: everyone's, with emails; a user is refused
    get(&s, "/api/admin/usage", &a.who).await.refused(403);
    let all = get(&s, "/api/admin/usage?days=7", &admin.who).await;
    assert_eq!(all.status, 200, "{all:?}");
    let all = all.json();
    assert_eq!(all["data"]["total"]["requests"], json!(3), "{all}");
    let emails: Vec<_> = all["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        emails.contains(&"a@x.io".into()) && emails.contains(&"b@x.io".into()),
        "{all}"
    );

    // a window from the future is empty; a bad window is a 400 naming its parameter
    let later = get(&s, "/v1/usage?since=2999-01-01", &a.who).await.json();
    assert_eq!(later["total"]["requests"], json!(0), "{later}");
    for bad in [
        "days=0",
        "days=x",
        "since=2026-02-30",
        "days=3&since=2026-01-01",
    ] {
        let r = get(&s, &format!("/v1/usage?{bad}"), &a.who).await;
        assert_eq!(r.status, 400, "{bad}: {r:?}");
        let msg = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            msg.contains("days") || msg.contains("since"),
            "{bad}: {r:?}"
        );
    }
}
