//! `db copy` on PostgreSQL: every table read from one snapshot, written in one transaction
//! with the ids given (identity columns overridden, their sequences moved past them).

use super::{Db, exec, get, pg, rows};
use crate::store::copy::{
    Cell, Dump, Report, TABLES, Table, check_table, held_rows_sql, refuse_held,
};
use crate::store::{Error, Result};
use deadpool_postgres::GenericClient;

/// A table's columns shared with SQLite (not `sessions.seq`, not generated ones) and their
/// types.
async fn columns(c: &impl GenericClient, table: &str) -> Result<Vec<(String, String)>> {
    rows(
        c,
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1
           AND is_generated = 'NEVER' AND NOT (table_name = 'sessions' AND column_name = 'seq')
         ORDER BY ordinal_position",
        &[&table],
    )
    .await?
    .iter()
    .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
    .collect()
}

fn cell(ty: &str, text: Option<String>) -> Result<Cell> {
    let Some(t) = text else {
        return Ok(Cell::Null);
    };
    let bad = |e: &dyn std::fmt::Display| Error::Corrupt(format!("{ty} value {t:?}: {e}"));
    Ok(match ty {
        "bigint" | "integer" | "smallint" | "boolean" => Cell::Int(t.parse().map_err(|e| bad(&e))?),
        "double precision" | "real" | "numeric" => Cell::Real(t.parse().map_err(|e| bad(&e))?),
        _ => Cell::Text(t),
    })
}

fn text(c: &Cell) -> Option<String> {
    match c {
        Cell::Null => None,
        Cell::Int(v) => Some(v.to_string()),
        // Rust's shortest exact form, which PostgreSQL reads back to the same double
        Cell::Real(v) => Some(v.to_string()),
        Cell::Text(s) => Some(s.clone()),
    }
}

impl Db {
    /// Every row of every table, in insertion order, from one snapshot.
    pub async fn export_all(&self) -> Result<Dump> {
        let mut c = self.client().await?;
        let tx = super::read_tx(&mut c).await?;
        let mut tables = Vec::new();
        for name in TABLES {
            let cols = columns(&tx, name).await?;
            let select = cols
                .iter()
                .map(|(n, ty)| match ty.as_str() {
                    "boolean" => format!("({n})::INT::TEXT"),
                    _ => format!("({n})::TEXT"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            // by the columns themselves (not their text), as SQLite's export orders them
            let order = match *name {
                "sessions" => "t.seq".to_owned(),
                _ => format!("t.{}, t.{}", cols[0].0, cols[1].0),
            };
            let found = rows(
                &tx,
                &format!("SELECT {select} FROM {name} t ORDER BY {order}"),
                &[],
            )
            .await?;
            let mut out = Vec::with_capacity(found.len());
            for r in &found {
                let mut row = Vec::with_capacity(cols.len());
                for (i, (_, ty)) in cols.iter().enumerate() {
                    row.push(cell(ty, get(r, i)?)?);
                }
                out.push(row);
            }
            tables.push(Table {
                name: (*name).to_owned(),
                columns: cols.into_iter().map(|(n, _)| n).collect(),
                rows: out,
            });
        }
        tx.commit().await.map_err(pg)?;
        Ok(Dump { tables })
    }

    /// Writes a dump in one transaction (see `Store::import_all`).
    pub async fn import_all(&self, dump: &Dump, force: bool) -> Result<Report> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        if !force {
            let count = held_rows_sql();
            let held: i64 = get(
                &super::one(&tx, &format!("SELECT ({count})::BIGINT"), &[]).await?,
                0,
            )?;
            refuse_held(held)?;
        }
        for name in TABLES.iter().rev() {
            exec(&tx, &format!("DELETE FROM {name}"), &[]).await?;
        }
        let mut report = Report::default();
        for t in &dump.tables {
            check_table(&t.name)?;
            let types = columns(&tx, &t.name).await?;
            let mut casts = Vec::new();
            for col in &t.columns {
                let ty = types
                    .iter()
                    .find(|(n, _)| n == col)
                    .map(|(_, ty)| ty.clone())
                    .ok_or_else(|| {
                        Error::Corrupt(format!("{}.{col} is not a column here", t.name))
                    })?;
                casts.push(ty);
            }
            let marks = casts
                .iter()
                .enumerate()
                .map(|(i, ty)| match ty.as_str() {
                    // SQLite's 0/1
                    "boolean" => format!("(${}::TEXT)::INT::BOOLEAN", i + 1),
                    ty => format!("(${}::TEXT)::{ty}", i + 1),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let identity = t.columns.iter().any(|c| c == "id")
                && matches!(
                    t.name.as_str(),
                    "messages" | "events" | "request_log" | "approval_events"
                );
            let sql = format!(
                "INSERT INTO {} ({}) {}VALUES ({marks})",
                t.name,
                t.columns.join(", "),
                if identity {
                    "OVERRIDING SYSTEM VALUE "
                } else {
                    ""
                }
            );
            let st = tx.prepare_cached(&sql).await.map_err(pg)?;
            for row in &t.rows {
                let values: Vec<Option<String>> = row.iter().map(text).collect();
                let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = values
                    .iter()
                    .map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync))
                    .collect();
                tx.execute(&st, &params).await.map_err(pg)?;
            }
            if identity {
                // new rows continue after the copied ids
                exec(
                    &tx,
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{0}', 'id'), GREATEST((SELECT max(id) FROM {0}), 1), (SELECT max(id) FROM {0}) IS NOT NULL)",
                        t.name
                    ),
                    &[],
                )
                .await?;
            }
            report.tables.push((t.name.clone(), t.rows.len()));
        }
        tx.commit().await.map_err(pg)?;
        Ok(report)
    }
}
