//! Typed request, response and stream-event shapes of the Messages API.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who wrote a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person (and tool results).
    User,
    /// Claude.
    Assistant,
}

impl Role {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One content block, in a request or a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    /// Plain text.
    Text {
        /// The text.
        text: String,
        /// Citations, passed through untouched.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        citations: Option<Value>,
    },
    /// An image, inline or by URL.
    Image {
        /// Where the bytes are.
        source: ImageSource,
    },
    /// Claude asks for a tool call.
    ToolUse {
        /// The call id, echoed by the result.
        id: String,
        /// The tool's name.
        name: String,
        /// The arguments.
        input: Value,
    },
    /// The outcome of a tool call, sent back in a user turn.
    ToolResult {
        /// The id of the `tool_use` this answers.
        tool_use_id: String,
        /// Text or blocks.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<ToolResultContent>,
        /// Whether the tool failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_error: Option<bool>,
    },
    /// Extended thinking, with the signature that lets it be sent back.
    Thinking {
        /// The reasoning text.
        thinking: String,
        /// Opaque signature.
        #[serde(default)]
        signature: String,
    },
    /// Thinking the API returns encrypted.
    RedactedThinking {
        /// Opaque data.
        data: String,
    },
    /// Any block type this version does not know; kept verbatim.
    #[serde(untagged)]
    Other(Value),
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text {
            text: text.into(),
            citations: None,
        }
    }
}

/// The source of an image block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImageSource {
    /// Inline base64 data.
    Base64 {
        /// `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
        media_type: String,
        /// The base64 bytes.
        data: String,
    },
    /// A URL the API fetches.
    Url {
        /// The address.
        url: String,
    },
    /// Anything newer, kept verbatim.
    #[serde(untagged)]
    Other(Value),
}

/// What a tool result holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    /// A plain string.
    Text(String),
    /// Text and image blocks.
    Blocks(Vec<ContentBlock>),
}

/// One turn of the conversation sent to the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageParam {
    /// Who wrote it.
    pub role: Role,
    /// Its blocks.
    pub content: Vec<ContentBlock>,
}

/// A tool Claude may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// The name Claude uses (at most 64 characters of `[a-zA-Z0-9_-]`).
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the input object.
    pub input_schema: Value,
}

/// How Claude must choose among tools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    /// Claude decides.
    Auto {
        /// At most one tool call per turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    /// Claude must call some tool.
    Any {
        /// At most one tool call per turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    /// Claude must call this tool.
    Tool {
        /// The tool.
        name: String,
        /// At most one tool call per turn.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disable_parallel_tool_use: Option<bool>,
    },
    /// No tool calls.
    None,
}

/// Extended-thinking settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThinkingConfig {
    /// Think with this many tokens at most.
    Enabled {
        /// At least 1024 and below `max_tokens`.
        budget_tokens: u32,
    },
    /// No thinking.
    Disabled,
    /// The model decides.
    Adaptive,
}

/// The system prompt: a string or text blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum System {
    /// A plain string.
    Text(String),
    /// Text blocks (which may carry `cache_control`).
    Blocks(Vec<Value>),
}

/// Request metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// An opaque end-user id.
    pub user_id: String,
}

/// The body of `POST /v1/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MessagesRequest {
    /// Model id, passed through.
    pub model: String,
    /// Output token limit.
    pub max_tokens: u32,
    /// The conversation.
    pub messages: Vec<MessageParam>,
    /// System prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<System>,
    /// Custom stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Sampling temperature, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    /// End-user metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Stream the answer as SSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Tools Claude may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How Claude chooses among them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Extended thinking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
}

/// Token counts of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Usage {
    /// Uncached input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Input tokens written to the cache.
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
    /// Input tokens read from the cache.
    #[serde(default)]
    pub cache_read_input_tokens: u64,
}

impl Usage {
    /// Folds a `message_delta` usage in: its values are cumulative, so the last one wins.
    pub fn merge_delta(&mut self, d: &DeltaUsage) {
        self.output_tokens = d.output_tokens.unwrap_or(self.output_tokens);
        self.input_tokens = d.input_tokens.unwrap_or(self.input_tokens);
        self.cache_creation_input_tokens = d
            .cache_creation_input_tokens
            .unwrap_or(self.cache_creation_input_tokens);
        self.cache_read_input_tokens = d
            .cache_read_input_tokens
            .unwrap_or(self.cache_read_input_tokens);
    }

    /// All input tokens, cached or not.
    pub fn total_input(&self) -> u64 {
        self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens
    }

    /// Input and output together.
    pub fn total(&self) -> u64 {
        self.total_input() + self.output_tokens
    }
}

/// Usage as `message_delta` reports it: every field optional and cumulative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DeltaUsage {
    /// Output tokens so far.
    #[serde(default)]
    pub output_tokens: Option<u64>,
    /// Input tokens, when the delta carries them.
    #[serde(default)]
    pub input_tokens: Option<u64>,
    /// Cache writes, when the delta carries them.
    #[serde(default)]
    pub cache_creation_input_tokens: Option<u64>,
    /// Cache reads, when the delta carries them.
    #[serde(default)]
    pub cache_read_input_tokens: Option<u64>,
}

/// A complete assistant message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `msg_...`.
    pub id: String,
    /// The model that answered.
    pub model: String,
    /// Always assistant.
    pub role: Role,
    /// The blocks.
    pub content: Vec<ContentBlock>,
    /// Why it stopped (`end_turn`, `max_tokens`, `tool_use`, ...); null only mid-stream.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence matched, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Token counts.
    #[serde(default)]
    pub usage: Usage,
}

impl Message {
    /// All text blocks joined.
    pub fn text(&self) -> String {
        text_of(&self.content)
    }
}

/// The text blocks of a block list, joined.
pub fn text_of(blocks: &[ContentBlock]) -> String {
    blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// The `delta` of a `content_block_delta` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockDelta {
    /// More text.
    TextDelta {
        /// The fragment.
        text: String,
    },
    /// More of a tool call's JSON input (not valid JSON alone).
    InputJsonDelta {
        /// The fragment.
        partial_json: String,
    },
    /// More thinking.
    ThinkingDelta {
        /// The fragment.
        thinking: String,
    },
    /// The thinking block's signature.
    SignatureDelta {
        /// The signature.
        signature: String,
    },
    /// A citation for the text block.
    CitationsDelta {
        /// The citation.
        citation: Value,
    },
    /// A delta type this version does not know.
    #[serde(untagged)]
    Other(Value),
}

/// The `delta` of a `message_delta` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MessageDelta {
    /// Why the message stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence matched.
    #[serde(default)]
    pub stop_sequence: Option<String>,
}

/// The error object of an error body or `error` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// `overloaded_error`, `authentication_error`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Human-readable text.
    #[serde(default)]
    pub message: String,
}

/// One streamed event, keyed on its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// The message begins; content is empty.
    MessageStart {
        /// The message shell, with input usage.
        message: Message,
    },
    /// A block begins.
    ContentBlockStart {
        /// Block position.
        index: usize,
        /// The block shell.
        content_block: ContentBlock,
    },
    /// More of a block.
    ContentBlockDelta {
        /// Block position.
        index: usize,
        /// The fragment.
        delta: BlockDelta,
    },
    /// A block ends.
    ContentBlockStop {
        /// Block position.
        index: usize,
    },
    /// Top-level changes: stop reason and cumulative usage.
    MessageDelta {
        /// Stop reason.
        delta: MessageDelta,
        /// Cumulative usage.
        #[serde(default)]
        usage: Option<DeltaUsage>,
    },
    /// The message is complete.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// An error after the HTTP 200.
    Error {
        /// What failed.
        error: ErrorObject,
    },
}

/// A model as `GET /v1/models` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The id to send.
    pub id: String,
    /// A friendly name.
    #[serde(default)]
    pub display_name: String,
    /// RFC 3339 release time.
    #[serde(default)]
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_block_types_round_trip() {
        let raw = json!({"type":"server_tool_use","id":"x","name":"web_search","input":{}});
        let block: ContentBlock = serde_json::from_value(raw.clone()).unwrap();
        assert!(matches!(block, ContentBlock::Other(_)));
        assert_eq!(serde_json::to_value(&block).unwrap(), raw);
    }

    #[test]
    fn known_blocks_parse() {
        let b: ContentBlock = serde_json::from_value(json!({
            "type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"ok"}],"is_error":false
        }))
        .unwrap();
        assert!(matches!(
            b,
            ContentBlock::ToolResult {
                content: Some(ToolResultContent::Blocks(_)),
                ..
            }
        ));
        let b: ContentBlock = serde_json::from_value(json!({
            "type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}
        }))
        .unwrap();
        assert!(matches!(
            b,
            ContentBlock::Image {
                source: ImageSource::Base64 { .. }
            }
        ));
    }

    #[test]
    fn request_omits_unset_fields() {
        let req = MessagesRequest {
            model: "m".into(),
            max_tokens: 10,
            messages: vec![MessageParam {
                role: Role::User,
                content: vec![ContentBlock::text("hi")],
            }],
            tool_choice: Some(ToolChoice::Auto {
                disable_parallel_tool_use: Some(true),
            }),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"model":"m","max_tokens":10,
                   "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],
                   "tool_choice":{"type":"auto","disable_parallel_tool_use":true}})
        );
    }
}
