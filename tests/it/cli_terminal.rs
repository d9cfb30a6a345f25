//! Answers on a real terminal (a pseudo-terminal of 80 or 200 columns): rendered Markdown,
//! wrapped rows, the usage line after the answer; and piped, byte for byte as sent.

use crate::support::{Home, Reply};
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

const ANSWER: &str = include_str!("../../src/cli/render/snapshots/answer.md");

/// Runs `c` with stdout and stderr on a pseudo-terminal `cols` wide; returns what it showed.
/// `NO_COLOR` (which the test homes set) is removed unless `no_color`.
fn on_terminal(mut c: Command, cols: u16, no_color: bool) -> (i32, String) {
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
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
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
