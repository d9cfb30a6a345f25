//! Connecting a GitHub account over WebEDT's routes against the fake GitHub, tried as an
//! attacker would: the authorize redirect (state, PKCE S256), the callback's every failure
//! (missing, unknown, reused, expired, refused, another browser's login), linking one GitHub
//! account to one user, the token sealed at rest and never shown; then repositories and
//! branches (every page, links only to GitHub's hosts), pull requests opened or found, a
//! refused token, disconnecting; a deleted session's branch deleted with the caller's token,
//! and a user's run pushing with their own token to a remote behind HTTP Basic auth.

use crate::support::fake_github::{FakeGitHub, RefDeletion};
use crate::support::git_http::{GitHttp, free_port};
use crate::support::server::{Setup, TestServer};
use crate::support::users::*;
use crate::support::{bare_remote, git, sse_frames};
use clauded::config::SecretValue;
use clauded::engine::accounts::Clock;
use reqwest::{Method, Url};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// Options for a server whose GitHub (web and API) is `gh`, with open registration.
fn with_github(gh: &FakeGitHub) -> Setup {
    let mut s = setup(open());
    s.options.github_api = gh.url.clone();
    s.options.github_url = gh.url.clone();
    s.options.github_client_id = Some(FakeGitHub::CLIENT_ID.into());
    s.options.github_client_secret = Some(SecretValue::new(FakeGitHub::CLIENT_SECRET));
    s
}

/// A server and its fake GitHub.
async fn server() -> (TestServer, FakeGitHub) {
    let gh = FakeGitHub::start(false).await;
    let s = TestServer::start_with(with_github(&gh)).await;
    (s, gh)
}

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    clauded::anthropic::init_tls();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A redirect's target.
fn location(r: &Answer) -> String {
    assert_eq!(r.status, 302, "{r:?}");
    r.headers["location"].to_str().unwrap().to_owned()
}

fn query(u: &Url) -> HashMap<String, String> {
    u.query_pairs().into_owned().collect()
}

/// `GET /api/github/oauth` as `who` (from the page `referer`): GitHub's authorize URL.
async fn start(s: &TestServer, who: &As, referer: Option<&str>) -> Url {
    let mut r = request_with(&browser(), Method::GET, &s.url("/api/github/oauth"), who);
    if let Some(from) = referer {
        r = r.header("referer", from);
    }
    let a = send(r).await;
    Url::parse(&location(&a)).unwrap()
}

/// The person at GitHub approves as `login`: the callback GitHub sends the browser to.
async fn approve(authorize: &Url, login: &str) -> Url {
    let mut u = authorize.clone();
    u.query_pairs_mut().append_pair("login", login);
    let a = send(browser().get(u)).await;
    Url::parse(&location(&a)).unwrap()
}

/// The browser of `who` arrives at our callback (whatever origin GitHub named): where it is
/// sent on.
async fn arrive(s: &TestServer, who: &As, callback: &Url) -> String {
    let path = format!("{}?{}", callback.path(), callback.query().unwrap_or(""));
    assert_eq!(callback.path(), "/api/github/oauth/callback");
    location(&send(request_with(&browser(), Method::GET, &s.url(&path), who)).await)
}

/// Connects `who`'s account to GitHub account `login`; the last token the fake handed out.
async fn connect(s: &TestServer, gh: &FakeGitHub, who: &As, login: &str) -> String {
    let cb = approve(&start(s, who, None).await, login).await;
    let back = arrive(s, who, &cb).await;
    assert_eq!(
        back,
        format!("{}/#/settings?success=github_connected", s.base)
    );
    let st = gh.state.lock().unwrap();
    st.tokens
        .iter()
        .find(|(_, a)| a.login == login)
        .map(|(t, _)| t.clone())
        .unwrap()
}

/// A server, user A on it, connected as GitHub account `alice-gh`.
async fn linked() -> (TestServer, FakeGitHub, Account) {
    let (s, gh) = server().await;
    let a = register(&s, "a@x.io").await;
    connect(&s, &gh, &a.who, "alice-gh").await;
    (s, gh, a)
}

/// The three routes that use the caller's token, as `who`.
async fn each_token_route(s: &TestServer, who: &As) -> Vec<Answer> {
    vec![
        get(s, "/api/github/repos", who).await,
        get(s, "/api/github/repos/alice-gh/repo-1/branches", who).await,
        post(
            s,
            "/api/github/repos/alice-gh/repo-1/pulls",
            who,
            json!({"head": "x", "base": "main"}),
        )
        .await,
    ]
}

#[tokio::test]
async fn the_redirect_carries_a_fresh_state_and_an_s256_challenge() {
    let (s, gh) = server().await;
    let a = register(&s, "a@x.io").await;
    let r = send(request_with(
        &browser(),
        Method::GET,
        &s.url("/api/github/oauth"),
        &a.who,
    ))
    .await;
    let raw = location(&r);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert!(raw.contains("scope=repo%20workflow%20user:email"), "{raw}");
    let u = Url::parse(&raw).unwrap();
    assert_eq!(
        u.as_str().split('?').next().unwrap(),
        format!("{}/login/oauth/authorize", gh.url)
    );
    let q = query(&u);
    assert_eq!(q["client_id"], FakeGitHub::CLIENT_ID);
    assert_eq!(
        q["redirect_uri"],
        format!("{}/api/github/oauth/callback", s.base)
    );
    assert_eq!(q["scope"], "repo workflow user:email");
    assert_eq!(q["code_challenge_method"], "S256");
    // base64url of a SHA-256: 43 characters, no padding
    let challenge = &q["code_challenge"];
    assert_eq!(challenge.len(), 43, "{challenge}");
    assert!(
        challenge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    assert!(q["state"].len() >= 40, "{q:?}");
    assert!(!q.contains_key("client_secret"), "{raw}");
    assert!(!raw.contains(FakeGitHub::CLIENT_SECRET));

    // each start is its own: another state, another verifier
    let again = query(&start(&s, &a.who, None).await);
    assert_ne!(again["state"], q["state"]);
    assert_ne!(again["code_challenge"], q["code_challenge"]);
    // only the state's hash is stored
    if let Some(db) = database_bytes(&s) {
        assert!(
            !contains(&db, &q["state"]),
            "the state is stored in the clear"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn connecting_links_the_account_seals_the_token_and_never_shows_it() {
    let (s, gh) = server().await;
    let a = register(&s, "a@x.io").await;
    let before = me(&s, &a.who).await;
    assert_eq!(before["githubConnected"], json!(false));

    let authorize = start(&s, &a.who, None).await;
    let cb = approve(&authorize, "alice-gh").await;
    assert_eq!(query(&cb)["state"], query(&authorize)["state"]);
    let back = arrive(&s, &a.who, &cb).await;
    assert_eq!(
        back,
        format!("{}/#/settings?success=github_connected", s.base)
    );
    // the exchange: the app's secret, the code, the redirect_uri it was made for, a verifier
    // whose SHA-256 the fake matched against the challenge (else no token was made)
    let (token, gh_id) = {
        let st = gh.state.lock().unwrap();
        let ex = st.exchanges.last().unwrap().clone();
        assert_eq!(ex["client_secret"], FakeGitHub::CLIENT_SECRET);
        assert_eq!(ex["code"], query(&cb)["code"]);
        assert_eq!(
            ex["redirect_uri"],
            format!("{}/api/github/oauth/callback", s.base)
        );
        assert!(ex["code_verifier"].len() >= 43, "{ex:?}");
        let (t, acct) = st.tokens.iter().next().unwrap();
        (t.clone(), acct.id)
    };

    let user = me(&s, &a.who).await;
    assert_eq!(user["githubConnected"], json!(true));
    assert_eq!(user["githubId"], json!(gh_id.to_string()));
    let text = user.to_string();
    assert!(!text.contains(&token), "{text}");
    let mut names = vec![];
    keys(&user, &mut names);
    assert!(
        !names.iter().any(|k| k.to_lowercase().contains("token")),
        "{names:?}"
    );
    // sealed at rest, in the row and in the file
    let row = s.store.user(&a.id).await.unwrap();
    let sealed = row.github_token.unwrap();
    assert!(sealed.starts_with("v1:") && !sealed.contains(&token));
    if let Some(db) = database_bytes(&s) {
        assert!(!contains(&db, &token), "the token is in the database file");
    }
    // and it works: the repositories are the linked account's
    let r = get(&s, "/api/github/repos", &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"][0]["owner"]["login"], json!("alice-gh"));
    assert!(!r.text.contains(&token));

    // the same callback again: the state was used
    let again = arrive(&s, &a.who, &cb).await;
    assert_eq!(again, format!("{}/#/settings?error=invalid_state", s.base));
    s.stop().await;
}

#[tokio::test]
async fn every_failed_callback_sends_the_browser_back_with_its_error() {
    let gh = FakeGitHub::start(false).await;
    let clock = Clock::system();
    let mut setup = with_github(&gh);
    setup.options.clock = clock.clone();
    let s = TestServer::start_with(setup).await;
    let a = register(&s, "a@x.io").await;
    let settings = format!("{}/#/settings", s.base);
    let cb = |q: &str| Url::parse(&s.url(&format!("/api/github/oauth/callback{q}"))).unwrap();

    // nothing, or no state
    for q in ["", "?code=abc", "?state=", "?code=&state="] {
        let back = arrive(&s, &a.who, &cb(q)).await;
        assert_eq!(back, format!("{settings}?error=missing_params"), "{q}");
    }
    // a state never made, or not even well encoded
    for q in ["?code=abc&state=made-up", "?code=%zz&state=%C3%28%zz&&="] {
        let back = arrive(&s, &a.who, &cb(q)).await;
        assert_eq!(back, format!("{settings}?error=invalid_state"), "{q}");
    }
    // GitHub's answer without a code (the person said no): the state is used up
    let u = start(&s, &a.who, None).await;
    let state = query(&u)["state"].clone();
    let denied = cb(&format!("?error=access_denied&state={state}"));
    assert_eq!(
        arrive(&s, &a.who, &denied).await,
        format!("{settings}?error=oauth_failed")
    );
    assert_eq!(
        arrive(&s, &a.who, &denied).await,
        format!("{settings}?error=invalid_state")
    );
    // a state with its code but no code in the callback
    let u = start(&s, &a.who, None).await;
    let state = query(&u)["state"].clone();
    assert_eq!(
        arrive(&s, &a.who, &cb(&format!("?state={state}"))).await,
        format!("{settings}?error=missing_params")
    );

    // expired: ten minutes and a bit later
    let late = approve(&start(&s, &a.who, None).await, "alice-gh").await;
    clock.advance(Duration::from_secs(10 * 60 + 5));
    assert_eq!(
        arrive(&s, &a.who, &late).await,
        format!("{settings}?error=state_expired")
    );
    // GitHub refuses the code
    gh.state.lock().unwrap().refuse_codes = true;
    let refused = approve(&start(&s, &a.who, None).await, "alice-gh").await;
    assert_eq!(
        arrive(&s, &a.who, &refused).await,
        format!("{settings}?error=oauth_failed")
    );
    gh.state.lock().unwrap().refuse_codes = false;
    // a code made for another verifier: the fake's PKCE check refuses it
    let first = approve(&start(&s, &a.who, None).await, "alice-gh").await;
    let second = start(&s, &a.who, None).await;
    let swapped = cb(&format!(
        "?code={}&state={}",
        query(&first)["code"],
        query(&second)["state"]
    ));
    assert_eq!(
        arrive(&s, &a.who, &swapped).await,
        format!("{settings}?error=oauth_failed")
    );
    assert_eq!(me(&s, &a.who).await["githubConnected"], json!(false));
    s.stop().await;
}

#[tokio::test]
async fn a_state_made_by_one_login_is_completed_by_that_login_only() {
    let (s, _gh) = server().await;
    let a = register(&s, "a@x.io").await;
    let b = register(&s, "b@x.io").await;
    let settings = format!("{}/#/settings", s.base);
    // A's authorization, completed in B's browser (B sent A's link, or the other way round)
    let cb = approve(&start(&s, &a.who, None).await, "alice-gh").await;
    assert_eq!(
        arrive(&s, &b.who, &cb).await,
        format!("{settings}?error=invalid_state")
    );
    // and the state is spent: A cannot finish it either now
    assert_eq!(
        arrive(&s, &a.who, &cb).await,
        format!("{settings}?error=invalid_state")
    );
    // in a browser with no login at all
    let cb = approve(&start(&s, &a.who, None).await, "alice-gh").await;
    assert_eq!(
        arrive(&s, &As::Nobody, &cb).await,
        format!("{settings}?error=invalid_state")
    );
    // A's other login (another browser of A's) is not the one that asked
    let other = login(&s, "a@x.io", PASSWORD).await.cookie();
    let cb = approve(&start(&s, &a.who, None).await, "alice-gh").await;
    assert_eq!(
        arrive(&s, &other, &cb).await,
        format!("{settings}?error=invalid_state")
    );
    for who in [&a.who, &b.who] {
        assert_eq!(me(&s, who).await["githubConnected"], json!(false));
    }
    // an API key cannot start one: there is no browser login to bind it to
    let key = post(&s, "/api/user/api-keys", &a.who, json!({"name": "cli"})).await;
    let key = key.json()["data"]["key"].as_str().unwrap().to_owned();
    let r = get(&s, "/api/github/oauth", &As::Bearer(key)).await;
    assert!(r.refused(400).contains("browser"), "{r:?}");
    s.stop().await;
}

#[tokio::test]
async fn one_github_account_is_linked_to_one_user_the_last_to_connect() {
    let (s, gh) = server().await;
    let a = register(&s, "a@x.io").await;
    let b = register(&s, "b@x.io").await;
    connect(&s, &gh, &a.who, "shared-gh").await;
    let linked = me(&s, &a.who).await["githubId"].clone();
    assert!(linked.is_string());
    connect(&s, &gh, &b.who, "shared-gh").await;
    let (ua, ub) = (me(&s, &a.who).await, me(&s, &b.who).await);
    assert_eq!(ua["githubConnected"], json!(false));
    assert_eq!(ua["githubId"], Value::Null);
    assert_eq!(ub["githubConnected"], json!(true));
    assert_eq!(ub["githubId"], linked);
    let r = get(&s, "/api/github/repos", &a.who).await;
    assert_eq!(r.refused(400), "GitHub not connected");
    assert_eq!(get(&s, "/api/github/repos", &b.who).await.status, 200);
    s.stop().await;
}

#[tokio::test]
async fn the_way_back_comes_from_an_allowed_referer_only() {
    let gh = FakeGitHub::start(false).await;
    let mut setup = with_github(&gh);
    setup.options.cors_origins = vec!["https://app.example".into()];
    let s = TestServer::start_with(setup).await;
    let a = register(&s, "a@x.io").await;
    // a loopback frontend (behind the same /api): its origin and hash path
    let u = start(
        &s,
        &a.who,
        Some("http://localhost:5173/#/sessions/abc?tab=1"),
    )
    .await;
    assert_eq!(
        query(&u)["redirect_uri"],
        "http://localhost:5173/api/github/oauth/callback"
    );
    let back = arrive(&s, &a.who, &approve(&u, "alice-gh").await).await;
    assert_eq!(
        back,
        "http://localhost:5173/#/sessions/abc?success=github_connected"
    );
    // a configured origin, with no hash: the settings page
    let u = start(&s, &a.who, Some("https://app.example/")).await;
    assert_eq!(
        query(&u)["redirect_uri"],
        "https://app.example/api/github/oauth/callback"
    );
    // another site, or a path that is not one: this server and /settings
    for referer in [
        "https://evil.example/#/settings",
        "http://localhost:5173/#//evil.example",
        "not a url",
    ] {
        let u = start(&s, &a.who, Some(referer)).await;
        let back = arrive(&s, &a.who, &approve(&u, "alice-gh").await).await;
        let expected = if referer.starts_with("http://localhost") {
            "http://localhost:5173/#/settings?success=github_connected".to_owned()
        } else {
            format!("{}/#/settings?success=github_connected", s.base)
        };
        assert_eq!(back, expected, "{referer}");
    }
    // a browser with no state of ours goes to the configured frontend
    let cb = Url::parse(&s.url("/api/github/oauth/callback")).unwrap();
    assert_eq!(
        arrive(&s, &As::Nobody, &cb).await,
        "https://app.example/#/settings?error=missing_params"
    );
    s.stop().await;
}

#[tokio::test]
async fn repositories_are_every_page_newest_first_in_webedts_shape() {
    let (s, gh, a) = linked().await;
    gh.state.lock().unwrap().page_size = 3;
    let r = get(&s, "/api/github/repos", &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["success"], json!(true));
    let repos = v["data"].as_array().unwrap();
    let names: Vec<&str> = repos.iter().map(|r| r["name"].as_str().unwrap()).collect();
    // the fake's updated_at order, newest first, across three pages of three
    assert_eq!(
        names,
        [
            "repo-4", "repo-1", "repo-5", "repo-2", "repo-6", "repo-3", "repo-7"
        ]
    );
    let pages: Vec<Value> = gh
        .state
        .lock()
        .unwrap()
        .requests
        .iter()
        .filter(|(_, p, _)| p == "/user/repos")
        .map(|(_, _, q)| q.clone())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert_eq!(pages[0]["sort"], "updated");
    assert_eq!(pages[0]["per_page"], "100");
    assert_eq!(pages[2]["page"], "3");
    let mut fields: Vec<&str> = repos[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "clone_url",
            "default_branch",
            "description",
            "full_name",
            "html_url",
            "id",
            "name",
            "owner",
            "private"
        ]
    );
    assert_eq!(repos[0]["owner"], json!({"login": "alice-gh"}));
    assert_eq!(repos[0]["full_name"], json!("alice-gh/repo-4"));
    assert_eq!(repos[0]["default_branch"], json!("main"));
    let three = repos.iter().find(|r| r["name"] == "repo-3").unwrap();
    assert_eq!(three["description"], Value::Null);

    // a next page on a host the token may not go to is not followed
    gh.state.lock().unwrap().next_origin = Some("http://127.0.0.2:9".into());
    let before = gh.state.lock().unwrap().requests.len();
    let r = get(&s, "/api/github/repos", &a.who).await;
    let e = r.refused(502);
    assert!(
        e.contains("not sending the GitHub token to 127.0.0.2:9"),
        "{e}"
    );
    assert_eq!(gh.state.lock().unwrap().requests.len(), before + 1);
    s.stop().await;
}

#[tokio::test]
async fn branches_are_every_page_and_names_are_checked() {
    let (s, gh, a) = linked().await;
    gh.state.lock().unwrap().page_size = 2;
    let r = get(&s, "/api/github/repos/alice-gh/repo-1/branches", &a.who).await;
    assert_eq!(r.status, 200, "{r:?}");
    let data = r.json()["data"].clone();
    let names: Vec<&str> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["main", "dev", "feature/a", "feature/b", "release"]);
    assert_eq!(
        data[0],
        json!({"name": "main", "protected": true, "commit": {"sha": format!("{:040}", 0)}})
    );
    // not GitHub's names: refused before any request
    let before = gh.state.lock().unwrap().requests.len();
    for path in [
        "/api/github/repos/-alice/repo-1/branches",
        "/api/github/repos/a--b/repo-1/branches",
        "/api/github/repos/alice/re%20po/branches",
        "/api/github/repos/alice/re%2Fpo/branches",
        "/api/github/repos/alice/a%3Bb/branches",
        "/api/github/repos/a.b/repo-1/branches",
    ] {
        let r = get(&s, path, &a.who).await;
        assert_eq!(r.status, 400, "{path}: {r:?}");
    }
    assert_eq!(gh.state.lock().unwrap().requests.len(), before);
    // a repository GitHub does not show this token
    let r = get(&s, "/api/github/repos/someone/private/branches", &a.who).await;
    assert!(r.refused(404).contains("Not Found"), "{r:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_pull_request_is_opened_or_the_open_one_returned() {
    let (s, gh, a) = linked().await;
    let path = "/api/github/repos/alice-gh/repo-1/pulls";
    let r = post(
        &s,
        path,
        &a.who,
        json!({"head": "feature/a", "base": "main"}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let pr = r.json()["data"].clone();
    assert_eq!(pr["number"], json!(42));
    assert_eq!(pr["title"], json!("Merge feature/a into main"));
    assert_eq!(
        pr["htmlUrl"],
        json!("https://github.example/alice-gh/repo-1/pull/42")
    );
    assert_eq!(pr["state"], json!("open"));
    assert_eq!(pr["head"]["ref"], json!("feature/a"));
    assert_eq!(pr["base"]["ref"], json!("main"));
    assert_eq!(pr["head"]["sha"].as_str().unwrap().len(), 40);
    assert_eq!(pr["reused"], json!(false));
    let sent = gh
        .state
        .lock()
        .unwrap()
        .requests
        .iter()
        .rev()
        .find(|(m, _, _)| m == "POST")
        .unwrap()
        .2
        .clone();
    assert_eq!(sent["title"], json!("Merge feature/a into main"));
    assert_eq!(sent["body"], json!(""));
    assert_eq!(sent["draft"], json!(false), "asked for by a person: ready");

    // again: GitHub says it exists (422), and the open one is the answer
    let r = post(
        &s,
        path,
        &a.who,
        json!({"title": "Dark mode", "head": "feature/a", "base": "main", "body": "Adds it."}),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let again = r.json()["data"].clone();
    assert_eq!(again["number"], json!(42));
    assert_eq!(again["reused"], json!(true));
    // a titled one on another branch
    let r = post(
        &s,
        path,
        &a.who,
        json!({"title": "Dark mode", "head": "feature/b", "base": "main", "body": "Adds it."}),
    )
    .await;
    assert_eq!(r.json()["data"]["title"], json!("Dark mode"));
    assert_eq!(r.json()["data"]["number"], json!(43));
    for bad in [json!({"base": "main"}), json!({"head": "x", "base": " "})] {
        let r = post(&s, path, &a.who, bad).await;
        assert!(r.refused(400).contains("Head and base"), "{r:?}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_refused_token_is_the_users_to_fix_not_a_server_error() {
    let (s, gh, a) = linked().await;
    gh.state.lock().unwrap().revoked = true;
    for r in each_token_route(&s, &a.who).await {
        let e = r.refused(401);
        assert!(
            e.contains("GitHub refused the token") && e.contains("connect GitHub again"),
            "{e}"
        );
    }
    // the login itself is fine: GitHub's refusal is not ours
    assert_eq!(me(&s, &a.who).await["githubConnected"], json!(true));
    s.stop().await;
}

#[tokio::test]
async fn without_a_connection_an_app_or_accounts_the_routes_say_what_to_do() {
    let (s, gh) = server().await;
    let a = register(&s, "a@x.io").await;
    for r in each_token_route(&s, &a.who).await {
        assert_eq!(r.refused(400), "GitHub not connected");
    }
    // nobody: the login routes want a login, the callback does not
    for path in ["/api/github/oauth", "/api/github/repos"] {
        get(&s, path, &As::Nobody).await.refused(401);
    }
    post(&s, "/api/github/disconnect", &As::Nobody, json!({}))
        .await
        .refused(401);
    assert!(gh.state.lock().unwrap().requests.is_empty());
    s.stop().await;

    // no OAuth app
    let s = TestServer::start_with(setup(open())).await;
    let a = register(&s, "a@x.io").await;
    let e = get(&s, "/api/github/oauth", &a.who).await.refused(400);
    assert!(
        e.contains("GITHUB_CLIENT_ID") && e.contains("GITHUB_CLIENT_SECRET"),
        "{e}"
    );
    s.stop().await;

    // an id without its secret
    let mut half = with_github(&gh);
    half.options.github_client_secret = None;
    let s = TestServer::start_with(half).await;
    let a = register(&s, "a@x.io").await;
    let e = get(&s, "/api/github/oauth", &a.who).await.refused(400);
    assert!(e.contains("GITHUB_CLIENT_SECRET"), "{e}");
    s.stop().await;

    // no accounts (local mode): nobody to link it to
    let s = TestServer::start_with(with_github(&gh)).await;
    let e = get(&s, "/api/github/oauth", &As::Nobody).await.refused(400);
    assert!(e.contains("accounts"), "{e}");
    assert_eq!(
        get(&s, "/api/github/repos", &As::Nobody).await.refused(400),
        "GitHub not connected"
    );
    s.stop().await;
}

#[tokio::test]
async fn disconnecting_forgets_the_account_and_its_token() {
    let (s, gh, a) = linked().await;
    let r = post(&s, "/api/github/disconnect", &a.who, json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json(),
        json!({"success": true, "data": {"message": "GitHub disconnected"}})
    );
    let user = me(&s, &a.who).await;
    assert_eq!(user["githubConnected"], json!(false));
    assert_eq!(user["githubId"], Value::Null);
    assert_eq!(s.store.user(&a.id).await.unwrap().github_token, None);
    assert_eq!(
        get(&s, "/api/github/repos", &a.who).await.refused(400),
        "GitHub not connected"
    );
    // and it can be connected again
    connect(&s, &gh, &a.who, "alice-gh").await;
    assert_eq!(me(&s, &a.who).await["githubConnected"], json!(true));
    s.stop().await;
}

/// `who`'s code session on `owner/repo` at `branch` (from main): its id.
async fn code_session(s: &TestServer, who: &As, owner: &str, repo: &str, branch: &str) -> String {
    let r = post(
        s,
        "/api/sessions/create-code-session",
        who,
        json!({"repositoryOwner": owner, "repositoryName": repo, "baseBranch": "main",
            "branch": branch}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["session"]["id"].as_str().unwrap().to_owned()
}

/// Notes in `who`'s session `id` what its run notes when it makes its branch (the
/// session is then one whose branch is its own to delete).
async fn branch_made(s: &TestServer, owner: Option<&str>, id: &str) {
    let note = json!({"branchMade": true});
    let Some(o) = owner else {
        return s.store.merge_session_metadata(id, &note).await.unwrap();
    };
    // a user's ids are kept apart from other users' (spaced), or bare for older accounts
    if s.store
        .spaced(o)
        .merge_session_metadata(id, &note)
        .await
        .is_err()
    {
        s.store
            .scoped(o)
            .merge_session_metadata(id, &note)
            .await
            .unwrap();
    }
}

/// `DELETE /api/sessions/{id}` as `who`: its answer, without the id it names.
async fn deleted(s: &TestServer, who: &As, id: &str) -> Value {
    let r = delete(s, &format!("/api/sessions/{id}"), who).await;
    assert_eq!(r.status, 200, "{r:?}");
    let mut v = r.json();
    assert_eq!(v["data"]["id"], json!(id), "{v}");
    v["data"].as_object_mut().unwrap().remove("id");
    v
}

/// The ids in `who`'s trash.
async fn binned(s: &TestServer, who: &As) -> Vec<String> {
    let r = get(s, "/api/sessions/deleted", who).await;
    r.json()["data"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn deleting_a_session_deletes_its_branch_on_github_with_the_callers_own_token() {
    let gh = FakeGitHub::start(false).await;
    let mut setup = with_github(&gh);
    // the server's own token is there, and must not stand in for a user's
    setup.options.github_token = Some(FakeGitHub::TOKEN.into());
    let s = TestServer::start_with(setup).await;
    let a = register(&s, "a@x.io").await;
    let token = connect(&s, &gh, &a.who, "alice-gh").await;
    let b = register(&s, "b@x.io").await;
    gh.state.lock().unwrap().refs.extend(
        ["clauded/dark-mode-1a2b", "feature/b", "feature/c"]
            .map(|b| format!("alice-gh/repo-1:{b}")),
    );
    let deletions = || gh.state.lock().unwrap().ref_deletions.clone();

    let one = code_session(&s, &a.who, "alice-gh", "repo-1", "clauded/dark-mode-1a2b").await;
    branch_made(&s, Some(&a.id), &one).await;
    let answer = deleted(&s, &a.who, &one).await;
    assert_eq!(
        answer,
        json!({"success": true, "data": {"message": "Session deleted",
            "cleanup": {"runStopped": false}}})
    );
    assert_eq!(
        deletions(),
        vec![RefDeletion {
            branch: "alice-gh/repo-1:clauded/dark-mode-1a2b".into(),
            authorization: Some(format!("Bearer {token}")),
            status: 204,
        }],
        "DELETE /repos/alice-gh/repo-1/git/refs/heads/clauded/dark-mode-1a2b with A's token"
    );
    assert!(binned(&s, &a.who).await.contains(&one));

    // a branch GitHub does not have: 422, and the delete answers as before
    let gone = code_session(&s, &a.who, "alice-gh", "repo-1", "clauded/gone").await;
    branch_made(&s, Some(&a.id), &gone).await;
    assert_eq!(deleted(&s, &a.who, &gone).await, answer);
    assert_eq!(deletions().len(), 2);
    assert_eq!(deletions()[1].status, 422, "{:?}", deletions());
    assert!(binned(&s, &a.who).await.contains(&gone));

    // no call: a user without a token (the server's is not theirs), a session on its base
    // branch, one whose branch is no branch name, one with no repository or branch
    let theirs = code_session(&s, &b.who, "alice-gh", "repo-1", "feature/b").await;
    branch_made(&s, Some(&b.id), &theirs).await;
    assert_eq!(deleted(&s, &b.who, &theirs).await, answer);
    let on_base = code_session(&s, &a.who, "alice-gh", "repo-1", "main").await;
    branch_made(&s, Some(&a.id), &on_base).await;
    // a branch the session only named, which other work may be on, is not the session's
    let named = code_session(&s, &a.who, "alice-gh", "repo-1", "feature/b").await;
    assert_eq!(deleted(&s, &a.who, &named).await, answer);
    assert_eq!(deleted(&s, &a.who, &on_base).await, answer);
    let odd = code_session(&s, &a.who, "alice-gh", "repo-1", "odd").await;
    branch_made(&s, Some(&a.id), &odd).await;
    let r = send(
        request(&s, Method::PATCH, &format!("/api/sessions/{odd}"), &a.who)
            .json(&json!({"branch": "../../.."})),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(deleted(&s, &a.who, &odd).await, answer);
    let r = post(&s, "/v1/sessions", &a.who, json!({"title": "a chat"})).await;
    let chat = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(deleted(&s, &a.who, &chat).await, answer);
    assert_eq!(deletions().len(), 2, "{:?}", deletions());
    let deletes: Vec<_> = (gh.state.lock().unwrap().requests.iter())
        .filter(|r| r.0 == "DELETE")
        .cloned()
        .collect();
    assert!(deletes.is_empty(), "no other DELETE: {deletes:?}");
    assert!(
        gh.state
            .lock()
            .unwrap()
            .refs
            .contains("alice-gh/repo-1:feature/b")
    );

    // deleted together, each run's branch goes as with one delete
    gh.state
        .lock()
        .unwrap()
        .refs
        .extend(["clauded/bulk-1", "clauded/bulk-2"].map(|b| format!("alice-gh/repo-1:{b}")));
    let mut ids = vec![];
    for b in ["clauded/bulk-1", "clauded/bulk-2"] {
        let id = code_session(&s, &a.who, "alice-gh", "repo-1", b).await;
        branch_made(&s, Some(&a.id), &id).await;
        ids.push(id);
    }
    let r = post(&s, "/api/sessions/bulk-delete", &a.who, json!({"ids": ids})).await;
    assert_eq!(r.status, 200, "{r:?}");
    let mut bulk: Vec<_> = deletions()[2..]
        .iter()
        .map(|d| (d.branch.clone(), d.status))
        .collect();
    bulk.sort();
    assert_eq!(
        bulk,
        vec![
            ("alice-gh/repo-1:clauded/bulk-1".to_owned(), 204),
            ("alice-gh/repo-1:clauded/bulk-2".to_owned(), 204)
        ]
    );

    // a refused token: logged, and the delete answers as before
    gh.state.lock().unwrap().revoked = true;
    let refused = code_session(&s, &a.who, "alice-gh", "repo-1", "feature/c").await;
    branch_made(&s, Some(&a.id), &refused).await;
    assert_eq!(deleted(&s, &a.who, &refused).await, answer);
    assert_eq!(deletions().last().unwrap().status, 401);
    assert!(binned(&s, &a.who).await.contains(&refused));
    s.stop().await;
}

#[tokio::test]
async fn without_accounts_the_servers_token_deletes_the_branch() {
    let gh = FakeGitHub::start(false).await;
    let mut setup = with_github(&gh);
    setup.options.github_token = Some(FakeGitHub::TOKEN.into());
    let s = TestServer::start_with(setup).await;
    gh.state
        .lock()
        .unwrap()
        .refs
        .insert("octo-fixture/app:clauded/x".into());
    let id = code_session(&s, &As::Nobody, "octo-fixture", "app", "clauded/x").await;
    branch_made(&s, None, &id).await;
    deleted(&s, &As::Nobody, &id).await;
    let seen = gh.state.lock().unwrap().ref_deletions.clone();
    assert_eq!(
        seen,
        vec![RefDeletion {
            branch: "octo-fixture/app:clauded/x".into(),
            authorization: Some(format!("Bearer {}", FakeGitHub::TOKEN)),
            status: 204,
        }]
    );
    s.stop().await;
}

/// `POST /api/execute-remote` by `who` on `repo_url`'s main, read to its end: the frames.
async fn run_on(
    s: &TestServer,
    who: &As,
    repo_url: &str,
) -> Vec<(Option<String>, Option<i64>, Value)> {
    let body = request(s, Method::POST, "/api/execute-remote", who)
        .json(&json!({"userRequest": "Add dark mode",
            "github": {"repoUrl": repo_url, "branch": "main"}}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    sse_frames(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_run_clones_and_pushes_with_their_own_github_token() {
    let gh = FakeGitHub::start(false).await;
    let port = free_port();
    let mut setup = with_github(&gh);
    // the server has a token of its own: a user's run must never use it
    setup.options.github_token = Some("ghp_the_servers_own".into());
    setup.options.github_hosts = vec![format!("http://127.0.0.1:{port}")];
    let s = TestServer::start_with(setup).await;
    let a = register(&s, "a@x.io").await;
    let token = connect(&s, &gh, &a.who, "alice-gh").await;
    let b = register(&s, "b@x.io").await;
    let remote = bare_remote(s.dir.path());
    git(&remote, &["config", "http.receivepack", "true"]);
    // the remote takes A's GitHub token, and only it
    let server = GitHttp::start_on(s.dir.path(), &token, port);

    crate::webedt::script(&s, false);
    let frames = run_on(&s, &a.who, &server.url).await;
    let end = &frames.last().unwrap().2;
    assert_eq!(end["type"], json!("completed"), "{frames:?}");
    assert_eq!(end["pushed"], json!(true), "{end}");
    let branch = end["branch"].as_str().unwrap();
    assert_eq!(
        git(&remote, &["log", "-1", "--format=%s", branch]).trim(),
        "Add dark mode stylesheet",
        "pushed over HTTP"
    );
    let log = server.auth_log();
    assert!(log.contains(&"ok".to_owned()), "{log:?}");
    assert!(
        !log.contains(&"bad".to_owned()),
        "no other token was ever offered (the server's): {log:?}"
    );

    // B has no GitHub link: the clone is offered no token at all, not the server's
    server.clear_auth_log();
    let frames = run_on(&s, &b.who, &server.url).await;
    let end = &frames.last().unwrap().2;
    assert_eq!(end["type"], json!("error"), "{frames:?}");
    let error = end["error"].as_str().unwrap();
    assert!(
        error.contains("clone failed") && error.contains("connect your GitHub account"),
        "a user's run says how that user fixes it: {end}"
    );
    assert!(!error.contains("GITHUB_TOKEN"), "not the server's: {end}");
    let log = server.auth_log();
    assert!(
        !log.is_empty() && log.iter().all(|l| l == "none"),
        "{log:?}"
    );
    s.stop().await;
}
