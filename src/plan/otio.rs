//! A [`Timeline`] as an OpenTimelineIO document, so a cut opens in an editor (DaVinci Resolve,
//! Kdenlive, anything with an OTIO reader) with its clips, transitions, sound and captions.
//!
//! The document is OTIO's JSON: a `Timeline.1` holding a `Stack.1` of `Track.1`s — one video
//! track, then audio tracks for the voices, the effects and the music. Video files are
//! `ExternalReference.1`s timed at their own frame rate; stills, title cards and everything
//! else at the timeline's rate. Title cards and generated music are `GeneratorReference.1`s.
//! Captions are markers on the video track. What OTIO has no field for (camera motion, gains,
//! caption words, ducking) sits under each object's `metadata.reel`.
//!
//! reel's transitions overlap two clips by their whole length; OTIO's sit on a cut with
//! `in_offset` and `out_offset` into the clips on either side. The export puts the cut in the
//! middle of the overlap, so each clip keeps the same frames on screen and the track keeps the
//! timeline's length.

use super::timeline::{AudioCue, Clip, MusicSource, Source, Timeline, TransitionKind};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

/// What the export needs to know about a media file that the timeline does not say.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediaFacts {
    /// Frames per second of a video file; `None` for audio and stills.
    pub frame_rate: Option<f64>,
    /// Seconds, when known.
    pub duration: Option<f64>,
}

/// The OTIO document of `timeline` at `fps`; `facts` says what each media file is.
pub fn document(
    timeline: &Timeline,
    fps: f64,
    facts: &dyn Fn(&Path) -> Option<MediaFacts>,
) -> Value {
    let total = timeline.duration();
    let mut tracks = vec![video_track(timeline, fps, facts)];
    tracks.extend(cue_tracks(
        "Voice",
        &timeline.audio.voice,
        total,
        fps,
        facts,
    ));
    tracks.extend(cue_tracks(
        "Effects",
        &timeline.audio.effects,
        total,
        fps,
        facts,
    ));
    if let Some(music) = &timeline.audio.music {
        let (name, reference, looped) = match &music.source {
            MusicSource::File { path } => (stem(path), external(path, fps, facts), true),
            generated => (
                "music".to_string(),
                generator(
                    "reel-music",
                    serde_json::to_value(generated).unwrap_or(Value::Null),
                ),
                false,
            ),
        };
        let clip = clip_item(
            &name,
            reference,
            range(0.0, total, fps),
            json!({ "gain_db": music.gain_db, "loop": looped }),
        );
        let reel = json!({ "ducking": timeline.audio.ducking });
        tracks.push(track("Music", "Audio", vec![clip], Vec::new(), reel));
    }
    json!({
        "OTIO_SCHEMA": "Timeline.1",
        "name": timeline.name,
        "global_start_time": time(0.0, fps),
        "metadata": { "reel": {
            "timeline_version": timeline.version,
            "fps": fps,
            "duration": total,
            "loudness_lufs": timeline.audio.loudness_lufs,
        } },
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "name": "tracks",
            "metadata": {},
            "source_range": null,
            "effects": [],
            "markers": [],
            "enabled": true,
            "color": null,
            "children": tracks,
        },
    })
}

/// The clips, with a transition wherever one overlaps the next, and the captions as markers.
fn video_track(
    timeline: &Timeline,
    fps: f64,
    facts: &dyn Fn(&Path) -> Option<MediaFacts>,
) -> Value {
    let starts = timeline.clip_starts();
    let overlap_in = |i: usize| match i {
        0 => 0.0,
        _ => timeline.clips[i].transition.duration.max(0.0),
    };
    let mut children = Vec::new();
    for (i, clip) in timeline.clips.iter().enumerate() {
        let head = overlap_in(i) / 2.0;
        let tail = timeline
            .clips
            .get(i + 1)
            .map_or(0.0, |_| overlap_in(i + 1) / 2.0);
        if head > 0.0 {
            children.push(transition(clip, head, fps));
        }
        // Where this clip is alone on screen, from the middle of each overlap.
        let on = starts[i] + head;
        let off = starts[i] + clip.duration - tail;
        children.push(video_clip(i, clip, head, on, off, fps, facts));
    }
    let markers = timeline
        .captions
        .iter()
        .map(|caption| {
            json!({
                "OTIO_SCHEMA": "Marker.2",
                "name": caption.text,
                "color": "PURPLE",
                "comment": "caption",
                "marked_range": range(caption.start, caption.end - caption.start, fps),
                "metadata": { "reel": { "caption": { "words": caption.words } } },
            })
        })
        .collect();
    let reel = json!({ "caption_style": timeline.caption_style });
    track("Video", "Video", children, markers, reel)
}

/// Clip `index`, on screen from `on` to `off` (timeline seconds), `head` seconds into its own
/// media.
fn video_clip(
    index: usize,
    clip: &Clip,
    head: f64,
    on: f64,
    off: f64,
    fps: f64,
    facts: &dyn Fn(&Path) -> Option<MediaFacts>,
) -> Value {
    let mut reel = json!({
        "clip": index,
        "segment": segment_id(clip),
        "motion": clip.motion,
    });
    let (name, reference, source_range) = match &clip.source {
        Source::Video { path, in_s, .. } => {
            let rate = facts(path).and_then(|f| f.frame_rate).unwrap_or(fps);
            let start = in_s + head;
            (
                stem(path),
                external(path, rate, facts),
                frames_range(start, start + (off - on), rate),
            )
        }
        Source::Image { path } => (
            stem(path),
            external(path, fps, facts),
            frames_range(head, head + (off - on), fps),
        ),
        // An editor sees the first speaker's portrait; the faces and their cues stay in reel's
        // metadata.
        Source::Portraits { faces } => {
            reel["portraits"] = serde_json::to_value(faces).unwrap_or(Value::Null);
            let path = faces
                .first()
                .map(|f| f.path.as_path())
                .unwrap_or(Path::new(""));
            (
                stem(path),
                external(path, fps, facts),
                frames_range(head, head + (off - on), fps),
            )
        }
        card @ Source::Card { title, .. } => {
            reel["card"] = serde_json::to_value(card).unwrap_or(Value::Null);
            (
                title.clone(),
                generator("reel-card", reel["card"].clone()),
                frames_range(head, head + (off - on), fps),
            )
        }
    };
    clip_item(&name, reference, source_range, reel)
}

fn transition(clip: &Clip, half: f64, fps: f64) -> Value {
    let kind = clip.transition.kind;
    let transition_type = match kind {
        TransitionKind::Dissolve => "SMPTE_Dissolve",
        _ => "Custom_Transition",
    };
    json!({
        "OTIO_SCHEMA": "Transition.1",
        "name": serde_json::to_value(kind).unwrap_or(Value::Null),
        "transition_type": transition_type,
        "in_offset": time(half, fps),
        "out_offset": time(half, fps),
        "metadata": { "reel": { "kind": kind, "duration": clip.transition.duration } },
    })
}

/// The cues on as few tracks as hold them without overlap, each track's cues in order with
/// gaps between them. A cue plays for its file's length, or up to the end of the timeline
/// when that is unknown.
fn cue_tracks(
    name: &str,
    cues: &[AudioCue],
    total: f64,
    fps: f64,
    facts: &dyn Fn(&Path) -> Option<MediaFacts>,
) -> Vec<Value> {
    let mut placed: Vec<(&AudioCue, f64)> = cues
        .iter()
        .map(|cue| {
            let length = facts(&cue.path).and_then(|f| f.duration).unwrap_or(total);
            (cue, length.min(total - cue.start).max(0.0))
        })
        .filter(|(_, length)| *length > 0.0)
        .collect();
    placed.sort_by(|a, b| a.0.start.total_cmp(&b.0.start));
    // Each lane: the cues on it and where it is free from.
    let mut lanes: Vec<(Vec<(&AudioCue, f64)>, f64)> = Vec::new();
    for (cue, length) in placed {
        let free = lanes.iter_mut().find(|(_, end)| *end <= cue.start + 1e-9);
        match free {
            Some((lane, end)) => {
                lane.push((cue, length));
                *end = cue.start + length;
            }
            None => lanes.push((vec![(cue, length)], cue.start + length)),
        }
    }
    lanes
        .into_iter()
        .enumerate()
        .map(|(n, (lane, _))| {
            let mut children = Vec::new();
            let mut at = 0.0;
            for (cue, length) in lane {
                if cue.start > at {
                    children.push(gap(at, cue.start, fps));
                }
                children.push(clip_item(
                    &stem(&cue.path),
                    external(&cue.path, fps, facts),
                    frames_range(0.0, length, fps),
                    json!({ "start": cue.start, "gain_db": cue.gain_db }),
                ));
                at = cue.start + length;
            }
            let title = match n {
                0 => name.to_string(),
                _ => format!("{name} {}", n + 1),
            };
            track(&title, "Audio", children, Vec::new(), json!({}))
        })
        .collect()
}

fn track(name: &str, kind: &str, children: Vec<Value>, markers: Vec<Value>, reel: Value) -> Value {
    json!({
        "OTIO_SCHEMA": "Track.1",
        "name": name,
        "kind": kind,
        "metadata": { "reel": reel },
        "source_range": null,
        "effects": [],
        "markers": markers,
        "enabled": true,
        "color": null,
        "children": children,
    })
}

fn clip_item(name: &str, reference: Value, source_range: Value, reel: Value) -> Value {
    json!({
        "OTIO_SCHEMA": "Clip.2",
        "name": name,
        "metadata": { "reel": reel },
        "source_range": source_range,
        "effects": [],
        "markers": [],
        "enabled": true,
        "color": null,
        "media_references": { "DEFAULT_MEDIA": reference },
        "active_media_reference_key": "DEFAULT_MEDIA",
    })
}

fn gap(from: f64, to: f64, fps: f64) -> Value {
    json!({
        "OTIO_SCHEMA": "Gap.1",
        "name": "",
        "metadata": {},
        "source_range": frames_range(from, to, fps),
        "effects": [],
        "markers": [],
        "enabled": true,
        "color": null,
    })
}

/// A file by absolute `file://` URL, with its length when known.
fn external(path: &Path, rate: f64, facts: &dyn Fn(&Path) -> Option<MediaFacts>) -> Value {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let available = facts(path)
        .and_then(|f| f.duration)
        .map_or(Value::Null, |d| frames_range(0.0, d, rate));
    json!({
        "OTIO_SCHEMA": "ExternalReference.1",
        "name": stem(path),
        "target_url": file_url(&absolute),
        "available_range": available,
        "available_image_bounds": null,
        "metadata": {},
    })
}

fn generator(kind: &str, parameters: Value) -> Value {
    json!({
        "OTIO_SCHEMA": "GeneratorReference.1",
        "name": kind,
        "generator_kind": kind,
        "parameters": parameters,
        "available_range": null,
        "available_image_bounds": null,
        "metadata": {},
    })
}

fn time(seconds: f64, rate: f64) -> Value {
    json!({ "OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": seconds * rate })
}

fn range(start: f64, duration: f64, rate: f64) -> Value {
    json!({
        "OTIO_SCHEMA": "TimeRange.1",
        "start_time": time(start, rate),
        "duration": time(duration, rate),
    })
}

/// From `from` to `to` seconds in whole frames at `rate`, each end rounded to its nearest
/// frame, so ranges that meet in seconds still meet in frames.
fn frames_range(from: f64, to: f64, rate: f64) -> Value {
    let first = (from * rate).round();
    let last = (to * rate).round().max(first);
    json!({
        "OTIO_SCHEMA": "TimeRange.1",
        "start_time": { "OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": first },
        "duration": { "OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": last - first },
    })
}

/// The clip's content key: the same clip gets the same id in every export and render.
fn segment_id(clip: &Clip) -> String {
    let bytes = serde_json::to_vec(clip).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `file://` plus the path with everything outside RFC 3986's unreserved set and `/`
/// percent-encoded, byte by byte.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(byte as char)
            }
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

/// `document` as the pretty JSON an `.otio` file holds.
pub fn to_string(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::timeline::{Transition, TransitionKind};
    use std::path::PathBuf;

    fn card(title: &str, duration: f64, transition: f64) -> Clip {
        Clip {
            source: Source::Card {
                title: title.into(),
                subtitle: String::new(),
                background: Default::default(),
                text_color: super::super::timeline::Color::rgb(255, 255, 255),
            },
            duration,
            motion: Default::default(),
            transition: Transition {
                kind: TransitionKind::Dissolve,
                duration: transition,
            },
        }
    }

    fn timeline(clips: Vec<Clip>) -> Timeline {
        let mut timeline: Timeline = serde_json::from_value(json!({ "clips": [] })).unwrap();
        timeline.clips = clips;
        timeline
    }

    fn no_facts(_: &Path) -> Option<MediaFacts> {
        None
    }

    fn frames(range: &Value) -> (f64, f64) {
        (
            range["start_time"]["value"].as_f64().unwrap(),
            range["duration"]["value"].as_f64().unwrap(),
        )
    }

    #[test]
    fn a_transition_splits_its_overlap_between_the_two_clips() {
        // 3 s + 2 s with a 1 s dissolve: 4 s long, the cut at 2.5 s.
        let doc = document(
            &timeline(vec![card("A", 3.0, 0.0), card("B", 2.0, 1.0)]),
            30.0,
            &no_facts,
        );
        let items = doc["tracks"]["children"][0]["children"].as_array().unwrap();
        let kinds: Vec<&str> = items
            .iter()
            .map(|i| i["OTIO_SCHEMA"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["Clip.2", "Transition.1", "Clip.2"]);
        assert_eq!(frames(&items[0]["source_range"]), (0.0, 75.0));
        assert_eq!(frames(&items[2]["source_range"]), (15.0, 45.0));
        assert_eq!(items[1]["in_offset"]["value"], 15.0);
        assert_eq!(items[1]["transition_type"], "SMPTE_Dissolve");
    }

    #[test]
    fn overlapping_cues_go_on_a_second_track_with_gaps_before_them() {
        let cue = |start: f64| AudioCue {
            path: PathBuf::from(format!("/v/{start}.wav")),
            start,
            gain_db: 0.0,
        };
        let mut t = timeline(vec![card("A", 10.0, 0.0)]);
        t.audio.voice = vec![cue(1.0), cue(2.0), cue(5.0)];
        let facts = |_: &Path| {
            Some(MediaFacts {
                frame_rate: None,
                duration: Some(2.0),
            })
        };
        let doc = document(&t, 25.0, &facts);
        let tracks = doc["tracks"]["children"].as_array().unwrap();
        assert_eq!(tracks.len(), 3);
        let first: Vec<&str> = tracks[1]["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["OTIO_SCHEMA"].as_str().unwrap())
            .collect();
        // 1..3 and 5..7 on the first, 2..4 on the second.
        assert_eq!(first, ["Gap.1", "Clip.2", "Gap.1", "Clip.2"]);
        assert_eq!(tracks[2]["name"], "Voice 2");
        assert_eq!(
            frames(&tracks[2]["children"][0]["source_range"]),
            (0.0, 50.0)
        );
    }

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/a b/ü#1.mp4")),
            "file:///a%20b/%C3%BC%231.mp4"
        );
    }
}
