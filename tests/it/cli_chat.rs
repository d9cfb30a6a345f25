//! `clauded chat` driven through a pipe (line editing falls back to plain reads).

use crate::support::{Home, Reply, fake_anthropic::content_text};
use serde_json::json;

#[test]
fn chat_streams_turns_handles_slash_commands_and_resumes() {
    let h = Home::new();
    h.fake.push(Reply::text("hello there"));
    h.fake.push(Reply::text("second reply"));
    let r = h.ok(
        &["chat"],
        Some("hi\n/model claude-haiku-4-5\n/system talk like a pirate\nagain\n/sessions\n/bogus\n/exit\n"),
    );
    assert!(r.stdout.contains("hello there\n"), "{r:?}");
    assert!(r.stdout.contains("second reply\n"), "{r:?}");
    assert!(r.stderr.contains("model set to claude-haiku-4-5"), "{r:?}");
    assert!(r.stderr.contains("unknown command /bogus"), "{r:?}");
    assert!(
        r.stderr.contains(" in · ") && r.stderr.contains(" out · $"),
        "usage after each turn: {r:?}"
    );

    let reqs = h.fake.message_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body["model"], json!("claude-haiku-4-5"));
    assert_eq!(reqs[1].body["system"], json!("talk like a pirate"));
    assert_eq!(reqs[1].body["messages"].as_array().unwrap().len(), 3);

    let list = h.json(&["sessions", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["model"], json!("claude-haiku-4-5"));

    // resume continues the same history, with the session's model and system prompt
    h.fake.push(Reply::text("resumed"));
    let r = h.ok(&["chat", "--resume", &id[..8]], Some("third\n"));
    assert!(r.stdout.contains("resumed"), "{r:?}");
    assert!(r.stderr.contains("resuming"), "{r:?}");
    let last = h.fake.message_requests().pop().unwrap();
    let texts: Vec<String> = last.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| content_text(&m["content"]))
        .collect();
    assert_eq!(
        texts,
        vec!["hi", "hello there", "again", "second reply", "third"]
    );
    assert_eq!(last.body["system"], json!("talk like a pirate"));
}

#[test]
fn clear_starts_a_new_session_and_errors_do_not_end_the_chat() {
    let h = Home::new();
    h.fake.push(Reply::text("one"));
    h.fake.push(Reply::error(
        400,
        "invalid_request_error",
        "prompt is too long",
    ));
    h.fake.push(Reply::text("two"));
    let r = h.ok(&["chat"], Some("a\n/clear\nb\nc\n"));
    assert!(
        r.stderr
            .contains("invalid_request_error: prompt is too long"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("two"),
        "the chat went on after the error: {r:?}"
    );
    let list = h.json(&["sessions", "list", "--json"]);
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "/clear made a second session"
    );
}

#[test]
fn retry_sends_a_failed_prompt_again_and_only_once() {
    let h = Home::new();
    // a 400 is not retried by the client: the turn fails once
    h.fake.push(Reply::error(
        400,
        "invalid_request_error",
        "try again later",
    ));
    h.fake.push(Reply::text("here it is"));
    h.fake.push(Reply::text("and more"));
    let r = h.ok(&["chat"], Some("explain WAL\n/retry\nthanks\n/retry\n"));
    assert!(r.stdout.contains("here it is"), "{r:?}");
    assert!(r.stderr.contains("nothing to retry"), "{r:?}");
    let reqs = h.fake.message_requests();
    assert_eq!(reqs.len(), 3, "the failed turn, the retry, the next turn");
    let users = |i: usize| -> Vec<String> {
        reqs[i].body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "user")
            .map(|m| crate::support::fake_anthropic::content_text(&m["content"]))
            .collect()
    };
    // the retry carries the prompt once, not twice; the next turn sees one clean exchange
    assert_eq!(users(reqs.len() - 2), vec!["explain WAL"]);
    assert_eq!(users(reqs.len() - 1), vec!["explain WAL", "thanks"]);
}
