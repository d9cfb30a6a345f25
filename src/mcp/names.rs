//! Tool names as Claude accepts them: `server__tool`, within `^[a-zA-Z0-9_-]{1,64}$`.

/// The longest name Claude accepts for a tool.
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// Hex digits of the hash appended to a truncated name.
const HASH_LEN: usize = 8;

/// `server__tool` with every character outside `[a-zA-Z0-9_-]` replaced by `_`; a name longer
/// than 64 is cut to 55 characters plus `_` and a hash of the unsanitised `server__tool`, so
/// two long names that share a prefix stay distinct. The same input always gives the same name.
pub fn sanitize_tool_name(server: &str, tool: &str) -> String {
    let original = format!("{server}__{tool}");
    let clean: String = original
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.len() <= MAX_TOOL_NAME_LEN {
        return clean;
    }
    // All ASCII by now, so byte and char indices agree.
    let keep = MAX_TOOL_NAME_LEN - HASH_LEN - 1;
    let hash = fnv1a(original.as_bytes());
    let folded = (hash ^ (hash >> 32)) as u32;
    format!("{}_{folded:08x}", &clean[..keep])
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        (1..=MAX_TOOL_NAME_LEN).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    #[test]
    fn joins_server_and_tool() {
        assert_eq!(sanitize_tool_name("fs", "read_file"), "fs__read_file");
        assert_eq!(
            sanitize_tool_name("every-thing", "get-sum"),
            "every-thing__get-sum"
        );
    }

    #[test]
    fn replaces_characters_claude_rejects() {
        assert_eq!(
            sanitize_tool_name("my.server", "ns/tool.v2"),
            "my_server__ns_tool_v2"
        );
        assert_eq!(sanitize_tool_name("srv", "héllo wörld"), "srv__h_llo_w_rld");
        assert_eq!(sanitize_tool_name("", ""), "__");
    }

    #[test]
    fn exactly_64_is_kept_whole() {
        let tool = "t".repeat(64 - "s__".len());
        let name = sanitize_tool_name("s", &tool);
        assert_eq!(name.len(), 64);
        assert_eq!(name, format!("s__{tool}"));
    }

    #[test]
    fn long_names_are_truncated_deterministically_and_stay_unique() {
        let a = sanitize_tool_name("server", &format!("{}_alpha", "x".repeat(100)));
        let b = sanitize_tool_name("server", &format!("{}_beta", "x".repeat(100)));
        assert!(valid(&a) && valid(&b), "{a} {b}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(a[..55], b[..55]);
        assert_eq!(
            a,
            sanitize_tool_name("server", &format!("{}_alpha", "x".repeat(100)))
        );
    }

    #[test]
    fn names_that_sanitise_alike_differ_once_truncated() {
        let long = "y".repeat(80);
        let a = sanitize_tool_name("s", &format!("{long}.a"));
        let b = sanitize_tool_name("s", &format!("{long}/a"));
        assert_ne!(a, b);
    }

    #[test]
    fn always_valid() {
        for (server, tool) in [
            ("a", "b"),
            ("ünï", "cödé"),
            ("x", &"é".repeat(200)),
            (&"s".repeat(70), "t"),
            ("", &"-".repeat(64)),
        ] {
            let name = sanitize_tool_name(server, tool);
            assert!(valid(&name), "{name:?}");
        }
    }
}
