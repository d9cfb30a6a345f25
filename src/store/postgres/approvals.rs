//! The approval hub's rows in PostgreSQL. Each request and answer is an `approval_events`
//! row whose id every instance hears of (`clauded_approvals`) when it commits.

use super::{Db, exec, get, notify_in, one, pg, row, rows, unix_ms};
use crate::store::approvals::{APPROVAL_SELECT as SELECT, refused};
use crate::store::{Approval, ApprovalEvent, NewApproval, Notice, Result, not_found, now};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

/// Held while an approval event is written: the log is read by id (`after`), so ids must
/// commit in order, and identities are handed out at insert, not at commit. Approvals are
/// rare; one lock for all of them is fine.
const LOG_LOCK: i64 = 0x0063_6c61_7564_6561;

/// An approval from the row's columns starting at `at` (in `SELECT`'s order).
fn approval_from(r: &Row, at: usize) -> Result<Approval> {
    let input: &str = get(r, at + 5)?;
    Ok(Approval {
        id: get(r, at)?,
        session_id: get(r, at + 1)?,
        tool_use_id: get(r, at + 2)?,
        source: get(r, at + 3)?,
        tool: get(r, at + 4)?,
        input: serde_json::from_str(input).unwrap_or(serde_json::Value::Null),
        cwd: get(r, at + 6)?,
        created_at: get(r, at + 7)?,
        expires_ms: get(r, at + 8)?,
        decision: get(r, at + 9)?,
        message: get(r, at + 10)?,
        decided_at: get(r, at + 11)?,
    })
}

async fn approval_in(c: &impl GenericClient, owner: Option<&str>, id: &str) -> Result<Approval> {
    row(
        c,
        &format!("{SELECT} WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)"),
        &[&id, &owner],
    )
    .await?
    .map(|r| approval_from(&r, 0))
    .transpose()?
    .ok_or_else(|| not_found("approval", id))
}

/// Appends to the log, in order, and queues the notice of it.
async fn log_in(c: &impl GenericClient, approval_id: &str, kind: &str, at: &str) -> Result<()> {
    exec(c, "SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK]).await?;
    let r = one(
        c,
        "INSERT INTO approval_events (approval_id, kind, created_at) VALUES ($1, $2, $3)
         RETURNING id",
        &[&approval_id, &kind, &at],
    )
    .await?;
    notify_in(c, &Notice::Approval { id: get(&r, 0)? }).await
}

impl Db {
    /// See [`Store::create_approval`](crate::store::Store::create_approval).
    pub async fn create_approval(&self, new: &NewApproval) -> Result<Approval> {
        let id = new.id_or_new();
        let at = now();
        let expires = unix_ms() + new.ttl_ms;
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        exec(
            &tx,
            "INSERT INTO approvals (id, session_id, tool_use_id, source, tool, input, cwd,
                created_at, expires_ms, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &id,
                &new.session_id,
                &new.tool_use_id,
                &new.source,
                &new.tool,
                &new.input.to_string(),
                &new.cwd,
                &at,
                &expires,
                &self.new_owner(),
            ],
        )
        .await?;
        log_in(&tx, &id, "approval_request", &at).await?;
        let a = approval_in(&tx, self.owner(), &id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(a)
    }

    /// See [`Store::decide_approval`](crate::store::Store::decide_approval).
    pub async fn decide_approval(
        &self,
        id: &str,
        decision: &str,
        message: Option<&str>,
    ) -> Result<Approval> {
        let at = now();
        let ms = unix_ms();
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        let n = exec(
            &tx,
            "UPDATE approvals SET decision = $2, message = $3, decided_at = $4
             WHERE id = $1 AND decision IS NULL AND expires_ms > $5 AND ($6::TEXT IS NULL OR owner = $6)",
            &[&id, &decision, &message, &at, &ms, &self.owner()],
        )
        .await?;
        if n == 0 {
            let known = row(
                &tx,
                "SELECT decision FROM approvals WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)",
                &[&id, &self.owner()],
            )
            .await?
            .map(|r| get::<Option<String>>(&r, 0))
            .transpose()?;
            return Err(refused(id, known));
        }
        log_in(&tx, id, "approval_resolved", &at).await?;
        let a = approval_in(&tx, self.owner(), id).await?;
        tx.commit().await.map_err(pg)?;
        Ok(a)
    }

    /// See [`Store::approval`](crate::store::Store::approval).
    pub async fn approval(&self, id: &str) -> Result<Approval> {
        approval_in(&self.client().await?, self.owner(), id).await
    }

    /// See [`Store::approval_for_tool_use`](crate::store::Store::approval_for_tool_use).
    pub async fn approval_for_tool_use(
        &self,
        session_id: &str,
        tool_use_id: &str,
    ) -> Result<Option<Approval>> {
        let c = self.client().await?;
        row(
            &c,
            &format!(
                "{SELECT} WHERE session_id = $1 AND tool_use_id = $2 AND ($3::TEXT IS NULL OR owner = $3)
                 ORDER BY created_at DESC LIMIT 1"
            ),
            &[&session_id, &tool_use_id, &self.owner()],
        )
        .await?
        .map(|r| approval_from(&r, 0))
        .transpose()
    }

    /// See [`Store::pending_approvals`](crate::store::Store::pending_approvals).
    pub async fn pending_approvals(&self) -> Result<Vec<Approval>> {
        let c = self.client().await?;
        rows(
            &c,
            &format!(
                "{SELECT} WHERE decision IS NULL AND expires_ms > $1 AND ($2::TEXT IS NULL OR owner = $2)
                 ORDER BY created_at DESC, id"
            ),
            &[&unix_ms(), &self.owner()],
        )
        .await?
        .iter()
        .map(|r| approval_from(r, 0))
        .collect()
    }

    /// See [`Store::approval_events`](crate::store::Store::approval_events).
    pub async fn approval_events(&self, after: i64) -> Result<Vec<ApprovalEvent>> {
        let c = self.client().await?;
        rows(
            &c,
            "SELECT e.id, e.kind, a.id, a.session_id, a.tool_use_id, a.source, a.tool, a.input,
                    a.cwd, a.created_at, a.expires_ms, a.decision, a.message, a.decided_at
             FROM approval_events e JOIN approvals a ON a.id = e.approval_id
             WHERE e.id > $1 AND ($2::TEXT IS NULL OR a.owner = $2) ORDER BY e.id LIMIT 1000",
            &[&after, &self.owner()],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(ApprovalEvent {
                id: get(r, 0)?,
                kind: get(r, 1)?,
                approval: approval_from(r, 2)?,
            })
        })
        .collect()
    }
}
