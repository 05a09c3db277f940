//! Timeline × profile → finished, verified files.
//!
//! [`render_file`] runs the [`stages`] in order: read the input (script or edit spec), speak the
//! lines, choose visuals, plan the timeline, keep its clips to the profiles' frame grid, check
//! every input file, mix the audio once, then for each profile ([`output`]) encode the
//! [`segments`] not already cached, join them with the sound into a temp file, verify it, and
//! rename it into place beside its `.srt` and `.vtt`. A failure leaves nothing at the output
//! paths. The job engine runs the same stages one by one, saving each result.

pub mod audio;
pub mod cache;
pub mod caption_layout;
pub mod caption_overlay;
pub mod card;
pub mod encode;
pub mod error;
pub mod graph;
pub mod heard;
pub mod image_header;
pub mod loudness;
pub mod otio;
pub mod output;
pub mod pipeline;
pub mod png;
pub mod probe;
pub mod profile;
pub mod reframe;
pub mod seek;
pub mod segments;
pub mod stages;
pub mod transitions;
pub mod visuals;
pub mod voice;
pub mod watermark;
pub mod wav;

use crate::plan::spec;
use crate::script::Warning;
pub use cache::{write_atomic, Cache};
pub use error::RenderError;
pub use output::Rendered;
pub use pipeline::Cancel;
use profile::Profile;
use stages::{Parsed, Planned};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where rendered files go.
#[derive(Debug, Clone)]
pub enum Output {
    /// A folder: files are named `<input>-<profile>.<ext>`.
    Folder(PathBuf),
    /// One file (with several profiles, `<stem>-<profile>.<ext>` beside it).
    File(PathBuf),
}

impl Output {
    /// A path with a media extension is a file, anything else a folder.
    pub fn from_arg(path: &Path) -> Output {
        match path.extension().and_then(|e| e.to_str()) {
            Some("mp4" | "mkv" | "m4v") => Output::File(path.to_path_buf()),
            _ => Output::Folder(path.to_path_buf()),
        }
    }

    /// The folder the files go into.
    pub fn folder(&self) -> PathBuf {
        match self {
            Output::Folder(dir) => dir.clone(),
            Output::File(file) => file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        }
    }

    /// Where `profile`'s file of `input` goes; `variation` (when not 0) adds `-v<n>`.
    pub fn path_for(
        &self,
        input: &Path,
        profile: &Profile,
        single: bool,
        variation: u32,
    ) -> PathBuf {
        let ext = profile.container.format.extension();
        let stem = |p: &Path| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "reel".into());
            variation_name(stem, variation)
        };
        match self {
            Output::File(file) if single => file.with_file_name(format!("{}.{ext}", stem(file))),
            Output::File(file) => {
                file.with_file_name(format!("{}-{}.{ext}", stem(file), profile.name))
            }
            Output::Folder(dir) => dir.join(format!("{}-{}.{ext}", stem(input), profile.name)),
        }
    }
}

/// `stem` of version `variation` of an ad: `-v<n>` added, except for version 0.
pub fn variation_name(stem: String, variation: u32) -> String {
    if variation > 0 {
        format!("{stem}-v{variation}")
    } else {
        stem
    }
}

/// What the caller hears about while a render runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A stage starts; `total` is its amount of work (lines, seconds of video).
    Stage { name: String, total: f64 },
    /// Work done in the current stage, in the same unit.
    Advance(f64),
}

#[derive(Debug, Clone)]
pub struct Report {
    pub outputs: Vec<Rendered>,
    pub warnings: Vec<Warning>,
    /// Length of the timeline, seconds.
    pub duration: f64,
    /// Clips on the timeline (one per scene for scripts).
    pub clips: usize,
    /// Integrated loudness of the sound track, LUFS.
    pub loudness: Option<f64>,
    pub elapsed: Duration,
    /// What was rendered, for an `.otio` export of it.
    pub timeline: crate::plan::timeline::Timeline,
}

/// Whether `input` is read as an edit spec or brief (by extension) rather than a script.
pub fn is_edit_file(input: &Path) -> bool {
    spec::is_spec(input)
}

/// Choices about how a script becomes a video.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Options {
    /// Which version of an ad brief (from 1; 0 renders a brief's first version under the plain
    /// name); other inputs ignore it.
    pub variation: u32,
    /// Read each scene's action aloud instead of only showing it.
    pub narrate_action: bool,
    /// Speak with espeak-ng even when a neural voice model is active.
    pub espeak: bool,
    /// How fast the voices speak.
    pub speech_rate: crate::project::SpeechRate,
}

impl Options {
    /// The synthesiser these options ask for: espeak-ng, or the registry's active voice.
    pub fn voice_engine(&self) -> voice::Engine {
        if self.espeak {
            voice::Engine::Espeak
        } else {
            voice::Engine::current()
        }
    }
}

/// Renders `input` to every profile, in this process, in one go.
pub fn render_file(
    input: &Path,
    profiles: &[Profile],
    output: &Output,
    cache: &Cache,
    options: Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, RenderError> {
    let started = Instant::now();
    let cancel = Cancel::default();
    pipeline::init()?;
    let planned = match stages::read(input, options)? {
        Parsed::Script(script) => {
            let engine = options.voice_engine();
            let speech = stages::speak(&script, &engine, cache, &cancel, progress)?;
            let visuals = stages::visuals(&script);
            stages::plan(&script, &speech, visuals)?
        }
        Parsed::Spec(planned) => {
            stages::check_media(&planned)?;
            planned
        }
    };
    let destination = Destination {
        named_after: input,
        profiles,
        output,
        variation: options.variation,
    };
    let mut report = render_planned(planned, &destination, cache, &cancel, progress)?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The mouth-shape track of every speaking character of the script `input`, over the timeline a
/// render of it would have: the script read and its lines spoken (cached, as a render does),
/// nothing drawn or encoded.
pub fn visemes_file(
    input: &Path,
    cache: &Cache,
    options: Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<crate::lipsync::script::Track>, RenderError> {
    let cancel = Cancel::default();
    pipeline::init()?;
    let Parsed::Script(script) = stages::read(input, options)? else {
        return Err(RenderError::Input {
            path: input.to_path_buf(),
            message: "an edit spec has no lines to speak; visemes come from a script".into(),
        });
    };
    let engine = options.voice_engine();
    let speech = stages::speak(&script, &engine, cache, &cancel, progress)?;
    // What the scenes show does not move the lines; only their times are needed.
    let timeline =
        crate::plan::from_project::timeline(&script.project, &speech, stages::visuals(&script));
    Ok(crate::lipsync::script::tracks(
        &script.project,
        &speech,
        &timeline,
    ))
}

/// Where a render's files go: one per profile, under `output`, named after an input file.
pub struct Destination<'a> {
    pub named_after: &'a Path,
    pub profiles: &'a [Profile],
    pub output: &'a Output,
    /// Which version of an ad (0 for anything else), for `-v<n>` in the names.
    pub variation: u32,
}

/// Mixes and encodes a planned timeline to every profile of `destination`.
pub fn render_planned(
    planned: Planned,
    destination: &Destination<'_>,
    cache: &Cache,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, RenderError> {
    let started = Instant::now();
    let planned = stages::on_frames(planned, destination.profiles);
    let mix = stages::mix(&planned, cache, cancel, progress)?;
    let mut outputs = Vec::new();
    let profiles = destination.profiles;
    for profile in profiles {
        let path = destination.output.path_for(
            destination.named_after,
            profile,
            profiles.len() == 1,
            destination.variation,
        );
        outputs.push(output::render_profile(
            &planned, profile, &mix.path, &path, cache, cancel, progress,
        )?);
    }
    let timeline = &planned.timeline;
    Ok(Report {
        outputs,
        warnings: planned.warnings,
        duration: timeline.duration(),
        clips: timeline.clips.len(),
        loudness: mix.loudness,
        elapsed: started.elapsed(),
        timeline: timeline.clone(),
    })
}
