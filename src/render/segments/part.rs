//! One segment as a graph of its own, and the key its encoded file is kept under.
//!
//! The key holds everything that decides the segment's pixels, on the segment's own clock:
//! each clip it shows (source, motion, transition, length) and where that clip starts relative
//! to the segment, the captions over it, the watermark, the profile, and the identity of every
//! file it reads. So a segment keeps its key when an edit elsewhere moves it along the
//! timeline, and loses it when anything it shows changes.

use crate::plan::timeline::{Caption, Clip, Timeline};
use crate::render::cache::identity;
use crate::render::graph::ClipMedia;
use crate::render::profile::Profile;
use serde::Serialize;

use super::split::{frame_at, Segment};

/// Bumped when the way segments are drawn changes, so older encodes are not reused.
const DRAWING: u32 = 1;

/// What the graph of one segment is built from: its clips and captions, on the clock of the
/// whole timeline.
pub struct Part {
    pub timeline: Timeline,
    pub starts: Vec<f64>,
    pub media: Vec<ClipMedia>,
}

/// The clips and captions of `segment`.
pub fn part(timeline: &Timeline, media: &[ClipMedia], segment: &Segment, fps: u32) -> Part {
    let all_starts = timeline.clip_starts();
    let (from, to) = (segment.start_s(fps), segment.end_s(fps));
    let clips: Vec<Clip> = segment
        .clips
        .iter()
        .map(|&i| timeline.clips[i].clone())
        .collect();
    let captions: Vec<Caption> = timeline
        .captions
        .iter()
        .filter(|c| c.start < to && c.end > from)
        .cloned()
        .collect();
    Part {
        timeline: Timeline {
            version: timeline.version,
            name: timeline.name.clone(),
            clips,
            captions,
            caption_style: timeline.caption_style.clone(),
            // The sound is mixed once for the whole timeline, not per segment.
            audio: Default::default(),
            watermark: timeline.watermark.clone(),
        },
        starts: segment.clips.iter().map(|&i| all_starts[i]).collect(),
        media: segment.clips.iter().map(|&i| media[i].clone()).collect(),
    }
}

#[derive(Serialize)]
struct Key {
    drawing: u32,
    reel: &'static str,
    profile: String,
    frames: u64,
    clips: Vec<KeyClip>,
    captions: Vec<serde_json::Value>,
    caption_style: serde_json::Value,
    watermark: Option<(serde_json::Value, Option<String>)>,
}

#[derive(Serialize)]
struct KeyClip {
    /// The clip with its lengths taken out (they are counted in frames below).
    clip: serde_json::Value,
    /// Frames from the segment's first to the clip's first (negative: it began before).
    start: i64,
    frames: i64,
    overlap: i64,
    files: Vec<String>,
}

/// The key of `part` as frames `segment` of a render with `profile` (bytes to hash). Times
/// are counted in frames from the segment's start, other numbers rounded to a millionth, so
/// the same segment anywhere on a timeline (on the frame grid) has the same key.
pub fn key(part: &Part, segment: &Segment, profile: &Profile) -> Vec<u8> {
    let fps = profile.fps;
    let frame = |t: f64| frame_at(t, fps) as i64 - segment.first as i64;
    let captions = part
        .timeline
        .captions
        .iter()
        .map(|c| {
            let words: Vec<(i64, i64, &str)> = c
                .words
                .iter()
                .map(|w| (frame(w.start), frame(w.end), w.text.as_str()))
                .collect();
            serde_json::json!([frame(c.start), frame(c.end), c.text, words])
        })
        .collect();
    let key = Key {
        drawing: DRAWING,
        reel: env!("CARGO_PKG_VERSION"),
        // Every field of the profile (size, rate, codec, quality) shapes the encode.
        profile: format!("{profile:?}"),
        frames: segment.end - segment.first,
        clips: part
            .timeline
            .clips
            .iter()
            .zip(&part.starts)
            .zip(&part.media)
            .map(|((clip, &start), media)| {
                let lengthless = Clip {
                    duration: 0.0,
                    transition: crate::plan::timeline::Transition {
                        duration: 0.0,
                        ..clip.transition
                    },
                    ..clip.clone()
                };
                KeyClip {
                    clip: rounded(&lengthless),
                    start: frame(start),
                    frames: frame(start + clip.duration) - frame(start),
                    overlap: frame(start + clip.transition.duration) - frame(start),
                    files: media_files(media),
                }
            })
            .collect(),
        captions,
        caption_style: rounded(&part.timeline.caption_style),
        watermark: part
            .timeline
            .watermark
            .as_ref()
            .map(|w| (rounded(w), w.image.as_deref().map(identity))),
    };
    // Plain data of strings and numbers: serialising it cannot fail.
    serde_json::to_vec(&key).unwrap_or_default()
}

/// `value` as JSON with every fractional number rounded to a millionth, so sums that differ
/// in their last bits (an in point moved by a clip's snap to the frame grid) key the same.
fn rounded(value: &impl Serialize) -> serde_json::Value {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Number(n) if n.is_f64() => {
                let x = n.as_f64().unwrap_or_default();
                *value = serde_json::json!((x * 1e6).round() / 1e6);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(fields) => fields.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(value).unwrap_or_default();
    walk(&mut value);
    value
}

/// The identities of the files a clip reads.
fn media_files(media: &ClipMedia) -> Vec<String> {
    match media {
        ClipMedia::Still(path) => vec![identity(path)],
        ClipMedia::Video(video) => vec![identity(&video.path)],
        ClipMedia::Talking(faces) => faces
            .iter()
            .flat_map(|f| [identity(&f.path), identity(&f.landmarks)])
            .collect(),
    }
}
