//! The steps from an input file to a mixed, planned timeline, each with a result that can be
//! saved and read back, so a job can stop after any of them and go on later.
//!
//! `read` (parse) → `speak` (voice) → `visuals` → `plan` → `mix` (music), then
//! [`super::output::render_profile`] per profile.

use super::audio::{self, Mix};
use super::cache::Cache;
use super::error::RenderError;
use super::pipeline::Cancel;
use super::{graph, probe, visuals, voice, Options, Progress};
use crate::plan::from_project::{self, Speech};
use crate::plan::spec;
use crate::plan::timeline::{Source, Timeline};
use crate::project::Project;
use crate::script::{self, brief, Failure, Warning};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What an input file says, before anything is made from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Parsed {
    /// A script or brief: scenes and lines still to be spoken and shown.
    Script(Script),
    /// An edit spec: the timeline itself.
    Spec(Planned),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Script {
    pub project: Project,
    /// The file it came from, named in messages.
    pub input: PathBuf,
    /// Where its relative picture names are looked up.
    pub base: PathBuf,
    /// `plain`, `fountain`, `markdown` or `brief`.
    #[serde(default)]
    pub format: String,
    pub warnings: Vec<Warning>,
}

/// A timeline with, for each clip, the place to name in messages about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Planned {
    pub timeline: Timeline,
    pub places: Vec<String>,
    pub warnings: Vec<Warning>,
}

impl Parsed {
    /// How many lines the voice stage speaks.
    pub fn lines(&self) -> usize {
        match self {
            Parsed::Script(script) => script.project.scenes.iter().map(|s| s.lines.len()).sum(),
            Parsed::Spec(_) => 0,
        }
    }
}

/// Reads `input`: a script, an ad brief (version `options.variation`) or an edit spec.
pub fn read(input: &Path, options: Options) -> Result<Parsed, RenderError> {
    let base = input.parent().unwrap_or(Path::new(".")).to_path_buf();
    let text = read_text(input)?;
    if spec::is_spec(input) && brief::is_brief(&text, input) {
        let error = |failure: Failure| failure.in_file(input, &text);
        let brief = brief::parse(&text, input).map_err(error)?;
        let mut project = brief::expand(&brief, options.variation.max(1), &base).map_err(error)?;
        refuse_nul(input, &project)?;
        project.assign_voices();
        Ok(Parsed::Script(Script {
            project,
            input: input.to_path_buf(),
            base,
            format: "brief".into(),
            warnings: Vec::new(),
        }))
    } else if spec::is_spec(input) {
        let timeline = spec::load(input)?;
        refuse_nul(input, &timeline)?;
        let places = (0..timeline.clips.len())
            .map(|i| format!("{}: clips[{i}]: ", input.display()))
            .collect();
        Ok(Parsed::Spec(Planned {
            timeline,
            places,
            warnings: Vec::new(),
        }))
    } else {
        let mut parsed = script::parse(&text, input)?;
        check_consent(&parsed.project)?;
        parsed.project.speech_rate = options.speech_rate;
        if options.narrate_action {
            parsed.project.narrate_action();
        }
        Ok(Parsed::Script(Script {
            project: parsed.project,
            input: input.to_path_buf(),
            base,
            format: script::Format::detect(&text, input).name().into(),
            warnings: parsed.warnings,
        }))
    }
}

/// Every real person's portrait has consent in force, before any work is done (the render
/// checks again as it draws them).
fn check_consent(project: &Project) -> Result<(), RenderError> {
    for portrait in project.portraits.iter().filter(|p| !p.fictional) {
        require_consent(&portrait.character, &portrait.path)?;
    }
    Ok(())
}

/// Consent in force to show `character`'s portrait at `path`, or the error naming them.
pub(super) fn require_consent(character: &str, path: &Path) -> Result<(), RenderError> {
    crate::consent::check(path).map_err(|reason| RenderError::Consent {
        character: character.to_string(),
        path: path.to_path_buf(),
        reason,
    })
}

fn read_text(input: &Path) -> Result<String, RenderError> {
    let bytes = std::fs::read(input).map_err(|e| RenderError::io(input, e))?;
    let text = String::from_utf8(bytes).map_err(|e| RenderError::Input {
        path: input.to_path_buf(),
        message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })?;
    // No text format has a use for NUL, and a title holding one could not be sent on D-Bus.
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        return Err(RenderError::Input {
            path: input.to_path_buf(),
            message: format!("line {line}: a NUL byte; this is not a text file"),
        });
    }
    Ok(text)
}

/// Refuses a brief or spec whose strings hold NUL (TOML and JSON can escape one in), which
/// no title, caption or line has a use for.
fn refuse_nul(input: &Path, parsed: &impl serde::Serialize) -> Result<(), RenderError> {
    let json = serde_json::to_string(parsed).unwrap_or_default();
    if json.contains("\\u0000") {
        return Err(RenderError::Input {
            path: input.to_path_buf(),
            message: "a text in it holds a NUL character (\\u0000)".into(),
        });
    }
    Ok(())
}

/// Speaks every line: `speech[scene][line]`. Reports one unit of progress per line.
pub fn speak(
    script: &Script,
    engine: &voice::Engine,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Vec<Speech>>, RenderError> {
    let project = &script.project;
    let lines: usize = project.scenes.iter().map(|s| s.lines.len()).sum();
    progress(Progress::Stage {
        name: "voice".into(),
        total: lines as f64,
    });
    tracing::info!(engine = engine.name(), "voice");
    let mut done = 0.0;
    let mut speech = Vec::new();
    for scene in &project.scenes {
        let mut spoken = Vec::new();
        for line in &scene.lines {
            cancel.check()?;
            let voice = project.voice_of(&line.character);
            spoken.push(
                voice::speak(&line.text, &voice, engine, cache).map_err(|e| {
                    RenderError::Input {
                        path: script.input.clone(),
                        message: format!("line {}: cannot speak it: {e}", line.source_line),
                    }
                })?,
            );
            done += 1.0;
            progress(Progress::Advance(done));
        }
        speech.push(spoken);
    }
    Ok(speech)
}

/// What each scene shows: its picture, or a title card.
pub fn visuals(script: &Script) -> Vec<Source> {
    let project = &script.project;
    project
        .scenes
        .iter()
        .map(|s| visuals::for_scene(s, &project.style, &script.base))
        .collect()
}

/// Project + speech + visuals → the timeline, every input file checked.
pub fn plan(
    script: &Script,
    speech: &[Vec<Speech>],
    visuals: Vec<Source>,
) -> Result<Planned, RenderError> {
    let project = &script.project;
    let mut timeline = from_project::timeline(project, speech, visuals);
    crate::lipsync::script::show_talking(project, speech, &mut timeline);
    let places = project
        .scenes
        .iter()
        .map(|s| {
            format!(
                "{}:{}: scene {}: ",
                script.input.display(),
                s.source_line,
                s.number
            )
        })
        .collect();
    let planned = Planned {
        timeline,
        places,
        warnings: script.warnings.clone(),
    };
    check_media(&planned)?;
    Ok(planned)
}

/// Every picture and video decodes before any work starts.
pub fn check_media(planned: &Planned) -> Result<(), RenderError> {
    for (clip, place) in planned.timeline.clips.iter().zip(&planned.places) {
        match &clip.source {
            Source::Image { path } => {
                probe::image_size(path, place)?;
            }
            Source::Portraits { faces } => {
                for face in faces {
                    probe::image_size(&face.path, place)?;
                }
            }
            Source::Video { path, .. } => {
                graph::video_size(path, place)?;
            }
            Source::Card { .. } => {}
        }
    }
    Ok(())
}

/// The sound track: voices, the music bed under them, normalised.
/// `planned` with its clips kept to the frames of every profile in `profiles`
/// ([`super::segments::split::on_grid`]), as it is mixed and rendered.
pub fn on_frames(planned: Planned, profiles: &[super::profile::Profile]) -> Planned {
    use super::segments::split;
    let grid = split::common_rate(profiles.iter().map(|p| p.fps));
    Planned {
        timeline: split::on_grid(&planned.timeline, grid),
        ..planned
    }
}

pub fn mix(
    planned: &Planned,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Mix, RenderError> {
    progress(Progress::Stage {
        name: "audio".into(),
        total: 1.0,
    });
    let timeline = &planned.timeline;
    let mix = audio::mix(&timeline.audio, timeline.duration(), cache, cancel)?;
    progress(Progress::Advance(1.0));
    Ok(mix)
}
