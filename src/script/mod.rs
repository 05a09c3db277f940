//! Text in, [`Project`] out. One module per script format; this one picks which.

mod directive;
mod plain;

use crate::project::Project;
use std::fmt;
use std::path::{Path, PathBuf};

pub use directive::Directive;

/// A problem at a place in a script file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ScriptError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// Something odd but not fatal, reported with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parsed script with what the parser wants the writer to know.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub project: Project,
    pub warnings: Vec<Warning>,
}

/// Parses `text`, read from `file` (named in errors; relative image paths resolve against its
/// folder).
pub fn parse(text: &str, file: &Path) -> Result<Parsed, ScriptError> {
    let error = |line: usize, message: String| ScriptError {
        file: file.to_path_buf(),
        line,
        message,
    };
    if text.trim().is_empty() {
        return Err(error(
            1,
            "the script is empty: expected scenes like 'Scene 1: ...'".into(),
        ));
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let mut parsed = plain::parse(text, base).map_err(|(line, message)| error(line, message))?;
    parsed.project.assign_voices();
    if parsed.project.title.is_empty() {
        parsed.project.title = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "untitled".into());
    }
    Ok(parsed)
}
