//! The job engine: owns every job in memory (the store holds the durable copy), queues them,
//! runs at most `workers` at once on blocking threads, and makes sure each one ends `done`,
//! `failed` or `cancelled`. Callers get a cheap `Clone` handle; changes go out as [`Event`]s.

use super::model::{now_ms, Artifact, Job, JobOptions, JobState, StageName, StageState};
use super::queue::Queue;
use super::runner::{self, Tracker};
use super::submit::{self, Input, Invalid};
use super::Settings;
use crate::render::stages::Parsed;
use crate::render::{self, Cache, Cancel, RenderError};
use crate::store::{Id, ProjectInfo, SceneInfo, Store, StoreError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, Notify};

/// What changed, for the D-Bus side to announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    JobAdded(Id),
    JobChanged(Id),
    ProjectAdded(Id),
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("no job {0}")]
    UnknownJob(Id),
    #[error("no project {0}")]
    UnknownProject(Id),
    #[error("job {id} is {state}: {action} needs a {needs} job")]
    WrongState {
        id: Id,
        state: JobState,
        action: &'static str,
        needs: &'static str,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
}

/// Why a running job was asked to stop.
#[derive(Debug, Clone, PartialEq)]
enum Stop {
    Cancel,
    Stalled(String),
    Shutdown,
}

struct Running {
    cancel: Cancel,
    stop: Option<(Stop, Instant)>,
    last_progress: Instant,
    stage: StageName,
}

/// Counts for health reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub queued: usize,
    pub running: usize,
    pub done: usize,
    pub failed: usize,
    pub cancelled: usize,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    state_dir: PathBuf,
    cache: Cache,
    settings: RwLock<Settings>,
    jobs: Mutex<HashMap<Id, Job>>,
    projects: Mutex<Vec<ProjectInfo>>,
    queue: Mutex<Queue>,
    running: Mutex<HashMap<Id, Running>>,
    /// Set once shutdown starts: nothing new is started.
    closing: std::sync::atomic::AtomicBool,
    wake: Notify,
    events: broadcast::Sender<Event>,
    started: Instant,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker that panicked must not take the daemon with it: the data is still whole
    // (every change is a single assignment under the lock).
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Engine {
    /// Opens the store in `state_dir`, and queues again every job an earlier run left
    /// unfinished: a stage that was running is marked interrupted and resumes.
    pub fn open(state_dir: &Path, settings: Settings) -> Result<Engine, EngineError> {
        let store = Store::open(state_dir)?;
        let mut queue = Queue::default();
        let mut jobs = HashMap::new();
        for mut job in store.jobs()? {
            if job.state == JobState::Running {
                for stage in &mut job.stages {
                    if stage.state == StageState::Running {
                        stage.state = StageState::Interrupted;
                    }
                }
                job.state = JobState::Queued;
                store.put_job(&job)?;
                tracing::info!(job = %job.id, "resuming a job the last run left unfinished");
            }
            if job.state == JobState::Queued {
                queue.push(job.id, job.options.priority);
            }
            jobs.insert(job.id, job);
        }
        let projects = store.projects()?;
        let (events, _) = broadcast::channel(1024);
        Ok(Engine {
            inner: Arc::new(Inner {
                cache: Cache::at(state_dir.join("cache")),
                state_dir: state_dir.to_path_buf(),
                store,
                settings: RwLock::new(settings),
                jobs: Mutex::new(jobs),
                projects: Mutex::new(projects),
                queue: Mutex::new(queue),
                running: Mutex::new(HashMap::new()),
                closing: Default::default(),
                wake: Notify::new(),
                events,
                started: Instant::now(),
            }),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    fn emit(&self, event: Event) {
        // No receiver is fine: nobody is listening yet.
        let _ = self.inner.events.send(event);
    }

    pub fn settings(&self) -> Settings {
        self.inner
            .settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// New settings take effect at once: more workers start queued jobs, fewer let running
    /// ones finish.
    pub fn reconfigure(&self, settings: Settings) {
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(|p| p.into_inner()) = settings;
        self.inner.wake.notify_one();
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn state_dir(&self) -> &Path {
        &self.inner.state_dir
    }

    pub fn uptime(&self) -> Duration {
        self.inner.started.elapsed()
    }

    fn job_dir(&self, id: Id) -> PathBuf {
        self.inner.state_dir.join("jobs").join(id.to_string())
    }

    fn output_dir(&self, job: &Job) -> PathBuf {
        job.options
            .output_dir
            .clone()
            .unwrap_or_else(|| self.settings().outbox.join(job.id.to_string()))
    }

    // ---- reading ----

    pub fn job(&self, id: Id) -> Result<Job, EngineError> {
        lock(&self.inner.jobs)
            .get(&id)
            .cloned()
            .ok_or(EngineError::UnknownJob(id))
    }

    /// Every job, oldest first.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs: Vec<Job> = lock(&self.inner.jobs).values().cloned().collect();
        jobs.sort_by_key(|j| j.id);
        jobs
    }

    pub fn projects(&self) -> Vec<ProjectInfo> {
        lock(&self.inner.projects).clone()
    }

    pub fn project(&self, id: Id) -> Result<ProjectInfo, EngineError> {
        lock(&self.inner.projects)
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or(EngineError::UnknownProject(id))
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for job in lock(&self.inner.jobs).values() {
            match job.state {
                JobState::Queued => counts.queued += 1,
                JobState::Running => counts.running += 1,
                JobState::Done => counts.done += 1,
                JobState::Failed => counts.failed += 1,
                JobState::Cancelled => counts.cancelled += 1,
            }
        }
        counts
    }

    // ---- submitting ----

    /// Checks `input` and `options`, stores a project for it and queues a job. Blocking: call
    /// it off the async threads.
    pub fn submit(&self, input: Input, options: JobOptions) -> Result<Job, EngineError> {
        let defaults = self.settings().profiles;
        submit::check_options(&options, &defaults)?;
        let id = Id::new();
        let (path, parsed) = match input {
            Input::File(path) => {
                submit::check_file(&path)?;
                let parsed = submit::check_script(&path, &options)?;
                (path, parsed)
            }
            Input::Text { text, format } => {
                let extension = submit::text_extension(format.as_deref())?;
                let dir = self.job_dir(id);
                let path = dir.join(format!("script.{extension}"));
                render::cache::write_atomic(&path, text.as_bytes())
                    .map_err(|e| EngineError::Io(format!("{}: {e}", path.display())))?;
                match submit::check_script(&path, &options) {
                    Ok(parsed) => (path, parsed),
                    Err(err) => {
                        let _ = std::fs::remove_dir_all(&dir);
                        return Err(err.into());
                    }
                }
            }
        };
        let project = self.add_project(&path, &parsed)?;
        let job = Job::new(id, path, options, Some(project));
        self.inner.store.put_job(&job)?;
        lock(&self.inner.jobs).insert(id, job.clone());
        lock(&self.inner.queue).push(id, job.options.priority);
        tracing::info!(job = %id, input = %job.input.display(), "queued");
        self.emit(Event::JobAdded(id));
        self.inner.wake.notify_one();
        Ok(job)
    }

    /// Reads a script and stores it as a project, without rendering it.
    pub fn create_project(&self, name: &str, path: &Path) -> Result<ProjectInfo, EngineError> {
        submit::check_file(path)?;
        let parsed = submit::check_script(path, &JobOptions::default())?;
        let id = self.add_project(path, &parsed)?;
        let mut project = self.project(id)?;
        if !name.is_empty() {
            project.name = name.to_string();
            self.inner
                .store
                .put_project(&project, &self.inner.store.scenes(id)?)?;
            lock(&self.inner.projects)
                .iter_mut()
                .filter(|p| p.id == id)
                .for_each(|p| p.name = name.to_string());
        }
        Ok(project)
    }

    fn add_project(&self, source: &Path, parsed: &Parsed) -> Result<Id, EngineError> {
        let id = Id::new();
        let name = source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (info, scenes): (ProjectInfo, Vec<SceneInfo>) =
            submit::project_of(id, &name, source, parsed);
        self.inner.store.put_project(&info, &scenes)?;
        lock(&self.inner.projects).push(info);
        self.emit(Event::ProjectAdded(id));
        Ok(id)
    }

    /// Renders a stored project's script again as a new job.
    pub fn render_project(&self, id: Id, options: JobOptions) -> Result<Job, EngineError> {
        let project = self.project(id)?;
        let defaults = self.settings().profiles;
        submit::check_options(&options, &defaults)?;
        submit::check_file(&project.source)?;
        submit::check_script(&project.source, &options)?;
        let job = Job::new(Id::new(), project.source.clone(), options, Some(id));
        self.inner.store.put_job(&job)?;
        lock(&self.inner.jobs).insert(job.id, job.clone());
        lock(&self.inner.queue).push(job.id, job.options.priority);
        self.emit(Event::JobAdded(job.id));
        self.inner.wake.notify_one();
        Ok(job)
    }

    // ---- steering ----

    /// Stops a job: a queued one at once, a running one within a tick of its pipeline.
    pub fn cancel(&self, id: Id) -> Result<(), EngineError> {
        let job = self.job(id)?;
        match job.state {
            JobState::Queued => {
                lock(&self.inner.queue).remove(id, job.options.priority);
                self.finish(id, JobState::Cancelled, None, Vec::new())?;
                Ok(())
            }
            JobState::Running => {
                if let Some(running) = lock(&self.inner.running).get_mut(&id) {
                    running.stop.get_or_insert((Stop::Cancel, Instant::now()));
                    running.cancel.cancel();
                }
                Ok(())
            }
            state => Err(EngineError::WrongState {
                id,
                state,
                action: "cancel",
                needs: "queued or running",
            }),
        }
    }

    /// Queues a failed or cancelled job again from its first stage; artifacts that are still
    /// the same are found again by content hash, so only what changed is redone.
    pub fn retry(&self, id: Id) -> Result<(), EngineError> {
        let mut job = self.job(id)?;
        if !matches!(job.state, JobState::Failed | JobState::Cancelled) {
            return Err(EngineError::WrongState {
                id,
                state: job.state,
                action: "retry",
                needs: "failed or cancelled",
            });
        }
        job.state = JobState::Queued;
        job.error = None;
        job.outputs.clear();
        job.finished_ms = None;
        job.reset_stages();
        self.inner.store.put_job(&job)?;
        lock(&self.inner.jobs).insert(id, job.clone());
        lock(&self.inner.queue).push(id, job.options.priority);
        self.emit(Event::JobChanged(id));
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Records a final state, removing what a job that did not finish left behind.
    fn finish(
        &self,
        id: Id,
        state: JobState,
        error: Option<String>,
        outputs: Vec<PathBuf>,
    ) -> Result<(), EngineError> {
        let mut job = self.job(id)?;
        if state != JobState::Done {
            self.remove_outputs(&job);
        }
        for stage in &mut job.stages {
            if stage.state == StageState::Running {
                stage.state = match state {
                    JobState::Cancelled => StageState::Cancelled,
                    _ => StageState::Failed,
                };
                stage.add_time_since_start();
            }
        }
        job.state = state;
        job.error = error;
        job.outputs = outputs;
        job.finished_ms = Some(now_ms());
        self.inner.store.put_job(&job)?;
        lock(&self.inner.jobs).insert(id, job);
        self.emit(Event::JobChanged(id));
        Ok(())
    }

    /// Deletes the files of a job that will not be done: finished profiles, subtitles and
    /// temp files, and its output folder when that is left empty.
    fn remove_outputs(&self, job: &Job) {
        for artifact in &job.stage(StageName::Render).artifacts {
            let _ = std::fs::remove_file(&artifact.path);
            for leftover in super::artifacts::leftovers(&artifact.path) {
                let _ = std::fs::remove_file(leftover);
            }
        }
        let dir = self.output_dir(job);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".part") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let _ = std::fs::remove_dir(&dir);
    }

    // ---- running ----

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
                    let _ = tokio::task::spawn_blocking(move || span.in_scope(|| worker.work(id)))
                        .await;
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
        while workers.join_next().await.is_some() {}
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

    fn run_stages(&self, job: &Job, cancel: &Cancel) -> Result<Vec<PathBuf>, RenderError> {
        let settings = self.settings();
        let profiles =
            submit::profiles(&job.options, &settings.profiles).map_err(|e| RenderError::Input {
                path: job.input.clone(),
                message: e.to_string(),
            })?;
        let dir = self.job_dir(job.id);
        let output_dir = self.output_dir(job);
        let context = runner::Context {
            dir: &dir,
            output_dir: &output_dir,
            profiles: &profiles,
            cache: &self.inner.cache,
            cancel,
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

    // ---- supervising ----

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

/// How long a stopped stage may take to return before the job is ended without it.
const STOP_GRACE: Duration = Duration::from_secs(10);

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
            let s = job.stage_mut(stage);
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
        let changed = self
            .engine
            .job(self.id)
            .map(|j| (j.stage(stage).progress - fraction).abs() > 1e-6)
            .unwrap_or(false);
        if !changed {
            return;
        }
        self.touch(stage);
        let due = self
            .last_event
            .is_none_or(|at| at.elapsed() >= EVENT_INTERVAL);
        let mut jobs = lock(&self.engine.inner.jobs);
        if let Some(job) = jobs.get_mut(&self.id) {
            let s = job.stage_mut(stage);
            // Never backwards, never past the end.
            s.progress = fraction.clamp(s.progress, 1.0);
        }
        drop(jobs);
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
        {
            let s = job.stage_mut(stage);
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
