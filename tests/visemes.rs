//! `reel visemes`: each character's mouth shapes over a two-voice Fountain scene, checked
//! against the sound of a render of the same script and against Rhubarb's formats.

mod common;

use std::path::Path;

const SCENE: &str = "Title: Two Voices

INT. KITCHEN - DAY

ADA
Bob, maybe we bake bread.

BOB
Oh, how about pie? Peach pie, please.

ADA
My mother made a plum tart every summer.

BOB
Then we should bake both, and share them with the whole street.
";

/// Rhubarb's JSON cues: (start, end, shape letter).
fn cues(path: &Path) -> Vec<(f64, f64, char)> {
    let text = std::fs::read_to_string(path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["mouthCues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let letter = c["value"].as_str().unwrap().chars().next().unwrap();
            (
                c["start"].as_f64().unwrap(),
                c["end"].as_f64().unwrap(),
                letter,
            )
        })
        .collect()
}

/// How open each shape is (as drawn), 0 closed.
fn opening(letter: char) -> f64 {
    match letter {
        'A' | 'X' => 0.0,
        'G' => 0.1,
        'B' => 0.25,
        'F' => 0.3,
        'H' => 0.45,
        'E' => 0.5,
        'C' => 0.7,
        'D' => 1.0,
        other => panic!("not a Rhubarb shape: {other}"),
    }
}

fn shape_at(cues: &[(f64, f64, char)], t: f64) -> char {
    cues.iter()
        .find(|c| c.0 <= t && t < c.1)
        .map_or('X', |c| c.2)
}

/// A folder holding the scene as `two.fountain`.
fn scene() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("two.fountain"), SCENE).unwrap();
    dir
}

/// Runs `reel` in `dir`, which must succeed.
fn reel_ok(dir: &Path, args: &[&str]) {
    let out = common::run_reel(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "reel {args:?}: {stderr}");
}

#[test]
fn each_character_moves_only_while_speaking_and_with_the_sound() {
    let dir = scene();
    let d = dir.path();
    reel_ok(
        d,
        &[
            "visemes",
            "two.fountain",
            "--format",
            "json",
            "-o",
            "tracks",
            "-q",
        ],
    );
    let ada = cues(&d.join("tracks/two-ada.json"));
    let bob = cues(&d.join("tracks/two-bob.json"));
    reel_ok(
        d,
        &["render", "two.fountain", "--preview", "-q", "-o", "two.mp4"],
    );

    // Both tracks cover the timeline end to end, touching, in shapes of at least 80 ms
    // (two decimals of rounding aside).
    let length = ada.last().unwrap().1;
    for track in [&ada, &bob] {
        assert_eq!(track[0].0, 0.0);
        assert!((track.last().unwrap().1 - length).abs() < 0.011);
        for pair in track.windows(2) {
            assert!((pair[0].1 - pair[1].0).abs() < 1e-9, "{track:?}");
        }
        for cue in &track[1..track.len() - 1] {
            assert!(cue.1 - cue.0 >= 0.08 - 0.011, "{cue:?} in {track:?}");
        }
    }

    // Never both talking: while one mouth is open the other is at rest.
    let fps = 30.0;
    let frames = (length * fps) as usize;
    for i in 0..frames {
        let t = (i as f64 + 0.5) / fps;
        let (a, b) = (shape_at(&ada, t), shape_at(&bob, t));
        assert!(a == 'X' || b == 'X', "both speak at {t:.2}: {a} {b}");
    }

    // The mouths open with the voices: opening against the speech envelope (RMS over 100 ms
    // around each frame) of the render's sound, music bed and all. Piper's voice varies from
    // one synthesis to the next, and r with it (0.49 to 0.61 over many runs), so beside a
    // floor the check is that the tracks sit on the sound: r peaks sharply at no shift (over
    // nine runs it fell by 0.19 or more at 0.1 s either way, and below 0.1 at 0.2 s).
    let rate = 16_000.0;
    let samples = common::audio_samples_at(&d.join("two.mp4"), rate as u32, 1);
    let envelope = |t: f64| {
        let from = ((t - 0.05) * rate).max(0.0) as usize;
        let to = (((t + 0.05) * rate) as usize).min(samples.len());
        let window = &samples[from.min(to)..to];
        let power = window.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>();
        (power / window.len().max(1) as f64).sqrt()
    };
    let n = frames.min((samples.len() as f64 / rate * fps) as usize);
    let (open, level): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| {
            let t = (i as f64 + 0.5) / fps;
            let open = opening(shape_at(&ada, t)).max(opening(shape_at(&bob, t)));
            (open, envelope(t))
        })
        .unzip();
    let r = common::pearson(&open, &level);
    println!("mouth opening against the speech envelope: r = {r:.2} over {n} frames");
    assert!(r >= 0.4, "r = {r:.2}");
    for shift in [-9, -6, -3, 3, 6, 9] {
        let shifted = shifted_pearson(&open, &level, shift);
        println!("  with the sound {shift:+} frames later: r = {shifted:.2}");
        assert!(
            r - shifted >= 0.1,
            "r = {r:.2}, but {shifted:.2} at {shift:+} frames"
        );
    }
}

/// Pearson's r of `a` against `b` moved `shift` places later (over the places both cover).
fn shifted_pearson(a: &[f64], b: &[f64], shift: i64) -> f64 {
    let (x, y): (Vec<f64>, Vec<f64>) = (0..a.len() as i64)
        .filter_map(|i| {
            let j = usize::try_from(i + shift).ok()?;
            Some((a[i as usize], *b.get(j)?))
        })
        .unzip();
    common::pearson(&x, &y)
}

#[test]
fn tsv_is_rhubarbs_and_a_missing_character_is_named() {
    let dir = scene();
    let d = dir.path();
    reel_ok(
        d,
        &[
            "visemes",
            "two.fountain",
            "--character",
            "bob",
            "--espeak",
            "-q",
        ],
    );
    let text = std::fs::read_to_string(d.join("two-bob.tsv")).unwrap();
    assert!(!d.join("two-ada.tsv").exists());
    let lines: Vec<(f64, &str)> = text
        .lines()
        .map(|l| {
            let (t, shape) = l.split_once('\t').expect("start<TAB>shape");
            (t.parse().unwrap(), shape)
        })
        .collect();
    assert_eq!(lines[0], (0.0, "X"));
    assert_eq!(lines.last().unwrap().1, "X");
    assert!(lines.windows(2).all(|w| w[0].0 < w[1].0), "{text}");
    // espeak-ng's phones are laid over its heard words: Bob's p's still close the lips.
    assert!(lines.iter().any(|l| l.1 == "A"), "{text}");
    assert!(
        lines.iter().any(|l| ["C", "D", "E"].contains(&l.1)),
        "{text}"
    );

    let out = common::run_reel(&["visemes", "two.fountain", "--character", "cyd"], d);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("two.fountain: no lines for cyd"), "{err}");
}
