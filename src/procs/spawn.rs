//! Starting a tool process so that it dies with us.
//!
//! On Linux the child asks for SIGKILL when its parent goes (`PR_SET_PDEATHSIG`). The kernel
//! means the parent *thread*: a child forked on a tokio blocking-pool thread (or a worker that
//! `block_in_place` retired, as `clauded chat` does) would be killed when that thread idles out.
//! So every spawn runs on one thread kept for the life of the process.

use std::io;
use std::sync::OnceLock;
use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

/// The long-lived thread that forks tool processes; `None` if it could not be started.
fn spawner() -> Option<&'static mpsc::Sender<Job>> {
    static SPAWNER: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();
    SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("clauded-spawner".into())
                .spawn(move || {
                    for job in rx {
                        job();
                    }
                })
                .map_err(|e| tracing::warn!("cannot start the spawner thread: {e}"))
                .ok()
                .map(|_| tx)
        })
        .as_ref()
}

/// Asks the kernel to SIGKILL the child when we die (Linux; elsewhere a no-op), checking that
/// we did not die already between the fork and the request.
pub fn die_with_us(cmd: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the hook calls only prctl(2) and getppid(2), which are async-signal-safe, and
        // builds its error from an errno without allocating.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// Spawns `cmd` on the spawner thread (inside the caller's runtime, which then owns the child's
/// pipes and exit status); on the caller's thread if there is no spawner.
pub async fn spawn(mut cmd: tokio::process::Command) -> io::Result<tokio::process::Child> {
    let Some(tx) = spawner() else {
        return cmd.spawn();
    };
    let handle = tokio::runtime::Handle::current();
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _runtime = handle.enter();
        let _ = reply.send(cmd.spawn());
    });
    if tx.send(job).is_err() {
        return Err(io::Error::other("the spawner thread has stopped"));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(io::Error::other("the spawner thread dropped a spawn")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn children_start_on_the_spawner_thread_and_report_their_exit() {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c").arg("exit 7");
        die_with_us(&mut cmd);
        let status = spawn(cmd).await.unwrap().wait().await.unwrap();
        assert_eq!(status.code(), Some(7));
        let missing = spawn(tokio::process::Command::new("/no/such/program")).await;
        assert_eq!(missing.unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
