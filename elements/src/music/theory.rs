//! Music theory: moods, modes, keys and pitches, and the validated [`Spec`] a piece is built
//! from.

use std::fmt;

use super::profile::profile;

/// Slowest and fastest accepted tempo in BPM.
pub const TEMPO_MIN: f64 = 40.0;
pub const TEMPO_MAX: f64 = 220.0;
/// Beats per bar: everything is in 4/4.
pub(super) const BEATS_PER_BAR: usize = 4;

/// The character of the piece; each one selects a `Profile` (see `profile.rs`).
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
    pub(super) fn scale(self) -> [i32; 7] {
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

pub(super) fn midi_to_hz(midi: i32) -> f64 {
    440.0 * 2f64.powf(f64::from(midi - 69) / 12.0)
}

/// Moves `midi` by octaves into `[lo, lo + 12)`.
pub(super) fn fold_into(midi: i32, lo: i32) -> i32 {
    lo + (midi - lo).rem_euclid(12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(mood: &str, key: &str, seed: u64) -> Spec {
        Spec::parse(mood, key, 120.0, seed, 2).expect("valid spec")
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
}
