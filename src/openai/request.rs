//! OpenAI request → Anthropic request (protocols.md §3.1).

use super::JSON_TOOL;
use crate::anthropic::{
    ContentBlock, ImageSource, MessageParam, MessagesRequest, Metadata, Role, System,
    ThinkingConfig, Tool, ToolChoice, ToolResultContent,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// A chat completion request, OpenAI's fields plus the iOS app's.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ChatRequest {
    /// Model id (the configured default when absent).
    #[serde(default)]
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Stream chunks.
    #[serde(default)]
    pub stream: Option<bool>,
    /// `{include_usage}`.
    #[serde(default)]
    pub stream_options: Option<Value>,
    /// Deprecated limit.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Preferred limit.
    #[serde(default)]
    pub max_completion_tokens: Option<u32>,
    /// 0-2 in OpenAI, clamped to Anthropic's 0-1.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// A string or a list.
    #[serde(default)]
    pub stop: Option<Value>,
    /// Choices wanted; only 1 is possible.
    #[serde(default)]
    pub n: Option<u32>,
    /// Function tools.
    #[serde(default)]
    pub tools: Option<Vec<Value>>,
    /// `none|auto|required|{function:{name}}`.
    #[serde(default)]
    pub tool_choice: Option<Value>,
    /// False disables parallel calls.
    #[serde(default)]
    pub parallel_tool_calls: Option<bool>,
    /// `text|json_object|json_schema`.
    #[serde(default)]
    pub response_format: Option<Value>,
    /// `low|medium|high`.
    #[serde(default)]
    pub reasoning_effort: Option<String>,
    /// End-user id.
    #[serde(default)]
    pub user: Option<String>,
    /// Not supported when true.
    #[serde(default)]
    pub logprobs: Option<bool>,
    /// iOS: the session to continue or create.
    #[serde(default)]
    pub session_id: Option<String>,
    /// iOS: the project of a new session.
    #[serde(default)]
    pub project_id: Option<String>,
    /// iOS: a system prompt.
    #[serde(default)]
    pub system_prompt: Option<String>,
}

impl ChatRequest {
    /// True when the iOS session mode applies.
    pub fn is_session_mode(&self) -> bool {
        self.session_id.is_some() || self.project_id.is_some()
    }

    /// True when usage must be streamed.
    pub fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// One message of the request.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct ChatMessage {
    /// `system|developer|user|assistant|tool|function`.
    pub role: String,
    /// A string, parts, or null.
    #[serde(default)]
    pub content: Option<Value>,
    /// Assistant tool calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<Value>>,
    /// The call a tool message answers.
    #[serde(default)]
    pub tool_call_id: Option<String>,
    /// Name (dropped; for legacy `function` messages, the call).
    #[serde(default)]
    pub name: Option<String>,
}

/// A request the mapping refuses: OpenAI's `invalid_request_error` with `param`.
#[derive(Debug, Clone, PartialEq)]
pub struct MapError {
    /// What is wrong.
    pub message: String,
    /// The offending field.
    pub param: String,
}

fn bad(param: impl Into<String>, message: impl Into<String>) -> MapError {
    MapError {
        message: message.into(),
        param: param.into(),
    }
}

/// The mapped request and what the answer's translation must know.
#[derive(Debug, Clone)]
pub struct Mapped {
    /// The Anthropic request.
    pub request: MessagesRequest,
    /// `response_format` asked for JSON: the forced tool's input is the content.
    pub json_mode: bool,
}

/// Maps an OpenAI request to the Messages API.
pub fn to_anthropic(
    req: &ChatRequest,
    default_model: &str,
    default_max_tokens: u32,
) -> Result<Mapped, MapError> {
    if req.n.is_some_and(|n| n > 1) {
        return Err(bad(
            "n",
            "n > 1 is not supported: Claude returns one choice per request",
        ));
    }
    if req.logprobs == Some(true) {
        return Err(bad("logprobs", "logprobs are not supported"));
    }
    let mut system: Vec<String> = Vec::new();
    if let Some(sp) = req.system_prompt.as_ref().filter(|s| !s.trim().is_empty()) {
        system.push(sp.clone());
    }
    let mut messages: Vec<MessageParam> = Vec::new();
    let push = |messages: &mut Vec<MessageParam>,
                role: Role,
                blocks: Vec<ContentBlock>,
                tool_results_first: bool| {
        if blocks.is_empty() {
            return;
        }
        match messages.last_mut() {
            Some(last) if last.role == role => {
                if tool_results_first {
                    // tool results go before any text already in the merged user turn
                    let at = last
                        .content
                        .iter()
                        .position(|b| !matches!(b, ContentBlock::ToolResult { .. }))
                        .unwrap_or(last.content.len());
                    for (i, b) in blocks.into_iter().enumerate() {
                        last.content.insert(at + i, b);
                    }
                } else {
                    last.content.extend(blocks)
                }
            }
            _ => messages.push(MessageParam {
                role,
                content: blocks,
            }),
        }
    };
    for (i, m) in req.messages.iter().enumerate() {
        let p = |f: &str| format!("messages[{i}].{f}");
        match m.role.as_str() {
            "system" | "developer" => {
                let text = text_of(m.content.as_ref(), &p("content"))?;
                if !text.trim().is_empty() {
                    system.push(text);
                }
            }
            "user" => {
                let blocks = user_blocks(m.content.as_ref(), &p("content"))?;
                push(&mut messages, Role::User, blocks, false);
            }
            "assistant" => {
                let mut blocks = Vec::new();
                let text = match &m.content {
                    None | Some(Value::Null) => String::new(),
                    c => text_of(c.as_ref(), &p("content"))?,
                };
                if !text.is_empty() {
                    blocks.push(ContentBlock::text(text));
                }
                for (j, call) in m.tool_calls.iter().flatten().enumerate() {
                    let id = call["id"].as_str().ok_or_else(|| {
                        bad(p(&format!("tool_calls[{j}].id")), "a tool call needs an id")
                    })?;
                    let f = &call["function"];
                    let name = f["name"].as_str().ok_or_else(|| {
                        bad(
                            p(&format!("tool_calls[{j}].function.name")),
                            "a tool call needs a function name",
                        )
                    })?;
                    let args = f["arguments"].as_str().unwrap_or("");
                    let input = if args.trim().is_empty() {
                        json!({})
                    } else {
                        serde_json::from_str(args).map_err(|e| {
                            bad(
                                p(&format!("tool_calls[{j}].function.arguments")),
                                format!("arguments are not valid JSON: {e}"),
                            )
                        })?
                    };
                    blocks.push(ContentBlock::ToolUse {
                        id: id.to_owned(),
                        name: name.to_owned(),
                        input,
                    });
                }
                push(&mut messages, Role::Assistant, blocks, false);
            }
            "tool" | "function" => {
                let id = m
                    .tool_call_id
                    .clone()
                    .or_else(|| m.name.clone())
                    .ok_or_else(|| bad(p("tool_call_id"), "a tool message needs tool_call_id"))?;
                let text = match &m.content {
                    None | Some(Value::Null) => String::new(),
                    c => text_of(c.as_ref(), &p("content"))?,
                };
                let block = ContentBlock::ToolResult {
                    tool_use_id: id,
                    content: Some(ToolResultContent::Text(text)),
                    is_error: None,
                };
                push(&mut messages, Role::User, vec![block], true);
            }
            other => return Err(bad(p("role"), format!("unknown role {other:?}"))),
        }
    }
    if messages.is_empty() {
        return Err(bad(
            "messages",
            "messages must contain at least one user or assistant message",
        ));
    }

    let max_tokens = req
        .max_completion_tokens
        .or(req.max_tokens)
        .unwrap_or(default_max_tokens);
    if max_tokens == 0 {
        return Err(bad("max_tokens", "max_tokens must be at least 1"));
    }
    let mut out = MessagesRequest {
        model: req
            .model
            .clone()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| default_model.to_owned()),
        max_tokens,
        messages,
        system: (!system.is_empty()).then(|| System::Text(system.join("\n\n"))),
        ..Default::default()
    };
    if let Some(t) = req.temperature {
        if !(0.0..=2.0).contains(&t) {
            return Err(bad("temperature", "temperature must be between 0 and 2"));
        }
        out.temperature = Some(t.min(1.0));
    } else if let Some(p) = req.top_p {
        if !(0.0..=1.0).contains(&p) {
            return Err(bad("top_p", "top_p must be between 0 and 1"));
        }
        out.top_p = Some(p);
    }
    out.stop_sequences = match &req.stop {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad("stop", "stop must be a string or a list of strings"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(bad("stop", "stop must be a string or a list of strings")),
    }
    .map(|v| {
        v.into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
    })
    .filter(|v| !v.is_empty());
    if let Some(u) = req.user.as_ref().filter(|u| !u.is_empty()) {
        out.metadata = Some(Metadata { user_id: u.clone() });
    }
    let mut tools = Vec::new();
    for (i, t) in req.tools.iter().flatten().enumerate() {
        let f = &t["function"];
        let name = f["name"].as_str().ok_or_else(|| {
            bad(
                format!("tools[{i}].function.name"),
                "a tool needs a function name",
            )
        })?;
        let schema = match &f["parameters"] {
            Value::Object(o) if !o.is_empty() => Value::Object(o.clone()),
            _ => json!({"type":"object","properties":{}}),
        };
        tools.push(Tool {
            name: name.to_owned(),
            description: f["description"].as_str().map(str::to_owned),
            input_schema: schema,
        });
    }
    let no_parallel = (req.parallel_tool_calls == Some(false)).then_some(true);
    let mut choice = match &req.tool_choice {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match s.as_str() {
            "auto" => Some(ToolChoice::Auto {
                disable_parallel_tool_use: None,
            }),
            "required" => Some(ToolChoice::Any {
                disable_parallel_tool_use: None,
            }),
            "none" => Some(ToolChoice::None),
            other => return Err(bad("tool_choice", format!("unknown tool_choice {other:?}"))),
        },
        Some(v) => match v["function"]["name"].as_str() {
            Some(name) => Some(ToolChoice::Tool {
                name: name.to_owned(),
                disable_parallel_tool_use: None,
            }),
            None => {
                return Err(bad(
                    "tool_choice",
                    "tool_choice must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\"}}",
                ));
            }
        },
    };
    let mut json_mode = false;
    if let Some(rf) = &req.response_format {
        let schema = match rf["type"].as_str() {
            Some("json_schema") => Some(rf["json_schema"]["schema"].clone())
                .filter(Value::is_object)
                .unwrap_or(json!({"type":"object"})),
            Some("json_object") => json!({"type":"object"}),
            Some("text") | None => Value::Null,
            Some(other) => {
                return Err(bad(
                    "response_format.type",
                    format!("unknown response_format {other:?}"),
                ));
            }
        };
        if !schema.is_null() {
            json_mode = true;
            tools.push(Tool {
                name: JSON_TOOL.into(),
                description: Some("Respond with a JSON object matching this schema.".into()),
                input_schema: schema,
            });
            choice = Some(ToolChoice::Tool {
                name: JSON_TOOL.into(),
                disable_parallel_tool_use: None,
            });
        }
    }
    if no_parallel.is_some() && !tools.is_empty() {
        choice = Some(match choice {
            None | Some(ToolChoice::Auto { .. }) => ToolChoice::Auto {
                disable_parallel_tool_use: no_parallel,
            },
            Some(ToolChoice::Any { .. }) => ToolChoice::Any {
                disable_parallel_tool_use: no_parallel,
            },
            Some(ToolChoice::Tool { name, .. }) => ToolChoice::Tool {
                name,
                disable_parallel_tool_use: no_parallel,
            },
            Some(ToolChoice::None) => ToolChoice::None,
        });
    }
    if !tools.is_empty() {
        out.tools = Some(tools);
        out.tool_choice = choice;
    }
    if let Some(effort) = &req.reasoning_effort {
        let budget = match effort.as_str() {
            "minimal" | "none" => None,
            "low" => Some(1024),
            "medium" => Some(2048),
            "high" => Some(4096),
            other => {
                return Err(bad(
                    "reasoning_effort",
                    format!("unknown reasoning_effort {other:?}"),
                ));
            }
        };
        if let Some(b) = budget {
            out.thinking = Some(ThinkingConfig::Enabled { budget_tokens: b });
            out.max_tokens = out.max_tokens.max(b + 1024);
            // thinking forbids a changed temperature and forced tool choices
            out.temperature = None;
            out.top_p = None;
        }
    }
    Ok(Mapped {
        request: out,
        json_mode,
    })
}

fn text_of(content: Option<&Value>, param: &str) -> Result<String, MapError> {
    match content {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(parts)) => {
            let mut out = Vec::new();
            for (j, part) in parts.iter().enumerate() {
                match part["type"].as_str() {
                    Some("text") | Some("input_text") => {
                        out.push(part["text"].as_str().unwrap_or_default().to_owned())
                    }
                    Some("refusal") => {
                        out.push(part["refusal"].as_str().unwrap_or_default().to_owned())
                    }
                    other => {
                        return Err(bad(
                            format!("{param}[{j}].type"),
                            format!(
                                "only text parts are allowed here, not {}",
                                other.unwrap_or("a part without type")
                            ),
                        ));
                    }
                }
            }
            Ok(out.join("\n"))
        }
        Some(_) => Err(bad(param, "content must be a string or a list of parts")),
    }
}

fn user_blocks(content: Option<&Value>, param: &str) -> Result<Vec<ContentBlock>, MapError> {
    match content {
        Some(Value::Array(parts)) => {
            let mut out = Vec::new();
            for (j, part) in parts.iter().enumerate() {
                match part["type"].as_str() {
                    Some("text") | Some("input_text") => {
                        let t = part["text"].as_str().unwrap_or_default();
                        if !t.is_empty() {
                            out.push(ContentBlock::text(t));
                        }
                    }
                    Some("image_url") => {
                        let url = part["image_url"]["url"]
                            .as_str()
                            .or_else(|| part["image_url"].as_str())
                            .ok_or_else(|| {
                                bad(
                                    format!("{param}[{j}].image_url.url"),
                                    "an image part needs a url",
                                )
                            })?;
                        out.push(
                            image_block(url)
                                .map_err(|m| bad(format!("{param}[{j}].image_url.url"), m))?,
                        );
                    }
                    other => {
                        return Err(bad(
                            format!("{param}[{j}].type"),
                            format!(
                                "unsupported content part type {}",
                                other.unwrap_or("(none)")
                            ),
                        ));
                    }
                }
            }
            Ok(out)
        }
        other => {
            let t = text_of(other, param)?;
            Ok(if t.is_empty() {
                vec![]
            } else {
                vec![ContentBlock::text(t)]
            })
        }
    }
}

fn image_block(url: &str) -> Result<ContentBlock, String> {
    if let Some(rest) = url.strip_prefix("data:") {
        let (meta, data) = rest.split_once(',').ok_or("a data URL needs a comma")?;
        let media_type = meta
            .strip_suffix(";base64")
            .ok_or("only base64 data URLs are supported")?;
        if !matches!(
            media_type,
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        ) {
            return Err(format!(
                "image type {media_type} is not supported (png, jpeg, gif, webp)"
            ));
        }
        return Ok(ContentBlock::Image {
            source: ImageSource::Base64 {
                media_type: media_type.to_owned(),
                data: data.to_owned(),
            },
        });
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(ContentBlock::Image {
            source: ImageSource::Url {
                url: url.to_owned(),
            },
        });
    }
    Err("an image url must be a data: URL or http(s)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(v: Value) -> ChatRequest {
        serde_json::from_value(v).unwrap()
    }

    fn map(v: Value) -> Result<Value, MapError> {
        to_anthropic(&req(v), "default-model", 1000)
            .map(|m| serde_json::to_value(m.request).unwrap())
    }

    #[test]
    fn full_mapping() {
        let out = map(json!({
            "model": "claude-x",
            "messages": [
                {"role":"system","content":"be brief"},
                {"role":"developer","content":[{"type":"text","text":"use metric"}]},
                {"role":"user","content":[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                                                                  {"id":"call_2","type":"function","function":{"name":"now","arguments":""}}]},
                {"role":"tool","tool_call_id":"call_1","content":"18C"},
                {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"noon"}]},
                {"role":"user","content":"thanks"}
            ],
            "max_completion_tokens": 300, "max_tokens": 9, "temperature": 1.6, "top_p": 0.5,
            "stop": "END", "user": "u1", "parallel_tool_calls": false,
            "tools": [{"type":"function","function":{"name":"get_weather","description":"w","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                      {"type":"function","function":{"name":"now"}}],
            "tool_choice": "required"
        }))
        .unwrap();
        assert_eq!(out["system"], json!("be brief\n\nuse metric"));
        assert_eq!(out["max_tokens"], json!(300));
        assert_eq!(out["temperature"], json!(1.0));
        assert_eq!(out.get("top_p"), None, "temperature wins");
        assert_eq!(out["stop_sequences"], json!(["END"]));
        assert_eq!(out["metadata"], json!({"user_id":"u1"}));
        assert_eq!(
            out["tool_choice"],
            json!({"type":"any","disable_parallel_tool_use":true})
        );
        assert_eq!(
            out["tools"][1]["input_schema"],
            json!({"type":"object","properties":{}})
        );
        let msgs = out["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 3);
        assert_eq!(
            msgs[0]["content"][1]["source"],
            json!({"type":"base64","media_type":"image/png","data":"AAAA"})
        );
        assert_eq!(
            msgs[1]["content"][0],
            json!({"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}})
        );
        assert_eq!(msgs[1]["content"][1]["input"], json!({}));
        let user = msgs[2]["content"].as_array().unwrap();
        assert_eq!(user[0]["type"], json!("tool_result"));
        assert_eq!(user[1]["content"], json!("noon"));
        assert_eq!(user[2], json!({"type":"text","text":"thanks"}));
    }

    #[test]
    fn refusals_name_the_param() {
        let e = map(json!({"messages":[{"role":"user","content":"x"}],"n":2})).unwrap_err();
        assert_eq!(e.param, "n");
        let e = map(json!({"messages":[{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"f","arguments":"{bad"}}]}]})).unwrap_err();
        assert_eq!(e.param, "messages[0].tool_calls[0].function.arguments");
        let e = map(json!({"messages":[{"role":"wizard","content":"x"}]})).unwrap_err();
        assert_eq!(e.param, "messages[0].role");
        let e = map(json!({"messages":[{"role":"system","content":"only system"}]})).unwrap_err();
        assert_eq!(e.param, "messages");
        let e = map(json!({"messages":[{"role":"user","content":[{"type":"input_audio"}]}]}))
            .unwrap_err();
        assert_eq!(e.param, "messages[0].content[0].type");
    }

    #[test]
    fn response_format_forces_the_json_tool_and_effort_sets_thinking() {
        let m = to_anthropic(
            &req(json!({"messages":[{"role":"user","content":"x"}],
                "response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object","properties":{"a":{"type":"integer"}}}}}})),
            "d",
            100,
        )
        .unwrap();
        assert!(m.json_mode);
        let r = serde_json::to_value(&m.request).unwrap();
        assert_eq!(
            r["tool_choice"],
            json!({"type":"tool","name":"json_tool_call"})
        );
        assert_eq!(
            r["tools"][0]["input_schema"]["properties"]["a"],
            json!({"type":"integer"})
        );
        let r = map(json!({"messages":[{"role":"user","content":"x"}],"reasoning_effort":"high","max_tokens":100,"temperature":0.2})).unwrap();
        assert_eq!(
            r["thinking"],
            json!({"type":"enabled","budget_tokens":4096})
        );
        assert!(r["max_tokens"].as_u64().unwrap() > 4096);
        assert_eq!(r.get("temperature"), None);
    }

    #[test]
    fn defaults_and_url_images() {
        let r = map(json!({"messages":[{"role":"user","content":[{"type":"image_url","image_url":"https://x/a.png"}]}]})).unwrap();
        assert_eq!(r["model"], json!("default-model"));
        assert_eq!(r["max_tokens"], json!(1000));
        assert_eq!(
            r["messages"][0]["content"][0]["source"],
            json!({"type":"url","url":"https://x/a.png"})
        );
    }
}
