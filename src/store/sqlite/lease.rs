//! Session leases in SQLite.

use super::{Cached, Db};
use crate::store::lease::LEASE_SELECT as SELECT;
use crate::store::{Acquired, Lease, LeaseClaim, LeaseOwner, Result, now, unix_ms};
use rusqlite::{OptionalExtension, params};

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Lease> {
    Ok(Lease {
        session_id: r.get(0)?,
        owner: LeaseOwner {
            id: r.get(1)?,
            pid: r.get::<_, i64>(2)? as u32,
            host: r.get(3)?,
        },
        acquired_at: r.get(4)?,
        heartbeat_ms: r.get(5)?,
        expires_ms: r.get(6)?,
    })
}

/// Takes a session's lease in `tx` when it is free, lapsed or its holder is gone; else who
/// holds it (and nothing changed).
pub(super) fn take_lease_in(
    tx: &rusqlite::Transaction<'_>,
    session_id: &str,
    claim: &LeaseClaim<'_>,
) -> Result<Option<Lease>> {
    let at = unix_ms();
    let held = tx
        .one(
            &format!("{SELECT} WHERE session_id = ?1"),
            [session_id],
            row,
        )
        .optional()?;
    if let Some(l) = held
        && l.expires_ms > at
        && !(claim.is_gone)(&l)
    {
        return Ok(Some(l));
    }
    let owner = claim.owner;
    // the session must exist: a lease never creates one
    tx.exec(
        "INSERT INTO session_leases (session_id, owner, pid, host, acquired_at, heartbeat_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(session_id) DO UPDATE SET owner = ?2, pid = ?3, host = ?4,
            acquired_at = ?5, heartbeat_ms = ?6, expires_ms = ?7",
        params![session_id, owner.id, owner.pid, owner.host, now(), at, at + claim.ttl_ms],
    )?;
    Ok(None)
}

impl Db {
    /// See [`Store::acquire_lease`](crate::store::Store::acquire_lease).
    pub fn acquire_lease(
        &self,
        session_id: &str,
        owner: &LeaseOwner,
        ttl_ms: i64,
        is_gone: fn(&Lease) -> bool,
    ) -> Result<Acquired> {
        let claim = LeaseClaim {
            owner,
            ttl_ms,
            is_gone,
        };
        self.write(|tx| {
            Ok(match take_lease_in(tx, session_id, &claim)? {
                Some(l) => Acquired::Held(l),
                None => Acquired::Yes,
            })
        })
    }

    /// See [`Store::renew_lease`](crate::store::Store::renew_lease).
    pub fn renew_lease(&self, session_id: &str, owner_id: &str, ttl_ms: i64) -> Result<bool> {
        let at = unix_ms();
        self.write(|tx| {
            Ok(tx.exec(
                "UPDATE session_leases SET heartbeat_ms = ?3, expires_ms = ?4
                 WHERE session_id = ?1 AND owner = ?2",
                params![session_id, owner_id, at, at + ttl_ms],
            )? == 1)
        })
    }

    /// See [`Store::release_lease`](crate::store::Store::release_lease).
    pub fn release_lease(&self, session_id: &str, owner_id: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "DELETE FROM session_leases WHERE session_id = ?1 AND owner = ?2",
                params![session_id, owner_id],
            )?;
            Ok(())
        })
    }

    /// See [`Store::close_orphan_run`](crate::store::Store::close_orphan_run).
    pub fn close_orphan_run(
        &self,
        session_id: &str,
        holder_id: &str,
        event: &crate::store::NewEvent,
    ) -> Result<Option<i64>> {
        self.write(|tx| {
            let status: Option<String> = tx
                .one(
                    "SELECT status FROM sessions WHERE id = ?1",
                    [session_id],
                    |r| r.get(0),
                )
                .optional()?;
            let mut closed = None;
            if status.as_deref() == Some("running") {
                closed = Some(super::append_event_in(
                    tx,
                    session_id,
                    &event.kind,
                    &event.data,
                )?);
                tx.exec(
                    "UPDATE sessions SET status = 'error', updated_at = ?2 WHERE id = ?1",
                    params![session_id, now()],
                )?;
            }
            tx.exec(
                "DELETE FROM session_leases WHERE session_id = ?1 AND owner = ?2",
                params![session_id, holder_id],
            )?;
            Ok(closed)
        })
    }

    /// See [`Store::expired_leases`](crate::store::Store::expired_leases).
    pub fn expired_leases(&self, now_ms: i64) -> Result<Vec<Lease>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!(
            "{SELECT} WHERE expires_ms <= ?1 ORDER BY expires_ms"
        ))?;
        let rows = st.query_map([now_ms], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::lease`](crate::store::Store::lease).
    pub fn lease(&self, session_id: &str) -> Result<Option<Lease>> {
        let conn = self.conn()?;
        Ok(conn
            .one(
                &format!("{SELECT} WHERE session_id = ?1"),
                [session_id],
                row,
            )
            .optional()?)
    }
}
