//! SSE responses: frames from a channel, keep-alive comments, LF-only `data:` lines.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::Value;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::mpsc;

/// One outgoing SSE frame.
#[derive(Debug, Clone)]
pub enum Frame {
    /// `data: <json>`.
    Json(Value),
    /// `data: [DONE]`.
    Done,
    /// `event: <name>` (when given), `id: <id>` (when given) and `data: <json>`.
    Event {
        /// The SSE event name; None for a bare `data:` frame.
        name: Option<String>,
        /// The stored event's id.
        id: Option<i64>,
        /// The payload.
        data: Value,
    },
    /// Ends the stream without writing anything.
    Close,
}

impl Frame {
    fn encode(&self) -> String {
        match self {
            Frame::Json(v) => format!("data: {v}\n\n"),
            Frame::Done => "data: [DONE]\n\n".to_owned(),
            Frame::Event { name, id, data } => {
                let mut s = String::new();
                if let Some(n) = name {
                    s.push_str(&format!("event: {n}\n"));
                }
                if let Some(i) = id {
                    s.push_str(&format!("id: {i}\n"));
                }
                s.push_str(&format!("data: {data}\n\n"));
                s
            }
            Frame::Close => String::new(),
        }
    }

    fn ends(&self) -> bool {
        matches!(self, Frame::Done | Frame::Close)
    }
}

/// A sender of frames; `closed()` resolves when the client went away.
pub type FrameTx = mpsc::UnboundedSender<Frame>;

/// A 200 `text/event-stream` response fed by the returned sender. The stream ends after
/// `[DONE]` or when the sender is dropped; a comment goes out every `keepalive`.
pub fn channel(keepalive: Duration) -> (FrameTx, Response) {
    let (tx, rx) = mpsc::unbounded_channel::<Frame>();
    struct St {
        rx: mpsc::UnboundedReceiver<Frame>,
        tick: tokio::time::Interval,
        done: bool,
    }
    let mut tick = tokio::time::interval(keepalive);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.reset();
    let st = St {
        rx,
        tick,
        done: false,
    };
    let body = futures_util::stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        let text = tokio::select! {
            f = st.rx.recv() => match f {
                Some(f) => {
                    st.done = f.ends();
                    f.encode()
                }
                None => return None,
            },
            _ = st.tick.tick() => ": ping\n\n".to_owned(),
        };
        Some((Ok::<_, Infallible>(text), st))
    })
    .boxed();
    let mut resp = Response::new(Body::from_stream(body));
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    (tx, resp)
}
