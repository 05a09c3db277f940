//! A Piper VITS voice: `model.onnx` plus `model.onnx.json` (sample rate, espeak voice,
//! phoneme map, default scales). Text in, mono f32 samples out.

use super::phonemes;
use super::words::{self, TimedWord};
use super::SpeechError;
use crate::onnx::model::Value;
use crate::onnx::{Model, TensorSpec};
use std::collections::HashMap;
use std::path::Path;

/// How a line is spoken: Piper's three scales.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    /// Variation in the voice (0.667 by default).
    pub noise: f32,
    /// Time stretch: above 1 is slower.
    pub length: f32,
    /// Variation in phoneme lengths (0.8 by default).
    pub noise_w: f32,
}

pub struct Piper {
    model: Model,
    pub sample_rate: u32,
    espeak_voice: String,
    map: HashMap<char, i64>,
    pub default: Delivery,
}

impl Piper {
    /// Opens the voice in `dir` (`model.onnx`, `model.onnx.json`), checking the model's
    /// tensors against `inputs`/`outputs` (from its manifest).
    pub fn open(
        dir: &Path,
        name: &str,
        inputs: &[TensorSpec],
        outputs: &[TensorSpec],
        try_cuda: bool,
    ) -> Result<Piper, SpeechError> {
        let config_path = dir.join("model.onnx.json");
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| SpeechError::Voice(format!("{}: {e}", config_path.display())))?;
        let config: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| SpeechError::Voice(format!("{}: {e}", config_path.display())))?;
        let bad = |what: &str| SpeechError::Voice(format!("{}: no {what}", config_path.display()));
        let sample_rate = config["audio"]["sample_rate"]
            .as_u64()
            .ok_or_else(|| bad("audio.sample_rate"))? as u32;
        let espeak_voice = config["espeak"]["voice"]
            .as_str()
            .unwrap_or("en-us")
            .to_string();
        let map = config["phoneme_id_map"]
            .as_object()
            .ok_or_else(|| bad("phoneme_id_map"))?
            .iter()
            .filter_map(|(k, v)| Some((k.chars().next()?, v.as_array()?.first()?.as_i64()?)))
            .collect();
        let scale = |key: &str, default: f32| {
            config["inference"][key]
                .as_f64()
                .map(|v| v as f32)
                .unwrap_or(default)
        };
        let default = Delivery {
            noise: scale("noise_scale", 0.667),
            length: scale("length_scale", 1.0),
            noise_w: scale("noise_w", 0.8),
        };
        let model = Model::open(&dir.join("model.onnx"), name, try_cuda, 0)?;
        model.check(inputs, outputs)?;
        Ok(Piper {
            model,
            sample_rate,
            espeak_voice,
            map,
            default,
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Speaks `text`; empty text gives no samples. Words are timed from the phoneme durations
    /// when the model returns them (`durations`, added at install), else left empty.
    pub fn speak(&mut self, text: &str, delivery: Delivery) -> Result<Spoken, SpeechError> {
        let clauses = phonemes::ipa_clauses(text, &self.espeak_voice)?;
        let ipa = phonemes::join(&clauses);
        if ipa.trim().is_empty() {
            return Ok(Spoken::default());
        }
        let ids = phonemes::ids(&ipa, &self.map)?;
        let n = ids.len() as i64;
        let outputs = self.model.run(vec![
            ("input", Value::i64(&[1, n], ids)),
            ("input_lengths", Value::i64(&[1], vec![n])),
            (
                "scales",
                Value::f32(
                    &[3],
                    vec![delivery.noise, delivery.length, delivery.noise_w],
                ),
            ),
        ])?;
        let output = |wanted: &str| {
            outputs
                .iter()
                .find(|(name, _)| name == wanted)
                .and_then(|(_, value)| value.as_f32())
        };
        let samples = output("output")
            .ok_or_else(|| SpeechError::Voice("the voice gave no float32 'output'".into()))?
            .to_vec();
        let (words, phonemes) = output("durations")
            .map(|frames| {
                let per_id = samples_per_id(frames, samples.len());
                let rate = f64::from(self.sample_rate);
                let known = |c: char| self.map.contains_key(&c);
                let phonemes = words::ipa_char_spans(&ipa, known, &per_id, rate)
                    .into_iter()
                    .map(|(c, start, end)| TimedPhoneme {
                        ipa: c.to_string(),
                        start,
                        end,
                    })
                    .collect();
                (self.word_times(&clauses, &per_id), phonemes)
            })
            .unwrap_or_default();
        Ok(Spoken {
            samples,
            words,
            phonemes,
        })
    }

    /// The written words' times from the samples each phoneme id lasts.
    fn word_times(&self, clauses: &[phonemes::ClauseIpa], per_id: &[f64]) -> Vec<TimedWord> {
        if per_id.is_empty() {
            return Vec::new();
        }
        let known = |c: char| self.map.contains_key(&c);
        let rate = f64::from(self.sample_rate);
        // The ids run on through all clauses (joined by a space), so each clause's spans are
        // taken from the whole string and handed out in order.
        let mut spans =
            words::ipa_word_spans(&phonemes::join(clauses), known, per_id, rate).into_iter();
        let timed: Vec<words::Clause> = clauses
            .iter()
            .map(|clause| {
                let n = words::ipa_word_spans(&clause.ipa, known, &[], rate).len();
                words::Clause {
                    words: clause.words.clone(),
                    spans: spans.by_ref().take(n).collect(),
                }
            })
            .collect();
        words::align(&timed)
    }
}

/// The samples each phoneme id lasts, from the frames the model gives: a frame is
/// `samples / Σ frames` samples long (the voice's hop, 256 for Piper voices). Empty when the
/// frames add up to nothing.
fn samples_per_id(frames: &[f32], samples: usize) -> Vec<f64> {
    let total: f32 = frames.iter().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let hop = samples as f64 / f64::from(total);
    frames.iter().map(|&f| f64::from(f) * hop).collect()
}

/// A spoken line: mono samples at the voice's rate and, when known, when each word and each
/// phoneme is heard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spoken {
    pub samples: Vec<f32>,
    pub words: Vec<TimedWord>,
    /// Every IPA character the voice spoke (stress marks, spaces and punctuation included),
    /// in order, in seconds from the start of `samples`.
    pub phonemes: Vec<TimedPhoneme>,
}

/// One IPA character of a spoken line and when it is heard.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedPhoneme {
    pub ipa: String,
    pub start: f64,
    pub end: f64,
}
