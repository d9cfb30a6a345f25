//! `clauded sessions search` and `/search` in chat over the stored messages.

use crate::support::{Home, Reply};
use serde_json::json;

#[test]
fn search_finds_messages_newest_first_with_snippets() {
    let h = Home::new();
    h.fake.push(Reply::text(
        "Turn on WAL mode: readers stop blocking the writer.",
    ));
    h.ok(
        &["ask", "how do sqlite readers and writers get along?"],
        None,
    );
    h.fake.push(Reply::text("Use a GIN index over a tsvector."));
    h.ok(&["ask", "and in postgres?"], None);
    h.fake.push(Reply::text("WAL again, with checkpoints."));
    h.ok(&["ask", "what about checkpoints?"], None);

    let v = h.json(&["sessions", "search", "wal", "--json"]);
    assert_eq!(v["total"], json!(2));
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits[0]["session_title"], json!("what about checkpoints?"));
    assert_eq!(
        hits[1]["session_title"],
        json!("how do sqlite readers and writers get along?")
    );
    assert_eq!(hits[0]["role"], json!("assistant"));
    let snippet = hits[1]["snippet"].as_str().unwrap();
    let (a, b) = (
        hits[1]["highlights"][0][0].as_u64().unwrap() as usize,
        hits[1]["highlights"][0][1].as_u64().unwrap() as usize,
    );
    let word: String = snippet.chars().skip(a).take(b - a).collect();
    assert_eq!(word, "WAL", "{snippet}");

    let r = h.ok(&["sessions", "search", "tsvector", "GIN"], None);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{r:?}");
    assert!(
        lines[0].contains("claude") && lines[0].contains("and in postgres?"),
        "{r:?}"
    );
    assert!(lines[1].contains("GIN index over a tsvector"), "{r:?}");
    // the id shown opens the session
    let id = lines[0].split_whitespace().next().unwrap();
    h.ok(&["sessions", "show", id], None);

    let r = h.ok(&["sessions", "search", "nowhere-to-be-found"], None);
    assert_eq!(r.stdout, "");
    let r = h.run(&["sessions", "search", "\"\""], None);
    assert_eq!(r.code, 2, "{r:?}");

    let r = h.ok(&["chat"], Some("/search checkpoints\n/exit\n"));
    assert!(r.stderr.contains("WAL again, with checkpoints."), "{r:?}");
    assert!(r.stderr.contains("2 matches"), "{r:?}");
}
