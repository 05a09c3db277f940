//! Tempo from the onset envelope's autocorrelation: the beat period is the lag at which the
//! envelope best matches itself, weighted by a prior over tempos (log-normal around
//! `start_bpm`, one octave wide, as librosa's `tempo` uses) so a bar or an eighth note is not
//! taken for the beat.

/// Limits and prior of the search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoRange {
    pub min_bpm: f64,
    pub max_bpm: f64,
    /// The centre of the prior: the tempo most music sits near.
    pub start_bpm: f64,
}

impl Default for TempoRange {
    fn default() -> TempoRange {
        TempoRange {
            min_bpm: 50.0,
            max_bpm: 220.0,
            start_bpm: 120.0,
        }
    }
}

/// The tempo found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tempo {
    pub bpm: f64,
    /// The beat period in envelope frames (fractional).
    pub period: f64,
    /// The autocorrelation at the period over the one at lag 0: near 1 for a steady pulse,
    /// near 0 for audio with no beat.
    pub confidence: f64,
}

/// The envelope with its mean removed and scaled to unit deviation; all zeros when flat.
pub fn normalised(envelope: &[f32]) -> Vec<f64> {
    let n = envelope.len().max(1) as f64;
    let mean = envelope.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = envelope
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let sd = var.sqrt();
    if sd <= 1e-12 {
        return vec![0.0; envelope.len()];
    }
    envelope
        .iter()
        .map(|&v| (f64::from(v) - mean) / sd)
        .collect()
}

/// Autocorrelation of `x` for lags `0..=max_lag`, each divided by its number of products.
fn autocorrelation(x: &[f64], max_lag: usize) -> Vec<f64> {
    (0..=max_lag.min(x.len().saturating_sub(1)))
        .map(|lag| {
            let products = x.len() - lag;
            let sum: f64 = x[..products]
                .iter()
                .zip(&x[lag..])
                .map(|(a, b)| a * b)
                .sum();
            sum / products as f64
        })
        .collect()
}

/// `x` through a [1, 2, 1] / 4 kernel, edges held.
fn smoothed(x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let at = |j: usize| x[j.min(x.len() - 1)];
            0.25 * at(i.saturating_sub(1)) + 0.5 * x[i] + 0.25 * at(i + 1)
        })
        .collect()
}

/// Where between `i - 1`, `i` and `i + 1` a parabola through the three values peaks.
fn parabolic_peak(values: &[f64], i: usize) -> f64 {
    if i == 0 || i + 1 >= values.len() {
        return i as f64;
    }
    let (a, b, c) = (values[i - 1], values[i], values[i + 1]);
    let denominator = a - 2.0 * b + c;
    if denominator.abs() < 1e-12 {
        return i as f64;
    }
    i as f64 + (0.5 * (a - c) / denominator).clamp(-0.5, 0.5)
}

/// The tempo of an envelope at `frame_rate` frames per second; `None` when it is too short
/// to hold two beats at the slowest tempo, or has no onsets at all.
pub fn estimate(envelope: &[f32], frame_rate: f64, range: &TempoRange) -> Option<Tempo> {
    let x = normalised(envelope);
    let lag_of = |bpm: f64| 60.0 * frame_rate / bpm;
    let min_lag = lag_of(range.max_bpm).floor().max(1.0) as usize;
    let max_lag = lag_of(range.min_bpm).ceil() as usize;
    if x.len() < 2 * max_lag || x.iter().all(|&v| v == 0.0) {
        return None;
    }
    // Smoothed, a beat whose period falls between frames still shows as one peak, not as
    // two half peaks that an octave's whole one would beat.
    let acf = smoothed(&autocorrelation(&smoothed(&x), max_lag + 2));
    let prior = |lag: f64| {
        let octaves = (lag_of(range.start_bpm) / lag).log2();
        (-0.5 * octaves * octaves).exp()
    };
    let best = (min_lag..=max_lag)
        .filter(|&lag| lag + 1 < acf.len())
        // A peak, not the slope beside one.
        .filter(|&lag| acf[lag] >= acf[lag - 1] && acf[lag] >= acf[lag + 1])
        .max_by(|&a, &b| {
            (acf[a].max(0.0) * prior(a as f64)).total_cmp(&(acf[b].max(0.0) * prior(b as f64)))
        })?;
    if acf[best] <= 0.0 {
        return None;
    }
    let period = parabolic_peak(&acf, best);
    Some(Tempo {
        bpm: 60.0 * frame_rate / period,
        period,
        confidence: (acf[best] / acf[0]).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An envelope with a pulse every `period` frames (fractional periods rounded per pulse).
    fn pulses(period: f64, frames: usize) -> Vec<f32> {
        let mut envelope = vec![0f32; frames];
        let mut t = 0.0f64;
        while (t as usize) < frames {
            envelope[t.round() as usize % frames] = 1.0;
            t += period;
        }
        envelope
    }

    #[test]
    fn a_pulse_train_gives_its_own_tempo() {
        let frame_rate = 86.13;
        // A bare pulse at 180 BPM is as much 90 BPM, and the prior says 90: told the music is
        // fast, it says 180.
        let fast = TempoRange {
            start_bpm: 170.0,
            ..TempoRange::default()
        };
        let cases = [70.0, 96.0, 120.0, 150.0, 160.0].map(|bpm| (bpm, TempoRange::default()));
        for (bpm, range) in cases.into_iter().chain([(180.0, fast)]) {
            let period = 60.0 * frame_rate / bpm;
            let tempo = estimate(&pulses(period, 3000), frame_rate, &range).expect("a tempo");
            assert!(
                (tempo.bpm - bpm).abs() / bpm < 0.02,
                "{bpm} BPM read as {}",
                tempo.bpm
            );
            assert!(tempo.confidence > 0.5);
        }
    }

    #[test]
    fn silence_and_short_input_have_no_tempo() {
        let range = TempoRange::default();
        assert_eq!(estimate(&vec![0.0; 5000], 86.0, &range), None);
        assert_eq!(estimate(&pulses(40.0, 100), 86.0, &range), None);
    }
}
