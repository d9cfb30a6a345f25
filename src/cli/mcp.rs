//! `clauded mcp`: register, list, inspect, call and import MCP tool servers.

use super::App;
use super::output::{self, note};
use crate::config::{Env, Overrides};
use crate::engine::tools::ToolHost;
use crate::error::{Error, Result};
use crate::store::{McpServerRow, NewMcpServer};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// `clauded mcp` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register a server: `mcp add NAME -- COMMAND [ARGS...]` or `mcp add NAME --url URL`.
    Add {
        /// Unique name (the `server` in `server__tool`).
        name: String,
        /// Streamable HTTP endpoint instead of a command.
        #[arg(long, conflicts_with = "command")]
        url: Option<String>,
        /// Environment for the command, `K=V` (repeatable).
        #[arg(long = "env", value_name = "K=V")]
        env: Vec<String>,
        /// Header for the URL, `K:V` (repeatable).
        #[arg(long = "header", value_name = "K:V")]
        headers: Vec<String>,
        /// Only for this project (id, prefix or name).
        #[arg(long)]
        project: Option<String>,
        /// The command and its arguments, after `--`.
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// List registered servers (secret values are never shown).
    #[command(alias = "ls")]
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a server.
    #[command(alias = "remove")]
    Rm {
        /// Name or id.
        name: String,
    },
    /// Connect and list a server's tools.
    Tools {
        /// Name or id.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call one tool and print its result.
    Call {
        /// Server name or id.
        name: String,
        /// Tool name.
        tool: String,
        /// Arguments as a JSON object.
        #[arg(long, default_value = "{}")]
        args: String,
        /// Root for the built-in servers (default: the current directory).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import the `mcpServers` of a Claude Desktop or Claude Code config file.
    Import {
        /// The JSON file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn pairs(items: &[String], sep: char, what: &str) -> Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|i| {
            i.split_once(sep)
                .map(|(k, v)| (k.trim().to_owned(), v.trim_start().to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| Error::Usage(format!("{what} {i:?} must look like KEY{sep}VALUE")))
        })
        .collect()
}

fn host(config: &crate::config::Config) -> std::sync::Arc<ToolHost> {
    ToolHost::with_settings(
        Duration::from_secs(30),
        Duration::from_secs(120),
        config.tools.clone(),
    )
}

/// Runs `clauded mcp`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(&Overrides::default(), g)?;
    let store = app.store().await?;
    match cmd {
        Command::Add {
            name,
            url,
            env,
            headers,
            project,
            command,
        } => {
            let project_id = match project {
                Some(p) => Some(store.resolve_project(&p).await?.id),
                None => None,
            };
            let new = match (url, command.split_first()) {
                (Some(url), _) => {
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(Error::Usage(format!("--url must be http(s), not {url:?}")));
                    }
                    NewMcpServer {
                        name,
                        transport: "http".into(),
                        url: Some(url),
                        headers: pairs(&headers, ':', "--header")?,
                        project_id,
                        ..Default::default()
                    }
                }
                (None, Some((cmd, args))) => NewMcpServer {
                    name,
                    transport: "stdio".into(),
                    command: Some(cmd.clone()),
                    args: args.to_vec(),
                    env: pairs(&env, '=', "--env")?,
                    project_id,
                    ..Default::default()
                },
                (None, None) => {
                    return Err(Error::Usage("give the server's command after `--` (mcp add NAME -- npx -y pkg) or --url URL".into()));
                }
            };
            check_name(&new.name)?;
            let row = store.add_mcp_server(&new).await?;
            let secrets: Vec<String> = (row.env.keys().map(|k| format!("{k}=***")))
                .chain(row.headers.keys().map(|k| format!("{k}: ***")))
                .collect();
            let secrets = if secrets.is_empty() {
                String::new()
            } else {
                format!(" with {}", secrets.join(", "))
            };
            output::out(format_args!(
                "added MCP server {} ({}: {}{secrets}), id {}",
                row.name,
                row.transport,
                target(&row),
                row.id
            ))?;
            note(
                quiet,
                &format!(
                    "offer its tools with `clauded chat --mcp {}` (or ask --mcp); a session remembers them",
                    row.name
                ),
            );
            Ok(())
        }
        Command::List { json } => {
            let rows = store.mcp_servers().await?;
            if json {
                return Ok(output::print_json(
                    &rows
                        .iter()
                        .map(McpServerRow::public_json)
                        .collect::<Vec<_>>(),
                )?);
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.transport.clone(),
                        offered(r),
                        r.scope.clone(),
                        target(r),
                    ]
                })
                .collect();
            output::print_table(
                &["NAME", "TRANSPORT", "OFFERED", "SCOPE", "COMMAND/URL"],
                &table,
            )?;
            note(
                quiet,
                "ask and chat offer a server's tools only with --mcp NAME (a session remembers it); \
                 clauded run always has filesystem and bash",
            );
            Ok(())
        }
        Command::Rm { name } => {
            let n = name.clone();
            let row = store.mcp_server(&n).await?;
            if row.is_builtin() {
                return Err(Error::Usage(format!(
                    "{} is built in and cannot be removed",
                    row.name
                )));
            }
            let id = row.id.clone();
            store.delete_mcp_server(&id).await?;
            note(quiet, &format!("removed MCP server {}", row.name));
            Ok(())
        }
        Command::Tools { name, json } => {
            let row = store.mcp_server(&name).await?;
            let h = host(&app.config);
            let tools = h
                .server_tools(&row)
                .await
                .map_err(|e| Error::Other(format!("cannot list the tools of {}: {e}", row.name)));
            h.shutdown().await;
            let tools = tools?;
            if json {
                return Ok(output::print_json(&tools)?);
            }
            let table: Vec<Vec<String>> = tools
                .iter()
                .map(|t| {
                    let d = t.description.clone().unwrap_or_default();
                    let first = output::clip(d.lines().next().unwrap_or(""), 90);
                    vec![
                        crate::mcp::sanitize_tool_name(&row.name, &t.name),
                        // read-only tools run without asking; the others ask first
                        if t.read_only { "yes" } else { "no" }.into(),
                        first,
                    ]
                })
                .collect();
            Ok(output::print_table(
                &["TOOL", "READ-ONLY", "DESCRIPTION"],
                &table,
            )?)
        }
        Command::Call {
            name,
            tool,
            args,
            root,
            json,
        } => {
            let args: Value = serde_json::from_str(&args)
                .map_err(|e| Error::Usage(format!("--args is not JSON: {e}")))?;
            if !args.is_object() {
                return Err(Error::Usage("--args must be a JSON object".into()));
            }
            let row = store.mcp_server(&name).await?;
            let root = match root {
                Some(r) => r,
                None => std::env::current_dir()?,
            };
            let h = host(&app.config);
            let out = h.call(&row, &root, &tool, args, None).await;
            h.shutdown().await;
            if json {
                output::print_json(&out)?;
            } else {
                output::out(out.text())?;
            }
            if out.is_error {
                return Err(Error::Other(format!(
                    "{}__{tool} reported an error",
                    row.name
                )));
            }
            Ok(())
        }
        Command::Import { file, json } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::Usage(format!("cannot read {}: {e}", file.display())))?;
            let report = import(&store, &text, &app.env).await?;
            if json {
                return Ok(output::print_json(&report)?);
            }
            for (name, what) in report["added"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| (v.as_str().unwrap_or(""), "added"))
            {
                output::out(format_args!("{what:<8} {name}"))?;
            }
            for s in report["skipped"].as_array().into_iter().flatten() {
                output::out(format_args!(
                    "skipped  {}: {}",
                    s["name"].as_str().unwrap_or(""),
                    s["reason"].as_str().unwrap_or("")
                ))?;
            }
            Ok(())
        }
    }
}

/// What a server runs or where it is, for listings.
fn target(r: &McpServerRow) -> String {
    match r.transport.as_str() {
        "builtin" => "(built in)".to_owned(),
        "http" => r.url.clone().unwrap_or_default(),
        _ => std::iter::once(r.command.clone().unwrap_or_default())
            .chain(r.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Who gets a server's tools: `ask`/`chat` only when named with --mcp, runs the built-ins.
fn offered(r: &McpServerRow) -> String {
    match (r.enabled, r.is_builtin()) {
        (false, _) => "no (disabled)".to_owned(),
        (true, true) => format!("with --mcp {}; in every run", r.name),
        (true, false) => format!("with --mcp {}", r.name),
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 40
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::Usage(format!(
            "server name {name:?} must be 1-40 characters of letters, digits, '-' and '_' (it prefixes tool names)"
        )));
    }
    Ok(())
}

/// Expands `${VAR}` and `${VAR:-default}` from the environment; an unset variable without a
/// default is an error naming it.
pub fn expand(s: &str, env: &Env) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed ${{ in {s:?}"))?;
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((v, d)) => (v, Some(d)),
            None => (inner, None),
        };
        match (env.get(var).filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return Err(format!("${{{var}}} is not set")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

async fn import(store: &crate::store::Store, text: &str, env: &Env) -> Result<Value> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| Error::Usage(format!("the file is not JSON: {e}")))?;
    let servers = doc
        .get("mcpServers")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::Usage("the file has no \"mcpServers\" object".into()))?;
    let mut added = Vec::new();
    let mut skipped = Vec::new();
    for (name, cfg) in servers {
        match import_one(name, cfg, env) {
            Err(reason) => skipped.push(json!({"name": name, "reason": reason})),
            Ok(new) => {
                let n = name.clone();
                match store.add_mcp_server(&new).await {
                    Ok(_) => added.push(json!(n)),
                    Err(crate::store::Error::Conflict(_)) => skipped
                        .push(json!({"name": name, "reason": "a server with this name exists"})),
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(json!({"added": added, "skipped": skipped}))
}

fn import_one(name: &str, cfg: &Value, env: &Env) -> std::result::Result<NewMcpServer, String> {
    check_name(name).map_err(|e| e.to_string())?;
    let x = |s: &str| expand(s, env);
    let map = |v: Option<&Value>| -> std::result::Result<BTreeMap<String, String>, String> {
        v.and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| Ok((k.clone(), x(v.as_str().unwrap_or_default())?)))
                    .collect()
            })
            .unwrap_or(Ok(BTreeMap::new()))
    };
    let kind = cfg
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(if cfg.get("command").is_some() {
            "stdio"
        } else {
            "http"
        });
    match kind {
        "stdio" => {
            let command = cfg.get("command").and_then(Value::as_str).ok_or("no command")?;
            let args = cfg
                .get("args")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|v| x(v.as_str().unwrap_or_default())).collect::<std::result::Result<Vec<_>, _>>())
                .transpose()?
                .unwrap_or_default();
            Ok(NewMcpServer { name: name.into(), transport: "stdio".into(), command: Some(x(command)?), args, env: map(cfg.get("env"))?, ..Default::default() })
        }
        "http" | "streamable-http" | "streamableHttp" => {
            let url = cfg.get("url").and_then(Value::as_str).ok_or("no url")?;
            Ok(NewMcpServer { name: name.into(), transport: "http".into(), url: Some(x(url)?), headers: map(cfg.get("headers"))?, ..Default::default() })
        }
        "sse" => Err("the legacy HTTP+SSE transport is not supported; use the server's Streamable HTTP endpoint".into()),
        other => Err(format!("unknown type {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn expansion() {
        let env = Env::from_maps(
            [("TOKEN".to_string(), "abc".to_string())].into(),
            HashMap::new(),
        );
        assert_eq!(expand("Bearer ${TOKEN}", &env).unwrap(), "Bearer abc");
        assert_eq!(expand("${MISSING:-/tmp}/x", &env).unwrap(), "/tmp/x");
        assert!(expand("${MISSING}", &env).unwrap_err().contains("MISSING"));
        assert_eq!(expand("plain", &env).unwrap(), "plain");
    }
}
