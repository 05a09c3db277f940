//! Options for inbox files: `inbox.toml` in the folder for all of them, and a sidecar
//! `<name>.reel.toml` for one, whose keys win. Keys are the D-Bus option names; an unknown
//! key or a bad value fails the file, naming the options file and line.

use crate::footage::edit::CutMode;
use crate::jobs::model::{FootageOptions, JobOptions};
use crate::plan::timeline::{CaptionMode, Watermark};
use crate::project::SpeechRate;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileOptions {
    pub profiles: Option<Vec<String>>,
    pub speech_rate: Option<f64>,
    pub priority: Option<i32>,
    pub narrate_action: Option<bool>,
    pub variation: Option<u32>,
    /// For footage: a music bed (relative to the inbox folder, or absolute).
    pub music: Option<PathBuf>,
    /// For footage: the longest result, seconds.
    pub target: Option<f64>,
    /// For footage: silence, beats, both or none.
    pub cut: Option<CutMode>,
    /// For footage: karaoke, plain or none.
    pub captions: Option<CaptionMode>,
    /// For footage: text, or a PNG/JPEG (relative to the inbox folder, or absolute).
    pub watermark: Option<String>,
}

impl FileOptions {
    /// Reads `path` when it exists.
    pub fn read(path: &Path) -> Result<Option<FileOptions>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Self::parse(&text, path).map(Some)
    }

    pub fn parse(text: &str, path: &Path) -> Result<FileOptions, String> {
        let options: FileOptions = toml::from_str(text).map_err(|e| {
            let line = crate::daemon::config::error_line(text, &e)
                .map(|line| format!("{line}:"))
                .unwrap_or_default();
            format!("{}:{line} {}", path.display(), e.message())
        })?;
        if options.target.is_some_and(|t| !(t > 0.0 && t.is_finite())) {
            return Err(format!(
                "{}: target: must be over 0 seconds",
                path.display()
            ));
        }
        if let Some(rate) = options.speech_rate {
            SpeechRate::from_factor(rate)
                .map_err(|e| format!("{}: speech-rate: {e}", path.display()))?;
        }
        Ok(options)
    }

    /// `over`'s keys win.
    pub fn overlay(self, over: FileOptions) -> FileOptions {
        FileOptions {
            profiles: over.profiles.or(self.profiles),
            speech_rate: over.speech_rate.or(self.speech_rate),
            priority: over.priority.or(self.priority),
            narrate_action: over.narrate_action.or(self.narrate_action),
            variation: over.variation.or(self.variation),
            music: over.music.or(self.music),
            target: over.target.or(self.target),
            cut: over.cut.or(self.cut),
            captions: over.captions.or(self.captions),
            watermark: over.watermark.or(self.watermark),
        }
    }

    /// How footage dropped in the inbox at `root` is edited.
    pub fn footage_options(&self, root: &Path) -> FootageOptions {
        let defaults = FootageOptions::default();
        FootageOptions {
            more: Vec::new(),
            music: self.music.as_ref().map(|m| root.join(m)),
            target: self.target,
            cut: self.cut.unwrap_or(defaults.cut),
            captions: self.captions.unwrap_or(defaults.captions),
            watermark: self.watermark.as_deref().map(|mark| {
                let mut mark = Watermark::from_arg(mark);
                mark.image = mark.image.map(|image| root.join(image));
                mark
            }),
        }
    }

    /// The job options these ask for (checked already by [`FileOptions::parse`]).
    pub fn job_options(&self) -> JobOptions {
        JobOptions {
            profiles: self.profiles.clone().unwrap_or_default(),
            priority: self.priority.unwrap_or(0),
            narrate_action: self.narrate_action.unwrap_or(false),
            variation: self.variation.unwrap_or(0),
            speech_rate: self
                .speech_rate
                .and_then(|r| SpeechRate::from_factor(r).ok())
                .unwrap_or_default(),
            ..JobOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_keys_win_and_unknown_keys_are_named_with_their_line() {
        let folder = FileOptions::parse(
            "profiles = [\"preview-480p\"]\npriority = 1\n",
            Path::new("inbox.toml"),
        )
        .unwrap();
        let sidecar = FileOptions::parse(
            "priority = 5\nspeech-rate = 1.2\n",
            Path::new("a.reel.toml"),
        )
        .unwrap();
        let job = folder.overlay(sidecar).job_options();
        assert_eq!(job.profiles, vec!["preview-480p"]);
        assert_eq!(job.priority, 5);
        assert_eq!(job.speech_rate, SpeechRate(120));
        let err =
            FileOptions::parse("priority = 1\nspeed = 2\n", Path::new("a.reel.toml")).unwrap_err();
        assert!(
            err.contains("a.reel.toml:2:") && err.contains("speed"),
            "{err}"
        );
        let err = FileOptions::parse("speech-rate = 9.0\n", Path::new("b.reel.toml")).unwrap_err();
        assert!(err.contains("speech-rate"), "{err}");
    }

    #[test]
    fn footage_options_take_the_music_from_the_inbox_folder() {
        let options = FileOptions::parse(
            "music = \"beds/calm.wav\"\ntarget = 30.0\ncut = \"silence\"\ncaptions = \"none\"\n",
            Path::new("inbox.toml"),
        )
        .unwrap();
        let footage = options.footage_options(Path::new("/srv/inbox"));
        assert_eq!(
            footage.music,
            Some(PathBuf::from("/srv/inbox/beds/calm.wav"))
        );
        assert_eq!(footage.target, Some(30.0));
        assert_eq!(footage.cut, CutMode::Silence);
        assert_eq!(footage.captions, CaptionMode::None);
        let err = FileOptions::parse("cut = \"jump\"\n", Path::new("a.reel.toml")).unwrap_err();
        assert!(err.contains("a.reel.toml:1:"), "{err}");
        let err = FileOptions::parse("target = -1.0\n", Path::new("a.reel.toml")).unwrap_err();
        assert!(err.contains("target"), "{err}");
    }
}
