//! The timeline: the one description the renderer consumes, and reel's own edit spec on disk.
//!
//! Times are seconds from the start of the video. The video track is a sequence of clips; each
//! clip names the transition that brings it in, and that transition overlaps the previous clip,
//! so clip `i` starts at `start(i-1) + duration(i-1) - transition(i).duration`.
//! Sizes are resolution independent (fractions of the frame) so one timeline renders to every
//! export profile. Relative paths are resolved against the spec file's folder.

use super::reframe::ShotSubjects;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Edit spec version this build writes and reads.
pub const SPEC_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    #[serde(default = "spec_version")]
    pub version: u32,
    #[serde(default)]
    pub name: String,
    /// The video track, in order.
    pub clips: Vec<Clip>,
    /// Timed text, burned in and written as .srt/.vtt.
    #[serde(default)]
    pub captions: Vec<Caption>,
    #[serde(default)]
    pub caption_style: CaptionStyle,
    #[serde(default)]
    pub audio: AudioTrack,
    /// A mark over the whole video: text or a picture in a corner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Watermark>,
}

/// Text or a picture (PNG with alpha) kept in one corner for the whole video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watermark {
    /// The text to show; empty when `image` is given.
    #[serde(default)]
    pub text: String,
    pub image: Option<PathBuf>,
    #[serde(default)]
    pub corner: Corner,
    /// 0 (invisible) to 1 (opaque).
    #[serde(default = "default_watermark_opacity")]
    pub opacity: f64,
    /// Text height, or the picture's width, as a fraction of the frame's shorter side.
    #[serde(default = "default_watermark_size")]
    pub size: f64,
}

fn default_watermark_opacity() -> f64 {
    0.7
}
fn default_watermark_size() -> f64 {
    0.04
}

impl Watermark {
    /// A picture when `text_or_image` names a PNG or JPEG file, else a text mark.
    pub fn from_arg(text_or_image: &str) -> Watermark {
        let path = PathBuf::from(text_or_image);
        let picture = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"));
        Watermark {
            text: if picture {
                String::new()
            } else {
                text_or_image.to_string()
            },
            image: picture.then_some(path),
            corner: Corner::default(),
            opacity: default_watermark_opacity(),
            size: if picture {
                0.2
            } else {
                default_watermark_size()
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    #[default]
    BottomRight,
}

fn spec_version() -> u32 {
    SPEC_VERSION
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clip {
    pub source: Source,
    /// Seconds on screen, including the overlap of the transitions in and out.
    pub duration: f64,
    #[serde(default)]
    pub motion: Motion,
    /// How this clip replaces the previous one (ignored on the first clip).
    #[serde(default)]
    pub transition: Transition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Source {
    /// A still image (PNG, JPEG, ...), moved by the clip's motion.
    Image { path: PathBuf },
    /// A typeset title card on a solid or gradient background.
    Card {
        title: String,
        #[serde(default)]
        subtitle: String,
        #[serde(default)]
        background: Background,
        #[serde(default = "default_card_text")]
        text_color: Color,
    },
    /// A video file, played from `in_s` (seconds into the file).
    Video {
        path: PathBuf,
        #[serde(default)]
        in_s: f64,
        /// The faces of the shot it is cut from, which a frame of another shape follows;
        /// without them such a frame is cut from the middle.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        framing: Option<ShotSubjects>,
    },
    /// Characters' portraits, their faces talking as their mouth cues say: one fills the
    /// frame, two share it side by side.
    Portraits { faces: Vec<TalkingFace> },
}

/// A portrait whose face moves with a character's voice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TalkingFace {
    pub character: String,
    pub path: PathBuf,
    /// A drawn or generated face: no real person's, so no consent is needed.
    #[serde(default)]
    pub fictional: bool,
    /// Mouth shapes from the clip's start, each held until the next (at rest before the first).
    #[serde(default)]
    pub cues: Vec<MouthCue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MouthCue {
    /// Seconds from the clip's start.
    pub start: f64,
    /// Rhubarb's letter: A-H, or X at rest.
    pub shape: char,
    /// How loud the voice is under it against its loud parts (about 0.3 to 1.2): how far the
    /// mouth opens for the shape, so loud vowels open wider than murmured ones.
    #[serde(default = "full_voice")]
    pub loudness: f64,
}

fn full_voice() -> f64 {
    1.0
}

fn default_card_text() -> Color {
    Color::rgb(0xf5, 0xf5, 0xf0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Background {
    Solid {
        color: Color,
    },
    /// A linear gradient from `from` to `to` at `angle_deg` (0 = left to right, 90 = top to bottom).
    Gradient {
        from: Color,
        to: Color,
        #[serde(default)]
        angle_deg: f64,
    },
}

impl Default for Background {
    fn default() -> Self {
        Background::Gradient {
            from: Color::rgb(0x1d, 0x26, 0x3b),
            to: Color::rgb(0x41, 0x5a, 0x77),
            angle_deg: 35.0,
        }
    }
}

/// An sRGB colour, written as `"#rrggbb"` in specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Color {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Color { r, g, b }
    }

    pub fn parse(text: &str) -> Option<Color> {
        let hex = text.strip_prefix('#')?;
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Color::rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// `0xRRGGBB` as GStreamer's ARGB colour properties want it, fully opaque.
    pub fn argb(self) -> u32 {
        0xff00_0000 | (u32::from(self.r) << 16) | (u32::from(self.g) << 8) | u32::from(self.b)
    }
}

impl Serialize for Color {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b))
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Color::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("colour {text:?} is not of the form \"#rrggbb\""))
        })
    }
}

/// Camera motion over a clip: the view at the start and at the end, and the curve between.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Motion {
    #[serde(default)]
    pub from: View,
    #[serde(default)]
    pub to: View,
    #[serde(default)]
    pub curve: Curve,
}

impl Default for Motion {
    fn default() -> Self {
        Motion {
            from: View::default(),
            to: View::default(),
            curve: Curve::Linear,
        }
    }
}

impl Motion {
    /// A named camera move: `none`, `zoom-in`, `zoom-out`, `pan-left`, `pan-right`.
    pub fn preset(name: &str) -> Result<Motion, String> {
        let view = |zoom: f64, x: f64| View {
            zoom,
            x,
            y: 0.5,
            rotate: 0.0,
        };
        let (from, to) = match name.trim().to_ascii_lowercase().as_str() {
            "none" | "still" => (view(1.0, 0.5), view(1.0, 0.5)),
            "zoom-in" => (view(1.0, 0.5), view(1.12, 0.5)),
            "zoom-out" => (view(1.12, 0.5), view(1.0, 0.5)),
            "pan-left" => (view(1.15, 0.62), view(1.15, 0.38)),
            "pan-right" => (view(1.15, 0.38), view(1.15, 0.62)),
            other => {
                return Err(format!(
                    "unknown motion '{other}' (known: none, zoom-in, zoom-out, pan-left, pan-right)"
                ))
            }
        };
        Ok(Motion {
            from,
            to,
            curve: Curve::EaseInOut,
        })
    }
}

/// What the camera sees: `zoom` 1.0 shows the whole image (cropped to the frame's aspect),
/// 2.0 half of it; `x`, `y` the centre of the view as fractions of the image; `rotate` degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    #[serde(default = "one")]
    pub zoom: f64,
    #[serde(default = "half")]
    pub x: f64,
    #[serde(default = "half")]
    pub y: f64,
    #[serde(default)]
    pub rotate: f64,
}

fn one() -> f64 {
    1.0
}
fn half() -> f64 {
    0.5
}

impl Default for View {
    fn default() -> Self {
        View {
            zoom: 1.0,
            x: 0.5,
            y: 0.5,
            rotate: 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Curve {
    #[default]
    Linear,
    EaseInOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    #[serde(default)]
    pub kind: TransitionKind,
    /// Seconds of overlap with the previous clip (0 for a cut).
    #[serde(default)]
    pub duration: f64,
}

impl Default for Transition {
    fn default() -> Self {
        Transition {
            kind: TransitionKind::Cut,
            duration: 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransitionKind {
    #[default]
    Cut,
    Dissolve,
    /// Out to black, then in from black.
    FadeBlack,
    /// The new clip is revealed by an edge moving left (from the right side) or right.
    WipeLeft,
    WipeRight,
    /// The new clip slides in over the old one, moving left or right.
    SlideLeft,
    SlideRight,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caption {
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Per-word timing when known (for word-by-word highlighting and exports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// How captions look; sizes are fractions of the frame's shorter side so every profile matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptionStyle {
    /// Pango font family list; the CJK family after the Latin one covers CJK text.
    #[serde(default = "default_font")]
    pub font: String,
    #[serde(default = "default_caption_size")]
    pub size: f64,
    #[serde(default = "white")]
    pub color: Color,
    #[serde(default = "black")]
    pub outline_color: Color,
    /// Distance of the text's bottom from the frame's bottom, as a fraction of the frame height.
    #[serde(default = "default_bottom_margin")]
    pub bottom_margin: f64,
    /// Burn captions into the picture (they are written as .srt/.vtt either way).
    #[serde(default = "yes")]
    pub burn: bool,
    /// Karaoke: the word being spoken is drawn in this colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight: Option<Color>,
}

/// How an edit shows what is said: karaoke (the spoken word highlighted), plain, or not at
/// all. Subtitle files are written unless it is `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CaptionMode {
    /// The word being spoken highlighted.
    #[default]
    Karaoke,
    /// White lines of what is said.
    Plain,
    /// No captions burned in, no subtitle files.
    None,
}

impl CaptionMode {
    pub const NAMES: [&'static str; 3] = ["karaoke", "plain", "none"];

    pub fn parse(text: &str) -> Option<CaptionMode> {
        match text {
            "karaoke" => Some(CaptionMode::Karaoke),
            "plain" => Some(CaptionMode::Plain),
            "none" => Some(CaptionMode::None),
            _ => None,
        }
    }

    /// The karaoke highlight: a warm yellow that reads on faces, skies and black bars alike.
    pub fn highlight(self) -> Option<Color> {
        (self == CaptionMode::Karaoke).then_some(Color::rgb(0xff, 0xd4, 0x00))
    }
}

fn default_font() -> String {
    "DejaVu Sans, Noto Sans CJK SC".into()
}
fn default_caption_size() -> f64 {
    48.0 / 1080.0
}
fn default_bottom_margin() -> f64 {
    80.0 / 1080.0
}
fn white() -> Color {
    Color::rgb(255, 255, 255)
}
fn black() -> Color {
    Color::rgb(0, 0, 0)
}
fn yes() -> bool {
    true
}

impl Default for CaptionStyle {
    fn default() -> Self {
        CaptionStyle {
            font: default_font(),
            size: default_caption_size(),
            color: white(),
            outline_color: black(),
            bottom_margin: default_bottom_margin(),
            burn: true,
            highlight: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioTrack {
    /// Spoken lines; music is ducked while any of them plays.
    #[serde(default)]
    pub voice: Vec<AudioCue>,
    #[serde(default)]
    pub music: Option<Music>,
    /// Sound effects, mixed as they are (no ducking).
    #[serde(default)]
    pub effects: Vec<AudioCue>,
    #[serde(default)]
    pub ducking: Ducking,
    /// Integrated loudness of the final mix (EBU R128), `None` to leave the mix as it is.
    #[serde(default = "default_loudness")]
    pub loudness_lufs: Option<f64>,
}

fn default_loudness() -> Option<f64> {
    Some(-16.0)
}

impl Default for AudioTrack {
    fn default() -> Self {
        AudioTrack {
            voice: Vec::new(),
            music: None,
            effects: Vec::new(),
            ducking: Ducking::default(),
            loudness_lufs: default_loudness(),
        }
    }
}

/// An audio file placed at `start`; `duration` (when known) is how long it plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioCue {
    pub path: PathBuf,
    pub start: f64,
    #[serde(default)]
    pub gain_db: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Music {
    pub source: MusicSource,
    #[serde(default = "default_music_gain")]
    pub gain_db: f64,
}

fn default_music_gain() -> f64 {
    -18.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum MusicSource {
    /// An audio file, looped to the video's length.
    File { path: PathBuf },
    /// A procedural bed from `reelmusic`.
    Generated {
        #[serde(default = "default_mood")]
        mood: String,
        #[serde(default = "default_tempo")]
        tempo: f64,
        #[serde(default = "default_key")]
        key: String,
        #[serde(default)]
        seed: u64,
    },
}

fn default_mood() -> String {
    "calm".into()
}
fn default_tempo() -> f64 {
    96.0
}
fn default_key() -> String {
    "C".into()
}

/// Music is lowered by `depth_db` while speech plays, with ramps of `ramp_s` (linear in dB)
/// that end at the speech's start and begin at its end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ducking {
    #[serde(default = "default_duck_depth")]
    pub depth_db: f64,
    #[serde(default = "default_duck_ramp")]
    pub ramp_s: f64,
}

fn default_duck_depth() -> f64 {
    -10.0
}
fn default_duck_ramp() -> f64 {
    0.15
}

impl Default for Ducking {
    fn default() -> Self {
        Ducking {
            depth_db: default_duck_depth(),
            ramp_s: default_duck_ramp(),
        }
    }
}

impl Timeline {
    /// Start time of every clip, in order.
    pub fn clip_starts(&self) -> Vec<f64> {
        let mut starts = Vec::with_capacity(self.clips.len());
        let mut end = 0.0_f64;
        for (i, clip) in self.clips.iter().enumerate() {
            let overlap = if i == 0 {
                0.0
            } else {
                clip.transition.duration
            };
            let start = (end - overlap).max(0.0);
            starts.push(start);
            end = start + clip.duration;
        }
        starts
    }

    /// Length of the video: the end of the last clip.
    pub fn duration(&self) -> f64 {
        let starts = self.clip_starts();
        match (starts.last(), self.clips.last()) {
            (Some(start), Some(clip)) => start + clip.duration,
            _ => 0.0,
        }
    }
}
