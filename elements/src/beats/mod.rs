//! `reelbeats`: onsets, tempo, beats and downbeats of music.
//!
//! The element passes mono `F32LE` audio (any rate) through untouched, measures onset
//! strength frame by frame as it arrives ([`onset`]: spectral flux over log-spaced bands),
//! and posts element messages:
//!
//! * `reelbeats-tempo` every `update-seconds` of audio while it plays: `bpm` and `confidence`
//!   (f64) of the audio so far, for a live view;
//! * at EOS, before the EOS goes on: `reelbeats-onset` per onset (`time`, `strength`), then
//!   `reelbeats-beat` per beat (`time` f64 seconds, `bar` u32 from 0, `position` u32 from 1,
//!   `downbeat` bool, `strength` f64), then `reelbeats-done` once: `bpm`, `confidence`,
//!   `beats`, `downbeats`, `onsets` and `audio-seconds`. Audio with no beat posts no beats and
//!   `bpm` 0.
//!
//! Times count from the first buffer's timestamp. Tempo comes from the envelope's
//! autocorrelation with a log-normal prior around `start-bpm` ([`tempo`]), beats from Ellis'
//! dynamic programming tracker ([`track`]), downbeats from where the harmony changes and the
//! low drums hit ([`bars`]); the final tempo is the slope of the tracked beats.
//!
//! ```text
//! gst-launch-1.0 -m filesrc location=bed.wav ! decodebin ! audioconvert ! \
//!     audio/x-raw,format=F32LE,channels=1 ! reelbeats ! fakesink
//! ```
//!
//! Without GStreamer, [`analyse`] does the same over a slice of samples.

use gst::glib;
use gst::prelude::*;

pub mod bars;
mod imp;
pub mod onset;
pub mod score;
pub mod tempo;
pub mod track;

pub use onset::{Envelope, OnsetDetector};
pub use tempo::{Tempo, TempoRange};

/// One beat of the music.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beat {
    /// Seconds from the first sample.
    pub time: f64,
    /// The bar it is in, from 0 (a bar before the first downbeat is bar 0 too).
    pub bar: u32,
    /// Its place in the bar, from 1; 1 is the downbeat.
    pub position: u32,
    /// Onset strength at the beat, in standard deviations of the whole envelope.
    pub strength: f64,
}

impl Beat {
    pub fn is_downbeat(&self) -> bool {
        self.position == 1
    }
}

/// A peak of onset strength: something started here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Onset {
    pub time: f64,
    pub strength: f64,
}

/// What [`analyse`] finds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    /// Beats per minute; 0 when no beat was found.
    pub bpm: f64,
    /// How periodic the onsets are, 0 to 1.
    pub confidence: f64,
    pub beats: Vec<Beat>,
    pub onsets: Vec<Onset>,
    pub audio_seconds: f64,
}

impl Analysis {
    pub fn downbeats(&self) -> impl Iterator<Item = &Beat> {
        self.beats.iter().filter(|b| b.is_downbeat())
    }
}

/// What the analysis may assume about the music.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub range: TempoRange,
    pub beats_per_bar: u32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            range: TempoRange::default(),
            beats_per_bar: 4,
        }
    }
}

/// Beats, tempo and onsets of mono `samples` at `rate` Hz.
pub fn analyse(samples: &[f32], rate: u32, params: &Params) -> Analysis {
    let mut detector = OnsetDetector::new(rate.max(1));
    detector.push(samples);
    let mut analysis = analyse_envelope(&detector.finish(), params);
    analysis.audio_seconds = samples.len() as f64 / f64::from(rate.max(1));
    analysis
}

/// The analysis of a measured envelope (`audio_seconds` is left for the caller).
pub fn analyse_envelope(envelope: &Envelope, params: &Params) -> Analysis {
    let onsets = peaks(envelope);
    let Some(found) = tempo::estimate(&envelope.flux, envelope.frame_rate, &params.range) else {
        return Analysis {
            onsets,
            ..Analysis::default()
        };
    };
    let (frames, found) = settle_octave(envelope, found, &params.range);
    let times: Vec<f64> = track::refine(&envelope.flux, &frames, found.period)
        .into_iter()
        .map(|f| envelope.time(f))
        .collect();
    let per_bar = params.beats_per_bar.max(1) as usize;
    let phase = bars::downbeat_phase(envelope, &frames, per_bar);
    let strengths = tempo::normalised(&envelope.flux);
    let beats = times
        .iter()
        .zip(&frames)
        .enumerate()
        .map(|(i, (&time, &frame))| {
            // Beats before the first downbeat end bar 0's pickup: they count up to it.
            let from_downbeat = i as isize - phase as isize;
            let bar = from_downbeat.div_euclid(per_bar as isize) + isize::from(phase > 0);
            Beat {
                time,
                bar: bar.max(0) as u32,
                position: from_downbeat.rem_euclid(per_bar as isize) as u32 + 1,
                strength: strengths.get(frame).copied().unwrap_or(0.0),
            }
        })
        .collect();
    Analysis {
        bpm: steady_bpm(&times).unwrap_or(found.bpm),
        confidence: found.confidence,
        beats,
        onsets,
        audio_seconds: 0.0,
    }
}

/// Every other beat this much softer than the rest (as a share)...
const ALTERNATION: f64 = 0.7;
/// ...with next to nothing played between beats (onsets at the midpoints, as a share of those
/// on the beats), and the pulse is eighth notes: the beat is half as fast.
const EMPTY_MIDPOINTS: f64 = 0.2;
/// Midpoints played about as hard as the beats (in power, as a share) are beats themselves:
/// the pulse is twice as fast.
const FULL_MIDPOINTS: f64 = 0.75;

/// The strongest value of `flux` within two frames of `at`.
fn near(flux: &[f32], at: usize) -> f64 {
    let (from, to) = (at.saturating_sub(2), (at + 3).min(flux.len()));
    flux[from.min(to)..to].iter().cloned().fold(0.0, f32::max) as f64
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n.max(1) as f64
}

/// Beats tracked at the tempo found, or at half or twice it: the autocorrelation cannot tell a
/// beat with eighths between from a pulse twice as fast, but the playing can. Eighths
/// alternate hard (on the beat) and soft (off it) with nothing between them; a real beat at
/// that speed is played evenly or is itself subdivided. And notes between the beats played
/// as hard as the beats are beats.
fn settle_octave(envelope: &Envelope, found: Tempo, range: &TempoRange) -> (Vec<usize>, Tempo) {
    let frames = track::track(&envelope.flux, found.period);
    if frames.len() < 8 {
        return (frames, found);
    }
    let at_beats = |flux: &[f32]| mean(frames.iter().map(|&b| near(flux, b)));
    let at_midpoints =
        |flux: &[f32]| mean(frames.windows(2).map(|p| near(flux, (p[0] + p[1]) / 2)));
    let share = |part: f64, whole: f64| part / whole.max(f64::MIN_POSITIVE);
    let loud = &envelope.loud_flux;
    let played = |parity: usize| {
        mean(
            frames
                .iter()
                .skip(parity)
                .step_by(2)
                .map(|&b| near(loud, b)),
        )
    };
    let (even, odd) = (played(0), played(1));
    let alternation = share(even.min(odd), even.max(odd));
    let between = share(at_midpoints(&envelope.flux), at_beats(&envelope.flux));
    let between_loud = share(at_midpoints(loud), at_beats(loud));
    let factor = if found.bpm / 2.0 >= range.min_bpm
        && alternation < ALTERNATION
        && between < EMPTY_MIDPOINTS
    {
        2.0
    } else if found.bpm * 2.0 <= range.max_bpm && between_loud >= FULL_MIDPOINTS {
        0.5
    } else {
        return (frames, found);
    };
    let settled = Tempo {
        bpm: found.bpm / factor,
        period: found.period * factor,
        ..found
    };
    (track::track(&envelope.flux, settled.period), settled)
}

/// The tempo as the least-squares slope of beat time over beat number: far finer than the
/// frame step the autocorrelation is measured at.
fn steady_bpm(times: &[f64]) -> Option<f64> {
    if times.len() < 4 {
        return None;
    }
    let n = times.len() as f64;
    let mean_i = (n - 1.0) / 2.0;
    let mean_t = times.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, t) in times.iter().enumerate() {
        num += (i as f64 - mean_i) * (t - mean_t);
        den += (i as f64 - mean_i).powi(2);
    }
    let slope = num / den;
    (slope > 0.0).then(|| 60.0 / slope)
}

/// Local maxima of onset strength over ±50 ms that stand half a deviation above the mean.
fn peaks(envelope: &Envelope) -> Vec<Onset> {
    let x = tempo::normalised(&envelope.flux);
    let reach = (0.05 * envelope.frame_rate).round().max(1.0) as usize;
    (0..x.len())
        .filter(|&i| {
            let (from, to) = (i.saturating_sub(reach), (i + reach + 1).min(x.len()));
            x[i] > 0.5 && x[from..to].iter().all(|&v| v <= x[i]) && (i == 0 || x[i - 1] < x[i])
        })
        .map(|i| Onset {
            time: envelope.time(i as f64),
            strength: x[i],
        })
        .collect()
}

glib::wrapper! {
    /// The `reelbeats` element.
    pub struct Beats(ObjectSubclass<imp::Beats>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `reelbeats` with the plugin.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "reelbeats",
        gst::Rank::NONE,
        Beats::static_type(),
    )
}
