//! SSE responses: frames from a channel, keep-alive comments, LF-only `data:` lines.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

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
    /// Frames written ahead as one chunk (a replay's page, see [`Encoded`]).
    Encoded(Bytes),
    /// Ends the stream without writing anything.
    Close,
}

/// Writes one `event:`/`id:`/`data:` frame; `data` is one line of JSON text.
fn write_event(
    out: &mut String,
    name: Option<&str>,
    id: Option<i64>,
    data: impl std::fmt::Display,
) {
    use std::fmt::Write;
    if let Some(n) = name {
        let _ = writeln!(out, "event: {n}");
    }
    if let Some(i) = id {
        let _ = writeln!(out, "id: {i}");
    }
    let _ = write!(out, "data: {data}\n\n");
}

/// Frames encoded into one buffer, sent as one [`Frame::Encoded`]: a page of stored events
/// goes out as one chunk, its JSON text written through as stored.
#[derive(Debug, Default)]
pub struct Encoded(String);

impl Encoded {
    /// Adds a frame whose data is JSON text on one line (a stored event's).
    pub fn event(&mut self, name: Option<&str>, id: Option<i64>, data: &str) {
        write_event(&mut self.0, name, id, data);
    }

    /// Adds a frame whose data is the concatenation of `parts` (JSON text on one line).
    pub fn event_parts(&mut self, name: Option<&str>, id: Option<i64>, parts: &[&str]) {
        struct Joined<'a>(&'a [&'a str]);
        impl std::fmt::Display for Joined<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.iter().try_for_each(|p| f.write_str(p))
            }
        }
        write_event(&mut self.0, name, id, Joined(parts));
    }

    /// Adds a frame named `name` whose data is `data` as JSON (a typed wire shape).
    pub fn typed<T: serde::Serialize>(&mut self, name: &str, data: &T) {
        let text = serde_json::to_string(data).unwrap_or_default();
        self.event(Some(name), None, &text);
    }

    /// Whether no frame was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The frames as bytes, for a body that is only these.
    pub fn into_bytes(self) -> Bytes {
        Bytes::from(self.0)
    }

    /// The frames as one.
    pub fn frame(self) -> Frame {
        Frame::Encoded(Bytes::from(self.0))
    }
}

impl Frame {
    fn encode(self) -> Bytes {
        match self {
            Frame::Json(v) => {
                // serde's writer, not Display's formatting machinery: the same compact text
                let mut b = Vec::with_capacity(256);
                b.extend_from_slice(b"data: ");
                serde_json::to_writer(&mut b, &v).expect("a Value always serializes");
                b.extend_from_slice(b"\n\n");
                Bytes::from(b)
            }
            Frame::Done => Bytes::from_static(b"data: [DONE]\n\n"),
            Frame::Event { name, id, data } => {
                let mut s = String::new();
                write_event(&mut s, name.as_deref(), id, data);
                Bytes::from(s)
            }
            Frame::Encoded(b) => b,
            Frame::Close => Bytes::new(),
        }
    }

    fn ends(&self) -> bool {
        matches!(self, Frame::Done | Frame::Close)
    }
}

/// Frames queued for one client at most. A client that stops reading (an iOS app put in the
/// background) costs this much and no more: its stream is ended, the turn goes on and is
/// stored, and the client reads the rest from the session or replays the events.
pub const QUEUE: usize = 512;

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone;

struct Lag {
    flag: AtomicBool,
    notify: Notify,
}

/// A sender of frames to one client. Cheap to clone.
#[derive(Clone)]
pub struct FrameTx {
    tx: mpsc::Sender<Frame>,
    lag: Arc<Lag>,
}

impl FrameTx {
    /// Queues a frame without waiting. When the client's queue is full, the client is too
    /// slow: its stream ends after what is queued, and this and later frames are dropped.
    pub fn send(&self, frame: Frame) -> Result<(), Gone> {
        if self.lag.flag.load(Ordering::Relaxed) {
            return Err(Gone);
        }
        match self.tx.try_send(frame) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("a client stopped reading; its stream ends (the work goes on)");
                self.lag.flag.store(true, Ordering::Relaxed);
                self.lag.notify.notify_one();
                Err(Gone)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Gone),
        }
    }

    /// Queues a frame, waiting while the client's queue is full (replays: the reader's pace
    /// is the right pace, and memory stays bounded).
    pub async fn send_wait(&self, frame: Frame) -> Result<(), Gone> {
        if self.lag.flag.load(Ordering::Relaxed) {
            return Err(Gone);
        }
        self.tx.send(frame).await.map_err(|_| Gone)
    }

    /// Resolves when the client's stream is gone: the client left, or it was too slow and
    /// its stream was ended ([`FrameTx::lagged`] tells which).
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// Whether the client's stream was ended because it stopped reading.
    pub fn lagged(&self) -> bool {
        self.lag.flag.load(Ordering::Relaxed)
    }
}

/// A 200 `text/event-stream` response fed by the returned sender. The stream ends after
/// `[DONE]`, a `Close`, or when every sender is dropped; a comment goes out every
/// `keepalive`. A client too slow to keep up gets `tail` after what was queued, then the end.
pub fn channel(keepalive: Duration, tail: Frame) -> (FrameTx, Response) {
    let (tx, rx) = mpsc::channel::<Frame>(QUEUE);
    let lag = Arc::new(Lag {
        flag: AtomicBool::new(false),
        notify: Notify::new(),
    });
    struct St {
        rx: mpsc::Receiver<Frame>,
        lag: Arc<Lag>,
        tail: Frame,
        tick: tokio::time::Interval,
        done: bool,
        // counted while the body lives: dropped with it when the client goes
        _open: crate::metrics::InFlight,
    }
    let mut tick = tokio::time::interval(keepalive);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.reset();
    let st = St {
        rx,
        lag: lag.clone(),
        tail,
        tick,
        done: false,
        _open: crate::metrics::InFlight::start(crate::metrics::Kind::Stream),
    };
    let body = futures_util::stream::unfold(st, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            if st.lag.flag.load(Ordering::Relaxed) && st.rx.is_empty() {
                st.done = true;
                let tail = std::mem::replace(&mut st.tail, Frame::Close).encode();
                if tail.is_empty() {
                    return None;
                }
                return Some((Ok::<_, Infallible>(tail), st));
            }
            let text = tokio::select! {
                f = st.rx.recv() => match f {
                    Some(f) => {
                        st.done = f.ends();
                        f.encode()
                    }
                    None => return None,
                },
                _ = st.lag.notify.notified() => continue,
                _ = st.tick.tick() => Bytes::from_static(b": ping\n\n"),
            };
            if text.is_empty() {
                continue;
            }
            return Some((Ok::<_, Infallible>(text), st));
        }
    })
    .boxed();
    (FrameTx { tx, lag }, event_stream(Body::from_stream(body)))
}

/// An event stream that is only `frames`, sent whole (an answer known at once).
pub fn whole(frames: Encoded) -> Response {
    event_stream(Body::from(frames.into_bytes()))
}

/// A 200 of `body` with an event stream's headers (no caching, no proxy buffering).
fn event_stream(body: Body) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}
