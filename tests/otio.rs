//! `--otio` writes the cut as an OpenTimelineIO file that OpenTimelineIO's own package reads:
//! the clips, transitions and sound at the times reel rendered them.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn reel(args: &[&str], dir: &Path) -> String {
    let output = common::run_reel(args, dir);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "reel {args:?}:\n{text}");
    text
}

/// What OpenTimelineIO makes of `otio`: each track's items with their place on the track.
const READ_BACK: &str = r#"
import json, sys
import opentimelineio as otio
timeline = otio.adapters.read_from_file(sys.argv[1])
tracks = []
for track in timeline.tracks:
    items = []
    for item in track:
        entry = {"schema": item.schema_name(), "name": item.name}
        if isinstance(item, otio.core.Item):
            placed = item.range_in_parent()
            entry["start"] = placed.start_time.to_seconds()
            entry["duration"] = placed.duration.to_seconds()
            entry["source_start"] = item.source_range.start_time.value
            entry["rate"] = item.source_range.start_time.rate
        if isinstance(item, otio.schema.Clip):
            entry["reference"] = item.media_reference.schema_name()
        items.append(entry)
    tracks.append({
        "name": track.name,
        "kind": track.kind,
        "duration": track.duration().to_seconds(),
        "items": items,
        "markers": [m.name for m in track.markers],
    })
print(json.dumps({"duration": timeline.duration().to_seconds(), "tracks": tracks}))
"#;

fn python() -> std::path::PathBuf {
    reel::models::install::python()
}

fn read_back(otio: &Path) -> Value {
    let output = Command::new(python())
        .args(["-c", READ_BACK])
        .arg(otio)
        .output()
        .expect("python runs (make setup installs opentimelineio)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// OpenTimelineIO's own command line tools accept the file.
fn otio_tools_accept(otio: &Path) {
    let bin = python().parent().unwrap().to_path_buf();
    for (tool, args) in [
        ("otiostat", vec![]),
        (
            "otiotool",
            vec!["--verify-ranges", "--list-clips", "--input"],
        ),
    ] {
        let output = Command::new(bin.join(tool))
            .args(args)
            .arg(otio)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{tool}:\n{text}");
        assert!(!text.contains("Traceback"), "{tool}:\n{text}");
    }
}

fn probe_duration(file: &Path) -> f64 {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

fn items<'a>(track: &'a Value, schema: &str) -> Vec<&'a Value> {
    track["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["schema"] == schema)
        .collect()
}

#[test]
fn an_edit_specs_cut_reads_back_with_its_clips_transitions_and_rates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Footage at NTSC's 30000/1001, the rate its clip must be timed at.
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=30000/1001",
        ])
        .args([
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "footage.mp4",
        ])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(status.success());
    let image =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/images/lighthouse-sunrise.jpg");
    std::fs::write(
        d.join("cut.toml"),
        format!(
            r#"name = "Cut"
[[clips]]
duration = 2.0
source = {{ kind = "card", title = "Open" }}
[[clips]]
duration = 2.0
source = {{ kind = "video", path = "footage.mp4", in_s = 1.0 }}
transition = {{ kind = "dissolve", duration = 0.5 }}
[[clips]]
duration = 1.5
source = {{ kind = "image", path = "{}" }}
transition = {{ kind = "wipe-left", duration = 0.4 }}
[[captions]]
start = 0.5
end = 1.5
text = "Open on the card."
[audio]
music = {{ source = {{ kind = "generated", mood = "calm", tempo = 90 }}, gain_db = -12.0 }}
"#,
            image.display()
        ),
    )
    .unwrap();
    reel(
        &[
            "render",
            "cut.toml",
            "--preview",
            "-q",
            "-o",
            "out/cut.mp4",
            "--otio",
            "out/cut.otio",
        ],
        d,
    );
    let otio = d.join("out/cut.otio");
    otio_tools_accept(&otio);
    let back = read_back(&otio);

    // 2 + 2 + 1.5 - 0.5 - 0.4 = 4.6 s, as long as the render.
    let rendered = probe_duration(&d.join("out/cut.mp4"));
    let video = &back["tracks"][0];
    assert_eq!(video["kind"], "Video");
    assert!(
        (video["duration"].as_f64().unwrap() - 4.6).abs() < 0.05,
        "{video}"
    );
    assert!((rendered - 4.6).abs() < 0.1, "rendered {rendered} s");
    let clips = items(video, "Clip");
    assert_eq!(clips.len(), 3, "{video}");
    assert_eq!(items(video, "Transition").len(), 2);
    assert_eq!(
        clips
            .iter()
            .map(|c| c["reference"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "GeneratorReference",
            "ExternalReference",
            "ExternalReference"
        ]
    );
    // The clips start at 0, 1.5 and 3.1 s on the render's timeline; each cut
    // sits mid-overlap: 1.5 + 0.25 and 3.1 + 0.2.
    let near = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 0.04;
    assert!(near(&clips[1]["start"], 1.75), "{}", clips[1]);
    assert!(near(&clips[2]["start"], 3.3), "{}", clips[2]);
    // The footage clip at its own rate, from 1.25 s into the file.
    assert!((clips[1]["rate"].as_f64().unwrap() - 30000.0 / 1001.0).abs() < 1e-6);
    assert_eq!(
        clips[1]["source_start"].as_f64().unwrap(),
        (1.25f64 * 30000.0 / 1001.0).round()
    );
    assert_eq!(video["markers"], serde_json::json!(["Open on the card."]));
    let music = back["tracks"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (music["name"].as_str(), music["kind"].as_str()),
        (Some("Music"), Some("Audio"))
    );
    assert!(near(&music["duration"], 4.6), "{music}");
}

#[test]
fn a_scripts_voices_land_where_they_are_heard() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("talk.txt"),
        "Scene 1: A quay at dawn\nNARRATOR: The boats are out.\n\n\
         Scene 2: The harbour at noon\nNARRATOR: They come home with the tide.\n",
    )
    .unwrap();
    reel(
        &[
            "render",
            "talk.txt",
            "--preview",
            "--espeak",
            "-q",
            "-o",
            "out",
            "--otio",
            "talk.otio",
        ],
        d,
    );
    let otio = d.join("talk.otio");
    otio_tools_accept(&otio);
    let back = read_back(&otio);
    let tracks = back["tracks"].as_array().unwrap();
    assert_eq!(items(&tracks[0], "Clip").len(), 2, "one clip per scene");
    let voice = tracks
        .iter()
        .find(|t| t["name"] == "Voice")
        .expect("a voice track");
    let lines = items(voice, "Clip");
    assert_eq!(lines.len(), 2, "{voice}");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&otio).unwrap()).unwrap();
    // Each line starts where the timeline put its cue.
    let cues: Vec<f64> = document["tracks"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "Voice")
        .flat_map(|t| t["children"].as_array().unwrap().clone())
        .filter(|i| i["OTIO_SCHEMA"] == "Clip.2")
        .map(|i| i["metadata"]["reel"]["start"].as_f64().unwrap())
        .collect();
    // OTIO times are whole frames (24 fps here), and cues move with their clip onto the grid.
    for (line, cue) in lines.iter().zip(&cues) {
        assert!(
            (line["start"].as_f64().unwrap() - cue).abs() < 1.5 / 24.0,
            "{line} vs {cue}"
        );
        assert!(line["duration"].as_f64().unwrap() > 0.5, "{line}");
    }
    let total = back["duration"].as_f64().unwrap();
    let rendered = probe_duration(&d.join("out/talk-preview-480p.mp4"));
    assert!(
        (total - rendered).abs() < 0.1,
        "otio {total} s, render {rendered} s"
    );
}
