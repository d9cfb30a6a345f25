//! Puts the git commit and its date into `--version` when built from a checkout
//! (`clauded 0.2.0 (abc1234 2026-12-02)`); a source tarball gets the plain version.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    // a packager building outside a checkout (Docker without .git) may say which commit it is
    println!("cargo:rerun-if-env-changed=CLAUDED_BUILD_COMMIT");
    let described = std::env::var("CLAUDED_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["log", "-1", "--format=%h %cs", "--abbrev=7"]));
    // rebuild when HEAD moves: HEAD itself, the branch it names, and packed refs
    if let (Some(dir), Some(common)) = (
        git(&["rev-parse", "--git-dir"]),
        git(&["rev-parse", "--git-common-dir"]),
    ) {
        let (dir, common) = (PathBuf::from(dir), PathBuf::from(common));
        let mut watched = vec![dir.join("HEAD"), common.join("packed-refs")];
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(common.join(branch));
        }
        // a path that does not exist would rerun this script, and rebuild the crate, every time
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let long = match described {
        Some(d) => format!("{version} ({d})"),
        None => version,
    };
    println!("cargo:rustc-env=CLAUDED_LONG_VERSION={long}");
}
