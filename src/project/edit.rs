//! Changes to a stored project, one at a time: a scene's line, action, picture, motion,
//! transition or length; scenes added, removed and moved; a character's voice. Each is checked
//! against the project as it is, and applied only whole. Scenes are named by their number,
//! which stays with the scene when others are moved or removed (a new scene takes the next
//! free number).

use super::{Motion, Project, Scene, SpeechRate};
use crate::plan::timeline::TransitionKind;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The longest scene an edit may ask for, seconds.
pub const MAX_SCENE_SECONDS: f64 = 600.0;

/// One edit; also the `reel projects edit` subcommands (the doc lines are their help).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Subcommand)]
#[serde(tag = "edit", rename_all = "kebab-case")]
pub enum Edit {
    /// Line LINE (from 1) of scene SCENE says TEXT.
    Line { scene: u32, line: u32, text: String },
    /// What scene SCENE shows (its action), which also picks its picture when it has none.
    Action { scene: u32, text: String },
    /// Scene SCENE shows the picture at PATH.
    Picture { scene: u32, path: PathBuf },
    /// Scene SCENE's camera move: none, zoom-in, zoom-out, pan-left or pan-right.
    Motion { scene: u32, motion: String },
    /// How scene SCENE comes in: cut, dissolve, fade-black, wipe-left, ...
    Transition { scene: u32, kind: String },
    /// Scene SCENE lasts SECONDS.
    Duration { scene: u32, seconds: f64 },
    /// A new scene showing ACTION after scene AFTER (0: first).
    AddScene { after: u32, action: String },
    /// Scene SCENE is removed.
    RemoveScene { scene: u32 },
    /// Scene SCENE moves to place TO (from 1).
    MoveScene { scene: u32, to: u32 },
    /// CHARACTER speaks with espeak-ng voice VOICE.
    Voice {
        character: String,
        voice: String,
        /// Speaking rate, 1.0 the voice's own pace.
        #[arg(long, default_value_t = 1.0)]
        rate: f64,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("no scene {scene} (the scenes are {known})")]
    UnknownScene { scene: u32, known: String },
    #[error("scene {scene} has no line {line} (it has {count})")]
    UnknownLine { scene: u32, line: u32, count: usize },
    #[error("no character {character} (the characters are {known})")]
    UnknownCharacter { character: String, known: String },
    #[error("{0}")]
    Invalid(String),
}

impl Edit {
    /// What the edit does, for the project's history.
    pub fn describe(&self) -> String {
        match self {
            Edit::Line { scene, line, text } => format!("scene {scene} line {line}: {text}"),
            Edit::Action { scene, text } => format!("scene {scene} action: {text}"),
            Edit::Picture { scene, path } => format!("scene {scene} picture: {}", path.display()),
            Edit::Motion { scene, motion } => format!("scene {scene} motion: {motion}"),
            Edit::Transition { scene, kind } => format!("scene {scene} transition: {kind}"),
            Edit::Duration { scene, seconds } => format!("scene {scene} lasts {seconds} s"),
            Edit::AddScene { after, action } => format!("new scene after {after}: {action}"),
            Edit::RemoveScene { scene } => format!("scene {scene} removed"),
            Edit::MoveScene { scene, to } => format!("scene {scene} moved to place {to}"),
            Edit::Voice {
                character,
                voice,
                rate,
            } => format!("{character} speaks as {voice} at {rate}x"),
        }
    }

    /// The picture file the edit brings in, for the caller to check before applying.
    pub fn picture(&self) -> Option<&std::path::Path> {
        match self {
            Edit::Picture { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Applies `edit` to `project`; on an error `project` is as it was.
pub fn apply(project: &mut Project, edit: &Edit) -> Result<(), EditError> {
    let mut changed = project.clone();
    change(&mut changed, edit)?;
    *project = changed;
    Ok(())
}

fn change(project: &mut Project, edit: &Edit) -> Result<(), EditError> {
    match edit {
        Edit::Line { scene, line, text } => {
            let text = words(text, "a line")?;
            let scene_number = *scene;
            let scene = scene_mut(project, scene_number)?;
            let count = scene.lines.len();
            let found = (*line as usize)
                .checked_sub(1)
                .and_then(|i| scene.lines.get_mut(i))
                .ok_or(EditError::UnknownLine {
                    scene: scene_number,
                    line: *line,
                    count,
                })?;
            found.text = text;
        }
        Edit::Action { scene, text } => {
            scene_mut(project, *scene)?.description = words(text, "an action")?;
        }
        Edit::Picture { scene, path } => {
            if !path.is_absolute() {
                return Err(EditError::Invalid(format!(
                    "picture {}: give an absolute path",
                    path.display()
                )));
            }
            scene_mut(project, *scene)?.image = Some(path.clone());
        }
        Edit::Motion { scene, motion } => {
            let motion = Motion::preset(motion).map_err(EditError::Invalid)?;
            scene_mut(project, *scene)?.motion = Some(motion);
        }
        Edit::Transition { scene, kind } => {
            let kind: TransitionKind =
                serde_json::from_value(serde_json::Value::String(kind.trim().to_string()))
                    .map_err(|_| {
                        EditError::Invalid(format!(
                            "unknown transition '{kind}' (known: cut, dissolve, fade-black, \
                             wipe-left, wipe-right, slide-left, slide-right)"
                        ))
                    })?;
            scene_mut(project, *scene)?.transition = Some(kind);
        }
        Edit::Duration { scene, seconds } => {
            if !(seconds.is_finite() && *seconds > 0.0 && *seconds <= MAX_SCENE_SECONDS) {
                return Err(EditError::Invalid(format!(
                    "a scene lasts more than 0 and at most {MAX_SCENE_SECONDS} seconds, not {seconds}"
                )));
            }
            scene_mut(project, *scene)?.duration = Some(*seconds);
        }
        Edit::AddScene { after, action } => {
            let action = words(action, "a scene's action")?;
            let at = match after {
                0 => 0,
                n => position(project, *n)? + 1,
            };
            let number = project.scenes.iter().map(|s| s.number).max().unwrap_or(0) + 1;
            project.scenes.insert(
                at,
                Scene {
                    number,
                    description: action,
                    ..Scene::default()
                },
            );
        }
        Edit::RemoveScene { scene } => {
            let at = position(project, *scene)?;
            if project.scenes.len() == 1 {
                return Err(EditError::Invalid(format!(
                    "scene {scene} is the only scene; a project keeps at least one"
                )));
            }
            project.scenes.remove(at);
        }
        Edit::MoveScene { scene, to } => {
            let from = position(project, *scene)?;
            let count = project.scenes.len();
            if *to == 0 || *to as usize > count {
                return Err(EditError::Invalid(format!(
                    "place {to} is not between 1 and {count}"
                )));
            }
            let moved = project.scenes.remove(from);
            project.scenes.insert(*to as usize - 1, moved);
        }
        Edit::Voice {
            character,
            voice,
            rate,
        } => {
            let voice = voice.trim();
            if voice.is_empty() || voice.contains(char::is_whitespace) {
                return Err(EditError::Invalid(format!(
                    "voice '{voice}': give an espeak-ng voice name such as en-us"
                )));
            }
            let rate = SpeechRate::from_factor(*rate).map_err(EditError::Invalid)?;
            let known = names(project.characters.iter().map(|c| c.name.clone()));
            let found = project
                .characters
                .iter_mut()
                .find(|c| c.name.eq_ignore_ascii_case(character.trim()))
                .ok_or_else(|| EditError::UnknownCharacter {
                    character: character.clone(),
                    known,
                })?;
            found.voice.name = voice.to_string();
            found.voice.rate = rate;
        }
    }
    Ok(())
}

/// `text` trimmed, refused when empty.
fn words(text: &str, what: &str) -> Result<String, EditError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EditError::Invalid(format!("{what} needs words")));
    }
    Ok(text.to_string())
}

fn position(project: &Project, scene: u32) -> Result<usize, EditError> {
    project
        .scenes
        .iter()
        .position(|s| s.number == scene)
        .ok_or_else(|| EditError::UnknownScene {
            scene,
            known: names(project.scenes.iter().map(|s| s.number.to_string())),
        })
}

fn scene_mut(project: &mut Project, scene: u32) -> Result<&mut Scene, EditError> {
    let at = position(project, scene)?;
    Ok(&mut project.scenes[at])
}

fn names(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{Character, Line, Voice};

    fn project() -> Project {
        let scene = |number: u32, text: &str| Scene {
            number,
            description: format!("scene {number}"),
            lines: vec![Line {
                character: "ADA".into(),
                text: text.into(),
                ..Line::default()
            }],
            ..Scene::default()
        };
        Project {
            title: "t".into(),
            scenes: vec![scene(1, "one"), scene(2, "two"), scene(3, "three")],
            characters: vec![Character {
                name: "ADA".into(),
                voice: Voice {
                    name: "en-us".into(),
                    pitch: 0,
                    rate: SpeechRate::default(),
                },
            }],
            ..Project::default()
        }
    }

    #[test]
    fn edits_change_only_what_they_name() {
        let mut p = project();
        let line = Edit::Line {
            scene: 2,
            line: 1,
            text: "  changed ".into(),
        };
        apply(&mut p, &line).unwrap();
        assert_eq!(p.scenes[1].lines[0].text, "changed");
        assert_eq!(p.scenes[0], project().scenes[0]);
        apply(&mut p, &Edit::MoveScene { scene: 3, to: 1 }).unwrap();
        let order: Vec<u32> = p.scenes.iter().map(|s| s.number).collect();
        assert_eq!(order, [3, 1, 2]);
        apply(&mut p, &Edit::RemoveScene { scene: 1 }).unwrap();
        apply(
            &mut p,
            &Edit::AddScene {
                after: 3,
                action: "new".into(),
            },
        )
        .unwrap();
        let order: Vec<u32> = p.scenes.iter().map(|s| s.number).collect();
        assert_eq!(order, [3, 4, 2]);
    }

    #[test]
    fn a_bad_edit_names_the_problem_and_changes_nothing() {
        let mut p = project();
        let bad = [
            (
                Edit::Duration {
                    scene: 1,
                    seconds: 0.0,
                },
                "more than 0",
            ),
            (
                Edit::Line {
                    scene: 9,
                    line: 1,
                    text: "x".into(),
                },
                "no scene 9 (the scenes are 1, 2, 3)",
            ),
            (
                Edit::Line {
                    scene: 1,
                    line: 4,
                    text: "x".into(),
                },
                "has no line 4",
            ),
            (
                Edit::Motion {
                    scene: 1,
                    motion: "spin".into(),
                },
                "unknown motion 'spin'",
            ),
            (
                Edit::Transition {
                    scene: 1,
                    kind: "swirl".into(),
                },
                "unknown transition 'swirl'",
            ),
            (
                Edit::Picture {
                    scene: 1,
                    path: "a.png".into(),
                },
                "absolute path",
            ),
            (
                Edit::Voice {
                    character: "BOB".into(),
                    voice: "en-us".into(),
                    rate: 1.0,
                },
                "no character BOB",
            ),
        ];
        for (edit, message) in bad {
            let err = apply(&mut p, &edit).unwrap_err().to_string();
            assert!(err.contains(message), "{edit:?}: {err}");
            assert_eq!(p, project());
        }
    }
}
