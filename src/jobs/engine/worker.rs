//! Running jobs: the dispatcher that starts queued jobs while workers are free, one job's run
//! on a blocking thread, and the [`Tracker`] that keeps its record current as stages go.

use super::{lock, Engine, EngineError, Event, Running, Stop};
use crate::jobs::model::{now_ms, Artifact, Job, JobState, StageName, StageState};
use crate::jobs::runner::{self, Tracker};
use crate::jobs::submit;
use crate::render::stages::Script;
use crate::render::{Cancel, RenderError};
use crate::store::Id;
use std::path::PathBuf;
use std::time::{Duration, Instant};

impl Engine {
    /// Starts queued jobs while workers are free, until `shutdown` resolves; then stops the
    /// running ones (their stage is recorded as interrupted) and waits for them.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        let mut workers = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            while let Some(id) = self.next_job() {
                let engine = self.clone();
                let span = tracing::info_span!("job", id = %id);
                workers.spawn(async move {
                    let worker = engine.clone();
                    let ran =
                        tokio::task::spawn_blocking(move || span.in_scope(|| worker.work(id)))
                            .await;
                    if let Err(panic) = ran {
                        // A bug, not the input's fault; the job still ends, saying so.
                        tracing::error!(job = %id, %panic, "the worker panicked");
                        let reason = format!("internal error in reel: {panic}");
                        let _ = engine.finish(id, JobState::Failed, Some(reason), Vec::new());
                    }
                    lock(&engine.inner.running).remove(&id);
                    engine.inner.wake.notify_one();
                });
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.inner.wake.notified() => {}
                Some(_) = workers.join_next(), if !workers.is_empty() => {}
            }
        }
        self.inner
            .closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for running in lock(&self.inner.running).values_mut() {
            running.stop.get_or_insert((Stop::Shutdown, Instant::now()));
            running.cancel.cancel();
        }
        // A stage stuck where it cannot see its cancel flag must not hold the daemon: its job
        // stays `running` in the store and resumes on the next start.
        let all_stopped = async { while workers.join_next().await.is_some() {} };
        if tokio::time::timeout(super::supervisor::STOP_GRACE, all_stopped)
            .await
            .is_err()
        {
            tracing::error!("a stage did not stop in time; its job resumes on the next start");
        }
        let _ = self.inner.store.flush();
    }

    /// The next queued job, if a worker is free; marks it running.
    fn next_job(&self) -> Option<Id> {
        if self.inner.closing.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        let workers = self.settings().workers.max(1);
        let mut running = lock(&self.inner.running);
        if running.len() >= workers {
            return None;
        }
        let id = lock(&self.inner.queue).pop()?;
        running.insert(
            id,
            Running {
                cancel: Cancel::default(),
                stop: None,
                last_progress: Instant::now(),
                stage: StageName::Parse,
            },
        );
        Some(id)
    }

    /// Runs job `id` to an end on this (blocking) thread.
    fn work(&self, id: Id) {
        let Some(cancel) = lock(&self.inner.running).get(&id).map(|r| r.cancel.clone()) else {
            return;
        };
        let Ok(mut job) = self.job(id) else { return };
        if job.state != JobState::Queued {
            // Ended by the supervisor before this thread started.
            return;
        }
        job.state = JobState::Running;
        job.attempts += 1;
        job.started_ms.get_or_insert(now_ms());
        if let Err(err) = self.inner.store.put_job(&job) {
            tracing::error!(%err, "cannot record the job as running");
        }
        lock(&self.inner.jobs).insert(id, job.clone());
        self.emit(Event::JobChanged(id));
        tracing::info!(attempt = job.attempts, "started");

        let started = Instant::now();
        let result = self.run_stages(&job, &cancel);
        let stop = match lock(&self.inner.running).get(&id) {
            Some(running) => running.stop.clone().map(|(stop, _)| stop),
            // The supervisor gave up on this stage and ended the job already.
            None => return,
        };
        let outcome = match (result, stop) {
            (Ok(outputs), _) => self.finish(id, JobState::Done, None, outputs),
            (Err(RenderError::Cancelled), Some(Stop::Shutdown)) => self.interrupt(id),
            (Err(RenderError::Cancelled), Some(Stop::Stalled(reason))) => {
                self.finish(id, JobState::Failed, Some(reason), Vec::new())
            }
            (Err(RenderError::Cancelled), _) => {
                self.finish(id, JobState::Cancelled, None, Vec::new())
            }
            (Err(err), _) => self.finish(id, JobState::Failed, Some(err.to_string()), Vec::new()),
        };
        if let Err(err) = outcome {
            tracing::error!(%err, "cannot record how the job ended");
        }
        let state = self.job(id).map(|j| j.state.as_str()).unwrap_or("gone");
        tracing::info!(state, seconds = started.elapsed().as_secs_f64(), "finished");
    }

    /// The stored script of the project revision `job` renders, if it renders one.
    fn revision_script(&self, job: &Job) -> Result<Option<Script>, RenderError> {
        let (Some(project), Some(revision)) = (job.project, job.revision) else {
            return Ok(None);
        };
        let stored = self.inner.store.revision(project, revision);
        match stored {
            Ok(Some(r)) => Ok(Some(r.script)),
            Ok(None) => Err(RenderError::Input {
                path: job.input.clone(),
                message: format!("revision {revision} of the project is not stored"),
            }),
            Err(e) => Err(RenderError::Input {
                path: job.input.clone(),
                message: e.to_string(),
            }),
        }
    }

    fn run_stages(&self, job: &Job, cancel: &Cancel) -> Result<Vec<PathBuf>, RenderError> {
        let settings = self.settings();
        let profiles =
            submit::profiles(&job.options, &settings.profiles).map_err(|e| RenderError::Input {
                path: job.input.clone(),
                message: e.to_string(),
            })?;
        let dir = self.job_dir(job.id);
        let output_dir = self.output_dir(job);
        let script = self.revision_script(job)?;
        let context = runner::Context {
            dir: &dir,
            output_dir: &output_dir,
            profiles: &profiles,
            cache: &self.inner.cache,
            cancel,
            script: script.as_ref(),
            longest: self.settings().quota.video_seconds,
        };
        let mut tracker = EngineTracker {
            engine: self,
            id: job.id,
            last_event: None,
        };
        runner::run(job, &context, &mut tracker)
    }

    /// Shutdown stopped the job: the stage it was in is interrupted, the job waits for the
    /// next start.
    fn interrupt(&self, id: Id) -> Result<(), EngineError> {
        self.update(id, true, |job| {
            job.state = JobState::Queued;
            for stage in &mut job.stages {
                if stage.state == StageState::Running {
                    stage.state = StageState::Interrupted;
                    stage.add_time_since_start();
                }
            }
        })?;
        tracing::info!("interrupted by shutdown; it resumes on the next start");
        Ok(())
    }

    /// Changes the in-memory job, and stores it when `persist`.
    fn update(
        &self,
        id: Id,
        persist: bool,
        change: impl FnOnce(&mut Job),
    ) -> Result<Job, EngineError> {
        let job = {
            let mut jobs = lock(&self.inner.jobs);
            let job = jobs.get_mut(&id).ok_or(EngineError::UnknownJob(id))?;
            change(job);
            job.clone()
        };
        if persist {
            self.inner.store.put_job(&job)?;
        }
        self.emit(Event::JobChanged(id));
        Ok(job)
    }
}

/// Progress events go out at most this often per job.
const EVENT_INTERVAL: Duration = Duration::from_millis(200);

/// The engine's side of [`runner::Tracker`]: keeps the job in memory and the store current.
struct EngineTracker<'a> {
    engine: &'a Engine,
    id: Id,
    last_event: Option<Instant>,
}

impl EngineTracker<'_> {
    fn touch(&self, stage: StageName) {
        if let Some(running) = lock(&self.engine.inner.running).get_mut(&self.id) {
            running.last_progress = Instant::now();
            running.stage = stage;
        }
    }

    fn store_error(err: EngineError) -> RenderError {
        RenderError::Io {
            path: "store".into(),
            message: err.to_string(),
        }
    }
}

impl Tracker for EngineTracker<'_> {
    fn start(&mut self, stage: StageName, keep: bool) {
        self.touch(stage);
        tracing::info!(stage = %stage, "stage started");
        let result = self.engine.update(self.id, true, |job| {
            let Some(s) = job.stage_mut(stage) else {
                return;
            };
            s.state = StageState::Running;
            s.progress = 0.0;
            s.started_ms = Some(now_ms());
            if !keep {
                s.artifacts.clear();
            }
        });
        if let Err(err) = result {
            tracing::error!(%err, "cannot record the stage start");
        }
    }

    fn progress(&mut self, stage: StageName, fraction: f64) {
        // Compared and updated under one lock: this runs ten times a second per job.
        let changed = {
            let mut jobs = lock(&self.engine.inner.jobs);
            let Some(job) = jobs.get_mut(&self.id) else {
                return;
            };
            let Some(s) = job.stage_mut(stage) else {
                return;
            };
            let changed = (s.progress - fraction).abs() > 1e-6;
            // Never backwards, never past the end.
            s.progress = fraction.clamp(s.progress, 1.0);
            changed
        };
        if !changed {
            return;
        }
        self.touch(stage);
        let due = self
            .last_event
            .is_none_or(|at| at.elapsed() >= EVENT_INTERVAL);
        if due {
            self.last_event = Some(Instant::now());
            self.engine.emit(Event::JobChanged(self.id));
        }
    }

    fn record(
        &mut self,
        stage: StageName,
        artifacts: Vec<Artifact>,
        done: bool,
    ) -> Result<(), RenderError> {
        self.touch(stage);
        let mut job = self.engine.job(self.id).map_err(Self::store_error)?;
        if let Some(s) = job.stage_mut(stage) {
            s.artifacts.extend(artifacts.iter().cloned());
            if done {
                s.state = StageState::Done;
                s.progress = 1.0;
                s.add_time_since_start();
                tracing::info!(stage = %stage, seconds = s.seconds, "stage done");
            }
        }
        self.engine
            .inner
            .store
            .put_job_with_artifacts(&job, &artifacts)
            .map_err(|e| Self::store_error(e.into()))?;
        lock(&self.engine.inner.jobs).insert(self.id, job);
        self.engine.emit(Event::JobChanged(self.id));
        Ok(())
    }
}
