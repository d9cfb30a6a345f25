//! Hidden `clauded generate`: shell completions and man pages, kept in the repository.

use crate::error::Result;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Completions for bash, zsh, fish, elvish and PowerShell.
    Completions {
        /// Output folder.
        dir: PathBuf,
    },
    /// Man pages: clauded.1 and one per subcommand.
    Man {
        /// Output folder.
        dir: PathBuf,
    },
}

/// Writes the files.
pub fn run(cmd: Command, app: clap::Command) -> Result<()> {
    // the plain version: the commit in `--version` would make every commit's pages stale
    let mut app = app.version(env!("CARGO_PKG_VERSION"));
    match cmd {
        Command::Completions { dir } => {
            std::fs::create_dir_all(&dir)?;
            for shell in [
                Shell::Bash,
                Shell::Zsh,
                Shell::Fish,
                Shell::Elvish,
                Shell::PowerShell,
            ] {
                clap_complete::generate_to(shell, &mut app, "clauded", &dir)?;
            }
        }
        Command::Man { dir } => {
            std::fs::create_dir_all(&dir)?;
            let mut app = app.disable_help_subcommand(true);
            app.build();
            man_pages(&app, &dir)?;
        }
    }
    Ok(())
}

/// One page per command, as clap_mangen names them, each with our extra sections.
fn man_pages(cmd: &clap::Command, dir: &Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render(&mut page)?;
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    // the whole story where people look first: the top page and serve's
    if name == "clauded" || name == "clauded-serve" {
        page.extend(environment_section().as_bytes());
        page.extend(files_section().as_bytes());
    }
    page.extend(exit_status_section().as_bytes());
    std::fs::write(dir.join(man.get_filename()), page)
}

/// Text for roff: backslashes and hyphens escaped, `code` in bold, no line read as a request.
fn roff(text: &str) -> String {
    let escaped: String = text
        .replace('\\', "\\e")
        .replace('-', "\\-")
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("\\fB{part}\\fR")
            } else {
                part.to_owned()
            }
        })
        .collect();
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// `.TP` entries under a heading.
fn section(title: &str, entries: &[(String, String)]) -> String {
    let mut out = format!(".SH \"{title}\"\n");
    for (tag, text) in entries {
        out.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(tag), roff(text)));
    }
    out
}

fn environment_section() -> String {
    let entries: Vec<(String, String)> = crate::config::ENV_VARS
        .iter()
        .map(|(n, d)| ((*n).to_owned(), (*d).to_owned()))
        .collect();
    section("ENVIRONMENT", &entries)
}

fn files_section() -> String {
    let entries = [
        (
            "~/.config/clauded/config.toml",
            "The configuration file (TOML; `clauded config init` writes a commented one). $CLAUDED_HOME/config.toml with CLAUDED_HOME, $CLAUDE_CONFIG_DIR/config.toml with that.",
        ),
        (
            "~/.config/clauded/credentials.toml",
            "Keys when the OS keyring cannot be used (mode 0600).",
        ),
        (
            "~/.config/clauded/secret.key",
            "The server key that seals users' credentials in the store, when CLAUDED_SECRET_KEY (or SESSION_SECRET) is unset; made with mode 0600 at first use.",
        ),
        (
            "~/.local/share/clauded/clauded.db",
            "The SQLite store: projects, sessions, messages, events (DATABASE_URL moves it).",
        ),
        (
            "~/.local/share/clauded/workspaces/",
            "Clones made by runs (WORKSPACE_DIR moves them).",
        ),
        ("~/.local/state/clauded/history", "The chat line history."),
        (
            "~/.local/state/clauded/tool-groups/",
            "Process groups of running tool processes, so a restarted daemon can end what a killed one left.",
        ),
        (
            "./.env",
            "Read by `clauded serve` only, below the environment (or --env-file FILE for any command).",
        ),
        (
            "/etc/systemd/system/clauded.service",
            "The system service (`clauded service install --system`); it runs as the clauded user with CLAUDED_HOME=/var/lib/clauded and reads /etc/clauded/clauded.env.",
        ),
        (
            "~/.config/systemd/user/clauded.service",
            "The user service (`clauded service install --user`); it reads ~/.config/clauded/clauded.env.",
        ),
        (
            "~/Library/LaunchAgents/dev.clauded.serve.plist",
            "The launchd agent on macOS; its log is ~/Library/Logs/clauded/clauded.log.",
        ),
    ];
    let entries: Vec<(String, String)> = entries
        .iter()
        .map(|(f, d)| ((*f).to_owned(), (*d).to_owned()))
        .collect();
    section("FILES", &entries)
}

fn exit_status_section() -> String {
    let entries: Vec<(String, String)> = crate::error::EXIT_STATUS
        .iter()
        .map(|(code, what)| (code.to_string(), (*what).to_owned()))
        .collect();
    section("EXIT STATUS", &entries)
}
