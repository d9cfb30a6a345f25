//! What packagers and new users rely on: the minimum Rust version, `--version`, licenses.

use crate::support::Home;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `1.89` or `1.89.0` as (1, 89, 0).
fn rust_version(v: &str) -> (u32, u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn rust_version_is_the_highest_any_dependency_needs() {
    // --offline: tests/run.sh fetched every locked package first, and tests never reach out
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata failed (run `cargo fetch --locked` once): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|p| p["name"] == "clauded")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml sets rust-version");
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != "clauded")
        .filter_map(|p| {
            Some((
                rust_version(p["rust_version"].as_str()?),
                p["name"].as_str()?,
            ))
        })
        .max()
        .unwrap();
    assert_eq!(
        rust_version(ours),
        needed,
        "rust-version in Cargo.toml is {ours}, but {by} needs {needed:?}: set it to that"
    );
}

#[test]
fn version_names_the_commit_when_built_from_a_checkout() {
    let h = Home::new();
    let shown = h.ok(&["--version"], None).stdout;
    let version = env!("CARGO_PKG_VERSION");
    assert!(shown.starts_with(&format!("clauded {version}")), "{shown}");
    let commit = Command::new("git")
        .args(["log", "-1", "--format=%h %cs", "--abbrev=7"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if let Some(commit) = commit {
        assert_eq!(shown.trim(), format!("clauded {version} ({commit})"));
    }
}

#[test]
fn the_licenses_the_crate_names_are_shipped() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    let mit = std::fs::read_to_string(root().join("LICENSE-MIT")).unwrap();
    assert!(mit.starts_with("MIT License"));
    let apache = std::fs::read_to_string(root().join("LICENSE-APACHE")).unwrap();
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0, January 2004"));
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.contains(&format!("## [{}]", env!("CARGO_PKG_VERSION"))),
        "CHANGELOG.md has a section for this version"
    );
}

#[test]
fn the_deb_ships_files_that_exist_and_the_unit_the_service_command_writes() {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().unwrap();
    let mut targets = vec![];
    for a in assets {
        let (src, dest) = (a[0].as_str().unwrap(), a[1].as_str().unwrap());
        targets.push(dest.to_owned());
        if src.starts_with("target/") {
            continue; // built by `cargo build --release` first
        }
        let found = if let Some(dir) = src.strip_suffix("/*.1") {
            std::fs::read_dir(root().join(dir)).unwrap().count() > 0
        } else {
            root().join(src).exists()
        };
        assert!(found, "the .deb asset {src} exists");
    }
    for dest in [
        "usr/bin/",
        "usr/share/man/man1/",
        "usr/share/bash-completion/completions/clauded",
        "usr/share/zsh/vendor-completions/_clauded",
        "usr/share/fish/vendor_completions.d/clauded.fish",
        "etc/clauded/clauded.env",
    ] {
        assert!(
            targets.iter().any(|t| t == dest),
            "the .deb installs {dest}"
        );
    }
    let units = deb["systemd-units"]["unit-scripts"].as_str().unwrap();
    assert!(root().join(units).join("clauded.service").exists());
    let postinst = std::fs::read_to_string(root().join("packaging/debian/postinst")).unwrap();
    assert!(postinst.contains("useradd --system") && postinst.contains("#DEBHELPER#"));
    assert!(
        std::fs::read_to_string(root().join("packaging/systemd/clauded.service"))
            .unwrap()
            .contains("StateDirectory=clauded")
    );
    let formula = std::fs::read_to_string(root().join("packaging/homebrew/clauded.rb")).unwrap();
    for needle in [
        "std_cargo_args",
        "completions/clauded.bash",
        "completions/_clauded",
        "completions/clauded.fish",
        "man/*.1",
    ] {
        assert!(formula.contains(needle), "the formula has {needle}");
    }
}
