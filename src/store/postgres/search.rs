//! Full-text search in PostgreSQL: a stored `tsvector` of each message's text (migration
//! 0005) with a GIN index, queried with the same words, phrases and prefixes as SQLite's.

use super::{Db, get, pg, read_tx, row_limit, rows};
use crate::store::search::{MARK_CLOSE, MARK_OPEN, Term, terms, unmark};
use crate::store::{Result, SearchHit, SearchResults};
use tokio_postgres::types::ToSql;

/// At most this many matches are read whole from the GIN index and sorted; more are read
/// newest first, where the first page of hits comes at once.
const SPARSE: i64 = 2_000;

/// The text search configuration of migration 0005: English stems, no stop words.
const CONFIG: &str = "'clauded_english'::regconfig";

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
        let owner = self.owner();
        let mut c = self.client().await?;
        let tx = read_tx(&mut c).await?;
        // the count first, through the GIN index: it decides how the hits are read
        let (query, words) = tsquery(&terms, 1);
        let mut params: Vec<&(dyn ToSql + Sync)> =
            words.iter().map(|w| w as &(dyn ToSql + Sync)).collect();
        params.push(&owner);
        let own = params.len();
        let total = rows(
            &tx,
            &format!(
                "SELECT count(*) FROM messages m JOIN sessions o ON o.id = m.session_id
                 WHERE m.search @@ ({query}) AND (${own}::TEXT IS NULL OR o.owner = ${own})"
            ),
            &params,
        )
        .await?;
        let total: i64 = total.first().map(|r| get(r, 0)).transpose()?.unwrap_or(0);
        if total == 0 {
            tx.commit().await.map_err(pg)?;
            return Ok(SearchResults {
                hits: vec![],
                total: 0,
            });
        }
        let (query, words) = tsquery(&terms, 3);
        let options = format!(
            "StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=20, MinWords=5, ShortWord=0, MaxFragments=1"
        );
        let limit = row_limit(limit);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&limit, &options];
        params.extend(words.iter().map(|w| w as &(dyn ToSql + Sync)));
        params.push(&owner);
        let own = params.len();
        let matching = format!(
            "SELECT m.id, m.session_id, m.role, m.created_at, m.content
             FROM messages m JOIN sessions o ON o.id = m.session_id
             WHERE m.search @@ ({query}) AND (${own}::TEXT IS NULL OR o.owner = ${own})"
        );
        // few matches: all of them from the GIN index (the fence keeps the planner from
        // walking every message newest first, testing each, which it picks for any query
        // because it guesses 100 matches), then the newest; many: newest first, the limit
        // found at once
        let newest = if total <= SPARSE {
            format!("SELECT * FROM ({matching} OFFSET 0) f ORDER BY f.id DESC LIMIT $1")
        } else {
            format!("{matching} ORDER BY m.id DESC LIMIT $1")
        };
        // only the hits shown get a headline
        let found = rows(
            &tx,
            &format!(
                "SELECT h.id, h.session_id, s.title, h.role, h.created_at,
                        ts_headline({CONFIG}, coalesce(clauded_message_text(h.content), ''), ({query}), $2)
                 FROM ({newest}) h
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
        tx.commit().await.map_err(pg)?;
        Ok(SearchResults { hits, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
