//! `clauded sessions`: list, show, delete and export stored sessions.

use super::App;
use super::output::{self, money, when};
use crate::anthropic::{ContentBlock, Role, ToolResultContent};
use crate::config::Overrides;
use crate::error::{Error, Result};
use crate::store::{SearchResults, Session, SessionFilter, Store, StoredMessage, fts_query};
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;

/// `clauded sessions` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List sessions, most recent first.
    #[command(alias = "ls")]
    List {
        /// Only this project's (id, prefix or name).
        #[arg(short, long)]
        project: Option<String>,
        /// At most this many.
        #[arg(short = 'n', long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a session's conversation (Claude's Markdown rendered on a terminal).
    Show {
        /// Session id or unique prefix.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Print Claude's answers as written, without rendering their Markdown.
        #[arg(long)]
        raw: bool,
    },
    /// Search every stored message, newest first.
    Search {
        /// Words that must all occur (`"a phrase"`, `pre*` for words starting so).
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// At most this many hits.
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a session and its messages.
    #[command(alias = "delete")]
    Rm {
        /// Session id or unique prefix.
        id: String,
    },
    /// Export a session as Markdown or JSON.
    Export {
        /// Session id or unique prefix.
        id: String,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Md)]
        format: Format,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Markdown transcript.
    Md,
    /// JSON: the session and its messages.
    Json,
}

/// Runs `clauded sessions`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let quiet = g.quiet;
    let app = App::load(&Overrides::default(), g)?;
    let store = app.store().await?;
    match cmd {
        Command::List {
            project,
            limit,
            json,
        } => {
            let project_id = match project {
                Some(p) => Some(store.resolve_project(&p).await?.id),
                None => None,
            };
            let list = store
                .sessions(&SessionFilter {
                    project_id,
                    limit: Some(limit),
                    ..Default::default()
                })
                .await?;
            let all = store.session_ids().await?;
            if json {
                return Ok(output::print_json(&list)?);
            }
            if list.is_empty() {
                output::note(
                    quiet,
                    "no sessions yet: start one with `clauded chat` or `clauded ask`",
                );
                return Ok(());
            }
            let len = output::unique_len(list.iter().map(|s| s.id.as_str()), &all);
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        output::prefix(&s.id, len).to_owned(),
                        when(&s.updated_at),
                        s.message_count.to_string(),
                        s.total_tokens.to_string(),
                        money(s.total_cost),
                        s.model.clone(),
                        s.title.clone(),
                    ]
                })
                .collect();
            Ok(output::print_table(
                &["ID", "UPDATED", "MSGS", "TOKENS", "COST", "MODEL", "TITLE"],
                &rows,
            )?)
        }
        Command::Show { id, json, raw } => {
            let width = super::render::terminal_width(raw);
            let (session, messages) = load(&store, id).await?;
            if json {
                return Ok(output::print_json(
                    &json!({"session": session, "messages": messages}),
                )?);
            }
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}",
                output::dim(&format!(
                    "session {} · {} · {} messages · {} tokens · {}",
                    session.id,
                    session.model,
                    session.message_count,
                    session.total_tokens,
                    money(session.total_cost)
                ))
            )?;
            for m in &messages {
                let who = match m.role {
                    Role::User => "you".to_owned(),
                    Role::Assistant => format!("claude ({})", m.model.as_deref().unwrap_or("?")),
                };
                writeln!(
                    out,
                    "\n{}",
                    output::dim(&format!("── {who} · {}", when(&m.created_at)))
                )?;
                let text = render_blocks(m, false);
                match width {
                    Some(w) if m.role == Role::Assistant => {
                        write!(out, "{}", super::render::render_all(text.trim_end(), w))?
                    }
                    _ => writeln!(out, "{}", text.trim_end())?,
                }
            }
            Ok(())
        }
        Command::Search { text, limit, json } => {
            let text = text.join(" ");
            let started = std::time::Instant::now();
            let (found, all) = search(&store, text.clone(), limit).await?;
            if json {
                return Ok(output::print_json(&found)?);
            }
            let mut out = std::io::stdout().lock();
            let width = super::render::terminal_width(false);
            print_hits(&found, &all, &mut out, width)?;
            output::note(
                quiet,
                &format!(
                    "{} · {} ms",
                    summary(&found, &text),
                    started.elapsed().as_millis()
                ),
            );
            Ok(())
        }
        Command::Rm { id } => {
            let s = store.resolve_session(&id).await?;
            let sid = s.id.clone();
            store.delete_session(&sid).await?;
            output::note(quiet, &format!("deleted session {} ({})", s.id, s.title));
            Ok(())
        }
        Command::Export {
            id,
            format,
            output: path,
        } => {
            let (session, messages) = load(&store, id).await?;
            let sid = session.id.clone();
            let piped = piped_parts(&store, &sid).await?;
            let text = match format {
                Format::Json => {
                    serde_json::to_string_pretty(&json!({"session": session, "messages": messages}))
                        .map_err(|e| crate::error::Error::Other(e.to_string()))?
                }
                Format::Md => {
                    let mut md = format!(
                        "# {}\n\n- session: `{}`\n- model: `{}`\n- created: {}\n- messages: {}\n- tokens: {}\n- cost: {}\n",
                        if session.title.is_empty() {
                            "Untitled session"
                        } else {
                            &session.title
                        },
                        session.id,
                        session.model,
                        session.created_at,
                        session.message_count,
                        session.total_tokens,
                        money(session.total_cost)
                    );
                    if let Some(sp) = &session.system_prompt {
                        md.push_str(&format!("\n> **System:** {}\n", sp.replace('\n', "\n> ")));
                    }
                    for m in &messages {
                        let who = if m.role == Role::User {
                            "User"
                        } else {
                            "Claude"
                        };
                        let body = match piped.get(&m.id) {
                            Some(from) => fence_piped(&m.text(), *from),
                            None => render_blocks(m, true),
                        };
                        md.push_str(&format!("\n## {who}\n\n{}\n", body.trim_end()));
                    }
                    md
                }
            };
            match path {
                Some(p) => {
                    std::fs::write(&p, text + "\n")?;
                    output::note(quiet, &format!("wrote {}", p.display()));
                }
                None => {
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "{text}")?;
                }
            }
            Ok(())
        }
    }
}

/// Searches the messages; also returns every session id, to abbreviate them.
pub(super) async fn search(
    store: &Store,
    text: String,
    limit: usize,
) -> Result<(SearchResults, Vec<String>)> {
    if fts_query(&text).is_none() {
        return Err(Error::Usage("give words to search for".into()));
    }
    Ok((
        store.search_messages(&text, limit).await?,
        store.session_ids().await?,
    ))
}

/// `3 of 120 matches for "wal"`, or that there were none.
pub(super) fn summary(found: &SearchResults, text: &str) -> String {
    match found.total {
        0 => format!("no message matches {text:?}"),
        n if n as usize == found.hits.len() => output::count(n as usize, "match", "matches"),
        n => format!("the newest {} of {n} matches", found.hits.len()),
    }
}

/// Hits as two lines each: the session (id, time, who, title) and the snippet; styled on a
/// terminal `width` columns wide: the head faint, the snippet's white space runs made one and
/// its rows wrapped at words, the matched words in reverse video.
pub(super) fn print_hits(
    found: &SearchResults,
    all: &[String],
    out: &mut dyn Write,
    width: Option<usize>,
) -> std::io::Result<()> {
    let len = output::unique_len(found.hits.iter().map(|h| h.session_id.as_str()), all);
    for h in &found.hits {
        let who = if h.role == "user" { "you" } else { "claude" };
        let head = format!(
            "{}  {}  {who:<6}  {}",
            output::prefix(&h.session_id, len),
            when(&h.created_at),
            h.session_title
        );
        let Some(width) = width else {
            writeln!(out, "{head}\n  {}", h.snippet)?;
            continue;
        };
        writeln!(out, "\x1b[2m{}\x1b[0m", output::clip(&head, width))?;
        for row in super::render::marked_rows(&h.snippet, &h.highlights, width, 2) {
            writeln!(out, "{row}")?;
        }
    }
    Ok(())
}

/// A session (by id or prefix) with its messages.
async fn load(store: &Store, id: String) -> Result<(Session, Vec<StoredMessage>)> {
    let sess = store.resolve_session(&id).await?;
    let msgs = store.session_messages(&sess.id).await?;
    Ok((sess, msgs))
}

/// Which user messages of a session had stdin piped into them, and from which byte.
async fn piped_parts(s: &Store, session_id: &str) -> crate::store::Result<HashMap<i64, usize>> {
    Ok(s.events(session_id, None)
        .await?
        .into_iter()
        .filter(|e| e.kind == super::ask::PIPED_INPUT)
        .filter_map(|e| {
            Some((
                e.data["message_id"].as_i64()?,
                e.data["from"].as_u64()? as usize,
            ))
        })
        .collect())
}

/// A prompt whose text from byte `from` on was piped (a diff, code, a log): that part in a
/// fence, longer than any run of backticks inside it, so it reads as it was.
fn fence_piped(text: &str, from: usize) -> String {
    let from = (0..=from.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let (asked, piped) = text.split_at(from);
    let longest = piped.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let lang = if piped.starts_with("diff --git") || piped.lines().any(|l| l.starts_with("@@ ")) {
        "diff"
    } else {
        ""
    };
    let asked = asked.trim_end();
    let sep = if asked.is_empty() { "" } else { "\n\n" };
    format!(
        "{asked}{sep}{fence}{lang}\n{}\n{fence}",
        piped.trim_end_matches('\n')
    )
}

/// A message's blocks as readable text (Markdown when `md`).
fn render_blocks(m: &StoredMessage, md: bool) -> String {
    let mut s = String::new();
    for b in &m.content {
        match b {
            ContentBlock::Text { text, .. } => s.push_str(text),
            ContentBlock::Thinking { thinking, .. } if md => s.push_str(&format!(
                "<details><summary>Thinking</summary>\n\n{thinking}\n\n</details>"
            )),
            ContentBlock::Thinking { .. } | ContentBlock::RedactedThinking { .. } => continue,
            ContentBlock::Image { .. } => s.push_str("[image]"),
            ContentBlock::ToolUse { name, input, .. } => {
                if md {
                    s.push_str(&format!(
                        "**Tool call `{name}`**\n\n```json\n{input:#}\n```"
                    ))
                } else {
                    s.push_str(&format!("→ {name} {input}"))
                }
            }
            ContentBlock::ToolResult {
                content, is_error, ..
            } => {
                let body = match content {
                    Some(ToolResultContent::Text(t)) => t.clone(),
                    Some(ToolResultContent::Blocks(bs)) => bs
                        .iter()
                        .filter_map(|b| match b {
                            ContentBlock::Text { text, .. } => Some(text.as_str()),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                    None => String::new(),
                };
                let label = if is_error == &Some(true) {
                    "Tool error"
                } else {
                    "Tool result"
                };
                if md {
                    s.push_str(&format!("**{label}**\n\n```\n{body}\n```"))
                } else {
                    s.push_str(&format!("← {body}"))
                }
            }
            ContentBlock::Other(v) => s.push_str(&format!(
                "[{}]",
                v.get("type").and_then(|t| t.as_str()).unwrap_or("block")
            )),
        }
        s.push_str("\n\n");
    }
    if m.stop_reason.as_deref() == Some("cancelled") {
        s.push_str(if md {
            "*(interrupted)*\n"
        } else {
            "(interrupted)\n"
        });
    }
    s
}
