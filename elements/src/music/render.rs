//! The renderer: plays a composed loop as stereo frames ([`Synth`]), mixes and soft-clips
//! the voices, and applies the end and seek fades.
//!
//! A [`Spec`] (mood, key, tempo, seed, loop length) is composed once into a score: a list of
//! notes placed inside one loop of `loop_bars` bars. [`Synth::render`] then plays that score as
//! if it repeated forever, so frame `t` of the output is the sum of every repetition of every
//! note that sounds at `t`.
//!
//! Nothing carries state from one render call to the next: a note's phase and envelope at frame
//! `d` of its life are computed in closed form at the start of each call and only advanced by
//! recurrences inside it. That is what makes seeking free, the output deterministic, and the loop
//! seamless: a note that rings past the end of the loop simply keeps sounding while its next
//! repetition starts, exactly as inside the loop.

use super::compose::Composer;
use super::instruments::{render_note, Note};
use super::theory::{Spec, BEATS_PER_BAR};

/// Output ceiling of the soft clipper, just under -1 dBFS (10^(-1/20) = 0.891).
pub const CEILING: f32 = 0.88;
/// Below this level the clipper is exactly linear, so normal material is untouched.
const KNEE: f32 = 0.6;
/// Overall gain applied to the sum of all voices before the clipper.
const MASTER: f32 = 1.0;
/// Length of the fade at the end of a finite piece.
pub const FADE_OUT_SECS: f64 = 1.5;
/// Length of the fade-in after a seek into the middle of the piece, so it does not start with a
/// step from silence.
pub const SEEK_FADE_IN_SECS: f64 = 0.01;

/// Soft clipper: linear up to `KNEE`, then a tanh curve that meets it with the same slope and
/// approaches `CEILING`, so the output can never reach -1 dBFS and never kinks.
pub fn soft_clip(x: f32) -> f32 {
    let a = x.abs();
    if a <= KNEE {
        return x;
    }
    let room = CEILING - KNEE;
    (KNEE + room * ((a - KNEE) / room).tanh()).copysign(x)
}

/// Raised-cosine fade gain `i` frames into a fade of `len` frames: 1 → 0, zero slope at both
/// ends, and (almost) zero on the last frame.
fn fade_gain(i: u64, len: u64) -> f32 {
    let x = (i as f64 + 1.0) / len as f64;
    (0.5 * (1.0 + (std::f64::consts::PI * x.min(1.0)).cos())) as f32
}

/// Fades out the last `fade_len` frames before `total`. `out` holds interleaved stereo frames
/// starting at frame `pos`.
pub fn apply_fade_out(out: &mut [f32], pos: u64, total: u64, fade_len: u64) {
    let fade_start = total.saturating_sub(fade_len);
    for (i, frame) in out.chunks_exact_mut(2).enumerate() {
        let t = pos + i as u64;
        if t >= total {
            frame.fill(0.0);
        } else if t >= fade_start {
            let g = fade_gain(t - fade_start, fade_len);
            frame.iter_mut().for_each(|s| *s *= g);
        }
    }
}

/// Fades in over `fade_len` frames starting at frame `from` (the mirror of the fade-out).
pub fn apply_fade_in(out: &mut [f32], pos: u64, from: u64, fade_len: u64) {
    for (i, frame) in out.chunks_exact_mut(2).enumerate() {
        let t = pos + i as u64;
        if t < from {
            frame.fill(0.0);
        } else if t - from < fade_len {
            let g = fade_gain(fade_len - 1 - (t - from), fade_len);
            frame.iter_mut().for_each(|s| *s *= g);
        }
    }
}

/// Converts seconds to frames at `rate`.
pub fn secs_to_frames(secs: f64, rate: u32) -> u64 {
    (secs * f64::from(rate)).round() as u64
}

/// A composed loop, ready to render at one sample rate.
#[derive(Debug)]
pub struct Synth {
    rate: f64,
    loop_len: u64,
    notes: Vec<Note>,
    /// One note's worth of mono samples, reused between calls so rendering never allocates
    /// once it has seen its largest block.
    scratch: Vec<f32>,
}

impl Synth {
    pub fn new(spec: &Spec, rate: u32) -> Synth {
        let composer = Composer::new(spec, rate);
        let loop_len = composer
            .frames((spec.loop_bars as usize * BEATS_PER_BAR) as f64)
            .max(1);
        let notes = composer.compose(spec.loop_bars);
        Synth {
            rate: f64::from(rate),
            loop_len,
            notes,
            scratch: Vec::new(),
        }
    }

    /// Length of one loop in frames.
    pub fn loop_len(&self) -> u64 {
        self.loop_len
    }

    /// Renders interleaved stereo frames `[pos, pos + out.len() / 2)` into `out`.
    ///
    /// Repetition `k` of a note starts at `k * loop_len + note.start`; every repetition with
    /// `k >= 0` that overlaps the block is mixed in, which is what keeps the loop seamless.
    pub fn render(&mut self, pos: u64, out: &mut [f32]) {
        out.fill(0.0);
        let frames = (out.len() / 2) as u64;
        if frames == 0 {
            return;
        }
        if self.scratch.len() < frames as usize {
            self.scratch.resize(frames as usize, 0.0);
        }
        let end = pos + frames;
        let l = self.loop_len;
        for note in &self.notes {
            if end <= note.start {
                continue;
            }
            let k_hi = (end - 1 - note.start) / l;
            let k_lo = match (pos).checked_sub(note.start + note.len) {
                None => 0,
                Some(past) => past / l + 1,
            };
            for k in k_lo..=k_hi {
                let onset = k * l + note.start;
                let (a, b) = (onset.max(pos), (onset + note.len).min(end));
                if a >= b {
                    continue;
                }
                let buf = &mut self.scratch[..(b - a) as usize];
                render_note(note, self.rate, a - onset, buf);
                let frames_out = &mut out[2 * (a - pos) as usize..2 * (b - pos) as usize];
                for (frame, s) in frames_out.chunks_exact_mut(2).zip(buf.iter()) {
                    frame[0] += s * note.gain[0];
                    frame[1] += s * note.gain[1];
                }
            }
        }
        for s in out.iter_mut() {
            *s = soft_clip(*s * MASTER);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::theory::{Mood, TEMPO_MAX};

    const RATE: u32 = 48_000;

    fn spec(mood: &str, key: &str, seed: u64) -> Spec {
        Spec::parse(mood, key, 120.0, seed, 2).expect("valid spec")
    }

    fn render(spec: &Spec, frames: usize, block: usize) -> Vec<f32> {
        let mut synth = Synth::new(spec, RATE);
        let mut out = vec![0.0; frames * 2];
        for (i, chunk) in out.chunks_mut(block * 2).enumerate() {
            synth.render((i * block) as u64, chunk);
        }
        out
    }

    #[test]
    fn loop_length_follows_tempo_and_bars() {
        let s = Spec::parse("calm", "C", 120.0, 0, 8).unwrap();
        // 8 bars * 4 beats * 0.5 s.
        assert_eq!(Synth::new(&s, RATE).loop_len(), 16 * 48_000);
        let s = Spec::parse("calm", "C", 1000.0, 0, 0).unwrap();
        assert_eq!(s.tempo, TEMPO_MAX);
        assert_eq!(s.loop_bars, 1);
    }

    #[test]
    fn notes_start_inside_the_loop_and_fit_their_envelopes() {
        for mood in Mood::ALL {
            let synth = Synth::new(&spec(mood.name(), "D", 3), RATE);
            assert!(!synth.notes.is_empty());
            for n in &synth.notes {
                assert!(n.start < synth.loop_len, "{mood:?}");
                assert!(n.attack + n.release <= n.len, "{mood:?} {n:?}");
            }
        }
    }

    #[test]
    fn rendering_is_deterministic_and_seed_dependent() {
        let a = render(&spec("uplifting", "D", 7), 48_000, 1024);
        let b = render(&spec("uplifting", "D", 7), 48_000, 1024);
        let c = render(&spec("uplifting", "D", 8), 48_000, 1024);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn block_size_does_not_change_the_signal() {
        let s = spec("luxury", "F", 1);
        let a = render(&s, 30_000, 1024);
        let b = render(&s, 30_000, 777);
        let max = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(max < 1e-4, "blocking changed the signal by {max}");
    }

    #[test]
    fn loop_repeats_after_the_first_pass() {
        let s = spec("energetic", "A", 2);
        let mut synth = Synth::new(&s, RATE);
        let l = synth.loop_len();
        let mut first = vec![0.0; 4096];
        let mut second = vec![0.0; 4096];
        // The second and third passes are identical (the first lacks the tails that ring
        // over from a previous pass).
        synth.render(l + 1000, &mut first);
        synth.render(2 * l + 1000, &mut second);
        let max = first
            .iter()
            .zip(&second)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(max < 1e-4, "{max}");
    }

    #[test]
    fn soft_clip_is_bounded_monotonic_and_linear_below_knee() {
        assert_eq!(soft_clip(0.3), 0.3);
        assert_eq!(soft_clip(-0.5), -0.5);
        let mut last = 0.0;
        for i in 0..1000 {
            let y = soft_clip(i as f32 * 0.01);
            assert!(y >= last && y <= CEILING);
            last = y;
        }
        assert!(soft_clip(-100.0) >= -CEILING);
    }

    #[test]
    fn fades_reach_silence_smoothly() {
        let mut out = vec![1.0; 200];
        apply_fade_out(&mut out, 0, 100, 50);
        assert_eq!(out[..100], [1.0; 100][..]);
        assert!(out[198].abs() < 0.01 && out[199].abs() < 0.01);
        let steps: Vec<f32> = out.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        assert!(steps.iter().all(|&d| d < 0.05));
        let mut out = vec![1.0; 200];
        apply_fade_in(&mut out, 0, 10, 50);
        assert_eq!(out[..20], [0.0; 20][..]);
        assert!(out[20] < 0.01 && out[199] == 1.0);
    }

    #[test]
    fn peak_stays_below_minus_one_dbfs() {
        for mood in Mood::ALL {
            let s = Spec::parse(mood.name(), "E", 220.0, 5, 2).unwrap();
            let out = render(&s, 96_000, 1024);
            let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak < 0.891, "{mood:?} peak {peak}");
            assert!(peak > 0.01, "{mood:?} is silent");
        }
    }
}
