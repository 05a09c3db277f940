//! One profile of a planned timeline → a verified file at its final path, with its subtitles.
//! The file is played into a temp name beside the target and renamed only once it checks out,
//! so the target path never holds a partial file.

use super::cache::{self, Cache};
use super::error::RenderError;
use super::graph::{self, ClipMedia, TalkingMedia, VideoMedia};
use super::pipeline::{self, Cancel};
use super::profile::Profile;
use super::segments::{self, SegmentRun};
use super::stages::Planned;
use super::{card, probe, Progress};
use crate::plan::captions;
use crate::plan::timeline::{Source, TalkingFace, Timeline};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rendered {
    pub path: PathBuf,
    pub subtitles: Vec<PathBuf>,
    pub profile: String,
    pub width: u32,
    pub height: u32,
    pub duration: f64,
    /// The segments it was joined from, and which of them this render encoded (empty for a
    /// timeline rendered in one piece).
    #[serde(default)]
    pub segments: Vec<SegmentRun>,
}

/// Renders `planned` with `profile` to `path`, reporting seconds of video done.
pub fn render_profile(
    planned: &Planned,
    profile: &Profile,
    mix: &Path,
    path: &Path,
    cache: &Cache,
    cancel: &Cancel,
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
        let blame = |err, clip| blame_clip(err, clip, planned);
        let job = segments::Job {
            timeline,
            media: &media,
            profile,
            mix,
            cache,
            blame: &blame,
        };
        let segments = segments::render(&job, &temp, cancel, &mut |fraction| {
            progress(Progress::Advance(fraction * duration))
        })?;
        let segments = match segments {
            Some(segments) => segments,
            None => {
                render_whole(planned, &media, profile, mix, &temp, cancel, progress)?;
                Vec::new()
            }
        };
        verify(&temp, profile, duration)?;
        Ok(segments)
    })();
    let rendered = result.and_then(|segments| {
        std::fs::rename(&temp, path).map_err(|e| RenderError::io(path, e))?;
        Ok((segments, write_subtitles(timeline, path)?))
    });
    match rendered {
        Ok((segments, subtitles)) => Ok(Rendered {
            path: path.to_path_buf(),
            subtitles,
            profile: profile.name.clone(),
            width: profile.width,
            height: profile.height,
            duration,
            segments,
        }),
        Err(err) => {
            let _ = std::fs::remove_file(&temp);
            Err(err)
        }
    }
}

/// Renders all of `planned` in one graph into `output`.
fn render_whole(
    planned: &Planned,
    media: &[ClipMedia],
    profile: &Profile,
    mix: &Path,
    output: &Path,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), RenderError> {
    let timeline = &planned.timeline;
    let duration = timeline.duration();
    let mut graph = graph::build(&graph::Job {
        timeline,
        starts: &timeline.clip_starts(),
        media,
        profile,
        output,
        part: graph::Part::Whole { mix },
    })?;
    graph.preroll()?;
    let position = graph.position.clone();
    let pipeline = graph.pipeline.clone();
    pipeline::run_until(&pipeline, "rendering", cancel, || {
        graph.close_finished();
        progress(Progress::Advance(position.seconds().min(duration)));
    })
    .map_err(|err| match &err {
        RenderError::Pipeline { element, .. } => match graph.clip_of(element) {
            Some(clip) => blame_clip(err, clip, planned),
            None => err,
        },
        _ => err,
    })
}

/// Title cards typeset at the profile's size; images and videos as they are.
fn clip_media(
    timeline: &Timeline,
    profile: &Profile,
    cache: &Cache,
) -> Result<Vec<ClipMedia>, RenderError> {
    let starts = timeline.clip_starts();
    timeline
        .clips
        .iter()
        .zip(starts)
        .map(|(clip, start)| {
            Ok(match &clip.source {
                Source::Portraits { faces } => ClipMedia::Talking(
                    faces
                        .iter()
                        .map(|face| talking_media(face, start, cache))
                        .collect::<Result<_, _>>()?,
                ),
                Source::Image { path } => ClipMedia::Still(path.clone()),
                Source::Card { .. } => {
                    ClipMedia::Still(card_image(&clip.source, profile, cache)?.unwrap_or_default())
                }
                Source::Video {
                    path,
                    in_s,
                    framing,
                } => ClipMedia::Video(VideoMedia {
                    path: path.clone(),
                    in_s: *in_s,
                    size: graph::video_size(path, "")?,
                    framing: framing.clone(),
                }),
            })
        })
        .collect()
}

/// A portrait with its face found (cached) and its mouth cues written as the Rhubarb TSV
/// `reellipsync` reads, on the timeline's clock.
fn talking_media(
    face: &TalkingFace,
    start: f64,
    cache: &Cache,
) -> Result<TalkingMedia, RenderError> {
    // Checked for every file written, so a revocation stops the next render even of a job
    // that was planned before it.
    if !face.fictional {
        super::stages::require_consent(&face.character, &face.path)?;
    }
    let (found, landmarks) = crate::lipsync::portrait::face_of(&face.path, cache)?;
    let tsv: String = face
        .cues
        .iter()
        .map(|c| format!("{:.3}\t{}\t{:.2}\n", start + c.start, c.shape, c.loudness))
        .collect();
    let visemes = cache.path("visemes", &[tsv.as_bytes()], "tsv");
    if !visemes.is_file() {
        cache::write_atomic(&visemes, tsv.as_bytes()).map_err(|e| RenderError::io(&visemes, e))?;
    }
    Ok(TalkingMedia {
        path: face.path.clone(),
        face: found,
        landmarks,
        visemes,
        seed: face
            .character
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    })
}

/// The picture of a title card at `profile`'s size (cached); `None` for other sources.
pub fn card_image(
    source: &Source,
    profile: &Profile,
    cache: &Cache,
) -> Result<Option<PathBuf>, RenderError> {
    let Source::Card {
        title,
        subtitle,
        background,
        text_color,
    } = source
    else {
        return Ok(None);
    };
    let card = card::Card {
        title,
        subtitle,
        background,
        text_color: *text_color,
    };
    card::render(&card, profile.width, profile.height, cache).map(Some)
}

/// A decoder failing inside the branch of `clip` is that clip's file's fault: say which.
fn blame_clip(err: RenderError, clip: usize, planned: &Planned) -> RenderError {
    let RenderError::Pipeline { message, .. } = &err else {
        return err;
    };
    match &planned.timeline.clips[clip].source {
        Source::Image { path } | Source::Video { path, .. } => RenderError::Image {
            place: planned.places[clip].clone(),
            path: path.clone(),
            reason: format!("decoding failed: {message}"),
        },
        Source::Portraits { faces } => match faces.first() {
            Some(face) => RenderError::Image {
                place: planned.places[clip].clone(),
                path: face.path.clone(),
                reason: format!("decoding failed: {message}"),
            },
            None => err,
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
pub fn verify(path: &Path, profile: &Profile, duration: f64) -> Result<(), RenderError> {
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
