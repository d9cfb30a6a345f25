//! The OpenAI Chat Completions shape and its mapping to and from the Messages API.
//!
//! Pure translation: no HTTP, no store. The server's `/v1/chat/completions` and (through
//! `responses.rs`) `/v1/responses` use it.

mod request;
mod response;
mod responses;

pub use request::{ChatMessage, ChatRequest, MapError, Mapped, to_anthropic};
pub use response::{ChunkTranslator, finish_reason, openai_usage, to_openai_response};
pub use responses::{
    MappedResponses, ResponseEvent, ResponseObject, ResponsesRequest, ResponsesTranslator,
    responses_to_anthropic,
};

/// The forced tool that carries `response_format` JSON.
pub const JSON_TOOL: &str = "json_tool_call";
