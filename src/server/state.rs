//! What every handler shares: the store, the upstream client, options, running turns.

use super::error::ApiError;
use crate::anthropic::Client;
use crate::config::Config;
use crate::crypto::SecretBox;
use crate::engine::accounts::{AccountSettings, Accounts, Actor, Clock};
use crate::engine::notify::{Notifier, NotifySettings};
use crate::engine::tools::ToolHost;
use crate::engine::{SessionLease, TurnError};
use crate::store::Store;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Required bearer token (or `x-api-key`) for every route but health and turn status.
    pub token: Option<String>,
    /// Extra allowed CORS origins; `*` allows any.
    pub cors_origins: Vec<String>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Interval of SSE keep-alive comments.
    pub keepalive: Duration,
    /// Default model.
    pub model: String,
    /// Default output limit.
    pub max_tokens: u32,
    /// Model list cache lifetime.
    pub models_cache: Duration,
    /// How long a tool call waits for an approval before it is denied.
    pub approval_timeout: Duration,
    /// Where sessions without a project path run their built-in tools.
    pub workspace_dir: PathBuf,
    /// Requests to Claude per user message, at most.
    pub max_turns: u32,
    /// GitHub's API base, for runs' pull requests.
    pub github_api: String,
    /// The token runs clone, push and open pull requests with.
    pub github_token: Option<String>,
    /// GitHub's web address, where users authorize the OAuth app (GITHUB_URL).
    pub github_url: String,
    /// The GitHub OAuth app's client id; None: users cannot connect GitHub.
    pub github_client_id: Option<String>,
    /// Its client secret.
    pub github_client_secret: Option<crate::config::SecretValue>,
    /// Co-author trailer for run commits.
    pub git_co_author: Option<String>,
    /// Extra `Host` names accepted on a loopback bind (loopback names always are).
    pub allowed_hosts: Vec<String>,
    /// Whether the Host guard applies: true when bound to a loopback address.
    pub host_guard: bool,
    /// Runs may name local paths and `file://` repositories (tests; trusted setups).
    pub allow_local_repos: bool,
    /// Hosts the GitHub token may be sent to, besides github.com and GITHUB_API_URL's host.
    pub github_hosts: Vec<String>,
    /// How long a run's workspace is kept.
    pub workspace_ttl: Duration,
    /// A connection must send a request's headers within this time, and an idle keep-alive
    /// connection is closed after it.
    pub header_timeout: Duration,
    /// Open connections at most; more wait in the listen backlog (0: from the open-file limit).
    pub max_connections: usize,
    /// The built-in tools' settings (bash's environment, temp dir and writable folders; where tool process groups are recorded).
    pub tools: crate::builtin::ToolSettings,
    /// Push notices (approvals waiting, runs and turns ended); None sends none.
    pub notify: Option<NotifySettings>,
    /// Seals users' credentials at rest.
    pub secrets: SecretBox,
    /// Registration, sharing the server's key, attempt limits.
    pub accounts: AccountSettings,
    /// What logins are timed by (tests move it).
    pub clock: Clock,
    /// Addresses (or CIDR blocks) of proxies whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<String>,
}

impl ServerOptions {
    /// Options from the configuration.
    pub fn from_config(c: &Config) -> Self {
        Self {
            token: None,
            cors_origins: vec![],
            max_body_bytes: 32 * 1024 * 1024,
            keepalive: Duration::from_secs(15),
            model: c.model.clone(),
            max_tokens: c.max_tokens,
            models_cache: Duration::from_secs(c.models_cache_secs),
            approval_timeout: Duration::from_secs(300),
            workspace_dir: c.workspace_dir.clone(),
            max_turns: 20,
            github_api: c.github_api_url.clone(),
            github_token: None,
            github_url: c.github_url.clone(),
            github_client_id: c.github_client_id.clone(),
            github_client_secret: c.github_client_secret.clone(),
            git_co_author: c.git_co_author.clone(),
            allowed_hosts: vec![],
            host_guard: true,
            allow_local_repos: false,
            github_hosts: c.github_hosts.clone(),
            workspace_ttl: Duration::from_secs(c.workspace_ttl_hours * 3600),
            header_timeout: Duration::from_secs(10),
            max_connections: 0,
            tools: c.tools.clone(),
            // the token is a secret: `serve` looks it up (environment, keyring, file)
            notify: c.notify_url.clone().map(|url| NotifySettings {
                url,
                on: c.notify_on,
                token: None,
            }),
            // `serve` sets the server key (CLAUDED_SECRET_KEY, else its key file)
            secrets: SecretBox::random(),
            accounts: AccountSettings::default(),
            clock: Clock::system(),
            trusted_proxies: vec![],
        }
    }
}

/// Looks the server's own key up again (environment, keyring, credentials file).
pub type KeyLookup = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// How long a looked-up key is trusted before the secrets are read again.
const KEY_TTL: Duration = Duration::from_secs(5);

/// The server's own key as last looked up, and when.
#[derive(Default)]
struct KeyCache {
    lookup: Option<KeyLookup>,
    key: Option<String>,
    checked: Option<Instant>,
}

struct Inner {
    /// The store unscoped, which [`AppState::acting_as`] scopes.
    accounts_store: Store,
    accounts: Accounts,
    client: Client,
    has_own_key: bool,
    own_key: Mutex<KeyCache>,
    options: ServerOptions,
    started: Instant,
    running: Mutex<HashMap<String, CancellationToken>>,
    shutdown: CancellationToken,
    tools: Arc<ToolHost>,
    interrupted: Mutex<std::collections::HashSet<String>>,
    notifier: Notifier,
}

/// Shared server state, as one caller sees it: the store scoped to the [`Actor`] a request
/// authenticated as ([`AppState::acting_as`]), or unscoped for the server's own work (the
/// state `serve` is given). Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    store: Store,
    actor: Arc<Actor>,
}

/// A running turn's registration: its cancel token here, its lease in the store (so no
/// other process answers the session meanwhile). Both are given back on drop.
pub struct TurnGuard {
    state: AppState,
    /// The session's id as stored (the running map's key).
    key: String,
    /// Cancels the turn (DELETE, disconnect, shutdown).
    pub cancel: CancellationToken,
    /// The session's lease.
    pub lease: SessionLease,
}

impl TurnGuard {
    /// Ends the turn: the lease goes back before this returns, so whoever hears the turn is
    /// over (its stream's end) may start the next one at once, here or on another instance.
    pub async fn finish(mut self) {
        self.lease.release_now().await;
    }
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        self.state.running().remove(&self.key);
    }
}

/// Removes a registration if taking the lease failed.
struct Unregister<'a>(&'a AppState, &'a str, bool);

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        if !self.2 {
            self.0.running().remove(self.1);
        }
    }
}

impl AppState {
    /// State over a store and a client; `has_own_key` says whether the client's key is real.
    pub fn new(store: Store, client: Client, has_own_key: bool, options: ServerOptions) -> Self {
        crate::metrics::install();
        let tools = ToolHost::with_settings(
            Duration::from_secs(30),
            Duration::from_secs(300),
            options.tools.clone(),
        );
        let notifier = match options.notify.clone() {
            Some(n) => Notifier::start(n).unwrap_or_else(|e| {
                tracing::warn!("push notices are off: {e}");
                Notifier::off()
            }),
            None => Notifier::off(),
        };
        let accounts = Accounts::new(
            &store,
            options.secrets.clone(),
            options.clock.clone(),
            options.accounts.clone(),
        );
        Self {
            store: store.unscoped(),
            actor: Arc::new(Actor::local()),
            inner: Arc::new(Inner {
                accounts_store: store,
                accounts,
                client,
                has_own_key,
                own_key: Mutex::default(),
                options,
                started: Instant::now(),
                running: Mutex::new(HashMap::new()),
                shutdown: CancellationToken::new(),
                tools,
                interrupted: Mutex::new(Default::default()),
                notifier,
            }),
        }
    }

    /// The same server as `actor` sees it: the store scoped to their rows.
    pub fn acting_as(&self, actor: Actor) -> Self {
        Self {
            inner: self.inner.clone(),
            store: actor.store(&self.inner.accounts_store),
            actor: Arc::new(actor),
        }
    }

    /// Who this state acts for (the local owner for the server's own work).
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The accounts.
    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    /// Push notices (off unless configured).
    pub fn notifier(&self) -> &Notifier {
        &self.inner.notifier
    }

    /// Stops a run and remembers that it was an interrupt (completed), not an abort (error).
    /// With no run in progress nothing is remembered, so a later abort stays an abort.
    pub fn interrupt(&self, session_id: &str) -> bool {
        let key = self.store.stored_id(session_id);
        let running = self.running();
        let Some(cancel) = running.get(key.as_ref()) else {
            return false;
        };
        self.inner
            .interrupted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.into_owned());
        cancel.cancel();
        true
    }

    /// Whether a stopped run was interrupted (and forgets it).
    pub fn take_interrupted(&self, session_id: &str) -> bool {
        self.inner
            .interrupted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(self.store.stored_id(session_id).as_ref())
    }

    /// The MCP connections of the server.
    pub fn tools(&self) -> &Arc<ToolHost> {
        &self.inner.tools
    }

    /// The store, seen as [`AppState::actor`] sees it.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The options.
    pub fn options(&self) -> &ServerOptions {
        &self.inner.options
    }

    /// Seconds since start.
    pub fn uptime(&self) -> u64 {
        self.inner.started.elapsed().as_secs()
    }

    /// Cancelled when the server shuts down.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    /// The client for a request: the caller's Anthropic key if it sent one; for a user, their
    /// own key or Claude OAuth token, else the server's key when it is shared with users; for
    /// the local owner and the server's token, the server's key.
    pub async fn client_for(&self, caller_key: Option<&str>) -> Result<Client, ApiError> {
        if let Some(k) = caller_key {
            return Ok(self.inner.client.with_api_key(k));
        }
        if let Some(user) = &self.actor.user {
            let own = self.accounts().credentials(user)?;
            if let Some(k) = own.anthropic_key {
                return Ok(self.inner.client.with_api_key(&k));
            }
            if let Some(t) = own.claude_token {
                return Ok(self.inner.client.with_oauth_token(&t));
            }
            if !self.accounts().shares_server_key().await? {
                return Err(ApiError::bad_request(
                    "your account has no Anthropic key: add one (POST /api/user/anthropic-key {\"apiKey\": \"sk-ant-…\"}, or /api/user/claude-auth), or ask an admin to share the server's key (share_server_key)",
                    None,
                )
                .code("no_user_key"));
            }
        }
        self.server_client().ok_or_else(ApiError::no_key)
    }

    /// The GitHub token a run clones and pushes with: a user's own; the server's only for
    /// the local owner and the server's token.
    pub fn github_token(&self) -> Result<Option<String>, ApiError> {
        match &self.actor.user {
            Some(u) => Ok(self.accounts().credentials(u)?.github_token),
            None => Ok(self.inner.options.github_token.clone()),
        }
    }

    /// The client with the server's own key, if it has one.
    fn server_client(&self) -> Option<Client> {
        // with a lookup, what it finds now is the key (none after `auth logout`)
        match self.own_key() {
            Some(found) => found.map(|k| self.inner.client.with_api_key(&k)),
            None if self.inner.has_own_key => Some(self.inner.client.clone()),
            None => None,
        }
    }

    /// Makes the server look its own key up again (at most every few seconds), so a key
    /// stored with `clauded auth login` after the start is used without a restart.
    pub fn set_key_lookup(&self, lookup: KeyLookup) {
        let mut c = self.inner.own_key.lock().unwrap_or_else(|p| p.into_inner());
        *c = KeyCache {
            lookup: Some(lookup),
            ..Default::default()
        };
    }

    /// The server's own key as the lookup finds it; None when no lookup is set.
    fn own_key(&self) -> Option<Option<String>> {
        let lookup = {
            let c = self.inner.own_key.lock().unwrap_or_else(|p| p.into_inner());
            match (&c.lookup, c.checked) {
                (None, _) => return None,
                (Some(_), Some(at)) if at.elapsed() < KEY_TTL => return Some(c.key.clone()),
                (Some(l), _) => l.clone(),
            }
        };
        // outside the lock: a keyring read may take a moment
        let key = lookup();
        let mut c = self.inner.own_key.lock().unwrap_or_else(|p| p.into_inner());
        c.key = key.clone();
        c.checked = Some(Instant::now());
        Some(key)
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.inner.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a chat turn for a session, whose lease its first write takes (see
    /// [`lease::pending`](crate::engine::lease::pending)); `Busy` at once when a turn runs
    /// already in this process, and from that write when one runs in another.
    pub async fn begin_turn(&self, session_id: &str) -> Result<TurnGuard, TurnError> {
        self.register_turn(session_id, false).await
    }

    /// Registers a run for a session and takes its lease now (a run writes before its first
    /// turn); `Busy` when a turn runs already, in this process or another one on the store.
    pub async fn begin_run(&self, session_id: &str) -> Result<TurnGuard, TurnError> {
        self.register_turn(session_id, true).await
    }

    async fn register_turn(
        &self,
        session_id: &str,
        lease_now: bool,
    ) -> Result<TurnGuard, TurnError> {
        // keyed as stored: two users' sessions may share the id their clients know
        let key = self.store.stored_id(session_id).into_owned();
        let cancel = {
            let mut map = self.running();
            if map.contains_key(&key) {
                return Err(TurnError::Busy {
                    session_id: session_id.to_owned(),
                    holder: "this server".into(),
                });
            }
            let cancel = self.inner.shutdown.child_token();
            map.insert(key.clone(), cancel.clone());
            cancel
        };
        let mut unregister = Unregister(self, &key, false);
        let lease = if lease_now {
            crate::engine::lease::acquire(self.store(), session_id).await?
        } else {
            crate::engine::lease::pending(self.store(), session_id)
        };
        unregister.2 = true;
        drop(unregister);
        // an interrupt belongs to the turn it stopped, never to the next one
        self.take_interrupted(session_id);
        Ok(TurnGuard {
            state: self.clone(),
            key,
            cancel,
            lease,
        })
    }

    /// Cancels a session's running turn; true if there was one.
    pub fn stop_turn(&self, session_id: &str) -> bool {
        match self
            .running()
            .get(self.store.stored_id(session_id).as_ref())
        {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops a session's turn or run wherever it runs: here at once; on another instance on
    /// the store by a signal its holder acts on. `interrupt`: the run ends `completed`, not
    /// `error`. True if one was running.
    pub async fn stop_anywhere(&self, session_id: &str, interrupt: bool) -> bool {
        let here = if interrupt {
            self.interrupt(session_id)
        } else {
            self.stop_turn(session_id)
        };
        if here {
            return true;
        }
        // a live lease held by another instance (ours is a turn that is just ending)
        let now = jiff::Timestamp::now().as_millisecond();
        match self.store().lease(session_id).await {
            Ok(Some(l)) if l.expires_ms > now && l.owner.id != crate::engine::lease::owner().id => {
            }
            Ok(_) => return false,
            Err(e) => {
                tracing::warn!("session {session_id}: cannot read its lease: {e}");
                return false;
            }
        }
        let kind = if interrupt { "interrupt" } else { "abort" };
        match self.store().signal(kind, session_id, "").await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("session {session_id}: cannot signal its instance: {e}");
                false
            }
        }
    }

    /// Acts on the signals other instances send through the store (see
    /// [`AppState::stop_anywhere`]) for the turns and runs of this one, until aborted.
    pub fn listen_for_signals(&self) -> tokio::task::JoinHandle<()> {
        let st = self.clone();
        let mut notices = self.store().subscribe();
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(crate::store::Notice::Signal {
                        kind, session_id, ..
                    }) => {
                        let acted = match kind.as_str() {
                            "interrupt" => st.interrupt(&session_id),
                            "abort" | "stop" => st.stop_turn(&session_id),
                            _ => false,
                        };
                        if acted {
                            tracing::info!(
                                "session {session_id}: stopped ({kind}) at another instance's request"
                            );
                        }
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("{n} store notices were missed (slow listener)");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        })
    }

    /// True while a session has a turn running.
    pub fn is_running(&self, session_id: &str) -> bool {
        self.running()
            .contains_key(self.store.stored_id(session_id).as_ref())
    }

    /// How many turns run now.
    pub fn running_count(&self) -> usize {
        self.running().len()
    }
}
