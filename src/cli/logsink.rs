//! The log's writer: standard error, with the daemon's access lines (`clauded::http` at info,
//! one per request) gathered and written together at most [`HOLD`] later, instead of one
//! `write(2)` per request on the request's thread (8.8 % of a stateless request's CPU under
//! load). Any other line writes out what is held first and then itself, at once, so the
//! order is kept and a warning is never late. [`flush`] writes what is held at exit.

use std::io::Write;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long an access line may wait for others to go with it.
const HOLD: Duration = Duration::from_millis(50);
/// Held text past this is written at once.
const MOST: usize = 64 * 1024;

struct Held {
    text: Mutex<Vec<u8>>,
    wake: Condvar,
}

static HELD: OnceLock<Held> = OnceLock::new();

fn held() -> &'static Held {
    HELD.get_or_init(|| Held {
        text: Mutex::new(Vec::new()),
        wake: Condvar::new(),
    })
}

fn write_out(text: &mut Vec<u8>) {
    if !text.is_empty() {
        // nowhere to report a failed write of the log; what was held is not kept for later
        let _ = std::io::stderr().write_all(text);
        text.clear();
    }
}

/// Writes what is held now (at exit; after it, every line is written at once as before).
pub fn flush() {
    if let Some(h) = HELD.get() {
        write_out(&mut h.text.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// The writer for `tracing_subscriber::fmt`; `gather` is whether access lines are held (the
/// daemon's), else every line goes out at once.
#[derive(Clone, Copy)]
pub struct Sink {
    gather: bool,
}

impl Sink {
    pub fn new(gather: bool) -> Self {
        if gather {
            let _ = std::thread::Builder::new()
                .name("clauded-log".into())
                .spawn(writer_thread);
        }
        Self { gather }
    }
}

/// Sleeps until a held line arrives, waits [`HOLD`] for others, writes them all.
fn writer_thread() {
    let h = held();
    loop {
        {
            let mut text = h.text.lock().unwrap_or_else(|p| p.into_inner());
            while text.is_empty() {
                text = h.wake.wait(text).unwrap_or_else(|p| p.into_inner());
            }
        }
        std::thread::sleep(HOLD);
        write_out(&mut h.text.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// One event's text (fmt writes an event in one `write_all`).
pub struct Line {
    hold: bool,
}

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let h = held();
        let mut text = h.text.lock().unwrap_or_else(|p| p.into_inner());
        let was_empty = text.is_empty();
        text.extend_from_slice(buf);
        if !self.hold || text.len() > MOST {
            write_out(&mut text);
        } else if was_empty {
            h.wake.notify_one();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line { hold: false }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line {
        Line {
            hold: self.gather && *meta.level() == Level::INFO && meta.target() == "clauded::http",
        }
    }
}
