//! WebEDT's trash: sessions soft-deleted, restored, or deleted for good, several at once. A
//! batch is all the caller's or nothing changes.

use super::{Error, Result};

/// What a batch does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashOp {
    /// Into the trash (`deleted_at` set).
    Trash,
    /// Out of it.
    Restore,
    /// Deleted for good, with messages and events; only from the trash.
    Purge,
}

/// The refusal when `owned` of the `asked` ids are the caller's.
pub(crate) fn check_batch(asked: usize, owned: usize, in_trash: usize, op: TrashOp) -> Result<()> {
    if owned != asked {
        return Err(Error::NotYours(format!(
            "{} of the {asked} sessions are not yours (or do not exist); nothing was changed",
            asked - owned
        )));
    }
    if op == TrashOp::Purge && in_trash != asked {
        return Err(Error::Conflict(format!(
            "{} of the sessions are not in the trash; only deleted sessions can be deleted for good",
            asked - in_trash
        )));
    }
    Ok(())
}

/// The distinct ids of a batch, in order.
pub(crate) fn distinct(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}
