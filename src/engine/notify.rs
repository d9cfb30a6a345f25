//! Push notices: a short text POSTed to `notify_url` with ntfy's `Title`, `Tags` and `Priority`
//! headers (ntfy.sh, a self-hosted ntfy, or any webhook), when an approval waits and when a run
//! or a server turn ends. One HTTP client and one delivery task behind a bounded queue, so a
//! notice never holds a turn up; a notice that cannot be queued or delivered is logged once and
//! counted, never retried. A notice carries the tool's name and the session's title, never a
//! tool's input, a command, a path or a secret.

use crate::config::NotifyOn;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Notices waiting for delivery, at most; more are dropped (and counted).
const QUEUE: usize = 64;
/// One delivery, at most.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Characters of a tool name or title in a notice, at most.
const SHORT: usize = 60;

/// Where notices go and which ones.
#[derive(Clone)]
pub struct NotifySettings {
    /// The URL each notice is POSTed to.
    pub url: String,
    /// Which events are pushed.
    pub on: NotifyOn,
    /// Sent as `Authorization: Bearer`.
    pub token: Option<String>,
}

impl std::fmt::Debug for NotifySettings {
    // the token is a secret, and the URL's path may be one too (an ntfy topic)
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("host", &host_of(&self.url))
            .field("on", &self.on.names())
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A tool call waits for a person.
    Approval,
    /// A run or turn finished.
    Done,
    /// A run or turn failed.
    Error,
}

impl Kind {
    /// The metric label and `notify_on` name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Approval => "approval",
            Kind::Done => "done",
            Kind::Error => "error",
        }
    }

    fn wanted(self, on: &NotifyOn) -> bool {
        match self {
            Kind::Approval => on.approval,
            Kind::Done => on.done,
            Kind::Error => on.error,
        }
    }
}

/// What ended: a run (`clauded run`, WebEDT's execute) or a server session's turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// A run.
    Run,
    /// A session turn.
    Turn,
}

/// One notice, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What it is about.
    pub kind: Kind,
    /// The `Title` header.
    pub title: &'static str,
    /// The body: one short line.
    pub text: String,
}

impl Notice {
    /// "approval waiting: TOOL (SOURCE)".
    pub fn approval(tool: &str, source: &str) -> Self {
        Self {
            kind: Kind::Approval,
            title: "clauded: approval waiting",
            text: format!("approval waiting: {} ({})", short(tool), short(source)),
        }
    }

    /// "run done: TITLE", "turn failed: TITLE".
    pub fn finished(work: Work, title: &str, ok: bool) -> Self {
        let (kind, what) = match (work, ok) {
            (Work::Run, true) => (Kind::Done, "run done"),
            (Work::Run, false) => (Kind::Error, "run failed"),
            (Work::Turn, true) => (Kind::Done, "turn done"),
            (Work::Turn, false) => (Kind::Error, "turn failed"),
        };
        let title_header = match kind {
            Kind::Done => "clauded: done",
            _ => "clauded: failed",
        };
        let t = short(title);
        Self {
            kind,
            title: title_header,
            text: if t.is_empty() {
                what.to_owned()
            } else {
                format!("{what}: {t}")
            },
        }
    }

    fn tags(&self) -> &'static str {
        match self.kind {
            Kind::Approval => "lock",
            Kind::Done => "white_check_mark",
            Kind::Error => "warning",
        }
    }

    fn priority(&self) -> &'static str {
        match self.kind {
            Kind::Approval | Kind::Error => "high",
            Kind::Done => "default",
        }
    }
}

/// One line of at most [`SHORT`] characters, without control characters.
fn short(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.chars().count() <= SHORT {
        return clean;
    }
    let mut cut: String = clean.chars().take(SHORT - 1).collect();
    cut.push('…');
    cut
}

/// The host of a URL, for log lines (its path may be a secret topic).
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "the notify URL".into())
}

struct Inner {
    tx: mpsc::Sender<Notice>,
    on: NotifyOn,
}

/// Sends push notices, or nothing when off. Cheap to clone.
#[derive(Clone, Default)]
pub struct Notifier(Option<Arc<Inner>>);

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Notifier(on)"
        } else {
            "Notifier(off)"
        })
    }
}

impl Notifier {
    /// Sends nothing.
    pub fn off() -> Self {
        Self(None)
    }

    /// Starts the delivery task on the current Tokio runtime.
    pub fn start(settings: NotifySettings) -> Result<Self, String> {
        let url = reqwest::Url::parse(&settings.url)
            .map_err(|e| format!("the notify URL is not a URL: {e}"))?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "push notices need the async runtime".to_owned())?;
        crate::anthropic::init_tls();
        let client = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // a redirect would carry the token to wherever it points
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("clauded/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot make an HTTP client for push notices: {e}"))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        runtime.spawn(deliver(client, url, settings.token, rx));
        Ok(Self(Some(Arc::new(Inner {
            tx,
            on: settings.on,
        }))))
    }

    /// Whether notices go anywhere.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// A tool call waits: its tool's name and who asked, nothing of its input.
    pub fn approval_waiting(&self, tool: &str, source: &str) {
        self.send(Notice::approval(tool, source));
    }

    /// A run or turn ended; `ok` false for a failure.
    pub fn finished(&self, work: Work, title: &str, ok: bool) {
        self.send(Notice::finished(work, title, ok));
    }

    /// Queues a notice if its kind is wanted, and says whether it did; never waits.
    pub fn send(&self, notice: Notice) -> bool {
        let Some(inner) = &self.0 else { return false };
        if !notice.kind.wanted(&inner.on) {
            return false;
        }
        let kind = notice.kind.name();
        match inner.tx.try_send(notice) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                crate::metrics::notify_failure("queue_full");
                tracing::warn!("push notice ({kind}) dropped: {QUEUE} are already waiting");
                false
            }
            // the delivery task is gone: the runtime is shutting down
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// Delivers notices one at a time until every sender is gone.
async fn deliver(
    client: reqwest::Client,
    url: reqwest::Url,
    token: Option<String>,
    mut rx: mpsc::Receiver<Notice>,
) {
    let host = url.host_str().unwrap_or("the notify URL").to_owned();
    while let Some(n) = rx.recv().await {
        let kind = n.kind.name();
        let mut req = client
            .post(url.clone())
            .header("Title", n.title)
            .header("Tags", n.tags())
            .header("Priority", n.priority())
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(n.text);
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        let (reason, why) = match req.send().await {
            Ok(r) if r.status().is_success() => {
                crate::metrics::notify_sent(kind);
                continue;
            }
            Ok(r) => ("status", format!("{host} answered {}", r.status())),
            // without the URL: its path may be a secret topic
            Err(e) if e.is_timeout() => ("timeout", format!("{host} did not answer in time")),
            Err(e) if e.is_connect() => ("connect", format!("cannot connect to {host}")),
            Err(e) => ("other", format!("{host}: {}", e.without_url())),
        };
        crate::metrics::notify_failure(reason);
        tracing::warn!("push notice ({kind}) not delivered: {why}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_one_short_line_without_input() {
        let n = Notice::approval("Bash", "claude-code");
        assert_eq!(n.text, "approval waiting: Bash (claude-code)");
        assert_eq!((n.tags(), n.priority()), ("lock", "high"));
        let long = "x".repeat(200);
        let n = Notice::finished(Work::Run, &format!("Fix\nthe\tbuild {long}"), false);
        assert!(
            n.text.starts_with("run failed: Fix the build x"),
            "{}",
            n.text
        );
        assert!(n.text.chars().count() <= "run failed: ".len() + SHORT);
        assert!(!n.text.contains('\n'));
        assert_eq!(Notice::finished(Work::Turn, "", true).text, "turn done");
    }

    #[tokio::test]
    async fn unwanted_kinds_are_not_queued_and_off_sends_nothing() {
        assert!(!Notifier::off().send(Notice::approval("Bash", "codex")));
        let on = NotifyOn::parse(["error"]).unwrap();
        let n = Notifier::start(NotifySettings {
            url: "http://127.0.0.1:9/".into(),
            on,
            token: Some("secret".into()),
        })
        .unwrap();
        assert!(!n.send(Notice::approval("Bash", "codex")));
        assert!(!n.send(Notice::finished(Work::Run, "t", true)));
        assert!(n.send(Notice::finished(Work::Run, "t", false)));
        let shown = format!(
            "{:?}",
            NotifySettings {
                url: "https://ntfy.sh/secret-topic".into(),
                on,
                token: Some("tk_secret".into()),
            }
        );
        assert!(!shown.contains("secret"), "{shown}");
    }
}
