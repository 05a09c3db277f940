//! Speech: each line becomes a WAV, cached by text, voice and engine. The engine is the active
//! text-to-speech model of the registry (a Piper voice over ONNX Runtime) when one is installed,
//! else espeak-ng (GStreamer's `espeak` element). Each line is trimmed to where speech is
//! heard and keeps its words' and phones' times (beside the WAV, as `.words.json` and
//! `.phones.json`, the phones for lip sync); the measured length is what the timeline is built
//! on.

use super::cache::{write_atomic, Cache};
use super::error::RenderError;
use super::heard;
use super::pipeline::{self, capsfilter, chain, make};
use super::wav;
use crate::lipsync::{phones, TimedPhone};
use crate::models::{manifest, Registry};
use crate::plan::from_project::Speech;
use crate::plan::timeline::Word;
use crate::project::{SpeechRate, Voice};
use gst::prelude::*;
use gstreel::speech::{Delivery, Piper, Spoken, TimedWord};
use std::path::PathBuf;
use std::sync::Mutex;

/// Which synthesiser speaks a job's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    Espeak,
    /// A registry model: its id and folder.
    Neural {
        id: String,
        dir: PathBuf,
    },
}

impl Engine {
    /// The registry's active text-to-speech model, else espeak-ng. Read at the start of each
    /// job's voice stage, so `reel models activate` takes effect from the next job on.
    pub fn current() -> Engine {
        let registry = Registry::locate();
        let engine = match registry.active_for("tts") {
            Some(installed) => Engine::Neural {
                dir: registry.model_dir(&installed.id),
                id: installed.id,
            },
            None => Engine::Espeak,
        };
        release_unless(&engine);
        engine
    }

    pub fn name(&self) -> &str {
        match self {
            Engine::Espeak => "espeak-ng",
            Engine::Neural { id, .. } => id,
        }
    }
}

const RATE: u32 = 22_050;
/// Samples quieter than this count as silence.
const SILENCE: f32 = 0.004;

/// Speaks `text` with `voice` on `engine`, reusing an earlier rendering of the same words.
pub fn speak(
    text: &str,
    voice: &Voice,
    engine: &Engine,
    cache: &Cache,
) -> Result<Speech, RenderError> {
    let pitch = voice.pitch.to_string();
    let rate = voice.rate.0.to_string();
    let path = cache.path(
        "speech",
        &[
            text.as_bytes(),
            voice.name.as_bytes(),
            pitch.as_bytes(),
            rate.as_bytes(),
            engine.name().as_bytes(),
        ],
        "wav",
    );
    let words_path = path.with_extension("words.json");
    let phones_path = path.with_extension("phones.json");
    if !path.is_file() || !words_path.is_file() || !phones_path.is_file() {
        let (spoken, rate) = match engine {
            Engine::Espeak => (
                Spoken {
                    samples: synthesize(text, voice)?,
                    ..Spoken::default()
                },
                RATE,
            ),
            Engine::Neural { id, dir } => neural(text, voice, id, dir)?,
        };
        if spoken.samples.iter().all(|s| s.abs() < SILENCE) {
            return Err(RenderError::Pipeline {
                stage: "speech",
                element: engine.name().to_string(),
                message: format!("no audible speech for {text:?}"),
            });
        }
        let regions = heard::speech_regions(&spoken.samples, rate);
        let (samples, cut) = match (regions.first(), regions.last()) {
            (Some(first), Some(last)) => {
                heard::trim_to(spoken.samples, rate, first.start, last.end)
            }
            _ => heard::trim(spoken.samples, rate, SILENCE),
        };
        let length = samples.len() as f64 / f64::from(rate);
        let shift = cut as f64 / f64::from(rate);
        // A voice that does not time its words (espeak-ng) gets them laid over the regions
        // where speech is heard, skipping the pauses.
        let heard = if spoken.words.is_empty() && !regions.is_empty() {
            heard::words_over(text, &regions)
        } else {
            spoken.words.clone()
        };
        let phones: Vec<TimedPhone> = if spoken.phonemes.is_empty() {
            phones_over_words(text, &voice.name, &heard)
        } else {
            let timed: Vec<(char, f64, f64)> = spoken
                .phonemes
                .iter()
                .filter_map(|p| Some((p.ipa.chars().next()?, p.start, p.end)))
                .collect();
            phones::from_ipa(&timed)
        }
        .into_iter()
        .map(|p| TimedPhone {
            start: (p.start - shift).clamp(0.0, length),
            end: (p.end - shift).clamp(0.0, length),
            ..p
        })
        .collect();
        let words: Vec<Word> = heard
            .into_iter()
            .map(|w| Word {
                text: w.text,
                start: (w.start - shift).clamp(0.0, length),
                end: (w.end - shift).clamp(0.0, length),
            })
            .collect();
        // The timings first: a WAV without them is spoken again.
        let json = serde_json::to_vec(&words).map_err(|e| RenderError::io(&words_path, e))?;
        write_atomic(&words_path, &json).map_err(|e| RenderError::io(&words_path, e))?;
        let json = serde_json::to_vec(&phones).map_err(|e| RenderError::io(&phones_path, e))?;
        write_atomic(&phones_path, &json).map_err(|e| RenderError::io(&phones_path, e))?;
        wav::write(&path, rate, 1, &samples).map_err(|e| RenderError::io(&path, e))?;
    }
    let frames = wav::frames(&path).map_err(|e| RenderError::io(&path, e))?;
    let rate = wav::sample_rate(&path).map_err(|e| RenderError::io(&path, e))?;
    let read = |path: &std::path::Path| std::fs::read(path).ok();
    let words = read(&words_path)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let phones = read(&phones_path)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    Ok(Speech {
        path,
        duration: frames as f64 / f64::from(rate),
        words,
        phones,
    })
}

/// Phones for a voice that times only words: espeak-ng's IPA for each clause, its words paired
/// with the heard words where the counts agree (espeak-ng may join "in the" into one), else the
/// clause's phones spread over its words together. No IPA (espeak-ng missing) gives none.
fn phones_over_words(text: &str, espeak_voice: &str, heard: &[TimedWord]) -> Vec<TimedPhone> {
    let Ok(clauses) = gstreel::speech::phonemes::ipa_clauses(text, espeak_voice) else {
        return Vec::new();
    };
    let mut heard = heard.iter();
    let mut sounds = Vec::new();
    let mut ipa_words = Vec::new();
    for clause in &clauses {
        let words: Vec<&TimedWord> = heard.by_ref().take(clause.words.len()).collect();
        let ipa: Vec<&str> = clause
            .ipa
            .split_whitespace()
            .map(|w| w.trim_end_matches(gstreel::speech::phonemes::is_clause_end))
            .collect();
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            continue;
        };
        if ipa.len() == words.len() {
            ipa_words.extend(
                ipa.iter()
                    .zip(&words)
                    .map(|(ipa, w)| (*ipa, w.start, w.end)),
            );
        } else {
            // One stretch for the whole clause, its IPA words joined.
            sounds.push((ipa.concat(), first.start, last.end));
        }
    }
    let mut all: Vec<phones::WordSound> = ipa_words
        .iter()
        .map(|&(ipa, start, end)| phones::WordSound { ipa, start, end })
        .collect();
    all.extend(sounds.iter().map(|(ipa, start, end)| phones::WordSound {
        ipa,
        start: *start,
        end: *end,
    }));
    all.sort_by(|a, b| a.start.total_cmp(&b.start));
    phones::laid_over(&all)
}

/// The neural voice, loaded once and kept while it stays the active model; a different model
/// replaces it, dropping the old session and its memory.
static NEURAL: Mutex<Option<(String, Piper)>> = Mutex::new(None);

/// Frees the loaded neural voice and voice-activity model unless they are still the active
/// ones.
pub fn release_unused() {
    Engine::current();
    super::heard::release_unused();
}

/// Drops the loaded neural voice unless `engine` is it: switching voices frees the old one.
fn release_unless(engine: &Engine) {
    let mut slot = NEURAL.lock().unwrap_or_else(|p| p.into_inner());
    let keep = match engine {
        Engine::Neural { id, .. } => slot.as_ref().is_some_and(|(loaded, _)| loaded == id),
        Engine::Espeak => false,
    };
    if !keep && slot.take().is_some() {
        tracing::info!("previous voice model released");
    }
}

fn neural(
    text: &str,
    voice: &Voice,
    id: &str,
    dir: &std::path::Path,
) -> Result<(Spoken, u32), RenderError> {
    let failed = |message: String| RenderError::Pipeline {
        stage: "speech",
        element: id.to_string(),
        message,
    };
    let mut slot = NEURAL.lock().unwrap_or_else(|p| p.into_inner());
    if slot.as_ref().is_none_or(|(loaded, _)| loaded != id) {
        *slot = None;
        crate::models::runtime().map_err(|e| failed(e.to_string()))?;
        let manifest = manifest::find(id).map_err(|e| failed(e.to_string()))?;
        let (inputs, outputs) = manifest.tensors_of("model.onnx");
        let piper =
            Piper::open(dir, id, &inputs, &outputs, true).map_err(|e| failed(e.to_string()))?;
        tracing::info!(model = id, provider = %piper.model().provider, "voice loaded");
        *slot = Some((id.to_string(), piper));
    }
    let Some((_, piper)) = slot.as_mut() else {
        return Err(failed("the voice did not load".into()));
    };
    let delivery = delivery_for(voice, piper.default);
    let spoken = piper
        .speak(text, delivery)
        .map_err(|e| failed(e.to_string()))?;
    Ok((spoken, piper.sample_rate))
}

/// One voice model, several characters: each character's espeak pitch becomes a pace and a
/// variation of its own, so speakers stay apart (higher voices a little quicker and livelier).
/// The speaking rate then scales every character's pace alike.
fn delivery_for(voice: &Voice, default: Delivery) -> Delivery {
    let shift = voice.pitch.clamp(-100, 100) as f32 / 100.0;
    Delivery {
        length: default.length * (1.0 - 0.25 * shift) / voice.rate.factor() as f32,
        noise: default.noise * (1.0 + 0.3 * shift),
        noise_w: default.noise_w,
    }
}

/// espeak-ng is one engine per process and not re-entrant: two `espeak` elements working at
/// once fail to negotiate or garble each other, so speech is made one line at a time.
static ENGINE: Mutex<()> = Mutex::new(());

/// GStreamer's `espeak` `rate` (-100..100) for a speaking rate: espeak-ng speaks 175 words a
/// minute, positive values add a percentage of that (100 doubles it) and negative ones take
/// 0.95 words a minute per step (its floor is about 80).
fn espeak_rate(rate: SpeechRate) -> i32 {
    let factor = rate.factor();
    let steps = if factor >= 1.0 {
        (factor - 1.0) * 100.0
    } else {
        (factor - 1.0) * 175.0 / 0.95
    };
    (steps.round() as i32).clamp(-100, 100)
}

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
    tts.set_property("rate", espeak_rate(voice.rate));
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
    Ok(pipeline::take_samples(&samples))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn espeak_rates_follow_its_words_per_minute() {
        assert_eq!(espeak_rate(SpeechRate(100)), 0);
        assert_eq!(espeak_rate(SpeechRate(150)), 50);
        assert_eq!(espeak_rate(SpeechRate(200)), 100);
        assert_eq!(espeak_rate(SpeechRate(50)), -92);
    }
}
