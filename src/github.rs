//! GitHub: its REST API as runs and WebEDT's routes need it (the user, repositories and
//! branches, all pages; open a pull request or find the open one; delete a branch), and the
//! OAuth app's code exchange. The token goes only to `TokenHosts`, never through a redirect
//! elsewhere, and the client secret only to `GITHUB_URL` itself.

use crate::config::SecretValue;
use crate::git::{TokenHosts, TokenRefused};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The public API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// GitHub's web address: OAuth's authorize and token endpoints.
pub const DEFAULT_WEB_URL: &str = "https://github.com";

/// Pages read at most from one listing (100 items each).
const MAX_PAGES: usize = 50;

/// GitHub failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401/403: the token is wrong or lacks scope.
    #[error("GitHub refused the token ({status}): {message}")]
    Auth {
        /// HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// Any other error answer.
    #[error("GitHub answered {status}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// The OAuth app's code exchange was refused (a bad, used or expired code, a wrong
    /// verifier or client secret).
    #[error("GitHub refused the authorization: {error} ({description})")]
    OAuth {
        /// GitHub's error code, e.g. `bad_verification_code`.
        error: String,
        /// Its description.
        description: String,
    },
    /// The API base, or a redirect, points at a host the token may not go to.
    #[error(transparent)]
    TokenRefused(#[from] TokenRefused),
    /// A name GitHub could not have made (an owner, a repository, a branch); nothing was sent.
    #[error("{0}")]
    BadName(String),
    /// No answer.
    #[error("cannot reach GitHub at {url}: {reason}")]
    Connect {
        /// The API base.
        url: String,
        /// Why.
        reason: String,
    },
}

/// The account a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// GitHub's numeric id (what stays when the login is renamed).
    pub id: u64,
    /// The login.
    pub login: String,
}

/// A repository as `GET /user/repos` lists it (and WebEDT's frontend reads it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repo {
    /// GitHub's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// `owner/name`.
    pub full_name: String,
    /// Its owner.
    pub owner: RepoOwner,
    /// Private or public.
    #[serde(default)]
    pub private: bool,
    /// Its description, if any.
    #[serde(default)]
    pub description: Option<String>,
    /// Its page.
    pub html_url: String,
    /// Its https clone URL.
    pub clone_url: String,
    /// Its default branch.
    #[serde(default)]
    pub default_branch: String,
}

/// A repository's owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepoOwner {
    /// The user's or organisation's login.
    pub login: String,
}

/// A branch as `GET /repos/{owner}/{repo}/branches` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    /// Its name.
    pub name: String,
    /// Branch protection is on.
    #[serde(default)]
    pub protected: bool,
    /// Its head.
    pub commit: BranchCommit,
}

/// A branch's head commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchCommit {
    /// The commit's SHA.
    pub sha: String,
}

/// A pull request, serialized as WebEDT's frontend reads it
/// (`{number, title, htmlUrl, state, head: {ref, sha}, base: {ref, sha}, reused}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its title.
    pub title: String,
    /// Its page.
    pub html_url: String,
    /// `open` or `closed`.
    pub state: String,
    /// The branch it merges.
    pub head: PrRef,
    /// The branch it merges into.
    pub base: PrRef,
    /// True when it existed already (asked again, it is returned, not refused).
    pub reused: bool,
    /// Asked for as a draft, opened ready: the repository has no drafts.
    #[serde(skip)]
    pub draft_refused: bool,
}

/// One side of a pull request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrRef {
    /// The branch.
    #[serde(rename = "ref")]
    pub branch: String,
    /// Its head commit, when GitHub said.
    #[serde(default)]
    pub sha: String,
}

/// What `POST /repos/{owner}/{repo}/pulls` is sent.
#[derive(Debug, Clone, Serialize)]
pub struct NewPullRequest<'a> {
    /// Its title.
    pub title: &'a str,
    /// The branch it merges.
    pub head: &'a str,
    /// The branch it merges into.
    pub base: &'a str,
    /// Its description (Markdown).
    pub body: &'a str,
    /// Opened as a draft: not ready for review (and not mergeable) until marked so.
    pub draft: bool,
}

/// A pull request as GitHub answers it (a fake or an old server may leave fields out).
#[derive(Deserialize)]
struct Pr {
    number: u64,
    html_url: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    head: Option<PrRef>,
    #[serde(default)]
    base: Option<PrRef>,
}

impl Pr {
    fn into_pull(self, head: &str, base: &str, reused: bool) -> PullRequest {
        let side = |r: Option<PrRef>, branch: &str| {
            r.unwrap_or_else(|| PrRef {
                branch: branch.to_owned(),
                sha: String::new(),
            })
        };
        PullRequest {
            number: self.number,
            title: self.title,
            html_url: self.html_url,
            state: self.state.unwrap_or_else(|| "open".into()),
            head: side(self.head, head),
            base: side(self.base, base),
            reused,
            draft_refused: false,
        }
    }
}

/// Whether `owner` and `repo` are names GitHub could have made: an owner of letters, digits
/// and inner single hyphens (at most 39), a repository of letters, digits, `.`, `-` and `_`
/// (at most 100, not `.` or `..`). Anything else never reaches a URL.
pub fn check_repo_name(owner: &str, repo: &str) -> Result<(), String> {
    let owner_ok = !owner.is_empty()
        && owner.len() <= 39
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    if !owner_ok {
        return Err(format!(
            "{owner:?} is not a GitHub owner: letters, digits and single inner hyphens, at most 39"
        ));
    }
    let repo_ok = !repo.is_empty()
        && repo.len() <= 100
        && repo != "."
        && repo != ".."
        && repo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !repo_ok {
        return Err(format!(
            "{repo:?} is not a GitHub repository name: letters, digits, '.', '-' and '_', at most 100"
        ));
    }
    Ok(())
}

/// Whether `branch` is a branch name git accepts (no `..`, no component starting with `.`, no
/// spaces, `~^:?*[\`, `@{` or control characters), so it stays one path in a URL.
pub fn check_branch_name(branch: &str) -> Result<(), String> {
    if git2::Reference::is_valid_name(&format!("refs/heads/{branch}")) {
        Ok(())
    } else {
        Err(format!("{branch:?} is not a git branch name"))
    }
}

/// The refusal a redirect policy stopped a request with, if that is why it failed.
fn refusal(e: &reqwest::Error) -> Option<TokenRefused> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<TokenRefused>() {
            return Some(r.clone());
        }
        source = s.source();
    }
    None
}

/// Percent-encodes a query value (`/` kept, as in branch names).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What a query or form value keeps as is: RFC 3986's unreserved characters, and `:` and `/`
/// (readable URLs in `redirect_uri`, `user:email` in `scope`); `+`, `&`, `=` and the rest are
/// escaped.
const QUERY_KEEPS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'/');

/// `application/x-www-form-urlencoded` of `pairs` (a query string too).
fn form(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::utf8_percent_encode;
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY_KEEPS),
                utf8_percent_encode(v, QUERY_KEEPS)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let mut fields = part.split(';').map(str::trim);
            let target = fields.next()?.strip_prefix('<')?.strip_suffix('>')?;
            fields
                .filter_map(|f| f.strip_prefix("rel="))
                .any(|rel| {
                    rel.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "next")
                })
                .then(|| target.to_owned())
        })
}

/// An answer: its status, its JSON and the next page, if any.
struct Answer {
    status: u16,
    body: serde_json::Value,
    next: Option<String>,
}

/// A client that follows a redirect only to `hosts` (at most five).
fn http_client(hosts: &TokenHosts) -> reqwest::Client {
    crate::anthropic::init_tls();
    let allowed = hosts.clone();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("too many redirects");
        }
        match allowed.check(attempt.url().as_str()) {
            Ok(()) => attempt.follow(),
            Err(refused) => attempt.error(refused),
        }
    });
    reqwest::Client::builder()
        .user_agent(concat!("clauded/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(redirects)
        .build()
        .unwrap_or_default()
}

/// A GitHub API client with a token.
#[derive(Clone)]
pub struct GitHub {
    http: reqwest::Client,
    api: String,
    token: String,
    hosts: TokenHosts,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl GitHub {
    /// A client for `api` (`GITHUB_API_URL`, default the public API) that sends its token only
    /// to `hosts`, and follows a redirect only to one of them.
    pub fn new(api: &str, token: &str, hosts: &TokenHosts) -> Self {
        Self {
            http: http_client(hosts),
            api: api.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            hosts: hosts.clone(),
        }
    }

    /// `GET /user`: the login the token belongs to (what `clauded doctor` checks).
    pub async fn user(&self) -> Result<String, Error> {
        let a = self.get(&format!("{}/user", self.api)).await?;
        Ok(a.body["login"].as_str().unwrap_or("(no login)").to_owned())
    }

    /// `GET /user`: the account the token belongs to, with its id.
    pub async fn account(&self) -> Result<Account, Error> {
        let a = self.get(&format!("{}/user", self.api)).await?;
        parsed(a.status, a.body)
    }

    /// The user's repositories, most recently updated first (every page).
    pub async fn repos(&self) -> Result<Vec<Repo>, Error> {
        self.all_pages(format!("{}/user/repos?sort=updated&per_page=100", self.api))
            .await
    }

    /// A repository's branches (every page); `owner` and `repo` pass [`check_repo_name`].
    pub async fn branches(&self, owner: &str, repo: &str) -> Result<Vec<Branch>, Error> {
        self.all_pages(format!(
            "{}/repos/{owner}/{repo}/branches?per_page=100",
            self.api
        ))
        .await
    }

    /// Every page of a listing from `url` on, following `Link: rel="next"` (to token hosts
    /// only, as every request).
    async fn all_pages<T: DeserializeOwned>(&self, url: String) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            if seen.len() >= MAX_PAGES || seen.contains(&url) {
                break;
            }
            let a = self.get(&url).await?;
            out.extend(parsed::<Vec<T>>(a.status, a.body)?);
            seen.push(url);
            next = a.next;
        }
        Ok(out)
    }

    async fn get(&self, url: &str) -> Result<Answer, Error> {
        self.call(reqwest::Method::GET, url, None).await
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Answer, Error> {
        self.hosts.check(url)?;
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(&self.token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| match refusal(&e) {
            Some(r) => Error::TokenRefused(r),
            None => Error::Connect {
                url: self.api.clone(),
                reason: e.without_url().to_string(),
            },
        })?;
        let status = resp.status().as_u16();
        let next = next_link(resp.headers());
        let body: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        // GitHub's detail (a 422's reason) is in `errors[].message`
        let message = || {
            let top = body["message"].as_str().unwrap_or("no message");
            let details: Vec<&str> = body["errors"]
                .as_array()
                .map(|e| e.iter().filter_map(|e| e["message"].as_str()).collect())
                .unwrap_or_default();
            if details.is_empty() {
                top.to_owned()
            } else {
                format!("{top}: {}", details.join("; "))
            }
        };
        match status {
            200..=299 => Ok(Answer { status, body, next }),
            401 | 403 => Err(Error::Auth {
                status,
                message: message(),
            }),
            _ => Err(Error::Api {
                status,
                message: message(),
            }),
        }
    }

    /// Deletes a branch (`DELETE /repos/{owner}/{repo}/git/refs/heads/{branch}`); one GitHub
    /// does not have is already gone. The names are checked first: a branch such as `../..`
    /// never becomes another URL.
    pub async fn delete_branch(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
    ) -> Result<BranchDeletion, Error> {
        check_repo_name(owner, repo).map_err(Error::BadName)?;
        check_branch_name(branch).map_err(Error::BadName)?;
        let url = format!(
            "{}/repos/{owner}/{repo}/git/refs/heads/{}",
            self.api,
            enc(branch)
        );
        match self.call(reqwest::Method::DELETE, &url, None).await {
            Ok(_) => Ok(BranchDeletion::Deleted),
            Err(Error::Api {
                status: 404 | 422, ..
            }) => Ok(BranchDeletion::AlreadyGone),
            Err(e) => Err(e),
        }
    }

    /// Opens a pull request (`POST /repos/{owner}/{repo}/pulls`), or returns the open one for
    /// its head.
    pub async fn create_or_find_pr(
        &self,
        owner: &str,
        repo: &str,
        new: &NewPullRequest<'_>,
    ) -> Result<PullRequest, Error> {
        let (head, base) = (new.head, new.base);
        let url = format!("{}/repos/{owner}/{repo}/pulls", self.api);
        let create = serde_json::to_value(new).unwrap_or_default();
        match self.call(reqwest::Method::POST, &url, Some(create)).await {
            Ok(a) => Ok(parsed::<Pr>(a.status, a.body)?.into_pull(head, base, false)),
            Err(Error::Api {
                status: 422,
                message,
            }) => {
                let q = format!("{url}?head={}:{}&state=open", enc(owner), enc(head));
                let a = self.get(&q).await?;
                let prs: Vec<Pr> = serde_json::from_value(a.body).unwrap_or_default();
                if let Some(p) = prs.into_iter().next() {
                    return Ok(p.into_pull(head, base, true));
                }
                // a repository without drafts (a private one on GitHub Free) gets it ready
                if new.draft && message.to_ascii_lowercase().contains("draft") {
                    let ready = NewPullRequest {
                        draft: false,
                        ..new.clone()
                    };
                    let a = self
                        .call(
                            reqwest::Method::POST,
                            &url,
                            serde_json::to_value(&ready).ok(),
                        )
                        .await?;
                    let mut pr = parsed::<Pr>(a.status, a.body)?.into_pull(head, base, false);
                    pr.draft_refused = true;
                    return Ok(pr);
                }
                Err(Error::Api {
                    status: 422,
                    message,
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// What deleting a branch found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchDeletion {
    /// It was there and is gone.
    Deleted,
    /// GitHub did not have it (404, or 422 `Reference does not exist`).
    AlreadyGone,
}

/// A successful answer's body as `T`, or why it is not one.
fn parsed<T: DeserializeOwned>(status: u16, body: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(body).map_err(|e| Error::Api {
        status,
        message: format!("unexpected body: {e}"),
    })
}

/// A GitHub OAuth app: its client id and secret, and GitHub's web address.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// `GITHUB_URL`, without a trailing slash.
    pub web: String,
    /// The app's client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: SecretValue,
}

impl OAuthApp {
    /// Where the browser goes to authorize, with these query parameters.
    pub fn authorize_url(&self, params: &[(&str, &str)]) -> String {
        format!("{}/login/oauth/authorize?{}", self.web, form(params))
    }

    /// Exchanges an authorization `code` (with its PKCE `verifier` and the `redirect_uri` it
    /// was asked with) for an access token at `${GITHUB_URL}/login/oauth/access_token`. The
    /// secret goes there only: over https (or http to loopback), and no redirect is followed.
    pub async fn exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<String, Error> {
        let url = format!("{}/login/oauth/access_token", self.web);
        TokenHosts::new(&self.web, &[]).check(&url)?;
        crate::anthropic::init_tls();
        let http = reqwest::Client::builder()
            .user_agent(concat!("clauded/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let body = form(&[
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose()),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ]);
        let resp = http
            .post(&url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| Error::Connect {
                url: self.web.clone(),
                reason: e.without_url().to_string(),
            })?;
        let status = resp.status().as_u16();
        let v: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        // GitHub answers a refused code with 200 and an `error`
        if let Some(error) = v["error"].as_str() {
            return Err(Error::OAuth {
                error: error.to_owned(),
                description: text("error_description"),
            });
        }
        match v["access_token"].as_str() {
            Some(t) if (200..300).contains(&status) && !t.is_empty() => Ok(t.to_owned()),
            _ => Err(Error::Api {
                status,
                message: "no access_token in the answer".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull<'a>(head: &'a str, base: &'a str) -> NewPullRequest<'a> {
        NewPullRequest {
            title: "t",
            head,
            base,
            body: "",
            draft: false,
        }
    }

    #[tokio::test]
    async fn the_token_never_leaves_over_plain_http_or_to_another_host() {
        let hosts = TokenHosts::new("http://github.invalid", &[]);
        let gh = GitHub::new("http://github.invalid", "ghp_secret", &hosts);
        let err = gh
            .create_or_find_pr("o", "r", &pull("b", "main"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::TokenRefused(r) if r.host == "github.invalid"),
            "{err}"
        );
        assert!(err.to_string().contains("plain http"), "{err}");

        let gh = GitHub::new(
            "https://ghe.invalid/api/v3",
            "ghp_secret",
            &TokenHosts::default(),
        );
        let err = gh
            .create_or_find_pr("o", "r", &pull("b", "main"))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("not sending the GitHub token to ghe.invalid"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_client_secret_never_goes_over_plain_http() {
        let app = OAuthApp {
            web: "http://github.invalid".into(),
            client_id: "id".into(),
            client_secret: SecretValue::new("shh"),
        };
        let err = app.exchange("c", "http://x/cb", "v").await.unwrap_err();
        assert!(matches!(err, Error::TokenRefused(_)), "{err}");
    }

    #[test]
    fn names_links_and_forms() {
        assert!(check_repo_name("octo-cat", "hello.world_2").is_ok());
        for (o, r) in [
            ("", "r"),
            ("-a", "r"),
            ("a--b", "r"),
            ("a/b", "r"),
            ("o", ".."),
            ("o", "a/b"),
            ("o", "a%2fb"),
            ("o", ""),
        ] {
            assert!(check_repo_name(o, r).is_err(), "{o}/{r}");
        }
        assert!(check_branch_name("clauded/dark-mode-1a2b3c4d").is_ok());
        for b in [
            "", "../..", "a/../b", ".hidden", "a b", "a..b", "x.lock", "a@{1}", "a//b",
        ] {
            assert!(check_branch_name(b).is_err(), "{b}");
        }
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::LINK,
            r#"<https://api.github.com/user/repos?page=2>; rel="next", <https://api.github.com/user/repos?page=3>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/user/repos?page=2")
        );
        h.insert(
            reqwest::header::LINK,
            r#"<https://x/?page=1>; rel="prev""#.parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
        assert_eq!(form(&[("a b", "c&d=é+")]), "a%20b=c%26d%3D%C3%A9%2B");
        assert_eq!(
            form(&[
                ("scope", "repo workflow user:email"),
                ("r", "http://h:1/cb")
            ]),
            "scope=repo%20workflow%20user:email&r=http://h:1/cb"
        );
    }
}
