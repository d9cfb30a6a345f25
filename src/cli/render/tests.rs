//! The renderer on a whole answer at 80 and 200 columns (snapshots under `snapshots/`, the
//! escapes shown as `{1;35}` and `{/}`), and streaming in any pieces giving the same rows.

use super::*;

const ANSWER: &str = include_str!("snapshots/answer.md");

/// Escapes made readable: `\x1b[1;35m` as `{1;35}`, the reset as `{/}`.
fn visible(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('m').map_or(rest.len(), |m| at + m);
        let codes = &rest[at + 2..end];
        out.push_str(&if codes == "0" {
            "{/}".to_owned()
        } else {
            format!("{{{codes}}}")
        });
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// Compares with `snapshots/NAME`; `UPDATE_SNAPSHOTS=1` writes it instead.
fn snapshot(name: &str, got: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/cli/render/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == got,
        "{} differs (UPDATE_SNAPSHOTS=1 rewrites it):\n{got}",
        path.display()
    );
}

#[test]
fn a_long_answer_at_80_and_200_columns() {
    for width in [80, 200] {
        let out = render_all(ANSWER, width);
        for row in out.lines() {
            assert!(
                table::visible_width(row) <= width,
                "{width}: too wide: {row:?}"
            );
        }
        snapshot(&format!("answer_{width}.txt"), &visible(&out));
    }
}

#[test]
fn code_blocks_stay_as_written() {
    let out = render_all(ANSWER, 80);
    let plain = visible(&out);
    // escapes aside, each code line is the source line, nothing before or after it
    let strip = |s: &str| {
        let mut t = String::new();
        let mut rest = s;
        while let Some(a) = rest.find('{') {
            t.push_str(&rest[..a]);
            rest = rest[a..].find('}').map_or("", |b| &rest[a + b + 1..]);
        }
        t + rest
    };
    let rows: Vec<String> = plain.lines().map(strip).collect();
    for code in [
        "    let conn = Connection::open(path)?; // creates the file",
        "    \"\"\"Open the store in WAL mode.\"\"\"",
        "for f in *.db; do echo \"$f\"; done",
    ] {
        assert!(
            rows.iter().any(|r| r == code),
            "{code:?} not as written:\n{plain}"
        );
    }
}

#[test]
fn pieces_of_any_size_give_the_same_rows() {
    use proptest::prelude::*;
    let whole = render_all(ANSWER, 80);
    let chars: Vec<char> = ANSWER.chars().collect();
    proptest!(ProptestConfig::with_cases(64), |(cuts in proptest::collection::vec(1usize..40, 1..400))| {
        let mut md = Markdown::new(80);
        let mut out = String::new();
        let mut at = 0;
        for n in cuts.iter().cycle() {
            if at >= chars.len() {
                break;
            }
            let end = (at + n).min(chars.len());
            let piece: String = chars[at..end].iter().collect();
            out.push_str(&md.push(&piece));
            at = end;
        }
        out.push_str(&md.finish());
        prop_assert_eq!(visible(&out), visible(&whole));
    });
}

#[test]
fn a_paragraph_is_written_row_by_row_while_it_streams() {
    let text =
        "A first sentence that is long enough to wrap twice at forty columns, and **bold** too";
    let mut md = Markdown::new(40);
    let mut out = String::new();
    let mut rows_early = 0;
    for c in text.chars() {
        let piece = md.push(&c.to_string());
        rows_early += piece.lines().count();
        out.push_str(&piece);
    }
    assert!(
        rows_early >= 2,
        "rows came before the line ended: {rows_early}"
    );
    let last = md.push("\n");
    assert_eq!(
        visible(&last),
        "too\n",
        "only the last row waited for the newline"
    );
    out.push_str(&last);
    assert_eq!(out, render_all(text, 40));
    // an opener not yet closed holds back the row it is on and every row after it
    let mut md = Markdown::new(20);
    let early = md.push("words words more words here and *emphasis that goes on and on");
    assert_eq!(early, "words words more\n");
}

#[test]
fn blocks_that_need_the_next_line_wait_for_it() {
    let mut md = Markdown::new(80);
    assert_eq!(md.push("| a | b |\n"), "", "a table's header waits");
    assert_eq!(
        md.push("|---|---|\n| 1 | 2 |\n"),
        "",
        "rows wait for the end"
    );
    let out = md.push("\nafter\n");
    let plain = visible(&out)
        .replace("{2}", "")
        .replace("{1}", "")
        .replace("{/}", "");
    assert!(plain.contains("│ 1 │ 2 │"), "{plain}");
    let mut md = Markdown::new(80);
    assert_eq!(visible(&md.push("| not a table\n")), "");
    assert_eq!(visible(&md.push("text\n")), "| not a table\ntext\n");
}

#[test]
fn answer_escapes_are_dropped() {
    let out = render_all("evil \x1b]0;title\x07 text\n", 80);
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
}

#[test]
fn emphasis_may_span_a_soft_line_break() {
    let md = "Some *emphasis that goes\nacross a line* and **bold\nacross** too.\n\nafter\n";
    let whole = render_all(md, 60);
    assert_eq!(
        visible(&whole),
        "Some {3}emphasis that goes across a line{/} and {1}bold across{/} too.\n\nafter\n"
    );
    // streamed a character at a time: the same rows
    let mut r = Markdown::new(60);
    let mut out = String::new();
    for c in md.chars() {
        out.push_str(&r.push(&c.to_string()));
    }
    out.push_str(&r.finish());
    assert_eq!(out, whole);
    // an opener never closed waits a few lines at most, then shows as written
    let open = "a *star\nb\nc\nd\ne\nf\n";
    let mut r = Markdown::new(60);
    let early = r.push(open);
    assert!(early.contains("a *star b c d"), "{early:?}");
    assert!(visible(&(early + &r.finish())).contains('f'));
}

#[test]
fn an_unindented_line_after_an_item_continues_it() {
    let out = visible(&render_all(
        "- item one\ncontinued without indent\n- item two\n\nafter\n",
        60,
    ));
    assert_eq!(
        out,
        "• item one\n  continued without indent\n• item two\n\nafter\n"
    );
    // not after a blank line, nor after a code block
    let out = visible(&render_all("- item\n\nits own paragraph\n", 60));
    assert!(out.ends_with("\nits own paragraph\n"), "{out}");
    let out = render_all("- item\n```\ncode\n```\nafter\n", 60);
    assert!(visible(&out).ends_with("\nafter\n"), "{out}");
}
