//! Faces found in portraits no test was tuned on: photographs from scikit-image's and
//! matplotlib's sample data (`make setup` takes them from the wheels), and a face drawn here.

mod common;

use common::repo;
use reel::lipsync::portrait::{self, PortraitFace};
use reel::render::cache::Cache;
use std::path::Path;

fn sample(name: &str) -> std::path::PathBuf {
    repo().join(".deps/samples").join(name)
}

fn face_of(path: &Path, cache: &Path) -> Result<PortraitFace, String> {
    portrait::face_of(path, &Cache::at(cache))
        .map(|(face, _)| face)
        .map_err(|e| e.to_string())
}

/// The face's parts sit where a face has them: both eyes above the nose, the nose above the
/// mouth, the mouth's corners either side of its middle, all inside the face box (with a
/// margin for the chin).
fn check_anatomy(name: &str, f: &PortraitFace) {
    assert_eq!(f.points.len(), 468, "{name}");
    let p = |i: usize| (f.points[i][0], f.points[i][1]);
    let [left, top, width, height] = f.face;
    let inside = |(x, y): (f32, f32)| {
        x > left - width * 0.1
            && x < left + width * 1.1
            && y > top - height * 0.1
            && y < top + height * 1.25
    };
    let mouth = ((p(13).0 + p(14).0) / 2.0, (p(13).1 + p(14).1) / 2.0);
    let (nose, eyes) = (p(1), [p(159), p(386)]);
    for part in [mouth, nose, eyes[0], eyes[1]] {
        assert!(
            inside(part),
            "{name}: {part:?} outside the face {:?}",
            f.face
        );
    }
    assert!(
        eyes[0].1 < nose.1 && eyes[1].1 < nose.1 && nose.1 < mouth.1,
        "{name}"
    );
    assert!(eyes[0].0 < eyes[1].0, "{name}: eyes crossed");
    assert!(
        p(61).0 < mouth.0 && mouth.0 < p(291).0,
        "{name}: mouth corners"
    );
    // A mouth is a good part of the face wide (less for a face turned away, as the
    // cameraman's is).
    let mouth_width = p(291).0 - p(61).0;
    assert!(
        mouth_width > width * 0.15 && mouth_width < width * 0.8,
        "{name}: {mouth_width}"
    );
}

#[test]
fn faces_and_their_landmarks_in_photographs() {
    common::init();
    let cache = tempfile::tempdir().unwrap();
    for name in ["astronaut.png", "camera.png", "grace_hopper.jpg"] {
        let face = face_of(&sample(name), cache.path()).unwrap_or_else(|e| panic!("{e}"));
        check_anatomy(name, &face);
    }
    // Looked at once: the second time comes from the cache, the same.
    let (first, file) =
        portrait::face_of(&sample("astronaut.png"), &Cache::at(cache.path())).unwrap();
    assert!(file.starts_with(cache.path()) && file.is_file());
    assert_eq!(
        face_of(&sample("astronaut.png"), cache.path()).unwrap(),
        first
    );
}

#[test]
fn a_picture_without_a_face_is_an_error_naming_it() {
    common::init();
    let cache = tempfile::tempdir().unwrap();
    for name in ["coffee.png", "chelsea.png"] {
        let err = face_of(&sample(name), cache.path()).unwrap_err();
        assert!(err.contains(name) && err.contains("no face found"), "{err}");
    }
}

/// A face drawn with cairo: hair, skin, eyes with irises, brows, nose, lips.
fn draw_face(path: &Path) {
    let side = 512;
    let mut surface =
        pangocairo::cairo::ImageSurface::create(pangocairo::cairo::Format::Rgb24, side, side)
            .unwrap();
    let cr = pangocairo::cairo::Context::new(&surface).unwrap();
    let ellipse = |x: f64, y: f64, rx: f64, ry: f64, rgb: (f64, f64, f64)| {
        cr.save().unwrap();
        cr.translate(x, y);
        cr.scale(rx, ry);
        cr.arc(0.0, 0.0, 1.0, 0.0, std::f64::consts::TAU);
        cr.restore().unwrap();
        cr.set_source_rgb(rgb.0, rgb.1, rgb.2);
        cr.fill().unwrap();
    };
    cr.set_source_rgb(0.55, 0.7, 0.85);
    cr.paint().unwrap();
    ellipse(256.0, 200.0, 150.0, 140.0, (0.25, 0.15, 0.08));
    ellipse(256.0, 420.0, 60.0, 80.0, (0.85, 0.68, 0.55));
    ellipse(256.0, 270.0, 120.0, 155.0, (0.93, 0.76, 0.63));
    for x in [205.0, 307.0] {
        ellipse(x, 240.0, 26.0, 13.0, (0.98, 0.98, 0.98));
        ellipse(x, 240.0, 11.0, 11.0, (0.3, 0.2, 0.1));
        ellipse(x, 240.0, 5.0, 5.0, (0.0, 0.0, 0.0));
        ellipse(x, 212.0, 30.0, 5.0, (0.25, 0.15, 0.08));
    }
    ellipse(256.0, 300.0, 14.0, 9.0, (0.8, 0.6, 0.5));
    ellipse(256.0, 352.0, 42.0, 11.0, (0.75, 0.35, 0.35));
    cr.set_source_rgb(0.4, 0.15, 0.15);
    cr.set_line_width(2.5);
    cr.move_to(216.0, 352.0);
    cr.line_to(296.0, 352.0);
    cr.stroke().unwrap();
    drop(cr);
    surface.flush();
    let stride = surface.stride() as usize;
    let data = surface.data().unwrap();
    let rgb: Vec<u8> = (0..side as usize * side as usize)
        .flat_map(|i| {
            let at = (i / side as usize) * stride + (i % side as usize) * 4;
            [data[at + 2], data[at + 1], data[at]]
        })
        .collect();
    reel::render::png::write_rgb(path, side as u32, side as u32, &rgb).unwrap();
}

#[test]
fn a_drawn_face() {
    common::init();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drawn.png");
    draw_face(&path);
    let face = face_of(&path, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    check_anatomy("drawn.png", &face);
    // Its mouth is where it was drawn: centred at (256, 352).
    let mouth = (
        (face.points[13][0] + face.points[14][0]) / 2.0,
        (face.points[13][1] + face.points[14][1]) / 2.0,
    );
    assert!(
        (mouth.0 - 256.0).abs() < 12.0 && (mouth.1 - 352.0).abs() < 12.0,
        "{mouth:?}"
    );
}
