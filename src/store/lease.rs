//! Session leases: one turn or run per session across every process on the store.

/// Who holds (or wants) a lease: one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseOwner {
    /// The process's instance id (random per start).
    pub id: String,
    /// Its pid.
    pub pid: u32,
    /// The host it runs on.
    pub host: String,
}

/// A lease's columns in [`Lease`]'s order: SQL both engines run.
pub(crate) const LEASE_SELECT: &str = "SELECT session_id, owner, pid, host, acquired_at, heartbeat_ms, expires_ms FROM session_leases";

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The session answered.
    pub session_id: String,
    /// The holder.
    pub owner: LeaseOwner,
    /// When it was taken (RFC 3339).
    pub acquired_at: String,
    /// Last renewal, unix milliseconds.
    pub heartbeat_ms: i64,
    /// When it lapses unless renewed, unix milliseconds.
    pub expires_ms: i64,
}

/// The outcome of asking for a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    /// Ours now.
    Yes,
    /// Somebody else answers this session.
    Held(Lease),
}

/// A claim on a session's lease, made in the transaction that starts a turn.
#[derive(Debug, Clone, Copy)]
pub struct LeaseClaim<'a> {
    /// Who asks.
    pub owner: &'a LeaseOwner,
    /// How long it lasts without renewal.
    pub ttl_ms: i64,
    /// Whether a holder is gone (a dead process on this machine), so its lease can be taken.
    pub is_gone: fn(&Lease) -> bool,
}

/// What starting a turn did.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnStart {
    /// Nothing: somebody else answers this session.
    Held(Lease),
    /// The lease (if claimed) is ours and the user's message is stored.
    Began {
        /// The session's messages before this one, when asked for.
        history: Option<Vec<crate::store::StoredMessage>>,
        /// The user's message as stored.
        user: crate::store::StoredMessage,
    },
}
