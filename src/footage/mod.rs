//! Footage editing: the stages that turn recordings into an edit — `probe` (what a file is),
//! `transcribe` (where speech is and what is said), `beats` (the music's grid) — before the
//! plan ([`crate::plan::cuts`], [`crate::plan::from_footage`]) and the render engine take over.

pub mod beats;
pub mod edit;
pub mod probe;
pub mod reframe;
pub mod shots;
pub mod shots_cache;
pub mod timing;
pub mod transcribe;
pub mod voiced;

use std::path::{Path, PathBuf};

/// Extensions of the video files the inbox edits as footage.
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "mov", "m4v", "mkv", "webm", "avi", "mts"];

/// Whether a file of this name is footage (by its extension, in any case).
pub fn is_footage_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && VIDEO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

#[derive(Debug, thiserror::Error)]
pub enum FootageError {
    /// The footage cannot be edited; `problem` says why in a few words.
    #[error("{path}: {problem}")]
    Unusable { path: PathBuf, problem: String },
    #[error("{0}")]
    Model(String),
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(transparent)]
    Cut(#[from] crate::plan::cuts::CutError),
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
}

impl FootageError {
    pub fn io(path: &Path, err: impl std::fmt::Display) -> FootageError {
        FootageError::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
        }
    }
}

/// Jobs report every failure as a render error; the message stays the same.
impl From<FootageError> for crate::render::RenderError {
    fn from(err: FootageError) -> crate::render::RenderError {
        use crate::render::RenderError;
        match err {
            FootageError::Render(err) => err,
            FootageError::Unusable { path, problem } => RenderError::Input {
                path,
                message: problem,
            },
            FootageError::Io { path, message } => RenderError::Io { path, message },
            other => RenderError::Edit(other.to_string()),
        }
    }
}
