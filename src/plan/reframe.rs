//! Face-aware reframing: where a frame of another shape (9:16, 1:1) is cut out of footage, shot
//! by shot, from the faces found in it.
//!
//! Each sample of a shot has a *subject*: the biggest face and every face at least
//! [`COMPANION`] of its area, as one box. Per shot the framing is:
//!
//! * **steady** — one window for the whole shot, when one window holds the subject at every
//!   sample (the common talking head: no motion at all);
//! * **track** — a path that follows the subject: the window only moves once the subject leaves
//!   a dead band around its centre, the path is smoothed both ways (so it starts moving a little
//!   before the subject gets there, and never jitters) and its speed is capped;
//! * **pad** — the whole picture fitted into the frame over a blurred copy of itself, when the
//!   subject (two people apart) is too wide for any window in most samples;
//! * **centre** — the middle of the picture, when faces are seen in too few samples to follow.
//!
//! Every shot is framed on its own, so the framing resets at a real cut instead of panning
//! across it.

use serde::{Deserialize, Serialize};

/// Faces at least this fraction of the biggest face's area belong to the subject.
pub const COMPANION: f64 = 0.4;
/// The dead band: how far (a fraction of the window) the subject's centre may wander from the
/// window's before the window follows.
pub const DEAD_BAND: f64 = 0.08;
/// The window's top speed, in window widths a second.
pub const MAX_SPEED: f64 = 1.5;
/// Seconds of path averaged around each point (both ways, so the path does not lag).
pub const SMOOTHING: f64 = 0.6;
/// A shot is padded when the subject is wider than this fraction of the window in most samples.
pub const TOO_WIDE: f64 = 0.95;
/// Fewer samples with a face than this fraction, and a shot is framed on its centre.
pub const MIN_SEEN: f64 = 0.2;

/// A face box, in fractions of the shown picture (0..1 from the top left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceBox {
    /// Centre.
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub score: f64,
}

impl FaceBox {
    fn area(&self) -> f64 {
        self.width * self.height
    }
}

/// The faces found in one analysed frame, at its time in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceSample {
    pub time: f64,
    pub faces: Vec<FaceBox>,
}

/// A box as its edges, in fractions of the picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// The subject of a sample: the biggest face with its companions, as one box.
pub fn subject(faces: &[FaceBox]) -> Option<Span> {
    let biggest = faces.iter().map(FaceBox::area).fold(0.0, f64::max);
    let mut chosen = faces
        .iter()
        .filter(|f| f.area() > 0.0 && f.area() >= COMPANION * biggest);
    let first = chosen.next()?;
    let edges = |f: &FaceBox| Span {
        left: f.x - f.width / 2.0,
        right: f.x + f.width / 2.0,
        top: f.y - f.height / 2.0,
        bottom: f.y + f.height / 2.0,
    };
    Some(chosen.fold(edges(first), |s, f| {
        let e = edges(f);
        Span {
            left: s.left.min(e.left),
            right: s.right.max(e.right),
            top: s.top.min(e.top),
            bottom: s.bottom.max(e.bottom),
        }
    }))
}

/// What one shot's framing follows: its subject at each analysed frame (`None` where no face
/// was seen), times in the file's seconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ShotSubjects {
    pub start: f64,
    pub end: f64,
    pub samples: Vec<(f64, Option<Span>)>,
}

impl ShotSubjects {
    /// The shot from `start` to `end` of `samples`.
    pub fn of(samples: &[FaceSample], start: f64, end: f64) -> ShotSubjects {
        ShotSubjects {
            start,
            end,
            samples: samples
                .iter()
                .filter(|s| s.time >= start - 1e-6 && s.time < end)
                .map(|s| (s.time, subject(&s.faces)))
                .collect(),
        }
    }
}

/// How a shot is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Steady,
    Track,
    Pad,
    Centre,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Steady => "steady",
            Mode::Track => "track",
            Mode::Pad => "pad",
            Mode::Centre => "centre",
        }
    }
}

/// The window cut out of a shot: its size and where its centre is over time, in the shown
/// picture's pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CropPath {
    pub mode: Mode,
    /// Shot start and end, file seconds.
    pub start: f64,
    pub end: f64,
    pub width: u32,
    pub height: u32,
    /// (file seconds, centre x, centre y), in time order; one key for a window that stays.
    pub keys: Vec<(f64, f64, f64)>,
}

impl CropPath {
    /// The window's centre at `time` (file seconds), between the keys.
    pub fn centre_at(&self, time: f64) -> (f64, f64) {
        let keys = &self.keys;
        let Some(first) = keys.first() else {
            return (0.0, 0.0);
        };
        if time <= first.0 || keys.len() == 1 {
            return (first.1, first.2);
        }
        for pair in keys.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if time <= b.0 {
                let f = if b.0 > a.0 {
                    (time - a.0) / (b.0 - a.0)
                } else {
                    1.0
                };
                return (a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f);
            }
        }
        let last = keys[keys.len() - 1];
        (last.1, last.2)
    }

    /// The window's left and top edges at `time`, in (sub-)pixels inside a `size` picture.
    pub fn corner_at(&self, time: f64, size: (u32, u32)) -> (f64, f64) {
        let (cx, cy) = self.centre_at(time);
        let edge = |centre: f64, window: u32, total: u32| {
            let max = f64::from(total.saturating_sub(window));
            (centre - f64::from(window) / 2.0).clamp(0.0, max)
        };
        (edge(cx, self.width, size.0), edge(cy, self.height, size.1))
    }

    /// [`CropPath::corner_at`] in whole pixels.
    pub fn origin_at(&self, time: f64, size: (u32, u32)) -> (u32, u32) {
        let (x, y) = self.corner_at(time, size);
        (x.round() as u32, y.round() as u32)
    }
}

/// The largest window of `aspect` (width / height) inside a `size` picture.
pub fn window(size: (u32, u32), aspect: f64) -> (u32, u32) {
    let (w, h) = (f64::from(size.0), f64::from(size.1));
    if w / h > aspect {
        (((h * aspect).round() as u32).min(size.0), size.1)
    } else {
        (size.0, ((w / aspect).round() as u32).min(size.1))
    }
}

/// Frames the shot `subjects` of a `size` picture for a frame of `aspect`.
pub fn frame_shot(subjects: &ShotSubjects, size: (u32, u32), aspect: f64) -> CropPath {
    let (cw, ch) = window(size, aspect);
    let (w, h) = (f64::from(size.0), f64::from(size.1));
    let centre = (w / 2.0, h / 2.0);
    let path = |mode, keys| CropPath {
        mode,
        start: subjects.start,
        end: subjects.end,
        width: cw,
        height: ch,
        keys,
    };
    // Which way the window can move, its length that way and the picture's.
    let horizontal = cw < size.0;
    let (window_len, total) = if horizontal {
        (f64::from(cw), w)
    } else {
        (f64::from(ch), h)
    };
    let still = |c: f64| {
        if horizontal {
            vec![(subjects.start, c, centre.1)]
        } else {
            vec![(subjects.start, centre.0, c)]
        }
    };
    if total - window_len < 1.0 {
        return path(Mode::Centre, still(total / 2.0));
    }
    // The subject along the free axis, in pixels.
    let along: Vec<(f64, Option<(f64, f64)>)> = subjects
        .samples
        .iter()
        .map(|&(t, span)| {
            let span = span.map(|s| {
                if horizontal {
                    (s.left * w, s.right * w)
                } else {
                    (s.top * h, s.bottom * h)
                }
            });
            (t, span)
        })
        .collect();
    let seen: Vec<(f64, f64)> = along.iter().filter_map(|(_, s)| *s).collect();
    if seen.is_empty() || (seen.len() as f64) < MIN_SEEN * along.len() as f64 {
        return path(Mode::Centre, still(total / 2.0));
    }
    let too_wide = seen
        .iter()
        .filter(|(a, b)| b - a > TOO_WIDE * window_len)
        .count();
    if too_wide * 2 > seen.len() {
        return path(Mode::Pad, still(total / 2.0));
    }
    let clamp = |c: f64| c.clamp(window_len / 2.0, total - window_len / 2.0);
    let lowest = seen.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let highest = seen.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    if highest - lowest <= window_len * (1.0 - DEAD_BAND) {
        return path(Mode::Steady, still(clamp((lowest + highest) / 2.0)));
    }
    let times: Vec<f64> = along.iter().map(|(t, _)| *t).collect();
    let targets = fill_gaps(
        &along
            .iter()
            .map(|(_, s)| s.map(|(a, b)| (a + b) / 2.0))
            .collect::<Vec<_>>(),
    );
    let followed = follow(&targets, DEAD_BAND * window_len);
    let smoothed = smooth(&times, &followed, SMOOTHING / 2.0);
    let capped = cap_speed(&times, &smoothed, MAX_SPEED * window_len);
    let keys = times
        .iter()
        .zip(capped)
        .map(|(&t, c)| {
            let c = clamp(c);
            if horizontal {
                (t, c, centre.1)
            } else {
                (t, centre.0, c)
            }
        })
        .collect();
    path(Mode::Track, keys)
}

/// Samples without a subject take the nearest one with it (the one before on a tie).
fn fill_gaps(values: &[Option<f64>]) -> Vec<f64> {
    let known: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    (0..values.len())
        .map(|i| {
            values[i].unwrap_or_else(|| {
                known
                    .iter()
                    .min_by_key(|(k, _)| (k.abs_diff(i), *k > i))
                    .map_or(0.0, |(_, v)| *v)
            })
        })
        .collect()
}

/// A camera that moves only as far as it must to keep each target within `band` of its centre.
fn follow(targets: &[f64], band: f64) -> Vec<f64> {
    let mut camera = targets.first().copied().unwrap_or(0.0);
    targets
        .iter()
        .map(|&target| {
            let off = target - camera;
            if off.abs() > band {
                camera += off - band * off.signum();
            }
            camera
        })
        .collect()
}

/// The mean of the values within `half` seconds either side of each sample.
fn smooth(times: &[f64], values: &[f64], half: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    let (mut lo, mut hi, mut sum) = (0usize, 0usize, 0.0);
    for &t in times {
        while hi < times.len() && times[hi] <= t + half {
            sum += values[hi];
            hi += 1;
        }
        while times[lo] < t - half {
            sum -= values[lo];
            lo += 1;
        }
        out.push(sum / (hi - lo) as f64);
    }
    out
}

/// The path, never faster than `speed` units a second: each step limited going forwards, then
/// backwards, so the limit cannot make the path lag behind only one way.
fn cap_speed(times: &[f64], values: &[f64], speed: f64) -> Vec<f64> {
    let mut out = values.to_vec();
    let limit = |out: &mut Vec<f64>, i: usize, j: usize| {
        let most = speed * (times[i] - times[j]).abs();
        out[i] = out[i].clamp(out[j] - most, out[j] + most);
    };
    for i in 1..out.len() {
        limit(&mut out, i, i - 1);
    }
    for i in (0..out.len().saturating_sub(1)).rev() {
        limit(&mut out, i, i + 1);
    }
    out
}

/// How well a framing keeps faces in view: `coverage` the fraction of analysed frames with a
/// subject whose subject lies wholly inside the window, `jitter` the biggest move of the window
/// from one output frame to the next, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub coverage: f64,
    pub jitter: f64,
}

/// [`Quality`] of `path` for `subjects` of a `size` picture, at `fps` output frames a second.
pub fn quality(path: &CropPath, subjects: &ShotSubjects, size: (u32, u32), fps: f64) -> Quality {
    let (w, h) = (f64::from(size.0), f64::from(size.1));
    let (mut seen, mut inside) = (0usize, 0usize);
    for &(t, span) in &subjects.samples {
        let Some(s) = span else { continue };
        if t < path.start || t >= path.end {
            continue;
        }
        seen += 1;
        if path.mode == Mode::Pad {
            inside += 1;
            continue;
        }
        let (x, y) = path.origin_at(t, size);
        let (x, y) = (f64::from(x), f64::from(y));
        let fits = s.left * w >= x - 1.0
            && s.right * w <= x + f64::from(path.width) + 1.0
            && s.top * h >= y - 1.0
            && s.bottom * h <= y + f64::from(path.height) + 1.0;
        inside += usize::from(fits);
    }
    let frames = ((path.end - path.start) * fps).floor() as usize;
    let mut jitter: f64 = 0.0;
    let mut last = path.origin_at(path.start, size);
    for n in 1..frames {
        let now = path.origin_at(path.start + n as f64 / fps, size);
        let moved = f64::from(now.0.abs_diff(last.0)).max(f64::from(now.1.abs_diff(last.1)));
        jitter = jitter.max(moved);
        last = now;
    }
    Quality {
        coverage: if seen == 0 {
            1.0
        } else {
            inside as f64 / seen as f64
        },
        jitter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HD: (u32, u32) = (1920, 1080);
    const VERTICAL: f64 = 9.0 / 16.0;

    fn face(x: f64, width: f64) -> FaceBox {
        FaceBox {
            x,
            y: 0.4,
            width,
            height: width * 16.0 / 9.0,
            score: 0.9,
        }
    }

    /// A shot sampled at 10 frames a second, with the faces `at` each time.
    fn shot(seconds: f64, at: impl Fn(f64) -> Vec<FaceBox>) -> ShotSubjects {
        let samples: Vec<FaceSample> = (0..(seconds * 10.0) as usize)
            .map(|i| {
                let time = i as f64 / 10.0;
                FaceSample {
                    time,
                    faces: at(time),
                }
            })
            .collect();
        ShotSubjects::of(&samples, 0.0, seconds)
    }

    #[test]
    fn the_window_is_the_largest_of_the_frame_shape() {
        assert_eq!(window(HD, VERTICAL), (608, 1080));
        assert_eq!(window(HD, 1.0), (1080, 1080));
        assert_eq!(window((1080, 1920), 16.0 / 9.0), (1080, 608));
    }

    #[test]
    fn the_subject_is_the_biggest_face_and_its_companions() {
        let span = subject(&[face(0.3, 0.1), face(0.6, 0.08), face(0.9, 0.02)]).unwrap();
        assert!((span.left - 0.25).abs() < 1e-9 && (span.right - 0.64).abs() < 1e-9);
        assert_eq!(subject(&[]), None);
    }

    #[test]
    fn a_face_that_stays_gets_one_steady_window_on_it() {
        let path = frame_shot(
            &shot(3.0, |t| vec![face(0.7 + 0.005 * t, 0.08)]),
            HD,
            VERTICAL,
        );
        assert_eq!(path.mode, Mode::Steady);
        assert_eq!(path.keys.len(), 1);
        assert!((path.keys[0].1 - 0.7075 * 1920.0).abs() < 2.0);
    }

    #[test]
    fn a_face_moving_across_is_tracked_smoothly_and_kept_in_view() {
        // Left to right across the picture in 4 seconds.
        let subjects = shot(4.0, |t| vec![face(0.1 + 0.8 * t / 4.0, 0.07)]);
        let path = frame_shot(&subjects, HD, VERTICAL);
        assert_eq!(path.mode, Mode::Track);
        let q = quality(&path, &subjects, HD, 30.0);
        assert!(q.coverage >= 0.95, "coverage {}", q.coverage);
        // Never more than the speed cap allows in one frame.
        assert!(
            q.jitter <= MAX_SPEED * 608.0 / 30.0 + 1.0,
            "jitter {}",
            q.jitter
        );
        // Moving the whole time, left to right.
        let xs: Vec<f64> = path.keys.iter().map(|k| k.1).collect();
        assert!(xs.windows(2).all(|w| w[1] >= w[0] - 1e-9));
    }

    #[test]
    fn a_small_wobble_inside_the_dead_band_does_not_move_the_window() {
        let wobble = |t: f64| 0.5 + 0.01 * (t * 9.0).sin();
        let follows = follow(
            &(0..50)
                .map(|i| wobble(i as f64 / 10.0) * 1920.0)
                .collect::<Vec<_>>(),
            0.08 * 608.0,
        );
        assert!(follows.iter().all(|c| (c - follows[0]).abs() < 1e-9));
    }

    #[test]
    fn two_faces_too_far_apart_are_padded() {
        let path = frame_shot(
            &shot(2.0, |_| vec![face(0.2, 0.08), face(0.8, 0.08)]),
            HD,
            VERTICAL,
        );
        assert_eq!(path.mode, Mode::Pad);
        // Two faces close together fit one window.
        let close = frame_shot(
            &shot(2.0, |_| vec![face(0.45, 0.05), face(0.55, 0.05)]),
            HD,
            VERTICAL,
        );
        assert_eq!(close.mode, Mode::Steady);
    }

    #[test]
    fn no_faces_frames_the_centre_and_gaps_hold_the_nearest_face() {
        let path = frame_shot(&shot(2.0, |_| Vec::new()), HD, VERTICAL);
        assert_eq!(path.mode, Mode::Centre);
        assert_eq!(path.origin_at(1.0, HD), ((1920 - 608) / 2, 0));
        assert_eq!(
            fill_gaps(&[None, Some(1.0), None, None, Some(4.0), None]),
            [1.0, 1.0, 1.0, 4.0, 4.0, 4.0]
        );
    }

    #[test]
    fn the_window_never_leaves_the_picture() {
        let path = frame_shot(
            &shot(3.0, |t| vec![face(0.02 + 0.32 * t, 0.04)]),
            HD,
            VERTICAL,
        );
        for n in 0..90 {
            let (x, _) = path.origin_at(n as f64 / 30.0, HD);
            assert!(x + 608 <= 1920);
        }
    }

    #[test]
    fn speed_is_capped_both_ways() {
        let times: Vec<f64> = (0..5).map(|i| f64::from(i) / 10.0).collect();
        let capped = cap_speed(&times, &[0.0, 0.0, 100.0, 100.0, 100.0], 100.0);
        for w in capped.windows(2) {
            assert!((w[1] - w[0]).abs() <= 10.0 + 1e-9);
        }
    }
}
