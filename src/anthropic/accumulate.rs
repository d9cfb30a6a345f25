//! Folds stream events into a complete [`Message`].

use super::types::{BlockDelta, ContentBlock, Message, Role, StreamEvent, Usage};
use serde_json::Value;
use std::collections::BTreeMap;

/// Builds the final message from `message_start`, block events and `message_delta`.
#[derive(Debug, Default)]
pub struct Accumulator {
    message: Option<Message>,
    blocks: BTreeMap<usize, ContentBlock>,
    partial_json: BTreeMap<usize, String>,
    done: bool,
}

impl Accumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once `message_stop` arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Applies one event.
    pub fn apply(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::MessageStart { message } => self.message = Some(message.clone()),
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                self.blocks.insert(*index, content_block.clone());
            }
            StreamEvent::ContentBlockDelta { index, delta } => self.apply_delta(*index, delta),
            StreamEvent::ContentBlockStop { index } => self.close_tool_input(*index),
            StreamEvent::MessageDelta { delta, usage } => {
                let msg = self.message.get_or_insert_with(empty_message);
                if delta.stop_reason.is_some() {
                    msg.stop_reason = delta.stop_reason.clone();
                }
                if delta.stop_sequence.is_some() {
                    msg.stop_sequence = delta.stop_sequence.clone();
                }
                if let Some(u) = usage {
                    msg.usage.merge_delta(u);
                }
            }
            StreamEvent::MessageStop => self.done = true,
            StreamEvent::Ping | StreamEvent::Error { .. } => {}
        }
    }

    fn apply_delta(&mut self, index: usize, delta: &BlockDelta) {
        match (self.blocks.get_mut(&index), delta) {
            (Some(ContentBlock::Text { text, .. }), BlockDelta::TextDelta { text: more }) => {
                text.push_str(more)
            }
            (
                Some(ContentBlock::Text { citations, .. }),
                BlockDelta::CitationsDelta { citation },
            ) => match citations.get_or_insert_with(|| Value::Array(vec![])) {
                Value::Array(list) => list.push(citation.clone()),
                other => *other = Value::Array(vec![citation.clone()]),
            },
            (
                Some(ContentBlock::Thinking { thinking, .. }),
                BlockDelta::ThinkingDelta { thinking: more },
            ) => thinking.push_str(more),
            (
                Some(ContentBlock::Thinking { signature, .. }),
                BlockDelta::SignatureDelta { signature: s },
            ) => signature.push_str(s),
            (Some(ContentBlock::ToolUse { .. }), BlockDelta::InputJsonDelta { partial_json }) => {
                self.partial_json
                    .entry(index)
                    .or_default()
                    .push_str(partial_json)
            }
            _ => {}
        }
    }

    fn close_tool_input(&mut self, index: usize) {
        if let Some(ContentBlock::ToolUse { input, .. }) = self.blocks.get_mut(&index) {
            let json = self.partial_json.remove(&index).unwrap_or_default();
            if json.trim().is_empty() {
                if input.is_null() {
                    *input = Value::Object(Default::default());
                }
            } else {
                *input = serde_json::from_str(&json).unwrap_or(Value::String(json));
            }
        }
    }

    /// The message so far. Tool calls whose input never finished are left out, so a partial
    /// message can be stored and sent back without an unanswerable `tool_use`.
    pub fn snapshot(&self) -> Message {
        let mut msg = self.message.clone().unwrap_or_else(empty_message);
        msg.content = self
            .blocks
            .iter()
            .filter(|(i, b)| {
                !(matches!(b, ContentBlock::ToolUse { .. }) && self.partial_json.contains_key(i))
            })
            .map(|(_, b)| b.clone())
            .filter(|b| !matches!(b, ContentBlock::Text { text, .. } if text.is_empty()))
            .collect();
        msg
    }

    /// Current usage.
    pub fn usage(&self) -> Usage {
        self.message.as_ref().map(|m| m.usage).unwrap_or_default()
    }
}

fn empty_message() -> Message {
    Message {
        id: String::new(),
        model: String::new(),
        role: Role::Assistant,
        content: vec![],
        stop_reason: None,
        stop_sequence: None,
        usage: Usage::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(v: Value) -> StreamEvent {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn builds_text_tool_and_thinking_blocks() {
        let mut acc = Accumulator::new();
        for e in [
            json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}),
            json!({"type":"content_block_stop","index":0}),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hel"}}),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"lo"}}),
            json!({"type":"content_block_stop","index":1}),
            json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t","name":"w","input":{}}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ris\"}"}}),
            json!({"type":"content_block_stop","index":2}),
            json!({"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"u","name":"n","input":{}}}),
            json!({"type":"content_block_stop","index":3}),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}),
            json!({"type":"message_delta","delta":{},"usage":{"output_tokens":89}}),
            json!({"type":"message_stop"}),
        ] {
            acc.apply(&ev(e));
        }
        assert!(acc.is_done());
        let m = acc.snapshot();
        assert_eq!(m.text(), "Hello");
        assert_eq!(m.stop_reason.as_deref(), Some("tool_use"));
        assert_eq!(m.usage.input_tokens, 25);
        assert_eq!(m.usage.output_tokens, 89, "cumulative, not summed");
        assert_eq!(
            m.content[0],
            ContentBlock::Thinking {
                thinking: "hmm".into(),
                signature: "sig".into()
            }
        );
        assert_eq!(
            m.content[2],
            ContentBlock::ToolUse {
                id: "t".into(),
                name: "w".into(),
                input: json!({"city":"Paris"})
            }
        );
        assert_eq!(
            m.content[3],
            ContentBlock::ToolUse {
                id: "u".into(),
                name: "n".into(),
                input: json!({})
            }
        );
    }

    #[test]
    fn snapshot_drops_unfinished_tool_calls() {
        let mut acc = Accumulator::new();
        acc.apply(&ev(json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":"partial"}})));
        acc.apply(&ev(json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"w","input":{}}})));
        acc.apply(&ev(json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a"}})));
        let m = acc.snapshot();
        assert_eq!(m.content, vec![ContentBlock::text("partial")]);
    }
}
