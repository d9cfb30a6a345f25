//! A fake Anthropic Messages API that speaks the real wire protocol: named SSE events,
//! error bodies with request ids, retry headers, and scripted faults (byte-split frames,
//! mid-stream errors, dropped connections, stalls).

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer to `POST /v1/messages`.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with this text: SSE when the request streams, a JSON message otherwise.
    Text(String),
    /// These SSE events (name, data), then the connection closes.
    Events(Vec<(String, Value)>),
    /// An HTTP error in Anthropic's shape.
    Error {
        status: u16,
        kind: String,
        message: String,
        headers: Vec<(String, String)>,
    },
}

/// How a streamed reply is delivered.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Write the body in pieces of this many bytes (with a pause between).
    pub chunk: Option<usize>,
    /// Pause between events.
    pub event_delay: Duration,
    /// Line ending used in frames.
    pub newline: &'static str,
    /// Close the connection after this many events.
    pub drop_after: Option<usize>,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            chunk: None,
            event_delay: Duration::ZERO,
            newline: "\n",
            drop_after: None,
        }
    }
}

/// A scripted reply with its delivery.
#[derive(Clone, Debug)]
pub struct Scripted {
    pub reply: Reply,
    pub delivery: Delivery,
}

impl From<Reply> for Scripted {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            delivery: Delivery::default(),
        }
    }
}

impl Reply {
    /// A text answer.
    pub fn text(t: &str) -> Self {
        Reply::Text(t.to_owned())
    }

    /// An error reply.
    pub fn error(status: u16, kind: &str, message: &str) -> Self {
        Reply::Error {
            status,
            kind: kind.into(),
            message: message.into(),
            headers: vec![],
        }
    }

    /// Adds a response header (errors only).
    pub fn header(mut self, k: &str, v: &str) -> Self {
        if let Reply::Error { headers, .. } = &mut self {
            headers.push((k.into(), v.into()));
        }
        self
    }

    /// With a delivery.
    pub fn delivered(self, delivery: Delivery) -> Scripted {
        Scripted {
            reply: self,
            delivery,
        }
    }
}

/// The standard event sequence for a text answer, split into several deltas.
pub fn text_events(model: &str, text: &str) -> Vec<(String, Value)> {
    let mut ev = vec![
        (
            "message_start".to_string(),
            json!({"type":"message_start","message":{"id":"msg_fake01","type":"message","role":"assistant","model":model,
              "content":[],"stop_reason":null,"stop_sequence":null,
              "usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}),
        ),
        (
            "content_block_start".into(),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        ),
        ("ping".into(), json!({"type":"ping"})),
    ];
    let chars: Vec<char> = text.chars().collect();
    for piece in chars.chunks(4) {
        let s: String = piece.iter().collect();
        ev.push((
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":s}}),
        ));
    }
    ev.push((
        "content_block_stop".into(),
        json!({"type":"content_block_stop","index":0}),
    ));
    ev.push((
        "message_delta".into(),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}),
    ));
    ev.push(("message_stop".into(), json!({"type":"message_stop"})));
    ev
}

/// An answer that thinks first: a signed `thinking` block streamed in pieces, then the text.
pub fn thinking_events(thought: &str, text: &str) -> Vec<(String, Value)> {
    let mut ev = text_events("claude-test", text);
    // the text block moves to index 1, after the thinking
    for (_, d) in ev.iter_mut() {
        if d.get("index").is_some() {
            d["index"] = json!(1);
        }
    }
    let mut thinking = vec![(
        "content_block_start".to_string(),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}),
    )];
    let chars: Vec<char> = thought.chars().collect();
    for piece in chars.chunks(7) {
        let s: String = piece.iter().collect();
        thinking.push((
            "content_block_delta".into(),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":s}}),
        ));
    }
    thinking.push((
        "content_block_delta".into(),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqSig-fake"}}),
    ));
    thinking.push((
        "content_block_stop".into(),
        json!({"type":"content_block_stop","index":0}),
    ));
    ev.splice(1..1, thinking);
    ev
}

/// One assistant message that calls tools: `(id, name, input)` each, stop reason `tool_use`.
pub fn tool_use_events(calls: &[(&str, &str, Value)]) -> Vec<(String, Value)> {
    let mut ev = vec![(
        "message_start".to_string(),
        json!({"type":"message_start","message":{"id":"msg_tools","type":"message","role":"assistant","model":"claude-test",
            "content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":40,"output_tokens":1}}}),
    )];
    for (i, (id, name, input)) in calls.iter().enumerate() {
        ev.push(("content_block_start".into(), json!({"type":"content_block_start","index":i,"content_block":{"type":"tool_use","id":id,"name":name,"input":{}}})));
        ev.push(("content_block_delta".into(), json!({"type":"content_block_delta","index":i,"delta":{"type":"input_json_delta","partial_json":input.to_string()}})));
        ev.push((
            "content_block_stop".into(),
            json!({"type":"content_block_stop","index":i}),
        ));
    }
    ev.push(("message_delta".into(), json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}})));
    ev.push(("message_stop".into(), json!({"type":"message_stop"})));
    ev
}

/// The `tool_result` blocks of a request's last user turn, as `(tool_use_id, text, is_error)`.
pub fn tool_results(req: &Recorded) -> Vec<(String, String, bool)> {
    let msgs = req.body["messages"].as_array().cloned().unwrap_or_default();
    let last = msgs.last().cloned().unwrap_or_default();
    last["content"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|b| b["type"] == "tool_result")
        .map(|b| {
            (
                b["tool_use_id"].as_str().unwrap_or_default().to_owned(),
                content_text(&b["content"]),
                b["is_error"] == json!(true),
            )
        })
        .collect()
}

/// A request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The body as it came, byte for byte.
    pub raw: String,
}

impl Recorded {
    /// A header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of the last user turn.
    pub fn last_user_text(&self) -> String {
        let msgs = self.body["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let last = msgs
            .iter()
            .rev()
            .find(|m| m["role"] == "user")
            .cloned()
            .unwrap_or_default();
        content_text(&last["content"])
    }
}

/// The text of a `content` value (string or blocks).
pub fn content_text(c: &Value) -> String {
    match c {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Scripted>,
    requests: Vec<Recorded>,
    models: Option<Value>,
    models_error: Option<(u16, String)>,
    disconnects: usize,
    aside: Option<String>,
}

/// The running fake; stops when dropped.
pub struct FakeAnthropic {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeAnthropic {
    /// Starts on 127.0.0.1, port 0, on its own thread.
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let accept = async {
                    loop {
                        let Ok((sock, _)) = listener.accept().await else {
                            continue;
                        };
                        tokio::spawn(serve_conn(sock, st.clone()));
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = rx => {}
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        Self {
            addr,
            state,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// The base URL to give clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues replies, answered in order; an empty queue answers "ok".
    pub fn push(&self, r: impl Into<Scripted>) -> &Self {
        self.state.lock().unwrap().script.push_back(r.into());
        self
    }

    /// An agent's side requests (a title, a summary: they offer no tools, or only the one a
    /// structured answer is asked through) get this text and leave the queue to the
    /// conversation's own requests.
    pub fn answer_aside(&self, text: &str) {
        self.state.lock().unwrap().aside = Some(text.to_owned());
    }

    /// Keys starting with this get 401 `authentication_error` on every route.
    pub const REFUSED_KEY_PREFIX: &'static str = "sk-ant-refused-";

    /// Sets the `GET /v1/models` answer.
    pub fn set_models(&self, ids: &[&str]) {
        let data: Vec<Value> = ids
            .iter()
            .map(|id| json!({"type":"model","id":id,"display_name":id.to_uppercase(),"created_at":"2025-09-29T00:00:00Z"}))
            .collect();
        self.state.lock().unwrap().models = Some(json!({"data": data, "has_more": false,
            "first_id": ids.first(), "last_id": ids.last()}));
    }

    /// Makes `GET /v1/models` answer with this error status and Anthropic error type.
    pub fn set_models_error(&self, status: u16, kind: &str) {
        self.state.lock().unwrap().models_error = Some((status, kind.to_owned()));
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// `POST /v1/messages` requests received so far.
    pub fn message_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.split('?').next() == Some("/v1/messages"))
            .collect()
    }

    /// Streams whose client went away before the end.
    pub fn disconnects(&self) -> usize {
        self.state.lock().unwrap().disconnects
    }
}

impl Drop for FakeAnthropic {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let raw = String::from_utf8_lossy(&body).into_owned();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some(Recorded {
        method,
        path,
        headers,
        body,
        raw,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        529 => "Overloaded",
        _ => "Status",
    }
}

async fn write_json(sock: &mut TcpStream, status: u16, headers: &[(String, String)], body: &Value) {
    let body = body.to_string();
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nrequest-id: req_fake_{status}\r\nconnection: close\r\n",
        reason(status),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(body.as_bytes()).await;
    let _ = sock.shutdown().await;
}

async fn serve_conn(mut sock: TcpStream, state: Arc<Mutex<State>>) {
    let Some(req) = read_request(&mut sock).await else {
        return;
    };
    state.lock().unwrap().requests.push(req.clone());
    // a key the real API would refuse, for tests of how a wrong key is reported
    if req
        .header("x-api-key")
        .is_some_and(|k| k.starts_with(FakeAnthropic::REFUSED_KEY_PREFIX))
    {
        let body = json!({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}});
        write_json(&mut sock, 401, &[], &body).await;
        return;
    }
    if req.method == "GET" && req.path.starts_with("/v1/models") {
        let failing = state.lock().unwrap().models_error.clone();
        if let Some((status, kind)) = failing {
            let body = json!({"type":"error","error":{"type":kind,"message":"invalid x-api-key"}});
            write_json(&mut sock, status, &[], &body).await;
            return;
        }
        let models = state.lock().unwrap().models.clone();
        match models {
            Some(m) => write_json(&mut sock, 200, &[], &m).await,
            None => {
                write_json(&mut sock, 404, &[], &json!({"type":"error","error":{"type":"not_found_error","message":"no models here"}})).await
            }
        }
        return;
    }
    let route = req.path.split('?').next().unwrap_or_default();
    if route == "/v1/messages/count_tokens" {
        // a stand-in count: a quarter of the body's length, as real tokenizers roughly give
        let n = req.body.to_string().len() / 4;
        write_json(&mut sock, 200, &[], &json!({"input_tokens": n})).await;
        return;
    }
    if route != "/v1/messages" {
        write_json(
            &mut sock,
            404,
            &[],
            &json!({"type":"error","error":{"type":"not_found_error","message":"unknown path"}}),
        )
        .await;
        return;
    }
    let scripted = {
        let mut st = state.lock().unwrap();
        // clauded asks for a structured answer (Responses' text.format) through one tool
        let aside = req.body["tools"]
            .as_array()
            .is_none_or(|t| t.iter().all(|t| t["name"] == "json_tool_call"));
        match st.aside.clone().filter(|_| aside) {
            Some(text) => Reply::Text(text).into(),
            None => st
                .script
                .pop_front()
                .unwrap_or_else(|| Reply::text("ok").into()),
        }
    };
    let model = req.body["model"]
        .as_str()
        .unwrap_or("claude-test")
        .to_owned();
    let streaming = req.body["stream"] == json!(true);
    match scripted.reply {
        Reply::Error {
            status,
            kind,
            message,
            headers,
        } => {
            let body = json!({"type":"error","error":{"type":kind,"message":message},"request_id":format!("req_fake_{status}")});
            write_json(&mut sock, status, &headers, &body).await;
        }
        Reply::Text(t) if !streaming => {
            let body = json!({"id":"msg_fake01","type":"message","role":"assistant","model":model,
                "content":[{"type":"text","text":t}],"stop_reason":"end_turn","stop_sequence":null,
                "usage":{"input_tokens":25,"output_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}});
            write_json(&mut sock, 200, &[], &body).await;
        }
        Reply::Text(t) => {
            stream(
                &mut sock,
                &text_events(&model, &t),
                &scripted.delivery,
                &state,
            )
            .await
        }
        Reply::Events(ev) if !streaming => write_json(&mut sock, 200, &[], &fold(&ev)).await,
        Reply::Events(ev) => stream(&mut sock, &ev, &scripted.delivery, &state).await,
    }
}

/// A non-streaming body for scripted events: text, thinking and tool_use blocks, stop reason,
/// usage.
fn fold(events: &[(String, Value)]) -> Value {
    let mut msg = json!({"id":"msg_fake01","type":"message","role":"assistant","model":"claude-test","content":[],
        "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}});
    let mut partial: Vec<String> = Vec::new();
    for (_, d) in events {
        match d["type"].as_str() {
            Some("message_start") => {
                msg["id"] = d["message"]["id"].clone();
                msg["usage"] = d["message"]["usage"].clone();
            }
            Some("content_block_start") => {
                msg["content"]
                    .as_array_mut()
                    .unwrap()
                    .push(d["content_block"].clone());
                partial.push(String::new());
            }
            Some("content_block_delta") => {
                let i = d["index"].as_u64().unwrap() as usize;
                if let Some(t) = d["delta"]["text"].as_str() {
                    let cur = msg["content"][i]["text"].as_str().unwrap_or("").to_owned();
                    msg["content"][i]["text"] = json!(cur + t);
                }
                if let Some(p) = d["delta"]["partial_json"].as_str() {
                    partial[i].push_str(p);
                }
                for field in ["thinking", "signature"] {
                    if let Some(t) = d["delta"][field].as_str() {
                        let cur = msg["content"][i][field].as_str().unwrap_or("").to_owned();
                        msg["content"][i][field] = json!(cur + t);
                    }
                }
            }
            Some("content_block_stop") => {
                let i = d["index"].as_u64().unwrap() as usize;
                if !partial[i].is_empty() {
                    msg["content"][i]["input"] = serde_json::from_str(&partial[i]).unwrap();
                }
            }
            Some("message_delta") => {
                msg["stop_reason"] = d["delta"]["stop_reason"].clone();
                msg["usage"]["output_tokens"] = d["usage"]["output_tokens"].clone();
            }
            _ => {}
        }
    }
    msg
}

async fn stream(
    sock: &mut TcpStream,
    events: &[(String, Value)],
    d: &Delivery,
    state: &Arc<Mutex<State>>,
) {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\nrequest-id: req_fake_stream\r\nconnection: close\r\n\r\n";
    if sock.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let nl = d.newline;
    for (i, (name, data)) in events.iter().enumerate() {
        if d.drop_after == Some(i) {
            let _ = sock.shutdown().await;
            return;
        }
        let frame = format!("event: {name}{nl}data: {data}{nl}{nl}");
        let bytes = frame.as_bytes();
        let pieces: Vec<&[u8]> = match d.chunk {
            Some(n) => bytes.chunks(n.max(1)).collect(),
            None => vec![bytes],
        };
        for p in pieces {
            let ok = sock.write_all(p).await.is_ok() && sock.flush().await.is_ok();
            if !ok {
                state.lock().unwrap().disconnects += 1;
                return;
            }
            if d.chunk.is_some() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        if !d.event_delay.is_zero() {
            tokio::time::sleep(d.event_delay).await;
            // a write to a socket the client closed fails only on the second try; probe early
            if is_closed(sock).await {
                state.lock().unwrap().disconnects += 1;
                return;
            }
        }
    }
    let _ = sock.shutdown().await;
}

async fn is_closed(sock: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_millis(1), sock.peek(&mut b)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}
