//! `reel edit`: footage in, a finished cut out — probe every file, hear what is said, find the
//! music's beats, plan the cut, and render it with the engine scripts use.

use super::probe::{self, Footage};
use super::transcribe::{self, Heard};
use super::{beats, FootageError};
use crate::plan::cuts::{self, Cut, Rules};
use crate::plan::from_footage::{self, FootageEdit, SoundPiece};
use crate::render::cache::{self, Cache};
use crate::render::stages::Planned;
use crate::render::{self, audio, Cancel, Destination, Progress, Report};
use std::path::PathBuf;

/// Which cuts the plan makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
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
    /// Burn captions of the kept words (and write .srt/.vtt).
    pub captions: bool,
    pub loudness_lufs: f64,
}

impl Default for EditOptions {
    fn default() -> EditOptions {
        EditOptions {
            music: None,
            target: None,
            cut: CutMode::default(),
            captions: true,
            loudness_lufs: -16.0,
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
    pub heard: Vec<Heard>,
    pub cut: Cut,
    /// Tempo of the music, when it has a beat.
    pub bpm: Option<f64>,
    pub render: Report,
}

/// Edits `sources` (played in order) into one video per profile of `destination`.
pub fn edit(
    sources: &[PathBuf],
    options: &EditOptions,
    destination: &Destination<'_>,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<EditReport, FootageError> {
    progress(stage("probe", sources.len()));
    let footage = sources
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let probed = probe::probe(path);
            progress(Progress::Advance((i + 1) as f64));
            probed
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(music) = &options.music {
        crate::render::probe::probe(music).map_err(|problem| FootageError::Unusable {
            path: music.clone(),
            problem,
        })?;
    }

    // What each file holds, for the cache keys of its transcript and sound.
    let contents = sources
        .iter()
        .map(|path| cache::sha256_file(path).map_err(|e| FootageError::io(path, e)))
        .collect::<Result<Vec<_>, _>>()?;

    progress(stage("transcribe", sources.len()));
    let mut heard = Vec::new();
    for (done, (item, content)) in footage.iter().zip(&contents).enumerate() {
        heard.push(match item.audio {
            Some(_) => {
                let samples = audio::decode_samples(&item.path, transcribe::RATE, 1, cancel)?;
                transcribe::transcribe(content, &samples, cache)?
            }
            None => Heard::default(),
        });
        progress(Progress::Advance((done + 1) as f64));
    }

    let rules = options.rules();
    let grid = match (&options.music, rules.snap > 0.0) {
        (Some(music), true) => {
            progress(stage("beats", 1));
            let grid = beats::of_file(music, cancel)?;
            progress(Progress::Advance(1.0));
            Some(grid)
        }
        _ => None,
    };

    progress(stage("plan", 1));
    let materials: Vec<cuts::Material> = footage
        .iter()
        .zip(&heard)
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
    let beat_grid = grid.as_ref().map_or(&[][..], |g| &g.beats[..]);
    let cut = cuts::plan(&materials, &rules, beat_grid)?;
    let pieces = from_footage::sound_pieces(&cut, &heard);
    let sound = sound_files(&footage, &contents, &pieces, cache, cancel)?;
    progress(Progress::Advance(1.0));

    let name = sources[0]
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let timeline = from_footage::timeline(FootageEdit {
        name,
        sources,
        heard: &heard,
        cut: &cut,
        sound,
        music: options.music.clone(),
        captions: options.captions,
        loudness_lufs: options.loudness_lufs,
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
    let planned = Planned {
        timeline,
        places,
        warnings: Vec::new(),
    };
    let render = render::render_planned(planned, destination, cache, cancel, progress)?;
    Ok(EditReport {
        footage,
        heard,
        cut,
        bpm: grid.map(|g| g.bpm).filter(|bpm| *bpm > 0.0),
        render,
    })
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
    footage: &[Footage],
    contents: &[String],
    pieces: &[SoundPiece],
    cache: &Cache,
    cancel: &Cancel,
) -> Result<Vec<(SoundPiece, PathBuf)>, FootageError> {
    let mut out = Vec::with_capacity(pieces.len());
    let mut decoded: Option<(usize, Vec<f32>)> = None;
    let channels = audio::CHANNELS as usize;
    let rate = f64::from(audio::RATE);
    for piece in pieces {
        let item = &footage[piece.source];
        if item.audio.is_none() {
            continue;
        }
        let content = &contents[piece.source];
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
