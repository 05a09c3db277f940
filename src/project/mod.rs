//! Domain types: what a script says, before any timing or rendering decision. No I/O here.

pub mod edit;

use crate::plan::timeline::{Color, Motion, TransitionKind};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    pub title: String,
    pub scenes: Vec<Scene>,
    /// Speaking characters in order of first appearance, each with a stable voice.
    pub characters: Vec<Character>,
    /// How the video looks and sounds where scenes do not say.
    #[serde(default)]
    pub style: Style,
    /// Whether action text is read aloud (by the narrator) or only shown on screen.
    #[serde(default)]
    pub narrate_action: bool,
    /// How fast every voice speaks.
    #[serde(default)]
    pub speech_rate: SpeechRate,
    /// Characters shown talking, by name.
    #[serde(default)]
    pub portraits: Vec<Portrait>,
}

/// A character's portrait: while they speak, their scene shows this face talking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portrait {
    pub character: String,
    pub path: PathBuf,
    /// Drawn or generated: no real person's likeness, so no consent is needed. A portrait is
    /// taken for a photograph of a real person unless marked so.
    #[serde(default)]
    pub fictional: bool,
    /// Where the script gave it (1-based line, 0 when it did not come from a script).
    #[serde(default)]
    pub source_line: usize,
}

/// A speaking rate in percent of the voice's own: 100 is normal, 120 a fifth faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpeechRate(pub u32);

impl SpeechRate {
    /// The rates reel accepts, in percent: beyond them speech stops sounding natural.
    pub const RANGE: std::ops::RangeInclusive<u32> = 50..=200;

    /// From a factor (1.0 normal), when within [`SpeechRate::RANGE`].
    pub fn from_factor(factor: f64) -> Result<SpeechRate, String> {
        let percent = (factor * 100.0).round();
        if factor.is_finite() && Self::RANGE.contains(&(percent as u32)) && percent >= 0.0 {
            Ok(SpeechRate(percent as u32))
        } else {
            Err(format!(
                "speaking rate {factor}: give 0.5 to 2.0 (1.0 is the voice's own pace)"
            ))
        }
    }

    pub fn factor(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl Default for SpeechRate {
    fn default() -> Self {
        SpeechRate(100)
    }
}

/// The look and sound of a project: title-card palette, camera, transitions, music.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Style {
    /// Title-card gradients (from, to), taken in turn.
    pub palette: Vec<(Color, Color)>,
    pub text_color: Color,
    /// Camera moves used in turn where a scene names none (`zoom-in`, `pan-left`, ...).
    pub motions: Vec<String>,
    /// How scenes come in where they name no transition.
    pub transition: TransitionKind,
    pub transition_seconds: f64,
    pub music_mood: String,
    pub music_tempo: f64,
    pub music_key: String,
    /// Seed of the music and any other varied choice.
    pub seed: u64,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            palette: vec![
                (Color::rgb(0x1d, 0x26, 0x3b), Color::rgb(0x41, 0x5a, 0x77)),
                (Color::rgb(0x3a, 0x1c, 0x32), Color::rgb(0x8a, 0x3b, 0x4e)),
                (Color::rgb(0x12, 0x33, 0x2b), Color::rgb(0x2f, 0x6f, 0x5e)),
                (Color::rgb(0x2b, 0x22, 0x12), Color::rgb(0x8c, 0x64, 0x2a)),
            ],
            text_color: Color::rgb(0xf5, 0xf5, 0xf0),
            motions: vec!["zoom-in".into(), "zoom-out".into()],
            transition: TransitionKind::Dissolve,
            transition_seconds: 0.5,
            music_mood: "calm".into(),
            music_tempo: 96.0,
            music_key: "C".into(),
            seed: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Scene {
    /// The scene's place in the script, from 1 (or the number the script gave it).
    pub number: u32,
    /// The heading as written (`INT. LIGHTHOUSE - NIGHT`); empty where the format has none.
    #[serde(default)]
    pub heading: String,
    /// Where it happens (`LIGHTHOUSE`), from the heading.
    #[serde(default)]
    pub location: String,
    /// When it happens (`NIGHT`), from the heading.
    #[serde(default)]
    pub time_of_day: String,
    /// What the scene shows, in the writer's words (action text).
    pub description: String,
    pub lines: Vec<Line>,
    /// A picture for the scene; none means a title card with the description.
    pub image: Option<PathBuf>,
    /// Seconds the writer asked for; otherwise the speech decides.
    pub duration: Option<f64>,
    pub motion: Option<Motion>,
    pub transition: Option<TransitionKind>,
    /// Where the scene starts in its script (1-based line), for messages.
    pub source_line: usize,
}

impl Scene {
    /// Which of the style's colours and moves the scene takes: its number's, so the scene
    /// keeps them when edits move it.
    pub fn look(&self) -> usize {
        self.number.saturating_sub(1) as usize
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Line {
    pub character: String,
    /// How it is said (`(whispering)`), without the brackets.
    #[serde(default)]
    pub parenthetical: Option<String>,
    /// A cue extension such as `V.O.`, `O.S.` or `CONT'D`, without the brackets.
    #[serde(default)]
    pub extension: Option<String>,
    pub text: String,
    /// Spoken at the same time as the line before it (Fountain dual dialogue).
    #[serde(default)]
    pub dual: bool,
    pub source_line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Character {
    pub name: String,
    pub voice: Voice,
}

/// A speaking voice: an espeak-ng voice name and a pitch shift (-100..100, 0 is the voice's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Voice {
    pub name: String,
    pub pitch: i32,
    #[serde(default)]
    pub rate: SpeechRate,
}

/// Who reads narration and action.
pub const NARRATOR: &str = "NARRATOR";

/// Voices handed out to characters in order of appearance; the narrator always gets the first.
const VOICES: [(&str, i32); 6] = [
    ("en-us", 0),
    ("en-gb", -25),
    ("en-us", 45),
    ("en-gb-scotland", 15),
    ("en-029", -10),
    ("en-gb-x-rp", 30),
];

impl Project {
    /// Has the narrator read each scene's action before its dialogue, and re-assigns voices.
    pub fn narrate_action(&mut self) {
        self.narrate_action = true;
        for scene in &mut self.scenes {
            let action = scene.description.trim();
            // A plain scene's description doubles as its title; read it all the same.
            if !action.is_empty() {
                let line = Line {
                    character: NARRATOR.into(),
                    text: action.to_string(),
                    source_line: scene.source_line,
                    ..Line::default()
                };
                scene.lines.insert(0, line);
            }
        }
        self.assign_voices();
    }

    /// Gives every speaking character a voice, stable for the same script.
    pub fn assign_voices(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for line in self.scenes.iter().flat_map(|s| &s.lines) {
            if !names.contains(&line.character) {
                names.push(line.character.clone());
            }
        }
        // The narrator keeps the plainest voice wherever it first speaks.
        if let Some(i) = names.iter().position(|n| n == NARRATOR) {
            let narrator = names.remove(i);
            names.insert(0, narrator);
        }
        self.characters = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let (voice, pitch) = VOICES[i % VOICES.len()];
                Character {
                    name,
                    voice: Voice {
                        name: voice.into(),
                        pitch,
                        rate: SpeechRate::default(),
                    },
                }
            })
            .collect();
    }

    /// The portrait of `character`, if the script gave one.
    pub fn portrait_of(&self, character: &str) -> Option<&Portrait> {
        self.portraits.iter().find(|p| p.character == character)
    }

    /// Ties each portrait to a speaking character: by the name it gives, or, without one, by
    /// its file's name (`ada.png` for ADA), any case. `Err` is the line and the problem.
    pub fn resolve_portraits(&mut self) -> Result<(), (usize, String)> {
        let names: Vec<String> = self.characters.iter().map(|c| c.name.clone()).collect();
        for portrait in &mut self.portraits {
            let wanted = if portrait.character.is_empty() {
                portrait
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            } else {
                portrait.character.clone()
            };
            let found = names.iter().find(|n| n.eq_ignore_ascii_case(wanted.trim()));
            match found {
                Some(name) => portrait.character = name.clone(),
                None => {
                    let how = if portrait.character.is_empty() {
                        format!(
                            "portrait {}: no speaking character is called '{wanted}' (name \
                             one: [[portrait: NAME = {}]])",
                            portrait.path.display(),
                            portrait
                                .path
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default()
                        )
                    } else {
                        format!("portrait for '{wanted}': no speaking character has that name")
                    };
                    return Err((
                        portrait.source_line,
                        format!("{how} (speaking: {})", names.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn voice_of(&self, character: &str) -> Voice {
        self.characters
            .iter()
            .find(|c| c.name == character)
            .map(|c| c.voice.clone())
            .map(|voice| Voice {
                rate: self.speech_rate,
                ..voice
            })
            .unwrap_or(Voice {
                name: VOICES[0].0.into(),
                pitch: VOICES[0].1,
                rate: self.speech_rate,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrated_action_comes_before_the_dialogue_in_the_narrators_voice() {
        let mut project = Project {
            scenes: vec![Scene {
                description: "Rain on the glass.".into(),
                lines: vec![Line {
                    character: "ADA".into(),
                    text: "Listen.".into(),
                    ..Line::default()
                }],
                ..Scene::default()
            }],
            ..Project::default()
        };
        project.assign_voices();
        project.narrate_action();
        let lines = &project.scenes[0].lines;
        assert_eq!(
            (lines[0].character.as_str(), lines[0].text.as_str()),
            (NARRATOR, "Rain on the glass.")
        );
        assert_eq!(lines[1].character, "ADA");
        assert_eq!(project.characters[0].name, NARRATOR);
        assert_eq!(project.voice_of(NARRATOR).name, "en-us");
        assert!(project.narrate_action);
    }
}
