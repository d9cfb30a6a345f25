//! The command line: argument parsing, one module per subcommand, errors to exit codes.

mod ask;
mod auth;
mod chat;
mod config_cmd;
mod db;
mod doctor;
mod generate;
mod health;
mod hook;
mod hooks;
mod logsink;
mod mcp;
mod models;
mod output;
mod projects;
pub mod render;
mod run;
mod serve;
mod service;
mod sessions;
mod tools;
mod tty;
mod usage;
mod users;

use crate::anthropic::Client;
use crate::config::{Config, DotEnv, Env, Overrides};
use crate::engine::accounts::{self, AccountError, AccountSettings, Actor};
use crate::error::{Error, Result, exit};
use crate::secrets::{self, KeySource, Secrets};
use crate::store::Store;
use clap::{CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Shown under `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    unexpected failure (I/O, database); a failed doctor check or health probe
  2    usage error: bad arguments, unknown session or project
  3    no API key, or invalid configuration
  4    the Claude API returned an error (authentication, rate limit, overload, bad request)
  5    the Claude API could not be reached, timed out, or cut the answer short
  6    the session is answering elsewhere (another terminal or the server)
  130  interrupted (Ctrl-C)";

/// Claude in the terminal, and a local OpenAI-compatible daemon, on one SQLite store.
#[derive(Debug, Parser)]
#[command(name = "clauded", version = env!("CLAUDED_LONG_VERSION"), about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// Less output on stderr (no spinner, no usage lines).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Read variables from FILE, below the environment. Only `serve` reads ./.env by itself:
    /// the other commands run inside repositories that may not be yours.
    #[arg(long, global = true, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// The account the terminal commands act as: they see and make only its sessions and
    /// projects (default: the first admin once accounts exist, else the local owner). Given
    /// before the command (`clauded --user EMAIL sessions list`): `service install --user`
    /// is systemd's.
    #[arg(
        long,
        value_name = "EMAIL",
        env = "CLAUDED_USER",
        hide_env_values = true
    )]
    pub user: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask one question; reads stdin when it is not a terminal.
    Ask(ask::Args),
    /// Have Claude carry out a request on a new git branch, then commit, push, open a PR.
    Run(run::Args),
    /// Chat interactively.
    Chat(chat::Args),
    /// List, show, delete and export sessions.
    #[command(subcommand)]
    Sessions(sessions::Command),
    /// List, add and remove projects.
    #[command(subcommand)]
    Projects(projects::Command),
    /// List the models the API offers.
    Models(models::Args),
    /// Register and use MCP tool servers.
    #[command(subcommand)]
    Mcp(mcp::Command),
    /// Run the local API server.
    Serve(serve::Args),
    /// The store: schema status, migrations, copying between SQLite and PostgreSQL.
    #[command(subcommand)]
    Db(db::Command),
    /// Check the setup (key, database, port, git, keyring, server key, Landlock, MCP, GitHub).
    Doctor(doctor::Args),
    /// Install, remove or check `clauded serve` as a service (systemd or launchd).
    #[command(subcommand)]
    Service(service::Command),
    /// Ask a running server whether it is ready; exit 0 if so, 1 if not.
    Health(health::Args),
    /// Run as an agent's hook: `hook permission-request` asks the daemon's approval hub.
    #[command(subcommand)]
    Hook(hook::Command),
    /// Install or remove clauded's permission hook in an agent's settings (Claude Code).
    #[command(subcommand)]
    Hooks(hooks::Command),
    /// Store, check or remove the Anthropic API key.
    #[command(subcommand)]
    Auth(auth::Command),
    /// Show or create the configuration.
    #[command(subcommand)]
    Config(config_cmd::Command),
    /// Tokens and cost per day, model and source: yours, or with --all every account's.
    Usage(usage::Args),
    /// Manage the accounts of the server and their API keys (on the store, as its owner).
    #[command(subcommand)]
    Users(users::Command),
    /// Write shell completions or the man page.
    #[command(subcommand, hide = true)]
    Generate(generate::Command),
}

/// The top-level flags every command receives.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `--quiet`.
    pub quiet: bool,
    /// `--env-file`.
    pub env_file: Option<PathBuf>,
    /// `--user` (or `CLAUDED_USER`).
    pub user: Option<String>,
}

impl Globals {
    /// The env file to read: `--env-file` when given, else `fallback`.
    pub fn dotenv(&self, fallback: DotEnv) -> DotEnv {
        self.env_file.clone().map(DotEnv::File).unwrap_or(fallback)
    }
}

/// What every command can reach: configuration, the store, the key.
pub struct App {
    /// Environment lookups (process, then the env file).
    pub env: Env,
    /// The effective configuration.
    pub config: Config,
    /// `--quiet`.
    pub quiet: bool,
    /// `--user`: the account the commands act as.
    pub user: Option<String>,
}

impl App {
    /// Loads configuration with the given flag overrides; no env file unless `--env-file`.
    pub fn load(overrides: &Overrides, g: &Globals) -> Result<Self> {
        Self::load_reading(overrides, g, DotEnv::Skip)
    }

    /// Loads configuration, reading `--env-file`, else `fallback`.
    pub fn load_reading(overrides: &Overrides, g: &Globals, fallback: DotEnv) -> Result<Self> {
        let env = Env::from_process(&g.dotenv(fallback))?;
        let config = Config::load_from(&env, overrides)?;
        // clap reads CLAUDED_USER from the process; --env-file may hold it too
        let user = g
            .user
            .clone()
            .or_else(|| env.get("CLAUDED_USER").map(str::to_owned))
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        Ok(Self {
            env,
            config,
            quiet: g.quiet,
            user,
        })
    }

    /// Opens the store (migrating it), seen as the actor: only its rows, and what it makes is
    /// its own.
    pub async fn store(&self) -> Result<Store> {
        let store = self.unscoped_store().await?;
        Ok(self.actor(&store).await?.store(&store))
    }

    /// Opens the store (migrating it) seeing every owner's rows: `users`, and what acts for
    /// the whole server.
    pub async fn unscoped_store(&self) -> Result<Store> {
        Ok(Store::connect(&self.config.database, true).await?)
    }

    /// Who the commands act as: `--user`, else the first admin, else the local owner.
    pub async fn actor(&self, store: &Store) -> Result<Actor> {
        match accounts::machine_actor(store, self.user.as_deref()).await {
            Err(AccountError::NotFound(_)) => Err(Error::Usage(format!(
                "no account {:?} (--user / CLAUDED_USER): `clauded users list` shows them",
                self.user.as_deref().unwrap_or_default()
            ))),
            r => Ok(r?),
        }
    }

    /// How accounts behave, from the configuration.
    pub fn account_settings(&self) -> AccountSettings {
        use crate::config::Registration as R;
        AccountSettings {
            registration: self.config.registration.map(|r| match r {
                R::Open => accounts::Registration::Open,
                R::Closed => accounts::Registration::Closed,
            }),
            share_server_key: self.config.share_server_key,
            ..Default::default()
        }
    }

    /// The server key that seals users' credentials (from the variable, else the key file).
    pub fn secret_box(&self) -> Result<crate::crypto::SecretBox> {
        Ok(self.config.secret_box(&self.env)?)
    }

    /// The secret store (probing the keyring as configured).
    pub fn secrets(&self) -> Secrets {
        Secrets::open(&self.config.paths, self.config.keyring)
    }

    /// The API key and where it came from, or the missing-key error.
    pub fn api_key(&self) -> Result<(String, KeySource)> {
        secrets::anthropic_key(&self.env, &self.secrets())?.ok_or(Error::MissingKey)
    }

    /// A client with the configured key.
    pub fn client(&self) -> Result<Client> {
        let (key, _) = self.api_key()?;
        Ok(Client::new(self.config.client_config(key))?)
    }
}

/// Parses arguments, runs the command, and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    // `clauded --version` as scripts and package checks run it: answered before the command
    // line's whole tree is built (the same text as clap's)
    if let [_, flag] = std::env::args_os().collect::<Vec<_>>().as_slice()
        && (flag == "--version" || flag == "-V")
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stdout(),
            "clauded {}",
            env!("CLAUDED_LONG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    // before anything holds a key: our environment and memory are not for our tools' eyes
    crate::procs::keep_to_ourselves();
    let cli = Cli::parse();
    init_tracing(
        cli.verbose,
        cli.quiet,
        matches!(cli.command, Command::Serve(_)),
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let result = runtime.block_on(run(cli));
    // don't wait for lingering blocking reads (stdin) at exit
    runtime.shutdown_background();
    logsink::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Interrupted) => ExitCode::from(exit::INTERRUPTED),
        // the reader went away (`| head`): it has what it wanted, which is no failure
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

/// A token that Ctrl-C cancels (instead of killing the program), and the watcher to abort after.
pub(crate) fn ctrl_c_token() -> (
    tokio_util::sync::CancellationToken,
    tokio::task::JoinHandle<()>,
) {
    let cancel = tokio_util::sync::CancellationToken::new();
    let c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.cancel();
        }
    });
    (cancel, watcher)
}

/// The project memory of the current folder (none with `--no-memory`), read off the runtime.
pub(crate) async fn memory(off: bool) -> Result<crate::engine::memory::Memory> {
    if off {
        return Ok(Default::default());
    }
    let dir = std::env::current_dir()?;
    tokio::task::spawn_blocking(move || crate::engine::memory::Memory::load(&dir))
        .await
        .map_err(|e| Error::Other(e.to_string()))
}

/// The terminal's words for an account refusal: bad input is a usage error (exit 2), the
/// store's failures keep their own exit codes.
impl From<AccountError> for Error {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Store(e) => Error::Store(e),
            AccountError::Sealed(_) | AccountError::RateLimited { .. } => {
                Error::Other(e.to_string())
            }
            AccountError::Invalid(_)
            | AccountError::EmailInUse
            | AccountError::BadCredentials
            | AccountError::RegistrationClosed
            | AccountError::Forbidden(_)
            | AccountError::NotFound(_) => Error::Usage(e.to_string()),
        }
    }
}

/// Prints an error and its hint on stderr.
pub fn report(e: &Error) {
    eprintln!("error: {e}");
    if let Some(h) = e.hint() {
        eprintln!("hint: {h}");
    }
}

fn init_tracing(verbose: u8, quiet: bool, serving: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) if serving => "warn,clauded::http=info",
        (_, 0) => "warn",
        (_, 1) => "info,clauded=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLAUDED_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(logsink::Sink::new(serving))
        .with_target(verbose > 0)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // a daemon's log wants timestamps; a terminal command's warnings do not
    let _ = if serving {
        builder.try_init()
    } else {
        builder.without_time().try_init()
    };
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let g = &Globals {
        quiet: cli.quiet,
        env_file: cli.env_file,
        user: cli.user,
    };
    match cli.command {
        Command::Ask(a) => ask::run(a, g).await,
        Command::Run(a) => run::run(a, g).await,
        Command::Chat(a) => chat::run(a, g).await,
        Command::Sessions(c) => sessions::run(c, g).await,
        Command::Projects(c) => projects::run(c, g).await,
        Command::Models(a) => models::run(a, g).await,
        Command::Mcp(c) => mcp::run(c, g).await,
        Command::Serve(a) => serve::run(a, g).await,
        Command::Db(c) => db::run(c, g).await,
        Command::Health(a) => health::run(a, g).await,
        Command::Hook(c) => hook::run(c, g).await,
        Command::Hooks(c) => hooks::run(c, g).await,
        Command::Doctor(a) => doctor::run(a, g).await,
        Command::Service(c) => service::run(c).await,
        Command::Auth(c) => auth::run(c, g).await,
        Command::Config(c) => config_cmd::run(c, g).await,
        Command::Usage(a) => usage::run(a, g).await,
        Command::Users(c) => users::run(c, g).await,
        Command::Generate(c) => generate::run(c, Cli::command()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_version_is_clap_s() {
        assert_eq!(
            Cli::command().render_version(),
            format!("clauded {}\n", env!("CLAUDED_LONG_VERSION"))
        );
    }

    #[test]
    fn help_lists_every_exit_status() {
        for (code, _) in crate::error::EXIT_STATUS {
            assert!(
                EXIT_CODES
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code} "))),
                "{code} in EXIT_CODES"
            );
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
