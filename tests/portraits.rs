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

#[test]
fn faces_in_photographs() {
    common::init();
    let cache = tempfile::tempdir().unwrap();
    for name in [
        "astronaut.png",
        "camera.png",
        "grace_hopper.jpg",
        "chelsea.png",
    ] {
        let face = face_of(&sample(name), cache.path());
        match face {
            Ok(f) => println!(
                "{name}: {:?} mouth {:?} {:?}",
                f.face, f.points[13], f.points[14]
            ),
            Err(e) => println!("{name}: {e}"),
        }
    }
    println!("{:?}", face_of(&sample("coffee.png"), cache.path()).err());
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
    let face = face_of(&path, dir.path());
    match face {
        Ok(f) => println!(
            "drawn: {:?} mouth {:?} {:?}",
            f.face, f.points[13], f.points[14]
        ),
        Err(e) => println!("drawn: {e}"),
    }
    std::fs::copy(&path, "/tmp/drawn.png").unwrap();
}
