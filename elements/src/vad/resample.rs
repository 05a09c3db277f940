//! Band-limited resampling of mono audio between any two rates.
//!
//! Each output sample is the input under a Blackman-windowed sinc centred on the output
//! sample's instant, with its cutoff just below the lower of the two Nyquist frequencies, so
//! that downsampling does not fold high frequencies back into the speech band. The kernel is
//! read from a finely sampled table (linear interpolation between entries) instead of calling
//! `sin` per tap, and the weights of each output sample are normalised to sum to one, so a
//! constant signal stays exactly constant.

use std::f64::consts::PI;

/// Zero crossings of the sinc on each side of the centre: the kernel's reach.
const ZERO_CROSSINGS: usize = 16;
/// Table entries per zero crossing.
const STEPS: usize = 512;
/// The cutoff as a fraction of the lower Nyquist frequency: the window's transition band
/// lies mostly below it.
const ROLLOFF: f64 = 0.95;

/// `samples` at `from` Hz resampled to `to` Hz: `len × to / from` samples (rounded), output
/// sample `n` at the instant of input position `n × from / to`. Outside the input is silence.
/// A rate of 0 gives no samples.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to {
        return samples.to_vec();
    }
    if from == 0 || to == 0 || samples.is_empty() {
        return Vec::new();
    }
    let kernel = Kernel::new();
    let (from, to) = (u64::from(from), u64::from(to));
    let out_len = (samples.len() as u64 * to + from / 2) / from;
    let step = from as f64 / to as f64;
    // Kernel units per input sample: below 1 when downsampling, which widens the kernel.
    let scale = ROLLOFF * (to as f64 / from as f64).min(1.0);
    let reach = ZERO_CROSSINGS as f64 / scale;
    let last = samples.len() as i64 - 1;
    (0..out_len)
        .map(|n| {
            let t = n as f64 * step;
            let (mut sum, mut weights) = (0.0f64, 0.0f64);
            for k in (t - reach).ceil() as i64..=(t + reach).floor() as i64 {
                let weight = kernel.at((t - k as f64).abs() * scale);
                weights += weight;
                if (0..=last).contains(&k) {
                    sum += weight * f64::from(samples[k as usize]);
                }
            }
            // The centre tap alone weighs about 1: never zero.
            (sum / weights) as f32
        })
        .collect()
}

/// `sinc(u) × blackman(u / ZERO_CROSSINGS)` for `u` in `[0, ZERO_CROSSINGS]`.
struct Kernel {
    table: Vec<f64>,
}

impl Kernel {
    fn new() -> Kernel {
        let len = ZERO_CROSSINGS * STEPS;
        // One zero past the end, so interpolation at the last step reads it.
        let table = (0..=len + 1)
            .map(|i| {
                if i >= len {
                    return 0.0;
                }
                let u = i as f64 / STEPS as f64;
                let sinc = if i == 0 {
                    1.0
                } else {
                    (PI * u).sin() / (PI * u)
                };
                let v = u / ZERO_CROSSINGS as f64;
                let blackman = 0.42 + 0.5 * (PI * v).cos() + 0.08 * (2.0 * PI * v).cos();
                sinc * blackman
            })
            .collect();
        Kernel { table }
    }

    /// The kernel at `u ≥ 0` kernel units from its centre.
    fn at(&self, u: f64) -> f64 {
        let position = u * STEPS as f64;
        let i = position as usize;
        if i + 1 >= self.table.len() {
            return 0.0;
        }
        let frac = position - i as f64;
        self.table[i] * (1.0 - frac) + self.table[i + 1] * frac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)) as usize;
        (0..n)
            .map(|i| (2.0 * PI * hz * i as f64 / f64::from(rate)).sin() as f32 * 0.5)
            .collect()
    }

    /// The largest difference from the ideal sine, away from the edges (where the input stops).
    fn error_from_sine(out: &[f32], hz: f64, rate: u32) -> f32 {
        let margin = out.len() / 10;
        let ideal = sine(hz, rate, out.len() as f64 / f64::from(rate) + 1.0);
        out[margin..out.len() - margin]
            .iter()
            .zip(&ideal[margin..])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }

    fn rms(samples: &[f32]) -> f64 {
        let sum: f64 = samples.iter().map(|s| f64::from(*s).powi(2)).sum();
        (sum / samples.len() as f64).sqrt()
    }

    #[test]
    fn lengths_follow_the_rates() {
        assert_eq!(resample(&vec![0.1; 22_050], 22_050, 16_000).len(), 16_000);
        assert_eq!(resample(&vec![0.1; 1000], 8_000, 16_000).len(), 2000);
        assert_eq!(resample(&vec![0.1; 441], 44_100, 16_000).len(), 160);
        assert_eq!(resample(&[0.5, 0.25], 16_000, 16_000), vec![0.5, 0.25]);
        assert!(resample(&[0.5], 0, 16_000).is_empty());
        assert!(resample(&[], 22_050, 16_000).is_empty());
    }

    #[test]
    fn a_constant_stays_constant() {
        let out = resample(&vec![0.3; 5000], 22_050, 16_000);
        // Away from the edges (outside the input is silence) the weights sum to one.
        for s in &out[100..out.len() - 100] {
            assert!((s - 0.3).abs() < 1e-6, "{s}");
        }
    }

    #[test]
    fn speech_band_tones_come_through_unchanged() {
        for (hz, from, to) in [
            (440.0, 22_050, 16_000),
            (3000.0, 22_050, 16_000),
            (1000.0, 44_100, 16_000),
            (1000.0, 8_000, 16_000),
            (5000.0, 16_000, 22_050),
        ] {
            let out = resample(&sine(hz, from, 1.0), from, to);
            let error = error_from_sine(&out, hz, to);
            assert!(error < 2e-3, "{hz} Hz, {from} → {to} Hz: off by {error}");
        }
    }

    #[test]
    fn tones_above_the_new_nyquist_are_removed() {
        // 10 kHz cannot be represented at 16 kHz: it would fold back to 6 kHz.
        for from in [22_050, 44_100, 48_000] {
            let out = resample(&sine(10_000.0, from, 1.0), from, 16_000);
            let middle = &out[1000..out.len() - 1000];
            assert!(rms(middle) < 0.005, "{from} Hz: rms {}", rms(middle));
        }
    }

    #[test]
    fn timing_is_kept() {
        // A click at 0.5 s stays at 0.5 s.
        let mut click = vec![0.0f32; 22_050];
        click[11_025] = 1.0;
        let out = resample(&click, 22_050, 16_000);
        let peak =
            out.iter().enumerate().fold(
                (0, 0.0f32),
                |best, (i, s)| if *s > best.1 { (i, *s) } else { best },
            );
        assert_eq!(peak.0, 8000);
    }
}
