//! Mood profiles: the musical recipe of each [`Mood`] (chord progression, chord colour, how
//! keys and bass play, drum rhythms, levels and swing).

use super::instruments::{Partial, KEYS, PLUCK};
use super::theory::{Mode, Mood};

/// Chord tones used above the triad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Colour {
    Triad,
    Seventh,
    Ninth,
}

/// How the keys voice plays a chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeysStyle {
    /// One chord tone per step, in a seed-chosen order each bar.
    Arp,
    /// The whole chord on every step.
    Stab,
    /// A seed-driven walk over chord tones: a simple melody.
    Melody,
    /// The chord root repeated.
    Pulse,
}

/// How the bass line moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BassStyle {
    /// The chord root on every step.
    Root,
    /// Root, chord tones and a step towards the next chord's root.
    Walk,
}

/// The musical recipe of a mood. Rhythms are beat positions inside a 4/4 bar.
#[derive(Debug, Clone, Copy)]
pub(super) struct Profile {
    pub(super) mode: Mode,
    /// Scale degrees (0 = tonic), one chord per bar.
    pub(super) progression: [usize; 4],
    pub(super) colour: Colour,
    pub(super) pad_level: f32,
    pub(super) keys: KeysStyle,
    pub(super) keys_timbre: &'static [Partial],
    pub(super) keys_at: &'static [f64],
    pub(super) keys_beats: f64,
    pub(super) keys_level: f32,
    pub(super) bass: BassStyle,
    pub(super) bass_at: &'static [f64],
    pub(super) bass_beats: f64,
    pub(super) bass_level: f32,
    pub(super) kick_at: &'static [f64],
    pub(super) kick_level: f32,
    pub(super) snare_at: &'static [f64],
    pub(super) snare_level: f32,
    pub(super) hat_at: &'static [f64],
    pub(super) hat_level: f32,
    /// Delay of off-beat eighths, in beats.
    pub(super) swing: f64,
}

const DOWNBEAT: &[f64] = &[0.0];
const HALVES: &[f64] = &[0.0, 2.0];
const QUARTERS: &[f64] = &[0.0, 1.0, 2.0, 3.0];
const BACKBEAT: &[f64] = &[1.0, 3.0];
const OFFBEATS: &[f64] = &[0.5, 1.5, 2.5, 3.5];
const EIGHTHS: &[f64] = &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5];
const SIXTEENTHS: &[f64] = &[
    0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75,
];
const NONE: &[f64] = &[];

pub(super) fn profile(mood: Mood) -> Profile {
    match mood {
        // Imaj7 vi7 IVmaj7 V7, slow arpeggio, a heartbeat of a kick, a whisper of shaker.
        Mood::Calm => Profile {
            mode: Mode::Major,
            progression: [0, 5, 3, 4],
            colour: Colour::Seventh,
            pad_level: 1.0,
            keys: KeysStyle::Arp,
            keys_timbre: KEYS,
            keys_at: QUARTERS,
            keys_beats: 1.5,
            keys_level: 0.55,
            bass: BassStyle::Root,
            bass_at: DOWNBEAT,
            bass_beats: 4.0,
            bass_level: 0.55,
            kick_at: HALVES,
            kick_level: 0.35,
            snare_at: NONE,
            snare_level: 0.0,
            hat_at: OFFBEATS,
            hat_level: 0.35,
            swing: 0.0,
        },
        // I V vi IV with an eighth-note pluck arp and a driving bass.
        Mood::Uplifting => Profile {
            mode: Mode::Major,
            progression: [0, 4, 5, 3],
            colour: Colour::Triad,
            pad_level: 0.8,
            keys: KeysStyle::Arp,
            keys_timbre: PLUCK,
            keys_at: EIGHTHS,
            keys_beats: 0.75,
            keys_level: 0.5,
            bass: BassStyle::Root,
            bass_at: EIGHTHS,
            bass_beats: 0.45,
            bass_level: 0.5,
            kick_at: HALVES,
            kick_level: 0.7,
            snare_at: BACKBEAT,
            snare_level: 0.6,
            hat_at: EIGHTHS,
            hat_level: 0.6,
            swing: 0.0,
        },
        // vi IV I V, four-on-the-floor, off-beat bass and stabs, sixteenth hats.
        Mood::Energetic => Profile {
            mode: Mode::Major,
            progression: [5, 3, 0, 4],
            colour: Colour::Triad,
            pad_level: 0.6,
            keys: KeysStyle::Stab,
            keys_timbre: PLUCK,
            keys_at: OFFBEATS,
            keys_beats: 0.35,
            keys_level: 0.5,
            bass: BassStyle::Root,
            bass_at: OFFBEATS,
            bass_beats: 0.4,
            bass_level: 0.6,
            kick_at: QUARTERS,
            kick_level: 0.85,
            snare_at: BACKBEAT,
            snare_level: 0.8,
            hat_at: SIXTEENTHS,
            hat_level: 0.6,
            swing: 0.0,
        },
        // i i VI ii° in minor, a sixteenth ostinato over a pulsing bass.
        Mood::Tense => Profile {
            mode: Mode::Minor,
            progression: [0, 0, 5, 1],
            colour: Colour::Triad,
            pad_level: 0.8,
            keys: KeysStyle::Arp,
            keys_timbre: PLUCK,
            keys_at: SIXTEENTHS,
            keys_beats: 0.22,
            keys_level: 0.35,
            bass: BassStyle::Root,
            bass_at: EIGHTHS,
            bass_beats: 0.4,
            bass_level: 0.55,
            kick_at: &[0.0, 2.5],
            kick_level: 0.6,
            snare_at: NONE,
            snare_level: 0.0,
            hat_at: OFFBEATS,
            hat_level: 0.3,
            swing: 0.0,
        },
        // i VI III VII, a slow keys melody, almost no rhythm.
        Mood::Sad => Profile {
            mode: Mode::Minor,
            progression: [0, 5, 2, 6],
            colour: Colour::Triad,
            pad_level: 1.0,
            keys: KeysStyle::Melody,
            keys_timbre: KEYS,
            keys_at: &[0.0, 1.5, 2.0, 3.0],
            keys_beats: 1.5,
            keys_level: 0.6,
            bass: BassStyle::Root,
            bass_at: HALVES,
            bass_beats: 2.0,
            bass_level: 0.5,
            kick_at: DOWNBEAT,
            kick_level: 0.3,
            snare_at: NONE,
            snare_level: 0.0,
            hat_at: NONE,
            hat_level: 0.0,
            swing: 0.0,
        },
        // ii9 V9 Imaj9 vi9, comping keys, walking bass, swung hats.
        Mood::Luxury => Profile {
            mode: Mode::Major,
            progression: [1, 4, 0, 5],
            colour: Colour::Ninth,
            pad_level: 0.7,
            keys: KeysStyle::Stab,
            keys_timbre: KEYS,
            keys_at: &[1.5, 3.0],
            keys_beats: 0.9,
            keys_level: 0.45,
            bass: BassStyle::Walk,
            bass_at: QUARTERS,
            bass_beats: 0.9,
            bass_level: 0.55,
            kick_at: &[0.0, 2.5],
            kick_level: 0.5,
            snare_at: BACKBEAT,
            snare_level: 0.35,
            hat_at: EIGHTHS,
            hat_level: 0.4,
            swing: 0.16,
        },
        // I I IV IV: a pad, a pulsing note and a soft kick, nothing else.
        Mood::Minimal => Profile {
            mode: Mode::Major,
            progression: [0, 0, 3, 3],
            colour: Colour::Seventh,
            pad_level: 0.7,
            keys: KeysStyle::Pulse,
            keys_timbre: PLUCK,
            keys_at: EIGHTHS,
            keys_beats: 0.4,
            keys_level: 0.35,
            bass: BassStyle::Root,
            bass_at: DOWNBEAT,
            bass_beats: 4.0,
            bass_level: 0.45,
            kick_at: QUARTERS,
            kick_level: 0.4,
            snare_at: NONE,
            snare_level: 0.0,
            hat_at: NONE,
            hat_level: 0.0,
            swing: 0.0,
        },
    }
}
