//! Syntax highlighting for fenced code: keywords, strings, comments, numbers, types and calls
//! in the languages answers are mostly written in, one line at a time (block comments and
//! multi-line strings carry over). Small on purpose: see the commit that added it for why
//! not syntect.

use super::style::{Style, color, paint};

/// How one language looks to the highlighter.
struct Lang {
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    /// Quote characters of strings.
    quotes: &'static [char],
    /// Quotes whose strings may span lines (backticks in JS and Go).
    multiline_quotes: &'static [char],
    /// Python's `"""` and `'''`.
    triple_quotes: bool,
    /// Separated by spaces.
    keywords: &'static str,
    /// Constants shown like numbers (`true`, `None`, `nil`), separated by spaces.
    literals: &'static str,
    /// Capitalised names are types (Rust, Go, Java, Swift, TypeScript...).
    capital_types: bool,
    /// Keywords match in any case (SQL).
    any_case: bool,
    /// `#` starts a comment only at a word's start (shells, YAML, TOML).
    hash_at_word_start: bool,
    /// `$NAME` and `${...}` are variables (shells).
    dollar_vars: bool,
    /// Rust: `'a` is a lifetime unless it closes as a character (`'a'`), and `name!` a macro.
    rust: bool,
}

const BASE: Lang = Lang {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: &['"', '\''],
    multiline_quotes: &[],
    triple_quotes: false,
    keywords: "",
    literals: "true false null",
    capital_types: true,
    any_case: false,
    hash_at_word_start: false,
    dollar_vars: false,
    rust: false,
};

const RUST: Lang = Lang {
    keywords: "as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait type unsafe use where while yield",
    literals: "true false None Some Ok Err",
    rust: true,
    ..BASE
};

const PYTHON: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    triple_quotes: true,
    keywords: "and as assert async await break class continue def del elif else except finally for from global if import in is lambda match case nonlocal not or pass raise return try while with yield self",
    literals: "True False None",
    ..BASE
};

const JS: Lang = Lang {
    quotes: &['"', '\'', '`'],
    multiline_quotes: &['`'],
    keywords: "async await break case catch class const continue default delete do else export extends finally for from function if import in instanceof interface let new of return static switch this throw try type typeof var void while yield enum implements private public protected readonly as",
    literals: "true false null undefined NaN",
    ..BASE
};

const GO: Lang = Lang {
    quotes: &['"', '\'', '`'],
    multiline_quotes: &['`'],
    keywords: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var",
    literals: "true false nil iota",
    ..BASE
};

const C_LIKE: Lang = Lang {
    keywords: "auto break case catch class const continue default delete do else enum extern final for goto if import inline interface namespace new override package private protected public return sizeof static struct switch template this throw throws try typedef typename union using virtual void volatile while int char long short unsigned signed float double bool boolean extends implements func let var val fun guard self struct protocol extension async await when object in is as string #include #define #ifdef #ifndef #endif #if #else #pragma",
    literals: "true false null nullptr nil NULL",
    ..BASE
};

const SHELL: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    keywords: "if then else elif fi for in do done while until case esac function return export local readonly set unset source exit cd echo sudo",
    literals: "true false",
    capital_types: false,
    hash_at_word_start: true,
    dollar_vars: true,
    ..BASE
};

const SQL: Lang = Lang {
    line_comments: &["--"],
    quotes: &['\'', '"'],
    keywords: "select from where and or not insert into values update set delete create table index view trigger drop alter add join left right inner outer on group by order having limit offset as distinct union all case when then else end primary key foreign references default unique exists in is like begin commit rollback with returning integer text real varchar boolean if asc desc count virtual using",
    literals: "null true false",
    capital_types: false,
    any_case: true,
    ..BASE
};

const CONFIG: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    keywords: "",
    literals: "true false null yes no on off ~",
    capital_types: false,
    hash_at_word_start: true,
    ..BASE
};

const JSON: Lang = Lang {
    line_comments: &[],
    block_comment: None,
    quotes: &['"'],
    capital_types: false,
    ..BASE
};

const RUBY: Lang = Lang {
    line_comments: &["#"],
    block_comment: None,
    keywords: "begin class def do else elsif end ensure if module next rescue return self then unless until when while yield require attr_reader attr_accessor puts",
    literals: "true false nil",
    ..BASE
};

const LUA: Lang = Lang {
    line_comments: &["--"],
    block_comment: Some(("--[[", "]]")),
    keywords: "and break do else elseif end for function if in local not or repeat return then until while",
    literals: "true false nil",
    capital_types: false,
    ..BASE
};

/// The language a fence's info string names, if it is one we know.
fn lang(info: &str) -> Option<&'static Lang> {
    let name = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Some(match name.as_str() {
        "rust" | "rs" => &RUST,
        "python" | "py" | "python3" | "py3" => &PYTHON,
        "javascript" | "js" | "jsx" | "mjs" | "cjs" | "typescript" | "ts" | "tsx" | "node" => &JS,
        "go" | "golang" => &GO,
        "c" | "h" | "cpp" | "c++" | "cc" | "hpp" | "cxx" | "objc" | "java" | "kotlin" | "kt"
        | "swift" | "csharp" | "cs" | "c#" | "scala" | "dart" | "php" | "zig" => &C_LIKE,
        "sh" | "bash" | "zsh" | "shell" | "console" | "shellscript" | "fish" | "ksh" => &SHELL,
        "sql" | "sqlite" | "postgres" | "postgresql" | "mysql" | "plpgsql" => &SQL,
        "toml" | "yaml" | "yml" | "ini" | "cfg" | "conf" | "dockerfile" | "makefile" | "make"
        | "env" | "dotenv" | "properties" => &CONFIG,
        "json" | "jsonc" | "json5" | "jsonl" | "ndjson" => &JSON,
        "ruby" | "rb" => &RUBY,
        "lua" => &LUA,
        _ => return None,
    })
}

/// What a line left open for the next one.
#[derive(Debug, Clone, PartialEq)]
enum Open {
    Comment(&'static str),
    String(String),
}

/// Highlights the lines of one fenced block.
pub struct Highlighter {
    lang: Option<&'static Lang>,
    diff: bool,
    open: Option<Open>,
}

impl Highlighter {
    /// For a fence with this info string (`rust`, `py`, `diff`, ...); unknown ones stay plain.
    pub fn new(info: &str) -> Self {
        let first = info.split_whitespace().next().unwrap_or("");
        Self {
            lang: lang(info),
            diff: matches!(first, "diff" | "patch" | "udiff"),
            open: None,
        }
    }

    /// One line of code, styled. The text is unchanged: only escape sequences are added.
    pub fn line(&mut self, line: &str) -> String {
        if self.diff {
            return diff_line(line);
        }
        let Some(lang) = self.lang else {
            return line.to_owned();
        };
        let mut out = String::new();
        let mut i = 0;
        let b = line.as_bytes();
        if let Some(open) = self.open.take() {
            let end = match &open {
                Open::Comment(end) => line.find(end).map(|e| e + end.len()),
                Open::String(q) => string_end(line, 0, q),
            };
            let style = match open {
                Open::Comment(_) => color::COMMENT,
                Open::String(_) => color::STRING,
            };
            match end {
                Some(e) => {
                    out.push_str(&paint(&line[..e], Style::fg(style)));
                    i = e;
                }
                None => {
                    self.open = Some(open);
                    return paint(line, Style::fg(style));
                }
            }
        }
        let mut plain_from = i;
        let word_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        while i < b.len() {
            let rest = &line[i..];
            let at_word_start = i == 0 || b[i - 1].is_ascii_whitespace();
            let mut styled: Option<(usize, u8)> = None;
            if let Some(c) = lang.line_comments.iter().find(|c| rest.starts_with(**c))
                && (!lang.hash_at_word_start || *c != "#" || at_word_start)
            {
                styled = Some((line.len(), color::COMMENT));
            } else if let Some((start, end)) = lang.block_comment
                && rest.starts_with(start)
            {
                match rest[start.len()..].find(end) {
                    Some(e) => styled = Some((i + start.len() + e + end.len(), color::COMMENT)),
                    None => {
                        self.open = Some(Open::Comment(end));
                        styled = Some((line.len(), color::COMMENT));
                    }
                }
            } else if let Some(q) = rest.chars().next().filter(|c| lang.quotes.contains(c)) {
                let triple =
                    lang.triple_quotes && (rest.starts_with("\"\"\"") || rest.starts_with("'''"));
                let quote = if triple {
                    q.to_string().repeat(3)
                } else {
                    q.to_string()
                };
                let lifetime = lang.rust && q == '\'' && !is_char_literal(rest);
                if !lifetime {
                    match string_end(line, i + quote.len(), &quote) {
                        Some(e) => styled = Some((e, color::STRING)),
                        None => {
                            if triple || lang.multiline_quotes.contains(&q) {
                                self.open = Some(Open::String(quote));
                            }
                            styled = Some((line.len(), color::STRING));
                        }
                    }
                }
            } else if lang.dollar_vars && rest.starts_with('$') {
                // `$(` and `$((` open a command or arithmetic: marked, their insides as code
                let len = if rest.starts_with("$((") {
                    3
                } else if rest.starts_with("$(") {
                    2
                } else if rest.starts_with("${") {
                    rest.find('}').map_or(rest.len(), |e| e + 1)
                } else {
                    1 + rest[1..].bytes().take_while(|c| word_char(*c)).count()
                };
                if len > 1 {
                    styled = Some((i + len, color::TYPE));
                }
            } else if b[i].is_ascii_digit() && (i == 0 || !word_char(b[i - 1])) {
                let len = rest
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
                    .count();
                styled = Some((i + len, color::NUMBER));
            } else if (word_char(b[i]) || b[i] == b'#') && (i == 0 || !word_char(b[i - 1])) {
                let len = 1 + rest[1..].bytes().take_while(|c| word_char(*c)).count();
                let word = &rest[..len];
                let is = |list: &str| {
                    list.split(' ').any(|k| {
                        if lang.any_case {
                            k.eq_ignore_ascii_case(word)
                        } else {
                            k == word
                        }
                    })
                };
                let next = rest[len..].trim_start();
                let color = if is(lang.keywords) {
                    Some(color::KEYWORD)
                } else if is(lang.literals) {
                    Some(color::NUMBER)
                } else if next.starts_with('(')
                    || (lang.rust && next.starts_with('!') && !next.starts_with("!="))
                {
                    Some(color::FUNCTION)
                } else if lang.capital_types
                    && word.starts_with(|c: char| c.is_ascii_uppercase())
                    && word.bytes().any(|c| c.is_ascii_lowercase())
                {
                    Some(color::TYPE)
                } else {
                    None
                };
                match color {
                    Some(c) => styled = Some((i + len, c)),
                    None => {
                        i += len;
                        continue;
                    }
                }
            }
            match styled {
                Some((end, c)) => {
                    out.push_str(&line[plain_from..i]);
                    out.push_str(&paint(&line[i..end], Style::fg(c)));
                    i = end;
                    plain_from = i;
                }
                None => i += rest.chars().next().map_or(1, char::len_utf8),
            }
        }
        out.push_str(&line[plain_from..]);
        out
    }
}

/// `'x'` or `'\n'` at the start of `s` (else a Rust lifetime such as `'a`).
fn is_char_literal(s: &str) -> bool {
    let mut c = s.chars().skip(1);
    match c.next() {
        Some('\\') => s[2..].chars().take(10).any(|c| c == '\''),
        Some(_) => c.next() == Some('\''),
        None => false,
    }
}

/// Where the string whose body starts at `from` ends (after its closing quote), if on this line.
fn string_end(line: &str, from: usize, quote: &str) -> Option<usize> {
    let mut i = from;
    while i < line.len() {
        if line[i..].starts_with('\\') {
            i += 1 + line[i + 1..].chars().next().map_or(0, char::len_utf8);
            continue;
        }
        if line[i..].starts_with(quote) {
            return Some(i + quote.len());
        }
        i += line[i..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

fn diff_line(line: &str) -> String {
    let style = if line.starts_with("+++") || line.starts_with("---") {
        Style::default().with_bold()
    } else if line.starts_with('+') {
        Style::fg(color::ADDED)
    } else if line.starts_with('-') {
        Style::fg(color::REMOVED)
    } else if line.starts_with("@@") {
        Style::fg(color::TYPE)
    } else if line.starts_with("diff ") || line.starts_with("index ") {
        Style::default().with_bold()
    } else {
        Style::default()
    };
    paint(line, style)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strips escapes, so a test can check the text is unchanged.
    fn text_of(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn highlighting_only_adds_escapes() {
        let mut h = Highlighter::new("rust");
        let line = r#"    let s: String = format!("a \"b\" {}", 42); // done"#;
        let out = h.line(line);
        assert_eq!(text_of(&out), line);
        assert!(out.contains("\x1b[35mlet\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[32m\"a \\\"b\\\" {}\"\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[33m42\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[90m// done\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[36mString\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[34mformat\x1b[0m"), "{out:?}");
        assert_eq!(
            h.line("fn f<'a>(x: &'a str) {}"),
            h.line("fn f<'a>(x: &'a str) {}")
        );
    }

    #[test]
    fn comments_and_strings_carry_over_lines() {
        let mut h = Highlighter::new("python");
        assert!(
            h.line(r#"doc = """starts"#)
                .ends_with("\x1b[32m\"\"\"starts\x1b[0m")
        );
        assert_eq!(h.line("still inside"), "\x1b[32mstill inside\x1b[0m");
        let out = h.line(r#"ends""" + x  # note"#);
        assert!(out.starts_with("\x1b[32mends\"\"\"\x1b[0m"), "{out:?}");
        assert!(out.ends_with("\x1b[90m# note\x1b[0m"), "{out:?}");
        let mut h = Highlighter::new("c");
        h.line("/* open");
        assert_eq!(
            h.line("more */ int x;"),
            "\x1b[90mmore */\x1b[0m \x1b[35mint\x1b[0m x;"
        );
    }

    #[test]
    fn shells_diffs_sql_and_unknown_languages() {
        let mut h = Highlighter::new("bash");
        let out = h.line("echo \"$HOME\" # a#b is not a comment start");
        assert!(out.contains("\x1b[90m# a#b"), "{out:?}");
        let out = h.line("cd $DIR && curl a#b");
        assert!(
            out.contains("\x1b[36m$DIR\x1b[0m") && out.ends_with("a#b"),
            "{out:?}"
        );
        let out = h.line("echo $(date) $((1 + 2))");
        assert!(
            out.contains("\x1b[36m$(\x1b[0m") && out.contains("\x1b[36m$((\x1b[0m"),
            "{out:?}"
        );
        let mut h = Highlighter::new("diff");
        assert_eq!(h.line("+added"), "\x1b[32m+added\x1b[0m");
        assert_eq!(h.line("-gone"), "\x1b[31m-gone\x1b[0m");
        let mut h = Highlighter::new("sql");
        assert!(h.line("SELECT 1").starts_with("\x1b[35mSELECT\x1b[0m"));
        let mut h = Highlighter::new("brainfuck");
        assert_eq!(h.line("+[->+<]"), "+[->+<]");
    }
}
