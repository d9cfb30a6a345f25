//! A session's metadata: a JSON object stored as text, read and merged the same way by both
//! engines (each reads the text and writes the result inside its own transaction).

use super::{Error, Result};
use serde_json::Value;

/// The stored text of session `id`'s metadata as JSON.
pub(crate) fn parse(id: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("session {id} metadata: {e}")))
}

/// The text to store once the keys of `patch` (an object) are set over session `id`'s stored
/// `text`; other keys stay, and stored metadata that is not an object is replaced.
pub(crate) fn merged(id: &str, text: &str, patch: &Value) -> Result<String> {
    let mut meta = parse(id, text)?;
    if !meta.is_object() {
        meta = serde_json::json!({});
    }
    if let (Some(m), Some(p)) = (meta.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            m.insert(k.clone(), v.clone());
        }
    }
    Ok(meta.to_string())
}

/// The folder a session's tools already work in: its project's `path`, else the workspace
/// its stored metadata `text` notes (metadata that does not parse notes none).
pub(crate) fn root(path: Option<String>, text: &str) -> Option<String> {
    path.or_else(|| {
        let meta: Value = serde_json::from_str(text).unwrap_or_default();
        meta["workspace"].as_str().map(str::to_owned)
    })
}

/// The patch that notes `folder` as a session's workspace.
pub(crate) fn workspace(folder: &str) -> Value {
    serde_json::json!({ "workspace": folder })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_merge_sets_the_patch_keys_and_keeps_the_rest() {
        let out = merged("s", r#"{"a":1,"b":2}"#, &json!({"b": 3, "c": null})).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap(),
            json!({"a": 1, "b": 3, "c": null})
        );
        assert_eq!(merged("s", "[1]", &json!({"k": 1})).unwrap(), r#"{"k":1}"#);
        assert_eq!(merged("s", "{}", &json!("not an object")).unwrap(), "{}");
        assert!(matches!(
            merged("s", "{", &json!({})),
            Err(Error::Corrupt(m)) if m.starts_with("session s metadata: ")
        ));
    }

    #[test]
    fn the_root_is_the_project_path_else_the_noted_workspace() {
        let noted = workspace("/ws").to_string();
        assert_eq!(root(Some("/p".into()), &noted).as_deref(), Some("/p"));
        assert_eq!(root(None, &noted).as_deref(), Some("/ws"));
        assert_eq!(root(None, "{}"), None);
        assert_eq!(root(None, "not json"), None);
    }
}
