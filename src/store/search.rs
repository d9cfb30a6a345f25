//! Full-text search over every stored message (migration 0005): newest first, each hit with
//! its session, a snippet and where the words matched. SQLite: an FTS5 index; PostgreSQL: a
//! `tsvector` over the message text with a GIN index. Both read a search into the same
//! [`Term`]s, each engine then writing them in its own query syntax, and both mark matches in
//! their snippets the same way.

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

/// Where an engine's snippet marks the start of a match (a character that does not occur in
/// text).
pub(crate) const MARK_OPEN: char = '\u{2}';
/// Where it marks the end of one.
pub(crate) const MARK_CLOSE: char = '\u{3}';

/// One term of a search: a word or a quoted phrase, the last word maybe a prefix.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Term {
    /// The word or the phrase's words.
    pub text: String,
    /// `word*`: matches words starting so.
    pub prefix: bool,
}

/// The words of a search: every term must occur (in any order), `"a phrase"` in that order,
/// and `word*` matches words starting so. Nothing else is syntax, so a search for `foo-bar`
/// or `a:b` cannot fail. Empty when there is no word.
pub(crate) fn terms(text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (term, after) = if let Some(r) = rest.strip_prefix('"') {
            match r.find('"') {
                Some(end) => (&r[..end], &r[end + 1..]),
                None => (r, ""),
            }
        } else {
            rest.split_once(char::is_whitespace).unwrap_or((rest, ""))
        };
        let (term, prefix) = match term.strip_suffix('*') {
            Some(t) if !t.is_empty() => (t, true),
            _ => (term, false),
        };
        if !term.trim().is_empty() {
            out.push(Term {
                text: term.to_owned(),
                prefix,
            });
        }
        rest = after.trim_start();
    }
    out
}

/// A snippet marked with [`MARK_OPEN`] and [`MARK_CLOSE`] as plain text on one line, and
/// where its marks were (in characters).
pub(crate) fn unmark(marked: &str) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut highlights = Vec::new();
    let mut at = 0usize;
    let mut start = None;
    for c in marked.chars() {
        match c {
            MARK_OPEN => start = Some(at),
            MARK_CLOSE => {
                if let Some(s) = start.take() {
                    highlights.push((s, at));
                }
            }
            c => {
                text.push(if c.is_whitespace() { ' ' } else { c });
                at += 1;
            }
        }
    }
    (text, highlights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_words_phrases_and_prefixes() {
        let t = |s: &str, p: bool| Term {
            text: s.into(),
            prefix: p,
        };
        assert_eq!(terms("wal mode"), [t("wal", false), t("mode", false)]);
        assert_eq!(
            terms(r#""write ahead" log"#),
            [t("write ahead", false), t("log", false)]
        );
        assert_eq!(terms("sqli*"), [t("sqli", true)]);
        assert_eq!(terms("say \"hi"), [t("say", false), t("hi", false)]);
        assert_eq!(terms("*"), [t("*", false)]);
        assert!(terms("   ").is_empty());
    }

    #[test]
    fn marks_become_highlights_and_whitespace_spaces() {
        let marked = format!("a {MARK_OPEN}WAL{MARK_CLOSE}\nmode {MARK_CLOSE}x{MARK_OPEN}");
        assert_eq!(unmark(&marked), ("a WAL mode x".to_owned(), vec![(2, 5)]));
    }
}
