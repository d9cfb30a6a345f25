//! Full-text search over every stored message (migration 0005): newest first, each hit with
//! its session, a snippet and where the words matched. SQLite: an FTS5 index; PostgreSQL: a
//! `tsvector` over the message text with a GIN index.

use serde::Serialize;

/// One message that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The message.
    pub message_id: i64,
    /// Its session.
    pub session_id: String,
    /// The session's title.
    pub session_title: String,
    /// `user` or `assistant`.
    pub role: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Some words around the match, on one line.
    pub snippet: String,
    /// Where in `snippet` the words matched: `[start, end)` in characters.
    pub highlights: Vec<(usize, usize)>,
}

/// What a search found: the newest hits, and how many messages matched in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Newest first, at most the limit asked for.
    pub hits: Vec<SearchHit>,
    /// Every message that matched.
    pub total: i64,
}
