//! Face-aware vertical reframing, checked on the pixels of the output: 16:9 footage made here
//! from scikit-image's astronaut photograph (`make setup` takes it from the wheel) in three
//! shots — her head crossing the frame left to right, then still at the left on another
//! colour, then two of her far apart — edited to 1080x1920 by `reel edit`.
//!
//! Where the window was is read back from where her head shows in each output frame (its
//! position in the footage is known), so coverage and jitter are measured without reel's own
//! numbers.

mod common;

use common::footage::ffmpeg;
use common::{repo, run_reel};
use std::path::Path;

const FPS: f64 = 30.0;
/// The head photo's size in the footage, pixels.
const HEAD: (f64, f64) = (330.0, 380.0);
/// Where her face is inside the head photo (fractions of its width): centre and half width.
const FACE_CENTRE: f64 = 0.475;
const FACE_HALF: f64 = 0.235;
/// The window's width in the footage (9:16 of 1080 rows).
const WINDOW: f64 = 608.0;
/// Output frames are read at a quarter size: 270x480.
const READ: (usize, usize) = (270, 480);
/// Footage pixels per read pixel.
const SCALE: f64 = 1080.0 / 480.0;

/// The head's left edge in shot 1 at `t` seconds: 100 px to 1490 px in 4 s.
fn moving_head(t: f64) -> f64 {
    100.0 + t / 4.0 * (1920.0 - HEAD.0 - 200.0)
}

fn footage(dir: &Path) -> std::path::PathBuf {
    let photo = repo().join(".deps/samples/astronaut.png");
    assert!(
        photo.is_file(),
        "{} is missing: run `make setup`",
        photo.display()
    );
    let head = dir.join("head.png");
    ffmpeg(&[
        "-i",
        &photo.to_string_lossy(),
        "-vf",
        "crop=200:230:130:30",
        &head.to_string_lossy(),
    ]);
    let out = dir.join("faces.mp4");
    let graph = "[3]scale=330:-1,split=4[h1][h2][h3][h4];\
        [0][h1]overlay=x='100+t/4*(1920-330-200)':y=300[a];\
        [1][h2]overlay=x=150:y=350[b];\
        [2][h3]overlay=x=100:y=300[c0];[c0][h4]overlay=x=1450:y=300[c];\
        [a][b][c]concat=n=3:v=1:a=0";
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=0x3a7d44:s=1920x1080:r=30:d=4",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x2b4c9a:s=1920x1080:r=30:d=2",
        "-f",
        "lavfi",
        "-i",
        "color=c=0x9a5b2b:s=1920x1080:r=30:d=2",
        "-i",
        &head.to_string_lossy(),
        "-filter_complex",
        graph,
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        &out.to_string_lossy(),
    ]);
    out
}

/// Every frame of `video` at [`READ`] size, RGB.
fn frames(video: &Path) -> Vec<Vec<u8>> {
    let output = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(video)
        .args([
            "-vf",
            "scale=270:480",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(output.status.success());
    output
        .stdout
        .chunks_exact(READ.0 * READ.1 * 3)
        .map(<[u8]>::to_vec)
        .collect()
}

/// The first and last columns where a frame differs from the plain `background`, in its
/// middle rows.
fn head_columns(frame: &[u8], background: [u8; 3]) -> Option<(usize, usize)> {
    let differs = |x: usize| {
        (200..280).any(|y| {
            let p = &frame[(y * READ.0 + x) * 3..][..3];
            p.iter().zip(background).any(|(a, b)| a.abs_diff(b) > 40)
        })
    };
    let first = (0..READ.0).find(|&x| differs(x))?;
    let last = (0..READ.0).rev().find(|&x| differs(x))?;
    Some((first, last))
}

/// Where the window's left edge was in the footage, from where the head (left edge at
/// `head_left` in the footage) shows in the frame.
fn window_left(frame: &[u8], background: [u8; 3], head_left: f64) -> Option<f64> {
    let (first, last) = head_columns(frame, background)?;
    let shown_left = if first > 0 {
        first as f64 * SCALE
    } else {
        (last + 1) as f64 * SCALE - HEAD.0
    };
    Some(head_left - shown_left)
}

/// Whether her face (head left edge at `head_left`) is wholly inside a window at `left`.
fn face_inside(left: f64, head_left: f64) -> bool {
    let centre = head_left + FACE_CENTRE * HEAD.0;
    let half = FACE_HALF * HEAD.0;
    let slack = SCALE; // one read pixel
    centre - half >= left - slack && centre + half <= left + WINDOW + slack
}

#[test]
fn a_face_crossing_the_frame_stays_in_the_vertical_window_and_the_window_resets_at_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let video = footage(dir.path());
    let out = dir.path().join("out");
    let result = run_reel(
        &[
            "edit",
            &video.to_string_lossy(),
            "--profile",
            "shorts-1080x1920",
            "-o",
            &out.to_string_lossy(),
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(
        stdout.contains("reframed shorts-1080x1920: track, steady, pad"),
        "{stdout}"
    );
    let frames = frames(&out.join("faces-shorts-1080x1920.mp4"));
    assert_eq!(frames.len(), 240, "8 s at 30 fps");

    // Shot 1: the window follows her.
    let green = [0x3a, 0x7d, 0x44];
    let mut lefts = Vec::new();
    let mut inside = 0;
    for (n, frame) in frames[..120].iter().enumerate() {
        let head = moving_head(n as f64 / FPS);
        let left = window_left(frame, green, head).unwrap_or_else(|| panic!("frame {n}: no head"));
        inside += usize::from(face_inside(left, head));
        lefts.push(left);
    }
    let coverage = inside as f64 / 120.0;
    let jitter = lefts
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f64::max);
    println!(
        "coverage {:.1}% of frames, jitter at most {jitter:.1} px a frame",
        coverage * 100.0
    );
    assert!(coverage >= 0.95, "coverage {coverage}");
    // The speed cap (1.5 windows a second) plus what reading at a quarter size blurs.
    let limit = 1.5 * WINDOW / FPS + 2.0 * SCALE;
    assert!(jitter <= limit, "jitter {jitter:.1} px over {limit:.1}");
    assert!(
        lefts[119] - lefts[0] > 700.0,
        "the window moved with her: {lefts:?}"
    );

    // Shot 2: from its very first frame the window is on her, and it stays put.
    let blue = [0x2b, 0x4c, 0x9a];
    let still: Vec<f64> = frames[120..180]
        .iter()
        .map(|f| window_left(f, blue, 150.0).expect("her head in shot 2"))
        .collect();
    assert!(
        still.iter().all(|&left| face_inside(left, 150.0)),
        "{still:?}"
    );
    assert!(
        still.iter().all(|&left| (left - still[0]).abs() <= SCALE),
        "{still:?}"
    );

    // Shot 3: two faces too far apart for one window: the whole picture over a blurred fill
    // (its colour, not black bars).
    let padded = &frames[210];
    let top = &padded[(40 * READ.0 + 135) * 3..][..3];
    assert!(
        top.iter()
            .zip([0x9a, 0x5b, 0x2b])
            .all(|(a, b)| a.abs_diff(b) < 30),
        "{top:?}"
    );

    let json = std::fs::read_to_string(out.join("faces-shorts-1080x1920-reframe.json")).unwrap();
    let clips: serde_json::Value = serde_json::from_str(&json).unwrap();
    let modes: Vec<&str> = clips
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"]["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["track", "steady", "pad"]);
}
