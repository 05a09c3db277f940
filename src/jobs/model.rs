//! What a job is: its input, options, the six stages with their state, progress, timings and
//! artifacts, and how it ended. Plain data; the store keeps it, the engine changes it.

use crate::store::Id;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// Where a job is in its life. `Done`, `Failed` and `Cancelled` are final.
    JobState { Queued = "queued", Running = "running", Done = "done", Failed = "failed", Cancelled = "cancelled" }
}

impl JobState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

named_enum! {
    /// The stages jobs go through: a script job's, then a footage job's own.
    StageName {
        Parse = "parse", Voice = "voice", Visuals = "visuals", Plan = "plan", Music = "music",
        Render = "render", Probe = "probe", Shots = "shots", Transcribe = "transcribe",
        Beats = "beats", Reframe = "reframe",
    }
}

impl StageName {
    /// A script's (or spec's, or brief's) stages, in order.
    pub const SCRIPT: [StageName; 6] = [
        StageName::Parse,
        StageName::Voice,
        StageName::Visuals,
        StageName::Plan,
        StageName::Music,
        StageName::Render,
    ];

    /// Footage's stages, in order.
    pub const FOOTAGE: [StageName; 8] = [
        StageName::Probe,
        StageName::Shots,
        StageName::Transcribe,
        StageName::Beats,
        StageName::Plan,
        StageName::Reframe,
        StageName::Music,
        StageName::Render,
    ];

    /// Share of a typical job's time, for the overall progress: encoding dominates.
    fn weight(self) -> f64 {
        match self {
            StageName::Parse => 0.02,
            StageName::Voice => 0.15,
            StageName::Visuals => 0.02,
            StageName::Plan => 0.03,
            StageName::Music => 0.08,
            StageName::Render => 0.70,
            StageName::Probe => 0.01,
            StageName::Shots => 0.04,
            StageName::Transcribe => 0.15,
            StageName::Beats => 0.03,
            StageName::Reframe => 0.01,
        }
    }
}

named_enum! {
    StageState { Pending = "pending", Running = "running", Done = "done", Failed = "failed", Cancelled = "cancelled", Interrupted = "interrupted" }
}

/// A file a stage made, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// What it is: `parse`, `speech`, `mix`, `output`, ...
    pub kind: String,
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: StageName,
    pub state: StageState,
    /// 0–1 within the stage.
    pub progress: f64,
    pub started_ms: Option<u64>,
    /// Time spent in the stage, over every attempt.
    pub seconds: f64,
    pub artifacts: Vec<Artifact>,
}

impl Stage {
    /// Adds the time since the stage last started to its total (when it stops).
    pub fn add_time_since_start(&mut self) {
        if let Some(started) = self.started_ms.take() {
            self.seconds += now_ms().saturating_sub(started) as f64 / 1000.0;
        }
    }

    fn new(name: StageName) -> Stage {
        Stage {
            name,
            state: StageState::Pending,
            progress: 0.0,
            started_ms: None,
            seconds: 0.0,
            artifacts: Vec::new(),
        }
    }
}

/// How the caller wants the job done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobOptions {
    /// Export profiles by name or `.toml` path; empty means the daemon's default.
    pub profiles: Vec<String>,
    /// Folder for the outputs; `None` means `<outbox>/<job id>`.
    pub output_dir: Option<PathBuf>,
    /// Higher runs first; equal priorities run in submission order.
    pub priority: i32,
    pub narrate_action: bool,
    /// Ad brief version (0 = the first, under the plain name).
    pub variation: u32,
    pub speech_rate: crate::project::SpeechRate,
    /// The inbox file the job came from (its name as dropped), for jobs the watcher made.
    pub source: Option<String>,
    /// Set for footage to edit (the job's input is the first file).
    #[serde(default)]
    pub footage: Option<FootageOptions>,
}

/// How footage is edited (see [`crate::footage::edit::EditOptions`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FootageOptions {
    /// Files played after the job's input, in order.
    #[serde(default)]
    pub more: Vec<PathBuf>,
    pub music: Option<PathBuf>,
    pub target: Option<f64>,
    pub cut: crate::footage::edit::CutMode,
    pub captions: crate::plan::timeline::CaptionMode,
    #[serde(default)]
    pub watermark: Option<crate::plan::timeline::Watermark>,
}

impl Default for FootageOptions {
    fn default() -> FootageOptions {
        let edit = crate::footage::edit::EditOptions::default();
        FootageOptions {
            more: Vec::new(),
            music: edit.music,
            target: edit.target,
            cut: edit.cut,
            captions: edit.captions,
            watermark: edit.watermark,
        }
    }
}

impl FootageOptions {
    pub fn edit_options(&self) -> crate::footage::edit::EditOptions {
        crate::footage::edit::EditOptions {
            music: self.music.clone(),
            target: self.target,
            cut: self.cut,
            captions: self.captions,
            watermark: self.watermark.clone(),
            ..Default::default()
        }
    }
}

impl JobOptions {
    /// The render choices these options carry (jobs speak with the active voice model).
    pub fn render_options(&self) -> crate::render::Options {
        crate::render::Options {
            variation: self.variation,
            narrate_action: self.narrate_action,
            espeak: false,
            speech_rate: self.speech_rate,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: Id,
    /// Shown in listings: the input's file name.
    pub name: String,
    pub project: Option<Id>,
    /// The file read by the parse stage (a copy in the job's folder for submitted text).
    pub input: PathBuf,
    pub options: JobOptions,
    pub state: JobState,
    pub stages: Vec<Stage>,
    pub error: Option<String>,
    pub outputs: Vec<PathBuf>,
    pub created_ms: u64,
    pub started_ms: Option<u64>,
    pub finished_ms: Option<u64>,
    /// How many times a worker has started it (resumes and retries included).
    pub attempts: u32,
    /// The edit of its project it renders (the script as stored then), instead of reading
    /// `input`.
    pub revision: Option<u32>,
    /// The Unix user who asked for it over D-Bus (none for the inbox's jobs), whose quota it
    /// counts against.
    pub owner: Option<u32>,
}

impl Job {
    pub fn new(id: Id, input: PathBuf, options: JobOptions, project: Option<Id>) -> Job {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| id.to_string());
        Job {
            id,
            name,
            project,
            input,
            stages: Job::stages_for(&options),
            options,
            state: JobState::Queued,
            error: None,
            outputs: Vec::new(),
            created_ms: id.millis(),
            started_ms: None,
            finished_ms: None,
            attempts: 0,
            revision: None,
            owner: None,
        }
    }

    fn stages_for(options: &JobOptions) -> Vec<Stage> {
        let names: &[StageName] = match options.footage {
            Some(_) => &StageName::FOOTAGE,
            None => &StageName::SCRIPT,
        };
        names.iter().copied().map(Stage::new).collect()
    }

    /// The stage `name`, when this kind of job has it.
    pub fn stage(&self, name: StageName) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn stage_mut(&mut self, name: StageName) -> Option<&mut Stage> {
        self.stages.iter_mut().find(|s| s.name == name)
    }

    /// Every file the job is made from: the input, and for footage the files after it.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut all = vec![self.input.clone()];
        if let Some(footage) = &self.options.footage {
            all.extend(footage.more.iter().cloned());
        }
        all
    }

    /// The stage running now, or the next one to run; `None` once all are done.
    pub fn current_stage(&self) -> Option<StageName> {
        self.stages
            .iter()
            .find(|s| s.state != StageState::Done)
            .map(|s| s.name)
    }

    /// Overall progress 0–1: finished stages count whole, the running one by its progress.
    pub fn progress(&self) -> f64 {
        if self.state == JobState::Done {
            return 1.0;
        }
        let done: f64 = self
            .stages
            .iter()
            .map(|s| match s.state {
                StageState::Done => s.name.weight(),
                _ => s.name.weight() * s.progress.clamp(0.0, 1.0),
            })
            .sum();
        done.clamp(0.0, 1.0)
    }

    /// Forget every stage's work, for a retry from scratch (cached artifacts are still found
    /// by content hash).
    pub fn reset_stages(&mut self) {
        for stage in &mut self.stages {
            let seconds = stage.seconds;
            *stage = Stage::new(stage.name);
            stage.seconds = seconds;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_stays_within_0_and_1_and_grows_with_stages() {
        let mut job = Job::new(Id::new(), "a.txt".into(), JobOptions::default(), None);
        assert_eq!(job.progress(), 0.0);
        job.stage_mut(StageName::Parse).unwrap().state = StageState::Done;
        let after_parse = job.progress();
        job.stage_mut(StageName::Voice).unwrap().progress = 7.0; // a bad report is clamped
        assert!(job.progress() > after_parse && job.progress() <= 1.0);
        for stage in StageName::SCRIPT {
            job.stage_mut(stage).unwrap().state = StageState::Done;
        }
        assert!((job.progress() - 1.0).abs() < 1e-9);
        assert_eq!(job.current_stage(), None);
    }

    #[test]
    fn footage_jobs_have_their_own_stages() {
        let options = JobOptions {
            footage: Some(FootageOptions::default()),
            ..JobOptions::default()
        };
        let job = Job::new(Id::new(), "talk.mp4".into(), options, None);
        let names: Vec<StageName> = job.stages.iter().map(|s| s.name).collect();
        assert_eq!(names, StageName::FOOTAGE);
        assert!(job.stage(StageName::Voice).is_none());
        assert_eq!(job.current_stage(), Some(StageName::Probe));
    }
}
