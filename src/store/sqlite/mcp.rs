//! The MCP registry in SQLite.

use super::{Cached, Db};
use crate::store::mcp::{MCP_SELECT as SELECT, name_taken};
use crate::store::{McpServerRow, NewMcpServer, Result, new_id, not_found, now};
use rusqlite::{OptionalExtension, params};

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<McpServerRow> {
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    Ok(McpServerRow {
        id: r.get(0)?,
        name: r.get(1)?,
        transport: r.get(2)?,
        command: r.get(3)?,
        args: serde_json::from_str(&json(4)?).unwrap_or_default(),
        env: serde_json::from_str(&json(5)?).unwrap_or_default(),
        url: r.get(6)?,
        headers: serde_json::from_str(&json(7)?).unwrap_or_default(),
        enabled: r.get(8)?,
        scope: r.get(9)?,
        project_id: r.get(10)?,
        created_at: r.get(11)?,
    })
}

fn session_exists(tx: &rusqlite::Transaction<'_>, owner: Option<&str>, id: &str) -> Result<()> {
    tx.one(
        "SELECT 1 FROM sessions WHERE id = ?1 AND (?2 IS NULL OR owner = ?2)",
        params![id, owner],
        |_| Ok(()),
    )
    .optional()?
    .ok_or_else(|| not_found("session", id))
}

impl Db {
    /// See [`Store::mcp_servers`](crate::store::Store::mcp_servers).
    pub fn mcp_servers(&self) -> Result<Vec<McpServerRow>> {
        let conn = self.conn()?;
        let mut st =
            conn.prepare_cached(&format!("{SELECT} ORDER BY transport != 'builtin', name"))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// See [`Store::mcp_server`](crate::store::Store::mcp_server).
    pub fn mcp_server(&self, id_or_name: &str) -> Result<McpServerRow> {
        let conn = self.conn()?;
        conn.one(
            &format!("{SELECT} WHERE id = ?1 OR name = ?1"),
            [id_or_name],
            row,
        )
        .optional()?
        .ok_or_else(|| not_found("MCP server", id_or_name))
    }

    /// See [`Store::add_mcp_server`](crate::store::Store::add_mcp_server).
    pub fn add_mcp_server(&self, new: &NewMcpServer) -> Result<McpServerRow> {
        let id = new_id();
        let at = now();
        let scope = new.scope();
        let (args, env, headers) = new.json_columns()?;
        self.write(|tx| {
            let taken: bool = tx
                .one("SELECT 1 FROM mcp_servers WHERE name = ?1", [&new.name], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if taken {
                return Err(name_taken(&new.name));
            }
            tx.exec(
                "INSERT INTO mcp_servers (id, name, transport, command, args, env, url, headers, scope, project_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                params![id, new.name, new.transport, new.command, args, env, new.url, headers, scope, new.project_id, at],
            )?;
            Ok(())
        })?;
        self.mcp_server(&id)
    }

    /// See [`Store::delete_mcp_server`](crate::store::Store::delete_mcp_server).
    pub fn delete_mcp_server(&self, id: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM mcp_servers WHERE id = ?1 AND transport != 'builtin'",
                [id],
            )? > 0)
        })
    }

    /// See [`Store::set_mcp_enabled`](crate::store::Store::set_mcp_enabled).
    pub fn set_mcp_enabled(&self, id: &str, on: bool) -> Result<()> {
        let n = self.write(|tx| {
            Ok(tx.exec(
                "UPDATE mcp_servers SET enabled = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, on, now()],
            )?)
        })?;
        if n == 0 {
            return Err(not_found("MCP server", id));
        }
        Ok(())
    }

    /// See [`Store::session_servers`](crate::store::Store::session_servers).
    pub fn session_servers(&self, session_id: &str) -> Result<Vec<McpServerRow>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(&format!(
            "{SELECT} WHERE enabled = 1 AND id IN (SELECT server_id FROM session_servers WHERE session_id = ?1) ORDER BY name"
        ))?;
        let rows = st.query_map([session_id], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Turns a server on or off for a session.
    pub fn set_session_server(&self, session_id: &str, server_id: &str, on: bool) -> Result<()> {
        self.write(|tx| {
            session_exists(tx, self.owner(), session_id)?;
            if on {
                tx.exec(
                    "INSERT OR IGNORE INTO session_servers (session_id, server_id) VALUES (?1, ?2)",
                    params![session_id, server_id],
                )?;
            } else {
                tx.exec(
                    "DELETE FROM session_servers WHERE session_id = ?1 AND server_id = ?2",
                    params![session_id, server_id],
                )?;
            }
            Ok(())
        })
    }

    /// See [`Store::enable_session_servers`](crate::store::Store::enable_session_servers).
    pub fn enable_session_servers(
        &self,
        session_id: &str,
        names: &[String],
    ) -> Result<Vec<McpServerRow>> {
        self.write(|tx| {
            session_exists(tx, self.owner(), session_id)?;
            let mut on = Vec::new();
            for name in names {
                let found = tx
                    .one(&format!("{SELECT} WHERE id = ?1 OR name = ?1"), [name], row)
                    .optional()?;
                if let Some(r) = found {
                    tx.exec(
                        "INSERT OR IGNORE INTO session_servers (session_id, server_id) VALUES (?1, ?2)",
                        params![session_id, r.id],
                    )?;
                    if !on.iter().any(|o: &McpServerRow| o.id == r.id) {
                        on.push(r);
                    }
                }
            }
            Ok(on)
        })
    }

    /// See [`Store::tool_permission`](crate::store::Store::tool_permission).
    pub fn tool_permission(&self, tool: &str) -> Result<Option<String>> {
        let conn = self.conn()?;
        Ok(conn
            .one(
                "SELECT decision FROM tool_permissions WHERE owner = ?1 AND tool = ?2",
                params![self.new_owner(), tool],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// See [`Store::set_tool_permission`](crate::store::Store::set_tool_permission).
    pub fn set_tool_permission(&self, tool: &str, decision: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO tool_permissions (owner, tool, decision, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(owner, tool) DO UPDATE SET decision = excluded.decision, updated_at = excluded.updated_at",
                params![self.new_owner(), tool, decision, now()],
            )?;
            Ok(())
        })
    }
}
