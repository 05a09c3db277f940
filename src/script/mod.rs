//! Text in, [`Project`] out. One module per script format; this one picks which.

pub mod brief;
mod directive;
pub mod estimate;
mod fountain;
mod markdown;
pub mod outline;
mod plain;

use crate::project::Project;
use std::fmt;
use std::path::{Path, PathBuf};

pub use directive::Directive;

/// A problem at a place in a script file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScriptError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What a format reader reports: the problem and where (1-based; column 0 means "where the
/// line's text starts", filled in by [`parse`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Failure {
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Failure {
        Failure {
            line,
            column,
            message: message.into(),
        }
    }

    /// A problem with a whole line.
    pub fn line(line: usize, message: impl Into<String>) -> Failure {
        Failure::at(line, 0, message)
    }

    /// The error to show for this failure in `file`, whose content is `text`.
    pub fn in_file(self, file: &Path, text: &str) -> ScriptError {
        let column = if self.column == 0 {
            text_column(text, self.line)
        } else {
            self.column
        };
        ScriptError {
            file: file.to_path_buf(),
            line: self.line,
            column,
            message: self.message,
        }
    }
}

/// `text` cut to at most `max` characters, with `…` where it was cut (for messages and outlines).
pub(crate) fn shorten(max: usize, text: &str) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The column where line `line` of `text` starts having text (1-based).
fn text_column(text: &str, line: usize) -> usize {
    let content = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    content.chars().take_while(|c| c.is_whitespace()).count() + 1
}

/// Something odd but not fatal, reported with its place.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: about the whole input (an edit's captions), not one line of it.
        match self.line {
            0 => write!(f, " {}", self.message),
            line => write!(f, "line {line}: {}", self.message),
        }
    }
}

/// A parsed script with what the parser wants the writer to know.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub project: Project,
    pub warnings: Vec<Warning>,
}

/// A scene heading (`INT.`, `EXT.`, `EST.`, `INT./EXT.`, `I/E`) at the start of some line.
fn looks_like_screenplay(text: &str) -> bool {
    text.lines().any(|line| {
        let upper = line.trim_start().to_ascii_uppercase();
        ["INT.", "EXT.", "EST.", "INT ", "EXT ", "INT/EXT", "I/E "]
            .iter()
            .any(|prefix| upper.starts_with(prefix))
    })
}

/// The script formats reel reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Scene N: ...` paragraphs with `NAME: line` dialogue.
    Plain,
    /// Fountain 1.1 screenplays.
    Fountain,
    /// Markdown outlines: headings are scenes, paragraphs narration.
    Markdown,
}

impl Format {
    /// Its short name: `plain`, `fountain` or `markdown`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Fountain => "fountain",
            Format::Markdown => "markdown",
        }
    }

    /// The format of `text` read from `file`: by extension, and otherwise by content (a
    /// `Scene 1:` line means plain, an `INT.`/`EXT.` heading a screenplay).
    pub fn detect(text: &str, file: &Path) -> Format {
        let extension = file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("fountain" | "spmd") => Format::Fountain,
            Some("md" | "markdown") => Format::Markdown,
            _ if plain::looks_plain(text) || !looks_like_screenplay(text) => Format::Plain,
            _ => Format::Fountain,
        }
    }
}

/// Parses `text`, read from `file` (named in errors; relative image paths resolve against its
/// folder), in the format its name and content show.
pub fn parse(text: &str, file: &Path) -> Result<Parsed, ScriptError> {
    let error = |failure: Failure| failure.in_file(file, text);
    if text.trim().is_empty() {
        return Err(error(Failure::line(
            1,
            "the script is empty: expected scenes like 'Scene 1: ...'",
        )));
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let parsed = match Format::detect(text, file) {
        Format::Plain => plain::parse(text, base),
        Format::Fountain => {
            fountain::parse(text, base).map_err(|(line, message)| Failure::line(line, message))
        }
        Format::Markdown => markdown::parse(text, base),
    };
    let mut parsed = parsed.map_err(error)?;
    parsed.project.assign_voices();
    parsed
        .project
        .resolve_portraits()
        .map_err(|(line, message)| error(Failure::line(line, message)))?;
    if parsed.project.title.is_empty() {
        parsed.project.title = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "untitled".into());
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portraits_go_to_the_characters_they_name() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["ada.png", "b.jpg"] {
            std::fs::write(dir.path().join(file), b"picture").unwrap();
        }
        let script = dir.path().join("two.fountain");
        // One on the title page, one as a directive.
        let text = "Title: Two\nPortrait: Bob = b.jpg, fictional\n\n[[portrait: ada.png]]\n\n\
                    INT. ROOM - DAY\n\nADA\nHello.\n\nBOB\nHi.\n";
        let project = parse(text, &script).unwrap().project;
        let ada = project.portrait_of("ADA").unwrap();
        assert_eq!(
            (ada.path.clone(), ada.fictional),
            (dir.path().join("ada.png"), false)
        );
        assert!(project.portrait_of("BOB").unwrap().fictional);

        // A plain script too; a portrait of nobody who speaks is an error at its line.
        let plain = dir.path().join("one.txt");
        let text = "Scene 1: A room.\n[[portrait: b.jpg]]\nADA: Hello.\n";
        let err = parse(text, &plain).unwrap_err().to_string();
        assert!(
            err.contains(":2") && err.contains("'b'") && err.contains("ADA"),
            "{err}"
        );
        let text = "Scene 1: A room.\n[[portrait: ADA = missing.png]]\nADA: Hello.\n";
        let err = parse(text, &plain).unwrap_err().to_string();
        assert!(err.contains("missing.png does not exist"), "{err}");
    }
}
