//! A project plus its measured speech becomes a timeline: scene lengths follow the voice,
//! captions follow the lines, music runs under everything.

use super::captions;
use super::timeline::{
    AudioCue, AudioTrack, Caption, CaptionStyle, Clip, Motion, Music, MusicSource, Source,
    Timeline, Transition, TransitionKind, Word,
};
use crate::project::{Project, Style};
use std::path::PathBuf;

/// A spoken line rendered to audio.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Speech {
    pub path: PathBuf,
    pub duration: f64,
    /// When each word is heard, seconds from the start of `path`; empty when the voice does not
    /// say (captions then time words by their length).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
    /// When each phone is heard, seconds from the start of `path`, for lip sync.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<crate::lipsync::TimedPhone>,
}

/// Silence after a scene is fully on screen before its first line.
const LEAD: f64 = 0.3;
/// Pause between two lines of one scene.
const GAP: f64 = 0.35;
/// Time the picture holds after the last line.
const TAIL: f64 = 0.7;
/// Shortest scene without lines.
const MIN_SCENE: f64 = 3.0;

/// `speech[s][l]` is line `l` of scene `s`; `visuals[s]` what scene `s` shows.
pub fn timeline(project: &Project, speech: &[Vec<Speech>], visuals: Vec<Source>) -> Timeline {
    let style = &project.style;
    let mut clips = Vec::new();
    let mut captions = Vec::new();
    let mut voice = Vec::new();
    let mut start = 0.0;
    for (index, ((scene, lines), source)) in
        project.scenes.iter().zip(speech).zip(visuals).enumerate()
    {
        let transition = transition_in(style, index, scene.transition);
        let start_of_scene = (start - transition.duration).max(0.0);
        let mut at = start_of_scene + transition.duration + LEAD;
        for (line, spoken) in scene.lines.iter().zip(lines) {
            voice.push(AudioCue {
                path: spoken.path.clone(),
                start: at,
                gain_db: 0.0,
            });
            captions.extend(captions::for_line(
                &line.text,
                at,
                at + spoken.duration,
                &spoken.words,
            ));
            at += spoken.duration + GAP;
        }
        let spoken: Vec<f64> = lines.iter().map(|s| s.duration).collect();
        let needed = scene_length(&spoken, transition.duration);
        let duration = scene.duration.unwrap_or(0.0).max(needed);
        // The style's moves follow the scene's number, not its place, so a scene moved by an
        // edit keeps its look (and its rendered segment).
        let look = scene.look();
        let motion = scene.motion.unwrap_or_else(|| match source {
            // A pan would slide a card's text out of the frame: cards only breathe.
            Source::Card { .. } => card_motion(look),
            _ => style_motion(style, look),
        });
        clips.push(Clip {
            source,
            duration,
            motion,
            transition,
        });
        start = start_of_scene + duration;
    }
    Timeline {
        version: super::timeline::SPEC_VERSION,
        name: project.title.clone(),
        clips,
        captions: tidy(captions),
        caption_style: CaptionStyle::default(),
        audio: AudioTrack {
            voice,
            music: Some(Music {
                source: MusicSource::Generated {
                    mood: style.music_mood.clone(),
                    tempo: style.music_tempo,
                    key: style.music_key.clone(),
                    seed: style.seed ^ seed_of(&project.title),
                },
                gain_db: -18.0,
            }),
            ..AudioTrack::default()
        },
        watermark: None,
    }
}

/// How long a scene must last for its lines (`seconds` each) to be spoken after a transition
/// of `transition_in` seconds: a lead, the lines with pauses between them, and a tail.
pub fn scene_length(seconds: &[f64], transition_in: f64) -> f64 {
    if seconds.is_empty() {
        return MIN_SCENE;
    }
    let speech: f64 = seconds.iter().sum::<f64>() + GAP * (seconds.len() - 1) as f64;
    transition_in + LEAD + speech + TAIL
}

/// The transition scene `index` comes in with: the one it names, else the style's.
pub fn transition_in(style: &Style, index: usize, named: Option<TransitionKind>) -> Transition {
    let kind = match (index, named) {
        (0, _) => return Transition::default(),
        (_, Some(kind)) => kind,
        (_, None) => style.transition,
    };
    let duration = if kind == TransitionKind::Cut {
        0.0
    } else {
        style.transition_seconds
    };
    Transition { kind, duration }
}

/// A slow zoom in or out, alternating, for title cards.
fn card_motion(index: usize) -> Motion {
    let name = if index.is_multiple_of(2) {
        "zoom-in"
    } else {
        "zoom-out"
    };
    Motion::preset(name).unwrap_or_default()
}

/// The style's camera moves in turn, so consecutive stills do not all move alike.
fn style_motion(style: &Style, index: usize) -> Motion {
    let name = style
        .motions
        .get(index % style.motions.len().max(1))
        .map_or("none", String::as_str);
    // A bad name in a style is its author's mistake: hold the camera still.
    Motion::preset(name).unwrap_or_default()
}

/// Captions never overlap: each ends by the time the next starts.
fn tidy(mut captions: Vec<Caption>) -> Vec<Caption> {
    for i in 1..captions.len() {
        let next = captions[i].start;
        if captions[i - 1].end > next {
            captions[i - 1].end = next;
        }
    }
    captions
}

/// A stable seed from the title (FNV-1a), so the same script gets the same music.
fn seed_of(title: &str) -> u64 {
    title.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script;
    use std::path::Path;

    fn speech(seconds: f64) -> Speech {
        Speech {
            path: PathBuf::from("x.wav"),
            duration: seconds,
            words: Vec::new(),
            phones: Vec::new(),
        }
    }

    #[test]
    fn scenes_last_as_long_as_their_speech() {
        let parsed = script::parse(
            "Scene 1: Dawn\nNARRATOR: One.\nNARRATOR: Two.\n\nScene 2: Noon\n\nScene 3: Dusk\nALICE: Three.",
            Path::new("t.txt"),
        )
        .unwrap();
        let speech = vec![vec![speech(2.0), speech(1.0)], vec![], vec![speech(4.0)]];
        let card = |t: &str| Source::Card {
            title: t.into(),
            subtitle: String::new(),
            background: Default::default(),
            text_color: super::super::timeline::Color::rgb(255, 255, 255),
        };
        let t = timeline(
            &parsed.project,
            &speech,
            vec![card("a"), card("b"), card("c")],
        );
        assert_eq!(t.clips.len(), 3);
        // Scene 1: lead 0.3, 2.0 + gap 0.35 + 1.0, tail 0.7.
        assert!((t.clips[0].duration - 4.35).abs() < 1e-9);
        assert_eq!(t.clips[1].duration, MIN_SCENE);
        assert_eq!(t.audio.voice.len(), 3);
        assert!((t.audio.voice[1].start - 2.65).abs() < 1e-9);
        // Scene 3's line starts after its dissolve is over.
        let starts = t.clip_starts();
        assert!(t.audio.voice[2].start >= starts[2] + 0.5);
        assert_eq!(t.captions.len(), 3);
        assert!(t.captions.windows(2).all(|w| w[0].end <= w[1].start));
        assert!((t.duration() - (4.35 + 3.0 + (0.5 + 0.3 + 4.0 + 0.7) - 1.0)).abs() < 1e-9);
    }

    #[test]
    fn cards_never_pan_even_when_the_style_does() {
        let mut parsed = script::parse(
            "Scene 1: A card.\n\nScene 2: Another.\n",
            Path::new("t.txt"),
        )
        .unwrap();
        parsed.project.style.motions = vec!["pan-left".into()];
        let card = Source::Card {
            title: "x".into(),
            subtitle: String::new(),
            background: Default::default(),
            text_color: super::super::timeline::Color::rgb(255, 255, 255),
        };
        let t = timeline(&parsed.project, &[vec![], vec![]], vec![card.clone(), card]);
        for clip in &t.clips {
            assert_eq!(
                (clip.motion.from.x, clip.motion.to.x),
                (0.5, 0.5),
                "a card panned"
            );
        }
        assert_ne!(t.clips[0].motion.from.zoom, t.clips[0].motion.to.zoom);
    }
}
