//! Footage as `reel edit` first meets it: exact frame rates and rotation read from the file,
//! and files that cannot be edited refused with one line naming the file and the problem.

mod common;

use common::footage::{ffmpeg, test_pattern};
use reel::footage::probe;

#[test]
fn odd_frame_rates_are_read_as_exact_fractions() {
    let dir = tempfile::tempdir().unwrap();
    for (rate, want) in [("30000/1001", (30000, 1001)), ("60000/1001", (60000, 1001))] {
        let path = dir.path().join(format!("{}.mp4", want.0));
        test_pattern(&path, rate);
        let footage = probe::probe(&path).unwrap();
        assert_eq!(footage.rate, want, "{footage:?}");
        assert!(!footage.variable_rate);
        assert_eq!((footage.width, footage.height), (320, 240));
        assert!((footage.duration - 30.0 * f64::from(want.1) / f64::from(want.0)).abs() < 0.05);
        assert_eq!(footage.audio, None);
    }
}

#[test]
fn a_phones_rotation_tag_turns_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.mp4");
    test_pattern(&plain, "30/1");
    let turned = dir.path().join("turned.mp4");
    let (from, to) = (plain.to_str().unwrap(), turned.to_str().unwrap());
    ffmpeg(&["-i", from, "-c", "copy", "-metadata:s:v:0", "rotate=90", to]);
    let footage = probe::probe(&turned).unwrap();
    // ffmpeg's `rotate` counts the other way round from GStreamer's clockwise orientation
    // tag; either way the picture stands on its side.
    assert_eq!(footage.rotation, 270, "{footage:?}");
    assert_eq!(footage.shown_size(), (240, 320));
    assert_eq!(probe::probe(&plain).unwrap().rotation, 0);
}

#[test]
fn bad_footage_gets_one_clear_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (path, problem) in common::footage::unusable(d) {
        let file = path.file_name().unwrap().to_str().unwrap();
        let output = common::run_reel(&["edit", file, "-q", "-o", "out"], d);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{file} was accepted");
        assert_eq!(stderr.trim().lines().count(), 1, "{file}: {stderr}");
        assert!(
            stderr.contains(file) && stderr.contains(problem),
            "{file}: {stderr}"
        );
        assert!(
            !d.join("out").exists() || std::fs::read_dir(d.join("out")).unwrap().count() == 0,
            "{file} left output"
        );
    }
}

#[test]
fn shots_are_found_at_the_cuts_with_a_thumbnail_each_and_a_contact_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Three shots of 2, 1.5 and 2.5 s; the middle one zooms in as it plays (motion, not a cut).
    std::fs::write(
        d.join("shots.toml"),
        "[[clips]]\nduration = 2.0\nsource = { kind = \"card\", title = \"One\", background = { kind = \"solid\", color = \"#1d3557\" } }\n\
         [[clips]]\nduration = 1.5\nsource = { kind = \"card\", title = \"Two\", background = { kind = \"gradient\", from = \"#e63946\", to = \"#f1faee\" } }\n\
         motion = { from = { zoom = 1.0 }, to = { zoom = 1.4 } }\n\
         [[clips]]\nduration = 2.5\nsource = { kind = \"card\", title = \"Three\", background = { kind = \"solid\", color = \"#2a9d8f\" } }\n",
    )
    .unwrap();
    let output = common::run_reel(
        &["render", "shots.toml", "--preview", "-q", "-o", "shots.mp4"],
        d,
    );
    assert!(output.status.success(), "{output:?}");
    let footage = probe::probe(&d.join("shots.mp4")).unwrap();
    let found =
        reel::footage::shots::detect(&footage, &d.join("thumbs"), None, &Default::default())
            .unwrap();
    let starts: Vec<f64> = found.shots.iter().map(|s| s.start).collect();
    assert_eq!(starts.len(), 3, "{starts:?}");
    assert!(
        (starts[1] - 2.0).abs() <= 0.1 && (starts[2] - 3.5).abs() <= 0.1,
        "{starts:?}"
    );
    assert!((found.shots[2].end - footage.duration).abs() < 1e-9);
    for shot in &found.shots {
        let info = reel::render::probe::probe(&shot.thumbnail)
            .unwrap()
            .video
            .unwrap();
        assert_eq!((info.width, info.height), (320, 180), "{shot:?}");
    }
    let sheet = reel::render::probe::probe(&found.contact_sheet)
        .unwrap()
        .video
        .unwrap();
    assert_eq!((sheet.width, sheet.height), (3 * 320 + 4 * 4, 180 + 2 * 4));
}
