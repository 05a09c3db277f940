//! `reel edit`: footage in, a finished cut out — probe every file, hear what is said, find the
//! music's beats, plan the cut, and render it with the engine scripts use.

use super::beats::{self, Grid};
use super::probe::{self, Footage};
use super::reframe::{self, Reframed};
use super::shots::{self, Shots};
use super::shots_cache;
use super::timing::{timed, StageTime};
use super::transcribe::{self, Heard};
use super::FootageError;
use crate::plan::captions;
use crate::plan::cuts::{self, Cut, Rules};
use crate::plan::from_footage::{self, FootageEdit, SoundPiece};
use crate::plan::timeline::{CaptionMode, Watermark};
use crate::render::cache::{self, Cache};
use crate::render::stages::Planned;
use crate::render::{self, audio, Cancel, Destination, Progress, Report};
use crate::script::Warning;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The profile an edit renders to unless told otherwise: a vertical short.
pub const PROFILE: &str = "shorts-1080x1920";

/// Which cuts the plan makes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum CutMode {
    /// Long silences out, no snapping.
    Silence,
    /// Everything kept (but for the target), cuts moved onto beats.
    Beats,
    /// Silences out and cuts onto beats.
    #[default]
    Both,
    /// Only what the target needs.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EditOptions {
    pub music: Option<PathBuf>,
    /// Longest output, seconds.
    pub target: Option<f64>,
    pub cut: CutMode,
    /// Captions of the kept words, burned in (and written as .srt/.vtt unless none).
    pub captions: CaptionMode,
    pub loudness_lufs: f64,
    pub watermark: Option<Watermark>,
}

impl Default for EditOptions {
    fn default() -> EditOptions {
        EditOptions {
            music: None,
            target: None,
            cut: CutMode::default(),
            captions: CaptionMode::default(),
            loudness_lufs: -16.0,
            watermark: None,
        }
    }
}

impl EditOptions {
    fn rules(&self) -> Rules {
        let base = Rules {
            target: self.target,
            ..Rules::default()
        };
        let silence = matches!(self.cut, CutMode::Silence | CutMode::Both);
        let snap = matches!(self.cut, CutMode::Beats | CutMode::Both) && self.music.is_some();
        Rules {
            silence: if silence { base.silence } else { 0.0 },
            snap: if snap { base.snap } else { 0.0 },
            ..base
        }
    }
}

/// What the edit found and did, beside the render's report.
#[derive(Debug, Clone)]
pub struct EditReport {
    pub footage: Vec<Footage>,
    /// Per file: its shots, their thumbnails and the contact sheet.
    pub shots: Vec<Shots>,
    pub heard: Vec<Heard>,
    pub cut: Cut,
    /// Tempo of the music, when it has a beat.
    pub bpm: Option<f64>,
    /// The windows cut for frames of another shape.
    pub reframed: Vec<Reframed>,
    pub render: Report,
    /// How long each stage took.
    pub times: Vec<StageTime>,
}

/// Edits `sources` (played in order) into one video per profile of `destination`, in this
/// process: the stages a footage job runs, one after another.
pub fn edit(
    sources: &[PathBuf],
    options: &EditOptions,
    destination: &Destination<'_>,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<EditReport, FootageError> {
    let mut times = Vec::new();
    let t = &mut times;
    let probed = timed(t, "probe", || probe_all(sources, options, progress))?;
    let folder = destination.output.folder();
    let shots = timed(t, "shots", || {
        find_shots(&probed, &folder, cache, cancel, progress)
    })?;
    let heard = timed(t, "transcribe", || {
        hear_all(&probed, cache, cancel, progress)
    })?;
    let grid = timed(t, "beats", || beat_grid(options, cancel, progress))?;
    let analysis = Analysis {
        probed,
        shots,
        heard,
        grid,
    };
    let edit = timed(t, "plan", || {
        plan(&analysis, options, cache, cancel, progress)
    })?;
    let reframed = timed(t, "reframe", || {
        reframe_all(&analysis, &edit, destination, progress)
    })?;
    let render = timed(t, "render", || {
        render::render_planned(edit.planned, destination, cache, cancel, progress)
    })?;
    Ok(EditReport {
        times,
        footage: analysis.probed.footage,
        shots: analysis.shots,
        heard: analysis.heard,
        cut: edit.cut,
        bpm: analysis.grid.map(|g| g.bpm).filter(|bpm| *bpm > 0.0),
        reframed,
        render,
    })
}

/// The `probe` stage's result: each file as read, and its content hash (the cache key of its
/// transcript and sound).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probed {
    pub footage: Vec<Footage>,
    pub contents: Vec<String>,
}

/// Reads every file (and the music) or says which one cannot be edited and why.
pub fn probe_all(
    sources: &[PathBuf],
    options: &EditOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Probed, FootageError> {
    progress(stage("probe", sources.len()));
    let mut footage = Vec::with_capacity(sources.len());
    let mut contents = Vec::with_capacity(sources.len());
    for (done, path) in sources.iter().enumerate() {
        footage.push(probe::probe(path)?);
        contents.push(cache::sha256_file(path).map_err(|e| FootageError::io(path, e))?);
        progress(Progress::Advance((done + 1) as f64));
    }
    if let Some(music) = &options.music {
        let info =
            crate::render::probe::probe(music).map_err(|problem| FootageError::Unusable {
                path: music.clone(),
                problem: format!("not music GStreamer can read ({problem})"),
            })?;
        if info.audio.is_none() {
            return Err(FootageError::Unusable {
                path: music.clone(),
                problem: "no sound in it".into(),
            });
        }
    }
    Ok(Probed { footage, contents })
}

/// The `shots` stage: each file's shots, with thumbnails and a contact sheet in `folder`;
/// cached per file content and face model.
pub fn find_shots(
    probed: &Probed,
    folder: &std::path::Path,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Shots>, FootageError> {
    progress(stage("shots", probed.footage.len()));
    // Without a face model the shots are still found; reframing then keeps to the centre.
    let registry = crate::models::Registry::locate();
    let model = registry.active_for("face");
    let faces = model.as_ref().map(|model| registry.model_dir(&model.id));
    let model_id = model.map(|m| m.id).unwrap_or_default();
    let mut all = Vec::new();
    for (done, (item, content)) in probed.footage.iter().zip(&probed.contents).enumerate() {
        let entry = cache.path(
            "shots",
            &[
                content.as_bytes(),
                model_id.as_bytes(),
                shots::CACHE_VERSION.as_bytes(),
            ],
            "shots",
        );
        let found = match shots_cache::load(&entry, folder, &shots::stem(item))? {
            Some(found) => found,
            None => {
                if faces.is_some() {
                    crate::models::runtime().map_err(|e| FootageError::Model(e.to_string()))?;
                }
                let found = shots::detect(item, folder, faces.as_deref(), cancel)?;
                shots_cache::store(&entry, &found);
                found
            }
        };
        all.push(found);
        progress(Progress::Advance((done + 1) as f64));
    }
    Ok(all)
}

/// The `transcribe` stage: what is heard in each file (nothing in a file without sound).
pub fn hear_all(
    probed: &Probed,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Heard>, FootageError> {
    progress(stage("transcribe", probed.footage.len()));
    let mut heard = Vec::new();
    for (done, (item, content)) in probed.footage.iter().zip(&probed.contents).enumerate() {
        heard.push(match item.audio {
            Some(_) => {
                let samples = audio::decode_samples(&item.path, transcribe::RATE, 1, cancel)?;
                transcribe::transcribe(content, &samples, cache)?
            }
            None => Heard::default(),
        });
        progress(Progress::Advance((done + 1) as f64));
    }
    Ok(heard)
}

/// The `beats` stage: the music's grid, when there is music and the cut snaps to it.
pub fn beat_grid(
    options: &EditOptions,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Option<Grid>, FootageError> {
    progress(stage("beats", 1));
    let grid = match (&options.music, options.rules().snap > 0.0) {
        (Some(music), true) => Some(beats::of_file(music, cancel)?),
        _ => None,
    };
    progress(Progress::Advance(1.0));
    Ok(grid)
}

/// Everything the analysis stages found.
pub struct Analysis {
    pub probed: Probed,
    pub shots: Vec<Shots>,
    pub heard: Vec<Heard>,
    pub grid: Option<Grid>,
}

/// The `plan` stage's result: the timeline to render and the cut it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedEdit {
    pub planned: Planned,
    pub cut: Cut,
    /// The footage's sound, cut into the pieces the timeline plays.
    pub sound: Vec<PathBuf>,
}

/// Plans the cut and writes the pieces of sound it plays.
pub fn plan(
    analysis: &Analysis,
    options: &EditOptions,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<PlannedEdit, FootageError> {
    progress(stage("plan", 1));
    let footage = &analysis.probed.footage;
    let heard = &analysis.heard;
    let materials: Vec<cuts::Material> = footage
        .iter()
        .zip(heard)
        .map(|(item, heard)| cuts::Material {
            duration: item.duration,
            speech: heard.speech.clone(),
            sentences: heard
                .sentences
                .iter()
                .map(|s| (s.start, s.end, s.words.len()))
                .collect(),
        })
        .collect();
    let beat_grid = analysis.grid.as_ref().map_or(&[][..], |g| &g.beats[..]);
    let cut = cuts::plan(&materials, &options.rules(), beat_grid)?;
    let pieces = from_footage::sound_pieces(&cut, heard);
    let sound = sound_files(&analysis.probed, &pieces, cache, cancel)?;
    let sources: Vec<PathBuf> = footage.iter().map(|f| f.path.clone()).collect();
    let name = sources[0]
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sound_paths = sound.iter().map(|(_, path)| path.clone()).collect();
    let timeline = from_footage::timeline(FootageEdit {
        name,
        sources: &sources,
        shots: &analysis.shots,
        heard,
        cut: &cut,
        sound,
        music: options.music.clone(),
        captions: options.captions,
        loudness_lufs: options.loudness_lufs,
        watermark: options.watermark.clone(),
    });
    let places = cut
        .kept
        .iter()
        .map(|k| {
            format!(
                "{} {:.2}–{:.2} s: ",
                sources[k.source].display(),
                k.start,
                k.end
            )
        })
        .collect();
    let warnings = captions::too_fast(&timeline.captions)
        .map(|message| Warning { line: 0, message })
        .into_iter()
        .collect();
    progress(Progress::Advance(1.0));
    Ok(PlannedEdit {
        planned: Planned {
            timeline,
            places,
            warnings,
        },
        cut,
        sound: sound_paths,
    })
}

/// The `reframe` stage: each clip's window for every profile of another shape, written beside
/// the videos.
pub fn reframe_all(
    analysis: &Analysis,
    edit: &PlannedEdit,
    destination: &Destination<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Reframed>, FootageError> {
    progress(stage("reframe", 1));
    let sizes: Vec<(PathBuf, (u32, u32))> = analysis
        .probed
        .footage
        .iter()
        .map(|f| (f.path.clone(), f.shown_size()))
        .collect();
    let name = destination
        .named_after
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "footage".into());
    let reframed = reframe::reframe(
        &edit.planned.timeline,
        &sizes,
        destination.profiles,
        &destination.output.folder(),
        &name,
    )?;
    progress(Progress::Advance(1.0));
    Ok(reframed)
}

fn stage(name: &str, total: usize) -> Progress {
    Progress::Stage {
        name: name.into(),
        total: total as f64,
    }
}

/// Each piece of the footage's sound as a WAV in the cache, decoded once per file at the mix's
/// rate and cut at exact samples (so the pieces abut without a click), reused when it exists.
fn sound_files(
    probed: &Probed,
    pieces: &[SoundPiece],
    cache: &Cache,
    cancel: &Cancel,
) -> Result<Vec<(SoundPiece, PathBuf)>, FootageError> {
    let mut out = Vec::with_capacity(pieces.len());
    let mut decoded: Option<(usize, Vec<f32>)> = None;
    let channels = audio::CHANNELS as usize;
    let rate = f64::from(audio::RATE);
    for piece in pieces {
        let item = &probed.footage[piece.source];
        if item.audio.is_none() {
            continue;
        }
        let content = &probed.contents[piece.source];
        let first = (piece.start * rate).round() as usize;
        let last = (piece.end * rate).round() as usize;
        let path = cache.path(
            "footage-sound",
            &[
                content.as_bytes(),
                &(first as u64).to_le_bytes(),
                &(last as u64).to_le_bytes(),
            ],
            "wav",
        );
        if !path.is_file() {
            if decoded
                .as_ref()
                .is_none_or(|(source, _)| *source != piece.source)
            {
                let samples =
                    audio::decode_samples(&item.path, audio::RATE, audio::CHANNELS, cancel)?;
                decoded = Some((piece.source, samples));
            }
            let samples = &decoded.as_ref().map(|(_, s)| s).expect("decoded above");
            let frames = samples.len() / channels;
            let (a, b) = (first.min(frames), last.min(frames));
            render::wav::write(
                &path,
                audio::RATE,
                audio::CHANNELS as u16,
                &samples[a * channels..b * channels],
            )
            .map_err(|e| FootageError::io(&path, e))?;
        }
        let mut placed = *piece;
        placed.at = (placed.at * rate).round() / rate;
        out.push((placed, path));
    }
    Ok(out)
}
