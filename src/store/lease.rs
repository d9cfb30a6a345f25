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
