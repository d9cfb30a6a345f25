//! Word wrapping of styled text to a width, with a prefix for the first and the other rows
//! (list bullets and their hanging indent, quote bars).

use super::inline::Span;
use super::style::{RESET, Style};
use unicode_width::UnicodeWidthStr;

/// What starts a row: already styled text and the columns it takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefix {
    /// The text, escapes included.
    pub text: String,
    /// Its width on the terminal.
    pub width: usize,
}

impl Prefix {
    /// A prefix of plain text.
    pub fn plain(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            width: text.width(),
        }
    }

    /// `n` spaces.
    pub fn spaces(n: usize) -> Self {
        Self::plain(&" ".repeat(n))
    }

    /// This prefix followed by `other`.
    pub fn then(&self, other: &Prefix) -> Self {
        Self {
            text: format!("{}{}", self.text, other.text),
            width: self.width + other.width,
        }
    }
}

/// Pieces of one word or one run of spaces, each in its style.
type Pieces = Vec<(String, Style)>;

enum Token {
    Word(Pieces),
    Space(Pieces),
}

/// Characters a terminal must not receive from a model's text (escape sequences could move
/// the cursor or retitle the window); tabs become spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// A code line without the control characters a terminal must not receive; tabs stay (code
/// is not wrapped, and copied code keeps them).
pub fn clean_code(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\t' || !c.is_control())
        .collect()
}

fn tokens(spans: &[Span]) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    for span in spans {
        let text = clean(&span.text);
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let space = rest.starts_with(' ');
            let len = rest
                .find(|c: char| (c == ' ') != space)
                .unwrap_or(rest.len());
            let piece = (rest[..len].to_owned(), span.style);
            match (out.last_mut(), space) {
                (Some(Token::Space(p)), true) | (Some(Token::Word(p)), false) => p.push(piece),
                _ if space => out.push(Token::Space(vec![piece])),
                _ => out.push(Token::Word(vec![piece])),
            }
            rest = &rest[len..];
        }
    }
    out
}

fn width_of(p: &Pieces) -> usize {
    p.iter().map(|(t, _)| t.width()).sum()
}

/// Wraps `spans` at spaces to `width` columns (at least 8 past the prefixes, so deep lists
/// keep room for words); a word longer than a row is cut. Rows carry no newline and end in
/// plain style.
pub fn wrap(spans: &[Span], width: usize, first: &Prefix, rest: &Prefix) -> Vec<String> {
    wrap_exact(
        spans,
        width.max(first.width.max(rest.width) + 8),
        first,
        rest,
    )
}

/// [`wrap`] to exactly `width` columns, however narrow (a table's cells, which must never be
/// wider than their column).
pub fn wrap_exact(spans: &[Span], width: usize, first: &Prefix, rest: &Prefix) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    let mut cur: Pieces = Vec::new();
    let mut cur_w = first.width;
    let mut space: Option<Pieces> = None;
    let mut prefix = first;
    let flush = |rows: &mut Vec<String>, cur: &mut Pieces, prefix: &Prefix| {
        rows.push(format!("{}{}", prefix.text, paint_pieces(cur)));
        cur.clear();
    };
    for token in tokens(spans) {
        match token {
            Token::Space(p) => {
                if !cur.is_empty() {
                    space.get_or_insert_with(Vec::new).extend(p);
                }
            }
            Token::Word(word) => {
                let w = width_of(&word);
                let sw = space.as_ref().map_or(0, width_of);
                if !cur.is_empty() && cur_w + sw + w > width {
                    flush(&mut rows, &mut cur, prefix);
                    prefix = rest;
                    cur_w = rest.width;
                    space = None;
                }
                if let Some(s) = space.take() {
                    cur_w += width_of(&s);
                    cur.extend(s);
                }
                if cur_w + w <= width {
                    cur_w += w;
                    cur.extend(word);
                    continue;
                }
                // longer than a whole row (a URL, a path): cut it where the row ends
                for (text, style) in word {
                    for c in text.chars() {
                        let cw = UnicodeWidthStr::width(c.encode_utf8(&mut [0; 4]) as &str);
                        if cur_w + cw > width && !cur.is_empty() {
                            flush(&mut rows, &mut cur, prefix);
                            prefix = rest;
                            cur_w = rest.width;
                        }
                        cur_w += cw;
                        match cur.last_mut() {
                            Some((t, s)) if *s == style => t.push(c),
                            _ => cur.push((c.to_string(), style)),
                        }
                    }
                }
            }
        }
    }
    if !cur.is_empty() || rows.is_empty() {
        flush(&mut rows, &mut cur, prefix);
    }
    rows
}

/// Pieces with one escape sequence per change of style, plain at the end.
fn paint_pieces(pieces: &Pieces) -> String {
    let mut out = String::new();
    let mut current = Style::default();
    for (text, style) in pieces {
        if *style != current {
            if !current.is_plain() {
                out.push_str(RESET);
            }
            out.push_str(&style.sgr());
            current = *style;
        }
        out.push_str(text);
    }
    if !current.is_plain() {
        out.push_str(RESET);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<Span> {
        vec![Span {
            text: text.into(),
            style: Style::default(),
        }]
    }

    #[test]
    fn words_wrap_at_spaces_and_long_ones_are_cut() {
        let rows = wrap(
            &plain("the quick brown fox jumps over the lazy dog"),
            15,
            &Prefix::default(),
            &Prefix::default(),
        );
        assert_eq!(rows, ["the quick brown", "fox jumps over", "the lazy dog"]);
        let rows = wrap(
            &plain("see https://example.com/a/very/long/path ok"),
            12,
            &Prefix::plain("• "),
            &Prefix::spaces(2),
        );
        assert_eq!(
            rows,
            [
                "• see",
                "  https://ex",
                "  ample.com/",
                "  a/very/lon",
                "  g/path ok"
            ]
        );
    }

    #[test]
    fn styles_are_closed_on_every_row_and_wide_characters_count_two() {
        let spans = vec![Span {
            text: "bold words wrap".into(),
            style: Style::default().with_bold(),
        }];
        let rows = wrap(&spans, 10, &Prefix::default(), &Prefix::default());
        assert_eq!(rows, ["\x1b[1mbold words\x1b[0m", "\x1b[1mwrap\x1b[0m"]);
        let rows = wrap(
            &plain("日本語 日本語"),
            8,
            &Prefix::default(),
            &Prefix::default(),
        );
        assert_eq!(rows, ["日本語", "日本語"]);
        assert_eq!(clean("a\x1b[31mb\tc"), "a[31mb c");
    }
}
