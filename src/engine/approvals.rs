//! The approval hub: a tool call (clauded's own, or Claude Code's or Codex's through their
//! permission hooks) waits for a person's answer, given once from any front end or instance on
//! the store. Waiters are woken by the store's notices (an answer given here, or on another
//! instance on PostgreSQL); a slow poll covers notices that never came (a SQLite file shared
//! with another process).

use super::notify::Notifier;
use super::tools::Decision;
use crate::store::{self, Approval, NewApproval, Store};
use std::time::Duration;

/// How often a waiter looks at the store without being told to.
const POLL: Duration = Duration::from_millis(500);

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

/// Records a request for approval and pushes a notice of it (the tool's name and who asked,
/// never its input).
pub async fn open(
    store: &Store,
    notifier: &Notifier,
    new: NewApproval,
) -> Result<Approval, store::Error> {
    let a = store.create_approval(&new).await?;
    notifier.approval_waiting(&a.tool, &a.source);
    Ok(a)
}

/// Who sent a permission hook's input: `codex` when named so, or when the input has Codex's
/// `turn_id` (Claude Code's has none); else `claude-code`.
pub fn hook_source(named: Option<&str>, has_turn_id: bool) -> &'static str {
    match named {
        Some("codex") => "codex",
        Some("claude-code" | "claude") => "claude-code",
        _ if has_turn_id => "codex",
        _ => "claude-code",
    }
}

/// Waits for the answer to `approval` until it expires; `None` when nobody answered.
pub async fn wait(store: &Store, approval: &Approval) -> Option<Approval> {
    // subscribed before each read: an answer between the read and the wait still wakes it
    let mut notices = store.subscribe();
    loop {
        let id = approval.id.clone();
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
        let _ = tokio::time::timeout(nap, next_notice(&mut notices)).await;
    }
}

/// Returns at the next approval notice, or one that may have been lost (a resync, a lag):
/// either way, the approvals are worth reading again. Never returns once the store is gone.
pub async fn next_notice(notices: &mut tokio::sync::broadcast::Receiver<store::Notice>) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match notices.recv().await {
            Ok(store::Notice::Approval { .. } | store::Notice::Resync)
            | Err(RecvError::Lagged(_)) => return,
            Ok(_) => {}
            Err(RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

/// Answers a request (once); its waiters hear of it from the store, on any instance.
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
    Ok(a)
}
