//! Where speech is heard in a spoken line: regions found by the active voice-activity model
//! (Silero VAD), the line trimmed to them (or, without the model, by level), and words laid over
//! them when the voice does not time its own.

use crate::models::Registry;
use gstreel::speech::TimedWord;
use gstreel::vad::{Params, Region, Silero};
use std::sync::Mutex;

/// Silence kept before and after the words, seconds.
const EDGE: f64 = 0.05;

/// The voice-activity model, loaded once and kept while it stays the active `vad` model.
static VAD: Mutex<Option<(String, Silero)>> = Mutex::new(None);

/// Frees the loaded voice-activity model unless it is still the active one.
pub fn release_unused() {
    let active = Registry::locate().active().get("vad").cloned();
    let mut slot = VAD.lock().unwrap_or_else(|p| p.into_inner());
    if slot
        .as_ref()
        .is_some_and(|(loaded, _)| Some(loaded) != active.as_ref())
    {
        *slot = None;
        tracing::info!("previous voice activity model released");
    }
}

/// Where speech is heard in `samples`, by the active voice-activity model; empty when none is
/// active or it fails (the caller then trims by level), which is logged.
pub fn speech_regions(samples: &[f32], rate: u32) -> Vec<Region> {
    let registry = Registry::locate();
    let mut slot = VAD.lock().unwrap_or_else(|p| p.into_inner());
    let Some(active) = registry.active_for("vad") else {
        *slot = None;
        return Vec::new();
    };
    if slot.as_ref().is_none_or(|(loaded, _)| *loaded != active.id) {
        *slot = None;
        let opened = crate::models::runtime()
            .map_err(|e| e.to_string())
            .and_then(|_| Silero::open(&registry.model_dir(&active.id)).map_err(|e| e.to_string()));
        match opened {
            Ok(vad) => *slot = Some((active.id.clone(), vad)),
            Err(err) => {
                tracing::warn!(model = %active.id, %err, "voice activity model not used");
                return Vec::new();
            }
        }
    }
    let Some((_, vad)) = slot.as_mut() else {
        return Vec::new();
    };
    gstreel::vad::speech_regions(vad, samples, rate, &Params::default()).unwrap_or_else(|err| {
        tracing::warn!(%err, "voice activity detection failed; trimming by level");
        Vec::new()
    })
}

/// The words of `text`, clause by clause, over the heard `regions`.
pub fn words_over(text: &str, regions: &[Region]) -> Vec<TimedWord> {
    let words = gstreel::speech::phonemes::clauses(text)
        .into_iter()
        .flat_map(|(clause, _)| {
            clause
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let spans = regions.iter().map(|r| (r.start, r.end)).collect();
    gstreel::speech::words::align(&[gstreel::speech::words::Clause { words, spans }])
}

/// Cuts the audio to `[start, end]` seconds plus a short natural edge; also says how many
/// samples were cut from the start.
pub fn trim_to(samples: Vec<f32>, rate: u32, start: f64, end: f64) -> (Vec<f32>, usize) {
    let edge = EDGE * f64::from(rate);
    let first = ((start * f64::from(rate) - edge).max(0.0) as usize).min(samples.len());
    let last = ((end * f64::from(rate) + edge) as usize).clamp(first, samples.len());
    (samples[first..last].to_vec(), first)
}

/// Cuts the silence around the words by level, keeping a short natural edge; also says how
/// many samples were cut from the start.
pub fn trim(samples: Vec<f32>, rate: u32, silence: f32) -> (Vec<f32>, usize) {
    let edge = (EDGE * f64::from(rate)) as usize;
    let first = samples.iter().position(|s| s.abs() >= silence).unwrap_or(0);
    let last = samples
        .iter()
        .rposition(|s| s.abs() >= silence)
        .unwrap_or(samples.len());
    let start = first.saturating_sub(edge);
    let end = (last + 1 + edge).min(samples.len());
    (samples[start..end].to_vec(), start)
}

#[cfg(test)]
mod tests {
    #[test]
    fn trim_keeps_a_short_edge() {
        let mut samples = vec![0.0f32; 22050];
        samples[11025] = 0.5;
        let (trimmed, cut) = super::trim(samples, 22050, 0.004);
        assert_eq!(trimmed.len(), 2 * 1102 + 1);
        assert_eq!(cut, 11025 - 1102);
    }

    #[test]
    fn trim_to_keeps_the_edge_within_the_audio() {
        let samples = vec![0.1f32; 1000];
        let (kept, cut) = super::trim_to(samples, 100, 0.02, 20.0);
        assert_eq!((kept.len(), cut), (1000, 0));
        let (kept, cut) = super::trim_to(vec![0.1f32; 1000], 100, 2.0, 3.0);
        assert_eq!((kept.len(), cut), (110, 195));
    }
}
