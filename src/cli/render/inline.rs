//! Inline Markdown: emphasis, strong, strikethrough, code spans, links and escapes, parsed into
//! styled spans, and how much of a line still being written can no longer change.

use super::style::Style;

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The text (never contains a newline).
    pub text: String,
    /// Its style.
    pub style: Style,
}

/// One piece of a parsed line, with the bytes of the source it came from.
#[derive(Debug, Clone)]
struct Node {
    text: String,
    style: Style,
    start: usize,
    end: usize,
    /// A plain run whose text is exactly `source[start..end]`, so it can be cut anywhere.
    plain: bool,
    delim: Option<Delim>,
}

/// A run of `*`, `_` or `~~` that may open or close emphasis.
#[derive(Debug, Clone, Copy)]
struct Delim {
    ch: char,
    /// Characters of the run not yet used by a match.
    left: usize,
    /// The run's length as written (for the rule of three).
    orig: usize,
    can_open: bool,
    can_close: bool,
}

/// A line's inline content.
#[derive(Debug)]
pub struct Parsed {
    nodes: Vec<Node>,
    /// Where something starts that more text could still turn into markup (an unclosed
    /// delimiter, backtick run, bracket or angle bracket), if anywhere.
    open_at: Option<usize>,
    /// Source ranges of the constructs that matched (emphasis pairs, code spans, links).
    spans: Vec<(usize, usize)>,
}

/// Parses one line of inline Markdown (block markers already removed).
pub fn parse(text: &str, base: Style) -> Parsed {
    let mut p = Parser {
        src: text,
        nodes: Vec::new(),
        open_at: None,
        spans: Vec::new(),
        base,
        offset: 0,
    };
    p.run();
    p.emphasis();
    Parsed {
        nodes: p.nodes,
        open_at: p.open_at,
        spans: p.spans,
    }
}

impl Parsed {
    /// The styled spans of the whole line.
    pub fn spans(&self) -> Vec<Span> {
        self.spans_before(usize::MAX)
    }

    /// The styled spans of the source before byte `cut` (a cut from [`Parsed::stable_len`]).
    pub fn spans_before(&self, cut: usize) -> Vec<Span> {
        let mut out: Vec<Span> = Vec::new();
        for n in &self.nodes {
            if n.start >= cut {
                break;
            }
            let text = if n.end > cut && n.plain {
                &n.text[..cut - n.start]
            } else {
                n.text.as_str()
            };
            let text = if let Some(d) = n.delim {
                // what no match used stays as written
                d.ch.to_string().repeat(d.left)
            } else {
                text.to_owned()
            };
            if text.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.style == n.style => last.text.push_str(&text),
                _ => out.push(Span {
                    text,
                    style: n.style,
                }),
            }
        }
        out
    }

    /// Whether something is left open that more text could close (an emphasis, a code span,
    /// a link).
    pub fn is_open(&self) -> bool {
        self.open_at.is_some()
    }

    /// How many bytes of the source are settled: more text after them cannot change how they
    /// look. Everything, when nothing is left open.
    pub fn stable_len(&self, len: usize) -> usize {
        let mut cut = self.open_at.unwrap_or(len);
        // a construct that straddles the cut may still change: cut before it
        loop {
            let before = self
                .spans
                .iter()
                .filter(|(s, e)| *s < cut && *e > cut)
                .map(|(s, _)| *s)
                .min();
            match before {
                Some(s) => cut = s,
                None => break,
            }
        }
        // never inside a node that cannot be cut
        for n in &self.nodes {
            if n.start < cut && n.end > cut && !n.plain {
                cut = n.start;
            }
        }
        cut
    }
}

struct Parser<'a> {
    src: &'a str,
    nodes: Vec<Node>,
    open_at: Option<usize>,
    spans: Vec<(usize, usize)>,
    base: Style,
    /// Where `src` starts in the line (link texts are parsed on their own).
    offset: usize,
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace() && !c.is_control())
}

impl Parser<'_> {
    fn mark_open(&mut self, at: usize) {
        let at = at + self.offset;
        self.open_at = Some(self.open_at.map_or(at, |o| o.min(at)));
    }

    fn push_text(&mut self, text: &str, start: usize, plain: bool) {
        if text.is_empty() {
            return;
        }
        let (start, end) = (start + self.offset, start + self.offset + text.len());
        if let Some(last) = self.nodes.last_mut()
            && last.plain
            && plain
            && last.delim.is_none()
            && last.style == self.base
            && last.end == start
        {
            last.text.push_str(text);
            last.end = end;
            return;
        }
        self.nodes.push(Node {
            text: text.to_owned(),
            style: self.base,
            start,
            end,
            plain,
            delim: None,
        });
    }

    fn run(&mut self) {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut i = 0;
        let mut text_start = 0;
        while i < bytes.len() {
            let c = bytes[i];
            let special = matches!(c, b'\\' | b'`' | b'*' | b'_' | b'~' | b'[' | b'!' | b'<');
            if !special {
                i += 1;
                continue;
            }
            self.push_text(&src[text_start..i], text_start, true);
            let used = match c {
                b'\\' => self.escape(i),
                b'`' => self.code(i),
                b'*' | b'_' | b'~' => self.delim(i),
                b'[' => self.link(i, false),
                b'!' if bytes.get(i + 1) == Some(&b'[') => self.link(i, true),
                b'<' => self.autolink(i),
                _ => 0,
            };
            let used = if used == 0 {
                // not markup after all: the character as written
                let ch = src[i..].chars().next().map_or(1, char::len_utf8);
                self.push_text(&src[i..i + ch], i, true);
                ch
            } else {
                used
            };
            i += used;
            text_start = i;
        }
        self.push_text(&src[text_start..], text_start, true);
    }

    fn escape(&mut self, i: usize) -> usize {
        match self.src[i + 1..].chars().next() {
            Some(c) if c.is_ascii_punctuation() => {
                self.push_text(&c.to_string(), i, false);
                1 + c.len_utf8()
            }
            None => {
                // a backslash at the end may escape what comes next
                self.mark_open(i);
                0
            }
            _ => 0,
        }
    }

    fn code(&mut self, i: usize) -> usize {
        let src = self.src;
        let run = src[i..].bytes().take_while(|&b| b == b'`').count();
        let mut j = i + run;
        while j < src.len() {
            if src.as_bytes()[j] == b'`' {
                let close = src[j..].bytes().take_while(|&b| b == b'`').count();
                if close == run {
                    let inner = &src[i + run..j];
                    let inner = if inner.len() >= 2
                        && inner.starts_with(' ')
                        && inner.ends_with(' ')
                        && !inner.trim().is_empty()
                    {
                        &inner[1..inner.len() - 1]
                    } else {
                        inner
                    };
                    self.nodes.push(Node {
                        text: inner.to_owned(),
                        style: self.base.with_code(),
                        start: i + self.offset,
                        end: j + close + self.offset,
                        plain: false,
                        delim: None,
                    });
                    self.spans.push((i + self.offset, j + close + self.offset));
                    return j + close - i;
                }
                j += close;
            } else {
                j += 1;
            }
        }
        // no closing run yet: literal, unless the rest of the answer closes it
        self.mark_open(i);
        self.push_text(&src[i..i + run], i, true);
        run
    }

    fn delim(&mut self, i: usize) -> usize {
        let src = self.src;
        let ch = src.as_bytes()[i] as char;
        let run = src[i..].bytes().take_while(|&b| b == ch as u8).count();
        if ch == '~' && run != 2 {
            // one tilde means "about" (~5 ms); strikethrough wants two
            self.push_text(&src[i..i + run], i, true);
            return run;
        }
        let before = src[..i].chars().next_back();
        let after = src[i + run..].chars().next();
        let ws = |c: Option<char>| c.is_none_or(char::is_whitespace);
        let punct = |c: Option<char>| c.is_some_and(is_punct);
        let left = !ws(after) && (!punct(after) || ws(before) || punct(before));
        let right = !ws(before) && (!punct(before) || ws(after) || punct(after));
        let (can_open, can_close) = if ch == '_' {
            (
                left && (!right || punct(before)),
                right && (!left || punct(after)),
            )
        } else {
            (left, right)
        };
        self.nodes.push(Node {
            text: src[i..i + run].to_owned(),
            style: self.base,
            start: i + self.offset,
            end: i + run + self.offset,
            plain: false,
            delim: Some(Delim {
                ch,
                left: run,
                orig: run,
                can_open,
                can_close,
            }),
        });
        run
    }

    /// `[text](url)` or `![alt](url)`; 0 when it is not one (yet).
    fn link(&mut self, i: usize, image: bool) -> usize {
        let src = self.src;
        let open = if image { i + 1 } else { i };
        let Some(close) = matching_bracket(src, open) else {
            self.mark_open(i);
            return 0;
        };
        let rest = &src[close + 1..];
        if !rest.starts_with('(') {
            if rest.is_empty() {
                // `[x]` at the end may be followed by `(url)` in the next piece
                self.mark_open(i);
            }
            return 0;
        }
        let Some(paren) = matching_paren(rest) else {
            self.mark_open(i);
            return 0;
        };
        let target = rest[1..paren].trim();
        let url = target
            .split_once(char::is_whitespace)
            .map_or(target, |(u, _)| u)
            .trim_matches(['<', '>']);
        let label = &src[open + 1..close];
        let end = close + 1 + paren + 1;
        let (start_abs, end_abs) = (i + self.offset, end + self.offset);
        let link_style = self.base.with_link();
        if image {
            self.nodes.push(Node {
                text: format!("[image: {label}]"),
                style: link_style,
                start: start_abs,
                end: end_abs,
                plain: false,
                delim: None,
            });
        } else {
            // the label may hold emphasis and code of its own
            let mut inner = Parser {
                src: label,
                nodes: Vec::new(),
                open_at: None,
                spans: Vec::new(),
                base: link_style,
                offset: self.offset + open + 1,
            };
            inner.run();
            inner.emphasis();
            for mut n in inner.nodes {
                n.plain = false;
                self.nodes.push(n);
            }
        }
        if !url.is_empty() && url != label {
            self.nodes.push(Node {
                text: format!(" ({url})"),
                style: self.base.with_dim(),
                start: end_abs,
                end: end_abs,
                plain: false,
                delim: None,
            });
        }
        self.spans.push((start_abs, end_abs));
        end - i
    }

    /// `<https://...>` or `<name@host>`.
    fn autolink(&mut self, i: usize) -> usize {
        let rest = &self.src[i + 1..];
        let Some(end) = rest.find('>') else {
            if !rest.contains(char::is_whitespace) {
                self.mark_open(i);
            }
            return 0;
        };
        let inner = &rest[..end];
        let is_url = inner.contains("://") || (inner.contains('@') && !inner.contains(' '));
        if !is_url || inner.contains(char::is_whitespace) {
            return 0;
        }
        let (s, e) = (i + self.offset, i + end + 2 + self.offset);
        self.nodes.push(Node {
            text: inner.to_owned(),
            style: self.base.with_link(),
            start: s,
            end: e,
            plain: false,
            delim: None,
        });
        self.spans.push((s, e));
        end + 2
    }

    /// CommonMark's "process emphasis": each closer, left to right, takes the nearest opener
    /// of its kind; what lies between gets the style.
    fn emphasis(&mut self) {
        let mut c = 0;
        while c < self.nodes.len() {
            let Some(closer) = self.nodes[c].delim.filter(|d| d.can_close && d.left > 0) else {
                c += 1;
                continue;
            };
            let mut matched = false;
            for o in (0..c).rev() {
                let Some(opener) = self.nodes[o].delim else {
                    continue;
                };
                if opener.ch != closer.ch || !opener.can_open || opener.left == 0 {
                    continue;
                }
                let both = opener.can_close || closer.can_open;
                if both
                    && (opener.orig + closer.orig) % 3 == 0
                    && !(opener.orig % 3 == 0 && closer.orig % 3 == 0)
                {
                    continue;
                }
                let n = if opener.left >= 2 && closer.left >= 2 {
                    2
                } else {
                    1
                };
                for node in &mut self.nodes[o + 1..c] {
                    node.style = match (closer.ch, n) {
                        ('~', _) => node.style.with_strike(),
                        (_, 2) => node.style.with_bold(),
                        _ => node.style.with_italic(),
                    };
                    // delimiters inside a match can no longer match outside it
                    if let Some(d) = &mut node.delim {
                        d.can_open = false;
                        d.can_close = false;
                    }
                }
                let (os, ce) = (self.nodes[o].start, self.nodes[c].end);
                self.spans.push((os, ce));
                if let Some(d) = &mut self.nodes[o].delim {
                    d.left -= n;
                }
                if let Some(d) = &mut self.nodes[c].delim {
                    d.left -= n;
                }
                matched = true;
                break;
            }
            if !matched || self.nodes[c].delim.is_none_or(|d| d.left == 0) {
                c += 1;
            }
        }
        // an opener nobody closed may still be closed by the rest of the line
        for n in &self.nodes {
            if let Some(d) = n.delim
                && d.can_open
                && d.left > 0
            {
                self.open_at = Some(self.open_at.map_or(n.start, |o| o.min(n.start)));
            }
        }
    }
}

/// The `]` that closes the `[` at `open`, skipping escapes and code spans.
fn matching_bracket(src: &str, open: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'`' => {
                let run = src[i..].bytes().take_while(|&c| c == b'`').count();
                let close = src[i + run..].find(&"`".repeat(run))?;
                i += run + close + run - 1;
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The `)` that closes the `(` at the start of `s`, allowing balanced parentheses inside.
fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            c if c.is_whitespace() && depth == 1 && s[..i].trim() == "(" => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spans as `text` with markers: `*it*`, `**b**`, `~~s~~`, `` `c` ``, `<l>`.
    fn show(text: &str) -> String {
        parse(text, Style::default())
            .spans()
            .iter()
            .map(|s| {
                let mut t = s.text.clone();
                if s.style.code {
                    t = format!("`{t}`");
                }
                if s.style.link {
                    t = format!("<{t}>");
                }
                if s.style.italic {
                    t = format!("*{t}*");
                }
                if s.style.bold {
                    t = format!("**{t}**");
                }
                if s.style.strike {
                    t = format!("~~{t}~~");
                }
                t
            })
            .collect()
    }

    #[test]
    fn emphasis_follows_commonmark() {
        assert_eq!(show("a **b** c"), "a **b** c");
        assert_eq!(show("*it* and _it_"), "*it* and *it*");
        assert_eq!(show("snake_case_name stays"), "snake_case_name stays");
        assert_eq!(show("5 * 3 * 2"), "5 * 3 * 2");
        assert_eq!(show("***both***"), "***both***");
        assert_eq!(
            show("**bold *and it* here**"),
            "**bold *****and it***** here**"
        );
        assert_eq!(show("~~gone~~ but ~5 ms"), "~~gone~~ but ~5 ms");
        assert_eq!(show("**unclosed"), "**unclosed");
    }

    #[test]
    fn code_links_and_escapes() {
        assert_eq!(show("run `cargo *test*` now"), "run `cargo *test*` now");
        assert_eq!(show("`` a`b ``"), "`a`b`");
        assert_eq!(show(r"\*not\* it"), "*not* it");
        assert_eq!(
            show("see [the docs](https://x.dev/a_(b)) ok"),
            "see <the docs> (https://x.dev/a_(b)) ok"
        );
        assert_eq!(show("<https://x.dev>"), "<https://x.dev>");
        assert_eq!(show("[**b**](u)"), "**<b>** (u)");
        assert_eq!(show("a [not a link] b"), "a [not a link] b");
    }

    #[test]
    fn what_is_open_is_not_stable() {
        fn stable(t: &str) -> &str {
            let p = parse(t, Style::default());
            &t[..p.stable_len(t.len())]
        }
        assert_eq!(stable("plain words here"), "plain words here");
        assert_eq!(stable("done **bold** then *open"), "done **bold** then ");
        assert_eq!(stable("a `code"), "a ");
        assert_eq!(stable("see [link](http"), "see ");
        assert_eq!(stable("see [link]"), "see ");
        assert_eq!(stable("*a `b* c"), "");
        assert_eq!(stable("closed *a* and 5 * 3"), "closed *a* and 5 * 3");
        let p = parse("done **bold** then *open", Style::default());
        let spans = p.spans_before(p.stable_len(24));
        assert_eq!(spans.last().unwrap().text, " then ");
    }
}
