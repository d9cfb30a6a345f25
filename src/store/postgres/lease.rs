//! Session leases in PostgreSQL. Instances race for them for real here, so every decision
//! is made on the locked row: two acquirers can never both win.

use super::{Db, exec, get, pg, row, rows, unix_ms};
use crate::store::lease::LEASE_SELECT as SELECT;
use crate::store::{Acquired, Lease, LeaseClaim, LeaseOwner, Result, now};
use deadpool_postgres::Transaction;
use tokio_postgres::Row;

fn lease_row(r: &Row) -> Result<Lease> {
    Ok(Lease {
        session_id: get(r, 0)?,
        owner: LeaseOwner {
            id: get(r, 1)?,
            pid: get::<i64>(r, 2)? as u32,
            host: get(r, 3)?,
        },
        acquired_at: get(r, 4)?,
        heartbeat_ms: get(r, 5)?,
        expires_ms: get(r, 6)?,
    })
}

/// Takes a session's lease in `tx` when it is free, lapsed or its holder is gone; else who
/// holds it. Free or lapsed: ours in one statement. Otherwise the row is left locked by it (ON
/// CONFLICT locks the row it does not update), so the holder read next cannot change before
/// the transaction ends. The session must exist: a lease never creates one.
pub(super) async fn take_lease_in(
    tx: &Transaction<'_>,
    session_id: &str,
    claim: &LeaseClaim<'_>,
) -> Result<Option<Lease>> {
    let at = unix_ms();
    let until = at + claim.ttl_ms;
    let owner = claim.owner;
    let pid = i64::from(owner.pid);
    let acquired_at = now();
    let took = row(
        tx,
        "INSERT INTO session_leases (session_id, owner, pid, host, acquired_at, heartbeat_ms, expires_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (session_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
            host = excluded.host, acquired_at = excluded.acquired_at,
            heartbeat_ms = excluded.heartbeat_ms, expires_ms = excluded.expires_ms
         WHERE session_leases.expires_ms <= $6
         RETURNING session_id",
        &[&session_id, &owner.id, &pid, &owner.host, &acquired_at, &at, &until],
    )
    .await?
    .is_some();
    if took {
        return Ok(None);
    }
    let held = row(
        tx,
        &format!("{SELECT} WHERE session_id = $1 FOR UPDATE"),
        &[&session_id],
    )
    .await?
    .as_ref()
    .map(lease_row)
    .transpose()?;
    match held {
        Some(l) if !(claim.is_gone)(&l) => Ok(Some(l)),
        _ => {
            exec(
                tx,
                "UPDATE session_leases SET owner = $2, pid = $3, host = $4,
                    acquired_at = $5, heartbeat_ms = $6, expires_ms = $7
                 WHERE session_id = $1",
                &[
                    &session_id,
                    &owner.id,
                    &pid,
                    &owner.host,
                    &acquired_at,
                    &at,
                    &until,
                ],
            )
            .await?;
            Ok(None)
        }
    }
}

impl Db {
    /// See [`Store::acquire_lease`](crate::store::Store::acquire_lease).
    pub async fn acquire_lease(
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
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let out = match take_lease_in(&tx, session_id, &claim).await? {
            Some(l) => Acquired::Held(l),
            None => Acquired::Yes,
        };
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    /// See [`Store::renew_lease`](crate::store::Store::renew_lease).
    pub async fn renew_lease(&self, session_id: &str, owner_id: &str, ttl_ms: i64) -> Result<bool> {
        let at = unix_ms();
        let c = self.client().await?;
        Ok(exec(
            &c,
            "UPDATE session_leases SET heartbeat_ms = $3, expires_ms = $4
             WHERE session_id = $1 AND owner = $2",
            &[&session_id, &owner_id, &at, &(at + ttl_ms)],
        )
        .await?
            == 1)
    }

    /// See [`Store::release_lease`](crate::store::Store::release_lease).
    pub async fn release_lease(&self, session_id: &str, owner_id: &str) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "DELETE FROM session_leases WHERE session_id = $1 AND owner = $2",
            &[&session_id, &owner_id],
        )
        .await?;
        Ok(())
    }

    /// See [`Store::close_orphan_run`](crate::store::Store::close_orphan_run).
    pub async fn close_orphan_run(
        &self,
        session_id: &str,
        holder_id: &str,
        event: &crate::store::NewEvent,
    ) -> Result<Option<i64>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let status: Option<String> = match row(
            &tx,
            "SELECT status FROM sessions WHERE id = $1 FOR NO KEY UPDATE",
            &[&session_id],
        )
        .await?
        {
            Some(r) => Some(get(&r, 0)?),
            None => None,
        };
        let mut closed = None;
        if status.as_deref() == Some("running") {
            closed = Some(super::append_event_in(&tx, session_id, &event.kind, &event.data).await?);
            exec(
                &tx,
                "UPDATE sessions SET status = 'error', updated_at = $2 WHERE id = $1",
                &[&session_id, &now()],
            )
            .await?;
        }
        exec(
            &tx,
            "DELETE FROM session_leases WHERE session_id = $1 AND owner = $2",
            &[&session_id, &holder_id],
        )
        .await?;
        tx.commit().await.map_err(pg)?;
        Ok(closed)
    }

    /// See [`Store::lease`](crate::store::Store::lease).
    pub async fn lease(&self, session_id: &str) -> Result<Option<Lease>> {
        let c = self.client().await?;
        row(
            &c,
            &format!("{SELECT} WHERE session_id = $1"),
            &[&session_id],
        )
        .await?
        .as_ref()
        .map(lease_row)
        .transpose()
    }

    /// Leases lapsed by `now_ms` (expiry at or before it), soonest lapsed first: what a sweep
    /// for the turns of instances that died reads.
    pub async fn expired_leases(&self, now_ms: i64) -> Result<Vec<Lease>> {
        let c = self.client().await?;
        rows(
            &c,
            &format!("{SELECT} WHERE expires_ms <= $1 ORDER BY expires_ms, session_id"),
            &[&now_ms],
        )
        .await?
        .iter()
        .map(lease_row)
        .collect()
    }

    /// Replaces a lapsed lease still held by `from_owner_id` with `to`'s for `ttl_ms`, in one
    /// statement; false when it is not so any more (renewed, released, or taken by another).
    pub async fn take_over_lease(
        &self,
        session_id: &str,
        from_owner_id: &str,
        to: &LeaseOwner,
        ttl_ms: i64,
    ) -> Result<bool> {
        let at = unix_ms();
        let c = self.client().await?;
        Ok(exec(
            &c,
            "UPDATE session_leases SET owner = $3, pid = $4, host = $5, acquired_at = $6,
                heartbeat_ms = $7, expires_ms = $8
             WHERE session_id = $1 AND owner = $2 AND expires_ms <= $7",
            &[
                &session_id,
                &from_owner_id,
                &to.id,
                &i64::from(to.pid),
                &to.host,
                &now(),
                &at,
                &(at + ttl_ms),
            ],
        )
        .await?
            == 1)
    }
}
