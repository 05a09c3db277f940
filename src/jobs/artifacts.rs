//! A stage's results on disk: a JSON file in the job's folder plus the media it points at,
//! each recorded with its SHA-256 so a resumed job reuses them only when they are unchanged.

use super::model::Artifact;
use crate::render::cache::{sha256_file, write_atomic};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Hashes the file at `path` into an artifact record of `kind`.
pub fn record(kind: &str, path: &Path) -> std::io::Result<Artifact> {
    Ok(Artifact {
        kind: kind.to_string(),
        path: path.to_path_buf(),
        sha256: sha256_file(path)?,
        size: std::fs::metadata(path)?.len(),
    })
}

/// Whether the file is still there with the same content.
pub fn intact(artifact: &Artifact) -> bool {
    match record(&artifact.kind, &artifact.path) {
        Ok(now) => now.sha256 == artifact.sha256,
        Err(_) => false,
    }
}

/// Writes `value` as `<dir>/<name>.json` atomically and records it.
pub fn save<T: Serialize>(dir: &Path, name: &str, value: &T) -> std::io::Result<Artifact> {
    let path = dir.join(format!("{name}.json"));
    let json = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    write_atomic(&path, &json)?;
    record(name, &path)
}

/// The value a finished stage saved, if it and every file it made are intact.
pub fn load<T: DeserializeOwned>(artifacts: &[Artifact]) -> Option<T> {
    let result = artifacts.first()?;
    if !artifacts.iter().all(intact) {
        return None;
    }
    serde_json::from_slice(&std::fs::read(&result.path).ok()?).ok()
}

/// Temp files a killed render may have left for `target` and the files written beside it
/// under the same stem (its subtitles, reframe paths): `.<stem>.<ext>.<pid>-<n>.part`, as
/// `render::cache::temp_path` names them.
pub fn leftovers(target: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(stem)) = (target.parent(), target.file_stem()) else {
        return Vec::new();
    };
    let prefix = format!(".{}.", stem.to_string_lossy());
    let is_leftover = |name: &str| {
        let Some(rest) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".part"))
        else {
            return false;
        };
        // One extension, then the writer's counter; anything else belongs to another file.
        rest.split_once('.').is_some_and(|(ext, counter)| {
            !ext.is_empty()
                && !counter.is_empty()
                && counter.chars().all(|c| c.is_ascii_digit() || c == '-')
        })
    };
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| is_leftover(&n.to_string_lossy()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("a.wav");
        std::fs::write(&media, b"one").unwrap();
        let saved = save(dir.path(), "voice", &vec![1, 2, 3]).unwrap();
        let artifacts = vec![saved, record("speech", &media).unwrap()];
        assert_eq!(load::<Vec<i32>>(&artifacts), Some(vec![1, 2, 3]));
        std::fs::write(&media, b"two").unwrap();
        assert_eq!(load::<Vec<i32>>(&artifacts), None);
    }

    #[test]
    fn leftovers_are_only_this_targets_part_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a-youtube.mp4");
        for name in [
            ".a-youtube.mp4.77.part",
            ".a-youtube.srt.77-3.part",
            ".a-youtube.b.mp4.77-1.part",
            ".b.mp4.77.part",
            "a-youtube.mp4",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let mut found = leftovers(&target);
        found.sort();
        assert_eq!(
            found,
            vec![
                dir.path().join(".a-youtube.mp4.77.part"),
                dir.path().join(".a-youtube.srt.77-3.part"),
            ]
        );
    }
}
