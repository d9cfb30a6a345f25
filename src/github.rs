//! GitHub's REST API, as much as a run needs: open a pull request, or find the open one.

use crate::git::{TokenHosts, TokenRefused};
use serde::Deserialize;
use serde_json::json;

/// The public API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// GitHub failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401/403: the token is wrong or lacks scope.
    #[error(
        "GitHub refused the token ({status}): {message}; check GITHUB_TOKEN or `clauded auth github`"
    )]
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
    /// The API base, or a redirect, points at a host the token may not go to.
    #[error(transparent)]
    TokenRefused(#[from] TokenRefused),
    /// No answer.
    #[error("cannot reach GitHub at {url}: {reason}")]
    Connect {
        /// The API base.
        url: String,
        /// Why.
        reason: String,
    },
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its page.
    pub html_url: String,
    /// True when it existed already.
    pub reused: bool,
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

#[derive(Deserialize)]
struct Pr {
    number: u64,
    html_url: String,
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

/// Percent-encodes a query value.
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

impl GitHub {
    /// A client for `api` (`GITHUB_API_URL`, default the public API) that sends its token only
    /// to `hosts`, and follows a redirect only to one of them.
    pub fn new(api: &str, token: &str, hosts: &TokenHosts) -> Self {
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
        Self {
            http: reqwest::Client::builder()
                .user_agent(concat!("clauded/", env!("CARGO_PKG_VERSION")))
                .timeout(std::time::Duration::from_secs(30))
                .redirect(redirects)
                .build()
                .unwrap_or_default(),
            api: api.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            hosts: hosts.clone(),
        }
    }

    /// `GET /user`: the login the token belongs to (what `clauded doctor` checks).
    pub async fn user(&self) -> Result<String, Error> {
        let (_, body) = self
            .send(self.http.get(format!("{}/user", self.api)))
            .await?;
        Ok(body["login"].as_str().unwrap_or("(no login)").to_owned())
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<(u16, serde_json::Value), Error> {
        self.hosts.check(&self.api)?;
        let resp = req
            .bearer_auth(&self.token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .send()
            .await
            .map_err(|e| match refusal(&e) {
                Some(r) => Error::TokenRefused(r),
                None => Error::Connect {
                    url: self.api.clone(),
                    reason: e.without_url().to_string(),
                },
            })?;
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        let message = || body["message"].as_str().unwrap_or("no message").to_owned();
        match status {
            200..=299 => Ok((status, body)),
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

    /// Opens a pull request from `head` into `base`, or returns the open one for `head`.
    pub async fn create_or_find_pr(
        &self,
        owner: &str,
        repo: &str,
        head: &str,
        base: &str,
        title: &str,
        body: &str,
    ) -> Result<PullRequest, Error> {
        let url = format!("{}/repos/{owner}/{repo}/pulls", self.api);
        let create = self
            .http
            .post(&url)
            .json(&json!({"title": title, "head": head, "base": base, "body": body}));
        match self.send(create).await {
            Ok((_, v)) => {
                let pr: Pr = serde_json::from_value(v).map_err(|e| Error::Api {
                    status: 201,
                    message: format!("unexpected body: {e}"),
                })?;
                Ok(PullRequest {
                    number: pr.number,
                    html_url: pr.html_url,
                    reused: false,
                })
            }
            Err(Error::Api {
                status: 422,
                message,
            }) => {
                let q = format!("{url}?head={}:{}&state=open", enc(owner), enc(head));
                let list = self.http.get(q);
                let (_, v) = self.send(list).await?;
                let prs: Vec<Pr> = serde_json::from_value(v).unwrap_or_default();
                prs.into_iter()
                    .next()
                    .map(|p| PullRequest {
                        number: p.number,
                        html_url: p.html_url,
                        reused: true,
                    })
                    .ok_or(Error::Api {
                        status: 422,
                        message,
                    })
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_token_never_leaves_over_plain_http_or_to_another_host() {
        let hosts = TokenHosts::new("http://github.invalid", &[]);
        let gh = GitHub::new("http://github.invalid", "ghp_secret", &hosts);
        let err = gh
            .create_or_find_pr("o", "r", "b", "main", "t", "")
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
            .create_or_find_pr("o", "r", "b", "main", "t", "")
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("not sending the GitHub token to ghe.invalid"),
            "{err}"
        );
    }
}
