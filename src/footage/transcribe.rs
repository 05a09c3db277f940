//! The `transcribe` stage: where speech is heard in the footage (Silero VAD regions) and what is
//! said (Whisper segments and words), from its sound at 16 kHz; cached per file content and
//! models, since it is the slowest analysis.

use super::FootageError;
use crate::models::Registry;
use crate::render::cache::{self, Cache};
use gstreel::asr::Transcriber;
use gstreel::vad::{Params, Silero};
use serde::{Deserialize, Serialize};

/// Whisper and Silero both take 16 kHz mono.
pub const RATE: u32 = 16_000;

/// A stretch of one sentence or phrase, as Whisper cut it, with its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub words: Vec<TimedWord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedWord {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// What was heard in one piece of footage; times in seconds from its start.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Heard {
    /// Where the voice-activity model hears speech, in time order.
    pub speech: Vec<(f64, f64)>,
    pub sentences: Vec<Sentence>,
}

/// Transcribes `samples` (16 kHz mono) of the file whose SHA-256 is `content` with the active
/// `asr` and `vad` models, reusing an earlier result for the same file and models.
pub fn transcribe(content: &str, samples: &[f32], cache: &Cache) -> Result<Heard, FootageError> {
    let registry = Registry::locate();
    let model = |task: &str| {
        registry.active_for(task).ok_or_else(|| {
            FootageError::Model(format!(
                "no {task} model is active: run `reel models install --default`"
            ))
        })
    };
    let (asr, vad) = (model("asr")?, model("vad")?);
    let key = format!("{content}/{}/{}", asr.id, vad.id);
    let path = cache.path("transcript", &[key.as_bytes()], "json");
    if let Some(heard) = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Heard>(&bytes).ok())
    {
        return Ok(aligned(heard));
    }
    let failed = |e: &dyn std::fmt::Display| FootageError::Model(e.to_string());
    crate::models::runtime().map_err(|e| failed(&e))?;
    let vad_dir = registry.model_dir(&vad.id);
    let mut silero = Silero::open(&vad_dir).map_err(|e| failed(&e))?;
    let regions = gstreel::vad::speech_regions(&mut silero, samples, RATE, &Params::default())
        .map_err(|e| failed(&e))?;
    let gate = Silero::open(&vad_dir).map_err(|e| failed(&e))?;
    let mut transcriber = Transcriber::open(&registry.model_dir(&asr.id))
        .map_err(|e| failed(&e))?
        .with_vad(gate, Params::default());
    let transcript = transcriber.transcribe(samples).map_err(|e| failed(&e))?;
    let heard = Heard {
        speech: regions.iter().map(|r| (r.start, r.end)).collect(),
        sentences: transcript
            .segments
            .into_iter()
            .map(|s| Sentence {
                start: s.start,
                end: s.end,
                text: s.text.trim().to_string(),
                words: s
                    .words
                    .into_iter()
                    .map(|w| TimedWord {
                        start: w.start,
                        end: w.end,
                        text: w.text.trim().to_string(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&heard).map_err(|e| failed(&e))?;
    cache::write_atomic(&path, &json).map_err(|e| FootageError::io(&path, e))?;
    Ok(aligned(heard))
}

/// What Whisper heard, its words moved onto the speech Silero heard (kept as Whisper said it
/// in the cache, so a better alignment needs no new transcription).
fn aligned(mut heard: Heard) -> Heard {
    super::voiced::align(&mut heard);
    heard
}
