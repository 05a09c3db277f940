//! The `beats` stage: the music's tempo, beats and downbeats (the analysis `reelbeats` runs),
//! from the bed the edit will play, so cuts can land on them.

use super::FootageError;
use crate::plan::cuts::Beat;
use crate::render::audio;
use crate::render::pipeline::Cancel;
use std::path::Path;

/// Plenty for onsets: the analysis looks at bands up to a few kHz.
const RATE: u32 = 22_050;

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    pub bpm: f64,
    pub confidence: f64,
    pub beats: Vec<Beat>,
}

/// The beat grid of the music in `path`.
pub fn of_file(path: &Path, cancel: &Cancel) -> Result<Grid, FootageError> {
    let samples = audio::decode_samples(path, RATE, 1, cancel)?;
    if samples.is_empty() {
        return Err(FootageError::Unusable {
            path: path.to_path_buf(),
            problem: "no sound in it to find beats in".into(),
        });
    }
    let analysis = gstreel::beats::analyse(&samples, RATE, &gstreel::beats::Params::default());
    Ok(Grid {
        bpm: analysis.bpm,
        confidence: analysis.confidence,
        beats: analysis
            .beats
            .iter()
            .map(|b| Beat {
                time: b.time,
                downbeat: b.is_downbeat(),
            })
            .collect(),
    })
}
