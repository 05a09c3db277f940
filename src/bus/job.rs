//! `org.reel.Reel1.Job` at `/org/reel/Reel1/job/<id>`: a job's state as properties (changes
//! arrive as PropertiesChanged, see [`super::publish`]) and the Cancel and Retry methods.

use super::error::{blocking, Error};
use crate::jobs::model::{Job, StageName};
use crate::jobs::{Engine, EngineError};
use crate::store::Id;
use std::collections::HashMap;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

/// A cheap handle: every property is read from the engine's in-memory copy.
#[derive(Clone)]
pub struct JobObject {
    pub engine: Engine,
    pub id: Id,
}

pub const INTERFACE: &str = "org.reel.Reel1.Job";

impl JobObject {
    fn job(&self) -> Result<Job, zbus::fdo::Error> {
        self.engine
            .job(self.id)
            .map_err(|e| zbus::fdo::Error::UnknownObject(e.to_string()))
    }
}

/// The properties UIs follow, by D-Bus name, as they are now: what PropertiesChanged carries.
pub fn watched(job: &Job) -> Vec<(&'static str, OwnedValue)> {
    let owned = |v: Value| v.try_to_owned().unwrap_or_else(|_| OwnedValue::from(0u8));
    let stage = job.current_stage().map(|s| s.as_str()).unwrap_or("");
    let stage_progress = job
        .current_stage()
        .and_then(|s| job.stage(s).map(|s| s.progress))
        .unwrap_or(1.0);
    vec![
        ("State", owned(Value::from(job.state.as_str()))),
        ("Stage", owned(Value::from(stage))),
        // Rounded so a tick that moved nothing visible sends nothing.
        (
            "Progress",
            owned(Value::from((job.progress() * 1000.0).round() / 1000.0)),
        ),
        (
            "StageProgress",
            owned(Value::from((stage_progress * 1000.0).round() / 1000.0)),
        ),
        (
            "Error",
            owned(Value::from(job.error.clone().unwrap_or_default())),
        ),
        ("Outputs", owned(Value::from(outputs(job)))),
        ("Otio", owned(Value::from(otio(job)))),
        ("Segments", owned(Value::from(segments(job)))),
        ("Attempts", owned(Value::from(job.attempts))),
        ("Priority", owned(Value::from(job.options.priority))),
        ("StartedAt", owned(Value::from(micros(job.started_ms)))),
        ("FinishedAt", owned(Value::from(micros(job.finished_ms)))),
        ("Stages", owned(Value::from(stages(job)))),
    ]
}

fn outputs(job: &Job) -> Vec<String> {
    job.outputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

fn otio(job: &Job) -> String {
    job.stage(StageName::Render)
        .into_iter()
        .flat_map(|s| &s.artifacts)
        .find(|a| a.kind == crate::jobs::runner::OTIO)
        .map(|a| a.path.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// (profile, segment, encoded in this job) for every segment the render stage joined.
fn segments(job: &Job) -> Vec<(String, String, bool)> {
    job.stage(StageName::Render)
        .into_iter()
        .flat_map(|s| &s.artifacts)
        .filter(|a| a.kind == crate::jobs::runner::SEGMENTS)
        .flat_map(|a| {
            let profile = a
                .path
                .file_stem()
                .map(|s| {
                    s.to_string_lossy()
                        .trim_start_matches("segments-")
                        .to_string()
                })
                .unwrap_or_default();
            let runs: Vec<crate::render::segments::SegmentRun> = std::fs::read(&a.path)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or_default();
            runs.into_iter()
                .map(move |r| (profile.clone(), r.label, r.encoded))
        })
        .collect()
}

/// (name, state, progress 0–1, seconds spent) per stage.
fn stages(job: &Job) -> Vec<(String, String, f64, f64)> {
    job.stages
        .iter()
        .map(|s| {
            (
                s.name.to_string(),
                s.state.to_string(),
                s.progress,
                s.seconds,
            )
        })
        .collect()
}

/// Microseconds since the epoch, 0 for never (systemd's convention for timestamps).
fn micros(ms: Option<u64>) -> u64 {
    ms.unwrap_or(0) * 1000
}

#[zbus::interface(name = "org.reel.Reel1.Job")]
impl JobObject {
    /// Stops the job: a queued one at once, a running one within a second; its files are
    /// removed and its state becomes `cancelled`.
    async fn cancel(&self) -> Result<(), Error> {
        let (engine, id) = (self.engine.clone(), self.id);
        blocking(move || engine.cancel(id)).await
    }

    /// Runs a failed or cancelled job again.
    async fn retry(&self) -> Result<(), Error> {
        let (engine, id) = (self.engine.clone(), self.id);
        blocking(move || engine.retry(id)).await
    }

    /// Higher runs first; a queued job moves in the queue at once.
    async fn set_priority(&self, priority: i32) -> Result<(), Error> {
        let (engine, id) = (self.engine.clone(), self.id);
        blocking(move || engine.set_priority(id, priority)).await
    }

    #[zbus(property)]
    fn id(&self) -> String {
        self.id.to_string()
    }

    #[zbus(property)]
    fn name(&self) -> zbus::fdo::Result<String> {
        Ok(self.job()?.name)
    }

    #[zbus(property)]
    fn input(&self) -> zbus::fdo::Result<String> {
        Ok(self.job()?.input.to_string_lossy().into_owned())
    }

    /// The inbox file the job came from; empty for jobs submitted otherwise.
    #[zbus(property)]
    fn source(&self) -> zbus::fdo::Result<String> {
        Ok(self.job()?.options.source.unwrap_or_default())
    }

    #[zbus(property)]
    fn project(&self) -> zbus::fdo::Result<OwnedObjectPath> {
        let project = self.job()?.project;
        Ok(project
            .map(super::project_path)
            .unwrap_or_else(|| OwnedObjectPath::try_from("/").expect("root path")))
    }

    /// queued, running, done, failed or cancelled.
    #[zbus(property)]
    fn state(&self) -> zbus::fdo::Result<String> {
        Ok(self.job()?.state.to_string())
    }

    /// The stage running or next to run: parse, voice, visuals, plan, music, render.
    #[zbus(property)]
    fn stage(&self) -> zbus::fdo::Result<String> {
        Ok(self
            .job()?
            .current_stage()
            .map(|s| s.to_string())
            .unwrap_or_default())
    }

    /// The whole job, 0–1.
    #[zbus(property)]
    fn progress(&self) -> zbus::fdo::Result<f64> {
        Ok(self.job()?.progress())
    }

    /// The current stage, 0–1.
    #[zbus(property)]
    fn stage_progress(&self) -> zbus::fdo::Result<f64> {
        let job = self.job()?;
        Ok(job
            .current_stage()
            .and_then(|s| job.stage(s).map(|s| s.progress))
            .unwrap_or(1.0))
    }

    /// Why it failed; empty otherwise.
    #[zbus(property)]
    fn error(&self) -> zbus::fdo::Result<String> {
        Ok(super::error::bus_text(
            self.job()?.error.unwrap_or_default(),
        ))
    }

    /// The finished files (once done).
    #[zbus(property)]
    fn outputs(&self) -> zbus::fdo::Result<Vec<String>> {
        Ok(outputs(&self.job()?))
    }

    /// (profile, segment, encoded) per segment of each rendered profile: which segments this
    /// job encoded and which it reused from earlier renders (once rendered; empty before).
    #[zbus(property)]
    fn segments(&self) -> zbus::fdo::Result<Vec<(String, String, bool)>> {
        Ok(segments(&self.job()?))
    }

    /// The cut as an OpenTimelineIO file (once rendered; empty before).
    #[zbus(property)]
    fn otio(&self) -> zbus::fdo::Result<String> {
        Ok(otio(&self.job()?))
    }

    #[zbus(property)]
    fn profiles(&self) -> zbus::fdo::Result<Vec<String>> {
        let job = self.job()?;
        Ok(if job.options.profiles.is_empty() {
            self.engine.settings().profiles
        } else {
            job.options.profiles
        })
    }

    #[zbus(property)]
    fn priority(&self) -> zbus::fdo::Result<i32> {
        Ok(self.job()?.options.priority)
    }

    #[zbus(property)]
    fn attempts(&self) -> zbus::fdo::Result<u32> {
        Ok(self.job()?.attempts)
    }

    /// (name, state, progress, seconds) of each stage.
    #[zbus(property)]
    fn stages(&self) -> zbus::fdo::Result<Vec<(String, String, f64, f64)>> {
        Ok(stages(&self.job()?))
    }

    /// Microseconds since the Unix epoch.
    #[zbus(property)]
    fn created_at(&self) -> zbus::fdo::Result<u64> {
        Ok(micros(Some(self.job()?.created_ms)))
    }

    #[zbus(property)]
    fn started_at(&self) -> zbus::fdo::Result<u64> {
        Ok(micros(self.job()?.started_ms))
    }

    #[zbus(property)]
    fn finished_at(&self) -> zbus::fdo::Result<u64> {
        Ok(micros(self.job()?.finished_ms))
    }
}

/// The values in `now` that differ from `before`, as a PropertiesChanged map.
pub fn changes<'a>(
    before: &'a [(&'static str, OwnedValue)],
    now: &'a [(&'static str, OwnedValue)],
) -> HashMap<&'static str, Value<'a>> {
    now.iter()
        .filter(|(name, value)| {
            before
                .iter()
                .find(|(n, _)| n == name)
                .is_none_or(|(_, old)| old != value)
        })
        .map(|(name, value)| (*name, Value::clone(value)))
        .collect()
}

/// For `EngineError`s found while answering property reads.
impl From<EngineError> for zbus::fdo::Error {
    fn from(err: EngineError) -> zbus::fdo::Error {
        zbus::fdo::Error::Failed(err.to_string())
    }
}
