//! Anthropic answers → OpenAI responses and stream chunks (protocols.md §3.2, §3.3).

use super::JSON_TOOL;
use crate::anthropic::{BlockDelta, ContentBlock, Message, StreamEvent, Usage};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// OpenAI's `finish_reason` for an Anthropic `stop_reason`.
pub fn finish_reason(stop: Option<&str>) -> &'static str {
    match stop {
        Some("max_tokens") | Some("model_context_window_exceeded") => "length",
        Some("tool_use") => "tool_calls",
        Some("refusal") => "content_filter",
        _ => "stop",
    }
}

/// OpenAI usage; `prompt_tokens` includes cached input, as OpenAI's does.
pub fn openai_usage(u: &Usage) -> Value {
    json!({
        "prompt_tokens": u.total_input(),
        "completion_tokens": u.output_tokens,
        "total_tokens": u.total(),
        "prompt_tokens_details": {
            "cached_tokens": u.cache_read_input_tokens,
            "cache_write_tokens": u.cache_creation_input_tokens,
        },
    })
}

/// A complete message as a `chat.completion`.
pub fn to_openai_response(msg: &Message, json_mode: bool, created: i64) -> Value {
    let mut text = String::new();
    let mut calls = Vec::new();
    for b in &msg.content {
        match b {
            ContentBlock::Text { text: t, .. } => text.push_str(t),
            ContentBlock::ToolUse { input, name, .. } if json_mode && name == JSON_TOOL => {
                text.push_str(&input.to_string())
            }
            ContentBlock::ToolUse { id, name, input } => calls.push(json!({
                "id": id, "type": "function",
                "function": {"name": name, "arguments": input.to_string()},
            })),
            _ => {}
        }
    }
    let finish = if json_mode && msg.stop_reason.as_deref() == Some("tool_use") {
        "stop"
    } else {
        finish_reason(msg.stop_reason.as_deref())
    };
    let mut message = json!({
        "role": "assistant",
        "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { Value::String(text) },
        "refusal": null,
    });
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    json!({
        "id": format!("chatcmpl-{}", msg.id),
        "object": "chat.completion",
        "created": created,
        "model": msg.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}],
        "usage": openai_usage(&msg.usage),
    })
}

/// Turns stream events into `chat.completion.chunk` objects for one response.
#[derive(Debug)]
pub struct ChunkTranslator {
    id: String,
    created: i64,
    model: String,
    include_usage: bool,
    json_mode: bool,
    extra: Map<String, Value>,
    started: bool,
    tools: HashMap<usize, (usize, bool)>,
    json_block: Option<usize>,
    stop_reason: Option<String>,
    usage: Usage,
}

impl ChunkTranslator {
    /// A translator; `id` is replaced by `chatcmpl-<message id>` at `message_start`.
    pub fn new(model: &str, created: i64, include_usage: bool, json_mode: bool) -> Self {
        Self {
            id: format!("chatcmpl-{}", uuid::Uuid::new_v4().simple()),
            created,
            model: model.to_owned(),
            include_usage,
            json_mode,
            extra: Map::new(),
            started: false,
            tools: HashMap::new(),
            json_block: None,
            stop_reason: None,
            usage: Usage::default(),
        }
    }

    /// Adds a top-level field to every chunk (the iOS app's `session_id`, `project_id`).
    pub fn with_field(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// The response id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sets the stop reason when the events came through another path.
    pub fn set_stop_reason(&mut self, stop: Option<String>) {
        self.stop_reason = stop;
    }

    /// Usage so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        let mut c = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        });
        if self.include_usage {
            c["usage"] = Value::Null;
        }
        self.add_extra(&mut c);
        c
    }

    fn add_extra(&self, c: &mut Value) {
        if let Some(obj) = c.as_object_mut() {
            for (k, v) in &self.extra {
                obj.insert(k.clone(), v.clone());
            }
        }
    }

    /// The first chunk (role only), if not sent yet.
    pub fn start(&mut self) -> Option<Value> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(self.chunk(json!({"role": "assistant", "content": ""}), None))
    }

    /// A chunk of assistant text (starting the response if needed).
    pub fn text(&mut self, text: &str) -> Vec<Value> {
        let mut out: Vec<Value> = self.start().into_iter().collect();
        out.push(self.chunk(json!({"content": text}), None));
        out
    }

    /// The chunks for one upstream event.
    pub fn on_event(&mut self, ev: &StreamEvent) -> Vec<Value> {
        let mut out = Vec::new();
        match ev {
            StreamEvent::MessageStart { message } => {
                if !self.started {
                    if !message.id.is_empty() {
                        self.id = format!("chatcmpl-{}", message.id);
                    }
                    if !message.model.is_empty() {
                        self.model = message.model.clone();
                    }
                }
                self.usage = message.usage;
                out.extend(self.start());
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                out.extend(self.start());
                match content_block {
                    ContentBlock::ToolUse { name, .. } if self.json_mode && name == JSON_TOOL => {
                        self.json_block = Some(*index);
                    }
                    ContentBlock::ToolUse { id, name, .. } => {
                        let k = self.tools.len();
                        self.tools.insert(*index, (k, false));
                        out.push(self.chunk(
                            json!({"tool_calls": [{"index": k, "id": id, "type": "function",
                                "function": {"name": name, "arguments": ""}}]}),
                            None,
                        ));
                    }
                    ContentBlock::Text { text, .. } if !text.is_empty() => {
                        out.push(self.chunk(json!({"content": text}), None));
                    }
                    _ => {}
                }
            }
            StreamEvent::ContentBlockDelta { index, delta } => match delta {
                BlockDelta::TextDelta { text } if !text.is_empty() => {
                    out.push(self.chunk(json!({"content": text}), None));
                }
                BlockDelta::InputJsonDelta { partial_json } if !partial_json.is_empty() => {
                    if self.json_block == Some(*index) {
                        out.push(self.chunk(json!({"content": partial_json}), None));
                    } else if let Some((k, has)) = self.tools.get_mut(index) {
                        *has = true;
                        let k = *k;
                        out.push(self.chunk(json!({"tool_calls": [{"index": k, "function": {"arguments": partial_json}}]}), None));
                    }
                }
                _ => {}
            },
            StreamEvent::ContentBlockStop { index } => {
                if let Some((k, false)) = self.tools.get(index).copied() {
                    out.push(self.chunk(
                        json!({"tool_calls": [{"index": k, "function": {"arguments": "{}"}}]}),
                        None,
                    ));
                }
            }
            StreamEvent::MessageDelta { delta, usage } => {
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason.clone();
                }
                if let Some(u) = usage {
                    self.usage.merge_delta(u);
                }
            }
            StreamEvent::MessageStop | StreamEvent::Ping | StreamEvent::Error { .. } => {}
        }
        out
    }

    /// The finish chunk, then the usage chunk when asked for.
    pub fn finish(&mut self) -> Vec<Value> {
        let mut out: Vec<Value> = self.start().into_iter().collect();
        let finish = if self.json_block.is_some() && self.stop_reason.as_deref() == Some("tool_use")
        {
            "stop"
        } else {
            finish_reason(self.stop_reason.as_deref())
        };
        out.push(self.chunk(json!({}), Some(finish)));
        if self.include_usage {
            let mut c = json!({
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": openai_usage(&self.usage),
            });
            self.add_extra(&mut c);
            out.push(c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(v: Value) -> StreamEvent {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn text_and_two_tools_stream_with_dense_indexes() {
        let mut t = ChunkTranslator::new("m", 7, true, false);
        let mut chunks = Vec::new();
        for e in [
            json!({"type":"message_start","message":{"id":"msg_A","type":"message","role":"assistant","model":"claude-x","content":[],"usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}),
            json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t1","name":"a","input":{}}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"x\":1}"}}),
            json!({"type":"content_block_stop","index":2}),
            json!({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"t2","name":"b","input":{}}}),
            json!({"type":"content_block_stop","index":3}),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":20}}),
        ] {
            chunks.extend(t.on_event(&ev(e)));
        }
        chunks.extend(t.finish());
        assert!(
            chunks
                .iter()
                .all(|c| c["id"] == "chatcmpl-msg_A" && c["created"] == 7)
        );
        assert_eq!(
            chunks[0]["choices"][0]["delta"],
            json!({"role":"assistant","content":""})
        );
        assert_eq!(
            chunks
                .iter()
                .filter(|c| c["choices"][0]["delta"].get("role").is_some())
                .count(),
            1
        );
        assert_eq!(chunks[1]["choices"][0]["delta"], json!({"content":"Hi"}));
        assert_eq!(
            chunks[2]["choices"][0]["delta"]["tool_calls"][0],
            json!({"index":0,"id":"t1","type":"function","function":{"name":"a","arguments":""}})
        );
        assert_eq!(
            chunks[3]["choices"][0]["delta"]["tool_calls"][0],
            json!({"index":0,"function":{"arguments":"{\"x\":1}"}})
        );
        assert_eq!(
            chunks[4]["choices"][0]["delta"]["tool_calls"][0]["index"],
            json!(1)
        );
        assert_eq!(
            chunks[5]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"],
            json!("{}")
        );
        let fin = &chunks[chunks.len() - 2];
        assert_eq!(fin["choices"][0]["finish_reason"], json!("tool_calls"));
        assert_eq!(fin["usage"], Value::Null);
        let usage = chunks.last().unwrap();
        assert_eq!(usage["choices"], json!([]));
        assert_eq!(usage["usage"]["prompt_tokens"], json!(15));
        assert_eq!(usage["usage"]["completion_tokens"], json!(20));
        assert_eq!(usage["usage"]["total_tokens"], json!(35));
        assert_eq!(
            usage["usage"]["prompt_tokens_details"]["cached_tokens"],
            json!(5)
        );
    }

    #[test]
    fn without_include_usage_there_is_no_usage_key() {
        let mut t = ChunkTranslator::new("m", 1, false, false).with_field("session_id", json!("s"));
        let chunks = t.finish();
        assert_eq!(chunks.len(), 2);
        assert!(
            chunks
                .iter()
                .all(|c| c.get("usage").is_none() && c["session_id"] == "s")
        );
        assert_eq!(chunks[1]["choices"][0]["finish_reason"], json!("stop"));
    }

    #[test]
    fn json_mode_streams_the_tool_input_as_content() {
        let mut t = ChunkTranslator::new("m", 1, false, true);
        let mut chunks = Vec::new();
        for e in [
            json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"json_tool_call","input":{}}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"1}"}}),
            json!({"type":"content_block_stop","index":0}),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use"}}),
        ] {
            chunks.extend(t.on_event(&ev(e)));
        }
        chunks.extend(t.finish());
        let text: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect();
        assert_eq!(text, "{\"a\":1}");
        assert_eq!(
            chunks.last().unwrap()["choices"][0]["finish_reason"],
            json!("stop")
        );
        assert!(
            chunks
                .iter()
                .all(|c| c["choices"][0]["delta"].get("tool_calls").is_none())
        );
    }

    #[test]
    fn non_stream_response_shape() {
        let msg: Message = serde_json::from_value(json!({"id":"msg_1","model":"claude-x","role":"assistant",
            "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_1","name":"w","input":{"city":"Paris"}}],
            "stop_reason":"tool_use","usage":{"input_tokens":4,"output_tokens":6}})).unwrap();
        let r = to_openai_response(&msg, false, 9);
        assert_eq!(r["id"], json!("chatcmpl-msg_1"));
        assert_eq!(r["choices"][0]["finish_reason"], json!("tool_calls"));
        assert_eq!(
            r["choices"][0]["message"]["content"],
            json!("Let me check.")
        );
        assert_eq!(
            r["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
            json!("{\"city\":\"Paris\"}")
        );
        assert_eq!(r["usage"]["total_tokens"], json!(10));
    }
}
