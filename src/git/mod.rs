//! Git through libgit2: clone, branch, commit, push, and the dirty-tree and diff checks a run needs.
//!
//! Knows nothing of Claude, the store or HTTP. Every operation is blocking; async callers run
//! it on the blocking pool. `hosts` decides which remotes may be used and where the token may go.

mod hosts;

pub use hosts::{RemotePolicy, TokenHosts, TokenRefused, check_remote_url};

use git2::{
    Cred, CredentialType, FetchOptions, IndexAddOption, PushOptions, RemoteCallbacks,
    RemoteRedirect, Repository, Signature, Status, StatusOptions,
};
use std::cell::{Cell, RefCell};
use std::path::Path;

/// Git failures, phrased for people.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The remote refused the credentials (or asked for some we do not have).
    #[error("authentication failed for {0}: the remote refused the token, or wanted one")]
    Auth(String),
    /// A host that is not GitHub's asked for credentials; the token was not sent.
    #[error(transparent)]
    TokenRefused(#[from] TokenRefused),
    /// The remote refused the push of a ref.
    #[error("the push of {refname} was rejected: {reason}")]
    Rejected {
        /// The ref.
        refname: String,
        /// What the remote said.
        reason: String,
    },
    /// Anything else libgit2 reported.
    #[error("{0}")]
    Git(String),
}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        if e.class() == git2::ErrorClass::Http && e.message().contains("authentication") {
            return Error::Auth(e.message().to_owned());
        }
        Error::Git(e.message().to_owned())
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

/// Progress of a network operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Objects done.
    pub done: usize,
    /// Objects in all.
    pub total: usize,
    /// Bytes moved so far.
    pub bytes: usize,
}

/// A credential attempt: the token and where it may go, whether it was tried, and a refusal.
struct Attempt<'a> {
    url: &'a str,
    token: Option<&'a str>,
    hosts: &'a TokenHosts,
    tried: Cell<bool>,
    refused: RefCell<Option<TokenRefused>>,
}

impl<'a> Attempt<'a> {
    fn new(url: &'a str, token: Option<&'a str>, hosts: &'a TokenHosts) -> Self {
        Self {
            url,
            token,
            hosts,
            tried: Cell::new(false),
            refused: RefCell::new(None),
        }
    }

    /// The operation's error, phrased: the token we would not send, a token the remote refused,
    /// or libgit2's own message.
    fn error(&self, e: git2::Error) -> Error {
        if let Some(r) = self.refused.borrow_mut().take() {
            return Error::TokenRefused(r);
        }
        if self.tried.get()
            && (e.class() == git2::ErrorClass::Http || e.message().contains("authentication"))
        {
            Error::Auth(redact_url(self.url))
        } else {
            Error::from(e)
        }
    }
}

/// Callbacks with a token (HTTPS) and one auth attempt only: libgit2 would otherwise retry a
/// wrong token until "too many authentication replays". The token goes only to a host of
/// `hosts`; the URL checked is the one asking (after any redirect), not the one we were given.
fn callbacks<'a>(
    at: &'a Attempt<'a>,
    on_progress: &'a mut dyn FnMut(Progress),
) -> RemoteCallbacks<'a> {
    let mut cb = RemoteCallbacks::new();
    cb.credentials(move |asking, user, allowed| {
        if at.tried.replace(true) {
            return Err(git2::Error::from_str(&format!(
                "authentication failed for {}",
                redact_url(at.url)
            )));
        }
        match at.token {
            Some(t) if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) => {
                if let Err(refused) = at.hosts.check(asking) {
                    let msg = refused.to_string();
                    *at.refused.borrow_mut() = Some(refused);
                    return Err(git2::Error::from_str(&msg));
                }
                Cred::userpass_plaintext("x-access-token", t)
            }
            _ if allowed.contains(CredentialType::DEFAULT) => Cred::default(),
            _ => Cred::username(user.unwrap_or("git")),
        }
    });
    cb.transfer_progress(move |p| {
        on_progress(Progress {
            done: p.received_objects(),
            total: p.total_objects(),
            bytes: p.received_bytes(),
        });
        true
    });
    cb
}

/// A URL without any credentials in it.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host))
                if !rest.split('/').next().unwrap_or("").is_empty()
                    && rest.find('@') < rest.find('/') =>
            {
                format!("{scheme}://{host}")
            }
            _ => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Clones `url` (HTTPS with a token, a local path, or `file://`) into `dest`, checking out
/// `branch` when given (falling back to the remote's default branch when it does not exist).
/// The token is offered only to `hosts`; redirects to another host are not followed.
pub fn clone(
    url: &str,
    dest: &Path,
    branch: Option<&str>,
    token: Option<&str>,
    hosts: &TokenHosts,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<Repository> {
    let at = Attempt::new(url, token, hosts);
    let attempt = |branch: Option<&str>, on_progress: &mut dyn FnMut(Progress)| {
        let mut fo = FetchOptions::new();
        fo.remote_callbacks(callbacks(&at, on_progress));
        fo.follow_redirects(RemoteRedirect::None);
        let mut b = git2::build::RepoBuilder::new();
        b.fetch_options(fo);
        if let Some(br) = branch {
            b.branch(br);
        }
        b.clone(url, dest)
    };
    match attempt(branch, on_progress) {
        Ok(r) => Ok(r),
        Err(e) if branch.is_some() && e.code() == git2::ErrorCode::NotFound && !at.tried.get() => {
            let _ = std::fs::remove_dir_all(dest);
            attempt(None, on_progress).map_err(|e| at.error(e))
        }
        Err(e) => Err(at.error(e)),
    }
}

/// The checked-out branch's short name.
pub fn current_branch(repo: &Repository) -> Result<String> {
    let head = repo.head()?;
    Ok(head.shorthand().unwrap_or("HEAD").to_owned())
}

/// Creates `name` at HEAD and checks it out.
pub fn create_branch(repo: &Repository, name: &str) -> Result<()> {
    let head = repo.head()?.peel_to_commit()?;
    repo.branch(name, &head, false)?;
    repo.set_head(&format!("refs/heads/{name}"))?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().safe()))?;
    Ok(())
}

/// Checks out `name`: the branch when it exists (a change in the way is refused), else a new
/// one at HEAD. Nothing happens when it is checked out already.
pub fn ensure_branch(repo: &Repository, name: &str) -> Result<()> {
    if current_branch(repo)? == name {
        return Ok(());
    }
    let refname = format!("refs/heads/{name}");
    match repo.revparse_single(&refname) {
        Ok(target) => {
            repo.checkout_tree(&target, Some(git2::build::CheckoutBuilder::new().safe()))?;
            repo.set_head(&refname)?;
            Ok(())
        }
        Err(_) => create_branch(repo, name),
    }
}

/// Goes back to `base` and deletes `branch` when nothing was committed on it (both point at
/// one commit) and the work tree has no changes; true when it did.
pub fn drop_empty_branch(repo: &Repository, branch: &str, base: &str) -> Result<bool> {
    let head_of = |name: &str| -> Result<git2::Oid> {
        Ok(repo
            .find_branch(name, git2::BranchType::Local)?
            .get()
            .peel_to_commit()?
            .id())
    };
    if head_of(branch)? != head_of(base)? || !changed_files(repo)?.is_empty() {
        return Ok(false);
    }
    ensure_branch(repo, base)?;
    repo.find_branch(branch, git2::BranchType::Local)?
        .delete()?;
    Ok(true)
}

/// Changed, added or deleted files in the work tree (untracked included, ignored not).
pub fn changed_files(repo: &Repository) -> Result<Vec<String>> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .filter(|s| s.status() != Status::CURRENT && !s.status().contains(Status::IGNORED))
        .filter_map(|s| s.path().ok().map(str::to_owned))
        .collect())
}

/// The work tree's changes against HEAD as a patch (untracked files included), cut to `cap` bytes.
pub fn diff_text(repo: &Repository, cap: usize) -> Result<String> {
    let head = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut opts = git2::DiffOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true);
    let diff = repo.diff_tree_to_workdir_with_index(head.as_ref(), Some(&mut opts))?;
    let mut out = String::new();
    diff.print(git2::DiffFormat::Patch, |_, _, line| {
        if out.len() < cap {
            if matches!(line.origin(), '+' | '-' | ' ') {
                out.push(line.origin());
            }
            out.push_str(&String::from_utf8_lossy(line.content()));
        }
        true
    })?;
    out.truncate(cap);
    Ok(out)
}

/// The author and committer for commits: the repository's (or the user's global) git identity,
/// else `fallback`. The user's identity is never rewritten.
pub fn signature(repo: &Repository, fallback: (&str, &str)) -> Result<Signature<'static>> {
    match repo.signature() {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Ok(Signature::now(fallback.0, fallback.1)?),
    }
}

/// Stages everything and commits; None when there was nothing to commit.
pub fn commit_all(
    repo: &Repository,
    message: &str,
    sig: &Signature<'_>,
) -> Result<Option<git2::Oid>> {
    if changed_files(repo)?.is_empty() {
        return Ok(None);
    }
    let mut index = repo.index()?;
    index.add_all(["*"].iter(), IndexAddOption::DEFAULT, None)?;
    index.update_all(["*"].iter(), None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    Ok(Some(repo.commit(
        Some("HEAD"),
        sig,
        sig,
        message,
        &tree,
        &parents,
    )?))
}

/// Pushes `branch` to `origin` and sets it as the branch's upstream; the token is offered only
/// to `hosts`, wherever `origin` now points.
pub fn push(
    repo: &Repository,
    branch: &str,
    token: Option<&str>,
    hosts: &TokenHosts,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let mut remote = repo.find_remote("origin")?;
    let url = match remote.pushurl() {
        Ok(Some(u)) => u.to_owned(),
        _ => remote.url().unwrap_or("origin").to_owned(),
    };
    let at = Attempt::new(&url, token, hosts);
    let rejected: RefCell<Option<(String, String)>> = Default::default();
    {
        let mut cb = callbacks(&at, on_progress);
        cb.push_update_reference(|refname, status| {
            if let Some(msg) = status {
                *rejected.borrow_mut() = Some((refname.to_owned(), msg.to_owned()));
            }
            Ok(())
        });
        let mut po = PushOptions::new();
        po.remote_callbacks(cb);
        po.follow_redirects(RemoteRedirect::None);
        let spec = format!("refs/heads/{branch}:refs/heads/{branch}");
        remote
            .push(&[spec.as_str()], Some(&mut po))
            .map_err(|e| at.error(e))?;
    }
    if let Some((refname, reason)) = rejected.into_inner() {
        return Err(Error::Rejected { refname, reason });
    }
    let mut b = repo.find_branch(branch, git2::BranchType::Local)?;
    // the remote-tracking ref exists only after a fetch; make it so the upstream can be set
    let oid = b
        .get()
        .target()
        .ok_or_else(|| Error::Git("the branch has no commit".into()))?;
    repo.reference(&format!("refs/remotes/origin/{branch}"), oid, true, "push")?;
    b.set_upstream(Some(&format!("origin/{branch}")))?;
    Ok(())
}

/// The folders GitHub looks in for a pull request template, in the order taken here (the
/// root is `""`).
const PR_TEMPLATE_DIRS: [&str; 3] = [".github", "", "docs"];

/// The template's file name, matched in any case.
const PR_TEMPLATE_NAME: &str = "pull_request_template.md";

/// The largest template taken, in bytes (GitHub's body holds 65,536 characters).
const PR_TEMPLATE_MAX: usize = 32 * 1024;

/// The repository's pull request template as committed on the local `branch` (else HEAD):
/// `pull_request_template.md` in any case, in `.github/`, the root or `docs/`, the first
/// found. Read from git's objects, not the work tree, so a symlink is never followed and what
/// a run changed is not taken; an empty or oversized file is no template.
pub fn pr_template(repo: &Repository, branch: &str) -> Result<Option<String>> {
    let tree = match repo.find_branch(branch, git2::BranchType::Local) {
        Ok(b) => b.get().peel_to_tree()?,
        Err(_) => repo.head()?.peel_to_tree()?,
    };
    let odb = repo.odb()?;
    for dir in PR_TEMPLATE_DIRS {
        let folder = if dir.is_empty() {
            tree.clone()
        } else {
            match tree.get_name(dir) {
                Some(e) if e.kind() == Some(git2::ObjectType::Tree) => repo.find_tree(e.id())?,
                _ => continue,
            }
        };
        let file = folder.iter().find(|e| {
            e.kind() == Some(git2::ObjectType::Blob)
                && e.filemode() != i32::from(git2::FileMode::Link)
                && e.name()
                    .is_ok_and(|n| n.eq_ignore_ascii_case(PR_TEMPLATE_NAME))
        });
        let Some(file) = file else { continue };
        let (size, _) = odb.read_header(file.id())?;
        if size > PR_TEMPLATE_MAX {
            continue;
        }
        let blob = repo.find_blob(file.id())?;
        let text = String::from_utf8_lossy(blob.content())
            .trim_end()
            .to_owned();
        if !text.trim().is_empty() {
            return Ok(Some(text));
        }
    }
    Ok(None)
}

/// `owner/repo` of a GitHub URL (https, ssh or `git@` form).
pub fn github_repo(url: &str) -> Option<(String, String)> {
    let rest: String = if let Some(r) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    {
        r.split_once('@').map(|(_, h)| h).unwrap_or(r).to_owned()
    } else if let Some(r) = url.strip_prefix("git@") {
        r.replacen(':', "/", 1)
    } else if let Some(r) = url.strip_prefix("ssh://git@") {
        r.to_owned()
    } else {
        return None;
    };
    let (host, path) = rest.split_once('/')?;
    if !host.contains("github") {
        return None;
    }
    let mut parts = path
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .split('/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    (!owner.is_empty() && !repo.is_empty()).then(|| (owner.to_owned(), repo.to_owned()))
}

/// The built-in libgit2's version (`1.9.7`) and whether it can speak https.
pub fn libgit2() -> (String, bool) {
    let v = git2::Version::get();
    let (major, minor, rev) = v.libgit2_version();
    (format!("{major}.{minor}.{rev}"), v.https())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_urls() {
        for u in [
            "https://github.com/o/r",
            "https://github.com/o/r.git",
            "https://x-access-token:t@github.com/o/r",
            "git@github.com:o/r.git",
        ] {
            assert_eq!(github_repo(u), Some(("o".into(), "r".into())), "{u}");
        }
        assert_eq!(github_repo("/tmp/bare.git"), None);
        assert_eq!(github_repo("https://gitlab.com/o/r"), None);
    }

    /// A commit on `main` of `files` (path, content, mode), made from objects only.
    fn committed(repo: &Repository, files: &[(&str, &str, i32)]) {
        fn tree(repo: &Repository, files: &[(Vec<&str>, &str, i32)]) -> git2::Oid {
            let mut b = repo.treebuilder(None).unwrap();
            let mut dirs: Vec<&str> = files
                .iter()
                .filter(|f| f.0.len() > 1)
                .map(|f| f.0[0])
                .collect();
            dirs.dedup();
            for d in dirs {
                let inner: Vec<_> = files
                    .iter()
                    .filter(|f| f.0.len() > 1 && f.0[0] == d)
                    .map(|f| (f.0[1..].to_vec(), f.1, f.2))
                    .collect();
                b.insert(d, tree(repo, &inner), 0o040000).unwrap();
            }
            for (path, content, mode) in files.iter().filter(|f| f.0.len() == 1) {
                let blob = repo.blob(content.as_bytes()).unwrap();
                b.insert(path[0], blob, *mode).unwrap();
            }
            b.write().unwrap()
        }
        let split: Vec<_> = files
            .iter()
            .map(|(p, c, m)| (p.split('/').collect::<Vec<_>>(), *c, *m))
            .collect();
        let t = repo.find_tree(tree(repo, &split)).unwrap();
        let sig = Signature::now("t", "t@example.com").unwrap();
        repo.commit(Some("refs/heads/main"), &sig, &sig, "c", &t, &[])
            .unwrap();
    }

    #[test]
    fn the_pr_template_is_a_committed_file_never_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        repo.set_head("refs/heads/main").unwrap();
        committed(
            &repo,
            &[
                (".github/pull_request_template.md", "/etc/passwd", 0o120000),
                ("PULL_REQUEST_TEMPLATE.md", "  \n", 0o100644),
                ("docs/Pull_Request_Template.md", "## Why\n\n", 0o100644),
                ("README.md", "# r\n", 0o100644),
            ],
        );
        assert_eq!(
            pr_template(&repo, "main").unwrap().as_deref(),
            Some("## Why"),
            "the link and the empty file are passed over"
        );
        assert_eq!(
            pr_template(&repo, "no-such-branch").unwrap().as_deref(),
            Some("## Why"),
            "HEAD's when the branch is not there"
        );
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("https://x:secret@github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            redact_url("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(redact_url("/local/path"), "/local/path");
    }
}
