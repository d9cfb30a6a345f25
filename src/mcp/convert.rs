//! Turns the SDK's shapes into ours, so nothing outside `src/mcp` sees an rmcp type.
//!
//! A result keeps at most [`MAX_RESULT_TEXT`] of text and [`MAX_RESULT_IMAGES`] of images: it is
//! stored, logged and sent to Claude, so one huge answer must not grow every later request.

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

/// Most text kept from one tool result, over all its blocks.
pub const MAX_RESULT_TEXT: usize = 256 * 1024;
/// Largest base64 image kept from a tool result.
pub const MAX_IMAGE_BASE64: usize = 5 * 1024 * 1024;
/// Most base64 image data kept from one tool result.
pub const MAX_RESULT_IMAGES: usize = 16 * 1024 * 1024;

/// A finished tool call, cut to the caps.
pub(super) fn output(result: CallToolResult) -> ToolOutput {
    let mut budget = Budget {
        text: MAX_RESULT_TEXT,
        images: MAX_RESULT_IMAGES,
        cut: 0,
    };
    let mut content: Vec<ToolContent> = result
        .content
        .into_iter()
        .filter_map(|b| budget.keep(content(b)))
        .collect();
    let structured = result.structured_content.filter(|v| {
        let size = json_size(v);
        let fits = size <= MAX_RESULT_TEXT;
        if !fits {
            budget.cut += size;
        }
        fits
    });
    if budget.cut > 0 {
        content.push(ToolContent::Text(format!(
            "[tool output truncated: {} bytes over the caps ({} KiB of text, {} MiB of images) were dropped]",
            budget.cut,
            MAX_RESULT_TEXT / 1024,
            MAX_RESULT_IMAGES >> 20
        )));
    }
    ToolOutput {
        content,
        is_error: result.is_error == Some(true),
        structured,
    }
}

/// What is left to keep of one result, and how much was dropped.
struct Budget {
    text: usize,
    images: usize,
    cut: usize,
}

impl Budget {
    fn keep(&mut self, c: ToolContent) -> Option<ToolContent> {
        match c {
            ToolContent::Text(mut t) => {
                if self.text == 0 {
                    self.cut += t.len();
                    return None;
                }
                if t.len() > self.text {
                    let mut end = self.text;
                    while !t.is_char_boundary(end) {
                        end -= 1;
                    }
                    self.cut += t.len() - end;
                    t.truncate(end);
                }
                self.text -= t.len();
                Some(ToolContent::Text(t))
            }
            ToolContent::Image { data, mime_type }
                if data.len() > MAX_IMAGE_BASE64 || data.len() > self.images =>
            {
                self.cut += data.len();
                Some(ToolContent::Text(format!(
                    "[an image of {} bytes ({mime_type}) was too large to keep]",
                    data.len()
                )))
            }
            ToolContent::Image { data, mime_type } => {
                self.images -= data.len();
                Some(ToolContent::Image { data, mime_type })
            }
        }
    }
}

/// The length of a value's JSON, counted without building the string.
fn json_size(v: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    let _ = serde_json::to_writer(&mut n, v);
    n.0
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

    #[test]
    fn results_are_cut_to_the_caps() {
        let big = "é".repeat(MAX_RESULT_TEXT); // two bytes each
        let image = "A".repeat(MAX_IMAGE_BASE64 + 1);
        let result: CallToolResult = serde_json::from_value(json!({
            "content": [
                {"type": "text", "text": big},
                {"type": "text", "text": "gone"},
                {"type": "image", "data": image, "mimeType": "image/png"},
                {"type": "image", "data": "AAAA", "mimeType": "image/png"}
            ],
            "structuredContent": {"blob": "x".repeat(MAX_RESULT_TEXT)}
        }))
        .unwrap();
        let out = output(result);
        let kept: usize = out
            .content
            .iter()
            .map(|c| match c {
                ToolContent::Text(t) => t.len(),
                ToolContent::Image { data, .. } => data.len(),
            })
            .sum();
        assert!(kept < MAX_RESULT_TEXT + 1024, "{kept}");
        assert_eq!(out.structured, None);
        let ToolContent::Text(first) = &out.content[0] else {
            panic!("text first")
        };
        assert_eq!(first.len(), MAX_RESULT_TEXT);
        assert!(matches!(&out.content[1], ToolContent::Text(t) if t.contains("too large to keep")));
        assert!(matches!(&out.content[2], ToolContent::Image { data, .. } if data == "AAAA"));
        let ToolContent::Text(note) = out.content.last().unwrap() else {
            panic!("a note last")
        };
        assert!(note.starts_with("[tool output truncated:"), "{note}");
    }
}
