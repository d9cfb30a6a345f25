//! Quick attempts: store work run on the calling (async) thread only while nothing has to wait.
//! The flag is per thread: an attempt runs to its end without awaiting, so no other task can
//! see it.

use crate::store::Error;
use std::cell::Cell;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// No attempt runs on this thread: wait as usual.
    Off,
    /// An attempt runs: anything that would wait gives up instead.
    On,
    /// The attempt gave up; it is to run again on the blocking pool.
    Blocked,
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State::Off) };
}

/// Runs `f` as a quick attempt: its answer, or None when it gave up before changing anything.
pub(super) fn attempt<T>(f: impl FnOnce() -> T) -> Option<T> {
    let before = STATE.replace(State::On);
    let out = f();
    let gave_up = STATE.replace(before) == State::Blocked;
    (!gave_up).then_some(out)
}

/// Whether anything that would wait must give up now.
pub(super) fn on() -> bool {
    STATE.get() == State::On
}

/// Gives the attempt up: the error it returns is dropped, and the work runs again elsewhere.
pub(super) fn blocked() -> Error {
    STATE.set(State::Blocked);
    Error::Task("the store is busy: trying again on the blocking pool".into())
}

/// The attempt changed the file: from here on it waits like any call, and is never run twice.
pub(super) fn committed() {
    if on() {
        STATE.set(State::Off);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_gives_up_only_before_it_commits() {
        assert_eq!(attempt(on), Some(true));
        assert!(!on(), "the flag is the attempt's only");
        assert_eq!(attempt(|| !blocked().to_string().is_empty()), None);
        // after a commit nothing gives up: blocked() would not be reached, and on() is false
        assert_eq!(
            attempt(|| {
                committed();
                on()
            }),
            Some(false)
        );
        // nested: the inner attempt restores the outer one's state
        assert_eq!(
            attempt(|| attempt(on).zip(Some(on()))),
            Some(Some((true, true)))
        );
    }
}
