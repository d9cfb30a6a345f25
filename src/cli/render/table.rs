//! GitHub-style tables: rows split into cells, drawn with box lines, columns narrowed and
//! cells wrapped when the table is wider than the terminal.

use super::inline;
use super::style::{Style, paint};
use super::wrap::{Prefix, wrap_exact};
use unicode_width::UnicodeWidthStr;

/// A column's alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// `---` or `:--`.
    Left,
    /// `:-:`.
    Center,
    /// `--:`.
    Right,
}

/// The cells of a row: split at `|` outside code spans and escapes, edge pipes dropped.
pub fn cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") {
        &t[..t.len() - 1]
    } else {
        t
    };
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut in_code = 0usize;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '`' => {
                let mut run = 1;
                while chars.peek() == Some(&'`') {
                    chars.next();
                    run += 1;
                }
                in_code = match in_code {
                    0 => run,
                    open if open == run => 0,
                    open => open,
                };
                cell.push_str(&"`".repeat(run));
            }
            '|' if in_code == 0 => out.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    out.push(cell);
    out.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// The alignments of a delimiter row (`| --- | :-: |`), or None when the line is not one.
pub fn delimiter_row(line: &str) -> Option<Vec<Align>> {
    if !line.contains('-') {
        return None;
    }
    cells(line)
        .iter()
        .map(|c| {
            let inner = c.trim_start_matches(':').trim_end_matches(':');
            if inner.is_empty() || !inner.bytes().all(|b| b == b'-') {
                return None;
            }
            Some(match (c.starts_with(':'), c.ends_with(':')) {
                (true, true) => Align::Center,
                (false, true) => Align::Right,
                _ => Align::Left,
            })
        })
        .collect()
}

/// Columns a styled row takes (escape sequences take none).
pub fn visible_width(s: &str) -> usize {
    let mut w = 0;
    let mut rest = s;
    while let Some(at) = rest.find('\x1b') {
        w += rest[..at].width();
        rest = rest[at..].find('m').map_or("", |m| &rest[at + m + 1..]);
    }
    w + rest.width()
}

/// The table as rows of text, at most `width` columns wide when it can be.
pub fn render(
    header: &[String],
    aligns: &[Align],
    rows: &[Vec<String>],
    width: usize,
) -> Vec<String> {
    let n = header.len().max(1);
    let spans = |cells: &[String], base: Style| -> Vec<Vec<inline::Span>> {
        (0..n)
            .map(|i| {
                let text = cells.get(i).map(String::as_str).unwrap_or("");
                inline::parse(text, base).spans()
            })
            .collect()
    };
    let head = spans(header, Style::default().with_bold());
    let body: Vec<_> = rows.iter().map(|r| spans(r, Style::default())).collect();
    let text_width = |cell: &[inline::Span]| -> usize {
        cell.iter().map(|s| s.text.width()).sum::<usize>().max(1)
    };
    let mut widths: Vec<usize> = (0..n)
        .map(|i| {
            std::iter::once(&head)
                .chain(body.iter())
                .map(|r| text_width(&r[i]))
                .max()
                .unwrap_or(1)
        })
        .collect();
    // narrow the widest column until the table fits, no column under 6 (or its own width);
    // when even that is too wide, under an equal share of the room (at least 1)
    let room = width.saturating_sub(3 * n + 1);
    let least = if widths.iter().map(|w| (*w).min(6)).sum::<usize>() > room {
        (room / n).max(1)
    } else {
        6
    };
    let floor: Vec<usize> = widths.iter().map(|w| (*w).min(least)).collect();
    while widths.iter().sum::<usize>() > room {
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > floor[*i])
            .max_by_key(|(_, w)| **w)
        else {
            break;
        };
        widths[i] -= 1;
    }
    let border = Style::default().with_dim();
    let rule = |l: &str, m: &str, r: &str| {
        let inner: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        paint(&format!("{l}{}{r}", inner.join(m)), border)
    };
    let bar = paint("│", border);
    let draw = |cells: &[Vec<inline::Span>], out: &mut Vec<String>| {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| wrap_exact(c, *w, &Prefix::default(), &Prefix::default()))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut row = bar.clone();
            for (i, cell) in wrapped.iter().enumerate() {
                let text = cell.get(line).map(String::as_str).unwrap_or("");
                let pad = widths[i].saturating_sub(visible_width(text));
                let (l, r) = match aligns.get(i).copied().unwrap_or(Align::Left) {
                    Align::Left => (0, pad),
                    Align::Right => (pad, 0),
                    Align::Center => (pad / 2, pad - pad / 2),
                };
                row.push_str(&format!(" {}{text}{} {bar}", " ".repeat(l), " ".repeat(r)));
            }
            out.push(row);
        }
    };
    let mut out = vec![rule("┌", "┬", "┐")];
    draw(&head, &mut out);
    out.push(rule("├", "┼", "┤"));
    for r in &body {
        draw(r, &mut out);
    }
    out.push(rule("└", "┴", "┘"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_into_cells_outside_code() {
        assert_eq!(cells("| a | `b|c` | d \\| e |"), ["a", "`b|c`", "d | e"]);
        assert_eq!(cells("x | y"), ["x", "y"]);
        assert_eq!(
            delimiter_row("|:--|:-:|--:|---|"),
            Some(vec![Align::Left, Align::Center, Align::Right, Align::Left])
        );
        assert_eq!(delimiter_row("| a | b |"), None);
        assert_eq!(delimiter_row("- item"), None);
    }

    #[test]
    fn a_wide_table_is_narrowed_to_the_width() {
        let header = vec!["Name".to_string(), "What it does".to_string()];
        let rows = vec![vec![
            "`serve`".to_string(),
            "Runs the local server that speaks the OpenAI chat API on one SQLite file".to_string(),
        ]];
        let out = render(&header, &[Align::Left, Align::Left], &rows, 40);
        assert!(out.iter().all(|r| visible_width(r) <= 40), "{out:#?}");
        assert!(out.len() > 5, "the long cell wrapped: {out:#?}");
        let wide = render(&header, &[Align::Left, Align::Left], &rows, 200);
        assert_eq!(wide.len(), 5, "{wide:#?}");
    }

    #[test]
    fn a_table_of_many_columns_stays_aligned_and_inside_the_width() {
        let words = [
            "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
            "lambda", "mu",
        ];
        let header: Vec<String> = ('a'..='l').map(String::from).collect();
        let rows = vec![words.iter().map(|w| w.to_string()).collect::<Vec<_>>()];
        for width in [80, 60] {
            let out = render(&header, &[Align::Left; 12], &rows, width);
            let top = visible_width(&out[0]);
            assert!(top <= width, "{width}: {out:#?}");
            // every row as wide as the top rule: no cell wider than its column
            assert!(out.iter().all(|r| visible_width(r) == top), "{out:#?}");
        }
    }
}
