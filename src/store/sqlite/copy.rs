//! `db copy` on SQLite: every table read in one transaction, written in one.

use super::{Cached, Db};
use crate::store::Result;
use crate::store::copy::{
    Cell, Dump, Report, TABLES, Table, check_table, held_rows_sql, refuse_held,
};
use rusqlite::types::{Value, ValueRef};

impl Db {
    /// Every row of every table, in primary-key order, from one snapshot.
    pub fn export_all(&self) -> Result<Dump> {
        let conn = self.conn()?;
        conn.execute_batch("BEGIN DEFERRED")?;
        let out = (|| {
            let mut tables = Vec::new();
            for name in TABLES {
                // sessions in insertion order (the tie-break of their listing), the rest by key,
                // as the PostgreSQL engine gives them
                let order = if *name == "sessions" { "rowid" } else { "1, 2" };
                let mut st =
                    conn.prepare_cached(&format!("SELECT * FROM {name} ORDER BY {order}"))?;
                let columns: Vec<String> = st.column_names().map(str::to_owned).collect();
                let n = columns.len();
                let rows = st
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| {
                                Ok(match r.get_ref(i)? {
                                    ValueRef::Null => Cell::Null,
                                    ValueRef::Integer(v) => Cell::Int(v),
                                    ValueRef::Real(v) => Cell::Real(v),
                                    ValueRef::Text(t) => {
                                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                                    }
                                    ValueRef::Blob(b) => {
                                        Cell::Text(String::from_utf8_lossy(b).into_owned())
                                    }
                                })
                            })
                            .collect::<rusqlite::Result<Vec<Cell>>>()
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                tables.push(Table {
                    name: (*name).to_owned(),
                    columns,
                    rows,
                });
            }
            Ok(Dump { tables })
        })();
        conn.execute_batch("COMMIT")?;
        out
    }

    /// Writes a dump in one transaction (see `Store::import_all`).
    pub fn import_all(&self, dump: &Dump, force: bool) -> Result<Report> {
        self.write(|tx| {
            if !force {
                let held: i64 = tx.one(&format!("SELECT {}", held_rows_sql()), [], |r| r.get(0))?;
                refuse_held(held)?;
            }
            for name in TABLES.iter().rev() {
                tx.exec(&format!("DELETE FROM {name}"), [])?;
            }
            let mut report = Report::default();
            for t in &dump.tables {
                check_table(&t.name)?;
                let cols = t.columns.join(", ");
                let marks = (1..=t.columns.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut st = tx
                    .prepare_cached(&format!("INSERT INTO {} ({cols}) VALUES ({marks})", t.name))?;
                for row in &t.rows {
                    let values: Vec<Value> = row
                        .iter()
                        .map(|c| match c {
                            Cell::Null => Value::Null,
                            Cell::Int(v) => Value::Integer(*v),
                            Cell::Real(v) => Value::Real(*v),
                            Cell::Text(s) => Value::Text(s.clone()),
                        })
                        .collect();
                    st.execute(rusqlite::params_from_iter(values))?;
                }
                report.tables.push((t.name.clone(), t.rows.len()));
            }
            // the imported messages' ids say nothing of what was indexed: all of it again,
            // at the next catch-up (see migration 0011)
            tx.execute_batch(
                "INSERT INTO messages_fts (messages_fts) VALUES ('delete-all');
                 UPDATE search_progress SET upto = 0;",
            )?;
            Ok(report)
        })
    }
}
