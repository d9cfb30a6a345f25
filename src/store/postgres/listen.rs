//! The notices every instance hears: one connection of its own (never pooled) that LISTENs on
//! clauded's channels and forwards what arrives. A lost connection is made again with backoff,
//! then [`Notice::Resync`] tells receivers that what came in between is gone.

use super::config::Settings;
use crate::store::notice::wire;
use crate::store::{Notice, Result};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_postgres::AsyncMessage;
use tokio_util::sync::CancellationToken;

/// How often the quiet connection is asked whether it is still there: a peer that vanished
/// without closing (a dropped network) is noticed this fast, not after TCP's hours.
const PING_EVERY: Duration = Duration::from_secs(30);

/// How long a ping may take before the connection counts as lost.
const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Backoff between attempts to listen again, doubling from the first to the last.
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_LAST: Duration = Duration::from_secs(30);

/// A connection that is listening, and the task reading its notifications.
struct Listening {
    client: tokio_postgres::Client,
    reader: JoinHandle<()>,
}

/// Connects and LISTENs; notifications go to `tx` from now on.
async fn listen(
    settings: &Settings,
    tx: &broadcast::Sender<Notice>,
) -> std::result::Result<Listening, tokio_postgres::Error> {
    let (client, mut conn) = settings.pg.connect(settings.tls.clone()).await?;
    let tx = tx.clone();
    let reader = tokio::spawn(async move {
        // polling the connection also carries the client's queries (LISTEN, the pings)
        while let Some(m) = std::future::poll_fn(|cx| conn.poll_message(cx)).await {
            match m {
                Ok(AsyncMessage::Notification(n)) => {
                    if let Some(notice) = wire::decode(n.channel(), n.payload()) {
                        // no receivers is fine: nobody follows anything yet
                        let _ = tx.send(notice);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("PostgreSQL listener: {}", super::describe(&e));
                    break;
                }
            }
        }
    });
    let channels = format!(
        "LISTEN {}; LISTEN {}; LISTEN {}",
        wire::EVENTS,
        wire::APPROVALS,
        wire::SIGNALS
    );
    if let Err(e) = client.batch_execute(&channels).await {
        reader.abort();
        return Err(e);
    }
    Ok(Listening { client, reader })
}

/// Starts listening (failing here if the first connection fails, so no notice committed after
/// `connect` returns is missed) and keeps at it until `stop` is cancelled.
pub(super) async fn start(
    settings: Settings,
    tx: broadcast::Sender<Notice>,
    stop: CancellationToken,
) -> Result<()> {
    let first = listen(&settings, &tx).await.map_err(|e| {
        crate::store::Error::Postgres(format!(
            "cannot listen on {}: {}",
            settings.shown,
            super::describe(&e)
        ))
    })?;
    tokio::spawn(supervise(settings, tx, stop, first));
    Ok(())
}

async fn supervise(
    settings: Settings,
    tx: broadcast::Sender<Notice>,
    stop: CancellationToken,
    mut now: Listening,
) {
    loop {
        let lost = tokio::select! {
            _ = stop.cancelled() => true,
            _ = watch(&mut now) => false,
        };
        now.reader.abort();
        if lost {
            return;
        }
        tracing::warn!(
            "PostgreSQL listener lost its connection to {}; listening again",
            settings.shown
        );
        let mut wait = RETRY_FIRST;
        now = loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            match listen(&settings, &tx).await {
                Ok(l) => break l,
                Err(e) => {
                    tracing::warn!(
                        "PostgreSQL listener cannot reach {}: {}",
                        settings.shown,
                        super::describe(&e)
                    );
                    wait = (wait * 2).min(RETRY_LAST);
                }
            }
        };
        let _ = tx.send(Notice::Resync);
    }
}

/// Returns when the connection is gone: its reader ended, or a ping failed.
async fn watch(l: &mut Listening) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    loop {
        tokio::select! {
            _ = &mut l.reader => return,
            _ = ping.tick() => {
                match tokio::time::timeout(PING_TIMEOUT, l.client.batch_execute("SELECT 1")).await {
                    Ok(Ok(())) => {}
                    _ => return,
                }
            }
        }
    }
}
