//! Footage editing: the stages that turn recordings into an edit — `probe` (what a file is),
//! `transcribe` (where speech is and what is said), `beats` (the music's grid) — before the
//! plan ([`crate::plan::cuts`], [`crate::plan::from_footage`]) and the render engine take over.

pub mod beats;
pub mod edit;
pub mod probe;
pub mod transcribe;

use std::path::{Path, PathBuf};

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
