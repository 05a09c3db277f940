//! Everything that can stop a render, each saying what failed and on which input.

use crate::plan::spec::SpecError;
use crate::render::profile::ProfileError;
use crate::script::ScriptError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Script(#[from] ScriptError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("{place}image {path} cannot be used: {reason}")]
    Image {
        place: String,
        path: PathBuf,
        reason: String,
    },
    #[error("GStreamer element '{element}' is missing: install {package} (`make setup` does)")]
    MissingElement {
        element: String,
        package: &'static str,
    },
    #[error("{stage} failed in {element}: {message}")]
    Pipeline {
        stage: &'static str,
        element: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    /// The file system of `path` filled up while it was written.
    #[error("no space left on {}: free some and run it again", .path.display())]
    NoSpace { path: PathBuf },
    #[error("{character}'s portrait {path} shows a real person and cannot be used: {reason}")]
    Consent {
        character: String,
        path: PathBuf,
        reason: String,
    },
    #[error("{path}: the rendered file is wrong: {problem}")]
    Verify { path: PathBuf, problem: String },
    #[error("GStreamer could not start: {0}")]
    Init(String),
    #[error("stopped on request")]
    Cancelled,
    /// Footage that cannot be cut as asked (no speech, a target too short, no model).
    #[error("{0}")]
    Edit(String),
}

impl RenderError {
    /// An error reading or writing `path`; a full disk is named as such
    /// ([`RenderError::NoSpace`]), with the folder that filled.
    pub fn io(path: impl Into<PathBuf>, err: impl std::fmt::Display + 'static) -> RenderError {
        let path = path.into();
        let any: &dyn std::any::Any = &err;
        let full = any
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::StorageFull);
        if full {
            return RenderError::no_space(&path);
        }
        RenderError::Io {
            path,
            message: err.to_string(),
        }
    }

    /// No space left where `file` was being written: the folder it is in.
    pub fn no_space(file: &std::path::Path) -> RenderError {
        let folder = file.parent().filter(|p| !p.as_os_str().is_empty());
        RenderError::NoSpace {
            path: folder.unwrap_or(file).to_path_buf(),
        }
    }
}
