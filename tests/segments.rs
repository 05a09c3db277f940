//! A render made of separately encoded segments is a whole, correct video: it plays end to
//! end in ffmpeg and GStreamer without errors, its frames are evenly timed, its sound stays
//! with its picture across the joins, and it matches a one-pass render of the same timeline
//! frame for frame in length and within the encoder's noise in pixels.

mod common;

use std::path::Path;
use std::process::Command;

/// Seconds at which the picture cuts between dark and bright, each with a click on the sound.
const CUTS: [f64; 4] = [2.0, 4.5, 6.5, 11.5];

/// A 20 ms 1 kHz burst, 48 kHz mono 16-bit.
fn write_click(path: &Path) {
    let rate = 48_000u32;
    let samples: Vec<i16> = (0..rate / 50)
        .map(|i| ((i as f64 * 1000.0 * std::f64::consts::TAU / 48_000.0).sin() * 20_000.0) as i16)
        .collect();
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut wav = Vec::new();
    wav.extend(b"RIFF");
    wav.extend((36 + data.len() as u32).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes());
    wav.extend(1u16.to_le_bytes());
    wav.extend(rate.to_le_bytes());
    wav.extend((rate * 2).to_le_bytes());
    wav.extend(2u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend((data.len() as u32).to_le_bytes());
    wav.extend(data);
    std::fs::write(path, wav).unwrap();
}

/// Dark and bright cards cut at [`CUTS`], a photograph coming in with a dissolve and going
/// out with a fade, captions over the joins, and a click at every cut.
fn write_spec(dir: &Path) -> std::path::PathBuf {
    write_click(&dir.join("click.wav"));
    let photo = common::repo().join("examples/images/lighthouse-sunrise.jpg");
    let card = |duration: f64, colour: &str, transition: &str| {
        format!(
            "[[clips]]\nduration = {duration}\nsource = {{ kind = \"card\", title = \"\", \
             background = {{ kind = \"solid\", color = \"{colour}\" }} }}\n{transition}\n"
        )
    };
    let mut spec = String::from("name = \"joins\"\n");
    spec += &card(2.0, "#101010", "");
    spec += &card(2.5, "#f0f0f0", "");
    spec += &card(2.0, "#101010", "");
    spec += &card(2.0, "#f0f0f0", "");
    spec += &format!(
        "[[clips]]\nduration = 3.5\nsource = {{ kind = \"image\", path = \"{}\" }}\n\
         motion = {{ from = {{ zoom = 1.0 }}, to = {{ zoom = 1.1 }} }}\n\
         transition = {{ kind = \"dissolve\", duration = 0.5 }}\n",
        photo.display()
    );
    spec += &card(
        2.0,
        "#101010",
        "transition = { kind = \"fade-black\", duration = 0.0 }",
    );
    spec += "[[captions]]\nstart = 1.0\nend = 3.0\ntext = \"Across the first join.\"\n";
    spec += "[[captions]]\nstart = 8.0\nend = 10.0\ntext = \"Over the dissolve.\"\n";
    spec += "[audio]\n";
    for cut in CUTS {
        spec += &format!("[[audio.effects]]\npath = \"click.wav\"\nstart = {cut}\n");
    }
    let path = dir.join("joins.toml");
    std::fs::write(&path, spec).unwrap();
    path
}

fn ffprobe(args: &[&str], file: &Path) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every video frame's time.
fn frame_times(file: &Path) -> Vec<f64> {
    ffprobe(
        &[
            "-select_streams",
            "v",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
        ],
        file,
    )
    .lines()
    .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
    .collect()
}

/// Where the picture turns from dark to bright or back, nearest each of [`CUTS`] (seconds).
fn picture_cuts(file: &Path) -> Vec<f64> {
    let (_, _, frames) = common::luma_frames(file);
    let mean = |luma: &[u8]| luma.iter().map(|&v| f64::from(v)).sum::<f64>() / luma.len() as f64;
    let means: Vec<(f64, f64)> = frames.iter().map(|(t, l)| (*t, mean(l))).collect();
    CUTS.iter()
        .map(|&cut| {
            means
                .windows(2)
                .filter(|w| (w[1].0 - cut).abs() < 0.5)
                .max_by(|a, b| (a[1].1 - a[0].1).abs().total_cmp(&(b[1].1 - b[0].1).abs()))
                .map(|w| w[1].0)
                .unwrap()
        })
        .collect()
}

/// Where each click starts on the sound track, nearest each of [`CUTS`] (seconds).
fn sound_cuts(file: &Path) -> Vec<f64> {
    let rate = 48_000.0;
    let samples = common::audio_samples_at(file, 48_000, 1);
    let peak = samples.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
    CUTS.iter()
        .map(|&cut| {
            let from = ((cut - 0.5) * rate) as usize;
            let onset = samples[from..]
                .iter()
                .position(|s| s.abs() > peak * 0.3)
                .unwrap();
            (from + onset) as f64 / rate
        })
        .collect()
}

fn render(spec: &Path, dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        "render",
        spec.to_str().unwrap(),
        "--preview",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = common::run_reel(&args, dir);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

#[test]
fn a_joined_render_plays_in_sync_and_matches_a_one_pass_render() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path());
    let joined = render(&spec, dir.path(), "joined.mp4", &["--segment-workers", "2"]);
    let whole = render(&spec, dir.path(), "whole.mp4", &["--one-pass"]);
    let fps = 24.0;

    // Both play to the end without a decoder complaint, in ffmpeg and in GStreamer.
    for file in [&joined, &whole] {
        let decoded = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(file)
            .args(["-f", "null", "-"])
            .output()
            .unwrap();
        assert!(decoded.status.success());
        assert!(
            decoded.stderr.is_empty(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&decoded.stderr)
        );
        let played = Command::new("gst-launch-1.0")
            .arg("-q")
            .arg("playbin")
            .arg(format!("uri=file://{}", file.display()))
            .args(["video-sink=fakesink", "audio-sink=fakesink"])
            .output()
            .unwrap();
        assert!(
            played.status.success(),
            "{}",
            String::from_utf8_lossy(&played.stderr)
        );
    }

    // The same frames, evenly timed from 0.
    let (times, whole_times) = (frame_times(&joined), frame_times(&whole));
    assert_eq!(times.len(), whole_times.len(), "frame counts");
    assert!(times[0].abs() < 1e-3, "first frame at {}", times[0]);
    for pair in times.windows(2) {
        assert!(
            ((pair[1] - pair[0]) - 1.0 / fps).abs() < 1e-3,
            "a gap at {}: {} s",
            pair[0],
            pair[1] - pair[0]
        );
    }

    // The pictures agree within the encoder's noise.
    let psnr = Command::new("ffmpeg")
        .args(["-i"])
        .arg(&joined)
        .arg("-i")
        .arg(&whole)
        .args(["-lavfi", "psnr", "-f", "null", "-"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&psnr.stderr);
    let average: f64 = log
        .split("average:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{log}"));
    println!(
        "joined against one pass: PSNR {average:.1} dB over {} frames",
        times.len()
    );
    assert!(average > 35.0, "PSNR {average} dB");

    // Sound and picture meet at every cut: at the start, in the middle and at the end; the
    // joins move neither against what one pass gives.
    for (name, file) in [("joined", &joined), ("one pass", &whole)] {
        let (seen, heard) = (picture_cuts(file), sound_cuts(file));
        for ((cut, seen), heard) in CUTS.iter().zip(&seen).zip(&heard) {
            let offset = seen - heard;
            println!("{name}: cut at {cut} s: picture {seen:.3} s, sound {heard:.3} s, A/V {offset:+.3} s");
            assert!(
                offset.abs() < 1.0 / fps,
                "{name}: A/V offset {offset:.3} s at the cut at {cut} s"
            );
        }
    }
}
