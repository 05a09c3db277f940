//! Domain types: what a script says, before any timing or rendering decision. No I/O here.

use crate::plan::timeline::{Motion, TransitionKind};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub title: String,
    pub scenes: Vec<Scene>,
    /// Speaking characters in order of first appearance, each with a stable voice.
    pub characters: Vec<Character>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// The number the script gave the scene.
    pub number: u32,
    /// What the scene shows, in the writer's words.
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub character: String,
    pub text: String,
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
}

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
    /// Gives every speaking character a voice, stable for the same script.
    pub fn assign_voices(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for line in self.scenes.iter().flat_map(|s| &s.lines) {
            if !names.contains(&line.character) {
                names.push(line.character.clone());
            }
        }
        // The narrator keeps the plainest voice wherever it first speaks.
        if let Some(i) = names.iter().position(|n| n == "NARRATOR") {
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
                    },
                }
            })
            .collect();
    }

    pub fn voice_of(&self, character: &str) -> Voice {
        self.characters
            .iter()
            .find(|c| c.name == character)
            .map(|c| c.voice.clone())
            .unwrap_or(Voice {
                name: VOICES[0].0.into(),
                pitch: VOICES[0].1,
            })
    }
}
