//! The approval hub's rows in SQLite.

use super::{Cached, Db};
use crate::store::approvals::{APPROVAL_SELECT as SELECT, refused};
use crate::store::{Approval, ApprovalEvent, NewApproval, Result, not_found, now, unix_ms};
use rusqlite::{OptionalExtension, params};

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Approval> {
    row_from(r, 0)
}

/// An approval from the row's columns starting at `at` (in `SELECT`'s order).
fn row_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Approval> {
    let input: String = r.get(at + 5)?;
    Ok(Approval {
        id: r.get(at)?,
        session_id: r.get(at + 1)?,
        tool_use_id: r.get(at + 2)?,
        source: r.get(at + 3)?,
        tool: r.get(at + 4)?,
        input: serde_json::from_str(&input).unwrap_or(serde_json::Value::Null),
        cwd: r.get(at + 6)?,
        created_at: r.get(at + 7)?,
        expires_ms: r.get(at + 8)?,
        decision: r.get(at + 9)?,
        message: r.get(at + 10)?,
        decided_at: r.get(at + 11)?,
    })
}

impl Db {
    /// See [`Store::create_approval`](crate::store::Store::create_approval).
    pub fn create_approval(&self, new: &NewApproval) -> Result<Approval> {
        let id = new.id_or_new();
        let at = now();
        let expires = unix_ms() + new.ttl_ms;
        self.write(|tx| {
            tx.exec(
                "INSERT INTO approvals (id, session_id, tool_use_id, source, tool, input, cwd,
                    created_at, expires_ms, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id,
                    new.session_id,
                    new.tool_use_id,
                    new.source,
                    new.tool,
                    new.input.to_string(),
                    new.cwd,
                    at,
                    expires,
                    self.new_owner()
                ],
            )?;
            tx.exec(
                "INSERT INTO approval_events (approval_id, kind, created_at)
                 VALUES (?1, 'approval_request', ?2)",
                params![id, at],
            )?;
            Ok(())
        })?;
        self.approval(&id)
    }

    /// See [`Store::decide_approval`](crate::store::Store::decide_approval).
    pub fn decide_approval(
        &self,
        id: &str,
        decision: &str,
        message: Option<&str>,
    ) -> Result<Approval> {
        let at = now();
        let ms = unix_ms();
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE approvals SET decision = ?2, message = ?3, decided_at = ?4
                 WHERE id = ?1 AND decision IS NULL AND expires_ms > ?5 AND (?6 IS NULL OR owner = ?6)",
                params![id, decision, message, at, ms, self.owner()],
            )?;
            if n == 0 {
                let known: Option<Option<String>> = tx
                    .one(
                        "SELECT decision FROM approvals WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
                        params![id, self.owner()],
                        |r| r.get(0),
                    )
                    .optional()?;
                return Err(refused(id, known));
            }
            tx.exec(
                "INSERT INTO approval_events (approval_id, kind, created_at)
                 VALUES (?1, 'approval_resolved', ?2)",
                params![id, at],
            )?;
            Ok(())
        })?;
        self.approval(id)
    }

    /// See [`Store::approval`](crate::store::Store::approval).
    pub fn approval(&self, id: &str) -> Result<Approval> {
        let conn = self.conn()?;
        conn.one(
            &format!("{SELECT} WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)"),
            params![id, self.owner()],
            row,
        )
        .optional()?
        .ok_or_else(|| not_found("approval", id))
    }

    /// See [`Store::approval_for_tool_use`](crate::store::Store::approval_for_tool_use).
    pub fn approval_for_tool_use(
        &self,
        session_id: &str,
        tool_use_id: &str,
    ) -> Result<Option<Approval>> {
        let conn = self.conn()?;
        Ok(conn
            .one(
                &format!(
                    "{SELECT} WHERE session_id = ?1 AND tool_use_id = ?2 AND (?3 IS NULL OR owner = ?3)
                     ORDER BY created_at DESC LIMIT 1"
                ),
                params![session_id, tool_use_id, self.owner()],
                row,
            )
            .optional()?)
    }

    /// See [`Store::pending_approvals`](crate::store::Store::pending_approvals).
    pub fn pending_approvals(&self) -> Result<Vec<Approval>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!(
            "{SELECT} WHERE decision IS NULL AND expires_ms > ?1 AND (?2 IS NULL OR owner = ?2)
             ORDER BY created_at DESC, id"
        ))?;
        let rows = st.query_map(params![unix_ms(), self.owner()], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The log after event `after`, oldest first.
    pub fn approval_events(&self, after: i64) -> Result<Vec<ApprovalEvent>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(
            "SELECT e.id, e.kind, a.id, a.session_id, a.tool_use_id, a.source, a.tool, a.input,
                    a.cwd, a.created_at, a.expires_ms, a.decision, a.message, a.decided_at
             FROM approval_events e JOIN approvals a ON a.id = e.approval_id
             WHERE e.id > ?1 AND (?2 IS NULL OR a.owner = ?2) ORDER BY e.id LIMIT 1000",
        )?;
        let rows = st.query_map(params![after, self.owner()], |r| {
            Ok(ApprovalEvent {
                id: r.get(0)?,
                kind: r.get(1)?,
                approval: row_from(r, 2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
