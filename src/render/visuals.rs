//! What each scene shows: the image the script names, an image whose file name matches the
//! scene's description, or a title card with the description.

use crate::plan::timeline::{Background, Color, Source};
use crate::project::Scene;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "webp", "bmp"];

/// Card palettes, taken in turn so consecutive cards differ.
const PALETTES: [(Color, Color); 4] = [
    (Color::rgb(0x1d, 0x26, 0x3b), Color::rgb(0x41, 0x5a, 0x77)),
    (Color::rgb(0x3a, 0x1c, 0x32), Color::rgb(0x8a, 0x3b, 0x4e)),
    (Color::rgb(0x12, 0x33, 0x2b), Color::rgb(0x2f, 0x6f, 0x5e)),
    (Color::rgb(0x2b, 0x22, 0x12), Color::rgb(0x8c, 0x64, 0x2a)),
];

/// `script_dir` is where images are looked for (itself and its `images/` folder).
pub fn for_scene(scene: &Scene, index: usize, script_dir: &Path) -> Source {
    if let Some(path) = &scene.image {
        return Source::Image { path: path.clone() };
    }
    if let Some(path) = matching_image(&scene.description, script_dir) {
        return Source::Image { path };
    }
    let (from, to) = PALETTES[index % PALETTES.len()];
    Source::Card {
        title: scene.description.clone(),
        subtitle: String::new(),
        background: Background::Gradient {
            from,
            to,
            angle_deg: 35.0,
        },
        text_color: Color::rgb(0xf5, 0xf5, 0xf0),
    }
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
