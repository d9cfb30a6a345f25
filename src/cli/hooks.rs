//! `clauded hooks install|uninstall claude-code`: puts clauded's PermissionRequest hook into
//! Claude Code's settings (`~/.claude/settings.json`, or `$CLAUDE_CONFIG_DIR/settings.json`;
//! `./.claude/settings.json` with `--project`), or takes it out again. The file is merged, not
//! rewritten: every other key and hook stays as it was, in its order, and a second install
//! changes nothing. Our entry is the one whose URL is the daemon's
//! `/v1/hooks/permission-request` (or whose command is `clauded hook permission-request`).

use crate::config::Overrides;
use crate::error::{Error, Result};
use serde::de::{MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The hook event we answer.
const EVENT: &str = "PermissionRequest";
/// The daemon's route for it.
const ROUTE: &str = "/v1/hooks/permission-request";

/// `clauded hooks` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add clauded's PermissionRequest hook to an agent's settings (merged; idempotent).
    Install(InstallArgs),
    /// Remove clauded's PermissionRequest hook from an agent's settings (nothing else).
    Uninstall(UninstallArgs),
}

/// The agents whose settings we know. Codex is not here: its hooks live in `hooks.json` or
/// `[hooks]` in `config.toml`, and it runs a new command hook only after the user trusts it;
/// point it at `clauded hook permission-request` by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Agent {
    /// Claude Code (`settings.json`).
    ClaudeCode,
}

/// `clauded hooks install` arguments.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The agent.
    #[arg(value_enum)]
    pub agent: Agent,
    /// This project's `./.claude/settings.json` instead of the user's.
    #[arg(long)]
    pub project: bool,
    /// The daemon's base URL (default: http://HOST:PORT from the configuration).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Seconds the agent waits for the phone before it asks locally.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// A command hook (`clauded hook permission-request`) instead of the HTTP hook.
    #[arg(long)]
    pub command: bool,
    /// Print the hook's settings JSON instead of writing the file.
    #[arg(long)]
    pub print: bool,
    /// The variable in Claude Code's environment whose value the HTTP hook sends as its bearer:
    /// the server's token, or on a server with accounts your own `ck_` key (the approvals are
    /// then yours).
    #[arg(long, value_name = "NAME", default_value = "CLAUDED_SERVER_TOKEN")]
    pub key_env: String,
}

/// `clauded hooks uninstall` arguments.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    /// The agent.
    #[arg(value_enum)]
    pub agent: Agent,
    /// This project's `./.claude/settings.json` instead of the user's.
    #[arg(long)]
    pub project: bool,
}

/// Runs `clauded hooks`.
pub async fn run(cmd: Command, g: &super::Globals) -> Result<()> {
    let app = super::App::load(&Overrides::default(), g)?;
    match cmd {
        Command::Install(a) => {
            let Agent::ClaudeCode = a.agent;
            let base = a
                .url
                .clone()
                .unwrap_or_else(|| super::health::configured_url(&app.config));
            let named = a
                .key_env
                .starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
                && a.key_env
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !named {
                return Err(Error::Usage(format!(
                    "--key-env takes a variable's name (A-Z, 0-9, _), not {:?}",
                    a.key_env
                )));
            }
            let entry = if a.command {
                command_entry(&base, a.timeout)?
            } else {
                http_entry(&base, a.timeout, &a.key_env)
            };
            if a.print {
                let shown = json!({"hooks": {EVENT: [group(entry)]}});
                return Ok(super::output::print_json(&Tidy(&shown))?);
            }
            let path = settings_path(&app.env, a.project)?;
            let changed = edit(&path, |s| install(s, &entry))?;
            let place = path.display();
            super::output::out(if changed {
                format!("installed clauded's {EVENT} hook in {place} ({base}{ROUTE})")
            } else {
                format!("clauded's {EVENT} hook is already in {place}; nothing changed")
            })?;
            Ok(())
        }
        Command::Uninstall(a) => {
            let Agent::ClaudeCode = a.agent;
            let path = settings_path(&app.env, a.project)?;
            let changed = path.exists() && edit(&path, uninstall)?;
            let place = path.display();
            super::output::out(if changed {
                format!("removed clauded's {EVENT} hook from {place}")
            } else {
                format!("clauded's {EVENT} hook is not in {place}; nothing changed")
            })?;
            Ok(())
        }
    }
}

/// Claude Code's settings file: the project's, or the user's (`CLAUDE_CONFIG_DIR`, as Claude
/// Code reads it, else `~/.claude`).
fn settings_path(env: &crate::config::Env, project: bool) -> Result<PathBuf> {
    if project {
        return Ok(std::env::current_dir()?.join(".claude/settings.json"));
    }
    if let Some(dir) = env.get("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("settings.json"));
    }
    let home = env
        .get("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_owned()))
        .ok_or_else(|| Error::Usage("no home directory: set HOME or CLAUDE_CONFIG_DIR".into()))?;
    Ok(home.join(".claude/settings.json"))
}

/// Claude Code's HTTP hook: the input POSTed to the daemon, which answers before `timeout`. The
/// bearer (the server's token, or a user's `ck_` key) comes from Claude Code's own environment
/// at run time, from the variable `key_env` (only its name is in the file); unset, the header
/// is empty and ignored.
fn http_entry(base: &str, timeout: u64, key_env: &str) -> Value {
    json!({
        "type": "http",
        "url": format!("{}{ROUTE}?timeout={timeout}", base.trim_end_matches('/')),
        "timeout": timeout,
        "headers": {"Authorization": format!("Bearer ${key_env}")},
        "allowedEnvVars": [key_env],
    })
}

/// The command hook: this binary's `hook permission-request`.
fn command_entry(base: &str, timeout: u64) -> Result<Value> {
    let exe = std::env::current_exe()?;
    let command = format!(
        "{} hook permission-request --url {} --timeout {timeout}",
        shell_quote(&exe.to_string_lossy()),
        shell_quote(base)
    );
    Ok(json!({"type": "command", "command": command, "timeout": timeout + 5}))
}

/// `s` as one POSIX shell word.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:+=@%,".contains(c))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A matcher group holding one hook, for every tool.
fn group(entry: Value) -> Value {
    json!({"matcher": "*", "hooks": [entry]})
}

/// Whether a hook entry is ours (either kind, any URL or timeout).
fn is_ours(hook: &Value) -> bool {
    match hook["type"].as_str() {
        Some("http") => hook["url"].as_str().is_some_and(|u| u.contains(ROUTE)),
        Some("command") => hook["command"]
            .as_str()
            .is_some_and(|c| c.contains(" hook permission-request")),
        _ => false,
    }
}

/// Reads `path` (missing or blank: `{}`), applies `change`, and writes the file back when it
/// changed (a private temp file renamed over, with the old file's permissions). True if written.
fn edit(path: &Path, change: impl FnOnce(&mut Object) -> Result<bool>) -> Result<bool> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Other(format!("cannot read {}: {e}", path.display()))),
    };
    let mut settings = if text.trim().is_empty() {
        Object::default()
    } else {
        serde_json::from_str::<Object>(&text).map_err(|e| {
            Error::Usage(format!(
                "{} is not a JSON object ({e}); fix it, then install again",
                path.display()
            ))
        })?
    };
    if !change(&mut settings)? {
        return Ok(false);
    }
    let mut out =
        serde_json::to_string_pretty(&settings).map_err(|e| Error::Other(e.to_string()))?;
    out.push('\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.clauded-tmp");
    std::fs::write(&tmp, out)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(true)
}

/// Puts `entry` in; false when exactly it is there already.
fn install(settings: &mut Object, entry: &Value) -> Result<bool> {
    let mut hooks = settings.object("hooks")?;
    let mut groups = hooks.list(EVENT)?;
    let ours: Vec<Value> = groups
        .iter()
        .filter_map(|g| g.value().ok())
        .flat_map(|g| g["hooks"].as_array().cloned().unwrap_or_default())
        .filter(is_ours)
        .collect();
    if ours.len() == 1 && &ours[0] == entry {
        return Ok(false);
    }
    // an older entry of ours (another URL or timeout) gives way to the new one
    remove_ours(&mut groups)?;
    groups.push(Node::Value(group(entry.clone())));
    hooks.set(EVENT, Node::List(groups));
    settings.set("hooks", Node::Object(hooks));
    Ok(true)
}

/// Takes ours out; false when it was not there.
fn uninstall(settings: &mut Object) -> Result<bool> {
    if settings.get("hooks").is_none() {
        return Ok(false);
    }
    let mut hooks = settings.object("hooks")?;
    let mut groups = hooks.list(EVENT)?;
    if !remove_ours(&mut groups)? {
        return Ok(false);
    }
    if groups.is_empty() {
        hooks.remove(EVENT);
    } else {
        hooks.set(EVENT, Node::List(groups));
    }
    if hooks.0.is_empty() {
        settings.remove("hooks");
    } else {
        settings.set("hooks", Node::Object(hooks));
    }
    Ok(true)
}

/// Removes our entries from the matcher groups, and groups left with no hook; true if any was.
fn remove_ours(groups: &mut Vec<Node>) -> Result<bool> {
    let mut removed = false;
    let mut kept = Vec::with_capacity(groups.len());
    for g in groups.drain(..) {
        let mut v = g.value()?;
        let Some(list) = v.get_mut("hooks").and_then(Value::as_array_mut) else {
            kept.push(g);
            continue;
        };
        let before = list.len();
        list.retain(|h| !is_ours(h));
        if list.len() == before {
            // not ours to touch: kept exactly as written
            kept.push(g);
            continue;
        }
        removed = true;
        if !list.is_empty() {
            kept.push(Node::Value(v));
        }
    }
    *groups = kept;
    Ok(removed)
}

/// A JSON value as read (its text kept, so what we do not change is written back as it was),
/// or one we built or changed.
#[derive(Debug)]
enum Node {
    Raw(Box<RawValue>),
    Value(Value),
    Object(Object),
    List(Vec<Node>),
}

impl Node {
    /// The node as a plain value.
    fn value(&self) -> Result<Value> {
        let bad = |e: serde_json::Error| Error::Other(e.to_string());
        match self {
            Node::Raw(r) => serde_json::from_str(r.get()).map_err(bad),
            other => serde_json::to_value(other).map_err(bad),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Node::Raw(r) => r.serialize(s),
            Node::Value(v) => Tidy(v).serialize(s),
            Node::Object(o) => o.serialize(s),
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(Node::Raw)
    }
}

/// Keys of a hook group and a hook in the order Claude Code's documentation shows them.
const KEY_ORDER: &[&str] = &[
    "matcher",
    "hooks",
    "type",
    "command",
    "url",
    "timeout",
    "headers",
    "allowedEnvVars",
];

/// A value we built or changed, its objects' keys in [`KEY_ORDER`] (then the rest, sorted),
/// rather than serde_json's alphabetical order.
struct Tidy<'a>(&'a Value);

impl Serialize for Tidy<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let rank = |k: &str| KEY_ORDER.iter().position(|o| *o == k).unwrap_or(usize::MAX);
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort_by_key(|k| rank(k));
                let mut map = s.serialize_map(Some(m.len()))?;
                for k in keys {
                    map.serialize_entry(k, &Tidy(&m[k]))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(&Tidy(i))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// A JSON object whose keys keep the file's order (serde_json's map would sort them).
#[derive(Debug, Default)]
struct Object(Vec<(String, Node)>);

impl Object {
    fn get(&self, key: &str) -> Option<&Node> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Replaces `key`'s value where it stands, or appends it.
    fn set(&mut self, key: &str, value: Node) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    /// `key`'s object, read for changing (empty when absent).
    fn object(&self, key: &str) -> Result<Object> {
        match self.get(key) {
            None => Ok(Object::default()),
            Some(Node::Raw(r)) => serde_json::from_str(r.get())
                .map_err(|_| Error::Usage(format!("`{key}` in the settings is not an object"))),
            Some(other) => serde_json::from_value(other.value()?)
                .map_err(|_| Error::Usage(format!("`{key}` in the settings is not an object"))),
        }
    }

    /// `key`'s array, read for changing (empty when absent).
    fn list(&self, key: &str) -> Result<Vec<Node>> {
        let not_list = || Error::Usage(format!("`hooks.{key}` in the settings is not an array"));
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Node::Raw(r)) => {
                let items: Vec<Box<RawValue>> =
                    serde_json::from_str(r.get()).map_err(|_| not_list())?;
                Ok(items.into_iter().map(Node::Raw).collect())
            }
            Some(other) => match other.value()? {
                Value::Array(items) => Ok(items.into_iter().map(Node::Value).collect()),
                _ => Err(not_list()),
            },
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut m: A,
            ) -> std::result::Result<Object, A::Error> {
                let mut entries: Vec<(String, Node)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Box<RawValue>>()? {
                    // a repeated key: the last one wins, as for any JSON reader
                    entries.retain(|(e, _)| *e != k);
                    entries.push((k, Node::Raw(v)));
                }
                Ok(Object(entries))
            }
        }
        d.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str, f: impl FnOnce(&mut Object) -> Result<bool>) -> (bool, String) {
        let mut o: Object = serde_json::from_str(text).unwrap();
        let changed = f(&mut o).unwrap();
        (changed, serde_json::to_string_pretty(&o).unwrap())
    }

    #[test]
    fn install_keeps_every_other_key_in_order_and_uninstall_restores_them() {
        let text = r#"{
  "model": "opus",
  "env": {"B": "2", "A": "1"},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint"}]}],
    "PermissionRequest": [{"matcher": "Write", "hooks": [{"type": "command", "command": "mine"}]}]
  },
  "alpha": true
}"#;
        let entry = http_entry("http://127.0.0.1:8000/", 600, "CLAUDED_SERVER_TOKEN");
        let (changed, out) = round(text, |o| install(o, &entry));
        assert!(changed);
        let keys: Vec<String> = serde_json::from_str::<Object>(&out)
            .unwrap()
            .0
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["model", "env", "hooks", "alpha"]);
        assert!(out.contains(r#""env": {"B": "2", "A": "1"}"#), "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let groups = v["hooks"]["PermissionRequest"].as_array().unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[1]["hooks"][0], entry);
        assert_eq!(
            entry["url"],
            json!("http://127.0.0.1:8000/v1/hooks/permission-request?timeout=600")
        );
        let (again, _) = round(&out, |o| install(o, &entry));
        assert!(!again, "a second install changes nothing");
        let (gone, back) = round(&out, uninstall);
        assert!(gone);
        let (orig, back): (Value, Value) = (
            serde_json::from_str(text).unwrap(),
            serde_json::from_str(&back).unwrap(),
        );
        assert_eq!(back, orig);
        assert!(!round(&serde_json::to_string(&back).unwrap(), uninstall).0);
    }

    #[test]
    fn a_new_url_replaces_the_old_entry_and_empty_containers_go() {
        let (_, out) = round("{}", |o| {
            install(o, &http_entry("http://a:1", 60, "CLAUDED_SERVER_TOKEN"))
        });
        let (changed, out) = round(&out, |o| {
            install(o, &http_entry("http://b:2", 60, "CLAUDED_SERVER_TOKEN"))
        });
        assert!(changed);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["hooks"]["PermissionRequest"].as_array().unwrap().len(), 1);
        assert!(out.contains("http://b:2"), "{out}");
        let (_, out) = round(&out, uninstall);
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), json!({}));
    }

    #[test]
    fn quoting_for_the_shell() {
        assert_eq!(shell_quote("/usr/bin/clauded"), "/usr/bin/clauded");
        assert_eq!(shell_quote("/my dir/it's"), r"'/my dir/it'\''s'");
    }
}
