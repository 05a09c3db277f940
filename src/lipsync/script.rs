//! Every speaking character's mouth-shape track over a script's timeline: each line's phones
//! placed where the timeline puts the line, at rest between their lines; and the scenes whose
//! speakers have portraits turned into those faces talking.

use super::animate::{animate, Cue};
use super::loudness::Loudness;
use super::phones::TimedPhone;
use crate::plan::from_project::Speech;
use crate::plan::timeline::{MouthCue, Source, TalkingFace, Timeline};
use crate::project::{Portrait, Project};

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

/// Scenes where characters with portraits speak show those faces talking (the first two to
/// speak, in order) instead of the scene's picture, each mouth following its own track.
pub fn show_talking(project: &Project, speech: &[Vec<Speech>], timeline: &mut Timeline) {
    if project.portraits.is_empty() {
        return;
    }
    let tracks = tracks(project, speech, timeline);
    let starts = timeline.clip_starts();
    for ((scene, clip), start) in project.scenes.iter().zip(&mut timeline.clips).zip(starts) {
        let mut speakers: Vec<&Portrait> = Vec::new();
        for line in &scene.lines {
            if let Some(portrait) = project.portrait_of(&line.character) {
                if !speakers.iter().any(|p| p.character == portrait.character) {
                    speakers.push(portrait);
                }
            }
        }
        if speakers.is_empty() {
            continue;
        }
        let end = start + clip.duration;
        let faces = speakers
            .iter()
            .take(2)
            .map(|portrait| {
                let voice =
                    Loudness::of(project, speech, &timeline.audio.voice, &portrait.character);
                TalkingFace {
                    character: portrait.character.clone(),
                    path: portrait.path.clone(),
                    fictional: portrait.fictional,
                    cues: tracks
                        .iter()
                        .find(|t| t.character == portrait.character)
                        .map(|t| clip_cues(&t.cues, start, end, &voice))
                        .unwrap_or_default(),
                }
            })
            .collect();
        clip.source = Source::Portraits { faces };
    }
}

/// The cues of a track shown between `start` and `end`, from the clip's start, each with the
/// voice's loudness under it.
fn clip_cues(cues: &[Cue], start: f64, end: f64, voice: &Loudness) -> Vec<MouthCue> {
    let mut out: Vec<MouthCue> = Vec::new();
    for cue in cues.iter().filter(|c| c.end > start && c.start < end) {
        let at = (cue.start - start).max(0.0);
        let shape = cue.shape.letter();
        if out.last().is_some_and(|last| last.shape == shape) {
            continue;
        }
        out.push(MouthCue {
            start: at,
            shape,
            loudness: voice.between(cue.start, cue.end),
        });
    }
    out
}
