//! Which execution provider models get on this machine, and why not CUDA when they cannot.
//!
//! Whether this onnxruntime build has the CUDA provider is known without a model; whether it
//! actually loads (driver, CUDA and cuDNN libraries, a GPU) shows only when a session is made,
//! so when a model file is at hand it is opened once with CUDA required.

use super::model::{Model, Provider};
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub provider: Provider,
    /// Why CUDA is not used (None when it is).
    pub fallback: Option<String>,
}

/// The provider a model opened now would get. `model` is any small model to try a session
/// with; without one, only the build's CUDA support is checked. The runtime must be loaded.
pub fn providers(model: Option<&Path>) -> Probe {
    use ort::ep::ExecutionProvider;
    match ort::ep::CUDA::is_available() {
        Ok(true) => {}
        Ok(false) => {
            return Probe {
                provider: Provider::Cpu,
                fallback: Some(
                    "this onnxruntime build has no CUDA execution provider \
                     (the onnxruntime-gpu package has one)"
                        .into(),
                ),
            }
        }
        Err(e) => {
            return Probe {
                provider: Provider::Cpu,
                fallback: Some(format!("cannot ask onnxruntime for its providers: {e}")),
            }
        }
    }
    let Some(path) = model else {
        return Probe {
            provider: Provider::Cuda,
            fallback: None,
        };
    };
    match Model::open(path, "provider probe", true, 1) {
        Ok(model) => Probe {
            provider: model.provider,
            fallback: model.fallback,
        },
        Err(e) => Probe {
            provider: Provider::Cpu,
            fallback: Some(e.to_string()),
        },
    }
}
