//! Footage for the editing tests, made here: a narrator with pauses rendered by reel itself,
//! music beds at known tempos, and files that cannot be edited.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the narrator says, one line per shot.
const LINES: [&str; 4] = [
    "The boats leave the harbour before the sun is up.",
    "By noon the fish are sold in the square.",
    "Children run up the hill to watch the ferry.",
    "At night the town is quiet again.",
];

/// Each line's shot has a background of its own, so the footage has real cuts.
pub const SHOT_COLOURS: [&str; 4] = ["#1d3557", "#e63946", "#2a9d8f", "#f4a261"];

/// Silence after each line, seconds: pauses a speaker leaves, and dead air.
const PAUSES: [f64; 4] = [1.2, 0.05, 2.5, 1.0];

/// `dir/talk.mp4`: 16:9 footage of a narrator (the active voice model) with pauses between
/// the lines and no music, made by rendering an edit spec with reel.
pub fn narrated(dir: &Path) -> PathBuf {
    super::init();
    let voice = reel::models::Registry::locate()
        .active_for("tts")
        .expect("make test installs the default voice");
    let model_dir = reel::models::Registry::locate().model_dir(&voice.id);
    let mut spec = String::from("name = \"talk\"\n");
    let mut at = 0.6;
    for (i, (line, pause)) in LINES.iter().zip(PAUSES).enumerate() {
        let wav = dir.join(format!("line{i}.wav"));
        run(&format!(
            "reelspeech text=\"{line}\" model-dir=\"{}\" ! audioconvert ! wavenc ! \
             filesink location={}",
            model_dir.display(),
            wav.display()
        ));
        let length = super::audio_samples_at(&wav, 16_000, 1).len() as f64 / 16_000.0;
        let shot = if i == 0 {
            at + length + pause
        } else {
            length + pause
        };
        spec += &format!(
            "[[clips]]\nduration = {shot:.3}\nsource = {{ kind = \"card\", title = \"Shot {}\", \
             background = {{ kind = \"solid\", color = \"{}\" }} }}\n\
             [[audio.voice]]\npath = \"line{i}.wav\"\nstart = {at:.3}\n",
            i + 1,
            SHOT_COLOURS[i]
        );
        at += length + pause;
    }
    std::fs::write(dir.join("talk.toml"), spec).unwrap();
    let output = super::run_reel(
        &["render", "talk.toml", "--preview", "-q", "-o", "talk.mp4"],
        dir,
    );
    assert!(output.status.success(), "{output:?}");
    dir.join("talk.mp4")
}

/// Plays a gst-launch line to its end.
pub fn run(description: &str) {
    use gst::prelude::*;
    let pipeline = gst::parse::launch(description).unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    for message in bus.iter_timed(gst::ClockTime::from_seconds(120)) {
        match message.view() {
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!("{description}: {}", e.error()),
            _ => {}
        }
    }
    pipeline.set_state(gst::State::Null).unwrap();
}

/// `dir/bed.wav`: 30 s of reelmusic at `tempo` BPM.
pub fn music(dir: &Path, tempo: f64) -> PathBuf {
    super::init();
    run(&format!(
        "reelmusic mood=uplifting tempo={tempo} key=D duration=30000000000 ! audioconvert ! \
         wavenc ! filesink location={}",
        dir.join("bed.wav").display()
    ));
    dir.join("bed.wav")
}

/// A tempo near 120 BPM whose beats (from 0 s) include `time`.
pub fn tempo_with_a_beat_at(time: f64) -> f64 {
    let beats = (time / 0.5).round();
    60.0 * beats / time
}

/// Files `reel edit` must refuse, each with the words its error must hold: empty, text with a
/// video's name, an MP4 cut short, and sound without video.
pub fn unusable(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    std::fs::write(dir.join("empty.mp4"), b"").unwrap();
    std::fs::write(
        dir.join("notes.mp4"),
        "Shopping list:\n- eggs\n- milk\n".repeat(40),
    )
    .unwrap();
    let good = dir.join("good.mp4");
    test_pattern(&good, "30/1");
    let bytes = std::fs::read(&good).unwrap();
    // mp4mux writes its index last: a copy cut short loses it, and the data box runs on.
    std::fs::write(dir.join("cut.mp4"), &bytes[..bytes.len() / 2]).unwrap();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-c:a",
        "aac",
        dir.join("sound.mp4").to_str().unwrap(),
    ]);
    vec![
        (dir.join("empty.mp4"), "the file is empty"),
        (dir.join("notes.mp4"), "not a video file"),
        (dir.join("cut.mp4"), "truncated"),
        (
            dir.join("sound.mp4"),
            "no video stream (it holds only sound)",
        ),
    ]
}

/// One second of H.264 test pattern at `rate` in an MP4.
pub fn test_pattern(path: &Path, rate: &str) {
    let pipeline = format!(
        "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240,framerate={rate} ! \
         x264enc speed-preset=ultrafast ! mp4mux ! filesink location={}",
        path.display()
    );
    let status = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline.split_whitespace())
        .status()
        .expect("gst-launch-1.0 runs");
    assert!(status.success(), "{pipeline}");
}

pub fn ffmpeg(args: &[&str]) {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(output.status.success(), "ffmpeg {args:?}: {output:?}");
}
