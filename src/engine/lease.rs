//! One turn or run per session across every process on the store: the store's lease, taken
//! before the user's message is stored (or with it, in its transaction), renewed while the turn
//! runs, given back at its end (or with its answer).
//! A process that dies leaves a lease that lapses, or that others see is gone at once.

use super::turn::TurnError;
use crate::store::{
    self, Acquired, Lease, LeaseClaim, LeaseOwner, NewEvent, NewMessage, SessionUpdate, Store,
    StoredMessage, TurnStart,
};
use std::sync::OnceLock;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// A lease lapses this long after its last renewal, unless [`set_ttl`] says otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

static TTL_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(30_000);

/// Sets how long a lease outlives its holder's last heartbeat (the server's `--lease-ttl`):
/// another instance closes a dead one's runs this long after it died, at most. At least 3 s.
pub fn set_ttl(ttl: Duration) {
    let ms = ttl.as_millis().clamp(3_000, u64::MAX as u128) as u64;
    TTL_MS.store(ms, std::sync::atomic::Ordering::Relaxed);
}

/// How long a lease lasts without renewal.
pub fn ttl() -> Duration {
    Duration::from_millis(TTL_MS.load(std::sync::atomic::Ordering::Relaxed))
}

/// Renewal interval while a turn runs: three renewals fit in a lease.
fn heartbeat() -> Duration {
    ttl() / 3
}

/// This process as a lease holder: a random instance id, its pid and host.
pub fn owner() -> &'static LeaseOwner {
    static OWNER: OnceLock<LeaseOwner> = OnceLock::new();
    OWNER.get_or_init(|| LeaseOwner {
        id: uuid::Uuid::new_v4().simple().to_string(),
        pid: std::process::id(),
        host: hostname(),
    })
}

fn hostname() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            if let Ok(h) = std::str::from_utf8(&buf[..end])
                && !h.is_empty()
            {
                return h.to_owned();
            }
        }
    }
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "localhost".into())
}

/// Whether a lease's holder is known to be gone: on this host, with our pid but another
/// instance id (a restarted container's pid 1), or with a pid that no longer runs. Holders on
/// other hosts are trusted until their lease lapses.
pub fn holder_gone(l: &Lease) -> bool {
    let me = owner();
    if l.owner.host != me.host || l.owner.id == me.id {
        return false;
    }
    l.owner.pid == me.pid || !pid_alive(l.owner.pid)
}

fn pid_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// A session's lease: held (renewed in the background), or pending (see [`pending`]) until
/// the turn's first write takes it. [`SessionLease::release`] gives a held one back (dropping
/// it does too, in the background).
#[derive(Debug)]
pub struct SessionLease {
    store: Store,
    session_id: String,
    /// The renewal task while held; None while pending, and once given back.
    renew: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Taken by the turn's first write rather than already held.
    pending: std::sync::atomic::AtomicBool,
    /// Given back in the transaction of the turn's last message.
    given_back: std::sync::atomic::AtomicBool,
}

/// A lease the turn's first write takes ([`SessionLease::start`]: the user's message and the
/// lease in one transaction), for a turn that writes nothing before its message. A session
/// someone else answers is then refused by that write, which stores nothing.
pub fn pending(store: &Store, session_id: &str) -> SessionLease {
    SessionLease {
        store: store.clone(),
        session_id: session_id.to_owned(),
        renew: Default::default(),
        pending: std::sync::atomic::AtomicBool::new(true),
        given_back: Default::default(),
    }
}

/// Keeps a held lease alive until aborted.
fn renewal(store: &Store, session_id: &str) -> tokio::task::JoinHandle<()> {
    let (store, sid) = (store.clone(), session_id.to_owned());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(heartbeat());
        tick.tick().await;
        loop {
            tick.tick().await;
            match store
                .renew_lease(&sid, &owner().id, ttl().as_millis() as i64)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        "session {sid}: the lease was lost (taken over after it lapsed)"
                    );
                    return;
                }
                Err(e) => tracing::warn!("session {sid}: cannot renew the lease: {e}"),
            }
        }
    })
}

fn busy(session_id: &str, l: &Lease) -> TurnError {
    TurnError::Busy {
        session_id: session_id.to_owned(),
        holder: describe(l),
    }
}

/// Takes a session's lease, or says who holds it.
pub async fn acquire(store: &Store, session_id: &str) -> Result<SessionLease, TurnError> {
    let got = store
        .acquire_lease(session_id, owner(), ttl().as_millis() as i64, holder_gone)
        .await?;
    if let Acquired::Held(l) = got {
        return Err(busy(session_id, &l));
    }
    Ok(SessionLease {
        store: store.clone(),
        session_id: session_id.to_owned(),
        renew: std::sync::Mutex::new(Some(renewal(store, session_id))),
        pending: Default::default(),
        given_back: Default::default(),
    })
}

/// Who holds a lease, for a person.
fn describe(l: &Lease) -> String {
    let me = owner();
    if l.owner.id == me.id {
        "this process".into()
    } else if l.owner.host == me.host {
        format!("process {} on this machine", l.owner.pid)
    } else {
        format!("process {} on {}", l.owner.pid, l.owner.host)
    }
}

impl SessionLease {
    /// The session it is for.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Gives the lease back now.
    pub async fn release(mut self) {
        self.release_now().await;
    }

    /// Starts the turn: stores the user's message (with its event and the session's change),
    /// taking the lease in the same transaction when it is pending, and reads the session's
    /// messages before it when `history` asks. A session someone else answers is `Busy`, and
    /// nothing is stored.
    pub async fn start(
        &self,
        message: &NewMessage,
        event: Option<&NewEvent>,
        update: Option<&SessionUpdate>,
        history: bool,
    ) -> Result<(Option<Vec<StoredMessage>>, StoredMessage), TurnError> {
        let pending = self.pending.load(Relaxed);
        let me = owner();
        let claim = pending.then_some(LeaseClaim {
            owner: me,
            ttl_ms: ttl().as_millis() as i64,
            is_gone: holder_gone,
        });
        let started = self
            .store
            .start_turn(&self.session_id, message, event, update, claim, history)
            .await?;
        match started {
            TurnStart::Held(l) => Err(busy(&self.session_id, &l)),
            TurnStart::Began { history, user } => {
                if pending {
                    self.pending.store(false, Relaxed);
                    *self.renew_slot() = Some(renewal(&self.store, &self.session_id));
                }
                Ok((history, user))
            }
        }
    }

    fn renew_slot(&self) -> std::sync::MutexGuard<'_, Option<tokio::task::JoinHandle<()>>> {
        self.renew.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores the turn's last message and gives the lease back with it, in one transaction;
    /// releasing or dropping the handle later does nothing more.
    pub async fn store_last(
        &self,
        message: &NewMessage,
        event: Option<&NewEvent>,
    ) -> Result<StoredMessage, store::Error> {
        let stored = self
            .store
            .add_last_message(&self.session_id, message, event, &owner().id)
            .await?;
        self.given_back.store(true, Relaxed);
        if let Some(r) = self.renew_slot().take() {
            r.abort();
        }
        Ok(stored)
    }

    /// Gives the lease back now, keeping the handle (dropping it later does nothing more).
    pub async fn release_now(&mut self) {
        let Some(r) = self.renew_slot().take() else {
            return;
        };
        r.abort();
        if self.given_back.load(Relaxed) {
            return;
        }
        if let Err(e) = self
            .store
            .release_lease(&self.session_id, &owner().id)
            .await
        {
            tracing::warn!("session {}: cannot release the lease: {e}", self.session_id);
        }
    }
}

impl Drop for SessionLease {
    fn drop(&mut self) {
        let Some(r) = self.renew_slot().take() else {
            return;
        };
        r.abort();
        if self.given_back.load(Relaxed) {
            return;
        }
        let (store, sid) = (self.store.clone(), self.session_id.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move {
                    if let Err(e) = store.release_lease(&sid, &owner().id).await {
                        tracing::warn!("session {sid}: cannot release the lease: {e}");
                    }
                });
            }
            // no runtime left (the process is ending): the lease lapses, or the next holder
            // sees this process is gone
            Err(_) => tracing::debug!("session {sid}: lease left to lapse"),
        }
    }
}

/// Closes what dead holders left: every lapsed lease (any instance's, on a shared store) and,
/// when `all_running`, every session left `running` whose holder is gone. Each is claimed
/// first (taking its lease, which only one instance can), so two instances never both close
/// one; a run is then ended with a final `error` event and the `error` status, a turn just
/// freed. `here` says which sessions this process runs (never touched). Returns how many
/// runs it closed.
pub async fn sweep(
    store: &Store,
    here: &(dyn Fn(&str) -> bool + Sync),
    all_running: bool,
) -> usize {
    let now = jiff::Timestamp::now().as_millisecond();
    let mut candidates: Vec<String> = match store.expired_leases(now).await {
        Ok(l) => l.into_iter().map(|l| l.session_id).collect(),
        Err(e) => {
            tracing::warn!("lease sweep: {e}");
            return 0;
        }
    };
    if all_running {
        let running = store
            .sessions(&crate::store::SessionFilter {
                status: Some("running".into()),
                ..Default::default()
            })
            .await;
        match running {
            Ok(s) => candidates.extend(s.into_iter().map(|s| s.id)),
            Err(e) => tracing::warn!("lease sweep: {e}"),
        }
    }
    candidates.sort();
    candidates.dedup();
    let mut closed = 0;
    for sid in candidates.into_iter().filter(|s| !here(s)) {
        let ttl = ttl().as_millis() as i64;
        match store.acquire_lease(&sid, owner(), ttl, holder_gone).await {
            Ok(Acquired::Yes) => {}
            Ok(Acquired::Held(_)) => continue,
            Err(crate::store::Error::NotFound { .. }) => continue,
            Err(e) => {
                tracing::warn!("lease sweep: session {sid}: {e}");
                continue;
            }
        }
        let ended = crate::store::NewEvent::new(
            "error",
            serde_json::json!({"type": "error", "error": "the run stopped without finishing (the process running it ended)", "timestamp": crate::store::now()}),
        );
        match store.close_orphan_run(&sid, &owner().id, &ended).await {
            Ok(Some(_)) => closed += 1,
            Ok(None) => {}
            Err(e) => tracing::warn!("lease sweep: session {sid}: {e}"),
        }
    }
    closed
}
