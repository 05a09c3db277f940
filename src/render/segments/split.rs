//! Where a timeline is cut into segments: at every clip's start and end, on the frame grid.
//! A stretch shown by one clip is that clip's segment; a stretch where clips overlap (a
//! transition) is a segment of its own, so changing a clip re-encodes it and the transitions
//! at its two ends, and nothing else.

use crate::plan::timeline::Timeline;

/// Frames `[first, end)` of the video and the clips seen in them (timeline indices, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub first: u64,
    pub end: u64,
    pub clips: Vec<usize>,
}

impl Segment {
    pub fn start_s(&self, fps: u32) -> f64 {
        self.first as f64 / f64::from(fps)
    }

    pub fn end_s(&self, fps: u32) -> f64 {
        self.end as f64 / f64::from(fps)
    }

    /// What the segment shows, for people: `clip 3`, or `clips 3+4` for a transition.
    pub fn label(&self) -> String {
        let numbers: Vec<String> = self.clips.iter().map(|c| (c + 1).to_string()).collect();
        match numbers.len() {
            1 => format!("clip {}", numbers[0]),
            _ => format!("clips {}", numbers.join("+")),
        }
    }
}

/// The first frame at or after `t` seconds: a clip starting at `t` is first seen there.
pub fn frame_at(t: f64, fps: u32) -> u64 {
    (t * f64::from(fps) - 1e-6).ceil().max(0.0) as u64
}

/// `timeline` with every clip's length and transition made a whole number of steps of
/// `1/grid` seconds (rounded), and everything timed inside a clip (its captions, words,
/// spoken lines and effects) moved with the clip's start. Each clip then lies the same way
/// on the frame grid wherever it is on the timeline, so an edit that moves a clip leaves its
/// segments as they were. No clip changes by more than half a step, and the sound stays with
/// the picture: it is mixed from this timeline. `grid` is a rate whose frames every profile's
/// frames are a multiple of (their frame rates' greatest common divisor).
pub fn on_grid(timeline: &Timeline, grid: u32) -> Timeline {
    let grid = f64::from(grid.max(1));
    let steps = |t: f64| (t * grid).round().max(0.0);
    let starts = timeline.clip_starts();
    let mut snapped = timeline.clone();
    let mut end = 0.0_f64;
    for (i, clip) in snapped.clips.iter_mut().enumerate() {
        let length = steps(clip.duration).max(1.0);
        let overlap = if i == 0 {
            0.0
        } else {
            steps(clip.transition.duration).min(end).min(length)
        };
        clip.duration = length / grid;
        clip.transition.duration = overlap / grid;
        end += length - overlap;
    }
    // The roundings are not made up anywhere (say, in the last clip): that clip would then
    // change, and be encoded again, with every edit before it. A video may so be a frame or
    // two longer or shorter than the clips' lengths add up to.
    let moved = snapped.clip_starts();
    // How far the clip in which `t` falls was moved.
    let shift = |t: f64| {
        let clip = starts.iter().rposition(|&s| s <= t + 1e-9).unwrap_or(0);
        moved.get(clip).copied().unwrap_or(0.0) - starts.get(clip).copied().unwrap_or(0.0)
    };
    for caption in &mut snapped.captions {
        let by = shift(caption.start);
        caption.start += by;
        caption.end += by;
        for word in &mut caption.words {
            word.start += by;
            word.end += by;
        }
    }
    let audio = &mut snapped.audio;
    for cue in audio.voice.iter_mut().chain(audio.effects.iter_mut()) {
        cue.start = (cue.start + shift(cue.start)).max(0.0);
    }
    snapped
}

/// The greatest common divisor of the profiles' frame rates: the grid [`on_grid`] keeps a
/// timeline to for all of them.
pub fn common_rate(rates: impl IntoIterator<Item = u32>) -> u32 {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    rates.into_iter().fold(0, gcd).max(1)
}

/// The segments of `timeline` at `fps`, covering every frame once, in order. `None` when some
/// frames show no clip (then the timeline is rendered in one piece).
pub fn split(timeline: &Timeline, fps: u32) -> Option<Vec<Segment>> {
    let starts = timeline.clip_starts();
    let spans: Vec<(u64, u64)> = timeline
        .clips
        .iter()
        .zip(&starts)
        .map(|(clip, &start)| (frame_at(start, fps), frame_at(start + clip.duration, fps)))
        .collect();
    let mut cuts: Vec<u64> = spans.iter().flat_map(|&(a, b)| [a, b]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut segments: Vec<Segment> = Vec::new();
    for pair in cuts.windows(2) {
        let (first, end) = (pair[0], pair[1]);
        let clips: Vec<usize> = spans
            .iter()
            .enumerate()
            .filter(|(_, &(a, b))| a < end && b > first)
            .map(|(i, _)| i)
            .collect();
        if clips.is_empty() {
            return None;
        }
        match segments.last_mut() {
            Some(last) if last.clips == clips => last.end = end,
            _ => segments.push(Segment { first, end, clips }),
        }
    }
    (segments.first().is_some_and(|s| s.first == 0)).then_some(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::timeline::{Clip, Source, Transition, TransitionKind};

    fn timeline(clips: &[(f64, f64)]) -> Timeline {
        let mut timeline: Timeline = serde_json::from_str(r#"{"clips": []}"#).unwrap();
        timeline.clips = clips
            .iter()
            .map(|&(duration, overlap)| Clip {
                source: Source::Image {
                    path: "a.png".into(),
                },
                duration,
                motion: Default::default(),
                transition: Transition {
                    kind: if overlap > 0.0 {
                        TransitionKind::Dissolve
                    } else {
                        TransitionKind::Cut
                    },
                    duration: overlap,
                },
            })
            .collect();
        timeline
    }

    #[test]
    fn clips_and_their_transitions_are_segments_of_their_own() {
        // 0–3 s, then a 0.5 s dissolve into a 2 s clip, then a cut to a 1 s clip.
        let t = timeline(&[(3.0, 0.0), (2.0, 0.5), (1.0, 0.0)]);
        let segments = split(&t, 30).unwrap();
        let spans: Vec<(u64, u64, Vec<usize>)> = segments
            .iter()
            .map(|s| (s.first, s.end, s.clips.clone()))
            .collect();
        assert_eq!(
            spans,
            vec![
                (0, 75, vec![0]),
                (75, 90, vec![0, 1]),
                (90, 135, vec![1]),
                (135, 165, vec![2]),
            ]
        );
        assert_eq!(segments[1].label(), "clips 1+2");
        assert_eq!(segments.last().unwrap().end, frame_at(t.duration(), 30));
    }

    #[test]
    fn cuts_between_frames_fall_on_the_frame_that_first_shows_the_next_clip() {
        // A cut at 3.205 s: frame 96 (3.2 s) still shows the first clip.
        let t = timeline(&[(3.205, 0.0), (1.0, 0.0)]);
        let segments = split(&t, 30).unwrap();
        assert_eq!(segments[0].end, 97);
        assert_eq!(frame_at(3.2, 30), 96);
    }
}
