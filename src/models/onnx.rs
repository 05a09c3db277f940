//! The process's ONNX Runtime as configured: which library to load (reel.toml's
//! `onnxruntime`), where models live (its `models_dir`), and which execution provider models
//! get here, probed once.

use super::Registry;
use gstreel::onnx::{OnnxError, Probe, Runtime};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// reel.toml's `onnxruntime`: the library to load instead of the one found by searching.
static RUNTIME_LIBRARY: OnceLock<PathBuf> = OnceLock::new();
/// reel.toml's `models_dir`.
static MODELS_DIR: OnceLock<PathBuf> = OnceLock::new();
static PROBE: OnceLock<Probe> = OnceLock::new();

/// Applies the config's `onnxruntime` and `models_dir` for this process. Both are read once,
/// at start: ONNX Runtime cannot be swapped in a running process.
pub fn configure(onnxruntime: Option<PathBuf>, models_dir: Option<PathBuf>) {
    if let Some(path) = onnxruntime {
        let _ = RUNTIME_LIBRARY.set(path);
    }
    if let Some(dir) = models_dir {
        let _ = MODELS_DIR.set(dir);
    }
}

pub(crate) fn configured_models_dir() -> Option<&'static Path> {
    MODELS_DIR.get().map(PathBuf::as_path)
}

/// ONNX Runtime, loaded on first use from the configured library or wherever it is found.
pub fn runtime() -> Result<&'static Runtime, OnnxError> {
    gstreel::onnx::runtime::init(RUNTIME_LIBRARY.get().map(PathBuf::as_path))
}

/// Models up to this size may be opened to probe the provider; a bigger one would cost the
/// daemon a second or two and its memory at every start.
const PROBE_MAX_BYTES: u64 = 8 << 20;

/// Which execution provider models get here and why not CUDA, found once per process by
/// opening the smallest installed model with CUDA required (the runtime must load first).
pub fn providers(registry: &Registry) -> Result<&'static Probe, OnnxError> {
    runtime()?;
    Ok(PROBE.get_or_init(|| {
        let smallest = registry
            .installed()
            .into_iter()
            .flat_map(|model| {
                let dir = registry.model_dir(&model.id);
                model
                    .files
                    .into_iter()
                    .filter(|f| f.name.ends_with(".onnx") && f.size <= PROBE_MAX_BYTES)
                    .map(move |f| (f.size, dir.join(f.name)))
            })
            .min();
        let probe = gstreel::onnx::providers(smallest.as_ref().map(|(_, path)| path.as_path()));
        match &probe.fallback {
            Some(reason) => tracing::info!(provider = %probe.provider, %reason, "CUDA not used"),
            None => tracing::info!(provider = %probe.provider, "models run on the GPU"),
        }
        probe
    }))
}
