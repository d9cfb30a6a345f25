//! The trash in SQLite.

use super::{Cached, Db};
use crate::store::trash::{TrashOp, check_batch, distinct};
use crate::store::{Result, now};
use rusqlite::params;

impl Db {
    /// See [`Store::trash`](crate::store::Store::trash).
    pub fn trash(&self, ids: &[String], op: TrashOp) -> Result<usize> {
        let ids = distinct(ids);
        let list = serde_json::Value::from(ids.clone()).to_string();
        self.write(|tx| {
            let (owned, in_trash): (i64, i64) = tx.one(
                "SELECT COUNT(*), COUNT(deleted_at) FROM sessions
                 WHERE id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR owner = ?2)",
                params![list, self.owner()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            check_batch(ids.len(), owned as usize, in_trash as usize, op)?;
            const IN: &str = "id IN (SELECT value FROM json_each(?1))";
            let n = match op {
                TrashOp::Trash => tx.exec(
                    &format!("UPDATE sessions SET deleted_at = ?2 WHERE {IN} AND deleted_at IS NULL"),
                    params![list, now()],
                )?,
                TrashOp::Restore => tx.exec(
                    &format!("UPDATE sessions SET deleted_at = NULL WHERE {IN} AND deleted_at IS NOT NULL"),
                    [&list],
                )?,
                TrashOp::Purge => tx.exec(&format!("DELETE FROM sessions WHERE {IN}"), [&list])?,
            };
            Ok(n)
        })
    }
}
