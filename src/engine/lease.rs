//! One turn or run per session across every process on the store: the store's lease, taken
//! before the user's message is stored, renewed while the turn runs, given back at its end.
//! A process that dies leaves a lease that lapses, or that others see is gone at once.

use super::turn::TurnError;
use crate::store::{Acquired, Lease, LeaseOwner, Store};
use std::sync::OnceLock;
use std::time::Duration;

/// A lease lapses this long after its last renewal.
pub const TTL: Duration = Duration::from_secs(30);
/// Renewal interval while a turn runs.
const HEARTBEAT: Duration = Duration::from_secs(10);

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

/// A held lease. Renewed in the background; [`SessionLease::release`] gives it back (dropping
/// it does too, in the background).
#[derive(Debug)]
pub struct SessionLease {
    store: Store,
    session_id: String,
    renew: Option<tokio::task::JoinHandle<()>>,
}

/// Takes a session's lease, or says who holds it.
pub async fn acquire(store: &Store, session_id: &str) -> Result<SessionLease, TurnError> {
    let got = store
        .acquire_lease(session_id, owner(), TTL.as_millis() as i64, holder_gone)
        .await?;
    if let Acquired::Held(l) = got {
        return Err(TurnError::Busy {
            session_id: session_id.to_owned(),
            holder: describe(&l),
        });
    }
    let renew = {
        let (store, sid) = (store.clone(), session_id.to_owned());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.tick().await;
            loop {
                tick.tick().await;
                match store
                    .renew_lease(&sid, &owner().id, TTL.as_millis() as i64)
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
    };
    Ok(SessionLease {
        store: store.clone(),
        session_id: session_id.to_owned(),
        renew: Some(renew),
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
        if let Some(r) = self.renew.take() {
            r.abort();
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
        let Some(r) = self.renew.take() else {
            return;
        };
        r.abort();
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
