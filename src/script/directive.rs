//! `[[key: value]]` notes that steer the video from inside a script.

use super::{Failure, Warning};
use crate::plan::timeline::{Motion, TransitionKind};
use crate::project::{Portrait, Project, Scene};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    Image(PathBuf),
    /// A character's portrait: `[[portrait: ada.png]]` (ADA's, by the file name) or
    /// `[[portrait: ADA = ada.png]]`, with `, fictional` for a drawn or generated face.
    Portrait {
        character: String,
        path: PathBuf,
        fictional: bool,
    },
    Duration(f64),
    Motion(Motion),
    Transition(TransitionKind),
}

/// A `[[...]]` note and the 1-based column of its `[[`.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub column: usize,
    pub text: String,
}

/// Finds every `[[...]]` note in `line`; returns the line without them and the notes.
pub fn split_notes(line: &str) -> (String, Vec<Note>) {
    let mut rest = line;
    let mut text = String::new();
    let mut notes = Vec::new();
    while let Some(open) = rest.find("[[") {
        let Some(close) = rest[open..].find("]]") else {
            break;
        };
        let consumed = line.len() - rest.len() + open;
        let column = line[..consumed].chars().count() + 1;
        text.push_str(&rest[..open]);
        notes.push(Note {
            column,
            text: rest[open + 2..open + close].trim().to_string(),
        });
        rest = &rest[open + close + 2..];
    }
    text.push_str(rest);
    (text.trim().to_string(), notes)
}

/// Reads a note found on `line` as a directive: `None` for a writer's remark, and for an unknown
/// key (after a warning); an unusable value is a failure pointing at the note.
pub fn read(
    note: &Note,
    line: usize,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Directive>, Failure> {
    match parse(&note.text) {
        Ok(directive) => Ok(directive),
        Err(NoteError::Unknown(message)) => {
            warnings.push(Warning { line, message });
            Ok(None)
        }
        Err(NoteError::Invalid(message)) => Err(Failure::at(line, note.column, message)),
    }
}

/// Reads a note found on `line` and applies it to the project's last scene (see [`read`] and
/// [`apply`]); a portrait goes to the project.
pub fn apply_note(
    note: &Note,
    line: usize,
    base: &Path,
    project: &mut Project,
    warnings: &mut Vec<Warning>,
) -> Result<(), Failure> {
    let Some(directive) = read(note, line, warnings)? else {
        return Ok(());
    };
    let fail = |message: String| Failure::at(line, note.column, message);
    let directive = match add_portrait(directive, base, line, project) {
        Ok(None) => return Ok(()),
        Ok(Some(directive)) => directive,
        Err(message) => return Err(fail(message)),
    };
    let scene = project.scenes.last_mut().ok_or_else(|| {
        fail("a directive before the first scene has no scene to apply to".into())
    })?;
    apply(directive, base, scene).map_err(fail)
}

/// Keeps a portrait directive in `project` (its path resolved against `base`, and checked);
/// any other directive comes back to be applied to a scene.
pub fn add_portrait(
    directive: Directive,
    base: &Path,
    line: usize,
    project: &mut Project,
) -> Result<Option<Directive>, String> {
    let Directive::Portrait {
        character,
        path,
        fictional,
    } = directive
    else {
        return Ok(Some(directive));
    };
    let path = base.join(path);
    if !path.is_file() {
        return Err(format!("portrait {} does not exist", path.display()));
    }
    project
        .portraits
        .retain(|p| p.character != character || character.is_empty());
    project.portraits.push(Portrait {
        character,
        path,
        fictional,
        source_line: line,
    });
    Ok(None)
}

/// Applies a directive to `scene`; image paths resolve against `base` and must exist.
pub fn apply(directive: Directive, base: &Path, scene: &mut Scene) -> Result<(), String> {
    match directive {
        Directive::Image(path) => {
            let path = base.join(path);
            if !path.is_file() {
                return Err(format!("image {} does not exist", path.display()));
            }
            scene.image = Some(path);
        }
        Directive::Portrait { .. } => {
            return Err("a portrait belongs to a character, not a scene".into())
        }
        Directive::Duration(seconds) => scene.duration = Some(seconds),
        Directive::Motion(motion) => scene.motion = Some(motion),
        Directive::Transition(kind) => scene.transition = Some(kind),
    }
    Ok(())
}

/// Why a note is not a usable directive.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteError {
    /// A key reel does not know: worth a warning, the script still renders.
    Unknown(String),
    /// A known key with a value that cannot work: an error.
    Invalid(String),
}

/// Reads one note. `Ok(None)` is a note that is not a directive (a writer's remark).
pub fn parse(note: &str) -> Result<Option<Directive>, NoteError> {
    let Some((key, value)) = note.split_once(':') else {
        return Ok(None);
    };
    let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
    let directive = match key.as_str() {
        "image" => Ok(Directive::Image(PathBuf::from(value))),
        "portrait" => portrait(value),
        "duration" => parse_seconds(value).map(Directive::Duration),
        "motion" => motion(value).map(Directive::Motion),
        "transition" => transition(value).map(Directive::Transition),
        _ => {
            return Err(NoteError::Unknown(format!(
                "unknown directive '{key}' (known: image, portrait, duration, motion, transition)"
            )))
        }
    };
    directive.map(Some).map_err(NoteError::Invalid)
}

/// `ada.png`, `ADA = ada.png`, either followed by `, fictional` (or `, generated`).
fn portrait(value: &str) -> Result<Directive, String> {
    let (picture, marker) = match value.rsplit_once(',') {
        Some((picture, marker)) => (picture, Some(marker.trim().to_ascii_lowercase())),
        None => (value, None),
    };
    let fictional = match marker.as_deref() {
        None => false,
        Some("fictional" | "generated" | "drawn") => true,
        Some(other) => {
            return Err(format!(
                "portrait marker '{other}': use 'fictional' for a drawn or generated face"
            ))
        }
    };
    let (character, path) = match picture.split_once('=') {
        Some((name, path)) => (name.trim().to_string(), path.trim()),
        None => (String::new(), picture.trim()),
    };
    if path.is_empty() {
        return Err("portrait: name the picture, like [[portrait: ADA = ada.png]]".into());
    }
    Ok(Directive::Portrait {
        character,
        path: PathBuf::from(path),
        fictional,
    })
}

fn parse_seconds(value: &str) -> Result<f64, String> {
    let number = value.strip_suffix('s').unwrap_or(value).trim();
    match number.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(s),
        Ok(_) => Err(format!("duration '{value}' must be above zero")),
        Err(_) => Err(format!(
            "duration '{value}' is not a number of seconds like '6s'"
        )),
    }
}

/// Named camera moves (see [`Motion::preset`]).
pub fn motion(name: &str) -> Result<Motion, String> {
    Motion::preset(name)
}

fn transition(name: &str) -> Result<TransitionKind, String> {
    let quoted = format!("\"{}\"", name.trim().to_ascii_lowercase());
    serde_json::from_str(&quoted).map_err(|_| {
        format!(
            "unknown transition '{}' (known: cut, dissolve, fade-black, wipe-left, wipe-right, \
             slide-left, slide-right)",
            name.trim()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_lifted_out_of_the_line() {
        let (text, notes) = split_notes("A beach [[image: beach.jpg]] at dawn [[duration: 5s]]");
        assert_eq!(text, "A beach  at dawn");
        let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, vec!["image: beach.jpg", "duration: 5s"]);
        assert_eq!((notes[0].column, notes[1].column), (9, 38));
    }

    #[test]
    fn directives_parse_and_unknown_ones_are_errors() {
        assert_eq!(parse("duration: 6s"), Ok(Some(Directive::Duration(6.0))));
        assert_eq!(
            parse("transition: wipe-left"),
            Ok(Some(Directive::Transition(TransitionKind::WipeLeft)))
        );
        assert!(
            matches!(parse("colour: red"), Err(NoteError::Unknown(m)) if m.contains("'colour'"))
        );
        assert!(matches!(parse("duration: 0"), Err(NoteError::Invalid(_))));
        assert_eq!(parse("just a remark"), Ok(None));
    }

    #[test]
    fn portraits_name_their_character_or_take_it_from_the_file() {
        let portrait = |character: &str, path: &str, fictional| {
            Ok(Some(Directive::Portrait {
                character: character.into(),
                path: PathBuf::from(path),
                fictional,
            }))
        };
        assert_eq!(parse("portrait: ada.png"), portrait("", "ada.png", false));
        assert_eq!(
            parse("portrait: ADA LOVELACE = pics/ada.jpg, fictional"),
            portrait("ADA LOVELACE", "pics/ada.jpg", true)
        );
        assert!(
            matches!(parse("portrait: ada.png, blurry"), Err(NoteError::Invalid(m)) if m.contains("fictional"))
        );
        assert!(matches!(
            parse("portrait: BOB = "),
            Err(NoteError::Invalid(_))
        ));
    }
}
