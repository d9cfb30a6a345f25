//! Giving memory back after a burst. glibc's malloc keeps the pages of freed chunks for the
//! next allocation and returns only the top of each heap, so a daemon that served 2,000 streams
//! kept 85 % of their memory long after they closed (load harness: +74 MiB over idle 30 s
//! later; `malloc_trim(0)` from a debugger took it from 97 to 27 MiB at once). A thread looks
//! every few seconds at how much freed memory the allocator holds and, past a threshold, hands
//! it back (`malloc_trim` releases the free pages inside every arena, not only the top).

use std::sync::Once;
use std::time::Duration;

/// How often the free memory is looked at.
const EVERY: Duration = Duration::from_secs(5);

/// Freed memory kept for reuse without trimming (a quiet daemon's churn stays below it).
const KEEP_FREE: usize = 8 << 20;

/// Starts the trimming thread once per process (where the allocator is glibc's).
pub(crate) fn start_trimming() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            let spawned = std::thread::Builder::new()
                .name("memory-upkeep".into())
                .spawn(|| {
                    loop {
                        std::thread::sleep(EVERY);
                        if let Some(freed) = trim_if_over(KEEP_FREE) {
                            tracing::debug!("gave {} KiB of freed memory back", freed >> 10);
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!("memory upkeep thread: {e}");
            }
        }
    });
}

/// Trims when the allocator holds more than `keep` bytes of freed memory; how much it held.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_if_over(keep: usize) -> Option<usize> {
    // SAFETY: both only read and change the allocator's own state, under its locks
    let free = unsafe { libc::mallinfo2() }.fordblks;
    if free <= keep {
        return None;
    }
    unsafe { libc::malloc_trim(0) };
    Some(free)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    fn resident() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }

    #[test]
    fn freed_memory_past_the_threshold_is_given_back() {
        // 40 MB of small chunks, then all but every 64th freed: the allocator keeps the
        // pages (the kept ones pin them in place) until it is told to trim
        let chunks: Vec<Vec<u8>> = (0..40_000).map(|i| vec![i as u8 | 1; 1000]).collect();
        let kept: Vec<Vec<u8>> = chunks.iter().step_by(64).cloned().collect();
        drop(chunks);
        let before = resident();
        assert!(
            trim_if_over(64 << 30).is_none(),
            "under the threshold nothing is done"
        );
        let held = trim_if_over(1 << 20).expect("the freed chunks are held");
        assert!(held > 30 << 20, "{held}");
        let after = resident();
        assert!(
            after + (20 << 20) < before,
            "resident {before} -> {after} bytes after the trim"
        );
        assert!(kept.iter().all(|c| c.len() == 1000 && c[0] & 1 == 1));
    }
}
