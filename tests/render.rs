//! Whole renders, checked on the files a user would get.

mod common;

use common::*;
use reel::plan::captions;
use reel::render::{loudness, probe};
use std::path::Path;

/// Share of pixels in the bottom quarter's middle that are near white.
fn bright_share_low_centre(luma: &[u8], width: u32, height: u32) -> f64 {
    let (w, h) = (width as usize, height as usize);
    let mut bright = 0;
    let mut total = 0;
    for y in h * 3 / 4..h {
        for x in w / 5..w * 4 / 5 {
            total += 1;
            bright += usize::from(luma[y * w + x] > 225);
        }
    }
    bright as f64 / total as f64
}

fn mean_abs_diff(a: &[u8], b: &[u8], rows: std::ops::Range<usize>, width: usize) -> f64 {
    let range = rows.start * width..rows.end * width;
    let sum: u64 = a[range.clone()]
        .iter()
        .zip(&b[range])
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / ((rows.end - rows.start) * width) as f64
}

#[test]
fn the_demo_script_becomes_a_narrated_captioned_moving_video() {
    let dir = tempfile::tempdir().unwrap();
    let report = render(
        &repo().join("examples/demo.txt"),
        &["preview-480p"],
        dir.path(),
    );
    let out = &report.outputs[0];
    assert_eq!(out.path, dir.path().join("out/demo-preview-480p.mp4"));

    // What a player sees: H.264 + AAC at the profile's size, as long as the timeline.
    let info = probe::probe(&out.path).unwrap();
    let video = info.video.as_ref().unwrap();
    assert_eq!((video.width, video.height), (854, 480));
    assert!(video.codec.contains("h264"), "{}", video.codec);
    assert!((video.fps - 24.0).abs() < 1e-6);
    let audio = info.audio.as_ref().unwrap();
    assert!(
        audio.codec.contains("mpeg"),
        "AAC is audio/mpeg: {}",
        audio.codec
    );
    assert_eq!((audio.rate, audio.channels), (48_000, 2));
    assert!(
        (info.duration - report.duration).abs() <= 0.1,
        "{} vs {}",
        info.duration,
        report.duration
    );

    // Subtitles beside it, one cue per caption.
    let srt = std::fs::read_to_string(out.path.with_extension("srt")).unwrap();
    let vtt = std::fs::read_to_string(out.path.with_extension("vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT"));
    let cues = srt.matches(" --> ").count();
    assert!(
        cues >= 7,
        "the demo speaks 7 lines, each a cue or more: {cues}"
    );
    assert_eq!(cues, vtt.matches(" --> ").count());

    // Loudness of the encoded file, measured: -16 LUFS within 1 LU.
    let samples = audio_samples(&out.path);
    let lufs = loudness::integrated(&samples, 48_000, 2).unwrap();
    assert!(
        (lufs + 16.0).abs() <= 1.0,
        "integrated loudness {lufs:.2} LUFS"
    );

    // Narration over music: speech windows are louder than the music-only ending (scene 6
    // has no lines).
    let first_line = captions_of(&srt)[0];
    let speech = rms_db(&samples, first_line.0, first_line.1);
    let music_only = rms_db(&samples, report.duration - 2.0, report.duration - 0.5);
    assert!(
        music_only > -60.0,
        "music is playing at the end: {music_only:.1} dBFS"
    );
    assert!(
        speech > music_only + 6.0,
        "speech {speech:.1} dBFS vs music {music_only:.1} dBFS"
    );

    // Captions are burned in: white text appears in the lower middle while a line is spoken.
    let (w, h, frames) = luma_frames(&out.path);
    let before = bright_share_low_centre(frame_at(&frames, 0.1), w, h);
    let during =
        bright_share_low_centre(frame_at(&frames, (first_line.0 + first_line.1) / 2.0), w, h);
    assert!(
        during > before + 0.01,
        "caption pixels: {before:.4} before, {during:.4} during"
    );

    // The picture moves within a scene (upper half, away from captions).
    let moved = mean_abs_diff(
        frame_at(&frames, 0.5),
        frame_at(&frames, 3.5),
        0..h as usize / 2,
        w as usize,
    );
    assert!(
        moved > 1.0,
        "the first scene's picture barely changes: {moved:.3}"
    );
}

/// (start, end) of each cue in an SRT file.
fn captions_of(srt: &str) -> Vec<(f64, f64)> {
    let seconds = |t: &str| {
        let (hms, ms) = t.trim().split_once(',').unwrap();
        let parts: Vec<f64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
        parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + ms.parse::<f64>().unwrap() / 1000.0
    };
    srt.lines()
        .filter_map(|l| l.split_once(" --> "))
        .map(|(a, b)| (seconds(a), seconds(b)))
        .collect()
}

/// A spec of 2 s showing a dark disc on a light still, so the picture's proportions can be
/// measured in any frame shape.
fn disc_spec(dir: &Path) -> std::path::PathBuf {
    let image = dir.join("disc.png");
    write_png(&image, 640, 360, |x, y| {
        let (dx, dy) = (f64::from(x) - 320.0, f64::from(y) - 180.0);
        if dx.hypot(dy) < 80.0 {
            30
        } else {
            220
        }
    });
    let spec = dir.join("disc.json");
    std::fs::write(
        &spec,
        r#"{"clips": [{"source": {"kind": "image", "path": "disc.png"}, "duration": 2.0}],
            "caption_style": {"burn": false}}"#,
    )
    .unwrap();
    spec
}

/// Width and height of the dark disc in a frame (pixels darker than mid grey).
fn disc_extent(luma: &[u8], width: u32) -> (usize, usize) {
    let w = width as usize;
    let dark: Vec<(usize, usize)> = luma
        .iter()
        .enumerate()
        .filter(|(_, v)| **v < 90)
        .map(|(i, _)| (i % w, i / w))
        .collect();
    let span = |f: fn(&(usize, usize)) -> usize| {
        dark.iter().map(f).max().unwrap() - dark.iter().map(f).min().unwrap() + 1
    };
    (span(|p| p.0), span(|p| p.1))
}

#[test]
fn vertical_and_square_profiles_reframe_without_stretching() {
    let dir = tempfile::tempdir().unwrap();
    let spec = disc_spec(dir.path());
    let report = render(&spec, &["shorts-1080x1920", "square-1080"], dir.path());
    let sizes: Vec<(u32, u32)> = report.outputs.iter().map(|o| (o.width, o.height)).collect();
    assert_eq!(sizes, vec![(1080, 1920), (1080, 1080)]);
    for out in &report.outputs {
        let info = probe::probe(&out.path).unwrap();
        let video = info.video.unwrap();
        assert_eq!((video.width, video.height), (out.width, out.height));
        assert!((info.duration - 2.0).abs() <= 0.1);
        let (w, _, frames) = luma_frames(&out.path);
        let (dx, dy) = disc_extent(&frames[0].1, w);
        let ratio = dx as f64 / dy as f64;
        assert!(
            (ratio - 1.0).abs() < 0.03,
            "{}: disc is {dx}x{dy}, stretched",
            out.profile
        );
    }
    // Shorts crop the centre (the disc grows to 1920/360 of its size); the square profile
    // shows the whole still over a blurred fill (the disc shrinks to 1080/640).
    let disc = |i: usize| {
        let (w, _, frames) = luma_frames(&report.outputs[i].path);
        disc_extent(&frames[0].1, w).0 as f64
    };
    assert!(
        (disc(0) - 160.0 * 1920.0 / 360.0).abs() < 12.0,
        "{}",
        disc(0)
    );
    assert!(
        (disc(1) - 160.0 * 1080.0 / 640.0).abs() < 12.0,
        "{}",
        disc(1)
    );
}

#[test]
fn every_transition_renders_for_its_planned_length() {
    let dir = tempfile::tempdir().unwrap();
    let card = |color: &str| {
        format!(
            r##"{{"kind": "card", "title": "", "background": {{"kind": "solid", "color": "{color}"}}}}"##
        )
    };
    let kinds = [
        "cut",
        "dissolve",
        "fade-black",
        "wipe-left",
        "wipe-right",
        "slide-left",
        "slide-right",
    ];
    let clips: Vec<String> = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let color = if i % 2 == 0 { "#202020" } else { "#e0e0e0" };
            let duration = if *kind == "cut" { 0.0 } else { 0.5 };
            format!(
                r#"{{"source": {}, "duration": 1.5, "transition": {{"kind": "{kind}", "duration": {duration}}}}}"#,
                card(color)
            )
        })
        .collect();
    let spec = dir.path().join("transitions.json");
    std::fs::write(&spec, format!(r#"{{"clips": [{}]}}"#, clips.join(","))).unwrap();
    let report = render(&spec, &["preview-480p"], dir.path());
    // 7 clips of 1.5 s, six 0.5 s overlaps.
    assert!((report.duration - (7.0 * 1.5 - 6.0 * 0.5)).abs() < 1e-9);
    let out = &report.outputs[0].path;
    assert!((probe::probe(out).unwrap().duration - report.duration).abs() <= 0.1);

    let (w, h, frames) = luma_frames(out);
    let row = |t: f64, x: usize| frame_at(&frames, t)[(h as usize / 8) * w as usize + x];
    // Each clip starts 1.5 - 0.5 s after the one before.
    let starts: Vec<f64> = (0..7).map(f64::from).collect();
    // Dissolve (clip 1, dark to light): half-way is in between.
    let mid = row(starts[1] + 0.25, 10);
    assert!((90..170).contains(&mid), "dissolve half-way luma {mid}");
    // Fade through black (clip 2): black at its middle.
    assert!(
        row(starts[2] + 0.25, 10) < 30,
        "fade-black passes through black"
    );
    // Wipe left (clip 3, dark to light): half-way, the left is still old (dark), the right new.
    let t = starts[3] + 0.25;
    assert!(
        row(t, 20) < 90 && row(t, w as usize - 20) > 150,
        "wipe-left half-way"
    );
    // Wipe right (clip 4, light to dark): the new clip comes in from the left.
    let t = starts[4] + 0.25;
    assert!(
        row(t, 20) < 90 && row(t, w as usize - 20) > 150,
        "wipe-right half-way"
    );
    // Slide left (clip 5, dark to light): the new clip enters from the right too.
    let t = starts[5] + 0.25;
    assert!(
        row(t, 20) < 90 && row(t, w as usize - 20) > 150,
        "slide-left half-way"
    );
}

#[test]
fn captions_wrap_into_at_most_two_lines() {
    let caps = captions::for_line(&"many words here ".repeat(10), 0.0, 6.0, &[]);
    assert!(caps
        .iter()
        .all(|c| c.text.lines().count() <= 2 && c.text.lines().all(|l| l.len() <= 42)));
}

#[test]
fn the_example_edit_spec_renders_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let report = render(
        &repo().join("examples/slideshow.toml"),
        &["preview-480p"],
        dir.path(),
    );
    // 4 + 5 + 5 s less the 0.8 s and 0.6 s overlaps, each on the frame grid (24 fps).
    assert!((report.duration - 12.6).abs() <= 2.5 / 24.0);
    let out = &report.outputs[0];
    assert!((probe::probe(&out.path).unwrap().duration - 12.6).abs() <= 0.1);
    let srt = std::fs::read_to_string(out.path.with_extension("srt")).unwrap();
    // Captions move with their clip onto the frame grid: at most half a frame.
    let cue = srt
        .split("\n\n")
        .find(|c| c.contains("Every morning the light came on."))
        .unwrap_or_else(|| panic!("{srt}"));
    let times: Vec<f64> = cue
        .lines()
        .nth(1)
        .unwrap()
        .split(" --> ")
        .map(srt_seconds)
        .collect();
    assert!(
        (times[0] - 4.5).abs() <= 0.5 / 24.0 && (times[1] - 8.0).abs() <= 0.5 / 24.0,
        "{cue}"
    );
    let lufs = loudness::integrated(&audio_samples(&out.path), 48_000, 2).unwrap();
    assert!(
        (lufs + 16.0).abs() <= 1.0,
        "music alone is normalised too: {lufs:.2}"
    );
}

#[test]
fn video_clips_play_from_their_in_point_for_their_duration() {
    let dir = tempfile::tempdir().unwrap();
    write_ramp_video(&dir.path().join("ramp.mp4"), 320, 240, 120);
    let spec = dir.path().join("video.json");
    std::fs::write(
        &spec,
        r##"{"clips": [
            {"source": {"kind": "card", "title": "", "background": {"kind": "solid", "color": "#000000"}}, "duration": 1.0},
            {"source": {"kind": "video", "path": "ramp.mp4", "in_s": 1.0}, "duration": 2.0},
            {"source": {"kind": "card", "title": "", "background": {"kind": "solid", "color": "#000000"}}, "duration": 1.0}
        ]}"##,
    )
    .unwrap();
    let report = render(&spec, &["preview-480p"], dir.path());
    let out = &report.outputs[0].path;
    assert!((probe::probe(out).unwrap().duration - 4.0).abs() <= 0.1);
    let (w, h, frames) = luma_frames(out);
    let centre =
        |t: f64| f64::from(frame_at(&frames, t)[(h as usize / 2) * w as usize + w as usize / 2]);
    // At 1.5 s the clip has played 0.5 s from its 1.0 s in point: source frame 45, grey 90.
    // (Encoding and limited-range conversions move levels by a few steps.)
    for (t, source_time) in [(1.5, 1.5), (2.5, 2.5)] {
        let expected = 2.0 * source_time * 30.0;
        assert!(
            (centre(t) - expected).abs() < 12.0,
            "at {t} s: grey {} for source {source_time} s",
            centre(t)
        );
    }
    // After its out point the black card is back.
    assert!(centre(3.5) < 30.0);
}

#[test]
fn an_ad_brief_becomes_distinct_thirty_second_versions() {
    let dir = tempfile::tempdir().unwrap();
    let brief = repo().join("examples/brief.toml");
    let versions: Vec<_> = (1..=2)
        .map(|v| render_version(&brief, &["preview-480p"], dir.path(), v))
        .collect();
    let mut subtitles = Vec::new();
    for (v, report) in versions.iter().enumerate() {
        let out = &report.outputs[0];
        assert_eq!(
            out.path,
            dir.path()
                .join(format!("out/brief-v{}-preview-480p.mp4", v + 1))
        );
        // Each scene is kept to the frame grid (24 fps), to half a frame.
        let scenes = report.clips as f64;
        assert!(
            (report.duration - 30.0).abs() <= scenes * 0.5 / 24.0 + 1e-6,
            "an ad lasts its brief's 30 s: {}",
            report.duration
        );
        assert!((probe::probe(&out.path).unwrap().duration - 30.0).abs() <= 0.1);
        subtitles.push(std::fs::read_to_string(out.path.with_extension("srt")).unwrap());
    }
    assert_ne!(subtitles[0], subtitles[1], "versions say different things");
    assert!(subtitles
        .iter()
        .all(|s| s.contains("Order today at lumen.example")));
}

#[test]
fn a_fountain_screenplay_renders_scene_by_scene_in_each_characters_voice() {
    let dir = tempfile::tempdir().unwrap();
    let screenplay = repo().join("tests/fixtures/fountain/the_last_lighthouse.fountain");
    let text = std::fs::read_to_string(&screenplay).unwrap();
    let project = reel::script::parse(&text, &screenplay).unwrap().project;
    let lines: Vec<_> = project.scenes.iter().flat_map(|s| &s.lines).collect();

    // Each character keeps one voice; different characters sound different.
    for line in &lines {
        assert_eq!(
            project.voice_of(&line.character),
            project.voice_of(&line.character)
        );
    }
    let voices: std::collections::HashSet<_> =
        project.characters.iter().map(|c| c.voice.clone()).collect();
    assert_eq!(voices.len(), project.characters.len().min(6));

    let report = render(&screenplay, &["preview-480p"], dir.path());
    assert_eq!(
        report.clips,
        project.scenes.len(),
        "one clip per scene heading"
    );
    assert_eq!(report.clips, 11);
    let out = &report.outputs[0];
    assert!((probe::probe(&out.path).unwrap().duration - report.duration).abs() <= 0.1);
    // Every spoken line is captioned (long ones in more than one cue).
    let srt = std::fs::read_to_string(out.path.with_extension("srt")).unwrap();
    assert!(srt.matches(" --> ").count() >= lines.len());
    for line in &lines {
        let first_words: String = line
            .text
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(srt.contains(&first_words), "no caption for {first_words:?}");
    }
}

/// `00:00:04,500` → 4.5.
fn srt_seconds(text: &str) -> f64 {
    let (hms, ms) = text.trim().split_once(',').unwrap();
    let parts: Vec<f64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + ms.parse::<f64>().unwrap() / 1000.0
}
