//! Every speaking character's mouth-shape track over a script's timeline: each line's phones
//! placed where the timeline puts the line, at rest between their lines.

use super::animate::{animate, Cue};
use super::phones::TimedPhone;
use crate::plan::from_project::Speech;
use crate::plan::timeline::Timeline;
use crate::project::Project;

/// One character's track.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub character: String,
    pub cues: Vec<Cue>,
    /// Lines of theirs that have no phone times (a voice that gives none).
    pub untimed_lines: usize,
}

/// The tracks of every character who speaks, in order of first line, each as long as
/// `timeline`. `speech[scene][line]` is what the voice stage made, and the timeline's voice cues
/// are those lines in order.
pub fn tracks(project: &Project, speech: &[Vec<Speech>], timeline: &Timeline) -> Vec<Track> {
    let length = timeline.duration();
    let lines = project.scenes.iter().flat_map(|s| &s.lines);
    let spoken = speech.iter().flatten();
    let mut by_character: Vec<(String, Vec<TimedPhone>, usize)> = Vec::new();
    for ((line, speech), cue) in lines.zip(spoken).zip(&timeline.audio.voice) {
        let index = match by_character
            .iter()
            .position(|(c, _, _)| *c == line.character)
        {
            Some(i) => i,
            None => {
                by_character.push((line.character.clone(), Vec::new(), 0));
                by_character.len() - 1
            }
        };
        let entry = &mut by_character[index];
        if speech.phones.is_empty() {
            entry.2 += 1;
        }
        entry.1.extend(speech.phones.iter().map(|p| TimedPhone {
            start: p.start + cue.start,
            end: p.end + cue.start,
            ..*p
        }));
    }
    by_character
        .into_iter()
        .map(|(character, mut phones, untimed_lines)| {
            phones.sort_by(|a, b| a.start.total_cmp(&b.start));
            Track {
                character,
                cues: animate(&phones, length),
                untimed_lines,
            }
        })
        .collect()
}
