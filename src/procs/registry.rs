//! A record, one small file each, of the tool process groups a clauded process has running, so
//! that the next start can end those a dead instance (`kill -9`) left behind.
//!
//! PDEATHSIG only reaches the direct child; a command's background jobs stay in its process
//! group. A record names the group (its id and its leader's start time) and its owner (our pid
//! and start time) with the boot it was made in, so a reused pid is never mistaken for ours.
//! Linux only (it reads `/proc`); elsewhere nothing is recorded.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Records go to `dir` from now on (the first call wins: the records belong to the process).
pub fn install(dir: PathBuf) {
    let _ = DIR.set(dir);
}

/// One recorded group; the record is removed when this is dropped (after the group was ended).
#[derive(Debug)]
pub struct Record {
    path: PathBuf,
}

impl Drop for Record {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Records the group led by `pgid` (just spawned by us); `None` when no directory is installed
/// or the record cannot be written (the group still runs, it just cannot be reaped later).
pub fn record(pgid: u32) -> Option<Record> {
    #[cfg(target_os = "linux")]
    {
        let dir = DIR.get()?;
        let line = format!(
            "boot {}\nowner {} {}\ngroup {pgid} {}\n",
            linux::boot_id()?,
            std::process::id(),
            linux::stat(std::process::id())?.start,
            linux::stat(pgid)?.start
        );
        let path = dir.join(format!("{}-{pgid}", std::process::id()));
        let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, line));
        if let Err(e) = written {
            tracing::warn!(
                "cannot record tool process group {pgid} in {}: {e}",
                dir.display()
            );
            return None;
        }
        Some(Record { path })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (pgid, &DIR);
        None
    }
}

/// Ends the groups recorded in `dir` by instances that are no longer running, and forgets their
/// records; the number of groups killed.
pub fn reap_orphans(dir: &Path) -> usize {
    #[cfg(target_os = "linux")]
    return linux::reap(dir);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        0
    }
}

#[cfg(target_os = "linux")]
pub(crate) use linux::live_member;

#[cfg(target_os = "linux")]
mod linux {
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    /// What `/proc/<pid>/stat` says about a process.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) struct Stat {
        pub state: char,
        pub pgrp: i32,
        /// Clock ticks after boot.
        pub start: u64,
    }

    pub(super) fn stat(pid: u32) -> Option<Stat> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid pgrp ... starttime(22nd)": comm may hold spaces and parentheses.
        let (_, rest) = text.rsplit_once(')')?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        Some(Stat {
            state: fields.first()?.chars().next()?,
            pgrp: fields.get(2)?.parse().ok()?,
            start: fields.get(19)?.parse().ok()?,
        })
    }

    pub(super) fn boot_id() -> Option<String> {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|s| s.trim().to_owned())
    }

    /// The live (not zombie) members of group `pgid`, with their stat and owner uid.
    fn members(pgid: i32) -> Vec<(Stat, u32)> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return vec![];
        };
        entries
            .flatten()
            .filter_map(|e| {
                let pid: u32 = e.file_name().to_str()?.parse().ok()?;
                let s = stat(pid)?;
                let uid = e.metadata().ok()?.uid();
                (s.pgrp == pgid && s.state != 'Z').then_some((s, uid))
            })
            .collect()
    }

    /// Whether a process of group `pgid` is still running. Zombies do not count: where PID 1
    /// does not reap orphans (some containers), a dead grandchild stays a zombie in the group.
    pub(crate) fn live_member(pgid: i32) -> bool {
        !members(pgid).is_empty()
    }

    fn alive(pid: u32, start: u64) -> bool {
        stat(pid).is_some_and(|s| s.start == start && s.state != 'Z')
    }

    /// A record as written: the boot, the owner (pid, start) and the group (pgid, leader start).
    #[derive(Debug, PartialEq, Eq)]
    struct Parsed {
        boot: String,
        owner: (u32, u64),
        group: (i32, u64),
    }

    fn parse(text: &str) -> Option<Parsed> {
        let mut boot = None;
        let (mut owner, mut group) = (None, None);
        for line in text.lines() {
            let mut f = line.split_whitespace();
            match (f.next(), f.next(), f.next()) {
                (Some("boot"), Some(id), None) => boot = Some(id.to_owned()),
                (Some("owner"), Some(p), Some(s)) => {
                    owner = Some((p.parse().ok()?, s.parse().ok()?))
                }
                (Some("group"), Some(p), Some(s)) => {
                    group = Some((p.parse().ok()?, s.parse().ok()?))
                }
                _ => {}
            }
        }
        Some(Parsed {
            boot: boot?,
            owner: owner?,
            group: group?,
        })
    }

    /// Whether group `pgid`, whose leader started at `start`, is still the one we recorded. A
    /// pgid is not handed out again while any process is in the group, so the group can only be
    /// another one if all of ours ended and the number came round again: then its leader (if it
    /// still runs) has another start time, and its members started after ours did.
    fn still_ours(pgid: i32, start: u64, members: &[(Stat, u32)]) -> bool {
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        let leader_matches = match stat(pgid as u32) {
            Some(s) if s.pgrp == pgid => s.start == start,
            // a new process took the number: our group had emptied before that
            Some(_) => false,
            None => true,
        };
        leader_matches
            && members
                .iter()
                .all(|(s, uid)| s.start >= start && *uid == me)
    }

    pub(super) fn reap(dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        let boot = boot_id();
        let mut killed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(Parsed {
                boot: rec_boot,
                owner: (owner, owner_start),
                group: (pgid, start),
            }) = std::fs::read_to_string(&path)
                .ok()
                .as_deref()
                .and_then(parse)
            else {
                let _ = std::fs::remove_file(&path);
                continue;
            };
            if Some(&rec_boot) == boot.as_ref() && alive(owner, owner_start) {
                continue;
            }
            let members = members(pgid);
            if Some(&rec_boot) == boot.as_ref()
                && pgid > 1
                && !members.is_empty()
                && still_ours(pgid, start, &members)
            {
                // SAFETY: kill(2) has no memory effects; pgid > 1 names one process group.
                if unsafe { libc::kill(-pgid, libc::SIGKILL) } == 0 {
                    killed += 1;
                    tracing::warn!(
                        "killed tool process group {pgid}, left by clauded process {owner}"
                    );
                }
            }
            let _ = std::fs::remove_file(&path);
        }
        killed
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn our_own_process_reads_back() {
            let me = stat(std::process::id()).unwrap();
            assert!(me.start > 0 && me.pgrp > 0);
            assert!(boot_id().is_some_and(|b| !b.is_empty()));
            assert_eq!(
                parse("boot b\nowner 10 20\ngroup 30 40\n"),
                Some(Parsed {
                    boot: "b".into(),
                    owner: (10, 20),
                    group: (30, 40)
                })
            );
            assert_eq!(parse("boot b\nowner 10\n"), None);
        }

        #[test]
        fn a_dead_owners_group_is_killed_and_a_live_or_reused_one_is_not() {
            let dir = tempfile::tempdir().unwrap();
            let spawn = || {
                use std::os::unix::process::CommandExt;
                std::process::Command::new("sleep")
                    .arg("30")
                    .process_group(0)
                    .spawn()
                    .unwrap()
            };
            let (mut orphan, mut kept, mut reused) = (spawn(), spawn(), spawn());
            let me = std::process::id();
            let my_start = stat(me).unwrap().start;
            let boot = boot_id().unwrap();
            let write = |name: &str, owner: (u32, u64), child: &std::process::Child, shift: u64| {
                let start = stat(child.id()).unwrap().start + shift;
                let text = format!(
                    "boot {boot}\nowner {} {}\ngroup {} {start}\n",
                    owner.0,
                    owner.1,
                    child.id()
                );
                std::fs::write(dir.path().join(name), text).unwrap();
            };
            // an owner that is not running (our pid with another start time)
            write("dead-owner", (me, my_start + 1), &orphan, 0);
            write("live-owner", (me, my_start), &kept, 0);
            // the recorded leader started earlier than the process now holding the number
            write("reused", (me, my_start + 1), &reused, 1);
            assert_eq!(reap(dir.path()), 1);
            assert!(
                orphan.wait().unwrap().code().is_none(),
                "killed by a signal"
            );
            assert!(kept.try_wait().unwrap().is_none() && reused.try_wait().unwrap().is_none());
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left, ["live-owner"]);
            for mut c in [kept, reused] {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}
