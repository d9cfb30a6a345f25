//! Hidden `clauded generate`: shell completions and man pages, kept in the repository.

use crate::error::Result;
use clap_complete::Shell;
use std::path::PathBuf;

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
            clap_mangen::generate_to(app, &dir)?;
        }
    }
    Ok(())
}
