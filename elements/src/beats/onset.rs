//! Onset strength: how much new sound starts in each short frame, as spectral flux over
//! log-compressed, log-spaced bands (the envelope librosa's `onset_strength` gives, computed
//! frame by frame as the audio arrives so a long file never has to be held whole).

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// Log-spaced bands from [`LOW_HZ`] to [`HIGH_HZ`]: enough to tell a kick from a chord.
pub const BANDS: usize = 48;
const LOW_HZ: f64 = 30.0;
const HIGH_HZ: f64 = 11_000.0;
/// Bands below this carry the kick drum and the bass: the low flux the bar finder weighs.
const KICK_HZ: f64 = 160.0;
/// Log compression `ln(1 + GAIN * power)`: quiet hats and loud kicks both register, and the
/// hats do not outweigh the drums the beat is played on.
const GAIN: f32 = 1.0;

/// Frame length for a sample rate: about 46 ms (2048 samples at 44.1 kHz).
pub fn frame_len(rate: u32) -> usize {
    if rate >= 32_000 {
        2048
    } else if rate >= 16_000 {
        1024
    } else {
        512
    }
}

/// Frames step by a quarter of their length (11.6 ms at 44.1 kHz).
pub fn hop_len(rate: u32) -> usize {
    frame_len(rate) / 4
}

/// The per-frame measures, in frame order; frame `i` is centred on sample
/// `i * hop + frame / 2`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Envelope {
    /// Frames per second.
    pub frame_rate: f64,
    /// Seconds from the first sample to the centre of frame 0.
    pub first_frame_s: f64,
    /// Onset strength: the rise in log band energy over all bands.
    pub flux: Vec<f32>,
    /// The rise in power (cube-rooted, not logged: leakage of a high sound into the low bands
    /// stays negligible) over the kick/bass bands only.
    pub low_flux: Vec<f32>,
    /// The same rise in power over all bands: how hard each note is played.
    pub loud_flux: Vec<f32>,
    /// The share of all the power that lies in the kick/bass bands.
    pub low_share: f64,
    /// Log band energies, [`BANDS`] per frame: the timbre and harmony a bar change shows in.
    pub bands: Vec<[f32; BANDS]>,
}

impl Envelope {
    /// Seconds of the centre of frame `index` (fractional frames allowed).
    pub fn time(&self, index: f64) -> f64 {
        self.first_frame_s + index / self.frame_rate
    }
}

/// Turns samples into [`Envelope`] frames as they arrive.
pub struct OnsetDetector {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    hop: usize,
    /// Per FFT bin, the band it adds to (`None` outside the bands).
    bin_band: Vec<Option<usize>>,
    /// Bands below [`KICK_HZ`].
    low_bands: usize,
    pending: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    previous: Option<([f32; BANDS], [f32; BANDS])>,
    /// Power summed over every frame: all bands, and the low ones.
    power_total: f64,
    power_low: f64,
    envelope: Envelope,
}

impl OnsetDetector {
    pub fn new(rate: u32) -> OnsetDetector {
        let len = frame_len(rate);
        let hop = hop_len(rate);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(len);
        let window = (0..len)
            .map(|i| {
                let x = std::f32::consts::TAU * i as f32 / len as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let edges: Vec<f64> = (0..=BANDS)
            .map(|b| LOW_HZ * (HIGH_HZ / LOW_HZ).powf(b as f64 / BANDS as f64))
            .collect();
        let bin_hz = f64::from(rate) / len as f64;
        let bin_band = (0..=len / 2)
            .map(|bin| {
                let hz = bin as f64 * bin_hz;
                edges.windows(2).position(|e| hz >= e[0] && hz < e[1])
            })
            .collect();
        let low_bands = edges.iter().take_while(|&&e| e < KICK_HZ).count().max(1);
        let spectrum = fft.make_output_vec();
        OnsetDetector {
            input: fft.make_input_vec(),
            fft,
            window,
            hop,
            bin_band,
            low_bands,
            pending: Vec::with_capacity(len * 2),
            spectrum,
            previous: None,
            power_total: 0.0,
            power_low: 0.0,
            envelope: Envelope {
                frame_rate: f64::from(rate) / hop as f64,
                first_frame_s: len as f64 / 2.0 / f64::from(rate),
                ..Envelope::default()
            },
        }
    }

    /// Adds samples; every whole frame they complete is measured.
    pub fn push(&mut self, samples: &[f32]) {
        self.pending.extend_from_slice(samples);
        let len = self.window.len();
        let mut start = 0;
        while start + len <= self.pending.len() {
            self.measure(start);
            start += self.hop;
        }
        self.pending.drain(..start);
    }

    /// The envelope so far; samples short of a whole frame are left out.
    pub fn finish(mut self) -> Envelope {
        if self.power_total > 0.0 {
            self.envelope.low_share = self.power_low / self.power_total;
        }
        self.envelope
    }

    pub fn frames(&self) -> usize {
        self.envelope.flux.len()
    }

    /// The onset strength measured so far.
    pub fn flux(&self) -> &[f32] {
        &self.envelope.flux
    }

    fn measure(&mut self, start: usize) {
        let frame = &self.pending[start..start + self.window.len()];
        for ((slot, &sample), &w) in self.input.iter_mut().zip(frame).zip(&self.window) {
            *slot = sample * w;
        }
        // The lengths come from the plan itself, so the transform cannot fail.
        let _ = self.fft.process(&mut self.input, &mut self.spectrum);
        let mut power = [0f32; BANDS];
        for (bin, value) in self.spectrum.iter().enumerate() {
            if let Some(band) = self.bin_band[bin] {
                power[band] += value.norm_sqr();
            }
        }
        self.power_total += power.iter().map(|&p| f64::from(p)).sum::<f64>();
        self.power_low += power[..self.low_bands]
            .iter()
            .map(|&p| f64::from(p))
            .sum::<f64>();
        let bands = power.map(|p| (GAIN * p).ln_1p());
        let roots = power.map(f32::cbrt);
        let (flux, low_flux, loud_flux) = match &self.previous {
            Some((previous, previous_roots)) => {
                let loud = |b: usize| (roots[b] - previous_roots[b]).max(0.0);
                (
                    (0..BANDS)
                        .map(|b| (bands[b] - previous[b]).max(0.0))
                        .sum::<f32>()
                        / BANDS as f32,
                    (0..self.low_bands).map(loud).sum::<f32>(),
                    (0..BANDS).map(loud).sum::<f32>(),
                )
            }
            None => (0.0, 0.0, 0.0),
        };
        self.previous = Some((bands, roots));
        self.envelope.flux.push(flux);
        self.envelope.low_flux.push(low_flux);
        self.envelope.loud_flux.push(loud_flux);
        self.envelope.bands.push(bands);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_rises_in_the_frame_that_reaches_it() {
        let rate = 44_100;
        let mut samples = vec![0f32; rate as usize];
        let at = rate as usize / 2;
        for (i, s) in samples[at..at + 200].iter_mut().enumerate() {
            *s = (i as f32 * 0.3).sin();
        }
        let mut detector = OnsetDetector::new(rate);
        // Odd-sized pushes must give the same frames as one.
        for chunk in samples.chunks(777) {
            detector.push(chunk);
        }
        let envelope = detector.finish();
        let peak = envelope
            .flux
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap();
        let peak_s = envelope.time(peak as f64);
        assert!((peak_s - 0.5).abs() < 0.03, "peak at {peak_s} s");
        assert_eq!(
            envelope.flux.len(),
            (samples.len() - frame_len(rate)) / hop_len(rate) + 1
        );
    }
}
