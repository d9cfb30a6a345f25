//! `clauded service install|uninstall|status`: `clauded serve` as a service of the OS, a systemd
//! unit on Linux (system-wide, with a `clauded` user and hardening, or per user) and a launchd
//! agent on macOS. The system unit is the one `packaging/systemd/clauded.service` ships.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// `clauded service` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Install and start the service (system-wide as root, else for this user).
    Install(Scope),
    /// Stop the service and remove its unit (data and the `clauded` user are kept).
    Uninstall(Scope),
    /// Whether the service runs, and whether it answers /health/ready.
    Status(Scope),
}

/// Which service: the system's or this user's.
#[derive(Debug, Clone, clap::Args)]
pub struct Scope {
    /// This user's service (systemd --user; launchd agent on macOS).
    #[arg(long, conflicts_with = "system")]
    pub user: bool,
    /// The system's service (runs as the `clauded` user; needs root). Linux only.
    #[arg(long)]
    pub system: bool,
    /// Print the unit (or plist) instead of installing it.
    #[arg(long)]
    pub print: bool,
}

/// The service's name: `clauded.service`, and the launchd label.
pub const NAME: &str = "clauded";
/// The launchd label.
pub const LABEL: &str = "dev.clauded.serve";
/// The system unit as shipped, with the binary at `/usr/bin/clauded`.
pub const SHIPPED_UNIT: &str = include_str!("../../packaging/systemd/clauded.service");
/// Where the shipped unit expects the binary.
pub const SHIPPED_BINARY: &str = "/usr/bin/clauded";

/// Which kind of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SystemdSystem,
    SystemdUser,
    Launchd,
}

/// The system unit for a binary at `exe` (the shipped text when `exe` is `/usr/bin/clauded`).
pub fn system_unit(exe: &str) -> String {
    SHIPPED_UNIT.replace(SHIPPED_BINARY, exe)
}

/// The user unit for a binary at `exe`: the parts of the hardening an unprivileged user
/// manager can apply, and the state in the user's own XDG folders.
pub fn user_unit(exe: &str) -> String {
    format!(
        "\
[Unit]
Description=clauded: Claude as a local OpenAI-compatible daemon
Documentation=man:clauded-serve(1)
After=network-online.target

[Service]
Type=simple
ExecStart={exe} serve
# the key and settings, read by the user manager (ANTHROPIC_API_KEY=..., PORT=...)
EnvironmentFile=-%h/.config/clauded/clauded.env
Environment=CLAUDED_KEYRING=file
Restart=on-failure
RestartSec=2
TimeoutStopSec=20
NoNewPrivileges=yes
LockPersonality=yes
RestrictSUIDSGID=yes
UMask=0077

[Install]
WantedBy=default.target
"
    )
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The launchd agent: started at login, kept alive, its log under `~/Library/Logs/clauded/`.
pub fn launchd_plist(exe: &str, home: &Path) -> String {
    let log = home.join("Library/Logs/clauded/clauded.log");
    let (exe, log) = (xml(exe), xml(&log.to_string_lossy()));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{LABEL}</string>
	<key>ProgramArguments</key>
	<array>
		<string>{exe}</string>
		<string>serve</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<true/>
	<key>ProcessType</key>
	<string>Background</string>
	<key>StandardOutPath</key>
	<string>{log}</string>
	<key>StandardErrorPath</key>
	<string>{log}</string>
	<key>EnvironmentVariables</key>
	<dict>
		<key>PATH</key>
		<string>/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin</string>
	</dict>
</dict>
</plist>
"#
    )
}

fn is_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

fn kind(scope: &Scope) -> Result<Kind> {
    if cfg!(target_os = "macos") {
        if scope.system {
            return Err(Error::Usage(
                "--system is for Linux; on macOS the service is a launchd agent of your user"
                    .into(),
            ));
        }
        return Ok(Kind::Launchd);
    }
    if !cfg!(target_os = "linux") {
        return Err(Error::Usage(
            "clauded service knows systemd (Linux) and launchd (macOS); run `clauded serve` under your own supervisor here".into(),
        ));
    }
    Ok(if scope.system || (!scope.user && is_root()) {
        Kind::SystemdSystem
    } else {
        Kind::SystemdUser
    })
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| Error::Usage("HOME is not set: the user service lives under it".into()))
}

/// Where the unit or plist goes.
fn unit_path(k: Kind) -> Result<PathBuf> {
    Ok(match k {
        Kind::SystemdSystem => PathBuf::from("/etc/systemd/system/clauded.service"),
        Kind::SystemdUser => {
            let config = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map_or_else(|| home().map(|h| h.join(".config")), Ok)?;
            config.join("systemd/user/clauded.service")
        }
        Kind::Launchd => home()?.join(format!("Library/LaunchAgents/{LABEL}.plist")),
    })
}

fn exe() -> Result<String> {
    let p = std::env::current_exe()
        .map_err(|e| Error::Other(format!("cannot tell where this clauded is: {e}")))?;
    // a package upgrade replaces the file, and /proc's view then ends in " (deleted)"
    Ok(p.to_string_lossy()
        .trim_end_matches(" (deleted)")
        .to_owned())
}

fn unit_text(k: Kind) -> Result<String> {
    let exe = exe()?;
    Ok(match k {
        Kind::SystemdSystem => system_unit(&exe),
        Kind::SystemdUser => user_unit(&exe),
        Kind::Launchd => launchd_plist(&exe, &home()?),
    })
}

/// `systemctl`, or `CLAUDED_SYSTEMCTL` (tests point it at a stand-in, never at the real one).
fn systemctl(k: Kind, args: &[&str]) -> Result<std::process::Output> {
    let program = std::env::var("CLAUDED_SYSTEMCTL").unwrap_or_else(|_| "systemctl".into());
    let mut c = Process::new(&program);
    if k == Kind::SystemdUser {
        c.arg("--user");
    }
    c.args(args)
        .output()
        .map_err(|e| Error::Other(format!("cannot run {program}: {e}")))
}

/// `launchctl`, or `CLAUDED_LAUNCHCTL`.
fn launchctl(args: &[&str]) -> Result<std::process::Output> {
    let program = std::env::var("CLAUDED_LAUNCHCTL").unwrap_or_else(|_| "launchctl".into());
    Process::new(&program)
        .args(args)
        .output()
        .map_err(|e| Error::Other(format!("cannot run {program}: {e}")))
}

/// Runs a service manager command and fails with its own words.
fn must(what: &str, out: Result<std::process::Output>) -> Result<()> {
    let out = out?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::Other(format!(
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

fn uid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

fn write_file(path: &Path, text: &str, mode: u32) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

/// The system service's user, made when missing (the .deb's postinst does the same).
fn ensure_system_user() -> Result<()> {
    let known = Process::new("getent")
        .args(["passwd", NAME])
        .output()
        .is_ok_and(|o| o.status.success());
    if known {
        return Ok(());
    }
    must(
        "useradd",
        Process::new("useradd")
            .args([
                "--system",
                "--user-group",
                "--home-dir",
                "/var/lib/clauded",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                "--comment",
                "clauded daemon",
                NAME,
            ])
            .output()
            .map_err(Error::from),
    )
}

/// The env file the system unit reads as root: where the key goes, never world-readable.
const SYSTEM_ENV_FILE: &str = "/etc/clauded/clauded.env";
/// What it starts with.
const ENV_TEMPLATE: &str = "\
# clauded's environment for the service (read by systemd as root; keep it mode 0600).
# ANTHROPIC_API_KEY=sk-ant-...
# HOST=127.0.0.1
# PORT=8000
# CLAUDED_SERVER_TOKEN=...        # required with a non-loopback HOST
# GITHUB_TOKEN=...
";

/// Runs `clauded service`.
pub async fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Install(scope) => install(&scope),
        Command::Uninstall(scope) => uninstall(&scope),
        Command::Status(scope) => status(&scope).await,
    }
}

fn install(scope: &Scope) -> Result<()> {
    let k = kind(scope)?;
    let text = unit_text(k)?;
    if scope.print {
        print!("{text}");
        return Ok(());
    }
    let path = unit_path(k)?;
    match k {
        Kind::SystemdSystem => {
            if !is_root() {
                return Err(Error::Usage(
                    "the system service needs root: `sudo clauded service install --system` (or --user for your own)".into(),
                ));
            }
            let exe = exe()?;
            if ["/home/", "/root/", "/run/user/"]
                .iter()
                .any(|p| exe.starts_with(p))
            {
                return Err(Error::Usage(format!(
                    "the system service cannot run {exe}: ProtectHome hides home folders from it; install the binary first (`sudo install -m 755 {exe} /usr/local/bin/clauded`) and run that one"
                )));
            }
            ensure_system_user()?;
            let env_file = Path::new(SYSTEM_ENV_FILE);
            if !env_file.exists() {
                write_file(env_file, ENV_TEMPLATE, 0o600)?;
            }
            write_file(&path, &text, 0o644)?;
            must("systemctl daemon-reload", systemctl(k, &["daemon-reload"]))?;
            must(
                "systemctl enable --now clauded",
                systemctl(k, &["enable", "--now", "clauded.service"]),
            )?;
            println!("installed {} and started it", path.display());
            println!(
                "put ANTHROPIC_API_KEY (and any settings) in {SYSTEM_ENV_FILE}, then `systemctl restart clauded`"
            );
            println!("state: /var/lib/clauded (user clauded); log: `journalctl -u clauded`");
        }
        Kind::SystemdUser => {
            write_file(&path, &text, 0o644)?;
            must(
                "systemctl --user daemon-reload",
                systemctl(k, &["daemon-reload"]),
            )?;
            must(
                "systemctl --user enable --now clauded",
                systemctl(k, &["enable", "--now", "clauded.service"]),
            )?;
            println!("installed {} and started it", path.display());
            println!(
                "log: `journalctl --user -u clauded`; settings: ~/.config/clauded/clauded.env"
            );
            println!(
                "to keep it running after you log out: `loginctl enable-linger {}`",
                std::env::var("USER").unwrap_or_else(|_| "$USER".into())
            );
        }
        Kind::Launchd => {
            let home = home()?;
            std::fs::create_dir_all(home.join("Library/Logs/clauded"))?;
            write_file(&path, &text, 0o644)?;
            let domain = format!("gui/{}", uid());
            // a previous agent under the label would make bootstrap fail
            let _ = launchctl(&["bootout", &format!("{domain}/{LABEL}")]);
            must(
                "launchctl bootstrap",
                launchctl(&["bootstrap", &domain, &path.to_string_lossy()]),
            )?;
            println!("installed {} and started it", path.display());
            println!("log: ~/Library/Logs/clauded/clauded.log");
        }
    }
    Ok(())
}

fn uninstall(scope: &Scope) -> Result<()> {
    let k = kind(scope)?;
    let path = unit_path(k)?;
    if k == Kind::SystemdSystem && !is_root() {
        return Err(Error::Usage(
            "removing the system service needs root: `sudo clauded service uninstall --system`"
                .into(),
        ));
    }
    if !path.exists() {
        return Err(Error::Usage(format!(
            "no service is installed at {}",
            path.display()
        )));
    }
    match k {
        Kind::SystemdSystem | Kind::SystemdUser => {
            // stopping a service that is not running is not an error worth stopping for
            let _ = systemctl(k, &["disable", "--now", "clauded.service"]);
            std::fs::remove_file(&path)?;
            must("systemctl daemon-reload", systemctl(k, &["daemon-reload"]))?;
        }
        Kind::Launchd => {
            let _ = launchctl(&["bootout", &format!("gui/{}/{LABEL}", uid())]);
            std::fs::remove_file(&path)?;
        }
    }
    println!("removed {}", path.display());
    if k == Kind::SystemdSystem {
        println!(
            "kept /var/lib/clauded, {SYSTEM_ENV_FILE} and the clauded user (`userdel clauded` and `rm -r /var/lib/clauded` remove them)"
        );
    }
    Ok(())
}

async fn status(scope: &Scope) -> Result<()> {
    let k = kind(scope)?;
    let path = unit_path(k)?;
    if !path.exists() {
        return Err(Error::Usage(format!(
            "not installed ({} does not exist): `clauded service install`",
            path.display()
        )));
    }
    let running = match k {
        Kind::SystemdSystem | Kind::SystemdUser => {
            let out = systemctl(k, &["is-active", "clauded.service"])?;
            let state = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            println!("{}: {state}", path.display());
            out.status.success()
        }
        Kind::Launchd => {
            let out = launchctl(&["print", &format!("gui/{}/{LABEL}", uid())])?;
            let state = String::from_utf8_lossy(&out.stdout)
                .lines()
                .find_map(|l| l.trim().strip_prefix("state = ").map(str::to_owned))
                .unwrap_or_else(|| "not loaded".into());
            println!("{}: {state}", path.display());
            out.status.success() && state == "running"
        }
    };
    if !running {
        return Err(Error::Other(
            "the service is not running: see its log (journalctl -u clauded, or ~/Library/Logs/clauded)".into(),
        ));
    }
    // the default address; a service whose env file moves it is asked there with `clauded health --url`
    if let Ok(c) = crate::config::Config::load(&Default::default()) {
        let base = super::health::configured_url(&c);
        let p = super::health::probe(&base, std::time::Duration::from_secs(3)).await;
        println!("{}", p.detail);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_launchd_agent_parses_as_a_plist() {
        let plist = launchd_plist("/opt/homebrew/bin/clauded", Path::new("/Users/a&b"));
        assert!(plist.contains("<string>/Users/a&amp;b/Library/Logs/clauded/clauded.log</string>"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agent.plist");
        std::fs::write(&file, &plist).unwrap();
        // Python's plistlib is the parser at hand on Linux; plutil on macOS
        let check = "import plistlib,sys; p=plistlib.load(open(sys.argv[1],'rb')); \
            assert p['Label']=='dev.clauded.serve' and p['RunAtLoad'] and p['KeepAlive']; \
            assert p['ProgramArguments']==['/opt/homebrew/bin/clauded','serve']; \
            assert p['StandardErrorPath'].startswith('/Users/a&b/Library/Logs/')";
        match Process::new("python3")
            .arg("-c")
            .arg(check)
            .arg(&file)
            .output()
        {
            Ok(out) => assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => eprintln!("python3 is not installed: the plist is not parsed"),
        }
        if let Ok(out) = Process::new("plutil").arg("-lint").arg(&file).output() {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }

    #[test]
    fn the_system_unit_names_the_binary_it_runs() {
        assert!(
            system_unit("/usr/local/bin/clauded")
                .contains("ExecStart=/usr/local/bin/clauded serve")
        );
        assert_eq!(system_unit(SHIPPED_BINARY), SHIPPED_UNIT);
    }
}
