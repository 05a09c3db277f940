//! Footage as `reel edit` first meets it: exact frame rates and rotation read from the file,
//! and files that cannot be edited refused with one line naming the file and the problem.

mod common;

use reel::footage::probe;
use std::path::Path;
use std::process::Command;

fn gst_launch(pipeline: &str) {
    let status = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline.split_whitespace())
        .status()
        .expect("gst-launch-1.0 runs");
    assert!(status.success(), "{pipeline}");
}

fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(output.status.success(), "ffmpeg {args:?}: {output:?}");
}

/// One second of H.264 test pattern at `rate` in an MP4.
fn clip(path: &Path, rate: &str) {
    gst_launch(&format!(
        "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate={rate} ! \
         x264enc speed-preset=ultrafast ! mp4mux ! filesink location={}",
        path.display()
    ));
}

#[test]
fn odd_frame_rates_are_read_as_exact_fractions() {
    let dir = tempfile::tempdir().unwrap();
    for (rate, want) in [("30000/1001", (30000, 1001)), ("60000/1001", (60000, 1001))] {
        let path = dir.path().join(format!("{}.mp4", want.0));
        clip(&path, rate);
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
    clip(&plain, "30/1");
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
    std::fs::write(d.join("empty.mp4"), b"").unwrap();
    std::fs::write(
        d.join("notes.mp4"),
        "Shopping list:\n- eggs\n- milk\n".repeat(40),
    )
    .unwrap();
    let good = d.join("good.mp4");
    clip(&good, "30/1");
    let bytes = std::fs::read(&good).unwrap();
    // mp4mux writes its index last: a copy cut short loses it, and the data box runs on.
    std::fs::write(d.join("cut.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "aac",
        d.join("sound.mp4").to_str().unwrap(),
    ]);
    for (file, problem) in [
        ("empty.mp4", "the file is empty"),
        ("notes.mp4", "not a video file"),
        ("cut.mp4", "truncated"),
        ("sound.mp4", "no video stream (it holds only sound)"),
    ] {
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
