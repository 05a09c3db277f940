//! Speech: each line becomes a WAV through espeak-ng (GStreamer's `espeak` element), cached by
//! text and voice. The measured length is what the timeline is built on.

use super::cache::Cache;
use super::error::RenderError;
use super::pipeline::{self, capsfilter, chain, make};
use super::wav;
use crate::plan::from_project::Speech;
use crate::project::Voice;
use gst::prelude::*;
use std::sync::Mutex;

const RATE: u32 = 22_050;
/// Silence kept before and after the words, seconds.
const EDGE: f64 = 0.05;
/// Samples quieter than this count as silence when trimming.
const SILENCE: f32 = 0.004;

/// Speaks `text` with `voice`, reusing an earlier rendering of the same words.
pub fn speak(text: &str, voice: &Voice, cache: &Cache) -> Result<Speech, RenderError> {
    let pitch = voice.pitch.to_string();
    let path = cache.path(
        "speech",
        &[text.as_bytes(), voice.name.as_bytes(), pitch.as_bytes()],
        "wav",
    );
    if !path.is_file() {
        let samples = synthesize(text, voice)?;
        wav::write(&path, RATE, 1, &samples).map_err(|e| RenderError::io(&path, e))?;
    }
    let frames = wav::frames(&path).map_err(|e| RenderError::io(&path, e))?;
    Ok(Speech {
        path,
        duration: frames as f64 / f64::from(RATE),
    })
}

/// espeak-ng is one engine per process and not re-entrant: two `espeak` elements working at
/// once fail to negotiate or garble each other, so speech is made one line at a time.
static ENGINE: Mutex<()> = Mutex::new(());

fn synthesize(text: &str, voice: &Voice) -> Result<Vec<f32>, RenderError> {
    pipeline::init()?;
    let _engine = ENGINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let pipeline = gst::Pipeline::new();
    let tts = make("espeak")?;
    tts.set_property("text", text);
    tts.set_property("voice", voice.name.as_str());
    tts.set_property("pitch", voice.pitch.clamp(-100, 100));
    let caps = gst_audio::AudioCapsBuilder::new_interleaved()
        .format(gst_audio::AUDIO_FORMAT_F32)
        .rate(RATE as i32)
        .channels(1)
        .build();
    let sink = gst_app::AppSink::builder().caps(&caps).sync(false).build();
    let samples = pipeline::collect_samples(&sink);
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let filter = capsfilter(&caps)?;
    chain(
        &pipeline,
        &[&tts, &convert, &resample, &filter, sink.upcast_ref()],
    )?;
    pipeline::run(&pipeline, "speech", || {})?;
    let samples = pipeline::take_samples(&samples);
    if samples.iter().all(|s| s.abs() < SILENCE) {
        return Err(RenderError::Pipeline {
            stage: "speech",
            element: "espeak".into(),
            message: format!("no audible speech for {text:?} with voice {}", voice.name),
        });
    }
    Ok(trim(samples))
}

/// Cuts the silence espeak leaves around the words, keeping a short natural edge.
fn trim(samples: Vec<f32>) -> Vec<f32> {
    let edge = (EDGE * f64::from(RATE)) as usize;
    let first = samples.iter().position(|s| s.abs() >= SILENCE).unwrap_or(0);
    let last = samples
        .iter()
        .rposition(|s| s.abs() >= SILENCE)
        .unwrap_or(samples.len());
    let start = first.saturating_sub(edge);
    let end = (last + 1 + edge).min(samples.len());
    samples[start..end].to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn trim_keeps_a_short_edge() {
        let mut samples = vec![0.0f32; 22050];
        samples[11025] = 0.5;
        let trimmed = super::trim(samples);
        assert_eq!(trimmed.len(), 2 * 1102 + 1);
    }
}
