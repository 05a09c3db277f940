//! Timeline × profile → finished, verified files.
//!
//! [`render_file`] runs the stages in order: read the input (script or edit spec), speak the
//! lines, choose visuals, plan the timeline, check every input file, mix the audio once, then
//! for each profile build the graph, play it into a temp file, verify it, and rename it into
//! place beside its `.srt` and `.vtt`. A failure leaves nothing at the output paths.

pub mod audio;
pub mod cache;
pub mod card;
pub mod encode;
pub mod error;
pub mod graph;
pub mod image_header;
pub mod loudness;
pub mod pipeline;
pub mod probe;
pub mod profile;
pub mod transitions;
pub mod visuals;
pub mod voice;
pub mod wav;

use crate::plan::timeline::{Source, Timeline};
use crate::plan::{captions, from_project, spec};
use crate::project::Project;
use crate::script::{self, brief, Failure, Warning};
pub use cache::Cache;
pub use error::RenderError;
use graph::ClipMedia;
use profile::Profile;
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

    /// Where `profile`'s file of `input` goes; `variation` (when not 0) adds `-v<n>`.
    fn path_for(&self, input: &Path, profile: &Profile, single: bool, variation: u32) -> PathBuf {
        let ext = profile.container.format.extension();
        let stem = |p: &Path| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "reel".into());
            if variation > 0 {
                format!("{stem}-v{variation}")
            } else {
                stem
            }
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

/// What the caller hears about while a render runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A stage starts; `total` is its amount of work (lines, seconds of video).
    Stage { name: String, total: f64 },
    /// Work done in the current stage, in the same unit.
    Advance(f64),
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub path: PathBuf,
    pub subtitles: Vec<PathBuf>,
    pub profile: String,
    pub width: u32,
    pub height: u32,
    pub duration: f64,
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
}

/// A timeline with, for each clip, the place to name in messages about it.
struct Planned {
    timeline: Timeline,
    places: Vec<String>,
    warnings: Vec<Warning>,
}

/// Whether `input` is read as an edit spec or brief (by extension) rather than a script.
pub fn is_edit_file(input: &Path) -> bool {
    spec::is_spec(input)
}

/// Choices about how a script becomes a video.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Which version of an ad brief (from 1; 0 renders a brief's first version under the plain
    /// name); other inputs ignore it.
    pub variation: u32,
    /// Read each scene's action aloud instead of only showing it.
    pub narrate_action: bool,
}

/// Renders `input` to every profile.
pub fn render_file(
    input: &Path,
    profiles: &[Profile],
    output: &Output,
    cache: &Cache,
    options: Options,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, RenderError> {
    let variation = options.variation;
    let started = Instant::now();
    pipeline::init()?;
    let text = read_text(input)?;
    let planned = if spec::is_spec(input) && brief::is_brief(&text, input) {
        let error = |failure: Failure| failure.in_file(input, &text);
        let brief = brief::parse(&text, input).map_err(error)?;
        let dir = input.parent().unwrap_or(Path::new("."));
        let mut project = brief::expand(&brief, variation.max(1), dir).map_err(error)?;
        project.assign_voices();
        plan_project(input, project, Vec::new(), cache, progress)?
    } else if spec::is_spec(input) {
        let timeline = spec::load(input)?;
        let places = (0..timeline.clips.len())
            .map(|i| format!("{}: clips[{i}]: ", input.display()))
            .collect();
        Planned {
            timeline,
            places,
            warnings: Vec::new(),
        }
    } else {
        let mut parsed = script::parse(&text, input)?;
        if options.narrate_action {
            parsed.project.narrate_action();
        }
        plan_project(input, parsed.project, parsed.warnings, cache, progress)?
    };
    let timeline = &planned.timeline;
    check_media(timeline, &planned.places)?;

    progress(Progress::Stage {
        name: "audio".into(),
        total: 1.0,
    });
    let duration = timeline.duration();
    let mix = audio::mix(&timeline.audio, duration, cache)?;
    progress(Progress::Advance(1.0));

    let mut outputs = Vec::new();
    for profile in profiles {
        let path = output.path_for(input, profile, profiles.len() == 1, variation);
        outputs.push(render_profile(
            &planned, profile, &mix.path, &path, cache, progress,
        )?);
    }
    Ok(Report {
        outputs,
        warnings: planned.warnings,
        duration,
        clips: timeline.clips.len(),
        loudness: mix.loudness,
        elapsed: started.elapsed(),
    })
}

fn read_text(input: &Path) -> Result<String, RenderError> {
    let bytes = std::fs::read(input).map_err(|e| RenderError::io(input, e))?;
    String::from_utf8(bytes).map_err(|e| RenderError::Input {
        path: input.to_path_buf(),
        message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })
}

/// Project → speech → visuals → timeline.
fn plan_project(
    input: &Path,
    project: Project,
    warnings: Vec<Warning>,
    cache: &Cache,
    progress: &mut dyn FnMut(Progress),
) -> Result<Planned, RenderError> {
    let project = &project;
    let lines: usize = project.scenes.iter().map(|s| s.lines.len()).sum();
    progress(Progress::Stage {
        name: "voice".into(),
        total: lines as f64,
    });
    let mut done = 0.0;
    let mut speech = Vec::new();
    for scene in &project.scenes {
        let mut spoken = Vec::new();
        for line in &scene.lines {
            spoken.push(
                voice::speak(&line.text, &project.voice_of(&line.character), cache).map_err(
                    |e| RenderError::Input {
                        path: input.to_path_buf(),
                        message: format!("line {}: cannot speak it: {e}", line.source_line),
                    },
                )?,
            );
            done += 1.0;
            progress(Progress::Advance(done));
        }
        speech.push(spoken);
    }
    let dir = input.parent().unwrap_or(Path::new("."));
    let visuals = project
        .scenes
        .iter()
        .enumerate()
        .map(|(i, s)| visuals::for_scene(s, i, &project.style, dir))
        .collect();
    let timeline = from_project::timeline(project, &speech, visuals);
    let places = project
        .scenes
        .iter()
        .map(|s| {
            format!(
                "{}:{}: scene {}: ",
                input.display(),
                s.source_line,
                s.number
            )
        })
        .collect();
    Ok(Planned {
        timeline,
        places,
        warnings,
    })
}

/// Every picture and video decodes before any work starts.
fn check_media(timeline: &Timeline, places: &[String]) -> Result<(), RenderError> {
    for (clip, place) in timeline.clips.iter().zip(places) {
        match &clip.source {
            Source::Image { path } => {
                probe::image_size(path, place)?;
            }
            Source::Video { path, .. } => {
                graph::video_size(path, place)?;
            }
            Source::Card { .. } => {}
        }
    }
    Ok(())
}

/// Title cards typeset at the profile's size; images and videos as they are.
fn clip_media(
    timeline: &Timeline,
    profile: &Profile,
    cache: &Cache,
) -> Result<Vec<ClipMedia>, RenderError> {
    timeline
        .clips
        .iter()
        .map(|clip| {
            Ok(match &clip.source {
                Source::Image { path } => ClipMedia::Still(path.clone()),
                Source::Card {
                    title,
                    subtitle,
                    background,
                    text_color,
                } => {
                    let card = card::Card {
                        title,
                        subtitle,
                        background,
                        text_color: *text_color,
                    };
                    ClipMedia::Still(card::render(&card, profile.width, profile.height, cache)?)
                }
                Source::Video { path, in_s } => ClipMedia::Video {
                    path: path.clone(),
                    in_s: *in_s,
                    size: graph::video_size(path, "")?,
                },
            })
        })
        .collect()
}

fn render_profile(
    planned: &Planned,
    profile: &Profile,
    mix: &Path,
    path: &Path,
    cache: &Cache,
    progress: &mut dyn FnMut(Progress),
) -> Result<Rendered, RenderError> {
    let timeline = &planned.timeline;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::io(dir, e))?;
    }
    let media = clip_media(timeline, profile, cache)?;
    let temp = cache::temp_path(path);
    let duration = timeline.duration();
    progress(Progress::Stage {
        name: profile.name.clone(),
        total: duration,
    });
    let result = (|| {
        let mut graph = graph::build(&graph::Job {
            timeline,
            media: &media,
            profile,
            mix,
            output: &temp,
        })?;
        graph.preroll()?;
        let position = graph.position.clone();
        let pipeline = graph.pipeline.clone();
        pipeline::run(&pipeline, "rendering", || {
            graph.close_finished();
            progress(Progress::Advance(position.seconds().min(duration)));
        })
        .map_err(|err| blame_clip(err, &graph, planned))?;
        verify(&temp, profile, duration)
    })();
    let rendered = result.and_then(|()| {
        std::fs::rename(&temp, path).map_err(|e| RenderError::io(path, e))?;
        write_subtitles(timeline, path)
    });
    match rendered {
        Ok(subtitles) => Ok(Rendered {
            path: path.to_path_buf(),
            subtitles,
            profile: profile.name.clone(),
            width: profile.width,
            height: profile.height,
            duration,
        }),
        Err(err) => {
            let _ = std::fs::remove_file(&temp);
            Err(err)
        }
    }
}

/// A decoder failing inside a clip's branch is that clip's file's fault: say which.
fn blame_clip(err: RenderError, graph: &graph::Graph, planned: &Planned) -> RenderError {
    let RenderError::Pipeline {
        element, message, ..
    } = &err
    else {
        return err;
    };
    let Some(clip) = graph.clip_of(element) else {
        return err;
    };
    match &planned.timeline.clips[clip].source {
        Source::Image { path } | Source::Video { path, .. } => RenderError::Image {
            place: planned.places[clip].clone(),
            path: path.clone(),
            reason: format!("decoding failed: {message}"),
        },
        Source::Card { .. } => err,
    }
}

/// `.srt` and `.vtt` beside the video.
fn write_subtitles(timeline: &Timeline, video: &Path) -> Result<Vec<PathBuf>, RenderError> {
    if timeline.captions.is_empty() {
        return Ok(Vec::new());
    }
    let files = [
        (
            video.with_extension("srt"),
            captions::to_srt(&timeline.captions),
        ),
        (
            video.with_extension("vtt"),
            captions::to_vtt(&timeline.captions),
        ),
    ];
    for (path, text) in &files {
        cache::write_atomic(path, text.as_bytes()).map_err(|e| RenderError::io(path, e))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The file holds what the profile promised, for as long as the timeline runs.
fn verify(path: &Path, profile: &Profile, duration: f64) -> Result<(), RenderError> {
    let fail = |problem: String| RenderError::Verify {
        path: path.to_path_buf(),
        problem,
    };
    let info = probe::probe(path).map_err(fail)?;
    let video = info.video.ok_or_else(|| fail("no video stream".into()))?;
    if (video.width, video.height) != (profile.width, profile.height) {
        return Err(fail(format!(
            "video is {}x{}, not {}x{}",
            video.width, video.height, profile.width, profile.height
        )));
    }
    if info.audio.is_none() {
        return Err(fail("no audio stream".into()));
    }
    if (info.duration - duration).abs() > 0.1 {
        return Err(fail(format!(
            "lasts {:.3} s, the timeline {:.3} s",
            info.duration, duration
        )));
    }
    Ok(())
}
