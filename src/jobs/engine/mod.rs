//! The job engine: owns every job in memory (the store holds the durable copy), queues them,
//! runs at most `workers` at once on blocking threads, and makes sure each one ends `done`,
//! `failed` or `cancelled`. Callers get a cheap `Clone` handle; changes go out as [`Event`]s.
//! Running jobs is in [`worker`], watching them in [`supervisor`].

mod edits;
mod retention;
mod supervisor;
mod worker;

use super::model::{now_ms, Job, JobOptions, JobState, StageName, StageState};
use super::queue::Queue;
use super::submit::{self, Input, Invalid};
use super::Settings;
use crate::render::stages::Parsed;
use crate::render::{self, Cache, Cancel};
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
    /// A finished job aged out: its record and object are gone (its files stay).
    JobRemoved(Id),
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
    Edit(crate::project::edit::EditError),
    #[error(transparent)]
    Quota(#[from] crate::jobs::quota::OverQuota),
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
        crate::render::segments::set_workers(settings.segment_workers);
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
        crate::render::segments::set_workers(settings.segment_workers);
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
    pub fn submit(
        &self,
        input: Input,
        options: JobOptions,
        owner: Option<u32>,
    ) -> Result<Job, EngineError> {
        let defaults = self.settings().profiles;
        submit::check_options(&options, &defaults)?;
        self.admit(owner)?;
        let id = Id::new();
        let (path, parsed) = match input {
            Input::File(path) => {
                submit::check_file(&path)?;
                let parsed = submit::check_script(&path, &options)?;
                self.check_length(&parsed, &path.display().to_string())?;
                (path, parsed)
            }
            Input::Text { text, format } => {
                let extension = submit::text_extension(format.as_deref())?;
                let dir = self.job_dir(id);
                let path = dir.join(format!("script.{extension}"));
                render::cache::write_atomic(&path, text.as_bytes())
                    .map_err(|e| EngineError::Io(format!("{}: {e}", path.display())))?;
                let checked = submit::check_script(&path, &options)
                    .map_err(EngineError::from)
                    .and_then(|parsed| {
                        self.check_length(&parsed, "the submitted script")?;
                        Ok(parsed)
                    });
                match checked {
                    Ok(parsed) => (path, parsed),
                    Err(err) => {
                        let _ = std::fs::remove_dir_all(&dir);
                        return Err(err);
                    }
                }
            }
        };
        let project = self.add_project(&path, &parsed)?;
        let mut job = Job::new(id, path, options, Some(project));
        job.owner = owner;
        self.enqueue(job)
    }

    /// Queues an edit of `paths` (played in order) with `options.footage` (defaults where
    /// absent). Every file is probed first: footage that cannot be edited is refused, naming
    /// the file and the problem, and nothing is stored.
    pub fn submit_footage(
        &self,
        paths: Vec<PathBuf>,
        mut options: JobOptions,
        owner: Option<u32>,
    ) -> Result<Job, EngineError> {
        if options.profiles.is_empty() {
            options.profiles = vec![crate::footage::edit::PROFILE.to_string()];
        }
        submit::check_options(&options, &self.settings().profiles)?;
        self.admit(owner)?;
        let mut footage = options.footage.take().unwrap_or_default();
        let seconds = submit::check_footage(&paths, footage.music.as_deref())?;
        // The cut is at most the target, and never longer than what it is cut from.
        let length = footage.target.map_or(seconds, |target| target.min(seconds));
        let what = format!("the edit of {}", paths[0].display());
        self.settings().quota.check_length(length, &what)?;
        footage.more = paths[1..].to_vec();
        options.footage = Some(footage);
        let mut job = Job::new(Id::new(), paths[0].clone(), options, None);
        job.owner = owner;
        self.enqueue(job)
    }

    /// Refuses work for `owner` beyond their quota, before anything of it is stored (the
    /// queueing checks again, under the lock it adds the job with).
    fn admit(&self, owner: Option<u32>) -> Result<(), EngineError> {
        if let Some(owner) = owner {
            let quota = self.settings().quota;
            quota.admit(owner, lock(&self.inner.jobs).values())?;
        }
        Ok(())
    }

    /// Refuses a script or spec (`what`, in messages) whose video would run longer than
    /// `max_video_seconds`; a script is judged by its estimated length.
    fn check_length(&self, parsed: &Parsed, what: &str) -> Result<(), EngineError> {
        let seconds = submit::video_seconds(parsed);
        Ok(self.settings().quota.check_length(seconds, what)?)
    }

    fn enqueue(&self, job: Job) -> Result<Job, EngineError> {
        let id = job.id;
        let quota = self.settings().quota;
        {
            // Counted and added under one lock, so two submissions cannot both take the last
            // place in a quota.
            let mut jobs = lock(&self.inner.jobs);
            if let Some(owner) = job.owner {
                quota.admit(owner, jobs.values())?;
            }
            self.inner.store.put_job(&job)?;
            jobs.insert(id, job.clone());
        }
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
            let scenes = self.inner.store.scenes(id)?;
            self.inner
                .store
                .put_project(&project, &scenes, project.scenes)?;
            lock(&self.inner.projects)
                .iter_mut()
                .filter(|p| p.id == id)
                .for_each(|p| p.name = name.to_string());
        }
        Ok(project)
    }

    /// Stores the project of `source`: a file submitted before keeps its project (and id),
    /// updated to what it holds now.
    fn add_project(&self, source: &Path, parsed: &Parsed) -> Result<Id, EngineError> {
        let known = lock(&self.inner.projects)
            .iter()
            .find(|p| p.source == source)
            .cloned();
        let id = known.as_ref().map_or_else(Id::new, |p| p.id);
        let name = match &known {
            Some(project) => project.name.clone(),
            None => source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let (mut info, scenes): (ProjectInfo, Vec<SceneInfo>) =
            submit::project_of(id, &name, source, parsed);
        if let Some(project) = &known {
            info.created_ms = project.created_ms;
            info.revision = project.revision;
        }
        let before = known.as_ref().map_or(0, |p| p.scenes);
        self.inner.store.put_project(&info, &scenes, before)?;
        let mut projects = lock(&self.inner.projects);
        projects.retain(|p| p.id != id);
        projects.push(info);
        projects.sort_by_key(|p| p.id);
        drop(projects);
        self.emit(Event::ProjectAdded(id));
        Ok(id)
    }

    /// Renders a stored project's script again as a new job for `owner`.
    pub fn render_project(
        &self,
        id: Id,
        options: JobOptions,
        owner: Option<u32>,
    ) -> Result<Job, EngineError> {
        let project = self.project(id)?;
        let defaults = self.settings().profiles;
        submit::check_options(&options, &defaults)?;
        self.admit(owner)?;
        // An edited project renders the script as stored; one never edited, its file.
        let (mut job, parsed) = if project.revision > 0 {
            let script = self.current_script(&project)?;
            (self.revision_job(&project, options), Parsed::Script(script))
        } else {
            submit::check_file(&project.source)?;
            let parsed = submit::check_script(&project.source, &options)?;
            let job = Job::new(Id::new(), project.source.clone(), options, Some(id));
            (job, parsed)
        };
        self.check_length(&parsed, &format!("project {}", project.name))?;
        job.owner = owner;
        self.enqueue(job)
    }

    // ---- steering ----

    /// Stops a job: a queued one at once, a running one within a tick of its pipeline.
    pub fn cancel(&self, id: Id) -> Result<(), EngineError> {
        let job = self.job(id)?;
        if job.state.is_final() {
            return Err(EngineError::WrongState {
                id,
                state: job.state,
                action: "cancel",
                needs: "queued or running",
            });
        }
        // Locked in the dispatcher's order (running, then queue), so the job is either handed
        // to a worker or still waiting, never in between.
        let was_waiting = {
            let mut running = lock(&self.inner.running);
            if let Some(running) = running.get_mut(&id) {
                running.stop.get_or_insert((Stop::Cancel, Instant::now()));
                running.cancel.cancel();
                return Ok(());
            }
            lock(&self.inner.queue).remove(id, job.options.priority)
        };
        if was_waiting {
            self.finish(id, JobState::Cancelled, None, Vec::new())?;
        }
        Ok(())
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
        self.admit(job.owner)?;
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

    /// Changes a job's priority; a queued job moves in the queue at once. A finished job's
    /// priority is history and stays.
    pub fn set_priority(&self, id: Id, priority: i32) -> Result<(), EngineError> {
        // The running map, then the queue, as the dispatcher locks them, so the job cannot be
        // handed to a worker between leaving the queue and coming back to it.
        let running = lock(&self.inner.running);
        let mut queue = lock(&self.inner.queue);
        let job = {
            let mut jobs = lock(&self.inner.jobs);
            let job = jobs.get_mut(&id).ok_or(EngineError::UnknownJob(id))?;
            if job.state.is_final() {
                return Err(EngineError::WrongState {
                    id,
                    state: job.state,
                    action: "set priority",
                    needs: "queued or running",
                });
            }
            if queue.remove(id, job.options.priority) {
                queue.push(id, priority);
            }
            job.options.priority = priority;
            job.clone()
        };
        drop((queue, running));
        self.inner.store.put_job(&job)?;
        self.emit(Event::JobChanged(id));
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

    /// Deletes the files of a job that will not be done: finished profiles, subtitles,
    /// thumbnails and temp files, and its output folder when that is left empty.
    fn remove_outputs(&self, job: &Job) {
        // The render's files, and the thumbnails the shots stage put beside them.
        let artifacts = [StageName::Render, StageName::Shots]
            .into_iter()
            .filter_map(|name| job.stage(name))
            .flat_map(|s| &s.artifacts)
            .filter(|a| a.kind != StageName::Shots.as_str());
        for artifact in artifacts {
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
}
