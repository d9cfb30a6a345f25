//! Naming work: a title and branch slug for a run (Claude, with a local fallback) and a commit
//! subject from the diff.

use super::turn::TurnContext;
use crate::anthropic::{ContentBlock, MessageParam, MessagesRequest, Role, System};
use serde_json::Value;

fn is_filler(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "the"
            | "to"
            | "of"
            | "for"
            | "and"
            | "in"
            | "on"
            | "with"
            | "please"
            | "can"
            | "you"
            | "my"
            | "our"
            | "this"
            | "that"
            | "it"
            | "is"
            | "be"
    )
}

/// A branch slug without asking Claude: the first four meaningful words, kebab-case, ≤ 40 chars.
pub fn local_slug(text: &str) -> String {
    let words: Vec<String> = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .filter(|w| !is_filler(w))
        .take(4)
        .map(str::to_owned)
        .collect();
    let mut slug = words.join("-");
    slug.truncate(40);
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() {
        "change".into()
    } else {
        slug
    }
}

fn clean_slug(s: &str) -> String {
    let s: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut out = String::new();
    for part in s.split('-').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(part);
    }
    out.truncate(40);
    out.trim_matches('-').to_owned()
}

async fn ask_claude(
    ctx: &TurnContext,
    model: &str,
    system: &str,
    prompt: String,
    max_tokens: u32,
) -> Option<String> {
    let req = MessagesRequest {
        model: model.to_owned(),
        max_tokens,
        system: Some(System::Text(system.to_owned())),
        messages: vec![MessageParam {
            role: Role::User,
            content: vec![ContentBlock::text(prompt)],
        }],
        ..Default::default()
    };
    super::completion::complete(ctx, &req)
        .await
        .ok()
        .map(|m| m.text())
        .filter(|t| !t.trim().is_empty())
}

/// A title and branch slug from Claude, or `None` (the caller falls back to [`local_slug`]).
pub(super) async fn generate_title(
    ctx: &TurnContext,
    model: &str,
    request: &str,
) -> Option<(String, String)> {
    let text = ask_claude(
        ctx,
        model,
        "You name pieces of work. Answer with JSON only: {\"title\": \"3-6 words, Title Case\", \"branch\": \"2-4 kebab-case words\"}.",
        format!("Name this request:\n\n{}", request.chars().take(2000).collect::<String>()),
        100,
    )
    .await?;
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    let v: Value = serde_json::from_str(&text[start..=end]).ok()?;
    let title = v["title"]
        .as_str()?
        .trim()
        .chars()
        .take(80)
        .collect::<String>();
    let slug = clean_slug(v["branch"].as_str()?);
    (!title.is_empty() && !slug.is_empty()).then_some((title, slug))
}

/// An imperative commit subject under 72 characters from the diff, or `Update files`.
pub(super) async fn commit_message(
    ctx: &TurnContext,
    model: &str,
    request: &str,
    diff: &str,
) -> String {
    let generated = ask_claude(
        ctx,
        model,
        "Write a git commit subject line for this change: imperative mood, under 72 characters, no trailing period, no quotes. Answer with the line only.",
        format!("Request: {}\n\nDiff:\n{diff}", request.chars().take(500).collect::<String>()),
        60,
    )
    .await;
    let line = generated
        .as_deref()
        .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|l| {
            l.trim_matches(['"', '`', '\''])
                .trim_end_matches('.')
                .to_owned()
        })
        .filter(|l| !l.is_empty() && l.chars().count() < 72);
    line.unwrap_or_else(|| "Update files".into())
}

/// WebEDT's session path, `owner__repo__branch`: in each part a `/`, a `__` and anything but
/// letters, digits, `-`, `_` and `.` become `-`.
pub fn session_path(owner: &str, repo: &str, branch: &str) -> String {
    let part = |s: &str| -> String {
        let mapped: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        mapped.replace("__", "-")
    };
    format!("{}__{}__{}", part(owner), part(repo), part(branch))
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_paths_keep_three_parts() {
        assert_eq!(
            session_path("acme", "web__app", "claude/fix login"),
            "acme__web-app__claude-fix-login"
        );
    }
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            local_slug("Add a dark mode toggle to the settings page"),
            "add-dark-mode-toggle"
        );
        assert_eq!(local_slug("!!!"), "change");
        assert_eq!(clean_slug("Dark Mode / Toggle!!"), "dark-mode-toggle");
    }
}
