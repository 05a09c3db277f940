//! Plain scripts: paragraphs that open with `Scene N: what we see`, then `NAME: spoken line`s.
//!
//! ```text
//! Title: Morning Walk
//!
//! Scene 1: A hero stands on a mountain at sunrise. [[motion: zoom-in]]
//! NARRATOR: Every journey starts with one step.
//! ALICE: Then let's take it.
//! ```
//! A line that is not a cue continues the cue above it, or the scene's description after a
//! blank line. `[[key: value]]` notes anywhere are directives (see `directive.rs`).

use super::directive;
use super::{Failure, Parsed, Warning};
use crate::project::{Line, Project, Scene};
use std::path::Path;

pub fn parse(text: &str, base: &Path) -> Result<Parsed, Failure> {
    let mut project = Project::default();
    let mut warnings = Vec::new();
    // Whether the last text line was a cue (so a plain line continues it).
    let mut in_cue = false;

    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let (line, notes) = directive::split_notes(raw);
        if let Some((scene_number, description)) = scene_heading(&line) {
            if project.scenes.iter().any(|s| s.number == scene_number) {
                warnings.push(Warning {
                    line: number,
                    message: format!("scene {scene_number} appears twice"),
                });
            }
            project.scenes.push(Scene {
                number: scene_number,
                description: description.to_string(),
                source_line: number,
                ..Scene::default()
            });
            in_cue = false;
        } else if let Some(scene) = project.scenes.last_mut() {
            if line.is_empty() {
                in_cue = false;
            } else if let Some((character, spoken)) = cue(&line) {
                scene.lines.push(Line {
                    character: character.to_string(),
                    text: spoken.to_string(),
                    source_line: number,
                    ..Line::default()
                });
                in_cue = true;
            } else if let (true, Some(last)) = (in_cue, scene.lines.last_mut()) {
                append(&mut last.text, &line);
            } else {
                append(&mut scene.description, &line);
            }
        } else if let Some(title) = header(&line, "title") {
            project.title = title.to_string();
        } else if !line.is_empty() {
            return Err(Failure::line(
                number,
                format!(
                    "expected a scene heading like 'Scene 1: ...', found '{}'",
                    super::shorten(40, &line)
                ),
            ));
        }

        for note in notes {
            directive::apply_note(&note, number, base, &mut project, &mut warnings)?;
        }
    }

    if project.scenes.is_empty() {
        return Err(Failure::line(
            1,
            "no scenes found: expected lines like 'Scene 1: A quiet street'",
        ));
    }
    for scene in &mut project.scenes {
        for line in &mut scene.lines {
            if line.text.is_empty() {
                return Err(Failure::line(
                    line.source_line,
                    format!("{} has nothing to say", line.character),
                ));
            }
        }
        if scene.description.is_empty() && scene.lines.is_empty() && scene.image.is_none() {
            return Err(Failure::line(
                scene.source_line,
                format!(
                    "scene {} is empty: give it a description, an image or a line",
                    scene.number
                ),
            ));
        }
    }
    Ok(Parsed { project, warnings })
}

/// Whether `text` has a `Scene N:` heading among its lines: the mark of a plain script.
pub fn looks_plain(text: &str) -> bool {
    text.lines().any(|line| scene_heading(line).is_some())
}

/// `Scene 12: text`, `scene 3 - text`, `SCENE 4.` -> (number, text).
fn scene_heading(line: &str) -> Option<(u32, &str)> {
    let rest = strip_prefix_ignore_case(line.trim_start(), "scene")?;
    let rest = rest.trim_start();
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || rest.len() == line.len() {
        return None;
    }
    let number = rest[..digits].parse().ok()?;
    let after = rest[digits..].trim_start();
    let text = match after.chars().next() {
        None => "",
        Some(':' | '.' | '-' | '–' | '—') => after[after.chars().next()?.len_utf8()..].trim(),
        Some(_) => return None,
    };
    Some((number, text))
}

/// `NAME: text` where NAME is upper case (letters, digits, spaces, `.`, `'`, `-`).
pub fn cue(line: &str) -> Option<(&str, &str)> {
    let (name, text) = line.split_once(':')?;
    let name = name.trim();
    let valid = !name.is_empty()
        && name.chars().count() <= 32
        && name.chars().next().is_some_and(char::is_alphabetic)
        && name.chars().any(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_uppercase() || c.is_ascii_digit() || matches!(c, ' ' | '.' | '\'' | '-'));
    valid.then(|| (name, text.trim()))
}

fn header<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (k, v) = line.split_once(':')?;
    k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn append(text: &mut String, more: &str) {
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(more);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Parsed {
        parse(text, Path::new(".")).expect("parses")
    }

    #[test]
    fn scenes_descriptions_and_cues() {
        let parsed = parse_ok(
            "Title: Walk\n\nScene 1: A hill at dawn.\nThe sun climbs.\nNARRATOR: It begins.\n\
             and goes on.\nMR. O'NEIL-2: Hello: there.\n\nScene 2 - Night\n",
        );
        let p = parsed.project;
        assert_eq!(p.title, "Walk");
        assert_eq!(p.scenes.len(), 2);
        assert_eq!(p.scenes[0].description, "A hill at dawn. The sun climbs.");
        assert_eq!(p.scenes[0].lines.len(), 2);
        assert_eq!(p.scenes[0].lines[0].text, "It begins. and goes on.");
        assert_eq!(p.scenes[0].lines[1].character, "MR. O'NEIL-2");
        assert_eq!(p.scenes[0].lines[1].text, "Hello: there.");
        assert_eq!(p.scenes[1].description, "Night");
        assert_eq!(p.scenes[1].source_line, 9);
    }

    #[test]
    fn mixed_case_labels_are_not_cues() {
        let p = parse_ok("Scene 1: x\nNote: this is description\n").project;
        assert!(p.scenes[0].lines.is_empty());
        assert_eq!(p.scenes[0].description, "x Note: this is description");
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse("hello\nScene 1: x", Path::new(".")).unwrap_err().line,
            1
        );
        let err = parse("Scene 1: a\n\nScene 2:\n\nScene 3: c", Path::new(".")).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("scene 2 is empty"));
        let err = parse("Scene 1: a [[image: nope.png]]", Path::new(".")).unwrap_err();
        assert!(err.message.contains("nope.png does not exist"));
        let err = parse("Scene 1: a [[duration: 0s]]", Path::new(".")).unwrap_err();
        assert!(err.message.contains("above zero"), "{}", err.message);
    }

    #[test]
    fn unknown_directives_warn_with_their_line() {
        let parsed = parse_ok("Scene 1: a\n[[sparkles: yes]]\n");
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 2);
    }
}
