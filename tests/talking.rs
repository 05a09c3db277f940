//! Talking heads: a two-character Fountain scene with photographs for portraits renders with
//! each face talking only while its character speaks, measured in the decoded pixels against
//! the render's own sound; closed lips on p, b and m; and consent for real people's faces.

mod common;

use common::repo;
use gstreel::kenburns::camera::Camera;
use gstreel::lipsync::rig::placement;
use reel::lipsync::portrait;
use reel::render::cache::Cache;
use std::path::{Path, PathBuf};

const SCENE: &str = "Title: Two Faces

[[portrait: ada.png]]
[[portrait: BOB = bob.png]]

INT. KITCHEN - DAY

ADA
Bob, maybe we bake bread.

BOB
Oh, how about pie? Peach pie, please.

ADA
My mother made a plum tart every summer.
";

fn sample(name: &str) -> PathBuf {
    repo().join(".deps/samples").join(name)
}

/// The scene, its two photographs, and consent for both recorded in `state` (the consent
/// store this test process uses).
fn scene(dir: &Path) {
    std::fs::write(dir.join("two.fountain"), SCENE).unwrap();
    std::fs::copy(sample("astronaut.png"), dir.join("ada.png")).unwrap();
    std::fs::copy(sample("camera.png"), dir.join("bob.png")).unwrap();
}

/// Where a face's mouth lands in the frame, `progress` (0..1) through the scene's shot:
/// (left, top, right, bottom) pixels.
fn mouth_box(
    face: &portrait::PortraitFace,
    panel: (u32, u32),
    offset_x: f32,
    progress: f64,
) -> [usize; 4] {
    let shot = portrait::shot(face, panel);
    let view = shot.from;
    let camera = Camera {
        zoom: view.zoom + (shot.to.zoom - view.zoom) * progress,
        x: view.x,
        y: view.y,
        rotate: 0.0,
    };
    let place = placement((face.width, face.height), panel, &camera);
    let p = |i: usize| place(face.points[i]);
    let (upper, lower, left, right) = (p(13), p(14), p(61), p(291));
    let centre = (
        (upper.0 + lower.0) / 2.0 + offset_x,
        (upper.1 + lower.1) / 2.0,
    );
    let half = (right.0 - left.0).abs() / 2.0;
    [
        (centre.0 - 0.8 * half) as usize,
        (centre.1 - 0.35 * half) as usize,
        (centre.0 + 0.8 * half) as usize,
        (centre.1 + 0.9 * half) as usize,
    ]
}

/// The share of a box's pixels dark as the inside of a mouth.
fn opening(luma: &[u8], width: usize, [x0, y0, x1, y1]: [usize; 4]) -> f64 {
    let mut dark = 0;
    for y in y0..y1 {
        dark += luma[y * width + x0..y * width + x1]
            .iter()
            .filter(|&&v| v < 50)
            .count();
    }
    dark as f64 / ((x1 - x0) * (y1 - y0)) as f64
}

/// (start, end) of P, B and M in a line's voice, from its `.phones.json`.
fn closed_lip_phones(wav: &Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(wav.with_extension("phones.json")).unwrap();
    let phones: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    phones
        .iter()
        .filter(|p| ["P", "B", "M"].contains(&p["phone"].as_str().unwrap_or("")))
        .map(|p| (p["start"].as_f64().unwrap(), p["end"].as_f64().unwrap()))
        .collect()
}

#[test]
fn each_face_talks_while_its_character_speaks_and_with_the_sound() {
    common::init();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scene(d);
    reel::consent::set_dir(d.join("state"));
    let store = reel::consent::ConsentStore::open().unwrap();
    for (file, person) in [("ada.png", "Eileen Collins"), ("bob.png", "The cameraman")] {
        store
            .add(
                &d.join(file),
                person,
                "a test of talking heads",
                None,
                person,
            )
            .unwrap();
    }
    drop(store);
    let report = common::render(&d.join("two.fountain"), &["preview-480p"], d);
    let video = &report.outputs[0].path;
    let (width, height, frames) = common::luma_frames(video);
    let w = width as usize;

    // Where each mouth is in each frame: two panels side by side, each face shot by the same
    // camera the render used.
    let cache = Cache::at(d.join("cache"));
    let panel = ((width / 2) & !1, height);
    let faces: Vec<portrait::PortraitFace> = ["ada.png", "bob.png"]
        .iter()
        .map(|file| portrait::face_of(&d.join(file), &cache).unwrap().0)
        .collect();
    let length = report.timeline.clips[0].duration;
    let boxes_at = |t: f64| {
        [0, 1].map(|i| mouth_box(&faces[i], panel, (i as u32 * panel.0) as f32, t / length))
    };

    // Who speaks when: the voice cues in line order (ADA, BOB, ADA).
    let voice = &report.timeline.audio.voice;
    assert_eq!(voice.len(), 3);
    let lines: Vec<(usize, f64, f64, PathBuf)> = voice
        .iter()
        .zip([0, 1, 0])
        .map(|(cue, who)| {
            let samples = common::audio_samples_at(&cue.path, 22_050, 1);
            let length = samples.len() as f64 / 22_050.0;
            (who, cue.start, cue.start + length, cue.path.clone())
        })
        .collect();
    let speaking = |who: usize, t: f64| {
        lines
            .iter()
            .any(|l| l.0 == who && l.1 - 0.05 <= t && t <= l.2 + 0.05)
    };

    let opened: Vec<[f64; 2]> = frames
        .iter()
        .map(|(t, luma)| {
            let boxes = boxes_at(*t);
            [0, 1].map(|i| opening(luma, w, boxes[i]))
        })
        .collect();
    // At rest a mouth shows the portrait's own (a smile's shadow): the baseline.
    let rest: Vec<f64> = [0, 1]
        .iter()
        .map(|&i| {
            let mut quiet: Vec<f64> = frames
                .iter()
                .zip(&opened)
                .filter(|((t, _), _)| !speaking(i, *t))
                .map(|(_, o)| o[i])
                .collect();
            quiet.sort_by(f64::total_cmp);
            quiet[quiet.len() / 2]
        })
        .collect();
    let open = |frame: usize, i: usize| (opened[frame][i] - rest[i]).max(0.0);

    // Silent faces stay closed: no more than 1% of the box opens while the other speaks or
    // nobody does.
    for (k, (t, _)) in frames.iter().enumerate() {
        for i in 0..2 {
            if !speaking(i, *t) {
                assert!(open(k, i) < 0.01, "face {i} opens at {t:.2} while silent");
            }
        }
    }
    // Speaking faces open, often and wide.
    for i in 0..2 {
        let widest = (0..frames.len()).map(|k| open(k, i)).fold(0.0, f64::max);
        assert!(widest > 0.15, "face {i} opens at most {widest:.3}");
    }

    // The opening follows the sound: against the speech envelope (RMS over 100 ms around each
    // frame) of the render's own sound track, music bed and all. Over runs (Piper's voice
    // varies from one synthesis to the next) r was 0.65 to 0.69.
    let rate = 16_000.0;
    let samples = common::audio_samples_at(video, rate as u32, 1);
    let envelope = |t: f64| {
        let from = ((t - 0.05) * rate).max(0.0) as usize;
        let to = (((t + 0.05) * rate) as usize).min(samples.len());
        let window = &samples[from.min(to)..to];
        let power = window.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>();
        (power / window.len().max(1) as f64).sqrt()
    };
    let (mouths, level): (Vec<f64>, Vec<f64>) = frames
        .iter()
        .enumerate()
        .map(|(k, (t, _))| (open(k, 0).max(open(k, 1)), envelope(*t)))
        .unzip();
    let r = common::pearson(&mouths, &level);
    println!(
        "mouth pixels against the speech envelope: r = {r:.2} over {} frames",
        frames.len()
    );
    assert!(r >= 0.6, "r = {r:.2}");

    // Closed lips on P, B and M: within a frame of the phone, the speaker's mouth is shut.
    // The preview profile's frame.
    let frame = 1.0 / 24.0;
    let mut checked = 0;
    for (who, start, _, wav) in &lines {
        for (from, to) in closed_lip_phones(wav) {
            let (from, to) = (start + from - frame, start + to + frame);
            let shut = frames
                .iter()
                .enumerate()
                .filter(|(_, (t, _))| (from..=to).contains(t))
                .any(|(k, _)| open(k, *who) < 0.01);
            assert!(
                shut,
                "face {who} is open through its closed-lip phone {from:.2}..{to:.2}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} closed-lip phones");

    // No shape shorter than two frames.
    let reel::plan::timeline::Source::Portraits { faces } = &report.timeline.clips[0].source else {
        panic!(
            "the scene shows its speakers: {:?}",
            report.timeline.clips[0].source
        );
    };
    assert_eq!(faces.len(), 2);
    for face in faces {
        for pair in face.cues.windows(2) {
            assert!(
                pair[1].start - pair[0].start >= 2.0 / 30.0 - 1e-6,
                "{pair:?}"
            );
        }
    }
}

#[test]
fn real_faces_need_consent_and_revoking_it_stops_the_next_render() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scene(d);
    let state = d.join("state-home");
    let reel_in = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_reel"))
            .args(args)
            .current_dir(d)
            .env("XDG_STATE_HOME", &state)
            .env_remove("STATE_DIRECTORY")
            .env("REEL_CACHE_DIR", d.join("cache"))
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let render = ["render", "two.fountain", "--preview", "-q", "-o", "two.mp4"];

    let (ok, _, err) = reel_in(&render);
    assert!(!ok);
    assert!(
        err.contains("ADA's portrait") && err.contains("no consent is on record"),
        "{err}"
    );
    assert!(!d.join("two.mp4").exists());

    let add = |file: &str, person: &str| {
        let (ok, out, err) = reel_in(&[
            "consent",
            "add",
            file,
            "--person",
            person,
            "--purpose",
            "a test",
            "--signed-by",
            person,
            "--until",
            "2999-12-31",
        ]);
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let ada = add("ada.png", "Eileen Collins");
    let (ok, _, err) = reel_in(&render);
    assert!(!ok && err.contains("BOB's portrait"), "{err}");
    add("bob.png", "The cameraman");
    let (ok, _, err) = reel_in(&render);
    assert!(ok, "{err}");
    assert!(d.join("two.mp4").is_file());

    let (ok, out, _) = reel_in(&["consent", "list"]);
    assert!(
        ok && out.contains("Eileen Collins") && out.contains("in force"),
        "{out}"
    );
    let (ok, _, err) = reel_in(&["consent", "revoke", &ada[..10]]);
    assert!(ok, "{err}");
    let (ok, _, err) = reel_in(&render);
    assert!(
        !ok && err.contains("ADA's portrait") && err.contains("revoked"),
        "{err}"
    );

    // A drawn or generated face needs none.
    let fictional = SCENE.replace("[[portrait: ada.png]]", "[[portrait: ada.png, fictional]]");
    std::fs::write(d.join("two.fountain"), fictional).unwrap();
    let (ok, _, err) = reel_in(&render);
    assert!(ok, "{err}");
}
