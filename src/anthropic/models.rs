//! The built-in model list, used when the upstream list cannot be fetched.

use super::types::ModelInfo;

/// The model used when nothing else is configured.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";

const FALLBACK: &[(&str, &str, &str)] = &[
    ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-01T00:00:00Z"),
    (
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        "2025-09-29T00:00:00Z",
    ),
    (
        "claude-haiku-4-5",
        "Claude Haiku 4.5",
        "2025-10-01T00:00:00Z",
    ),
    ("claude-opus-4-1", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
    (
        "claude-sonnet-4-0",
        "Claude Sonnet 4",
        "2025-05-14T00:00:00Z",
    ),
    (
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
    ),
];

/// Models known to exist when this version was built; ids are never checked against it.
pub fn fallback_models() -> Vec<ModelInfo> {
    FALLBACK
        .iter()
        .map(|(id, name, at)| ModelInfo {
            id: (*id).into(),
            display_name: (*name).into(),
            created_at: (*at).into(),
        })
        .collect()
}
