//! Text styles and their ANSI escape sequences: the sixteen terminal colours only, so the
//! user's own palette (dark or light) decides how they look.

/// How a piece of text looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Struck through.
    pub strike: bool,
    /// Underlined.
    pub underline: bool,
    /// Faint.
    pub dim: bool,
    /// Inline code.
    pub code: bool,
    /// A link's text.
    pub link: bool,
    /// Reverse video (a search's matches).
    pub reverse: bool,
    /// A foreground colour (an SGR code, 30-37 or 90-97), over the one `code`/`link` give.
    pub color: Option<u8>,
}

/// Colours by role.
pub mod color {
    /// Headings.
    pub const HEADING: u8 = 35;
    /// Inline code.
    pub const CODE: u8 = 36;
    /// Links.
    pub const LINK: u8 = 34;
    /// Keywords in code.
    pub const KEYWORD: u8 = 35;
    /// Strings in code.
    pub const STRING: u8 = 32;
    /// Numbers and constants in code.
    pub const NUMBER: u8 = 33;
    /// Comments in code.
    pub const COMMENT: u8 = 90;
    /// Types in code.
    pub const TYPE: u8 = 36;
    /// Function names in code.
    pub const FUNCTION: u8 = 34;
    /// Added lines of a diff.
    pub const ADDED: u8 = 32;
    /// Removed lines of a diff.
    pub const REMOVED: u8 = 31;
}

impl Style {
    /// Only a colour.
    pub fn fg(code: u8) -> Self {
        Self {
            color: Some(code),
            ..Self::default()
        }
    }

    /// This style, bold.
    pub fn with_bold(self) -> Self {
        Self { bold: true, ..self }
    }

    /// This style, italic.
    pub fn with_italic(self) -> Self {
        Self {
            italic: true,
            ..self
        }
    }

    /// This style, struck through.
    pub fn with_strike(self) -> Self {
        Self {
            strike: true,
            ..self
        }
    }

    /// This style, faint.
    pub fn with_dim(self) -> Self {
        Self { dim: true, ..self }
    }

    /// This style, underlined.
    pub fn with_underline(self) -> Self {
        Self {
            underline: true,
            ..self
        }
    }

    /// This style in reverse video.
    pub fn with_reverse(self) -> Self {
        Self {
            reverse: true,
            ..self
        }
    }

    /// This style as inline code.
    pub fn with_code(self) -> Self {
        Self { code: true, ..self }
    }

    /// This style as a link.
    pub fn with_link(self) -> Self {
        Self { link: true, ..self }
    }

    /// The escape sequence that switches to this style from plain text.
    pub fn sgr(&self) -> String {
        let mut codes: Vec<String> = Vec::new();
        let flags = [
            (self.bold, "1"),
            (self.dim, "2"),
            (self.italic, "3"),
            (self.underline || self.link, "4"),
            (self.reverse, "7"),
            (self.strike, "9"),
        ];
        codes.extend(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, c)| c.to_string()),
        );
        let color = self.color.or(if self.code {
            Some(color::CODE)
        } else if self.link {
            Some(color::LINK)
        } else {
            None
        });
        if let Some(c) = color {
            codes.push(c.to_string());
        }
        if codes.is_empty() {
            String::new()
        } else {
            format!("\x1b[{}m", codes.join(";"))
        }
    }

    /// True when the text looks as plain text does.
    pub fn is_plain(&self) -> bool {
        self.sgr().is_empty()
    }
}

/// Back to plain text.
pub const RESET: &str = "\x1b[0m";

/// `text` in `style`, back to plain after it.
pub fn paint(text: &str, style: Style) -> String {
    if style.is_plain() || text.is_empty() {
        text.to_owned()
    } else {
        format!("{}{text}{RESET}", style.sgr())
    }
}
