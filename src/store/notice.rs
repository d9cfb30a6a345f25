//! What the store tells every instance on it: an event row committed, an approval asked or
//! answered, a signal for whoever runs a session's turn. On PostgreSQL these travel by
//! `NOTIFY` (ids only, never bodies) and reach every instance; on SQLite they stay in the
//! process. Receivers read the rows themselves, so live delivery and replay are one path.

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A session's event log has new rows, up to `id`. Receivers read every row after the
    /// last one they have, whatever `id` says.
    Event {
        /// The session.
        session_id: String,
        /// The newest event id committed, or 0 when the writer does not know it.
        id: i64,
    },
    /// The approval log has new rows (a request asked, or answered), up to `id`.
    Approval {
        /// The newest approval event id, or 0 when the writer does not know it.
        id: i64,
    },
    /// Whoever runs `session_id`'s turn or run should act: `kind` is `abort`, `interrupt`
    /// or `stop` (a turn addressed by its completion id in `detail`).
    Signal {
        /// What to do.
        kind: String,
        /// The session it is about.
        session_id: String,
        /// More, as the kind needs (a completion id).
        detail: String,
    },
    /// The listener lost its connection and is back: receivers should re-read what they
    /// follow, since notices in between are gone.
    Resync,
}

/// The PostgreSQL channels, and the payload of each notice on them.
pub mod wire {
    use super::Notice;

    /// Channel for [`Notice::Event`]: payload `<id> <session_id>`.
    pub const EVENTS: &str = "clauded_events";
    /// Channel for [`Notice::Approval`]: payload `<id>`.
    pub const APPROVALS: &str = "clauded_approvals";
    /// Channel for [`Notice::Signal`]: payload `<kind> <session_id> <detail>`.
    pub const SIGNALS: &str = "clauded_signals";

    /// The channel and payload of a notice (None for `Resync`, which is never sent).
    pub fn encode(n: &Notice) -> Option<(&'static str, String)> {
        Some(match n {
            Notice::Event { session_id, id } => (EVENTS, format!("{id} {session_id}")),
            Notice::Approval { id } => (APPROVALS, id.to_string()),
            Notice::Signal {
                kind,
                session_id,
                detail,
            } => (SIGNALS, format!("{kind} {session_id} {detail}")),
            Notice::Resync => return None,
        })
    }

    /// A notice from a channel and payload; None for anything malformed.
    pub fn decode(channel: &str, payload: &str) -> Option<Notice> {
        match channel {
            EVENTS => {
                let (id, sid) = payload.split_once(' ')?;
                Some(Notice::Event {
                    session_id: sid.to_owned(),
                    id: id.parse().ok()?,
                })
            }
            APPROVALS => Some(Notice::Approval {
                id: payload.parse().ok()?,
            }),
            SIGNALS => {
                let mut it = payload.splitn(3, ' ');
                Some(Notice::Signal {
                    kind: it.next()?.to_owned(),
                    session_id: it.next()?.to_owned(),
                    detail: it.next().unwrap_or_default().to_owned(),
                })
            }
            _ => None,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_notice_survives_the_wire() {
            for n in [
                Notice::Event {
                    session_id: "s-1".into(),
                    id: 42,
                },
                Notice::Approval { id: 7 },
                Notice::Signal {
                    kind: "stop".into(),
                    session_id: "s".into(),
                    detail: "chatcmpl-1 x".into(),
                },
                Notice::Signal {
                    kind: "abort".into(),
                    session_id: "s".into(),
                    detail: String::new(),
                },
            ] {
                let (ch, payload) = encode(&n).unwrap();
                assert_eq!(decode(ch, &payload), Some(n));
            }
            assert_eq!(decode(EVENTS, "x s"), None);
            assert_eq!(decode("other", "1"), None);
        }
    }
}
