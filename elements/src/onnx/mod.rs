//! ONNX Runtime for reel's elements, shared by every model-backed element.
//!
//! [`runtime`] finds `libonnxruntime.so` (no environment variable needed) and loads it once per
//! process; [`model`] opens a model on the best execution provider (CUDA, then CPU, logging the
//! reason for a fallback), checks its inputs and outputs against what the caller expects, and
//! runs it with every tensor checked before it reaches the runtime, so mistakes read as
//! sentences instead of runtime internals.

pub mod model;
pub mod probe;
pub mod runtime;

pub use model::{DType, Model, Provider, RunOptions, TensorSpec};
pub use probe::{providers, Probe};
pub use runtime::Runtime;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OnnxError {
    #[error(
        "the ONNX Runtime library (libonnxruntime.so) was not found; looked in: {}. \
         Run `make setup`, or point ORT_DYLIB_PATH or `onnxruntime` in reel.toml at it",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    RuntimeMissing { searched: Vec<PathBuf> },
    #[error("cannot load the ONNX Runtime library {path}: {reason}")]
    RuntimeLoad { path: PathBuf, reason: String },
    #[error("model {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    #[error("model {model}: {problem}")]
    Mismatch { model: String, problem: String },
    #[error("model {model} failed: {reason}")]
    Run { model: String, reason: String },
}
