//! Whisper's log-mel features, computed as openai-whisper's `log_mel_spectrogram` does (numpy):
//! any difference in the input features changes what the model hears, so every step follows
//! `models/whisper/reference_decode.py`, including its float32/float64 choices.

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

pub const SAMPLE_RATE: usize = 16_000;
pub const N_FFT: usize = 400;
pub const HOP: usize = 160;
pub const N_MELS: usize = 80;
/// FFT bins of a real 400-point transform.
pub const N_BINS: usize = N_FFT / 2 + 1;
/// One 30 s window, in samples and in mel frames.
pub const WINDOW_SAMPLES: usize = 30 * SAMPLE_RATE;
pub const WINDOW_FRAMES: usize = WINDOW_SAMPLES / HOP;

/// The Slaney-scale mel filterbank (librosa's `filters.mel(16000, 400, 80)`), `[80, 201]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filterbank {
    weights: Vec<f32>,
    /// Per row, the range of bins with non-zero weights: most of a row is zero, and skipping
    /// the zeros makes the projection ~25 times cheaper.
    spans: Vec<(usize, usize)>,
}

/// Slaney's mel scale: linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let min_log_mel = 1000.0 / (200.0 / 3.0);
    if hz >= 1000.0 {
        min_log_mel + (hz.max(1e-10) / 1000.0).ln() / (6.4f64.ln() / 27.0)
    } else {
        hz / (200.0 / 3.0)
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let min_log_mel = 1000.0 / (200.0 / 3.0);
    if mel >= min_log_mel {
        1000.0 * ((6.4f64.ln() / 27.0) * (mel - min_log_mel)).exp()
    } else {
        (200.0 / 3.0) * mel
    }
}

impl Filterbank {
    /// Triangles on 82 points evenly spaced in mel from 0 to 8 kHz, evaluated at the FFT bin
    /// frequencies, each scaled by 2 / (f[i+2] - f[i]); computed in f64, kept as f32.
    pub fn slaney() -> Filterbank {
        let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE as f64 / 2.0));
        let points = N_MELS + 2;
        // As numpy's linspace: start + i * step, with the last point exactly `hi`.
        let step = (hi - lo) / (points - 1) as f64;
        let hz: Vec<f64> = (0..points)
            .map(|i| {
                let mel = if i == points - 1 {
                    hi
                } else {
                    lo + i as f64 * step
                };
                mel_to_hz(mel)
            })
            .collect();
        let bin_hz = SAMPLE_RATE as f64 / N_FFT as f64;
        let mut weights = vec![0.0f32; N_MELS * N_BINS];
        let mut spans = Vec::with_capacity(N_MELS);
        for i in 0..N_MELS {
            let norm = 2.0 / (hz[i + 2] - hz[i]);
            let row = &mut weights[i * N_BINS..(i + 1) * N_BINS];
            let (mut first, mut last) = (N_BINS, 0);
            for (k, w) in row.iter_mut().enumerate() {
                let f = k as f64 * bin_hz;
                let lower = (f - hz[i]) / (hz[i + 1] - hz[i]);
                let upper = (hz[i + 2] - f) / (hz[i + 2] - hz[i + 1]);
                *w = (0.0f64.max(lower.min(upper)) * norm) as f32;
                if *w != 0.0 {
                    first = first.min(k);
                    last = k + 1;
                }
            }
            spans.push((first.min(last), last));
        }
        Filterbank { weights, spans }
    }

    /// The weights, row-major `[80, 201]`.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Mel energies of one power spectrum, in f32 as numpy's float32 matrix product.
    fn project(&self, power: &[f32], out: &mut [f32]) {
        for (i, (o, &(first, last))) in out.iter_mut().zip(&self.spans).enumerate() {
            let row = &self.weights[i * N_BINS + first..i * N_BINS + last];
            *o = row
                .iter()
                .zip(&power[first..last])
                .map(|(w, p)| w * p)
                .sum();
        }
    }
}

/// Log-mel features of a whole recording, `[80, frames]`, with 30 s of silence appended (as
/// Whisper does, so the last window is full).
#[derive(Debug, Clone, PartialEq)]
pub struct LogMel {
    frames: usize,
    /// Mel-major: `data[mel * frames + frame]`.
    data: Vec<f32>,
}

impl LogMel {
    /// Periodic Hann window of 400, hop 160, frames centred with 200 samples of reflect padding
    /// on both sides, last frame dropped; power spectrum; mel; `log10(max(x, 1e-10))`; clamped
    /// to the global maximum minus 8; `(x + 4) / 4`.
    pub fn compute(samples: &[f32], filters: &Filterbank) -> LogMel {
        let n = samples.len() + WINDOW_SAMPLES;
        let half = N_FFT / 2;
        let audio = |i: usize| samples.get(i).copied().unwrap_or(0.0);
        // numpy's "reflect" padding mirrors around the edge samples without repeating them.
        // `n` is at least 480000, so the mirrored indices are always inside the signal.
        let padded = |j: usize| {
            if j < half {
                audio(half - j)
            } else if j < half + n {
                audio(j - half)
            } else {
                audio(2 * n + half - 2 - j)
            }
        };
        let window: Vec<f32> = (0..N_FFT)
            .map(|k| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        let mut scratch = fft.make_scratch_vec();
        let mut power = vec![0.0f32; N_BINS];
        let mut mel = vec![0.0f32; N_MELS];

        // numpy makes 1 + n / HOP frames and drops the last one.
        let frames = n / HOP;
        let mut data = vec![0.0f32; N_MELS * frames];
        let mut max = f32::NEG_INFINITY;
        for t in 0..frames {
            for (k, x) in input.iter_mut().enumerate() {
                *x = padded(t * HOP + k) * window[k];
            }
            // Both buffers have the lengths the plan made them with, which is all it checks.
            if fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .is_err()
            {
                spectrum.fill(Complex::new(0.0, 0.0));
            }
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.norm_sqr();
            }
            filters.project(&power, &mut mel);
            for (m, &e) in mel.iter().enumerate() {
                let v = e.max(1e-10).log10();
                max = max.max(v);
                data[m * frames + t] = v;
            }
        }
        let floor = max - 8.0;
        for v in &mut data {
            *v = (v.max(floor) + 4.0) / 4.0;
        }
        LogMel { frames, data }
    }

    /// Every frame, the 30 s of appended silence included.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Frames of the recording itself (without the appended silence).
    pub fn content_frames(&self) -> usize {
        self.frames.saturating_sub(WINDOW_FRAMES)
    }

    /// The value of mel band `mel` in frame `frame`, if both exist.
    pub fn get(&self, mel: usize, frame: usize) -> Option<f32> {
        (mel < N_MELS && frame < self.frames).then(|| self.data[mel * self.frames + frame])
    }

    /// The encoder's input `[80, 3000]`: `count` frames from `seek`, then 0.0 (as the
    /// reference pads a short last window, not with the log-mel of silence).
    pub fn window(&self, seek: usize, count: usize) -> Vec<f32> {
        let start = seek.min(self.frames);
        let count = count.min(WINDOW_FRAMES).min(self.frames - start);
        let mut out = vec![0.0f32; N_MELS * WINDOW_FRAMES];
        for m in 0..N_MELS {
            let row = &self.data[m * self.frames + start..m * self.frames + start + count];
            out[m * WINDOW_FRAMES..m * WINDOW_FRAMES + count].copy_from_slice(row);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-7
    }

    #[test]
    fn the_filterbank_matches_librosa() {
        let bank = Filterbank::slaney();
        let w = bank.weights();
        assert_eq!(w.len(), 80 * 201);
        let first = [0.0, 0.024_862_6, 0.0, 0.0, 0.0];
        assert!(
            w[..5].iter().zip(first).all(|(a, b)| close(*a, b)),
            "{:?}",
            &w[..5]
        );
        let row40 = &w[40 * 201..41 * 201];
        let nonzero: Vec<usize> = (0..201).filter(|k| row40[*k] != 0.0).collect();
        assert_eq!(nonzero, vec![42, 43, 44]);
        let expected = [0.00541110, 0.01473556, 0.00651819];
        assert!(row40[42..45]
            .iter()
            .zip(expected)
            .all(|(a, b)| close(*a, b)));
        assert_eq!(w.iter().filter(|v| **v != 0.0).count(), 391);
    }

    #[test]
    fn silence_is_flat_and_windows_are_padded_with_zero() {
        let mel = LogMel::compute(&[0.0; 1600], &Filterbank::slaney());
        assert_eq!(mel.frames(), 10 + 3000);
        assert_eq!(mel.content_frames(), 10);
        // log10(1e-10) = -10 everywhere, which is also the maximum: (-10 + 4) / 4.
        assert_eq!(mel.get(3, 5), Some(-1.5));
        assert_eq!(mel.get(80, 0), None);
        let window = mel.window(0, 10);
        assert_eq!(window.len(), 80 * 3000);
        assert_eq!(window[9], -1.5);
        assert_eq!(window[10], 0.0);
    }

    #[test]
    fn a_tone_lands_in_its_band() {
        // Below 1 kHz the 82 mel points are 37.24 Hz apart, so band 11 peaks at 446.9 Hz.
        let tone: Vec<f32> = (0..16000)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 16000.0).sin())
            .collect();
        let mel = LogMel::compute(&tone, &Filterbank::slaney());
        let frame = 50;
        let loudest = (0..80)
            .max_by(|a, b| {
                let (x, y) = (mel.get(*a, frame), mel.get(*b, frame));
                x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(0);
        assert_eq!(loudest, 11);
    }
}
