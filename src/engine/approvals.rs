//! The approval hub: a tool call (clauded's own, or Claude Code's or Codex's through their
//! permission hooks) waits for a person's answer, given once from any front end or instance on
//! the store. Waiters here are woken at once by an answer given here; answers from another
//! instance are seen within a poll interval.

use super::tools::Decision;
use crate::store::{self, Approval, NewApproval, Store};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Notify;

/// How often a waiter looks at the store for an answer given by another instance.
const POLL: Duration = Duration::from_millis(250);

fn answered() -> &'static Notify {
    static N: OnceLock<Notify> = OnceLock::new();
    N.get_or_init(Notify::new)
}

/// A person's answer, as stored: `allow`, `always` or `deny`.
pub fn parse_decision(s: &str) -> Option<&'static str> {
    match s {
        "allow" | "yes" | "approve" => Some("allow"),
        "always" | "allow_always" => Some("always"),
        "deny" | "no" | "reject" => Some("deny"),
        _ => None,
    }
}

/// The stored answer as a tool decision (no answer: deny).
pub fn as_decision(answer: Option<&str>) -> Decision {
    match answer {
        Some("allow") => Decision::Allow,
        Some("always") => Decision::AllowAlways,
        _ => Decision::Deny,
    }
}

/// Records a request for approval.
pub async fn open(store: &Store, new: NewApproval) -> Result<Approval, store::Error> {
    store.create_approval(&new).await
}

/// Waits for the answer to `approval` until it expires; `None` when nobody answered.
pub async fn wait(store: &Store, approval: &Approval) -> Option<Approval> {
    loop {
        let id = approval.id.clone();
        let wake = answered().notified();
        match store.approval(&id).await {
            Ok(a) if a.decision.is_some() => return Some(a),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("approval {}: {e}", approval.id);
                return None;
            }
        }
        let left = approval.expires_ms - jiff::Timestamp::now().as_millisecond();
        if left <= 0 {
            return None;
        }
        let nap = POLL.min(Duration::from_millis(left as u64));
        tokio::select! {
            _ = wake => {}
            _ = tokio::time::sleep(nap) => {}
        }
    }
}

/// Answers a request (once) and wakes its waiters in this process.
pub async fn answer(
    store: &Store,
    id: &str,
    decision: &'static str,
    message: Option<String>,
) -> Result<Approval, store::Error> {
    let id = id.to_owned();
    let a = store
        .decide_approval(&id, decision, message.as_deref())
        .await?;
    answered().notify_waiters();
    Ok(a)
}
