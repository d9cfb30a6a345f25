//! Full-text search in PostgreSQL: a stored `tsvector` of each message's text (migration
//! 0005) with a GIN index, queried with the same words, phrases and prefixes as SQLite's.

use super::{Db, get, pg, read_tx, row_limit, rows};
use crate::store::{Result, SearchHit, SearchResults};
use tokio_postgres::types::ToSql;

/// Where ts_headline marks a match (characters that do not occur in text), as SQLite's
/// snippet() is told to.
const OPEN: char = '\u{2}';
const CLOSE: char = '\u{3}';

/// The text search configuration of migration 0005: English stems, no stop words.
const CONFIG: &str = "'clauded_english'::regconfig";

/// One term of a search: a word or a quoted phrase, the last word maybe a prefix.
#[derive(Debug, PartialEq, Eq)]
struct Term {
    text: String,
    prefix: bool,
}

/// The words of a search, read as SQLite's `fts_query` reads them: every term must occur (in
/// any order), `"a phrase"` in that order, and `word*` matches words starting so. Nothing else
/// is syntax.
fn terms(text: &str) -> Vec<Term> {
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

/// A word as one quoted tsquery operand matching words that start with it.
fn prefix_operand(word: &str) -> String {
    format!("'{}':*", word.replace('\\', "\\\\").replace('\'', "''"))
}

/// The tsquery for the terms, as SQL over parameters `$first`…: each phrase through
/// `phraseto_tsquery` (which stems as the index does, and cannot fail on any text); a prefix
/// phrase as its words followed by the prefix. A term with no word in it (punctuation)
/// comes out empty, and `&&` leaves an empty query out, as FTS5 does.
fn tsquery(terms: &[Term], first: usize) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut params = Vec::new();
    let mut n = first;
    let mut param = |v: String, params: &mut Vec<String>| {
        params.push(v);
        let p = format!("${n}");
        n += 1;
        p
    };
    for t in terms {
        if !t.prefix {
            let p = param(t.text.clone(), &mut params);
            parts.push(format!("phraseto_tsquery({CONFIG}, {p})"));
            continue;
        }
        let (head, last) = match t.text.trim_end().rsplit_once(char::is_whitespace) {
            Some((head, last)) => (Some(head), last),
            None => (None, t.text.as_str()),
        };
        let last = param(prefix_operand(last), &mut params);
        let last = format!("to_tsquery({CONFIG}, {last})");
        parts.push(match head {
            Some(h) => {
                let h = param(h.to_owned(), &mut params);
                format!("(phraseto_tsquery({CONFIG}, {h}) <-> {last})")
            }
            None => last,
        });
    }
    (parts.join(" && "), params)
}

/// A snippet from ts_headline as plain text on one line, and where its marks were.
fn unmark(marked: &str) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut highlights = Vec::new();
    let mut at = 0usize;
    let mut start = None;
    for c in marked.chars() {
        match c {
            OPEN => start = Some(at),
            CLOSE => {
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

impl Db {
    /// The messages containing every word of `text`, newest first, with the total matched.
    pub async fn search_messages(&self, text: &str, limit: usize) -> Result<SearchResults> {
        let terms = terms(text);
        if terms.is_empty() {
            return Ok(SearchResults {
                hits: vec![],
                total: 0,
            });
        }
        let (query, words) = tsquery(&terms, 3);
        let options = format!(
            "StartSel={OPEN}, StopSel={CLOSE}, MaxWords=20, MinWords=5, ShortWord=0, MaxFragments=1"
        );
        let limit = row_limit(limit);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&limit, &options];
        params.extend(words.iter().map(|w| w as &(dyn ToSql + Sync)));
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        // the newest hits first, and only theirs get a headline
        let found = rows(
            &tx,
            &format!(
                "WITH q AS (SELECT {query} AS q)
                 SELECT h.id, h.session_id, s.title, h.role, h.created_at,
                        ts_headline({CONFIG}, coalesce(clauded_message_text(h.content), ''), q.q, $2)
                 FROM q, LATERAL (
                     SELECT m.id, m.session_id, m.role, m.created_at, m.content
                     FROM messages m WHERE m.search @@ q.q ORDER BY m.id DESC LIMIT $1
                 ) h
                 JOIN sessions s ON s.id = h.session_id
                 ORDER BY h.id DESC"
            ),
            &params,
        )
        .await?;
        let mut hits = Vec::with_capacity(found.len());
        for r in &found {
            let marked: Option<&str> = get(r, 5)?;
            let (snippet, highlights) = unmark(marked.unwrap_or_default());
            hits.push(SearchHit {
                message_id: get(r, 0)?,
                session_id: get(r, 1)?,
                session_title: get(r, 2)?,
                role: get(r, 3)?,
                created_at: get(r, 4)?,
                snippet,
                highlights,
            });
        }
        let (query, words) = tsquery(&terms, 1);
        let params: Vec<&(dyn ToSql + Sync)> =
            words.iter().map(|w| w as &(dyn ToSql + Sync)).collect();
        let total = rows(
            &tx,
            &format!("SELECT count(*) FROM messages WHERE search @@ ({query})"),
            &params,
        )
        .await?;
        let total = total.first().map(|r| get(r, 0)).transpose()?.unwrap_or(0);
        tx.commit().await.map_err(pg)?;
        Ok(SearchResults { hits, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_read_as_sqlite_reads_them() {
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
        // the same terms as fts_query makes
        for q in [
            "wal mode",
            "\"write ahead\" log",
            "sqli*",
            "a-b OR c:d",
            "say \"hi",
        ] {
            let ours: Vec<String> = terms(q)
                .iter()
                .map(|t| {
                    format!(
                        "\"{}\"{}",
                        t.text.replace('"', "\"\""),
                        if t.prefix { "*" } else { "" }
                    )
                })
                .collect();
            assert_eq!(Some(ours.join(" ")), crate::store::fts_query(q), "{q}");
        }
    }

    #[test]
    fn prefixes_are_quoted_operands() {
        assert_eq!(prefix_operand("it's"), "'it''s':*");
        assert_eq!(prefix_operand(r"a\b"), r"'a\\b':*");
        let (sql, params) = tsquery(
            &[
                Term {
                    text: "write ah".into(),
                    prefix: true,
                },
                Term {
                    text: "log".into(),
                    prefix: false,
                },
            ],
            3,
        );
        assert_eq!(
            sql,
            format!(
                "(phraseto_tsquery({CONFIG}, $4) <-> to_tsquery({CONFIG}, $3)) && phraseto_tsquery({CONFIG}, $5)"
            )
        );
        assert_eq!(params, ["'ah':*", "write", "log"]);
    }
}
