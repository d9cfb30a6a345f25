//! Answers on a terminal: a streaming Markdown renderer that takes the answer's text as it
//! arrives and writes whole rows (a line at a time, a table or code line when it is complete),
//! wrapped at word boundaries to the terminal's width; and [`Answer`], which writes an answer to
//! stdout, rendered on a terminal and as sent everywhere else.

mod highlight;
mod inline;
mod style;
mod table;
mod wrap;

use highlight::Highlighter;
use std::io::{IsTerminal, Write};
use style::{Style, color, paint};
use table::Align;
use wrap::{Prefix, wrap};

/// A fenced code block being written.
struct Fence {
    ch: char,
    len: usize,
    indent: usize,
    hl: Highlighter,
}

/// A table being collected until its last row.
struct Table {
    header: Vec<String>,
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

/// An open list item: where its marker and its text start in the source, and where its text
/// starts on the screen.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    marker_at: usize,
    content_at: usize,
    shown_at: usize,
}

/// How a line of text is laid out.
enum Layout {
    Blank,
    Rule,
    /// Code indented by four spaces: as written.
    Verbatim(String),
    Text {
        first: Prefix,
        rest: Prefix,
        text: String,
        base: Style,
        /// Rows of it may be written before the line ends (not headings, which are short).
        stream: bool,
    },
}

/// Markdown to styled terminal rows, fed the answer's text in pieces of any size.
pub struct Markdown {
    width: usize,
    /// The source line not yet ended by a newline.
    line: String,
    /// Rows of `line` already written.
    rows_done: usize,
    fence: Option<Fence>,
    table: Option<Table>,
    /// A line that may be a table's header: it waits for the next line to tell.
    pending: Option<String>,
    lists: Vec<Item>,
    /// The last row written was empty, or nothing was written yet.
    blank: bool,
    /// Text whose emphasis (or code span, or link) the next line of its paragraph may close:
    /// it waits for that line, a few at most.
    held: Option<Held>,
    /// The last line was text of an open list item: an unindented line after it continues
    /// the item (a lazy continuation), unless a blank line came between.
    in_item_text: bool,
}

/// Paragraph text waiting for the line that closes what it opened.
struct Held {
    text: String,
    first: Prefix,
    rest: Prefix,
    base: Style,
    /// Its rows already written.
    done: usize,
    /// Source lines in it.
    lines: usize,
}

/// Lines of one paragraph held at most for an opener to be closed.
const HOLD_LINES: usize = 4;

impl Markdown {
    /// A renderer for a terminal `width` columns wide.
    pub fn new(width: usize) -> Self {
        Self {
            width: width.max(20),
            line: String::new(),
            rows_done: 0,
            fence: None,
            table: None,
            pending: None,
            lists: Vec::new(),
            blank: true,
            held: None,
            in_item_text: false,
        }
    }

    /// Takes more of the answer; returns the rows it completed, each ending in a newline.
    pub fn push(&mut self, text: &str) -> String {
        let mut out = String::new();
        self.line.push_str(text);
        while let Some(nl) = self.line.find('\n') {
            let mut line: String = self.line.drain(..=nl).collect();
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
            self.complete(&line, &mut out);
        }
        self.partial(&mut out);
        out
    }

    /// The rest: the last line even without its newline, and any table or block still open.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.complete(&line, &mut out);
        }
        if let Some(p) = self.pending.take() {
            self.text_line(&p, &mut out);
        }
        self.flush_held(&mut out);
        self.end_table(&mut out);
        if self.fence.take().is_some() {
            self.fence_rule(None, &mut out);
        }
        self.lists.clear();
        self.rows_done = 0;
        out
    }

    fn row(&mut self, row: &str, out: &mut String) {
        out.push_str(row);
        out.push('\n');
        self.blank = row.is_empty();
    }

    fn complete(&mut self, line: &str, out: &mut String) {
        if let Some(f) = &mut self.fence {
            if closes(line, f.ch, f.len) {
                self.fence = None;
                self.fence_rule(None, out);
            } else {
                let code = strip_indent(line, f.indent);
                let row = f.hl.line(&wrap::clean_code(code));
                self.row(&row, out);
            }
            return;
        }
        if self.table.is_some() {
            if line.contains('|') && !line.trim().is_empty() {
                if let Some(t) = &mut self.table {
                    t.rows.push(table::cells(line));
                }
                return;
            }
            self.end_table(out);
        }
        if let Some(header) = self.pending.take() {
            if let Some(aligns) = table::delimiter_row(line) {
                self.table = Some(Table {
                    header: table::cells(&header),
                    aligns,
                    rows: Vec::new(),
                });
                return;
            }
            self.text_line(&header, out);
        }
        if let Some((ch, len, indent, info)) = opens_fence(line) {
            self.flush_held(out);
            self.in_item_text = false;
            self.fence = Some(Fence {
                ch,
                len,
                indent,
                hl: Highlighter::new(info),
            });
            self.fence_rule(Some(info), out);
            return;
        }
        // a row written already cannot become a table's header
        if self.rows_done == 0 && line.trim_start().starts_with('|') {
            self.flush_held(out);
            self.pending = Some(line.to_owned());
            return;
        }
        self.text_line(line, out);
    }

    /// Writes the rows of `line` not yet written, and updates the open lists.
    fn text_line(&mut self, line: &str, out: &mut String) {
        let done = std::mem::take(&mut self.rows_done);
        let (layout, lists) = self.layout(line);
        self.in_item_text =
            matches!(layout, Layout::Text { stream: true, .. }) && !lists.is_empty();
        self.lists = lists;
        if let Layout::Text {
            first,
            rest,
            text,
            base,
            stream: true,
        } = layout
        {
            return self.paragraph_text(first, rest, text, base, done, out);
        }
        self.flush_held(out);
        match layout {
            Layout::Blank => {
                if !self.blank {
                    self.row("", out);
                }
            }
            Layout::Rule => {
                let rule = paint(&"─".repeat(self.width.min(80)), Style::default().with_dim());
                self.row(&rule, out);
            }
            Layout::Verbatim(code) => {
                let row = paint(&wrap::clean_code(&code), Style::fg(color::CODE));
                self.row(&row, out);
            }
            Layout::Text {
                first,
                rest,
                text,
                base,
                ..
            } => {
                let spans = inline::parse(&text, base).spans();
                self.rows_after(&spans, &first, &rest, done, out);
            }
        }
    }

    /// A line of paragraph or item text: joined to the held text it continues (a soft break
    /// is a space); held itself while it leaves an emphasis, code span or link open.
    fn paragraph_text(
        &mut self,
        first: Prefix,
        rest: Prefix,
        text: String,
        base: Style,
        done: usize,
        out: &mut String,
    ) {
        let mut h = match self.held.take() {
            // the same paragraph goes on: same indentation, no new item
            Some(h) if first == rest && rest == h.rest && base == h.base => Held {
                text: format!("{} {}", h.text, text.trim_start()),
                lines: h.lines + 1,
                ..h
            },
            other => {
                self.held = other;
                self.flush_held(out);
                Held {
                    text,
                    first,
                    rest,
                    base,
                    done,
                    lines: 1,
                }
            }
        };
        let parsed = inline::parse(&h.text, h.base);
        if parsed.is_open() && h.lines < HOLD_LINES {
            h.done = h.done.max(done);
            self.held = Some(h);
            return;
        }
        self.rows_after(&parsed.spans(), &h.first, &h.rest, h.done, out);
    }

    /// Writes held text as it is: its paragraph ended with what it opened still open.
    fn flush_held(&mut self, out: &mut String) {
        if let Some(h) = self.held.take() {
            let spans = inline::parse(&h.text, h.base).spans();
            self.rows_after(&spans, &h.first, &h.rest, h.done, out);
        }
    }

    /// Writes the rows of `spans` wrapped under `first` and `rest`, but the `done` ones
    /// written already.
    fn rows_after(
        &mut self,
        spans: &[inline::Span],
        first: &Prefix,
        rest: &Prefix,
        done: usize,
        out: &mut String,
    ) {
        for row in wrap(spans, self.width, first, rest).iter().skip(done) {
            self.row(row, out);
        }
    }

    /// Writes the rows of the unfinished line that more text can no longer change.
    fn partial(&mut self, out: &mut String) {
        let line = &self.line;
        let worth_it = line.len() > self.width / 2;
        let undecided = line.contains('|')
            || line.trim_start().starts_with(['`', '~'])
            || line
                .trim()
                .chars()
                .all(|c| matches!(c, '-' | '*' | '_' | '=' | ' '));
        if !worth_it
            || undecided
            // a held line may join this one: their rows are written together
            || self.held.is_some()
            || self.fence.is_some()
            || self.table.is_some()
            || self.pending.is_some()
        {
            return;
        }
        let (layout, _) = self.layout(line);
        let Layout::Text {
            first,
            rest,
            text,
            base,
            stream: true,
        } = layout
        else {
            return;
        };
        let parsed = inline::parse(&text, base);
        let spans = parsed.spans_before(parsed.stable_len(text.len()));
        let rows = wrap(&spans, self.width, &first, &rest);
        // the last row may still grow: write the ones before it
        let ready = rows.len().saturating_sub(1);
        if ready > self.rows_done {
            for row in &rows[self.rows_done..ready] {
                out.push_str(row);
                out.push('\n');
            }
            self.blank = false;
            self.rows_done = ready;
        }
    }

    fn end_table(&mut self, out: &mut String) {
        if let Some(t) = self.table.take() {
            for row in table::render(&t.header, &t.aligns, &t.rows, self.width) {
                self.row(&row, out);
            }
        }
    }

    /// The faint rule above a code block (with its language) or below it.
    fn fence_rule(&mut self, info: Option<&str>, out: &mut String) {
        let len = self.width.min(40);
        let label = match info.map(str::trim) {
            Some(lang) if !lang.is_empty() => format!("── {lang} "),
            _ => String::new(),
        };
        let fill = len.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str()));
        let rule = format!("{label}{}", "─".repeat(fill));
        self.row(&paint(&rule, Style::default().with_dim()), out);
    }

    /// How `line` is laid out, and the open lists after it.
    fn layout(&self, line: &str) -> (Layout, Vec<Item>) {
        let mut lists = self.lists.clone();
        if line.trim().is_empty() {
            return (Layout::Blank, lists);
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if indent < 4 && is_rule(body) {
            lists.clear();
            return (Layout::Rule, lists);
        }
        if indent < 4 && body.starts_with('>') {
            lists.clear();
            return (quote(body), lists);
        }
        if indent < 4
            && let Some((level, title)) = heading(body)
        {
            lists.clear();
            let base = match level {
                1 => Style::fg(color::HEADING).with_bold().with_underline(),
                2 => Style::fg(color::HEADING).with_bold(),
                _ => Style::default().with_bold(),
            };
            let text = Layout::Text {
                first: Prefix::default(),
                rest: Prefix::default(),
                text: title.to_owned(),
                base,
                stream: false,
            };
            return (text, lists);
        }
        if let Some((marker, content_at)) = list_marker(body) {
            let content_at = indent + content_at;
            // leave the items this one is not inside
            while let Some(top) = lists.last() {
                if indent < top.content_at {
                    lists.pop();
                } else {
                    break;
                }
            }
            let shown_at = lists.last().map_or(0, |p| p.shown_at);
            let mut text = line[content_at.min(line.len())..].to_owned();
            let shown = match task_box(&text) {
                Some((box_, rest)) => {
                    text = rest.to_owned();
                    box_.to_owned()
                }
                None if marker.ends_with(['.', ')']) => marker.to_owned(),
                None => ["•", "◦", "▪"][lists.len() % 3].to_owned(),
            };
            let first = Prefix::spaces(shown_at).then(&Prefix::plain(&format!("{shown} ")));
            lists.push(Item {
                marker_at: indent,
                content_at,
                shown_at: first.width,
            });
            let rest = Prefix::spaces(first.width);
            let text = Layout::Text {
                first,
                rest,
                text,
                base: Style::default(),
                stream: true,
            };
            return (text, lists);
        }
        // more text of an item: under its text (or right after its text, unindented: a lazy
        // continuation); else the lists are over
        while let Some(top) = lists.last() {
            if self.in_item_text || indent >= top.content_at.min(top.marker_at + 2) {
                break;
            }
            lists.pop();
        }
        if lists.is_empty() && indent >= 4 {
            return (Layout::Verbatim(line.to_owned()), lists);
        }
        let at = lists.last().map_or(0, |i| i.shown_at);
        let text = Layout::Text {
            first: Prefix::spaces(at),
            rest: Prefix::spaces(at),
            text: body.to_owned(),
            base: Style::default(),
            stream: true,
        };
        (text, lists)
    }
}

/// A block quote: its bars, then the quoted line laid out as text.
fn quote(body: &str) -> Layout {
    let mut depth = 0;
    let mut rest = body;
    while let Some(r) = rest.strip_prefix('>') {
        depth += 1;
        rest = r.strip_prefix(' ').unwrap_or(r).trim_start_matches(' ');
        if !rest.starts_with('>') {
            break;
        }
    }
    let bars = Prefix {
        text: paint(&"│ ".repeat(depth), Style::default().with_dim()),
        width: 2 * depth,
    };
    if rest.trim().is_empty() {
        return Layout::Text {
            first: bars.clone(),
            rest: bars,
            text: String::new(),
            base: Style::default(),
            stream: false,
        };
    }
    let (first, next, text) = match list_marker(rest) {
        Some((marker, at)) => {
            let shown = if marker.ends_with(['.', ')']) {
                marker
            } else {
                "•"
            };
            let first = bars.then(&Prefix::plain(&format!("{shown} ")));
            let next = bars.then(&Prefix::spaces(first.width - bars.width));
            (first, next, rest[at.min(rest.len())..].to_owned())
        }
        None => (bars.clone(), bars, rest.to_owned()),
    };
    let (text, base) = match heading(&text) {
        Some((_, title)) => (title.to_owned(), Style::default().with_bold()),
        None => (text, Style::default().with_italic()),
    };
    Layout::Text {
        first,
        rest: next,
        text,
        base,
        stream: true,
    }
}

/// `# Title` as (level, title), closing `#`s dropped.
fn heading(body: &str) -> Option<(usize, &str)> {
    let level = body.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &body[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim();
    // a closing run of `#`s goes when a space comes before it (`## Title ##`)
    let open = title.trim_end_matches('#');
    let title = if open.is_empty() {
        ""
    } else if open.ends_with(' ') {
        open.trim_end()
    } else {
        title
    };
    Some((level, title))
}

/// `---`, `***`, `___` (three or more, spaces allowed).
fn is_rule(body: &str) -> bool {
    let t: Vec<char> = body.chars().filter(|c| !c.is_whitespace()).collect();
    t.len() >= 3 && ['-', '*', '_'].iter().any(|m| t.iter().all(|c| c == m))
}

/// A list marker (`-`, `*`, `+`, `1.`, `2)`) and where the item's text starts.
fn list_marker(body: &str) -> Option<(&str, usize)> {
    let marker_len = if body.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&digits) || !body[digits..].starts_with(['.', ')']) {
            return None;
        }
        digits + 1
    };
    let after = &body[marker_len..];
    if after.is_empty() {
        return Some((&body[..marker_len], marker_len));
    }
    if !after.starts_with(' ') {
        return None;
    }
    let spaces = after.bytes().take_while(|&b| b == b' ').count();
    // five or more spaces start indented code inside the item: the text starts after one
    let gap = if spaces > 4 { 1 } else { spaces };
    Some((&body[..marker_len], marker_len + gap))
}

/// `[ ] ` or `[x] ` at the start of an item: its box and the rest.
fn task_box(text: &str) -> Option<(&'static str, &str)> {
    if let Some(rest) = text.strip_prefix("[ ] ") {
        return Some(("☐", rest));
    }
    text.strip_prefix("[x] ")
        .or_else(|| text.strip_prefix("[X] "))
        .map(|rest| ("☑", rest))
}

/// A fence's opening line: its character, length, indent and info string.
fn opens_fence(line: &str) -> Option<(char, usize, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let body = &line[indent..];
    let ch = body.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = body.chars().take_while(|c| *c == ch).count();
    let info = body[len..].trim();
    if len < 3 || (ch == '`' && info.contains('`')) {
        return None;
    }
    Some((ch, len, indent, info))
}

/// True when `line` closes a fence of `len` `ch`s.
fn closes(line: &str, ch: char, len: usize) -> bool {
    let t = line.trim();
    let run = t.chars().take_while(|c| *c == ch).count();
    run >= len && t.len() == run * ch.len_utf8() && line.len() - line.trim_start().len() < 4
}

/// `line` without up to `n` leading spaces (a fence's own indent).
fn strip_indent(line: &str, n: usize) -> &str {
    let spaces = line.bytes().take(n).take_while(|&b| b == b' ').count();
    &line[spaces..]
}

/// The width to render at, when stdout is a terminal that should get rendered Markdown: not
/// with `--raw`, `NO_COLOR` or `TERM=dumb`.
pub fn terminal_width(raw: bool) -> Option<usize> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if raw || no_color || dumb || !std::io::stdout().is_terminal() {
        return None;
    }
    let width = terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w > 0)
        .unwrap_or(80);
    Some(width)
}

/// `text` wrapped at words to `width` columns under `indent` spaces, runs of white space made
/// one space and the characters in `marks` (ranges of char indexes) bold in reverse video:
/// a search's snippet, a note longer than the terminal.
pub fn marked_rows(
    text: &str,
    marks: &[(usize, usize)],
    width: usize,
    indent: usize,
) -> Vec<String> {
    let mut spans: Vec<inline::Span> = Vec::new();
    let mut space = false;
    for (i, c) in text.chars().enumerate() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' && space {
            continue;
        }
        space = c == ' ';
        let style = if marks.iter().any(|(s, e)| (*s..*e).contains(&i)) {
            Style::default().with_bold().with_reverse()
        } else {
            Style::default()
        };
        match spans.last_mut() {
            Some(s) if s.style == style => s.text.push(c),
            _ => spans.push(inline::Span {
                text: c.to_string(),
                style,
            }),
        }
    }
    let pad = Prefix::spaces(indent);
    wrap(&spans, width, &pad, &pad)
}

/// An answer written to stdout as it streams: rendered when [`terminal_width`] says so, else
/// byte for byte as the API sent it. A closed stdout stops the writing, not the turn.
pub struct Answer {
    md: Option<Markdown>,
    /// End the answer with a newline when it lacks one (a terminal, a chat transcript).
    end_newline: bool,
    mid_line: bool,
    broken: bool,
}

impl Answer {
    /// For stdout; `end_newline` adds a final newline to an answer that lacks one (piped
    /// `ask` output stays byte-identical to the API's text).
    pub fn new(raw: bool, end_newline: bool) -> Self {
        Self {
            md: terminal_width(raw).map(Markdown::new),
            end_newline,
            mid_line: false,
            broken: false,
        }
    }

    /// True when the answer is rendered (stdout is a terminal).
    pub fn rendered(&self) -> bool {
        self.md.is_some()
    }

    fn write(&mut self, text: &str) {
        if self.broken || text.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        if out
            .write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            // a closed stdout (`| head`) must not kill the turn: the answer is still stored
            self.broken = true;
        }
        self.mid_line = !text.ends_with('\n');
    }

    /// More of the answer.
    pub fn text(&mut self, t: &str) {
        let rendered = match &mut self.md {
            Some(md) => md.push(t),
            None => t.to_owned(),
        };
        self.write(&rendered);
    }

    /// Ends the text written so far on its own line, before a tool call or a status line on
    /// stderr, so neither runs into the other.
    pub fn break_line(&mut self) {
        if let Some(md) = &mut self.md {
            let rest = md.finish();
            self.write(&rest);
        }
        if self.mid_line {
            self.write("\n");
        }
    }

    /// Ctrl-C stopped the answer: the terminal echoed `^C` where the cursor was, so what
    /// follows starts on a line of its own.
    pub fn interrupted(&mut self) {
        if self.md.is_some() || (self.end_newline && std::io::stdout().is_terminal()) {
            self.write("\n");
        }
    }

    /// The end of the answer: what the renderer held, and the final newline when wanted.
    pub fn finish(&mut self) {
        if let Some(md) = &mut self.md {
            let rest = md.finish();
            self.write(&rest);
        }
        if self.mid_line && (self.end_newline || self.md.is_some()) {
            self.write("\n");
        }
        self.mid_line = false;
    }
}

/// Renders a whole text at once (stored answers).
pub fn render_all(text: &str, width: usize) -> String {
    let mut md = Markdown::new(width);
    let mut out = md.push(text);
    out.push_str(&md.finish());
    out
}

#[cfg(test)]
mod tests;
