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
    pack_relative_relocs();
}

/// On Linux with glibc, the binary's 40,000 relative relocations packed (`DT_RELR`): the
/// loader reads a few KB at every start instead of half a MB, which is most of what a start
/// costs beyond the kernel's. Only when this machine's linker and C library take it: a trivial
/// program is linked with the flag and run first (older binutils ignore the flag, and a
/// glibc before 2.36 cannot load such a binary).
fn pack_relative_relocs() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return;
    }
    let Ok(out) = std::env::var("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    let (src, exe) = (out.join("relr.c"), out.join("relr"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let linked = std::fs::write(&src, "int main(void) { return 0; }\n").is_ok()
        && Command::new(&cc)
            .arg(&src)
            .args(["-o"])
            .arg(&exe)
            .arg("-Wl,-z,pack-relative-relocs")
            .output()
            .is_ok_and(|o| o.status.success() && o.stderr.is_empty())
        && Command::new(&exe).status().is_ok_and(|s| s.success());
    if linked {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
