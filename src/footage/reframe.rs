//! The `reframe` stage: for every profile whose frame has another shape than the footage, the
//! window each clip is cut through ([`crate::plan::reframe`]), how well it keeps the faces in
//! view, written as `<name>-<profile>-reframe.json` beside the video. The render cuts the same
//! windows from the same faces.

use super::FootageError;
use crate::plan::reframe::{self, CropPath, Quality};
use crate::plan::timeline::{Source, Timeline};
use crate::render::profile::Profile;
use crate::render::{self, cache};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One clip's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipFrame {
    /// The clip's place in the timeline.
    pub clip: usize,
    pub source: PathBuf,
    pub path: CropPath,
    /// Fraction of the shot's analysed frames with a face whose faces are all in view.
    pub coverage: f64,
    /// The window's biggest move from one output frame to the next, pixels.
    pub jitter: f64,
}

/// Every clip's window for one profile, and the file they were written to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reframed {
    pub profile: String,
    pub file: PathBuf,
    pub clips: Vec<ClipFrame>,
}

/// Frames every clip of `timeline` whose faces are known, for each profile that crops to fill;
/// `sizes` gives each footage file's picture size as shown.
pub fn reframe(
    timeline: &Timeline,
    sizes: &[(PathBuf, (u32, u32))],
    profiles: &[Profile],
    folder: &Path,
    name: &str,
) -> Result<Vec<Reframed>, FootageError> {
    let mut out = Vec::new();
    for profile in profiles {
        let mut clips = Vec::new();
        for (index, clip) in timeline.clips.iter().enumerate() {
            let Source::Video {
                path,
                framing: Some(subjects),
                ..
            } = &clip.source
            else {
                continue;
            };
            let Some(&(_, size)) = sizes.iter().find(|(p, _)| p == path) else {
                continue;
            };
            // The window the render cuts: none for a frame of the same shape or one that
            // shows the whole picture.
            let Some(crop) = render::reframe::crop_path(Some(subjects), size, profile) else {
                continue;
            };
            let Quality { coverage, jitter } =
                reframe::quality(&crop, subjects, size, f64::from(profile.fps));
            clips.push(ClipFrame {
                clip: index,
                source: path.clone(),
                path: crop,
                coverage,
                jitter,
            });
        }
        if clips.is_empty() {
            continue;
        }
        let file = folder.join(format!("{name}-{}-reframe.json", profile.name));
        let json = serde_json::to_vec_pretty(&clips).map_err(|e| FootageError::io(&file, e))?;
        cache::write_atomic(&file, &json).map_err(|e| FootageError::io(&file, e))?;
        out.push(Reframed {
            profile: profile.name.clone(),
            file,
            clips,
        });
    }
    Ok(out)
}

/// One line per profile: each clip's framing, and the worst coverage and jitter.
pub fn summary(reframed: &Reframed) -> String {
    let modes: Vec<&str> = reframed
        .clips
        .iter()
        .map(|c| c.path.mode.as_str())
        .collect();
    let coverage = reframed
        .clips
        .iter()
        .map(|c| c.coverage)
        .fold(1.0, f64::min);
    let jitter = reframed.clips.iter().map(|c| c.jitter).fold(0.0, f64::max);
    format!(
        "reframed {}: {} (faces in view {:.1}%, jitter at most {:.0} px a frame)",
        reframed.profile,
        modes.join(", "),
        coverage * 100.0,
        jitter
    )
}
