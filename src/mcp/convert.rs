//! Turns the SDK's shapes into ours, so nothing outside `src/mcp` sees an rmcp type.

use super::{ServerInfo, ToolContent, ToolInfo, ToolOutput};
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents, ServerPeerInfo, Tool};

/// A listed tool.
pub(super) fn tool(tool: Tool) -> ToolInfo {
    let annotations = tool.annotations.unwrap_or_default();
    ToolInfo {
        name: tool.name.into_owned(),
        title: tool.title.or(annotations.title),
        description: tool.description.map(|d| d.into_owned()),
        input_schema: serde_json::Value::Object((*tool.input_schema).clone()),
        read_only: annotations.read_only_hint == Some(true),
        destructive: annotations.destructive_hint,
    }
}

/// A finished tool call.
pub(super) fn output(result: CallToolResult) -> ToolOutput {
    ToolOutput {
        content: result.content.into_iter().map(content).collect(),
        is_error: result.is_error == Some(true),
        structured: result.structured_content,
    }
}

/// A JSON-RPC error answering `tools/call`, as a failed result the model can read.
pub(super) fn error_output(code: i32, message: &str) -> ToolOutput {
    ToolOutput {
        content: vec![ToolContent::Text(format!("{message} (MCP error {code})"))],
        is_error: true,
        structured: None,
    }
}

fn content(block: ContentBlock) -> ToolContent {
    match block {
        ContentBlock::Text(t) => ToolContent::Text(t.text),
        ContentBlock::Image(i) => ToolContent::Image {
            data: i.data,
            mime_type: i.mime_type,
        },
        ContentBlock::Audio(a) => ToolContent::Text(format!("[audio {}]", a.mime_type)),
        ContentBlock::Resource(r) => match r.resource {
            ResourceContents::TextResourceContents { uri, text, .. } => {
                ToolContent::Text(format!("[resource {uri}] {text}"))
            }
            ResourceContents::BlobResourceContents {
                mime_type: Some(mime),
                blob,
                ..
            } if mime.starts_with("image/") => ToolContent::Image {
                data: blob,
                mime_type: mime,
            },
            ResourceContents::BlobResourceContents {
                uri,
                mime_type,
                blob,
                ..
            } => ToolContent::Text(format!(
                "[resource {uri}] ({}, {} bytes of base64 not shown)",
                mime_type.as_deref().unwrap_or("binary"),
                blob.len()
            )),
            other => as_json(&other),
        },
        ContentBlock::ResourceLink(link) => {
            let mut text = format!("[resource_link {}] {}", link.uri, link.name);
            if let Some(d) = link.description {
                text.push_str(": ");
                text.push_str(&d);
            }
            ToolContent::Text(text)
        }
        other => as_json(&other),
    }
}

/// A kind newer than this code: show its JSON rather than drop it.
fn as_json(value: &impl serde::Serialize) -> ToolContent {
    ToolContent::Text(serde_json::to_string(value).unwrap_or_default())
}

/// The handshake's answer; `fallback_name` stands in when the server gave no `serverInfo`.
pub(super) fn server_info(peer: &ServerPeerInfo, fallback_name: &str) -> ServerInfo {
    let (name, version) = match &peer.server_info {
        Some(i) => (i.name.clone(), i.version.clone()),
        None => (fallback_name.to_owned(), String::new()),
    };
    ServerInfo {
        name,
        version,
        protocol_version: peer.protocol_version.to_string(),
        instructions: peer.instructions.clone(),
        capabilities: serde_json::to_value(&peer.capabilities).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{EmbeddedResource, ToolAnnotations};
    use serde_json::json;

    #[test]
    fn tool_keeps_schema_and_hints() {
        let t: Tool = serde_json::from_value(json!({
            "name": "read.file",
            "description": "Reads",
            "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}},
            "annotations": {"readOnlyHint": true, "destructiveHint": false, "title": "Read"}
        }))
        .unwrap();
        let info = tool(t);
        assert_eq!(info.name, "read.file");
        assert_eq!(info.title.as_deref(), Some("Read"));
        assert!(info.read_only);
        assert_eq!(info.destructive, Some(false));
        assert_eq!(info.input_schema["properties"]["path"]["type"], "string");

        let mut bare = Tool::default();
        bare.name = "x".into();
        bare.annotations = Some(ToolAnnotations::new());
        let info = tool(bare);
        assert!(!info.read_only);
        assert_eq!(info.destructive, None);
    }

    #[test]
    fn content_kinds_become_text_or_image() {
        let result: CallToolResult = serde_json::from_value(json!({
            "content": [
                {"type": "text", "text": "hi"},
                {"type": "image", "data": "AAAA", "mimeType": "image/png"},
                {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
                {"type": "resource", "resource": {"uri": "file:///a", "text": "body"}},
                {"type": "resource_link", "uri": "file:///b", "name": "b", "description": "the b"}
            ],
            "isError": false,
            "structuredContent": {"sum": 3}
        }))
        .unwrap();
        let out = output(result);
        assert!(!out.is_error);
        assert_eq!(out.structured, Some(json!({"sum": 3})));
        assert_eq!(
            out.content,
            vec![
                ToolContent::Text("hi".into()),
                ToolContent::Image {
                    data: "AAAA".into(),
                    mime_type: "image/png".into()
                },
                ToolContent::Text("[audio audio/wav]".into()),
                ToolContent::Text("[resource file:///a] body".into()),
                ToolContent::Text("[resource_link file:///b] b: the b".into()),
            ]
        );
        let blob = content(ContentBlock::Resource(EmbeddedResource::new(
            ResourceContents::BlobResourceContents {
                uri: "file:///z".into(),
                mime_type: None,
                blob: "QUJD".into(),
                meta: None,
            },
        )));
        assert_eq!(
            blob,
            ToolContent::Text("[resource file:///z] (binary, 4 bytes of base64 not shown)".into())
        );
    }
}
