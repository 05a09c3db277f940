//! The Silero VAD model (v6, 16 kHz) in ONNX: one speech probability per 512-sample window.
//!
//! Each window goes in behind the last 64 samples of the window before it (zeros at first), and
//! the model's recurrent state comes back out to go in with the next window, as silero-vad's
//! `OnnxWrapper` does. The model is recurrent, so the windows of one stream run one at a time.

use super::VadError;
use crate::onnx::model::Value;
use crate::onnx::{runtime, DType, Model, Provider, TensorSpec};
use std::path::Path;

/// The only rate the model takes.
pub const SAMPLE_RATE: u32 = 16_000;
/// Samples per window: one probability each (32 ms).
pub const WINDOW: usize = 512;
/// Samples of the previous window that go in before each window.
const CONTEXT: usize = 64;
/// The recurrent state, `[2, batch 1, 128]`.
const STATE: usize = 2 * 128;
/// The file a model folder holds.
pub const MODEL_FILE: &str = "model.onnx";

/// How the model runs.
pub use crate::onnx::RunOptions as Options;

/// One CPU thread: each window is a few thousand multiply-adds, less than what it costs to
/// hand work to more threads or to a GPU and back.
pub const SINGLE_THREAD: Options = Options {
    threads: 1,
    try_cuda: false,
};

/// A loaded Silero VAD model and the state of the stream it is reading.
pub struct Silero {
    model: Model,
    state: Vec<f32>,
    context: [f32; CONTEXT],
}

impl std::fmt::Debug for Silero {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Silero")
            .field("provider", &self.model.provider)
            .finish()
    }
}

fn spec(name: &str, dtype: DType, shape: &[i64]) -> TensorSpec {
    TensorSpec {
        name: name.to_string(),
        dtype,
        shape: shape.to_vec(),
    }
}

impl Silero {
    /// Opens `path`, a `.onnx` file or a folder holding `model.onnx`, on one CPU thread
    /// ([`SINGLE_THREAD`]).
    pub fn open(path: &Path) -> Result<Silero, VadError> {
        Silero::open_with(path, SINGLE_THREAD)
    }

    pub fn open_with(path: &Path, options: Options) -> Result<Silero, VadError> {
        let file = if path.is_dir() {
            path.join(MODEL_FILE)
        } else {
            path.to_path_buf()
        };
        runtime::init(None)?;
        let model = Model::open(&file, "Silero VAD", options.try_cuda, options.threads)?;
        model.check(
            &[
                spec("input", DType::F32, &[-1, -1]),
                spec("state", DType::F32, &[2, -1, 128]),
                spec("sr", DType::I64, &[]),
            ],
            &[
                spec("output", DType::F32, &[-1, 1]),
                spec("stateN", DType::F32, &[-1, -1, -1]),
            ],
        )?;
        Ok(Silero {
            model,
            state: vec![0.0; STATE],
            context: [0.0; CONTEXT],
        })
    }

    /// Where the model runs.
    pub fn provider(&self) -> Provider {
        self.model.provider
    }

    /// Forgets the stream read so far: the next window is the first of a new one.
    pub fn reset(&mut self) {
        self.state.fill(0.0);
        self.context.fill(0.0);
    }

    /// One probability per 512-sample window of 16 kHz mono `samples`, a last partial window
    /// padded with zeros. The stream goes on across calls until [`Silero::reset`], so a stream
    /// fed in pieces of whole windows gives what it gives in one piece.
    pub fn probabilities(&mut self, samples: &[f32]) -> Result<Vec<f32>, VadError> {
        samples
            .chunks(WINDOW)
            .map(|window| self.window(window))
            .collect()
    }

    /// The probability of one window (padded with zeros to 512 samples).
    fn window(&mut self, samples: &[f32]) -> Result<f32, VadError> {
        let mut input = Vec::with_capacity(CONTEXT + WINDOW);
        input.extend_from_slice(&self.context);
        input.extend_from_slice(&samples[..samples.len().min(WINDOW)]);
        input.resize(CONTEXT + WINDOW, 0.0);
        let mut next_context = [0.0; CONTEXT];
        next_context.copy_from_slice(&input[WINDOW..]);

        let outputs = self.model.run(vec![
            ("input", Value::f32(&[1, (CONTEXT + WINDOW) as i64], input)),
            ("state", Value::f32(&[2, 1, 128], self.state.clone())),
            ("sr", Value::i64(&[], vec![i64::from(SAMPLE_RATE)])),
        ])?;
        let output = |name: &str, len: usize| -> Result<&[f32], VadError> {
            let value = outputs
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.as_f32())
                .ok_or_else(|| VadError::Output(format!("no float output '{name}'")))?;
            if value.len() != len {
                return Err(VadError::Output(format!(
                    "'{name}' holds {} values, expected {len}",
                    value.len()
                )));
            }
            Ok(value)
        };
        let probability = output("output", 1)?[0];
        self.state.copy_from_slice(output("stateN", STATE)?);
        self.context = next_context;
        Ok(probability)
    }
}
