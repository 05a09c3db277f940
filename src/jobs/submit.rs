//! Checking what a caller submits before anything is stored: the input exists, is readable and
//! parses; the profiles exist; the paths are absolute. A rejected submission changes nothing.

use super::model::JobOptions;
use crate::render::error::RenderError;
use crate::render::profile::{self, Profile};
use crate::render::stages::{self, Parsed};
use crate::script::outline;
use crate::store::{Id, ProjectInfo, SceneInfo};
use std::path::{Path, PathBuf};

/// Why a submission was refused; each names the input or option at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    #[error("{0}")]
    Path(String),
    #[error("{0}")]
    Unreadable(String),
    #[error("{0}")]
    Script(String),
    #[error("{0}")]
    Options(String),
    /// Footage (or its music) that cannot be edited.
    #[error("{0}")]
    Footage(String),
    /// A real person's portrait without consent in force.
    #[error("{0}")]
    Consent(String),
}

/// What the caller gives: a file the daemon can read, or the text itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    File(PathBuf),
    /// `format` (plain, fountain, markdown) picks the extension it is stored under; without
    /// it the text is sniffed like a `.txt` file.
    Text {
        text: String,
        format: Option<String>,
    },
}

/// The extension submitted text is stored under.
pub fn text_extension(format: Option<&str>) -> Result<&'static str, Invalid> {
    match format {
        None | Some("" | "plain" | "txt") => Ok("txt"),
        Some("fountain") => Ok("fountain"),
        Some("markdown" | "md") => Ok("md"),
        Some("brief") => Ok("toml"),
        Some(other) => Err(Invalid::Options(format!(
            "format '{other}' is not one of plain, fountain, markdown, brief"
        ))),
    }
}

/// Footage files and the music for an edit: absolute paths to files that can be edited.
/// Returns the footage's seconds, all files together.
pub fn check_footage(paths: &[PathBuf], music: Option<&Path>) -> Result<f64, Invalid> {
    if paths.is_empty() {
        return Err(Invalid::Path("no footage given".into()));
    }
    let mut seconds = 0.0;
    for path in paths {
        check_file(path)?;
        let footage =
            crate::footage::probe::probe(path).map_err(|e| Invalid::Footage(e.to_string()))?;
        seconds += footage.duration;
    }
    if let Some(music) = music {
        check_file(music)?;
        let info = crate::render::probe::probe(music)
            .map_err(|e| Invalid::Footage(format!("{}: not music ({e})", music.display())))?;
        if info.audio.is_none() {
            return Err(Invalid::Footage(format!(
                "{}: no sound in it",
                music.display()
            )));
        }
    }
    Ok(seconds)
}

/// A file path from a caller: absolute, an existing readable file.
pub fn check_file(path: &Path) -> Result<(), Invalid> {
    if !path.is_absolute() {
        return Err(Invalid::Path(format!(
            "{}: give an absolute path (the daemon does not share your working folder)",
            path.display()
        )));
    }
    let meta = std::fs::metadata(path)
        .map_err(|e| Invalid::Path(format!("{}: {}", path.display(), io_reason(&e))))?;
    if !meta.is_file() {
        return Err(Invalid::Path(format!("{}: not a file", path.display())));
    }
    std::fs::File::open(path)
        .map_err(|e| Invalid::Unreadable(format!("{}: {}", path.display(), io_reason(&e))))?;
    Ok(())
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "the daemon may not read it".into(),
        _ => err.to_string(),
    }
}

/// Parses `input` as the parse stage will, so a bad script is refused at the door.
pub fn check_script(input: &Path, options: &JobOptions) -> Result<Parsed, Invalid> {
    stages::read(input, options.render_options()).map_err(|e| match e {
        RenderError::Consent { .. } => Invalid::Consent(e.to_string()),
        _ => Invalid::Script(e.to_string()),
    })
}

/// How long the video of `parsed` will be: a spec's timeline exactly, a script as estimated
/// before its lines are spoken.
pub fn video_seconds(parsed: &Parsed) -> f64 {
    match parsed {
        Parsed::Script(script) => outline::estimated_seconds(&script.project),
        Parsed::Spec(planned) => planned.timeline.duration(),
    }
}

/// The profiles a job renders: its own, else the daemon's defaults.
pub fn profiles(options: &JobOptions, defaults: &[String]) -> Result<Vec<Profile>, Invalid> {
    let names = if options.profiles.is_empty() {
        defaults
    } else {
        &options.profiles
    };
    if names.is_empty() {
        return Err(Invalid::Options("no export profile given".into()));
    }
    names
        .iter()
        .map(|name| profile::find(name).map_err(|e| Invalid::Options(e.to_string())))
        .collect()
}

pub fn check_options(options: &JobOptions, defaults: &[String]) -> Result<(), Invalid> {
    profiles(options, defaults)?;
    if let Some(dir) = &options.output_dir {
        if !dir.is_absolute() {
            return Err(Invalid::Options(format!(
                "output folder {}: give an absolute path",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// The project record of a parsed input, with one scene record per scene.
pub fn project_of(
    id: Id,
    name: &str,
    source: &Path,
    parsed: &Parsed,
) -> (ProjectInfo, Vec<SceneInfo>) {
    let (title, format, characters, scenes) = match parsed {
        Parsed::Script(s) => {
            let estimates = outline::scene_estimates(&s.project);
            let scenes: Vec<SceneInfo> = s
                .project
                .scenes
                .iter()
                .zip(estimates)
                .map(|(scene, seconds)| SceneInfo {
                    number: scene.number,
                    heading: if scene.heading.is_empty() {
                        scene.description.clone()
                    } else {
                        scene.heading.clone()
                    },
                    lines: scene.lines.len() as u32,
                    seconds,
                    source_line: scene.source_line as u32,
                })
                .collect();
            let characters = s
                .project
                .characters
                .iter()
                .map(|c| c.name.clone())
                .collect();
            (
                s.project.title.clone(),
                s.format.as_str(),
                characters,
                scenes,
            )
        }
        Parsed::Spec(planned) => {
            let scenes: Vec<SceneInfo> = planned
                .timeline
                .clips
                .iter()
                .enumerate()
                .map(|(i, clip)| SceneInfo {
                    number: i as u32 + 1,
                    heading: planned.places[i].trim_end_matches([' ', ':']).to_string(),
                    lines: 0,
                    seconds: clip.duration,
                    source_line: 0,
                })
                .collect();
            (String::new(), "spec", Vec::new(), scenes)
        }
    };
    let info = ProjectInfo {
        id,
        name: name.to_string(),
        title,
        format: format.into(),
        source: source.to_path_buf(),
        characters,
        scenes: scenes.len() as u32,
        created_ms: id.millis(),
        revision: 0,
    };
    (info, scenes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_be_absolute_existing_files() {
        assert!(
            matches!(check_file(Path::new("a.txt")), Err(Invalid::Path(m)) if m.contains("absolute"))
        );
        assert!(
            matches!(check_file(Path::new("/no/such/file.txt")), Err(Invalid::Path(m)) if m.contains("no such file"))
        );
        assert!(
            matches!(check_file(Path::new("/")), Err(Invalid::Path(m)) if m.contains("not a file"))
        );
    }

    #[test]
    fn unknown_profiles_and_formats_are_named() {
        let options = JobOptions {
            profiles: vec!["cinema-8k".into()],
            ..Default::default()
        };
        let err = check_options(&options, &[]).unwrap_err();
        assert!(err.to_string().contains("cinema-8k"), "{err}");
        assert!(text_extension(Some("docx"))
            .unwrap_err()
            .to_string()
            .contains("docx"));
    }
}
