//! `reel edit` as a user runs it on footage it never saw: a narrated clip with pauses (rendered
//! by reel itself) and a music bed at a known tempo, checked with ffprobe, ffmpeg's loudness
//! and silence filters, a fresh transcription of the result and OpenTimelineIO.

mod common;

use std::path::Path;
use std::process::Command;

fn reel(args: &[&str], dir: &Path) -> String {
    let output = common::run_reel(args, dir);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "reel {args:?}:\n{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

fn ffprobe(path: &Path, entries: &str) -> String {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", entries, "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// ffmpeg's log of running `filter` over the file's sound.
fn ffmpeg_audio_filter(path: &Path, filter: &str) -> String {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", filter, "-f", "null", "-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn integrated_lufs(path: &Path) -> f64 {
    let log = ffmpeg_audio_filter(path, "ebur128");
    let summary = &log[log.rfind("Summary:").expect("ebur128 summary")..];
    summary
        .lines()
        .find_map(|l| l.trim().strip_prefix("I:"))
        .and_then(|v| v.trim().trim_end_matches("LUFS").trim().parse().ok())
        .expect("integrated loudness")
}

/// The number after `key` in `text` ("cut 7.52 s" → 7.52).
fn number_after(text: &str, key: &str) -> f64 {
    let rest = &text[text.find(key).unwrap_or_else(|| panic!("{key} in {text}")) + key.len()..];
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

/// What Whisper hears in the file, with the same models the edit used.
fn transcript(path: &Path, dir: &Path) -> String {
    let samples =
        reel::render::audio::decode_samples(path, 16_000, 1, &Default::default()).unwrap();
    let content = reel::render::cache::sha256_file(path).unwrap();
    let cache = reel::render::Cache::at(dir.join("check-cache"));
    let heard = reel::footage::transcribe::transcribe(&content, &samples, &cache).unwrap();
    let texts: Vec<&str> = heard.sentences.iter().map(|s| s.text.as_str()).collect();
    texts.join(" ")
}

/// The words of a .srt file's captions.
fn srt_words(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.contains("-->") && l.parse::<u32>().is_err())
        .collect();
    lines.join(" ")
}

/// The first cue of a .srt file: start, end and its words.
fn first_cue(path: &Path) -> (f64, f64, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let block = text.split("\n\n").next().unwrap();
    let mut lines = block.lines().skip(1);
    let seconds = |t: &str| {
        let (hms, ms) = t.trim().split_once(',').unwrap();
        let parts: Vec<f64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
        parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + ms.parse::<f64>().unwrap() / 1000.0
    };
    let (from, to) = lines.next().unwrap().split_once(" --> ").unwrap();
    let words = lines.map(|l| l.split_whitespace().count()).sum();
    (seconds(from), seconds(to), words)
}

/// Half-size RGB frames of the caption band of a 1080x1920 video: rows 1480 to 1800.
const BAND: (usize, usize) = (540, 160);
fn caption_band(path: &Path) -> Vec<Vec<u8>> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", "crop=1080:320:0:1480,scale=540:160"])
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert!(output.status.success());
    output
        .stdout
        .chunks_exact(BAND.0 * BAND.1 * 3)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Karaoke, read from the pixels over the first caption: the highlight (the only yellow)
/// walks through the caption word by word in reading order, the text never takes more than
/// two lines, and it stays inside the title-safe width.
fn check_karaoke(video: &Path, srt: &Path) {
    let (start, end, words) = first_cue(srt);
    let frames = caption_band(video);
    let (mut lit, mut inside, mut steps) = (0, 0, 0);
    let mut last: Option<(f64, f64)> = None;
    for (n, frame) in frames.iter().enumerate() {
        let t = n as f64 / 30.0;
        if t < start + 0.1 || t > end - 0.1 {
            continue;
        }
        inside += 1;
        let pixel = |x: usize, y: usize| {
            let p = &frame[(y * BAND.0 + x) * 3..][..3];
            (p[0], p[1], p[2])
        };
        let yellow = |(r, g, b): (u8, u8, u8)| r > 200 && g > 170 && b < 90;
        let white = |(r, g, b): (u8, u8, u8)| r > 215 && g > 215 && b > 215;
        let text_rows: Vec<usize> = (0..BAND.1)
            .filter(|&y| (0..BAND.0).any(|x| white(pixel(x, y)) || yellow(pixel(x, y))))
            .collect();
        // Lines are about 12 rows apart here; an i's dot sits 4 rows over its stem.
        let bands = text_rows.windows(2).filter(|w| w[1] - w[0] > 7).count() + 1;
        assert!(bands <= 2, "at {t:.2} s the caption takes {bands} lines");
        let columns: Vec<usize> = (0..BAND.0)
            .filter(|&x| text_rows.iter().any(|&y| white(pixel(x, y))))
            .collect();
        if let (Some(first), Some(last)) = (columns.first(), columns.last()) {
            assert!(
                *first >= 27 && *last <= 513,
                "at {t:.2} s text at {first}..{last}"
            );
        }
        let yellow_at: Vec<(usize, usize)> = (0..BAND.1)
            .flat_map(|y| (0..BAND.0).map(move |x| (x, y)))
            .filter(|&(x, y)| yellow(pixel(x, y)))
            .collect();
        if yellow_at.len() < 20 {
            continue;
        }
        lit += 1;
        let count = yellow_at.len() as f64;
        let x = yellow_at.iter().map(|p| p.0 as f64).sum::<f64>() / count;
        let y = yellow_at.iter().map(|p| p.1 as f64).sum::<f64>() / count;
        if let Some((px, py)) = last {
            // Reading order: right along a line, or down to the next one.
            let next_line = y > py + 10.0;
            assert!(
                next_line || (y - py).abs() <= 10.0 && x >= px - 2.0,
                "at {t:.2} s the highlight went back: ({px:.0}, {py:.0}) to ({x:.0}, {y:.0})"
            );
            if next_line || x > px + 5.0 {
                steps += 1;
            }
        }
        last = Some((x, y));
    }
    assert!(inside > 10, "the first caption runs {start}..{end}");
    assert!(
        lit as f64 >= 0.9 * inside as f64,
        "a word is lit in {lit} of {inside} frames"
    );
    assert!(
        steps + 2 >= words,
        "the highlight moved {steps} times over {words} words"
    );
}

#[test]
fn footage_is_cut_to_whole_sentences_on_the_beat_at_the_target_length() {
    let dir = tempfile::tempdir().unwrap();
    let kept_dir = dir.keep();
    let d = kept_dir.as_path();
    eprintln!("KEPT {}", d.display());
    common::footage::narrated(d);
    // Where the first join falls without music; the bed then has a beat 0.1 s after it, so
    // the join has a beat to move onto.
    let plain = reel(
        &["edit", "talk.mp4", "--target", "8s", "-q", "-o", "plain"],
        d,
    );
    let unsnapped = joins_of(&plain)[0].0;
    let tempo = common::footage::tempo_with_a_beat_at(unsnapped + 0.1);
    common::footage::music(d, tempo);
    let said = reel(
        &[
            "edit",
            "talk.mp4",
            "--music",
            "bed.wav",
            "--target",
            "8s",
            "-q",
            "-o",
            "out/cut.mp4",
            "--otio",
            "out/cut.otio",
        ],
        d,
    );
    println!("{plain}{said}");
    let planned = number_after(&said, "cut ");
    // The four shots of the footage, each with a thumbnail, and their contact sheet.
    assert!(
        said.contains("wrote out/talk-contact-sheet.png (4 shots)"),
        "{said}"
    );
    for n in 1..=4 {
        assert!(d.join(format!("out/talk-shot-00{n}.png")).is_file());
    }
    assert!(planned <= 8.0 && planned > 4.0, "{said}");
    let out = d.join("out/cut.mp4");

    // 1080x1920 30 fps H.264 + AAC, as long as planned.
    assert_eq!(
        ffprobe(&out, "stream=codec_name,width,height,r_frame_rate"),
        "h264,1080,1920,30/1\naac,0/0"
    );
    let duration: f64 = ffprobe(&out, "format=duration").parse().unwrap();
    assert!((duration - planned).abs() <= 0.1, "{duration} vs {planned}");
    let lufs = integrated_lufs(&out);
    assert!((lufs + 16.0).abs() <= 1.0, "{lufs} LUFS");

    check_karaoke(&out, &d.join("out/cut.srt"));

    // What is heard in the result is what the captions say was kept: whole words only.
    let kept = srt_words(&d.join("out/cut.srt"));
    assert!(d.join("out/cut.vtt").is_file());
    let heard = transcript(&out, d);
    let wer = gstreel::asr::word_error_rate(&kept, &heard);
    println!("kept: {kept}\nheard: {heard}\nword error {wer:.2}");
    assert!(wer <= 0.25, "kept {kept:?}, heard {heard:?}");
    // The target dropped a sentence (the footage runs longer), never part of one.
    assert!(!said.contains(" 0 sentences dropped"), "{said}");

    // A join lands on a beat wherever one is within 150 ms (the pauses leave room on both
    // sides), checked against a fresh analysis of the bed; the .otio holds one clip per kept
    // stretch, starting at the joins.
    let bed = common::audio_samples_at(&d.join("bed.wav"), 22_050, 1);
    let grid = gstreel::beats::analyse(&bed, 22_050, &Default::default());
    assert!(
        (grid.bpm - tempo).abs() < 1.0,
        "{} BPM, made at {tempo}",
        grid.bpm
    );
    let nearest = |t: f64| {
        grid.beats
            .iter()
            .map(|b| (b.time - t).abs())
            .fold(f64::INFINITY, f64::min)
    };
    let joins = joins_of(&said);
    assert!(
        joins[0].1,
        "the first join moved onto the beat after it: {said}"
    );
    assert!((joins[0].0 - unsnapped - 0.1).abs() < 0.04, "{plain}{said}");
    let starts = otio_clip_starts(&d.join("out/cut.otio"));
    assert_eq!(starts.len(), joins.len() + 1, "{said}{starts:?}");
    for ((time, on_beat), start) in joins.iter().zip(&starts[1..]) {
        // Within a frame: the .otio counts whole frames of the 24 fps footage, each clip's in
        // and out point rounded on its own.
        assert!(
            (time - start).abs() < 1.0 / 24.0 + 0.006,
            "join at {time}, clip at {start}: {said}{starts:?}"
        );
        if *on_beat {
            assert!(nearest(*time) < 0.035, "{said}");
        } else {
            assert!(nearest(*time) > 0.13, "{said}: a beat was near enough");
        }
    }
}

/// The joins `reel edit` reports: (seconds, whether it is on a beat).
fn joins_of(said: &str) -> Vec<(f64, bool)> {
    let Some(line) = said.lines().find_map(|l| l.strip_prefix("joins at ")) else {
        return Vec::new();
    };
    line.split(", ")
        .map(|join| {
            let time = join.split_whitespace().next().unwrap().parse().unwrap();
            (time, join.ends_with("(on a beat)"))
        })
        .collect()
}

/// Where each clip of the .otio's video track starts, in seconds, as OpenTimelineIO reads it.
fn otio_clip_starts(path: &Path) -> Vec<f64> {
    let script = "import sys, opentimelineio as otio\n\
        t = otio.adapters.read_from_file(sys.argv[1])\n\
        v = [k for k in t.tracks if k.kind == 'Video'][0]\n\
        for c in v.find_clips():\n    print(v.range_of_child(c).start_time.to_seconds())\n";
    let output = Command::new(reel::models::install::python())
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

#[test]
fn silences_over_the_threshold_are_cut_down_to_the_margin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::footage::narrated(d);
    // A white logo, marked in the bottom-right corner.
    common::write_png(&d.join("logo.png"), 64, 64, |_, _| 255);
    let said = reel(
        &[
            "edit",
            "talk.mp4",
            "--cut",
            "silence",
            "--captions",
            "none",
            "--watermark",
            "logo.png",
            "-q",
            "-o",
            "out/tight.mp4",
        ],
        d,
    );
    let out = d.join("out/tight.mp4");
    let before: f64 = ffprobe(&d.join("talk.mp4"), "format=duration")
        .parse()
        .unwrap();
    let after: f64 = ffprobe(&out, "format=duration").parse().unwrap();
    let removed = number_after(&said, "joins (0 on a beat), ");
    assert!(removed > 1.0, "{said}");
    assert!(
        (before - after - removed).abs() < 0.15,
        "{before} - {after} vs {removed}"
    );
    // ffmpeg hears no silence as long as the threshold (0.5 s) anywhere in the result.
    let log = ffmpeg_audio_filter(&out, "silencedetect=noise=-40dB:d=0.5");
    assert!(!log.contains("silence_start"), "{said}{log}");
    let log = ffmpeg_audio_filter(&d.join("talk.mp4"), "silencedetect=noise=-40dB:d=0.5");
    assert!(
        log.contains("silence_start"),
        "the footage has pauses to cut: {log}"
    );

    // The logo is 0.2 of the frame's width (216 px), 3% in from the corner, at 70% opacity
    // over the first shot's dark blue; the rest of the picture is the footage's.
    let (width, height, frames) = common::luma_frames(&out);
    assert_eq!((width, height), (1080, 1920));
    let frame = common::frame_at(&frames, 1.0);
    let luma = |x: usize, y: usize| frame[y * 1080 + x];
    let (mark, other) = (
        luma(1080 - 32 - 108, 1920 - 32 - 108),
        luma(108, 1920 - 32 - 108),
    );
    assert!(
        mark > 150 && other < 100,
        "logo {mark}, other corner {other}"
    );
    // What the file says it is.
    assert_eq!(
        ffprobe(&out, "format_tags=title,comment"),
        "talk,cut from talk.mp4"
    );
    assert!(ffprobe(&out, "format_tags=encoder").starts_with("reel "));
}
