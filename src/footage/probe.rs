//! What a piece of footage is, before any work is spent on it: its length, picture (size, exact
//! rational frame rate, rotation, whether the rate varies) and sound, as GStreamer's Discoverer
//! reads them; and the one clear reason when it cannot be edited.

use super::FootageError;
use crate::render::probe as media;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Footage {
    pub path: PathBuf,
    /// Seconds.
    pub duration: f64,
    pub width: u32,
    pub height: u32,
    /// Frames per second as the container states it: 30000/1001, not 29.97.
    pub rate: (i32, i32),
    /// Clockwise degrees the picture is shown turned by (a phone's rotation tag): 0, 90, 180, 270.
    pub rotation: u32,
    /// The frame rate varies (Discoverer reports 0/1, or the container's rate is not a plain
    /// rational): the edit is retimed to the profile's constant rate.
    pub variable_rate: bool,
    pub video_codec: String,
    /// The sound's sample rate and channels, when there is sound.
    pub audio: Option<(u32, u32)>,
}

impl Footage {
    pub fn fps(&self) -> f64 {
        if self.rate.1 > 0 {
            f64::from(self.rate.0) / f64::from(self.rate.1)
        } else {
            0.0
        }
    }

    /// The picture as it is shown, after its rotation.
    pub fn shown_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// Reads what `path` holds; the error names the file and the one thing wrong with it.
pub fn probe(path: &Path) -> Result<Footage, FootageError> {
    let fail = |problem: String| FootageError::Unusable {
        path: path.to_path_buf(),
        problem,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a file".into()));
    }
    if meta.len() == 0 {
        return Err(fail("the file is empty (0 bytes)".into()));
    }
    if let Some(problem) = iso_truncation(path).map_err(|e| fail(e.to_string()))? {
        return Err(fail(problem));
    }
    crate::render::pipeline::init().map_err(|e| fail(e.to_string()))?;
    let info = media::probe(path)
        .map_err(|e| fail(format!("not a video file GStreamer can read ({e})")))?;
    if !info.missing_decoders.is_empty() {
        return Err(fail(format!(
            "no decoder installed for it ({})",
            info.missing_decoders.join(", ")
        )));
    }
    let Some(video) = info.video else {
        let what = match info.audio {
            Some(_) => "no video stream (it holds only sound)",
            None => "no video stream",
        };
        return Err(fail(what.into()));
    };
    if video.is_image {
        return Err(fail("a still image, not footage".into()));
    }
    if info.duration <= 0.0 {
        return Err(fail("its length is unknown or zero".into()));
    }
    Ok(Footage {
        path: path.to_path_buf(),
        duration: info.duration,
        width: video.width,
        height: video.height,
        rate: video.rate,
        rotation: video.rotation,
        variable_rate: video.rate.0 == 0,
        video_codec: video.codec,
        audio: info.audio.map(|a| (a.rate, a.channels)),
    })
}

/// For an ISO media file (MP4, MOV, M4V: it opens with an `ftyp` box), the top-level box that
/// runs past the end of the file, or a missing `moov` — what a copy cut short leaves. Other
/// files are left to Discoverer.
fn iso_truncation(path: &Path) -> std::io::Result<Option<String>> {
    let mut file = std::fs::File::open(path)?;
    let length = file.metadata()?.len();
    let mut head = [0u8; 8];
    if file.read(&mut head)? < 8 || &head[4..8] != b"ftyp" {
        return Ok(None);
    }
    let mut at = 0u64;
    let mut has_moov = false;
    use std::io::{Seek, SeekFrom};
    while at + 8 <= length {
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(&mut head)?;
        let kind = String::from_utf8_lossy(&head[4..8]).into_owned();
        let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        if size == 1 {
            let mut large = [0u8; 8];
            file.read_exact(&mut large)?;
            size = u64::from_be_bytes(large);
        } else if size == 0 {
            size = length - at; // runs to the end of the file, by definition
        }
        if size < 8 {
            return Ok(Some(format!(
                "damaged: box '{kind}' at byte {at} has an impossible size {size}"
            )));
        }
        if at + size > length {
            return Ok(Some(format!(
                "truncated: its '{kind}' box needs {} bytes but the file ends after {}",
                at + size,
                length
            )));
        }
        has_moov |= kind == "moov";
        at += size;
    }
    if !has_moov {
        return Ok(Some(
            "truncated: it has no 'moov' index (the recording was not finished)".into(),
        ));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iso_file_cut_short_is_named_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.mp4");
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&16u32.to_be_bytes());
        bytes.extend_from_slice(b"ftypisom\0\0\0\0");
        bytes.extend_from_slice(&100u32.to_be_bytes());
        bytes.extend_from_slice(b"mdat");
        bytes.extend_from_slice(&[0; 20]);
        std::fs::write(&path, &bytes).unwrap();
        let problem = iso_truncation(&path).unwrap().unwrap();
        assert!(problem.contains("'mdat'"), "{problem}");
        // Whole, but never indexed.
        bytes.truncate(16);
        bytes.extend_from_slice(&8u32.to_be_bytes());
        bytes.extend_from_slice(b"mdat");
        std::fs::write(&path, &bytes).unwrap();
        let problem = iso_truncation(&path).unwrap().unwrap();
        assert!(problem.contains("moov"), "{problem}");
    }
}
