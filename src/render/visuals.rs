//! What each scene shows: the image the script names, an image whose file name matches the
//! scene's description, or a title card with the description.

use crate::plan::timeline::{Background, Source};
use crate::project::{Scene, Style};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "webp", "bmp"];

/// `script_dir` is where images are looked for (itself and its `images/` folder).
pub fn for_scene(scene: &Scene, style: &Style, script_dir: &Path) -> Source {
    if let Some(path) = &scene.image {
        return Source::Image { path: path.clone() };
    }
    if let Some(path) = matching_image(&scene.description, script_dir) {
        return Source::Image { path };
    }
    let background = match style.palette.get(scene.look() % style.palette.len().max(1)) {
        Some(&(from, to)) => Background::Gradient {
            from,
            to,
            angle_deg: 35.0,
        },
        None => Background::default(),
    };
    // A screenplay scene shows where it is, with its first beat of action beneath; a plain or
    // outline scene shows its description.
    let (title, subtitle) = if scene.location.is_empty() {
        (scene.description.clone(), String::new())
    } else {
        (scene.location.clone(), first_sentence(&scene.description))
    };
    Source::Card {
        title,
        subtitle,
        background,
        text_color: style.text_color,
    }
}

fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    text[..end].trim().to_string()
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// The image in `dir` or `dir/images` most of whose file-name words appear in `description`.
pub fn matching_image(description: &str, dir: &Path) -> Option<PathBuf> {
    let wanted: HashSet<String> = words(description).into_iter().collect();
    let mut candidates: Vec<PathBuf> = [dir.to_path_buf(), dir.join("images")]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    candidates.sort();
    let mut best: Option<(usize, PathBuf)> = None;
    for path in candidates {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name_words = words(&stem);
        let hits = name_words.iter().filter(|w| wanted.contains(*w)).count();
        if hits > 0 && hits * 2 >= name_words.len() && best.as_ref().is_none_or(|(b, _)| hits > *b)
        {
            best = Some((hits, path));
        }
    }
    best.map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_match_by_their_file_name_words() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("images")).unwrap();
        for name in [
            "images/mountain-sunrise.png",
            "city_night.jpg",
            "notes.txt",
            "sea.png",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let found = matching_image("A hero stands on a mountain at sunrise.", dir.path());
        assert_eq!(found, Some(dir.path().join("images/mountain-sunrise.png")));
        assert_eq!(
            matching_image("The city at night", dir.path()),
            Some(dir.path().join("city_night.jpg"))
        );
        assert_eq!(matching_image("A quiet forest", dir.path()), None);
    }
}
