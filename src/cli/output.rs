//! Terminal output: dim notes on stderr, the spinner, JSON, tables, and money.

use crate::anthropic::Usage;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// True when stderr is a terminal that accepts colour.
pub fn stderr_styled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Wraps text in the dim style when stderr is styled.
pub fn dim(text: &str) -> String {
    if stderr_styled() {
        format!("\x1b[2m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Prints a dim note on stderr unless quiet; on a terminal, a line wider than it wraps at
/// words (the terminal would cut it mid-word).
pub fn note(quiet: bool, text: &str) {
    if quiet {
        return;
    }
    let Some(cols) = stderr_width() else {
        eprintln!("{}", dim(text));
        return;
    };
    for line in text.split('\n') {
        if width(line) <= cols {
            eprintln!("{}", dim(line));
        } else {
            for row in super::render::marked_rows(line, &[], cols, 0) {
                eprintln!("{}", dim(&row));
            }
        }
    }
}

/// The columns of stderr, when it is a terminal.
pub fn stderr_width() -> Option<usize> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(std::io::stderr())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w > 0)
}

/// A spinner on stderr, hidden when stderr is not a terminal or with `--quiet`.
pub fn spinner(quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
    );
    pb.set_message(message.to_owned());
    pb.enable_steady_tick(Duration::from_millis(80));
    pb
}

/// `1 file`, `3 files`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Dollars with enough digits for small amounts.
pub fn money(usd: f64) -> String {
    if usd == 0.0 {
        "$0".into()
    } else if usd < 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// `25 in · 89 out · $0.0012`.
pub fn usage_line(u: &Usage, cost: f64) -> String {
    let mut s = format!("{} in · {} out", u.total_input(), u.output_tokens);
    if u.cache_read_input_tokens > 0 {
        s.push_str(&format!(" ({} cached)", u.cache_read_input_tokens));
    }
    s.push_str(&format!(" · {}", money(cost)));
    s
}

/// Writes one line on stdout. Unlike `println!` it returns the error, so a closed pipe
/// (`clauded sessions list | head`) ends the command quietly instead of panicking.
pub fn out(line: impl std::fmt::Display) -> std::io::Result<()> {
    let mut o = std::io::stdout().lock();
    writeln!(o, "{line}")
}

/// Prints one JSON document on stdout.
pub fn print_json<T: Serialize>(value: &T) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)
}

/// Prints one NDJSON line on stdout and flushes.
pub fn print_ndjson(value: &serde_json::Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}

/// Text for one table cell: control characters (tabs, newlines) become spaces and at most
/// `max` columns are kept, cut at a word with `…` when it is longer.
pub fn clip(text: &str, max: usize) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    if width(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out) + width(c.encode_utf8(&mut [0; 4])) + 1 > max {
            break;
        }
        out.push(c);
    }
    // a cut word is harder to read than a shorter line
    if let Some(space) = out.rfind(' ').filter(|&at| at > out.len() / 2) {
        out.truncate(space);
    }
    format!("{}…", out.trim_end())
}

/// Columns a string takes on a terminal (wide characters count two).
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Prints rows as aligned columns; the last column is not padded.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<String>| {
        let n = cells.len();
        cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == n {
                    c
                } else {
                    let pad = widths[i] - width(&c);
                    format!("{c}{}  ", " ".repeat(pad))
                }
            })
            .collect::<String>()
    };
    writeln!(
        out,
        "{}",
        line(header.iter().map(|h| h.to_string()).collect())
    )?;
    for r in rows {
        writeln!(out, "{}", line(r.clone()))?;
    }
    Ok(())
}

/// The first eight characters of an id.
pub fn short(id: &str) -> &str {
    prefix(id, 8)
}

/// The first `len` characters of an id (all of it when shorter).
pub fn prefix(id: &str, len: usize) -> &str {
    id.char_indices().nth(len).map_or(id, |(at, _)| &id[..at])
}

/// How many characters of the ids in `shown` to print so that each names only itself among
/// `all` (at least eight): a printed id must work as `--session PREFIX`.
pub fn unique_len<'a>(shown: impl IntoIterator<Item = &'a str>, all: &[String]) -> usize {
    let mut sorted: Vec<&str> = all.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let common = |a: &str, b: &str| a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    shown
        .into_iter()
        .map(|id| {
            // in sorted order only the neighbours can share the longest prefix with `id`
            let at = sorted.partition_point(|s| *s < id);
            let after = if sorted.get(at) == Some(&id) {
                at + 1
            } else {
                at
            };
            let before = at.checked_sub(1).and_then(|i| sorted.get(i));
            [before, sorted.get(after)]
                .into_iter()
                .flatten()
                .map(|other| common(id, other) + 1)
                .max()
                .unwrap_or(0)
        })
        .fold(8, usize::max)
}

/// `2026-11-22T10:36:00.123Z` as `2026-11-22 10:36`.
pub fn when(ts: &str) -> String {
    ts.get(..16).unwrap_or(ts).replace('T', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_shown_long_enough_to_be_unique() {
        let all: Vec<String> = ["demo-session-1", "demo-session-2", "0f3a9c21-aaaa", "zz"]
            .map(String::from)
            .to_vec();
        let n = unique_len(["demo-session-1", "demo-session-2"], &all);
        assert_eq!(n, 14);
        assert_eq!(prefix("demo-session-2", n), "demo-session-2");
        assert_eq!(unique_len(["0f3a9c21-aaaa"], &all), 8);
        // an id shown alone still tells itself apart from the ones not shown
        assert_eq!(unique_len(["demo-session-1"], &all), 14);
        assert_eq!(unique_len([], &all), 8);
        assert_eq!(prefix("añb", 2), "añ");
    }

    #[test]
    fn cells_are_clipped_at_a_word_and_measured_in_columns() {
        assert_eq!(clip("a\tb", 10), "a b");
        assert_eq!(clip("one two three four", 12), "one two…");
        assert_eq!(width("日本"), 4);
        assert!(width(&clip("日本語のテキストです", 9)) <= 9);
    }
}
