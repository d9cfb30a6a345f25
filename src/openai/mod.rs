//! The OpenAI Chat Completions shape and its mapping to and from the Messages API.
//!
//! Pure translation: no HTTP, no store. The server's `/v1/chat/completions` uses it.

mod request;
mod response;

pub use request::{ChatMessage, ChatRequest, MapError, Mapped, to_anthropic};
pub use response::{ChunkTranslator, finish_reason, openai_usage, to_openai_response};

/// The forced tool that carries `response_format` JSON.
pub const JSON_TOOL: &str = "json_tool_call";
