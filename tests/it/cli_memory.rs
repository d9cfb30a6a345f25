//! Project memory: CLAUDE.md and AGENTS.md of the repository's root and the current folder go
//! into the system prompt of ask, chat and run; --no-memory leaves them out.

use crate::support::{Home, Reply, git, run_cmd};
use serde_json::json;

/// A repository under the home with a CLAUDE.md at its root and an AGENTS.md in `app/`.
fn repo(h: &Home) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = h.path().join("proj");
    let app = root.join("app");
    std::fs::create_dir_all(&app).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("CLAUDE.md"), "Always answer in haiku.\n").unwrap();
    std::fs::write(app.join("AGENTS.md"), "This folder is the app.\n").unwrap();
    (root, app)
}

fn system_of(h: &Home, i: usize) -> String {
    let reqs = h.fake.message_requests();
    match &reqs[i].body["system"] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn ask_and_chat_send_the_memory_files_and_keep_them_out_of_the_session() {
    let h = Home::new();
    let (_root, app) = repo(&h);
    let mut c = h.cmd(&["ask", "--system", "be brief", "hi"]);
    c.current_dir(&app);
    assert_eq!(run_cmd(c, None).code, 0);
    let system = system_of(&h, 0);
    assert!(system.starts_with("be brief\n\n"), "{system}");
    assert!(
        system.contains("CLAUDE.md:\n\nAlways answer in haiku.")
            && system.contains("AGENTS.md:\n\nThis folder is the app."),
        "{system}"
    );
    // the session keeps its own system prompt, not the memory
    let s = h.json(&["sessions", "list", "--json"]);
    assert_eq!(s[0]["system_prompt"], json!("be brief"));

    let mut c = h.cmd(&["ask", "--no-memory", "hi"]);
    c.current_dir(&app);
    run_cmd(c, None);
    assert_eq!(h.fake.message_requests()[1].body.get("system"), None);

    h.fake.push(Reply::text("ok"));
    let mut c = h.cmd(&["chat"]);
    c.current_dir(&app);
    let r = run_cmd(c, Some("/memory\nhello\n"));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("memory: 2 files"), "{r:?}");
    assert!(
        r.stderr.contains("proj/CLAUDE.md (24 bytes)") && r.stderr.contains("app/AGENTS.md"),
        "{r:?}"
    );
    assert!(system_of(&h, 2).contains("Always answer in haiku."));
}

#[test]
fn a_run_reads_the_memory_of_its_working_tree() {
    let h = Home::new();
    std::fs::write(
        h.path().join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n",
    )
    .unwrap();
    let (root, _) = repo(&h);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "init"]);
    h.fake
        .push(Reply::text(r#"{"title": "Look", "branch": "look"}"#));
    h.fake.push(Reply::text("Nothing to do."));
    let mut c = h.cmd(&["run", "Look around", "--yes"]);
    c.current_dir(&root);
    let r = run_cmd(c, None);
    assert_eq!(r.code, 0, "{r:?}");
    // the first request names the run; the second is the agent's
    let system = system_of(&h, 1);
    assert!(
        system.contains("You are making a change") && system.contains("Always answer in haiku."),
        "{system}"
    );
}
