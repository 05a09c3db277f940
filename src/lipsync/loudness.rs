//! How loud a character's voice is under each mouth cue, against its loud parts: loud vowels
//! open the mouth wider than murmured ones, which is what makes a drawn mouth follow the sound.

use crate::plan::from_project::Speech;
use crate::plan::timeline::AudioCue;
use crate::project::Project;

/// One character's voice over the timeline, as RMS in 10 ms steps, against its loud parts.
pub struct Loudness {
    /// (timeline seconds of the first step, RMS per step).
    lines: Vec<(f64, Vec<f32>)>,
    /// The level of the character's loud parts: the 90th percentile of its steps.
    loud: f32,
}

/// Seconds per loudness step.
const STEP: f64 = 0.01;

impl Loudness {
    pub fn of(
        project: &Project,
        speech: &[Vec<Speech>],
        cues: &[AudioCue],
        character: &str,
    ) -> Loudness {
        let lines = project.scenes.iter().flat_map(|s| &s.lines);
        let mut levels = Vec::new();
        for ((line, spoken), cue) in lines.zip(speech.iter().flatten()).zip(cues) {
            if line.character != character {
                continue;
            }
            // A line that cannot be read back opens the mouth fully for its shapes.
            let rate = 16_000u32;
            let Ok(samples) = crate::render::audio::decode_samples(
                &spoken.path,
                rate,
                1,
                &crate::render::pipeline::Cancel::default(),
            ) else {
                continue;
            };
            let per_step = (f64::from(rate) * STEP) as usize;
            let steps: Vec<f32> = samples
                .chunks(per_step)
                .map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt())
                .collect();
            levels.push((cue.start, steps));
        }
        let mut all: Vec<f32> = levels.iter().flat_map(|(_, s)| s.iter().copied()).collect();
        all.sort_by(f32::total_cmp);
        let loud = all.get(all.len() * 9 / 10).copied().unwrap_or(0.0);
        Loudness {
            lines: levels,
            loud,
        }
    }

    /// The voice between `from` and `to` (timeline seconds) against its loud parts, 0.3..1.2;
    /// 1 where nothing was measured.
    pub fn between(&self, from: f64, to: f64) -> f64 {
        if self.loud <= 0.0 {
            return 1.0;
        }
        let mut sum = 0.0f64;
        let mut count = 0usize;
        for (start, steps) in &self.lines {
            let first = ((from - start) / STEP).floor().max(0.0) as usize;
            let last = (((to - start) / STEP).ceil().max(0.0) as usize).min(steps.len());
            for level in steps.iter().take(last).skip(first) {
                sum += f64::from(*level).powi(2);
                count += 1;
            }
        }
        if count == 0 {
            return 1.0;
        }
        let rms = (sum / count as f64).sqrt() / f64::from(self.loud);
        rms.clamp(0.3, 1.2)
    }
}
