//! The trash in PostgreSQL.

use super::{Db, exec, get, one, pg};
use crate::store::trash::{TrashOp, check_batch, distinct};
use crate::store::{Result, now};

impl Db {
    /// See [`Store::trash`](crate::store::Store::trash).
    pub async fn trash(&self, ids: &[String], op: TrashOp) -> Result<usize> {
        let ids = distinct(ids);
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        // the rows stay locked until the change commits
        let r = one(
            &tx,
            "SELECT COUNT(*), COUNT(deleted_at) FROM (
                 SELECT deleted_at FROM sessions
                 WHERE id = ANY($1) AND ($2::TEXT IS NULL OR owner = $2) FOR UPDATE) s",
            &[&ids, &self.owner()],
        )
        .await?;
        let (owned, in_trash): (i64, i64) = (get(&r, 0)?, get(&r, 1)?);
        check_batch(ids.len(), owned as usize, in_trash as usize, op)?;
        let n = match op {
            TrashOp::Trash => {
                exec(
                    &tx,
                    "UPDATE sessions SET deleted_at = $2 WHERE id = ANY($1) AND deleted_at IS NULL",
                    &[&ids, &now()],
                )
                .await?
            }
            TrashOp::Restore => {
                exec(
                    &tx,
                    "UPDATE sessions SET deleted_at = NULL WHERE id = ANY($1) AND deleted_at IS NOT NULL",
                    &[&ids],
                )
                .await?
            }
            TrashOp::Purge => exec(&tx, "DELETE FROM sessions WHERE id = ANY($1)", &[&ids]).await?,
        };
        tx.commit().await.map_err(pg)?;
        Ok(n as usize)
    }
}
