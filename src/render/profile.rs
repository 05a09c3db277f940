//! Export profiles: frame size, rate, codecs and container, from `pipelines/*.toml`.
//!
//! The profiles in the repository's `pipelines/` are built into the binary; `--profile` also
//! takes the path of a TOML file of the same form.

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    #[serde(default)]
    pub reframe: Reframe,
    pub video: VideoSettings,
    pub audio: AudioSettings,
    pub container: ContainerSettings,
}

/// How a picture of another shape fills the frame; it is never stretched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reframe {
    /// Centre crop to fill the frame.
    #[default]
    Crop,
    /// The whole picture over a blurred copy of itself.
    Blur,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoSettings {
    pub codec: VideoCodec,
    /// Encoder speed preset (x264/x265 names: ultrafast ... veryslow).
    #[serde(default = "default_preset")]
    pub preset: String,
    /// Constant rate factor: lower is better and bigger.
    #[serde(default = "default_crf")]
    pub crf: u32,
    /// Longest distance between keyframes, in frames.
    #[serde(default = "default_keyframes")]
    pub keyframe_interval: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    H264,
    H265,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSettings {
    pub codec: AudioCodec,
    pub bitrate: u32,
    #[serde(default = "default_rate")]
    pub rate: u32,
    #[serde(default = "default_channels")]
    pub channels: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioCodec {
    Aac,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSettings {
    pub format: ContainerFormat,
    /// Put the index first so players can start before the download ends (MP4 only).
    #[serde(default)]
    pub faststart: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerFormat {
    Mp4,
    Mkv,
}

impl ContainerFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ContainerFormat::Mp4 => "mp4",
            ContainerFormat::Mkv => "mkv",
        }
    }
}

fn default_preset() -> String {
    "veryfast".into()
}
fn default_crf() -> u32 {
    23
}
fn default_keyframes() -> u32 {
    250
}
fn default_rate() -> u32 {
    48_000
}
fn default_channels() -> u32 {
    2
}

/// The profiles shipped with reel, by name.
const BUILT_IN: [(&str, &str); 5] = [
    (
        "youtube-1080p",
        include_str!("../../pipelines/youtube-1080p.toml"),
    ),
    (
        "shorts-1080x1920",
        include_str!("../../pipelines/shorts-1080x1920.toml"),
    ),
    (
        "square-1080",
        include_str!("../../pipelines/square-1080.toml"),
    ),
    (
        "classic-1440x1080",
        include_str!("../../pipelines/classic-1440x1080.toml"),
    ),
    (
        "preview-480p",
        include_str!("../../pipelines/preview-480p.toml"),
    ),
];

/// The profile used when none is asked for.
pub const DEFAULT: &str = "youtube-1080p";
/// The profile `--preview` renders.
pub const PREVIEW: &str = "preview-480p";

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown profile '{name}' (known: {known}; or the path of a profile .toml)")]
    Unknown { name: String, known: String },
    #[error("profile {source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
}

pub fn names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(name, _)| *name).collect()
}

/// A built-in profile by name, or a profile file by path.
pub fn find(name: &str) -> Result<Profile, ProfileError> {
    if let Some((_, text)) = BUILT_IN.iter().find(|(n, _)| *n == name) {
        return parse(text, name);
    }
    let path = Path::new(name);
    if path.extension().and_then(|e| e.to_str()) == Some("toml") && path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError::Invalid {
            source_name: name.into(),
            message: format!("cannot read: {e}"),
        })?;
        return parse(&text, name);
    }
    Err(ProfileError::Unknown {
        name: name.into(),
        known: names().join(", "),
    })
}

fn parse(text: &str, source_name: &str) -> Result<Profile, ProfileError> {
    let invalid = |message: String| ProfileError::Invalid {
        source_name: source_name.into(),
        message,
    };
    let profile: Profile = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
    // I420 chroma needs even sizes; encoders need a sane frame rate.
    if profile.width < 16 || profile.height < 16 || profile.width % 2 + profile.height % 2 != 0 {
        return Err(invalid(format!(
            "size {}x{} must be even and at least 16x16",
            profile.width, profile.height
        )));
    }
    if !(1..=120).contains(&profile.fps) {
        return Err(invalid(format!("fps {} is outside 1..120", profile.fps)));
    }
    if profile.video.crf > 51 {
        return Err(invalid(format!(
            "crf {} is outside 0..51",
            profile.video.crf
        )));
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_parses_with_its_own_name() {
        for name in names() {
            let profile = find(name).unwrap();
            assert_eq!(profile.name, name);
        }
        assert_eq!(find("shorts-1080x1920").unwrap().width, 1080);
    }

    #[test]
    fn unknown_profiles_list_the_known_ones() {
        let err = find("tiktok-8k").unwrap_err().to_string();
        assert!(
            err.contains("tiktok-8k") && err.contains("youtube-1080p"),
            "{err}"
        );
    }
}
