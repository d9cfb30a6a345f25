//! OpenAI's Responses API (Codex, the newer OpenAI SDKs) mapped to and from the Messages API.
//!
//! A request's `input` items become Chat Completions messages, so one mapping
//! ([`super::to_anthropic`]) owns tools, tool choice, sampling, reasoning effort and JSON output;
//! the answer comes back as a response object, or as the stream of `response.*` events.
//! Hosted tools (`web_search`, `tool_search`, …) are left out with a note, never a refusal that
//! would stop Codex. Pure translation: no HTTP, no store.

use super::JSON_TOOL;
use super::request::{ChatMessage, ChatRequest, MapError, Mapped, to_anthropic};
use crate::anthropic::{BlockDelta, ContentBlock, Message, StreamEvent, System, Usage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A `POST /v1/responses` body (the fields we use; others are ignored).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ResponsesRequest {
    /// Model id.
    #[serde(default)]
    pub model: Option<String>,
    /// A string, or a list of items.
    #[serde(default)]
    pub input: Option<Value>,
    /// A system prompt.
    #[serde(default)]
    pub instructions: Option<String>,
    /// Tools: `function`, `namespace`, `custom`, and hosted ones (left out).
    #[serde(default)]
    pub tools: Option<Vec<Value>>,
    /// `auto|none|required|{type:"function",name}`.
    #[serde(default)]
    pub tool_choice: Option<Value>,
    /// False: one call at a time.
    #[serde(default)]
    pub parallel_tool_calls: Option<bool>,
    /// `{effort, summary}`.
    #[serde(default)]
    pub reasoning: Option<Value>,
    /// Output limit.
    #[serde(default)]
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// `{format:{type:"json_schema",schema,name}}`.
    #[serde(default)]
    pub text: Option<Value>,
    /// Stream `response.*` events.
    #[serde(default)]
    pub stream: Option<bool>,
    /// End-user id.
    #[serde(default)]
    pub user: Option<String>,
    /// Asks for prompt caching: the system prompt (Codex's long instructions) is cached.
    #[serde(default)]
    pub prompt_cache_key: Option<String>,
    /// `["reasoning.encrypted_content"]`: Claude's thinking comes back as opaque reasoning items,
    /// so a stateless client can send it back with the next turn.
    #[serde(default)]
    pub include: Vec<String>,
    /// False: the response is not kept (then no `GET /v1/responses/{id}`, no continuation).
    #[serde(default)]
    pub store: Option<bool>,
    /// Continue from a stored response: its input and output come before this input.
    #[serde(default)]
    pub previous_response_id: Option<String>,
}

impl ResponsesRequest {
    /// The input as a list of items (a string is one user message).
    pub fn input_items(&self) -> Vec<Value> {
        match &self.input {
            Some(Value::String(s)) => {
                vec![json!({"type": "message", "role": "user", "content": s})]
            }
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        }
    }
}

/// The mapped request, and what the answer's translation needs.
#[derive(Debug, Clone)]
pub struct MappedResponses {
    /// The Messages request and its JSON mode.
    pub mapped: Mapped,
    /// Names of `custom` tools: their calls come back as `custom_tool_call` items.
    pub custom_tools: Vec<String>,
    /// Hosted tools that were left out, for the log.
    pub dropped_tools: Vec<String>,
    /// Whether Claude's thinking goes out as `reasoning` items with `encrypted_content`.
    pub reasoning_out: bool,
    /// Whether `reasoning.summary` asked for a summary (`auto`, `concise` or `detailed`):
    /// Claude's thinking text goes out as the reasoning item's `summary_text`.
    pub summary: bool,
}

/// Claude's thinking block as an opaque string for a `reasoning` item, and back.
fn seal(block: &ContentBlock) -> Option<String> {
    use base64::Engine;
    let v = match block {
        ContentBlock::Thinking { .. } | ContentBlock::RedactedThinking { .. } => {
            serde_json::to_vec(block).ok()?
        }
        _ => return None,
    };
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v))
}

fn unseal(sealed: &str) -> Option<ContentBlock> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed)
        .ok()?;
    match serde_json::from_slice::<ContentBlock>(&bytes).ok()? {
        b @ (ContentBlock::Thinking { .. } | ContentBlock::RedactedThinking { .. }) => Some(b),
        _ => None,
    }
}

fn bad(param: impl Into<String>, message: impl Into<String>) -> MapError {
    MapError {
        message: message.into(),
        param: param.into(),
    }
}

/// The text of a message item's content: a string, or `input_text`/`output_text` parts.
fn parts_to_chat(content: &Value, param: &str) -> Result<Value, MapError> {
    match content {
        Value::String(s) => Ok(json!(s)),
        Value::Array(parts) => {
            let mut out = Vec::new();
            for (i, p) in parts.iter().enumerate() {
                match p["type"].as_str() {
                    Some("input_text" | "output_text" | "text") => {
                        out.push(json!({"type":"text","text": p["text"].as_str().unwrap_or("")}))
                    }
                    Some("input_image") => {
                        let url = p["image_url"].as_str().ok_or_else(|| {
                            bad(
                                format!("{param}[{i}].image_url"),
                                "an input_image needs image_url",
                            )
                        })?;
                        out.push(json!({"type":"image_url","image_url":{"url": url}}));
                    }
                    // refusals, files and audio carry nothing Claude can read as text here
                    _ => {}
                }
            }
            Ok(Value::Array(out))
        }
        Value::Null => Ok(json!("")),
        _ => Err(bad(param, "content must be a string or a list of parts")),
    }
}

/// Maps a Responses request to the Messages API (through the Chat Completions mapping).
pub fn responses_to_anthropic(
    req: &ResponsesRequest,
    default_model: &str,
    default_max_tokens: u32,
) -> Result<MappedResponses, MapError> {
    let mut messages: Vec<ChatMessage> = Vec::new();
    if let Some(i) = req.instructions.as_ref().filter(|i| !i.trim().is_empty()) {
        messages.push(ChatMessage {
            role: "system".into(),
            content: Some(json!(i)),
            ..Default::default()
        });
    }
    let mut custom_tools = Vec::new();
    // thinking sent back (sealed reasoning items) belongs at the head of the next assistant turn
    let mut pending_thinking: Vec<ContentBlock> = Vec::new();
    let mut thinking_for_run: Vec<(usize, Vec<ContentBlock>)> = Vec::new();
    let mut runs = 0usize;
    let mut note_assistant = |messages: &Vec<ChatMessage>, pending: &mut Vec<ContentBlock>| {
        if messages.last().is_none_or(|m| m.role != "assistant") {
            runs += 1;
        }
        if !pending.is_empty() {
            thinking_for_run.push((runs, std::mem::take(pending)));
        }
    };
    match &req.input {
        None | Some(Value::Null) => return Err(bad("input", "input is required")),
        Some(Value::String(s)) => messages.push(ChatMessage {
            role: "user".into(),
            content: Some(json!(s)),
            ..Default::default()
        }),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("input[{i}]");
                let kind = item["type"]
                    .as_str()
                    .unwrap_or(if item.get("role").is_some() {
                        "message"
                    } else {
                        ""
                    });
                match kind {
                    "message" => {
                        let role = match item["role"].as_str() {
                            Some(r @ ("user" | "assistant" | "system" | "developer")) => r,
                            _ => {
                                return Err(bad(
                                    format!("{p}.role"),
                                    "role must be user, assistant, system or developer",
                                ));
                            }
                        };
                        let content = parts_to_chat(&item["content"], &format!("{p}.content"))?;
                        if role == "assistant" {
                            note_assistant(&messages, &mut pending_thinking);
                        }
                        messages.push(ChatMessage {
                            role: role.into(),
                            content: Some(content),
                            ..Default::default()
                        });
                    }
                    "function_call" | "custom_tool_call" => {
                        let call_id = item["call_id"]
                            .as_str()
                            .ok_or_else(|| bad(format!("{p}.call_id"), "a call needs call_id"))?;
                        let name = item["name"]
                            .as_str()
                            .ok_or_else(|| bad(format!("{p}.name"), "a call needs a name"))?;
                        let arguments = if kind == "custom_tool_call" {
                            json!({"input": item["input"].as_str().unwrap_or("")}).to_string()
                        } else {
                            item["arguments"].as_str().unwrap_or("{}").to_owned()
                        };
                        let call = json!({"id": call_id, "type": "function",
                            "function": {"name": name, "arguments": arguments}});
                        note_assistant(&messages, &mut pending_thinking);
                        // consecutive calls belong to one assistant turn
                        match messages.last_mut() {
                            Some(last) if last.role == "assistant" && last.tool_calls.is_some() => {
                                if let Some(calls) = last.tool_calls.as_mut() {
                                    calls.push(call);
                                }
                            }
                            _ => messages.push(ChatMessage {
                                role: "assistant".into(),
                                content: None,
                                tool_calls: Some(vec![call]),
                                ..Default::default()
                            }),
                        }
                    }
                    "function_call_output" | "custom_tool_call_output" => {
                        let call_id = item["call_id"].as_str().ok_or_else(|| {
                            bad(format!("{p}.call_id"), "an output needs call_id")
                        })?;
                        let output = match &item["output"] {
                            Value::String(s) => s.clone(),
                            Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        messages.push(ChatMessage {
                            role: "tool".into(),
                            content: Some(json!(output)),
                            tool_call_id: Some(call_id.into()),
                            ..Default::default()
                        });
                    }
                    // Claude's own thinking comes back sealed; anything else is not Claude's
                    "reasoning" => {
                        if let Some(b) = item["encrypted_content"].as_str().and_then(unseal) {
                            pending_thinking.push(b);
                        }
                    }
                    other => {
                        return Err(bad(
                            format!("{p}.type"),
                            format!("unknown input item type {other:?}"),
                        ));
                    }
                }
            }
        }
        Some(_) => return Err(bad("input", "input must be a string or a list of items")),
    }
    let mut tools = Vec::new();
    let mut dropped_tools = Vec::new();
    let mut add_tool = |t: &Value, tools: &mut Vec<Value>, custom: &mut Vec<String>| match t["type"]
        .as_str()
    {
        Some("function") => tools.push(json!({"type": "function", "function": {
            "name": t["name"], "description": t["description"], "parameters": t["parameters"]}})),
        Some("custom") => {
            if let Some(n) = t["name"].as_str() {
                custom.push(n.to_owned());
            }
            tools.push(json!({"type": "function", "function": {
                "name": t["name"], "description": t["description"],
                "parameters": {"type": "object", "properties": {"input": {"type": "string",
                    "description": "the tool's whole input, as free text"}}, "required": ["input"]}}}));
        }
        other => dropped_tools.push(other.unwrap_or("?").to_owned()),
    };
    for t in req.tools.iter().flatten() {
        if t["type"] == "namespace" {
            for inner in t["tools"].as_array().into_iter().flatten() {
                add_tool(inner, &mut tools, &mut custom_tools);
            }
        } else {
            add_tool(t, &mut tools, &mut custom_tools);
        }
    }
    let tool_choice = match &req.tool_choice {
        Some(Value::Object(o)) => match o.get("name").and_then(Value::as_str) {
            Some(name) => Some(json!({"type": "function", "function": {"name": name}})),
            None => Some(json!("auto")),
        },
        other => other.clone(),
    };
    let effort = req
        .reasoning
        .as_ref()
        .and_then(|r| r["effort"].as_str())
        .and_then(|e| match e {
            "low" | "medium" | "high" => Some(e.to_owned()),
            "xhigh" => Some("high".to_owned()),
            _ => None,
        });
    let response_format = req
        .text
        .as_ref()
        .map(|t| &t["format"])
        .filter(|f| f["type"] == "json_schema" || f["type"] == "json_object")
        .map(|f| json!({"type": f["type"], "json_schema": {"name": f["name"], "schema": f["schema"]}}));
    let chat = ChatRequest {
        model: req.model.clone(),
        messages,
        max_completion_tokens: req.max_output_tokens,
        temperature: req.temperature,
        top_p: req.top_p,
        tools: (!tools.is_empty()).then_some(tools),
        tool_choice,
        parallel_tool_calls: req.parallel_tool_calls,
        response_format,
        reasoning_effort: effort,
        user: req.user.clone(),
        ..Default::default()
    };
    let mut mapped =
        to_anthropic(&chat, default_model, default_max_tokens).map_err(|e| MapError {
            // chat's field names mean nothing to a Responses client
            param: e
                .param
                .replace("messages", "input")
                .replace("max_completion_tokens", "max_output_tokens"),
            message: e.message,
        })?;
    // put the thinking back at the head of the assistant turns it came with
    let mut run = 0usize;
    for m in mapped.request.messages.iter_mut() {
        if m.role != crate::anthropic::Role::Assistant {
            continue;
        }
        run += 1;
        if let Some((_, blocks)) = thinking_for_run.iter().find(|(r, _)| *r == run) {
            let mut head = blocks.clone();
            head.append(&mut m.content);
            m.content = head;
        }
    }
    if req.prompt_cache_key.is_some()
        && let Some(System::Text(text)) = &mapped.request.system
    {
        // the same long instructions open every request of a Codex session
        mapped.request.system = Some(System::Blocks(vec![
            json!({"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}),
        ]));
    }
    Ok(MappedResponses {
        mapped,
        custom_tools,
        dropped_tools,
        reasoning_out: req
            .include
            .iter()
            .any(|i| i == "reasoning.encrypted_content"),
        // from Claude 4 on the API returns its thinking already summarised, so every level
        // gets that same text; without thinking (no `reasoning.effort`) there is nothing to
        // summarise and no reasoning item
        summary: req
            .reasoning
            .as_ref()
            .and_then(|r| r["summary"].as_str())
            .is_some_and(|s| matches!(s, "auto" | "concise" | "detailed")),
    })
}

/// The usage object of a response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResponseUsage {
    input_tokens: u64,
    input_tokens_details: InputDetails,
    output_tokens: u64,
    output_tokens_details: OutputDetails,
    total_tokens: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
struct InputDetails {
    cached_tokens: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
struct OutputDetails {
    reasoning_tokens: u64,
}

impl ResponseUsage {
    /// From Anthropic's counts: input includes cached input, as OpenAI's does.
    pub fn from_usage(u: &Usage) -> Self {
        Self {
            input_tokens: u.total_input(),
            input_tokens_details: InputDetails {
                cached_tokens: u.cache_read_input_tokens,
            },
            output_tokens: u.output_tokens,
            // Claude's thinking tokens are inside `output_tokens`; the usage we read has no
            // split, so this stays 0 rather than a guess (never estimated from the text)
            output_tokens_details: OutputDetails {
                reasoning_tokens: 0,
            },
            total_tokens: u.total(),
        }
    }
}

/// One output item of a response.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputItem {
    /// Claude's text.
    Message {
        /// `msg_…`.
        id: String,
        /// `in_progress|completed|incomplete`.
        status: &'static str,
        /// Always `assistant`.
        role: &'static str,
        /// `output_text` parts.
        content: Vec<OutputText>,
    },
    /// A function tool call.
    FunctionCall {
        /// `fc_…`.
        id: String,
        /// Claude's tool_use id, which the output must name.
        call_id: String,
        /// The tool.
        name: String,
        /// JSON text.
        arguments: String,
        /// `in_progress|completed`.
        status: &'static str,
    },
    /// Claude's thinking: its text as the summary (when asked for), and sealed (when
    /// `include` asks), so that sent back it is restored as it was.
    Reasoning {
        /// `rs_…`.
        id: String,
        /// The thinking text as one part, when `reasoning.summary` asked for it.
        summary: Vec<SummaryText>,
        /// The sealed thinking block.
        encrypted_content: Option<String>,
    },
    /// A call of a `custom` (free-text) tool.
    CustomToolCall {
        /// `ctc_…`.
        id: String,
        /// Claude's tool_use id.
        call_id: String,
        /// The tool.
        name: String,
        /// Its free-text input.
        input: String,
        /// `in_progress|completed`.
        status: &'static str,
    },
}

/// An `output_text` part.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutputText {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
    annotations: Vec<Value>,
}

impl OutputText {
    fn new(text: String) -> Self {
        Self {
            kind: "output_text",
            text,
            annotations: vec![],
        }
    }
}

/// A `summary_text` part of a reasoning item's summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SummaryText {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

impl SummaryText {
    fn new(text: String) -> Self {
        Self {
            kind: "summary_text",
            text,
        }
    }
}

/// `response.reasoning_summary_part.added` and `.done`.
#[derive(Debug, Serialize)]
struct SummaryPartEvent {
    item_id: String,
    output_index: usize,
    summary_index: usize,
    part: SummaryText,
}

/// `response.reasoning_summary_text.delta`.
#[derive(Debug, Serialize)]
struct SummaryTextDelta<'a> {
    item_id: String,
    output_index: usize,
    summary_index: usize,
    delta: &'a str,
}

/// `response.reasoning_summary_text.done`.
#[derive(Debug, Serialize)]
struct SummaryTextDone {
    item_id: String,
    output_index: usize,
    summary_index: usize,
    text: String,
}

/// A response object (`object: "response"`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResponseObject {
    id: String,
    object: &'static str,
    created_at: i64,
    status: &'static str,
    model: String,
    output: Vec<OutputItem>,
    usage: Option<ResponseUsage>,
    error: Option<Value>,
    incomplete_details: Option<Value>,
    parallel_tool_calls: bool,
    tool_choice: Value,
    tools: Vec<Value>,
}

/// One `response.*` event of a stream.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResponseEvent {
    /// `response.created`, `response.output_text.delta`, ….
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Position in the stream.
    pub sequence_number: u64,
    /// The event's own fields.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

/// What an item being streamed is.
enum Open {
    Text {
        item: usize,
        text: String,
    },
    Call {
        item: usize,
        json: String,
    },
    /// `summarizing`: the summary part is open (its first text went out).
    Thinking {
        item: usize,
        block: ContentBlock,
        summarizing: bool,
    },
    Other,
}

/// Turns a Messages answer (whole, or event by event) into the Responses shape.
pub struct ResponsesTranslator {
    id: String,
    created_at: i64,
    model: String,
    json_mode: bool,
    custom: Vec<String>,
    reasoning_out: bool,
    summary: bool,
    output: Vec<OutputItem>,
    open: Vec<Open>,
    usage: Usage,
    stop_reason: Option<String>,
    seq: u64,
}

impl ResponsesTranslator {
    /// A translator for one answer.
    pub fn new(mapped: &MappedResponses, created_at: i64) -> Self {
        Self {
            id: format!("resp_{}", uuid::Uuid::new_v4().simple()),
            created_at,
            model: mapped.mapped.request.model.clone(),
            json_mode: mapped.mapped.json_mode,
            custom: mapped.custom_tools.clone(),
            reasoning_out: mapped.reasoning_out,
            summary: mapped.summary,
            output: vec![],
            open: vec![],
            usage: Usage::default(),
            stop_reason: None,
            seq: 0,
        }
    }

    /// The response's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn status(&self) -> &'static str {
        match self.stop_reason.as_deref() {
            Some("max_tokens") => "incomplete",
            _ => "completed",
        }
    }

    /// The response object as it stands (`status` given).
    pub fn object(&self, status: &'static str) -> ResponseObject {
        ResponseObject {
            id: self.id.clone(),
            object: "response",
            created_at: self.created_at,
            status,
            model: self.model.clone(),
            output: self.output.clone(),
            usage: (status != "in_progress").then(|| ResponseUsage::from_usage(&self.usage)),
            error: None,
            incomplete_details: (status == "incomplete")
                .then(|| json!({"reason": "max_output_tokens"})),
            parallel_tool_calls: true,
            tool_choice: json!("auto"),
            tools: vec![],
        }
    }

    fn item_for(&self, id: &str, name: &str, input: String) -> OutputItem {
        if self.custom.iter().any(|c| c == name) {
            let text = serde_json::from_str::<Value>(&input)
                .ok()
                .and_then(|v| v["input"].as_str().map(str::to_owned))
                .unwrap_or(input);
            OutputItem::CustomToolCall {
                id: format!("ctc_{id}"),
                call_id: id.to_owned(),
                name: name.to_owned(),
                input: text,
                status: "completed",
            }
        } else {
            OutputItem::FunctionCall {
                id: format!("fc_{id}"),
                call_id: id.to_owned(),
                name: name.to_owned(),
                arguments: input,
                status: "completed",
            }
        }
    }

    /// A whole (non-streamed) answer as a response object.
    pub fn whole(mut self, msg: &Message) -> ResponseObject {
        self.usage = msg.usage;
        self.stop_reason = msg.stop_reason.clone();
        if !msg.model.is_empty() {
            self.model = msg.model.clone();
        }
        let mut text = String::new();
        let mut calls = Vec::new();
        for b in &msg.content {
            if self.wants_reasoning(b) {
                self.output.push(OutputItem::Reasoning {
                    id: format!("rs_{}", uuid::Uuid::new_v4().simple()),
                    summary: self.summary_of(b),
                    encrypted_content: if self.reasoning_out { seal(b) } else { None },
                });
                continue;
            }
            match b {
                ContentBlock::Text { text: t, .. } => text.push_str(t),
                ContentBlock::ToolUse { name, input, .. }
                    if self.json_mode && name == JSON_TOOL =>
                {
                    text.push_str(&input.to_string())
                }
                ContentBlock::ToolUse { id, name, input } => {
                    calls.push(self.item_for(id, name, input.to_string()))
                }
                _ => {}
            }
        }
        if !text.is_empty() {
            self.output.push(OutputItem::Message {
                id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                status: "completed",
                role: "assistant",
                content: vec![OutputText::new(text)],
            });
        }
        self.output.extend(calls);
        let status = self.status();
        self.object(status)
    }

    /// Whether a block goes out as a reasoning item: any thinking when it is sealed, readable
    /// thinking (not redacted) when only the summary is asked for.
    fn wants_reasoning(&self, b: &ContentBlock) -> bool {
        match b {
            ContentBlock::Thinking { .. } => self.reasoning_out || self.summary,
            ContentBlock::RedactedThinking { .. } => self.reasoning_out,
            _ => false,
        }
    }

    /// A thinking block's summary: its text as one part, when asked for and not empty.
    fn summary_of(&self, b: &ContentBlock) -> Vec<SummaryText> {
        match b {
            ContentBlock::Thinking { thinking, .. } if self.summary && !thinking.is_empty() => {
                vec![SummaryText::new(thinking.clone())]
            }
            _ => vec![],
        }
    }

    /// An event whose fields are a typed wire shape.
    fn typed(&mut self, kind: &'static str, fields: &impl Serialize) -> ResponseEvent {
        let fields = serde_json::to_value(fields).unwrap_or_default();
        self.event(kind, fields)
    }

    /// The summary events for thinking text that arrived: the part opens at the first text.
    fn summary_delta(&mut self, index: usize, text: &str) -> Vec<ResponseEvent> {
        let mut out = Vec::new();
        let Some(Open::Thinking {
            item, summarizing, ..
        }) = self.open.get_mut(index)
        else {
            return out;
        };
        if !self.summary || text.is_empty() {
            return out;
        }
        let (item, opened) = (*item, std::mem::replace(summarizing, true));
        let item_id = self.item_id(item);
        if !opened {
            let added = SummaryPartEvent {
                item_id: item_id.clone(),
                output_index: item,
                summary_index: 0,
                part: SummaryText::new(String::new()),
            };
            out.push(self.typed("response.reasoning_summary_part.added", &added));
        }
        let delta = SummaryTextDelta {
            item_id,
            output_index: item,
            summary_index: 0,
            delta: text,
        };
        out.push(self.typed("response.reasoning_summary_text.delta", &delta));
        out
    }

    fn event(&mut self, kind: &'static str, fields: Value) -> ResponseEvent {
        self.seq += 1;
        ResponseEvent {
            kind,
            sequence_number: self.seq,
            fields: match fields {
                Value::Object(m) => m,
                _ => Default::default(),
            },
        }
    }

    /// The events that open a stream.
    pub fn start(&mut self) -> Vec<ResponseEvent> {
        let r = serde_json::to_value(self.object("in_progress")).unwrap_or_default();
        vec![
            self.event("response.created", json!({"response": r})),
            self.event("response.in_progress", json!({"response": r})),
        ]
    }

    /// The events for one Messages stream event.
    pub fn on_event(&mut self, ev: &StreamEvent) -> Vec<ResponseEvent> {
        let mut out = Vec::new();
        match ev {
            StreamEvent::MessageStart { message } => {
                self.usage = message.usage;
                if !message.model.is_empty() {
                    self.model = message.model.clone();
                }
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                let open = match content_block {
                    ContentBlock::Text { .. } => {
                        let item = self.output.len();
                        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
                        self.output.push(OutputItem::Message {
                            id: id.clone(),
                            status: "in_progress",
                            role: "assistant",
                            content: vec![],
                        });
                        let it = serde_json::to_value(&self.output[item]).unwrap_or_default();
                        out.push(self.event(
                            "response.output_item.added",
                            json!({"output_index": item, "item": it}),
                        ));
                        out.push(self.event(
                            "response.content_part.added",
                            json!({"item_id": id, "output_index": item,
                            "content_index": 0, "part": OutputText::new(String::new())}),
                        ));
                        Open::Text {
                            item,
                            text: String::new(),
                        }
                    }
                    ContentBlock::ToolUse { id, name, .. } => {
                        let item = self.output.len();
                        let mut shell = self.item_for(id, name, String::new());
                        match &mut shell {
                            OutputItem::FunctionCall { status, .. }
                            | OutputItem::CustomToolCall { status, .. } => *status = "in_progress",
                            OutputItem::Message { .. } | OutputItem::Reasoning { .. } => {}
                        }
                        self.output.push(shell);
                        let it = serde_json::to_value(&self.output[item]).unwrap_or_default();
                        out.push(self.event(
                            "response.output_item.added",
                            json!({"output_index": item, "item": it}),
                        ));
                        Open::Call {
                            item,
                            json: String::new(),
                        }
                    }
                    ContentBlock::Thinking { .. } | ContentBlock::RedactedThinking { .. }
                        if self.wants_reasoning(content_block) =>
                    {
                        let item = self.output.len();
                        self.output.push(OutputItem::Reasoning {
                            id: format!("rs_{}", uuid::Uuid::new_v4().simple()),
                            summary: vec![],
                            encrypted_content: None,
                        });
                        let it = serde_json::to_value(&self.output[item]).unwrap_or_default();
                        out.push(self.event(
                            "response.output_item.added",
                            json!({"output_index": item, "item": it}),
                        ));
                        Open::Thinking {
                            item,
                            block: content_block.clone(),
                            summarizing: false,
                        }
                    }
                    _ => Open::Other,
                };
                if self.open.len() <= *index {
                    self.open.resize_with(*index + 1, || Open::Other);
                }
                self.open[*index] = open;
                // a start that carries thinking text already (the API's is empty)
                if let ContentBlock::Thinking { thinking, .. } = content_block {
                    out.extend(self.summary_delta(*index, thinking));
                }
            }
            StreamEvent::ContentBlockDelta { index, delta } => {
                if let Some(Open::Thinking {
                    block:
                        ContentBlock::Thinking {
                            thinking,
                            signature,
                        },
                    ..
                }) = self.open.get_mut(*index)
                {
                    match delta {
                        BlockDelta::ThinkingDelta { thinking: t } => {
                            thinking.push_str(t);
                            out.extend(self.summary_delta(*index, t));
                        }
                        BlockDelta::SignatureDelta { signature: s } => signature.push_str(s),
                        _ => {}
                    }
                    return out;
                }
                let (item, id) = match self.open.get(*index) {
                    Some(Open::Text { item, .. } | Open::Call { item, .. }) => {
                        (*item, self.item_id(*item))
                    }
                    _ => return out,
                };
                match (delta, self.open.get_mut(*index)) {
                    (BlockDelta::TextDelta { text }, Some(Open::Text { text: acc, .. })) => {
                        acc.push_str(text);
                        out.push(self.event(
                            "response.output_text.delta",
                            json!({"item_id": id,
                            "output_index": item, "content_index": 0, "delta": text}),
                        ));
                    }
                    (
                        BlockDelta::InputJsonDelta { partial_json },
                        Some(Open::Call { json: acc, .. }),
                    ) => {
                        acc.push_str(partial_json);
                        if !self.is_custom(item) {
                            out.push(self.event(
                                "response.function_call_arguments.delta",
                                json!({"item_id": id, "output_index": item, "delta": partial_json}),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            StreamEvent::ContentBlockStop { index } => {
                let open = self
                    .open
                    .get_mut(*index)
                    .map(|o| std::mem::replace(o, Open::Other));
                match open {
                    Some(Open::Text { item, text }) => {
                        let id = self.item_id(item);
                        out.push(self.event(
                            "response.output_text.done",
                            json!({"item_id": id,
                            "output_index": item, "content_index": 0, "text": text}),
                        ));
                        out.push(self.event("response.content_part.done", json!({"item_id": id,
                            "output_index": item, "content_index": 0, "part": OutputText::new(text.clone())})));
                        if let OutputItem::Message {
                            status, content, ..
                        } = &mut self.output[item]
                        {
                            *status = "completed";
                            *content = vec![OutputText::new(text)];
                        }
                        let it = serde_json::to_value(&self.output[item]).unwrap_or_default();
                        out.push(self.event(
                            "response.output_item.done",
                            json!({"output_index": item, "item": it}),
                        ));
                    }
                    Some(Open::Thinking {
                        item,
                        block,
                        summarizing,
                    }) => {
                        let parts = self.summary_of(&block);
                        if summarizing && let Some(part) = parts.first() {
                            let item_id = self.item_id(item);
                            let done = SummaryTextDone {
                                item_id: item_id.clone(),
                                output_index: item,
                                summary_index: 0,
                                text: part.text.clone(),
                            };
                            out.push(self.typed("response.reasoning_summary_text.done", &done));
                            let done = SummaryPartEvent {
                                item_id,
                                output_index: item,
                                summary_index: 0,
                                part: part.clone(),
                            };
                            out.push(self.typed("response.reasoning_summary_part.done", &done));
                        }
                        let sealed = if self.reasoning_out {
                            seal(&block)
                        } else {
                            None
                        };
                        if let OutputItem::Reasoning {
                            encrypted_content,
                            summary,
                            ..
                        } = &mut self.output[item]
                        {
                            *encrypted_content = sealed;
                            *summary = parts;
                        }
                        let it = serde_json::to_value(&self.output[item]).unwrap_or_default();
                        out.push(self.event(
                            "response.output_item.done",
                            json!({"output_index": item, "item": it}),
                        ));
                    }
                    Some(Open::Call { item, json: args }) => {
                        let args = if args.trim().is_empty() {
                            "{}".to_owned()
                        } else {
                            args
                        };
                        let (call_id, name) = match &self.output[item] {
                            OutputItem::FunctionCall { call_id, name, .. }
                            | OutputItem::CustomToolCall { call_id, name, .. } => {
                                (call_id.clone(), name.clone())
                            }
                            OutputItem::Message { .. } | OutputItem::Reasoning { .. } => {
                                return out;
                            }
                        };
                        let done = self.item_for(&call_id, &name, args.clone());
                        let id = self.item_id(item);
                        if !self.is_custom(item) {
                            out.push(self.event(
                                "response.function_call_arguments.done",
                                json!({"item_id": id, "output_index": item, "arguments": args}),
                            ));
                        }
                        self.output[item] = done;
                        let it = serde_json::to_value(&self.output[item]).unwrap_or_default();
                        out.push(self.event(
                            "response.output_item.done",
                            json!({"output_index": item, "item": it}),
                        ));
                    }
                    _ => {}
                }
            }
            StreamEvent::MessageDelta { delta, usage } => {
                if let Some(u) = usage {
                    self.usage.merge_delta(u);
                }
                if delta.stop_reason.is_some() {
                    self.stop_reason = delta.stop_reason.clone();
                }
            }
            _ => {}
        }
        out
    }

    fn item_id(&self, item: usize) -> String {
        match &self.output[item] {
            OutputItem::Message { id, .. }
            | OutputItem::FunctionCall { id, .. }
            | OutputItem::Reasoning { id, .. }
            | OutputItem::CustomToolCall { id, .. } => id.clone(),
        }
    }

    fn is_custom(&self, item: usize) -> bool {
        matches!(self.output[item], OutputItem::CustomToolCall { .. })
    }

    /// The closing event: `response.completed` (or `incomplete` when the limit was hit).
    pub fn finish(&mut self) -> ResponseEvent {
        let status = self.status();
        let r = serde_json::to_value(self.object(status)).unwrap_or_default();
        let kind = if status == "incomplete" {
            "response.incomplete"
        } else {
            "response.completed"
        };
        self.event(kind, json!({"response": r}))
    }

    /// The closing event of a stream that failed.
    pub fn failed(&mut self, code: &str, message: &str) -> ResponseEvent {
        let mut r = serde_json::to_value(self.object("failed")).unwrap_or_default();
        r["error"] = json!({"code": code, "message": message});
        self.event("response.failed", json!({"response": r}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(v: Value) -> ResponsesRequest {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn codex_like_input_maps_to_messages() {
        let r = req(json!({
            "model": "claude-sonnet-4-5",
            "instructions": "be terse",
            "input": [
                {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "rules"}]},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
                {"type": "function_call", "id": "fc_1", "call_id": "toolu_1", "name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"},
                {"type": "function_call_output", "id": "fco_1", "call_id": "toolu_1", "output": "a.txt"},
                {"type": "reasoning", "summary": []}
            ],
            "tools": [
                {"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}},
                {"type": "namespace", "name": "ns", "tools": [{"type": "function", "name": "write_stdin", "parameters": {"type": "object"}}]},
                {"type": "custom", "name": "apply_patch", "description": "patch"},
                {"type": "web_search"}
            ],
            "reasoning": {"effort": "xhigh", "summary": "auto"},
            "max_output_tokens": 4000,
            "store": false, "include": ["reasoning.encrypted_content"], "prompt_cache_key": "k"
        }));
        let m = responses_to_anthropic(&r, "d", 1024).unwrap();
        let q = &m.mapped.request;
        let sys = serde_json::to_value(&q.system).unwrap();
        assert_eq!(
            sys,
            json!([{"type": "text", "text": "be terse\n\nrules", "cache_control": {"type": "ephemeral"}}]),
            "prompt_cache_key caches the instructions"
        );
        let names: Vec<&str> = q
            .tools
            .as_ref()
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, ["exec_command", "write_stdin", "apply_patch"]);
        assert_eq!(m.custom_tools, ["apply_patch"]);
        assert_eq!(m.dropped_tools, ["web_search"]);
        let msgs = serde_json::to_value(&q.messages).unwrap();
        assert_eq!(msgs[0]["role"], "user");
        assert_eq!(msgs[1]["content"][0]["type"], "tool_use");
        assert_eq!(msgs[1]["content"][0]["input"], json!({"cmd": "ls"}));
        assert_eq!(msgs[2]["content"][0]["type"], "tool_result");
        assert!(q.max_tokens >= 4000, "{}", q.max_tokens);
        assert!(q.thinking.is_some(), "xhigh effort thinks");
    }

    #[test]
    fn a_streamed_answer_becomes_response_events_in_order() {
        let r = req(
            json!({"model": "m", "input": "hi", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]}),
        );
        let m = responses_to_anthropic(&r, "d", 100).unwrap();
        let mut t = ResponsesTranslator::new(&m, 1);
        let mut kinds: Vec<&str> = t.start().iter().map(|e| e.kind).collect();
        let evs: Vec<StreamEvent> = serde_json::from_value(json!([
            {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":10,"output_tokens":1}}},
            {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}},
            {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}},
            {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}},
            {"type":"content_block_stop","index":0},
            {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"f","input":{}}},
            {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}},
            {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}},
            {"type":"content_block_stop","index":1},
            {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}},
            {"type":"message_stop"}
        ])).unwrap();
        let mut all = Vec::new();
        for e in &evs {
            all.extend(t.on_event(e));
        }
        all.push(t.finish());
        kinds.extend(all.iter().map(|e| e.kind));
        assert_eq!(
            kinds,
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.output_item.added",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed",
            ]
        );
        let done = serde_json::to_value(all.last().unwrap()).unwrap();
        let out = &done["response"]["output"];
        assert_eq!(out[0]["content"][0]["text"], "Hello");
        assert_eq!(out[1]["type"], "function_call");
        assert_eq!(out[1]["call_id"], "toolu_9");
        assert_eq!(out[1]["arguments"], "{\"a\":1}");
        assert_eq!(done["response"]["usage"]["output_tokens"], 7);
        assert_eq!(done["response"]["usage"]["input_tokens"], 10);
        let seq: Vec<u64> = all.iter().map(|e| e.sequence_number).collect();
        assert!(seq.windows(2).all(|w| w[1] == w[0] + 1));
    }

    /// Ids made here are random: numbered in order of appearance, so a shape can be pinned.
    fn stable_ids(v: &mut Value, seen: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                if let Some((prefix, rest)) = s.split_once('_')
                    && matches!(prefix, "rs" | "msg" | "resp")
                    && rest.len() == 32
                {
                    let n = match seen.iter().position(|x| x == s) {
                        Some(n) => n,
                        None => {
                            seen.push(s.clone());
                            seen.len() - 1
                        }
                    };
                    *s = format!("{prefix}_{n}");
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| stable_ids(x, seen)),
            Value::Object(o) => o.values_mut().for_each(|x| stable_ids(x, seen)),
            _ => {}
        }
    }

    fn thinking_then_text() -> Vec<StreamEvent> {
        serde_json::from_value(json!([
            {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":5,"output_tokens":1}}},
            {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}},
            {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user "}},
            {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"says hi."}},
            {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig-1"}},
            {"type":"content_block_stop","index":0},
            {"type":"content_block_start","index":1,"content_block":{"type":"redacted_thinking","data":"opaque"}},
            {"type":"content_block_stop","index":1},
            {"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}},
            {"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Hello"}},
            {"type":"content_block_stop","index":2},
            {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}},
            {"type":"message_stop"}
        ]))
        .unwrap()
    }

    #[test]
    fn a_summary_streams_as_openai_sends_it() {
        let r = req(json!({"model": "m", "input": "hi",
            "reasoning": {"effort": "low", "summary": "auto"}}));
        let m = responses_to_anthropic(&r, "d", 4000).unwrap();
        assert!(m.summary && !m.reasoning_out);
        assert!(m.mapped.request.thinking.is_some(), "effort thinks");
        let mut t = ResponsesTranslator::new(&m, 1);
        let mut all = t.start();
        for e in &thinking_then_text() {
            all.extend(t.on_event(e));
        }
        all.push(t.finish());
        let kinds: Vec<&str> = all.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done",
                "response.reasoning_summary_part.done",
                "response.output_item.done",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed",
            ],
            "redacted thinking has no text to show: no item without `include`"
        );
        // the reasoning item's events, pinned as they go on the wire
        let mut wire = serde_json::to_value(&all[2..9]).unwrap();
        stable_ids(&mut wire, &mut vec![]);
        assert_eq!(
            wire,
            json!([
                {"type": "response.output_item.added", "sequence_number": 3, "output_index": 0,
                 "item": {"type": "reasoning", "id": "rs_0", "summary": [], "encrypted_content": null}},
                {"type": "response.reasoning_summary_part.added", "sequence_number": 4,
                 "item_id": "rs_0", "output_index": 0, "summary_index": 0,
                 "part": {"type": "summary_text", "text": ""}},
                {"type": "response.reasoning_summary_text.delta", "sequence_number": 5,
                 "item_id": "rs_0", "output_index": 0, "summary_index": 0, "delta": "The user "},
                {"type": "response.reasoning_summary_text.delta", "sequence_number": 6,
                 "item_id": "rs_0", "output_index": 0, "summary_index": 0, "delta": "says hi."},
                {"type": "response.reasoning_summary_text.done", "sequence_number": 7,
                 "item_id": "rs_0", "output_index": 0, "summary_index": 0,
                 "text": "The user says hi."},
                {"type": "response.reasoning_summary_part.done", "sequence_number": 8,
                 "item_id": "rs_0", "output_index": 0, "summary_index": 0,
                 "part": {"type": "summary_text", "text": "The user says hi."}},
                {"type": "response.output_item.done", "sequence_number": 9, "output_index": 0,
                 "item": {"type": "reasoning", "id": "rs_0",
                          "summary": [{"type": "summary_text", "text": "The user says hi."}],
                          "encrypted_content": null}},
            ])
        );
        let done = serde_json::to_value(all.last().unwrap()).unwrap();
        let out = &done["response"]["output"];
        assert_eq!(out[0]["summary"][0]["text"], "The user says hi.");
        assert_eq!(out[1]["content"][0]["text"], "Hello");
        assert_eq!(
            done["response"]["usage"]["output_tokens_details"],
            json!({"reasoning_tokens": 0}),
            "no split from Anthropic's usage, and no guess"
        );
    }

    #[test]
    fn a_whole_answer_has_the_same_summary_and_include_adds_the_seal() {
        let msg = |t: &mut ResponsesTranslator| {
            for e in &thinking_then_text() {
                t.on_event(e);
            }
        };
        let whole_msg: Message = serde_json::from_value(json!({
            "id": "msg_1", "model": "m", "role": "assistant", "stop_reason": "end_turn",
            "content": [
                {"type": "thinking", "thinking": "The user says hi.", "signature": "sig-1"},
                {"type": "redacted_thinking", "data": "opaque"},
                {"type": "text", "text": "Hello"}],
            "usage": {"input_tokens": 5, "output_tokens": 9}}))
        .unwrap();
        for (extra, items) in [
            (
                json!({"reasoning": {"effort": "low", "summary": "detailed"}}),
                2,
            ),
            (
                json!({"reasoning": {"effort": "low", "summary": "concise"},
                       "include": ["reasoning.encrypted_content"]}),
                3,
            ),
            (json!({"reasoning": {"effort": "low"}}), 1),
        ] {
            let mut body = json!({"model": "m", "input": "hi"});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let m = responses_to_anthropic(&req(body), "d", 4000).unwrap();
            let whole =
                serde_json::to_value(ResponsesTranslator::new(&m, 1).whole(&whole_msg)).unwrap();
            let mut t = ResponsesTranslator::new(&m, 1);
            msg(&mut t);
            let streamed = serde_json::to_value(t.finish()).unwrap();
            for (how, out) in [
                ("whole", &whole["output"]),
                ("streamed", &streamed["response"]["output"]),
            ] {
                let out = out.as_array().unwrap();
                assert_eq!(out.len(), items, "{how} {extra}: {out:?}");
                if items == 1 {
                    assert_eq!(out[0]["type"], "message", "{how}: no summary, no item");
                    continue;
                }
                assert_eq!(
                    out[0]["summary"],
                    json!([{"type": "summary_text", "text": "The user says hi."}]),
                    "{how} {extra}"
                );
                let sealed = out[0]["encrypted_content"].as_str();
                assert_eq!(sealed.is_some(), m.reasoning_out, "{how} {extra}");
                if m.reasoning_out {
                    // the redacted block goes out sealed, with nothing to summarise
                    assert_eq!(out[1]["type"], "reasoning");
                    assert_eq!(out[1]["summary"], json!([]));
                    assert!(out[1]["encrypted_content"].is_string());
                }
            }
        }
    }

    #[test]
    fn thinking_goes_out_sealed_and_comes_back_with_its_signature() {
        let r = req(
            json!({"model": "m", "input": "think", "include": ["reasoning.encrypted_content"],
            "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]}),
        );
        let m = responses_to_anthropic(&r, "d", 100).unwrap();
        let mut t = ResponsesTranslator::new(&m, 1);
        let evs: Vec<StreamEvent> = serde_json::from_value(json!([
            {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}},
            {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}},
            {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"let me see"}},
            {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig-123"}},
            {"type":"content_block_stop","index":0},
            {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}},
            {"type":"content_block_stop","index":1},
            {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}},
            {"type":"message_stop"}
        ])).unwrap();
        for e in &evs {
            t.on_event(e);
        }
        let done = serde_json::to_value(t.finish()).unwrap();
        let out = done["response"]["output"].as_array().unwrap().clone();
        assert_eq!(out[0]["type"], "reasoning");
        let sealed = out[0]["encrypted_content"].as_str().unwrap().to_owned();
        assert!(!sealed.contains("let me see"), "opaque to the client");
        // the client sends it all back with the tool's output
        let again = req(json!({"model": "m", "input": [
            {"role": "user", "content": "think"},
            out[0].clone(),
            {"type": "function_call", "call_id": "toolu_1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "toolu_1", "output": "done"}
        ], "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]}));
        let m = responses_to_anthropic(&again, "d", 100).unwrap();
        let msgs = serde_json::to_value(&m.mapped.request.messages).unwrap();
        assert_eq!(msgs[1]["role"], "assistant");
        assert_eq!(
            msgs[1]["content"][0],
            json!({"type": "thinking", "thinking": "let me see", "signature": "sig-123"})
        );
        assert_eq!(msgs[1]["content"][1]["type"], "tool_use");
        // without `include`, no reasoning item goes out
        let plain =
            responses_to_anthropic(&req(json!({"model": "m", "input": "x"})), "d", 100).unwrap();
        let mut t = ResponsesTranslator::new(&plain, 1);
        for e in &evs {
            t.on_event(e);
        }
        let done = serde_json::to_value(t.finish()).unwrap();
        assert_eq!(done["response"]["output"][0]["type"], "function_call");
    }
}
