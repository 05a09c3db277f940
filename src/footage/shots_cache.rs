//! The `shots` stage's results kept between runs: finding shots and faces decodes the whole
//! file, so a second edit of the same footage (another target, other music, a retried job)
//! reuses them. An entry is a folder holding `shots.json` and the thumbnails and contact sheet
//! under fixed names; a hit copies the pictures into the new output folder under that edit's
//! names. An entry is written to a temporary folder and renamed into place, so a run stopped
//! half way leaves none.

use super::shots::Shots;
use super::FootageError;
use crate::render::cache::{temp_path, write_atomic};
use std::path::{Path, PathBuf};

const INDEX: &str = "shots.json";
const SHEET: &str = "contact-sheet.png";

fn thumbnail_name(n: usize) -> String {
    format!("shot-{:03}.png", n + 1)
}

/// The cached shots in `entry`, their pictures copied into `folder` as `<stem>-shot-NNN.png`
/// and `<stem>-contact-sheet.png`; None when there is no complete entry.
pub fn load(entry: &Path, folder: &Path, stem: &str) -> Result<Option<Shots>, FootageError> {
    let Ok(bytes) = std::fs::read(entry.join(INDEX)) else {
        return Ok(None);
    };
    let Ok(mut shots) = serde_json::from_slice::<Shots>(&bytes) else {
        return Ok(None);
    };
    let copy = |name: &str, to: PathBuf| -> Result<PathBuf, FootageError> {
        let from = entry.join(name);
        let bytes = std::fs::read(&from).map_err(|e| FootageError::io(&from, e))?;
        write_atomic(&to, &bytes).map_err(|e| FootageError::io(&to, e))?;
        Ok(to)
    };
    for (n, shot) in shots.shots.iter_mut().enumerate() {
        shot.thumbnail = copy(
            &thumbnail_name(n),
            folder.join(format!("{stem}-{}", thumbnail_name(n))),
        )?;
    }
    shots.contact_sheet = copy(SHEET, folder.join(format!("{stem}-{SHEET}")))?;
    Ok(Some(shots))
}

/// Keeps `shots` (whose pictures are where it says) as `entry`. A failure only costs the
/// next run its reuse, so it is logged, not returned.
pub fn store(entry: &Path, shots: &Shots) {
    if let Err(err) = try_store(entry, shots) {
        tracing::warn!(entry = %entry.display(), "shots not cached: {err}");
    }
}

fn try_store(entry: &Path, shots: &Shots) -> std::io::Result<()> {
    let staging = temp_path(entry);
    std::fs::create_dir_all(&staging)?;
    let mut kept = shots.clone();
    for (n, shot) in kept.shots.iter_mut().enumerate() {
        std::fs::copy(&shot.thumbnail, staging.join(thumbnail_name(n)))?;
        shot.thumbnail = PathBuf::from(thumbnail_name(n));
    }
    std::fs::copy(&shots.contact_sheet, staging.join(SHEET))?;
    kept.contact_sheet = PathBuf::from(SHEET);
    let json = serde_json::to_vec(&kept).map_err(std::io::Error::other)?;
    std::fs::write(staging.join(INDEX), json)?;
    match std::fs::rename(&staging, entry) {
        Ok(()) => Ok(()),
        // Another run kept the same shots first.
        Err(_) if entry.join(INDEX).is_file() => std::fs::remove_dir_all(&staging),
        Err(err) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footage::shots::Shot;

    #[test]
    fn a_stored_entry_comes_back_with_its_pictures_under_the_new_names() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first");
        std::fs::create_dir_all(&first).unwrap();
        let thumb = first.join("talk-shot-001.png");
        let sheet = first.join("talk-contact-sheet.png");
        std::fs::write(&thumb, b"thumb").unwrap();
        std::fs::write(&sheet, b"sheet").unwrap();
        let shots = Shots {
            shots: vec![Shot {
                start: 0.0,
                end: 4.0,
                thumbnail: thumb,
            }],
            contact_sheet: sheet,
            faces: Vec::new(),
        };
        let entry = dir.path().join("cache/abc.shots");
        std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
        assert!(load(&entry, dir.path(), "x").unwrap().is_none());
        store(&entry, &shots);

        let second = dir.path().join("second");
        std::fs::create_dir_all(&second).unwrap();
        let back = load(&entry, &second, "clip").unwrap().unwrap();
        assert_eq!(back.shots[0].thumbnail, second.join("clip-shot-001.png"));
        assert_eq!(std::fs::read(&back.shots[0].thumbnail).unwrap(), b"thumb");
        assert_eq!(std::fs::read(&back.contact_sheet).unwrap(), b"sheet");
        assert_eq!(back.shots[0].end, 4.0);
        // Nothing half-made beside the entry.
        let names: Vec<_> = std::fs::read_dir(entry.parent().unwrap())
            .unwrap()
            .collect();
        assert_eq!(names.len(), 1);
    }
}
