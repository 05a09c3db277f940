//! Pure synthesis behind `reelmusic`, free of GStreamer.
//!
//! A [`Spec`] (mood, key, tempo, seed, loop length) is composed once into a score: a list of
//! notes placed inside one loop of `loop_bars` bars. [`Synth::render`] then plays that score as
//! if it repeated forever, so frame `t` of the output is the sum of every repetition of every
//! note that sounds at `t`.
//!
//! Nothing carries state from one render call to the next: a note's phase and envelope at frame
//! `d` of its life are computed in closed form at the start of each call and only advanced by
//! recurrences inside it. That is what makes seeking free, the output deterministic, and the loop
//! seamless: a note that rings past the end of the loop simply keeps sounding while its next
//! repetition starts, exactly as inside the loop.

use std::f64::consts::TAU;
use std::fmt;

/// Output ceiling of the soft clipper, just under -1 dBFS (10^(-1/20) = 0.891).
pub const CEILING: f32 = 0.88;
/// Below this level the clipper is exactly linear, so normal material is untouched.
const KNEE: f32 = 0.6;
/// Overall gain applied to the sum of all voices before the clipper.
const MASTER: f32 = 1.0;
/// Length of the fade at the end of a finite piece.
pub const FADE_OUT_SECS: f64 = 1.5;
/// Length of the fade-in after a seek into the middle of the piece, so it does not start with a
/// step from silence.
pub const SEEK_FADE_IN_SECS: f64 = 0.01;
/// Slowest and fastest accepted tempo in BPM.
pub const TEMPO_MIN: f64 = 40.0;
pub const TEMPO_MAX: f64 = 220.0;
/// Beats per bar: everything is in 4/4.
const BEATS_PER_BAR: usize = 4;

// --- Moods, keys and the validated specification --------------------------------------------

/// The character of the piece; each one selects a [`Profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mood {
    Calm,
    Uplifting,
    Energetic,
    Tense,
    Sad,
    Luxury,
    Minimal,
}

impl Mood {
    pub const ALL: [Mood; 7] = [
        Mood::Calm,
        Mood::Uplifting,
        Mood::Energetic,
        Mood::Tense,
        Mood::Sad,
        Mood::Luxury,
        Mood::Minimal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mood::Calm => "calm",
            Mood::Uplifting => "uplifting",
            Mood::Energetic => "energetic",
            Mood::Tense => "tense",
            Mood::Sad => "sad",
            Mood::Luxury => "luxury",
            Mood::Minimal => "minimal",
        }
    }

    /// Case-insensitive lookup by name.
    pub fn parse(s: &str) -> Option<Mood> {
        let s = s.trim();
        Mood::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
    }

    /// "calm, uplifting, ..." for error messages and docs.
    pub fn valid_names() -> String {
        Mood::ALL.map(Mood::name).join(", ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Major,
    Minor,
}

impl Mode {
    /// Semitone offsets of the seven scale degrees (natural minor for minor).
    fn scale(self) -> [i32; 7] {
        match self {
            Mode::Major => [0, 2, 4, 5, 7, 9, 11],
            Mode::Minor => [0, 2, 3, 5, 7, 8, 10],
        }
    }
}

/// A parsed key: the tonic's pitch class and, when the text said so, the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Pitch class of the tonic, 0 = C.
    pub root: u8,
    /// `None` when the key named no mode ("D"): the mood then decides.
    pub mode: Option<Mode>,
}

impl Key {
    /// Parses "C", "F#", "Bb", "A minor", "Am", "Eb major", "c# min" (case-insensitive letters,
    /// `#`/`♯`/`b`/`♭` accidentals).
    pub fn parse(s: &str) -> Option<Key> {
        let s = s.trim();
        let mut chars = s.chars();
        let root: i32 = match chars.next()?.to_ascii_uppercase() {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return None,
        };
        let rest = chars.as_str();
        let (shift, rest) = if let Some(r) = rest.strip_prefix(['#', '♯']) {
            (1, r)
        } else if let Some(r) = rest.strip_prefix(['b', '♭']) {
            (-1, r)
        } else {
            (0, rest)
        };
        let mode = match rest.trim().to_ascii_lowercase().as_str() {
            "" => None,
            "m" | "min" | "minor" => Some(Mode::Minor),
            "maj" | "major" => Some(Mode::Major),
            _ => return None,
        };
        Some(Key {
            root: (root + shift).rem_euclid(12) as u8,
            mode,
        })
    }
}

/// Why a [`Spec`] could not be built; the text names the offending value and the valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
    UnknownMood(String),
    InvalidKey(String),
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::UnknownMood(m) => write!(
                f,
                "unknown mood '{m}'; valid moods are: {}",
                Mood::valid_names()
            ),
            SpecError::InvalidKey(k) => write!(
                f,
                "invalid key '{k}'; expected a note A-G with optional # or b and optional \
                 m/minor/major, e.g. C, F#, Bb, A minor, Am"
            ),
        }
    }
}

impl std::error::Error for SpecError {}

/// Everything that determines the music, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub mood: Mood,
    pub key: Key,
    pub tempo: f64,
    pub seed: u64,
    pub loop_bars: u32,
}

impl Spec {
    /// Validates the textual settings; tempo and loop length are clamped to their ranges.
    pub fn parse(
        mood: &str,
        key: &str,
        tempo: f64,
        seed: u64,
        loop_bars: u32,
    ) -> Result<Spec, SpecError> {
        let mood = Mood::parse(mood).ok_or_else(|| SpecError::UnknownMood(mood.to_string()))?;
        let key = Key::parse(key).ok_or_else(|| SpecError::InvalidKey(key.to_string()))?;
        let tempo = if tempo.is_finite() {
            tempo.clamp(TEMPO_MIN, TEMPO_MAX)
        } else {
            TEMPO_MIN
        };
        Ok(Spec {
            mood,
            key,
            tempo,
            seed,
            loop_bars: loop_bars.max(1),
        })
    }

    /// The key's own mode if it named one, else the mood's.
    pub fn mode(&self) -> Mode {
        self.key.mode.unwrap_or(profile(self.mood).mode)
    }
}

// --- Instruments ----------------------------------------------------------------------------

/// One sine component of a tone: frequency ratio to the fundamental, amplitude, and
/// exponential decay rate in 1/s (0 = sustained; the note envelope ends it).
#[derive(Debug, Clone, Copy)]
struct Partial {
    ratio: f64,
    amp: f64,
    decay: f64,
}

const fn partial(ratio: f64, amp: f64, decay: f64) -> Partial {
    Partial { ratio, amp, decay }
}

/// Warm pad: harmonics falling faster than a saw's so it stays soft.
const PAD: &[Partial] = &[
    partial(1.0, 1.0, 0.0),
    partial(2.0, 0.4, 0.0),
    partial(3.0, 0.18, 0.0),
    partial(4.0, 0.08, 0.0),
];
/// Electric-piano-like keys: a bright attack whose upper partials die first.
const KEYS: &[Partial] = &[
    partial(1.0, 1.0, 1.6),
    partial(2.0, 0.45, 3.5),
    partial(3.0, 0.2, 6.0),
    partial(7.0, 0.06, 14.0),
];
/// Short plucked arp.
const PLUCK: &[Partial] = &[
    partial(1.0, 1.0, 4.0),
    partial(2.0, 0.4, 7.0),
    partial(3.0, 0.2, 11.0),
    partial(4.0, 0.1, 15.0),
];
/// Round bass with a little second harmonic so it reads on small speakers.
const BASS: &[Partial] = &[
    partial(1.0, 1.0, 0.5),
    partial(2.0, 0.4, 1.2),
    partial(3.0, 0.12, 2.5),
];

/// Per-voice gains before the master; chosen so a full mix sits around -20 dBFS RMS.
const PAD_GAIN: f32 = 0.05;
const KEYS_GAIN: f32 = 0.12;
const BASS_GAIN: f32 = 0.22;
const KICK_GAIN: f32 = 0.45;
const SNARE_GAIN: f32 = 0.12;
const HAT_GAIN: f32 = 0.035;

// --- Mood profiles --------------------------------------------------------------------------

/// Chord tones used above the triad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Colour {
    Triad,
    Seventh,
    Ninth,
}

/// How the keys voice plays a chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeysStyle {
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
enum BassStyle {
    /// The chord root on every step.
    Root,
    /// Root, chord tones and a step towards the next chord's root.
    Walk,
}

/// The musical recipe of a mood. Rhythms are beat positions inside a 4/4 bar.
#[derive(Debug, Clone, Copy)]
struct Profile {
    mode: Mode,
    /// Scale degrees (0 = tonic), one chord per bar.
    progression: [usize; 4],
    colour: Colour,
    pad_level: f32,
    keys: KeysStyle,
    keys_timbre: &'static [Partial],
    keys_at: &'static [f64],
    keys_beats: f64,
    keys_level: f32,
    bass: BassStyle,
    bass_at: &'static [f64],
    bass_beats: f64,
    bass_level: f32,
    kick_at: &'static [f64],
    kick_level: f32,
    snare_at: &'static [f64],
    snare_level: f32,
    hat_at: &'static [f64],
    hat_level: f32,
    /// Delay of off-beat eighths, in beats.
    swing: f64,
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

fn profile(mood: Mood) -> Profile {
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

// --- Score ----------------------------------------------------------------------------------

/// What a note sounds like.
#[derive(Debug, Clone, Copy)]
enum Sound {
    /// Additive tone of damped sine partials.
    Tone {
        freq: f64,
        partials: &'static [Partial],
    },
    /// Pitched sine burst sweeping down: a soft kick.
    Kick,
    /// High-passed noise with a fast decay.
    Hat { noise: u64 },
    /// Low-passed noise plus a short tonal body: a soft snare/clap.
    Snare { noise: u64 },
}

/// One note of the loop. Times are in frames; `start` is relative to the loop start and the
/// note may ring past the loop end (see [`Synth::render`]).
#[derive(Debug, Clone, Copy)]
struct Note {
    start: u64,
    len: u64,
    attack: u64,
    release: u64,
    sound: Sound,
    gain: [f32; 2],
}

/// splitmix64: tiny, fast and good enough for musical choices and noise.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// A factor in [1 - amount, 1 + amount], for humanised velocities.
    fn jitter(&mut self, amount: f64) -> f32 {
        (1.0 + amount * (2.0 * self.unit() - 1.0)) as f32
    }
}

/// The splitmix64 finaliser, also used as a stateless noise hash.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// White noise in [-1, 1) as a pure function of (stream, index), so it can be evaluated at any
/// frame without running a generator from the start.
fn white(noise: u64, i: u64) -> f32 {
    let h = mix64(noise ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    (h >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

fn midi_to_hz(midi: i32) -> f64 {
    440.0 * 2f64.powf(f64::from(midi - 69) / 12.0)
}

/// Equal-power pan, `pan` in [-1, 1].
fn pan_gains(gain: f32, pan: f32) -> [f32; 2] {
    let angle = (pan.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    [gain * angle.cos(), gain * angle.sin()]
}

/// Moves `midi` by octaves into `[lo, lo + 12)`.
fn fold_into(midi: i32, lo: i32) -> i32 {
    lo + (midi - lo).rem_euclid(12)
}

/// Builds the loop's notes for a spec at a sample rate.
struct Composer {
    profile: Profile,
    scale: [i32; 7],
    /// MIDI note of the tonic in octave 3 (C3 = 48).
    tonic: i32,
    rate: f64,
    beat: f64,
    rng: Rng,
    notes: Vec<Note>,
}

impl Composer {
    fn new(spec: &Spec, rate: u32) -> Composer {
        let rate = f64::from(rate);
        Composer {
            profile: profile(spec.mood),
            scale: spec.mode().scale(),
            tonic: 48 + i32::from(spec.key.root),
            rate,
            beat: 60.0 / spec.tempo * rate,
            rng: Rng(spec.seed),
            notes: Vec::new(),
        }
    }

    fn compose(mut self, loop_bars: u32) -> Vec<Note> {
        let progression = self.profile.progression;
        for bar in 0..loop_bars as usize {
            let degree = progression[bar % progression.len()];
            let next = progression[(bar + 1) % progression.len()];
            let chord = self.chord(degree);
            let beat0 = (bar * BEATS_PER_BAR) as f64;
            self.pad(beat0, &chord);
            self.keys(beat0, &chord);
            self.bass(beat0, &chord, self.chord(next)[0]);
            self.drums(beat0);
        }
        self.notes
    }

    /// Semitones above the tonic of scale degree `index` (may exceed an octave).
    fn degree(&self, index: usize) -> i32 {
        self.scale[index % 7] + 12 * (index / 7) as i32
    }

    /// Chord tones of a degree, as MIDI notes from the tonic in octave 3, root first.
    fn chord(&self, degree: usize) -> Vec<i32> {
        let steps: &[usize] = match self.profile.colour {
            Colour::Triad => &[0, 2, 4],
            Colour::Seventh => &[0, 2, 4, 6],
            Colour::Ninth => &[0, 2, 4, 6, 8],
        };
        steps
            .iter()
            .map(|s| self.tonic + self.degree(degree + s))
            .collect()
    }

    fn frames(&self, beats: f64) -> u64 {
        (beats * self.beat).round().max(0.0) as u64
    }

    fn secs(&self, secs: f64) -> u64 {
        (secs * self.rate).round() as u64
    }

    /// Applies swing: off-beat eighths are pushed late.
    fn swung(&self, pos: f64) -> f64 {
        if (pos.fract() - 0.5).abs() < 1e-9 {
            pos + self.profile.swing
        } else {
            pos
        }
    }

    fn push(
        &mut self,
        start: f64,
        len: u64,
        attack: u64,
        release: u64,
        sound: Sound,
        gain: [f32; 2],
    ) {
        // The envelope must fit inside the note so it always starts and ends at zero.
        let len = len.max(2);
        let attack = attack.min(len / 2).max(1);
        let release = release.min(len - attack).max(1);
        self.notes.push(Note {
            start: self.frames(start),
            len,
            attack,
            release,
            sound,
            gain,
        });
    }

    fn tone(
        &mut self,
        start: f64,
        beats: f64,
        midi: i32,
        timbre: &'static [Partial],
        gain: [f32; 2],
    ) {
        let len = self.frames(beats).max(self.secs(0.05));
        let (attack, release) = (self.secs(0.004), self.secs(0.08));
        let sound = Sound::Tone {
            freq: midi_to_hz(midi),
            partials: timbre,
        };
        self.push(start, len, attack, release, sound, gain);
    }

    /// Sustained chord, one slightly detuned voice per side for width; it overlaps the next
    /// bar by its release so chords crossfade.
    fn pad(&mut self, beat0: f64, chord: &[i32]) {
        let level = self.profile.pad_level * PAD_GAIN / (chord.len() as f32).sqrt();
        if level <= 0.0 {
            return;
        }
        let low = 53 + self.rng.below(6) as i32;
        let bar = self.frames(BEATS_PER_BAR as f64);
        let attack = self.secs(0.35).min(self.frames(1.0));
        let release = self.secs(0.8).min(self.frames(2.0));
        for &midi in chord {
            let freq = midi_to_hz(fold_into(midi, low));
            for (detune, pan) in [(0.9965, -0.7), (1.0035, 0.7)] {
                let sound = Sound::Tone {
                    freq: freq * detune,
                    partials: PAD,
                };
                self.push(
                    beat0,
                    bar + release,
                    attack,
                    release,
                    sound,
                    pan_gains(level, pan),
                );
            }
        }
    }

    fn keys(&mut self, beat0: f64, chord: &[i32]) {
        let p = self.profile;
        let level = p.keys_level * KEYS_GAIN;
        let voiced: Vec<i32> = chord.iter().map(|&m| fold_into(m, 64)).collect();
        let order = self.arp_order(&voiced);
        let mut ladder = voiced.clone();
        ladder.sort_unstable();
        ladder.push(ladder[0] + 12);
        let mut walk = self.rng.below(ladder.len());
        for (i, &pos) in p.keys_at.iter().enumerate() {
            let start = beat0 + self.swung(pos);
            let gain = level * self.rng.jitter(0.12);
            let pan = (self.rng.unit() as f32 - 0.5) * 0.6;
            match p.keys {
                KeysStyle::Arp => {
                    let midi = order[i % order.len()];
                    self.tone(
                        start,
                        p.keys_beats,
                        midi,
                        p.keys_timbre,
                        pan_gains(gain, pan),
                    );
                }
                KeysStyle::Stab => {
                    let g = gain / (voiced.len() as f32).sqrt();
                    for &midi in &voiced {
                        self.tone(start, p.keys_beats, midi, p.keys_timbre, pan_gains(g, pan));
                    }
                }
                KeysStyle::Melody => {
                    // Mostly stepwise over the chord-tone ladder, bouncing off its ends.
                    let step = [-2, -1, 1, 1, 2][self.rng.below(5)];
                    let next = walk as i32 + step;
                    walk = if next < 0 || next >= ladder.len() as i32 {
                        (walk as i32 - step).clamp(0, ladder.len() as i32 - 1) as usize
                    } else {
                        next as usize
                    };
                    let midi = ladder[walk];
                    self.tone(
                        start,
                        p.keys_beats,
                        midi,
                        p.keys_timbre,
                        pan_gains(gain, pan),
                    );
                }
                KeysStyle::Pulse => {
                    let midi = fold_into(chord[0], 64);
                    self.tone(
                        start,
                        p.keys_beats,
                        midi,
                        p.keys_timbre,
                        pan_gains(gain, 0.0),
                    );
                }
            }
        }
    }

    /// The chord tones plus the root an octave up, in a seed-chosen order for this bar.
    fn arp_order(&mut self, voiced: &[i32]) -> Vec<i32> {
        let mut up: Vec<i32> = voiced.to_vec();
        up.sort_unstable();
        up.push(up[0] + 12);
        match self.rng.below(4) {
            0 => up,
            1 => up.into_iter().rev().collect(),
            2 => {
                // Up then down without repeating the top note.
                let mut v = up.clone();
                v.extend(up.iter().rev().skip(1).take(up.len().saturating_sub(2)));
                v
            }
            _ => {
                // Fisher-Yates shuffle.
                for i in (1..up.len()).rev() {
                    let j = self.rng.below(i + 1);
                    up.swap(i, j);
                }
                up
            }
        }
    }

    fn bass(&mut self, beat0: f64, chord: &[i32], next_root: i32) {
        let p = self.profile;
        let root = fold_into(chord[0], 36);
        for (i, &pos) in p.bass_at.iter().enumerate() {
            let midi = match p.bass {
                BassStyle::Root => root,
                BassStyle::Walk => self.walk_note(i, root, chord, next_root),
            };
            let gain = p.bass_level * BASS_GAIN * self.rng.jitter(0.06);
            self.tone(
                beat0 + self.swung(pos),
                p.bass_beats,
                midi,
                BASS,
                [gain, gain],
            );
        }
    }

    /// Walking bass: root, a chord tone, the fifth, then a semitone into the next root.
    fn walk_note(&mut self, step: usize, root: i32, chord: &[i32], next_root: i32) -> i32 {
        match step % 4 {
            0 => root,
            1 => root + (chord[1] - chord[0]),
            2 => root + (chord[2] - chord[0]),
            _ => {
                let target = fold_into(next_root, 36);
                if self.rng.below(2) == 0 {
                    target - 1
                } else {
                    target + 1
                }
            }
        }
    }

    fn drums(&mut self, beat0: f64) {
        let p = self.profile;
        for &pos in p.kick_at {
            let gain = p.kick_level * KICK_GAIN * self.rng.jitter(0.04);
            let len = self.secs(0.45);
            let (attack, release) = (self.secs(0.001), self.secs(0.05));
            self.push(beat0 + pos, len, attack, release, Sound::Kick, [gain, gain]);
        }
        for &pos in p.snare_at {
            let gain = p.snare_level * SNARE_GAIN * self.rng.jitter(0.08);
            let noise = self.rng.next_u64();
            let (len, attack, release) = (self.secs(0.25), self.secs(0.001), self.secs(0.05));
            let sound = Sound::Snare { noise };
            self.push(
                beat0 + pos,
                len,
                attack,
                release,
                sound,
                pan_gains(gain, 0.1),
            );
        }
        for &pos in p.hat_at {
            // Off-beat eighths are accented, the rest are ghost notes.
            let accent = if (pos.fract() - 0.5).abs() < 1e-9 {
                1.0
            } else {
                0.55
            };
            let gain = p.hat_level * HAT_GAIN * accent * self.rng.jitter(0.15);
            let noise = self.rng.next_u64();
            let (len, attack, release) = (self.secs(0.09), self.secs(0.0005), self.secs(0.02));
            let sound = Sound::Hat { noise };
            self.push(
                beat0 + self.swung(pos),
                len,
                attack,
                release,
                sound,
                pan_gains(gain, 0.3),
            );
        }
    }
}

// --- Rendering ------------------------------------------------------------------------------

/// Smooth 0→1 step with zero slope at both ends, so envelopes never kink audibly.
fn smoothstep(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Attack/release window of a note at frame `d` of its life.
fn window(note: &Note, d: u64) -> f32 {
    let a = if d < note.attack {
        smoothstep((d as f32 + 0.5) / note.attack as f32)
    } else {
        1.0
    };
    let left = note.len - d;
    let r = if left <= note.release {
        smoothstep((left as f32 - 0.5) / note.release as f32)
    } else {
        1.0
    };
    a * r
}

/// Most partials a timbre has: the oscillator bank is a fixed 4-lane array so the compiler
/// turns each frame's update into a few SIMD operations.
const LANES: usize = 4;

/// Adds damped sine partials starting `d0` frames into a note. Each partial is a complex
/// exponential advanced by one complex multiply per frame (rotation and decay in one), seeded
/// from the exact closed-form phase and amplitude at `d0` so no error builds up between calls.
fn render_tone(freq: f64, partials: &[Partial], rate: f64, d0: u64, out: &mut [f32]) {
    let t0 = d0 as f64 / rate;
    // Unused lanes stay at zero amplitude.
    let (mut re, mut im, mut sr, mut si) =
        ([0.0f64; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES]);
    for (k, p) in partials.iter().take(LANES).enumerate() {
        let f = freq * p.ratio;
        if f >= 0.45 * rate {
            continue; // would alias at low sample rates
        }
        let phase = TAU * (f * t0).fract();
        let amp = p.amp * (-p.decay * t0).exp();
        let r = (-p.decay / rate).exp();
        let w = TAU * f / rate;
        (re[k], im[k], sr[k], si[k]) = (
            amp * phase.cos(),
            amp * phase.sin(),
            r * w.cos(),
            r * w.sin(),
        );
    }
    for o in out.iter_mut() {
        *o += ((im[0] + im[1]) + (im[2] + im[3])) as f32;
        for k in 0..LANES {
            (re[k], im[k]) = (re[k] * sr[k] - im[k] * si[k], re[k] * si[k] + im[k] * sr[k]);
        }
    }
}

/// Kick: a sine whose pitch falls exponentially from `F0` to `F1`, with a decaying amplitude.
/// The phase is the closed-form integral of that frequency curve.
fn render_kick(rate: f64, d0: u64, out: &mut [f32]) {
    const F0: f64 = 130.0;
    const F1: f64 = 48.0;
    const SWEEP: f64 = 0.03;
    const DECAY: f64 = 0.14;
    let t0 = d0 as f64 / rate;
    let mut sweep = (-t0 / SWEEP).exp();
    let mut amp = (-t0 / DECAY).exp();
    let (sweep_step, amp_step) = ((-1.0 / (SWEEP * rate)).exp(), (-1.0 / (DECAY * rate)).exp());
    for (i, o) in out.iter_mut().enumerate() {
        let t = t0 + i as f64 / rate;
        let phase = TAU * (F1 * t + (F0 - F1) * SWEEP * (1.0 - sweep));
        *o += (amp * phase.sin()) as f32;
        sweep *= sweep_step;
        amp *= amp_step;
    }
}

/// Hat: white noise through the stateless high-pass [-1/2, 1, -1/2], decaying fast.
fn render_hat(noise: u64, rate: f64, d0: u64, out: &mut [f32]) {
    const DECAY: f64 = 0.022;
    let mut amp = (-(d0 as f64) / (DECAY * rate)).exp() as f32;
    let step = (-1.0 / (DECAY * rate)).exp() as f32;
    let mut prev = white(noise, d0.wrapping_sub(1));
    let mut cur = white(noise, d0);
    for (i, o) in out.iter_mut().enumerate() {
        let next = white(noise, d0 + i as u64 + 1);
        *o += amp * (cur - 0.5 * (prev + next));
        (prev, cur) = (cur, next);
        amp *= step;
    }
}

/// Snare: value noise (random points every few frames, linearly interpolated, i.e. low-passed
/// around 3 kHz at any rate) plus a short 185 Hz body.
fn render_snare(noise: u64, rate: f64, d0: u64, out: &mut [f32]) {
    const DECAY: f64 = 0.06;
    let hold = ((rate / 6000.0).round() as u64).max(1);
    let mut amp = (-(d0 as f64) / (DECAY * rate)).exp() as f32;
    let step = (-1.0 / (DECAY * rate)).exp() as f32;
    for (i, o) in out.iter_mut().enumerate() {
        let d = d0 + i as u64;
        let (k, frac) = (d / hold, (d % hold) as f32 / hold as f32);
        let v = white(noise, k) * (1.0 - frac) + white(noise, k + 1) * frac;
        *o += amp * 0.8 * v;
        amp *= step;
    }
    const BODY: &[Partial] = &[partial(1.0, 0.5, 25.0)];
    render_tone(185.0, BODY, rate, d0, out);
}

/// Renders `out.len()` frames of one note starting `d0` frames into it, envelope included.
fn render_note(note: &Note, rate: f64, d0: u64, out: &mut [f32]) {
    out.fill(0.0);
    match note.sound {
        Sound::Tone { freq, partials } => render_tone(freq, partials, rate, d0, out),
        Sound::Kick => render_kick(rate, d0, out),
        Sound::Hat { noise } => render_hat(noise, rate, d0, out),
        Sound::Snare { noise } => render_snare(noise, rate, d0, out),
    }
    let end = d0 + out.len() as u64;
    // Only the attack and release regions need the per-frame window.
    if d0 < note.attack || end > note.len - note.release {
        for (i, o) in out.iter_mut().enumerate() {
            *o *= window(note, d0 + i as u64);
        }
    }
}

/// Soft clipper: linear up to `KNEE`, then a tanh curve that meets it with the same slope and
/// approaches `CEILING`, so the output can never reach -1 dBFS and never kinks.
pub fn soft_clip(x: f32) -> f32 {
    let a = x.abs();
    if a <= KNEE {
        return x;
    }
    let room = CEILING - KNEE;
    (KNEE + room * ((a - KNEE) / room).tanh()).copysign(x)
}

/// Raised-cosine fade gain `i` frames into a fade of `len` frames: 1 → 0, zero slope at both
/// ends, and (almost) zero on the last frame.
fn fade_gain(i: u64, len: u64) -> f32 {
    let x = (i as f64 + 1.0) / len as f64;
    (0.5 * (1.0 + (std::f64::consts::PI * x.min(1.0)).cos())) as f32
}

/// Fades out the last `fade_len` frames before `total`. `out` holds interleaved stereo frames
/// starting at frame `pos`.
pub fn apply_fade_out(out: &mut [f32], pos: u64, total: u64, fade_len: u64) {
    let fade_start = total.saturating_sub(fade_len);
    for (i, frame) in out.chunks_exact_mut(2).enumerate() {
        let t = pos + i as u64;
        if t >= total {
            frame.fill(0.0);
        } else if t >= fade_start {
            let g = fade_gain(t - fade_start, fade_len);
            frame.iter_mut().for_each(|s| *s *= g);
        }
    }
}

/// Fades in over `fade_len` frames starting at frame `from` (the mirror of the fade-out).
pub fn apply_fade_in(out: &mut [f32], pos: u64, from: u64, fade_len: u64) {
    for (i, frame) in out.chunks_exact_mut(2).enumerate() {
        let t = pos + i as u64;
        if t < from {
            frame.fill(0.0);
        } else if t - from < fade_len {
            let g = fade_gain(fade_len - 1 - (t - from), fade_len);
            frame.iter_mut().for_each(|s| *s *= g);
        }
    }
}

/// Converts seconds to frames at `rate`.
pub fn secs_to_frames(secs: f64, rate: u32) -> u64 {
    (secs * f64::from(rate)).round() as u64
}

/// A composed loop, ready to render at one sample rate.
#[derive(Debug)]
pub struct Synth {
    rate: f64,
    loop_len: u64,
    notes: Vec<Note>,
    /// One note's worth of mono samples, reused between calls so rendering never allocates
    /// once it has seen its largest block.
    scratch: Vec<f32>,
}

impl Synth {
    pub fn new(spec: &Spec, rate: u32) -> Synth {
        let composer = Composer::new(spec, rate);
        let loop_len = composer
            .frames((spec.loop_bars as usize * BEATS_PER_BAR) as f64)
            .max(1);
        let notes = composer.compose(spec.loop_bars);
        Synth {
            rate: f64::from(rate),
            loop_len,
            notes,
            scratch: Vec::new(),
        }
    }

    /// Length of one loop in frames.
    pub fn loop_len(&self) -> u64 {
        self.loop_len
    }

    /// Renders interleaved stereo frames `[pos, pos + out.len() / 2)` into `out`.
    ///
    /// Repetition `k` of a note starts at `k * loop_len + note.start`; every repetition with
    /// `k >= 0` that overlaps the block is mixed in, which is what keeps the loop seamless.
    pub fn render(&mut self, pos: u64, out: &mut [f32]) {
        out.fill(0.0);
        let frames = (out.len() / 2) as u64;
        if frames == 0 {
            return;
        }
        if self.scratch.len() < frames as usize {
            self.scratch.resize(frames as usize, 0.0);
        }
        let end = pos + frames;
        let l = self.loop_len;
        for note in &self.notes {
            if end <= note.start {
                continue;
            }
            let k_hi = (end - 1 - note.start) / l;
            let k_lo = match (pos).checked_sub(note.start + note.len) {
                None => 0,
                Some(past) => past / l + 1,
            };
            for k in k_lo..=k_hi {
                let onset = k * l + note.start;
                let (a, b) = (onset.max(pos), (onset + note.len).min(end));
                if a >= b {
                    continue;
                }
                let buf = &mut self.scratch[..(b - a) as usize];
                render_note(note, self.rate, a - onset, buf);
                let frames_out = &mut out[2 * (a - pos) as usize..2 * (b - pos) as usize];
                for (frame, s) in frames_out.chunks_exact_mut(2).zip(buf.iter()) {
                    frame[0] += s * note.gain[0];
                    frame[1] += s * note.gain[1];
                }
            }
        }
        for s in out.iter_mut() {
            *s = soft_clip(*s * MASTER);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    fn spec(mood: &str, key: &str, seed: u64) -> Spec {
        Spec::parse(mood, key, 120.0, seed, 2).expect("valid spec")
    }

    fn render(spec: &Spec, frames: usize, block: usize) -> Vec<f32> {
        let mut synth = Synth::new(spec, RATE);
        let mut out = vec![0.0; frames * 2];
        for (i, chunk) in out.chunks_mut(block * 2).enumerate() {
            synth.render((i * block) as u64, chunk);
        }
        out
    }

    #[test]
    fn parses_keys() {
        let k = |s| Key::parse(s);
        assert_eq!(
            k("C"),
            Some(Key {
                root: 0,
                mode: None
            })
        );
        assert_eq!(
            k("F#"),
            Some(Key {
                root: 6,
                mode: None
            })
        );
        assert_eq!(
            k("Bb"),
            Some(Key {
                root: 10,
                mode: None
            })
        );
        assert_eq!(
            k("bb"),
            Some(Key {
                root: 10,
                mode: None
            })
        );
        assert_eq!(
            k("A minor").map(|k| (k.root, k.mode)),
            Some((9, Some(Mode::Minor)))
        );
        assert_eq!(k("Am").map(|k| k.mode), Some(Some(Mode::Minor)));
        assert_eq!(
            k("bm").map(|k| (k.root, k.mode)),
            Some((11, Some(Mode::Minor)))
        );
        assert_eq!(
            k(" Eb major ").map(|k| (k.root, k.mode)),
            Some((3, Some(Mode::Major)))
        );
        assert_eq!(k("Cb").map(|k| k.root), Some(11));
        for bad in ["", "H", "C##", "Cx", "A dorian", "#", "m"] {
            assert_eq!(k(bad), None, "{bad:?} must not parse");
        }
    }

    #[test]
    fn parses_moods_and_names_valid_ones() {
        for m in Mood::ALL {
            assert_eq!(Mood::parse(&m.name().to_uppercase()), Some(m));
        }
        let err = Spec::parse("purple", "C", 96.0, 0, 8).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("purple") && text.contains("luxury"), "{text}");
        let err = Spec::parse("calm", "H#", 96.0, 0, 8).unwrap_err();
        assert!(err.to_string().contains("H#"));
    }

    #[test]
    fn key_mode_overrides_mood_mode() {
        assert_eq!(spec("uplifting", "C", 0).mode(), Mode::Major);
        assert_eq!(spec("uplifting", "Cm", 0).mode(), Mode::Minor);
        assert_eq!(spec("sad", "C", 0).mode(), Mode::Minor);
        assert_eq!(spec("sad", "C major", 0).mode(), Mode::Major);
    }

    #[test]
    fn loop_length_follows_tempo_and_bars() {
        let s = Spec::parse("calm", "C", 120.0, 0, 8).unwrap();
        // 8 bars * 4 beats * 0.5 s.
        assert_eq!(Synth::new(&s, RATE).loop_len(), 16 * 48_000);
        let s = Spec::parse("calm", "C", 1000.0, 0, 0).unwrap();
        assert_eq!(s.tempo, TEMPO_MAX);
        assert_eq!(s.loop_bars, 1);
    }

    #[test]
    fn notes_start_inside_the_loop_and_fit_their_envelopes() {
        for mood in Mood::ALL {
            let synth = Synth::new(&spec(mood.name(), "D", 3), RATE);
            assert!(!synth.notes.is_empty());
            for n in &synth.notes {
                assert!(n.start < synth.loop_len, "{mood:?}");
                assert!(n.attack + n.release <= n.len, "{mood:?} {n:?}");
            }
        }
    }

    #[test]
    fn rendering_is_deterministic_and_seed_dependent() {
        let a = render(&spec("uplifting", "D", 7), 48_000, 1024);
        let b = render(&spec("uplifting", "D", 7), 48_000, 1024);
        let c = render(&spec("uplifting", "D", 8), 48_000, 1024);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn block_size_does_not_change_the_signal() {
        let s = spec("luxury", "F", 1);
        let a = render(&s, 30_000, 1024);
        let b = render(&s, 30_000, 777);
        let max = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(max < 1e-4, "blocking changed the signal by {max}");
    }

    #[test]
    fn loop_repeats_after_the_first_pass() {
        let s = spec("energetic", "A", 2);
        let mut synth = Synth::new(&s, RATE);
        let l = synth.loop_len();
        let mut first = vec![0.0; 4096];
        let mut second = vec![0.0; 4096];
        // The second and third passes are identical (the first lacks the tails that ring
        // over from a previous pass).
        synth.render(l + 1000, &mut first);
        synth.render(2 * l + 1000, &mut second);
        let max = first
            .iter()
            .zip(&second)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(max < 1e-4, "{max}");
    }

    #[test]
    fn timbres_fit_the_oscillator_bank() {
        for timbre in [PAD, KEYS, PLUCK, BASS] {
            assert!(timbre.len() <= LANES);
        }
    }

    #[test]
    fn soft_clip_is_bounded_monotonic_and_linear_below_knee() {
        assert_eq!(soft_clip(0.3), 0.3);
        assert_eq!(soft_clip(-0.5), -0.5);
        let mut last = 0.0;
        for i in 0..1000 {
            let y = soft_clip(i as f32 * 0.01);
            assert!(y >= last && y <= CEILING);
            last = y;
        }
        assert!(soft_clip(-100.0) >= -CEILING);
    }

    #[test]
    fn fades_reach_silence_smoothly() {
        let mut out = vec![1.0; 200];
        apply_fade_out(&mut out, 0, 100, 50);
        assert_eq!(out[..100], [1.0; 100][..]);
        assert!(out[198].abs() < 0.01 && out[199].abs() < 0.01);
        let steps: Vec<f32> = out.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
        assert!(steps.iter().all(|&d| d < 0.05));
        let mut out = vec![1.0; 200];
        apply_fade_in(&mut out, 0, 10, 50);
        assert_eq!(out[..20], [0.0; 20][..]);
        assert!(out[20] < 0.01 && out[199] == 1.0);
    }

    #[test]
    fn peak_stays_below_minus_one_dbfs() {
        for mood in Mood::ALL {
            let s = Spec::parse(mood.name(), "E", 220.0, 5, 2).unwrap();
            let out = render(&s, 96_000, 1024);
            let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak < 0.891, "{mood:?} peak {peak}");
            assert!(peak > 0.01, "{mood:?} is silent");
        }
    }
}
