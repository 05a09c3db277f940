//! The Whisper encoder and decoder sessions: one window's log-mel to cross-attention keys and
//! values, then greedy decoding with the decoder's self-attention KV cache, one token a step.

use super::mel::{N_MELS, WINDOW_FRAMES};
use super::rules;
use super::tokens::{special, Suppress};
use super::AsrError;
use crate::onnx::model::{Data, Value};
use crate::onnx::{DType, Model, OnnxError, TensorSpec};

fn spec(name: &str, dtype: DType, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.to_string(),
        dtype,
        shape: shape.to_vec(),
    }
}

/// The shape of a rank-5 attention tensor (`[layers, batch, heads, positions, head_dim]`) as
/// the model declares it, with batch 1; every other dimension must be fixed, since the cache
/// is allocated from it.
fn attention_shape(model: &Model, specs: &[TensorSpec], name: &str) -> Result<[i64; 5], AsrError> {
    let mismatch = |problem: String| OnnxError::Mismatch {
        model: model.name().to_string(),
        problem,
    };
    let found = specs
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| mismatch(format!("has no tensor '{name}'")))?;
    let mut shape: [i64; 5] = found
        .shape
        .as_slice()
        .try_into()
        .map_err(|_| mismatch(format!("{found} should have 5 dimensions")))?;
    if [0, 2, 3, 4].iter().any(|&i| shape[i] <= 0) {
        return Err(mismatch(format!("{found} should have fixed sizes but the batch")).into());
    }
    shape[1] = 1;
    Ok(shape)
}

fn elements(shape: &[i64]) -> usize {
    shape.iter().product::<i64>().max(0) as usize
}

/// Removes output `name` from `outputs`, as f32 data of exactly `len` values.
fn take(
    outputs: &mut Vec<(String, Value)>,
    model: &str,
    name: &str,
    len: usize,
) -> Result<Vec<f32>, AsrError> {
    let problem = |problem: String| AsrError::Output {
        model: model.to_string(),
        problem,
    };
    let at = outputs
        .iter()
        .position(|(n, _)| n == name)
        .ok_or_else(|| problem(format!("no output '{name}'")))?;
    match outputs.swap_remove(at).1.data {
        Data::F32(data) if data.len() == len => Ok(data),
        Data::F32(data) => Err(problem(format!(
            "'{name}' holds {} values, not {len}",
            data.len()
        ))),
        Data::I64(_) => Err(problem(format!("'{name}' is int64, not float32"))),
    }
}

/// One window's encoder output, fed to every decoder step.
pub struct Cross {
    k: Value,
    v: Value,
}

/// One window's greedy decoding.
pub struct Decoded {
    /// Sampled tokens without the prompt and the end token.
    pub tokens: Vec<i64>,
    /// Probability of `<|nospeech|>` after the prompt (kept for logs; the reference does not
    /// act on it either).
    pub no_speech: f64,
    /// Decoder runs.
    pub steps: usize,
}

pub struct Whisper {
    encoder: Model,
    decoder: Model,
    /// `[layers, 1, heads, 448, head_dim]`: the decoder's fixed-size self-attention cache.
    cache: [i64; 5],
    /// `[layers, 1, heads, 1500, head_dim]`.
    cross: [i64; 5],
}

impl Whisper {
    /// Checks that the two models are an English-only Whisper encoder and decoder pair
    /// exported as `convert.py` does, and reads their sizes.
    pub fn new(encoder: Model, decoder: Model) -> Result<Whisper, AsrError> {
        let any5 = [-1; 5];
        let mel = [-1, N_MELS as i64, WINDOW_FRAMES as i64];
        encoder.check(
            &[spec("mel", DType::F32, &mel)],
            &[
                spec("cross_k", DType::F32, &any5),
                spec("cross_v", DType::F32, &any5),
            ],
        )?;
        let cross = attention_shape(&encoder, &encoder.outputs, "cross_k")?;
        let cache = attention_shape(&decoder, &decoder.inputs, "self_k_cache")?;
        let vocab = special::VOCAB as i64;
        decoder.check(
            &[
                spec("tokens", DType::I64, &[-1, -1]),
                spec("offset", DType::I64, &[1]),
                spec("self_k_cache", DType::F32, &cache),
                spec("self_v_cache", DType::F32, &cache),
                spec("cross_k", DType::F32, &cross),
                spec("cross_v", DType::F32, &cross),
            ],
            &[
                spec("logits", DType::F32, &[-1, -1, vocab]),
                spec("new_self_k_cache", DType::F32, &cache),
                spec("new_self_v_cache", DType::F32, &cache),
            ],
        )?;
        Ok(Whisper {
            encoder,
            decoder,
            cache,
            cross,
        })
    }

    pub fn provider(&self) -> crate::onnx::Provider {
        self.encoder.provider
    }

    /// Encodes one `[80, 3000]` window.
    pub fn encode(&mut self, mel: Vec<f32>) -> Result<Cross, AsrError> {
        let shape = [1, N_MELS as i64, WINDOW_FRAMES as i64];
        let mut outputs = self.encoder.run(vec![("mel", Value::f32(&shape, mel))])?;
        let (name, len) = (self.encoder.name().to_string(), elements(&self.cross));
        let k = take(&mut outputs, &name, "cross_k", len)?;
        let v = take(&mut outputs, &name, "cross_v", len)?;
        Ok(Cross {
            k: Value::f32(&self.cross, k),
            v: Value::f32(&self.cross, v),
        })
    }

    /// Greedy decoding of one window, as the reference's `decode`: prompt `<|startoftranscript|>`
    /// (English-only models take no language or task token), at most half the text context.
    pub fn decode(&mut self, cross: &Cross, suppress: &Suppress) -> Result<Decoded, AsrError> {
        let context = self.cache[3] as usize;
        let max_tokens = context / 2;
        let (cache_len, vocab) = (elements(&self.cache), special::VOCAB);
        let name = self.decoder.name().to_string();
        let mut k_cache = vec![0.0f32; cache_len];
        let mut v_cache = vec![0.0f32; cache_len];
        let mut feed = vec![special::SOT];
        let mut offset = 0usize;
        let mut sampled = Vec::new();
        let mut no_speech = None;
        let mut steps = 0;
        // The cache has `context` slots; the prompt plus max_tokens always fit.
        while sampled.len() < max_tokens && offset + feed.len() <= context {
            let tokens = feed.len();
            let mut outputs = self.decoder.run(vec![
                ("tokens", Value::i64(&[1, tokens as i64], feed.clone())),
                ("offset", Value::i64(&[1], vec![offset as i64])),
                ("self_k_cache", Value::f32(&self.cache, k_cache)),
                ("self_v_cache", Value::f32(&self.cache, v_cache)),
                ("cross_k", cross.k.clone()),
                ("cross_v", cross.v.clone()),
            ])?;
            steps += 1;
            offset += tokens;
            let logits = take(&mut outputs, &name, "logits", tokens * vocab)?;
            k_cache = take(&mut outputs, &name, "new_self_k_cache", cache_len)?;
            v_cache = take(&mut outputs, &name, "new_self_v_cache", cache_len)?;
            if no_speech.is_none() {
                no_speech = Some(no_speech_probability(&logits[..vocab]));
            }
            let last = &logits[(tokens - 1) * vocab..];
            let token = rules::next_token(last, &sampled, suppress);
            if token == special::EOT {
                break;
            }
            sampled.push(token);
            feed = vec![token];
        }
        Ok(Decoded {
            tokens: sampled,
            no_speech: no_speech.unwrap_or(0.0),
            steps,
        })
    }
}

/// Softmax probability of `<|nospeech|>` in one row of logits.
fn no_speech_probability(row: &[f32]) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let sum: f64 = row.iter().map(|v| (*v as f64 - max).exp()).sum();
    row.get(special::NO_SPEECH as usize)
        .map_or(0.0, |v| (*v as f64 - max).exp() / sum)
}
