//! Server-sent events decoding by the WHATWG rules, for upstream streams.
//!
//! Bytes go in as they arrive from the network; whole events come out. Lines may end in CRLF,
//! LF or CR (a CR/LF pair may be split across reads), UTF-8 is decoded only on whole lines so a
//! character split across reads survives, comments and unknown fields are ignored.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, if any (the spec's default type is `message`).
    pub event: Option<String>,
    /// The joined `data:` lines, without the final newline.
    pub data: String,
    /// The last event id seen so far in the stream.
    pub id: Option<String>,
}

/// Incremental decoder: feed it chunks with [`SseDecoder::push`].
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    after_cr: bool,
    first_line_done: bool,
    event: Option<String>,
    data: String,
    last_id: Option<String>,
    pending: bool,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes and returns every event they complete.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, &b) in chunk.iter().enumerate() {
            match b {
                b'\n' if self.after_cr => {
                    // second half of a CRLF whose CR ended the line already
                    self.after_cr = false;
                    start = i + 1;
                }
                b'\n' | b'\r' => {
                    self.line.extend_from_slice(&chunk[start..i]);
                    start = i + 1;
                    self.after_cr = b == b'\r';
                    self.end_line(&mut out);
                }
                _ => self.after_cr = false,
            }
        }
        self.line.extend_from_slice(&chunk[start..]);
        out
    }

    /// True when the stream stopped inside an event (which the spec discards).
    pub fn has_partial_event(&self) -> bool {
        self.pending || !self.line.is_empty()
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let raw = std::mem::take(&mut self.line);
        let mut text = String::from_utf8_lossy(&raw).into_owned();
        if !self.first_line_done {
            self.first_line_done = true;
            if let Some(rest) = text.strip_prefix('\u{feff}') {
                text = rest.to_owned();
            }
        }
        if text.is_empty() {
            self.dispatch(out);
            return;
        }
        if text.starts_with(':') {
            return;
        }
        let (field, value) = match text.find(':') {
            Some(pos) => {
                let value = &text[pos + 1..];
                (&text[..pos], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (text.as_str(), ""),
        };
        match field {
            "event" => {
                self.event = Some(value.to_owned());
                self.pending = true;
            }
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.pending = true;
            }
            "id" if !value.contains('\0') => {
                self.last_id = Some(value.to_owned()).filter(|v| !v.is_empty());
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        self.pending = false;
        let event = self.event.take();
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        out.push(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        chunks.iter().flat_map(|c| d.push(c)).collect()
    }

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: None,
        }
    }

    #[test]
    fn all_three_line_endings() {
        for sep in ["\n", "\r\n", "\r"] {
            let s = format!("event: a{sep}data: 1{sep}{sep}event: b{sep}data: 2{sep}{sep}");
            assert_eq!(
                decode_all(&[s.as_bytes()]),
                vec![ev(Some("a"), "1"), ev(Some("b"), "2")],
                "separator {sep:?}"
            );
        }
    }

    #[test]
    fn crlf_split_across_reads_is_one_line_end() {
        let got = decode_all(&[b"data: x\r", b"\n\r", b"\ndata: y\r\n\r\n"]);
        assert_eq!(got, vec![ev(None, "x"), ev(None, "y")]);
    }

    #[test]
    fn multibyte_character_split_across_reads() {
        let s = "data: héllo ✓ 😀\n\n".as_bytes();
        let pos = s.iter().position(|&b| b == 0xF0).unwrap() + 2;
        let got = decode_all(&[&s[..pos], &s[pos..]]);
        assert_eq!(got, vec![ev(None, "héllo ✓ 😀")]);
    }

    #[test]
    fn comments_multiline_data_and_unknown_fields() {
        let got = decode_all(&[b": ping\nfoo: bar\ndata:a\ndata: b\ndata\n\n"]);
        assert_eq!(got, vec![ev(None, "a\nb\n")]);
    }

    #[test]
    fn event_without_data_fires_nothing_and_resets_type() {
        let got = decode_all(&[b"event: x\n\ndata: 1\n\n"]);
        assert_eq!(got, vec![ev(None, "1")]);
    }

    #[test]
    fn leading_bom_and_only_one_space_stripped() {
        let got = decode_all(&["\u{feff}data:  two\n\n".as_bytes()]);
        assert_eq!(got, vec![ev(None, " two")]);
    }

    #[test]
    fn unterminated_final_event_is_not_dispatched() {
        let mut d = SseDecoder::new();
        assert!(d.push(b"data: 1\n\ndata: 2\n").len() == 1);
        assert!(d.has_partial_event());
    }

    #[test]
    fn ids_persist_and_empty_id_resets() {
        let got = decode_all(&[b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"]);
        let ids: Vec<_> = got.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, vec![Some("7".into()), Some("7".into()), None]);
    }

    fn sample_stream() -> impl Strategy<Value = Vec<u8>> {
        let data = prop::collection::vec("[a-zé✓😀 {}\":,]{0,12}", 1..3);
        let sep = prop::sample::select(vec!["\n", "\r\n", "\r"]);
        let one = (
            prop::option::of("[a-z_]{1,10}"),
            data,
            sep.clone(),
            any::<bool>(),
        );
        prop::collection::vec(one, 0..8).prop_map(|events| {
            let mut s = String::new();
            for (name, lines, sep, comment) in events {
                if comment {
                    s.push_str(&format!(": keep-alive{sep}"));
                }
                if let Some(n) = name {
                    s.push_str(&format!("event: {n}{sep}"));
                }
                for l in lines {
                    s.push_str(&format!("data: {l}{sep}"));
                }
                s.push_str(sep);
            }
            s.into_bytes()
        })
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_events(
            bytes in sample_stream(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        ) {
            let whole = decode_all(&[&bytes]);
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut prev = 0;
            for p in points {
                chunks.push(&bytes[prev..p]);
                prev = p;
            }
            chunks.push(&bytes[prev..]);
            prop_assert_eq!(decode_all(&chunks), whole);
        }
    }
}
