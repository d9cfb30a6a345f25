//! Answers on a real terminal (a pseudo-terminal of 80 or 200 columns): rendered Markdown,
//! wrapped rows, the usage line after the answer; and piped, byte for byte as sent.

use crate::support::{Delivery, Home, Reply};
use serde_json::json;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ANSWER: &str = include_str!("../../src/cli/render/snapshots/answer.md");

/// Runs `c` with stdout and stderr on a pseudo-terminal `cols` wide; returns what it showed.
/// `NO_COLOR` (which the test homes set) is removed unless `no_color`.
fn on_terminal(mut c: Command, cols: u16, no_color: bool) -> (i32, String) {
    let (master, slave) = pty(cols);
    if !no_color {
        c.env_remove("NO_COLOR");
    }
    c.env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    let mut child = c.spawn().unwrap();
    drop(c);
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::from(master);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // the read fails (EIO) once the child has closed the last slave descriptor
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    let code = child.wait().unwrap().code().unwrap_or(-1);
    let out = reader.join().unwrap();
    (code, String::from_utf8_lossy(&out).replace("\r\n", "\n"))
}

/// A new pseudo-terminal `cols` wide: its master and slave sides.
fn pty(cols: u16) -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 50,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors into the integers we pass.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty");
    // SAFETY: both descriptors were just opened and are owned only here.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// A command whose controlling terminal is a pseudo-terminal (stdin, stdout and stderr on
/// it, in a session of its own), so a `^C` typed into it is the terminal's interrupt.
struct Typed {
    keys: std::fs::File,
    shown: Arc<Mutex<Vec<u8>>>,
    child: Child,
}

impl Typed {
    fn spawn(mut c: Command) -> Self {
        let (master, slave) = pty(80);
        c.env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().unwrap();
        drop(c);
        let keys = std::fs::File::from(master);
        let mut screen = keys.try_clone().unwrap();
        let mut answers = keys.try_clone().unwrap();
        let shown = Arc::new(Mutex::new(Vec::new()));
        let into = shown.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = screen.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // the line editor asks where the cursor is, as a terminal would answer
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let _ = answers.write_all(b"\x1b[1;1R");
                }
                into.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self { keys, shown, child }
    }

    fn shown(&self) -> String {
        strip(&String::from_utf8_lossy(&self.shown.lock().unwrap()).replace("\r\n", "\n"))
    }

    /// Waits until the terminal shows `text` after what it showed at `from` (a length of
    /// `shown()`); returns where it ends.
    fn wait_for(&self, text: &str, from: usize) -> usize {
        let start = Instant::now();
        loop {
            let shown = self.shown();
            if let Some(at) = shown.get(from..).and_then(|s| s.find(text)) {
                return from + at + text.len();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "never showed {text:?}:\n{shown}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
    }

    /// The exit code, within a few seconds (None: still running, then killed).
    fn exit_code(&mut self) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }
}

/// A slow answer of forty short lines, a word every tenth of a second.
fn slow_lines(h: &Home) -> String {
    let text: String = (1..=40)
        .map(|i| format!("line {i} of the answer\n"))
        .collect();
    h.fake.push(Reply::text(&text).delivered(Delivery {
        event_delay: Duration::from_millis(100),
        ..Default::default()
    }));
    text
}

/// The last session's answer: its stop reason and text.
fn stored_answer(h: &Home) -> (serde_json::Value, String) {
    let id = h.json(&["sessions", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let msgs = &h.json(&["sessions", "show", &id, "--json"])["messages"];
    let text = msgs[1]["content"][0]["text"].as_str().unwrap_or_default();
    (msgs[1]["stop_reason"].clone(), text.to_owned())
}

#[test]
fn one_ctrl_c_typed_stops_ask_and_chat_and_keeps_the_part() {
    // ask: one ^C ends the process with 130
    let h = Home::new();
    let sent = slow_lines(&h);
    let mut ask = Typed::spawn(h.cmd(&["ask", "count slowly"]));
    ask.wait_for("line 2 of the answer", 0);
    ask.press("\x03");
    assert_eq!(ask.exit_code(), Some(130), "{}", ask.shown());
    assert!(!ask.shown().contains("line 40"), "{}", ask.shown());
    let (stop, kept) = stored_answer(&h);
    assert_eq!(stop, json!("cancelled"));
    assert!(
        kept.starts_with("line 1 of the answer\nline 2") && sent.starts_with(&kept),
        "{kept:?}"
    );

    // chat: one ^C stops the answer and gives the prompt back; Ctrl-D then leaves
    let h = Home::new();
    slow_lines(&h);
    let mut chat = Typed::spawn(h.cmd(&["chat"]));
    let at = chat.wait_for("›", 0);
    chat.press("count slowly\r");
    let at = chat.wait_for("line 2 of the answer", at);
    chat.press("\x03");
    let at = chat.wait_for("answer stopped", at);
    chat.wait_for("›", at);
    chat.press("\x04");
    assert_eq!(chat.exit_code(), Some(0), "{}", chat.shown());
    let (stop, kept) = stored_answer(&h);
    assert_eq!(stop, json!("cancelled"));
    assert!(kept.starts_with("line 1 of the answer\nline 2"), "{kept:?}");
    assert_eq!(h.fake.message_requests().len(), 1, "one turn, sent once");
}

/// A line typed and sent while an answer streams is not lost, and does not land in the
/// answer: it waits, unshown, and is the next prompt.
#[test]
fn a_line_typed_while_chat_answers_is_sent_next() {
    let h = Home::new();
    let text: String = (1..=8)
        .map(|i| format!("row {i} of the answer\n"))
        .collect();
    h.fake.push(Reply::text(&text).delivered(Delivery {
        event_delay: Duration::from_millis(100),
        ..Default::default()
    }));
    h.fake.push(Reply::text("The answer to what came next"));
    let mut chat = Typed::spawn(h.cmd(&["chat"]));
    let at = chat.wait_for("›", 0);
    chat.press("count slowly\r");
    let at = chat.wait_for("row 2 of the answer", at);
    chat.press("and what next?\r");
    let at = chat.wait_for("row 8 of the answer", at);
    let at = chat.wait_for("The answer to what came next", at);
    chat.wait_for("›", at);
    chat.press("\x04");
    assert_eq!(chat.exit_code(), Some(0), "{}", chat.shown());
    let shown = chat.shown();
    assert!(
        shown.contains("row 2 of the answer\nrow 3 of the answer"),
        "the typed line ran into the answer:\n{shown}"
    );
    // shown once it is the prompt, after the answer
    assert!(
        shown.find("row 8 of the answer") < shown.find("and what next?"),
        "{shown}"
    );
    let asked = h.fake.message_requests();
    assert_eq!(asked.len(), 2, "{}", chat.shown());
    let last = asked[1].body["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        crate::support::fake_anthropic::content_text(&last["content"]),
        "and what next?"
    );
}

/// What the terminal shows: the text without escape sequences, and of a line rewritten after
/// `\r` (the spinner) only its last version.
fn plain(s: &str) -> String {
    strip(s)
        .lines()
        .map(|l| l.rsplit('\r').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_ascii_alphabetic())
            .map_or(tail.len(), |(i, _)| i + 1);
        rest = &tail[end..];
    }
    out + rest
}

#[test]
fn a_markdown_answer_is_rendered_while_streaming_at_80_and_200_columns() {
    for cols in [80u16, 200] {
        let h = Home::new();
        h.fake.push(Reply::text(ANSWER));
        let (code, shown) = on_terminal(h.cmd(&["ask", "how do I store sessions?"]), cols, false);
        assert_eq!(code, 0, "{shown}");
        let text = plain(&shown);
        assert!(shown.contains("\x1b[1m"), "styled: {shown:?}");
        assert!(
            !text.contains("**") && !text.contains("# Storing"),
            "{text}"
        );
        assert!(text.contains("Storing sessions in SQLite"), "{text}");
        for row in text.lines() {
            let w = unicode_width::UnicodeWidthStr::width(row);
            assert!(w <= cols as usize, "{cols}: a row of {w} columns: {row:?}");
        }
        // code as written, no bars or numbers in front of it
        assert!(
            text.lines()
                .any(|l| l == "    conn.pragma_update(None, \"journal_mode\", \"WAL\")?;"),
            "{text}"
        );
        assert!(text.contains("│ journal_mode │"), "a drawn table: {text}");
        // the usage line comes after the answer's last row, on its own line
        let usage = text.find(" in · ").expect("a usage line");
        let last = text.find("one habit.").expect("the last words");
        assert!(last < usage, "{text}");
        assert!(
            text[last..usage].contains('\n'),
            "own line: {:?}",
            &text[last..]
        );
    }
}

#[test]
fn raw_and_no_color_print_the_text_as_sent_on_a_terminal() {
    let h = Home::new();
    h.fake.push(Reply::text("# Title\n\n**bold**"));
    let (code, shown) = on_terminal(h.cmd(&["ask", "--raw", "hi"]), 80, false);
    assert_eq!(code, 0, "{shown}");
    assert!(
        plain(&shown).starts_with("# Title\n\n**bold**\n"),
        "{shown:?}"
    );
    h.fake.push(Reply::text("# Title\n\n**bold**"));
    let (_, shown) = on_terminal(h.cmd(&["ask", "hi"]), 80, true);
    assert!(
        plain(&shown).starts_with("# Title\n\n**bold**\n"),
        "{shown:?}"
    );
}

#[test]
fn piped_the_answer_is_byte_identical_to_what_the_api_sent() {
    let h = Home::new();
    h.fake.push(Reply::text(ANSWER));
    let r = h.ok(&["ask", "how do I store sessions?"], None);
    assert_eq!(r.stdout, ANSWER);
}

#[test]
fn search_hits_and_long_notes_wrap_at_words_on_a_terminal() {
    let h = Home::new();
    let answer = format!(
        "{} needle {}",
        "the words before the match run on and on for quite a while".repeat(2),
        "and the words after it go on just as long until the snippet is cut".repeat(2)
    );
    h.fake.push(Reply::text(&answer));
    h.ok(&["ask", "where is the needle?"], None);
    let (code, shown) = on_terminal(h.cmd(&["sessions", "search", "needle"]), 80, false);
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("\x1b[1;7mneedle"),
        "the match marked: {shown:?}"
    );
    let text = plain(&shown);
    let rows: Vec<&str> = text.lines().collect();
    for row in &rows {
        let w = unicode_width::UnicodeWidthStr::width(*row);
        assert!(w <= 80, "a row of {w} columns: {row:?}\n{text}");
    }
    // the first hit's snippet: rows under its head, cut between words
    let snippet: Vec<&str> = rows[1..]
        .iter()
        .take_while(|r| r.starts_with("  "))
        .copied()
        .collect();
    assert!(snippet.len() >= 2, "the snippet wrapped: {text}");
    for word in snippet.iter().flat_map(|r| r.split_whitespace()) {
        let word = word.trim_matches('…');
        assert!(answer.split(' ').any(|w| w == word), "{word:?}: {text}");
    }
    // a note wider than the terminal (mcp list's footer) wraps at words too
    let (code, shown) = on_terminal(h.cmd(&["mcp", "list"]), 80, false);
    assert_eq!(code, 0, "{shown}");
    let text = plain(&shown);
    assert!(text.lines().all(|r| r.chars().count() <= 80), "{text}");
    assert!(text.contains("clauded run always has filesystem"), "{text}");
}
