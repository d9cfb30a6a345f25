//! Full-text search in SQLite: an FTS5 index over a view of each message's text.

use super::{Cached, Db};
use crate::store::search::{terms, unmark};
use crate::store::{Result, SearchHit, SearchResults};
use rusqlite::params;

/// The words of a search (see [`terms`](crate::store::search::terms)) as an FTS5 query:
/// every word must occur (in any order), `"a phrase"` in that order, and `word*` matches
/// words starting so. Nothing else is syntax, so a search for `foo-bar` or `a:b` cannot fail.
/// None when there is no word.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = terms(text)
        .iter()
        .map(|t| {
            let prefix = if t.prefix { "*" } else { "" };
            format!("\"{}\"{prefix}", t.text.replace('"', "\"\""))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Db {
    /// Indexes for search the messages stored since the last catch-up, in one transaction
    /// (migration 0011: inserts no longer index each message); how many.
    pub fn index_messages(&self) -> Result<usize> {
        let waiting: bool = self.conn()?.one(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE id > (SELECT upto FROM search_progress))",
            [],
            |r| r.get(0),
        )?;
        if !waiting {
            return Ok(0);
        }
        self.write(|tx| {
            let upto: i64 = tx.one("SELECT upto FROM search_progress", [], |r| r.get(0))?;
            let last: i64 = tx.one("SELECT COALESCE(MAX(id), ?1) FROM messages", [upto], |r| {
                r.get(0)
            })?;
            let n = tx.exec(
                "INSERT INTO messages_fts (rowid, text)
                 SELECT id, text FROM message_text WHERE id > ?1 AND id <= ?2",
                params![upto, last],
            )?;
            tx.exec("UPDATE search_progress SET upto = ?1", [last])?;
            Ok(n)
        })
    }

    /// The messages containing every word of `text` (see [`fts_query`]), newest first.
    pub fn search_messages(&self, text: &str, limit: usize) -> Result<SearchResults> {
        // whatever was stored since the last catch-up is found too
        self.index_messages()?;
        let Some(query) = fts_query(text) else {
            return Ok(SearchResults {
                hits: vec![],
                total: 0,
            });
        };
        let conn = self.conn()?;
        // marked with MARK_OPEN and MARK_CLOSE, which unmark reads
        let mut st = conn.prepare_cached(
            "SELECT m.id, m.session_id, s.title, m.role, m.created_at,
                    snippet(messages_fts, 0, char(2), char(3), '…', 20)
             FROM messages_fts
             JOIN messages m ON m.id = messages_fts.rowid
             JOIN sessions s ON s.id = m.session_id
             WHERE messages_fts MATCH ?1 AND (?3 IS NULL OR s.owner = ?3)
             ORDER BY messages_fts.rowid DESC
             LIMIT ?2",
        )?;
        let rows = st.query_map(params![query, limit as i64, self.owner()], |r| {
            let marked: String = r.get::<_, Option<String>>(5)?.unwrap_or_default();
            let (snippet, highlights) = unmark(&marked);
            Ok(SearchHit {
                message_id: r.get(0)?,
                session_id: r.get(1)?,
                session_title: r.get(2)?,
                role: r.get(3)?,
                created_at: r.get(4)?,
                snippet,
                highlights,
            })
        })?;
        let hits = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let total = conn.one(
            "SELECT count(*) FROM messages_fts
             JOIN messages m ON m.id = messages_fts.rowid
             JOIN sessions s ON s.id = m.session_id
             WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR s.owner = ?2)",
            params![query, self.owner()],
            |r| r.get(0),
        )?;
        Ok(SearchResults { hits, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anthropic::ContentBlock;
    use crate::store::{NewMessage, NewSession};

    #[test]
    fn queries_are_words_phrases_and_prefixes_never_syntax() {
        assert_eq!(fts_query("wal mode").unwrap(), r#""wal" "mode""#);
        assert_eq!(
            fts_query(r#""write ahead" log"#).unwrap(),
            r#""write ahead" "log""#
        );
        assert_eq!(fts_query("sqli*").unwrap(), r#""sqli"*"#);
        assert_eq!(fts_query("a-b OR c:d").unwrap(), r#""a-b" "OR" "c:d""#);
        assert_eq!(fts_query("say \"hi"), Some(r#""say" "hi""#.into()));
        assert_eq!(fts_query("   "), None);
    }

    #[test]
    fn messages_stored_before_the_index_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // a store at version 3 with a message, as an older clauded left it
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(include_str!("../migrations/sqlite/0001_init.sql"))
                .unwrap();
            c.execute_batch(include_str!("../migrations/sqlite/0002_mcp.sql"))
                .unwrap();
            c.execute_batch(include_str!("../migrations/sqlite/0003_leases.sql"))
                .unwrap();
            c.execute_batch(
                "PRAGMA user_version = 3;
                 INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p', 'P', 'x', 'x');
                 INSERT INTO sessions (id, project_id, model, created_at, updated_at) VALUES ('s', 'p', 'm', 'x', 'x');
                 INSERT INTO messages (session_id, role, content, created_at)
                     VALUES ('s', 'user', '[{\"type\":\"text\",\"text\":\"an old question about vacuum\"}]', 'x');",
            )
            .unwrap();
        }
        let s = Db::open(&path).unwrap();
        let r = s.search_messages("vacuum", 10).unwrap();
        assert_eq!(r.total, 1);
        assert_eq!(r.hits[0].session_id, "s");
    }

    #[test]
    fn messages_are_indexed_in_batches_and_only_what_was_indexed_leaves_the_index() {
        let db = Db::open_in_memory().unwrap();
        let session = |title: &str| {
            db.create_session(&NewSession {
                title: title.into(),
                model: "m".into(),
                ..Default::default()
            })
            .unwrap()
        };
        let add = |sid: &str, text: &str| {
            db.add_message(sid, &NewMessage::user(vec![ContentBlock::text(text)]))
                .unwrap()
        };
        let indexed = || -> i64 {
            db.conn()
                .unwrap()
                .one("SELECT count(*) FROM messages_fts_docsize", [], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        let intact = || {
            db.conn()
                .unwrap()
                .execute_batch("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
                .expect("the index matches the messages");
        };
        let a = session("a");
        add(&a.id, "a question about vacuum");
        assert_eq!(indexed(), 0, "a message's write does not index it");
        // a search catches up first
        let r = db.search_messages("vacuum", 10).unwrap();
        assert_eq!((r.total, indexed()), (1, 1));
        assert_eq!(db.index_messages().unwrap(), 0, "nothing waits");
        // a message deleted before it was indexed is not taken out of the index
        let b = session("b");
        add(&b.id, "vacuum again, never indexed");
        db.delete_session(&b.id).unwrap();
        intact();
        assert_eq!(db.index_messages().unwrap(), 0);
        // one indexed is
        add(&a.id, "and a second vacuum question");
        assert_eq!(db.index_messages().unwrap(), 1);
        assert_eq!(db.search_messages("vacuum", 10).unwrap().total, 2);
        db.delete_session(&a.id).unwrap();
        intact();
        assert_eq!(indexed(), 0);
        assert_eq!(db.search_messages("vacuum", 10).unwrap().total, 0);
    }

    /// `cargo test --release --lib search_speed -- --ignored --nocapture`: a search over a
    /// store of 20,000 messages.
    #[test]
    #[ignore]
    fn search_speed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Db::open(&dir.path().join("big.db")).unwrap();
        let words = [
            "sqlite",
            "index",
            "query",
            "rust",
            "async",
            "tokio",
            "server",
            "stream",
            "token",
            "branch",
            "commit",
            "table",
            "render",
            "terminal",
            "width",
            "search",
            "migration",
        ];
        let started = std::time::Instant::now();
        for i in 0..200 {
            let sess = s
                .create_session(&NewSession {
                    title: format!("session {i}"),
                    model: "m".into(),
                    source: "cli".into(),
                    ..Default::default()
                })
                .unwrap();
            for j in 0..100 {
                let text: Vec<&str> = (0..60)
                    .map(|k| words[(i * 7 + j * 13 + k * k) % words.len()])
                    .collect();
                let mut text = text.join(" ");
                if (i * 100 + j) % 997 == 0 {
                    text.push_str(" a rare needle");
                }
                s.add_message(&sess.id, &NewMessage::user(vec![ContentBlock::text(text)]))
                    .unwrap();
            }
        }
        eprintln!("stored 20000 messages in {:?}", started.elapsed());
        let t = std::time::Instant::now();
        let n = s.index_messages().unwrap();
        eprintln!("indexed {n} messages in one catch-up in {:?}", t.elapsed());
        for q in ["needle", "sqlite tokio", "render*", "\"async tokio\""] {
            let t = std::time::Instant::now();
            let r = s.search_messages(q, 20).unwrap();
            eprintln!(
                "{q:>16}: {} of {} in {:?}",
                r.hits.len(),
                r.total,
                t.elapsed()
            );
        }
    }
}
