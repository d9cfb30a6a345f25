//! The terminal's echo, turned off while chat writes an answer (keys typed meanwhile wait
//! for the next prompt instead of landing in the answer) and back on for a question asked in
//! between, and always on again after.

use std::os::fd::RawFd;

/// The echo of a terminal, off until dropped (then as it was).
pub struct EchoOff {
    fd: RawFd,
    was: libc::termios,
}

impl EchoOff {
    /// Echo off on stdin when it is a terminal with echo on; else nothing to undo.
    pub fn on_stdin() -> Option<Self> {
        Self::on(libc::STDIN_FILENO)
    }

    /// Echo off on `fd` when it is a terminal with echo on.
    pub fn on(fd: RawFd) -> Option<Self> {
        let was = attrs(fd)?;
        if was.c_lflag & libc::ECHO == 0 {
            return None;
        }
        let mut quiet = was;
        quiet.c_lflag &= !libc::ECHO;
        set(fd, &quiet).then_some(Self { fd, was })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        set(self.fd, &self.was);
    }
}

/// Echo on for a question on `fd` (the approval prompt on `/dev/tty`) while chat has it off;
/// back off when dropped.
pub struct EchoOn {
    fd: RawFd,
    was: libc::termios,
}

impl EchoOn {
    pub fn on(fd: RawFd) -> Option<Self> {
        let was = attrs(fd)?;
        if was.c_lflag & libc::ECHO != 0 {
            return None;
        }
        let mut shown = was;
        shown.c_lflag |= libc::ECHO;
        set(fd, &shown).then_some(Self { fd, was })
    }
}

impl Drop for EchoOn {
    fn drop(&mut self) {
        set(self.fd, &self.was);
    }
}

fn attrs(fd: RawFd) -> Option<libc::termios> {
    // SAFETY: isatty and tcgetattr only read the descriptor's state into `t`.
    unsafe {
        if libc::isatty(fd) != 1 {
            return None;
        }
        let mut t: libc::termios = std::mem::zeroed();
        (libc::tcgetattr(fd, &mut t) == 0).then_some(t)
    }
}

fn set(fd: RawFd, t: &libc::termios) -> bool {
    // SAFETY: `t` is a termios read from this descriptor; TCSANOW keeps pending input.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, t) == 0 }
}
