//! The built plugin works with GStreamer's own tools, as its docs say.

use std::path::PathBuf;
use std::process::Command;

/// The folder holding `libgstreel.so`, beside the `reel` binary cargo built.
fn plugin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reel"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn gst_tool(tool: &str, args: &[&str]) -> (bool, String) {
    let dir = plugin_dir();
    assert!(
        dir.join("libgstreel.so").is_file(),
        "plugin not built in {}",
        dir.display()
    );
    let registry = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new(tool)
        .args(args)
        .env("GST_PLUGIN_PATH", &dir)
        .env("GST_REGISTRY", registry.path())
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e} (make setup installs gstreamer1.0-tools)"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn gst_inspect_lists_the_elements_and_their_properties() {
    let (ok, text) = gst_tool("gst-inspect-1.0", &["reel"]);
    assert!(ok, "{text}");
    assert!(
        ["reelkenburns", "reelmusic", "reelcrop", "reellipsync"]
            .iter()
            .all(|element| text.contains(element)),
        "{text}"
    );
    let (ok, text) = gst_tool("gst-inspect-1.0", &["reelkenburns"]);
    assert!(ok, "{text}");
    for property in [
        "duration",
        "zoom-from",
        "zoom-to",
        "curve",
        "fit",
        "shift-x",
        "timestamp-offset",
    ] {
        assert!(text.contains(property), "{property} missing:\n{text}");
    }
}

#[test]
fn the_documented_launch_line_runs() {
    let (ok, text) = gst_tool(
        "gst-launch-1.0",
        &[
            "-q",
            "videotestsrc",
            "num-buffers=1",
            "!",
            "video/x-raw,width=640,height=360",
            "!",
            "videoconvert",
            "!",
            "reelkenburns",
            "duration=1000000000",
            "zoom-from=1.0",
            "zoom-to=1.15",
            "!",
            "video/x-raw,width=320,height=180,framerate=30/1",
            "!",
            "videoconvert",
            "!",
            "fakesink",
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = gst_tool(
        "gst-launch-1.0",
        &[
            "-q",
            "reelmusic",
            "mood=uplifting",
            "tempo=110",
            "key=D",
            "duration=1000000000",
            "!",
            "audioconvert",
            "!",
            "fakesink",
        ],
    );
    assert!(ok, "{text}");
    let line = "videotestsrc num-buffers=3 ! video/x-raw,width=1920,height=1080 ! \
                reelcrop left=600 width=608 height=1080 ! video/x-raw,width=1080,height=1920 ! \
                videoconvert ! fakesink";
    let mut args = vec!["-q"];
    args.extend(line.split_whitespace());
    let (ok, text) = gst_tool("gst-launch-1.0", &args);
    assert!(ok, "{text}");
}

#[test]
fn the_documented_reelbeats_line_finds_the_beds_tempo() {
    // The line from reelbeats' docs, on a bed written to a file first.
    let dir = tempfile::tempdir().unwrap();
    let bed = dir.path().join("bed.wav");
    let location = format!("location={}", bed.display());
    let (ok, text) = gst_tool(
        "gst-launch-1.0",
        &[
            "-q",
            "reelmusic",
            "mood=uplifting",
            "tempo=120",
            "duration=12000000000",
            "!",
            "audioconvert",
            "!",
            "wavenc",
            "!",
            "filesink",
            &location,
        ],
    );
    assert!(ok, "{text}");
    let (ok, text) = gst_tool(
        "gst-launch-1.0",
        &[
            "-m",
            "filesrc",
            &location,
            "!",
            "decodebin",
            "!",
            "audioconvert",
            "!",
            "audio/x-raw,format=F32LE,channels=1",
            "!",
            "reelbeats",
            "!",
            "fakesink",
        ],
    );
    assert!(ok, "{text}");
    let done = text
        .lines()
        .find(|l| l.contains("reelbeats-done"))
        .unwrap_or_else(|| panic!("no reelbeats-done in:\n{text}"));
    let bpm: f64 = done
        .split("bpm=(double)")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no bpm in {done}"));
    assert!((bpm - 120.0).abs() < 2.4, "{done}");
    assert!(text.contains("reelbeats-beat"), "{text}");
}
