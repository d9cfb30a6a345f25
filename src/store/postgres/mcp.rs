//! The MCP registry in PostgreSQL.

use super::{Db, exec, get, insert, pg, row, rows};
use crate::store::mcp::{MCP_SELECT as SELECT, name_taken};
use crate::store::{McpServerRow, NewMcpServer, Result, new_id, not_found, now};
use tokio_postgres::Row;

fn server_row(r: &Row) -> Result<McpServerRow> {
    let json = |i: usize| -> Result<&str> { get(r, i) };
    Ok(McpServerRow {
        id: get(r, 0)?,
        name: get(r, 1)?,
        transport: get(r, 2)?,
        command: get(r, 3)?,
        args: serde_json::from_str(json(4)?).unwrap_or_default(),
        env: serde_json::from_str(json(5)?).unwrap_or_default(),
        url: get(r, 6)?,
        headers: serde_json::from_str(json(7)?).unwrap_or_default(),
        enabled: get(r, 8)?,
        scope: get(r, 9)?,
        project_id: get(r, 10)?,
        created_at: get(r, 11)?,
    })
}

impl Db {
    /// See [`Store::mcp_servers`](crate::store::Store::mcp_servers).
    pub async fn mcp_servers(&self) -> Result<Vec<McpServerRow>> {
        let c = self.client().await?;
        rows(
            &c,
            &format!("{SELECT} ORDER BY transport <> 'builtin', name"),
            &[],
        )
        .await?
        .iter()
        .map(server_row)
        .collect()
    }

    /// See [`Store::mcp_server`](crate::store::Store::mcp_server).
    pub async fn mcp_server(&self, id_or_name: &str) -> Result<McpServerRow> {
        let c = self.client().await?;
        row(
            &c,
            &format!("{SELECT} WHERE id = $1 OR name = $1"),
            &[&id_or_name],
        )
        .await?
        .as_ref()
        .map(server_row)
        .transpose()?
        .ok_or_else(|| not_found("MCP server", id_or_name))
    }

    /// See [`Store::add_mcp_server`](crate::store::Store::add_mcp_server).
    pub async fn add_mcp_server(&self, new: &NewMcpServer) -> Result<McpServerRow> {
        let id = new_id();
        let at = now();
        let scope = new.scope();
        let (args, env, headers) = new.json_columns()?;
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        if row(
            &tx,
            "SELECT 1 FROM mcp_servers WHERE name = $1",
            &[&new.name],
        )
        .await?
        .is_some()
        {
            return Err(name_taken(&new.name));
        }
        // another instance may register the name after we looked: the index says so then
        insert(
            &tx,
            "INSERT INTO mcp_servers (id, name, transport, command, args, env, url, headers, scope, project_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            &[
                &id,
                &new.name,
                &new.transport,
                &new.command,
                &args,
                &env,
                &new.url,
                &headers,
                &scope,
                &new.project_id,
                &at,
            ],
            || name_taken(&new.name),
        )
        .await?;
        let r = row(&tx, &format!("{SELECT} WHERE id = $1"), &[&id]).await?;
        let out = r
            .as_ref()
            .map(server_row)
            .transpose()?
            .ok_or_else(|| not_found("MCP server", &id))?;
        tx.commit().await.map_err(pg)?;
        Ok(out)
    }

    /// See [`Store::delete_mcp_server`](crate::store::Store::delete_mcp_server).
    pub async fn delete_mcp_server(&self, id: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(
            &c,
            "DELETE FROM mcp_servers WHERE id = $1 AND transport <> 'builtin'",
            &[&id],
        )
        .await?
            > 0)
    }

    /// See [`Store::set_mcp_enabled`](crate::store::Store::set_mcp_enabled).
    pub async fn set_mcp_enabled(&self, id: &str, on: bool) -> Result<()> {
        let c = self.client().await?;
        let n = exec(
            &c,
            "UPDATE mcp_servers SET enabled = $2, updated_at = $3 WHERE id = $1",
            &[&id, &on, &now()],
        )
        .await?;
        if n == 0 {
            return Err(not_found("MCP server", id));
        }
        Ok(())
    }

    /// See [`Store::session_servers`](crate::store::Store::session_servers).
    pub async fn session_servers(&self, session_id: &str) -> Result<Vec<McpServerRow>> {
        let c = self.client().await?;
        rows(
            &c,
            &format!(
                "{SELECT} WHERE enabled AND id IN (SELECT server_id FROM session_servers WHERE session_id = $1) ORDER BY name"
            ),
            &[&session_id],
        )
        .await?
        .iter()
        .map(server_row)
        .collect()
    }

    /// See [`Store::set_session_server`](crate::store::Store::set_session_server).
    pub async fn set_session_server(
        &self,
        session_id: &str,
        server_id: &str,
        on: bool,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        session_exists(&tx, self.owner(), session_id).await?;
        let sql = if on {
            "INSERT INTO session_servers (session_id, server_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM session_servers WHERE session_id = $1 AND server_id = $2"
        };
        exec(&tx, sql, &[&session_id, &server_id]).await?;
        tx.commit().await.map_err(pg)
    }

    /// See [`Store::enable_session_servers`](crate::store::Store::enable_session_servers).
    pub async fn enable_session_servers(
        &self,
        session_id: &str,
        names: &[String],
    ) -> Result<Vec<McpServerRow>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg)?;
        session_exists(&tx, self.owner(), session_id).await?;
        let mut on: Vec<McpServerRow> = Vec::new();
        for name in names {
            let found = row(
                &tx,
                &format!("{SELECT} WHERE id = $1 OR name = $1"),
                &[name],
            )
            .await?
            .as_ref()
            .map(server_row)
            .transpose()?;
            if let Some(r) = found {
                exec(
                    &tx,
                    "INSERT INTO session_servers (session_id, server_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&session_id, &r.id],
                )
                .await?;
                if !on.iter().any(|o| o.id == r.id) {
                    on.push(r);
                }
            }
        }
        tx.commit().await.map_err(pg)?;
        Ok(on)
    }

    /// See [`Store::tool_permission`](crate::store::Store::tool_permission).
    pub async fn tool_permission(&self, tool: &str) -> Result<Option<String>> {
        let c = self.client().await?;
        row(
            &c,
            "SELECT decision FROM tool_permissions WHERE owner = $1 AND tool = $2",
            &[&self.new_owner(), &tool],
        )
        .await?
        .map(|r| get(&r, 0))
        .transpose()
    }

    /// See [`Store::set_tool_permission`](crate::store::Store::set_tool_permission).
    pub async fn set_tool_permission(&self, tool: &str, decision: &str) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "INSERT INTO tool_permissions (owner, tool, decision, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (owner, tool) DO UPDATE SET decision = excluded.decision, updated_at = excluded.updated_at",
            &[&self.new_owner(), &tool, &decision, &now()],
        )
        .await?;
        Ok(())
    }
}

async fn session_exists(
    c: &impl deadpool_postgres::GenericClient,
    owner: Option<&str>,
    id: &str,
) -> Result<()> {
    row(
        c,
        "SELECT 1 FROM sessions WHERE id = $1 AND ($2::TEXT IS NULL OR owner = $2)",
        &[&id, &owner],
    )
    .await?
    .map(|_| ())
    .ok_or_else(|| not_found("session", id))
}
