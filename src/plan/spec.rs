//! Reading and checking edit specs (JSON or TOML files holding a [`Timeline`]).

use super::timeline::{
    AudioCue, MusicSource, Source, TalkingFace, Timeline, Watermark, SPEC_VERSION,
};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: PathBuf, message: String },
}

/// Whether a file is an edit spec (by its extension) rather than a script.
pub fn is_spec(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "toml")
    )
}

/// Reads, resolves relative paths against the spec's folder, and checks a spec.
pub fn load(file: &Path) -> Result<Timeline, SpecError> {
    let text = std::fs::read_to_string(file).map_err(|source| SpecError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    from_text(&text, file)
}

/// [`load`] of a spec whose text is `text`, as if read from `file`.
pub fn from_text(text: &str, file: &Path) -> Result<Timeline, SpecError> {
    let mut timeline = parse(text, file)?;
    resolve_paths(&mut timeline, file.parent().unwrap_or(Path::new(".")));
    check(&timeline).map_err(|message| SpecError::Invalid {
        file: file.to_path_buf(),
        message,
    })?;
    Ok(timeline)
}

fn parse(text: &str, file: &Path) -> Result<Timeline, SpecError> {
    let syntax = |line, column, message| SpecError::Syntax {
        file: file.to_path_buf(),
        line,
        column,
        message,
    };
    if text.trim().is_empty() {
        return Err(syntax(1, 1, "the edit spec is empty".into()));
    }
    if file.extension().and_then(|e| e.to_str()) == Some("toml") {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| line_column(text, s.start))
                .unwrap_or((1, 1));
            syntax(line, column, e.message().to_string())
        })
    } else {
        serde_json::from_str(text).map_err(|e| syntax(e.line(), e.column(), strip_position(&e)))
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// One or two portraits that exist, each with known shapes at rising times.
fn check_faces(faces: &[TalkingFace], at: &str) -> Result<(), String> {
    if !(1..=2).contains(&faces.len()) {
        return Err(format!("{at}.faces: give one or two portraits"));
    }
    for (i, face) in faces.iter().enumerate() {
        let at = format!("{at}.faces[{i}]");
        if !face.path.is_file() {
            return Err(format!("{at}.path: {} does not exist", face.path.display()));
        }
        let mut last = 0.0;
        for (j, cue) in face.cues.iter().enumerate() {
            if !"ABCDEFGHX".contains(cue.shape) {
                return Err(format!("{at}.cues[{j}].shape: use A-H or X"));
            }
            if !(cue.start.is_finite() && cue.start >= last) {
                return Err(format!("{at}.cues[{j}].start: times must rise from 0"));
            }
            last = cue.start;
        }
    }
    Ok(())
}

fn resolve_paths(timeline: &mut Timeline, base: &Path) {
    let resolve = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    };
    for clip in &mut timeline.clips {
        match &mut clip.source {
            Source::Image { path } | Source::Video { path, .. } => resolve(path),
            Source::Portraits { faces } => faces.iter_mut().for_each(|f| resolve(&mut f.path)),
            Source::Card { .. } => {}
        }
    }
    if let Some(image) = timeline.watermark.as_mut().and_then(|w| w.image.as_mut()) {
        resolve(image);
    }
    let audio = &mut timeline.audio;
    audio
        .voice
        .iter_mut()
        .chain(audio.effects.iter_mut())
        .for_each(|c| resolve(&mut c.path));
    if let Some(MusicSource::File { path }) = audio.music.as_mut().map(|m| &mut m.source) {
        resolve(path);
    }
}

/// Checks what serde cannot: numbers in range and files that exist. Messages name the field.
pub fn check(timeline: &Timeline) -> Result<(), String> {
    if timeline.version > SPEC_VERSION {
        return Err(format!(
            "spec version {} is newer than this reel understands ({SPEC_VERSION})",
            timeline.version
        ));
    }
    if timeline.clips.is_empty() {
        return Err("clips: the timeline has no clips".into());
    }
    let positive = |v: f64| v.is_finite() && v > 0.0;
    for (i, clip) in timeline.clips.iter().enumerate() {
        let at = format!("clips[{i}]");
        if !positive(clip.duration) {
            return Err(format!(
                "{at}.duration is {}: a clip must last above zero seconds",
                clip.duration
            ));
        }
        let t = clip.transition.duration;
        if !(t.is_finite() && t >= 0.0) {
            return Err(format!(
                "{at}.transition.duration is {t}: must be zero or more"
            ));
        }
        if i > 0 && (t > clip.duration || t > timeline.clips[i - 1].duration) {
            return Err(format!(
                "{at}.transition.duration {t} s is longer than a clip it joins"
            ));
        }
        for (name, view) in [("from", clip.motion.from), ("to", clip.motion.to)] {
            if !positive(view.zoom)
                || !(0.0..=1.0).contains(&view.x)
                || !(0.0..=1.0).contains(&view.y)
            {
                return Err(format!(
                    "{at}.motion.{name}: zoom must be above 0, x and y in 0..1"
                ));
            }
        }
        match &clip.source {
            Source::Image { path } | Source::Video { path, .. } if !path.is_file() => {
                return Err(format!("{at}.source: {} does not exist", path.display()));
            }
            Source::Video { in_s, .. } if !(in_s.is_finite() && *in_s >= 0.0) => {
                return Err(format!("{at}.source.in_s must be zero or more"));
            }
            Source::Portraits { faces } => check_faces(faces, &format!("{at}.source"))?,
            _ => {}
        }
    }
    for (i, c) in timeline.captions.iter().enumerate() {
        if !(c.start.is_finite() && c.end.is_finite() && c.start >= 0.0 && c.end > c.start) {
            return Err(format!(
                "captions[{i}]: start {} and end {} do not make a span",
                c.start, c.end
            ));
        }
    }
    let cues = |name: &str, cues: &[AudioCue]| -> Result<(), String> {
        for (i, cue) in cues.iter().enumerate() {
            if !(cue.start.is_finite() && cue.start >= 0.0) {
                return Err(format!("audio.{name}[{i}].start must be zero or more"));
            }
            if !cue.path.is_file() {
                return Err(format!(
                    "audio.{name}[{i}]: {} does not exist",
                    cue.path.display()
                ));
            }
        }
        Ok(())
    };
    cues("voice", &timeline.audio.voice)?;
    cues("effects", &timeline.audio.effects)?;
    if let Some(music) = &timeline.audio.music {
        match &music.source {
            MusicSource::File { path } if !path.is_file() => {
                return Err(format!("audio.music: {} does not exist", path.display()));
            }
            MusicSource::Generated { tempo, .. } if !(40.0..=220.0).contains(tempo) => {
                return Err(format!("audio.music.tempo {tempo} is outside 40..220 BPM"));
            }
            _ => {}
        }
    }
    if let Some(lufs) = timeline.audio.loudness_lufs {
        if !(-70.0..=-5.0).contains(&lufs) {
            return Err(format!("audio.loudness_lufs {lufs} is outside -70..-5"));
        }
    }
    if let Some(mark) = &timeline.watermark {
        check_watermark(mark)?;
    }
    Ok(())
}

/// A watermark is text or a picture that exists, at a visible opacity and a sensible size.
pub fn check_watermark(mark: &Watermark) -> Result<(), String> {
    match (&mark.image, mark.text.trim().is_empty()) {
        (Some(_), false) => return Err("watermark: give text or image, not both".into()),
        (None, true) => return Err("watermark: give its text or image".into()),
        (Some(image), true) if !image.is_file() => {
            return Err(format!(
                "watermark.image: {} does not exist",
                image.display()
            ))
        }
        _ => {}
    }
    if !(mark.opacity > 0.0 && mark.opacity <= 1.0) {
        return Err(format!(
            "watermark.opacity {} is outside 0..1",
            mark.opacity
        ));
    }
    if !(0.01..=0.5).contains(&mark.size) {
        return Err(format!(
            "watermark.size {} is outside 0.01..0.5 (of the frame's shorter side)",
            mark.size
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_watermark_is_text_or_an_existing_picture_and_visible() {
        let text = |t: &str| Watermark::from_arg(t);
        assert_eq!(check_watermark(&text("© Harbour Films")), Ok(()));
        let err = check_watermark(&text("  ")).unwrap_err();
        assert!(err.contains("text or image"), "{err}");
        let faint = Watermark {
            opacity: 0.0,
            ..text("x")
        };
        assert!(check_watermark(&faint).unwrap_err().contains("opacity"));
        let huge = Watermark {
            size: 0.9,
            ..text("x")
        };
        assert!(check_watermark(&huge).unwrap_err().contains("size"));
        let missing = Watermark {
            text: String::new(),
            image: Some(PathBuf::from("/no/logo.png")),
            ..text("x")
        };
        assert!(check_watermark(&missing)
            .unwrap_err()
            .contains("/no/logo.png"));
    }

    #[test]
    fn json_syntax_errors_carry_line_and_column() {
        let (_dir, path) = write("a.json", "{\n  \"clips\": [\n    {\"duration\": }\n  ]\n}");
        match load(&path).unwrap_err() {
            SpecError::Syntax { line, .. } => assert_eq!(line, 3),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn toml_unknown_keys_are_named() {
        let (_dir, path) = write("a.toml", "clips = []\nspeed = 2\n");
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("a.toml:2:") && err.contains("speed"), "{err}");
    }

    #[test]
    fn zero_length_clips_and_missing_files_are_refused() {
        let card = r##"{"clips": [{"source": {"kind": "card", "title": "Hi"}, "duration": 0}]}"##;
        let (_dir, path) = write("a.json", card);
        assert!(load(&path)
            .unwrap_err()
            .to_string()
            .contains("clips[0].duration is 0"));
        let image =
            r#"{"clips": [{"source": {"kind": "image", "path": "gone.png"}, "duration": 2}]}"#;
        let (dir, path) = write("b.json", image);
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains(&dir.path().join("gone.png").display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn a_valid_spec_round_trips() {
        let text = r##"{"clips": [{"source": {"kind": "card", "title": "Hi",
            "background": {"kind": "solid", "color": "#102030"}}, "duration": 2}]}"##;
        let (_dir, path) = write("a.json", text);
        let timeline = load(&path).unwrap();
        let again: Timeline =
            serde_json::from_str(&serde_json::to_string(&timeline).unwrap()).unwrap();
        assert_eq!(timeline, again);
        assert_eq!(timeline.duration(), 2.0);
    }
}
