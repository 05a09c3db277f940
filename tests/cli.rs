//! The `reel` command as a user meets it: bad input gets one clear line and no file.

mod common;

use std::path::Path;
use std::process::Command;

fn reel(args: &[&str], dir: &Path) -> (i32, String) {
    let output = common::run_reel(args, dir);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn bad_input_gets_one_clear_error_line_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(
        d.join("missing.txt"),
        "Scene 1: A quay [[image: gone.png]]\n",
    )
    .unwrap();
    std::fs::write(d.join("broken.png"), "this is no picture").unwrap();
    std::fs::write(
        d.join("unreadable.txt"),
        "Title: x\n\nScene 1: A quay [[image: broken.png]]\n",
    )
    .unwrap();
    std::fs::write(d.join("zero.txt"), "Scene 1: A\n\nScene 2:\n").unwrap();
    std::fs::write(
        d.join("zero.json"),
        r#"{"clips": [{"source": {"kind": "card", "title": "x"}, "duration": 0}]}"#,
    )
    .unwrap();
    std::fs::write(d.join("ok.txt"), "Scene 1: A quay at dawn.\n").unwrap();

    let cases: [(&[&str], &str); 7] = [
        (
            &["render", "empty.txt"],
            "empty.txt:1:1: the script is empty",
        ),
        (
            &["render", "missing.txt"],
            "missing.txt:1:17: image gone.png does not exist",
        ),
        (
            &["render", "unreadable.txt"],
            "unreadable.txt:3: scene 1: image broken.png cannot be used",
        ),
        (&["render", "zero.txt"], "zero.txt:3:1: scene 2 is empty"),
        (
            &["render", "zero.json"],
            "zero.json: clips[0].duration is 0",
        ),
        (
            &["render", "ok.txt", "--profile", "tiktok-8k"],
            "unknown profile 'tiktok-8k'",
        ),
        (&["render", "nothere.txt"], "nothere.txt: no such file"),
    ];
    for (args, expected) in cases {
        let (code, stderr) = reel(args, d);
        assert_ne!(code, 0, "{args:?} should fail");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line, got {stderr:?}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(expected),
            "{args:?}: {stderr:?}"
        );
        assert!(
            files_in(&d.join("out")).is_empty(),
            "{args:?} left {:?}",
            files_in(&d.join("out"))
        );
    }
}

#[test]
fn lists_the_built_in_profiles() {
    let output = Command::new(env!("CARGO_BIN_EXE_reel"))
        .arg("profiles")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for name in [
        "youtube-1080p",
        "shorts-1080x1920",
        "square-1080",
        "classic-1440x1080",
        "preview-480p",
    ] {
        assert!(text.contains(name), "{name} missing from {text}");
    }
}
