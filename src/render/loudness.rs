//! Loudness: EBU R128 integrated loudness (the `ebur128` crate), gain to a target, and a peak
//! limiter so the gain never clips.

/// Highest sample peak after normalising, dBFS (leaves room for AAC overshoot).
pub const CEILING_DB: f64 = -1.0;

/// Integrated loudness (LUFS) of interleaved samples; `None` for silence.
pub fn integrated(samples: &[f32], rate: u32, channels: u32) -> Option<f64> {
    let mut meter = ebur128::EbuR128::new(channels, rate, ebur128::Mode::I).ok()?;
    meter.add_frames_f32(samples).ok()?;
    meter.loudness_global().ok().filter(|l| l.is_finite())
}

pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Brings interleaved `samples` to `target` LUFS, limiting peaks to [`CEILING_DB`]. Limiting
/// lowers loudness a little, so it measures again and corrects (twice is plenty).
/// Returns the loudness reached, or `None` when the audio is silent.
pub fn normalize(samples: &mut [f32], rate: u32, channels: u32, target: f64) -> Option<f64> {
    let mut loudness = integrated(samples, rate, channels)?;
    for _ in 0..3 {
        if (loudness - target).abs() < 0.1 {
            break;
        }
        let gain = db_to_gain(target - loudness) as f32;
        samples.iter_mut().for_each(|s| *s *= gain);
        limit(
            samples,
            rate,
            channels as usize,
            db_to_gain(CEILING_DB) as f32,
        );
        loudness = integrated(samples, rate, channels)?;
    }
    Some(loudness)
}

/// Look-ahead limiter: the gain each frame needs is spread to its neighbours with a minimum
/// filter, then smoothed with a moving average of half that window. Each averaged value is at
/// most the gain the frame needs, so no peak passes the ceiling, and the gain never jumps.
///
/// Done a block at a time, so its memory stays a few blocks whatever the length: a block's
/// gains depend on the frames up to `half + half / 2` either side, whose needs are kept from
/// before the block was scaled.
pub fn limit(samples: &mut [f32], rate: u32, channels: usize, ceiling: f32) {
    let channels = channels.max(1);
    let frames = samples.len() / channels;
    let half = (rate as usize / 200).max(1); // 5 ms each side
    let reach = half + half / 2;
    // The needs of frames [base, base + need.len()), from the samples as they came.
    let (mut base, mut need) = (0usize, Vec::<f32>::new());
    let mut start = 0;
    while start < frames {
        let end = (start + LIMIT_BLOCK).min(frames);
        let (from, to) = (start.saturating_sub(reach), (end + reach).min(frames));
        while base + need.len() < to {
            let f = base + need.len();
            need.push(gain_needed(
                &samples[f * channels..(f + 1) * channels],
                ceiling,
            ));
        }
        need.drain(..from - base);
        base = from;
        if need.iter().any(|g| *g < 1.0) {
            let spread = min_filter(&need, half);
            let gains = moving_average_over(&spread, from, half / 2, start..end, frames);
            for (f, gain) in (start..end).zip(gains) {
                samples[f * channels..(f + 1) * channels]
                    .iter_mut()
                    .for_each(|s| *s *= gain);
            }
        }
        start = end;
    }
}

/// The gain that brings the loudest sample of `frame` down to `ceiling` (1 when it is under).
fn gain_needed(frame: &[f32], ceiling: f32) -> f32 {
    let peak = frame.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak > ceiling {
        ceiling / peak
    } else {
        1.0
    }
}

/// Frames the limiter takes at a time.
const LIMIT_BLOCK: usize = 1 << 16;

/// For each frame in `range`, the mean of `values` (which start at frame `first`) over
/// `[i - r, i + r]`, clamped to `[0, frames)`.
fn moving_average_over(
    values: &[f32],
    first: usize,
    r: usize,
    range: std::ops::Range<usize>,
    frames: usize,
) -> Vec<f32> {
    let mut prefix = vec![0f64; values.len() + 1];
    for (i, v) in values.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(*v);
    }
    range
        .map(|i| {
            let (a, b) = (i.saturating_sub(r), (i + r + 1).min(frames));
            ((prefix[b - first] - prefix[a - first]) / (b - a) as f64) as f32
        })
        .collect()
}

/// Minimum over `[i - half, i + half]`.
fn min_filter(values: &[f32], half: usize) -> Vec<f32> {
    // Van Herk / Gil-Werman: block prefix and suffix minima, O(n).
    let window = 2 * half + 1;
    let n = values.len();
    let padded: Vec<f32> = (0..n + 2 * half)
        .map(|i| {
            if i < half || i >= n + half {
                1.0
            } else {
                values[i - half]
            }
        })
        .collect();
    let mut prefix = padded.clone();
    let mut suffix = padded.clone();
    for i in 1..padded.len() {
        if i % window != 0 {
            prefix[i] = prefix[i].min(prefix[i - 1]);
        }
    }
    for i in (0..padded.len().saturating_sub(1)).rev() {
        if (i + 1) % window != 0 {
            suffix[i] = suffix[i].min(suffix[i + 1]);
        }
    }
    (0..n)
        .map(|i| suffix[i].min(prefix[i + window - 1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The limiter as one pass over whole arrays: what the block-wise one must match.
    fn limit_whole(samples: &mut [f32], rate: u32, channels: usize, ceiling: f32) {
        let frames = samples.len() / channels;
        let need: Vec<f32> = samples
            .chunks_exact(channels)
            .map(|frame| gain_needed(frame, ceiling))
            .collect();
        let half = (rate as usize / 200).max(1);
        let spread = min_filter(&need, half);
        let smooth = moving_average_over(&spread, 0, half / 2, 0..frames, frames);
        for (f, gain) in smooth.iter().enumerate() {
            samples[f * channels..(f + 1) * channels]
                .iter_mut()
                .for_each(|s| *s *= gain);
        }
    }

    #[test]
    fn the_block_wise_limiter_matches_one_pass_across_block_edges() {
        // Loud bursts, some straddling block edges, over a quiet bed; odd length.
        let frames = 3 * LIMIT_BLOCK + 1234;
        let mut samples: Vec<f32> = (0..frames * 2)
            .map(|i| 0.2 * ((i as f32) * 0.013).sin())
            .collect();
        for centre in [
            10,
            LIMIT_BLOCK - 100,
            LIMIT_BLOCK + 5,
            2 * LIMIT_BLOCK,
            frames - 3,
        ] {
            for f in centre.saturating_sub(300)..(centre + 300).min(frames) {
                samples[2 * f] *= 6.0;
                samples[2 * f + 1] *= -5.0;
            }
        }
        let mut whole = samples.clone();
        limit_whole(&mut whole, 48_000, 2, 0.9);
        limit(&mut samples, 48_000, 2, 0.9);
        let worst = samples
            .iter()
            .zip(&whole)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-6, "differs by {worst}");
        assert!(samples.iter().all(|s| s.abs() <= 0.9 + 1e-6));
    }

    fn tone(seconds: f64, amplitude: f32) -> Vec<f32> {
        (0..(48_000.0 * seconds) as usize)
            .flat_map(|i| {
                let v =
                    amplitude * (i as f32 * 2.0 * std::f32::consts::PI * 1000.0 / 48_000.0).sin();
                [v, v]
            })
            .collect()
    }

    #[test]
    fn normalises_to_the_target_without_clipping() {
        let mut quiet = tone(5.0, 0.05);
        let reached = normalize(&mut quiet, 48_000, 2, -16.0).unwrap();
        assert!((reached + 16.0).abs() < 0.2, "{reached}");
        assert!((integrated(&quiet, 48_000, 2).unwrap() + 16.0).abs() < 0.2);
        // A loud tone with a spike: the spike is limited, the level still reaches the target.
        let mut spiky = tone(5.0, 0.1);
        spiky[48_000] = 1.0;
        normalize(&mut spiky, 48_000, 2, -14.0).unwrap();
        let ceiling = db_to_gain(CEILING_DB) as f32;
        assert!(spiky.iter().all(|s| s.abs() <= ceiling + 1e-6));
    }

    #[test]
    fn min_filter_spreads_each_minimum_over_the_window() {
        let values = [1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.2];
        assert_eq!(
            min_filter(&values, 1),
            vec![1.0, 0.5, 0.5, 0.5, 1.0, 0.2, 0.2]
        );
    }

    #[test]
    fn silence_has_no_loudness() {
        assert!(integrated(&[0.0; 96_000], 48_000, 2).is_none());
    }
}
