//! `clauded service`: the units it writes (checked with systemd-analyze where it exists), the
//! shipped unit being the same text, and install/status/uninstall against a stand-in systemctl.

use crate::support::{Home, run_cmd};
use std::path::Path;

const BIN: &str = env!("CARGO_BIN_EXE_clauded");

fn shipped() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/systemd/clauded.service"),
    )
    .unwrap()
}

/// `systemd-analyze verify` says nothing about the unit (warnings count), where it exists.
fn verify(unit: &Path, user: bool, runtime: &Path) {
    let Ok(out) = std::process::Command::new("systemd-analyze")
        .args(if user { vec!["--user"] } else { vec![] })
        .args(["verify", "--man=no"])
        .arg(unit)
        .env("XDG_RUNTIME_DIR", runtime)
        .output()
    else {
        eprintln!("systemd-analyze is not installed: the unit is checked by text only");
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify {}: {stderr}",
        unit.display()
    );
}

#[test]
fn the_system_unit_is_the_shipped_one_hardened_and_verifies() {
    let h = Home::new();
    let unit = h
        .ok(&["service", "install", "--system", "--print"], None)
        .stdout;
    assert_eq!(
        unit.replace(BIN, "/usr/bin/clauded"),
        shipped(),
        "packaging/systemd/clauded.service is what `service install --system` writes"
    );
    for line in [
        "User=clauded",
        "StateDirectory=clauded",
        "Environment=CLAUDED_HOME=/var/lib/clauded",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "LockPersonality=yes",
        "RestrictSUIDSGID=yes",
        "Restart=on-failure",
        "WantedBy=multi-user.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in {unit}");
    }
    let file = h.path().join("clauded.service");
    std::fs::write(&file, &unit).unwrap();
    verify(&file, false, h.path());
}

#[test]
fn a_user_service_is_installed_checked_and_removed() {
    let h = Home::new();
    let log = h.path().join("systemctl.log");
    let fake = h.path().join("systemctl");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}\ncase \"$*\" in *is-active*) echo active;; esac\n",
            log.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |args: &[&str]| {
        let mut c = h.cmd(args);
        c.env("CLAUDED_SYSTEMCTL", &fake).env("USER", "tester");
        run_cmd(c, None)
    };
    let r = run(&["service", "install", "--user"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("loginctl enable-linger tester"), "{r:?}");
    let unit = h.path().join(".config/systemd/user/clauded.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(text.contains(&format!("ExecStart={BIN} serve")), "{text}");
    assert!(text.contains("WantedBy=default.target"), "{text}");
    verify(&unit, true, h.path());

    let r = run(&["service", "status", "--user"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("active"), "{r:?}");

    let r = run(&["service", "uninstall", "--user"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!unit.exists());
    let calls = std::fs::read_to_string(&log).unwrap();
    for call in [
        "--user daemon-reload",
        "--user enable --now clauded.service",
        "--user is-active clauded.service",
        "--user disable --now clauded.service",
    ] {
        assert!(calls.lines().any(|l| l == call), "{call} in {calls}");
    }
    let r = run(&["service", "status", "--user"]);
    assert_eq!(r.code, 2, "not installed: {r:?}");
}

#[cfg(unix)]
#[test]
fn the_system_service_needs_root() {
    // as root this would install for real: only the unprivileged refusal is tested
    if unsafe { libc::geteuid() } == 0 {
        return;
    }
    let h = Home::new();
    let r = h.run(&["service", "install", "--system"], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("sudo clauded service install --system"),
        "{r:?}"
    );
}
