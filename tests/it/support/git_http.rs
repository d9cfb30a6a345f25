//! A git remote over smart HTTP on loopback: `tests/compat/git_http.py`, `git http-backend`
//! behind HTTP Basic auth that takes one token (as GitHub's `x-access-token`), each request's
//! outcome (`none`, `bad`, `ok`) appended to `<root>/auth.log`.

use std::path::{Path, PathBuf};

/// The server, serving a folder's repositories; killed on drop.
pub struct GitHttp {
    child: std::process::Child,
    root: PathBuf,
    /// `http://127.0.0.1:PORT/origin.git`: the folder's `origin.git`.
    pub url: String,
}

impl Drop for GitHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port free a moment ago (for a server whose address must be known first).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl GitHttp {
    /// Serves `root` to requests with `token`, on a free port.
    pub fn start(root: &Path, token: &str) -> Self {
        Self::start_on(root, token, free_port())
    }

    /// Serves `root` to requests with `token`, on `port`; back once it listens.
    pub fn start_on(root: &Path, token: &str, port: u16) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/git_http.py");
        let child = std::process::Command::new("python3")
            .arg(script)
            .arg(root)
            .arg(token)
            .arg(port.to_string())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        GitHttp {
            child,
            root: root.to_owned(),
            url: format!("http://127.0.0.1:{port}/origin.git"),
        }
    }

    /// Each request's auth outcome so far, in order.
    pub fn auth_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.root.join("auth.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Forgets the outcomes so far.
    pub fn clear_auth_log(&self) {
        let _ = std::fs::remove_file(self.root.join("auth.log"));
    }
}
