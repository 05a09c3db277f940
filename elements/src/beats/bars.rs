//! Downbeats: which beat of each bar is the first. A bar starts where the harmony changes
//! (a new chord sounds, the bass moves), where the low drum hits land and where the playing
//! is hardest, so each of the `beats_per_bar` phases is scored by the change in band energy
//! across its beats, its low-band onsets and its onset strength, and the best phase wins.

use super::onset::{Envelope, BANDS};

/// Mean log band energies of the frames from `from` to `to` (exclusive).
fn mean_bands(envelope: &Envelope, from: usize, to: usize) -> [f32; BANDS] {
    let mut mean = [0f32; BANDS];
    let frames = &envelope.bands[from.min(to)..to];
    for bands in frames {
        for (m, b) in mean.iter_mut().zip(bands) {
            *m += b;
        }
    }
    let n = frames.len().max(1) as f32;
    mean.map(|m| m / n)
}

/// Bands up to about 4 kHz: where chords and bass notes sound (bands are log-spaced from
/// 30 Hz to 11 kHz).
const HARMONY_BANDS: usize = BANDS * 41 / 48;

/// The band-by-band mean of several beats' means.
fn average(means: &[[f32; BANDS]]) -> [f32; BANDS] {
    let mut sum = [0f32; BANDS];
    for m in means {
        for (s, v) in sum.iter_mut().zip(m) {
            *s += v;
        }
    }
    sum.map(|s| s / means.len().max(1) as f32)
}

/// Music whose power below the kick bands' edge is under this share has no low end to go by.
const LOW_END_SHARE: f64 = 0.05;

/// Scales to unit maximum, so the two cues weigh the same whatever their units.
fn unit_max(values: Vec<f64>) -> Vec<f64> {
    let max = values.iter().cloned().fold(0.0, f64::max);
    if max <= 0.0 {
        return values;
    }
    values.into_iter().map(|v| v / max).collect()
}

/// The index (in `beats`) of the first downbeat: the phase, in `0..beats_per_bar`, that bars
/// start on. `beats` are envelope frames in order.
pub fn downbeat_phase(envelope: &Envelope, beats: &[usize], beats_per_bar: usize) -> usize {
    if beats.len() < 2 * beats_per_bar || beats_per_bar < 2 {
        return 0;
    }
    let frames = envelope.bands.len();
    // Each beat's span runs to the next beat; the last one is as long as the one before it.
    let spans: Vec<(usize, usize)> = beats
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let end = beats
                .get(i + 1)
                .copied()
                .unwrap_or_else(|| b + (b - beats[i - 1]));
            (b.min(frames), end.min(frames))
        })
        .collect();
    let means: Vec<[f32; BANDS]> = spans
        .iter()
        .map(|&(from, to)| mean_bands(envelope, from, to))
        .collect();
    // A bar's chord lasts the bar: the two beats after a bar line sound unlike the two before
    // it, while mid-bar the two halves match.
    let window = (beats_per_bar / 2).max(1);
    let change = unit_max(
        (0..beats.len())
            .map(|i| {
                if i < window || i + window > beats.len() {
                    return 0.0;
                }
                let before = average(&means[i - window..i]);
                let after = average(&means[i..i + window]);
                before
                    .iter()
                    .zip(&after)
                    .take(HARMONY_BANDS)
                    .map(|(a, b)| f64::from((a - b).abs()))
                    .sum()
            })
            .collect(),
    );
    // The strongest onset within two frames of each beat.
    let near_beats = |flux: &[f32]| {
        let peaks = beats.iter().map(|&b| {
            let (from, to) = (b.saturating_sub(2), (b + 3).min(frames));
            flux[from.min(to)..to].iter().cloned().fold(0.0, f32::max) as f64
        });
        unit_max(peaks.collect())
    };
    // Drums and bass mark the bar with low hits. Music without a low end (a metronome's
    // clicks) marks it by playing the first beat hardest.
    let low = near_beats(if envelope.low_share >= LOW_END_SHARE {
        &envelope.low_flux
    } else {
        &envelope.loud_flux
    });
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let picked = |phase: usize| (phase..beats.len()).step_by(beats_per_bar);
    let score = |phase: usize| {
        // The beats at the ends have no full window around them to measure.
        let changes: Vec<f64> = picked(phase)
            .filter(|&i| i >= window && i + window <= beats.len())
            .map(|i| change[i])
            .collect();
        let lows: Vec<f64> = picked(phase).map(|i| low[i]).collect();
        mean(&changes) + mean(&lows)
    };
    (0..beats_per_bar)
        .max_by(|&a, &b| score(a).total_cmp(&score(b)))
        .unwrap_or(0)
}
