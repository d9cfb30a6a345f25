//! A run's event stream: every event is stored (append-only, increasing id) and then fanned out
//! to live subscribers. Publishing never waits for a subscriber: a subscriber that falls behind
//! is dropped and reconnects from its last id.

use crate::store::{self, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How many events a live subscriber may fall behind before it is dropped.
const LAG: usize = 1024;

/// One stored event as subscribers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped {
    /// The store's id (the SSE `id:`).
    pub id: i64,
    /// The event, with its `type`.
    pub event: Value,
}

/// Live fan-out of the runs of one process.
#[derive(Default)]
pub struct Broadcaster {
    channels: Mutex<HashMap<String, broadcast::Sender<Stamped>>>,
}

impl std::fmt::Debug for Broadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broadcaster").finish_non_exhaustive()
    }
}

impl Broadcaster {
    /// An empty broadcaster.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Stamped>>> {
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a session's run live (subscribers can attach).
    pub fn start(&self, session_id: &str) {
        self.map()
            .entry(session_id.to_owned())
            .or_insert_with(|| broadcast::channel(LAG).0);
    }

    /// Ends a session's run: its subscribers see the channel close.
    pub fn end(&self, session_id: &str) {
        self.map().remove(session_id);
    }

    /// True while a run is live.
    pub fn is_live(&self, session_id: &str) -> bool {
        self.map().contains_key(session_id)
    }

    /// A receiver of a live run's future events, or None when no run is live.
    pub fn subscribe(&self, session_id: &str) -> Option<broadcast::Receiver<Stamped>> {
        self.map().get(session_id).map(|tx| tx.subscribe())
    }

    fn publish(&self, session_id: &str, ev: Stamped) {
        if let Some(tx) = self.map().get(session_id) {
            let _ = tx.send(ev);
        }
    }
}

/// Stores and publishes the events of one session's run.
#[derive(Clone, Debug)]
pub struct EventSink {
    store: Store,
    hub: Arc<Broadcaster>,
    session_id: String,
}

impl EventSink {
    /// A sink for a session.
    pub fn new(store: Store, hub: Arc<Broadcaster>, session_id: &str) -> Self {
        Self {
            store,
            hub,
            session_id: session_id.to_owned(),
        }
    }

    /// Stores the event (with a timestamp) and publishes it; returns its id.
    pub async fn emit(&self, mut event: Value) -> store::Result<i64> {
        if let Some(o) = event.as_object_mut() {
            o.entry("timestamp")
                .or_insert_with(|| Value::String(store::now()));
        }
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("event")
            .to_owned();
        let (sid, ev) = (self.session_id.clone(), event.clone());
        let id = self.store.append_event(&sid, &kind, &ev).await?;
        self.hub.publish(&self.session_id, Stamped { id, event });
        Ok(id)
    }
}
