//! The stored form of every record: versioned serde types, apart from the domain types, so
//! the domain can change while old records still read. Each record is JSON tagged with its
//! version (`{"v":1,...}`); a new version adds a variant and a conversion from the old one.

use super::{Id, ProjectInfo, Revision, SceneInfo};
use crate::footage::edit::CutMode;
use crate::jobs::model::{
    Artifact, FootageOptions, Job, JobOptions, JobState, Stage, StageName, StageState,
};
use crate::plan::timeline::{CaptionMode, Watermark};
use crate::project::edit::Edit;
use crate::render::stages::Script;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum JobRecord {
    #[serde(rename = "1")]
    V1(JobV1),
}

#[derive(Serialize, Deserialize)]
pub struct JobV1 {
    id: Id,
    name: String,
    project: Option<Id>,
    input: PathBuf,
    profiles: Vec<String>,
    output_dir: Option<PathBuf>,
    priority: i32,
    narrate_action: bool,
    variation: u32,
    /// Percent; absent in records from before it existed (normal pace).
    #[serde(default = "normal_rate")]
    speech_rate: u32,
    /// The inbox file name; absent in records from before the inbox.
    #[serde(default)]
    source: Option<String>,
    /// Footage to edit; absent for script jobs and in records from before footage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    footage: Option<FootageV1>,
    state: JobState,
    stages: Vec<StageV1>,
    error: Option<String>,
    outputs: Vec<PathBuf>,
    created_ms: u64,
    started_ms: Option<u64>,
    finished_ms: Option<u64>,
    attempts: u32,
    /// The project revision it renders; absent for a script read from its file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revision: Option<u32>,
    /// The uid of the D-Bus caller; absent for the inbox's jobs and in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<u32>,
}

#[derive(Serialize, Deserialize)]
pub struct FootageV1 {
    more: Vec<PathBuf>,
    music: Option<PathBuf>,
    target: Option<f64>,
    cut: CutMode,
    /// Whether captions are shown at all.
    captions: bool,
    /// Whether they are karaoke; absent in records from before karaoke (plain).
    #[serde(default)]
    karaoke: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    watermark: Option<Watermark>,
}

impl From<&FootageOptions> for FootageV1 {
    fn from(f: &FootageOptions) -> FootageV1 {
        FootageV1 {
            more: f.more.clone(),
            music: f.music.clone(),
            target: f.target,
            cut: f.cut,
            captions: f.captions != CaptionMode::None,
            karaoke: f.captions == CaptionMode::Karaoke,
            watermark: f.watermark.clone(),
        }
    }
}

impl From<FootageV1> for FootageOptions {
    fn from(f: FootageV1) -> FootageOptions {
        FootageOptions {
            more: f.more,
            music: f.music,
            target: f.target,
            cut: f.cut,
            captions: match (f.captions, f.karaoke) {
                (false, _) => CaptionMode::None,
                (true, false) => CaptionMode::Plain,
                (true, true) => CaptionMode::Karaoke,
            },
            watermark: f.watermark,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct StageV1 {
    name: StageName,
    state: StageState,
    progress: f64,
    started_ms: Option<u64>,
    seconds: f64,
    artifacts: Vec<ArtifactV1>,
}

#[derive(Serialize, Deserialize)]
pub struct ArtifactV1 {
    kind: String,
    path: PathBuf,
    sha256: String,
    size: u64,
}

impl From<&Artifact> for ArtifactV1 {
    fn from(a: &Artifact) -> ArtifactV1 {
        ArtifactV1 {
            kind: a.kind.clone(),
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            size: a.size,
        }
    }
}

impl From<ArtifactV1> for Artifact {
    fn from(a: ArtifactV1) -> Artifact {
        Artifact {
            kind: a.kind,
            path: a.path,
            sha256: a.sha256,
            size: a.size,
        }
    }
}

impl From<&Job> for JobRecord {
    fn from(job: &Job) -> JobRecord {
        JobRecord::V1(JobV1 {
            id: job.id,
            name: job.name.clone(),
            project: job.project,
            input: job.input.clone(),
            profiles: job.options.profiles.clone(),
            output_dir: job.options.output_dir.clone(),
            priority: job.options.priority,
            narrate_action: job.options.narrate_action,
            variation: job.options.variation,
            speech_rate: job.options.speech_rate.0,
            source: job.options.source.clone(),
            footage: job.options.footage.as_ref().map(FootageV1::from),
            state: job.state,
            stages: job
                .stages
                .iter()
                .map(|s| StageV1 {
                    name: s.name,
                    state: s.state,
                    progress: s.progress,
                    started_ms: s.started_ms,
                    seconds: s.seconds,
                    artifacts: s.artifacts.iter().map(ArtifactV1::from).collect(),
                })
                .collect(),
            error: job.error.clone(),
            outputs: job.outputs.clone(),
            created_ms: job.created_ms,
            started_ms: job.started_ms,
            finished_ms: job.finished_ms,
            attempts: job.attempts,
            revision: job.revision,
            owner: job.owner,
        })
    }
}

impl From<JobRecord> for Job {
    fn from(record: JobRecord) -> Job {
        let JobRecord::V1(r) = record;
        Job {
            id: r.id,
            name: r.name,
            project: r.project,
            input: r.input,
            options: JobOptions {
                profiles: r.profiles,
                output_dir: r.output_dir,
                priority: r.priority,
                narrate_action: r.narrate_action,
                variation: r.variation,
                speech_rate: crate::project::SpeechRate(r.speech_rate),
                source: r.source,
                footage: r.footage.map(FootageOptions::from),
            },
            state: r.state,
            stages: r
                .stages
                .into_iter()
                .map(|s| Stage {
                    name: s.name,
                    state: s.state,
                    progress: s.progress,
                    started_ms: s.started_ms,
                    seconds: s.seconds,
                    artifacts: s.artifacts.into_iter().map(Artifact::from).collect(),
                })
                .collect(),
            error: r.error,
            outputs: r.outputs,
            created_ms: r.created_ms,
            started_ms: r.started_ms,
            finished_ms: r.finished_ms,
            attempts: r.attempts,
            revision: r.revision,
            owner: r.owner,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum AssetRecord {
    #[serde(rename = "1")]
    V1 {
        job: Id,
        created_ms: u64,
        #[serde(flatten)]
        artifact: ArtifactV1,
    },
}

impl AssetRecord {
    pub fn new(job: Id, created_ms: u64, artifact: &Artifact) -> AssetRecord {
        AssetRecord::V1 {
            job,
            created_ms,
            artifact: artifact.into(),
        }
    }

    pub fn into_artifact(self) -> (Id, Artifact) {
        let AssetRecord::V1 { job, artifact, .. } = self;
        (job, artifact.into())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum ProjectRecord {
    #[serde(rename = "1")]
    V1 {
        id: Id,
        name: String,
        title: String,
        format: String,
        source: PathBuf,
        characters: Vec<String>,
        scenes: u32,
        created_ms: u64,
        /// Edits made to it; absent in records from before editing (none).
        #[serde(default)]
        revision: u32,
    },
}

impl From<&ProjectInfo> for ProjectRecord {
    fn from(p: &ProjectInfo) -> ProjectRecord {
        ProjectRecord::V1 {
            id: p.id,
            name: p.name.clone(),
            title: p.title.clone(),
            format: p.format.clone(),
            source: p.source.clone(),
            characters: p.characters.clone(),
            scenes: p.scenes,
            created_ms: p.created_ms,
            revision: p.revision,
        }
    }
}

impl From<ProjectRecord> for ProjectInfo {
    fn from(record: ProjectRecord) -> ProjectInfo {
        let ProjectRecord::V1 {
            id,
            name,
            title,
            format,
            source,
            characters,
            scenes,
            created_ms,
            revision,
        } = record;
        ProjectInfo {
            id,
            name,
            title,
            format,
            source,
            characters,
            scenes,
            created_ms,
            revision,
        }
    }
}

/// One edit of a project and the script it left.
#[derive(Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum RevisionRecord {
    #[serde(rename = "1")]
    V1 {
        revision: u32,
        at_ms: u64,
        edit: Edit,
        script: Script,
    },
}

impl From<&Revision> for RevisionRecord {
    fn from(r: &Revision) -> RevisionRecord {
        RevisionRecord::V1 {
            revision: r.revision,
            at_ms: r.at_ms,
            edit: r.edit.clone(),
            script: r.script.clone(),
        }
    }
}

impl From<RevisionRecord> for Revision {
    fn from(record: RevisionRecord) -> Revision {
        let RevisionRecord::V1 {
            revision,
            at_ms,
            edit,
            script,
        } = record;
        Revision {
            revision,
            at_ms,
            edit,
            script,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum SceneRecord {
    #[serde(rename = "1")]
    V1 {
        number: u32,
        heading: String,
        lines: u32,
        seconds: f64,
        source_line: u32,
    },
}

impl From<&SceneInfo> for SceneRecord {
    fn from(s: &SceneInfo) -> SceneRecord {
        SceneRecord::V1 {
            number: s.number,
            heading: s.heading.clone(),
            lines: s.lines,
            seconds: s.seconds,
            source_line: s.source_line,
        }
    }
}

impl From<SceneRecord> for SceneInfo {
    fn from(record: SceneRecord) -> SceneInfo {
        let SceneRecord::V1 {
            number,
            heading,
            lines,
            seconds,
            source_line,
        } = record;
        SceneInfo {
            number,
            heading,
            lines,
            seconds,
            source_line,
        }
    }
}

fn normal_rate() -> u32 {
    crate::project::SpeechRate::default().0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footage_records_from_before_karaoke_read_as_plain_or_none() {
        let old = |captions: bool| {
            let json = format!(
                r#"{{"more":[],"music":null,"target":null,"cut":"both","captions":{captions}}}"#
            );
            FootageOptions::from(serde_json::from_str::<FootageV1>(&json).unwrap()).captions
        };
        assert_eq!(old(true), CaptionMode::Plain);
        assert_eq!(old(false), CaptionMode::None);
        for mode in [CaptionMode::Karaoke, CaptionMode::Plain, CaptionMode::None] {
            let options = FootageOptions {
                captions: mode,
                ..FootageOptions::default()
            };
            let stored = serde_json::to_string(&FootageV1::from(&options)).unwrap();
            let read = serde_json::from_str::<FootageV1>(&stored).unwrap();
            assert_eq!(FootageOptions::from(read).captions, mode);
        }
    }
}
