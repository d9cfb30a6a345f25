//! A run's event stream: every event is stored (append-only, increasing id); readers follow
//! the stored rows, woken by the store's notices (every instance's, on PostgreSQL), so replay
//! and live delivery are one path and a reader may sit on any instance. A reader that falls
//! behind only reads more rows at once; nobody waits for it.

use crate::store::{self, EVENT_PAGE, Notice, RawEvent, Store};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

/// True for the kinds of event that end a run (`completed`, `error`).
pub fn is_terminal(kind: &str) -> bool {
    matches!(kind, "completed" | "error")
}

/// Stores the events of one session's run.
#[derive(Clone, Debug)]
pub struct EventSink {
    store: Store,
    session_id: String,
}

impl EventSink {
    /// A sink for a session.
    pub fn new(store: Store, session_id: &str) -> Self {
        Self {
            store,
            session_id: session_id.to_owned(),
        }
    }

    /// Stores the event (with a timestamp); returns its id. Readers hear of it from the store.
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
        self.store
            .append_event(&self.session_id, &kind, &event)
            .await
    }
}

/// Follows a session's stored events from an id on: what is stored now, then each new row as
/// the store announces it. Subscribed before its first read, so no row falls between.
#[derive(Debug)]
pub struct Follower {
    store: Store,
    session_id: String,
    /// As notices name it.
    stored_id: String,
    last: i64,
    notices: broadcast::Receiver<Notice>,
}

impl Follower {
    /// Follows `session_id` after event `after` (from the start when None).
    pub fn new(store: &Store, session_id: &str, after: Option<i64>) -> Self {
        Self {
            notices: store.subscribe(),
            store: store.clone(),
            session_id: session_id.to_owned(),
            stored_id: store.stored_id(session_id).into_owned(),
            last: after.unwrap_or(0),
        }
    }

    /// The id of the last event returned (or the starting id).
    pub fn last(&self) -> i64 {
        self.last
    }

    /// The rows after the last one returned, a page at most: at once when there are some,
    /// else after word of new ones, or empty when `wait` passes without any.
    pub async fn next(&mut self, wait: Duration) -> store::Result<Vec<RawEvent>> {
        let rows = self.read(None).await?;
        if !rows.is_empty() {
            return Ok(rows);
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let woken = tokio::time::timeout_at(deadline, self.notices.recv()).await;
            match woken {
                Err(_) => return Ok(Vec::new()),
                Ok(Ok(Notice::Event { session_id, .. })) if session_id != self.stored_id => {
                    continue;
                }
                Ok(Ok(Notice::Event { .. } | Notice::Resync)) | Ok(Err(RecvError::Lagged(_))) => {
                    let rows = self.read(None).await?;
                    if !rows.is_empty() {
                        return Ok(rows);
                    }
                }
                Ok(Ok(_)) => continue,
                // the store is gone: nothing more will come
                Ok(Err(RecvError::Closed)) => return Ok(Vec::new()),
            }
        }
    }

    /// The next page of stored rows up to the id `upto` (a replay's end), without waiting;
    /// empty once they have all been returned.
    pub async fn page_upto(&mut self, upto: i64) -> store::Result<Vec<RawEvent>> {
        if self.last >= upto {
            return Ok(Vec::new());
        }
        self.read(Some(upto)).await
    }

    async fn read(&mut self, upto: Option<i64>) -> store::Result<Vec<RawEvent>> {
        let rows = self
            .store
            .events_page(&self.session_id, self.last, upto, EVENT_PAGE)
            .await?;
        if let Some(e) = rows.last() {
            self.last = e.id;
        }
        Ok(rows)
    }
}

/// Whether a run is going on for a session on any instance: its lease is held and not lapsed.
pub async fn run_is_live(store: &Store, session_id: &str) -> store::Result<bool> {
    let now = jiff::Timestamp::now().as_millisecond();
    Ok(store
        .lease(session_id)
        .await?
        .is_some_and(|l| l.expires_ms > now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewSession;

    #[tokio::test]
    async fn a_follower_gets_stored_rows_then_new_ones_in_order_once() {
        let store = Store::open_in_memory().unwrap();
        let s = store
            .create_session(&NewSession {
                model: "m".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let sink = EventSink::new(store.clone(), &s.id);
        let first = sink.emit(serde_json::json!({"type": "a"})).await.unwrap();
        let mut f = Follower::new(&store, &s.id, None);
        let got = f.next(Duration::from_millis(10)).await.unwrap();
        assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), [first]);
        assert!(f.next(Duration::from_millis(20)).await.unwrap().is_empty());
        let writer = {
            let sink = sink.clone();
            tokio::spawn(async move {
                for k in ["b", "c", "completed"] {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    sink.emit(serde_json::json!({"type": k})).await.unwrap();
                }
            })
        };
        let mut kinds = Vec::new();
        while kinds.last().map(String::as_str) != Some("completed") {
            for e in f.next(Duration::from_secs(5)).await.unwrap() {
                kinds.push(e.kind);
            }
        }
        writer.await.unwrap();
        assert_eq!(kinds, ["b", "c", "completed"]);
        // another session's events do not wake it with rows
        let other = store
            .create_session(&NewSession {
                model: "m".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        EventSink::new(store.clone(), &other.id)
            .emit(serde_json::json!({"type": "x"}))
            .await
            .unwrap();
        assert!(f.next(Duration::from_millis(30)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn pages_of_stored_rows_end_at_the_id_asked_for() {
        let store = Store::open_in_memory().unwrap();
        let s = store
            .create_session(&NewSession {
                model: "m".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let sink = EventSink::new(store.clone(), &s.id);
        for n in 0..(EVENT_PAGE + 5) {
            sink.emit(serde_json::json!({"type": "a", "n": n}))
                .await
                .unwrap();
        }
        let (count, upto) = store.event_span(&s.id, 0).await.unwrap();
        assert_eq!(count as usize, EVENT_PAGE + 5);
        sink.emit(serde_json::json!({"type": "later"}))
            .await
            .unwrap();
        let mut f = Follower::new(&store, &s.id, None);
        let first = f.page_upto(upto).await.unwrap();
        assert_eq!(first.len(), EVENT_PAGE);
        let second = f.page_upto(upto).await.unwrap();
        assert_eq!(second.len(), 5);
        assert_eq!(second.last().unwrap().id, upto);
        assert_eq!(second[4].value()["n"], EVENT_PAGE + 4);
        assert!(f.page_upto(upto).await.unwrap().is_empty());
        // the row after the replay's end is the live part's
        let live = f.next(Duration::ZERO).await.unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].kind, "later");
        assert!(live[0].data.get().contains("\"type\":\"later\""));
    }
}
