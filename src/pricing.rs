//! The price table, by model family: the one place costs come from.

use crate::anthropic::Usage;

/// Dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// Uncached input.
    pub input: f64,
    /// Output.
    pub output: f64,
}

impl Price {
    /// Cache writes cost 1.25 times input (5-minute cache).
    pub fn cache_write(&self) -> f64 {
        self.input * 1.25
    }

    /// Cache reads cost a tenth of input.
    pub fn cache_read(&self) -> f64 {
        self.input * 0.1
    }
}

/// Families in match order: the first whose every fragment occurs in the id wins.
const TABLE: &[(&[&str], Price)] = &[
    (
        &["opus-4-5"],
        Price {
            input: 5.0,
            output: 25.0,
        },
    ),
    (
        &["opus-4-6"],
        Price {
            input: 5.0,
            output: 25.0,
        },
    ),
    (
        &["opus-4-7"],
        Price {
            input: 5.0,
            output: 25.0,
        },
    ),
    (
        &["opus-4-8"],
        Price {
            input: 5.0,
            output: 25.0,
        },
    ),
    (
        &["opus-5"],
        Price {
            input: 5.0,
            output: 25.0,
        },
    ),
    (
        &["opus"],
        Price {
            input: 15.0,
            output: 75.0,
        },
    ),
    (
        &["haiku-4"],
        Price {
            input: 1.0,
            output: 5.0,
        },
    ),
    (
        &["haiku-5"],
        Price {
            input: 1.0,
            output: 5.0,
        },
    ),
    (
        &["3-5-haiku"],
        Price {
            input: 0.8,
            output: 4.0,
        },
    ),
    (
        &["haiku"],
        Price {
            input: 0.25,
            output: 1.25,
        },
    ),
    (
        &["sonnet"],
        Price {
            input: 3.0,
            output: 15.0,
        },
    ),
];

/// The price of a model, by family; None for an id no family matches.
pub fn price(model: &str) -> Option<Price> {
    let m = model.to_ascii_lowercase();
    TABLE
        .iter()
        .find(|(frags, _)| frags.iter().all(|f| m.contains(f)))
        .map(|(_, p)| *p)
}

/// The cost in dollars of one message; 0 for an unknown family.
pub fn cost(model: &str, usage: &Usage) -> f64 {
    let Some(p) = price(model) else { return 0.0 };
    let per = |tokens: u64, rate: f64| tokens as f64 * rate / 1_000_000.0;
    per(usage.input_tokens, p.input)
        + per(usage.output_tokens, p.output)
        + per(usage.cache_creation_input_tokens, p.cache_write())
        + per(usage.cache_read_input_tokens, p.cache_read())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(price("claude-opus-4-1-20250805").unwrap().input, 15.0);
        assert_eq!(price("claude-opus-4-5").unwrap().input, 5.0);
        assert_eq!(price("claude-sonnet-4-5-20250929").unwrap().output, 15.0);
        assert_eq!(price("claude-3-5-haiku-20241022").unwrap().input, 0.8);
        assert_eq!(price("claude-3-haiku-20240307").unwrap().input, 0.25);
        assert_eq!(price("claude-haiku-4-5").unwrap().input, 1.0);
        assert_eq!(price("gpt-4o"), None);
    }

    #[test]
    fn cost_counts_cache_reads_and_writes() {
        let u = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            cache_creation_input_tokens: 1_000_000,
            cache_read_input_tokens: 1_000_000,
        };
        let c = cost("claude-sonnet-4-5", &u);
        assert!((c - (3.0 + 15.0 + 3.75 + 0.3)).abs() < 1e-9, "{c}");
        assert_eq!(cost("unknown-model", &u), 0.0);
    }
}
