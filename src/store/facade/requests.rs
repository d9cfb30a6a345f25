//! The request log: one row per upstream exchange, and usage per owner, day, model and source.
//!
//! A server's exchanges are many and each is small, so a store made by
//! [`Store::with_request_log`] writes them off the request's path: [`Store::log_request`]
//! queues the row, and one task writes what has queued in one transaction (a batch of up to
//! [`BATCH`] rows, gathered for up to 50 ms), adding each to its day's usage, and now and then
//! deletes rows older than the retention. A process that is killed loses at most those 50 ms
//! of log rows (never a message: those are written by the turn itself). Reads of the log first wait for what this process queued before them, so a
//! reader never misses its own writes. A queue that is full makes the logger wait: rows are
//! never dropped. Without it (the terminal), each row is its own write.

use super::{Engine, Store};
use crate::store::{LoggedRequest, RequestLogEntry, Result, UsageDay, now, sqlite};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Rows written in one transaction at most.
pub const BATCH: usize = 512;

/// How long a queued row waits for others before its batch is written.
const LINGER: Duration = Duration::from_millis(50);

/// Rows queued at most before a logger waits.
const QUEUE: usize = 8192;

/// How often rows past the retention are deleted.
const EXPIRE_EVERY: Duration = Duration::from_secs(3600);

// rows are the queue's traffic: kept inline, not an allocation each
#[allow(clippy::large_enum_variant)]
enum Queued {
    Row(LoggedRequest),
    /// Answered once every row queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// The queue to the writer task.
#[derive(Debug)]
pub(crate) struct RequestLog {
    tx: mpsc::Sender<Queued>,
}

impl Store {
    /// This store with its request log written in batches by a task of its own (see the
    /// module), rows older than `keep_days` days deleted (never when 0). Call within a Tokio
    /// runtime, once per process; every handle made from the returned one shares the queue.
    pub fn with_request_log(&self, keep_days: u32) -> Store {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(self.unscoped(), rx, keep_days));
        Store {
            requests: Some(Arc::new(RequestLog { tx })),
            ..self.clone()
        }
    }

    /// Records one upstream exchange: queued when the store batches its log, else written.
    pub async fn log_request(&self, entry: &RequestLogEntry) -> Result<()> {
        let entry = RequestLogEntry {
            session_id: self.stored_opt(&entry.session_id),
            ..entry.clone()
        };
        let entry = match &self.requests {
            Some(log) => {
                let row = LoggedRequest {
                    owner: self.owner().unwrap_or(crate::store::LOCAL_OWNER).to_owned(),
                    at: now(),
                    entry,
                };
                match log.tx.send(Queued::Row(row)).await {
                    Ok(()) => return Ok(()),
                    // the writer is gone (the runtime is ending): written here instead
                    Err(mpsc::error::SendError(Queued::Row(row))) => row.entry,
                    Err(mpsc::error::SendError(Queued::Flush(_))) => return Ok(()),
                }
            }
            None => entry,
        };
        on!(self, { move |d: &sqlite::Db| d.log_request(&entry) }, |p| p
            .log_request(&entry))
    }

    /// Waits until every row this process queued before is written.
    pub async fn flush_request_log(&self) {
        if let Some(log) = &self.requests {
            let (done, written) = oneshot::channel();
            if log.tx.send(Queued::Flush(done)).await.is_ok() {
                let _ = written.await;
            }
        }
    }

    /// The most recent request-log rows, newest first.
    pub async fn recent_requests(&self, limit: usize) -> Result<Vec<RequestLogEntry>> {
        self.flush_request_log().await;
        on!(
            self,
            { move |d: &sqlite::Db| d.recent_requests(limit) },
            |p| p.recent_requests(limit)
        )
        .map(|v| self.show(v))
    }

    /// Usage from the UTC day `since_day` (`YYYY-MM-DD`) on, newest day first: this handle's
    /// owner's, or everyone's on an unscoped handle.
    pub async fn usage(&self, since_day: &str) -> Result<Vec<UsageDay>> {
        self.flush_request_log().await;
        let day = since_day.to_owned();
        on!(self, { move |d: &sqlite::Db| d.usage(&day) }, |p| p
            .usage(since_day))
    }

    pub(crate) async fn write_requests(
        &self,
        rows: Vec<LoggedRequest>,
        expire: Option<String>,
    ) -> Result<()> {
        on!(
            self,
            { move |d: &sqlite::Db| d.log_requests(&rows, expire.as_deref()) },
            |p| p.log_requests(&rows, expire.as_deref())
        )
    }
}

/// The writer: waits for a row, takes whatever else has queued (up to [`BATCH`]), writes it
/// all in one transaction, answers the flushes that were waiting for it.
async fn write_batches(store: Store, mut rx: mpsc::Receiver<Queued>, keep_days: u32) {
    let mut next_expiry = tokio::time::Instant::now();
    while let Some(first) = rx.recv().await {
        let (mut rows, mut flushed) = (Vec::new(), Vec::new());
        // rows wait up to LINGER for company (one transaction for many turns, not one each);
        // a flush is written at once
        let deadline = tokio::time::Instant::now() + LINGER;
        let mut next = Some(first);
        while let Some(q) = next.take() {
            match q {
                Queued::Row(r) => rows.push(r),
                Queued::Flush(done) => flushed.push(done),
            }
            if rows.len() >= BATCH {
                break;
            }
            next = match rx.try_recv() {
                Ok(q) => Some(q),
                Err(_) if !flushed.is_empty() => None,
                Err(_) => tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .ok()
                    .flatten(),
            };
        }
        let expire = (keep_days > 0 && tokio::time::Instant::now() >= next_expiry).then(|| {
            next_expiry = tokio::time::Instant::now() + EXPIRE_EVERY;
            let cutoff = jiff::Timestamp::now()
                - jiff::SignedDuration::from_hours(24 * i64::from(keep_days));
            cutoff.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        });
        if !rows.is_empty() || expire.is_some() {
            let n = rows.len();
            if let Err(e) = store.write_requests(rows, expire).await {
                tracing::warn!("could not write {n} request-log rows: {e}");
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}
