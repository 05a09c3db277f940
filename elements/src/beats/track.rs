//! Beat tracking by dynamic programming (Ellis 2007, as librosa's `beat_track`): each frame's
//! best score is its own onset strength plus the best earlier beat's score, less a penalty for
//! an interval that strays from the tempo's period; the beats are read back from the best
//! last beat.

use super::tempo::normalised;

/// How hard the tracker holds to the period: librosa's default.
const TIGHTNESS: f64 = 100.0;

/// Onset strength smoothed by a Gaussian a 32nd of the period wide: a beat may sit a frame
/// off its onset peak without losing it.
fn local_score(onsets: &[f64], period: f64) -> Vec<f64> {
    let half = period.round() as isize;
    let kernel: Vec<f64> = (-half..=half)
        .map(|i| (-0.5 * (i as f64 * 32.0 / period).powi(2)).exp())
        .collect();
    let n = onsets.len() as isize;
    (0..n)
        .map(|i| {
            kernel
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let j = i + k as isize - half;
                    if (0..n).contains(&j) {
                        w * onsets[j as usize]
                    } else {
                        0.0
                    }
                })
                .sum()
        })
        .collect()
}

/// The frames of the beats in `envelope` at a beat `period` (in frames), in order.
pub fn track(envelope: &[f32], period: f64) -> Vec<usize> {
    if envelope.is_empty() || period < 1.0 {
        return Vec::new();
    }
    let score = local_score(&normalised(envelope), period);
    let peak = score.iter().cloned().fold(0.0, f64::max);
    if peak <= 0.0 {
        return Vec::new();
    }
    let n = score.len();
    let (near, far) = (
        (period / 2.0).round().max(1.0) as usize,
        (2.0 * period).round() as usize,
    );
    let mut cumulative = vec![0f64; n];
    let mut backlink: Vec<Option<usize>> = vec![None; n];
    // Before the first beat can be told apart, a frame starts a chain of its own.
    let mut started = false;
    for i in 0..n {
        let mut best: Option<(f64, usize)> = None;
        if i >= near {
            let first = i.saturating_sub(far);
            for (j, earlier) in cumulative[first..=i - near].iter().enumerate() {
                let j = first + j;
                let interval = (i - j) as f64 / period;
                let value = earlier - TIGHTNESS * interval.ln().powi(2);
                if best.is_none_or(|(b, _)| value > b) {
                    best = Some((value, j));
                }
            }
        }
        match best {
            Some((value, j)) if started => {
                cumulative[i] = score[i] + value;
                backlink[i] = Some(j);
            }
            _ => cumulative[i] = score[i],
        }
        if !started && score[i] > 0.01 * peak {
            started = true;
        }
    }
    let Some(last) = last_beat(&cumulative) else {
        return Vec::new();
    };
    let mut beats = vec![last];
    while let Some(previous) = backlink[*beats.last().unwrap_or(&0)] {
        beats.push(previous);
    }
    beats.reverse();
    trim_weak_ends(beats, &score)
}

/// The last local maximum of the cumulative score that reaches half the median of them all:
/// the chain that runs to the end of the music, not one that fades into its tail.
fn last_beat(cumulative: &[f64]) -> Option<usize> {
    let n = cumulative.len();
    let maxima: Vec<usize> = (0..n)
        .filter(|&i| {
            (i == 0 || cumulative[i] > cumulative[i - 1])
                && (i + 1 == n || cumulative[i] >= cumulative[i + 1])
        })
        .collect();
    let mut values: Vec<f64> = maxima.iter().map(|&i| cumulative[i]).collect();
    values.sort_by(f64::total_cmp);
    let median = *values.get(values.len() / 2)?;
    maxima
        .iter()
        .rev()
        .find(|&&i| cumulative[i] >= 0.5 * median)
        .copied()
}

/// Drops beats at the start and end whose onset strength is under half the RMS of all the
/// beats': the tracker keeps its pulse going through silence, the music does not.
fn trim_weak_ends(beats: Vec<usize>, score: &[f64]) -> Vec<usize> {
    if beats.is_empty() {
        return beats;
    }
    let rms = (beats.iter().map(|&b| score[b].powi(2)).sum::<f64>() / beats.len() as f64).sqrt();
    let strong = |b: &&usize| score[**b] >= 0.5 * rms;
    let first = beats.iter().position(|b| strong(&b)).unwrap_or(beats.len());
    let last = beats
        .iter()
        .rposition(|b| strong(&b))
        .map_or(first, |l| l + 1);
    beats[first..last.max(first)].to_vec()
}

/// Where between frames the onset peak near each beat lies (parabola through the local
/// score), so beat times are not quantised to the ~11 ms frame step.
pub fn refine(envelope: &[f32], beats: &[usize], period: f64) -> Vec<f64> {
    let score = local_score(&normalised(envelope), period);
    beats
        .iter()
        .map(|&b| {
            if b == 0 || b + 1 >= score.len() {
                return b as f64;
            }
            let (a, m, c) = (score[b - 1], score[b], score[b + 1]);
            let denominator = a - 2.0 * m + c;
            if denominator >= 0.0 {
                return b as f64;
            }
            b as f64 + (0.5 * (a - c) / denominator).clamp(-0.5, 0.5)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pulse_train_is_tracked_beat_for_beat_with_one_missing_pulse_filled() {
        let period = 40.0;
        let mut envelope = vec![0f32; 2000];
        for k in 1..49 {
            // One beat is missing: the tracker carries the pulse over it.
            if k != 20 {
                envelope[k * 40 + 5] = 1.0;
            }
        }
        let beats = track(&envelope, period);
        let expected: Vec<usize> = (1..49).map(|k| k * 40 + 5).collect();
        assert_eq!(beats, expected);
    }

    #[test]
    fn nothing_to_track_gives_no_beats() {
        assert!(track(&[], 40.0).is_empty());
        assert!(track(&[0.0; 500], 40.0).is_empty());
    }
}
