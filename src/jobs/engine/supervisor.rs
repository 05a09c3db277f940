//! The supervisor: fails stages that stopped making progress, gives up on stages that do not
//! stop when asked, forgets jobs past their retention, and proves each round to systemd's watchdog.

use super::{lock, Engine, Stop};
use crate::jobs::model::JobState;
use std::time::{Duration, Instant};

/// How long a stopped stage may take to return before the job is ended without it.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(10);

impl Engine {
    /// Once a second: fails stages that made no progress for the stall timeout, and gives up
    /// on a stopped job whose stage did not return within [`STOP_GRACE`]. Calls `alive` after
    /// each pass, so a watchdog ping means the supervisor itself is still making rounds.
    pub async fn supervise(
        &self,
        shutdown: impl std::future::Future<Output = ()>,
        mut alive: impl FnMut(),
    ) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            self.check_running();
            if let Some(age) = self.settings().forget_after {
                if let Err(err) = self.forget_finished(age) {
                    tracing::warn!(%err, "cannot forget old jobs");
                }
            }
            alive();
        }
    }

    fn check_running(&self) {
        let timeout = self.settings().stall_timeout;
        let mut abandoned = Vec::new();
        for (id, running) in lock(&self.inner.running).iter_mut() {
            match running.stop {
                None if running.last_progress.elapsed() > timeout => {
                    let reason = format!(
                        "stage {} made no progress for {} s (stall_timeout_s)",
                        running.stage,
                        timeout.as_secs_f64()
                    );
                    tracing::warn!(job = %id, %reason, "stopping a stalled job");
                    running.stop = Some((Stop::Stalled(reason), Instant::now()));
                    running.cancel.cancel();
                }
                Some((ref stop, since)) if since.elapsed() > STOP_GRACE => {
                    abandoned.push((*id, stop.clone()));
                }
                _ => {}
            }
        }
        for (id, stop) in abandoned {
            // The stage is stuck inside a call that does not look at its cancel flag. The job
            // still ends, and the stuck thread's late result is ignored.
            tracing::error!(job = %id, "the stage did not stop; giving up on it");
            lock(&self.inner.running).remove(&id);
            let still_running = self.job(id).is_ok_and(|j| j.state == JobState::Running);
            if still_running {
                let (state, error) = match stop {
                    Stop::Cancel => (JobState::Cancelled, None),
                    Stop::Stalled(reason) => (JobState::Failed, Some(reason)),
                    Stop::Shutdown => (JobState::Failed, Some("did not stop at shutdown".into())),
                };
                let _ = self.finish(id, state, error, Vec::new());
            }
            self.inner.wake.notify_one();
        }
    }
}
