//! Instruments: timbres and voice levels, the notes of a score, their attack/release
//! envelopes, and the oscillators that render one note (additive tones, kick, hat, snare).

use std::f64::consts::TAU;

use super::rng::white;

/// One sine component of a tone: frequency ratio to the fundamental, amplitude, and
/// exponential decay rate in 1/s (0 = sustained; the note envelope ends it).
#[derive(Debug, Clone, Copy)]
pub(super) struct Partial {
    ratio: f64,
    amp: f64,
    decay: f64,
}

const fn partial(ratio: f64, amp: f64, decay: f64) -> Partial {
    Partial { ratio, amp, decay }
}

/// Warm pad: harmonics falling faster than a saw's so it stays soft.
pub(super) const PAD: &[Partial] = &[
    partial(1.0, 1.0, 0.0),
    partial(2.0, 0.4, 0.0),
    partial(3.0, 0.18, 0.0),
    partial(4.0, 0.08, 0.0),
];
/// Electric-piano-like keys: a bright attack whose upper partials die first.
pub(super) const KEYS: &[Partial] = &[
    partial(1.0, 1.0, 1.6),
    partial(2.0, 0.45, 3.5),
    partial(3.0, 0.2, 6.0),
    partial(7.0, 0.06, 14.0),
];
/// Short plucked arp.
pub(super) const PLUCK: &[Partial] = &[
    partial(1.0, 1.0, 4.0),
    partial(2.0, 0.4, 7.0),
    partial(3.0, 0.2, 11.0),
    partial(4.0, 0.1, 15.0),
];
/// Round bass with a little second harmonic so it reads on small speakers.
pub(super) const BASS: &[Partial] = &[
    partial(1.0, 1.0, 0.5),
    partial(2.0, 0.4, 1.2),
    partial(3.0, 0.12, 2.5),
];

/// Per-voice gains before the master; chosen so a full mix sits around -20 dBFS RMS.
pub(super) const PAD_GAIN: f32 = 0.05;
pub(super) const KEYS_GAIN: f32 = 0.12;
pub(super) const BASS_GAIN: f32 = 0.22;
pub(super) const KICK_GAIN: f32 = 0.45;
pub(super) const SNARE_GAIN: f32 = 0.12;
pub(super) const HAT_GAIN: f32 = 0.035;

/// What a note sounds like.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sound {
    /// Additive tone of damped sine partials.
    Tone {
        freq: f64,
        partials: &'static [Partial],
    },
    /// Pitched sine burst sweeping down: a soft kick.
    Kick,
    /// High-passed noise with a fast decay.
    Hat { noise: u64 },
    /// Low-passed noise plus a short tonal body: a soft snare/clap.
    Snare { noise: u64 },
}

/// One note of the loop. Times are in frames; `start` is relative to the loop start and the
/// note may ring past the loop end (see [`Synth::render`](super::render::Synth::render)).
#[derive(Debug, Clone, Copy)]
pub(super) struct Note {
    pub(super) start: u64,
    pub(super) len: u64,
    pub(super) attack: u64,
    pub(super) release: u64,
    pub(super) sound: Sound,
    pub(super) gain: [f32; 2],
}

/// Smooth 0→1 step with zero slope at both ends, so envelopes never kink audibly.
fn smoothstep(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Attack/release window of a note at frame `d` of its life.
fn window(note: &Note, d: u64) -> f32 {
    let a = if d < note.attack {
        smoothstep((d as f32 + 0.5) / note.attack as f32)
    } else {
        1.0
    };
    let left = note.len - d;
    let r = if left <= note.release {
        smoothstep((left as f32 - 0.5) / note.release as f32)
    } else {
        1.0
    };
    a * r
}

/// Most partials a timbre has: the oscillator bank is a fixed 4-lane array so the compiler
/// turns each frame's update into a few SIMD operations.
const LANES: usize = 4;

/// Adds damped sine partials starting `d0` frames into a note. Each partial is a complex
/// exponential advanced by one complex multiply per frame (rotation and decay in one), seeded
/// from the exact closed-form phase and amplitude at `d0` so no error builds up between calls.
fn render_tone(freq: f64, partials: &[Partial], rate: f64, d0: u64, out: &mut [f32]) {
    let t0 = d0 as f64 / rate;
    // Unused lanes stay at zero amplitude.
    let (mut re, mut im, mut sr, mut si) =
        ([0.0f64; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES]);
    for (k, p) in partials.iter().take(LANES).enumerate() {
        let f = freq * p.ratio;
        if f >= 0.45 * rate {
            continue; // would alias at low sample rates
        }
        let phase = TAU * (f * t0).fract();
        let amp = p.amp * (-p.decay * t0).exp();
        let r = (-p.decay / rate).exp();
        let w = TAU * f / rate;
        (re[k], im[k], sr[k], si[k]) = (
            amp * phase.cos(),
            amp * phase.sin(),
            r * w.cos(),
            r * w.sin(),
        );
    }
    for o in out.iter_mut() {
        *o += ((im[0] + im[1]) + (im[2] + im[3])) as f32;
        for k in 0..LANES {
            (re[k], im[k]) = (re[k] * sr[k] - im[k] * si[k], re[k] * si[k] + im[k] * sr[k]);
        }
    }
}

/// Kick: a sine whose pitch falls exponentially from `F0` to `F1`, with a decaying amplitude.
/// The phase is the closed-form integral of that frequency curve.
fn render_kick(rate: f64, d0: u64, out: &mut [f32]) {
    const F0: f64 = 130.0;
    const F1: f64 = 48.0;
    const SWEEP: f64 = 0.03;
    const DECAY: f64 = 0.14;
    let t0 = d0 as f64 / rate;
    let mut sweep = (-t0 / SWEEP).exp();
    let mut amp = (-t0 / DECAY).exp();
    let (sweep_step, amp_step) = ((-1.0 / (SWEEP * rate)).exp(), (-1.0 / (DECAY * rate)).exp());
    for (i, o) in out.iter_mut().enumerate() {
        let t = t0 + i as f64 / rate;
        let phase = TAU * (F1 * t + (F0 - F1) * SWEEP * (1.0 - sweep));
        *o += (amp * phase.sin()) as f32;
        sweep *= sweep_step;
        amp *= amp_step;
    }
}

/// Hat: white noise through the stateless high-pass [-1/2, 1, -1/2], decaying fast.
fn render_hat(noise: u64, rate: f64, d0: u64, out: &mut [f32]) {
    const DECAY: f64 = 0.022;
    let mut amp = (-(d0 as f64) / (DECAY * rate)).exp() as f32;
    let step = (-1.0 / (DECAY * rate)).exp() as f32;
    let mut prev = white(noise, d0.wrapping_sub(1));
    let mut cur = white(noise, d0);
    for (i, o) in out.iter_mut().enumerate() {
        let next = white(noise, d0 + i as u64 + 1);
        *o += amp * (cur - 0.5 * (prev + next));
        (prev, cur) = (cur, next);
        amp *= step;
    }
}

/// Snare: value noise (random points every few frames, linearly interpolated, i.e. low-passed
/// around 3 kHz at any rate) plus a short 185 Hz body.
fn render_snare(noise: u64, rate: f64, d0: u64, out: &mut [f32]) {
    const DECAY: f64 = 0.06;
    let hold = ((rate / 6000.0).round() as u64).max(1);
    let mut amp = (-(d0 as f64) / (DECAY * rate)).exp() as f32;
    let step = (-1.0 / (DECAY * rate)).exp() as f32;
    for (i, o) in out.iter_mut().enumerate() {
        let d = d0 + i as u64;
        let (k, frac) = (d / hold, (d % hold) as f32 / hold as f32);
        let v = white(noise, k) * (1.0 - frac) + white(noise, k + 1) * frac;
        *o += amp * 0.8 * v;
        amp *= step;
    }
    const BODY: &[Partial] = &[partial(1.0, 0.5, 25.0)];
    render_tone(185.0, BODY, rate, d0, out);
}

/// Renders `out.len()` frames of one note starting `d0` frames into it, envelope included.
pub(super) fn render_note(note: &Note, rate: f64, d0: u64, out: &mut [f32]) {
    out.fill(0.0);
    match note.sound {
        Sound::Tone { freq, partials } => render_tone(freq, partials, rate, d0, out),
        Sound::Kick => render_kick(rate, d0, out),
        Sound::Hat { noise } => render_hat(noise, rate, d0, out),
        Sound::Snare { noise } => render_snare(noise, rate, d0, out),
    }
    let end = d0 + out.len() as u64;
    // Only the attack and release regions need the per-frame window.
    if d0 < note.attack || end > note.len - note.release {
        for (i, o) in out.iter_mut().enumerate() {
            *o *= window(note, d0 + i as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timbres_fit_the_oscillator_bank() {
        for timbre in [PAD, KEYS, PLUCK, BASS] {
            assert!(timbre.len() <= LANES);
        }
    }
}
