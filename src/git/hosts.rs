//! Which remotes a run may use and where the GitHub token may go: one policy for git and the API.

use std::net::IpAddr;

/// The GitHub token was not sent: the host is not GitHub's, or the channel is plain http.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not sending the GitHub token to {host}: {reason}")]
pub struct TokenRefused {
    /// The host (and port when not the scheme's default) that asked.
    pub host: String,
    /// Why, and what to do.
    pub reason: String,
}

/// The hosts the GitHub token may be sent to: `github.com`, the host of `GITHUB_API_URL`
/// (with `github.com` for `api.github.com`) and the configured `github_hosts`, matched on host
/// and port; over https, or plain http to a loopback address (tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHosts(Vec<(String, u16)>);

impl Default for TokenHosts {
    fn default() -> Self {
        Self::new(crate::github::DEFAULT_API_URL, &[])
    }
}

impl TokenHosts {
    /// The policy for an API base (`GITHUB_API_URL`) and extra hosts (`host`, `host:port` or a URL).
    pub fn new(github_api: &str, extra: &[String]) -> Self {
        let mut hosts = vec![("github.com".to_owned(), 443)];
        let mut add = |h: (String, u16)| {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        };
        if let Some(a) = Authority::parse(github_api) {
            add((a.host, a.port));
        }
        for e in extra.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let a = if e.contains("://") {
                Authority::parse(e)
            } else {
                // a bare `host[:port]` means https
                Authority::parse(&format!("https://{e}"))
            };
            if let Some(a) = a {
                add((a.host, a.port));
            }
        }
        Self(hosts)
    }

    /// Whether the token may be sent with a request to `url`, and if not, why.
    pub fn check(&self, url: &str) -> Result<(), TokenRefused> {
        let Some(a) = Authority::parse(url) else {
            return Err(TokenRefused {
                host: crate::git::redact_url(url),
                reason: "it is not an https URL".into(),
            });
        };
        if a.scheme == "http" && !is_loopback(&a.host) {
            return Err(TokenRefused {
                host: a.shown(),
                reason: "plain http is only used with loopback addresses; use https".into(),
            });
        }
        if !self.0.iter().any(|(h, p)| *h == a.host && *p == a.port) {
            return Err(TokenRefused {
                host: a.shown(),
                reason: "it is not a GitHub host (github.com, the host of GITHUB_API_URL, or \
                         one listed in `github_hosts` in the config file)"
                    .into(),
            });
        }
        Ok(())
    }

    /// True when the token may be sent to `url`.
    pub fn allows(&self, url: &str) -> bool {
        self.check(url).is_ok()
    }
}

/// What a run may clone, and where its GitHub token may go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemotePolicy {
    /// Local paths and `file://` URLs may be cloned (the terminal; a server with `--allow-local-repos`).
    pub allow_local: bool,
    /// Where the token may go.
    pub token_hosts: TokenHosts,
}

impl RemotePolicy {
    /// A policy from the settings: local repositories or not, `GITHUB_API_URL`, `github_hosts`.
    pub fn new(allow_local: bool, github_api: &str, github_hosts: &[String]) -> Self {
        Self {
            allow_local,
            token_hosts: TokenHosts::new(github_api, github_hosts),
        }
    }

    /// [`check_remote_url`] under this policy.
    pub fn check(&self, url: &str) -> Result<(), String> {
        check_remote_url(url, self.allow_local, &self.token_hosts)
    }
}

/// Whether a run may clone `url`: an https URL, a token host over loopback http, or (with
/// `allow_local`) a local path, `file://` or any loopback http URL. Refuses ssh and scp-like
/// addresses, `transport::` prefixes, plain http elsewhere, credentials in the URL and values that
/// look like options. The error says why and what to give instead.
pub fn check_remote_url(url: &str, allow_local: bool, hosts: &TokenHosts) -> Result<(), String> {
    const LOCAL: &str = "local repositories are refused here: give an https URL \
                         (a server allows them with --allow-local-repos)";
    const SSH: &str =
        "ssh is not supported: give the https URL (the token comes from GITHUB_TOKEN)";
    if url.is_empty() {
        return Err("the repository URL is empty".into());
    }
    if url.starts_with('-') {
        return Err(format!("{url:?} looks like an option, not a repository"));
    }
    // git's `<transport>::<address>` form runs helpers (`ext::` runs a command)
    if let Some((name, _)) = url.split_once("::")
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(format!(
            "the {name}:: transport is not allowed: give an https URL"
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the repository URL contains spaces or control characters".into());
    }
    let Some((scheme, _)) = url.split_once("://") else {
        // git reads `host:path` (a colon before any slash) as ssh; `C:\` is a Windows drive
        if let Some(i) = url.find(':')
            && i > 1
            && !url[..i].contains(['/', '\\'])
        {
            return Err(format!("{} ({url:?} is an ssh address)", SSH));
        }
        return if allow_local {
            Ok(())
        } else {
            Err(LOCAL.into())
        };
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" | "http" => {
            let a = Authority::parse(url)
                .ok_or_else(|| format!("{} is not a valid URL", crate::git::redact_url(url)))?;
            if a.userinfo {
                return Err(
                    "the URL carries credentials: remove them (clauded adds the token \
                            itself)"
                        .into(),
                );
            }
            if url.contains('\\') {
                return Err("the repository URL contains a backslash".into());
            }
            let loopback_ok = hosts.allows(url) || (allow_local && is_loopback(&a.host));
            if a.scheme == "http" && !loopback_ok {
                return Err(format!(
                    "plain http to {} is refused: give the https URL",
                    a.shown()
                ));
            }
            Ok(())
        }
        "file" if allow_local => Ok(()),
        "file" => Err(LOCAL.into()),
        "ssh" | "git+ssh" | "ssh+git" => Err(SSH.into()),
        "git" => Err("git:// is neither authenticated nor encrypted: give the https URL".into()),
        other => Err(format!(
            "{other}:// repositories are not supported: give an https URL"
        )),
    }
}

/// True for `localhost` and loopback addresses (127.0.0.0/8, ::1).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The parts of an http(s) URL that decide where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authority {
    /// `http` or `https`.
    scheme: String,
    /// Lower-case, without a trailing dot; IPv6 in brackets.
    host: String,
    /// The explicit port, else the scheme's.
    port: u16,
    /// The URL has a `user[:password]@` part.
    userinfo: bool,
}

impl Authority {
    /// Parses `http(s)://[userinfo@]host[:port][/...]`; None for anything else.
    fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((_, hp)) => (true, hp),
            None => (false, authority),
        };
        let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
            let (inside, after) = v6.split_once(']')?;
            (
                format!("[{}]", inside.to_ascii_lowercase()),
                after.strip_prefix(':'),
            )
        } else {
            match host_port.split_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (host_port.to_ascii_lowercase(), None),
            }
        };
        let host = host.trim_end_matches('.').to_owned();
        if host.is_empty() || host == "[]" {
            return None;
        }
        let port = match port {
            None | Some("") => default_port,
            Some(p) => p.parse().ok()?,
        };
        Some(Self {
            scheme,
            host,
            port,
            userinfo,
        })
    }

    /// `host`, or `host:port` when the port is not the scheme's default.
    fn shown(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(api: &str, extra: &[&str]) -> TokenHosts {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        TokenHosts::new(api, &extra)
    }

    #[test]
    fn the_token_goes_to_github_and_the_api_host_only() {
        let h = TokenHosts::default();
        assert!(h.allows("https://github.com/o/r.git"));
        assert!(h.allows("https://GitHub.com./o/r"));
        assert!(h.allows("https://api.github.com/repos/o/r/pulls"));
        for bad in [
            "https://gitlab.com/o/r",
            "https://github.com.evil.example/o/r",
            "https://github.com:8443/o/r",
            "http://github.com/o/r",
            "https://evil.example/github.com/o/r",
            "ssh://git@github.com/o/r",
            "/tmp/repo.git",
        ] {
            assert!(!h.allows(bad), "{bad}");
        }
        let e = h.check("https://gitlab.com/o/r").unwrap_err();
        assert_eq!(e.host, "gitlab.com");
        assert!(
            e.to_string()
                .starts_with("not sending the GitHub token to gitlab.com: ")
        );
        assert!(e.to_string().contains("github_hosts"), "{e}");
    }

    #[test]
    fn enterprise_and_configured_hosts_count() {
        let h = hosts(
            "https://ghe.example/api/v3",
            &["git.corp.example", "ghe2.example:8443"],
        );
        assert!(h.allows("https://ghe.example/o/r"));
        assert!(h.allows("https://github.com/o/r"), "github.com always");
        assert!(
            !h.allows("https://api.github.com/x"),
            "not the API URL here"
        );
        assert!(h.allows("https://git.corp.example/o/r"));
        assert!(h.allows("https://ghe2.example:8443/o/r"));
        assert!(!h.allows("https://ghe2.example/o/r"), "another port");
    }

    #[test]
    fn loopback_http_must_match_the_port_too() {
        let h = hosts(
            "http://127.0.0.1:4000",
            &["127.0.0.1:5000", "http://[::1]:6000"],
        );
        assert!(h.allows("http://127.0.0.1:4000/repos/o/r/pulls"));
        assert!(h.allows("http://127.0.0.1:5000/origin.git"));
        assert!(h.allows("http://[::1]:6000/origin.git"));
        let e = h.check("http://127.0.0.1:4001/x.git").unwrap_err();
        assert_eq!(e.host, "127.0.0.1:4001");
        // plain http to a configured but non-loopback host is refused
        let h = hosts("http://ghe.example", &[]);
        let e = h.check("http://ghe.example/o/r").unwrap_err();
        assert!(e.reason.contains("plain http"), "{e}");
        assert!(
            h.check("https://user:pw@github.com/o/r").is_ok(),
            "userinfo is not the host"
        );
    }

    #[test]
    fn remote_urls_that_are_refused() {
        let h = hosts("http://127.0.0.1:4000", &[]);
        let refused = |url: &str, local: bool, why: &str| {
            let e = check_remote_url(url, local, &h).unwrap_err();
            assert!(e.contains(why), "{url}: {e}");
        };
        refused("/srv/repo.git", false, "local repositories");
        refused("../repo", false, "local repositories");
        refused("file:///srv/repo.git", false, "local repositories");
        refused("FILE:///srv/repo.git", false, "local repositories");
        refused("ssh://git@github.com/o/r.git", true, "ssh");
        refused("git@github.com:o/r.git", true, "ssh address");
        refused("github.com:o/r", true, "ssh address");
        refused("git://github.com/o/r", true, "git://");
        refused("http://example.com/o/r", true, "plain http");
        refused("http://127.0.0.1:9999/o/r", false, "plain http");
        refused(
            "https://x-access-token:ghp_x@github.com/o/r",
            true,
            "credentials",
        );
        refused("https://user@github.com/o/r", true, "credentials");
        refused("ext::sh -c touch% /tmp/pwned", true, "ext:: transport");
        refused("ext::ssh", true, "ext:: transport");
        refused("fd::17", true, "fd:: transport");
        refused("-uhelp", true, "option");
        refused("--upload-pack=touch /tmp/x", true, "option");
        refused("https://github.com/o/r\n", true, "control");
        refused("https://evil.example\\@github.com/o/r", true, "backslash");
        refused("ftp://example.com/r", true, "not supported");
        refused("", true, "empty");
    }

    #[test]
    fn remote_urls_that_pass() {
        let h = hosts("http://127.0.0.1:4000", &[]);
        for url in ["https://github.com/o/r", "https://gitlab.com/o/r.git"] {
            assert_eq!(check_remote_url(url, false, &h), Ok(()), "{url}");
        }
        assert_eq!(
            check_remote_url("http://127.0.0.1:4000/o.git", false, &h),
            Ok(())
        );
        for url in [
            "/srv/repo.git",
            "file:///srv/repo.git",
            "http://127.0.0.1:9999/o.git",
            "http://localhost:9999/o.git",
            "C:\\repos\\app",
        ] {
            assert_eq!(check_remote_url(url, true, &h), Ok(()), "{url}");
        }
        let p = RemotePolicy::new(false, "https://api.github.com", &[]);
        assert!(p.check("/srv/repo.git").is_err());
        assert!(p.check("https://github.com/o/r").is_ok());
    }

    #[test]
    fn loopback_names() {
        for h in ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["10.0.0.1", "localhost.example", "[::2]", "0.0.0.0"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
