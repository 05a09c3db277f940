//! Forgetting finished jobs once they are old, so a service that runs for months keeps a
//! bounded number of records and bus objects. Their files (outputs) stay where they are.

use super::{lock, Engine, EngineError, Event};
use crate::jobs::model::{now_ms, Job};
use std::time::Duration;

impl Engine {
    /// Forgets every job that finished more than `age` ago: its store records, its folder of
    /// stage results and its in-memory copy. Returns how many went.
    pub fn forget_finished(&self, age: Duration) -> Result<usize, EngineError> {
        let cutoff = now_ms().saturating_sub(age.as_millis() as u64);
        let old: Vec<Job> = lock(&self.inner.jobs)
            .values()
            .filter(|j| j.state.is_final() && j.finished_ms.is_some_and(|t| t <= cutoff))
            .cloned()
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        // The store first: a crash after it leaves nothing to resurrect the jobs from.
        self.inner.store.forget_jobs(&old)?;
        let mut jobs = lock(&self.inner.jobs);
        for job in &old {
            // A retry between the scan and here made the job live again: keep it in memory;
            // its next change stores it again.
            if jobs.get(&job.id).is_some_and(|j| j.state.is_final()) {
                jobs.remove(&job.id);
            }
        }
        drop(jobs);
        for job in &old {
            // The folder holds stage results, and the script itself for submitted text, which
            // the job's project still reads: that one stays.
            let dir = self.job_dir(job.id);
            if !job.input.starts_with(&dir) {
                let _ = std::fs::remove_dir_all(dir);
            }
            self.emit(Event::JobRemoved(job.id));
        }
        tracing::info!(
            jobs = old.len(),
            "forgot finished jobs past their retention"
        );
        Ok(old.len())
    }
}
