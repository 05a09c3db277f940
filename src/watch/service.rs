//! The inbox inside the daemon: every file taken becomes a job on the engine (its outputs go
//! to the file's partial folder, its `source` is the file's name), and the job's end moves
//! the file to `outbox/` or `failed/`. A restart finds each file's job again by its
//! ledger entry, or by the job's input path when the daemon died between submitting it and
//! recording it, so no file is ever rendered by two jobs.

use super::intake::{Inbox, Taken};
use super::ledger::Entry;
use super::scan::scan;
use super::wake::Wake;
use super::{Counts, WatchError};
use crate::jobs::model::{Job, JobOptions, JobState};
use crate::jobs::submit::Input;
use crate::jobs::{Engine, EngineError, Event};
use crate::store::Id;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// What the bus shows of the inbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub folder: PathBuf,
    pub counts: Counts,
}

pub type StatusSender = tokio::sync::watch::Sender<Status>;

/// Runs the inbox until `shutdown`. Jobs keep running across a shutdown; the next start
/// picks their files up again.
pub async fn run(
    engine: Engine,
    inbox: Inbox,
    status: StatusSender,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let _watcher = Wake::start(&inbox.layout.root, {
        let wake = wake.clone();
        move || wake.notify_one()
    });
    let mut events = engine.subscribe();
    let mut service = Service {
        engine,
        inbox,
        status,
        jobs: HashMap::new(),
    };
    service.blocking(Service::recover).await;
    tokio::pin!(shutdown);
    let mut next_scan = Duration::ZERO;
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(next_scan) => {}
            event = events.recv() => {
                match event {
                    // Progress ticks are frequent: only an ended job is worth a blocking call.
                    Ok(Event::JobChanged(id))
                        if service.jobs.contains_key(&id)
                            && service.engine.job(id).is_ok_and(|j| j.state.is_final()) =>
                    {
                        service.blocking(move |s| s.check_job(id)).await;
                    }
                    Err(RecvError::Lagged(_)) => {
                        service.blocking(Service::check_all).await;
                    }
                    Err(RecvError::Closed) => return,
                    Ok(_) => {}
                }
                continue;
            }
        }
        next_scan = service
            .blocking(Service::scan_once)
            .await
            .unwrap_or(service.inbox.settings.rescan);
    }
}

struct Service {
    engine: Engine,
    inbox: Inbox,
    status: StatusSender,
    /// Files being rendered, by their job.
    jobs: HashMap<Id, Entry>,
}

impl Service {
    /// Runs `work` on a blocking thread (it touches files and sled), then publishes counts.
    async fn blocking<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Service) -> Result<T, WatchError> + Send + 'static,
    ) -> Option<T> {
        let mut moved = Service {
            engine: self.engine.clone(),
            inbox: self.inbox.clone(),
            status: self.status.clone(),
            jobs: std::mem::take(&mut self.jobs),
        };
        let result = tokio::task::spawn_blocking(move || {
            let result = work(&mut moved);
            moved.publish();
            (result, moved.jobs)
        })
        .await;
        match result {
            Ok((result, jobs)) => {
                self.jobs = jobs;
                result.map_err(|err| tracing::error!(%err, "inbox")).ok()
            }
            Err(err) => {
                tracing::error!(%err, "the inbox's worker failed");
                None
            }
        }
    }

    fn publish(&self) {
        match self.inbox.counts() {
            Ok(counts) => {
                self.status.send_if_modified(|status| {
                    let changed = status.counts != counts;
                    status.counts = counts;
                    changed
                });
            }
            Err(err) => tracing::warn!(%err, "cannot count the inbox"),
        }
    }

    fn recover(&mut self) -> Result<(), WatchError> {
        for taken in self.inbox.recover()? {
            self.start(taken, true)?;
        }
        Ok(())
    }

    /// One scan; returns when to look again.
    fn scan_once(&mut self) -> Result<Duration, WatchError> {
        let found = scan(&self.inbox.layout, &self.inbox.settings)?;
        for item in found.found {
            let taken = self.inbox.take(item)?;
            self.start(taken, false)?;
        }
        Ok(found
            .recheck_in
            .unwrap_or(self.inbox.settings.rescan)
            .min(self.inbox.settings.rescan))
    }

    /// Queues the job for a file in `processing/`: an edit for footage, a render otherwise.
    /// Nobody owns it: the inbox is the host's, with limits of its own.
    fn submit(&self, input: PathBuf, options: JobOptions) -> Result<Job, EngineError> {
        match options.footage {
            Some(_) => self.engine.submit_footage(vec![input], options, None),
            None => self.engine.submit(Input::File(input), options, None),
        }
    }

    /// Gives a file in `processing/` its job: the one already made for it after a restart,
    /// else a new one.
    fn start(&mut self, taken: Taken, recovering: bool) -> Result<(), WatchError> {
        let Taken::Render { mut entry, options } = taken else {
            return Ok(());
        };
        let input = self.inbox.layout.processing(&entry.dest);
        let known = entry
            .job
            .and_then(|id| self.engine.job(id).ok())
            .or_else(|| recovering.then(|| self.job_for(&input)).flatten());
        let job = match known {
            Some(job) => job,
            None => match self.submit(input, *options) {
                Ok(job) => job,
                Err(err) => {
                    self.inbox.fail(entry, &err.to_string())?;
                    return Ok(());
                }
            },
        };
        if entry.job != Some(job.id) {
            self.inbox.set_job(&mut entry, job.id)?;
        }
        tracing::info!(file = %entry.display_name(), job = %job.id, "inbox: rendering");
        self.jobs.insert(job.id, entry);
        self.check_job(job.id)
    }

    /// The job a daemon that died before recording it made for `input`.
    fn job_for(&self, input: &std::path::Path) -> Option<Job> {
        self.engine
            .jobs()
            .into_iter()
            .rev()
            .find(|j| j.input == input)
    }

    /// Moves the file of a job that has ended.
    fn check_job(&mut self, id: Id) -> Result<(), WatchError> {
        let Ok(job) = self.engine.job(id) else {
            return Ok(());
        };
        if !job.state.is_final() {
            return Ok(());
        }
        let Some(entry) = self.jobs.remove(&id) else {
            return Ok(());
        };
        match job.state {
            JobState::Done => self.inbox.done(entry).map(|_| ()),
            JobState::Cancelled => self.inbox.fail(entry, "cancelled").map(|_| ()),
            _ => {
                let reason = job.error.unwrap_or_else(|| "failed".into());
                self.inbox.fail(entry, &reason).map(|_| ())
            }
        }
    }

    fn check_all(&mut self) -> Result<(), WatchError> {
        let ids: Vec<Id> = self.jobs.keys().copied().collect();
        for id in ids {
            self.check_job(id)?;
        }
        Ok(())
    }
}
